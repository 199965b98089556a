"""Security headers, cookies, CSRF on login and logout, the per-IP login rate limit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import gettext

from core.auth.web import CONTENT_SECURITY_POLICY

from conftest import PASSWORD, make_app
from test_auth_support import body, post_login, session_rows

ROOT = Path(__file__).resolve().parent.parent


def csp_directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def assert_security_headers(response) -> None:
    headers = response.headers
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["img-src"] == "'self' data:" and csp["font-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'" and csp["base-uri"] == "'self'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")


def test_headers_on_pages_errors_redirects_and_static_files(app, tenant_a, client_a) -> None:
    anonymous = app.test_client()
    responses = {
        "workbench": client_a.get(f"/t/{tenant_a.slug}/"),
        "login": anonymous.get(f"/t/{tenant_a.slug}/login"),
        "redirect": anonymous.get(f"/t/{tenant_a.slug}/"),
        "404": anonymous.get("/t/no-such-bureau/"),
        "landing": anonymous.get("/"),
        "static": anonymous.get("/static/css/fatong.css"),
        "platform": anonymous.get("/platform/login"),
    }
    assert [r.status_code for r in responses.values()] == [200, 200, 302, 404, 200, 200, 200]
    for response in responses.values():
        assert_security_headers(response)


def test_authenticated_pages_are_not_stored(app, tenant_a, client_a) -> None:
    for url in (f"/t/{tenant_a.slug}/", f"/t/{tenant_a.slug}/notices/",
                f"/t/{tenant_a.slug}/account"):
        response = client_a.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store", url
    # Static files stay cacheable.
    assert "no-store" not in app.test_client().get("/static/css/fatong.css").headers.get(
        "Cache-Control", "")


def test_session_cookie_is_httponly_and_lax_over_http(app, tenant_a) -> None:
    response = post_login(app.test_client(), tenant_a)
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP in development: a Secure cookie would be lost


def test_over_https_the_cookie_is_secure_and_host_prefixed(app, tenant_a) -> None:
    client = app.test_client()
    response = client.post(f"/t/{tenant_a.slug}/login", base_url="https://localhost",
                           data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    cookie = next(v for v in response.headers.getlist("Set-Cookie")
                  if v.startswith("__Host-session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert client.get(f"/t/{tenant_a.slug}/", base_url="https://localhost").status_code == 200


def test_https_config_forces_the_secure_cookie(database_url: str, app, tenant_a) -> None:
    https_app = make_app(database_url, HTTPS=True)
    response = post_login(https_app.test_client(), tenant_a)
    names = [value.split("=", 1)[0] for value in response.headers.getlist("Set-Cookie")]
    assert names == ["__Host-session"]
    assert "Secure" in response.headers.getlist("Set-Cookie")[0]


# --- CSRF ----------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(database_url: str, app: Flask) -> Flask:
    return make_app(database_url, WTF_CSRF_ENABLED=True)


def csrf_token(client, url: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                      r'name="csrf_token" value="([^"]+)"', body(client.get(url)))
    assert found, f"no CSRF token on {url}"
    return found.group(1) or found.group(2)


def test_login_without_or_with_a_wrong_csrf_token_is_refused(csrf_app, tenant_a) -> None:
    client = csrf_app.test_client()
    login_url = f"/t/{tenant_a.slug}/login"
    assert post_login(client, tenant_a).status_code == 400
    token = csrf_token(client, login_url)
    forged = client.post(login_url, data={"username": "admin", "password": PASSWORD,
                                          "csrf_token": token[:-2] + "xx"})
    assert forged.status_code == 400
    assert session_rows(csrf_app, tenant_a) == []
    ok = client.post(login_url, data={"username": "admin", "password": PASSWORD,
                                      "csrf_token": token})
    assert ok.status_code == 302


def test_logout_without_csrf_token_is_refused(csrf_app, tenant_a) -> None:
    client = csrf_app.test_client()
    login_url = f"/t/{tenant_a.slug}/login"
    token = csrf_token(client, login_url)
    assert client.post(login_url, data={"username": "admin", "password": PASSWORD,
                                        "csrf_token": token}).status_code == 302
    # A cross-site form cannot log the user out: no token, no logout.
    assert client.post(f"/t/{tenant_a.slug}/logout").status_code == 400
    assert client.get(f"/t/{tenant_a.slug}/").status_code == 200
    assert len(session_rows(csrf_app, tenant_a)) == 1
    # The page's own logout form carries the token (a new one since login: no fixation).
    token = csrf_token(client, f"/t/{tenant_a.slug}/")
    assert client.post(f"/t/{tenant_a.slug}/logout",
                       data={"csrf_token": token}).status_code == 302
    assert session_rows(csrf_app, tenant_a) == []


# --- rate limit ----------------------------------------------------------------------------


@pytest.fixture
def limited_app(database_url: str, app: Flask) -> Flask:
    return make_app(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")


def test_login_posts_are_rate_limited_per_ip_with_a_chinese_page(limited_app, tenant_a,
                                                                 tenant_b) -> None:
    client = limited_app.test_client()
    for _ in range(3):
        assert post_login(client, tenant_a, password="wrong").status_code == 200
    blocked = post_login(client, tenant_a)  # even the right password, from this address
    assert blocked.status_code == 429
    html = body(blocked)
    with limited_app.test_request_context():
        assert gettext("Too many attempts") in html
    assert '<html lang="zh-CN">' in html
    assert "Traceback" not in html
    # Per address, across bureaus; another address is not affected; GETs are not counted.
    assert post_login(limited_app.test_client(), tenant_b).status_code == 429
    other = limited_app.test_client()
    assert post_login(other, tenant_a, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 302
    assert client.get(f"/t/{tenant_a.slug}/login").status_code == 200


def test_each_app_has_its_own_limiter(database_url: str, app: Flask, tenant_a) -> None:
    first = make_app(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1 per minute")
    second = make_app(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="1 per minute")
    assert post_login(first.test_client(), tenant_a).status_code == 302
    assert post_login(first.test_client(), tenant_a).status_code == 429
    assert post_login(second.test_client(), tenant_a).status_code == 302


# --- nothing in the templates that the CSP would block -------------------------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on", re.I), "hx-on (needs eval)"),
]


def test_no_template_has_inline_script_style_or_handlers() -> None:
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("plugins/*/templates/**/*.html"),
                 *ROOT.glob("core/**/templates/**/*.html")]
    assert len(templates) > 5
    problems = [f"{path.relative_to(ROOT)}: {what}" for path in templates
                for pattern, what in INLINE if pattern.search(path.read_text())]
    assert problems == []


def test_pages_as_served_have_no_inline_script_or_style(app, tenant_a, client_a) -> None:
    pages = [client_a.get(f"/t/{tenant_a.slug}/"), client_a.get(f"/t/{tenant_a.slug}/account"),
             client_a.get(f"/t/{tenant_a.slug}/account/totp"),
             app.test_client().get(f"/t/{tenant_a.slug}/login")]
    for page in pages:
        html = body(page)
        assert page.status_code == 200
        for pattern, what in INLINE:
            assert not pattern.search(html), what
        assert 'name="htmx-config"' in html  # htmx told not to inject its <style>


def test_policy_string_is_the_documented_one() -> None:
    assert CONTENT_SECURITY_POLICY.startswith("default-src 'self'; script-src 'self'; "
                                              "style-src 'self'; img-src 'self' data:")
