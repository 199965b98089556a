"""Row-level security on PostgreSQL (issue #8, point 1): the second wall behind the ORM.

The suite's own app connects as the superuser that owns the tables (superusers pass every
policy). ``rls_app`` (core.testing) connects as ``fatong_test_app``, a role without
ownership, superuser or BYPASSRLS, as production does, while migrations run as the owner
(``MIGRATION_DATABASE_URL``). tests/test_cross_tenant_sweep.py runs the whole sweep through
it on PostgreSQL. Raw SQL is used on purpose: it is what the ORM's scoping cannot
catch.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from core.db import db
from core.people.models import Person
from core.tenancy.context import cross_tenant_read, tenant_context
from core.tenancy.rls import CROSS_READ_POLICY, TENANT_POLICY, unprotected_tables

from conftest import TenantFixture, provision

# Raw SQL without a tenant filter is the point here.
pytestmark = [pytest.mark.postgresql, pytest.mark.unpinned_sql]

@pytest.fixture
def two(rls_app: Flask) -> tuple[TenantFixture, TenantFixture]:
    a = provision(rls_app, "jiange", "剑阁县司法局", "510823")
    b = provision(rls_app, "cangxi", "苍溪县司法局", "510824")
    for tenant, name in ((a, "剑阁当事人"), (b, "苍溪当事人-机密")):
        with rls_app.app_context(), tenant_context(tenant.id):
            db.session.add(Person(name=name))
            db.session.commit()
    return a, b


def names(connection) -> set[str]:
    return set(connection.scalars(text("SELECT name FROM people")))


def test_the_application_role_is_not_the_owner(rls_app: Flask) -> None:
    with rls_app.app_context(), db.engine.connect() as connection:
        role = connection.execute(text(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user")).one()
        owner = connection.scalar(text(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'people'"))
    assert role.rolsuper is False and role.rolbypassrls is False
    assert owner != role.rolname


def test_every_tenant_table_is_forced_behind_the_policies(rls_app: Flask, database_url) -> None:
    owner = create_engine(database_url)
    with rls_app.app_context(), owner.connect() as connection:
        assert unprotected_tables(connection, db.metadata) == []
        forced = connection.scalar(text(
            "SELECT relforcerowsecurity FROM pg_class WHERE relname = 'mediation_case'"))
        policies = set(connection.scalars(text(
            "SELECT polname FROM pg_policy WHERE polrelid = 'people'::regclass")))
        platform = connection.scalar(text(
            "SELECT relrowsecurity FROM pg_class WHERE relname = 'tenants'"))
    owner.dispose()
    assert forced is True
    assert {TENANT_POLICY, CROSS_READ_POLICY} <= policies
    assert platform is False  # platform tables stay open (no tenant_id)


def test_raw_sql_without_a_tenant_filter_sees_only_the_current_tenant(rls_app, two) -> None:
    a, b = two
    with rls_app.app_context():
        with tenant_context(a.id):
            assert names(db.session.connection()) == {"剑阁当事人"}
            db.session.rollback()
        with tenant_context(b.id):
            assert names(db.session.connection()) == {"苍溪当事人-机密"}
            db.session.rollback()


def test_no_tenant_selected_sees_nothing_rather_than_everything(rls_app, two) -> None:
    with rls_app.app_context():
        # Through the app's engine with no tenant: the setting is '' and matches no row.
        with db.engine.connect() as connection:
            assert names(connection) == set()
        # A connection that never set anything (a forgotten SET LOCAL): nothing either.
        bare = create_engine(rls_app.config["SQLALCHEMY_DATABASE_URI"])
        with bare.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM people")) == 0
            assert connection.scalar(text("SELECT count(*) FROM users")) == 0
        bare.dispose()


def test_a_pooled_connection_never_carries_a_tenant_into_the_next_transaction(
        rls_app: Flask, two) -> None:
    a, _b = two
    engine = create_engine(rls_app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1,
                           max_overflow=0)
    from core.tenancy.rls import install_tenant_settings

    install_tenant_settings(engine)
    with tenant_context(a.id), engine.begin() as connection:
        pid = connection.scalar(text("SELECT pg_backend_pid()"))
        assert names(connection) == {"剑阁当事人"}
        assert connection.scalar(text("SELECT current_setting('app.tenant_id')")) == str(a.id)
    # The same physical connection, the next "request", no tenant selected.
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT pg_backend_pid()")) == pid
        assert connection.scalar(text("SELECT current_setting('app.tenant_id', true)")) == ""
        assert names(connection) == set()
    # Even a checkout that runs raw SQL before any listener could act sees nothing: SET LOCAL
    # ended with the transaction (a session-level SET would still be there).
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT count(*) FROM people")
        assert cursor.fetchone()[0] == 0
    finally:
        raw.close()
    engine.dispose()


def test_writes_for_another_tenant_are_refused_by_the_database(rls_app, two) -> None:
    a, b = two
    with rls_app.app_context(), tenant_context(a.id):
        connection = db.session.connection()
        # Moving A's row to B: the policy's WITH CHECK refuses the new row.
        with pytest.raises(ProgrammingError, match="row-level security"):
            connection.execute(text("UPDATE people SET tenant_id = :b"), {"b": b.id})
        db.session.rollback()
    with rls_app.app_context(), tenant_context(a.id):
        # An UPDATE without a tenant filter touches A's rows only.
        changed = db.session.connection().execute(text("UPDATE people SET name = name"))
        assert changed.rowcount == 1
        db.session.rollback()


def test_the_cross_tenant_helper_reads_everything_and_writes_nothing(rls_app, two) -> None:
    with rls_app.app_context():
        with cross_tenant_read("test: roll-up of people", actor="test"):
            connection = db.session.connection()
            assert names(connection) == {"剑阁当事人", "苍溪当事人-机密"}
            # Writes see no row to change: the read-only policy covers SELECT alone.
            assert connection.execute(text("DELETE FROM people")).rowcount == 0
            assert connection.execute(text("UPDATE people SET name = 'x'")).rowcount == 0
            assert len(names(connection)) == 2
        db.session.rollback()


def test_the_application_role_cannot_truncate(rls_app, two) -> None:
    with rls_app.app_context(), db.engine.connect() as connection, pytest.raises(
            ProgrammingError, match="permission denied"):
        connection.execute(text("TRUNCATE people CASCADE"))
