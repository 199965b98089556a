"""Sample records of the mediation line for the demo tenant (the ``demo_data`` hook).

A county like 剑阁: five 司法所 under the bureau, their towns' villages, communities, schools
and enterprises (places registry), about twenty committees (town, village and community,
an enterprise, two industry committees under the bureau) with their mediators, about 300
cases over the last twelve months in every status, moved through the workflow so that the
numbers come from the numbering service, and about 60 screening records.

Deterministic (one seeded ``random.Random``; dates relative to today) and idempotent: it does
nothing when the tenant has any case. No user accounts are made: the hook is not given the
demo password, and accounts with another password would be a trap.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
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
from plugins.mediation.codes import seed_dispute_types
from plugins.mediation.demo_data import (
    COURT,
    ENTERPRISE_COMMITTEE,
    FEMALE_GIVEN,
    HOSPITALS,
    INDUSTRY_COMMITTEES,
    MALE_GIVEN,
    NO_WOMAN_VILLAGE,
    PETITION_OFFICE,
    REGION_CODES,
    SURNAMES,
    TOWNS,
    VILLAGE_COMMITTEES_PER_TOWN,
)
from plugins.mediation.demo_data.disputes import (
    AGREED_OUTCOME,
    CONTINUED_OUTCOME,
    FAILED_OUTCOME,
    MEASURES,
    SAMPLES,
    SCREENING_SUMMARIES,
    SESSION_OPENINGS,
    TERMINATED_NOTE,
    VISIT_NOTES,
    Sample,
)
from plugins.mediation.models import (
    Agreement,
    Case,
    CaseParty,
    Committee,
    DisputeType,
    JudicialConfirmation,
    MediationSession,
    Mediator,
    ReturnVisit,
    Screening,
    StatusChange,
    Transfer,
)
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseSource,
    CaseStatus,
    CommitteeType,
    ConfirmationResult,
    Counterpart,
    Difficulty,
    Employment,
    IndustryField,
    MediatorPosition,
    PartyRole,
    Performance,
    RejectionReason,
    RiskLevel,
    Satisfaction,
    ScreeningStatus,
    TerminationReason,
    TransferDirection,
    VisitMethod,
)
from plugins.mediation.workflow import TIMEZONE, open_case, today, transition

SEED = 20260823
CASES = 300
SCREENINGS = 60
S = CaseStatus

# ISO 7064 MOD 11-2, as on the 居民身份证 (GB 11643): weights 2^(17-i) mod 11.
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def resident_id(region: str, birth: date, sequence: int) -> str:
    """A well-formed 18-digit 公民身份号码 (odd sequence: a man; even: a woman)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


@dataclass
class Town:
    station: OrgUnit
    name: str
    communities: list[Any]
    villages: list[Any]
    schools: list[Any]
    enterprises: list[Any]

    @property
    def residential(self) -> list[Any]:
        return self.communities + self.villages


@dataclass
class Body:
    """A committee and its mediators, with the places its cases come from."""

    committee: Committee
    mediators: list[Mediator]
    names: list[str]
    places: list[Any]
    town: Town | None
    weight: int


