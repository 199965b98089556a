"""法律援助 eligibility: an explainable rule engine over the 法律援助法 (2021).

:func:`assess` takes the facts of one application or notice (:class:`ApplicantFacts`) and the
tenant's local policy (:class:`Policy`, from ``plugins/legal_aid/settings.py``) and returns an
:class:`Eligibility`: eligible / not eligible / needs more information, the rule that decided
(key, article, explanation), how the economic condition was handled, the scope check and,
when it cannot decide, every missing fact at once (一次性告知, Art. 43 ¶2).

Order of evaluation (the first decisive rule wins; missing facts are gathered along the way
so the applicant is told everything in one notice):

1. A defender or agent already retained → not eligible (Art. 24, 25, 28, 29, 31 all say
   "没有委托").
2. Notified route (通知): Art. 25 mandatory defence or Art. 28 compulsory treatment → eligible,
   no economic condition (Art. 36). A notice under neither article is not a valid notice.
3. Art. 32 circumstances on an application (not a suspect's defence) → eligible, no economic
   condition. Art. 32 matters are within scope on their own (a hero's personality rights is
   not in Art. 31's list).
4. Scope: criminal defence Art. 24, victims' representation Art. 29, state compensation
   Art. 31(1), every other category Art. 31's list of matters; outside it → refused.
5. Criminal defence applied for on "other reasons" (Art. 24), an Art. 25 ¶1 circumstance
   being one → eligible, no economic condition.
6. Art. 42 grounds with proof, then the tenant's local categories (with proof; the elderly by
   age) → economic check exempt.
7. Income test (Art. 34, 41): monthly household income / household size, rounded half up to
   the fen, compared with the tenant's threshold; at the threshold is eligible.

A ground claimed without its proof does not exempt: the income test decides, and if that
cannot grant aid the proof is listed among the missing facts, since bringing it would.

Pure: no database, no request; explanations are lazy strings rendered by the page.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.legal_aid.matters import MatterCategory

LAW = "法律援助法"
CENT = Decimal("0.01")
ITEMS = "一二三四五六七八九"


def cite(article: str, paragraph: int | None = None, *items: int) -> str:
    """A citation such as 法律援助法第二十五条第一款第（一）、（四）项."""
    text = f"{LAW}第{article}条"
    if paragraph is not None:
        text += f"第{ITEMS[paragraph - 1]}款"
    if items:
        text += "第" + "、".join(f"（{ITEMS[i - 1]}）" for i in sorted(set(items))) + "项"
    return text


def cites(*citations: str) -> str:
    """Several citations of this law joined: 法律援助法第三十四条、第四十一条."""
    return "、".join([citations[0], *(c.removeprefix(LAW) for c in citations[1:])])


# --- vocabularies ----------------------------------------------------------------------------


class Route(enum.StrEnum):
    APPLY = "apply"  # 申请
    NOTIFIED = "notified"  # 通知 by a court, procuratorate or police (Art. 25, 28, 36)


class MatterKind(enum.StrEnum):
    """Art. 31's list; 31(5) and 31(7) are split because Art. 42(3) names only part of them."""

    STATE_COMPENSATION = "state_compensation"  # (一) 国家赔偿
    SOCIAL_INSURANCE = "social_insurance"  # (二) 社会保险待遇或者社会救助
    PENSION = "pension"  # (三) 抚恤金
    MAINTENANCE = "maintenance"  # (四) 赡养费、抚养费、扶养费
    LABOUR_RELATION = "labour_relation"  # (五) 确认劳动关系
    WAGES = "wages"  # (五) 支付劳动报酬
    CAPACITY = "capacity"  # (六) 认定无/限制民事行为能力
    WORK_INJURY = "work_injury"  # (七) 工伤事故人身损害赔偿
    ACCIDENT_INJURY = "accident_injury"  # (七) 交通、食品药品安全、医疗事故人身损害赔偿
    ENVIRONMENT = "environment"  # (八) 环境污染、生态破坏损害赔偿
    OTHER_BY_LAW = "other_by_law"  # (九) 法律、法规、规章规定的其他情形 (needs legal_basis)
    OTHER = "other"  # none of the above: outside the scope


