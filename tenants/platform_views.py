"""The operators' console pages of the tenant lifecycle, under /platform/.

Applications (approve, reject with a reason), tenants (status history, suspend/reactivate,
hierarchy), installed plugins and the platform's own audit trail. Operators see facts about
tenants, never a tenant's business data. Every page is behind the operator guard of
core.auth.platform; the changes themselves live in :mod:`tenants.lifecycle`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select
from wtforms import SelectField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from core import regions
from core.audit.models import PlatformAuditEvent
from core.audit.views import OUTCOME_TITLES, event_title
from core.auth.platform import current_operator, require_operator
from core.plugins.enablement import TenantPlugin
from core.plugins.manager import PluginRecord, PluginStatus
from core.sdk import (
    NavItem,
    Tenant,
    TenantLevel,
    TenantStatus,
    cross_tenant_read,
    db,
    enabled_plugins,
    plugin_manager,
)
from tenants import lifecycle
from tenants.models import ApplicationStatus, TenantApplication, TenantStatusChange

bp = Blueprint("tenants_platform", __name__, url_prefix="/platform",
               template_folder="templates")
bp.before_request(require_operator)

PAGE_SIZE = 50
DECIDED_SHOWN = 200

STATUS_LABELS: dict[str, Any] = {
    TenantStatus.PENDING.value: _l("Pending"),
    TenantStatus.ACTIVE.value: _l("Active"),
    TenantStatus.SUSPENDED.value: _l("Suspended"),
    TenantStatus.REJECTED.value: _l("Rejected"),
}
STATUS_BADGES = {"pending": "warning", "active": "success", "suspended": "danger",
                 "rejected": "secondary"}
LEVEL_LABELS: dict[str, Any] = {
    TenantLevel.PROVINCE.value: _l("Province"),
    TenantLevel.CITY.value: _l("City"),
    TenantLevel.COUNTY.value: _l("County"),
}
APPLICATION_LABELS: dict[str, Any] = {
    ApplicationStatus.PENDING.value: _l("Pending"),
    ApplicationStatus.APPROVED.value: _l("Approved"),
    ApplicationStatus.REJECTED.value: _l("Rejected"),
}
PLUGIN_STATUS_LABELS: dict[str, Any] = {
    PluginStatus.LOADED.value: _l("Loaded"),
    PluginStatus.FAILED.value: _l("Failed"),
    PluginStatus.INCOMPATIBLE.value: _l("Incompatible"),
    PluginStatus.BLOCKED.value: _l("Blocked"),
}
PLUGIN_STATUS_BADGES = {"loaded": "success", "failed": "danger", "incompatible": "warning",
                        "blocked": "secondary"}
#: Titles of the platform chain's own events; others fall back to the tenant viewer's.
PLATFORM_EVENT_TITLES: dict[str, Any] = {
    "tenant.signup": _l("Signup application submitted"),
    "tenant.approved": _l("Application approved"),
    "tenant.rejected": _l("Application rejected"),
    "tenant.suspended": _l("Bureau suspended"),
    "tenant.reactivated": _l("Bureau reactivated"),
    "tenant.parent_changed": _l("Parent bureau changed"),
}


def platform_nav_items() -> list[NavItem]:
    """The console menu entries of the tenants module; applications carry the pending count."""
    pending = db.session.scalar(select(func.count()).select_from(TenantApplication).where(
        TenantApplication.status == ApplicationStatus.PENDING)) or 0
    return [
        NavItem(title=_l("Applications"), endpoint="tenants_platform.applications", weight=10,
                icon="inbox", badge=pending or None),
        NavItem(title=_l("Tenants"), endpoint="tenants_platform.tenants", weight=20,
                icon="buildings"),
        NavItem(title=_l("Plugins"), endpoint="tenants_platform.plugins", weight=30,
                icon="puzzle"),
        NavItem(title=_l("Platform audit trail"), endpoint="tenants_platform.audit", weight=40,
                icon="journal-check"),
    ]


# --- forms ---------------------------------------------------------------------------------


def _int_or_none(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


def _reason_required() -> DataRequired:
    return DataRequired(message=_l("Please give a reason."))


class ApproveForm(FlaskForm):
    note = TextAreaField(_l("Note (optional)"),
                         validators=[Optional(), Length(max=lifecycle.REASON_MAX)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason for rejection"),
                           validators=[_reason_required(), Length(max=lifecycle.REASON_MAX)])


class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("Reason for suspension"),
                           validators=[_reason_required(), Length(max=lifecycle.REASON_MAX)])


class ReactivateForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"),
                           validators=[Optional(), Length(max=lifecycle.REASON_MAX)])


class ParentForm(FlaskForm):
    parent = SelectField(_l("Parent bureau"), coerce=_int_or_none)


class AuditFilterForm(FlaskForm):
    """The audit trail's filters, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    event = SelectField(_l("Event"), validators=[Optional()], validate_choice=False)
    tenant = SelectField(_l("Bureau"), coerce=_int_or_none, validators=[Optional()],
                         validate_choice=False)


