"""The signup form. Region choices depend on what is picked, so they are set per request."""

from __future__ import annotations

from typing import Any

import marshmallow
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.admin.accounts import USERNAME_RE
from core.people.phone import PhoneError, validate_phone
from tenants.settings import TenantSettingsSchema


def _phone(form: Any, field: Any) -> None:
    """The same rule as the contact phone setting the signup fills in."""
    try:
        field.data = validate_phone(field.data or "").number
    except PhoneError as exc:
        raise ValidationError(str(exc)) from exc


def _schema_field(name: str):
    """A WTForms validator running the tenant settings schema's own check of one field."""

    def check(form: Any, field: Any) -> None:
        try:
            TenantSettingsSchema().load({name: field.data})
        except marshmallow.ValidationError as exc:
            raise ValidationError(" ".join(map(str, exc.messages.get(name, [])))) from exc

    return check


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SignupForm(FlaskForm):
    province = SelectField(_l("Province, autonomous region or municipality"),
                           validate_choice=False)
    city = SelectField(_l("City (or county directly under the province)"),
                       validate_choice=False)
    county = SelectField(_l("County or district"), validate_choice=False)
    bureau_name = StringField(_l("Name of the bureau"),
                              validators=[DataRequired(), Length(min=4, max=100)])
    slug = StringField(_l("Address code"), validators=[DataRequired(), Length(min=2, max=63)],
                       description=_l("Your bureau's pages will be at /t/<address code>/. "
                                      "Lowercase letters, digits and hyphens."))
    contact_name = StringField(_l("Contact person"),
                               validators=[DataRequired(), Length(max=40)])
    contact_phone = StringField(_l("Contact phone"), validators=[DataRequired(), _phone])
    contact_email = StringField(_l("Contact email"),
                                validators=[Optional(), _schema_field("contact_email")])
    admin_username = StringField(
        _l("Administrator's username"),
        validators=[DataRequired(), Regexp(USERNAME_RE, message=_l(
            "2-64 letters, digits or . _ @ -, starting with a letter or digit."))],
        description=_l("The first system administrator of your bureau; it creates the "
                       "other accounts."))
    admin_password = PasswordField(_l("Administrator's password"),
                                   validators=[DataRequired()])
    admin_password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("admin_password",
                                            message=_l("The two passwords differ."))])
    plugins = CheckboxListField(_l("Service lines"), validate_choice=False)
    captcha_token = HiddenField()
    captcha_answer = StringField(_l("Characters in the picture"),
                                 validators=[DataRequired(), Length(max=10)])
    # The last suggestions made, so that a new region replaces a suggestion but never
    # something the applicant typed.
    slug_suggested = HiddenField()
    name_suggested = HiddenField()
