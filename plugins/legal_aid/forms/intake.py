"""Shared pieces of the intake forms (a checkbox list, the case's details and eligibility
facts) and the forms of the intake actions on the case page (materials, 一次性告知, 补正,
withdrawal, editing the facts)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from plugins.legal_aid.eligibility import (
    Art32Circumstance,
    Art42Ground,
    CheckMethod,
    LocalCategory,
    MandatoryDefence,
    MatterKind,
)
from plugins.legal_aid.forms import options
from plugins.legal_aid.intake import COMMON_MATERIALS
from plugins.legal_aid.models.enums import RecipientGroup, choices

REQUIRED = _l("This field is required.")



def blank(label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label)]


def date_not_future(form: Any, field: Any) -> None:
    from plugins.legal_aid.workflow import today

    if field.data and field.data > today():
        raise ValidationError(_l("The date cannot be in the future."))


class CheckboxList:
    """Bootstrap checkboxes, one per choice (the generic field macro renders the label and
    calls the field; the ``class_`` it passes is meant for a single control, so ignored)."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        chosen = {str(v) for v in (field.data or [])}
        parts = [f'<div id="{escape(field.id)}" class="d-flex flex-wrap column-gap-3" '
                 f'data-testid="checks-{escape(field.name)}">']
        for index, (value, label, _selected, _render_kw) in enumerate(field.iter_choices()):
            box_id = f"{field.id}-{index}"
            checked = " checked" if str(value) in chosen else ""
            parts.append(
                f'<div class="form-check"><input class="form-check-input" type="checkbox" '
                f'id="{escape(box_id)}" name="{escape(field.name)}" value="{escape(value)}"'
                f'{checked}><label class="form-check-label" for="{escape(box_id)}">'
                f'{escape(label)}</label></div>')
        parts.append("</div>")
        return Markup("".join(parts))


class MultiCheckboxField(SelectMultipleField):
    widget = CheckboxList()

    def pre_validate(self, form: Any) -> None:
        # Unknown values are refused with a message rather than a crash.
        known = {str(c[0]) for c in self.iter_choices()}
        for value in self.data or []:
            if str(value) not in known:
                raise ValidationError(_l("Choose from the list."))


def material_choices() -> list[SelectChoice]:
    return options((name, name) for name in COMMON_MATERIALS)


class CaseDetailsMixin:
    """The matter as the application describes it (new application and "edit")."""

    matter_kind = SelectField(
        _l("Matter (Art. 31, for civil and administrative matters)"),
        choices=options(blank() + choices(MatterKind)), default="")
    summary = TextAreaField(_l("Summary of the case"),
                            validators=[DataRequired(REQUIRED), Length(max=10000)])
    request = TextAreaField(_l("What legal aid is asked for"),
                            validators=[Optional(), Length(max=5000)])
    opposing_party = StringField(_l("Opposing party"), validators=[Optional(), Length(max=200)])
    opposing_party_address = StringField(_l("Opposing party's address"),
                                         validators=[Optional(), Length(max=200)])
    handling_organ = StringField(_l("Court, procuratorate, police or arbitration body handling "
                                    "the matter"), validators=[Optional(), Length(max=100)])
    handling_county = StringField(_l("County of the handling organ"),
                                  validators=[Optional(), Length(max=50)])
    client_hometown = StringField(_l("Applicant's hometown"),
                                  validators=[Optional(), Length(max=50)])
    client_languages = StringField(_l("Languages or dialects the applicant speaks"),
                                   validators=[Optional(), Length(max=100)])
    recipient_groups = MultiCheckboxField(_l("Groups the applicant belongs to"),
                                          choices=options(choices(RecipientGroup)), default=[])
    poverty_ledger = BooleanField(_l("On the poverty alleviation ledger (handled first)"))
    limitation_on = DateField(_l("Limitation period or deadline of the matter expires on"),
                              validators=[Optional()])
    advance_aid = BooleanField(_l("Aid given in advance, before the decision (Art. 44)"))


