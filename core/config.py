"""Configuration: defaults < instance config file < ``FATONG_*`` environment < explicit dict."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

ENV_PREFIX = "FATONG_"


class Defaults:
    # Database: an embedded SQLite file in the instance folder unless DATABASE_URL is set.
    DATABASE_URL: str | None = None
    # PostgreSQL in production: the application connects (DATABASE_URL) as a role that does
    # not own the tables, so row-level security applies to it; migrations run as the owner.
    MIGRATION_DATABASE_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    # Plugin gate two: None allows every installed plugin; BLOCK always wins.
    PLUGINS_ALLOW: list[str] | None = None
    PLUGINS_BLOCK: list[str] = []
    # Which plugins `fatong demo` and new tenants get; None means every allowed plugin.
    DEMO_TENANT_SLUG = "demo"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    # Flask-WTF then translates WTForms' own validator messages ("This field is required.")
    # through WTForms' bundled catalogs for Flask-Babel's locale: zh_CN falls back to "zh".
    WTF_I18N_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the CSRF token lives as long as the session
    SERVE_HOST = "127.0.0.1"
    SERVE_PORT = 5000


def _parse_env_value(raw: str) -> Any:
    """Environment values: JSON when it parses (lists, numbers, booleans), else the string."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


LIST_KEYS = {"PLUGINS_ALLOW", "PLUGINS_BLOCK"}


def environment_overrides(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or key == "FATONG_APP":
            continue
        name = key[len(ENV_PREFIX):]
        value = _parse_env_value(raw)
        if name in LIST_KEYS and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        found[name] = value
    return found


def load_config(app: Any, config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` in order of precedence, then derive the SQLAlchemy settings."""
    app.config.from_object(Defaults)
    instance_file = Path(app.instance_path) / "config.py"
    if instance_file.exists():
        app.config.from_pyfile(str(instance_file))
    app.config.update(environment_overrides())
    if config:
        app.config.update(config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        url = app.config.get("DATABASE_URL") or (
            "sqlite:///" + str(Path(app.instance_path) / "fatong.db")
        )
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    # The master key of field encryption (core.crypto); losing it loses the encrypted fields.
    if not app.config.get("MASTER_KEY"):
        app.config["MASTER_KEY"] = _instance_secret(Path(app.instance_path), "master_key")


def _instance_secret(instance: Path, name: str = "secret_key") -> str:
    """A per-installation secret kept in the instance folder, so it survives restarts."""
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # Created 0600 from the start: write-then-chmod would leave the key readable for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret)
    return secret
