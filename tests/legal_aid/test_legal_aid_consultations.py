"""Consultations over HTTP: recording (visitor or registered person), the list's filters and
channel counts, scope, and turning one into an application in one click."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from core.sdk import db
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models import AidCase, Consultation
from plugins.legal_aid.models.enums import CaseStatus, Channel, ConsultationOutcome
from plugins.legal_aid.workflow import today

from legal_aid_support import in_world, login_as, world  # noqa: F401


def base(world) -> str:
    return f"/t/{world.tenant.slug}/legal_aid"


def consultation_data(world, **overrides: Any) -> dict[str, Any]:
    data = {
        "op": "save", "channel": "hotline", "consulted_on": today().isoformat(),
        "org_unit_id": str(world.centre_id), "visitor_name": "刘女士",
        "visitor_phone": "13900003333", "category": "civil",
        "question": "丈夫去世后公婆不让我继承房屋，怎么办？", "answer": "告知继承法相关规定。",
        "outcome": "answered",
    }
    data.update(overrides)
    return data


def add(world, on: date, channel: Channel, outcome=ConsultationOutcome.ANSWERED,
        unit: int | None = None, **fields: Any) -> int:
    consultation = Consultation(channel=channel, consulted_on=on,
                                org_unit_id=unit or world.centre_id, question="咨询",
                                outcome=outcome, **fields)
    db.session.add(consultation)
    db.session.flush()
    return consultation.id


def row_ids(page: str) -> list[int]:
    return [int(v) for v in re.findall(r'data-consultation-id="(\d+)"', page)]


def test_record_a_consultation(app, world, login_as):
    client = login_as("intake")
    form = client.get(f"{base(world)}/consultations/new")
    assert form.status_code == 200
    # The centre is the default unit.
    assert f'<option selected value="{world.centre_id}">' in form.get_data(as_text=True)
    response = client.post(f"{base(world)}/consultations/new", data=consultation_data(world))
    assert response.status_code == 302
    with in_world(app, world):
        consultation = db.session.scalar(select(Consultation))
        assert consultation.channel is Channel.HOTLINE
        assert consultation.visitor_name == "刘女士"
        assert consultation.category is MatterCategory.CIVIL
        assert consultation.handled_by_id is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "丈夫去世后" in page and 'data-testid="convert"' in page


def test_a_consultation_may_name_a_registered_person(app, world, login_as):
    client = login_as("intake")
    found = client.post(f"{base(world)}/consultations/new", data=consultation_data(
        world, op="find", lookup="张桂兰"))
    assert f'selected value="{world.applicant_id}"' in found.get_data(as_text=True)
    response = client.post(f"{base(world)}/consultations/new", data=consultation_data(
        world, person_id=str(world.applicant_id), visitor_name=""))
    assert response.status_code == 302
    with in_world(app, world):
        assert db.session.scalar(select(Consultation)).person_id == world.applicant_id


def test_bad_consultation_input_keeps_it_and_writes_nothing(app, world, login_as):
    client = login_as("intake")
    response = client.post(f"{base(world)}/consultations/new", data=consultation_data(
        world, question="", consulted_on="2099-01-01", org_unit_id="12345"))
    assert response.status_code == 422
    assert "刘女士" in response.get_data(as_text=True)
    with in_world(app, world):
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0


def test_list_filters_and_counts_by_channel(app, world, login_as):
    day = today()
    with in_world(app, world):
        old = add(world, day - timedelta(days=40), Channel.WINDOW)
        hotline = add(world, day - timedelta(days=2), Channel.HOTLINE)
        hotline2 = add(world, day - timedelta(days=1), Channel.HOTLINE,
                       ConsultationOutcome.REFERRED)
        online = add(world, day, Channel.ONLINE)
        db.session.commit()
    client = login_as("intake")
    page = client.get(f"{base(world)}/consultations/").get_data(as_text=True)
    assert row_ids(page) == [online, hotline2, hotline, old]  # newest first
    since = (day - timedelta(days=7)).isoformat()
    page = client.get(f"{base(world)}/consultations/?from={since}").get_data(as_text=True)
    assert row_ids(page) == [online, hotline2, hotline]
    assert 'data-testid="channel-count-hotline" data-count="2"' in page
    assert 'data-testid="channel-count-window" data-count="0"' in page
    page = client.get(f"{base(world)}/consultations/?from={since}&channel=hotline"
                      "&outcome=referred").get_data(as_text=True)
    assert row_ids(page) == [hotline2]


def test_consultations_are_scoped_to_the_users_units(app, world, login_as):
    with in_world(app, world):
        station = add(world, today(), Channel.WORKSTATION, unit=world.station_id)
        centre = add(world, today(), Channel.WINDOW)
        db.session.commit()
    client = login_as("intake")  # holds the role at the centre only
    assert row_ids(client.get(f"{base(world)}/consultations/").get_data(as_text=True)) == [
        centre]
    assert client.get(f"{base(world)}/consultations/{station}").status_code == 404
    assert client.get(f"{base(world)}/cases/new?consultation={station}").status_code == 404
    assert login_as("director").get(f"{base(world)}/consultations/{station}").status_code == 200
    assert login_as("lawyer").get(f"{base(world)}/consultations/").status_code == 403


def test_turn_a_consultation_into_an_application(app, world, login_as):
    with in_world(app, world):
        cid = add(world, today(), Channel.WINDOW, person_id=world.applicant_id,
                  category=MatterCategory.CIVIL, poverty_ledger=True)
        db.session.commit()
    client = login_as("intake")
    form = client.get(f"{base(world)}/cases/new?consultation={cid}")
    body = form.get_data(as_text=True)
    assert form.status_code == 200
    assert f'selected value="{world.applicant_id}"' in body
    assert f'name="consultation_id" type="hidden" value="{cid}"' in body
    assert 'value="woman" checked' in body
    response = client.post(f"{base(world)}/cases/new", data={
        "op": "save", "consultation_id": str(cid), "route": "apply",
        "org_unit_id": str(world.centre_id), "received_on": today().isoformat(),
        "category": "civil", "summary": "咨询", "person_id": str(world.applicant_id),
        "poverty_ledger": "y", "recipient_groups": ["woman", "elderly"]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with in_world(app, world):
        case = db.session.scalar(select(AidCase))
        consultation = db.session.get(Consultation, cid)
        assert consultation.outcome is ConsultationOutcome.APPLICATION
        assert consultation.case_id == case.id and case.consultation_id == cid
        assert case.poverty_ledger and case.status is CaseStatus.RECEIVED
    detail = client.get(f"{base(world)}/consultations/{cid}").get_data(as_text=True)
    assert 'data-testid="case-link"' in detail and 'data-testid="convert"' not in detail
    # A second conversion goes to the case instead.
    again = client.get(f"{base(world)}/cases/new?consultation={cid}")
    assert again.status_code == 302 and again.headers["Location"].endswith(
        f"/cases/{case.id}")
    case_page = client.get(f"{base(world)}/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="consultation-link"' in case_page


def test_an_anonymous_visitor_becomes_a_new_person(app, world, login_as):
    with in_world(app, world):
        cid = add(world, today(), Channel.HOTLINE, visitor_name="刘女士",
                  visitor_phone="13900003333")
        db.session.commit()
    client = login_as("intake")
    body = client.get(f"{base(world)}/cases/new?consultation={cid}").get_data(as_text=True)
    assert 'value="刘女士"' in body and "13900003333" in body
    response = client.post(f"{base(world)}/cases/new", data={
        "op": "save", "consultation_id": str(cid), "route": "apply",
        "org_unit_id": str(world.centre_id), "received_on": today().isoformat(),
        "category": "civil", "summary": "咨询", "name": "刘女士", "id_type": "other",
        "phone": "13900003333"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with in_world(app, world):
        consultation = db.session.get(Consultation, cid)
        case = db.session.scalar(select(AidCase))
        assert consultation.person_id == case.person_id
        assert case.person.name == "刘女士"

