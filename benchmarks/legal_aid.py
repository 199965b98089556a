"""Benchmark of a busy county on the legal aid line: the pages a centre opens all day, with
targets. ``make bench`` runs it after the mediation one; ``FATONG_BENCH_DATABASE_URL`` runs
it on a scratch PostgreSQL database instead. Exit status 1 when a target is missed.

The county: the demo's legal aid centre and pool, with ``BENCH_AID_CASES`` cases (default
3000) made from the demo's fifteen cases in every state, received over the last two years
(so the open ones carry many overdue deadlines), seen by the centre's director (the widest
scope). The deadlines centre and the workbench compute every open case's deadlines.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.mediation import PASSWORD, report

CASES = int(os.environ.get("BENCH_AID_CASES", "3000"))


def _build(app) -> str:
    from sqlalchemy import select

    from core import migrate
    from core.db import db
    from core.sdk import tenant_context
    from plugins.legal_aid import demo
    from plugins.legal_aid.demo_data import CASES as SPECS
    from plugins.legal_aid.demo_data import PROVIDERS
    from plugins.legal_aid.models import Provider
    from tenants.provisioning import TenantSpec, all_toggleable_plugins, create_tenant

    with app.app_context():
        migrate.upgrade()
        started = time.perf_counter()
        tenant = create_tenant(TenantSpec(slug="bench", name="剑阁县司法局", region_code="510823"),
                               admin_username="admin", admin_password=PASSWORD,
                               plugins=all_toggleable_plugins(), actor="bench")
        with tenant_context(tenant):
            demo.build()
            centre = demo._centre()
            accounts = demo._accounts(centre)
            by_name = {p.name: p for p in db.session.scalars(select(Provider))}
            providers = {spec["key"]: by_name[spec["name"]] for spec in PROVIDERS}
            persons = demo._people()
            now = demo.today()
            for index in range(max(CASES - len(SPECS), 0)):
                spec = dict(SPECS[index % len(SPECS)])
                spec["ago"] = spec["ago"] + (index * 7) % 700  # spread over two years
                demo._build_case(spec, persons[spec["person"]], centre, providers, now,
                                 accounts.get("shencha"))
                if index % 200 == 199:
                    db.session.flush()
            for user in accounts.values():
                user.set_password(PASSWORD)
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("ANALYZE")
        print(f"built the centre with {CASES} cases in {time.perf_counter() - started:.1f} s")
    return "bench"


def run(database_url: str) -> int:
    from sqlalchemy import select

    from core import create_app
    from core.db import db
    from core.sdk import tenant_context
    from plugins.legal_aid.models import AidCase

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    slug = _build(app)
    base = f"/t/{slug}"
    with app.app_context(), tenant_context(_tenant_id(app, slug)):
        case_id = db.session.scalar(select(AidCase.id).where(
            AidCase.status == "in_progress").limit(1))
    client = app.test_client()
    response = client.post(f"{base}/login", data={"username": "zhuren", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    year = time.localtime().tm_year
    pages = {
        "workbench": f"{base}/",
        "deadlines centre": f"{base}/deadlines/",
        "case list": f"{base}/legal_aid/cases/",
        "case list, overdue": f"{base}/legal_aid/cases/?overdue=1",
        "case search": f"{base}/legal_aid/cases/?q=张",
        "case page": f"{base}/legal_aid/cases/{case_id}",
        "consultations": f"{base}/legal_aid/consultations/",
        "provider pool": f"{base}/legal_aid/providers/",
        "quality (year)": f"{base}/legal_aid/quality/?kind=year&year={year}",
        "subsidies (year)": f"{base}/legal_aid/subsidies/?kind=year&year={year}",
        "statistics (year)": f"{base}/statistics/legal_aid/?kind=year&year={year}",
        "statistics XLSX (year)":
            f"{base}/statistics/legal_aid/export.xlsx?kind=year&year={year}",
    }
    return report(client, pages)


def _tenant_id(app, slug: str) -> int:
    from sqlalchemy import select

    from core.db import db
    from core.sdk import Tenant

    with app.app_context():
        return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def main() -> int:
    server = os.environ.get("FATONG_BENCH_DATABASE_URL")
    if server:
        os.environ["FATONG_TEST_POSTGRES_URL"] = server
    from core.testing.databases import scratch_database

    with tempfile.TemporaryDirectory() as folder, \
            scratch_database(Path(folder), "fatong_bench") as url:
        return run(url)


if __name__ == "__main__":
    sys.exit(main())
