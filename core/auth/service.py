"""Login decisions: passwords, lockout, second factor, password changes.

Staff accounts (``User``) and platform operators (``PlatformUser``) go through the same
functions; ``tenant`` is None for operators. Security counters (failed attempts, locks) are
committed here, before the signal is sent: the attempt must count even though the request
ends in an error, and audit receivers write on their own connection.

Every refusal looks the same to the person at the keyboard (one generic message), while
``core.signals.login_failed`` carries the real ``reason``: ``unknown_user``,
``bad_password``, ``locked`` (tried while locked), ``disabled``, ``totp`` (wrong or replayed
code) and ``locked_now`` (this failure locked the account).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from core.access.models import Role, RoleAssignment
from core.auth import totp
from core.auth.models import PasswordHistory, PlatformUser, User
from core.auth.passwords import hash_password, needs_rehash, policy_errors, verify_password
from core.auth.sessions import as_utc, end_operator_sessions, end_user_sessions
from core.auth.settings import MAX_PASSWORD_HISTORY, TOTP_OFF, TOTP_REQUIRED
from core.crypto import DecryptionFailed
from core.db import db
from core.signals import login_failed, login_succeeded
from core.tenancy.models import utcnow

VERIFY = "verify"  # the account has TOTP: ask for a code
ENROL = "enrol"  # TOTP is required but not set up yet: enrol now, then continue

log = logging.getLogger(__name__)


class PasswordRejected(ValueError):
    """The new password breaks the policy or was used recently; ``messages`` say how."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _app() -> Any:
    return current_app._get_current_object()


def send_failed(tenant: Any, username: str, account: Any, reason: str) -> None:
    login_failed.send(_app(), tenant=tenant, username=username, user=account, reason=reason)


def is_locked(account: Any) -> bool:
    return account.locked_until is not None and as_utc(account.locked_until) > utcnow()


def record_failure(account: Any, policy: dict[str, Any], tenant: Any, reason: str) -> bool:
    """Count a failed attempt, lock at the threshold; commits, signals. True if now locked."""
    # Incremented in SQL: concurrent attempts must not overwrite each other's count.
    account.failed_logins = type(account).failed_logins + 1
    db.session.flush()
    db.session.refresh(account, ["failed_logins"])
    locked_now = account.failed_logins >= policy["lockout_threshold"]
    if locked_now:
        account.locked_until = utcnow() + timedelta(minutes=policy["lockout_minutes"])
        account.failed_logins = 0
    db.session.commit()
    send_failed(tenant, account.username, account, reason)
    if locked_now:
        send_failed(tenant, account.username, account, "locked_now")
    return locked_now


def authenticate(model: type, username: str, password: str, policy: dict[str, Any],
                 tenant: Any) -> Any:
    """The account if the password is right and the account may log in, else None."""
    account = db.session.scalar(select(model).where(model.username == username))
    if account is None:
        verify_password(None, password)  # the same cost as a wrong password
        send_failed(tenant, username, None, "unknown_user")
        return None
    if is_locked(account):
        verify_password(None, password)
        send_failed(tenant, username, account, "locked")
        return None
    if not account.check_password(password):
        record_failure(account, policy, tenant, "bad_password")
        return None
    if not account.active:
        send_failed(tenant, username, account, "disabled")
        return None
    if needs_rehash(account.password_hash):  # the hashing parameters were raised since
        account.password_hash = hash_password(password)
    return account


def login_completed(account: Any, tenant: Any, reason: str) -> None:
    """The last factor passed: reset the counters, stamp, commit and signal."""
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = utcnow()
    db.session.commit()
    login_succeeded.send(_app(), tenant=tenant, username=account.username, user=account,
                         reason=reason)


# --- second factor -------------------------------------------------------------------------


def holds_admin_role(user: Any) -> bool:
    """Whether the user holds one of the separated administrator roles (三员)."""
    if isinstance(user, PlatformUser):
        return True
    return db.session.scalar(
        select(RoleAssignment.id)
        .join(Role, (Role.tenant_id == RoleAssignment.tenant_id)
              & (Role.id == RoleAssignment.role_id))
        .where(RoleAssignment.user_id == user.id, Role.admin_kind.is_not(None))
        .limit(1)) is not None


def totp_required(account: Any, policy: dict[str, Any]) -> bool:
    if isinstance(account, PlatformUser):
        return True
    if policy["totp_required_for_admins"] and holds_admin_role(account):
        return True
    return policy["totp_for_others"] == TOTP_REQUIRED


def totp_allowed(account: Any, policy: dict[str, Any]) -> bool:
    """May this account set up TOTP (required, optional, or an administrator)?"""
    return (policy["totp_for_others"] != TOTP_OFF or totp_required(account, policy)
            or holds_admin_role(account))


