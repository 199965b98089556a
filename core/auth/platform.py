"""Platform operators: ``/platform/login`` (password, then TOTP, always) and ``/platform/``.

Operators run the installation; they belong to no tenant and their sessions never open a
tenant page (404, see core.auth.guard). The console lists tenants only: no tenant data.
Lockout and timeouts follow the dengbao defaults (core.auth.settings.platform_policy).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.auth import service
from core.auth.forms import CodeForm, LoginForm
from core.auth.models import STAGE_FULL, STAGE_SECOND_FACTOR, PlatformUser
from core.auth.sessions import (
    PLATFORM,
    AuthState,
    current_state,
    end_current_session,
    start_session,
)
from core.auth.settings import platform_policy
from core.auth.views import enrolment_context, enrolment_secret, generic_failure
from core.db import db
from core.signals import logged_out
from core.tenancy.models import Tenant

bp = Blueprint("platform", __name__, url_prefix="/platform")

PUBLIC_ENDPOINTS = frozenset({"platform.login"})
SECOND_FACTOR_ENDPOINTS = frozenset({"platform.second_factor", "platform.logout"})


def platform_auth() -> AuthState | None:
    return current_state(PLATFORM, platform_policy, None)


@bp.before_request
def _require_operator() -> Any:
    state = platform_auth()
    if state is not None and state.pending:
        if request.endpoint in SECOND_FACTOR_ENDPOINTS:
            return None
        return redirect(url_for("platform.second_factor"))
    if state is not None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return redirect(url_for("platform.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        operator = service.authenticate(PlatformUser, form.username.data, form.password.data,
                                        platform_policy(), None)
        if operator is not None:
            start_session(operator, STAGE_SECOND_FACTOR)  # TOTP always follows
            db.session.commit()
            return redirect(url_for("platform.second_factor"))
        flash(generic_failure(), "danger")
    return render_template("auth/platform_login.html", form=form)


@bp.route("/login/second-factor", methods=["GET", "POST"])
def second_factor():
    state = platform_auth()
    if state is None or not state.pending:
        return redirect(url_for("platform.home"))
    operator, policy = state.account, platform_policy()
    secret = None if operator.totp_enabled else enrolment_secret(state)
    form = CodeForm()
    if form.validate_on_submit():
        if service.is_locked(operator):
            return _locked_out()
        if service.check_totp(operator, form.code.data, policy, None, secret=secret):
            if secret is not None:
                service.confirm_totp(operator, secret)
            start_session(operator, STAGE_FULL)
            service.login_completed(operator, None, "password+totp")
            return redirect(url_for("platform.home"))
        if service.is_locked(operator):
            return _locked_out()
        form.code.errors.append(_("The code is not correct, or was already used. Wait for "
                                  "the next code and try again."))
    context = (enrolment_context(secret, f"{operator.username} (platform)", _("Fatong"))
               if secret else {})
    return render_template("auth/second_factor.html", form=form, enrol=secret is not None,
                           logout_url=url_for("platform.logout"), **context)


def _locked_out() -> Any:
    end_current_session()
    db.session.commit()
    flash(generic_failure(), "danger")
    return redirect(url_for("platform.login"))


@bp.route("/logout", methods=["POST"])
def logout():
    state = platform_auth()
    end_current_session()
    db.session.commit()
    if state is not None:
        logged_out.send(current_app._get_current_object(), tenant=None,
                        username=state.account.username, user=state.account, reason="logout")
    flash(_("You have logged out."), "info")
    return redirect(url_for("platform.login"))


@bp.route("/")
def home():
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.slug)).all()
    return render_template("auth/platform_home.html", tenants=tenants,
                           operator=platform_auth().account)
