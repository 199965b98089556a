"""The case list (filters, 精准扶贫台账 cases first among the open ones) and the new
application form (申请, or a notice: 通知辩护/代理), also reached from a consultation."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case as sql_case
from sqlalchemy import func, or_, select
from sqlalchemy.orm import load_only, noload, selectinload
from wtforms.fields import SelectChoice

from core.sdk import (
    Person,
    db,
    has_permission,
    people,
    require_any_permission,
    require_permission,
)
from plugins.legal_aid.deadlines import case_deadlines
from plugins.legal_aid.eligibility import (
    CheckMethod,
    MatterKind,
    Route,
)
from plugins.legal_aid.forms.applications import MAX_MATERIALS, ApplicationForm
from plugins.legal_aid.forms.intake import options
from plugins.legal_aid.hooks import DEADLINE_COLUMNS, calendar_counters
from plugins.legal_aid.intake import (
    COMMON_MATERIALS,
    default_unit,
    implied_groups,
    join_codes,
    units_for,
)
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models import AidCase, Consultation, Material
from plugins.legal_aid.models.enums import CaseStatus, ConsultationOutcome, MaterialStatus
from plugins.legal_aid.permissions import (
    CASE_INTAKE,
    CASE_VIEW,
    CASE_VIEW_ASSIGNED,
    CONSULTATION_VIEW,
)
from plugins.legal_aid.settings import legal_aid_settings
from plugins.legal_aid.views import bp
from plugins.legal_aid.views.common import date_arg, int_or_none, scoped_cases
from plugins.legal_aid.workflow import TransitionRefused, open_case, today

PAGE_SIZE = 30
OPEN_STATUSES = [s for s in CaseStatus if s.is_open]


def page_window(page: int, pages: int, radius: int = 3) -> list[int]:
    return list(range(max(1, page - radius), min(pages, page + radius) + 1))


# --- list --------------------------------------------------------------------------------


def _overdue_ids(statement: Any) -> list[int]:
    """Ids of the open cases among ``statement`` with a deadline passed. The deadlines are
    the timeline's rules (working days, holidays), so they are computed here, not in SQL."""
    review_days = int(legal_aid_settings().get("review_days") or 30)
    add, between = calendar_counters()
    found = list(db.session.scalars(statement.where(AidCase.status.in_(OPEN_STATUSES)).options(
        load_only(*DEADLINE_COLUMNS, raiseload=False), noload(AidCase.person))))
    overdue = [c.id for c in found if any(
        d.overdue for d in case_deadlines(c, review_days, add_working_days=add,
                                          working_days_between=between))]
    for case in found:  # partly loaded: the page's own query loads them whole
        db.session.expunge(case)
    return overdue


