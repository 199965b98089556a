"""Roles: the security administrator's editor, the rules on permission sets, custom roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.access.models import Role, RoleAssignment
from core.access.permissions import ADMIN_ROLES
from core.access.registry import access_registry
from core.access.service import (
    RoleError,
    create_role,
    delete_role,
    update_role,
)
from core.db import db
from core.sdk import disable_plugin

from test_admin_support import add_user, client_of, relax_second_factor, role_by_key


def base(tenant) -> str:
    return f"/t/{tenant.slug}/admin/roles"


@pytest.fixture
def secadmin(app, tenant_a):
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "sec", "secadmin")
    return client_of(app, tenant_a, "sec")


def role_id(in_tenant, tenant, key: str) -> int:
    with in_tenant(tenant):
        return role_by_key(key).id


def checkboxes(html: str) -> dict[str, bool]:
    """permission name -> checked, from the editor's checkboxes."""
    found = {}
    for tag in re.findall(r'<input[^>]*name="permissions"[^>]*>', html):
        name = re.search(r'value="([^"]+)"', tag).group(1)
        found[name] = " checked" in tag
    return found


# --- service rules -----------------------------------------------------------------------


def test_business_roles_never_get_admin_permissions(app, tenant_a, in_tenant):
    enabled = ["notices"]
    with in_tenant(tenant_a):
        staff = role_by_key("staff")
        for admin_permission in ("core.user.manage", "core.audit.view", "core.role.manage"):
            with pytest.raises(RoleError):
                update_role(staff, title="科员", description="", enabled_plugins=enabled,
                            permissions=["notices.notice.view", admin_permission])
            with pytest.raises(RoleError):
                create_role(key="clerk", title="书记员", description="", enabled_plugins=enabled,
                            permissions=[admin_permission])
        with pytest.raises(RoleError):
            update_role(staff, title="科员", description="", enabled_plugins=enabled,
                        permissions=["nosuch.thing.do"])


