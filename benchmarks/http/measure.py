"""Measure one database: record the pages' SQL, load the real app under gunicorn, then the
ceiling (benchmarks/ceiling.py) replaying that SQL, with the same settings.

The servers run one after the other, never side by side: on two cores they would take CPU
from each other.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.http import load, serve
from benchmarks.http.load import LoadResult
from benchmarks.http.pages import STATISTICS, choose_pages
from benchmarks.http.record import PageRecording, record_pages, statement_kind, time_statements

#: How many of a page's slowest statements the report names.
TOP_STATEMENTS = 3


@dataclass
class PageResult:
    """A page measured on one database (over every tenant slug measured)."""

    key: str
    title: str
    kind: str
    path: str  # the first tenant's
    statements: int  # sent per request (the most over the tenants)
    breakdown: dict[str, int]  # statement kind -> count, for the first tenant
    db_ms: float  # the first tenant's statements replayed alone: sum of their medians
    top: list[tuple[float, int | None, str]]  # slowest statements: (median ms, rows, SQL)
    app: LoadResult | None = None
    ceiling: LoadResult | None = None
    single_ms: float | None = None  # one request timed alone (statistics pages)

    @property
    def ratio(self) -> float | None:
        if not self.app or not self.ceiling or not self.ceiling.rps:
            return None
        return self.app.rps / self.ceiling.rps

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["app"] = self.app.to_json() if self.app else None
        data["ceiling"] = self.ceiling.to_json() if self.ceiling else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageResult:
        data = dict(data)
        for name in ("app", "ceiling"):
            data[name] = LoadResult(**data[name]) if data.get(name) else None
        data["top"] = [tuple(item) for item in data["top"]]
        return cls(**data)


@dataclass
class SizeResult:
    """One database measured: how many tenants it holds, which were loaded, the pages."""

    tenants: int
    slugs: list[str]
    database: str  # URL without password
    measured_at: str
    server_version: str
    pages: list[PageResult] = field(default_factory=list)
    load_average: str = ""  # the machine's, when the measuring started: is it shared?

    def page(self, key: str) -> PageResult | None:
        return next((page for page in self.pages if page.key == key), None)

    def to_json(self) -> dict[str, Any]:
        return {**{name: getattr(self, name) for name in
                   ("tenants", "slugs", "database", "measured_at", "server_version",
                    "load_average")},
                "pages": [page.to_json() for page in self.pages]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SizeResult:
        pages = [PageResult.from_json(page) for page in data["pages"]]
        return cls(**{**data, "pages": pages})


def _sql_head(sql: str, width: int = 240) -> str:
    """The statement on one line, its (long) column list elided: the FROM and WHERE say
    which query it is."""
    flat = re.sub(r"\s+", " ", sql).strip()
    flat = re.sub(r"^SELECT (.{60,}?) FROM ", "SELECT … FROM ", flat, count=1)
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def summarise(recordings: list[PageRecording]) -> list[PageResult]:
    """Per page key (first tenant first): statement counts, breakdown, DB time, top SQL."""
    results: dict[str, PageResult] = {}
    for recording in recordings:
        known = results.get(recording.key)
        count = len(recording.statements)
        if known is not None:
            known.statements = max(known.statements, count)
            continue
        breakdown: dict[str, int] = {}
        for statement in recording.statements:
            kind = statement_kind(statement["sql"])
            breakdown[kind] = breakdown.get(kind, 0) + 1
        timed = sorted(zip(recording.seconds, recording.statements, strict=True),
                       key=lambda pair: pair[0], reverse=True)
        results[recording.key] = PageResult(
            key=recording.key, title=recording.page.title, kind=recording.page.kind,
            path=recording.page.path, statements=count, breakdown=breakdown,
            db_ms=round(sum(recording.seconds) * 1000, 2),
            top=[(round(seconds * 1000, 2), statement["rows"], _sql_head(statement["sql"]))
                 for seconds, statement in timed[:TOP_STATEMENTS]])
    return list(results.values())


def _tenant_count(database_url: str) -> tuple[int, str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return (int(connection.scalar(text("SELECT count(*) FROM tenants"))),
                    str(connection.scalar(text("SHOW server_version"))))
    finally:
        engine.dispose()


def record(database_url: str, slugs: list[str], password: str) -> list[PageRecording]:
    """Choose each tenant's pages, record their SQL with the real app, time the SQL alone."""
    from core import create_app
    from core.db import db

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            chosen = {slug: choose_pages(connection, slug) for slug in slugs}
    finally:
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    try:
        recordings = [recording for slug in slugs
                      for recording in record_pages(app, slug, password, chosen[slug])]
    finally:
        with app.app_context():
            db.engine.dispose()
    time_statements(database_url, recordings)
    return recordings


