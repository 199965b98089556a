"""The places registry's API for core and plugins (exported from ``core.sdk`` as ``places``).

A place is a village (行政村), community (社区), school, enterprise or other site of the
county, with the town (乡镇/街道) it lies in and the org unit (usually a 司法所) responsible
for it. Service lines do not keep their own lists of villages or schools: they offer the
registry's places in their forms and store the place's id (a composite foreign key
``(tenant_id, place_id)`` to ``places``)::

    from core.sdk import places

    form.place.choices = places.choices(kind=[places.PlaceKind.VILLAGE,
                                              places.PlaceKind.COMMUNITY])
    place = places.get(form.place.data)          # None for an unknown or foreign id
    village = places.find("village", "城关镇", "新华村")

Everything runs in the current tenant. Writes are validated as on the registry's own form;
invalid input raises :class:`PlaceInvalid` with messages per field. Writes flush and leave
the commit to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from core.db import db
from core.orgunits.models import OrgUnit
from core.places.models import PLACE_KIND_LABELS, Place, PlaceKind

__all__ = [
    "FIELDS",
    "Place",
    "PlaceInvalid",
    "PlaceKind",
    "activate",
    "choices",
    "create",
    "deactivate",
    "find",
    "get",
    "kind_label",
    "label",
    "search",
    "towns",
    "update",
    "validate",
]

NAME_MAX = 100
TOWN_MAX = 100
CODE_MAX = 40
ADDRESS_MAX = 200
CONTACT_NAME_MAX = 50
CONTACT_PHONE_MAX = 30
NOTES_MAX = 2000

#: The fields a place is written with; ``active`` changes only through (de)activate.
FIELDS = ("kind", "name", "town", "org_unit_id", "code", "address", "contact_name",
          "contact_phone", "notes")

# 统一社会信用代码, 学校标识码, 村 codes: letters and digits, maybe separated.
CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
# An office or switchboard number: digits with the usual separators, 转 for an extension,
# several numbers separated by 、 , / or ;.
PHONE_RE = re.compile(r"^[0-9+()（）\-－ 转#/,，、;；]+$")


class PlaceInvalid(ValueError):
    """Input the registry refuses; ``errors`` maps a field name to messages for the user."""

    def __init__(self, errors: Mapping[str, list[Any]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in errors.items()))
        self.errors = dict(errors)


# --- lookups -----------------------------------------------------------------------------


def get(place_id: int | None) -> Place | None:
    """The current tenant's place with this id, or None (also for another tenant's id)."""
    if place_id is None:
        return None
    try:
        return db.session.get(Place, int(place_id))
    except (TypeError, ValueError):
        return None


def get_many(place_ids: Iterable[int | None]) -> dict[int, Place]:
    """The current tenant's places among ``place_ids``, by id, in one query (a list page's
    places at once; ids of another tenant or unknown are left out)."""
    wanted = {int(place_id) for place_id in place_ids if place_id is not None}
    if not wanted:
        return {}
    return {place.id: place
            for place in db.session.scalars(select(Place).where(Place.id.in_(wanted)))}


def _kinds(kind: PlaceKind | str | Iterable[PlaceKind | str] | None) -> list[PlaceKind] | None:
    if kind is None:
        return None
    if isinstance(kind, str):  # PlaceKind is a str too
        return [PlaceKind(kind)]
    return [PlaceKind(k) for k in kind]


def search(query: str = "", kind: PlaceKind | str | Iterable[PlaceKind | str] | None = None,
           town: str | None = None, include_inactive: bool = False) -> Select:
    """Places matching the filters, ordered by town then name (a ``Select`` to paginate).

    ``query`` is looked for in the name, town, code, address and contact name; ``kind`` is
    one kind or several; ``town`` is matched exactly ("" finds places without a town).
    """
    statement = select(Place)
    kinds = _kinds(kind)
    if kinds is not None:
        statement = statement.where(Place.kind.in_(kinds))
    if town is not None:
        statement = statement.where(Place.town == town.strip())
    if not include_inactive:
        statement = statement.where(Place.active.is_(True))
    query = (query or "").strip()
    if query:
        statement = statement.where(or_(*(
            column.contains(query, autoescape=True)
            for column in (Place.name, Place.town, Place.code, Place.address,
                           Place.contact_name))))
    return statement.order_by(Place.town, Place.name, Place.kind, Place.id)


def kind_label(kind: PlaceKind | str) -> str:
    """The kind as shown to users (translated)."""
    return str(PLACE_KIND_LABELS[PlaceKind(kind)])


def label(place: Place) -> str:
    """``城关镇新华村（行政村）``: the full name with the kind, as select fields show it."""
    return f"{place.full_name}（{kind_label(place.kind)}）"


def choices(kind: PlaceKind | str | Iterable[PlaceKind | str] | None = None
            ) -> list[tuple[int, str]]:
    """``[(id, label)]`` of the active places (of ``kind``: one or several), for a select."""
    return [(place.id, label(place)) for place in db.session.scalars(search(kind=kind))]


def towns(include_inactive: bool = False) -> list[str]:
    """The towns places lie in, sorted, without the empty town."""
    statement = select(Place.town).where(Place.town != "").distinct()
    if not include_inactive:
        statement = statement.where(Place.active.is_(True))
    return sorted(db.session.scalars(statement))


def find(kind: PlaceKind | str, town: str, name: str) -> Place | None:
    """The place of this kind, town and name (active or not), or None."""
    try:
        kind = PlaceKind(kind)
    except ValueError:
        return None
    return db.session.scalar(select(Place).where(
        Place.kind == kind, Place.town == (town or "").strip(),
        Place.name == (name or "").strip()))


# --- validation and writes ---------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def validate(fields: Mapping[str, Any], place: Place | None = None) -> dict[str, Any]:
    """Check and normalise the fields of a place; raises :class:`PlaceInvalid`.

    Fields (see :data:`FIELDS`): ``kind`` (a :class:`PlaceKind` or its value) and ``name``
    are required; ``town``, ``code``, ``address``, ``contact_name``, ``contact_phone``,
    ``notes`` are text (missing: empty); ``org_unit_id`` is an active org unit of the tenant
    or None. ``place`` is the place being edited: it may keep its own (kind, town, name) and
    an org unit deactivated since. Another place with the same kind, town and name is
    refused. Unknown field names raise ``TypeError``.
    """
    try:
        cleaned = clean_fields(fields, place)
        errors: dict[str, list[Any]] = {}
    except PlaceInvalid as exc:
        errors = exc.errors
        if {"kind", "name", "town"} & set(errors):
            raise
        cleaned = {"kind": PlaceKind(fields.get("kind")), "town": _text(fields.get("town")),
                   "name": _text(fields.get("name"))}
    # Said even when other fields are wrong: the user may be typing a place that exists.
    existing = find(cleaned["kind"], cleaned["town"], cleaned["name"])
    if existing is not None and (place is None or existing.id != place.id):
        errors = {**errors, "name": duplicate_messages(existing)}
    if errors:
        raise PlaceInvalid(errors)
    return cleaned


def clean_fields(fields: Mapping[str, Any], place: Place | None = None) -> dict[str, Any]:
    """:func:`validate` without the duplicate check (the bulk import checks a whole file's
    keys at once)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown place field(s): {', '.join(sorted(unknown))}")
    errors: dict[str, list[Any]] = {}
    cleaned: dict[str, Any] = {}

    def fail(field: str, message: Any) -> None:
        errors.setdefault(field, []).append(message)

    kind: PlaceKind | None = None
    try:
        kind = PlaceKind(fields.get("kind"))
    except ValueError:
        fail("kind", _l("Choose the kind of place."))
    cleaned["kind"] = kind

    name = _text(fields.get("name"))
    if not name:
        fail("name", _l("Enter the name of the place."))
    elif len(name) > NAME_MAX:
        fail("name", _l("At most %(max)d characters.", max=NAME_MAX))
    cleaned["name"] = name

    for field, limit in (("town", TOWN_MAX), ("address", ADDRESS_MAX),
                         ("contact_name", CONTACT_NAME_MAX), ("notes", NOTES_MAX)):
        value = _text(fields.get(field))
        if len(value) > limit:
            fail(field, _l("At most %(max)d characters.", max=limit))
        cleaned[field] = value

    code = _text(fields.get("code"))
    if len(code) > CODE_MAX:
        fail("code", _l("At most %(max)d characters.", max=CODE_MAX))
    elif code and not CODE_RE.match(code):
        fail("code", _l("Use letters and digits (and '-', '_' or '.') for the code."))
    cleaned["code"] = code

    phone = _text(fields.get("contact_phone"))
    if len(phone) > CONTACT_PHONE_MAX:
        fail("contact_phone", _l("At most %(max)d characters.", max=CONTACT_PHONE_MAX))
    elif phone and (not PHONE_RE.match(phone) or not any(c.isdigit() for c in phone)):
        fail("contact_phone", _l("Enter a phone number: digits, with '-' or 转 for an "
                                 "extension."))
    cleaned["contact_phone"] = phone

    cleaned["org_unit_id"] = _check_org_unit(fields.get("org_unit_id"), place, fail)

    if errors:
        raise PlaceInvalid(errors)
    return cleaned


