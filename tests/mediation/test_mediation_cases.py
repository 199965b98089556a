"""The case pages over HTTP: the list and its scope, intake (good and bad input), and every
workflow action of the case page, including the refusals the law requires."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from core.people.idcard import check_character
from core.sdk import Person, db
from plugins.mediation.models import (
    Agreement,
    Case,
    CaseParty,
    JudicialConfirmation,
    MediationSession,
    ReturnVisit,
    StatusChange,
    Transfer,
)
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseStatus,
    ConfirmationResult,
    Performance,
    TransferDirection,
)
from plugins.mediation.workflow import today

from mediation_support import add_agreement, add_session, drive_case, login_as, world  # noqa: F401

S = CaseStatus


def resident_id(body: str) -> str:
    """A valid 18-digit number from its first 17 digits."""
    return body + check_character(body)


def message(app, text: str, **values: Any) -> str:
    """``text`` as the user sees it (translated once the catalog has it), HTML-escaped."""
    with app.test_request_context():
        return html.escape(gettext(text, **values))


def base(world) -> str:
    return f"/t/{world.tenant.slug}/mediation/cases"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def intake_data(world, **overrides: Any) -> dict[str, Any]:
    data = {
        "op": "save", "source": "application", "committee_id": world.committee_id,
        "applied_on": "2026-03-02", "dispute_type_id": world.dispute_type_id,
        "summary": "双方因宅基地边界围墙发生争执。", "request": "请求调解围墙边界",
        "people_involved": "2", "difficulty": "ordinary", "place_detail": "城关镇新华村三组",
        "parties-0-role": "applicant", "parties-0-name": "赵大山",
        "parties-0-id_type": "resident_id",
        "parties-0-id_number": resident_id("51082319800101001"),
        "parties-0-phone": "13800001111", "parties-0-address": "新华村三组12号",
        "parties-1-role": "respondent", "parties-1-name": "钱小河",
        "parties-1-id_type": "resident_id",
        "parties-1-id_number": resident_id("51082319820202002"),
        "parties-1-address": "新华村三组14号",
    }
    data.update(overrides)
    return data


def input_tag(body: str, name: str) -> str:
    pattern = r'<(?:input|select|textarea)[^>]*name="' + re.escape(name) + r'"[^>]*>'
    found = re.search(pattern, body)
    assert found, f"no field {name}"
    return found.group(0)


# --- intake ------------------------------------------------------------------------------


def test_intake_registers_an_application_with_two_new_parties(app, in_tenant, world,
                                                               login_as) -> None:
    client = login_as("station")
    assert client.get(f"{base(world)}/new").status_code == 200
    response = client.post(f"{base(world)}/new", data=intake_data(world))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with in_tenant(world.tenant):
        case = db.session.scalar(select(Case))
        assert case.status is S.APPLIED and case.number is None
        assert [p.person.name for p in case.parties] == ["赵大山", "钱小河"]
        assert case.parties[0].person.id_number.reveal().startswith("510823198001010")
        assert case.history[0].to_status is S.APPLIED
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "赵大山" in page and "钱小河" in page
    # The ID number and the phone print masked on the case page.
    assert resident_id("51082319800101001") not in page and "13800001111" not in page


def test_intake_accept_now_issues_the_number_and_records_a_referral(app, in_tenant, world,
                                                                     login_as) -> None:
    client = login_as("station")
    response = client.post(f"{base(world)}/new", data=intake_data(
        world, accept_now="y", source="referral", referred_by="court",
        referring_organ="剑阁县人民法院", referral_number="（2026）川0823民诉前调12号",
        referred_on="2026-03-01"))
    assert response.status_code == 302
    with in_tenant(world.tenant):
        case = db.session.scalar(select(Case))
        assert case.status is S.ACCEPTED and case.number and "第1号" in case.number
        assert case.due_on == date(2026, 4, 2)
        transfer = db.session.scalar(select(Transfer))
        assert transfer.direction is TransferDirection.IN and transfer.organ == "剑阁县人民法院"
        assert transfer.document_number.startswith("（2026）")


def test_a_mediator_cannot_accept_at_intake(app, in_tenant, world, login_as) -> None:
    client = login_as("mediator")
    body = client.post(f"{base(world)}/new", data=intake_data(world, accept_now="y"))
    assert body.status_code == 200
    with in_tenant(world.tenant):
        assert count(Case) == 0


def test_intake_picks_an_existing_person(app, in_tenant, world, login_as) -> None:
    from core.sdk import people

    with in_tenant(world.tenant):
        known = people.create(name="孙老汉", id_type="resident_id",
                              id_number=resident_id("51082319500505003"))
        db.session.commit()
        known_id = known.id
    client = login_as("station")
    # "Find" re-renders the form with the registry's matches to pick from.
    found = client.post(f"{base(world)}/new", data=intake_data(
        world, op="find", **{"parties-1-lookup": "孙老汉", "parties-1-name": ""}))
    body = found.get_data(as_text=True)
    assert found.status_code == 200 and "孙老汉" in body
    assert f'value="{known_id}" selected' in body or f'selected value="{known_id}"' in body
    response = client.post(f"{base(world)}/new", data=intake_data(
        world, **{"parties-1-person_id": str(known_id), "parties-1-name": "",
                  "parties-1-id_number": ""}))
    assert response.status_code == 302
    with in_tenant(world.tenant):
        case = db.session.scalar(select(Case))
        assert {p.person_id for p in case.parties} >= {known_id}
        assert count(Person) == 4 + 1 + 1  # the world's mediators, 孙老汉, 赵大山


def test_add_party_adds_a_row_and_keeps_the_input(app, world, login_as) -> None:
    client = login_as("station")
    response = client.post(f"{base(world)}/new", data=intake_data(world, op="add_party"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="parties-2-name"' in body and 'value="赵大山"' in body


@pytest.mark.parametrize("change, field, text", [
    ({"parties-1-id_number": "510823198202020020"}, "parties-1-id_number", None),
    ({"parties-1-name": "", "parties-1-id_number": "", "parties-1-address": ""},
     "parties", "A case needs at least two parties."),
    ({"parties-0-phone": "12345"}, "parties-0-phone", None),
    ({"summary": ""}, "summary", None),
    ({"source": "referral"}, "referring_organ", "Name the organ that referred the case."),
])
def test_bad_intake_shows_errors_beside_fields_and_writes_nothing(
        app, in_tenant, world, login_as, change, field, text) -> None:
    client = login_as("station")
    with in_tenant(world.tenant):
        people_before = count(Person)
    response = client.post(f"{base(world)}/new", data=intake_data(world, **change))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    if field != "parties":
        assert "is-invalid" in input_tag(body, field)
    if text:
        assert message(app, text) in body
    # The other party's input is kept.
    assert 'value="赵大山"' in body
    with in_tenant(world.tenant):
        assert count(Case) == 0 and count(CaseParty) == 0 and count(Person) == people_before


def test_a_bad_second_party_rolls_back_the_first(app, in_tenant, world, login_as) -> None:
    """The first party is valid and would be registered; the second's ID number is not."""
    client = login_as("station")
    with in_tenant(world.tenant):
        people_before = count(Person)
    body = client.post(f"{base(world)}/new", data=intake_data(
        world, **{"parties-1-id_number": "51082319820202002X"})).get_data(as_text=True)
    assert "is-invalid" in input_tag(body, "parties-1-id_number")
    assert "is-invalid" not in input_tag(body, "parties-0-id_number")
    with in_tenant(world.tenant):
        assert count(Person) == people_before and count(Case) == 0


