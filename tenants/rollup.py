"""Roll-up of subordinate tenants for a parent bureau (a city's or a province's).

What a parent sees of each child: name, region, level, status, enabled service lines and
activity counts. Never anything about a person: the figures come from the
``tenant_activity`` hook, whose contract is "counts only".

Queries, for a parent with N listed descendants (bounded, whatever N):

- the descendants: 1 (a recursive CTE over ``tenants.parent_id``);
- the enabled lines of all of them: 1 (``tenant_plugins``, inside the cross-tenant read);
- the figures, per child and period: 3 for the tenants module's own (active accounts,
  logins, people registered) plus 1 per enabled line implementing ``tenant_activity``
  (notices: 1).

So the subordinates page of a province with 200 descendants and notices enabled runs
2 + 200 × 4 counting queries, all on indexed ``(tenant_id, …)`` columns; the detail page of
one child runs 2 + 3 periods × 4.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select
from sqlalchemy.orm import ORMExecuteState, Session

from core.auth.models import User
from core.db import db
from core.plugins.contributions import ActivityCount
from core.plugins.enablement import TenantPlugin, hooks_for, plugin_manager
from core.tenancy.context import CrossTenantWriteRefused, cross_tenant_read, tenant_context
from core.tenancy.models import LISTED_STATUSES, Tenant, TenantLevel, TenantStatus, utcnow
from core.tenancy.session import TenantSession
from core.tenancy.web import known_listed_child

log = logging.getLogger(__name__)

LEVEL_LABELS = {
    TenantLevel.PROVINCE: _l("Province"),
    TenantLevel.CITY: _l("City"),
    TenantLevel.COUNTY: _l("County"),
}
STATUS_LABELS = {
    TenantStatus.PENDING: _l("Pending"),
    TenantStatus.ACTIVE: _l("Active"),
    TenantStatus.SUSPENDED: _l("Suspended"),
    TenantStatus.REJECTED: _l("Rejected"),
}

# --- periods -----------------------------------------------------------------------------

DEFAULT_PERIOD = "30d"
PERIODS: dict[str, Any] = {
    "30d": _l("Last 30 days"),
    "90d": _l("Last 90 days"),
    "year": _l("This year"),
}


def period_start(period: str, now: datetime | None = None) -> datetime:
    """The aware UTC datetime a period starts at ("year": 1 January, local midnight)."""
    now = now or utcnow()
    if period == "90d":
        return now - timedelta(days=90)
    if period == "year":
        zone = get_timezone()
        local_now = now.astimezone(zone)
        naive = datetime.combine(local_now.date().replace(month=1, day=1), time.min)
        local = zone.localize(naive) if hasattr(zone, "localize") else naive.replace(tzinfo=zone)
        # In UTC: SQLite compares stored UTC text and would ignore an offset.
        return local.astimezone(UTC)
    return now - timedelta(days=30)


def parse_period(value: str | None) -> str:
    return value if value in PERIODS else DEFAULT_PERIOD


# --- the hierarchy -----------------------------------------------------------------------


@dataclass
class Subordinate:
    """One listed descendant; ``depth`` 1 for a child, 2 for a grandchild, …"""

    tenant: Tenant
    depth: int
    lines: list[Line] = field(default_factory=list)
    figures: dict[str, int] | None = None  # None: its figures could not be read

    @property
    def suspended(self) -> bool:
        return self.tenant.status == TenantStatus.SUSPENDED


@dataclass(frozen=True)
class Line:
    """An enabled service line: the plugin's name and title, enabled since when."""

    name: str
    title: Any
    since: datetime | None


