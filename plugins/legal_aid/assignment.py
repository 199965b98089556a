"""指派: who may, and who should, handle a legal aid case.

Pure rules over plain records (:class:`CaseProfile`, :class:`PoolMember`); the assignment
page loads the pool and the case and shows the verdicts with the articles they rest on.

Hard rules (:func:`eligible`), each citing its source:

* 法律援助法第十二条、第十三条: aid is given by lawyers, 基层法律服务工作者 and volunteers the
  agency assigns, or by agency staff *with* 律师资格 or 法律职业资格. Staff without one are
  refused; inactive members are not in the pool at all.
* 法律援助法第二十五条、第二十六条 (and 刑事诉讼法第三十三条): criminal defence is assigned to a
  **lawyer** (指派律师担任辩护人). Agency staff who practise as 法律援助律师 are entered as
  lawyers; a staff member with a mere qualification cannot defend.
* 法律援助法第二十六条 / 2023 程序规定第二十六条: possible life imprisonment or death penalty and
  death-penalty review need a lawyer with at least three years of criminal defence practice,
  counted in full years up to the assessment day (see :func:`full_years`).
* 2023 程序规定第二十六条第二款 (criminal) / 未成年人保护法第一百零四条 (all matters): a minor
  client gets a lawyer familiar with minors' physical and mental characteristics (trained).
* 基层法律服务工作者管理办法 (司法部令第138号): a 基层法律服务工作者 handles no criminal matter
  (neither defence nor victim representation), and only within their own area. Simple rule
  here: the worker's county must equal the handling court's county, or the client's county
  when no court handles the matter.
* Conflicts (律师法第三十九条) and a full load (2023 程序规定第二十五条: assign by numbers and
  capacity) exclude a member.

Ranking (:func:`rank`, 2023 程序规定第二十五条 "专业特长、执业经验"): eligible members by
speciality match, then lower load, then ease of communication (same hometown as the client,
or a language the client needs), then more years of practice; the member id breaks ties so
the order is stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from plugins.legal_aid.matters import CRIMINAL, MatterCategory

# Sources cited in the results (kept in Chinese: they are references, not UI text).
ART_12 = "法律援助法第十二条"
ART_12_13 = "法律援助法第十二条、第十三条"
ART_25_26 = "法律援助法第二十五条、第二十六条；刑事诉讼法第三十三条"
ART_26 = "法律援助法第二十六条；办理法律援助案件程序规定第二十六条第一款"
MINOR_CRIMINAL = "办理法律援助案件程序规定第二十六条第二款；未成年人保护法第一百零四条"
MINOR_OTHER = "未成年人保护法第一百零四条"
WORKER_SCOPE = "基层法律服务工作者管理办法（司法部令第138号）业务范围；法律援助法第十二条"
WORKER_AREA = "基层法律服务工作者管理办法（司法部令第138号）第二十七条"
CONFLICT = "律师法第三十九条"
LOAD = "办理法律援助案件程序规定第二十五条"
RANKING = "办理法律援助案件程序规定第二十五条"
CHOICE = "莲湖区加强公共法律服务体系建设工作方案 四(一)1（点援制）"
REPLACEMENT = "法律援助法第五十五条"

MIN_SERIOUS_CRIMINAL_YEARS = 3  # 法律援助法第二十六条: "三年以上相关执业经历"


class MemberKind(StrEnum):
    LAWYER = "lawyer"  # 律师
    LEGAL_SERVICE_WORKER = "legal_service_worker"  # 基层法律服务工作者
    STAFF = "staff"  # 法律援助中心工作人员


@dataclass(frozen=True)
class CaseProfile:
    """What the assignment rules need to know about a case."""

    case_id: str
    matter: MatterCategory
    life_or_death_possible: bool = False  # 可能被判处无期徒刑、死刑
    death_penalty_review: bool = False  # 死刑复核案件
    client_is_minor: bool = False
    client_hometown: str | None = None  # county code or name, compared as is
    client_languages: frozenset[str] = frozenset()  # language or dialect needs
    court_county: str | None = None  # the handling court's (or organ's) county
    client_county: str | None = None  # where the client lives (non-litigation area)
    party_ids: frozenset[str] = frozenset()  # other parties, for conflict checks
    chosen_member_id: str | None = None  # 点援制: the helper the applicant named

    @property
    def needs_defender(self) -> bool:
        """Life/death and review cases are defence whatever the category says."""
        return (self.matter is MatterCategory.CRIMINAL_DEFENCE or self.life_or_death_possible
                or self.death_penalty_review)

    @property
    def serious(self) -> bool:
        return self.life_or_death_possible or self.death_penalty_review

    @property
    def area(self) -> str | None:
        """The county a 基层法律服务工作者 must practise in for this case."""
        return self.court_county or self.client_county


@dataclass(frozen=True)
class PoolMember:
    """One person the agency can assign (法律援助人员)."""

    id: str
    name: str
    kind: MemberKind
    active: bool = True
    practice_since: date | None = None  # 执业起始日
    criminal_defence_since: date | None = None  # 刑事辩护执业起始日
    legal_qualification: bool = False  # staff: 律师资格 / 法律职业资格 (Art. 13)
    specialities: frozenset[MatterCategory] = frozenset()
    familiar_with_minors: bool = False  # trained in minors' cases
    hometown: str | None = None
    languages: frozenset[str] = frozenset()
    county: str | None = None  # where the member practises (area rule for workers)
    open_cases: int = 0
    max_load: int | None = None
    conflicts: frozenset[str] = frozenset()  # case or party ids
    conflicted: bool = False  # a conflict flagged by hand
    org: str = ""  # law firm, 基层法律服务所 or the agency


@dataclass(frozen=True)
class Reason:
    """One explanation line and the article it applies."""

    text: LazyString
    article: str


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reasons: tuple[Reason, ...]

    @property
    def articles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(reason.article for reason in self.reasons))


@dataclass(frozen=True)
class Score:
    """Ranking factors, compared in this order (higher is better)."""

    speciality: bool
    load: int  # open cases; lower is better
    communication: bool
    years: int

    def key(self) -> tuple[int, int, int, int]:
        return (-int(self.speciality), self.load, -int(self.communication), -self.years)


@dataclass(frozen=True)
class Candidate:
    member: PoolMember
    score: Score
    reasons: tuple[Reason, ...] = field(default=())


def full_years(since: date | None, today: date) -> int:
    """Completed years from ``since`` to ``today``: the anniversary day counts.

    A start on 29 February reaches its anniversary on 1 March in common years (the year is
    only complete once 28 February has passed).
    """
    if since is None or since > today:
        return 0
    years = today.year - since.year
    if (today.month, today.day) < (since.month, since.day):
        years -= 1
    return years


# --- eligibility -------------------------------------------------------------------------


def _pool_rules(member: PoolMember, case: CaseProfile) -> list[tuple[bool, Reason]]:
    """Active, not conflicted, room for one more case."""
    out: list[tuple[bool, Reason]] = []
    if not member.active:
        out.append((False, Reason(_l("Not active in the legal aid pool."), ART_12)))
    if member.conflicted or member.conflicts & ({case.case_id} | case.party_ids):
        out.append((False, Reason(
            _l("Conflict of interest with this case or one of its parties."), CONFLICT)))
    if member.max_load is not None and member.open_cases >= member.max_load:
        out.append((False, Reason(
            _l("Already handling %(open)s open cases (maximum %(max)s).",
               open=member.open_cases, max=member.max_load), LOAD)))
    return out


def _kind_rules(member: PoolMember, case: CaseProfile) -> list[tuple[bool, Reason]]:
    """Who may act in this kind of matter (Art. 12-13, 25-26; worker scope and area)."""
    if case.needs_defender:
        if member.kind is MemberKind.LAWYER:
            return [(True, Reason(_l("A lawyer may act as defender."), ART_25_26))]
        if member.kind is MemberKind.LEGAL_SERVICE_WORKER:
            return [(False, Reason(_l("Legal service workers cannot act as defenders in "
                                      "criminal cases: the law assigns a lawyer."), ART_25_26))]
        return [(False, Reason(_l("Criminal defence is assigned to a lawyer; agency staff "
                                  "defend only when registered as practising lawyers."),
                               ART_25_26))]
    if member.kind is MemberKind.STAFF and not member.legal_qualification:
        return [(False, Reason(_l("Agency staff provide legal aid only with a lawyer's or "
                                  "legal professional qualification."), ART_12_13))]
    if member.kind is MemberKind.LEGAL_SERVICE_WORKER:
        if case.matter in CRIMINAL:
            return [(False, Reason(_l("Legal service workers do not handle criminal "
                                      "matters."), WORKER_SCOPE))]
        if case.area is None or member.county != case.area:
            return [(False, Reason(_l("Legal service workers act only in their own county "
                                      "(%(county)s); this case belongs to %(area)s.",
                                      county=member.county or "?", area=case.area or "?"),
                                   WORKER_AREA))]
        return [(True, Reason(_l("A legal service worker may handle this matter in their "
                                 "own county."), WORKER_AREA))]
    if member.kind is MemberKind.STAFF:
        return [(True, Reason(_l("Agency staff with a legal qualification may handle this "
                                 "matter."), ART_12_13))]
    return [(True, Reason(_l("A lawyer may handle this matter."), ART_12))]


def _experience_rule(member: PoolMember, case: CaseProfile,
                     today: date) -> list[tuple[bool, Reason]]:
    """Life/death and death-penalty review: at least three years of criminal defence."""
    if not case.serious or member.kind is not MemberKind.LAWYER:
        return []  # a non-lawyer is already refused by _kind_rules
    years = full_years(member.criminal_defence_since, today)
    if years >= MIN_SERIOUS_CRIMINAL_YEARS:
        return [(True, Reason(_l("%(years)s years of criminal defence practice: meets the "
                                 "three-year requirement for life imprisonment, death "
                                 "penalty and death-penalty review cases.", years=years),
                              ART_26))]
    return [(False, Reason(_l("Only %(years)s full years of criminal defence practice: life "
                              "imprisonment, death penalty and death-penalty review cases "
                              "need at least three.", years=years), ART_26))]


def _minor_rule(member: PoolMember, case: CaseProfile) -> list[tuple[bool, Reason]]:
    """Minor clients: a lawyer familiar with minors' characteristics."""
    if not case.client_is_minor:
        return []
    article = MINOR_CRIMINAL if case.needs_defender else MINOR_OTHER
    if member.kind is not MemberKind.LAWYER:
        return [(False, Reason(_l("A minor's case is assigned to a lawyer familiar with "
                                  "minors."), article))]
    if not member.familiar_with_minors:
        return [(False, Reason(_l("Not trained in minors' cases: a minor's case needs a "
                                  "lawyer familiar with minors' physical and mental "
                                  "characteristics."), article))]
    return [(True, Reason(_l("Trained in minors' cases."), article))]


