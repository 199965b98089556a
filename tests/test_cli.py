"""``fatong demo`` and ``fatong tenants list|create`` through Flask's CLI runner."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from core.db import db
from core.plugins.enablement import enabled_plugins
from core.sdk import Tenant, TenantLevel, TenantStatus, User, tenant_context
from tenants.provisioning import all_toggleable_plugins

from conftest import PASSWORD, TenantFixture, login

# The demo's accounts: the administrators, mediation's and legal aid's.
DEMO_USERS = [("admin", True), ("auditor", True), ("lvshi", True), ("secadmin", True),
              ("shencha", True), ("shouli", True), ("sifasuo", True), ("tiaojieke", True),
              ("tiaojieyuan", True), ("zhuren", True)]


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def tenant_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Tenant))


def snapshot(app: Flask, slug: str) -> dict | None:
    """What a user of the tenant would find: status, name, admins, enabled plugins."""
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            return None
        with tenant_context(tenant):
            users = db.session.scalars(select(User)).all()
            return {
                "name": tenant.name, "status": tenant.status, "level": tenant.level,
                "region_code": tenant.region_code,
                "users": sorted((u.username, u.active) for u in users),
                "plugins": set(enabled_plugins(tenant)) & set(all_toggleable_plugins()),
            }


def can_log_in(app: Flask, slug: str, password: str, username: str = "admin") -> bool:
    response = app.test_client().post(f"/t/{slug}/login",
                                      data={"username": username, "password": password})
    # The password was accepted: straight in, or on to the second factor (TOTP is required
    # for administrators unless the tenant turned that off, as `fatong demo` does).
    return response.status_code == 302 and response.headers["Location"] in (
        f"/t/{slug}/", f"/t/{slug}/login/second-factor")


# --- demo --------------------------------------------------------------------------------


def test_demo_creates_an_active_bureau_with_admin_and_every_plugin(app: Flask) -> None:
    result = run(app, "demo", "--password", "Demo-Pass-1")

    assert result.exit_code == 0, result.output
    assert "/t/demo/" in result.output
    with app.app_context():
        toggleable = set(all_toggleable_plugins())
    assert "notices" in toggleable
    assert snapshot(app, "demo") == {
        "name": "剑阁县司法局", "status": TenantStatus.ACTIVE, "level": TenantLevel.COUNTY,
        "region_code": "510823", "plugins": toggleable,
        "users": DEMO_USERS,
    }
    assert can_log_in(app, "demo", "Demo-Pass-1")
    # The mediation line's demo accounts share the admin's password.
    assert can_log_in(app, "demo", "Demo-Pass-1", username="sifasuo")
    page = app.test_client()
    login(page, TenantFixture(tenant=None, id=0, slug="demo"), password="Demo-Pass-1")
    assert page.get("/t/demo/notices/").status_code == 200


def test_demo_has_three_separate_administrators(app: Flask, demo: TenantFixture) -> None:
    """三员分立 in the demo: secadmin edits roles, auditor reads the log, neither sees notices."""
    expectations = {
        "secadmin": {"/t/demo/admin/roles/": 200, "/t/demo/audit/": 403},
        "auditor": {"/t/demo/audit/": 200, "/t/demo/admin/roles/": 403},
        "admin": {"/t/demo/admin/users/": 200, "/t/demo/admin/roles/": 403},
    }
    for username, pages in expectations.items():
        client = app.test_client()
        login(client, demo, username=username, password=demo.password)
        for url, status in pages.items():
            assert client.get(url).status_code == status, (username, url)
        if username != "admin":
            assert client.get("/t/demo/notices/").status_code == 403, username


def test_demo_twice_refreshes_without_duplicates(app: Flask, demo: TenantFixture) -> None:
    # The demo as a first `fatong demo` left it; then someone suspended it, disabled its
    # plugins and locked the admin out.
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        tenant.status = TenantStatus.SUSPENDED
        with tenant_context(tenant):
            db.session.scalar(select(User)).active = False
            db.session.commit()
        from core.plugins.enablement import disable_plugin

        disable_plugin(tenant, "notices", actor="test")
        db.session.commit()

    result = run(app, "demo", "--password", "Second-Pass-2")

    assert result.exit_code == 0, result.output
    assert "refreshed" in result.output
    assert tenant_count(app) == 1
    state = snapshot(app, "demo")
    assert state["status"] == TenantStatus.ACTIVE
    assert state["users"] == DEMO_USERS
    assert "notices" in state["plugins"]
    assert can_log_in(app, "demo", "Second-Pass-2")
    assert not can_log_in(app, "demo", demo.password)
    assert can_log_in(app, "demo", "Second-Pass-2", username="tiaojieke")


def test_demo_requires_a_password(app: Flask) -> None:
    result = run(app, "demo")
    assert result.exit_code != 0
    assert "--password" in result.output
    assert tenant_count(app) == 0


# --- tenants create ------------------------------------------------------------------------


def test_tenants_create_with_admin_and_plugin(app: Flask) -> None:
    result = run(app, "tenants", "create", "xinjin", "--name", "成都市新津区司法局",
                 "--region-code", "510132", "--admin", "admin", "--admin-password", PASSWORD,
                 "--plugin", "notices")

    assert result.exit_code == 0, result.output
    assert "created tenant xinjin" in result.output
    assert snapshot(app, "xinjin") == {
        "name": "成都市新津区司法局", "status": TenantStatus.ACTIVE, "level": TenantLevel.COUNTY,
        "region_code": "510132", "users": [("admin", True)], "plugins": {"notices"},
    }
    assert can_log_in(app, "xinjin", PASSWORD)


def test_tenants_create_level_and_status(app: Flask) -> None:
    result = run(app, "tenants", "create", "guangyuan", "--name", "广元市司法局",
                 "--region-code", "510800", "--level", "city", "--status", "pending")

    assert result.exit_code == 0, result.output
    state = snapshot(app, "guangyuan")
    assert (state["level"], state["status"], state["users"], state["plugins"]) == (
        TenantLevel.CITY, TenantStatus.PENDING, [], set())
    # Pending is not open for business: its pages do not exist yet.
    assert app.test_client().get("/t/guangyuan/login").status_code == 404


BAD_CREATES = [
    (["Bad_Slug", "--name", "某县司法局", "--region-code", "510823"], "slug"),
    (["9lives", "--name", "某县司法局", "--region-code", "510823"], "slug"),
    (["platform", "--name", "某县司法局", "--region-code", "510823"], "reserved"),
    (["mouxian", "--name", "某县司法局", "--region-code", "51082"], "region code"),
    (["mouxian", "--name", "某县司法局", "--region-code", "51082x"], "region code"),
    (["mouxian", "--name", "   ", "--region-code", "510823"], "name"),
    # Failures after the tenant row was flushed must roll it back too.
    (["mouxian", "--name", "某县司法局", "--region-code", "510823", "--admin", "admin"],
     "password"),
    (["mouxian", "--name", "某县司法局", "--region-code", "510823", "--plugin", "nosuch"],
     "nosuch"),
]


def test_tenants_create_refuses_bad_input_and_writes_nothing(app: Flask) -> None:
    for args, message in BAD_CREATES:
        result = run(app, "tenants", "create", *args)
        assert result.exit_code != 0, (args, result.output)
        assert "Error:" in result.output and message in result.output, (args, result.output)
        assert "Traceback" not in result.output
        assert tenant_count(app) == 0, args


def test_tenants_create_refuses_a_taken_slug(app: Flask) -> None:
    assert run(app, "tenants", "create", "jiange", "--name", "剑阁县司法局",
               "--region-code", "510823").exit_code == 0

    result = run(app, "tenants", "create", "jiange", "--name", "另一个司法局",
                 "--region-code", "510824")

    assert result.exit_code != 0
    assert "taken" in result.output
    assert tenant_count(app) == 1
    assert snapshot(app, "jiange")["name"] == "剑阁县司法局"


# --- tenants list --------------------------------------------------------------------------


def test_tenants_list(app: Flask) -> None:
    empty = run(app, "tenants", "list")
    assert empty.exit_code == 0
    assert "no tenants yet" in empty.output

    run(app, "tenants", "create", "cangxi", "--name", "苍溪县司法局", "--region-code", "510824")
    run(app, "tenants", "create", "jiange", "--name", "剑阁县司法局", "--region-code", "510823",
        "--status", "suspended")
    result = run(app, "tenants", "list")

    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.strip().splitlines()]
    # Ordered by region code: 510823 before 510824.
    assert lines == [
        ["jiange", "suspended", "county", "510823", "剑阁县司法局"],
        ["cangxi", "active", "county", "510824", "苍溪县司法局"],
    ]


def test_sync_roles_offers_new_template_permissions_and_keeps_removals(
        app: Flask, tenant_a: TenantFixture) -> None:
    from core.access.models import Role

    def station_role() -> Role:
        return db.session.scalar(select(Role).where(Role.key == "mediation_station"))

    with app.app_context(), tenant_context(tenant_a.id):
        role = station_role()
        # As if the role was seeded before the template offered statistics, and the security
        # administrator had removed the places permission on purpose.
        role.permissions = [p for p in role.permissions
                            if p not in ("core.statistics.view", "core.places.view")]
        role.seeded_permissions = [p for p in role.seeded_permissions
                                   if p != "core.statistics.view"]
        db.session.commit()

    result = run(app, "tenants", "sync-roles", tenant_a.slug)

    assert result.exit_code == 0, result.output
    assert "1 tenant" in result.output
    with app.app_context(), tenant_context(tenant_a.id):
        permissions = set(station_role().permissions)
    assert "core.statistics.view" in permissions
    assert "core.places.view" not in permissions
    assert run(app, "tenants", "sync-roles", "nosuch").exit_code != 0
