"""The demo data of the mediation line: a believable county in a fresh tenant, every status,
valid ID numbers, numbers from the numbering service, fast, and nothing added on a rerun."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import func, select

from core.people.idcard import validate_resident_id
from core.sdk import OrgUnit, OrgUnitType, Person, Tenant, db, tenant_context
from plugins.mediation.demo import demo_data, resident_id
from plugins.mediation.models import (
    Agreement,
    Case,
    Committee,
    JudicialConfirmation,
    MediationSession,
    ReturnVisit,
    Screening,
    Transfer,
)
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseSource,
    CaseStatus,
    CommitteeType,
    TransferDirection,
)
from plugins.mediation.workflow import today

from conftest import login


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_resident_ids_carry_the_right_check_character() -> None:
    from datetime import date

    number = resident_id("510823", date(1978, 5, 12), 31)
    assert validate_resident_id(number).number == number
    assert number.startswith("51082319780512031")


def test_the_demo_builds_a_county_once(app, demo) -> None:
    """The county `fatong demo` builds (tests/conftest.py builds it once per run)."""
    with app.app_context(), tenant_context(demo.id):
        cases = db.session.scalars(select(Case)).all()
        assert 280 <= len(cases) <= 320
        statuses = Counter(case.status for case in cases)
        assert set(statuses) == set(CaseStatus), statuses
        # Most cases are finished: archived or agreed.
        assert statuses[CaseStatus.ARCHIVED] + statuses[CaseStatus.AGREED] > len(cases) * 0.6
        assert Counter(case.source for case in cases).keys() == set(CaseSource)
        # Spread over the last year, and a few still mediating past their month.
        days = [case.applied_on for case in cases]
        assert min(days) >= today() - timedelta(days=366) and max(days) <= today()
        overdue = [case for case in cases if case.status is CaseStatus.MEDIATING
                   and case.due_on < today()]
        assert 3 <= len(overdue) <= 15
        # Numbers from the numbering service, unique, for every accepted case.
        numbered = [case.number for case in cases if case.accepted_on]
        assert all(number and "人调字第" in number for number in numbered)
        assert len(set(numbered)) == len(numbered)
        assert not any(case.number for case in cases if case.status is CaseStatus.APPLIED)

        # Five stations under the bureau; committees of every kind; a committee with no woman.
        stations = db.session.scalars(select(OrgUnit).where(
            OrgUnit.unit_type == OrgUnitType.STATION)).all()
        assert len(stations) == 5 and {"下寺司法所", "普安司法所"} <= {s.name for s in stations}
        committees = db.session.scalars(select(Committee)).all()
        assert 15 <= len(committees) <= 25
        assert {c.committee_type for c in committees} >= {
            CommitteeType.TOWN, CommitteeType.VILLAGE, CommitteeType.COMMUNITY,
            CommitteeType.INDUSTRY, CommitteeType.ENTERPRISE}
        no_woman = str(gettext("The committee has no woman member (Art. 8)."))
        warned = [c for c in committees if no_woman in c.composition_warnings()]
        assert [c.name for c in warned] == ["元山镇红岩村人民调解委员会"]
        assert all(3 <= len(c.members) <= 7 for c in committees)

        # Records hanging off the cases.
        agreements = db.session.scalars(select(Agreement)).all()
        kinds = Counter(a.kind for a in agreements)
        assert kinds[AgreementKind.WRITTEN] > kinds[AgreementKind.ORAL] > 10
        assert sum(a.amount or 0 for a in agreements) > 100000
        assert count(MediationSession) >= len(agreements)
        assert count(ReturnVisit) > 100
        assert 3 <= count(JudicialConfirmation) <= 25
        assert db.session.scalar(select(func.count()).select_from(Transfer).where(
            Transfer.direction == TransferDirection.IN)) > 10
        assert 50 <= count(Screening) <= 70
        # Parties are registered residents with valid 5108xx ID numbers.
        for person in db.session.scalars(select(Person).limit(40)):
            number = person.id_number.reveal()
            assert number.startswith("5108") and validate_resident_id(number).number == number

        before = {model.__name__: count(model) for model in (Case, Committee, Screening,
                                                              Person, OrgUnit)}
        demo_data(tenant=db.session.get(Tenant, demo.id))
        db.session.commit()
        after = {model.__name__: count(model) for model in (Case, Committee, Screening,
                                                             Person, OrgUnit)}
        assert after == before


def test_fatong_demo_fills_the_mediation_pages(app, demo) -> None:
    client = app.test_client()
    login(client, demo, password=demo.password)
    page = client.get("/t/demo/statistics/mediation/?kind=year&year=" + str(today().year))
    assert page.status_code == 200
    assert 'data-key="mediation.accepted"' in page.get_data(as_text=True)
    with app.app_context():
        from core.sdk import Tenant

        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        with tenant_context(tenant):
            case = db.session.scalar(select(Case).join(Agreement, Agreement.case_id == Case.id)
                                     .where(Agreement.kind == AgreementKind.WRITTEN).limit(1))
            assert case.number.startswith(f"（{case.accepted_on.year}）剑人调字第")
            case_id, number = case.id, case.number
    printed = client.get(f"/t/demo/documents/mediation.agreement/{case_id}")
    assert printed.status_code == 200 and number in printed.get_data(as_text=True)
