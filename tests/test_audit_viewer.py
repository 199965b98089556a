"""The audit viewer (/t/<tenant>/audit/): only the audit administrator's permissions open
it; filters, pagination, detail page; XLSX and CSV export (audited, formulas stay text);
another tenant's events never show."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from core.access.models import Role
from core.access.permissions import AUDITADMIN
from core.access.service import assign_role
from core.audit.api import record
from core.audit.models import AuditEvent
from core.auth.models import User
from core.db import db
from core.sdk import tenant_context

from conftest import PASSWORD, TenantFixture, login

SEQ = re.compile(r'data-testid="audit-row" data-seq="(\d+)"')


def make_user(app: Flask, tenant: TenantFixture, username: str, role_key: str) -> None:
    with app.app_context(), tenant_context(tenant.id):
        user = User(username=username, display_name=username)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        assign_role(user, db.session.scalar(select(Role).where(Role.key == role_key)),
                    actor="test")
        db.session.commit()


def client_for(app: Flask, tenant: TenantFixture, username: str, role_key: str) -> FlaskClient:
    make_user(app, tenant, username, role_key)
    client = app.test_client()
    login(client, tenant, username)
    return client


@pytest.fixture
def auditor(app: Flask, tenant_a: TenantFixture) -> FlaskClient:
    return client_for(app, tenant_a, "auditor", AUDITADMIN)


@pytest.fixture
def clerk(app: Flask, tenant_a: TenantFixture) -> FlaskClient:
    return client_for(app, tenant_a, "clerk", "staff")


def add(app: Flask, tenant: TenantFixture, event: str, summary: str, **fields) -> int:
    with app.app_context(), tenant_context(tenant.id):
        record(event, summary=summary, **fields)
        db.session.commit()
        return db.session.scalar(select(AuditEvent.id).where(AuditEvent.summary == summary))


def page(client: FlaskClient, tenant: TenantFixture, **args) -> str:
    response = client.get(f"/t/{tenant.slug}/audit/", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def shown(body: str) -> list[int]:
    return [int(seq) for seq in SEQ.findall(body)]


# --- who may look --------------------------------------------------------------------------


def test_the_audit_admin_sees_the_log_and_its_menu_entry(auditor: FlaskClient,
                                                         tenant_a: TenantFixture) -> None:
    body = page(auditor, tenant_a)
    assert "auth.login" in body or "record.create" in body
    assert shown(body)
    workbench = auditor.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    assert f'href="/t/{tenant_a.slug}/audit/"' in workbench


def test_staff_get_403_everywhere_and_no_menu_entry(app: Flask, clerk: FlaskClient,
                                                    tenant_a: TenantFixture) -> None:
    event_id = add(app, tenant_a, "testkit.event", "some event")
    for url in ("/audit/", f"/audit/{event_id}", "/audit/export.xlsx", "/audit/export.csv"):
        assert clerk.get(f"/t/{tenant_a.slug}{url}").status_code == 403, url
    workbench = clerk.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    assert f"/t/{tenant_a.slug}/audit/" not in workbench


def test_the_system_admin_cannot_read_the_audit_log(client_a: FlaskClient,
                                                    tenant_a: TenantFixture) -> None:
    # 三员分立: the system administrator's role does not include the audit log.
    assert client_a.get(f"/t/{tenant_a.slug}/audit/").status_code == 403


def test_a_role_with_view_but_not_export_cannot_export(app: Flask, tenant_a: TenantFixture) -> None:
    with app.app_context(), tenant_context(tenant_a.id):
        role = Role(key="reader", title="Audit reader", permissions=["core.audit.view"])
        db.session.add(role)
        db.session.commit()
    reader = client_for(app, tenant_a, "reader", "reader")
    assert reader.get(f"/t/{tenant_a.slug}/audit/").status_code == 200
    assert "export.xlsx" not in page(reader, tenant_a)
    assert reader.get(f"/t/{tenant_a.slug}/audit/export.xlsx").status_code == 403


def test_no_route_can_change_an_audit_row(app: Flask) -> None:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("audit.")]
    assert len(rules) == 4
    for rule in rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


# --- search and pages --------------------------------------------------------------------


def test_filters_by_event_outcome_user_and_text(app: Flask, auditor: FlaskClient,
                                                tenant_a: TenantFixture) -> None:
    add(app, tenant_a, "testkit.alpha", "alpha happened", actor="zhao", actor_id=1)
    add(app, tenant_a, "testkit.beta", "beta refused", outcome="denied", actor="qian",
        actor_id=2)
    add(app, tenant_a, "testkit.beta", "beta again", details={"note": "调解协议书已送达"})

    def summaries(**args) -> set[str]:
        body = page(auditor, tenant_a, **args)
        return {s for s in ("alpha happened", "beta refused", "beta again") if s in body}

    assert summaries(event="testkit.beta") == {"beta refused", "beta again"}
    assert summaries(outcome="denied") == {"beta refused"}
    assert summaries(actor="zha") == {"alpha happened"}
    assert summaries(q="ALPHA") == {"alpha happened"}
    assert summaries(q="调解协议书") == {"beta again"}  # Chinese inside details
    assert summaries(q="100%_") == set()  # LIKE wildcards are taken literally
    assert summaries(event="testkit.beta", outcome="denied") == {"beta refused"}
    body = page(auditor, tenant_a, event="testkit.beta")
    # What was chosen stays chosen.
    assert re.search(r'<option (selected value="testkit.beta"|value="testkit.beta" selected)',
                     body)


def test_filters_by_date_range_in_local_time(app: Flask, auditor: FlaskClient,
                                             tenant_a: TenantFixture) -> None:
    # 2026-03-01 23:30 in Beijing is 15:30 UTC the same day.
    with time_machine.travel(datetime(2026, 3, 1, 15, 30, tzinfo=UTC), tick=False):
        add(app, tenant_a, "testkit.event", "first of march")
    with time_machine.travel(datetime(2026, 3, 1, 16, 30, tzinfo=UTC), tick=False):
        add(app, tenant_a, "testkit.event", "second of march")  # 00:30 on 2 March, Beijing
    body = page(auditor, tenant_a, date_from="2026-03-01", date_to="2026-03-01")
    assert "first of march" in body and "second of march" not in body
    body = page(auditor, tenant_a, date_from="2026-03-02")
    assert "second of march" in body and "first of march" not in body


def test_a_bad_date_is_reported_beside_its_field(auditor: FlaskClient,
                                                 tenant_a: TenantFixture) -> None:
    body = page(auditor, tenant_a, date_from="not-a-date", q="keep me")
    assert "invalid-feedback" in body
    assert 'value="keep me"' in body  # nothing typed is lost


def test_pagination(app: Flask, auditor: FlaskClient, tenant_a: TenantFixture) -> None:
    with app.app_context(), tenant_context(tenant_a.id):
        for number in range(60):
            record("testkit.page", summary=f"paged {number}")
        db.session.commit()
    first = shown(page(auditor, tenant_a, event="testkit.page"))
    second = shown(page(auditor, tenant_a, event="testkit.page", page=2))
    assert len(first) == 50 and len(second) == 10
    assert first == sorted(first, reverse=True)  # newest first
    assert min(first) > max(second)
    body = page(auditor, tenant_a, event="testkit.page")
    assert "page=2" in body and "event=testkit.page" in body  # links keep the filters
    assert "60" in re.search(r'data-testid="audit-total">([^<]*)<', body).group(1)
    # Past the end: the last page.
    assert shown(page(auditor, tenant_a, event="testkit.page", page=99)) == second


def test_detail_page_shows_what_changed(app: Flask, auditor: FlaskClient,
                                        tenant_a: TenantFixture) -> None:
    from plugins.notices.models import Notice

    with app.app_context(), tenant_context(tenant_a.id):
        notice = Notice(title="旧标题", body="x")
        db.session.add(notice)
        db.session.commit()
        notice.title = "新标题"
        db.session.commit()
        event_id = db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.event == "record.update", AuditEvent.target_id == notice.id))
    body = auditor.get(f"/t/{tenant_a.slug}/audit/{event_id}").get_data(as_text=True)
    assert 'data-testid="audit-changes"' in body
    assert "旧标题" in body and "新标题" in body
    assert auditor.get(f"/t/{tenant_a.slug}/audit/{event_id + 1}").status_code == 404


# --- export --------------------------------------------------------------------------------


def test_xlsx_export_keeps_formulas_as_text_and_is_audited(app: Flask, auditor: FlaskClient,
                                                           tenant_a: TenantFixture) -> None:
    add(app, tenant_a, "testkit.event", "=1+1", details={"title": '=HYPERLINK("http://x")'})
    add(app, tenant_a, "testkit.other", "not exported")
    response = auditor.get(f"/t/{tenant_a.slug}/audit/export.xlsx",
                           query_string={"event": "testkit.event"})
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2  # header + the one matching event
    header, row = values
    cells = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    summary = next(cell for name, cell in cells.items() if name in ("Summary", "摘要"))
    assert summary.value == "=1+1" and summary.data_type == "s"
    assert all(cell.data_type != "f" for cell in sheet[2])
    assert "not exported" not in str(values)

    [exported] = _events(app, tenant_a, "audit.export")
    assert exported.actor_name == "auditor"
    assert exported.details["format"] == "xlsx"
    assert exported.details["rows"] == 1
    assert exported.details["filters"] == {"event": "testkit.event"}


def test_csv_export_defuses_formulas(app: Flask, auditor: FlaskClient,
                                     tenant_a: TenantFixture) -> None:
    add(app, tenant_a, "testkit.event", "=1+1")
    response = auditor.get(f"/t/{tenant_a.slug}/audit/export.csv",
                           query_string={"event": "testkit.event"})
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    assert "'=1+1" in rows[1] and "=1+1" not in rows[1]
    assert _events(app, tenant_a, "audit.export")[0].details["format"] == "csv"


def test_export_masks_id_numbers_typed_into_the_search(app: Flask, auditor: FlaskClient,
                                                       tenant_a: TenantFixture) -> None:
    auditor.get(f"/t/{tenant_a.slug}/audit/export.csv", query_string={"q": "110101199003071234"})
    [exported] = _events(app, tenant_a, "audit.export")
    assert exported.details["filters"] == {"q": "110101********1234"}


def _events(app: Flask, tenant: TenantFixture, event: str) -> list[AuditEvent]:
    with app.app_context(), tenant_context(tenant.id):
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.event == event)).all()
        db.session.expunge_all()
        return list(found)


# --- isolation -----------------------------------------------------------------------------


def test_another_tenants_events_never_show(app: Flask, auditor: FlaskClient,
                                           tenant_a: TenantFixture,
                                           tenant_b: TenantFixture) -> None:
    b_event = add(app, tenant_b, "testkit.secret", "苍溪县机密事件")
    add(app, tenant_a, "testkit.secret", "剑阁县事件")
    body = page(auditor, tenant_a, q="机密")
    assert "苍溪县机密事件" not in body
    body = page(auditor, tenant_a, event="testkit.secret")
    assert "剑阁县事件" in body and "苍溪县机密事件" not in body
    assert "testkit.secret" in body
    assert auditor.get(f"/t/{tenant_a.slug}/audit/{b_event}").status_code == 404
    assert auditor.get(f"/t/{tenant_b.slug}/audit/{b_event}").status_code == 404
    assert auditor.get(f"/t/{tenant_b.slug}/audit/").status_code == 404
    export = auditor.get(f"/t/{tenant_a.slug}/audit/export.csv").data.decode("utf-8-sig")
    assert "苍溪县" not in export and "剑阁县事件" in export
    # Seq numbers are per tenant: A's list holds A's seqs only.
    with app.app_context(), db.engine.connect() as connection:
        a_seqs = set(connection.scalars(select(AuditEvent.seq).where(
            AuditEvent.tenant_id == tenant_a.id)))
    assert set(shown(page(auditor, tenant_a))) <= a_seqs


def test_event_choices_come_from_this_tenant_only(app: Flask, auditor: FlaskClient,
                                                  tenant_a: TenantFixture,
                                                  tenant_b: TenantFixture) -> None:
    add(app, tenant_b, "testkit.only_in_b", "b")
    assert "testkit.only_in_b" not in page(auditor, tenant_a)


def test_old_events_are_listed_with_local_times(app: Flask, auditor: FlaskClient,
                                                tenant_a: TenantFixture) -> None:
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    with time_machine.travel(moment, tick=False):
        add(app, tenant_a, "testkit.event", "three days ago")
    local = (moment + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    assert local in page(auditor, tenant_a, q="three days ago")
