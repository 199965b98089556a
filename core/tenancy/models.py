"""Platform tables of tenancy: the tenants themselves."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    Exists,
    ForeignKey,
    String,
    select,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from core.db import db
from core.ids import new_id


def utcnow() -> datetime:
    return datetime.now(UTC)


class TenantLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class TenantStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REJECTED = "rejected"  # a signup an operator turned down; kept for the record


#: Children a parent sees; pending and rejected applications are no subordinates yet.
LISTED_STATUSES = (TenantStatus.ACTIVE, TenantStatus.SUSPENDED)


class Tenant(db.Model):
    """A justice bureau (or a city/provincial department above bureaus). A platform table."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("length(region_code) = 6", name="region_code_6_digits"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False,
                                    default=new_id)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    level: Mapped[TenantLevel] = mapped_column(
        Enum(TenantLevel, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e]),
        default=TenantLevel.COUNTY,
    )
    # Indexed: every tenant page asks whether its tenant has listed children (navigation);
    # without it that EXISTS scanned all 3,000 tenants (2 ms a page, measured).
    parent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tenants.id", ondelete="SET NULL"), nullable=True, index=True
    )
    status: Mapped[TenantStatus] = mapped_column(
        Enum(TenantStatus, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e]),
        default=TenantStatus.PENDING,
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    parent: Mapped[Tenant | None] = relationship(remote_side=[id], lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Tenant {self.slug} {self.status}>"


@cache
def listed_child_exists() -> Exists:
    """Whether the ``Tenant`` of the enclosing query has a listed direct child: a correlated
    EXISTS, so that resolving a request's tenant also answers the navigation's "subordinate
    bureaus" question in the same statement. Built once: statements are immutable, and
    building this one (an alias and its columns) cost about 1.5 ms on every request."""
    child = aliased(Tenant)
    return (select(child.id)
            .where(child.parent_id == Tenant.id, child.status.in_(LISTED_STATUSES))
            .correlate(Tenant).exists())
