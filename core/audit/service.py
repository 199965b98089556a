"""Verifying and purging the audit chains; the ``audit`` tenant settings (retention)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.audit.api import build_entry
from core.audit.chain import (
    PLATFORM,
    Chain,
    ChainReport,
    PurgeResult,
    chains_of,
    purge_chain,
    verify_chain,
)
from core.db import db
from core.settings import SettingsProxy, tenant_settings
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant

SETTINGS_NAMESPACE = "audit"
#: 网络安全法 第21条: network logs are kept for at least six months; 184 days covers any six.
MIN_RETENTION_DAYS = 184


class AuditSettingsSchema(Schema):
    """Tenant settings of the audit log."""

    retention_days = fields.Integer(
        load_default=MIN_RETENTION_DAYS,
        validate=validate.Range(min=MIN_RETENTION_DAYS),
        metadata={"description": "Days an audit event is kept before `fatong audit purge` "
                                 "may delete it (at least 184)."},
    )


def audit_settings() -> SettingsProxy:
    """The current tenant's audit settings (``retention_days``)."""
    return tenant_settings(SETTINGS_NAMESPACE, AuditSettingsSchema)


def retention_days(tenant_id: int) -> int:
    with tenant_context(tenant_id):
        return int(audit_settings().get("retention_days"))


def platform_retention_days() -> int:
    return int(current_app.config.get("AUDIT_PLATFORM_RETENTION_DAYS") or MIN_RETENTION_DAYS)


def verify(chains: list[Chain]) -> list[ChainReport]:
    """Walk each chain in one consistent snapshot (REPEATABLE READ on PostgreSQL)."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        reports = [verify_chain(connection, chain) for chain in chains]
        connection.rollback()
    return reports


def all_tenant_ids() -> list[int]:
    return list(db.session.scalars(select(Tenant.id).order_by(Tenant.id)))


def verify_all(tenant_id: int | None = None) -> list[ChainReport]:
    """Every chain (platform and tenants), or one tenant's."""
    if tenant_id is not None:
        return verify([Chain(tenant_id)])
    return verify(chains_of(all_tenant_ids()))


def purge(chain: Chain, days: int, *, now: datetime | None = None,
          actor: str = "system") -> PurgeResult:
    """Delete the chain's events older than ``days`` (never fewer than 184), audited.

    Raises ValueError for a retention under the minimum and
    :class:`core.audit.chain.ChainBroken` when the chain does not verify.
    """
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"audit events are kept at least {MIN_RETENTION_DAYS} days, "
                         f"not {days}")
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    _chain, entry = build_entry(
        "audit.purge", target_type="audit_chain", summary=f"retention {days} days",
        details={"retention_days": days}, tenant_id=chain.tenant_id,
        platform=chain.is_platform, actor=actor)
    with db.engine.begin() as connection:
        return purge_chain(connection, chain, cutoff, entry)


def purge_tenant(tenant_id: int, *, now: datetime | None = None,
                 actor: str = "system") -> PurgeResult:
    return purge(Chain(tenant_id), retention_days(tenant_id), now=now, actor=actor)


def purge_platform(*, now: datetime | None = None, actor: str = "system") -> PurgeResult:
    return purge(PLATFORM, platform_retention_days(), now=now, actor=actor)
