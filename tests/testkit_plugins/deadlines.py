"""Plugins for the deadlines centre (tests/test_deadlines.py).

The module itself is ``kit_deadlines``, returning fixed items relative to :data:`TODAY`;
:data:`broken` is a second plugin (``kit_deadlines_broken``) whose hook raises.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import ModuleType

from core.sdk import Deadline, PluginInfo, hookimpl

from testkit_plugins import record

NAME = "kit_deadlines"
BROKEN_NAME = "kit_deadlines_broken"
LINE = "Kit Deadline Line"
TODAY = date(2025, 6, 10)  # the tests freeze the clock on this day (Asia/Shanghai)

plugin_info = PluginInfo(
    name=NAME,
    title="Kit Deadlines",
    description="A throwaway plugin with items coming due.",
    version="1.0.0",
    vendor="Testkit",
    requires_core=">=0.1,<1",
)

# title -> days from TODAY; listed out of order on purpose (the page sorts by due date).
ITEMS = {
    "Kit later 10": 10,
    "Kit overdue 2": -2,
    "Kit today": 0,
    "Kit soon 3": 3,
    "Kit overdue 5": -5,
    "Kit soon 5": 5,
    "Kit later 40": 40,
}


@hookimpl
def deadlines(tenant, user):
    record(NAME, "deadlines", tenant.slug)
    return [Deadline(title=title, due=TODAY + timedelta(days=offset), line=LINE,
                     url=f"/kit/deadline/{offset}",
                     severity="critical" if offset < 0 else "normal")
            for title, offset in ITEMS.items()]


def _make_broken() -> ModuleType:
    # Built in a function so that the kit_deadlines module does not itself carry the raising
    # implementation (pluggy registers every marked function found on a plugin).
    @hookimpl
    def deadlines(tenant, user):
        record(BROKEN_NAME, "deadlines", tenant.slug)
        raise RuntimeError("kit deadlines broken on purpose")

    module = ModuleType(f"{__name__}_broken")
    module.plugin_info = PluginInfo(
        name=BROKEN_NAME, title="Kit Broken Deadlines",
        description="A throwaway plugin whose deadlines hook raises.",
        version="1.0.0", vendor="Testkit", requires_core=">=0.1,<1")
    module.deadlines = deadlines
    return module


broken = _make_broken()
