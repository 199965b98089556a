"""Does every SQL statement run for a tenant name its tenant? (Citus readiness, issue #8.)

On Citus a statement reaches one shard only when every tenant table it touches is pinned to
one tenant: ``alias.tenant_id = <value>``, or joined on ``tenant_id`` to a table that is. A
statement without that fans out to every shard (and, with a missing filter, is a leak the
ORM's scoping should have stopped). This module records the statements a test run emits
while a tenant is selected, parses them with pglast (PostgreSQL's own grammar) and reports
each one that touches a tenant table without such a condition, a static stand-in for
``citus.multi_task_query_log_level = 'error'``.

Statements run without a tenant (platform pages, migrations, the test harness) and inside
``cross_tenant_read`` (roll-ups: multi-shard by design) are not recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from core.tenancy.context import cross_tenant_grant, current_tenant_id

PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s")


@dataclass
class StatementRecorder:
    """Collects distinct statements (PostgreSQL only) while installed."""

    statements: dict[str, str] = field(default_factory=dict)  # sql -> first test seen in
    current_test: str = ""
    paused: bool = False  # a test marked unpinned_sql runs unfiltered SQL on purpose

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any,
                context: Any, executemany: bool) -> None:
        if self.paused or conn.dialect.name != "postgresql" or current_tenant_id() is None:
            return
        if cross_tenant_grant() is not None:
            return
        self.statements.setdefault(statement, self.current_test)

    def install(self) -> None:
        event.listen(Engine, "before_cursor_execute", self._record)

    def remove(self) -> None:
        event.remove(Engine, "before_cursor_execute", self._record)


def _pg_text(statement: str) -> str:
    """psycopg's placeholders as PostgreSQL's ($1, $2, …), so pglast can parse it."""
    counter = iter(range(1, 100_000))
    return PLACEHOLDER.sub(lambda _match: f"${next(counter)}", statement)


def _column_ref(node: Any) -> tuple[str, ...] | None:
    from pglast import ast

    if isinstance(node, ast.ColumnRef):
        parts = []
        for part in node.fields:
            if not isinstance(part, ast.String):
                return None
            parts.append(part.sval)
        return tuple(parts)
    if isinstance(node, ast.TypeCast):
        return _column_ref(node.arg)
    return None


def _is_value(node: Any) -> bool:
    from pglast import ast

    if isinstance(node, ast.TypeCast):
        return _is_value(node.arg)
    return isinstance(node, ast.ParamRef | ast.A_Const)


def _never_true(node: Any) -> bool:
    from pglast import ast

    if isinstance(node, ast.TypeCast):
        return _never_true(node.arg)
    return (isinstance(node, ast.A_Const) and isinstance(node.val, ast.Boolean)
            and not node.val.boolval)


def _walk(node: Any) -> Iterable[Any]:
    from pglast import ast

    if isinstance(node, ast.Node):
        yield node
        for name in node:
            yield from _walk(getattr(node, name))
    elif isinstance(node, tuple | list):
        for item in node:
            yield from _walk(item)


def unpinned_tables(statement: str, tenant_tables: set[str]) -> list[str]:
    """The tenant tables ``statement`` touches without pinning them to one tenant."""
    from pglast import ast, enums, parse_sql

    found: list[str] = []
    for raw in parse_sql(_pg_text(statement)):
        nodes = list(_walk(raw.stmt))
        # alias (or table name) -> table, for each tenant table referenced
        references: dict[str, str] = {}
        for node in nodes:
            if isinstance(node, ast.RangeVar) and node.relname in tenant_tables:
                references[node.alias.aliasname if node.alias else node.relname] = node.relname
        if not references or _never_true(getattr(raw.stmt, "whereClause", None)):
            continue  # ``WHERE false`` (an empty scope) reads no shard at all
        if isinstance(raw.stmt, ast.InsertStmt):
            columns = {target.name for target in raw.stmt.cols or ()}
            inserted = raw.stmt.relation.relname
            if inserted in tenant_tables and "tenant_id" not in columns:
                found.append(inserted)
            references.pop(raw.stmt.relation.alias.aliasname if raw.stmt.relation.alias
                           else inserted, None)
            if not references:
                continue
        pinned: set[str] = set()
        joined: list[tuple[str, str]] = []
        single = next(iter(references)) if len(references) == 1 else None
        for node in nodes:
            if not (isinstance(node, ast.A_Expr) and node.kind == enums.A_Expr_Kind.AEXPR_OP
                    and [n.sval for n in node.name] == ["="]):
                continue
            left, right = _column_ref(node.lexpr), _column_ref(node.rexpr)
            sides = [(left, node.rexpr), (right, node.lexpr)]
            owners = []
            for ref, other in sides:
                if ref and ref[-1] == "tenant_id":
                    owner = ref[-2] if len(ref) >= 2 else single
                    if owner is not None:
                        owners.append(owner)
                        if _is_value(other):
                            pinned.add(owner)
            if len(owners) == 2:
                joined.append((owners[0], owners[1]))
        # A join on tenant_id to a pinned table pins the other side too.
        changed = True
        while changed:
            changed = False
            for a, b in joined:
                if (a in pinned) != (b in pinned):
                    pinned |= {a, b}
                    changed = True
        found += [table for alias, table in references.items() if alias not in pinned]
    return found


def report(statements: dict[str, str], tenant_tables: set[str]) -> list[str]:
    """One line per statement that touches a tenant table without pinning it."""
    lines = []
    for statement, test in statements.items():
        try:
            tables = unpinned_tables(statement, tenant_tables)
        except Exception as exc:  # noqa: BLE001 - an unparsable statement is reported too
            lines.append(f"cannot parse ({exc}) in {test}: {statement[:300]}")
            continue
        if tables:
            compact = " ".join(statement.split())
            shown = compact if len(compact) <= 900 else f"{compact[:400]} ... {compact[-500:]}"
            lines.append(f"{sorted(set(tables))} not pinned to a tenant, in {test}: {shown}")
    return lines