@dataclass
class Builder:
    rng: random.Random
    today: date
    ids: set[str] = field(default_factory=set)
    serial: int = 0
    # Cases taken up on the committee's initiative, which a screening may have led to.
    initiative: list[tuple[Case, Body]] = field(default_factory=list)
    history: dict[tuple[int, CaseStatus], date] = field(default_factory=dict)
    homes: list[Any] = field(default_factory=list)  # villages and communities people live in
    days: int = 365  # how far back the records go (seed-scale builds several years)

    # --- people --------------------------------------------------------------------------

    def name(self, gender: Gender) -> str:
        given = MALE_GIVEN if gender is Gender.MALE else FEMALE_GIVEN
        return self.rng.choice(SURNAMES) + self.rng.choice(given)

    def person(self, gender: Gender | None = None, address: str = "") -> Any:
        """A registered adult with a valid 居民身份证 number (unique in the demo)."""
        gender = gender or self.rng.choice((Gender.MALE, Gender.FEMALE))
        while True:
            birth = date(self.rng.randint(1948, 1998),
                         self.rng.randint(1, 12), self.rng.randint(1, 28))
            sequence = self.rng.randrange(1 if gender is Gender.MALE else 2, 999, 2)
            number = resident_id(self.rng.choice(REGION_CODES), birth, sequence)
            if number not in self.ids:
                self.ids.add(number)
                break
        phone = "1{}{}{:08d}".format(self.rng.choice("3589"), self.rng.randint(0, 9),
                                     self.rng.randint(0, 99999999))
        ethnic = "01" if self.rng.random() < 0.96 else self.rng.choice(("03", "04", "33"))
        return people.create(name=self.name(gender), id_number=number, phone=phone,
                             ethnic_group=ethnic, address=address)

    def address(self, place: Any) -> str:
        # People live in villages and communities, not in a hospital or a school.
        if (place is None or place.kind not in ("village", "community")) and self.homes:
            place = self.rng.choice(self.homes)
        if place is None:
            return "剑阁县下寺镇"
        number = self.rng.randint(1, 60)
        if place.kind == "community":
            return f"剑阁县{place.town}{place.name}{number}号"
        if place.kind == "village":
            return f"剑阁县{place.town}{place.name}{self.rng.randint(1, 9)}组{number}号"
        return f"剑阁县{place.town}{self.rng.choice(('正街', '新街', '河街'))}{number}号"

    # --- dates ---------------------------------------------------------------------------

    def after(self, day: date, low: int, high: int) -> date:
        return day + timedelta(days=self.rng.randint(low, high))

    def moment(self, day: date) -> datetime:
        return datetime.combine(day, time(self.rng.choice((9, 10, 14, 15)),
                                          self.rng.choice((0, 30))), tzinfo=TIMEZONE)


# --- org units, places, committees ---------------------------------------------------------


def _station(bureau: OrgUnit, code: str, name: str, order: int) -> OrgUnit:
    existing = db.session.scalar(select(OrgUnit).where(
        (OrgUnit.code == code) | ((OrgUnit.name == name)
                                  & (OrgUnit.unit_type == OrgUnitType.STATION))))
    return existing or orgunits.create_unit(name, code, OrgUnitType.STATION, bureau,
                                            sort_order=order)


def _place(places: Any, kind: str, town: str, name: str, unit: OrgUnit, **extra: Any) -> Any:
    return places.find(kind, town, name) or places.create(kind=kind, town=town, name=name,
                                                          org_unit_id=unit.id, **extra)


def _towns(bureau: OrgUnit) -> list[Town]:
    from core.sdk import places

    towns = []
    for order, (code, station_name, town, communities, villages, schools,
                enterprises) in enumerate(TOWNS, start=1):
        station = _station(bureau, code, station_name, order)
        towns.append(Town(
            station=station, name=town,
            communities=[_place(places, "community", town, n, station,
                                address=f"剑阁县{town}{n}居委会") for n in communities],
            villages=[_place(places, "village", town, n, station,
                             address=f"剑阁县{town}{n}村委会") for n in villages],
            schools=[_place(places, "school", town, n, station) for n in schools],
            enterprises=[_place(places, "enterprise", town, n, station)
                         for n in enterprises]))
    return towns


