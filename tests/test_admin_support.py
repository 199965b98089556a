"""Helpers of the admin and access-matrix tests: users holding chosen roles, logged-in clients.

(No tests here; the name keeps it among the admin test files.)
"""

from __future__ import annotations

import functools
import io

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.access.models import Role, RoleAssignment
from core.access.service import assign_role
from core.auth.models import User
from core.db import db
from core.orgunits.models import OrgUnit
from core.sdk import tenant_context

from conftest import PASSWORD, TenantFixture, login


def add_user(app: Flask, tenant: TenantFixture, username: str, *role_keys: str,
             unit_code: str | None = None, display_name: str = "") -> int:
    """A ready-to-use account (no forced password change) holding ``role_keys``."""
    with app.app_context(), tenant_context(tenant.id):
        user = User(username=username, display_name=display_name or username,
                    password_hash=password_hash())
        db.session.add(user)
        db.session.flush()
        unit = unit_by_code(unit_code) if unit_code else None
        for key in role_keys:
            assign_role(user, role_by_key(key), unit, actor="test")
        db.session.commit()
        return user.id


@functools.cache
def password_hash() -> str:
    """One argon2 hash of PASSWORD for every test account (hashing is slow on purpose)."""
    from core.auth.passwords import hash_password

    return hash_password(PASSWORD)


def relax_second_factor(app: Flask, tenant: TenantFixture) -> None:
    """Administrators must enrol TOTP by default; these tests are about what comes after."""
    from core.auth.settings import auth_settings

    with app.app_context(), tenant_context(tenant.id):
        auth_settings().set_many({"totp_required_for_admins": False})
        db.session.commit()


def client_of(app: Flask, tenant: TenantFixture, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, tenant, username, PASSWORD)
    return client


def role_by_key(key: str) -> Role:
    role = db.session.scalar(select(Role).where(Role.key == key))
    assert role is not None, key
    return role


def unit_by_code(code: str) -> OrgUnit:
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    assert unit is not None, code
    return unit


def user_by_name(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return user


def role_keys_of(username: str) -> list[tuple[str, str | None]]:
    """(role key, org-unit code or None) of the user's grants, sorted."""
    user = user_by_name(username)
    grants = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == user.id))
    return sorted(((a.role.key, a.org_unit.code if a.org_unit else None) for a in grants),
                  key=lambda pair: (pair[0], pair[1] or ""))


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """A workbook whose first sheet holds ``rows`` (header first), as a user would save it."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client: FlaskClient, url: str, data: bytes, filename: str):
    return client.post(url, data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")
