"""Seeding, editing and granting roles, with the 三员分立 rules enforced here, not in views.

Rules (GB/T 22239 level 3, separation of the three administrators):

- the system, security and audit administrator roles are mutually exclusive on one account
  and are granted for the whole tenant only;
- the administrator roles hold only administrator permissions (``Permission.admin``), their
  sets are fixed; business roles never hold an administrator permission;
- custom roles are business roles; a role is deleted only when nobody holds it.

Functions flush; the caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.access.checks import forget_grants
from core.access.models import Role, RoleAssignment
from core.access.permissions import ADMIN_ROLES, AUDITADMIN, SECADMIN
from core.access.registry import CORE_NAMESPACE, access_registry
from core.auth.models import User
from core.db import db
from core.orgunits.models import OrgUnit

ROLE_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class RoleConflict(ValueError):
    """A grant the separation-of-duties rules refuse; the message says why.

    ``field`` names what the user should change: ``role`` or ``org_unit``.
    """

    def __init__(self, message: str, field: str = "role") -> None:
        super().__init__(message)
        self.field = field


class RoleError(ValueError):
    """A role edit the rules refuse; ``field`` names the form field concerned."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def seed_roles() -> dict[str, Role]:
    """Create the current tenant's missing roles from the templates; returns roles by key.

    A built-in role gets only the template permissions it was never offered (a plugin
    installed since): ``seeded_permissions`` remembers what seeding gave, so a permission the
    security administrator removed stays removed.
    """
    roles = {role.key: role for role in db.session.scalars(select(Role))}
    for template in access_registry().templates.values():
        role = roles.get(template.key)
        if role is None:
            role = Role(key=template.key, title=str(template.title),
                        description=str(template.description or ""),
                        admin_kind=template.admin_kind, builtin=True,
                        permissions=list(template.permissions),
                        seeded_permissions=list(template.permissions))
            db.session.add(role)
            roles[template.key] = role
        elif role.builtin:
            offered = set(role.seeded_permissions or [])
            new = [p for p in template.permissions if p not in offered]
            if new:
                role.permissions = [*role.permissions,
                                    *(p for p in new if p not in role.permissions)]
                role.seeded_permissions = [*(role.seeded_permissions or []), *new]
    db.session.flush()
    return roles


# --- grants ------------------------------------------------------------------------------


def check_grant(user: User, role: Role, org_unit: OrgUnit | None,
                held_roles: Iterable[Role]) -> None:
    """Raise :class:`RoleConflict` if granting ``role`` next to ``held_roles`` breaks a rule."""
    if role.admin_kind in ADMIN_ROLES:
        if org_unit is not None:
            raise RoleConflict(_("Administrator roles are granted for the whole bureau."),
                               "org_unit")
        other = [r for r in held_roles if r.admin_kind and r.admin_kind != role.admin_kind]
        if other:
            raise RoleConflict(_("%(user)s already holds %(role)s; the system, security and "
                                 "audit administrators must be different people.",
                                 user=user.username, role=other[0].title))
    if org_unit is not None and not org_unit.active:
        raise RoleConflict(_("%(name)s is deactivated.", name=org_unit.name), "org_unit")


def assignments_of(user: User) -> list[RoleAssignment]:
    return list(db.session.scalars(
        select(RoleAssignment).where(RoleAssignment.user_id == user.id)
        .order_by(RoleAssignment.granted_at, RoleAssignment.id)))


def assign_role(user: User, role: Role, org_unit: OrgUnit | None = None,
                actor: str = "system") -> RoleAssignment:
    """Grant ``role`` to ``user`` over ``org_unit``'s subtree (None: whole tenant); flushes.

    The three administrator roles are mutually exclusive, granted tenant-wide only. Granting
    what the user already holds returns the existing assignment.
    """
    held = assignments_of(user)
    check_grant(user, role, org_unit, [a.role for a in held])
    for assignment in held:
        same_unit = assignment.org_unit_id == (org_unit.id if org_unit else None)
        if assignment.role_id == role.id and same_unit:
            return assignment
    assignment = RoleAssignment(user_id=user.id, role_id=role.id,
                                org_unit_id=org_unit.id if org_unit else None, granted_by=actor)
    db.session.add(assignment)
    db.session.flush()
    forget_grants()
    return assignment


