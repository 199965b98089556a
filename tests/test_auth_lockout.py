"""Lockout after repeated failures, one generic message, and the login signals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask_babel import gettext

from core.signals import login_failed, login_succeeded

from conftest import PASSWORD
from test_auth_support import T0, alerts, configure, post_login, read_user, update_user

WRONG = "Wrong-Passw0rd!"


@pytest.fixture
def failures():
    """Collect (username, reason) of every login_failed signal during the test."""
    seen: list[tuple[str, str]] = []

    def receiver(sender, **kw):
        seen.append((kw["username"], kw["reason"]))

    with login_failed.connected_to(receiver):
        yield seen


def generic(app) -> str:
    with app.test_request_context():
        return gettext("Invalid username or password.")


def refused(response, app) -> None:
    assert response.status_code == 200
    assert alerts(response) == [("danger", generic(app))]


def test_five_failures_lock_for_30_minutes_then_unlock(app, tenant_a, failures) -> None:
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        for attempt in range(1, 5):
            refused(post_login(client, tenant_a, password=WRONG), app)
            assert read_user(app, tenant_a).failed_logins == attempt
        refused(post_login(client, tenant_a, password=WRONG), app)  # the fifth
        user = read_user(app, tenant_a)
        assert user.locked_until is not None and user.failed_logins == 0
        assert failures[-2:] == [("admin", "bad_password"), ("admin", "locked_now")]

        # Locked: the right password is refused with the very same message.
        refused(post_login(client, tenant_a), app)
        assert failures[-1] == ("admin", "locked")
        clock.shift(timedelta(minutes=29, seconds=59))
        refused(post_login(client, tenant_a), app)
        assert client.get(f"/t/{tenant_a.slug}/").status_code == 302

        clock.shift(timedelta(seconds=2))  # 30 minutes and a second after the lock
        response = post_login(client, tenant_a)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/t/{tenant_a.slug}/"
        assert client.get(f"/t/{tenant_a.slug}/").status_code == 200
        user = read_user(app, tenant_a)
        assert user.locked_until is None and user.failed_logins == 0


def test_attempts_while_locked_do_not_extend_the_lock(app, tenant_a) -> None:
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            post_login(client, tenant_a, password=WRONG)
        locked_until = read_user(app, tenant_a).locked_until
        clock.shift(timedelta(minutes=10))
        for _ in range(3):
            post_login(client, tenant_a, password=WRONG)
        assert read_user(app, tenant_a).locked_until == locked_until


def test_a_success_resets_the_count(app, tenant_a) -> None:
    client = app.test_client()
    for _ in range(4):
        post_login(client, tenant_a, password=WRONG)
    assert post_login(client, tenant_a).status_code == 302
    for _ in range(4):
        post_login(app.test_client(), tenant_a, password=WRONG)
    assert read_user(app, tenant_a).locked_until is None
    assert read_user(app, tenant_a).failed_logins == 4


def test_threshold_and_duration_are_tenant_settings(app, tenant_a) -> None:
    configure(app, tenant_a, lockout_threshold=3, lockout_minutes=5)
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(3):
            post_login(client, tenant_a, password=WRONG)
        refused(post_login(client, tenant_a), app)
        clock.shift(timedelta(minutes=5, seconds=1))
        assert post_login(client, tenant_a).status_code == 302


def test_one_message_for_unknown_user_wrong_password_locked_and_disabled(
        app, tenant_a, failures) -> None:
    pages = {
        "unknown_user": post_login(app.test_client(), tenant_a, username="nobody"),
        "bad_password": post_login(app.test_client(), tenant_a, password=WRONG),
    }
    update_user(app, tenant_a, active=False)
    pages["disabled"] = post_login(app.test_client(), tenant_a)
    update_user(app, tenant_a, active=True, locked_until=T0 + timedelta(days=3650))
    pages["locked"] = post_login(app.test_client(), tenant_a)

    for page in pages.values():
        refused(page, app)
    # Beyond the message the pages differ only in the username typed back into the form.
    unknown = pages["unknown_user"].get_data(as_text=True).replace("nobody", "admin")
    for reason in ("bad_password", "disabled", "locked"):
        assert pages[reason].get_data(as_text=True) == unknown, reason
    assert [reason for _, reason in failures] == [
        "unknown_user", "bad_password", "disabled", "locked"]


def test_success_signal_names_the_user(app, tenant_a) -> None:
    seen = []
    with login_succeeded.connected_to(
            lambda sender, **kw: seen.append((kw["tenant"].slug, kw["username"], kw["reason"]))):
        assert post_login(app.test_client(), tenant_a, password=PASSWORD).status_code == 302
    assert seen == [(tenant_a.slug, "admin", "password")]
