"""Document numbers page (system administrator): the bureau's short name and number formats.

The generic settings form cannot draw the ``formats`` dict of the ``numbering`` namespace
(one entry per series some module registered), so this page draws one input per registered
series. An empty input means "use the module's default" and removes the series' entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import Length

from core.access.checks import require_permission
from core.admin.blueprint import audit, bp
from core.db import db
from core.numbering.service import (
    MAX_ABBREVIATION_LENGTH,
    NumberingSettingsSchema,
    current_year,
    format_errors,
    format_number,
    numbering_settings,
    registered_series,
)
from core.settings_forms import audit_details

SETTINGS_MANAGE = "core.settings.manage"
EXAMPLE_VALUE = 12
FORMAT_PREFIX = "format-"  # form field name of a series' format: "format-<series key>"


class AbbreviationForm(FlaskForm):
    abbreviation = StringField(
        _l("Short name in document numbers"),
        validators=[Length(max=MAX_ABBREVIATION_LENGTH)],
        description=_l("Replaces {abbr} in number formats, e.g. 剑."))


@dataclass
class SeriesRow:
    key: str
    title: str
    default_format: str
    value: str = ""  # what the input shows: the stored override, or what was typed
    example: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def input_name(self) -> str:
        return FORMAT_PREFIX + self.key


def _rows(stored: dict[str, str]) -> list[SeriesRow]:
    rows = []
    for entry in registered_series():
        row = SeriesRow(key=entry.key, title=str(entry.title),
                        default_format=entry.default_format, value=stored.get(entry.key, ""))
        try:
            row.example = format_number(entry.key, EXAMPLE_VALUE, current_year())
        except (ValueError, KeyError, IndexError):  # a stored format broken since: no example
            row.example = ""
        rows.append(row)
    return rows


def _submitted_formats(rows: list[SeriesRow], stored: dict[str, str]) -> dict[str, str] | None:
    """The formats to store, or None when a typed format is invalid (errors on its row).

    Entries of series no module registers any more are kept untouched: a module that comes
    back finds its format again.
    """
    formats = {key: value for key, value in stored.items()
               if key not in {row.key for row in rows}}
    valid = True
    for row in rows:
        row.value = (request.form.get(row.input_name) or "").strip()
        if not row.value:
            continue  # the module's default applies
        row.errors = format_errors(row.value)
        if row.errors:
            valid = False
        else:
            formats[row.key] = row.value
    return formats if valid else None


@bp.route("/numbering", methods=["GET", "POST"])
@require_permission(SETTINGS_MANAGE)
def numbering() -> Any:
    proxy = numbering_settings()
    current = proxy.get_all()
    stored: dict[str, str] = dict(current.get("formats") or {})
    rows = _rows(stored)
    form = AbbreviationForm(data={"abbreviation": current.get("abbreviation") or ""})
    if request.method == "POST":
        form_ok = form.validate()  # checks the CSRF token too
        formats = _submitted_formats(rows, stored)
        if form_ok and formats is not None:
            changed = proxy.set_many({"abbreviation": (form.abbreviation.data or "").strip(),
                                      "formats": formats})
            if changed:
                audit("settings.update", target_type="tenant_settings",
                      summary=proxy.namespace,
                      details=audit_details(NumberingSettingsSchema, changed))
            db.session.commit()
            flash(_("Settings saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return _back()
        db.session.rollback()  # nothing was stored
    return render_template("admin/numbering.html", form=form, rows=rows,
                           example_value=EXAMPLE_VALUE, year=current_year(),
                           has_errors=bool(form.errors) or any(row.errors for row in rows))


def _back() -> Response:
    return redirect(url_for("admin.numbering"))
