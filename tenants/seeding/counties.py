"""Which counties seed-scale creates: county-level units of the region registry."""

from __future__ import annotations

from dataclasses import dataclass

from core.regions import counties


@dataclass(frozen=True)
class SeededCounty:
    slug: str
    name: str
    region_code: str
    # The county's one-character abbreviation in document numbers (（2026）剑人调字第12号).
    abbreviation: str


def counties_for(count: int | None) -> list[SeededCounty]:
    """``count`` counties spread evenly over the registry (every one when ``None``); past the
    registry's 2,846 the list starts again with numbered duplicates (剑阁县司法局（2）),
    so that a capacity test can go beyond the real number."""
    registry = counties()
    count = len(registry) if count is None else count
    if count < 1:
        raise ValueError("at least one tenant")
    chosen: list[SeededCounty] = []
    for index in range(count):
        lap, position = divmod(index, len(registry))
        if count <= len(registry):
            position = index * len(registry) // count
        region = registry[position]
        suffix = f"-{lap + 1}" if lap else ""
        name = f"{region.name}司法局" + (f"（{lap + 1}）" if lap else "")
        chosen.append(SeededCounty(slug=f"c{region.code}{suffix}", name=name,
                                   region_code=region.code, abbreviation=region.name[0]))
    return chosen
