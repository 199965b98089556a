"""Fixtures for the hotline's tests. Everything else comes from Fatong's pytest plugin
(``core.testing``: ``app``, ``tenant_a``, ``tenant_b``, ``make_user``, ``login_client``, …).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from core.sdk import OrgUnit, OrgUnitType, db, orgunits, tenant_context
from core.testing import TenantFixture, installed_plugin_sources
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from fatong_hotline.models import TIMEZONE, HotlineCategory

OPERATOR = "huawu"


@pytest.fixture(scope="session")
def fatong_plugin_sources() -> list:
    # Fatong's bundled lines (legal aid and mediation receive referrals) and this plugin;
    # nothing else that happens to be installed in the environment.
    return installed_plugin_sources(["fatong", "fatong-hotline"])


@pytest.fixture
def operator(tenant_a: TenantFixture, make_user, login_client) -> FlaskClient:
    """Tenant A's 12348 operator (whole bureau), logged in."""
    make_user(tenant_a, OPERATOR, ["hotline_operator"], display_name="话务员小王")
    return login_client(tenant_a, OPERATOR)


@pytest.fixture
def supervisor(tenant_a: TenantFixture, make_user, login_client) -> FlaskClient:
    """Tenant A's hotline supervisor (categories, statistics), logged in."""
    make_user(tenant_a, "zhuguan", ["hotline_supervisor"])
    return login_client(tenant_a, "zhuguan")


@pytest.fixture
def station(app: Flask, tenant_a: TenantFixture) -> str:
    """A 司法所 under tenant A's bureau; returns its org unit code."""
    with app.app_context(), tenant_context(tenant_a.id):
        bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
        orgunits.create_unit("普安司法所", "510823101", OrgUnitType.STATION, parent=bureau)
        db.session.commit()
    return "510823101"


def unit_id(app: Flask, tenant: TenantFixture, code: str | None = None) -> int:
    """The id of the org unit with ``code`` (default: the bureau)."""
    with app.app_context(), tenant_context(tenant.id):
        statement = select(OrgUnit.id)
        statement = (statement.where(OrgUnit.code == code) if code
                     else statement.where(OrgUnit.parent_id.is_(None)))
        return db.session.scalar(statement)


def category_id(app: Flask, tenant: TenantFixture, name: str = "劳动争议") -> int:
    with app.app_context(), tenant_context(tenant.id):
        return db.session.scalar(select(HotlineCategory.id)
                                 .where(HotlineCategory.name == name))


def beijing(days_ago: int = 0, hour: int | None = None) -> str:
    """A datetime-local value in Beijing time, ``days_ago`` days back."""
    moment = datetime.now(TIMEZONE) - timedelta(days=days_ago)
    if hour is not None:
        moment = moment.replace(hour=hour)
    if moment > datetime.now(TIMEZONE):
        moment = datetime.now(TIMEZONE)
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def call_form(app: Flask, tenant_a: TenantFixture) -> Callable[..., dict[str, Any]]:
    """``call_form(**changes)``: a valid new-call form for tenant A (anonymous caller)."""

    def _form(**changes: Any) -> dict[str, Any]:
        form = {
            "op": "save", "received_at": beijing(), "org_unit_id": unit_id(app, tenant_a),
            "category_id": category_id(app, tenant_a), "caller_name": "王先生",
            "question": "老板拖欠工资三个月，怎么办？", "answer": "可申请劳动仲裁。",
            "duration_minutes": "8", "outcome": "answered",
        }
        form.update(changes)
        return {key: value for key, value in form.items() if value is not None}

    return _form


def post_call(client: FlaskClient, tenant: TenantFixture, form: dict[str, Any]) -> int:
    """Record a call through the page; returns the new call's id."""
    response = client.post(f"/t/{tenant.slug}/hotline/calls/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
