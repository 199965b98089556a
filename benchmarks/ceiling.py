"""The ceiling of the HTTP benchmark (``python -m benchmarks.http``): a bare Flask +
SQLAlchemy Core app that issues, for each benchmarked page, exactly the SQL the real app
issued for it (recorded by benchmarks/http/record.py), in one transaction, and answers a
trivial HTML body with the row counts. No ORM, no templates, no login, no tenant machinery:
what is left is Flask's request handling, the pool and the database, so the real app's
requests per second over the ceiling's is the share of the time its own code costs.

Served by gunicorn as ``benchmarks.ceiling:create_app()`` with ``BENCH_CEILING_RECORDING``
(the recording's JSON file) and optionally ``BENCH_CEILING_DATABASE_URL`` (default: the URL
the recording was made on). Routes: ``/<slug>/<page key>``; ``/`` answers for the liveness
probe.

The recording includes what the real app's engine sends besides the page's own queries, in
order: the pool's pre-ping (``;``) and row-level security's ``SET LOCAL`` pair
(core/tenancy/rls.py). The ceiling replays those too and so runs its engine without
``pool_pre_ping`` and without the tenant listener, to send each of them exactly once.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path
from time import perf_counter
from typing import Any

from flask import Flask, abort
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from benchmarks.http.params import decode

RECORDING_ENV = "BENCH_CEILING_RECORDING"
DATABASE_ENV = "BENCH_CEILING_DATABASE_URL"


@dataclass(frozen=True)
class Replayable:
    """One recorded statement, parameters decoded once at load time."""

    sql: str
    params: Any  # a dict, a sequence, None (sent without parameters), or a list (executemany)
    many: bool = False


def replayables(statements: list[dict[str, Any]]) -> list[Replayable]:
    """The recording's statements (``{"sql", "params", "many", …}``) ready to send."""
    return [Replayable(item["sql"], decode(item["params"]), bool(item.get("many")))
            for item in statements]


def replay(connection: Connection, statements: list[Replayable],
           timings: list[float] | None = None) -> list[int | None]:
    """Send ``statements`` in order on ``connection`` (inside its transaction) and fetch
    every row; the row count of each (None for a statement returning none). ``timings``,
    when given, receives each statement's wall time in seconds."""
    counts: list[int | None] = []
    for statement in statements:
        started = perf_counter()
        if statement.params is None:
            # As the application sent it: no parameters, so no placeholder parsing either.
            result = connection.exec_driver_sql(statement.sql)
        else:
            result = connection.exec_driver_sql(statement.sql, statement.params)
        counts.append(len(result.fetchall()) if result.returns_rows else None)
        if timings is not None:
            timings.append(perf_counter() - started)
    return counts


def load(path: str | Path) -> tuple[str, dict[tuple[str, str], list[Replayable]]]:
    """The recording's database URL and its statements by (tenant slug, page key)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    pages = {(page["slug"], page["key"]): replayables(page["statements"])
             for page in data["pages"]}
    return data["database_url"], pages


def create_app(recording: str | Path | None = None, database_url: str | None = None) -> Flask:
    """The bare app; arguments default to the environment (see the module's docstring)."""
    recorded_url, pages = load(recording or os.environ[RECORDING_ENV])
    # The pool as the real app has it (Flask-SQLAlchemy keeps SQLAlchemy's QueuePool
    # defaults), minus pre-ping: the recorded ping is replayed instead.
    engine = create_engine(database_url or os.environ.get(DATABASE_ENV) or recorded_url)
    app = Flask(__name__)
    app.extensions["bench.engine"] = engine

    @app.get("/")
    def alive() -> str:
        return "ok"

    @app.get("/<slug>/<key>")
    def page(slug: str, key: str) -> tuple[str, int, dict[str, str]]:
        statements = pages.get((slug, key))
        if statements is None:
            abort(404)
        with engine.begin() as connection:
            counts = replay(connection, statements)
        rows = " ".join("-" if count is None else str(count) for count in counts)
        body = (f"<!doctype html><title>{escape(key)}</title>"
                f"<p>{len(counts)} statements; rows: {rows}</p>")
        return body, 200, {"Content-Type": "text/html; charset=utf-8",
                           "X-Statements": str(len(counts))}

    return app
