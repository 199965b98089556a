"""A tenant's life after signup: approval or rejection, suspension, reactivation, hierarchy.

Every function flushes and leaves the commit to the caller (a console view or a CLI command),
so a change and its records land together or not at all. Each status change writes a
``TenantStatusChange`` row and an event on the platform audit chain; hierarchy changes write
the audit event only.

The hierarchy follows the GB/T 2260 region codes: a county bureau's parent is the active
city bureau of its prefecture, else the active province bureau; a city's is the province.
Approving a city or province bureau also adopts the active bureaus below it that had no
nearer parent, so the order in which bureaus are approved does not matter.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from core.audit.api import record
from core.auth.models import UserSession
from core.sdk import (
    PluginToggleError,
    Tenant,
    TenantLevel,
    TenantStatus,
    db,
    enable_plugin,
    enabled_plugins,
    plugin_manager,
    tenant_context,
    utcnow,
)
from tenants.models import ApplicationStatus, TenantApplication, TenantStatusChange

#: Higher levels first: a parent's rank is lower than its child's.
LEVEL_RANK = {TenantLevel.PROVINCE: 0, TenantLevel.CITY: 1, TenantLevel.COUNTY: 2}
REASON_MAX = 1000


class LifecycleError(ValueError):
    """A change the rules refuse; the message (translated) is for the person who asked.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- status changes ------------------------------------------------------------------------


def approve(application: TenantApplication, actor: str, note: str = "", *,
            actor_id: int | None = None) -> Tenant:
    """Activate a pending application's tenant; sets its level and parent from the region."""
    tenant = application.tenant
    if application.status != ApplicationStatus.PENDING or tenant.status != TenantStatus.PENDING:
        raise LifecycleError(_("This application has already been decided."))
    note = _reason(note, required=False, field="note")
    old = tenant.status
    tenant.status = TenantStatus.ACTIVE
    region = _region(tenant.region_code)
    if region is not None:
        tenant.level = TenantLevel(region.level)
    _decide(application, ApplicationStatus.APPROVED, actor, note)
    db.session.flush()
    tenant.parent = infer_parent(tenant)
    unavailable = _enable_requested(tenant, application.plugins or [], actor)
    _status_change(tenant, old, note, actor)
    db.session.flush()
    _audit("tenant.approved", tenant, actor, actor_id, summary=f"{tenant.slug} approved",
           details={"application_id": application.id, "note": note,
                    "level": tenant.level.value,
                    "parent": tenant.parent.slug if tenant.parent else None,
                    "plugins_unavailable": unavailable})
    adopt_children(tenant, actor, actor_id=actor_id)
    return tenant


def reject(application: TenantApplication, actor: str, reason: str, *,
           actor_id: int | None = None) -> Tenant:
    """Turn a pending application down. The tenant row stays (status rejected), slug taken."""
    tenant = application.tenant
    if application.status != ApplicationStatus.PENDING or tenant.status != TenantStatus.PENDING:
        raise LifecycleError(_("This application has already been decided."))
    reason = _reason(reason, required=True)
    old = tenant.status
    tenant.status = TenantStatus.REJECTED
    _decide(application, ApplicationStatus.REJECTED, actor, reason)
    _status_change(tenant, old, reason, actor)
    db.session.flush()
    _audit("tenant.rejected", tenant, actor, actor_id, summary=f"{tenant.slug}: {reason}",
           details={"application_id": application.id, "reason": reason})
    return tenant


