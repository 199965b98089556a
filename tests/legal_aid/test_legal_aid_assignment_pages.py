"""Assignment on the case page: the ranked pool, the applicant's choice (点援制) checked
against Art. 26, replacement (Art. 55) and the agreement signed by the assignee."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.sdk import db
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models import AidCase, Assignment
from plugins.legal_aid.models.enums import AssignmentMethod, CaseStatus, ReplacementReason

from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401


def case_url(world, case_id: int, action: str = "") -> str:
    base = f"/t/{world.tenant.slug}/legal_aid/cases/{case_id}"
    return f"{base}/{action.replace('_', '-')}" if action else base


def post(client, world, case_id, action, **data):
    return client.post(case_url(world, case_id, action),
                       data={f"{action}-{k}": v for k, v in data.items()})


def make_case(app, world, status=CaseStatus.GRANTED, **fields) -> int:
    with in_world(app, world):
        case = drive_case(world, status, **fields)
        db.session.commit()
        return case.id


def rows(app, world, case_id):
    with in_world(app, world):
        found = list(db.session.scalars(select(Assignment).where(
            Assignment.case_id == case_id).order_by(Assignment.id)))
        case = db.session.get(AidCase, case_id)
        for obj in (*found, case):
            db.session.expunge(obj)
        return case, found


def test_pool_ranking_and_assignment(app, world, login_as):
    case_id = make_case(app, world)
    client = login_as("reviewer")
    page = client.get(case_url(world, case_id)).get_data(as_text=True)
    ids = world.provider_ids
    ranked = re.findall(r'data-testid="candidate" data-provider="(\d+)"', page)
    # Civil speciality first (何静 has more years than 周婷), then 李明 without it.
    assert ranked == [str(ids["he"]), str(ids["zhou"]), str(ids["li"])]
    # The grassroots worker is listed as ineligible with the article that excludes them.
    assert f'data-testid="ineligible" data-provider="{ids["wu"]}"' in page
    response = post(client, world, case_id, "assign", method="pool", provider=ids["li"],
                    assigned_on="2026-03-05", note="")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    case, found = rows(app, world, case_id)
    assert case.status is CaseStatus.ASSIGNED and case.provider_id == ids["li"]
    assert case.assignment_number
    assert len(found) == 1 and found[0].method is AssignmentMethod.POOL
    assert "3" in found[0].rationale.splitlines()[0]  # ranked 3 of 3


def test_choice_of_an_inexperienced_lawyer_for_a_life_or_death_defence(app, world, login_as):
    case_id = make_case(app, world, category=MatterCategory.CRIMINAL_DEFENCE,
                        matter_kind=None, mandatory_defence="life_or_death")
    client = login_as("reviewer")
    page = client.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="assign-senior"' in page
    ids = world.provider_ids
    response = post(client, world, case_id, "assign", method="choice", provider=ids["zhou"],
                    assigned_on="2026-03-05")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "法律援助法第二十六条" in text and "三年以上刑事辩护执业经历" in text
    case, found = rows(app, world, case_id)
    assert case.status is CaseStatus.GRANTED and not found and not case.assignment_number
    response = post(client, world, case_id, "assign", method="choice", provider=ids["li"],
                    assigned_on="2026-03-05")
    assert response.status_code == 303
    case, found = rows(app, world, case_id)
    assert case.provider_id == ids["li"] and found[0].method is AssignmentMethod.CHOICE
    assert "点援制" in found[0].rationale


def test_assign_refuses_bad_input(app, world, login_as):
    case_id = make_case(app, world)
    client = login_as("reviewer")
    assert post(client, world, case_id, "assign", method="pool", provider="",
                assigned_on="2026-03-05").status_code == 422
    assert post(client, world, case_id, "assign", method="pool", provider="999999",
                assigned_on="2026-03-05").status_code == 422
    assert post(client, world, case_id, "assign", method="notified",
                provider=world.provider_ids["li"], assigned_on="2026-03-05").status_code == 422
    assert post(client, world, case_id, "assign", method="pool",
                provider=world.provider_ids["li"], assigned_on="2026-03-01").status_code == 422
    # The intake clerk may not assign.
    assert post(login_as("intake"), world, case_id, "assign", method="pool",
                provider=world.provider_ids["li"], assigned_on="2026-03-05").status_code == 403
    case, found = rows(app, world, case_id)
    assert case.status is CaseStatus.GRANTED and not found


def test_replacement_ends_the_current_assignment(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.IN_PROGRESS)
    client = login_as("reviewer")
    ids = world.provider_ids
    assert post(client, world, case_id, "replace", provider=ids["zhou"],
                reason="provider_unable", replaced_on="2026-03-10").status_code == 422
    response = post(client, world, case_id, "replace", provider=ids["he"],
                    reason="provider_unable", note="周律师生病", replaced_on="2026-03-10")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    case, found = rows(app, world, case_id)
    assert case.status is CaseStatus.IN_PROGRESS and case.provider_id == ids["he"]
    assert [r.provider_id for r in found] == [ids["zhou"], ids["he"]]
    assert found[0].ended_on.isoformat() == "2026-03-10"
    assert found[0].replacement_reason is ReplacementReason.PROVIDER_UNABLE
    assert found[1].ended_on is None and "法律援助法第五十五条" in found[1].rationale
    page = client.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="replacement-reason"' in page and "周律师生病" in page


def test_agreement_by_the_assignee_lawyer(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.ASSIGNED, provider="zhou")
    # Another lawyer does not even see the case.
    assert post(login_as("lawyer"), world, case_id, "agreement",
                signed_on="2026-03-06").status_code == 404
    lawyer = login_as("lawyer2")
    assert 'data-testid="action-agreement"' in lawyer.get(case_url(world, case_id)).get_data(
        as_text=True)
    assert post(lawyer, world, case_id, "agreement", signed_on="2026-03-01",
                excluded_days="0").status_code == 422
    assert post(lawyer, world, case_id, "agreement", signed_on="2026-03-06",
                excluded_days="-1").status_code == 422
    response = post(lawyer, world, case_id, "agreement", signed_on="2026-03-06",
                    excluded_days="1")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    case, _ = rows(app, world, case_id)
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.agreement_signed_on.isoformat() == "2026-03-06"
    assert case.agreement_excluded_days == 1
