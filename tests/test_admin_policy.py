"""The security administrator's policy page: validated, stored per tenant, audited, in force."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.auth.settings import DENGBAO_PROFILE, auth_settings
from core.db import db
from core.sdk import tenant_context

from conftest import TenantFixture
from test_admin_support import add_user, client_of, relax_second_factor


def form_with(**changes: object) -> dict:
    data = {name: value for name, value in DENGBAO_PROFILE.items()
            if name != "totp_required_for_admins"}
    data["totp_required_for_admins"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def stored(app: Flask, tenant: TenantFixture) -> dict:
    with app.app_context(), tenant_context(tenant.id):
        return auth_settings().get_all()


def test_security_admin_changes_the_policy_and_it_is_audited(
        app: Flask, tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "sec", "secadmin")
    client = client_of(app, tenant_a, "sec")

    page = client.get(f"/t/{tenant_a.slug}/admin/policy")
    assert page.status_code == 200
    assert 'name="password_min_length"' in page.get_data(as_text=True)

    response = client.post(f"/t/{tenant_a.slug}/admin/policy",
                           data=form_with(password_min_length=12, lockout_minutes=60))
    assert response.status_code == 302
    policy = stored(app, tenant_a)
    assert policy["password_min_length"] == 12 and policy["lockout_minutes"] == 60
    assert stored(app, tenant_b)["password_min_length"] == 8  # another bureau is untouched
    with app.app_context(), tenant_context(tenant_a.id):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "policy.update"))
    assert event is not None
    assert "password_min_length" in event.summary and "lockout_minutes" in event.summary


def test_out_of_range_values_are_refused_beside_the_field(app: Flask,
                                                          tenant_a: TenantFixture) -> None:
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "sec", "secadmin")
    client = client_of(app, tenant_a, "sec")

    response = client.post(f"/t/{tenant_a.slug}/admin/policy",
                           data=form_with(password_min_length=6, lockout_threshold=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("invalid-feedback") >= 2
    assert 'value="6"' in html  # what was typed stays in the form
    assert stored(app, tenant_a)["password_min_length"] == 8


def test_only_the_security_administrator_may_open_it(app: Flask,
                                                    tenant_a: TenantFixture) -> None:
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "sys", "sysadmin")
    add_user(app, tenant_a, "aud", "auditadmin")
    add_user(app, tenant_a, "clerk", "staff")
    for username in ("sys", "aud", "clerk"):
        client = client_of(app, tenant_a, username)
        assert client.get(f"/t/{tenant_a.slug}/admin/policy").status_code == 403, username
        assert client.post(f"/t/{tenant_a.slug}/admin/policy",
                           data=form_with(password_min_length=20)).status_code == 403
    assert stored(app, tenant_a)["password_min_length"] == 8
