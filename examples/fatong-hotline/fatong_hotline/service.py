"""What the pages and hooks share: the scoped call query, category seeding, call numbers and
callback due dates."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from core.sdk import OrgUnit, db, numbering, scope_filter, workdays
from sqlalchemy import Select, func, select

from fatong_hotline.models import DEFAULT_CATEGORIES, HotlineCall, HotlineCategory
from fatong_hotline.permissions import CALL_VIEW
from fatong_hotline.settings import hotline_settings

CALL_SERIES = "hotline.call"  # registered in plugin.py


def visible_calls(user: Any = None) -> Select:
    """The calls ``user`` (default: the current user) may see: those taken by an org unit
    in their scope for ``hotline.call.view``. Tenant scoping is automatic."""
    return select(HotlineCall).where(scope_filter(HotlineCall.org_unit_id, CALL_VIEW, user))


def units_for(permission: str) -> list[OrgUnit]:
    """The active org units where the current user holds ``permission``, in tree order."""
    return list(db.session.scalars(
        select(OrgUnit).where(OrgUnit.active, scope_filter(OrgUnit.id, permission))
        .order_by(OrgUnit.path, OrgUnit.sort_order, OrgUnit.id)))


def seed_categories() -> None:
    """Give the current tenant the default categories once (idempotent: re-enabling the
    plugin, or a bureau that renamed or removed some, gets nothing added)."""
    if db.session.scalar(select(func.count()).select_from(HotlineCategory)):
        return
    for order, name in enumerate(DEFAULT_CATEGORIES):
        db.session.add(HotlineCategory(name=name, sort_order=order * 10))
    db.session.flush()


def active_categories() -> list[HotlineCategory]:
    return list(db.session.scalars(
        select(HotlineCategory).where(HotlineCategory.active)
        .order_by(HotlineCategory.sort_order, HotlineCategory.name, HotlineCategory.id)))


def issue_call_number(year: int) -> str:
    """The next call number of the tenant for ``year``; taken in the caller's transaction,
    so a rolled-back call gives its number back."""
    return numbering.issue_number(CALL_SERIES, year)[1]


def callback_due(received_on: date) -> date:
    """The tenant's callback period (working days) counted from the day of the call."""
    days = int(hotline_settings().get("callback_days") or 0)
    try:
        return workdays.add_working_days(received_on, days)
    except ValueError:
        # Beyond the years the holiday calendar knows: count weekdays only.
        day, remaining = received_on, days
        while remaining:
            day += timedelta(days=1)
            if day.weekday() < 5:
                remaining -= 1
        return day
