"""People's mediation committees (人民调解委员会) and their mediators (人民调解员).

A committee is also an org unit of type ``mediation_committee`` (under its 司法所 or the
bureau): role grants scoped to that unit let its mediators see its cases, and a station's
grant covers every committee below it.
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
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.sdk import Gender, Person, TenantModel, User, db, utcnow
from plugins.mediation.models.enums import (
    CommitteeType,
    Employment,
    IndustryField,
    MediatorPosition,
    enum_column,
)

# 人民调解法 Art. 8: a committee has three to nine members.
MIN_MEMBERS = 3
MAX_MEMBERS = 9


class Committee(db.Model, TenantModel):
    __tablename__ = "mediation_committee"
    __table_args__ = (
        UniqueConstraint("tenant_id", "org_unit_id"),
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_units.tenant_id", "org_units.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "place_id"], ["places.tenant_id", "places.id"],
                             ondelete="RESTRICT"),
    )

    org_unit_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    committee_type: Mapped[CommitteeType] = mapped_column(enum_column(CommitteeType))
    industry_field: Mapped[IndustryField | None] = mapped_column(enum_column(IndustryField),
                                                                 nullable=True)
    # The village, community or enterprise the committee belongs to (设立单位).
    place_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    town: Mapped[str] = mapped_column(String(100), default="")
    established_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    office_phone: Mapped[str] = mapped_column(String(30), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    mediators: Mapped[list[Mediator]] = relationship(
        "Mediator", back_populates="committee",
        primaryjoin="and_(Committee.tenant_id == foreign(Mediator.tenant_id), "
                    "Committee.id == foreign(Mediator.committee_id))",
        order_by="Mediator.sort_order", viewonly=True)

    @property
    def current_mediators(self) -> list[Mediator]:
        return [m for m in self.mediators if m.active]

    @property
    def members(self) -> list[Mediator]:
        """Committee members (委员, incl. chair and vice chairs) in office."""
        return [m for m in self.current_mediators if m.position.is_member]

    def composition_warnings(self) -> list[str]:
        """What Art. 8 asks that the current members do not meet (shown, never blocking)."""
        from flask_babel import gettext as _

        members = self.members
        warnings = []
        if not MIN_MEMBERS <= len(members) <= MAX_MEMBERS:
            warnings.append(_("A committee has %(min)d to %(max)d members (Art. 8); it has "
                              "%(count)d.", min=MIN_MEMBERS, max=MAX_MEMBERS,
                              count=len(members)))
        if not any(m.position is MediatorPosition.CHAIR for m in members):
            warnings.append(_("The committee has no chair (Art. 8)."))
        if members and not any(m.person.gender == Gender.FEMALE for m in members):
            warnings.append(_("The committee has no woman member (Art. 8)."))
        return warnings

    def __repr__(self) -> str:
        return f"<Committee {self.name}>"


class Mediator(db.Model, TenantModel):
    """A mediator of a committee: a member (委员) or a hired mediator (聘任, Art. 13)."""

    __tablename__ = "mediation_mediator"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "committee_id"],
                             ["mediation_committee.tenant_id", "mediation_committee.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "person_id"], ["people.tenant_id", "people.id"],
                             ondelete="RESTRICT"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        Index("ix_mediation_mediator_committee", "tenant_id", "committee_id"),
        Index("ix_mediation_mediator_user", "tenant_id", "user_id"),
    )

    committee_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int] = mapped_column(BigInteger)
    # The login of a mediator who uses the system (cases they handle, their subsidies).
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    position: Mapped[MediatorPosition] = mapped_column(enum_column(MediatorPosition))
    employment: Mapped[Employment] = mapped_column(enum_column(Employment),
                                                   default=Employment.PART_TIME)
    term_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    term_end: Mapped[date | None] = mapped_column(Date, nullable=True)  # terms are 3 years
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    training_notes: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    committee: Mapped[Committee] = relationship(
        Committee, back_populates="mediators",
        primaryjoin="and_(Mediator.tenant_id == Committee.tenant_id, "
                    "foreign(Mediator.committee_id) == Committee.id)",
        lazy="joined", viewonly=True)
    person: Mapped[Person] = relationship(
        Person,
        primaryjoin="and_(Mediator.tenant_id == Person.tenant_id, "
                    "foreign(Mediator.person_id) == Person.id)",
        lazy="joined", viewonly=True)
    user: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(Mediator.tenant_id == User.tenant_id, "
                    "foreign(Mediator.user_id) == User.id)",
        viewonly=True)

    @property
    def active(self) -> bool:
        return self.left_on is None

    @property
    def name(self) -> str:
        return self.person.name if self.person is not None else ""

    def __repr__(self) -> str:
        return f"<Mediator {self.person_id} of {self.committee_id}>"
