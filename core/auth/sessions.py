"""Server-side, revocable sessions.

The browser's (signed) Flask cookie carries a random token and nothing else that
authenticates; the ``user_sessions`` row, found by the token's SHA-256, says who is logged
in and at which stage. Deleting the row logs that browser out at its next request. A login
always starts a new row and a new token (no session fixation), and clears the cookie's other
contents. The same machinery serves platform operators (``platform_sessions``).

Other modules call :func:`end_user_sessions` when a user is disabled or given a new password.

Every page asks who is logged in, so the session row, its account and (tenant sessions) the
account's role assignments with their roles and org units come in one statement, one row
per assignment; the grants are computed from those later in the request (core.access).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, flash, g, request, session
from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select

from core.access.checks import preload_assignments
from core.access.models import RoleAssignment
from core.auth.models import (
    STAGE_FULL,
    STAGE_SECOND_FACTOR,
    PlatformSession,
    PlatformUser,
    User,
    UserSession,
)
from core.db import db
from core.signals import logged_out
from core.tenancy.context import current_tenant_id, tenant_context
from core.tenancy.models import utcnow
from core.tenancy.web import SESSION_TENANT_KEY

#: Flask session keys holding the token of a tenant session / an operator session.
SESSION_KEY = "sid"
PLATFORM_SESSION_KEY = "platform_sid"
#: Between the password and the second factor a session lives at most this long.
SECOND_FACTOR_MINUTES = 5
#: ``last_seen_at`` is written at most this often (idle timeouts are counted in minutes).
TOUCH_EVERY = timedelta(seconds=60)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class AuthState:
    """Who this request belongs to: the account and its session row."""

    account: Any
    row: Any

    @property
    def pending(self) -> bool:
        """Password given, second factor still owed: only the second-factor page answers."""
        return self.row.stage == STAGE_SECOND_FACTOR


@dataclass(frozen=True)
class _Kind:
    key: str
    session_model: type
    account_model: type


TENANT = _Kind(SESSION_KEY, UserSession, User)
PLATFORM = _Kind(PLATFORM_SESSION_KEY, PlatformSession, PlatformUser)


def _client_details() -> dict[str, str]:
    return {"ip": (request.remote_addr or "")[:45],
            "user_agent": (request.user_agent.string or "")[:300]}


def start_session(account: Any, stage: str = STAGE_FULL) -> Any:
    """Log this browser in as ``account`` with a new session row and token; flushes.

    Whatever the cookie held before (an old token, a planted one, the CSRF token) is
    discarded, and the row behind an old token is deleted.
    """
    kind = PLATFORM if isinstance(account, PlatformUser) else TENANT
    _delete_current_rows()
    session.clear()
    token = secrets.token_urlsafe(32)
    row = kind.session_model(token_hash=token_hash(token), user_id=account.id, stage=stage,
                             **_client_details())
    db.session.add(row)
    db.session.flush()
    session[kind.key] = token
    if kind is TENANT:
        session[SESSION_TENANT_KEY] = account.tenant_id
    g.setdefault("_fatong_states", {})[kind.key] = AuthState(account, row)
    return row


def _delete_current_rows() -> None:
    """Delete the rows behind this cookie's tokens (tenant and platform), if any."""
    token = session.get(SESSION_KEY)
    tenant_id = session.get(SESSION_TENANT_KEY)
    if token and isinstance(tenant_id, int):
        with _tenant_scope(tenant_id):
            db.session.execute(delete(UserSession).where(
                UserSession.token_hash == token_hash(token)))
    token = session.get(PLATFORM_SESSION_KEY)
    if token:
        db.session.execute(delete(PlatformSession).where(
            PlatformSession.token_hash == token_hash(token)))


def _tenant_scope(tenant_id: int) -> AbstractContextManager:
    return nullcontext() if current_tenant_id() == tenant_id else tenant_context(tenant_id)


def end_current_session() -> None:
    """Logout: delete this browser's rows and empty its cookie; flushes."""
    _delete_current_rows()
    session.clear()
    g.pop("_fatong_states", None)


def end_user_sessions(user: User) -> int:
    """Log ``user`` out everywhere (disable, password change); flushes, returns rows deleted.

    Call it in the same transaction as the change that requires it.
    """
    with _tenant_scope(user.tenant_id):
        result = db.session.execute(
            delete(UserSession).where(UserSession.user_id == user.id),
            execution_options={"synchronize_session": False})
    return result.rowcount or 0


def end_operator_sessions(operator: PlatformUser) -> int:
    result = db.session.execute(
        delete(PlatformSession).where(PlatformSession.user_id == operator.id),
        execution_options={"synchronize_session": False})
    return result.rowcount or 0


