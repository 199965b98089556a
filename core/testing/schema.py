"""The tenancy schema rules, for a plugin author's own tests."""

from __future__ import annotations

from flask import Flask

from core.db import db
from core.tenancy.rules import plugin_table_owners, schema_violations


def plugin_tables(app: Flask, plugin: str) -> list[str]:
    """The tables mapped by models inside ``plugin``'s package."""
    owners = plugin_table_owners(app.extensions["fatong.plugins"])
    return sorted(table for table, owner in owners.items() if owner == plugin)


def plugin_schema_violations(app: Flask, plugin: str) -> list[str]:
    """Every breach of the tenancy rules by ``plugin``'s tables (``[]``: compliant).

    Each line names the table, what is wrong, the rule and the fix, e.g.
    ``hotline_call: primary key is (id), tenant_id must be its FIRST column
    [pk-tenant-first] Fix: …``. Fails when the plugin maps no table at all, so that a
    misspelt name cannot pass.
    """
    with app.app_context():
        tables = plugin_tables(app, plugin)
        assert tables, f"plugin {plugin!r} maps no table (is it loaded? is the name right?)"
        owners = plugin_table_owners(app.extensions["fatong.plugins"])
        return [line for line in schema_violations(db.metadata, owners)
                if line.split(":", 1)[0] in tables]
