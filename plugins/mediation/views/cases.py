"""Case pages: the list with its filters, intake (受理登记) and the case's page.

The workflow actions posted from the case page live in ``case_actions``; both share the
scoped lookups below, so that a case outside the user's org-unit scope (or of another tenant)
answers 404 everywhere.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields import SelectChoice

from core.sdk import Person, db, has_permission, in_scope, people, require_permission, scope_filter
from plugins.mediation.codes import active_dispute_types
from plugins.mediation.forms.cases import MAX_PARTIES, IntakeForm, PartyForm, options
from plugins.mediation.models import (
    Case,
    CaseParty,
    Committee,
    DisputeType,
    Mediator,
    StatusChange,
    Transfer,
)
from plugins.mediation.models.enums import (
    OPEN_STATUSES,
    AgreementKind,
    CaseSource,
    CaseStatus,
    ConfirmationResult,
    Counterpart,
    PartyRole,
    TransferDirection,
)
from plugins.mediation.permissions import CASE_EDIT, CASE_MANAGE, CASE_VIEW
from plugins.mediation.views import bp
from plugins.mediation.workflow import (
    TIMEZONE,
    TransitionRefused,
    allowed_next,
    open_case,
    today,
)

PAGE_SIZE = 30
PEOPLE_VIEW = "core.person.view"  # the people registry's page of a party
FILTER_ARGS = ("status", "committee", "type", "source", "from", "to", "q", "overdue")
S = CaseStatus


# --- scoped lookups ----------------------------------------------------------------------


def scoped_cases(permission: str = CASE_VIEW) -> Select:
    return select(Case).where(scope_filter(Case.org_unit_id, permission))


def case_or_404(case_id: int, *options: Any) -> Case:
    """The case if the user may see it; 404 for another tenant's, an unknown or an
    out-of-scope id alike. ``options`` are loader options (the case page's eager loads)."""
    case = db.session.scalar(scoped_cases().options(*options).where(Case.id == case_id))
    if case is None:
        abort(404)
    return case


def can(case: Case, permission: str) -> bool:
    """Whether the user holds ``permission`` over this case's org unit."""
    cache = g.setdefault("_mediation_can", {})
    key = (case.id, permission)
    if key not in cache:
        cache[key] = in_scope(case.org_unit_id, permission)
    return cache[key]


def scoped_committees(permission: str, active_only: bool = True) -> list[Committee]:
    statement = select(Committee).where(scope_filter(Committee.org_unit_id, permission))
    if active_only:
        statement = statement.where(Committee.active)
    return list(db.session.scalars(statement.order_by(Committee.name)))


def committee_mediators(case: Case) -> list[Mediator]:
    return list(db.session.scalars(
        select(Mediator).where(Mediator.committee_id == case.committee_id,
                               Mediator.left_on.is_(None))
        .order_by(Mediator.sort_order, Mediator.id)))


def place_choices() -> list[SelectChoice]:
    """The registry's places for a select; none while the places registry is absent."""
    try:
        from core.sdk import places
    except ImportError:  # the registry is not exported (yet): free text only
        return options([("", "—")])
    return options([("", "—")] + [(str(pid), label) for pid, label in places.choices()])


def valid_place(value: Any) -> int | None:
    if not value:
        return None
    try:
        from core.sdk import places
    except ImportError:
        return None
    place = places.get(value)
    return place.id if place is not None else None


def document_url(key: str, object_id: int) -> str | None:
    """The print page of a document, or None while its template is not registered."""
    try:
        from core.sdk import documents
    except ImportError:
        return None
    if documents.get(key) is None:
        return None
    return documents.url_for_document(key, object_id)


def in_transfer(case: Case) -> Transfer | None:
    return next((t for t in case.transfers if t.direction is TransferDirection.IN), None)


# --- list --------------------------------------------------------------------------------


def _page_window(page: int, pages: int, radius: int = 3) -> list[int]:
    return list(range(max(1, page - radius), min(pages, page + radius) + 1))


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/cases/")
@require_permission(CASE_VIEW)
def cases():
    args = request.args
    statement = scoped_cases()
    filters: dict[str, str] = {}
    status = args.get("status", "")
    if status in {s.value for s in CaseStatus}:
        statement = statement.where(Case.status == CaseStatus(status))
        filters["status"] = status
    committees = scoped_committees(CASE_VIEW, active_only=False)
    committee = args.get("committee", type=int)
    if committee in {c.id for c in committees}:
        statement = statement.where(Case.committee_id == committee)
        filters["committee"] = str(committee)
    types = list(db.session.scalars(select(DisputeType).order_by(DisputeType.sort_order)))
    dispute_type = args.get("type", type=int)
    if dispute_type in {t.id for t in types}:
        statement = statement.where(Case.dispute_type_id == dispute_type)
        filters["type"] = str(dispute_type)
    source = args.get("source", "")
    if source in {s.value for s in CaseSource}:
        statement = statement.where(Case.source == CaseSource(source))
        filters["source"] = source
    # The date range is on the acceptance date, or the application's for one not accepted.
    day = func.coalesce(Case.accepted_on, Case.applied_on)
    start, end = _date_arg("from"), _date_arg("to")
    if start:
        statement = statement.where(day >= start)
        filters["from"] = start.isoformat()
    if end:
        statement = statement.where(day <= end)
        filters["to"] = end.isoformat()
    query = args.get("q", "").strip()[:100]
    if query:
        named = (select(CaseParty.case_id).join(
            Person, (Person.tenant_id == CaseParty.tenant_id) & (Person.id == CaseParty.person_id))
            .where(Person.name.contains(query, autoescape=True)))
        statement = statement.where(or_(Case.number.contains(query, autoescape=True),
                                        Case.summary.contains(query, autoescape=True),
                                        Case.id.in_(named)))
        filters["q"] = query
    if args.get("overdue") == "1":
        statement = statement.where(Case.status.in_([S.ACCEPTED, S.MEDIATING]),
                                    Case.due_on < today())
        filters["overdue"] = "1"
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(args.get("page", 1, type=int), 1), pages)
    found = db.session.scalars(
        statement.options(selectinload(Case.parties), selectinload(Case.mediator))
        .order_by(Case.applied_on.desc(), Case.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).unique().all()
    return render_template(
        "mediation/cases/index.html", cases=found, total=total, page=page, pages=pages,
        page_window=_page_window(page, pages), filter_args=filters, statuses=list(CaseStatus),
        committees=committees, types=types, sources=list(CaseSource), today=today(),
        can_create=has_permission(CASE_EDIT))


# --- intake ------------------------------------------------------------------------------


def _person_label(person: Person) -> str:
    parts = [person.name]
    if person.id_number:
        parts.append(str(person.id_number))  # masked
    if person.address:
        parts.append(person.address[:20])
    return " · ".join(parts)


def _fill_party_choices(row: PartyForm, select_single: bool = False) -> None:
    """The registered people this row may pick: those its search finds and its current pick."""
    found: list[Person] = []
    lookup = (row.lookup.data or "").strip()
    if lookup:
        found = list(db.session.scalars(people.search(lookup).order_by(Person.name,
                                                                        Person.id).limit(10)))
    chosen = people.get(_int(row.person_id.data))
    if chosen is not None and chosen not in found:
        found.insert(0, chosen)
    if select_single and not row.person_id.data and len(found) == 1:
        row.person_id.data = str(found[0].id)
    row.person_id.choices = options([("", _("— register a new person below —"))] + [
        (str(p.id), _person_label(p)) for p in found])
    row.lookup_count = len(found) if lookup else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _fill_intake_choices(form: IntakeForm, committees: list[Committee], find: bool) -> None:
    form.committee_id.choices = options([(0, "—")] + [(c.id, c.name) for c in committees])
    form.dispute_type_id.choices = options([(0, "—")] + [(t.id, t.name)
                                                         for t in active_dispute_types()])
    form.place_id.choices = place_choices()
    for row in form.parties:
        _fill_party_choices(row.form, select_single=find)


def _party_people(form: IntakeForm) -> list[tuple[PartyForm, Person]] | None:
    """Find or register each filled-in party's person; errors go beside the row's fields.
    Returns None when a row failed (the caller rolls back)."""
    result: list[tuple[PartyForm, Person]] = []
    failed = False
    seen: set[int] = set()
    for entry in form.parties:
        row = entry.form
        if row.is_blank:
            continue
        if row.person_id.data:
            person = people.get(_int(row.person_id.data))
            if person is None:
                row.person_id.errors = [_("Choose a person from the list.")]
                failed = True
                continue
        else:
            try:
                person, _created = people.get_or_create(
                    name=row.name.data, id_type=row.id_type.data or "resident_id",
                    id_number=(row.id_number.data or "").strip() or None,
                    gender=row.gender.data or None, phone=row.phone.data,
                    address=row.address.data)
            except people.PersonInvalid as exc:
                for name, messages in exc.errors.items():
                    target = getattr(row, name, None) or row.name
                    target.errors = [*target.errors, *(str(m) for m in messages)]
                failed = True
                continue
        if person.id in seen:
            row.person_id.errors = [*row.person_id.errors,
                                    _("This person is already a party of the case.")]
            failed = True
            continue
        seen.add(person.id)
        result.append((row, person))
    return None if failed else result


def _create_case(form: IntakeForm, manage_ids: set[int]) -> Case | None:
    """Write the case, its parties and its referral in one transaction, or nothing."""
    if form.accept_now.data and form.committee_id.data not in manage_ids:
        form.accept_now.errors = [_("Only the station or the bureau may accept a case; "
                                    "register it as an application.")]
        return None
    place_id = valid_place(form.place_id.data)
    if form.place_id.data and place_id is None:
        form.place_id.errors = [_("Choose a place from the list.")]
        return None
    committee = db.session.get(Committee, form.committee_id.data)
    referral = form.source.data == CaseSource.REFERRAL
    try:
        parties = _party_people(form)
        if parties is None:
            db.session.rollback()
            return None
        case = open_case(
            S.ACCEPTED if form.accept_now.data else S.APPLIED, user=current_user,
            committee_id=committee.id, org_unit_id=committee.org_unit_id,
            source=CaseSource(form.source.data), dispute_type_id=form.dispute_type_id.data,
            summary=form.summary.data.strip(), request=(form.request.data or "").strip(),
            amount_involved=form.amount_involved.data, people_involved=form.people_involved.data,
            place_id=place_id, place_detail=(form.place_detail.data or "").strip(),
            occurred_on=form.occurred_on.data, difficulty=form.difficulty.data,
            prevented_criminal=form.prevented_criminal.data,
            prevented_group=form.prevented_group.data, applied_on=form.applied_on.data,
            referred_by=Counterpart(form.referred_by.data) if referral else None,
            referring_organ=(form.referring_organ.data or "").strip() if referral else "")
        for order, (row, person) in enumerate(parties):
            db.session.add(CaseParty(case_id=case.id, person_id=person.id,
                                     role=PartyRole(row.role.data),
                                     work_unit=(row.work_unit.data or "").strip(),
                                     sort_order=order))
        if referral:
            db.session.add(Transfer(
                case_id=case.id, direction=TransferDirection.IN,
                counterpart=Counterpart(form.referred_by.data),
                organ=form.referring_organ.data.strip(),
                document_number=(form.referral_number.data or "").strip(),
                transferred_on=form.referred_on.data))
        db.session.flush()
    except TransitionRefused as exc:
        db.session.rollback()
        form.applied_on.errors = [*form.applied_on.errors, str(exc)]
        return None
    db.session.commit()
    return case


@bp.route("/cases/new", methods=["GET", "POST"])
@require_permission(CASE_EDIT)
def case_new():
    form = IntakeForm()
    committees = scoped_committees(CASE_EDIT)
    manage_ids = {c.id for c in scoped_committees(CASE_MANAGE)}
    op = request.form.get("op", "save") if request.method == "POST" else ""
    if op == "add_party" and len(form.parties) < MAX_PARTIES:
        form.parties.append_entry()
    _fill_intake_choices(form, committees, find=op == "find")
    if request.method == "GET":
        form.applied_on.data = today()
        if len(committees) == 1:
            form.committee_id.data = committees[0].id
    if op == "save" and form.validate():
        case = _create_case(form, manage_ids)
        if case is not None:
            flash(_("Case %(number)s registered.", number=case.number or _("(application)")),
                  "success")
            return redirect(url_for("mediation.case_detail", case_id=case.id))
    return render_template("mediation/cases/new.html", form=form,
                           can_accept=bool(manage_ids), max_parties=MAX_PARTIES,
                           has_places=len(form.place_id.choices) > 1)


# --- the case page -----------------------------------------------------------------------


def available_actions(case: Case) -> list[str]:
    """The action forms the case page offers now: allowed from the status, and permitted."""
    following = set(allowed_next(case.status))
    edit, manage = can(case, CASE_EDIT), can(case, CASE_MANAGE)
    agreement = case.agreement
    pending = [c for c in case.confirmations if c.result is ConfirmationResult.PENDING]
    wanted: list[tuple[str, bool]] = [
        ("accept", manage and S.ACCEPTED in following and case.status is S.APPLIED),
        ("reject", manage and S.REJECTED in following),
        ("start", edit and S.MEDIATING in following),
        ("session", edit and case.status is S.MEDIATING),
        ("agreement", edit and case.status is S.MEDIATING),
        ("agreed", edit and S.AGREED in following and agreement is not None),
        ("failed", edit and S.FAILED in following),
        ("terminate", manage and S.TERMINATED in following),
        ("transfer", manage and S.TRANSFERRED in following),
        ("extend", manage and case.status in (S.ACCEPTED, S.MEDIATING)),
        ("visit", edit and case.status is S.AGREED),
        ("confirmation", edit and case.status is S.AGREED and agreement is not None
         and agreement.kind is AgreementKind.WRITTEN and not pending
         and not any(c.result is ConfirmationResult.CONFIRMED for c in case.confirmations)),
        ("confirmation_result", edit and bool(pending)),
        ("feedback", edit and not case.is_open and (t := in_transfer(case)) is not None
         and t.feedback_on is None),
        ("edit", edit and case.status in OPEN_STATUSES),
        ("archive", manage and S.ARCHIVED in following),
    ]
    return [name for name, ok in wanted if ok]


def case_documents(case: Case) -> list[tuple[str, str]]:
    """(title, url) of the print pages that apply to the case now."""
    found: list[tuple[str, str | None]] = [
        (_("Mediation application"), document_url("mediation.application", case.id))]
    if case.agreement is not None:
        if case.agreement.kind is AgreementKind.WRITTEN:
            found.append((_("Mediation agreement"),
                          document_url("mediation.agreement", case.id)))
        else:
            found.append((_("Oral agreement record"),
                          document_url("mediation.oral_agreement", case.id)))
    return [(title, url) for title, url in found if url]


def render_case(case: Case, forms: dict[str, Any] | None = None, open_action: str = "",
                status: int = 200):
    """The case page; ``forms`` replaces an action's blank form (kept input, errors)."""
    from plugins.mediation.views.case_actions import ACTIONS, blank_forms

    actions = available_actions(case)
    all_forms = blank_forms(case, actions)
    all_forms.update(forms or {})
    days_left = (case.due_on - today()).days if case.due_on else None
    return render_template(
        "mediation/cases/detail.html", case=case, actions=actions, forms=all_forms,
        action_info=ACTIONS, open_action=open_action, days_left=days_left,
        documents=case_documents(case), document_url=document_url, in_transfer=in_transfer(case),
        pending=[c for c in case.confirmations if c.result is ConfirmationResult.PENDING],
        can_see_people=has_permission(PEOPLE_VIEW)), status


# What the case page shows of every history row: its user, loaded with the rows at once
# rather than one query per row; the case's one agreement and its mediator joined to it.
CASE_PAGE_OPTIONS = (selectinload(Case.history).selectinload(StatusChange.user),
                     joinedload(Case.agreement), joinedload(Case.mediator))


@bp.route("/cases/<int:case_id>")
@require_permission(CASE_VIEW)
def case_detail(case_id: int):
    return render_case(case_or_404(case_id, *CASE_PAGE_OPTIONS))


def is_overdue(case: Case) -> bool:
    return bool(case.status in (S.ACCEPTED, S.MEDIATING) and case.due_on
                and case.due_on < today())


def local_time(value: datetime | None, naive_is_utc: bool = False) -> str:
    """A stored moment as Beijing wall time, ``2026-03-05 09:30``. SQLite hands back naive
    values: ``utcnow()`` stamps were UTC, times the user typed were already local."""
    if value is None:
        return ""
    if value.tzinfo is None and naive_is_utc:
        value = value.replace(tzinfo=UTC)
    if value.tzinfo is not None:
        value = value.astimezone(TIMEZONE)
    return value.strftime("%Y-%m-%d %H:%M")


bp.add_app_template_global(is_overdue, "mediation_case_overdue")
bp.add_app_template_filter(local_time, "mediation_local_time")
