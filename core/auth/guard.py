"""Login is required on every tenant page unless the view is marked public."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, TypeVar

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user

from core.db import db
from core.tenancy.context import current_tenant_id, tenant_context
from core.tenancy.web import SESSION_TENANT_KEY

F = TypeVar("F", bound=Callable[..., Any])

login_manager = LoginManager()


def public(view: F) -> F:
    """Mark a tenant view as reachable without logging in (the login page itself)."""
    view._fatong_public = True  # type: ignore[attr-defined]
    return view


@login_manager.user_loader
def _load_user(user_id: str) -> Any:
    from core.auth.models import User

    tenant_id = session.get(SESSION_TENANT_KEY)
    if tenant_id is None or not user_id.isdigit():
        return None
    scope = nullcontext() if current_tenant_id() == tenant_id else tenant_context(tenant_id)
    with scope:
        user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def _require_login() -> Any:
    if g.get("tenant") is None or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "_fatong_public", False):
        return None
    if current_user.is_authenticated:
        return None
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_require_login)
