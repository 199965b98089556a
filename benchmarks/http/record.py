"""Record the SQL each benchmarked page sends: every statement with its parameters, in order,
exactly as it reaches the driver's cursor.

An engine event (``before_cursor_execute``) would miss what core/tenancy/rls.py sends: its
own ``before_cursor_execute`` listener issues the ``SET LOCAL`` pair straight on the cursor.
So the recorder installs a psycopg cursor class of its own on every new connection of the
app's engine (``cursor_factory``) and notes each ``execute``/``executemany`` call: the pool's
pre-ping, the settings, the queries. Transaction control (BEGIN, COMMIT) is psycopg's own
and not a cursor call; it is not a statement here either.

Each page is requested once to warm up (templates compiled, per-process caches filled, as in
a served app after the warm-up run), then once more while recording.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from psycopg import sql as psycopg_sql
from sqlalchemy import create_engine, event

from benchmarks.ceiling import replay, replayables
from benchmarks.http.pages import Page
from benchmarks.http.params import encode

#: What a recorded statement is, for the report's breakdown.
PING, SETTING, READ, WRITE = "ping", "setting", "read", "write"


def statement_kind(sql: str) -> str:
    head = sql.lstrip().upper()
    if head in ("", ";", "SELECT 1"):
        return PING
    if head.startswith(("SET ", "SELECT SET_CONFIG")):
        return SETTING
    if head.startswith(("INSERT", "UPDATE", "DELETE")):
        return WRITE
    return READ


@dataclass
class PageRecording:
    """A page of a tenant with what it sent; ``seconds`` (per statement, median of a few
    replays on a bare connection) is filled by :func:`time_statements`."""

    slug: str
    page: Page
    status: int
    statements: list[dict[str, Any]]
    seconds: list[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.page.key

    def to_json(self) -> dict[str, Any]:
        return {"slug": self.slug, **self.page.to_json(), "status": self.status,
                "statements": self.statements, "seconds": self.seconds}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageRecording:
        page = Page(**{name: data[name] for name in ("key", "title", "kind", "user", "path")})
        return cls(data["slug"], page, data["status"], data["statements"],
                   data.get("seconds", []))


class _Sink:
    statements: list[dict[str, Any]] | None = None


def _text(cursor: Any, query: Any) -> str:
    if isinstance(query, str):
        return query
    if isinstance(query, bytes):
        return query.decode()
    if isinstance(query, psycopg_sql.Composable):
        return query.as_string(cursor)
    raise TypeError(f"unexpected query object {type(query).__name__}")


class RecordingCursor(psycopg.Cursor):
    """psycopg's cursor, noting each statement while a recording is on."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        sink = _Sink.statements
        if sink is None:
            return super().execute(query, params, **kwargs)
        entry: dict[str, Any] = {"sql": _text(self, query), "params": encode(params),
                                 "many": False, "rows": None}
        sink.append(entry)  # before running it: the order is the order sent
        result = super().execute(query, params, **kwargs)
        if self.description is not None:
            entry["rows"] = self.rowcount
        return result

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> Any:
        sink = _Sink.statements
        if sink is None:
            return super().executemany(query, params_seq, **kwargs)
        params_seq = list(params_seq)
        sink.append({"sql": _text(self, query), "params": encode(params_seq), "many": True,
                     "rows": None})
        return super().executemany(query, params_seq, **kwargs)


def _use_recording_cursor(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.cursor_factory = RecordingCursor


@contextmanager
def recording_cursors(app: Flask) -> Iterator[None]:
    """Inside: every connection of ``app``'s engine makes :class:`RecordingCursor` cursors
    (the pool is emptied on entry and on exit, so that no connection escapes either way)."""
    from core.db import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.driver != "psycopg":
        raise RuntimeError("the recorder needs PostgreSQL through psycopg 3")
    event.listen(engine, "connect", _use_recording_cursor)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", _use_recording_cursor)
        engine.dispose()


@contextmanager
def capture() -> Iterator[list[dict[str, Any]]]:
    """The statements sent inside the block (by connections made under
    :func:`recording_cursors`)."""
    statements: list[dict[str, Any]] = []
    _Sink.statements = statements
    try:
        yield statements
    finally:
        _Sink.statements = None


def login(app: Flask, slug: str, username: str, password: str) -> FlaskClient:
    """A test client logged in to ``slug`` as ``username`` (the app must not check CSRF)."""
    client = app.test_client()
    response = client.post(f"/t/{slug}/login",
                           data={"username": username, "password": password})
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        raise RuntimeError(f"could not log in to {slug} as {username} "
                           f"(HTTP {response.status_code}): wrong password, or TOTP required?")
    return client


def record_pages(app: Flask, slug: str, password: str, pages: list[Page]) -> list[PageRecording]:
    """Log in as each page's user and record what each page sends (see the module)."""
    recordings = []
    clients: dict[str, FlaskClient] = {}
    with recording_cursors(app):
        for page in pages:
            client = clients.get(page.user)
            if client is None:
                client = clients[page.user] = login(app, slug, page.user, password)
            client.get(page.path)  # warm-up
            with capture() as statements:
                response = client.get(page.path)
            if response.status_code != 200:
                raise RuntimeError(f"{page.path} answered {response.status_code} to "
                                   f"{page.user}")
            recordings.append(PageRecording(slug, page, response.status_code, statements))
    return recordings


def time_statements(database_url: str, recordings: list[PageRecording], repeat: int = 5) -> None:
    """Fill each recording's ``seconds``: per statement, the median wall time over
    ``repeat`` replays of the page's statements in one transaction (rolled back) on a bare
    engine. What the database (and the round trip) costs, without the app."""
    engine = create_engine(database_url)
    try:
        for recording in recordings:
            statements = replayables(recording.statements)
            runs: list[list[float]] = []
            with engine.connect() as connection:
                for _ in range(repeat):
                    timings: list[float] = []
                    replay(connection, statements, timings)
                    connection.rollback()
                    runs.append(timings)
            recording.seconds = [statistics.median(column) for column in zip(*runs, strict=True)]
    finally:
        engine.dispose()
