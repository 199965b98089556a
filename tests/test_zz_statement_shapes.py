"""Every statement the suite runs for a tenant pins each tenant table it touches to that
tenant (issue #8, point 2): what Citus needs to route it to one shard. Named to run last:
it reads what the whole PostgreSQL run recorded (tests/conftest.py, core/testing/statements.py).
"""

from __future__ import annotations

import pytest
from flask import Flask

from core.db import db
from core.testing.statements import report, unpinned_tables

from conftest import STATEMENTS

TENANT_TABLES = {"people", "users", "mediation_case", "mediation_case_party"}


@pytest.mark.postgresql
def test_every_statement_run_for_a_tenant_names_its_tenant(app: Flask) -> None:
    with app.app_context():
        tenant_tables = {table.name for table in db.metadata.tables.values()
                         if "tenant_id" in table.c}
    # The whole suite ran before this module (a partial run records less, and that is fine).
    assert STATEMENTS.statements, "nothing recorded: is the recorder installed?"
    problems = report(STATEMENTS.statements, tenant_tables)
    assert not problems, f"{len(problems)} statement(s):\n" + "\n".join(problems[:40])


@pytest.mark.parametrize(("statement", "unpinned"), [
    ("SELECT people.name FROM people WHERE people.tenant_id = %(tenant_id_1)s", []),
    ("SELECT name FROM people WHERE tenant_id = %s", []),
    ("SELECT people.name FROM people WHERE people.id = %(id_1)s", ["people"]),
    # Joined on tenant_id to a pinned table: co-located, one shard.
    ("SELECT c.id FROM mediation_case AS c JOIN mediation_case_party AS p "
     "ON p.tenant_id = c.tenant_id AND p.case_id = c.id WHERE c.tenant_id = %s", []),
    # Joined on the id alone: the party table fans out.
    ("SELECT c.id FROM mediation_case AS c JOIN mediation_case_party AS p "
     "ON p.case_id = c.id WHERE c.tenant_id = %s", ["mediation_case_party"]),
    # A subquery needs its own condition.
    ("SELECT people.id FROM people WHERE people.tenant_id = %s AND people.id IN "
     "(SELECT mediation_case_party.person_id FROM mediation_case_party)",
     ["mediation_case_party"]),
    ("UPDATE people SET name = %s WHERE people.tenant_id = %s AND people.id = %s", []),
    ("DELETE FROM users WHERE users.id = %s", ["users"]),
    ("INSERT INTO people (tenant_id, id, name) VALUES (%s, %s, %s)", []),
    ("INSERT INTO people (id, name) VALUES (%s, %s)", ["people"]),
    ("SELECT 1", []),
    # An empty org-unit scope: SQLAlchemy folds "tenant AND false" into false, no shard read.
    ("SELECT people.id FROM people WHERE false", []),
    ("SELECT tenants.slug FROM tenants WHERE tenants.id = %s", []),
])
def test_the_checker_tells_pinned_from_unpinned(statement: str, unpinned: list[str]) -> None:
    assert unpinned_tables(statement, TENANT_TABLES) == unpinned
