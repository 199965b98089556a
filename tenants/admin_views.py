"""A tenant's module and settings administration, under /t/<tenant>/admin/.

- ``/modules``: the system administrator switches the deployment's plugins on and off for the
  bureau. Enabling pulls in what a plugin requires, after a confirmation listing those;
  disabling is refused while an enabled plugin requires it. Toggles are audited by the
  ``plugin_toggled`` subscriber and take effect with the next request (navigation, routes,
  hooks and permissions all read the enabled set per request).
- ``/settings``: the bureau's own settings (:mod:`tenants.settings`) and, one page each, the
  settings of every enabled plugin that declares a schema, all rendered by core's generic
  form (:mod:`core.settings_forms`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.access.checks import has_permission, require_permission
from core.admin.blueprint import audit
from core.admin.plugin import GROUP
from core.db import db
from core.plugins.contributions import NavItem
from core.plugins.enablement import (
    PluginToggleError,
    TenantPlugin,
    dependents_enabled,
    disable_plugin,
    enable_plugin,
    plugin_manager,
    requirement_closure,
)
from core.plugins.manager import PluginRecord, PluginStatus
from core.settings import SettingsProxy, tenant_settings
from core.settings_forms import audit_details, defaults_shown, save_settings, settings_form
from tenants.permissions import MODULE_MANAGE, SETTINGS_MANAGE
from tenants.settings import display_name, forget_display_names, tenant_profile

bp = Blueprint("tenants_admin", __name__, url_prefix="/t/<tenant>/admin",
               template_folder="templates")

REQUIRES_MISSING_PREFIX = "requires plugins that are not available"


def nav_items(tenant: Any, user: Any) -> list[NavItem]:
    items = []
    if has_permission(MODULE_MANAGE, user):
        items.append(NavItem(title=_l("Modules"), endpoint="tenants_admin.modules", weight=904,
                             icon="puzzle", group=GROUP))
    if has_permission(SETTINGS_MANAGE, user):
        items.append(NavItem(title=_l("Settings"), endpoint="tenants_admin.settings",
                             weight=905, icon="gear", group=GROUP))
    return items


@bp.app_context_processor
def _display_name_helper() -> dict[str, Any]:
    # base.html shows the bureau's display name setting in the header when it is set.
    return {"tenant_display_name": display_name}


# --- modules -----------------------------------------------------------------------------


@dataclass
class ModuleRow:
    name: str
    title: str
    description: str = ""
    vendor: str = ""
    version: str = ""
    requires: list[str] = field(default_factory=list)  # titles
    required_by: list[str] = field(default_factory=list)  # titles
    enabled: bool = False
    changed_at: datetime | None = None
    changed_by: str = ""
    extras: list[str] = field(default_factory=list)  # names enabling would also switch on
    extras_titles: list[str] = field(default_factory=list)
    reason: str = ""  # why it cannot be enabled


def title_of(name: str) -> str:
    record = plugin_manager().records.get(name)
    return str(record.info.title) if record is not None and record.info else name


def unavailable_reason(record: PluginRecord) -> str:
    """Why an installed plugin cannot be enabled, for a bureau's administrator.

    The load error itself (a traceback location, perhaps more) is for the platform operator.
    """
    manager = plugin_manager()
    if record.status is PluginStatus.BLOCKED:
        return _("Not allowed on this platform.")
    if record.status is PluginStatus.INCOMPATIBLE and record.info:
        return _("Needs platform version %(range)s; this platform is %(version)s.",
                 range=record.info.requires_core, version=str(manager.core_version))
    if record.info and record.error.startswith(REQUIRES_MISSING_PREFIX):
        missing = [title_of(r) for r in record.info.requires if not manager.is_loaded(r)]
        return _("Needs modules that are not available: %(names)s.", names="、".join(missing))
    return _("Failed to load; the platform operator can see the error.")


def extras_for(name: str, enabled: frozenset[str]) -> list[str]:
    """What enabling ``name`` would switch on besides it (raises PluginToggleError)."""
    return [n for n in requirement_closure(name) if n != name and n not in enabled]


def module_rows(enabled: frozenset[str]) -> tuple[list[ModuleRow], list[ModuleRow],
                                                  list[ModuleRow]]:
    """(toggleable, unavailable, built-in) modules of this deployment, by title."""
    manager = plugin_manager()
    changes = {row.plugin: row for row in db.session.scalars(select(TenantPlugin))}
    loaded = manager.loaded()
    toggleable, unavailable, builtin = [], [], []
    for record in manager.records.values():
        info = record.info
        row = ModuleRow(name=record.name, title=title_of(record.name),
                        description=str(info.description) if info else "",
                        vendor=info.vendor if info else record.distribution,
                        version=record.version)
        if info:
            row.requires = [title_of(r) for r in info.requires]
            row.required_by = sorted(title_of(r.name) for r in loaded
                                     if r.info and record.name in r.info.requires)
        if record.always_on:
            builtin.append(row)
            continue
        if not record.loaded:
            row.reason = unavailable_reason(record)
            unavailable.append(row)
            continue
        row.enabled = record.name in enabled
        change = changes.get(record.name)
        if change is not None:
            row.changed_at, row.changed_by = change.changed_at, change.changed_by
        if not row.enabled:
            try:
                row.extras = extras_for(record.name, enabled)
                row.extras_titles = [title_of(name) for name in row.extras]
            except PluginToggleError as exc:
                row.reason = str(exc)
        toggleable.append(row)
    return _by_title(toggleable), _by_title(unavailable), _by_title(builtin)


def _by_title(rows: list[ModuleRow]) -> list[ModuleRow]:
    return sorted(rows, key=lambda r: (r.title, r.name))


@bp.route("/modules")
@require_permission(MODULE_MANAGE)
def modules() -> str:
    toggleable, unavailable, builtin = module_rows(g.enabled_plugins)
    return render_template("tenants/admin/modules.html", modules=toggleable,
                           unavailable=unavailable, builtin=builtin, title_of=title_of)


def _toggleable_record(name: str) -> PluginRecord:
    """The plugin a module URL names; 404 for names that are not a bureau's to switch."""
    record = plugin_manager().records.get(name)
    if record is None or record.always_on:
        abort(404)
    return record


