"""The people registry of each seeded county, re-encrypted for it.

ID and phone numbers are SM4-GCM ciphertext bound to tenant, table, column and row, with
blind indexes keyed per tenant (core.crypto): a copied ciphertext would not decrypt in another
county. Each county gets the template's residents with its own region code in their ID
numbers (check digit recomputed), encrypted under its own key.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.crypto import FieldContext
from core.people.idcard import CHECK_CHARACTERS, WEIGHTS
from core.people.models import ID_NUMBER_PURPOSE, PHONE_PURPOSE
from core.people.models import TABLE as PEOPLE_TABLE

ID_NUMBER, PHONE = "id_number", "phone"
ENCRYPTED = {ID_NUMBER: "id_number_index", PHONE: "phone_index"}


@dataclass(frozen=True)
class TemplatePerson:
    """A template resident: the raw row, the numbers in plaintext, and the part of the ID
    number that is the same in every county with its share of the check sum, worked out
    once (millions of numbers are re-registered)."""

    values: tuple[Any, ...]
    id_number: str | None
    phone: str | None
    suffix: str | None  # birth date and sequence, when re-registered per county
    suffix_sum: int


@dataclass(frozen=True)
class TemplatePeople:
    """The template's people rows (raw column values) with their numbers in plaintext."""

    columns: tuple[str, ...]
    persons: tuple[TemplatePerson, ...]


def load_template_people(connection: Connection, template_id: int, provider: Any,
                         columns: Sequence[str]) -> TemplatePeople:
    rows = connection.execute(
        text(f"SELECT {', '.join(columns)} FROM {PEOPLE_TABLE} WHERE tenant_id = :t "
             "ORDER BY id"), {"t": template_id}).all()
    position = {name: index for index, name in enumerate(columns)}

    def plain(row: Sequence[Any], column: str) -> str | None:
        token = row[position[column]]
        if not token:
            return None
        context = FieldContext(template_id, PEOPLE_TABLE, column, row[position["id"]])
        return provider.decrypt_field(token, context)

    persons = []
    for row in rows:
        id_number = plain(row, ID_NUMBER)
        resident = (row[position["id_type"]] == "resident_id" and id_number is not None
                    and len(id_number) == 18 and id_number[:17].isdigit())
        suffix = id_number[6:17] if resident else None
        persons.append(TemplatePerson(tuple(row), id_number, plain(row, PHONE), suffix,
                                      _weighted(suffix, WEIGHTS[6:]) if suffix else 0))
    return TemplatePeople(tuple(columns), tuple(persons))


def _weighted(digits: str, weights: Sequence[int]) -> int:
    return sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True))


def tenant_rows(people: TemplatePeople, tenant_id: int, region_code: str,
                provider: Any) -> Iterator[tuple[Any, ...]]:
    """The template's people as rows of ``tenant_id`` (same ids, own ciphertexts)."""
    position = {name: index for index, name in enumerate(people.columns)}
    at_tenant, at_id = position["tenant_id"], position["id"]
    region_sum = _weighted(region_code, WEIGHTS[:6])
    at_number, at_number_index = position[ID_NUMBER], position[ENCRYPTED[ID_NUMBER]]
    at_phone, at_phone_index = position[PHONE], position[ENCRYPTED[PHONE]]
    # One person per number in a tenant: where two residents of different regions would get
    # the same local number, the second keeps the number it had.
    taken: set[str] = set()
    for person in people.persons:
        values = list(person.values)
        values[at_tenant] = tenant_id
        id_number = person.id_number
        if id_number:
            local = (region_code + person.suffix
                     + CHECK_CHARACTERS[(region_sum + person.suffix_sum) % 11]
                     if person.suffix else id_number)
            id_number = next((n for n in (local, id_number) if n not in taken), None)
            if id_number is None:
                values[at_number] = values[at_number_index] = None
            else:
                taken.add(id_number)
        row_id = values[at_id]
        if id_number:
            values[at_number] = provider.encrypt_field(
                id_number, FieldContext(tenant_id, PEOPLE_TABLE, ID_NUMBER, row_id))
            values[at_number_index] = provider.blind_index(
                id_number, tenant_id=tenant_id, purpose=ID_NUMBER_PURPOSE)
        if person.phone:
            values[at_phone] = provider.encrypt_field(
                person.phone, FieldContext(tenant_id, PEOPLE_TABLE, PHONE, row_id))
            values[at_phone_index] = provider.blind_index(
                person.phone, tenant_id=tenant_id, purpose=PHONE_PURPOSE)
        yield tuple(values)


def write_people(connection: Connection, people: TemplatePeople,
                 tenants: Sequence[tuple[int, str]], provider: Any) -> int:
    """Insert every tenant's people: COPY on PostgreSQL, executemany elsewhere."""
    columns = ", ".join(people.columns)
    written = 0
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {PEOPLE_TABLE} ({columns}) FROM STDIN") as copy:
            for tenant_id, region_code in tenants:
                for values in tenant_rows(people, tenant_id, region_code, provider):
                    copy.write_row(values)
                    written += 1
        return written
    marks = ", ".join(f":{name}" for name in people.columns)
    statement = text(f"INSERT INTO {PEOPLE_TABLE} ({columns}) VALUES ({marks})")
    for tenant_id, region_code in tenants:
        batch = [dict(zip(people.columns, values, strict=True))
                 for values in tenant_rows(people, tenant_id, region_code, provider)]
        if batch:
            connection.execute(statement, batch)
            written += len(batch)
    return written
