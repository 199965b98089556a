"""``fatong audit verify|purge``."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from core.audit.chain import PLATFORM, Chain, ChainBroken, ChainReport


@click.group("audit", help="The tamper-evident audit log: verify chains, purge old events.")
def audit_group() -> None:
    pass


def _tenant_or_fail(slug: str):
    from core.tenancy.web import tenant_by_slug

    tenant = tenant_by_slug(slug)
    if tenant is None:
        raise click.ClickException(f"no tenant with slug {slug!r}")
    return tenant


def _chain_name(chain: Chain, slugs: dict[int, str]) -> str:
    return "platform" if chain.is_platform else slugs.get(chain.tenant_id, str(chain.tenant_id))


def _slugs() -> dict[int, str]:
    from sqlalchemy import select

    from core.db import db
    from core.tenancy.models import Tenant

    return dict(db.session.execute(select(Tenant.id, Tenant.slug)).tuples().all())


def _describe(report: ChainReport, name: str) -> str:
    if report.ok:
        checkpoint = f", after purge checkpoint seq {report.purged_seq}" \
            if report.purged_seq else ""
        return (f"OK      {name}: {report.rows} rows verified (head seq {report.head_seq}, "
                f"hash {report.head_hash[:16]}{checkpoint})")
    return f"BROKEN  {name}: first broken seq {report.broken_seq} ({report.reason})"


@audit_group.command("verify")
@click.option("--tenant", "slug", default=None,
              help="Only this tenant's chain (default: the platform's and every tenant's).")
@with_appcontext
def audit_verify(slug: str | None) -> None:
    """Walk the hash chain(s); exit 1 at the first edited, deleted or reordered row."""
    from core.audit.service import verify_all

    tenant_id = _tenant_or_fail(slug).id if slug else None
    reports = verify_all(tenant_id)
    slugs = _slugs()
    for report in reports:
        click.echo(_describe(report, _chain_name(report.chain, slugs)))
    broken = [r for r in reports if not r.ok]
    if broken:
        click.echo(f"FAILED: {len(broken)} of {len(reports)} chain(s) broken", err=True)
        sys.exit(1)
    total = sum(r.rows for r in reports)
    click.echo(f"OK: {total} rows verified in {len(reports)} chain(s)")


@audit_group.command("purge")
@click.option("--tenant", "slug", default=None,
              help="Only this tenant (default: every tenant and the platform).")
@with_appcontext
def audit_purge(slug: str | None) -> None:
    """Delete events older than each tenant's retention (setting audit.retention_days,
    at least 184 days; platform: AUDIT_PLATFORM_RETENTION_DAYS). The purge is audited and
    the chains stay verifiable."""
    from core.audit.service import (
        all_tenant_ids,
        platform_retention_days,
        purge,
        retention_days,
    )

    if slug:
        targets = [Chain(_tenant_or_fail(slug).id)]
    else:
        targets = [PLATFORM] + [Chain(t) for t in all_tenant_ids()]
    slugs = _slugs()
    failed = False
    for chain in targets:
        name = _chain_name(chain, slugs)
        try:
            days = (platform_retention_days() if chain.is_platform
                    else retention_days(chain.tenant_id))
            result = purge(chain, days, actor="cli")
        except (ChainBroken, ValueError) as exc:
            click.echo(f"REFUSED {name}: {exc}", err=True)
            failed = True
            continue
        click.echo(f"purged  {name}: {result.deleted} event(s) older than {days} days "
                   f"(checkpoint at seq {result.purged_seq})")
    if failed:
        sys.exit(1)
