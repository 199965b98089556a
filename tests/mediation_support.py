"""Fixtures of the mediation tests: a county with two stations, committees, mediators, users
holding the line's role templates, and a helper that drives a case to any status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from core.access.models import Role
from core.access.service import assign_role
from core.sdk import (
    Gender,
    OrgUnit,
    OrgUnitType,
    User,
    db,
    orgunits,
    people,
    tenant_context,
)
from plugins.mediation.models import (
    Agreement,
    Case,
    CaseParty,
    Committee,
    DisputeType,
    MediationSession,
    Mediator,
    ReturnVisit,
    Transfer,
)
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseSource,
    CaseStatus,
    CommitteeType,
    Counterpart,
    MediatorPosition,
    PartyRole,
    Performance,
    RejectionReason,
    TerminationReason,
    TransferDirection,
    VisitMethod,
)
from plugins.mediation.workflow import open_case, transition

from conftest import PASSWORD, TenantFixture, login


@dataclass
class MediationWorld:
    """Ids of what the fixture built in tenant A (objects are reloaded per context)."""

    tenant: TenantFixture
    station_id: int  # 城关司法所
    other_station_id: int  # 白龙司法所
    committee_id: int  # 城关镇新华村人民调解委员会 (under 城关司法所)
    other_committee_id: int  # 白龙镇人民调解委员会 (under 白龙司法所)
    mediator_id: int  # 王秀英, chair of the 新华村 committee (user "mediator")
    other_mediator_id: int
    dispute_type_id: int  # 邻里
    users: dict[str, str] = field(default_factory=dict)  # key -> username


def _unit(name: str, code: str, unit_type: OrgUnitType, parent: OrgUnit) -> OrgUnit:
    return orgunits.create_unit(name, code, unit_type, parent)


def _committee(name: str, parent: OrgUnit, code: str, town: str) -> Committee:
    unit = _unit(name, code, OrgUnitType.MEDIATION_COMMITTEE, parent)
    committee = Committee(org_unit_id=unit.id, name=name, committee_type=CommitteeType.VILLAGE,
                          town=town)
    db.session.add(committee)
    db.session.flush()
    return committee


def _mediator(committee: Committee, name: str, gender: Gender, position: MediatorPosition,
              user: User | None = None) -> Mediator:
    person = people.create(name=name, id_type="other", gender=gender)
    mediator = Mediator(committee_id=committee.id, person_id=person.id, position=position,
                        user_id=user.id if user else None)
    db.session.add(mediator)
    db.session.flush()
    return mediator


def _user(username: str, display_name: str, role_key: str, unit: OrgUnit | None) -> User:
    user = User(username=username, display_name=display_name)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    role = db.session.scalar(select(Role).where(Role.key == role_key))
    assign_role(user, role, org_unit=unit, actor="test")
    return user


@pytest.fixture
def world(app: Flask, tenant_a: TenantFixture) -> MediationWorld:
    """Tenant A (剑阁) with: bureau > 城关司法所 > 新华村调委会, bureau > 白龙司法所 > 白龙镇调委会;
    users ``section`` (局调解科, whole county), ``station`` (城关司法所), ``mediator``
    (新华村调委会), ``other_station`` (白龙司法所)."""
    with app.app_context(), tenant_context(tenant_a.id):
        bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
        station = _unit("城关司法所", "cg-sfs", OrgUnitType.STATION, bureau)
        other_station = _unit("白龙司法所", "bl-sfs", OrgUnitType.STATION, bureau)
        committee = _committee("城关镇新华村人民调解委员会", station, "cg-xh-twh", "城关镇")
        other_committee = _committee("白龙镇人民调解委员会", other_station, "bl-twh", "白龙镇")
        users = {
            "section": _user("section", "李科长", "mediation_section", None),
            "station": _user("station", "赵所长", "mediation_station", station),
            "mediator": _user("mediator", "王秀英", "mediation_mediator",
                              db.session.get(OrgUnit, committee.org_unit_id)),
            "other_station": _user("other_station", "钱所长", "mediation_station",
                                   other_station),
        }
        chair = _mediator(committee, "王秀英", Gender.FEMALE, MediatorPosition.CHAIR,
                          users["mediator"])
        _mediator(committee, "张德明", Gender.MALE, MediatorPosition.MEMBER)
        _mediator(committee, "刘建国", Gender.MALE, MediatorPosition.MEMBER)
        other = _mediator(other_committee, "陈光华", Gender.MALE, MediatorPosition.CHAIR)
        neighbours = db.session.scalar(select(DisputeType).where(
            DisputeType.code == "neighbourhood"))
        built = MediationWorld(
            tenant=tenant_a, station_id=station.id, other_station_id=other_station.id,
            committee_id=committee.id, other_committee_id=other_committee.id,
            mediator_id=chair.id, other_mediator_id=other.id,
            dispute_type_id=neighbours.id,
            users={key: user.username for key, user in users.items()})
        db.session.commit()
    return built


@pytest.fixture
def login_as(app: Flask, world: MediationWorld) -> Callable[[str], Any]:
    """``login_as("station")`` -> a test client logged in as that fixture user."""

    def _login(key: str):
        client = app.test_client()
        login(client, world.tenant, world.users.get(key, key))
        return client

    return _login


_PARTY_NAMES = [("张三", Gender.MALE), ("李四", Gender.MALE), ("王芳", Gender.FEMALE)]


def add_parties(case: Case, count: int = 2) -> None:
    roles = [PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD_PARTY]
    for index in range(count):
        name, gender = _PARTY_NAMES[index]
        person = people.create(name=name, id_type="other", gender=gender)
        db.session.add(CaseParty(case_id=case.id, person_id=person.id, role=roles[index],
                                 sort_order=index))
    db.session.flush()


def add_session(case: Case, held: date) -> MediationSession:
    seq = len(db.session.scalars(select(MediationSession.id).where(
        MediationSession.case_id == case.id)).all()) + 1
    session = MediationSession(case_id=case.id, seq=seq,
                               held_at=datetime(held.year, held.month, held.day, 9, 30),
                               location="新华村调解室", mediators="王秀英",
                               attendees="张三、李四", rights_explained=True,
                               record="双方陈述了争议经过，调解员释明相关法律规定。")
    db.session.add(session)
    db.session.flush()
    return session


def add_agreement(case: Case, effective: date, kind: AgreementKind = AgreementKind.WRITTEN,
                  amount: str | None = "3000.00") -> Agreement:
    agreement = Agreement(
        case_id=case.id, kind=kind, effective_on=effective,
        facts="李四修建围墙占用张三宅基地约半米，双方发生争执。",
        liabilities="李四对占用负主要责任。",
        terms="李四于十日内拆除越界部分围墙，并赔偿张三损失人民币叁仟元。",
        performance_method="一次性现金支付，当面交付。",
        performance_due=effective, amount=amount)
    db.session.add(agreement)
    db.session.flush()
    return agreement


def drive_case(world: MediationWorld, status: CaseStatus, *, applied: date = date(2026, 3, 2),
               committee_id: int | None = None, mediator_id: int | None = None,
               **fields: Any) -> Case:
    """A case in ``status`` built through the workflow (call inside tenant A's context)."""
    S = CaseStatus
    case = open_case(
        S.APPLIED, source=CaseSource.APPLICATION,
        committee_id=committee_id or world.committee_id,
        org_unit_id=db.session.get(Committee, committee_id or world.committee_id).org_unit_id,
        dispute_type_id=world.dispute_type_id, summary="宅基地边界围墙纠纷",
        applied_on=applied, **fields)
    add_parties(case)
    if status is S.APPLIED:
        return case
    if status is S.REJECTED:
        transition(case, S.REJECTED, rejection_reason=RejectionReason.PARTY_REFUSED, on=applied)
        return case
    transition(case, S.ACCEPTED, on=applied)
    if status is S.ACCEPTED:
        return case
    transition(case, S.MEDIATING, mediator_id=mediator_id or world.mediator_id, on=applied)
    if status is S.MEDIATING:
        return case
    add_session(case, applied)
    if status is S.AGREED or status is S.ARCHIVED:
        add_agreement(case, applied)
        transition(case, S.AGREED, on=applied)
        if status is S.ARCHIVED:
            db.session.add(ReturnVisit(case_id=case.id, visited_on=applied,
                                       method=VisitMethod.PHONE,
                                       performance=Performance.PERFORMED))
            db.session.flush()
            transition(case, S.ARCHIVED, on=applied)
        return case
    if status is S.FAILED:
        transition(case, S.FAILED, routes_explained=True, on=applied)
    elif status is S.TERMINATED:
        transition(case, S.TERMINATED, termination_reason=TerminationReason.PARTY_WITHDREW,
                   on=applied)
    elif status is S.TRANSFERRED:
        db.session.add(Transfer(case_id=case.id, direction=TransferDirection.OUT,
                                counterpart=Counterpart.COURT, organ="剑阁县人民法院",
                                transferred_on=applied))
        db.session.flush()
        transition(case, S.TRANSFERRED, on=applied)
    return case


def seed_mediation_records(title: str) -> dict[str, int]:
    """One of every mediation record in the current tenant (for the sweep and the access
    matrix): a committee with a mediator, an agreed case with a session, agreement, visit,
    confirmation and referral, an oral-agreement case, and a screening. Repeatable."""
    from core.sdk import new_id
    from plugins.mediation.models import JudicialConfirmation, Screening

    S = CaseStatus
    bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    committee = _committee(f"{title}调委会{new_id() % 100000}", bureau, f"sw-{new_id()}",
                           "城关镇")
    mediator = _mediator(committee, f"{title}调解员", Gender.FEMALE, MediatorPosition.CHAIR)
    dispute_type = db.session.scalar(select(DisputeType).order_by(DisputeType.sort_order))
    day = date(2026, 3, 2)

    def agreed(kind: AgreementKind) -> Case:
        case = open_case(S.ACCEPTED, source=CaseSource.APPLICATION, committee_id=committee.id,
                         org_unit_id=committee.org_unit_id, dispute_type_id=dispute_type.id,
                         summary=f"{title}的纠纷", applied_on=day)
        add_parties(case)
        transition(case, S.MEDIATING, mediator_id=mediator.id, on=day)
        add_session(case, day)
        add_agreement(case, day, kind)
        transition(case, S.AGREED, on=day)
        return case

    case = agreed(AgreementKind.WRITTEN)
    oral = agreed(AgreementKind.ORAL)
    visit = ReturnVisit(case_id=case.id, visited_on=day, method=VisitMethod.PHONE,
                        performance=Performance.PERFORMED)
    confirmation = JudicialConfirmation(case_id=case.id, applied_on=day, court="剑阁县人民法院")
    transfer = Transfer(case_id=case.id, direction=TransferDirection.IN,
                        counterpart=Counterpart.POLICE, organ="城关派出所", transferred_on=day)
    screening = Screening(org_unit_id=committee.org_unit_id, screened_on=day,
                          summary=f"{title}的排查记录", dispute_type_id=dispute_type.id)
    db.session.add_all([visit, confirmation, transfer, screening])
    db.session.flush()
    session_id = db.session.scalar(select(MediationSession.id).where(
        MediationSession.case_id == case.id))
    party_id = db.session.scalar(select(CaseParty.id).where(CaseParty.case_id == case.id))
    return {"committee_id": committee.id, "mediator_id": mediator.id, "case_id": case.id,
            "oral_case_id": oral.id, "session_id": session_id, "visit_id": visit.id,
            "confirmation_id": confirmation.id, "transfer_id": transfer.id,
            "screening_id": screening.id, "dispute_type_id": dispute_type.id,
            "party_id": party_id}
