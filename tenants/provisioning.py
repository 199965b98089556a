"""Creating tenants and their first administrator, in one transaction."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from core.access.permissions import AUDITADMIN, SECADMIN, SYSADMIN
from core.access.service import assign_role, seed_roles
from core.auth.settings import auth_settings
from core.orgunits.models import OrgUnitType
from core.orgunits.service import create_unit
from core.sdk import (
    PluginToggleError,
    Tenant,
    TenantLevel,
    TenantStatus,
    User,
    db,
    enable_plugin,
    hooks_for,
    numbering,
    plugin_manager,
    tenant_context,
)
from tenants.slugs import RESERVED_SLUGS, SLUG_RE

REGION_CODE_RE = re.compile(r"^\d{6}$")


class ProvisioningError(ValueError):
    """Input that cannot become a tenant; the message says why."""


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    name: str
    region_code: str
    level: TenantLevel = TenantLevel.COUNTY
    status: TenantStatus = TenantStatus.ACTIVE


def validate_spec(spec: TenantSpec) -> None:
    if not SLUG_RE.match(spec.slug):
        raise ProvisioningError(
            f"slug {spec.slug!r}: 2-63 lowercase letters, digits or hyphens, starting with a letter"
        )
    if spec.slug in RESERVED_SLUGS:
        raise ProvisioningError(f"slug {spec.slug!r} is reserved")
    if not spec.name.strip():
        raise ProvisioningError("the bureau's name is empty")
    if not REGION_CODE_RE.match(spec.region_code):
        raise ProvisioningError(f"region code {spec.region_code!r} must be 6 digits (GB/T 2260)")


def create_tenant(spec: TenantSpec, *, admin_username: str | None = None,
                  admin_password: str | None = None, plugins: list[str] | None = None,
                  actor: str = "system") -> Tenant:
    """Create a tenant, optionally its admin user and enabled plugins; flushes, caller commits."""
    validate_spec(spec)
    if db.session.scalar(select(Tenant).where(Tenant.slug == spec.slug)) is not None:
        raise ProvisioningError(f"slug {spec.slug!r} is taken")
    tenant = Tenant(slug=spec.slug, name=spec.name.strip(), region_code=spec.region_code,
                    level=spec.level, status=spec.status)
    db.session.add(tenant)
    db.session.flush()
    with tenant_context(tenant):
        roles = seed_roles()
        create_unit(tenant.name, spec.region_code, OrgUnitType.BUREAU)
        if admin_username:
            if not admin_password:
                raise ProvisioningError("the administrator needs a password")
            admin = User(username=admin_username, display_name="系统管理员")
            admin.set_password(admin_password)
            db.session.add(admin)
            db.session.flush()
            assign_role(admin, roles[SYSADMIN], actor=actor)
        for name in plugins or []:
            try:
                enable_plugin(tenant, name, actor=actor)
            except PluginToggleError as exc:
                raise ProvisioningError(str(exc)) from exc
        # Inside the context: the admin is stamped with the tenant at flush time, and with no
        # plugin to enable nothing else would have flushed it here.
        db.session.flush()
    return tenant


def all_toggleable_plugins() -> list[str]:
    return [record.name for record in plugin_manager().toggleable()]


DEMO_NAME = "剑阁县司法局"
DEMO_REGION = "510823"  # 四川省广元市剑阁县
DEMO_ABBREVIATION = "剑"


DEMO_OTHER_ADMINS = (
    ("secadmin", "安全保密管理员", SECADMIN),
    ("auditor", "安全审计员", AUDITADMIN),
)


def ensure_demo_tenant(slug: str, password: str, *, spec: TenantSpec | None = None,
                       abbreviation: str = DEMO_ABBREVIATION,
                       fill: Callable[[Tenant], None] | None = None) -> tuple[Tenant, bool]:
    """Create or refresh the demo tenant: active, admin with this password, all plugins on,
    filled by the plugins' ``demo_data`` (or ``fill``; seed-scale's template county passes
    its own ``spec``, ``abbreviation`` and ``fill``)."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    created = tenant is None
    if created:
        spec = spec or TenantSpec(slug=slug, name=DEMO_NAME, region_code=DEMO_REGION)
        tenant = create_tenant(spec, actor="demo")
    tenant.status = TenantStatus.ACTIVE
    with tenant_context(tenant):
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        if admin is None:
            admin = User(username="admin", display_name="系统管理员")
            db.session.add(admin)
        admin.active = True
        admin.set_password(password)
        db.session.flush()
        roles = seed_roles()
        # The demo account also gets the leader's business role so that one login shows the
        # whole product; real tenants keep administrators and business staff apart.
        assign_role(admin, roles[SYSADMIN], actor="demo")
        assign_role(admin, roles["leader"], actor="demo")
        # 三员分立: the security and audit administrators are separate accounts.
        for username, display_name, role_key in DEMO_OTHER_ADMINS:
            account = db.session.scalar(select(User).where(User.username == username))
            if account is None:
                account = User(username=username, display_name=display_name)
                db.session.add(account)
            account.active = True
            account.set_password(password)
            db.session.flush()
            assign_role(account, roles[role_key], actor="demo")
        for name in all_toggleable_plugins():
            enable_plugin(tenant, name, actor="demo")
        # Document numbers read （2026）剑人调字第12号, as the county writes them.
        if not numbering.numbering_settings().get("abbreviation"):
            numbering.numbering_settings().set_many({"abbreviation": abbreviation})
        db.session.flush()
        if fill is not None:
            fill(tenant)
        else:
            # Sample records of each enabled line (idempotent hookimpls: a refresh adds nothing).
            hooks_for(tenant).demo_data(tenant=tenant)
        # TOTP stays optional for the demo admin (a sysadmin) so that `make run` logs in at
        # once; README says how to require it (issue #3).
        auth_settings().set_many({"totp_required_for_admins": False})
    db.session.flush()
    return tenant, created
