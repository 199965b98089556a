"""The consultation form (法律咨询): channel, visitor (free text or a registered person),
question and answer, outcome."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from plugins.legal_aid.forms.intake import REQUIRED, blank, date_not_future, options
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models.enums import Channel, ConsultationOutcome, choices

# "Turned into an application" is set by the conversion, never chosen by hand.
OUTCOME_CHOICES = [(o.value, o.label) for o in ConsultationOutcome
                   if o is not ConsultationOutcome.APPLICATION]
# Following up a consultation left "to follow up" (a referred matter) ends it.
FOLLOW_UP_CHOICES = [(value, text) for value, text in OUTCOME_CHOICES
                     if value != ConsultationOutcome.PENDING.value]


class ConsultationForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=options(choices(Channel)),
                          default=Channel.WINDOW.value)
    consulted_on = DateField(_l("Date"), validators=[DataRequired(REQUIRED), date_not_future])
    org_unit_id = SelectField(_l("Answered by (unit)"), coerce=int,
                              validators=[DataRequired(REQUIRED)])
    lookup = StringField(_l("Find a registered person"), validators=[Length(max=100)],
                         render_kw={"autocomplete": "off",
                                    "placeholder": _l("Name, ID number or phone")})
    person_id = SelectField(_l("Registered person"), choices=[], validate_choice=False,
                            default="")
    visitor_name = StringField(_l("Visitor's name"), validators=[Optional(), Length(max=50)])
    visitor_phone = StringField(_l("Visitor's phone"), validators=[Optional(), Length(max=30)])
    category = SelectField(_l("Category of the matter"),
                           choices=options(blank() + choices(MatterCategory)), default="")
    question = TextAreaField(_l("Question"), validators=[DataRequired(REQUIRED),
                                                        Length(max=10000)])
    answer = TextAreaField(_l("Answer given"), validators=[Optional(), Length(max=10000)])
    outcome = SelectField(_l("Outcome"), choices=options(OUTCOME_CHOICES),
                          default=ConsultationOutcome.ANSWERED.value)
    poverty_ledger = BooleanField(_l("On the poverty alleviation ledger"))


class FollowUpForm(FlaskForm):
    """The centre's answer to a consultation left to follow up (a referred matter)."""

    category = SelectField(_l("Category of the matter"),
                           choices=options(blank() + choices(MatterCategory)), default="")
    answer = TextAreaField(_l("Answer given"), validators=[DataRequired(REQUIRED),
                                                          Length(max=10000)])
    outcome = SelectField(_l("Outcome"), choices=options(FOLLOW_UP_CHOICES),
                          default=ConsultationOutcome.ANSWERED.value)
