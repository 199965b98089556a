"""The plugin scaffold behind ``fatong new-plugin NAME`` (issue #7, docs/plugins.md)."""

from core.scaffold.command import new_plugin
from core.scaffold.render import PluginSpec, ScaffoldError, scaffold

__all__ = ["PluginSpec", "ScaffoldError", "new_plugin", "scaffold"]
