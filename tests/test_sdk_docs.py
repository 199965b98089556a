"""docs/plugins.md documents the whole plugin surface, and nothing that is not there.

The "SDK reference" section has one entry per name in ``core.sdk.__all__``; the "Testing
reference" section one per name in ``core.testing.__all__`` (its "Helpers") and one per
fixture of Fatong's pytest plugin, ``core/testing/plugin.py`` (its "Fixtures"). An entry is a
list item starting with the name in backticks: ``- `name` — …`` or ``- `name(args)` — …``.
The checker is tested on broken copies of the page, so a check that could never fail would
show up here.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path

import pytest

import core.sdk
import core.testing
import core.testing.plugin
from core.plugins import hookspecs
from core.plugins.markers import PROJECT_NAME

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "plugins.md"
HOOKS_DOC = "plugin-hooks.md"
SDK_SECTION = "SDK reference"
TESTING_SECTION = "Testing reference"
HELPERS = "Helpers"
FIXTURES = "Fixtures"

# A top-level list item naming one thing: "- `name`" or "- `name(…)`" (nested items, indented,
# may describe a module's functions without counting as entries).
ENTRY_RE = re.compile(r"^[-*] `([A-Za-z_]\w*)(?:`|\()", re.MULTILINE)


def without_code(text: str) -> str:
    """``text`` with fenced code blocks blanked: a ``# comment`` in an example is no heading."""
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def section(text: str, title: str, level: int = 2) -> str:
    """The body of the heading ``title`` (at ``level``) up to the next heading of that level
    or above, code blocks left out; fails when the heading is missing."""
    text = without_code(text)
    marks = "#" * level
    match = re.search(rf"^{marks} {re.escape(title)}\b.*$", text, re.MULTILINE)
    assert match, f"docs/plugins.md has no '{marks} {title}' heading"
    following = re.search(rf"^#{{1,{level}}} ", text[match.end():], re.MULTILINE)
    return text[match.end():match.end() + following.start() if following else len(text)]


def entries(body: str) -> list[str]:
    return ENTRY_RE.findall(body)