def test_admin_role_permission_sets_are_fixed(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        for key in ADMIN_ROLES:
            role = role_by_key(key)
            before = list(role.permissions)
            assert before and all(access_registry().permissions[p].admin for p in before)
            for changed in ([*before, "notices.notice.view"], before[:-1], []):
                with pytest.raises(RoleError):
                    update_role(role, title=role.title, description="", permissions=changed,
                                enabled_plugins=["notices"])
            update_role(role, title="改过的标题", description="说明", permissions=before,
                        enabled_plugins=["notices"])
            assert role.permissions == before and role.title == "改过的标题"


def test_custom_roles_are_deleted_only_when_nobody_holds_them(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        role = create_role(key="mediator", title="调解员", description="", enabled_plugins=[],
                           permissions=["core.person.view"])
        db.session.commit()
    add_user(app, tenant_a, "zhang", "mediator")
    with in_tenant(tenant_a):
        role = role_by_key("mediator")
        with pytest.raises(RoleError):
            delete_role(role)
        with pytest.raises(RoleError):
            delete_role(role_by_key("staff"))  # built-in
        with pytest.raises(RoleError):
            create_role(key="mediator", title="重复", description="", enabled_plugins=[],
                        permissions=[])
        with pytest.raises(RoleError):
            create_role(key="sysadmin", title="冒充", description="", enabled_plugins=[],
                        permissions=[])


# --- pages -------------------------------------------------------------------------------


def test_editor_lists_core_and_enabled_plugins_permissions_grouped(app, tenant_a, secadmin,
                                                                    in_tenant):
    staff_id = role_id(in_tenant, tenant_a, "staff")
    html = secadmin.get(f"{base(tenant_a)}/{staff_id}/edit").get_data(as_text=True)
    boxes = checkboxes(html)
    assert boxes["notices.notice.view"] is True  # staff reads notices by default
    assert boxes["notices.notice.manage"] is False
    assert boxes["core.person.view"] is True
    assert not any(access_registry_admin(app, name) for name in boxes)
    # core, tenants, places, statistics, legal aid, mediation, notices
    assert html.count('data-testid="permission-group"') == 7

    with in_tenant(tenant_a):
        disable_plugin(tenant_a.tenant, "notices", actor="test")
        db.session.commit()
    boxes = checkboxes(secadmin.get(f"{base(tenant_a)}/{staff_id}/edit").get_data(as_text=True))
    assert not any(name.startswith("notices.") for name in boxes)

    # Saving while notices is off keeps what the role holds there, for when it comes back.
    assert secadmin.post(f"{base(tenant_a)}/{staff_id}/edit", data={
        "title": "科员", "description": "", "permissions": ["core.person.view"],
    }).status_code == 302
    with in_tenant(tenant_a):
        assert sorted(role_by_key("staff").permissions) == [
            "core.person.view", "notices.notice.view"]


def access_registry_admin(app, name: str) -> bool:
    with app.app_context():
        return access_registry().permissions[name].admin


def test_editing_a_role_changes_what_its_holders_may_do(app, tenant_a, secadmin, in_tenant):
    add_user(app, tenant_a, "clerk", "staff")
    clerk = client_of(app, tenant_a, "clerk")
    assert clerk.get(f"/t/{tenant_a.slug}/notices/new").status_code == 403

    staff_id = role_id(in_tenant, tenant_a, "staff")
    response = secadmin.post(f"{base(tenant_a)}/{staff_id}/edit", data={
        "title": "科员", "description": "日常办理",
        "permissions": ["core.person.view", "notices.notice.view", "notices.notice.manage"]})
    assert response.status_code == 302
    assert clerk.get(f"/t/{tenant_a.slug}/notices/new").status_code == 200

    # A forged form giving the business role an administrator permission: refused beside
    # the permission list, nothing saved.
    response = secadmin.post(f"{base(tenant_a)}/{staff_id}/edit", data={
        "title": "科员", "permissions": ["notices.notice.view", "core.user.manage"]})
    assert response.status_code == 200
    assert "invalid-feedback d-block" in response.get_data(as_text=True)
    with in_tenant(tenant_a):
        assert "core.user.manage" not in role_by_key("staff").permissions


def test_admin_roles_editor_is_read_only_for_permissions(app, tenant_a, secadmin, in_tenant):
    sys_id = role_id(in_tenant, tenant_a, "sysadmin")
    html = secadmin.get(f"{base(tenant_a)}/{sys_id}/edit").get_data(as_text=True)
    boxes = checkboxes(html)
    assert boxes and all(access_registry_admin(app, name) for name in boxes)
    assert all("disabled" in tag for tag in re.findall(r'<input[^>]*name="permissions"[^>]*>',
                                                      html))
    # Even a forged submission cannot widen it.
    secadmin.post(f"{base(tenant_a)}/{sys_id}/edit", data={
        "title": "系统管理员", "permissions": ["notices.notice.view", "core.user.manage"]})
    with in_tenant(tenant_a):
        assert "notices.notice.view" not in role_by_key("sysadmin").permissions
        assert "core.orgunit.manage" in role_by_key("sysadmin").permissions


def test_custom_role_create_and_delete_through_the_pages(app, tenant_a, secadmin, in_tenant):
    bad = secadmin.post(f"{base(tenant_a)}/new", data={
        "key": "Bad Key", "title": "调解员", "permissions": ["notices.notice.view"]})
    assert bad.status_code == 200
    html = bad.get_data(as_text=True)
    assert 'value="调解员"' in html and checkboxes(html)["notices.notice.view"] is True

    assert secadmin.post(f"{base(tenant_a)}/new", data={
        "key": "mediator", "title": "调解员", "description": "人民调解",
        "permissions": ["notices.notice.view"]}).status_code == 302
    mediator_id = role_id(in_tenant, tenant_a, "mediator")
    listing = secadmin.get(f"{base(tenant_a)}/").get_data(as_text=True)
    assert 'data-key="mediator"' in listing

    add_user(app, tenant_a, "zhang", "mediator")
    assert secadmin.post(f"{base(tenant_a)}/{mediator_id}/delete").status_code == 302
    with in_tenant(tenant_a):
        assert db.session.get(Role, mediator_id) is not None  # held: refused
        grant_id = db.session.scalar(select(RoleAssignment.id).where(
            RoleAssignment.role_id == mediator_id))
    assert secadmin.post(f"/t/{tenant_a.slug}/admin/grants/{grant_id}/revoke").status_code == 302
    assert secadmin.post(f"{base(tenant_a)}/{mediator_id}/delete").status_code == 302
    with in_tenant(tenant_a):
        assert db.session.scalar(select(Role).where(Role.key == "mediator")) is None
    staff_id = role_id(in_tenant, tenant_a, "staff")
    secadmin.post(f"{base(tenant_a)}/{staff_id}/delete")
    with in_tenant(tenant_a):
        assert db.session.get(Role, staff_id) is not None  # built-in roles stay


@pytest.mark.parametrize("role", ["sysadmin", "auditadmin", "staff", "leader"])
def test_only_the_security_administrator_edits_roles(app, tenant_a, in_tenant, role):
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "other", role)
    client = client_of(app, tenant_a, "other")
    staff_id = role_id(in_tenant, tenant_a, "staff")
    assert client.get(f"{base(tenant_a)}/").status_code == 403
    assert client.post(f"{base(tenant_a)}/{staff_id}/edit", data={
        "title": "x", "permissions": ["notices.notice.manage"]}).status_code == 403
    assert client.post(f"{base(tenant_a)}/new", data={
        "key": "sneaky", "title": "x"}).status_code == 403
    with in_tenant(tenant_a):
        assert "notices.notice.manage" not in role_by_key("staff").permissions
        assert db.session.scalar(select(Role).where(Role.key == "sneaky")) is None
