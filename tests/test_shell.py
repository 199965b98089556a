"""The UI shell: tenant resolution, error pages, flash messages, navigation, login/logout,
and no CDN anywhere (every asset a page references is served by us)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from core.access.models import Role
from core.audit.models import AuditEvent
from core.auth.models import User
from core.db import db
from core.orgunits.models import OrgUnit
from core.places.models import Place, PlaceKind
from core.sdk import Person, Tenant, TenantStatus, tenant_context
from plugins.notices.models import Notice

from conftest import TenantFixture, login, make_app, provision
from legal_aid_support import seed_legal_aid_records
from mediation_support import seed_mediation_records

PROJECT = Path(__file__).resolve().parent.parent
ERROR_PAGE = 'data-testid="error-page"'


def body(response) -> str:
    return response.get_data(as_text=True)


def set_status(app: Flask, fixture: TenantFixture, status: TenantStatus) -> None:
    with app.app_context():
        db.session.get(Tenant, fixture.id).status = status
        db.session.commit()


def main_nav(html: str) -> str:
    found = re.search(r'<nav[^>]*data-testid="main-nav"[^>]*>(.*?)</nav>', html, re.S)
    return found.group(1) if found else ""


# --- tenant resolution ---------------------------------------------------------------------


def test_unknown_tenant_is_a_chinese_404_page(app: Flask) -> None:
    for url in ("/t/nosuch/", "/t/nosuch/login", "/t/nosuch/notices/"):
        response = app.test_client().get(url)
        assert response.status_code == 404, url
        html = body(response)
        assert ERROR_PAGE in html
        assert "页面不存在" in html
        assert "Page not found" not in html
        assert '<html lang="zh-CN">' in html


@pytest.mark.parametrize("status", [TenantStatus.PENDING, TenantStatus.SUSPENDED])
def test_tenant_not_active_is_404(app: Flask, tenant_a: TenantFixture, status) -> None:
    client = app.test_client()
    login(client, tenant_a)
    set_status(app, tenant_a, status)

    for url in (f"/t/{tenant_a.slug}/", f"/t/{tenant_a.slug}/login",
                f"/t/{tenant_a.slug}/notices/"):
        for who in (client, app.test_client()):  # logged in a moment ago, and anonymous
            response = who.get(url)
            assert response.status_code == 404, (url, status)
            assert ERROR_PAGE in body(response)
            assert tenant_a.tenant.name not in body(response)
    refused = app.test_client().post(f"/t/{tenant_a.slug}/login",
                                     data={"username": "admin", "password": tenant_a.password})
    assert refused.status_code == 404

    set_status(app, tenant_a, TenantStatus.ACTIVE)
    assert client.get(f"/t/{tenant_a.slug}/").status_code == 200  # the control


def test_session_of_tenant_a_cannot_open_b_login(app, tenant_a, tenant_b, client_a) -> None:
    response = client_a.get(f"/t/{tenant_b.slug}/login")
    assert response.status_code == 404
    assert tenant_b.tenant.name not in body(response)
    # Not even by logging in there with valid credentials of B.
    posted = client_a.post(f"/t/{tenant_b.slug}/login",
                           data={"username": "admin", "password": tenant_b.password})
    assert posted.status_code == 404
    assert client_a.get(f"/t/{tenant_a.slug}/").status_code == 200
    # A fresh browser may open B's login page: the 404 came from the session, not the slug.
    assert app.test_client().get(f"/t/{tenant_b.slug}/login").status_code == 200


# --- error pages ---------------------------------------------------------------------------


@pytest.fixture
def error_app(app: Flask, database_url: str) -> Flask:
    """A fresh app (not TESTING, so errors are handled as in production) with failing routes."""
    fresh = make_app(database_url, TESTING=False)

    def boom():
        raise RuntimeError("testkit-secret-internal-detail")

    def forbidden():
        abort(403)

    fresh.add_url_rule("/testkit-boom", "testkit_boom", boom)
    fresh.add_url_rule("/testkit-forbidden", "testkit_forbidden", forbidden)
    return fresh


def test_500_page_has_no_stack_trace(error_app: Flask, caplog) -> None:
    response = error_app.test_client().get("/testkit-boom")

    assert response.status_code == 500
    html = body(response)
    assert ERROR_PAGE in html
    assert "系统出错了" in html
    for leak in ("Traceback", "RuntimeError", "testkit-secret-internal-detail", "File \""):
        assert leak not in html
    assert "testkit-secret-internal-detail" in caplog.text  # logged for the operator instead


def test_403_page_renders(error_app: Flask) -> None:
    response = error_app.test_client().get("/testkit-forbidden")
    assert response.status_code == 403
    html = body(response)
    assert ERROR_PAGE in html
    assert "无权访问" in html
    assert "Access denied" not in html


# --- flash messages and navigation -------------------------------------------------------


def test_flash_messages_show(app: Flask, tenant_a: TenantFixture, client_a) -> None:
    response = client_a.post(f"/t/{tenant_a.slug}/logout", follow_redirects=True)
    html = body(response)
    assert response.status_code == 200
    assert re.search(r'class="alert alert-info[^"]*" role="alert">\s*您已退出登录。', html)
    # Shown once: the next page has no message left.
    assert 'role="alert"' not in body(client_a.get(f"/t/{tenant_a.slug}/login"))

    landing = app.test_client().post("/", data={"slug": "Not A Slug!"})
    assert landing.status_code == 200
    assert 'class="alert alert-danger' in body(landing)


def test_navigation_lists_the_enabled_plugins_entries(app, tenant_a, client_a) -> None:
    nav = main_nav(body(client_a.get(f"/t/{tenant_a.slug}/")))
    assert f'href="/t/{tenant_a.slug}/"' in nav and "工作台" in nav
    assert f'href="/t/{tenant_a.slug}/notices/"' in nav and "通知公告" in nav
    # The workbench is the current page, marked as such.
    assert re.search(r'class="nav-link active" href="/t/jiange/"', nav)
    # On a notices page the notices entry is the active one.
    nav = main_nav(body(client_a.get(f"/t/{tenant_a.slug}/notices/new")))
    assert re.search(r'class="nav-link active" href="/t/jiange/notices/"', nav)
    # A line with several entries lights only the one the page lies under.
    nav = main_nav(body(client_a.get(f"/t/{tenant_a.slug}/mediation/cases/new")))
    assert re.findall(r'class="nav-link active" href="([^"]+)"', nav) == [
        "/t/jiange/mediation/cases/"]


def test_navigation_leaves_out_plugins_not_enabled(app: Flask) -> None:
    bare = provision(app, "wangcang", "旺苍县司法局", "510821", plugins=[])
    client = app.test_client()
    login(client, bare)

    nav = main_nav(body(client.get("/t/wangcang/")))
    assert 'href="/t/wangcang/"' in nav
    assert "notices" not in nav and "通知公告" not in nav
    assert client.get("/t/wangcang/notices/").status_code == 404


def test_anonymous_pages_have_no_navigation(app: Flask, tenant_a: TenantFixture) -> None:
    html = body(app.test_client().get(f"/t/{tenant_a.slug}/login"))
    assert tenant_a.tenant.name in html
    assert 'data-testid="main-nav"' not in html


# --- login and logout ----------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "//evil.example/t/jiange/",
    "///evil.example/",
    "/\\evil.example/",
    "http:/t/jiange/",
    "javascript:alert(1)",
    " //evil.example/",
    "/t/cangxi/",
    "/t/jiangevil/",
    "/",
])
def test_login_next_cannot_leave_the_tenant(app, tenant_a, tenant_b, target) -> None:
    response = app.test_client().post(
        f"/t/{tenant_a.slug}/login", query_string={"next": target},
        data={"username": "admin", "password": tenant_a.password},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/t/{tenant_a.slug}/"


def test_login_next_returns_to_the_page_asked_for(app: Flask, tenant_a: TenantFixture) -> None:
    client = app.test_client()
    asked = client.get(f"/t/{tenant_a.slug}/notices/?category=bulletin")
    assert asked.status_code == 302
    login_url = asked.headers["Location"]
    assert login_url.startswith(f"/t/{tenant_a.slug}/login?next=")

    response = client.post(login_url, data={"username": "admin", "password": tenant_a.password})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/t/{tenant_a.slug}/notices/?category=bulletin"


def test_wrong_password_shows_the_form_again(app: Flask, tenant_a: TenantFixture) -> None:
    client = app.test_client()
    response = client.post(f"/t/{tenant_a.slug}/login",
                           data={"username": "admin", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in body(response)
    assert client.get(f"/t/{tenant_a.slug}/").status_code == 302


def test_logout_is_post_only_and_ends_the_session(app, tenant_a, tenant_b, client_a) -> None:
    home = f"/t/{tenant_a.slug}/"
    refused = client_a.get(f"/t/{tenant_a.slug}/logout")
    assert refused.status_code == 405
    assert ERROR_PAGE in body(refused)
    assert client_a.get(home).status_code == 200  # a GET (a link, an <img>) logs nobody out

    response = client_a.post(f"/t/{tenant_a.slug}/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/t/{tenant_a.slug}/login"
    after = client_a.get(home)
    assert after.status_code == 302
    assert after.headers["Location"].startswith(f"/t/{tenant_a.slug}/login")
    # The browser is no longer bound to tenant A: another bureau's login page opens.
    assert client_a.get(f"/t/{tenant_b.slug}/login").status_code == 200


# --- no CDN --------------------------------------------------------------------------------

ATTRIBUTE_URL = re.compile(r"""\b(?:src|href|action|poster|data-src)\s*=\s*["']([^"']*)["']""",
                           re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""", re.I)
