"""The cross-tenant sweep, as functions a plugin author runs over their own routes.

Every URL rule under ``/t/<tenant>`` (or under the prefixes given) is requested as a
logged-in user of tenant A

- with tenant B's slug (GET, and every other method the rule allows, with an empty form), and
- where the rule takes ids, with A's slug but B's object ids (one id of B in every tenant
  table), and with B's slug but A's ids,

and every answer must be 404: never 200, never a redirect into B, never a 500; B's rows must
be unchanged afterwards. A sanity pass checks the same requests with A's own ids do NOT 404
(else the sweep proves nothing), and an anonymous pass that everything redirects to B's
login. Rules come from the URL map, so a new route joins the sweep by existing.

A ``<plugin>`` argument is filled with each toggleable plugin's name and a ``<key>`` argument
with each registered document key (no tenant's secret: the tenant check is what is swept). A
rule whose other arguments are not integer ids makes the sweep fail unless it is listed in
``unsweepable`` (with a reason) or ``sampled_args`` (a text argument read only after the
scoped lookup of the rule's ids, with one real value to probe it).

Usage in a plugin's tests (fixtures from ``core.testing``)::

    from core.testing.sweep import Sweep

    def seed(title):                    # runs in the tenant's context; commit is done for you
        db.session.add(Call(summary=title, ...))

    def test_no_cross_tenant_access(app, tenant_a, tenant_b):
        Sweep(app, seed=seed, prefixes=("/t/<tenant>/hotline",)).run(tenant_a, tenant_b)
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Table, select, text
from werkzeug.routing import IntegerConverter, Rule, UnicodeConverter

from core.db import db
from core.testing.tenants import TenantFixture, login

TENANT_ARG = "tenant"
PLUGIN_ARG = "plugin"  # a plugin's name (module and settings pages), not a tenant's object
DOCUMENT_ARG = "key"  # a document key (/documents/<key>/<id>), not a tenant's object
NAMED_ARGS = frozenset({PLUGIN_ARG, DOCUMENT_ARG})
TENANT_PREFIX = f"/t/<{TENANT_ARG}>"
SWEPT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
A_TITLE = "剑阁县通知"
B_SECRET_TITLE = "苍溪县内部通知-不可外泄"


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    rule: str


@dataclass
class Sweep:
    """One sweep configuration. ``seed(title)`` gives the current tenant a row in every table
    whose ids the swept routes take (it runs inside that tenant's context and is committed
    for it; it is called again before write probes, so keep it repeatable). ``prefixes``
    limits the sweep to rules starting with one of them; ``tables`` to tenant tables the
    predicate accepts (default: every tenant table but tests' ``testkit_`` ones)."""

    app: Flask
    seed: Callable[[str], None]
    prefixes: tuple[str, ...] = (TENANT_PREFIX,)
    unsweepable: dict[str, str] = field(default_factory=dict)
    sampled_args: dict[str, dict[str, str]] = field(default_factory=dict)
    tables: Callable[[Table], bool] = lambda table: not table.name.startswith("testkit_")
    min_requests: int = 1
    secret: str = B_SECRET_TITLE

    # --- rules ---------------------------------------------------------------------------

    def rules(self) -> list[Rule]:
        found = [rule for rule in self.app.url_map.iter_rules()
                 if rule.rule.startswith(TENANT_PREFIX)
                 and any(rule.rule.startswith(prefix) for prefix in self.prefixes)]
        assert found, f"no URL rule starts with {self.prefixes}: the sweep would see nothing"
        return sorted(found, key=lambda rule: rule.rule)

    def check_lists(self) -> None:
        """``unsweepable`` and ``sampled_args`` name only existing rules, with reasons."""
        rules = {rule.rule for rule in self.rules()}
        for rule, reason in self.unsweepable.items():
            assert rule in rules, f"unsweepable names {rule}, which no longer exists"
            assert reason.strip(), f"unsweepable[{rule!r}] needs a reason"
        for rule in self.sampled_args:
            assert rule in rules, f"sampled_args names {rule}, which no longer exists"

    def id_arguments(self, rule: Rule) -> list[str]:
        """Arguments other than the tenant; each must be an int id or the rule is unsweepable."""
        arguments = []
        sampled = set(self.sampled_args.get(rule.rule, {}))
        for name in (NAMED_ARGS | sampled) & rule.arguments:
            assert isinstance(rule._converters[name], UnicodeConverter), rule.rule
        for name in sorted(rule.arguments - {TENANT_ARG, *NAMED_ARGS, *sampled}):
            if not isinstance(rule._converters[name], IntegerConverter):
                raise AssertionError(
                    f"{rule.rule}: cannot fill argument {name!r} "
                    f"({type(rule._converters[name]).__name__}); make it an <int:…> id, or "
                    "list the rule in unsweepable / sampled_args with a reason")
            arguments.append(name)
        assert isinstance(rule._converters[TENANT_ARG], UnicodeConverter), rule.rule
        return arguments

    def named_values(self, rule: Rule) -> list[dict[str, str]]:
        """[{plugin: name}] per toggleable plugin, [{key: k}] per document key, else [{}]."""
        from core.documents.registry import document_registry
        from core.plugins.enablement import plugin_manager

        values: list[dict[str, str]] = [{}]
        if PLUGIN_ARG in rule.arguments:
            with self.app.app_context():
                names = sorted(record.name for record in plugin_manager().toggleable())
            assert names, f"{rule.rule}: no toggleable plugin to fill {PLUGIN_ARG!r} with"
            values = [{PLUGIN_ARG: name} for name in names]
        if DOCUMENT_ARG in rule.arguments:
            with self.app.app_context():
                keys = sorted(document_registry().documents)
            values = [{**value, DOCUMENT_ARG: key} for value in values for key in keys]
        sampled = self.sampled_args.get(rule.rule)
        if sampled:
            values = [{**value, **sampled} for value in values]
        return values

    @staticmethod
    def methods_of(rule: Rule) -> list[str]:
        return [method for method in SWEPT_METHODS if method in (rule.methods or ())]

    @staticmethod
    def build(rule: Rule, values: dict[str, object]) -> str:
        built = rule.build(values, append_unknown=False)
        assert built is not None, f"cannot build {rule.rule} from {values}"
        return built[1]

    def probes(self, slug: str, ids: dict[str, int]) -> Iterator[tuple[Rule, list[Probe]]]:
        """Per rule, the requests to make for ``slug`` with every combination of ``ids``."""
        for rule in self.rules():
            if rule.rule in self.unsweepable:
                continue
            arguments = self.id_arguments(rule)
            combos = ([dict(zip(arguments, combo, strict=True)) for combo in
                       itertools.product(sorted(ids.values()), repeat=len(arguments))]
                      if arguments else [{}])
            assert combos, f"{rule.rule}: no ids to fill {arguments} with"
            yield rule, [Probe(method, self.build(rule, {TENANT_ARG: slug, **combo, **named}),
                               rule.rule)
                         for combo in combos for named in self.named_values(rule)
                         for method in self.methods_of(rule)]

    # --- data ----------------------------------------------------------------------------

    def tenant_tables(self) -> list[Table]:
        """Tenant tables of the metadata that exist in the database (a model imported by an
        app that migrated other branches is in the shared metadata, not in this database)."""
        if not hasattr(self, "_existing"):
            with self.app.app_context():
                self._existing = set(db.inspect(db.engine).get_table_names())
        return [table for table in db.metadata.sorted_tables
                if "tenant_id" in table.c and "id" in table.c and self.tables(table)
                and table.name in self._existing]

    def row_ids(self, tenant: TenantFixture) -> dict[str, int]:
        """One row id per tenant table holding a row of ``tenant``, read with a plain
        connection (no tenant scoping): the database seen from outside, as an attacker
        guessing ids would."""
        from core.migrate import owner_engine

        found: dict[str, int] = {}
        # As the tables' owner: under row-level security the application's role would see
        # no row without a tenant selected.
        with self.app.app_context(), owner_engine().begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL app.migrating = 'on'"))
            for table in self.tenant_tables():
                row_id = connection.scalar(
                    select(table.c.id).where(table.c.tenant_id == tenant.id)
                    .order_by(table.c.id.desc()).limit(1))
                if row_id is not None:
                    found[table.name] = row_id
        return found

    def seed_tenant(self, tenant: TenantFixture, title: str) -> None:
        from core.tenancy.context import tenant_context

        with self.app.app_context(), tenant_context(tenant.id):
            self.seed(title)
            db.session.commit()

    def restore_plugins(self, tenant: TenantFixture) -> None:
        """Switch every toggleable plugin back on: a swept disable must not blind later rules."""
        from core.plugins.enablement import enable_plugin, plugin_manager
        from core.tenancy.models import Tenant

        with self.app.app_context():
            row = db.session.get(Tenant, tenant.id)
            for record in plugin_manager().toggleable():
                enable_plugin(row, record.name, actor="test")
            db.session.commit()

    # --- the three passes ----------------------------------------------------------------

    def prepare(self, a: TenantFixture, b: TenantFixture) -> None:
        self.seed_tenant(a, A_TITLE)
        self.seed_tenant(b, self.secret)
        login(self.app.test_client(), b)  # B holds a user_sessions row too

    def assert_404(self, response, probe: Probe, b: TenantFixture) -> None:
        body = response.get_data(as_text=True)
        assert response.status_code == 404, (
            f"{probe.method} {probe.url} ({probe.rule}) answered {response.status_code} "
            f"{response.headers.get('Location', '')}")
        assert self.secret not in body, f"{probe}: tenant B's data in the answer"
        assert getattr(b.tenant, "name", None) not in body, f"{probe}: tenant B's name shown"

    def assert_no_cross_tenant_access(self, a: TenantFixture, b: TenantFixture) -> int:
        """A's user, B's slug or B's ids: 404 everywhere, and B unchanged. Returns the number
        of requests made."""
        a_ids, b_ids = self.row_ids(a), self.row_ids(b)
        client = login(self.app.test_client(), a)
        requested = 0
        for rule, batch in self.probes(b.slug, b_ids):
            for probe in batch:
                self.assert_404(client.open(probe.url, method=probe.method), probe, b)
                requested += 1
            if not self.id_arguments(rule):
                continue
            # A's own slug, B's ids: the object lookup must miss, not leak or forbid.
            for probe in next(batch for r, batch in self.probes(a.slug, b_ids) if r is rule):
                self.assert_404(client.open(probe.url, method=probe.method), probe, b)
                requested += 1
            # B's slug with A's ids: still B's tenant, still 404.
            for probe in next(batch for r, batch in self.probes(b.slug, a_ids) if r is rule):
                self.assert_404(client.open(probe.url, method=probe.method), probe, b)
                requested += 1
        assert requested >= self.min_requests, f"only {requested} requests: the sweep went blind"
        assert self.row_ids(b) == b_ids, "a request changed tenant B's rows"
        # The session survived (it was A's all along).
        assert client.get(f"/t/{a.slug}/account").status_code == 200
        return requested

    def assert_own_tenant_reaches_routes(self, a: TenantFixture, b: TenantFixture) -> int:
        """The same requests with A's own ids do not 404: without this the sweep could pass
        because every URL 404s for everyone. Returns the number of rules checked."""
        b_tables = set(self.row_ids(b))
        client = login(self.app.test_client(), a)
        checked = idle = 0
        for rule, _batch in self.probes(a.slug, self.row_ids(a)):
            if not self.named_values(rule):  # e.g. the documents route, no document registered
                idle += 1
                continue
            arguments = self.id_arguments(rule)
            for method in self.methods_of(rule):
                reader = client if method == "GET" else None
                accepted = self._accepted_tables(reader, rule, method, a, arguments, b_tables)
                assert accepted, f"{method} {rule.rule} 404s even for tenant A's own ids"
                missing = {table for table in accepted if table} - b_tables
                assert not missing, (f"{rule.rule} takes ids of {missing}; have seed() give "
                                     "tenant B a row there")
                checked += 1
        assert checked >= len(self.rules()) - len(self.unsweepable) - idle
        return checked

    def _accepted_tables(self, client: FlaskClient | None, rule: Rule, method: str,
                         a: TenantFixture, arguments: list[str],
                         b_tables: set[str]) -> set[str]:
        """Tables whose A-row id the rule accepts ('' for a rule without ids): every such
        table outside ``b_tables`` (what the caller fails on) and at least one inside.

        Tables are tried most likely first (see ``likely_first``) and the probing stops
        there: trying the other tables of ``b_tables`` could not change the verdict.
        Requests run on the rows earlier writes left; when one 404s for every table it is
        tried again on fresh rows, since an earlier POST may have deleted or moved on the
        very row it needs (seeding before every write was most of the pass).
        """
        return (self._probe_tables(client, rule, method, a, arguments, b_tables, False)
                or self._probe_tables(client, rule, method, a, arguments, b_tables, True))

    def _probe_tables(self, client: FlaskClient | None, rule: Rule, method: str,
                      a: TenantFixture, arguments: list[str], b_tables: set[str],
                      fresh: bool) -> set[str]:
        """One round of ``_accepted_tables``; ``fresh`` seeds first. After an accepted write
        (``client`` None) the next gets fresh rows, and a fresh login when the write logged
        the client out."""
        accepted: set[str] = set()
        writer: FlaskClient | None = None
        if fresh:
            self.seed_tenant(a, A_TITLE)
        changed = False
        ids = self.row_ids(a)
        for table in likely_first(rule, ids, b_tables) if arguments else [""]:
            if accepted & b_tables and table in b_tables:
                break
            if client is None:
                if changed:
                    self.seed_tenant(a, A_TITLE)
                if writer is None or (changed and writer.get(
                        f"/t/{a.slug}/account").status_code != 200):
                    writer = login(self.app.test_client(), a)
                this_client = writer
            else:
                this_client = client
            if changed:
                ids = self.row_ids(a)
            changed = False
            for named in self.named_values(rule):
                values = {TENANT_ARG: a.slug, **{name: ids[table] for name in arguments},
                          **named}
                response = this_client.open(self.build(rule, values), method=method)
                assert response.status_code < 500, (method, rule.rule, response.status_code)
                if response.status_code != 404:
                    accepted.add(table)
                    changed = True
                if client is None and named:
                    self.restore_plugins(a)
        return accepted

    def assert_anonymous_sent_to_login(self, b: TenantFixture) -> int:
        """Without a session every route of B redirects to B's login and shows nothing."""
        client = self.app.test_client()
        login_path = f"/t/{b.slug}/login"
        requested = 0
        for _rule, batch in self.probes(b.slug, self.row_ids(b)):
            for probe in batch:
                response = client.open(probe.url, method=probe.method)
                assert self.secret not in response.get_data(as_text=True), probe
                requested += 1
                if probe.url.split("?")[0] == login_path:
                    assert response.status_code == 200, probe  # the one public page
                    continue
                assert response.status_code == 302, (probe, response.status_code)
                assert response.headers["Location"].startswith(login_path + "?next="), probe
        return requested

    def run(self, a: TenantFixture, b: TenantFixture) -> None:
        """Everything: seed both tenants, then the three passes."""
        self.check_lists()
        self.prepare(a, b)
        self.assert_no_cross_tenant_access(a, b)
        self.assert_own_tenant_reaches_routes(a, b)
        self.assert_anonymous_sent_to_login(b)


def _words(text: str) -> set[str]:
    """Singular words of a rule or table name: "legal_aid/cases/<int:case_id>" gives
    legal, aid, case, id."""
    words = set()
    for word in re.split(r"[^a-z]+", text.lower()):
        if len(word) > 2 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        if word and word not in {"t", "tenant", "int", "id"}:
            words.add(word)
    return words


def likely_first(rule: Rule, ids: dict[str, int], b_tables: set[str]) -> list[str]:
    """The tables of ``ids`` to probe ``rule`` with: those outside ``b_tables`` first (each
    must be tried), then by how many words they share with the rule, so that the table the
    rule looks its ids up in usually comes first."""
    wanted = _words(rule.rule)
    return sorted(ids, key=lambda table: (table in b_tables,
                                          -len(_words(table) & wanted), table))
