"""The HTTP benchmark's harness (benchmarks/http, benchmarks/ceiling.py; issue #8 point 4).

gunicorn and wrk do not run here (``make bench`` runs them): on PostgreSQL the recorder
captures what a few pages send and the ceiling replays it through its own test client; on
any engine the parsing of wrk.lua's output, the parameter codec and the report writer run on
canned data.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine

from core.db import db

from conftest import PASSWORD, TenantFixture

# benchmarks/ is a folder of the checkout, not an installed package.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.http.load import LoadResult, parse_output  # noqa: E402
from benchmarks.http.measure import (  # noqa: E402
    PageResult,
    SizeResult,
    summarise,
    write_recording,
)
from benchmarks.http.pages import DETAIL, LIST, STATISTICS, choose_pages  # noqa: E402
from benchmarks.http.params import decode, encode  # noqa: E402
from benchmarks.http.record import (  # noqa: E402
    PING,
    READ,
    SETTING,
    record_pages,
    time_statements,
)
from benchmarks.http.report import (  # noqa: E402
    check_lines,
    evaluate,
    markdown,
    read_analysis,
    table,
)

# --- wrk.lua's output ----------------------------------------------------------------------

WRK_OUTPUT = """Running 8s test @ http://127.0.0.1:41234
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    21.37ms    4.02ms  61.20ms   90.12%
    Req/Sec    93.50      8.11   110.00     70.00%
  748 requests in 8.00s, 9.87MB read
