"""Fixtures of the legal aid tests: a county with a legal aid centre and a station, users
holding the line's role templates, a provider pool (two of them linked to user accounts),
and a helper that drives a case to any status through the workflow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from core.access.models import Role
from core.access.service import assign_role
from core.sdk import Gender, OrgUnit, OrgUnitType, User, db, orgunits, people, tenant_context
from plugins.legal_aid.assignment import MemberKind
from plugins.legal_aid.eligibility import MatterKind, Route
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models import AidCase, Assignment, Material, Provider
from plugins.legal_aid.models.enums import (
    AssignmentMethod,
    CaseResult,
    CaseStatus,
    MaterialStatus,
    ReviewGrade,
    TerminationGround,
)
from plugins.legal_aid.workflow import open_case, transition

from conftest import PASSWORD, TenantFixture, login


@dataclass
class LegalAidWorld:
    """Ids of what the fixture built in tenant A (objects are reloaded per context)."""

    tenant: TenantFixture
    centre_id: int  # 剑阁县法律援助中心 (org unit)
    station_id: int  # 城关司法所 (org unit, a workstation)
    applicant_id: int  # 张桂兰, a woman born 1950 (person)
    provider_ids: dict[str, int] = field(default_factory=dict)  # key -> provider id
    users: dict[str, str] = field(default_factory=dict)  # key -> username


def _user(username: str, display_name: str, role_key: str, unit: OrgUnit | None) -> User:
    user = User(username=username, display_name=display_name)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    role = db.session.scalar(select(Role).where(Role.key == role_key))
    assign_role(user, role, org_unit=unit, actor="test")
    return user


def _provider(name: str, kind: MemberKind, user: User | None = None, **fields: Any) -> Provider:
    provider = Provider(name=name, kind=kind, user_id=user.id if user else None, **fields)
    db.session.add(provider)
    db.session.flush()
    return provider


@pytest.fixture
def world(app: Flask, tenant_a: TenantFixture) -> LegalAidWorld:
    """Tenant A (剑阁) with: bureau > 法律援助中心, bureau > 城关司法所; users ``intake``
    (受理, centre), ``reviewer`` (审查, centre), ``director`` (中心主任, whole county),
    ``lawyer`` and ``lawyer2`` (承办律师, linked to providers ``li`` and ``zhou``),
    ``leader`` (局领导); providers ``li`` (lawyer, criminal, 12 years), ``zhou`` (lawyer,
    civil, 2 years), ``wu`` (legal service worker, labour), ``he`` (centre staff)."""
    with app.app_context(), tenant_context(tenant_a.id):
        bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
        centre = orgunits.create_unit("剑阁县法律援助中心", "jg-flyz",
                                      OrgUnitType.LEGAL_AID_CENTRE, bureau)
        station = orgunits.create_unit("城关司法所", "cg-sfs", OrgUnitType.STATION, bureau)
        users = {
            "intake": _user("intake", "孙受理", "legal_aid_intake", centre),
            "reviewer": _user("reviewer", "周审查", "legal_aid_reviewer", centre),
            "director": _user("director", "吴主任", "legal_aid_director", None),
            "lawyer": _user("lawyer", "李明律师", "legal_aid_lawyer", None),
            "lawyer2": _user("lawyer2", "周婷律师", "legal_aid_lawyer", None),
            "leader": _user("leader", "郑局长", "leader", None),
        }
        providers = {
            "li": _provider("李明", MemberKind.LAWYER, users["lawyer"],
                            organisation="四川剑门律师事务所", licence_number="15108201010123456",
                            practice_since=date(2012, 3, 1),
                            criminal_defence_since=date(2012, 3, 1),
                            specialities="criminal_defence,criminal_representation",
                            county="剑阁县", hometown="剑阁县", max_load=10),
            "zhou": _provider("周婷", MemberKind.LAWYER, users["lawyer2"],
                              organisation="四川剑门律师事务所",
                              licence_number="15108202410654321",
                              practice_since=date(2024, 9, 1),
                              specialities="civil,labour_arbitration",
                              county="剑阁县", max_load=8),
            "wu": _provider("吴刚", MemberKind.LEGAL_SERVICE_WORKER,
                            organisation="城关法律服务所", practice_since=date(2015, 5, 1),
                            specialities="labour_arbitration,civil,non_litigation",
                            county="剑阁县"),
            "he": _provider("何静", MemberKind.STAFF, legal_qualification=True,
                            organisation="剑阁县法律援助中心", practice_since=date(2018, 1, 1),
                            specialities="civil,administrative", county="剑阁县"),
        }
        applicant = people.create(name="张桂兰", id_type="other", gender=Gender.FEMALE,
                                  birth_date=date(1950, 4, 2))
        built = LegalAidWorld(
            tenant=tenant_a, centre_id=centre.id, station_id=station.id,
            applicant_id=applicant.id,
            provider_ids={key: p.id for key, p in providers.items()},
            users={key: user.username for key, user in users.items()})
        db.session.commit()
    return built


@pytest.fixture
def login_as(app: Flask, world: LegalAidWorld) -> Callable[[str], Any]:
    """``login_as("reviewer")`` -> a test client logged in as that fixture user."""

    def _login(key: str):
        client = app.test_client()
        login(client, world.tenant, world.users.get(key, key))
        return client

    return _login


# The order a case goes through; ``drive_case`` stops at the status asked for.
PATH = (CaseStatus.RECEIVED, CaseStatus.GRANTED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS,
        CaseStatus.ENDED, CaseStatus.CLOSED, CaseStatus.ARCHIVED)


def drive_case(world: LegalAidWorld, status: CaseStatus = CaseStatus.RECEIVED, *,
               provider: str = "zhou", received_on: date = date(2026, 3, 2),
               **fields: Any) -> AidCase:
    """A civil wage-claim application by 张桂兰, driven through the workflow to ``status``
    (inside a tenant context; flushes, the caller commits). Dates step a few days apart
    from ``received_on``. ``INCOMPLETE``, ``WITHDRAWN``, ``REFUSED`` and ``TERMINATED``
    branch off the main path where they would."""
    values: dict[str, Any] = {
        "org_unit_id": world.centre_id, "person_id": world.applicant_id, "route": Route.APPLY,
        "category": MatterCategory.CIVIL, "matter_kind": MatterKind.WAGES,
        "summary": "在建筑工地务工，工资被拖欠三个月共计18000元。",
        "request": "代理追索劳动报酬", "opposing_party": "剑阁县某建筑公司",
        "received_on": received_on, "household_size": 3,
        "monthly_household_income": Decimal("1500"), "recipient_groups": "woman,elderly",
    }
    values.update(fields)
    case = open_case(**values)
    day = received_on
    if status is CaseStatus.RECEIVED:
        return case
    if status in (CaseStatus.INCOMPLETE, CaseStatus.WITHDRAWN):
        db.session.add(Material(case_id=case.id, name="经济困难状况说明",
                                status=MaterialStatus.MISSING))
        db.session.flush()
        transition(case, CaseStatus.INCOMPLETE, on=day, incomplete_notice_on=day,
                   supplement_due_on=date.fromordinal(day.toordinal() + 15))
        if status is CaseStatus.WITHDRAWN:
            transition(case, CaseStatus.WITHDRAWN, on=date.fromordinal(day.toordinal() + 16),
                       withdrawn_on=date.fromordinal(day.toordinal() + 16))
        return case
    day = date.fromordinal(day.toordinal() + 2)
    if status is CaseStatus.REFUSED:
        transition(case, CaseStatus.REFUSED, on=day, decided_on=day, granted=False,
                   decision_reason="家庭人均收入高于经济困难标准。")
        return case
    if case.status is CaseStatus.RECEIVED:
        transition(case, CaseStatus.GRANTED, on=day, decided_on=day, granted=True,
                   decision_reason="符合经济困难标准。")
    if status is CaseStatus.GRANTED:
        return case
    day = date.fromordinal(day.toordinal() + 1)
    provider_id = world.provider_ids[provider]
    db.session.add(Assignment(case_id=case.id, provider_id=provider_id,
                              method=AssignmentMethod.POOL, assigned_on=day))
    transition(case, CaseStatus.ASSIGNED, on=day, provider_id=provider_id, assigned_on=day)
    if status is CaseStatus.ASSIGNED:
        return case
    if status is CaseStatus.TERMINATED:
        transition(case, CaseStatus.TERMINATED, on=day, terminated_on=day,
                   termination_ground=TerminationGround.OWN_LAWYER,
                   termination_reason="受援人自行委托了律师。")
        return case
    day = date.fromordinal(day.toordinal() + 2)
    transition(case, CaseStatus.IN_PROGRESS, on=day, agreement_signed_on=day)
    if status is CaseStatus.IN_PROGRESS:
        return case
    day = date.fromordinal(day.toordinal() + 40)
    transition(case, CaseStatus.ENDED, on=day, ended_on=day, result=CaseResult.SETTLED,
               result_summary="经调解，对方支付全部欠薪。", amount_recovered=Decimal("18000"))
    if status is CaseStatus.ENDED:
        return case
    day = date.fromordinal(day.toordinal() + 5)
    review = date.fromordinal(day.toordinal() + 3)
    transition(case, CaseStatus.CLOSED, on=review, materials_submitted_on=day,
               reviewed_on=review, review_grade=ReviewGrade.QUALIFIED,
               subsidy_base=Decimal("800"), subsidy_amount=Decimal("800"))
    if status is CaseStatus.CLOSED:
        return case
    day = date.fromordinal(review.toordinal() + 1)
    transition(case, CaseStatus.ARCHIVED, on=day, archived_on=day)
    return case


def in_world(app: Flask, world: LegalAidWorld):
    """``with in_world(app, world): ...`` — the app and tenant A's context."""
    from contextlib import ExitStack

    stack = ExitStack()
    stack.enter_context(app.app_context())
    stack.enter_context(tenant_context(world.tenant.id))
    return stack


