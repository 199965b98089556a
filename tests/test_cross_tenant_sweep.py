"""The cross-tenant sweep (issue #2, point 9).

Every URL rule under ``/t/<tenant>`` is requested as a logged-in user of tenant A

- with tenant B's slug (GET, and every other method the rule allows, with an empty form), and
- where the rule takes ids, with A's slug but B's object ids (every B row id we know of),

a ``<plugin>`` argument (module and settings pages) being filled with each toggleable plugin's
name and a ``<key>`` argument (print-ready documents) with each registered document key: plugin
names and document keys are no tenant's secret, the tenant check is what is swept there,

and every answer must be 404: never 200, never a redirect into B, never 500. Rules are read
from the URL map, so a new route joins the sweep by existing. A rule whose arguments this
test cannot fill makes it fail, unless it is listed in ``UNSWEEPABLE`` with a reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter, Rule, UnicodeConverter

from core.db import db
from core.documents.registry import document_registry
from core.people.models import Person
from core.places.models import Place, PlaceKind
from core.sdk import enable_plugin, plugin_manager, tenant_context
from core.tenancy.models import Tenant
from core.workdays.models import CalendarOverride, DayKind
from plugins.notices.models import Notice

from conftest import TenantFixture, login
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

TENANT_ARG = "tenant"
PLUGIN_ARG = "plugin"  # a plugin's name (module and settings pages), not a tenant's object
DOCUMENT_ARG = "key"  # a document key (/documents/<key>/<id>), not a tenant's object
NAMED_ARGS = {PLUGIN_ARG, DOCUMENT_ARG}
TENANT_PREFIX = f"/t/<{TENANT_ARG}>"
SWEPT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Rules x methods x B ids today come to well over this; fewer means the sweep went blind.
MIN_SWEPT_REQUESTS = 20
B_SECRET_TITLE = "苍溪县内部通知-不可外泄"
A_TITLE = "剑阁县通知"


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    rule: str


def tenant_rules(app: Flask) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(TENANT_PREFIX)]
    return sorted(rules, key=lambda rule: rule.rule)


def methods_of(rule: Rule) -> list[str]:
    return [method for method in SWEPT_METHODS if method in (rule.methods or ())]


def id_arguments(rule: Rule) -> list[str]:
    """Arguments other than the tenant; each must be an int id or the rule is unsweepable."""
    arguments = []
    sampled = set(SAMPLED_ARGS.get(rule.rule, {}))
    for name in (NAMED_ARGS | sampled) & rule.arguments:
        assert isinstance(rule._converters[name], UnicodeConverter), rule.rule
    for name in sorted(rule.arguments - {TENANT_ARG, *NAMED_ARGS, *sampled}):
        converter = rule._converters[name]
        if not isinstance(converter, IntegerConverter):
            raise AssertionError(
                f"{rule.rule}: cannot fill argument {name!r} ({type(converter).__name__}); "
                "teach the sweep to fill it, or list the rule in UNSWEEPABLE with a reason"
            )
        arguments.append(name)
    assert isinstance(rule._converters[TENANT_ARG], UnicodeConverter), rule.rule
    return arguments


def plugin_values(app: Flask, rule: Rule) -> list[dict[str, str]]:
    """[{plugin: name}] for each toggleable plugin when the rule takes one, [{key: k}] for
    each registered document key when it takes that, else [{}].

    No document key (no loaded plugin offers a document) gives [] and the rule nothing to
    sweep: tests/test_documents.py sweeps it with a throwaway plugin's documents.
    """
    values: list[dict[str, str]] = [{}]
    if PLUGIN_ARG in rule.arguments:
        with app.app_context():
            names = sorted(record.name for record in plugin_manager().toggleable())
        assert names, f"{rule.rule}: no toggleable plugin to fill {PLUGIN_ARG!r} with"
        values = [{PLUGIN_ARG: name} for name in names]
    if DOCUMENT_ARG in rule.arguments:
        with app.app_context():
            keys = sorted(document_registry().documents)
        values = [{**value, DOCUMENT_ARG: key} for value in values for key in keys]
    sampled = SAMPLED_ARGS.get(rule.rule)
    if sampled:
        values = [{**value, **sampled} for value in values]
    return values


def restore_plugins(app: Flask, tenant: TenantFixture) -> None:
    """Switch every toggleable plugin back on: a swept disable must not blind later rules."""
    with app.app_context():
        row = db.session.get(Tenant, tenant.id)
        for record in plugin_manager().toggleable():
            enable_plugin(row, record.name, actor="test")
        db.session.commit()


def build(rule: Rule, values: dict[str, object]) -> str:
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule} from {values}"
    return built[1]


def tenant_tables() -> list:
    """Every tenant-owned table (tests' own ``testkit_`` tables aside)."""
    return [table for table in db.metadata.sorted_tables
            if "tenant_id" in table.c and not table.name.startswith("testkit_")]


def row_ids(app: Flask, tenant: TenantFixture) -> dict[str, int]:
    """One row id per tenant-owned table that holds a row of this tenant.

    Read with a plain connection (no ORM session, so no tenant scoping): this is the test
    looking at the database from outside, as an attacker guessing ids would.
    """
    found: dict[str, int] = {}
    with app.app_context(), db.engine.connect() as connection:
        for table in tenant_tables():
            row_id = connection.scalar(
                select(table.c.id).where(table.c.tenant_id == tenant.id)
                .order_by(table.c.id.desc()).limit(1)
            )
            if row_id is not None:
                found[table.name] = row_id
    return found


def seed(app: Flask, tenant: TenantFixture, title: str) -> None:
    """Give the tenant a row in the tenant tables routes take ids of (notices, people,
    calendar overrides, places, every kind of mediation and legal aid record)."""
    with app.app_context(), tenant_context(tenant.id):
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
        db.session.commit()


def id_combinations(arguments: list[str], ids: dict[str, int]) -> Iterator[dict[str, int]]:
    """Every assignment of known ids to the rule's id arguments."""
    for combo in itertools.product(sorted(ids.values()), repeat=len(arguments)):
        yield dict(zip(arguments, combo, strict=True))


def probes(app: Flask, slug: str, ids: dict[str, int]) -> Iterator[tuple[Rule, list[Probe]]]:
    """Per rule, the requests to make for ``slug`` with the given ids."""
    for rule in tenant_rules(app):
        if rule.rule in UNSWEEPABLE:
            continue
        arguments = id_arguments(rule)
        combos = list(id_combinations(arguments, ids)) if arguments else [{}]
        assert combos, f"{rule.rule}: no ids to fill {arguments} with"
        yield rule, [Probe(method, build(rule, {TENANT_ARG: slug, **combo, **named}), rule.rule)
                     for combo in combos for named in plugin_values(app, rule)
                     for method in methods_of(rule)]


@pytest.fixture
def two_tenants(app: Flask, tenant_a: TenantFixture, tenant_b: TenantFixture):
    seed(app, tenant_a, A_TITLE)
    seed(app, tenant_b, B_SECRET_TITLE)
    login(app.test_client(), tenant_b)  # B holds a user_sessions row too (在线用户 takes its ids)
    return tenant_a, tenant_b


def assert_404_without_b(response, probe: Probe, b: TenantFixture) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 404, (
        f"{probe.method} {probe.url} ({probe.rule}) answered {response.status_code} "
        f"{response.headers.get('Location', '')}"
    )
    assert B_SECRET_TITLE not in body and b.tenant.name not in body, probe


def test_unsweepable_lists_only_existing_rules_with_reasons(app: Flask) -> None:
    rules = {rule.rule for rule in tenant_rules(app)}
    for rule, reason in UNSWEEPABLE.items():
        assert rule in rules, f"UNSWEEPABLE names {rule}, which no longer exists"
        assert reason.strip(), f"UNSWEEPABLE[{rule!r}] needs a reason"
    for rule in SAMPLED_ARGS:
        assert rule in rules, f"SAMPLED_ARGS names {rule}, which no longer exists"


def test_logged_in_user_of_a_gets_404_for_everything_of_b(app, two_tenants) -> None:
    a, b = two_tenants
    a_ids, b_ids = row_ids(app, a), row_ids(app, b)
    client = app.test_client()
    login(client, a)

    requested = 0
    for rule, batch in probes(app, b.slug, b_ids):
        for probe in batch:
            assert_404_without_b(client.open(probe.url, method=probe.method), probe, b)
            requested += 1
        if not id_arguments(rule):
            continue
        # A's own slug, B's ids: the object lookup must miss, not leak or forbid.
        for probe in next(batch for r, batch in probes(app, a.slug, b_ids) if r is rule):
            assert_404_without_b(client.open(probe.url, method=probe.method), probe, b)
            requested += 1
        # And B's slug with A's ids: still B's tenant, still 404.
        for probe in next(batch for r, batch in probes(app, b.slug, a_ids) if r is rule):
            assert_404_without_b(client.open(probe.url, method=probe.method), probe, b)
            requested += 1

    assert requested >= MIN_SWEPT_REQUESTS, f"only {requested} requests: the sweep went blind"
    # Nothing of B was changed by the POSTs either.
    assert row_ids(app, b) == b_ids
    # The session survived (it was A's all along): A's workbench still answers.
    assert client.get(f"/t/{a.slug}/").status_code == 200


def test_sanity_same_requests_in_a_own_tenant_do_not_404(app, two_tenants) -> None:
    """Without this the sweep could pass because every URL 404s for everyone."""
    a, b = two_tenants
    b_tables = set(row_ids(app, b))
    client = app.test_client()
    login(client, a)

    checked = idle = 0
    for rule, _batch in probes(app, a.slug, row_ids(app, a)):
        if not plugin_values(app, rule):  # the documents route, no document registered
            idle += 1
            continue
        arguments = id_arguments(rule)
        for method in methods_of(rule):
            if method == "GET":
                # Reads change nothing: one client, A's ids, at least one table's id must hit.
                accepted = accepted_tables(app, client, rule, method, a, arguments)
            else:
                accepted = accepted_tables(app, None, rule, method, a, arguments)
            assert accepted, f"{method} {rule.rule} 404s even for tenant A's own ids"
            # The sweep proved something only if B holds a row in each table the route reads.
            missing = {table for table in accepted if table} - b_tables
            assert not missing, f"{rule.rule} takes ids of {missing}; give tenant B a row there"
            checked += 1
    assert checked >= len(tenant_rules(app)) - len(UNSWEEPABLE) - idle


def accepted_tables(app: Flask, client: FlaskClient | None, rule: Rule, method: str,
                    a: TenantFixture, arguments: list[str]) -> set[str]:
    """The tables whose A-row id the rule accepts ('' for a rule without ids).

    Writes (``client`` None) get fresh rows first (unless the previous write answered 404 and
    so changed nothing) and a fresh login whenever the previous write logged the client out:
    a POST may log out or delete the very row the next request needs. (Logging in costs an
    argon2 verification, so not before every write.)
    """
    accepted: set[str] = set()
    writer: FlaskClient | None = None
    changed = True  # a write that answered 404 changed nothing: no need to seed again
    ids = row_ids(app, a)
    for table in sorted(ids) if arguments else [""]:
        if client is None:
            if changed:
                seed(app, a, A_TITLE)
            # Only a write that answered (not 404) can have logged the client out; the
            # account page is the cheapest logged-in page (the workbench runs every hook).
            if writer is None or (changed and writer.get(
                    f"/t/{a.slug}/account").status_code != 200):
                writer = app.test_client()
                login(writer, a)
            this_client = writer
        else:
            this_client = client
        if changed:  # rows are read again only when something may have changed them
            ids = row_ids(app, a)
        changed = False
        for named in plugin_values(app, rule):
            values = {TENANT_ARG: a.slug, **{name: ids[table] for name in arguments}, **named}
            response = this_client.open(build(rule, values), method=method)
            assert response.status_code < 500, (method, rule.rule, response.status_code)
            if response.status_code != 404:
                accepted.add(table)
                changed = True
            if client is None and named:
                restore_plugins(app, a)
    return accepted


def test_anonymous_requests_to_b_go_to_b_login_and_show_no_data(app, two_tenants) -> None:
    _a, b = two_tenants
    client = app.test_client()
    login_path = f"/t/{b.slug}/login"
    requested = 0
    for _rule, batch in probes(app, b.slug, row_ids(app, b)):
        for probe in batch:
            response = client.open(probe.url, method=probe.method)
            body = response.get_data(as_text=True)
            assert B_SECRET_TITLE not in body, probe
            requested += 1
            if probe.url.split("?")[0] == login_path:
                assert response.status_code == 200, probe  # the one public page
                continue
            assert response.status_code == 302, (probe, response.status_code)
            assert response.headers["Location"].startswith(login_path + "?next="), probe
    assert requested >= MIN_SWEPT_REQUESTS // 2
