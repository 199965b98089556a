"""The legal aid documents (print pages registered with core's documents module)."""

from __future__ import annotations

from plugins.legal_aid.models import AidCase


def case_documents(case: AidCase) -> list[tuple[str, str]]:
    """(title, url) of the print pages that apply to the case now."""
    return []
