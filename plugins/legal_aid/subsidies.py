"""办案补贴: the subsidy of a closed case (法律援助法第五十二条) and the period's tables.

The tenant sets a rate per matter category; the closure review's grade takes a share of
it (excellent: more, qualified: all, unqualified: a share, often nothing until the work is
put right); costs such as travel (差旅等) are added as they were. Pure: the views load
the cases and the settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models.enums import ReviewGrade
from plugins.legal_aid.settings import RATE_FIELDS

FEN = Decimal("0.01")
HUNDRED = Decimal(100)


def money(value: Decimal) -> Decimal:
    """Rounded half up to the fen (not to even: that is how payments are rounded)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rates:
    by_category: Mapping[MatterCategory, Decimal]
    excellent_percent: int = 120
    unqualified_percent: int = 0

    def rate(self, category: MatterCategory) -> Decimal:
        return self.by_category.get(category, Decimal(0))

    def percent(self, grade: ReviewGrade) -> int:
        if grade is ReviewGrade.EXCELLENT:
            return self.excellent_percent
        if grade is ReviewGrade.UNQUALIFIED:
            return self.unqualified_percent
        return 100


def rates_from_settings(values: Mapping[str, Any]) -> Rates:
    """The rates from the stored settings (``legal_aid_settings().get_all()``)."""
    return Rates(
        by_category={category: money(Decimal(str(values.get(name) or 0)))
                     for category, name in RATE_FIELDS.items()},
        excellent_percent=int(values.get("subsidy_excellent_percent") or 0),
        unqualified_percent=int(values.get("subsidy_unqualified_percent") or 0))


def current_rates() -> Rates:
    """The current tenant's rates."""
    from plugins.legal_aid.settings import legal_aid_settings

    return rates_from_settings(legal_aid_settings().get_all())


@dataclass(frozen=True)
class Subsidy:
    """One case's subsidy: ``base`` (the category's rate) × ``percent`` + ``extra``."""

    base: Decimal
    percent: int
    graded: Decimal  # the base's share for the grade
    extra: Decimal
    amount: Decimal


def compute(category: MatterCategory, grade: ReviewGrade, extra: Decimal | None,
            rates: Rates) -> Subsidy:
    base = rates.rate(category)
    percent = rates.percent(grade)
    graded = money(base * Decimal(percent) / HUNDRED)
    extra = money(extra or Decimal(0))
    return Subsidy(base=base, percent=percent, graded=graded, extra=extra,
                   amount=graded + extra)


def grade_table(category: MatterCategory, rates: Rates) -> list[tuple[ReviewGrade, Subsidy]]:
    """What each grade would pay (before extra costs): the review form's explanation."""
    return [(grade, compute(category, grade, None, rates)) for grade in ReviewGrade]


# --- the period's table ------------------------------------------------------------------


@dataclass(frozen=True)
class PaidCase:
    """A reviewed case as the table needs it (loaded by the view)."""

    case_id: int
    number: str
    category: MatterCategory
    reviewed_on: date
    grade: ReviewGrade | None
    provider_id: int | None
    provider: str  # name ("" when none)
    organisation: str
    base: Decimal
    extra: Decimal
    amount: Decimal


@dataclass
class Line:
    """A provider's (or a category's) cases and totals."""

    key: Any
    title: str
    organisation: str = ""
    cases: list[PaidCase] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.cases)

    @property
    def base(self) -> Decimal:
        return sum((c.base for c in self.cases), Decimal(0))

    @property
    def extra(self) -> Decimal:
        return sum((c.extra for c in self.cases), Decimal(0))

    @property
    def amount(self) -> Decimal:
        return sum((c.amount for c in self.cases), Decimal(0))

    def graded(self, grade: ReviewGrade) -> int:
        return sum(1 for c in self.cases if c.grade is grade)


@dataclass
class SubsidyTable:
    by_provider: list[Line]
    by_category: list[Line]
    cases: list[PaidCase]

    @property
    def count(self) -> int:
        return len(self.cases)

    @property
    def extra(self) -> Decimal:
        return sum((c.extra for c in self.cases), Decimal(0))

    @property
    def amount(self) -> Decimal:
        return sum((c.amount for c in self.cases), Decimal(0))

    def graded(self, grade: ReviewGrade) -> int:
        return sum(1 for c in self.cases if c.grade is grade)


def subsidy_table(cases: Iterable[PaidCase]) -> SubsidyTable:
    """The cases grouped by provider (largest amount first) and by category (in order)."""
    cases = sorted(cases, key=lambda c: (c.reviewed_on, c.number))
    providers: dict[Any, Line] = {}
    categories: dict[MatterCategory, Line] = {}
    for case in cases:
        providers.setdefault(case.provider_id, Line(case.provider_id, case.provider,
                                                    case.organisation)).cases.append(case)
        categories.setdefault(case.category, Line(case.category, "")).cases.append(case)
    by_provider = sorted(providers.values(), key=lambda line: (-line.amount, line.title))
    by_category = [categories[c] for c in MatterCategory if c in categories]
    return SubsidyTable(by_provider=by_provider, by_category=by_category, cases=cases)
