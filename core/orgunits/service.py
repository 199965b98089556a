"""Creating, editing, moving and deactivating org units while keeping the paths right.

Functions flush and leave the commit to the caller, so that several changes (an import)
go into one transaction. Refusals raise :class:`OrgUnitError` with a translated message and
the form field it concerns.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.db import db
from core.ids import new_id
from core.orgunits.models import OrgUnit, OrgUnitType

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
NAME_MAX = 100


class OrgUnitError(ValueError):
    """A change the tree refuses; the message says why, ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_code(code: str, unit: OrgUnit | None = None) -> str:
    """The code stripped, if well-formed and free in this tenant (``unit`` may keep its own)."""
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise OrgUnitError(_("Use 1-40 letters, digits, '-', '_' or '.' for the code."), "code")
    query = select(OrgUnit.id).where(OrgUnit.code == code)
    if unit is not None:
        query = query.where(OrgUnit.id != unit.id)
    if db.session.scalar(query) is not None:
        raise OrgUnitError(_("Another org unit already has the code %(code)s.", code=code),
                           "code")
    return code


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise OrgUnitError(_("Give the unit a name of at most %(max)d characters.",
                             max=NAME_MAX), "name")
    return name


def create_unit(name: str, code: str, unit_type: OrgUnitType,
                parent: OrgUnit | None = None, sort_order: int = 0) -> OrgUnit:
    """Add a unit under ``parent`` (None: a root) in the current tenant; flushes."""
    name, code = check_name(name), check_code(code)
    if parent is not None and not parent.active:
        raise OrgUnitError(_("%(name)s is deactivated; choose an active parent unit.",
                             name=parent.name), "parent")
    unit_id = new_id()
    path = f"{parent.path if parent else '/'}{unit_id}/"
    unit = OrgUnit(id=unit_id, name=name, code=code, unit_type=OrgUnitType(unit_type),
                   parent_id=parent.id if parent else None, path=path, sort_order=sort_order)
    db.session.add(unit)
    db.session.flush()
    return unit


def update_unit(unit: OrgUnit, *, name: str, code: str, unit_type: OrgUnitType,
                sort_order: int) -> OrgUnit:
    """Change a unit's own fields (not its place in the tree: see :func:`move_unit`)."""
    unit.name = check_name(name)
    unit.code = check_code(code, unit)
    unit.unit_type = OrgUnitType(unit_type)
    unit.sort_order = sort_order
    db.session.flush()
    return unit


def move_unit(unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    """Hang ``unit`` (with everything below it) under ``new_parent``; rewrites the paths."""
    if new_parent.path.startswith(unit.path):
        raise OrgUnitError(_("A unit cannot be moved under itself or one of its own sub-units."),
                           "parent")
    if not new_parent.active:
        raise OrgUnitError(_("%(name)s is deactivated; choose an active parent unit.",
                             name=new_parent.name), "parent")
    if unit.parent_id == new_parent.id:
        return unit
    old_prefix = unit.path
    new_prefix = f"{new_parent.path}{unit.id}/"
    # Every descendant's path starts with the unit's: swap that prefix, deepest included.
    for member in subtree(unit):
        member.path = new_prefix + member.path[len(old_prefix):]
    unit.parent_id = new_parent.id
    db.session.flush()
    return unit


def active_children(unit: OrgUnit) -> int:
    return db.session.scalar(
        select(func.count()).select_from(OrgUnit)
        .where(OrgUnit.parent_id == unit.id, OrgUnit.active.is_(True))) or 0


def deactivate_unit(unit: OrgUnit) -> OrgUnit:
    """Hide a unit from choices; its records and grants stay. Refused for the root and while
    active sub-units exist (they would be orphaned in the visible tree)."""
    if unit.parent_id is None:
        raise OrgUnitError(_("The bureau itself cannot be deactivated."))
    if active_children(unit):
        raise OrgUnitError(_("%(name)s still has active sub-units; move or deactivate them "
                             "first.", name=unit.name))
    unit.active = False
    db.session.flush()
    return unit


def activate_unit(unit: OrgUnit) -> OrgUnit:
    parent = db.session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    if parent is not None and not parent.active:
        raise OrgUnitError(_("Reactivate the parent unit %(name)s first.", name=parent.name))
    unit.active = True
    db.session.flush()
    return unit


def subtree(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and everything below it, in path order."""
    return list(db.session.scalars(
        select(OrgUnit).where(OrgUnit.path.startswith(unit.path)).order_by(OrgUnit.path)))


def tree(include_inactive: bool = True) -> list[OrgUnit]:
    """All units of the tenant in display order: depth-first, siblings by sort order, name."""
    query = select(OrgUnit)
    if not include_inactive:
        query = query.where(OrgUnit.active.is_(True))
    units = list(db.session.scalars(query))
    children: dict[int | None, list[OrgUnit]] = {}
    ids = {unit.id for unit in units}
    for unit in units:
        # A unit whose parent is filtered out (inactive) is shown under nothing rather than lost.
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    ordered: list[OrgUnit] = []

    def walk(parent_id: int | None) -> None:
        for unit in sorted(children.get(parent_id, []),
                           key=lambda u: (u.sort_order, u.code, u.id)):
            ordered.append(unit)
            walk(unit.id)

    walk(None)
    return ordered


def unit_by_code(code: str) -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
