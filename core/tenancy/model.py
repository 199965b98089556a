"""The base of every tenant-owned model: ``core.sdk.TenantModel``."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.ids import new_id


class TenantModel:
    """Mixin for tenant-owned tables.

    Gives the table ``tenant_id`` as the FIRST primary-key column and an application-generated
    ``id`` as the second, so the primary key is ``(tenant_id, id)``. Queries on subclasses are
    scoped to the current tenant automatically, and inserts are stamped with it. Foreign keys
    to other tenant tables must be composite, ``(tenant_id, x_id)``; unique constraints must
    include ``tenant_id`` (see ``core.tenancy.rules``).

    Usage::

        class Notice(db.Model, TenantModel):
            __tablename__ = "notices_notice"
            title: Mapped[str] = mapped_column(String(200))
    """

    __tenant_owned__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:
        return mapped_column(
            BigInteger,
            ForeignKey("tenants.id", ondelete="RESTRICT"),
            primary_key=True,
            sort_order=-100,
        )

    @declared_attr
    def id(cls) -> Mapped[int]:
        return mapped_column(
            BigInteger, primary_key=True, autoincrement=False, default=new_id, sort_order=-99
        )


def is_tenant_model(cls: object) -> bool:
    return isinstance(cls, type) and issubclass(cls, TenantModel)
