"""The notices module's tenant settings (namespace ``notices``).

Declared as ``PluginInfo.settings_schema``: core renders the form on the bureau's settings page,
validates and audits changes; this module only reads them (docs/plugin-settings.md).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.sdk import SettingsProxy, tenant_settings
from plugins.notices.models import CATEGORY_LABELS, NoticeCategory

NAMESPACE = "notices"


class NoticesSettingsSchema(Schema):
    page_size = fields.Integer(
        load_default=20, validate=validate.Range(min=5, max=100),
        metadata={"label": _l("Notices per page"),
                  "description": _l("How many notices the list shows on one page.")})
    pinned_first = fields.Boolean(
        load_default=True,
        metadata={"label": _l("Show pinned notices first"),
                  "description": _l("Otherwise the list is in date order only.")})
    default_category = fields.String(
        load_default=NoticeCategory.NOTICE.value,
        validate=validate.OneOf([c.value for c in NoticeCategory]),
        metadata={"label": _l("Category of a new notice"),
                  "choices_labels": [CATEGORY_LABELS[c] for c in NoticeCategory]})


def notices_settings() -> SettingsProxy:
    """The current tenant's notices settings."""
    return tenant_settings(NAMESPACE, NoticesSettingsSchema)
