"""Tenant isolation of the ORM: the tripwire, same ids in two tenants, stamping, the audited
cross-tenant door, and the id generator.

Test-only models (tables ``testkit_…``) give a parent/child pair with a composite foreign key
and lazy relationships both ways, plus "loose" relationships joined on ``id`` alone, as a
careless plugin might write them: only the automatic scoping keeps those inside the tenant.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import (
    BigInteger,
    ForeignKeyConstraint,
    String,
    and_,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db
from core.ids import IdGenerator, new_id
from core.tenancy.context import (
    CrossTenantWriteRefused,
    NoTenantContext,
    TenantMismatch,
    cross_tenant_read,
    current_tenant_id,
    tenant_context,
)
from core.tenancy.model import TenantModel
from core.tenancy.models import Tenant, TenantStatus

SAME_PARENT = "and_(TestkitParent.tenant_id == TestkitChild.tenant_id, " \
              "TestkitParent.id == foreign(TestkitChild.parent_id))"


class TestkitParent(db.Model, TenantModel):
    __test__ = False  # a model, not a pytest class
    __tablename__ = "testkit_parent"

    name: Mapped[str] = mapped_column(String(50))

    children: Mapped[list[TestkitChild]] = relationship(
        back_populates="parent", primaryjoin=SAME_PARENT, lazy="select",
        order_by="TestkitChild.id")
    # Joined on id alone: without the tenant criterion this would pick up the other
    # tenant's children that carry the same parent id.
    loose_children: Mapped[list[TestkitChild]] = relationship(
        primaryjoin="TestkitParent.id == foreign(TestkitChild.parent_id)",
        viewonly=True, lazy="select", order_by="TestkitChild.id")


class TestkitChild(db.Model, TenantModel):
    __test__ = False
    __tablename__ = "testkit_child"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "parent_id"],
                             ["testkit_parent.tenant_id", "testkit_parent.id"]),
    )

    parent_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(50))

    parent: Mapped[TestkitParent] = relationship(
        back_populates="children", primaryjoin=SAME_PARENT, lazy="select")
    loose_parent: Mapped[TestkitParent] = relationship(
        primaryjoin="foreign(TestkitChild.parent_id) == TestkitParent.id",
        viewonly=True, lazy="select")


Parent, Child = TestkitParent, TestkitChild

# The same ids in both tenants, with different rows behind them.
PARENTS = {
    "a": {1: "a-one", 2: "a-two"},
    "b": {1: "b-one", 2: "b-two", 3: "b-three"},
}
CHILDREN = {
    "a": {10: (1, "a-ten"), 11: (1, "a-eleven"), 12: (2, "a-twelve")},
    "b": {10: (1, "b-ten"), 12: (3, "b-twelve")},
}


@dataclass(frozen=True)
class Kit:
    a: int
    b: int


@pytest.fixture
def kit(app: Flask) -> Iterator[Kit]:
    """Two bare tenants holding parents and children with the SAME ids; an app context."""
    with app.app_context():
        # Test-only tables, created on whichever engine the suite runs (SQLite or PostgreSQL).
        Parent.__table__.create(db.engine, checkfirst=True)
        Child.__table__.create(db.engine, checkfirst=True)
        tenants = {}
        for key, slug, region in (("a", "kit-a", "510101"), ("b", "kit-b", "510102")):
            tenant = Tenant(slug=slug, name=f"{slug} bureau", region_code=region,
                            status=TenantStatus.ACTIVE)
            db.session.add(tenant)
            db.session.flush()
            tenants[key] = tenant.id
            with tenant_context(tenant.id):
                for pid, name in PARENTS[key].items():
                    db.session.add(Parent(id=pid, name=name))
                db.session.flush()
                for cid, (pid, name) in CHILDREN[key].items():
                    db.session.add(Child(id=cid, parent_id=pid, name=name))
                db.session.flush()
        db.session.commit()
        db.session.expunge_all()
        yield Kit(a=tenants["a"], b=tenants["b"])
        db.session.rollback()


def names(rows) -> set[str]:
    return {row.name for row in rows}


def db_rows(model: type) -> set[tuple[int, int, str]]:
    """(tenant_id, id, name) of every row, read on a separate connection: the DB's truth."""
    table = model.__table__
    with db.engine.connect() as connection:
        return {tuple(r) for r in connection.execute(
            select(table.c.tenant_id, table.c.id, table.c.name))}