EXTERNAL_IN_SOURCE = re.compile(r"(?:https?:)?//(?:[a-z0-9-]+\.)+[a-z]{2,}", re.I)


def is_external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme in {"http", "https"}


def crawl_pages(app: Flask, client: FlaskClient, tenant: TenantFixture) -> dict[str, str]:
    """Every GET page of a tenant for a logged-in user, ids filled with the tenant's rows."""
    with app.app_context(), tenant_context(tenant.id):
        notice = Notice(title="关于做好年终考核工作的通知", body="各司法所：……")
        person = Person(name="张三", phone="13812345678")
        # A subordinate bureau (Tenant.parent_id) for the subordinates detail page.
        child = Tenant(slug=f"{tenant.slug}-child", name="下级司法局", region_code="510824",
                       status=TenantStatus.ACTIVE, parent_id=tenant.id)
        place = Place(kind=PlaceKind.VILLAGE, name="新华村", town="城关镇")
        db.session.add_all([notice, person, child, place])
        mediation = seed_mediation_records("巡检")
        legal_aid = seed_legal_aid_records("巡检")
        db.session.commit()
        ids = [notice.id]
        # Rules whose argument names another table's id; the others get the notice's.
        ids_by_argument = {"person_id": person.id,
                           "event_id": db.session.scalar(select(AuditEvent.id).limit(1)),
                           # The admin pages (core/admin): the bureau, the admin, a role.
                           "org_unit_id": db.session.scalar(select(OrgUnit.id).limit(1)),
                           "user_id": db.session.scalar(select(User.id).limit(1)),
                           "role_id": db.session.scalar(select(Role.id).limit(1)),
                           "child_id": child.id,
                           "place_id": place.id,
                           **mediation,
                           "consultation_id": legal_aid["consultation_id"],
                           "provider_id": legal_aid["provider_id"],
                           # The print page: a document key and its object.
                           "key": "mediation.agreement",
                           "object_id": mediation["case_id"],
                           # Module and settings pages take a plugin's name.
                           "plugin": "notices"}
    pages: dict[str, str] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/t/<tenant>") or "GET" not in (rule.methods or ()):
            continue
        arguments = rule.arguments - {"tenant"}
        assert all(isinstance(rule._converters[a], IntegerConverter)
                   for a in arguments - {"plugin", "key"}), rule
        values = {"tenant": tenant.slug,
                  **{name: ids_by_argument.get(name, ids[0]) for name in arguments}}
        if rule.endpoint.startswith("legal_aid.") and "case_id" in arguments:
            values["case_id"] = legal_aid["case_id"]  # mediation's pages share the name
        url = rule.build(values, append_unknown=False)[1]
        # Followed: the second-factor page sends a fully logged-in user on to the workbench.
        response = client.get(url, follow_redirects=True)
        if response.status_code == 403:
            continue  # another administrator's page (三员分立); the role matrix covers it
        assert response.status_code == 200, (url, response.status_code)
        if response.mimetype != "text/html":
            continue  # a download (the admin's XLSX import templates), not a page
        pages[url] = body(response)
    return pages


