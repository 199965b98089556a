"""A plugin that requires kit_good: enabling it must enable kit_good first."""

from __future__ import annotations

from flask import Blueprint

from core.sdk import NavItem, PluginInfo, hookimpl

from testkit_plugins import record

NAME = "kit_needs_good"

plugin_info = PluginInfo(name=NAME, title="Kit Needs Good", requires=("kit_good",))


@hookimpl
def register_blueprints(app):
    bp = Blueprint(NAME, __name__)

    @bp.route("/")
    def index():
        return "kit_needs_good page"

    return [bp]


@hookimpl
def nav_items(tenant, user):
    record(NAME, "nav_items", tenant.slug)
    return [NavItem(title="Kit Needs Good Menu", endpoint=f"{NAME}.index", weight=60)]


@hookimpl
def plugin_enabled(tenant):
    record(NAME, "plugin_enabled", tenant.slug)


@hookimpl
def plugin_disabled(tenant):
    record(NAME, "plugin_disabled", tenant.slug)
