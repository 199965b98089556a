"""The legal aid papers: each renders with its number and key contents once the case has
reached the step; a paper that does not apply yet, another tenant's id or a case outside the
user's scope answers 404; the case page links the papers that apply (none for the assignee
lawyer until core's documents take more than one permission)."""

from __future__ import annotations

import html as html_lib
import re

from flask_babel import gettext

from core.sdk import db
from plugins.legal_aid.documents import (
    APPLICATION,
    ASSIGNMENT,
    CLOSURE,
    DECISION,
    TERMINATION,
)
from plugins.legal_aid.models import Material, ProgressNote
from plugins.legal_aid.models.enums import CaseStatus, MaterialStatus, NoteKind

from conftest import login
from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401

S = CaseStatus


def text(app, message: str, **values) -> str:
    with app.test_request_context():
        return html_lib.escape(gettext(message, **values))


def url(world, key: str, case_id: int) -> str:
    return f"/t/{world.tenant.slug}/documents/{key}/{case_id}"


def make(app, world, status: CaseStatus, **fields) -> dict:
    with in_world(app, world):
        case = drive_case(world, status, **fields)
        db.session.commit()
        return {"id": case.id, "number": case.number, "decision": case.decision_number,
                "assignment": case.assignment_number, "termination": case.termination_number}


def test_the_application_form(app, world, login_as) -> None:
    case = make(app, world, S.RECEIVED)
    with in_world(app, world):
        db.session.add(Material(case_id=case["id"], name="身份证复印件",
                                status=MaterialStatus.RECEIVED))
        db.session.add(Material(case_id=case["id"], name="经济困难状况说明表",
                                status=MaterialStatus.MISSING))
        db.session.commit()
    page = login_as("intake").get(url(world, APPLICATION, case["id"]))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for expected in ("张桂兰", "剑阁县某建筑公司", "工资被拖欠三个月", "身份证复印件",
                     "经济困难状况说明表", "1500"):
        assert expected in body
    assert text(app, "Legal aid application form") in body


def test_the_grant_and_refusal_decisions(app, world, login_as) -> None:
    received = make(app, world, S.RECEIVED)
    granted = make(app, world, S.GRANTED)
    refused = make(app, world, S.REFUSED)
    client = login_as("reviewer")
    assert client.get(url(world, DECISION, received["id"])).status_code == 404
    body = client.get(url(world, DECISION, granted["id"])).get_data(as_text=True)
    assert text(app, "Decision to grant legal aid") in body
    assert granted["decision"] in body and granted["number"] in body
    assert "符合经济困难标准" in body
    assert 'data-testid="objection-route"' not in body
    body = client.get(url(world, DECISION, refused["id"])).get_data(as_text=True)
    assert text(app, "Decision not to grant legal aid") in body
    assert refused["decision"] in body and "家庭人均收入高于经济困难标准" in body
    route = re.search(r'data-testid="objection-route">(.*?)</div>', body, re.S).group(1)
    assert "剑阁县司法局" in route  # object to the bureau that set up the centre (Art. 49)
    assert text(app, "If the bureau upholds this decision, you may apply for administrative "
                     "reconsideration or bring an administrative lawsuit according to law.") \
        in route


def test_the_assignment_notice(app, world, login_as) -> None:
    granted = make(app, world, S.GRANTED)
    assigned = make(app, world, S.ASSIGNED, provider="zhou")
    assert login_as("reviewer").get(url(world, ASSIGNMENT, granted["id"])).status_code == 404
    page = login_as("reviewer").get(url(world, ASSIGNMENT, assigned["id"]))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert assigned["assignment"] in body and "四川剑门律师事务所" in body
    assert "周婷" in body and 'data-testid="agreement-due"' in body
    # The assignee (周婷, user lawyer2) prints the notice of their own case; another lawyer
    # of the pool cannot tell the case exists.
    assert login_as("lawyer2").get(url(world, ASSIGNMENT, assigned["id"])).status_code == 200
    assert login_as("lawyer").get(url(world, ASSIGNMENT, assigned["id"])).status_code == 404
    # Papers for staff only stay closed to lawyers.
    assert login_as("lawyer2").get(url(world, APPLICATION, assigned["id"])).status_code == 403


def test_the_termination_decision(app, world, login_as) -> None:
    assigned = make(app, world, S.ASSIGNED)
    terminated = make(app, world, S.TERMINATED)
    client = login_as("reviewer")
    assert client.get(url(world, TERMINATION, assigned["id"])).status_code == 404
    body = client.get(url(world, TERMINATION, terminated["id"])).get_data(as_text=True)
    assert terminated["termination"] in body and "受援人自行委托了律师" in body
    assert "(6)" in body or "（6）" in body
    assert 'data-testid="objection-route"' in body


def test_the_closure_report(app, world, login_as) -> None:
    in_progress = make(app, world, S.IN_PROGRESS)
    ended = make(app, world, S.ENDED, provider="zhou")
    with in_world(app, world):
        from datetime import date

        db.session.add(ProgressNote(case_id=ended["id"], noted_on=date(2026, 3, 10),
                                    kind=NoteKind.MEETING, content="会见受援人核对欠薪清单"))
        db.session.commit()
    assert login_as("reviewer").get(url(world, CLOSURE, in_progress["id"])).status_code == 404
    page = login_as("reviewer").get(url(world, CLOSURE, ended["id"]))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for expected in (ended["number"], "经调解，对方支付全部欠薪", "18000",
                     "会见受援人核对欠薪清单"):
        assert expected in body


def test_out_of_scope_and_other_tenants_ids_are_404(app, world, login_as,
                                                    tenant_b) -> None:
    station = make(app, world, S.GRANTED, org_unit_id=world.station_id)
    assert login_as("reviewer").get(url(world, DECISION, station["id"])).status_code == 404
    assert login_as("director").get(url(world, DECISION, station["id"])).status_code == 200
    other = app.test_client()
    login(other, tenant_b)  # B's admin holds the leader's legal_aid.case.view
    for key in (APPLICATION, DECISION):
        assert other.get(f"/t/{tenant_b.slug}/documents/{key}/{station['id']}") \
            .status_code == 404


def test_the_case_page_links_the_papers_that_apply(app, world, login_as) -> None:
    refused = make(app, world, S.REFUSED)
    closed = make(app, world, S.CLOSED, provider="zhou")
    base = f"/t/{world.tenant.slug}/legal_aid/cases"
    body = login_as("reviewer").get(f"{base}/{refused['id']}").get_data(as_text=True)
    links = re.findall(r'href="([^"]+)"[^>]*data-testid="print-link"', body)
    assert sorted(links) == sorted([url(world, APPLICATION, refused["id"]),
                                    url(world, DECISION, refused["id"])])
    body = login_as("reviewer").get(f"{base}/{closed['id']}").get_data(as_text=True)
    links = re.findall(r'href="([^"]+)"[^>]*data-testid="print-link"', body)
    assert sorted(links) == sorted(url(world, key, closed["id"])
                                   for key in (APPLICATION, DECISION, ASSIGNMENT, CLOSURE))
    # The assignee is offered only the papers they may print: the notice and the report.
    body = login_as("lawyer2").get(f"{base}/{closed['id']}").get_data(as_text=True)
    assert sorted(re.findall(r'href="([^"]+)"[^>]*data-testid="print-link"', body)) == sorted(
        url(world, key, closed["id"]) for key in (ASSIGNMENT, CLOSURE))
