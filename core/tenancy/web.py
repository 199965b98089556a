"""Tenant resolution for ``/t/<tenant>/…`` URLs and the plugin gate on each request.

Order of checks on a tenant URL, all answering 404 so that nothing tells one tenant from
another: unknown slug; tenant not active; a session bound to another tenant; a plugin
blueprint the tenant has not enabled.

Every tenant page pays for this, so it is one statement when the session is bound to a
tenant (every logged-in request): the tenant, its enabled plugins (outer-joined, one row
each) and whether it has a listed child tenant (a correlated EXISTS, for the navigation).
The plugin rows can only be read inside a tenant (ORM scoping, row-level security), and the
bound tenant is known from the signed cookie before the slug is resolved: the statement
runs in that tenant, and a slug of any other tenant is a 404 anyway. Without a bound
tenant (login page, public pages) the plugins are a second statement, as before.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, g, has_request_context, request, session
from sqlalchemy import and_, select

from core.db import db
from core.plugins.enablement import TenantPlugin, enabled_plugins, hooks_for, remember_enabled
from core.tenancy.context import reset_request_tenant, set_request_tenant, tenant_context
from core.tenancy.models import Tenant, TenantStatus, listed_child_exists

TENANT_ARG = "tenant"
SESSION_TENANT_KEY = "tenant_id"
#: flask.g key: tenant id -> whether it has a listed child, read with the request's tenant.
_LISTED_CHILD_KEY = "_fatong_listed_child"


def tenant_by_slug(slug: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _load_tenant(slug: str, bound: int | None) -> Tenant | None:
    """The tenant of ``slug`` (None if unknown), remembering for the request whether it has
    a listed child and, when the session is bound to it, which plugins it has enabled."""
    listed_child = listed_child_exists().label("has_listed_child")
    if bound is None:
        row = db.session.execute(
            select(Tenant, listed_child).where(Tenant.slug == slug)).first()
        if row is None:
            return None
        tenant, has_child = row
    else:
        # Inside the bound tenant: the outer join's tenant criterion (and row-level
        # security) let only that tenant's plugin rows through.
        with tenant_context(bound):
            rows = db.session.execute(
                select(Tenant, listed_child, TenantPlugin.plugin)
                .outerjoin(TenantPlugin, and_(TenantPlugin.tenant_id == Tenant.id,
                                              TenantPlugin.enabled.is_(True)))
                .where(Tenant.slug == slug)).all()
        if not rows:
            return None
        tenant, has_child = rows[0][0], rows[0][1]
        if tenant.id == bound:
            remember_enabled(tenant.id, [plugin for *_, plugin in rows if plugin is not None])
    g.setdefault(_LISTED_CHILD_KEY, {})[tenant.id] = bool(has_child)
    return tenant


def known_listed_child(tenant_id: int) -> bool | None:
    """Whether the request's tenant has a listed child tenant, as read with it; None when
    not known (another tenant, no request)."""
    if not has_request_context():
        return None
    return g.get(_LISTED_CHILD_KEY, {}).get(tenant_id)


def _resolve_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values or TENANT_ARG not in values:
        return
    slug = values.pop(TENANT_ARG)
    bound = session.get(SESSION_TENANT_KEY)
    # A bool is an int too; only a real tenant id from the cookie picks the tenant to read in.
    tenant = _load_tenant(slug, bound if type(bound) is int else None)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        abort(404)
    if bound is not None and bound != tenant.id:
        abort(404)
    g.tenant = tenant
    g._tenant_token = set_request_tenant(tenant.id)
    g.enabled_plugins = enabled_plugins(tenant)
    plugin = plugin_of_blueprint(request.blueprint)
    if plugin is not None and plugin not in g.enabled_plugins:
        abort(404)


def _fill_tenant(endpoint: str, values: dict[str, Any]) -> None:
    tenant = g.get("tenant")
    if tenant is None or TENANT_ARG in values:
        return
    from flask import current_app

    if current_app.url_map.is_endpoint_expecting(endpoint, TENANT_ARG):
        values[TENANT_ARG] = tenant.slug


def _release_tenant(exc: BaseException | None) -> None:
    token = g.pop("_tenant_token", None)
    if token is not None:
        reset_request_tenant(token)


def plugin_of_blueprint(blueprint: str | None) -> str | None:
    """The toggleable plugin that owns a blueprint (None for core and always-on modules)."""
    if blueprint is None:
        return None
    from flask import current_app

    owners: dict[str, str] = current_app.extensions["fatong.blueprint_plugins"]
    return owners.get(blueprint.split(".")[0])


def current_hooks():
    """Hook callers for the request's tenant (only its enabled plugins)."""
    return hooks_for(g.tenant, g.enabled_plugins)


def init_tenancy_web(app: Flask) -> None:
    app.url_value_preprocessor(_resolve_tenant)
    app.url_defaults(_fill_tenant)
    app.teardown_request(_release_tenant)
