"""法律咨询: the list (filters, counts by channel), recording a consultation and its page,
from which one click turns it into an application (``legal_aid.case_new`` prefilled), and
following up one left "to follow up" (a matter referred from another line).

A consultation outside the user's org units, or another tenant's, answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.sdk import db, has_permission, people, require_permission, scope_filter
from plugins.legal_aid.forms.consultations import ConsultationForm, FollowUpForm
from plugins.legal_aid.forms.intake import options
from plugins.legal_aid.intake import default_unit, units_for
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models import AidCase, Consultation
from plugins.legal_aid.models.enums import Channel, ConsultationOutcome
from plugins.legal_aid.permissions import (
    CASE_INTAKE,
    CONSULTATION_EDIT,
    CONSULTATION_VIEW,
)
from plugins.legal_aid.referrals import source_title
from plugins.legal_aid.views import bp
from plugins.legal_aid.views.applications import page_window, person_choices
from plugins.legal_aid.views.common import date_arg, int_or_none, scoped_cases
from plugins.legal_aid.workflow import today

PAGE_SIZE = 30


def scoped_consultations():
    return select(Consultation).where(scope_filter(Consultation.org_unit_id,
                                                   CONSULTATION_VIEW))


@bp.route("/consultations/")
@require_permission(CONSULTATION_VIEW)
def consultations():
    args = request.args
    statement = scoped_consultations()
    filters: dict[str, str] = {}
    start, end = date_arg("from"), date_arg("to")
    if start:
        statement = statement.where(Consultation.consulted_on >= start)
        filters["from"] = start.isoformat()
    if end:
        statement = statement.where(Consultation.consulted_on <= end)
        filters["to"] = end.isoformat()
    outcome = args.get("outcome", "")
    if outcome in {o.value for o in ConsultationOutcome}:
        statement = statement.where(Consultation.outcome == ConsultationOutcome(outcome))
        filters["outcome"] = outcome
    # Counts by channel over the range and outcome filtered (every channel, for the tabs).
    counted = db.session.execute(
        select(Consultation.channel, func.count())
        .where(Consultation.id.in_(statement.with_only_columns(Consultation.id)))
        .group_by(Consultation.channel)).all()
    by_channel = {Channel(channel): n for channel, n in counted}
    channel = args.get("channel", "")
    if channel in {c.value for c in Channel}:
        statement = statement.where(Consultation.channel == Channel(channel))
        filters["channel"] = channel
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(args.get("page", 1, type=int), 1), pages)
    # The visitor column names the registered person: loaded for the page at once.
    found = db.session.scalars(
        statement.options(selectinload(Consultation.person))
        .order_by(Consultation.consulted_on.desc(), Consultation.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "legal_aid/consultations/index.html", consultations=found, total=total, page=page,
        pages=pages, page_window=page_window(page, pages), filter_args=filters,
        channels=list(Channel), outcomes=list(ConsultationOutcome), by_channel=by_channel,
        can_create=has_permission(CONSULTATION_EDIT))


@bp.route("/consultations/new", methods=["GET", "POST"])
@require_permission(CONSULTATION_EDIT)
def consultation_new():
    form = ConsultationForm()
    units = units_for(CONSULTATION_EDIT)
    form.org_unit_id.choices = options([(0, "—")] + [(u.id, u.name) for u in units])
    op = request.form.get("op", "save") if request.method == "POST" else ""
    if request.method == "GET":
        form.consulted_on.data = today()
        form.org_unit_id.data = default_unit(units) or 0
    form.person_id.choices, lookup_count = person_choices(
        form.lookup.data, form.person_id.data, _("— not registered (name below) —"))
    if op == "find" and not form.person_id.data and lookup_count == 1:
        form.person_id.data = form.person_id.choices[1].value
    if op == "save" and form.validate():
        person = people.get(int_or_none(form.person_id.data)) if form.person_id.data else None
        if form.org_unit_id.data not in {u.id for u in units}:
            form.org_unit_id.errors = [_("Choose a unit from the list.")]
        elif form.person_id.data and person is None:
            form.person_id.errors = [_("Choose a person from the list.")]
        else:
            consultation = Consultation(
                channel=Channel(form.channel.data), consulted_on=form.consulted_on.data,
                org_unit_id=form.org_unit_id.data,
                person_id=person.id if person else None,
                visitor_name=(form.visitor_name.data or "").strip(),
                visitor_phone=(form.visitor_phone.data or "").strip(),
                category=MatterCategory(form.category.data) if form.category.data else None,
                question=form.question.data.strip(), answer=(form.answer.data or "").strip(),
                outcome=ConsultationOutcome(form.outcome.data),
                poverty_ledger=bool(form.poverty_ledger.data),
                handled_by_id=current_user.id)
            db.session.add(consultation)
            db.session.commit()
            flash(_("Consultation recorded."), "success")
            return redirect(url_for("legal_aid.consultation_detail",
                                    consultation_id=consultation.id))
    status = 422 if op == "save" else 200
    return render_template("legal_aid/consultations/form.html", form=form,
                           lookup_count=lookup_count), status


def _scoped_consultation(consultation_id: int, permission: str) -> Consultation:
    consultation = db.session.scalar(select(Consultation).where(
        Consultation.id == consultation_id,
        scope_filter(Consultation.org_unit_id, permission)))
    if consultation is None:
        abort(404)
    return consultation


def _render_detail(consultation: Consultation, follow_up: FollowUpForm | None = None,
                   status: int = 200):
    case = None
    if consultation.case_id is not None:
        # Shown only when the user may see the case too.
        case = db.session.scalar(scoped_cases().where(AidCase.id == consultation.case_id))
    # Only a consultation still to follow up, by a user who may record them in its unit.
    can_follow_up = consultation.outcome is ConsultationOutcome.PENDING and db.session.scalar(
        select(Consultation.id).where(
            Consultation.id == consultation.id,
            scope_filter(Consultation.org_unit_id, CONSULTATION_EDIT))) is not None
    if can_follow_up and follow_up is None:
        follow_up = FollowUpForm(formdata=None)
        follow_up.category.data = consultation.category.value if consultation.category else ""
    return render_template(
        "legal_aid/consultations/detail.html", consultation=consultation, case=case,
        can_convert=consultation.case_id is None and has_permission(CASE_INTAKE),
        follow_up=follow_up if can_follow_up else None,
        referred_from=source_title(consultation.referred_from)), status


@bp.route("/consultations/<int:consultation_id>")
@require_permission(CONSULTATION_VIEW)
def consultation_detail(consultation_id: int):
    return _render_detail(_scoped_consultation(consultation_id, CONSULTATION_VIEW))


def consultation_known(view: Callable) -> Callable:
    """404 for an unknown (or another tenant's) consultation BEFORE the permission check, so
    that a foreign id never earns a 403 confirming it exists. Put it above the permission."""

    @wraps(view)
    def wrapper(consultation_id: int, **kwargs: Any) -> Any:
        if db.session.get(Consultation, consultation_id) is None:
            abort(404)
        return view(consultation_id=consultation_id, **kwargs)

    return wrapper


@bp.route("/consultations/<int:consultation_id>/follow-up", methods=["POST"])
@consultation_known
@require_permission(CONSULTATION_EDIT)
def consultation_follow_up(consultation_id: int):
    """The centre's answer to a consultation left to follow up: it is then handled by the
    user who answers (the referrer stays recorded as such)."""
    consultation = _scoped_consultation(consultation_id, CONSULTATION_EDIT)
    if consultation.outcome is not ConsultationOutcome.PENDING:
        flash(_("This consultation has already been followed up."), "info")
        return redirect(url_for("legal_aid.consultation_detail",
                                consultation_id=consultation.id))
    form = FollowUpForm()
    if not form.validate():
        return _render_detail(consultation, form, 422)
    consultation.answer = form.answer.data.strip()
    consultation.outcome = ConsultationOutcome(form.outcome.data)
    if form.category.data:
        consultation.category = MatterCategory(form.category.data)
    consultation.handled_by_id = current_user.id
    db.session.commit()
    flash(_("Consultation followed up."), "success")
    return redirect(url_for("legal_aid.consultation_detail", consultation_id=consultation.id))
