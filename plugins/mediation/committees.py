"""Committees (人民调解委员会) and their mediators: the writes, with the statute's rules.

A committee is also an org unit (type ``mediation_committee``) under its 司法所 or the
bureau, so creating, renaming, moving and deactivating a committee changes its unit in the
same transaction. Functions flush and leave the commit to the caller. Input the rules refuse
raises :class:`CommitteeInvalid`, whose ``errors`` map a form field ("" for the whole form)
to messages for the user; nothing is written then (the caller rolls back).

Composition (Art. 8: 3-9 members, a chair, a woman) is only warned about
(``Committee.composition_warnings``): a committee being set up is incomplete for a while.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from core.sdk import OrgUnit, OrgUnitType, Person, User, db, new_id, orgunits, people, places
from plugins.mediation.models import Case, Committee, Mediator
from plugins.mediation.models.enums import (
    OPEN_STATUSES,
    CommitteeType,
    Employment,
    IndustryField,
    MediatorPosition,
)
from plugins.mediation.workflow import today

NAME_MAX = 100
TEXT_MAX = 200
PHONE_MAX = 30
NOTES_MAX = 5000
TERM_YEARS = 3  # Art. 9: 委员每届任期三年
TERM_WARNING_DAYS = 60  # terms ending this soon are flagged on the committee page
ADULT_AGE = 18  # Art. 14: mediators are adult citizens
PARENT_TYPES = (OrgUnitType.STATION, OrgUnitType.BUREAU)
PHONE_RE = re.compile(r"^[0-9+()（）\-－ 转#/,，、;；]*$")
# Display order of a committee's mediators: chair, vice chairs, members, hired mediators.
POSITION_ORDER = {MediatorPosition.CHAIR: 0, MediatorPosition.VICE_CHAIR: 1,
                  MediatorPosition.MEMBER: 2, MediatorPosition.HIRED: 3}
PERSON_FIELDS = ("name", "gender", "id_type", "id_number", "phone", "ethnic_group")


class CommitteeInvalid(ValueError):
    """Input refused; ``errors`` maps a form field ("" for the form as a whole) to messages."""

    def __init__(self, errors: Mapping[str, list[Any]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in errors.items()))
        self.errors = dict(errors)


class _Errors(dict):
    def add(self, field: str, message: Any) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise CommitteeInvalid(self)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# --- committees ------------------------------------------------------------------------------


def parent_unit(committee: Committee) -> OrgUnit | None:
    """The station (or the bureau) the committee's org unit hangs under."""
    unit = db.session.get(OrgUnit, committee.org_unit_id)
    return db.session.get(OrgUnit, unit.parent_id) if unit and unit.parent_id else None


def _clean_committee(fields: Mapping[str, Any], committee: Committee | None) -> dict[str, Any]:
    errors = _Errors()
    cleaned: dict[str, Any] = {}

    name = _text(fields.get("name"))
    if not name:
        errors.add("name", _("Enter the committee's name."))
    elif len(name) > NAME_MAX:
        errors.add("name", _("A name has at most %(max)d characters.", max=NAME_MAX))
    else:
        # Two committees of one name would be confused in every list, report and document.
        clash = select(Committee.id).where(Committee.name == name)
        if committee is not None:
            clash = clash.where(Committee.id != committee.id)
        if db.session.scalar(clash.limit(1)) is not None:
            errors.add("name", _("Another committee already has this name."))
    cleaned["name"] = name

    try:
        committee_type = CommitteeType(fields.get("committee_type"))
    except ValueError:
        errors.add("committee_type", _("Choose the type of committee."))
        committee_type = None
    cleaned["committee_type"] = committee_type

    # Only an industry or professional committee (行业性、专业性) has a field.
    industry = fields.get("industry_field") or None
    if committee_type is CommitteeType.INDUSTRY:
        try:
            cleaned["industry_field"] = IndustryField(industry)
        except ValueError:
            errors.add("industry_field",
                       _("Choose the field of an industry or professional committee."))
    else:
        cleaned["industry_field"] = None

    parent = fields.get("parent")
    if not isinstance(parent, OrgUnit):
        errors.add("parent", _("Choose the justice station (or the bureau) it belongs to."))
    elif parent.unit_type not in PARENT_TYPES:
        errors.add("parent", _("A committee belongs to a justice station or the bureau."))
    elif not parent.active and (committee is None or parent.id != _parent_id(committee)):
        errors.add("parent", _("%(name)s is deactivated; choose an active unit.",
                               name=parent.name))
    cleaned["parent"] = parent

    place_id = fields.get("place_id") or None
    if place_id is not None and places.get(place_id) is None:
        errors.add("place_id", _("Choose a place from the registry."))
        place_id = None
    cleaned["place_id"] = int(place_id) if place_id is not None else None

    established = fields.get("established_on") or None
    if established is not None and established > today():
        errors.add("established_on", _("The date cannot be in the future."))
    cleaned["established_on"] = established

    for field, limit in (("town", NAME_MAX), ("address", TEXT_MAX)):
        value = _text(fields.get(field))
        if len(value) > limit:
            errors.add(field, _("At most %(max)d characters.", max=limit))
        cleaned[field] = value
    phone = _text(fields.get("office_phone"))
    if len(phone) > PHONE_MAX or not PHONE_RE.match(phone):
        errors.add("office_phone", _("Enter a phone number (digits, '-', at most %(max)d "
                                     "characters).", max=PHONE_MAX))
    cleaned["office_phone"] = phone
    notes = _text(fields.get("notes"))
    if len(notes) > NOTES_MAX:
        errors.add("notes", _("At most %(max)d characters.", max=NOTES_MAX))
    cleaned["notes"] = notes

    errors.raise_if_any()
    return cleaned


