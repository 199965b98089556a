"""``fatong tenants …`` and ``fatong demo``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from core.sdk import Tenant, TenantLevel, TenantStatus, db
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