@bp.route("/cases/")
@require_any_permission(CASE_VIEW, CASE_VIEW_ASSIGNED)
def cases():
    args = request.args
    statement = scoped_cases()
    filters: dict[str, str] = {}
    status = args.get("status", "")
    if status in {s.value for s in CaseStatus}:
        statement = statement.where(AidCase.status == CaseStatus(status))
        filters["status"] = status
    category = args.get("category", "")
    if category in {c.value for c in MatterCategory}:
        statement = statement.where(AidCase.category == MatterCategory(category))
        filters["category"] = category
    route = args.get("route", "")
    if route in {r.value for r in Route}:
        statement = statement.where(AidCase.route == Route(route))
        filters["route"] = route
    start, end = date_arg("from"), date_arg("to")
    if start:
        statement = statement.where(AidCase.received_on >= start)
        filters["from"] = start.isoformat()
    if end:
        statement = statement.where(AidCase.received_on <= end)
        filters["to"] = end.isoformat()
    query = args.get("q", "").strip()[:100]
    if query:
        named = select(Person.id).where(Person.name.contains(query, autoescape=True))
        statement = statement.where(or_(AidCase.number.contains(query, autoescape=True),
                                        AidCase.person_id.in_(named)))
        filters["q"] = query
    if args.get("poverty") == "1":
        statement = statement.where(AidCase.poverty_ledger.is_(True))
        filters["poverty"] = "1"
    if args.get("overdue") == "1":
        statement = statement.where(AidCase.id.in_(_overdue_ids(statement)))
        filters["overdue"] = "1"
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(args.get("page", 1, type=int), 1), pages)
    # Open cases first; among them the poverty-ledger ones (精准扶贫台账 priority).
    is_open = sql_case((AidCase.status.in_(OPEN_STATUSES), 0), else_=1)
    ledger = sql_case((AidCase.poverty_ledger.is_(True), 0), else_=1)
    found = db.session.scalars(
        statement.options(selectinload(AidCase.provider))
        .order_by(is_open, ledger, AidCase.received_on.desc(), AidCase.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).unique().all()
    return render_template(
        "legal_aid/cases/index.html", cases=found, total=total, page=page, pages=pages,
        page_window=page_window(page, pages), filter_args=filters, statuses=list(CaseStatus),
        categories=list(MatterCategory), routes=list(Route),
        can_create=has_permission(CASE_INTAKE))


# --- new application ---------------------------------------------------------------------


def person_label(person: Person) -> str:
    parts = [person.name]
    if person.id_number:
        parts.append(str(person.id_number))  # masked
    if person.birth_date:
        parts.append(person.birth_date.isoformat())
    if person.address:
        parts.append(person.address[:20])
    return " · ".join(parts)


def person_choices(lookup: str, chosen_id: Any, blank_label: Any) -> tuple[list[SelectChoice],
                                                                           int | None]:
    """The registered people a search finds (10 at most) and the current pick; with the
    number found (None when nothing was searched)."""
    found: list[Person] = []
    lookup = (lookup or "").strip()
    if lookup:
        found = list(db.session.scalars(people.search(lookup).order_by(Person.name, Person.id)
                                        .limit(10)))
    chosen = people.get(int_or_none(chosen_id)) if int_or_none(chosen_id) else None
    if chosen is not None and chosen not in found:
        found.insert(0, chosen)
    return (options([("", blank_label)] + [(str(p.id), person_label(p)) for p in found]),
            len(found) if lookup else None)


def visible_consultation(consultation_id: Any) -> Consultation | None:
    """The consultation if the user may see it (scoped), else None."""
    from core.sdk import scope_filter

    cid = int_or_none(consultation_id)
    if cid is None or not has_permission(CONSULTATION_VIEW):
        return None
    return db.session.scalar(select(Consultation).where(
        Consultation.id == cid, scope_filter(Consultation.org_unit_id, CONSULTATION_VIEW)))


def _prefill(form: ApplicationForm, consultation: Consultation | None) -> None:
    form.received_on.data = today()
    form.notice_received_on.data = None
    for index, name in enumerate(COMMON_MATERIALS):
        if index >= len(form.materials):
            form.materials.append_entry()
        form.materials[index].form.name.data = name
        form.materials[index].form.copies.data = 1
    form.materials.append_entry()
    if consultation is None:
        return
    form.consultation_id.data = str(consultation.id)
    form.summary.data = consultation.question
    form.category.data = consultation.category.value if consultation.category else ""
    form.poverty_ledger.data = consultation.poverty_ledger
    form.org_unit_id.data = consultation.org_unit_id
    if consultation.person_id is not None:
        form.person_id.data = str(consultation.person_id)
        form.recipient_groups.data = [g.value for g in implied_groups(consultation.person,
                                                                       today())]
    else:
        form.name.data = consultation.visitor_name
        form.phone.data = consultation.visitor_phone


def _applicant(form: ApplicationForm) -> Person | None:
    """The registered person picked, or a new one registered (flushed); errors go beside
    the fields and None is returned (the caller rolls back)."""
    if form.person_id.data:
        person = people.get(int_or_none(form.person_id.data))
        if person is None:
            form.person_id.errors = [_("Choose a person from the list.")]
        return person
    try:
        person, _created = people.get_or_create(
            name=form.name.data, id_type=form.id_type.data or "resident_id",
            id_number=(form.id_number.data or "").strip() or None,
            gender=form.gender.data or None, birth_date=form.birth_date.data,
            phone=form.phone.data, address=form.address.data)
    except people.PersonInvalid as exc:
        for name, messages in exc.errors.items():
            target = getattr(form, name, None) or form.name
            target.errors = [*target.errors, *(str(m) for m in messages)]
        return None
    return person


def _create(form: ApplicationForm, consultation: Consultation | None) -> AidCase | None:
    """Write the applicant, the case, its materials and the consultation's link in one
    transaction, or nothing."""
    person = _applicant(form)
    if person is None:
        db.session.rollback()
        return None
    if not form.recipient_groups.data:
        # Nothing ticked: what the registry shows (elderly, minor, woman) applies.
        form.recipient_groups.data = [g.value for g in implied_groups(person, today())]
    notified = form.notified
    category = MatterCategory(form.category.data)
    criminal = category in (MatterCategory.CRIMINAL_DEFENCE,
                            MatterCategory.CRIMINAL_REPRESENTATION)
    received_on = form.received_on.data
    if notified and form.notice_received_on.data:
        received_on = form.notice_received_on.data
    try:
        case = open_case(
            user=current_user, org_unit_id=form.org_unit_id.data, person_id=person.id,
            route=Route(form.route.data), category=category,
            matter_kind=(MatterKind(form.matter_kind.data)
                         if form.matter_kind.data and not criminal else None),
            summary=form.summary.data.strip(), request=(form.request.data or "").strip(),
            notifying_organ=(form.notifying_organ.data or "").strip() if notified else "",
            notice_number=(form.notice_number.data or "").strip() if notified else "",
            notice_received_on=form.notice_received_on.data if notified else None,
            received_on=received_on,
            consultation_id=consultation.id if consultation else None,
            **case_fields(form))
        for entry in form.materials:
            row = entry.form
            if row.received.data and (row.name.data or "").strip():
                db.session.add(Material(case_id=case.id, name=row.name.data.strip()[:100],
                                        status=MaterialStatus.RECEIVED,
                                        copies=row.copies.data or 1,
                                        received_on=received_on))
        if consultation is not None:
            consultation.outcome = ConsultationOutcome.APPLICATION
            consultation.case_id = case.id
            if consultation.person_id is None:
                consultation.person_id = person.id
        db.session.flush()
    except TransitionRefused as exc:
        db.session.rollback()
        form.received_on.errors = [*form.received_on.errors, str(exc)]
        return None
    db.session.commit()
    return case


def case_fields(form: Any) -> dict[str, Any]:
    """The columns the application form and the "edit" action share."""
    return {
        "opposing_party": (form.opposing_party.data or "").strip(),
        "opposing_party_address": (form.opposing_party_address.data or "").strip(),
        "handling_organ": (form.handling_organ.data or "").strip(),
        "handling_county": (form.handling_county.data or "").strip(),
        "client_hometown": (form.client_hometown.data or "").strip(),
        "client_languages": (form.client_languages.data or "").strip(),
        "recipient_groups": join_codes(form.recipient_groups.data),
        "poverty_ledger": bool(form.poverty_ledger.data),
        "limitation_on": form.limitation_on.data,
        "advance_aid": bool(form.advance_aid.data),
        "mandatory_defence": join_codes(form.mandatory_defence.data),
        "compulsory_treatment": bool(form.compulsory_treatment.data),
        "art32": join_codes(form.art32.data),
        "art42": join_codes(form.art42.data),
        "art42_proven": join_codes(form.art42_proven.data),
        "local_categories": join_codes(form.local_categories.data),
        "local_proven": join_codes(form.local_proven.data),
        "defence_other_reason": (form.defence_other_reason.data or "").strip(),
        "legal_basis": (form.legal_basis.data or "").strip(),
        "has_retained_lawyer": bool(form.has_retained_lawyer.data),
        "household_size": form.household_size.data,
        "monthly_household_income": form.monthly_household_income.data,
        "check_method": CheckMethod(form.check_method.data) if form.check_method.data else None,
    }


@bp.route("/cases/new", methods=["GET", "POST"])
@require_permission(CASE_INTAKE)
def case_new():
    form = ApplicationForm()
    units = units_for(CASE_INTAKE)
    form.org_unit_id.choices = options([(0, "—")] + [(u.id, u.name) for u in units])
    op = request.form.get("op", "save") if request.method == "POST" else ""
    consultation_ref = (form.consultation_id.data if request.method == "POST"
                        else request.args.get("consultation"))
    consultation = visible_consultation(consultation_ref) if consultation_ref else None
    if consultation_ref and consultation is None:
        abort(404)
    if consultation is not None and consultation.case_id is not None:
        flash(_("This consultation has already been turned into an application."), "warning")
        return redirect(url_for("legal_aid.case_detail", case_id=consultation.case_id))
    if request.method == "GET":
        form.org_unit_id.data = default_unit(units) or 0
        _prefill(form, consultation)
    if op == "add_material" and len(form.materials) < MAX_MATERIALS:
        form.materials.append_entry()
    form.person_id.choices, lookup_count = person_choices(
        form.lookup.data, form.person_id.data, _("— register a new person below —"))
    if op == "find" and not form.person_id.data and lookup_count == 1:
        form.person_id.data = form.person_id.choices[1].value
    if op == "find" and form.person_id.data and not form.recipient_groups.data:
        # Pre-tick what the registry shows (elderly, minor, woman).
        chosen = people.get(int_or_none(form.person_id.data))
        form.recipient_groups.data = [g.value for g in implied_groups(chosen, today())]
    if op == "save" and form.validate():
        if form.org_unit_id.data not in {u.id for u in units}:
            form.org_unit_id.errors = [_("Choose a unit from the list.")]
        else:
            case = _create(form, consultation)
            if case is not None:
                if case.number:
                    flash(_("Notice registered as case %(number)s.", number=case.number),
                          "success")
                else:
                    flash(_("Application registered."), "success")
                return redirect(url_for("legal_aid.case_detail", case_id=case.id))
    status = 422 if op == "save" and request.method == "POST" else 200
    return render_template("legal_aid/cases/new.html", form=form, lookup_count=lookup_count,
                           consultation=consultation, common_materials=COMMON_MATERIALS,
                           max_materials=MAX_MATERIALS), status
