"""Small value types that plugins return from request-time hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    """One entry of the side navigation.

    ``title`` should be a lazy-translated string; ``endpoint`` a Flask endpoint of the
    plugin, resolved with the current tenant filled in. Lower ``weight`` sorts first.
    """

    title: Any
    endpoint: str
    weight: int = 100
    icon: str = ""
    url_values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DashboardCard:
    """A card on the workbench page: a title, a figure or short text, and a link."""

    title: Any
    value: Any
    endpoint: str | None = None
    note: Any = ""
    weight: int = 100
    url_values: dict[str, Any] = field(default_factory=dict)
