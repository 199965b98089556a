"""A place of the county that service lines refer to: a village, community, school or
enterprise, with the town (乡镇/街道) it lies in and the org unit (usually a 司法所) responsible.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db
from core.orgunits.models import OrgUnit
from core.tenancy.model import TenantModel
from core.tenancy.models import utcnow


class PlaceKind(enum.StrEnum):
    VILLAGE = "village"  # 行政村
    COMMUNITY = "community"  # 社区 (居委会)
    SCHOOL = "school"  # 学校
    ENTERPRISE = "enterprise"  # 企业
    OTHER = "other"  # 市场、医院、景区…

    @property
    def label(self):
        return PLACE_KIND_LABELS[self]


PLACE_KIND_LABELS = {
    PlaceKind.VILLAGE: _l("Village"),
    PlaceKind.COMMUNITY: _l("Community"),
    PlaceKind.SCHOOL: _l("School"),
    PlaceKind.ENTERPRISE: _l("Enterprise"),
    PlaceKind.OTHER: _l("Other place"),
}


class Place(db.Model, TenantModel):
    __tablename__ = "places"
    __table_args__ = (
        # One name per kind within a town: "新华村" may exist in two towns.
        UniqueConstraint("tenant_id", "kind", "town", "name"),
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_units.tenant_id", "org_units.id"],
                             ondelete="RESTRICT"),
        Index("ix_places_tenant_town", "tenant_id", "town"),
        Index("ix_places_tenant_org_unit", "tenant_id", "org_unit_id"),
    )

    kind: Mapped[PlaceKind] = mapped_column(
        Enum(PlaceKind, native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]))
    name: Mapped[str] = mapped_column(String(100))
    town: Mapped[str] = mapped_column(String(100), default="")  # 乡镇/街道
    # The unit responsible for the place, normally the town's 司法所.
    org_unit_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # 统一社会信用代码 of an enterprise, 学校标识码 of a school, 村 code: optional.
    code: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    # A switchboard or office number, not a person's mobile: stored in clear.
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    org_unit: Mapped[OrgUnit | None] = relationship(
        OrgUnit,
        primaryjoin="and_(Place.tenant_id == OrgUnit.tenant_id, "
                    "foreign(Place.org_unit_id) == OrgUnit.id)",
        lazy="joined",
    )

    @property
    def full_name(self) -> str:
        """``town name`` as staff write it (城关镇新华村); the name alone without a town."""
        return f"{self.town}{self.name}" if self.town else self.name

    def __repr__(self) -> str:
        return f"<Place {self.kind} {self.full_name}>"
