"""Case hooks of the legal aid line: the deadlines centre (待办/预警), the person timeline,
the workbench cards, the parent bureaus' activity figures, and ``legal_aid_status`` (whether
a person holds legal aid, for fee waivers in other lines such as notarisation).

Every hook that shows cases looks only at the cases the user may see: ``legal_aid.case.view``
over the case's org unit, or being the case's current assignee (承办律师).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from flask import g, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import joinedload, load_only

from core.sdk import (
    ActivityCount,
    DashboardCard,
    Deadline,
    Person,
    PersonRecord,
    benefits,
    db,
    has_permission,
    hookimpl,
    scope_filter,
    workdays,
)
from plugins.legal_aid.deadlines import CaseDeadline, case_deadlines
from plugins.legal_aid.eligibility import Route
from plugins.legal_aid.models import AidCase, Consultation, Provider
from plugins.legal_aid.models.enums import CaseStatus, ConsultationOutcome, label
from plugins.legal_aid.permissions import (
    CASE_ASSIGN,
    CASE_DECIDE,
    CASE_VIEW,
    CASE_VIEW_ASSIGNED,
    CONSULTATION_EDIT,
    CONSULTATION_VIEW,
    OBJECTION_DECIDE,
)
from plugins.legal_aid.settings import legal_aid_settings
from plugins.legal_aid.workflow import TIMEZONE, today

LINE = _l("Legal aid")
S = CaseStatus
OPEN_STATUSES = [status for status in CaseStatus if status.is_open]
HOLDS_AID = [status for status in CaseStatus if status.holds_aid]
# Days before a due date from which an item counts as important (the centre's default
# window is 3 days).
SOON_DAYS = 3

# The columns the deadlines need (``AidCase.dates()`` and the label): a county has
# thousands of cases, so nothing else is loaded.
DEADLINE_COLUMNS = (
    AidCase.id, AidCase.number, AidCase.org_unit_id, AidCase.person_id, AidCase.route,
    AidCase.status, AidCase.received_on, AidCase.incomplete_notice_on,
    AidCase.supplement_due_on, AidCase.supplement_received_on, AidCase.complete_on,
    AidCase.withdrawn_on, AidCase.decided_on, AidCase.granted,
    AidCase.objection_received_on, AidCase.objection_decided_on, AidCase.notice_received_on,
    AidCase.assigned_on, AidCase.agreement_signed_on, AidCase.agreement_excluded_days,
    AidCase.limitation_on, AidCase.ended_on, AidCase.materials_submitted_on,
    AidCase.reviewed_on, AidCase.provider_id,
)


def visibility(user: Any) -> Any:
    """The WHERE clause of the cases ``user`` may see (``views.common.case_visibility`` for
    a user given explicitly, as the hooks are)."""
    conditions = []
    if has_permission(CASE_VIEW, user):
        conditions.append(scope_filter(AidCase.org_unit_id, CASE_VIEW, user))
    if has_permission(CASE_VIEW_ASSIGNED, user) and getattr(user, "id", None) is not None:
        conditions.append(AidCase.provider_id.in_(
            select(Provider.id).where(Provider.user_id == user.id)))
    return or_(*conditions) if conditions else false()


def _url(case: AidCase) -> str:
    return url_for("legal_aid.case_detail", case_id=case.id)


def _label(case: AidCase) -> str:
    name = case.person.name if case.person is not None else ""
    if case.number:
        return f"{case.number} {name}".strip()
    return _("Application of %(name)s", name=name) if name else _("Legal aid application")


def calendar_counters() -> tuple[Any, Any]:
    """The tenant calendar's counting, memoised for one call of the hook: each distinct
    start date costs one query instead of one per case and step."""
    add = lru_cache(maxsize=None)(workdays.add_working_days)
    between = lru_cache(maxsize=None)(workdays.working_days_between)
    return add, between


def undone_deadlines(case: AidCase, review_days: int, add: Any = None,
                     between: Any = None) -> list[CaseDeadline]:
    """The case's deadlines not yet met (``deadlines.case_deadlines``), with the calendar
    counters passed in so that many cases share one memoised calendar."""
    return [item for item in case_deadlines(case, review_days, add_working_days=add,
                                            working_days_between=between) if not item.done]


def _severity(due: date, now: date) -> str:
    if due < now:
        return "critical"
    if due <= now + timedelta(days=SOON_DAYS):
        return "important"
    return "normal"


@hookimpl
def deadlines(tenant: Any, user: Any) -> list[Deadline]:
    """Every open case's undone deadlines (and objections awaiting the bureau), for the
    cases the user may see. One query for the cases; the calendar memoised."""
    # The workbench asks twice (the deadlines card and the overdue card): compute once.
    cache = g.setdefault("_legal_aid_deadlines", {}) if has_request_context() else None
    key = getattr(user, "id", None)
    if cache is not None and key in cache:
        return list(cache[key])
    found = _deadlines(user)
    if cache is not None:
        cache[key] = found
    return list(found)


def _deadlines(user: Any) -> list[Deadline]:
    if not (has_permission(CASE_VIEW, user) or has_permission(CASE_VIEW_ASSIGNED, user)):
        return []
    review_days = int(legal_aid_settings().get("review_days") or 30)
    pending_objection = AidCase.objection_received_on.is_not(None) \
        & AidCase.objection_decided_on.is_(None)
    cases = db.session.scalars(
        select(AidCase)
        .where(visibility(user), or_(AidCase.status.in_(OPEN_STATUSES), pending_objection))
        .options(load_only(*DEADLINE_COLUMNS, raiseload=False),
                 joinedload(AidCase.person).load_only(Person.name))
        .order_by(AidCase.id)).unique().all()
    add, between = calendar_counters()
    now = today()
    objection_allowed = has_permission(OBJECTION_DECIDE, user)
    items: list[Deadline] = []
    for case in cases:
        for item in undone_deadlines(case, review_days, add, between):
            if item.key == "objection" and not objection_allowed and not case.status.is_open:
                continue  # the bureau's step on a closed case: only for who decides it
            note = _l("Counted in calendar days: the holiday calendar does not cover it "
                      "yet.") if item.approximate else item.basis
            items.append(Deadline(
                title=f"{_label(case)}：{item.title}", due=item.due, url=_url(case),
                severity=_severity(item.due, now), org_unit_id=case.org_unit_id, line=LINE,
                note=note))
    return items


@hookimpl
def person_records(tenant: Any, person: Any) -> list[PersonRecord]:
    """The person's legal aid cases (as applicant or recipient) the user may see."""
    from flask_login import current_user

    if not (has_permission(CASE_VIEW) or has_permission(CASE_VIEW_ASSIGNED)):
        return []
    cases = db.session.scalars(
        select(AidCase).where(AidCase.person_id == person.id, visibility(current_user))
        .order_by(AidCase.id)).unique().all()
    records = []
    for case in cases:
        route = _l("Notified") if case.route is Route.NOTIFIED else _l("Applicant")
        records.append(PersonRecord(
            line=LINE, title=case.number or _("Legal aid application"),
            date=case.decided_on or case.notice_received_on or case.received_on,
            url=_url(case),
            summary=f"{route} · {label(case.category)} · {case.status.label}"))
    return records