def second_factor(account: Any, policy: dict[str, Any]) -> str | None:
    """What the login still needs after the password: VERIFY, ENROL or nothing.

    An account with TOTP set up is always asked for a code, whatever the policy says now:
    a user who chose the second factor keeps it.
    """
    if account.totp_enabled:
        return VERIFY
    if totp_required(account, policy):
        return ENROL
    return None


def check_totp(account: Any, code: str, policy: dict[str, Any], tenant: Any,
               secret: str | None = None) -> bool:
    """Verify a code (of ``secret``, else the account's); a wrong one counts as a failure.

    On success the code's time step is remembered, so it cannot be used again. A ``secret``
    being enrolled has had no code used yet: the last step of the account's current secret
    (time steps, not codes) must not refuse its first code.
    """
    last_counter = account.totp_last_counter if secret is None else None
    if secret is None:
        try:
            secret = totp.open_secret(account, account.totp_secret)
        except DecryptionFailed:
            # Master key changed or row tampered with: no code can match; an administrator
            # must reset this account's second factor.
            log.error("TOTP secret of %r does not open", account)
            secret = None
    counter = totp.matching_counter(secret, code, last_counter) if secret else None
    if counter is None:
        record_failure(account, policy, tenant, "totp")
        return False
    account.totp_last_counter = counter
    db.session.flush()
    return True


def confirm_totp(account: Any, secret: str) -> None:
    """Make ``secret`` the account's TOTP secret (its first code was just verified)."""
    account.totp_secret = totp.seal_secret(account, secret)
    account.totp_confirmed_at = utcnow()
    db.session.flush()


def remove_totp(account: Any) -> None:
    account.totp_secret = None
    account.totp_confirmed_at = None
    account.totp_last_counter = None
    db.session.flush()


# --- passwords -----------------------------------------------------------------------------


def password_expired(account: Any, policy: dict[str, Any]) -> bool:
    days = policy["password_max_age_days"]
    if not days:
        return False
    changed = account.password_changed_at or account.created_at
    return changed is None or utcnow() - as_utc(changed) > timedelta(days=days)


def must_change_password(account: Any, policy: dict[str, Any]) -> bool:
    return bool(account.must_change_password) or password_expired(account, policy)


def _recent_hashes(user: User, count: int) -> list[str]:
    """The user's last ``count`` passwords: the current one and the previous ones."""
    if count <= 0:
        return []
    hashes = [user.password_hash] if user.password_hash else []
    if count > 1 and isinstance(user, User):
        hashes += db.session.scalars(
            select(PasswordHistory.password_hash).where(PasswordHistory.user_id == user.id)
            .order_by(PasswordHistory.created_at.desc(), PasswordHistory.id.desc())
            .limit(count - 1)).all()
    return hashes


def password_problems(account: Any, new_password: str, policy: dict[str, Any]) -> list[str]:
    """Every reason ``new_password`` is refused for this account (policy, then history)."""
    problems = policy_errors(new_password, policy, account.username)
    if any(verify_password(old, new_password)
           for old in _recent_hashes(account, policy["password_history"])):
        problems.append(_("You used this password recently. Choose another one."))
    return problems


def change_password(account: Any, new_password: str, policy: dict[str, Any], *,
                    temporary: bool = False) -> None:
    """Set a new password after the policy and history checks; ends the account's sessions.

    ``temporary``: an administrator's reset, so the user must change it at next login.
    Raises :class:`PasswordRejected`. Flushes; the caller commits (and, for the user's own
    change, starts a fresh session for the browser that made it).
    """
    problems = password_problems(account, new_password, policy)
    if problems:
        raise PasswordRejected(problems)
    if isinstance(account, User) and account.password_hash:
        db.session.add(PasswordHistory(user_id=account.id, password_hash=account.password_hash))
        db.session.flush()
        _trim_history(account)
    account.password_hash = hash_password(new_password)
    account.password_changed_at = utcnow()
    account.must_change_password = temporary
    if isinstance(account, User):
        end_user_sessions(account)
    else:
        end_operator_sessions(account)
    db.session.flush()


def _trim_history(user: User) -> None:
    keep = select(PasswordHistory.id).where(PasswordHistory.user_id == user.id).order_by(
        PasswordHistory.created_at.desc(), PasswordHistory.id.desc()).limit(MAX_PASSWORD_HISTORY)
    db.session.execute(
        delete(PasswordHistory).where(PasswordHistory.user_id == user.id,
                                      PasswordHistory.id.not_in(keep.scalar_subquery())),
        execution_options={"synchronize_session": False})
