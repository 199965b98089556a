"""Permissions and role grants of the tenant lifecycle module (always-on: namespace core)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.sdk import Permission, RoleTemplate

#: The module page itself uses core's ``core.plugin.manage`` (system administrator).
MODULE_MANAGE = "core.plugin.manage"
SETTINGS_MANAGE = "core.settings.manage"
SUBORDINATE_VIEW = "core.subordinate.view"

PERMISSIONS = [
    Permission(SETTINGS_MANAGE, _l("Edit the bureau's settings and each module's settings"),
               admin=True),
    Permission(SUBORDINATE_VIEW,
               _l("See subordinate bureaus: their modules and activity figures")),
]

ROLE_TEMPLATES = [
    RoleTemplate("sysadmin", _l("System administrator"), (SETTINGS_MANAGE,)),
    RoleTemplate("leader", _l("Bureau leader"), (SUBORDINATE_VIEW,)),
]
