"""The places registry: villages, communities, schools and enterprises of the county."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.plugins.contributions import NavItem
from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl

plugin_info = PluginInfo(
    name="places",
    title=_l("Places"),
    description=_l("Villages, communities, schools and enterprises, with their town and "
                   "the justice station responsible."),
    vendor="Fatong",
    always_on=True,
)


@hookimpl
def register_blueprints(app: Any) -> list:
    from core.places.views import bp

    return [bp]


@hookimpl
def register_permissions() -> list:
    from core.places.permissions import PERMISSIONS

    return PERMISSIONS


@hookimpl
def role_templates() -> list:
    from core.places.permissions import ROLE_TEMPLATES

    return ROLE_TEMPLATES


@hookimpl
def nav_items(tenant: Any, user: Any) -> list[NavItem]:
    from core.access.checks import has_permission
    from core.places.permissions import VIEW_ANY

    if not any(has_permission(name, user) for name in VIEW_ANY):
        return []
    # Right after the people registry (weight 10): the two shared registries side by side.
    return [NavItem(title=_l("Places"), endpoint="places.index", weight=12, icon="geo-alt")]
