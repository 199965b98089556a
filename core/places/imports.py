"""Importing places from an XLSX/CSV file: all or nothing, existing places updated.

Every row is checked first and every problem collected (row, column, message); if there is
any, nothing is written. A row whose kind, town and name match a registered place updates
it; the others are created. Columns missing from the file leave the stored values of
updated places as they are. Reading the file is core.admin.tabular's (size caps, safe XLSX).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from flask_babel import gettext as _
from sqlalchemy import select

from core.admin.tabular import MAX_ROWS, ImportReport, Row
from core.db import db
from core.orgunits.models import OrgUnit
from core.places import api
from core.places.models import PLACE_KIND_LABELS, Place, PlaceKind

KIND, NAME, TOWN, UNIT = "类型", "名称", "所属乡镇(街道)", "负责单位"
CODE, ADDRESS, CONTACT, PHONE, NOTES = "代码", "地址", "联系人", "联系电话", "备注"
COLUMNS = (KIND, NAME, TOWN, UNIT, CODE, ADDRESS, CONTACT, PHONE, NOTES)
REQUIRED = (KIND, NAME)
# The town column as people also head it (full-width brackets, shorter names).
TOWN_ALIASES = ("所属乡镇（街道）", "所属乡镇", "乡镇(街道)", "乡镇（街道）", "乡镇", "街道")
OPTIONAL = (*COLUMNS[2:], *TOWN_ALIASES)

# API field -> column; the 负责单位 column is resolved to an org unit first.
FIELD_COLUMNS = {"kind": KIND, "name": NAME, "town": TOWN, "org_unit_id": UNIT, "code": CODE,
                 "address": ADDRESS, "contact_name": CONTACT, "contact_phone": PHONE,
                 "notes": NOTES}
TEXT_FIELDS = ("code", "address", "contact_name", "contact_phone", "notes")

# The Chinese names people write in the 类型 column; the first of each is the template's.
KIND_NAMES: dict[PlaceKind, tuple[str, ...]] = {
    PlaceKind.VILLAGE: ("行政村", "村", "村委会", "村民委员会"),
    PlaceKind.COMMUNITY: ("社区", "居委会", "社区居委会", "居民委员会"),
    PlaceKind.SCHOOL: ("学校",),
    PlaceKind.ENTERPRISE: ("企业", "公司"),
    PlaceKind.OTHER: ("其他",),
}
EXAMPLE = ("行政村", "新华村", "城关镇", "城关司法所", "", "城关镇新华路1号", "王主任",
           "0839-6600000", "")


def kind_from_text(text: str) -> PlaceKind | None:
    """A kind from its Chinese name, its value (``village``) or its label in the UI language."""
    text = (text or "").strip()
    if not text:
        return None
    for kind, names in KIND_NAMES.items():
        if text in names or text.lower() == kind.value:
            return kind
    for kind, label in PLACE_KIND_LABELS.items():
        if text == str(label):
            return kind
    return None


@dataclass
class PlacePlan:
    """One good row: the checked fields and the place it updates (None: a new place)."""

    row: Row
    fields: dict[str, Any]
    place: Place | None

    @property
    def full_name(self) -> str:
        town, name = self.fields["town"], self.fields["name"]
        return f"{town}{name}" if town else name

    @property
    def kind_label(self) -> str:
        return api.kind_label(self.fields["kind"])


@dataclass
class ImportResult:
    report: ImportReport
    plans: list[PlacePlan] = field(default_factory=list)
    created: int = 0
    updated: int = 0


class _Units:
    """The 负责单位 column: an org unit's code, else its name (must then be unambiguous)."""

    def __init__(self) -> None:
        self.by_code: dict[str, OrgUnit] = {}
        self.by_name: dict[str, list[OrgUnit]] = {}
        for unit in db.session.scalars(select(OrgUnit)):
            self.by_code[unit.code] = unit
            self.by_name.setdefault(unit.name, []).append(unit)

    def resolve(self, text: str) -> tuple[OrgUnit | None, str | None]:
        """(unit, None) or (None, the problem)."""
        unit = self.by_code.get(text)
        if unit is None:
            named = self.by_name.get(text, [])
            active = [u for u in named if u.active]
            if len(active) > 1:
                return None, _("Several org units are called %(name)s; write the unit's "
                               "code instead.", name=text)
            unit = active[0] if active else (named[0] if named else None)
        if unit is None:
            return None, _("No org unit has the code or name %(text)s.", text=text)
        if not unit.active:
            return None, _("%(name)s is deactivated; choose an active org unit.",
                           name=unit.name)
        return unit, None


def _town(row: Row) -> str:
    for column in (TOWN, *TOWN_ALIASES):
        if column in row.values:
            return row.get(column)
    return ""


