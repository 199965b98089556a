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
from core.people.idcard import check_character
from core.people.models import ID_NUMBER_PURPOSE, PHONE_PURPOSE
from core.people.models import TABLE as PEOPLE_TABLE

ID_NUMBER, PHONE = "id_number", "phone"
ENCRYPTED = {ID_NUMBER: "id_number_index", PHONE: "phone_index"}


@dataclass(frozen=True)
class TemplatePeople:
    """The template's people rows (raw column values) with their numbers in plaintext."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    id_numbers: tuple[str | None, ...]
    phones: tuple[str | None, ...]


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

    return TemplatePeople(tuple(columns), tuple(tuple(row) for row in rows),
                          tuple(plain(row, ID_NUMBER) for row in rows),
                          tuple(plain(row, PHONE) for row in rows))


def local_id_number(number: str, region_code: str) -> str:
    """The same birth date and sequence, registered in ``region_code``."""
    if len(number) != 18 or not number[:17].isdigit():
        return number
    first17 = region_code + number[6:17]
    return first17 + check_character(first17)


def tenant_rows(people: TemplatePeople, tenant_id: int, region_code: str,
                provider: Any) -> Iterator[tuple[Any, ...]]:
    """The template's people as rows of ``tenant_id`` (same ids, own ciphertexts)."""
    position = {name: index for index, name in enumerate(people.columns)}
    at_tenant, at_id = position["tenant_id"], position["id"]
    id_type = position["id_type"]
    # One person per number in a tenant: where two residents of different regions would get
    # the same local number, the second keeps the number it had.
    taken: set[str] = set()
    for row, id_number, phone in zip(people.rows, people.id_numbers, people.phones,
                                     strict=True):
        values = list(row)
        values[at_tenant] = tenant_id
        if id_number:
            local = (local_id_number(id_number, region_code)
                     if values[id_type] == "resident_id" else id_number)
            id_number = next((n for n in (local, id_number) if n not in taken), None)
            if id_number is None:
                values[position[ID_NUMBER]] = values[position[ENCRYPTED[ID_NUMBER]]] = None
            else:
                taken.add(id_number)
        for column, plaintext, purpose in ((ID_NUMBER, id_number, ID_NUMBER_PURPOSE),
                                           (PHONE, phone, PHONE_PURPOSE)):
            if plaintext:
                context = FieldContext(tenant_id, PEOPLE_TABLE, column, row[at_id])
                values[position[column]] = provider.encrypt_field(plaintext, context)
                values[position[ENCRYPTED[column]]] = provider.blind_index(
                    plaintext, tenant_id=tenant_id, purpose=purpose)
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