def fixture_names() -> list[str]:
    """The fixtures core/testing/plugin.py defines (functions decorated with pytest.fixture),
    read from its source so that a new fixture cannot hide behind a decorator's wrapping.
    Private ones (``_fatong_clean_database``, autouse) are not for requesting."""
    tree = ast.parse(Path(core.testing.plugin.__file__).read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if ast.unparse(target) in ("pytest.fixture", "fixture"):
                found.append(node.name)
    return found


def reference_problems(documented: list[str], exported: list[str], what: str) -> list[str]:
    problems = [f"{name} is documented twice in {what}"
                for name in sorted({n for n in documented if documented.count(n) > 1})]
    problems += [f"{name} is exported but not documented in {what}"
                 for name in sorted(set(exported) - set(documented))]
    problems += [f"{name} is documented in {what} but not exported"
                 for name in sorted(set(documented) - set(exported))]
    return problems


def doc_problems(text: str, sdk: list[str], helpers: list[str],
                 fixtures: list[str]) -> list[str]:
    testing = section(text, TESTING_SECTION)
    return (reference_problems(entries(section(text, SDK_SECTION)), sdk, "the SDK reference")
            + reference_problems(entries(section(testing, HELPERS, 3)), helpers,
                                 "the core.testing helpers")
            + reference_problems(entries(section(testing, FIXTURES, 3)), fixtures,
                                 "the core.testing fixtures"))


@pytest.fixture(scope="module")
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def _problems(text: str) -> list[str]:
    return doc_problems(text, list(core.sdk.__all__), list(core.testing.__all__),
                        fixture_names())


# --- the surface is real -----------------------------------------------------------------


def test_every_sdk_export_exists() -> None:
    missing = [name for name in core.sdk.__all__ if not hasattr(core.sdk, name)]
    assert missing == []
    assert len(set(core.sdk.__all__)) == len(core.sdk.__all__), "a name is listed twice"
    namespace: dict[str, object] = {}
    exec("from core.sdk import *", namespace)  # what a plugin author's star import gets
    assert set(core.sdk.__all__) <= namespace.keys()


def test_every_testing_export_exists() -> None:
    assert [name for name in core.testing.__all__ if not hasattr(core.testing, name)] == []


def test_fixtures_are_found() -> None:
    names = fixture_names()
    assert {"app", "tenant_a", "tenant_b", "client_a", "live_server", "page"} <= set(names)
    assert "_fatong_clean_database" not in names
    assert "pytest_configure" not in names


# --- the page documents exactly that surface -----------------------------------------------


def test_the_reference_documents_exactly_the_exports(doc_text: str) -> None:
    assert _problems(doc_text) == []


def hook_anchor(name: str, arguments: tuple[str, ...]) -> str:
    """The anchor GitHub gives the heading ``### name(a, b)`` of docs/plugin-hooks.md."""
    heading = f"{name}({', '.join(arguments)})".lower()
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def test_every_hook_is_listed_with_a_link_to_its_example(doc_text: str) -> None:
    """The SDK reference lists every hook under ``hookimpl``, each linking to its section of
    docs/plugin-hooks.md, where its example is."""
    body = section(doc_text, SDK_SECTION)
    marker = f"{PROJECT_NAME}_spec"
    specs = {name: tuple(inspect.signature(function).parameters)
             for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(function, marker)}
    assert specs
    missing = [name for name, arguments in sorted(specs.items())
               if f"]({HOOKS_DOC}#{hook_anchor(name, arguments)})" not in body]
    assert missing == [], "hooks without a link to their section in docs/plugin-hooks.md"
    headings = (DOC.parent / HOOKS_DOC).read_text(encoding="utf-8")
    for name, arguments in specs.items():
        assert f"### {name}({', '.join(arguments)})" in headings


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a page."""
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
            for heading in re.findall(r"^#+ (.+)$", without_code(text), re.MULTILINE)}


@pytest.mark.parametrize("page", ["plugins.md", "plugin-review.md"])
def test_the_links_between_docs_resolve(page: str) -> None:
    """Every relative link of the page, and its #anchor, points at something that exists."""
    text = (DOC.parent / page).read_text(encoding="utf-8")
    broken = []
    for target, anchor in set(re.findall(r"\]\(([\w./-]*\.md)?(?:#([\w-]+))?\)",
                                         without_code(text))):
        path = DOC.parent / (target or page)
        if not path.is_file():
            broken.append(f"{target} does not exist")
        elif anchor and anchor not in anchors(path.read_text(encoding="utf-8")):
            broken.append(f"{target or page}#{anchor}: no such heading")
    assert broken == [], f"docs/{page}"


def test_the_examples_are_python_a_plugin_may_write(doc_text: str) -> None:
    """Every python block parses and imports core only through core.sdk / core.testing."""
    problems = []
    blocks = [textwrap.dedent(body) for _indent, body in re.findall(
        r"^( *)```python\n(.*?)^\1```", doc_text, re.MULTILINE | re.DOTALL)]
    assert len(blocks) > 10  # indented ones (inside list items) included
    for index, block in enumerate(blocks, start=1):
        try:
            tree = ast.parse(block)
        except SyntaxError as exc:
            problems.append(f"python block {index} does not parse: {exc}")
            continue
        for node in ast.walk(tree):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            problems += [f"python block {index} imports {module}" for module in modules
                         if module.split(".")[0] in ("core", "plugins")
                         and module not in ("core.sdk", "core.testing")]
    assert problems == []


# --- the checker catches what it must ----------------------------------------------------


def _without_entry(text: str, name: str) -> str:
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines)
                 if line.startswith((f"- `{name}`", f"- `{name}(")))
    end = index + 1
    while end < len(lines) and lines[end].startswith("  "):  # the entry's continuation
        end += 1
    return "".join(lines[:index] + lines[end:])


def test_checker_reports_an_undocumented_export(doc_text: str) -> None:
    assert _problems(_without_entry(doc_text, "scope_filter")) == [
        "scope_filter is exported but not documented in the SDK reference"]


def test_checker_reports_a_new_export_nobody_documented(doc_text: str) -> None:
    problems = doc_problems(doc_text, [*core.sdk.__all__, "frobnicate"],
                            list(core.testing.__all__), fixture_names())
    assert problems == ["frobnicate is exported but not documented in the SDK reference"]


def test_checker_reports_a_documented_name_that_is_not_exported(doc_text: str) -> None:
    body = section(doc_text, SDK_SECTION)
    changed = doc_text.replace(body, body + "\n- `PluginRegistry` — gone.\n", 1)
    assert _problems(changed) == [
        "PluginRegistry is documented in the SDK reference but not exported"]


def test_checker_reports_an_undocumented_helper_and_fixture(doc_text: str) -> None:
    changed = _without_entry(_without_entry(doc_text, "Sweep"), "in_tenant")
    assert _problems(changed) == [
        "Sweep is exported but not documented in the core.testing helpers",
        "in_tenant is exported but not documented in the core.testing fixtures",
    ]


def test_checker_reports_a_missing_section(doc_text: str) -> None:
    with pytest.raises(AssertionError, match="SDK reference"):
        _problems(doc_text.replace(f"## {SDK_SECTION}", "## Reference"))