def test_no_page_references_an_external_host(app, tenant_a, client_a) -> None:
    pages = crawl_pages(app, client_a, tenant_a)
    anonymous = app.test_client()
    for url in ("/", f"/t/{tenant_a.slug}/login", "/t/nosuch/"):
        pages[url] = body(anonymous.get(url))
    assert len(pages) >= 8

    local_assets: set[str] = set()
    for url, html in pages.items():
        referenced = ATTRIBUTE_URL.findall(html) + CSS_URL.findall(html)
        assert referenced, url
        external = [ref for ref in referenced if is_external(ref)]
        assert not external, f"{url} references external hosts: {external}"
        local_assets |= {ref for ref in referenced if ref.startswith("/static/")}

    # The shell's stylesheets and scripts are among them, and each one is served by us.
    assert any(a.endswith("bootstrap.min.css") for a in local_assets), local_assets
    assert any("htmx" in a for a in local_assets), local_assets
    fetched = fetch_assets(anonymous, local_assets)
    assert any(".woff2" in a for a in fetched), "the icon font should be fetched via its CSS"


def fetch_assets(client: FlaskClient, assets: set[str]) -> set[str]:
    """Request every asset (200, or `make assets` has not run) and what its CSS refers to."""
    seen: set[str] = set()
    todo = sorted(assets)
    while todo:
        asset = todo.pop()
        path = urlsplit(asset).path
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        content = response.get_data()
        response.close()
        assert response.status_code == 200, f"{path} is missing: has `make assets` run?"
        if path.endswith(".css"):
            for ref in CSS_URL.findall(content.decode("utf-8")):
                if ref.startswith("data:"):
                    continue
                assert not is_external(ref), f"{path} loads {ref}"
                todo.append(urljoin(path, ref))
    return seen


def test_templates_and_own_css_name_no_external_url() -> None:
    sources = [*PROJECT.glob("templates/**/*.html"), *PROJECT.glob("plugins/*/templates/**/*"),
               *PROJECT.glob("core/static/css/**/*.css")]
    assert len(sources) >= 8
    offenders = {}
    for source in sources:
        if source.is_file():
            text = source.read_text(encoding="utf-8")
            text = re.sub(r'xmlns(:\w+)?="http://www\.w3\.org/[^"]*"', "", text)
            found = EXTERNAL_IN_SOURCE.findall(text)
            if found:
                offenders[str(source.relative_to(PROJECT))] = found
    assert not offenders, offenders


def test_crawl_sees_the_tenants_own_data(app, tenant_a, client_a) -> None:
    """Control for the crawl: the pages it reads are the real, logged-in pages."""
    pages = crawl_pages(app, client_a, tenant_a)
    assert any("关于做好年终考核工作的通知" in html for html in pages.values())
    assert all(tenant_a.tenant.name in html for html in pages.values())
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalar(select(Notice.title)) == "关于做好年终考核工作的通知"
