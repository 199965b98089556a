"""A plugin that requires kit_register_error, which fails during start-up."""

from core.sdk import NavItem, PluginInfo, hookimpl

from testkit_plugins import record

NAME = "kit_needs_broken"

plugin_info = PluginInfo(name=NAME, title="Kit Needs Broken", requires=("kit_register_error",))


@hookimpl
def nav_items(tenant, user):
    record(NAME, "nav_items", tenant.slug)
    return [NavItem(title="Kit Needs Broken Menu", endpoint="home.index")]
