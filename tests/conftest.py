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
