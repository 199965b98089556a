"""Pages of the people registry: list and search, register, edit, person page, reveal.

ID and phone numbers are rendered masked everywhere (``Revealable`` prints masked); the
plaintext appears only in the response to a reveal, which needs ``core.person.reveal`` and
a reason, and is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.access.checks import has_permission, require_permission
from core.audit import api as audit
from core.db import db
from core.masking import mask, mask_id_number, mask_name, mask_phone
from core.people import api as people
from core.people.codes import ethnic_group_name
from core.people.forms import PersonForm, RevealForm
from core.people.models import Person
from core.signals import permission_denied
from core.tenancy.web import current_hooks

bp = Blueprint("people", __name__, url_prefix="/t/<tenant>/people",
               template_folder="templates")

PAGE_SIZE = 20
VIEW, EDIT, REVEAL = "core.person.view", "core.person.edit", "core.person.reveal"

# Masking filters for every template (core and plugins): {{ value|mask_phone }}.
bp.add_app_template_filter(mask_id_number, "mask_id_number")
bp.add_app_template_filter(mask_phone, "mask_phone")
bp.add_app_template_filter(mask_name, "mask_name")
bp.add_app_template_filter(mask, "mask")
bp.add_app_template_filter(ethnic_group_name, "ethnic_group_name")


def person_view(permission: str) -> Callable:
    """Load the person of the URL (404 if not the tenant's), then require ``permission``.

    The lookup comes first so that another tenant's id is a 404 for everyone, never a 403
    that would confirm the id exists.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(person_id: int) -> Any:
            person = people.get(person_id)
            if person is None:
                abort(404)
            if not has_permission(permission):
                permission_denied.send(None, permission=permission)
                abort(403)
            return view(person)

        wrapper._fatong_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorate


@bp.route("/")
@require_permission(VIEW)
def index():
    query = request.args.get("q", "").strip()
    page = max(request.args.get("page", 1, type=int), 1)
    statement = people.search(query)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    found = db.session.scalars(
        statement.order_by(Person.created_at.desc(), Person.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("people/index.html", people=found, query=query, page=page,
                           pages=pages, total=total, can_edit=has_permission(EDIT))


def _form_fields(form: PersonForm, keep_secrets: bool) -> dict[str, Any]:
    """The form's values for ``people.validate``; blank secret fields keep the stored value."""
    fields = {name: form[name].data for name in
              ("name", "id_type", "gender", "birth_date", "address", "ethnic_group")}
    for name in ("id_number", "phone"):
        value = (form[name].data or "").strip()
        fields[name] = people.KEEP if keep_secrets and not value else value
    return fields


def _show_errors(form: PersonForm, exc: people.PersonInvalid) -> None:
    for name, messages in exc.errors.items():
        target = form._fields.get(name, form.name)
        target.errors = [*target.errors, *messages]  # errors may be a tuple before validate
    if isinstance(exc, people.DuplicatePerson):
        link = Markup('<a href="{}" data-testid="duplicate-link">{}</a>').format(
            url_for("people.detail", person_id=exc.existing.id), exc.existing.name)
        form.id_number.errors = [*form.id_number.errors,
                                 Markup("{} {}").format(_("See"), link)]


def _save(form: PersonForm, person: Person | None) -> Person | None:
    """Validate and write; on refusal the errors are on the form and None is returned."""
    fields = _form_fields(form, keep_secrets=person is not None)
    try:
        if person is None:
            person = people.create(**fields)
        else:
            people.update(person, **fields)
        db.session.commit()
    except people.PersonInvalid as exc:
        db.session.rollback()
        _show_errors(form, exc)
        return None
    except IntegrityError:
        # Someone registered the same document number a moment ago: point at that person.
        db.session.rollback()
        existing = people.find_by_id_number(fields["id_type"], fields["id_number"] or "")
        if existing is None:
            raise
        _show_errors(form, people.DuplicatePerson(existing))
        return None
    return person


def _flag_duplicate(form: PersonForm, person: Person | None) -> None:
    """With other fields wrong, still say at once that the document number is taken."""
    if not form.is_submitted() or form.id_number.errors or form.id_type.errors:
        return
    if not (form.id_number.data or "").strip():
        return
    existing = people.find_by_id_number(form.id_type.data, form.id_number.data)
    if existing is not None and (person is None or existing.id != person.id):
        _show_errors(form, people.DuplicatePerson(existing))


@bp.route("/new", methods=["GET", "POST"])
@require_permission(EDIT)
def create():
    form = PersonForm()
    if form.validate_on_submit():
        person = _save(form, None)
        if person is not None:
            flash(_("Person registered."), "success")
            return redirect(url_for("people.detail", person_id=person.id))
    else:
        _flag_duplicate(form, None)
    return render_template("people/form.html", form=form, person=None)


def _detail_page(person: Person, reveal_form: RevealForm | None = None,
                 revealed: dict[str, str] | None = None) -> str:
    records = people.sort_records(current_hooks().person_records(tenant=g.tenant,
                                                                 person=person))
    return render_template(
        "people/detail.html", person=person, records=records, lines=people.lines(records),
        reveal_form=reveal_form or RevealForm(formdata=None), revealed=revealed or {},
        can_edit=has_permission(EDIT), can_reveal=has_permission(REVEAL))


@bp.route("/<int:person_id>")
@person_view(VIEW)
def detail(person: Person):
    return _detail_page(person)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@person_view(EDIT)
def edit(person: Person):
    if request.method == "GET":
        # Never the ID or phone number: the edit form would otherwise show the plaintext.
        form = PersonForm(data={
            "name": person.name, "id_type": person.id_type,
            "gender": person.gender or "", "birth_date": person.birth_date,
            "address": person.address, "ethnic_group": person.ethnic_group or ""})
    else:
        form = PersonForm()
    if form.validate_on_submit():
        if _save(form, person) is not None:
            flash(_("Changes saved."), "success")
            return redirect(url_for("people.detail", person_id=person.id))
    else:
        _flag_duplicate(form, person)
    return render_template("people/form.html", form=form, person=person)


@bp.route("/<int:person_id>/reveal", methods=["POST"])
@person_view(REVEAL)
def reveal(person: Person):
    form = RevealForm()
    if not form.validate_on_submit():
        return _detail_page(person, reveal_form=form)
    field = form.field.data
    value = getattr(person, field)
    if not value:
        form.field.errors = [*form.field.errors, _("There is no number to show.")]
        return _detail_page(person, reveal_form=form)
    reason = form.reason.data.strip()
    # Recorded before the plaintext is rendered: if the audit write fails, nothing is shown.
    audit.record("person.reveal", target_type="people", target_id=person.id,
                 summary=f"{field}: {value}",  # the value prints masked
                 details={"reason": reason, "field": field}, security=True)
    response = make_response(_detail_page(person, revealed={field: value.reveal()}))
    # The plaintext must not stay in a browser or proxy cache, nor come back with "back".
    response.headers["Cache-Control"] = "no-store"
    return response
