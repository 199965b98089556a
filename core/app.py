"""The application factory."""

from __future__ import annotations

import os
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, support
from flask import Flask, has_app_context
from flask_babel import Babel, Domain, get_locale
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event

from core import __version__
from core.db import db
from core.documents.registry import build_registry as build_document_registry
from core.plugins.manager import PluginManager, entry_point_sources, module_source
from core.tenancy.scoping import install_scoping
from core.tenancy.session import TenantSession

CORE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = CORE_DIR.parent

csrf = CSRFProtect()


def builtin_modules() -> list:
    """Core's own modules, registered through the plugin hooks like any plugin."""
    from core.admin import plugin as admin_plugin
    from core.audit import plugin as audit_plugin
    from core.auth import plugin as auth_plugin
    from core.deadlines import plugin as deadlines_plugin
    from core.documents import plugin as documents_plugin
    from core.home import plugin as home_plugin
    from core.people import plugin as people_plugin
    from core.places import plugin as places_plugin
    from core.statistics import plugin as statistics_plugin

    return [auth_plugin, home_plugin, deadlines_plugin, admin_plugin, people_plugin,
            places_plugin, documents_plugin, statistics_plugin, audit_plugin]


def import_core_models() -> None:
    """Core's tables, so that the metadata (and Alembic) always sees them."""
    import core.access.models
    import core.audit.models
    import core.auth.models
    import core.numbering.models
    import core.orgunits.models
    import core.people.models
    import core.places.models
    import core.plugins.enablement
    import core.settings
    import core.workdays.models  # noqa: F401


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, database, plugins, blueprints, shell, CLI.

    ``config`` overrides everything else; tests pass ``PLUGIN_SOURCES`` there to load a
    chosen set of plugins instead of the installed entry points.
    """
    from core.config import load_config

    app = Flask(
        "core",
        instance_path=os.environ.get("FATONG_INSTANCE_PATH") or str(PROJECT_DIR / "instance"),
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(CORE_DIR / "static"),
    )
    load_config(app, config)

    _init_database(app)
    manager = _init_plugins(app)
    _init_translations(app, manager)
    csrf.init_app(app)

    from core.auth.guard import init_login
    from core.tenancy.web import init_tenancy_web
    from core.web.errors import init_errors
    from core.web.landing import bp as landing_bp
    from core.web.shell import init_shell

    init_tenancy_web(app)
    init_login(app)
    init_errors(app)
    init_shell(app)
    app.register_blueprint(landing_bp)
    _mount_plugin_blueprints(app, manager)
    refuse_rule_breakers(manager)

    from core.access.registry import build_registry

    build_registry(app, manager)
    build_document_registry(app, manager)

    from core.cli import register_core_commands

    register_core_commands(app.cli)
    manager.call_each("register_commands", cli=app.cli)
    return app


def _init_database(app: Flask) -> None:
    import_core_models()
    db.init_app(app)
    install_scoping(TenantSession)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        from core.tenancy.rls import install_tenant_settings

        with app.app_context():
            install_tenant_settings(db.engine)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _init_plugins(app: Flask) -> PluginManager:
    manager = PluginManager(
        __version__,
        allow=app.config.get("PLUGINS_ALLOW"),
        block=app.config.get("PLUGINS_BLOCK") or (),
    )
    sources = app.config.get("PLUGIN_SOURCES")
    if sources is None:
        sources = [module_source(m, version=__version__) for m in builtin_modules()]
        sources += entry_point_sources()
    manager.load(sources)
    app.extensions["fatong.plugins"] = manager
    return manager


def _mount_plugin_blueprints(app: Flask, manager: PluginManager) -> None:
    """Mount each plugin's blueprints; a toggleable plugin's under /t/<tenant>/<name>."""
    owners: dict[str, str] = {}
    for name, blueprints in manager.call_each("register_blueprints", app=app):
        record = manager.records[name]
        try:
            for blueprint in blueprints or []:
                if record.always_on:
                    app.register_blueprint(blueprint)
                    continue
                if blueprint.name != name:
                    raise ValueError(f"blueprint {blueprint.name!r} must be named {name!r}")
                app.register_blueprint(blueprint, url_prefix=f"/t/<tenant>/{name}")
                owners[blueprint.name] = name
        except Exception as exc:  # noqa: BLE001 - a bad plugin must not stop the platform
            manager.fail(name, exc)
    app.extensions["fatong.blueprint_plugins"] = owners


def refuse_rule_breakers(manager: PluginManager) -> None:
    """Take out every plugin whose tables break the tenancy or naming rules.

    Runs once the plugins' blueprints are mounted (their views import their models); a
    plugin's ``models`` module is imported first when it has one. The failure names each
    table, the rule and the fix, as ``core.tenancy.rules`` words them.
    """
    import importlib
    import importlib.util

    from core.tenancy.rules import plugin_table_owners, schema_violations

    for record in manager.loaded():
        if record.always_on or record.module is None:
            continue
        package = record.module.__name__.rpartition(".")[0]
        try:
            if package and importlib.util.find_spec(f"{package}.models") is not None:
                importlib.import_module(f"{package}.models")
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the platform
            manager.fail(record.name, exc)
    owners = plugin_table_owners(manager)
    broken: dict[str, list[str]] = {}
    for line in schema_violations(db.metadata, owners):
        owner = owners.get(line.split(":", 1)[0])
        if owner is not None:
            broken.setdefault(owner, []).append(line)
    for name, lines in broken.items():
        manager.fail(name, PluginRuleError(
            f"its tables break the tenancy rules (docs/plugins.md): {' | '.join(lines)}"))


class PluginRuleError(ValueError):
    """A plugin's schema breaks the tenancy or naming rules."""


