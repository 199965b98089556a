"""The case list (scope, filters, poverty-ledger priority) and the new application form
(new or registered applicant, a notice, bad input kept with nothing written)."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select

from core.people.idcard import check_character
from core.sdk import Person, db
from plugins.legal_aid.eligibility import Route
from plugins.legal_aid.models import AidCase, Material
from plugins.legal_aid.models.enums import CaseStatus, MaterialStatus
from plugins.legal_aid.workflow import today

from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401

S = CaseStatus


def message(app, text: str, **values: Any) -> str:
    """``text`` as the user sees it (translated once the catalog has it), HTML-escaped."""
    with app.test_request_context():
        return html.escape(gettext(text, **values))


def resident_id(body: str) -> str:
    return body + check_character(body)


def base(world) -> str:
    return f"/t/{world.tenant.slug}/legal_aid/cases"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def application_data(world, **overrides: Any) -> dict[str, Any]:
    data = {
        "op": "save", "route": "apply", "org_unit_id": str(world.centre_id),
        "received_on": (today() - timedelta(days=1)).isoformat(), "category": "civil",
        "matter_kind": "wages", "summary": "在工地务工被拖欠工资三个月。",
        "request": "代理追索劳动报酬", "opposing_party": "剑阁县某建筑公司",
        "name": "王大成", "id_type": "resident_id",
        "id_number": resident_id("51082319700305001"), "phone": "13800002222",
        "address": "剑阁县普安镇", "recipient_groups": ["migrant_worker"],
        "art42": ["migrant_worker"], "art42_proven": ["migrant_worker"],
        "household_size": "4", "monthly_household_income": "2000",
        "check_method": "pledge",
        "materials-0-received": "y", "materials-0-name": "身份证明", "materials-0-copies": "1",
        "materials-1-name": "经济困难状况说明/承诺", "materials-1-copies": "1",
        "materials-2-received": "y", "materials-2-name": "劳动合同复印件",
        "materials-2-copies": "2",
    }
    data.update(overrides)
    return data


def row_ids(page: str) -> list[int]:
    return [int(v) for v in re.findall(r'data-testid="case-row" data-case-id="(\d+)"', page)]


# --- new application ---------------------------------------------------------------------


def test_new_application_registers_a_new_person_and_the_materials(app, world, login_as):
    client = login_as("intake")
    page = client.get(f"{base(world)}/new")
    assert page.status_code == 200
    assert "身份证明" in page.get_data(as_text=True)
    response = client.post(f"{base(world)}/new", data=application_data(world))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with in_world(app, world):
        case = db.session.scalar(select(AidCase))
        assert case.status is S.RECEIVED and case.number is None
        assert case.person.name == "王大成"
        assert case.org_unit_id == world.centre_id
        assert case.recipient_groups == "migrant_worker"
        assert case.art42 == "migrant_worker" and case.art42_proven == "migrant_worker"
        assert case.household_size == 4
        materials = db.session.scalars(select(Material).order_by(Material.id)).all()
        # Only the ticked rows count as received.
        assert [(m.name, m.copies, m.status) for m in materials] == [
            ("身份证明", 1, MaterialStatus.RECEIVED),
            ("劳动合同复印件", 2, MaterialStatus.RECEIVED)]
        assert case.history[0].to_status is S.RECEIVED
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "王大成" in detail and "劳动合同复印件" in detail
    # The ID number prints masked.
    assert resident_id("51082319700305001") not in detail


def test_new_application_with_a_registered_person_ticks_the_implied_groups(app, world,
                                                                            login_as):
    client = login_as("intake")
    found = client.post(f"{base(world)}/new", data=application_data(
        world, op="find", lookup="张桂兰", name="", id_number="", recipient_groups=[]))
    body = found.get_data(as_text=True)
    assert found.status_code == 200
    # The only match is chosen; 张桂兰 (woman, born 1950) gets elderly and woman ticked.
    assert f'selected value="{world.applicant_id}"' in body
    assert 'value="elderly" checked' in body and 'value="woman" checked' in body
    response = client.post(f"{base(world)}/new", data=application_data(
        world, person_id=str(world.applicant_id), name="", id_number="",
        recipient_groups=[]))
    assert response.status_code == 302
    with in_world(app, world):
        case = db.session.scalar(select(AidCase))
        assert case.person_id == world.applicant_id
        assert set(case.recipient_groups.split(",")) == {"elderly", "woman"}
        assert count(Person) == 1  # nobody new registered


def test_bad_input_keeps_every_input_and_writes_nothing(app, world, login_as):
    client = login_as("intake")
    response = client.post(f"{base(world)}/new", data=application_data(
        world, summary="", id_number="51082319700305000", household_size="0",
        art42=[], materials__extra="x"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "王大成" in body and "剑阁县某建筑公司" in body and "13800002222" in body
    assert "劳动合同复印件" in body
    assert message(app, "Proof can only be recorded for a ground that is claimed.") in body
    with in_world(app, world):
        assert count(AidCase) == 0 and count(Material) == 0
        assert count(Person) == 1


def test_an_invalid_id_number_is_refused_beside_the_field(app, world, login_as):
    client = login_as("intake")
    response = client.post(f"{base(world)}/new",
                           data=application_data(world, id_number="51082319700305000"))
    assert response.status_code == 422
    with in_world(app, world):
        assert count(AidCase) == 0 and count(Person) == 1


def test_a_notice_starts_granted_with_its_number(app, world, login_as):
    client = login_as("intake")
    response = client.post(f"{base(world)}/new", data=application_data(
        world, route="notified", category="criminal_defence", matter_kind="wages",
        notifying_organ="剑阁县人民法院", notice_number="（2026）川0823刑初5号",
        notice_received_on=today().isoformat(), mandatory_defence=["minor"], art42=[],
        art42_proven=[]))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with in_world(app, world):
        case = db.session.scalar(select(AidCase))
        assert case.route is Route.NOTIFIED and case.status is S.GRANTED
        assert case.number and "法援字第" in case.number
        assert case.notifying_organ == "剑阁县人民法院"
        assert case.matter_kind is None  # criminal: no Art. 31 matter
        assert case.mandatory_defence == "minor"


def test_a_notice_needs_its_organ_and_date(app, world, login_as):
    client = login_as("intake")
    response = client.post(f"{base(world)}/new", data=application_data(
        world, route="notified", notifying_organ="", notice_received_on=""))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message(app, "Name the organ that sent the notice.") in body
    with in_world(app, world):
        assert count(AidCase) == 0


def test_only_intake_may_register(app, world, login_as):
    assert login_as("lawyer").get(f"{base(world)}/new").status_code == 403
    assert login_as("leader").post(f"{base(world)}/new",
                                   data=application_data(world)).status_code == 403


# --- list --------------------------------------------------------------------------------


def test_list_puts_open_poverty_ledger_cases_first(app, world, login_as):
    with in_world(app, world):
        plain = drive_case(world, received_on=date(2026, 3, 5)).id
        ledger = drive_case(world, received_on=date(2026, 3, 1), poverty_ledger=True).id
        closed = drive_case(world, S.CLOSED, received_on=date(2026, 3, 9),
                            poverty_ledger=True).id
        db.session.commit()
    page = login_as("intake").get(f"{base(world)}/").get_data(as_text=True)
    assert row_ids(page) == [ledger, plain, closed]
    assert 'data-testid="poverty-ledger"' in page


def test_list_filters(app, world, login_as):
    with in_world(app, world):
        civil = drive_case(world, received_on=date(2026, 3, 5)).id
        granted = drive_case(world, S.GRANTED, received_on=date(2026, 2, 1)).id
        db.session.commit()
        number = db.session.get(AidCase, granted).number
    client = login_as("reviewer")
    assert row_ids(client.get(f"{base(world)}/?status=granted").get_data(as_text=True)) == [
        granted]
    assert row_ids(client.get(f"{base(world)}/?from=2026-03-01").get_data(as_text=True)) == [
        civil]
    assert row_ids(client.get(f"{base(world)}/", query_string={"q": number})
                   .get_data(as_text=True)) == [granted]
    assert set(row_ids(client.get(f"{base(world)}/?q=张桂兰").get_data(as_text=True))) == {
        civil, granted}
    assert row_ids(client.get(f"{base(world)}/?category=criminal_defence")
                   .get_data(as_text=True)) == []
    assert row_ids(client.get(f"{base(world)}/?route=notified").get_data(as_text=True)) == []


def test_overdue_filter_finds_a_passed_supplement_period(app, world, login_as):
    with in_world(app, world):
        late = drive_case(world, S.INCOMPLETE, received_on=today() - timedelta(days=40)).id
        drive_case(world, received_on=today())
        db.session.commit()
    page = login_as("intake").get(f"{base(world)}/?overdue=1").get_data(as_text=True)
    assert row_ids(page) == [late]


def test_a_lawyer_sees_only_the_cases_assigned_to_them(app, world, login_as):
    with in_world(app, world):
        mine = drive_case(world, S.ASSIGNED, provider="li").id
        theirs = drive_case(world, S.ASSIGNED, provider="zhou").id
        drive_case(world)
        db.session.commit()
    client = login_as("lawyer")
    assert row_ids(client.get(f"{base(world)}/").get_data(as_text=True)) == [mine]
    assert client.get(f"{base(world)}/{theirs}").status_code == 404
    assert client.get(f"{base(world)}/{mine}").status_code == 200
