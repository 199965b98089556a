"""Org-unit scope: a grant over a 司法所 reaches that station's subtree and nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, g
from sqlalchemy import BigInteger, ForeignKeyConstraint, String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.access.checks import has_permission, in_scope, scope_filter, user_grants
from core.access.models import Role
from core.access.service import assign_role
from core.auth.models import User
from core.db import db
from core.orgunits.models import OrgUnit, OrgUnitType
from core.orgunits.service import create_unit
from core.sdk import TenantModel, tenant_context

from conftest import TenantFixture


class ScopedRecord(db.Model, TenantModel):
    """A test-only business record owned by an org unit."""

    __tablename__ = "testkit_scoped_record"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "org_unit_id"],
                             ["org_units.tenant_id", "org_units.id"]),
    )

    org_unit_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(50))


VIEW = "core.person.view"  # any core permission works; staff holds this one


@pytest.fixture
def tree(app: Flask, tenant_a: TenantFixture) -> Iterator[dict[str, int]]:
    """bureau ─┬ 普安司法所 ── 普安镇调委会
               └ 剑门关司法所 ; one record in each unit."""
    with app.app_context():
        ScopedRecord.__table__.create(db.engine, checkfirst=True)
        with tenant_context(tenant_a.id):
            root = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
            puan = create_unit("普安司法所", "ST-PA", OrgUnitType.STATION, root)
            committee = create_unit("普安镇调委会", "MC-PA", OrgUnitType.MEDIATION_COMMITTEE,
                                    puan)
            jianmen = create_unit("剑门关司法所", "ST-JM", OrgUnitType.STATION, root)
            units = {"root": root.id, "puan": puan.id, "committee": committee.id,
                     "jianmen": jianmen.id}
            for key, unit_id in units.items():
                db.session.add(ScopedRecord(org_unit_id=unit_id, title=key))
            db.session.commit()
        yield units


def officer(role_key: str, unit_id: int | None) -> User:
    user = User(username=f"officer-{role_key}-{unit_id}", display_name="officer")
    db.session.add(user)
    db.session.flush()
    role = db.session.scalar(select(Role).where(Role.key == role_key))
    unit = db.session.get(OrgUnit, unit_id) if unit_id else None
    assign_role(user, role, unit, actor="test")
    return user


def visible(user: User) -> set[str]:
    g.pop("_fatong_grants", None)
    return set(db.session.scalars(select(ScopedRecord.title)
                                  .where(scope_filter(ScopedRecord.org_unit_id, VIEW, user))))


def test_station_grant_sees_its_subtree_only(app: Flask, tenant_a: TenantFixture,
                                             tree: dict[str, int]) -> None:
    with app.test_request_context(), tenant_context(tenant_a.id):
        g.enabled_plugins = frozenset()
        station_officer = officer("staff", tree["puan"])
        assert visible(station_officer) == {"puan", "committee"}
        assert user_grants(station_officer)[VIEW] is not None  # scoped, not tenant-wide

        leader = officer("leader", None)
        assert visible(leader) == {"root", "puan", "committee", "jianmen"}

        # A second grant over another station widens the scope to both subtrees.
        assign_role(station_officer, db.session.scalar(select(Role).where(Role.key == "staff")),
                    db.session.get(OrgUnit, tree["jianmen"]), actor="test")
        assert visible(station_officer) == {"puan", "committee", "jianmen"}
        db.session.rollback()


def test_in_scope_agrees_with_scope_filter(app: Flask, tenant_a: TenantFixture,
                                          tree: dict[str, int]) -> None:
    """The Python twin answers for one unit what the WHERE clause answers for rows."""
    with app.test_request_context(), tenant_context(tenant_a.id):
        g.enabled_plugins = frozenset()
        for user in (officer("staff", tree["puan"]), officer("leader", None),
                     officer("sysadmin", None)):
            g.pop("_fatong_grants", None)
            seen = visible(user)
            assert {key for key, unit in tree.items() if in_scope(unit, VIEW, user)} == seen
            assert not in_scope(None, VIEW, user) or seen == set(tree)
        db.session.rollback()


def test_no_grant_sees_nothing_and_admins_see_no_business_records(
        app: Flask, tenant_a: TenantFixture, tree: dict[str, int]) -> None:
    with app.test_request_context(), tenant_context(tenant_a.id):
        g.enabled_plugins = frozenset()
        sysadmin = officer("sysadmin", None)
        assert not has_permission(VIEW, sysadmin)
        assert visible(sysadmin) == set()
        db.session.rollback()


def test_permissions_of_a_disabled_plugin_do_not_count(app: Flask, tenant_a: TenantFixture,
                                                       tree: dict[str, int]) -> None:
    with app.test_request_context(), tenant_context(tenant_a.id):
        leader = officer("leader", None)
        g.enabled_plugins = frozenset({"notices"})
        assert has_permission("notices.notice.view", leader)
        g.pop("_fatong_grants", None)
        g.enabled_plugins = frozenset()
        assert not has_permission("notices.notice.view", leader)
        db.session.rollback()


def test_reseeding_keeps_what_the_security_administrator_removed(
        app: Flask, tenant_a: TenantFixture) -> None:
    from core.access.registry import access_registry
    from core.access.service import seed_roles

    with app.test_request_context(), tenant_context(tenant_a.id):
        staff = db.session.scalar(select(Role).where(Role.key == "staff"))
        staff.permissions = [p for p in staff.permissions if p != "core.person.edit"]
        db.session.flush()
        seed_roles()
        assert "core.person.edit" not in staff.permissions  # the removal stands

        # A permission a template offers for the first time (a plugin installed since) is added.
        registry = access_registry()
        template = registry.templates["staff"]
        staff.seeded_permissions = [p for p in staff.seeded_permissions
                                    if p != "core.person.view"]
        staff.permissions = [p for p in staff.permissions if p != "core.person.view"]
        db.session.flush()
        seed_roles()
        assert "core.person.view" in staff.permissions
        assert set(template.permissions) <= set(staff.seeded_permissions)
        db.session.rollback()
