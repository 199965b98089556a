"""A plugin whose register_blueprints raises."""

from core.sdk import NavItem, PluginInfo, hookimpl

from testkit_plugins import record

NAME = "kit_register_error"

plugin_info = PluginInfo(name=NAME, title="Kit Register Error")


@hookimpl
def register_blueprints(app):
    raise LookupError("kit_register_error cannot build its blueprint")


@hookimpl
def nav_items(tenant, user):
    record(NAME, "nav_items", tenant.slug)
    return [NavItem(title="Kit Register Error Menu", endpoint="home.index")]
