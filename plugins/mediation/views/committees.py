"""Committee pages: the list, a committee with its mediators, the mediator roster (with an
XLSX export).

Every list is cut to the user's org-unit scope (a station sees the committees under it, a
mediator their own committee); a committee or mediator outside it answers 404, like another
tenant's. Reading needs COMMITTEE_VIEW, every change COMMITTEE_MANAGE (in scope too).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

import xlsxwriter
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, extract, func, select
from sqlalchemy.orm import selectinload

from core.sdk import (
    Gender,
    OrgUnit,
    OrgUnitType,
    Person,
    User,
    db,
    download_response,
    has_permission,
    people,
    places,
    require_permission,
    scope_filter,
)
from plugins.mediation import committees as service
from plugins.mediation.forms.committees import (
    CommitteeForm,
    LeaveForm,
    MediatorEditForm,
    MediatorForm,
    options,
)
from plugins.mediation.models import Case, Committee, Mediator
from plugins.mediation.models.enums import (
    OPEN_STATUSES,
    CommitteeType,
    Employment,
    MediatorPosition,
)
from plugins.mediation.permissions import COMMITTEE_MANAGE, COMMITTEE_VIEW
from plugins.mediation.views import bp
from plugins.mediation.workflow import today

PAGE_SIZE = 50
SEARCH_LIMIT = 20
PERSON_VIEW = "core.person.view"  # the people registry's page of a person


# --- loading with scope ----------------------------------------------------------------------


def _forbid_unless(permission: str) -> None:
    """403 (and the denial signal) unless the user holds ``permission`` somewhere."""
    require_permission(permission)(lambda: None)()


def _in_scope(committee: Committee, permission: str) -> bool:
    return db.session.scalar(select(Committee.id).where(
        Committee.id == committee.id, scope_filter(Committee.org_unit_id, permission))) is not None


def committee_view(permission: str) -> Callable:
    """Load the URL's committee: 404 when unknown (or another tenant's), 403 without
    ``permission``, 404 when outside the user's scope for it. The lookup comes first so that
    a foreign id never earns a 403 confirming it exists."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(committee_id: int) -> Any:
            committee = db.session.get(Committee, committee_id)
            if committee is None:
                abort(404)
            _forbid_unless(permission)
            if not _in_scope(committee, permission):
                abort(404)
            return view(committee)

        wrapper._fatong_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate


def mediator_view(permission: str) -> Callable:
    """As :func:`committee_view`, for a mediator (scoped through their committee)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(mediator_id: int) -> Any:
            mediator = db.session.get(Mediator, mediator_id)
            if mediator is None:
                abort(404)
            _forbid_unless(permission)
            if not _in_scope(mediator.committee, permission):
                abort(404)
            return view(mediator)

        wrapper._fatong_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate


def _show_errors(form: Any, exc: service.CommitteeInvalid, aliases: dict[str, str] | None = None
                 ) -> None:
    """Put the service's messages beside the fields; form-wide ones go to a flash."""
    aliases = aliases or {}
    for name, messages in exc.errors.items():
        target = form._fields.get(aliases.get(name, name))
        if target is None:
            for message in messages:
                flash(message, "danger")
            continue
        target.errors = [*target.errors, *messages]  # a tuple before validate()


# --- choices -------------------------------------------------------------------------------


def _parent_choices(current: OrgUnit | None) -> list[Any]:
    """The stations (and the bureau) the user may manage committees in."""
    units = list(db.session.scalars(
        select(OrgUnit).where(OrgUnit.unit_type.in_(service.PARENT_TYPES),
                              OrgUnit.active.is_(True),
                              scope_filter(OrgUnit.id, COMMITTEE_MANAGE))
        .order_by(OrgUnit.path)))
    if current is not None and current.id not in {u.id for u in units}:
        units.append(current)
    # The bureau last: most committees sit under a station.
    units.sort(key=lambda u: (u.unit_type is OrgUnitType.BUREAU, u.sort_order, u.name))
    return options([("", "—")] + [(u.id, u.name) for u in units])


def _place_choices() -> list[Any]:
    return options([("", "—")] + places.choices())


