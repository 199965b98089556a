"""``fatong tenants …`` and ``fatong demo``."""

from __future__ import annotations

import getpass
import os
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from core.sdk import Tenant, TenantLevel, TenantStatus, db
from tenants import lifecycle
from tenants.models import ApplicationStatus, TenantApplication
from tenants.provisioning import (
    ProvisioningError,
    TenantSpec,
    create_tenant,
    ensure_demo_tenant,
)


@click.group("tenants", help="Tenants (one per justice bureau).")
def tenants_group() -> None:
    pass


@tenants_group.command("list")
@with_appcontext
def tenants_list() -> None:
    """Every tenant with slug, status, level and region code."""
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.region_code, Tenant.slug)).all()
    if not tenants:
        click.echo("no tenants yet: `fatong tenants create` or `fatong demo`")
    for tenant in tenants:
        click.echo(f"{tenant.slug:<20} {tenant.status.value:<10} {tenant.level.value:<8} "
                   f"{tenant.region_code}  {tenant.name}")


@tenants_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The bureau's name, e.g. 剑阁县司法局.")
@click.option("--region-code", required=True, help="6-digit GB/T 2260 code.")
@click.option("--level", type=click.Choice([lvl.value for lvl in TenantLevel]),
              default=TenantLevel.COUNTY.value, show_default=True)
@click.option("--status", type=click.Choice([s.value for s in TenantStatus]),
              default=TenantStatus.ACTIVE.value, show_default=True)
@click.option("--admin", "admin_username", default=None, help="Create this admin user.")
@click.option("--admin-password", default=None, help="Password of the admin user.")
@click.option("--plugin", "plugins", multiple=True, help="Enable this plugin (repeatable).")
@with_appcontext
def tenants_create(slug: str, name: str, region_code: str, level: str, status: str,
                   admin_username: str | None, admin_password: str | None,
                   plugins: tuple[str, ...]) -> None:
    """Create tenant SLUG."""
    spec = TenantSpec(slug=slug, name=name, region_code=region_code,
                      level=TenantLevel(level), status=TenantStatus(status))
    try:
        create_tenant(spec, admin_username=admin_username, admin_password=admin_password,
                      plugins=list(plugins), actor="cli")
    except ProvisioningError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created tenant {slug}")


# --- lifecycle: what the console's buttons do, for operators at a shell ---------------------


