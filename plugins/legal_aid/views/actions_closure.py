"""Handling and closure steps of a case: progress notes (办案记录), the end of the matter
(办理结束, with the closing report), the closure materials (结案材料), the closure review
(结案审查: grade and subsidy) and the archive (归档).

The assignee lawyer records notes, the end and the materials on their own case
(``CASE_HANDLE``); the director reviews and archives (``CASE_REVIEW``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.sdk import db
from plugins.legal_aid import subsidies
from plugins.legal_aid.forms.closure import (
    ArchiveForm,
    EndForm,
    MaterialsForm,
    NoteForm,
    ReviewForm,
)
from plugins.legal_aid.models import AidCase, ProgressNote
from plugins.legal_aid.models.enums import CaseResult, CaseStatus, NoteKind, ReviewGrade
from plugins.legal_aid.permissions import CASE_HANDLE, CASE_REVIEW
from plugins.legal_aid.views.actions import Refused, action
from plugins.legal_aid.workflow import transition

S = CaseStatus
ARCHIVABLE = frozenset({S.CLOSED, S.REFUSED, S.WITHDRAWN, S.TERMINATED})


def _user() -> Any:
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _not_before(day: date, earliest: date | None, field: str, message: Any) -> None:
    if earliest is not None and day < earliest:
        raise Refused(message, field)


@action("note", NoteForm, CASE_HANDLE, _l("Record work on the case"), _l("Save the record"),
        offered=lambda case: case.status in (S.ASSIGNED, S.IN_PROGRESS),
        today_defaults=("noted_on",), order=60)
def note(case: AidCase, form: NoteForm) -> str:
    _not_before(form.noted_on.data, case.assigned_on, "noted_on",
                _("The record cannot precede the assignment (%(day)s).",
                  day=case.assigned_on.isoformat() if case.assigned_on else ""))
    db.session.add(ProgressNote(case_id=case.id, noted_on=form.noted_on.data,
                                kind=NoteKind(form.kind.data),
                                content=form.content.data.strip(),
                                user_id=getattr(_user(), "id", None)))
    db.session.flush()
    return _("The record was saved.")


@action("end", EndForm, CASE_HANDLE, _l("The matter ended"), _l("Record the end"),
        offered=lambda case: case.status is S.IN_PROGRESS, today_defaults=("ended_on",),
        order=70)
def end(case: AidCase, form: EndForm) -> str:
    _not_before(form.ended_on.data, case.agreement_signed_on, "ended_on",
                _("The matter cannot end before the agreement was signed (%(day)s).",
                  day=case.agreement_signed_on.isoformat() if case.agreement_signed_on
                  else ""))
    transition(case, S.ENDED, user=_user(), on=form.ended_on.data,
               ended_on=form.ended_on.data, result=CaseResult(form.result.data),
               result_summary=form.result_summary.data.strip(),
               amount_recovered=form.amount_recovered.data)
    return _("The end of the matter was recorded; the closure materials are due next.")


@action("materials", MaterialsForm, CASE_HANDLE, _l("Closure materials submitted"),
        _l("Record the submission"),
        offered=lambda case: case.status is S.ENDED and case.materials_submitted_on is None,
        today_defaults=("materials_submitted_on",), order=71)
def materials(case: AidCase, form: MaterialsForm) -> str:
    day = form.materials_submitted_on.data
    _not_before(day, case.ended_on, "materials_submitted_on",
                _("The materials cannot precede the end of the matter (%(day)s).",
                  day=case.ended_on.isoformat() if case.ended_on else ""))
    case.materials_submitted_on = day
    db.session.flush()
    return _("The closure materials were recorded; the closure review is next.")


def _prepare_review(case: AidCase, form: ReviewForm, bound: bool) -> None:
    # The intro template shows what each grade pays with the tenant's current rates.
    rates = subsidies.current_rates()
    form.rates = rates
    form.grade_table = subsidies.grade_table(case.category, rates)
    form.base = rates.rate(case.category)


@action("review", ReviewForm, CASE_REVIEW, _l("Closure review and subsidy"),
        _l("Close the case"),
        offered=lambda case: case.status is S.ENDED and case.materials_submitted_on is not None,
        prepare=_prepare_review, intro_template="legal_aid/cases/_review_intro.html",
        today_defaults=("reviewed_on",), order=72)
def review(case: AidCase, form: ReviewForm) -> str:
    day = form.reviewed_on.data
    _not_before(day, case.materials_submitted_on, "reviewed_on",
                _("The review cannot precede the materials (%(day)s).",
                  day=case.materials_submitted_on.isoformat()
                  if case.materials_submitted_on else ""))
    grade = ReviewGrade(form.review_grade.data)
    paid = subsidies.compute(case.category, grade, form.subsidy_extra.data, form.rates)
    transition(case, S.CLOSED, user=_user(), on=day, reviewed_on=day, review_grade=grade,
               review_note=(form.review_note.data or "").strip(), subsidy_base=paid.base,
               subsidy_extra=paid.extra, subsidy_amount=paid.amount)
    return _("The case was closed; subsidy %(amount)s yuan.", amount=f"{paid.amount:,.2f}")


def _last_date(case: AidCase) -> date | None:
    days = [d for d in (case.reviewed_on, case.decided_on, case.terminated_on,
                        case.withdrawn_on, case.objection_decided_on) if d is not None]
    return max(days) if days else None


@action("archive", ArchiveForm, CASE_REVIEW, _l("Archive the file"), _l("Archive"),
        offered=lambda case: case.status in ARCHIVABLE, today_defaults=("archived_on",),
        order=99)
def archive(case: AidCase, form: ArchiveForm) -> str:
    last = _last_date(case)
    _not_before(form.archived_on.data, last, "archived_on",
                _("The file cannot be archived before its last step (%(day)s).",
                  day=last.isoformat() if last else ""))
    transition(case, S.ARCHIVED, user=_user(), on=form.archived_on.data,
               archived_on=form.archived_on.data,
               archive_number=form.archive_number.data.strip())
    return _("The file was archived.")
