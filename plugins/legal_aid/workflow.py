"""The case workflow of 法律援助: which status may follow which, and what each step needs.

申请 → 审查 (材料不齐 → 一次性告知 → 补正, or 视为撤回) → 给予 / 不予 (异议: the bureau
upholds or orders a correction, Art. 49) → 指派 → 委托协议 → 办理 → 终止 (Art. 48) or
办理结束 → 结案材料 → 结案审查 (grade, subsidy) → 归档.
A notice from a court, procuratorate or police (通知辩护/代理, Art. 25, 28, 36) starts a
case at 给予: there is no application to decide, only a lawyer to assign within 3 days.

``AidCase.status`` calls :func:`check_transition` on every assignment, so the rules hold
however the status is set; :func:`transition` is the way to move a case (numbers, history).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.sdk import db, numbering
from plugins.legal_aid.eligibility import Route
from plugins.legal_aid.models.enums import CaseStatus, MaterialStatus

CASE_SERIES = "legal_aid.case"  # 案号, on grant
DECISION_SERIES = "legal_aid.decision"  # 给予/不予法律援助决定书
ASSIGNMENT_SERIES = "legal_aid.assignment"  # 指派通知书
TERMINATION_SERIES = "legal_aid.termination"  # 终止法律援助决定书
TIMEZONE = ZoneInfo("Asia/Shanghai")

S = CaseStatus
TRANSITIONS: dict[CaseStatus | None, frozenset[CaseStatus]] = {
    None: frozenset({S.RECEIVED, S.GRANTED}),
    S.RECEIVED: frozenset({S.INCOMPLETE, S.GRANTED, S.REFUSED, S.WITHDRAWN}),
    S.INCOMPLETE: frozenset({S.RECEIVED, S.WITHDRAWN}),
    # An objection the bureau decides against the centre (责令改正) leads to a grant.
    S.REFUSED: frozenset({S.GRANTED, S.ARCHIVED}),
    S.GRANTED: frozenset({S.ASSIGNED, S.TERMINATED}),
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.TERMINATED}),
    S.IN_PROGRESS: frozenset({S.ENDED, S.TERMINATED}),
    S.ENDED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset({S.ARCHIVED}),
    # A termination the bureau orders corrected: the case is assigned again.
    S.TERMINATED: frozenset({S.GRANTED, S.ARCHIVED}),
    S.WITHDRAWN: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset(),
}


class TransitionRefused(ValueError):
    """A status change the rules refuse; the message says why, for the user."""


def today() -> date:
    return datetime.now(TIMEZONE).date()


def allowed_next(status: CaseStatus | None) -> list[CaseStatus]:
    following = TRANSITIONS.get(status, frozenset())
    return [s for s in CaseStatus if s in following]


def missing_materials(case: Any) -> int:
    from plugins.legal_aid.models import Material

    if case.id is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(Material).where(
        Material.case_id == case.id, Material.status == MaterialStatus.MISSING)) or 0


def check_transition(case: Any, old: CaseStatus | None, new: CaseStatus) -> None:
    """Raise :class:`TransitionRefused` unless ``case`` may go from ``old`` to ``new`` now."""
    old = CaseStatus(old) if old is not None else None
    if old == new:
        return
    if new not in TRANSITIONS.get(old, frozenset()):
        if old is None:
            raise TransitionRefused(_("A new case starts as an application under review, or "
                                      "granted on a notice."))
        raise TransitionRefused(_("A case that is “%(old)s” cannot become “%(new)s”.",
                                  old=old.label, new=new.label))
    if new is S.INCOMPLETE:
        if case.incomplete_notice_on is None or missing_materials(case) == 0:
            raise TransitionRefused(_("List every missing material in one notice first."))
    elif new is S.RECEIVED and old is S.INCOMPLETE:
        if missing_materials(case):
            raise TransitionRefused(_("Some listed materials are still missing."))
        if case.supplement_received_on is None:
            raise TransitionRefused(_("Record when the missing materials came in."))
    elif new is S.WITHDRAWN:
        if case.withdrawn_on is None:
            raise TransitionRefused(_("Record the date of the withdrawal."))
    elif new is S.GRANTED:
        if not case.number:
            raise TransitionRefused(_("A granted case needs its number."))
        if old is None:
            if case.route is not Route.NOTIFIED or case.notice_received_on is None:
                raise TransitionRefused(_("Only a notice from a court, procuratorate or police "
                                          "starts a case without a decision."))
        elif old is S.RECEIVED:
            if case.decided_on is None or case.granted is not True:
                raise TransitionRefused(_("Record the decision to grant legal aid first."))
            if case.decided_on < case.received_on:
                raise TransitionRefused(_("The decision cannot precede the application."))
        elif case.objection_result is None or case.objection_result.value != "corrected":
            raise TransitionRefused(_("Only the bureau's order to correct the decision "
                                      "reopens the case."))
    elif new is S.REFUSED:
        if case.decided_on is None or case.granted is not False:
            raise TransitionRefused(_("Record the decision not to grant legal aid first."))
        if not (case.decision_reason or "").strip():
            raise TransitionRefused(_("A refusal must give its reasons."))
        if case.decided_on < case.received_on:
            raise TransitionRefused(_("The decision cannot precede the application."))
    elif new is S.ASSIGNED:
        if case.provider_id is None or case.assigned_on is None:
            raise TransitionRefused(_("Choose the legal aid provider and the assignment date."))
    elif new is S.IN_PROGRESS:
        if case.agreement_signed_on is None:
            raise TransitionRefused(_("Record when the legal aid agreement was signed."))
        if case.assigned_on and case.agreement_signed_on < case.assigned_on:
            raise TransitionRefused(_("The agreement cannot precede the assignment."))
    elif new is S.TERMINATED:
        if case.termination_ground is None or case.terminated_on is None:
            raise TransitionRefused(_("Give the ground (Art. 48) and date of the termination."))
        if not (case.termination_reason or "").strip():
            raise TransitionRefused(_("A termination must give its reasons."))
    elif new is S.ENDED:
        if case.ended_on is None or case.result is None:
            raise TransitionRefused(_("Record when and how the matter ended."))
        if case.agreement_signed_on and case.ended_on < case.agreement_signed_on:
            raise TransitionRefused(_("The matter cannot end before the agreement."))
    elif new is S.CLOSED:
        if case.materials_submitted_on is None:
            raise TransitionRefused(_("Record when the closure materials were submitted."))
        if case.reviewed_on is None or case.review_grade is None:
            raise TransitionRefused(_("Review the closure materials and grade the case."))
        if case.subsidy_amount is None:
            raise TransitionRefused(_("Set the subsidy."))
    elif new is S.ARCHIVED and case.archived_on is None:
        raise TransitionRefused(_("Record the archive date."))


def _issue(series: str, on: date) -> str:
    return numbering.issue_number(series, on.year)[1]


def transition(case: Any, new: CaseStatus, *, user: Any = None, note: str = "",
               on: date | None = None, **fields: Any) -> None:
    """Move ``case`` to ``new``: set ``fields``, issue the numbers the step needs, validate
    and write the history row. Flushes; the caller commits (or rolls back, which also gives
    the numbers back)."""
    from plugins.legal_aid.models import AidStatusChange

    on = on or today()
    old = case.status
    if new not in TRANSITIONS.get(old, frozenset()):
        check_transition(case, old, new)  # raises with the right message
    for name, value in fields.items():
        setattr(case, name, value)
    if new is S.GRANTED:
        if old is S.RECEIVED or (old is not None and case.granted is not True):
            case.decided_on = case.decided_on or on
            case.granted = True
        if case.decided_on and not case.decision_number:
            case.decision_number = _issue(DECISION_SERIES, case.decided_on)
        if not case.number:
            case.number = _issue(CASE_SERIES, case.decided_on or on)
        if old in (S.REFUSED, S.TERMINATED):
            # Reassignment follows; the previous assignee (if any) no longer holds it.
            case.provider_id = None
            case.assigned_on = None
            case.agreement_signed_on = None
    elif new is S.REFUSED:
        case.decided_on = case.decided_on or on
        if not case.decision_number:
            case.decision_number = _issue(DECISION_SERIES, case.decided_on)
    elif new is S.TERMINATED:
        case.terminated_on = case.terminated_on or on
        if not case.termination_number:
            case.termination_number = _issue(TERMINATION_SERIES, case.terminated_on)
    elif new is S.ASSIGNED:
        case.assigned_on = case.assigned_on or on
        if not case.assignment_number:
            case.assignment_number = _issue(ASSIGNMENT_SERIES, case.assigned_on)
    elif new is S.WITHDRAWN:
        case.withdrawn_on = case.withdrawn_on or on
    elif new is S.ARCHIVED:
        case.archived_on = case.archived_on or on
    db.session.flush()
    case.status = new
    db.session.add(AidStatusChange(case_id=case.id, from_status=old, to_status=new,
                                user_id=getattr(user, "id", None), note=note[:500]))
    db.session.flush()


def open_case(*, user: Any = None, note: str = "", **fields: Any) -> Any:
    """Create a case: an application (under review) or, for a notice (``route=NOTIFIED``),
    granted at once with its number. Flushes."""
    from plugins.legal_aid.models import AidCase, AidStatusChange

    case = AidCase(created_by_id=getattr(user, "id", None), **fields)
    case.received_on = case.received_on or today()
    if case.route is Route.NOTIFIED:
        case.notice_received_on = case.notice_received_on or case.received_on
        case.number = _issue(CASE_SERIES, case.notice_received_on)
        status = S.GRANTED
    else:
        status = S.RECEIVED
    case.status = status
    db.session.add(case)
    db.session.flush()
    db.session.add(AidStatusChange(case_id=case.id, from_status=None, to_status=status,
                                user_id=getattr(user, "id", None), note=note[:500]))
    db.session.flush()
    return case