def write_recording(path: Path, database_url: str, recordings: list[PageRecording]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"database_url": database_url,
                                "pages": [r.to_json() for r in recordings]},
                               ensure_ascii=False, indent=1), encoding="utf-8")


def _timed_load(server: str, page: str, base: str,
                targets: list[tuple[str, str]]) -> load.LoadResult:
    """Load one page on one server, printing the line the operator watches."""
    print(f"  {server:<8} {page:<18}", end=" ", flush=True)
    timing = load.load(base, targets)
    print(f"p50 {timing.p50_ms:7.1f} ms  p95 {timing.p95_ms:7.1f} ms  "
          f"{timing.rps:7.1f} req/s", flush=True)
    return timing


def _load_app(database_url: str, recordings: list[PageRecording], password: str,
              results: list[PageResult], log: Path) -> None:
    # The served app reads its settings from the environment, as in production; the
    # instance folder (secret key, master key) is this checkout's, as for the seeding.
    env = {"FATONG_DATABASE_URL": database_url}
    first_slug = recordings[0].slug
    with serve.gunicorn("core.app:create_app()", env, probe_path=f"/t/{first_slug}/login",
                        log_path=log) as base:
        cookies = {(r.slug, r.page.user): "" for r in recordings}
        for slug, user in cookies:
            cookies[slug, user] = serve.login_cookie(base, slug, user, password)
        for result in results:
            targets = [(r.page.path, cookies[r.slug, r.page.user]) for r in recordings
                       if r.key == result.key]
            for path, cookie in targets:
                status, _seconds = serve.fetch(base + path, cookie)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status} on the served app")
            result.app = _timed_load("app", result.key, base, targets)
            if result.kind == STATISTICS:
                status, seconds = serve.fetch(base + targets[0][0], targets[0][1])
                if status != 200:
                    raise RuntimeError(f"{targets[0][0]} answered {status} on the served app")
                result.single_ms = round(seconds * 1000, 1)


def _load_ceiling(recording_file: Path, recordings: list[PageRecording],
                  results: list[PageResult], log: Path) -> None:
    env = {"BENCH_CEILING_RECORDING": str(recording_file)}
    with serve.gunicorn("benchmarks.ceiling:create_app()", env, log_path=log) as base:
        for result in results:
            targets = [(f"/{r.slug}/{r.key}", "") for r in recordings if r.key == result.key]
            status, _seconds = serve.fetch(base + targets[0][0])
            if status != 200:
                raise RuntimeError(f"the ceiling answered {status} to {targets[0][0]}")
            result.ceiling = _timed_load("ceiling", result.key, base, targets)


def measure(database_url: str, slugs: list[str], password: str, workdir: Path) -> SizeResult:
    """Everything for one database (see the module); ``workdir`` keeps the recording and
    the servers' logs."""
    load.wrk_path()  # fail before the long part
    load_average = " ".join(f"{value:.2f}" for value in os.getloadavg())
    tenants, version = _tenant_count(database_url)
    name = make_url(database_url).database or "db"
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"== {name}: {tenants} tenant(s), measuring {', '.join(slugs)}", flush=True)
    recordings = record(database_url, slugs, password)
    recording_file = workdir / f"recording-{name}.json"
    write_recording(recording_file, database_url, recordings)
    results = summarise(recordings)
    log = workdir / f"gunicorn-{name}.log"
    _load_app(database_url, recordings, password, results, log)
    _load_ceiling(recording_file, recordings, results, log)
    return SizeResult(tenants=tenants, slugs=slugs,
                      database=make_url(database_url).render_as_string(hide_password=True),
                      measured_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                      server_version=version, pages=results, load_average=load_average)


def machine() -> dict[str, str]:
    """What the report says about the machine and the tools."""
    def first(path: str, prefix: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"

    try:
        wrk_version = subprocess.run([load.wrk_path(), "-v"], capture_output=True, text=True,
                                     check=False).stdout.split("\n")[0].split(" [")[0]
    except RuntimeError:
        wrk_version = "wrk (missing)"
    try:
        gunicorn_version = version("gunicorn")
    except PackageNotFoundError:
        gunicorn_version = "(missing)"
    memory_kb = first("/proc/meminfo", "MemTotal").split()[0]
    return {
        "cores": str(os.cpu_count()),
        "cpu": first("/proc/cpuinfo", "model name"),
        "memory": f"{int(memory_kb) / 1024 / 1024:.0f} GiB" if memory_kb.isdigit() else "?",
        "python": sys.version.split()[0],
        "gunicorn": f"gunicorn {gunicorn_version}, {serve.SETTINGS}",
        "load": f"{wrk_version}: {load.settings()}",
    }
