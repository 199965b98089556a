"""The keyed hash chain: appending rows, verifying a chain, purging its old end.

Each row's ``hash`` is HMAC-SM3 over a canonical serialisation of the row (its id, seq,
time, event, outcome, actor, source, target, summary, details and ``prev_hash``) plus the
chain it belongs to, so a row edited, deleted, reordered or moved to another tenant breaks
the chain. Without the audit key nobody can compute a valid hash for a forged row.

The chain head (``audit_chain_heads`` / ``platform_audit_chain_heads``) holds the last seq
and hash and the purge checkpoint, under a MAC of its own. Writers take the head's lock
with an ``UPDATE`` as their first statement: on PostgreSQL that is the row lock (the same
as ``SELECT … FOR UPDATE``) and on SQLite it takes the database write lock at once, before
anything was read, so two writers can neither fork the chain nor deadlock.

Key: ``AUDIT_KEY`` (environment ``FATONG_AUDIT_KEY``), else a random key generated once
into the instance folder (``instance/audit_key``), like ``SECRET_KEY``. The HMAC key is
derived from it with HKDF-SM3. See docs/audit.md.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from sqlalchemy import Connection, Table, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.audit.models import (
    EVENT_LEN,
    GENESIS_HASH,
    IP_LEN,
    NAME_LEN,
    OUTCOMES,
    SUMMARY_LEN,
    TARGET_TYPE_LEN,
    USER_AGENT_LEN,
    AuditChainHead,
    AuditEvent,
    PlatformAuditChainHead,
    PlatformAuditEvent,
)
from core.ids import new_id

KEY_FILE = "audit_key"
KEY_INFO = b"fatong audit chain v1"
PLATFORM_HEAD_ID = 1
MAX_TEXT_IN_DETAILS = 500  # a long text in details is cut: the audit log is no archive

HASHED_FIELDS = ("id", "seq", "occurred_at", "event", "outcome", "actor_id", "actor_name",
                 "ip", "user_agent", "target_type", "target_id", "summary", "details",
                 "prev_hash")


# --- the key -----------------------------------------------------------------------------


def audit_key(app: Flask | None = None) -> bytes:
    """The HMAC key of the chains, derived from the configured master secret (cached)."""
    app = app or current_app._get_current_object()
    cached = app.extensions.get("fatong.audit.key")
    if cached is None:
        master = app.config.get("AUDIT_KEY") or _instance_key(Path(app.instance_path))
        cached = HKDF(algorithm=hashes.SM3(), length=32, salt=None,
                      info=KEY_INFO).derive(str(master).encode())
        app.extensions["fatong.audit.key"] = cached
    return cached


def _instance_key(instance: Path) -> str:
    """A per-installation master secret in the instance folder (mode 600), made once."""
    path = instance / KEY_FILE
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        # Created 0600 from the start, and never overwritten: a second process that raced
        # us here reads the winner's key instead.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret)
    return secret


def _mac(key: bytes, data: bytes) -> str:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


# --- chains ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chain:
    """One hash chain: a tenant's (``tenant_id``) or the platform's (``tenant_id`` None)."""

    tenant_id: int | None = None

    @property
    def is_platform(self) -> bool:
        return self.tenant_id is None

    @property
    def label(self) -> str:
        return "platform" if self.is_platform else f"tenant:{self.tenant_id}"

    @property
    def events(self) -> Table:
        return (PlatformAuditEvent if self.is_platform else AuditEvent).__table__

    @property
    def heads(self) -> Table:
        return (PlatformAuditChainHead if self.is_platform else AuditChainHead).__table__

    def event_filter(self) -> Any:
        if self.is_platform:
            return self.events.c.seq.isnot(None)
        return self.events.c.tenant_id == self.tenant_id

    def head_filter(self) -> Any:
        if self.is_platform:
            return self.heads.c.id == PLATFORM_HEAD_ID
        return self.heads.c.tenant_id == self.tenant_id

    def head_key(self) -> dict[str, int]:
        if self.is_platform:
            return {"id": PLATFORM_HEAD_ID}
        return {"tenant_id": self.tenant_id, "id": new_id()}


PLATFORM = Chain(None)


# --- entries and their canonical form ---------------------------------------------------


def _text(value: Any, limit: int) -> str:
    """Text as stored: str, without NUL (PostgreSQL refuses it), cut to the column size."""
    if value is None:
        return ""
    return str(value).replace("\x00", "")[:limit]


def plain(value: Any) -> Any:
    """A value as JSON can hold it: what audit details may contain."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        text = value.replace("\x00", "")
        return text if len(text) <= MAX_TEXT_IN_DETAILS else text[:MAX_TEXT_IN_DETAILS] + "…"
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return plain(str(value))


