"""Who may open a tenant page: login required unless the view is marked public.

Authentication comes from the server-side session row (core.auth.sessions), never from
the cookie alone. On a tenant page, in order:

1. a platform operator's session gets 404 (operators never reach tenant pages);
2. half-authenticated (password given, second factor owed): only the second-factor page
   and logout answer; everything else, public pages included, redirects there;
3. logged in but the password must change (reset by an administrator, or expired): only
   the change-password page and logout answer;
4. anonymous: public pages answer, others redirect to the login page with ``next``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_login import LoginManager

from core.auth.sessions import PLATFORM_SESSION_KEY, TENANT, AuthState, current_state
from core.auth.settings import auth_policy

F = TypeVar("F", bound=Callable[..., Any])

login_manager = LoginManager()
# The server-side row is the session's identity; Flask-Login's own cookie checks add nothing.
login_manager.session_protection = None

#: Endpoints a half-authenticated session may reach.
SECOND_FACTOR_ENDPOINTS = frozenset({"auth.second_factor", "auth.logout"})
#: Endpoints a user who must change the password may reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.password", "auth.logout"})


def public(view: F) -> F:
    """Mark a tenant view as reachable without logging in (the login page itself)."""
    view._fatong_public = True  # type: ignore[attr-defined]
    return view


def tenant_auth() -> AuthState | None:
    """The current tenant request's session (full or half-authenticated), or None."""
    if g.get("tenant") is None:
        return None
    return current_state(TENANT, auth_policy, g.tenant)


@login_manager.request_loader
def _load_user(_request: Any) -> Any:
    state = tenant_auth()
    if state is None or state.pending:
        return None  # half-authenticated is not authenticated, for any code that asks
    return state.account


def _require_login() -> Any:
    if g.get("tenant") is None or request.endpoint is None:
        return None
    if session.get(PLATFORM_SESSION_KEY):
        g.pop("tenant", None)  # the 404 page must not name the bureau either
        abort(404)
    state = tenant_auth()
    if state is not None and state.pending:
        if request.endpoint in SECOND_FACTOR_ENDPOINTS:
            return None
        return redirect(url_for("auth.second_factor"))
    if state is not None:
        from core.auth.service import must_change_password

        if (request.endpoint not in PASSWORD_CHANGE_ENDPOINTS
                and must_change_password(state.account, auth_policy())):
            return redirect(url_for("auth.password"))
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "_fatong_public", False):
        return None
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_login(app: Flask) -> None:
    from core.auth.web import init_web_security

    login_manager.init_app(app)
    init_web_security(app)
    app.before_request(_require_login)
