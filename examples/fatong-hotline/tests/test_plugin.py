"""The plugin as a deployment sees it: loaded from its entry point, schema by the tenancy
rules, its own Alembic branch (reversible), 404 when a tenant has it off, its menu."""

from __future__ import annotations

import runpy
from pathlib import Path

from core.sdk import Tenant, db, disable_plugin, enable_plugin, plugin_manager
from core.testing import assert_branch_reversible, plugin_schema_violations, plugin_tables
from flask import Flask
from sqlalchemy import inspect, text

import fatong_hotline

HOTLINE_TABLES = ["hotline_call", "hotline_category"]


def test_loaded_from_its_entry_point_with_its_metadata(app: Flask) -> None:
    with app.app_context():
        record = next(r for r in plugin_manager().loaded() if r.name == "hotline")
    assert record.module.__name__ == "fatong_hotline.plugin"
    assert record.version == "1.0.0"
    assert record.info.vendor == "Fatong examples"
    assert record.distribution == "fatong-hotline" and not record.always_on


def test_tables_follow_the_tenancy_rules(app: Flask) -> None:
    assert plugin_tables(app, "hotline") == HOTLINE_TABLES
    assert plugin_schema_violations(app, "hotline") == []


def _applied(app: Flask) -> set[str]:
    """The revisions recorded in the database (the head of each branch)."""
    with app.app_context(), db.engine.connect() as connection:
        return set(connection.scalars(text("SELECT version_num FROM alembic_version")))


def _tables(app: Flask) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def _migrations() -> list[dict]:
    """The plugin's migration scripts as shipped in the installed package."""
    folder = Path(fatong_hotline.__file__).parent / "migrations" / "versions"
    return [runpy.run_path(str(path)) for path in sorted(folder.glob("*.py"))]


def _fatong(app: Flask, *args: str) -> str:
    """Run a ``fatong`` command (as a deployment would) against the test database."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_own_branch_applied_and_reversible(app: Flask) -> None:
    [initial] = _migrations()
    assert initial["branch_labels"] == ("hotline",) and initial["down_revision"] is None
    # The branch starts from the core revision the bundled plugins build on.
    assert initial["depends_on"] == "4a42a0683ddc"
    head = initial["revision"]
    assert head in _fatong(app, "db", "heads")
    assert head in _applied(app)
    assert set(HOTLINE_TABLES) <= _tables(app)

    _fatong(app, "db", "downgrade", "hotline@base")
    assert not set(HOTLINE_TABLES) & _tables(app)
    assert head not in _applied(app)
    assert {"notices_notice", "people", "legal_aid_consultation"} <= _tables(app)

    _fatong(app, "db", "upgrade")
    assert set(HOTLINE_TABLES) <= _tables(app)
    assert head in _applied(app)


def test_disabled_for_a_tenant_answers_404_and_leaves_the_menu(app, tenant_a, operator):
    assert operator.get("/t/jiange/hotline/").status_code == 200
    assert b'href="/t/jiange/hotline/"' in operator.get("/t/jiange/").data
    with app.app_context():
        disable_plugin(db.session.get(Tenant, tenant_a.id), "hotline")
        db.session.commit()
    assert operator.get("/t/jiange/hotline/").status_code == 404
    assert operator.get("/t/jiange/hotline/calls/new").status_code == 404
    assert operator.get("/t/jiange/hotline/stats").status_code == 404
    assert b'href="/t/jiange/hotline/"' not in operator.get("/t/jiange/").data
    with app.app_context():
        enable_plugin(db.session.get(Tenant, tenant_a.id), "hotline")
        db.session.commit()
    assert operator.get("/t/jiange/hotline/").status_code == 200


def test_enabling_seeds_the_default_categories_once(client_a, supervisor) -> None:
    page = supervisor.get("/t/jiange/hotline/categories/").get_data(as_text=True)
    for name in ("婚姻家庭", "劳动争议", "借贷纠纷", "交通事故", "法律援助", "其他"):
        assert f"<td>{name}</td>" in page
    assert page.count('data-testid="category-row"') == 11


def test_every_view_needs_a_permission(tenant_a, make_user, login_client) -> None:
    make_user(tenant_a, "nobody", [])
    client = login_client(tenant_a, "nobody")
    for path in ("/", "/calls/new", "/categories/", "/stats", "/stats/export.xlsx"):
        assert client.get(f"/t/jiange/hotline{path}").status_code == 403, path


def test_demo_data_is_idempotent(app, tenant_a) -> None:
    from core.sdk import User, tenant_context
    from sqlalchemy import func, select

    from fatong_hotline.demo import SAMPLE_CALLS, demo_data
    from fatong_hotline.models import HotlineCall

    for _round in range(2):
        with app.app_context(), tenant_context(tenant_a.id):
            demo_data(tenant=db.session.get(Tenant, tenant_a.id))
            db.session.commit()
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalar(select(func.count()).select_from(HotlineCall)) \
            == len(SAMPLE_CALLS)
        assert db.session.scalar(select(User).where(User.username == "rexian")) is not None


def test_branch_round_trip_with_the_core_testing_helper(app: Flask) -> None:
    assert assert_branch_reversible(app, "hotline") == sorted(HOTLINE_TABLES)
