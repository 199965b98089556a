"""The operators' console at /platform/: applications, tenants, plugins, the platform audit
trail, its menu, and that nobody but a logged-in operator gets in."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import tenants.plugin as tenants_plugin
from core import __version__
from core.app import builtin_modules
from core.db import db
from core.plugins.enablement import enable_plugin
from core.plugins.manager import PluginSource, module_source
from core.sdk import Tenant, TenantStatus
from tenants.models import ApplicationStatus, TenantStatusChange

from conftest import login, make_app
from test_auth_support import body, code, secret_on_page, session_rows
from test_tenant_lifecycle import (
    CITY,
    COUNTY,
    PROVINCE,
    SLUGS,
    application_row,
    approve,
    pending_application,
    platform_events,
    tenant_row,
)
from testkit_plugins import future_core, good, other

OPERATOR_PASSWORD = "Pingtai-Passw0rd!"


def operator_client(app: Flask, username: str = "yunwei") -> FlaskClient:
    """A browser logged in as a new operator (password, then TOTP enrolment)."""
    result = app.test_cli_runner().invoke(
        args=["platform", "create-operator", username, "--password", OPERATOR_PASSWORD])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    client.post("/platform/login", data={"username": username, "password": OPERATOR_PASSWORD})
    secret = secret_on_page(client.get("/platform/login/second-factor"))
    done = client.post("/platform/login/second-factor", data={"code": code(secret)})
    assert done.headers["Location"] == "/platform/"
    return client


@pytest.fixture
def operator(app: Flask) -> FlaskClient:
    return operator_client(app)


def tagged(html: str, name: str) -> list[str]:
    """The opening tags carrying data-testid=name."""
    return re.findall(rf'<[^>]*data-testid="{name}"[^>]*>', html)


def attr(tag: str, name: str) -> str | None:
    found = re.search(rf'{name}="([^"]*)"', tag)
    return found.group(1) if found else None


def rows(html: str, testid: str, key: str) -> list[str]:
    return [attr(tag, key) for tag in tagged(html, testid)]


def between(html: str, testid: str) -> str:
    """The element carrying data-testid=testid up to the end of its enclosing form."""
    start = html.index(f'data-testid="{testid}"')
    return html[start:html.index("</form>", start)]


# --- access ------------------------------------------------------------------------------

CONSOLE_GETS = ["/platform/applications", "/platform/applications/1", "/platform/tenants",
                "/platform/tenants/1", "/platform/plugins", "/platform/audit"]
CONSOLE_POSTS = ["/platform/applications/1/approve", "/platform/applications/1/reject",
                 "/platform/tenants/1/suspend", "/platform/tenants/1/reactivate",
                 "/platform/tenants/1/parent"]


def test_anonymous_and_tenant_users_are_sent_to_the_operator_login(app, tenant_a,
                                                                   client_a) -> None:
    pending = pending_application(app, CITY)
    for client in (app.test_client(), client_a):
        for url in CONSOLE_GETS:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"] == "/platform/login", url
        for url in CONSOLE_POSTS:
            response = client.post(url, data={"reason": "x", "parent": ""})
            assert response.headers["Location"] == "/platform/login", url
        response = client.post(f"/platform/applications/{pending.application_id}/approve")
        assert response.headers["Location"] == "/platform/login"
    assert tenant_row(app, pending.tenant_id).status == TenantStatus.PENDING
    assert client_a.get(f"/t/{tenant_a.slug}/").status_code == 200  # still a tenant user


def test_half_logged_in_operators_only_reach_the_second_factor(app) -> None:
    app.test_cli_runner().invoke(args=["platform", "create-operator", "yunwei", "--password",
                                       OPERATOR_PASSWORD])
    client = app.test_client()
    client.post("/platform/login", data={"username": "yunwei", "password": OPERATOR_PASSWORD})
    for url in CONSOLE_GETS:
        assert client.get(url).headers["Location"] == "/platform/login/second-factor", url


def test_unknown_ids_are_404_and_garbage_never_500(app, operator, tenant_a) -> None:
    for url in ("/platform/applications/999", "/platform/tenants/999"):
        assert operator.get(url).status_code == 404
    for url in ("/platform/applications/999/approve", "/platform/tenants/999/suspend"):
        assert operator.post(url, data={"reason": "x"}).status_code == 404
    for url in ("/platform/audit?page=abc&tenant=abc&event=nope", "/platform/audit?page=-4",
                "/platform/tenants?status=bogus&view=weird"):
        assert operator.get(url).status_code == 200, url
    response = operator.post(f"/platform/tenants/{tenant_a.id}/parent",
                             data={"parent": "not-a-number"})
    assert response.status_code == 200
    assert 'is-invalid' in between(body(response), "parent-form")


# --- home and menu -----------------------------------------------------------------------


def test_home_shows_the_menu_and_the_summary(app, operator, tenant_a) -> None:
    pending_application(app, CITY)
    pending_application(app, PROVINCE)
    html = body(operator.get("/platform/"))
    nav = html[html.index('data-testid="platform-nav"'):]
    nav = nav[:nav.index("</nav>")]
    for url in ("/platform/", "/platform/applications", "/platform/tenants",
                "/platform/plugins", "/platform/audit"):
        assert f'href="{url}"' in nav, url
    assert re.search(r'data-testid="nav-badge">2<', nav)
    assert re.search(r'data-testid="count-pending">2<', html)
    assert re.search(r'data-testid="count-active">1<', html)
    assert re.search(r'data-testid="count-suspended">0<', html)
    assert tagged(html, "operator-name")
    # Every console page has the same menu.
    for url in ("/platform/applications", "/platform/plugins"):
        assert 'data-testid="platform-nav"' in body(operator.get(url))


# --- applications ------------------------------------------------------------------------


def test_applications_pending_first_with_their_details(app, operator) -> None:
    decided = pending_application(app, PROVINCE, plugins=["notices"])
    approve(app, decided)
    waiting = pending_application(app, COUNTY, plugins=["notices"], ip="198.51.100.23")
    html = body(operator.get("/platform/applications"))
    pending_part = html[html.index('data-testid="pending-applications"'):
                        html.index('data-testid="decided-applications"')]
    assert rows(pending_part, "application-row", "data-application-id") == [
        str(waiting.application_id)]
    assert rows(html, "application-row", "data-status") == ["pending", "approved"]
    assert "四川省广元市剑阁县" in pending_part  # the region's full name
    assert "王五" in pending_part and "13812345678" in pending_part
    assert "198.51.100.23" in pending_part and 'data-plugin="notices"' in pending_part

    detail = body(operator.get(f"/platform/applications/{waiting.application_id}"))
    assert tagged(detail, "approve-form") and tagged(detail, "reject-form")
    assert "四川省广元市剑阁县" in detail and "ww@example.cn" in detail
    assert SLUGS[COUNTY] in detail
    # The province is active: the preview says where the county will go.
    assert "四川省司法厅" in between(detail, "approve-preview")

    done = body(operator.get(f"/platform/applications/{decided.application_id}"))
    assert not tagged(done, "approve-form") and not tagged(done, "reject-form")


def test_approve_and_reject_from_the_console(app, operator) -> None:
    first, second = pending_application(app, COUNTY), pending_application(app, CITY)
    response = operator.post(f"/platform/applications/{first.application_id}/approve",
                             data={"note": "核实无误"})
    assert response.status_code == 302
    assert tenant_row(app, first.tenant_id).status == TenantStatus.ACTIVE
    application = application_row(app, first.application_id)
    assert (application.decided_by, application.decision_reason) == ("yunwei", "核实无误")
    [event] = platform_events(app, "tenant.approved")
    assert event.actor_name == "yunwei" and event.actor_id is not None

    again = operator.post(f"/platform/applications/{first.application_id}/approve")
    assert again.status_code == 200 and 'alert-danger' in body(again)

    for reason in ("", "   "):
        refused = operator.post(f"/platform/applications/{second.application_id}/reject",
                                data={"reason": reason})
        assert refused.status_code == 200
        form = between(body(refused), "reject-form")
        assert "is-invalid" in form and "invalid-feedback" in form
    assert tenant_row(app, second.tenant_id).status == TenantStatus.PENDING
    assert platform_events(app, "tenant.rejected") == []

    rejected = operator.post(f"/platform/applications/{second.application_id}/reject",
                             data={"reason": "非司法行政机关"})
    assert rejected.status_code == 302
    assert tenant_row(app, second.tenant_id).status == TenantStatus.REJECTED
    assert application_row(app, second.application_id).status == ApplicationStatus.REJECTED
    page = body(operator.get(f"/platform/applications/{second.application_id}"))
    assert re.search(r'data-testid="decision-reason">非司法行政机关<', page)


def test_reject_reason_too_long_is_kept_and_refused(app, operator) -> None:
    pending = pending_application(app, COUNTY)
    text = "长" * 1001
    response = operator.post(f"/platform/applications/{pending.application_id}/reject",
                             data={"reason": text})
    assert response.status_code == 200
    assert text in body(response)  # the input stays in the form
    assert application_row(app, pending.application_id).status == ApplicationStatus.PENDING


# --- tenants -----------------------------------------------------------------------------


def test_tenant_list_filter_and_tree(app, operator) -> None:
    created = {region: pending_application(app, region) for region in (COUNTY, PROVINCE, CITY)}
    for region in (COUNTY, PROVINCE, CITY):
        approve(app, created[region])
    waiting = pending_application(app, "510824")
    html = body(operator.get("/platform/tenants"))
    assert rows(html, "tenant-row", "data-slug") == [SLUGS[PROVINCE], SLUGS[CITY],
                                                     SLUGS[COUNTY], waiting.slug]
    assert "四川省广元市" in html
    pending_only = body(operator.get("/platform/tenants?status=pending"))
    assert rows(pending_only, "tenant-row", "data-slug") == [waiting.slug]

    tree = body(operator.get("/platform/tenants?view=tree"))
    nodes = dict(zip(rows(tree, "tree-node", "data-slug"), rows(tree, "tree-node",
                                                               "data-parent"), strict=True))
    assert nodes == {SLUGS[PROVINCE]: "", SLUGS[CITY]: SLUGS[PROVINCE],
                     SLUGS[COUNTY]: SLUGS[CITY], waiting.slug: ""}
    # Nested: the county's node sits inside the city's list, inside the province's.
    assert tree.index(f'data-slug="{SLUGS[PROVINCE]}"') < tree.index(
        f'data-slug="{SLUGS[CITY]}"') < tree.index(f'data-slug="{SLUGS[COUNTY]}"')


def test_suspend_and_reactivate_from_the_console(app, operator, tenant_a,
                                                 client_a) -> None:
    url = f"/platform/tenants/{tenant_a.id}"
    page = body(operator.get(url))
    assert tagged(page, "suspend-form") and not tagged(page, "reactivate-form")
    assert 'data-plugin="notices"' in page

    refused = operator.post(f"{url}/suspend", data={"reason": " "})
    assert refused.status_code == 200
    assert "is-invalid" in between(body(refused), "suspend-form")
    assert client_a.get(f"/t/{tenant_a.slug}/").status_code == 200

    done = operator.post(f"{url}/suspend", data={"reason": "停机维护"})
    assert done.status_code == 302
    assert tenant_row(app, tenant_a.id).status == TenantStatus.SUSPENDED
    assert session_rows(app, tenant_a) == []
    assert client_a.get(f"/t/{tenant_a.slug}/").status_code == 404
    page = body(operator.get(url))
    assert tagged(page, "reactivate-form") and not tagged(page, "suspend-form")
    assert rows(page, "status-change", "data-new-status") == ["suspended"]
    assert "停机维护" in page

    assert operator.post(f"{url}/reactivate", data={"reason": ""}).status_code == 302
    assert tenant_row(app, tenant_a.id).status == TenantStatus.ACTIVE
    login(client_a, tenant_a)
    assert client_a.get(f"/t/{tenant_a.slug}/").status_code == 200
    with app.app_context():
        actors = db.session.scalars(select(TenantStatusChange.actor)).all()
    assert set(actors) == {"yunwei"}


def test_parent_editor_offers_eligible_bureaus_and_refuses_others(app, operator) -> None:
    created = {region: pending_application(app, region) for region in (PROVINCE, CITY, COUNTY)}
    for region in (PROVINCE, CITY, COUNTY):
        approve(app, created[region])
    ids = {region: created[region].tenant_id for region in created}
    page = body(operator.get(f"/platform/tenants/{ids[COUNTY]}"))
    form = between(page, "parent-form")
    options = re.findall(r'<option[^>]*value="([^"]*)"', form)
    assert options == ["None", str(ids[PROVINCE]), str(ids[CITY])]
    assert attr(tagged(page, "parent")[0], "data-parent") == SLUGS[CITY]
    assert province_children(app, ids[PROVINCE]) == [SLUGS[CITY]]

    moved = operator.post(f"/platform/tenants/{ids[COUNTY]}/parent",
                          data={"parent": str(ids[PROVINCE])})
    assert moved.status_code == 302
    assert tenant_row(app, ids[COUNTY]).parent_slug == SLUGS[PROVINCE]
    [event] = [e for e in platform_events(app, "tenant.parent_changed")
               if e.details["source"] == "operator"]
    assert (event.details["old_parent"], event.details["new_parent"]) == (SLUGS[CITY],
                                                                          SLUGS[PROVINCE])

    # The province may not go under its own county: not offered, refused if posted.
    refused = operator.post(f"/platform/tenants/{ids[CITY]}/parent",
                            data={"parent": str(ids[COUNTY])})
    assert refused.status_code == 200
    assert "is-invalid" in between(body(refused), "parent-form")
    assert tenant_row(app, ids[CITY]).parent_slug == SLUGS[PROVINCE]

    cleared = operator.post(f"/platform/tenants/{ids[CITY]}/parent", data={"parent": "None"})
    assert cleared.status_code == 302
    assert tenant_row(app, ids[CITY]).parent_slug is None


def province_children(app: Flask, province_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Tenant.slug).where(
            Tenant.parent_id == province_id).order_by(Tenant.slug)))


# --- plugins -----------------------------------------------------------------------------


@pytest.fixture
def kit_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """Built-ins, the tenants module, two good testkit plugins (one blocked) and one whose
    import fails, as an installed vendor package would."""
    sources = [module_source(m, version=__version__) for m in [*builtin_modules(),
                                                                 tenants_plugin]]
    sources += [module_source(good, builtin=False), module_source(other, builtin=False),
                module_source(future_core, builtin=False)]
    sources.append(PluginSource(
        name="kit_import_error", distribution="kit-vendor", version="0.9", builtin=False,
        load=lambda: importlib.import_module("testkit_plugins.import_error")))
    application = make_app(database_url, PLUGIN_SOURCES=sources,
                           PLUGINS_BLOCK=[other.plugin_info.name])
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_plugins_page_shows_every_installed_plugin(kit_app, tenant_a, tenant_b) -> None:
    with kit_app.app_context():
        enable_plugin(db.session.get(Tenant, tenant_a.id), good.NAME, actor="test")
        db.session.commit()
    client = operator_client(kit_app)
    html = body(client.get("/platform/plugins"))
    found = {attr(tag, "data-plugin"): tag for tag in tagged(html, "plugin-row")}
    assert {"auth", "tenants", good.NAME, other.plugin_info.name,
            "kit_import_error"} <= set(found)

    assert attr(found["kit_import_error"], "data-status") == "failed"
    row = html[html.index('data-plugin="kit_import_error"'):]
    row = row[:row.index("</tr>")]
    assert "RuntimeError: kit_import_error explodes on import" in row
    assert "kit-vendor" in row

    assert attr(found[good.NAME], "data-status") == "loaded"
    assert attr(found[good.NAME], "data-allowed") == "yes"
    row = html[html.index(f'data-plugin="{good.NAME}"'):]
    row = row[:row.index("</tr>")]
    assert "1.2.3" in row and "Testkit" in row and "&gt;=0.1,&lt;1" in row
    assert re.search(r'data-testid="tenant-count">1<', row)

    assert attr(found[other.plugin_info.name], "data-status") == "blocked"
    # A plugin built for another core version: shown as incompatible, with the range it
    # needs; it cannot be enabled (tests/test_plugins.py, tests/test_tenant_modules.py).
    name = future_core.plugin_info.name
    assert attr(found[name], "data-status") == "incompatible"
    row = html[html.index(f'data-plugin="{name}"'):]
    row = row[:row.index("</tr>")]
    assert "needs core &gt;=99" in row and "不兼容" in row
    assert attr(found[other.plugin_info.name], "data-allowed") == "no"
    # The count is a cross-tenant read: the console says so in the platform trail, naming
    # the operator who looked.
    reads = platform_events(kit_app, "tenancy.cross_tenant_read")
    assert reads and {event.actor_name for event in reads} == {"yunwei"}


# --- the platform audit trail ------------------------------------------------------------


def test_audit_trail_lists_lifecycle_events_newest_first(app, operator, tenant_a) -> None:
    pending = pending_application(app, CITY)
    operator.post(f"/platform/applications/{pending.application_id}/approve")
    operator.post(f"/platform/tenants/{tenant_a.id}/suspend", data={"reason": "测试"})
    operator.post(f"/platform/tenants/{tenant_a.id}/reactivate")

    html = body(operator.get("/platform/audit"))
    events = rows(html, "audit-row", "data-event")
    lifecycle_events = [e for e in events if e.startswith("tenant.")]
    # Approving the city also adopted jiange, a county of it.
    assert lifecycle_events == ["tenant.reactivated", "tenant.suspended",
                                "tenant.parent_changed", "tenant.approved"]
    seqs = [int(s) for s in rows(html, "audit-row", "data-seq")]
    assert seqs == sorted(seqs, reverse=True)
    assert "auth.login" in events  # the operator's own login is on the same chain

    only = body(operator.get("/platform/audit?event=tenant.suspended"))
    assert rows(only, "audit-row", "data-event") == ["tenant.suspended"]
    about = body(operator.get(f"/platform/audit?tenant={tenant_a.id}"))
    assert rows(about, "audit-row", "data-event") == [
        "tenant.reactivated", "tenant.suspended", "tenant.parent_changed"]
    assert f'<code>{tenant_a.slug}</code>' in about


def test_audit_trail_pages(app, operator) -> None:
    from core.audit.api import record

    with app.app_context():
        for number in range(60):
            record("platform.test_event", platform=True, actor="test", summary=f"n{number}")
        db.session.commit()
    first = body(operator.get("/platform/audit?event=platform.test_event"))
    assert len(tagged(first, "audit-row")) == 50 and tagged(first, "pagination")
    assert re.search(r'href="/platform/audit\?[^"]*page=2[^"]*"', first)
    second = body(operator.get("/platform/audit?event=platform.test_event&page=2"))
    assert len(tagged(second, "audit-row")) == 10
    assert "n0\n" in second and "n59\n" in first and "n59\n" not in second
