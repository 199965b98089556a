"""A plugin implementing a hook that does not exist (a typo of nav_items)."""

from core.sdk import PluginInfo, hookimpl

plugin_info = PluginInfo(name="kit_unknown_hook", title="Kit Unknown Hook")


@hookimpl
def nav_itemz(tenant, user):
    return []
