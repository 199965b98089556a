"""Working-day calendar page (system administrator): the bureau's own holidays and workdays.

The national calendar comes with the software (core.workdays.calendar); here a tenant records
the days it treats differently, e.g. a local holiday, which then count in its deadlines.
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import extract, select
from sqlalchemy.exc import IntegrityError
from wtforms import DateField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length

from core.access.checks import require_permission
from core.admin.blueprint import add_error, audit, bp
from core.admin.guards import load
from core.db import db
from core.workdays.calendar import (
    FIRST_COVERED,
    LAST_COVERED,
    national_holidays,
)
from core.workdays.models import CalendarOverride, DayKind

SETTINGS_MANAGE = "core.settings.manage"

KIND_LABELS = {DayKind.WORKDAY: _l("Working day"), DayKind.HOLIDAY: _l("Day off")}


# The package names holidays in English; these msgids give them their Chinese names in the UI.
HOLIDAY_NAMES = {
    "New Year's Day": _l("New Year's Day"),
    "Spring Festival": _l("Spring Festival"),
    "Tomb-sweeping Day": _l("Tomb-sweeping Day"),
    "Labour Day": _l("Labour Day"),
    "Dragon Boat Festival": _l("Dragon Boat Festival"),
    "National Day": _l("National Day"),
    "Mid-autumn Festival": _l("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _l("Victory Day (70th anniversary)"),
}


class OverrideForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    kind = SelectField(_l("Treat as"), choices=[
        SelectChoice(DayKind.HOLIDAY.value, KIND_LABELS[DayKind.HOLIDAY]),
        SelectChoice(DayKind.WORKDAY.value, KIND_LABELS[DayKind.WORKDAY]),
    ])
    note = StringField(_l("Note"), validators=[Length(max=200)],
                       description=_l("Why, e.g. the county's own holiday."))


def _year() -> int:
    """The ?year= shown, today's year when missing or absurd (never a 500)."""
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        return date.today().year
    return year if 1900 <= year <= 2100 else date.today().year


@bp.route("/calendar", methods=["GET", "POST"])
@require_permission(SETTINGS_MANAGE)
def calendar():
    year = _year()
    form = OverrideForm()
    if form.validate_on_submit():
        day: date = form.day.data
        existing = db.session.scalar(select(CalendarOverride).where(CalendarOverride.day == day))
        if existing is not None:
            add_error(form, "day", _("This date already has an override; delete it first."))
        else:
            override = CalendarOverride(day=day, kind=DayKind(form.kind.data),
                                        note=(form.note.data or "").strip())
            db.session.add(override)
            try:
                db.session.flush()
            except IntegrityError:
                # Another administrator added the same day a moment ago.
                db.session.rollback()
                add_error(form, "day", _("This date already has an override; delete it "
                                         "first."))
            else:
                audit("calendar.override.add", target_type="calendar_override",
                      target_id=override.id, summary=f"{day.isoformat()} {override.kind.value}",
                      details={"day": day.isoformat(), "kind": override.kind.value,
                               "note": override.note})
                db.session.commit()
                flash(_("Override for %(date)s saved.", date=day.isoformat()), "success")
                return redirect(url_for("admin.calendar", year=day.year))
    overrides = db.session.scalars(
        select(CalendarOverride).where(extract("year", CalendarOverride.day) == year)
        .order_by(CalendarOverride.day)).all()
    return render_template(
        "admin/calendar.html", form=form, year=year, overrides=overrides,
        national=national_holidays(year), kind_labels=KIND_LABELS,
        holiday_names=HOLIDAY_NAMES,
        first_covered=FIRST_COVERED, last_covered=LAST_COVERED,
        covered=FIRST_COVERED.year <= year <= LAST_COVERED.year)


@bp.route("/calendar/<int:override_id>/delete", methods=["POST"])
@load(CalendarOverride, "override_id", "override")
@require_permission(SETTINGS_MANAGE)
def calendar_delete(override: CalendarOverride):
    day, kind = override.day, override.kind
    db.session.delete(override)
    audit("calendar.override.delete", target_type="calendar_override", target_id=override.id,
          summary=f"{day.isoformat()} {kind.value}",
          details={"day": day.isoformat(), "kind": kind.value, "note": override.note})
    db.session.commit()
    flash(_("Override for %(date)s deleted.", date=day.isoformat()), "success")
    return redirect(url_for("admin.calendar", year=day.year))
