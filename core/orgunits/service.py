"""Creating and moving org units while keeping the materialised paths right."""

from __future__ import annotations

from sqlalchemy import select

from core.db import db
from core.ids import new_id
from core.orgunits.models import OrgUnit, OrgUnitType


class OrgUnitError(ValueError):
    """A change the tree refuses; the message says why."""


def create_unit(name: str, code: str, unit_type: OrgUnitType,
                parent: OrgUnit | None = None, sort_order: int = 0) -> OrgUnit:
    """Add a unit under ``parent`` (None: a root) in the current tenant; flushes."""
    if db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise OrgUnitError(f"org unit code {code!r} is taken")
    unit_id = new_id()
    path = f"{parent.path if parent else '/'}{unit_id}/"
    unit = OrgUnit(id=unit_id, name=name, code=code, unit_type=unit_type,
                   parent_id=parent.id if parent else None, path=path, sort_order=sort_order)
    db.session.add(unit)
    db.session.flush()
    return unit


def subtree(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and everything below it, in path order."""
    return list(db.session.scalars(
        select(OrgUnit).where(OrgUnit.path.startswith(unit.path)).order_by(OrgUnit.path)))
