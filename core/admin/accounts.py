"""User administration for the system administrator: create, disable, reset, unlock.

Functions flush; the caller commits and writes the audit record.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from core.access.service import is_last_active_security_admin
from core.auth import service as auth_service
from core.auth.models import User
from core.auth.passwords import policy_errors
from core.auth.service import is_locked
from core.auth.sessions import end_user_sessions
from core.auth.settings import auth_policy
from core.db import db

__all__ = ["is_locked"]  # re-exported for the user pages

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$")
DISPLAY_NAME_MAX = 100


class AccountError(ValueError):
    """A change the account rules refuse; ``field`` names the form field concerned."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def password_problems(password: str, user: User | None = None,
                      username: str = "") -> list[str]:
    """What the tenant's password policy says against ``password`` (empty: acceptable).

    For an existing ``user`` the recent-password history counts too.
    """
    policy = auth_policy()
    if user is not None and user.id is not None:
        return auth_service.password_problems(user, password, policy)
    return policy_errors(password, policy, username or (user.username if user else ""))


def generate_password(length: int = 14) -> str:
    """A random temporary password meeting any policy (all four character classes, at least
    the policy's length), without look-alike characters, since it is read off a screen."""
    length = max(length, auth_policy()["password_min_length"])
    lower = "abcdefghjkmnpqrstuvwxyz"
    upper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    symbols = "@#%+=?"
    pools = (lower, upper, digits, symbols)
    alphabet = "".join(pools)
    chars = [secrets.choice(pool) for pool in pools]
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise AccountError(_("Use 2-64 letters, digits, '.', '_', '-' or '@', starting with a "
                             "letter or digit."), "username")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(_("The username %(name)s is taken.", name=username), "username")
    return username


def check_display_name(display_name: str) -> str:
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > DISPLAY_NAME_MAX:
        raise AccountError(_("Give a name of at most %(max)d characters.",
                             max=DISPLAY_NAME_MAX), "display_name")
    return display_name


def check_password(password: str, username: str) -> str:
    problems = password_problems(password, username=username)
    if problems:
        raise AccountError(" ".join(str(p) for p in problems), "password")
    return password


def create_user(*, username: str, display_name: str, password: str) -> User:
    """A new active account that must change its (admin-chosen) password at first login."""
    user = User(username=check_username(username),
                display_name=check_display_name(display_name), active=True)
    check_password(password, user.username)
    user.set_password(password)
    user.must_change_password = True
    db.session.add(user)
    db.session.flush()
    return user


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Enable or disable; disabling ends all of the user's sessions at once."""
    if user.id == actor.id and not active:
        raise AccountError(_("You cannot disable your own account."))
    if not active and is_last_active_security_admin(user):
        raise AccountError(_("This is the last active security administrator; grant the role "
                             "to someone else first."))
    user.active = active
    db.session.flush()
    if not active:
        end_user_sessions(user)


def reset_password(user: User, *, actor: User) -> str:
    """Set a temporary password (returned, to be shown once), force a change at next login,
    end the user's sessions and clear a lockout."""
    if user.id == actor.id:
        raise AccountError(_("Change your own password on your account page, not here."))
    temporary = generate_password()
    auth_service.change_password(user, temporary, auth_policy(), temporary=True)
    _clear_lockout(user)
    db.session.flush()
    return temporary


def unlock(user: User) -> bool:
    """Clear a lockout after failed logins; True if there was one."""
    was_locked = is_locked(user)
    _clear_lockout(user)
    db.session.flush()
    return was_locked


def _clear_lockout(user: User) -> None:
    user.locked_until = None
    user.failed_logins = 0