def _active_holders(admin_kind: str) -> set[int]:
    return set(db.session.scalars(
        select(RoleAssignment.user_id)
        .join(Role, Role.id == RoleAssignment.role_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(Role.admin_kind == admin_kind, User.active.is_(True))))


def _active_security_admins() -> set[int]:
    return _active_holders(SECADMIN)


def is_last_active_security_admin(user: User) -> bool:
    """Only a security administrator can grant that role again: the last one must stay."""
    return _active_security_admins() == {user.id}


def revoke_assignment(assignment: RoleAssignment) -> None:
    """Take a grant away; refused for the last holder of the security administrator role,
    who is the only one able to grant it again."""
    role = assignment.role
    if role.admin_kind == SECADMIN and len(_active_security_admins()) <= 1:
        raise RoleConflict(_("This is the last active security administrator; grant the "
                             "role to someone else first."))
    db.session.delete(assignment)
    db.session.flush()
    forget_grants()


# --- bootstrap: the first security and audit administrators ---------------------------------

BOOTSTRAP_ROLES = (SECADMIN, AUDITADMIN)


def bootstrap_open_roles() -> list[str]:
    """Administrator roles the system administrator may appoint now; empty once closed.

    Only a security administrator grants roles, so a new bureau whose single account is its
    system administrator could never get one. While no active account holds ``secadmin``,
    the system administrator may appoint it, and ``auditadmin`` while nobody holds that.
    """
    if _active_holders(SECADMIN):
        return []
    return [key for key in BOOTSTRAP_ROLES if not _active_holders(key)]


def bootstrap_admin_grant(user: User, role_key: str, actor: User) -> RoleAssignment:
    """The system administrator ``actor`` appoints ``user`` as the first ``role_key``
    (``secadmin`` or ``auditadmin``), tenant-wide; raises :class:`RoleConflict`; flushes."""
    if role_key not in BOOTSTRAP_ROLES:
        raise RoleConflict(_("Only the security or the audit administrator can be appointed "
                             "this way."))
    if _active_holders(SECADMIN):
        raise RoleConflict(_("The bureau has an active security administrator, who grants "
                             "roles from now on."))
    if role_key not in bootstrap_open_roles():
        raise RoleConflict(_("The bureau has an active audit administrator already; further "
                             "ones are granted by the security administrator."))
    if user.id == actor.id:
        raise RoleConflict(_("Appoint another account: the system, security and audit "
                             "administrators must be different people."))
    if not user.active:
        raise RoleConflict(_("%(user)s is disabled; enable the account first.",
                             user=user.username))
    role = db.session.scalar(select(Role).where(Role.key == role_key,
                                                Role.admin_kind == role_key))
    if role is None:  # pragma: no cover - every tenant is seeded with the admin roles
        raise RoleConflict(_("The role %(key)s is missing.", key=role_key))
    return assign_role(user, role, None, actor=actor.username)


# --- roles -------------------------------------------------------------------------------


def is_admin_role(role: Role) -> bool:
    return role.admin_kind in ADMIN_ROLES


def assignable_permissions(role: Role, enabled_plugins: Iterable[str]) -> list[str]:
    """Permission names the role may be given in this tenant, catalogue order.

    Core's and enabled plugins' only; administrator permissions for administrator roles,
    business permissions for the others.
    """
    registry = access_registry()
    enabled = set(enabled_plugins)
    admin = is_admin_role(role)
    return [name for name, permission in registry.permissions.items()
            if (registry.owners[name] == CORE_NAMESPACE or registry.owners[name] in enabled)
            and permission.admin == admin]


def _clean_text(title: str, description: str) -> tuple[str, str]:
    title = (title or "").strip()
    description = (description or "").strip()
    if not title or len(title) > 100:
        raise RoleError(_("Give the role a title of at most 100 characters."), "title")
    if len(description) > 500:
        raise RoleError(_("Keep the description under 500 characters."), "description")
    return title, description


def _business_permissions(permissions: Iterable[str], allowed: Iterable[str]) -> list[str]:
    registry = access_registry()
    allowed = set(allowed)
    chosen = list(dict.fromkeys(permissions))
    for name in chosen:
        permission = registry.permissions.get(name)
        if permission is None or name not in allowed:
            raise RoleError(_("%(name)s cannot be given to this role.", name=name),
                            "permissions")
        if permission.admin:
            raise RoleError(_("Business roles cannot hold administrator permissions."),
                            "permissions")
    return chosen


def update_role(role: Role, *, title: str, description: str,
                permissions: Iterable[str] | None, enabled_plugins: Iterable[str]) -> Role:
    """Change a role's title, description and (business roles only) permission set.

    ``permissions`` is the chosen subset of what the editor showed (core's and the enabled
    plugins' permissions); those of disabled plugins the role already holds are kept, so
    that re-enabling a plugin gives the role back what it had.
    """
    role.title, role.description = _clean_text(title, description)
    if permissions is not None:
        chosen = list(dict.fromkeys(permissions))
        if is_admin_role(role):
            if set(chosen) != set(role.permissions or []):
                raise RoleError(_("The administrator roles' permissions are fixed."),
                                "permissions")
        else:
            shown = assignable_permissions(role, enabled_plugins)
            chosen = _business_permissions(chosen, shown)
            hidden = [p for p in role.permissions or [] if p not in shown]
            role.permissions = [*hidden, *chosen]
    db.session.flush()
    forget_grants()
    return role


def create_role(*, key: str, title: str, description: str, permissions: Iterable[str],
                enabled_plugins: Iterable[str]) -> Role:
    """A custom business role of this tenant."""
    key = (key or "").strip()
    if not ROLE_KEY_RE.match(key):
        raise RoleError(_("Use 2-40 lowercase letters, digits or '_', starting with a letter."),
                        "key")
    if db.session.scalar(select(Role.id).where(Role.key == key)) is not None:
        raise RoleError(_("A role with the key %(key)s exists already.", key=key), "key")
    if key in ADMIN_ROLES or key in access_registry().templates:
        raise RoleError(_("%(key)s is reserved for a built-in role.", key=key), "key")
    title, description = _clean_text(title, description)
    probe = Role(key=key, admin_kind=None)
    chosen = _business_permissions(permissions, assignable_permissions(probe, enabled_plugins))
    role = Role(key=key, title=title, description=description, admin_kind=None, builtin=False,
                permissions=chosen)
    db.session.add(role)
    db.session.flush()
    return role


def holders_count(role: Role) -> int:
    return db.session.scalar(select(func.count()).select_from(RoleAssignment)
                             .where(RoleAssignment.role_id == role.id)) or 0


def delete_role(role: Role) -> None:
    if role.builtin:
        raise RoleError(_("Built-in roles cannot be deleted."))
    if holders_count(role):
        raise RoleError(_("Revoke this role from everyone holding it before deleting it."))
    db.session.delete(role)
    db.session.flush()
    forget_grants()


def roles_by_key() -> dict[str, Role]:
    return {role.key: role for role in db.session.scalars(select(Role))}


def grant_role(user: User, role_key: str, org_unit: OrgUnit | None = None,
               actor: str = "system") -> RoleAssignment:
    """Grant the tenant's role ``role_key`` (e.g. ``mediation_station``) to ``user`` over
    ``org_unit``'s subtree (None: whole tenant); flushes. Raises KeyError for an unknown key.
    Exported from ``core.sdk`` for plugins that provision accounts (their demo data)."""
    role = roles_by_key().get(role_key)
    if role is None:
        raise KeyError(f"no role with key {role_key!r} in this tenant")
    return assign_role(user, role, org_unit, actor=actor)
