"""Registers the deadlines centre through the same hooks as any plugin."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.plugins.contributions import DashboardCard, NavItem
from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl

plugin_info = PluginInfo(
    name="deadlines",
    title=_l("Deadlines"),
    description=_l("Items coming due or overdue across the enabled service lines."),
    vendor="Fatong",
    always_on=True,
)


@hookimpl
def register_blueprints(app: Any) -> list:
    from core.deadlines.views import bp

    return [bp]


@hookimpl
def nav_items(tenant: Any, user: Any) -> list[NavItem]:
    # Right after the workbench (weight 0); open to every user, each plugin filters its items.
    return [NavItem(title=_l("Deadlines"), endpoint="deadlines.index", weight=5, icon="alarm")]


@hookimpl
def dashboard_cards(tenant: Any, user: Any) -> list[DashboardCard]:
    from core.deadlines.views import DEFAULT_DAYS, collect, group

    rows, _failed = collect(tenant, user)
    groups = group(rows, DEFAULT_DAYS)
    return [
        DashboardCard(title=_l("Overdue"), value=len(groups.overdue),
                      endpoint="deadlines.index", weight=5),
        DashboardCard(title=_l("Due within %(days)s days", days=DEFAULT_DAYS),
                      value=len(groups.soon), endpoint="deadlines.index", weight=6),
    ]
