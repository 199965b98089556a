"""The workflow actions posted from a case's page: accept, mediate, agree, visit, archive…

Each action is a small form on the case page. A post checks the user's permission over the
case's org unit and that the action is offered in the case's status; a step the workflow
refuses (``TransitionRefused``) is rolled back and the page shows why, with the input kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms.fields import SelectChoice

from core.sdk import db, require_permission
from plugins.mediation.codes import active_dispute_types
from plugins.mediation.forms.cases import (
    AcceptForm,
    AgreementForm,
    ArchiveForm,
    ConfirmationForm,
    ConfirmationResultForm,
    ConfirmForm,
    EditCaseForm,
    ExtendForm,
    FailForm,
    FeedbackForm,
    RejectForm,
    SessionForm,
    StartForm,
    TerminateForm,
    TransferForm,
    VisitForm,
    options,
)
from plugins.mediation.models import (
    Agreement,
    Case,
    JudicialConfirmation,
    MediationSession,
    ReturnVisit,
    Transfer,
)
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseStatus,
    ConfirmationResult,
    Counterpart,
    Performance,
    RejectionReason,
    Satisfaction,
    TerminationReason,
    TransferDirection,
    VisitMethod,
)
from plugins.mediation.permissions import CASE_EDIT, CASE_MANAGE, CASE_VIEW
from plugins.mediation.views import bp
from plugins.mediation.views.cases import (
    available_actions,
    can,
    case_or_404,
    committee_mediators,
    in_transfer,
    place_choices,
    render_case,
    valid_place,
)
from plugins.mediation.workflow import TIMEZONE, TransitionRefused, today, transition

S = CaseStatus
TODAY_DEFAULTS = {"accepted_on", "decided_on", "closed_on", "transferred_on", "visited_on",
                  "applied_on", "feedback_on", "archived_on"}
# Art. 33: the parties apply for judicial confirmation within 30 days of the agreement's
# taking effect.
CONFIRMATION_DAYS = 30


class Refused(Exception):
    """An action's own check failed: ``field`` (or the form) gets ``message``."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message, self.field = message, field


@dataclass(frozen=True)
class Action:
    form: type[FlaskForm]
    permission: str
    title: Any
    button: Any


ACTIONS: dict[str, Action] = {
    "accept": Action(AcceptForm, CASE_MANAGE, _l("Accept the case"), _l("Accept")),
    "reject": Action(RejectForm, CASE_MANAGE, _l("Do not accept"), _l("Do not accept")),
    "start": Action(StartForm, CASE_EDIT, _l("Start mediation"), _l("Start mediation")),
    "session": Action(SessionForm, CASE_EDIT, _l("Record a mediation session"),
                      _l("Save the session")),
    "agreement": Action(AgreementForm, CASE_EDIT, _l("Record the agreement"),
                        _l("Save the agreement")),
    "agreed": Action(ConfirmForm, CASE_EDIT, _l("Mark as agreed"), _l("Mark as agreed")),
    "failed": Action(FailForm, CASE_EDIT, _l("Mediation failed"), _l("Close without agreement")),
    "terminate": Action(TerminateForm, CASE_MANAGE, _l("End the mediation"),
                        _l("End the mediation")),
    "transfer": Action(TransferForm, CASE_MANAGE, _l("Transfer the case"), _l("Transfer")),
    "extend": Action(ExtendForm, CASE_MANAGE, _l("Extend the due date"), _l("Extend")),
    "visit": Action(VisitForm, CASE_EDIT, _l("Record a return visit"), _l("Save the visit")),
    "confirmation": Action(ConfirmationForm, CASE_EDIT, _l("Judicial confirmation applied for"),
                           _l("Save the application")),
    "confirmation_result": Action(ConfirmationResultForm, CASE_EDIT,
                                  _l("The court's decision on confirmation"),
                                  _l("Save the decision")),
    "feedback": Action(FeedbackForm, CASE_EDIT, _l("Result reported to the referring organ"),
                       _l("Save")),
    "edit": Action(EditCaseForm, CASE_EDIT, _l("Edit the case details"), _l("Save changes")),
    "archive": Action(ArchiveForm, CASE_MANAGE, _l("Archive the case"), _l("Archive")),
}


# --- forms -------------------------------------------------------------------------------


def _mediator_choices(case: Case, blank: bool) -> list[SelectChoice]:
    choices = [(m.id, f"{m.name}（{m.position.label}）") for m in committee_mediators(case)]
    return options(([("", "—")] if blank else [(0, "—")]) + choices)


