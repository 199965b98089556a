"""The dispute-type code list page: add local types, rename, reorder, (de)activate, delete.

Every page needs COMMITTEE_MANAGE (the bureau's mediation section). A type's URL is looked
up before the permission check, so another tenant's id answers 404, never 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.sdk import db, require_permission
from plugins.mediation import dispute_types as service
from plugins.mediation.committees import CommitteeInvalid
from plugins.mediation.forms.committees import DisputeTypeForm, RenameForm
from plugins.mediation.models import DisputeType
from plugins.mediation.permissions import COMMITTEE_MANAGE
from plugins.mediation.views import bp


def dispute_type_view(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(dispute_type_id: int) -> Any:
        dispute_type = db.session.get(DisputeType, dispute_type_id)
        if dispute_type is None:
            abort(404)
        require_permission(COMMITTEE_MANAGE)(lambda: None)()
        return view(dispute_type)

    wrapper._fatong_permission = COMMITTEE_MANAGE  # type: ignore[attr-defined]
    return wrapper


def _flash_refusal(exc: CommitteeInvalid) -> None:
    for messages in exc.errors.values():
        for message in messages:
            flash(message, "danger")


def _list_page(form: DisputeTypeForm) -> str:
    types, counts = service.ordered(), service.usage_counts()
    return render_template("mediation/dispute_types/index.html", types=types, form=form,
                           usage={t.id: counts.get(t.id, 0) for t in types})


@bp.route("/dispute-types/", methods=["GET", "POST"])
@require_permission(COMMITTEE_MANAGE)
def dispute_types():
    form = DisputeTypeForm()
    if form.validate_on_submit():
        try:
            added = service.add_dispute_type(form.name.data, form.code.data)
            db.session.commit()
        except CommitteeInvalid as exc:
            db.session.rollback()
            for name, messages in exc.errors.items():
                target = form._fields.get(name, form.name)
                target.errors = [*target.errors, *messages]
        else:
            flash(_("Dispute type %(name)s added (code %(code)s).", name=added.name,
                    code=added.code), "success")
            return redirect(url_for("mediation.dispute_types"))
    return _list_page(form)


@bp.route("/dispute-types/<int:dispute_type_id>/edit", methods=["GET", "POST"])
@dispute_type_view
def dispute_type_edit(dispute_type: DisputeType):
    form = RenameForm(obj=dispute_type)
    if form.validate_on_submit():
        try:
            service.rename(dispute_type, form.name.data)
            db.session.commit()
        except CommitteeInvalid as exc:
            db.session.rollback()
            form.name.errors = [*form.name.errors, *exc.errors.get("name", [])]
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("mediation.dispute_types"))
    return render_template("mediation/dispute_types/form.html", form=form,
                           dispute_type=dispute_type, used=service.usage(dispute_type))


@bp.route("/dispute-types/<int:dispute_type_id>/move", methods=["POST"])
@dispute_type_view
def dispute_type_move(dispute_type: DisputeType):
    service.move(dispute_type, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("mediation.dispute_types") + f"#type-{dispute_type.id}")


@bp.route("/dispute-types/<int:dispute_type_id>/deactivate", methods=["POST"])
@dispute_type_view
def dispute_type_deactivate(dispute_type: DisputeType):
    try:
        service.set_active(dispute_type, False)
        db.session.commit()
    except CommitteeInvalid as exc:
        db.session.rollback()
        _flash_refusal(exc)
    else:
        flash(_("%(name)s is no longer offered for new records; existing ones keep it.",
                name=dispute_type.name), "success")
    return redirect(url_for("mediation.dispute_types"))


@bp.route("/dispute-types/<int:dispute_type_id>/activate", methods=["POST"])
@dispute_type_view
def dispute_type_activate(dispute_type: DisputeType):
    service.set_active(dispute_type, True)
    db.session.commit()
    flash(_("%(name)s is offered again.", name=dispute_type.name), "success")
    return redirect(url_for("mediation.dispute_types"))


@bp.route("/dispute-types/<int:dispute_type_id>/delete", methods=["POST"])
@dispute_type_view
def dispute_type_delete(dispute_type: DisputeType):
    name = dispute_type.name
    try:
        service.delete(dispute_type)
        db.session.commit()
    except CommitteeInvalid as exc:
        db.session.rollback()
        _flash_refusal(exc)
    else:
        flash(_("Dispute type %(name)s deleted.", name=name), "success")
    return redirect(url_for("mediation.dispute_types"))
