"""Web-level protections: security headers, cookie settings, the login rate limit.

- Every response: a CSP without inline scripts or styles, nosniff, DENY framing, a
  same-origin referrer policy; HSTS when served over HTTPS.
- Every page (not static files): ``Cache-Control: no-store``, so a logged-in page never
  comes back from a cache or the back button after logout.
- The session cookie is HttpOnly and SameSite=Lax (core.config), and over HTTPS (config
  ``HTTPS``, i.e. ``FATONG_HTTPS=true``, or a secure request) also Secure and named
  ``__Host-…``, which browsers only accept from a secure origin, for path ``/``, no domain.
- Login and second-factor POSTs are rate limited per client IP with Flask-Limiter
  (``LOGIN_RATE_LIMIT``; storage ``RATELIMIT_STORAGE_URI``, in memory by default: use a
  shared store such as ``redis://`` when several processes serve). Each app gets its own
  Limiter, so tests may create many apps. Behind a reverse proxy, configure werkzeug's
  ProxyFix so that the client's address, not the proxy's, is counted.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

#: POSTs counted by the per-IP limit: password and second-factor attempts.
RATE_LIMITED_ENDPOINTS = frozenset({
    "auth.login", "auth.second_factor", "platform.login", "platform.second_factor"})

DEFAULTS = {
    "HTTPS": False,
    "LOGIN_RATE_LIMIT": "30 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": False,
}


def served_over_https(app: Flask) -> bool:
    return bool(app.config.get("HTTPS")) or (has_request_context() and request.is_secure)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, with ``__Host-`` name and Secure flag when served over HTTPS."""

    def get_cookie_name(self, app: Flask) -> str:
        name = super().get_cookie_name(app)
        return f"__Host-{name}" if served_over_https(app) else name

    def get_cookie_secure(self, app: Flask) -> bool:
        return served_over_https(app) or super().get_cookie_secure(app)


def _security_headers(response: Any) -> Any:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if (request.endpoint or "").rsplit(".", 1)[-1] != "static":
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _not_a_login_attempt() -> bool:
    return request.method != "POST" or request.endpoint not in RATE_LIMITED_ENDPOINTS


def _too_many_requests(exc: Exception) -> Any:
    title = _l("Too many attempts")
    if request.endpoint in RATE_LIMITED_ENDPOINTS:
        message = _l("Too many login attempts came from your network. Wait a minute, then "
                     "try again.")
    else:
        message = _l("Too many requests of this kind came from your network. Wait a while, "
                     "then try again.")
    return render_template("errors/error.html", code=429, title=title, message=message), 429


def init_web_security(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.session_interface = SessionInterface()
    app.after_request(_security_headers)
    limiter = Limiter(
        get_remote_address,
        default_limits=[lambda: app.config["LOGIN_RATE_LIMIT"]],
        default_limits_exempt_when=_not_a_login_attempt,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        key_prefix="fatong-login",
    )
    limiter.init_app(app)
    app.extensions["fatong.limiter"] = limiter
    app.register_error_handler(429, _too_many_requests)