def descendants(root_id: int) -> list[Subordinate]:
    """The listed descendants of a tenant, depth first, each under its parent (one query).

    A descendant that is not listed (pending, rejected) is left out but its own children
    are not: they hang under its nearest listed ancestor. A cycle in ``parent_id`` (a
    hierarchy edited badly) ends the walk rather than looping.
    """
    tree = (select(Tenant.id).where(Tenant.parent_id == root_id)
            .cte("subordinates", recursive=True))
    tree = tree.union(select(Tenant.id).join(tree, Tenant.parent_id == tree.c.id))
    rows = db.session.scalars(
        select(Tenant).where(Tenant.id.in_(select(tree.c.id)), Tenant.id != root_id)
        .order_by(Tenant.region_code, Tenant.name)).all()
    by_parent: dict[int | None, list[Tenant]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)

    found: list[Subordinate] = []
    seen = {root_id}

    def walk(parent_id: int, depth: int) -> None:
        for child in by_parent.get(parent_id, []):
            if child.id in seen:
                continue
            seen.add(child.id)
            listed = child.status in LISTED_STATUSES
            if listed:
                found.append(Subordinate(tenant=child, depth=depth))
            walk(child.id, depth + 1 if listed else depth)

    walk(root_id, 1)
    return found


def has_listed_child(tenant_id: int) -> bool:
    """Whether a tenant has a direct child to show (the navigation's question).

    The request's tenant was read with the answer (core.tenancy.web); others cost a query.
    """
    known = known_listed_child(tenant_id)
    if known is not None:
        return known
    return db.session.scalar(
        select(Tenant.id).where(Tenant.parent_id == tenant_id,
                                Tenant.status.in_(LISTED_STATUSES)).limit(1)) is not None


def find_descendant(root_id: int, child_id: int) -> Subordinate | None:
    return next((s for s in descendants(root_id) if s.tenant.id == child_id), None)


# --- reading the children ----------------------------------------------------------------

_read_only: contextvars.ContextVar[bool] = contextvars.ContextVar("fatong_rollup_read_only",
                                                                  default=False)


def _refuse_flush(session: Session, flush_context: object, instances: object) -> None:
    if _read_only.get() and (session.new or session.dirty or session.deleted):
        raise CrossTenantWriteRefused("Write while reading subordinate tenants")


def _refuse_dml(state: ORMExecuteState) -> None:
    if _read_only.get() and (state.is_insert or state.is_update or state.is_delete):
        raise CrossTenantWriteRefused("Write while reading subordinate tenants")


# Inside cross_tenant_read, tenant_context(child) makes the child's rows writable again as
# far as scoping goes; the roll-up only ever reads, so writes are refused here as well.
event.listen(TenantSession, "before_flush", _refuse_flush)
event.listen(TenantSession, "do_orm_execute", _refuse_dml)


@contextmanager
def reading_subordinates(parent: Tenant, actor: str) -> Iterator[None]:
    """One audited cross-tenant read for a parent's look at its children, refusing writes."""
    db.session.flush()  # the request's own pending changes belong to the parent, not here
    with cross_tenant_read(reason=f"subordinates of {parent.slug} ({parent.id}): "
                                  "enabled lines and activity counts", actor=actor):
        token = _read_only.set(True)
        try:
            yield
        finally:
            _read_only.reset(token)


def enabled_lines(tenant_ids: list[int]) -> dict[int, list[Line]]:
    """Enabled toggleable lines per tenant, in one query (call inside the cross read)."""
    manager = plugin_manager()
    lines: dict[int, list[Line]] = {tenant_id: [] for tenant_id in tenant_ids}
    if not tenant_ids:
        return lines
    rows = db.session.execute(
        select(TenantPlugin.tenant_id, TenantPlugin.plugin, TenantPlugin.changed_at)
        .where(TenantPlugin.tenant_id.in_(tenant_ids), TenantPlugin.enabled.is_(True))
    ).all()
    for tenant_id, name, changed_at in rows:
        record = manager.records.get(name)
        if record is None or not record.loaded or record.always_on:
            continue
        lines[tenant_id].append(Line(name=name, title=record.info.title, since=changed_at))
    for found in lines.values():
        found.sort(key=lambda line: str(line.title))
    return lines


CORE_KEYS = ("core.users_active", "core.logins", "core.people_new")


def key_rank(key: str) -> tuple[int, int, str]:
    """Core's figures first, then the lines' by key: the same columns on every page."""
    return (0, CORE_KEYS.index(key), "") if key in CORE_KEYS else (1, 0, key)


