"""View decorators of the admin pages: objects resolved before permissions, any-of checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort

from core.access.checks import has_permission, require_any_permission  # noqa: F401 - re-exported
from core.db import db

F = TypeVar("F", bound=Callable[..., Any])


def load(model: type, argument: str, name: str) -> Callable[[F], F]:
    """Replace the URL id ``argument`` by the ``model`` row, or answer 404.

    Put it ABOVE ``require_permission``: an id of another tenant (or none at all) is 404 for
    everybody, as the architecture requires, before the permission check can answer 403.
    ``functools.wraps`` copies ``_fatong_permission`` up, so the route still declares it.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            row = db.session.get(model, kwargs.pop(argument))
            if row is None:
                abort(404)
            kwargs[name] = row
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
