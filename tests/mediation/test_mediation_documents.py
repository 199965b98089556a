"""The five printed papers of a mediation dossier: each renders with the case number, the
bureau's name and its key contents; a paper that does not apply, another tenant's id or a
case outside the user's scope answers 404."""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from flask_babel import gettext
from sqlalchemy import select

from core.people.idcard import check_character
from core.sdk import Gender, db, people, tenant_context
from plugins.mediation.documents import (
    AGREEMENT,
    APPLICATION,
    ORAL_AGREEMENT,
    SESSION_RECORD,
    VISIT_RECORD,
    document_templates,
    load_agreement,
)
from plugins.mediation.models import (
    Agreement,
    Case,
    CaseParty,
    Committee,
    MediationSession,
    ReturnVisit,
)
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseStatus,
    PartyRole,
    Performance,
    Satisfaction,
    VisitMethod,
)
from plugins.mediation.workflow import TIMEZONE, transition

from conftest import login
from mediation_support import drive_case, login_as, world  # noqa: F401

S = CaseStatus
TENANT_NAME = "剑阁县司法局"
COMMITTEE = "城关镇新华村人民调解委员会"


def resident_id(birth: str, sequence: str) -> str:
    first17 = f"510823{birth}{sequence}"
    return first17 + check_character(first17)


APPLICANT_ID = resident_id("19780512", "031")  # a man (odd sequence)
RESPONDENT_ID = resident_id("19850920", "042")  # a woman
APPLICANT_PHONE = "13908120001"


RIGHTS = ("Under Articles 23 and 24 of the People's Mediation Law, the parties may choose or "
          "accept the mediator, accept or refuse mediation or ask to end it, ask for the "
          "mediation to be held in public or not, express their will freely and reach an "
          "agreement of their own free will; they shall state the facts of the dispute "
          "truthfully, keep order at the mediation, and respect the mediator and the other "
          "party's exercise of their rights.")


@dataclass
class Dossier:
    case_id: int
    number: str
    session_id: int
    visit_id: int


def _parties(case: Case) -> None:
    applicant = people.create(name="何建军", id_number=APPLICANT_ID, phone=APPLICANT_PHONE,
                              ethnic_group="01", address="剑阁县下寺镇新华村3组12号")
    respondent = people.create(name="罗桂兰", id_number=RESPONDENT_ID, ethnic_group="01",
                               address="剑阁县下寺镇新华村3组15号")
    db.session.add_all([
        CaseParty(case_id=case.id, person_id=applicant.id, role=PartyRole.APPLICANT,
                  sort_order=0),
        CaseParty(case_id=case.id, person_id=respondent.id, role=PartyRole.RESPONDENT,
                  sort_order=1, work_unit="剑阁县下寺镇中心小学")])
    db.session.flush()


def _dossier(world, kind: AgreementKind = AgreementKind.WRITTEN) -> Dossier:  # noqa: F811
    """An agreed case with our own parties, one session, an agreement and a return visit."""
    case = drive_case(world, S.MEDIATING, applied=date(2026, 3, 2))
    # drive_case's parties have no ID numbers: replace them with two registered residents.
    for party in db.session.scalars(select(CaseParty).where(CaseParty.case_id == case.id)):
        db.session.delete(party)
    db.session.flush()
    case.request = "请求被申请人拆除越界围墙并赔偿损失。"
    _parties(case)
    session = MediationSession(
        case_id=case.id, seq=1, held_at=datetime(2026, 3, 5, 9, 30, tzinfo=TIMEZONE),
        location="新华村调解室",
        mediators="王秀英、张德明", attendees="何建军、罗桂兰", recorder="刘建国",
        rights_explained=True, record="双方陈述了围墙修建经过。\n调解员释明相邻关系的法律规定。",
        outcome="双方同意按协议处理。")
    db.session.add(session)
    db.session.add(Agreement(
        case_id=case.id, kind=kind, effective_on=date(2026, 3, 5),
        facts="罗桂兰修建围墙占用何建军宅基地约半米。", liabilities="罗桂兰负主要责任。",
        terms="罗桂兰于十日内拆除越界部分围墙，并赔偿何建军损失人民币贰仟元。",
        performance_method="一次性现金支付。", performance_due=date(2026, 3, 15),
        amount="2000.00", copies=3))
    db.session.flush()
    transition(case, S.AGREED, on=date(2026, 3, 5))
    visit = ReturnVisit(case_id=case.id, visited_on=date(2026, 3, 20), method=VisitMethod.ON_SITE,
                        visitor="王秀英", performance=Performance.PERFORMED,
                        satisfaction=Satisfaction.SATISFIED, notes="围墙已拆除，赔偿款已付清。")
    db.session.add(visit)
    db.session.commit()
    return Dossier(case.id, case.number, session.id, visit.id)


