"""The intake steps of the case page: 一次性告知 (every missing material in one notice),
补正, recording a material, editing the application and its facts, withdrawal (by the
applicant, or 视为撤回 only once the supplement period has passed), and scope."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from core.sdk import db
from plugins.legal_aid.models import AidCase, AidStatusChange, Material
from plugins.legal_aid.models.enums import CaseStatus, MaterialStatus
from plugins.legal_aid.workflow import today

from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401

S = CaseStatus


def message(app, text: str, **values: Any) -> str:
    with app.test_request_context():
        return html.escape(gettext(text, **values))


def url(world, case_id: int, step: str = "") -> str:
    tail = f"/{step.replace('_', '-')}" if step else ""
    return f"/t/{world.tenant.slug}/legal_aid/cases/{case_id}{tail}"


def new_case(app, world, status: CaseStatus = S.RECEIVED, **fields: Any) -> int:
    with in_world(app, world):
        fields.setdefault("received_on", today() - timedelta(days=3))
        case = drive_case(world, status, **fields)
        db.session.commit()
        return case.id


def load(app, world, case_id: int) -> AidCase:
    with in_world(app, world):
        case = db.session.get(AidCase, case_id)
        case.materials  # noqa: B018 (loaded while the session is open)
        db.session.expunge_all()
        return case


def materials(app, world, case_id: int) -> list[tuple[str, MaterialStatus]]:
    with in_world(app, world):
        return [(m.name, m.status) for m in db.session.scalars(
            select(Material).where(Material.case_id == case_id).order_by(Material.id))]


def test_one_notice_lists_every_missing_material_at_once(app, world, login_as):
    case_id = new_case(app, world)
    client = login_as("intake")
    page = client.get(url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="action-materials_missing"' in page
    notice_on = today() - timedelta(days=1)
    response = client.post(url(world, case_id, "materials_missing"), data={
        "materials_missing-notice_on": notice_on.isoformat(),
        "materials_missing-missing": ["身份证明", "经济困难状况说明/承诺"],
        "materials_missing-other": "劳动合同\n\n工资条\n劳动合同"})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    case = load(app, world, case_id)
    assert case.status is S.INCOMPLETE
    assert case.incomplete_notice_on == notice_on
    assert case.supplement_due_on == notice_on + timedelta(days=15)
    assert materials(app, world, case_id) == [
        ("身份证明", MaterialStatus.MISSING), ("经济困难状况说明/承诺", MaterialStatus.MISSING),
        ("劳动合同", MaterialStatus.MISSING), ("工资条", MaterialStatus.MISSING)]
    page = client.get(url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="one-time-notice"' in page and "工资条" in page
    # Once notified, no second notice is offered.
    assert 'data-testid="action-materials_missing"' not in page


def test_a_notice_must_list_something(app, world, login_as):
    case_id = new_case(app, world)
    response = login_as("intake").post(url(world, case_id, "materials_missing"), data={
        "materials_missing-notice_on": today().isoformat(), "materials_missing-other": " "})
    assert response.status_code == 422
    assert message(app, "List every missing material: tick them or type them in.") in \
        response.get_data(as_text=True)
    assert load(app, world, case_id).status is S.RECEIVED
    assert materials(app, world, case_id) == []


def test_supplement_brings_the_application_back_under_review(app, world, login_as):
    case_id = new_case(app, world, S.INCOMPLETE)
    with in_world(app, world):
        db.session.add(Material(case_id=case_id, name="工资条", status=MaterialStatus.MISSING))
        db.session.commit()
        ids = [m.id for m in db.session.scalars(select(Material).where(
            Material.case_id == case_id).order_by(Material.id))]
    client = login_as("intake")
    received = today()
    # Only one of the two: recorded, still incomplete.
    response = client.post(url(world, case_id, "supplement"), data={
        "supplement-received_on": received.isoformat(), "supplement-materials": [str(ids[0])]})
    assert response.status_code == 303
    assert load(app, world, case_id).status is S.INCOMPLETE
    response = client.post(url(world, case_id, "supplement"), data={
        "supplement-received_on": received.isoformat(), "supplement-materials": [str(ids[1])]})
    assert response.status_code == 303
    case = load(app, world, case_id)
    assert case.status is S.RECEIVED and case.supplement_received_on == received
    assert {s for _name, s in materials(app, world, case_id)} == {MaterialStatus.RECEIVED}


def test_supplement_refuses_unknown_or_no_material(app, world, login_as):
    case_id = new_case(app, world, S.INCOMPLETE)
    client = login_as("intake")
    for ticked in ([], ["999999"]):
        response = client.post(url(world, case_id, "supplement"), data={
            "supplement-received_on": today().isoformat(), "supplement-materials": ticked})
        assert response.status_code == 422
    assert load(app, world, case_id).status is S.INCOMPLETE


def test_add_material_marks_a_listed_one_received(app, world, login_as):
    case_id = new_case(app, world, S.INCOMPLETE)
    client = login_as("intake")
    response = client.post(url(world, case_id, "add_material"), data={
        "add_material-name": "经济困难状况说明", "add_material-copies": "2",
        "add_material-received_on": today().isoformat()})
    assert response.status_code == 303
    response = client.post(url(world, case_id, "add_material"), data={
        "add_material-name": "户口簿", "add_material-copies": "1",
        "add_material-received_on": today().isoformat()})
    assert response.status_code == 303
    assert materials(app, world, case_id) == [("经济困难状况说明", MaterialStatus.RECEIVED),
                                              ("户口簿", MaterialStatus.RECEIVED)]


def test_the_applicant_withdraws(app, world, login_as):
    case_id = new_case(app, world)
    response = login_as("intake").post(url(world, case_id, "withdraw"), data={
        "withdraw-reason": "applicant", "withdraw-withdrawn_on": today().isoformat(),
        "withdraw-note": "已与对方和解"})
    assert response.status_code == 303
    case = load(app, world, case_id)
    assert case.status is S.WITHDRAWN and case.withdrawn_on == today()
    with in_world(app, world):
        note = db.session.scalar(select(AidStatusChange.note).where(
            AidStatusChange.case_id == case_id, AidStatusChange.to_status == S.WITHDRAWN))
    assert "已与对方和解" in note


def test_deemed_withdrawal_only_after_the_supplement_period(app, world, login_as):
    client = login_as("intake")
    # Notified 3 days ago: the 15 days are still running.
    early = new_case(app, world, S.INCOMPLETE, received_on=today() - timedelta(days=3))
    response = client.post(url(world, early, "withdraw"), data={
        "withdraw-reason": "deemed", "withdraw-withdrawn_on": today().isoformat()})
    assert response.status_code == 422
    assert message(app, "An application counts as withdrawn only after the period to supply "
                   "the missing materials has passed.") in response.get_data(as_text=True)
    assert load(app, world, early).status is S.INCOMPLETE
    # Notified 30 days ago: due 15 days ago.
    late = new_case(app, world, S.INCOMPLETE, received_on=today() - timedelta(days=30))
    page = client.get(url(world, late)).get_data(as_text=True)
    assert 'data-overdue="true"' in page
    response = client.post(url(world, late, "withdraw"), data={
        "withdraw-reason": "deemed", "withdraw-withdrawn_on": today().isoformat()})
    assert response.status_code == 303
    assert load(app, world, late).status is S.WITHDRAWN
    # Not while the application is complete (no period to miss).
    complete = new_case(app, world)
    response = client.post(url(world, complete, "withdraw"), data={
        "withdraw-reason": "deemed", "withdraw-withdrawn_on": today().isoformat()})
    assert response.status_code == 422


def test_edit_the_application_and_its_facts(app, world, login_as):
    case_id = new_case(app, world)
    client = login_as("intake")
    page = client.get(url(world, case_id)).get_data(as_text=True)
    # The form shows the stored values.
    assert "剑阁县某建筑公司" in page
    response = client.post(url(world, case_id, "edit"), data={
        "edit-summary": "新的案情摘要", "edit-opposing_party": "某劳务公司",
        "edit-matter_kind": "wages", "edit-recipient_groups": ["migrant_worker", "woman"],
        "edit-poverty_ledger": "y", "edit-limitation_on": (today() + timedelta(days=3))
        .isoformat(), "edit-local_categories": ["minimum_living"],
        "edit-local_proven": ["minimum_living"], "edit-household_size": "2",
        "edit-monthly_household_income": "900.50", "edit-check_method": "shared_query"})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    case = load(app, world, case_id)
    assert case.summary == "新的案情摘要" and case.opposing_party == "某劳务公司"
    assert case.recipient_groups == "migrant_worker,woman" and case.poverty_ledger
    assert case.local_categories == "minimum_living" and case.local_proven == "minimum_living"
    assert str(case.monthly_household_income) == "900.50"
    page = client.get(url(world, case_id)).get_data(as_text=True)
    # Fewer than 7 days to the limitation date: the 先行援助 check says so.
    assert 'data-testid="advance-aid-check" data-eligible="true"' in page


def test_edit_refuses_proof_without_a_claim(app, world, login_as):
    case_id = new_case(app, world)
    response = login_as("intake").post(url(world, case_id, "edit"), data={
        "edit-summary": "x", "edit-art42_proven": ["migrant_worker"]})
    assert response.status_code == 422
    assert load(app, world, case_id).summary != "x"


def test_intake_steps_need_the_intake_permission_and_scope(app, world, login_as):
    case_id = new_case(app, world)
    data = {"withdraw-reason": "applicant", "withdraw-withdrawn_on": today().isoformat()}
    # The leader sees the case but may not withdraw it; a lawyer does not see it at all.
    assert login_as("leader").post(url(world, case_id, "withdraw"), data=data).status_code \
        == 403
    assert login_as("lawyer").post(url(world, case_id, "withdraw"), data=data).status_code \
        == 404
    with in_world(app, world):
        station_case = drive_case(world, org_unit_id=world.station_id,
                                  received_on=date(2026, 3, 2)).id
        db.session.commit()
    client = login_as("intake")  # the centre's intake: the station's case is out of scope
    assert client.get(url(world, station_case)).status_code == 404
    assert client.post(url(world, station_case, "withdraw"), data=data).status_code == 404
    assert load(app, world, case_id).status is S.RECEIVED


def test_no_intake_step_on_a_notified_or_granted_case(app, world, login_as):
    case_id = new_case(app, world, S.GRANTED)
    page = login_as("intake").get(url(world, case_id)).get_data(as_text=True)
    for name in ("materials_missing", "supplement", "withdraw", "edit"):
        assert f'data-testid="action-{name}"' not in page
