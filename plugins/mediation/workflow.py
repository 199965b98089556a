"""The case workflow of 人民调解: which status may follow which, and what each step needs.

申请 → 受理 (or 不予受理) → 调解中 → 达成协议 / 调解不成 / 终止 (Art. 17, 23) / 移送 → 归档.
回访 and 履行 (Art. 31) and 司法确认 (Art. 33) are records on an agreed case; archiving an
agreed case needs a return visit and no confirmation still before the court.

``Case.status`` calls :func:`check_transition` on every assignment, so the rules hold however
the status is set; :func:`transition` is the way to move a case (numbers, dates, history).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.sdk import db, numbering
from plugins.mediation.models.enums import (
    CaseStatus,
    ConfirmationResult,
    TransferDirection,
)

CASE_SERIES = "mediation.case"
TIMEZONE = ZoneInfo("Asia/Shanghai")

S = CaseStatus
TRANSITIONS: dict[CaseStatus | None, frozenset[CaseStatus]] = {
    # A new case starts as an application, or accepted at once (主动调解, a referral).
    None: frozenset({S.APPLIED, S.ACCEPTED}),
    S.APPLIED: frozenset({S.ACCEPTED, S.REJECTED}),
    S.ACCEPTED: frozenset({S.MEDIATING, S.TERMINATED, S.TRANSFERRED}),
    S.MEDIATING: frozenset({S.AGREED, S.FAILED, S.TERMINATED, S.TRANSFERRED}),
    S.AGREED: frozenset({S.ARCHIVED}),
    S.FAILED: frozenset({S.ARCHIVED}),
    S.TERMINATED: frozenset({S.ARCHIVED}),
    S.TRANSFERRED: frozenset({S.ARCHIVED}),
    S.REJECTED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
}


class TransitionRefused(ValueError):
    """A status change the rules refuse; the message says why, for the user."""


def today() -> date:
    return datetime.now(TIMEZONE).date()


def allowed_next(status: CaseStatus | None) -> list[CaseStatus]:
    """The statuses that may follow ``status``, in workflow order."""
    following = TRANSITIONS.get(status, frozenset())
    return [s for s in CaseStatus if s in following]


def add_one_month(day: date) -> date:
    """The same day next month, or that month's last day (31 Jan → 28/29 Feb)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _count(model: Any, case: Any, *conditions: Any) -> int:
    if case.id is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(model).where(
        model.case_id == case.id, *conditions)) or 0


def check_transition(case: Any, old: CaseStatus | None, new: CaseStatus) -> None:
    """Raise :class:`TransitionRefused` unless ``case`` may go from ``old`` to ``new`` now."""
    from plugins.mediation.models import (
        Agreement,
        CaseParty,
        JudicialConfirmation,
        MediationSession,
        ReturnVisit,
        Transfer,
    )

    old = CaseStatus(old) if old is not None else None
    if old == new:
        return
    if new not in TRANSITIONS.get(old, frozenset()):
        if old is None:
            raise TransitionRefused(_("A new case starts as applied or accepted."))
        raise TransitionRefused(_("A case that is “%(old)s” cannot become “%(new)s”.",
                                  old=old.label, new=new.label))
    if new is S.ACCEPTED:
        if case.accepted_on is None or not case.number:
            raise TransitionRefused(_("An accepted case needs its acceptance date and number."))
        if case.applied_on and case.accepted_on < case.applied_on:
            raise TransitionRefused(_("The case cannot be accepted before it was applied for."))
    elif new is S.REJECTED:
        if case.rejection_reason is None:
            raise TransitionRefused(_("Give the reason for not accepting the case."))
    elif new is S.MEDIATING:
        if case.mediator_id is None:
            raise TransitionRefused(_("Assign a mediator before mediation starts."))
    elif new is S.AGREED:
        if _count(MediationSession, case) == 0:
            raise TransitionRefused(_("Record at least one mediation session first."))
        if _count(CaseParty, case) < 2:
            raise TransitionRefused(_("An agreement needs at least two parties."))
        agreement = db.session.scalar(select(Agreement).where(Agreement.case_id == case.id))
        if agreement is None:
            raise TransitionRefused(_("Record the agreement first."))
        if agreement.missing_contents():
            raise TransitionRefused(_("The agreement lacks contents the law requires "
                                      "(Art. 28–29)."))
    elif new is S.FAILED:
        if _count(MediationSession, case) == 0:
            raise TransitionRefused(_("Record at least one mediation session first."))
        if not case.routes_explained:
            raise TransitionRefused(_("Tell the parties about arbitration, administrative and "
                                      "judicial routes first (Art. 26)."))
    elif new is S.TERMINATED:
        if case.termination_reason is None:
            raise TransitionRefused(_("Give the reason for ending the mediation."))
    elif new is S.TRANSFERRED:
        if _count(Transfer, case, Transfer.direction == TransferDirection.OUT) == 0:
            raise TransitionRefused(_("Record where the case was transferred to first."))
    elif new is S.ARCHIVED and old is S.AGREED:
        if _count(ReturnVisit, case) == 0:
            raise TransitionRefused(_("Record a return visit before archiving an agreed "
                                      "case (Art. 31)."))
        if _count(JudicialConfirmation, case,
                  JudicialConfirmation.result == ConfirmationResult.PENDING):
            raise TransitionRefused(_("The court has not yet decided on the judicial "
                                      "confirmation."))


