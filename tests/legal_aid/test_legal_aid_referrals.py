"""Referrals into legal aid (转介, ``legal_aid.consultation``): a matter another line hands
over becomes a consultation to follow up at the centre, which sees it in its list, reads
where it came from and answers it; refusals and a switched-off line refuse the referral."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from flask import Flask, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.sdk import (
    OrgUnit,
    Tenant,
    User,
    db,
    disable_plugin,
    referrals,
    tenant_context,
)
from core.testing import add_user
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models import Consultation
from plugins.legal_aid.models.enums import Channel, ConsultationOutcome

from legal_aid_support import in_world, login_as, world  # noqa: F401

TARGET = "legal_aid.consultation"
RECEIVED = date(2026, 3, 5)


def text(app: Flask, message: str, **values) -> str:
    with app.test_request_context():
        return html.escape(gettext(message, **values))


def referral(**fields) -> referrals.Referral:
    values = {"target": TARGET, "source": "hotline", "reference": "RX2026000012",
              "summary": "工地拖欠工资三个月，老板失联，想申请法律援助。",
              "received_on": RECEIVED, "name": "刘女士", "phone": "13900003333"}
    values.update(fields)
    return referrals.Referral(**values)


@pytest.fixture
def operator_id(app: Flask, world) -> int:
    """A 12348 operator: a user of the tenant holding no legal aid permission."""
    return add_user(app, world.tenant, "operator", display_name="钱话务员")


def refer(app: Flask, tenant_id: int, user_id: int | None,
          matter: referrals.Referral) -> referrals.ReferralReceipt:
    """``referrals.refer`` as the referring line calls it, then its commit."""
    with app.app_context(), tenant_context(tenant_id):
        user = db.session.get(User, user_id) if user_id else None
        receipt = referrals.refer(matter, user=user)
        db.session.commit()
        return receipt


def link(app: Flask, slug: str, receipt: referrals.ReferralReceipt) -> str:
    with app.test_request_context():
        return url_for(receipt.endpoint, tenant=slug, **receipt.url_values)


def test_a_hotline_referral_opens_a_consultation_at_the_centre(app, world, operator_id) -> None:
    receipt = refer(app, world.tenant.id, operator_id, referral())

    assert receipt.target == TARGET and receipt.endpoint == "legal_aid.consultation_detail"
    with in_world(app, world):
        consultation = db.session.get(Consultation, receipt.record_id)
        assert consultation.channel is Channel.HOTLINE
        assert consultation.consulted_on == RECEIVED
        assert consultation.org_unit_id == world.centre_id
        assert consultation.outcome is ConsultationOutcome.PENDING
        assert consultation.visitor_name == "刘女士"
        assert consultation.visitor_phone == "13900003333"
        assert consultation.question.startswith("工地拖欠工资三个月")
        assert (consultation.referred_from, consultation.referral_reference) == \
            ("hotline", "RX2026000012")
        # The referrer is recorded as such, never as the one who answered.
        assert consultation.referred_by_id == operator_id
        assert consultation.handled_by_id is None
        # Written like any other record: audited.
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.event == "record.create",
            AuditEvent.target_type == "legal_aid_consultation",
            AuditEvent.target_id == consultation.id)) == 1


def test_the_centre_sees_the_referred_consultation_and_answers_it(
        app, world, operator_id, login_as) -> None:
    receipt = refer(app, world.tenant.id, operator_id, referral())
    intake = login_as("intake")

    listing = intake.get(f"/t/{world.tenant.slug}/legal_aid/consultations/?outcome=pending")
    assert listing.status_code == 200
    rows = re.findall(r'data-consultation-id="(\d+)"', listing.get_data(as_text=True))
    assert rows == [str(receipt.record_id)]

    response = intake.get(link(app, world.tenant.slug, receipt))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="referral-origin" data-source="hotline" ' \
           'data-reference="RX2026000012"' in page
    assert "钱话务员" in page
    assert 'data-testid="follow-up"' in page
    assert 'data-outcome="pending"' in page

    # The workbench counts what the centre has to follow up.
    home = intake.get(f"/t/{world.tenant.slug}/").get_data(as_text=True)
    cards = dict(re.findall(
        r'<div class="text-secondary small">(.*?)</div>\s*<div class="fs-2 fw-semibold">'
        r'(\d+)</div>', home))
    assert cards[text(app, "Consultations to follow up")] == "1"

    answered = intake.post(
        f"/t/{world.tenant.slug}/legal_aid/consultations/{receipt.record_id}/follow-up",
        data={"answer": "已告知可申请法律援助及所需材料。", "outcome": "answered",
              "category": "labour_arbitration"})
    assert answered.status_code == 302
    with in_world(app, world):
        consultation = db.session.get(Consultation, receipt.record_id)
        assert consultation.outcome is ConsultationOutcome.ANSWERED
        assert consultation.answer == "已告知可申请法律援助及所需材料。"
        assert consultation.category is MatterCategory.LABOUR_ARBITRATION
        assert consultation.handled_by.username == "intake"
        assert consultation.referred_by_id == operator_id
    page = intake.get(link(app, world.tenant.slug, receipt)).get_data(as_text=True)
    assert 'data-testid="follow-up"' not in page and 'data-outcome="answered"' in page


def test_a_follow_up_needs_an_answer_and_the_right_to_record(
        app, world, operator_id, login_as) -> None:
    receipt = refer(app, world.tenant.id, operator_id, referral())
    url = f"/t/{world.tenant.slug}/legal_aid/consultations/{receipt.record_id}/follow-up"

    empty = login_as("intake").post(url, data={"answer": " ", "outcome": "answered"})
    assert empty.status_code == 422
    # The bureau leader sees consultations but does not record them.
    leader = login_as("leader")
    assert leader.get(link(app, world.tenant.slug, receipt)).status_code == 200
    assert leader.post(url, data={"answer": "x", "outcome": "answered"}).status_code == 403
    with in_world(app, world):
        assert db.session.get(Consultation, receipt.record_id).outcome \
            is ConsultationOutcome.PENDING


def test_a_referral_from_another_line_names_its_channel_and_person(
        app, world, operator_id) -> None:
    receipt = refer(app, world.tenant.id, operator_id, referral(
        source="mediation", reference="（2026）剑人调字第3号", name="", phone="",
        person_id=world.applicant_id, category="civil", note="调解不成，当事人拟起诉。"))
    with in_world(app, world):
        consultation = db.session.get(Consultation, receipt.record_id)
        assert consultation.channel is Channel.WORKSTATION
        assert consultation.person_id == world.applicant_id
        assert consultation.visitor == "张桂兰"
        assert consultation.category is MatterCategory.CIVIL
        assert "调解不成，当事人拟起诉。" in consultation.question


def test_without_a_centre_the_matter_lands_at_the_bureau(app, tenant_b) -> None:
    with app.app_context(), tenant_context(tenant_b.id):
        assert TARGET in [t.key for t in referrals.targets(None)]
        bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    receipt = refer(app, tenant_b.id, None, referral())
    with app.app_context(), tenant_context(tenant_b.id):
        assert db.session.get(Consultation, receipt.record_id).org_unit_id == bureau.id


def test_a_matter_the_centre_cannot_take_is_refused(app, world, operator_id) -> None:
    with in_world(app, world):
        operator = db.session.get(User, operator_id)
        with pytest.raises(referrals.ReferralRefused):
            referrals.refer(referral(summary="  "), user=operator)
        with pytest.raises(referrals.ReferralRefused):
            referrals.refer(referral(person_id=123456789), user=operator)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0


def test_a_tenant_with_legal_aid_off_is_not_offered_it(app, world, operator_id) -> None:
    with in_world(app, world):
        disable_plugin(db.session.get(Tenant, world.tenant.id), "legal_aid", actor="test")
        db.session.commit()
        assert TARGET not in [t.key for t in referrals.targets(None)]
        with pytest.raises(referrals.ReferralRefused):
            referrals.refer(referral(), user=db.session.get(User, operator_id))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0


def test_targets_list_legal_aid_before_mediation(app, world) -> None:
    with in_world(app, world):
        keys = [t.key for t in referrals.targets(None)]
    assert keys.index(TARGET) < keys.index("mediation.screening")