def _back() -> Response:
    return redirect(url_for("tenants_admin.modules"))


def _actor() -> dict[str, Any]:
    return {"actor": current_user.username, "actor_user_id": current_user.id}


@bp.route("/modules/<plugin>/enable", methods=["GET", "POST"])
@require_permission(MODULE_MANAGE)
def enable(plugin: str) -> Any:
    """GET: what enabling would switch on, to confirm. POST: enable (after confirmation)."""
    record = _toggleable_record(plugin)
    reason, extras = "", []
    if not record.loaded:
        reason = unavailable_reason(record)
    elif plugin not in g.enabled_plugins:
        try:
            extras = extras_for(plugin, g.enabled_plugins)
        except PluginToggleError as exc:
            reason = str(exc)
    already = record.loaded and plugin in g.enabled_plugins
    if request.method == "GET":
        return render_template("tenants/admin/enable.html", plugin=plugin,
                               title=title_of(plugin), extras=extras, reason=reason,
                               already=already, title_of=title_of)
    if reason:
        flash(reason, "danger")
        return _back()
    if already:
        flash(_("%(title)s is already enabled.", title=title_of(plugin)), "info")
        return _back()
    confirmed = set(request.form.getlist("also"))
    if set(extras) - confirmed:
        # The page that posted did not show everything that would be switched on.
        flash(_("Enabling %(title)s also enables other modules; please confirm.",
                title=title_of(plugin)), "warning")
        return redirect(url_for("tenants_admin.enable", plugin=plugin))
    try:
        newly = enable_plugin(g.tenant, plugin, **_actor())
    except PluginToggleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _back()
    db.session.commit()
    flash(_("Enabled: %(titles)s.", titles="、".join(title_of(n) for n in newly)), "success")
    return _back()


@bp.route("/modules/<plugin>/disable", methods=["POST"])
@require_permission(MODULE_MANAGE)
def disable(plugin: str) -> Response:
    record = _toggleable_record(plugin)
    dependents = dependents_enabled(g.tenant, plugin)
    if dependents:
        flash(_("%(title)s cannot be disabled: %(dependents)s require it. Disable those first.",
                title=title_of(plugin), dependents="、".join(title_of(d) for d in dependents)),
              "danger")
        return _back()
    try:
        changed = disable_plugin(g.tenant, record.name, **_actor())
    except PluginToggleError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _back()
    db.session.commit()
    if changed:
        flash(_("%(title)s disabled. Its records are kept and come back when it is enabled "
                "again.", title=title_of(plugin)), "success")
    else:
        flash(_("%(title)s was not enabled.", title=title_of(plugin)), "info")
    return _back()


# --- settings ----------------------------------------------------------------------------


def plugins_with_settings(enabled: frozenset[str]) -> list[PluginRecord]:
    manager = plugin_manager()
    found = [manager.records[name] for name in enabled
             if name in manager.records and manager.records[name].loaded
             and manager.records[name].info.settings_schema is not None]
    return sorted(found, key=lambda r: (str(r.info.title), r.name))


def _edit(proxy: SettingsProxy, here: str, **page: Any) -> Any:
    """The settings form of one namespace: shown, validated, saved and audited."""
    form = settings_form(proxy.schema, proxy.get_all())
    if request.method == "POST":
        changed = save_settings(form, proxy)
        if changed is not None:
            if changed:
                audit("settings.update", target_type="tenant_settings",
                      summary=proxy.namespace,
                      details=audit_details(proxy.schema, changed))
            db.session.commit()
            forget_display_names()
            flash(_("Settings saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            return redirect(here)
        db.session.rollback()  # nothing was stored; drop what the failed attempt read
    return render_template("tenants/admin/settings.html", form=form,
                           defaults=defaults_shown(proxy.schema), **page)


@bp.route("/settings", methods=["GET", "POST"])
@require_permission(SETTINGS_MANAGE)
def settings() -> Any:
    return _edit(tenant_profile(), url_for("tenants_admin.settings"), plugin=None,
                 heading=_("Bureau settings"),
                 plugins=plugins_with_settings(g.enabled_plugins))


@bp.route("/settings/<plugin>", methods=["GET", "POST"])
@require_permission(SETTINGS_MANAGE)
def plugin_settings(plugin: str) -> Any:
    record = plugin_manager().records.get(plugin)
    if (record is None or not record.loaded or plugin not in g.enabled_plugins
            or record.info.settings_schema is None):
        abort(404)
    return _edit(tenant_settings(plugin, record.info.settings_schema),
                 url_for("tenants_admin.plugin_settings", plugin=plugin), plugin=record,
                 heading=_("Settings of %(title)s", title=title_of(plugin)), plugins=[])
