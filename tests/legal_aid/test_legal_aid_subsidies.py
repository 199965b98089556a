"""办案补贴: the period's table by provider and by category equals the hand computation of
the amounts the reviews stored; the XLSX export has the same numbers; scope and input."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl

from core.sdk import db
from plugins.legal_aid import subsidies as pay
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models.enums import CaseStatus, ReviewGrade
from plugins.legal_aid.workflow import transition

from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401

APRIL = "kind=month&year=2026&number=4"


def test_compute_rounds_half_up_and_adds_extra():
    rates = pay.Rates(by_category={MatterCategory.CIVIL: Decimal("333.33")},
                      excellent_percent=115, unqualified_percent=0)
    paid = pay.compute(MatterCategory.CIVIL, ReviewGrade.EXCELLENT, Decimal("10"), rates)
    assert paid.graded == Decimal("383.33")  # 383.3295 -> .33
    assert paid.amount == Decimal("393.33")
    assert pay.compute(MatterCategory.CIVIL, ReviewGrade.UNQUALIFIED, None,
                       rates).amount == Decimal("0.00")
    # A category without a rate pays only the extra costs.
    assert pay.compute(MatterCategory.ADMINISTRATIVE, ReviewGrade.QUALIFIED, Decimal("5"),
                       rates).amount == Decimal("5.00")


def close(world, reviewed: date, grade: ReviewGrade, base: str, extra: str | None,
          amount: str, provider: str = "zhou", category: str = "civil",
          archive: bool = False):
    """A case closed by a review on ``reviewed`` with the subsidy given."""
    case = drive_case(world, CaseStatus.ENDED, provider=provider,
                      category=MatterCategory(category), received_on=reviewed - timedelta(50))
    transition(case, CaseStatus.CLOSED, on=reviewed, reviewed_on=reviewed,
               materials_submitted_on=reviewed - timedelta(2), review_grade=grade,
               subsidy_base=Decimal(base), subsidy_extra=Decimal(extra) if extra else None,
               subsidy_amount=Decimal(amount))
    if archive:
        transition(case, CaseStatus.ARCHIVED, on=reviewed + timedelta(1),
                   archived_on=reviewed + timedelta(1))
    return case


def build(app, world) -> dict[str, str]:
    with in_world(app, world):
        cases = {
            "a": close(world, date(2026, 4, 10), ReviewGrade.QUALIFIED, "800", None, "800"),
            "b": close(world, date(2026, 4, 20), ReviewGrade.EXCELLENT, "600", "50.5",
                       "770.50", category="labour_arbitration"),
            "c": close(world, date(2026, 4, 30), ReviewGrade.UNQUALIFIED, "800", None, "0",
                       provider="li"),
            "e": close(world, date(2026, 4, 1), ReviewGrade.QUALIFIED, "800", None, "800",
                       archive=True),
            "may": close(world, date(2026, 5, 1), ReviewGrade.QUALIFIED, "800", None, "800",
                         provider="wu"),
            "march": close(world, date(2026, 3, 31), ReviewGrade.QUALIFIED, "800", None,
                           "800", provider="wu"),
            "open": drive_case(world, CaseStatus.ENDED, received_on=date(2026, 3, 1)),
        }
        numbers = {key: case.number for key, case in cases.items()}
        db.session.commit()
    return numbers


def test_page_totals_equal_the_hand_computation(app, world, login_as):
    numbers = build(app, world)
    response = login_as("director").get(f"/t/{world.tenant.slug}/legal_aid/subsidies/?{APRIL}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert ('data-testid="subsidy-line" data-provider="周婷" data-count="3" '
            'data-amount="2370.50"') in body
    assert 'data-provider="李明" data-count="1" data-amount="0.00"' in body
    assert 'data-provider="吴刚"' not in body
    assert 'data-testid="subsidy-total" data-count="4" data-amount="2370.50"' in body
    assert 'data-category="civil" data-count="3" data-amount="1600.00"' in body
    assert 'data-category="labour_arbitration" data-count="1" data-amount="770.50"' in body
    for key in ("a", "b", "c", "e"):
        assert f'data-number="{numbers[key]}"' in body, key
    for key in ("may", "march", "open"):
        assert f'data-number="{numbers[key]}"' not in body, key
    # The quarter holds March too; the year everything reviewed.
    quarter = login_as("director").get(
        f"/t/{world.tenant.slug}/legal_aid/subsidies/?kind=quarter&year=2026&number=2"
    ).get_data(as_text=True)
    assert 'data-testid="subsidy-total" data-count="5" data-amount="3170.50"' in quarter
    year = login_as("leader").get(
        f"/t/{world.tenant.slug}/legal_aid/subsidies/?kind=year&year=2026").get_data(
        as_text=True)
    assert 'data-testid="subsidy-total" data-count="6" data-amount="3970.50"' in year


def test_export_opens_with_the_same_numbers(app, world, login_as):
    build(app, world)
    response = login_as("director").get(
        f"/t/{world.tenant.slug}/legal_aid/subsidies/export.xlsx?{APRIL}")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}
    # cases; excellent, qualified, unqualified; extra; amount.
    assert rows["周婷"][2:] == (3, 1, 2, 0, 50.5, 2370.5)
    assert rows["李明"][2:] == (1, 0, 0, 1, 0, 0)
    total = next(row for key, row in rows.items() if key in ("Total", "合计"))
    assert total[2:] == (4, 1, 2, 1, 50.5, 2370.5)
    assert sheet.cell(row=4, column=8).number_format == "#,##0.00"
    categories = {row[0]: row[1:] for row in workbook.worksheets[1].iter_rows(
        min_row=2, values_only=True)}
    assert sorted(v for v in categories.values()) == sorted(
        [(3, 0, 1600), (1, 50.5, 770.5), (4, 50.5, 2370.5)])
    amounts = sorted(row[7] for row in workbook.worksheets[2].iter_rows(min_row=2,
                                                                       values_only=True))
    assert amounts == [0, 770.5, 800, 800]


def test_permission_scope_and_bad_period(app, world, login_as):
    build(app, world)
    url = f"/t/{world.tenant.slug}/legal_aid/subsidies/"
    assert login_as("lawyer2").get(url).status_code == 403
    assert login_as("reviewer").get(f"{url}export.xlsx").status_code == 403
    bad = login_as("director").get(f"{url}?kind=month&year=2026&number=13")
    assert bad.status_code == 200
    assert 'data-testid="period-error"' in bad.get_data(as_text=True)
    junk = login_as("director").get(f"{url}export.xlsx?kind=x&year=abc")
    assert junk.status_code == 200
