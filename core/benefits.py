"""Cross-line entitlements a plugin may ask about without importing another plugin
(exported from ``core.sdk`` as ``benefits``).

Legal aid: a notary office waives or reduces its fees for a person who holds legal aid
(公证法第三十四条, 法律援助法第三十二条 and the notarial fee rules), and other lines may do
likewise. The legal aid plugin answers through the ``legal_aid_status`` hook; only plugins
the current tenant has enabled are asked, so with legal aid disabled the answer is None::

    from core.sdk import benefits

    status = benefits.legal_aid_status(person.id)
    if status is not None:
        waive_fee(reason=status.case_number)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import g, has_request_context

from core.db import db
from core.plugins.enablement import hooks_for
from core.tenancy.context import require_tenant_id
from core.tenancy.models import Tenant

__all__ = ["LegalAidStatus", "holds_legal_aid", "legal_aid_status"]

TIMEZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class LegalAidStatus:
    """A person holds legal aid (the ``legal_aid_status`` hook's answer).

    ``holds`` True (a plugin answers None rather than ``holds=False``), ``case_number`` the
    legal aid case number （2026）剑法援字第12号, ``granted_on`` the day aid was granted (or the
    notice accepted), ``category`` the matter category's code (``civil``,
    ``criminal_defence``…) and ``category_label`` its display name, ``provider_name`` the
    assigned lawyer or worker ("" until assigned).
    """

    holds: bool
    case_number: str = ""
    granted_on: date | None = None
    category: str = ""
    category_label: str = ""
    provider_name: str = ""


def _current_tenant() -> tuple[Tenant, frozenset[str] | None]:
    tenant_id = require_tenant_id()
    if has_request_context() and getattr(g.get("tenant"), "id", None) == tenant_id:
        return g.tenant, g.get("enabled_plugins")
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise LookupError(tenant_id)
    return tenant, None


def legal_aid_status(person_id: int, on: date | None = None) -> LegalAidStatus | None:
    """Whether the current tenant's person ``person_id`` holds legal aid on ``on`` (default:
    today in Beijing), or None: no such aid, the person is not the tenant's, or no enabled
    plugin answers. Needs a tenant context."""
    tenant, enabled = _current_tenant()
    on = on or datetime.now(TIMEZONE).date()
    answers = hooks_for(tenant, enabled).legal_aid_status(tenant=tenant, person_id=person_id,
                                                          on=on)
    for answer in answers:
        if isinstance(answer, LegalAidStatus) and answer.holds:
            return answer
    return None


def holds_legal_aid(person_id: int, on: date | None = None) -> bool:
    """``legal_aid_status(person_id, on) is not None``."""
    return legal_aid_status(person_id, on) is not None
