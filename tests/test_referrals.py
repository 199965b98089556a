"""Referrals between service lines (core.sdk.referrals), with throwaway plugins: targets come
from the tenant's enabled plugins only, in weight order; ``refer`` asks the plugins as a
first-result hook and refuses what no enabled plugin offers or what is not a receipt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask

from core import __version__
from core.app import builtin_modules
from core.db import db
from core.plugins.manager import module_source
from core.sdk import Tenant, disable_plugin, enable_plugin, referrals, tenant_context
from tenants import plugin as tenants_plugin

from conftest import TenantFixture, make_app
from testkit_plugins import CALLS, calls_of
from testkit_plugins import referrals as kit


@pytest.fixture
def kit_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """Core's modules plus the two kit plugins (no bundled line: they would answer too)."""
    sources = [module_source(m, version=__version__)
               for m in [*builtin_modules(), tenants_plugin]]
    sources += [module_source(kit, builtin=False), module_source(kit.sloppy, builtin=False)]
    application = make_app(database_url, PLUGIN_SOURCES=sources)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    CALLS.clear()


def _toggle(app: Flask, tenant: TenantFixture, name: str, on: bool = True) -> None:
    with app.app_context():
        (enable_plugin if on else disable_plugin)(db.session.get(Tenant, tenant.id), name)
        db.session.commit()


def _targets(app: Flask, tenant: TenantFixture) -> list[str]:
    with app.app_context(), tenant_context(tenant.id):
        return [target.key for target in referrals.targets(None)]


def _referral(target: str, **fields) -> referrals.Referral:
    values = {"target": target, "source": "kit_source", "summary": "A matter",
              "received_on": date(2026, 3, 5), "reference": "R1"}
    values.update(fields)
    return referrals.Referral(**values)


def _refer(app: Flask, tenant: TenantFixture, referral: referrals.Referral):
    with app.app_context(), tenant_context(tenant.id):
        return referrals.refer(referral, user=None)


def test_targets_come_from_enabled_plugins_only_in_weight_order(kit_app, tenant_a) -> None:
    assert _targets(kit_app, tenant_a) == []
    assert calls_of(kit.NAME) == [] and calls_of(kit.SLOPPY_NAME) == []

    _toggle(kit_app, tenant_a, kit.NAME)
    # Same weight: by key.
    assert _targets(kit_app, tenant_a) == [kit.CASE, kit.LEAD]
    assert calls_of(kit.SLOPPY_NAME) == []

    _toggle(kit_app, tenant_a, kit.SLOPPY_NAME)
    assert _targets(kit_app, tenant_a) == [kit.SLOPPY, kit.CASE, kit.LEAD]

    _toggle(kit_app, tenant_a, kit.NAME, on=False)
    assert _targets(kit_app, tenant_a) == [kit.SLOPPY]


def test_targets_are_per_tenant(kit_app, tenant_a, tenant_b) -> None:
    _toggle(kit_app, tenant_a, kit.NAME)
    assert _targets(kit_app, tenant_a) == [kit.CASE, kit.LEAD]
    assert _targets(kit_app, tenant_b) == []


def test_refer_returns_the_one_receipt_of_the_plugin_that_answers(kit_app, tenant_a) -> None:
    _toggle(kit_app, tenant_a, kit.NAME)
    _toggle(kit_app, tenant_a, kit.SLOPPY_NAME)
    CALLS.clear()

    receipt = _refer(kit_app, tenant_a, _referral(kit.LEAD, reference="RX9"))

    # First result: a single receipt, not a list of every plugin's answer.
    assert isinstance(receipt, referrals.ReferralReceipt)
    assert (receipt.target, receipt.number, receipt.record_id) == (kit.LEAD, "KIT-RX9", 42)
    assert calls_of(kit.NAME)[-1] == ("accept_referral", kit.LEAD)
    # The other plugin, when asked at all, said None for a target not its own.
    assert calls_of(kit.SLOPPY_NAME).count(("accept_referral", kit.LEAD)) <= 1


def test_a_target_no_enabled_plugin_offers_is_refused(kit_app, tenant_a) -> None:
    with pytest.raises(referrals.ReferralRefused):
        _refer(kit_app, tenant_a, _referral(kit.CASE))
    with pytest.raises(referrals.ReferralRefused):
        _refer(kit_app, tenant_a, _referral("nobody.nothing"))
    # A disabled plugin is never asked to accept.
    assert ("accept_referral", kit.CASE) not in calls_of(kit.NAME)

    _toggle(kit_app, tenant_a, kit.NAME)
    _toggle(kit_app, tenant_a, kit.NAME, on=False)
    CALLS.clear()
    with pytest.raises(referrals.ReferralRefused):
        _refer(kit_app, tenant_a, _referral(kit.CASE))
    assert calls_of(kit.NAME) == []


def test_an_answer_that_is_not_a_receipt_is_refused(kit_app, tenant_a) -> None:
    _toggle(kit_app, tenant_a, kit.SLOPPY_NAME)
    with pytest.raises(referrals.ReferralRefused):
        _refer(kit_app, tenant_a, _referral(kit.SLOPPY))
    assert ("accept_referral", kit.SLOPPY) in calls_of(kit.SLOPPY_NAME)


def test_the_receiving_plugin_may_refuse_with_its_own_message(kit_app, tenant_a) -> None:
    _toggle(kit_app, tenant_a, kit.NAME)
    with pytest.raises(referrals.ReferralRefused, match="Kit refuses this matter."):
        _refer(kit_app, tenant_a, _referral(kit.CASE, summary="refuse"))