def make_form(case: Case, name: str, bound: bool) -> FlaskForm:
    """The action's form with its choices, read from the request or blank with defaults."""
    cls = ACTIONS[name].form
    kwargs: dict[str, Any] = {"prefix": name}
    if not bound:
        kwargs["formdata"] = None
        if name == "edit":
            kwargs["obj"] = case
        elif name == "agreement" and case.agreement is not None:
            kwargs["obj"] = case.agreement
    form = cls(**kwargs)
    if not bound:
        # Dates default to today on a blank form only: a post must say its dates.
        for field in form:
            if field.type == "DateField" and field.data is None and field.name.split(
                    "-", 1)[-1] in TODAY_DEFAULTS:
                field.data = today()
    if name == "accept":
        form.mediator_id.choices = _mediator_choices(case, blank=True)
        if not bound and case.mediator_id:
            form.mediator_id.data = str(case.mediator_id)
    elif name == "start":
        form.mediator_id.choices = _mediator_choices(case, blank=False)
        if not bound:
            form.mediator_id.data = case.mediator_id or 0
            form.co_mediators.data = case.co_mediators
    elif name == "edit":
        types = [(0, "—")] + [(t.id, t.name) for t in active_dispute_types()]
        if case.dispute_type_id not in {value for value, _label in types}:
            types.append((case.dispute_type_id, case.dispute_type.name))
        form.dispute_type_id.choices = options(types)
        form.place_id.choices = place_choices()
        if not bound:
            form.place_id.data = str(case.place_id or "")
            form.difficulty.data = case.difficulty.value
    elif name == "session" and not bound:
        form.mediators.data = case.mediator.name if case.mediator else ""
        form.attendees.data = "、".join(p.person.name for p in case.parties)
    elif name == "agreement" and not bound and case.agreement is not None:
        form.kind.data = case.agreement.kind.value
    elif name == "confirmation_result" and not bound:
        pending = [c for c in case.confirmations if c.result is ConfirmationResult.PENDING]
        form.confirmation_id.data = str(pending[0].id) if pending else ""
    elif name == "extend" and not bound and case.due_on:
        form.due_on.data = case.due_on + timedelta(days=15)
    return form


def blank_forms(case: Case, actions: list[str]) -> dict[str, FlaskForm]:
    return {name: make_form(case, name, bound=False) for name in actions}


# --- handlers: each changes the session (no commit) and returns the success message -------


def _text(value: Any) -> str:
    return (value or "").strip()


def _not_before(day: date | None, limit: date | None, field: str, message: Any) -> None:
    if day and limit and day < limit:
        raise Refused(message, field)


def _accept(case: Case, form: AcceptForm) -> str:
    mediator = _int(form.mediator_id.data)
    if form.mediator_id.data and mediator not in {m.id for m in committee_mediators(case)}:
        raise Refused(_("Choose a mediator of the case's committee."), "mediator_id")
    fields: dict[str, Any] = {"accepted_on": form.accepted_on.data}
    if mediator:
        fields["mediator_id"] = mediator
    transition(case, S.ACCEPTED, user=current_user, note=_text(form.note.data),
               on=form.accepted_on.data, **fields)
    return _("Case accepted: %(number)s.", number=case.number)


def _reject(case: Case, form: RejectForm) -> str:
    _not_before(form.decided_on.data, case.applied_on, "decided_on",
                _("The decision cannot be before the application."))
    transition(case, S.REJECTED, user=current_user, note=_text(form.note.data),
               on=form.decided_on.data,
               rejection_reason=RejectionReason(form.rejection_reason.data),
               closing_note=_text(form.note.data))
    return _("The application was not accepted.")


def _start(case: Case, form: StartForm) -> str:
    if form.mediator_id.data not in {m.id for m in committee_mediators(case)}:
        raise Refused(_("Choose a mediator of the case's committee."), "mediator_id")
    transition(case, S.MEDIATING, user=current_user, mediator_id=form.mediator_id.data,
               co_mediators=_text(form.co_mediators.data))
    return _("Mediation started.")


def _session(case: Case, form: SessionForm) -> str:
    held = form.held_at.data.replace(tzinfo=TIMEZONE)
    _not_before(held.date(), case.accepted_on, "held_at",
                _("A session cannot be held before the case was accepted."))
    if held.date() > today():
        raise Refused(_("The date cannot be in the future."), "held_at")
    seq = (db.session.scalar(select(func.max(MediationSession.seq)).where(
        MediationSession.case_id == case.id)) or 0) + 1
    db.session.add(MediationSession(
        case_id=case.id, seq=seq, held_at=held, location=_text(form.location.data),
        mediators=_text(form.mediators.data), attendees=_text(form.attendees.data),
        recorder=_text(form.recorder.data), rights_explained=form.rights_explained.data,
        record=form.record.data.strip(), outcome=_text(form.outcome.data)))
    db.session.flush()
    return _("Session %(seq)d recorded.", seq=seq)


