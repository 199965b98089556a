"""Discovers, checks and registers plugins; each one loads in isolation.

A plugin that raises on import, breaks a naming rule, implements an unknown hook, needs a
core version we are not, or fails while registering its blueprints is recorded as FAILED
or INCOMPATIBLE with the error and left out; the platform boots without it.
"""

from __future__ import annotations

import enum
import importlib.metadata
import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from core.plugins import hookspecs
from core.plugins.info import PluginInfo, PluginInfoError
from core.plugins.markers import ENTRY_POINT_GROUP, PROJECT_NAME

log = logging.getLogger(__name__)

CORE_DISTRIBUTION = "fatong"


class PluginStatus(enum.StrEnum):
    LOADED = "loaded"
    FAILED = "failed"
    INCOMPATIBLE = "incompatible"
    BLOCKED = "blocked"  # installed, but not allowed on this deployment


@dataclass
class PluginRecord:
    name: str
    status: PluginStatus
    info: PluginInfo | None = None
    module: ModuleType | None = None
    error: str = ""
    distribution: str = ""
    builtin: bool = False

    @property
    def loaded(self) -> bool:
        return self.status is PluginStatus.LOADED

    @property
    def always_on(self) -> bool:
        return bool(self.info and self.info.always_on and self.builtin)

    @property
    def version(self) -> str:
        return (self.info.version if self.info else None) or ""


@dataclass(frozen=True)
class PluginSource:
    """Where a plugin comes from: an entry point, or a module core registers itself."""

    name: str
    load: Any  # callable returning the plugin module
    distribution: str
    version: str
    builtin: bool


def entry_point_sources() -> list[PluginSource]:
    sources = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        dist_name = (dist.metadata["Name"] if dist else "") or ""
        sources.append(PluginSource(
            name=ep.name,
            load=ep.load,
            distribution=dist_name,
            version=(dist.version if dist else "") or "",
            builtin=dist_name.lower() == CORE_DISTRIBUTION,
        ))
    return sorted(sources, key=lambda s: s.name)


def module_source(module: ModuleType, *, version: str = "", builtin: bool = True) -> PluginSource:
    """A plugin handed over as a module (core's own modules; throwaway plugins in tests)."""
    info: PluginInfo = module.plugin_info
    return PluginSource(name=info.name, load=lambda: module, distribution=CORE_DISTRIBUTION,
                        version=info.version or version, builtin=builtin)


