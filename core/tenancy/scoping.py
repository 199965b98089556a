"""Automatic, fail-closed tenant scoping of the ORM.

- Every ORM SELECT, UPDATE and DELETE run in a tenant, lazy loads and refreshes included,
  gets ``tenant_id = <current tenant>`` through ``with_loader_criteria``, which reaches the
  tenant entities wherever they appear: top level, joins, subqueries, relationship loads.
- With no tenant selected, a statement touching a tenant table anywhere raises
  ``NoTenantContext``, unless it runs inside ``cross_tenant_read`` (reads only).
- Flushes stamp new rows with the current tenant and refuse rows of another tenant.
"""

from __future__ import annotations

from sqlalchemy import Delete, Select, Table, Update, event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import visitors

from core.tenancy.context import (
    CrossTenantWriteRefused,
    NoTenantContext,
    TenantMismatch,
    cross_tenant_grant,
    current_tenant_id,
)
from core.tenancy.model import TenantModel, is_tenant_model

TENANT_COLUMN = "tenant_id"


def _touches_tenant_model(state: ORMExecuteState) -> bool:
    mappers = list(state.all_mappers)
    if state.bind_mapper is not None:
        mappers.append(state.bind_mapper)
    if any(is_tenant_model(m.class_) for m in mappers):
        return True
    # all_mappers sees only the top level: a tenant table can also hide in a join, a
    # subquery or an EXISTS under a platform query. A table with tenant_id is tenant-owned
    # (core.tenancy.rules makes sure TenantModel maps it).
    return any(isinstance(element, Table) and TENANT_COLUMN in element.c
               for element in visitors.iterate(state.statement))


def _scope_bare_tables(state: ORMExecuteState, statement, tenant_id: int):
    """The tenant criterion for tenant tables that no ORM entity stands for, which
    ``with_loader_criteria`` does not reach: an aggregate whose columns sit only inside CASE
    (``select(func.sum(case((Case.route == x, 1))))`` has no entity), a Core ``select``,
    ``update`` or ``delete`` of a ``Table`` run through the session. Joins are left alone (a
    WHERE on an outer-joined table would drop rows); their entities are scoped already."""
    if state.is_orm_statement:
        # Entities present: with_loader_criteria reaches their tables (the common case; the
        # FROM list below costs a compile-state per statement, so only for the rest).
        return statement
    if isinstance(statement, Select):
        bare = [table for table in statement.get_final_froms()
                if isinstance(table, Table) and TENANT_COLUMN in table.c]
        if bare:
            statement = statement.where(*(table.c[TENANT_COLUMN] == tenant_id for table in bare))
    elif isinstance(statement, Update | Delete):
        table = statement.table
        if isinstance(table, Table) and TENANT_COLUMN in table.c:
            statement = statement.where(table.c[TENANT_COLUMN] == tenant_id)
    return statement


def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    tenant_id = current_tenant_id()
    if tenant_id is not None:
        # Every statement gets the criterion, whatever its root entity and also for lazy
        # loads and refreshes: it reaches tenant entities in joins and subqueries, and rows
        # made in this session or read by cross_tenant_read carry no criterion of their own
        # to propagate to their relationship loads.
        statement = state.statement.options(
            with_loader_criteria(
                TenantModel,
                lambda cls: cls.tenant_id == tenant_id,
                include_aliases=True,
                track_closure_variables=True,
            )
        )
        state.statement = _scope_bare_tables(state, statement, tenant_id)
        return
    if not _touches_tenant_model(state):
        return
    if cross_tenant_grant() is None:
        if state.is_column_load or state.is_relationship_load:
            raise NoTenantContext("Lazy load of tenant data outside a tenant context")
        raise NoTenantContext(
            "Query on tenant data without a tenant: use tenant_context(tenant) "
            "or cross_tenant_read(reason=...)"
        )
    if not state.is_select:
        raise CrossTenantWriteRefused("Bulk update or delete inside cross_tenant_read")


def _stamp_and_check(session: Session, flush_context: object, instances: object) -> None:
    tenant_id = current_tenant_id()
    for obj in session.new:
        if not isinstance(obj, TenantModel):
            continue
        if cross_tenant_grant() is not None and tenant_id is None:
            raise CrossTenantWriteRefused("Insert inside cross_tenant_read")
        if tenant_id is None:
            raise NoTenantContext(f"Insert of {type(obj).__name__} without a tenant")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantMismatch(
                f"{type(obj).__name__} for tenant {obj.tenant_id} inserted in tenant {tenant_id}"
            )
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantModel):
            continue
        if tenant_id is None:
            if cross_tenant_grant() is not None:
                raise CrossTenantWriteRefused("Update or delete inside cross_tenant_read")
            raise NoTenantContext(f"Write to {type(obj).__name__} without a tenant")
        if obj.tenant_id != tenant_id:
            raise TenantMismatch(
                f"{type(obj).__name__} of tenant {obj.tenant_id} changed in tenant {tenant_id}"
            )


def install_scoping(session_class: type[Session]) -> None:
    """Attach the scoping events to a Session class (idempotent)."""
    if not event.contains(session_class, "do_orm_execute", _scope_statement):
        event.listen(session_class, "do_orm_execute", _scope_statement)
        event.listen(session_class, "before_flush", _stamp_and_check)
