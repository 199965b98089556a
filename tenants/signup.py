"""A bureau's signup: checks, then one transaction that creates everything or nothing.

The transaction creates the tenant (pending, or active when the deployment sets
``SIGNUP_AUTO_APPROVE``), its roles from the templates, its root org unit, the first
administrator, the chosen modules (with what they require) and the application record the
operators decide on, plus the platform audit event. Any failure rolls all of it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import regions
from core.audit.api import record
from core.auth.passwords import policy_errors
from core.auth.settings import AuthSettingsSchema
from core.sdk import (
    Tenant,
    TenantLevel,
    TenantStatus,
    db,
    plugin_manager,
)
from tenants.models import ApplicationStatus, TenantApplication
from tenants.provisioning import ProvisioningError, TenantSpec, create_tenant
from tenants.slugs import slug_problem

AUTO_APPROVE_CONFIG = "SIGNUP_AUTO_APPROVE"
SIGNUP_ACTOR_PREFIX = "signup:"


@dataclass
class SignupRequest:
    region_code: str
    slug: str
    bureau_name: str
    contact_name: str
    contact_phone: str
    admin_username: str
    admin_password: str
    contact_email: str = ""
    plugins: list[str] = field(default_factory=list)
    ip: str = ""


class SignupRefused(Exception):
    """What stops a signup: ``problems`` maps a form field (or "" for the whole form) to
    messages for the applicant."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for messages in problems.values() for m in messages))
        self.problems = problems


def offered_plugins() -> list:
    """Plugins a bureau may pick at signup: loaded, allowed here, not always on."""
    return plugin_manager().toggleable()


def problems_of(request: SignupRequest) -> dict[str, list[str]]:
    """Every reason to refuse ``request``, by field; empty when it may go ahead."""
    problems: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    region = regions.get(request.region_code)
    if region is None:
        add("region_code", _("Choose your administrative unit from the list."))
    else:
        if _pending_application(region.code) is not None:
            add("region_code", _("An application for %(unit)s is already waiting for review. "
                                 "The platform operator will contact the applicant.",
                                 unit=region.full_name))
        elif _active_tenant(region.code) is not None:
            add("region_code", _("%(unit)s already uses Fatong. Ask your bureau's system "
                                 "administrator for an account.", unit=region.full_name))
    slug_message = slug_problem(request.slug)
    if slug_message:
        add("slug", slug_message)
    elif slug_taken(request.slug):
        add("slug", _("The address %(slug)s is taken. Choose another.", slug=request.slug))
    policy = AuthSettingsSchema().load({})
    for message in policy_errors(request.admin_password, policy, request.admin_username):
        add("admin_password", message)
    offered = {record.name for record in offered_plugins()}
    for name in request.plugins:
        if name not in offered:
            add("plugins", _("The module %(name)s is not offered here.", name=name))
    return problems


def slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None


def _pending_application(region_code: str) -> TenantApplication | None:
    return db.session.scalar(select(TenantApplication).where(
        TenantApplication.region_code == region_code,
        TenantApplication.status == ApplicationStatus.PENDING))


def _active_tenant(region_code: str) -> Tenant | None:
    return db.session.scalar(select(Tenant).where(
        Tenant.region_code == region_code, Tenant.status == TenantStatus.ACTIVE))


def auto_approve() -> bool:
    return bool(current_app.config.get(AUTO_APPROVE_CONFIG))


def submit(request: SignupRequest) -> TenantApplication:
    """Create the tenant and its application in one transaction and commit it.

    Raises :class:`SignupRefused` (nothing written) when a check fails, including a check
    that only the database can make under concurrency (two signups for one unit or address).
    """
    problems = problems_of(request)
    if problems:
        raise SignupRefused(problems)
    region = regions.get(request.region_code)
    assert region is not None  # checked above
    actor = f"{SIGNUP_ACTOR_PREFIX}{request.admin_username}"
    try:
        tenant = create_tenant(
            TenantSpec(slug=request.slug, name=request.bureau_name.strip(),
                       region_code=region.code, level=TenantLevel(region.level),
                       status=TenantStatus.PENDING),
            admin_username=request.admin_username, admin_password=request.admin_password,
            plugins=list(request.plugins), actor=actor)
        application = TenantApplication(
            for_tenant_id=tenant.id, region_code=region.code, bureau_name=tenant.name,
            contact_name=request.contact_name.strip(),
            contact_phone=request.contact_phone.strip(),
            contact_email=request.contact_email.strip(), admin_username=request.admin_username,
            plugins=sorted(request.plugins), submitted_ip=request.ip)
        db.session.add(application)
        db.session.flush()
        _record_contact(tenant, request)
        record("tenant.signup", platform=True, about_tenant_id=tenant.id, actor=actor,
               target_type="tenant", target_id=tenant.id,
               summary=f"{tenant.slug} {region.full_name}",
               details={"slug": tenant.slug, "name": tenant.name, "region": region.code,
                        "plugins": sorted(request.plugins),
                        "contact_name": application.contact_name,
                        "contact_phone": application.contact_phone},
               personal={"contact_name": "name", "contact_phone": "phone"})
        if auto_approve():
            from tenants.lifecycle import approve

            approve(application, actor="auto-approval")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        # Lost a race to a simultaneous signup: say which check it was.
        raise SignupRefused(problems_of(request) or {
            "": [_("The application could not be saved. Please try again.")]}) from None
    except ProvisioningError as exc:
        db.session.rollback()
        raise SignupRefused({"": [str(exc)]}) from None
    except Exception:
        db.session.rollback()
        raise
    return application


def _record_contact(tenant: Tenant, request: SignupRequest) -> None:
    """The contact entered at signup becomes the tenant's contact setting."""
    from core.sdk import tenant_context
    from tenants.settings import tenant_profile

    with tenant_context(tenant):
        tenant_profile().set_many({
            "contact_name": request.contact_name.strip(),
            "contact_phone": request.contact_phone.strip(),
            # An unset optional setting is None: an empty string is not an email address.
            "contact_email": request.contact_email.strip() or None,
        })
