"""Fatong's pytest plugin (entry point ``pytest11``: loaded in every pytest run of an
environment where fatong is installed). Fixtures for plugin authors and for core's own suite.

Session: ``database_url`` (a SQLite file, or a scratch PostgreSQL database created on the
server ``FATONG_TEST_POSTGRES_URL`` names and dropped afterwards), ``fatong_plugin_sources``
(override to load a chosen set of plugins; default everything installed), ``fatong_config``
(override to add settings), ``app`` (migrated once: core's branch and every loaded plugin's).

Per test: every table is emptied after a test that used ``app``; ``app_ctx``; ``make_tenant``
and ``tenant_a`` (剑阁, every toggleable plugin enabled) / ``tenant_b`` (苍溪); ``make_user``;
``login_client``; ``client_a`` (tenant A's admin, logged in); ``in_tenant``; ``page`` (a
Chromium tab) and ``live_server`` (the app over HTTP) for browser tests.

Under ``CI=true`` a skipped test fails the run (set ``FATONG_ALLOW_SKIPS=1`` to allow them):
CI must exercise everything, browser tests included.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.testing.apps import clean_database, dispose_engines, make_app
from core.testing.browser import chromium_page, serve
from core.testing.databases import scratch_database
from core.testing.tenants import PASSWORD, TenantFixture, add_user, login, provision


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium through Playwright")
    config.addinivalue_line("markers", "unpinned_sql: runs SQL without a tenant filter on "
                                       "purpose; left out of the statement-shape check")
    config.addinivalue_line("markers", "postgresql: needs the PostgreSQL run "
                                       "(FATONG_TEST_POSTGRES_URL); left out of the SQLite one")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgresql`` belong to the PostgreSQL run: deselected (not skipped)
    when the suite runs on SQLite, so that the SQLite run under CI=true still skips nothing."""
    from core.testing.databases import POSTGRES_ENV

    if os.environ.get(POSTGRES_ENV):
        return
    chosen = [item for item in items if item.get_closest_marker("postgresql") is None]
    left_out = [item for item in items if item.get_closest_marker("postgresql") is not None]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = chosen


# --- database and app --------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database for the session: SQLite, or PostgreSQL when asked (see above)."""
    with scratch_database(tmp_path_factory.mktemp("db"), "fatong_test",
                          before_drop=dispose_engines) as url:
        yield url


@pytest.fixture(scope="session")
def fatong_plugin_sources() -> list | None:
    """The plugins the ``app`` loads: None for every installed one. Override in your
    conftest.py, e.g. ``installed_plugin_sources(["fatong", "fatong-hotline"])``."""
    return None


@pytest.fixture(scope="session")
def fatong_config() -> dict[str, Any]:
    """Extra settings for the ``app`` (override in your conftest.py)."""
    return {}


@pytest.fixture(scope="session")
def app(database_url: str, fatong_plugin_sources: list | None,
        fatong_config: dict[str, Any]) -> Flask:
    """The application on the session's database, migrated to every branch's head."""
    from core import migrate

    config = dict(fatong_config)
    if fatong_plugin_sources is not None:
        config.setdefault("PLUGIN_SOURCES", fatong_plugin_sources)
    application = make_app(database_url, **config)
    with application.app_context():
        migrate.upgrade()
    return application


@pytest.fixture(scope="session")
def rls_app(app: Flask, database_url: str, fatong_plugin_sources: list | None,
            fatong_config: dict[str, Any]) -> Iterator[Flask]:
    """On PostgreSQL, the application as production runs it: connected as a role that owns
    no table and has no BYPASSRLS (``fatong_test_app``), so row-level security applies,
    with migrations as the owner. On SQLite, the ``app`` itself."""
    from core import migrate
    from core.db import db
    from core.testing.databases import application_role_url

    if not database_url.startswith("postgresql"):
        yield app
        return
    config = dict(fatong_config)
    if fatong_plugin_sources is not None:
        config.setdefault("PLUGIN_SOURCES", fatong_plugin_sources)
    application = make_app(application_role_url(database_url),
                           MIGRATION_DATABASE_URL=database_url, **config)
    with application.app_context():
        migrate.upgrade()  # at head already: grants the role its privileges, and no more
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _fatong_clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts with empty tables (the schema stays: migrations ran once)."""
    yield
    if "app" in request.fixturenames:
        clean_database(request.getfixturevalue("app"))


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An application context (no tenant selected); rolled back afterwards."""
    from core.db import db

    with app.app_context():
        yield app
        db.session.rollback()


# --- tenants, users, clients -------------------------------------------------------------


@pytest.fixture
def make_tenant(app: Flask) -> Callable[..., TenantFixture]:
    """``make_tenant(slug, name, region_code, plugins=None)``: a provisioned tenant with an
    ``admin`` (password ``core.testing.PASSWORD``); ``plugins`` None enables every
    toggleable plugin, a list exactly those (and what they require)."""

    def _make(slug: str, name: str, region_code: str,
              plugins: Iterable[str] | None = None) -> TenantFixture:
        return provision(app, slug, name, region_code, plugins)

    return _make


@pytest.fixture
def tenant_a(app: Flask) -> TenantFixture:
    """剑阁县司法局 (``jiange``), every toggleable plugin enabled."""
    return provision(app, "jiange", "剑阁县司法局", "510823")


@pytest.fixture
def tenant_b(app: Flask) -> TenantFixture:
    """苍溪县司法局 (``cangxi``), every toggleable plugin enabled."""
    return provision(app, "cangxi", "苍溪县司法局", "510824")


@pytest.fixture
def make_user(app: Flask) -> Callable[..., int]:
    """``make_user(tenant, username, roles=(), org_unit_code=None)`` -> the user's id; the
    password is ``core.testing.PASSWORD``."""

    def _make(tenant: TenantFixture, username: str, roles: Iterable[str] = (),
              **options: Any) -> int:
        return add_user(app, tenant, username, roles, **options)

    return _make


@pytest.fixture
def login_client(app: Flask) -> Callable[..., FlaskClient]:
    """``login_client(tenant, username="admin")`` -> a test client logged in as that user."""

    def _login(tenant: TenantFixture, username: str = "admin",
               password: str = PASSWORD) -> FlaskClient:
        return login(app.test_client(), tenant, username, password)

    return _login


@pytest.fixture
def client_a(app: Flask, tenant_a: TenantFixture) -> FlaskClient:
    """Tenant A's admin (also holding the leader's role), logged in."""
    return login(app.test_client(), tenant_a)


@pytest.fixture
def in_tenant(app: Flask) -> Callable[[TenantFixture], AbstractContextManager[None]]:
    """``with in_tenant(tenant_a):`` an app context with that tenant selected."""
    from core.db import db
    from core.tenancy.context import tenant_context

    @contextmanager
    def _enter(fixture: TenantFixture) -> Iterator[None]:
        with app.app_context(), tenant_context(fixture.id):
            yield
            db.session.rollback()

    return _enter


# --- browser -----------------------------------------------------------------------------


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The ``app`` served over HTTP on a free loopback port; its base URL."""
    with serve(app) as base_url:
        yield base_url


@pytest.fixture
def page() -> Iterator[Any]:
    """A Playwright page in Debian's headless Chromium (zh-CN, 15 s timeout)."""
    with chromium_page() as tab:
        yield tab


# --- CI: nothing may be skipped ----------------------------------------------------------


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() != "true" or os.environ.get("FATONG_ALLOW_SKIPS"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"CI=true: {skipped} test(s) were skipped; CI must skip nothing.",
                            red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
