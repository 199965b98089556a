"""Render the plugin template tree (``core/scaffold/template``) into a new package folder.

The template files end in ``.jinja`` and use ``[[ … ]]`` / ``[% … %]`` as delimiters, so the
generated Jinja2 page templates can keep their own ``{{ … }}`` untouched. In paths, the
segment text ``NAME`` stands for the plugin's name and ``REV`` for the first migration's
revision id. Nothing here needs an application or a database: the generator reads the core's
Alembic scripts and the installed entry points only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2
from packaging.version import Version

from core import __version__
from core.plugins.info import PLUGIN_NAME_RE, RESERVED_NAMES

TEMPLATE_DIR = Path(__file__).resolve().parent / "template"
SUFFIX = ".jinja"
LINE_LENGTH = 100  # the generated package's ruff line length


class ScaffoldError(ValueError):
    """The scaffold cannot be written as asked (bad name, occupied folder, …)."""


@dataclass(frozen=True)
class PluginSpec:
    """What the generated plugin is called and who ships it."""

    name: str
    title: str = ""
    title_zh: str = ""
    vendor: str = ""
    revision: str = field(default_factory=lambda: uuid.uuid4().hex[-12:])

    @property
    def display_title(self) -> str:
        return self.title or self.name.replace("_", " ").capitalize()

    @property
    def dist_name(self) -> str:
        return "fatong-" + self.name.replace("_", "-")

    @property
    def package(self) -> str:
        return f"fatong_{self.name}"

    @property
    def model(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_")) + "Record"


# --- checks ------------------------------------------------------------------------------


def installed_plugin_names() -> set[str]:
    """Names taken in this environment: core's built-in modules and every entry point."""
    from core.app import builtin_modules
    from core.plugins.manager import entry_point_sources

    names = {module.plugin_info.name for module in builtin_modules()}
    return names | {source.name for source in entry_point_sources()}


def check_name(name: str, taken: Iterable[str] | None = None) -> None:
    """Refuse a name PluginInfo would refuse at load time, or one already installed."""
    if not PLUGIN_NAME_RE.match(name):
        raise ScaffoldError(
            f"{name!r} is not a valid plugin name: use 2-40 lowercase letters, digits or "
            "underscores, starting with a letter (e.g. hotline or legal_help)")
    if name in RESERVED_NAMES:
        raise ScaffoldError(f"{name!r} is reserved by the core; choose another name")
    if name in (installed_plugin_names() if taken is None else set(taken)):
        raise ScaffoldError(
            f"a plugin named {name!r} is already installed; plugin names must be unique "
            "on a deployment")


def check_text(label: str, value: str, max_length: int = 80) -> None:
    # The title becomes a msgid: a "%" would be read as a format placeholder.
    if len(value) > max_length:
        raise ScaffoldError(f"{label} is longer than {max_length} characters")
    if "%" in value or any(ord(ch) < 32 for ch in value):
        raise ScaffoldError(f"{label} must be one line without '%'")


def target_folder(directory: Path, spec: PluginSpec) -> Path:
    """``DIR/fatong-<name>``; an existing folder must be empty."""
    target = directory / spec.dist_name
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not empty; choose another "
                            "--directory or remove it")
    return target


# --- versions ----------------------------------------------------------------------------


def core_requirement(version: str = __version__) -> tuple[str, str]:
    """(``>=0.1,<1``, next major) for a core at ``version``: a plugin built against one minor
    release keeps working with later minors of the same major."""
    parsed = Version(version)
    return f">={parsed.major}.{parsed.minor},<{parsed.major + 1}", str(parsed.major + 1)


def core_heads() -> tuple[str, ...]:
    """The head revision(s) of core's Alembic branch, read from core's scripts only."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from core.migrate import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    heads = ScriptDirectory.from_config(config).get_heads()
    if not heads:
        raise ScaffoldError("core has no Alembic revision to depend on")
    return tuple(sorted(heads))


# --- rendering ---------------------------------------------------------------------------


def _py(value: str) -> str:
    """A Python string literal (double quotes, as the rest of the generated code)."""
    return json.dumps(value, ensure_ascii=False)


def _po(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _from_import(module: str, *names: str) -> str:
    """``from module import a, b`` as ruff's isort writes it: one line when it fits."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= LINE_LENGTH:
        return line
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        block_start_string="[%", block_end_string="%]",
        variable_start_string="[[", variable_end_string="]]",
        comment_start_string="[#", comment_end_string="#]",
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters.update(py=_py, po=_po, toml=_py)
    env.globals["from_import"] = _from_import
    return env


def context(spec: PluginSpec) -> dict[str, object]:
    requires_core, _next_major = core_requirement()
    heads = core_heads()
    return {
        "name": spec.name,
        "title": spec.display_title,
        "title_zh": spec.title_zh,
        "vendor": spec.vendor,
        "dist_name": spec.dist_name,
        "package": spec.package,
        "model": spec.model,
        "table": f"{spec.name}_record",
        "version": "0.1.0",
        "requires_core": requires_core,
        "core_requirement": f"fatong{requires_core}",
        "core_version": __version__,
        "revision": spec.revision,
        "depends_on": _py(heads[0]) if len(heads) == 1 else repr(heads),
        "create_date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }


def render_files(spec: PluginSpec) -> dict[Path, str]:
    """Relative path -> text of every generated file."""
    env = _environment()
    values = context(spec)
    files: dict[Path, str] = {}
    for source in sorted(TEMPLATE_DIR.rglob(f"*{SUFFIX}")):
        relative = source.relative_to(TEMPLATE_DIR).as_posix()
        text = env.get_template(relative).render(values)
        target = relative[: -len(SUFFIX)].replace("NAME", spec.name).replace("REV", spec.revision)
        files[Path(target)] = text
    return files


def compile_catalogs(root: Path) -> list[Path]:
    """Compile every ``messages.po`` under ``root`` to ``messages.mo`` (as pybabel compile)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(root.rglob("LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo_path)
    return written


def scaffold(spec: PluginSpec, directory: Path, taken: Iterable[str] | None = None) -> Path:
    """Write the plugin package for ``spec`` into ``directory``; returns its folder."""
    check_name(spec.name, taken)
    for label, value in (("--title", spec.title), ("--title-zh", spec.title_zh),
                         ("--vendor", spec.vendor)):
        check_text(label, value)
    target = target_folder(directory, spec)
    files = render_files(spec)  # everything renders before anything is written
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    compile_catalogs(target)
    return target
