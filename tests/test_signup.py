"""Self-provisioning at /signup (issue #4, point 1): one transaction, checks, abuse controls."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.access.models import Role, RoleAssignment
from core.audit.models import PlatformAuditEvent
from core.db import db
from core.orgunits.models import OrgUnit
from core.plugins.enablement import TenantPlugin
from core.sdk import Tenant, TenantLevel, TenantStatus, User, tenant_context
from tenants import captcha, signup
from tenants.models import ApplicationStatus, SignupChallenge, TenantApplication
from tenants.settings import tenant_profile

from conftest import TenantFixture, make_app

ANSWER = "K7MPX"
ADMIN_PASSWORD = "Jiange-Admin-2026"


@pytest.fixture(autouse=True)
def known_captcha(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(captcha, "random_answer", lambda: ANSWER)


def captcha_token(html: str) -> str:
    match = re.search(r'name="captcha_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'id="captcha_token" name="captcha_token" type="hidden" value="([^"]+)"',
                  html)
    assert match, "no captcha on the page"
    return match.group(1)


def form_data(token: str, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "province": "510000", "city": "510800", "county": "510823",
        "bureau_name": "剑阁县司法局", "slug": "jiange",
        "contact_name": "王晓梅", "contact_phone": "13981234567",
        "contact_email": "sfj@jiange.gov.cn",
        "admin_username": "jgadmin", "admin_password": ADMIN_PASSWORD,
        "admin_password_confirm": ADMIN_PASSWORD,
        "plugins": ["notices"], "captcha_token": token, "captcha_answer": ANSWER.lower(),
    }
    data.update(overrides)
    return data


def post_signup(client, **overrides: object):
    token = captcha_token(client.get("/signup/").get_data(as_text=True))
    return client.post("/signup/", data=form_data(token, **overrides))


def field_errors(html: str) -> str:
    return " ".join(re.findall(r'class="invalid-feedback[^"]*">([^<]+)<', html))


def tenant_rows(app: Flask) -> dict[str, int]:
    """Rows per table, except the captcha table (challenges come and go with page views)."""
    with app.app_context(), db.engine.connect() as connection:
        # A plain connection: the count is of every tenant's rows, past the ORM scoping.
        existing = set(db.inspect(connection).get_table_names())
        return {table.name: connection.execute(select(func.count()).select_from(table))
                .scalar_one()
                for table in db.metadata.sorted_tables
                if table.name in existing and table.name != SignupChallenge.__tablename__}


# --- the happy path ----------------------------------------------------------------------


def test_signup_creates_a_pending_tenant_with_everything_in_place(app: Flask) -> None:
    client = app.test_client()
    response = post_signup(client)
    assert response.status_code == 302, field_errors(response.get_data(as_text=True))
    assert response.headers["Location"] == "/signup/submitted"
    page = client.get("/signup/submitted").get_data(as_text=True)
    assert "/t/jiange/login" in page

    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "jiange"))
        assert tenant.status == TenantStatus.PENDING
        assert tenant.level == TenantLevel.COUNTY
        assert (tenant.name, tenant.region_code) == ("剑阁县司法局", "510823")
        application = db.session.scalar(select(TenantApplication))
        assert application.for_tenant_id == tenant.id
        assert application.status == ApplicationStatus.PENDING
        assert (application.contact_name, application.contact_phone) == ("王晓梅", "13981234567")
        assert application.plugins == ["notices"]
        event = db.session.scalar(select(PlatformAuditEvent).where(
            PlatformAuditEvent.event == "tenant.signup"))
        assert event.about_tenant_id == tenant.id
        assert "13981234567" not in str(event.details)  # masked in the audit trail
        with tenant_context(tenant):
            admin = db.session.scalar(select(User).where(User.username == "jgadmin"))
            assert admin.check_password(ADMIN_PASSWORD)
            keys = set(db.session.scalars(
                select(Role.key).join(RoleAssignment).where(RoleAssignment.user_id == admin.id)))
            assert keys == {"sysadmin"}
            assert db.session.scalar(select(func.count()).select_from(Role)) >= 5
            root = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
            assert root.name == "剑阁县司法局"
            enabled = set(db.session.scalars(
                select(TenantPlugin.plugin).where(TenantPlugin.enabled.is_(True))))
            assert enabled == {"notices"}
            assert tenant_profile().get("contact_phone") == "13981234567"

    # Pending: the bureau's pages do not exist yet.
    assert client.get("/t/jiange/login").status_code == 404


def test_auto_approval_makes_the_tenant_usable_at_once(database_url: str, app: Flask) -> None:
    auto = make_app(database_url, SIGNUP_AUTO_APPROVE=True)
    client = auto.test_client()
    response = post_signup(client)
    assert response.status_code == 302
    assert 'data-testid="login-link"' in client.get("/signup/submitted").get_data(as_text=True)
    login = client.post("/t/jiange/login",
                        data={"username": "jgadmin", "password": ADMIN_PASSWORD})
    assert login.status_code == 302
    with auto.app_context():
        application = db.session.scalar(select(TenantApplication))
        assert application.status == ApplicationStatus.APPROVED
        assert application.tenant.status == TenantStatus.ACTIVE


# --- picking the unit ----------------------------------------------------------------------


def test_region_selects_cascade_and_suggest_an_address_and_name(app: Flask) -> None:
    client = app.test_client()
    cities = client.get("/signup/regions?province=510000").get_data(as_text=True)
    assert 'value="510800"' in cities and 'value="510823"' not in cities
    counties = client.get("/signup/regions?province=510000&city=510800").get_data(as_text=True)
    assert 'value="510823"' in counties
    picked = client.get(
        "/signup/regions?province=510000&city=510800&county=510823").get_data(as_text=True)
    assert "四川省广元市剑阁县" in picked
    assert 'value="jiange"' in picked and 'value="剑阁县司法局"' in picked

    # What the applicant typed is kept; only the earlier suggestion is replaced.
    typed = client.get("/signup/regions?province=510000&city=510800&county=510824"
                       "&slug=my-bureau&slug_suggested=jiange&bureau_name=剑阁县司法局"
                       "&name_suggested=剑阁县司法局").get_data(as_text=True)
    assert 'value="my-bureau"' in typed
    assert 'value="苍溪县司法局"' in typed

    # A county of another city does not slip in with a mismatched parent.
    mixed = client.get("/signup/regions?province=510000&city=510100&county=510823")
    assert "四川省成都市" in mixed.get_data(as_text=True)
    assert "剑阁县</strong>" not in mixed.get_data(as_text=True)


def test_a_city_department_can_apply_at_its_own_level(app: Flask) -> None:
    client = app.test_client()
    response = post_signup(client, county="", bureau_name="广元市司法局", slug="guangyuan")
    assert response.status_code == 302
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "guangyuan"))
        assert (tenant.region_code, tenant.level) == ("510800", TenantLevel.CITY)


# --- refusals: a message beside the field, input kept, nothing written --------------------


@pytest.mark.parametrize(("slug", "expected"), [
    ("platform", "reserved"), ("signup", "reserved"), ("Jiange!", "malformed"),
    ("j", "malformed"),
])
def test_reserved_and_malformed_addresses_are_refused(app: Flask, slug: str,
                                                      expected: str) -> None:
    before = tenant_rows(app)
    response = post_signup(app.test_client(), slug=slug)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="slug"' in html and "is-invalid" in html
    assert field_errors(html)
    assert 'value="王晓梅"' in html  # input kept
    assert tenant_rows(app) == before


def test_a_taken_address_is_refused(app: Flask, tenant_b: TenantFixture) -> None:
    before = tenant_rows(app)
    response = post_signup(app.test_client(), slug=tenant_b.slug)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert tenant_b.slug in field_errors(html)
    assert tenant_rows(app) == before


def test_one_pending_application_per_unit(app: Flask) -> None:
    assert post_signup(app.test_client()).status_code == 302
    before = tenant_rows(app)
    response = post_signup(app.test_client(), slug="jiange2", admin_username="other")
    assert response.status_code == 200
    assert "四川省广元市剑阁县" in field_errors(response.get_data(as_text=True))
    assert tenant_rows(app) == before


def test_a_unit_already_served_is_refused(app: Flask, tenant_a: TenantFixture) -> None:
    response = post_signup(app.test_client(), slug="jiange-new")  # tenant_a is 510823
    assert response.status_code == 200
    assert field_errors(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TenantApplication)) == 0


def test_the_database_refuses_a_second_pending_application_for_a_unit(app: Flask) -> None:
    assert post_signup(app.test_client()).status_code == 302
    with app.app_context():
        first = db.session.scalar(select(TenantApplication))
        db.session.add(TenantApplication(
            for_tenant_id=first.for_tenant_id, region_code=first.region_code,
            bureau_name="x", contact_name="x", contact_phone="x", admin_username="x"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_losing_a_race_is_a_message_not_an_error(app: Flask, monkeypatch) -> None:
    """Two applications for one unit at the same moment: both pass the checks, the unique
    index stops the second, whose applicant sees why."""
    assert post_signup(app.test_client()).status_code == 302
    real = signup.problems_of
    calls = iter([{}])
    monkeypatch.setattr(signup, "problems_of", lambda request: next(calls, None) or real(request))
    before = tenant_rows(app)
    response = post_signup(app.test_client(), slug="jiange2", admin_username="other")
    assert response.status_code == 200
    assert "四川省广元市剑阁县" in field_errors(response.get_data(as_text=True))
    assert tenant_rows(app) == before


def test_weak_or_mismatched_passwords_are_refused(app: Flask) -> None:
    weak = post_signup(app.test_client(), admin_password="short",
                       admin_password_confirm="short")
    assert weak.status_code == 200 and field_errors(weak.get_data(as_text=True))
    differ = post_signup(app.test_client(), admin_password_confirm="Jiange-Admin-2027")
    assert differ.status_code == 200 and field_errors(differ.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tenant)) == 0


def test_bad_contact_details_are_refused_beside_the_fields(app: Flask) -> None:
    response = post_signup(app.test_client(), contact_phone="12345", contact_email="not-mail")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("is-invalid") >= 2
    assert 'value="12345"' in html and 'value="not-mail"' in html


# --- the captcha -------------------------------------------------------------------------


def test_a_wrong_captcha_is_refused_and_each_challenge_works_once(app: Flask) -> None:
    client = app.test_client()
    token = captcha_token(client.get("/signup/").get_data(as_text=True))
    wrong = client.post("/signup/", data=form_data(token, captcha_answer="WRONG"))
    assert wrong.status_code == 200
    assert "is-invalid" in wrong.get_data(as_text=True)
    # The same challenge, now with the right answer: already spent.
    again = client.post("/signup/", data=form_data(token))
    assert again.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tenant)) == 0
    # The page offered a new challenge, which works.
    fresh = captcha_token(again.get_data(as_text=True))
    assert fresh != token
    assert client.post("/signup/", data=form_data(fresh)).status_code == 302


def test_the_captcha_is_an_inline_picture_and_can_be_replaced(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/signup/").get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page
    fragment = client.get("/signup/captcha").get_data(as_text=True)
    assert 'data-testid="captcha-image"' in fragment
    assert captcha_token(fragment) != captcha_token(page)


def test_an_expired_challenge_is_refused(app: Flask) -> None:
    with app.test_request_context():
        challenge = captcha.new_challenge()
        row = db.session.get(SignupChallenge, challenge.token)
        row.expires_at = row.expires_at - captcha.CAPTCHA_TTL * 2
        db.session.commit()
        assert captcha.check(challenge.token, ANSWER) is False
        assert db.session.get(SignupChallenge, challenge.token) is None


# --- rate limit, closing signup -----------------------------------------------------------


def test_submissions_are_rate_limited_per_address(database_url: str, app: Flask) -> None:
    limited = make_app(database_url, RATELIMIT_ENABLED=True, SIGNUP_RATE_LIMIT="2 per hour")
    client = limited.test_client()
    for _ in range(2):
        assert post_signup(client, captcha_answer="WRONG").status_code == 200
    blocked = post_signup(client, captcha_answer="WRONG")
    assert blocked.status_code == 429
    assert "请求" in blocked.get_data(as_text=True)
    # Looking at the form and picking regions are not counted.
    assert client.get("/signup/regions?province=510000").status_code == 200


def test_a_deployment_can_close_signup(database_url: str, app: Flask) -> None:
    closed = make_app(database_url, SIGNUP_ENABLED=False)
    client = closed.test_client()
    assert client.get("/signup/").status_code == 404
    assert 'data-testid="signup-link"' not in client.get("/").get_data(as_text=True)
    assert 'data-testid="signup-link"' in app.test_client().get("/").get_data(as_text=True)


# --- all or nothing ----------------------------------------------------------------------


def test_a_failure_mid_transaction_leaves_nothing_behind(app: Flask, monkeypatch) -> None:
    """The tenant, roles, org unit, admin, modules and application are flushed when the last
    step fails: every one of them must be gone."""

    def broken(tenant, request):
        raise RuntimeError("disk full")

    monkeypatch.setattr(signup, "_record_contact", broken)
    before = tenant_rows(app)
    with app.test_request_context(), pytest.raises(RuntimeError):
        signup.submit(signup.SignupRequest(
            region_code="510823", slug="jiange", bureau_name="剑阁县司法局",
            contact_name="王晓梅", contact_phone="13981234567", admin_username="jgadmin",
            admin_password=ADMIN_PASSWORD, plugins=["notices"]))
    assert tenant_rows(app) == before
    # And the unit can apply again at once.
    monkeypatch.undo()
    monkeypatch.setattr(captcha, "random_answer", lambda: ANSWER)
    assert post_signup(app.test_client()).status_code == 302


def test_the_optional_email_may_stay_empty(app: Flask) -> None:
    assert post_signup(app.test_client(), contact_email="").status_code == 302
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "jiange"))
        with tenant_context(tenant):
            assert tenant_profile().get("contact_email") is None