def _user_choices() -> list[Any]:
    users = db.session.scalars(select(User).where(User.active.is_(True))
                               .order_by(User.display_name, User.username))
    return options([("", _("(none)"))] + [
        (u.id, f"{u.display_name} ({u.username})" if u.display_name else u.username)
        for u in users])


def _committee_fields(form: CommitteeForm) -> dict[str, Any]:
    parent = db.session.get(OrgUnit, form.parent.data) if form.parent.data else None
    # A unit outside the choices (another scope, a forged id) counts as not chosen.
    if parent is not None and parent.id not in {c.value for c in form.parent.choices}:
        parent = None
    return {"name": form.name.data, "committee_type": form.committee_type.data,
            "industry_field": form.industry_field.data, "parent": parent,
            "place_id": form.place_id.data, "town": form.town.data,
            "established_on": form.established_on.data, "address": form.address.data,
            "office_phone": form.office_phone.data, "notes": form.notes.data}


# --- committees ------------------------------------------------------------------------------


def _parents_of(committees: list[Committee]) -> dict[int, OrgUnit]:
    """committee id -> the unit its org unit hangs under, in two queries."""
    units = {u.id: u for u in db.session.scalars(select(OrgUnit).where(
        OrgUnit.id.in_([c.org_unit_id for c in committees])))}
    parent_ids = {u.parent_id for u in units.values() if u.parent_id}
    parents = {u.id: u for u in db.session.scalars(select(OrgUnit).where(
        OrgUnit.id.in_(parent_ids)))} if parent_ids else {}
    return {c.id: parents.get(units[c.org_unit_id].parent_id)
            for c in committees if c.org_unit_id in units}


def _women(committee: Committee) -> int:
    return sum(1 for m in committee.members
               if m.person is not None and m.person.gender == Gender.FEMALE)


def _page_window(page: int, pages: int, radius: int = 3) -> list[int]:
    return list(range(max(page - radius, 1), min(page + radius, pages) + 1))


def _active_filter(value: str | None) -> str:
    return value if value in ("1", "0", "all") else "1"


