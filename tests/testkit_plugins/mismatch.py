"""A plugin whose plugin_info.name differs from its entry point's name (kit_alias)."""

from core.sdk import PluginInfo

plugin_info = PluginInfo(name="kit_mismatch", title="Kit Mismatch")
