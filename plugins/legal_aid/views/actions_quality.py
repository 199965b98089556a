"""Quality records on a case (seed 002's 1122 mechanism and checks) and complaints.

1122: the recipient and the assignee are put in touch twice (对接) and the recipient
chooses or confirms the assignee twice (选择); the centre calls the recipient back (回访)
and observes hearings, reviews files and key cases with a score. Complaints (投诉, Art. 56)
are received and then found substantiated or not, with the action taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from core.sdk import db
from plugins.legal_aid.forms.closure import options
from plugins.legal_aid.forms.quality import (
    ChoiceForm,
    ComplaintForm,
    ComplaintResultForm,
    ContactForm,
    FollowUpForm,
    ScoreForm,
)
from plugins.legal_aid.models import AidCase, Assignment, Complaint, QualityCheck
from plugins.legal_aid.models.enums import (
    CaseStatus,
    ComplaintStatus,
    QualityKind,
    Satisfaction,
)
from plugins.legal_aid.permissions import QUALITY_EDIT
from plugins.legal_aid.views import bp
from plugins.legal_aid.views.actions import Refused, action

S = CaseStatus
ROUNDS = 2  # 1122: two contacts, two choices
# The 1122 records happen while the assignee works on the case.
WORKING = frozenset({S.ASSIGNED, S.IN_PROGRESS, S.ENDED})
AFTER_ASSIGNMENT = WORKING | {S.CLOSED, S.ARCHIVED, S.TERMINATED}
SCORED = {"hearing": QualityKind.HEARING, "file_review": QualityKind.FILE_REVIEW,
          "key_review": QualityKind.KEY_REVIEW}


def _user_id() -> int | None:
    return getattr(current_user, "id", None) if getattr(current_user, "is_authenticated",
                                                         False) else None


def recorded(case: AidCase, kind: QualityKind) -> int:
    """Rounds of ``kind`` in the database now (a write checks this, not the page's copy)."""
    return db.session.scalar(select(func.count()).select_from(QualityCheck).where(
        QualityCheck.case_id == case.id, QualityCheck.kind == kind)) or 0


_QUALITY_ROWS = "_legal_aid_quality_rows"


def _quality_rows(case: AidCase) -> tuple[list[QualityCheck], list[Complaint]]:
    """The case's 1122 records and complaints, read once per request for the case page (its
    panel and which actions it offers); a write in the request drops the copy."""
    memo = g.setdefault(_QUALITY_ROWS, {})
    if case.id not in memo:
        checks = list(db.session.scalars(select(QualityCheck).where(
            QualityCheck.case_id == case.id).order_by(QualityCheck.checked_on, QualityCheck.id)))
        complaints = list(db.session.scalars(select(Complaint).where(
            Complaint.case_id == case.id).order_by(Complaint.received_on, Complaint.id)))
        memo[case.id] = (checks, complaints)
    return memo[case.id]


def _forget_quality_rows() -> None:
    g.pop(_QUALITY_ROWS, None)


def shown(case: AidCase, kind: QualityKind) -> int:
    """Rounds of ``kind`` as the case page shows them."""
    return sum(1 for check in _quality_rows(case)[0] if check.kind is kind)


def was_assigned(case: AidCase) -> bool:
    if case.status not in AFTER_ASSIGNMENT:
        return False
    return case.assigned_on is not None or db.session.scalar(
        select(Assignment.id).where(Assignment.case_id == case.id).limit(1)) is not None


def first_assigned(case: AidCase) -> date | None:
    return db.session.scalar(select(func.min(Assignment.assigned_on)).where(
        Assignment.case_id == case.id)) or case.assigned_on


def _check_after_assignment(case: AidCase, day: date, field: str) -> None:
    start = first_assigned(case)
    if start is not None and day < start:
        raise Refused(_("The date cannot precede the assignment (%(day)s).",
                        day=start.isoformat()), field)


def open_complaints(case: AidCase) -> list[Complaint]:
    return [c for c in _quality_rows(case)[1] if c.status is ComplaintStatus.OPEN]


def _add_round(case: AidCase, kind: QualityKind, form: Any, **fields: Any) -> int:
    count = recorded(case, kind)
    if count >= ROUNDS:  # a second post of the same form, or two users at once
        raise Refused(_("Both have already been recorded."))
    _check_after_assignment(case, form.checked_on.data, "checked_on")
    db.session.add(QualityCheck(case_id=case.id, kind=kind, checked_on=form.checked_on.data,
                                round=count + 1, content=(form.content.data or "").strip(),
                                user_id=_user_id(), **fields))
    db.session.flush()
    _forget_quality_rows()
    return count + 1


@action("contact", ContactForm, QUALITY_EDIT, _l("1122: contact between recipient and "
                                                 "assignee"), _l("Record the contact"),
        offered=lambda case: case.status in WORKING
        and shown(case, QualityKind.CONTACT) < ROUNDS,
        today_defaults=("checked_on",), order=62)
def contact(case: AidCase, form: ContactForm) -> str:
    number = _add_round(case, QualityKind.CONTACT, form)
    return _("Contact %(n)d of 2 was recorded.", n=number)


def _prepare_choice(case: AidCase, form: ChoiceForm, bound: bool) -> None:
    if not bound and not form.subject.data and case.provider is not None:
        form.subject.data = case.provider.name


@action("choice", ChoiceForm, QUALITY_EDIT, _l("1122: recipient's choice of assignee"),
        _l("Record the choice"),
        offered=lambda case: case.status in WORKING
        and shown(case, QualityKind.CHOICE) < ROUNDS,
        prepare=_prepare_choice, today_defaults=("checked_on",), order=63)
def choice(case: AidCase, form: ChoiceForm) -> str:
    number = _add_round(case, QualityKind.CHOICE, form, subject=form.subject.data.strip())
    return _("Choice %(n)d of 2 was recorded.", n=number)


@action("follow_up", FollowUpForm, QUALITY_EDIT, _l("Follow-up call to the recipient"),
        _l("Record the call"), offered=was_assigned, today_defaults=("checked_on",),
        order=64)
def follow_up(case: AidCase, form: FollowUpForm) -> str:
    _check_after_assignment(case, form.checked_on.data, "checked_on")
    db.session.add(QualityCheck(
        case_id=case.id, kind=QualityKind.FOLLOW_UP, checked_on=form.checked_on.data,
        subject=form.subject.data.strip(), satisfaction=Satisfaction(form.satisfaction.data),
        content=(form.content.data or "").strip(), user_id=_user_id()))
    db.session.flush()
    _forget_quality_rows()
    return _("The follow-up call was recorded.")


def _scored(name: str, title: Any, order: int) -> None:
    kind = SCORED[name]

    @action(name, ScoreForm, QUALITY_EDIT, title, _l("Record the score"),
            offered=was_assigned, today_defaults=("checked_on",), order=order)
    def handler(case: AidCase, form: ScoreForm) -> str:
        _check_after_assignment(case, form.checked_on.data, "checked_on")
        db.session.add(QualityCheck(
            case_id=case.id, kind=kind, checked_on=form.checked_on.data,
            score=form.score.data, checker=form.checker.data.strip(),
            content=(form.content.data or "").strip(), user_id=_user_id()))
        db.session.flush()
        _forget_quality_rows()
        return _("%(kind)s: score %(score)d recorded.", kind=kind.label,
                 score=form.score.data)


_scored("hearing", _l("Court hearing observed (scored)"), 65)
_scored("file_review", _l("File review (scored)"), 66)
_scored("key_review", _l("Key case review (scored)"), 67)


@action("complaint", ComplaintForm, QUALITY_EDIT, _l("Complaint received"),
        _l("Record the complaint"), offered=lambda case: True,
        today_defaults=("received_on",), order=68)
def complaint(case: AidCase, form: ComplaintForm) -> str:
    if form.received_on.data < case.received_on:
        raise Refused(_("The complaint cannot precede the case (%(day)s).",
                        day=case.received_on.isoformat()), "received_on")
    db.session.add(Complaint(case_id=case.id, received_on=form.received_on.data,
                             complainant=form.complainant.data.strip(),
                             content=form.content.data.strip(), status=ComplaintStatus.OPEN))
    db.session.flush()
    _forget_quality_rows()
    return _("The complaint was recorded; record its finding when it is handled.")


def _prepare_result(case: AidCase, form: ComplaintResultForm, bound: bool) -> None:
    form.complaint.choices = options(
        (str(c.id), f"{c.received_on.isoformat()} · {c.complainant} · {c.content[:40]}")
        for c in open_complaints(case))


@action("complaint_result", ComplaintResultForm, QUALITY_EDIT, _l("Complaint handled"),
        _l("Record the finding"), offered=lambda case: bool(open_complaints(case)),
        prepare=_prepare_result, today_defaults=("handled_on",), order=69)
def complaint_result(case: AidCase, form: ComplaintResultForm) -> str:
    # Only this case's open complaints are choices, so another id fails validation.
    found = db.session.scalar(select(Complaint).where(
        Complaint.case_id == case.id, Complaint.id == int(form.complaint.data),
        Complaint.status == ComplaintStatus.OPEN))
    if found is None:
        raise Refused(_("That complaint is no longer open."), "complaint")
    if form.handled_on.data < found.received_on:
        raise Refused(_("It cannot be handled before it was received (%(day)s).",
                        day=found.received_on.isoformat()), "handled_on")
    found.status = ComplaintStatus(form.status.data)
    found.handled_on = form.handled_on.data
    found.action = form.action.data.strip()
    db.session.flush()
    _forget_quality_rows()
    return _("The complaint's finding was recorded.")


# --- the case page's 1122 panel ------------------------------------------------------------


@dataclass
class QualityPanel:
    contacts: list[QualityCheck]
    choices: list[QualityCheck]
    follow_ups: list[QualityCheck]
    scores: list[QualityCheck]
    complaints: list[Complaint]
    closed: bool  # the case is past its work: missing 1122 records are a gap now

    @property
    def empty(self) -> bool:
        return not (self.contacts or self.choices or self.follow_ups or self.scores
                    or self.complaints)


def quality_panel(case: AidCase) -> QualityPanel:
    checks, complaints = _quality_rows(case)
    return QualityPanel(
        contacts=[c for c in checks if c.kind is QualityKind.CONTACT],
        choices=[c for c in checks if c.kind is QualityKind.CHOICE],
        follow_ups=[c for c in checks if c.kind is QualityKind.FOLLOW_UP],
        scores=[c for c in checks if c.kind.scored], complaints=complaints,
        closed=case.status is S.CLOSED
        or (case.status is S.ARCHIVED and case.reviewed_on is not None))


bp.add_app_template_global(quality_panel, "legal_aid_quality_panel")
bp.add_app_template_global(was_assigned, "legal_aid_was_assigned")
