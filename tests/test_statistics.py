"""Statistics pages (issue #5): a plugin's ``report_metrics`` figures for a month, quarter or
year, as tables, chart data and an XLSX export with nothing a spreadsheet would execute."""

from __future__ import annotations

import html
import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from test_people_pages import add_user

from core import __version__
from core.app import builtin_modules
from core.db import db
from core.plugins.manager import module_source
from core.sdk import Tenant, disable_plugin, enable_plugin
from core.statistics.periods import make_period, months_of, parse_period
from tenants import plugin as tenants_plugin

from conftest import PASSWORD, TenantFixture, login, make_app
from testkit_plugins import CALLS, calls_of
from testkit_plugins import metrics as kit

# The clock stands at noon in Shanghai on 2026-11-23: the current month is November 2026.
NOW = datetime(2026, 11, 23, 12, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def kit_app(app: Flask, database_url: str, tenant_a: TenantFixture) -> Iterator[Flask]:
    sources = [module_source(m, version=__version__)
               for m in [*builtin_modules(), tenants_plugin]]
    sources.append(module_source(kit, builtin=False))
    sources.append(module_source(kit.broken, builtin=False))
    # English labels: what is asserted here does not wait for the zh_CN catalog.
    application = make_app(database_url, PLUGIN_SOURCES=sources, BABEL_DEFAULT_LOCALE="en")
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def toggle(app: Flask, tenant: TenantFixture, name: str, on: bool = True) -> None:
    with app.app_context():
        (enable_plugin if on else disable_plugin)(db.session.get(Tenant, tenant.id), name)
        db.session.commit()


def client_of(app: Flask, tenant: TenantFixture, username: str, *roles: str) -> FlaskClient:
    add_user(app, tenant, username, *roles)
    client = app.test_client()
    login(client, tenant, username, PASSWORD)
    return client


@pytest.fixture
def staff(kit_app: Flask, tenant_a: TenantFixture) -> FlaskClient:
    toggle(kit_app, tenant_a, kit.NAME)
    return client_of(kit_app, tenant_a, "clerk", "staff")


def page_url(tenant: TenantFixture, query: str = "", plugin: str = kit.NAME) -> str:
    return f"/t/{tenant.slug}/statistics/{plugin}/" + (f"?{query}" if query else "")


def figures_of(page: str) -> dict[str, str]:
    """key -> the raw value of each figure row on the page."""
    return dict(re.findall(r'<tr data-testid="metric" data-key="([^"]+)" data-value="([^"]+)"',
                           page))


def chart_data(page: str, name: str) -> dict:
    found = re.search(rf'id="chart-{name}" data-chart=\'([^\']*)\'', page)
    assert found, f"no chart data {name}"
    return json.loads(html.unescape(found.group(1)))


def expected(start: date, end: date) -> dict[str, str]:
    return {key: str(value) for key, value in kit.figures(start, end).items()}


# --- periods ---------------------------------------------------------------------------


def test_periods_are_half_open_ranges_and_split_into_months() -> None:
    november = make_period("month", 2025, 11)
    assert (november.start, november.end) == (date(2025, 11, 1), date(2025, 12, 1))
    fourth = make_period("quarter", 2025, 4)
    assert (fourth.start, fourth.end) == (date(2025, 10, 1), date(2026, 1, 1))
    year = make_period("year", 2025, 7)
    assert (year.number, year.start, year.end) == (1, date(2025, 1, 1), date(2026, 1, 1))
    assert [m.number for m in months_of(fourth)] == [10, 11, 12]
    assert len(months_of(year)) == 12 and months_of(november) == [november]


@pytest.mark.parametrize("args", [
    {"kind": "decade", "year": "2025"},
    {"kind": "month", "year": "abc", "number": "1"},
    {"kind": "month", "year": "2025", "number": "13"},
    {"kind": "quarter", "year": "2025", "number": "0"},
    {"kind": "month", "year": "1800", "number": "1"},
    {"kind": "year", "year": "2027"},  # after this year
    {"kind": "month", "year": "9" * 40, "number": "1"},
    {"kind": "month", "year": "2025"},  # no month
])
def test_bad_period_arguments_fall_back_to_the_current_month(app, args) -> None:
    with app.test_request_context():
        period, error = parse_period(args)
    assert (period.kind, period.year, period.number) == ("month", 2026, 11)
    assert error


# --- the page --------------------------------------------------------------------------


def test_month_quarter_and_year_show_the_plugins_figures(kit_app, tenant_a, staff) -> None:
    response = staff.get(page_url(tenant_a, "kind=month&year=2025&number=11"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert figures_of(page) == expected(date(2025, 11, 1), date(2025, 12, 1))
    assert '>2025-11</h2>' in page
    assert page.count('data-testid="metric-table"') == 2
    assert "Kit overview" in page and "Kit by type" in page
    assert "<td>Kit accepted</td>" in page and "<td>+86 件</td>" in page
    rate = kit.figures(date(2025, 11, 1), date(2025, 12, 1))["kit.rate"]
    assert f">{rate}</td>" in page and str(rate) == "40.7"  # a Decimal keeps its decimals
    bars, pie = chart_data(page, "1"), chart_data(page, "2")
    assert bars["type"] == "bar" and bars["labels"][:2] == ["Kit accepted", "Kit closed"]
    assert bars["values"][0] == kit.accepted(2025, 11)
    assert pie["type"] == "pie" and pie["values"] == [3, 2]
    assert pie["labels"] == ["Kit family", kit.LAND_LABEL]
    assert "<td>Kit land&#39;s &lt;plot&gt; &amp; &#34;field&#34;</td>" in page
    assert "<plot>" not in page
    assert '/static/vendor/echarts/echarts.min.js' in page
    assert '/static/js/statistics.js' in page

    page = staff.get(page_url(tenant_a, "kind=quarter&year=2025&number=4")).get_data(
        as_text=True)
    assert figures_of(page) == expected(date(2025, 10, 1), date(2026, 1, 1))
    assert ">Fourth quarter 2025</h2>" in page

    page = staff.get(page_url(tenant_a, "kind=year&year=2025")).get_data(as_text=True)
    assert figures_of(page) == expected(date(2025, 1, 1), date(2026, 1, 1))
    assert ">Year 2025</h2>" in page
    assert 'name="kind"' in page and '<option value="year" selected>' in page


def test_the_picker_sends_month_and_quarter_selects(kit_app, tenant_a, staff) -> None:
    # Without JavaScript both selects are sent; the one matching the kind counts.
    page = staff.get(page_url(tenant_a, "kind=quarter&year=2025&month=2&quarter=3")
                     ).get_data(as_text=True)
    assert 'data-start="2025-07-01" data-end="2025-10-01"' in page
    assert '<option value="3" selected>Third quarter</option>' in page
    page = staff.get(page_url(tenant_a, "kind=month&year=2025&month=2&quarter=3")
                     ).get_data(as_text=True)
    assert 'data-start="2025-02-01" data-end="2025-03-01"' in page


def test_no_arguments_show_the_current_month_in_shanghai(kit_app, tenant_a, staff) -> None:
    page = staff.get(page_url(tenant_a)).get_data(as_text=True)
    assert 'data-testid="period-error"' not in page
    assert figures_of(page) == expected(date(2026, 11, 1), date(2026, 12, 1))
    assert '<option value="11" selected>' in page


def test_the_trend_shows_the_first_tables_figures_month_by_month(kit_app, tenant_a,
                                                                  staff) -> None:
    CALLS.clear()
    page = staff.get(page_url(tenant_a, "kind=quarter&year=2025&number=4")).get_data(
        as_text=True)
    trend = chart_data(page, "trend")
    assert trend["labels"] == ["2025-10", "2025-11", "2025-12"]
    series = {s["name"]: s["values"] for s in trend["series"]}
    assert series["Kit accepted"] == [kit.accepted(2025, m) for m in (10, 11, 12)]
    assert series[kit.FORMULA_LABEL] == [7, 7, 7]
    assert "Kit family" not in series  # only the first table
    # Once for the quarter, once per month; and only the plugin asked about.
    assert calls_of(kit.NAME) == [("report_metrics", d) for d in
                                  ("quarter:2025-4", "month:2025-10", "month:2025-11",
                                   "month:2025-12")]

    CALLS.clear()
    page = staff.get(page_url(tenant_a, "kind=month&year=2025&number=3")).get_data(
        as_text=True)
    assert chart_data(page, "trend")["labels"] == ["2025-03"]
    assert calls_of(kit.NAME) == [("report_metrics", "month:2025-3")]  # reused


@pytest.mark.parametrize("query", [
    "kind=decade&year=2025", "kind=month&year=abc&number=1", "kind=month&year=2025&number=13",
    "kind=quarter&year=2025&number=9", "kind=year&year=1800", "year=" + "9" * 40,
    "kind=month&year=2025&number=-1", "kind=&year=2025&number=1", "kind=month&year=2025&number=1.5",
])
def test_bad_arguments_show_the_current_month_with_a_message(kit_app, tenant_a, staff,
                                                             query) -> None:
    response = staff.get(page_url(tenant_a, query))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="period-error"' in page
    assert figures_of(page) == expected(date(2026, 11, 1), date(2026, 12, 1))
    export = staff.get(f"/t/{tenant_a.slug}/statistics/{kit.NAME}/export.xlsx?{query}")
    assert export.status_code == 302
    assert export.headers["Location"].startswith(page_url(tenant_a))


def test_a_disabled_or_unknown_plugin_is_not_found(kit_app, tenant_a, staff) -> None:
    toggle(kit_app, tenant_a, kit.NAME, on=False)
    CALLS.clear()
    for plugin in (kit.NAME, "no_such_plugin", kit.BROKEN_NAME):
        assert staff.get(page_url(tenant_a, plugin=plugin)).status_code == 404
        assert staff.get(f"/t/{tenant_a.slug}/statistics/{plugin}/export.xlsx"
                         ).status_code == 404
    assert calls_of(kit.NAME) == []
    # No enabled plugin reports: no menu entry, and the index says so.
    assert "/statistics/" not in staff.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    page = staff.get(f"/t/{tenant_a.slug}/statistics/").get_data(as_text=True)
    assert 'data-testid="statistics-none"' in page


def test_an_enabled_module_without_figures_says_so(kit_app, tenant_a, staff) -> None:
    page = staff.get(page_url(tenant_a, plugin="deadlines")).get_data(as_text=True)
    assert 'data-testid="statistics-none"' in page and 'data-testid="metric"' not in page


def test_without_the_permission_every_page_is_forbidden(kit_app, tenant_a) -> None:
    toggle(kit_app, tenant_a, kit.NAME)
    nobody = client_of(kit_app, tenant_a, "nobody")
    for path in ("", f"{kit.NAME}/", f"{kit.NAME}/export.xlsx?kind=year&year=2025"):
        assert nobody.get(f"/t/{tenant_a.slug}/statistics/{path}").status_code == 403
    assert "/statistics/" not in nobody.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)


def test_the_menu_and_index_lead_to_the_reporting_lines(kit_app, tenant_a, staff) -> None:
    home = staff.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    assert f'href="/t/{tenant_a.slug}/statistics/"' in home
    # One reporting line: the index is that line's page.
    page = staff.get(f"/t/{tenant_a.slug}/statistics/").get_data(as_text=True)
    assert figures_of(page) == expected(date(2026, 11, 1), date(2026, 12, 1))
    assert f'action="/t/{tenant_a.slug}/statistics/{kit.NAME}/"' in page

    toggle(kit_app, tenant_a, kit.BROKEN_NAME)
    page = staff.get(f"/t/{tenant_a.slug}/statistics/").get_data(as_text=True)
    assert re.findall(r'data-testid="statistics-plugin" data-plugin="([^"]+)"', page) == [
        kit.BROKEN_NAME, kit.NAME]  # by title: Kit Broken Metrics, Kit Metrics
    page = staff.get(page_url(tenant_a, "kind=year&year=2025")).get_data(as_text=True)
    assert (f'href="/t/{tenant_a.slug}/statistics/{kit.BROKEN_NAME}/?kind=year&amp;year=2025'
            '&amp;number=1"') in page


def test_a_failing_plugin_gives_a_message_not_an_error(kit_app, tenant_a, staff,
                                                       caplog) -> None:
    toggle(kit_app, tenant_a, kit.BROKEN_NAME)
    with caplog.at_level(logging.ERROR, logger="core.statistics.service"):
        response = staff.get(page_url(tenant_a, plugin=kit.BROKEN_NAME))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="statistics-failed"' in page and "Kit Broken Metrics" in page
    assert 'data-testid="statistics-export"' not in page
    assert "kit metrics broken on purpose" in caplog.text
    # The other line is unaffected.
    assert figures_of(staff.get(page_url(tenant_a)).get_data(as_text=True))

    response = staff.get(f"/t/{tenant_a.slug}/statistics/{kit.BROKEN_NAME}/export.xlsx")
    assert response.status_code == 302
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "The figures could not be exported." in page


# --- the export ------------------------------------------------------------------------


def test_the_export_has_the_pages_figures_and_formulas_stay_text(kit_app, tenant_a,
                                                                 staff) -> None:
    query = "kind=quarter&year=2025&number=4"
    page = staff.get(page_url(tenant_a, query)).get_data(as_text=True)
    link = f"/t/{tenant_a.slug}/statistics/{kit.NAME}/export.xlsx?{query}"
    assert f'href="{link.replace("&", "&amp;")}"' in page
    shown = figures_of(page)

    response = staff.get(f"/t/{tenant_a.slug}/statistics/{kit.NAME}/export.xlsx?{query}")
    assert response.status_code == 200
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument."
                                 "spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="statistics-kit_metrics-quarter-'
                                  '2025-4.xlsx"; filename*=UTF-8\'\'')
    assert unquote(disposition.split("UTF-8''")[1]) == (
        "剑阁县司法局-Kit Metrics-Fourth quarter 2025.xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    assert [c.value for c in rows[0][:3]] == ["剑阁县司法局", "Kit Metrics",
                                               "Fourth quarter 2025"]
    values = [[c.value for c in row] for row in rows]
    assert ["Kit overview", None, None] in values and ["Kit by type", None, None] in values
    assert values.count(["Indicator", "Value", "Unit"]) == 2
    by_label = {row[0].value: row for row in rows if row[0].value and row[1].value is not None
                and row[0].value != "Indicator"}
    labels = {"kit.accepted": "Kit accepted", "kit.closed": "Kit closed",
              "kit.rate": "Kit closing rate", "kit.formula": kit.FORMULA_LABEL,
              "kit.type.family": "Kit family", "kit.type.land": kit.LAND_LABEL}
    for key, label in labels.items():
        cell = by_label[label][1]
        assert cell.data_type == "n"
        assert Decimal(str(cell.value)) == Decimal(shown[key]), key
    formula = by_label[kit.FORMULA_LABEL]
    assert formula[0].data_type == "s" and formula[0].value == "=SUM(A1)"
    assert formula[2].data_type == "s" and formula[2].value == "+86 件"
    assert all(cell.data_type != "f" for row in rows for cell in row)


def test_the_export_of_a_module_without_figures_is_an_empty_table(kit_app, tenant_a,
                                                                  staff) -> None:
    response = staff.get(f"/t/{tenant_a.slug}/statistics/deadlines/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet["C1"].value == "2026-11"
    assert sheet["A3"].value == "No figures for this period."
