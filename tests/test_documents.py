"""Print-ready documents (issue #5): the registry, the A4 print page, its gates and audit.

A throwaway plugin (tests/testkit_plugins/documents_sample.py) prints a "receipt" for a
notice of the tenant.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select
from test_audit_events import events

from core import __version__
from core.access.models import Role
from core.access.service import assign_role
from core.app import builtin_modules
from core.auth.models import User
from core.db import db
from core.documents import api
from core.documents.registry import document_registry
from core.plugins.enablement import enabled_plugins
from core.plugins.manager import module_source
from core.sdk import Tenant, disable_plugin, enable_plugin, tenant_context
from plugins.notices import plugin as notices_plugin
from plugins.notices.models import Notice
from tenants import plugin as tenants_plugin

from conftest import TenantFixture, make_app
from test_admin_support import add_user, client_of
from testkit_plugins import documents_sample as kit

PRINTER_ROLE = "kit_printer"


@pytest.fixture
def kit_app(app: Flask, database_url: str, tenant_a: TenantFixture) -> Iterator[Flask]:
    sources = [module_source(m, version=__version__)
               for m in [*builtin_modules(), tenants_plugin, notices_plugin]]
    sources.append(module_source(kit, builtin=False))
    application = make_app(database_url, PLUGIN_SOURCES=sources)
    _toggle(application, tenant_a, kit.NAME)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _toggle(app: Flask, tenant: TenantFixture, name: str, on: bool = True) -> None:
    with app.app_context():
        (enable_plugin if on else disable_plugin)(db.session.get(Tenant, tenant.id), name)
        db.session.commit()


def add_printer(app: Flask, tenant: TenantFixture, username: str = "printer") -> FlaskClient:
    """A staff user also holding a role with the kit's print permission."""
    add_user(app, tenant, username, "staff")
    with app.app_context(), tenant_context(tenant.id):
        role = db.session.scalar(select(Role).where(Role.key == PRINTER_ROLE))
        if role is None:
            role = Role(key=PRINTER_ROLE, title="打印员", permissions=[kit.PERMISSION])
            db.session.add(role)
            db.session.flush()
        assign_role(db.session.scalar(select(User).where(User.username == username)), role,
                    actor="test")
        db.session.commit()
    return client_of(app, tenant, username)


def add_notice(app: Flask, tenant: TenantFixture, title: str = "关于调解工作的通知",
               body: str = "第一段。\n第二段。") -> int:
    with app.app_context(), tenant_context(tenant.id):
        notice = Notice(title=title, body=body)
        db.session.add(notice)
        db.session.commit()
        return notice.id


def url(tenant: TenantFixture, object_id: int, key: str = kit.RECEIPT) -> str:
    return f"/t/{tenant.slug}/documents/{key}/{object_id}"


# --- the page ------------------------------------------------------------------------------


def test_print_page_shows_bureau_title_number_and_content(kit_app, tenant_a) -> None:
    notice_id = add_notice(kit_app, tenant_a)
    client = add_printer(kit_app, tenant_a)

    response = client.get(url(tenant_a, notice_id))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="document-tenant">剑阁县司法局<' in page
    assert f'data-testid="document-title">{kit.RECEIPT_TITLE}<' in page
    assert f'data-testid="document-number">{kit.NUMBER}<' in page
    assert "关于调解工作的通知" in page and '<p class="doc-para">第二段。</p>' in page
    # The macros: a bordered register table, a field line, the signature block with seal.
    assert 'data-testid="kit-table"' in page
    assert '<th scope="row" class="doc-label">通知标题' in page
    assert "经办人：" in page and "调解员签名：" in page and 'data-testid="document-seal"' in page
    # A standalone page: no menu, no top bar; a print button and a way back.
    assert 'data-testid="main-nav"' not in page and "navbar" not in page
    assert 'data-fatong-print' in page and 'data-testid="document-back"' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_print_stylesheet_is_a4_and_hides_the_buttons(kit_app, tenant_a) -> None:
    notice_id = add_notice(kit_app, tenant_a)
    page = add_printer(kit_app, tenant_a).get(url(tenant_a, notice_id)).get_data(as_text=True)
    # Served from our own server (the CSP forbids inline styles; intranets have no CDN).
    assert 'href="/documents/static/print.css"' in page
    assert 'src="/documents/static/print.js"' in page

    anonymous = kit_app.test_client()
    css = anonymous.get("/documents/static/print.css")
    assert css.status_code == 200
    text = css.get_data(as_text=True)
    assert "@page { size: A4; margin: 25mm 20mm; }" in text
    assert "@media print" in text and ".doc-toolbar { display: none" in text
    assert '"SimSun"' in text and '"仿宋"' in text
    assert "window.print()" in anonymous.get("/documents/static/print.js").get_data(as_text=True)


