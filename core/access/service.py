"""Seeding roles for a tenant and granting them, with the 三员分立 rule enforced."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core.access.checks import forget_grants
from core.access.models import Role, RoleAssignment
from core.access.permissions import ADMIN_ROLES
from core.access.registry import access_registry
from core.auth.models import User
from core.db import db
from core.orgunits.models import OrgUnit


class RoleConflict(ValueError):
    """A grant the separation-of-duties rules refuse; the message says why."""


def seed_roles() -> dict[str, Role]:
    """Create the current tenant's missing roles from the templates; returns roles by key.

    Existing roles get permissions that templates added since (a new plugin installed), and
    keep whatever the tenant's security admin changed.
    """
    roles = {role.key: role for role in db.session.scalars(select(Role))}
    for template in access_registry().templates.values():
        role = roles.get(template.key)
        if role is None:
            role = Role(key=template.key, title=str(template.title),
                        description=str(template.description or ""),
                        admin_kind=template.admin_kind, builtin=True,
                        permissions=list(template.permissions))
            db.session.add(role)
            roles[template.key] = role
        else:
            missing = [p for p in template.permissions if p not in role.permissions]
            if missing and role.builtin:
                role.permissions = [*role.permissions, *missing]
    db.session.flush()
    return roles


def assign_role(user: User, role: Role, org_unit: OrgUnit | None = None,
                actor: str = "system") -> RoleAssignment:
    """Grant ``role`` to ``user`` over ``org_unit``'s subtree (None: whole tenant); flushes.

    The three administrator roles are mutually exclusive, granted tenant-wide only.
    """
    held = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == user.id)).all()
    if role.admin_kind in ADMIN_ROLES:
        if org_unit is not None:
            raise RoleConflict(_("Administrator roles are granted for the whole bureau."))
        other = [a.role for a in held if a.role.admin_kind and a.role.admin_kind != role.admin_kind]
        if other:
            raise RoleConflict(_("%(user)s already holds %(role)s; the system, security and "
                                 "audit administrators must be different people.",
                                 user=user.username, role=other[0].title))
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
