"""A legal aid matter from the 12348 call to the closed case, in a real browser.

The centre's director (who holds every step) records a hotline consultation, turns it into
an application with one click, registers the applicant, grants aid on the engine's rule,
assigns the ranked lawyer from the pool, records the agreement, a progress note, the end of
the matter and the closure materials, reviews the case (the subsidy is computed) and prints
the 结案报告."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from core.db import db
from core.people.idcard import check_character
from core.sdk import tenant_context
from plugins.legal_aid.models import AidCase, Consultation
from plugins.legal_aid.models.enums import CaseStatus, ConsultationOutcome
from plugins.legal_aid.settings import legal_aid_settings
from plugins.legal_aid.workflow import today

from browser_support import chromium_page, serve
from conftest import PASSWORD, make_app
from legal_aid_support import login_as, world  # noqa: F401

pytestmark = pytest.mark.browser

QUESTION = "在县城工地干了三个月，老板一直拖欠工资一万八千元，怎么办？"


@pytest.fixture
def live_server(app: Flask, database_url: str, world) -> Iterator[str]:
    """The fixture world served with CSRF on and TESTING off, as in production; the bureau
    has set its province's economic-hardship standard."""
    with app.app_context(), tenant_context(world.tenant.id):
        legal_aid_settings().set_many({"hardship_threshold": Decimal("1000")})
        db.session.commit()
    served = make_app(database_url, TESTING=False, WTF_CSRF_ENABLED=True)
    with serve(served) as url:
        yield url
    with served.app_context():
        db.session.remove()
        db.engine.dispose()


def open_action(page, name: str):
    """Unfold an action of the case page; returns its form."""
    action = page.get_by_test_id(f"action-{name}")
    action.locator("summary.card-header").click()
    return action.locator("form")


def status_is(page, value: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", value)


def test_consultation_to_closed_case(app, live_server, world) -> None:
    from playwright.sync_api import expect

    slug = world.tenant.slug
    day = today().isoformat()
    with chromium_page() as page:
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))

        page.goto(f"{live_server}/t/{slug}/login")
        page.locator("input[name=username]").fill("director")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server}/t/{slug}/")

        # A call on the 12348 hotline.
        page.get_by_test_id("main-nav").locator(
            f'a[href="/t/{slug}/legal_aid/consultations/"]').click()
        page.get_by_test_id("consultation-new").click()
        form = page.get_by_test_id("consultation-form")
        form.locator("select[name=channel]").select_option("hotline")
        form.locator("input[name=visitor_name]").fill("王建军")
        form.locator("select[name=category]").select_option("civil")
        form.locator("textarea[name=question]").fill(QUESTION)
        form.locator("textarea[name=answer]").fill("可申请法律援助，代理追索劳动报酬。")
        form.locator("select[name=outcome]").select_option("answered")
        page.get_by_test_id("consultation-save").click()
        page.wait_for_url(f"{live_server}/t/{slug}/legal_aid/consultations/*")

        # One click: the application form, prefilled from the consultation.
        page.get_by_test_id("convert").click()
        form = page.get_by_test_id("application-form")
        expect(page.get_by_test_id("from-consultation")).to_be_visible()
        expect(form.locator("textarea[name=summary]")).to_have_value(QUESTION)
        form.locator("input[name=name]").fill("王建军")
        form.locator("input[name=id_number]").fill(
            "51082319850306001" + check_character("51082319850306001"))
        form.locator("select[name=matter_kind]").select_option("wages")
        form.locator("input[name=opposing_party]").fill("剑阁县某建筑劳务公司")
        form.locator("input[name=recipient_groups][value=migrant_worker]").check()
        form.locator("input[name=household_size]").fill("3")
        form.locator("input[name=monthly_household_income]").fill("1800")
        form.locator("select[name=check_method]").select_option("pledge")
        page.get_by_test_id("application-save").click()
        page.wait_for_url(f"{live_server}/t/{slug}/legal_aid/cases/*")
        status_is(page, "received")
        # The decision is due within 7 working days: on the case page, not yet overdue.
        expect(page.get_by_test_id("deadline-decision")).to_have_attribute("data-overdue",
                                                                          "false")

        # The engine's rule is on the page: 600 yuan a head, under the 1000 standard.
        expect(page.get_by_test_id("case-decision")).to_contain_text("600")
        grant = open_action(page, "grant")
        grant.locator("input[name=grant-decided_on]").fill(day)
        page.get_by_test_id("submit-grant").click()
        status_is(page, "granted")
        expect(page.get_by_test_id("decision-number")).to_contain_text("法援决字")

        # Assignment from the pool: the ranked candidates are shown; 周婷 does civil cases.
        assign = open_action(page, "assign")
        assign.locator("select[name=assign-method]").select_option("pool")
        assign.locator("select[name=assign-provider]").select_option(
            str(world.provider_ids["zhou"]))
        assign.locator("input[name=assign-assigned_on]").fill(day)
        page.get_by_test_id("submit-assign").click()
        status_is(page, "assigned")

        agreement = open_action(page, "agreement")
        agreement.locator("input[name=agreement-signed_on]").fill(day)
        page.get_by_test_id("submit-agreement").click()
        status_is(page, "in_progress")

        note = open_action(page, "note")
        note.locator("input[name=note-noted_on]").fill(day)
        note.locator("select[name=note-kind]").select_option("negotiation")
        note.locator("textarea[name=note-content]").fill("与用工单位协商，对方同意分两期支付。")
        page.get_by_test_id("submit-note").click()
        expect(page.get_by_test_id("progress-note")).to_have_count(1)

        end = open_action(page, "end")
        end.locator("input[name=end-ended_on]").fill(day)
        end.locator("select[name=end-result]").select_option("settled")
        end.locator("textarea[name=end-result_summary]").fill("经协商达成还款协议，欠薪全部追回。")
        end.locator("input[name=end-amount_recovered]").fill("18000")
        page.get_by_test_id("submit-end").click()
        status_is(page, "ended")

        materials = open_action(page, "materials")
        materials.locator("input[name=materials-materials_submitted_on]").fill(day)
        page.get_by_test_id("submit-materials").click()
        expect(page.get_by_test_id("materials-submitted")).to_have_text(day)

        review = open_action(page, "review")
        review.locator("input[name=review-reviewed_on]").fill(day)
        review.locator("select[name=review-review_grade]").select_option("qualified")
        page.get_by_test_id("submit-review").click()
        status_is(page, "closed")
        # A civil case at the default rate: 800 yuan.
        expect(page.get_by_test_id("subsidy")).to_have_attribute("data-amount", "800.00")

        with app.app_context(), tenant_context(world.tenant.id):
            case = db.session.scalar(select(AidCase))
            assert case.status is CaseStatus.CLOSED
            assert case.amount_recovered == Decimal("18000")
            consultation = db.session.scalar(select(Consultation))
            assert consultation.case_id == case.id
            assert consultation.outcome is ConsultationOutcome.APPLICATION
            number = case.number
        assert number and number in page.get_by_test_id("case-number").inner_text()

        href = page.locator(
            '[data-testid=print-link][href*="legal_aid.closure"]').get_attribute("href")
        page.goto(f"{live_server}{href}")
        content = page.content()
        assert number in content
        assert "经协商达成还款协议" in content
        assert not problems, problems
