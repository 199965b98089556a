"""A plugin that takes a name core keeps for itself."""

from core.sdk import PluginInfo

plugin_info = PluginInfo(name="platform", title="Kit Reserved Name")
