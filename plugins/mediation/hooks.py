"""Case hooks of the mediation line: deadlines (待办/预警), the person timeline and the
workbench cards. Each looks only at cases in the user's org-unit scope."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError

from core.sdk import (
    ActivityCount,
    DashboardCard,
    Deadline,
    PersonRecord,
    db,
    has_permission,
    hookimpl,
    scope_filter,
    workdays,
)
from plugins.mediation.models import (
    Agreement,
    Case,
    CaseParty,
    Committee,
    JudicialConfirmation,
    Mediator,
    ReturnVisit,
    Transfer,
)
from plugins.mediation.models.enums import (
    OPEN_STATUSES,
    AgreementKind,
    CaseStatus,
    TransferDirection,
)
from plugins.mediation.permissions import CASE_EDIT, CASE_MANAGE, CASE_VIEW, COMMITTEE_VIEW
from plugins.mediation.settings import mediation_settings
from plugins.mediation.workflow import TIMEZONE, today

LINE = _l("People's mediation")
S = CaseStatus
# Art. 33: judicial confirmation is applied for within 30 days of the agreement.
CONFIRMATION_DAYS = 30


def working_days_after(start: date, days: int) -> date:
    """``days`` working days after ``start``; calendar days where the holiday calendar has
    no data for those years (better an approximate reminder than none)."""
    try:
        return workdays.add_working_days(start, days)
    except workdays.CalendarNotCovered:
        return start + timedelta(days=days)


def _url(case: Case) -> str:
    return url_for("mediation.case_detail", case_id=case.id)


def _label(case: Case) -> str:
    if case.number:
        return case.number
    names = "、".join(p.person.name for p in case.parties[:2])
    return _("Application %(names)s", names=names) if names else _("Application")


def _deadline(case: Case, title: str, due: date, severity: str, note: Any = "") -> Deadline:
    return Deadline(title=f"{_label(case)}：{title}", due=due, url=_url(case),
                    severity=severity, org_unit_id=case.org_unit_id, line=LINE, note=note)


def _open_cases(user: Any, edit: bool, manage: bool) -> list[Case]:
    """In one statement (plus the parties'): cases running against the mediation period,
    for ``edit``, and applications awaiting a decision, for ``manage``, each in the scope of
    its own permission."""
    wanted = []
    if edit:
        wanted.append(scope_filter(Case.org_unit_id, CASE_EDIT, user)
                      & Case.status.in_([S.ACCEPTED, S.MEDIATING]) & Case.due_on.is_not(None))
    if manage:
        wanted.append(scope_filter(Case.org_unit_id, CASE_MANAGE, user)
                      & (Case.status == S.APPLIED))
    # Parties load with the cases: an application's label names them.
    return list(db.session.scalars(
        select(Case).where(or_(*wanted)).options(selectinload(Case.parties))
        .order_by(Case.id)))


def _agreed_owing(user: Any, visit_days: int, now: date) -> list[tuple[int, int, Deadline]]:
    """Agreed cases still owing a return visit (Art. 31) or inside the judicial-confirmation
    window (Art. 33): only those are read (a county has hundreds agreed). Two statements, on
    purpose: each is an anti-join, about 1.5 ms at a county's volume, where one statement
    with the two conditions OR-ed cannot be and took 7 ms (measured at 3,000 counties)."""
    agreed = (select(Case, Agreement)
              .join(Agreement, (Agreement.tenant_id == Case.tenant_id)
                    & (Agreement.case_id == Case.id))
              .where(scope_filter(Case.org_unit_id, CASE_EDIT, user), Case.status == S.AGREED))
    not_visited = ~exists().where(ReturnVisit.tenant_id == Case.tenant_id,
                                  ReturnVisit.case_id == Case.id)
    not_applied = ~exists().where(JudicialConfirmation.tenant_id == Case.tenant_id,
                                  JudicialConfirmation.case_id == Case.id)
    found: list[tuple[int, int, Deadline]] = []
    for case, agreement in db.session.execute(agreed.where(not_visited)).all():
        due = agreement.effective_on + timedelta(days=visit_days)
        found.append((case.id, 0, _deadline(case, _("return visit due"), due,
                                            "important" if due < now else "normal")))
    window = agreed.where(Agreement.kind == AgreementKind.WRITTEN, not_applied,
                          Agreement.effective_on >= now - timedelta(days=CONFIRMATION_DAYS))
    for case, agreement in db.session.execute(window).all():
        end = agreement.effective_on + timedelta(days=CONFIRMATION_DAYS)
        found.append((case.id, 1, _deadline(
            case, _("last day to apply for judicial confirmation"), end, "normal",
            _("For information: the parties may apply jointly (Art. 33)."))))
    return sorted(found, key=lambda item: item[:2])


@hookimpl
def deadlines(tenant: Any, user: Any) -> list[Deadline]:
    if not has_permission(CASE_VIEW, user):
        return []
    settings = mediation_settings().get_all()
    now = today()
    edit, manage = has_permission(CASE_EDIT, user), has_permission(CASE_MANAGE, user)
    open_cases = _open_cases(user, edit, manage) if edit or manage else []
    items: list[Deadline] = []
    if edit:
        # 调解期限: one month from acceptance (or as extended).
        for case in open_cases:
            if case.status is not S.APPLIED:
                items.append(_deadline(case, _("mediation period ends"), case.due_on,
                                       "critical" if case.due_on < now else "important"))
        items.extend(deadline for *_order, deadline in
                     _agreed_owing(user, int(settings["visit_days"]), now))
        # Referred-in cases: report the result back to the referring organ.
        feedback_days = int(settings["feedback_days"])
        for case, transfer in db.session.execute(
                select(Case, Transfer)
                .join(Transfer, (Transfer.tenant_id == Case.tenant_id)
                      & (Transfer.case_id == Case.id))
                .where(scope_filter(Case.org_unit_id, CASE_EDIT, user),
                       Transfer.direction == TransferDirection.IN,
                       Transfer.feedback_on.is_(None), Case.closed_on.is_not(None),
                       Case.status.not_in(list(OPEN_STATUSES))).order_by(Case.id)).all():
            due = working_days_after(case.closed_on, feedback_days)
            items.append(_deadline(case, _("report the result to %(organ)s",
                                           organ=transfer.organ), due,
                                   "important" if due < now else "normal"))
    if manage:
        # Applications to accept or decline within the tenant's working days.
        acceptance_days = int(settings["acceptance_days"])
        for case in open_cases:
            if case.status is S.APPLIED:
                due = working_days_after(case.applied_on, acceptance_days)
                items.append(_deadline(case, _("decide whether to accept"), due,
                                       "critical" if due < now else "important"))
    return items


def _committee_url(mediator: Mediator) -> str | None:
    try:
        return url_for("mediation.committee_detail", committee_id=mediator.committee_id)
    except BuildError:  # the committee pages are optional for the timeline
        return None


@hookimpl
def person_records(tenant: Any, person: Any) -> list[PersonRecord]:
    records: list[PersonRecord] = []
    if has_permission(CASE_VIEW):
        rows = db.session.execute(
            select(Case, CaseParty)
            .join(CaseParty, (CaseParty.tenant_id == Case.tenant_id)
                  & (CaseParty.case_id == Case.id))
            .where(CaseParty.person_id == person.id,
                   scope_filter(Case.org_unit_id, CASE_VIEW)).order_by(Case.id)).all()
        for case, party in rows:
            records.append(PersonRecord(
                line=LINE, title=case.number or _("Mediation application"),
                date=case.accepted_on or case.applied_on, url=_url(case),
                summary=f"{party.role.label} · {case.dispute_type.name} · {case.status.label}"))
    mediators = select(Mediator).join(
        Committee, (Committee.tenant_id == Mediator.tenant_id)
        & (Committee.id == Mediator.committee_id)).where(
        Mediator.person_id == person.id, scope_filter(Committee.org_unit_id, COMMITTEE_VIEW))
    for mediator in db.session.scalars(mediators.order_by(Mediator.id)):
        summary = mediator.position.label
        if not mediator.active:
            summary = _("%(position)s (left on %(day)s)", position=summary,
                        day=mediator.left_on.isoformat())
        handled = db.session.scalar(select(func.count()).select_from(Case).where(
            Case.mediator_id == mediator.id)) or 0
        records.append(PersonRecord(
            line=LINE, title=mediator.committee.name, date=mediator.term_start,
            url=_committee_url(mediator),
            summary=_("%(summary)s · %(count)d cases as mediator", summary=summary,
                      count=handled)))
    return records


@hookimpl
def dashboard_cards(tenant: Any, user: Any) -> list[DashboardCard]:
    if not has_permission(CASE_VIEW, user):
        return []
    scope = scope_filter(Case.org_unit_id, CASE_VIEW, user)
    open_count = db.session.scalar(select(func.count()).select_from(Case).where(
        scope, Case.status.in_(list(OPEN_STATUSES)))) or 0
    overdue = db.session.scalar(select(func.count()).select_from(Case).where(
        scope, Case.status.in_([S.ACCEPTED, S.MEDIATING]), Case.due_on < today())) or 0
    return [
        DashboardCard(title=_l("Open mediation cases"), value=open_count,
                      endpoint="mediation.cases", weight=30),
        DashboardCard(title=_l("Overdue mediation cases"), value=overdue,
                      endpoint="mediation.cases", url_values={"overdue": "1"}, weight=31),
    ]


@hookimpl
def tenant_activity(tenant: Any, since: Any) -> list[ActivityCount]:
    """Counts for the parent bureaus' subordinates page: cases accepted and agreements
    reached since ``since`` (figures only)."""
    day = since.astimezone(TIMEZONE).date()
    accepted = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.accepted_on >= day)) or 0
    agreed = db.session.scalar(select(func.count()).select_from(Agreement).where(
        Agreement.effective_on >= day)) or 0
    return [ActivityCount(key="mediation.accepted", label=_l("Mediation cases accepted"),
                          value=accepted),
            ActivityCount(key="mediation.agreements", label=_l("Mediation agreements reached"),
                          value=agreed)]
