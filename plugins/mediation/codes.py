"""The tenant's dispute-type code list: seeded with the national categories, editable."""

from __future__ import annotations

from sqlalchemy import select

from core.sdk import db
from plugins.mediation.models import NATIONAL_DISPUTE_TYPES, DisputeType


def seed_dispute_types() -> None:
    """Add the national categories the tenant lacks (idempotent; edits are kept)."""
    known = set(db.session.scalars(select(DisputeType.code)))
    for order, (code, name) in enumerate(NATIONAL_DISPUTE_TYPES):
        if code not in known:
            db.session.add(DisputeType(code=code, name=name, sort_order=(order + 1) * 10,
                                       national=True))
    db.session.flush()


def active_dispute_types() -> list[DisputeType]:
    return list(db.session.scalars(
        select(DisputeType).where(DisputeType.active)
        .order_by(DisputeType.sort_order, DisputeType.name)))
