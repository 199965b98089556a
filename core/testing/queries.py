"""Count the SQL statements a block of code sends to the database.

The N+1 test (tests/test_query_counts.py) requests a page with N rows and with 3N rows and
asserts the statement count does not grow; a plugin author can do the same for their pages::

    from core.testing.queries import count_statements

    with count_statements(app) as statements:
        assert client.get("/t/jiange/hotline/").status_code == 200
    assert len(statements) <= 10, "\\n".join(statements)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.db import db

__all__ = ["count_statements"]


@contextmanager
def count_statements(app: Flask | None = None, engine: Engine | None = None
                     ) -> Iterator[list[str]]:
    """Yield a list that collects the SQL text of every statement executed on the engine
    (``engine``, else ``app``'s ``db.engine``, else the current app's) inside the block.

    The listener sits on the engine, not a session, so statements of every session and
    connection count, including those a request opens. Executemany batches count once: the
    driver sends them as one round trip, which is what a per-row query is not.
    """
    if engine is None:
        if app is not None:
            with app.app_context():
                engine = db.engine
        else:
            engine = db.engine
    statements: list[str] = []

    def _record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _record)
