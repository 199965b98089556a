"""Risk analysis (研判): the figures on a hand-computed set, the jump threshold at its
boundary, the page, its print layout and XLSX export, and scope."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from core.sdk import db, places, tenant_context
from plugins.mediation import analysis as risk
from plugins.mediation.models import Case, Committee, DisputeType, Screening
from plugins.mediation.models.enums import CaseStatus, RiskLevel, ScreeningStatus
from plugins.mediation.settings import mediation_settings

from mediation_support import drive_case, login_as, world  # noqa: F401

Q1 = "kind=quarter&year=2026&number=1"


def _d(source: str, day: date, kind: str = "邻里", town: str = "城关镇",
       place: str = "新华村", counted: bool = True) -> risk.Dispute:
    return risk.Dispute(source=source, day=day, dispute_type=kind, town=town,
                        place_key=place, place=place, counted=counted)


# --- pure functions ----------------------------------------------------------------------


@pytest.mark.parametrize(("current", "previous", "flagged"), [
    (3, 2, True),    # +50 %: exactly the threshold
    (2, 1, False),   # +100 % but under the minimum count
    (4, 3, False),   # +33 %
    (5, 3, True),    # +67 %
    (3, 0, True),    # new, at the minimum count
    (2, 0, False),   # new, under it
    (3, 3, False),
    (2, 4, False),
])
def test_jump_threshold_at_the_boundary(current, previous, flagged):
    assert risk.jumped(current, previous, 50, 3) is flagged


def test_periods_and_trend_months():
    q1 = risk.make_period("quarter", 2026, 1)
    assert (q1.start, q1.end) == (date(2026, 1, 1), date(2026, 4, 1))
    previous = risk.previous_period(q1)
    assert (previous.kind, previous.year, previous.number) == ("quarter", 2025, 4)
    assert risk.previous_period(risk.make_period("month", 2026, 3)).start == date(2026, 2, 1)
    assert risk.previous_period(risk.make_period("year", 2026)).start == date(2025, 1, 1)
    months = risk.trend_months(q1)
    assert len(months) == 12
    assert months[0].start == date(2025, 4, 1) and months[-1].start == date(2026, 3, 1)
    period, wrong = risk.parse_period({}, date(2026, 8, 15))
    assert (period.kind, period.number, wrong) == ("quarter", 3, False)
    period, wrong = risk.parse_period({"kind": "month", "year": "2026", "month": "2"},
                                      date(2026, 8, 15))
    assert (period.kind, period.number, wrong) == ("month", 2, False)
    period, wrong = risk.parse_period({"kind": "quarter", "year": "2026", "number": "9"},
                                      date(2026, 8, 15))
    assert wrong and period.number == 3


def test_analysis_counts_by_type_town_and_place():
    q1 = risk.make_period("quarter", 2026, 1)
    disputes = [
        # Q1 2026: 新华村 3 cases + 1 screening that became one of them (counted once).
        _d(risk.CASE, date(2026, 1, 5)),
        _d(risk.CASE, date(2026, 2, 5), kind="婚姻家庭"),
        _d(risk.CASE, date(2026, 3, 31)),
        _d(risk.SCREENING, date(2026, 1, 3), counted=False),
        # 白龙村: 1 screening now.
        _d(risk.SCREENING, date(2026, 3, 1), town="白龙镇", place="白龙村"),
        # Q4 2025: 新华村 2, 白龙村 1.
        _d(risk.CASE, date(2025, 12, 31)),
        _d(risk.SCREENING, date(2025, 10, 1)),
        _d(risk.CASE, date(2025, 11, 11), town="白龙镇", place="白龙村"),
        # Outside both periods but inside the trend's twelve months.
        _d(risk.CASE, date(2025, 4, 1)),
        # Outside everything.
        _d(risk.CASE, date(2025, 3, 31)),
        _d(risk.CASE, date(2026, 4, 1)),
    ]
    result = risk.analyse(disputes, q1, percent=50, min_count=3)
    assert (result.cases, result.screenings, result.total, result.previous_total) == (3, 2, 4,
                                                                                       3)
    by_type = {row.label: (row.cases, row.screenings, row.total) for row in result.by_type.rows}
    assert by_type == {"邻里": (2, 2, 3), "婚姻家庭": (1, 0, 1)}
    by_place = {row.label: (row.total, row.previous, row.flagged)
                for row in result.by_place.rows}
    assert by_place == {"新华村": (3, 2, True), "白龙村": (1, 1, False)}
    by_town = {row.label: (row.total, row.previous, row.flagged) for row in result.by_town.rows}
    assert by_town == {"城关镇": (3, 2, True), "白龙镇": (1, 1, False)}
    assert [p.total for p in result.trend] == [1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2]
    # One more previous dispute in 新华村 and the rise (3 after 3) is no longer flagged.
    result = risk.analyse([*disputes, _d(risk.CASE, date(2025, 10, 2))], q1, 50, 3)
    assert not result.by_place.flagged


# --- the page ----------------------------------------------------------------------------


def _build(app, world) -> None:
    """Q1 2026 and Q4 2025 in tenant A, the station's 新华村 rising, 白龙 flat."""
    with app.app_context(), tenant_context(world.tenant.id):
        xinhua = places.create(kind="village", name="新华村", town="城关镇",
                               org_unit_id=world.station_id)
        bailong = places.create(kind="village", name="白龙村", town="白龙镇")
        family = db.session.scalar(select(DisputeType).where(
            DisputeType.code == "marriage_family"))
        for applied in (date(2026, 1, 6), date(2026, 2, 10)):
            drive_case(world, CaseStatus.ACCEPTED, applied=applied, place_id=xinhua.id)
        prevented = drive_case(world, CaseStatus.FAILED, applied=date(2026, 3, 9),
                               place_id=xinhua.id)
        prevented.prevented_criminal = True
        drive_case(world, CaseStatus.ACCEPTED, applied=date(2025, 12, 1), place_id=xinhua.id)
        drive_case(world, CaseStatus.ACCEPTED, applied=date(2025, 11, 1), place_id=xinhua.id)
        other_unit = db.session.get(Committee, world.other_committee_id).org_unit_id
        drive_case(world, CaseStatus.ACCEPTED, applied=date(2026, 2, 2), place_id=bailong.id,
                   committee_id=world.other_committee_id)
        db.session.add_all([
            Screening(org_unit_id=world.station_id, screened_on=date(2026, 3, 20),
                      place_detail="新华村五组", dispute_type_id=family.id,
                      summary="夫妻矛盾，男方扬言报复", risk_level=RiskLevel.HIGH,
                      criminal_risk=True),
            Screening(org_unit_id=other_unit, screened_on=date(2025, 12, 20),
                      place_id=bailong.id, dispute_type_id=world.dispute_type_id,
                      summary="白龙村邻里纠纷", status=ScreeningStatus.RESOLVED),
        ])
        db.session.commit()


