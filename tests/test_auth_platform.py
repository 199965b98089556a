"""Platform operators: the CLI, /platform/login with TOTP always, the tenant list, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import select

from core.auth.models import PlatformSession, PlatformUser
from core.db import db

from conftest import login
from test_auth_support import T0, body, code, secret_on_page, session_rows

OPERATOR_PASSWORD = "Pingtai-Passw0rd!"


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def operator_row(app: Flask, username: str = "yunwei") -> PlatformUser | None:
    with app.app_context():
        operator = db.session.scalar(select(PlatformUser).where(PlatformUser.username == username))
        if operator is not None:
            db.session.expunge(operator)
        return operator


def platform_sessions(app: Flask) -> list[PlatformSession]:
    with app.app_context():
        rows = db.session.scalars(select(PlatformSession)).all()
        db.session.expunge_all()
        return list(rows)


@pytest.fixture
def operator(app: Flask) -> str:
    result = run(app, "platform", "create-operator", "yunwei", "--password", OPERATOR_PASSWORD)
    assert result.exit_code == 0, result.output
    return "yunwei"


def password_step(client, password: str = OPERATOR_PASSWORD):
    return client.post("/platform/login", data={"username": "yunwei", "password": password})


def log_in_operator(client) -> str:
    """Password, then TOTP enrolment (always required); returns the secret."""
    response = password_step(client)
    assert response.headers["Location"] == "/platform/login/second-factor"
    secret = secret_on_page(client.get("/platform/login/second-factor"))
    done = client.post("/platform/login/second-factor", data={"code": code(secret)})
    assert done.headers["Location"] == "/platform/"
    return secret


# --- CLI -----------------------------------------------------------------------------------


def test_create_operator_stores_an_argon2_hash(app, operator) -> None:
    row = operator_row(app)
    assert row.password_hash.startswith("$argon2id$")
    assert row.check_password(OPERATOR_PASSWORD)
    assert not row.totp_enabled  # set up at the first login


def test_create_operator_refuses_weak_passwords_and_duplicates(app, operator) -> None:
    weak = run(app, "platform", "create-operator", "other", "--password", "short")
    assert weak.exit_code != 0 and "password refused" in weak.output
    assert operator_row(app, "other") is None
    again = run(app, "platform", "create-operator", "yunwei", "--password", OPERATOR_PASSWORD)
    assert again.exit_code != 0 and "exists already" in again.output


def test_create_operator_prompts_for_the_password(app) -> None:
    result = app.test_cli_runner().invoke(
        args=["platform", "create-operator", "zhiban"],
        input=f"{OPERATOR_PASSWORD}\n{OPERATOR_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert operator_row(app, "zhiban").check_password(OPERATOR_PASSWORD)


# --- login ---------------------------------------------------------------------------------


def test_operator_logs_in_with_totp_and_sees_the_tenant_list(app, operator, tenant_a,
                                                             tenant_b) -> None:
    client = app.test_client()
    assert client.get("/platform/").headers["Location"] == "/platform/login"
    with time_machine.travel(T0, tick=False) as clock:
        secret = log_in_operator(client)
        home = client.get("/platform/")
        assert home.status_code == 200
        html = body(home)
        for tenant in (tenant_a, tenant_b):
            assert tenant.slug in html and tenant.tenant.name in html
        assert operator_row(app).totp_enabled
        assert secret not in operator_row(app).totp_secret

        client.post("/platform/logout")
        assert client.get("/platform/").status_code == 302
        clock.shift(timedelta(seconds=30))
        password_step(client)
        page = client.get("/platform/login/second-factor")
        assert 'data-testid="totp-secret"' not in body(page)
        assert client.post("/platform/login/second-factor",
                           data={"code": code(secret)}).status_code == 302
        assert client.get("/platform/").status_code == 200


def test_nothing_but_the_second_factor_between_the_factors(app, operator) -> None:
    client = app.test_client()
    password_step(client)
    for url in ("/platform/", "/platform/login"):
        response = client.get(url)
        assert response.headers["Location"] == "/platform/login/second-factor", url
    assert platform_sessions(app)[0].stage == "second_factor"


def test_tenant_users_cannot_see_the_platform(app, operator, tenant_a, client_a) -> None:
    response = client_a.get("/platform/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/platform/login"
    assert tenant_a.tenant.name not in body(client_a.get("/platform/login"))


def test_operator_sessions_never_reach_tenant_pages(app, operator, tenant_a) -> None:
    client = app.test_client()
    log_in_operator(client)
    for url in (f"/t/{tenant_a.slug}/", f"/t/{tenant_a.slug}/login",
                f"/t/{tenant_a.slug}/notices/", f"/t/{tenant_a.slug}/sessions"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert tenant_a.tenant.name not in body(response)
    assert client.post(f"/t/{tenant_a.slug}/login",
                       data={"username": "admin", "password": "x"}).status_code == 404
    assert client.get("/platform/").status_code == 200  # still an operator


def test_operator_login_ends_a_tenant_session_in_the_same_browser(app, operator,
                                                                   tenant_a) -> None:
    client = app.test_client()
    login(client, tenant_a)
    assert len(session_rows(app, tenant_a)) == 1
    log_in_operator(client)
    assert session_rows(app, tenant_a) == []


def test_operator_lockout_after_five_failures(app, operator) -> None:
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            assert password_step(client, "Wrong-Passw0rd!").status_code == 200
        assert password_step(client).status_code == 200  # locked: refused
        assert operator_row(app).locked_until is not None
        clock.shift(timedelta(minutes=31))
        assert password_step(client).status_code == 302


def test_operator_idle_timeout(app, operator) -> None:
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        log_in_operator(client)
        clock.shift(timedelta(minutes=31))
        assert client.get("/platform/").headers["Location"] == "/platform/login"
        assert platform_sessions(app) == []


def test_unknown_operator_gets_the_generic_message(app, operator) -> None:
    unknown = app.test_client().post("/platform/login",
                                     data={"username": "nobody", "password": "x"})
    wrong = password_step(app.test_client(), "Wrong-Passw0rd!")
    assert unknown.status_code == wrong.status_code == 200
    assert body(unknown).replace("nobody", "yunwei") == body(wrong)


# --- fatong auth policy --------------------------------------------------------------------


def test_auth_policy_command_shows_and_changes_a_tenant_policy(app, tenant_a) -> None:
    shown = run(app, "auth", "policy", tenant_a.slug)
    assert shown.exit_code == 0, shown.output
    assert "totp_required_for_admins   False" in shown.output  # conftest turned it off

    changed = run(app, "auth", "policy", tenant_a.slug, "totp_required_for_admins=true",
                  "totp_for_others=required")
    assert changed.exit_code == 0, changed.output
    assert "changed totp_required_for_admins: False -> True" in changed.output
    client = app.test_client()
    response = client.post(f"/t/{tenant_a.slug}/login",
                           data={"username": "admin", "password": "Test-Passw0rd!"})
    assert response.headers["Location"] == f"/t/{tenant_a.slug}/login/second-factor"

    for bad in (["password_min_length=4"], ["no_such_setting=1"], ["totp_for_others"]):
        refused = run(app, "auth", "policy", tenant_a.slug, *bad)
        assert refused.exit_code != 0, bad
    assert run(app, "auth", "policy", "no-such-bureau").exit_code != 0
