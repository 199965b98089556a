"""The legal aid demo: a believable centre in a fresh tenant, every status, numbers from the
numbering service, deadlines (some overdue), nothing added on a rerun, and demo accounts
that log in and see their pages."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select

from core.people.idcard import validate_resident_id
from core.sdk import OrgUnit, OrgUnitType, Person, User, db, tenant_context
from plugins.legal_aid.demo import demo_data
from plugins.legal_aid.models import AidCase, Consultation, Provider, QualityCheck
from plugins.legal_aid.models.enums import CaseStatus, Channel
from plugins.legal_aid.settings import legal_aid_settings

from conftest import PASSWORD, TenantFixture, login, provision


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_demo_builds_a_centre_once(app) -> None:
    demo = provision(app, "demo-la", "剑阁县司法局", "510823")
    with app.app_context(), tenant_context(demo.id):
        demo_data(tenant=demo.tenant)
        db.session.commit()

        cases = db.session.scalars(select(AidCase)).all()
        assert 14 <= len(cases) <= 20
        assert set(Counter(c.status for c in cases)) == set(CaseStatus)
        granted = [c for c in cases if c.number]
        assert all("法援字第" in c.number for c in granted)
        assert len({c.number for c in granted}) == len(granted)
        assert any(c.poverty_ledger for c in cases)
        assert any("abuse_victim" in c.art32 for c in cases)
        refused = next(c for c in cases if c.status is CaseStatus.REFUSED)
        assert refused.decision_reason and refused.decision_number
        assert all(c.subsidy_amount for c in cases
                   if c.status in (CaseStatus.CLOSED, CaseStatus.ARCHIVED))
        assert count(QualityCheck) >= 2

        consultations = db.session.scalars(select(Consultation)).all()
        assert 15 <= len(consultations) <= 25
        assert {c.channel for c in consultations} == set(Channel)
        assert 5 <= count(Provider) <= 8
        linked = db.session.scalar(select(Provider).where(Provider.user_id.is_not(None)))
        assert db.session.get(User, linked.user_id).username == "lvshi"
        assert db.session.scalar(select(OrgUnit).where(
            OrgUnit.unit_type == OrgUnitType.LEGAL_AID_CENTRE)) is not None
        assert legal_aid_settings().get("hardship_threshold") is not None
        for person in db.session.scalars(select(Person)):
            number = person.id_number.reveal()
            assert validate_resident_id(number).number == number

        before = {m.__name__: count(m) for m in (AidCase, Consultation, Provider, Person,
                                                 OrgUnit, User)}
        demo_data(tenant=demo.tenant)
        db.session.commit()
        after = {m.__name__: count(m) for m in (AidCase, Consultation, Provider, Person,
                                                OrgUnit, User)}
        assert after == before


def test_demo_accounts_log_in_and_see_their_pages(app) -> None:
    demo = provision(app, "demo-lb", "剑阁县司法局", "510823")
    with app.app_context(), tenant_context(demo.id):
        demo_data(tenant=demo.tenant)
        db.session.commit()
        mine = db.session.scalar(select(AidCase).join(
            Provider, Provider.id == AidCase.provider_id).join(
            User, User.id == Provider.user_id).where(
            User.username == "lvshi", AidCase.status == CaseStatus.ASSIGNED).limit(1))
        other = db.session.scalar(select(AidCase).where(
            AidCase.status == CaseStatus.GRANTED).limit(1))  # not assigned: not the lawyer's
        mine_id, other_id = mine.id, other.id
        mine_number, other_number = mine.number, other.number
    fixture = TenantFixture(tenant=None, id=demo.id, slug=demo.slug)
    base = f"/t/{demo.slug}/legal_aid"
    for username in ("shouli", "shencha", "zhuren"):
        client = app.test_client()
        login(client, fixture, username, PASSWORD)
        assert client.get(f"{base}/cases/{other_id}").status_code == 200, username
        # The deadlines centre: the demo's cases have deadlines due, some overdue.
        page = client.get(f"/t/{demo.slug}/deadlines/?days=30").get_data(as_text=True)
        days = [int(d) for d in re.findall(
            r'data-testid="deadline" data-plugin="legal_aid" data-due="[^"]*" '
            r'data-days="(-?\d+)"', page)]
        assert any(d < 0 for d in days) and any(d >= 0 for d in days), username
    lawyer = app.test_client()
    login(lawyer, fixture, "lvshi", PASSWORD)
    assert lawyer.get(f"{base}/cases/{mine_id}").status_code == 200
    assert lawyer.get(f"{base}/cases/{other_id}").status_code == 404
    # The deadlines centre shows the lawyer's own cases only.
    page = lawyer.get(f"/t/{demo.slug}/deadlines/?days=30").get_data(as_text=True)
    assert mine_number in page
    assert other_number not in page
