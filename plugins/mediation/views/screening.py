"""Dispute screening (矛盾纠纷排查): the list with its filters, recording and editing a
disputes found, and turning one into a case mediated on the committee's initiative.

Pages taking a screening id look the record up before checking the permission, so that
another tenant's id answers 404 whoever asks; a record outside the user's org units is a
404 too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.routing import BuildError
from wtforms.fields import SelectChoice

from core.sdk import (
    OrgUnit,
    OrgUnitType,
    db,
    has_permission,
    places,
    require_permission,
    scope_filter,
)
from plugins.mediation.codes import active_dispute_types
from plugins.mediation.forms.screening import ConvertForm, ScreeningForm
from plugins.mediation.models import Committee, DisputeType, Mediator, Screening
from plugins.mediation.models.enums import CaseSource, CaseStatus, RiskLevel, ScreeningStatus
from plugins.mediation.permissions import CASE_EDIT, CASE_MANAGE, CASE_VIEW
from plugins.mediation.referrals import source_title
from plugins.mediation.views import bp
from plugins.mediation.workflow import TransitionRefused, open_case, today

PAGE_SIZE = 20
RISK_FLAGS = ("criminal", "group", "any")


def case_url(case_id: int | None) -> str | None:
    """The case page (built by the cases pages), or None while it does not exist."""
    if case_id is None:
        return None
    try:
        return url_for("mediation.case_detail", case_id=case_id)
    except BuildError:
        return None


def _page_window(page: int, pages: int, radius: int = 3) -> list[int]:
    return list(range(max(1, page - radius), min(pages, page + radius) + 1))


def _deny(permission: str) -> None:
    # The core decorator's refusal (403 and the permission-denied signal), after the lookup.
    require_permission(permission)(lambda: None)()


def screening_view(permission: str) -> Callable:
    """Load the screening of the URL (404 when not the tenant's), require ``permission``
    (403), then require the record to lie in the user's scope for it (404)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(screening_id: int, **kwargs: Any) -> Any:
            screening = db.session.get(Screening, screening_id)
            if screening is None:
                abort(404)
            if not has_permission(permission):
                _deny(permission)
            in_scope = db.session.scalar(select(Screening.id).where(
                Screening.id == screening.id, scope_filter(Screening.org_unit_id, permission)))
            if in_scope is None:
                abort(404)
            return view(screening, **kwargs)

        wrapper._fatong_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate


# --- choices -----------------------------------------------------------------------------


def select_choices(pairs: list[tuple[Any, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def unit_choices(permission: str, current: int | None = None) -> list[tuple[Any, str]]:
    """Stations and committees in the user's scope for ``permission`` (the record's own unit
    stays on offer even when deactivated or out of reach since)."""
    units = list(db.session.scalars(
        select(OrgUnit).where(
            OrgUnit.unit_type.in_([OrgUnitType.STATION, OrgUnitType.MEDIATION_COMMITTEE]),
            OrgUnit.active.is_(True), scope_filter(OrgUnit.id, permission))
        .order_by(OrgUnit.path)))
    choices: list[tuple[Any, str]] = [("", "—")]
    choices += [(unit.id, unit.name) for unit in units]
    if current is not None and current not in {unit.id for unit in units}:
        unit = db.session.get(OrgUnit, current)
        if unit is not None:
            choices.append((unit.id, unit.name))
    return choices


def type_choices(current: int | None = None) -> list[tuple[Any, str]]:
    types = active_dispute_types()
    choices: list[tuple[Any, str]] = [("", "—")] + [(t.id, t.name) for t in types]
    if current is not None and current not in {t.id for t in types}:
        kept = db.session.get(DisputeType, current)
        if kept is not None:
            choices.append((kept.id, kept.name))
    return choices


def place_choices(current: int | None = None) -> list[tuple[Any, str]]:
    choices: list[tuple[Any, str]] = [("", _("(none: describe it below)"))]
    choices += list(places.choices())
    if current is not None and current not in {value for value, _label in choices}:
        kept = places.get(current)
        if kept is not None:
            choices.append((kept.id, places.label(kept)))
    return choices


def place_names(place_ids: set[int]) -> dict[int, str]:
    # One query for the page's places, not one per row.
    return {place_id: place.full_name for place_id, place in places.get_many(place_ids).items()}


# --- list --------------------------------------------------------------------------------


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat((request.args.get(name) or "").strip())
    except ValueError:
        return None


@bp.route("/screenings/")
@require_permission(CASE_VIEW)
def screenings():
    args = request.args
    statement = select(Screening).where(scope_filter(Screening.org_unit_id, CASE_VIEW))
    filters: dict[str, Any] = {}
    start, end = _date_arg("from"), _date_arg("to")
    if start:
        statement = statement.where(Screening.screened_on >= start)
        filters["from"] = start.isoformat()
    if end:
        statement = statement.where(Screening.screened_on <= end)
        filters["to"] = end.isoformat()
    dispute_type = args.get("type", type=int)
    if dispute_type:
        statement = statement.where(Screening.dispute_type_id == dispute_type)
        filters["type"] = dispute_type
    risk = args.get("risk", "")
    if risk in {r.value for r in RiskLevel}:
        statement = statement.where(Screening.risk_level == RiskLevel(risk))
        filters["risk"] = risk
    status = args.get("status", "")
    if status in {s.value for s in ScreeningStatus}:
        statement = statement.where(Screening.status == ScreeningStatus(status))
        filters["status"] = status
    flag = args.get("flag", "")
    if flag in RISK_FLAGS:
        statement = statement.where({
            "criminal": Screening.criminal_risk.is_(True),
            "group": Screening.group_risk.is_(True),
            "any": or_(Screening.criminal_risk.is_(True), Screening.group_risk.is_(True)),
        }[flag])
        filters["flag"] = flag
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(args.get("page", 1, type=int), 1), pages)
    found = db.session.scalars(
        statement.order_by(Screening.screened_on.desc(), Screening.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    units = {unit.id: unit.name for unit in db.session.scalars(
        select(OrgUnit).where(OrgUnit.id.in_({s.org_unit_id for s in found})))}
    return render_template(
        "mediation/screening/index.html", screenings=found, total=total, page=page,
        pages=pages, page_window=_page_window(page, pages), filter_args=filters,
        units=units, places=place_names({s.place_id for s in found if s.place_id}),
        types=type_choices()[1:], risk_levels=list(RiskLevel),
        statuses=list(ScreeningStatus), filters=filters,
        can_edit=has_permission(CASE_EDIT))


# --- record and edit ---------------------------------------------------------------------


def _form_choices(form: ScreeningForm, screening: Screening | None) -> None:
    form.org_unit.choices = select_choices(
        unit_choices(CASE_EDIT, screening.org_unit_id if screening else None))
    form.dispute_type.choices = select_choices(
        type_choices(screening.dispute_type_id if screening else None))
    form.place.choices = select_choices(place_choices(screening.place_id if screening else None))


def _fill(screening: Screening, form: ScreeningForm) -> None:
    screening.org_unit_id = form.org_unit.data
    screening.screened_on = form.screened_on.data
    screening.place_id = form.place.data
    screening.place_detail = (form.place_detail.data or "").strip()
    screening.dispute_type_id = form.dispute_type.data
    screening.summary = form.summary.data.strip()
    screening.people_involved = form.people_involved.data
    screening.risk_level = RiskLevel(form.risk_level.data)
    screening.criminal_risk = bool(form.criminal_risk.data)
    screening.group_risk = bool(form.group_risk.data)
    screening.measures = (form.measures.data or "").strip()
    if "status" in form:
        screening.status = ScreeningStatus(form.status.data)


def _valid(form: ScreeningForm) -> bool:
    """The form's own checks, and the date not in the future."""
    valid = form.validate_on_submit()
    if form.screened_on.data and form.screened_on.data > today():
        form.screened_on.errors = [*form.screened_on.errors,
                                   _("The date cannot be in the future.")]
        valid = False
    return valid


@bp.route("/screenings/new", methods=["GET", "POST"])
@require_permission(CASE_EDIT)
def screening_new():
    form = ScreeningForm()
    _form_choices(form, None)
    if request.method == "GET":
        form.screened_on.data = today()
        units = [choice.value for choice in form.org_unit.choices if choice.value != ""]
        if len(units) == 1:
            form.org_unit.data = units[0]
    if _valid(form):
        screening = Screening(created_by_id=current_user.id)
        _fill(screening, form)
        db.session.add(screening)
        db.session.commit()
        flash(_("Screening record saved."), "success")
        return redirect(url_for("mediation.screening_detail", screening_id=screening.id))
    return render_template("mediation/screening/form.html", form=form, screening=None)


@bp.route("/screenings/<int:screening_id>")
@screening_view(CASE_VIEW)
def screening_detail(screening: Screening):
    form = None
    if screening.status is not ScreeningStatus.CONVERTED and has_permission(CASE_MANAGE):
        form = _convert_form(screening)
        form.accepted_on.data = today()
    return _render_detail(screening, form)


def _render_detail(screening: Screening, form: ConvertForm | None, status: int = 200):
    unit = db.session.get(OrgUnit, screening.org_unit_id)
    place = places.get(screening.place_id) if screening.place_id else None
    return render_template(
        "mediation/screening/detail.html", screening=screening, unit=unit, place=place,
        convert_form=form, case_url=case_url(screening.case_id),
        referred_from=source_title(screening.referred_from),
        can_edit=has_permission(CASE_EDIT) and _in_scope(screening, CASE_EDIT)), status


def _in_scope(screening: Screening, permission: str) -> bool:
    return db.session.scalar(select(Screening.id).where(
        Screening.id == screening.id,
        scope_filter(Screening.org_unit_id, permission))) is not None


@bp.route("/screenings/<int:screening_id>/edit", methods=["GET", "POST"])
@screening_view(CASE_EDIT)
def screening_edit(screening: Screening):
    form = ScreeningForm(obj=screening if request.method == "GET" else None)
    if screening.status is ScreeningStatus.CONVERTED:
        del form.status  # stays "became a case"
    _form_choices(form, screening)
    if request.method == "GET":
        form.org_unit.data = screening.org_unit_id
        form.place.data = screening.place_id
        form.dispute_type.data = screening.dispute_type_id
        form.risk_level.data = screening.risk_level.value
        if "status" in form:
            form.status.data = screening.status.value
    if _valid(form):
        _fill(screening, form)
        db.session.commit()
        flash(_("Screening record saved."), "success")
        return redirect(url_for("mediation.screening_detail", screening_id=screening.id))
    return render_template("mediation/screening/form.html", form=form, screening=screening)


# --- turning it into a case --------------------------------------------------------------


def _convert_form(screening: Screening) -> ConvertForm:
    form = ConvertForm()
    committees = list(db.session.scalars(
        select(Committee).where(Committee.active.is_(True),
                                scope_filter(Committee.org_unit_id, CASE_MANAGE))
        .order_by(Committee.town, Committee.name)))
    form.committee.choices = select_choices([("", "—")] + [(c.id, c.name) for c in committees])
    mediators = [m for c in committees for m in c.current_mediators]
    form.mediator.choices = select_choices([("", _("(assign later)"))] + [
        (m.id, f"{m.name}（{m.committee.name}）") for m in mediators])
    if request.method == "GET" and len(committees) == 1:
        form.committee.data = committees[0].id
    # The committee whose org unit found the dispute, when it is one.
    for committee in committees:
        if committee.org_unit_id == screening.org_unit_id and request.method == "GET":
            form.committee.data = committee.id
    return form


@bp.route("/screenings/<int:screening_id>/convert", methods=["POST"])
@screening_view(CASE_MANAGE)
def screening_convert(screening: Screening):
    if screening.status is ScreeningStatus.CONVERTED:
        flash(_("This dispute is already a case."), "info")
        return redirect(case_url(screening.case_id)
                        or url_for("mediation.screening_detail", screening_id=screening.id))
    form = _convert_form(screening)
    if not form.validate_on_submit():
        return _render_detail(screening, form)
    committee = db.session.get(Committee, form.committee.data)
    mediator = db.session.get(Mediator, form.mediator.data) if form.mediator.data else None
    if mediator is not None and mediator.committee_id != committee.id:
        form.mediator.errors = [_("Choose a mediator of the chosen committee.")]
        return _render_detail(screening, form)
    accepted_on = form.accepted_on.data
    if accepted_on > today():
        form.accepted_on.errors = [_("The date cannot be in the future.")]
        return _render_detail(screening, form)
    if accepted_on < screening.screened_on:
        form.accepted_on.errors = [_("The case cannot be accepted before the dispute was "
                                     "found (%(day)s).", day=screening.screened_on)]
        return _render_detail(screening, form)
    try:
        case = open_case(
            CaseStatus.ACCEPTED, user=current_user, note=_("From dispute screening"),
            source=CaseSource.INITIATIVE, screening_id=screening.id,
            committee_id=committee.id, org_unit_id=committee.org_unit_id,
            mediator_id=mediator.id if mediator else None,
            dispute_type_id=screening.dispute_type_id, summary=screening.summary,
            people_involved=screening.people_involved, place_id=screening.place_id,
            place_detail=screening.place_detail, applied_on=accepted_on,
            accepted_on=accepted_on)
    except TransitionRefused as refused:
        db.session.rollback()  # gives the issued number back
        flash(str(refused), "danger")
        return _render_detail(db.session.get(Screening, screening.id), form)
    screening.status = ScreeningStatus.CONVERTED
    screening.case_id = case.id
    db.session.commit()
    flash(_("Case %(number)s accepted from the screening record.", number=case.number),
          "success")
    return redirect(case_url(case.id)
                    or url_for("mediation.screening_detail", screening_id=screening.id))