# --- tripwire ----------------------------------------------------------------------------


TRIPWIRES: dict[str, Callable[[], object]] = {
    "select": lambda: db.session.scalars(select(Parent)).all(),
    "select-column": lambda: db.session.scalars(select(Child.name)).all(),
    "legacy-query": lambda: db.session.query(Parent).all(),
    "count-select-from": lambda: db.session.scalar(select(func.count()).select_from(Parent)),
    "count-column": lambda: db.session.scalar(select(func.count(Child.id))),
    "get": lambda: db.session.get(Parent, 1),
    "get-full-key": lambda: db.session.get(Parent, (1, 1)),
    "join-from-platform": lambda: db.session.scalars(
        select(Tenant).join(Parent, Parent.tenant_id == Tenant.id)).all(),
    "subquery-under-platform": lambda: db.session.scalars(
        select(Tenant).where(Tenant.id.in_(select(Child.tenant_id)))).all(),
    "bulk-update": lambda: db.session.execute(update(Parent).values(name="x")),
    "bulk-delete": lambda: db.session.execute(delete(Child)),
}


@pytest.mark.parametrize("operation", list(TRIPWIRES), ids=list(TRIPWIRES))
def test_tenant_query_without_tenant_raises(kit: Kit, operation: str) -> None:
    assert current_tenant_id() is None
    with pytest.raises(NoTenantContext):
        TRIPWIRES[operation]()
    db.session.rollback()
    # Nothing was changed by the refused bulk writes.
    assert len(db_rows(Parent)) == 5 and len(db_rows(Child)) == 5


def test_insert_without_tenant_raises(kit: Kit) -> None:
    db.session.add(Parent(name="orphan"))
    with pytest.raises(NoTenantContext):
        db.session.flush()


@pytest.mark.parametrize("relation", ["children", "loose_children"])
def test_lazy_load_after_leaving_the_tenant_raises(kit: Kit, relation: str) -> None:
    with tenant_context(kit.a):
        parent = db.session.get(Parent, 1)
    with pytest.raises(NoTenantContext):
        getattr(parent, relation)


@pytest.mark.parametrize("relation", ["parent", "loose_parent"])
def test_many_to_one_lazy_load_after_leaving_the_tenant_raises(kit: Kit, relation: str) -> None:
    with tenant_context(kit.a):
        child = db.session.get(Child, 12)
    with pytest.raises(NoTenantContext):
        getattr(child, relation)


def test_refresh_of_expired_row_after_leaving_the_tenant_raises(kit: Kit) -> None:
    with tenant_context(kit.a):
        parent = db.session.get(Parent, 1)
    db.session.expire(parent)
    with pytest.raises(NoTenantContext):
        _ = parent.name


def test_platform_tables_need_no_tenant(kit: Kit) -> None:
    slugs = db.session.scalars(select(Tenant.slug).order_by(Tenant.slug)).all()
    assert slugs == ["kit-a", "kit-b"]
    assert db.session.get(Tenant, kit.a).slug == "kit-a"


# --- two tenants, same ids ---------------------------------------------------------------


@pytest.mark.parametrize("key", ["a", "b"])
def test_each_tenant_lists_only_its_own(kit: Kit, key: str) -> None:
    with tenant_context(getattr(kit, key)):
        assert names(db.session.scalars(select(Parent))) == set(PARENTS[key].values())
        assert names(db.session.query(Child)) == {n for _, n in CHILDREN[key].values()}
        assert names(db.session.scalars(select(Parent).where(Parent.id == 1))) == {
            PARENTS[key][1]}


@pytest.mark.parametrize("key", ["a", "b"])
def test_get_by_id_returns_own_row(kit: Kit, key: str) -> None:
    tenant = getattr(kit, key)
    with tenant_context(tenant):
        for pid, name in PARENTS[key].items():
            assert db.session.get(Parent, pid).name == name
            assert db.session.get(Parent, (tenant, pid)).name == name
        assert (db.session.get(Parent, 3) is None) == (key == "a")