@pytest.fixture
def dossier(app, world) -> Dossier:  # noqa: F811
    with app.app_context(), tenant_context(world.tenant.id):
        return _dossier(world)


def url(world, key: str, object_id: int) -> str:  # noqa: F811
    return f"/t/{world.tenant.slug}/documents/{key}/{object_id}"


def page(client, address: str) -> str:
    """The page's text with entities decoded (people's names, quotes in translations)."""
    response = client.get(address)
    assert response.status_code == 200, response.status_code
    return html_lib.unescape(response.get_data(as_text=True))


def t(app, msgid: str, **values) -> str:
    """``msgid`` as the user reads it (the app's locale, whatever the catalog says)."""
    with app.test_request_context():
        return str(gettext(msgid, **values))


def signs(app, role: str, name: str) -> str:
    return t(app, "%(role)s %(name)s (signature, seal or fingerprint)", role=t(app, role),
             name=name)


def test_five_documents_are_registered() -> None:
    keys = [template.key for template in document_templates()]
    assert keys == [APPLICATION, SESSION_RECORD, AGREEMENT, ORAL_AGREEMENT, VISIT_RECORD]


def test_the_written_agreement_has_the_article_29_contents(app, world, dossier,  # noqa: F811
                                                          login_as) -> None:  # noqa: F811
    html = page(login_as("station"), url(world, AGREEMENT, dossier.case_id))
    assert dossier.number.startswith("（2026）") and dossier.number in html
    assert 'data-testid="document-number">' + dossier.number in html
    assert TENANT_NAME in html and COMMITTEE in html
    # Parties' basic information, ID numbers in full (an official paper identifies them).
    for text in ("何建军", "罗桂兰", APPLICANT_ID, RESPONDENT_ID, "汉族",
                 "剑阁县下寺镇新华村3组12号", "剑阁县下寺镇中心小学"):
        assert text in html, text
    assert APPLICANT_PHONE not in html  # the agreement does not print phone numbers
    for text in ("罗桂兰修建围墙占用何建军宅基地约半米。", "罗桂兰负主要责任。",
                 "罗桂兰于十日内拆除越界部分围墙", "一次性现金支付。"):
        assert text in html, text
    # Art. 29 effect, Art. 33 judicial confirmation, the copies, each party's signature.
    for msgid in ("This agreement takes effect on the day every party has signed, sealed or "
                  "fingerprinted it and the mediator has signed it and the seal of the people's "
                  "mediation committee has been affixed (People's Mediation Law, Art. 29). It "
                  "is legally binding and the parties shall perform it as agreed (Art. 31).",
                  "If the parties consider it necessary, they may jointly apply to the "
                  "people's court for judicial confirmation within thirty days of the day "
                  "this agreement takes effect (Art. 33).", "Mediator (signature)"):
        assert t(app, msgid) in html, msgid
    assert t(app, "This agreement is made in %(copies)d copies: one for each party and one "
                  "kept by the people's mediation committee.", copies=3) in html
    assert signs(app, "Applicant", "何建军") in html
    assert signs(app, "Respondent", "罗桂兰") in html
    assert 'data-testid="document-seal"' in html


def test_the_application_shows_the_parties_and_the_request(app, world, dossier,  # noqa: F811
                                                           login_as) -> None:  # noqa: F811
    html = page(login_as("station"), url(world, APPLICATION, dossier.case_id))
    assert dossier.number in html and TENANT_NAME in html and COMMITTEE in html
    for text in (APPLICANT_ID, RESPONDENT_ID, APPLICANT_PHONE, "1978", "宅基地边界围墙纠纷",
                 "请求被申请人拆除越界围墙并赔偿损失。", t(app, "Applicant"),
                 t(app, "Respondent")):
        assert text in html, text


def test_the_session_record(app, world, dossier, login_as) -> None:  # noqa: F811
    html = page(login_as("mediator"), url(world, SESSION_RECORD, dossier.session_id))
    assert dossier.number in html and TENANT_NAME in html
    for text in ("新华村调解室", "王秀英、张德明", "何建军、罗桂兰", "刘建国", "09:30",
                 "双方陈述了围墙修建经过。", "调解员释明相邻关系的法律规定。",
                 "双方同意按协议处理。",
                 "☑" + t(app, "Told to the parties"), t(app, "Recorder (signature)")):
        assert text in html, text
    # The rights and duties told to the parties (Art. 23-24), in full.
    assert t(app, RIGHTS) in html


