"""The people registry's pages: masking, search, forms, de-duplication, reveal, timeline."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core import __version__
from core.access.models import Role
from core.access.service import assign_role
from core.app import builtin_modules
from core.audit import api as audit_api
from core.db import db
from core.people import api as people
from core.people.idcard import check_character
from core.people.models import Person
from core.plugins.manager import module_source
from core.sdk import User, enable_plugin, tenant_context
from tenants import plugin as tenants_plugin

from conftest import PASSWORD, TenantFixture, login, make_app
from testkit_plugins import CALLS, calls_of, person_timeline

ID_NUMBER = "11010519491231002X"
MASKED_ID = "110105********002X"
PHONE = "13812345678"
MASKED_PHONE = "138****5678"


def body(response: Any) -> str:
    return response.get_data(as_text=True)


def add_user(app: Flask, tenant: TenantFixture, username: str, *role_keys: str) -> None:
    with app.app_context(), tenant_context(tenant.id):
        user = User(username=username, display_name=username)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        for key in role_keys:
            assign_role(user, db.session.scalar(select(Role).where(Role.key == key)),
                        actor="test")
        db.session.commit()


def client_for(app: Flask, tenant: TenantFixture, username: str, *role_keys: str
               ) -> FlaskClient:
    add_user(app, tenant, username, *role_keys)
    client = app.test_client()
    login(client, tenant, username)
    return client


def add_person(app: Flask, tenant: TenantFixture, **fields: Any) -> int:
    fields.setdefault("name", "张三")
    with app.app_context(), tenant_context(tenant.id):
        person = people.create(**fields)
        db.session.commit()
        return person.id


def count_people(app: Flask, tenant: TenantFixture) -> int:
    with app.app_context(), tenant_context(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Person))


def field_error(page: str, name: str) -> str | None:
    """The error text shown beside form field ``name`` (None when the field has none)."""
    found = re.search(rf'<(?:input|select|textarea)[^>]*\bname="{name}"[^>]*>', page)
    assert found, f"no field {name}"
    if "is-invalid" not in found.group(0):
        return None
    rest = page[found.end():]
    if found.group(0).startswith("<textarea"):
        rest = rest[rest.index("</textarea>"):]
    feedback = re.search(r'<div class="invalid-feedback[^"]*">(.*?)</div>', rest, re.S)
    assert feedback, f"{name} is marked invalid but shows no message"
    return html.unescape(feedback.group(1)).strip()


def field_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert found, f"no input {name}"
    value = re.search(r'\bvalue="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


@pytest.fixture
def staff(app: Flask, tenant_a: TenantFixture) -> FlaskClient:
    """May view and edit people, may not reveal."""
    return client_for(app, tenant_a, "clerk", "staff")


@pytest.fixture
def leader(app: Flask, tenant_a: TenantFixture) -> FlaskClient:
    """May also reveal."""
    return client_for(app, tenant_a, "boss", "leader")


@pytest.fixture
def audit_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict]]:
    """Every core.audit.api.record call, passed on to the real function."""
    calls: list[tuple[str, dict]] = []
    real = audit_api.record

    def spy(event: str, **fields: Any) -> None:
        calls.append((event, fields))
        real(event, **fields)

    monkeypatch.setattr(audit_api, "record", spy)
    return calls


def reveals(calls: list[tuple[str, dict]]) -> list[dict]:
    return [fields for event, fields in calls if event == "person.reveal"]


# --- list, masking, search ---------------------------------------------------------------


def test_list_and_detail_show_masked_numbers_only(app, tenant_a, staff) -> None:
    person_id = add_person(app, tenant_a, id_number=ID_NUMBER, phone=PHONE,
                           address="剑阁县下寺镇", ethnic_group="03")
    listing = body(staff.get(f"/t/{tenant_a.slug}/people/"))
    detail = body(staff.get(f"/t/{tenant_a.slug}/people/{person_id}"))
    for page in (listing, detail):
        assert "张三" in page
        assert MASKED_ID in page and MASKED_PHONE in page
        assert ID_NUMBER not in page and PHONE not in page
        assert ID_NUMBER[6:14] not in page  # the birth date part of the number
    assert "回族" in detail and "剑阁县下寺镇" in detail and "1949-12-31" in detail
    assert f'href="/t/{tenant_a.slug}/people/{person_id}"' in listing


def test_search_by_name_exact_id_number_and_phone(app, tenant_a, staff) -> None:
    add_person(app, tenant_a, name="张三", id_number=ID_NUMBER, phone=PHONE)
    add_person(app, tenant_a, name="李四", phone="0839-5501234")

    def found(query: str) -> set[str]:
        page = body(staff.get(f"/t/{tenant_a.slug}/people/", query_string={"q": query}))
        return set(re.findall(r'/people/\d+">([^<]+)</a>', page))

    assert found("") == {"张三", "李四"}
    assert found("张") == {"张三"}
    assert found(ID_NUMBER) == {"张三"}
    assert found(" 110105 19491231 002x ") == {"张三"}  # typed with spaces, lower-case x
    assert found("138-1234-5678") == {"张三"}
    assert found("08395501234") == {"李四"}
    # Only whole numbers match: a part of one says nothing about who holds it.
    assert found(ID_NUMBER[:10]) == set()
    assert found("5678") == set()
    assert found("%") == set()  # LIKE wildcards are taken literally


def test_list_is_paginated(app, tenant_a, staff) -> None:
    with app.app_context(), tenant_context(tenant_a.id):
        for n in range(23):
            people.create(name=f"当事人{n:02d}")
        db.session.commit()
    first = body(staff.get(f"/t/{tenant_a.slug}/people/"))
    second = body(staff.get(f"/t/{tenant_a.slug}/people/?page=2"))
    rows = re.compile(r'/people/\d+">当事人\d+</a>')
    assert len(rows.findall(first)) == 20 and len(rows.findall(second)) == 3
    assert "?page=2" in first


# --- permissions -------------------------------------------------------------------------


def test_nav_item_and_pages_only_for_permitted_users(app, tenant_a, staff) -> None:
    person_id = add_person(app, tenant_a)
    outsider = client_for(app, tenant_a, "auditor", "auditadmin")
    home = body(outsider.get(f"/t/{tenant_a.slug}/"))
    assert f'href="/t/{tenant_a.slug}/people/"' not in home
    for url in ("/people/", "/people/new", f"/people/{person_id}", f"/people/{person_id}/edit"):
        assert outsider.get(f"/t/{tenant_a.slug}{url}").status_code == 403, url
    assert outsider.post(f"/t/{tenant_a.slug}/people/new", data={"name": "x"}).status_code == 403
    assert count_people(app, tenant_a) == 1

    assert f'href="/t/{tenant_a.slug}/people/"' in body(staff.get(f"/t/{tenant_a.slug}/"))


def test_unknown_or_other_tenants_person_is_404(app, tenant_a, tenant_b, leader) -> None:
    theirs = add_person(app, tenant_b, name="苍溪的人", id_number=ID_NUMBER)
    for method, url in (("GET", f"/people/{theirs}"), ("GET", f"/people/{theirs}/edit"),
                        ("POST", f"/people/{theirs}/edit"), ("POST", f"/people/{theirs}/reveal"),
                        ("GET", "/people/123456789")):
        response = leader.open(f"/t/{tenant_a.slug}{url}", method=method,
                               data={"field": "id_number", "reason": "核实身份信息"})
        assert response.status_code == 404, url
        assert "苍溪的人" not in body(response)


# --- the form ----------------------------------------------------------------------------


def test_register_a_person_derives_birth_date_and_gender(app, tenant_a, staff) -> None:
    response = staff.post(f"/t/{tenant_a.slug}/people/new", data={
        "name": " 王五 ", "id_type": "resident_id", "id_number": "11010519491231002x",
        "phone": "138 1234 5678", "ethnic_group": "01", "address": "剑阁县"})
    assert response.status_code == 302
    person_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context(), tenant_context(tenant_a.id):
        person = people.get(person_id)
        assert person.name == "王五"
        assert person.id_number.reveal() == ID_NUMBER
        assert person.phone.reveal() == PHONE
        assert str(person.birth_date) == "1949-12-31" and person.gender == "2"


def test_invalid_input_shows_errors_beside_fields_and_keeps_what_was_typed(
        app, tenant_a, staff) -> None:
    bad_id = ID_NUMBER[:17] + "1"
    page = body(staff.post(f"/t/{tenant_a.slug}/people/new", data={
        "name": "赵六", "id_type": "resident_id", "id_number": bad_id, "phone": "12345",
        "address": "某地"}))
    assert "校验位" in field_error(page, "id_number")
    assert field_error(page, "phone")
    assert field_error(page, "name") is None
    assert field_value(page, "name") == "赵六"
    assert field_value(page, "id_number") == bad_id
    assert field_value(page, "phone") == "12345"
    assert "某地" in page
    assert count_people(app, tenant_a) == 0


def test_impossible_date_and_mismatching_gender(app, tenant_a, staff) -> None:
    first17 = "11010519990230123"
    page = body(staff.post(f"/t/{tenant_a.slug}/people/new", data={
        "name": "赵六", "id_number": first17 + check_character(first17)}))
    assert "出生日期" in field_error(page, "id_number")

    page = body(staff.post(f"/t/{tenant_a.slug}/people/new", data={
        "name": "赵六", "id_number": ID_NUMBER, "gender": "1", "birth_date": "1950-01-01"}))
    assert field_error(page, "gender") and field_error(page, "birth_date")
    assert field_error(page, "id_number") is None
    assert count_people(app, tenant_a) == 0


def test_other_id_type_is_checked_lightly(app, tenant_a, staff) -> None:
    page = body(staff.post(f"/t/{tenant_a.slug}/people/new", data={
        "name": "Tom", "id_type": "passport", "id_number": "E1"}))
    assert field_error(page, "id_number")
    response = staff.post(f"/t/{tenant_a.slug}/people/new", data={
        "name": "Tom", "id_type": "passport", "id_number": "e12345678"})
    assert response.status_code == 302
    with app.app_context(), tenant_context(tenant_a.id):
        assert people.find_by_id_number("passport", "E12345678").name == "Tom"
        assert people.find_by_id_number("resident_id", "E12345678") is None


def test_duplicate_id_number_is_refused_with_a_link(app, tenant_a, staff) -> None:
    existing = add_person(app, tenant_a, name="张三", id_number=ID_NUMBER)
    page = body(staff.post(f"/t/{tenant_a.slug}/people/new", data={
        "name": "张三丰", "id_number": " 110105 19491231 002x"}))
    assert field_error(page, "id_number")
    link = re.search(r'<a href="([^"]+)" data-testid="duplicate-link">([^<]+)</a>', page)
    assert link and link.group(1) == f"/t/{tenant_a.slug}/people/{existing}"
    assert link.group(2) == "张三"
    assert field_value(page, "name") == "张三丰"
    # Also when another field is wrong too: the user learns both at once.
    page = body(staff.post(f"/t/{tenant_a.slug}/people/new", data={
        "name": "张三丰", "id_number": ID_NUMBER, "phone": "123"}))
    assert field_error(page, "phone") and 'data-testid="duplicate-link"' in page
    assert count_people(app, tenant_a) == 1


def test_same_id_number_in_another_tenant_is_not_a_duplicate(app, tenant_a, tenant_b,
                                                              staff) -> None:
    add_person(app, tenant_b, name="苍溪的人", id_number=ID_NUMBER)
    response = staff.post(f"/t/{tenant_a.slug}/people/new",
                          data={"name": "张三", "id_number": ID_NUMBER})
    assert response.status_code == 302
    assert count_people(app, tenant_a) == 1 and count_people(app, tenant_b) == 1


def test_edit_never_shows_plaintext_and_blank_keeps_the_numbers(app, tenant_a, staff) -> None:
    person_id = add_person(app, tenant_a, id_number=ID_NUMBER, phone=PHONE)
    page = body(staff.get(f"/t/{tenant_a.slug}/people/{person_id}/edit"))
    assert ID_NUMBER not in page and PHONE not in page
    assert MASKED_ID in page and MASKED_PHONE in page
    assert field_value(page, "id_number") == "" and field_value(page, "phone") == ""
    assert field_value(page, "name") == "张三"

    response = staff.post(f"/t/{tenant_a.slug}/people/{person_id}/edit", data={
        "name": "张三", "id_type": "resident_id", "id_number": "", "phone": "",
        "address": "新地址"})
    assert response.status_code == 302
    response = staff.post(f"/t/{tenant_a.slug}/people/{person_id}/edit", data={
        "name": "张三", "id_type": "resident_id", "phone": "010-62345678"})
    assert response.status_code == 302
    with app.app_context(), tenant_context(tenant_a.id):
        person = people.get(person_id)
        assert person.id_number.reveal() == ID_NUMBER
        assert person.phone.reveal() == "010-62345678"
        assert person.address == ""  # the second post left it empty, as a form does


def test_edit_to_someone_elses_number_is_refused(app, tenant_a, staff) -> None:
    add_person(app, tenant_a, name="张三", id_number=ID_NUMBER)
    other = add_person(app, tenant_a, name="李四")
    page = body(staff.post(f"/t/{tenant_a.slug}/people/{other}/edit",
                           data={"name": "李四", "id_number": ID_NUMBER}))
    assert field_error(page, "id_number") and 'data-testid="duplicate-link"' in page
    with app.app_context(), tenant_context(tenant_a.id):
        assert people.get(other).id_number is None


def test_changing_the_type_revalidates_the_kept_number(app, tenant_a, staff) -> None:
    person_id = add_person(app, tenant_a, id_type="other", id_number="ABC-123")
    page = body(staff.post(f"/t/{tenant_a.slug}/people/{person_id}/edit",
                           data={"name": "张三", "id_type": "resident_id"}))
    assert field_error(page, "id_number")


# --- reveal ------------------------------------------------------------------------------


def test_reveal_form_only_for_permitted_users(app, tenant_a, staff, leader) -> None:
    person_id = add_person(app, tenant_a, id_number=ID_NUMBER)
    url = f"/t/{tenant_a.slug}/people/{person_id}"
    assert 'data-testid="reveal-card"' not in body(staff.get(url))
    assert 'data-testid="reveal-card"' in body(leader.get(url))


def test_reveal_requires_the_permission(app, tenant_a, staff, audit_calls) -> None:
    person_id = add_person(app, tenant_a, id_number=ID_NUMBER)
    response = staff.post(f"/t/{tenant_a.slug}/people/{person_id}/reveal",
                          data={"field": "id_number", "reason": "核实当事人身份"})
    assert response.status_code == 403
    assert ID_NUMBER not in body(response)
    assert reveals(audit_calls) == []


@pytest.mark.parametrize("reason", ["", "   ", "看看"])
def test_reveal_requires_a_reason(app, tenant_a, leader, audit_calls, reason: str) -> None:
    person_id = add_person(app, tenant_a, id_number=ID_NUMBER)
    response = leader.post(f"/t/{tenant_a.slug}/people/{person_id}/reveal",
                           data={"field": "id_number", "reason": reason})
    page = body(response)
    assert response.status_code == 200
    assert field_error(page, "reason")
    assert ID_NUMBER not in page and MASKED_ID in page
    assert reveals(audit_calls) == []


def test_reveal_shows_the_plaintext_once_and_is_audited(app, tenant_a, leader,
                                                       audit_calls) -> None:
    person_id = add_person(app, tenant_a, id_number=ID_NUMBER, phone=PHONE)
    url = f"/t/{tenant_a.slug}/people/{person_id}"
    response = leader.post(f"{url}/reveal",
                           data={"field": "id_number", "reason": "核实法律援助申请人身份"})
    page = body(response)
    assert response.status_code == 200
    assert f'<mark data-testid="revealed-id_number">{ID_NUMBER}</mark>' in page
    assert PHONE not in page and MASKED_PHONE in page  # only the field asked for
    assert "no-store" in response.headers["Cache-Control"]
    assert reveals(audit_calls) == [{
        "target_type": "people", "target_id": person_id, "summary": f"id_number: {MASKED_ID}",
        "details": {"reason": "核实法律援助申请人身份", "field": "id_number"}, "security": True}]

    # Nowhere else: the next view of the page, the list, the edit form.
    for again in (url, f"/t/{tenant_a.slug}/people/", f"{url}/edit"):
        assert ID_NUMBER not in body(leader.get(again)), again

    response = leader.post(f"{url}/reveal", data={"field": "phone", "reason": "联系当事人"})
    assert f'<mark data-testid="revealed-phone">{PHONE}</mark>' in body(response)
    assert ID_NUMBER not in body(response)
    assert [r["details"]["field"] for r in reveals(audit_calls)] == ["id_number", "phone"]


def test_reveal_of_an_empty_field(app, tenant_a, leader, audit_calls) -> None:
    person_id = add_person(app, tenant_a, id_number=ID_NUMBER)
    page = body(leader.post(f"/t/{tenant_a.slug}/people/{person_id}/reveal",
                            data={"field": "phone", "reason": "联系当事人"}))
    assert field_error(page, "field")
    assert reveals(audit_calls) == []


def test_failing_audit_shows_nothing(app, tenant_a, leader, monkeypatch) -> None:
    person_id = add_person(app, tenant_a, id_number=ID_NUMBER)

    def broken(event: str, **fields: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit_api, "record", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = leader.post(f"/t/{tenant_a.slug}/people/{person_id}/reveal",
                               data={"field": "id_number", "reason": "核实当事人身份"})
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    assert ID_NUMBER not in body(response)


# --- the SDK API -------------------------------------------------------------------------


def test_get_or_create_reuses_a_person(app, tenant_a, in_tenant) -> None:
    from core.sdk import people as sdk_people

    with in_tenant(tenant_a):
        first, created = sdk_people.get_or_create(name="张三", id_number=ID_NUMBER,
                                                  phone=PHONE)
        assert created
        again, created = sdk_people.get_or_create(name="张叁", id_number=ID_NUMBER.lower())
        assert not created and again.id == first.id and again.name == "张三"
        legacy, created = sdk_people.get_or_create(name="张三", id_number="110105491231002")
        assert not created and legacy.id == first.id  # the 15-digit form finds the 18
        nobody, created = sdk_people.get_or_create(name="无证件")
        assert created and nobody.id != first.id
        assert [p.id for p in sdk_people.find_by_phone("+86 138 1234 5678")] == [first.id]
        with pytest.raises(sdk_people.PersonInvalid) as caught:
            sdk_people.create(name="", id_number="123")
        assert set(caught.value.errors) == {"name", "id_number"}
        with pytest.raises(sdk_people.DuplicatePerson) as caught:
            sdk_people.create(name="又一个", id_number=ID_NUMBER)
        assert caught.value.existing.id == first.id
        converted = sdk_people.create(name="老证", id_number="510823880715001",
                                      allow_legacy=True)
        assert converted.id_number.reveal() == "51082319880715001" + check_character(
            "51082319880715001")


# --- the person_records hook -------------------------------------------------------------


@pytest.fixture
def timeline_app(app: Flask, database_url: str, tenant_a: TenantFixture) -> Iterator[Flask]:
    sources = [module_source(m, version=__version__)
               for m in [*builtin_modules(), tenants_plugin]]
    sources.append(module_source(person_timeline, builtin=False))
    application = make_app(database_url, PLUGIN_SOURCES=sources)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_timeline_from_the_person_records_hook(timeline_app, tenant_a) -> None:
    app = timeline_app
    person_id = add_person(app, tenant_a, name="张三")
    client = client_for(app, tenant_a, "clerk", "staff")
    url = f"/t/{tenant_a.slug}/people/{person_id}"

    CALLS.clear()
    page = body(client.get(url))
    assert person_timeline.LINE not in page  # the plugin is not enabled for the tenant
    assert calls_of(person_timeline.NAME) == []

    with app.app_context():
        enable_plugin(_tenant(tenant_a), person_timeline.NAME)
        db.session.commit()
    page = body(client.get(url))
    assert calls_of(person_timeline.NAME) == [("person_records", tenant_a.slug)]
    timeline = page[page.index('data-testid="person-timeline"'):]
    newer, older = timeline.index("Kit case of 张三"), timeline.index("Kit older case")
    assert newer < older  # newest first
    assert '<a href="/kit/case/1">Kit case of 张三</a>' in timeline
    start = page.index('data-testid="person-lines"')
    lines = page[start:page.index("</p>", start)]
    assert lines.count(person_timeline.LINE) == 1  # one line, however many records


def _tenant(fixture: TenantFixture):
    from core.sdk import Tenant

    return db.session.get(Tenant, fixture.id)


def test_no_table_of_the_database_holds_the_plaintext(app, tenant_a, leader) -> None:
    """After registering, editing and revealing through the pages (which the audit log
    records), a dump of every table contains neither number in plaintext."""
    response = leader.post(f"/t/{tenant_a.slug}/people/new", data={
        "name": "张三", "id_number": ID_NUMBER, "phone": PHONE, "address": "剑阁县"})
    person_url = response.headers["Location"]
    assert leader.post(f"{person_url}/edit", data={
        "name": "张三", "id_type": "resident_id", "phone": "13987654321"}).status_code == 302
    for field in ("id_number", "phone"):
        assert leader.post(f"{person_url}/reveal",
                           data={"field": field, "reason": "核实当事人身份"}).status_code == 200
    with app.app_context(), db.engine.connect() as connection:
        existing = set(db.inspect(db.engine).get_table_names())
        dump = repr([list(connection.execute(select(table)))
                     for table in db.metadata.sorted_tables if table.name in existing])
    assert "张三" in dump  # the dump does see the data
    assert "person.reveal" in dump and "核实当事人身份" in dump  # and the audit log
    for secret in (ID_NUMBER, PHONE, "13987654321", "19491231"):
        assert secret not in dump, secret