@dataclass
class Figures:
    """Labels of the keys seen (in display order) and their totals over the children."""

    labels: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def add(self, counts: list[ActivityCount]) -> dict[str, int]:
        values: dict[str, int] = {}
        for count in counts:
            self.labels.setdefault(count.key, count.label)
            values[count.key] = values.get(count.key, 0) + int(count.value or 0)
        for key, value in values.items():
            self.totals[key] = self.totals.get(key, 0) + value
        return values

    def ordered(self) -> None:
        self.labels = {key: self.labels[key] for key in sorted(self.labels, key=key_rank)}


def child_activity(child: Tenant, enabled: frozenset[str], since: datetime
                   ) -> list[ActivityCount]:
    """The child's figures from the ``tenant_activity`` hook of its enabled plugins.

    Call inside :func:`reading_subordinates`; the child's tenant context is selected here.
    """
    with tenant_context(child.id):
        results = hooks_for(child, enabled).tenant_activity(tenant=child, since=since)
    return [count for result in results for count in (result or [])]


def _collect(subordinates: list[Subordinate], since_by_period: dict[str, datetime]
             ) -> tuple[dict[str, Figures], dict[tuple[int, str], dict[str, int] | None]]:
    """Lines and figures of each subordinate for each period (inside the cross read)."""
    lines = enabled_lines([s.tenant.id for s in subordinates])
    figures = {period: Figures() for period in since_by_period}
    values: dict[tuple[int, str], dict[str, int] | None] = {}
    failed = False
    for subordinate in subordinates:
        child = subordinate.tenant
        subordinate.lines = lines.get(child.id, [])
        enabled = frozenset(line.name for line in subordinate.lines)
        for period, since in since_by_period.items():
            try:
                counts = child_activity(child, enabled, since)
            except CrossTenantWriteRefused:
                raise
            except Exception:  # noqa: BLE001 - one line's broken hook must not hide the rest
                log.exception("tenant_activity failed for tenant %s", child.id)
                values[(child.id, period)] = None
                failed = True
                continue
            values[(child.id, period)] = figures[period].add(counts)
    for found in figures.values():
        found.ordered()
    if failed:
        # On PostgreSQL a failed statement aborts the transaction; the page still needs it.
        db.session.rollback()
    return figures, values


def overview(parent: Tenant, period: str, actor: str) -> tuple[list[Subordinate], Figures]:
    """The parent's listed descendants with lines and the figures of one period."""
    subordinates = descendants(parent.id)
    if not subordinates:
        return [], Figures()
    with reading_subordinates(parent, actor):
        figures, values = _collect(subordinates, {period: period_start(period)})
    for subordinate in subordinates:
        subordinate.figures = values.get((subordinate.tenant.id, period))
    return subordinates, figures[period]


def detail(parent: Tenant, subordinate: Subordinate, actor: str
           ) -> tuple[dict[str, Figures], dict[str, dict[str, int] | None]]:
    """One descendant's lines and figures for every period, side by side."""
    now = utcnow()
    with reading_subordinates(parent, actor):
        figures, values = _collect([subordinate],
                                   {period: period_start(period, now) for period in PERIODS})
    return figures, {period: values.get((subordinate.tenant.id, period)) for period in PERIODS}


# --- the tenants module's own figures ----------------------------------------------------


def core_activity(tenant: Tenant, since: datetime) -> list[ActivityCount]:
    """Active accounts, logins since ``since`` and people registered since ``since``.

    Runs in the child's tenant context (the hook's contract): every count is scoped to it.
    """
    from core.audit.models import AuditEvent
    from core.people.models import Person

    since = since.astimezone(UTC)
    users = db.session.scalar(
        select(func.count()).select_from(User).where(User.active.is_(True)))
    # core.audit.subscribers writes "auth.login" for every successful login (password, or
    # password and second factor), in the tenant's own chain.
    logins = db.session.scalar(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.event == "auth.login", AuditEvent.outcome == "success",
               AuditEvent.occurred_at >= since))
    people = db.session.scalar(
        select(func.count()).select_from(Person).where(Person.created_at >= since))
    return [
        ActivityCount(key="core.users_active", label=_l("Active user accounts"),
                      value=users or 0),
        ActivityCount(key="core.logins", label=_l("Logins"), value=logins or 0),
        ActivityCount(key="core.people_new", label=_l("People registered"),
                      value=people or 0),
    ]
