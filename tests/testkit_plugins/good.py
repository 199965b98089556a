"""A well-behaved plugin: a blueprint, a nav item, a dashboard card, a CLI command and
lifecycle hooks."""

from __future__ import annotations

import click
from flask import Blueprint, g

from core.sdk import DashboardCard, NavItem, PluginInfo, hookimpl

from testkit_plugins import record

NAME = "kit_good"

plugin_info = PluginInfo(
    name=NAME,
    title="Kit Good",
    description="A throwaway plugin that does everything right.",
    version="1.2.3",
    vendor="Testkit",
    requires_core=">=0.1,<1",
)


@hookimpl
def register_blueprints(app):
    record(NAME, "register_blueprints")
    # A fresh blueprint per app: tests build many apps and a blueprint keeps its routes.
    bp = Blueprint(NAME, __name__)

    @bp.route("/")
    def index():
        return f"kit_good page of {g.tenant.slug}"

    return [bp]


@hookimpl
def register_commands(cli):
    record(NAME, "register_commands")

    @cli.command("kit-good-hello")
    def hello():
        click.echo("hello from kit_good")


@hookimpl
def nav_items(tenant, user):
    record(NAME, "nav_items", tenant.slug)
    return [NavItem(title="Kit Good Menu", endpoint=f"{NAME}.index", weight=50)]


@hookimpl
def dashboard_cards(tenant, user):
    record(NAME, "dashboard_cards", tenant.slug)
    return [DashboardCard(title="Kit Good Card", value=4242, endpoint=f"{NAME}.index")]


@hookimpl
def plugin_enabled(tenant):
    record(NAME, "plugin_enabled", tenant.slug)


@hookimpl
def plugin_disabled(tenant):
    record(NAME, "plugin_disabled", tenant.slug)
