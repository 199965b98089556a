"""Per-tenant settings: one JSON value per (namespace, name), defaults from a marshmallow schema.

Core modules and plugins use the same store, namespaced by module or plugin name (Indico's
settings-proxy pattern with tenant_id in place of event_id)::

    policy = tenant_settings("auth", PasswordPolicySchema)
    policy.get("min_length")           # stored value, else the schema's load_default
    policy.set_many({"min_length": 10}, actor="secadmin")   # validated by the schema

Within a request, the first read loads every namespace of the tenant in one statement and
keeps it on flask.g (a page reads auth, numbering, a plugin's and the layout's settings);
``set_many`` and a rollback drop that copy. Nothing is kept across requests: several worker
processes serve, and an administrator's change must show on the next request.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import g, has_request_context
from marshmallow import Schema, ValidationError, missing
from sqlalchemy import JSON, String, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db
from core.tenancy.context import current_tenant_id
from core.tenancy.model import TenantModel
from core.tenancy.session import TenantSession

#: flask.g keys: tenant id -> {namespace: {name: stored JSON}} (every namespace, read at
#: once), and (tenant id, namespace) -> values loaded through the schema.
_STORED_KEY = "_fatong_setting_rows"
_VALUES_KEY = "_fatong_settings"


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

    def _stored(self) -> dict[str, Any]:
        """The namespace's stored values by name. In a request, from the one read of all
        the tenant's namespaces; outside one (CLI, jobs), this namespace's rows only."""
        tenant_id = current_tenant_id()
        if not has_request_context() or tenant_id is None:
            return {name: row.value for name, row in self._rows().items()}
        memo = g.setdefault(_STORED_KEY, {})
        if tenant_id not in memo:
            everything: dict[str, dict[str, Any]] = {}
            for namespace, name, value in db.session.execute(
                    select(TenantSetting.namespace, TenantSetting.name, TenantSetting.value)):
                everything.setdefault(namespace, {})[name] = value
            memo[tenant_id] = everything
        return memo[tenant_id].get(self.namespace, {})

    def _cache(self) -> dict[Any, dict[str, Any]] | None:
        """The request's cache of read namespaces (pages read a setting many times: every
        case's deadline); None outside a request. ``set_many`` drops the namespace."""
        if not has_request_context():
            return None
        return g.setdefault(_VALUES_KEY, {})

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
        for name, stored in self._stored().items():
            if name in fields:
                values[name] = _from_json(fields[name], stored)
        return values

    def get(self, name: str) -> Any:
        if name not in self.schema().fields:
            raise KeyError(f"{self.namespace} has no setting {name!r}")
        return self.get_all().get(name)

    def set_many(self, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        """Validate and store; returns {name: (old, new)} of what changed. Flushes.

        Raises marshmallow.ValidationError (field -> messages) without storing anything.
        """
        forget_settings()
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
        forget_settings()  # the next read sees what was just written
        return changed


def forget_settings() -> None:
    """Drop the request's copies of the settings (after a write or a rollback)."""
    if has_request_context():
        g.pop(_STORED_KEY, None)
        g.pop(_VALUES_KEY, None)


def _forget_on_rollback(session: Any, previous_transaction: Any) -> None:
    # A rolled-back write must not linger in the request's copy.
    forget_settings()


event.listen(TenantSession, "after_soft_rollback", _forget_on_rollback)


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
