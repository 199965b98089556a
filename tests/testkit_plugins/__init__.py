"""Throwaway plugins for the plugin-platform tests (tests/test_plugins.py).

Each module is one plugin, good or deliberately broken. They are never installed as entry
points: tests hand them to ``make_app(..., PLUGIN_SOURCES=...)``. Every hook implementation
writes to :data:`CALLS`, so a test can prove a hook of a blocked or disabled plugin never ran.
"""

from __future__ import annotations

from typing import Any

# (plugin name, hook name, detail) in call order; tests clear it before they look.
CALLS: list[tuple[str, str, str]] = []


def record(plugin: str, hook: str, detail: Any = "") -> None:
    CALLS.append((plugin, hook, str(detail)))


def calls_of(plugin: str) -> list[tuple[str, str]]:
    """The (hook, detail) pairs recorded for one plugin."""
    return [(hook, detail) for name, hook, detail in CALLS if name == plugin]
