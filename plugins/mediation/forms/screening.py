"""Forms of dispute screening (矛盾纠纷排查): the record, its list filters, and turning it
into a case. Choices that depend on the user (org units, places, committees) are set by
the view."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
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

from plugins.mediation.models.enums import RiskLevel, ScreeningStatus

# CONVERTED is set by turning the record into a case, never chosen by hand.
EDITABLE_STATUSES = (ScreeningStatus.WATCHING, ScreeningStatus.RESOLVED,
                     ScreeningStatus.REFERRED)


def _int_or_none(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ChoiceField(SelectField):
    """A select whose refusal of a value not on offer (another station's unit, a stale
    option) reads as the other messages do."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # rendered as one by macros/forms.html

    def pre_validate(self, form: FlaskForm) -> None:
        if not any(choice[2] for choice in self.iter_choices()):
            raise ValidationError(_l("Choose one of the options offered."))


class ScreeningForm(FlaskForm):
    org_unit = ChoiceField(_l("Found by"), coerce=_int_or_none,
                           validators=[DataRequired(_l("Choose the station or committee."))])
    screened_on = DateField(_l("Date found"),
                            validators=[InputRequired(_l("Enter the date as YYYY-MM-DD."))])
    place = ChoiceField(_l("Place (from the registry)"), coerce=_int_or_none,
                        validators=[Optional()])
    place_detail = StringField(_l("Place (details or not in the registry)"),
                               validators=[Optional(), Length(max=200)])
    dispute_type = ChoiceField(_l("Dispute type"), coerce=_int_or_none,
                               validators=[DataRequired(_l("Choose the dispute type."))])
    summary = TextAreaField(_l("What the dispute is about"),
                            validators=[DataRequired(_l("Describe the dispute.")),
                                        Length(max=5000)])
    people_involved = IntegerField(
        _l("People involved"), default=2,
        validators=[InputRequired(_l("Enter a whole number.")),
                    NumberRange(min=1, max=100000, message=_l("At least one person."))])
    risk_level = ChoiceField(_l("Risk level"),
                             choices=[SelectChoice(v, label) for v, label in RiskLevel.choices()],
                             default=RiskLevel.LOW.value)
    criminal_risk = BooleanField(_l("May turn into a criminal case"))
    group_risk = BooleanField(_l("May lead to a group incident"))
    measures = TextAreaField(_l("Measures taken (stabilising, resolving)"),
                             validators=[Optional(), Length(max=5000)])
    status = ChoiceField(_l("Status"),
                         choices=[SelectChoice(s.value, s.label) for s in EDITABLE_STATUSES],
                         default=ScreeningStatus.WATCHING.value)


class ConvertForm(FlaskForm):
    """Turn a screening record into a case accepted on the committee's initiative."""

    committee = ChoiceField(_l("Committee"), coerce=_int_or_none,
                            validators=[DataRequired(_l("Choose the committee."))])
    mediator = ChoiceField(_l("Mediator"), coerce=_int_or_none, validators=[Optional()])
    accepted_on = DateField(_l("Accepted on"),
                            validators=[InputRequired(_l("Enter the date as YYYY-MM-DD."))])
