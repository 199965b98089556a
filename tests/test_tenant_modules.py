"""Module administration (issue #4, point 3): a bureau's system administrator switches the
deployment's plugins on and off, with requirements pulled in after confirmation, refusals
explained, every change audited and in force at the next request; data survives."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import ModuleType

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import tenants.plugin as tenants_plugin
from core import __version__
from core.access.models import Role
from core.app import builtin_modules
from core.audit.models import AuditEvent
from core.auth.models import User
from core.db import db
from core.plugins.enablement import TenantPlugin
from core.plugins.manager import PluginSource, module_source
from core.sdk import tenant_context
from plugins.notices.models import Notice

from conftest import TenantFixture, login, make_app, provision
from test_admin_support import add_user, client_of, relax_second_factor
from testkit_plugins import CALLS, calls_of, future_core, good, needs_good, other


def modules_url(tenant: TenantFixture, tail: str = "") -> str:
    return f"/t/{tenant.slug}/admin/modules{tail}"


def rows(html: str, testid: str = "module-row") -> dict[str, str]:
    """plugin name -> the HTML of its row in the module list."""
    found = {}
    for match in re.finditer(rf'<tr data-testid="{testid}" data-plugin="([^"]+)"(.*?)</tr>',
                             html, re.S):
        found[match.group(1)] = match.group(0)
    return found


def nav_of(page: str) -> str:
    start = page.find('data-testid="main-nav"')
    return page[start:page.index("</nav>", start)] if start != -1 else ""


def plugin_rows(app: Flask, tenant: TenantFixture) -> dict[str, TenantPlugin]:
    with app.app_context(), tenant_context(tenant.id):
        found = {row.plugin: row for row in db.session.scalars(select(TenantPlugin))}
        db.session.expunge_all()
        return found


def enabled_of(app: Flask, tenant: TenantFixture) -> dict[str, bool]:
    return {name: row.enabled for name, row in plugin_rows(app, tenant).items()}


def events(app: Flask, tenant: TenantFixture, prefix: str) -> list[AuditEvent]:
    with app.app_context(), tenant_context(tenant.id):
        found = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.event.startswith(prefix)).order_by(AuditEvent.seq)))
        db.session.expunge_all()
        return found


def flashes(client: FlaskClient, path: str) -> str:
    """The alerts of the page a redirect leads to."""
    html = client.get(path).get_data(as_text=True)
    return "".join(re.findall(r'<div class="alert [^"]*"[^>]*>.*?<button', html, re.S))


# --- the bundled app (notices) -----------------------------------------------------------


def test_the_page_lists_toggleable_plugins_with_their_facts(app, tenant_a, client_a):
    html = client_a.get(modules_url(tenant_a)).get_data(as_text=True)
    listed = rows(html)
    # Built-in modules are not toggleable.
    assert set(listed) == {"legal_aid", "mediation", "notices"}
    notices = listed["notices"]
    assert 'data-enabled="yes"' in notices
    assert "Fatong" in notices and __version__ in notices
    assert 'action="/t/jiange/admin/modules/notices/disable"' in notices
    assert 'data-testid="module-changed"' in notices  # when and by whom (provisioning)
    builtin = re.search(r'data-testid="builtin-modules">(.*?)</p>', html, re.S).group(1)
    assert builtin.count("、") >= 4  # auth, home, admin, people, audit, tenants


def notice_snapshot(app: Flask, tenant: TenantFixture) -> list[tuple]:
    """Every column of the tenant's notices, read outside the ORM."""
    table = Notice.__table__
    with app.app_context(), db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(table).where(table.c.tenant_id == tenant.id).order_by(table.c.id))]


