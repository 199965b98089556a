"""Tenants, users and logged-in clients for tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import db

PASSWORD = "Test-Passw0rd!"


@dataclass
class TenantFixture:
    """A provisioned tenant: its row (detached), id, slug, and the admin's credentials."""

    tenant: object
    id: int
    slug: str
    admin_username: str = "admin"
    password: str = PASSWORD


def provision(app: Flask, slug: str, name: str, region_code: str,
              plugins: Iterable[str] | None = None) -> TenantFixture:
    """A tenant as self-signup creates it (org tree, roles, admin), with ``plugins`` enabled
    (default: every toggleable plugin loaded). Its ``admin`` also holds the leader's role, so
    that tests logging in as admin reach the business pages, and needs no TOTP."""
    from core.access.models import Role
    from core.access.service import assign_role
    from core.auth.models import User
    from core.auth.settings import auth_settings
    from core.tenancy.context import tenant_context
    from tenants.provisioning import TenantSpec, all_toggleable_plugins, create_tenant

    with app.app_context():
        tenant = create_tenant(
            TenantSpec(slug=slug, name=name, region_code=region_code),
            admin_username="admin", admin_password=PASSWORD,
            plugins=all_toggleable_plugins() if plugins is None else list(plugins),
        )
        with tenant_context(tenant):
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            assign_role(admin, db.session.scalar(select(Role).where(Role.key == "leader")),
                        actor="test")
            auth_settings().set_many({"totp_required_for_admins": False})
        db.session.commit()
        fixture = TenantFixture(tenant=tenant, id=tenant.id, slug=tenant.slug)
        db.session.expunge_all()
    return fixture


def add_user(app: Flask, tenant: TenantFixture, username: str, roles: Iterable[str] = (),
             *, password: str = PASSWORD, org_unit_code: str | None = None,
             display_name: str = "") -> int:
    """A user of ``tenant`` holding the role templates ``roles`` (role keys such as
    ``leader`` or ``mediation_clerk``), scoped to the org unit with ``org_unit_code`` (default:
    the whole bureau). Returns the user's id."""
    from core.access.models import Role
    from core.access.service import assign_role
    from core.auth.models import User
    from core.orgunits.models import OrgUnit
    from core.tenancy.context import tenant_context

    with app.app_context(), tenant_context(tenant.id):
        user = User(username=username, display_name=display_name or username)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        unit = None
        if org_unit_code is not None:
            unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == org_unit_code))
            if unit is None:
                raise LookupError(f"no org unit {org_unit_code!r} in tenant {tenant.slug}")
        for key in roles:
            role = db.session.scalar(select(Role).where(Role.key == key))
            if role is None:
                raise LookupError(f"tenant {tenant.slug} has no role {key!r}")
            assign_role(user, role, actor="test", org_unit=unit)
        db.session.commit()
        return user.id


def login(client: FlaskClient, tenant: TenantFixture, username: str = "admin",
          password: str = PASSWORD) -> FlaskClient:
    """Log ``client`` in on the tenant's login page; fails the test when that does not work."""
    response = client.post(f"/t/{tenant.slug}/login",
                           data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].startswith(f"/t/{tenant.slug}/")
    return client
