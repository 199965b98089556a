"""A plugin whose name is not a lowercase identifier."""

from core.sdk import PluginInfo

plugin_info = PluginInfo(name="Kit-Bad", title="Kit Bad Name")
