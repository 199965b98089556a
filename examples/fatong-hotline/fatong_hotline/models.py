"""The hotline's tables: the call log and the tenant's call categories.

Both follow Fatong's tenancy rules through ``TenantModel``: primary key ``(tenant_id, id)``,
every foreign key to another tenant table composite ``(tenant_id, x_id)``, every unique
constraint starting with ``tenant_id``. Callers' ID and phone numbers are never stored here:
a caller who gives them is registered in the people registry (which encrypts them) and only
the person's id is kept; an anonymous caller leaves a name at most.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.sdk import OrgUnit, Person, TenantModel, User, db, enum_column, utcnow
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

# The bureaus keep Beijing time whatever the server's zone; the database keeps UTC.
TIMEZONE = ZoneInfo("Asia/Shanghai")


def local(moment: datetime | None) -> datetime | None:
    """A stored moment in Beijing time (SQLite hands back naive UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TIMEZONE)


def today() -> date:
    return datetime.now(TIMEZONE).date()


class Outcome(enum.StrEnum):
    ANSWERED = "answered"  # 已解答
    CALLBACK = "callback"  # 需回访
    REFERRED = "referred"  # 已转介 (set by a referral, never picked by hand)
    TRANSFERRED = "transferred"  # 转其他部门
    INVALID = "invalid"  # 无效来电 (骚扰, 误拨, 无声)

    @property
    def label(self) -> Any:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.ANSWERED: _l("Answered"),
    Outcome.CALLBACK: _l("Callback needed"),
    Outcome.REFERRED: _l("Referred"),
    Outcome.TRANSFERRED: _l("Transferred to another department"),
    Outcome.INVALID: _l("Invalid call"),
}

# The categories a tenant starts with (seeded when the plugin is enabled); the bureau adds,
# renames and deactivates its own on the categories page. Names are data, not UI text.
DEFAULT_CATEGORIES = ("婚姻家庭", "劳动争议", "借贷纠纷", "交通事故", "房产物业", "邻里纠纷",
                      "土地承包", "法律援助", "公证业务", "投诉建议", "其他")


class HotlineCategory(db.Model, TenantModel):
    __tablename__ = "hotline_category"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HotlineCall(db.Model, TenantModel):
    __tablename__ = "hotline_call"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_units.tenant_id", "org_units.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "person_id"], ["people.tenant_id", "people.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "category_id"],
                             ["hotline_category.tenant_id", "hotline_category.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "handled_by_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "callback_by_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        Index("ix_hotline_call_received", "tenant_id", "received_on"),
        Index("ix_hotline_call_person", "tenant_id", "person_id"),
        Index("ix_hotline_call_callback", "tenant_id", "callback_due_on"),
    )

    number: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The Beijing date of received_at, kept for filters and monthly statistics.
    received_on: Mapped[date] = mapped_column(Date)
    # The bureau or station that took the call: who may see it (scope_filter).
    org_unit_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    caller_name: Mapped[str] = mapped_column(String(50), default="")  # anonymous callers only
    category_id: Mapped[int] = mapped_column(BigInteger)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, length=20))
    transferred_to: Mapped[str] = mapped_column(String(100), default="")
    handled_by_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # 回访: due when the outcome is "callback needed"; done when recorded.
    callback_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    callback_done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                              nullable=True)
    callback_note: Mapped[str] = mapped_column(Text, default="")
    callback_by_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # 转介: the receipt the receiving line gave (core.sdk.referrals.ReferralReceipt).
    referral_target: Mapped[str] = mapped_column(String(60), default="")
    referral_record_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    referral_number: Mapped[str] = mapped_column(String(100), default="")
    referral_title: Mapped[str] = mapped_column(String(100), default="")
    referral_endpoint: Mapped[str] = mapped_column(String(100), default="")
    referral_url_values: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    referred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    category: Mapped[HotlineCategory] = relationship(
        HotlineCategory,
        primaryjoin="and_(HotlineCall.tenant_id == HotlineCategory.tenant_id, "
                    "foreign(HotlineCall.category_id) == HotlineCategory.id)",
        viewonly=True, lazy="joined")
    person: Mapped[Person | None] = relationship(
        Person,
        primaryjoin="and_(HotlineCall.tenant_id == Person.tenant_id, "
                    "foreign(HotlineCall.person_id) == Person.id)",
        viewonly=True)
    org_unit: Mapped[OrgUnit] = relationship(
        OrgUnit,
        primaryjoin="and_(HotlineCall.tenant_id == OrgUnit.tenant_id, "
                    "foreign(HotlineCall.org_unit_id) == OrgUnit.id)",
        viewonly=True)
    handled_by: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(HotlineCall.tenant_id == User.tenant_id, "
                    "foreign(HotlineCall.handled_by_id) == User.id)",
        viewonly=True)
    callback_by: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(HotlineCall.tenant_id == User.tenant_id, "
                    "foreign(HotlineCall.callback_by_id) == User.id)",
        viewonly=True)

    @property
    def caller(self) -> str:
        """Who called, as the pages show it (a registered person's name, else as given)."""
        if self.person is not None:
            return self.person.name
        return self.caller_name

    @property
    def received_local(self) -> datetime | None:
        return local(self.received_at)

    @property
    def callback_waiting(self) -> bool:
        return (self.outcome is Outcome.CALLBACK and self.callback_due_on is not None
                and self.callback_done_at is None)

    @property
    def referred(self) -> bool:
        return bool(self.referral_target)