def _rows(body: str, testid: str) -> dict[str, tuple[int, int, int, int, bool]]:
    table = body.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    found = {}
    for match in re.finditer(
            r'data-testid="breakdown-row" data-label="([^"]*)" data-total="(\d+)" '
            r'data-cases="(\d+)" data-screenings="(\d+)" data-previous="(\d+)"'
            r'( data-flagged="1")?', table):
        label, total, cases, screenings, previous, flagged = match.groups()
        found[label] = (int(cases), int(screenings), int(total), int(previous), bool(flagged))
    return found


def test_the_page_shows_the_hand_computed_figures(app, world, login_as):
    _build(app, world)
    with app.app_context(), tenant_context(world.tenant.id):
        mediation_settings().set_many({"risk_jump_percent": 50, "risk_min_count": 3})
        db.session.commit()
    client = login_as("section")
    response = client.get(f"/t/{world.tenant.slug}/mediation/risk/?{Q1}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'data-testid="sum-cases">4<' in body
    assert 'data-testid="sum-screenings">1<' in body
    assert 'data-testid="sum-total">5<' in body
    assert 'data-testid="sum-previous">3<' in body
    assert _rows(body, "by-type") == {"邻里": (4, 0, 4, 3, False),
                                      "婚姻家庭": (0, 1, 1, 0, False)}
    # 城关镇新华村: 3 now (2 before): +50 % at 3 disputes, flagged; the typed place is apart.
    assert _rows(body, "by-place") == {"城关镇新华村": (3, 0, 3, 2, True),
                                       "白龙镇白龙村": (1, 0, 1, 1, False),
                                       "新华村五组": (0, 1, 1, 0, False)}
    # The station's screening names no registered place: it counts for the station's town
    # (the one town of the places the station is responsible for).
    assert _rows(body, "by-town") == {"城关镇": (3, 1, 4, 2, True),
                                      "白龙镇": (1, 0, 1, 1, False)}
    assert 'data-testid="flag-place"' in body
    assert body.count('data-testid="watch-row"') == 1 and "男方扬言报复" in body
    assert body.count('data-testid="prevented-row"') == 1
    # At a 60 % threshold the place (+50 %) is no longer flagged; its town (+100 %) is.
    with app.app_context(), tenant_context(world.tenant.id):
        mediation_settings().set_many({"risk_jump_percent": 60})
        db.session.commit()
    body = client.get(f"/t/{world.tenant.slug}/mediation/risk/?{Q1}").get_data(as_text=True)
    assert not any(row[4] for row in _rows(body, "by-place").values())
    assert _rows(body, "by-town")["城关镇"][4]
    assert 'data-testid="flag-place"' not in body and 'data-testid="flag-town"' in body


def test_print_layout_and_export_match(app, world, login_as):
    _build(app, world)
    client = login_as("section")
    printed = client.get(f"/t/{world.tenant.slug}/mediation/risk/print?{Q1}")
    assert printed.status_code == 200
    page = printed.get_data(as_text=True)
    assert 'data-testid="main-nav"' not in page and "<form" not in page
    assert 'data-testid="by-place"' in page and "城关镇新华村" in page
    response = client.get(f"/t/{world.tenant.slug}/mediation/risk/export.xlsx?{Q1}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheets = workbook.worksheets
    assert len(sheets) == 7
    by_place = {row[0]: row[1:6] for row in sheets[3].iter_rows(min_row=4, values_only=True)}
    assert by_place["城关镇新华村"] == (3, 0, 3, 2, 1)
    assert by_place["新华村五组"] == (0, 1, 1, 0, 1)
    totals = [row for row in sheets[1].iter_rows(values_only=True) if row[3] is not None]
    assert totals[-1][1:4] == (4, 1, 5)
    trend = list(sheets[4].iter_rows(min_row=2, values_only=True))
    assert trend[-1] == ("2026-03", 1, 1, 2)
    assert all(isinstance(value, int) for row in trend for value in row[1:])


def test_scope_and_permissions(app, world, login_as):
    _build(app, world)
    # The station sees its own committee's cases and screenings only.
    body = login_as("station").get(
        f"/t/{world.tenant.slug}/mediation/risk/?{Q1}").get_data(as_text=True)
    assert 'data-testid="sum-cases">3<' in body
    assert "白龙镇白龙村" not in body
    assert login_as("mediator").get(f"/t/{world.tenant.slug}/mediation/risk/").status_code \
        == 403
    assert login_as("mediator").get(
        f"/t/{world.tenant.slug}/mediation/risk/export.xlsx").status_code == 403
    # A wrong period is said, not a 500.
    response = login_as("section").get(
        f"/t/{world.tenant.slug}/mediation/risk/?kind=quarter&year=2026&number=7")
    assert response.status_code == 200
    assert 'data-testid="period-error"' in response.get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.scalar(select(Case.id).limit(1)) is not None
