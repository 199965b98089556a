"""The ``fatong`` command line (Flask CLI conventions). Plugins add commands by hook."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from core import migrate
from core.db import db


def make_cli() -> FlaskGroup:
    """The ``fatong`` group: the app's commands, plus generators that need no app."""
    from core import create_app
    from core.scaffold import new_plugin

    cli = FlaskGroup(create_app=lambda: create_app(), add_version_option=False,
                     help="法通 Fatong: platform for county justice bureaus.")
    # On the group itself, not app.cli: FlaskGroup finds it without building the app, so
    # `fatong new-plugin` needs no database or instance folder.
    cli.add_command(new_plugin)
    return cli


def main() -> None:
    make_cli().main(prog_name="fatong")


def register_core_commands(cli: click.Group) -> None:
    cli.add_command(db_group)
    cli.add_command(serve)
    cli.add_command(plugins_group)


# --- db ----------------------------------------------------------------------------------


@click.group("db", help="Database migrations: core branch plus one branch per plugin.")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.argument("target", default="heads")
@with_appcontext
def db_upgrade(target: str) -> None:
    """Apply migrations of core and every loaded plugin (default: all heads)."""
    migrate.upgrade(target)
    click.echo(f"database at {', '.join(migrate.heads())}")


@db_group.command("downgrade")
@click.argument("target")
@with_appcontext
def db_downgrade(target: str) -> None:
    """Revert to TARGET, e.g. ``notices@base`` to remove one plugin's tables."""
    migrate.downgrade(target)


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Show the revision each branch is at."""
    migrate.current(verbose=False)


@db_group.command("heads")
@with_appcontext
def db_heads() -> None:
    """Show the newest revision of each branch."""
    for head in migrate.heads():
        click.echo(head)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--branch", default=migrate.CORE_BRANCH, show_default=True,
              help="core, or the name of a plugin with a migrations/versions folder.")
@click.option("--autogenerate", is_flag=True, help="Compare models with the database.")
@with_appcontext
def db_revision(message: str, branch: str, autogenerate: bool) -> None:
    """Write a new migration on a branch (a plugin's first one starts its branch)."""
    migrate.revision(message, branch=branch, autogenerate=autogenerate)


@db_group.command("citus-plan")
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True),
              default=None, help="Write the plan to FILE instead of printing it.")
@with_appcontext
def db_citus_plan(output: str | None) -> None:
    """SQL that distributes every table on Citus (docs/scaling.md); needs no database."""
    from core.tenancy.citus import citus_plan, table_owners

    # From the models of core and every loaded plugin only: no connection is opened.
    plan = citus_plan(db.metadata, table_owners(current_app.extensions["fatong.plugins"]))
    if plan.skipped:
        click.echo(f"not planned (no loaded owner): {', '.join(plan.skipped)}", err=True)
    for problem in plan.problems:
        click.echo(f"problem: {problem}", err=True)
    if output is None:
        click.echo(plan.sql(), nl=False)
    else:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(plan.sql())
        click.echo(f"wrote {output}: {len(plan.reference)} reference, "
                   f"{len(plan.distributed)} distributed tables", err=True)


# --- serve -------------------------------------------------------------------------------


@click.command("serve")
@click.option("--host", default=None, help="Default: SERVE_HOST (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Default: SERVE_PORT (5000).")
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve(host: str | None, port: int | None, threads: int) -> None:
    """Serve the application with waitress."""
    import waitress

    host = host or current_app.config["SERVE_HOST"]
    port = port or current_app.config["SERVE_PORT"]
    click.echo(f"Fatong serving on http://{host}:{port}/")
    waitress.serve(current_app._get_current_object(), host=host, port=port, threads=threads)


# --- plugins -----------------------------------------------------------------------------


@click.group("plugins", help="Installed plugins and per-tenant enablement.")
def plugins_group() -> None:
    pass


@plugins_group.command("list")
@click.option("--tenant", "slug", default=None, help="Also show whether each is enabled.")
@with_appcontext
def plugins_list(slug: str | None) -> None:
    """Installed plugins with status (loaded / blocked / incompatible / failed)."""
    from core.plugins.enablement import enabled_plugins

    manager = current_app.extensions["fatong.plugins"]
    enabled = None
    if slug is not None:
        enabled = enabled_plugins(_tenant_or_fail(slug))
    for record in sorted(manager.records.values(), key=lambda r: r.name):
        title = str(record.info.title) if record.info else ""
        if record.always_on:
            kind = "built-in, always on"
        elif record.info is None:
            kind = "-"
        else:
            kind = "allowed" if manager.is_allowed(record.info) else "not allowed"
        line = f"{record.name:<20} {record.version or '-':<10} {record.status.value:<12} {kind}"
        if enabled is not None:
            line += "  enabled" if record.name in enabled else "  disabled"
        click.echo(f"{line}  {title}")
        if record.error:
            click.echo(f"    error: {record.error}")


@plugins_group.command("enable")
@click.argument("slug")
@click.argument("name")
@with_appcontext
def plugins_enable(slug: str, name: str) -> None:
    """Enable plugin NAME (and what it requires) for tenant SLUG."""
    from core.plugins.enablement import PluginToggleError, enable_plugin

    tenant = _tenant_or_fail(slug)
    try:
        newly = enable_plugin(tenant, name, actor="cli")
    except PluginToggleError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"enabled for {slug}: {', '.join(newly) if newly else '(already enabled)'}")


@plugins_group.command("disable")
@click.argument("slug")
@click.argument("name")
@with_appcontext
def plugins_disable(slug: str, name: str) -> None:
    """Disable plugin NAME for tenant SLUG; its data is kept."""
    from core.plugins.enablement import PluginToggleError, disable_plugin

    tenant = _tenant_or_fail(slug)
    try:
        changed = disable_plugin(tenant, name, actor="cli")
    except PluginToggleError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"disabled for {slug}: {name}" if changed else f"{name} was not enabled")


def _tenant_or_fail(slug: str):
    from core.tenancy.web import tenant_by_slug

    tenant = tenant_by_slug(slug)
    if tenant is None:
        raise click.ClickException(f"no tenant with slug {slug!r}")
    return tenant
