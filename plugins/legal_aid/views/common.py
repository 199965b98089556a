"""Scoped lookups shared by the legal aid pages.

Two ways to see a case: ``legal_aid.case.view`` over the case's org unit (centre staff,
leaders), or being its current assignee (``legal_aid.case.view_assigned``: a provider of
the pool linked to the user sees only the cases assigned to them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import abort, g, request
from flask_login import current_user
from sqlalchemy import Select, false, or_, select

from core.sdk import db, documents, has_permission, in_scope, scope_filter
from plugins.legal_aid.models import AidCase, Provider
from plugins.legal_aid.models.enums import label
from plugins.legal_aid.permissions import CASE_HANDLE, CASE_VIEW, CASE_VIEW_ASSIGNED
from plugins.legal_aid.views import bp
from plugins.legal_aid.workflow import TIMEZONE


def own_provider_ids() -> Select:
    """The providers linked to the current user (usually one)."""
    return select(Provider.id).where(Provider.user_id == getattr(current_user, "id", None))


def case_visibility() -> Any:
    """The WHERE clause of the cases the current user may see."""
    conditions = []
    if has_permission(CASE_VIEW):
        conditions.append(scope_filter(AidCase.org_unit_id, CASE_VIEW))
    if has_permission(CASE_VIEW_ASSIGNED):
        conditions.append(AidCase.provider_id.in_(own_provider_ids()))
    return or_(*conditions) if conditions else false()


def scoped_cases() -> Select:
    return select(AidCase).where(case_visibility())


def case_or_404(case_id: int, *options: Any) -> AidCase:
    """The case if the user may see it; 404 for another tenant's, an unknown or an
    out-of-scope id alike. ``options`` are loader options (the case page's eager loads)."""
    case = db.session.scalar(scoped_cases().options(*options).where(AidCase.id == case_id))
    if case is None:
        abort(404)
    return case


def is_assignee(case: AidCase) -> bool:
    """Whether the current user is the case's current provider."""
    if case.provider_id is None or not has_permission(CASE_VIEW_ASSIGNED):
        return False
    return db.session.scalar(own_provider_ids().where(Provider.id == case.provider_id)) \
        is not None


def can(case: AidCase, permission: str) -> bool:
    """Whether the user may do ``permission`` on this case: held over the case's org unit
    (with the right to see it there), or as its assignee for the handling steps."""
    cache = g.setdefault("_legal_aid_can", {})
    key = (case.id, permission)
    if key not in cache:
        allowed = False
        if has_permission(permission):
            if permission == CASE_HANDLE and is_assignee(case):
                allowed = True
            elif has_permission(CASE_VIEW):
                allowed = (in_scope(case.org_unit_id, permission)
                           and in_scope(case.org_unit_id, CASE_VIEW))
        cache[key] = allowed
    return cache[key]


def document_url(key: str, object_id: int) -> str | None:
    """The print page of a document, or None while its template is not registered."""
    if documents.get(key) is None:
        return None
    return documents.url_for_document(key, object_id)


def date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def local_time(value: datetime | None) -> str:
    """A stored moment as Beijing wall time, ``2026-03-05 09:30`` (SQLite gives naive UTC)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")


bp.add_app_template_global(label, "legal_aid_label")
bp.add_app_template_filter(local_time, "legal_aid_local_time")
bp.add_app_template_global(local_time, "legal_aid_local_time")