class PluginManager:
    """The deployment's plugins: pluggy underneath, plus a record of every plugin found."""

    def __init__(self, core_version: str, allow: Iterable[str] | None = None,
                 block: Iterable[str] = ()) -> None:
        self.core_version = Version(core_version)
        self.allow = None if allow is None else frozenset(allow)
        self.block = frozenset(block)
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}

    # --- loading ------------------------------------------------------------------------

    def load(self, sources: Iterable[PluginSource]) -> None:
        for source in sources:
            self._load_one(source)
        self._drop_unmet_requirements()
        self.pm.check_pending()

    def _load_one(self, source: PluginSource) -> None:
        if source.name in self.records:
            previous = self.records[source.name]
            if previous.builtin and not source.builtin:
                # A vendor package must not take a core module (and with it login) down:
                # the built-in keeps the name, the newcomer is recorded as failed beside it.
                key = f"{source.name}@{source.distribution or 'unknown'}"
                self.records[key] = PluginRecord(
                    name=key, status=PluginStatus.FAILED, distribution=source.distribution,
                    error=f"plugin name {source.name!r} belongs to a built-in module")
                log.error("plugin %s from %s refused: name of a built-in module",
                          source.name, source.distribution)
                return
            self._fail(previous.name, f"plugin name {source.name!r} is installed twice "
                                      f"({previous.distribution} and {source.distribution})")
            return
        record = PluginRecord(name=source.name, status=PluginStatus.FAILED,
                              distribution=source.distribution, builtin=source.builtin)
        self.records[source.name] = record
        try:
            module = source.load()
            info = getattr(module, "plugin_info", None)
            if not isinstance(info, PluginInfo):
                raise PluginInfoError("the module has no plugin_info = PluginInfo(...)")
            if info.version is None:
                info = _replace(info, version=source.version)
            record.info = info
            info.validate()
            if info.name != source.name:
                raise PluginInfoError(
                    f"entry point name {source.name!r} differs from plugin_info.name "
                    f"{info.name!r}"
                )
            if info.always_on and not source.builtin:
                raise PluginInfoError("only built-in modules may be always_on")
        except Exception as exc:  # noqa: BLE001 - any failure of a plugin is recorded
            record.error = _describe(exc)
            log.error("plugin %s failed to load: %s", source.name, record.error)
            return
        record.module = module
        if info.requires_core:
            try:
                compatible = SpecifierSet(info.requires_core).contains(
                    self.core_version, prereleases=True)
            except InvalidSpecifier as exc:
                record.error = f"requires_core {info.requires_core!r} is not a version range: {exc}"
                return
            if not compatible:
                record.status = PluginStatus.INCOMPATIBLE
                record.error = (f"needs core {info.requires_core}, this core is "
                                f"{self.core_version}")
                return
        if not self.is_allowed(info):
            record.status = PluginStatus.BLOCKED
            return
        try:
            self.pm.register(module, name=info.name)
            self.pm.check_pending()
        except Exception as exc:  # noqa: BLE001
            if self.pm.is_registered(module):
                self.pm.unregister(module)
            record.error = _describe(exc)
            log.error("plugin %s failed to register: %s", source.name, record.error)
            return
        record.status = PluginStatus.LOADED

    def is_allowed(self, info: PluginInfo) -> bool:
        if info.always_on:
            return True
        if info.name in self.block:
            return False
        return self.allow is None or info.name in self.allow

    def _drop_unmet_requirements(self) -> None:
        changed = True
        while changed:
            changed = False
            for record in self.records.values():
                if not record.loaded or not record.info:
                    continue
                missing = [r for r in record.info.requires if not self.is_loaded(r)]
                if missing:
                    self._fail(record.name, "requires plugins that are not available: "
                               + ", ".join(missing))
                    changed = True

    def _fail(self, name: str, error: str) -> None:
        record = self.records[name]
        if record.module is not None and self.pm.is_registered(record.module):
            self.pm.unregister(record.module)
        record.status = PluginStatus.FAILED
        record.error = error
        self._subset.cache_clear()
        log.error("plugin %s disabled: %s", name, error)

    def fail(self, name: str, exc: BaseException) -> None:
        """Take a loaded plugin out after a failure in one of its startup hooks.

        Plugins that require it go too, as they would have had it failed while loading.
        """
        self._fail(name, _describe(exc))
        self._drop_unmet_requirements()

    # --- queries ------------------------------------------------------------------------

    def is_loaded(self, name: str) -> bool:
        record = self.records.get(name)
        return bool(record and record.loaded)

    def loaded(self) -> list[PluginRecord]:
        return [r for r in self.records.values() if r.loaded]

    def always_on_names(self) -> frozenset[str]:
        return frozenset(r.name for r in self.loaded() if r.always_on)

    def toggleable(self) -> list[PluginRecord]:
        """Loaded plugins a tenant may switch on or off."""
        return [r for r in self.loaded() if not r.always_on]

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a startup hook plugin by plugin; a plugin that raises is taken out."""
        results = []
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            name = self.pm.get_name(impl.plugin)
            try:
                results.append((name, impl.function(**kwargs)))
            except Exception as exc:  # noqa: BLE001
                self.fail(name, exc)
        return results

    def hooks_for(self, enabled: frozenset[str]) -> TenantHooks:
        """Hook callers limited to the given set of plugin names (cached per set)."""
        return self._subset(frozenset(enabled) | self.always_on_names())

    def hook_of(self, plugin_name: str, hook_name: str) -> pluggy.HookCaller:
        """A caller for one plugin's implementation of a hook (lifecycle hooks)."""
        return self._subset(frozenset({plugin_name})).caller(hook_name)

    @lru_cache(maxsize=256)  # noqa: B019 - the manager lives as long as the app
    def _subset(self, names: frozenset[str]) -> TenantHooks:
        return TenantHooks(self.pm, names)


class TenantHooks:
    """Attribute access to hook callers that only reach one set of plugins.

    ``hooks.nav_items(tenant=t, user=u)`` calls the hook on the plugins in the set; built on
    ``pluggy.PluginManager.subset_hook_caller``.
    """

    def __init__(self, pm: pluggy.PluginManager, names: frozenset[str]) -> None:
        self._pm = pm
        self.names = names
        self._callers: dict[str, pluggy.HookCaller] = {}

    def caller(self, hook_name: str) -> pluggy.HookCaller:
        found = self._callers.get(hook_name)
        if found is None:
            removed = [plugin for name, plugin in self._pm.list_name_plugin()
                       if name not in self.names]
            found = self._pm.subset_hook_caller(hook_name, remove_plugins=removed)
            self._callers[hook_name] = found
        return found

    def __getattr__(self, hook_name: str) -> pluggy.HookCaller:
        if hook_name.startswith("_"):
            raise AttributeError(hook_name)
        return self.caller(hook_name)


def _replace(info: PluginInfo, **changes: Any) -> PluginInfo:
    from dataclasses import replace

    return replace(info, **changes)


def _describe(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"
