"""Hotline statistics for a period: the monthly page, its XLSX export and the
``report_metrics`` hook (core's statistics page) all count with ``period_figures``."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.sdk import Metric, db, hookimpl
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select

from fatong_hotline.models import HotlineCall, HotlineCategory, Outcome


@dataclass
class Figures:
    """One period's figures. Lists are (label, count) pairs, biggest first unless dated."""

    start: date
    end: date  # the day after the last
    total: int = 0
    by_category: list[tuple[int, str, int]] = field(default_factory=list)  # id, name, count
    by_outcome: list[tuple[Outcome, int]] = field(default_factory=list)
    by_day: list[tuple[date, int]] = field(default_factory=list)
    referrals: list[tuple[str, str, int]] = field(default_factory=list)  # key, title, count
    average_minutes: Decimal = Decimal(0)
    callbacks_needed: int = 0
    callbacks_done: int = 0

    @property
    def referred(self) -> int:
        return sum(count for _key, _title, count in self.referrals)


def period_figures(start: date, end: date, where: ColumnElement | None = None) -> Figures:
    """Count the calls received on ``start <= day < end`` (and matching ``where``, e.g. the
    user's org-unit scope). Aggregates only, a handful of GROUP BY queries."""
    condition = (HotlineCall.received_on >= start) & (HotlineCall.received_on < end)
    if where is not None:
        condition = condition & where
    figures = Figures(start=start, end=end)
    total, minutes = db.session.execute(
        select(func.count(), func.coalesce(func.sum(HotlineCall.duration_minutes), 0))
        .select_from(HotlineCall).where(condition)).one()
    figures.total = total or 0
    if figures.total:
        figures.average_minutes = (Decimal(minutes) / figures.total).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)
    figures.by_category = [(category_id, name, count) for category_id, name, count in
                           db.session.execute(
        select(HotlineCategory.id, HotlineCategory.name, func.count(HotlineCall.id))
        .join(HotlineCategory, (HotlineCategory.tenant_id == HotlineCall.tenant_id)
              & (HotlineCategory.id == HotlineCall.category_id))
        .where(condition).group_by(HotlineCategory.id, HotlineCategory.name)
        .order_by(func.count(HotlineCall.id).desc(), HotlineCategory.name))]
    counted = dict(db.session.execute(
        select(HotlineCall.outcome, func.count()).where(condition)
        .group_by(HotlineCall.outcome)).all())
    figures.by_outcome = [(outcome, counted.get(outcome, 0)) for outcome in Outcome]
    per_day = dict(db.session.execute(
        select(HotlineCall.received_on, func.count()).where(condition)
        .group_by(HotlineCall.received_on)).all())
    days = (end - start).days
    figures.by_day = [(start + timedelta(days=n), per_day.get(start + timedelta(days=n), 0))
                      for n in range(days)]
    figures.referrals = [(key, title, count) for key, title, count in db.session.execute(
        select(HotlineCall.referral_target, func.max(HotlineCall.referral_title), func.count())
        .where(condition, HotlineCall.referral_target != "")
        .group_by(HotlineCall.referral_target).order_by(HotlineCall.referral_target))]
    figures.callbacks_needed = db.session.scalar(
        select(func.count()).select_from(HotlineCall)
        .where(condition, HotlineCall.callback_due_on.is_not(None))) or 0
    figures.callbacks_done = db.session.scalar(
        select(func.count()).select_from(HotlineCall)
        .where(condition, HotlineCall.callback_done_at.is_not(None))) or 0
    return figures


@hookimpl
def report_metrics(tenant: Any, period: Any) -> list[Metric]:
    """The tenant's hotline figures for core's statistics page (whole tenant, figures only)."""
    figures = period_figures(period.start, period.end)
    calls, unit_calls = _l("12348 hotline calls"), _l("calls")
    metrics = [
        Metric("hotline.calls", _l("Calls received"), figures.total, calls, unit_calls),
        Metric("hotline.referred", _l("Calls referred"), figures.referred, calls, unit_calls),
        Metric("hotline.callbacks_needed", _l("Callbacks needed"), figures.callbacks_needed,
               calls, unit_calls),
        Metric("hotline.callbacks_done", _l("Callbacks made"), figures.callbacks_done, calls,
               unit_calls),
        Metric("hotline.average_minutes", _l("Average call duration"),
               figures.average_minutes, _l("Call duration"), _l("minutes"), chart=""),
    ]
    by_category = _l("Calls by category")
    metrics += [Metric(f"hotline.by_category.{category_id}", name, count, by_category,
                       unit_calls, chart="pie")
                for category_id, name, count in figures.by_category]
    by_outcome = _l("Calls by outcome")
    metrics += [Metric(f"hotline.by_outcome.{outcome.value}", outcome.label, count,
                       by_outcome, unit_calls) for outcome, count in figures.by_outcome]
    referrals = _l("Referrals by receiving line")
    metrics += [Metric(f"hotline.referrals.{key}", title or key, count, referrals, unit_calls)
                for key, title, count in figures.referrals]
    return metrics


def chart(kind: str, title: Any, labels: list[str], values: list[int]) -> dict[str, Any]:
    """A chart specification for core's statistics script (``js/statistics.js``)."""
    return {"type": kind, "title": str(title), "labels": labels, "values": values,
            "units": [""] * len(values)}


def workbook(figures: Figures, title: str) -> bytes:
    """The month's tables as an XLSX workbook (text written as text, never as formulas)."""
    import xlsxwriter

    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    sheet = book.add_worksheet(_("Hotline"))
    bold = book.add_format({"bold": True})
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, 1, 12)
    sheet.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    row = 2

    def table(heading: str, rows: list[tuple[str, int | float]]) -> None:
        nonlocal row
        sheet.write_string(row, 0, heading, bold)
        row += 1
        for label, value in rows:
            sheet.write_string(row, 0, str(label))
            sheet.write_number(row, 1, value)
            row += 1
        row += 1

    table(_("Overview"), [(_("Calls received"), figures.total),
                          (_("Calls referred"), figures.referred),
                          (_("Callbacks needed"), figures.callbacks_needed),
                          (_("Callbacks made"), figures.callbacks_done),
                          (_("Average call duration (minutes)"),
                           float(figures.average_minutes))])
    table(_("Calls by category"), [(name, n) for _id, name, n in figures.by_category])
    table(_("Calls by outcome"), [(str(o.label), n) for o, n in figures.by_outcome])
    table(_("Referrals by receiving line"), [(t or k, n) for k, t, n in figures.referrals])
    table(_("Calls by day"), [(d.isoformat(), n) for d, n in figures.by_day])
    book.close()
    return output.getvalue()
