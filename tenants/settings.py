"""The bureau's own settings: settings namespace ``tenant``.

The system administrator edits them at ``/t/<slug>/admin/settings`` (the form is core's generic
one, built from :class:`TenantSettingsSchema`); code reads them with :func:`tenant_profile`,
and the page header uses :func:`display_name`.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from core.people.phone import PhoneError, validate_phone
from core.settings import SettingsProxy, tenant_settings
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant

NAMESPACE = "tenant"
DEFAULT_REPORT_DUE_DAY = 25


class PhoneNumber(fields.String):
    """A mainland mobile or landline number, stored in its canonical form (0839-5501234)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validate_phone(text).number
        except PhoneError as exc:
            raise ValidationError(str(exc)) from exc


class TenantSettingsSchema(Schema):
    # Empty (None): pages show the name the bureau registered with.
    display_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=2, max=60),
        metadata={"label": _l("Display name"),
                  "description": _l("Shown in the page header instead of the registered "
                                    "name; leave empty to use the registered name.")})
    contact_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=40),
        metadata={"label": _l("Contact person"), "personal": "name",
                  "description": _l("Who the platform operator calls about this bureau.")})
    contact_phone = PhoneNumber(
        load_default=None, allow_none=True,
        metadata={"label": _l("Contact phone"), "personal": "phone",
                  "description": _l("A mobile number, or a landline with its area code "
                                    "such as 0839-5501234.")})
    contact_email = fields.Email(
        load_default=None, allow_none=True, validate=validate.Length(max=120),
        metadata={"label": _l("Contact email")})
    report_due_day = fields.Integer(
        load_default=DEFAULT_REPORT_DUE_DAY, validate=validate.Range(min=1, max=28),
        metadata={"label": _l("Monthly report due day"),
                  "description": _l("Day of the month by which the monthly statistics are "
                                    "due (1 to 28, so that every month has it).")})


def tenant_profile() -> SettingsProxy:
    """The current tenant's ``tenant`` settings (read and write)."""
    return tenant_settings(NAMESPACE, TenantSettingsSchema)


def display_name(tenant: Tenant) -> str:
    """The name pages show for a tenant: its display name setting, else its registered name.

    Read once per request and tenant (the page header asks on every page).
    """
    cache: dict[int, str] | None = g.setdefault("_fatong_display_names", {}) \
        if has_request_context() else None
    if cache is not None and tenant.id in cache:
        return cache[tenant.id]
    with tenant_context(tenant):
        name = tenant_profile().get("display_name") or tenant.name
    if cache is not None:
        cache[tenant.id] = name
    return name


def forget_display_names() -> None:
    """Drop the per-request copies after the settings change."""
    if has_request_context():
        g.pop("_fatong_display_names", None)
