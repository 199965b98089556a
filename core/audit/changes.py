"""Automatic auditing of record changes: every flushed create, update and delete of a
tenant-owned row becomes a ``record.create`` / ``record.update`` / ``record.delete`` event.

The events are written in the flush's own transaction (on the session's connection, after
the rows themselves), so a rolled-back change leaves no audit row and a committed one
always has one. ``target_type`` is the table name, ``target_id`` the row's id; details hold
the row's values (create, delete) or ``old -> new`` per changed column (update).

Columns marked ``info={"personal": "id_number" | "phone" | "name" | "text"}`` are masked
(:mod:`core.masking`); columns whose name contains password, secret, token or totp are
never written: an update lists them under ``secrets_changed`` without values.

A model opts out with ``__audit__ = False`` (bookkeeping rows whose life the auth events
already tell, such as login sessions), or leaves columns out with
``__audit_ignore__ = ("last_seen_at",)``: an update touching only those records nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import InstanceState, Session

from core.audit.api import SECRET_RE, audit_active, build_entry
from core.audit.chain import Chain, Entry, append, plain
from core.audit.models import AUDIT_TABLES
from core.masking import mask
from core.tenancy.model import TenantModel

SKIPPED_COLUMNS = frozenset({"tenant_id", "id"})  # they are the event's tenant and target
_OLD_VALUES = "fatong.audit.old_values"  # session.info, from before_flush to after_flush


def _table_name(state: InstanceState) -> str:
    return state.mapper.local_table.name


def _audited(obj: Any) -> bool:
    return (isinstance(obj, TenantModel) and getattr(type(obj), "__audit__", True)
            and _table_name(sa_inspect(obj)) not in AUDIT_TABLES)


def _columns(state: InstanceState):
    """(attribute key, column) for each plain column attribute of the row's class, without
    the ones the class lists in ``__audit_ignore__``."""
    ignored = getattr(state.mapper.class_, "__audit_ignore__", ())
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        if (attr.key in SKIPPED_COLUMNS or getattr(column, "name", None) in SKIPPED_COLUMNS
                or attr.key in ignored):
            continue
        yield attr.key, column


def _is_secret(key: str, column: Any) -> bool:
    return bool(SECRET_RE.search(key) or SECRET_RE.search(getattr(column, "name", "") or ""))


def _shown(value: Any, column: Any) -> Any:
    kind = (getattr(column, "info", None) or {}).get("personal")
    if kind and value is not None:
        return mask(value, kind)
    return plain(value)


def _values(state: InstanceState) -> dict[str, Any]:
    values = {}
    for key, column in _columns(state):
        if _is_secret(key, column) or key not in state.dict:
            continue
        values[key] = _shown(state.dict[key], column)
    return values


def _ids(state: InstanceState) -> tuple[int, int]:
    """(tenant_id, id) without loading anything: a committed row's attributes are expired,
    and a query inside the flush is the last thing wanted."""
    if state.identity:
        named = dict(zip((c.key for c in state.mapper.primary_key), state.identity,
                         strict=True))
        return named["tenant_id"], named["id"]
    return state.dict["tenant_id"], state.dict["id"]


def _unknown_old(state: InstanceState) -> list[str]:
    """Changed attributes whose old value the session never loaded (set after a commit
    expired them): history knows the new value only."""
    return [key for key, column in _columns(state)
            if not _is_secret(key, column)
            and (history := state.attrs[key].history).added and not history.deleted]


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """Read the old values the session does not know, while the database still has them."""
    if not session.dirty or not audit_active():
        return
    found: dict[InstanceState, dict[str, Any]] = {}
    for obj in session.dirty:
        if not _audited(obj):
            continue
        state = sa_inspect(obj)
        unknown = _unknown_old(state)
        if not unknown:
            continue
        table = state.mapper.local_table
        tenant_id, row_id = _ids(state)
        columns = [state.mapper.get_property(key).columns[0] for key in unknown]
        row = session.connection().execute(
            select(*columns).where(table.c.tenant_id == tenant_id, table.c.id == row_id)
        ).first()
        if row is not None:
            found[state] = dict(zip(unknown, row, strict=True))
    if found:
        session.info[_OLD_VALUES] = found


def _changes(state: InstanceState,
             known_old: dict[str, Any]) -> tuple[dict[str, list[Any]], list[str]]:
    changes: dict[str, list[Any]] = {}
    secrets: list[str] = []
    for key, column in _columns(state):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        if _is_secret(key, column):
            secrets.append(key)
            continue
        old = history.deleted[0] if history.deleted else known_old.get(key)
        new = history.added[0] if history.added else None
        if old == new:
            continue
        changes[key] = [_shown(old, column), _shown(new, column)]
    return changes, secrets


def _entry(action: str, obj: Any,
           old_values: dict[InstanceState, dict[str, Any]]) -> tuple[int, Entry] | None:
    state = sa_inspect(obj)
    table = _table_name(state)
    tenant_id, row_id = _ids(state)
    if action == "update":
        changes, secrets = _changes(state, old_values.get(state, {}))
        if not changes and not secrets:
            return None
        details: dict[str, Any] = {"changes": changes}
        if secrets:
            details["secrets_changed"] = secrets
    else:
        details = {"values": _values(state)}
    verb = {"create": "created", "update": "updated", "delete": "deleted"}[action]
    _chain, entry = build_entry(
        f"record.{action}", target_type=table, target_id=row_id, details=details,
        summary=f"{table} {row_id} {verb}", tenant_id=tenant_id)
    return tenant_id, entry


def _after_flush(session: Session, flush_context: Any) -> None:
    old_values = session.info.pop(_OLD_VALUES, {})
    if not (session.new or session.dirty or session.deleted) or not audit_active():
        return
    by_tenant: dict[int, list[Entry]] = defaultdict(list)
    for action, objects in (("create", session.new), ("update", session.dirty),
                            ("delete", session.deleted)):
        for obj in objects:
            if not _audited(obj):
                continue
            made = _entry(action, obj, old_values)
            if made is not None:
                by_tenant[made[0]].append(made[1])
    if not by_tenant:
        return
    connection = session.connection()
    for tenant_id in sorted(by_tenant):
        append(connection, Chain(tenant_id), by_tenant[tenant_id])


def install_change_auditing(session_class: type[Session]) -> None:
    """Audit record changes of every session of this class (idempotent)."""
    if not sa_event.contains(session_class, "after_flush", _after_flush):
        sa_event.listen(session_class, "before_flush", _before_flush)
        sa_event.listen(session_class, "after_flush", _after_flush)
