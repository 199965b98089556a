"""Reading uploaded CSV/XLSX tables and writing XLSX templates for the admin imports.

Uploads are untrusted: size and row count are capped, XLSX is parsed by openpyxl in
read-only mode with defusedxml underneath (no entity expansion, no external entities), and
old binary .xls is refused. Row numbers are those a user sees in Excel: the header is row 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import openpyxl
import openpyxl.xml
import xlsxwriter
from flask_babel import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # binary .xls


class TableError(ValueError):
    """The file as a whole cannot be read (format, size, missing columns)."""


@dataclass(frozen=True)
class Row:
    number: int  # as shown in Excel: data starts at row 2
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found: rows read and, when any is bad, every problem."""

    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def add(self, row: Row | int, column: str, message: str) -> None:
        number = row.number if isinstance(row, Row) else row
        self.errors.append(RowError(number, column, message))

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: (e.row, e.column))


def cell_text(value: Any) -> str:
    """A cell as text: Excel stores ``510823`` as the number 510823.0, which is a code here."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_table(data: bytes, filename: str, required: Sequence[str],
               optional: Sequence[str] = ()) -> list[Row]:
    """Rows of the first sheet (or the CSV) as column -> text, empty rows skipped.

    Raises :class:`TableError` for an unreadable file, a missing required column, no data
    rows, or more than ``MAX_ROWS`` rows.
    """
    if len(data) > MAX_BYTES:
        raise TableError(_("The file is larger than %(size)d MB.", size=MAX_BYTES // 2**20))
    if not data:
        raise TableError(_("The file is empty."))
    name = (filename or "").lower()
    if data.startswith(OLE_MAGIC) or name.endswith(".xls"):
        raise TableError(_("Old .xls files are not supported; save the file as .xlsx."))
    if data.startswith(XLSX_MAGIC):
        raw_rows = _xlsx_rows(data)
    elif name.endswith(".csv") or not name.endswith(".xlsx"):
        raw_rows = _csv_rows(data)
    else:
        raise TableError(_("The file is not a valid .xlsx workbook."))
    return _to_rows(raw_rows, required, optional)


def _xlsx_rows(data: bytes) -> Iterable[tuple[int, list[str]]]:
    # openpyxl parses with defusedxml when it is installed; refuse rather than parse unsafely.
    if not openpyxl.xml.DEFUSEDXML:
        raise TableError(_("XLSX import is unavailable on this server."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure is the user's file
        raise TableError(_("The file is not a valid .xlsx workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((number, [cell_text(v) for v in values]))
            if number > MAX_ROWS + 1:
                break
        return rows
    except Exception as exc:  # noqa: BLE001
        raise TableError(_("The file is not a valid .xlsx workbook.")) from exc
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterable[tuple[int, list[str]]]:
    # Excel on Chinese Windows saves CSV in GBK; UTF-8 (with or without BOM) elsewhere.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence
        raise TableError(_("The CSV file's text encoding is not recognised."))
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise TableError(_("The CSV file cannot be read.")) from exc
    return [(number, [cell.strip() for cell in record])
            for number, record in enumerate(records[:MAX_ROWS + 2], start=1)]


def _to_rows(raw_rows: Iterable[tuple[int, list[str]]], required: Sequence[str],
             optional: Sequence[str]) -> list[Row]:
    iterator = iter(raw_rows)
    header: list[str] | None = None
    for _number, values in iterator:
        if any(values):
            header = [value.strip() for value in values]
            break
    if header is None:
        raise TableError(_("The file has no header row."))
    missing = [column for column in required if column not in header]
    if missing:
        raise TableError(_("Missing column(s): %(columns)s. Use the template.",
                           columns="、".join(missing)))
    wanted = {column: header.index(column) for column in (*required, *optional)
              if column in header}
    rows = []
    for number, values in iterator:
        if not any(values):
            continue
        rows.append(Row(number, {column: values[index] if index < len(values) else ""
                                 for column, index in wanted.items()}))
        if len(rows) > MAX_ROWS:
            raise TableError(_("The file has more than %(max)d rows; split it.", max=MAX_ROWS))
    if not rows:
        raise TableError(_("The file has no data rows."))
    return rows


def xlsx_template(sheet_title: str, columns: Sequence[str], *, widths: Sequence[int],
                  text_columns: Sequence[str] = (), choices: dict[str, Sequence[str]] | None = None,
                  notes: Sequence[str] = ()) -> bytes:
    """A workbook with the header row, text-formatted code columns, drop-downs and notes."""
    buffer = io.BytesIO()
    # strings_to_formulas off: nothing written here may ever turn into a formula.
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    sheet = workbook.add_worksheet(sheet_title)
    for index, column in enumerate(columns):
        fmt = text if column in text_columns else None
        sheet.set_column(index, index, widths[index], fmt)
        sheet.write_string(0, index, column, header)
        if choices and column in choices:
            sheet.data_validation(1, index, MAX_ROWS, index, {
                "validate": "list", "source": list(choices[column]),
                "ignore_blank": True})
    sheet.freeze_panes(1, 0)
    if notes:
        notes_sheet = workbook.add_worksheet(_("Notes"))
        notes_sheet.set_column(0, 0, 100)
        for index, note in enumerate(notes):
            notes_sheet.write_string(index, 0, str(note))
    workbook.close()
    return buffer.getvalue()
