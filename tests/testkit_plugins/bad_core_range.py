"""A plugin whose requires_core is not a PEP 440 version range."""

from core.sdk import PluginInfo

plugin_info = PluginInfo(name="kit_bad_core_range", title="Kit Bad Range",
                         requires_core="version two or so")
