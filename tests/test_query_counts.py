"""No page issues a query per row (N+1): the SQL statements a busy page sends must not grow
with the rows it shows.

Tenant A gets a batch of records on every bundled line (``SMALL`` of each), every page is
requested and its statements counted; then more batches (``LARGE`` in all) and the same
again. A page whose count grows loads something per row: fix it with ``selectinload`` /
``joinedload`` or one grouped query, never by loosening this test. Each page must answer
200 (a broken page sends few statements and would pass otherwise). The counts are printed
(``pytest -s``) and named in a failure's message.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.access.models import Role
from core.access.service import assign_role
from core.sdk import Gender, User, db, people, places, tenant_context
from core.testing.queries import count_statements
from plugins.legal_aid.models import (
    AidCase,
    Complaint,
    Consultation,
    Material,
    ProgressNote,
    QualityCheck,
)
from plugins.legal_aid.models.enums import CaseStatus as AidStatus
from plugins.legal_aid.models.enums import (
    MaterialStatus,
    NoteKind,
    QualityKind,
)
from plugins.mediation.models import (
    Case,
    CaseParty,
    Committee,
    JudicialConfirmation,
    ReturnVisit,
    Screening,
    StatusChange,
    Transfer,
)
from plugins.mediation.models.enums import (
    CaseStatus,
    Counterpart,
    MediatorPosition,
    PartyRole,
    Performance,
    RiskLevel,
    TransferDirection,
    VisitMethod,
)
from plugins.notices.models import Notice

import legal_aid_support
import mediation_support
from conftest import PASSWORD, TenantFixture, login

SMALL, LARGE = 5, 15

# Statuses the batches cycle through, so every queue, card and deadline has rows.
MEDIATION_STATUSES = [CaseStatus.APPLIED, CaseStatus.ACCEPTED, CaseStatus.MEDIATING,
                      CaseStatus.AGREED, CaseStatus.FAILED, CaseStatus.TRANSFERRED]
# Even batches are dated long ago: an assigned case among them is overdue already in the
# first round (0 -> some providers would be a step, not a per-row query).
AID_STATUSES = [AidStatus.RECEIVED, AidStatus.INCOMPLETE, AidStatus.ASSIGNED,
                AidStatus.GRANTED, AidStatus.IN_PROGRESS, AidStatus.ENDED, AidStatus.CLOSED]

# A period holding every seeded closure (the subsidy pages default to last month).
PERIOD_FROM, PERIOD_TO = date(2026, 1, 1).isoformat(), date.today().isoformat()
WIDE_ROLES = ("staff", "mediation_section", "legal_aid_director")
# Statuses of the cases a provider handles (assigned and beyond).
HANDLED = [AidStatus.ASSIGNED, AidStatus.IN_PROGRESS, AidStatus.ENDED, AidStatus.CLOSED]

LIST_PAGES = {
    "workbench": "/",
    "deadlines centre": "/deadlines/",
    "people list": "/people/",
    "places list": "/places/",
    "notices list": "/notices/",
    "mediation case list": "/mediation/cases/",
    "mediation case list, overdue": "/mediation/cases/?overdue=1",
    "mediation screening list": "/mediation/screenings/",
    "mediation committee list": "/mediation/committees/",
    "mediation mediator list": "/mediation/mediators/",
    "mediation risk ledger": "/mediation/risk/",
    "mediation subsidies": f"/mediation/subsidies/?from={PERIOD_FROM}&to={PERIOD_TO}",
    "mediation subsidy cases": f"/mediation/subsidies/cases?from={PERIOD_FROM}&to={PERIOD_TO}",
    "legal aid case list": "/legal_aid/cases/",
    "legal aid applications to decide": "/legal_aid/cases/?status=received",
    "legal aid cases, overdue": "/legal_aid/cases/?overdue=1",
    "legal aid consultation list": "/legal_aid/consultations/",
    "legal aid provider list": "/legal_aid/providers/",
    "legal aid quality": "/legal_aid/quality/",
    "legal aid subsidies": "/legal_aid/subsidies/",
}


# Pages that name a record of every batch (title, summary, name or person).
SHOW_LAST_BATCH = ("places list", "notices list", "mediation case list",
                   "mediation screening list", "mediation committee list",
                   "mediation mediator list", "legal aid case list",
                   "legal aid consultation list", "legal aid provider list")


# --- counting ----------------------------------------------------------------------------


def statements(app: Flask, client: FlaskClient, url: str) -> list[str]:
    """The statements of one GET of ``url`` (requested once before, so that per-process
    caches — hook callers, grants, settings — are warm and only the page's own work
    counts). The page must answer 200."""
    warm = client.get(url)
    assert warm.status_code == 200, (url, warm.status_code)
    with count_statements(app) as sent:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return sent


def measure(app: Flask, client: FlaskClient, pages: dict[str, str]) -> dict[str, list[str]]:
    return {name: statements(app, client, url) for name, url in pages.items()}


def _repeated(small: list[str], large: list[str]) -> str:
    """The statement whose repetitions grew most: the per-row query to fix."""
    grown = Counter(large)
    grown.subtract(Counter(small))
    statement, times = grown.most_common(1)[0]
    return f"+{times} x {' '.join(statement.split())[:300]}"


def assert_flat(small: dict[str, list[str]], large: dict[str, list[str]], label: str) -> None:
    """Print the counts; fail naming every page whose count grew with the rows, with the
    statement that repeats."""
    width = max(len(name) for name in small)
    print(f"\nSQL statements per page ({label}):")
    for name in small:
        print(f"  {name:<{width}}  {len(small[name]):>4} -> {len(large[name]):>4}")
    grown = [f"{name}: {len(small[name])} -> {len(large[name])}, "
             f"{_repeated(small[name], large[name])}"
             for name in small if len(large[name]) > len(small[name])]
    assert not grown, f"statements grow with the rows (N+1), {label}:\n" + "\n".join(grown)


# --- seeding -----------------------------------------------------------------------------


def _user(username: str, role_key: str = "leader") -> User:
    user = User(username=username, display_name=f"用户{username[-6:]}")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    role = db.session.scalar(select(Role).where(Role.key == role_key))
    assign_role(user, role, org_unit=None, actor="test")
    return user


def _seed_batch(index: int, tenant: TenantFixture) -> None:
    """One batch of every line's records, each pointing at its own people, users, places,
    committees and providers (so a per-row lazy load cannot hide in the identity map)."""
    title = f"批次{index:02d}"
    # Half the batches recent, half long past their deadlines (overdue lists have rows).
    day = date.today() - timedelta(days=3 + index if index % 2 else 60 + index)
    author = _user(f"seed{index:02d}")

    # Core registries: a person, a place, a notice by its own author.
    people.create(name=f"{title}当事人", id_type="other", gender=Gender.MALE)
    place = places.create(kind="village", name=f"{title}村", town="城关镇")
    db.session.add(Notice(title=f"{title}通知", body="正文", author_id=author.id,
                          pinned=index % 2 == 0))

    # Mediation: a committee with a mediator, a screening at the place, a case whose status
    # cycles through the workflow, with parties and (when far enough) sessions, agreements.
    seeded = mediation_support.seed_mediation_records(title)
    world = mediation_support.MediationWorld(
        tenant=tenant, station_id=0, other_station_id=0,
        committee_id=seeded["committee_id"], other_committee_id=seeded["committee_id"],
        mediator_id=seeded["mediator_id"], other_mediator_id=seeded["mediator_id"],
        dispute_type_id=seeded["dispute_type_id"])
    mediation_support.drive_case(world, MEDIATION_STATUSES[index % len(MEDIATION_STATUSES)],
                                 applied=day)
    screening = db.session.get(Screening, seeded["screening_id"])
    screening.place_id = place.id
    screening.risk_level = RiskLevel.HIGH if index % 2 else RiskLevel.MEDIUM
    screening.created_by_id = author.id

    # Legal aid: a provider, a consultation handled by the author, three cases (closed,
    # refused, terminated) and one more whose status cycles through the workflow.
    seeded = legal_aid_support.seed_legal_aid_records(title)
    consultation = db.session.get(Consultation, seeded["consultation_id"])
    consultation.handled_by_id = author.id
    consultation.person_id = seeded["person_id"]
    aid_world = legal_aid_support.LegalAidWorld(
        tenant=tenant, centre_id=db.session.get(AidCase, seeded["case_id"]).org_unit_id,
        station_id=0, applicant_id=seeded["person_id"],
        provider_ids={"seed": seeded["provider_id"]})
    legal_aid_support.drive_case(aid_world, AID_STATUSES[index % len(AID_STATUSES)],
                                 provider="seed", received_on=day,
                                 poverty_ledger=index % 3 == 0)


def everything_client(app: Flask, tenant: TenantFixture) -> FlaskClient:
    """A client logged in as a user holding every line's widest roles over the whole county
    (the tenant admin does not see the provider pool, for one)."""
    with app.app_context(), tenant_context(tenant.id):
        user = _user("everything", "leader")
        for key in WIDE_ROLES:
            assign_role(user, db.session.scalar(select(Role).where(Role.key == key)),
                        org_unit=None, actor="test")
        db.session.commit()
    return login(app.test_client(), tenant, "everything")


def seed_batches(app: Flask, tenant: TenantFixture, indexes: Iterable[int]) -> None:
    with app.app_context(), tenant_context(tenant.id):
        for index in indexes:
            _seed_batch(index, tenant)
        db.session.commit()


# --- list pages --------------------------------------------------------------------------


def test_list_pages_do_not_query_per_row(app: Flask, tenant_a: TenantFixture) -> None:
    """Every busy list page sends as many statements with 3N rows as with N."""
    client_a = everything_client(app, tenant_a)
    pages = {name: f"/t/{tenant_a.slug}{path}" for name, path in LIST_PAGES.items()}
    seed_batches(app, tenant_a, range(SMALL))
    small = measure(app, client_a, pages)
    seed_batches(app, tenant_a, range(SMALL, LARGE))
    large = measure(app, client_a, pages)
    # The lists show the last batch (a page cannot be flat by showing nothing).
    for name in SHOW_LAST_BATCH:
        body = client_a.get(pages[name]).get_data(as_text=True)
        assert f"批次{LARGE - 1:02d}" in body, name
    assert_flat(small, large, f"{SMALL} vs {LARGE} batches")


# --- detail pages ------------------------------------------------------------------------


def _grow_mediation_case(case_id: int, regular_id: int, start: int, stop: int) -> None:
    """Add parties (each a person of their own), sessions, visits, transfers, confirmations
    and history rows by distinct users to one mediation case, mediators (each with a person
    and an account of their own) to its committee, and cases with the person
    ``regular_id`` among the parties."""
    case = db.session.get(Case, case_id)
    committee = db.session.get(Committee, case.committee_id)
    world = mediation_support.MediationWorld(
        tenant=None, station_id=0, other_station_id=0,  # type: ignore[arg-type]
        committee_id=case.committee_id, other_committee_id=case.committee_id,
        mediator_id=case.mediator_id, other_mediator_id=case.mediator_id,
        dispute_type_id=case.dispute_type_id)
    for index in range(start, stop):
        other = mediation_support.drive_case(
            world, MEDIATION_STATUSES[index % len(MEDIATION_STATUSES)])
        db.session.add(CaseParty(case_id=other.id, person_id=regular_id,
                                 role=PartyRole.THIRD_PARTY, sort_order=9))
        mediation_support._mediator(committee, f"调解员{index:02d}", Gender.MALE,
                                    MediatorPosition.MEMBER, _user(f"mdr{index:02d}"))
        person = people.create(name=f"当事人{index:02d}", id_type="other", gender=Gender.FEMALE)
        db.session.add(CaseParty(case_id=case.id, person_id=person.id,
                                 role=PartyRole.THIRD_PARTY if index % 2 else
                                 PartyRole.RESPONDENT, sort_order=10 + index))
        mediation_support.add_session(case, date.today() - timedelta(days=index))
        author = _user(f"med{index:02d}")
        db.session.add_all([
            ReturnVisit(case_id=case.id, visited_on=date.today(), method=VisitMethod.PHONE,
                        performance=Performance.PERFORMED, visitor=f"回访员{index}"),
            Transfer(case_id=case.id, direction=TransferDirection.IN,
                     counterpart=Counterpart.POLICE, organ=f"派出所{index}",
                     transferred_on=date.today()),
            JudicialConfirmation(case_id=case.id, applied_on=date.today(),
                                 court=f"法院{index}"),
            StatusChange(case_id=case.id, from_status=CaseStatus.AGREED,
                         to_status=CaseStatus.AGREED, user_id=author.id,
                         note=f"备注{index}", at=datetime.now()),
        ])
    db.session.flush()


def _grow_aid_case(case_id: int, regular_id: int, start: int, stop: int) -> None:
    """Add materials, progress notes and quality checks by distinct users, and complaints,
    to one legal aid case; and cases of the applicant ``regular_id`` to its provider."""
    case = db.session.get(AidCase, case_id)
    world = legal_aid_support.LegalAidWorld(
        tenant=None, centre_id=case.org_unit_id,  # type: ignore[arg-type]
        station_id=case.org_unit_id, applicant_id=regular_id,
        provider_ids={"seed": case.provider_id})
    for index in range(start, stop):
        legal_aid_support.drive_case(world, HANDLED[index % len(HANDLED)], provider="seed")
        author = _user(f"aid{index:02d}")
        db.session.add_all([
            Material(case_id=case_id, name=f"材料{index}", status=MaterialStatus.RECEIVED,
                     received_on=date.today()),
            ProgressNote(case_id=case_id, noted_on=date.today(), kind=NoteKind.MEETING,
                         content=f"会见{index}", user_id=author.id),
            QualityCheck(case_id=case_id, kind=QualityKind.CONTACT, checked_on=date.today(),
                         round=index + 2, content=f"对接{index}", user_id=author.id),
            Complaint(case_id=case_id, received_on=date.today(), complainant=f"投诉人{index}",
                      content="办案不及时"),
        ])
    db.session.flush()


def test_case_pages_do_not_query_per_row(app: Flask, tenant_a: TenantFixture) -> None:
    """A mediation case and a legal aid case with 3N parties, sessions, notes, checks…
    send as many statements as with N."""
    client_a = everything_client(app, tenant_a)
    with app.app_context(), tenant_context(tenant_a.id):
        mediation = mediation_support.seed_mediation_records("详情")
        aid = legal_aid_support.seed_legal_aid_records("详情")
        # A person who is a party, an applicant… on every line: the people registry's page
        # lists their records through every line's hook.
        regular = people.create(name="常客", id_type="other", gender=Gender.MALE,
                                birth_date=date(1970, 1, 1)).id
        _grow_mediation_case(mediation["case_id"], regular, 0, SMALL)
        _grow_aid_case(aid["case_id"], regular, 0, SMALL)
        db.session.commit()
    base = f"/t/{tenant_a.slug}"
    pages = {
        "mediation case detail": f"{base}/mediation/cases/{mediation['case_id']}",
        "legal aid case detail": f"{base}/legal_aid/cases/{aid['case_id']}",
        "legal aid provider detail": f"{base}/legal_aid/providers/{aid['provider_id']}",
        "mediation committee detail":
            f"{base}/mediation/committees/{mediation['committee_id']}",
        "person detail (records on every line)": f"{base}/people/{regular}",
    }
    small = measure(app, client_a, pages)
    with app.app_context(), tenant_context(tenant_a.id):
        _grow_mediation_case(mediation["case_id"], regular, SMALL, LARGE)
        _grow_aid_case(aid["case_id"], regular, SMALL, LARGE)
        db.session.commit()
    large = measure(app, client_a, pages)
    body = client_a.get(pages["mediation case detail"]).get_data(as_text=True)
    assert f"当事人{LARGE - 1:02d}" in body
    body = client_a.get(pages["legal aid case detail"]).get_data(as_text=True)
    assert f"会见{LARGE - 1}" in body
    body = client_a.get(pages["mediation committee detail"]).get_data(as_text=True)
    assert f"调解员{LARGE - 1:02d}" in body
    body = client_a.get(pages["legal aid provider detail"]).get_data(as_text=True)
    assert body.count("/legal_aid/cases/") >= LARGE + 1
    body = client_a.get(pages["person detail (records on every line)"]).get_data(as_text=True)
    assert body.count("/mediation/cases/") >= LARGE and body.count("/legal_aid/cases/") >= LARGE
    assert_flat(small, large, f"{SMALL} vs {LARGE} children")



def test_case_pages_read_each_table_once(app: Flask, tenant_a: TenantFixture) -> None:
    """No table is read twice for one case page: a repeated read is a lookup the page lost
    (the mediation page read its place three times, the identity map having let it go)."""
    client_a = everything_client(app, tenant_a)
    with app.app_context(), tenant_context(tenant_a.id):
        mediation = mediation_support.seed_mediation_records("一读")
        aid = legal_aid_support.seed_legal_aid_records("一读")
        case = db.session.get(Case, mediation["case_id"])
        case.place_id = places.create(kind="village", name="一读村", town="城关镇").id
        db.session.commit()
    base = f"/t/{tenant_a.slug}"
    for url in (f"{base}/mediation/cases/{mediation['case_id']}",
                f"{base}/legal_aid/cases/{aid['case_id']}"):
        assert client_a.get(url).status_code == 200
        with count_statements(app) as statements:
            page = client_a.get(url)
        assert page.status_code == 200
        reads = Counter(re.search(r"\bFROM (\w+)", statement).group(1)
                        for statement in statements
                        if statement.lstrip().upper().startswith("SELECT"))
        assert reads and max(reads.values()) == 1, (url, reads)
    assert "一读村" in client_a.get(f"{base}/mediation/cases/{mediation['case_id']}").get_data(
        as_text=True)
