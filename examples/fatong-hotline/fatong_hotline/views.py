"""The hotline's pages: the call log (filters, paging), recording a call, a call's page with
its callback and referral, the call categories, and the monthly statistics.

Every view checks a permission; every call lookup goes through ``visible_calls`` (the user's
org units), and tenant scoping is automatic, so another tenant's or another station's id is
a 404.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from core.sdk import (
    Person,
    db,
    download_response,
    has_permission,
    people,
    periods,
    referrals,
    require_any_permission,
    require_permission,
    scope_filter,
    utcnow,
)
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from fatong_hotline.forms import (
    CallbackForm,
    CallForm,
    CategoryEditForm,
    CategoryForm,
    ReferralForm,
    now_local,
    options,
)
from fatong_hotline.models import TIMEZONE, HotlineCall, HotlineCategory, Outcome, local, today
from fatong_hotline.permissions import (
    CALL_CREATE,
    CALL_REFER,
    CALL_VIEW,
    CATEGORY_MANAGE,
    PERSON_EDIT,
    PERSON_VIEW,
    STATS_VIEW,
)
from fatong_hotline.service import (
    active_categories,
    callback_due,
    issue_call_number,
    units_for,
    visible_calls,
)
from fatong_hotline.settings import hotline_settings
from fatong_hotline.stats import chart, period_figures, workbook

bp = Blueprint("hotline", __name__, template_folder="templates")


@bp.app_template_filter("hotline_time")
def hotline_time(moment: datetime | None) -> str:
    """A stored moment as Beijing wall time, ``2026-11-24 09:30``."""
    shown = local(moment)
    return shown.strftime("%Y-%m-%d %H:%M") if shown else ""


# --- helpers -----------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _call_or_404(call_id: int) -> HotlineCall:
    call = db.session.scalar(visible_calls().where(HotlineCall.id == call_id))
    if call is None:
        abort(404)
    return call


def _demand(permission: str) -> None:
    """403 unless the user holds ``permission`` (core's decorator, so the refusal is
    recorded as for any other view). Views taking an id look the object up first: another
    tenant's id must be a 404, never a 403."""
    require_permission(permission)(lambda: None)()


def _may(call: HotlineCall, permission: str) -> bool:
    """Whether the user holds ``permission`` over the call's org unit."""
    if not has_permission(permission):
        return False
    return db.session.scalar(select(HotlineCall.id).where(
        HotlineCall.id == call.id, scope_filter(HotlineCall.org_unit_id, permission))) is not None


def _page_window(page: int, pages: int, radius: int = 3) -> list[int]:
    return list(range(max(1, page - radius), min(pages, page + radius) + 1))


def _target_choices(targets: list[Any]) -> list[Any]:
    return options([("", "—")] + [(target.key, str(target.title)) for target in targets])


def _receipt_url(call: HotlineCall) -> str | None:
    """The link to the record the receiving line opened (None when it cannot be built)."""
    if not call.referral_endpoint:
        return None
    try:
        return url_for(call.referral_endpoint, **(call.referral_url_values or {}))
    except BuildError:
        return None


def _person_label(person: Person) -> str:
    parts = [person.name]
    if person.id_number:
        parts.append(str(person.id_number))  # masked
    if person.phone:
        parts.append(str(person.phone))  # masked
    return " · ".join(parts)


def _person_choices(lookup: str, chosen: Any) -> tuple[list[Any], int | None]:
    """The registered people a search finds (10 at most) and the current pick, as choices;
    with the number found (None when nothing was searched)."""
    found: list[Person] = []
    lookup = (lookup or "").strip()
    if lookup:
        found = list(db.session.scalars(people.search(lookup)
                                        .order_by(Person.name, Person.id).limit(10)))
    picked = people.get(_int(chosen)) if _int(chosen) else None
    if picked is not None and picked not in found:
        found.insert(0, picked)
    blank = [("", _("— not registered (name below, or anonymous) —"))]
    return options(blank + [(str(p.id), _person_label(p)) for p in found]), (
        len(found) if lookup else None)


# --- the call log ------------------------------------------------------------------------


