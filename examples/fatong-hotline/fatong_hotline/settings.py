"""The hotline's tenant settings (namespace ``hotline``).

Declared as ``PluginInfo.settings_schema``: core renders the form on the bureau's settings
page, validates and audits changes; the plugin only reads them.
"""

from __future__ import annotations

from core.sdk import SettingsProxy, tenant_settings
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

NAMESPACE = "hotline"


class HotlineSettingsSchema(Schema):
    callback_days = fields.Integer(
        load_default=2, validate=validate.Range(min=0, max=30),
        metadata={"label": _l("Callback within (working days)"),
                  "description": _l("A call whose outcome is 'callback needed' is due for "
                                    "its callback this many working days after it came in.")})
    page_size = fields.Integer(
        load_default=30, validate=validate.Range(min=10, max=200),
        metadata={"label": _l("Calls per page"),
                  "description": _l("How many calls the call log shows on one page.")})


def hotline_settings() -> SettingsProxy:
    """The current tenant's hotline settings."""
    return tenant_settings(NAMESPACE, HotlineSettingsSchema)
