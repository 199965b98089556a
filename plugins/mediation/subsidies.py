"""以案定补: the subsidy each mediator earns for the cases closed in a period.

The rate depends on the case's difficulty (tenant settings ``subsidy_simple`` …
``subsidy_major``); a written agreement earns the full rate, an oral one
``subsidy_oral_share`` % of it, a case mediated without agreement ``subsidy_failed_share`` %,
a terminated case nothing. Amounts are exact decimals rounded half up to the fen, per case;
subtotals and the total add the rounded amounts, so the table adds up on paper.

Pure functions over plain records (:class:`ClosedCase`); ``views/analysis.py`` loads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.mediation.models.enums import Difficulty
from plugins.mediation.settings import RATE_FIELDS

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

# Results a closed case is paid by.
WRITTEN = "written"
ORAL = "oral"
FAILED = "failed"
TERMINATED = "terminated"
RESULTS = (WRITTEN, ORAL, FAILED, TERMINATED)


@dataclass(frozen=True)
class ClosedCase:
    case_id: int
    number: str
    closed_on: date
    result: str  # one of RESULTS
    difficulty: Difficulty
    mediator_id: int | None
    mediator: str = ""  # the mediator's name
    committee: str = ""
    summary: str = ""


@dataclass(frozen=True)
class Rates:
    by_difficulty: Mapping[Difficulty, Decimal]
    oral_share: Decimal  # percent
    failed_share: Decimal  # percent

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Rates:
        return cls(by_difficulty={d: Decimal(str(settings[name]))
                                  for d, name in RATE_FIELDS.items()},
                   oral_share=Decimal(str(settings["subsidy_oral_share"])),
                   failed_share=Decimal(str(settings["subsidy_failed_share"])))

    def share(self, result: str) -> Decimal:
        """The percent of the rate a result earns."""
        return {WRITTEN: HUNDRED, ORAL: self.oral_share, FAILED: self.failed_share,
                TERMINATED: Decimal(0)}[result]


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PaidCase:
    case: ClosedCase
    rate: Decimal
    share: Decimal
    amount: Decimal


def pay(case: ClosedCase, rates: Rates) -> PaidCase:
    rate = rates.by_difficulty[case.difficulty]
    share = rates.share(case.result)
    return PaidCase(case=case, rate=rate, share=share, amount=money(rate * share / HUNDRED))


@dataclass
class MediatorLine:
    mediator_id: int | None
    mediator: str
    committee: str
    cases: list[PaidCase] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(paid.case.result == result for paid in self.cases)

    def by_difficulty(self, difficulty: Difficulty) -> int:
        return sum(paid.case.difficulty is difficulty for paid in self.cases)

    @property
    def amount(self) -> Decimal:
        return sum((paid.amount for paid in self.cases), Decimal("0.00"))


@dataclass
class SubsidyTable:
    start: date
    end: date  # inclusive
    lines: list[MediatorLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    def count(self, result: str) -> int:
        return sum(line.count(result) for line in self.lines)

    def by_difficulty(self, difficulty: Difficulty) -> int:
        return sum(line.by_difficulty(difficulty) for line in self.lines)

    @property
    def case_count(self) -> int:
        return sum(len(line.cases) for line in self.lines)


def subsidy_table(cases: Iterable[ClosedCase], rates: Rates, start: date,
                  end: date) -> SubsidyTable:
    """Per mediator, the cases closed from ``start`` to ``end`` (both included) with their
    amounts; mediators by name, cases by closing day and number. Cases closed without a
    mediator (ended before one was assigned) form a line of their own, last."""
    lines: dict[int | None, MediatorLine] = {}
    for case in cases:
        if not start <= case.closed_on <= end or case.result not in RESULTS:
            continue
        line = lines.setdefault(case.mediator_id, MediatorLine(
            mediator_id=case.mediator_id, mediator=case.mediator, committee=case.committee))
        line.cases.append(pay(case, rates))
    for line in lines.values():
        line.cases.sort(key=lambda paid: (paid.case.closed_on, paid.case.number))
    ordered = sorted(lines.values(), key=lambda line: (line.mediator_id is None,
                                                       line.committee, line.mediator))
    return SubsidyTable(start=start, end=end, lines=ordered)
