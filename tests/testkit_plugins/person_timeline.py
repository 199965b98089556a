"""A plugin contributing one record per person to the people registry's timeline."""

from __future__ import annotations

from datetime import date

from core.sdk import PersonRecord, PluginInfo, hookimpl

from testkit_plugins import record

NAME = "kit_timeline"
LINE = "Kit Line"

plugin_info = PluginInfo(
    name=NAME,
    title="Kit Timeline",
    description="A throwaway plugin with records about people.",
    version="1.0.0",
    vendor="Testkit",
    requires_core=">=0.1,<1",
)


@hookimpl
def person_records(tenant, person):
    record(NAME, "person_records", tenant.slug)
    return [
        PersonRecord(line=LINE, title=f"Kit case of {person.name}", date=date(2025, 5, 1),
                     url="/kit/case/1", summary="Applicant"),
        PersonRecord(line=LINE, title="Kit older case", date=date(2024, 1, 2)),
    ]
