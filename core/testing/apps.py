"""Applications for tests: on a given database, with a chosen set of plugins."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask

from core import __version__
from core.db import db
from core.plugins.manager import PluginSource, entry_point_sources, module_source

_apps: list[Flask] = []

# Fast enough for a suite that logs in hundreds of times; never used outside tests.
TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "SERVER_NAME": None,
    # The per-IP login limit would trip over hundreds of logins from 127.0.0.1.
    "RATELIMIT_ENABLED": False,
    # argon2id at its production cost takes 0.3 s a hash; a suite hashes hundreds.
    "ARGON2_PROFILE": "CHEAPEST",
}


def installed_plugin_sources(distributions: Iterable[str] | None = None) -> list[PluginSource]:
    """Core's built-in modules plus the installed plugins (entry points ``fatong.plugins``).

    ``distributions`` keeps only the plugins of those distributions (``["fatong"]``: the
    bundled lines only, whatever else is installed in the environment).
    """
    from core.app import builtin_modules

    sources = [module_source(module, version=__version__) for module in builtin_modules()]
    wanted = None if distributions is None else {name.lower() for name in distributions}
    sources += [source for source in entry_point_sources()
                if wanted is None or source.distribution.lower() in wanted]
    return sources


def make_app(database_url: str, **config: Any) -> Flask:
    """An app on ``database_url`` with test settings; ``config`` overrides them (e.g.
    ``PLUGIN_SOURCES`` to load a chosen set of plugins instead of everything installed)."""
    from core import create_app

    settings = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **config}
    application = create_app(settings)
    _apps.append(application)
    return application


def dispose_engines() -> None:
    """Close every test app's connection pool (before a scratch database is dropped)."""
    for application in _apps:
        with application.app_context():
            db.engine.dispose()


def clean_database(application: Flask) -> None:
    """Empty every table, keeping the schema (migrations ran once per session)."""
    with application.app_context():
        db.session.remove()
        existing = set(db.inspect(db.engine).get_table_names())
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if table.name not in existing:
                    continue
                # A tree (org_units.parent_id, ON DELETE RESTRICT) cannot lose its rows in
                # one DELETE on SQLite, which checks RESTRICT row by row: unhook it first.
                self_refs = [element.parent.name for fk in table.foreign_key_constraints
                             if fk.referred_table is table for element in fk.elements
                             if element.parent.nullable]
                if self_refs:
                    connection.execute(table.update().values({name: None for name in self_refs}))
                connection.execute(table.delete())
