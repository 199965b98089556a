"""A mediation case from intake to the printed agreement, in a real browser: the station's
officer registers an application with two new parties, accepts it, starts mediation, records
a session and a written agreement, marks it agreed and opens the 人民调解协议书."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from core.db import db
from core.people.idcard import check_character
from core.sdk import tenant_context
from plugins.mediation.models import Case
from plugins.mediation.workflow import today

from browser_support import chromium_page, serve
from conftest import PASSWORD, make_app
from mediation_support import login_as, world  # noqa: F401

pytestmark = pytest.mark.browser

TERMS = "钱小河于十日内拆除越界围墙并赔偿赵大山人民币伍佰元。"


@pytest.fixture
def live_server(app: Flask, database_url: str, world) -> Iterator[str]:
    """The fixture world served with CSRF on and TESTING off, as in production."""
    served = make_app(database_url, TESTING=False, WTF_CSRF_ENABLED=True)
    with serve(served) as url:
        yield url
    with served.app_context():
        db.session.remove()
        db.engine.dispose()


def resident_id(body: str) -> str:
    return body + check_character(body)


def open_action(page, name: str):
    """Unfold an action of the case page; returns its form."""
    action = page.get_by_test_id(f"action-{name}")
    action.locator("summary").click()
    return action.locator("form")


def test_intake_to_printed_agreement(app, live_server, world) -> None:
    from playwright.sync_api import expect

    slug = world.tenant.slug
    day = today().isoformat()
    with chromium_page() as page:
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))

        page.goto(f"{live_server}/t/{slug}/login")
        page.locator("input[name=username]").fill("station")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server}/t/{slug}/")

        page.get_by_test_id("main-nav").locator(
            f'a[href="/t/{slug}/mediation/cases/"]').click()
        page.get_by_test_id("case-new").click()
        form = page.get_by_test_id("intake-form")
        form.locator("select[name=dispute_type_id]").select_option(str(world.dispute_type_id))
        form.locator("textarea[name=summary]").fill("钱小河修建围墙占用赵大山宅基地约半米。")
        form.locator("input[name=place_detail]").fill("城关镇新华村三组")
        parties = [("赵大山", "51082319800101001", "applicant"),
                   ("钱小河", "51082319820202002", "respondent")]
        for index, (name, number, role) in enumerate(parties):
            form.locator(f"select[name=parties-{index}-role]").select_option(role)
            form.locator(f"input[name=parties-{index}-name]").fill(name)
            form.locator(f"input[name=parties-{index}-id_number]").fill(resident_id(number))
        page.get_by_test_id("intake-save").click()
        page.wait_for_url(f"{live_server}/t/{slug}/mediation/cases/*")
        expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "applied")
        expect(page.get_by_test_id("party")).to_have_count(2)
        assert resident_id("51082319800101001") not in page.content()  # masked

        accept = open_action(page, "accept")
        accept.locator("input[name=accept-accepted_on]").fill(day)
        accept.locator("select[name=accept-mediator_id]").select_option(str(world.mediator_id))
        page.get_by_test_id("submit-accept").click()
        expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "accepted")

        open_action(page, "start")
        page.get_by_test_id("submit-start").click()
        expect(page.get_by_test_id("case-status")).to_have_attribute("data-status",
                                                                    "mediating")

        session = open_action(page, "session")
        session.locator("input[name=session-held_at]").fill(f"{day}T09:30")
        session.locator("input[name=session-location]").fill("新华村调解室")
        session.locator("input[name=session-rights_explained]").check()
        session.locator("textarea[name=session-record]").fill("双方陈述争议经过，调解员释明法律规定。")
        page.get_by_test_id("submit-session").click()
        expect(page.get_by_test_id("session")).to_have_count(1)

        agreement = open_action(page, "agreement")
        agreement.locator("select[name=agreement-kind]").select_option("written")
        agreement.locator("input[name=agreement-effective_on]").fill(day)
        agreement.locator("textarea[name=agreement-facts]").fill("围墙越界约半米，双方争执。")
        agreement.locator("textarea[name=agreement-liabilities]").fill("钱小河负主要责任。")
        agreement.locator("textarea[name=agreement-terms]").fill(TERMS)
        agreement.locator("input[name=agreement-performance_method]").fill("现金一次性支付")
        agreement.locator("input[name=agreement-amount]").fill("500")
        page.get_by_test_id("submit-agreement").click()
        expect(page.get_by_test_id("agreement-terms")).to_have_text(TERMS)

        open_action(page, "agreed")
        page.get_by_test_id("submit-agreed").click()
        expect(page.get_by_test_id("case-status")).to_have_attribute("data-status", "agreed")

        with app.app_context(), tenant_context(world.tenant.id):
            number = db.session.scalar(select(Case.number))
        assert number and number in page.get_by_test_id("case-number").inner_text()

        link = page.get_by_test_id("print-link").filter(has_text="协议书").or_(
            page.locator('[data-testid=print-link][href*="mediation.agreement"]')).first
        href = link.get_attribute("href")
        assert href and "mediation.agreement" in href
        page.goto(f"{live_server}{href}")
        content = page.content()
        assert "剑阁县司法局" in content
        assert number in content
        assert TERMS in content
        assert not problems, problems
