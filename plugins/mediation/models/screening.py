"""Dispute screening (矛盾纠纷排查): disputes found before anyone applies for mediation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
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
from plugins.mediation.models.codes import DisputeType
from plugins.mediation.models.enums import RiskLevel, ScreeningStatus, enum_column


class Screening(db.Model, TenantModel):
    __tablename__ = "mediation_screening"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_units.tenant_id", "org_units.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "dispute_type_id"],
                             ["mediation_dispute_type.tenant_id", "mediation_dispute_type.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "place_id"], ["places.tenant_id", "places.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "case_id"],
                             ["mediation_case.tenant_id", "mediation_case.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "created_by_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        Index("ix_mediation_screening_date", "tenant_id", "screened_on"),
        Index("ix_mediation_screening_org_unit", "tenant_id", "org_unit_id"),
    )

    # The station or committee that found it (scopes who sees it).
    org_unit_id: Mapped[int] = mapped_column(BigInteger)
    screened_on: Mapped[date] = mapped_column(Date)
    place_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    place_detail: Mapped[str] = mapped_column(String(200), default="")
    dispute_type_id: Mapped[int] = mapped_column(BigInteger)
    summary: Mapped[str] = mapped_column(Text)
    people_involved: Mapped[int] = mapped_column(Integer, default=2)
    risk_level: Mapped[RiskLevel] = mapped_column(enum_column(RiskLevel), default=RiskLevel.LOW)
    # Art. 25: a dispute that may become a criminal or public-order case is reported.
    criminal_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    group_risk: Mapped[bool] = mapped_column(Boolean, default=False)  # 可能引发群体性事件
    measures: Mapped[str] = mapped_column(Text, default="")  # 稳控/化解措施
    status: Mapped[ScreeningStatus] = mapped_column(enum_column(ScreeningStatus),
                                                    default=ScreeningStatus.WATCHING)
    case_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # A dispute referred from another line (转介, ``accept_referral``): the referring
    # plugin's name and its record's number; ``created_by`` is then the referring user.
    referred_from: Mapped[str] = mapped_column(String(40), default="", server_default="")
    referral_reference: Mapped[str] = mapped_column(String(60), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    dispute_type: Mapped[DisputeType] = relationship(
        DisputeType,
        primaryjoin="and_(Screening.tenant_id == DisputeType.tenant_id, "
                    "foreign(Screening.dispute_type_id) == DisputeType.id)",
        lazy="joined", viewonly=True)
    created_by: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(Screening.tenant_id == User.tenant_id, "
                    "foreign(Screening.created_by_id) == User.id)",
        viewonly=True)
