"""Sample records of the legal aid line for the demo tenant (the ``demo_data`` hook).

A county legal aid centre (剑阁县法律援助中心) under the bureau, a pool of six providers (one
linked to the demo lawyer account ``lvshi``), twenty consultations on every channel, and
fifteen cases in every status: migrant workers' wages, maintenance for the elderly, a
notified defence of a minor, a domestic-violence victim (Art. 32), a refusal with its
reasons, a termination, closed cases with subsidies and follow-up calls, and poverty-ledger
cases. Dates are relative to today so that the deadlines centre has items, some overdue.

Demo accounts (the demo admin's password, like the mediation demo's): ``shouli`` (受理),
``shencha`` (审查), ``zhuren`` (中心主任), ``lvshi`` (承办律师).

Idempotent: it does nothing but refresh the accounts' passwords when the tenant has any
legal aid case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.sdk import (
    Gender,
    OrgUnit,
    OrgUnitType,
    User,
    db,
    grant_role,
    hookimpl,
    orgunits,
    people,
)
from plugins.legal_aid.assignment import MemberKind
from plugins.legal_aid.demo_data import (
    CASES,
    CENTRE_CODE,
    CENTRE_NAME,
    CONSULTATIONS,
    PEOPLE,
    PROVIDERS,
    REGION,
)
from plugins.legal_aid.eligibility import MatterKind, Route, assess
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models import (
    AidCase,
    Assignment,
    Consultation,
    Material,
    ProgressNote,
    Provider,
    QualityCheck,
)
from plugins.legal_aid.models.enums import (
    AssignmentMethod,
    CaseResult,
    CaseStatus,
    Channel,
    ConsultationOutcome,
    MaterialStatus,
    NoteKind,
    QualityKind,
    ReviewGrade,
    Satisfaction,
    TerminationGround,
)
from plugins.legal_aid.settings import current_policy, legal_aid_settings
from plugins.legal_aid.workflow import open_case, today, transition

S = CaseStatus
# 四川: about 1.5 times the minimum living allowance, per head per month.
HARDSHIP_THRESHOLD = 1000

# username, display name, role key, scope ("centre" or the whole county)
DEMO_ACCOUNTS = (
    ("shouli", "法援受理（演示）", "legal_aid_intake", "centre"),
    ("shencha", "法援审查（演示）", "legal_aid_reviewer", "centre"),
    ("zhuren", "法援中心主任（演示）", "legal_aid_director", "county"),
    ("lvshi", "承办律师李明（演示）", "legal_aid_lawyer", "county"),
)

_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def resident_id(region: str, birth: date, sequence: int) -> str:
    """A well-formed 18-digit 公民身份号码 (GB 11643 check character)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def _centre() -> OrgUnit:
    existing = db.session.scalar(select(OrgUnit).where(
        (OrgUnit.code == CENTRE_CODE) | (OrgUnit.unit_type == OrgUnitType.LEGAL_AID_CENTRE))
        .order_by(OrgUnit.id).limit(1))
    if existing is not None:
        return existing
    bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None))
                               .order_by(OrgUnit.id).limit(1))
    return orgunits.create_unit(CENTRE_NAME, CENTRE_CODE, OrgUnitType.LEGAL_AID_CENTRE, bureau)


def _accounts(centre: OrgUnit) -> dict[str, User]:
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    made: dict[str, User] = {}
    if admin is None:
        return made
    for username, display_name, role_key, scope in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=display_name,
                        password_hash=admin.password_hash)
            db.session.add(user)
            db.session.flush()
            grant_role(user, role_key, centre if scope == "centre" else None, actor="demo")
        made[username] = user
    db.session.flush()
    return made


def _providers(accounts: dict[str, User]) -> dict[str, Provider]:
    made = {}
    for spec in PROVIDERS:
        values = {k: v for k, v in spec.items() if k not in ("key", "account", "kind")}
        account = accounts.get(spec.get("account") or "")
        provider = Provider(kind=MemberKind(spec["kind"]),
                            user_id=account.id if account is not None else None, **values)
        db.session.add(provider)
        made[spec["key"]] = provider
    db.session.flush()
    return made


def _people() -> dict[str, Any]:
    made = {}
    for key, spec in PEOPLE.items():
        number = resident_id(REGION, spec["birth"], spec["seq"])
        person, _created = people.get_or_create(
            name=spec["name"], id_type="resident_id", id_number=number,
            gender=Gender.MALE if spec["gender"] == "male" else Gender.FEMALE,
            birth_date=spec["birth"], address=spec["address"])
        made[key] = person
    return made


