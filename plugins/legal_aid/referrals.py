"""Referrals into the legal aid line (转介): a matter another line hands over — a 12348
hotline call, a party a mediation committee sends — becomes a consultation (法律咨询) marked
"to follow up" at the tenant's legal aid centre.

Where it lands: the active legal aid centre (the first by code when there are several);
a county that has not set one up in its org units gets it at the bureau (the root unit),
where the county-wide legal aid staff see it. The referring user need not hold any legal
aid permission (the hook contract): they are recorded as the referrer, never as the
handler, and the centre answers the consultation on its page.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.sdk import OrgUnit, OrgUnitType, db, hookimpl, people, plugin_manager, referrals
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models import Consultation
from plugins.legal_aid.models.enums import Channel, ConsultationOutcome, label

TARGET = "legal_aid.consultation"
# The referring line's name -> how the matter reached the centre; anything else came
# through a workstation (a station, a committee, a court…).
CHANNELS = {"hotline": Channel.HOTLINE}

NAME_MAX = 50  # Consultation.visitor_name
PHONE_MAX = 30
REFERENCE_MAX = 60
SOURCE_MAX = 40


def receiving_unit() -> OrgUnit | None:
    """The unit a referred matter lands at: the legal aid centre, else the bureau."""
    centre = db.session.scalar(
        select(OrgUnit).where(OrgUnit.active.is_(True),
                              OrgUnit.unit_type == OrgUnitType.LEGAL_AID_CENTRE)
        .order_by(OrgUnit.code, OrgUnit.id).limit(1))
    if centre is not None:
        return centre
    return db.session.scalar(
        select(OrgUnit).where(OrgUnit.active.is_(True), OrgUnit.parent_id.is_(None))
        .order_by(OrgUnit.id).limit(1))


def source_title(source: str) -> str:
    """The referring plugin's title (its name when it is not loaded any more)."""
    record = plugin_manager().records.get(source) if source else None
    info = getattr(record, "info", None)
    return str(info.title) if info is not None else source


def _category(text: str) -> MatterCategory | None:
    """The legal aid category the source's free-text category names, if it names one."""
    text = (text or "").strip().lower()
    if not text:
        return None
    for category in MatterCategory:
        if text in (category.value, str(label(category)).lower()):
            return category
    return None


@hookimpl
def referral_targets(tenant: Any, user: Any) -> list[referrals.ReferralTarget]:
    if receiving_unit() is None:
        return []
    return [referrals.ReferralTarget(
        key=TARGET, title=_l("Legal aid centre"),
        description=_l("Recorded as a 12348 hotline consultation for the centre to follow "
                       "up"),
        weight=10)]


@hookimpl
def accept_referral(tenant: Any, user: Any,
                    referral: referrals.Referral) -> referrals.ReferralReceipt | None:
    if referral.target != TARGET:
        return None
    summary = (referral.summary or "").strip()
    if not summary:
        raise referrals.ReferralRefused(_("The legal aid centre needs a summary of the matter."))
    unit = receiving_unit()
    if unit is None:
        raise referrals.ReferralRefused(_("No legal aid centre is set up to receive the "
                                          "matter: ask the administrator to add it to the "
                                          "org units."))
    person = None
    if referral.person_id is not None:
        person = people.get(referral.person_id)
        if person is None:
            raise referrals.ReferralRefused(_("The person referred is not in the people "
                                              "registry."))
    question = summary
    if (referral.note or "").strip():
        question += "\n" + _("Note from the referrer: %(note)s", note=referral.note.strip())
    consultation = Consultation(
        channel=CHANNELS.get(referral.source, Channel.WORKSTATION),
        consulted_on=referral.received_on, org_unit_id=unit.id,
        person_id=person.id if person is not None else None,
        visitor_name=(referral.name or "").strip()[:NAME_MAX],
        visitor_phone=(referral.phone or "").strip()[:PHONE_MAX],
        category=_category(referral.category), question=question,
        outcome=ConsultationOutcome.PENDING,
        referred_from=(referral.source or "")[:SOURCE_MAX],
        referral_reference=(referral.reference or "")[:REFERENCE_MAX],
        referred_by_id=getattr(user, "id", None))
    db.session.add(consultation)
    db.session.flush()  # the id for the receipt; the referring line commits both sides
    return referrals.ReferralReceipt(
        target=TARGET, record_id=consultation.id,
        number=_("Consultation of %(date)s", date=consultation.consulted_on.isoformat()),
        title=_l("Consultation"), endpoint="legal_aid.consultation_detail",
        url_values={"consultation_id": consultation.id})
