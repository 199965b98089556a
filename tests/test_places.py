"""The places registry: its API for plugins, the pages, permissions and tenancy."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.db import db
from core.orgunits.models import OrgUnit, OrgUnitType
from core.orgunits.service import create_unit, deactivate_unit
from core.places import api as places
from core.places.models import Place, PlaceKind
from core.sdk import tenant_context

from test_admin_support import add_user, client_of, relax_second_factor, unit_by_code

ROOT = "510823"  # tenant_a's bureau unit (provisioning names it by region code)


def base(tenant) -> str:
    return f"/t/{tenant.slug}/places"


def station(code: str = "ST1", name: str = "城关司法所") -> OrgUnit:
    return create_unit(name, code, OrgUnitType.STATION, parent=unit_by_code(ROOT))


def place_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Place))


def errors_of(html: str, field: str) -> list[str]:
    """The messages shown beside one form field."""
    block = re.search(rf'name="{field}"(.*?)(?=<div class="mb-3">|<button)', html, re.S)
    assert block, field
    return re.findall(r'class="invalid-feedback[^"]*">([^<]*)<', block.group(1))


def field_invalid(html: str, field: str) -> bool:
    return bool(re.search(rf'<(input|select|textarea)[^>]*class="[^"]*is-invalid[^"]*"'
                          rf'[^>]*name="{field}"|<(input|select|textarea)[^>]*name="{field}"'
                          rf'[^>]*class="[^"]*is-invalid', html))


# --- API ---------------------------------------------------------------------------------


def test_create_validates_and_normalises(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        unit = station()
        place = places.create(kind="village", name=" 新华村 ", town="城关镇 ",
                              org_unit_id=str(unit.id), code="5108230010",
                              contact_phone="0839-6600000 转 8")
        assert (place.kind, place.name, place.town, place.org_unit_id) == (
            PlaceKind.VILLAGE, "新华村", "城关镇", unit.id)
        assert place.active and place.full_name == "城关镇新华村"
        assert places.get(place.id) is place and places.get(None) is None
        assert places.get("x") is None and places.get(1) is None

        with pytest.raises(places.PlaceInvalid) as caught:
            places.create(kind="farm", name="", town="镇" * 101, code="有 空格",
                          contact_phone="call me", address="址" * 201,
                          contact_name="人" * 51, org_unit_id=999)
        assert set(caught.value.errors) == {"kind", "name", "town", "code", "contact_phone",
                                            "address", "contact_name", "org_unit_id"}
        with pytest.raises(places.PlaceInvalid) as caught:
            places.create(kind="village", name="村" * 101)
        assert set(caught.value.errors) == {"name"}
        with pytest.raises(TypeError):
            places.create(kind="village", name="新民村", colour="red")
        assert place_count() == 1


def test_duplicates_are_refused_per_kind_and_town(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        first = places.create(kind="village", name="新华村", town="城关镇")
        with pytest.raises(places.PlaceInvalid) as caught:
            places.create(kind=PlaceKind.VILLAGE, name="新华村", town="城关镇",
                          contact_phone="bad")
        # Both said at once: the duplicate and the other field's problem.
        assert set(caught.value.errors) == {"name", "contact_phone"}
        assert "新华村" in str(caught.value.errors["name"][0])
        assert "城关镇" in str(caught.value.errors["name"][0])
        # The same name in another town, or of another kind, is another place.
        places.create(kind="village", name="新华村", town="普安镇")
        places.create(kind="community", name="新华村", town="城关镇")
        # A deactivated duplicate: the message says to reactivate it.
        places.deactivate(first)
        with pytest.raises(places.PlaceInvalid) as caught:
            places.create(kind="village", name="新华村", town="城关镇")
        assert len(caught.value.errors["name"]) == 2
        # An edit may keep its own key; it may not take another place's.
        second = places.find("village", "普安镇", "新华村")
        places.update(second, notes="村委会在老街")
        with pytest.raises(places.PlaceInvalid):
            places.update(second, town="城关镇")
        assert second.town == "普安镇"  # a refused update changes nothing


def test_org_unit_must_be_an_active_unit_of_this_tenant(app, tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_b):
        foreign_id = create_unit("苍溪某所", "B1", OrgUnitType.STATION,
                                 parent=unit_by_code("510824")).id
        db.session.commit()
    with in_tenant(tenant_a):
        with pytest.raises(places.PlaceInvalid) as caught:
            places.create(kind="school", name="城关中学", org_unit_id=foreign_id)
        assert set(caught.value.errors) == {"org_unit_id"}
        unit, old = station(), station("ST0", "旧司法所")
        place = places.create(kind="school", name="城关中学", org_unit_id=old.id)
        deactivate_unit(old)
        with pytest.raises(places.PlaceInvalid) as caught:
            places.create(kind="school", name="城关小学", org_unit_id=old.id)
        assert "旧司法所" in str(caught.value.errors["org_unit_id"][0])
        # A place keeps a unit deactivated since, until it is given another one.
        places.update(place, contact_name="李校长")
        assert place.org_unit_id == old.id
        places.update(place, org_unit_id=unit.id)
        with pytest.raises(places.PlaceInvalid):
            places.update(place, org_unit_id=old.id)
        places.update(place, org_unit_id=None)
        assert place.org_unit_id is None


def test_search_choices_towns_and_find(app, tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_b):
        places.create(kind="village", name="苍溪村", town="陵江镇")
        db.session.commit()
    with in_tenant(tenant_a):
        a = places.create(kind="village", name="新华村", town="城关镇", address="新华路")
        b = places.create(kind="school", name="城关中学", town="城关镇", code="3151000001")
        c = places.create(kind="enterprise", name="剑门酒业", town="普安镇",
                          contact_name="赵经理")
        d = places.create(kind="community", name="东街社区", town="")
        gone = places.create(kind="village", name="撤并村", town="普安镇")
        places.deactivate(gone)

        def names(statement):
            return [p.name for p in db.session.scalars(statement)]

        # Ordered by town, then name; inactive and other tenants' places left out.
        assert names(places.search()) == ["东街社区", "城关中学", "新华村", "剑门酒业"]
        assert names(places.search(include_inactive=True))[-1] in {"剑门酒业", "撤并村"}
        assert "撤并村" in names(places.search(include_inactive=True))
        assert names(places.search(kind="village")) == ["新华村"]
        assert names(places.search(kind=["school", PlaceKind.ENTERPRISE])) == [
            "城关中学", "剑门酒业"]
        assert names(places.search(town="城关镇")) == ["城关中学", "新华村"]
        assert names(places.search(town="")) == ["东街社区"]
        for text, expected in (("新华", ["新华村"]), ("3151", ["城关中学"]),
                               ("赵经理", ["剑门酒业"]), ("普安", ["剑门酒业"]),
                               ("100%", [])):
            assert names(places.search(text)) == expected, text

        choices = places.choices()
        assert [pid for pid, _label in choices] == [d.id, b.id, a.id, c.id]
        assert dict(choices)[a.id].startswith("城关镇新华村（")
        assert [pid for pid, _ in places.choices(kind="village")] == [a.id]
        assert places.towns() == sorted(["城关镇", "普安镇"])
        assert places.towns(include_inactive=True) == sorted(["城关镇", "普安镇"])
        assert places.find("village", " 城关镇", "新华村 ") is a
        assert places.find("village", "普安镇", "撤并村") is gone
        assert places.find("village", "陵江镇", "苍溪村") is None
        assert places.find("nonsense", "城关镇", "新华村") is None
        places.activate(gone)
        assert gone.active


def test_other_tenants_place_is_not_found(app, tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_b):
        foreign = places.create(kind="village", name="苍溪村", town="陵江镇")
        db.session.commit()
        foreign_id = foreign.id
    with in_tenant(tenant_a):
        assert places.get(foreign_id) is None
        assert places.choices() == []


# --- pages -------------------------------------------------------------------------------


@pytest.fixture
def seeded(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        unit = station()
        ids = {
            "village": places.create(kind="village", name="新华村", town="城关镇",
                                     org_unit_id=unit.id).id,
            "school": places.create(kind="school", name="城关中学", town="城关镇").id,
            "enterprise": places.create(kind="enterprise", name="剑门酒业",
                                        town="普安镇").id,
            "gone": places.create(kind="village", name="撤并村", town="普安镇").id,
            "unit": unit.id,
        }
        places.deactivate(places.get(ids["gone"]))
        db.session.commit()
    return ids


def listed(html: str) -> list[str]:
    return re.findall(r'data-testid="place-row" data-place-id="(\d+)"', html)


def kind_counts(html: str) -> dict[str, int]:
    return {k: int(n) for k, n in re.findall(
        r'data-testid="kind-count" data-kind="([a-z]*)">(\d+)<', html)}


def test_list_filters_and_counts(app, tenant_a, client_a, seeded):
    url = base(tenant_a) + "/"
    html = client_a.get(url).get_data(as_text=True)
    assert set(listed(html)) == {str(seeded[k]) for k in ("village", "school", "enterprise")}
    assert kind_counts(html) == {"": 3, "village": 1, "community": 0, "school": 1,
                                 "enterprise": 1, "other": 0}
    assert "城关司法所" in html  # the responsible unit

    html = client_a.get(url, query_string={"kind": "village"}).get_data(as_text=True)
    assert listed(html) == [str(seeded["village"])]
    html = client_a.get(url, query_string={"kind": "village", "inactive": "1"}).get_data(
        as_text=True)
    assert set(listed(html)) == {str(seeded["village"]), str(seeded["gone"])}
    assert kind_counts(html)["village"] == 2
    html = client_a.get(url, query_string={"town": "城关镇"}).get_data(as_text=True)
    assert set(listed(html)) == {str(seeded["village"]), str(seeded["school"])}
    assert kind_counts(html)["enterprise"] == 0
    html = client_a.get(url, query_string={"q": "酒业"}).get_data(as_text=True)
    assert listed(html) == [str(seeded["enterprise"])]
    html = client_a.get(url, query_string={"q": "没有的", "kind": "bogus", "page": "x"})
    assert html.status_code == 200
    assert 'data-testid="places-none"' in html.get_data(as_text=True)


def test_list_paginates(app, tenant_a, client_a, in_tenant):
    with in_tenant(tenant_a):
        for number in range(55):
            places.create(kind="enterprise", name=f"企业{number:02d}", town="城关镇")
        db.session.commit()
    first = client_a.get(base(tenant_a) + "/").get_data(as_text=True)
    assert len(listed(first)) == 50 and 'data-testid="pagination"' in first
    second = client_a.get(base(tenant_a) + "/", query_string={"page": 2}).get_data(
        as_text=True)
    assert len(listed(second)) == 5
    assert not set(listed(first)) & set(listed(second))


def test_create_shows_errors_beside_fields_and_keeps_input(app, tenant_a, client_a, seeded,
                                                           in_tenant):
    form = {"kind": "village", "name": "新华村", "town": "城关镇", "org_unit_id": "",
            "code": "5108-23", "address": "新华路8号", "contact_name": "王主任",
            "contact_phone": "打电话", "notes": "备注文字"}
    response = client_a.post(base(tenant_a) + "/new", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_invalid(html, "name") and field_invalid(html, "contact_phone")
    assert not field_invalid(html, "address")
    assert any("新华村" in message for message in errors_of(html, "name"))
    for value in ("新华村", "城关镇", "新华路8号", "王主任", "打电话"):
        assert f'value="{value}"' in html, value
    assert "备注文字" in html
    # A unit of another tenant, or a made-up one, is not a choice.
    response = client_a.post(base(tenant_a) + "/new", data={**form, "name": "新民村",
                                                            "contact_phone": "",
                                                            "org_unit_id": "12345"})
    assert response.status_code == 200 and field_invalid(response.get_data(as_text=True),
                                                         "org_unit_id")
    with in_tenant(tenant_a):
        assert place_count() == 4

    response = client_a.post(base(tenant_a) + "/new", data={
        **form, "name": "新民村", "contact_phone": "0839-6601234",
        "org_unit_id": str(seeded["unit"])})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        place = places.find("village", "城关镇", "新民村")
        assert (place.org_unit_id, place.contact_phone, place.code) == (
            seeded["unit"], "0839-6601234", "5108-23")


def test_edit_page_saves_and_refuses_a_duplicate(app, tenant_a, client_a, seeded, in_tenant):
    url = f"{base(tenant_a)}/{seeded['school']}/edit"
    html = client_a.get(url).get_data(as_text=True)
    assert 'value="城关中学"' in html and 'data-testid="place-status"' in html
    response = client_a.post(url, data={"kind": "school", "name": "城关中学",
                                        "town": "城关镇", "org_unit_id": str(seeded["unit"]),
                                        "contact_name": "李校长"})
    assert response.status_code == 302
    response = client_a.post(url, data={"kind": "village", "name": "新华村", "town": "城关镇",
                                        "org_unit_id": "", "contact_name": "改了"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_invalid(html, "name") and 'value="改了"' in html
    with in_tenant(tenant_a):
        place = places.get(seeded["school"])
        assert (place.kind, place.name, place.contact_name, place.org_unit_id) == (
            PlaceKind.SCHOOL, "城关中学", "李校长", seeded["unit"])


def test_deactivate_and_reactivate(app, tenant_a, client_a, seeded, in_tenant):
    place_id = seeded["enterprise"]
    response = client_a.post(f"{base(tenant_a)}/{place_id}/deactivate")
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert not places.get(place_id).active
        assert place_id not in dict(places.choices())
    assert str(place_id) not in listed(client_a.get(base(tenant_a) + "/").get_data(
        as_text=True))
    assert client_a.get(f"{base(tenant_a)}/{place_id}/deactivate").status_code == 405
    assert client_a.post(f"{base(tenant_a)}/{place_id}/activate").status_code == 302
    with in_tenant(tenant_a):
        assert places.get(place_id).active


def test_changes_are_audited(app, tenant_a, client_a, seeded, in_tenant):
    from core.audit.models import AuditEvent

    client_a.post(f"{base(tenant_a)}/{seeded['school']}/deactivate")
    client_a.post(base(tenant_a) + "/new", data={"kind": "other", "name": "城关农贸市场",
                                                 "town": "城关镇"})
    with in_tenant(tenant_a):
        events = set(db.session.scalars(select(AuditEvent.event).where(
            AuditEvent.event.like("place.%"))))
    assert {"place.deactivate", "place.create"} <= events


def test_other_tenants_place_ids_are_404(app, tenant_a, tenant_b, client_a, in_tenant):
    with in_tenant(tenant_b):
        foreign = places.create(kind="village", name="苍溪村", town="陵江镇").id
        db.session.commit()
    for method, path in (("GET", "edit"), ("POST", "edit"), ("POST", "deactivate"),
                         ("POST", "activate")):
        response = client_a.open(f"{base(tenant_a)}/{foreign}/{path}", method=method,
                                 data={"kind": "village", "name": "偷改"})
        assert response.status_code == 404, (method, path)
    with in_tenant(tenant_b):
        place = places.get(foreign)
        assert place.active and place.name == "苍溪村"
    html = client_a.get(base(tenant_a) + "/", query_string={"inactive": "1"}).get_data(
        as_text=True)
    assert "苍溪村" not in html and "陵江镇" not in html
    assert set(kind_counts(html).values()) == {0}


@pytest.fixture
def role_clients(app, tenant_a):
    relax_second_factor(app, tenant_a)
    for key in ("staff", "leader", "sysadmin", "auditadmin"):
        add_user(app, tenant_a, f"p_{key}", key)
    return lambda key: client_of(app, tenant_a, f"p_{key}")


def test_permissions_by_role(app, tenant_a, seeded, role_clients):
    edit = f"{base(tenant_a)}/{seeded['school']}/edit"
    new_place = {"kind": "village", "name": "越权村", "town": "城关镇"}

    staff = role_clients("staff")
    html = staff.get(base(tenant_a) + "/").get_data(as_text=True)
    assert listed(html) and "/places/new" not in html and "/edit" not in html
    assert f'href="/t/{tenant_a.slug}/places/"' in staff.get(f"/t/{tenant_a.slug}/").get_data(
        as_text=True)  # the menu entry
    assert staff.get(base(tenant_a) + "/new").status_code == 403
    assert staff.post(base(tenant_a) + "/new", data=new_place).status_code == 403
    assert staff.get(edit).status_code == 403
    assert staff.post(f"{base(tenant_a)}/{seeded['school']}/deactivate").status_code == 403
    assert staff.get(base(tenant_a) + "/import").status_code == 403
    assert staff.get(base(tenant_a) + "/template.xlsx").status_code == 403

    auditor = role_clients("auditadmin")
    assert auditor.get(base(tenant_a) + "/").status_code == 403
    assert "/places/" not in auditor.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)

    for key in ("leader", "sysadmin"):
        client = role_clients(key)
        assert client.get(edit).status_code == 200, key
        assert client.post(base(tenant_a) + "/new",
                           data={**new_place, "name": f"{key}村"}).status_code == 302, key


def test_permissions_and_role_templates_are_registered(app):
    from core.access.registry import access_registry

    with app.app_context():
        registry = access_registry()
        assert {"core.places.view", "core.places.manage"} <= set(registry.permissions)
        assert not registry.permissions["core.places.manage"].admin
        templates = registry.templates
        assert "core.places.view" in templates["staff"].permissions
        assert "core.places.manage" not in templates["staff"].permissions
        assert {"core.places.view", "core.places.manage"} <= set(
            templates["leader"].permissions)
        # 三员分立: the administrator roles hold no business permission; the system
        # administrator reaches the registry through core.orgunit.manage.
        assert "core.places.manage" not in templates["sysadmin"].permissions


def test_new_tenant_roles_hold_the_place_permissions(app, tenant_a):
    from core.access.models import Role

    with app.app_context(), tenant_context(tenant_a.id):
        roles = {r.key: set(r.permissions) for r in db.session.scalars(select(Role))}
    assert "core.places.view" in roles["staff"]
    assert {"core.places.view", "core.places.manage"} <= roles["leader"]
