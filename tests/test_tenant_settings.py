"""Tenant settings and plugin settings pages (issue #4, point 4): validated, audited, defaults."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.plugins.enablement import disable_plugin
from core.sdk import Tenant, tenant_context
from core.settings import TenantSetting
from plugins.notices.models import Notice, NoticeCategory
from plugins.notices.settings import notices_settings
from tenants.settings import display_name, tenant_profile

from conftest import TenantFixture, login
from test_admin_support import add_user, client_of, relax_second_factor


def url(tenant: TenantFixture, tail: str = "") -> str:
    return f"/t/{tenant.slug}/admin/settings{tail}"


def group(html: str, name: str) -> str:
    """The form group of the control named ``name``: label, control, help and errors."""
    match = re.search(rf'<div class="mb-3">((?:(?!<div class="mb-3">).)*?name="{name}".*?)'
                      r'(?=<div class="mb-3">|<button type="submit")', html, re.S)
    assert match, name
    return match.group(1)


def errors_of(html: str, name: str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback">(.*?)</div>', group(html, name))


def setting_rows(app: Flask, tenant: TenantFixture, namespace: str) -> dict:
    with app.app_context(), tenant_context(tenant.id):
        return {row.name: row.value for row in db.session.scalars(
            select(TenantSetting).where(TenantSetting.namespace == namespace))}


def audit_events(app: Flask, tenant: TenantFixture, event: str) -> list[AuditEvent]:
    with app.app_context(), tenant_context(tenant.id):
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)
                                       .order_by(AuditEvent.seq)))


TENANT_FORM = {"display_name": "", "contact_name": "", "contact_phone": "",
               "contact_email": "", "report_due_day": "25"}


def test_defaults_apply_when_nothing_was_ever_saved(app, tenant_a, client_a, in_tenant):
    with in_tenant(tenant_a):
        assert tenant_profile().get("report_due_day") == 25
        assert tenant_profile().get("display_name") is None
        assert display_name(db.session.get(Tenant, tenant_a.id)) == "剑阁县司法局"
    html = client_a.get(url(tenant_a)).get_data(as_text=True)
    assert 'value="25"' in group(html, "report_due_day")
    assert "25" in re.search(r'class="form-text">(.*?)</div>',
                             group(html, "report_due_day")).group(1)  # "Default: 25"
    assert setting_rows(app, tenant_a, "tenant") == {}


def test_saving_stores_audits_and_shows_the_display_name(app, tenant_a, tenant_b, client_a):
    response = client_a.post(url(tenant_a), data={
        **TENANT_FORM, "display_name": "剑阁县司法局（试点）", "contact_name": "王明",
        "contact_phone": "138 1234 5678", "contact_email": "sfj@jiange.gov.cn",
        "report_due_day": "10"})
    assert response.status_code == 302 and response.headers["Location"] == url(tenant_a)
    assert setting_rows(app, tenant_a, "tenant") == {
        "display_name": "剑阁县司法局（试点）", "contact_name": "王明",
        "contact_phone": "13812345678",  # canonical form
        "contact_email": "sfj@jiange.gov.cn", "report_due_day": 10}
    assert setting_rows(app, tenant_b, "tenant") == {}

    [event] = audit_events(app, tenant_a, "settings.update")
    assert event.target_type == "tenant_settings" and event.summary == "tenant"
    assert event.actor_name == "admin"
    assert event.details["report_due_day"] == {"old": 25, "new": 10}
    assert event.details["contact_phone"] == {"old": None, "new": "138****5678"}  # masked
    assert event.details["contact_name"]["new"] == "王*"

    page = client_a.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    brand = re.search(r'data-testid="tenant-name">(.*?)</a>', page, re.S).group(1)
    assert "剑阁县司法局（试点）" in brand
    assert "剑阁县司法局（试点）" in re.search(r"<title>(.*?)</title>", page, re.S).group(1)

    # Cleared again: the registered name is back.
    client_a.post(url(tenant_a), data={**TENANT_FORM, "report_due_day": "10"})
    page = client_a.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    brand = re.search(r'data-testid="tenant-name">(.*?)</a>', page, re.S).group(1)
    assert "剑阁县司法局" in brand and "试点" not in brand
    assert len(audit_events(app, tenant_a, "settings.update")) == 2


def test_saving_the_same_values_changes_and_audits_nothing(app, tenant_a, client_a):
    response = client_a.post(url(tenant_a), data=TENANT_FORM, follow_redirects=True)
    assert response.status_code == 200
    assert 'alert-info' in response.get_data(as_text=True)
    assert setting_rows(app, tenant_a, "tenant") == {}
    assert audit_events(app, tenant_a, "settings.update") == []


@pytest.mark.parametrize(("field", "typed"), [
    ("report_due_day", "31"),
    ("report_due_day", "0"),
    ("contact_email", "sfj-at-jiange"),
    ("contact_phone", "12345"),
    ("contact_phone", "0839-12"),
    ("display_name", "局"),
])
def test_a_bad_value_is_refused_beside_its_field_and_kept(app, tenant_a, client_a, field,
                                                           typed):
    data = {**TENANT_FORM, "contact_name": "王明", field: typed}
    response = client_a.post(url(tenant_a), data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert errors_of(html, field), f"no error beside {field}"
    assert f'value="{typed}"' in group(html, field)  # what was typed stays
    assert 'value="王明"' in group(html, "contact_name")  # and so does the rest
    for other in TENANT_FORM:
        if other != field:
            assert errors_of(html, other) == [], other
    assert setting_rows(app, tenant_a, "tenant") == {}
    assert audit_events(app, tenant_a, "settings.update") == []


def test_all_bad_values_show_at_once_in_chinese(app, tenant_a, client_a):
    html = client_a.post(url(tenant_a), data={
        **TENANT_FORM, "report_due_day": "29", "contact_email": "x@", "contact_phone": "110",
    }).get_data(as_text=True)
    for name in ("report_due_day", "contact_email", "contact_phone"):
        assert len(errors_of(html, name)) == 1, name
    # WTForms' range message and the people registry's phone message, both translated.
    assert re.search(r"[\u4e00-\u9fff]", errors_of(html, "contact_phone")[0])
    assert re.search(r"[\u4e00-\u9fff]", errors_of(html, "report_due_day")[0])
    assert setting_rows(app, tenant_a, "tenant") == {}


def test_enabled_plugins_with_a_schema_are_listed_and_round_trip(app, tenant_a, client_a,
                                                                  in_tenant):
    html = client_a.get(url(tenant_a)).get_data(as_text=True)
    listing = html[html.index('data-testid="plugin-settings-list"'):]
    assert f'href="{url(tenant_a, "/notices")}"' in listing

    page = client_a.get(url(tenant_a, "/notices")).get_data(as_text=True)
    assert 'value="20"' in group(page, "page_size")  # the default
    assert "checked" in group(page, "pinned_first")

    response = client_a.post(url(tenant_a, "/notices"), data={
        "page_size": "5", "default_category": "bulletin"})  # pinned_first unticked
    assert response.status_code == 302
    assert setting_rows(app, tenant_a, "notices") == {
        "page_size": 5, "pinned_first": False, "default_category": "bulletin"}
    with in_tenant(tenant_a):
        assert notices_settings().get_all() == {
            "page_size": 5, "pinned_first": False, "default_category": "bulletin"}
    [event] = audit_events(app, tenant_a, "settings.update")
    assert event.summary == "notices"
    assert event.details == {"page_size": {"old": 20, "new": 5},
                             "pinned_first": {"old": True, "new": False},
                             "default_category": {"old": "notice", "new": "bulletin"}}

    page = client_a.get(url(tenant_a, "/notices")).get_data(as_text=True)
    assert 'value="5"' in group(page, "page_size")
    assert "checked" not in group(page, "pinned_first")


def test_the_notices_module_uses_its_settings(app, tenant_a, client_a, in_tenant):
    with in_tenant(tenant_a):
        for number in range(7):
            db.session.add(Notice(title=f"第{number}号通知", body="正文",
                                  pinned=number == 0))
        db.session.commit()
    listing = client_a.get(f"/t/{tenant_a.slug}/notices/").get_data(as_text=True)
    assert "page=2" not in listing  # 7 fit on a page of 20

    client_a.post(url(tenant_a, "/notices"), data={
        "page_size": "5", "pinned_first": "y", "default_category": "announcement"})
    listing = client_a.get(f"/t/{tenant_a.slug}/notices/").get_data(as_text=True)
    assert "page=2" in listing
    assert listing.index("第0号通知") < listing.index("第6号通知")  # pinned first
    client_a.post(url(tenant_a, "/notices"), data={
        "page_size": "5", "default_category": "announcement"})
    listing = client_a.get(f"/t/{tenant_a.slug}/notices/").get_data(as_text=True)
    assert "第6号通知" in listing and "第0号通知" not in listing  # date order: on page 2
    form = client_a.get(f"/t/{tenant_a.slug}/notices/new").get_data(as_text=True)
    assert f'<option selected value="{NoticeCategory.ANNOUNCEMENT.value}">' in form


def test_a_bad_plugin_setting_is_refused_and_nothing_stored(app, tenant_a, client_a):
    html = client_a.post(url(tenant_a, "/notices"), data={
        "page_size": "500", "pinned_first": "y", "default_category": "gossip"},
    ).get_data(as_text=True)
    assert errors_of(html, "page_size") and errors_of(html, "default_category")
    assert 'value="500"' in group(html, "page_size")
    assert setting_rows(app, tenant_a, "notices") == {}


def test_plugin_settings_of_a_disabled_or_unknown_plugin_are_404(app, tenant_a, client_a):
    assert client_a.get(url(tenant_a, "/no_such_plugin")).status_code == 404
    assert client_a.get(url(tenant_a, "/admin")).status_code == 404  # built-in, no schema
    with app.app_context():
        disable_plugin(db.session.get(Tenant, tenant_a.id), "notices", actor="test")
        db.session.commit()
    assert client_a.get(url(tenant_a, "/notices")).status_code == 404
    assert client_a.post(url(tenant_a, "/notices"), data={"page_size": "7"}).status_code == 404
    html = client_a.get(url(tenant_a)).get_data(as_text=True)
    assert 'data-plugin="notices"' not in html  # the list offers the enabled plugins only
    assert setting_rows(app, tenant_a, "notices") == {}


@pytest.fixture
def staff(app: Flask, tenant_a: TenantFixture) -> FlaskClient:
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "clerk", "staff")
    add_user(app, tenant_a, "sec", "secadmin")
    return client_of(app, tenant_a, "clerk")


def test_only_the_system_administrator_edits_settings(app, tenant_a, staff):
    for tail in ("", "/notices"):
        assert staff.get(url(tenant_a, tail)).status_code == 403
        assert staff.post(url(tenant_a, tail), data={**TENANT_FORM, "report_due_day": "3",
                                                      "page_size": "7"}).status_code == 403
    secadmin = client_of(app, tenant_a, "sec")
    assert secadmin.get(url(tenant_a)).status_code == 403
    assert setting_rows(app, tenant_a, "tenant") == {}
    assert setting_rows(app, tenant_a, "notices") == {}


def test_another_tenants_settings_are_404(app, tenant_a, tenant_b, client_a):
    for tail in ("", "/notices"):
        assert client_a.get(url(tenant_b, tail)).status_code == 404
        assert client_a.post(url(tenant_b, tail), data={**TENANT_FORM,
                                                        "report_due_day": "3"}).status_code == 404
    client_b = app.test_client()
    login(client_b, tenant_b)
    assert client_b.get(url(tenant_a)).status_code == 404
    assert setting_rows(app, tenant_b, "tenant") == {}


def test_settings_link_is_in_the_system_administration_menu(app, tenant_a, client_a, staff):
    nav = nav_of(client_a.get(f"/t/{tenant_a.slug}/").get_data(as_text=True))
    assert f'href="{url(tenant_a)}"' in nav
    assert f'href="{url(tenant_a)}"' not in nav_of(
        staff.get(f"/t/{tenant_a.slug}/").get_data(as_text=True))


def nav_of(page: str) -> str:
    start = page.find('data-testid="main-nav"')
    return page[start:page.index("</nav>", start)] if start != -1 else ""
