"""`fatong db citus-plan`: every table distributed or replicated exactly once, in an order
Citus accepts, and docs/scaling.md shows exactly what the command prints."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from flask import Flask
from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    MetaData,
    String,
    Table,
    inspect,
)

from core.db import db
from core.tenancy.citus import citus_plan, table_owners

DOCS = Path(__file__).resolve().parent.parent / "docs" / "scaling.md"
DISTRIBUTE = re.compile(
    r"^SELECT create_distributed_table\('([^']+)', 'tenant_id', colocate_with => '([^']+)'\);$")
REFERENCE = re.compile(r"^SELECT create_reference_table\('([^']+)'\);$")
DROP_FK = re.compile(r"^ALTER TABLE (\S+) DROP CONSTRAINT (\S+);$")
ADD_FK = re.compile(r"^ALTER TABLE (\S+) ADD (?:CONSTRAINT (\S+) )?FOREIGN KEY.* REFERENCES (\S+) ")


def run_plan(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["db", "citus-plan", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def statements(sql: str, pattern: re.Pattern[str]) -> list[tuple[str, ...]]:
    return [m.groups() for line in sql.splitlines() if (m := pattern.match(line))]


def from_test_module(table: Table) -> bool:
    """Tables the tests declare for themselves (in modules under tests/), not the product's."""
    tests_dir = Path(__file__).resolve().parent
    for mapper in db.Model.registry.mappers:
        if table in mapper.tables:
            module = sys.modules.get(mapper.class_.__module__)
            path = getattr(module, "__file__", None)
            return path is not None and tests_dir in Path(path).resolve().parents
    return False


# --- the application's plan -----------------------------------------------------------


def test_every_table_is_planned_exactly_once(app: Flask) -> None:
    sql = run_plan(app)
    distributed = statements(sql, DISTRIBUTE)
    reference = [name for (name,) in statements(sql, REFERENCE)]
    named = [name for name, _ in distributed] + reference
    with app.app_context():
        product = {t.name: t for t in db.metadata.sorted_tables if not from_test_module(t)}
    assert sorted(named) == sorted(product)  # each once, none missing, none extra
    assert "alembic_version" not in named
    assert {"tenants", "users", "notices_notice", "mediation_case"} <= set(named)
    # Tenant tables are sharded on tenant_id, platform tables replicated.
    assert {name for name, _ in distributed} == {n for n, t in product.items()
                                                 if "tenant_id" in t.c}
    assert set(reference) == {n for n, t in product.items() if "tenant_id" not in t.c}
    assert {"tenants", "platform_users"} <= set(reference)


def test_all_tenant_tables_share_one_colocation_group(app: Flask) -> None:
    distributed = statements(run_plan(app), DISTRIBUTE)
    assert distributed[0] == ("users", "none")  # the anchor comes first, in its own group
    assert {colocate for _, colocate in distributed[1:]} == {"users"}


def test_referenced_tables_become_citus_tables_first(app: Flask) -> None:
    sql = run_plan(app)
    lines = sql.splitlines()
    position = {}
    for index, line in enumerate(lines):
        if m := DISTRIBUTE.match(line) or REFERENCE.match(line):
            position[m.group(1)] = index
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name not in position:
                continue
            for fk in table.foreign_key_constraints:
                target = fk.referred_table.name
                if target != table.name and target in position:
                    assert position[target] < position[table.name], (table.name, target)
    last_reference = max(i for i, line in enumerate(lines) if REFERENCE.match(line))
    first_distributed = min(i for i, line in enumerate(lines) if DISTRIBUTE.match(line))
    assert last_reference < first_distributed


def test_foreign_keys_are_dropped_and_recreated_by_their_migrated_names(app: Flask) -> None:
    # Dropping by name works only if the names are those the migrations gave the database.
    sql = run_plan(app)
    dropped = statements(sql, DROP_FK)
    added = [(table, name) for table, name, _ in statements(sql, ADD_FK)]
    assert dropped and sorted(dropped) == sorted(added)
    lines = sql.splitlines()
    last_drop = max(i for i, line in enumerate(lines) if DROP_FK.match(line))
    first_add = min(i for i, line in enumerate(lines) if ADD_FK.match(line))
    citus_calls = [i for i, line in enumerate(lines) if "create_" in line and "SELECT" in line]
    assert last_drop < min(citus_calls) and max(citus_calls) < first_add
    with app.app_context():
        inspector = inspect(db.engine)
        in_database = {(table, as_postgresql_names_it(fk["name"]))
                       for table in {t for t, _ in dropped}
                       for fk in inspector.get_foreign_keys(table)}
    assert set(dropped) <= in_database


