"""Permissions and role templates, as plugins contribute them, plus core's own."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

PERMISSION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2}$")

# The three separated administrators (三员分立). An account holds at most one of them, and
# none of them includes business permissions.
SYSADMIN = "sysadmin"
SECADMIN = "secadmin"
AUDITADMIN = "auditadmin"
ADMIN_ROLES = (SYSADMIN, SECADMIN, AUDITADMIN)


@dataclass(frozen=True)
class Permission:
    """``<plugin>.<object>.<action>``, e.g. ``notices.notice.edit``.

    ``admin`` marks permissions of the administrators' consoles; business roles never get
    them and the three admin roles get only them.
    """

    name: str
    title: Any
    description: Any = ""
    admin: bool = False


@dataclass(frozen=True)
class RoleTemplate:
    """A role a tenant gets by default; templates with the same key merge their permissions."""

    key: str
    title: Any
    permissions: tuple[str, ...]
    description: Any = ""
    admin_kind: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


CORE_PERMISSIONS = [
    Permission("core.user.manage", _l("Manage user accounts"), admin=True),
    Permission("core.orgunit.manage", _l("Manage org units"), admin=True),
    Permission("core.plugin.manage", _l("Enable and disable modules"), admin=True),
    Permission("core.role.manage", _l("Edit roles and assign them"), admin=True),
    Permission("core.policy.manage", _l("Edit security policies"), admin=True),
    Permission("core.session.manage", _l("See online users and end sessions"), admin=True),
    Permission("core.audit.view", _l("Search the audit log"), admin=True),
    Permission("core.audit.export", _l("Export the audit log"), admin=True),
    Permission("core.person.view", _l("See the people registry")),
    Permission("core.person.edit", _l("Add and edit people")),
    Permission("core.person.reveal", _l("Reveal ID and phone numbers (with a reason)")),
]

CORE_ROLE_TEMPLATES = [
    RoleTemplate(SYSADMIN, _l("System administrator"),
                 ("core.user.manage", "core.orgunit.manage", "core.plugin.manage"),
                 _l("Accounts, org units and modules; no business records."), admin_kind=SYSADMIN),
    RoleTemplate(SECADMIN, _l("Security administrator"),
                 ("core.role.manage", "core.policy.manage", "core.session.manage"),
                 _l("Roles, grants and security policies; no business records."),
                 admin_kind=SECADMIN),
    RoleTemplate(AUDITADMIN, _l("Audit administrator"),
                 ("core.audit.view", "core.audit.export"),
                 _l("Reads and exports the audit log; no business records."),
                 admin_kind=AUDITADMIN),
    RoleTemplate("staff", _l("Staff"), ("core.person.view", "core.person.edit"),
                 _l("Day-to-day work in the enabled service lines.")),
    RoleTemplate("leader", _l("Bureau leader"),
                 ("core.person.view", "core.person.edit", "core.person.reveal"),
                 _l("Sees and decides across the bureau.")),
]


def validate_permission(permission: Permission, plugin: str) -> None:
    """Names are namespaced by the contributing plugin (core for core)."""
    if not PERMISSION_RE.match(permission.name):
        raise ValueError(f"permission {permission.name!r} must look like plugin.object.action")
    if permission.name.split(".", 1)[0] != plugin:
        raise ValueError(f"permission {permission.name!r} must start with {plugin!r}.")
