"""docs/plugin-hooks.md documents every hookspec, with the hookspec's exact arguments.

Each hook has a section headed ``### name(arg, ...)``; the checker below compares those
headings with ``core/plugins/hookspecs.py`` and is itself tested on broken copies of the page,
so a check that could never fail would show up here.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from core.plugins import hookspecs
from core.plugins.markers import PROJECT_NAME

DOC = Path(__file__).resolve().parent.parent / "docs" / "plugin-hooks.md"
HEADING_RE = re.compile(r"^### +`?([A-Za-z_]\w*)\(([^)]*)\)`? *$", re.MULTILINE)
SECTION_LABELS = ("**When:**", "**Return:**", "**Example:**")


def hookspec_signatures() -> dict[str, tuple[str, ...]]:
    """Every hookspec in the hookspecs module: name -> argument names, in order."""
    marker = f"{PROJECT_NAME}_spec"
    return {
        name: tuple(inspect.signature(function).parameters)
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, marker)
    }


def documented_hooks(text: str) -> list[tuple[str, tuple[str, ...], str]]:
    """(name, argument names, section text) for each ``### name(args)`` heading."""
    found = []
    matches = list(HEADING_RE.finditer(text))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        # A level-2 heading also ends a section ("# " could be a comment in an example).
        following = re.search(r"^## ", text[match.end():end], re.MULTILINE)
        section_end = match.end() + following.start() if following else end
        args = tuple(a.strip() for a in match.group(2).split(",") if a.strip())
        found.append((match.group(1), args, text[match.end():section_end]))
    return found


def hook_doc_problems(text: str, specs: dict[str, tuple[str, ...]]) -> list[str]:
    problems = []
    seen: set[str] = set()
    for name, args, section in documented_hooks(text):
        if name in seen:
            problems.append(f"{name} is documented twice")
        seen.add(name)
        if name not in specs:
            problems.append(f"{name} is documented but is not a hookspec")
            continue
        signature = f"{name}({', '.join(specs[name])})"
        if args != specs[name]:
            problems.append(f"heading {name}({', '.join(args)}) differs from the hookspec "
                            f"{signature}")
        for label in SECTION_LABELS:
            if label not in section:
                problems.append(f"{name}: the section has no {label} paragraph")
        if not re.search(r"```python\n(?:.*\n)*?@hookimpl\n"
                         rf"def {name}\({re.escape(', '.join(specs[name]))}\):", section):
            problems.append(f"{name}: no python example implementing {signature} "
                            "with @hookimpl")
    for name in sorted(specs.keys() - seen):
        problems.append(f"hookspec {name}({', '.join(specs[name])}) is not documented")
    return problems


@pytest.fixture(scope="module")
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_there_are_hookspecs_to_check() -> None:
    specs = hookspec_signatures()
    assert {"register_blueprints", "nav_items", "plugin_enabled"} <= specs.keys()
    assert specs["nav_items"] == ("tenant", "user")


def test_every_hookspec_is_documented_with_its_signature(doc_text: str) -> None:
    assert hook_doc_problems(doc_text, hookspec_signatures()) == []


def test_the_doc_explains_the_gates(doc_text: str) -> None:
    for phrase in ("installed → allowed → enabled", "hooks_for(tenant)", "subset_hook_caller",
                   "PLUGINS_ALLOW", "PLUGINS_BLOCK", "FATONG_PLUGINS_BLOCK", "requires"):
        assert phrase in doc_text


# --- the checker catches what it must ----------------------------------------------------


def _section_span(text: str, name: str) -> tuple[int, int]:
    start = text.index(f"### {name}(")
    following = re.search(r"^##+ ", text[start + 4:], re.MULTILINE)
    return start, start + 4 + following.start() if following else len(text)


def test_checker_reports_an_undocumented_hookspec(doc_text: str) -> None:
    start, end = _section_span(doc_text, "dashboard_cards")
    problems = hook_doc_problems(doc_text[:start] + doc_text[end:], hookspec_signatures())
    assert problems == ["hookspec dashboard_cards(tenant, user) is not documented"]


def test_checker_reports_an_undocumented_new_hookspec(doc_text: str) -> None:
    specs = {**hookspec_signatures(), "case_deadlines": ("tenant", "case")}
    assert hook_doc_problems(doc_text, specs) == [
        "hookspec case_deadlines(tenant, case) is not documented"]


