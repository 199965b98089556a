"""Parent tenants see their subordinates (issue #4, point 5): lines and counts, no people.

The hierarchy is set directly on ``Tenant.parent_id`` (the operator's editor is elsewhere):

    sichuan (province)
    ├── guangyuan (city)
    │   ├── jiange (county, notices on)     figures are made here
    │   ├── cangxi (county, no lines)
    │   ├── wangcang (county, suspended)
    │   └── chaotian (county, pending)      not listed
    ├── mianyang (city)
    └── bazhong (city, rejected)            not listed, but its county is
        └── tongjiang (county)
    chengdu (no parent)                     another tenant altogether
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, update

from core.audit.models import PlatformAuditEvent
from core.auth.models import User
from core.db import db
from core.people.models import Person
from core.sdk import Tenant, TenantLevel, TenantStatus, tenant_context, utcnow
from core.tenancy.context import CrossTenantWriteRefused
from plugins.notices.models import Notice
from tenants import rollup

from conftest import TenantFixture, login, provision
from test_admin_support import add_user, client_of

PERSON_NAME = "王秘密"
PERSON_PHONE = "13912345678"
NOTICE_TITLE = "剑阁县内部通知-不得上报"
OLD_NOTICE_TITLE = "剑阁县旧通知"
CLERK_NAME = "赵书记员"


@dataclass
class Hierarchy:
    province: TenantFixture
    guangyuan: TenantFixture
    jiange: TenantFixture
    cangxi: TenantFixture
    wangcang: TenantFixture
    chaotian: TenantFixture
    mianyang: TenantFixture
    bazhong: TenantFixture
    tongjiang: TenantFixture
    chengdu: TenantFixture


def place(app: Flask, fixture: TenantFixture, level: TenantLevel,
          parent: TenantFixture | None = None,
          status: TenantStatus = TenantStatus.ACTIVE) -> None:
    with app.app_context():
        db.session.execute(update(Tenant).where(Tenant.id == fixture.id).values(
            level=level, status=status, parent_id=parent.id if parent else None))
        db.session.commit()


@pytest.fixture
def tree(app: Flask) -> Hierarchy:
    made = Hierarchy(
        province=provision(app, "sichuan", "四川省司法厅", "510000", plugins=[]),
        guangyuan=provision(app, "guangyuan", "广元市司法局", "510800", plugins=[]),
        jiange=provision(app, "jiange", "剑阁县司法局", "510823", plugins=["notices"]),
        cangxi=provision(app, "cangxi", "苍溪县司法局", "510824", plugins=[]),
        wangcang=provision(app, "wangcang", "旺苍县司法局", "510821", plugins=[]),
        chaotian=provision(app, "chaotian", "朝天区司法局", "510812", plugins=[]),
        mianyang=provision(app, "mianyang", "绵阳市司法局", "510700", plugins=[]),
        bazhong=provision(app, "bazhong", "巴中市司法局", "511900", plugins=[]),
        tongjiang=provision(app, "tongjiang", "通江县司法局", "511921", plugins=[]),
        chengdu=provision(app, "chengdu", "成都市司法局", "510100", plugins=[]),
    )
    place(app, made.province, TenantLevel.PROVINCE)
    place(app, made.guangyuan, TenantLevel.CITY, made.province)
    place(app, made.mianyang, TenantLevel.CITY, made.province)
    place(app, made.bazhong, TenantLevel.CITY, made.province, TenantStatus.REJECTED)
    place(app, made.chengdu, TenantLevel.CITY)
    for county in (made.jiange, made.cangxi):
        place(app, county, TenantLevel.COUNTY, made.guangyuan)
    place(app, made.wangcang, TenantLevel.COUNTY, made.guangyuan, TenantStatus.SUSPENDED)
    place(app, made.chaotian, TenantLevel.COUNTY, made.guangyuan, TenantStatus.PENDING)
    place(app, made.tongjiang, TenantLevel.COUNTY, made.bazhong)
    return made


@pytest.fixture
def activity(app: Flask, tree: Hierarchy) -> Hierarchy:
    """Jiange: 2 active accounts (+1 disabled), 2 logins, 1 new person (+1 old), 2 recent
    notices (+1 from 60 days ago)."""
    add_user(app, tree.jiange, "clerk", "staff", display_name=CLERK_NAME)
    add_user(app, tree.jiange, "gone", "staff")
    with app.app_context(), tenant_context(tree.jiange.id):
        db.session.execute(update(User).where(User.username == "gone").values(active=False))
        db.session.add(Person(name=PERSON_NAME, phone=PERSON_PHONE))
        db.session.add(Person(name="旧当事人", created_at=utcnow() - timedelta(days=100)))
        db.session.add(Notice(title=NOTICE_TITLE, body="正文"))
        db.session.add(Notice(title="第二份通知", body="正文"))
        db.session.add(Notice(title=OLD_NOTICE_TITLE, body="正文",
                              created_at=utcnow() - timedelta(days=60)))
        db.session.commit()
    login(app.test_client(), tree.jiange)
    login(app.test_client(), tree.jiange, "clerk")
    return tree


def leader_of(app: Flask, fixture: TenantFixture) -> FlaskClient:
    """The tenant's admin, who also holds the leader role (conftest.provision)."""
    client = app.test_client()
    login(client, fixture)
    return client


