"""AidCase quality: the 1122 mechanism (two contacts between recipient and assignee, two
choices of assignee by the recipient), follow-up calls, hearing observation, file and key
case reviews (seed 002), and complaints."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.sdk import TenantModel, User, db, utcnow
from plugins.legal_aid.models.cases import _case_fk
from plugins.legal_aid.models.enums import (
    ComplaintStatus,
    QualityKind,
    Satisfaction,
    enum_column,
)


class QualityCheck(db.Model, TenantModel):
    """One quality record on a case: a contact, a choice, a follow-up call or a scored
    review (hearing observed, file reviewed, key case reviewed)."""

    __tablename__ = "legal_aid_quality_check"
    __table_args__ = (
        _case_fk(),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        Index("ix_legal_aid_quality_check_case", "tenant_id", "case_id"),
        Index("ix_legal_aid_quality_check_date", "tenant_id", "checked_on"),
    )

    case_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[QualityKind] = mapped_column(enum_column(QualityKind, 20))
    checked_on: Mapped[date] = mapped_column(Date)
    # Contact / choice: which of the two (1 or 2).
    round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Choice: the assignee chosen or kept; follow-up: who answered.
    subject: Mapped[str] = mapped_column(String(100), default="")
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction),
                                                              nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 0–100
    checker: Mapped[str] = mapped_column(String(50), default="")  # 检查人/旁听人
    content: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(QualityCheck.tenant_id == User.tenant_id, "
                    "foreign(QualityCheck.user_id) == User.id)",
        viewonly=True)


class Complaint(db.Model, TenantModel):
    """投诉 about a case or its assignee (法律援助法第五十六条), and how it was handled."""

    __tablename__ = "legal_aid_complaint"
    __table_args__ = (
        _case_fk(),
        Index("ix_legal_aid_complaint_case", "tenant_id", "case_id"),
        Index("ix_legal_aid_complaint_received", "tenant_id", "received_on"),
    )

    case_id: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date)
    complainant: Mapped[str] = mapped_column(String(50))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[ComplaintStatus] = mapped_column(enum_column(ComplaintStatus, 20),
                                                    default=ComplaintStatus.OPEN)
    handled_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    action: Mapped[str] = mapped_column(Text, default="")  # 处理结果, told to the complainant
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
