"""The one SQLAlchemy handle of the application and its declarative base."""

from __future__ import annotations

import enum

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Enum, MetaData
from sqlalchemy.orm import DeclarativeBase

from core.tenancy.session import TenantSession

# Stable constraint names: Alembic needs them to drop or alter constraints on every engine.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"class_": TenantSession})


def enum_column(enum_class: type[enum.Enum], length: int = 30) -> Enum:
    """A portable column type for a Python enum: a VARCHAR holding the members' values (not
    their names), no native database enum, so adding a member needs no migration of the
    type on PostgreSQL and reads the same on SQLite."""
    return Enum(enum_class, native_enum=False, length=length,
                values_callable=lambda members: [m.value for m in members])