def test_get_of_other_tenants_key_is_none_even_from_identity_map(kit: Kit) -> None:
    with cross_tenant_read(reason="test: put B's row in the identity map"):
        b_row = db.session.scalars(
            select(Parent).where(Parent.tenant_id == kit.b, Parent.id == 1)).one()
    assert b_row in db.session and b_row.name == "b-one"
    with tenant_context(kit.a):
        assert db.session.get(Parent, (kit.b, 1)) is None
        assert db.session.get(Parent, {"tenant_id": kit.b, "id": 1}) is None
        assert db.session.get(Parent, 1).name == "a-one"
        assert db.session.get(Parent, (kit.a, 1)).name == "a-one"
    with tenant_context(kit.b):
        assert db.session.get(Parent, 1) is b_row


@pytest.mark.parametrize("key", ["a", "b"])
@pytest.mark.parametrize("relation", ["children", "loose_children"])
def test_one_to_many_lazy_load_sees_own_children(kit: Kit, key: str, relation: str) -> None:
    with tenant_context(getattr(kit, key)):
        for pid in PARENTS[key]:
            expected = [name for _, (p, name) in sorted(CHILDREN[key].items()) if p == pid]
            parent = db.session.get(Parent, pid)
            assert [c.name for c in getattr(parent, relation)] == expected
        # Parents loaded by a query rather than by get, too.
        for parent in db.session.scalars(select(Parent)):
            assert all(c.tenant_id == parent.tenant_id for c in getattr(parent, relation))


@pytest.mark.parametrize("key", ["a", "b"])
@pytest.mark.parametrize("relation", ["parent", "loose_parent"])
def test_many_to_one_lazy_load_sees_own_parent(kit: Kit, key: str, relation: str) -> None:
    with tenant_context(getattr(kit, key)):
        for cid, (pid, _) in CHILDREN[key].items():
            db.session.expunge_all()  # so the parent is loaded, not found in the identity map
            child = db.session.get(Child, cid)
            assert getattr(child, relation).name == PARENTS[key][pid]


def test_lazy_load_of_a_new_row_stays_in_tenant(kit: Kit) -> None:
    # A row made in this session carries no load options: scoping must still apply.
    with tenant_context(kit.a):
        parent = Parent(id=3, name="a-three")
        db.session.add(parent)
        db.session.flush()
        db.session.add(Child(id=20, parent_id=3, name="a-twenty"))
        db.session.flush()
        db.session.expire(parent, ["children", "loose_children"])
        assert [c.name for c in parent.children] == ["a-twenty"]
        assert [c.name for c in parent.loose_children] == ["a-twenty"]  # not b-twelve


def test_lazy_load_of_a_cross_tenant_row_inside_a_tenant_is_scoped(kit: Kit) -> None:
    with cross_tenant_read(reason="test: load B's parent"):
        b_parent = db.session.scalars(
            select(Parent).where(Parent.tenant_id == kit.b, Parent.id == 1)).one()
    with tenant_context(kit.a):
        # B's row was loaded without any tenant criterion, so nothing propagates from it:
        # A's context still must not reach B's children through it.
        assert b_parent.children == []
        assert [c.name for c in b_parent.loose_children] == ["a-ten", "a-eleven"]


@pytest.mark.parametrize("key", ["a", "b"])
def test_counts_are_per_tenant(kit: Kit, key: str) -> None:
    with tenant_context(getattr(kit, key)):
        assert db.session.scalar(select(func.count()).select_from(Parent)) == len(PARENTS[key])
        assert db.session.scalar(select(func.count(Child.id))) == len(CHILDREN[key])
        assert db.session.query(Child).count() == len(CHILDREN[key])


@pytest.mark.parametrize("key", ["a", "b"])
def test_joins_stay_in_tenant(kit: Kit, key: str) -> None:
    expected = {(name, PARENTS[key][pid]) for pid, name in CHILDREN[key].values()}
    with tenant_context(getattr(kit, key)):
        on_id_only = db.session.execute(
            select(Child.name, Parent.name).join(Parent, Parent.id == Child.parent_id)).all()
        by_relationship = db.session.execute(
            select(Child.name, Parent.name).join(Child.parent)).all()
        outer = db.session.execute(
            select(Parent.name, func.count(Child.id))
            .outerjoin(Child, Child.parent_id == Parent.id).group_by(Parent.name)).all()
    assert set(on_id_only) == expected and len(on_id_only) == len(expected)
    assert set(by_relationship) == expected
    assert dict(outer) == {name: sum(1 for p, _ in CHILDREN[key].values() if p == pid)
                           for pid, name in PARENTS[key].items()}


