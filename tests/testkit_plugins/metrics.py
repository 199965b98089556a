"""Plugins for the statistics pages (tests/test_statistics.py).

The module itself is ``kit_metrics``: deterministic figures per month, added up over a
quarter or a year, plus a text that looks like a formula. :data:`broken` is a second plugin
(``kit_metrics_broken``) whose hook raises.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import ModuleType

from core.sdk import Metric, PluginInfo, hookimpl

from testkit_plugins import record

NAME = "kit_metrics"
BROKEN_NAME = "kit_metrics_broken"
TITLE = "Kit Metrics"
FORMULA_LABEL = "=SUM(A1)"
FORMULA_UNIT = "+86 件"
LAND_LABEL = "Kit land's <plot> & \"field\""  # quotes and markup: escaped on the page

plugin_info = PluginInfo(
    name=NAME,
    title=TITLE,
    description="A throwaway plugin reporting figures.",
    version="1.0.0",
    vendor="Testkit",
    requires_core=">=0.1,<1",
)


def accepted(year: int, month: int) -> int:
    return 10 * month + year % 100


def closed(year: int, month: int) -> int:
    return 5 * month


def months(start: date, end: date) -> list[tuple[int, int]]:
    found = []
    year, month = start.year, start.month
    while date(year, month, 1) < end:
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def figures(start: date, end: date) -> dict[str, int | Decimal]:
    """What the kit reports for ``start <= day < end`` (the tests compute expectations)."""
    span = months(start, end)
    total_accepted = sum(accepted(y, m) for y, m in span)
    total_closed = sum(closed(y, m) for y, m in span)
    return {
        "kit.accepted": total_accepted,
        "kit.closed": total_closed,
        "kit.rate": (Decimal(100 * total_closed) / Decimal(total_accepted)).quantize(
            Decimal("0.1")),
        "kit.formula": 7,
        "kit.type.family": 3 * len(span),
        "kit.type.land": 2 * len(span),
    }


@hookimpl
def report_metrics(tenant, period):
    record(NAME, "report_metrics", f"{period.kind}:{period.year}-{period.number}")
    values = figures(period.start, period.end)
    overview, types = "Kit overview", "Kit by type"
    return [
        Metric(key="kit.accepted", label="Kit accepted", value=values["kit.accepted"],
               group=overview, unit="件"),
        Metric(key="kit.closed", label="Kit closed", value=values["kit.closed"],
               group=overview, unit="件"),
        Metric(key="kit.rate", label="Kit closing rate", value=values["kit.rate"],
               group=overview, unit="%"),
        Metric(key="kit.formula", label=FORMULA_LABEL, value=values["kit.formula"],
               group=overview, unit=FORMULA_UNIT),
        Metric(key="kit.type.family", label="Kit family", value=values["kit.type.family"],
               group=types, unit="件", chart="pie"),
        Metric(key="kit.type.land", label=LAND_LABEL, value=values["kit.type.land"],
               group=types, unit="件", chart="pie"),
    ]


def _make_broken() -> ModuleType:
    # Built in a function so that the kit_metrics module does not itself carry the raising
    # implementation (pluggy registers every marked function found on a plugin).
    @hookimpl
    def report_metrics(tenant, period):
        record(BROKEN_NAME, "report_metrics", period.kind)
        raise RuntimeError("kit metrics broken on purpose")

    module = ModuleType(f"{__name__}_broken")
    module.plugin_info = PluginInfo(
        name=BROKEN_NAME, title="Kit Broken Metrics",
        description="A throwaway plugin whose report_metrics hook raises.",
        version="1.0.0", vendor="Testkit", requires_core=">=0.1,<1")
    module.report_metrics = report_metrics
    return module


broken = _make_broken()
