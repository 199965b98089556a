"""Forms of the case pages: intake (with its party rows) and the workflow actions.

Choices that depend on the tenant or the user (committees, mediators, dispute types, places,
people found by a search) are filled in by the views before validation.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.sdk import Gender, people
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseSource,
    ConfirmationResult,
    Counterpart,
    Difficulty,
    PartyRole,
    Performance,
    RejectionReason,
    Satisfaction,
    TerminationReason,
    VisitMethod,
)

MIN_PARTIES = 2
MAX_PARTIES = 12
REQUIRED = _l("This field is required.")


def options(pairs: Any) -> list[SelectChoice]:
    """``(value, label)`` pairs as select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def _blank(label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label)]


def _id_type_choices() -> list[SelectChoice]:
    return options((t.value, t.label) for t in people.IdType)


def _gender_choices() -> list[SelectChoice]:
    return options(_blank(_l("(from the ID number)")) + [(g.value, g.label) for g in Gender])


def _date_not_future(form: Any, field: Any) -> None:
    from wtforms.validators import ValidationError

    from plugins.mediation.workflow import today

    if field.data and field.data > today():
        raise ValidationError(_l("The date cannot be in the future."))


class PartyForm(Form):
    """One party row: an already registered person (found by name or ID number) or a new one.

    A plain ``Form``: the intake form's CSRF token covers the rows."""

    role = SelectField(_l("Role"),
                       choices=options(PartyRole.choices()), default=PartyRole.APPLICANT)
    lookup = StringField(_l("Find a registered person"), validators=[Length(max=100)],
                         render_kw={"autocomplete": "off",
                                    "placeholder": _l("Name or ID number")})
    person_id = SelectField(_l("Registered person"), choices=[], validate_choice=False,
                            default="")
    name = StringField(_l("Full name"), validators=[Length(max=100)])
    gender = SelectField(_l("Gender"), choices=[], default="")
    id_type = SelectField(_l("Type of document"), choices=[], default="resident_id")
    id_number = StringField(_l("Document number"), validators=[Length(max=40)],
                            render_kw={"autocomplete": "off", "spellcheck": "false"})
    phone = StringField(_l("Phone"), validators=[Length(max=40)],
                        render_kw={"autocomplete": "off"})
    address = StringField(_l("Address"), validators=[Length(max=500)])
    work_unit = StringField(_l("Work unit or village"), validators=[Length(max=100)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gender.choices = _gender_choices()
        self.id_type.choices = _id_type_choices()

    @property
    def is_blank(self) -> bool:
        return not (self.person_id.data or (self.name.data or "").strip()
                    or (self.id_number.data or "").strip() or (self.phone.data or "").strip())


class CaseDetailsMixin:
    """The fields describing the dispute, shared by intake and "edit case details"."""

    dispute_type_id = SelectField(_l("Type of dispute"), coerce=int,
                                  validators=[DataRequired(REQUIRED)])
    summary = TextAreaField(_l("Summary of the dispute"),
                            validators=[DataRequired(REQUIRED), Length(max=5000)])
    request = TextAreaField(_l("What the parties ask for"),
                            validators=[Optional(), Length(max=5000)])
    amount_involved = DecimalField(_l("Amount involved (yuan)"), places=2,
                                   validators=[Optional(), NumberRange(min=0, max=10**11)])
    people_involved = IntegerField(_l("People involved"), default=2,
                                   validators=[InputRequired(REQUIRED),
                                               NumberRange(min=1, max=100000)])
    place_id = SelectField(_l("Place (village, community, site)"), choices=[], default="",
                           validate_choice=False)
    place_detail = StringField(_l("Where it happened"), validators=[Optional(), Length(max=200)])
    occurred_on = DateField(_l("Happened on"), validators=[Optional(), _date_not_future])
    difficulty = SelectField(_l("Difficulty"), choices=options(Difficulty.choices()),
                             default=Difficulty.ORDINARY)
    prevented_criminal = BooleanField(_l("Prevented a civil dispute from turning criminal"))
    prevented_group = BooleanField(_l("Prevented a mass incident"))


class IntakeForm(CaseDetailsMixin, FlaskForm):
    source = SelectField(_l("Source"), choices=options(CaseSource.choices()),
                         default=CaseSource.APPLICATION)
    referred_by = SelectField(_l("Referred by"), choices=options(_blank() + Counterpart.choices()),
                              default="")
    referring_organ = StringField(_l("Referring organ"),
                                  validators=[Optional(), Length(max=100)],
                                  render_kw={"placeholder": _l("e.g. 剑阁县人民法院")})
    referral_number = StringField(_l("Referral letter number"),
                                  validators=[Optional(), Length(max=60)])
    referred_on = DateField(_l("Referred on"), validators=[Optional(), _date_not_future])
    committee_id = SelectField(_l("Mediation committee"), coerce=int,
                               validators=[DataRequired(REQUIRED)])
    applied_on = DateField(_l("Applied or registered on"),
                           validators=[DataRequired(REQUIRED), _date_not_future])
    accept_now = BooleanField(_l("Accept the case now (issues the case number)"))
    parties = FieldList(FormField(PartyForm), min_entries=MIN_PARTIES, max_entries=MAX_PARTIES)

    party_errors: list[Any] = []

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        self.party_errors = []
        if self.source.data == CaseSource.REFERRAL:
            if not self.referred_by.data:
                self.referred_by.errors = [*self.referred_by.errors,
                                           _l("Choose who referred the case.")]
                ok = False
            if not (self.referring_organ.data or "").strip():
                self.referring_organ.errors = [*self.referring_organ.errors,
                                               _l("Name the organ that referred the case.")]
                ok = False
            if not self.referred_on.data:
                self.referred_on.errors = [*self.referred_on.errors,
                                           _l("Enter the date of the referral.")]
                ok = False
        filled = [row for row in self.parties if not row.form.is_blank]
        if len(filled) < MIN_PARTIES:
            self.party_errors = [_l("A case needs at least two parties.")]
            ok = False
        for row in self.parties:
            sub = row.form
            if not sub.is_blank and not sub.person_id.data and not (sub.name.data or "").strip():
                sub.name.errors = [*sub.name.errors, _l("Enter the person's name.")]
                ok = False
        return ok


class EditCaseForm(CaseDetailsMixin, FlaskForm):
    pass


class AcceptForm(FlaskForm):
    accepted_on = DateField(_l("Accepted on"), validators=[DataRequired(REQUIRED),
                                                           _date_not_future])
    mediator_id = SelectField(_l("Mediator"), choices=[], default="", validate_choice=False)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class RejectForm(FlaskForm):
    rejection_reason = SelectField(_l("Reason"),
                                   choices=options(_blank() + RejectionReason.choices()),
                                   validators=[DataRequired(REQUIRED)])
    decided_on = DateField(_l("Decided on"), validators=[DataRequired(REQUIRED),
                                                         _date_not_future])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class StartForm(FlaskForm):
    mediator_id = SelectField(_l("Mediator in charge"), coerce=int,
                              validators=[DataRequired(REQUIRED)])
    co_mediators = StringField(_l("Other mediators taking part"),
                               validators=[Optional(), Length(max=200)])


class SessionForm(FlaskForm):
    held_at = DateTimeLocalField(_l("Held at"), format="%Y-%m-%dT%H:%M",
                                 validators=[DataRequired(REQUIRED)])
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    mediators = StringField(_l("Mediators"), validators=[DataRequired(REQUIRED),
                                                         Length(max=200)])
    attendees = StringField(_l("Present"), validators=[Optional(), Length(max=300)])
    recorder = StringField(_l("Recorded by"), validators=[Optional(), Length(max=50)])
    rights_explained = BooleanField(_l("The parties were told their rights and duties"))
    record = TextAreaField(_l("Record"), validators=[DataRequired(REQUIRED), Length(max=20000)])
    outcome = StringField(_l("Outcome"), validators=[Optional(), Length(max=200)])


class AgreementForm(FlaskForm):
    kind = SelectField(_l("Kind of agreement"), choices=options(AgreementKind.choices()),
                       default=AgreementKind.WRITTEN)
    effective_on = DateField(_l("Effective on"), validators=[DataRequired(REQUIRED),
                                                             _date_not_future])
    facts = TextAreaField(_l("Main facts and matters in dispute"),
                          validators=[Optional(), Length(max=10000)])
    liabilities = TextAreaField(_l("Responsibilities of the parties"),
                                validators=[Optional(), Length(max=10000)])
    terms = TextAreaField(_l("Terms agreed"), validators=[DataRequired(REQUIRED),
                                                          Length(max=10000)])
    performance_method = StringField(_l("How it is performed"),
                                     validators=[Optional(), Length(max=200)])
    performance_due = DateField(_l("To be performed by"), validators=[Optional()])
    amount = DecimalField(_l("Amount (yuan)"), places=2,
                          validators=[Optional(), NumberRange(min=0, max=10**11)])
    copies = IntegerField(_l("Copies"), default=3,
                          validators=[InputRequired(REQUIRED), NumberRange(min=1, max=20)])

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data == AgreementKind.WRITTEN:
            # Art. 29: a written agreement states the facts, responsibilities, terms and the
            # way and time of performance.
            for field in (self.facts, self.liabilities, self.performance_method):
                if not (field.data or "").strip():
                    field.errors = [*field.errors,
                                    _l("A written agreement must state this (Art. 29).")]
                    ok = False
        return ok


class ConfirmForm(FlaskForm):
    """A button-only step (mark agreed): the CSRF token is its only field."""


class FailForm(FlaskForm):
    routes_explained = BooleanField(
        _l("The parties were told they may seek arbitration, administrative or judicial "
           "remedies (Art. 26)"),
        validators=[DataRequired(_l("Tell the parties about the other routes first "
                                    "(Art. 26)."))])
    closed_on = DateField(_l("Ended on"), validators=[DataRequired(REQUIRED), _date_not_future])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class TerminateForm(FlaskForm):
    termination_reason = SelectField(_l("Reason"),
                                     choices=options(_blank() + TerminationReason.choices()),
                                     validators=[DataRequired(REQUIRED)])
    closed_on = DateField(_l("Ended on"), validators=[DataRequired(REQUIRED), _date_not_future])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])


