"""Migrations: they build exactly the models' schema, and `fatong db upgrade` sets up a fresh
database with every branch (core plus one per plugin), idempotently."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Column, MetaData, String, inspect

from core import migrate
from core.db import db
from core.testing.databases import scratch_database

from conftest import make_app

TEST_ONLY_PREFIX = "testkit_"
CORE_TABLES = {"tenants", "tenant_plugins", "users"}
NOTICES_TABLES = {"notices_notice"}
TENANTS_TABLES = {"tenants_applications", "tenants_status_changes", "tenants_challenges"}


def _not_test_only(object_, name, type_, reflected, compare_to) -> bool:
    """Tables the tests create for themselves (testkit_…) are not part of any migration."""
    table = object_ if type_ == "table" else getattr(object_, "table", None)
    table_name = table.name if table is not None else name
    return not (table_name or "").startswith(TEST_ONLY_PREFIX)


def test_migrated_schema_matches_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_object": _not_test_only,
            "target_metadata": db.metadata,
        })
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_comparison_notices_a_missing_migration(app: Flask) -> None:
    # The check above must be able to fail: a model column no migration created shows up.
    # (On a copy of the metadata, so the application's models stay untouched.)
    models = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        table.to_metadata(models)
    column = Column("unmigrated_note", String(20), nullable=True)
    models.tables["notices_notice"].append_column(column)
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": _not_test_only})
        differences = compare_metadata(context, models)
    assert differences == [("add_column", None, "notices_notice", column)]


def test_one_head_per_branch(app: Flask) -> None:
    with app.app_context():
        heads = migrate.heads()
        script = ScriptDirectory.from_config(migrate.alembic_config())
        branches = {migrate.CORE_BRANCH, *migrate.plugin_version_dirs()}
        branch_heads = {b: [r.revision for r in script.get_revisions(f"{b}@head")]
                        for b in branches}
    assert branches == {"core", "legal_aid", "mediation", "notices", "tenants"}
    assert all(len(found) == 1 for found in branch_heads.values()), branch_heads
    assert sorted(heads) == sorted(found[0] for found in branch_heads.values())


# --- `fatong db upgrade` on a fresh database ------------------------------------------------


@pytest.fixture
def fresh_database_url(tmp_path) -> Iterator[str]:
    """An empty database of its own: a SQLite file, or a scratch PostgreSQL database."""
    with scratch_database(tmp_path, "fatong_fresh") as url:
        yield url


@pytest.fixture
def fresh_app(fresh_database_url: str) -> Iterator[Flask]:
    application = make_app(fresh_database_url)
    yield application
    with application.app_context():
        db.engine.dispose()


def _tables(application: Flask) -> set[str]:
    with application.app_context():
        return set(inspect(db.engine).get_table_names())


def _applied(application: Flask) -> set[str]:
    """Every revision the database is at or past (Alembic records only the outermost ones:
    a core head that a plugin revision depends on is implied by that revision)."""
    with application.app_context(), db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
        script = ScriptDirectory.from_config(migrate.alembic_config())
        return {r.revision for r in script.iterate_revisions(current, "base")}


def test_db_upgrade_sets_up_a_fresh_database(fresh_app: Flask) -> None:
    assert _tables(fresh_app) == set()
    runner = fresh_app.test_cli_runner()

    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        heads = migrate.heads()
    assert len(heads) == 5  # core, legal_aid, mediation, notices, tenants
    for head in heads:
        assert head in result.output
    tables = _tables(fresh_app)
    assert CORE_TABLES | NOTICES_TABLES | TENANTS_TABLES | {"alembic_version"} <= tables
    assert not {t for t in tables if t.startswith(TEST_ONLY_PREFIX)}
    assert set(heads) <= _applied(fresh_app)

    # A second run changes nothing and still succeeds.
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output
    assert _tables(fresh_app) == tables
    assert set(heads) <= _applied(fresh_app)