def _consultations(centre: OrgUnit, now: date, handler: User | None) -> None:
    for channel, ago, visitor, category, question, answer, outcome in CONSULTATIONS:
        db.session.add(Consultation(
            channel=Channel(channel), consulted_on=now - timedelta(days=ago),
            org_unit_id=centre.id, visitor_name=visitor,
            category=MatterCategory(category) if category else None, question=question,
            answer=answer, outcome=ConsultationOutcome(outcome),
            handled_by_id=handler.id if handler is not None else None))
    db.session.flush()


# Fields of a case spec that are not columns of the case.
_NOT_COLUMNS = {"person", "status", "ago", "provider", "missing", "notes", "decision_reason",
                "termination_ground", "termination_reason", "result", "result_summary",
                "amount_recovered", "grade", "subsidy", "follow_up"}


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _build_case(spec: dict[str, Any], person: Any, centre: OrgUnit,
                providers: dict[str, Provider], now: date, user: User | None) -> AidCase:
    status = S(spec["status"])
    received = now - timedelta(days=spec["ago"])
    route = Route(spec.get("route", "apply"))
    values = {k: v for k, v in spec.items() if k not in _NOT_COLUMNS}
    values.update(org_unit_id=centre.id, person_id=person.id, route=route,
                  category=MatterCategory(values["category"]), received_on=received,
                  client_hometown="剑阁县", handling_county="剑阁县")
    if values.get("matter_kind"):
        values["matter_kind"] = MatterKind(values["matter_kind"])
    if values.get("monthly_household_income") is not None:
        values["monthly_household_income"] = Decimal(values["monthly_household_income"])
    if route is Route.NOTIFIED:
        values["notice_received_on"] = received
    case = open_case(user=user, **values)

    if status in (S.INCOMPLETE, S.WITHDRAWN):
        for name in spec.get("missing", ()):
            db.session.add(Material(case_id=case.id, name=name, status=MaterialStatus.MISSING))
        db.session.add(Material(case_id=case.id, name="身份证复印件",
                                status=MaterialStatus.RECEIVED, received_on=received))
        db.session.flush()
        due = received + timedelta(days=int(legal_aid_settings().get("supplement_days") or 15))
        transition(case, S.INCOMPLETE, user=user, on=received, incomplete_notice_on=received,
                   supplement_due_on=due)
        if status is S.WITHDRAWN:
            day = due + timedelta(days=1)
            transition(case, S.WITHDRAWN, user=user, on=day, withdrawn_on=day,
                       note="逾期未补正，视为撤回申请。")
        return case
    db.session.add(Material(case_id=case.id, name="身份证复印件",
                            status=MaterialStatus.RECEIVED, received_on=received))
    if status is S.RECEIVED:
        db.session.flush()
        return case

    day = received
    if route is Route.APPLY:
        day = received + timedelta(days=2)
        result = assess(case.facts(_age(person.birth_date, day)), current_policy())
        decision = {"decision_rule": result.rule.key, "decision_article": result.rule.article,
                    "decision_explanation": str(result.rule.explanation)}
        if status is S.REFUSED:
            transition(case, S.REFUSED, user=user, on=day, decided_on=day, granted=False,
                       decision_reason=spec["decision_reason"], **decision)
            return case
        transition(case, S.GRANTED, user=user, on=day, decided_on=day, granted=True,
                   decision_reason=spec.get("decision_reason") or "经审查，符合法律援助条件。",
                   **decision)
    if status is S.GRANTED:
        return case

    day = day + timedelta(days=1)
    provider = providers[spec["provider"]]
    method = AssignmentMethod.NOTIFIED if route is Route.NOTIFIED else AssignmentMethod.POOL
    db.session.add(Assignment(case_id=case.id, provider_id=provider.id, method=method,
                              assigned_on=day, rationale="按专长、办案数量轮流指派。"))
    transition(case, S.ASSIGNED, user=user, on=day, provider_id=provider.id, assigned_on=day)
    if status is S.ASSIGNED:
        return case
    if status is S.TERMINATED:
        day = day + timedelta(days=3)
        transition(case, S.TERMINATED, user=user, on=day, terminated_on=day,
                   termination_ground=TerminationGround(spec["termination_ground"]),
                   termination_reason=spec["termination_reason"])
        return case

    signed = day + timedelta(days=2)
    transition(case, S.IN_PROGRESS, user=user, on=signed, agreement_signed_on=signed)
    for kind, after, content in spec.get("notes", ()):
        db.session.add(ProgressNote(case_id=case.id, noted_on=min(signed + timedelta(days=after),
                                                                    now),
                                    kind=NoteKind(kind), content=content,
                                    user_id=provider.user_id))
    if status is S.IN_PROGRESS:
        db.session.flush()
        return case

    # Ended ten days ago (closure materials due), or two months after the agreement.
    ended = now - timedelta(days=10) if status is S.ENDED else signed + timedelta(days=60)
    transition(case, S.ENDED, user=user, on=ended, ended_on=ended,
               result=CaseResult(spec["result"]), result_summary=spec["result_summary"],
               amount_recovered=Decimal(spec["amount_recovered"]))
    if status is S.ENDED:
        return case

    submitted = ended + timedelta(days=5)
    reviewed = submitted + timedelta(days=3)
    subsidy = Decimal(spec["subsidy"])
    transition(case, S.CLOSED, user=user, on=reviewed, materials_submitted_on=submitted,
               reviewed_on=reviewed, review_grade=ReviewGrade(spec["grade"]),
               review_note="卷宗材料齐全，办案规范。", subsidy_base=subsidy,
               subsidy_extra=Decimal("0"), subsidy_amount=subsidy)
    if spec.get("follow_up"):
        db.session.add(QualityCheck(case_id=case.id, kind=QualityKind.FOLLOW_UP,
                                    checked_on=reviewed - timedelta(days=1),
                                    subject=person.name,
                                    satisfaction=Satisfaction(spec["follow_up"]),
                                    checker="何静",
                                    content="电话回访受援人，对承办人员的工作表示满意。"))
    if status is S.ARCHIVED:
        day = reviewed + timedelta(days=7)
        transition(case, S.ARCHIVED, user=user, on=day, archived_on=day,
                   archive_number=f"法援档{day.year}-{case.id % 1000:03d}")
    db.session.flush()
    return case


