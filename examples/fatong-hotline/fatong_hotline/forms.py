"""The hotline's forms. Messages are English msgids translated by the plugin's catalog; the
pages show each error beside its field and keep whatever was typed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
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

from fatong_hotline.models import OUTCOME_LABELS, TIMEZONE, Outcome

REQUIRED = _l("This field is required.")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# A clock a few minutes fast on the operator's desktop must not block a call just taken.
CLOCK_SLACK = timedelta(minutes=10)

# "Referred" is set by a referral on the call's page, never picked by hand.
OUTCOME_CHOICES = [SelectChoice(o.value, OUTCOME_LABELS[o]) for o in Outcome
                   if o is not Outcome.REFERRED]


def options(pairs: list[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def now_local() -> datetime:
    """Now in Beijing, without seconds, naive (what a datetime-local input holds)."""
    return datetime.now(TIMEZONE).replace(second=0, microsecond=0, tzinfo=None)


def not_in_future(form: Any, field: Any) -> None:
    if field.data and field.data > now_local() + CLOCK_SLACK:
        raise ValidationError(_l("The time cannot be in the future."))


def length(maximum: int) -> Length:
    return Length(max=maximum, message=_l("At most %(max)d characters.", max=maximum))


class CallForm(FlaskForm):
    received_at = DateTimeLocalField(_l("Received at"), format=DATETIME_FORMAT,
                                     validators=[DataRequired(REQUIRED), not_in_future])
    org_unit_id = SelectField(_l("Taken by (unit)"), coerce=int,
                              validators=[DataRequired(REQUIRED)])
    lookup = StringField(_l("Find a registered caller"), validators=[length(100)],
                         render_kw={"autocomplete": "off",
                                    "placeholder": _l("Name, ID number or phone")})
    person_id = SelectField(_l("Registered caller"), choices=[], validate_choice=False,
                            default="")
    caller_name = StringField(_l("Caller's name"), validators=[Optional(), length(50)])
    caller_id_number = StringField(_l("Caller's ID number"), validators=[length(30)],
                                   render_kw={"autocomplete": "off"})
    caller_phone = StringField(_l("Caller's phone"), validators=[length(30)],
                               render_kw={"autocomplete": "off"})
    category_id = SelectField(_l("Category"), coerce=int, validators=[DataRequired(REQUIRED)])
    question = TextAreaField(_l("Question"), validators=[DataRequired(REQUIRED), length(10000)])
    answer = TextAreaField(_l("Answer given"), validators=[Optional(), length(10000)])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=0, max=600, message=_l("Enter 0 to 600 minutes."))])
    outcome = SelectField(_l("Outcome"), choices=OUTCOME_CHOICES,
                          default=Outcome.ANSWERED.value)
    # No Optional(): it would stop the chain before validate_transferred_to runs.
    transferred_to = StringField(_l("Transferred to"), validators=[length(100)])

    def validate_transferred_to(self, field: Any) -> None:
        if self.outcome.data == Outcome.TRANSFERRED.value and not (field.data or "").strip():
            raise ValidationError(_l("Name the department the caller was transferred to."))

    def validate_caller_phone(self, field: Any) -> None:
        # A phone or ID number is kept only in the people registry, which needs a name.
        if (field.data or self.caller_id_number.data) and not self.person_id.data \
                and not (self.caller_name.data or "").strip():
            raise ValidationError(_l("Give the caller's name to register their numbers."))


class CallbackForm(FlaskForm):
    done_at = DateTimeLocalField(_l("Called back at"), format=DATETIME_FORMAT,
                                 validators=[DataRequired(REQUIRED), not_in_future])
    note = TextAreaField(_l("What was said"), validators=[DataRequired(REQUIRED), length(2000)])


class ReferralForm(FlaskForm):
    # Not limited to the choices shown: a line switched off since the page was drawn is
    # refused by core (ReferralRefused), whose message says why.
    target = SelectField(_l("Refer to"), choices=[], validate_choice=False,
                         validators=[DataRequired(REQUIRED), length(60)])
    note = TextAreaField(_l("Note for the receiving line"), validators=[Optional(), length(1000)])


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), length(50)])
    sort_order = IntegerField(_l("Order"), default=0, validators=[
        Optional(), NumberRange(min=0, max=10000, message=_l("Enter 0 to 10000."))])


class CategoryEditForm(CategoryForm):
    active = BooleanField(_l("Offered for new calls"))
