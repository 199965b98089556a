"""The provider pool (法律援助人员库): the list with each provider's load, a provider's page
with the cases the user may see, and the form (new and edit).

Providers belong to the tenant (the centre assigns from the whole county's pool), so the
tenant scoping is the lookup's scope; a provider's cases are cut to the user's case scope.
Reading needs PROVIDER_VIEW, every change PROVIDER_MANAGE.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields import SelectChoice

from core.sdk import User, db, has_permission, require_permission
from plugins.legal_aid.assignment import MemberKind, full_years
from plugins.legal_aid.forms import options
from plugins.legal_aid.forms.providers import ProviderForm
from plugins.legal_aid.models import AidCase, Assignment, Provider
from plugins.legal_aid.permissions import PROVIDER_MANAGE, PROVIDER_VIEW
from plugins.legal_aid.pool import LOAD_STATUSES, open_loads
from plugins.legal_aid.views import bp
from plugins.legal_aid.views.common import case_visibility
from plugins.legal_aid.workflow import today


def _provider_or_404(provider_id: int) -> Provider:
    provider = db.session.scalar(select(Provider).where(Provider.id == provider_id))
    if provider is None:
        abort(404)
    return provider


def provider_known(view: Callable) -> Callable:
    """404 for an unknown (or another tenant's) provider id BEFORE the permission check, so
    that a foreign id never earns a 403 confirming it exists. Put it above the permission."""

    @wraps(view)
    def wrapper(provider_id: int, **kwargs: Any) -> Any:
        if db.session.get(Provider, provider_id) is None:
            abort(404)
        return view(provider_id=provider_id, **kwargs)

    return wrapper


@bp.route("/providers/")
@require_permission(PROVIDER_VIEW)
def providers():
    shown = request.args.get("active", "1")
    shown = shown if shown in ("1", "0", "all") else "1"
    kind = request.args.get("kind", "")
    # The linked account shows on each row: loaded for the whole list at once.
    query = (select(Provider).options(selectinload(Provider.user))
             .order_by(Provider.active.desc(), Provider.name, Provider.id))
    if shown != "all":
        query = query.where(Provider.active.is_(shown == "1"))
    if kind in {k.value for k in MemberKind}:
        query = query.where(Provider.kind == MemberKind(kind))
    else:
        kind = ""
    found = list(db.session.scalars(query))
    return render_template(
        "legal_aid/providers/index.html", providers=found,
        loads=open_loads(p.id for p in found), kinds=list(MemberKind),
        filters={"active": shown, "kind": kind}, today=today(), full_years=full_years,
        can_manage=has_permission(PROVIDER_MANAGE))


@bp.route("/providers/<int:provider_id>")
@provider_known
@require_permission(PROVIDER_VIEW)
def provider_detail(provider_id: int):
    provider = _provider_or_404(provider_id)
    # Only the cases the user may see (the case scope), most recent first.
    cases = list(db.session.scalars(
        select(AidCase).where(case_visibility(), AidCase.id.in_(
            select(Assignment.case_id).where(Assignment.provider_id == provider.id)))
        .order_by(AidCase.received_on.desc(), AidCase.id.desc()).limit(200)))
    return render_template(
        "legal_aid/providers/detail.html", provider=provider, cases=cases,
        load=open_loads([provider.id]).get(provider.id, 0), load_statuses=LOAD_STATUSES,
        today=today(), full_years=full_years, can_manage=has_permission(PROVIDER_MANAGE))


def _user_choices(keep: User | None = None) -> list[SelectChoice]:
    """The tenant's active accounts (and ``keep``, a linked account since deactivated, so
    the form still saves)."""
    users = list(db.session.scalars(select(User).where(User.active.is_(True))
                                    .order_by(User.display_name, User.username)))
    if keep is not None and keep not in users:
        users.append(keep)
    return options([("", _("(none)"))] + [
        (u.id, f"{u.display_name} ({u.username})" if u.display_name else u.username)
        for u in users])


def _save(form: ProviderForm, provider: Provider | None) -> Provider | None:
    """Write the form into ``provider`` (or a new one); None with errors on the form."""
    user_id = form.user_id.data
    if user_id is not None:
        taken = db.session.scalar(select(Provider.name).where(
            Provider.user_id == user_id,
            Provider.id != (provider.id if provider is not None else -1)))
        if taken is not None:
            form.user_id.errors = [*form.user_id.errors, _(
                "This account is already linked to %(name)s.", name=taken)]
            return None
    if provider is None:
        provider = Provider(name=form.name.data.strip(), kind=MemberKind(form.kind.data))
        db.session.add(provider)
    languages = ",".join(dict.fromkeys(
        item.strip() for item in (form.languages.data or "").replace("，", ",").split(",")
        if item.strip()))
    provider.name = form.name.data.strip()
    provider.kind = MemberKind(form.kind.data)
    for name in ("organisation", "licence_number", "phone", "hometown", "county"):
        setattr(provider, name, (getattr(form, name).data or "").strip())
    provider.languages = languages
    provider.practice_since = form.practice_since.data
    provider.criminal_defence_since = form.criminal_defence_since.data
    provider.legal_qualification = bool(form.legal_qualification.data)
    provider.specialities = ",".join(form.specialities.data or [])
    provider.familiar_with_minors = bool(form.familiar_with_minors.data)
    provider.max_load = form.max_load.data
    provider.user_id = user_id
    provider.active = bool(form.active.data)
    provider.notes = (form.notes.data or "").strip()
    db.session.flush()
    return provider


def _form_page(form: ProviderForm, provider: Provider | None, status: int = 200):
    return render_template("legal_aid/providers/form.html", form=form,
                           provider=provider), status


@bp.route("/providers/new", methods=["GET", "POST"])
@require_permission(PROVIDER_MANAGE)
def provider_new():
    form = ProviderForm()
    form.user_id.choices = _user_choices()
    if form.validate_on_submit():
        provider = _save(form, None)
        if provider is not None:
            db.session.commit()
            flash(_("%(name)s added to the pool.", name=provider.name), "success")
            return redirect(url_for("legal_aid.provider_detail", provider_id=provider.id), 303)
        db.session.rollback()
    return _form_page(form, None, 422 if request.method == "POST" else 200)


@bp.route("/providers/<int:provider_id>/edit", methods=["GET", "POST"])
@provider_known
@require_permission(PROVIDER_MANAGE)
def provider_edit(provider_id: int):
    provider = _provider_or_404(provider_id)
    if request.method == "GET":
        form = ProviderForm(obj=provider)
        form.specialities.data = [c.value for c in provider.speciality_list]
        form.kind.data = provider.kind.value
    else:
        form = ProviderForm()
    form.user_id.choices = _user_choices(keep=provider.user)
    if form.validate_on_submit():
        saved = _save(form, provider)
        if saved is not None:
            db.session.commit()
            flash(_("%(name)s saved.", name=saved.name), "success")
            return redirect(url_for("legal_aid.provider_detail", provider_id=saved.id), 303)
        db.session.rollback()
        provider = _provider_or_404(provider_id)
    return _form_page(form, provider, 422 if request.method == "POST" else 200)
