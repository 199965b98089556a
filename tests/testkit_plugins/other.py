"""A second independent good plugin, to show that hooks reach only enabled plugins."""

from __future__ import annotations

from flask import Blueprint

from core.sdk import NavItem, PluginInfo, hookimpl

from testkit_plugins import record

NAME = "kit_other"

plugin_info = PluginInfo(name=NAME, title="Kit Other")


@hookimpl
def register_blueprints(app):
    bp = Blueprint(NAME, __name__)

    @bp.route("/")
    def index():
        return "kit_other page"

    return [bp]


@hookimpl
def nav_items(tenant, user):
    record(NAME, "nav_items", tenant.slug)
    return [NavItem(title="Kit Other Menu", endpoint=f"{NAME}.index", weight=70)]


@hookimpl
def plugin_enabled(tenant):
    record(NAME, "plugin_enabled", tenant.slug)


@hookimpl
def plugin_disabled(tenant):
    record(NAME, "plugin_disabled", tenant.slug)
