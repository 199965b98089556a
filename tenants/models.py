"""Platform tables of the tenant lifecycle: signup applications, status changes, captchas.

None of them belongs to a tenant (no ``tenant_id`` column): operators read them across all
tenants. ``for_tenant_id`` names the tenant a row is about.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.sdk import Tenant, db, enum_column, new_id, utcnow


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class TenantApplication(db.Model):
    """A bureau's signup: what it asked for, and the operator's decision."""

    __tablename__ = "tenants_applications"
    __table_args__ = (
        # One pending application per administrative unit, enforced by the database so that
        # two simultaneous signups for the same county cannot both get in.
        Index("uq_tenants_applications_pending_region", "region_code", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False,
                                    default=new_id)
    for_tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), unique=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    bureau_name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(30))
    contact_email: Mapped[str] = mapped_column(String(120), default="")
    admin_username: Mapped[str] = mapped_column(String(64))
    plugins: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus, 16),
                                                      default=ApplicationStatus.PENDING)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_ip: Mapped[str] = mapped_column(String(45), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    tenant: Mapped[Tenant] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<TenantApplication {self.region_code} {self.status}>"


class TenantStatusChange(db.Model):
    """Each change of a tenant's status (approve, reject, suspend, reactivate) with its reason."""

    __tablename__ = "tenants_status_changes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False,
                                    default=new_id)
    for_tenant_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    old_status: Mapped[str] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100), default="")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignupChallenge(db.Model):
    """One offline captcha: the digest of its answer, usable once, until it expires."""

    __tablename__ = "tenants_challenges"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer_digest: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


