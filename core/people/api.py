"""The people registry's API for core and plugins (exported from ``core.sdk`` as ``people``).

Plugins never create their own table of parties: they find or register a person here and
keep the person's id (a composite foreign key ``(tenant_id, person_id)`` to ``people``)::

    from core.sdk import people

    person, created = people.get_or_create(name="张三", id_type="resident_id",
                                           id_number="110101199003071234")

Everything runs in the current tenant. Values are validated as on the registry's own form;
invalid input raises :class:`PersonInvalid` with messages per field, and a document number
that already belongs to someone else raises :class:`DuplicatePerson` naming that person.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from core.db import db
from core.people.codes import ETHNIC_GROUP_NAMES
from core.people.errors import InvalidValue
from core.people.idcard import (
    Gender,
    IdNumberError,
    IdType,
    clean,
    validate_id_number,
    validate_resident_id,
)
from core.people.models import ID_NUMBER_PURPOSE, PHONE_PURPOSE, Person, blind_index
from core.people.phone import normalise_phone, validate_phone
from core.plugins.contributions import PersonRecord

__all__ = [
    "KEEP",
    "DuplicatePerson",
    "Person",
    "PersonInvalid",
    "PersonRecord",
    "create",
    "find_by_id_number",
    "find_by_phone",
    "get",
    "get_or_create",
    "lines",
    "search",
    "sort_records",
    "update",
    "validate",
]

NAME_MAX = 100
ADDRESS_MAX = 500


class _Keep:
    """Marker for "leave the stored value as it is" (the edit form never shows plaintext)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


class PersonInvalid(ValueError):
    """Input the registry refuses; ``errors`` maps a field name to messages for the user."""

    def __init__(self, errors: Mapping[str, list[Any]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in errors.items()))
        self.errors = dict(errors)


class DuplicatePerson(PersonInvalid):
    """The document number is registered already; ``existing`` is that person."""

    def __init__(self, existing: Person) -> None:
        super().__init__({"id_number": [_l("A person with this ID number is already "
                                           "registered.")]})
        self.existing = existing


# --- lookups -----------------------------------------------------------------------------


def get(person_id: int) -> Person | None:
    """The current tenant's person with this id, or None (also for another tenant's id)."""
    return db.session.get(Person, person_id)


def _id_number_candidates(number: str) -> set[str]:
    """The normalised forms a typed number may be stored under (15-digit: also the 18)."""
    candidates = {clean(number)}
    with contextlib.suppress(IdNumberError):
        candidates.add(validate_resident_id(number, allow_legacy=True).number)
    return {c for c in candidates if c}


def find_by_id_number(id_type: IdType | str, number: str) -> Person | None:
    """Exact match on document type and number, through the blind index (never decrypts)."""
    indexes = [blind_index(c, ID_NUMBER_PURPOSE) for c in _id_number_candidates(number)]
    if not indexes:
        return None
    return db.session.scalar(select(Person).where(
        Person.id_type == IdType(id_type), Person.id_number_index.in_(indexes)).limit(1))


def find_by_phone(phone: str) -> list[Person]:
    """Everyone registered with this phone number (family members may share one)."""
    number = normalise_phone(phone)
    if number is None:
        return []
    return list(db.session.scalars(select(Person).where(
        Person.phone_index == blind_index(number, PHONE_PURPOSE)).order_by(Person.id)))


def search(query: str) -> Select:
    """People whose name contains ``query``, or whose ID number or phone is exactly it."""
    statement = select(Person)
    query = (query or "").strip()
    if not query:
        return statement
    conditions = [Person.name.contains(query, autoescape=True)]
    indexes = [blind_index(c, ID_NUMBER_PURPOSE) for c in _id_number_candidates(query)]
    if indexes:
        conditions.append(Person.id_number_index.in_(indexes))
    phone = normalise_phone(query)
    if phone is not None:
        conditions.append(Person.phone_index == blind_index(phone, PHONE_PURPOSE))
    return statement.where(or_(*conditions))