class FactsMixin:
    """The eligibility facts (see ``eligibility.ApplicantFacts``)."""

    mandatory_defence = MultiCheckboxField(
        _l("Defendant the law requires to be defended (Art. 25)"),
        choices=options(choices(MandatoryDefence)), default=[])
    compulsory_treatment = BooleanField(_l("Respondent in compulsory medical treatment "
                                           "proceedings (Art. 28)"))
    art32 = MultiCheckboxField(_l("Circumstances without economic review (Art. 32)"),
                               choices=options(choices(Art32Circumstance)), default=[])
    art42 = MultiCheckboxField(_l("Economic hardship grounds claimed (Art. 42)"),
                               choices=options(choices(Art42Ground)), default=[])
    art42_proven = MultiCheckboxField(_l("Art. 42 grounds with proof provided"),
                                      choices=options(choices(Art42Ground)), default=[])
    local_categories = MultiCheckboxField(_l("Local categories claimed"),
                                          choices=options(choices(LocalCategory)), default=[])
    local_proven = MultiCheckboxField(_l("Local categories with proof provided"),
                                      choices=options(choices(LocalCategory)), default=[])
    defence_other_reason = StringField(_l("Other reason for a criminal defence application "
                                          "(Art. 24)"),
                                       validators=[Optional(), Length(max=300)])
    legal_basis = StringField(_l("Legal basis for an \"other\" item (law, regulation or rule)"),
                              validators=[Optional(), Length(max=300)])
    has_retained_lawyer = BooleanField(_l("The applicant has already retained a lawyer"))
    household_size = IntegerField(_l("Household size"),
                                  validators=[Optional(), NumberRange(min=1, max=50)])
    monthly_household_income = DecimalField(
        _l("Monthly household income (yuan)"), places=2,
        validators=[Optional(), NumberRange(min=0, max=10**9)])
    check_method = SelectField(_l("How the economic situation is checked (Art. 41)"),
                               choices=options(blank() + choices(CheckMethod)), default="")

    def check_facts(self) -> bool:
        """Cross-field rules: proof only for what is claimed."""
        ok = True
        for claimed, proven in ((self.art42, self.art42_proven),
                                (self.local_categories, self.local_proven)):
            extra = set(proven.data or []) - set(claimed.data or [])
            if extra:
                proven.errors = [*proven.errors,
                                 _l("Proof can only be recorded for a ground that is claimed.")]
                ok = False
        return ok


class EditForm(CaseDetailsMixin, FactsMixin, FlaskForm):
    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return self.check_facts() and ok


class MaterialsMissingForm(FlaskForm):
    notice_on = DateField(_l("Notice given on"),
                          validators=[DataRequired(REQUIRED), date_not_future])
    missing = MultiCheckboxField(_l("Missing materials"), choices=material_choices(), default=[])
    other = TextAreaField(_l("Other missing materials, one per line"),
                          validators=[Optional(), Length(max=3000)])


class SupplementForm(FlaskForm):
    received_on = DateField(_l("Materials received on"),
                            validators=[DataRequired(REQUIRED), date_not_future])
    materials = MultiCheckboxField(_l("Received now"), choices=[], default=[])


class WithdrawReason:
    APPLICANT = "applicant"  # 申请人撤回申请
    DEEMED = "deemed"  # 视为撤回 (Art. 43 ¶2): the supplement period passed


WITHDRAW_REASONS = (
    (WithdrawReason.APPLICANT, _l("The applicant withdrew the application")),
    (WithdrawReason.DEEMED, _l("Deemed withdrawn: the missing materials were not supplied "
                               "in time (Art. 43)")),
)


class WithdrawForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=options(blank() + list(WITHDRAW_REASONS)),
                         validators=[DataRequired(REQUIRED)], default="")
    withdrawn_on = DateField(_l("Withdrawn on"),
                             validators=[DataRequired(REQUIRED), date_not_future])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=300)])


class AddMaterialForm(FlaskForm):
    name = StringField(_l("Material"), validators=[DataRequired(REQUIRED), Length(max=100)],
                       render_kw={"list": "legal-aid-material-names"})
    copies = IntegerField(_l("Copies"), default=1,
                          validators=[InputRequired(REQUIRED), NumberRange(min=1, max=100)])
    received_on = DateField(_l("Received on"),
                            validators=[DataRequired(REQUIRED), date_not_future])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
