"""Forms of the assignment steps: assignment (指派, from the pool, the applicant's choice or
the lawyer named on a notice), replacement (更换, Art. 55) and the agreement (委托协议)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from plugins.legal_aid.forms import options
from plugins.legal_aid.forms.decision import REQUIRED, date_field
from plugins.legal_aid.models.enums import AssignmentMethod, ReplacementReason


def int_or_none(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class AssignForm(FlaskForm):
    method = SelectField(_l("How the provider is chosen"),
                         choices=options(AssignmentMethod.choices()),
                         default=AssignmentMethod.POOL.value,
                         validators=[InputRequired(REQUIRED)])
    # Choices (the tenant's active providers) are filled in by the action's prepare.
    provider = SelectField(_l("Provider"), coerce=int_or_none,
                           validators=[InputRequired(_l("Choose the provider."))])
    assigned_on = date_field(_l("Assigned on"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ReplaceForm(FlaskForm):
    provider = SelectField(_l("New provider"), coerce=int_or_none,
                           validators=[InputRequired(_l("Choose the new provider."))])
    reason = SelectField(_l("Why the provider is replaced"),
                         choices=options(ReplacementReason.choices()),
                         validators=[InputRequired(REQUIRED)])
    note = TextAreaField(_l("Details"), validators=[Optional(), Length(max=300)])
    replaced_on = date_field(_l("Replaced on"))


class AgreementForm(FlaskForm):
    signed_on = date_field(_l("Agreement signed on"))
    excluded_days = IntegerField(
        _l("Working days of delay caused by the applicant"), default=0,
        description=_l("Not counted in the 3 working days for the agreement."),
        validators=[Optional(), NumberRange(min=0, max=60,
                                            message=_l("Enter 0 to 60 days."))])
