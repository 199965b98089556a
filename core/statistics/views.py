"""Statistics pages at /t/<tenant>/statistics/: each reporting plugin's figures for a month,
quarter or year, as tables and ECharts charts, and the same tables as XLSX."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    render_template_string,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _

from core.access.checks import require_permission
from core.plugins.contributions import ReportPeriod
from core.statistics import export
from core.statistics.periods import (
    KIND_TITLES,
    KINDS,
    QUARTER_TITLES,
    month_title,
    parse_period,
    period_args,
    period_label,
    years_offered,
)
from core.statistics.plugin import STATISTICS_VIEW
from core.statistics.service import (
    MetricsUnavailable,
    MetricTable,
    ReportingPlugin,
    Trend,
    collect,
    group_metrics,
    plain_number,
    plugin_title,
    reporting_plugins,
    reports,
    trend,
)
from core.web.downloads import download_response

PERIOD_ARGS = ("kind", "year", "number", "month", "quarter")

bp = Blueprint("statistics", __name__, url_prefix="/t/<tenant>/statistics",
               template_folder="templates")


def display_value(value: int | float | Decimal) -> str:
    """A figure as the page shows it: grouped digits; a Decimal keeps its own decimals."""
    if isinstance(value, int):
        return format_decimal(value)
    if isinstance(value, Decimal):
        places = max(0, -int(value.as_tuple().exponent))
        return format_decimal(value, format="#,##0" + ("." + "0" * places if places else ""))
    return format_decimal(value, format="#,##0.##")


def _enabled_or_404(plugin: str) -> None:
    # A disabled or unknown plugin is no business of this tenant: 404, as its own pages do.
    if plugin not in g.enabled_plugins:
        abort(404)


def _chart_specs(tables: list[MetricTable]) -> list[dict[str, Any] | None]:
    """Per table, what statistics.js draws (None: the plugin asked for no chart)."""
    return [{"type": table.chart, "title": str(table.title),
             "labels": [str(metric.label) for metric in table.rows],
             "values": [plain_number(metric.value) for metric in table.rows],
             "units": [str(metric.unit) for metric in table.rows]} if table.chart else None
            for table in tables]


def _trend_spec(data: Trend | None) -> dict[str, Any] | None:
    if data is None or not data.series:
        return None
    return {"type": "line", "labels": [period_label(month) for month in data.months],
            "series": [{"name": str(series.label), "values": series.values}
                       for series in data.series]}


def _plugin_page(plugin: str, plugins: list[ReportingPlugin]):
    period, period_error = parse_period(request.args)
    tables: list[MetricTable] = []
    trend_data: Trend | None = None
    failed = trend_failed = False
    reporting = reports(g.tenant, plugin, g.enabled_plugins)
    if reporting:
        try:
            tables = group_metrics(collect(g.tenant, plugin, period, g.enabled_plugins))
        except MetricsUnavailable:
            failed = True
        if tables:
            try:
                trend_data = trend(g.tenant, plugin, period, tables[0], g.enabled_plugins)
            except MetricsUnavailable:
                trend_failed = True
    return render_template(
        "statistics/plugin.html", plugin=plugin, plugin_title=plugin_title(plugin),
        plugins=plugins, reporting=reporting, period=period, period_error=period_error,
        period_label=period_label(period), period_args=period_args(period), tables=tables,
        charts=_chart_specs(tables), trend=_trend_spec(trend_data), failed=failed,
        trend_failed=trend_failed, picker=_picker(period), display_value=display_value)


def _picker(period: ReportPeriod) -> dict[str, Any]:
    return {"kinds": [(kind, KIND_TITLES[kind]) for kind in KINDS],
            "years": years_offered() if period.year in years_offered()
            else sorted({*years_offered(), period.year}, reverse=True),
            "months": [(number, month_title(number)) for number in range(1, 13)],
            "quarters": list(QUARTER_TITLES.items()),
            "month": period.number if period.kind == "month" else period.start.month,
            "quarter": (period.start.month - 1) // 3 + 1}


@bp.route("/")
@require_permission(STATISTICS_VIEW)
def index():
    plugins = reporting_plugins(g.tenant, g.enabled_plugins)
    if len(plugins) == 1:
        # The only reporting line's page itself (not a redirect): one click saved, and the
        # picker's form and the links point at that plugin's own URL.
        return _plugin_page(plugins[0].name, plugins)
    return render_template("statistics/index.html", plugins=plugins)


@bp.route("/<plugin>/")
@require_permission(STATISTICS_VIEW)
def plugin_page(plugin: str):
    _enabled_or_404(plugin)
    return _plugin_page(plugin, reporting_plugins(g.tenant, g.enabled_plugins))


def _tenant_title() -> str:
    # The bureau's display name when the tenants module sets one (its context processor,
    # which core cannot import), else the registered name: as in the page header.
    return render_template_string(
        "{{ tenant_display_name(current_tenant) if tenant_display_name is defined "
        "else current_tenant.name }}")


@bp.route("/<plugin>/export.xlsx")
@require_permission(STATISTICS_VIEW)
def export_xlsx(plugin: str):
    _enabled_or_404(plugin)
    period, period_error = parse_period(request.args)
    asked = {name: request.args[name] for name in PERIOD_ARGS if name in request.args}
    page = url_for("statistics.plugin_page", plugin=plugin, **asked)
    if period_error:
        return redirect(page)  # the page explains what was wrong with the period
    tables: list[MetricTable] = []
    if reports(g.tenant, plugin, g.enabled_plugins):
        try:
            tables = group_metrics(collect(g.tenant, plugin, period, g.enabled_plugins))
        except MetricsUnavailable:
            flash(_("The figures could not be exported."), "danger")
            return redirect(page)
    title, label = str(plugin_title(plugin)), period_label(period)
    tenant_title = _tenant_title()
    body = export.workbook_bytes([tenant_title, title, label], tables, sheet_name=title)
    return download_response(
        body, f"statistics-{plugin}-{period.kind}-{period.year}-{period.number}.xlsx",
        export.filename_parts(tenant_title, title, label) + ".xlsx")
