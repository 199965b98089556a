"""Pages of the places registry: list with filters, add, edit, (de)activate, import."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms.fields import SelectChoice

from core.access.checks import has_permission
from core.admin.blueprint import unit_choices, xlsx_response
from core.admin.forms import ImportForm
from core.admin.guards import load, require_any_permission
from core.admin.tabular import TableError, read_table
from core.audit.api import record as audit
from core.db import db
from core.places import api, imports
from core.places.forms import PlaceForm
from core.places.models import PLACE_KIND_LABELS, Place, PlaceKind
from core.places.permissions import MANAGE_ANY, VIEW_ANY

bp = Blueprint("places", __name__, url_prefix="/t/<tenant>/places",
               template_folder="templates")

PAGE_SIZE = 50
FILTER_ARGS = ("kind", "town", "q", "inactive")


def can_manage() -> bool:
    return any(has_permission(name) for name in MANAGE_ANY)


def _page_window(page: int, pages: int, radius: int = 3) -> list[int]:
    return list(range(max(1, page - radius), min(pages, page + radius) + 1))


@bp.route("/")
@require_any_permission(*VIEW_ANY)
def index():
    args = request.args
    kind = args.get("kind", "")
    if kind not in {k.value for k in PlaceKind}:
        kind = ""
    town, query = args.get("town", "").strip(), args.get("q", "").strip()
    inactive = args.get("inactive") == "1"
    filter_args = {name: value for name, value in
                   (("kind", kind), ("town", town), ("q", query),
                    ("inactive", "1" if inactive else "")) if value}
    # Counts per kind under the other filters: the kind pills say what each would show.
    others = api.search(query, town=town or None, include_inactive=inactive).order_by(None)
    counted = others.subquery()
    counts = dict(db.session.execute(
        select(counted.c.kind, func.count()).group_by(counted.c.kind)).all())
    counts = {PlaceKind(k): n for k, n in counts.items()}
    statement = api.search(query, kind=kind or None, town=town or None,
                           include_inactive=inactive)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None)
                                                                .subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(args.get("page", 1, type=int), 1), pages)
    found = db.session.scalars(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "places/index.html", places=found, total=total, page=page, pages=pages,
        page_window=_page_window(page, pages), filter_args=filter_args, kind=kind,
        kind_args={k: v for k, v in filter_args.items() if k != "kind"},
        town=town, query=query, inactive=inactive, towns=api.towns(include_inactive=True),
        counts=counts, all_count=sum(counts.values()), kinds=list(PlaceKind),
        kind_labels=PLACE_KIND_LABELS, can_manage=can_manage())


def _fill_choices(form: PlaceForm, place: Place | None) -> None:
    choices = [SelectChoice("", "—"), *unit_choices()]
    # A unit deactivated since it was chosen stays on offer for this place only.
    if place is not None and place.org_unit is not None and not place.org_unit.active:
        unit = place.org_unit
        choices.append(SelectChoice(unit.id, _("%(name)s (deactivated)", name=unit.name)))
    form.org_unit_id.choices = choices
    form.town.render_kw = {"list": "town-options", "autocomplete": "off"}


def _render_form(form: PlaceForm, place: Place | None):
    return render_template("places/form.html", form=form, place=place,
                           towns=api.towns(include_inactive=True))


def _show_errors(form: PlaceForm, exc: api.PlaceInvalid) -> None:
    for name, messages in exc.errors.items():
        target = form._fields.get(name, form.name)
        target.errors = [*target.errors, *(str(m) for m in messages)]


def _audit_fields(place: Place) -> dict[str, Any]:
    return {"kind": place.kind.value, "town": place.town, "name": place.name,
            "org_unit_id": place.org_unit_id, "code": place.code}


def _save(form: PlaceForm, place: Place | None) -> Place | None:
    """Validate and write; on refusal the errors are on the form and None is returned."""
    fields = form.values()
    before = _audit_fields(place) if place is not None else None
    try:
        if place is None:
            place = api.create(**fields)
        else:
            api.update(place, **fields)
        audit("place.update" if before else "place.create", target_type="place",
              target_id=place.id, summary=f"{place.full_name} ({place.kind.value})",
              details={"before": before} if before else _audit_fields(place))
        db.session.commit()
    except api.PlaceInvalid as exc:
        db.session.rollback()
        _show_errors(form, exc)
        return None
    except IntegrityError:
        # The same kind, town and name registered a moment ago by someone else.
        db.session.rollback()
        existing = api.find(fields["kind"], fields["town"] or "", fields["name"] or "")
        if existing is None:
            raise
        form.name.errors = [*form.name.errors,
                            *(str(m) for m in api.duplicate_messages(existing))]
        return None
    return place


@bp.route("/new", methods=["GET", "POST"])
@require_any_permission(*MANAGE_ANY)
def create():
    form = PlaceForm()
    if request.method == "GET" and request.args.get("kind") in {k.value for k in PlaceKind}:
        form.kind.data = request.args["kind"]
    _fill_choices(form, None)
    if form.validate_on_submit():
        place = _save(form, None)
        if place is not None:
            flash(_("%(name)s registered.", name=place.full_name), "success")
            return redirect(url_for("places.index", kind=place.kind.value))
        _fill_choices(form, None)
    return _render_form(form, None)


@bp.route("/<int:place_id>/edit", methods=["GET", "POST"])
@load(Place, "place_id", "place")
@require_any_permission(*MANAGE_ANY)
def edit(place: Place):
    form = PlaceForm(obj=place) if request.method == "GET" else PlaceForm()
    _fill_choices(form, place)
    if form.validate_on_submit():
        if _save(form, place) is not None:
            flash(_("Changes to %(name)s saved.", name=place.full_name), "success")
            return redirect(url_for("places.index", kind=place.kind.value))
        place = db.session.get(Place, place.id)  # reloaded after the rollback
        _fill_choices(form, place)
    return _render_form(form, place)


@bp.route("/<int:place_id>/deactivate", methods=["POST"])
@load(Place, "place_id", "place")
@require_any_permission(*MANAGE_ANY)
def deactivate(place: Place):
    api.deactivate(place)
    audit("place.deactivate", target_type="place", target_id=place.id,
          summary=place.full_name)
    db.session.commit()
    flash(_("%(name)s deactivated: no longer offered in forms; its records are kept.",
            name=place.full_name), "success")
    return redirect(url_for("places.edit", place_id=place.id))


@bp.route("/<int:place_id>/activate", methods=["POST"])
@load(Place, "place_id", "place")
@require_any_permission(*MANAGE_ANY)
def activate(place: Place):
    api.activate(place)
    audit("place.activate", target_type="place", target_id=place.id, summary=place.full_name)
    db.session.commit()
    flash(_("%(name)s reactivated.", name=place.full_name), "success")
    return redirect(url_for("places.edit", place_id=place.id))


@bp.route("/import", methods=["GET", "POST"])
@require_any_permission(*MANAGE_ANY)
def import_file():
    form = ImportForm()
    result = None
    checked_only = request.form.get("action") == "check"
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = read_table(upload.read(), upload.filename or "", imports.REQUIRED,
                              imports.OPTIONAL)
        except TableError as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            result = imports.import_places(rows, dry_run=checked_only)
            if result.report.ok and not checked_only:
                audit("place.import", target_type="place",
                      summary=_("%(created)d places added, %(updated)d updated",
                                created=result.created, updated=result.updated),
                      details={"created": result.created, "updated": result.updated,
                               "file": upload.filename})
                try:
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
                    form.file.errors = [*form.file.errors, _(
                        "Someone registered some of these places meanwhile; nothing was "
                        "imported. Upload the file again.")]
                    result = None
                else:
                    flash(_("Import done: %(created)d places added, %(updated)d updated.",
                            created=result.created, updated=result.updated), "success")
                    return redirect(url_for("places.index"))
            else:
                db.session.rollback()
    return render_template("places/import.html", form=form, result=result,
                           checked_only=checked_only, columns=imports.COLUMNS,
                           notes=imports.import_notes())


@bp.route("/template.xlsx")
@require_any_permission(*MANAGE_ANY)
def template():
    return xlsx_response(imports.template_xlsx(), "places-template.xlsx")