def test_intake_refuses_a_committee_outside_scope(app, in_tenant, world, login_as) -> None:
    client = login_as("station")
    response = client.post(f"{base(world)}/new", data=intake_data(
        world, committee_id=world.other_committee_id))
    assert response.status_code == 200
    with in_tenant(world.tenant):
        assert count(Case) == 0


# --- list and scope ----------------------------------------------------------------------


def test_list_shows_cases_in_scope_only_and_filters(app, in_tenant, world, login_as) -> None:
    with in_tenant(world.tenant):
        mine = drive_case(world, S.MEDIATING)
        theirs = drive_case(world, S.ACCEPTED, committee_id=world.other_committee_id,
                            mediator_id=world.other_mediator_id)
        applied = drive_case(world, S.APPLIED)
        db.session.commit()
        mine_id, mine_number, theirs_id = mine.id, mine.number, theirs.id
        theirs_number, applied_id = theirs.number, applied.id
    station = login_as("station")
    body = station.get(f"{base(world)}/").get_data(as_text=True)
    assert mine_number in body and theirs_number not in body
    assert f'data-case-id="{applied_id}"' in body
    assert station.get(f"{base(world)}/{theirs_id}").status_code == 404
    assert station.get(f"{base(world)}/{mine_id}").status_code == 200
    other = login_as("other_station")
    assert other.get(f"{base(world)}/{mine_id}").status_code == 404
    assert theirs_number in other.get(f"{base(world)}/").get_data(as_text=True)
    # Filters: status, text, overdue (the driven cases were accepted in March 2026).
    only = station.get(f"{base(world)}/?status=applied").get_data(as_text=True)
    assert f'data-case-id="{applied_id}"' in only and mine_number not in only
    assert mine_number in station.get(f"{base(world)}/?q=宅基地").get_data(as_text=True)
    late = station.get(f"{base(world)}/?overdue=1").get_data(as_text=True)
    assert (mine_number in late) == (date(2026, 4, 2) < today())
    section = login_as("section").get(f"{base(world)}/").get_data(as_text=True)
    assert mine_number in section and theirs_number in section


