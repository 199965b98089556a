"""A legal aid case (法律援助案件) from application or notice to archive, and its records.

One row carries the matter through its whole life: 申请 (or 通知) → review (材料不齐 →
一次性告知 → 补正, or 视为撤回) → 给予 / 不予 (异议 to the bureau) → 指派 → 委托协议 →
办理 → 终止 (Art. 48) or 办理结束 → 结案材料 → 结案审查 and subsidy → 归档.

The status can only move along ``workflow.TRANSITIONS``, checked on every assignment of
``status``; use ``workflow.transition`` to move a case (it also writes the history).
The eligibility facts are stored as the engine (``eligibility.assess``) takes them, so the
decision page can re-run the rules and the decision keeps the rule it applied.
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
from plugins.legal_aid.eligibility import (
    ApplicantFacts,
    Art32Circumstance,
    Art42Claim,
    Art42Ground,
    CheckMethod,
    LocalCategory,
    LocalClaim,
    MandatoryDefence,
    MatterKind,
    Route,
)
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models.enums import (
    AssignmentMethod,
    CaseResult,
    CaseStatus,
    MaterialStatus,
    NoteKind,
    ObjectionResult,
    RecipientGroup,
    ReplacementReason,
    ReviewGrade,
    TerminationGround,
    enum_column,
)
from plugins.legal_aid.models.providers import Provider, split_codes
from plugins.legal_aid.timeline import CaseDates

MONEY = Numeric(14, 2)


def _case_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", "case_id"],
                                ["legal_aid_case.tenant_id", "legal_aid_case.id"],
                                ondelete="CASCADE")


def _child(cls_name: str, **kw) -> Mapped:
    return relationship(
        cls_name,
        primaryjoin=f"and_(AidCase.tenant_id == foreign({cls_name}.tenant_id), "
                    f"AidCase.id == foreign({cls_name}.case_id))",
        viewonly=True, **kw)


class AidCase(db.Model, TenantModel):
    __tablename__ = "legal_aid_case"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_units.tenant_id", "org_units.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "person_id"], ["people.tenant_id", "people.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "provider_id"],
                             ["legal_aid_provider.tenant_id", "legal_aid_provider.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "created_by_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        Index("ix_legal_aid_case_status", "tenant_id", "status"),
        Index("ix_legal_aid_case_received", "tenant_id", "received_on"),
        Index("ix_legal_aid_case_decided", "tenant_id", "decided_on"),
        Index("ix_legal_aid_case_person", "tenant_id", "person_id"),
        Index("ix_legal_aid_case_provider", "tenant_id", "provider_id"),
        Index("ix_legal_aid_case_org_unit", "tenant_id", "org_unit_id"),
    )

    # 案号 （2026）剑法援字第12号, issued when aid is granted (or a notice accepted).
    number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # The centre (or station) handling it: scope of who sees the case.
    org_unit_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int] = mapped_column(BigInteger)  # 申请人 / 受援人
    route: Mapped[Route] = mapped_column(enum_column(Route, 10))
    category: Mapped[MatterCategory] = mapped_column(enum_column(MatterCategory))
    matter_kind: Mapped[MatterKind | None] = mapped_column(enum_column(MatterKind),
                                                           nullable=True)
    summary: Mapped[str] = mapped_column(Text)  # 案情摘要
    request: Mapped[str] = mapped_column(Text, default="")  # 申请援助事项
    opposing_party: Mapped[str] = mapped_column(String(200), default="")  # 对方当事人
    opposing_party_address: Mapped[str] = mapped_column(String(200), default="")
    # The court, procuratorate, police or arbitration body handling the matter, and its
    # county (assignment: grassroots workers practise in their own area).
    handling_organ: Mapped[str] = mapped_column(String(100), default="")
    handling_county: Mapped[str] = mapped_column(String(50), default="")
    client_hometown: Mapped[str] = mapped_column(String(50), default="")
    client_languages: Mapped[str] = mapped_column(String(100), default="")
    consultation_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    poverty_ledger: Mapped[bool] = mapped_column(Boolean, default=False)  # 精准扶贫台账: first
    recipient_groups: Mapped[str] = mapped_column(String(120), default="")  # RecipientGroup
    # 通知辩护/代理 (Art. 25, 28, 36): the notice.
    notifying_organ: Mapped[str] = mapped_column(String(100), default="")
    notice_number: Mapped[str] = mapped_column(String(60), default="")
    notice_received_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    # --- eligibility facts (see eligibility.ApplicantFacts) ---
    mandatory_defence: Mapped[str] = mapped_column(String(200), default="")  # CSV
    compulsory_treatment: Mapped[bool] = mapped_column(Boolean, default=False)
    art32: Mapped[str] = mapped_column(String(200), default="")  # CSV
    art42: Mapped[str] = mapped_column(String(200), default="")  # CSV of grounds claimed
    art42_proven: Mapped[str] = mapped_column(String(200), default="")  # CSV with proof
    local_categories: Mapped[str] = mapped_column(String(200), default="")  # CSV claimed
    local_proven: Mapped[str] = mapped_column(String(200), default="")  # CSV with proof
    defence_other_reason: Mapped[str] = mapped_column(String(300), default="")
    legal_basis: Mapped[str] = mapped_column(String(300), default="")
    has_retained_lawyer: Mapped[bool] = mapped_column(Boolean, default=False)
    household_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    monthly_household_income: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    check_method: Mapped[CheckMethod | None] = mapped_column(enum_column(CheckMethod),
                                                             nullable=True)
    limitation_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 时效/期限届满
    advance_aid: Mapped[bool] = mapped_column(Boolean, default=False)  # 先行援助 (Art. 44)

    # --- the procedure's dates and outcomes ---
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus))
    received_on: Mapped[date] = mapped_column(Date)
    incomplete_notice_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    supplement_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    supplement_received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    complete_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    withdrawn_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    granted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    decision_number: Mapped[str] = mapped_column(String(60), default="")  # 决定书文号
    decision_reason: Mapped[str] = mapped_column(Text, default="")  # in the reviewer's words
    # The rule the engine applied when the decision was made (kept as decided).
    decision_rule: Mapped[str] = mapped_column(String(60), default="")
    decision_article: Mapped[str] = mapped_column(String(200), default="")
    decision_explanation: Mapped[str] = mapped_column(Text, default="")
    objection_received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    objection_reason: Mapped[str] = mapped_column(Text, default="")
    objection_decided_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    objection_result: Mapped[ObjectionResult | None] = mapped_column(
        enum_column(ObjectionResult), nullable=True)
    objection_note: Mapped[str] = mapped_column(Text, default="")
    provider_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    assigned_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    assignment_number: Mapped[str] = mapped_column(String(60), default="")  # 指派通知书文号
    agreement_signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Working days of delay caused by the applicant (not counted for the agreement).
    agreement_excluded_days: Mapped[int] = mapped_column(Integer, default=0)
    termination_ground: Mapped[TerminationGround | None] = mapped_column(
        enum_column(TerminationGround), nullable=True)
    termination_reason: Mapped[str] = mapped_column(Text, default="")
    terminated_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    termination_number: Mapped[str] = mapped_column(String(60), default="")
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 办理结束
    result: Mapped[CaseResult | None] = mapped_column(enum_column(CaseResult), nullable=True)
    result_summary: Mapped[str] = mapped_column(Text, default="")  # 结案报告 body
    amount_recovered: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)  # 挽回
    materials_submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reviewed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 结案审查
    review_grade: Mapped[ReviewGrade | None] = mapped_column(enum_column(ReviewGrade),
                                                             nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")
    subsidy_base: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    subsidy_extra: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)  # 差旅等
    subsidy_amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    archived_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    archive_number: Mapped[str] = mapped_column(String(60), default="")  # 档案号
    created_by_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    person: Mapped[Person] = relationship(
        Person,
        primaryjoin="and_(AidCase.tenant_id == Person.tenant_id, "
                    "foreign(AidCase.person_id) == Person.id)",
        lazy="joined", viewonly=True)
    provider: Mapped[Provider | None] = relationship(
        Provider,
        primaryjoin="and_(AidCase.tenant_id == Provider.tenant_id, "
                    "foreign(AidCase.provider_id) == Provider.id)",
        viewonly=True)
    created_by: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(AidCase.tenant_id == User.tenant_id, "
                    "foreign(AidCase.created_by_id) == User.id)",
        viewonly=True)
    materials: Mapped[list[Material]] = _child("Material", order_by="Material.id")
    assignments: Mapped[list[Assignment]] = _child("Assignment", order_by="Assignment.id")
    notes: Mapped[list[ProgressNote]] = _child("ProgressNote",
                                               order_by="ProgressNote.noted_on")
    history: Mapped[list[AidStatusChange]] = _child("AidStatusChange",
                                                    order_by="AidStatusChange.at")

    @validates("status")
    def _check_status(self, key: str, new: CaseStatus) -> CaseStatus:
        from plugins.legal_aid.workflow import check_transition

        check_transition(self, self.status, CaseStatus(new))
        return CaseStatus(new)

    # --- the rule modules' views of the case ---

    @property
    def groups(self) -> list[RecipientGroup]:
        return [RecipientGroup(code) for code in split_codes(self.recipient_groups)]

    @property
    def mandatory_defence_set(self) -> frozenset[MandatoryDefence]:
        return frozenset(MandatoryDefence(c) for c in split_codes(self.mandatory_defence))

    def facts(self, age: int | None = None) -> ApplicantFacts:
        """The eligibility engine's input (``age`` from the person's birth date)."""
        proven42 = set(split_codes(self.art42_proven))
        proven_local = set(split_codes(self.local_proven))
        return ApplicantFacts(
            route=self.route, category=self.category, matter_kind=self.matter_kind,
            mandatory_defence=self.mandatory_defence_set,
            compulsory_treatment=self.compulsory_treatment,
            art32=frozenset(Art32Circumstance(c) for c in split_codes(self.art32)),
            art42=tuple(Art42Claim(Art42Ground(c), c in proven42)
                        for c in split_codes(self.art42)),
            local_categories=tuple(LocalClaim(LocalCategory(c), c in proven_local)
                                   for c in split_codes(self.local_categories)),
            defence_other_reason=self.defence_other_reason, legal_basis=self.legal_basis,
            has_retained_lawyer=self.has_retained_lawyer, household_size=self.household_size,
            monthly_household_income=self.monthly_household_income, age=age,
            check_method=self.check_method)

    def dates(self) -> CaseDates:
        """The timeline module's input."""
        return CaseDates(
            received=self.received_on if self.route is Route.APPLY else None,
            incomplete_notice=self.incomplete_notice_on,
            supplement_received=self.supplement_received_on, complete=self.complete_on,
            decided=self.decided_on, granted=self.granted,
            objection_received=self.objection_received_on,
            objection_decided=self.objection_decided_on,
            notice_received=self.notice_received_on if self.route is Route.NOTIFIED else None,
            assigned=self.assigned_on, agreement_signed=self.agreement_signed_on,
            limitation=self.limitation_on, case_ended=self.ended_on,
            materials_submitted=self.materials_submitted_on,
            review_completed=self.reviewed_on)

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def __repr__(self) -> str:
        return f"<LegalAidCase {self.number or self.id} {self.status}>"


