"""Helpers shared by the tests/test_auth_*.py files (no tests of its own)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.auth.models import User, UserSession
from core.auth.settings import auth_settings
from core.db import db
from core.sdk import tenant_context

from conftest import PASSWORD, TenantFixture

#: A Monday morning in Beijing (UTC+8), as UTC: where frozen-clock tests start.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ALERT_RE = re.compile(r'<div class="alert alert-(\w+)[^"]*" role="alert">\s*(.*?)\s*<', re.S)


def body(response: Any) -> str:
    return response.get_data(as_text=True)


def alerts(response: Any) -> list[tuple[str, str]]:
    """The flash messages of a page: (category, text)."""
    return ALERT_RE.findall(body(response))


def configure(app: Flask, tenant: TenantFixture, **settings: Any) -> None:
    """Change the tenant's ``auth`` settings."""
    with app.app_context(), tenant_context(tenant.id):
        auth_settings().set_many(settings)
        db.session.commit()


def update_user(app: Flask, tenant: TenantFixture, username: str = "admin",
                **values: Any) -> None:
    with app.app_context(), tenant_context(tenant.id):
        user = db.session.scalar(select(User).where(User.username == username))
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


def read_user(app: Flask, tenant: TenantFixture, username: str = "admin") -> User:
    with app.app_context(), tenant_context(tenant.id):
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def add_user(app: Flask, tenant: TenantFixture, username: str, password: str = PASSWORD,
             role_key: str | None = None) -> None:
    from core.access.models import Role
    from core.access.service import assign_role

    with app.app_context(), tenant_context(tenant.id):
        user = User(username=username, display_name=username)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        if role_key:
            assign_role(user, db.session.scalar(select(Role).where(Role.key == role_key)),
                        actor="test")
        db.session.commit()


def session_rows(app: Flask, tenant: TenantFixture) -> list[UserSession]:
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.scalars(select(UserSession)).all()
        db.session.expunge_all()
        return list(rows)


def session_token(client: FlaskClient) -> str | None:
    with client.session_transaction() as flask_session:
        return flask_session.get("sid")


def cookie_value(client: FlaskClient, name: str = "session") -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def post_login(client: FlaskClient, tenant: TenantFixture, username: str = "admin",
               password: str = PASSWORD, **kwargs: Any) -> Any:
    return client.post(f"/t/{tenant.slug}/login",
                       data={"username": username, "password": password}, **kwargs)


def secret_on_page(response: Any) -> str:
    """The TOTP key shown for manual entry on an enrolment page."""
    found = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', body(response))
    assert found, "no TOTP key on the page"
    return found.group(1).replace(" ", "")


def code(secret: str, steps_ahead: int = 0) -> str:
    """The TOTP code of the current time step (or one of the next ones)."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now(UTC)) + steps_ahead)
