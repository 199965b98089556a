"""What every tenant page costs before its own work (issue #8: "≤ 10 SQL statements per page").

A logged-in request to ``/t/<slug>/…`` sends three fixed statements, each once:

1. the tenant by slug, with its enabled plugins (outer join) and whether it has a listed
   child tenant (correlated EXISTS, for the "subordinate bureaus" navigation entry);
2. every settings namespace of the tenant;
3. the session row with its user and the user's role assignments, roles and org units.

All of it is kept on flask.g for the request only, never across requests: an
administrator's change shows on the next request, and a write in a request is seen by the
reads after it.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from flask import Flask, session
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from core.access.checks import assignment_scope
from core.access.models import RoleAssignment
from core.access.service import grant_role
from core.auth.models import User, UserSession
from core.auth.sessions import SESSION_KEY, TENANT, _fetch, start_session
from core.auth.settings import auth_settings
from core.db import db
from core.numbering.service import numbering_settings
from core.plugins.enablement import disable_plugin, enable_plugin, enabled_plugins
from core.sdk import Tenant, TenantStatus, tenant_context, utcnow
from core.testing.queries import count_statements
from core.testing.tenants import add_user

from conftest import TenantFixture, login

#: Statements a page may send in all, measured with the fixed part at three (the page's own
#: queries: the people list counts and lists; the case list also reads its filters' choices).
BUDGET = {"/people/": 5, "/mediation/cases/": 7}

#: The fixed statements, and those that must no longer come on their own.
KINDS = {
    "tenant": re.compile(r"^SELECT tenants\.id\b.* FROM tenants\b.* WHERE tenants\.slug = "),
    "settings": re.compile(r"\bFROM tenant_settings\b"),
    "session": re.compile(r"\bFROM user_sessions\b"),
    "plugins alone": re.compile(r"\bFROM tenant_plugins\b"),
    "user alone": re.compile(r"\bFROM users\b"),
    "assignments alone": re.compile(r"\bFROM role_assignments\b"),
    "child tenants alone": re.compile(r"^SELECT tenants\.id FROM tenants WHERE tenants\.parent_id"),
}
FIXED = Counter({"tenant": 1, "settings": 1, "session": 1})


def kinds(statements: list[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    for statement in statements:
        text = " ".join(statement.split())
        for kind, pattern in KINDS.items():
            if pattern.search(text):
                found[kind] += 1
    return found


def warm_statements(app: Flask, client: FlaskClient, url: str) -> list[str]:
    """The statements of a GET of ``url`` requested once before (warm, as a user browses)."""
    assert client.get(url).status_code == 200, url
    with count_statements(app) as sent:
        assert client.get(url).status_code == 200, url
    return sent


def nav_has_subordinates(client: FlaskClient, slug: str) -> bool:
    html = client.get(f"/t/{slug}/").get_data(as_text=True)
    start = html.index('data-testid="main-nav"')
    return "/subordinates/" in html[start:html.index("</nav>", start)]


@pytest.mark.parametrize("path", sorted(BUDGET))
def test_a_tenant_page_sends_three_fixed_statements(app: Flask, tenant_a: TenantFixture,
                                                    path: str) -> None:
    # The tenant's admin also holds the leader's role: the navigation asks whether the
    # bureau has subordinates, and the grants come from the preloaded assignments.
    client = login(app.test_client(), tenant_a)
    sent = warm_statements(app, client, f"/t/{tenant_a.slug}{path}")
    listing = "\n".join(" ".join(s.split())[:200] for s in sent)
    assert kinds(sent) == FIXED, listing
    assert len(sent) <= BUDGET[path], listing


def test_the_workbench_reads_the_settings_once(app: Flask, tenant_a: TenantFixture) -> None:
    """The workbench reads auth, deadline and line settings: one statement for them all."""
    client = login(app.test_client(), tenant_a)
    sent = warm_statements(app, client, f"/t/{tenant_a.slug}/")
    assert kinds(sent) == FIXED, "\n".join(" ".join(s.split())[:200] for s in sent)


def test_subordinates_entry_comes_with_the_tenant_and_follows_changes(
        app: Flask, tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    """A parent's navigation shows the entry with no statement of its own, and a child
    leaving the list shows on the next request (nothing is cached across requests)."""
    with app.app_context():
        db.session.execute(update(Tenant).where(Tenant.id == tenant_b.id)
                           .values(parent_id=tenant_a.id))
        db.session.commit()
    parent = login(app.test_client(), tenant_a)
    assert nav_has_subordinates(parent, tenant_a.slug)
    assert kinds(warm_statements(app, parent, f"/t/{tenant_a.slug}/people/")) == FIXED
    child = login(app.test_client(), tenant_b)
    assert not nav_has_subordinates(child, tenant_b.slug)

    with app.app_context():
        db.session.execute(update(Tenant).where(Tenant.id == tenant_b.id)
                           .values(status=TenantStatus.PENDING))
        db.session.commit()
    assert not nav_has_subordinates(parent, tenant_a.slug)


def test_a_session_bound_to_another_tenant_still_gets_404(
        app: Flask, tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    """The tenant is read inside the session's tenant: another slug is 404, and answers
    normally again for a browser logged in there."""
    client = login(app.test_client(), tenant_a)
    assert client.get(f"/t/{tenant_b.slug}/").status_code == 404
    assert client.get(f"/t/{tenant_b.slug}/login").status_code == 404
    assert client.get("/t/nosuchbureau/").status_code == 404
    assert client.get(f"/t/{tenant_a.slug}/people/").status_code == 200
    anonymous = app.test_client()
    assert anonymous.get(f"/t/{tenant_b.slug}/login").status_code == 200


def test_toggles_and_revocations_show_on_the_next_request(app: Flask,
                                                          tenant_a: TenantFixture) -> None:
    add_user(app, tenant_a, "clerk", ["leader"])
    client = login(app.test_client(), tenant_a, "clerk")
    notices = f"/t/{tenant_a.slug}/notices/"
    assert client.get(notices).status_code == 200
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_a.id)
        disable_plugin(tenant, "notices", actor="test")
        db.session.commit()
    assert client.get(notices).status_code == 404
    with app.app_context():
        enable_plugin(db.session.get(Tenant, tenant_a.id), "notices", actor="test")
        db.session.commit()
    assert client.get(notices).status_code == 200

    people = f"/t/{tenant_a.slug}/people/"
    assert client.get(people).status_code == 200
    with app.app_context(), tenant_context(tenant_a.id):
        clerk = db.session.scalar(select(User.id).where(User.username == "clerk"))
        db.session.execute(delete(RoleAssignment).where(RoleAssignment.user_id == clerk))
        db.session.commit()
    assert client.get(people).status_code == 403


def test_a_touched_session_keeps_its_grants(app: Flask, tenant_a: TenantFixture) -> None:
    """A request that writes ``last_seen_at`` (commit: every loaded row expires) still
    answers from the assignments read with the session, without a query per assignment."""
    client = login(app.test_client(), tenant_a)
    url = f"/t/{tenant_a.slug}/people/"
    assert client.get(url).status_code == 200
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.execute(update(UserSession).values(
            last_seen_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    with count_statements(app) as sent:
        assert client.get(url).status_code == 200
    updates = [s for s in sent if s.lstrip().upper().startswith("UPDATE USER_SESSIONS")]
    assert len(updates) == 1
    assert kinds(sent)["assignments alone"] == 0
    # The write and nothing else: the commit keeps what the request has just read.
    assert len(sent) == len(warm_statements(app, client, url)) + 1, "\n".join(sent)


def test_the_session_statement_loads_user_roles_and_scopes(app: Flask,
                                                            tenant_a: TenantFixture) -> None:
    """One statement brings the row, the user and each assignment with its role and org
    unit: the grants need nothing more, and match what a query of their own returns."""
    # Staff over the bureau's own unit (a scope with a path), leader over the whole tenant.
    user_id = add_user(app, tenant_a, "scoped", ["staff"], org_unit_code="510823")
    with app.test_request_context(), tenant_context(tenant_a.id):
        grant_role(db.session.get(User, user_id), "leader", actor="test")
        start_session(db.session.get(User, user_id))
        token = session[SESSION_KEY]
        db.session.commit()
    with app.test_request_context(), tenant_context(tenant_a.id):
        with count_statements(app) as sent:
            row, account, assignments = _fetch(TENANT, token)
            scopes = sorted((assignment_scope(a) for a in assignments), key=repr)
        assert len(sent) == 1
        assert row.user_id == account.id == user_id and len(assignments) == 2
        assert {path is None for path, _ in scopes} == {True, False}
        expected = sorted((assignment_scope(a) for a in db.session.scalars(
            select(RoleAssignment).where(RoleAssignment.user_id == user_id))), key=repr)
        assert scopes == expected
        assert _fetch(TENANT, "no such token") == (None, None, [])


def test_settings_are_read_once_and_a_write_is_seen_by_the_next_read(
        app: Flask, tenant_a: TenantFixture) -> None:
    with app.test_request_context(), tenant_context(tenant_a.id):
        with count_statements(app) as sent:
            idle = auth_settings().get("idle_timeout_minutes")
            numbering_settings().get_all()
            auth_settings().get_all()
        assert len(sent) == 1

        auth_settings().set_many({"idle_timeout_minutes": idle + 5})
        assert auth_settings().get("idle_timeout_minutes") == idle + 5
        db.session.rollback()  # the write is undone: so is the request's copy
        assert auth_settings().get("idle_timeout_minutes") == idle


def test_enabled_plugins_are_read_once_and_a_toggle_is_seen(app: Flask,
                                                            tenant_a: TenantFixture) -> None:
    with app.test_request_context(), tenant_context(tenant_a.id):
        tenant = db.session.get(Tenant, tenant_a.id)
        with count_statements(app) as sent:
            assert "notices" in enabled_plugins(tenant)
            assert "notices" in enabled_plugins(tenant)
        assert len(sent) == 1
        disable_plugin(tenant, "notices", actor="test")
        assert "notices" not in enabled_plugins(tenant)
        db.session.rollback()
        assert "notices" in enabled_plugins(tenant)
