"""A new bureau's only account is its system administrator, and only a security administrator
grants roles: until one exists, the system administrator appoints the first security and audit
administrators (never themselves), after which the path closes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.access.models import RoleAssignment
from core.access.service import RoleConflict, bootstrap_admin_grant, bootstrap_open_roles
from core.audit.models import AuditEvent
from core.auth.settings import auth_settings
from core.db import db
from core.sdk import tenant_context
from tenants.provisioning import TenantSpec, create_tenant

from conftest import PASSWORD, TenantFixture
from test_admin_support import add_user, client_of, role_keys_of, user_by_name


@pytest.fixture
def fresh(app) -> TenantFixture:
    """A bureau as /signup leaves it: one account, the system administrator ``xitong``."""
    with app.app_context():
        tenant = create_tenant(TenantSpec(slug="wangcang", name="旺苍县司法局",
                                          region_code="510821"),
                               admin_username="xitong", admin_password=PASSWORD)
        with tenant_context(tenant):
            # Administrators must enrol TOTP by default; these tests are about what follows.
            auth_settings().set_many({"totp_required_for_admins": False})
        db.session.commit()
        fixture = TenantFixture(tenant=tenant, id=tenant.id, slug=tenant.slug,
                                admin_username="xitong")
        db.session.expunge_all()
    return fixture


@pytest.fixture
def sys_client(app, fresh):
    return client_of(app, fresh, "xitong")


def base(tenant: TenantFixture) -> str:
    return f"/t/{tenant.slug}/admin"


def new_user(client, tenant: TenantFixture, in_tenant, username: str) -> int:
    """The system administrator creates an account through the page; returns its id."""
    response = client.post(f"{base(tenant)}/users/new", data={
        "username": username, "display_name": username, "password": PASSWORD})
    assert response.status_code == 302
    with in_tenant(tenant):
        return user_by_name(username).id


def appoint(client, tenant: TenantFixture, user_id: int, role: str):
    return client.post(f"{base(tenant)}/users/{user_id}/bootstrap-admin", data={"role": role})


def grants(in_tenant, tenant: TenantFixture, username: str) -> list[tuple[str, str | None]]:
    with in_tenant(tenant):
        return role_keys_of(username)


def bootstrap_events(in_tenant, tenant: TenantFixture) -> list[tuple[str, str, str, dict]]:
    with in_tenant(tenant):
        return [(e.outcome, e.actor_name, e.summary, e.details) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.event == "role.grant").order_by(AuditEvent.seq))
            if e.details.get("bootstrap")]


def test_sysadmin_appoints_the_first_audit_and_security_administrators(
        app, fresh, sys_client, in_tenant):
    users_page = sys_client.get(f"{base(fresh)}/users/").get_data(as_text=True)
    assert 'data-testid="bootstrap-notice"' in users_page
    shenji = new_user(sys_client, fresh, in_tenant, "shenji")
    anquan = new_user(sys_client, fresh, in_tenant, "anquan")

    page = sys_client.get(f"{base(fresh)}/users/{shenji}").get_data(as_text=True)
    assert 'data-testid="bootstrap-admin"' in page
    assert 'data-testid="bootstrap-secadmin"' in page
    assert 'data-testid="bootstrap-auditadmin"' in page
    assert 'name="csrf_token"' in page

    response = appoint(sys_client, fresh, shenji, "auditadmin")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{shenji}")
    assert grants(in_tenant, fresh, "shenji") == [("auditadmin", None)]

    # The audit administrator's role is taken now; only the security administrator's is left.
    page = sys_client.get(f"{base(fresh)}/users/{anquan}").get_data(as_text=True)
    assert 'data-testid="bootstrap-secadmin"' in page
    assert 'data-testid="bootstrap-auditadmin"' not in page

    assert appoint(sys_client, fresh, anquan, "secadmin").status_code == 302
    assert grants(in_tenant, fresh, "anquan") == [("secadmin", None)]
    with in_tenant(fresh):
        granted_by = db.session.scalar(select(RoleAssignment.granted_by).where(
            RoleAssignment.user_id == anquan))
    assert granted_by == "xitong"
    assert bootstrap_events(in_tenant, fresh) == [
        ("success", "xitong", "shenji auditadmin @ *",
         {"role": "auditadmin", "org_unit": "*", "bootstrap": True}),
        ("success", "xitong", "anquan secadmin @ *",
         {"role": "secadmin", "org_unit": "*", "bootstrap": True})]

    # The security administrator now grants roles: the new one reaches the grant form (once
    # past the first-login password change, which is not the subject here).
    with in_tenant(fresh):
        user_by_name("anquan").must_change_password = False
        db.session.commit()
    sec_page = client_of(app, fresh, "anquan").get(f"{base(fresh)}/users/{shenji}")
    assert 'data-testid="grant-form"' in sec_page.get_data(as_text=True)


def test_the_path_closes_once_a_security_administrator_is_active(
        app, fresh, sys_client, in_tenant):
    anquan = new_user(sys_client, fresh, in_tenant, "anquan")
    other = new_user(sys_client, fresh, in_tenant, "wang")
    assert appoint(sys_client, fresh, anquan, "secadmin").status_code == 302

    for user_id in (anquan, other):
        page = sys_client.get(f"{base(fresh)}/users/{user_id}").get_data(as_text=True)
        assert 'data-testid="bootstrap-admin"' not in page
    users_page = sys_client.get(f"{base(fresh)}/users/").get_data(as_text=True)
    assert 'data-testid="bootstrap-notice"' not in users_page

    for role in ("secadmin", "auditadmin"):
        response = appoint(sys_client, fresh, other, role)
        assert response.status_code == 302
        followed = sys_client.get(response.headers["Location"]).get_data(as_text=True)
        assert "alert-danger" in followed
    assert grants(in_tenant, fresh, "wang") == []
    refused = [e for e in bootstrap_events(in_tenant, fresh) if e[0] == "failure"]
    assert [(e[1], e[3]["role"]) for e in refused] == [("xitong", "secadmin"),
                                                       ("xitong", "auditadmin")]


def test_a_disabled_security_administrator_does_not_keep_the_path_closed(
        app, fresh, in_tenant):
    """Only an *active* holder closes it (the last active one cannot be disabled anyway, so
    this is about accounts that were already disabled)."""
    add_user(app, fresh, "old", "secadmin")
    with in_tenant(fresh):
        user_by_name("old").active = False
        db.session.commit()
    with in_tenant(fresh):
        assert bootstrap_open_roles() == ["secadmin", "auditadmin"]


def test_self_appointment_and_other_admins_are_refused(app, fresh, sys_client, in_tenant):
    with in_tenant(fresh):
        xitong = user_by_name("xitong").id
    page = sys_client.get(f"{base(fresh)}/users/{xitong}").get_data(as_text=True)
    assert 'data-testid="bootstrap-admin"' not in page
    for role in ("secadmin", "auditadmin"):
        response = appoint(sys_client, fresh, xitong, role)
        assert response.status_code == 302
        assert "alert-danger" in sys_client.get(response.headers["Location"]).get_data(
            as_text=True)
    assert grants(in_tenant, fresh, "xitong") == [("sysadmin", None)]

    # Mutual exclusion still holds: a second system administrator cannot become one.
    add_user(app, fresh, "xitong2", "sysadmin")
    with in_tenant(fresh):
        xitong2 = user_by_name("xitong2").id
    page = sys_client.get(f"{base(fresh)}/users/{xitong2}").get_data(as_text=True)
    assert 'data-testid="bootstrap-admin"' not in page
    assert appoint(sys_client, fresh, xitong2, "secadmin").status_code == 302
    assert grants(in_tenant, fresh, "xitong2") == [("sysadmin", None)]

    # Only the two missing administrator roles, and never to a disabled account.
    wang = new_user(sys_client, fresh, in_tenant, "wang")
    for role in ("sysadmin", "staff", "leader", ""):
        assert appoint(sys_client, fresh, wang, role).status_code == 302
    sys_client.post(f"{base(fresh)}/users/{wang}/disable")
    assert appoint(sys_client, fresh, wang, "secadmin").status_code == 302
    assert grants(in_tenant, fresh, "wang") == []
    assert {e[0] for e in bootstrap_events(in_tenant, fresh)} == {"failure"}


def test_the_service_refuses_what_the_rules_forbid(app, fresh, in_tenant):
    add_user(app, fresh, "shenji", "auditadmin")
    add_user(app, fresh, "wang")
    with in_tenant(fresh):
        xitong, shenji, wang = (user_by_name(n) for n in ("xitong", "shenji", "wang"))
        assert bootstrap_open_roles() == ["secadmin"]
        for user, role in ((xitong, "secadmin"), (shenji, "secadmin"), (wang, "auditadmin"),
                           (wang, "sysadmin")):
            with pytest.raises(RoleConflict):
                bootstrap_admin_grant(user, role, xitong)
        bootstrap_admin_grant(wang, "secadmin", xitong)
        assert bootstrap_open_roles() == []


def test_only_the_system_administrator_may_use_it(app, fresh, sys_client, in_tenant):
    wang = new_user(sys_client, fresh, in_tenant, "wang")
    add_user(app, fresh, "keyuan", "staff")
    add_user(app, fresh, "shenji", "auditadmin")
    for username in ("keyuan", "shenji"):
        client = client_of(app, fresh, username)
        assert appoint(client, fresh, wang, "secadmin").status_code == 403
    assert grants(in_tenant, fresh, "wang") == []


def test_unknown_user_is_404(fresh, sys_client):
    assert appoint(sys_client, fresh, 999999, "secadmin").status_code == 404


def test_the_form_needs_its_csrf_token(database_url, fresh, in_tenant):
    from conftest import make_app

    strict = make_app(database_url, WTF_CSRF_ENABLED=True)
    add_user(strict, fresh, "wang")
    with in_tenant(fresh):
        wang = user_by_name("wang").id
    client = strict.test_client()
    page = client.get(f"/t/{fresh.slug}/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(f"/t/{fresh.slug}/login", data={
        "username": "xitong", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert appoint(client, fresh, wang, "secadmin").status_code == 400
    assert grants(in_tenant, fresh, "wang") == []