@bp.route("/committees/")
@require_permission(COMMITTEE_VIEW)
def committees():
    type_value = request.args.get("type", "")
    town = request.args.get("town", "").strip()
    active = _active_filter(request.args.get("active"))
    page = max(request.args.get("page", 1, type=int), 1)

    scoped = select(Committee).where(scope_filter(Committee.org_unit_id, COMMITTEE_VIEW))
    towns = sorted(t for t in db.session.scalars(
        select(Committee.town).where(scope_filter(Committee.org_unit_id, COMMITTEE_VIEW),
                                     Committee.town != "").distinct()))
    query = scoped
    if type_value in {t.value for t in CommitteeType}:
        query = query.where(Committee.committee_type == CommitteeType(type_value))
    else:
        type_value = ""
    if town:
        query = query.where(Committee.town == town)
    if active != "all":
        query = query.where(Committee.active.is_(active == "1"))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    found = list(db.session.scalars(
        query.options(selectinload(Committee.mediators))
        .order_by(Committee.town, Committee.name, Committee.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    filter_args = {k: v for k, v in {"type": type_value, "town": town,
                                     "active": active if active != "1" else ""}.items() if v}
    return render_template(
        "mediation/committees/index.html", committees=found, parents=_parents_of(found),
        women=_women, types=list(CommitteeType), towns=towns,
        filters={"type": type_value, "town": town, "active": active},
        filter_args=filter_args, page=page, pages=pages, total=total,
        page_window=_page_window(page, pages), can_manage=has_permission(COMMITTEE_MANAGE))


def _form_page(form: CommitteeForm, committee: Committee | None) -> str:
    return render_template("mediation/committees/form.html", form=form, committee=committee,
                           towns=places.towns(), industry=CommitteeType.INDUSTRY.value)


@bp.route("/committees/new", methods=["GET", "POST"])
@require_permission(COMMITTEE_MANAGE)
def committee_new():
    form = CommitteeForm()
    form.parent.choices = _parent_choices(None)
    form.place_id.choices = _place_choices()
    if request.method == "GET" and len(form.parent.choices) == 2:
        form.parent.data = form.parent.choices[1].value  # the only station in scope
    if form.validate_on_submit():
        try:
            committee = service.create_committee(**_committee_fields(form))
            db.session.commit()
        except service.CommitteeInvalid as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            flash(_("Committee %(name)s created. Now add its members.", name=committee.name),
                  "success")
            return redirect(url_for("mediation.committee_detail", committee_id=committee.id))
    return _form_page(form, None)


def _case_counts(committee: Committee) -> dict[str, int]:
    year = today().year
    base = select(func.count()).select_from(Case).where(Case.committee_id == committee.id)
    return {
        "open": db.session.scalar(base.where(Case.status.in_(OPEN_STATUSES))) or 0,
        "closed": db.session.scalar(base.where(
            Case.closed_on.is_not(None), extract("year", Case.closed_on) == year)) or 0,
        "year": year,
    }


def _detail_page(committee: Committee, leave_forms: dict[int, LeaveForm] | None = None) -> str:
    # Reload the mediators (one may just have been added or left) with their accounts:
    # one query for each, not one per mediator.
    db.session.execute(
        select(Committee).where(Committee.id == committee.id)
        .options(selectinload(Committee.mediators).selectinload(Mediator.user))
        .execution_options(populate_existing=True)).scalars().one()
    current = committee.current_mediators
    leave_forms = leave_forms or {}
    for mediator in current:
        leave_forms.setdefault(mediator.id, LeaveForm(formdata=None, prefix=f"m{mediator.id}",
                                                      data={"left_on": today()}))
    unit = db.session.get(OrgUnit, committee.org_unit_id)
    return render_template(
        "mediation/committees/detail.html", committee=committee, unit=unit,
        parent=service.parent_unit(committee), place=places.get(committee.place_id),
        warnings=committee.composition_warnings() if committee.active else [],
        members=[m for m in current if m.position.is_member],
        hired=[m for m in current if not m.position.is_member],
        former=sorted((m for m in committee.mediators if not m.active),
                      key=lambda m: m.left_on, reverse=True),
        women=_women(committee), term_state=service.term_state,
        counts=_case_counts(committee), leave_forms=leave_forms,
        can_manage=has_permission(COMMITTEE_MANAGE) and _in_scope(committee, COMMITTEE_MANAGE),
        warning_days=service.TERM_WARNING_DAYS, can_see_people=has_permission(PERSON_VIEW))


@bp.route("/committees/<int:committee_id>")
@committee_view(COMMITTEE_VIEW)
def committee_detail(committee: Committee):
    return _detail_page(committee)


@bp.route("/committees/<int:committee_id>/edit", methods=["GET", "POST"])
@committee_view(COMMITTEE_MANAGE)
def committee_edit(committee: Committee):
    parent = service.parent_unit(committee)
    if request.method == "GET":
        form = CommitteeForm(obj=committee)
        form.committee_type.data = committee.committee_type.value
        form.industry_field.data = committee.industry_field.value if committee.industry_field \
            else ""
        form.parent.data = parent.id if parent else None
    else:
        form = CommitteeForm()
    form.parent.choices = _parent_choices(parent)
    form.place_id.choices = _place_choices()
    if form.validate_on_submit():
        try:
            service.update_committee(committee, **_committee_fields(form))
            db.session.commit()
        except service.CommitteeInvalid as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("mediation.committee_detail", committee_id=committee.id))
    return _form_page(form, committee)


@bp.route("/committees/<int:committee_id>/deactivate", methods=["POST"])
@committee_view(COMMITTEE_MANAGE)
def committee_deactivate(committee: Committee):
    try:
        service.deactivate_committee(committee)
        db.session.commit()
    except service.CommitteeInvalid as exc:
        db.session.rollback()
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "danger")
    else:
        flash(_("%(name)s is deactivated; its records are kept.", name=committee.name),
              "success")
    return redirect(url_for("mediation.committee_detail", committee_id=committee.id))


@bp.route("/committees/<int:committee_id>/activate", methods=["POST"])
@committee_view(COMMITTEE_MANAGE)
def committee_activate(committee: Committee):
    try:
        service.activate_committee(committee)
        db.session.commit()
    except service.CommitteeInvalid as exc:
        db.session.rollback()
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "danger")
    else:
        flash(_("%(name)s is active again.", name=committee.name), "success")
    return redirect(url_for("mediation.committee_detail", committee_id=committee.id))


