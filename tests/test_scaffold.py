"""``fatong new-plugin NAME``: the scaffold writes a plugin package that is ruff clean,
installs without network, and whose own test suite passes (on SQLite, or on PostgreSQL when
``FATONG_TEST_POSTGRES_URL`` is set, as for core's suite).

The expensive part (one scaffold, one ``pip install --target``, one pytest run in a
subprocess) happens once per module.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from click.testing import CliRunner, Result

import core
from core.cli import make_cli
from core.scaffold.render import core_heads

NAME = "scaffoldcheck"  # not installed anywhere: the command refuses installed names
DIST = "fatong-scaffoldcheck"
PACKAGE = "fatong_scaffoldcheck"


def new_plugin(monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """Run ``fatong new-plugin ARGS`` on the real ``fatong`` group, with no database
    configured and an app factory that fails: the generator must need neither."""

    def no_app(*_args, **_kwargs):
        raise AssertionError("fatong new-plugin built the application")

    monkeypatch.delenv("FATONG_DATABASE_URL", raising=False)
    # FlaskGroup sets this for the process; let monkeypatch take it back afterwards.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    monkeypatch.setattr(core, "create_app", no_app)
    return CliRunner().invoke(make_cli(), ["new-plugin", *args], prog_name="fatong")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("scaffold")
    with pytest.MonkeyPatch.context() as monkeypatch:
        result = new_plugin(monkeypatch, NAME, "--directory", str(workdir),
                            "--title", "Scaffold check", "--title-zh", "脚手架检查",
                            "--vendor", "Acme 信息技术有限公司")
    assert result.exit_code == 0, result.output
    assert f"created {workdir / DIST}" in result.output
    return workdir / DIST


# --- what the command writes -------------------------------------------------------------


def test_the_package_has_every_part_of_a_plugin(generated: Path) -> None:
    package = generated / PACKAGE
    for relative in ("pyproject.toml", "README.md", "babel.cfg", "tests/conftest.py",
                     f"tests/test_{NAME}.py"):
        assert (generated / relative).is_file(), relative
    for relative in ("__init__.py", "plugin.py", "models.py", "forms.py", "views.py",
                     f"templates/{NAME}/index.html", f"templates/{NAME}/form.html",
                     f"templates/{NAME}/detail.html",
                     "translations/zh_CN/LC_MESSAGES/messages.po",
                     "translations/zh_CN/LC_MESSAGES/messages.mo"):
        assert (package / relative).is_file(), relative
    assert not list(generated.rglob("*.jinja")), "template suffixes left in the output"

    pyproject = (generated / "pyproject.toml").read_text(encoding="utf-8")
    assert f'name = "{DIST}"' in pyproject
    assert 'version = "0.1.0"' in pyproject
    assert 'dependencies = ["fatong>=0.1,<1"]' in pyproject
    assert f'[project.entry-points."fatong.plugins"]\n{NAME} = "{PACKAGE}.plugin"' in pyproject

    plugin = (package / "plugin.py").read_text(encoding="utf-8")
    assert f'VIEW = "{NAME}.record.view"' in plugin
    assert f'EDIT = "{NAME}.record.edit"' in plugin
    assert 'requires_core=">=0.1,<1"' in plugin
    assert 'vendor="Acme 信息技术有限公司"' in plugin
    # Plugins reach core through the SDK only.
    for path in package.rglob("*.py"):
        imports = re.findall(r"^\s*(?:from|import) (core\S*)", path.read_text(encoding="utf-8"),
                             re.MULTILINE)
        assert set(imports) <= {"core.sdk"}, (path.name, imports)


def test_the_migration_starts_the_plugin_branch_on_cores_current_head(generated: Path) -> None:
    [migration] = (generated / PACKAGE / "migrations" / "versions").glob("*.py")
    assert migration.name.endswith(f"_{NAME}_initial.py")
    text = migration.read_text(encoding="utf-8")
    revision = migration.name.split("_", 1)[0]
    assert f'revision: str = "{revision}"' in text
    assert "down_revision: str | Sequence[str] | None = None" in text
    assert f'branch_labels: str | Sequence[str] | None = ("{NAME}",)' in text
    [head] = core_heads()
    assert f'depends_on: str | Sequence[str] | None = "{head}"' in text
    assert "def downgrade() -> None:" in text and f'op.drop_table("{NAME}_record")' in text


def test_the_generated_code_is_ruff_clean(generated: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(generated)],
                            capture_output=True, text=True, cwd=generated.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_ui_string_has_a_zh_cn_translation(generated: Path) -> None:
    with (generated / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    extracted = {message[2] for message in extract_from_dir(
        str(generated), method_map, options_map, keywords=keywords)}
    assert "Enter a title." in extracted and "New record" in extracted  # extraction worked
    po_path = generated / PACKAGE / "translations/zh_CN/LC_MESSAGES/messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    translated = {message.id: message.string for message in catalog if message.id}
    missing = sorted(msgid for msgid in extracted if not translated.get(msgid))
    assert missing == []
    assert translated["Scaffold check"] == "脚手架检查"


def test_the_installed_package_passes_its_own_tests(generated: Path) -> None:
    """pip installs the package into a scratch folder (not the venv, no network); its tests
    then run in a fresh interpreter that finds the plugin through the entry point."""
    workdir = generated.parent
    site = workdir / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--no-cache-dir", "--target", str(site), str(generated)],
        capture_output=True, text=True, cwd=workdir)
    assert install.returncode == 0, install.stdout + install.stderr
    assert (site / PACKAGE / "templates" / NAME / "index.html").is_file()
    assert list((site / PACKAGE / "migrations" / "versions").glob(f"*_{NAME}_initial.py"))
    assert (site / PACKAGE / "translations/zh_CN/LC_MESSAGES/messages.mo").is_file()

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    # From the scratch folder: the source tree must not shadow the installed package.
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(generated / "tests")],
        capture_output=True, text=True, cwd=workdir, env=env, timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-5000:]
    expected = (generated / "tests" / f"test_{NAME}.py").read_text(encoding="utf-8").count(
        "\ndef test_")
    assert expected >= 9
    summary = output.strip().splitlines()[-1]
    assert re.match(rf"^=*\s*{expected} passed in ", summary), summary
    assert f"{site / PACKAGE}" in subprocess.run(
        [sys.executable, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"],
        capture_output=True, text=True, cwd=workdir, env=env).stdout


# --- what the command refuses ------------------------------------------------------------


@pytest.mark.parametrize(("name", "reason"), [
    ("Hotline", "not a valid plugin name"),  # uppercase
    ("x", "not a valid plugin name"),  # too short
    ("has-dash", "not a valid plugin name"),
    ("9lives", "not a valid plugin name"),
    ("core", "reserved by the core"),
    ("platform", "reserved by the core"),
    ("mediation", "already installed"),  # a bundled plugin
    ("people", "already installed"),  # a built-in module of core
])
def test_bad_names_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str,
                               reason: str) -> None:
    result = new_plugin(monkeypatch, name, "--directory", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert reason in result.output
    assert f"'{name}'" in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_non_empty_folder_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    occupied = tmp_path / DIST
    occupied.mkdir()
    (occupied / "notes.txt").write_text("mine", encoding="utf-8")
    result = new_plugin(monkeypatch, NAME, "--directory", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "already exists and is not empty" in result.output
    assert [p.name for p in occupied.iterdir()] == ["notes.txt"]


def test_an_empty_folder_is_filled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / DIST).mkdir()
    result = new_plugin(monkeypatch, NAME, "--directory", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / DIST / PACKAGE / "plugin.py").is_file()


def test_a_title_that_would_break_the_msgid_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    result = new_plugin(monkeypatch, NAME, "--directory", str(tmp_path),
                        "--title", "100% records")
    assert result.exit_code == 2, result.output
    assert "--title must be one line without '%'" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_command_is_listed_in_the_help(monkeypatch: pytest.MonkeyPatch) -> None:
    result = new_plugin(monkeypatch, "--help")
    assert result.exit_code == 0, result.output
    for option in ("--directory", "--title", "--title-zh", "--vendor"):
        assert option in result.output