@dataclass
class Entry:
    """An event about to be appended; fields are cut to size on creation."""

    event: str
    occurred_at: datetime
    outcome: str = "success"
    actor_id: int | None = None
    actor_name: str = ""
    ip: str = ""
    user_agent: str = ""
    target_type: str = ""
    target_id: int | None = None
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    about_tenant_id: int | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, not {self.outcome!r}")
        self.event = _text(self.event, EVENT_LEN)
        self.actor_name = _text(self.actor_name, NAME_LEN)
        self.ip = _text(self.ip, IP_LEN)
        self.user_agent = _text(self.user_agent, USER_AGENT_LEN)
        self.target_type = _text(self.target_type, TARGET_TYPE_LEN)
        self.summary = _text(self.summary, SUMMARY_LEN)
        self.details = plain(self.details or {})
        if self.occurred_at.tzinfo is None:
            self.occurred_at = self.occurred_at.replace(tzinfo=UTC)

    def row(self, chain: Chain, seq: int, prev_hash: str) -> dict[str, Any]:
        row = {
            "id": new_id(), "seq": seq, "occurred_at": self.occurred_at, "event": self.event,
            "outcome": self.outcome, "actor_id": self.actor_id, "actor_name": self.actor_name,
            "ip": self.ip, "user_agent": self.user_agent, "target_type": self.target_type,
            "target_id": self.target_id, "summary": self.summary, "details": self.details,
            "prev_hash": prev_hash,
        }
        if chain.is_platform:
            row["about_tenant_id"] = self.about_tenant_id
        else:
            row["tenant_id"] = chain.tenant_id
        return row


def _timestamp(value: datetime) -> str:
    # SQLite hands timestamps back naive (they are stored in UTC), PostgreSQL aware.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(chain: Chain, row: Any) -> bytes:
    """The bytes a row's hash covers: its hashed fields and its chain, as sorted JSON."""
    payload = {name: row[name] for name in HASHED_FIELDS}
    payload["occurred_at"] = _timestamp(payload["occurred_at"])
    payload["chain"] = chain.label
    if chain.is_platform:
        payload["about_tenant_id"] = row["about_tenant_id"]
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()


def row_hash(key: bytes, chain: Chain, row: Any) -> str:
    return _mac(key, canonical(chain, row))


def head_mac(key: bytes, chain: Chain, seq: int, last_hash: str, purged_seq: int,
             purged_hash: str) -> str:
    data = json.dumps(["head", chain.label, seq, last_hash, purged_seq, purged_hash])
    return _mac(key, data.encode())


# --- appending ---------------------------------------------------------------------------


def _insert_ignoring_conflict(connection: Connection, table: Table):
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    return insert(table)


@dataclass(frozen=True)
class _Head:
    seq: int
    hash: str
    purged_seq: int
    purged_hash: str


def _lock_head(connection: Connection, chain: Chain, grow_by: int) -> _Head:
    """Lock the chain head (creating it on first use) and advance its seq; returns the head
    as it was before."""
    heads = chain.heads
    columns = (heads.c.seq, heads.c.hash, heads.c.purged_seq, heads.c.purged_hash)
    returning = connection.dialect.update_returning
    locking = update(heads).where(chain.head_filter()).values(seq=heads.c.seq + grow_by)
    if returning:
        locking = locking.returning(*columns)

    def lock() -> Any:
        result = connection.execute(locking)
        if returning:
            return result.first()
        if result.rowcount == 0:
            return None
        return connection.execute(select(*columns).where(chain.head_filter())).one()

    head = lock()
    if head is None:
        connection.execute(_insert_ignoring_conflict(connection, heads).values(
            **chain.head_key(), seq=0, hash=GENESIS_HASH, purged_seq=0,
            purged_hash=GENESIS_HASH,
            mac=head_mac(audit_key(), chain, 0, GENESIS_HASH, 0, GENESIS_HASH)))
        head = lock()
    return _Head(head.seq - grow_by, head.hash, head.purged_seq, head.purged_hash)


def append(connection: Connection, chain: Chain, entries: list[Entry]) -> list[dict[str, Any]]:
    """Append entries to a chain inside the caller's transaction on ``connection``.

    The head stays locked until that transaction ends, so concurrent writers of the same
    chain queue up behind it; rolling the transaction back removes the rows and the head
    move together.
    """
    if not entries:
        return []
    if not chain.is_platform:
        # Written for that tenant whatever the code around runs for (a security event is
        # written at request teardown): row-level security checks the rows against it.
        from core.tenancy.context import tenant_context

        with tenant_context(chain.tenant_id):
            return _append(connection, chain, entries)
    return _append(connection, chain, entries)


def _append(connection: Connection, chain: Chain, entries: list[Entry]) -> list[dict[str, Any]]:
    key = audit_key()
    head = _lock_head(connection, chain, len(entries))
    seq, prev = head.seq, head.hash
    rows = []
    for entry in entries:
        seq += 1
        row = entry.row(chain, seq, prev)
        row["hash"] = prev = row_hash(key, chain, row)
        rows.append(row)
    connection.execute(insert(chain.events), rows)
    heads = chain.heads
    connection.execute(update(heads).where(chain.head_filter()).values(
        hash=prev, mac=head_mac(key, chain, seq, prev, head.purged_seq, head.purged_hash)))
    return rows


# --- verifying ---------------------------------------------------------------------------