def _agreement(case: Case, form: AgreementForm) -> str:
    _not_before(form.effective_on.data, case.accepted_on, "effective_on",
                _("The agreement cannot take effect before the case was accepted."))
    agreement = case.agreement or Agreement(case_id=case.id)
    agreement.kind = AgreementKind(form.kind.data)
    agreement.effective_on = form.effective_on.data
    for name in ("facts", "liabilities", "terms", "performance_method"):
        setattr(agreement, name, _text(getattr(form, name).data))
    agreement.performance_due = form.performance_due.data
    agreement.amount = form.amount.data
    agreement.copies = form.copies.data
    db.session.add(agreement)
    db.session.flush()
    return _("Agreement saved. Mark the case as agreed when it is signed.")


def _agreed(case: Case, form: ConfirmForm) -> str:
    transition(case, S.AGREED, user=current_user)
    return _("The case is closed with an agreement.")


def _failed(case: Case, form: FailForm) -> str:
    transition(case, S.FAILED, user=current_user, note=_text(form.note.data),
               on=form.closed_on.data, routes_explained=True,
               closing_note=_text(form.note.data))
    return _("The case is closed without agreement.")


def _terminate(case: Case, form: TerminateForm) -> str:
    transition(case, S.TERMINATED, user=current_user, note=_text(form.note.data),
               on=form.closed_on.data,
               termination_reason=TerminationReason(form.termination_reason.data),
               closing_note=_text(form.note.data))
    return _("The mediation was ended.")


def _transfer(case: Case, form: TransferForm) -> str:
    _not_before(form.transferred_on.data, case.accepted_on, "transferred_on",
                _("The case cannot be transferred before it was accepted."))
    db.session.add(Transfer(
        case_id=case.id, direction=TransferDirection.OUT,
        counterpart=Counterpart(form.counterpart.data), organ=form.organ.data.strip(),
        document_number=_text(form.document_number.data),
        transferred_on=form.transferred_on.data, reason=form.reason.data.strip()))
    db.session.flush()
    transition(case, S.TRANSFERRED, user=current_user, note=form.reason.data.strip(),
               on=form.transferred_on.data, closing_note=form.reason.data.strip())
    return _("The case was transferred to %(organ)s.", organ=form.organ.data.strip())


def _extend(case: Case, form: ExtendForm) -> str:
    if case.due_on and form.due_on.data <= case.due_on:
        raise Refused(_("The new due date must be after the current one (%(day)s).",
                        day=case.due_on.isoformat()), "due_on")
    case.due_on = form.due_on.data
    case.extension_reason = form.reason.data.strip()
    db.session.flush()
    return _("The due date is now %(day)s.", day=case.due_on.isoformat())


def _visit(case: Case, form: VisitForm) -> str:
    agreement = case.agreement
    _not_before(form.visited_on.data, agreement.effective_on if agreement else case.closed_on,
                "visited_on", _("The visit cannot be before the agreement took effect."))
    performance = Performance(form.performance.data)
    db.session.add(ReturnVisit(
        case_id=case.id, visited_on=form.visited_on.data, method=VisitMethod(form.method.data),
        visitor=_text(form.visitor.data), performance=performance,
        satisfaction=Satisfaction(form.satisfaction.data) if form.satisfaction.data else None,
        notes=_text(form.notes.data)))
    if agreement is not None:
        # The latest visit says how the agreement stands (Art. 31).
        agreement.performance = performance
        if performance is Performance.PERFORMED:
            agreement.performed_on = (form.performed_on.data or agreement.performed_on
                                      or form.visited_on.data)
        elif form.performed_on.data:
            agreement.performed_on = form.performed_on.data
    db.session.flush()
    return _("Return visit recorded.")


def _confirmation(case: Case, form: ConfirmationForm) -> str:
    agreement = case.agreement
    if agreement is None or agreement.kind is not AgreementKind.WRITTEN:
        raise Refused(_("Only a written agreement can be confirmed by a court (Art. 33)."))
    applied = form.applied_on.data
    _not_before(applied, agreement.effective_on, "applied_on",
                _("The application cannot be before the agreement took effect."))
    last = agreement.effective_on + timedelta(days=CONFIRMATION_DAYS)
    if applied > last:
        raise Refused(_("The parties must apply within 30 days of the agreement taking "
                        "effect, that is by %(day)s (Art. 33).", day=last.isoformat()),
                      "applied_on")
    db.session.add(JudicialConfirmation(case_id=case.id, applied_on=applied,
                                        court=form.court.data.strip(),
                                        notes=_text(form.notes.data)))
    db.session.flush()
    return _("Application for judicial confirmation recorded.")


