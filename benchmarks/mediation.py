"""Benchmark of a busy county on the mediation line: the pages staff open all day, with
targets. ``make bench`` runs it on SQLite; ``FATONG_BENCH_DATABASE_URL`` (a server URL such
as ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) runs it on a scratch
PostgreSQL database instead. Exit status 1 when a target is missed.

The county: the demo's five stations, 24 committees and ~105 mediators, with
``BENCH_CASES`` cases (default 3000, ten times the demo) spread over twelve months, seen by
the bureau's mediation section (the widest scope).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CASES = int(os.environ.get("BENCH_CASES", "3000"))
REPEAT = 7
PASSWORD = "Bench-Pass-1"
# Median response time per page (seconds) and peak memory of the process (MB).
PAGE_TARGET = 0.5
MEMORY_TARGET_MB = 600


def _build(app) -> str:
    """Migrate, create the county (a tenant with every plugin and the demo's mediation
    accounts, all with ``PASSWORD``), return its slug."""
    from core import migrate
    from core.db import db
    from core.sdk import tenant_context
    from plugins.mediation import demo
    from tenants.provisioning import TenantSpec, all_toggleable_plugins, create_tenant

    with app.app_context():
        migrate.upgrade()
        started = time.perf_counter()
        tenant = create_tenant(TenantSpec(slug="bench", name="剑阁县司法局", region_code="510823"),
                               admin_username="admin", admin_password=PASSWORD,
                               plugins=all_toggleable_plugins(), actor="bench")
        with tenant_context(tenant):
            demo.build(cases=CASES)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # Fresh planner statistics, as autovacuum would have gathered in production.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("ANALYZE")
        print(f"built the county with {CASES} cases in {time.perf_counter() - started:.1f} s")
    return "bench"


def _timed(call: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(database_url: str) -> int:
    from core import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    slug = _build(app)
    base = f"/t/{slug}"
    client = app.test_client()
    response = client.post(f"{base}/login", data={"username": "tiaojieke",
                                                   "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    pages = {
        "workbench": f"{base}/",
        "deadlines centre": f"{base}/deadlines/",
        "case list": f"{base}/mediation/cases/",
        "case list, overdue": f"{base}/mediation/cases/?overdue=1",
        "case search": f"{base}/mediation/cases/?q=纠纷",
        "screening list": f"{base}/mediation/screenings/",
        "committees": f"{base}/mediation/committees/",
        "mediator roster": f"{base}/mediation/mediators/",
        "risk analysis (quarter)": f"{base}/mediation/risk/",
        "subsidies (last month)": f"{base}/mediation/subsidies/",
        "statistics (year)": f"{base}/statistics/mediation/?kind=year&year=2026",
        "statistics XLSX (year)": f"{base}/statistics/mediation/export.xlsx?kind=year&year=2026",
    }
    return report(client, pages)


def report(client, pages: dict[str, str]) -> int:
    """Time each page (median of REPEAT) and the process's peak memory against the targets;
    print the table; 1 when a target is missed."""
    failures = 0
    print(f"{'page':<28} {'median':>9}  target {PAGE_TARGET:.2f} s")
    for name, url in pages.items():
        status = client.get(url).status_code
        median = _timed(lambda url=url: client.get(url))
        ok = status == 200 and median <= PAGE_TARGET
        failures += not ok
        print(f"{name:<28} {median * 1000:>7.0f} ms  {'ok' if ok else f'MISSED ({status})'}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    memory_ok = peak_mb <= MEMORY_TARGET_MB
    failures += not memory_ok
    print(f"{'peak memory':<28} {peak_mb:>7.0f} MB  target {MEMORY_TARGET_MB} MB "
          f"{'ok' if memory_ok else 'MISSED'}")
    return 1 if failures else 0


def main() -> int:
    server = os.environ.get("FATONG_BENCH_DATABASE_URL")
    if server:
        # The scratch-database helper of the tests creates and drops a PostgreSQL database.
        os.environ["FATONG_TEST_POSTGRES_URL"] = server
    from core.testing.databases import scratch_database

    with tempfile.TemporaryDirectory() as folder, \
            scratch_database(Path(folder), "fatong_bench") as url:
        return run(url)


if __name__ == "__main__":
    sys.exit(main())
