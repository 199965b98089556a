"""The tenant lifecycle services (tenants/lifecycle.py) and their CLI: approve, reject,
suspend, reactivate, and the province > city > county hierarchy."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from core.audit.models import PlatformAuditEvent
from core.auth.models import User, UserSession
from core.auth.settings import auth_settings
from core.db import db
from core.sdk import Tenant, TenantLevel, TenantStatus, enabled_plugins, tenant_context
from tenants import lifecycle
from tenants.cli import cli_actor
from tenants.models import ApplicationStatus, TenantApplication, TenantStatusChange
from tenants.provisioning import ProvisioningError, TenantSpec, create_tenant

from conftest import PASSWORD, TenantFixture, login
from test_auth_support import add_user, post_login, session_rows

PROVINCE, CITY, COUNTY = "510000", "510800", "510823"  # 四川省 > 广元市 > 剑阁县
NAMES = {PROVINCE: "四川省司法厅", CITY: "广元市司法局", COUNTY: "剑阁县司法局",
         "510824": "苍溪县司法局"}
SLUGS = {PROVINCE: "sichuan", CITY: "guangyuan", COUNTY: "jiange", "510824": "cangxi"}


@dataclass
class Pending:
    tenant_id: int
    application_id: int
    slug: str


def pending_application(app: Flask, region_code: str, slug: str | None = None,
                        name: str | None = None, plugins: list[str] | None = None,
                        ip: str = "203.0.113.7") -> Pending:
    """What /signup leaves behind: a pending tenant with its admin, and its application."""
    slug = slug or SLUGS[region_code]
    name = name or NAMES.get(region_code, f"{region_code}司法局")
    with app.app_context():
        tenant = create_tenant(TenantSpec(slug=slug, name=name, region_code=region_code,
                                          status=TenantStatus.PENDING),
                               admin_username="admin", admin_password=PASSWORD, plugins=[])
        with tenant_context(tenant):
            # The admin logs in with the password alone here (TOTP is tested elsewhere).
            auth_settings().set_many({"totp_required_for_admins": False})
        application = TenantApplication(
            for_tenant_id=tenant.id, region_code=region_code, bureau_name=name,
            contact_name="王五", contact_phone="13812345678", contact_email="ww@example.cn",
            admin_username="admin", plugins=list(plugins or []), submitted_ip=ip)
        db.session.add(application)
        db.session.commit()
        return Pending(tenant.id, application.id, slug)


def approve(app: Flask, pending: Pending, actor: str = "test-operator") -> None:
    with app.app_context():
        lifecycle.approve(db.session.get(TenantApplication, pending.application_id), actor)
        db.session.commit()


def tenant_row(app: Flask, tenant_id: int) -> Tenant:
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        parent_slug = tenant.parent.slug if tenant.parent else None
        db.session.expunge_all()
        tenant.parent_slug = parent_slug  # type: ignore[attr-defined]
        return tenant


def application_row(app: Flask, application_id: int) -> TenantApplication:
    with app.app_context():
        row = db.session.scalar(select(TenantApplication).where(
            TenantApplication.id == application_id))
        db.session.expunge_all()
        return row


def status_changes(app: Flask, tenant_id: int) -> list[tuple[str, str, str, str]]:
    with app.app_context():
        return [(c.old_status, c.new_status, c.reason, c.actor) for c in db.session.scalars(
            select(TenantStatusChange).where(TenantStatusChange.for_tenant_id == tenant_id)
            .order_by(TenantStatusChange.changed_at, TenantStatusChange.id))]


def platform_events(app: Flask, event: str | None = None) -> list[PlatformAuditEvent]:
    with app.app_context():
        query = select(PlatformAuditEvent).order_by(PlatformAuditEvent.seq)
        if event:
            query = query.where(PlatformAuditEvent.event == event)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(rows)


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


# --- approve and reject ------------------------------------------------------------------


def test_approve_activates_the_tenant_and_records_the_decision(app) -> None:
    pending = pending_application(app, CITY, plugins=["notices"])
    client = app.test_client()
    assert client.get(f"/t/{pending.slug}/login").status_code == 404  # pending: not there

    approve(app, pending)

    tenant = tenant_row(app, pending.tenant_id)
    assert tenant.status == TenantStatus.ACTIVE
    assert tenant.level == TenantLevel.CITY  # from the region registry, not the spec
    application = application_row(app, pending.application_id)
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == "test-operator" and application.decided_at is not None
    assert status_changes(app, pending.tenant_id) == [("pending", "active", "",
                                                       "test-operator")]
    [event] = platform_events(app, "tenant.approved")
    assert event.about_tenant_id == pending.tenant_id and event.actor_name == "test-operator"
    assert event.details["tenant"] == pending.slug
    login(client, TenantFixture(tenant=tenant, id=tenant.id, slug=pending.slug))
    with app.app_context():
        assert "notices" in enabled_plugins(db.session.get(Tenant, pending.tenant_id))


def test_a_decided_application_cannot_be_decided_again(app) -> None:
    pending = pending_application(app, COUNTY)
    approve(app, pending)
    with app.app_context():
        application = db.session.get(TenantApplication, pending.application_id)
        with pytest.raises(lifecycle.LifecycleError):
            lifecycle.approve(application, "someone")
        with pytest.raises(lifecycle.LifecycleError):
            lifecycle.reject(application, "someone", "too late")
        db.session.rollback()
    assert len(status_changes(app, pending.tenant_id)) == 1
    assert tenant_row(app, pending.tenant_id).status == TenantStatus.ACTIVE


def test_approval_skips_modules_no_longer_offered_and_stops_on_a_failing_one(
        app, monkeypatch) -> None:
    gone = pending_application(app, COUNTY, plugins=["uninstalled_line"])
    approve(app, gone)
    assert tenant_row(app, gone.tenant_id).status == TenantStatus.ACTIVE
    [event] = platform_events(app, "tenant.approved")
    assert event.details["plugins_unavailable"] == ["uninstalled_line"]

    def explode(*args, **kwargs):
        raise RuntimeError("plugin_enabled hook failed")

    monkeypatch.setattr(lifecycle, "enable_plugin", explode)
    failing = pending_application(app, CITY, plugins=["notices"])
    with app.app_context():
        with pytest.raises(lifecycle.LifecycleError, match="notices"):
            lifecycle.approve(db.session.get(TenantApplication, failing.application_id), "op")
        db.session.rollback()
    assert tenant_row(app, failing.tenant_id).status == TenantStatus.PENDING
    assert application_row(app, failing.application_id).status == ApplicationStatus.PENDING
    assert status_changes(app, failing.tenant_id) == []


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_reject_without_a_reason_is_refused_and_changes_nothing(app, reason) -> None:
    pending = pending_application(app, COUNTY)
    with app.app_context():
        application = db.session.get(TenantApplication, pending.application_id)
        with pytest.raises(lifecycle.LifecycleError) as refused:
            lifecycle.reject(application, "test-operator", reason)
        assert refused.value.field == "reason"
        db.session.rollback()
    assert tenant_row(app, pending.tenant_id).status == TenantStatus.PENDING
    assert application_row(app, pending.application_id).status == ApplicationStatus.PENDING
    assert status_changes(app, pending.tenant_id) == []
    assert platform_events(app, "tenant.rejected") == []


def test_reject_frees_the_region_but_keeps_the_slug(app) -> None:
    pending = pending_application(app, COUNTY)
    with app.app_context():
        lifecycle.reject(db.session.get(TenantApplication, pending.application_id),
                         "test-operator", "  不是司法局的申请  ")
        db.session.commit()
    assert tenant_row(app, pending.tenant_id).status == TenantStatus.REJECTED
    application = application_row(app, pending.application_id)
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reason == "不是司法局的申请"  # trimmed
    assert status_changes(app, pending.tenant_id) == [
        ("pending", "rejected", "不是司法局的申请", "test-operator")]
    [event] = platform_events(app, "tenant.rejected")
    assert event.details["reason"] == "不是司法局的申请"
    assert app.test_client().get(f"/t/{pending.slug}/login").status_code == 404

    again = pending_application(app, COUNTY, slug="jiange-2")  # the unique index lets it in
    assert application_row(app, again.application_id).status == ApplicationStatus.PENDING
    with app.app_context(), pytest.raises(ProvisioningError):
        create_tenant(TenantSpec(slug=pending.slug, name="x", region_code=COUNTY))


# --- suspend and reactivate --------------------------------------------------------------


def test_suspension_logs_everyone_out_and_reactivation_lets_them_back(app,
                                                                      tenant_a) -> None:
    add_user(app, tenant_a, "clerk", role_key="staff")
    admin_browser, clerk_browser = app.test_client(), app.test_client()
    login(admin_browser, tenant_a)
    login(clerk_browser, tenant_a, "clerk")
    assert admin_browser.get(f"/t/{tenant_a.slug}/").status_code == 200
    assert len(session_rows(app, tenant_a)) == 2
    with app.app_context(), tenant_context(tenant_a.id):
        users_before = sorted(db.session.scalars(select(User.username)))

    with app.app_context():
        ended = lifecycle.suspend(db.session.get(Tenant, tenant_a.id), "test-operator",
                                  "欠费停用")
        db.session.commit()
    assert ended == 2
    assert session_rows(app, tenant_a) == []
    for browser in (admin_browser, clerk_browser):
        assert browser.get(f"/t/{tenant_a.slug}/").status_code == 404
    assert post_login(app.test_client(), tenant_a).status_code == 404
    assert session_rows(app, tenant_a) == []
    [event] = platform_events(app, "tenant.suspended")
    assert event.details["sessions_ended"] == 2 and event.details["reason"] == "欠费停用"

    with app.app_context():
        lifecycle.reactivate(db.session.get(Tenant, tenant_a.id), "test-operator")
        db.session.commit()
    # The old sessions do not come back with the tenant: log in again.
    response = admin_browser.get(f"/t/{tenant_a.slug}/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/t/{tenant_a.slug}/login")
    login(admin_browser, tenant_a)
    login(clerk_browser, tenant_a, "clerk")
    assert admin_browser.get(f"/t/{tenant_a.slug}/").status_code == 200
    with app.app_context(), tenant_context(tenant_a.id):
        assert sorted(db.session.scalars(select(User.username))) == users_before
    assert [change[:2] for change in status_changes(app, tenant_a.id)] == [
        ("active", "suspended"), ("suspended", "active")]
    assert len(platform_events(app, "tenant.reactivated")) == 1


def test_suspend_needs_a_reason_and_an_active_tenant(app, tenant_a, client_a) -> None:
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_a.id)
        with pytest.raises(lifecycle.LifecycleError) as refused:
            lifecycle.suspend(tenant, "test-operator", " ")
        assert refused.value.field == "reason"
        db.session.rollback()
        with pytest.raises(lifecycle.LifecycleError):
            lifecycle.reactivate(db.session.get(Tenant, tenant_a.id), "test-operator")
        db.session.rollback()
    assert client_a.get(f"/t/{tenant_a.slug}/").status_code == 200  # nothing happened
    assert status_changes(app, tenant_a.id) == []

    pending = pending_application(app, CITY)
    with app.app_context(), pytest.raises(lifecycle.LifecycleError):
        lifecycle.suspend(db.session.get(Tenant, pending.tenant_id), "test-operator", "x")


# --- hierarchy ---------------------------------------------------------------------------


@pytest.mark.parametrize("order", list(itertools.permutations([PROVINCE, CITY, COUNTY])))
def test_hierarchy_does_not_depend_on_the_order_of_approval(app, order) -> None:
    pending = {code: pending_application(app, code) for code in order}
    for code in order:
        approve(app, pending[code])
    province, city, county = (tenant_row(app, pending[code].tenant_id)
                              for code in (PROVINCE, CITY, COUNTY))
    assert (province.level, city.level, county.level) == (
        TenantLevel.PROVINCE, TenantLevel.CITY, TenantLevel.COUNTY)
    assert province.parent_slug is None
    assert city.parent_slug == SLUGS[PROVINCE]
    assert county.parent_slug == SLUGS[CITY]
    adopted = [e for e in platform_events(app, "tenant.parent_changed")
               if e.details["source"] == "approval"]
    assert all(e.actor_name == "test-operator" for e in adopted)
    # Exactly the children approved before their parent were adopted.
    expected = sum(1 for child, parent in ((CITY, PROVINCE), (COUNTY, CITY))
                   if order.index(child) < order.index(parent))
    if order.index(COUNTY) < order.index(PROVINCE) < order.index(CITY):
        expected += 1  # the county went to the province first, then to its city
    assert len(adopted) == expected


def test_a_county_skips_a_missing_city_and_moves_when_the_city_arrives(app) -> None:
    province, county = pending_application(app, PROVINCE), pending_application(app, COUNTY)
    other_county = pending_application(app, "510824")
    for pending in (province, county, other_county):
        approve(app, pending)
    assert tenant_row(app, county.tenant_id).parent_slug == SLUGS[PROVINCE]
    with app.app_context():
        assert lifecycle.infer_parent(db.session.get(Tenant, county.tenant_id)).slug == \
            SLUGS[PROVINCE]
    # The city's approval takes both counties from the province (a higher ancestor).
    city = pending_application(app, CITY)
    approve(app, city)
    assert tenant_row(app, county.tenant_id).parent_slug == SLUGS[CITY]
    assert tenant_row(app, other_county.tenant_id).parent_slug == SLUGS[CITY]


def test_approval_keeps_a_parent_an_operator_chose(app) -> None:
    province, city, county = (pending_application(app, code)
                              for code in (PROVINCE, CITY, COUNTY))
    other_city = pending_application(app, "510900", slug="suining", name="遂宁市司法局")
    for pending in (province, other_city, county):
        approve(app, pending)
    with app.app_context():
        # A deliberate (if odd) choice: jiange reports to 遂宁 for now.
        lifecycle.set_parent(db.session.get(Tenant, county.tenant_id),
                             db.session.get(Tenant, other_city.tenant_id), "test-operator")
        db.session.commit()
    approve(app, city)
    assert tenant_row(app, county.tenant_id).parent_slug == "suining"


def test_manual_parent_edit_refuses_self_lower_levels_and_cycles(app) -> None:
    ids = {code: pending_application(app, code).tenant_id for code in (PROVINCE, CITY, COUNTY)}
    for code in (PROVINCE, CITY, COUNTY):
        with app.app_context():
            application = db.session.scalar(select(TenantApplication).where(
                TenantApplication.for_tenant_id == ids[code]))
            lifecycle.approve(application, "test-operator")
            db.session.commit()
    with app.app_context():
        province, city, county = (db.session.get(Tenant, ids[c]) for c in (PROVINCE, CITY,
                                                                           COUNTY))
        for tenant, parent in ((city, city), (province, county), (city, county),
                               (county, db.session.get(Tenant, ids[COUNTY]))):
            with pytest.raises(lifecycle.LifecycleError) as refused:
                lifecycle.set_parent(tenant, parent, "test-operator")
            assert refused.value.field == "parent"
        assert county not in lifecycle.eligible_parents(city)
        waiting = db.session.get(Tenant, pending_application(app, "510824").tenant_id)
        with pytest.raises(lifecycle.LifecycleError):  # approval will set it
            lifecycle.set_parent(waiting, city, "test-operator")
        assert set(lifecycle.eligible_parents(county)) == {province, city}

        lifecycle.set_parent(county, province, "test-operator")  # skipping a level is fine
        lifecycle.set_parent(city, None, "test-operator")
        db.session.commit()
    assert tenant_row(app, ids[COUNTY]).parent_slug == SLUGS[PROVINCE]
    assert tenant_row(app, ids[CITY]).parent_slug is None
    manual = [e for e in platform_events(app, "tenant.parent_changed")
              if e.details["source"] == "operator"]
    assert [(e.details["old_parent"], e.details["new_parent"]) for e in manual] == [
        (SLUGS[CITY], SLUGS[PROVINCE]), (SLUGS[PROVINCE], None)]

    with app.app_context():
        # Data that broke the level rule (a province tenant filed under a city, e.g. by
        # hand in the database) must still not let an edit close a loop.
        province, city = db.session.get(Tenant, ids[PROVINCE]), db.session.get(Tenant,
                                                                             ids[CITY])
        province.parent = city
        db.session.flush()
        with pytest.raises(lifecycle.LifecycleError) as refused:
            lifecycle.set_parent(city, province, "test-operator")
        assert refused.value.field == "parent"
        db.session.rollback()


# --- CLI ---------------------------------------------------------------------------------


def test_cli_approve_and_reject(app) -> None:
    first, second = pending_application(app, COUNTY), pending_application(app, CITY)
    approved = run(app, "tenants", "approve", first.slug, "--note", "材料齐全")
    assert approved.exit_code == 0, approved.output
    assert tenant_row(app, first.tenant_id).status == TenantStatus.ACTIVE
    assert application_row(app, first.application_id).decision_reason == "材料齐全"
    assert status_changes(app, first.tenant_id)[0][3] == cli_actor()
    assert cli_actor().startswith("cli:")

    again = run(app, "tenants", "approve", first.slug)
    assert again.exit_code != 0 and "no pending application" in again.output
    assert run(app, "tenants", "approve", "no-such-bureau").exit_code != 0

    for args in (["reject", second.slug], ["reject", second.slug, "--reason", "  "]):
        refused = run(app, "tenants", *args)
        assert refused.exit_code != 0, args
        assert tenant_row(app, second.tenant_id).status == TenantStatus.PENDING
    rejected = run(app, "tenants", "reject", second.slug, "--reason", "重复申请")
    assert rejected.exit_code == 0, rejected.output
    assert tenant_row(app, second.tenant_id).status == TenantStatus.REJECTED
    assert [e.actor_name for e in platform_events(app, "tenant.rejected")] == [cli_actor()]


def test_cli_suspend_and_reactivate(app, tenant_a: TenantFixture, client_a) -> None:
    assert run(app, "tenants", "suspend", tenant_a.slug).exit_code != 0  # --reason required
    assert run(app, "tenants", "reactivate", tenant_a.slug).exit_code != 0  # not suspended
    suspended = run(app, "tenants", "suspend", tenant_a.slug, "--reason", "安全检查")
    assert suspended.exit_code == 0, suspended.output
    assert "sessions ended: 1" in suspended.output
    assert client_a.get(f"/t/{tenant_a.slug}/").status_code == 404
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalars(select(UserSession)).all() == []
    reactivated = run(app, "tenants", "reactivate", tenant_a.slug, "--reason", "检查完毕")
    assert reactivated.exit_code == 0, reactivated.output
    assert tenant_row(app, tenant_a.id).status == TenantStatus.ACTIVE
    assert status_changes(app, tenant_a.id) == [
        ("active", "suspended", "安全检查", cli_actor()),
        ("suspended", "active", "检查完毕", cli_actor())]
    login(app.test_client(), tenant_a)
