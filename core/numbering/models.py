"""The counters behind document numbers such as （2026）剑人调字第12号."""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.tenancy.model import TenantModel


class NumberCounter(db.Model, TenantModel):
    """The last number issued in one series and year for a tenant (row locked to issue)."""

    __tablename__ = "number_counters"
    __table_args__ = (UniqueConstraint("tenant_id", "series", "year"),)

    series: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