# --- helpers -------------------------------------------------------------------------------


def region_name(code: str) -> str:
    region = regions.get(code)
    return region.full_name if region is not None else code


def _operator() -> tuple[str, int | None]:
    operator = current_operator()
    if operator is None:  # the guard lets nobody else in; belt and braces
        abort(403)
    return operator.username, operator.id


def _perform(form: FlaskForm, action: Callable[[str, int | None], Any],
             done: Callable[[Any], tuple[str, str]], target: str) -> Any | None:
    """Run a lifecycle action for a valid form as the operator: commit, flash and redirect
    to ``target``; or roll back and put the refusal beside its field (None: render again)."""
    if not form.validate_on_submit():
        return None
    actor, actor_id = _operator()
    try:
        result = action(actor, actor_id)
    except lifecycle.LifecycleError as exc:
        db.session.rollback()
        _add_error(form, exc.field, str(exc))
        return None
    db.session.commit()
    flash(*done(result))
    return redirect(target)


def _render(template: str, **context: Any) -> str:
    return render_template(
        f"tenants/platform/{template}", region_name=region_name, status_labels=STATUS_LABELS,
        status_badges=STATUS_BADGES, level_labels=LEVEL_LABELS,
        application_labels=APPLICATION_LABELS, **context)


def _add_error(form: FlaskForm, name: str | None, message: str) -> None:
    target = getattr(form, name, None) if name else None
    if target is None:
        flash(message, "danger")
    else:
        target.errors = [*target.errors, message]


def _plugin_titles() -> dict[str, str]:
    return {name: str(record.info.title) for name, record in plugin_manager().records.items()
            if record.info is not None}


# --- applications --------------------------------------------------------------------------


@bp.route("/applications")
def applications():
    pending = db.session.scalars(
        select(TenantApplication).where(TenantApplication.status == ApplicationStatus.PENDING)
        .order_by(TenantApplication.submitted_at, TenantApplication.id)).all()
    decided = db.session.scalars(
        select(TenantApplication).where(TenantApplication.status != ApplicationStatus.PENDING)
        .order_by(TenantApplication.decided_at.desc(), TenantApplication.id.desc())
        .limit(DECIDED_SHOWN)).all()
    return _render("applications.html", pending=pending, decided=decided,
                   decided_limit=DECIDED_SHOWN, plugin_titles=_plugin_titles())


def _application(application_id: int) -> TenantApplication:
    application = db.session.get(TenantApplication, application_id)
    if application is None:
        abort(404)
    return application


def _application_page(application: TenantApplication, approve_form: ApproveForm | None = None,
                      reject_form: RejectForm | None = None):
    tenant = application.tenant
    preview = None
    if application.status == ApplicationStatus.PENDING:
        region = regions.get(tenant.region_code)
        preview = {
            "level": region.level if region is not None else tenant.level.value,
            "parent": lifecycle.infer_parent(tenant),
        }
    return _render("application.html", application=application, tenant=tenant,
                   preview=preview, plugin_titles=_plugin_titles(),
                   approve_form=approve_form or ApproveForm(formdata=None),
                   reject_form=reject_form or RejectForm(formdata=None))


@bp.route("/applications/<int:application_id>")
def application_detail(application_id: int):
    return _application_page(_application(application_id))


@bp.route("/applications/<int:application_id>/approve", methods=["POST"])
def application_approve(application_id: int):
    application = _application(application_id)
    form = ApproveForm()
    done = _perform(
        form, lambda actor, actor_id: lifecycle.approve(
            application, actor, form.note.data or "", actor_id=actor_id),
        lambda tenant: (_("%(name)s is approved and active.", name=tenant.name), "success"),
        url_for(".application_detail", application_id=application_id))
    return done or _application_page(_application(application_id), approve_form=form)


@bp.route("/applications/<int:application_id>/reject", methods=["POST"])
def application_reject(application_id: int):
    application = _application(application_id)
    form = RejectForm()
    done = _perform(
        form, lambda actor, actor_id: lifecycle.reject(
            application, actor, form.reason.data, actor_id=actor_id),
        lambda tenant: (_("The application of %(name)s is rejected.", name=tenant.name),
                        "info"),
        url_for(".application_detail", application_id=application_id))
    return done or _application_page(_application(application_id), reject_form=form)


