"""The org-unit tree of a tenant, with a materialised path for subtree queries."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    Enum,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.tenancy.model import TenantModel


class OrgUnitType(enum.StrEnum):
    BUREAU = "bureau"  # 司法局
    SECTION = "section"  # 科室
    STATION = "station"  # 司法所
    LEGAL_AID_CENTRE = "legal_aid_centre"  # 法律援助中心
    NOTARY_OFFICE = "notary_office"  # 公证处
    LAW_FIRM = "law_firm"  # 律师事务所
    LEGAL_SERVICE_OFFICE = "legal_service_office"  # 基层法律服务所
    MEDIATION_COMMITTEE = "mediation_committee"  # 人民调解委员会
    OTHER = "other"

    @property
    def label(self):
        return ORG_UNIT_TYPE_LABELS[self]


ORG_UNIT_TYPE_LABELS = {
    OrgUnitType.BUREAU: _l("Justice bureau"),
    OrgUnitType.SECTION: _l("Section"),
    OrgUnitType.STATION: _l("Justice station"),
    OrgUnitType.LEGAL_AID_CENTRE: _l("Legal aid centre"),
    OrgUnitType.NOTARY_OFFICE: _l("Notary office"),
    OrgUnitType.LAW_FIRM: _l("Law firm"),
    OrgUnitType.LEGAL_SERVICE_OFFICE: _l("Grassroots legal service office"),
    OrgUnitType.MEDIATION_COMMITTEE: _l("People's mediation committee"),
    OrgUnitType.OTHER: _l("Other"),
}


class OrgUnit(db.Model, TenantModel):
    """A unit of the bureau. ``path`` is ``/<root id>/…/<own id>/``: a subtree is a prefix."""

    __tablename__ = "org_units"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        ForeignKeyConstraint(["tenant_id", "parent_id"], ["org_units.tenant_id", "org_units.id"],
                             ondelete="RESTRICT"),
    )

    parent_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(40))
    unit_type: Mapped[OrgUnitType] = mapped_column(
        Enum(OrgUnitType, native_enum=False, length=30,
             values_callable=lambda e: [m.value for m in e]),
        default=OrgUnitType.OTHER,
    )
    path: Mapped[str] = mapped_column(String(1000), default="", index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code} {self.name}>"