def _parent_id(committee: Committee) -> int | None:
    unit = db.session.get(OrgUnit, committee.org_unit_id)
    return unit.parent_id if unit else None


def _unit_code() -> str:
    """A free org-unit code such as ``twh-3n5xk2a9c0``: the units' codes are unique."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    while True:
        number, short = new_id(), ""
        while number:
            number, rest = divmod(number, 36)
            short = digits[rest] + short
        code = f"twh-{short}"
        if orgunits.unit_by_code(code) is None:
            return code


def _apply(committee: Committee, cleaned: Mapping[str, Any]) -> None:
    for field in ("name", "committee_type", "industry_field", "place_id", "town",
                  "established_on", "address", "office_phone", "notes"):
        setattr(committee, field, cleaned[field])


def _unit_error(exc: Exception) -> CommitteeInvalid:
    field = getattr(exc, "field", None)
    return CommitteeInvalid({"parent" if field == "parent" else ("name" if field == "name"
                                                                 else ""): [str(exc)]})


def create_committee(**fields: Any) -> Committee:
    """A committee and its org unit under ``parent`` (a station or the bureau); flushed.

    Fields: name, committee_type, parent (an ``OrgUnit``), industry_field, place_id, town,
    established_on, address, office_phone, notes.
    """
    cleaned = _clean_committee(fields, None)
    try:
        unit = orgunits.create_unit(cleaned["name"], _unit_code(),
                                    OrgUnitType.MEDIATION_COMMITTEE, cleaned["parent"])
    except orgunits.OrgUnitError as exc:
        raise _unit_error(exc) from exc
    committee = Committee(org_unit_id=unit.id)
    _apply(committee, cleaned)
    db.session.add(committee)
    db.session.flush()
    return committee


def update_committee(committee: Committee, **fields: Any) -> Committee:
    """Change a committee; a new name renames its unit, a new parent moves it (and with it
    every grant scoped to it). Cases keep the committee's unit id, so nothing else moves."""
    cleaned = _clean_committee(fields, committee)
    unit = db.session.get(OrgUnit, committee.org_unit_id)
    try:
        if unit.name != cleaned["name"]:
            orgunits.update_unit(unit, name=cleaned["name"], code=unit.code,
                                 unit_type=unit.unit_type, sort_order=unit.sort_order)
        if unit.parent_id != cleaned["parent"].id:
            orgunits.move_unit(unit, cleaned["parent"])
    except orgunits.OrgUnitError as exc:
        raise _unit_error(exc) from exc
    _apply(committee, cleaned)
    db.session.flush()
    return committee


def open_case_count(committee: Committee) -> int:
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.committee_id == committee.id, Case.status.in_(OPEN_STATUSES))) or 0