# --- mediators -------------------------------------------------------------------------------


def _person_fields(form: MediatorForm) -> dict[str, Any]:
    return {name: form[name].data for name in service.PERSON_FIELDS}


def _found_people(query: str) -> list[Any]:
    if not query:
        return []
    return list(db.session.scalars(people.search(query).order_by(Person.name)
                                   .limit(SEARCH_LIMIT)))


@bp.route("/committees/<int:committee_id>/mediators/new", methods=["GET", "POST"])
@committee_view(COMMITTEE_MANAGE)
def mediator_new(committee: Committee):
    if not committee.active:
        flash(_("%(name)s is deactivated.", name=committee.name), "warning")
        return redirect(url_for("mediation.committee_detail", committee_id=committee.id))
    form = MediatorForm()
    form.user_id.choices = _user_choices()
    query = request.args.get("q", "").strip()
    if request.method == "GET":
        form.term_start.data = today()
        form.term_end.data = service.default_term_end(today())
        chosen_id = request.args.get("person_id", type=int)
        if chosen_id is not None and people.get(chosen_id) is not None:
            form.person_id.data = str(chosen_id)
    chosen = people.get(int(form.person_id.data)) if (form.person_id.data or "").isdigit() \
        else None
    if form.validate_on_submit():
        fields = {name: form[name].data for name in
                  ("position", "employment", "term_start", "term_end", "user_id",
                   "training_notes")}
        try:
            if chosen is None and not (form.name.data or "").strip():
                raise service.CommitteeInvalid({"name": [_("Enter the person's name, or "
                                                           "find a registered person.")]})
            mediator = service.add_mediator(
                committee, person=chosen,
                person_fields=None if chosen else _person_fields(form), **fields)
            db.session.commit()
        except service.CommitteeInvalid as exc:
            db.session.rollback()
            _show_errors(form, exc, {"person": "name" if chosen is None else "person_id"})
        else:
            flash(_("%(name)s added to the committee.", name=mediator.name), "success")
            return redirect(url_for("mediation.committee_detail", committee_id=committee.id))
    return render_template("mediation/committees/mediator_form.html", form=form,
                           committee=committee, mediator=None, chosen=chosen, query=query,
                           found=_found_people(query), can_see_people=has_permission(PERSON_VIEW))


@bp.route("/mediators/<int:mediator_id>/edit", methods=["GET", "POST"])
@mediator_view(COMMITTEE_MANAGE)
def mediator_edit(mediator: Mediator):
    if request.method == "GET":
        form = MediatorEditForm(obj=mediator)
        form.position.data = mediator.position.value
        form.employment.data = mediator.employment.value
    else:
        form = MediatorEditForm()
    form.user_id.choices = _user_choices()
    if form.validate_on_submit():
        fields = {name: form[name].data for name in
                  ("position", "employment", "term_start", "term_end", "user_id",
                   "training_notes")}
        try:
            service.update_mediator(mediator, **fields)
            db.session.commit()
        except service.CommitteeInvalid as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("mediation.committee_detail",
                                    committee_id=mediator.committee_id))
    return render_template("mediation/committees/mediator_form.html", form=form,
                           committee=mediator.committee, mediator=mediator, chosen=None,
                           query="", found=[], can_see_people=has_permission(PERSON_VIEW))


@bp.route("/mediators/<int:mediator_id>/leave", methods=["POST"])
@mediator_view(COMMITTEE_MANAGE)
def mediator_leave(mediator: Mediator):
    committee = mediator.committee
    form = LeaveForm(prefix=f"m{mediator.id}")
    if form.validate_on_submit():
        try:
            service.record_leaving(mediator, form.left_on.data)
            open_cases = service.open_cases_of(mediator)
            db.session.commit()
        except service.CommitteeInvalid as exc:
            db.session.rollback()
            _show_errors(form, exc)
        else:
            flash(_("%(name)s left the committee on %(date)s; the record is kept.",
                    name=mediator.name, date=mediator.left_on.isoformat()), "success")
            if open_cases:
                flash(_("%(name)s still handles %(count)d open case(s): give them to another "
                        "mediator.", name=mediator.name, count=open_cases), "warning")
            return redirect(url_for("mediation.committee_detail", committee_id=committee.id))
    return _detail_page(committee, {mediator.id: form}), 422


