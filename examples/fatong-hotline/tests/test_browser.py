"""In Chromium: an operator logs in, records a call, refers it to legal aid, and reads the
month's statistics with its charts drawn."""

from __future__ import annotations

import pytest
from core.testing import PASSWORD


@pytest.mark.browser
def test_record_refer_and_read_the_statistics(app, tenant_a, make_user, live_server,
                                              page) -> None:
    from playwright.sync_api import expect

    make_user(tenant_a, "zhuguan", ["hotline_supervisor"], display_name="热线主管")
    failed: list[str] = []
    page.on("response", lambda response: response.status >= 400
            and failed.append(f"{response.status} {response.url}"))

    page.goto(f"{live_server}/t/jiange/login")
    page.locator("input[name=username]").fill("zhuguan")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/t/jiange/")

    nav = page.get_by_test_id("main-nav")
    nav.locator('a[href="/t/jiange/hotline/"]').click()
    page.wait_for_url(f"{live_server}/t/jiange/hotline/")
    # The plugin's own zh_CN catalog, shipped in the package, is in use.
    expect(page.get_by_test_id("call-new")).to_contain_text("登记来电")
    page.get_by_test_id("call-new").click()
    page.wait_for_url(f"{live_server}/t/jiange/hotline/calls/new")

    form = page.get_by_test_id("call-form")
    assert form.locator("input[name=received_at]").input_value()  # now, prefilled
    form.locator("select[name=category_id]").select_option(label="劳动争议")
    form.locator("input[name=caller_name]").fill("王先生")
    form.locator("textarea[name=question]").fill("在工地干了三个月，老板拖欠工资不给")
    form.locator("textarea[name=answer]").fill("可申请劳动仲裁，也可申请法律援助")
    form.locator("input[name=duration_minutes]").fill("9")
    page.get_by_test_id("call-save").click()

    expect(page.get_by_test_id("call-number")).to_contain_text("RX")
    expect(page.get_by_test_id("call-caller")).to_contain_text("王先生")
    expect(page.get_by_test_id("call-question")).to_contain_text("老板拖欠工资")

    referral = page.get_by_test_id("referral-form")
    referral.locator("select[name=target]").select_option("legal_aid.consultation")
    referral.locator("textarea[name=note]").fill("请中心跟进")
    page.get_by_test_id("referral-save").click()
    link = page.get_by_test_id("referral-link")
    expect(link).to_be_visible()
    expect(page.get_by_test_id("call-outcome")).to_have_attribute("data-outcome", "referred")
    href = link.get_attribute("href")
    assert href.startswith("/t/jiange/legal_aid/consultations/")

    nav.locator('a[href="/t/jiange/hotline/stats"]').click()
    page.wait_for_url(f"{live_server}/t/jiange/hotline/stats")
    expect(page.locator("h1")).to_contain_text("12348热线统计")
    expect(page.get_by_test_id("stat-total")).to_have_text("1")
    expect(page.get_by_test_id("stat-referred")).to_have_text("1")
    expect(page.locator('[data-testid=category-count][data-name="劳动争议"]')).to_contain_text("1")
    # ECharts (served by Fatong, no CDN) drew the charts on canvases.
    expect(page.locator("#chart-day canvas")).to_have_count(1)
    expect(page.locator("#chart-outcome canvas")).to_have_count(1)
    assert failed == []
