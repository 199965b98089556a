"""Every tenant page × every built-in role: 200 exactly when the role holds the permission.

The rules come from the app's URL map, so a page a plugin adds joins the matrix by existing.
A page's required permission is read from its view (``require_permission`` sets
``_fatong_permission``; the admin module's any-of check sets ``_fatong_any_permission``).
A page that requires none must be listed in ``OPEN_VIEWS`` with the reason it is open, and a
rule taking an id argument this test cannot fill makes it fail until ``ID_FILLERS`` learns it.
The print page of documents (``/documents/<key>/<id>``) is checked once per registered
document, against that document's permission, on an object ``DOCUMENT_OBJECTS`` provides.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from core.access.models import Role, RoleAssignment
from core.access.permissions import ADMIN_ROLES
from core.db import db
from core.documents.registry import document_registry
from core.orgunits.models import OrgUnit
from core.sdk import tenant_context
from plugins.notices.models import Notice

from conftest import TenantFixture
from test_admin_support import add_user, client_of, relax_second_factor

BUILTIN_ROLES = ("sysadmin", "secadmin", "auditadmin", "staff", "leader")
TENANT_PREFIX = "/t/<tenant>"

# endpoint -> why a logged-in user of any role may open it. Adding to it needs a reason.
OPEN_VIEWS: dict[str, str] = {
    "home.index": "the workbench everyone lands on; its menu and cards are filtered per "
                  "permission (tested below)",
    "deadlines.index": "every user's deadlines centre; each plugin's deadlines hook returns "
                       "only what the user may see (has_permission, scope_filter)",
    "auth.login": "public: the login page",
    "auth.second_factor": "the second login step, for the user's own login",
    "auth.account": "the user's own account page",
    "auth.password": "the user's own password change",
    "auth.totp_setup": "the user's own second-factor enrolment",
}

# endpoint -> permission(s), for a page guarded some other way than the decorators.
DECLARED: dict[str, tuple[str, ...]] = {}


def _root_unit() -> int:
    return db.session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)))


def _staff_role() -> int:
    return db.session.scalar(select(Role.id).where(Role.key == "staff"))


def _a_user() -> int:
    from core.auth.models import User

    return db.session.scalar(select(User.id).where(User.username == "m_staff"))


def _a_grant() -> int:
    return db.session.scalar(select(RoleAssignment.id).limit(1))


def _a_notice() -> int:
    notice = Notice(title="矩阵测试通知", body="正文")
    db.session.add(notice)
    db.session.flush()
    return notice.id


def _a_person() -> int:
    from core.people.models import Person

    person = Person(name="矩阵测试当事人")
    db.session.add(person)
    db.session.flush()
    return person.id


def _an_audit_event() -> int:
    from core.audit.models import AuditEvent

    event_id = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert event_id is not None, "the logins of the fixture should have been audited"
    return event_id


def _a_subordinate() -> int:
    """A bureau under tenant A (``Tenant.parent_id``): the subordinates detail page."""
    from core.sdk import Tenant, TenantStatus, current_tenant_id

    child = Tenant(slug="matrix-child", name="矩阵测试下级局", region_code="510824",
                   status=TenantStatus.ACTIVE, parent_id=current_tenant_id())
    db.session.add(child)
    db.session.flush()
    return child.id


# URL argument -> a real id of tenant A (called inside its context); a plugin's name for
# the module and settings pages.
def _a_place() -> int:
    from core.places.models import Place, PlaceKind

    place = Place(kind=PlaceKind.VILLAGE, name="矩阵测试村", town="城关镇")
    db.session.add(place)
    db.session.flush()
    return place.id


_mediation_records: dict[int, dict[str, int]] = {}


def _mediation(name: str) -> Callable[[], int]:
    """A filler taking ``name`` from one set of mediation records built per tenant."""

    def fill() -> int:
        from core.sdk import current_tenant_id

        from mediation_support import seed_mediation_records

        tenant_id = current_tenant_id()
        if tenant_id not in _mediation_records:
            _mediation_records[tenant_id] = seed_mediation_records("矩阵")
        return _mediation_records[tenant_id][name]

    return fill


_legal_aid_records: dict[int, dict[str, int]] = {}


def _legal_aid(name: str) -> Callable[[], int]:
    """A filler taking ``name`` from one set of legal aid records built per tenant."""

    def fill() -> int:
        from core.sdk import current_tenant_id

        from legal_aid_support import seed_legal_aid_records

        tenant_id = current_tenant_id()
        if tenant_id not in _legal_aid_records:
            _legal_aid_records[tenant_id] = seed_legal_aid_records("矩阵")
        return _legal_aid_records[tenant_id][name]

    return fill


# Argument names two plugins both use: per endpoint prefix, the ids entry to take instead.
ARGUMENT_BY_ENDPOINT: dict[str, dict[str, str]] = {
    "legal_aid.": {"case_id": "legal_aid:case_id"},
}

MEDIATION_IDS = ("committee_id", "mediator_id", "case_id", "session_id", "visit_id",
                 "confirmation_id", "transfer_id", "screening_id", "dispute_type_id",
                 "party_id")

ID_FILLERS: dict[str, Callable[[], int | str]] = {
    **{name: _mediation(name) for name in MEDIATION_IDS},
    "legal_aid:case_id": _legal_aid("case_id"),
    "consultation_id": _legal_aid("consultation_id"),
    "provider_id": _legal_aid("provider_id"),
    "place_id": _a_place,
    "plugin": lambda: "notices",
    "org_unit_id": _root_unit,
    "role_id": _staff_role,
    "user_id": _a_user,
    "assignment_id": _a_grant,
    "notice_id": _a_notice,
    "person_id": _a_person,
    "event_id": _an_audit_event,
    "child_id": _a_subordinate,
}


# document key -> a real object id of tenant A that the document's load() accepts (called
# inside its context). Every document a loaded plugin offers needs one.
DOCUMENT_OBJECTS: dict[str, Callable[[], int]] = {
    "mediation.application": _mediation("case_id"),
    "mediation.session_record": _mediation("session_id"),
    "mediation.agreement": _mediation("case_id"),
    "mediation.oral_agreement": _mediation("oral_case_id"),
    "mediation.visit_record": _mediation("visit_id"),
    "legal_aid.application": _legal_aid("case_id"),
    "legal_aid.decision": _legal_aid("case_id"),
    "legal_aid.assignment": _legal_aid("case_id"),
    "legal_aid.closure": _legal_aid("case_id"),
    "legal_aid.termination": _legal_aid("terminated_case_id"),
}
DOCUMENT_ENDPOINT = "documents.print_document"


def document_ids() -> dict[str, int]:
    keys = sorted(document_registry().documents)
    missing = [key for key in keys if key not in DOCUMENT_OBJECTS]
    assert not missing, f"teach DOCUMENT_OBJECTS how to find an object of {missing}"
    return {f"document:{key}": DOCUMENT_OBJECTS[key]() for key in keys}


def pages(app: Flask, rule: Rule, slug: str,
          ids: dict[str, int]) -> list[tuple[str, tuple[str, ...] | None]]:
    """(url, permissions needed) of the rule's page, one per document for the print page."""
    if rule.endpoint != DOCUMENT_ENDPOINT:
        return [(url_of(rule, slug, ids), required(app, rule))]
    with app.app_context():
        documents = sorted(document_registry().documents.items())
    return [(rule.build({"tenant": slug, "key": key, "object_id": ids[f"document:{key}"]},
                        append_unknown=False)[1], found.template.permissions)
            for key, found in documents]


