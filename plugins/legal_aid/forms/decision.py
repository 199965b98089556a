"""Forms of the decision steps: grant (给予), refusal (不予), the objection and the bureau's
decision on it (异议, Art. 49), and termination (终止, Art. 48)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from plugins.legal_aid.forms import options
from plugins.legal_aid.models.enums import ObjectionResult, TerminationGround

REQUIRED = _l("This field is required.")
ITEMS = "一二三四五六七八九"


def not_future(form: Any, field: Any) -> None:
    """A step is recorded once it happened: no dates ahead of today."""
    from plugins.legal_aid.workflow import today

    if field.data and field.data > today():
        raise ValidationError(_l("The date cannot be in the future."))


def date_field(label: Any) -> DateField:
    return DateField(label, validators=[InputRequired(_l("Enter the date as YYYY-MM-DD.")),
                                        not_future])


def text_field(label: Any, required: bool = True, message: Any = REQUIRED) -> TextAreaField:
    checks = [InputRequired(message)] if required else [Optional()]
    return TextAreaField(label, validators=[*checks, Length(max=5000)])


def termination_choices() -> list[SelectChoice]:
    """Art. 48 ¶1's grounds with their item numbers, as the decision cites them."""
    return options((ground.value, f"（{ITEMS[ground.item - 1]}）{ground.label}")
                   for ground in TerminationGround)


class GrantForm(FlaskForm):
    decided_on = date_field(_l("Decision date"))
    reasons = text_field(_l("Reasons"), message=_l("Give the reasons for the decision."))
    advance_aid = BooleanField(_l("Aid already given in advance (Art. 44)"))


class RefuseForm(FlaskForm):
    decided_on = date_field(_l("Decision date"))
    reasons = text_field(_l("Reasons"),
                         message=_l("A refusal must give its reasons (Art. 43)."))


class ObjectionForm(FlaskForm):
    received_on = date_field(_l("Objection received on"))
    reason = text_field(_l("What the applicant objects to"),
                        message=_l("Record what the objection says."))


class ObjectionDecisionForm(FlaskForm):
    decided_on = date_field(_l("Bureau decided on"))
    result = SelectField(_l("Result"), choices=options(ObjectionResult.choices()),
                         validators=[InputRequired(REQUIRED)])
    note = text_field(_l("Reasons of the bureau"), required=False)


class TerminateForm(FlaskForm):
    ground = SelectField(_l("Ground (Art. 48 ¶1)"), choices=termination_choices,
                         validators=[InputRequired(REQUIRED)])
    terminated_on = date_field(_l("Termination date"))
    reasons = text_field(_l("Reasons"),
                         message=_l("A termination must give its reasons."))
