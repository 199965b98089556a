"""Core's suite: the fixtures come from Fatong's pytest plugin (core/testing/plugin.py, the
same a plugin author uses); this file pins the plugins to the bundled ones and re-exports
helpers older test modules import from here.

- ``FATONG_TEST_POSTGRES_URL`` (a server URL) runs the suite on a scratch PostgreSQL
  database created for this run and dropped after it.
- Under ``CI=true`` a skipped test fails the run: CI must exercise everything.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from flask import Flask

import core.app as app_module
import core.plugins.manager as plugin_manager_module
from core.testing.apps import installed_plugin_sources
from core.testing.apps import make_app as _make_app
from core.testing.databases import POSTGRES_ENV
from core.testing.statements import StatementRecorder
from core.testing.tenants import PASSWORD, TenantFixture, login, provision

IN_CI = os.environ.get("CI", "").lower() == "true"

__all__ = ["IN_CI", "PASSWORD", "TenantFixture", "login", "make_app", "provision"]


def _bundled_entry_points() -> list:
    return [source for source in _installed_entry_points()
            if source.distribution.lower() == "fatong"]


# Apps some tests build with create_app directly (config, CLI) would otherwise import a
# vendor plugin installed beside fatong, and its models would join the shared metadata.
_installed_entry_points = plugin_manager_module.entry_point_sources
plugin_manager_module.entry_point_sources = _bundled_entry_points
app_module.entry_point_sources = _bundled_entry_points


def core_plugin_sources() -> list:
    """Core's modules and the plugins bundled in the fatong distribution: core's suite does
    not depend on what else is installed (a vendor's plugin tests itself, see
    examples/fatong-hotline)."""
    return installed_plugin_sources(["fatong"])


def make_app(database_url: str, **config: Any) -> Flask:
    """An app on the test database with the bundled plugins; config overrides (e.g.
    PLUGIN_SOURCES for throwaway plugins)."""
    config.setdefault("PLUGIN_SOURCES", core_plugin_sources())
    return _make_app(database_url, **config)


@pytest.fixture(scope="session")
def fatong_plugin_sources() -> list:
    return core_plugin_sources()


# Every statement run for a tenant on PostgreSQL, checked by tests/test_zz_statement_shapes.py
# (the last module of the run) for a tenant_id condition on each tenant table it touches.
STATEMENTS = StatementRecorder()
if os.environ.get(POSTGRES_ENV):
    STATEMENTS.install()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    STATEMENTS.current_test = item.nodeid
    STATEMENTS.paused = item.get_closest_marker("unpinned_sql") is not None


# --- the demo county, built once --------------------------------------------------------

DEMO_PASSWORD = "Demo-Pass-1"


@pytest.fixture(scope="session")
def _demo_rows(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """Every row ``fatong demo`` writes (about 20 s of workflows), built once per run and
    read back, so that tests of what the demo holds restore it in a second."""
    from sqlalchemy import inspect

    from core.db import db
    from core.testing.apps import clean_database
    from tenants.provisioning import ensure_demo_tenant

    clean_database(app)
    with app.app_context():
        ensure_demo_tenant("demo", DEMO_PASSWORD)
        db.session.commit()
        existing = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as connection:
            rows = {table.name: [dict(row._mapping) for row in connection.execute(
                        table.select().order_by(*table.primary_key.columns))]
                    for table in db.metadata.sorted_tables if table.name in existing}
    clean_database(app)
    return {name: table_rows for name, table_rows in rows.items() if table_rows}


@pytest.fixture
def demo(app: Flask, _demo_rows: dict[str, list[dict[str, Any]]]) -> TenantFixture:
    """The database as ``fatong demo --password DEMO_PASSWORD`` leaves it (tenant ``demo``)."""
    from core.db import db

    with app.app_context(), db.engine.begin() as connection:
        # Rows of a consistent database go back as they were: foreign keys (self-references
        # among them) are checked at commit on SQLite and not per row on PostgreSQL.
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table in db.metadata.sorted_tables:
            if table.name in _demo_rows:
                connection.execute(table.insert(), _demo_rows[table.name])
    tenant_id = _demo_rows["tenants"][0]["id"]
    return TenantFixture(tenant=None, id=tenant_id, slug="demo", password=DEMO_PASSWORD)
