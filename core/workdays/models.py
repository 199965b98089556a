"""A tenant's own changes to the national working-day calendar."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, Enum, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.tenancy.model import TenantModel


class DayKind(enum.StrEnum):
    WORKDAY = "workday"
    HOLIDAY = "holiday"


class CalendarOverride(db.Model, TenantModel):
    """One day a tenant treats differently from the national calendar (a local holiday)."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (UniqueConstraint("tenant_id", "day"),)

    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[DayKind] = mapped_column(
        Enum(DayKind, native_enum=False, length=16,
             values_callable=lambda members: [m.value for m in members]))
    note: Mapped[str] = mapped_column(String(200), default="")
