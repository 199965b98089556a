"""Every statement of the busiest pages reaches tenant tables through an index that leads
with ``tenant_id`` (issue #8, point 5), on PostgreSQL.

Each page is requested once with every line's records (the N+1 test's batches) and its
statements recorded with their parameters; each SELECT is then planned with sequential scans
priced out (``enable_seqscan = off``), so the plan shows the best index the schema offers
for it. A sequential scan left in such a plan means no index can serve the statement; an
index whose first column is not ``tenant_id`` means it would read other tenants' entries
(and cannot be a shard-local index under Citus). Either fails, naming the page, table and
statement. Which composite indexes the busy statements need beyond the primary key was
measured on 3,000 seeded counties: docs/benchmarks.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import test_query_counts as counts
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text

from core.db import db
from core.tenancy.rls import tenant_table_names
from core.testing.tenants import TenantFixture

pytestmark = pytest.mark.postgresql


def _pages(slug: str, case_id: int, aid_id: int) -> dict[str, str]:
    base = f"/t/{slug}"
    today = date.today()
    month = f"kind=month&year={today.year}&month={today.month}"
    return {
        "workbench": f"{base}/",
        "deadlines centre": f"{base}/deadlines/",
        "mediation case list, filtered, page 2": f"{base}/mediation/cases/?status=accepted&page=2",
        "mediation case list, search": f"{base}/mediation/cases/?q=批次",
        "mediation case detail": f"{base}/mediation/cases/{case_id}",
        "mediation statistics (month)": f"{base}/statistics/mediation/?{month}",
        "legal aid case list, overdue": f"{base}/legal_aid/cases/?overdue=1",
        "legal aid case detail": f"{base}/legal_aid/cases/{aid_id}",
        "legal aid statistics (month)": f"{base}/statistics/legal_aid/?{month}",
        "people list": f"{base}/people/",
    }


def _recorded(app: Flask, client: FlaskClient, url: str) -> list[tuple[str, Any]]:
    """The SELECTs one GET of ``url`` sends, with their parameters."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
               executemany: bool) -> None:
        if not executemany and statement.lstrip()[:6].upper() in ("SELECT", "WITH R", "WITH "):
            sent.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, (url, response.status_code)
    return sent


def _scans(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "Relation Name" in node:
        yield node
    for child in node.get("Plans", ()):
        yield from _scans(child)


def _leading_columns(connection: Any) -> dict[str, str]:
    """Index name -> its first column."""
    return dict(connection.execute(text(
        "SELECT c.relname, a.attname FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()")
    ).all())


def _violations(connection: Any, tenant_tables: set[str], leading: dict[str, str],
                statement: str, parameters: Any) -> list[str]:
    with connection.begin():
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        raw = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement,
                                         parameters).scalar_one()
    plan = raw if isinstance(raw, list) else json.loads(raw)
    found = []
    for scan in _scans(plan[0]["Plan"]):
        table = scan["Relation Name"]
        if table not in tenant_tables:
            continue
        if scan["Node Type"] == "Seq Scan":
            found.append(f"sequential scan of {table}")
        elif "Index Name" in scan and leading.get(scan["Index Name"]) != "tenant_id":
            found.append(f"{table} through {scan['Index Name']}, which does not lead with "
                         "tenant_id")
    return found


def test_busy_pages_read_tenant_tables_through_tenant_indexes(
        app: Flask, tenant_a: TenantFixture) -> None:
    client = counts.everything_client(app, tenant_a)
    counts.seed_batches(app, tenant_a, range(counts.SMALL))
    with app.app_context():
        tenant_tables = set(tenant_table_names(db.metadata,
                                               db.inspect(db.engine).get_table_names()))
        with db.engine.connect() as connection:
            leading = _leading_columns(connection)
            case_id = connection.execute(text(
                "SELECT id FROM mediation_case WHERE tenant_id = :t ORDER BY id DESC LIMIT 1"),
                {"t": tenant_a.id}).scalar_one()
            aid_id = connection.execute(text(
                "SELECT id FROM legal_aid_case WHERE tenant_id = :t ORDER BY id DESC LIMIT 1"),
                {"t": tenant_a.id}).scalar_one()
    problems = []
    planned = 0
    for name, url in _pages(tenant_a.slug, case_id, aid_id).items():
        client.get(url)  # warm the per-process caches: only the page's own statements count
        for statement, parameters in _recorded(app, client, url):
            with app.app_context(), db.engine.connect() as connection:
                found = _violations(connection, tenant_tables, leading, statement, parameters)
            planned += 1
            problems += [f"{name}: {problem}\n    {' '.join(statement.split())[:400]}"
                         for problem in found]
    assert planned >= 40, planned  # the pages did send their statements
    assert not problems, "\n".join(problems)