def _init_translations(app: Flask, manager: PluginManager) -> None:
    directories = [str(CORE_DIR / "translations")]
    for record in manager.loaded():
        module_file = getattr(record.module, "__file__", None)
        if module_file:
            candidate = Path(module_file).resolve().parent / "translations"
            if candidate.is_dir() and str(candidate) not in directories:
                directories.append(str(candidate))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)
    # One Babel per app: Flask-Babel caches loaded catalogs on the Babel instance, keyed by
    # locale only, so a shared instance would serve one app's plugin catalogs to another.
    # A parsed Locale, not its name: Flask-Babel parses a name on every request, and
    # Babel's parse scans the whole locale list (about 0.4 ms a request).
    _Babel(app, locale_selector=lambda: _parsed_locale(app.config["BABEL_DEFAULT_LOCALE"]))


@lru_cache(maxsize=8)
def _parsed_locale(name: str) -> Locale:
    return Locale.parse(name)


class _CatalogDomain(Domain):
    """Flask-Babel's domain, also finding catalogs stored under ``zh_CN``.

    Babel parses zh_CN as ``zh_Hans_CN`` (CLDR likely subtags) and Flask-Babel looks only for
    that name (then ``zh``), so catalogs kept the usual way, in ``zh_CN/LC_MESSAGES``, would
    never load. The catalogs of all translation directories are merged in order: core first,
    then each plugin's (a plugin's entry wins over core's for the same msgid).
    """

    def get_translations(self) -> support.NullTranslations:
        if not has_app_context():
            return support.NullTranslations()
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        key = str(locale)
        if key not in self.cache:
            names = [key]
            if locale.script and locale.territory:
                names.append(f"{locale.language}_{locale.territory}")
            merged = support.Translations()
            for dirname in self.translation_directories:
                catalog = support.Translations.load(dirname, names, self.domain[0])
                merged.merge(catalog)
                if hasattr(catalog, "plural"):  # merge() does not carry the plural rule
                    merged.plural = catalog.plural
            self.cache[key] = merged
        return self.cache[key]


class _Babel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return _CatalogDomain(domain=self.domain)
