"""The audit hash chain: `fatong audit verify` finds edited, deleted, reordered and moved
rows (tampered with raw SQL, as someone with database access would), a wound-back head and
a wrong key; concurrent writers never fork a chain."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from core.audit.api import record
from core.audit.chain import Chain
from core.audit.models import AuditEvent, PlatformAuditEvent
from core.audit.service import verify_all
from core.db import db
from core.sdk import cross_tenant_read, tenant_context

from conftest import TenantFixture, make_app


def write_events(app: Flask, tenant: TenantFixture, count: int, prefix: str = "e") -> None:
    with app.app_context(), tenant_context(tenant.id):
        for number in range(1, count + 1):
            record("testkit.event", summary=f"{prefix}{number}", details={"n": number})
        db.session.commit()


def seqs(app: Flask, tenant: TenantFixture) -> list[int]:
    with app.app_context(), db.engine.connect() as connection:
        return list(connection.scalars(
            select(AuditEvent.seq).where(AuditEvent.tenant_id == tenant.id)
            .order_by(AuditEvent.seq)))


def sql(app: Flask, statement: str, **params: object) -> None:
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(statement), params)


def verify(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


@pytest.fixture
def chain_a(app: Flask, tenant_a: TenantFixture) -> TenantFixture:
    """Tenant A with its provisioning events plus ten events of its own."""
    write_events(app, tenant_a, 10)
    return tenant_a


def middle(app: Flask, tenant: TenantFixture) -> int:
    found = seqs(app, tenant)
    return found[len(found) // 2]


def test_intact_chain_verifies_and_counts_rows(app: Flask, chain_a: TenantFixture) -> None:
    result = verify(app, "--tenant", chain_a.slug)
    assert result.exit_code == 0, result.output
    rows = len(seqs(app, chain_a))
    assert rows >= 10
    assert f"{rows} rows verified" in result.output
    assert f"OK: {rows} rows verified in 1 chain(s)" in result.output
    # Seq numbers the tenant's events without a gap, from 1.
    assert seqs(app, chain_a) == list(range(1, rows + 1))


def test_edited_row_is_found(app: Flask, chain_a: TenantFixture) -> None:
    seq = middle(app, chain_a)
    sql(app, "UPDATE audit_events SET summary = 'nothing happened' "
             "WHERE tenant_id = :t AND seq = :s", t=chain_a.id, s=seq)
    result = verify(app, "--tenant", chain_a.slug)
    assert result.exit_code == 1
    assert f"first broken seq {seq} (the row was edited)" in result.output


def test_edited_actor_is_found(app: Flask, chain_a: TenantFixture) -> None:
    seq = middle(app, chain_a)
    sql(app, "UPDATE audit_events SET actor_name = 'someone-else' "
             "WHERE tenant_id = :t AND seq = :s", t=chain_a.id, s=seq)
    assert f"first broken seq {seq}" in verify(app).output
    assert verify(app).exit_code == 1


def test_edited_hash_is_found(app: Flask, chain_a: TenantFixture) -> None:
    # Rewriting the stored hash itself (the key is unknown, so it cannot be the right one).
    seq = middle(app, chain_a)
    sql(app, "UPDATE audit_events SET hash = :h WHERE tenant_id = :t AND seq = :s",
        h="ab" * 32, t=chain_a.id, s=seq)
    result = verify(app, "--tenant", chain_a.slug)
    assert result.exit_code == 1
    assert f"first broken seq {seq}" in result.output


def test_deleted_row_is_found(app: Flask, chain_a: TenantFixture) -> None:
    seq = middle(app, chain_a)
    sql(app, "DELETE FROM audit_events WHERE tenant_id = :t AND seq = :s", t=chain_a.id, s=seq)
    result = verify(app, "--tenant", chain_a.slug)
    assert result.exit_code == 1
    assert f"first broken seq {seq} (a row is missing)" in result.output


def test_deleted_row_with_renumbering_is_found(app: Flask, chain_a: TenantFixture) -> None:
    seq = middle(app, chain_a)
    sql(app, "DELETE FROM audit_events WHERE tenant_id = :t AND seq = :s", t=chain_a.id, s=seq)
    for later in [s for s in seqs(app, chain_a) if s > seq]:
        sql(app, "UPDATE audit_events SET seq = :n WHERE tenant_id = :t AND seq = :s",
            n=later - 1, t=chain_a.id, s=later)
    result = verify(app, "--tenant", chain_a.slug)
    assert result.exit_code == 1
    assert f"first broken seq {seq}" in result.output


def test_deleted_newest_row_is_found(app: Flask, chain_a: TenantFixture) -> None:
    last = seqs(app, chain_a)[-1]
    sql(app, "DELETE FROM audit_events WHERE tenant_id = :t AND seq = :s", t=chain_a.id, s=last)
    result = verify(app, "--tenant", chain_a.slug)
    assert result.exit_code == 1
    assert f"first broken seq {last} (the newest rows are missing)" in result.output


def test_head_wound_back_with_the_newest_row_is_found(app: Flask,
                                                      chain_a: TenantFixture) -> None:
    last = seqs(app, chain_a)[-1]
    sql(app, "DELETE FROM audit_events WHERE tenant_id = :t AND seq = :s", t=chain_a.id, s=last)
    sql(app, "UPDATE audit_chain_heads SET seq = :s, hash = (SELECT hash FROM audit_events "
             "WHERE tenant_id = :t AND seq = :s) WHERE tenant_id = :t", s=last - 1, t=chain_a.id)
    result = verify(app, "--tenant", chain_a.slug)
    assert result.exit_code == 1
    assert "the chain head or its purge checkpoint was altered" in result.output


def test_swapped_rows_are_found(app: Flask, chain_a: TenantFixture) -> None:
    first, second = seqs(app, chain_a)[3], seqs(app, chain_a)[6]
    for old, new in ((first, -1), (second, first), (-1, second)):
        sql(app, "UPDATE audit_events SET seq = :n WHERE tenant_id = :t AND seq = :s",
            n=new, t=chain_a.id, s=old)
    result = verify(app, "--tenant", chain_a.slug)
    assert result.exit_code == 1
    assert f"first broken seq {first} (rows were reordered or replaced)" in result.output


def test_row_moved_to_another_tenant_breaks_both(app: Flask, chain_a: TenantFixture,
                                                 tenant_b: TenantFixture) -> None:
    seq = middle(app, chain_a)
    sql(app, "UPDATE audit_events SET tenant_id = :b, seq = 100000 "
             "WHERE tenant_id = :a AND seq = :s", a=chain_a.id, b=tenant_b.id, s=seq)
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN  {chain_a.slug}: first broken seq {seq}" in result.output
    assert f"BROKEN  {tenant_b.slug}: first broken seq 100000" in result.output


def test_only_the_tampered_tenant_is_reported(app: Flask, chain_a: TenantFixture,
                                              tenant_b: TenantFixture) -> None:
    sql(app, "UPDATE audit_events SET summary = 'x' WHERE tenant_id = :t AND seq = 2",
        t=chain_a.id)
    assert verify(app, "--tenant", tenant_b.slug).exit_code == 0
    everything = verify(app)
    assert everything.exit_code == 1
    assert f"OK      {tenant_b.slug}" in everything.output
    assert "FAILED: 1 of" in everything.output


def test_another_key_does_not_verify(app: Flask, database_url: str,
                                     chain_a: TenantFixture) -> None:
    assert verify(app, "--tenant", chain_a.slug).exit_code == 0
    other = make_app(database_url, AUDIT_KEY="not-the-installation-key")
    result = verify(other, "--tenant", chain_a.slug)
    assert result.exit_code == 1
    assert "BROKEN" in result.output


def test_verify_unknown_tenant_is_an_error(app: Flask, tenant_a: TenantFixture) -> None:
    result = verify(app, "--tenant", "no-such-bureau")
    assert result.exit_code != 0
    assert "no tenant with slug" in result.output


def test_platform_chain_is_verified_too(app: Flask, tenant_a: TenantFixture) -> None:
    with app.app_context():
        for number in range(3):
            with cross_tenant_read(reason=f"roll-up {number}", actor="job"):
                pass
        with db.engine.connect() as connection:
            platform_seqs = list(connection.scalars(
                select(PlatformAuditEvent.seq).order_by(PlatformAuditEvent.seq)))
    assert platform_seqs == [1, 2, 3]
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "OK      platform: 3 rows verified" in result.output

    sql(app, "UPDATE platform_audit_events SET details = :d WHERE seq = 2",
        d='{"reason": "nothing to see"}')
    result = verify(app)
    assert result.exit_code == 1
    assert "BROKEN  platform: first broken seq 2 (the row was edited)" in result.output


def test_concurrent_writers_keep_one_unbroken_chain(app: Flask, tenant_a: TenantFixture) -> None:
    before = len(seqs(app, tenant_a))
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            with app.app_context(), tenant_context(tenant_a.id):
                for item in range(5):
                    record("testkit.concurrent", summary=f"{number}-{item}", security=True)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert seqs(app, tenant_a) == list(range(1, before + 21))
    with app.app_context():
        [report] = verify_all(tenant_a.id)
        assert report.ok, report
        with db.engine.connect() as connection:
            written = connection.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.tenant_id == tenant_a.id, AuditEvent.event == "testkit.concurrent"))
    assert written == 20
    assert report.chain == Chain(tenant_a.id)
