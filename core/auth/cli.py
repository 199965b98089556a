"""``fatong platform …`` (operator accounts) and ``fatong auth policy`` (a tenant's policy)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError
from sqlalchemy import select

from core.auth.models import PlatformUser
from core.auth.passwords import policy_errors
from core.auth.settings import auth_settings, platform_policy
from core.db import db
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant


@click.group("platform", help="Platform operators (they run the installation, not a bureau).")
def platform_group() -> None:
    pass


@platform_group.command("create-operator")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The operator's password (asked for when not given).")
@click.option("--display-name", default="", help="Name shown on the console.")
@with_appcontext
def create_operator(username: str, password: str, display_name: str) -> None:
    """Create operator USERNAME; the authenticator app is set up at the first login."""
    username = username.strip()
    if not username or len(username) > 64:
        raise click.ClickException("the username must have 1 to 64 characters")
    if db.session.scalar(select(PlatformUser).where(PlatformUser.username == username)):
        raise click.ClickException(f"operator {username!r} exists already")
    problems = policy_errors(password, platform_policy(), username)
    if problems:
        raise click.ClickException("password refused: " + " ".join(problems))
    operator = PlatformUser(username=username, display_name=display_name or username)
    operator.set_password(password)
    db.session.add(operator)
    db.session.commit()
    click.echo(f"created operator {username}: log in at /platform/login "
               "(an authenticator app is set up at the first login)")


@click.group("auth", help="Login and password policy of tenants.")
def auth_group() -> None:
    pass


@auth_group.command("policy")
@click.argument("slug")
@click.argument("changes", nargs=-1, metavar="[NAME=VALUE]...")
@with_appcontext
def auth_policy_command(slug: str, changes: tuple[str, ...]) -> None:
    """Show tenant SLUG's auth policy, or change it: totp_required_for_admins=true …"""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"no tenant {slug!r}")
    values = {}
    for change in changes:
        name, sep, raw = change.partition("=")
        if not sep:
            raise click.ClickException(f"{change!r}: write NAME=VALUE")
        try:
            values[name.strip()] = json.loads(raw)
        except ValueError:
            values[name.strip()] = raw  # a bare word such as required
    with tenant_context(tenant):
        settings = auth_settings()
        unknown = set(values) - set(settings.defaults())
        if unknown:
            raise click.ClickException(f"unknown setting(s): {', '.join(sorted(unknown))}")
        try:
            changed = settings.set_many(values)
        except ValidationError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.messages)) from exc
        db.session.commit()
        for name, (old, new) in changed.items():
            click.echo(f"changed {name}: {old} -> {new}")
        for name, value in settings.get_all().items():
            click.echo(f"{name:<26} {value}")
