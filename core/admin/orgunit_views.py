"""Org-unit pages (system administrator): tree, create, edit, move, (de)activate, import."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.access.checks import require_permission
from core.admin.blueprint import (
    ORGUNIT_MANAGE,
    add_error,
    audit,
    bp,
    indent,
    unit_choices,
    xlsx_response,
)
from core.admin.forms import ImportForm, OrgUnitCreateForm, OrgUnitForm, OrgUnitMoveForm
from core.admin.guards import load
from core.admin.imports import UNIT_COLUMNS, UNIT_TYPE_NAMES, import_units
from core.admin.tabular import TableError, read_table, xlsx_template
from core.db import db
from core.orgunits.models import OrgUnit, OrgUnitType
from core.orgunits.service import (
    OrgUnitError,
    activate_unit,
    create_unit,
    deactivate_unit,
    move_unit,
    tree,
    update_unit,
)


@bp.route("/org-units/")
@require_permission(ORGUNIT_MANAGE)
def org_units():
    return render_template("admin/org_units.html", units=tree(), indent=indent)


@bp.route("/org-units/new", methods=["GET", "POST"])
@require_permission(ORGUNIT_MANAGE)
def org_unit_new():
    form = OrgUnitCreateForm()
    form.parent.choices = unit_choices()
    if request.method == "GET" and request.args.get("parent", "").isdigit():
        form.parent.data = int(request.args["parent"])
    if form.validate_on_submit():
        parent = db.session.get(OrgUnit, form.parent.data)
        try:
            unit = create_unit(form.name.data, form.code.data, OrgUnitType(form.unit_type.data),
                               parent=parent, sort_order=form.sort_order.data or 0)
        except OrgUnitError as exc:
            db.session.rollback()
            form.parent.choices = unit_choices()
            if not add_error(form, exc.field, str(exc)):
                flash(str(exc), "danger")
        else:
            audit("orgunit.create", target_type="org_unit", target_id=unit.id,
                  summary=f"{unit.code} {unit.name}",
                  details={"parent": parent.code, "type": unit.unit_type.value})
            db.session.commit()
            flash(_("Org unit %(name)s created.", name=unit.name), "success")
            return redirect(url_for("admin.org_units"))
    return render_template("admin/org_unit_form.html", form=form, unit=None)


def _edit_page(unit: OrgUnit, form: OrgUnitForm | None = None,
               move_form: OrgUnitMoveForm | None = None):
    form = form or OrgUnitForm(obj=unit, formdata=None)
    move_form = move_form or OrgUnitMoveForm(formdata=None, parent=unit.parent_id)
    move_form.parent.choices = unit_choices(exclude_below=unit)
    children = [u for u in tree() if u.parent_id == unit.id]
    return render_template("admin/org_unit_form.html", form=form, unit=unit,
                           move_form=move_form, children=children)


@bp.route("/org-units/<int:org_unit_id>/edit", methods=["GET", "POST"])
@load(OrgUnit, "org_unit_id", "unit")
@require_permission(ORGUNIT_MANAGE)
def org_unit_edit(unit: OrgUnit):
    form = OrgUnitForm(obj=unit)
    if form.validate_on_submit():
        before = {"name": unit.name, "code": unit.code, "type": unit.unit_type.value,
                  "sort_order": unit.sort_order}
        try:
            update_unit(unit, name=form.name.data, code=form.code.data,
                        unit_type=OrgUnitType(form.unit_type.data),
                        sort_order=form.sort_order.data or 0)
        except OrgUnitError as exc:
            db.session.rollback()
            if not add_error(form, exc.field, str(exc)):
                flash(str(exc), "danger")
        else:
            audit("orgunit.update", target_type="org_unit", target_id=unit.id,
                  summary=f"{unit.code} {unit.name}", details={"before": before})
            db.session.commit()
            flash(_("Org unit %(name)s saved.", name=unit.name), "success")
            return redirect(url_for("admin.org_units"))
    return _edit_page(unit, form=form)


@bp.route("/org-units/<int:org_unit_id>/move", methods=["POST"])
@load(OrgUnit, "org_unit_id", "unit")
@require_permission(ORGUNIT_MANAGE)
def org_unit_move(unit: OrgUnit):
    move_form = OrgUnitMoveForm()
    # Every active unit is a valid submission; the service refuses the unit's own subtree
    # (the page does not offer it, but a forged form must not create a cycle).
    move_form.parent.choices = unit_choices()
    if move_form.validate_on_submit():
        new_parent = db.session.get(OrgUnit, move_form.parent.data)
        old_parent_id = unit.parent_id
        try:
            move_unit(unit, new_parent)
        except OrgUnitError as exc:
            db.session.rollback()
            add_error(move_form, "parent", str(exc))
        else:
            audit("orgunit.move", target_type="org_unit", target_id=unit.id,
                  summary=f"{unit.code} {unit.name} -> {new_parent.code}",
                  details={"from_parent_id": old_parent_id, "to_parent_id": new_parent.id})
            db.session.commit()
            flash(_("%(name)s now sits under %(parent)s.", name=unit.name,
                    parent=new_parent.name), "success")
            return redirect(url_for("admin.org_units"))
    return _edit_page(unit, move_form=move_form)


@bp.route("/org-units/<int:org_unit_id>/deactivate", methods=["POST"])
@load(OrgUnit, "org_unit_id", "unit")
@require_permission(ORGUNIT_MANAGE)
def org_unit_deactivate(unit: OrgUnit):
    return _toggle(unit, active=False)


@bp.route("/org-units/<int:org_unit_id>/activate", methods=["POST"])
@load(OrgUnit, "org_unit_id", "unit")
@require_permission(ORGUNIT_MANAGE)
def org_unit_activate(unit: OrgUnit):
    return _toggle(unit, active=True)


def _toggle(unit: OrgUnit, *, active: bool):
    try:
        (activate_unit if active else deactivate_unit)(unit)
    except OrgUnitError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("admin.org_unit_edit", org_unit_id=unit.id))
    audit("orgunit.activate" if active else "orgunit.deactivate", target_type="org_unit",
          target_id=unit.id, summary=f"{unit.code} {unit.name}")
    db.session.commit()
    flash(_("%(name)s reactivated.", name=unit.name) if active
          else _("%(name)s deactivated; its records are kept.", name=unit.name), "success")
    return redirect(url_for("admin.org_units"))


@bp.route("/org-units/import", methods=["GET", "POST"])
@require_permission(ORGUNIT_MANAGE)
def org_unit_import():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = read_table(upload.read(), upload.filename or "", UNIT_COLUMNS)
        except TableError as exc:
            add_error(form, "file", str(exc))
        else:
            report, created = import_units(rows)
            if report.ok:
                audit("orgunit.import", target_type="org_unit",
                      summary=_("%(count)d org units imported", count=len(created)),
                      details={"codes": [unit.code for unit in created],
                               "file": upload.filename})
                db.session.commit()
                flash(_("%(count)d org units imported.", count=len(created)), "success")
                return redirect(url_for("admin.org_units"))
            db.session.rollback()
    return render_template("admin/import.html", form=form, report=report,
                           title=_("Import org units"), columns=UNIT_COLUMNS,
                           template_endpoint="admin.org_unit_template",
                           back_endpoint="admin.org_units",
                           help_text=_("One unit per row. 上级编码 is the code of the unit "
                                       "above: an existing unit or another row of the file. "
                                       "Nothing is imported while any row has a problem."))


@bp.route("/org-units/template.xlsx")
@require_permission(ORGUNIT_MANAGE)
def org_unit_template():
    type_names = [names[0] for names in UNIT_TYPE_NAMES.values()]
    data = xlsx_template(
        "组织机构", UNIT_COLUMNS, widths=(16, 30, 18, 16), text_columns=("编码", "上级编码"),
        choices={"类型": type_names},
        notes=[_("Columns: 编码 (unique code), 名称 (name), 类型 (type), 上级编码 (parent code)."),
               _("Types: %(types)s.", types="、".join(type_names)),
               _("上级编码 may name an existing unit or a row above or below in this file."),
               _("If any row has a problem, nothing is imported and every problem is listed.")])
    return xlsx_response(data, "org-units-template.xlsx")