@hookimpl
def dashboard_cards(tenant: Any, user: Any) -> list[DashboardCard]:
    """Consultations to follow up (referred matters), applications awaiting a decision,
    granted cases to assign, and overdue deadlines."""
    cards: list[DashboardCard] = []
    if has_permission(CONSULTATION_EDIT, user) and has_permission(CONSULTATION_VIEW, user):
        pending = db.session.scalar(select(func.count()).select_from(Consultation).where(
            scope_filter(Consultation.org_unit_id, CONSULTATION_EDIT, user),
            scope_filter(Consultation.org_unit_id, CONSULTATION_VIEW, user),
            Consultation.outcome == ConsultationOutcome.PENDING)) or 0
        cards.append(DashboardCard(
            title=_l("Consultations to follow up"), value=pending,
            endpoint="legal_aid.consultations",
            url_values={"outcome": ConsultationOutcome.PENDING.value}, weight=39))
    if not (has_permission(CASE_VIEW, user) or has_permission(CASE_VIEW_ASSIGNED, user)):
        return cards
    if has_permission(CASE_DECIDE, user) and has_permission(CASE_VIEW, user):
        waiting = db.session.scalar(select(func.count()).select_from(AidCase).where(
            scope_filter(AidCase.org_unit_id, CASE_DECIDE, user),
            scope_filter(AidCase.org_unit_id, CASE_VIEW, user),
            AidCase.status.in_([S.RECEIVED, S.INCOMPLETE]))) or 0
        cards.append(DashboardCard(title=_l("Legal aid applications awaiting a decision"),
                                   value=waiting, endpoint="legal_aid.cases",
                                   url_values={"status": S.RECEIVED.value}, weight=40))
    if has_permission(CASE_ASSIGN, user) and has_permission(CASE_VIEW, user):
        to_assign = db.session.scalar(select(func.count()).select_from(AidCase).where(
            scope_filter(AidCase.org_unit_id, CASE_ASSIGN, user),
            scope_filter(AidCase.org_unit_id, CASE_VIEW, user),
            AidCase.status == S.GRANTED)) or 0
        cards.append(DashboardCard(title=_l("Legal aid cases to assign"), value=to_assign,
                                   endpoint="legal_aid.cases",
                                   url_values={"status": S.GRANTED.value}, weight=41))
    if has_permission(CASE_VIEW_ASSIGNED, user) and getattr(user, "id", None) is not None:
        mine = db.session.scalar(select(func.count()).select_from(AidCase).where(
            AidCase.provider_id.in_(select(Provider.id).where(Provider.user_id == user.id)),
            AidCase.status.in_([S.ASSIGNED, S.IN_PROGRESS, S.ENDED]))) or 0
        cards.append(DashboardCard(title=_l("My legal aid cases in hand"), value=mine,
                                   endpoint="legal_aid.cases", weight=42))
    overdue = sum(1 for item in deadlines(tenant=tenant, user=user) if item.due < today())
    cards.append(DashboardCard(title=_l("Overdue legal aid deadlines"), value=overdue,
                               endpoint="deadlines.index", weight=43))
    return cards