def _confirmation_result(case: Case, form: ConfirmationResultForm) -> str:
    pending = {c.id: c for c in case.confirmations if c.result is ConfirmationResult.PENDING}
    confirmation = pending.get(_int(form.confirmation_id.data))
    if confirmation is None:
        raise Refused(_("No application for judicial confirmation is awaiting the court."))
    _not_before(form.decided_on.data, confirmation.applied_on, "decided_on",
                _("The court cannot decide before the application."))
    confirmation.result = ConfirmationResult(form.result.data)
    confirmation.decided_on = form.decided_on.data
    confirmation.ruling_number = _text(form.ruling_number.data)
    db.session.flush()
    return _("The court's decision was recorded.")


def _feedback(case: Case, form: FeedbackForm) -> str:
    transfer = in_transfer(case)
    if transfer is None:
        raise Refused(_("The case was not referred by another organ."))
    _not_before(form.feedback_on.data, case.closed_on, "feedback_on",
                _("The result cannot be reported before the case ended."))
    transfer.feedback_on = form.feedback_on.data
    db.session.flush()
    return _("Feedback to %(organ)s recorded.", organ=transfer.organ)


def _edit(case: Case, form: EditCaseForm) -> str:
    place_id = valid_place(form.place_id.data)
    if form.place_id.data and place_id is None:
        raise Refused(_("Choose a place from the list."), "place_id")
    case.dispute_type_id = form.dispute_type_id.data
    case.summary = form.summary.data.strip()
    case.request = _text(form.request.data)
    case.amount_involved = form.amount_involved.data
    case.people_involved = form.people_involved.data
    case.place_id = place_id
    case.place_detail = _text(form.place_detail.data)
    case.occurred_on = form.occurred_on.data
    case.difficulty = form.difficulty.data
    case.prevented_criminal = form.prevented_criminal.data
    case.prevented_group = form.prevented_group.data
    db.session.flush()
    return _("Case details saved.")


def _archive(case: Case, form: ArchiveForm) -> str:
    _not_before(form.archived_on.data, case.closed_on, "archived_on",
                _("A case cannot be archived before it ended."))
    transition(case, S.ARCHIVED, user=current_user, on=form.archived_on.data)
    return _("The case was archived.")


HANDLERS: dict[str, Callable[[Case, Any], str]] = {
    "accept": _accept, "reject": _reject, "start": _start, "session": _session,
    "agreement": _agreement, "agreed": _agreed, "failed": _failed, "terminate": _terminate,
    "transfer": _transfer, "extend": _extend, "visit": _visit, "confirmation": _confirmation,
    "confirmation_result": _confirmation_result, "feedback": _feedback, "edit": _edit,
    "archive": _archive,
}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def run_action(case_id: int, name: str):
    """Check, validate and apply one action; the case page again (with errors) on refusal."""
    case = case_or_404(case_id)
    if not can(case, ACTIONS[name].permission):
        abort(403)
    if name not in available_actions(case):
        flash(_("This step is not possible for a case that is “%(status)s”.",
                status=case.status.label), "danger")
        return redirect(url_for("mediation.case_detail", case_id=case.id), 303)
    form = make_form(case, name, bound=True)
    if form.validate():
        try:
            message = HANDLERS[name](case, form)
            db.session.commit()
        except (TransitionRefused, Refused) as exc:
            # Nothing half-written: the rollback also gives an issued case number back.
            db.session.rollback()
            field = getattr(exc, "field", None)
            target = getattr(form, field, None) if field else None
            if target is not None:
                target.errors = [*target.errors, str(exc)]
            else:
                form.form_errors.append(str(exc))
            case = case_or_404(case_id)
        else:
            flash(message, "success")
            return redirect(url_for("mediation.case_detail", case_id=case.id), 303)
    return render_case(case, {name: form}, open_action=name)


def _register(name: str) -> None:
    def view(case_id: int):
        return run_action(case_id, name)

    view.__name__ = f"case_{name}"
    # CASE_VIEW here so that an unknown or foreign id is a 404 for everyone who can see
    # cases; the action's own permission is checked over the case's org unit.
    bp.add_url_rule(f"/cases/<int:case_id>/{name.replace('_', '-')}", f"case_{name}",
                    require_permission(CASE_VIEW)(view), methods=["POST"])


for _name in ACTIONS:
    _register(_name)