@dataclass
class _Centre:
    """The sample centre, its staff accounts, providers and consultations, made once."""

    now: date
    unit: OrgUnit
    providers: dict[str, Provider]
    reviewer: User | None


def _setup() -> _Centre:
    settings = legal_aid_settings()
    if settings.get("hardship_threshold") is None:
        settings.set_many({"hardship_threshold": HARDSHIP_THRESHOLD})
    now = today()
    centre = _centre()
    accounts = _accounts(centre)
    providers = _providers(accounts)
    _consultations(centre, now, accounts.get("shouli"))
    return _Centre(now, centre, providers, accounts.get("shencha"))


def build() -> None:
    """The whole sample county (in the current tenant)."""
    centre = _setup()
    persons = _people()
    for spec in CASES:
        _build_case(spec, persons[spec["person"]], centre.unit, centre.providers, centre.now,
                    centre.reviewer)
    db.session.flush()


# A county's legal aid centre handles about 250 cases a year (issue #8's volumes). The demo's
# fifteen cases are the patterns; most of a year's cases are finished, so finished patterns
# weigh more, and only those are spread back over the years (open ones keep their dates, so
# the deadlines they show stay as the demo means them).
CASES_PER_YEAR = 250
_FINISHED = {"withdrawn", "refused", "terminated", "closed", "archived"}
_PATTERN_WEIGHT = {"archived": 12, "closed": 8, "refused": 2, "withdrawn": 1, "terminated": 1}


def build_scale(cases: int, days: int, seed: int = 20261124) -> None:
    """``cases`` cases after the demo's patterns, received over the last ``days`` days, each
    with its own applicant (in the current tenant; seed-scale's template county)."""
    rng = random.Random(seed)
    centre = _setup()
    weights = [_PATTERN_WEIGHT.get(spec["status"], 1) for spec in CASES]
    for index in range(cases):
        spec = dict(rng.choices(CASES, weights=weights)[0])
        if spec["status"] in _FINISHED and days > spec["ago"]:
            spec["ago"] = rng.randint(spec["ago"], days - 1)
        model = PEOPLE[spec["person"]]
        # A distinct applicant per case: the pattern's person, born ``index`` days later.
        birth = model["birth"] + timedelta(days=index)
        person, _created = people.get_or_create(
            name=model["name"], id_type="resident_id",
            id_number=resident_id(REGION, birth, model["seq"]),
            gender=Gender.MALE if model["gender"] == "male" else Gender.FEMALE,
            birth_date=birth, address=model["address"])
        _build_case(spec, person, centre.unit, centre.providers, centre.now, centre.reviewer)
    db.session.flush()


@hookimpl
def scale_template(tenant: Any, years: int, volume: float) -> None:
    build_scale(max(1, round(CASES_PER_YEAR * years * volume)), 365 * years)


@hookimpl
def demo_data(tenant: Any) -> None:
    if db.session.scalar(select(func.count()).select_from(AidCase)):
        _refresh_passwords()
        return
    build()


def _refresh_passwords() -> None:
    """`fatong demo` may set a new admin password: the demo's legal aid users follow it."""
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    if admin is None:
        return
    names = [account[0] for account in DEMO_ACCOUNTS]
    for user in db.session.scalars(select(User).where(User.username.in_(names))):
        user.password_hash = admin.password_hash
    db.session.flush()
