"""The legal aid line's WTForms forms, one module per area of the pages."""

from __future__ import annotations

from typing import Any

from wtforms.fields import SelectChoice


def options(pairs: Any) -> list[SelectChoice]:
    """``(value, label)`` pairs as select choices (WTForms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]
