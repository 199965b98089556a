"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106) and the policy.

The policy rules themselves are plain functions of a settings dict (see core.auth.settings),
so the same rules serve the change-password page, user administration and the CLI.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms import Field, Form
from wtforms.validators import ValidationError

MAX_PASSWORD_LENGTH = 128
#: Config ``ARGON2_PROFILE``: a name from ``argon2.profiles``. The default is argon2-cffi's
#: own (RFC 9106 low memory: argon2id, t=3, 64 MiB); the test suite uses ``CHEAPEST``, as
#: Django's tests use a fast hasher, because each hash costs a third of a second here.
DEFAULT_PROFILE = "RFC_9106_LOW_MEMORY"

_hashers: dict[str, tuple[PasswordHasher, str]] = {}


def _hasher() -> tuple[PasswordHasher, str]:
    """The configured hasher, and a dummy hash of the same cost for unknown users."""
    name = current_app.config.get("ARGON2_PROFILE") if has_app_context() else None
    name = name or DEFAULT_PROFILE
    if name not in _hashers:
        hasher = PasswordHasher.from_parameters(getattr(profiles, name))
        # Verified against when the user does not exist, so both paths cost the same time.
        _hashers[name] = (hasher, hasher.hash("fatong-timing-equaliser"))
    return _hashers[name]


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher, dummy = _hasher()
    try:
        return hasher.verify(password_hash or dummy, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a (verified) hash was made with other parameters than the configured ones."""
    try:
        return _hasher()[0].check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def character_classes(password: str) -> int:
    """How many of the four classes (lower, upper, digit, other) the password uses."""
    return sum((
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c in string.digits for c in password),
        any(c not in string.ascii_letters + string.digits for c in password),
    ))


def policy_errors(password: str, policy: dict[str, Any], username: str = "") -> list[str]:
    """Every rule of ``policy`` the password breaks, as messages for the user (translated)."""
    errors = []
    min_length = policy["password_min_length"]
    if len(password) < min_length:
        errors.append(ngettext("Use at least %(num)d character.",
                               "Use at least %(num)d characters.", min_length))
    if len(password) > MAX_PASSWORD_LENGTH:
        errors.append(_("Use at most %(num)d characters.", num=MAX_PASSWORD_LENGTH))
    min_classes = policy["password_min_classes"]
    if min_classes > 1 and character_classes(password) < min_classes:
        errors.append(_("Mix at least %(num)d of these: lowercase letters, uppercase letters, "
                        "digits, symbols.", num=min_classes))
    if username and len(username) >= 3 and username.lower() in password.lower():
        errors.append(_("Do not include the username in the password."))
    return errors


class PasswordPolicy:
    """WTForms validator: the current tenant's policy, each broken rule shown beside the field.

    ``policy`` is a callable returning the settings dict (default: the current tenant's);
    ``username_field`` names the form field holding the username, when the form has one.
    """

    def __init__(self, policy: Callable[[], dict[str, Any]] | None = None,
                 username: Callable[[Form], str] | None = None) -> None:
        self.policy = policy
        self.username = username

    def __call__(self, form: Form, field: Field) -> None:
        from core.auth.settings import auth_policy

        policy = (self.policy or auth_policy)()
        username = self.username(form) if self.username else ""
        messages = policy_errors(field.data or "", policy, username)
        if messages:
            field.errors.extend(messages[:-1])  # one message per broken rule
            raise ValidationError(messages[-1])
