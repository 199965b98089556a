"""The person form and the reveal form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from core.people.codes import ETHNIC_GROUPS
from core.people.errors import InvalidValue
from core.people.idcard import GENDER_LABELS, ID_TYPE_LABELS, IdType, validate_id_number
from core.people.phone import validate_phone

REVEAL_REASON_MIN = 4  # "核实身份" is four characters: a real reason, not a keystroke
REVEALABLE_FIELDS = ("id_number", "phone")


def _id_number_valid(form: PersonForm, field: StringField) -> None:
    if not field.data:
        return
    try:
        validate_id_number(form.id_type.data or IdType.RESIDENT_ID, field.data)
    except (InvalidValue, ValueError) as exc:
        raise ValidationError(str(exc)) from exc


def _phone_valid(form: PersonForm, field: StringField) -> None:
    if not field.data:
        return
    try:
        validate_phone(field.data)
    except InvalidValue as exc:
        raise ValidationError(str(exc)) from exc


class PersonForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    id_type = SelectField(_l("Type of document"),
                          choices=[SelectChoice(t.value, ID_TYPE_LABELS[t]) for t in IdType],
                          default=IdType.RESIDENT_ID.value)
    id_number = StringField(_l("Document number"),
                            validators=[Optional(), Length(max=40), _id_number_valid],
                            render_kw={"autocomplete": "off", "spellcheck": "false"})
    gender = SelectField(_l("Gender"),
                         choices=[SelectChoice("", _l("(from the ID number)"))]
                         + [SelectChoice(g.value, label) for g, label in GENDER_LABELS.items()],
                         default="")
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40), _phone_valid],
                        render_kw={"autocomplete": "off"})
    ethnic_group = SelectField(_l("Ethnic group"),
                               choices=[SelectChoice("", "—")]
                               + [SelectChoice(code, name) for code, name in ETHNIC_GROUPS],
                               default="")
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])


class RevealForm(FlaskForm):
    field = SelectField(_l("Show"), choices=[SelectChoice("id_number", _l("Document number")),
                                             SelectChoice("phone", _l("Phone"))])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("State why you need to see the full number.")),
                    Length(min=REVEAL_REASON_MIN, max=500,
                           message=_l("State the reason in %(min)d to %(max)d characters."))])