def test_no_number_line_when_the_document_has_none(kit_app, tenant_a) -> None:
    notice_id = add_notice(kit_app, tenant_a, title=kit.NO_NUMBER + "通知")
    page = add_printer(kit_app, tenant_a).get(url(tenant_a, notice_id)).get_data(as_text=True)
    assert 'data-testid="document-title"' in page
    assert 'data-testid="document-number"' not in page


def test_title_from_the_context_wins(kit_app, tenant_a) -> None:
    notice_id = add_notice(kit_app, tenant_a)
    page = add_printer(kit_app, tenant_a).get(url(tenant_a, notice_id, kit.TITLED)) \
        .get_data(as_text=True)
    assert f'data-testid="document-title">{kit.OVERRIDE_TITLE}<' in page


def test_the_bureau_display_name_heads_the_page(kit_app, tenant_a) -> None:
    from tenants.settings import tenant_profile

    with kit_app.app_context(), tenant_context(tenant_a.id):
        tenant_profile().set_many({"display_name": "剑阁县司法局（试点）"})
        db.session.commit()
    notice_id = add_notice(kit_app, tenant_a)
    page = add_printer(kit_app, tenant_a).get(url(tenant_a, notice_id)).get_data(as_text=True)
    assert 'data-testid="document-tenant">剑阁县司法局（试点）<' in page


# --- gates ---------------------------------------------------------------------------------


def test_unknown_key_is_404(kit_app, tenant_a) -> None:
    notice_id = add_notice(kit_app, tenant_a)
    client = add_printer(kit_app, tenant_a)
    for key in ("kit_documents.nothing", "notices.receipt", "kit_documents.dict", "x"):
        assert client.get(url(tenant_a, notice_id, key)).status_code == 404, key


def test_plugin_off_for_the_tenant_is_404(kit_app, tenant_a) -> None:
    notice_id = add_notice(kit_app, tenant_a)
    client = add_printer(kit_app, tenant_a)
    _toggle(kit_app, tenant_a, kit.NAME, on=False)
    assert client.get(url(tenant_a, notice_id)).status_code == 404
    _toggle(kit_app, tenant_a, kit.NAME, on=True)
    assert client.get(url(tenant_a, notice_id)).status_code == 200


def test_without_the_permission_is_403_and_load_is_not_called(kit_app, tenant_a) -> None:
    from testkit_plugins import CALLS, calls_of

    notice_id = add_notice(kit_app, tenant_a)
    add_user(kit_app, tenant_a, "clerk", "staff")
    CALLS.clear()
    response = client_of(kit_app, tenant_a, "clerk").get(url(tenant_a, notice_id))
    assert response.status_code == 403
    assert ("load", str(notice_id)) not in calls_of(kit.NAME)
    assert events(kit_app, tenant_a, event="access.denied", summary=kit.PERMISSION)


def test_object_the_load_refuses_is_404(kit_app, tenant_a) -> None:
    client = add_printer(kit_app, tenant_a)
    hidden = add_notice(kit_app, tenant_a, title=kit.HIDDEN + "通知")
    assert client.get(url(tenant_a, hidden)).status_code == 404
    assert client.get(url(tenant_a, 123456789)).status_code == 404


def test_another_tenants_object_is_404(kit_app, tenant_a, tenant_b) -> None:
    secret = "苍溪县内部通知-不可外泄"
    b_notice = add_notice(kit_app, tenant_b, title=secret)
    _toggle(kit_app, tenant_b, kit.NAME)
    client = add_printer(kit_app, tenant_a)
    for path in (url(tenant_a, b_notice), url(tenant_b, b_notice)):
        response = client.get(path)
        assert response.status_code == 404, path
        assert secret not in response.get_data(as_text=True)


