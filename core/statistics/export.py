"""A statistics page as an XLSX workbook: the same tables, figures as numbers, text as text."""

from __future__ import annotations

import io
import re
from typing import Any

import xlsxwriter
from flask_babel import gettext as _

from core.statistics.service import MetricTable, plain_number

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def workbook_bytes(title: list[str], tables: list[MetricTable], sheet_name: str) -> bytes:
    """One sheet: the title row, then per table its name, a header row and one row a figure.

    Every text goes through ``write_string`` and formulas, URLs and numbers in strings are
    off: a label such as ``=SUM(A1)`` or a unit such as ``+86`` stays text.
    """
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False,
    })
    sheet = workbook.add_worksheet(_SHEET_FORBIDDEN.sub(" ", sheet_name).strip()[:31] or "1")
    bold = workbook.add_format({"bold": True})
    heading = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bg_color": "#E7EEF7", "border": 1})
    cell = workbook.add_format({"border": 1})
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 2, 14)
    for column, text in enumerate(title):
        sheet.write_string(0, column, text, heading if column == 0 else bold)
    row = 2
    for table in tables:
        sheet.write_string(row, 0, str(table.title) or _("Figures"), bold)
        row += 1
        for column, text in enumerate((_("Indicator"), _("Value"), _("Unit"))):
            sheet.write_string(row, column, text, header)
        row += 1
        for metric in table.rows:
            sheet.write_string(row, 0, str(metric.label), cell)
            sheet.write_number(row, 1, plain_number(metric.value), cell)
            sheet.write_string(row, 2, str(metric.unit), cell)
            row += 1
        row += 1
    if not tables:
        sheet.write_string(row, 0, _("No figures for this period."))
    workbook.close()
    return output.getvalue()


def filename_parts(*parts: Any) -> str:
    return "-".join(str(part).strip() for part in parts if str(part).strip())