def _limits(policy: dict[str, Any], row: Any) -> tuple[timedelta, timedelta]:
    if row.stage == STAGE_SECOND_FACTOR:
        pending = timedelta(minutes=SECOND_FACTOR_MINUTES)
        return pending, pending
    return (timedelta(minutes=policy["idle_timeout_minutes"]),
            timedelta(hours=policy["session_lifetime_hours"]))


def current_state(kind: _Kind, policy: Callable[[], dict[str, Any]],
                  tenant: Any) -> AuthState | None:
    """This request's session of ``kind`` (loaded once per request), or None."""
    states = g.setdefault("_fatong_states", {})
    if kind.key not in states:
        token = session.get(kind.key)
        states[kind.key] = (_load_state(kind, token, policy(), tenant)
                            if token and isinstance(token, str) else None)
    return states[kind.key]


def _load_state(kind: _Kind, token: str, policy: dict[str, Any],
                tenant: Any) -> AuthState | None:
    """The session behind ``token``, or None; ends it when it has run out.

    An ended session clears the cookie and leaves a message for the login page.
    """
    row, account, assignments = _fetch(kind, token)
    if row is None:
        _forget(_("Your session has ended. Please log in again."))
        return None
    now = utcnow()
    idle, lifetime = _limits(policy, row)
    reason = None
    if now - as_utc(row.last_seen_at) > idle:
        reason = "idle"
        message = _("You were logged out after %(num)d minutes without activity.",
                    num=int(idle.total_seconds() // 60))
    elif now - as_utc(row.created_at) > lifetime:
        reason = "expired"
        message = _("Your session reached its time limit. Please log in again.")
    elif account is None or not account.active:
        reason = "disabled"
        message = _("Your session has ended. Please log in again.")
    if reason is not None:
        db.session.delete(row)
        db.session.commit()
        _forget(message)
        if account is not None:
            logged_out.send(current_app._get_current_object(), tenant=tenant,
                            username=account.username, user=account, reason=reason)
        return None
    if kind is TENANT:
        preload_assignments(account.id, assignments)
    if now - as_utc(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
        _commit_keeping_loaded()
    return AuthState(account, row)


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the request has just read (tenant, session, user).

    Those rows were read a moment ago in this very transaction; expiring them would only
    cost a refresh statement each when the page goes on to use them.
    """
    current = db.session()
    expire = current.expire_on_commit
    current.expire_on_commit = False
    try:
        current.commit()
    finally:
        current.expire_on_commit = expire


def _fetch(kind: _Kind, token: str) -> tuple[Any, Any, list[RoleAssignment]]:
    """The session row behind ``token``, its account (None if gone) and, for a tenant
    session, the account's role assignments (role and org unit eager-loaded): one statement,
    one row per assignment. ``(None, None, [])`` when there is no such session."""
    session_model, account_model = kind.session_model, kind.account_model
    if kind is TENANT:
        statement = (
            select(UserSession, User, RoleAssignment)
            .outerjoin(User, and_(User.tenant_id == UserSession.tenant_id,
                                  User.id == UserSession.user_id))
            .outerjoin(RoleAssignment, and_(RoleAssignment.tenant_id == User.tenant_id,
                                            RoleAssignment.user_id == User.id)))
    else:
        statement = (select(session_model, account_model)
                     .outerjoin(account_model, account_model.id == session_model.user_id))
    rows = db.session.execute(
        statement.where(session_model.token_hash == token_hash(token))).all()
    if not rows:
        return None, None, []
    assignments = [row[2] for row in rows if len(row) > 2 and row[2] is not None]
    return rows[0][0], rows[0][1], assignments


def _forget(message: str) -> None:
    session.clear()
    flash(message, "warning")


def purge_expired(policy: dict[str, Any]) -> None:
    """Delete the current tenant's sessions that ran out unseen (called at each login)."""
    now = utcnow()
    idle = now - timedelta(minutes=policy["idle_timeout_minutes"])
    born = now - timedelta(hours=policy["session_lifetime_hours"])
    pending = now - timedelta(minutes=SECOND_FACTOR_MINUTES)
    db.session.execute(
        delete(UserSession).where(or_(
            UserSession.last_seen_at < idle, UserSession.created_at < born,
            (UserSession.stage == STAGE_SECOND_FACTOR) & (UserSession.created_at < pending))),
        execution_options={"synchronize_session": False})


def active_sessions(policy: dict[str, Any]) -> list[tuple[UserSession, User]]:
    """The current tenant's sessions that have not run out, newest activity first."""
    now = utcnow()
    rows = db.session.execute(
        select(UserSession, User)
        .join(User, (User.tenant_id == UserSession.tenant_id) & (User.id == UserSession.user_id))
        .where(UserSession.last_seen_at >= now - timedelta(minutes=policy["idle_timeout_minutes"]),
               UserSession.created_at >= now - timedelta(hours=policy["session_lifetime_hours"]))
        .order_by(UserSession.last_seen_at.desc())).all()
    return [(row, user) for row, user in rows]
