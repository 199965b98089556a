"""The audit tables: tenant events, platform events and the head of each hash chain.

Every tenant has one chain (``audit_events`` rows of that tenant ordered by ``seq``); the
platform (operator console, platform logins, cross-tenant reads) has one more
(``platform_audit_events``). Each row carries the hash of the row before it, and the chain
head remembers the last ``seq`` and hash, so that a deleted newest row is noticed too.

Rows are only ever written through :mod:`core.audit.chain` with plain SQL on the
connection of a transaction (never through the ORM unit of work), and no route changes
them. The ORM classes exist for the viewer's queries and for Alembic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.tenancy.model import TenantModel

OUTCOMES = ("success", "failure", "denied")
GENESIS_HASH = "0" * 64  # the prev_hash of a chain's first row

# Column sizes; values are cut to fit before they are hashed, so the stored row is the
# hashed row on every engine.
EVENT_LEN = 100
NAME_LEN = 100
IP_LEN = 45  # an IPv6 address in full
USER_AGENT_LEN = 255
TARGET_TYPE_LEN = 64
SUMMARY_LEN = 500
HASH_LEN = 64


class _EventColumns:
    """The columns both event tables share (and that the hash covers)."""

    seq: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event: Mapped[str] = mapped_column(String(EVENT_LEN))
    outcome: Mapped[str] = mapped_column(String(16), default="success")
    actor_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(NAME_LEN), default="")
    ip: Mapped[str] = mapped_column(String(IP_LEN), default="")
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_LEN), default="")
    target_type: Mapped[str] = mapped_column(String(TARGET_TYPE_LEN), default="")
    target_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    summary: Mapped[str] = mapped_column(String(SUMMARY_LEN), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(HASH_LEN))
    hash: Mapped[str] = mapped_column(String(HASH_LEN))


class AuditEvent(db.Model, TenantModel, _EventColumns):
    """One audit event of a tenant; ``seq`` numbers the tenant's chain without gaps."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq"),
        Index("ix_audit_events_tenant_id_occurred_at", "tenant_id", "occurred_at"),
    )

    def __repr__(self) -> str:
        return f"<AuditEvent {self.tenant_id}#{self.seq} {self.event}>"


class PlatformAuditEvent(db.Model, _EventColumns):
    """One audit event of the platform itself (no tenant). ``about_tenant_id`` names the
    tenant an operator acted on, if any (no foreign key: the trail outlives tenants)."""

    __tablename__ = "platform_audit_events"
    __table_args__ = (
        UniqueConstraint("seq"),
        Index("ix_platform_audit_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    about_tenant_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    def __repr__(self) -> str:
        return f"<PlatformAuditEvent #{self.seq} {self.event}>"


class _HeadColumns:
    """Where a chain ends, and where it starts after a purge (the checkpoint).

    ``mac`` is a keyed hash over all of it, so the head cannot be wound back or the
    checkpoint moved without the audit key.
    """

    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(HASH_LEN), default=GENESIS_HASH)
    purged_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    purged_hash: Mapped[str] = mapped_column(String(HASH_LEN), default=GENESIS_HASH)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    mac: Mapped[str] = mapped_column(String(HASH_LEN), default="")


class AuditChainHead(db.Model, TenantModel, _HeadColumns):
    """The head of one tenant's chain: one row per tenant, locked by every writer.

    Tenant-owned (not a platform table) so that on a distributed database the lock, the
    event rows and the business rows of one write all live on the tenant's shard.
    """

    __tablename__ = "audit_chain_heads"
    __table_args__ = (UniqueConstraint("tenant_id"),)


class PlatformAuditChainHead(db.Model, _HeadColumns):
    """The head of the platform chain: a single row, ``id`` = 1."""

    __tablename__ = "platform_audit_chain_heads"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


#: Tables the record-change hook never audits (it would audit its own writes).
AUDIT_TABLES = frozenset({"audit_events", "audit_chain_heads",
                          "platform_audit_events", "platform_audit_chain_heads"})
