"""Report periods (a month, a quarter or a year) from request arguments, and their labels.

The canonical arguments are ``kind`` (month, quarter, year), ``year`` and ``number`` (the
month 1-12 or the quarter 1-4). The period picker sends ``month`` and ``quarter`` selects
instead of ``number`` so that it works without JavaScript: the one matching ``kind`` counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.plugins.contributions import ReportPeriod

TIMEZONE = ZoneInfo("Asia/Shanghai")
KINDS = ("month", "quarter", "year")
KIND_TITLES = {"month": _l("Monthly"), "quarter": _l("Quarterly"), "year": _l("Yearly")}
MIN_YEAR = 2000
YEARS_OFFERED = 10  # the picker's year select: this year and the nine before
QUARTER_TITLES = {1: _l("First quarter"), 2: _l("Second quarter"),
                  3: _l("Third quarter"), 4: _l("Fourth quarter")}


class PeriodError(ValueError):
    """Arguments that name no period this page shows."""


def today() -> date:
    """Today in the bureaus' time zone, whatever the server's."""
    return datetime.now(TIMEZONE).date()


def first_of_month(year: int, month: int) -> date:
    # Month 13 is January of the next year: the end of a half-open range.
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def make_period(kind: str, year: int, number: int = 1) -> ReportPeriod:
    """The period, or :class:`PeriodError` when the values name none."""
    if kind not in KINDS:
        raise PeriodError(f"unknown kind {kind!r}")
    if not MIN_YEAR <= year <= today().year:
        raise PeriodError(f"year {year} out of range")
    if kind == "month":
        if not 1 <= number <= 12:
            raise PeriodError(f"month {number} out of range")
        first, months = number, 1
    elif kind == "quarter":
        if not 1 <= number <= 4:
            raise PeriodError(f"quarter {number} out of range")
        first, months = 3 * (number - 1) + 1, 3
    else:
        number, first, months = 1, 1, 12
    return ReportPeriod(kind=kind, year=year, number=number, start=first_of_month(year, first),
                        end=first_of_month(year, first + months))


def current_month() -> ReportPeriod:
    now = today()
    return make_period("month", now.year, now.month)


def _integer(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise PeriodError(f"not a number: {value!r}") from None


def parse_period(args: Mapping[str, str]) -> tuple[ReportPeriod, str | None]:
    """The period the arguments ask for and ``None``; or, when they are missing, the current
    month and ``None``; or, when they are wrong, the current month and a message to show."""
    if not any(args.get(name) for name in ("kind", "year", "number", "month", "quarter")):
        return current_month(), None
    try:
        kind = (args.get("kind") or "").strip()
        if kind not in KINDS:
            raise PeriodError(f"unknown kind {kind!r}")
        number = 1
        if kind != "year":
            number = _integer(args.get("number") or args.get(kind))
        return make_period(kind, _integer(args.get("year")), number), None
    except PeriodError:
        return current_month(), _("That period cannot be shown; showing the current month.")


def period_args(period: ReportPeriod) -> dict[str, str | int]:
    """The canonical query arguments of a period (links, the export)."""
    return {"kind": period.kind, "year": period.year, "number": period.number}


def month_title(month: int) -> str:
    return _("Month %(month)d", month=month)


def period_label(period: ReportPeriod) -> str:
    """How the period reads on the page, in the export and its file name (2026年11月)."""
    if period.kind == "month":
        return _("%(year)d-%(month)02d", year=period.year, month=period.number)
    if period.kind == "quarter":
        return _("%(quarter)s %(year)d", quarter=QUARTER_TITLES[period.number],
                 year=period.year)
    return _("Year %(year)d", year=period.year)


def months_of(period: ReportPeriod) -> list[ReportPeriod]:
    """The months a period covers, in order (one for a month, three or twelve otherwise)."""
    months = []
    day = period.start
    while day < period.end:
        months.append(make_period("month", day.year, day.month))
        day = first_of_month(day.year, day.month + 1)
    return months


def years_offered() -> list[int]:
    """The picker's years, newest first."""
    this_year = today().year
    return list(range(this_year, max(MIN_YEAR, this_year - YEARS_OFFERED + 1) - 1, -1))


def period_containing(kind: str, day: date) -> ReportPeriod:
    """The month, quarter or year that ``day`` falls in."""
    number = {"month": day.month, "quarter": (day.month - 1) // 3 + 1, "year": 1}[kind]
    return make_period(kind, day.year, number)


def previous_period(period: ReportPeriod) -> ReportPeriod:
    """The period of the same kind just before (Q1 2026 -> Q4 2025)."""
    if period.kind == "year":
        return make_period("year", period.year - 1)
    count = 12 if period.kind == "month" else 4
    if period.number == 1:
        return make_period(period.kind, period.year - 1, count)
    return make_period(period.kind, period.year, period.number - 1)


def last_months(period: ReportPeriod, count: int) -> list[ReportPeriod]:
    """The ``count`` months ending with the period's last month, oldest first."""
    last = first_of_month(period.end.year, period.end.month - 1)
    return [make_period("month", day.year, day.month)
            for day in (first_of_month(last.year, last.month - back)
                        for back in range(count - 1, -1, -1))]