# --- roster ----------------------------------------------------------------------------------


def _roster_query(args: Any) -> tuple[Select, dict[str, str]]:
    """The mediators in scope matching the filters of ``args`` (list and export alike)."""
    filters = {"committee": args.get("committee", ""), "position": args.get("position", ""),
               "employment": args.get("employment", ""),
               "active": _active_filter(args.get("active"))}
    query = (select(Mediator).join(Committee, (Committee.tenant_id == Mediator.tenant_id)
                                   & (Committee.id == Mediator.committee_id))
             .where(scope_filter(Committee.org_unit_id, COMMITTEE_VIEW)))
    if filters["committee"].isdigit():
        query = query.where(Mediator.committee_id == int(filters["committee"]))
    else:
        filters["committee"] = ""
    if filters["position"] in {p.value for p in MediatorPosition}:
        query = query.where(Mediator.position == MediatorPosition(filters["position"]))
    else:
        filters["position"] = ""
    if filters["employment"] in {e.value for e in Employment}:
        query = query.where(Mediator.employment == Employment(filters["employment"]))
    else:
        filters["employment"] = ""
    if filters["active"] == "1":
        query = query.where(Mediator.left_on.is_(None))
    elif filters["active"] == "0":
        query = query.where(Mediator.left_on.is_not(None))
    query = query.order_by(Committee.town, Committee.name, Mediator.sort_order, Mediator.id)
    return query, filters


@bp.route("/mediators/")
@require_permission(COMMITTEE_VIEW)
def mediators():
    query, filters = _roster_query(request.args)
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    found = list(db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    committee_choices = list(db.session.execute(
        select(Committee.id, Committee.name)
        .where(scope_filter(Committee.org_unit_id, COMMITTEE_VIEW))
        .order_by(Committee.town, Committee.name)))
    filter_args = {k: v for k, v in filters.items() if v and not (k == "active" and v == "1")}
    return render_template(
        "mediation/committees/mediators.html", mediators=found, filters=filters,
        filter_args=filter_args, committees=committee_choices,
        positions=list(MediatorPosition), employments=list(Employment), page=page,
        pages=pages, total=total, page_window=_page_window(page, pages),
        term_state=service.term_state)


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


@bp.route("/mediators/export.xlsx")
@require_permission(COMMITTEE_VIEW)
def mediators_export():
    """The roster as filtered, one row a mediator: no ID numbers, phones masked."""
    query, _filters = _roster_query(request.args)
    headers = [_("Name"), _("Gender"), _("Committee"), _("Position"), _("Employment"),
               _("Term starts"), _("Term ends"), _("Left on"), _("Phone")]
    rows = []
    for m in db.session.scalars(query):
        person = m.person
        rows.append([m.name, str(person.gender_label) if person else "", m.committee.name,
                     str(m.position.label), str(m.employment.label), _date(m.term_start),
                     _date(m.term_end), _date(m.left_on),
                     str(person.phone) if person and person.phone else ""])
    output = io.BytesIO()
    # Text stays text: a name typed as "=HYPERLINK(...)" is never a formula or a link.
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
    sheet = workbook.add_worksheet(_("Mediators")[:31])
    bold = workbook.add_format({"bold": True})
    for column, title in enumerate(headers):
        sheet.write_string(0, column, title, bold)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            sheet.write_string(number, column, value)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 12)
    sheet.set_column(2, 2, 32)
    if rows:
        sheet.autofilter(0, 0, len(rows), len(headers) - 1)
    workbook.close()
    return download_response(output.getvalue(), f"mediators-{today().isoformat()}.xlsx",
                             _("Mediator roster") + f"-{today().isoformat()}.xlsx")


# The dispute-type code list pages live in their own module, on the same blueprint.
from plugins.mediation.views import dispute_types  # noqa: E402, F401
