"""The Session class of the application: tenant-aware primary-key lookups."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.session import Session as FlaskSession

from core.tenancy.context import NoTenantContext, cross_tenant_grant, current_tenant_id
from core.tenancy.model import is_tenant_model


class TenantSession(FlaskSession):
    """``session.get(Model, id)`` on a tenant model means "this tenant's row with that id".

    A bare id is completed with the current tenant; a ``(tenant_id, id)`` of another tenant
    returns None without consulting the identity map, where a row loaded earlier for another
    tenant (by a cross-tenant read) could otherwise be handed out.
    """

    def _get_impl(self, entity: Any, primary_key_identity: Any, *args: Any, **kw: Any) -> Any:
        mapper = getattr(entity, "__mapper__", None)
        if mapper is not None and is_tenant_model(mapper.class_):
            tenant_id = current_tenant_id()
            if tenant_id is None:
                if cross_tenant_grant() is None:
                    raise NoTenantContext(f"get({mapper.class_.__name__}) without a tenant")
            else:
                primary_key_identity = _with_tenant(primary_key_identity, tenant_id)
                if primary_key_identity is None:
                    return None
        return super()._get_impl(entity, primary_key_identity, *args, **kw)


def _with_tenant(ident: Any, tenant_id: int) -> Any:
    if isinstance(ident, dict):
        if ident.get("tenant_id", tenant_id) != tenant_id:
            return None
        return {**ident, "tenant_id": tenant_id}
    if isinstance(ident, tuple | list):
        if len(ident) != 2:
            return ident
        return tuple(ident) if ident[0] == tenant_id else None
    return (tenant_id, ident)
