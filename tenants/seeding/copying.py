"""Copying the template county's rows to other tenants, on the database server.

Every tenant table's primary key is ``(tenant_id, id)`` and every reference between tenant
tables carries ``tenant_id`` (core.tenancy.rules), so a copy that changes only ``tenant_id``
is a consistent county: its cases point at its own committees, people and users. Ids repeat
across the seeded counties, which no query depends on (ids are only unique within a tenant
by the schema; production ids happen to be unique everywhere).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection

from core.people.models import TABLE as PEOPLE_TABLE
from core.tenancy.rls import MIGRATING_SETTING

# Not copied: the audit trail (a copied hash chain would not verify, and the copies were
# never worked on) and login sessions. People are copied separately (re-encrypted).
NOT_COPIED = frozenset({"audit_events", "audit_chain_heads", "user_sessions"})


@dataclass(frozen=True)
class TableCopy:
    table: str
    columns: tuple[str, ...]


def copy_plan(connection: Connection, metadata: MetaData) -> list[TableCopy]:
    """The tenant tables to copy, parents before children (foreign keys checked as rows go
    in when the role cannot switch the checks off), people included in its place."""
    existing = set(inspect(connection).get_table_names())
    plan = []
    for table in metadata.sorted_tables:
        if table.name in NOT_COPIED or table.name not in existing or "tenant_id" not in table.c:
            continue
        plan.append(TableCopy(table.name, tuple(column.name for column in table.c)))
    return plan


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def copy_statement(dialect: str, copy: TableCopy) -> str:
    """``INSERT … SELECT`` of the template's rows once per tenant id in ``:ids``."""
    columns = ", ".join(_quoted(name) for name in copy.columns)
    if dialect == "postgresql":
        tenant, source = "t.id", "unnest(CAST(:ids AS bigint[])) AS t(id)"
    else:
        tenant, source = "t.value", "json_each(:ids) AS t"
    values = ", ".join(tenant if name == "tenant_id" else f"s.{_quoted(name)}"
                       for name in copy.columns)
    return (f"INSERT INTO {_quoted(copy.table)} ({columns}) SELECT {values} "
            f"FROM {_quoted(copy.table)} AS s, {source} WHERE s.tenant_id = :template")


def ids_parameter(dialect: str, tenant_ids: Sequence[int]) -> object:
    return list(tenant_ids) if dialect == "postgresql" else json.dumps(list(tenant_ids))


def is_superuser(connection: Connection) -> bool:
    """Whether the connection's role may skip foreign-key triggers (asked once per worker)."""
    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.exec_driver_sql(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar())


def open_bulk_transaction(connection: Connection, superuser: bool = False) -> None:
    """Let the owner's transaction write every tenant's rows (the migrations policy of
    core.tenancy.rls) and, for a superuser, skip the per-row foreign-key triggers: the rows
    are copies of a consistent county."""
    if connection.dialect.name != "postgresql":
        return
    connection.exec_driver_sql(f"SET LOCAL {MIGRATING_SETTING} = 'on'")
    if superuser:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")


def copy_tables(connection: Connection, plan: Iterable[TableCopy], template_id: int,
                tenant_ids: Sequence[int], people_writer) -> int:
    """Copy every planned table to ``tenant_ids``; ``people_writer(connection, tenant_ids)``
    writes the people rows when their turn comes. Returns the number of rows written."""
    dialect = connection.dialect.name
    ids = ids_parameter(dialect, tenant_ids)
    written = 0
    for copy in plan:
        if copy.table == PEOPLE_TABLE:
            written += people_writer(connection, tenant_ids)
            continue
        result = connection.execute(text(copy_statement(dialect, copy)),
                                    {"ids": ids, "template": template_id})
        written += max(result.rowcount or 0, 0)
    rename_bureaus(connection, ids)
    return written


def rename_bureaus(connection: Connection, ids: object) -> None:
    """Each county's top org unit bears its own bureau's name, not the template's."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(
            "UPDATE org_units AS o SET name = t.name FROM tenants AS t "
            "WHERE o.tenant_id = t.id AND o.parent_id IS NULL "
            "AND t.id = ANY(CAST(:ids AS bigint[]))"), {"ids": ids})
    else:
        connection.execute(text(
            "UPDATE org_units SET name = (SELECT name FROM tenants WHERE tenants.id = "
            "org_units.tenant_id) WHERE parent_id IS NULL "
            "AND tenant_id IN (SELECT value FROM json_each(:ids))"), {"ids": ids})