ART31_ITEM = {
    MatterKind.STATE_COMPENSATION: 1, MatterKind.SOCIAL_INSURANCE: 2, MatterKind.PENSION: 3,
    MatterKind.MAINTENANCE: 4, MatterKind.LABOUR_RELATION: 5, MatterKind.WAGES: 5,
    MatterKind.CAPACITY: 6, MatterKind.WORK_INJURY: 7, MatterKind.ACCIDENT_INJURY: 7,
    MatterKind.ENVIRONMENT: 8, MatterKind.OTHER_BY_LAW: 9,
}


class MandatoryDefence(enum.StrEnum):
    """Art. 25: defendants the court, procuratorate or police must have defended."""

    MINOR = "minor"  # ¶1 (一)
    SENSORY_DISABILITY = "sensory_disability"  # ¶1 (二) 视力、听力、言语残疾
    MENTAL_INCAPACITY = "mental_incapacity"  # ¶1 (三) 不能完全辨认自己行为的成年人
    LIFE_OR_DEATH = "life_or_death"  # ¶1 (四) 可能被判处无期徒刑、死刑
    DEATH_REVIEW = "death_review"  # ¶1 (五) 死刑复核
    IN_ABSENTIA = "in_absentia"  # ¶1 (六) 缺席审判
    OTHER_BY_LAW = "other_by_law"  # ¶1 (七) 法律法规规定的其他人员 (needs legal_basis)
    ORDINARY_PROCEDURE = "ordinary_procedure"  # ¶2: court's discretionary notice


ART25_ITEM = {
    MandatoryDefence.MINOR: 1, MandatoryDefence.SENSORY_DISABILITY: 2,
    MandatoryDefence.MENTAL_INCAPACITY: 3, MandatoryDefence.LIFE_OR_DEATH: 4,
    MandatoryDefence.DEATH_REVIEW: 5, MandatoryDefence.IN_ABSENTIA: 6,
    MandatoryDefence.OTHER_BY_LAW: 7,
}


class Art32Circumstance(enum.StrEnum):
    HERO_RELATIVE = "hero_relative"  # (一) 英雄烈士近亲属维护人格权益
    GOOD_SAMARITAN = "good_samaritan"  # (二) 见义勇为
    RETRIAL_ACQUITTAL = "retrial_acquittal"  # (三) 再审改判无罪请求国家赔偿
    ABUSE_VICTIM = "abuse_victim"  # (四) 虐待、遗弃、家庭暴力的受害人
    OTHER_BY_LAW = "other_by_law"  # (五) (needs legal_basis)


ART32_ITEM = {c: i for i, c in enumerate(Art32Circumstance, start=1)}


class Art42Ground(enum.StrEnum):
    NO_LIVING_SOURCE = "no_living_source"  # (一) 无固定生活来源的未成年人、老年人、残疾人
    ASSISTANCE_RECIPIENT = "assistance_recipient"  # (二) 社会救助、司法救助或者优抚对象
    MIGRANT_WORKER = "migrant_worker"  # (三) 进城务工人员: wages or work injury only


ART42_ITEM = {g: i for i, g in enumerate(Art42Ground, start=1)}


class LocalCategory(enum.StrEnum):
    """Tenant-configurable categories accepted without economic review (seed 000)."""

    FIVE_GUARANTEES = "five_guarantees"  # 农村五保户 / 特困供养
    MINIMUM_LIVING = "minimum_living"  # 低保 or 生活困难补助金
    WELFARE_INSTITUTION = "welfare_institution"  # 社会福利机构由政府供养
    SEVERE_DISABILITY_OR_ILLNESS = "severe_disability_or_illness"  # 且无固定生活来源
    MILITARY = "military"  # 义务兵、供给制学员及军属; 执行作战等任务的军人及军属
    MARTYR_SURVIVOR = "martyr_survivor"  # 烈士、因公牺牲军人、病故军人的遗属
    ELDERLY = "elderly"  # at or over Policy.elderly_age, shown by the ID card (age)


class CheckMethod(enum.StrEnum):
    """Art. 41 ¶2: how the agency checks the applicant's economic situation."""

    SHARED_QUERY = "shared_query"  # 信息共享查询
    PLEDGE = "pledge"  # 个人诚信承诺


