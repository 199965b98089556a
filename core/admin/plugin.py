"""Registers the admin consoles through the same hooks as any plugin."""

from flask_babel import lazy_gettext as _l

from core.plugins.contributions import NavItem
from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl

plugin_info = PluginInfo(
    name="admin",
    title=_l("System administration"),
    description=_l("Org units, user accounts and roles, for the separated administrators."),
    vendor="Fatong",
    always_on=True,
)

GROUP = _l("System administration")


@hookimpl
def register_blueprints(app):
    from core.admin import (  # noqa: F401 - routes
        calendar_views,
        numbering_views,
        orgunit_views,
        policy_views,
        role_views,
        user_views,
    )
    from core.admin.blueprint import bp

    return [bp]


@hookimpl
def nav_items(tenant, user):
    from core.access.checks import has_permission
    from core.admin.blueprint import ORGUNIT_MANAGE, ROLE_MANAGE, USER_MANAGE

    items = []
    if has_permission(ORGUNIT_MANAGE, user):
        items.append(NavItem(title=_l("Org units"), endpoint="admin.org_units", weight=900,
                             icon="diagram-3", group=GROUP))
    if has_permission(USER_MANAGE, user) or has_permission(ROLE_MANAGE, user):
        items.append(NavItem(title=_l("Users"), endpoint="admin.users", weight=901,
                             icon="people", group=GROUP))
    if has_permission(ROLE_MANAGE, user):
        items.append(NavItem(title=_l("Roles"), endpoint="admin.roles", weight=902,
                             icon="shield-lock", group=GROUP))
    if has_permission("core.policy.manage", user):
        items.append(NavItem(title=_l("Security policy"), endpoint="admin.policy", weight=903,
                             icon="sliders", group=GROUP))
    if has_permission("core.settings.manage", user):
        items.append(NavItem(title=_l("Working-day calendar"), endpoint="admin.calendar",
                             weight=906, icon="calendar-week", group=GROUP))
        items.append(NavItem(title=_l("Document numbers"), endpoint="admin.numbering",
                             weight=907, icon="123", group=GROUP))
    return items
