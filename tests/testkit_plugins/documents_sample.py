"""A plugin offering print-ready documents (tests/test_documents.py).

``kit_documents`` prints a "receipt" for a notice of the tenant (plugins/notices' model, read
only): a notice titled with :data:`HIDDEN` counts as outside the user's scope (load returns
None), one titled with :data:`NO_NUMBER` has no document number. It also returns templates
core must refuse: a key of another plugin, a duplicate key, something not a template.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from jinja2 import BaseLoader, DictLoader

from core.sdk import DocumentTemplate, Permission, PluginInfo, RoleTemplate, db, hookimpl
from plugins.notices.models import Notice

from testkit_plugins import record

NAME = "kit_documents"
RECEIPT = "kit_documents.receipt"
TITLED = "kit_documents.titled"
PERMISSION = "kit_documents.receipt.print"
RECEIPT_TITLE = "测试收据"
OTHER_TITLE = "重复的收据"
OVERRIDE_TITLE = "上下文中的标题"
NUMBER = "（2026）剑测字第7号"
HIDDEN = "【不在范围】"
NO_NUMBER = "【无文号】"

plugin_info = PluginInfo(
    name=NAME,
    title="Kit Documents",
    description="A throwaway plugin offering print-ready documents.",
    version="1.0.0",
    vendor="Testkit",
    requires_core=">=0.1,<1",
)

TEMPLATES = {
    "kit_documents/receipt.html": """\
{% extends "documents/print.html" %}
{% import "documents/macros.html" as doc %}
{% block content %}
{% call doc.register_table(columns=4, testid="kit-table") %}
{{ doc.table_row([("通知标题", notice.title), ("类别", notice.category.value)]) }}
{{ doc.table_row([("编号", notice.id)]) }}
{{ doc.table_block("正文", notice.body, lines=4) }}
{% endcall %}
{{ doc.field("经办人", "", testid="kit-field") }}
{{ doc.prose(notice.body) }}
{{ doc.signature(["调解员签名"], org="剑阁县人民调解委员会", seal=True) }}
{% endblock %}
""",
}


class _TemplatesOnly(Blueprint):
    """A blueprint with no routes whose templates live in :data:`TEMPLATES`."""

    @property
    def jinja_loader(self) -> BaseLoader:  # type: ignore[override]
        return DictLoader(TEMPLATES)


def _receipt(object_id: int) -> dict[str, Any] | None:
    record(NAME, "load", object_id)
    notice = db.session.get(Notice, object_id)
    if notice is None or notice.title.startswith(HIDDEN):
        return None
    number = "" if notice.title.startswith(NO_NUMBER) else NUMBER
    return {"notice": notice, "number": number}


def _titled(object_id: int) -> dict[str, Any] | None:
    found = _receipt(object_id)
    return None if found is None else {**found, "title": OVERRIDE_TITLE}


@hookimpl
def register_blueprints(app):
    return [_TemplatesOnly(NAME, __name__)]


@hookimpl
def register_permissions():
    return [Permission(PERMISSION, "Print kit receipts")]


@hookimpl
def role_templates():
    # Leaders of tenants provisioned with the kit loaded print receipts (not staff).
    return [RoleTemplate("leader", "Bureau leader", (PERMISSION,))]


@hookimpl
def document_templates():
    template = "kit_documents/receipt.html"
    return [
        DocumentTemplate(key=RECEIPT, title=RECEIPT_TITLE, template=template, load=_receipt,
                         permission=PERMISSION),
        DocumentTemplate(key=TITLED, title=RECEIPT_TITLE, template=template, load=_titled,
                         permission=PERMISSION),
        # Refused: another plugin's prefix, a key taken already, not a template at all.
        DocumentTemplate(key="notices.receipt", title="冒名", template=template,
                         load=_receipt, permission=PERMISSION),
        DocumentTemplate(key=RECEIPT, title=OTHER_TITLE, template=template, load=_receipt,
                         permission=PERMISSION),
        {"key": "kit_documents.dict"},
    ]
