"""The audit list as XLSX or CSV, with nothing in it that a spreadsheet would execute."""

from __future__ import annotations

import csv
import io
from typing import Any

import xlsxwriter

EXPORT_MAX_ROWS = 100_000
XLSX_CELL_MAX = 32_767  # Excel's limit on the characters of one cell
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_bytes(headers: list[str], rows: list[list[Any]], sheet_name: str = "audit") -> bytes:
    """A workbook with one sheet. Every text goes through ``write_string``: a value such as
    ``=HYPERLINK(…)`` typed into a form and logged stays text, never a formula or a link."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False,
    })
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    for column, title in enumerate(headers):
        sheet.write_string(0, column, str(title), bold)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
                sheet.write_number(number, column, value)
            else:
                text = "" if value is None else str(value)
                sheet.write_string(number, column, text[:XLSX_CELL_MAX])
    sheet.freeze_panes(1, 0)
    if rows:
        sheet.autofilter(0, 0, len(rows), len(headers) - 1)
    workbook.close()
    return output.getvalue()


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # CSV has no types: a leading = + - @ would be run as a formula by Excel or WPS, so
    # such cells get a leading apostrophe (OWASP's advice for CSV injection).
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel on Chinese Windows reads it correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