class Material(db.Model, TenantModel):
    """A document the application needs: received, or listed as missing in the notice."""

    __tablename__ = "legal_aid_material"
    __table_args__ = (_case_fk(), Index("ix_legal_aid_material_case", "tenant_id", "case_id"))

    case_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))  # 身份证明、经济困难状况说明…
    status: Mapped[MaterialStatus] = mapped_column(enum_column(MaterialStatus, 10))
    copies: Mapped[int] = mapped_column(Integer, default=1)
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")


class Assignment(db.Model, TenantModel):
    """One assignment of the case (the first, and each replacement)."""

    __tablename__ = "legal_aid_assignment"
    __table_args__ = (
        _case_fk(),
        ForeignKeyConstraint(["tenant_id", "provider_id"],
                             ["legal_aid_provider.tenant_id", "legal_aid_provider.id"],
                             ondelete="RESTRICT"),
        Index("ix_legal_aid_assignment_case", "tenant_id", "case_id"),
        Index("ix_legal_aid_assignment_provider", "tenant_id", "provider_id"),
    )

    case_id: Mapped[int] = mapped_column(BigInteger)
    provider_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[AssignmentMethod] = mapped_column(enum_column(AssignmentMethod, 10))
    assigned_on: Mapped[date] = mapped_column(Date)
    # The rules' explanation when assigned (kept as it was).
    rationale: Mapped[str] = mapped_column(Text, default="")
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # replaced
    replacement_reason: Mapped[ReplacementReason | None] = mapped_column(
        enum_column(ReplacementReason), nullable=True)
    replacement_note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    provider: Mapped[Provider] = relationship(
        Provider,
        primaryjoin="and_(Assignment.tenant_id == Provider.tenant_id, "
                    "foreign(Assignment.provider_id) == Provider.id)",
        lazy="joined", viewonly=True)


class ProgressNote(db.Model, TenantModel):
    """办案记录: what the assignee did on the case."""

    __tablename__ = "legal_aid_progress_note"
    __table_args__ = (
        _case_fk(),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        Index("ix_legal_aid_progress_note_case", "tenant_id", "case_id"),
    )

    case_id: Mapped[int] = mapped_column(BigInteger)
    noted_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[NoteKind] = mapped_column(enum_column(NoteKind))
    content: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(ProgressNote.tenant_id == User.tenant_id, "
                    "foreign(ProgressNote.user_id) == User.id)",
        viewonly=True)


class AidStatusChange(db.Model, TenantModel):
    """The case's history: every status change, who made it and why."""

    __tablename__ = "legal_aid_status_change"
    __table_args__ = (
        _case_fk(),
        Index("ix_legal_aid_status_change_case", "tenant_id", "case_id"),
        Index("ix_legal_aid_status_change_to_status", "tenant_id", "to_status", "case_id"),
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
        primaryjoin="and_(AidStatusChange.tenant_id == User.tenant_id, "
                    "foreign(AidStatusChange.user_id) == User.id)",
        viewonly=True)