def eligible(member: PoolMember, case: CaseProfile, today: date) -> Verdict:
    """May ``member`` handle ``case`` on ``today``? Lists every rule that applied.

    All failing rules are reported (not just the first) so the page can say everything that
    stands in the way at once.
    """
    checks = (_pool_rules(member, case) + _kind_rules(member, case)
              + _experience_rule(member, case, today) + _minor_rule(member, case))
    failed = tuple(reason for ok, reason in checks if not ok)
    if failed:
        return Verdict(False, failed)
    return Verdict(True, tuple(reason for _, reason in checks))


# --- ranking -----------------------------------------------------------------------------


def _score(member: PoolMember, case: CaseProfile, today: date) -> tuple[Score, list[Reason]]:
    speciality = case.matter in member.specialities
    shared_languages = sorted(member.languages & case.client_languages)
    same_hometown = (case.client_hometown is not None
                     and member.hometown == case.client_hometown)
    years = full_years(member.practice_since, today)
    reasons = [
        Reason(_l("Speciality matches the matter.") if speciality
               else _l("No speciality in this matter."), RANKING),
        Reason(_l("%(open)s open cases (fewer ranks higher).", open=member.open_cases),
               RANKING),
    ]
    if same_hometown:
        reasons.append(Reason(_l("Same hometown as the client: easier communication."),
                              RANKING))
    if shared_languages:
        reasons.append(Reason(_l("Speaks the client's language or dialect: %(languages)s.",
                                 languages=", ".join(shared_languages)), RANKING))
    if not (same_hometown or shared_languages):
        reasons.append(Reason(_l("No shared hometown or language with the client."),
                              RANKING))
    reasons.append(Reason(_l("%(years)s years of practice (more ranks higher).", years=years),
                          RANKING))
    return Score(speciality, member.open_cases, same_hometown or bool(shared_languages),
                 years), reasons