def _committee(b: Builder, name: str, parent: OrgUnit, kind: CommitteeType, *, town: str,
               place: Any = None, field_: IndustryField | None = None, address: str = "",
               weight: int = 1, members: int = 5, women: bool = True,
               town_obj: Town | None = None, places: list[Any] | None = None) -> Body:
    code = ""
    while not code or orgunits.unit_by_code(code) is not None:
        b.serial += 1
        code = f"twh-{b.serial:03d}"
    unit = orgunits.create_unit(name, code, OrgUnitType.MEDIATION_COMMITTEE, parent)
    established = date(b.rng.choice((2011, 2012, 2015, 2018, 2021)), b.rng.randint(1, 12), 1)
    committee = Committee(org_unit_id=unit.id, name=name, committee_type=kind,
                          industry_field=field_, place_id=place.id if place else None,
                          town=town, established_on=established,
                          address=address or (place.address if place else ""),
                          office_phone=f"0839-66{b.rng.randint(10000, 99999)}")
    db.session.add(committee)
    db.session.flush()
    # Terms of three years (Art. 9): the current one began in 2024, a few end soon.
    term_start = date(2024, b.rng.choice((1, 3, 6)), 1)
    mediators, names = [], []
    genders = [Gender.MALE] * members
    if women:
        # Among the members proper (the last of a large committee is a hired mediator).
        proper = members - 1 if members > 5 else members
        for index in b.rng.sample(range(proper), k=b.rng.choice((1, 1, 2))):
            genders[index] = Gender.FEMALE
    for index, gender in enumerate(genders):
        position = (MediatorPosition.CHAIR if index == 0 else
                    MediatorPosition.VICE_CHAIR if index == 1 and members > 4 else
                    MediatorPosition.HIRED if index == members - 1 and members > 5 else
                    MediatorPosition.MEMBER)
        person = b.person(gender, b.address(place))
        mediator = Mediator(
            committee_id=committee.id, person_id=person.id, position=position,
            employment=Employment.FULL_TIME if kind is CommitteeType.INDUSTRY or (
                index == 0 and kind is CommitteeType.TOWN) else Employment.PART_TIME,
            term_start=term_start, term_end=term_start.replace(year=term_start.year + 3),
            sort_order=index,
            training_notes="2026年参加全县人民调解员业务培训。" if index < 2 else "")
        db.session.add(mediator)
        mediators.append(mediator)
        names.append(person.name)
    db.session.flush()
    return Body(committee, mediators, names, places or ([place] if place else []),
                town_obj, weight)


def _committees(b: Builder, bureau: OrgUnit, towns: list[Town]) -> list[Body]:
    bodies = []
    for town in towns:
        bodies.append(_committee(
            b, f"{town.name}人民调解委员会", town.station, CommitteeType.TOWN, town=town.name,
            address=f"剑阁县{town.name}人民政府院内", weight=9,
            members=b.rng.randint(5, 7), town_obj=town,
            places=town.residential + town.schools + town.enterprises))
        chosen = town.communities[:1] + town.villages[:VILLAGE_COMMITTEES_PER_TOWN]
        if town.name == "元山镇":  # the committee without a woman member
            chosen = [p for p in chosen if p.name != NO_WOMAN_VILLAGE] + [
                p for p in town.villages if p.name == NO_WOMAN_VILLAGE]
        for place in chosen:
            kind = (CommitteeType.COMMUNITY if place.kind == "community"
                    else CommitteeType.VILLAGE)
            bodies.append(_committee(
                b, f"{town.name}{place.name}人民调解委员会", town.station, kind,
                town=town.name, place=place, weight=6, members=b.rng.randint(3, 5),
                women=place.name != NO_WOMAN_VILLAGE, town_obj=town, places=[place]))
    for name, industry, address in INDUSTRY_COMMITTEES:
        bodies.append(_committee(b, name, bureau, CommitteeType.INDUSTRY, town="",
                                 field_=industry, address=address, weight=0,
                                 members=b.rng.randint(4, 6)))
    name, town_name, enterprise = ENTERPRISE_COMMITTEE
    town = next(t for t in towns if t.name == town_name)
    place = next(p for p in town.enterprises if p.name == enterprise)
    bodies.append(_committee(b, name, town.station, CommitteeType.ENTERPRISE, town=town_name,
                             place=place, weight=1, members=3, town_obj=town,
                             places=[place]))
    return bodies


# --- cases ---------------------------------------------------------------------------------


@dataclass
class Plan:
    """What happens to one sample case, decided before anything is written."""

    body: Body
    sample: Sample
    source: CaseSource
    applied: date
    accepted: date | None
    start: date | None  # mediation starts
    outcome: CaseStatus | None  # AGREED / FAILED / TERMINATED / TRANSFERRED / REJECTED
    ended: date | None
    sessions: int
    counterpart: Counterpart | None = None


