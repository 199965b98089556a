"""Asking one plugin for its figures (``report_metrics``) and arranging them into tables.

Only the named plugin's implementation is called: a statistics page is about one service
line, and one plugin failing must not take another's page down with it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import current_app

from core.plugins.contributions import Metric, ReportPeriod
from core.plugins.enablement import hooks_for
from core.statistics.periods import months_of

log = logging.getLogger(__name__)

HOOK = "report_metrics"
CHARTS = ("bar", "pie", "")


class MetricsUnavailable(Exception):
    """The plugin's hook raised or returned something that is not a list of figures."""


@dataclass(frozen=True)
class ReportingPlugin:
    name: str
    title: Any


@dataclass
class MetricTable:
    """Figures sharing a ``group``: one table and (unless ``chart`` is "") one chart."""

    title: Any
    chart: str
    rows: list[Metric] = field(default_factory=list)


@dataclass(frozen=True)
class TrendSeries:
    key: str
    label: Any
    values: list[float | int | None]


@dataclass(frozen=True)
class Trend:
    """The first table's figures month by month over the period."""

    months: list[ReportPeriod]
    series: list[TrendSeries]


def _implementations(tenant: Any, enabled: frozenset[str] | None) -> dict[str, Any]:
    """plugin name -> its ``report_metrics`` hookimpl, for the tenant's enabled plugins."""
    manager = current_app.extensions["fatong.plugins"]
    caller = hooks_for(tenant, enabled).caller(HOOK)
    return {manager.pm.get_name(impl.plugin): impl for impl in caller.get_hookimpls()}


def plugin_title(name: str) -> Any:
    manager = current_app.extensions["fatong.plugins"]
    record = manager.records.get(name)
    return record.info.title if record is not None and record.info is not None else name


def reporting_plugins(tenant: Any, enabled: frozenset[str] | None = None
                      ) -> list[ReportingPlugin]:
    """The tenant's enabled plugins that implement ``report_metrics``, by title."""
    plugins = [ReportingPlugin(name=name, title=plugin_title(name))
               for name in _implementations(tenant, enabled)]
    return sorted(plugins, key=lambda plugin: (str(plugin.title), plugin.name))


def reports(tenant: Any, plugin_name: str, enabled: frozenset[str] | None = None) -> bool:
    return plugin_name in _implementations(tenant, enabled)


def _check(metric: Any) -> Metric:
    # Bad figures are the plugin's fault: refuse them here rather than fail in a template,
    # the chart's JSON or the workbook.
    if not isinstance(metric, Metric):
        raise TypeError(f"expected a Metric, got {type(metric).__name__}")
    value = metric.value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"{metric.key}: value must be a number, not {type(value).__name__}")
    if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
        raise ValueError(f"{metric.key}: value must be finite")
    if metric.chart not in CHARTS:
        raise ValueError(f"{metric.key}: chart must be one of {CHARTS}")
    return metric


def collect(tenant: Any, plugin_name: str, period: ReportPeriod,
            enabled: frozenset[str] | None = None) -> list[Metric]:
    """The plugin's figures for the period, in the plugin's order.

    Raises ``LookupError`` when the plugin is not enabled or does not report, and
    :class:`MetricsUnavailable` (the cause logged) when its hook fails.
    """
    impl = _implementations(tenant, enabled).get(plugin_name)
    if impl is None:
        raise LookupError(plugin_name)
    try:
        return [_check(metric) for metric in impl.function(tenant=tenant, period=period) or []]
    except Exception as exc:  # noqa: BLE001 - logged, and the page says so
        log.exception("report_metrics of plugin %s failed for tenant %s, %s %s-%s",
                      plugin_name, getattr(tenant, "slug", tenant), period.kind, period.year,
                      period.number)
        raise MetricsUnavailable(plugin_name) from exc


def group_metrics(metrics: list[Metric]) -> list[MetricTable]:
    """One table per ``group``, tables and rows in the order the plugin gave them; a table's
    chart is its first figure's."""
    tables: dict[str, MetricTable] = {}
    for metric in metrics:
        name = str(metric.group)
        if name not in tables:
            tables[name] = MetricTable(title=metric.group, chart=metric.chart)
        tables[name].rows.append(metric)
    return list(tables.values())


def plain_number(value: int | float | Decimal) -> int | float:
    """A figure as JSON and XLSX take it (Decimal has no JSON form)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def trend(tenant: Any, plugin_name: str, period: ReportPeriod, first: MetricTable,
          enabled: frozenset[str] | None = None) -> Trend:
    """The first table's figures for each month of the period (the hook once per month; a
    month's own figures are reused). A figure missing in a month is a gap (``None``)."""
    months = months_of(period)
    by_month: list[dict[str, Metric]] = []
    for month in months:
        figures = first.rows if month == period else collect(tenant, plugin_name, month,
                                                             enabled)
        by_month.append({metric.key: metric for metric in figures})
    series = [TrendSeries(key=metric.key, label=metric.label,
                          values=[plain_number(found[metric.key].value)
                                  if metric.key in found else None for found in by_month])
              for metric in first.rows]
    return Trend(months=months, series=series)