def rows(html: str) -> list[tuple[int, int]]:
    """(tenant id, depth) of each listed subordinate, in page order."""
    return [(int(tenant_id), int(depth)) for tenant_id, depth in re.findall(
        r'data-testid="subordinate-row" data-tenant-id="(\d+)" data-depth="(\d+)"', html)]


def row_html(html: str, tenant_id: int) -> str:
    start = html.index(f'data-tenant-id="{tenant_id}"')
    return html[start:html.index("</tr>", start)]


def figures(fragment: str, testid: str = "figure") -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(
        rf'data-testid="{testid}" data-key="([a-z_.]+)" data-value="(\d+)"', fragment)}


def lines(fragment: str) -> set[str]:
    return set(re.findall(r'data-testid="line" data-plugin="([a-z_]+)"', fragment))


def nav_links(html: str) -> str:
    start = html.find('data-testid="main-nav"')
    return html[start:html.index("</nav>", start)] if start >= 0 else ""


# --- what a city sees --------------------------------------------------------------------


def test_city_sees_its_counties_with_their_lines_and_figures(app, activity):
    tree = activity
    response = leader_of(app, tree.guangyuan).get("/t/guangyuan/subordinates/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)

    # Active and suspended children; pending (chaotian) is no subordinate yet.
    listed = dict(rows(html))
    assert listed == {tree.jiange.id: 1, tree.cangxi.id: 1, tree.wangcang.id: 1}
    assert 'data-testid="subordinate-list" data-period="30d"' in html

    jiange = row_html(html, tree.jiange.id)
    assert lines(jiange) == {"notices"}
    assert figures(jiange) == {"core.users_active": 2, "core.logins": 2,
                               "core.people_new": 1, "notices.published": 2}
    cangxi = row_html(html, tree.cangxi.id)
    assert lines(cangxi) == set()
    # One login into cangxi never happened; its admin account is its one active user.
    assert figures(cangxi) == {"core.users_active": 1, "core.logins": 0, "core.people_new": 0}
    assert 'data-key="notices.published" title=' in cangxi  # not enabled there: a dash

    assert "四川省广元市剑阁县" in jiange  # the region's name from GB/T 2260
    wangcang = row_html(html, tree.wangcang.id)
    assert 'data-status="suspended"' in wangcang
    assert 'data-status="active"' in jiange

    assert figures(html, "total") == {"core.users_active": 4, "core.logins": 2,
                                      "core.people_new": 1, "notices.published": 2}
    # The city's own nav offers the page.
    home = leader_of(app, tree.guangyuan).get("/t/guangyuan/").get_data(as_text=True)
    assert "/t/guangyuan/subordinates/" in nav_links(home)


def test_the_period_select_changes_the_figures(app, activity):
    tree = activity
    client = leader_of(app, tree.guangyuan)
    html = client.get("/t/guangyuan/subordinates/?period=90d").get_data(as_text=True)
    assert 'data-period="90d"' in html
    assert figures(row_html(html, tree.jiange.id))["notices.published"] == 3
    assert figures(row_html(html, tree.jiange.id))["core.people_new"] == 1  # 100 days old
    html = client.get("/t/guangyuan/subordinates/?period=year").get_data(as_text=True)
    assert 'data-period="year"' in html
    # Nonsense falls back to the default period rather than failing.
    html = client.get("/t/guangyuan/subordinates/?period=forever").get_data(as_text=True)
    assert 'data-period="30d"' in html
    assert figures(row_html(html, tree.jiange.id))["notices.published"] == 2


def test_detail_shows_lines_and_the_three_periods_side_by_side(app, activity):
    tree = activity
    response = leader_of(app, tree.guangyuan).get(f"/t/guangyuan/subordinates/{tree.jiange.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert lines(html) == {"notices"}
    found = {(key, period): int(value) for key, period, value in re.findall(
        r'data-testid="figure" data-key="([a-z_.]+)" data-period="(\w+)" data-value="(\d+)"',
        html)}
    assert found[("notices.published", "30d")] == 2
    assert found[("notices.published", "90d")] == 3
    assert found[("core.logins", "30d")] == found[("core.logins", "90d")] == 2
    assert found[("core.users_active", "year")] == 2
    assert {period for _key, period in found} == {"30d", "90d", "year"}


def test_pages_hold_no_personal_data(app, activity):
    tree = activity
    client = leader_of(app, tree.guangyuan)
    for url in ("/t/guangyuan/subordinates/", "/t/guangyuan/subordinates/?period=year",
                f"/t/guangyuan/subordinates/{tree.jiange.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "剑阁县司法局" in html  # the page did show the child
        for secret in (PERSON_NAME, PERSON_PHONE, PERSON_PHONE[-4:], NOTICE_TITLE,
                       OLD_NOTICE_TITLE, "clerk", CLERK_NAME):
            assert secret not in html, (url, secret)


# --- what others see ---------------------------------------------------------------------


def test_a_county_sees_an_empty_state_and_no_nav_item(app, tree):
    client = leader_of(app, tree.jiange)
    response = client.get("/t/jiange/subordinates/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="rollup-empty"' in html and rows(html) == []
    home = client.get("/t/jiange/").get_data(as_text=True)
    assert nav_links(home)  # the county has a menu, just not this entry
    assert "/subordinates/" not in nav_links(home)


def test_a_city_whose_only_child_is_pending_shows_no_nav_item(app, tree):
    # mianyang has no children; give it a pending one.
    place(app, tree.chaotian, TenantLevel.COUNTY, tree.mianyang, TenantStatus.PENDING)
    client = leader_of(app, tree.mianyang)
    assert "/subordinates/" not in nav_links(client.get("/t/mianyang/").get_data(as_text=True))
    assert rows(client.get("/t/mianyang/subordinates/").get_data(as_text=True)) == []


def test_a_province_sees_its_cities_and_their_counties(app, activity):
    tree = activity
    html = leader_of(app, tree.province).get("/t/sichuan/subordinates/").get_data(as_text=True)
    listed = rows(html)
    # Depth first, each county under its city; the rejected city (bazhong) is left out and
    # its county hangs directly under the province.
    assert listed == [
        (tree.mianyang.id, 1),
        (tree.guangyuan.id, 1), (tree.wangcang.id, 2), (tree.jiange.id, 2),
        (tree.cangxi.id, 2),
        (tree.tongjiang.id, 1),
    ]
    assert figures(row_html(html, tree.jiange.id))["notices.published"] == 2
    assert figures(html, "total")["core.users_active"] == 7  # six admins and jiange's clerk
    assert tree.chengdu.id not in dict(listed)


def test_ids_that_are_no_descendant_answer_404(app, tree):
    city = leader_of(app, tree.guangyuan)
    for tenant_id in (tree.chengdu.id,  # another tenant altogether
                      tree.mianyang.id,  # a sibling
                      tree.province.id,  # the parent
                      tree.guangyuan.id,  # itself
                      tree.chaotian.id,  # a pending child
                      tree.tongjiang.id,  # the province's, not the city's
                      987654321):  # nobody
        assert city.get(f"/t/guangyuan/subordinates/{tenant_id}").status_code == 404, tenant_id
    county = leader_of(app, tree.jiange)
    assert county.get(f"/t/jiange/subordinates/{tree.cangxi.id}").status_code == 404
    # Another tenant's slug is 404 whatever the id, as everywhere.
    assert city.get(f"/t/sichuan/subordinates/{tree.jiange.id}").status_code == 404
    assert city.get("/t/sichuan/subordinates/").status_code == 404
    # A grandchild is a descendant: the province opens it.
    province = leader_of(app, tree.province)
    assert province.get(f"/t/sichuan/subordinates/{tree.jiange.id}").status_code == 200
    assert province.get(f"/t/sichuan/subordinates/{tree.wangcang.id}").status_code == 200


def test_staff_without_the_permission_get_403_and_no_nav_item(app, tree):
    add_user(app, tree.guangyuan, "clerk", "staff")
    clerk = client_of(app, tree.guangyuan, "clerk")
    assert clerk.get("/t/guangyuan/subordinates/").status_code == 403
    assert clerk.get(f"/t/guangyuan/subordinates/{tree.jiange.id}").status_code == 403
    # An id that is no descendant stays 404 for them too: a 403 would tell it is one.
    assert clerk.get(f"/t/guangyuan/subordinates/{tree.chengdu.id}").status_code == 404
    assert "/subordinates/" not in nav_links(clerk.get("/t/guangyuan/").get_data(as_text=True))


# --- the cross-tenant read ---------------------------------------------------------------


def cross_reads(app: Flask) -> list[PlatformAuditEvent]:
    with app.app_context():
        return db.session.scalars(select(PlatformAuditEvent).where(
            PlatformAuditEvent.event == "tenancy.cross_tenant_read")
            .order_by(PlatformAuditEvent.seq)).all()


def test_one_audited_cross_tenant_read_per_page(app, tree):
    client = leader_of(app, tree.province)
    before = len(cross_reads(app))
    assert client.get("/t/sichuan/subordinates/").status_code == 200
    events = cross_reads(app)
    assert len(events) == before + 1  # one read for six children, not one each
    assert "sichuan" in events[-1].summary and events[-1].outcome == "success"
    assert events[-1].actor_name == "admin"
    assert client.get(f"/t/sichuan/subordinates/{tree.jiange.id}").status_code == 200
    assert len(cross_reads(app)) == before + 2
    # The empty page reads nobody: no cross-tenant read at all.
    leader_of(app, tree.jiange).get("/t/jiange/subordinates/")
    assert len(cross_reads(app)) == before + 2


def test_the_rollup_read_refuses_writes_in_a_child(app, tree):
    with app.app_context():
        parent = db.session.get(Tenant, tree.guangyuan.id)
        with rollup.reading_subordinates(parent, actor="test"), \
                tenant_context(tree.jiange.id), pytest.raises(CrossTenantWriteRefused):
            db.session.add(Notice(title="偷写", body=""))
            db.session.flush()
        db.session.rollback()
        with rollup.reading_subordinates(parent, actor="test"), \
                tenant_context(tree.jiange.id), pytest.raises(CrossTenantWriteRefused):
            db.session.execute(update(Notice).values(title="偷改"))
        db.session.rollback()


def test_a_failing_figure_source_shows_a_mark_not_an_error(app, activity, monkeypatch):
    tree = activity
    real = rollup.core_activity

    def broken_for_jiange(tenant, since):
        if tenant.id == tree.jiange.id:
            raise RuntimeError("a line's figures are broken")
        return real(tenant, since)

    monkeypatch.setattr(rollup, "core_activity", broken_for_jiange)
    response = leader_of(app, tree.guangyuan).get("/t/guangyuan/subordinates/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert figures(row_html(html, tree.jiange.id)) == {}
    assert figures(row_html(html, tree.cangxi.id))["core.users_active"] == 1


def test_queries_per_child_are_bounded(app, tree):
    """The page's queries grow by a fixed handful per child, not with the data."""
    city, province = leader_of(app, tree.guangyuan), leader_of(app, tree.province)

    def statements(client: FlaskClient, url: str) -> int:
        count = 0

        def counter(*_args: object) -> None:
            nonlocal count
            count += 1

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return count

    # Warm both (caches of hook callers, grants), then measure.
    statements(city, "/t/guangyuan/subordinates/")
    statements(province, "/t/sichuan/subordinates/")
    few = statements(city, "/t/guangyuan/subordinates/")  # 3 listed
    many = statements(province, "/t/sichuan/subordinates/")  # 6 listed
    # 3 core counts + 1 per enabled line reporting figures (jiange: notices) per child.
    assert many - few <= 4 * (6 - 3) + 1, (few, many)


def test_a_cycle_in_the_hierarchy_does_not_loop(app, tree):
    # A hierarchy edited badly: the province under one of its own counties.
    place(app, tree.province, TenantLevel.PROVINCE, tree.jiange)
    html = leader_of(app, tree.province).get("/t/sichuan/subordinates/").get_data(as_text=True)
    listed = dict(rows(html))
    assert tree.province.id not in listed and tree.jiange.id in listed
    city = leader_of(app, tree.guangyuan)
    assert dict(rows(city.get("/t/guangyuan/subordinates/").get_data(as_text=True))) == {
        tree.jiange.id: 1, tree.cangxi.id: 1, tree.wangcang.id: 1, tree.province.id: 2,
        tree.mianyang.id: 3, tree.tongjiang.id: 3}
