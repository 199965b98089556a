"""A vendor plugin claiming to be an always-on built-in module."""

from core.sdk import PluginInfo

plugin_info = PluginInfo(name="kit_always_on", title="Kit Always On", always_on=True)