def test_anonymous_goes_to_the_login(kit_app, tenant_a) -> None:
    notice_id = add_notice(kit_app, tenant_a)
    response = kit_app.test_client().get(url(tenant_a, notice_id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/t/{tenant_a.slug}/login")


def test_sweep_of_the_print_route_with_a_document_registered(kit_app, tenant_a, tenant_b):
    """tests/test_cross_tenant_sweep.py over this route, with the kit's documents in place."""
    import test_cross_tenant_sweep as swept

    from core.testing.sweep import A_TITLE, B_SECRET_TITLE, Sweep

    _toggle(kit_app, tenant_b, kit.NAME)
    sweep = Sweep(kit_app, seed=swept.seed)
    sweep.seed_tenant(tenant_a, A_TITLE)
    sweep.seed_tenant(tenant_b, B_SECRET_TITLE)
    client = add_printer(kit_app, tenant_a)
    a_ids, b_ids = sweep.row_ids(tenant_a), sweep.row_ids(tenant_b)
    # B's slug with B's ids, A's slug with B's ids, B's slug with A's ids: all 404.
    for slug, ids in ((tenant_b.slug, b_ids), (tenant_a.slug, b_ids), (tenant_b.slug, a_ids)):
        batch = [probe for rule, probes in sweep.probes(slug, ids) for probe in probes
                 if rule.endpoint == "documents.print_document"]
        assert len(batch) == 2 * len(ids)  # two documents x every id
        for probe in batch:
            sweep.assert_404(client.open(probe.url, method=probe.method), probe, tenant_b)
    # Sanity: A's own notice prints with each registered document.
    for key in (kit.RECEIPT, kit.TITLED):
        assert client.get(url(tenant_a, a_ids["notices_notice"], key)).status_code == 200


# --- audit ---------------------------------------------------------------------------------


def test_each_print_is_audited_without_the_contents(kit_app, tenant_a) -> None:
    notice_id = add_notice(kit_app, tenant_a, title="张三与李四纠纷通知")
    client = add_printer(kit_app, tenant_a)
    assert client.get(url(tenant_a, notice_id)).status_code == 200
    assert client.get(url(tenant_a, notice_id)).status_code == 200

    rows = events(kit_app, tenant_a, event="documents.printed")
    assert len(rows) == 2
    row = rows[0]
    assert row["target_type"] == "document" and row["target_id"] == notice_id
    assert row["summary"] == kit.RECEIPT and row["actor_name"] == "printer"
    assert row["details"] == {"key": kit.RECEIPT, "object_id": notice_id}
    assert "张三" not in str(row)
    # Refused prints leave no such event.
    assert client.get(url(tenant_a, 987654321)).status_code == 404
    assert len(events(kit_app, tenant_a, event="documents.printed")) == 2


# --- registry and API ----------------------------------------------------------------------


def test_registry_refuses_bad_keys_and_duplicates(kit_app) -> None:
    with kit_app.app_context():
        registry = document_registry()
        assert sorted(registry.documents) == [kit.RECEIPT, kit.TITLED]
        found = registry.documents[kit.RECEIPT]
        assert found.owner == kit.NAME and found.template.title == kit.RECEIPT_TITLE
        reasons = [reason for owner, reason in registry.refused if owner == kit.NAME]
        assert len(reasons) == 3
        assert any("must start with 'kit_documents.'" in r for r in reasons)
        assert any("registered twice" in r for r in reasons)
        assert any("not a DocumentTemplate" in r for r in reasons)
        # A refused template does not take the plugin out.
        assert kit_app.extensions["fatong.plugins"].is_loaded(kit.NAME)


def test_api_lists_links_and_gets_documents(kit_app, tenant_a) -> None:
    add_user(kit_app, tenant_a, "clerk", "staff")
    add_printer(kit_app, tenant_a)
    with kit_app.test_request_context(), tenant_context(tenant_a.id):
        tenant = db.session.get(Tenant, tenant_a.id)
        g.tenant, g.enabled_plugins = tenant, enabled_plugins(tenant)
        printer = db.session.scalar(select(User).where(User.username == "printer"))
        clerk = db.session.scalar(select(User).where(User.username == "clerk"))

        assert api.available(printer) == [(kit.RECEIPT, kit.RECEIPT_TITLE),
                                          (kit.TITLED, kit.RECEIPT_TITLE)]
        assert api.available(clerk) == []
        assert api.url_for_document(kit.RECEIPT, 42) == \
            f"/t/{tenant_a.slug}/documents/{kit.RECEIPT}/42"
        assert api.get(kit.RECEIPT).title == kit.RECEIPT_TITLE
        assert api.get("kit_documents.nothing") is None

        g.enabled_plugins = g.enabled_plugins - {kit.NAME}
        g.pop("_fatong_grants", None)
        assert api.available(printer) == []
        assert api.get(kit.RECEIPT) is not None  # get() is not gated: the registry as is


def test_an_app_without_the_kit_knows_no_kit_document(app, tenant_a, client_a) -> None:
    with app.app_context():
        assert kit.RECEIPT not in document_registry().documents
    assert client_a.get(url(tenant_a, 1)).status_code == 404


def test_document_url_is_a_template_global(kit_app, tenant_a) -> None:
    with kit_app.test_request_context(), tenant_context(tenant_a.id):
        g.tenant = db.session.get(Tenant, tenant_a.id)
        from flask import render_template_string

        assert render_template_string("{{ document_url('kit_documents.receipt', 7) }}") == \
            f"/t/{tenant_a.slug}/documents/kit_documents.receipt/7"


def test_back_link_returns_only_to_our_own_pages(kit_app, tenant_a) -> None:
    notice_id = add_notice(kit_app, tenant_a)
    client = add_printer(kit_app, tenant_a)
    own = f"http://localhost/t/{tenant_a.slug}/notices/{notice_id}"
    for referrer, expected in ((own, own), ("http://evil.example/x", f"/t/{tenant_a.slug}/"),
                               ("javascript://localhost/%0aalert(1)", f"/t/{tenant_a.slug}/")):
        page = client.get(url(tenant_a, notice_id), headers={"Referer": referrer}) \
            .get_data(as_text=True)
        assert f'href="{expected}" data-testid="document-back"' in page, referrer
