"""Forms of the committee pages: a committee, a mediator (with the person), leaving, and the
dispute-type list. Choices that depend on the tenant or the user (stations, places, logins)
are filled in by the views; the service checks everything again."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.sdk import Gender, people
from plugins.mediation.models.enums import (
    CommitteeType,
    Employment,
    IndustryField,
    MediatorPosition,
)

DATE_MESSAGE = _l("Enter the date as YYYY-MM-DD.")


def _blank(label: Any = "—") -> list[SelectChoice]:
    return [SelectChoice("", label)]


def options(pairs: Any) -> list[SelectChoice]:
    """``(value, label)`` pairs as select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def int_or_none(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class CommitteeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the committee's name.")),
                                               Length(max=100)],
                       render_kw={"placeholder": _l("e.g. 城关镇新华村人民调解委员会")})
    committee_type = SelectField(_l("Type"), choices=_blank() + options(CommitteeType.choices()),
                                 validators=[DataRequired(_l("Choose the type of committee."))])
    industry_field = SelectField(_l("Field (industry or professional committees)"),
                                 choices=_blank() + options(IndustryField.choices()), default="")
    parent = SelectField(_l("Justice station"), coerce=int_or_none, validate_choice=False,
                         validators=[InputRequired(_l("Choose the justice station (or the "
                                                      "bureau) it belongs to."))])
    place_id = SelectField(_l("Village, community or enterprise (from the places registry)"),
                           coerce=int_or_none, validate_choice=False, validators=[Optional()])
    town = StringField(_l("Town or subdistrict"), validators=[Optional(), Length(max=100)],
                       render_kw={"list": "town-list", "autocomplete": "off"})
    established_on = DateField(_l("Established on"), validators=[Optional()])
    address = StringField(_l("Office address"), validators=[Optional(), Length(max=200)])
    office_phone = StringField(_l("Office phone"), validators=[Optional(), Length(max=30)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class MediatorPostMixin:
    position = SelectField(_l("Position"), choices=options(MediatorPosition.choices()),
                           default=MediatorPosition.MEMBER.value)
    employment = SelectField(_l("Employment"), choices=options(Employment.choices()),
                             default=Employment.PART_TIME.value)
    term_start = DateField(_l("Term starts"), validators=[Optional()])
    term_end = DateField(_l("Term ends"), validators=[Optional()])
    user_id = SelectField(_l("Login in the system (optional)"), coerce=int_or_none,
                          validate_choice=False, validators=[Optional()])
    training_notes = TextAreaField(_l("Training and qualifications"),
                                   validators=[Optional(), Length(max=5000)])


class MediatorForm(MediatorPostMixin, FlaskForm):
    """A new mediator: a registered person (``person_id``) or the fields of a new one."""

    person_id = HiddenField()
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=100)])
    gender = SelectField(_l("Gender"), default="")
    id_type = SelectField(_l("Type of document"), default="resident_id")
    id_number = StringField(_l("Document number"), validators=[Optional(), Length(max=40)],
                            render_kw={"autocomplete": "off", "spellcheck": "false"})
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)],
                        render_kw={"autocomplete": "off"})
    ethnic_group = SelectField(_l("Ethnic group"), default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gender.choices = _blank(_l("(from the ID number)")) + options(
            (g.value, g.label) for g in Gender)
        self.id_type.choices = options((t.value, t.label) for t in people.IdType)
        self.ethnic_group.choices = _blank() + options(people.ETHNIC_GROUP_NAMES.items())


class MediatorEditForm(MediatorPostMixin, FlaskForm):
    pass


class LeaveForm(FlaskForm):
    left_on = DateField(_l("Left on"),
                        validators=[InputRequired(_l("Enter the date they left."))])


class DisputeTypeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")),
                                               Length(max=50)])
    code = StringField(_l("Code (optional)"), validators=[Optional(), Length(max=40)],
                       render_kw={"placeholder": _l("made from the name if left empty"),
                                  "spellcheck": "false"})


class RenameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")),
                                               Length(max=50)])
