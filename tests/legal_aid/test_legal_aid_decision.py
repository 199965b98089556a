"""The decision area as users see it: the live eligibility review on the case page, grant and
refusal with the engine's rule kept, the objection to the bureau, and termination."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.sdk import db
from plugins.legal_aid.eligibility import CheckMethod
from plugins.legal_aid.models import AidCase, Assignment
from plugins.legal_aid.models.enums import CaseStatus
from plugins.legal_aid.settings import legal_aid_settings
from plugins.legal_aid.workflow import today

from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401

DAY = date(2026, 3, 4)


def case_url(world, case_id: int, action: str = "") -> str:
    base = f"/t/{world.tenant.slug}/legal_aid/cases/{case_id}"
    return f"{base}/{action.replace('_', '-')}" if action else base


def make_case(app, world, status=CaseStatus.RECEIVED, threshold: str | None = "800",
              **fields) -> int:
    with in_world(app, world):
        if threshold is not None:
            legal_aid_settings().set_many({"hardship_threshold": threshold})
        case = drive_case(world, status, **fields)
        db.session.commit()
        return case.id


def load(app, world, case_id: int) -> AidCase:
    with in_world(app, world):
        case = db.session.get(AidCase, case_id)
        db.session.expunge(case)
        return case


def post(client, world, case_id, action, **data):
    return client.post(case_url(world, case_id, action),
                       data={f"{action}-{k}": v for k, v in data.items()})


INCOME_OK = {"check_method": CheckMethod.SHARED_QUERY}


def test_art32_case_shows_its_rule(app, world, login_as):
    case_id = make_case(app, world, art32="abuse_victim", matter_kind=None)
    page = login_as("reviewer").get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-outcome="eligible"' in page
    assert 'data-rule="art32_no_economic_condition"' in page
    assert "法律援助法第三十二条第（四）项" in page
    assert 'data-check="not_required"' in page


def test_art42_case_is_exempt(app, world, login_as):
    case_id = make_case(app, world, art42="assistance_recipient",
                        art42_proven="assistance_recipient")
    page = login_as("reviewer").get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-rule="art42_assistance_recipient"' in page
    assert "法律援助法第四十二条第（二）项" in page
    assert 'data-check="exempt"' in page
    assert 'data-rule="art31_in_scope"' in page  # the scope rule shown too


def test_income_test_pass_and_fail(app, world, login_as):
    passing = make_case(app, world, **INCOME_OK)
    failing = make_case(app, world, monthly_household_income=Decimal("6000"), **INCOME_OK)
    client = login_as("reviewer")
    page = client.get(case_url(world, passing)).get_data(as_text=True)
    assert 'data-rule="income_within_threshold"' in page and 'data-passed="true"' in page
    assert "500.00" in page and "800.00" in page
    page = client.get(case_url(world, failing)).get_data(as_text=True)
    assert 'data-outcome="not_eligible"' in page and 'data-passed="false"' in page
    assert "2000.00" in page


def test_threshold_missing_is_warned_and_listed(app, world, login_as):
    case_id = make_case(app, world, threshold=None, **INCOME_OK)
    page = login_as("reviewer").get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-outcome="needs_information"' in page
    assert 'data-testid="threshold-missing"' in page
    assert 'data-key="hardship_threshold"' in page


def test_grant_snapshots_the_rule(app, world, login_as):
    case_id = make_case(app, world, **INCOME_OK)
    client = login_as("reviewer")
    response = post(client, world, case_id, "grant", decided_on=DAY.isoformat(),
                    reasons="符合经济困难标准", advance_aid="y")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    case = load(app, world, case_id)
    assert case.status is CaseStatus.GRANTED and case.granted and case.number
    assert case.decided_on == DAY and case.decision_number and case.advance_aid
    assert case.decision_rule == "income_within_threshold"
    assert case.decision_article == "法律援助法第三十四条、第四十一条"
    assert "500.00" in case.decision_explanation
    page = client.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="decision-rule"' in page and case.decision_number in page


def test_grant_refused_when_the_engine_says_not_eligible(app, world, login_as):
    case_id = make_case(app, world, monthly_household_income=Decimal("6000"), **INCOME_OK)
    response = post(login_as("reviewer"), world, case_id, "grant",
                    decided_on=DAY.isoformat(), reasons="想给")
    assert response.status_code == 422
    assert "法律援助法第三十四条" in response.get_data(as_text=True)
    case = load(app, world, case_id)
    assert case.status is CaseStatus.RECEIVED and case.number is None
    assert case.decision_rule == ""


def test_grant_refused_with_the_missing_list(app, world, login_as):
    case_id = make_case(app, world)  # no check method
    response = post(login_as("reviewer"), world, case_id, "grant",
                    decided_on=DAY.isoformat(), reasons="x")
    assert response.status_code == 422
    assert "经济状况核查方式" in response.get_data(as_text=True)  # the missing fact, listed
    assert load(app, world, case_id).status is CaseStatus.RECEIVED


def test_refuse_needs_reasons_and_keeps_the_engine_view(app, world, login_as):
    case_id = make_case(app, world, monthly_household_income=Decimal("6000"), **INCOME_OK)
    client = login_as("reviewer")
    response = post(client, world, case_id, "refuse", decided_on=DAY.isoformat(), reasons="")
    assert response.status_code == 422
    assert load(app, world, case_id).status is CaseStatus.RECEIVED
    response = post(client, world, case_id, "refuse", decided_on=DAY.isoformat(),
                    reasons="人均收入高于标准")
    assert response.status_code == 303
    case = load(app, world, case_id)
    assert case.status is CaseStatus.REFUSED and case.granted is False
    assert case.decision_rule == "income_above_threshold" and case.decision_number


def test_future_and_early_dates_are_refused(app, world, login_as):
    case_id = make_case(app, world, **INCOME_OK)
    client = login_as("reviewer")
    future = (today() + timedelta(days=3)).isoformat()
    assert post(client, world, case_id, "grant", decided_on=future,
                reasons="x").status_code == 422
    assert post(client, world, case_id, "grant", decided_on="2026-02-01",
                reasons="x").status_code == 422
    assert post(client, world, case_id, "grant", decided_on="not a date",
                reasons="x").status_code == 422
    assert load(app, world, case_id).status is CaseStatus.RECEIVED


def test_objection_corrected_grants_with_a_number(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.REFUSED)
    refusal_number = load(app, world, case_id).decision_number
    intake = login_as("intake")
    assert post(intake, world, case_id, "objection", received_on="2026-03-01",
                reason="不服").status_code == 422  # before the decision
    assert post(intake, world, case_id, "objection", received_on="2026-03-06",
                reason="我确实困难").status_code == 303
    # The reviewer may not decide it: the bureau does.
    assert post(login_as("reviewer"), world, case_id, "objection_decision",
                decided_on="2026-03-09", result="corrected").status_code == 403
    response = post(login_as("director"), world, case_id, "objection_decision",
                    decided_on="2026-03-09", result="corrected", note="经核查符合条件")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    case = load(app, world, case_id)
    assert case.status is CaseStatus.GRANTED and case.granted
    assert case.number and "法援字第" in case.number
    assert case.decided_on == date(2026, 3, 9)
    assert case.decision_number and case.decision_number != refusal_number
    assert case.objection_result.value == "corrected"


def test_objection_upheld_keeps_the_refusal(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.REFUSED)
    post(login_as("intake"), world, case_id, "objection", received_on="2026-03-06",
         reason="不服")
    assert post(login_as("director"), world, case_id, "objection_decision",
                decided_on="2026-03-08", result="upheld").status_code == 303
    case = load(app, world, case_id)
    assert case.status is CaseStatus.REFUSED and case.objection_decided_on


def test_terminate_art48(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.IN_PROGRESS)
    client = login_as("reviewer")
    assert post(client, world, case_id, "terminate", ground="own_lawyer",
                terminated_on="2026-03-20", reasons="").status_code == 422
    response = post(client, world, case_id, "terminate", ground="own_lawyer",
                    terminated_on="2026-03-20", reasons="受援人自行委托律师")
    assert response.status_code == 303
    case = load(app, world, case_id)
    assert case.status is CaseStatus.TERMINATED and case.termination_number
    assert case.termination_ground.item == 6
    with in_world(app, world):
        rows = list(db.session.scalars(select(Assignment).where(Assignment.case_id == case_id)))
        assert all(row.ended_on == date(2026, 3, 20) for row in rows)
    page = client.get(case_url(world, case_id)).get_data(as_text=True)
    assert "（六）" in page and case.termination_number in page


def test_terminated_case_set_aside_goes_back_to_assignment(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.TERMINATED)
    post(login_as("intake"), world, case_id, "objection", received_on="2026-03-06",
         reason="我没有委托律师")
    assert post(login_as("director"), world, case_id, "objection_decision",
                decided_on="2026-03-09", result="corrected").status_code == 303
    case = load(app, world, case_id)
    assert case.status is CaseStatus.GRANTED and case.provider_id is None
