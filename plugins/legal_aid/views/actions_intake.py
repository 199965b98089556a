"""The intake steps of the case page (CASE_INTAKE): editing the application and its
eligibility facts, the one-time notice of missing materials (一次性告知, Art. 43), their
supplement (补正), recording a material, and withdrawal (by the applicant, or 视为撤回 when
the supplement period passed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.sdk import db
from plugins.legal_aid.eligibility import MatterKind, Route
from plugins.legal_aid.forms.intake import (
    WITHDRAW_REASONS,
    AddMaterialForm,
    EditForm,
    MaterialsMissingForm,
    SupplementForm,
    WithdrawForm,
    WithdrawReason,
    options,
)
from plugins.legal_aid.intake import COMMON_MATERIALS, age_on, clean_lines
from plugins.legal_aid.matters import CRIMINAL
from plugins.legal_aid.models import AidCase, AidStatusChange, Material
from plugins.legal_aid.models.enums import CaseStatus, MaterialStatus
from plugins.legal_aid.models.providers import split_codes
from plugins.legal_aid.permissions import CASE_INTAKE
from plugins.legal_aid.settings import legal_aid_settings
from plugins.legal_aid.timeline import advance_aid_check
from plugins.legal_aid.views import bp
from plugins.legal_aid.views.actions import Refused, action
from plugins.legal_aid.workflow import today, transition

S = CaseStatus
UNDER_REVIEW = (S.RECEIVED, S.INCOMPLETE)


def missing(case: AidCase) -> list[Material]:
    return [m for m in case.materials if m.status is MaterialStatus.MISSING]


def withdrawal(case: AidCase) -> AidStatusChange | None:
    """The history row of the withdrawal (its note gives the reason)."""
    return next((h for h in reversed(case.history) if h.to_status is S.WITHDRAWN), None)


def _not_before(value: Any, earliest: Any, field: str, message: Any) -> None:
    if earliest is not None and value < earliest:
        raise Refused(message, field)


# --- edit the application ----------------------------------------------------------------

EDIT_FIELDS = ("summary", "request", "opposing_party", "opposing_party_address",
               "handling_organ", "handling_county", "client_hometown", "client_languages",
               "poverty_ledger", "limitation_on", "advance_aid", "compulsory_treatment",
               "defence_other_reason", "legal_basis", "has_retained_lawyer", "household_size",
               "monthly_household_income")
CODE_FIELDS = ("recipient_groups", "mandatory_defence", "art32", "art42", "art42_proven",
               "local_categories", "local_proven")


def _prepare_edit(case: AidCase, form: EditForm, bound: bool) -> None:
    if bound:
        return
    for name in EDIT_FIELDS:
        getattr(form, name).data = getattr(case, name)
    for name in CODE_FIELDS:
        getattr(form, name).data = split_codes(getattr(case, name))
    form.matter_kind.data = case.matter_kind.value if case.matter_kind else ""
    form.check_method.data = case.check_method.value if case.check_method else ""


@action("edit", EditForm, CASE_INTAKE, _l("Edit the application and eligibility facts"),
        _l("Save"), offered=lambda case: case.status in UNDER_REVIEW, prepare=_prepare_edit,
        order=90)
def edit(case: AidCase, form: EditForm) -> str:
    from plugins.legal_aid.views.applications import case_fields

    values = case_fields(form)
    values["summary"] = form.summary.data.strip()
    values["request"] = (form.request.data or "").strip()
    values["matter_kind"] = (MatterKind(form.matter_kind.data)
                             if form.matter_kind.data and case.category not in CRIMINAL
                             else None)
    for name, value in values.items():
        setattr(case, name, value)
    db.session.flush()
    return _("The application was updated.")


# --- 一次性告知 ---------------------------------------------------------------------------


@action("materials_missing", MaterialsMissingForm, CASE_INTAKE,
        _l("Notify the missing materials (all at once)"), _l("Record the notice"),
        offered=lambda case: case.status is S.RECEIVED and case.route is Route.APPLY,
        intro_template="legal_aid/cases/_intake_notice_intro.html",
        today_defaults=("notice_on",), order=10)
def materials_missing(case: AidCase, form: MaterialsMissingForm) -> str:
    names = list(dict.fromkeys([*(form.missing.data or []), *clean_lines(form.other.data)]))
    if not names:
        raise Refused(_("List every missing material: tick them or type them in."), "missing")
    notice_on = form.notice_on.data
    _not_before(notice_on, case.received_on, "notice_on",
                _("The notice cannot precede the application."))
    days = supplement_days()
    for name in names:
        db.session.add(Material(case_id=case.id, name=name, status=MaterialStatus.MISSING))
    db.session.flush()
    due = notice_on + timedelta(days=days)
    transition(case, S.INCOMPLETE, user=current_user, on=notice_on,
               note="; ".join(names), incomplete_notice_on=notice_on, supplement_due_on=due,
               supplement_received_on=None)
    return _("The applicant was told of %(count)d missing materials, due by %(due)s.",
             count=len(names), due=due.isoformat())


# --- 补正 ---------------------------------------------------------------------------------


def _prepare_supplement(case: AidCase, form: SupplementForm, bound: bool) -> None:
    pending = missing(case)
    form.materials.choices = options((str(m.id), m.name) for m in pending)
    if not bound:
        form.materials.data = [str(m.id) for m in pending]


@action("supplement", SupplementForm, CASE_INTAKE, _l("Record the supplied materials"),
        _l("Record"), offered=lambda case: case.status is S.INCOMPLETE,
        prepare=_prepare_supplement, today_defaults=("received_on",), order=11)
def supplement(case: AidCase, form: SupplementForm) -> str:
    ticked = {int(v) for v in form.materials.data or []}
    if not ticked:
        raise Refused(_("Tick the materials received."), "materials")
    received_on = form.received_on.data
    _not_before(received_on, case.incomplete_notice_on, "received_on",
                _("The materials cannot come in before the notice."))
    pending = missing(case)
    for material in pending:
        if material.id in ticked:
            material.status = MaterialStatus.RECEIVED
            material.received_on = received_on
    db.session.flush()
    still = [m for m in pending if m.id not in ticked]
    if still:
        return _("Recorded; %(count)d materials are still missing.", count=len(still))
    # Every listed material is in: the review goes on (its clock restarts, Art. 43).
    transition(case, S.RECEIVED, user=current_user, on=received_on,
               note=_("Missing materials supplied."), supplement_received_on=received_on)
    return _("Every missing material is in: the application is back under review.")


# --- a material received ------------------------------------------------------------------


@action("add_material", AddMaterialForm, CASE_INTAKE, _l("Record a material received"),
        _l("Record"), offered=lambda case: case.status in UNDER_REVIEW,
        intro_template="legal_aid/cases/_intake_material_intro.html",
        today_defaults=("received_on",), order=12)
def add_material(case: AidCase, form: AddMaterialForm) -> str:
    name = form.name.data.strip()
    received_on = form.received_on.data
    _not_before(received_on, case.received_on, "received_on",
                _("A material cannot come in before the application."))
    # A material the notice listed is marked received rather than recorded twice.
    listed = next((m for m in missing(case) if m.name == name), None)
    if listed is not None:
        listed.status = MaterialStatus.RECEIVED
        listed.received_on = received_on
        listed.copies = form.copies.data
        listed.note = (form.note.data or "").strip()
    else:
        db.session.add(Material(case_id=case.id, name=name, status=MaterialStatus.RECEIVED,
                                copies=form.copies.data, received_on=received_on,
                                note=(form.note.data or "").strip()))
    db.session.flush()
    return _("“%(name)s” recorded.", name=name)


# --- withdrawal ---------------------------------------------------------------------------


@action("withdraw", WithdrawForm, CASE_INTAKE, _l("Withdraw the application"), _l("Withdraw"),
        offered=lambda case: case.status in UNDER_REVIEW and case.route is Route.APPLY,
        today_defaults=("withdrawn_on",), order=95)
def withdraw(case: AidCase, form: WithdrawForm) -> str:
    reason = form.reason.data
    withdrawn_on = form.withdrawn_on.data
    _not_before(withdrawn_on, case.received_on, "withdrawn_on",
                _("The withdrawal cannot precede the application."))
    if reason == WithdrawReason.DEEMED:
        # 法律援助法第四十三条第二款: only once the period to supply the materials is over.
        due = case.supplement_due_on
        if case.status is not S.INCOMPLETE or due is None or not due < today():
            raise Refused(_("An application counts as withdrawn only after the period to "
                            "supply the missing materials has passed."), "reason")
        if withdrawn_on <= due:
            raise Refused(_("The period to supply the materials ends on %(due)s: the "
                            "application counts as withdrawn only after it.",
                            due=due.isoformat()), "withdrawn_on")
    label = str(dict(WITHDRAW_REASONS)[reason])
    note = (form.note.data or "").strip()
    transition(case, S.WITHDRAWN, user=current_user, on=withdrawn_on,
               note=f"{label}: {note}" if note else label, withdrawn_on=withdrawn_on)
    return _("The application was withdrawn.")


def supplement_days() -> int:
    return int(legal_aid_settings().get("supplement_days") or 15)


bp.add_app_template_global(supplement_days, "legal_aid_supplement_days")
bp.add_app_template_global(lambda: COMMON_MATERIALS, "legal_aid_common_materials")
bp.add_app_template_global(missing, "legal_aid_missing_materials")
bp.add_app_template_global(withdrawal, "legal_aid_withdrawal")
bp.add_app_template_global(age_on, "legal_aid_intake_age")
bp.add_app_template_global(lambda case, on: advance_aid_check(case.dates(), on),
                           "legal_aid_intake_advance")
