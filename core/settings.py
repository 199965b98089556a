"""Per-tenant settings: one JSON value per (namespace, name), defaults from a marshmallow schema.

Core modules and plugins use the same store, namespaced by module or plugin name (Indico's
settings-proxy pattern with tenant_id in place of event_id)::

    policy = tenant_settings("auth", PasswordPolicySchema)
    policy.get("min_length")           # stored value, else the schema's load_default
    policy.set_many({"min_length": 10}, actor="secadmin")   # validated by the schema
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import g, has_request_context
from marshmallow import Schema, ValidationError, missing
from sqlalchemy import JSON, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.tenancy.context import current_tenant_id
from core.tenancy.model import TenantModel


class TenantSetting(db.Model, TenantModel):
    __tablename__ = "tenant_settings"
    __table_args__ = (UniqueConstraint("tenant_id", "namespace", "name"),)

    namespace: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class SettingsProxy:
    """The settings of one namespace for the current tenant, typed by a marshmallow schema."""

    def __init__(self, namespace: str, schema: type[Schema]) -> None:
        self.namespace = namespace
        self.schema = schema

    def defaults(self) -> dict[str, Any]:
        """Each field's ``load_default``; a required field has none and is absent until set."""
        found = {}
        for name, field in self.schema().fields.items():
            default = field.load_default
            if default is not missing:
                found[name] = default() if callable(default) else default
        return found

    def _rows(self) -> dict[str, TenantSetting]:
        rows = db.session.scalars(
            select(TenantSetting).where(TenantSetting.namespace == self.namespace))
        return {row.name: row for row in rows}

    def _cache(self) -> dict[Any, dict[str, Any]] | None:
        """The request's cache of read namespaces (pages read a setting many times: every
        case's deadline); None outside a request. ``set_many`` drops the namespace."""
        if not has_request_context():
            return None
        return g.setdefault("_fatong_settings", {})

    def get_all(self) -> dict[str, Any]:
        """Every setting of the namespace: stored values over schema defaults."""
        cache = self._cache()
        key = (current_tenant_id(), self.namespace)
        if cache is not None and key in cache:
            return dict(cache[key])
        values = self._read()
        if cache is not None:
            cache[key] = dict(values)
        return values

    def _read(self) -> dict[str, Any]:
        values = self.defaults()
        fields = self.schema().fields
        for name, row in self._rows().items():
            if name in fields:
                values[name] = _from_json(fields[name], row.value)
        return values

    def get(self, name: str) -> Any:
        if name not in self.schema().fields:
            raise KeyError(f"{self.namespace} has no setting {name!r}")
        return self.get_all().get(name)

    def set_many(self, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        """Validate and store; returns {name: (old, new)} of what changed. Flushes.

        Raises marshmallow.ValidationError (field -> messages) without storing anything.
        """
        cache = self._cache()
        if cache is not None:
            cache.pop((current_tenant_id(), self.namespace), None)
        current = self.get_all()
        merged = self.schema().load({**_dumpable(current, self.schema), **changes})
        rows = self._rows()
        fields = self.schema().fields
        changed: dict[str, tuple[Any, Any]] = {}
        for name in changes:
            new = merged[name]
            if current.get(name) == new:
                continue
            changed[name] = (current.get(name), new)
            stored = to_json(fields[name], new)
            row = rows.get(name)
            if row is None:
                db.session.add(TenantSetting(namespace=self.namespace, name=name, value=stored))
            else:
                row.value = stored
        db.session.flush()
        if cache is not None:
            cache.pop((current_tenant_id(), self.namespace), None)
        return changed


def to_json(field: Any, value: Any) -> Any:
    """A loaded value as the JSON column keeps it: dates as ISO text, decimals as text."""
    dumped = field.serialize("value", {"value": value})
    return str(dumped) if isinstance(dumped, Decimal) else dumped


def _from_json(field: Any, stored: Any) -> Any:
    # Back through the field, so a Date comes back a date; a value the schema no longer
    # accepts is returned as stored rather than breaking every page that reads settings.
    try:
        return field.deserialize(stored)
    except ValidationError:
        return stored


def _dumpable(values: dict[str, Any], schema: type[Schema]) -> dict[str, Any]:
    return schema().dump(values)


def tenant_settings(namespace: str, schema: type[Schema]) -> SettingsProxy:
    return SettingsProxy(namespace, schema)


__all__ = ["SettingsProxy", "TenantSetting", "ValidationError", "tenant_settings"]
