"""The cross-tenant sweep (issue #2, point 9), over every route of core and the bundled
plugins. The engine is ``core.testing.sweep.Sweep`` (the same a plugin author runs over their
own routes); this module says how to seed every tenant table the routes take ids of, and
which rules need an exception (with the reason).

Every URL rule under ``/t/<tenant>`` is requested as a logged-in user of tenant A with tenant
B's slug, and with B's ids, and every answer must be 404; see core/testing/sweep.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from core.db import db
from core.people.models import Person
from core.places.models import Place, PlaceKind
from core.testing.sweep import Sweep
from core.workdays.models import CalendarOverride, DayKind
from plugins.notices.models import Notice

from conftest import TenantFixture
from legal_aid_support import seed_legal_aid_records
from mediation_support import seed_mediation_records

# rule -> why it cannot be swept. Starts empty; adding to it needs a reason a reviewer accepts.
UNSWEEPABLE: dict[str, str] = {
    "/t/<tenant>/subordinates/<int:child_id>":
        "child_id is the id of a subordinate tenant (the platform table tenants), not a row "
        "of a tenant table, and tenant A has no subordinates here; tests/test_tenant_rollup.py "
        "checks that another tenant's, a sibling's, the parent's and unknown ids answer 404",
}

# rule -> {argument: value} for a text argument that picks what to do AFTER the shared,
# scoped lookup of the rule's ids; one real value probes that lookup. Needs a reason.
SAMPLED_ARGS: dict[str, dict[str, str]] = {
    # Every legal aid case step posts here; run_action looks the case up (404 for a foreign
    # or out-of-scope id) before it reads the step's name (plugins/legal_aid/views/actions.py).
    "/t/<tenant>/legal_aid/cases/<int:case_id>/<action>": {"action": "note"},
}

# Rules x methods x B ids today come to well over this; fewer means the sweep went blind.
MIN_SWEPT_REQUESTS = 20


def seed(title: str) -> None:
    """Give the current tenant a row in the tenant tables routes take ids of (notices, people,
    calendar overrides, places, every kind of mediation and legal aid record)."""
    db.session.add(Notice(title=title, body=f"{title}的正文"))
    db.session.add(Person(name=f"{title}当事人", phone="13812345678"))
    # seed runs again before each write probe: one day per override (unique per tenant).
    last = db.session.scalar(select(func.max(CalendarOverride.day)))
    db.session.add(CalendarOverride(day=(last or date(2026, 3, 9)) + timedelta(days=1),
                                    kind=DayKind.HOLIDAY))
    # (kind, town, name) is unique per tenant: one more village each time.
    count = db.session.scalar(select(func.count()).select_from(Place))
    db.session.add(Place(kind=PlaceKind.VILLAGE, name=f"{title}村{count}", town="城关镇"))
    seed_mediation_records(title)
    seed_legal_aid_records(title)


@pytest.fixture
def sweep(rls_app: Flask) -> Sweep:
    """On PostgreSQL through ``rls_app``: the application's own role, under row-level
    security, so the sweep also proves every page works behind that second wall."""
    return Sweep(rls_app, seed=seed, unsweepable=UNSWEEPABLE, sampled_args=SAMPLED_ARGS,
                 min_requests=MIN_SWEPT_REQUESTS)


@pytest.fixture
def two_tenants(sweep: Sweep, tenant_a: TenantFixture, tenant_b: TenantFixture):
    sweep.prepare(tenant_a, tenant_b)
    return tenant_a, tenant_b


def test_unsweepable_lists_only_existing_rules_with_reasons(sweep: Sweep) -> None:
    sweep.check_lists()


def test_every_tenant_route_is_swept(sweep: Sweep) -> None:
    """The sweep reads the whole URL map: core's, the tenants module's and every plugin's."""
    prefixes = {rule.rule.split("/")[3] for rule in sweep.rules() if rule.rule.count("/") > 2}
    assert {"mediation", "legal_aid", "notices", "people", "admin"} <= prefixes


def test_logged_in_user_of_a_gets_404_for_everything_of_b(sweep: Sweep, two_tenants) -> None:
    a, b = two_tenants
    assert sweep.assert_no_cross_tenant_access(a, b) >= MIN_SWEPT_REQUESTS


def test_sanity_same_requests_in_a_own_tenant_do_not_404(sweep: Sweep, two_tenants) -> None:
    """Without this the sweep could pass because every URL 404s for everyone."""
    a, b = two_tenants
    assert sweep.assert_own_tenant_reaches_routes(a, b) > 0


def test_anonymous_requests_to_b_go_to_b_login_and_show_no_data(sweep: Sweep,
                                                                two_tenants) -> None:
    _a, b = two_tenants
    assert sweep.assert_anonymous_sent_to_login(b) >= MIN_SWEPT_REQUESTS // 2


# --- the engine's own verdicts ----------------------------------------------------------


def test_likely_first_puts_tables_b_lacks_first_then_the_rules_own_table(app: Flask) -> None:
    from core.testing.sweep import likely_first

    rule = next(r for r in app.url_map.iter_rules()
                if r.rule == "/t/<tenant>/legal_aid/cases/<int:case_id>")
    ids = {"notices_notice": 1, "legal_aid_cases": 2, "legal_aid_materials": 3,
           "mediation_cases": 4, "people": 5}
    order = likely_first(rule, ids, b_tables=set(ids) - {"people"})
    assert order[0] == "people"  # B lacks it: always probed
    assert order[1] == "legal_aid_cases"  # shares legal, aid, case with the rule
    assert set(order) == set(ids)


def _notices_sweep(app: Flask, seed) -> Sweep:
    return Sweep(app, seed=seed, prefixes=("/t/<tenant>/notices",))


def test_sanity_pass_fails_when_b_lacks_a_row_the_routes_take(app: Flask, tenant_a,
                                                               tenant_b) -> None:
    """The early stop must not hide a table B has no row in: the pass names it."""
    def seed_a_only(title: str) -> None:
        if title != Sweep.secret:
            db.session.add(Notice(title=title, body="正文"))

    sweep = _notices_sweep(app, seed_a_only)
    sweep.prepare(tenant_a, tenant_b)
    with pytest.raises(AssertionError, match="takes ids of {'notices_notice'}"):
        sweep.assert_own_tenant_reaches_routes(tenant_a, tenant_b)


def test_sanity_pass_passes_when_both_have_the_rows(app: Flask, tenant_a, tenant_b) -> None:
    def seed_both(title: str) -> None:
        db.session.add(Notice(title=title, body="正文"))

    sweep = _notices_sweep(app, seed_both)
    sweep.prepare(tenant_a, tenant_b)
    assert sweep.assert_own_tenant_reaches_routes(tenant_a, tenant_b) > 0
