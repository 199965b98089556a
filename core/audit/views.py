"""The audit viewer at /t/<tenant>/audit/: search, detail, export. Read-only: no route
writes or changes an audit row (only the export adds its own ``audit.export`` event)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import Select, String, Text, cast, func, or_, select
from wtforms import DateField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional

from core.access.checks import has_permission, require_permission
from core.audit.api import audit_active, load_request_actor, record
from core.audit.api import flush_pending as _flush_pending
from core.audit.export import EXPORT_MAX_ROWS, csv_bytes, xlsx_bytes
from core.audit.models import OUTCOMES, AuditEvent
from core.audit.plugin import AUDIT_EXPORT, AUDIT_VIEW
from core.db import db
from core.masking import mask_id_number, mask_phone

bp = Blueprint("audit", __name__, url_prefix="/t/<tenant>/audit", template_folder="templates")

PAGE_SIZE = 50
FILTER_ARGS = ("date_from", "date_to", "event", "actor", "outcome", "q")

EVENT_TITLES: dict[str, Any] = {
    "documents.printed": _l("Document printed"),
    "place.create": _l("Place added"),
    "place.update": _l("Place changed"),
    "place.deactivate": _l("Place deactivated"),
    "place.activate": _l("Place reactivated"),
    "place.import": _l("Places imported"),
    "auth.login": _l("Login"),
    "auth.login.failed": _l("Failed login"),
    "auth.login.locked": _l("Login refused: account locked"),
    "auth.lockout": _l("Account locked after failed logins"),
    "auth.logout": _l("Logout"),
    "access.denied": _l("Access denied"),
    "record.create": _l("Record created"),
    "record.update": _l("Record changed"),
    "record.delete": _l("Record deleted"),
    "plugin.enabled": _l("Module enabled"),
    "plugin.disabled": _l("Module disabled"),
    "audit.export": _l("Audit log exported"),
    "audit.purge": _l("Old audit events purged"),
    "person.reveal": _l("Personal data revealed"),
    "tenancy.cross_tenant_read": _l("Cross-tenant read"),
}
OUTCOME_TITLES: dict[str, Any] = {
    "success": _l("Success"),
    "failure": _l("Failure"),
    "denied": _l("Denied"),
}


@bp.record_once
def _install(state: Any) -> None:
    """Switch the audit log on for the app this blueprint joins (see core.audit.install)."""
    from core.audit import install

    install(state.app)


bp.before_app_request(load_request_actor)
bp.teardown_app_request(_flush_pending)


def event_title(name: str) -> Any:
    return EVENT_TITLES.get(name, name)


@bp.app_template_filter("audit_event_title")
def _event_title_filter(name: str) -> Any:
    return event_title(name)


@bp.app_template_filter("audit_outcome_title")
def _outcome_title_filter(outcome: str) -> Any:
    return OUTCOME_TITLES.get(outcome, outcome)


# --- the search form ---------------------------------------------------------------------


class AuditFilterForm(FlaskForm):
    """The viewer's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    event = SelectField(_l("Event"), validators=[Optional()], validate_choice=False)
    actor = StringField(_l("User"), validators=[Optional(), Length(max=100)])
    outcome = SelectField(_l("Outcome"), validators=[Optional()],
                          choices=[SelectChoice("", _l("Any outcome"))]
                          + [SelectChoice(o, OUTCOME_TITLES[o]) for o in OUTCOMES])
    q = StringField(_l("Text"), validators=[Optional(), Length(max=200)])


def _filter_form() -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    names = db.session.scalars(select(AuditEvent.event).distinct().order_by(AuditEvent.event))
    form.event.choices = [SelectChoice("", _l("Any event"))] + [
        SelectChoice(n, f"{event_title(n)} ({n})") for n in names]
    return form


def _local_start(day: date) -> datetime:
    """Midnight of ``day`` in the UI's time zone (Asia/Shanghai), as an aware UTC datetime."""
    zone = get_timezone()
    naive = datetime.combine(day, time.min)
    local = zone.localize(naive) if hasattr(zone, "localize") else naive.replace(tzinfo=zone)
    # In UTC: SQLite compares the stored UTC text and would ignore the offset.
    return local.astimezone(UTC)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(form: AuditFilterForm) -> Select:
    """The tenant's events matching the filters that validated (others are ignored)."""
    query = select(AuditEvent)
    valid = {name for name in FILTER_ARGS if not form[name].errors}
    if "date_from" in valid and form.date_from.data:
        query = query.where(AuditEvent.occurred_at >= _local_start(form.date_from.data))
    if "date_to" in valid and form.date_to.data:
        end = _local_start(form.date_to.data + timedelta(days=1))
        query = query.where(AuditEvent.occurred_at < end)
    if "event" in valid and form.event.data:
        query = query.where(AuditEvent.event == form.event.data)
    if "actor" in valid and (form.actor.data or "").strip():
        query = query.where(AuditEvent.actor_name.ilike(_like(form.actor.data.strip()),
                                                        escape="\\"))
    if "outcome" in valid and form.outcome.data in OUTCOMES:
        query = query.where(AuditEvent.outcome == form.outcome.data)
    text = (form.q.data or "").strip() if "q" in valid else ""
    if text:
        # Details are stored as JSON with non-ASCII characters escaped (\u5f20): look for
        # the escaped spelling too, so Chinese text in details is found.
        escaped = json.dumps(text)[1:-1]
        conditions = [column.ilike(_like(text), escape="\\") for column in (
            AuditEvent.summary, AuditEvent.event, AuditEvent.actor_name,
            AuditEvent.target_type, AuditEvent.ip, cast(AuditEvent.details, Text))]
        if escaped != text:
            conditions.append(cast(AuditEvent.details, Text).ilike(_like(escaped),
                                                                   escape="\\"))
        if text.isdigit():
            conditions.append(cast(AuditEvent.target_id, String) == text)
        query = query.where(or_(*conditions))
    return query


