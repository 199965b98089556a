"""Monthly statistics: the hotline's own page (with charts and an XLSX export) and its
figures on core's statistics page (``report_metrics``)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from conftest import beijing, category_id, post_call

from fatong_hotline.models import today


def _value(page: str, testid: str, **attrs: str) -> str:
    extra = "".join(rf'[^>]*{name}="{re.escape(value)}"' for name, value in attrs.items())
    match = re.search(rf'data-testid="{testid}"{extra}[^>]*data-value="([^"]*)"', page)
    assert match, (testid, attrs)
    return match.group(1)


def _previous_month(day: date) -> str:
    last = day.replace(day=1) - timedelta(days=1)
    return last.strftime("%Y-%m")


def test_monthly_figures(app, tenant_a, operator, supervisor, call_form) -> None:
    marriage = category_id(app, tenant_a, "婚姻家庭")
    post_call(operator, tenant_a, call_form(duration_minutes="10"))
    post_call(operator, tenant_a, call_form(duration_minutes="5", outcome="callback"))
    referred = post_call(operator, tenant_a, call_form(category_id=marriage,
                                                       duration_minutes="6"))
    operator.post(f"/t/jiange/hotline/calls/{referred}/refer",
                  data={"target": "legal_aid.consultation"})
    post_call(operator, tenant_a, call_form(received_at=beijing(40)))  # another month

    month = today().strftime("%Y-%m")
    response = supervisor.get(f"/t/jiange/hotline/stats?month={month}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _value(page, "stat-total") == "3"
    assert _value(page, "stat-referred") == "1"
    assert _value(page, "stat-callbacks_needed") == "1"
    assert _value(page, "stat-callbacks_done") == "0"
    assert _value(page, "stat-average_minutes") == "7.0"
    assert _value(page, "category-count", **{"data-name": "劳动争议"}) == "2"
    assert _value(page, "category-count", **{"data-name": "婚姻家庭"}) == "1"
    assert _value(page, "outcome-count", **{"data-outcome": "referred"}) == "1"
    assert _value(page, "outcome-count", **{"data-outcome": "answered"}) == "1"
    assert _value(page, "outcome-count", **{"data-outcome": "callback"}) == "1"
    assert _value(page, "referral-count", **{"data-target": "legal_aid.consultation"}) == "1"
    # Charts drawn by the locally served ECharts, never a CDN.
    assert page.count('data-testid="chart"') == 3
    assert 'src="/static/vendor/echarts/echarts.min.js"' in page
    assert "cdn" not in page.lower()

    previous = supervisor.get(f"/t/jiange/hotline/stats?month={_previous_month(today())}")
    assert _value(previous.get_data(as_text=True), "stat-total") in {"0", "1"}

    bad = supervisor.get("/t/jiange/hotline/stats?month=2026-13").get_data(as_text=True)
    assert 'data-testid="month-error"' in bad
    assert f'data-month="{month}"' in bad

    export = supervisor.get(f"/t/jiange/hotline/stats/export.xlsx?month={month}")
    assert export.status_code == 200
    assert export.mimetype.endswith("spreadsheetml.sheet")
    assert export.data[:2] == b"PK"
    assert f"hotline-{month}.xlsx" in export.headers["Content-Disposition"]


def test_figures_on_core_statistics_page(app, tenant_a, operator, client_a, call_form) -> None:
    post_call(operator, tenant_a, call_form(duration_minutes="4"))
    post_call(operator, tenant_a, call_form(duration_minutes="8", outcome="callback"))
    now = today()
    page = client_a.get(f"/t/jiange/statistics/hotline/?kind=month&year={now.year}"
                        f"&number={now.month}").get_data(as_text=True)

    def metric(key: str) -> str:
        match = re.search(rf'data-key="{re.escape(key)}" data-value="([^"]*)"', page)
        assert match, key
        return match.group(1)

    assert metric("hotline.calls") == "2"
    assert metric("hotline.callbacks_needed") == "1"
    assert metric("hotline.average_minutes") == "6.0"
    assert metric(f"hotline.by_category.{category_id(app, tenant_a, '劳动争议')}") == "2"
    assert metric("hotline.by_outcome.callback") == "1"


def test_a_station_sees_its_own_figures(app, tenant_a, station, operator, call_form,
                                        make_user, login_client) -> None:
    from conftest import unit_id

    post_call(operator, tenant_a, call_form())
    post_call(operator, tenant_a, call_form(org_unit_id=unit_id(app, tenant_a, station)))
    make_user(tenant_a, "suozhang", ["hotline_supervisor"], org_unit_code=station)
    head = login_client(tenant_a, "suozhang")
    page = head.get("/t/jiange/hotline/stats").get_data(as_text=True)
    assert _value(page, "stat-total") == "1"