@hookimpl
def tenant_activity(tenant: Any, since: Any) -> list[ActivityCount]:
    """Counts for the parent bureaus: applications received, aid granted (decisions and
    accepted notices) and cases closed since ``since`` (figures only)."""
    day = since.astimezone(TIMEZONE).date()
    received = db.session.scalar(select(func.count()).select_from(AidCase).where(
        AidCase.received_on >= day)) or 0
    granted = db.session.scalar(select(func.count()).select_from(AidCase).where(
        ((AidCase.route == Route.APPLY) & (AidCase.granted.is_(True))
         & (AidCase.decided_on >= day))
        | ((AidCase.route == Route.NOTIFIED) & (AidCase.notice_received_on >= day)))) or 0
    closed = db.session.scalar(select(func.count()).select_from(AidCase).where(
        AidCase.reviewed_on >= day)) or 0
    return [ActivityCount(key="legal_aid.received", label=_l("Legal aid cases received"),
                          value=received),
            ActivityCount(key="legal_aid.granted", label=_l("Legal aid granted"),
                          value=granted),
            ActivityCount(key="legal_aid.closed", label=_l("Legal aid cases closed"),
                          value=closed)]


@hookimpl
def legal_aid_status(tenant: Any, person_id: int, on: date) -> benefits.LegalAidStatus | None:
    """Whether the person holds legal aid on ``on``: a case of theirs granted on or before
    that day and now granted, assigned, in progress or ended (not terminated, not yet
    closed). The most recently granted one answers. No permission check: a fee waiver in
    another line needs the fact, not the case (only the case number leaves the line)."""
    row = db.session.execute(
        select(AidCase.number, AidCase.decided_on, AidCase.notice_received_on,
               AidCase.category, Provider.name)
        .outerjoin(Provider, (Provider.tenant_id == AidCase.tenant_id)
                   & (Provider.id == AidCase.provider_id))
        .where(AidCase.person_id == person_id, AidCase.status.in_(HOLDS_AID),
               func.coalesce(AidCase.decided_on, AidCase.notice_received_on,
                             AidCase.received_on) <= on)
        .order_by(func.coalesce(AidCase.decided_on, AidCase.notice_received_on,
                                AidCase.received_on).desc(), AidCase.id.desc())
        .limit(1)).first()
    if row is None:
        return None
    number, decided_on, notice_on, category, provider = row
    return benefits.LegalAidStatus(
        holds=True, case_number=number or "", granted_on=decided_on or notice_on,
        category=category.value if category is not None else "",
        category_label=str(label(category)), provider_name=provider or "")
