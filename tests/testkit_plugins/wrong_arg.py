"""A plugin whose hook implementation asks for an argument the hookspec does not pass."""

from core.sdk import PluginInfo, hookimpl

plugin_info = PluginInfo(name="kit_wrong_arg", title="Kit Wrong Arg")


@hookimpl
def nav_items(tenant, usr):
    return []
