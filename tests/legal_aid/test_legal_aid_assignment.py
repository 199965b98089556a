"""指派 rules: who may handle a legal aid case, who should, the applicant's choice, replacement."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from flask import Flask
from flask_babel import force_locale

from plugins.legal_aid.assignment import (
    ART_25_26,
    ART_26,
    CHOICE,
    CONFLICT,
    LOAD,
    MINOR_CRIMINAL,
    MINOR_OTHER,
    REPLACEMENT,
    WORKER_AREA,
    WORKER_SCOPE,
    CaseProfile,
    MemberKind,
    PoolMember,
    Verdict,
    check_choice,
    eligible,
    full_years,
    rank,
    replacement_candidates,
)
from plugins.legal_aid.matters import MatterCategory

TODAY = date(2026, 11, 23)
CIVIL_ONLY = frozenset({MatterCategory.CIVIL})

LAWYER = PoolMember(id="L1", name="Wang", kind=MemberKind.LAWYER,
                    practice_since=date(2015, 1, 1), criminal_defence_since=date(2016, 1, 1),
                    specialities=frozenset({MatterCategory.CRIMINAL_DEFENCE}), county="610104",
                    org="Lianhu Law Firm")
WORKER = PoolMember(id="W1", name="Li", kind=MemberKind.LEGAL_SERVICE_WORKER,
                    practice_since=date(2010, 1, 1), county="610104",
                    specialities=frozenset({MatterCategory.CIVIL}), org="Beiyuanmen Service Office")
STAFF = PoolMember(id="S1", name="Zhao", kind=MemberKind.STAFF, legal_qualification=True,
                   practice_since=date(2020, 1, 1), county="610104", org="Legal Aid Centre")

DEFENCE = CaseProfile(case_id="C1", matter=MatterCategory.CRIMINAL_DEFENCE, court_county="610104")
CIVIL = CaseProfile(case_id="C2", matter=MatterCategory.CIVIL, court_county="610104",
                    party_ids=frozenset({"P9"}))
NON_LITIGATION = CaseProfile(case_id="C3", matter=MatterCategory.NON_LITIGATION,
                             client_county="610104")


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """Lazy explanations render inside a request, here in the English source texts the
    assertions quote (the zh_CN catalog would translate them)."""
    with app.test_request_context(), force_locale("en"):
        yield


def texts(verdict: Verdict) -> list[str]:
    return [str(reason.text) for reason in verdict.reasons]


# --- years of practice -------------------------------------------------------------------


def test_full_years_counts_the_anniversary_day() -> None:
    assert full_years(date(2023, 11, 23), TODAY) == 3
    assert full_years(date(2023, 11, 24), TODAY) == 2  # 2 years 364 days
    assert full_years(None, TODAY) == 0
    assert full_years(date(2027, 1, 1), TODAY) == 0  # a future start counts nothing
    # A 29 February start completes its year on 1 March in common years.
    assert full_years(date(2020, 2, 29), date(2023, 2, 28)) == 2
    assert full_years(date(2020, 2, 29), date(2023, 3, 1)) == 3


# --- life imprisonment, death penalty, death-penalty review (Art. 26) ---------------------


@pytest.mark.parametrize("case", [
    replace(DEFENCE, life_or_death_possible=True),
    replace(DEFENCE, death_penalty_review=True),
])
def test_exactly_three_years_of_criminal_defence_qualifies(case: CaseProfile, ctx: None) -> None:
    member = replace(LAWYER, criminal_defence_since=date(2023, 11, 23))
    verdict = eligible(member, case, TODAY)
    assert verdict.ok
    assert ART_26 in verdict.articles
    assert any("3 years of criminal defence practice" in t for t in texts(verdict))


@pytest.mark.parametrize("case", [
    replace(DEFENCE, life_or_death_possible=True),
    replace(DEFENCE, death_penalty_review=True),
])
def test_two_years_364_days_does_not(case: CaseProfile, ctx: None) -> None:
    member = replace(LAWYER, criminal_defence_since=date(2023, 11, 24))
    verdict = eligible(member, case, TODAY)
    assert not verdict.ok
    assert verdict.articles == (ART_26,)
    assert "Only 2 full years" in texts(verdict)[0]


def test_serious_case_uses_criminal_not_general_practice() -> None:
    # Eleven years at the bar but no criminal defence record: refused.
    member = replace(LAWYER, criminal_defence_since=None)
    case = replace(DEFENCE, life_or_death_possible=True)
    assert not eligible(member, case, TODAY).ok
    # An ordinary defence case has no experience threshold.
    assert eligible(member, DEFENCE, TODAY).ok


def test_life_or_death_flag_makes_it_defence_whatever_the_category() -> None:
    case = replace(CIVIL, life_or_death_possible=True)
    verdict = eligible(WORKER, case, TODAY)
    assert not verdict.ok
    assert ART_25_26 in verdict.articles


# --- criminal defence only by lawyers (Art. 12-13, 25-26) ---------------------------------


def test_legal_service_worker_refused_for_criminal_defence(ctx: None) -> None:
    verdict = eligible(WORKER, DEFENCE, TODAY)
    assert not verdict.ok
    assert verdict.articles == (ART_25_26,)
    assert "cannot act as defenders" in texts(verdict)[0]


def test_staff_refused_for_defence_even_with_qualification() -> None:
    assert not eligible(STAFF, DEFENCE, TODAY).ok
    assert eligible(LAWYER, DEFENCE, TODAY).ok


def test_legal_service_worker_refused_for_criminal_representation() -> None:
    case = replace(CIVIL, matter=MatterCategory.CRIMINAL_REPRESENTATION)
    verdict = eligible(WORKER, case, TODAY)
    assert not verdict.ok
    assert verdict.articles == (WORKER_SCOPE,)


@pytest.mark.parametrize("matter", [MatterCategory.CIVIL, MatterCategory.ADMINISTRATIVE,
                                    MatterCategory.STATE_COMPENSATION,
                                    MatterCategory.LABOUR_ARBITRATION])
def test_legal_service_worker_allowed_in_own_county(matter: MatterCategory) -> None:
    verdict = eligible(WORKER, replace(CIVIL, matter=matter), TODAY)
    assert verdict.ok
    assert WORKER_AREA in verdict.articles


def test_legal_service_worker_non_litigation_uses_client_county() -> None:
    assert eligible(WORKER, NON_LITIGATION, TODAY).ok
    elsewhere = replace(NON_LITIGATION, client_county="610102")
    assert not eligible(WORKER, elsewhere, TODAY).ok


def test_legal_service_worker_refused_outside_county(ctx: None) -> None:
    verdict = eligible(WORKER, replace(CIVIL, court_county="610113"), TODAY)
    assert not verdict.ok
    assert verdict.articles == (WORKER_AREA,)
    assert "610113" in texts(verdict)[0]
    # Unknown county on either side cannot be checked: refused.
    assert not eligible(replace(WORKER, county=None), CIVIL, TODAY).ok
    assert not eligible(WORKER, replace(CIVIL, court_county=None), TODAY).ok


def test_staff_need_a_legal_qualification() -> None:
    assert eligible(STAFF, CIVIL, TODAY).ok
    verdict = eligible(replace(STAFF, legal_qualification=False), CIVIL, TODAY)
    assert not verdict.ok
    assert verdict.articles == ("法律援助法第十二条、第十三条",)


# --- minors -------------------------------------------------------------------------------


def test_minor_defence_needs_a_lawyer_familiar_with_minors(ctx: None) -> None:
    case = replace(DEFENCE, client_is_minor=True)
    verdict = eligible(LAWYER, case, TODAY)
    assert not verdict.ok
    assert verdict.articles == (MINOR_CRIMINAL,)
    assert "Not trained in minors' cases" in texts(verdict)[0]
    assert eligible(replace(LAWYER, familiar_with_minors=True), case, TODAY).ok


def test_minor_civil_case_needs_a_trained_lawyer_too() -> None:
    case = replace(CIVIL, client_is_minor=True)
    trained_worker = replace(WORKER, familiar_with_minors=True)
    verdict = eligible(trained_worker, case, TODAY)
    assert not verdict.ok
    assert verdict.articles == (MINOR_OTHER,)
    trained_lawyer = replace(LAWYER, familiar_with_minors=True)
    assert eligible(trained_lawyer, case, TODAY).ok


def test_all_failures_are_reported_together() -> None:
    member = replace(LAWYER, criminal_defence_since=date(2025, 1, 1), active=False)
    case = replace(DEFENCE, life_or_death_possible=True, client_is_minor=True)
    verdict = eligible(member, case, TODAY)
    assert not verdict.ok
    assert len(verdict.reasons) == 3  # inactive, experience, minors


# --- pool rules: active, load, conflicts ---------------------------------------------------


def test_inactive_member_excluded() -> None:
    assert not eligible(replace(LAWYER, active=False), DEFENCE, TODAY).ok


def test_load_at_maximum_excluded(ctx: None) -> None:
    assert eligible(replace(LAWYER, open_cases=4, max_load=5), DEFENCE, TODAY).ok
    verdict = eligible(replace(LAWYER, open_cases=5, max_load=5), DEFENCE, TODAY)
    assert not verdict.ok
    assert verdict.articles == (LOAD,)
    assert texts(verdict) == ["Already handling 5 open cases (maximum 5)."]
    # No maximum: any load is allowed.
    assert eligible(replace(LAWYER, open_cases=50), DEFENCE, TODAY).ok


@pytest.mark.parametrize("member", [
    replace(LAWYER, conflicts=frozenset({"C2"})),
    replace(LAWYER, conflicts=frozenset({"P9"})),
    replace(LAWYER, conflicted=True),
])
def test_conflicts_excluded(member: PoolMember) -> None:
    verdict = eligible(member, CIVIL, TODAY)
    assert not verdict.ok
    assert verdict.articles == (CONFLICT,)


def test_unrelated_conflict_does_not_exclude() -> None:
    assert eligible(replace(LAWYER, conflicts=frozenset({"P1", "C9"})), CIVIL, TODAY).ok


# --- ranking --------------------------------------------------------------------------------


def _pool() -> list[PoolMember]:
    base = replace(LAWYER, specialities=frozenset(), hometown="Xi'an",
                   practice_since=date(2020, 1, 1))
    return [
        replace(base, id="senior", practice_since=date(2000, 1, 1)),
        replace(base, id="local", hometown="Lantian"),
        replace(base, id="busy-specialist", specialities=frozenset({MatterCategory.CIVIL}),
                open_cases=6),
        replace(base, id="free", open_cases=0),
        replace(base, id="loaded", open_cases=3),
        replace(base, id="specialist", specialities=CIVIL_ONLY, open_cases=2),
        replace(base, id="dialect", languages=frozenset({"Guanzhong"})),
        replace(base, id="conflicted", conflicted=True, specialities=CIVIL_ONLY),
        replace(WORKER, id="outside", county="610113", specialities=CIVIL_ONLY),
    ]


def test_rank_orders_by_speciality_load_communication_years(ctx: None) -> None:
    case = replace(CIVIL, client_hometown="Lantian", client_languages=frozenset({"Guanzhong"}))
    # Everyone without a speciality has 1 open case except "free" (0) and "loaded" (3).
    pool = [replace(m, open_cases=1) if m.id in {"senior", "local", "dialect"} else m
            for m in _pool()]
    ranked = rank(pool, case, TODAY)
    assert [c.member.id for c in ranked] == [
        "specialist",  # speciality first, fewer cases than the busy one
        "busy-specialist",
        "free",  # then the lowest load
        "dialect", "local",  # same load: communication first (ties broken by id)
        "senior",  # same load, no communication edge, but most years
        "loaded",
    ]  # "conflicted" and "outside" are not eligible at all
    top = ranked[0]
    assert top.score.speciality and top.score.load == 2
    reasons = [str(r.text) for r in top.reasons]
    assert "Speciality matches the matter." in reasons
    assert "2 open cases (fewer ranks higher)." in reasons
    local = next(c for c in ranked if c.member.id == "local")
    assert "Same hometown as the client: easier communication." in [
        str(r.text) for r in local.reasons]
    dialect = next(c for c in ranked if c.member.id == "dialect")
    assert "Speaks the client's language or dialect: Guanzhong." in [
        str(r.text) for r in dialect.reasons]
    senior = next(c for c in ranked if c.member.id == "senior")
    assert senior.score.years == 26
    assert "26 years of practice (more ranks higher)." in [str(r.text) for r in senior.reasons]


def test_rank_keeps_eligibility_reasons_with_citations() -> None:
    ranked = rank([LAWYER], replace(DEFENCE, life_or_death_possible=True), TODAY)
    assert ART_26 in [r.article for r in ranked[0].reasons]


def test_rank_of_empty_or_ineligible_pool_is_empty() -> None:
    assert rank([], CIVIL, TODAY) == []
    assert rank([WORKER, STAFF], DEFENCE, TODAY) == []


# --- 点援制: the applicant's own choice -------------------------------------------------------


def test_chosen_helper_honoured_when_eligible(ctx: None) -> None:
    case = replace(DEFENCE, chosen_member_id="L1")
    verdict = check_choice(LAWYER, case, TODAY)
    assert verdict.ok
    assert verdict.reasons[0].article == CHOICE
    assert "choice is honoured" in texts(verdict)[0]


def test_chosen_helper_refused_with_reasons(ctx: None) -> None:
    case = replace(DEFENCE, chosen_member_id="W1")
    verdict = check_choice(WORKER, case, TODAY)
    assert not verdict.ok
    assert verdict.articles == (CHOICE, ART_25_26)
    assert "cannot be assigned" in texts(verdict)[0]


# --- replacement (Art. 55) -------------------------------------------------------------------


def test_replacement_excludes_current_helper() -> None:
    other = replace(LAWYER, id="L2", name="Chen")
    candidates = replacement_candidates(LAWYER, [LAWYER, other, WORKER], DEFENCE, TODAY)
    assert [c.member.id for c in candidates] == ["L2"]
    assert candidates[0].reasons[0].article == REPLACEMENT


def test_replacement_with_nobody_else_is_empty() -> None:
    assert replacement_candidates(LAWYER, [LAWYER], DEFENCE, TODAY) == []
