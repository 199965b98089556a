"""The deadlines centre (待办/预警): the plugins' ``deadlines`` items, grouped and counted."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from test_people_pages import add_user

from core import __version__
from core.app import builtin_modules
from core.db import db
from core.plugins.manager import module_source
from core.sdk import Tenant, disable_plugin, enable_plugin
from tenants import plugin as tenants_plugin

from conftest import TenantFixture, login, make_app
from testkit_plugins import CALLS, calls_of
from testkit_plugins import deadlines as kit

# Noon in Shanghai on the kit's TODAY (04:00 UTC, the same day).
NOON = datetime(kit.TODAY.year, kit.TODAY.month, kit.TODAY.day, 12,
                tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def kit_app(app: Flask, database_url: str, tenant_a: TenantFixture) -> Iterator[Flask]:
    sources = [module_source(m, version=__version__)
               for m in [*builtin_modules(), tenants_plugin]]
    sources.append(module_source(kit, builtin=False))
    sources.append(module_source(kit.broken, builtin=False))
    application = make_app(database_url, PLUGIN_SOURCES=sources)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOON, tick=False):
        yield


def _toggle(app: Flask, tenant: TenantFixture, name: str, on: bool = True) -> None:
    with app.app_context():
        (enable_plugin if on else disable_plugin)(db.session.get(Tenant, tenant.id), name)
        db.session.commit()


def _client(app: Flask, tenant: TenantFixture) -> FlaskClient:
    add_user(app, tenant, "clerk", "staff")
    client = app.test_client()
    login(client, tenant, "clerk")
    return client


def section(page: str, key: str) -> list[str]:
    """Titles of the items listed in one group of the page, in order."""
    start = page.index(f'data-testid="deadlines-{key}"')
    end = page.find('data-testid="deadlines-', page.index(f'-{key}-count"', start) + 1)
    chunk = page[start:end if end != -1 else len(page)]
    return re.findall(r'<tr data-testid="deadline"[^>]*>.*?<a href="[^"]*">([^<]*)</a>', chunk,
                      re.S)


def test_items_are_grouped_by_due_date(kit_app, tenant_a, clock) -> None:
    _toggle(kit_app, tenant_a, kit.NAME)
    client = _client(kit_app, tenant_a)
    url = f"/t/{tenant_a.slug}/deadlines/"

    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert section(page, "overdue") == ["Kit overdue 5", "Kit overdue 2"]
    assert section(page, "soon") == ["Kit today", "Kit soon 3"]  # today counts as due soon
    assert section(page, "later") == ["Kit soon 5", "Kit later 10", "Kit later 40"]
    assert '<a href="/kit/deadline/-5">Kit overdue 5</a>' in page
    assert 'data-due="2025-06-05" data-days="-5"' in page
    assert page.count('data-severity="critical"') == 2
    assert kit.LINE in page

    page = client.get(f"{url}?days=7").get_data(as_text=True)
    assert section(page, "soon") == ["Kit today", "Kit soon 3", "Kit soon 5"]
    assert section(page, "later") == ["Kit later 10", "Kit later 40"]
    assert '<option value="7" selected>' in page

    page = client.get(f"{url}?days=12345").get_data(as_text=True)  # not offered: default
    assert section(page, "soon") == ["Kit today", "Kit soon 3"]
    assert '<option value="3" selected>' in page


def test_today_is_the_day_in_shanghai(kit_app, tenant_a) -> None:
    # 17:00 UTC on the day before TODAY is already 01:00 of TODAY in Shanghai.
    late = datetime(kit.TODAY.year, kit.TODAY.month, kit.TODAY.day - 1, 17,
                    tzinfo=ZoneInfo("UTC"))
    with time_machine.travel(late, tick=False):
        _toggle(kit_app, tenant_a, kit.NAME)
        client = _client(kit_app, tenant_a)
        page = client.get(f"/t/{tenant_a.slug}/deadlines/").get_data(as_text=True)
    assert section(page, "soon")[0] == "Kit today"
    assert 'data-days="0"' in page


def test_disabled_plugins_items_are_absent(kit_app, tenant_a, clock) -> None:
    client = _client(kit_app, tenant_a)
    url = f"/t/{tenant_a.slug}/deadlines/"
    CALLS.clear()
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="deadline"' not in page
    assert calls_of(kit.NAME) == []

    _toggle(kit_app, tenant_a, kit.NAME)
    assert "Kit overdue 5" in client.get(url).get_data(as_text=True)
    _toggle(kit_app, tenant_a, kit.NAME, on=False)
    CALLS.clear()
    page = client.get(url).get_data(as_text=True)
    assert "Kit overdue 5" not in page and 'data-testid="deadline"' not in page
    assert calls_of(kit.NAME) == []


def test_a_raising_plugin_does_not_break_the_page(kit_app, tenant_a, clock, caplog) -> None:
    _toggle(kit_app, tenant_a, kit.NAME)
    _toggle(kit_app, tenant_a, kit.BROKEN_NAME)
    client = _client(kit_app, tenant_a)
    CALLS.clear()
    with caplog.at_level(logging.ERROR, logger="core.deadlines.views"):
        response = client.get(f"/t/{tenant_a.slug}/deadlines/")
        workbench = client.get(f"/t/{tenant_a.slug}/")
    assert response.status_code == 200 and workbench.status_code == 200
    page = response.get_data(as_text=True)
    assert calls_of(kit.BROKEN_NAME) == [("deadlines", tenant_a.slug)] * 2
    assert section(page, "overdue") == ["Kit overdue 5", "Kit overdue 2"]  # the rest is shown
    warning = page[page.index('data-testid="deadlines-failed"'):]
    assert "Kit Broken Deadlines" in warning[:warning.index("</div>")]
    assert any(kit.BROKEN_NAME in r.getMessage() and r.exc_info for r in caplog.records)


def _deadline_cards(page: str, slug: str) -> list[str]:
    """Values of the workbench cards linking to the deadlines page, in page order."""
    cards = re.findall(r'<div class="fs-2 fw-semibold">([^<]*)</div>.*?'
                       r'<a href="([^"]*)"', page, re.S)
    return [value for value, href in cards if href == f"/t/{slug}/deadlines/"]


def test_workbench_card_counts_overdue_and_due_soon(kit_app, tenant_a, clock) -> None:
    client = _client(kit_app, tenant_a)
    page = client.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    assert _deadline_cards(page, tenant_a.slug) == ["0", "0"]
    assert f'href="/t/{tenant_a.slug}/deadlines/"' in page  # the menu entry

    _toggle(kit_app, tenant_a, kit.NAME)
    page = client.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    assert _deadline_cards(page, tenant_a.slug) == ["2", "2"]  # overdue, due within 3 days


def test_another_tenants_page_is_404_and_login_is_needed(kit_app, tenant_a, tenant_b,
                                                         clock) -> None:
    client = _client(kit_app, tenant_a)
    assert client.get(f"/t/{tenant_b.slug}/deadlines/").status_code == 404
    anonymous = kit_app.test_client().get(f"/t/{tenant_a.slug}/deadlines/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
