"""The deadlines page: every enabled plugin's ``deadlines`` items, grouped by how soon due."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, render_template, request
from flask_login import current_user

from core.plugins.contributions import Deadline
from core.tenancy.web import current_hooks

bp = Blueprint("deadlines", __name__, url_prefix="/t/<tenant>/deadlines",
               template_folder="templates")

log = logging.getLogger(__name__)

TIMEZONE = ZoneInfo("Asia/Shanghai")
DAY_CHOICES = (3, 7, 30)
DEFAULT_DAYS = DAY_CHOICES[0]
SEVERITY_RANK = {"critical": 0, "important": 1, "normal": 2}


@dataclass(frozen=True)
class Row:
    """One item as shown: the plugin's ``Deadline`` and the plugin that gave it."""

    item: Deadline
    plugin: str
    days_left: int  # negative when overdue


@dataclass
class Groups:
    overdue: list[Row] = field(default_factory=list)
    soon: list[Row] = field(default_factory=list)
    later: list[Row] = field(default_factory=list)


def today() -> date:
    """Today in the bureaus' time zone, whatever the server's."""
    return datetime.now(TIMEZONE).date()


def _due_day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(TIMEZONE).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"Deadline.due must be a date, not {type(value).__name__}")


def collect(tenant: Any, user: Any) -> tuple[list[Row], list[str]]:
    """Every enabled plugin's items, sorted by due date, and the plugins whose hook failed.

    Each implementation is called on its own: pluggy stops at the first exception, and one
    broken plugin must not hide the others' deadlines.
    """
    manager = current_app.extensions["fatong.plugins"]
    caller = current_hooks().caller("deadlines")
    now = today()
    rows: list[Row] = []
    failed: list[str] = []
    for impl in caller.get_hookimpls():
        name = manager.pm.get_name(impl.plugin)
        try:
            batch = [Row(item=item, plugin=name, days_left=(_due_day(item.due) - now).days)
                     for item in impl.function(tenant=tenant, user=user) or []]
        except Exception:  # noqa: BLE001 - log it and show the rest
            log.exception("deadlines hook of plugin %s failed for tenant %s", name,
                          getattr(tenant, "slug", tenant))
            failed.append(name)
            continue
        rows.extend(batch)
    rows.sort(key=lambda row: (row.days_left, SEVERITY_RANK.get(row.item.severity, 3),
                               str(row.item.title)))
    return rows, failed


def group(rows: list[Row], days: int) -> Groups:
    """Overdue (due before today), due within ``days`` days (today included), later."""
    groups = Groups()
    for row in rows:
        if row.days_left < 0:
            groups.overdue.append(row)
        elif row.days_left <= days:
            groups.soon.append(row)
        else:
            groups.later.append(row)
    return groups


@bp.route("/")
def index():
    days = request.args.get("days", type=int)
    if days not in DAY_CHOICES:
        days = DEFAULT_DAYS
    rows, failed = collect(g.tenant, current_user)
    manager = current_app.extensions["fatong.plugins"]
    failed_titles = [manager.records[name].info.title if manager.records.get(name)
                     and manager.records[name].info else name for name in failed]
    return render_template("deadlines/index.html", groups=group(rows, days), days=days,
                           day_choices=DAY_CHOICES, failed=failed_titles, today=today())
