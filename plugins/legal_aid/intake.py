"""Intake services shared by the consultation, application and intake-action pages: the
org units a user may register in, the common materials (申请材料), the recipient groups a
person's birth date and gender imply, and the scoped consultation lookup."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from core.sdk import Gender, OrgUnit, OrgUnitType, Person, db, scope_filter
from plugins.legal_aid.models.enums import RecipientGroup

# 法律援助法第四十一条 and the centre's checklist: the materials almost every application
# needs. Offered as ticks; anything else is typed in.
COMMON_MATERIALS = (
    "身份证明",
    "经济困难状况说明/承诺",
    "与所申请事项相关的案件材料",
    "代理人身份证明",
)

ELDERLY_AGE = 60  # 老年人权益保障法第二条: 六十周岁以上
ADULT_AGE = 18


def units_for(permission: str) -> list[OrgUnit]:
    """The active org units where the current user holds ``permission``; legal aid centres
    first (they register most applications), then by name."""
    units = db.session.scalars(
        select(OrgUnit).where(OrgUnit.active, scope_filter(OrgUnit.id, permission))
        .order_by(OrgUnit.sort_order, OrgUnit.name, OrgUnit.id))
    return sorted(units, key=lambda u: u.unit_type is not OrgUnitType.LEGAL_AID_CENTRE)


def default_unit(units: list[OrgUnit]) -> int | None:
    """The legal aid centre among ``units`` (the first one), else the only unit."""
    for unit in units:
        if unit.unit_type is OrgUnitType.LEGAL_AID_CENTRE:
            return unit.id
    return units[0].id if len(units) == 1 else None


def age_on(birth_date: date | None, on: date) -> int | None:
    if birth_date is None:
        return None
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def implied_groups(person: Person | None, on: date) -> list[RecipientGroup]:
    """The groups the registry's birth date and gender show (elderly, minor, woman); the
    others (migrant worker, disabled, military) only the applicant's own account shows."""
    if person is None:
        return []
    found: list[RecipientGroup] = []
    age = age_on(person.birth_date, on)
    if age is not None and age >= ELDERLY_AGE:
        found.append(RecipientGroup.ELDERLY)
    if age is not None and age < ADULT_AGE:
        found.append(RecipientGroup.MINOR)
    if person.gender is not None and Gender(person.gender) is Gender.FEMALE:
        found.append(RecipientGroup.WOMAN)
    return found


def join_codes(values: Any) -> str:
    """A list of codes as the CSV the case columns keep (order kept, duplicates dropped)."""
    return ",".join(dict.fromkeys(str(v) for v in values or () if v))


def clean_lines(text: str | None, limit: int = 100) -> list[str]:
    """The non-blank lines of a textarea, trimmed, duplicates dropped."""
    return list(dict.fromkeys(line.strip()[:limit] for line in (text or "").splitlines()
                              if line.strip()))