# --- validation and writes ---------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def validate(fields: Mapping[str, Any], person: Person | None = None, *,
             allow_legacy: bool = False, today: date | None = None) -> dict[str, Any]:
    """Check and normalise the fields of a person; raises :class:`PersonInvalid`.

    Fields: ``name`` (required), ``gender``, ``id_type``, ``id_number``, ``birth_date``,
    ``phone``, ``address``, ``ethnic_group``. ``id_number`` and ``phone`` may be
    :data:`KEEP` to leave ``person``'s stored value. For a 居民身份证 the birth date and gender
    come from the number; given ones must agree with it.
    """
    today = today or date.today()
    errors: dict[str, list[Any]] = {}
    cleaned: dict[str, Any] = {}

    def fail(field: str, message: Any) -> None:
        errors.setdefault(field, []).append(message)

    name = _text(fields.get("name"))
    if not name:
        fail("name", _l("Enter the person's name."))
    elif len(name) > NAME_MAX:
        fail("name", _l("A name has at most %(max)d characters.", max=NAME_MAX))
    cleaned["name"] = name

    try:
        id_type = IdType(fields.get("id_type") or IdType.RESIDENT_ID)
    except ValueError:
        fail("id_type", _l("Choose a type of document."))
        id_type = IdType.OTHER
    cleaned["id_type"] = id_type

    gender = fields.get("gender") or None
    try:
        gender = Gender(gender) if gender is not None else None
    except ValueError:
        fail("gender", _l("Choose a gender from the list."))
        gender = None

    birth_date = fields.get("birth_date") or None
    if isinstance(birth_date, datetime):
        birth_date = birth_date.date()
    if birth_date is not None and not isinstance(birth_date, date):
        fail("birth_date", _l("Enter a date."))
        birth_date = None
    elif birth_date is not None and birth_date > today:
        fail("birth_date", _l("The date of birth cannot be in the future."))

    raw_number = fields.get("id_number")
    keep_number = raw_number is KEEP
    type_changed = False
    if keep_number:
        stored = person.id_number if person is not None else None
        raw_number = stored.reveal() if stored else None
        type_changed = person is not None and IdType(person.id_type) is not id_type
    else:
        raw_number = _text(raw_number) or None
    number: str | None = None
    cleaned["id_number"] = None
    if raw_number and keep_number and not type_changed:
        number = raw_number  # validated when it was stored
        cleaned["id_number"] = KEEP
    elif raw_number:
        try:
            number = validate_id_number(id_type, raw_number, allow_legacy=allow_legacy)
        except InvalidValue as exc:
            fail("id_number", exc.message)
        cleaned["id_number"] = number

    if id_type is IdType.RESIDENT_ID and number:
        facts = validate_resident_id(number, allow_legacy=True, today=today)
        if birth_date is not None and birth_date != facts.birth_date:
            fail("birth_date", _l("The date of birth does not match the ID number."))
        birth_date = facts.birth_date
        if gender in (Gender.MALE, Gender.FEMALE) and gender != facts.gender:
            fail("gender", _l("The gender does not match the ID number."))
        gender = facts.gender
    cleaned["gender"] = gender
    cleaned["birth_date"] = birth_date

    raw_phone = fields.get("phone")
    if raw_phone is KEEP:
        cleaned["phone"] = KEEP
    elif _text(raw_phone):
        try:
            cleaned["phone"] = validate_phone(_text(raw_phone)).number
        except InvalidValue as exc:
            fail("phone", exc.message)
    else:
        cleaned["phone"] = None

    address = _text(fields.get("address"))
    if len(address) > ADDRESS_MAX:
        fail("address", _l("An address has at most %(max)d characters.", max=ADDRESS_MAX))
    cleaned["address"] = address

    ethnic_group = _text(fields.get("ethnic_group")) or None
    if ethnic_group is not None and ethnic_group not in ETHNIC_GROUP_NAMES:
        fail("ethnic_group", _l("Choose an ethnic group from the list."))
    cleaned["ethnic_group"] = ethnic_group

    if errors:
        raise PersonInvalid(errors)
    if number:
        existing = find_by_id_number(id_type, number)
        if existing is not None and (person is None or existing.id != person.id):
            raise DuplicatePerson(existing)
    return cleaned


def _apply(person: Person, cleaned: Mapping[str, Any]) -> None:
    for field in ("name", "gender", "id_type", "birth_date", "address", "ethnic_group"):
        setattr(person, field, cleaned[field])
    if cleaned["id_number"] is not KEEP:
        person.id_number = cleaned["id_number"]
    if cleaned["phone"] is not KEEP:
        person.phone = cleaned["phone"]


def create(*, allow_legacy: bool = False, **fields: Any) -> Person:
    """Register a new person in the current tenant (flushed, not committed)."""
    cleaned = validate(fields, allow_legacy=allow_legacy)
    person = Person()
    _apply(person, cleaned)
    db.session.add(person)
    db.session.flush()
    return person


def update(person: Person, *, allow_legacy: bool = False, **fields: Any) -> Person:
    """Change a person; fields not given keep their value (flushed, not committed)."""
    current = {
        "name": person.name, "gender": person.gender, "id_type": person.id_type,
        "id_number": KEEP, "birth_date": person.birth_date, "phone": KEEP,
        "address": person.address, "ethnic_group": person.ethnic_group,
    }
    cleaned = validate({**current, **fields}, person, allow_legacy=allow_legacy)
    _apply(person, cleaned)
    db.session.flush()
    return person


def get_or_create(*, name: str, id_type: IdType | str = IdType.RESIDENT_ID,
                  id_number: str | None = None, allow_legacy: bool = False,
                  **fields: Any) -> tuple[Person, bool]:
    """The person with this document number, else a new one: ``(person, created)``.

    An existing person is returned as stored (the other fields are not applied); without
    an ID number nothing can be matched and a new person is always created.
    """
    if id_number:
        existing = find_by_id_number(id_type, id_number)
        if existing is not None:
            return existing, False
    person = create(name=name, id_type=id_type, id_number=id_number,
                    allow_legacy=allow_legacy, **fields)
    return person, True


# --- timeline ----------------------------------------------------------------------------


def _sort_key(record: PersonRecord) -> tuple[int, str]:
    when = record.date
    if when is None:
        return (0, "")
    if isinstance(when, datetime):
        return (1, when.replace(tzinfo=None).isoformat())
    return (1, when.isoformat())


def sort_records(batches: Iterable[Iterable[PersonRecord] | None]) -> list[PersonRecord]:
    """Flatten the ``person_records`` hook's results, newest first, undated last."""
    records = [record for batch in batches for record in (batch or [])]
    return sorted(records, key=_sort_key, reverse=True)


def lines(records: Iterable[PersonRecord]) -> list[Any]:
    """The service lines a person appears in, from their records, in first-seen order."""
    seen: dict[str, Any] = {}
    for record in records:
        seen.setdefault(str(record.line), record.line)
    return list(seen.values())