def rank(members: Iterable[PoolMember], case: CaseProfile, today: date) -> list[Candidate]:
    """Eligible members, best first: speciality, lower load, communication, more years."""
    candidates = []
    for member in members:
        verdict = eligible(member, case, today)
        if not verdict.ok:
            continue
        score, reasons = _score(member, case, today)
        candidates.append(Candidate(member, score, verdict.reasons + tuple(reasons)))
    return sorted(candidates, key=lambda c: (c.score.key(), c.member.id))


# --- the applicant's choice and replacements ----------------------------------------------


def check_choice(member: PoolMember, case: CaseProfile, today: date) -> Verdict:
    """点援制: the helper the applicant named is assigned if eligible, refused otherwise."""
    verdict = eligible(member, case, today)
    if verdict.ok:
        return Verdict(True, (Reason(_l("The applicant's chosen helper is eligible: the "
                                        "choice is honoured."), CHOICE),) + verdict.reasons)
    return Verdict(False, (Reason(_l("The applicant's chosen helper cannot be assigned: "
                                     "the agency assigns another."), CHOICE),)
                   + verdict.reasons)


def replacement_candidates(current: PoolMember, members: Iterable[PoolMember],
                           case: CaseProfile, today: date) -> list[Candidate]:
    """Ranked eligible members for a replacement (Art. 55), never the current helper."""
    out = []
    for candidate in rank((m for m in members if m.id != current.id), case, today):
        note = Reason(_l("Replaces the current helper %(name)s.", name=current.name),
                      REPLACEMENT)
        out.append(Candidate(candidate.member, candidate.score, (note,) + candidate.reasons))
    return out
