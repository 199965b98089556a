"""Password policy (dengbao profile), history, forced change and the change page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask_babel import gettext, ngettext
from marshmallow import ValidationError
from sqlalchemy import func, select
from wtforms import Form, PasswordField

from core.auth.models import PasswordHistory, User
from core.auth.passwords import PasswordPolicy, character_classes, policy_errors
from core.auth.service import PasswordRejected, change_password
from core.auth.settings import DENGBAO_PROFILE, AuthSettingsSchema, auth_settings
from core.db import db
from core.sdk import tenant_context

from conftest import PASSWORD, login
from test_auth_support import T0, body, configure, post_login, read_user, update_user

POLICY = AuthSettingsSchema().load({})


def messages(app, password: str, username: str = "", **policy) -> list[str]:
    with app.test_request_context():
        return policy_errors(password, {**POLICY, **policy}, username)


# --- the rules -----------------------------------------------------------------------------


def test_the_defaults_are_the_dengbao_profile() -> None:
    assert POLICY == DENGBAO_PROFILE
    assert POLICY["password_min_length"] == 8 and POLICY["password_min_classes"] == 3
    assert POLICY["lockout_threshold"] == 5 and POLICY["lockout_minutes"] == 30
    assert POLICY["idle_timeout_minutes"] == 30 and POLICY["session_lifetime_hours"] == 8
    assert POLICY["password_max_age_days"] == 0  # no expiry unless the tenant sets one
    assert POLICY["totp_required_for_admins"] is True


@pytest.mark.parametrize(("password", "ok"), [
    ("Abcdef1!", True),       # 8 characters, four classes
    ("abcdefg1!", True),      # lower, digit, symbol: three of four
    ("ABCDEFG1a", True),      # upper, digit, lower
    ("司法局abc12", True),    # non-ASCII counts as a symbol
    ("Abc1!", False),         # too short
    ("abcdefgh1", False),     # two classes
    ("ABCDEFGHI", False),     # one class
    ("12345678", False),
    ("", False),
])
def test_length_and_three_of_four_classes(app, password: str, ok: bool) -> None:
    assert (messages(app, password) == []) is ok


def test_classes_are_counted_separately() -> None:
    assert character_classes("aA1!") == 4
    assert character_classes("aaaa") == 1
    assert character_classes("a1") == 2


def too_short(length: int) -> str:
    return ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.",
                    length)


def test_each_broken_rule_has_its_own_message(app) -> None:
    found = messages(app, "jiangeadmin", username="jiangeadmin")
    assert len(found) == 2  # classes, username (length is fine)
    found = messages(app, "aB1", username="")
    assert len(found) == 1  # only length: aB1 has three classes
    with app.test_request_context():
        assert found[0] == too_short(8)


def test_the_username_may_not_be_in_the_password(app) -> None:
    assert messages(app, "Admin-2026x", username="admin")
    assert not messages(app, "Admin-2026x", username="keyuan")


def test_stricter_tenant_settings_apply(app) -> None:
    assert messages(app, "abcdefg1!", password_min_classes=4)
    assert messages(app, "Abcdef1!", password_min_length=12)


def test_schema_refuses_weaker_than_the_floor(app, tenant_a) -> None:
    with app.app_context(), tenant_context(tenant_a.id):
        with pytest.raises(ValidationError) as refused:
            auth_settings().set_many({"password_min_length": 6, "totp_for_others": "sometimes"})
        assert set(refused.value.messages) == {"password_min_length", "totp_for_others"}
        db.session.rollback()


def test_wtforms_validator_puts_every_message_beside_the_field(app, tenant_a) -> None:
    class TestkitForm(Form):
        password = PasswordField(validators=[PasswordPolicy(lambda: POLICY)])

    with app.test_request_context():
        form = TestkitForm(data={"password": "abc"})
        assert not form.validate()
        assert len(form.password.errors) == 2  # length and classes
        assert TestkitForm(data={"password": "Abcdef1!"}).validate()


# --- history -------------------------------------------------------------------------------


def _change(app, tenant, new: str) -> None:
    with app.app_context(), tenant_context(tenant.id):
        user = db.session.scalar(select(User).where(User.username == "admin"))
        change_password(user, new, auth_settings().get_all())
        db.session.commit()


def test_the_last_five_passwords_cannot_be_reused(app, tenant_a) -> None:
    passwords = [f"Passw0rd-{n}!" for n in range(1, 6)]
    for password in passwords:
        _change(app, tenant_a, password)
    # The current one and the four before it are refused (5 in all), the one before is fine.
    for old in passwords:
        with pytest.raises(PasswordRejected):
            _change(app, tenant_a, old)
    _change(app, tenant_a, PASSWORD)  # the provisioning password is the 6th most recent
    with app.app_context(), tenant_context(tenant_a.id):
        stored = db.session.scalar(select(func.count()).select_from(PasswordHistory))
    assert stored == 6


def test_history_length_is_a_setting(app, tenant_a) -> None:
    configure(app, tenant_a, password_history=1)
    _change(app, tenant_a, "Passw0rd-1!")
    _change(app, tenant_a, PASSWORD)  # only the current one counts now
    with pytest.raises(PasswordRejected):
        _change(app, tenant_a, PASSWORD)


def test_history_keeps_at_most_24_previous_hashes(app, tenant_a) -> None:
    configure(app, tenant_a, password_history=0)
    for n in range(26):
        _change(app, tenant_a, f"Passw0rd-{n}!")
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(PasswordHistory)) == 24


# --- the change page -----------------------------------------------------------------------


def change_page(client, tenant, current: str, new: str, confirm: str | None = None):
    return client.post(f"/t/{tenant.slug}/password", data={
        "current_password": current, "new_password": new,
        "confirm": new if confirm is None else confirm})


def test_reuse_is_refused_beside_the_field_and_nothing_typed_is_lost(app, tenant_a,
                                                                      client_a) -> None:
    response = change_page(client_a, tenant_a, PASSWORD, PASSWORD)
    assert response.status_code == 200
    html = body(response)
    with app.test_request_context():
        assert gettext("You used this password recently. Choose another one.") in html
    assert 'class="invalid-feedback"' in html and "is-invalid" in html
    assert read_user(app, tenant_a).check_password(PASSWORD)


def test_weak_password_wrong_current_and_mismatch_are_refused(app, tenant_a, client_a) -> None:
    weak = body(change_page(client_a, tenant_a, PASSWORD, "short"))
    with app.test_request_context():
        assert too_short(8) in weak
        wrong = body(change_page(client_a, tenant_a, "not-it", "Neue-Passw0rt!"))
        assert gettext("The current password is not correct.") in wrong
        differ = body(change_page(client_a, tenant_a, PASSWORD, "Neue-Passw0rt!", "Neue-x"))
        assert gettext("The two passwords differ.") in differ
    assert read_user(app, tenant_a).check_password(PASSWORD)


def test_a_good_change_works_and_the_old_password_stops(app, tenant_a, client_a) -> None:
    response = change_page(client_a, tenant_a, PASSWORD, "Neue-Passw0rt!")
    assert response.status_code == 302
    assert client_a.get(f"/t/{tenant_a.slug}/").status_code == 200
    assert post_login(app.test_client(), tenant_a).status_code == 200  # refused
    assert post_login(app.test_client(), tenant_a, password="Neue-Passw0rt!").status_code == 302


# --- forced change -------------------------------------------------------------------------


def every_get_page(app, tenant) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/t/<tenant>") and "GET" in rule.methods \
                and rule.arguments == {"tenant"}:
            urls.append(rule.build({"tenant": tenant.slug}, append_unknown=False)[1])
    return urls


def test_reset_password_forces_a_change_before_any_other_page(app, tenant_a) -> None:
    update_user(app, tenant_a, must_change_password=True)
    client = app.test_client()
    response = post_login(client, tenant_a)
    assert response.status_code == 302
    password_url = f"/t/{tenant_a.slug}/password"
    for url in every_get_page(app, tenant_a):
        page = client.get(url)
        if url == password_url:
            assert page.status_code == 200
            assert 'data-testid="password-reason"' in body(page)
        else:
            assert page.status_code == 302, url
            assert page.headers["Location"] == password_url, url
    assert change_page(client, tenant_a, PASSWORD, "Neue-Passw0rt!").status_code == 302
    assert read_user(app, tenant_a).must_change_password is False
    assert client.get(f"/t/{tenant_a.slug}/").status_code == 200


def test_expired_password_forces_a_change(app, tenant_a) -> None:
    configure(app, tenant_a, password_max_age_days=90)
    client = app.test_client()
    with time_machine.travel(T0, tick=False) as clock:
        update_user(app, tenant_a, password_changed_at=T0)
        login(client, tenant_a)
        assert client.get(f"/t/{tenant_a.slug}/").status_code == 200
        clock.shift(timedelta(days=90, minutes=1))
        login(client, tenant_a)
        response = client.get(f"/t/{tenant_a.slug}/notices/")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/t/{tenant_a.slug}/password"
        assert change_page(client, tenant_a, PASSWORD, "Neue-Passw0rt!").status_code == 302
        assert client.get(f"/t/{tenant_a.slug}/notices/").status_code == 200


def test_forced_change_user_can_still_log_out(app, tenant_a) -> None:
    update_user(app, tenant_a, must_change_password=True)
    client = app.test_client()
    post_login(client, tenant_a)
    response = client.post(f"/t/{tenant_a.slug}/logout")
    assert response.headers["Location"] == f"/t/{tenant_a.slug}/login"
    assert client.get(f"/t/{tenant_a.slug}/password").status_code == 302