def _pick_body(b: Builder, bodies: list[Body], sample: Sample) -> Body:
    industry = {"medical": IndustryField.MEDICAL, "traffic": IndustryField.TRAFFIC}
    if sample.code in industry and b.rng.random() < 0.8:
        return next(body for body in bodies
                    if body.committee.industry_field is industry[sample.code])
    if sample.code == "tourism":
        return next(body for body in bodies
                    if body.committee.committee_type is CommitteeType.ENTERPRISE)
    local = [body for body in bodies if body.weight]
    return b.rng.choices(local, weights=[body.weight for body in local])[0]


def _plan(b: Builder, bodies: list[Body], overdue: bool = False, recent: bool = False) -> Plan:
    rng = b.rng
    sample = rng.choices(SAMPLES, weights=[s.weight for s in SAMPLES])[0]
    body = _pick_body(b, bodies, sample)
    if overdue:  # accepted five to eight weeks ago, still in mediation: past the month
        applied = b.today - timedelta(days=rng.randint(36, 56))
    elif recent:  # the last fortnight: applications, newly accepted and running cases
        applied = b.today - timedelta(days=rng.randint(0, 12))
    else:
        applied = b.today - timedelta(days=int(b.days * rng.random() ** 0.9))
    source = rng.choices(list(CaseSource), weights=(30, 55, 15))[0]
    counterpart = (rng.choices((Counterpart.COURT, Counterpart.POLICE, Counterpart.PETITION),
                               weights=(5, 3, 2))[0] if source is CaseSource.REFERRAL else None)
    plan = Plan(body, sample, source, applied, None, None, None, None, 0, counterpart)
    age = (b.today - applied).days
    if source is CaseSource.APPLICATION:
        if not overdue and age <= 6 and rng.random() < 0.5:
            return plan  # an application awaiting the decision
        if rng.random() < 0.04:
            plan.outcome, plan.ended = S.REJECTED, min(b.after(applied, 0, 2), b.today)
            return plan
        plan.accepted = min(b.after(applied, 0, 2), b.today)
    else:
        plan.accepted = applied
    plan.start = min(b.after(plan.accepted, 0, 3), b.today)
    if not overdue and age <= 10 and rng.random() < 0.3:
        plan.start = None  # accepted, no mediator assigned yet
        return plan
    if overdue:
        plan.sessions = rng.randint(1, 2)
        return plan
    ended = b.after(plan.start, 2, 26)
    if ended > b.today:
        plan.sessions = rng.randint(0, 1) if plan.start < b.today else 0
        if plan.start >= b.today and rng.random() < 0.5:
            plan.start = None  # accepted, no mediator yet
        return plan
    plan.ended = ended
    plan.outcome = rng.choices((S.AGREED, S.FAILED, S.TERMINATED, S.TRANSFERRED),
                               weights=(88, 5, 4, 3))[0]
    plan.sessions = (rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
                     if plan.outcome is not S.TRANSFERRED else rng.randint(0, 1))
    return plan


