"""Per-tenant login and logout pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select

from core.auth.forms import LoginForm
from core.auth.guard import public
from core.auth.models import User
from core.auth.passwords import verify_password
from core.db import db
from core.tenancy.models import utcnow
from core.tenancy.web import SESSION_TENANT_KEY

bp = Blueprint("auth", __name__, url_prefix="/t/<tenant>")


def _safe_next(target: str | None) -> str | None:
    """Only follow ``next`` back into this tenant's own pages."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"/t/{g.tenant.slug}/"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if user is None:
            verify_password(None, form.password.data)  # same cost as a wrong password
        if user is not None and user.active and user.check_password(form.password.data):
            session.clear()
            login_user(user)
            session[SESSION_TENANT_KEY] = g.tenant.id
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
        flash(_("Invalid username or password."), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))
