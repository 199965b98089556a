"""Server-side sessions: new id at login, revocation, idle and absolute timeouts, 在线用户."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask_babel import gettext
from sqlalchemy import select

from core.auth.models import User
from core.auth.sessions import end_user_sessions, token_hash
from core.db import db
from core.sdk import tenant_context
from core.signals import logged_out

from conftest import PASSWORD, TenantFixture, login
from test_auth_support import (
    T0,
    add_user,
    alerts,
    body,
    configure,
    cookie_value,
    post_login,
    session_rows,
    session_token,
    update_user,
)


def home(tenant: TenantFixture) -> str:
    return f"/t/{tenant.slug}/"


def assert_sent_to_login(response, tenant: TenantFixture) -> None:
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"].startswith(f"/t/{tenant.slug}/login")


# --- the cookie carries a session id; the row is the session ------------------------------


def test_login_creates_a_server_row_and_the_cookie_holds_only_its_token(app, tenant_a) -> None:
    client = app.test_client()
    login(client, tenant_a)
    token = session_token(client)
    rows = session_rows(app, tenant_a)
    assert len(rows) == 1
    assert rows[0].token_hash == token_hash(token) != token  # stored hashed
    with client.session_transaction() as flask_session:
        assert set(flask_session) <= {"sid", "tenant_id", "_flashes", "csrf_token"}
    assert client.get(home(tenant_a)).status_code == 200


def test_each_login_gets_a_new_session_id_and_a_planted_one_is_discarded(app, tenant_a) -> None:
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["sid"] = "planted-by-an-attacker"  # session fixation attempt
    login(client, tenant_a)
    first = session_token(client)
    assert first != "planted-by-an-attacker"
    assert {row.token_hash for row in session_rows(app, tenant_a)} == {token_hash(first)}

    login(client, tenant_a)  # logging in again in the same browser
    second = session_token(client)
    assert second != first
    # The old row is gone, not merely superseded.
    assert {row.token_hash for row in session_rows(app, tenant_a)} == {token_hash(second)}


def test_cookie_replayed_after_logout_is_refused(app, tenant_a) -> None:
    client = app.test_client()
    login(client, tenant_a)
    stolen = cookie_value(client)
    assert client.post(f"/t/{tenant_a.slug}/logout").status_code == 302
    assert session_rows(app, tenant_a) == []

    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get(home(tenant_a))
    assert_sent_to_login(response, tenant_a)
    assert replay.get(f"/t/{tenant_a.slug}/notices/").status_code == 302


def test_cookie_replayed_after_the_user_is_disabled_is_refused(app, tenant_a) -> None:
    client = app.test_client()
    login(client, tenant_a)
    stolen = cookie_value(client)
    with app.app_context(), tenant_context(tenant_a.id):
        user = db.session.scalar(select(User).where(User.username == "admin"))
        user.active = False
        assert end_user_sessions(user) == 1  # what user administration calls
        db.session.commit()

    for who in (client, app.test_client()):
        who.set_cookie("session", stolen)
        assert_sent_to_login(who.get(home(tenant_a)), tenant_a)
    assert session_rows(app, tenant_a) == []


def test_disabled_user_is_logged_out_even_if_the_row_was_left(app, tenant_a) -> None:
    client = app.test_client()
    login(client, tenant_a)
    update_user(app, tenant_a, active=False)  # without end_user_sessions
    assert_sent_to_login(client.get(home(tenant_a)), tenant_a)
    assert session_rows(app, tenant_a) == []


def test_cookie_replayed_after_a_password_change_is_refused(app, tenant_a) -> None:
    other_browser = app.test_client()
    login(other_browser, tenant_a)
    stolen = cookie_value(other_browser)
    client = app.test_client()
    login(client, tenant_a)
    old_token = session_token(client)

    changed = client.post(f"/t/{tenant_a.slug}/password", data={
        "current_password": PASSWORD, "new_password": "Neue-Passw0rt!",
        "confirm": "Neue-Passw0rt!"})
    assert changed.status_code == 302
    # The browser that changed it goes on, under a new session id; every other one is out.
    assert client.get(home(tenant_a)).status_code == 200
    assert session_token(client) != old_token
    assert len(session_rows(app, tenant_a)) == 1
    for cookie in (stolen,):
        replay = app.test_client()
        replay.set_cookie("session", cookie)
        assert_sent_to_login(replay.get(home(tenant_a)), tenant_a)
    assert_sent_to_login(other_browser.get(home(tenant_a)), tenant_a)


def test_a_deleted_row_means_logged_out_with_a_message(app, tenant_a) -> None:
    client = app.test_client()
    login(client, tenant_a)
    with app.app_context(), tenant_context(tenant_a.id):
        sessions = db.metadata.tables["user_sessions"]
        db.session.execute(db.delete(sessions).where(sessions.c.tenant_id == tenant_a.id))
        db.session.commit()
    response = client.get(home(tenant_a))
    assert_sent_to_login(response, tenant_a)
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert any(category == "warning" for category, _ in alerts(page))


# --- timeouts ------------------------------------------------------------------------------


def test_idle_timeout_after_30_minutes(app, tenant_a) -> None:
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        login(client, tenant_a)
        clock.shift(timedelta(minutes=29))
        assert client.get(home(tenant_a)).status_code == 200  # activity resets the clock
        clock.shift(timedelta(minutes=29))
        assert client.get(home(tenant_a)).status_code == 200
        events = []
        with logged_out.connected_to(lambda sender, **kw: events.append(kw["reason"])):
            clock.shift(timedelta(minutes=31))
            response = client.get(home(tenant_a))
        assert_sent_to_login(response, tenant_a)
        assert events == ["idle"]
        assert session_rows(app, tenant_a) == []
        page = client.get(response.headers["Location"])
        with app.test_request_context():
            expected = gettext("You were logged out after %(num)d minutes without activity.",
                               num=30)
        assert ("warning", expected) in alerts(page)
        # And it stays logged out: the same cookie cannot come back.
        assert_sent_to_login(client.get(home(tenant_a)), tenant_a)


def test_absolute_lifetime_of_8_hours_despite_activity(app, tenant_a) -> None:
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        login(client, tenant_a)
        for _ in range(16):  # active every 29 minutes: 7 h 44 min
            clock.shift(timedelta(minutes=29))
            assert client.get(home(tenant_a)).status_code == 200
        clock.shift(timedelta(minutes=17))  # 8 h 01 min after login
        events = []
        with logged_out.connected_to(lambda sender, **kw: events.append(kw["reason"])):
            assert_sent_to_login(client.get(home(tenant_a)), tenant_a)
        assert events == ["expired"]
        assert session_rows(app, tenant_a) == []


def test_timeouts_follow_the_tenant_settings(app, tenant_a) -> None:
    configure(app, tenant_a, idle_timeout_minutes=5, session_lifetime_hours=1)
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        login(client, tenant_a)
        clock.shift(timedelta(minutes=4))
        assert client.get(home(tenant_a)).status_code == 200
        clock.shift(timedelta(minutes=6))
        assert_sent_to_login(client.get(home(tenant_a)), tenant_a)

        login(client, tenant_a)
        for _ in range(15):
            clock.shift(timedelta(minutes=4))
            assert client.get(home(tenant_a)).status_code == 200
        clock.shift(timedelta(minutes=1))  # 61 minutes
        assert_sent_to_login(client.get(home(tenant_a)), tenant_a)


# --- 在线用户 ------------------------------------------------------------------------------------


@pytest.fixture
def secadmin(app: Flask, tenant_a: TenantFixture):
    add_user(app, tenant_a, "anquan", role_key="secadmin")
    client = app.test_client()
    login(client, tenant_a, username="anquan")
    return client


def test_online_users_lists_sessions_and_ends_one(app, tenant_a, secadmin) -> None:
    add_user(app, tenant_a, "keyuan", role_key="staff")
    staff = app.test_client()
    login(staff, tenant_a, username="keyuan")
    staff.environ_base["HTTP_USER_AGENT"] = "Testkit-Browser/1.0"

    page = secadmin.get(f"/t/{tenant_a.slug}/sessions")
    assert page.status_code == 200
    html = body(page)
    assert "keyuan" in html and "anquan" in html and "127.0.0.1" in html
    staff_row = next(row for row in session_rows(app, tenant_a)
                     if row.token_hash == token_hash(session_token(staff)))

    events = []
    with logged_out.connected_to(lambda sender, **kw: events.append(
            (kw["username"], kw["reason"]))):
        ended = secadmin.post(f"/t/{tenant_a.slug}/sessions/{staff_row.id}/end")
    assert ended.status_code == 302
    assert events == [("keyuan", "ended_by_admin")]
    assert_sent_to_login(staff.get(home(tenant_a)), tenant_a)
    assert secadmin.get(home(tenant_a)).status_code == 200  # only that one ended
    assert "keyuan" not in body(secadmin.get(f"/t/{tenant_a.slug}/sessions"))


def test_online_users_needs_the_session_permission(app, tenant_a, client_a) -> None:
    # The conftest admin is a system administrator: sessions are the security admin's.
    assert client_a.get(f"/t/{tenant_a.slug}/sessions").status_code == 403
    row = session_rows(app, tenant_a)[0]
    assert client_a.post(f"/t/{tenant_a.slug}/sessions/{row.id}/end").status_code == 403
    assert len(session_rows(app, tenant_a)) == 1
    nav = body(client_a.get(home(tenant_a)))
    assert f'href="/t/{tenant_a.slug}/sessions"' not in nav


def test_online_users_nav_entry_for_the_security_admin(app, tenant_a, secadmin) -> None:
    assert f'href="/t/{tenant_a.slug}/sessions"' in body(secadmin.get(home(tenant_a)))


def test_ending_an_unknown_or_foreign_session_is_404(app, tenant_a, tenant_b, secadmin) -> None:
    foreign = app.test_client()
    login(foreign, tenant_b)
    b_row = session_rows(app, tenant_b)[0]
    assert secadmin.post(f"/t/{tenant_a.slug}/sessions/{b_row.id}/end").status_code == 404
    assert secadmin.post(f"/t/{tenant_a.slug}/sessions/12345/end").status_code == 404
    assert foreign.get(home(tenant_b)).status_code == 200


def test_expired_sessions_are_not_listed_and_are_purged_at_login(app, tenant_a, secadmin) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        add_user(app, tenant_a, "keyuan", role_key="staff")
        login(app.test_client(), tenant_a, username="keyuan")
        clock.shift(timedelta(minutes=31))
        login(secadmin, tenant_a, username="anquan")
        assert "keyuan" not in body(secadmin.get(f"/t/{tenant_a.slug}/sessions"))
        assert {row.user_id for row in session_rows(app, tenant_a)} == {
            read_id(app, tenant_a, "anquan")}


def read_id(app, tenant, username) -> int:
    with app.app_context(), tenant_context(tenant.id):
        return db.session.scalar(select(User.id).where(User.username == username))


def test_session_row_is_touched_at_most_once_a_minute(app, tenant_a) -> None:
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        login(client, tenant_a)
        seen = session_rows(app, tenant_a)[0].last_seen_at
        clock.shift(timedelta(seconds=30))
        client.get(home(tenant_a))
        assert session_rows(app, tenant_a)[0].last_seen_at == seen
        clock.shift(timedelta(seconds=40))
        client.get(home(tenant_a))
        assert session_rows(app, tenant_a)[0].last_seen_at != seen


def test_post_login_redirect_still_honours_next(app, tenant_a) -> None:
    client = app.test_client()
    response = post_login(client, tenant_a, query_string={"next": f"/t/{tenant_a.slug}/notices/"})
    assert response.headers["Location"] == f"/t/{tenant_a.slug}/notices/"
