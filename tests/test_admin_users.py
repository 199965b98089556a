"""User administration: accounts (system administrator), role grants (security administrator),
the 三员分立 rules in the service and on the pages, bulk imports."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.access.models import RoleAssignment
from core.access.service import RoleConflict, assign_role, revoke_assignment
from core.auth.models import User
from core.db import db
from core.tenancy.models import utcnow

from conftest import PASSWORD, login
from test_admin_support import (
    add_user,
    client_of,
    relax_second_factor,
    role_by_key,
    role_keys_of,
    unit_by_code,
    upload,
    user_by_name,
    xlsx_bytes,
)

ROOT = "510823"


def base(tenant) -> str:
    return f"/t/{tenant.slug}/admin"


@pytest.fixture
def admins(app, tenant_a):
    """Logged-in clients of a system administrator and a security administrator."""
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "sys", "sysadmin")
    add_user(app, tenant_a, "sec", "secadmin")
    return client_of(app, tenant_a, "sys"), client_of(app, tenant_a, "sec")


def user_id(in_tenant, tenant, username: str) -> int:
    with in_tenant(tenant):
        return user_by_name(username).id


def field_error(html: str, name: str) -> str:
    """The error text shown beside form field ``name`` ('' if none)."""
    match = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*is-invalid[^>]*>.*?'
                      r'<div class="invalid-feedback">([^<]*)</div>', html, re.S)
    if match is None:
        match = re.search(rf'<(?:input|select)[^>]*is-invalid[^>]*name="{name}"[^>]*>.*?'
                          r'<div class="invalid-feedback">([^<]*)</div>', html, re.S)
    return match.group(1).strip() if match else ""


# --- 三员分立 in the service -------------------------------------------------------------


@pytest.mark.parametrize("first", ["sysadmin", "secadmin", "auditadmin"])
def test_the_three_admin_roles_cannot_be_combined(app, tenant_a, in_tenant, first):
    add_user(app, tenant_a, "wang", first)
    with in_tenant(tenant_a):
        wang = user_by_name("wang")
        for other in {"sysadmin", "secadmin", "auditadmin"} - {first}:
            with pytest.raises(RoleConflict) as refused:
                assign_role(wang, role_by_key(other))
            assert refused.value.field == "role"
        assign_role(wang, role_by_key(first))  # again: fine, nothing new
        assign_role(wang, role_by_key("staff"), unit_by_code(ROOT))  # business roles: fine
        with pytest.raises(RoleConflict) as scoped:
            assign_role(user_by_name("admin"), role_by_key("auditadmin"), unit_by_code(ROOT))
        assert scoped.value.field == "org_unit"
        assert set(role_keys_of("wang")) == {(first, None), ("staff", ROOT)}


def test_the_last_security_administrator_cannot_be_revoked(app, tenant_a, in_tenant):
    add_user(app, tenant_a, "sec", "secadmin")
    add_user(app, tenant_a, "sec2", "secadmin")
    with in_tenant(tenant_a):
        grants = db.session.scalars(select(RoleAssignment).where(
            RoleAssignment.role_id == role_by_key("secadmin").id)).all()
        revoke_assignment(grants[0])
        with pytest.raises(RoleConflict):
            revoke_assignment(grants[1])


# --- accounts (system administrator) -------------------------------------------------------


def test_create_user_checks_the_password_policy_beside_the_field(app, tenant_a, admins,
                                                                  in_tenant):
    sys_client, _sec = admins
    weak = sys_client.post(f"{base(tenant_a)}/users/new", data={
        "username": "li.si", "display_name": "李四", "password": "abc"})
    assert weak.status_code == 200
    html = weak.get_data(as_text=True)
    assert field_error(html, "password")
    assert 'value="李四"' in html and 'value="li.si"' in html
    taken = sys_client.post(f"{base(tenant_a)}/users/new", data={
        "username": "admin", "display_name": "重名", "password": "Another-Pass-9"})
    assert field_error(taken.get_data(as_text=True), "username")

    created = sys_client.post(f"{base(tenant_a)}/users/new", data={
        "username": "li.si", "display_name": "李四", "password": "Li-Si-Pass-2024"})
    assert created.status_code == 302
    with in_tenant(tenant_a):
        li = user_by_name("li.si")
        assert li.active and li.must_change_password and li.display_name == "李四"
        assert li.check_password("Li-Si-Pass-2024")
        assert role_keys_of("li.si") == []  # accounts come without roles


def test_a_generated_password_is_shown_once_and_works(app, tenant_a, admins, in_tenant):
    sys_client, _sec = admins
    response = sys_client.post(f"{base(tenant_a)}/users/new", data={
        "username": "zhao", "display_name": "赵六", "password": ""})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(r'data-testid="temporary-password">([^<]+)<',
                         response.get_data(as_text=True)).group(1)
    with in_tenant(tenant_a):
        zhao = user_by_name("zhao")
        assert zhao.check_password(password) and zhao.must_change_password
        zhao_id = zhao.id
    detail = sys_client.get(f"{base(tenant_a)}/users/{zhao_id}").get_data(as_text=True)
    assert password not in detail


def test_disable_ends_sessions_and_enable_restores_login(app, tenant_a, admins, in_tenant):
    sys_client, _sec = admins
    add_user(app, tenant_a, "clerk", "staff")
    clerk = client_of(app, tenant_a, "clerk")
    assert clerk.get(f"/t/{tenant_a.slug}/notices/").status_code == 200
    clerk_id = user_id(in_tenant, tenant_a, "clerk")

    assert sys_client.post(f"{base(tenant_a)}/users/{clerk_id}/disable").status_code == 302
    replay = clerk.get(f"/t/{tenant_a.slug}/notices/")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    refused = app.test_client().post(f"/t/{tenant_a.slug}/login",
                                     data={"username": "clerk", "password": PASSWORD})
    assert refused.status_code == 200  # the login form again: disabled accounts cannot log in

    assert sys_client.post(f"{base(tenant_a)}/users/{clerk_id}/enable").status_code == 302
    client_of(app, tenant_a, "clerk")


def test_reset_password_gives_a_temporary_one_and_ends_sessions(app, tenant_a, admins,
                                                                 in_tenant):
    sys_client, _sec = admins
    add_user(app, tenant_a, "clerk", "staff")
    clerk = client_of(app, tenant_a, "clerk")
    clerk_id = user_id(in_tenant, tenant_a, "clerk")
    with in_tenant(tenant_a):
        clerk_user = user_by_name("clerk")
        clerk_user.failed_logins, clerk_user.locked_until = 3, None
        db.session.commit()

    response = sys_client.post(f"{base(tenant_a)}/users/{clerk_id}/reset-password")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    temporary = re.search(r'data-testid="temporary-password">([^<]+)<',
                          response.get_data(as_text=True)).group(1)
    with in_tenant(tenant_a):
        clerk_user = user_by_name("clerk")
        assert clerk_user.must_change_password and clerk_user.check_password(temporary)
        assert not clerk_user.check_password(PASSWORD)
        assert clerk_user.failed_logins == 0
    assert clerk.get(f"/t/{tenant_a.slug}/notices/").status_code == 302  # logged out
    fresh = app.test_client()
    login(fresh, tenant_a, "clerk", temporary)


def test_unlock_clears_a_lockout(app, tenant_a, admins, in_tenant):
    from datetime import timedelta

    sys_client, _sec = admins
    add_user(app, tenant_a, "clerk", "staff")
    with in_tenant(tenant_a):
        clerk = user_by_name("clerk")
        clerk.locked_until, clerk.failed_logins = utcnow() + timedelta(minutes=20), 0
        db.session.commit()
        clerk_id = clerk.id
    page = sys_client.get(f"{base(tenant_a)}/users/{clerk_id}").get_data(as_text=True)
    assert "/unlock" in page
    assert sys_client.post(f"{base(tenant_a)}/users/{clerk_id}/unlock").status_code == 302
    with in_tenant(tenant_a):
        assert user_by_name("clerk").locked_until is None
    client_of(app, tenant_a, "clerk")


def test_administrators_cannot_act_on_their_own_account(app, tenant_a, admins, in_tenant):
    sys_client, sec_client = admins
    sys_id, sec_id = user_id(in_tenant, tenant_a, "sys"), user_id(in_tenant, tenant_a, "sec")
    sys_client.post(f"{base(tenant_a)}/users/{sys_id}/disable")
    sys_client.post(f"{base(tenant_a)}/users/{sys_id}/reset-password")
    sec_client.post(f"{base(tenant_a)}/users/{sec_id}/grants",
                    data={"role": role_id(in_tenant, tenant_a, "leader"), "org_unit": ""})
    with in_tenant(tenant_a):
        assert user_by_name("sys").active and user_by_name("sys").check_password(PASSWORD)
        assert role_keys_of("sec") == [("secadmin", None)]
    assert sys_client.get(f"/t/{tenant_a.slug}/").status_code == 200


def role_id(in_tenant, tenant, key: str) -> int:
    with in_tenant(tenant):
        return role_by_key(key).id


# --- the two administrators keep to their own work -----------------------------------------


def test_system_admin_cannot_grant_and_security_admin_cannot_create(app, tenant_a, admins,
                                                                    in_tenant):
    sys_client, sec_client = admins
    add_user(app, tenant_a, "clerk")
    clerk_id = user_id(in_tenant, tenant_a, "clerk")
    leader = role_id(in_tenant, tenant_a, "leader")

    assert sys_client.post(f"{base(tenant_a)}/users/{clerk_id}/grants",
                           data={"role": leader, "org_unit": ""}).status_code == 403
    assert sys_client.get(f"{base(tenant_a)}/grants/import").status_code == 403
    assert sec_client.get(f"{base(tenant_a)}/users/new").status_code == 403
    assert sec_client.post(f"{base(tenant_a)}/users/new", data={
        "username": "ghost", "display_name": "幽灵", "password": "Ghost-Pass-123"}
    ).status_code == 403
    assert sec_client.post(f"{base(tenant_a)}/users/{clerk_id}/disable").status_code == 403
    assert sec_client.post(f"{base(tenant_a)}/users/{clerk_id}/reset-password").status_code == 403
    assert sec_client.get(f"{base(tenant_a)}/users/import").status_code == 403
    with in_tenant(tenant_a):
        assert role_keys_of("clerk") == []
        assert db.session.scalar(select(User).where(User.username == "ghost")) is None
        assert user_by_name("clerk").active

    # Both see the list and the user's page, each with only their own actions.
    sys_page = sys_client.get(f"{base(tenant_a)}/users/{clerk_id}").get_data(as_text=True)
    sec_page = sec_client.get(f"{base(tenant_a)}/users/{clerk_id}").get_data(as_text=True)
    actions, grant = 'data-testid="account-actions"', 'data-testid="grant-form"'
    assert actions in sys_page and grant not in sys_page
    assert grant in sec_page and actions not in sec_page


def test_grant_with_scope_and_revoke(app, tenant_a, admins, in_tenant):
    from core.orgunits.models import OrgUnitType
    from core.orgunits.service import create_unit

    _sys, sec_client = admins
    add_user(app, tenant_a, "clerk")
    with in_tenant(tenant_a):
        station = create_unit("普安司法所", "ST1", OrgUnitType.STATION, unit_by_code(ROOT))
        db.session.commit()
        station_id = station.id
    clerk_id = user_id(in_tenant, tenant_a, "clerk")

    page = sec_client.get(f"{base(tenant_a)}/users/{clerk_id}").get_data(as_text=True)
    assert f'<option value="{station_id}">' in page  # the tree is offered as scopes
    response = sec_client.post(f"{base(tenant_a)}/users/{clerk_id}/grants", data={
        "role": role_id(in_tenant, tenant_a, "staff"), "org_unit": station_id})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert role_keys_of("clerk") == [("staff", "ST1")]
    listing = sec_client.get(f"{base(tenant_a)}/users/?q=clerk").get_data(as_text=True)
    assert "普安司法所" in listing.split('data-username="clerk"')[1]

    with in_tenant(tenant_a):
        grant_id = db.session.scalar(select(RoleAssignment.id).where(
            RoleAssignment.user_id == clerk_id))
    assert sec_client.post(f"{base(tenant_a)}/grants/{grant_id}/revoke").status_code == 302
    with in_tenant(tenant_a):
        assert role_keys_of("clerk") == []


def test_role_conflicts_are_shown_beside_the_fields(app, tenant_a, admins, in_tenant):
    _sys, sec_client = admins
    add_user(app, tenant_a, "wang", "auditadmin")
    wang_id = user_id(in_tenant, tenant_a, "wang")
    with in_tenant(tenant_a):
        root_id = unit_by_code(ROOT).id

    combined = sec_client.post(f"{base(tenant_a)}/users/{wang_id}/grants", data={
        "role": role_id(in_tenant, tenant_a, "sysadmin"), "org_unit": ""})
    assert combined.status_code == 200
    assert "wang" in field_error(combined.get_data(as_text=True), "role")

    scoped = sec_client.post(f"{base(tenant_a)}/users/{wang_id}/grants", data={
        "role": role_id(in_tenant, tenant_a, "auditadmin"), "org_unit": root_id})
    assert field_error(scoped.get_data(as_text=True), "org_unit")
    with in_tenant(tenant_a):
        assert role_keys_of("wang") == [("auditadmin", None)]


# --- imports -------------------------------------------------------------------------------

USER_HEADER = ["用户名", "姓名", "初始密码", "角色", "所属单位编码"]


def test_user_import_creates_accounts_all_or_nothing(app, tenant_a, admins, in_tenant):
    sys_client, _sec = admins
    url = f"{base(tenant_a)}/users/import"
    bad = xlsx_bytes([
        USER_HEADER,
        ["zhang", "张三", "Spring-Rain-2024", "staff", ""],  # row 2: good
        ["zhang", "张三二", "", "", ""],  # row 3: duplicate in the file
        ["admin", "冒名", "", "", ""],  # row 4: taken
        ["li", "", "short", "", ""],  # row 5: no name, weak password
        ["bad name", "王五", "", "", ""],  # row 6: bad username
    ])
    response = upload(sys_client, url, bad, "users.xlsx")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = set(re.findall(r'<tr data-testid="import-error"><td>(\d+)</td><td>([^<]+)</td>', html))
    assert found == {("3", "用户名"), ("4", "用户名"), ("5", "姓名"), ("5", "初始密码"),
                     ("6", "用户名")}
    with in_tenant(tenant_a):
        assert db.session.scalar(select(func.count()).select_from(User)) == 3  # admin, sys, sec

    good = xlsx_bytes([
        USER_HEADER,
        ["zhang", "张三", "Spring-Rain-2024", "staff", ""],
        ["li", "李四", "", "leader", ROOT],
    ])
    response = upload(sys_client, url, good, "users.xlsx")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    generated = re.findall(r"<tr><td>li</td><td>李四</td><td><code>([^<]+)</code>", html)
    assert len(generated) == 1 and "Spring-Rain-2024" not in html
    with in_tenant(tenant_a):
        zhang, li = user_by_name("zhang"), user_by_name("li")
        assert zhang.check_password("Spring-Rain-2024") and li.check_password(generated[0])
        assert zhang.must_change_password and li.must_change_password
        assert role_keys_of("zhang") == [] and role_keys_of("li") == []  # 三员: not here


def test_grant_import_by_the_security_admin_all_or_nothing(app, tenant_a, admins, in_tenant):
    _sys, sec_client = admins
    add_user(app, tenant_a, "zhang")
    add_user(app, tenant_a, "li")
    add_user(app, tenant_a, "wang", "auditadmin")
    url = f"{base(tenant_a)}/grants/import"
    bad = xlsx_bytes([
        USER_HEADER,
        ["zhang", "张三", "", "staff", ""],  # row 2: good
        ["nobody", "", "", "staff", ""],  # row 3: no such user
        ["li", "", "", "staff, nosuch", ROOT],  # row 4: unknown role
        ["wang", "", "", "secadmin", ""],  # row 5: 三员分立
        ["li", "", "", "sysadmin", ROOT],  # row 6: admin role with a scope
        ["li", "", "", "leader", "NOPE"],  # row 7: unknown unit
        ["sec", "", "", "leader", ""],  # row 8: own roles
        ["zhang", "", "", "", ""],  # row 9: no role
    ])
    response = upload(sec_client, url, bad, "grants.xlsx")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    found = set(re.findall(r'<tr data-testid="import-error"><td>(\d+)</td><td>([^<]+)</td>', html))
    assert found == {("3", "用户名"), ("4", "角色"), ("5", "角色"), ("6", "所属单位编码"),
                     ("7", "所属单位编码"), ("8", "用户名"), ("9", "角色")}
    with in_tenant(tenant_a):
        assert role_keys_of("zhang") == []

    good = xlsx_bytes([
        USER_HEADER,
        ["zhang", "张三", "", "staff、leader", ROOT],
        ["li", "李四", "", "局领导", ""],  # a role's title works too
        ["zhang", "", "", "staff", ROOT],  # again: granted once
    ])
    assert upload(sec_client, url, good, "grants.xlsx").status_code == 302
    with in_tenant(tenant_a):
        assert role_keys_of("zhang") == [("leader", ROOT), ("staff", ROOT)]
        assert role_keys_of("li") == [("leader", None)]


def test_user_template_has_the_columns(app, tenant_a, admins):
    import io

    import openpyxl

    sys_client, sec_client = admins
    for client in (sys_client, sec_client):
        response = client.get(f"{base(tenant_a)}/users/template.xlsx")
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
        assert [c.value for c in sheet[1]] == USER_HEADER


def test_nav_shows_each_administrator_only_their_pages(app, tenant_a, admins):
    sys_client, sec_client = admins

    def nav(client) -> set[str]:
        html = client.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
        menu = html.split('data-testid="main-nav"', 1)[1].split("</nav>", 1)[0]
        return set(re.findall(r'href="/t/jiange/([^"]*)"', menu))

    assert {"admin/org-units/", "admin/users/"} <= nav(sys_client)
    assert "admin/roles/" not in nav(sys_client) and "notices/" not in nav(sys_client)
    assert {"admin/users/", "admin/roles/"} <= nav(sec_client)
    assert "admin/org-units/" not in nav(sec_client) and "notices/" not in nav(sec_client)


def test_every_admin_write_is_audited_with_its_actor(app, tenant_a, admins, in_tenant):
    from core.audit.models import AuditEvent

    sys_client, sec_client = admins
    with in_tenant(tenant_a):
        root_id = unit_by_code(ROOT).id
    sys_client.post(f"{base(tenant_a)}/org-units/new", data={
        "parent": root_id, "name": "普安司法所", "code": "ST1", "unit_type": "station"})
    sys_client.post(f"{base(tenant_a)}/users/new", data={
        "username": "zhou", "display_name": "周七", "password": "Autumn-Leaf-77"})
    zhou_id = user_id(in_tenant, tenant_a, "zhou")
    sys_client.post(f"{base(tenant_a)}/users/{zhou_id}/reset-password")
    sec_client.post(f"{base(tenant_a)}/users/{zhou_id}/grants",
                    data={"role": role_id(in_tenant, tenant_a, "staff"), "org_unit": ""})
    sec_client.post(f"{base(tenant_a)}/users/{zhou_id}/grants",
                    data={"role": role_id(in_tenant, tenant_a, "auditadmin"),
                          "org_unit": root_id})
    sec_client.post(f"{base(tenant_a)}/roles/{role_id(in_tenant, tenant_a, 'staff')}/edit",
                    data={"title": "科员", "permissions": ["core.person.view"]})
    with in_tenant(tenant_a):
        events = {(e.event, e.outcome, e.actor_name) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.event.in_([
                "orgunit.create", "user.create", "user.password_reset", "role.grant",
                "role.update"])))}
        passwords = [e.details for e in db.session.scalars(select(AuditEvent))
                     if "Autumn-Leaf-77" in str(e.details) or "Autumn-Leaf-77" in e.summary]
    assert events == {
        ("orgunit.create", "success", "sys"), ("user.create", "success", "sys"),
        ("user.password_reset", "success", "sys"), ("role.grant", "success", "sec"),
        ("role.grant", "failure", "sec"), ("role.update", "success", "sec")}
    assert passwords == []


def test_the_last_security_administrator_cannot_be_disabled(app, tenant_a, admins, in_tenant):
    """Only a security administrator can grant that role: losing the last one locks the
    bureau out of role management."""
    sys_client, _sec = admins
    sec_id = user_id(in_tenant, tenant_a, "sec")
    refused = sys_client.post(f"{base(tenant_a)}/users/{sec_id}/disable", follow_redirects=True)
    assert refused.status_code == 200
    with in_tenant(tenant_a):
        assert user_by_name("sec").active

    add_user(app, tenant_a, "sec2", "secadmin")
    assert sys_client.post(f"{base(tenant_a)}/users/{sec_id}/disable").status_code == 302
    with in_tenant(tenant_a):
        assert not user_by_name("sec").active