Requests/sec:     93.49
Transfer/sec:      1.23MB
BENCH_RESULT {"requests": 748, "duration_us": 8001234, "p50_us": 20512, "p95_us": 28890, \
"p99_us": 40100, "mean_us": 21370.5, "max_us": 61200, "errors": {"connect": 0, "read": 0, \
"write": 0, "status": 2, "timeout": 0}}
""".replace("\\\n", "")


def test_the_result_line_of_wrk_lua_is_parsed() -> None:
    result = parse_output(WRK_OUTPUT)
    assert result.requests == 748
    assert result.p50_ms == pytest.approx(20.512)
    assert result.p95_ms == pytest.approx(28.89)
    assert result.rps == pytest.approx(748 / 8.001234)
    assert result.error_count == 2


def test_output_without_the_result_line_is_an_error() -> None:
    with pytest.raises(ValueError, match="BENCH_RESULT"):
        parse_output("Running 8s test @ http://127.0.0.1:1\n")


def test_the_lua_script_prints_the_percentiles() -> None:
    script = (ROOT / "benchmarks" / "http" / "wrk.lua").read_text()
    for call in ("latency:percentile(50)", "latency:percentile(95)", "BENCH_RESULT"):
        assert call in script


def test_parameters_survive_json() -> None:
    params = {"day": dt.date(2026, 3, 1),
              "at": dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC),
              "amount": Decimal("1200.50"), "blob": b"\x00\xff", "ids": (1, 2),
              "names": ["a", None], "flag": True, "n": 3, "none": None}
    back = decode(json.loads(json.dumps(encode(params))))
    assert back == params
    assert type(back["ids"]) is tuple and type(back["day"]) is dt.date
    assert decode(encode(None)) is None


# --- the report ----------------------------------------------------------------------------


def _load(p50: float, p95: float, rps: float) -> LoadResult:
    return LoadResult(requests=int(rps * 8), seconds=8.0, p50_ms=p50, p95_ms=p95,
                      p99_ms=p95, mean_ms=p50, max_ms=p95)


def _size(tenants: int, list_p95: float, statistics_ms: float) -> SizeResult:
    pages = [
        PageResult("mediation_list", "mediation cases", LIST, "/t/a/mediation/cases/", 9,
                   {PING: 1, SETTING: 2, READ: 6}, 4.0, [(2.0, 30, "SELECT 1 FROM mediation_case")],
                   _load(20, list_p95, 80), _load(10, 15, 100)),
        PageResult("mediation_detail", "mediation case detail", DETAIL, "/t/a/mediation/1", 14,
                   {PING: 1, SETTING: 2, READ: 11}, 6.0, [(3.5, 1, "SELECT slow")],
                   _load(30, 45, 50), _load(10, 12, 100)),
        PageResult("mediation_month", "mediation statistics", STATISTICS, "/t/a/statistics/",
                   8, {READ: 8}, 5.0, [], _load(40, 60, 40), _load(20, 25, 50),
                   single_ms=statistics_ms),
    ]
    return SizeResult(tenants=tenants, slugs=["a"], database="postgresql://x/db",
                      measured_at="2026-11-24 10:00 UTC", server_version="15.20", pages=pages)


def test_targets_are_checked_on_canned_results() -> None:
    small, large = _size(10, 30.0, 120.0), _size(3000, 60.0, 350.0)
    checks = {(c.target, c.page, c.tenants): c for c in evaluate([small, large])}
    assert checks["≤ 10 SQL statements", "mediation_list", 3000].ok
    assert not checks["≤ 10 SQL statements", "mediation_detail", 3000].ok
    assert checks["≥ 70% of the ceiling's req/s", "mediation_list", 10].ok  # 80 of 100
    assert not checks["≥ 70% of the ceiling's req/s", "mediation_detail", 10].ok  # 50 of 100
    assert not checks["p95 ≤ 50 ms", "mediation_list", 3000].ok
    assert checks["p95 ≤ 50 ms", "mediation_detail", 3000].ok
    assert ("p95 ≤ 50 ms", "mediation_list", 10) not in checks  # the target is at 3,000
    assert checks["one request ≤ 300 ms", "mediation_month", 10].ok
    assert not checks["one request ≤ 300 ms", "mediation_month", 3000].ok
    growth = checks["p95 at 3000 ≤ 1.25× p95 at 10", "mediation_list", None]
    assert not growth.ok and growth.value == "2.00×"
    assert checks["p95 at 3000 ≤ 1.25× p95 at 10", "mediation_detail", None].ok
    assert "MISSED" in check_lines(list(checks.values()))
    assert "mediation_list" in table(large)
    assert not any(c.target.startswith("the app answers") for c in checks.values())
    large.pages[0].app = parse_output(WRK_OUTPUT)  # 2 non-2xx answers
    errors = [c for c in evaluate([large]) if c.target == "the app answers every request"]
    assert [(c.page, c.ok) for c in errors] == [("mediation_list", False)]


def test_the_markdown_report_has_both_sizes_the_facts_and_the_analysis() -> None:
    sizes = [_size(10, 30.0, 120.0), _size(3000, 60.0, 350.0)]
    machine = {"cores": "2", "cpu": "Test CPU", "memory": "24 GiB", "python": "3.11",
               "gunicorn": "gunicorn 23, 2 sync workers", "load": "wrk -t1 -c2"}
    text = markdown(sizes, machine, "The list counts its rows twice; one query would do.")
    assert text.startswith("<!-- Generated by `make bench`")
    assert "| p50 ms @10 | p95 ms @10 |" in text and "p95 ms @3000" in text
    assert "| mediation cases | 9 | 20.0 | 30.0 |" in text
    assert "2.00×" in text
    assert "**MISSED**" in text
    # The generated facts of a page that missed: breakdown, app vs ceiling, slowest SQL.
    assert "1 pool pre-ping + 2 row-level security SET LOCAL + 11 queries" in text
    assert "3.50 ms, 1 row: `SELECT slow`" in text
    assert "The list counts its rows twice" in text
    assert "Not written yet" in markdown(sizes, machine, None)


def test_the_analysis_file_counts_only_without_its_instructions(tmp_path: Path) -> None:
    path = tmp_path / "analysis.md"
    path.write_text("<!-- write the why here -->\n")
    assert read_analysis(path) is None
    path.write_text("<!-- write the why here -->\nThe list is slow because…\n")
    assert read_analysis(path) == "The list is slow because…"
    assert read_analysis(tmp_path / "missing.md") is None


# --- recorder and ceiling on PostgreSQL ----------------------------------------------------


@pytest.mark.postgresql
def test_the_ceiling_replays_what_the_recorder_captured(
        app: Flask, tenant_a: TenantFixture, make_user, in_tenant, database_url: str,
        tmp_path: Path) -> None:
    from benchmarks.ceiling import create_app

    from mediation_support import seed_mediation_records

    with in_tenant(tenant_a):
        seed_mediation_records("基准")
        db.session.commit()
    make_user(tenant_a, "tiaojieke", ["mediation_section"])
    make_user(tenant_a, "zhuren", ["legal_aid_director"])

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            pages = choose_pages(connection, tenant_a.slug)
    finally:
        engine.dispose()
    wanted = {"workbench", "mediation_list", "mediation_detail", "mediation_month",
              "legal_aid_list"}
    pages = [page for page in pages if page.key in wanted]
    assert {page.key for page in pages} == wanted

    recordings = record_pages(app, tenant_a.slug, PASSWORD, pages)
    time_statements(database_url, recordings, repeat=1)
    for recording in recordings:
        sqls = [statement["sql"] for statement in recording.statements]
        # Row-level security's settings go to the cursor directly: captured all the same.
        assert any(sql.startswith("SET LOCAL app.tenant_id") for sql in sqls), recording.key
        assert any("FROM user_sessions" in sql for sql in sqls), recording.key
        assert len(recording.seconds) == len(sqls)
    detail = next(r for r in recordings if r.key == "mediation_detail")
    assert any("FROM mediation_case" in s["sql"] and s["rows"] == 1
               for s in detail.statements)
    summary = {page.key: page for page in summarise(recordings)}
    assert summary["mediation_detail"].statements == len(detail.statements)

    recording_file = tmp_path / "recording.json"
    write_recording(recording_file, database_url, recordings)
    ceiling = create_app(recording_file)
    try:
        client = ceiling.test_client()
        for recording in recordings:
            response = client.get(f"/{tenant_a.slug}/{recording.key}")
            assert response.status_code == 200, recording.key
            assert response.headers["X-Statements"] == str(len(recording.statements))
            expected = " ".join("-" if s["rows"] is None else str(s["rows"])
                                for s in recording.statements)
            assert f"rows: {expected}</p>" in response.get_data(as_text=True), recording.key
        assert client.get(f"/{tenant_a.slug}/nothing").status_code == 404
    finally:
        ceiling.extensions["bench.engine"].dispose()