def cli_actor() -> str:
    """``cli:<os user>``: who ran the command, as far as the machine knows."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry (containers): fall back
        user = os.environ.get("USER") or "unknown"
    return f"cli:{user}"


def _tenant_or_fail(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"no tenant {slug!r}")
    return tenant


def _pending_application(slug: str) -> TenantApplication:
    tenant = _tenant_or_fail(slug)
    application = db.session.scalar(select(TenantApplication).where(
        TenantApplication.for_tenant_id == tenant.id))
    if application is None or application.status != ApplicationStatus.PENDING:
        raise click.ClickException(f"tenant {slug!r} has no pending application "
                                   f"(status {tenant.status.value})")
    return application


def _run(change, done: str) -> None:
    """Apply a lifecycle change, commit, say so; a refusal rolls back and exits non-zero."""
    try:
        change()
    except lifecycle.LifecycleError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(done)


@tenants_group.command("approve")
@click.argument("slug")
@click.option("--note", default="", help="A note kept with the decision.")
@with_appcontext
def tenants_approve(slug: str, note: str) -> None:
    """Approve the pending application of tenant SLUG: it becomes active."""
    application = _pending_application(slug)
    _run(lambda: lifecycle.approve(application, cli_actor(), note), f"approved {slug}")


@tenants_group.command("reject")
@click.argument("slug")
@click.option("--reason", required=True, help="Why the application is rejected.")
@with_appcontext
def tenants_reject(slug: str, reason: str) -> None:
    """Reject the pending application of tenant SLUG (its region is free again)."""
    application = _pending_application(slug)
    _run(lambda: lifecycle.reject(application, cli_actor(), reason), f"rejected {slug}")


@tenants_group.command("suspend")
@click.argument("slug")
@click.option("--reason", required=True, help="Why the bureau is suspended.")
@with_appcontext
def tenants_suspend(slug: str, reason: str) -> None:
    """Suspend tenant SLUG: its users are logged out and cannot log in; data stays."""
    tenant = _tenant_or_fail(slug)
    ended: list[int] = []
    _run(lambda: ended.append(lifecycle.suspend(tenant, cli_actor(), reason)),
         f"suspended {slug}")
    click.echo(f"sessions ended: {ended[0]}")


@tenants_group.command("reactivate")
@click.argument("slug")
@click.option("--reason", default="", help="A note kept with the change.")
@with_appcontext
def tenants_reactivate(slug: str, reason: str) -> None:
    """Reactivate suspended tenant SLUG."""
    tenant = _tenant_or_fail(slug)
    _run(lambda: lifecycle.reactivate(tenant, cli_actor(), reason), f"reactivated {slug}")


@tenants_group.command("sync-roles")
@click.argument("slugs", nargs=-1)
@with_appcontext
def tenants_sync_roles(slugs: tuple[str, ...]) -> None:
    """Offer every tenant (or the SLUGS given) the role-template permissions added since its
    roles were seeded, e.g. after upgrading a plugin. Removals by the security administrator
    are kept; run it after `fatong db upgrade`."""
    from core.access.service import seed_roles
    from core.sdk import tenant_context

    query = select(Tenant).order_by(Tenant.slug)
    if slugs:
        query = query.where(Tenant.slug.in_(slugs))
        missing = set(slugs) - set(db.session.scalars(select(Tenant.slug).where(
            Tenant.slug.in_(slugs))))
        if missing:
            raise click.ClickException(f"no tenant {', '.join(sorted(missing))}")
    tenants = db.session.scalars(query).all()
    for tenant in tenants:
        with tenant_context(tenant):
            seed_roles()
    db.session.commit()
    click.echo(f"roles synced for {len(tenants)} tenant(s)")


@click.command("demo")
@click.option("--password", required=True, help="Password for the demo admin user.")
@click.option("--slug", default="demo", show_default=True)
@with_appcontext
def demo(password: str, slug: str) -> None:
    """Create (or refresh) the demo tenant with admin user `admin` and every plugin enabled."""
    tenant, created = ensure_demo_tenant(slug, password)
    db.session.commit()
    verb = "created" if created else "refreshed"
    click.echo(f"{verb} demo tenant {tenant.name} at /t/{slug}/  (login: admin)")


@click.command("seed-scale")
@click.option("--tenants", "count", type=click.IntRange(min=1), default=None,
              help="How many counties (default: every county-level unit of the region "
                   "registry, 2,846).")
@click.option("--years", type=click.IntRange(min=1, max=20), default=1, show_default=True,
              help="Years of records per county.")
@click.option("--password", required=True,
              help="Password of every seeded account (admin, the demo's staff accounts).")
@click.option("--volume", type=click.FloatRange(min=0, min_open=True, max=10), default=1.0,
              show_default=True,
              help="Fraction of a busy county's yearly volume (0.01 for a quick trial).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes copying on PostgreSQL (default: one per CPU).")
@with_appcontext
def seed_scale_command(count: int | None, years: int, password: str, volume: float,
                       jobs: int | None) -> None:
    """Fill an empty database with COUNT synthetic counties (benchmarks, capacity tests).

    Per county and year, at --volume 1: about 3,000 mediation cases and 250 legal aid cases
    with their parties, sessions, agreements and histories, and the other lines' demo
    records. Never run against a production database: it refuses one with tenants.
    """
    from tenants.seeding.run import SeedRefused, seed_scale

    bars: dict[str, Any] = {}

    def started(phase: str, total: int) -> None:
        if phase == "template":
            click.echo("building the template county through the workflows …")
        else:
            click.echo(f"template built; copying it to {total} more counties")
            bars["copies"] = click.progressbar(length=total, label="counties",
                                               show_pos=True, show_eta=True)
            bars["copies"].__enter__()

    def progress(done: int) -> None:
        bars["copies"].update(done)

    try:
        report = seed_scale(tenants=count, years=years, password=password, volume=volume,
                            jobs=jobs, progress=progress, started=started)
    except SeedRefused as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if "copies" in bars:
            bars["copies"].__exit__(None, None, None)
    click.echo(f"seeded {report.tenants} counties, {report.rows:,} rows: template "
               f"{report.template_seconds:.0f} s, copies {report.copy_seconds:.0f} s "
               f"({report.jobs} worker{'s' if report.jobs > 1 else ''})")