def deactivate_committee(committee: Committee) -> Committee:
    """Mark a committee (and its unit) inactive: hidden from choices, history kept.

    Refused while it has open cases: they would be left with nobody to finish them."""
    if not committee.active:
        return committee
    open_cases = open_case_count(committee)
    if open_cases:
        raise CommitteeInvalid({"": [_(
            "%(name)s still has %(count)d open case(s): close them or transfer them to another "
            "committee first.", name=committee.name, count=open_cases)]})
    unit = db.session.get(OrgUnit, committee.org_unit_id)
    try:
        if unit.active:
            orgunits.deactivate_unit(unit)
    except orgunits.OrgUnitError as exc:
        raise _unit_error(exc) from exc
    committee.active = False
    db.session.flush()
    return committee


def activate_committee(committee: Committee) -> Committee:
    unit = db.session.get(OrgUnit, committee.org_unit_id)
    try:
        if not unit.active:
            orgunits.activate_unit(unit)
    except orgunits.OrgUnitError as exc:
        raise _unit_error(exc) from exc
    committee.active = True
    db.session.flush()
    return committee


# --- mediators -------------------------------------------------------------------------------


def default_term_end(start: date) -> date:
    """The day before the third anniversary: a term from 2026-03-01 runs to 2029-02-28."""
    try:
        anniversary = start.replace(year=start.year + TERM_YEARS)
    except ValueError:  # 29 February
        anniversary = start.replace(year=start.year + TERM_YEARS, day=28) + timedelta(days=1)
    return anniversary - timedelta(days=1)


def term_state(mediator: Mediator, on: date | None = None) -> str | None:
    """"expired", "ending" (within TERM_WARNING_DAYS) or None, for a mediator in office."""
    on = on or today()
    if not mediator.active or mediator.term_end is None:
        return None
    if mediator.term_end < on:
        return "expired"
    if mediator.term_end <= on + timedelta(days=TERM_WARNING_DAYS):
        return "ending"
    return None


def _age_on(person: Person, day: date) -> int | None:
    born = person.birth_date
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _clean_mediator(committee: Committee, fields: Mapping[str, Any],
                    mediator: Mediator | None, person: Person | None) -> dict[str, Any]:
    errors = _Errors()
    cleaned: dict[str, Any] = {}
    try:
        position = MediatorPosition(fields.get("position"))
    except ValueError:
        errors.add("position", _("Choose the position."))
        position = None
    cleaned["position"] = position
    try:
        cleaned["employment"] = Employment(fields.get("employment") or Employment.PART_TIME)
    except ValueError:
        errors.add("employment", _("Choose full-time or part-time."))

    # Art. 8: one chair (主任); a new chair is added after the old one left or changed post.
    if position is MediatorPosition.CHAIR:
        chair = next((m for m in committee.current_mediators
                      if m.position is MediatorPosition.CHAIR
                      and (mediator is None or m.id != mediator.id)), None)
        if chair is not None:
            errors.add("position", _("The committee already has a chair (%(name)s). Record "
                                     "their leaving or change their position first.",
                                     name=chair.name))

    start = fields.get("term_start") or None
    end = fields.get("term_end") or None
    if start is None and mediator is None:
        start = today()
    if end is None and start is not None and mediator is None:
        end = default_term_end(start)
    if start is not None and end is not None and end <= start:
        errors.add("term_end", _("The term must end after it starts."))
    cleaned["term_start"], cleaned["term_end"] = start, end

    if person is not None and start is not None:
        age = _age_on(person, start)
        if age is not None and age < ADULT_AGE:
            errors.add("person", _("A mediator must be an adult (Art. 14)."))
    if person is not None and mediator is None:
        already = next((m for m in committee.current_mediators if m.person_id == person.id),
                       None)
        if already is not None:
            errors.add("person", _("%(name)s is already a mediator of this committee.",
                                   name=person.name))

    user_id = fields.get("user_id") or None
    if user_id is not None:
        user = db.session.get(User, int(user_id))
        if user is None or not user.active:
            errors.add("user_id", _("Choose an active login of the bureau."))
            user_id = None
        else:
            taken = db.session.scalar(select(Mediator.id).where(
                Mediator.committee_id == committee.id, Mediator.user_id == user.id,
                Mediator.left_on.is_(None),
                Mediator.id != (mediator.id if mediator is not None else 0)).limit(1))
            if taken is not None:
                errors.add("user_id", _("This login already belongs to another mediator of "
                                        "the committee."))
    cleaned["user_id"] = int(user_id) if user_id is not None else None

    notes = _text(fields.get("training_notes"))
    if len(notes) > NOTES_MAX:
        errors.add("training_notes", _("At most %(max)d characters.", max=NOTES_MAX))
    cleaned["training_notes"] = notes
    errors.raise_if_any()
    return cleaned


