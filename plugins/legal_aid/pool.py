"""The provider pool as the assignment rules see it: :class:`assignment.PoolMember` built from
the :class:`Provider` rows (with each one's open-case load) and :class:`assignment.CaseProfile`
built from a case.

The rules (``assignment.py``) are pure; this module is the one place that reads the database
for them, so the assignment page, the pool list and the actions agree on loads and profiles.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select

from core.sdk import db
from plugins.legal_aid.assignment import CaseProfile, PoolMember
from plugins.legal_aid.eligibility import MandatoryDefence
from plugins.legal_aid.models import AidCase, Provider
from plugins.legal_aid.models.enums import CaseStatus
from plugins.legal_aid.models.providers import split_codes

# The statuses in which a case occupies its provider (assigned until the matter ends; the
# closure materials after ENDED are paperwork, still counted so the load is not understated).
LOAD_STATUSES = (CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.ENDED)

MINOR_AGE = 18


def open_loads(provider_ids: Iterable[int] | None = None) -> dict[int, int]:
    """provider id -> number of open cases held, in one grouped query."""
    query = (select(AidCase.provider_id, func.count(AidCase.id))
             .where(AidCase.provider_id.is_not(None), AidCase.status.in_(LOAD_STATUSES))
             .group_by(AidCase.provider_id))
    if provider_ids is not None:
        ids = list(provider_ids)
        if not ids:
            return {}
        query = query.where(AidCase.provider_id.in_(ids))
    return {provider_id: count for provider_id, count in db.session.execute(query)}


def _codes(value: str) -> frozenset[str]:
    # Languages are typed by hand: accept Chinese commas too.
    return frozenset(item.strip() for item in split_codes((value or "").replace("，", ","))
                     if item.strip())


def member_of(provider: Provider, open_cases: int = 0) -> PoolMember:
    """The rules' view of one provider (``id`` is the provider id as text)."""
    return PoolMember(
        id=str(provider.id), name=provider.name, kind=provider.kind, active=provider.active,
        practice_since=provider.practice_since,
        criminal_defence_since=provider.criminal_defence_since,
        legal_qualification=provider.legal_qualification,
        specialities=frozenset(provider.speciality_list),
        familiar_with_minors=provider.familiar_with_minors,
        hometown=provider.hometown or None, languages=_codes(provider.languages),
        county=provider.county or None, open_cases=open_cases, max_load=provider.max_load,
        org=provider.organisation)


def pool_members(*, active_only: bool = True) -> list[tuple[Provider, PoolMember]]:
    """Every provider of the tenant with its rules' view; two queries whatever the size."""
    query = select(Provider).order_by(Provider.name, Provider.id)
    if active_only:
        query = query.where(Provider.active.is_(True))
    providers = list(db.session.scalars(query))
    loads = open_loads()
    return [(p, member_of(p, loads.get(p.id, 0))) for p in providers]


def age_on(birth: date | None, on: date) -> int | None:
    """Full years of age on ``on`` (None when the birth date is unknown)."""
    if birth is None or birth > on:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def applicant_age(case: AidCase) -> int | None:
    """The applicant's age when the application (or notice) came in."""
    person = case.person
    return age_on(getattr(person, "birth_date", None), case.received_on)


def case_profile(case: AidCase, chosen: Provider | None = None) -> CaseProfile:
    """The rules' view of a case; ``chosen`` is the helper the applicant named (点援制)."""
    defence = case.mandatory_defence_set
    age = applicant_age(case)
    return CaseProfile(
        case_id=f"case-{case.id}", matter=case.category,
        life_or_death_possible=MandatoryDefence.LIFE_OR_DEATH in defence,
        death_penalty_review=MandatoryDefence.DEATH_REVIEW in defence,
        client_is_minor=(age is not None and age < MINOR_AGE)
        or MandatoryDefence.MINOR in defence,
        client_hometown=case.client_hometown or None,
        client_languages=_codes(case.client_languages),
        court_county=case.handling_county or None,
        chosen_member_id=str(chosen.id) if chosen is not None else None)
