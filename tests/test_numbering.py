"""Document numbering (issue #5): gap-free, unique per tenant, series and year; formats."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from marshmallow import ValidationError
from sqlalchemy import select

from core.db import db
from core.numbering import service
from core.numbering.models import NumberCounter
from core.numbering.service import (
    format_errors,
    format_number,
    issue_number,
    next_value,
    numbering_settings,
    register_series,
)
from core.sdk import tenant_context

from conftest import TenantFixture

MEDIATION = "test.mediation"
MEDIATION_FORMAT = "（{year}）{abbr}人调字第{n}号"
register_series(MEDIATION, MEDIATION_FORMAT, "Mediation case")


def counters(app: Flask, tenant: TenantFixture) -> dict[tuple[str, int], int]:
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.scalars(select(NumberCounter)).all()
        return {(row.series, row.year): row.last_value for row in rows}


# --- sequences ---------------------------------------------------------------------------


def test_sequence_counts_up_per_series_and_year(app: Flask, tenant_a: TenantFixture,
                                                 in_tenant) -> None:
    with in_tenant(tenant_a):
        assert [next_value("a", 2026) for _ in range(3)] == [1, 2, 3]
        assert [next_value("b", 2026) for _ in range(2)] == [1, 2]
        assert [next_value("a", 2027) for _ in range(2)] == [1, 2]
        assert next_value("a", 2026) == 4
        db.session.commit()
    assert counters(app, tenant_a) == {("a", 2026): 4, ("b", 2026): 2, ("a", 2027): 2}


def test_default_year_is_this_year_in_china(tenant_a: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a):
        year = service.current_year()
        assert next_value("a") == 1
        assert next_value("a", year) == 2
        value, text = issue_number("a")
        assert value == 3
        db.session.commit()
        row = db.session.scalars(select(NumberCounter)).one()
        assert (row.year, row.last_value) == (year, 3)


def test_rollback_gives_the_number_back(app: Flask, tenant_a: TenantFixture,
                                        in_tenant) -> None:
    with in_tenant(tenant_a):
        assert next_value("a", 2026) == 1
        db.session.commit()
        assert next_value("a", 2026) == 2
        assert next_value("a", 2026) == 3
        db.session.rollback()
        assert next_value("a", 2026) == 2
        db.session.commit()
    assert counters(app, tenant_a) == {("a", 2026): 2}


def test_rollback_of_the_first_number_gives_it_back(app: Flask, tenant_a: TenantFixture,
                                                    in_tenant) -> None:
    with in_tenant(tenant_a):
        assert next_value("fresh", 2026) == 1
        db.session.rollback()
        assert next_value("fresh", 2026) == 1
        db.session.commit()
    assert counters(app, tenant_a) == {("fresh", 2026): 1}


def test_tenants_count_independently(app: Flask, tenant_a: TenantFixture,
                                     tenant_b: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a):
        assert [next_value("a", 2026) for _ in range(3)] == [1, 2, 3]
        db.session.commit()
    with in_tenant(tenant_b):
        assert [next_value("a", 2026) for _ in range(2)] == [1, 2]
        db.session.commit()
    with in_tenant(tenant_a):
        assert next_value("a", 2026) == 4
        db.session.commit()
    assert counters(app, tenant_a) == {("a", 2026): 4}
    assert counters(app, tenant_b) == {("a", 2026): 2}


def test_next_value_needs_a_tenant(app: Flask) -> None:
    from core.tenancy.context import NoTenantContext

    with app.app_context(), pytest.raises(NoTenantContext):
        next_value("a", 2026)


def test_bad_series_key_refused(tenant_a: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a):
        for bad in ("", "   ", "x" * 61):
            with pytest.raises(ValueError):
                next_value(bad, 2026)


# --- formats -----------------------------------------------------------------------------


def test_registered_default_format_with_the_tenant_abbreviation(
        tenant_a: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a):
        numbering_settings().set_many({"abbreviation": "剑"})
        assert format_number(MEDIATION, 12, 2026) == "（2026）剑人调字第12号"
        assert issue_number(MEDIATION, 2026) == (1, "（2026）剑人调字第1号")
        assert issue_number(MEDIATION, 2026) == (2, "（2026）剑人调字第2号")


def test_tenant_format_overrides_the_default(tenant_a: TenantFixture,
                                             tenant_b: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a):
        numbering_settings().set_many(
            {"abbreviation": "剑", "formats": {MEDIATION: "{abbr}调〔{year}〕{n:03d}号"}})
        db.session.commit()
        assert format_number(MEDIATION, 7, 2026) == "剑调〔2026〕007号"
    with in_tenant(tenant_b):
        # Tenant B keeps the plugin's default and has no abbreviation.
        assert format_number(MEDIATION, 7, 2026) == "（2026）人调字第7号"


def test_unregistered_series_is_the_bare_number(tenant_a: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a):
        assert format_number("nobody.declared.this", 5, 2026) == "5"


@pytest.mark.parametrize("fmt", [
    "第{n}号", "（{year}）{abbr}第{n}号", "{n:04d}", "{{literal}} {n}",
])
def test_valid_formats_accepted(fmt: str) -> None:
    assert format_errors(fmt) == []


@pytest.mark.parametrize("fmt", [
    "", "  ", "（{year}）第号",                       # no {n}
    "{n}{county}", "{0}{n}", "{}{n}", "{n.real}",      # unknown placeholders
    "{n", "第{n}}号",                                  # unbalanced braces
    "{n:zz}",                                          # bad format spec
    "{n}" + "x" * 200,                                 # too long
])
def test_invalid_formats_refused(fmt: str) -> None:
    assert format_errors(fmt)


def test_settings_refuse_a_bad_format_and_store_nothing(tenant_a: TenantFixture,
                                                        in_tenant) -> None:
    with in_tenant(tenant_a):
        proxy = numbering_settings()
        with pytest.raises(ValidationError) as caught:
            proxy.set_many({"formats": {MEDIATION: "{year}{county}号"}})
        messages = caught.value.messages["formats"]
        assert all(message.startswith(MEDIATION + ": ") for message in messages)
        assert any("{county}" in message for message in messages)
        assert any("{n}" in message for message in messages)
        assert proxy.get("formats") == {}
        assert format_number(MEDIATION, 1, 2026) == "（2026）人调字第1号"


def test_messages_name_the_unknown_placeholder(app: Flask) -> None:
    with app.test_request_context():
        messages = format_errors("{x}{n}")
    assert len(messages) == 1
    assert "{x}" in messages[0]


def test_abbreviation_length_is_limited(tenant_a: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a), pytest.raises(ValidationError):
        numbering_settings().set_many({"abbreviation": "剑" * 21})


def test_register_series_validates_and_is_idempotent() -> None:
    assert register_series(MEDIATION, MEDIATION_FORMAT, "Mediation case").key == MEDIATION
    with pytest.raises(ValueError):
        register_series(MEDIATION, "{n}号")
    with pytest.raises(ValueError):
        register_series("test.bad", "no number here")
    with pytest.raises(ValueError):
        register_series("test.bad", "{n}{oops}")
    assert "test.bad" not in {entry.key for entry in service.registered_series()}


# --- concurrency -------------------------------------------------------------------------

# The same on both databases: SQLite serialises the writers (busy_timeout 5 s).
THREADS = 8
ISSUES = 10


def _issue_concurrently(app: Flask, tenant: TenantFixture, series: str,
                        roll_back_every: int = 0) -> list[int]:
    """THREADS threads × ISSUES issues, each in its own app context and session, all
    starting together on a counter row that does not exist yet (racing to create it).
    Every ``roll_back_every``-th issue of a thread is rolled back instead of committed."""
    kept: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work() -> None:
        try:
            with app.app_context(), tenant_context(tenant.id):
                start.wait()
                for i in range(1, ISSUES + 1):
                    value = next_value(series, 2026)
                    if roll_back_every and i % roll_back_every == 0:
                        db.session.rollback()
                        continue
                    db.session.commit()
                    with lock:
                        kept.append(value)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, errors
    return kept


def test_concurrent_issues_are_unique_and_gap_free(app: Flask,
                                                   tenant_a: TenantFixture) -> None:
    kept = _issue_concurrently(app, tenant_a, "race")
    assert sorted(kept) == list(range(1, THREADS * ISSUES + 1))
    assert counters(app, tenant_a) == {("race", 2026): THREADS * ISSUES}


def test_concurrent_rollbacks_leave_no_gap(app: Flask, tenant_a: TenantFixture) -> None:
    kept = _issue_concurrently(app, tenant_a, "race", roll_back_every=3)
    committed = THREADS * (ISSUES - ISSUES // 3)
    assert sorted(kept) == list(range(1, committed + 1))
    assert counters(app, tenant_a) == {("race", 2026): committed}
