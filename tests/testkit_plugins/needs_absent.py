"""A plugin that requires a plugin nobody installed."""

from core.sdk import PluginInfo

plugin_info = PluginInfo(name="kit_needs_absent", title="Kit Needs Absent",
                         requires=("kit_absent",))
