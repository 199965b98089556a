"""What the audit log records, and when: security events survive rollbacks, record changes
live and die with their transaction, personal fields are masked and secrets never written;
denials, plugin toggles, cross-tenant reads and login signals are recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from core.access.models import Role
from core.access.permissions import AUDITADMIN
from core.access.service import assign_role
from core.audit.api import record
from core.audit.models import AuditEvent, PlatformAuditEvent
from core.audit.service import verify_all
from core.auth.models import User
from core.db import db
from core.sdk import TenantModel, cross_tenant_read, disable_plugin, enable_plugin, tenant_context
from core.signals import logged_out, login_failed, login_succeeded
from core.tenancy.models import Tenant
from plugins.notices.models import Notice

from conftest import PASSWORD, TenantFixture, login, make_app

ID_NUMBER = "110101199003071234"
PHONE = "13812345678"


class TestkitPerson(db.Model, TenantModel):
    """A test-only table with personal and secret columns."""

    __test__ = False
    __tablename__ = "testkit_audit_person"

    name: Mapped[str] = mapped_column(String(50), info={"personal": "name"})
    id_number: Mapped[str] = mapped_column(String(18), info={"personal": "id_number"})
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True,
                                              info={"personal": "phone"})
    address: Mapped[str] = mapped_column(Text, default="", info={"personal": "text"})
    note: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    api_token: Mapped[str] = mapped_column(String(100), default="")
    totp_seed: Mapped[str] = mapped_column(String(100), default="")
    seen: Mapped[int] = mapped_column(default=0)

    __audit_ignore__ = ("seen",)


class TestkitScratch(db.Model, TenantModel):
    """A test-only table that opts out of record auditing."""

    __test__ = False
    __tablename__ = "testkit_audit_scratch"
    __audit__ = False

    note: Mapped[str] = mapped_column(String(50), default="")


@pytest.fixture
def person_table(app: Flask) -> None:
    with app.app_context():
        TestkitPerson.__table__.create(db.engine, checkfirst=True)
        TestkitScratch.__table__.create(db.engine, checkfirst=True)


def events(app: Flask, tenant: TenantFixture | None = None, **where: Any) -> list[dict]:
    """Audit rows as a database reader sees them (no ORM scoping)."""
    table = AuditEvent.__table__ if tenant else PlatformAuditEvent.__table__
    query = select(table).order_by(table.c.seq)
    if tenant:
        query = query.where(table.c.tenant_id == tenant.id)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with app.app_context(), db.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def raw_text(rows: list[dict]) -> str:
    return json.dumps(rows, default=str, ensure_ascii=False)


# --- security events survive the request's rollback ------------------------------------------


@pytest.fixture
def boom_app(database_url: str, app: Flask) -> Iterator[Flask]:
    """An app with a tenant route that changes a record, records a security event, then
    fails: the change must vanish, the security event must stay."""
    application = make_app(database_url)

    def boom(tenant: str | None = None) -> str:
        db.session.add(Notice(title="never published", body="x"))
        db.session.flush()
        record("testkit.boom", summary="about to fail", security=True, outcome="failure")
        raise RuntimeError("the view failed")

    application.add_url_rule("/t/<tenant>/testkit-boom", "testkit_boom", boom)
    yield application
    with application.app_context():
        db.engine.dispose()


def test_security_event_survives_a_failed_request(boom_app: Flask,
                                                  tenant_a: TenantFixture) -> None:
    client = boom_app.test_client()
    login(client, tenant_a)
    with pytest.raises(RuntimeError, match="the view failed"):
        client.get(f"/t/{tenant_a.slug}/testkit-boom")

    [event] = events(boom_app, tenant_a, event="testkit.boom")
    assert event["outcome"] == "failure"
    assert event["actor_name"] == "admin"
    assert event["ip"] == "127.0.0.1"
    # The notice and its record.create event went with the rollback.
    assert not events(boom_app, tenant_a, event="record.create", target_type="notices_notice")
    with boom_app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalars(select(Notice)).all() == []
        assert all(report.ok for report in verify_all(tenant_a.id))


def test_security_event_outside_a_request_waits_for_the_open_transaction(
        app: Flask, tenant_a: TenantFixture, in_tenant) -> None:
    # A job that holds uncommitted writes and records a security event: the event is written
    # when that transaction ends, on its own connection (no self-deadlock on SQLite) and is
    # kept although the job's transaction rolls back.
    with in_tenant(tenant_a):
        db.session.add(Notice(title="draft", body="x"))
        db.session.flush()
        record("testkit.job.alarm", summary="job noticed something", security=True)
        assert events(app, tenant_a, event="testkit.job.alarm") == []
        db.session.rollback()
        [event] = events(app, tenant_a, event="testkit.job.alarm")
    assert event["actor_name"] == "system"
    assert not events(app, tenant_a, event="record.create", target_type="notices_notice")


def test_security_event_outside_a_request_is_written_at_once(
        app: Flask, tenant_a: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a):
        record("testkit.job.alarm", summary="now", security=True, actor="nightly-job")
        [event] = events(app, tenant_a, event="testkit.job.alarm")
    assert event["actor_name"] == "nightly-job"


# --- record changes --------------------------------------------------------------------------


def test_record_change_events_live_and_die_with_the_change(
        app: Flask, tenant_a: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a):
        notice = Notice(title="rolled back", body="x")
        db.session.add(notice)
        db.session.flush()
        gone_id = notice.id
        db.session.rollback()
        kept = Notice(title="committed", body="x")
        db.session.add(kept)
        db.session.commit()
        kept_id = kept.id
    creates = events(app, tenant_a, event="record.create", target_type="notices_notice")
    assert [e["target_id"] for e in creates] == [kept_id]
    assert gone_id not in {e["target_id"] for e in events(app, tenant_a)}
    assert creates[0]["details"]["values"]["title"] == "committed"
    assert creates[0]["summary"] == f"notices_notice {kept_id} created"


def test_record_changes_mask_personal_columns_and_never_write_secrets(
        app: Flask, tenant_a: TenantFixture, in_tenant, person_table: None) -> None:
    with in_tenant(tenant_a):
        person = TestkitPerson(name="张三", id_number=ID_NUMBER, phone=PHONE,
                               address="剑阁县普安镇1号", note="walk-in",
                               password_hash="$argon2id$v=19$SECRETHASH",
                               api_token="TOKEN-abc", totp_seed="JBSWY3DPEHPK3PXP")
        db.session.add(person)
        db.session.commit()
        person_id = person.id
        person.phone = "13900000000"
        person.note = "called back"
        person.password_hash = "$argon2id$v=19$NEWSECRETHASH"
        db.session.commit()
        db.session.delete(person)
        db.session.commit()

    rows = events(app, tenant_a, target_type="testkit_audit_person", target_id=person_id)
    assert [r["event"] for r in rows] == ["record.create", "record.update", "record.delete"]
    created, updated, deleted = (r["details"] for r in rows)
    assert created["values"] == {
        "name": "张*", "id_number": "110101********1234", "phone": "138****5678",
        "address": "***", "note": "walk-in",
    }
    assert updated["changes"] == {"phone": ["138****5678", "139****0000"],
                                  "note": ["walk-in", "called back"]}
    assert updated["secrets_changed"] == ["password_hash"]
    assert deleted["values"]["id_number"] == "110101********1234"
    # Nothing personal or secret anywhere in the stored rows, in any form.
    stored = raw_text(rows)
    for secret in (ID_NUMBER, PHONE, "13900000000", "张三", "普安镇", "SECRETHASH",
                   "TOKEN-abc", "JBSWY3DPEHPK3PXP", "api_token", "totp_seed"):
        assert secret not in stored


def test_models_can_opt_out_of_record_auditing(app: Flask, tenant_a: TenantFixture,
                                               in_tenant, person_table: None) -> None:
    with in_tenant(tenant_a):
        person = TestkitPerson(name="李四", id_number=ID_NUMBER)
        db.session.add_all([person, TestkitScratch(note="scratch")])
        db.session.commit()
        person.seen = 5  # an ignored column alone: no event
        db.session.commit()
        person.seen, person.note = 6, "changed"  # with another column: only that one shown
        db.session.commit()
    assert events(app, tenant_a, target_type="testkit_audit_scratch") == []
    rows = events(app, tenant_a, target_type="testkit_audit_person")
    assert [r["event"] for r in rows] == ["record.create", "record.update"]
    assert "seen" not in rows[0]["details"]["values"]
    assert rows[1]["details"]["changes"] == {"note": ["", "changed"]}


def test_user_records_never_carry_the_password_hash(app: Flask,
                                                   tenant_a: TenantFixture) -> None:
    rows = events(app, tenant_a, target_type="users")
    assert rows and rows[0]["event"] == "record.create"
    assert rows[0]["details"]["values"]["username"] == "admin"
    with app.app_context(), tenant_context(tenant_a.id):
        stored_hash = db.session.scalar(select(User.password_hash))
    assert stored_hash and stored_hash not in raw_text(events(app, tenant_a))
    assert "password_hash" not in raw_text(events(app, tenant_a))


def test_settings_changes_are_recorded_with_old_and_new(app: Flask, tenant_a: TenantFixture,
                                                       in_tenant) -> None:
    from core.audit.service import audit_settings

    with in_tenant(tenant_a):
        audit_settings().set_many({"retention_days": 365})
        db.session.commit()
        audit_settings().set_many({"retention_days": 400})
        db.session.commit()
    [created] = [e for e in events(app, tenant_a, target_type="tenant_settings",
                                   event="record.create")
                 if e["details"]["values"].get("namespace") == "audit"]
    assert created["details"]["values"]["value"] == 365
    [updated] = events(app, tenant_a, target_type="tenant_settings", event="record.update",
                       target_id=created["target_id"])
    assert updated["details"]["changes"] == {"value": [365, 400]}


def test_record_changes_in_a_request_name_the_user_and_address(
        client_a, app: Flask, tenant_a: TenantFixture) -> None:
    response = client_a.post(f"/t/{tenant_a.slug}/notices/new",
                             data={"title": "值班安排", "body": "本周值班", "category": "notice"},
                             headers={"User-Agent": "Testkit-Browser/1.0"})
    assert response.status_code == 302
    [event] = events(app, tenant_a, event="record.create", target_type="notices_notice")
    with app.app_context(), tenant_context(tenant_a.id):
        admin_id = db.session.scalar(select(User.id).where(User.username == "admin"))
    assert (event["actor_name"], event["actor_id"]) == ("admin", admin_id)
    assert event["ip"] == "127.0.0.1"
    assert event["user_agent"] == "Testkit-Browser/1.0"
    assert event["details"]["values"]["title"] == "值班安排"


# --- signals ---------------------------------------------------------------------------------


def make_user(app: Flask, tenant: TenantFixture, username: str, role_key: str | None) -> int:
    with app.app_context(), tenant_context(tenant.id):
        user = User(username=username, display_name=username)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        if role_key:
            role = db.session.scalar(select(Role).where(Role.key == role_key))
            assign_role(user, role, actor="test")
        db.session.commit()
        return user.id


def test_permission_denial_is_recorded(app: Flask, tenant_a: TenantFixture) -> None:
    clerk_id = make_user(app, tenant_a, "clerk", "staff")
    client = app.test_client()
    login(client, tenant_a, "clerk")
    assert client.get(f"/t/{tenant_a.slug}/audit/").status_code == 403
    [denied] = events(app, tenant_a, event="access.denied")
    assert denied["outcome"] == "denied"
    assert (denied["actor_name"], denied["actor_id"]) == ("clerk", clerk_id)
    assert denied["details"]["permission"] == "core.audit.view"
    assert denied["details"]["path"] == f"/t/{tenant_a.slug}/audit/"


def test_plugin_toggles_are_recorded_in_their_transaction(
        app: Flask, tenant_a: TenantFixture) -> None:
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_a.id)
        with tenant_context(tenant.id):
            disable_plugin(tenant, "notices", actor="sysadmin-x")
            db.session.rollback()
        assert events(app, tenant_a, event="plugin.disabled") == []
        disable_plugin(tenant, "notices", actor="sysadmin-x")
        db.session.commit()
        enable_plugin(tenant, "notices", actor="sysadmin-x")
        db.session.commit()
    [disabled] = events(app, tenant_a, event="plugin.disabled")
    assert (disabled["summary"], disabled["actor_name"]) == ("notices", "sysadmin-x")
    assert disabled["details"] == {"plugin": "notices", "actor": "sysadmin-x"}
    # Provisioning enabled it once, the test once more.
    assert [e["summary"] for e in events(app, tenant_a, event="plugin.enabled")
            if e["summary"] == "notices"] == ["notices", "notices"]


def test_cross_tenant_read_is_a_platform_event(app: Flask, tenant_a: TenantFixture) -> None:
    with app.app_context(), tenant_context(tenant_a.id), \
            cross_tenant_read(reason="monthly roll-up", actor="report-job"):
        db.session.scalars(select(Notice)).all()
    [event] = events(app, event="tenancy.cross_tenant_read")
    assert event["summary"] == "monthly roll-up"
    assert event["details"] == {"reason": "monthly roll-up", "actor": "report-job"}
    assert event["actor_name"] == "report-job"
    assert event["about_tenant_id"] == tenant_a.id


@pytest.mark.parametrize(("reason", "event", "outcome"), [
    ("bad_password", "auth.login.failed", "failure"),
    ("unknown_user", "auth.login.failed", "failure"),
    ("disabled", "auth.login.failed", "denied"),
    ("locked", "auth.login.locked", "denied"),
    ("locked_now", "auth.lockout", "failure"),
])
def test_login_failures_are_security_events(app: Flask, tenant_a: TenantFixture,
                                            reason: str, event: str, outcome: str) -> None:
    with app.test_request_context(f"/t/{tenant_a.slug}/login", method="POST",
                                  environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        g.tenant = db.session.get(Tenant, tenant_a.id)
        with tenant_context(tenant_a.id):
            login_failed.send(app, tenant=g.tenant, username="zhangsan", user=None,
                              reason=reason)
            db.session.rollback()  # the request failing afterwards changes nothing
    [row] = events(app, tenant_a, event=event)
    assert (row["outcome"], row["actor_name"], row["ip"]) == (outcome, "zhangsan", "10.1.2.3")
    assert row["details"] == {"reason": reason, "username": "zhangsan"}


def test_login_and_logout_signals_are_recorded(app: Flask, tenant_a: TenantFixture) -> None:
    user_id = make_user(app, tenant_a, "auditor", AUDITADMIN)
    with app.test_request_context(f"/t/{tenant_a.slug}/login", method="POST"), \
            tenant_context(tenant_a.id):
        user = db.session.get(User, user_id)
        tenant = db.session.get(Tenant, tenant_a.id)
        login_succeeded.send(app, tenant=tenant, username="auditor", user=user,
                             reason="password")
        logged_out.send(app, tenant=tenant, username="auditor", user=user, reason="idle")
    login_row, logout_row = (events(app, tenant_a, event=name)[0]
                             for name in ("auth.login", "auth.logout"))
    assert (login_row["actor_id"], login_row["target_id"]) == (user_id, user_id)
    assert login_row["details"] == {"reason": "password"}
    assert logout_row["details"] == {"reason": "idle"}


def test_platform_login_failure_goes_to_the_platform_chain(app: Flask) -> None:
    with app.test_request_context("/platform/login", method="POST"):
        login_failed.send(app, tenant=None, username="operator", user=None,
                          reason="bad_password")
    [row] = events(app, event="auth.login.failed")
    assert row["actor_name"] == "operator"
    assert row["about_tenant_id"] is None


def test_record_details_hide_secrets_and_mask_what_the_caller_names(
        app: Flask, tenant_a: TenantFixture, in_tenant) -> None:
    with in_tenant(tenant_a):
        record("testkit.reveal", security=False, target_type="person", target_id=7,
               details={"reason": "case review", "id_number": ID_NUMBER, "phone": PHONE,
                        "new_password": "hunter2", "nested": {"session_token": "abc"}},
               personal={"id_number": "id_number", "phone": "phone"})
        db.session.commit()
    [row] = events(app, tenant_a, event="testkit.reveal")
    assert row["details"] == {"reason": "case review", "id_number": "110101********1234",
                              "phone": "138****5678", "new_password": "***",
                              "nested": {"session_token": "***"}}


def test_bad_event_names_and_outcomes_are_refused(app: Flask, tenant_a: TenantFixture,
                                                  in_tenant) -> None:
    with in_tenant(tenant_a):
        with pytest.raises(ValueError):
            record("Not A Dotted Name")
        with pytest.raises(ValueError):
            record("testkit.event", outcome="maybe")
