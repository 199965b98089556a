"""The pool of legal aid providers (法律援助人员库): lawyers, grassroots legal service
workers and the centre's own staff (法律援助法第十二、十六条).

A provider may be linked to a user account; such a user with the 承办律师 role sees only
the cases assigned to them.
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

from core.sdk import TenantModel, User, db, utcnow
from plugins.legal_aid.assignment import MemberKind
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models.enums import enum_column


def split_codes(value: str) -> list[str]:
    return [item for item in (value or "").split(",") if item]


class Provider(db.Model, TenantModel):
    __tablename__ = "legal_aid_provider"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                             ondelete="RESTRICT"),
        Index("ix_legal_aid_provider_active", "tenant_id", "active"),
    )

    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[MemberKind] = mapped_column(enum_column(MemberKind))
    organisation: Mapped[str] = mapped_column(String(100), default="")  # 律师事务所/法律服务所
    licence_number: Mapped[str] = mapped_column(String(40), default="")  # 执业证号
    phone: Mapped[str] = mapped_column(String(30), default="")  # the office phone
    practice_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    criminal_defence_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    legal_qualification: Mapped[bool] = mapped_column(Boolean, default=False)  # staff only
    # MatterCategory values, comma-separated.
    specialities: Mapped[str] = mapped_column(String(200), default="")
    familiar_with_minors: Mapped[bool] = mapped_column(Boolean, default=False)
    hometown: Mapped[str] = mapped_column(String(50), default="")  # 籍贯 (county)
    languages: Mapped[str] = mapped_column(String(100), default="")  # comma-separated
    county: Mapped[str] = mapped_column(String(50), default="")  # where they practise
    max_load: Mapped[int | None] = mapped_column(Integer, nullable=True)  # open cases at most
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship(
        User,
        primaryjoin="and_(Provider.tenant_id == User.tenant_id, "
                    "foreign(Provider.user_id) == User.id)",
        viewonly=True)

    @property
    def speciality_list(self) -> list[MatterCategory]:
        return [MatterCategory(code) for code in split_codes(self.specialities)]

    @property
    def language_list(self) -> list[str]:
        return split_codes(self.languages)

    def __repr__(self) -> str:
        return f"<Provider {self.name}>"
