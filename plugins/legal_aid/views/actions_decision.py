"""The decision area of the case page: the live eligibility review, grant (给予) and refusal
(不予, Art. 43), the objection to the bureau (异议, Art. 49) and termination (终止, Art. 48).

The engine decides eligibility: a grant the rules do not support is refused with the rule
that says so, and a review that lacks facts lists them all (一次性告知). A reviewer may
refuse for reasons outside the engine, but the engine's view is shown and kept with the
decision (``decision_rule``, ``decision_article``, ``decision_explanation``).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from core.sdk import db
from plugins.legal_aid.eligibility import Eligibility, Outcome, assess
from plugins.legal_aid.forms.decision import (
    GrantForm,
    ObjectionDecisionForm,
    ObjectionForm,
    RefuseForm,
    TerminateForm,
)
from plugins.legal_aid.models import AidCase, Assignment
from plugins.legal_aid.models.enums import CaseStatus, ObjectionResult, TerminationGround
from plugins.legal_aid.permissions import CASE_DECIDE, CASE_INTAKE, OBJECTION_DECIDE
from plugins.legal_aid.pool import applicant_age
from plugins.legal_aid.settings import current_policy
from plugins.legal_aid.views import bp
from plugins.legal_aid.views.actions import Refused, action
from plugins.legal_aid.workflow import transition

S = CaseStatus
ENGINE_INTRO = "legal_aid/cases/actions/_engine_view.html"


def case_eligibility(case: AidCase) -> Eligibility:
    """The engine's view of the case now, under the tenant's current policy."""
    return assess(case.facts(applicant_age(case)), current_policy())


bp.add_app_template_global(case_eligibility, "legal_aid_eligibility")


def _snapshot(case: AidCase, result: Eligibility) -> None:
    """Keep the rule as decided: the explanation rendered now, in the current locale."""
    case.decision_rule = result.rule.key[:60]
    case.decision_article = result.rule.article[:200]
    case.decision_explanation = str(result.rule.explanation)


def _missing_text(result: Eligibility) -> str:
    return "；".join(str(fact.label) for fact in result.missing)


def _not_before(day: date, earliest: date | None, field: str, message: str) -> None:
    if earliest is not None and day < earliest:
        raise Refused(message, field)


# --- grant and refusal -----------------------------------------------------------------------


def _prepare_grant(case: AidCase, form: GrantForm, bound: bool) -> None:
    if not bound and not form.reasons.data:
        result = case_eligibility(case)
        if result.outcome is Outcome.ELIGIBLE:
            form.reasons.data = f"{result.rule.article}：{result.rule.explanation}"


@action("grant", GrantForm, CASE_DECIDE, _l("Grant legal aid"), _l("Grant"),
        offered=lambda case: case.status is S.RECEIVED, prepare=_prepare_grant,
        intro_template=ENGINE_INTRO, today_defaults=("decided_on",), order=20)
def grant(case: AidCase, form: GrantForm) -> str:
    result = case_eligibility(case)
    if result.outcome is Outcome.NEEDS_INFORMATION:
        raise Refused(_("The eligibility review cannot decide yet. Missing: %(missing)s. "
                        "Complete the facts (or send the notice listing them) first.",
                        missing=_missing_text(result)))
    if result.outcome is Outcome.NOT_ELIGIBLE:
        raise Refused(_("The eligibility rules do not support a grant (%(article)s): "
                        "%(explanation)s Refuse the application instead, with reasons.",
                        article=result.rule.article, explanation=result.rule.explanation))
    day = form.decided_on.data
    _not_before(day, case.received_on, "decided_on",
                _("The decision cannot precede the application."))
    _snapshot(case, result)
    transition(case, S.GRANTED, user=current_user, on=day, decided_on=day, granted=True,
               decision_reason=form.reasons.data.strip(), advance_aid=bool(form.advance_aid.data))
    return _("Legal aid granted: case %(number)s.", number=case.number)


@action("refuse", RefuseForm, CASE_DECIDE, _l("Refuse legal aid"), _l("Refuse"),
        offered=lambda case: case.status is S.RECEIVED, intro_template=ENGINE_INTRO,
        today_defaults=("decided_on",), order=21)
def refuse(case: AidCase, form: RefuseForm) -> str:
    day = form.decided_on.data
    _not_before(day, case.received_on, "decided_on",
                _("The decision cannot precede the application."))
    # Allowed whatever the engine says (e.g. a matter outside the county), but its view is
    # kept with the decision so a later objection can see both.
    _snapshot(case, case_eligibility(case))
    transition(case, S.REFUSED, user=current_user, on=day, decided_on=day, granted=False,
               decision_reason=form.reasons.data.strip())
    return _("Legal aid refused (decision %(number)s). The applicant may object to the "
             "justice bureau.", number=case.decision_number)


# --- objection (Art. 49) -------------------------------------------------------------------


def _contested_on(case: AidCase) -> date | None:
    """The date of the decision the objection is against."""
    return case.terminated_on if case.status is S.TERMINATED else case.decided_on


@action("objection", ObjectionForm, CASE_INTAKE, _l("Record an objection"),
        _l("Record the objection"),
        offered=lambda case: case.status in (S.REFUSED, S.TERMINATED)
        and case.objection_received_on is None,
        today_defaults=("received_on",), order=30)
def objection(case: AidCase, form: ObjectionForm) -> str:
    day = form.received_on.data
    _not_before(day, _contested_on(case), "received_on",
                _("An objection cannot come in before the decision it contests."))
    case.objection_received_on = day
    case.objection_reason = form.reason.data.strip()
    db.session.flush()
    return _("Objection recorded: the justice bureau decides within 5 working days.")


def _end_open_assignments(case: AidCase, day: date, note: str) -> None:
    for row in db.session.scalars(select(Assignment).where(
            Assignment.case_id == case.id, Assignment.ended_on.is_(None))):
        row.ended_on = max(day, row.assigned_on)
        row.replacement_note = note[:300]


@action("objection_decision", ObjectionDecisionForm, OBJECTION_DECIDE,
        _l("Decide the objection"), _l("Record the bureau's decision"),
        offered=lambda case: case.objection_received_on is not None
        and case.objection_decided_on is None and case.status in (S.REFUSED, S.TERMINATED),
        today_defaults=("decided_on",), order=31)
def objection_decision(case: AidCase, form: ObjectionDecisionForm) -> str:
    day = form.decided_on.data
    _not_before(day, case.objection_received_on, "decided_on",
                _("The bureau cannot decide before the objection came in."))
    result = ObjectionResult(form.result.data)
    note = (form.note.data or "").strip()
    case.objection_decided_on = day
    case.objection_result = result
    case.objection_note = note
    if result is ObjectionResult.UPHELD:
        db.session.flush()
        return _("The bureau upheld the decision.")
    if case.status is S.REFUSED:
        # 责令改正: the centre now grants; the new decision gets its own date and number.
        transition(case, S.GRANTED, user=current_user, on=day, decided_on=day, granted=True,
                   decision_number="",
                   decision_reason=_("Granted on the justice bureau's order to correct the "
                                     "refusal.") + (f" {note}" if note else ""),
                   note=_("Objection: the bureau ordered the centre to correct its decision."))
        return _("The bureau ordered a correction: legal aid granted, case %(number)s.",
                 number=case.number)
    _end_open_assignments(case, day, _("Termination set aside by the justice bureau."))
    transition(case, S.GRANTED, user=current_user, on=day,
               note=_("Objection: the bureau set the termination aside; assign again."))
    return _("The bureau set the termination aside: assign the case again.")


# --- termination (Art. 48) -----------------------------------------------------------------


@action("terminate", TerminateForm, CASE_DECIDE, _l("Terminate legal aid"), _l("Terminate"),
        offered=lambda case: case.status in (S.GRANTED, S.ASSIGNED, S.IN_PROGRESS),
        today_defaults=("terminated_on",), order=80)
def terminate(case: AidCase, form: TerminateForm) -> str:
    day = form.terminated_on.data
    _not_before(day, case.decided_on or case.notice_received_on, "terminated_on",
                _("Legal aid cannot end before it was granted."))
    ground = TerminationGround(form.ground.data)
    _end_open_assignments(case, day, _("Legal aid terminated."))
    # A fresh number and date even if an earlier termination was set aside.
    transition(case, S.TERMINATED, user=current_user, on=day, terminated_on=day,
               termination_ground=ground, termination_reason=form.reasons.data.strip(),
               termination_number="", note=str(ground.label))
    return _("Legal aid terminated (decision %(number)s).", number=case.termination_number)


bp.add_app_template_global(current_policy, "legal_aid_policy")
