"""``fatong seed-scale``: synthetic counties that work like real ones (issue #8, point 3).

A scratch database of its own (PostgreSQL in the PostgreSQL run, as production connects:
the application as a role under row-level security, the copies as the owner) is seeded with
four counties at 1% of the yearly volume; then every copy must be a whole, working county.
The full-size timing (3,000 counties in under 20 minutes) is a benchmark: docs/scaling.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from core import migrate
from core.audit.models import AuditEvent
from core.db import db
from core.orgunits.models import OrgUnit
from core.people import api as people
from core.people.idcard import validate_resident_id
from core.people.models import Person
from core.regions import counties
from core.sdk import Tenant, tenant_context
from core.testing.apps import make_app
from core.testing.databases import application_role_url, scratch_database
from plugins.mediation.models import Case
from tenants.seeding import counties_for
from tenants.seeding.copying import NOT_COPIED

from conftest import PASSWORD

TENANTS = 4


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory,
           fatong_plugin_sources: list | None) -> Iterator[tuple[Flask, Any]]:
    config: dict[str, Any] = {}
    if fatong_plugin_sources is not None:
        config["PLUGIN_SOURCES"] = fatong_plugin_sources
    with scratch_database(Path(tmp_path_factory.mktemp("seed")), "fatong_seed") as url:
        if url.startswith("postgresql"):
            application = make_app(application_role_url(url), MIGRATION_DATABASE_URL=url,
                                   **config)
        else:
            application = make_app(url, **config)
        with application.app_context():
            migrate.upgrade()
            indexes_before = _index_definitions()
        result = application.test_cli_runner().invoke(args=[
            "seed-scale", "--tenants", str(TENANTS), "--volume", "0.01",
            "--password", PASSWORD])
        with application.app_context():
            assert _index_definitions() == indexes_before, "the schema's indexes changed"
        yield application, result
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
            migrate.owner_engine().dispose()


def _index_definitions() -> list[str]:
    with migrate.owner_engine().connect() as connection:
        if connection.dialect.name == "postgresql":
            query = ("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                     "ORDER BY indexname")
        else:
            query = "SELECT sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        return [row[0] for row in connection.exec_driver_sql(query)]


def _tenants(app: Flask) -> list[Tenant]:
    with app.app_context():
        return list(db.session.scalars(select(Tenant).order_by(Tenant.created_at, Tenant.id)))


def test_the_command_reports_what_it_made(seeded: tuple[Flask, Any]) -> None:
    _app, result = seeded
    assert result.exit_code == 0, result.output
    assert "building the template county" in result.output
    assert f"copying it to {TENANTS - 1} more counties" in result.output
    assert re.search(rf"seeded {TENANTS} counties, [\d,]+ rows", result.output)


def test_counties_come_from_the_region_registry(seeded: tuple[Flask, Any]) -> None:
    app, _result = seeded
    expected = counties_for(TENANTS)
    seeded_tenants = {t.slug: t for t in _tenants(app)}
    assert set(seeded_tenants) == {county.slug for county in expected}
    for county in expected:
        tenant = seeded_tenants[county.slug]
        assert (tenant.name, tenant.region_code) == (county.name, county.region_code)
        assert tenant.status == "active"


def test_every_copy_has_the_template_rows(seeded: tuple[Flask, Any]) -> None:
    app, _result = seeded
    template, *copies = _tenants(app)
    with app.app_context():
        owner = migrate.owner_engine()
        tables = [t.name for t in db.metadata.sorted_tables
                  if "tenant_id" in t.c and t.name not in NOT_COPIED
                  and t.name in db.inspect(owner).get_table_names()]
        with owner.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL app.migrating = 'on'")
            counts = {table: dict(connection.execute(text(
                f'SELECT tenant_id, count(*) FROM "{table}" GROUP BY tenant_id')).all())
                for table in tables}
    assert counts["mediation_case"][template.id] >= 25
    assert counts["legal_aid_case"][template.id] >= 2
    for table, by_tenant in counts.items():
        for copy in copies:
            assert by_tenant.get(copy.id, 0) == by_tenant.get(template.id, 0), (table, copy.slug)
    with app.app_context():
        # The copies carry no audit history; the seeding is one platform event.
        with db.engine.connect() as connection:
            events = connection.execute(text(
                "SELECT count(*) FROM platform_audit_events WHERE event = 'platform.seed_scale'"
            )).scalar_one()
        assert events == 1
        for copy in copies:
            with tenant_context(copy):
                assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_copy_is_a_working_county(seeded: tuple[Flask, Any]) -> None:
    app, _result = seeded
    template, *_middle, last = _tenants(app)
    with app.app_context(), tenant_context(last):
        cases = db.session.scalar(select(func.count()).select_from(Case))
        bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
        assert bureau.name == last.name
        # Every resident decrypts under this county's key, numbers registered here.
        residents = list(db.session.scalars(select(Person)))
        numbers = [p.id_number.reveal() for p in residents if p.id_number]
        assert numbers and sum(n.startswith(last.region_code) for n in numbers) > len(numbers) / 2
        # Re-registered numbers carry a right check character (computed from precomputed
        # partial sums, so checked here against the validator).
        for number in numbers:
            if number.startswith(last.region_code) and len(number) == 18:
                assert validate_resident_id(number).number == number
        found = people.find_by_id_number("resident_id", numbers[0])
        assert found is not None and found.id_number.reveal() == numbers[0]
        assert all(p.phone.reveal() for p in residents if p.phone_ciphertext)
        case_id, number = db.session.execute(
            select(Case.id, Case.number).where(Case.number.is_not(None))
            .order_by(Case.accepted_on.desc())).first()
        case_ids = set(db.session.scalars(select(Case.id)))
    client = app.test_client()
    response = client.post(f"/t/{last.slug}/login",
                           data={"username": "tiaojieke", "password": PASSWORD})
    assert response.status_code == 302
    listing = client.get(f"/t/{last.slug}/mediation/cases/")
    assert listing.status_code == 200
    listed = {int(i) for i in re.findall(rf"/t/{last.slug}/mediation/cases/(\d+)",
                                         listing.get_data(as_text=True))}
    assert listed and listed <= case_ids and cases >= len(listed)
    detail = client.get(f"/t/{last.slug}/mediation/cases/{case_id}")
    assert detail.status_code == 200
    page = detail.get_data(as_text=True)
    assert number in page
    assert re.search(rf"{last.region_code}\*+\w{{4}}", page)
    # The same id exists in the template county: it stays out of reach of this session.
    assert client.get(f"/t/{template.slug}/mediation/cases/{case_id}").status_code == 404
    assert client.get(f"/t/{last.slug}/legal_aid/cases/").status_code in (200, 403)


def test_a_database_with_tenants_is_refused(seeded: tuple[Flask, Any]) -> None:
    app, _result = seeded
    before = len(_tenants(app))
    again = app.test_cli_runner().invoke(args=["seed-scale", "--tenants", "2",
                                               "--password", PASSWORD])
    assert again.exit_code != 0
    assert "already has tenants" in again.output
    assert len(_tenants(app)) == before


def test_counties_for_spreads_over_the_registry_and_beyond() -> None:
    registry = counties()
    assert len(counties_for(None)) == len(registry) == 2846
    ten = counties_for(10)
    assert len({county.region_code[:2] for county in ten}) >= 8  # provinces, not one corner
    beyond = counties_for(len(registry) + 3)
    assert len({county.slug for county in beyond}) == len(beyond)
    assert beyond[-1].slug == f"c{registry[2].code}-2"
    assert beyond[-1].name.endswith("（2）")
    with pytest.raises(ValueError):
        counties_for(0)
