"""办案补贴: the subsidies of the cases closed (reviewed) in a month, quarter or year, by
provider and by category, and their XLSX export. The amounts are those stored by the
closure review (``subsidies.compute``); this page only adds them up."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter
from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from core.sdk import (
    ReportPeriod,
    db,
    download_response,
    periods,
    require_permission,
    scope_filter,
)
from plugins.legal_aid import subsidies as pay
from plugins.legal_aid.models import AidCase, Provider
from plugins.legal_aid.models.enums import CaseStatus, ReviewGrade, label
from plugins.legal_aid.permissions import SUBSIDY_VIEW
from plugins.legal_aid.views import bp


def period_picker(period: ReportPeriod) -> dict[str, Any]:
    """The month/quarter/year picker's choices (shared with the quality page)."""
    years = periods.years_offered()
    return {"kinds": [(kind, periods.KIND_TITLES[kind]) for kind in periods.KINDS],
            "years": years if period.year in years else sorted({*years, period.year},
                                                                  reverse=True),
            "months": [(number, periods.month_title(number)) for number in range(1, 13)],
            "quarters": list(periods.QUARTER_TITLES.items()),
            "month": period.number if period.kind == "month" else period.start.month,
            "quarter": (period.start.month - 1) // 3 + 1}


def period_context() -> dict[str, Any]:
    period, error = periods.parse_period(request.args)
    return {"period": period, "period_error": error,
            "period_label": periods.period_label(period),
            "period_args": periods.period_args(period), "picker": period_picker(period)}


def load_paid_cases(period: ReportPeriod) -> list[pay.PaidCase]:
    """Cases in the user's scope whose closure review fell in the period (closed, or since
    archived), with the subsidy it set."""
    rows = db.session.execute(
        select(AidCase, Provider).outerjoin(Provider, Provider.id == AidCase.provider_id)
        .where(scope_filter(AidCase.org_unit_id, SUBSIDY_VIEW),
               AidCase.status.in_([CaseStatus.CLOSED, CaseStatus.ARCHIVED]),
               AidCase.reviewed_on >= period.start, AidCase.reviewed_on < period.end,
               AidCase.subsidy_amount.is_not(None))).all()
    return [pay.PaidCase(
        case_id=case.id, number=case.number or "", category=case.category,
        reviewed_on=case.reviewed_on, grade=case.review_grade, provider_id=case.provider_id,
        provider=provider.name if provider else "",
        organisation=provider.organisation if provider else "",
        base=case.subsidy_base or Decimal(0), extra=case.subsidy_extra or Decimal(0),
        amount=case.subsidy_amount) for case, provider in rows]


def subsidy_context() -> dict[str, Any]:
    context = period_context()
    context["table"] = pay.subsidy_table(load_paid_cases(context["period"]))
    context["rates"] = pay.current_rates()
    context["grades"] = list(ReviewGrade)
    return context


@bp.route("/subsidies/")
@require_permission(SUBSIDY_VIEW)
def subsidies():
    return render_template("legal_aid/subsidies/index.html", **subsidy_context())


def _write(sheet: Any, row: int, values: list[Any], formats: dict[str, Any],
           total: bool = False) -> None:
    """Text as strings, ints as numbers, Decimals as money (never formulas)."""
    prefix = "total_" if total else ""
    for column, value in enumerate(values):
        if isinstance(value, bool) or value is None:
            sheet.write_string(row, column, "", formats[prefix + "cell"])
        elif isinstance(value, int):
            sheet.write_number(row, column, value, formats[prefix + "number"])
        elif isinstance(value, Decimal):
            sheet.write_number(row, column, float(value), formats[prefix + "money"])
        else:
            sheet.write_string(row, column, str(value), formats[prefix + "cell"])


def _workbook() -> tuple[Any, io.BytesIO, dict[str, Any]]:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False})
    base = {"border": 1}
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "header": workbook.add_format({"bold": True, "bg_color": "#E7EEF7", "border": 1,
                                       "text_wrap": True, "valign": "vcenter"}),
        "cell": workbook.add_format(base),
        "number": workbook.add_format({**base, "num_format": "0"}),
        "money": workbook.add_format({**base, "num_format": "#,##0.00"}),
        "total_cell": workbook.add_format({**base, "bold": True}),
        "total_number": workbook.add_format({**base, "bold": True, "num_format": "0"}),
        "total_money": workbook.add_format({**base, "bold": True, "num_format": "#,##0.00"}),
    }
    return workbook, output, formats


@bp.route("/subsidies/export.xlsx")
@require_permission(SUBSIDY_VIEW)
def subsidies_xlsx():
    context = subsidy_context()
    table: pay.SubsidyTable = context["table"]
    period_label = context["period_label"]
    grades = context["grades"]
    workbook, output, formats = _workbook()

    sheet = workbook.add_worksheet(_("By provider")[:31])
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 7, 12)
    sheet.write_string(0, 0, _("Legal aid subsidies: %(period)s", period=period_label),
                       formats["title"])
    header = [_("Provider"), _("Organisation"), _("Cases"), *[str(g.label) for g in grades],
              _("Extra costs (yuan)"), _("Amount (yuan)")]
    for column, text in enumerate(header):
        sheet.write_string(2, column, text, formats["header"])
    row = 3
    for line in table.by_provider:
        _write(sheet, row, [line.title or _("(no provider)"), line.organisation, line.count,
                            *[line.graded(g) for g in grades], line.extra, line.amount],
               formats)
        row += 1
    _write(sheet, row, [_("Total"), "", table.count, *[table.graded(g) for g in grades],
                        table.extra, table.amount], formats, total=True)

    by_category = workbook.add_worksheet(_("By category")[:31])
    by_category.set_column(0, 0, 24)
    by_category.set_column(1, 3, 14)
    for column, text in enumerate([_("Category"), _("Cases"), _("Extra costs (yuan)"),
                                   _("Amount (yuan)")]):
        by_category.write_string(0, column, text, formats["header"])
    row = 1
    for line in table.by_category:
        _write(by_category, row, [str(label(line.key)), line.count, line.extra, line.amount],
               formats)
        row += 1
    _write(by_category, row, [_("Total"), table.count, table.extra, table.amount], formats,
           total=True)

    cases = workbook.add_worksheet(_("Cases")[:31])
    cases.set_column(0, 3, 18)
    cases.set_column(4, 8, 12)
    for column, text in enumerate([_("Case number"), _("Provider"), _("Category"),
                                   _("Reviewed on"), _("Grade"), _("Rate (yuan)"),
                                   _("Extra costs (yuan)"), _("Amount (yuan)")]):
        cases.write_string(0, column, text, formats["header"])
    for row, paid in enumerate(table.cases, start=1):
        _write(cases, row, [paid.number, paid.provider or _("(no provider)"),
                            str(label(paid.category)), paid.reviewed_on.isoformat(),
                            str(label(paid.grade)), paid.base, paid.extra, paid.amount],
               formats)
    workbook.close()
    period = context["period"]
    ascii_name = f"legal-aid-subsidies-{period.kind}-{period.year}-{period.number}.xlsx"
    return download_response(output.getvalue(), ascii_name,
                             _("Legal aid subsidies %(period)s", period=period_label)
                             + ".xlsx")