class Outcome(enum.StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_INFORMATION = "needs_information"


class EconomicCheck(enum.StrEnum):
    NOT_REQUIRED = "not_required"  # Art. 24 other reasons, 25, 28, 32
    EXEMPT = "exempt"  # Art. 42 or a tenant category
    INCOME_TEST = "income_test"  # threshold against per-capita income
    NOT_ASSESSED = "not_assessed"  # decided (or stuck) before the economic condition


# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Art42Claim:
    ground: Art42Ground
    proof_provided: bool = False


@dataclass(frozen=True)
class LocalClaim:
    category: LocalCategory
    proof_provided: bool = False


@dataclass(frozen=True)
class ApplicantFacts:
    """What the reviewer knows about one application or notice. None means "not known"."""

    route: Route
    category: MatterCategory
    matter_kind: MatterKind | None = None  # Art. 31; needed outside criminal matters
    mandatory_defence: frozenset[MandatoryDefence] = frozenset()
    compulsory_treatment: bool = False  # Art. 28 respondent or defendant
    art32: frozenset[Art32Circumstance] = frozenset()
    art42: tuple[Art42Claim, ...] = ()
    local_categories: tuple[LocalClaim, ...] = ()
    defence_other_reason: str = ""  # Art. 24 "其他原因", in the reviewer's words
    legal_basis: str = ""  # the law or regulation for an "other by law" item
    has_retained_lawyer: bool = False
    household_size: int | None = None
    monthly_household_income: Decimal | None = None  # yuan
    age: int | None = None
    check_method: CheckMethod | None = None

    def __post_init__(self) -> None:
        # Forms validate first; this guards the engine against a nonsense division.
        if self.household_size is not None and self.household_size < 1:
            raise ValueError("household_size must be at least 1")
        if self.monthly_household_income is not None and self.monthly_household_income < 0:
            raise ValueError("monthly_household_income cannot be negative")
        if self.age is not None and self.age < 0:
            raise ValueError("age cannot be negative")


@dataclass(frozen=True)
class Policy:
    """The tenant's local rules (settings namespace ``legal_aid``)."""

    threshold: Decimal | None  # monthly per-capita household income, yuan (Art. 34)
    direct_categories: frozenset[LocalCategory] = frozenset()
    elderly_age: int = 70  # used only when LocalCategory.ELDERLY is switched on


# --- outputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleApplied:
    key: str
    article: str
    explanation: Any  # a lazy string


@dataclass(frozen=True)
class IncomeTest:
    threshold: Decimal
    household_size: int
    monthly_household_income: Decimal
    per_capita: Decimal  # rounded half up to the fen
    method: CheckMethod
    passed: bool


@dataclass(frozen=True)
class MissingFact:
    key: str
    label: Any  # a lazy string, for the 一次性告知 notice


@dataclass(frozen=True)
class Eligibility:
    outcome: Outcome
    rule: RuleApplied
    economic_check: EconomicCheck
    scope: RuleApplied | None = None  # None when the scope was never in question or unknown
    income_test: IncomeTest | None = None
    missing: tuple[MissingFact, ...] = ()
    notes: tuple[RuleApplied, ...] = ()  # rules considered that did not decide
    senior_lawyer_required: bool = False  # Art. 26: ≥3 years' practice

    @property
    def eligible(self) -> bool | None:
        return {Outcome.ELIGIBLE: True, Outcome.NOT_ELIGIBLE: False}.get(self.outcome)

    @property
    def missing_keys(self) -> tuple[str, ...]:
        return tuple(fact.key for fact in self.missing)


# --- missing facts ---------------------------------------------------------------------------

_MISSING_LABELS = {
    "matter_kind": _l("The kind of matter (Art. 31's list)"),
    "mandatory_defence": _l("The Art. 25 circumstance the notice relies on"),
    "legal_basis": _l("The law or regulation relied on for the \"other\" item"),
    "household_size": _l("Number of people in the household"),
    "monthly_household_income": _l("Monthly household income (yuan)"),
    "check_method": _l("How the economic situation is checked (shared query or "
                       "personal pledge)"),
    "hardship_threshold": _l("The bureau's economic-hardship threshold (legal aid "
                             "settings)"),
    "age": _l("The applicant's age"),
}

_ART42_PROOF = {
    Art42Ground.NO_LIVING_SOURCE: _l("Proof of being a minor, elderly or disabled person "
                                     "without a fixed source of living"),
    Art42Ground.ASSISTANCE_RECIPIENT: _l("Proof of receiving social assistance, judicial "
                                         "assistance or special care (优抚)"),
    Art42Ground.MIGRANT_WORKER: _l("Proof of being a migrant worker (进城务工人员)"),
}

_LOCAL_PROOF = {
    LocalCategory.FIVE_GUARANTEES: _l("Proof of five-guarantee (五保/特困) support"),
    LocalCategory.MINIMUM_LIVING: _l("Proof of receiving the minimum living allowance or a "
                                     "hardship allowance"),
    LocalCategory.WELFARE_INSTITUTION: _l("Proof of being supported by the government in a "
                                          "welfare institution"),
    LocalCategory.SEVERE_DISABILITY_OR_ILLNESS: _l("Proof of severe disability or serious "
                                                   "illness without a fixed source of living"),
    LocalCategory.MILITARY: _l("Proof of being a serviceman or a serviceman's family member"),
    LocalCategory.MARTYR_SURVIVOR: _l("Proof of being a survivor of a martyr or of a "
                                      "serviceman who died on duty or of illness"),
    LocalCategory.ELDERLY: _l("The applicant's age"),
}


def _missing(key: str) -> MissingFact:
    return MissingFact(key, _MISSING_LABELS[key])


def _add(found: list[MissingFact], fact: MissingFact) -> None:
    if fact.key not in {f.key for f in found}:
        found.append(fact)


# --- the engine ------------------------------------------------------------------------------


def assess(facts: ApplicantFacts, policy: Policy) -> Eligibility:
    """Decide one application or notice; see the module docstring for the order."""
    if facts.has_retained_lawyer:
        return Eligibility(Outcome.NOT_ELIGIBLE, RuleApplied(
            "lawyer_retained", cites(cite("二十四"), cite("二十九"), cite("三十一")),
            _l("Legal aid is for people who have not retained a defender or agent; this "
               "person already has one.")), EconomicCheck.NOT_ASSESSED)
    if facts.route is Route.NOTIFIED:
        return _notified(facts)
    return _applied(facts, policy)


def _notified(facts: ApplicantFacts) -> Eligibility:
    """Art. 25, 28, 36: a notice from a court, procuratorate or police needs no review."""
    if facts.compulsory_treatment:
        return Eligibility(Outcome.ELIGIBLE, RuleApplied(
            "art28_compulsory_treatment", cite("二十八"),
            _l("The respondent or defendant in a compulsory medical treatment case has no "
               "agent: the court notifies and a lawyer is assigned, without any economic "
               "condition.")), EconomicCheck.NOT_REQUIRED)
    if facts.category is not MatterCategory.CRIMINAL_DEFENCE:
        return Eligibility(Outcome.NOT_ELIGIBLE, RuleApplied(
            "notice_not_applicable", cite("三十六"),
            _l("A notice binds the legal aid agency only for criminal defence (Art. 25) or "
               "compulsory medical treatment (Art. 28). The person may apply instead.")),
            EconomicCheck.NOT_ASSESSED)
    circumstances = facts.mandatory_defence
    senior = bool(circumstances & {MandatoryDefence.LIFE_OR_DEATH,
                                   MandatoryDefence.DEATH_REVIEW})
    mandatory = [ART25_ITEM[c] for c in circumstances if c in ART25_ITEM
                 and (c is not MandatoryDefence.OTHER_BY_LAW or facts.legal_basis.strip())]
    if mandatory:
        return Eligibility(Outcome.ELIGIBLE, RuleApplied(
            "art25_mandatory_defence", cite("二十五", 1, *mandatory),
            _l("The suspect or defendant has no defender and falls under Art. 25 ¶1: the "
               "court, procuratorate or police must notify and a lawyer is assigned, without "
               "any economic condition.")), EconomicCheck.NOT_REQUIRED,
            senior_lawyer_required=senior)
    if MandatoryDefence.ORDINARY_PROCEDURE in circumstances:
        return Eligibility(Outcome.ELIGIBLE, RuleApplied(
            "art25_court_notice", cite("二十五", 2),
            _l("In another criminal case tried under the ordinary procedure the court chose "
               "to notify: a lawyer is assigned, without any economic condition.")),
            EconomicCheck.NOT_REQUIRED)
    missing = [_missing("legal_basis") if MandatoryDefence.OTHER_BY_LAW in circumstances
               else _missing("mandatory_defence")]
    return _undecided(missing, EconomicCheck.NOT_ASSESSED)


def _applied(facts: ApplicantFacts, policy: Policy) -> Eligibility:
    missing: list[MissingFact] = []
    notes: list[RuleApplied] = []

    decided = _art32(facts, missing, notes)
    if decided is not None:
        return decided

    art32_pending = bool(missing)  # an Art. 32 "other by law" claim awaiting its basis
    scope, within = _scope(facts, missing)
    if within is False and art32_pending:
        # The basis could bring the matter in under Art. 32: ask rather than refuse.
        return _undecided(missing, EconomicCheck.NOT_ASSESSED, notes=[scope, *notes])
    if within is False:
        return Eligibility(Outcome.NOT_ELIGIBLE, scope, EconomicCheck.NOT_ASSESSED,
                           scope=scope, notes=tuple(notes))

    if facts.category is MatterCategory.CRIMINAL_DEFENCE:
        decided = _other_reasons(facts, scope)
        if decided is not None:
            return decided

    exemption, unproven = _exemptions(facts, policy, missing, notes)
    if exemption is not None:
        if within is None:
            return _undecided(missing, EconomicCheck.EXEMPT, notes=[exemption, *notes])
        return Eligibility(Outcome.ELIGIBLE, exemption, EconomicCheck.EXEMPT, scope=scope,
                           notes=tuple(notes))

    return _income(facts, policy, scope, within, missing, unproven, notes)


def _art32(facts: ApplicantFacts, missing: list[MissingFact],
           notes: list[RuleApplied]) -> Eligibility | None:
    """Art. 32: no economic condition; the circumstance itself puts the matter in scope."""
    if not facts.art32:
        return None
    if facts.category is MatterCategory.CRIMINAL_DEFENCE:
        # Art. 32 protects people asserting their own rights, not a suspect's defence.
        notes.append(RuleApplied("art32_not_for_defence", cite("三十二"), _l(
            "Art. 32 covers people asserting their own rights; it does not apply to a "
            "suspect's or defendant's defence.")))
        return None
    items = [ART32_ITEM[c] for c in facts.art32
             if c is not Art32Circumstance.OTHER_BY_LAW or facts.legal_basis.strip()]
    if not items:
        _add(missing, _missing("legal_basis"))
        return None
    rule = RuleApplied("art32_no_economic_condition", cite("三十二", None, *items), _l(
        "The application falls under Art. 32: legal aid is given without any economic "
        "condition."))
    return Eligibility(Outcome.ELIGIBLE, rule, EconomicCheck.NOT_REQUIRED, scope=rule,
                       notes=tuple(notes))


def _scope(facts: ApplicantFacts,
           missing: list[MissingFact]) -> tuple[RuleApplied | None, bool | None]:
    """Whether the matter is one legal aid covers: Art. 24, 29, or Art. 31's list."""
    category = facts.category
    if category is MatterCategory.CRIMINAL_DEFENCE:
        return RuleApplied("art24_criminal_defence", cite("二十四"), _l(
            "A suspect or defendant without a defender, for economic hardship or other "
            "reasons, may apply.")), True
    if category is MatterCategory.CRIMINAL_REPRESENTATION:
        return RuleApplied("art29_criminal_victim", cite("二十九"), _l(
            "A victim, private prosecutor or incidental civil plaintiff without an agent "
            "because of economic hardship may apply.")), True
    kind = (MatterKind.STATE_COMPENSATION if category is MatterCategory.STATE_COMPENSATION
            else facts.matter_kind)
    if kind is None:
        _add(missing, _missing("matter_kind"))
        return None, None
    if kind is MatterKind.OTHER:
        return RuleApplied("art31_out_of_scope", cite("三十一"), _l(
            "For civil, administrative and other non-criminal matters legal aid covers only "
            "the matters listed in Art. 31 (state compensation, social insurance or "
            "assistance, pensions, maintenance, labour relations and pay, civil capacity, "
            "personal injury in work, traffic, food and drug or medical accidents, "
            "environmental damage, and others set by law); this matter is none of them.")), \
            False
    if kind is MatterKind.OTHER_BY_LAW and not facts.legal_basis.strip():
        _add(missing, _missing("legal_basis"))
        return None, None
    return RuleApplied("art31_in_scope", cite("三十一", None, ART31_ITEM[kind]), _l(
        "The matter is one of those listed in Art. 31; aid is given to a party without an "
        "agent because of economic hardship.")), True


def _other_reasons(facts: ApplicantFacts, scope: RuleApplied | None) -> Eligibility | None:
    """Art. 24: a defence application on "other reasons" needs no economic condition."""
    items = [ART25_ITEM[c] for c in facts.mandatory_defence if c in ART25_ITEM]
    senior = bool(facts.mandatory_defence & {MandatoryDefence.LIFE_OR_DEATH,
                                             MandatoryDefence.DEATH_REVIEW})
    if items:
        return Eligibility(Outcome.ELIGIBLE, RuleApplied(
            "art24_art25_circumstance", cites(cite("二十四"), cite("二十五", 1, *items)),
            _l("The applicant falls under Art. 25 ¶1, where the case-handling organ must "
               "obtain a defender: that is an \"other reason\" under Art. 24, without any "
               "economic condition.")), EconomicCheck.NOT_REQUIRED, scope=scope,
            senior_lawyer_required=senior)
    if facts.defence_other_reason.strip():
        return Eligibility(Outcome.ELIGIBLE, RuleApplied(
            "art24_other_reason", cite("二十四"),
            _l("No defender for a reason other than economic hardship: %(reason)s",
               reason=facts.defence_other_reason.strip())),
            EconomicCheck.NOT_REQUIRED, scope=scope)
    return None


def _exemptions(facts: ApplicantFacts, policy: Policy, missing: list[MissingFact],
                notes: list[RuleApplied]) -> tuple[RuleApplied | None, list[MissingFact]]:
    """Art. 42 grounds, then local categories. Returns the exemption and unproven claims."""
    unproven: list[MissingFact] = []
    for claim in facts.art42:
        if claim.ground is Art42Ground.MIGRANT_WORKER and facts.matter_kind not in (
                MatterKind.WAGES, MatterKind.WORK_INJURY):
            notes.append(RuleApplied("art42_migrant_worker_other_matter", cite("四十二", None, 3),
                                     _l("The migrant-worker exemption covers only claims for "
                                        "pay or work-injury damages.")))
            continue
        if claim.proof_provided:
            return RuleApplied(
                f"art42_{claim.ground.value}", cite("四十二", None, ART42_ITEM[claim.ground]),
                _l("The applicant proved a status listed in Art. 42: the economic situation "
                   "is not checked.")), unproven
        unproven.append(MissingFact(f"proof_art42_{claim.ground.value}",
                                    _ART42_PROOF[claim.ground]))
        notes.append(RuleApplied(f"art42_{claim.ground.value}_unproven",
                                 cite("四十二", None, ART42_ITEM[claim.ground]),
                                 _l("Art. 42 exempts only an applicant who brings proof; "
                                    "without it the income test applies.")))
    for claim in facts.local_categories:
        if claim.category is LocalCategory.ELDERLY:
            continue  # decided by age below
        if claim.category not in policy.direct_categories:
            notes.append(RuleApplied(f"local_{claim.category.value}_off", _LOCAL_CITE,
                                     _l("This bureau does not accept this category without "
                                        "economic review.")))
            continue
        if claim.proof_provided:
            return _local_rule(claim.category, _l(
                "The applicant proved a category this bureau accepts without economic "
                "review.")), unproven
        unproven.append(MissingFact(f"proof_local_{claim.category.value}",
                                    _LOCAL_PROOF[claim.category]))
    if LocalCategory.ELDERLY in policy.direct_categories:
        if facts.age is None:
            unproven.append(_missing("age"))
        elif facts.age >= policy.elderly_age:
            return _local_rule(LocalCategory.ELDERLY, _l(
                "The applicant is %(age)s, at or over the age of %(limit)s this bureau "
                "accepts without economic review.", age=facts.age,
                limit=policy.elderly_age)), unproven
    return None, unproven


_LOCAL_CITE = cite("四十二", None, 4) + "（本地规定）"


def _local_rule(category: LocalCategory, explanation: Any) -> RuleApplied:
    # Local rules rest on Art. 42(4) (other people set by law, regulation or rule) and on the
    # province's hardship standard (Art. 34); the bureau's setting records which apply.
    return RuleApplied(f"local_{category.value}", _LOCAL_CITE, explanation)


def _income(facts: ApplicantFacts, policy: Policy, scope: RuleApplied | None,
            within: bool | None, missing: list[MissingFact], unproven: list[MissingFact],
            notes: list[RuleApplied]) -> Eligibility:
    """Art. 34, 41: per-capita monthly household income against the tenant's threshold."""
    for key, value in (("household_size", facts.household_size),
                       ("monthly_household_income", facts.monthly_household_income),
                       ("check_method", facts.check_method),
                       ("hardship_threshold", policy.threshold)):
        if value is None:
            _add(missing, _missing(key))
    if (policy.threshold is None or facts.household_size is None
            or facts.monthly_household_income is None or facts.check_method is None):
        for fact in unproven:
            _add(missing, fact)
        return _undecided(missing, EconomicCheck.INCOME_TEST, notes=notes)

    per_capita = (Decimal(facts.monthly_household_income) / facts.household_size).quantize(
        CENT, rounding=ROUND_HALF_UP)
    threshold = Decimal(policy.threshold)
    passed = per_capita <= threshold
    test = IncomeTest(threshold, facts.household_size, Decimal(facts.monthly_household_income),
                      per_capita, facts.check_method, passed)
    numbers = {"income": test.monthly_household_income.quantize(CENT), "size": facts.household_size,
               "per_capita": per_capita, "threshold": threshold}
    if passed:
        rule = RuleApplied("income_within_threshold", cites(cite("三十四"), cite("四十一")), _l(
            "Monthly household income %(income)s yuan for %(size)s people is %(per_capita)s "
            "yuan a head, within this province's hardship standard of %(threshold)s yuan.",
            **numbers))
        if within is None:
            return _undecided(missing, EconomicCheck.INCOME_TEST, test, [rule, *notes])
        return Eligibility(Outcome.ELIGIBLE, rule, EconomicCheck.INCOME_TEST, scope=scope,
                           income_test=test, notes=tuple(notes))
    rule = RuleApplied("income_above_threshold", cites(cite("三十四"), cite("四十一")), _l(
        "Monthly household income %(income)s yuan for %(size)s people is %(per_capita)s yuan "
        "a head, above this province's hardship standard of %(threshold)s yuan.", **numbers))
    if unproven:
        # A claimed exemption would change the answer: ask for its proof (Art. 43 ¶2).
        for fact in unproven:
            _add(missing, fact)
        return _undecided(missing, EconomicCheck.INCOME_TEST, test, [rule, *notes])
    return Eligibility(Outcome.NOT_ELIGIBLE, rule, EconomicCheck.INCOME_TEST, scope=scope,
                       income_test=test, notes=tuple(notes))


def _undecided(missing: list[MissingFact], check: EconomicCheck,
               test: IncomeTest | None = None,
               notes: list[RuleApplied] | None = None) -> Eligibility:
    return Eligibility(Outcome.NEEDS_INFORMATION, RuleApplied(
        "needs_information", cite("四十三", 2),
        _l("Facts needed for the decision are missing; tell the applicant all of them at "
           "once. An application not completed as asked counts as withdrawn.")),
        check, income_test=test, missing=tuple(missing), notes=tuple(notes or ()))


__all__ = [
    "ApplicantFacts", "Art32Circumstance", "Art42Claim", "Art42Ground", "CheckMethod",
    "EconomicCheck", "Eligibility", "IncomeTest", "LocalCategory", "LocalClaim",
    "MandatoryDefence", "MatterCategory", "MatterKind", "MissingFact", "Outcome", "Policy",
    "Route", "RuleApplied", "assess", "cite", "cites",
]
