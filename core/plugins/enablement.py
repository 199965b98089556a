"""Gate three: which plugins each tenant has enabled, and the rules for changing that."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import BigInteger, Boolean, DateTime, String, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.plugins.manager import PluginManager
from core.signals import plugin_toggled
from core.tenancy.context import tenant_context
from core.tenancy.model import TenantModel
from core.tenancy.models import Tenant, utcnow
from core.tenancy.session import TenantSession

#: flask.g key: tenant id -> the plugins in effect, for this request only. Never a process
#: cache: several workers serve, and a toggle must show on the next request in each.
_MEMO_KEY = "_fatong_enabled_plugins"


class TenantPlugin(db.Model, TenantModel):
    """One row per plugin a tenant has ever enabled; disabling flips ``enabled`` only."""

    __tablename__ = "tenant_plugins"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin"),)

    plugin: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(100), default="")
    changed_by_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class PluginToggleError(Exception):
    """A toggle the rules refuse; the message is for the person who asked."""


def plugin_manager() -> PluginManager:
    return current_app.extensions["fatong.plugins"]


def _memo() -> dict[int, frozenset[str]] | None:
    return g.setdefault(_MEMO_KEY, {}) if has_request_context() else None


def remember_enabled(tenant_id: int, rows: Iterable[str]) -> frozenset[str]:
    """The plugins in effect given the names of the tenant's enabled rows, remembered for
    the rest of the request (the tenant resolver reads the rows along with the tenant)."""
    manager = plugin_manager()
    enabled = manager.always_on_names() | frozenset(
        name for name in rows if manager.is_loaded(name)
    )
    memo = _memo()
    if memo is not None:
        memo[tenant_id] = enabled
    return enabled


def forget_enabled() -> None:
    """Drop the request's copies after a toggle (or a rollback) so the next read is fresh."""
    if has_request_context():
        g.pop(_MEMO_KEY, None)


def _forget_on_rollback(session: Any, previous_transaction: Any) -> None:
    # A rolled-back toggle must not linger in the request's copy.
    forget_enabled()


event.listen(TenantSession, "after_soft_rollback", _forget_on_rollback)


def enabled_plugins(tenant: Tenant) -> frozenset[str]:
    """Names of the plugins in effect for a tenant: always-on ones plus its enabled ones.

    Read once per request and tenant (flask.g); enabling or disabling drops the copy.
    """
    tenant_id = getattr(tenant, "id", tenant)  # tenant_context takes an id as well
    memo = _memo()
    if memo is not None and tenant_id in memo:
        return memo[tenant_id]
    with tenant_context(tenant):
        rows = db.session.scalars(
            select(TenantPlugin.plugin).where(TenantPlugin.enabled.is_(True))
        ).all()
    return remember_enabled(tenant_id, rows)


def hooks_for(tenant: Tenant, enabled: frozenset[str] | None = None):
    """Hook callers reaching only the plugins the tenant has enabled (cached per set)."""
    if enabled is None:
        enabled = enabled_plugins(tenant)
    return plugin_manager().hooks_for(enabled)


def requirement_closure(name: str) -> list[str]:
    """The plugin and everything it requires, transitively, requirements first."""
    manager = plugin_manager()
    ordered: list[str] = []

    def visit(current: str, trail: tuple[str, ...]) -> None:
        if current in trail:
            raise PluginToggleError(_("Plugin requirements form a cycle: %(chain)s",
                                      chain=" → ".join((*trail, current))))
        if current in ordered:
            return
        record = manager.records.get(current)
        if record is None or not record.loaded:
            raise PluginToggleError(
                _("Plugin %(name)s is not installed or failed to load.", name=current))
        for required in record.info.requires:
            visit(required, (*trail, current))
        ordered.append(current)

    visit(name, ())
    return ordered


def dependents_enabled(tenant: Tenant, name: str) -> list[str]:
    """Enabled plugins of the tenant that require ``name``."""
    manager = plugin_manager()
    enabled = enabled_plugins(tenant)
    return sorted(
        r.name for r in manager.loaded()
        if r.name in enabled and r.info and name in r.info.requires
    )


def enable_plugin(tenant: Tenant, name: str, actor: str = "system",
                  actor_user_id: int | None = None) -> list[str]:
    """Enable a plugin and what it requires; returns the names newly enabled.

    The caller commits. Raises :class:`PluginToggleError` when the deployment does not allow
    the plugin or its requirements are not available.
    """
    manager = plugin_manager()
    record = manager.records.get(name)
    if record is None:
        raise PluginToggleError(_("There is no plugin named %(name)s.", name=name))
    if record.always_on:
        raise PluginToggleError(_("%(name)s is a built-in module and is always on.", name=name))
    if not record.loaded:
        raise PluginToggleError(_("Plugin %(name)s is not available (%(status)s).",
                                  name=name, status=record.status.value))
    newly: list[str] = []
    already = enabled_plugins(tenant)
    with tenant_context(tenant):
        for plugin in requirement_closure(name):
            if plugin in already or manager.records[plugin].always_on:
                continue
            row = db.session.scalar(select(TenantPlugin).where(TenantPlugin.plugin == plugin))
            if row is None:
                row = TenantPlugin(plugin=plugin)
                db.session.add(row)
            row.enabled = True
            row.changed_at = utcnow()
            row.changed_by = actor
            row.changed_by_user_id = actor_user_id
            db.session.flush()
            forget_enabled()
            manager.hook_of(plugin, "plugin_enabled")(tenant=tenant)
            plugin_toggled.send(None, tenant=tenant, plugin=plugin, enabled=True, actor=actor)
            newly.append(plugin)
        if newly:
            # A plugin installed after the tenant was created brings role templates (调解员…)
            # the tenant has never been offered; seeding is idempotent and keeps removals.
            from core.access.service import seed_roles

            seed_roles()
    return newly


def disable_plugin(tenant: Tenant, name: str, actor: str = "system",
                   actor_user_id: int | None = None) -> bool:
    """Disable a plugin for a tenant, keeping its data; returns False if it was not enabled.

    Refused while another enabled plugin requires it. The caller commits.
    """
    manager = plugin_manager()
    record = manager.records.get(name)
    if record is not None and record.always_on:
        raise PluginToggleError(
            _("%(name)s is a built-in module and cannot be disabled.", name=name))
    if record is None:
        # An uninstalled plugin may still have an enabled row worth switching off; a name
        # with neither a plugin nor a row is a typo and must not pass as "not enabled".
        with tenant_context(tenant):
            known = db.session.scalar(
                select(TenantPlugin.id).where(TenantPlugin.plugin == name)) is not None
        if not known:
            raise PluginToggleError(_("There is no plugin named %(name)s.", name=name))
    dependents = dependents_enabled(tenant, name)
    if dependents:
        raise PluginToggleError(
            _("Cannot disable %(name)s: %(dependents)s require it; disable those first.",
              name=name, dependents="、".join(dependents)))
    with tenant_context(tenant):
        row = db.session.scalar(select(TenantPlugin).where(TenantPlugin.plugin == name))
        if row is None or not row.enabled:
            return False
        row.enabled = False
        row.changed_at = utcnow()
        row.changed_by = actor
        row.changed_by_user_id = actor_user_id
        db.session.flush()
        forget_enabled()
        if manager.is_loaded(name):
            manager.hook_of(name, "plugin_disabled")(tenant=tenant)
        plugin_toggled.send(None, tenant=tenant, plugin=name, enabled=False, actor=actor)
    return True
