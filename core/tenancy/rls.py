"""Row-level security on PostgreSQL: the second wall behind the ORM's tenant scoping.

Every tenant table (one with a ``tenant_id`` column) gets ``ENABLE`` and ``FORCE ROW LEVEL
SECURITY`` and three policies:

- ``fatong_tenant``: rows of the tenant named by the transaction-local setting
  ``app.tenant_id``, for every command (``USING`` and ``WITH CHECK``). The setting is read
  with ``NULLIF(current_setting('app.tenant_id', true), '')``: never set, or reset at the end
  of a transaction (it then reads ``''``), it is NULL and matches nothing: fail closed.
- ``fatong_cross_tenant_read``: SELECT only, while ``app.cross_tenant_read = 'on'``, which
  only ``core.tenancy.context.cross_tenant_read`` (audited, with a reason) turns on. Writes
  stay refused there, as the ORM refuses them.
- ``fatong_migrations``: for the table owner only (the role migrations run as), while
  ``app.migrating = 'on'``, which ``core.migrate`` sets for its own transaction, so that a
  data migration sees every tenant's rows. The application's role is not the owner, so this
  policy never applies to it.

The settings are issued with ``SET LOCAL`` inside the transaction that needs them (never a
session-level ``SET`` on a pooled connection): an engine listener compares the tenant the
code runs for with what the connection's transaction carries, and sets it before the
statement when they differ. A transaction's end forgets it, and so does the pool.

``apply_row_level_security`` (run by ``fatong db upgrade`` after the migrations, as the
owner) is idempotent and covers plugins' tables as well, whatever their branch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import MetaData, event, inspect, text
from sqlalchemy.engine import Connection, Engine

from core.tenancy.context import cross_tenant_grant, current_tenant_id

TENANT_SETTING = "app.tenant_id"
CROSS_READ_SETTING = "app.cross_tenant_read"
MIGRATING_SETTING = "app.migrating"
TENANT_POLICY = "fatong_tenant"
CROSS_READ_POLICY = "fatong_cross_tenant_read"
MIGRATION_POLICY = "fatong_migrations"
_CACHE_KEY = "fatong_rls_settings"

TENANT_MATCH = f"tenant_id = NULLIF(current_setting('{TENANT_SETTING}', true), '')::bigint"


def tenant_table_names(metadata: MetaData, existing: Iterable[str]) -> list[str]:
    """The tenant tables of ``metadata`` that exist in the database, in dependency order."""
    present = set(existing)
    return [table.name for table in metadata.sorted_tables
            if "tenant_id" in table.c and table.name in present]


def policy_statements(table: str, owner: str) -> list[str]:
    """The statements that put ``table`` behind the policies (idempotent)."""
    quoted = f'"{table}"'
    return [
        f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {TENANT_POLICY} ON {quoted}",
        f"CREATE POLICY {TENANT_POLICY} ON {quoted} USING ({TENANT_MATCH}) "
        f"WITH CHECK ({TENANT_MATCH})",
        f"DROP POLICY IF EXISTS {CROSS_READ_POLICY} ON {quoted}",
        f"CREATE POLICY {CROSS_READ_POLICY} ON {quoted} FOR SELECT "
        f"USING (current_setting('{CROSS_READ_SETTING}', true) = 'on')",
        f"DROP POLICY IF EXISTS {MIGRATION_POLICY} ON {quoted}",
        f'CREATE POLICY {MIGRATION_POLICY} ON {quoted} TO "{owner}" '
        f"USING (current_setting('{MIGRATING_SETTING}', true) = 'on') "
        f"WITH CHECK (current_setting('{MIGRATING_SETTING}', true) = 'on')",
    ]


def apply_row_level_security(connection: Connection, metadata: MetaData,
                             app_role: str | None = None) -> list[str]:
    """Enable, force and (re)create the policies on every tenant table; grant the
    application's role (when it is not the owner) what it needs and no more: no TRUNCATE,
    which row-level security does not cover, and no DDL. Returns the tables covered."""
    owner = connection.scalar(text("SELECT current_user"))
    tables = tenant_table_names(metadata, inspect(connection).get_table_names())
    for table in tables:
        for statement in policy_statements(table, owner):
            connection.execute(text(statement))
    if app_role and app_role != owner:
        role = f'"{app_role}"'
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        connection.execute(text(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
        connection.execute(text(f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {role}"))
        connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public "
                                f"TO {role}"))
    return tables


def unprotected_tables(connection: Connection, metadata: MetaData) -> list[str]:
    """Tenant tables without ENABLE + FORCE row-level security or without the tenant policy
    (``[]`` when everything is covered): what ``fatong db upgrade`` must fix."""
    tables = tenant_table_names(metadata, inspect(connection).get_table_names())
    rows = connection.execute(text(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = :policy) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r'"), {"policy": TENANT_POLICY})
    covered = {name for name, enabled, forced, policy in rows if enabled and forced and policy}
    return [table for table in tables if table not in covered]


# --- the per-transaction settings ----------------------------------------------------------


def _wanted() -> tuple[str, str]:
    tenant_id = current_tenant_id()
    return ("" if tenant_id is None else str(int(tenant_id)),
            "on" if cross_tenant_grant() is not None else "")


_CONTROL = ("ROLLBACK", "RELEASE", "SAVEPOINT", "COMMIT", "BEGIN")


def _before_cursor_execute(conn: Connection, cursor: Any, statement: str, parameters: Any,
                           context: Any, executemany: bool) -> None:
    if statement.lstrip()[:9].upper().startswith(_CONTROL):
        # Transaction control (ROLLBACK TO SAVEPOINT runs in an aborted transaction, where
        # a SET would fail): the next real statement sets what it needs.
        return
    wanted = _wanted()
    if conn.info.get(_CACHE_KEY) == wanted:
        return
    tenant, cross = wanted
    # Literal values: the tenant id is an int and the flag a constant. SET LOCAL (rather than
    # set_config) is what Citus propagates to the workers. Both in one round trip: without
    # parameters the driver sends the two statements as one simple query.
    cursor.execute(f"SET LOCAL {TENANT_SETTING} = '{tenant}'; "
                   f"SET LOCAL {CROSS_READ_SETTING} = '{cross}'")
    conn.info[_CACHE_KEY] = wanted


def _forget(conn: Any, *args: Any) -> None:
    # The transaction ended (or a savepoint rolled back, undoing SET LOCALs inside it).
    conn.info.pop(_CACHE_KEY, None)


def _forget_checkout(dbapi_connection: Any, connection_record: Any, proxy: Any) -> None:
    connection_record.info.pop(_CACHE_KEY, None)


def _forget_checkin(dbapi_connection: Any, connection_record: Any) -> None:
    connection_record.info.pop(_CACHE_KEY, None)


def _forget_reset(dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
    connection_record.info.pop(_CACHE_KEY, None)


def install_tenant_settings(engine: Engine) -> None:
    """Have ``engine`` carry the current tenant into each transaction (PostgreSQL only)."""
    if engine.dialect.name != "postgresql" or event.contains(
            engine, "before_cursor_execute", _before_cursor_execute):
        return
    event.listen(engine, "before_cursor_execute", _before_cursor_execute)
    for name in ("commit", "rollback", "rollback_savepoint"):
        event.listen(engine, name, _forget)
    event.listen(engine.pool, "checkout", _forget_checkout)
    event.listen(engine.pool, "checkin", _forget_checkin)
    event.listen(engine.pool, "reset", _forget_reset)