def test_disabling_takes_effect_at_once_and_enabling_brings_the_data_back(
        app, tenant_a, client_a, in_tenant):
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "sec", "secadmin")
    secadmin = client_of(app, tenant_a, "sec")
    with in_tenant(tenant_a):
        author = db.session.scalar(select(User.id).where(User.username == "admin"))
        notices = [Notice(title=f"停用前的通知{n}", body="正文\n第二行", pinned=n == 1,
                          author_id=author) for n in range(3)]
        db.session.add_all(notices)
        db.session.commit()
        notice_id = notices[0].id
        staff_role = db.session.scalar(select(Role).where(Role.key == "staff"))
        staff_role_id, staff_permissions = staff_role.id, list(staff_role.permissions)
    before = notice_snapshot(app, tenant_a)
    assert len(before) == 3
    notices_path = f"/t/{tenant_a.slug}/notices/"
    role_editor = f"/t/{tenant_a.slug}/admin/roles/{staff_role_id}/edit"
    assert client_a.get(notices_path).status_code == 200
    assert f'href="{notices_path}"' in nav_of(client_a.get(f"/t/{tenant_a.slug}/").text)
    assert 'value="notices.notice.view"' in secadmin.get(role_editor).text

    response = client_a.post(modules_url(tenant_a, "/notices/disable"))
    assert response.status_code == 302 and response.headers["Location"] == modules_url(tenant_a)
    row = plugin_rows(app, tenant_a)["notices"]
    with in_tenant(tenant_a):
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    assert (row.enabled, row.changed_by, row.changed_by_user_id) == (False, "admin", admin_id)
    [event] = events(app, tenant_a, "plugin.disabled")
    assert (event.summary, event.actor_name, event.actor_id) == ("notices", "admin", admin_id)

    # In force at the next request: menu, pages, permissions in the role editor, the card.
    home = client_a.get(f"/t/{tenant_a.slug}/").text
    assert f'href="{notices_path}"' not in nav_of(home)
    assert notices_path not in home  # no dashboard card either
    assert client_a.get(notices_path).status_code == 404
    assert client_a.get(f"{notices_path}{notice_id}").status_code == 404
    assert "notices.notice.view" not in secadmin.get(role_editor).text
    listed = rows(client_a.get(modules_url(tenant_a)).text)["notices"]
    assert 'data-enabled="no"' in listed and "admin" in listed
    # Hidden, never deleted.
    assert notice_snapshot(app, tenant_a) == before
    with in_tenant(tenant_a):
        assert db.session.get(Role, staff_role_id).permissions == staff_permissions

    response = client_a.post(modules_url(tenant_a, "/notices/enable"))
    assert response.status_code == 302
    assert enabled_of(app, tenant_a)["notices"] is True
    assert [e.summary for e in events(app, tenant_a, "plugin.enabled")
            if e.actor_name == "admin"] == ["notices"]
    assert client_a.get(notices_path).status_code == 200
    assert "停用前的通知0" in client_a.get(f"{notices_path}{notice_id}").text
    assert 'value="notices.notice.view"' in secadmin.get(role_editor).text
    assert notice_snapshot(app, tenant_a) == before  # byte for byte


def test_enabling_what_is_on_and_unknown_names(app, tenant_a, client_a):
    page = client_a.get(modules_url(tenant_a, "/notices/enable"))
    assert page.status_code == 200 and 'data-testid="already-enabled"' in page.text
    before = len(events(app, tenant_a, "plugin."))  # provisioning enabled it
    assert client_a.post(modules_url(tenant_a, "/notices/enable")).status_code == 302
    assert len(events(app, tenant_a, "plugin.")) == before
    for name in ("no_such_plugin", "auth", "tenants"):
        assert client_a.get(modules_url(tenant_a, f"/{name}/enable")).status_code == 404
        assert client_a.post(modules_url(tenant_a, f"/{name}/disable")).status_code == 404


@pytest.fixture
def staff(app: Flask, tenant_a: TenantFixture) -> FlaskClient:
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "clerk", "staff")
    return client_of(app, tenant_a, "clerk")


def test_only_the_system_administrator_toggles_modules(app, tenant_a, staff, client_a):
    assert staff.get(modules_url(tenant_a)).status_code == 403
    assert staff.get(modules_url(tenant_a, "/notices/enable")).status_code == 403
    assert staff.post(modules_url(tenant_a, "/notices/disable")).status_code == 403
    assert enabled_of(app, tenant_a)["notices"] is True
    assert modules_url(tenant_a) not in nav_of(staff.get(f"/t/{tenant_a.slug}/").text)
    assert f'href="{modules_url(tenant_a)}"' in nav_of(client_a.get(f"/t/{tenant_a.slug}/").text)


def test_another_tenants_module_page_is_404(app, tenant_a, tenant_b, client_a):
    assert client_a.get(modules_url(tenant_b)).status_code == 404
    assert client_a.post(modules_url(tenant_b, "/notices/disable")).status_code == 404
    assert enabled_of(app, tenant_b)["notices"] is True
    client_b = app.test_client()
    login(client_b, tenant_b)
    assert client_b.post(modules_url(tenant_a, "/notices/disable")).status_code == 404
    assert enabled_of(app, tenant_a)["notices"] is True


# --- dependencies, unavailable plugins, hooks (throwaway plugins) --------------------------


def kit_sources(*modules: ModuleType) -> list[PluginSource]:
    builtin = [module_source(m, version=__version__) for m in [*builtin_modules(),
                                                                 tenants_plugin]]
    broken = PluginSource(name="kit_import_error", distribution="kit-vendor", version="0.9",
                          builtin=False,
                          load=lambda: __import__("testkit_plugins.import_error"))
    return [*builtin, *(module_source(m, builtin=False) for m in modules), broken]


