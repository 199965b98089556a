"""The deployment's permission catalogue and role templates, collected once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app

from core.access.permissions import (
    CORE_PERMISSIONS,
    CORE_ROLE_TEMPLATES,
    Permission,
    RoleTemplate,
    validate_permission,
)
from core.plugins.manager import PluginManager

CORE_NAMESPACE = "core"


@dataclass
class AccessRegistry:
    permissions: dict[str, Permission] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # permission -> plugin ("core")
    templates: dict[str, RoleTemplate] = field(default_factory=dict)

    def add_permission(self, permission: Permission, owner: str) -> None:
        if permission.name in self.permissions:
            raise ValueError(f"permission {permission.name!r} is declared twice")
        self.permissions[permission.name] = permission
        self.owners[permission.name] = owner

    def add_template(self, template: RoleTemplate) -> None:
        existing = self.templates.get(template.key)
        if existing is None:
            self.templates[template.key] = template
            return
        merged = tuple(dict.fromkeys(existing.permissions + template.permissions))
        self.templates[template.key] = RoleTemplate(
            existing.key, existing.title, merged, existing.description, existing.admin_kind)


def build_registry(app: Flask, manager: PluginManager) -> AccessRegistry:
    """Core's permissions plus each plugin's; a plugin with bad declarations is taken out."""
    registry = AccessRegistry()
    for permission in CORE_PERMISSIONS:
        registry.add_permission(permission, CORE_NAMESPACE)
    for template in CORE_ROLE_TEMPLATES:
        registry.add_template(template)
    for name, permissions in manager.call_each("register_permissions"):
        record = manager.records[name]
        namespace = CORE_NAMESPACE if record.always_on else name
        try:
            for permission in permissions or []:
                validate_permission(permission, namespace)
                if permission.admin and not record.always_on:
                    raise ValueError("only core may declare administrator permissions")
                registry.add_permission(permission, name)
        except Exception as exc:  # noqa: BLE001 - a bad plugin must not stop the platform
            manager.fail(name, exc)
    for name, templates in manager.call_each("role_templates"):
        for template in templates or []:
            unknown = [p for p in template.permissions if p not in registry.permissions]
            if unknown or template.admin_kind is not None:
                manager.fail(name, ValueError(
                    f"role template {template.key!r} names unknown permissions {unknown}"
                    if unknown else "plugins cannot define administrator roles"))
                break
            registry.add_template(template)
    app.extensions["fatong.access"] = registry
    return registry


def access_registry() -> AccessRegistry:
    return current_app.extensions["fatong.access"]
