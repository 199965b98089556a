"""Forms of the login, second factor, own password and own TOTP pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from core.auth.passwords import MAX_PASSWORD_LENGTH

CODE_RE = r"^\s*\d{3}\s?\d{3}\s*$"


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("6-digit code"),
        validators=[DataRequired(), Regexp(CODE_RE, message=_l("Enter the 6 digits shown "
                                                                "by your authenticator app."))],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 7})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=256)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(),
                                        EqualTo("new_password",
                                                message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ConfirmPasswordForm(FlaskForm):
    """Re-enter the password before removing the second factor."""

    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