def test_subqueries_stay_in_tenant(kit: Kit) -> None:
    with tenant_context(kit.a):
        # B's child "b-twelve" points at parent 3, which only B has.
        parents = db.session.scalars(select(Parent).where(
            Parent.id.in_(select(Child.parent_id).where(Child.name == "b-twelve")))).all()
        # The tenant entity hides under a platform query: still scoped.
        tenants = db.session.scalars(select(Tenant.slug).where(
            Tenant.id.in_(select(Child.tenant_id).where(Child.name.like("b-%"))))).all()
    assert parents == [] and tenants == []


def test_bulk_update_touches_only_own_rows(kit: Kit) -> None:
    before = db_rows(Parent)
    with tenant_context(kit.a):
        result = db.session.execute(update(Parent).values(name="renamed"))
        assert result.rowcount == len(PARENTS["a"])
        one = db.session.execute(update(Parent).where(Parent.id == 1).values(name="first"))
        assert one.rowcount == 1
        db.session.commit()
    after = db_rows(Parent)
    assert {r for r in after if r[0] == kit.b} == {r for r in before if r[0] == kit.b}
    assert {r for r in after if r[0] == kit.a} == {(kit.a, 1, "first"), (kit.a, 2, "renamed")}


def test_bulk_delete_touches_only_own_rows(kit: Kit) -> None:
    before = db_rows(Child)
    with tenant_context(kit.a):
        assert db.session.execute(delete(Child).where(Child.id == 10)).rowcount == 1
        assert db.session.execute(delete(Child)).rowcount == len(CHILDREN["a"]) - 1
        db.session.commit()
    assert db_rows(Child) == {r for r in before if r[0] == kit.b}


# --- stamping ----------------------------------------------------------------------------


def test_new_rows_get_the_current_tenant(kit: Kit) -> None:
    with tenant_context(kit.b):
        parent = Parent(name="stamped")
        db.session.add(parent)
        db.session.flush()
        assert parent.tenant_id == kit.b and 0 < parent.id < 2**63
        new_id_ = parent.id
        db.session.commit()
    assert (kit.b, new_id_, "stamped") in db_rows(Parent)


def test_insert_for_another_tenant_raises(kit: Kit) -> None:
    with tenant_context(kit.a):
        db.session.add(Parent(tenant_id=kit.b, name="smuggled"))
        with pytest.raises(TenantMismatch):
            db.session.flush()
    db.session.rollback()
    assert "smuggled" not in {r[2] for r in db_rows(Parent)}


def test_moving_a_loaded_row_to_another_tenant_raises(kit: Kit) -> None:
    with tenant_context(kit.a):
        parent = db.session.get(Parent, 2)
        parent.tenant_id = kit.b
        with pytest.raises(TenantMismatch):
            db.session.flush()
    db.session.rollback()
    assert (kit.a, 2, "a-two") in db_rows(Parent)


# --- cross_tenant_read -------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_cross_tenant_read_needs_a_reason(kit: Kit, reason: str) -> None:
    with pytest.raises(ValueError), cross_tenant_read(reason=reason):
        pass
    with pytest.raises(TypeError), cross_tenant_read():  # type: ignore[call-arg]
        pass


def test_cross_tenant_read_sees_both_and_is_audited(
        kit: Kit, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="fatong.audit"), \
            cross_tenant_read(reason="monthly roll-up", actor="platform-job"):
        rows = db.session.execute(select(Parent.tenant_id, Parent.id, Parent.name)).all()
        count = db.session.scalar(select(func.count()).select_from(Child))
    assert {tuple(r) for r in rows} == db_rows(Parent)
    assert {r[0] for r in rows} == {kit.a, kit.b}
    assert count == len(CHILDREN["a"]) + len(CHILDREN["b"])
    audit = [r for r in caplog.records if r.name == "fatong.audit"]
    assert len(audit) == 1
    assert "monthly roll-up" in audit[0].getMessage()
    assert "platform-job" in audit[0].getMessage()