def test_the_visit_record(app, world, dossier, login_as) -> None:  # noqa: F811
    html = page(login_as("station"), url(world, VISIT_RECORD, dossier.visit_id))
    assert dossier.number in html and TENANT_NAME in html
    for text in ("围墙已拆除，赔偿款已付清。", "☑" + t(app, "On site"), "☐" + t(app, "By phone"),
                 "☑" + t(app, "Performed"), "☑" + t(app, "Satisfied"), "何建军、罗桂兰"):
        assert text in html, text


def test_an_oral_agreement_prints_on_the_register_not_as_an_agreement(app, world,  # noqa: F811
                                                                       login_as) -> None:  # noqa: F811
    with app.app_context(), tenant_context(world.tenant.id):
        oral = _dossier(world, AgreementKind.ORAL)
    client = login_as("station")
    assert client.get(url(world, AGREEMENT, oral.case_id)).status_code == 404
    html = page(client, url(world, ORAL_AGREEMENT, oral.case_id))
    assert oral.number in html and COMMITTEE in html
    assert 'data-testid="oral-agreement-table"' in html
    for text in ("罗桂兰于十日内拆除越界部分围墙", RESPONDENT_ID, "2000.00"):
        assert text in html, text


def test_a_written_agreement_has_no_oral_register(world, dossier, login_as) -> None:  # noqa: F811
    assert login_as("station").get(
        url(world, ORAL_AGREEMENT, dossier.case_id)).status_code == 404


def test_a_case_without_agreement_has_neither(app, world, login_as) -> None:  # noqa: F811
    with app.app_context(), tenant_context(world.tenant.id):
        case_id = drive_case(world, S.MEDIATING).id
        db.session.commit()
        assert load_agreement(case_id) is None
    client = login_as("station")
    assert client.get(url(world, AGREEMENT, case_id)).status_code == 404
    assert client.get(url(world, ORAL_AGREEMENT, case_id)).status_code == 404
    # An application has no number yet: it prints without one.
    with app.app_context(), tenant_context(world.tenant.id):
        applied = drive_case(world, S.APPLIED).id
        db.session.commit()
    html = page(client, url(world, APPLICATION, applied))
    assert 'data-testid="document-number"' not in html


def test_out_of_scope_and_unknown_ids_are_not_found(world, dossier, login_as) -> None:  # noqa: F811
    other = login_as("other_station")  # 白龙司法所: the case is 城关's
    for key, object_id in ((APPLICATION, dossier.case_id), (AGREEMENT, dossier.case_id),
                           (SESSION_RECORD, dossier.session_id),
                           (VISIT_RECORD, dossier.visit_id)):
        assert other.get(url(world, key, object_id)).status_code == 404, key
        assert other.get(url(world, key, object_id + 7)).status_code == 404, key
    assert login_as("section").get(url(world, AGREEMENT, dossier.case_id)).status_code == 200


def test_another_tenants_ids_are_not_found(app, world, dossier, tenant_b) -> None:  # noqa: F811
    client = app.test_client()
    login(client, tenant_b)  # tenant B's admin may print mediation papers of tenant B
    for key, object_id in ((APPLICATION, dossier.case_id), (AGREEMENT, dossier.case_id),
                           (SESSION_RECORD, dossier.session_id),
                           (VISIT_RECORD, dossier.visit_id)):
        response = client.get(f"/t/{tenant_b.slug}/documents/{key}/{object_id}")
        assert response.status_code == 404, key


def test_a_committee_mediator_prints_own_committee_cases_only(app, world, dossier,  # noqa: F811
                                                              login_as) -> None:  # noqa: F811
    with app.app_context(), tenant_context(world.tenant.id):
        other = drive_case(world, S.MEDIATING, committee_id=world.other_committee_id,
                           mediator_id=world.other_mediator_id)
        assert db.session.get(Committee, world.other_committee_id) is not None
        db.session.commit()
        other_id = other.id
    mediator = login_as("mediator")
    assert mediator.get(url(world, APPLICATION, dossier.case_id)).status_code == 200
    assert mediator.get(url(world, APPLICATION, other_id)).status_code == 404


def test_another_document_than_the_resident_id_is_named(app, world, dossier,  # noqa: F811
                                                        login_as) -> None:  # noqa: F811
    with app.app_context(), tenant_context(world.tenant.id):
        visitor = people.create(name="Anna Müller", id_type="passport", id_number="C01X00T47",
                                gender=Gender.FEMALE)
        db.session.add(CaseParty(case_id=dossier.case_id, person_id=visitor.id,
                                 role=PartyRole.THIRD_PARTY, sort_order=2))
        db.session.commit()
    html = page(login_as("station"), url(world, AGREEMENT, dossier.case_id))
    assert f"{t(app, 'Passport')} C01X00T47" in html
    assert signs(app, "Third party", "Anna Müller") in html
