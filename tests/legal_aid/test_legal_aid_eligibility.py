"""法律援助 eligibility rules (plugins/legal_aid/eligibility.py), article by article."""

from __future__ import annotations

from decimal import Decimal

import pytest
from marshmallow import ValidationError

from plugins.legal_aid.eligibility import (
    ApplicantFacts,
    Art32Circumstance,
    Art42Claim,
    Art42Ground,
    CheckMethod,
    EconomicCheck,
    LocalCategory,
    LocalClaim,
    MandatoryDefence,
    MatterCategory,
    MatterKind,
    Outcome,
    Policy,
    Route,
    assess,
)
from plugins.legal_aid.settings import (
    CATEGORY_FIELDS,
    LegalAidSettingsSchema,
    current_policy,
    legal_aid_settings,
    policy_from_settings,
)

THRESHOLD = Decimal("1000.00")
ALL_LOCAL = frozenset(LocalCategory) - {LocalCategory.ELDERLY}
POLICY = Policy(threshold=THRESHOLD, direct_categories=ALL_LOCAL)
RICH = {"household_size": 1, "monthly_household_income": Decimal("99999"),
        "check_method": CheckMethod.SHARED_QUERY}
POOR = {"household_size": 1, "monthly_household_income": Decimal("500"),
        "check_method": CheckMethod.PLEDGE}


def civil(kind: MatterKind | None = MatterKind.WAGES, **facts: object) -> ApplicantFacts:
    return ApplicantFacts(Route.APPLY, MatterCategory.CIVIL, kind, **facts)


def notified(*circumstances: MandatoryDefence, **facts: object) -> ApplicantFacts:
    return ApplicantFacts(Route.NOTIFIED, MatterCategory.CRIMINAL_DEFENCE,
                          mandatory_defence=frozenset(circumstances), **facts)


# --- Art. 25, 28: notified cases, no economic condition ---------------------------------------


@pytest.mark.parametrize(("circumstance", "item"), [
    (MandatoryDefence.MINOR, "（一）"),
    (MandatoryDefence.SENSORY_DISABILITY, "（二）"),
    (MandatoryDefence.MENTAL_INCAPACITY, "（三）"),
    (MandatoryDefence.LIFE_OR_DEATH, "（四）"),
    (MandatoryDefence.DEATH_REVIEW, "（五）"),
    (MandatoryDefence.IN_ABSENTIA, "（六）"),
])
def test_notified_mandatory_defence_needs_no_economic_test(circumstance, item):
    # No household facts at all, and a wealthy defendant would not matter either.
    for extra in ({}, RICH):
        result = assess(notified(circumstance, **extra), POLICY)
        assert result.outcome is Outcome.ELIGIBLE and result.eligible is True
        assert result.rule.key == "art25_mandatory_defence"
        assert result.rule.article == f"法律援助法第二十五条第一款第{item}项"
        assert result.economic_check is EconomicCheck.NOT_REQUIRED
        assert result.income_test is None and result.missing == ()


def test_life_or_death_and_death_review_need_a_senior_lawyer():
    assert assess(notified(MandatoryDefence.LIFE_OR_DEATH), POLICY).senior_lawyer_required
    assert assess(notified(MandatoryDefence.DEATH_REVIEW), POLICY).senior_lawyer_required
    assert not assess(notified(MandatoryDefence.MINOR), POLICY).senior_lawyer_required


def test_several_circumstances_are_all_cited():
    result = assess(notified(MandatoryDefence.MINOR, MandatoryDefence.LIFE_OR_DEATH), POLICY)
    assert result.rule.article == "法律援助法第二十五条第一款第（一）、（四）项"


def test_other_by_law_circumstance_needs_its_basis():
    result = assess(notified(MandatoryDefence.OTHER_BY_LAW), POLICY)
    assert result.outcome is Outcome.NEEDS_INFORMATION
    assert result.missing_keys == ("legal_basis",)
    result = assess(notified(MandatoryDefence.OTHER_BY_LAW, legal_basis="某省条例第十条"),
                    POLICY)
    assert result.outcome is Outcome.ELIGIBLE and result.rule.article.endswith("第（七）项")


