"""Referrals (转介) between service lines, without one plugin importing another
(exported from ``core.sdk`` as ``referrals``).

A 12348 hotline operator hands a caller's matter to the legal aid centre or to people's
mediation; a mediation committee sends a party to legal aid. The receiving plugin says where
it accepts matters (the ``referral_targets`` hook) and creates its own record for one (the
``accept_referral`` hook); the referring plugin only knows the target's key::

    from core.sdk import referrals

    for target in referrals.targets(user):            # what this tenant's lines accept
        ...
    receipt = referrals.refer(referrals.Referral(
        target="legal_aid.consultation", source="hotline", reference=call.number,
        summary=call.summary, person_id=call.person_id, received_on=call.received_on),
        user=current_user)
    call.referral_number = receipt.number               # keep the receiving record's number

Only plugins the current tenant has enabled are asked: with mediation off, its targets are
not offered and ``refer`` to one raises ``ReferralRefused``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from core.benefits import _current_tenant
from core.plugins.enablement import hooks_for

__all__ = ["Referral", "ReferralReceipt", "ReferralRefused", "ReferralTarget", "refer",
           "targets"]


@dataclass(frozen=True)
class ReferralTarget:
    """A kind of record a plugin opens for a referred matter (``referral_targets`` hook).

    ``key`` is ``<plugin>.<what>`` (``legal_aid.consultation``), ``title`` what the referring
    user picks (lazy-translated, e.g. "Legal aid centre (consultation to follow up)"),
    ``description`` one line on what happens next, ``weight`` orders the choices.
    """

    key: str
    title: Any
    description: Any = ""
    weight: int = 100

    @property
    def plugin(self) -> str:
        return self.key.partition(".")[0]


@dataclass(frozen=True)
class Referral:
    """A matter handed from one line to another.

    ``target`` a ``ReferralTarget.key``; ``source`` the referring plugin's name and
    ``reference`` its record's number (kept on the receiving record so both sides can be
    traced); ``person_id`` the person in the people registry, when known; ``name`` and
    ``phone`` as given when no person is linked; ``summary`` the matter in a few sentences;
    ``category`` a short free-text classification from the source; ``received_on`` when the
    matter came in; ``note`` anything the referring user adds for the receiver.
    """

    target: str
    source: str
    summary: str
    received_on: date
    reference: str = ""
    person_id: int | None = None
    name: str = ""
    phone: str = ""
    category: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReferralReceipt:
    """What the receiving plugin opened (``accept_referral`` hook's answer).

    ``record_id`` and ``number`` identify the new record (``number`` is what users quote: a
    case number, or the record's title when it has none yet); ``title`` names the kind of
    record ("法律咨询", "矛盾纠纷排查"); ``endpoint`` and ``url_values`` (tenant filled in
    by ``url_for``) link to it.
    """

    target: str
    record_id: int
    number: str
    title: Any
    endpoint: str
    url_values: dict[str, Any] = field(default_factory=dict)


class ReferralRefused(ValueError):
    """The referral cannot be accepted: unknown or disabled target, or the receiving line
    refuses it (its message says why, in the user's language)."""


def targets(user: Any) -> list[ReferralTarget]:
    """Every referral target the current tenant's enabled plugins offer, by weight."""
    tenant, enabled = _current_tenant()
    offered = hooks_for(tenant, enabled).referral_targets(tenant=tenant, user=user)
    found = [target for batch in offered for target in batch or []]
    return sorted(found, key=lambda target: (target.weight, target.key))


def refer(referral: Referral, *, user: Any) -> ReferralReceipt:
    """Have the plugin owning ``referral.target`` open its record; returns its receipt.

    The receiving plugin adds rows to the session; the caller commits with its own record
    (or rolls both back). Raises ``ReferralRefused`` when no enabled plugin accepts it.
    """
    tenant, enabled = _current_tenant()
    keys = {target.key for target in targets(user)}
    if referral.target not in keys:
        raise ReferralRefused(_l("This service line does not accept referrals here (it may "
                                 "have been switched off)."))
    receipt = hooks_for(tenant, enabled).accept_referral(tenant=tenant, user=user,
                                                         referral=referral)
    if not isinstance(receipt, ReferralReceipt):
        raise ReferralRefused(_l("The receiving service line did not accept the referral."))
    return receipt