def as_postgresql_names_it(name: str) -> str:
    """A long constraint name as the migrations spell it on PostgreSQL (63 bytes at most:
    SQLAlchemy cuts it and appends a hash); SQLite keeps the long name as it is."""
    if len(name) <= 63:
        return name
    return f"{name[:55]}_{hashlib.md5(name.encode()).hexdigest()[-4:]}"


def test_the_database_settings_for_citus_are_part_of_the_plan(app: Flask) -> None:
    sql = run_plan(app)
    assert "citus.propagate_set_commands = %L', current_database(), 'local')" in sql
    assert "citus.multi_task_query_log_level" in sql
    assert sql.startswith("-- Fatong: Citus distribution plan")


def test_output_option_writes_the_same_plan(app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "plan.sql"
    printed = run_plan(app)
    result = app.test_cli_runner().invoke(args=["db", "citus-plan", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == printed


def test_docs_show_exactly_the_generated_plan(app: Flask) -> None:
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(r"<!-- citus-plan:start -->\n```sql\n(.*?)```\n<!-- citus-plan:end -->",
                      text, re.S)
    assert found, "docs/scaling.md lacks the citus-plan markers around a ```sql fence"
    assert found.group(1) == run_plan(app), (
        "docs/scaling.md is stale: paste the output of `fatong db citus-plan` between the "
        "citus-plan markers")


def test_the_bundled_schema_has_nothing_citus_refuses(app: Flask) -> None:
    with app.app_context():
        plan = citus_plan(db.metadata, table_owners(app.extensions["fatong.plugins"]))
    assert plan.problems == []


# --- a throwaway MetaData --------------------------------------------------------------


def tenant_id() -> Column:
    return Column("tenant_id", BigInteger, ForeignKey("tenants.id"), primary_key=True)


def app_id() -> Column:
    return Column("id", BigInteger, primary_key=True, autoincrement=False)


def base_schema() -> MetaData:
    md = MetaData()
    Table("tenants", md, app_id())
    Table("kit_code", md, Column("code", String(6), primary_key=True))
    Table("users", md, tenant_id(), app_id())
    return md


def test_a_tenant_table_added_later_appears_in_the_plan() -> None:
    md = base_schema()
    before = citus_plan(md)
    assert before.tables == ["kit_code", "tenants", "users"]
    Table("kit_visit", md, tenant_id(), app_id(), Column("user_id", BigInteger),
          Column("code", String(6), ForeignKey("kit_code.code")),
          ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]))
    sql = citus_plan(md).sql()
    assert statements(sql, DISTRIBUTE) == [("users", "none"), ("kit_visit", "users")]
    assert [name for (name,) in statements(sql, REFERENCE)] == ["kit_code", "tenants"]
    assert {(t, target) for t, _, target in statements(sql, ADD_FK)} == {
        ("kit_visit", "kit_code"), ("kit_visit", "users"), ("kit_visit", "tenants"),
        ("users", "tenants")}


def test_without_users_the_first_tenant_table_anchors_the_group() -> None:
    md = MetaData()
    Table("tenants", md, app_id())
    Table("kit_b", md, tenant_id(), app_id())
    Table("kit_a", md, tenant_id(), app_id())
    assert statements(citus_plan(md).sql(), DISTRIBUTE) == [("kit_a", "none"),
                                                           ("kit_b", "kit_a")]


def test_unowned_tables_are_left_out_and_reported() -> None:
    md = base_schema()
    plan = citus_plan(md, {"tenants": "core", "users": "core"})
    assert plan.tables == ["tenants", "users"]
    assert plan.skipped == ["kit_code"]
    assert "kit_code" not in plan.sql()


def test_a_foreign_key_citus_refuses_is_reported() -> None:
    md = base_schema()
    Table("kit_note", md, tenant_id(), app_id(), Column("user_id", BigInteger),
          ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                               name="fk_note_user", ondelete="SET NULL"))
    plan = citus_plan(md)
    assert len(plan.problems) == 1 and "kit_note.fk_note_user" in plan.problems[0]
    assert "-- PROBLEM (Citus will refuse this): kit_note.fk_note_user" in plan.sql()
