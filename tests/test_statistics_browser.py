"""The statistics page in a real browser: ECharts (served locally) draws the charts under the
production CSP, and the period picker shows only the select matching the chosen kind."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from test_people_pages import add_user

from core import __version__
from core.app import builtin_modules
from core.db import db
from core.plugins.manager import module_source
from core.sdk import Tenant, enable_plugin
from tenants import plugin as tenants_plugin

from browser_support import chromium_page, serve
from conftest import PASSWORD, TenantFixture, make_app
from testkit_plugins import metrics as kit

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app: Flask, database_url: str, tenant_a: TenantFixture) -> Iterator[str]:
    """Tenant A with the kit plugin enabled and a staff user, served with CSRF on and
    TESTING off, as in production."""
    sources = [module_source(m, version=__version__)
               for m in [*builtin_modules(), tenants_plugin]]
    sources.append(module_source(kit, builtin=False))
    served = make_app(database_url, TESTING=False, WTF_CSRF_ENABLED=True,
                      PLUGIN_SOURCES=sources)
    with served.app_context():
        enable_plugin(db.session.get(Tenant, tenant_a.id), kit.NAME)
        db.session.commit()
    add_user(served, tenant_a, "clerk", "staff")
    with serve(served) as url:
        yield url
    with served.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_charts_render_and_the_picker_follows_the_kind(live_server, tenant_a) -> None:
    from playwright.sync_api import expect

    with chromium_page() as page:
        requested: list[str] = []
        problems: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.on("console", lambda message: message.type in ("error", "warning")
                and problems.append(message.text))
        page.on("pageerror", lambda error: problems.append(str(error)))

        page.goto(f"{live_server}/t/{tenant_a.slug}/login")
        page.locator("input[name=username]").fill("clerk")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{live_server}/t/{tenant_a.slug}/")

        page.get_by_test_id("main-nav").locator(
            f'a[href="/t/{tenant_a.slug}/statistics/"]').click()
        page.wait_for_url(f"{live_server}/t/{tenant_a.slug}/statistics/")
        expect(page.get_by_test_id("metric-table")).to_have_count(2)

        # One chart per table plus the trend, each drawn by ECharts into a sized canvas.
        for chart in [*page.get_by_test_id("chart").all(), page.get_by_test_id("trend-chart")]:
            canvas = chart.locator("canvas")
            expect(canvas).to_have_count(1)
            box = canvas.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 100, box
        assert page.evaluate(
            "() => !!echarts.getInstanceByDom(document.querySelector('[data-testid=chart]'))")

        # The picker: month shown for a month, quarter for a quarter, neither for a year.
        month = page.locator("[data-period-field=month]")
        quarter = page.locator("[data-period-field=quarter]")
        expect(month).to_be_visible()
        expect(quarter).to_be_hidden()
        page.locator("select[name=kind]").select_option("quarter")
        expect(month).to_be_hidden()
        expect(quarter).to_be_visible()
        page.locator("select[name=quarter]").select_option("1")
        page.get_by_test_id("period-picker").locator("button[type=submit]").click()
        page.wait_for_url("**/statistics/kit_metrics/?kind=quarter*")
        expect(page.get_by_test_id("period-label")).to_have_attribute("data-kind", "quarter")
        expect(page.get_by_test_id("trend-chart").locator("canvas")).to_have_count(1)
        page.locator("select[name=kind]").select_option("year")
        expect(month).to_be_hidden()
        expect(quarter).to_be_hidden()

        # Everything came from our own server, and the CSP refused nothing.
        hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
        assert hosts == {urlsplit(live_server).netloc}, hosts
        assert not problems, problems
