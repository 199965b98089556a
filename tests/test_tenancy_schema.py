"""The tenancy schema rules: the real metadata obeys them, and each rule catches its breach."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

from core.db import db
from core.tenancy.rules import plugin_table_owners, schema_violations

RULE = re.compile(r"\[([a-z-]+)\]")


def rules_of(violations: list[str]) -> set[str]:
    return {RULE.search(v).group(1) for v in violations}


# --- the application's own schema --------------------------------------------------------


def test_full_metadata_has_no_violations(app: Flask) -> None:
    with app.app_context():
        owners = plugin_table_owners(app.extensions["fatong.plugins"])
        tables = set(db.metadata.tables)
        violations = schema_violations(db.metadata, owners)
    # Every plugin's models were imported, so the check really covered them.
    assert {"tenants", "users", "tenant_plugins", "notices_notice"} <= tables
    assert violations == []


def test_plugin_tables_are_owned_and_core_tables_are_not(app: Flask) -> None:
    with app.app_context():
        owners = plugin_table_owners(app.extensions["fatong.plugins"])
    assert owners["notices_notice"] == "notices"
    for core_table in ("tenants", "users", "tenant_plugins"):
        assert core_table not in owners


# --- each rule on a throwaway MetaData -----------------------------------------------------


def platform_tenants(md: MetaData) -> Table:
    return Table("tenants", md, Column("id", BigInteger, primary_key=True, autoincrement=False))


def tenant_id(**kw: object) -> Column:
    return Column("tenant_id", BigInteger, ForeignKey("tenants.id"), primary_key=True, **kw)


def app_id(**kw: object) -> Column:
    return Column("id", BigInteger, primary_key=True, autoincrement=False, **kw)


def good_parent(md: MetaData) -> Table:
    return Table("kit_parent", md, tenant_id(), app_id(), Column("number", String(20)),
                 UniqueConstraint("tenant_id", "number"))


def good_schema(md: MetaData) -> None:
    """A compliant schema: the baseline every broken case departs from by one change."""
    good_parent(md)
    Table("kit_child", md, tenant_id(), app_id(), Column("parent_id", BigInteger),
          Column("code", String(10)),
          ForeignKeyConstraint(["tenant_id", "parent_id"],
                               ["kit_parent.tenant_id", "kit_parent.id"]),
          Index("ix_kit_child_code", "tenant_id", "code", unique=True))
    # A platform table may point at platform tables; a tenant table may point at platform.
    Table("kit_region", md, Column("code", String(6), primary_key=True),
          Column("parent_tenant", BigInteger, ForeignKey("tenants.id")))


def test_baseline_schema_is_compliant() -> None:
    md = MetaData()
    platform_tenants(md)
    good_schema(md)
    assert schema_violations(md) == []
    assert schema_violations(md, {"kit_parent": "kit", "kit_child": "kit"}) == []


def case_tenant_id_integer(md: MetaData) -> None:
    Table("kit_bad", md, Column("tenant_id", Integer, ForeignKey("tenants.id"), primary_key=True),
          app_id())


def case_tenant_id_nullable(md: MetaData) -> None:
    Table("kit_bad", md, tenant_id(), app_id())
    # A PK column cannot be nullable in SQLAlchemy; force it to model a hand-written table.
    md.tables["kit_bad"].c.tenant_id.nullable = True


def case_tenant_id_second(md: MetaData) -> None:
    Table("kit_bad", md, tenant_id(), app_id(), PrimaryKeyConstraint("id", "tenant_id"))


def case_tenant_id_outside_pk(md: MetaData) -> None:
    Table("kit_bad", md, Column("tenant_id", BigInteger, ForeignKey("tenants.id"),
                                nullable=False), app_id())


def case_pk_three_columns(md: MetaData) -> None:
    Table("kit_bad", md, tenant_id(), app_id(),
          Column("revision", Integer, primary_key=True, autoincrement=False))


def case_pk_without_id(md: MetaData) -> None:
    Table("kit_bad", md, tenant_id(), Column("code", String(10), primary_key=True))


def case_id_integer(md: MetaData) -> None:
    Table("kit_bad", md, tenant_id(), Column("id", Integer, primary_key=True,
                                             autoincrement=False))


def case_id_autoincrement(md: MetaData) -> None:
    Table("kit_bad", md, tenant_id(), Column("id", BigInteger, primary_key=True,
                                             autoincrement=True))


def case_id_identity(md: MetaData) -> None:
    Table("kit_bad", md, tenant_id(), Column("id", BigInteger, Identity(), primary_key=True))


def case_unique_constraint(md: MetaData) -> None:
    Table("kit_bad", md, tenant_id(), app_id(), Column("number", String(20)),
          UniqueConstraint("number"))


def case_unique_column(md: MetaData) -> None:
    Table("kit_bad", md, tenant_id(), app_id(), Column("number", String(20), unique=True))


def case_unique_index(md: MetaData) -> None:
    Table("kit_bad", md, tenant_id(), app_id(), Column("number", String(20)),
          Index("ix_kit_bad_number", "number", unique=True))


def case_fk_single_column(md: MetaData) -> None:
    good_parent(md)
    Table("kit_bad", md, tenant_id(), app_id(),
          Column("parent_id", BigInteger, ForeignKey("kit_parent.id")))


def case_fk_tenant_id_second(md: MetaData) -> None:
    good_parent(md)
    Table("kit_bad", md, tenant_id(), app_id(), Column("parent_id", BigInteger),
          ForeignKeyConstraint(["parent_id", "tenant_id"],
                               ["kit_parent.id", "kit_parent.tenant_id"]))


def case_fk_tenant_id_crossed(md: MetaData) -> None:
    # tenant_id first on the source side but matched with the parent's id: not co-located.
    good_parent(md)
    Table("kit_bad", md, tenant_id(), app_id(), Column("parent_id", BigInteger),
          ForeignKeyConstraint(["tenant_id", "parent_id"],
                               ["kit_parent.id", "kit_parent.tenant_id"]))


def case_platform_to_tenant(md: MetaData) -> None:
    good_parent(md)
    Table("kit_bad", md, Column("code", String(10), primary_key=True),
          Column("parent_tenant_id", BigInteger), Column("parent_id", BigInteger),
          ForeignKeyConstraint(["parent_tenant_id", "parent_id"],
                               ["kit_parent.tenant_id", "kit_parent.id"]))


def case_tenant_id_without_fk(md: MetaData) -> None:
    Table("kit_bad", md, Column("tenant_id", BigInteger, primary_key=True), app_id())


def case_tenant_id_fk_elsewhere(md: MetaData) -> None:
    Table("kit_region", md, Column("id", BigInteger, primary_key=True, autoincrement=False))
    Table("kit_bad", md, Column("tenant_id", BigInteger, ForeignKey("kit_region.id"),
                                primary_key=True), app_id())


def case_tenant_id_fk_extra(md: MetaData) -> None:
    Table("kit_region", md, Column("id", BigInteger, primary_key=True, autoincrement=False))
    Table("kit_bad", md, tenant_id(), app_id(),
          ForeignKeyConstraint(["tenant_id"], ["kit_region.id"]))


def case_fk_set_null(md: MetaData) -> None:
    good_parent(md)
    Table("kit_bad", md, tenant_id(), app_id(), Column("parent_id", BigInteger),
          ForeignKeyConstraint(["tenant_id", "parent_id"],
                               ["kit_parent.tenant_id", "kit_parent.id"], ondelete="SET NULL"))


def case_fk_update_cascade(md: MetaData) -> None:
    good_parent(md)
    Table("kit_bad", md, tenant_id(), app_id(), Column("parent_id", BigInteger),
          ForeignKeyConstraint(["tenant_id", "parent_id"],
                               ["kit_parent.tenant_id", "kit_parent.id"], onupdate="CASCADE"))


@pytest.mark.parametrize(("build", "rule"), [
    (case_tenant_id_integer, "tenant-id-type"),
    (case_tenant_id_nullable, "tenant-id-type"),
    (case_tenant_id_second, "pk-tenant-first"),
    (case_tenant_id_outside_pk, "pk-tenant-first"),
    (case_pk_three_columns, "pk-shape"),
    (case_pk_without_id, "pk-shape"),
    (case_id_integer, "id-type"),
    (case_id_autoincrement, "id-autoincrement"),
    (case_id_identity, "id-autoincrement"),
    (case_unique_constraint, "unique-tenant"),
    (case_unique_column, "unique-tenant"),
    (case_unique_index, "unique-tenant"),
    (case_fk_single_column, "fk-composite"),
    (case_fk_tenant_id_second, "fk-composite"),
    (case_fk_tenant_id_crossed, "fk-composite"),
    (case_fk_set_null, "fk-tenant-actions"),
    (case_fk_update_cascade, "fk-tenant-actions"),
    (case_platform_to_tenant, "fk-platform-to-tenant"),
    (case_tenant_id_without_fk, "tenant-fk"),
    (case_tenant_id_fk_elsewhere, "tenant-fk"),
    (case_tenant_id_fk_extra, "tenant-fk"),
], ids=lambda value: value.__name__.removeprefix("case_") if callable(value) else None)
def test_each_rule_catches_its_breach(build: Callable[[MetaData], None], rule: str) -> None:
    md = MetaData()
    platform_tenants(md)
    build(md)
    violations = schema_violations(md)
    assert rules_of(violations) == {rule}, violations
    assert all(v.startswith("kit_bad: ") and " Fix: " in v for v in violations), violations


def test_table_prefix_of_a_plugins_tables() -> None:
    md = MetaData()
    platform_tenants(md)
    good_schema(md)
    violations = schema_violations(md, {"kit_parent": "mediation", "kit_child": "kit"})
    assert violations == [
        "kit_parent: belongs to plugin 'mediation' but is not named mediation_… "
        "[table-prefix] Fix: rename it to \"mediation_kit_parent\" (and migrate)."
    ]


def test_a_tenant_table_mapped_without_tenant_model() -> None:
    md = MetaData()
    platform_tenants(md)
    table = Table("testkit_rogue", md, tenant_id(), app_id())

    # Mapped in the application's registry, but not a TenantModel: its queries go unscoped.
    class TestkitRogue(db.Model):
        __table__ = table

    violations = schema_violations(md)
    assert rules_of(violations) == {"model-base"}, violations
    assert "TestkitRogue" in violations[0]


def test_an_unmapped_tenant_table_in_the_app_metadata() -> None:
    table = Table("testkit_unmapped", db.metadata, tenant_id(), app_id())
    try:
        violations = [v for v in schema_violations(db.metadata)
                      if v.startswith("testkit_unmapped:")]
    finally:
        db.metadata.remove(table)
    assert rules_of(violations) == {"model-base"}, violations
