"""Referrals into the mediation line (转介): a dispute another line hands over — a 12348
hotline call, say — becomes a dispute screening record (矛盾纠纷排查) under watch.

Where it lands: the bureau (the root org unit), where the mediation section (调解科, whose
role covers the county) sees every referred dispute and passes it on to the station or
committee concerned by editing the record (the record's own unit stays on offer there).
The dispute type is the active type whose name or code the source's category gives (or
whose name it contains), else the national "other" type. The referring user is recorded as
the record's author; the caller and the source's reference go into the summary, which is
what the committee reads.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.sdk import OrgUnit, db, hookimpl, people, plugin_manager, referrals
from plugins.mediation.codes import active_dispute_types
from plugins.mediation.models import DisputeType, Screening
from plugins.mediation.models.enums import ScreeningStatus

TARGET = "mediation.screening"
OTHER_CODE = "other"
REFERENCE_MAX = 60
SOURCE_MAX = 40


def receiving_unit() -> OrgUnit | None:
    """The bureau: the tenant's active root unit."""
    return db.session.scalar(
        select(OrgUnit).where(OrgUnit.active.is_(True), OrgUnit.parent_id.is_(None))
        .order_by(OrgUnit.id).limit(1))


def source_title(source: str) -> str:
    """The referring plugin's title (its name when it is not loaded any more)."""
    record = plugin_manager().records.get(source) if source else None
    info = getattr(record, "info", None)
    return str(info.title) if info is not None else source


def dispute_type_for(category: str, types: list[DisputeType] | None = None) -> DisputeType | None:
    """The active dispute type the source's free-text category names: same name or code,
    else the longest type name the category contains (婚姻家庭纠纷 -> 婚姻家庭), else
    "other"; None when even "other" is not active."""
    types = active_dispute_types() if types is None else types
    text = (category or "").strip().lower()
    if text:
        for dispute_type in types:
            if text in (dispute_type.name.lower(), dispute_type.code.lower()):
                return dispute_type
        contained = [t for t in types if t.code != OTHER_CODE and t.name.lower() in text]
        if contained:
            return max(contained, key=lambda t: len(t.name))
    return next((t for t in types if t.code == OTHER_CODE), None)


def _summary(referral: referrals.Referral, person_name: str) -> str:
    lines = [referral.summary.strip()]
    caller = person_name or (referral.name or "").strip()
    phone = (referral.phone or "").strip()
    if caller or phone:
        lines.append(_("Caller: %(name)s", name=" ".join(filter(None, (caller, phone)))))
    if (referral.note or "").strip():
        lines.append(_("Note from the referrer: %(note)s", note=referral.note.strip()))
    origin = source_title(referral.source)
    if referral.reference:
        lines.append(_("Referred from %(source)s, reference %(reference)s.", source=origin,
                       reference=referral.reference))
    else:
        lines.append(_("Referred from %(source)s.", source=origin))
    return "\n".join(lines)


@hookimpl
def referral_targets(tenant: Any, user: Any) -> list[referrals.ReferralTarget]:
    # Offered while the bureau and some dispute type are there to receive it; a category
    # that fits no type without an active "other" is refused at acceptance.
    if receiving_unit() is None or not active_dispute_types():
        return []
    return [referrals.ReferralTarget(
        key=TARGET, title=_l("People's mediation"),
        description=_l("Recorded as a dispute screening lead for the mediation section to "
                       "pass on to a station or committee"),
        weight=20)]


@hookimpl
def accept_referral(tenant: Any, user: Any,
                    referral: referrals.Referral) -> referrals.ReferralReceipt | None:
    if referral.target != TARGET:
        return None
    if not (referral.summary or "").strip():
        raise referrals.ReferralRefused(_("Mediation needs a summary of the dispute."))
    unit = receiving_unit()
    dispute_type = dispute_type_for(referral.category)
    if unit is None:
        raise referrals.ReferralRefused(_("People's mediation cannot receive the dispute: "
                                          "the bureau has no active org unit."))
    if dispute_type is None:
        raise referrals.ReferralRefused(_("No active dispute type fits this dispute and the "
                                          "type Other is switched off: ask the mediation "
                                          "section to switch it on."))
    person_name = ""
    if referral.person_id is not None:
        person = people.get(referral.person_id)
        if person is None:
            raise referrals.ReferralRefused(_("The person referred is not in the people "
                                              "registry."))
        person_name = person.name
    screening = Screening(
        org_unit_id=unit.id, screened_on=referral.received_on,
        dispute_type_id=dispute_type.id, summary=_summary(referral, person_name),
        status=ScreeningStatus.WATCHING,
        referred_from=(referral.source or "")[:SOURCE_MAX],
        referral_reference=(referral.reference or "")[:REFERENCE_MAX],
        created_by_id=getattr(user, "id", None))
    db.session.add(screening)
    db.session.flush()  # the id for the receipt; the referring line commits both sides
    return referrals.ReferralReceipt(
        target=TARGET, record_id=screening.id,
        number=_("Screening record of %(date)s", date=screening.screened_on.isoformat()),
        title=_l("Dispute screening"), endpoint="mediation.screening_detail",
        url_values={"screening_id": screening.id})