# --- tenants -------------------------------------------------------------------------------


@dataclass
class TreeNode:
    tenant: Tenant
    children: list[TreeNode] = field(default_factory=list)


def hierarchy(tenants: list[Tenant]) -> list[TreeNode]:
    """Tenants as a forest by parent (province > city > county); a tenant whose parent is
    not in the list is a root."""
    nodes = {tenant.id: TreeNode(tenant) for tenant in tenants}
    roots = []
    for tenant in tenants:
        parent = nodes.get(tenant.parent_id) if tenant.parent_id else None
        (parent.children if parent is not None else roots).append(nodes[tenant.id])
    return roots


@bp.route("/tenants")
def tenants():
    status = request.args.get("status", "")
    view = "tree" if request.args.get("view") == "tree" else "list"
    query = select(Tenant).order_by(Tenant.region_code, Tenant.slug)
    if status in STATUS_LABELS:
        query = query.where(Tenant.status == TenantStatus(status))
    else:
        status = ""
    found = db.session.scalars(query).all()
    return _render("tenants.html", tenants=found, status=status, view=view,
                   roots=hierarchy(list(found)) if view == "tree" else [])


def _tenant(tenant_id: int) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        abort(404)
    return tenant


def _parent_form(tenant: Tenant, *, bind: bool) -> ParentForm:
    form = ParentForm() if bind else ParentForm(formdata=None, parent=tenant.parent_id)
    form.parent.choices = [SelectChoice(None, "—")] + [
        SelectChoice(candidate.id, f"{candidate.name}（{candidate.slug}，"
                                   f"{LEVEL_LABELS[candidate.level.value]}）")
        for candidate in lifecycle.eligible_parents(tenant)]
    return form


def _tenant_page(tenant: Tenant, *, suspend_form: SuspendForm | None = None,
                 reactivate_form: ReactivateForm | None = None,
                 parent_form: ParentForm | None = None):
    history = db.session.scalars(
        select(TenantStatusChange).where(TenantStatusChange.for_tenant_id == tenant.id)
        .order_by(TenantStatusChange.changed_at.desc(), TenantStatusChange.id.desc())).all()
    application = db.session.scalar(
        select(TenantApplication).where(TenantApplication.for_tenant_id == tenant.id))
    children = db.session.scalars(select(Tenant).where(Tenant.parent_id == tenant.id)
                                  .order_by(Tenant.region_code, Tenant.slug)).all()
    manager = plugin_manager()
    modules = sorted(name for name in enabled_plugins(tenant)
                     if name in manager.records and not manager.records[name].always_on)
    return _render(
        "tenant.html", tenant=tenant, history=history, application=application,
        children=children, modules=modules, plugin_titles=_plugin_titles(),
        inferred_parent=lifecycle.infer_parent(tenant),
        suspend_form=suspend_form or SuspendForm(formdata=None),
        reactivate_form=reactivate_form or ReactivateForm(formdata=None),
        parent_form=parent_form or _parent_form(tenant, bind=False))


@bp.route("/tenants/<int:tenant_id>")
def tenant_detail(tenant_id: int):
    return _tenant_page(_tenant(tenant_id))


@bp.route("/tenants/<int:tenant_id>/suspend", methods=["POST"])
def tenant_suspend(tenant_id: int):
    tenant = _tenant(tenant_id)
    form = SuspendForm()
    done = _perform(
        form, lambda actor, actor_id: lifecycle.suspend(
            tenant, actor, form.reason.data, actor_id=actor_id),
        lambda ended: (_("%(name)s is suspended; %(num)d sessions were ended.",
                         name=tenant.name, num=ended), "warning"),
        url_for(".tenant_detail", tenant_id=tenant_id))
    return done or _tenant_page(_tenant(tenant_id), suspend_form=form)


@bp.route("/tenants/<int:tenant_id>/reactivate", methods=["POST"])
def tenant_reactivate(tenant_id: int):
    tenant = _tenant(tenant_id)
    form = ReactivateForm()
    done = _perform(
        form, lambda actor, actor_id: lifecycle.reactivate(
            tenant, actor, form.reason.data or "", actor_id=actor_id),
        lambda _result: (_("%(name)s is active again.", name=tenant.name), "success"),
        url_for(".tenant_detail", tenant_id=tenant_id))
    return done or _tenant_page(_tenant(tenant_id), reactivate_form=form)


