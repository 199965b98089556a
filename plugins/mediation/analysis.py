"""Risk analysis (矛盾纠纷研判): disputes of a period by type, town and place, the trend of
the last twelve months, and the places whose disputes jumped since the previous period.

Pure functions over plain records (:class:`Dispute`), so that the figures can be checked on
a hand-made set; ``views/analysis.py`` loads the records and renders them.

A dispute is a mediation case (dated by acceptance, or by application while not accepted)
or a screening record (dated by the day it was found). A screening that became a case is
counted once, as the case, in the totals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from core.sdk import ReportPeriod, periods

CASE = "case"
SCREENING = "screening"
TREND_MONTHS = 12


@dataclass(frozen=True)
class Dispute:
    """One dispute as the analysis sees it; ``place_key`` tells places apart (the registry
    id, or the free text when no registered place was chosen)."""

    source: str  # CASE or SCREENING
    day: date
    dispute_type: str
    town: str
    place_key: str
    place: str
    counted: bool = True  # False: a screening already counted as its case


@dataclass
class Row:
    """One line of a breakdown: cases and screenings apart, and the total counted once."""

    label: str
    key: str = ""
    cases: int = 0
    screenings: int = 0
    total: int = 0
    previous: int = 0  # the total of the previous period
    flagged: bool = False

    @property
    def change(self) -> int:
        return self.total - self.previous

    @property
    def rise_percent(self) -> int | None:
        """Rise over the previous period in whole percent; None when it had none."""
        if self.previous == 0:
            return None
        return round(self.change * 100 / self.previous)


@dataclass
class Breakdown:
    rows: list[Row] = field(default_factory=list)

    @property
    def flagged(self) -> list[Row]:
        return [row for row in self.rows if row.flagged]

    @property
    def totals(self) -> Row:
        total = Row(label="")
        for row in self.rows:
            total.cases += row.cases
            total.screenings += row.screenings
            total.total += row.total
            total.previous += row.previous
        return total


# --- periods ---------------------------------------------------------------------------


# Periods come from core (``core.sdk.periods``), as on the statistics pages.
make_period = periods.make_period
period_containing = periods.period_containing
previous_period = periods.previous_period


def parse_period(args: Mapping[str, str], today: date) -> tuple[ReportPeriod, bool]:
    """The period the query arguments name (``kind``, ``year`` and ``number``, or the
    picker's ``month``/``quarter`` select matching the kind), or this quarter; the flag is
    True when arguments were given but named no period."""
    if not any(args.get(name) for name in ("kind", "year", "number", "month", "quarter")):
        return period_containing("quarter", today), False
    try:
        kind = (args.get("kind") or "").strip()
        year = int((args.get("year") or "").strip())
        number = 1
        if kind != "year":
            number = int((args.get("number") or args.get(kind) or "").strip())
        return make_period(kind, year, number), False
    except ValueError:
        return period_containing("quarter", today), True


def trend_months(period: ReportPeriod, count: int = TREND_MONTHS) -> list[ReportPeriod]:
    """The ``count`` months ending with the period's last month, oldest first."""
    return periods.last_months(period, count)


def in_period(day: date, period: ReportPeriod) -> bool:
    return period.start <= day < period.end


# --- breakdowns --------------------------------------------------------------------------


def jumped(current: int, previous: int, percent: int, min_count: int) -> bool:
    """A rise worth flagging: at least ``min_count`` disputes now and at least ``percent`` %
    more than before (from none before, any count of at least ``min_count``)."""
    if current < min_count:
        return False
    # Integers only: 3 after 2 is exactly +50 %, flagged at a 50 % threshold.
    return (current - previous) * 100 >= percent * previous and current > previous


def breakdown(current: Iterable[Dispute], previous: Iterable[Dispute], key: str,
              percent: int | None = None, min_count: int = 1,
              labels: Mapping[str, str] | None = None) -> Breakdown:
    """Disputes of the period by ``key`` (``dispute_type``, ``town`` or ``place_key``),
    each row with the previous period's total; flagged by :func:`jumped` when ``percent``
    is given. Rows by total (highest first), then label."""
    rows: dict[str, Row] = {}

    def row(value: str) -> Row:
        if value not in rows:
            rows[value] = Row(label=(labels or {}).get(value, value), key=value)
        return rows[value]

    for dispute in current:
        target = row(getattr(dispute, key))
        if dispute.source == CASE:
            target.cases += 1
        else:
            target.screenings += 1
        target.total += dispute.counted
    before: Counter[str] = Counter(getattr(d, key) for d in previous if d.counted)
    for value, count in before.items():
        if value in rows:  # a place quiet now is no risk: not listed
            rows[value].previous = count
    for target in rows.values():
        # "Not given" (an empty key) is no place to watch.
        if percent is not None and target.key:
            target.flagged = jumped(target.total, target.previous, percent, min_count)
    ordered = sorted(rows.values(), key=lambda r: (-r.total, -r.cases, r.label))
    return Breakdown(rows=ordered)


def place_labels(disputes: Iterable[Dispute]) -> dict[str, str]:
    return {d.place_key: d.place for d in disputes}


@dataclass
class TrendPoint:
    period: ReportPeriod
    cases: int
    screenings: int
    total: int


def trend(disputes: Iterable[Dispute], months: list[ReportPeriod]) -> list[TrendPoint]:
    """Cases, screenings and counted total per month."""
    points = {month.start: TrendPoint(month, 0, 0, 0) for month in months}
    for dispute in disputes:
        point = points.get(periods.first_of_month(dispute.day.year, dispute.day.month))
        if point is None:
            continue
        if dispute.source == CASE:
            point.cases += 1
        else:
            point.screenings += 1
        point.total += dispute.counted
    return list(points.values())


@dataclass
class Analysis:
    period: ReportPeriod
    previous: ReportPeriod
    by_type: Breakdown
    by_town: Breakdown
    by_place: Breakdown
    trend: list[TrendPoint]
    cases: int
    screenings: int
    total: int
    previous_total: int


def analyse(disputes: list[Dispute], period: ReportPeriod, percent: int,
            min_count: int) -> Analysis:
    """Everything the risk-analysis page shows, from the disputes of the trend's twelve
    months and of the previous period (more may be given: they are filtered by date)."""
    before = previous_period(period)
    now = [d for d in disputes if in_period(d.day, period)]
    then = [d for d in disputes if in_period(d.day, before)]
    return Analysis(
        period=period, previous=before,
        by_type=breakdown(now, then, "dispute_type"),
        by_town=breakdown(now, then, "town", percent, min_count),
        by_place=breakdown(now, then, "place_key", percent, min_count,
                           labels=place_labels([*then, *now])),
        trend=trend(disputes, trend_months(period)),
        cases=sum(d.source == CASE for d in now),
        screenings=sum(d.source == SCREENING for d in now),
        total=sum(d.counted for d in now),
        previous_total=sum(d.counted for d in then),
    )


def earliest_needed(period: ReportPeriod) -> date:
    """The first day whose disputes the analysis of ``period`` reads."""
    return min(previous_period(period).start, trend_months(period)[0].start)
