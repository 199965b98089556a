"""Forms of the admin pages. Choices are filled per request from the tenant's data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.orgunits.models import ORG_UNIT_TYPE_LABELS, OrgUnitType


def _int_or_none(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class OrgUnitForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    unit_type = SelectField(_l("Type"), choices=[SelectChoice(t.value, ORG_UNIT_TYPE_LABELS[t])
                                                 for t in OrgUnitType],
                            default=OrgUnitType.SECTION.value)
    sort_order = IntegerField(_l("Sort order"), default=0,
                              validators=[Optional(), NumberRange(min=0, max=9999)])


class OrgUnitCreateForm(OrgUnitForm):
    parent = SelectField(_l("Parent unit"), coerce=_int_or_none, validators=[DataRequired()])


class OrgUnitMoveForm(FlaskForm):
    parent = SelectField(_l("New parent unit"), coerce=_int_or_none,
                         validators=[DataRequired()])


class ImportForm(FlaskForm):
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired()])


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Initial password"), validators=[Optional(), Length(max=256)])


class GrantForm(FlaskForm):
    role = SelectField(_l("Role"), coerce=_int_or_none, validators=[DataRequired()])
    org_unit = SelectField(_l("Scope"), coerce=_int_or_none, validators=[Optional()])


class RoleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=500)])
    permissions = SelectMultipleField(_l("Permissions"), choices=[], validate_choice=False)


class RoleCreateForm(RoleForm):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=40)])
