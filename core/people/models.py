"""The people registry (当事人): one row per person, shared by every service line.

ID numbers and phone numbers are never stored in plaintext: the ``id_number`` and ``phone``
columns hold SM4-GCM ciphertext (``core.crypto``) bound to tenant, table, column and row, and
``id_number_index`` / ``phone_index`` hold keyed blind indexes for exact-match search and
de-duplication. Reading ``person.id_number`` or ``person.phone`` decrypts into a
:class:`Revealable`, which prints masked (``110101********1234``) wherever it is rendered,
logged or formatted; only an explicit ``.reveal()`` gives the plaintext.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from markupsafe import escape
from sqlalchemy import Date, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto import FieldContext, crypto_provider
from core.db import db, enum_column
from core.ids import new_id
from core.masking import mask
from core.people.idcard import Gender, IdType
from core.tenancy.context import require_tenant_id
from core.tenancy.model import TenantModel
from core.tenancy.models import utcnow

TABLE = "people"
ID_NUMBER_PURPOSE = "people.id_number"
PHONE_PURPOSE = "people.phone"


class Revealable:
    """A personal value that shows itself masked; ``reveal()`` is the one way to the plaintext.

    ``str()``, ``format()``, ``repr()`` and Jinja rendering (``__html__``) all give the masked
    form, so a template or log line that forgets to mask still masks.
    """

    __slots__ = ("_plaintext", "kind")

    def __init__(self, plaintext: str, kind: str) -> None:
        self._plaintext = plaintext
        self.kind = kind

    @property
    def masked(self) -> str:
        return mask(self._plaintext, self.kind)

    def reveal(self) -> str:
        return self._plaintext

    def __str__(self) -> str:
        return self.masked

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __repr__(self) -> str:
        return f"<Revealable {self.kind} {self.masked}>"

    def __html__(self) -> str:
        return str(escape(self.masked))

    def __bool__(self) -> bool:
        return bool(self._plaintext)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Revealable):
            return NotImplemented
        return (self.kind, self._plaintext) == (other.kind, other._plaintext)

    def __hash__(self) -> int:
        return hash((self.kind, self._plaintext))



def blind_index(value: str, purpose: str, tenant_id: int | None = None) -> str:
    """The current tenant's blind index of a normalised value (see ``core.crypto``)."""
    tenant_id = require_tenant_id() if tenant_id is None else tenant_id
    return crypto_provider().blind_index(value, tenant_id=tenant_id, purpose=purpose)


class Person(db.Model, TenantModel):
    __tablename__ = TABLE
    __table_args__ = (
        # De-duplication: one person per document (type + number) in a tenant.
        UniqueConstraint("tenant_id", "id_type", "id_number_index"),
        Index("ix_people_tenant_phone_index", "tenant_id", "phone_index"),
        Index("ix_people_tenant_name", "tenant_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(100), info={"personal": "name"})
    gender: Mapped[Gender | None] = mapped_column(enum_column(Gender), nullable=True)
    id_type: Mapped[IdType] = mapped_column(enum_column(IdType), default=IdType.RESIDENT_ID)
    # Ciphertext only. "text" masks it to *** in the audit log: a masked ciphertext would
    # mean nothing to a reader.
    id_number_ciphertext: Mapped[str | None] = mapped_column(
        "id_number", String(255), nullable=True, info={"personal": "text", "encrypted": True})
    id_number_index: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                                        info={"personal": "text"})
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True,
                                                    info={"personal": "text"})
    phone_ciphertext: Mapped[str | None] = mapped_column(
        "phone", String(255), nullable=True, info={"personal": "text", "encrypted": True})
    phone_index: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                                    info={"personal": "text"})
    address: Mapped[str] = mapped_column(Text, default="", info={"personal": "text"})
    ethnic_group: Mapped[str | None] = mapped_column(String(2), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    # --- encrypted fields ---------------------------------------------------------------

    def _field_context(self, column: str) -> FieldContext:
        # The ciphertext is bound to the row: tenant and id must be known before encrypting,
        # so a new person takes the current tenant and an id now rather than at flush.
        if self.tenant_id is None:
            self.tenant_id = require_tenant_id()
        if self.id is None:
            self.id = new_id()
        return FieldContext(self.tenant_id, TABLE, column, self.id)

    def _decrypt(self, ciphertext: str | None, column: str, kind: str) -> Revealable | None:
        if not ciphertext:
            return None
        plaintext = crypto_provider().decrypt_field(ciphertext, self._field_context(column))
        return Revealable(plaintext, kind)

    def _encrypt(self, plaintext: str | None, column: str, purpose: str
                 ) -> tuple[str | None, str | None]:
        if not plaintext:
            return None, None
        context = self._field_context(column)
        return (crypto_provider().encrypt_field(plaintext, context),
                blind_index(plaintext, purpose, context.tenant_id))

    @property
    def id_number(self) -> Revealable | None:
        """The ID number, masked when printed; ``.reveal()`` for the plaintext."""
        return self._decrypt(self.id_number_ciphertext, "id_number", "id_number")

    @id_number.setter
    def id_number(self, value: str | None) -> None:
        """Store an already validated, normalised number (``core.people.api`` validates)."""
        self.id_number_ciphertext, self.id_number_index = self._encrypt(
            value, "id_number", ID_NUMBER_PURPOSE)

    @property
    def phone(self) -> Revealable | None:
        return self._decrypt(self.phone_ciphertext, "phone", "phone")

    @phone.setter
    def phone(self, value: str | None) -> None:
        self.phone_ciphertext, self.phone_index = self._encrypt(value, "phone", PHONE_PURPOSE)

    # --- display ------------------------------------------------------------------------

    @property
    def id_type_label(self) -> Any:
        return IdType(self.id_type).label

    @property
    def gender_label(self) -> Any:
        return Gender(self.gender).label if self.gender else ""

    def __repr__(self) -> str:
        return f"<Person {self.id}>"