@dataclass
class ChainReport:
    """The outcome of walking one chain: ``broken_seq`` is the first seq found wrong."""

    chain: Chain
    rows: int = 0
    broken_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    purged_seq: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(connection: Connection, chain: Chain) -> ChainReport:
    """Walk a chain from its checkpoint to its head, recomputing every hash."""
    key = audit_key()
    report = ChainReport(chain)
    heads, events = chain.heads, chain.events
    head = connection.execute(select(heads).where(chain.head_filter())).one_or_none()
    if head is None:
        first = connection.scalar(select(func.min(events.c.seq)).where(chain.event_filter()))
        if first is not None:
            report.broken_seq, report.reason = first, "the chain head is missing"
        return report
    report.head_seq, report.head_hash, report.purged_seq = head.seq, head.hash, head.purged_seq
    if head.mac != head_mac(key, chain, head.seq, head.hash, head.purged_seq, head.purged_hash):
        report.broken_seq = head.purged_seq + 1
        report.reason = "the chain head or its purge checkpoint was altered"
        return report

    expected, prev = head.purged_seq + 1, head.purged_hash
    # Only up to the head just read: rows a concurrent writer appends meanwhile are not part
    # of the chain this walk checks (they are looked at below).
    rows = connection.execute(
        select(events).where(chain.event_filter(), events.c.seq <= head.seq)
        .order_by(events.c.seq).execution_options(yield_per=1000))
    for row in rows.mappings():
        if row["seq"] != expected:
            report.broken_seq = expected if row["seq"] > expected else row["seq"]
            report.reason = ("a row is missing" if row["seq"] > expected
                             else "a row lies before the purge checkpoint")
            break
        if row["prev_hash"] != prev:
            report.broken_seq, report.reason = expected, "rows were reordered or replaced"
            break
        if row_hash(key, chain, row) != row["hash"]:
            report.broken_seq, report.reason = expected, "the row was edited"
            break
        prev = row["hash"]
        expected += 1
        report.rows += 1
    rows.close()
    if report.ok and (expected - 1 != head.seq or prev != head.hash):
        report.broken_seq = expected
        report.reason = "the newest rows are missing"
    if report.ok:
        # A row past the head was not written by an append (which moves the head with its
        # rows in one transaction). Read the head again: a writer may have just committed.
        now_at = connection.scalar(select(heads.c.seq).where(chain.head_filter()))
        beyond = connection.scalar(select(func.min(events.c.seq)).where(
            chain.event_filter(), events.c.seq > max(now_at or 0, head.seq)))
        if beyond is not None:
            report.broken_seq, report.reason = beyond, "a row lies beyond the chain head"
    return report


# --- purging -----------------------------------------------------------------------------


class ChainBroken(RuntimeError):
    """Refusing to purge a chain that does not verify: the evidence must stay."""

    def __init__(self, report: ChainReport) -> None:
        super().__init__(f"{report.chain.label}: broken at seq {report.broken_seq} "
                         f"({report.reason})")
        self.report = report


@dataclass
class PurgeResult:
    chain: Chain
    deleted: int
    purged_seq: int


def purge_chain(connection: Connection, chain: Chain, cutoff: datetime,
                audit_entry: Entry) -> PurgeResult:
    """Delete the chain's oldest rows, all older than ``cutoff``, keeping it verifiable.

    Only a prefix of the chain goes (rows up to the first one at or after ``cutoff``), and
    the head's checkpoint records the last purged seq and hash, where verification then
    starts. The chain must verify first. ``audit_entry`` (the ``audit.purge`` event) is
    appended in the same transaction, its details completed with what was purged.
    """
    heads, events = chain.heads, chain.events
    connection.execute(update(heads).where(chain.head_filter()).values(seq=heads.c.seq))
    report = verify_chain(connection, chain)
    if not report.ok:
        raise ChainBroken(report)
    first_kept = connection.scalar(select(func.min(events.c.seq)).where(
        chain.event_filter(), events.c.occurred_at >= cutoff))
    last = report.head_seq if first_kept is None else first_kept - 1
    deleted = 0
    purged_seq = report.purged_seq
    if last > report.purged_seq:
        last_hash = connection.scalar(select(events.c.hash).where(
            chain.event_filter(), events.c.seq == last))
        deleted = connection.execute(delete(events).where(
            chain.event_filter(), events.c.seq <= last)).rowcount
        connection.execute(update(heads).where(chain.head_filter()).values(
            purged_seq=last, purged_hash=last_hash, purged_at=datetime.now(UTC),
            mac=head_mac(audit_key(), chain, report.head_seq, report.head_hash, last,
                         last_hash)))
        purged_seq = last
    audit_entry.details = {**audit_entry.details, "deleted": deleted,
                           "purged_through_seq": purged_seq, "cutoff": cutoff.isoformat()}
    append(connection, chain, [audit_entry])
    return PurgeResult(chain, deleted, purged_seq)


def chains_of(tenant_ids: Iterable[int], platform: bool = True) -> list[Chain]:
    """The chains to walk: the platform's first, then each tenant's."""
    return ([PLATFORM] if platform else []) + [Chain(t) for t in tenant_ids]
