"""Configuration: defaults < instance/config.py < FATONG_* environment < explicit dict."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from core import create_app
from core.db import db


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh instance folder and an environment without any FATONG_* variable."""
    for key in list(os.environ):
        if key.startswith("FATONG_"):
            monkeypatch.delenv(key)
    folder = tmp_path / "instance"
    monkeypatch.setenv("FATONG_INSTANCE_PATH", str(folder))
    return folder


def write_instance_config(instance: Path, body: str) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text(body, encoding="utf-8")


def test_each_layer_overrides_the_one_below(instance, monkeypatch) -> None:
    write_instance_config(instance, "\n".join([
        "SERVE_PORT = 6001",           # overridden by env and dict
        "SERVE_HOST = '10.0.0.1'",     # overridden by env
        "DEMO_TENANT_SLUG = 'file'",   # file only
        "SECRET_KEY = 'from-file'",
    ]))
    monkeypatch.setenv("FATONG_SERVE_PORT", "6002")
    monkeypatch.setenv("FATONG_SERVE_HOST", "10.0.0.2")

    app = create_app({"SERVE_PORT": 6003})

    assert app.instance_path == str(instance)
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_CN"  # default, untouched
    assert app.config["DEMO_TENANT_SLUG"] == "file"
    assert app.config["SERVE_HOST"] == "10.0.0.2"
    assert app.config["SERVE_PORT"] == 6003
    assert app.config["SECRET_KEY"] == "from-file"
    # Environment values are JSON when they parse: the port is a number, not "6002".
    assert create_app().config["SERVE_PORT"] == 6002


def test_without_configuration_the_database_is_sqlite_in_the_instance_folder(instance) -> None:
    app = create_app()

    expected = instance / "fatong.db"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{expected}"
    with app.app_context():
        db.session.execute(text("select 1"))
        db.session.remove()
        db.engine.dispose()
    assert expected.exists()


def test_database_url_from_environment_wins_over_instance_file(instance, monkeypatch,
                                                                tmp_path) -> None:
    write_instance_config(instance, f"DATABASE_URL = 'sqlite:///{tmp_path / 'file.db'}'\n")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'file.db'}"

    url = "postgresql+psycopg://fatong@db.example.internal:5432/fatong"
    monkeypatch.setenv("FATONG_DATABASE_URL", url)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url
    with app.app_context():
        assert db.engine.url.render_as_string(hide_password=False) == url
        assert db.engine.dialect.name == "postgresql"


@pytest.mark.parametrize(("raw", "expected"), [
    ("a,b", ["a", "b"]),
    (" a , b ,", ["a", "b"]),
    ("notices", ["notices"]),
    ('["a", "b"]', ["a", "b"]),
])
def test_plugins_block_from_environment(instance, monkeypatch, raw, expected) -> None:
    monkeypatch.setenv("FATONG_PLUGINS_BLOCK", raw)
    assert create_app().config["PLUGINS_BLOCK"] == expected


def test_blocked_plugin_from_environment_is_not_loaded(instance, monkeypatch) -> None:
    monkeypatch.setenv("FATONG_PLUGINS_BLOCK", "notices,nosuch")
    app = create_app()
    records = app.extensions["fatong.plugins"].records
    assert records["notices"].status.value == "blocked"
    assert "notices.index" not in app.view_functions
    assert records["tenants"].status.value == "loaded"  # built-ins unaffected


def test_secret_key_is_generated_once_and_kept_in_the_instance_folder(instance) -> None:
    first = create_app().config["SECRET_KEY"]
    path = instance / "secret_key"

    assert len(first) >= 32
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # A restart reads the same key, so sessions survive it.
    assert create_app().config["SECRET_KEY"] == first
    # Another installation gets its own.
    path.unlink()
    assert create_app().config["SECRET_KEY"] != first


def test_explicit_secret_key_writes_no_file(instance, monkeypatch) -> None:
    monkeypatch.setenv("FATONG_SECRET_KEY", "from-env")
    assert create_app().config["SECRET_KEY"] == "from-env"
    assert create_app({"SECRET_KEY": "explicit"}).config["SECRET_KEY"] == "explicit"
    assert not (instance / "secret_key").exists()