def test_checker_reports_argument_names_that_differ(doc_text: str) -> None:
    changed = doc_text.replace("### nav_items(tenant, user)", "### nav_items(tenant, usr)")
    problems = hook_doc_problems(changed, hookspec_signatures())
    assert problems == ["heading nav_items(tenant, usr) differs from the hookspec "
                        "nav_items(tenant, user)"]
    specs = {**hookspec_signatures(), "plugin_enabled": ("tenant", "actor")}
    problems = hook_doc_problems(doc_text, specs)
    assert any(p.startswith("heading plugin_enabled(tenant) differs") for p in problems)


def test_checker_reports_a_hook_that_does_not_exist(doc_text: str) -> None:
    extra = doc_text + (
        "\n### register_widgets(app)\n\n**When:** x\n\n**Return:** y\n\n**Example:**\n\n"
        "```python\n@hookimpl\ndef register_widgets(app):\n    return []\n```\n")
    assert hook_doc_problems(extra, hookspec_signatures()) == [
        "register_widgets is documented but is not a hookspec"]


def test_checker_reports_a_section_without_example(doc_text: str) -> None:
    start, end = _section_span(doc_text, "register_commands")
    section = doc_text[start:end]
    stripped = section[:section.index("**Example:**")]
    problems = hook_doc_problems(doc_text[:start] + stripped + doc_text[end:],
                                 hookspec_signatures())
    assert problems == [
        "register_commands: the section has no **Example:** paragraph",
        "register_commands: no python example implementing register_commands(cli) "
        "with @hookimpl",
    ]


# --- every example is a python block after its **Example:** label, and is valid python ----

PYTHON_FENCE_RE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def example_problems(text: str) -> list[str]:
    """Each hook section has an ``**Example:**`` paragraph followed by a python code fence
    implementing the hook; every python block on the page parses and imports core only
    through ``core.sdk`` (what a reader copies must be what a plugin may do)."""
    problems = []
    for name, _args, section in documented_hooks(text):
        label = section.find("**Example:**")
        if label < 0:
            problems.append(f"{name}: no **Example:** block")
            continue
        fence = PYTHON_FENCE_RE.search(section, label)
        if fence is None:
            problems.append(f"{name}: no ```python code fence after **Example:**")
        elif f"def {name}(" not in fence.group(1):
            problems.append(f"{name}: the first python block after **Example:** does not "
                            f"define {name}")
    for index, block in enumerate(PYTHON_FENCE_RE.findall(text), start=1):
        try:
            tree = ast.parse(block)
        except SyntaxError as exc:
            problems.append(f"python block {index} does not parse: {exc.msg} "
                            f"(line {exc.lineno}: {block.splitlines()[0]!r}…)")
            continue
        for node in ast.walk(tree):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            problems += [f"python block {index} imports {module}; examples use core.sdk"
                         for module in modules
                         if (module == "core" or module.startswith("core."))
                         and module != "core.sdk"]
    return problems


def test_every_hook_has_an_example_in_python(doc_text: str) -> None:
    assert example_problems(doc_text) == []


def test_example_checker_reports_a_label_without_code(doc_text: str) -> None:
    start, end = _section_span(doc_text, "plugin_disabled")
    section = doc_text[start:end]
    fenced = section[section.index("```python"):section.rindex("```") + 3]
    changed = doc_text[:start] + section.replace(fenced, "(see the notices plugin)") \
        + doc_text[end:]
    assert example_problems(changed) == [
        "plugin_disabled: no ```python code fence after **Example:**"]


def test_example_checker_reports_bad_python_and_core_imports(doc_text: str) -> None:
    start, end = _section_span(doc_text, "nav_items")
    section = doc_text[start:end]
    broken = section.replace("from core.sdk import NavItem, hookimpl",
                             "from core.plugins.contributions import NavItem")
    problems = example_problems(doc_text[:start] + broken + doc_text[end:])
    assert len(problems) == 1
    assert problems[0].endswith("imports core.plugins.contributions; examples use core.sdk")
    broken = section.replace("def nav_items(tenant, user):", "def nav_items(tenant, user)")
    problems = example_problems(doc_text[:start] + broken + doc_text[end:])
    assert len(problems) == 1 and "does not parse" in problems[0]