def _filter_args() -> dict[str, str]:
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


# --- pages -------------------------------------------------------------------------------


@bp.route("/")
@require_permission(AUDIT_VIEW)
def index():
    form = _filter_form()
    form.validate()
    query = filtered(form)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    events = db.session.scalars(query.order_by(AuditEvent.seq.desc())
                                .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("audit/index.html", form=form, events=events, page=page,
                           pages=pages, total=total, filter_args=_filter_args(),
                           page_window=_page_window(page, pages),
                           can_export=has_permission(AUDIT_EXPORT))


def _page_window(page: int, pages: int, radius: int = 3) -> list[int]:
    return list(range(max(1, page - radius), min(pages, page + radius) + 1))


def _existing_event(view: Callable[..., Any]) -> Callable[..., Any]:
    """Load the event before the permission check: another tenant's id (or a made-up one)
    is 404 for everyone, as for every other id route; then the permission decides."""

    @wraps(view)
    def wrapper(event_id: int, **kwargs: Any) -> Any:
        event = db.session.get(AuditEvent, event_id)
        if event is None:
            abort(404)
        g.audit_event = event
        return view(event_id=event_id, **kwargs)

    return wrapper


@bp.route("/<int:event_id>")
@_existing_event
@require_permission(AUDIT_VIEW)
def detail(event_id: int):
    event = g.audit_event
    details = event.details or {}
    return render_template(
        "audit/detail.html", event=event, details=details,
        changes=details.get("changes") if isinstance(details.get("changes"), dict) else None,
        values=details.get("values") if isinstance(details.get("values"), dict) else None,
        details_json=json.dumps(details, ensure_ascii=False, indent=2, sort_keys=True))


# --- export ------------------------------------------------------------------------------


def _export_headers() -> list[Any]:
    return [_l("Seq"), _l("Time"), _l("Event"), _l("Event name"), _l("Outcome"), _l("User"),
            _l("User id"), _l("IP address"), _l("Browser"), _l("Target type"),
            _l("Target id"), _l("Summary"), _l("Details"), _l("Hash")]


def _export_row(event: AuditEvent) -> list[Any]:
    return [
        event.seq,
        format_datetime(event.occurred_at, "yyyy-MM-dd HH:mm:ss"),
        event.event,
        str(event_title(event.event)),
        str(OUTCOME_TITLES.get(event.outcome, event.outcome)),
        event.actor_name,
        "" if event.actor_id is None else str(event.actor_id),
        event.ip,
        event.user_agent,
        event.target_type,
        "" if event.target_id is None else str(event.target_id),
        event.summary,
        json.dumps(event.details or {}, ensure_ascii=False, sort_keys=True),
        event.hash,
    ]


_LONG_DIGITS = re.compile(r"\d{15,17}[\dXx]|\d{11}")


def _masked_filters(args: dict[str, str]) -> dict[str, str]:
    """The filters as the export's own audit event stores them: an ID or phone number typed
    into the search box is masked like anywhere else in the log."""
    def hide(match: re.Match[str]) -> str:
        digits = match.group(0)
        return mask_phone(digits) if len(digits) == 11 else mask_id_number(digits)

    return {name: _LONG_DIGITS.sub(hide, value) for name, value in args.items()}


def _export(kind: str) -> Response:
    form = _filter_form()
    if not form.validate():
        return redirect(url_for("audit.index", **_filter_args()))
    events = db.session.scalars(filtered(form).order_by(AuditEvent.seq.desc())
                                .limit(EXPORT_MAX_ROWS)).all()
    headers = [str(h) for h in _export_headers()]
    rows = [_export_row(event) for event in events]
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    filename = f"audit-{g.tenant.slug}-{stamp}.{kind}"
    if kind == "xlsx":
        body = xlsx_bytes(headers, rows, sheet_name=str(_l("Audit log")))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = csv_bytes(headers, rows)
        mimetype = "text/csv; charset=utf-8"
    if audit_active():
        record("audit.export", target_type="audit_events", summary=f"{kind}: {len(rows)} rows",
               details={"format": kind, "rows": len(rows),
                        "filters": _masked_filters(_filter_args())},
               security=True)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/export.xlsx")
@require_permission(AUDIT_EXPORT)
@require_permission(AUDIT_VIEW)
def export_xlsx():
    return _export("xlsx")


@bp.route("/export.csv")
@require_permission(AUDIT_EXPORT)
@require_permission(AUDIT_VIEW)
def export_csv():
    return _export("csv")
