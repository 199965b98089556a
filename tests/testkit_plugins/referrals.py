"""Plugins for the referral tests (tests/test_referrals.py).

The module itself is ``kit_referrals``: it receives two kinds of record and answers with a
receipt (or refuses the one marked "refuse"). :data:`sloppy` is a second plugin
(``kit_referrals_sloppy``) offering a target whose ``accept_referral`` answers something
that is not a receipt.
"""

from __future__ import annotations

from types import ModuleType

from core.sdk import PluginInfo, hookimpl, referrals

from testkit_plugins import record

NAME = "kit_referrals"
SLOPPY_NAME = "kit_referrals_sloppy"
CASE = f"{NAME}.case"
LEAD = f"{NAME}.lead"
SLOPPY = f"{SLOPPY_NAME}.thing"

plugin_info = PluginInfo(
    name=NAME,
    title="Kit Referrals",
    description="A throwaway plugin that receives referred matters.",
    version="1.0.0",
    vendor="Testkit",
    requires_core=">=0.1,<1",
)


@hookimpl
def referral_targets(tenant, user):
    record(NAME, "referral_targets", tenant.slug)
    # Listed out of weight order on purpose (core sorts them).
    return [referrals.ReferralTarget(key=LEAD, title="Kit lead", weight=50),
            referrals.ReferralTarget(key=CASE, title="Kit case", weight=50)]


@hookimpl
def accept_referral(tenant, user, referral):
    record(NAME, "accept_referral", referral.target)
    if referral.target not in (CASE, LEAD):
        return None
    if referral.summary == "refuse":
        raise referrals.ReferralRefused("Kit refuses this matter.")
    return referrals.ReferralReceipt(
        target=referral.target, record_id=42, number=f"KIT-{referral.reference}",
        title="Kit record", endpoint="kit_referrals.record", url_values={"record_id": 42})


def _make_sloppy() -> ModuleType:
    # Built in a function so that kit_referrals does not itself carry these implementations
    # (pluggy registers every marked function found on a plugin).
    @hookimpl
    def referral_targets(tenant, user):
        record(SLOPPY_NAME, "referral_targets", tenant.slug)
        return [referrals.ReferralTarget(key=SLOPPY, title="Kit sloppy thing", weight=5)]

    @hookimpl
    def accept_referral(tenant, user, referral):
        record(SLOPPY_NAME, "accept_referral", referral.target)
        if referral.target != SLOPPY:
            return None
        return {"record_id": 7}  # not a ReferralReceipt

    module = ModuleType(f"{__name__}_sloppy")
    module.plugin_info = PluginInfo(
        name=SLOPPY_NAME, title="Kit Sloppy Referrals",
        description="A throwaway plugin answering referrals with something else.",
        version="1.0.0", vendor="Testkit", requires_core=">=0.1,<1")
    module.referral_targets = referral_targets
    module.accept_referral = accept_referral
    return module


sloppy = _make_sloppy()
