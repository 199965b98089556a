"""Tenant roles (editable sets of permissions) and scoped role assignments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db
from core.tenancy.model import TenantModel
from core.tenancy.models import utcnow


class Role(db.Model, TenantModel):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    # sysadmin / secadmin / auditadmin for the three separated administrators, else None.
    admin_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What seeding from templates has given this role so far (see access.service.seed_roles).
    seeded_permissions: Mapped[list[str]] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<Role {self.key}>"


class RoleAssignment(db.Model, TenantModel):
    """User holds role within an org-unit subtree (``org_unit_id`` None: the whole tenant)."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "role_id"], ["roles.tenant_id", "roles.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["tenant_id", "org_unit_id"],
                             ["org_units.tenant_id", "org_units.id"], ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "user_id", "role_id", "org_unit_id"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger)
    role_id: Mapped[int] = mapped_column(BigInteger)
    org_unit_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    granted_by: Mapped[str] = mapped_column(String(100), default="")

    role: Mapped[Role] = relationship(
        Role, primaryjoin="and_(RoleAssignment.tenant_id == Role.tenant_id, "
                          "foreign(RoleAssignment.role_id) == Role.id)", lazy="joined")
    org_unit = relationship(
        "OrgUnit", primaryjoin="and_(RoleAssignment.tenant_id == OrgUnit.tenant_id, "
                               "foreign(RoleAssignment.org_unit_id) == OrgUnit.id)",
        lazy="joined")
