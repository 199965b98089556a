"""Plugins reach core only through ``core.sdk``, never through each other, and do no network
I/O when imported (ARCHITECTURE.md, "Dependency direction"; docs/plugin-review.md).

An AST scan of every ``.py`` under ``plugins/`` (bundled lines) and ``examples/*/`` (vendor
packages such as examples/fatong-hotline):

- ``core`` or ``core.<x>`` other than ``core.sdk`` is refused; files under a ``tests/`` folder
  may also use ``core.testing``. ``migrations/`` folders are left out of this rule (Alembic
  scripts import alembic and sqlalchemy, and must not depend on core's code at all: they are
  frozen history);
- a bundled plugin never imports another one (``plugins.a`` importing ``plugins.b``), an
  example never imports ``plugins.*`` at all;
- outside ``tests/``, no module-level import of a network library (``requests``,
  ``urllib.request``, ``http.client``, ``socket`` …): a plugin's import must not open
  connections, and a request-time network call needs the operator's consent (review item).

Relative imports are resolved; ``importlib.import_module("…")`` and ``__import__("…")`` with a
literal name count as imports. The checker is tested on small sources below.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
EXAMPLES = ROOT / "examples"
SKIPPED_DIRS = {"__pycache__", "build", "dist", ".venv", "node_modules"}

ALLOWED_CORE = ("core.sdk",)
ALLOWED_CORE_IN_TESTS = ("core.sdk", "core.testing")
NETWORK_MODULES = ("requests", "httpx", "urllib3", "aiohttp", "urllib.request", "http.client",
                   "socket", "ftplib", "smtplib", "telnetlib", "xmlrpc.client")
# Packages whose "from X import name" may name a submodule that the rules judge.
SUBMODULE_PARENTS = ("core", "plugins", "urllib", "http", "xmlrpc")


@dataclass(frozen=True)
class Source:
    path: Path
    module: str  # dotted name, e.g. plugins.notices.views or fatong_hotline.views
    kind: str  # "plugin" (bundled) or "example"
    owner: str  # the bundled plugin's folder, or the example's folder
    in_tests: bool
    in_migrations: bool

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


@dataclass(frozen=True)
class Import:
    module: str
    line: int
    module_level: bool


def sources() -> list[Source]:
    found = []
    for kind, base in (("plugin", PLUGINS), ("example", EXAMPLES)):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            parts = path.relative_to(base).parts
            if SKIPPED_DIRS & set(parts) or any(p.endswith(".egg-info") for p in parts):
                continue
            if kind == "plugin":
                owner = parts[0] if len(parts) > 1 else ""
                dotted = ["plugins", *parts]
            else:
                owner = parts[0]
                dotted = list(parts[1:])  # an example's packages sit at its root
            dotted[-1] = dotted[-1].removesuffix(".py")
            if dotted[-1] == "__init__":
                dotted.pop()
            found.append(Source(path=path, module=".".join(dotted), kind=kind, owner=owner,
                                in_tests="tests" in parts[:-1],
                                in_migrations="migrations" in parts[:-1]))
    return found


def _resolve(source: Source, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = source.module.split(".") if source.is_package else source.module.split(".")[:-1]
    base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(source: Source, text: str) -> list[Import]:
    """Every module ``text`` imports, with its line and whether it runs at import time (not
    inside a function: class bodies and ``if`` blocks at module level run on import too)."""
    tree = ast.parse(text, filename=str(source.path))
    found: list[Import] = []

    def visit(node: ast.AST, module_level: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, node.lineno, module_level) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(source, node)
            names = [alias.name for alias in node.names]
            if base in SUBMODULE_PARENTS and "*" not in names:
                # "from core import people" imports core.people, "from http import client"
                # http.client: judge the submodules, not the bare package.
                found.extend(Import(f"{base}.{name}", node.lineno, module_level)
                             for name in names)
            else:
                found.append(Import(base, node.lineno, module_level))
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ast.unparse(node.func) in ("importlib.import_module", "import_module",
                                             "__import__")):
            found.append(Import(node.args[0].value, node.lineno, module_level))
        inner = module_level and not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, True)
    return found


def _is(module: str, name: str) -> bool:
    return module == name or module.startswith(name + ".")


def problems_of(source: Source, text: str) -> list[str]:
    found = []
    where = source.path.relative_to(ROOT) if source.path.is_relative_to(ROOT) else source.path
    for item in imports(source, text):
        at = f"{where}:{item.line}"
        if _is(item.module, "core") and not source.in_migrations:
            allowed = ALLOWED_CORE_IN_TESTS if source.in_tests else ALLOWED_CORE
            if item.module != "core" and not any(_is(item.module, a) for a in allowed):
                found.append(f"{at}: imports {item.module}; a plugin uses only "
                             f"{' and '.join(allowed)}")
            elif item.module == "core":
                found.append(f"{at}: imports the core package; use core.sdk")
        if _is(item.module, "plugins") and item.module != "plugins":
            target = item.module.split(".")[1]
            if source.kind == "example":
                found.append(f"{at}: imports {item.module}; an external plugin never imports "
                             "the bundled plugins (cooperate through hooks and core.sdk)")
            elif target != source.owner:
                found.append(f"{at}: plugin {source.owner!r} imports {item.module}; plugins "
                             "never import each other (cooperate through hooks)")
        if (item.module_level and not source.in_tests
                and any(_is(item.module, name) for name in NETWORK_MODULES)):
            found.append(f"{at}: imports {item.module} at module level; no network I/O when "
                         "a plugin is imported")
    return found


def all_problems() -> list[str]:
    found = []
    for source in sources():
        found += problems_of(source, source.path.read_text(encoding="utf-8"))
    return found


# --- the real tree -----------------------------------------------------------------------


def test_the_scan_sees_the_plugins() -> None:
    scanned = sources()
    owners = {source.owner for source in scanned if source.kind == "plugin"}
    assert {"notices", "mediation", "legal_aid"} <= owners
    assert any(s.in_migrations for s in scanned) and any(not s.in_tests for s in scanned)
    if EXAMPLES.is_dir() and any(EXAMPLES.glob("*/pyproject.toml")):
        assert any(source.kind == "example" for source in scanned)


def test_plugins_import_only_core_sdk_and_never_each_other() -> None:
    assert all_problems() == []


# --- the checker catches what it must ----------------------------------------------------


def _source(relative: str) -> Source:
    """A made-up file at ``relative`` (under plugins/ or examples/)."""
    path = ROOT / relative
    kind = "plugin" if relative.startswith("plugins/") else "example"
    parts = Path(relative).parts[1:]
    dotted = ["plugins", *parts] if kind == "plugin" else list(parts[1:])
    dotted[-1] = dotted[-1].removesuffix(".py")
    if dotted[-1] == "__init__":
        dotted.pop()
    return Source(path=path, module=".".join(dotted), kind=kind, owner=parts[0],
                  in_tests="tests" in parts[:-1], in_migrations="migrations" in parts[:-1])


@pytest.mark.parametrize(("relative", "code", "expected"), [
    ("plugins/notices/views.py", "from core.db import db\n",
     ["plugins/notices/views.py:1: imports core.db; a plugin uses only core.sdk"]),
    ("plugins/notices/views.py", "import core.tenancy.context as c\n",
     ["plugins/notices/views.py:1: imports core.tenancy.context; a plugin uses only core.sdk"]),
    ("plugins/notices/views.py", "from core import people\n",
     ["plugins/notices/views.py:1: imports core.people; a plugin uses only core.sdk"]),
    ("plugins/notices/views.py", "import core\n",
     ["plugins/notices/views.py:1: imports the core package; use core.sdk"]),
    ("plugins/notices/views.py", "def f():\n    import importlib\n"
     "    return importlib.import_module('core.audit.api')\n",
     ["plugins/notices/views.py:3: imports core.audit.api; a plugin uses only core.sdk"]),
    ("plugins/notices/views.py", "from core.sdk import db\nfrom core.sdk import people\n", []),
    ("plugins/notices/views.py", "from core import sdk\n", []),
    ("plugins/notices/tests/test_x.py", "from core.testing import Sweep\n", []),
    ("plugins/notices/views.py", "from core.testing import Sweep\n",
     ["plugins/notices/views.py:1: imports core.testing; a plugin uses only core.sdk"]),
    ("plugins/notices/tests/test_x.py", "from core.db import db\n",
     ["plugins/notices/tests/test_x.py:1: imports core.db; a plugin uses only core.sdk and "
      "core.testing"]),
    ("plugins/notices/migrations/versions/x.py", "from alembic import op\n", []),
    ("plugins/notices/views.py", "from plugins.notices.models import Notice\n"
     "from .forms import NoticeForm\n", []),
    ("plugins/notices/views.py", "from plugins.mediation.models import Case\n",
     ["plugins/notices/views.py:1: plugin 'notices' imports plugins.mediation.models; plugins "
      "never import each other (cooperate through hooks)"]),
    ("plugins/notices/views/cases.py", "from ...mediation import hooks\n",
     ["plugins/notices/views/cases.py:1: plugin 'notices' imports plugins.mediation; plugins "
      "never import each other (cooperate through hooks)"]),
    ("plugins/notices/views.py", "from plugins import legal_aid\n",
     ["plugins/notices/views.py:1: plugin 'notices' imports plugins.legal_aid; plugins never "
      "import each other (cooperate through hooks)"]),
    ("examples/fatong-x/fatong_x/hooks.py", "import plugins.legal_aid.models\n",
     ["examples/fatong-x/fatong_x/hooks.py:1: imports plugins.legal_aid.models; an external "
      "plugin never imports the bundled plugins (cooperate through hooks and core.sdk)"]),
    ("examples/fatong-x/fatong_x/views.py", "from . import models\nfrom core.sdk import db\n",
     []),
    ("plugins/notices/plugin.py", "import requests\n",
     ["plugins/notices/plugin.py:1: imports requests at module level; no network I/O when a "
      "plugin is imported"]),
    ("plugins/notices/plugin.py", "from urllib.request import urlopen\n",
     ["plugins/notices/plugin.py:1: imports urllib.request at module level; no network I/O "
      "when a plugin is imported"]),
    ("plugins/notices/plugin.py", "from http import client\n",
     ["plugins/notices/plugin.py:1: imports http.client at module level; no network I/O when "
      "a plugin is imported"]),
    ("plugins/notices/plugin.py", "class A:\n    import socket\n",
     ["plugins/notices/plugin.py:2: imports socket at module level; no network I/O when a "
      "plugin is imported"]),
    ("plugins/notices/plugin.py", "def send():\n    import socket\n", []),
    ("plugins/notices/plugin.py", "from urllib.parse import urlsplit\nimport http\n", []),
    ("plugins/notices/tests/test_x.py", "import socket\n", []),
])
def test_checker(relative: str, code: str, expected: list[str]) -> None:
    assert problems_of(_source(relative), code) == expected