WRITES: dict[str, Callable[[Kit], object]] = {
    "insert": lambda kit: (db.session.add(Parent(tenant_id=kit.a, name="x")),
                           db.session.flush()),
    "update": lambda kit: (setattr(db.session.scalars(select(Parent)).first(), "name", "x"),
                           db.session.flush()),
    "delete": lambda kit: (db.session.delete(db.session.scalars(select(Child)).first()),
                           db.session.flush()),
    "bulk-update": lambda kit: db.session.execute(update(Parent).values(name="x")),
    "bulk-delete": lambda kit: db.session.execute(delete(Child)),
}


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_cross_tenant_read_refuses_writes(kit: Kit, write: str) -> None:
    before = (db_rows(Parent), db_rows(Child))
    with pytest.raises(CrossTenantWriteRefused), cross_tenant_read(reason="test writes"):
        WRITES[write](kit)
    db.session.rollback()
    assert (db_rows(Parent), db_rows(Child)) == before


def test_cross_tenant_read_restores_the_tenant(kit: Kit) -> None:
    with tenant_context(kit.a):
        with cross_tenant_read(reason="peek"):
            assert current_tenant_id() is None
            assert db.session.scalar(select(func.count()).select_from(Parent)) == 5
        assert current_tenant_id() == kit.a
        assert db.session.scalar(select(func.count()).select_from(Parent)) == 2
        with pytest.raises(RuntimeError), cross_tenant_read(reason="fails"):
            raise RuntimeError("boom")
        assert current_tenant_id() == kit.a
    assert current_tenant_id() is None
    # The grant ended with the block: no tenant and no grant means the tripwire again.
    with pytest.raises(NoTenantContext):
        db.session.scalars(select(Parent)).all()


def test_nested_tenant_context_restores(kit: Kit) -> None:
    count = lambda: db.session.scalar(select(func.count()).select_from(Parent))  # noqa: E731
    with tenant_context(kit.a):
        assert count() == 2
        with tenant_context(kit.b):
            assert current_tenant_id() == kit.b and count() == 3
            with tenant_context(kit.a):
                assert count() == 2
            assert count() == 3
        assert current_tenant_id() == kit.a and count() == 2
        with pytest.raises(RuntimeError), tenant_context(kit.b):
            raise RuntimeError("boom")
        assert current_tenant_id() == kit.a
    assert current_tenant_id() is None


# --- ids ---------------------------------------------------------------------------------


def test_ids_are_unique_across_threads_and_increase_within_each() -> None:
    generator = IdGenerator()
    per_thread: list[list[int]] = [[] for _ in range(4)]

    def work(out: list[int]) -> None:
        out.extend(generator() for _ in range(20_000))

    threads = [threading.Thread(target=work, args=(out,)) for out in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for out in per_thread for i in out]
    assert len(every) == len(set(every)) == 80_000
    for out in per_thread:
        assert all(a < b for a, b in zip(out, out[1:], strict=False))
    assert all(0 < i < 2**63 for i in every)
    assert 0 < new_id() < 2**63


def test_aggregates_without_an_entity_stay_in_tenant(kit: Kit) -> None:
    """Columns only inside CASE give the statement no ORM entity for the criterion to
    follow: the scoping adds it to the bare table (legal aid's statistics once counted every
    tenant's cases this way)."""
    def counted(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    # and_() inside CASE is what hides the entity (a & b does not).
    named = select(counted(and_(Child.name.like("%-t%"), Child.id >= 10)))
    with tenant_context(kit.a):
        a_count = db.session.scalar(named)
    with tenant_context(kit.b):
        b_count = db.session.scalar(named)
    assert a_count == sum(1 for _p, name in CHILDREN["a"].values() if "-t" in name)
    assert b_count == sum(1 for _p, name in CHILDREN["b"].values() if "-t" in name)


def test_core_statements_on_tables_through_the_session_stay_in_tenant(kit: Kit) -> None:
    table = Child.__table__
    before = db_rows(Child)
    with tenant_context(kit.a):
        names = set(db.session.scalars(select(table.c.name)))
        assert names == {name for _p, name in CHILDREN["a"].values()}
        assert db.session.execute(table.update().values(name="x")).rowcount == len(CHILDREN["a"])
        db.session.rollback()
        assert db.session.execute(table.delete()).rowcount == len(CHILDREN["a"])
        db.session.commit()
    assert db_rows(Child) == {r for r in before if r[0] == kit.b}
