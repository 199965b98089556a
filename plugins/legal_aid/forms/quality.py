"""Forms of the quality records on a case: the 1122 contacts and choices, follow-up calls,
scored reviews and complaints."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from plugins.legal_aid.forms.closure import REQUIRED, not_future, options
from plugins.legal_aid.models.enums import ComplaintStatus, Satisfaction


def _date(label) -> DateField:
    return DateField(label, validators=[InputRequired(REQUIRED), not_future])


def _content(required: bool = True) -> TextAreaField:
    checks = [DataRequired(REQUIRED)] if required else [Optional()]
    return TextAreaField(_l("Content"), validators=[*checks, Length(max=5000)])


def _name(label, required: bool = True) -> StringField:
    checks = [DataRequired(REQUIRED)] if required else [Optional()]
    return StringField(label, validators=[*checks, Length(max=50)])


class ContactForm(FlaskForm):
    checked_on = _date(_l("Date"))
    content = _content()


class ChoiceForm(FlaskForm):
    checked_on = _date(_l("Date"))
    subject = StringField(_l("Provider chosen or kept"),
                          validators=[DataRequired(REQUIRED), Length(max=100)])
    content = _content(required=False)


class FollowUpForm(FlaskForm):
    checked_on = _date(_l("Date of the call"))
    subject = _name(_l("Who answered"))
    satisfaction = SelectField(_l("Satisfaction"), choices=options(Satisfaction.choices()),
                               default=Satisfaction.SATISFIED.value,
                               validators=[InputRequired(REQUIRED)])
    content = _content(required=False)


class ScoreForm(FlaskForm):
    checked_on = _date(_l("Date"))
    score = IntegerField(_l("Score (0–100)"), validators=[
        InputRequired(_l("Enter a whole number from 0 to 100.")),
        NumberRange(min=0, max=100, message=_l("Enter a whole number from 0 to 100."))])
    checker = _name(_l("Checked by"))
    content = _content(required=False)


class ComplaintForm(FlaskForm):
    received_on = _date(_l("Received on"))
    complainant = _name(_l("Complainant"))
    content = _content()


class ComplaintResultForm(FlaskForm):
    complaint = SelectField(_l("Complaint"), choices=[], validators=[InputRequired(REQUIRED)])
    status = SelectField(_l("Finding"), choices=options(
        (s.value, s.label) for s in ComplaintStatus if s is not ComplaintStatus.OPEN),
        validators=[InputRequired(REQUIRED)])
    handled_on = _date(_l("Handled on"))
    action = TextAreaField(_l("Action taken, as told to the complainant"),
                           validators=[DataRequired(REQUIRED), Length(max=5000)])
