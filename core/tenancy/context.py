"""Which tenant the current code runs for.

The tenant lives in a context variable so that web requests, CLI commands, background jobs
and tests share one mechanism. Nothing here defaults to "all tenants": code that must read
across tenants says so through :func:`cross_tenant_read`, which records why.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

audit_log = logging.getLogger("fatong.audit")

_current_tenant: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "fatong_tenant_id", default=None
)
_cross_tenant: contextvars.ContextVar[CrossTenantGrant | None] = contextvars.ContextVar(
    "fatong_cross_tenant", default=None
)


class TenancyError(RuntimeError):
    """Base class of tenancy violations; always a programming error, never user input."""


class NoTenantContext(TenancyError):
    """A tenant-owned table was touched while no tenant was selected."""


class TenantMismatch(TenancyError):
    """A row was written for a tenant other than the current one."""


class CrossTenantWriteRefused(TenancyError):
    """A write was attempted inside a cross-tenant read."""


@dataclass(frozen=True)
class CrossTenantGrant:
    reason: str
    actor: str


def current_tenant_id() -> int | None:
    """The selected tenant's id, or None outside any tenant."""
    return _current_tenant.get()


def require_tenant_id() -> int:
    """The selected tenant's id; raises :class:`NoTenantContext` when there is none."""
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        raise NoTenantContext(
            "No tenant selected: wrap the code in tenant_context(tenant) "
            "or use cross_tenant_read(reason=...) for a deliberate cross-tenant read."
        )
    return tenant_id


def cross_tenant_grant() -> CrossTenantGrant | None:
    return _cross_tenant.get()


@contextmanager
def tenant_context(tenant: object) -> Iterator[int]:
    """Run the block for one tenant (a Tenant or its id); nests and restores cleanly."""
    tenant_id = tenant if isinstance(tenant, int) else getattr(tenant, "id", None)
    if not isinstance(tenant_id, int):
        raise TypeError(f"tenant_context needs a Tenant or an int id, got {tenant!r}")
    token = _current_tenant.set(tenant_id)
    try:
        yield tenant_id
    finally:
        _current_tenant.reset(token)


def set_request_tenant(tenant_id: int | None) -> contextvars.Token:
    """Select the tenant for a web request; the caller resets the returned token at teardown."""
    return _current_tenant.set(tenant_id)


def reset_request_tenant(token: contextvars.Token) -> None:
    _current_tenant.reset(token)


@contextmanager
def cross_tenant_read(reason: str, actor: str = "system") -> Iterator[None]:
    """The one door to reading across tenants (roll-ups, platform jobs, the operator console).

    Queries inside the block are not scoped to a tenant; any ORM write, bulk update or bulk
    delete of tenant data inside it raises :class:`CrossTenantWriteRefused`. Every use is
    written to the ``fatong.audit`` log with its reason and actor.
    """
    if not reason or not reason.strip():
        raise ValueError("cross_tenant_read needs a reason")
    audit_log.info("cross-tenant read by %s: %s", actor, reason)
    _record_grant(reason, actor)
    token = _cross_tenant.set(CrossTenantGrant(reason=reason.strip(), actor=actor))
    tenant_token = _current_tenant.set(None)
    try:
        yield
    finally:
        _current_tenant.reset(tenant_token)
        _cross_tenant.reset(token)


def _record_grant(reason: str, actor: str) -> None:
    from core.signals import cross_tenant_read_opened

    cross_tenant_read_opened.send(None, reason=reason, actor=actor)