def check_rows(rows: list[Row]) -> tuple[ImportReport, list[PlacePlan]]:
    """Every problem of every row, and a plan for each good row."""
    report = ImportReport(rows=rows)
    present = set(rows[0].values) if rows else set()
    has_town = bool(present & {TOWN, *TOWN_ALIASES})
    units = _Units()
    existing = {(p.kind, p.town, p.name): p for p in db.session.scalars(select(Place))}
    seen: dict[tuple[PlaceKind, str, str], int] = {}
    plans: list[PlacePlan] = []
    for row in rows:
        ok = True
        kind_text = row.get(KIND)
        kind = kind_from_text(kind_text)
        if not kind_text:
            report.add(row, KIND, _("Required."))
            ok = False
        elif kind is None:
            report.add(row, KIND, _("Unknown kind %(text)s; use one of: %(kinds)s.",
                                    text=kind_text,
                                    kinds="、".join(names[0] for names in KIND_NAMES.values())))
            ok = False
        name, town = row.get(NAME).strip(), _town(row).strip()
        place = existing.get((kind, town, name)) if kind is not None else None

        # Columns the file has replace stored values; the others keep them (or stay empty).
        fields: dict[str, Any] = {f: getattr(place, f) for f in api.FIELDS} if place else {}
        fields.update(kind=kind.value if kind else None, name=name)
        if has_town or place is None:
            fields["town"] = town
        for text_field in TEXT_FIELDS:
            if FIELD_COLUMNS[text_field] in present:
                fields[text_field] = row.get(FIELD_COLUMNS[text_field])
        if UNIT in present:
            fields["org_unit_id"] = None
            unit_text = row.get(UNIT).strip()
            if unit_text:
                unit, problem = units.resolve(unit_text)
                if problem:
                    report.add(row, UNIT, problem)
                    ok = False
                else:
                    fields["org_unit_id"] = unit.id

        try:
            cleaned = api.clean_fields(fields, place)
        except api.PlaceInvalid as exc:
            for field_name, messages in exc.errors.items():
                if field_name == "kind":
                    continue  # already said above, in the file's own words
                for message in messages:
                    report.add(row, FIELD_COLUMNS[field_name], str(message))
            ok = False
            cleaned = None

        if kind is not None and name:
            key = (kind, town, name)
            if key in seen:
                report.add(row, NAME, _("The same place is also on row %(row)d.",
                                        row=seen[key]))
                ok = False
            else:
                seen[key] = row.number
        if ok and cleaned is not None:
            plans.append(PlacePlan(row, cleaned, place))
    return report, plans


def import_places(rows: list[Row], *, dry_run: bool = False) -> ImportResult:
    """Check, then (only if every row is good and not ``dry_run``) write; flushes."""
    report, plans = check_rows(rows)
    result = ImportResult(report, plans if report.ok else [])
    if not report.ok:
        return result
    for plan in plans:
        if plan.place is None:
            result.created += 1
        else:
            result.updated += 1
        if dry_run:
            continue
        place = plan.place or Place(active=True)
        api.apply(place, plan.fields)
        if plan.place is None:
            db.session.add(place)
    if not dry_run:
        db.session.flush()
    return result


def template_xlsx() -> bytes:
    """The import template: header row, one example row, a kind drop-down and notes."""
    buffer = io.BytesIO()
    # strings_to_formulas off: nothing written here may ever turn into a formula.
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    sheet = workbook.add_worksheet("场所")
    widths = (10, 24, 16, 18, 22, 30, 12, 16, 30)
    kinds = [names[0] for names in KIND_NAMES.values()]
    for index, column in enumerate(COLUMNS):
        # Codes and phone numbers are text: Excel would turn 0839… into a number.
        sheet.set_column(index, index, widths[index], text if column in (CODE, PHONE) else None)
        sheet.write_string(0, index, column, header)
        sheet.write_string(1, index, EXAMPLE[index])
    sheet.data_validation(1, 0, MAX_ROWS, 0, {"validate": "list", "source": kinds,
                                              "ignore_blank": True})
    sheet.freeze_panes(1, 0)
    notes = workbook.add_worksheet(_("Notes"))
    notes.set_column(0, 0, 100)
    for index, note in enumerate(import_notes()):
        notes.write_string(index, 0, str(note))
    workbook.close()
    return buffer.getvalue()


def import_notes() -> list[str]:
    kinds = "、".join(names[0] for names in KIND_NAMES.values())
    return [
        _("One place per row; 类型 and 名称 are required. Delete the example row."),
        _("类型: %(kinds)s (村 is also accepted).", kinds=kinds),
        _("负责单位: the code or the name of an active org unit, usually the 司法所."),
        _("A row with the kind, town and name of a registered place updates it; the others "
          "are added. Columns left out of the file keep their stored values."),
        _("If any row has a problem, nothing is imported and every problem is listed."),
    ]