@bp.route("/")
@require_permission(CALL_VIEW)
def calls():
    args = request.args
    statement = visible_calls()
    filters: dict[str, str] = {}
    month = args.get("month", "")
    start, end = _date_arg("from"), _date_arg("to")
    day = _date_arg("day")
    if day:
        start = end = day
    elif month:
        try:
            year, number = (int(part) for part in month.split("-"))
            period = periods.make_period("month", year, number)
            start, end = period.start, date.fromordinal(period.end.toordinal() - 1)
            filters["month"] = month
        except (ValueError, periods.PeriodError):
            month = ""
    if start:
        statement = statement.where(HotlineCall.received_on >= start)
        if not month:
            filters["from"] = start.isoformat()
    if end:
        statement = statement.where(HotlineCall.received_on <= end)
        if not month:
            filters["to"] = end.isoformat()
    category_id = _int(args.get("category"))
    if category_id:
        statement = statement.where(HotlineCall.category_id == category_id)
        filters["category"] = str(category_id)
    outcome = args.get("outcome", "")
    if outcome in {o.value for o in Outcome}:
        statement = statement.where(HotlineCall.outcome == Outcome(outcome))
        filters["outcome"] = outcome
    if args.get("callback") == "waiting":
        statement = statement.where(HotlineCall.outcome == Outcome.CALLBACK,
                                    HotlineCall.callback_done_at.is_(None))
        filters["callback"] = "waiting"
    query = (args.get("q") or "").strip()[:100]
    if query:
        statement = statement.where(HotlineCall.question.contains(query, autoescape=True))
        filters["q"] = query
    page_size = int(hotline_settings().get("page_size") or 30)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max((total + page_size - 1) // page_size, 1)
    page = min(max(args.get("page", 1, type=int), 1), pages)
    found = db.session.scalars(
        statement.order_by(HotlineCall.received_at.desc(), HotlineCall.id.desc())
        .limit(page_size).offset((page - 1) * page_size)).all()
    categories = db.session.scalars(
        select(HotlineCategory).order_by(HotlineCategory.sort_order, HotlineCategory.name)).all()
    return render_template(
        "hotline/calls.html", calls=found, total=total, page=page, pages=pages,
        page_window=_page_window(page, pages), filters=filters, month=month,
        start=start, end=end, categories=categories, outcomes=list(Outcome), query=query,
        can_create=has_permission(CALL_CREATE))


@bp.route("/calls/new", methods=["GET", "POST"])
@require_permission(CALL_CREATE)
def call_new():
    form = CallForm()
    units = units_for(CALL_CREATE)
    form.org_unit_id.choices = options([(0, "—")] + [(unit.id, unit.name) for unit in units])
    form.category_id.choices = options([(0, "—")]
                                       + [(c.id, c.name) for c in active_categories()])
    op = request.form.get("op", "save") if request.method == "POST" else ""
    if request.method == "GET":
        form.received_at.data = now_local()
        form.org_unit_id.data = units[0].id if len(units) == 1 else 0
        form.duration_minutes.data = None
    form.person_id.choices, lookup_count = _person_choices(form.lookup.data,
                                                           form.person_id.data)
    if op == "find" and not form.person_id.data and lookup_count == 1:
        form.person_id.data = form.person_id.choices[1].value
    if op == "save" and form.validate():
        call = _save_new_call(form)
        if call is not None:
            flash(_("Call %(number)s recorded.", number=call.number), "success")
            return redirect(url_for("hotline.call_detail", call_id=call.id))
    status = 422 if op == "save" else 200
    return render_template("hotline/call_form.html", form=form, lookup_count=lookup_count,
                           can_register=has_permission(PERSON_EDIT)), status


def _caller(form: CallForm) -> tuple[Person | None, bool]:
    """The registered caller: picked, found by ID number, or registered now. Sets the
    errors beside the fields and returns (None, False) when the input is refused."""
    if form.person_id.data:
        person_id = _int(form.person_id.data)
        person = people.get(person_id) if person_id else None
        if person is None:
            form.person_id.errors = [_("Choose a person from the list.")]
            return None, False
        return person, True
    id_number = (form.caller_id_number.data or "").strip()
    phone = (form.caller_phone.data or "").strip()
    if not (id_number or phone):
        return None, True  # anonymous: a name at most
    if not has_permission(PERSON_EDIT):
        form.caller_id_number.errors = [_("You may not register people; pick a registered "
                                          "caller or leave the numbers empty.")]
        return None, False
    name = (form.caller_name.data or "").strip()
    try:
        if not id_number:
            # Same name on the same phone: the caller is already registered.
            same = [p for p in people.find_by_phone(phone) if p.name == name]
            if same:
                return same[0], True
        person, _created = people.get_or_create(name=name, id_type="resident_id",
                                                id_number=id_number or None,
                                                phone=phone or None)
    except people.PersonInvalid as exc:
        fields = {"name": form.caller_name, "id_number": form.caller_id_number,
                  "phone": form.caller_phone}
        for key, messages in exc.errors.items():
            target = fields.get(key, form.caller_id_number)
            target.errors = [*target.errors, *(str(m) for m in messages)]
        return None, False
    return person, True


def _save_new_call(form: CallForm) -> HotlineCall | None:
    """Write the call (and a newly registered caller) in one transaction, or nothing."""
    if form.org_unit_id.data not in {unit.id for unit in units_for(CALL_CREATE)}:
        form.org_unit_id.errors = [_("Choose a unit from the list.")]
        return None
    category = db.session.get(HotlineCategory, form.category_id.data)
    if category is None or not category.active:
        form.category_id.errors = [_("Choose a category from the list.")]
        return None
    person, accepted = _caller(form)
    if not accepted:
        db.session.rollback()
        return None
    received_local = form.received_at.data.replace(tzinfo=TIMEZONE)
    received_on = received_local.date()
    outcome = Outcome(form.outcome.data)
    try:
        call = HotlineCall(
            number=issue_call_number(received_local.year),
            received_at=received_local.astimezone(UTC), received_on=received_on,
            org_unit_id=form.org_unit_id.data, person_id=person.id if person else None,
            caller_name="" if person else (form.caller_name.data or "").strip(),
            category_id=category.id, question=form.question.data.strip(),
            answer=(form.answer.data or "").strip(),
            duration_minutes=form.duration_minutes.data, outcome=outcome,
            transferred_to=(form.transferred_to.data or "").strip()
            if outcome is Outcome.TRANSFERRED else "",
            callback_due_on=callback_due(received_on) if outcome is Outcome.CALLBACK else None,
            handled_by_id=current_user.id)
        db.session.add(call)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.question.errors = [_("The call could not be saved; please try again.")]
        return None
    return call


@bp.route("/calls/<int:call_id>")
@require_permission(CALL_VIEW)
def call_detail(call_id: int):
    return _detail_page(_call_or_404(call_id))


def _detail_page(call: HotlineCall, callback_form: CallbackForm | None = None,
                 referral_form: ReferralForm | None = None, status: int = 200):
    can_callback = call.callback_waiting and _may(call, CALL_CREATE)
    can_refer = not call.referred and _may(call, CALL_REFER)
    targets = referrals.targets(current_user) if can_refer else []
    if can_callback and callback_form is None:
        callback_form = CallbackForm(formdata=None)
        callback_form.done_at.data = now_local()
    if can_refer and referral_form is None:
        referral_form = ReferralForm(formdata=None)
    if referral_form is not None:
        referral_form.target.choices = _target_choices(targets)
    return render_template(
        "hotline/call_detail.html", call=call, callback_form=callback_form,
        referral_form=referral_form, targets=targets, can_callback=can_callback,
        can_refer=can_refer, receipt_url=_receipt_url(call),
        can_see_person=has_permission(PERSON_VIEW), today=today()), status


@bp.route("/calls/<int:call_id>/callback", methods=["POST"])
@require_permission(CALL_VIEW)
def call_callback(call_id: int):
    call = _call_or_404(call_id)
    _demand(CALL_CREATE)
    if not _may(call, CALL_CREATE):
        abort(403)
    if not call.callback_waiting:
        flash(_("This call is not waiting for a callback."), "warning")
        return redirect(url_for("hotline.call_detail", call_id=call.id))
    form = CallbackForm()
    if form.validate():
        done_at = form.done_at.data.replace(tzinfo=TIMEZONE)
        if done_at < local(call.received_at).replace(second=0, microsecond=0):
            form.done_at.errors = [_("The callback cannot be before the call.")]
        else:
            call.callback_done_at = done_at.astimezone(UTC)
            call.callback_note = form.note.data.strip()
            call.callback_by_id = current_user.id
            db.session.commit()
            flash(_("Callback recorded."), "success")
            return redirect(url_for("hotline.call_detail", call_id=call.id))
    return _detail_page(call, callback_form=form, status=422)


@bp.route("/calls/<int:call_id>/refer", methods=["POST"])
@require_permission(CALL_VIEW)
def call_refer(call_id: int):
    call = _call_or_404(call_id)
    _demand(CALL_REFER)
    if not _may(call, CALL_REFER):
        abort(403)
    if call.referred:
        flash(_("This call has been referred already."), "warning")
        return redirect(url_for("hotline.call_detail", call_id=call.id))
    targets = referrals.targets(current_user)
    form = ReferralForm()
    form.target.choices = _target_choices(targets)
    if not form.validate():
        return _detail_page(call, referral_form=form, status=422)
    referral = referrals.Referral(
        target=form.target.data, source="hotline", reference=call.number,
        summary=call.question, received_on=call.received_on, person_id=call.person_id,
        name="" if call.person_id else call.caller_name, category=call.category.name,
        note=(form.note.data or "").strip())
    try:
        receipt = referrals.refer(referral, user=current_user)
    except referrals.ReferralRefused as exc:
        db.session.rollback()  # whatever the receiving line had added goes too
        flash(_("The call was not referred: %(reason)s", reason=str(exc)), "danger")
        return redirect(url_for("hotline.call_detail", call_id=call.id))
    call.referral_target = receipt.target
    call.referral_record_id = receipt.record_id
    call.referral_number = str(receipt.number)[:100]
    call.referral_title = str(receipt.title)[:100]
    call.referral_endpoint = receipt.endpoint
    call.referral_url_values = {key: value for key, value in receipt.url_values.items()
                                if isinstance(value, str | int)}
    call.referred_at = utcnow()
    call.outcome = Outcome.REFERRED
    db.session.commit()  # the receiving record and the call, together
    flash(_("Referred: %(title)s %(number)s.", title=call.referral_title,
            number=call.referral_number), "success")
    return redirect(url_for("hotline.call_detail", call_id=call.id))


# --- categories --------------------------------------------------------------------------


def _name_taken(name: str, category: HotlineCategory | None = None) -> bool:
    statement = select(HotlineCategory.id).where(HotlineCategory.name == name)
    if category is not None:
        statement = statement.where(HotlineCategory.id != category.id)
    return db.session.scalar(statement) is not None


@bp.route("/categories/", methods=["GET", "POST"])
@require_permission(CATEGORY_MANAGE)
def categories():
    form = CategoryForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            name = form.name.data.strip()
            if _name_taken(name):
                form.name.errors = [_("A category with this name exists already.")]
            else:
                db.session.add(HotlineCategory(name=name, sort_order=form.sort_order.data or 0))
                db.session.commit()
                flash(_("Category %(name)s added.", name=name), "success")
                return redirect(url_for("hotline.categories"))
        status = 422
    counts = dict(db.session.execute(
        select(HotlineCall.category_id, func.count()).group_by(HotlineCall.category_id)).all())
    found = db.session.scalars(select(HotlineCategory).order_by(
        HotlineCategory.active.desc(), HotlineCategory.sort_order, HotlineCategory.name)).all()
    return render_template("hotline/categories.html", categories=found, counts=counts,
                           form=form), status


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@require_any_permission(CALL_VIEW, CATEGORY_MANAGE)  # categories show on every call
def category_edit(category_id: int):
    category = db.session.get(HotlineCategory, category_id)
    if category is None:
        abort(404)
    _demand(CATEGORY_MANAGE)
    form = CategoryEditForm(obj=category)
    if request.method == "POST":
        if form.validate():
            name = form.name.data.strip()
            if _name_taken(name, category):
                form.name.errors = [_("A category with this name exists already.")]
            else:
                category.name = name
                category.sort_order = form.sort_order.data or 0
                category.active = bool(form.active.data)
                db.session.commit()
                flash(_("Category saved."), "success")
                return redirect(url_for("hotline.categories"))
        return render_template("hotline/category_form.html", form=form,
                               category=category), 422
    return render_template("hotline/category_form.html", form=form, category=category)


# --- statistics --------------------------------------------------------------------------


def _month() -> tuple[Any, str | None]:
    """The month ``?month=YYYY-MM`` asks for (default this month), and an error to show."""
    value = (request.args.get("month") or "").strip()
    now = today()
    if value:
        try:
            year, number = (int(part) for part in value.split("-"))
            return periods.make_period("month", year, number), None
        except (ValueError, periods.PeriodError):
            pass
        message = _("That month cannot be shown; showing the current month.")
        return periods.make_period("month", now.year, now.month), message
    return periods.make_period("month", now.year, now.month), None


@bp.route("/stats")
@require_permission(STATS_VIEW)
def stats():
    period, error = _month()
    figures = period_figures(period.start, period.end,
                             scope_filter(HotlineCall.org_unit_id, STATS_VIEW))
    charts = {
        "day": chart("bar", _("Calls by day"), [str(d.day) for d, _n in figures.by_day],
                     [n for _d, n in figures.by_day]),
        "category": chart("pie", _("Calls by category"),
                          [name for _id, name, _n in figures.by_category],
                          [n for _id, _name, n in figures.by_category]),
        "outcome": chart("bar", _("Calls by outcome"),
                         [str(o.label) for o, _n in figures.by_outcome],
                         [n for _o, n in figures.by_outcome]),
    }
    return render_template("hotline/stats.html", figures=figures, period=period, error=error,
                           month=f"{period.year:04d}-{period.number:02d}", charts=charts)


@bp.route("/stats/export.xlsx")
@require_permission(STATS_VIEW)
def stats_export():
    period, _error = _month()
    figures = period_figures(period.start, period.end,
                             scope_filter(HotlineCall.org_unit_id, STATS_VIEW))
    month = f"{period.year:04d}-{period.number:02d}"
    title = _("12348 hotline statistics %(month)s", month=month)
    return download_response(workbook(figures, title), f"hotline-{month}.xlsx",
                             f"{title}.xlsx")
