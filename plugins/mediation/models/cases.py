"""A mediation case (调解案件) and the records hanging off it.

The status can only move along ``workflow.TRANSITIONS``, and only when the records a step
needs exist (an agreement before 达成协议, a return visit before archiving an agreed case…):
the ``status`` attribute validates every assignment, so no view, script or import can skip
a step. Use ``workflow.transition(case, new_status, ...)`` to move a case; it also writes the
case's history.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.sdk import Person, TenantModel, User, db, utcnow
from plugins.mediation.models.codes import DisputeType
from plugins.mediation.models.committees import Committee, Mediator
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseSource,
    CaseStatus,
    ConfirmationResult,
    Counterpart,
    Difficulty,
    PartyRole,
    Performance,
    RejectionReason,
    Satisfaction,
    TerminationReason,
    TransferDirection,
    VisitMethod,
    enum_column,
)

MONEY = Numeric(14, 2)


def _case_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", "case_id"],
                                ["mediation_case.tenant_id", "mediation_case.id"],
                                ondelete="CASCADE")


def _child(cls_name: str, **kw) -> Mapped:
    return relationship(
        cls_name,
        primaryjoin=f"and_(Case.tenant_id == foreign({cls_name}.tenant_id), "
                    f"Case.id == foreign({cls_name}.case_id))",
        viewonly=True, **kw)


class Case(db.Model, TenantModel):
    __tablename__ = "mediation_case"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        ForeignKeyConstraint(["tenant_id", "committee_id"],
                             ["mediation_committee.tenant_id", "mediation_committee.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_units.tenant_id", "org_units.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "mediator_id"],
                             ["mediation_mediator.tenant_id", "mediation_mediator.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "dispute_type_id"],
                             ["mediation_dispute_type.tenant_id", "mediation_dispute_type.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "place_id"], ["places.tenant_id", "places.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "created_by_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        # The case list's order (newest application first), filtered by status or not:
        # the page is read off the index instead of sorting a county's cases (measured on
        # 3,000 seeded counties: 6 ms -> under 1 ms for page 2 of 2,000 archived cases).
        Index("ix_mediation_case_status", "tenant_id", "status", "applied_on", "id"),
        Index("ix_mediation_case_applied", "tenant_id", "applied_on", "id"),
        Index("ix_mediation_case_accepted", "tenant_id", "accepted_on"),
        Index("ix_mediation_case_closed", "tenant_id", "closed_on"),
        Index("ix_mediation_case_org_unit", "tenant_id", "org_unit_id"),
        Index("ix_mediation_case_mediator", "tenant_id", "mediator_id"),
    )

    # 案号 （2026）剑人调字第12号, issued on acceptance (an application has none yet).
    number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    committee_id: Mapped[int] = mapped_column(BigInteger)
    # The committee's org unit, copied here so that scope filters need no join.
    org_unit_id: Mapped[int] = mapped_column(BigInteger)
    mediator_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    co_mediators: Mapped[str] = mapped_column(String(200), default="")  # 参与调解人员
    source: Mapped[CaseSource] = mapped_column(enum_column(CaseSource))
    dispute_type_id: Mapped[int] = mapped_column(BigInteger)
    summary: Mapped[str] = mapped_column(Text)  # 纠纷简要情况
    request: Mapped[str] = mapped_column(Text, default="")  # 当事人申请事项
    amount_involved: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    people_involved: Mapped[int] = mapped_column(Integer, default=2)
    place_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    place_detail: Mapped[str] = mapped_column(String(200), default="")  # 纠纷发生地
    occurred_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    difficulty: Mapped[Difficulty] = mapped_column(enum_column(Difficulty),
                                                   default=Difficulty.ORDINARY)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus))
    applied_on: Mapped[date] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 调结期限 (one month)
    extension_reason: Mapped[str] = mapped_column(String(200), default="")
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 调结日期
    archived_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    rejection_reason: Mapped[RejectionReason | None] = mapped_column(
        enum_column(RejectionReason), nullable=True)
    termination_reason: Mapped[TerminationReason | None] = mapped_column(
        enum_column(TerminationReason), nullable=True)
    closing_note: Mapped[str] = mapped_column(Text, default="")
    # Art. 26: when mediation fails, the parties are told of arbitration, administrative
    # and judicial routes.
    routes_explained: Mapped[bool] = mapped_column(Boolean, default=False)
    # 防止民转刑 / 防止群体性事件 (monthly report figures), with people counts.
    prevented_criminal: Mapped[bool] = mapped_column(Boolean, default=False)
    prevented_group: Mapped[bool] = mapped_column(Boolean, default=False)
    # Referral in (委托移送): who sent it. Mirrored by a Transfer row (direction in).
    referred_by: Mapped[Counterpart | None] = mapped_column(enum_column(Counterpart),
                                                            nullable=True)
    referring_organ: Mapped[str] = mapped_column(String(100), default="")
    screening_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    committee: Mapped[Committee] = relationship(
        Committee,
        primaryjoin="and_(Case.tenant_id == Committee.tenant_id, "
                    "foreign(Case.committee_id) == Committee.id)",
        lazy="joined", viewonly=True)
    mediator: Mapped[Mediator | None] = relationship(
        Mediator,
        primaryjoin="and_(Case.tenant_id == Mediator.tenant_id, "
                    "foreign(Case.mediator_id) == Mediator.id)",
        viewonly=True)
    dispute_type: Mapped[DisputeType] = relationship(
        DisputeType,
        primaryjoin="and_(Case.tenant_id == DisputeType.tenant_id, "
                    "foreign(Case.dispute_type_id) == DisputeType.id)",
        lazy="joined", viewonly=True)
    created_by: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(Case.tenant_id == User.tenant_id, "
                    "foreign(Case.created_by_id) == User.id)",
        viewonly=True)
    parties: Mapped[list[CaseParty]] = _child("CaseParty", order_by="CaseParty.sort_order")
    sessions: Mapped[list[MediationSession]] = _child("MediationSession",
                                                      order_by="MediationSession.seq")
    agreement: Mapped[Agreement | None] = _child("Agreement", uselist=False)
    visits: Mapped[list[ReturnVisit]] = _child("ReturnVisit", order_by="ReturnVisit.visited_on")
    confirmations: Mapped[list[JudicialConfirmation]] = _child(
        "JudicialConfirmation", order_by="JudicialConfirmation.applied_on")
    transfers: Mapped[list[Transfer]] = _child("Transfer", order_by="Transfer.transferred_on")
    history: Mapped[list[StatusChange]] = _child("StatusChange", order_by="StatusChange.at")

    @validates("status")
    def _check_status(self, key: str, new: CaseStatus) -> CaseStatus:
        from plugins.mediation.workflow import check_transition

        check_transition(self, self.status, CaseStatus(new))
        return CaseStatus(new)

    @property
    def place(self):
        """Where it happened, in the places registry: looked up once per loaded case. The
        identity map holds a row only while something refers to it, so each use (a page
        reads it three times) would otherwise query again."""
        from core.sdk import places

        remembered = self.__dict__.get("_place_lookup")
        if remembered is None or remembered[0] != self.place_id:
            found = places.get(self.place_id) if self.place_id else None
            remembered = self.__dict__["_place_lookup"] = (self.place_id, found)
        return remembered[1]

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def __repr__(self) -> str:
        return f"<Case {self.number or self.id} {self.status}>"


class CaseParty(db.Model, TenantModel):
    """A party (当事人) of a case: a person of the shared people registry."""

    __tablename__ = "mediation_case_party"
    __table_args__ = (
        UniqueConstraint("tenant_id", "case_id", "person_id"),
        _case_fk(),
        ForeignKeyConstraint(["tenant_id", "person_id"], ["people.tenant_id", "people.id"],
                             ondelete="RESTRICT"),
        Index("ix_mediation_case_party_person", "tenant_id", "person_id"),
    )

    case_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[PartyRole] = mapped_column(enum_column(PartyRole))
    # Art. 29 (一): a party's basic information; the employer or village is often recorded.
    work_unit: Mapped[str] = mapped_column(String(100), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    person: Mapped[Person] = relationship(
        Person,
        primaryjoin="and_(CaseParty.tenant_id == Person.tenant_id, "
                    "foreign(CaseParty.person_id) == Person.id)",
        lazy="joined", viewonly=True)


class MediationSession(db.Model, TenantModel):
    """One mediation meeting and its record (调解笔录 / 调解工作记录, Art. 27)."""

    __tablename__ = "mediation_session"
    __table_args__ = (UniqueConstraint("tenant_id", "case_id", "seq"), _case_fk())

    case_id: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(Integer)  # 第 n 次调解
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    location: Mapped[str] = mapped_column(String(200), default="")
    mediators: Mapped[str] = mapped_column(String(200), default="")  # 调解人员
    attendees: Mapped[str] = mapped_column(String(300), default="")  # 参加人 (parties etc.)
    recorder: Mapped[str] = mapped_column(String(50), default="")  # 记录人
    rights_explained: Mapped[bool] = mapped_column(Boolean, default=False)  # 权利义务告知
    record: Mapped[str] = mapped_column(Text)  # 笔录内容
    outcome: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Agreement(db.Model, TenantModel):
    """The agreement reached: written (协议书, Art. 29 contents) or oral (recorded, Art. 30)."""

    __tablename__ = "mediation_agreement"
    __table_args__ = (UniqueConstraint("tenant_id", "case_id"), _case_fk(),
                      # The monthly statistics count agreements performed in a month; the
                      # deadlines read those still inside the confirmation window.
                      Index("ix_mediation_agreement_performed", "tenant_id", "performed_on"),
                      Index("ix_mediation_agreement_effective", "tenant_id", "effective_on"))

    case_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[AgreementKind] = mapped_column(enum_column(AgreementKind))
    # Written: effective when every party and the mediator have signed and the committee has
    # stamped it (Art. 29); oral: effective on the day agreed (Art. 30).
    effective_on: Mapped[date] = mapped_column(Date)
    facts: Mapped[str] = mapped_column(Text, default="")  # 纠纷主要事实、争议事项
    liabilities: Mapped[str] = mapped_column(Text, default="")  # 各方当事人的责任
    terms: Mapped[str] = mapped_column(Text)  # 协议内容 (oral: the recorded content)
    performance_method: Mapped[str] = mapped_column(String(200), default="")  # 履行方式
    performance_due: Mapped[date | None] = mapped_column(Date, nullable=True)  # 履行期限
    amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)  # 协议金额
    copies: Mapped[int] = mapped_column(Integer, default=3)  # 各执一份, 调委会留存一份
    performance: Mapped[Performance] = mapped_column(enum_column(Performance),
                                                     default=Performance.PENDING)
    performed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def missing_contents(self) -> list[str]:
        """The Art. 29 (written) or Art. 28 (oral) contents still empty: field names."""
        required = (["facts", "liabilities", "terms", "performance_method"]
                    if self.kind is AgreementKind.WRITTEN else ["terms"])
        return [name for name in required if not (getattr(self, name) or "").strip()]


class ReturnVisit(db.Model, TenantModel):
    """回访: checking on performance of the agreement (Art. 31)."""

    __tablename__ = "mediation_return_visit"
    __table_args__ = (_case_fk(), Index("ix_mediation_return_visit_case", "tenant_id", "case_id"))

    case_id: Mapped[int] = mapped_column(BigInteger)
    visited_on: Mapped[date] = mapped_column(Date)
    method: Mapped[VisitMethod] = mapped_column(enum_column(VisitMethod))
    visitor: Mapped[str] = mapped_column(String(50), default="")
    performance: Mapped[Performance] = mapped_column(enum_column(Performance))
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction),
                                                              nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class JudicialConfirmation(db.Model, TenantModel):
    """司法确认: the parties' joint application to a court (Art. 33) and its outcome."""

    __tablename__ = "mediation_judicial_confirmation"
    __table_args__ = (_case_fk(),
                      Index("ix_mediation_judicial_confirmation_case", "tenant_id", "case_id"))

    case_id: Mapped[int] = mapped_column(BigInteger)
    applied_on: Mapped[date] = mapped_column(Date)
    court: Mapped[str] = mapped_column(String(100))
    result: Mapped[ConfirmationResult] = mapped_column(enum_column(ConfirmationResult),
                                                       default=ConfirmationResult.PENDING)
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ruling_number: Mapped[str] = mapped_column(String(60), default="")  # 民事裁定书 number
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Transfer(db.Model, TenantModel):
    """A dispute handed between mediation and another organ, either way."""

    __tablename__ = "mediation_transfer"
    __table_args__ = (_case_fk(), Index("ix_mediation_transfer_date", "tenant_id",
                                        "transferred_on"),
                      Index("ix_mediation_transfer_case", "tenant_id", "case_id"))

    case_id: Mapped[int] = mapped_column(BigInteger)
    direction: Mapped[TransferDirection] = mapped_column(enum_column(TransferDirection, 10))
    counterpart: Mapped[Counterpart] = mapped_column(enum_column(Counterpart))
    organ: Mapped[str] = mapped_column(String(100))  # e.g. 剑阁县人民法院
    document_number: Mapped[str] = mapped_column(String(60), default="")  # 移送函号
    transferred_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    # In: the day the result was reported back to the referring organ (反馈);
    # out: the day the receiving organ acknowledged it (回执).
    feedback_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StatusChange(db.Model, TenantModel):
    """The case's history: every status change, who made it and why."""

    __tablename__ = "mediation_status_change"
    __table_args__ = (
        _case_fk(),
        # A case's history; and the cases that went through a status (the statistics).
        Index("ix_mediation_status_change_case", "tenant_id", "case_id"),
        Index("ix_mediation_status_change_to_status", "tenant_id", "to_status", "case_id"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
    )

    case_id: Mapped[int] = mapped_column(BigInteger)
    from_status: Mapped[CaseStatus | None] = mapped_column(enum_column(CaseStatus),
                                                           nullable=True)
    to_status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus))
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(StatusChange.tenant_id == User.tenant_id, "
                    "foreign(StatusChange.user_id) == User.id)",
        viewonly=True)