def _person_for(person: Person | None, person_fields: Mapping[str, Any] | None) -> Person:
    """The chosen registered person, or one found by ID number or registered from the
    fields (``people.get_or_create``: the registry keeps one record per person)."""
    if person is not None:
        return person
    fields = {k: v for k, v in (person_fields or {}).items() if k in PERSON_FIELDS}
    try:
        found, _created = people.get_or_create(**{**fields, "name": fields.get("name") or ""})
    except people.PersonInvalid as exc:
        raise CommitteeInvalid(exc.errors) from exc
    return found


def add_mediator(committee: Committee, *, person: Person | None = None,
                 person_fields: Mapping[str, Any] | None = None, **fields: Any) -> Mediator:
    """Appoint a mediator: an existing ``person`` or one from ``person_fields`` (name,
    gender, id_type, id_number, phone, ethnic_group). Fields: position, employment,
    term_start (default today), term_end (default three years on, Art. 9), user_id,
    training_notes. Flushed; on refusal nothing is written once the caller rolls back."""
    if not committee.active:
        raise CommitteeInvalid({"": [_("%(name)s is deactivated.", name=committee.name)]})
    if person is None and not person_fields:
        raise CommitteeInvalid({"person": [_("Choose a registered person or enter a new "
                                             "one.")]})
    # Field checks before the registry write, so that a refusal writes no person.
    probe = person
    if probe is None:
        try:
            people.validate({k: v for k, v in person_fields.items() if k in PERSON_FIELDS})
        except people.DuplicatePerson as exc:
            # The registry knows this ID number: the same person is reused, but a different
            # name means a typo or a mix-up the user must resolve.
            if exc.existing.name != _text(person_fields.get("name")):
                raise CommitteeInvalid({"id_number": [_(
                    "This ID number is registered for %(name)s: find and choose that person, "
                    "or check the number.", name=exc.existing.name)]}) from exc
            probe = exc.existing
        except people.PersonInvalid as exc:
            raise CommitteeInvalid(exc.errors) from exc
    cleaned = _clean_mediator(committee, fields, None, probe)
    person = _person_for(person, person_fields)
    if probe is None:  # a new person: the adult check could not run before
        _clean_mediator(committee, fields, None, person)
    order = POSITION_ORDER[cleaned["position"]] * 1000 + len(committee.mediators)
    mediator = Mediator(committee_id=committee.id, person_id=person.id, sort_order=order,
                        **cleaned)
    db.session.add(mediator)
    db.session.flush()
    db.session.expire(committee, ["mediators"])
    return mediator


def update_mediator(mediator: Mediator, **fields: Any) -> Mediator:
    """Change a mediator's post, employment, term, login or notes (the person's own data is
    edited in the people registry)."""
    committee = mediator.committee
    cleaned = _clean_mediator(committee, fields, mediator, mediator.person)
    for field, value in cleaned.items():
        setattr(mediator, field, value)
    mediator.sort_order = POSITION_ORDER[cleaned["position"]] * 1000 + mediator.sort_order % 1000
    db.session.flush()
    db.session.expire(committee, ["mediators"])
    return mediator


def record_leaving(mediator: Mediator, left_on: date | None) -> Mediator:
    """The mediator leaves (term over, resigned, removed: Art. 15) on ``left_on``; the record
    stays, so cases and subsidies still name them."""
    if not mediator.active:
        raise CommitteeInvalid({"left_on": [_("%(name)s already left on %(date)s.",
                                              name=mediator.name, date=mediator.left_on)]})
    if left_on is None:
        raise CommitteeInvalid({"left_on": [_("Enter the date they left.")]})
    if left_on > today():
        raise CommitteeInvalid({"left_on": [_("The date cannot be in the future.")]})
    if mediator.term_start is not None and left_on < mediator.term_start:
        raise CommitteeInvalid({"left_on": [_("They cannot leave before their term started "
                                              "(%(date)s).", date=mediator.term_start)]})
    mediator.left_on = left_on
    db.session.flush()
    db.session.expire(mediator.committee, ["mediators"])
    return mediator


def open_cases_of(mediator: Mediator) -> int:
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.mediator_id == mediator.id, Case.status.in_(OPEN_STATUSES))) or 0