@bp.route("/tenants/<int:tenant_id>/parent", methods=["POST"])
def tenant_parent(tenant_id: int):
    tenant = _tenant(tenant_id)
    form = _parent_form(tenant, bind=True)
    if form.validate_on_submit():
        actor, actor_id = _operator()
        parent = db.session.get(Tenant, form.parent.data) if form.parent.data else None
        try:
            lifecycle.set_parent(tenant, parent, actor, actor_id=actor_id)
        except lifecycle.LifecycleError as exc:
            db.session.rollback()
            _add_error(form, exc.field, str(exc))
        else:
            db.session.commit()
            flash(_("The parent bureau is saved."), "success")
            return redirect(url_for(".tenant_detail", tenant_id=tenant_id))
    return _tenant_page(_tenant(tenant_id), parent_form=form)


# --- plugins -------------------------------------------------------------------------------


@dataclass
class PluginRow:
    record: PluginRecord
    allowed: bool
    tenants: int | None  # None: always on, so every tenant has it


def _allowed(record: PluginRecord) -> bool:
    manager = plugin_manager()
    if record.always_on:
        return True
    if record.info is not None:
        return manager.is_allowed(record.info)
    name = record.name.split("@")[0]  # a refused duplicate is recorded as name@distribution
    return name not in manager.block and (manager.allow is None or name in manager.allow)


def _enabled_counts(actor: str) -> dict[str, int]:
    """How many (not rejected) tenants have each plugin enabled: figures only."""
    with cross_tenant_read(reason="platform console: tenants per enabled plugin", actor=actor):
        rows = db.session.execute(
            select(TenantPlugin.plugin, func.count())
            .join(Tenant, Tenant.id == TenantPlugin.tenant_id)
            .where(TenantPlugin.enabled.is_(True), Tenant.status != TenantStatus.REJECTED)
            .group_by(TenantPlugin.plugin)).tuples().all()
    return dict(rows)


@bp.route("/plugins")
def plugins():
    actor, _actor_id = _operator()
    manager = plugin_manager()
    counts = _enabled_counts(actor)
    rows = [PluginRow(record=record, allowed=_allowed(record),
                      tenants=None if record.always_on else counts.get(record.name, 0))
            for record in sorted(manager.records.values(), key=lambda r: (not r.builtin, r.name))]
    return _render("plugins.html", rows=rows, core_version=str(manager.core_version),
                   allow=sorted(manager.allow) if manager.allow is not None else None,
                   block=sorted(manager.block), plugin_status_labels=PLUGIN_STATUS_LABELS,
                   plugin_status_badges=PLUGIN_STATUS_BADGES)


# --- the platform audit trail --------------------------------------------------------------


def platform_event_title(name: str) -> Any:
    return PLATFORM_EVENT_TITLES.get(name) or event_title(name)


def _audit_filter_form(tenant_choices: list[Tenant]) -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    names = db.session.scalars(select(PlatformAuditEvent.event).distinct()
                               .order_by(PlatformAuditEvent.event))
    form.event.choices = [SelectChoice("", _l("Any event"))] + [
        SelectChoice(n, f"{platform_event_title(n)} ({n})") for n in names]
    form.tenant.choices = [SelectChoice(None, _l("Any bureau"))] + [
        SelectChoice(t.id, f"{t.name}（{t.slug}）") for t in tenant_choices]
    return form


def _audit_query(form: AuditFilterForm) -> Select:
    query = select(PlatformAuditEvent)
    if not form.event.errors and form.event.data:
        query = query.where(PlatformAuditEvent.event == form.event.data)
    if not form.tenant.errors and form.tenant.data:
        query = query.where(PlatformAuditEvent.about_tenant_id == form.tenant.data)
    return query


def _page_window(page: int, pages: int, radius: int = 3) -> list[int]:
    return list(range(max(1, page - radius), min(pages, page + radius) + 1))


@bp.route("/audit")
def audit():
    all_tenants = db.session.scalars(select(Tenant).order_by(Tenant.region_code,
                                                             Tenant.slug)).all()
    form = _audit_filter_form(list(all_tenants))
    form.validate()
    query = _audit_query(form)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    events = db.session.scalars(query.order_by(PlatformAuditEvent.seq.desc())
                                .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    filter_args = {name: request.args[name] for name in ("event", "tenant")
                   if request.args.get(name) and not form[name].errors}
    return _render(
        "audit.html", form=form, events=events, page=page, pages=pages, total=total,
        filter_args=filter_args, page_window=_page_window(page, pages),
        tenant_slugs={t.id: t.slug for t in all_tenants}, event_title=platform_event_title,
        outcome_titles=OUTCOME_TITLES,
        details_text=lambda e: json.dumps(e.details or {}, ensure_ascii=False, sort_keys=True))
