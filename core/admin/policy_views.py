"""Security policy page (security administrator): the tenant's login and password policy."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from core.access.checks import require_permission
from core.admin.blueprint import add_error, audit, bp
from core.auth.settings import (
    DENGBAO_PROFILE,
    TOTP_OFF,
    TOTP_OPTIONAL,
    TOTP_REQUIRED,
    auth_settings,
    forget_auth_policy,
)
from core.db import db

POLICY_MANAGE = "core.policy.manage"


def _number(label, low: int, high: int, help_text=None) -> IntegerField:
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=low, max=high)],
                        description=help_text or "")


class PolicyForm(FlaskForm):
    """Mirrors core.auth.settings.AuthSettingsSchema; the schema validates again on save."""

    password_min_length = _number(_l("Minimum password length"), 8, 64)
    password_min_classes = _number(
        _l("Character classes required (of upper case, lower case, digits, symbols)"), 1, 4)
    password_max_age_days = _number(_l("Password expiry in days"), 0, 3650,
                                    _l("0: passwords never expire."))
    password_history = _number(_l("Previous passwords that may not be reused"), 0, 24)
    lockout_threshold = _number(_l("Failed logins before the account is locked"), 1, 100)
    lockout_minutes = _number(_l("Lock duration in minutes"), 1, 24 * 60)
    idle_timeout_minutes = _number(_l("Log out after this many idle minutes"), 1, 24 * 60)
    session_lifetime_hours = _number(_l("Log out after this many hours in any case"), 1, 72)
    totp_required_for_admins = BooleanField(
        _l("Administrators must use a second factor (TOTP)"))
    totp_for_others = SelectField(_l("Second factor for other staff"), choices=[
        SelectChoice(TOTP_OFF, _l("Not offered")),
        SelectChoice(TOTP_OPTIONAL, _l("Optional")),
        SelectChoice(TOTP_REQUIRED, _l("Required")),
    ])


@bp.route("/policy", methods=["GET", "POST"])
@require_permission(POLICY_MANAGE)
def policy():
    settings = auth_settings()
    current = settings.get_all()
    form = PolicyForm(data=current) if request.method == "GET" else PolicyForm()
    if form.validate_on_submit():
        wanted = {name: getattr(form, name).data for name in current if hasattr(form, name)}
        try:
            changed = settings.set_many(wanted)
        except ValidationError as exc:
            db.session.rollback()
            for name, messages in exc.messages.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    add_error(form, name, str(message))
        else:
            if changed:
                audit("policy.update", target_type="tenant_settings", security=True,
                      summary=", ".join(sorted(changed)),
                      details={name: {"old": old, "new": new}
                               for name, (old, new) in changed.items()})
            db.session.commit()
            forget_auth_policy()
            flash(_("Security policy saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(url_for("admin.policy"))
    return render_template("admin/policy.html", form=form, defaults=DENGBAO_PROFILE)