def get_rules(app: Flask) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.rule.startswith(TENANT_PREFIX) and "GET" in (rule.methods or ())),
                  key=lambda rule: rule.rule)


def required(app: Flask, rule: Rule) -> tuple[str, ...] | None:
    """The permissions any one of which opens the page; None for an open page."""
    view = app.view_functions[rule.endpoint]
    if rule.endpoint in DECLARED:
        return DECLARED[rule.endpoint]
    if getattr(view, "_fatong_permission", None):
        return (view._fatong_permission,)
    if getattr(view, "_fatong_any_permission", None):
        return tuple(view._fatong_any_permission)
    if rule.endpoint in OPEN_VIEWS:
        return None
    raise AssertionError(
        f"{rule.rule} ({rule.endpoint}) requires no permission: guard it with "
        "require_permission, or list it in OPEN_VIEWS with the reason it is open")


@pytest.fixture
def matrix(app: Flask, tenant_a: TenantFixture):
    """One user per built-in role, holding only that role; real ids to fill URLs with."""
    relax_second_factor(app, tenant_a)
    for key in BUILTIN_ROLES:
        add_user(app, tenant_a, f"m_{key}", key)
    # Logging in costs an argon2 verification (~0.3 s): only for the clients a test uses.
    clients = LazyClients(app, tenant_a)
    clients["staff"]  # at least one login, so that the audit log has an event to point at
    with app.app_context(), tenant_context(tenant_a.id):
        ids = {name: fill() for name, fill in ID_FILLERS.items()}
        ids.update(document_ids())
        permissions = {role.key: set(role.permissions) for role in db.session.scalars(
            select(Role).where(Role.key.in_(BUILTIN_ROLES)))}
        db.session.commit()
    return clients, ids, permissions


class LazyClients(dict):
    """role key -> a client logged in as that role's user, logged in on first use."""

    def __init__(self, app: Flask, tenant: TenantFixture) -> None:
        super().__init__()
        self.app, self.tenant = app, tenant

    def __missing__(self, key: str):
        self[key] = client_of(self.app, self.tenant, f"m_{key}")
        return self[key]


