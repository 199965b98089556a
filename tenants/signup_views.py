"""Self-provisioning at /signup: a bureau applies for its tenant.

Abuse controls: a per-address rate limit on submissions (``SIGNUP_RATE_LIMIT``), an offline
image captcha (tenants.captcha), and one pending application per administrative unit (also
enforced by a unique index). ``SIGNUP_ENABLED = False`` closes the page on a deployment
where operators create tenants themselves.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from wtforms.fields import SelectChoice

from core import regions
from core.db import db
from tenants import captcha
from tenants.signup import (
    SignupRefused,
    SignupRequest,
    offered_plugins,
    slug_taken,
    submit,
)
from tenants.signup_forms import SignupForm
from tenants.slugs import suggest_slug

bp = Blueprint("signup", __name__, url_prefix="/signup", template_folder="templates")

CONFIG_DEFAULTS = {
    "SIGNUP_ENABLED": True,
    "SIGNUP_AUTO_APPROVE": False,
    "SIGNUP_RATE_LIMIT": "5 per hour",
}
DONE_KEY = "signup_done"
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})


@bp.record_once
def _configure(state: Any) -> None:
    app = state.app
    for key, value in CONFIG_DEFAULTS.items():
        app.config.setdefault(key, value)
    limiter = app.extensions.get("fatong.limiter")
    if limiter is not None:
        # Submissions only (the blueprint's one POST): picking regions and refreshing the
        # captcha are GETs. A blueprint limit, because Flask keeps the undecorated view.
        limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"], methods=["POST"],
                      key_func=get_remote_address)(bp)


@bp.before_request
def _open() -> None:
    if not current_app.config.get("SIGNUP_ENABLED", True):
        abort(404)


# --- regions ------------------------------------------------------------------------------


def _picked(form: SignupForm) -> regions.Region | None:
    """The deepest unit picked that is consistent with the levels above it."""
    province = regions.get(form.province.data or "")
    if province is None or province.parent_code is not None:
        return None
    second = regions.get(form.city.data or "")
    if second is None or second.parent_code != province.code:
        return province
    third = regions.get(form.county.data or "")
    if third is None or third.parent_code != second.code:
        return second
    return third


def _fill_region_choices(form: SignupForm) -> regions.Region | None:
    placeholder = SelectChoice("", _("— choose —"))
    form.province.choices = [placeholder, *[
        SelectChoice(r.code, r.name) for r in regions.children(None)]]
    picked = _picked(form)
    chain = [*reversed(regions.ancestors(picked.code)), picked] if picked else []
    province = chain[0] if chain else None
    second = chain[1] if len(chain) > 1 else None
    form.city.choices = [placeholder, *[SelectChoice(r.code, r.name)
                                        for r in regions.children(province.code)]] \
        if province else [placeholder]
    form.county.choices = [placeholder, *[SelectChoice(r.code, r.name)
                                          for r in regions.children(second.code)]] \
        if second else [placeholder]
    # Keep the selects consistent with what was accepted.
    form.province.data = province.code if province else ""
    form.city.data = second.code if second else ""
    form.county.data = chain[2].code if len(chain) > 2 else ""
    return picked


def suggested_name(region: regions.Region) -> str:
    """What the justice bureau of a unit is usually called."""
    if region.level == "province" and region.code not in MUNICIPALITIES:
        return f"{region.name}司法厅"
    return f"{region.name}司法局"


def _apply_suggestions(form: SignupForm, picked: regions.Region | None) -> None:
    """Suggest an address code and a name for the unit, replacing only earlier suggestions."""
    if picked is None:
        return
    slug = suggest_slug(picked, slug_taken)
    if (form.slug.data or "") in ("", form.slug_suggested.data or ""):
        form.slug.data = slug
    form.slug_suggested.data = slug
    name = suggested_name(picked)
    if (form.bureau_name.data or "") in ("", form.name_suggested.data or ""):
        form.bureau_name.data = name
    form.name_suggested.data = name


def _plugin_choices(form: SignupForm) -> list:
    records = offered_plugins()
    form.plugins.choices = [SelectChoice(r.name, str(r.info.title)) for r in records]
    return records


# --- pages --------------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
def apply():
    form = SignupForm()
    picked = _fill_region_choices(form)
    records = _plugin_choices(form)
    if request.method == "GET":
        _apply_suggestions(form, picked)
        form.plugins.data = form.plugins.data or []
    elif form.validate_on_submit():
        solved = captcha.check(form.captcha_token.data, form.captcha_answer.data)
        if not solved:
            form.captcha_answer.errors.append(
                _("The characters do not match the picture. Try the new picture."))
        elif picked is None:
            form.province.errors.append(_("Choose your administrative unit from the list."))
        else:
            try:
                application = submit(SignupRequest(
                    region_code=picked.code, slug=form.slug.data.strip().lower(),
                    bureau_name=form.bureau_name.data, contact_name=form.contact_name.data,
                    contact_phone=form.contact_phone.data,
                    contact_email=form.contact_email.data or "",
                    admin_username=form.admin_username.data,
                    admin_password=form.admin_password.data,
                    plugins=list(form.plugins.data or []), ip=request.remote_addr or ""))
            except SignupRefused as refused:
                _show_problems(form, refused.problems)
            else:
                tenant = application.tenant
                session[DONE_KEY] = {"slug": tenant.slug, "name": tenant.name,
                                     "active": tenant.is_active,
                                     "username": application.admin_username}
                return redirect(url_for("signup.submitted"))
    # Every rendering gets a fresh captcha: the old one is spent (or never was).
    challenge = captcha.new_challenge()
    db.session.commit()
    form.captcha_token.data = challenge.token
    form.captcha_answer.data = ""
    return render_template("tenants/signup/form.html", form=form, picked=picked,
                           records=records, challenge=challenge,
                           auto_approve=current_app.config["SIGNUP_AUTO_APPROVE"])


def _show_problems(form: SignupForm, problems: dict[str, list[str]]) -> None:
    targets = {"region_code": form.county if form.county.data else
               (form.city if form.city.data else form.province)}
    for name, messages in problems.items():
        field = targets.get(name) or getattr(form, name, None)
        if field is None or name == "":
            form.form_errors.extend(messages)
        else:
            field.errors = [*field.errors, *messages]


@bp.route("/regions")
def region_fields():
    """htmx: the region selects (and suggested address and name) for what is picked so far."""
    form = SignupForm(formdata=request.args, meta={"csrf": False})
    picked = _fill_region_choices(form)
    _apply_suggestions(form, picked)
    return render_template("tenants/signup/_regions.html", form=form, picked=picked)


@bp.route("/captcha")
def new_captcha():
    """htmx: another picture, for an applicant who cannot read this one."""
    challenge = captcha.new_challenge()
    db.session.commit()
    form = SignupForm(meta={"csrf": False})
    form.captcha_token.data = challenge.token
    return render_template("tenants/signup/_captcha.html", form=form, challenge=challenge)


@bp.route("/submitted")
def submitted():
    done = session.get(DONE_KEY)
    if not done:
        return redirect(url_for("signup.apply"))
    return render_template("tenants/signup/submitted.html", done=done)
