"""The one function modules call to write an audit event.

Contract (stable): ``record(event, **fields)``. ``event`` is a dotted name such as
``auth.login.failed``, ``person.reveal`` or ``notices.notice.update``. ``security=True``
events are kept even when the request's transaction rolls back.

Where an event goes:

- ``security=False`` (record changes, settings, plugin toggles): into the caller's
  transaction, on the session's own connection. A rolled-back change leaves no audit row,
  and a committed one always has its row.
- ``security=True`` (logins, failures, lockouts, denials, cross-tenant reads, reveals,
  exports): in a request, buffered in ``flask.g`` and written in a transaction of their own
  at request teardown, after the request's transaction is over (on SQLite a second
  connection writing while the request holds the write lock would wait for ever). Outside
  a request: at once in a transaction of their own, or, when the session holds uncommitted
  writes, as soon as that session's transaction ends (commit or rollback).

The tenant, the actor and the client address come from the request (``g.tenant`` /
the tenant context, ``flask_login``'s user, ``request.remote_addr``) unless given. With no
tenant, the event goes to the platform chain.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from core.audit.chain import PLATFORM, Chain, Entry, append
from core.masking import mask

log = logging.getLogger("fatong.audit.events")

EXTENSION = "fatong.audit"
EVENT_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
#: Keys (in details) and column names whose values are never written, masked or not.
SECRET_RE = re.compile(r"password|secret|token|totp", re.IGNORECASE)
HIDDEN = "***"
ANONYMOUS = "anonymous"  # the actor of events in a request nobody is logged in to
#: flask.g: (id, username) of the platform operator a console request runs for.
OPERATOR_ACTOR = "fatong_audit_operator"

_PENDING = "_fatong_audit_pending"  # flask.g: security events waiting for teardown
WROTE = "fatong.audit.wrote"  # session.info: the transaction holds uncommitted writes
_DEFERRED = "fatong.audit.deferred"  # session.info: security events waiting for its end
WRITE_ATTEMPTS = 3


def audit_active() -> bool:
    """Whether the current app runs the audit module (apps built for plugin tests may not)."""
    return has_app_context() and EXTENSION in current_app.extensions


@contextmanager
def suspended_for_bulk_load() -> Iterator[None]:
    """Record auditing off in the current app while synthetic records are bulk-loaded.

    For ``fatong seed-scale`` only, which records the whole load as one platform event
    afterwards: a record event per synthetic row would be tens of millions of entries that
    say nothing. Never around work done for or by users.
    """
    marker = current_app.extensions.pop(EXTENSION, None)
    try:
        yield
    finally:
        if marker is not None:
            current_app.extensions[EXTENSION] = marker


def record(event: str, *, target_type: str = "", target_id: int | None = None,
           summary: str = "", details: dict[str, Any] | None = None,
           outcome: str = "success", security: bool = False,
           tenant_id: int | None = None, actor: str | None = None,
           actor_id: int | None = None, platform: bool = False,
           about_tenant_id: int | None = None, ip: str | None = None,
           user_agent: str | None = None,
           personal: Mapping[str, str] | None = None) -> None:
    """Write one audit event for the current tenant and user (see module docstring).

    Keyword-only extras: ``actor_id`` (with ``actor``, when the actor is not the request's
    user), ``platform=True`` for the platform chain even inside a tenant,
    ``about_tenant_id`` (platform events: the tenant concerned), ``ip``/``user_agent``
    (default: the request's), ``personal`` mapping keys of ``details`` to a masking kind
    (``{"phone": "phone"}``). Values of keys that look like secrets (password, secret,
    token, totp) are never written.
    """
    if not EVENT_RE.match(event):
        raise ValueError(f"audit event names are dotted lower-case words, not {event!r}")
    log.info("%s %s %s %s %s", event, target_type, target_id or "", outcome, summary)
    if not audit_active():
        return
    chain, entry = build_entry(
        event, target_type=target_type, target_id=target_id, summary=summary,
        details=scrub(details or {}, personal or {}), outcome=outcome, tenant_id=tenant_id,
        actor=actor, actor_id=actor_id, platform=platform, about_tenant_id=about_tenant_id,
        ip=ip, user_agent=user_agent)
    if not security:
        write_in_session(chain, [entry])
    elif has_request_context():
        g.setdefault(_PENDING, []).append((chain, entry))
    else:
        from core.db import db

        if db.session.info.get(WROTE):
            db.session.info.setdefault(_DEFERRED, []).append((chain, entry))
        else:
            write_own_transaction([(chain, entry)])


def build_entry(event: str, *, target_type: str = "", target_id: int | None = None,
                summary: str = "", details: dict[str, Any] | None = None,
                outcome: str = "success", tenant_id: int | None = None,
                actor: str | None = None, actor_id: int | None = None,
                platform: bool = False, about_tenant_id: int | None = None,
                ip: str | None = None, user_agent: str | None = None) -> tuple[Chain, Entry]:
    """The chain and entry of an event, with the request's context filled in."""
    from core.tenancy.context import current_tenant_id

    if tenant_id is None:
        tenant_id = current_tenant_id()
        if tenant_id is None and has_request_context() and g.get("tenant") is not None:
            tenant_id = g.tenant.id
    chain = PLATFORM if platform or tenant_id is None else Chain(tenant_id)
    if chain.is_platform and about_tenant_id is None:
        about_tenant_id = tenant_id
    request_actor_id, request_actor = request_actor_ids()
    if actor is None:
        actor, actor_id = request_actor, (actor_id if actor_id is not None else request_actor_id)
    elif actor_id is None and actor == request_actor:
        actor_id = request_actor_id
    if has_request_context():
        ip = request.remote_addr if ip is None else ip
        user_agent = request.user_agent.string if user_agent is None else user_agent
    entry = Entry(event=event, occurred_at=datetime.now(UTC), outcome=outcome,
                  actor_id=actor_id, actor_name=actor or "system", ip=ip or "",
                  user_agent=user_agent or "", target_type=target_type, target_id=target_id,
                  summary=summary, details=details or {}, about_tenant_id=about_tenant_id)
    return chain, entry


def request_actor_ids() -> tuple[int | None, str]:
    """(id, username) of the request's logged-in user; (None, "anonymous") in a request
    without one; (None, "") outside requests.

    Reads the user Flask-Login holds for the request (``g._login_user``: loaded for every
    tenant request by :func:`load_request_actor`, replaced by ``login_user`` and
    ``logout_user``) and never loads one: this also runs inside flushes, where a query of
    its own would be out of place.
    """
    if not has_request_context():
        return None, ""
    operator = g.get(OPERATOR_ACTOR)
    if operator is not None:
        return operator
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ANONYMOUS
    state = sa_inspect(user, raiseerr=False)
    user_id = state.identity[-1] if state is not None and state.identity else None
    return user_id, getattr(user, "username", "") or ""


def load_request_actor() -> None:
    """Before each tenant request (after the login guard): have Flask-Login load the user
    now, from the session the guard already read, so that events know who acts."""
    if g.get("tenant") is not None:
        from flask_login import current_user

        current_user._get_current_object()


def scrub(details: dict[str, Any], personal: Mapping[str, str]) -> dict[str, Any]:
    """Details as they may be stored: secrets hidden, personal values masked (recursively)."""
    def clean(value: Any, key: str = "") -> Any:
        if key and SECRET_RE.search(key):
            return HIDDEN
        if key in personal:
            return mask(value, personal[key])
        if isinstance(value, dict):
            return {str(k): clean(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    return clean(details)


# --- writing -----------------------------------------------------------------------------


def write_in_session(chain: Chain, entries: list[Entry]) -> None:
    """Append in the session's current transaction (it commits or rolls back with it)."""
    from core.db import db

    append(db.session.connection(), chain, entries)
    db.session.info[WROTE] = True


def _chain_order(chain: Chain) -> tuple[int, int]:
    # One fixed lock order (platform, then tenants by id) so writers never deadlock.
    return (0, 0) if chain.is_platform else (1, chain.tenant_id or 0)


def write_own_transaction(items: list[tuple[Chain, Entry]]) -> None:
    """Append events in a transaction of their own, on a connection of their own."""
    from core.db import db

    grouped: dict[Chain, list[Entry]] = {}
    for chain, entry in items:
        grouped.setdefault(chain, []).append(entry)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with db.engine.begin() as connection:
                for chain in sorted(grouped, key=_chain_order):
                    append(connection, chain, grouped[chain])
            return
        except IntegrityError:
            # A UNIQUE(seq) clash means another writer got in first; the next attempt
            # reads the head again.
            if attempt == WRITE_ATTEMPTS:
                raise
            log.warning("audit chain write clashed, retrying (attempt %d)", attempt)


def _write_or_log(items: list[tuple[Chain, Entry]]) -> None:
    """Write security events; if that fails, keep them in the log and say so loudly."""
    try:
        write_own_transaction(items)
    except Exception:
        for chain, entry in items:
            log.error("UNWRITTEN audit event %s: %s %s %s actor=%s ip=%s %s", chain.label,
                      entry.event, entry.outcome, entry.target_type, entry.actor_name,
                      entry.ip, entry.summary)
        log.exception("could not write %d security audit event(s)", len(items))
        if current_app.testing:
            raise


def flush_pending(exc: BaseException | None = None) -> None:
    """Request teardown: write the request's security events, after its transaction.

    The request's own transaction is over by now unless the view left uncommitted writes
    (it failed, or forgot to commit): those are rolled back first, as teardown would do
    anyway, so that they release their locks before the audit write needs them.
    """
    pending = g.pop(_PENDING, None)
    if not pending:
        return
    from core.db import db

    if db.session.info.get(WROTE):
        db.session.rollback()
    _write_or_log(pending)


# --- tracking whether a session holds uncommitted writes -------------------------------


def _mark_flush(session: Session, flush_context: Any) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[WROTE] = True


def _mark_bulk(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(WROTE, None)
    deferred = session.info.pop(_DEFERRED, None)
    if deferred and audit_active():
        _write_or_log(deferred)


def install_session_hooks(session_class: type[Session]) -> None:
    """Track uncommitted writes per session (idempotent)."""
    if not sa_event.contains(session_class, "after_transaction_end", _transaction_ended):
        sa_event.listen(session_class, "after_flush", _mark_flush)
        sa_event.listen(session_class, "do_orm_execute", _mark_bulk)
        sa_event.listen(session_class, "after_transaction_end", _transaction_ended)
