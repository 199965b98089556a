"""The error the people validators raise: a message for the user, translated lazily."""

from __future__ import annotations


class InvalidValue(ValueError):
    """A value the user must correct; ``message`` is a lazy translation (English msgid)."""

    def __init__(self, message: object) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