def url_of(rule: Rule, slug: str, ids: dict[str, int]) -> str:
    values: dict[str, object] = {"tenant": slug}
    renamed = next((names for prefix, names in ARGUMENT_BY_ENDPOINT.items()
                    if rule.endpoint.startswith(prefix)), {})
    for name in sorted(rule.arguments - {"tenant"}):
        source = renamed.get(name, name)
        assert source in ids, (f"{rule.rule}: no id for {name!r}; teach ID_FILLERS how to "
                               "find a real one")
        values[name] = ids[source]
    return rule.build(values, append_unknown=False)[1]


def test_open_views_and_declarations_name_existing_endpoints(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in get_rules(app)}
    for endpoint, reason in {**OPEN_VIEWS, **{k: "declared" for k in DECLARED}}.items():
        assert endpoint in endpoints, f"{endpoint} is listed but no GET page has it"
        assert reason.strip()


def test_every_page_answers_each_builtin_role_by_its_permissions(app, tenant_a, matrix):
    clients, ids, permissions = matrix
    checked = allowed = denied = 0
    failures = []
    for rule, (url, needed) in ((r, page) for r in get_rules(app)
                                for page in pages(app, r, tenant_a.slug, ids)):
        for key in BUILTIN_ROLES:
            response = clients[key].get(url)
            status = response.status_code
            if needed is None:
                # Open pages: never forbidden, never sending the user back to the login.
                ok = status == 200 or (status == 302 and "/login" not in
                                       response.headers.get("Location", ""))
                expected = "200"
            else:
                expected_status = 200 if permissions[key] & set(needed) else 403
                ok = status == expected_status
                expected = str(expected_status)
                allowed += expected_status == 200
                denied += expected_status == 403
            checked += 1
            if not ok:
                failures.append(f"{key:10} GET {url} ({rule.endpoint}, needs {needed}): "
                                f"{status}, expected {expected}")
    assert not failures, "\n".join(failures)
    # The matrix saw both answers for real, over every role.
    assert checked >= len(BUILTIN_ROLES) * 10 and allowed >= 10 and denied >= 20


def test_each_admin_role_reaches_its_console_and_nothing_else(app, tenant_a, matrix):
    clients, _ids, permissions = matrix
    consoles = {"sysadmin": "/admin/org-units/", "secadmin": "/admin/roles/"}
    for key, path in consoles.items():
        assert clients[key].get(f"/t/{tenant_a.slug}{path}").status_code == 200
        for other in set(consoles) - {key}:
            assert clients[key].get(f"/t/{tenant_a.slug}{consoles[other]}").status_code == 403
    # 三员分立: no administrator role holds a business permission.
    for key in ADMIN_ROLES:
        assert all(not name.startswith("notices.") and not name.startswith("core.person.")
                   for name in permissions[key]), key


def test_admin_roles_see_no_business_records(app, tenant_a, matrix):
    clients, ids, _permissions = matrix
    for key in ADMIN_ROLES:
        client = clients[key]
        assert client.get(f"/t/{tenant_a.slug}/notices/").status_code == 403
        assert client.get(f"/t/{tenant_a.slug}/notices/{ids['notice_id']}").status_code == 403
        home = client.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
        assert "矩阵测试通知" not in home and "/notices/" not in home
    leader_home = clients["leader"].get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    assert f"/t/{tenant_a.slug}/notices/" in leader_home  # the menu entry and the card


def test_staff_read_notices_and_leaders_also_write_them(app, tenant_a, matrix):
    clients, ids, _permissions = matrix
    slug = tenant_a.slug
    staff, leader = clients["staff"], clients["leader"]
    detail = staff.get(f"/t/{slug}/notices/{ids['notice_id']}").get_data(as_text=True)
    assert "矩阵测试通知" in detail and "/edit" not in detail
    assert staff.post(f"/t/{slug}/notices/new", data={
        "title": "越权", "category": "notice", "body": "x"}).status_code == 403
    assert staff.post(f"/t/{slug}/notices/{ids['notice_id']}/delete").status_code == 403
    assert leader.post(f"/t/{slug}/notices/new", data={
        "title": "局领导发布", "category": "notice", "body": "正文"}).status_code == 302
    with app.app_context(), tenant_context(tenant_a.id):
        titles = set(db.session.scalars(select(Notice.title)))
    assert titles == {"矩阵测试通知", "局领导发布"}


def test_the_three_admin_roles_cannot_be_combined_on_the_page(app, tenant_a, matrix):
    clients, _ids, _permissions = matrix
    with app.app_context(), tenant_context(tenant_a.id):
        from core.auth.models import User

        auditor = db.session.scalar(select(User.id).where(User.username == "m_auditadmin"))
        sysadmin_role = db.session.scalar(select(Role.id).where(Role.key == "sysadmin"))
    response = clients["secadmin"].post(
        f"/t/{tenant_a.slug}/admin/users/{auditor}/grants",
        data={"role": sysadmin_role, "org_unit": ""})
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    with app.app_context(), tenant_context(tenant_a.id):
        held = db.session.scalars(select(Role.key).join(
            RoleAssignment, RoleAssignment.role_id == Role.id)
            .where(RoleAssignment.user_id == auditor)).all()
    assert held == ["auditadmin"]
