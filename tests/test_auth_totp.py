"""TOTP second factor: enrolment, the half-authenticated state, replay, settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from core.auth.models import User
from core.auth.totp import open_secret
from core.db import db
from core.sdk import tenant_context
from core.signals import login_failed, login_succeeded

from conftest import TenantFixture, login
from test_auth_support import (
    T0,
    add_user,
    alerts,
    body,
    code,
    configure,
    post_login,
    read_user,
    secret_on_page,
    session_rows,
)

SECOND = "/t/{slug}/login/second-factor"


def second_url(tenant: TenantFixture) -> str:
    return SECOND.format(slug=tenant.slug)


def bad_code(secret: str) -> str:
    """A well-formed code that is wrong for every step the server accepts now."""
    valid = {code(secret, step) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


@pytest.fixture
def totp_admin(app: Flask, tenant_a: TenantFixture) -> TenantFixture:
    """Tenant A with the default: administrators must use TOTP."""
    configure(app, tenant_a, totp_required_for_admins=True)
    return tenant_a


def enrol_at_login(app, client, tenant) -> str:
    """Log in as the admin and enrol at the second-factor page; returns the secret."""
    response = post_login(client, tenant)
    assert response.headers["Location"] == second_url(tenant)
    page = client.get(second_url(tenant))
    assert page.status_code == 200
    assert "<svg" in body(page) and 'data-testid="totp-qr"' in body(page)
    secret = secret_on_page(page)
    done = client.post(second_url(tenant), data={"code": code(secret)})
    assert done.status_code == 302, body(done)[:300]
    assert done.headers["Location"] == f"/t/{tenant.slug}/"
    return secret


# --- required for administrators -----------------------------------------------------------


def test_admin_enrols_at_first_login_then_is_asked_for_codes(app, totp_admin) -> None:
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        secret = enrol_at_login(app, client, totp_admin)
        assert client.get(f"/t/{totp_admin.slug}/").status_code == 200
        user = read_user(app, totp_admin)
        assert user.totp_enabled
        assert secret not in user.totp_secret  # stored encrypted
        with app.app_context():
            assert open_secret(user, user.totp_secret) == secret

        client.post(f"/t/{totp_admin.slug}/logout")
        clock.shift(timedelta(seconds=30))
        response = post_login(client, totp_admin)
        assert response.headers["Location"] == second_url(totp_admin)
        page = client.get(second_url(totp_admin))
        assert 'data-testid="totp-secret"' not in body(page)  # no new enrolment
        assert client.post(second_url(totp_admin), data={"code": code(secret)}).status_code == 302
        assert client.get(f"/t/{totp_admin.slug}/").status_code == 200


def test_no_page_answers_between_the_factors(app, totp_admin) -> None:
    """Half-authenticated: every GET (and POST) rule except the second factor redirects."""
    client = app.test_client()
    post_login(client, totp_admin)
    with app.app_context(), tenant_context(totp_admin.id):
        any_id = db.session.scalar(select(User.id))
    second = second_url(totp_admin)
    # Public pages outside any tenant: the landing page, the operators' login, the signup.
    public_elsewhere = {"landing.index", "platform.login", "static", "signup.apply",
                        "signup.region_fields", "signup.new_captcha", "signup.submitted"}

    swept = 0
    for rule in app.url_map.iter_rules():
        values = {}
        for name in rule.arguments:
            if name == "tenant":
                values[name] = totp_admin.slug
            elif isinstance(rule._converters[name], IntegerConverter):
                values[name] = any_id
            else:
                values[name] = "favicon.svg"
        url = rule.build(values, append_unknown=False)[1]
        for method in ("GET", "POST"):
            if (method not in rule.methods or rule.endpoint in public_elsewhere
                    or rule.endpoint.endswith(".static")
                    or rule.endpoint in ("auth.second_factor", "auth.logout")):
                continue
            response = client.open(url, method=method)
            swept += 1
            if rule.rule.startswith("/t/<tenant>"):
                assert response.status_code == 302, (method, url, response.status_code)
                assert response.headers["Location"] == second, (method, url)
            else:  # the operator console: not for a tenant's half session either
                assert response.status_code in (302, 404), (method, url, response.status_code)
                assert "/t/" not in response.headers.get("Location", ""), (method, url)
    assert swept > 20
    page = client.get(second)
    assert page.status_code == 200
    assert 'data-testid="main-nav"' not in body(page)  # no menu for a half session
    # Still half-authenticated after the sweep, and the row says so.
    assert [row.stage for row in session_rows(app, totp_admin)] == ["second_factor"]


def test_wrong_and_replayed_codes_are_refused(app, totp_admin) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = app.test_client()
        secret = enrol_at_login(app, client, totp_admin)  # used this step's code
        client.post(f"/t/{totp_admin.slug}/logout")

        post_login(client, totp_admin)
        failed = []
        with login_failed.connected_to(lambda s, **kw: failed.append(kw["reason"])):
            replay = client.post(second_url(totp_admin), data={"code": code(secret)})
            wrong = client.post(second_url(totp_admin), data={"code": bad_code(secret)})
        for response in (replay, wrong):
            assert response.status_code == 200
            assert 'class="invalid-feedback"' in body(response)
        assert failed == ["totp", "totp"]
        assert client.get(f"/t/{totp_admin.slug}/").headers["Location"] == second_url(totp_admin)

        # Within the same 30 s window the used code stays refused; the next step's works.
        clock.shift(timedelta(seconds=30))
        ok = client.post(second_url(totp_admin), data={"code": code(secret)})
        assert ok.status_code == 302
        assert client.get(f"/t/{totp_admin.slug}/").status_code == 200


def test_a_code_from_the_previous_step_is_accepted_once(app, totp_admin) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = app.test_client()
        secret = enrol_at_login(app, client, totp_admin)
        client.post(f"/t/{totp_admin.slug}/logout")
        clock.shift(timedelta(seconds=90))
        earlier = code(secret, -1)  # drift of one step is tolerated
        post_login(client, totp_admin)
        assert client.post(second_url(totp_admin), data={"code": earlier}).status_code == 302
        client.post(f"/t/{totp_admin.slug}/logout")
        post_login(client, totp_admin)
        assert client.post(second_url(totp_admin), data={"code": earlier}).status_code == 200


def test_wrong_codes_count_towards_the_lockout(app, totp_admin) -> None:
    with time_machine.travel(T0, tick=False):
        client = app.test_client()
        secret = enrol_at_login(app, client, totp_admin)
        client.post(f"/t/{totp_admin.slug}/logout")
        post_login(client, totp_admin)
        bad = bad_code(secret)
        for _ in range(4):
            assert client.post(second_url(totp_admin), data={"code": bad}).status_code == 200
        locked = client.post(second_url(totp_admin), data={"code": bad})
        assert locked.status_code == 302
        assert locked.headers["Location"] == f"/t/{totp_admin.slug}/login"
        assert read_user(app, totp_admin).locked_until is not None
        assert session_rows(app, totp_admin) == []
        assert post_login(client, totp_admin).status_code == 200  # locked


def test_half_session_expires_after_five_minutes(app, totp_admin) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = app.test_client()
        post_login(client, totp_admin)
        clock.shift(timedelta(minutes=6))
        response = client.get(second_url(totp_admin))
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"/t/{totp_admin.slug}/login")
        assert session_rows(app, totp_admin) == []


def test_logout_from_the_half_state(app, totp_admin) -> None:
    client = app.test_client()
    post_login(client, totp_admin)
    assert client.post(f"/t/{totp_admin.slug}/logout").status_code == 302
    assert session_rows(app, totp_admin) == []
    assert client.get(f"/t/{totp_admin.slug}/login").status_code == 200


def test_success_is_signalled_only_after_the_second_factor(app, totp_admin) -> None:
    client = app.test_client()
    seen = []
    with login_succeeded.connected_to(lambda s, **kw: seen.append(kw["reason"])):
        post_login(client, totp_admin)
        assert seen == []
        secret = secret_on_page(client.get(second_url(totp_admin)))
        client.post(second_url(totp_admin), data={"code": code(secret)})
    assert seen == ["password+totp"]


# --- other users: optional, required or off ------------------------------------------------


def test_optional_for_staff_who_can_enrol_from_their_account(app, tenant_a) -> None:
    add_user(app, tenant_a, "keyuan", role_key="staff")
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        assert post_login(client, tenant_a, "keyuan").headers["Location"] == f"/t/{tenant_a.slug}/"
        account = client.get(f"/t/{tenant_a.slug}/account")
        assert f'href="/t/{tenant_a.slug}/account/totp"' in body(account)
        setup = client.get(f"/t/{tenant_a.slug}/account/totp")
        secret = secret_on_page(setup)
        wrong = client.post(f"/t/{tenant_a.slug}/account/totp", data={"code": "12345"})
        assert wrong.status_code == 200 and 'class="invalid-feedback"' in body(wrong)
        assert secret_on_page(wrong) == secret  # the same key until confirmed
        done = client.post(f"/t/{tenant_a.slug}/account/totp", data={"code": code(secret)})
        assert done.headers["Location"] == f"/t/{tenant_a.slug}/account"
        assert read_user(app, tenant_a, "keyuan").totp_enabled

        client.post(f"/t/{tenant_a.slug}/logout")
        clock.shift(timedelta(seconds=30))
        assert post_login(client, tenant_a, "keyuan").headers["Location"] == second_url(tenant_a)
        assert client.post(second_url(tenant_a), data={"code": code(secret)}).status_code == 302

        # Optional: the user may remove it again, with the password.
        removed = client.post(f"/t/{tenant_a.slug}/account/totp/remove",
                              data={"password": "nope"})
        assert read_user(app, tenant_a, "keyuan").totp_enabled
        removed = client.post(f"/t/{tenant_a.slug}/account/totp/remove",
                              data={"password": "Test-Passw0rd!"})
        assert removed.status_code == 302
        assert not read_user(app, tenant_a, "keyuan").totp_enabled


def test_required_for_everyone_when_the_tenant_says_so(app, tenant_a) -> None:
    configure(app, tenant_a, totp_for_others="required")
    add_user(app, tenant_a, "keyuan", role_key="staff")
    client = app.test_client()
    assert post_login(client, tenant_a, "keyuan").headers["Location"] == second_url(tenant_a)
    assert 'data-testid="totp-qr"' in body(client.get(second_url(tenant_a)))


def test_off_means_staff_cannot_enrol(app, tenant_a) -> None:
    configure(app, tenant_a, totp_for_others="off")
    add_user(app, tenant_a, "keyuan", role_key="staff")
    client = app.test_client()
    login(client, tenant_a, "keyuan")
    assert client.get(f"/t/{tenant_a.slug}/account/totp").status_code == 302
    assert f'href="/t/{tenant_a.slug}/account/totp"' not in body(
        client.get(f"/t/{tenant_a.slug}/account"))


def test_required_totp_cannot_be_removed(app, totp_admin) -> None:
    client = app.test_client()
    enrol_at_login(app, client, totp_admin)
    client.post(f"/t/{totp_admin.slug}/account/totp/remove", data={"password": "Test-Passw0rd!"})
    assert read_user(app, totp_admin).totp_enabled
    assert alerts(client.get(f"/t/{totp_admin.slug}/account"))[0][0] == "danger"


def test_not_required_for_admins_when_turned_off(app, tenant_a) -> None:
    # conftest.provision turns it off for the test tenants, as `fatong demo` does.
    assert post_login(app.test_client(), tenant_a).headers["Location"] == f"/t/{tenant_a.slug}/"


def test_demo_tenant_leaves_totp_optional_for_its_admin(app, demo) -> None:
    response = app.test_client().post("/t/demo/login",
                                      data={"username": "admin", "password": demo.password})
    assert response.headers["Location"] == "/t/demo/"


def test_moving_to_a_new_app_right_after_a_login_works(app, tenant_a) -> None:
    """The new secret's first code is not refused for sharing a time step with the old one."""
    add_user(app, tenant_a, "keyuan", role_key="staff")
    client = app.test_client()
    with time_machine.travel(T0, tick=False):
        login(client, tenant_a, "keyuan")
        first = secret_on_page(client.get(f"/t/{tenant_a.slug}/account/totp"))
        client.post(f"/t/{tenant_a.slug}/account/totp", data={"code": code(first)})
        # Same 30 s step: set up again with another key (a new phone).
        second = secret_on_page(client.get(f"/t/{tenant_a.slug}/account/totp"))
        assert second != first
        done = client.post(f"/t/{tenant_a.slug}/account/totp", data={"code": code(second)})
        assert done.headers["Location"] == f"/t/{tenant_a.slug}/account"
        with app.app_context():
            user = read_user(app, tenant_a, "keyuan")
            assert open_secret(user, user.totp_secret) == second
