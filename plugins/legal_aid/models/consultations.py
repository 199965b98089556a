"""法律咨询: a consultation at the window, on the 12348 hotline, online or at a workstation.

Callers are often anonymous, so the visitor's name and phone are free text; a consultation
that becomes an application links the person (from the people registry) and the case.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.sdk import Person, TenantModel, User, db, utcnow
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models.enums import Channel, ConsultationOutcome, enum_column


class Consultation(db.Model, TenantModel):
    __tablename__ = "legal_aid_consultation"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_units.tenant_id", "org_units.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "person_id"], ["people.tenant_id", "people.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "handled_by_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "referred_by_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        Index("ix_legal_aid_consultation_date", "tenant_id", "consulted_on"),
        Index("ix_legal_aid_consultation_person", "tenant_id", "person_id"),
    )

    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    consulted_on: Mapped[date] = mapped_column(Date)
    # The centre or station that answered (scope of who sees it).
    org_unit_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    visitor_name: Mapped[str] = mapped_column(String(50), default="")
    visitor_phone: Mapped[str] = mapped_column(String(30), default="")
    category: Mapped[MatterCategory | None] = mapped_column(enum_column(MatterCategory),
                                                            nullable=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[ConsultationOutcome] = mapped_column(enum_column(ConsultationOutcome))
    poverty_ledger: Mapped[bool] = mapped_column(Boolean, default=False)  # 精准扶贫台账
    # Set when the consultation was turned into an application.
    case_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    handled_by_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # A matter referred from another line (转介, ``accept_referral``): the referring plugin's
    # name, its record's number, and the user who referred it (never the handler).
    referred_from: Mapped[str] = mapped_column(String(40), default="", server_default="")
    referral_reference: Mapped[str] = mapped_column(String(60), default="", server_default="")
    referred_by_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person | None] = relationship(
        Person,
        primaryjoin="and_(Consultation.tenant_id == Person.tenant_id, "
                    "foreign(Consultation.person_id) == Person.id)",
        viewonly=True)
    handled_by: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(Consultation.tenant_id == User.tenant_id, "
                    "foreign(Consultation.handled_by_id) == User.id)",
        viewonly=True)
    referred_by: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(Consultation.tenant_id == User.tenant_id, "
                    "foreign(Consultation.referred_by_id) == User.id)",
        viewonly=True)

    @property
    def visitor(self) -> str:
        return self.person.name if self.person is not None else self.visitor_name