def _check_org_unit(value: Any, place: Place | None, fail: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        unit_id = int(value)
    except (TypeError, ValueError):
        fail("org_unit_id", _l("Choose an org unit from the list."))
        return None
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        fail("org_unit_id", _l("Choose an org unit from the list."))
        return None
    # A place may stay with a unit deactivated since it was chosen; a new choice must be active.
    keeps_own = place is not None and place.org_unit_id == unit.id
    if not unit.active and not keeps_own:
        fail("org_unit_id", _l("%(name)s is deactivated; choose an active org unit.",
                               name=unit.name))
        return None
    return unit.id


def duplicate_messages(existing: Place) -> list[Any]:
    """Why a place with ``existing``'s kind, town and name cannot be registered again."""
    kind = kind_label(existing.kind)
    if existing.town:
        messages = [_l("%(kind)s %(name)s of %(town)s is registered already.",
                       kind=kind, name=existing.name, town=existing.town)]
    else:
        messages = [_l("%(kind)s %(name)s without a town is registered already.",
                       kind=kind, name=existing.name)]
    if not existing.active:
        messages.append(_l("It is deactivated: reactivate it instead."))
    return messages


def apply(place: Place, cleaned: Mapping[str, Any]) -> None:
    """Set the fields :func:`validate` returned on ``place`` (nothing flushed)."""
    for field in FIELDS:
        setattr(place, field, cleaned[field])


def create(**fields: Any) -> Place:
    """Register a new place in the current tenant (flushed, not committed)."""
    cleaned = validate(fields)
    place = Place(active=True)
    apply(place, cleaned)
    db.session.add(place)
    db.session.flush()
    return place


def update(place: Place, **fields: Any) -> Place:
    """Change a place; fields not given keep their value (flushed, not committed)."""
    current = {field: getattr(place, field) for field in FIELDS}
    cleaned = validate({**current, **fields}, place)
    apply(place, cleaned)
    db.session.flush()
    return place


def deactivate(place: Place) -> Place:
    """Stop offering the place in forms; records that refer to it keep it (flushed)."""
    place.active = False
    db.session.flush()
    return place


def activate(place: Place) -> Place:
    """Offer a deactivated place again (flushed)."""
    place.active = True
    db.session.flush()
    return place