def suspend(tenant: Tenant, actor: str, reason: str, *, actor_id: int | None = None) -> int:
    """Suspend an active tenant and end all its users' sessions; returns sessions ended.

    Its URLs answer 404 from now on (core.tenancy.web), its data stays untouched.
    """
    if tenant.status != TenantStatus.ACTIVE:
        raise LifecycleError(_("Only an active bureau can be suspended."))
    reason = _reason(reason, required=True)
    old = tenant.status
    tenant.status = TenantStatus.SUSPENDED
    _status_change(tenant, old, reason, actor)
    db.session.flush()
    with tenant_context(tenant):
        # One bulk delete for the whole tenant: every browser is out at its next request.
        ended = db.session.execute(delete(UserSession),
                                   execution_options={"synchronize_session": False}).rowcount
    _audit("tenant.suspended", tenant, actor, actor_id, summary=f"{tenant.slug}: {reason}",
           details={"reason": reason, "sessions_ended": ended or 0})
    return ended or 0


def reactivate(tenant: Tenant, actor: str, reason: str = "", *,
               actor_id: int | None = None) -> Tenant:
    """Let a suspended tenant's users in again, with their data as it was."""
    if tenant.status != TenantStatus.SUSPENDED:
        raise LifecycleError(_("Only a suspended bureau can be reactivated."))
    reason = _reason(reason, required=False)
    old = tenant.status
    tenant.status = TenantStatus.ACTIVE
    _status_change(tenant, old, reason, actor)
    db.session.flush()
    _audit("tenant.reactivated", tenant, actor, actor_id,
           summary=f"{tenant.slug}: {reason}" if reason else tenant.slug,
           details={"reason": reason})
    return tenant


def _reason(text: str | None, *, required: bool, field: str = "reason") -> str:
    text = (text or "").strip()
    if required and not text:
        raise LifecycleError(_("Please give a reason."), field=field)
    if len(text) > REASON_MAX:
        raise LifecycleError(_("At most %(num)d characters.", num=REASON_MAX), field=field)
    return text


def _decide(application: TenantApplication, status: ApplicationStatus, actor: str,
            reason: str) -> None:
    application.status = status
    application.decided_at = utcnow()
    application.decided_by = actor[:100]
    application.decision_reason = reason


def _status_change(tenant: Tenant, old: TenantStatus, reason: str, actor: str) -> None:
    db.session.add(TenantStatusChange(for_tenant_id=tenant.id, old_status=old.value,
                                      new_status=tenant.status.value, reason=reason,
                                      actor=actor[:100]))


def _enable_requested(tenant: Tenant, names: list[str], actor: str) -> list[str]:
    """Enable the plugins the application asked for (if signup has not); returns those that
    this deployment no longer offers, which are left out rather than blocking approval."""
    manager = plugin_manager()
    already = enabled_plugins(tenant)
    unavailable = []
    for name in names:
        if name in already:
            continue
        record_ = manager.records.get(name)
        if record_ is None or not record_.loaded or record_.always_on:
            unavailable.append(name)
            continue
        try:
            enable_plugin(tenant, name, actor=actor)
        except PluginToggleError:
            unavailable.append(name)
        except Exception as exc:  # noqa: BLE001 - a plugin's own hook failed: refuse cleanly
            raise LifecycleError(_("Module %(name)s could not be enabled (%(error)s); nothing "
                                   "was changed.", name=name, error=exc)) from exc
    return unavailable


def _audit(event: str, tenant: Tenant, actor: str, actor_id: int | None, *, summary: str,
           details: dict[str, Any]) -> None:
    record(event, platform=True, about_tenant_id=tenant.id, actor=actor, actor_id=actor_id,
           target_type="tenant", target_id=tenant.id, summary=summary[:500],
           details={"tenant": tenant.slug, **details})


# --- hierarchy -----------------------------------------------------------------------------


def _region(code: str) -> Any:
    from core import regions

    return regions.get(code)


def _ancestor_regions(code: str) -> list[Any]:
    from core import regions

    return list(regions.ancestors(code))


def _active_tenant_of(region: Any) -> Tenant | None:
    """The active tenant of a region at that region's level (the oldest, if several)."""
    try:
        level = TenantLevel(region.level)
    except ValueError:
        return None
    return db.session.scalar(
        select(Tenant).where(Tenant.region_code == region.code, Tenant.level == level,
                             Tenant.status == TenantStatus.ACTIVE)
        .order_by(Tenant.created_at, Tenant.id).limit(1))


