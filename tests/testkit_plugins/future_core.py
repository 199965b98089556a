"""A plugin written for a core version far in the future."""

from core.sdk import PluginInfo, hookimpl

from testkit_plugins import record

NAME = "kit_future_core"

plugin_info = PluginInfo(name=NAME, title="Kit Future Core", requires_core=">=99")


@hookimpl
def register_blueprints(app):
    record(NAME, "register_blueprints")
    return []