def transition(case: Any, new: CaseStatus, *, user: Any = None, note: str = "",
               on: date | None = None, **fields: Any) -> None:
    """Move ``case`` to ``new``: set ``fields`` and the step's dates, issue the case number on
    acceptance, validate, and write the history row. Flushes; the caller commits (or rolls
    back, which also gives the number back)."""
    from plugins.mediation.models import Agreement, StatusChange

    on = on or today()
    old = case.status
    if new not in TRANSITIONS.get(old, frozenset()):
        check_transition(case, old, new)  # raises with the right message
    for name, value in fields.items():
        setattr(case, name, value)
    if new is S.ACCEPTED:
        case.accepted_on = case.accepted_on or on
        if case.applied_on and case.accepted_on < case.applied_on:
            raise TransitionRefused(_("The case cannot be accepted before it was applied for."))
        if not case.number:
            case.number = numbering.issue_number(CASE_SERIES, case.accepted_on.year)[1]
        case.due_on = case.due_on or add_one_month(case.accepted_on)
    elif new is S.AGREED:
        db.session.flush()
        agreement = db.session.scalar(select(Agreement).where(Agreement.case_id == case.id))
        case.closed_on = agreement.effective_on if agreement is not None else on
    elif new in (S.FAILED, S.TERMINATED, S.TRANSFERRED, S.REJECTED):
        case.closed_on = on
    elif new is S.ARCHIVED:
        case.archived_on = on
    if case.closed_on and case.accepted_on and case.closed_on < case.accepted_on:
        raise TransitionRefused(_("The case cannot end before it was accepted."))
    db.session.flush()
    case.status = new
    db.session.add(StatusChange(case_id=case.id, from_status=old, to_status=new,
                                user_id=getattr(user, "id", None), note=note[:500]))
    db.session.flush()


def open_case(status: CaseStatus, *, user: Any = None, note: str = "", **fields: Any) -> Any:
    """Create a case as an application (``APPLIED``) or accepted at once (``ACCEPTED``: 主动
    调解 or a referral), numbering it and writing its first history row. Flushes."""
    from plugins.mediation.models import Case, StatusChange

    if status not in TRANSITIONS[None]:
        raise TransitionRefused(_("A new case starts as applied or accepted."))
    case = Case(created_by_id=getattr(user, "id", None), **fields)
    case.applied_on = case.applied_on or today()
    if status is S.ACCEPTED:
        case.accepted_on = case.accepted_on or case.applied_on
        if case.accepted_on < case.applied_on:
            raise TransitionRefused(_("The case cannot be accepted before it was applied for."))
        case.number = numbering.issue_number(CASE_SERIES, case.accepted_on.year)[1]
        case.due_on = add_one_month(case.accepted_on)
    case.status = status
    db.session.add(case)
    db.session.flush()
    db.session.add(StatusChange(case_id=case.id, from_status=None, to_status=status,
                                user_id=getattr(user, "id", None), note=note[:500]))
    db.session.flush()
    return case
