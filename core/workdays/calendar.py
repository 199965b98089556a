"""Working days: the national calendar (chinese-calendar) with the tenant's overrides on top.

Statutory deadlines (e.g. 人民调解 time limits) are counted in working days: weekends and
public holidays do not count, make-up working days (调休, a Saturday or Sunday worked in
exchange for a longer holiday) do. A tenant may declare its own exceptions
(:class:`CalendarOverride`), which win over the national calendar for that tenant only.

The package ships the State Council's announcements year by year; for a year it does not
know yet the functions raise :class:`CalendarNotCovered` instead of guessing (a deadline
computed without the holidays would be wrong, silently).

All functions work inside a tenant context only: the overrides are tenant rows and the
fail-closed scoping raises outside one. Each call reads the overrides it needs in one query.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import chinese_calendar
from chinese_calendar import constants as national
from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.db import db
from core.tenancy.context import current_tenant_id
from core.workdays.models import CalendarOverride, DayKind

# The package validates by year: every day of its first to its last year is known.
FIRST_COVERED = date(min(national.holidays).year, 1, 1)
LAST_COVERED = date(max(national.holidays).year, 12, 31)


class CalendarNotCovered(ValueError):
    """A day outside the years whose public holidays the national calendar knows."""

    def __init__(self, day: date) -> None:
        self.day = day
        if day > LAST_COVERED:
            message = _("The working-day calendar does not cover %(date)s; holidays are only "
                        "known up to %(last)s.", date=day.isoformat(),
                        last=LAST_COVERED.isoformat())
        else:
            message = _("The working-day calendar does not cover %(date)s; holidays are only "
                        "known from %(first)s.", date=day.isoformat(),
                        first=FIRST_COVERED.isoformat())
        super().__init__(message)


def national_is_workday(day: date) -> bool:
    """The national calendar alone (no tenant overrides); raises CalendarNotCovered."""
    if not FIRST_COVERED <= day <= LAST_COVERED:
        raise CalendarNotCovered(day)
    return chinese_calendar.is_workday(day)


def national_holidays(year: int) -> list[tuple[date, str, bool]]:
    """The year's days that differ from a plain Monday-to-Friday week, for reference:
    (day, holiday name in English as the package has it, is a working day) — public
    holidays on weekdays and make-up working days on weekends. Empty outside coverage."""
    if not FIRST_COVERED.year <= year <= LAST_COVERED.year:
        return []
    days = [(day, name, False) for day, name in national.holidays.items()
            if day.year == year and day.weekday() < 5]
    days += [(day, name, True) for day, name in national.workdays.items()
             if day.year == year and day.weekday() >= 5]
    return sorted(days)


def _all_overrides() -> dict[date, DayKind]:
    """The current tenant's overrides (a handful a year), read once per request: a deadlines
    page counts working days for every open case. Outside a request, read each time."""
    cache = g.setdefault("_fatong_overrides", {}) if has_request_context() else None
    key = current_tenant_id()
    if cache is not None and key in cache:
        return cache[key]
    found = {day: DayKind(kind) for day, kind in db.session.execute(
        select(CalendarOverride.day, CalendarOverride.kind))}
    if cache is not None:
        cache[key] = found
    return found


@event.listens_for(Session, "after_flush")
def _forget_overrides(session: Session, _context: Any) -> None:
    # An override written in this request counts from the next read on.
    if has_request_context() and any(isinstance(obj, CalendarOverride) for obj in (
            *session.new, *session.dirty, *session.deleted)):
        g.pop("_fatong_overrides", None)


def _overrides(start: date, end: date | None) -> dict[date, DayKind]:
    """The current tenant's overrides from ``start`` (to ``end`` if given)."""
    return {day: kind for day, kind in _all_overrides().items()
            if day >= start and (end is None or day <= end)}


def _is_workday(day: date, overrides: dict[date, DayKind]) -> bool:
    # An override decides its day even outside the national coverage: the tenant said so.
    kind = overrides.get(day)
    if kind is not None:
        return kind == DayKind.WORKDAY
    return national_is_workday(day)


def is_workday(day: date) -> bool:
    """Whether the current tenant works on ``day``: its override for the day if any, else
    the national calendar (weekends, public holidays and 调休 make-up days)."""
    return _is_workday(day, _overrides(day, day))


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start``.

    Counting follows statutory deadlines in working days: ``start`` itself is not counted
    (the period begins the next day), whether or not it is a working day; the result is the
    ``days``-th working day after it. ``days == 0`` means "on ``start``": ``start`` if it is
    a working day, otherwise the next working day (a deadline never falls on a day off).
    Raises ValueError for negative ``days`` and CalendarNotCovered when the count runs past
    the years the national calendar knows.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    # Open-ended: overrides are few per tenant, and the end date is not known in advance.
    overrides = _overrides(start, None)
    day = start
    if days == 0:
        while not _is_workday(day, overrides):
            day += timedelta(days=1)
        return day
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if _is_workday(day, overrides):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (the same counting as
    :func:`add_working_days`, so ``working_days_between(s, add_working_days(s, n)) == n``
    for n > 0). 0 when ``end`` is not after ``start``."""
    if end <= start:
        return 0
    overrides = _overrides(start + timedelta(days=1), end)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if _is_workday(day, overrides):
            count += 1
    return count
