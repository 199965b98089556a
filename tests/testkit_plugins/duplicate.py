"""A plugin the tests install twice, as two distributions would."""

from core.sdk import PluginInfo, hookimpl

from testkit_plugins import record

NAME = "kit_dup"

plugin_info = PluginInfo(name=NAME, title="Kit Duplicate")


@hookimpl
def register_blueprints(app):
    record(NAME, "register_blueprints")
    return []