def test_other_tenant_case_is_404(app, in_tenant, world, login_as, tenant_b) -> None:
    with in_tenant(world.tenant):
        case = drive_case(world, S.MEDIATING)
        db.session.commit()
        case_id = case.id
    from conftest import login

    client = app.test_client()
    login(client, tenant_b)
    assert client.get(f"/t/{tenant_b.slug}/mediation/cases/{case_id}").status_code == 404
    assert client.post(f"/t/{tenant_b.slug}/mediation/cases/{case_id}/archive").status_code \
        == 404


# --- actions -----------------------------------------------------------------------------


def post(client, world, case_id: int, action: str, data: dict[str, Any]):
    prefixed = {f"{action}-{k}": v for k, v in data.items()}
    return client.post(f"{base(world)}/{case_id}/{action.replace('_', '-')}", data=prefixed)


def status_of(in_tenant, world, case_id: int) -> CaseStatus:
    with in_tenant(world.tenant):
        return db.session.get(Case, case_id).status


def make(in_tenant, world, status: CaseStatus, **kw: Any) -> int:
    with in_tenant(world.tenant):
        case = drive_case(world, status, **kw)
        db.session.commit()
        return case.id


def test_full_walk_through_the_actions(app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.APPLIED)
    client = login_as("station")
    page = client.get(f"{base(world)}/{case_id}").get_data(as_text=True)
    assert 'data-testid="action-accept"' in page and 'data-testid="action-session"' not in page
    r = post(client, world, case_id, "accept", {"accepted_on": "2026-03-03",
                                                "mediator_id": str(world.mediator_id)})
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    with in_tenant(world.tenant):
        case = db.session.get(Case, case_id)
        assert case.status is S.ACCEPTED and case.number and case.due_on == date(2026, 4, 3)
    r = post(client, world, case_id, "start", {"mediator_id": str(world.mediator_id),
                                               "co_mediators": "张德明"})
    assert r.status_code == 303 and status_of(in_tenant, world, case_id) is S.MEDIATING
    r = post(client, world, case_id, "session", {
        "held_at": "2026-03-05T09:30", "location": "新华村调解室", "mediators": "王秀英、张德明",
        "attendees": "张三、李四", "recorder": "张德明", "rights_explained": "y",
        "record": "双方陈述争议经过。"})
    assert r.status_code == 303
    r = post(client, world, case_id, "agreement", {
        "kind": "written", "effective_on": "2026-03-06", "facts": "围墙越界半米。",
        "liabilities": "李四负主要责任。", "terms": "李四十日内拆除越界围墙。",
        "performance_method": "自行拆除", "performance_due": "2026-03-16", "amount": "500",
        "copies": "3"})
    assert r.status_code == 303
    r = post(client, world, case_id, "agreed", {})
    assert r.status_code == 303 and status_of(in_tenant, world, case_id) is S.AGREED
    r = post(client, world, case_id, "confirmation", {
        "applied_on": "2026-03-20", "court": "剑阁县人民法院", "joint": "y"})
    assert r.status_code == 303
    # Archiving waits for the visit and the court.
    r = post(client, world, case_id, "archive", {"archived_on": "2026-04-01"})
    assert r.status_code == 200
    assert message(app, "Record a return visit before archiving an agreed case (Art. 31).") \
        in r.get_data(as_text=True)
    r = post(client, world, case_id, "visit", {
        "visited_on": "2026-03-25", "method": "phone", "performance": "performed",
        "satisfaction": "satisfied", "notes": "已拆除"})
    assert r.status_code == 303
    r = post(client, world, case_id, "archive", {"archived_on": "2026-04-01"})
    assert message(app, "The court has not yet decided on the judicial confirmation.") \
        in r.get_data(as_text=True)
    with in_tenant(world.tenant):
        pending = db.session.scalar(select(JudicialConfirmation))
        pending_id = pending.id
    r = post(client, world, case_id, "confirmation_result", {
        "confirmation_id": str(pending_id), "result": "confirmed", "decided_on": "2026-03-28",
        "ruling_number": "（2026）川0823民特12号"})
    assert r.status_code == 303
    r = post(client, world, case_id, "archive", {"archived_on": "2026-04-01"})
    assert r.status_code == 303 and status_of(in_tenant, world, case_id) is S.ARCHIVED
    with in_tenant(world.tenant):
        case = db.session.get(Case, case_id)
        assert case.agreement.performance is Performance.PERFORMED
        assert case.agreement.performed_on == date(2026, 3, 25)
        assert case.confirmations[0].result is ConfirmationResult.CONFIRMED
        assert [h.to_status for h in case.history] == [S.APPLIED, S.ACCEPTED, S.MEDIATING,
                                                       S.AGREED, S.ARCHIVED]
    page = client.get(f"{base(world)}/{case_id}").get_data(as_text=True)
    assert "李四十日内拆除越界围墙。" in page and 'data-testid="action-' not in page


