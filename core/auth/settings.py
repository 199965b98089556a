"""The tenant's login and password policy: settings namespace ``auth``.

The schema's defaults are the ``dengbao`` profile, the values 等保 2.0 level-3 assessors
usually check (GB/T 22239 身份鉴别 a/b): passwords of at least 8 characters from three of
the four character classes, no reuse of the last 5, lock for 30 minutes after 5 failures,
log out after 30 idle minutes and after 8 hours in any case, TOTP for administrators.
Expiry is off by default (0 days); a tenant whose assessor insists on rotation sets it
(90 is common). Platform operators always get the defaults.

The security administrator edits these (``core.policy.manage``); code reads them with
:func:`auth_policy`, once per request.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from marshmallow import Schema, fields, validate

from core.settings import SettingsProxy, tenant_settings

NAMESPACE = "auth"

TOTP_OFF = "off"
TOTP_OPTIONAL = "optional"
TOTP_REQUIRED = "required"

#: Most previous passwords kept per user (the largest ``password_history`` allowed).
MAX_PASSWORD_HISTORY = 24

DENGBAO_PROFILE: dict[str, Any] = {
    "password_min_length": 8,
    "password_min_classes": 3,
    "password_max_age_days": 0,
    "password_history": 5,
    "lockout_threshold": 5,
    "lockout_minutes": 30,
    "idle_timeout_minutes": 30,
    "session_lifetime_hours": 8,
    "totp_required_for_admins": True,
    "totp_for_others": TOTP_OPTIONAL,
}


class AuthSettingsSchema(Schema):
    password_min_length = fields.Integer(
        load_default=DENGBAO_PROFILE["password_min_length"],
        validate=validate.Range(min=8, max=64))
    password_min_classes = fields.Integer(
        load_default=DENGBAO_PROFILE["password_min_classes"],
        validate=validate.Range(min=1, max=4))
    # 0: passwords never expire.
    password_max_age_days = fields.Integer(
        load_default=DENGBAO_PROFILE["password_max_age_days"],
        validate=validate.Range(min=0, max=3650))
    # The new password must differ from the last N (the current one included); 0: no check.
    password_history = fields.Integer(
        load_default=DENGBAO_PROFILE["password_history"],
        validate=validate.Range(min=0, max=MAX_PASSWORD_HISTORY))
    lockout_threshold = fields.Integer(
        load_default=DENGBAO_PROFILE["lockout_threshold"],
        validate=validate.Range(min=1, max=100))
    lockout_minutes = fields.Integer(
        load_default=DENGBAO_PROFILE["lockout_minutes"],
        validate=validate.Range(min=1, max=24 * 60))
    idle_timeout_minutes = fields.Integer(
        load_default=DENGBAO_PROFILE["idle_timeout_minutes"],
        validate=validate.Range(min=1, max=24 * 60))
    session_lifetime_hours = fields.Integer(
        load_default=DENGBAO_PROFILE["session_lifetime_hours"],
        validate=validate.Range(min=1, max=72))
    totp_required_for_admins = fields.Boolean(
        load_default=DENGBAO_PROFILE["totp_required_for_admins"])
    totp_for_others = fields.String(
        load_default=DENGBAO_PROFILE["totp_for_others"],
        validate=validate.OneOf([TOTP_OFF, TOTP_OPTIONAL, TOTP_REQUIRED]))


def auth_settings() -> SettingsProxy:
    """The current tenant's ``auth`` settings (read and write)."""
    return tenant_settings(NAMESPACE, AuthSettingsSchema)


def platform_policy() -> dict[str, Any]:
    """What applies to platform operators: the dengbao profile, TOTP always."""
    return {**AuthSettingsSchema().load({}), "totp_required_for_admins": True,
            "totp_for_others": TOTP_REQUIRED}


def auth_policy() -> dict[str, Any]:
    """The current tenant's auth settings as a dict, read once per request."""
    if not has_request_context():
        return auth_settings().get_all()
    cached = g.get("_fatong_auth_policy")
    if cached is None:
        cached = g._fatong_auth_policy = auth_settings().get_all()
    return cached


def forget_auth_policy() -> None:
    """Drop the per-request copy after the settings change."""
    if has_request_context():
        g.pop("_fatong_auth_policy", None)
