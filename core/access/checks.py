"""Asking "may this user do that, and where?" — the one way plugins check access.

A grant is a role held over the whole tenant or over an org-unit subtree. A permission
counts only while the plugin that declared it is enabled for the tenant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, select, true

from core.access.models import RoleAssignment
from core.access.registry import CORE_NAMESPACE, access_registry
from core.db import db
from core.orgunits.models import OrgUnit
from core.signals import permission_denied

F = TypeVar("F", bound=Callable[..., Any])

WHOLE_TENANT = None  # scope value meaning "everywhere in the tenant"


#: flask.g key: user id -> what the user's role assignments grant, as loaded with the
#: session (core.auth.sessions), so the grants cost no statement of their own.
_PRELOADED_KEY = "_fatong_assignments"

#: One assignment as the grants need it: the org unit's path (None: whole tenant) and the
#: role's permission names.
Assignment = tuple[str | None, list[str]]


def assignment_scope(assignment: RoleAssignment) -> Assignment:
    """What the grants need of an assignment (role and org unit are eager-loaded with it)."""
    unit_path = assignment.org_unit.path if assignment.org_unit is not None else None
    return unit_path, list(assignment.role.permissions or [])


def preload_assignments(user_id: int, assignments: Iterable[RoleAssignment]) -> None:
    """Keep the user's assignments, read along with the session, for this request's grants.

    Plain values, not ORM rows: a commit earlier in the request than the first permission
    check (a form saved before the page renders its navigation) expires loaded objects, and
    touching them afterwards would cost a refresh per assignment.
    """
    if has_request_context():
        g.setdefault(_PRELOADED_KEY, {})[user_id] = [assignment_scope(a) for a in assignments]


def _assignments(user_id: int) -> list[Assignment]:
    preloaded = g.get(_PRELOADED_KEY, {}).pop(user_id, None)
    if preloaded is not None:
        return preloaded
    return [assignment_scope(a) for a in db.session.scalars(
        select(RoleAssignment).where(RoleAssignment.user_id == user_id))]


def _compute_grants(user_id: int) -> dict[str, set[str] | None]:
    registry = access_registry()
    enabled = g.get("enabled_plugins") or frozenset()
    grants: dict[str, set[str] | None] = {}
    for unit_path, permissions in _assignments(user_id):
        for name in permissions:
            owner = registry.owners.get(name)
            if owner is None or (owner != CORE_NAMESPACE and owner not in enabled):
                continue
            if unit_path is None:
                grants[name] = WHOLE_TENANT
            elif name not in grants:
                grants[name] = {unit_path}
            elif grants[name] is not WHOLE_TENANT:
                grants[name].add(unit_path)
    return grants


def user_grants(user: Any = None) -> dict[str, set[str] | None]:
    """Permission name -> None (whole tenant) or the set of org-unit paths it covers."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return {}
    cache = g.setdefault("_fatong_grants", {})
    if user.id not in cache:
        cache[user.id] = _compute_grants(user.id)
    return cache[user.id]


def forget_grants() -> None:
    """Drop the per-request cache after roles or assignments change."""
    g.pop("_fatong_grants", None)
    g.pop(_PRELOADED_KEY, None)


def has_permission(name: str, user: Any = None) -> bool:
    return name in user_grants(user)


def require_permission(name: str) -> Callable[[F], F]:
    """View decorator: 403 unless the current user holds ``name`` somewhere in the tenant."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not has_permission(name):
                permission_denied.send(None, permission=name)
                abort(403)
            return view(*args, **kwargs)

        wrapper._fatong_permission = name  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def scope_filter(org_unit_column: Any, permission: str, user: Any = None) -> ColumnElement:
    """A WHERE clause keeping rows whose org unit lies in the user's scope for ``permission``.

    ``query.where(scope_filter(Case.org_unit_id, "mediation.case.view"))``. No grant: no rows.
    """
    grants = user_grants(user)
    if permission not in grants:
        return false()
    paths = grants[permission]
    if paths is WHOLE_TENANT:
        return true()
    units = select(OrgUnit.id).where(or_(*(OrgUnit.path.startswith(p) for p in sorted(paths))))
    return org_unit_column.in_(units)


def in_scope(org_unit_id: int | None, permission: str, user: Any = None) -> bool:
    """Whether an org unit lies in the user's scope for ``permission``: the Python twin of
    :func:`scope_filter` for one record already loaded (a case page asking which actions to
    offer). No query for a tenant-wide grant; else the unit's path, from the session's
    identity map when it was loaded before."""
    grants = user_grants(user)
    if permission not in grants:
        return False
    paths = grants[permission]
    if paths is WHOLE_TENANT:
        return True
    unit = db.session.get(OrgUnit, org_unit_id) if org_unit_id is not None else None
    return unit is not None and any(unit.path.startswith(path) for path in paths)


def require_any_permission(*names: str) -> Callable[[F], F]:
    """403 unless the user holds one of ``names`` (e.g. pages both administrators need)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not any(has_permission(name) for name in names):
                permission_denied.send(None, permission="|".join(names))
                abort(403)
            return view(*args, **kwargs)

        wrapper._fatong_any_permission = names  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
