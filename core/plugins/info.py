"""``PluginInfo``: what a plugin says about itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PLUGIN_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

# Names core uses for its own URLs, tables and permissions.
RESERVED_NAMES = frozenset({"core", "platform", "static", "api", "login", "logout", "signup"})


class PluginInfoError(ValueError):
    """A plugin's metadata breaks a naming rule."""


@dataclass(frozen=True)
class PluginInfo:
    """Metadata every plugin module exposes as ``plugin_info``.

    ``name`` is a Python identifier and the prefix of the plugin's tables, permissions,
    blueprint, templates and settings. ``requires`` lists other plugins that must be enabled
    with it; ``requires_core`` is a PEP 440 range the running core must satisfy.
    ``settings_schema`` is a marshmallow Schema class for the plugin's tenant settings.
    ``always_on`` is reserved for built-in modules shipped with the core.
    """

    name: str
    title: Any
    description: Any = ""
    version: str | None = None
    vendor: str = ""
    requires: tuple[str, ...] = ()
    requires_core: str = ""
    settings_schema: type | None = None
    always_on: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if not PLUGIN_NAME_RE.match(self.name or ""):
            raise PluginInfoError(
                f"plugin name {self.name!r} must be 2-40 lowercase letters, digits or "
                "underscores, starting with a letter"
            )
        if self.name in RESERVED_NAMES:
            raise PluginInfoError(f"plugin name {self.name!r} is reserved by the core")
        if not isinstance(self.requires, tuple):
            raise PluginInfoError("requires must be a tuple of plugin names")
        for required in self.requires:
            if not PLUGIN_NAME_RE.match(required):
                raise PluginInfoError(f"requires names an invalid plugin {required!r}")
        if self.name in self.requires:
            raise PluginInfoError("a plugin cannot require itself")
        if self.settings_schema is not None:
            from marshmallow import Schema

            if not (isinstance(self.settings_schema, type)
                    and issubclass(self.settings_schema, Schema)):
                raise PluginInfoError("settings_schema must be a marshmallow Schema class")
