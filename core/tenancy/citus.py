"""The Citus distribution plan, computed from the SQLAlchemy metadata (``fatong db citus-plan``).

Fatong's schema obeys the tenancy rules (core/tenancy/rules.py), so it can move from one
PostgreSQL server to Citus without a schema change: every tenant table (one with a
``tenant_id`` column) becomes a hash-distributed table on ``tenant_id``, all of them in one
co-location group anchored on ``users``; every platform table becomes a reference table.

The plan is generated, never written by hand, so docs/scaling.md cannot drift from the models.
It is plain SQL for the coordinator, in four steps:

1. drop every foreign key between the tables of the plan. Citus turns plain tables that
   reference a new reference table into "Citus local tables"; distributing one of those later
   recreates its foreign keys, and one still pointing from a local table at the freshly
   distributed table is refused. Dropping the keys first sidesteps that (the Citus docs'
   "drop the foreign keys, distribute the tables, and recreate the foreign keys");
2. ``create_reference_table`` for the platform tables, in foreign-key order;
3. ``create_distributed_table`` for the tenant tables, the anchor first, in foreign-key order;
4. recreate the foreign keys, exactly as the models declare them.

Each step is grouped by owner: core first, then each plugin. Tables nobody loaded owns (a
failed plugin's models, tables a test declared) are left out and listed in ``skipped``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKeyConstraint, MetaData, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import registry as Registry
from sqlalchemy.schema import AddConstraint, DropConstraint

from core.tenancy.rules import TENANT_COLUMN

if TYPE_CHECKING:
    from core.plugins.manager import PluginManager

CORE_OWNER = "core"
ANCHOR_TABLE = "users"
# Alembic's own bookkeeping stays a plain table on the coordinator, where migrations run.
EXCLUDED_TABLES = frozenset({"alembic_version"})
# Citus advises 32-128 shards for multi-tenant data; 64 leaves room to grow to many workers
# without re-sharding (a shard is the unit the rebalancer moves).
SHARD_COUNT = 64

_DIALECT = postgresql.dialect()


@dataclass
class CitusPlan:
    """What to run on the coordinator, and what could not be planned."""

    reference: list[tuple[str, Table]] = field(default_factory=list)    # (owner, table)
    distributed: list[tuple[str, Table]] = field(default_factory=list)  # anchor first
    foreign_keys: list[tuple[str, ForeignKeyConstraint]] = field(default_factory=list)
    anchor: str | None = None
    skipped: list[str] = field(default_factory=list)    # tables no loaded module owns
    problems: list[str] = field(default_factory=list)   # what Citus would refuse

    @property
    def tables(self) -> list[str]:
        return [table.name for _, table in self.reference + self.distributed]

    def sql(self) -> str:
        return render(self)


def table_owners(manager: PluginManager, registry: Registry | None = None) -> dict[str, str]:
    """Table name -> owner: ``"core"`` for core's modules, else the loaded plugin's name.

    Unlike :func:`core.tenancy.rules.plugin_table_owners` this covers core and built-in
    plugins living outside core (``tenants``); a failed plugin owns nothing.
    """
    packages: dict[str, str] = {CORE_OWNER: CORE_OWNER}
    for record in manager.loaded():
        if record.module is None:
            continue
        package = _package_of(record.module)
        if package == CORE_OWNER or package.startswith(f"{CORE_OWNER}."):
            continue  # core's always-on modules are core
        packages[package] = record.name
    owners: dict[str, str] = {}
    for mapper in (registry or _default_registry()).mappers:
        module_name = mapper.class_.__module__
        matches = [package for package in packages
                   if module_name == package or module_name.startswith(f"{package}.")]
        if not matches:
            continue
        owner = packages[max(matches, key=len)]  # the innermost package wins
        for table in mapper.tables:
            if isinstance(table, Table):
                owners[table.name] = owner
    return owners


def citus_plan(metadata: MetaData, owners: dict[str, str] | None = None,
               anchor: str = ANCHOR_TABLE) -> CitusPlan:
    """The plan for ``metadata``; ``owners`` maps table name -> owner (see :func:`table_owners`).

    Without ``owners`` every table is planned as core's (handy for a throwaway MetaData).
    """
    plan = CitusPlan()
    planned: list[tuple[str, Table]] = []
    for table in metadata.sorted_tables:
        if table.name in EXCLUDED_TABLES:
            continue
        owner = CORE_OWNER if owners is None else owners.get(table.name)
        if owner is None:
            plan.skipped.append(table.name)
            continue
        planned.append((owner, table))
    rank = _owner_rank({owner for owner, _ in planned})
    # A stable sort keeps metadata.sorted_tables' foreign-key order inside each owner.
    planned.sort(key=lambda item: rank[item[0]])
    plan.reference = [(o, t) for o, t in planned if TENANT_COLUMN not in t.c]
    distributed = [(o, t) for o, t in planned if TENANT_COLUMN in t.c]
    names = [t.name for _, t in distributed]
    if distributed:
        plan.anchor = anchor if anchor in names else names[0]
        # The anchor is distributed first: the others name it in colocate_with.
        distributed.sort(key=lambda item: item[1].name != plan.anchor)
    plan.distributed = distributed
    in_plan = {t.name for _, t in planned}
    plan.foreign_keys = [(owner, fk) for owner, table in planned
                         for fk in _sorted_fks(table) if fk.referred_table.name in in_plan]
    plan.problems = _problems(planned, in_plan)
    return plan


def render(plan: CitusPlan) -> str:
    """The plan as SQL text: deterministic, so docs/scaling.md can embed it verbatim."""
    lines = [
        "-- Fatong: Citus distribution plan, generated by `fatong db citus-plan` from the models.",
        "-- Do not edit: regenerate it. Run it once on the Citus coordinator, as the database",
        "-- owner, after `fatong db upgrade`:  psql -v ON_ERROR_STOP=1 -f citus-plan.sql",
        f"-- {len(plan.reference)} reference tables (platform data, copied to every node);",
        f"-- {len(plan.distributed)} distributed tables on tenant_id, co-located with "
        f"{plan.anchor or '-'}.",
    ]
    for problem in plan.problems:
        lines.append(f"-- PROBLEM (Citus will refuse this): {problem}")
    lines += [
        "",
        "-- Settings of this database (they apply to new sessions).",
        "-- SET LOCAL app.tenant_id (row-level security, core/tenancy/rls.py) reaches the",
        "-- workers only when the coordinator propagates SET LOCAL.",
        _alter_database("citus.propagate_set_commands", "local"),
        "-- A query that fans out to every shard is logged, so a missing tenant filter shows",
        "-- up; on a staging copy use 'error' to make it fail instead.",
        _alter_database("citus.multi_task_query_log_level", "log"),
        "",
        "-- This session: shards per distributed table (the co-location group keeps it).",
        f"SET citus.shard_count = {SHARD_COUNT};",
    ]
    lines += _section(
        "1. Drop the foreign keys (recreated in step 4), so that no table becomes a Citus",
        "local table on the way",
        [(owner, _drop_fk(fk)) for owner, fk in plan.foreign_keys])
    lines += _section(
        "2. Reference tables: platform data, replicated to every node", None,
        [(owner, f"SELECT create_reference_table({_regclass(table)});")
         for owner, table in plan.reference])
    lines += _section(
        "3. Distributed tables: sharded on tenant_id, all co-located", None,
        [(owner, _distribute(table, plan.anchor)) for owner, table in plan.distributed])
    lines += _section(
        "4. Recreate the foreign keys (distributed -> reference, co-located tenant_id joins)",
        None, [(owner, _ddl(AddConstraint(fk))) for owner, fk in plan.foreign_keys])
    return "\n".join(lines) + "\n"


# --- helpers -----------------------------------------------------------------------------


def _section(title: str, more: str | None, statements: list[tuple[str, str]]) -> list[str]:
    lines = ["", f"-- {title}"]
    if more:
        lines.append(f"-- {more}")
    if not statements:
        lines.append("-- (none)")
    current = None
    for owner, statement in statements:
        if owner != current:
            lines.append(f"-- [{owner}]")
            current = owner
        lines.append(statement)
    return lines


def _distribute(table: Table, anchor: str | None) -> str:
    # colocate_with => 'none' gives Fatong its own group, whatever else lives in the database;
    # every other tenant table joins the anchor's group, so tenant joins stay on one node.
    colocate = "none" if table.name == anchor else anchor
    return (f"SELECT create_distributed_table({_regclass(table)}, '{TENANT_COLUMN}', "
            f"colocate_with => {_literal(_quoted_name(colocate or 'none'))});")


def _problems(planned: list[tuple[str, Table]], in_plan: set[str]) -> list[str]:
    """Foreign keys Citus refuses once tenant_id is the distribution column."""
    found = []
    for _, table in planned:
        if TENANT_COLUMN not in table.c:
            continue
        for fk in _sorted_fks(table):
            if fk.referred_table.name not in in_plan:
                continue
            columns = [c.name for c in fk.columns]
            if TENANT_COLUMN not in columns:
                continue
            what = f"{table.name}.{fk.name or '(' + ', '.join(columns) + ')'}"
            if (fk.ondelete or "").upper() in {"SET NULL", "SET DEFAULT"}:
                found.append(f"{what}: ON DELETE {fk.ondelete.upper()} on a key including "
                             "tenant_id; use RESTRICT and clear the column in the service")
            if (fk.onupdate or "").upper() in {"SET NULL", "SET DEFAULT", "CASCADE"}:
                found.append(f"{what}: ON UPDATE {fk.onupdate.upper()} on a key including "
                             "tenant_id; drop the ON UPDATE action")
    return found


def _drop_fk(fk: ForeignKeyConstraint) -> str:
    if fk.name is not None:
        return _ddl(DropConstraint(fk))
    # An unnamed key got PostgreSQL's default name when the table was created.
    default = f"{fk.table.name}_{'_'.join(c.name for c in fk.columns)}_fkey"
    return f"ALTER TABLE {_DIALECT.identifier_preparer.format_table(fk.table)} " \
           f"DROP CONSTRAINT {_quoted_name(default)};"


def _sorted_fks(table: Table) -> list[ForeignKeyConstraint]:
    # A set in SQLAlchemy: sort by name (then columns) so the plan is the same every run.
    return sorted(table.foreign_key_constraints,
                  key=lambda fk: (str(fk.name or ""), [c.name for c in fk.columns]))


def _owner_rank(owners: Iterable[str]) -> dict[str, tuple[int, str]]:
    return {owner: (owner != CORE_OWNER, owner) for owner in owners}


def _ddl(element: AddConstraint | DropConstraint) -> str:
    return " ".join(str(element.compile(dialect=_DIALECT)).split()) + ";"


def _quoted_name(name: str) -> str:
    return _DIALECT.identifier_preparer.quote(name)


def _regclass(table: Table) -> str:
    return _literal(_DIALECT.identifier_preparer.format_table(table))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _alter_database(setting: str, value: str) -> str:
    # ALTER DATABASE wants the name spelt out; format() keeps the plan free of it.
    return (f"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET {setting} = %L', "
            f"current_database(), '{value}'); END $$;")


def _package_of(module: ModuleType) -> str:
    name = module.__name__
    return name if hasattr(module, "__path__") else (name.rpartition(".")[0] or name)


def _default_registry() -> Registry:
    from core.db import db

    return db.Model.registry
