"""Document numbers page: the bureau's short name and per-series number formats."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.db import db
from core.numbering import service
from core.numbering.service import current_year, register_series
from core.sdk import tenant_context
from core.settings import TenantSetting

from conftest import TenantFixture
from test_admin_support import add_user, client_of

SERIES = "testkit_case"
DEFAULT = "（{year}）{abbr}测字第{n}号"
register_series(SERIES, DEFAULT, "Testkit case")
FIELD = f"format-{SERIES}"


def url(tenant: TenantFixture) -> str:
    return f"/t/{tenant.slug}/admin/numbering"


def series_block(html: str, key: str = SERIES) -> str:
    match = re.search(rf'<div class="mb-3" data-testid="numbering-series" data-series="{key}">'
                      r'(.*?)(?=<div class="mb-3" data-testid="numbering-series"|<button)',
                      html, re.S)
    assert match, key
    return match.group(1)


def input_value(block: str) -> str:
    found = re.search(r'<input [^>]*value="([^"]*)"[^>]*data-testid="numbering-format"', block)
    assert found, block
    return found.group(1)


def example(block: str) -> str | None:
    found = re.search(r'data-testid="numbering-example">(.*?)</span>', block)
    return found.group(1) if found else None


def errors(block: str) -> list[str]:
    return re.findall(r'data-testid="numbering-error">(.*?)</div>', block)


def stored(app: Flask, tenant: TenantFixture) -> dict:
    with app.app_context(), tenant_context(tenant.id):
        return {row.name: row.value for row in db.session.scalars(
            select(TenantSetting).where(TenantSetting.namespace == "numbering"))}


def audit_events(app: Flask, tenant: TenantFixture) -> list[AuditEvent]:
    with app.app_context(), tenant_context(tenant.id):
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.event == "settings.update").order_by(AuditEvent.seq)))


def form(**formats: str) -> dict[str, str]:
    return {"abbreviation": "剑", **{f"format-{key}": value for key, value in formats.items()}}


def test_page_shows_each_series_with_its_default_and_an_example(app, tenant_a, client_a):
    html = client_a.get(url(tenant_a)).get_data(as_text=True)
    block = series_block(html)
    assert f'placeholder="{DEFAULT}"' in block and SERIES in block and "Testkit case" in block
    assert input_value(block) == ""
    assert example(block) == f"（{current_year()}）测字第12号"  # no short name set yet
    assert stored(app, tenant_a) == {}


def test_saving_a_custom_format_stores_audits_and_shows_the_example(app, tenant_a, tenant_b,
                                                                    client_a):
    response = client_a.post(url(tenant_a), data=form(**{SERIES: " {abbr}测{year}-{n} "}))
    assert response.status_code == 302 and response.headers["Location"] == url(tenant_a)
    assert stored(app, tenant_a) == {"abbreviation": "剑",
                                     "formats": {SERIES: "{abbr}测{year}-{n}"}}
    assert stored(app, tenant_b) == {}

    block = series_block(client_a.get(url(tenant_a)).get_data(as_text=True))
    assert input_value(block) == "{abbr}测{year}-{n}"
    assert example(block) == f"剑测{current_year()}-12"

    [event] = audit_events(app, tenant_a)
    assert event.target_type == "tenant_settings" and event.summary == "numbering"
    assert event.details["abbreviation"] == {"old": "", "new": "剑"}
    assert event.details["formats"] == {"old": {}, "new": {SERIES: "{abbr}测{year}-{n}"}}


def test_saving_the_same_values_changes_and_audits_nothing(app, tenant_a, client_a):
    client_a.post(url(tenant_a), data=form(**{SERIES: "{n}号"}))
    response = client_a.post(url(tenant_a), data=form(**{SERIES: "{n}号"}),
                             follow_redirects=True)
    assert response.status_code == 200 and "alert-info" in response.get_data(as_text=True)
    assert len(audit_events(app, tenant_a)) == 1


def test_clearing_a_format_brings_the_default_back(app, tenant_a, client_a):
    client_a.post(url(tenant_a), data=form(**{SERIES: "{n}号"}))
    assert stored(app, tenant_a)["formats"] == {SERIES: "{n}号"}
    client_a.post(url(tenant_a), data=form(**{SERIES: "  "}))
    assert stored(app, tenant_a)["formats"] == {}
    block = series_block(client_a.get(url(tenant_a)).get_data(as_text=True))
    assert input_value(block) == ""
    assert example(block) == f"（{current_year()}）剑测字第12号"
    assert audit_events(app, tenant_a)[-1].details["formats"] == {
        "old": {SERIES: "{n}号"}, "new": {}}


@pytest.mark.parametrize("typed", ["第{x}号{n}", "第号", "{n", "{n:q}"])
def test_an_invalid_format_is_refused_beside_its_input_and_kept(app, tenant_a, client_a,
                                                                 typed):
    response = client_a.post(url(tenant_a), data={**form(**{SERIES: typed}),
                                                  "abbreviation": "剑阁"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    block = series_block(html)
    assert errors(block) and "is-invalid" in block
    assert input_value(block) == typed.replace("<", "&lt;")
    assert 'value="剑阁"' in html  # the abbreviation typed is kept too
    assert 'data-testid="numbering-errors"' in html
    assert stored(app, tenant_a) == {} and audit_events(app, tenant_a) == []


def test_too_long_abbreviation_is_refused(app, tenant_a, client_a):
    response = client_a.post(url(tenant_a), data={**form(**{SERIES: "{n}号"}),
                                                  "abbreviation": "剑" * 21})
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert stored(app, tenant_a) == {}


def test_without_registered_series_the_abbreviation_is_still_edited(app, tenant_a, client_a,
                                                                      monkeypatch):
    monkeypatch.setattr(service, "_registry", {})
    html = client_a.get(url(tenant_a)).get_data(as_text=True)
    assert 'data-testid="numbering-no-series"' in html
    assert 'data-testid="numbering-series"' not in html
    response = client_a.post(url(tenant_a), data={"abbreviation": "剑"})
    assert response.status_code == 302
    assert stored(app, tenant_a)["abbreviation"] == "剑"


def test_formats_of_series_no_longer_registered_are_kept(app, tenant_a, client_a,
                                                          in_tenant):
    with in_tenant(tenant_a):
        service.numbering_settings().set_many({"formats": {"gone.series": "{n}"}})
        db.session.commit()
    client_a.post(url(tenant_a), data=form(**{SERIES: "{n}号"}))
    assert stored(app, tenant_a)["formats"] == {"gone.series": "{n}", SERIES: "{n}号"}


@pytest.fixture
def staff(app: Flask, tenant_a: TenantFixture) -> FlaskClient:
    add_user(app, tenant_a, "clerk", "staff")
    add_user(app, tenant_a, "sec", "secadmin")
    return client_of(app, tenant_a, "clerk")


def test_only_the_system_administrator_edits_numbering(app, tenant_a, client_a, staff):
    secadmin = client_of(app, tenant_a, "sec")
    for client in (staff, secadmin):
        assert client.get(url(tenant_a)).status_code == 403
        assert client.post(url(tenant_a), data=form(**{SERIES: "{n}"})).status_code == 403
        assert url(tenant_a) not in client.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    assert stored(app, tenant_a) == {}
    assert f'href="{url(tenant_a)}"' in client_a.get(f"/t/{tenant_a.slug}/").get_data(
        as_text=True)