def _amount(b: Builder, sample: Sample) -> Decimal | None:
    if sample.amount is None:
        return None
    low, high = sample.amount
    if low == 0 and b.rng.random() < 0.45:
        return None  # many family and neighbour agreements involve no money
    value = b.rng.randint(max(low, 200), high)
    return Decimal(value // 100 * 100 if value > 1000 else value)


def _parties(b: Builder, case: Case, body: Body, sample: Sample, place: Any) -> list[Any]:
    count = 3 if b.rng.random() < 0.12 else 2
    roles = (PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD_PARTY)
    persons = []
    for index in range(count):
        person = b.person(address=b.address(place))
        work_unit = ""
        if index == 1 and sample.code == "medical":
            work_unit = b.rng.choice(HOSPITALS)
        elif index == 1 and sample.code == "labour" and body.town and body.town.enterprises:
            work_unit = body.town.enterprises[0].name
        db.session.add(CaseParty(case_id=case.id, person_id=person.id, role=roles[index],
                                 work_unit=work_unit, sort_order=index))
        persons.append((person, work_unit))
    return persons


ROADS = ("G108国道下寺段", "G108国道剑门关段", "S302省道普安段", "剑阁县城剑州大道")


def _detail(b: Builder, sample: Sample) -> str:
    """Where an industry committee's dispute happened (it has no village of its own)."""
    if sample.code == "medical":
        return b.rng.choice(HOSPITALS)
    if sample.code == "traffic":
        return b.rng.choice(ROADS)
    return ""


def _text(template: str, names: dict[str, str]) -> str:
    return template.format(**names)


NUMERALS = "一二三四五六七八九"
NO_MONEY_TERMS = "双方互相谅解，{b}向{a}赔礼道歉，双方今后和睦相处，不再因此事发生争执。"


def _terms(sample: Sample, names: dict[str, str], amount: Decimal | None) -> str:
    """The sample's terms; without money, the clauses about a sum are left out."""
    clauses = [line.split("、", 1)[-1] if line[:1] in NUMERALS else line
               for line in sample.terms.splitlines()
               if amount is not None or "{amount}" not in line]
    if not clauses:
        clauses = [NO_MONEY_TERMS]
    if len(clauses) == 1:
        return _text(clauses[0], names)
    return "\n".join(f"{NUMERALS[i]}、{_text(line, names)}" for i, line in enumerate(clauses))


def _build_case(b: Builder, plan: Plan, types: dict[str, DisputeType]) -> None:
    rng = b.rng
    body, sample = plan.body, plan.sample
    place = rng.choice(body.places) if body.places else None
    index = rng.randrange(min(3, len(body.mediators)))
    mediator, mediator_name = body.mediators[index], body.names[index]
    co = [n for n in body.names if n != mediator_name]
    amount = _amount(b, sample)
    referral = plan.counterpart
    town = body.town.name if body.town else "下寺镇"
    organ = {Counterpart.COURT: COURT, Counterpart.POLICE: f"剑阁县公安局{town[:-1]}派出所",
             Counterpart.PETITION: PETITION_OFFICE}.get(referral, "") if referral else ""
    people_involved = 2
    prevented_criminal = rng.random() < 0.06
    prevented_group = sample.code in ("land_acquisition", "labour", "forest_land") and \
        rng.random() < 0.3
    if prevented_group:
        people_involved = rng.randint(8, 45)
    fields = dict(
        source=plan.source, committee_id=body.committee.id,
        org_unit_id=body.committee.org_unit_id, dispute_type_id=types[sample.code].id,
        summary="", request=sample.request, applied_on=plan.applied,
        amount_involved=(amount * Decimal(rng.choice(("1", "1.2", "1.5", "2")))
                         if amount else None),
        people_involved=people_involved, place_id=place.id if place else None,
        place_detail=_detail(b, sample),
        occurred_on=plan.applied - timedelta(days=rng.randint(0, 20)),
        difficulty=rng.choices(list(Difficulty), weights=(30, 50, 15, 5))[0],
        prevented_criminal=prevented_criminal, prevented_group=prevented_group,
        referred_by=referral, referring_organ=organ,
        created_at=b.moment(plan.applied), updated_at=b.moment(plan.applied))
    first = S.APPLIED if plan.source is CaseSource.APPLICATION else S.ACCEPTED
    case = open_case(first, **fields)
    persons = _parties(b, case, body, sample, place)
    names = {"a": persons[0][0].name, "b": persons[1][0].name,
             "place": place.name if place else "", "unit": persons[1][1] or "对方单位",
             "amount": f"{amount:,.0f}" if amount else "0"}
    case.summary = _text(sample.summary, names)
    case.request = _text(sample.request, names)
    b.history[(case.id, first)] = plan.applied
    if plan.source is CaseSource.INITIATIVE:
        b.initiative.append((case, body))
    if referral:
        feedback = b.after(plan.ended, 1, 5) if plan.ended else None
        db.session.add(Transfer(
            case_id=case.id, direction=TransferDirection.IN, counterpart=referral, organ=organ,
            document_number=f"（{plan.applied.year}）委调{rng.randint(10, 300)}号",
            transferred_on=plan.applied, reason="经当事人同意，委托人民调解委员会调解。",
            feedback_on=feedback if feedback and feedback <= b.today else None))

    if plan.outcome is S.REJECTED:
        _move(b, case, S.REJECTED, plan.ended,
              rejection_reason=rng.choice((RejectionReason.PARTY_REFUSED,
                                           RejectionReason.ALREADY_HANDLED)))
        return
    if plan.accepted is None:
        return
    if first is S.APPLIED:
        _move(b, case, S.ACCEPTED, plan.accepted)
    if plan.start is None:
        return
    if plan.outcome is S.TRANSFERRED and plan.sessions == 0:
        _transfer_out(b, case, plan)
        return
    _move(b, case, S.MEDIATING, plan.start, mediator_id=mediator.id,
          co_mediators="、".join(rng.sample(co, k=min(len(co), 1))))
    _sessions(b, case, plan, mediator_name, co, names)
    if plan.outcome is None:
        db.session.flush()
        return
    if plan.outcome is S.AGREED:
        _agree(b, case, plan, sample, names, amount, mediator_name, len(persons))
    elif plan.outcome is S.FAILED:
        _move(b, case, S.FAILED, plan.ended, routes_explained=True,
              closing_note=FAILED_OUTCOME)
        _maybe_archive(b, case, plan.ended)
    elif plan.outcome is S.TERMINATED:
        _move(b, case, S.TERMINATED, plan.ended,
              termination_reason=rng.choice((TerminationReason.PARTY_REFUSED,
                                             TerminationReason.PARTY_WITHDREW,
                                             TerminationReason.OTHER_ROUTE)),
              closing_note=TERMINATED_NOTE)
        _maybe_archive(b, case, plan.ended)
    else:
        _transfer_out(b, case, plan)


def _move(b: Builder, case: Case, status: CaseStatus, on: date, **fields: Any) -> None:
    transition(case, status, on=on, **fields)
    b.history[(case.id, status)] = on


def _maybe_archive(b: Builder, case: Case, closed: date) -> None:
    # Dossiers are filed in batches: some closed cases still wait for it.
    archived = b.after(closed, 5, 45)
    if archived <= b.today and b.rng.random() < 0.6:
        _move(b, case, S.ARCHIVED, archived)


def _transfer_out(b: Builder, case: Case, plan: Plan) -> None:
    to = b.rng.choice((Counterpart.COURT, Counterpart.POLICE))
    db.session.add(Transfer(
        case_id=case.id, direction=TransferDirection.OUT, counterpart=to,
        organ=COURT if to is Counterpart.COURT else "剑阁县公安局",
        transferred_on=plan.ended,
        reason="纠纷涉及违法行为，依法移送处理。" if to is Counterpart.POLICE
        else "当事人坚持通过诉讼解决，引导其向人民法院起诉。"))
    db.session.flush()
    _move(b, case, S.TRANSFERRED, plan.ended)
    _maybe_archive(b, case, plan.ended)


def _sessions(b: Builder, case: Case, plan: Plan, mediator: str, co: list[str],
              names: dict[str, str]) -> None:
    last = plan.ended or b.today
    span = max((last - plan.start).days, 0)
    for seq in range(1, plan.sessions + 1):
        day = plan.start + timedelta(days=span * (seq - 1) // max(plan.sessions, 1))
        if seq == plan.sessions and plan.ended:
            day = plan.ended
        final = seq == plan.sessions and plan.outcome is not None
        outcome = (AGREED_OUTCOME if final and plan.outcome is S.AGREED else
                   FAILED_OUTCOME if final and plan.outcome is S.FAILED else CONTINUED_OUTCOME)
        recorder = co[-1] if co else ""
        db.session.add(MediationSession(
            case_id=case.id, seq=seq, held_at=b.moment(day),
            location=f"{plan.body.committee.name.replace('人民调解委员会', '')}调解室",
            mediators="、".join([mediator, *co[:1]]), attendees=f"{names['a']}、{names['b']}",
            recorder=recorder, rights_explained=True,
            record=b.rng.choice(SESSION_OPENINGS) + "\n" + _text(plan.sample.record, names),
            outcome=outcome, created_at=b.moment(day)))


def _agree(b: Builder, case: Case, plan: Plan, sample: Sample, names: dict[str, str],
           amount: Decimal | None, mediator: str, parties: int) -> None:
    rng = b.rng
    oral = rng.random() < sample.oral_share and (amount is None or amount < 5000)
    due = b.after(plan.ended, 0, 30)
    agreement = Agreement(
        case_id=case.id, kind=AgreementKind.ORAL if oral else AgreementKind.WRITTEN,
        effective_on=plan.ended, facts=_text(sample.facts, names),
        liabilities=_text(sample.liabilities, names), terms=_terms(sample, names, amount),
        performance_method=_text(sample.method, names), performance_due=due, amount=amount,
        copies=parties + 1,
        created_at=b.moment(plan.ended))
    db.session.add(agreement)
    db.session.flush()
    _move(b, case, S.AGREED, plan.ended)
    # 回访 (Art. 31) some days after the agreement; performance as the visit found it.
    visited = b.after(plan.ended, 7, 30)
    if visited > b.today:
        return
    performance = rng.choices((Performance.PERFORMED, Performance.PARTIAL,
                               Performance.NOT_PERFORMED), weights=(86, 10, 4))[0]
    db.session.add(ReturnVisit(
        case_id=case.id, visited_on=visited,
        method=rng.choice((VisitMethod.ON_SITE, VisitMethod.PHONE)), visitor=mediator,
        performance=performance,
        satisfaction=(Satisfaction.SATISFIED if performance is Performance.PERFORMED
                      else rng.choice((Satisfaction.BASIC, Satisfaction.UNSATISFIED))),
        notes=VISIT_NOTES[performance.value], created_at=b.moment(visited)))
    agreement.performance = performance
    if performance is Performance.PERFORMED:
        agreement.performed_on = min(due, visited)
    # 司法确认 (Art. 33): a few written agreements with money, within thirty days.
    pending = False
    if not oral and amount and amount >= 20000 and rng.random() < 0.15:
        applied = b.after(plan.ended, 2, 20)
        if applied <= b.today:
            decided = b.after(applied, 5, 15)
            done = decided <= b.today
            pending = not done
            db.session.add(JudicialConfirmation(
                case_id=case.id, applied_on=applied, court=COURT,
                result=ConfirmationResult.CONFIRMED if done else ConfirmationResult.PENDING,
                decided_on=decided if done else None,
                ruling_number=(f"（{decided.year}）川0823民特{rng.randint(10, 400)}号"
                               if done else ""),
                created_at=b.moment(applied)))
    db.session.flush()
    if not pending:
        archived = b.after(visited, 1, 45)
        if archived <= b.today and rng.random() < 0.85:
            _move(b, case, S.ARCHIVED, archived)


def _screenings(b: Builder, bodies: list[Body], types: dict[str, DisputeType],
                count: int = SCREENINGS) -> None:
    rng = b.rng
    local = [body for body in bodies if body.town is not None]
    made = 0
    while made < count:
        # One round (排查) of a station or committee on one day finds one to four disputes.
        body = rng.choice(local)
        screened = b.today - timedelta(days=rng.randint(0, b.days - 1))
        unit = (body.town.station.id if rng.random() < 0.5
                else body.committee.org_unit_id)
        for _ in range(min(rng.choice((1, 1, 2, 2, 3, 4)), count - made)):
            _screening(b, body, unit, screened, types)
            made += 1
    db.session.flush()


def _screening(b: Builder, body: Body, unit: int, screened: date,
               types: dict[str, DisputeType]) -> None:
    rng = b.rng
    code, summary = rng.choice(SCREENING_SUMMARIES)
    risk = rng.choices(list(RiskLevel), weights=(70, 22, 8))[0]
    age = (b.today - screened).days
    status = (ScreeningStatus.WATCHING if age < 30 and rng.random() < 0.6 else
              rng.choices((ScreeningStatus.RESOLVED, ScreeningStatus.CONVERTED,
                           ScreeningStatus.REFERRED, ScreeningStatus.WATCHING),
                          weights=(65, 20, 5, 10))[0])
    place = rng.choice(body.places) if body.places else None
    case = None
    if status is ScreeningStatus.CONVERTED:
        case = next((c for c, home in b.initiative if home is body and c.screening_id is None
                     and screened <= c.applied_on <= screened + timedelta(days=20)), None)
        status = status if case is not None else ScreeningStatus.RESOLVED
    screening = Screening(
        case_id=case.id if case is not None else None, org_unit_id=unit,
        screened_on=screened, place_id=place.id if place else None,
        dispute_type_id=types[code].id, summary=summary,
        people_involved=rng.randint(2, 6) if risk is RiskLevel.LOW else rng.randint(5, 40),
        risk_level=risk, criminal_risk=risk is RiskLevel.HIGH and rng.random() < 0.5,
        group_risk=code in ("land_acquisition", "labour", "forest_land")
        and risk is not RiskLevel.LOW,
        measures=rng.choice(MEASURES), status=status,
        created_at=b.moment(screened), updated_at=b.moment(screened))
    db.session.add(screening)
    if case is not None:
        db.session.flush()
        case.screening_id = screening.id


def _date_history(b: Builder) -> None:
    """The history rows say when each step happened, not when the demo was built."""
    for change in db.session.scalars(select(StatusChange)):
        day = b.history.get((change.case_id, change.to_status))
        if day is not None:
            change.at = b.moment(day)
    db.session.flush()


def build(seed: int = SEED, cases: int = CASES, days: int = 365) -> None:
    """Create the sample county in the current tenant (no check for existing records):
    ``cases`` cases applied for over the last ``days`` days, and screenings in proportion."""
    b = Builder(random.Random(seed), today(), days=days)
    seed_dispute_types()
    types = {t.code: t for t in db.session.scalars(select(DisputeType))}
    bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None))
                               .order_by(OrgUnit.sort_order, OrgUnit.id))
    towns = _towns(bureau)
    b.homes = [place for town in towns for place in town.residential]
    bodies = _committees(b, bureau, towns)
    plans = [_plan(b, bodies, overdue=index < 4, recent=4 <= index < 14)
             for index in range(cases)]
    # Numbers are issued on acceptance: build in that order, so that they rise with the date.
    plans.sort(key=lambda plan: (plan.accepted or plan.applied, plan.applied))
    for plan in plans:
        _build_case(b, plan, types)
    _screenings(b, bodies, types, max(1, SCREENINGS * cases // CASES))
    _date_history(b)
    _accounts(bodies)


# One login per role template, so that the demo shows what each kind of user sees.
DEMO_ACCOUNTS = (
    # username, display name, role key, whose scope
    ("tiaojieyuan", "调解员（演示）", "mediation_mediator", "committee"),
    ("sifasuo", "司法所调解管理（演示）", "mediation_station", "station"),
    ("tiaojieke", "局调解科（演示）", "mediation_section", "county"),
)


def _accounts(bodies: list[Body]) -> None:
    """The demo's mediation users, with the demo admin's password (the hook is not given
    it): a town committee's chair, that town's 司法所, and the bureau's 调解科."""
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    if admin is None:
        return
    body = next(body for body in bodies if body.town is not None and body.weight == 9)
    scopes = {"committee": db.session.get(OrgUnit, body.committee.org_unit_id),
              "station": body.town.station, "county": None}
    for username, display_name, role_key, scope in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.username == username)) is not None:
            continue
        user = User(username=username, display_name=display_name,
                    password_hash=admin.password_hash)
        db.session.add(user)
        db.session.flush()
        grant_role(user, role_key, scopes[scope], actor="demo")
        if scope == "committee":
            body.mediators[0].user_id = user.id
    db.session.flush()


@hookimpl
def demo_data(tenant: Any) -> None:
    if db.session.scalar(select(func.count()).select_from(Case)):
        _refresh_passwords()
        return
    build()


# A county's mediation committees take up about 3,000 disputes a year (issue #8's volumes).
CASES_PER_YEAR = 3000


@hookimpl
def scale_template(tenant: Any, years: int, volume: float) -> None:
    build(cases=max(1, round(CASES_PER_YEAR * years * volume)), days=365 * years)


def _refresh_passwords() -> None:
    """`fatong demo` may set a new admin password: the demo's mediation users follow it."""
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    names = [account[0] for account in DEMO_ACCOUNTS]
    for user in db.session.scalars(select(User).where(User.username.in_(names))):
        user.password_hash = admin.password_hash if admin else user.password_hash
    db.session.flush()

