"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when asked), two tenants.

- ``FATONG_TEST_POSTGRES_URL`` (a server URL) runs the suite on a scratch PostgreSQL
  database created for this run and dropped after it.
- Under ``CI=true`` a skipped test fails the run: CI must exercise everything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core import create_app, migrate
from core.access.models import Role
from core.access.service import assign_role
from core.auth.settings import auth_settings
from core.db import db
from core.sdk import Tenant, User, tenant_context
from core.testing.databases import scratch_database
from tenants.provisioning import TenantSpec, all_toggleable_plugins, create_tenant

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "Test-Passw0rd!"


# --- database ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with scratch_database(tmp_path_factory.mktemp("db"), "fatong_test",
                          before_drop=db_engines_dispose) as url:
        yield url


_apps: list[Flask] = []


def db_engines_dispose() -> None:
    for application in _apps:
        with application.app_context():
            db.engine.dispose()


def make_app(database_url: str, **config: object) -> Flask:
    """An app on the test database; extra config overrides (e.g. PLUGIN_SOURCES)."""
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        # The per-IP login limit would trip over the suite's hundreds of logins from
        # 127.0.0.1; tests/test_auth_web.py turns it on where it is the subject.
        "RATELIMIT_ENABLED": False,
        # argon2id at its production cost takes 0.3 s a hash here; the suite hashes hundreds.
        "ARGON2_PROFILE": "CHEAPEST",
    }
    settings.update(config)
    application = create_app(settings)
    _apps.append(application)
    return application


@pytest.fixture(scope="session")
def app(database_url: str) -> Flask:
    application = make_app(database_url)
    with application.app_context():
        migrate.upgrade()
    return application


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts with empty tables (schema stays: migrations ran once)."""
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        db.session.remove()
        existing = set(db.inspect(db.engine).get_table_names())
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if table.name in existing:
                    # A tree (org_units.parent_id, ON DELETE RESTRICT) cannot lose its rows
                    # in one DELETE on SQLite, which checks RESTRICT row by row: unhook first.
                    self_refs = [element.parent.name for fk in table.foreign_key_constraints
                                 if fk.referred_table is table for element in fk.elements
                                 if element.parent.nullable]
                    if self_refs:
                        connection.execute(table.update().values(
                            {name: None for name in self_refs}))
                    connection.execute(table.delete())


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.rollback()


# --- tenants and users -------------------------------------------------------------------


@dataclass
class TenantFixture:
    tenant: Tenant
    id: int
    slug: str
    admin_username: str = "admin"
    password: str = PASSWORD


def provision(app: Flask, slug: str, name: str, region_code: str,
              plugins: list[str] | None = None) -> TenantFixture:
    with app.app_context():
        tenant = create_tenant(
            TenantSpec(slug=slug, name=name, region_code=region_code),
            admin_username="admin", admin_password=PASSWORD,
            plugins=all_toggleable_plugins() if plugins is None else plugins,
        )
        # Like `fatong demo`: the admin also holds the leader's business role, so that tests
        # logging in as "admin" reach the business pages (notices) as well as the sysadmin's.
        with tenant_context(tenant):
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            assign_role(admin, db.session.scalar(select(Role).where(Role.key == "leader")),
                        actor="test")
            # The admin is a sysadmin, for whom TOTP is required by default; tests log in with
            # the password alone (tests/test_auth_totp.py covers the requirement).
            auth_settings().set_many({"totp_required_for_admins": False})
        db.session.commit()
        fixture = TenantFixture(tenant=tenant, id=tenant.id, slug=tenant.slug)
        db.session.expunge_all()
    return fixture


@pytest.fixture
def tenant_a(app: Flask) -> TenantFixture:
    return provision(app, "jiange", "剑阁县司法局", "510823")


@pytest.fixture
def tenant_b(app: Flask) -> TenantFixture:
    return provision(app, "cangxi", "苍溪县司法局", "510824")


def login(client: FlaskClient, tenant: TenantFixture, username: str = "admin",
          password: str = PASSWORD) -> None:
    response = client.post(f"/t/{tenant.slug}/login",
                           data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].startswith(f"/t/{tenant.slug}/")


@pytest.fixture
def client_a(app: Flask, tenant_a: TenantFixture) -> FlaskClient:
    client = app.test_client()
    login(client, tenant_a)
    return client


@pytest.fixture
def in_tenant(app: Flask):
    """``with in_tenant(t):`` — an app context with tenant t selected."""
    from contextlib import contextmanager

    @contextmanager
    def _enter(fixture: TenantFixture):
        with app.app_context(), tenant_context(fixture.id):
            yield
            db.session.rollback()

    return _enter


# --- CI: nothing may be skipped ----------------------------------------------------------


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"CI=true: {skipped} test(s) were skipped; CI must skip nothing.",
                            red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
