"""Alembic, driven from the application: one branch for core, one per plugin.

Core's revisions live in ``core/migrations/versions`` (branch label ``core``); a plugin's in
``<plugin package>/migrations/versions`` (branch label = plugin name, first revision
``depends_on`` a core revision). ``fatong db upgrade`` applies every branch's head.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from core.db import db

CORE_BRANCH = "core"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def plugin_version_dirs() -> dict[str, Path]:
    """Each loaded plugin that ships migrations, with its versions folder."""
    manager = current_app.extensions["fatong.plugins"]
    found: dict[str, Path] = {}
    for record in manager.loaded():
        module_file = getattr(record.module, "__file__", None)
        if not module_file:
            continue
        versions = Path(module_file).resolve().parent / "migrations" / "versions"
        if versions.is_dir():
            found[record.name] = versions
    return found


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    locations = [MIGRATIONS_DIR / "versions", *plugin_version_dirs().values()]
    config.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = db.metadata
    return config


def owner_engine() -> Engine:
    """The engine migrations run on: ``MIGRATION_DATABASE_URL`` (the tables' owner) when the
    application connects as a role of its own (PostgreSQL with row-level security), else the
    application's engine."""
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    if not url or url == current_app.config["SQLALCHEMY_DATABASE_URI"]:
        return db.engine
    engine = current_app.extensions.get("fatong.owner_engine")
    if engine is None:
        engine = create_engine(url, poolclass=NullPool)
        current_app.extensions["fatong.owner_engine"] = engine
    return engine


def application_role() -> str | None:
    """The role the application connects as, when it is not the migrations' one."""
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    if not url or url == current_app.config["SQLALCHEMY_DATABASE_URI"]:
        return None
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).username


def _run(action, *args, **kwargs) -> None:
    with owner_engine().begin() as connection:
        if connection.dialect.name == "postgresql":
            # A data migration sees every tenant's rows (the owner-only policy, core.tenancy.rls).
            connection.execute(text("SET LOCAL app.migrating = 'on'"))
        action(alembic_config(connection), *args, **kwargs)


def upgrade(target: str = "heads") -> None:
    """Apply the migrations; on PostgreSQL then put every tenant table, plugins' included,
    behind row-level security (core.tenancy.rls)."""
    _run(command.upgrade, target)
    engine = owner_engine()
    if engine.dialect.name == "postgresql":
        from core.tenancy.rls import apply_row_level_security

        with engine.begin() as connection:
            apply_row_level_security(connection, db.metadata, application_role())


def downgrade(target: str) -> None:
    _run(command.downgrade, target)


def current(verbose: bool = False) -> None:
    _run(command.current, verbose=verbose)


def heads() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return list(script.get_heads())


def branch_table_filter(branch: str):
    """Which tables belong to a branch: a plugin's are prefixed ``<name>_``, core has the rest."""
    # Core's always-on modules (auth, audit, …) keep their tables in the core branch.
    plugin_names = [r.name for r in current_app.extensions["fatong.plugins"].loaded()
                    if not r.always_on]
    if branch == CORE_BRANCH:
        return lambda table: not any(table.startswith(f"{name}_") for name in plugin_names)
    return lambda table: table.startswith(f"{branch}_")


def revision(message: str, branch: str = CORE_BRANCH, autogenerate: bool = False) -> None:
    """Write a new revision on a branch; the first revision of a plugin starts its branch."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    if branch == CORE_BRANCH:
        version_path = MIGRATIONS_DIR / "versions"
    else:
        dirs = plugin_version_dirs()
        if branch not in dirs:
            raise ValueError(f"plugin {branch!r} has no migrations/versions folder")
        version_path = dirs[branch]
    has_branch = any(branch in (rev.branch_labels or ()) for rev in script.walk_revisions())
    kwargs = {"message": message, "version_path": str(version_path)}
    if has_branch:
        kwargs["head"] = f"{branch}@head"
    else:
        kwargs["head"] = "base"
        kwargs["branch_label"] = branch
        if branch != CORE_BRANCH:
            kwargs["depends_on"] = [f"{CORE_BRANCH}@head"]
    if autogenerate:
        config.attributes["table_filter"] = branch_table_filter(branch)
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(config, autogenerate=True, **kwargs)
    else:
        command.revision(config, **kwargs)
