"""Per-tenant login, second factor, logout, own account, and the 在线用户 page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core.access.checks import has_permission, require_permission
from core.auth import service, totp
from core.auth.forms import ChangePasswordForm, CodeForm, ConfirmPasswordForm, LoginForm
from core.auth.guard import public, tenant_auth
from core.auth.models import STAGE_FULL, STAGE_SECOND_FACTOR, User, UserSession
from core.auth.sessions import (
    active_sessions,
    end_current_session,
    purge_expired,
    start_session,
)
from core.auth.settings import auth_policy
from core.db import db
from core.signals import logged_out, permission_denied

bp = Blueprint("auth", __name__, url_prefix="/t/<tenant>")

NEXT_KEY = "login_next"
SESSION_PERMISSION = "core.session.manage"


def generic_failure() -> str:
    # One message for unknown user, wrong password, locked and disabled accounts alike.
    return _("Invalid username or password.")


def _safe_next(target: str | None) -> str | None:
    """Only follow ``next`` back into this tenant's own pages."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"/t/{g.tenant.slug}/"):
        return None
    return target


def _after_login(target: str | None) -> Any:
    return redirect(_safe_next(target) or url_for("home.index"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        policy = auth_policy()
        user = service.authenticate(User, form.username.data, form.password.data, policy,
                                    g.tenant)
        if user is not None:
            purge_expired(policy)
            target = request.args.get("next")
            step = service.second_factor(user, policy)
            if step is None:
                start_session(user, STAGE_FULL)
                service.login_completed(user, g.tenant, "password")
                return _after_login(target)
            start_session(user, STAGE_SECOND_FACTOR)
            session[NEXT_KEY] = _safe_next(target)
            db.session.commit()
            return redirect(url_for("auth.second_factor"))
        flash(generic_failure(), "danger")
    return render_template("auth/login.html", form=form)


# --- second factor -------------------------------------------------------------------------


def _issuer() -> str:
    return f"{_('Fatong')} {g.tenant.name}"


def enrolment_secret(state: Any) -> str:
    """The secret being enrolled in this session, created on first use; commits."""
    row, account = state.row, state.account
    if row.pending_totp_secret:
        return totp.open_secret(account, row.pending_totp_secret, kind="pending")
    secret = totp.new_secret()
    row.pending_totp_secret = totp.seal_secret(account, secret, kind="pending")
    db.session.commit()
    return secret


def enrolment_context(secret: str, account_name: str, issuer: str) -> dict[str, Any]:
    uri = totp.provisioning_uri(secret, account_name, issuer)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return {"qr": totp.qr_svg(uri, _("QR code for your authenticator app")),
            "secret": grouped}


@bp.route("/login/second-factor", methods=["GET", "POST"])
def second_factor():
    state = tenant_auth()
    if state is None or not state.pending:
        return redirect(url_for("home.index"))  # nothing owed (the guard handles anonymous)
    account, policy = state.account, auth_policy()
    step = service.second_factor(account, policy) or service.VERIFY
    form = CodeForm()
    secret = enrolment_secret(state) if step == service.ENROL else None
    if form.validate_on_submit():
        if service.is_locked(account):
            return _locked_out()
        if service.check_totp(account, form.code.data, policy, g.tenant, secret=secret):
            if secret is not None:
                service.confirm_totp(account, secret)
            target = session.get(NEXT_KEY)
            start_session(account, STAGE_FULL)
            service.login_completed(account, g.tenant, "password+totp")
            return _after_login(target)
        if service.is_locked(account):
            return _locked_out()
        form.code.errors.append(_("The code is not correct, or was already used. Wait for "
                                  "the next code and try again."))
    context = enrolment_context(secret, f"{account.username}", _issuer()) if secret else {}
    return render_template("auth/second_factor.html", form=form, enrol=secret is not None,
                           logout_url=url_for("auth.logout"), **context)


def _locked_out() -> Any:
    end_current_session()
    db.session.commit()
    flash(generic_failure(), "danger")
    return redirect(url_for("auth.login"))


@bp.route("/logout", methods=["POST"])
def logout():
    state = tenant_auth()
    end_current_session()
    db.session.commit()
    if state is not None:
        logged_out.send(current_app._get_current_object(), tenant=g.tenant,
                        username=state.account.username, user=state.account, reason="logout")
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


# --- own account ---------------------------------------------------------------------------


@bp.route("/account")
def account():
    policy = auth_policy()
    return render_template(
        "auth/account.html", user=current_user, remove_form=ConfirmPasswordForm(),
        totp_allowed=service.totp_allowed(current_user, policy),
        totp_required=service.totp_required(current_user, policy),
        max_age=policy["password_max_age_days"])


@bp.route("/password", methods=["GET", "POST"])
def password():
    user, policy = current_user._get_current_object(), auth_policy()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is not correct."))
        else:
            problems = service.password_problems(user, form.new_password.data, policy)
            if problems:
                form.new_password.errors.extend(problems)
            else:
                service.change_password(user, form.new_password.data, policy)
                start_session(user, STAGE_FULL)  # every other session of the user has ended
                db.session.commit()
                flash(_("Your password has been changed. Your other sessions were ended."),
                      "success")
                return redirect(url_for("home.index"))
    reason = None
    if user.must_change_password:
        reason = _("An administrator set your password. Choose your own before you continue.")
    elif service.password_expired(user, policy):
        reason = _("Your password has expired. Choose a new one before you continue.")
    return render_template("auth/password.html", form=form, reason=reason, policy=policy)


@bp.route("/account/totp", methods=["GET", "POST"])
def totp_setup():
    user, policy = current_user._get_current_object(), auth_policy()
    if not service.totp_allowed(user, policy):
        flash(_("This bureau does not use authenticator apps."), "info")
        return redirect(url_for("auth.account"))
    state = tenant_auth()
    secret = enrolment_secret(state)
    form = CodeForm()
    if form.validate_on_submit():
        if service.check_totp(user, form.code.data, policy, g.tenant, secret=secret):
            service.confirm_totp(user, secret)
            state.row.pending_totp_secret = None
            db.session.commit()
            flash(_("Your authenticator app is set up. Logins now ask for its code."), "success")
            return redirect(url_for("auth.account"))
        if service.is_locked(user):
            return _locked_out()
        form.code.errors.append(_("The code is not correct, or was already used. Wait for "
                                  "the next code and try again."))
    return render_template("auth/totp_setup.html", form=form, replacing=user.totp_enabled,
                           **enrolment_context(secret, user.username, _issuer()))


@bp.route("/account/totp/remove", methods=["POST"])
def totp_remove():
    user, policy = current_user._get_current_object(), auth_policy()
    form = ConfirmPasswordForm()
    if service.totp_required(user, policy):
        flash(_("Your account must use an authenticator app; it cannot be removed."), "danger")
    elif not form.validate_on_submit() or not user.check_password(form.password.data):
        flash(_("The current password is not correct."), "danger")
    else:
        service.remove_totp(user)
        db.session.commit()
        flash(_("The authenticator app was removed from your account."), "success")
    return redirect(url_for("auth.account"))


# --- 在线用户 ----------------------------------------------------------------------------------


@bp.route("/sessions")
@require_permission(SESSION_PERMISSION)
def sessions():
    current = tenant_auth()
    rows = active_sessions(auth_policy())
    return render_template("auth/sessions.html", rows=rows,
                           current_id=current.row.id if current else None,
                           pending_stage=STAGE_SECOND_FACTOR)


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
def end_session(session_id: int):
    # Looked up before the permission check: another tenant's id is a plain 404.
    row = db.session.get(UserSession, session_id)
    if row is None:
        abort(404)
    if not has_permission(SESSION_PERMISSION):
        permission_denied.send(None, permission=SESSION_PERMISSION)
        abort(403)
    user = db.session.get(User, row.user_id)
    db.session.delete(row)
    db.session.commit()
    logged_out.send(current_app._get_current_object(), tenant=g.tenant,
                    username=user.username if user else "", user=user, reason="ended_by_admin")
    flash(_("The session was ended."), "success")
    return redirect(url_for("auth.sessions"))
