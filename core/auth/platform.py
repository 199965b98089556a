"""Platform operators: ``/platform/login`` (password, then TOTP, always) and ``/platform/``.

Operators run the installation; they belong to no tenant and their sessions never open a
tenant page (404, see core.auth.guard). The console lists tenants only: no tenant data.
Its menu comes from every loaded plugin's ``platform_nav_items`` (the tenants module adds
applications, tenants, plugins and the platform audit trail), and its pages extend
``templates/platform/layout.html``; other console blueprints guard themselves with
:func:`require_operator`.
Lockout and timeouts follow the dengbao defaults (core.auth.settings.platform_policy).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.routing import BuildError

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
from core.plugins.contributions import NavItem
from core.signals import logged_out
from core.tenancy.models import Tenant, TenantStatus

log = logging.getLogger(__name__)

bp = Blueprint("platform", __name__, url_prefix="/platform")

PUBLIC_ENDPOINTS = frozenset({"platform.login"})
SECOND_FACTOR_ENDPOINTS = frozenset({"platform.second_factor", "platform.logout"})


def platform_auth() -> AuthState | None:
    return current_state(PLATFORM, platform_policy, None)


def require_operator() -> Any:
    """Before each console request: only a fully logged-in operator passes.

    Other blueprints of the console use it too: ``bp.before_request(require_operator)``.
    A half-authenticated session is sent to the second factor, anyone else to the login.
    """
    state = platform_auth()
    if state is not None and state.pending:
        if request.endpoint in SECOND_FACTOR_ENDPOINTS:
            return None
        return redirect(url_for("platform.second_factor"))
    if state is not None:
        from core.audit.api import OPERATOR_ACTOR

        # Events of console requests (cross-tenant reads…) name the operator, not "anonymous".
        setattr(g, OPERATOR_ACTOR, (state.account.id, state.account.username))
        return None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return redirect(url_for("platform.login"))


bp.before_request(require_operator)


def current_operator() -> PlatformUser | None:
    """The operator of this request (fully logged in), or None."""
    state = platform_auth()
    return None if state is None or state.pending else state.account


@dataclass(frozen=True)
class PlatformNavLink:
    title: Any
    url: str
    icon: str
    active: bool
    badge: Any = None


def platform_navigation() -> list[PlatformNavLink]:
    """The console menu: the overview, then every loaded plugin's ``platform_nav_items``.

    Not gated by tenant: operators belong to none. A plugin whose hook raises loses its
    entries on this page only (logged); the console itself keeps working.
    """
    manager = current_app.extensions["fatong.plugins"]
    items = [NavItem(title=_("Overview"), endpoint="platform.home", weight=0, icon="speedometer2")]
    for impl in manager.pm.hook.platform_nav_items.get_hookimpls():
        try:
            items.extend(impl.function() or [])
        except Exception:  # noqa: BLE001 - one plugin's menu must not take the console down
            log.exception("platform_nav_items of %s failed", manager.pm.get_name(impl.plugin))
    items.sort(key=lambda item: (item.weight, str(item.title)))
    links = []
    for item in items:
        try:
            url = url_for(item.endpoint, **item.url_values)
        except BuildError:
            continue
        home = url_for("platform.home")
        active = request.path == url or (url != home and request.path.startswith(url))
        links.append(PlatformNavLink(title=item.title, url=url, icon=item.icon, active=active,
                                     badge=getattr(item, "badge", None)))
    return links


@bp.app_context_processor
def _console_context() -> dict[str, Any]:
    # Callables: nothing is queried unless a console template asks.
    return {"platform_navigation": platform_navigation, "platform_operator": current_operator}


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
    by_status = dict(db.session.execute(
        select(Tenant.status, func.count()).group_by(Tenant.status)).tuples().all())
    counts = {status.value: by_status.get(status, 0) for status in TenantStatus}
    return render_template("auth/platform_home.html", tenants=tenants, counts=counts,
                           operator=platform_auth().account)