def seed_legal_aid_records(title: str) -> dict[str, int]:
    """One of every legal aid record in the current tenant (for the sweep, the access matrix
    and the page crawl): a provider, a consultation, a closed case with a material, an
    assignment, a progress note, quality checks and a complaint, a refused case and a
    terminated one. Repeatable; flushes."""
    from core.sdk import new_id
    from plugins.legal_aid.models import Complaint, Consultation, ProgressNote, QualityCheck
    from plugins.legal_aid.models.enums import (
        Channel,
        ConsultationOutcome,
        NoteKind,
        QualityKind,
        Satisfaction,
    )

    bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    person = people.create(name=f"{title}受援人", id_type="other", gender=Gender.MALE,
                           birth_date=date(1980, 1, 1))
    provider = _provider(f"{title}律师", MemberKind.LAWYER, organisation=f"{title}律师事务所",
                         practice_since=date(2010, 1, 1), criminal_defence_since=date(2010, 1, 1),
                         specialities="civil,criminal_defence", county="剑阁县")
    consultation = Consultation(channel=Channel.HOTLINE, consulted_on=date(2026, 3, 1),
                                org_unit_id=bureau.id, visitor_name=f"{title}来电人",
                                question=f"{title}的咨询", answer="已解答",
                                outcome=ConsultationOutcome.ANSWERED)
    db.session.add(consultation)
    world = LegalAidWorld(tenant=None, centre_id=bureau.id,  # type: ignore[arg-type]
                          station_id=bureau.id, applicant_id=person.id,
                          provider_ids={"seed": provider.id})
    closed = drive_case(world, CaseStatus.CLOSED, provider="seed",
                        summary=f"{title}的案件{new_id() % 100000}")
    day = date(2026, 3, 10)
    db.session.add_all([
        Material(case_id=closed.id, name="身份证明", status=MaterialStatus.RECEIVED,
                 received_on=date(2026, 3, 2)),
        ProgressNote(case_id=closed.id, noted_on=day, kind=NoteKind.MEETING,
                     content=f"{title}会见受援人"),
        QualityCheck(case_id=closed.id, kind=QualityKind.CONTACT, checked_on=day, round=1,
                     content="首次对接"),
        QualityCheck(case_id=closed.id, kind=QualityKind.FOLLOW_UP, checked_on=day,
                     satisfaction=Satisfaction.SATISFIED, content="回访满意"),
        Complaint(case_id=closed.id, received_on=day, complainant=f"{title}投诉人",
                  content="办案不及时"),
    ])
    refused = drive_case(world, CaseStatus.REFUSED, summary=f"{title}的不予案件")
    terminated = drive_case(world, CaseStatus.TERMINATED, provider="seed",
                            summary=f"{title}的终止案件")
    db.session.flush()
    assignment_id = db.session.scalar(select(Assignment.id).where(
        Assignment.case_id == closed.id))
    return {"case_id": closed.id, "refused_case_id": refused.id,
            "terminated_case_id": terminated.id, "provider_id": provider.id,
            "consultation_id": consultation.id, "assignment_id": assignment_id,
            "person_id": person.id}
