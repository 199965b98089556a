"""Editing the tenant's dispute-type code list (纠纷类型).

The national categories (seeded by ``codes.seed_dispute_types``) keep their code, so that
statistics add up across counties: they may be renamed, reordered and deactivated, never
deleted. A bureau adds local types (e.g. 土地承包) with an ASCII code. A type that cases or
screening records use cannot be deleted either: deactivating hides it from new records and
keeps the old ones readable. Functions flush; refusals raise ``CommitteeInvalid``.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.sdk import db
from plugins.mediation.committees import CommitteeInvalid
from plugins.mediation.models import Case, DisputeType, Screening

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NAME_MAX = 50
LOCAL_PREFIX = "local"


def ordered() -> list[DisputeType]:
    return list(db.session.scalars(select(DisputeType).order_by(
        DisputeType.sort_order, DisputeType.name, DisputeType.id)))


def _check_name(name: str, dispute_type: DisputeType | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise CommitteeInvalid({"name": [_("Enter a name of at most %(max)d characters.",
                                           max=NAME_MAX)]})
    clash = select(DisputeType.id).where(func.lower(DisputeType.name) == name.lower())
    if dispute_type is not None:
        clash = clash.where(DisputeType.id != dispute_type.id)
    if db.session.scalar(clash.limit(1)) is not None:
        raise CommitteeInvalid({"name": [_("There is already a dispute type of this name.")]})
    return name


def _code_taken(code: str) -> bool:
    return db.session.scalar(select(DisputeType.id).where(DisputeType.code == code)) is not None


def _code_from(name: str) -> str:
    """An ASCII code for a new type: the name's letters if it has some (``ICT`` -> ``ict``),
    else ``local_<n>``; numbered on until free."""
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    base = base if base and base[0].isalpha() else LOCAL_PREFIX
    base = base[:32]
    if base != LOCAL_PREFIX and not _code_taken(base):
        return base
    number = 1
    while _code_taken(f"{base}_{number}"):
        number += 1
    return f"{base}_{number}"


def add_dispute_type(name: str, code: str | None = None) -> DisputeType:
    """A local type at the end of the list (``code``: given, or made from the name)."""
    name = _check_name(name, None)
    code = (code or "").strip()
    if code:
        if not CODE_RE.match(code):
            raise CommitteeInvalid({"code": [_("Use lowercase letters, digits and '_', "
                                               "starting with a letter (at most 40).")]})
        if _code_taken(code):
            raise CommitteeInvalid({"code": [_("Another dispute type already has the code "
                                               "%(code)s.", code=code)]})
    else:
        code = _code_from(name)
    last = db.session.scalar(select(func.max(DisputeType.sort_order))) or 0
    dispute_type = DisputeType(code=code, name=name, sort_order=last + 10, national=False,
                               active=True)
    db.session.add(dispute_type)
    db.session.flush()
    return dispute_type


def rename(dispute_type: DisputeType, name: str) -> DisputeType:
    dispute_type.name = _check_name(name, dispute_type)
    db.session.flush()
    return dispute_type


def move(dispute_type: DisputeType, step: int) -> DisputeType:
    """One place up (``step`` -1) or down (+1); the list is renumbered 10, 20, 30…"""
    types = ordered()
    index = next(i for i, t in enumerate(types) if t.id == dispute_type.id)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(types):
        types[index], types[target] = types[target], types[index]
    for position, item in enumerate(types, start=1):
        item.sort_order = position * 10
    db.session.flush()
    return dispute_type


def usage(dispute_type: DisputeType) -> int:
    """How many cases and screening records use the type."""
    cases = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.dispute_type_id == dispute_type.id)) or 0
    screenings = db.session.scalar(select(func.count()).select_from(Screening).where(
        Screening.dispute_type_id == dispute_type.id)) or 0
    return cases + screenings


def usage_counts() -> dict[int, int]:
    """Type id -> cases and screening records using it (two grouped queries, for the list)."""
    counts: dict[int, int] = {}
    for model in (Case, Screening):
        for type_id, used in db.session.execute(
                select(model.dispute_type_id, func.count()).group_by(model.dispute_type_id)):
            counts[type_id] = counts.get(type_id, 0) + used
    return counts


def set_active(dispute_type: DisputeType, active: bool) -> DisputeType:
    if not active and dispute_type.active:
        others = db.session.scalar(select(func.count()).select_from(DisputeType).where(
            DisputeType.active.is_(True), DisputeType.id != dispute_type.id)) or 0
        if not others:
            # Intake needs at least one type to choose.
            raise CommitteeInvalid({"": [_("The last active dispute type cannot be "
                                           "deactivated.")]})
    dispute_type.active = active
    db.session.flush()
    return dispute_type


def delete(dispute_type: DisputeType) -> None:
    if dispute_type.national:
        raise CommitteeInvalid({"": [_("%(name)s is a national category: it cannot be "
                                       "deleted, only deactivated.", name=dispute_type.name)]})
    used = usage(dispute_type)
    if used:
        raise CommitteeInvalid({"": [_("%(name)s is used by %(count)d case or screening "
                                       "record(s): deactivate it instead.",
                                       name=dispute_type.name, count=used)]})
    db.session.delete(dispute_type)
    db.session.flush()