def infer_parent(tenant: Tenant) -> Tenant | None:
    """The nearest ancestor region's active tenant of that region's level (city, then
    province), or None."""
    for region in _ancestor_regions(tenant.region_code):
        parent = _active_tenant_of(region)
        if parent is not None and parent.id != tenant.id:
            return parent
    return None


def set_parent(tenant: Tenant, parent: Tenant | None, actor: str, *,
               actor_id: int | None = None, source: str = "operator") -> None:
    """Change a tenant's parent (None: no parent). Refuses itself, cycles and a parent that
    is not of a higher level."""
    if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
        raise LifecycleError(_("Only an active or suspended bureau has a parent bureau; "
                               "approval sets it."), field="parent")
    refusal = parent_refusal(tenant, parent)
    if refusal:
        raise LifecycleError(refusal, field="parent")
    old = tenant.parent
    if (old.id if old else None) == (parent.id if parent else None):
        return
    tenant.parent = parent
    db.session.flush()
    _audit("tenant.parent_changed", tenant, actor, actor_id,
           summary=f"{tenant.slug}: {old.slug if old else '-'} -> "
                   f"{parent.slug if parent else '-'}",
           details={"old_parent": old.slug if old else None,
                    "new_parent": parent.slug if parent else None, "source": source})


def parent_refusal(tenant: Tenant, parent: Tenant | None) -> str | None:
    """Why ``parent`` cannot be ``tenant``'s parent (translated), or None if it can."""
    if parent is None:
        return None
    if parent.id == tenant.id:
        return _("A bureau cannot be its own parent.")
    if LEVEL_RANK[parent.level] >= LEVEL_RANK[tenant.level]:
        return _("The parent must be of a higher level (province above city above county).")
    seen: set[int] = set()
    current: Tenant | None = parent
    while current is not None and current.id not in seen:
        if current.id == tenant.id:
            return _("That would make a cycle: %(name)s is below this bureau.",
                     name=parent.name)
        seen.add(current.id)
        current = current.parent
    return None


def eligible_parents(tenant: Tenant) -> list[Tenant]:
    """Tenants an operator may choose as ``tenant``'s parent (active or suspended)."""
    candidates = db.session.scalars(
        select(Tenant).where(Tenant.status.in_([TenantStatus.ACTIVE, TenantStatus.SUSPENDED]),
                             Tenant.id != tenant.id)
        .order_by(Tenant.region_code, Tenant.slug)).all()
    return [c for c in candidates if parent_refusal(tenant, c) is None]


def adopt_children(tenant: Tenant, actor: str, *, actor_id: int | None = None) -> list[Tenant]:
    """After a city or province tenant becomes active: take over the active tenants below its
    region whose parent is missing or further up than this one. Returns those adopted."""
    if tenant.level == TenantLevel.COUNTY or tenant.status != TenantStatus.ACTIVE:
        return []
    higher = {region.code for region in _ancestor_regions(tenant.region_code)}
    candidates = db.session.scalars(
        select(Tenant).where(Tenant.status == TenantStatus.ACTIVE, Tenant.id != tenant.id,
                             Tenant.region_code.like(f"{tenant.region_code[:2]}%"))
        .order_by(Tenant.region_code, Tenant.id)).all()
    adopted = []
    for child in candidates:
        current = child.parent
        if current is not None and current.region_code not in higher:
            continue  # a nearer parent, or an operator's own choice: keep it
        inferred = infer_parent(child)
        if inferred is None or inferred.id != tenant.id:
            continue
        if parent_refusal(child, tenant):
            continue
        set_parent(child, tenant, actor, actor_id=actor_id, source="approval")
        adopted.append(child)
    return adopted
