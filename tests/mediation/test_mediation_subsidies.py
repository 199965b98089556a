"""以案定补: amounts per case, per mediator and in all equal the hand computation with the
tenant's rates; the detail page and the XLSX export show the same; scope and permission."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
from sqlalchemy import select

from core.sdk import db, tenant_context
from plugins.mediation import subsidies as pay
from plugins.mediation.models import Case
from plugins.mediation.models.enums import AgreementKind, CaseStatus, Difficulty
from plugins.mediation.settings import mediation_settings
from plugins.mediation.workflow import transition

from mediation_support import (  # noqa: F401
    add_agreement,
    add_session,
    drive_case,
    login_as,
    world,
)

MARCH = "from=2026-03-01&to=2026-03-31"
RATES = {"subsidy_simple": "55.55", "subsidy_ordinary": "100", "subsidy_difficult": "333.33",
         "subsidy_major": "500", "subsidy_oral_share": 33, "subsidy_failed_share": 15}


def test_rounding_is_half_up_to_the_fen():
    rates = pay.Rates(by_difficulty={d: Decimal("10.01") for d in Difficulty},
                      oral_share=Decimal(50), failed_share=Decimal(0))
    case = pay.ClosedCase(case_id=1, number="1", closed_on=date(2026, 3, 1), result=pay.ORAL,
                          difficulty=Difficulty.SIMPLE, mediator_id=7)
    assert pay.pay(case, rates).amount == Decimal("5.01")  # 5.005: half up, not to even
    terminated = pay.ClosedCase(case_id=2, number="2", closed_on=date(2026, 3, 1),
                                result=pay.TERMINATED, difficulty=Difficulty.MAJOR,
                                mediator_id=7)
    table = pay.subsidy_table([case, terminated], rates, date(2026, 3, 1), date(2026, 3, 1))
    assert table.total == Decimal("5.01") and table.count(pay.TERMINATED) == 1


def _oral(world, applied: date, difficulty: Difficulty) -> Case:
    case = drive_case(world, CaseStatus.MEDIATING, applied=applied, difficulty=difficulty)
    add_session(case, applied)
    add_agreement(case, applied, kind=AgreementKind.ORAL)
    transition(case, CaseStatus.AGREED, on=applied)
    return case


def _build(app, world) -> dict[str, str]:
    """Cases closed in March 2026 (and one in April), with their expected amounts."""
    with app.app_context(), tenant_context(world.tenant.id):
        mediation_settings().set_many(RATES)
        day = date(2026, 3, 10)
        cases = {
            "written_difficult": drive_case(world, CaseStatus.AGREED, applied=day,
                                            difficulty=Difficulty.DIFFICULT),
            "oral_ordinary": _oral(world, day, Difficulty.ORDINARY),
            "failed_difficult": drive_case(world, CaseStatus.FAILED, applied=day,
                                           difficulty=Difficulty.DIFFICULT),
            "oral_simple": _oral(world, date(2026, 3, 31), Difficulty.SIMPLE),
            "archived_major": drive_case(world, CaseStatus.ARCHIVED, applied=date(2026, 3, 1),
                                         difficulty=Difficulty.MAJOR),
            "terminated": drive_case(world, CaseStatus.TERMINATED, applied=day),
            "other_written_simple": drive_case(
                world, CaseStatus.AGREED, applied=day, difficulty=Difficulty.SIMPLE,
                committee_id=world.other_committee_id, mediator_id=world.other_mediator_id),
            "april": drive_case(world, CaseStatus.AGREED, applied=date(2026, 4, 1)),
            "open": drive_case(world, CaseStatus.MEDIATING, applied=day),
            "transferred": drive_case(world, CaseStatus.TRANSFERRED, applied=day),
        }
        numbers = {key: case.number for key, case in cases.items()}
        db.session.commit()
    return numbers


# Hand computation with RATES:
EXPECTED = {
    "written_difficult": Decimal("333.33"),
    "oral_ordinary": Decimal("33.00"),       # 100 x 33 %
    "failed_difficult": Decimal("50.00"),    # 333.33 x 15 % = 49.9995
    "oral_simple": Decimal("18.33"),         # 55.55 x 33 % = 18.3315
    "archived_major": Decimal("500.00"),     # agreed in writing, archived since
    "terminated": Decimal("0.00"),
}
MINE = sum(EXPECTED.values())  # 934.66
OTHER = Decimal("55.55")


def _lines(body: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'data-testid="subsidy-line" data-mediator="([^"]*)" '
                           r'data-amount="([^"]+)"', body))


def test_table_equals_the_hand_computation(app, world, login_as):
    numbers = _build(app, world)
    assert Decimal("934.66") == MINE
    client = login_as("section")
    response = client.get(f"/t/{world.tenant.slug}/mediation/subsidies/?{MARCH}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert _lines(body) == {"王秀英": "934.66", "陈光华": "55.55"}
    assert 'data-testid="subsidy-total" data-amount="990.21"' in body
    detail = client.get(f"/t/{world.tenant.slug}/mediation/subsidies/cases?{MARCH}")
    page = detail.get_data(as_text=True)
    for key, amount in EXPECTED.items():
        assert f'data-number="{numbers[key]}" data-amount="{amount}"' in page, key
    for key in ("april", "open", "transferred"):
        assert f'data-number="{numbers[key]}"' not in page, key
    # Narrowed to one mediator.
    one = client.get(f"/t/{world.tenant.slug}/mediation/subsidies/cases?{MARCH}"
                     f"&mediator={world.other_mediator_id}").get_data(as_text=True)
    assert one.count('data-testid="subsidy-case"') == 1
    assert f'data-number="{numbers["other_written_simple"]}" data-amount="55.55"' in one


def test_export_has_the_same_table_with_numbers(app, world, login_as):
    _build(app, world)
    response = login_as("section").get(
        f"/t/{world.tenant.slug}/mediation/subsidies/export.xlsx?{MARCH}")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=4, max_row=6, values_only=True)}
    mine = rows["王秀英"]
    # written, oral, failed, terminated; simple, ordinary, difficult, major; amount.
    assert mine[2:] == (2, 2, 1, 1, 1, 2, 2, 1, 934.66)
    assert rows["陈光华"][2:] == (1, 0, 0, 0, 1, 0, 0, 0, 55.55)
    total = next(row for row in sheet.iter_rows(min_row=4, values_only=True)
                 if row[0] == "合计" or row[0] == "Total")
    assert total[2:] == (3, 2, 1, 1, 2, 2, 2, 1, 990.21)
    assert sheet.cell(row=4, column=11).number_format == "#,##0.00"
    cases = workbook.worksheets[1]
    amounts = sorted(row[8] for row in cases.iter_rows(min_row=2, values_only=True))
    assert amounts == sorted([float(v) for v in EXPECTED.values()] + [55.55])


def test_a_grant_on_one_station_counts_its_mediators_only(app, world, login_as):
    _build(app, world)
    from core.sdk import OrgUnit

    from mediation_support import _user

    with app.app_context(), tenant_context(world.tenant.id):
        _user("bailong_section", "孙科员", "mediation_section",
              db.session.get(OrgUnit, world.other_station_id))
        db.session.commit()
    body = login_as("bailong_section").get(
        f"/t/{world.tenant.slug}/mediation/subsidies/?{MARCH}").get_data(as_text=True)
    assert _lines(body) == {"陈光华": "55.55"}
    assert 'data-testid="subsidy-total" data-amount="55.55"' in body


def test_scope_permission_and_period_input(app, world, login_as):
    _build(app, world)
    # The station officer holds no subsidy permission; the section sees the whole county.
    assert login_as("station").get(
        f"/t/{world.tenant.slug}/mediation/subsidies/").status_code == 403
    assert login_as("mediator").get(
        f"/t/{world.tenant.slug}/mediation/subsidies/export.xlsx").status_code == 403
    # A wrong period is said and last month shown, never a 500.
    client = login_as("section")
    for query in ("from=2026-03-31&to=2026-03-01", "from=xx&to=2026-03-01"):
        response = client.get(f"/t/{world.tenant.slug}/mediation/subsidies/?{query}")
        assert response.status_code == 200
        assert 'data-testid="period-error"' in response.get_data(as_text=True)
    # The default period is last month.
    assert client.get(f"/t/{world.tenant.slug}/mediation/subsidies/").status_code == 200
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.scalar(select(Case.id).limit(1)) is not None