def test_court_notice_in_ordinary_procedure():
    result = assess(notified(MandatoryDefence.ORDINARY_PROCEDURE), POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.rule.article == "法律援助法第二十五条第二款"
    assert result.economic_check is EconomicCheck.NOT_REQUIRED


def test_compulsory_treatment_notice():
    result = assess(ApplicantFacts(Route.NOTIFIED, MatterCategory.CRIMINAL_DEFENCE,
                                   compulsory_treatment=True, **RICH), POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.rule.article == "法律援助法第二十八条"
    assert result.economic_check is EconomicCheck.NOT_REQUIRED


def test_notice_without_circumstance_asks_for_it():
    result = assess(notified(), POLICY)
    assert result.outcome is Outcome.NEEDS_INFORMATION and result.eligible is None
    assert result.missing_keys == ("mandatory_defence",)


def test_notice_for_a_civil_matter_is_not_a_valid_notice():
    result = assess(ApplicantFacts(Route.NOTIFIED, MatterCategory.CIVIL, MatterKind.WAGES),
                    POLICY)
    assert result.outcome is Outcome.NOT_ELIGIBLE
    assert result.rule.key == "notice_not_applicable"
    assert "apply instead" in str(result.rule.explanation)


def test_retained_lawyer_is_not_eligible():
    result = assess(notified(MandatoryDefence.MINOR, has_retained_lawyer=True), POLICY)
    assert result.outcome is Outcome.NOT_ELIGIBLE and result.rule.key == "lawyer_retained"


# --- Art. 32: no economic condition ----------------------------------------------------------


@pytest.mark.parametrize(("circumstance", "category", "item"), [
    (Art32Circumstance.HERO_RELATIVE, MatterCategory.CIVIL, "（一）"),
    (Art32Circumstance.GOOD_SAMARITAN, MatterCategory.CIVIL, "（二）"),
    (Art32Circumstance.RETRIAL_ACQUITTAL, MatterCategory.STATE_COMPENSATION, "（三）"),
    (Art32Circumstance.ABUSE_VICTIM, MatterCategory.CRIMINAL_REPRESENTATION, "（四）"),
])
def test_art32_circumstances_are_not_limited_by_income(circumstance, category, item):
    # A hero's personality rights is not in Art. 31's list: Art. 32 brings it in scope.
    facts = ApplicantFacts(Route.APPLY, category, MatterKind.OTHER,
                           art32=frozenset({circumstance}), **RICH)
    result = assess(facts, POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.rule.article == f"法律援助法第三十二条第{item}项"
    assert result.economic_check is EconomicCheck.NOT_REQUIRED
    assert result.income_test is None


def test_art32_other_by_law_needs_its_basis():
    facts = civil(MatterKind.OTHER, art32=frozenset({Art32Circumstance.OTHER_BY_LAW}))
    assert "legal_basis" in assess(facts, POLICY).missing_keys
    facts = civil(MatterKind.OTHER, art32=frozenset({Art32Circumstance.OTHER_BY_LAW}),
                  legal_basis="某省法律援助条例第十二条")
    assert assess(facts, POLICY).rule.article == "法律援助法第三十二条第（五）项"


def test_art32_does_not_cover_a_suspects_defence():
    facts = ApplicantFacts(Route.APPLY, MatterCategory.CRIMINAL_DEFENCE,
                           art32=frozenset({Art32Circumstance.GOOD_SAMARITAN}), **RICH)
    result = assess(facts, POLICY)
    assert result.outcome is Outcome.NOT_ELIGIBLE
    assert result.economic_check is EconomicCheck.INCOME_TEST
    assert "art32_not_for_defence" in [note.key for note in result.notes]


# --- scope: Art. 24, 29, 31 ------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "item"), [
    (MatterKind.STATE_COMPENSATION, "（一）"), (MatterKind.SOCIAL_INSURANCE, "（二）"),
    (MatterKind.PENSION, "（三）"), (MatterKind.MAINTENANCE, "（四）"),
    (MatterKind.LABOUR_RELATION, "（五）"), (MatterKind.WAGES, "（五）"),
    (MatterKind.CAPACITY, "（六）"), (MatterKind.WORK_INJURY, "（七）"),
    (MatterKind.ACCIDENT_INJURY, "（七）"), (MatterKind.ENVIRONMENT, "（八）"),
])
def test_art31_matters_are_in_scope(kind, item):
    result = assess(civil(kind, **POOR), POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.scope is not None and result.scope.article == f"法律援助法第三十一条第{item}项"


@pytest.mark.parametrize("category", [
    MatterCategory.CIVIL, MatterCategory.ADMINISTRATIVE, MatterCategory.LABOUR_ARBITRATION,
    MatterCategory.NON_LITIGATION])
def test_matter_outside_art31_is_refused_with_the_reason(category):
    result = assess(ApplicantFacts(Route.APPLY, category, MatterKind.OTHER, **POOR), POLICY)
    assert result.outcome is Outcome.NOT_ELIGIBLE
    assert result.rule.key == "art31_out_of_scope"
    assert result.rule.article == "法律援助法第三十一条"
    assert "listed in Art. 31" in str(result.rule.explanation)
    assert result.economic_check is EconomicCheck.NOT_ASSESSED and result.income_test is None


def test_other_matter_set_by_law_needs_its_basis():
    assert assess(civil(MatterKind.OTHER_BY_LAW, **POOR), POLICY).missing_keys == (
        "legal_basis",)
    result = assess(civil(MatterKind.OTHER_BY_LAW, legal_basis="某省条例", **POOR), POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.scope.article == "法律援助法第三十一条第（九）项"


def test_state_compensation_category_is_in_scope_without_a_kind():
    result = assess(ApplicantFacts(Route.APPLY, MatterCategory.STATE_COMPENSATION, **POOR),
                    POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.scope.article == "法律援助法第三十一条第（一）项"


def test_criminal_victim_is_in_scope_under_art29_with_income_test():
    facts = ApplicantFacts(Route.APPLY, MatterCategory.CRIMINAL_REPRESENTATION, **POOR)
    result = assess(facts, POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.scope.article == "法律援助法第二十九条"
    assert result.economic_check is EconomicCheck.INCOME_TEST


def test_defence_application_for_hardship_uses_the_income_test():
    facts = ApplicantFacts(Route.APPLY, MatterCategory.CRIMINAL_DEFENCE, **POOR)
    result = assess(facts, POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.scope.article == "法律援助法第二十四条"
    assert result.economic_check is EconomicCheck.INCOME_TEST


def test_defence_application_for_other_reasons_needs_no_income_test():
    facts = ApplicantFacts(Route.APPLY, MatterCategory.CRIMINAL_DEFENCE,
                           defence_other_reason="家属在外地，无法委托律师")
    result = assess(facts, POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.rule.key == "art24_other_reason"
    assert "家属在外地" in str(result.rule.explanation)
    assert result.economic_check is EconomicCheck.NOT_REQUIRED


def test_defence_application_with_an_art25_circumstance():
    facts = ApplicantFacts(Route.APPLY, MatterCategory.CRIMINAL_DEFENCE,
                           mandatory_defence=frozenset({MandatoryDefence.LIFE_OR_DEATH}), **RICH)
    result = assess(facts, POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.rule.article == "法律援助法第二十四条、第二十五条第一款第（四）项"
    assert result.senior_lawyer_required


# --- Art. 42: exempt from the economic check, with proof -------------------------------------


@pytest.mark.parametrize(("ground", "kind", "item"), [
    (Art42Ground.NO_LIVING_SOURCE, MatterKind.MAINTENANCE, "（一）"),
    (Art42Ground.ASSISTANCE_RECIPIENT, MatterKind.PENSION, "（二）"),
    (Art42Ground.MIGRANT_WORKER, MatterKind.WAGES, "（三）"),
    (Art42Ground.MIGRANT_WORKER, MatterKind.WORK_INJURY, "（三）"),
])
def test_art42_with_proof_is_exempt(ground, kind, item):
    # No household facts given: the exemption needs none.
    result = assess(civil(kind, art42=(Art42Claim(ground, proof_provided=True),)), POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.economic_check is EconomicCheck.EXEMPT
    assert result.rule.article == f"法律援助法第四十二条第{item}项"
    assert result.scope.article.startswith("法律援助法第三十一条")


def test_migrant_worker_exemption_only_for_pay_or_work_injury():
    facts = civil(MatterKind.MAINTENANCE, **RICH,
                  art42=(Art42Claim(Art42Ground.MIGRANT_WORKER, proof_provided=True),))
    result = assess(facts, POLICY)
    assert result.outcome is Outcome.NOT_ELIGIBLE
    assert result.economic_check is EconomicCheck.INCOME_TEST
    assert "art42_migrant_worker_other_matter" in [note.key for note in result.notes]


def test_art42_without_proof_falls_back_to_income_test():
    claim = (Art42Claim(Art42Ground.ASSISTANCE_RECIPIENT),)
    result = assess(civil(art42=claim, **POOR), POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.economic_check is EconomicCheck.INCOME_TEST
    assert "art42_assistance_recipient_unproven" in [note.key for note in result.notes]


def test_art42_without_proof_and_income_above_asks_for_the_proof():
    # The proof would change the answer, so the applicant is told to bring it (Art. 43 ¶2).
    result = assess(civil(art42=(Art42Claim(Art42Ground.ASSISTANCE_RECIPIENT),), **RICH),
                    POLICY)
    assert result.outcome is Outcome.NEEDS_INFORMATION
    assert result.missing_keys == ("proof_art42_assistance_recipient",)
    assert result.income_test is not None and not result.income_test.passed


# --- tenant categories -----------------------------------------------------------------------


@pytest.mark.parametrize("category", sorted(ALL_LOCAL))
def test_tenant_category_with_proof_is_accepted_directly(category):
    facts = civil(local_categories=(LocalClaim(category, proof_provided=True),), **RICH)
    result = assess(facts, POLICY)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.economic_check is EconomicCheck.EXEMPT
    assert result.rule.key == f"local_{category.value}"
    assert result.rule.article == "法律援助法第四十二条第（四）项（本地规定）"


@pytest.mark.parametrize("category", sorted(ALL_LOCAL))
def test_tenant_category_switched_off_is_not_applied(category):
    policy = Policy(threshold=THRESHOLD, direct_categories=ALL_LOCAL - {category})
    facts = civil(local_categories=(LocalClaim(category, proof_provided=True),), **RICH)
    result = assess(facts, policy)
    assert result.outcome is Outcome.NOT_ELIGIBLE
    assert result.economic_check is EconomicCheck.INCOME_TEST
    assert f"local_{category.value}_off" in [note.key for note in result.notes]


def test_tenant_category_does_not_widen_the_scope():
    facts = civil(MatterKind.OTHER, local_categories=(
        LocalClaim(LocalCategory.MINIMUM_LIVING, proof_provided=True),))
    assert assess(facts, POLICY).rule.key == "art31_out_of_scope"


def test_elderly_category_is_off_by_default():
    defaults = policy_from_settings(LegalAidSettingsSchema().load({}))
    assert LocalCategory.ELDERLY not in defaults.direct_categories
    result = assess(civil(age=85, **RICH), Policy(THRESHOLD, defaults.direct_categories))
    assert result.outcome is Outcome.NOT_ELIGIBLE


def test_elderly_category_from_the_set_age():
    policy = Policy(THRESHOLD, frozenset({LocalCategory.ELDERLY}), elderly_age=70)
    at_age = assess(civil(age=70, **RICH), policy)
    assert at_age.outcome is Outcome.ELIGIBLE and at_age.rule.key == "local_elderly"
    assert "70" in str(at_age.rule.explanation)
    assert assess(civil(age=69, **RICH), policy).outcome is Outcome.NOT_ELIGIBLE
    # Age unknown and income too high: the age could still decide, so it is asked for.
    assert assess(civil(**RICH), policy).missing_keys == ("age",)


# --- the income test -------------------------------------------------------------------------


def income(size: int, amount: str, policy: Policy = POLICY):
    return assess(civil(household_size=size, monthly_household_income=Decimal(amount),
                        check_method=CheckMethod.SHARED_QUERY), policy)


def test_income_exactly_at_threshold_is_eligible():
    result = income(1, "1000.00")
    assert result.outcome is Outcome.ELIGIBLE
    assert result.economic_check is EconomicCheck.INCOME_TEST
    test = result.income_test
    assert (test.per_capita, test.threshold, test.passed) == (THRESHOLD, THRESHOLD, True)
    assert test.method is CheckMethod.SHARED_QUERY
    text = str(result.rule.explanation)
    assert "1000.00 yuan a head" in text and "standard of 1000.00 yuan" in text


def test_one_fen_above_threshold_is_not():
    result = income(1, "1000.01")
    assert result.outcome is Outcome.NOT_ELIGIBLE
    assert result.rule.key == "income_above_threshold"
    assert result.income_test.per_capita == Decimal("1000.01")
    assert "1000.01 yuan a head" in str(result.rule.explanation)


def test_household_size_divides_the_income():
    assert income(3, "3000.00").outcome is Outcome.ELIGIBLE
    assert income(3, "3000.00").income_test.per_capita == Decimal("1000.00")
    # 3000.03 / 3 = 1000.01 a head: one fen above.
    assert income(3, "3000.03").outcome is Outcome.NOT_ELIGIBLE
    # Per-capita income is taken to the fen, half up: 3000.01 / 3 = 1000.0033 → 1000.00.
    assert income(3, "3000.01").outcome is Outcome.ELIGIBLE
    assert income(4, "3999.99").outcome is Outcome.ELIGIBLE
    assert income(1, "3999.99").outcome is Outcome.NOT_ELIGIBLE


def test_threshold_not_set_is_reported():
    result = income(1, "10", Policy(threshold=None))
    assert result.outcome is Outcome.NEEDS_INFORMATION
    assert result.missing_keys == ("hardship_threshold",)


# --- missing facts: all at once --------------------------------------------------------------


def test_missing_facts_are_listed_all_at_once():
    result = assess(civil(None), POLICY)
    assert result.outcome is Outcome.NEEDS_INFORMATION
    assert result.rule.article == "法律援助法第四十三条第二款"
    assert result.missing_keys == ("matter_kind", "household_size",
                                   "monthly_household_income", "check_method")
    assert all(str(fact.label) for fact in result.missing)


def test_missing_facts_include_proof_of_a_claimed_exemption():
    facts = civil(household_size=2, local_categories=(LocalClaim(LocalCategory.MILITARY),))
    assert assess(facts, POLICY).missing_keys == (
        "monthly_household_income", "check_method", "proof_local_military")


def test_exemption_with_unknown_matter_still_asks_for_the_matter():
    facts = civil(None, art42=(Art42Claim(Art42Ground.NO_LIVING_SOURCE, proof_provided=True),))
    result = assess(facts, POLICY)
    assert result.outcome is Outcome.NEEDS_INFORMATION
    assert result.missing_keys == ("matter_kind",)
    assert result.economic_check is EconomicCheck.EXEMPT


def test_income_above_threshold_refuses_even_with_unknown_matter():
    result = assess(civil(None, **RICH), POLICY)
    assert result.outcome is Outcome.NOT_ELIGIBLE
    assert result.rule.key == "income_above_threshold"


def test_bad_facts_are_rejected():
    with pytest.raises(ValueError):
        civil(household_size=0)
    with pytest.raises(ValueError):
        civil(monthly_household_income=Decimal("-1"))


# --- settings --------------------------------------------------------------------------------


def test_settings_defaults_follow_seed_000():
    values = LegalAidSettingsSchema().load({})
    assert values["hardship_threshold"] is None
    assert values["elderly_age"] == 70 and values["direct_elderly"] is False
    assert set(CATEGORY_FIELDS) == set(LocalCategory)
    assert policy_from_settings(values).direct_categories == ALL_LOCAL


def test_settings_reject_bad_values():
    with pytest.raises(ValidationError) as caught:
        LegalAidSettingsSchema().load({"hardship_threshold": "-5", "elderly_age": 30})
    assert set(caught.value.messages) == {"hardship_threshold", "elderly_age"}


def test_tenant_settings_drive_the_policy(in_tenant, tenant_a, tenant_b):
    with in_tenant(tenant_a):
        legal_aid_settings().set_many({"hardship_threshold": "1250.50",
                                       "direct_military": False, "direct_elderly": True,
                                       "elderly_age": 75})
        policy = current_policy()
    assert policy.threshold == Decimal("1250.50") and policy.elderly_age == 75
    assert LocalCategory.MILITARY not in policy.direct_categories
    assert LocalCategory.ELDERLY in policy.direct_categories
    with in_tenant(tenant_b):
        assert current_policy() == policy_from_settings(LegalAidSettingsSchema().load({}))
