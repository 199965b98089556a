"""Retention: the tenant setting (184 days at least), and `fatong audit purge`, which deletes
old events, leaves the chain verifiable from a checkpoint, and audits itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from marshmallow import ValidationError
from sqlalchemy import select, text

from core.audit.api import record
from core.audit.chain import Chain
from core.audit.models import AuditEvent
from core.audit.service import MIN_RETENTION_DAYS, audit_settings, purge
from core.db import db
from core.sdk import tenant_context

from conftest import TenantFixture, provision

NOW = datetime.now(UTC).replace(microsecond=0)
OLD = NOW - timedelta(days=400)
RECENT = NOW - timedelta(days=100)


def write(app: Flask, tenant: TenantFixture, summary: str, count: int) -> None:
    with app.app_context(), tenant_context(tenant.id):
        for number in range(count):
            record("testkit.event", summary=f"{summary}-{number}")
        db.session.commit()


def rows(app: Flask, tenant: TenantFixture) -> list:
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(
            select(AuditEvent.seq, AuditEvent.event, AuditEvent.summary, AuditEvent.details)
            .where(AuditEvent.tenant_id == tenant.id).order_by(AuditEvent.seq)).all()


def cli(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["audit", *args])


@pytest.fixture
def aged(app: Flask) -> TenantFixture:
    """A tenant set up 400 days ago, with events from then and from 100 days ago."""
    with time_machine.travel(OLD, tick=False):
        tenant = provision(app, "jiange", "剑阁县司法局", "510823")
        write(app, tenant, "old", 5)
    with time_machine.travel(RECENT, tick=False):
        write(app, tenant, "recent", 3)
    return tenant


def test_retention_defaults_to_184_days_and_refuses_less(app: Flask, tenant_a: TenantFixture,
                                                         in_tenant) -> None:
    with in_tenant(tenant_a):
        settings = audit_settings()
        assert settings.get("retention_days") == MIN_RETENTION_DAYS == 184
        with pytest.raises(ValidationError) as refused:
            settings.set_many({"retention_days": 183})
        assert "retention_days" in refused.value.messages
        assert settings.get("retention_days") == 184
        settings.set_many({"retention_days": 365})
        assert settings.get("retention_days") == 365


def test_purge_refuses_a_retention_under_the_minimum(app: Flask, tenant_a: TenantFixture) -> None:
    before = rows(app, tenant_a)
    with app.app_context(), pytest.raises(ValueError, match="at least 184 days"):
        purge(Chain(tenant_a.id), 100)
    assert rows(app, tenant_a) == before


def test_purge_deletes_old_events_and_the_chain_still_verifies(app: Flask,
                                                               aged: TenantFixture) -> None:
    before = rows(app, aged)
    old = [r for r in before if not r.summary.startswith("recent")]
    result = cli(app, "purge", "--tenant", aged.slug)
    assert result.exit_code == 0, result.output
    assert f"purged  {aged.slug}: {len(old)} event(s) older than 184 days" in result.output

    after = rows(app, aged)
    assert [r.summary for r in after[:3]] == ["recent-0", "recent-1", "recent-2"]
    assert after[0].seq == len(old) + 1  # seq numbers are never reused
    purge_event = after[-1]
    assert purge_event.event == "audit.purge"
    assert purge_event.details["deleted"] == len(old)
    assert purge_event.details["purged_through_seq"] == len(old)
    assert purge_event.details["retention_days"] == 184

    verified = cli(app, "verify", "--tenant", aged.slug)
    assert verified.exit_code == 0, verified.output
    assert f"after purge checkpoint seq {len(old)}" in verified.output
    assert f"{len(after)} rows verified" in verified.output


def test_a_longer_retention_keeps_more(app: Flask, aged: TenantFixture) -> None:
    with app.app_context(), tenant_context(aged.id):
        audit_settings().set_many({"retention_days": 500})
        db.session.commit()
    before = rows(app, aged)
    assert cli(app, "purge", "--tenant", aged.slug).exit_code == 0
    after = rows(app, aged)
    assert after[:-1] == before  # nothing deleted; only the purge's own event added
    assert after[-1].details["deleted"] == 0


def test_purging_twice_keeps_the_chain_verifiable(app: Flask, aged: TenantFixture) -> None:
    assert cli(app, "purge").exit_code == 0
    write(app, aged, "later", 2)
    assert cli(app, "purge").exit_code == 0
    assert [r.event for r in rows(app, aged)].count("audit.purge") == 2
    result = cli(app, "verify")
    assert result.exit_code == 0, result.output


def test_tampering_after_a_purge_is_still_found(app: Flask, aged: TenantFixture) -> None:
    assert cli(app, "purge", "--tenant", aged.slug).exit_code == 0
    first = rows(app, aged)[0].seq
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE tenant_id = :t AND seq = :s"),
                           {"t": aged.id, "s": first})
    result = cli(app, "verify", "--tenant", aged.slug)
    assert result.exit_code == 1
    assert f"first broken seq {first} (a row is missing)" in result.output


def test_moving_the_checkpoint_is_found(app: Flask, aged: TenantFixture) -> None:
    # Someone deletes more rows and moves the checkpoint past them: the head's MAC breaks.
    assert cli(app, "purge", "--tenant", aged.slug).exit_code == 0
    first = rows(app, aged)[0]
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE tenant_id = :t AND seq = :s"),
                           {"t": aged.id, "s": first.seq})
        connection.execute(text(
            "UPDATE audit_chain_heads SET purged_seq = :s, purged_hash = "
            "(SELECT prev_hash FROM audit_events WHERE tenant_id = :t AND seq = :n) "
            "WHERE tenant_id = :t"), {"t": aged.id, "s": first.seq, "n": first.seq + 1})
    result = cli(app, "verify", "--tenant", aged.slug)
    assert result.exit_code == 1
    assert "the chain head or its purge checkpoint was altered" in result.output


def test_purge_refuses_a_broken_chain_and_deletes_nothing(app: Flask,
                                                          aged: TenantFixture) -> None:
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET summary = 'x' "
                                "WHERE tenant_id = :t AND seq = 2"), {"t": aged.id})
    before = rows(app, aged)
    result = cli(app, "purge", "--tenant", aged.slug)
    assert result.exit_code == 1
    assert f"REFUSED {aged.slug}" in result.output
    assert rows(app, aged) == before


def test_purge_of_the_platform_chain(app: Flask, aged: TenantFixture) -> None:
    from core.sdk import cross_tenant_read

    with time_machine.travel(OLD, tick=False), app.app_context(), \
            cross_tenant_read(reason="old roll-up"):
        pass
    with app.app_context(), cross_tenant_read(reason="new roll-up"):
        pass
    result = cli(app, "purge")
    assert result.exit_code == 0, result.output
    assert "purged  platform: 1 event(s)" in result.output
    assert cli(app, "verify").exit_code == 0