class TransferForm(FlaskForm):
    counterpart = SelectField(_l("Transferred to"),
                              choices=options(_blank() + Counterpart.choices()),
                              validators=[DataRequired(REQUIRED)])
    organ = StringField(_l("Receiving organ"), validators=[DataRequired(REQUIRED),
                                                           Length(max=100)])
    document_number = StringField(_l("Transfer letter number"),
                                  validators=[Optional(), Length(max=60)])
    transferred_on = DateField(_l("Transferred on"),
                               validators=[DataRequired(REQUIRED), _date_not_future])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=2000)])


class VisitForm(FlaskForm):
    visited_on = DateField(_l("Visited on"), validators=[DataRequired(REQUIRED),
                                                         _date_not_future])
    method = SelectField(_l("How"),
                         choices=options(VisitMethod.choices()), default=VisitMethod.PHONE)
    visitor = StringField(_l("Visited by"), validators=[Optional(), Length(max=50)])
    performance = SelectField(_l("Performance of the agreement"),
                              choices=options(Performance.choices()), default=Performance.PERFORMED)
    performed_on = DateField(_l("Performed on"), validators=[Optional(), _date_not_future])
    satisfaction = SelectField(_l("Satisfaction"),
                               choices=options(_blank() + Satisfaction.choices()),
                               default="")
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class ConfirmationForm(FlaskForm):
    applied_on = DateField(_l("Applied on"), validators=[DataRequired(REQUIRED),
                                                         _date_not_future])
    court = StringField(_l("Court"), validators=[DataRequired(REQUIRED), Length(max=100)])
    joint = BooleanField(
        _l("Both parties applied together (Art. 33)"),
        validators=[DataRequired(_l("Judicial confirmation needs a joint application of "
                                    "the parties (Art. 33)."))])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class ConfirmationResultForm(FlaskForm):
    confirmation_id = HiddenField()
    result = SelectField(_l("The court's decision"),
                         choices=options((r.value, r.label) for r in ConfirmationResult
                                         if r is not ConfirmationResult.PENDING),
                         default=ConfirmationResult.CONFIRMED)
    decided_on = DateField(_l("Decided on"), validators=[DataRequired(REQUIRED),
                                                         _date_not_future])
    ruling_number = StringField(_l("Ruling number"), validators=[Optional(), Length(max=60)])


class FeedbackForm(FlaskForm):
    feedback_on = DateField(_l("Result reported back on"),
                            validators=[DataRequired(REQUIRED), _date_not_future])


class ExtendForm(FlaskForm):
    due_on = DateField(_l("New due date"), validators=[DataRequired(REQUIRED)])
    reason = StringField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=200)])


class ArchiveForm(FlaskForm):
    archived_on = DateField(_l("Archived on"), validators=[DataRequired(REQUIRED),
                                                           _date_not_future])
