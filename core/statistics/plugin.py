"""Statistics: each plugin's figures for a month, quarter or year, charted and exported."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.access.permissions import Permission, RoleTemplate
from core.plugins.contributions import NavItem
from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl

plugin_info = PluginInfo(
    name="statistics",
    title=_l("Statistics"),
    description=_l("Monthly, quarterly and yearly figures of the service lines."),
    vendor="Fatong",
    always_on=True,
)

#: An always-on module: its permission lives in core's namespace.
STATISTICS_VIEW = "core.statistics.view"


@hookimpl
def register_blueprints(app: Any) -> list:
    from core.statistics.views import bp

    return [bp]


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission(STATISTICS_VIEW,
                       _l("See the statistics of the service lines and export them"))]


@hookimpl
def role_templates() -> list[RoleTemplate]:
    # Figures only, no personal data: the bureau's leaders and its staff alike.
    return [RoleTemplate("leader", _l("Bureau leader"), (STATISTICS_VIEW,)),
            RoleTemplate("staff", _l("Staff"), (STATISTICS_VIEW,))]


@hookimpl
def nav_items(tenant: Any, user: Any) -> list[NavItem]:
    from flask import g

    from core.access.checks import has_permission
    from core.statistics.service import reporting_plugins

    # The request's own set of enabled plugins when there is one (saves a query a page).
    enabled = g.get("enabled_plugins") if g.get("tenant") is tenant else None
    if not has_permission(STATISTICS_VIEW, user) or not reporting_plugins(tenant, enabled):
        return []
    return [NavItem(title=_l("Statistics"), endpoint="statistics.index", weight=800,
                    icon="bar-chart")]
