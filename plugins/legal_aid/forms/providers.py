"""The provider pool's form (法律援助人员库): every :class:`Provider` field; the user
account's choices are filled in by the view."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from plugins.legal_aid.assignment import MemberKind
from plugins.legal_aid.forms import options
from plugins.legal_aid.forms.assignment import int_or_none
from plugins.legal_aid.forms.decision import not_future
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models.enums import choices


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(label: Any, length: int, **kw: Any) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=length)], **kw)


class ProviderForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter the name.")),
                                               Length(max=50)])
    kind = SelectField(_l("Kind"), choices=options(choices(MemberKind)),
                       validators=[InputRequired(_l("Choose the kind."))])
    organisation = _text(_l("Law firm, legal service office or centre"), 100)
    licence_number = _text(_l("Practising licence number"), 40)
    phone = _text(_l("Office phone"), 30)
    practice_since = DateField(_l("Practising since"), validators=[Optional(), not_future])
    criminal_defence_since = DateField(
        _l("Criminal defence practice since"), validators=[Optional(), not_future],
        description=_l("Life imprisonment and death penalty cases need three full years "
                       "(Art. 26)."))
    legal_qualification = BooleanField(
        _l("Holds a lawyer's or legal professional qualification (centre staff, Art. 13)"))
    specialities = CheckboxesField(_l("Specialities"), choices=options(choices(MatterCategory)))
    familiar_with_minors = BooleanField(_l("Trained in minors' cases"))
    hometown = _text(_l("Hometown (county)"), 50)
    languages = _text(_l("Languages or dialects (comma-separated)"), 100)
    county = _text(_l("County of practice"), 50)
    max_load = IntegerField(_l("Open cases at most"), validators=[
        Optional(), NumberRange(min=1, max=500, message=_l("Enter 1 to 500, or leave empty."))])
    user_id = SelectField(_l("User account (the provider sees their assigned cases)"),
                          coerce=int_or_none, validators=[Optional()])
    active = BooleanField(_l("Active in the pool"), default=True)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])

    def validate_criminal_defence_since(self, field: Any) -> None:
        started = self.practice_since.data
        if field.data and started and field.data < started:
            raise ValidationError(_l("Criminal defence practice cannot start before "
                                     "practice itself."))
