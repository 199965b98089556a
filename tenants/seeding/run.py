"""The seed-scale run: template county, tenant rows, then the copies in worker processes."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from core.audit.api import record, suspended_for_bulk_load
from core.crypto import crypto_provider
from core.db import db
from core.ids import new_id
from core.migrate import owner_engine
from core.people.models import TABLE as PEOPLE_TABLE
from core.sdk import Tenant, TenantLevel, TenantStatus
from tenants.seeding.copying import (
    TableCopy,
    copy_plan,
    copy_tables,
    is_superuser,
    open_bulk_transaction,
)
from tenants.seeding.counties import SeededCounty, counties_for
from tenants.seeding.people import TemplatePeople, load_template_people, write_people
from tenants.seeding.template import build_template

ACTOR = "seed-scale"


class SeedRefused(Exception):
    """The database cannot be seeded (it holds tenants, or the arguments are wrong)."""


@dataclass
class SeedReport:
    tenants: int
    rows: int
    template_seconds: float
    copy_seconds: float
    jobs: int


def seed_scale(*, tenants: int | None, years: int, password: str, volume: float = 1.0,
               jobs: int | None = None, batch: int = 10,
               progress: Callable[[int], None] | None = None,
               started: Callable[[str, int], None] | None = None) -> SeedReport:
    """Fill the (empty, migrated) database of the current app with ``tenants`` counties of
    ``years`` years each. ``started(phase, total)`` and ``progress(done)`` drive a progress
    display. Call inside an app context."""
    if years < 1 or not 0 < volume <= 10 or batch < 1:
        raise SeedRefused("years ≥ 1, 0 < volume ≤ 10 and batch ≥ 1, please")
    if db.session.scalar(select(func.count()).select_from(Tenant)):
        raise SeedRefused("the database already has tenants: seed-scale only fills an empty "
                          "database, so that synthetic counties never mix with real ones")
    counties = counties_for(tenants)
    notify = started or (lambda phase, total: None)
    clock = time.perf_counter()
    notify("template", 1)
    with suspended_for_bulk_load():
        template = build_template(counties[0], password, years, volume)
        db.session.commit()
    template_id = template.id
    template_seconds = time.perf_counter() - clock

    clock = time.perf_counter()
    targets = _create_tenants(counties[1:])
    db.session.commit()
    engine = owner_engine()
    with engine.begin() as connection:
        open_bulk_transaction(connection)
        plan = copy_plan(connection, db.metadata)
        columns = next((c.columns for c in plan if c.table == PEOPLE_TABLE), ())
        people = load_template_people(connection, template_id, crypto_provider(), columns)
        rows_per_tenant = _template_rows(connection, plan, template_id)
    batches = [targets[start:start + batch] for start in range(0, len(targets), batch)]
    notify("copies", len(targets))
    jobs = _jobs(engine, jobs)
    job = _Job(_owner_url(engine), crypto_provider(), template_id, tuple(plan), people)
    if jobs > 1 and batches:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, initializer=_start_worker, initargs=(job,)) as pool:
            for done in pool.imap_unordered(_copy_batch, batches):
                if progress:
                    progress(done)
    else:
        _start_worker(job, engine)
        for tenants_batch in batches:
            done = _copy_batch(tenants_batch)
            if progress:
                progress(done)
    copy_seconds = time.perf_counter() - clock
    rows = rows_per_tenant * len(counties)
    record("platform.seed_scale", platform=True, actor=ACTOR,
           summary=f"seed-scale: {len(counties)} synthetic counties, {years} year(s)",
           details={"tenants": len(counties), "years": years, "volume": volume,
                    "rows": rows, "template": counties[0].slug})
    db.session.commit()
    if engine.dialect.name == "postgresql":
        # Fresh planner statistics, as autovacuum would gather them after such a load.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    return SeedReport(len(counties), rows, template_seconds, copy_seconds, jobs)


def _create_tenants(counties: Sequence[SeededCounty]) -> list[tuple[int, str]]:
    rows = [{"id": new_id(), "slug": county.slug, "name": county.name,
             "region_code": county.region_code, "level": TenantLevel.COUNTY,
             "status": TenantStatus.ACTIVE} for county in counties]
    if rows:
        db.session.execute(insert(Tenant), rows)
    return [(row["id"], row["region_code"]) for row in rows]


def _template_rows(connection: Any, plan: Sequence[TableCopy], template_id: int) -> int:
    return sum(connection.execute(
        select(func.count()).select_from(db.metadata.tables[copy.table])
        .where(db.metadata.tables[copy.table].c.tenant_id == template_id)).scalar_one()
        for copy in plan)


def _jobs(engine: Engine, jobs: int | None) -> int:
    if engine.dialect.name != "postgresql":
        return 1  # one writer at a time on SQLite
    return max(1, jobs if jobs is not None else (os.cpu_count() or 1))


def _owner_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


# --- the copying work, in this process or in workers ----------------------------------------


@dataclass(frozen=True)
class _Job:
    owner_url: str
    provider: Any
    template_id: int
    plan: tuple[TableCopy, ...]
    people: TemplatePeople


_worker: dict[str, Any] = {}


def _start_worker(job: _Job, engine: Engine | None = None) -> None:
    """A worker's own engine: never a connection inherited from the parent process."""
    _worker["job"] = job
    _worker["engine"] = engine = engine or create_engine(job.owner_url, poolclass=NullPool)
    with engine.connect() as connection:
        _worker["superuser"] = is_superuser(connection)


def _copy_batch(tenants: Sequence[tuple[int, str]]) -> int:
    job: _Job = _worker["job"]
    engine: Engine = _worker["engine"]

    def people_writer(connection: Any, tenant_ids: Sequence[int]) -> int:
        return write_people(connection, job.people, tenants, job.provider)

    with engine.begin() as connection:
        open_bulk_transaction(connection, _worker["superuser"])
        copy_tables(connection, job.plan, job.template_id, [t for t, _ in tenants],
                    people_writer)
    return len(tenants)
