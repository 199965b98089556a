"""Tenant resolution for ``/t/<tenant>/…`` URLs and the plugin gate on each request.

Order of checks on a tenant URL, all answering 404 so that nothing tells one tenant from
another: unknown slug; tenant not active; a session bound to another tenant; a plugin
blueprint the tenant has not enabled.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, g, request, session
from sqlalchemy import select

from core.db import db
from core.plugins.enablement import enabled_plugins, hooks_for
from core.tenancy.context import reset_request_tenant, set_request_tenant
from core.tenancy.models import Tenant, TenantStatus

TENANT_ARG = "tenant"
SESSION_TENANT_KEY = "tenant_id"


def tenant_by_slug(slug: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def _resolve_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values or TENANT_ARG not in values:
        return
    slug = values.pop(TENANT_ARG)
    tenant = tenant_by_slug(slug)
    if tenant is None or tenant.status != TenantStatus.ACTIVE:
        abort(404)
    bound = session.get(SESSION_TENANT_KEY)
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
