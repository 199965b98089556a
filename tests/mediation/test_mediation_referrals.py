"""Referrals into people's mediation (转介, ``mediation.screening``): a dispute another line
hands over becomes a screening record under watch at the bureau, typed from the source's
category; the mediation section sees it, reads where it came from and passes it on to a
station; refusals and a switched-off line refuse the referral."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask, url_for
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.sdk import OrgUnit, Tenant, User, db, disable_plugin, referrals, tenant_context
from core.testing import add_user
from plugins.mediation.models import DisputeType, Screening
from plugins.mediation.models.enums import RiskLevel, ScreeningStatus

from mediation_support import login_as, world  # noqa: F401

TARGET = "mediation.screening"
RECEIVED = date(2026, 3, 5)


def referral(**fields) -> referrals.Referral:
    values = {"target": TARGET, "source": "hotline", "reference": "RX2026000031",
              "summary": "与邻居因宅基地边界争执，对方扬言要动手。",
              "received_on": RECEIVED, "name": "王先生", "phone": "13800001111",
              "category": "房屋宅基地纠纷"}
    values.update(fields)
    return referrals.Referral(**values)


@pytest.fixture
def operator_id(app: Flask, world) -> int:
    """A 12348 operator: a user of the tenant holding no mediation permission."""
    return add_user(app, world.tenant, "operator", display_name="钱话务员")


def in_tenant(app: Flask, tenant_id: int):
    from contextlib import ExitStack

    stack = ExitStack()
    stack.enter_context(app.app_context())
    stack.enter_context(tenant_context(tenant_id))
    return stack


def refer(app: Flask, tenant_id: int, user_id: int | None,
          matter: referrals.Referral) -> referrals.ReferralReceipt:
    """``referrals.refer`` as the referring line calls it, then its commit."""
    with in_tenant(app, tenant_id):
        user = db.session.get(User, user_id) if user_id else None
        receipt = referrals.refer(matter, user=user)
        db.session.commit()
        return receipt


def link(app: Flask, slug: str, receipt: referrals.ReferralReceipt) -> str:
    with app.test_request_context():
        return url_for(receipt.endpoint, tenant=slug, **receipt.url_values)


def type_code(dispute_type_id: int) -> str:
    return db.session.get(DisputeType, dispute_type_id).code


def test_a_hotline_referral_opens_a_screening_record_at_the_bureau(
        app, world, operator_id) -> None:
    receipt = refer(app, world.tenant.id, operator_id, referral())

    assert receipt.target == TARGET and receipt.endpoint == "mediation.screening_detail"
    with in_tenant(app, world.tenant.id):
        screening = db.session.get(Screening, receipt.record_id)
        bureau = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
        assert screening.org_unit_id == bureau.id
        assert screening.screened_on == RECEIVED
        assert screening.status is ScreeningStatus.WATCHING
        assert screening.risk_level is RiskLevel.LOW
        # "房屋宅基地纠纷" contains the type name 房屋宅基地.
        assert type_code(screening.dispute_type_id) == "housing_homestead"
        assert screening.summary.startswith("与邻居因宅基地边界争执")
        assert "王先生 13800001111" in screening.summary
        assert "RX2026000031" in screening.summary
        assert (screening.referred_from, screening.referral_reference) == \
            ("hotline", "RX2026000031")
        assert screening.created_by_id == operator_id
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.event == "record.create",
            AuditEvent.target_type == "mediation_screening",
            AuditEvent.target_id == screening.id)) == 1


@pytest.mark.parametrize(("category", "code"), [
    ("邻里", "neighbourhood"),
    ("labour", "labour"),
    ("婚姻家庭纠纷", "marriage_family"),
    ("说不清的事", "other"),
    ("", "other"),
])
def test_the_dispute_type_follows_the_category(app, world, category, code) -> None:
    receipt = refer(app, world.tenant.id, None, referral(category=category))
    with in_tenant(app, world.tenant.id):
        assert type_code(db.session.get(Screening, receipt.record_id).dispute_type_id) == code


def test_the_section_sees_it_and_passes_it_on_to_a_station(
        app, world, operator_id, login_as) -> None:
    receipt = refer(app, world.tenant.id, operator_id, referral())
    section = login_as("section")

    listing = section.get(f"/t/{world.tenant.slug}/mediation/screenings/")
    assert listing.status_code == 200
    assert f'data-screening-id="{receipt.record_id}"' in listing.get_data(as_text=True)
    response = section.get(link(app, world.tenant.slug, receipt))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="referral-origin" data-source="hotline" ' \
           'data-reference="RX2026000031"' in page
    assert "钱话务员" in page

    # A station does not see the bureau's records until the section passes it on.
    station = login_as("station")
    assert station.get(link(app, world.tenant.slug, receipt)).status_code == 404
    with in_tenant(app, world.tenant.id):
        screening = db.session.get(Screening, receipt.record_id)
        form = {"org_unit": world.station_id, "screened_on": RECEIVED.isoformat(),
                "place": "", "dispute_type": screening.dispute_type_id,
                "summary": screening.summary, "people_involved": "2", "risk_level": "medium",
                "status": "watching"}
    edited = section.post(
        f"/t/{world.tenant.slug}/mediation/screenings/{receipt.record_id}/edit", data=form)
    assert edited.status_code == 302
    assert station.get(link(app, world.tenant.slug, receipt)).status_code == 200
    with in_tenant(app, world.tenant.id):
        screening = db.session.get(Screening, receipt.record_id)
        assert screening.org_unit_id == world.station_id
        # Passing it on keeps where it came from.
        assert screening.referral_reference == "RX2026000031"


def test_a_dispute_mediation_cannot_take_is_refused(app, world) -> None:
    with in_tenant(app, world.tenant.id):
        with pytest.raises(referrals.ReferralRefused):
            referrals.refer(referral(summary=" "), user=None)
        with pytest.raises(referrals.ReferralRefused):
            referrals.refer(referral(person_id=123456789), user=None)
        # With "other" switched off, a category fitting no type has nowhere to go...
        other = db.session.scalar(select(DisputeType).where(DisputeType.code == "other"))
        other.active = False
        db.session.commit()
        with pytest.raises(referrals.ReferralRefused):
            referrals.refer(referral(category="说不清的事"), user=None)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 0
        # ...while one that fits a type still goes through.
        receipt = referrals.refer(referral(category="邻里"), user=None)
        assert type_code(db.session.get(Screening, receipt.record_id).dispute_type_id) == \
            "neighbourhood"


def test_a_tenant_with_mediation_off_is_not_offered_it(app, world) -> None:
    with in_tenant(app, world.tenant.id):
        disable_plugin(db.session.get(Tenant, world.tenant.id), "mediation", actor="test")
        db.session.commit()
        keys = [t.key for t in referrals.targets(None)]
        assert TARGET not in keys and "legal_aid.consultation" in keys
        with pytest.raises(referrals.ReferralRefused):
            referrals.refer(referral(), user=None)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 0


def test_targets_are_offered_in_order_with_titles(app, world) -> None:
    with app.test_request_context(), tenant_context(world.tenant.id):
        offered = [(t.key, str(t.title), str(t.description))
                   for t in referrals.targets(None)]
    assert [key for key, _title, _description in offered] == \
        ["legal_aid.consultation", "mediation.screening"]
    assert all(title and description for _key, title, description in offered)
