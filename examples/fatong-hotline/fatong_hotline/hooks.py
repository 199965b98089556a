"""Request-time hooks of the hotline: menu, workbench cards, deadlines (回访), the person
page's timeline, and activity figures for parent bureaus. Each shows only the calls the
user may see (``hotline.call.view`` over the call's org unit)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.sdk import (
    ActivityCount,
    DashboardCard,
    Deadline,
    NavItem,
    PersonRecord,
    db,
    has_permission,
    hookimpl,
    scope_filter,
)
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from fatong_hotline.models import TIMEZONE, HotlineCall, Outcome, today
from fatong_hotline.permissions import CALL_CREATE, CALL_VIEW, CATEGORY_MANAGE, STATS_VIEW
from fatong_hotline.service import seed_categories, visible_calls

LINE = _l("12348 hotline")
SOON_DAYS = 1  # a callback due tomorrow is already important


@hookimpl
def plugin_enabled(tenant: Any) -> None:
    seed_categories()


@hookimpl
def nav_items(tenant: Any, user: Any) -> list[NavItem]:
    items = []
    if has_permission(CALL_VIEW, user):
        items.append(NavItem(title=_l("Hotline calls"), endpoint="hotline.calls", weight=45,
                             icon="telephone-inbound", group=LINE))
    if has_permission(STATS_VIEW, user):
        items.append(NavItem(title=_l("Hotline statistics"), endpoint="hotline.stats",
                             weight=46, icon="bar-chart", group=LINE))
    if has_permission(CATEGORY_MANAGE, user):
        items.append(NavItem(title=_l("Call categories"), endpoint="hotline.categories",
                             weight=47, icon="tags", group=LINE))
    return items


def _waiting_callbacks(user: Any):
    return visible_calls(user).where(HotlineCall.outcome == Outcome.CALLBACK,
                                     HotlineCall.callback_due_on.is_not(None),
                                     HotlineCall.callback_done_at.is_(None))


@hookimpl
def dashboard_cards(tenant: Any, user: Any) -> list[DashboardCard]:
    if not has_permission(CALL_VIEW, user):
        return []
    calls_today = db.session.scalar(
        select(func.count()).select_from(HotlineCall)
        .where(scope_filter(HotlineCall.org_unit_id, CALL_VIEW, user),
               HotlineCall.received_on == today())) or 0
    waiting = db.session.scalar(
        select(func.count()).select_from(_waiting_callbacks(user).subquery())) or 0
    return [
        DashboardCard(title=_l("Hotline calls today"), value=calls_today,
                      endpoint="hotline.calls", url_values={"day": today().isoformat()},
                      weight=45),
        DashboardCard(title=_l("Hotline callbacks waiting"), value=waiting,
                      endpoint="hotline.calls", url_values={"callback": "waiting"}, weight=46),
    ]


@hookimpl
def deadlines(tenant: Any, user: Any) -> list[Deadline]:
    """Callbacks not yet made, for the users who make them (or may see them)."""
    if not has_permission(CALL_VIEW, user):
        return []
    now = today()
    items = []
    for call in db.session.scalars(_waiting_callbacks(user).order_by(
            HotlineCall.callback_due_on, HotlineCall.id)):
        due = call.callback_due_on
        severity = ("critical" if due < now else
                    "important" if due <= now + timedelta(days=SOON_DAYS) else "normal")
        items.append(Deadline(
            title=_("%(number)s: callback to %(caller)s", number=call.number,
                    caller=call.caller or _("anonymous caller")),
            due=due, url=url_for("hotline.call_detail", call_id=call.id), severity=severity,
            org_unit_id=call.org_unit_id, line=LINE,
            note=_l("Call back and record what was said.")
            if has_permission(CALL_CREATE, user) else ""))
    return items


@hookimpl
def person_records(tenant: Any, person: Any) -> list[PersonRecord]:
    """The person's calls the current user may see, for the person page's timeline."""
    from flask_login import current_user

    if not has_permission(CALL_VIEW, current_user):
        return []
    calls = db.session.scalars(visible_calls(current_user)
                               .where(HotlineCall.person_id == person.id)
                               .order_by(HotlineCall.received_at.desc()))
    return [PersonRecord(line=LINE, title=call.number, date=call.received_on,
                         url=url_for("hotline.call_detail", call_id=call.id),
                         summary=f"{call.category.name} · {call.outcome.label}")
            for call in calls]


@hookimpl
def tenant_activity(tenant: Any, since: Any) -> list[ActivityCount]:
    """Figures only, for parent bureaus: calls received and referred since ``since``."""
    day = since.astimezone(TIMEZONE).date()
    received = db.session.scalar(select(func.count()).select_from(HotlineCall)
                                 .where(HotlineCall.received_on >= day)) or 0
    referred = db.session.scalar(select(func.count()).select_from(HotlineCall)
                                 .where(HotlineCall.received_on >= day,
                                        HotlineCall.referral_target != "")) or 0
    return [ActivityCount(key="hotline.calls", label=_l("12348 hotline calls"), value=received),
            ActivityCount(key="hotline.referred", label=_l("12348 hotline calls referred"),
                          value=referred)]