def test_mark_agreed_refused_without_a_session(app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.MEDIATING)
    with in_tenant(world.tenant):
        add_agreement(db.session.get(Case, case_id), date(2026, 3, 2))
        db.session.commit()
    client = login_as("mediator")
    r = post(client, world, case_id, "agreed", {})
    assert r.status_code == 200
    assert message(app, "Record at least one mediation session first.") in r.get_data(
        as_text=True)
    assert status_of(in_tenant, world, case_id) is S.MEDIATING


def test_written_agreement_needs_article_29_contents(app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.MEDIATING)
    client = login_as("mediator")
    r = post(client, world, case_id, "agreement", {
        "kind": "written", "effective_on": "2026-03-06", "terms": "赔偿五百元。", "copies": "3"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "is-invalid" in input_tag(body, "agreement-facts")
    assert message(app, "A written agreement must state this (Art. 29).") in body
    assert 'data-testid="action-agreement" open' in body
    with in_tenant(world.tenant):
        assert count(Agreement) == 0
    # An oral agreement needs only its terms.
    r = post(client, world, case_id, "agreement", {
        "kind": "oral", "effective_on": "2026-03-06", "terms": "赔偿五百元。", "copies": "1"})
    assert r.status_code == 303


def test_failed_needs_routes_explained(app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.MEDIATING)
    with in_tenant(world.tenant):
        add_session(db.session.get(Case, case_id), date(2026, 3, 3))
        db.session.commit()
    client = login_as("mediator")
    r = post(client, world, case_id, "failed", {"closed_on": "2026-03-10", "note": "分歧大"})
    assert r.status_code == 200
    assert message(app, "Tell the parties about the other routes first (Art. 26).") in \
        r.get_data(as_text=True)
    assert status_of(in_tenant, world, case_id) is S.MEDIATING
    r = post(client, world, case_id, "failed", {"closed_on": "2026-03-10",
                                                "routes_explained": "y"})
    assert r.status_code == 303 and status_of(in_tenant, world, case_id) is S.FAILED


def test_reject_terminate_and_transfer(app, in_tenant, world, login_as) -> None:
    client = login_as("station")
    applied = make(in_tenant, world, S.APPLIED)
    r = post(client, world, applied, "reject", {"decided_on": "2026-03-03"})
    assert r.status_code == 200 and status_of(in_tenant, world, applied) is S.APPLIED
    r = post(client, world, applied, "reject", {"rejection_reason": "not_mediable",
                                                "decided_on": "2026-03-03", "note": "刑事案件"})
    assert r.status_code == 303 and status_of(in_tenant, world, applied) is S.REJECTED

    accepted = make(in_tenant, world, S.ACCEPTED)
    r = post(client, world, accepted, "terminate", {"termination_reason": "party_refused",
                                                    "closed_on": "2026-03-04"})
    assert r.status_code == 303 and status_of(in_tenant, world, accepted) is S.TERMINATED

    mediating = make(in_tenant, world, S.MEDIATING)
    r = post(client, world, mediating, "transfer", {
        "counterpart": "police", "organ": "剑阁县公安局城关派出所", "document_number": "剑调移3号",
        "transferred_on": "2026-03-04", "reason": "涉嫌治安案件"})
    assert r.status_code == 303 and status_of(in_tenant, world, mediating) is S.TRANSFERRED
    with in_tenant(world.tenant):
        out = db.session.scalar(select(Transfer).where(Transfer.case_id == mediating))
        assert out.direction is TransferDirection.OUT and out.organ == "剑阁县公安局城关派出所"


def test_mediator_may_not_take_manage_actions(app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.APPLIED)
    client = login_as("mediator")
    page = client.get(f"{base(world)}/{case_id}").get_data(as_text=True)
    assert 'data-testid="action-accept"' not in page
    r = post(client, world, case_id, "accept", {"accepted_on": "2026-03-03"})
    assert r.status_code == 403
    assert status_of(in_tenant, world, case_id) is S.APPLIED
    # Out of scope: 404, not 403.
    other = login_as("other_station")
    assert post(other, world, case_id, "accept", {"accepted_on": "2026-03-03"}).status_code \
        == 404


def test_an_action_not_open_in_the_status_is_refused(app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.APPLIED)
    client = login_as("station")
    r = post(client, world, case_id, "archive", {"archived_on": "2026-03-03"})
    assert r.status_code == 303
    body = client.get(r.headers["Location"]).get_data(as_text=True)
    assert message(app, "This step is not possible for a case that is “%(status)s”.",
                   status=gettext_label(app, S.APPLIED)) in body
    assert status_of(in_tenant, world, case_id) is S.APPLIED


def gettext_label(app, status: CaseStatus) -> str:
    with app.test_request_context():
        return str(status.label)


def test_accept_before_application_is_refused_and_gives_no_number(app, in_tenant, world,
                                                                   login_as) -> None:
    case_id = make(in_tenant, world, S.APPLIED)
    client = login_as("station")
    r = post(client, world, case_id, "accept", {"accepted_on": "2026-03-01"})
    assert r.status_code == 200
    assert message(app, "The case cannot be accepted before it was applied for.") in \
        r.get_data(as_text=True)
    r = post(client, world, case_id, "accept", {"accepted_on": "2026-03-02"})
    assert r.status_code == 303
    with in_tenant(world.tenant):
        # The refused attempt gave its number back: this is still number 1.
        assert "第1号" in db.session.get(Case, case_id).number


def test_confirmation_after_30_days_or_for_oral_agreement_is_refused(
        app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.AGREED)  # agreement effective 2026-03-02
    client = login_as("mediator")
    late = (date(2026, 3, 2) + timedelta(days=31)).isoformat()
    r = post(client, world, case_id, "confirmation", {"applied_on": late,
                                                      "court": "剑阁县人民法院", "joint": "y"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert message(app, "The parties must apply within 30 days of the agreement taking effect,"
                   " that is by %(day)s (Art. 33).", day="2026-04-01") in body
    assert "is-invalid" in input_tag(body, "confirmation-applied_on")
    # Without the joint application.
    r = post(client, world, case_id, "confirmation", {"applied_on": "2026-03-20",
                                                      "court": "剑阁县人民法院"})
    assert r.status_code == 200
    with in_tenant(world.tenant):
        assert count(JudicialConfirmation) == 0
    # On the 30th day it is accepted.
    r = post(client, world, case_id, "confirmation", {"applied_on": "2026-04-01",
                                                      "court": "剑阁县人民法院", "joint": "y"})
    assert r.status_code == 303
    # An oral agreement cannot be confirmed: the form is not even offered.
    oral = make(in_tenant, world, S.MEDIATING)
    with in_tenant(world.tenant):
        case = db.session.get(Case, oral)
        add_session(case, date(2026, 3, 2))
        add_agreement(case, date(2026, 3, 2), kind=AgreementKind.ORAL)
        db.session.commit()
    assert post(client, world, oral, "agreed", {}).status_code == 303
    page = client.get(f"{base(world)}/{oral}").get_data(as_text=True)
    assert 'data-testid="action-confirmation"' not in page
    r = post(client, world, oral, "confirmation", {"applied_on": "2026-03-10",
                                                   "court": "剑阁县人民法院", "joint": "y"})
    assert r.status_code == 303  # back to the page with the refusal flashed
    with in_tenant(world.tenant):
        assert count(JudicialConfirmation) == 1


def test_extend_edit_and_feedback(app, in_tenant, world, login_as) -> None:
    client = login_as("station")
    case_id = make(in_tenant, world, S.MEDIATING)  # due 2026-04-02
    r = post(client, world, case_id, "extend", {"due_on": "2026-04-01", "reason": "当事人外出"})
    assert r.status_code == 200
    r = post(client, world, case_id, "extend", {"due_on": "2026-04-20", "reason": "当事人外出"})
    assert r.status_code == 303
    r = post(client, world, case_id, "edit", {
        "dispute_type_id": str(world.dispute_type_id), "summary": "修改后的纠纷情况",
        "people_involved": "3", "difficulty": "difficult", "amount_involved": "1200.50"})
    assert r.status_code == 303
    with in_tenant(world.tenant):
        case = db.session.get(Case, case_id)
        assert case.due_on == date(2026, 4, 20) and case.extension_reason == "当事人外出"
        assert case.summary == "修改后的纠纷情况" and case.people_involved == 3
        # A referral, closed: its feedback date.
        db.session.add(Transfer(case_id=case.id, direction=TransferDirection.IN,
                                counterpart="court", organ="剑阁县人民法院",
                                transferred_on=date(2026, 3, 1)))
        add_session(case, date(2026, 3, 3))
        db.session.commit()
    r = post(client, world, case_id, "failed", {"closed_on": "2026-03-10",
                                                "routes_explained": "y"})
    assert r.status_code == 303
    r = post(client, world, case_id, "feedback", {"feedback_on": "2026-03-12"})
    assert r.status_code == 303
    with in_tenant(world.tenant):
        transfer = db.session.scalar(select(Transfer).where(Transfer.case_id == case_id))
        assert transfer.feedback_on == date(2026, 3, 12)


def test_session_before_acceptance_is_refused(app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.MEDIATING)
    client = login_as("mediator")
    r = post(client, world, case_id, "session", {"held_at": "2026-02-01T09:00",
                                                 "mediators": "王秀英", "record": "记录"})
    assert r.status_code == 200
    assert message(app, "A session cannot be held before the case was accepted.") in \
        r.get_data(as_text=True)
    with in_tenant(world.tenant):
        assert count(MediationSession) == 0


def test_empty_posts_never_500(app, in_tenant, world, login_as) -> None:
    from plugins.mediation.views.case_actions import ACTIONS

    client = login_as("section")
    for status in (S.APPLIED, S.MEDIATING, S.AGREED):
        case_id = make(in_tenant, world, status)
        for action in ACTIONS:
            r = client.post(f"{base(world)}/{case_id}/{action.replace('_', '-')}", data={})
            assert r.status_code in (200, 303), (status, action, r.status_code)
    with in_tenant(world.tenant):
        assert count(ReturnVisit) == 0 and count(StatusChange) >= 3


# --- the person's timeline ---------------------------------------------------------------


def grant_people_registry(world, username: str) -> None:
    from core.access.models import Role
    from core.access.service import assign_role
    from core.sdk import User

    user = db.session.scalar(select(User).where(User.username == username))
    assign_role(user, db.session.scalar(select(Role).where(Role.key == "staff")), actor="test")
    db.session.commit()


def test_person_page_lists_cases_in_scope_and_mediator_roles(app, in_tenant, world,
                                                            login_as) -> None:
    from plugins.mediation.models import Mediator

    with in_tenant(world.tenant):
        mine = drive_case(world, S.MEDIATING)
        party_id = mine.parties[0].person_id
        number, mine_id = mine.number, mine.id
        # The same person is a party of a case of the other station too.
        theirs = drive_case(world, S.ACCEPTED, committee_id=world.other_committee_id)
        db.session.add(CaseParty(case_id=theirs.id, person_id=party_id, role="third_party",
                                 sort_order=5))
        mediator_person = db.session.get(Mediator, world.mediator_id).person_id
        their_number = theirs.number
        grant_people_registry(world, "station")
        grant_people_registry(world, "other_station")
    client = login_as("station")
    page = client.get(f"/t/{world.tenant.slug}/people/{party_id}").get_data(as_text=True)
    assert number in page and f"/mediation/cases/{mine_id}" in page
    assert their_number not in page  # outside the station's scope
    other = login_as("other_station").get(
        f"/t/{world.tenant.slug}/people/{party_id}").get_data(as_text=True)
    assert their_number in other and number not in other
    chair = client.get(f"/t/{world.tenant.slug}/people/{mediator_person}").get_data(
        as_text=True)
    assert "城关镇新华村人民调解委员会" in chair
