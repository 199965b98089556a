"""The tenants module registers itself through the plugin hooks, always on.

Its pages: ``/signup`` (bureaus apply), ``/platform/…`` (operators decide and oversee),
``/t/<slug>/admin/modules`` and ``/t/<slug>/admin/settings`` (a tenant's system
administrator), ``/t/<slug>/subordinates`` (a city or province bureau's view of its children).
"""

from __future__ import annotations

from importlib import import_module

from flask_babel import lazy_gettext as _l

from core.sdk import PluginInfo, hookimpl
from tenants import models  # noqa: F401 - the lifecycle tables join the metadata at load

plugin_info = PluginInfo(
    name="tenants",
    title=_l("Tenants"),
    description=_l("Tenant lifecycle: signup, approval, modules, settings and hierarchy."),
    vendor="Fatong",
    always_on=True,
)

VIEW_MODULES = (
    "tenants.signup_views",
    "tenants.platform_views",
    "tenants.admin_views",
    "tenants.rollup_views",
)


def _views(name: str):
    return import_module(name)


@hookimpl
def register_blueprints(app):
    return [_views(name).bp for name in VIEW_MODULES]


@hookimpl
def register_permissions():
    from tenants.permissions import PERMISSIONS

    return PERMISSIONS


@hookimpl
def role_templates():
    from tenants.permissions import ROLE_TEMPLATES

    return ROLE_TEMPLATES


@hookimpl
def nav_items(tenant, user):
    return [*_views("tenants.admin_views").nav_items(tenant, user),
            *_views("tenants.rollup_views").nav_items(tenant, user)]


@hookimpl
def platform_nav_items():
    return _views("tenants.platform_views").platform_nav_items()


@hookimpl
def tenant_activity(tenant, since):
    return _views("tenants.rollup_views").core_activity(tenant, since)


@hookimpl
def register_commands(cli):
    from tenants.cli import demo, seed_scale_command, tenants_group

    cli.add_command(tenants_group)
    cli.add_command(demo)
    cli.add_command(seed_scale_command)
