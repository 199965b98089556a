"""The zh_CN catalogs are complete and the pages a user sees are in Chinese.

Extraction mirrors ``make messages``: babel.cfg, pybabel's default keywords plus ``_l``; the
core catalog covers core/, tenants/ and templates/, each bundled plugin has its own catalog
built from its own folder. When a test here fails after a UI change: ``make messages``, translate
the new entries in the listed .po files, ``make translations``.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from conftest import TenantFixture, login, make_app

ROOT = Path(__file__).resolve().parent.parent
LOCALE = "zh_CN"
# Keep in step with the Makefile's `messages` target (`-k _l`).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}
WTFORMS_REQUIRED_ZH = "该字段是必填字段。"  # WTForms' own zh catalog: "This field is required."


@dataclass(frozen=True)
class SourceSet:
    name: str
    sources: tuple[Path, ...]
    translations: Path

    @property
    def po(self) -> Path:
        return self.translations / LOCALE / "LC_MESSAGES" / "messages.po"


def source_sets() -> list[SourceSet]:
    sets = [SourceSet("core", (ROOT / "core", ROOT / "tenants", ROOT / "templates"),
                      ROOT / "core" / "translations")]
    for plugin in sorted((ROOT / "plugins").glob("*/plugin.py")):
        folder = plugin.parent
        sets.append(SourceSet(f"plugins/{folder.name}", (folder,), folder / "translations"))
    # The example vendor plugin keeps its own catalog like any plugin package.
    for plugin in sorted((ROOT / "examples").glob("*/*/plugin.py")):
        folder = plugin.parent
        sets.append(SourceSet(f"examples/{folder.parent.name}", (folder,),
                              folder / "translations"))
    return sets


SOURCE_SETS = source_sets()


def extract(source_set: SourceSet) -> Catalog:
    """What `pybabel extract -F babel.cfg -k _l` would find, as a catalog with locations."""
    with open(ROOT / "babel.cfg") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, str(ROOT / "babel.cfg"))
    catalog = Catalog(locale=LOCALE)
    for directory in source_set.sources:
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(directory), method_map, options_map, keywords=KEYWORDS
        ):
            where = os.path.relpath(directory / filename, ROOT)
            catalog.add(message, None, [(where, lineno)], context=context)
    return catalog


def read_catalog(path: Path) -> Catalog:
    with open(path, "rb") as fileobj:
        return read_po(fileobj, locale=LOCALE)


def _msgid(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, tuple) else message_id


def catalog_problems(source_set: SourceSet) -> list[str]:
    """Everything wrong with one catalog against its sources, one line per problem."""
    if not source_set.po.exists():
        return [f"{source_set.po.relative_to(ROOT)} does not exist"]
    wanted = extract(source_set)
    catalog = read_catalog(source_set.po)
    problems = []
    for message in wanted:
        if not message.id:
            continue
        where = ", ".join(f"{path}:{line}" for path, line in message.locations[:3])
        found = catalog.get(message.id, message.context)
        if found is None:
            problems.append(f"missing: {_msgid(message.id)!r} ({where})")
            continue
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        if not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {_msgid(message.id)!r} ({where})")
        if found.fuzzy:
            problems.append(f"fuzzy: {_msgid(message.id)!r}")
    for message in catalog:
        if message.id and wanted.get(message.id, message.context) is None:
            problems.append(f"obsolete (no longer in the sources): {_msgid(message.id)!r}")
    for message in catalog.obsolete.values():
        problems.append(f"obsolete (#~ entry): {_msgid(message.id)!r}")
    for message, errors in catalog.check():
        problems.append(f"bad translation of {_msgid(message.id)!r}: "
                        + "; ".join(str(e) for e in errors))
    return problems


# --- the catalogs --------------------------------------------------------------------------


def test_extraction_finds_python_lazy_and_template_messages() -> None:
    """Guards the catalog test against extracting nothing (a wrong babel.cfg or keyword)."""
    names = [s.name for s in SOURCE_SETS]
    assert "plugins/notices" in names, names
    core = extract(SOURCE_SETS[0])
    assert core.get("Workbench") is not None  # _l() in core/home/plugin.py
    assert core.get("Log in") is not None  # _() in templates/auth/login.html
    assert core.get("Invalid username or password.") is not None  # _() in a view
    assert core.get("Notices") is None, "plugin strings belong in the plugin's own catalog"
    notices = extract(SOURCE_SETS[names.index("plugins/notices")])
    assert notices.get("Notices") is not None
    assert notices.get("%(count)d notices in all") is not None  # newstyle _() with a variable
    assert notices.get("Workbench") is None


@pytest.mark.parametrize("source_set", SOURCE_SETS, ids=[s.name for s in SOURCE_SETS])
def test_catalog_is_complete(source_set: SourceSet) -> None:
    problems = catalog_problems(source_set)
    assert not problems, (
        f"zh_CN catalog {source_set.po.relative_to(ROOT)} is out of step with its sources "
        "(run `make messages`, translate, `make translations`):\n  " + "\n  ".join(problems)
    )


# --- rendered pages ------------------------------------------------------------------------


def compile_catalogs() -> None:
    """What `make translations` does, for catalogs whose .mo is missing or older than the .po.

    The .mo files are git-ignored build products; compiling here lets the page tests check the
    .po as it is now even when `make translations` was not run. Written atomically because
    other test runs may be reading them.
    """
    for source_set in SOURCE_SETS:
        po, mo = source_set.po, source_set.po.with_suffix(".mo")
        if not po.exists() or (mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
            continue
        catalog = read_catalog(po)
        handle, temporary = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as fileobj:
            write_mo(fileobj, catalog)
        os.replace(temporary, mo)


@pytest.fixture(scope="module")
def zh_app(app: Flask, database_url: str) -> Flask:
    """A fresh app (same migrated database) that loads the just-compiled catalogs.

    Flask-Babel caches catalogs per app on first use, so the session app may hold catalogs
    loaded before compile_catalogs() ran.
    """
    compile_catalogs()
    return make_app(database_url)


class _VisibleText(HTMLParser):
    """Text nodes and the attributes a user sees or hears, split on the title's separators."""

    ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "value"}

    def __init__(self) -> None:
        super().__init__()
        self.pieces: set[str] = set()

    def _add(self, text: str) -> None:
        for piece in re.split(r"\s*·\s*", text):
            if piece.strip():
                self.pieces.add(piece.strip())

    def handle_data(self, data: str) -> None:
        self._add(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in self.ATTRIBUTES and value and not (tag == "input" and name == "value"):
                self._add(value)


def english_leftovers(html: str) -> set[str]:
    """English msgids shown as whole pieces of text on the page."""
    msgids = set()
    for source_set in SOURCE_SETS:
        msgids |= {_msgid(m.id) for m in extract(source_set) if m.id}
    parser = _VisibleText()
    parser.feed(html)
    return parser.pieces & msgids


def test_login_page_is_chinese(zh_app: Flask, tenant_a: TenantFixture) -> None:
    response = zh_app.test_client().get(f"/t/{tenant_a.slug}/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "<title>登录 · 剑阁县司法局 · 法通</title>" in html
    for chinese in ("登录", "用户名", "密码"):
        assert chinese in html
    for english in ("Log in", "Username", "Password", "Fatong"):
        assert english not in html
    assert not english_leftovers(html)


def test_workbench_and_plugin_pages_are_chinese(zh_app: Flask,
                                                tenant_a: TenantFixture) -> None:
    client: FlaskClient = zh_app.test_client()
    login(client, tenant_a)
    workbench = client.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    # 通知公告 comes from the plugin's own catalog, 工作台 and 退出登录 from core's.
    for chinese in ("工作台", "通知公告", "退出登录", "近 30 天通知公告", "本单位已启用的业务模块"):
        assert chinese in workbench, chinese
    for english in ("Workbench", "Notices", "Log out"):
        assert english not in workbench
    assert not english_leftovers(workbench)

    notices = client.get(f"/t/{tenant_a.slug}/notices/")
    assert notices.status_code == 200
    html = notices.get_data(as_text=True)
    for chinese in ("通知公告", "新建通知公告", "通报", "暂无通知公告。"):
        assert chinese in html, chinese
    assert not english_leftovers(html)


def test_empty_login_shows_chinese_field_errors(zh_app: Flask,
                                                tenant_a: TenantFixture) -> None:
    response = zh_app.test_client().post(f"/t/{tenant_a.slug}/login",
                                         data={"username": "", "password": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    errors = re.findall(r'<div class="invalid-feedback">([^<]*)</div>', html)
    assert errors == [WTFORMS_REQUIRED_ZH, WTFORMS_REQUIRED_ZH], errors
    assert "This field is required." not in html
