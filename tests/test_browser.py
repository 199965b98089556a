"""A real browser against a real server: log into the demo tenant, see the shell, write a notice.

Debian's Chromium through Playwright (``playwright install`` cannot download here). Under
``CI=true`` a missing browser fails the run; elsewhere the test is skipped, loudly.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask

from core.db import db
from tenants.provisioning import DEMO_NAME, ensure_demo_tenant

from browser_support import chromium_page, serve
from conftest import make_app

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Browser-Demo-1"


@pytest.fixture
def live_server(app: Flask, database_url: str, demo) -> Iterator[str]:
    """The demo tenant served over HTTP by a WSGI server in a thread; yields its base URL.

    A fresh app with CSRF on and TESTING off, as in production: the browser must carry the
    form's token. ``app`` is requested for the migrated database and the cleanup after.
    The demo's rows come from ``demo`` (built once per run); ``ensure_demo_tenant``
    refreshes them as ``fatong demo`` would, with this password.
    """
    served = make_app(database_url, TESTING=False, WTF_CSRF_ENABLED=True)
    with served.app_context():
        ensure_demo_tenant("demo", DEMO_PASSWORD)
        db.session.commit()
    with serve(served) as url:
        yield url


@pytest.fixture
def browser_page(live_server: str):
    with chromium_page() as page:
        yield page


def test_demo_admin_logs_in_and_publishes_a_notice(live_server: str, browser_page) -> None:
    from playwright.sync_api import expect

    page = browser_page
    requested: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: response.status >= 400
            and failed.append(f"{response.status} {response.url}"))

    page.goto(f"{live_server}/t/demo/login")
    expect(page.get_by_test_id("tenant-name")).to_contain_text(DEMO_NAME)
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()

    page.wait_for_url(f"{live_server}/t/demo/")
    expect(page.get_by_test_id("tenant-name")).to_contain_text(DEMO_NAME)
    nav = page.get_by_test_id("main-nav")
    expect(nav).to_be_visible()
    expect(nav.locator('a[href="/t/demo/"]')).to_contain_text("工作台")
    notices_link = nav.locator('a[href="/t/demo/notices/"]')
    expect(notices_link).to_contain_text("通知公告")

    # Bootstrap's CSS is applied (served locally): the top bar is a flex box in Bootstrap's
    # primary blue, where an unstyled <header> would be a transparent block.
    styles = page.evaluate("""() => {
        const bar = getComputedStyle(document.querySelector('header.navbar'));
        return {display: bar.display, background: bar.backgroundColor};
    }""")
    assert styles == {"display": "flex", "background": "rgb(13, 110, 253)"}, styles
    icon_font_loaded = page.evaluate("""async () => {
        await document.fonts.ready;
        return [...document.fonts].some(
            f => f.family.includes('bootstrap-icons') && f.status === 'loaded');
    }""")
    assert icon_font_loaded, "the bootstrap-icons font did not load from /static/"

    notices_link.click()
    page.wait_for_url(f"{live_server}/t/demo/notices/")
    page.locator('a[href="/t/demo/notices/new"]').click()
    page.wait_for_url(f"{live_server}/t/demo/notices/new")
    title = "关于开展法治宣传进农村活动的通知"
    page.locator("input[name=title]").fill(title)
    page.locator("select[name=category]").select_option("bulletin")
    page.locator("textarea[name=body]").fill("各司法所：请于本月底前报送活动方案。")
    page.locator("main form button[type=submit]").click()

    expect(page.get_by_test_id("notice-title")).to_have_text(title)
    expect(page.get_by_role("alert")).to_be_visible()  # the "published" flash message
    notices_link = page.get_by_test_id("main-nav").locator('a[href="/t/demo/notices/"]')
    notices_link.click()
    expect(page.get_by_test_id("notice-list")).to_contain_text(title)

    # Nothing was fetched from anywhere but our own server, and nothing failed to load.
    assert requested
    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(live_server).netloc}, hosts
    assert not failed, failed