@pytest.fixture
def kit(app: Flask, database_url: str) -> Iterator[tuple[Flask, TenantFixture, FlaskClient]]:
    """An app with kit_good, kit_needs_good (requires it), kit_other (blocked here),
    kit_future_core (incompatible) and kit_import_error (fails); a tenant with none on."""
    application = make_app(database_url, PLUGINS_BLOCK=["kit_other"],
                           PLUGIN_SOURCES=kit_sources(good, needs_good, other, future_core))
    tenant = provision(application, "jiange", "剑阁县司法局", "510823", plugins=[])
    client = application.test_client()
    login(client, tenant)
    CALLS.clear()
    yield application, tenant, client
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_requirements_are_listed_both_ways_and_unavailable_plugins_greyed(kit):
    application, tenant, client = kit
    html = client.get(modules_url(tenant)).text
    listed = rows(html)
    assert set(listed) == {"kit_good", "kit_needs_good"}
    needs = listed["kit_needs_good"]
    assert "Kit Good" in needs  # requires
    assert 'data-testid="enable-confirm"' in needs and "<form" not in needs  # asks first
    assert "Kit Needs Good" in listed["kit_good"]  # required by
    assert 'data-testid="enable"' in listed["kit_good"]  # nothing else needed: direct POST

    unavailable = rows(html, "unavailable-row")
    assert set(unavailable) == {"kit_other", "kit_future_core", "kit_import_error"}
    for name, row in unavailable.items():
        assert "<form" not in row and "<button" not in row, name
        reason = re.search(r'data-testid="unavailable-reason">(.*?)</td>', row, re.S).group(1)
        assert reason.strip(), name
    assert "&gt;=99" in unavailable["kit_future_core"]
    assert "explodes" not in html  # the load error is the operator's, not the bureau's

    response = client.post(modules_url(tenant, "/kit_other/enable"))
    assert response.status_code == 302
    assert enabled_of(application, tenant) == {}
    assert client.get(modules_url(tenant, "/kit_other/enable")).text.count(
        'data-testid="enable-refused"') == 1


def test_enabling_asks_to_confirm_requirements_then_enables_both(kit):
    application, tenant, client = kit
    page = client.get(modules_url(tenant, "/kit_needs_good/enable"))
    assert page.status_code == 200
    extras = re.search(r'data-testid="enable-extras">(.*?)</ul>', page.text, re.S).group(1)
    assert re.findall(r'data-plugin="([^"]+)"', extras) == ["kit_good"]
    assert '<input type="hidden" name="also" value="kit_good">' in page.text

    # A POST that did not confirm kit_good (a stale page, a hand-made request) goes back.
    response = client.post(modules_url(tenant, "/kit_needs_good/enable"))
    assert response.headers["Location"] == modules_url(tenant, "/kit_needs_good/enable")
    assert enabled_of(application, tenant) == {}

    response = client.post(modules_url(tenant, "/kit_needs_good/enable"),
                           data={"also": "kit_good"})
    assert response.status_code == 302
    assert enabled_of(application, tenant) == {"kit_good": True, "kit_needs_good": True}
    assert [e.summary for e in events(application, tenant, "plugin.enabled")] == [
        "kit_good", "kit_needs_good"]
    assert all(e.actor_name == "admin" for e in events(application, tenant, "plugin."))
    assert [c for c in calls_of("kit_good") if c[0] == "plugin_enabled"] == [
        ("plugin_enabled", "jiange")]
    assert client.get(f"/t/{tenant.slug}/kit_needs_good/").status_code == 200


def test_disabling_a_requirement_of_an_enabled_plugin_is_refused(kit):
    application, tenant, client = kit
    client.post(modules_url(tenant, "/kit_needs_good/enable"), data={"also": "kit_good"})
    response = client.post(modules_url(tenant, "/kit_good/disable"))
    assert response.status_code == 302
    alerts = flashes(client, modules_url(tenant))
    assert "alert-danger" in alerts and "Kit Needs Good" in alerts  # names what requires it
    assert enabled_of(application, tenant) == {"kit_good": True, "kit_needs_good": True}
    assert events(application, tenant, "plugin.disabled") == []

    # In the right order it works.
    client.post(modules_url(tenant, "/kit_needs_good/disable"))
    client.post(modules_url(tenant, "/kit_good/disable"))
    assert enabled_of(application, tenant) == {"kit_good": False, "kit_needs_good": False}


def test_a_disabled_plugins_hooks_are_not_called(kit):
    application, tenant, client = kit
    client.post(modules_url(tenant, "/kit_good/enable"))
    CALLS.clear()
    home = client.get(f"/t/{tenant.slug}/").text
    assert "Kit Good Menu" in nav_of(home) and "Kit Good Card" in home
    assert ("nav_items", "jiange") in calls_of("kit_good")

    client.post(modules_url(tenant, "/kit_good/disable"))
    assert [c for c in calls_of("kit_good") if c[0] == "plugin_disabled"] == [
        ("plugin_disabled", "jiange")]
    CALLS.clear()
    home = client.get(f"/t/{tenant.slug}/").text
    assert "Kit Good Menu" not in home and "Kit Good Card" not in home
    assert client.get(f"/t/{tenant.slug}/kit_good/").status_code == 404
    assert calls_of("kit_good") == []


def test_a_plugin_without_settings_has_no_settings_page(kit):
    _application, tenant, client = kit
    client.post(modules_url(tenant, "/kit_good/enable"))
    assert client.get(f"/t/{tenant.slug}/admin/settings/kit_good").status_code == 404
