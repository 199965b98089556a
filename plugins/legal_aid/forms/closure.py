"""Forms of the handling and closure steps: progress notes, the end of the matter, the
closure materials, the closure review (grade and subsidy) and the archive."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from plugins.legal_aid.forms import options
from plugins.legal_aid.models.enums import CaseResult, NoteKind, ReviewGrade

REQUIRED = _l("This field is required.")
MAX_MONEY = 10**11  # fits Numeric(14, 2)



def not_future(form: Any, field: Any) -> None:
    from plugins.legal_aid.workflow import today

    if field.data and field.data > today():
        raise ValidationError(_l("The date cannot be in the future."))


def _date(label: Any) -> DateField:
    return DateField(label, validators=[InputRequired(REQUIRED), not_future])


def _money(label: Any, description: Any = "") -> DecimalField:
    return DecimalField(label, places=2, description=description,
                        validators=[Optional(), NumberRange(
                            min=0, max=MAX_MONEY,
                            message=_l("Enter an amount of 0 or more."))])


def _text(label: Any, required: bool = True) -> TextAreaField:
    checks = [DataRequired(REQUIRED)] if required else [Optional()]
    return TextAreaField(label, validators=[*checks, Length(max=5000)])


class NoteForm(FlaskForm):
    noted_on = _date(_l("Date"))
    kind = SelectField(_l("What was done"), choices=options(NoteKind.choices()),
                       validators=[InputRequired(REQUIRED)])
    content = _text(_l("Record"))


class EndForm(FlaskForm):
    ended_on = _date(_l("Matter ended on"))
    result = SelectField(_l("Result"), choices=options(CaseResult.choices()),
                         validators=[InputRequired(REQUIRED)])
    result_summary = _text(_l("Closing report: how the matter was handled and ended"))
    amount_recovered = _money(_l("Economic benefit recovered or obtained (yuan)"),
                              _l("Leave empty when the matter had none."))


class MaterialsForm(FlaskForm):
    materials_submitted_on = _date(_l("Closure materials submitted on"))


class ReviewForm(FlaskForm):
    reviewed_on = _date(_l("Reviewed on"))
    review_grade = SelectField(_l("Grade"), choices=options(ReviewGrade.choices()),
                               default=ReviewGrade.QUALIFIED.value,
                               validators=[InputRequired(REQUIRED)])
    review_note = _text(_l("Review opinion"), required=False)
    subsidy_extra = _money(_l("Extra costs: travel and the like (yuan)"),
                           _l("Added to the subsidy as they are."))


class ArchiveForm(FlaskForm):
    archived_on = _date(_l("Archived on"))
    archive_number = StringField(_l("Archive number"),
                                 validators=[DataRequired(REQUIRED), Length(max=60)])
