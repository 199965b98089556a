"""The legal aid line's tenant settings (namespace ``legal_aid``), edited on the bureau's
settings page: the province's economic-hardship standard (法律援助法 Art. 34) and the local
categories accepted without economic review (seed 000's poverty-alleviation list)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.sdk import SettingsProxy, tenant_settings
from plugins.legal_aid.eligibility import LocalCategory, Policy
from plugins.legal_aid.matters import MatterCategory

NAMESPACE = "legal_aid"


def _direct(default: bool, label: Any, description: Any = "") -> fields.Boolean:
    return fields.Boolean(load_default=default,
                          metadata={"label": label, "description": description})


def _rate(default: int, label: Any, description: Any = "") -> fields.Decimal:
    return fields.Decimal(load_default=Decimal(default), places=2, as_string=True,
                          validate=validate.Range(min=0, max=100000),
                          metadata={"label": label, "description": description})


class LegalAidSettingsSchema(Schema):
    # No default: the standard is the province's (Art. 34) and changes over time; until it
    # is set the eligibility review asks for it rather than applying a made-up number.
    hardship_threshold = fields.Decimal(
        load_default=None, allow_none=True, places=2, as_string=True,
        validate=validate.Range(min=0, max=100000),
        metadata={"label": _l("Economic hardship standard: monthly income per head (yuan)"),
                  "description": _l("The province's standard (法律援助法 Art. 34). A "
                                    "household whose monthly income divided by its size is "
                                    "at or below it qualifies.")})
    direct_five_guarantees = _direct(
        True, _l("Accept without economic review: five-guarantee (五保/特困) households"))
    direct_minimum_living = _direct(
        True, _l("Accept without economic review: minimum living allowance (低保) or hardship "
                 "allowance recipients"))
    direct_welfare_institution = _direct(
        True, _l("Accept without economic review: people supported by the government in "
                 "welfare institutions"))
    direct_severe_disability_or_illness = _direct(
        True, _l("Accept without economic review: severe disability or serious illness "
                 "without a fixed source of living"))
    direct_military = _direct(
        True, _l("Accept without economic review: servicemen and their families"),
        _l("Conscripts and cadets, and servicemen on combat or major non-war missions, with "
           "their families."))
    direct_martyr_survivor = _direct(
        True, _l("Accept without economic review: survivors of martyrs and of servicemen who "
                 "died on duty or of illness"))
    direct_elderly = _direct(
        False, _l("Accept without economic review: elderly people"),
        _l("No national rule exempts the elderly as such; some provinces do, from the age "
           "below."))
    elderly_age = fields.Integer(
        load_default=70, validate=validate.Range(min=60, max=120),
        metadata={"label": _l("Elderly people: from the age of"),
                  "description": _l("Counts only when elderly people are accepted without "
                                    "economic review.")})
    supplement_days = fields.Integer(
        load_default=15, validate=validate.Range(min=1, max=90),
        metadata={"label": _l("Days the applicant has to supply missing materials"),
                  "description": _l("Counted from the notice listing them (一次性告知). An "
                                    "application not completed in time counts as withdrawn "
                                    "(法律援助法 Art. 43).")})
    review_days = fields.Integer(
        load_default=30, validate=validate.Range(min=1, max=90),
        metadata={"label": _l("Days to review the closure materials"),
                  "description": _l("From receiving the materials to the closure review "
                                    "and the subsidy.")})
    subsidy_criminal_defence = _rate(800, _l("Subsidy: criminal defence (yuan)"),
                                     _l("The province's standard per case (Art. 52), set "
                                        "by the bureau."))
    subsidy_criminal_representation = _rate(600, _l("Subsidy: criminal representation "
                                                     "(yuan)"))
    subsidy_civil = _rate(800, _l("Subsidy: civil case (yuan)"))
    subsidy_administrative = _rate(800, _l("Subsidy: administrative case (yuan)"))
    subsidy_state_compensation = _rate(800, _l("Subsidy: state compensation (yuan)"))
    subsidy_labour_arbitration = _rate(600, _l("Subsidy: labour arbitration (yuan)"))
    subsidy_non_litigation = _rate(300, _l("Subsidy: non-litigation matter (yuan)"))
    subsidy_excellent_percent = fields.Integer(
        load_default=120, validate=validate.Range(min=0, max=300),
        metadata={"label": _l("Subsidy for a case graded excellent (percent of the rate)")})
    subsidy_unqualified_percent = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=100),
        metadata={"label": _l("Subsidy for a case graded unqualified (percent of the rate)"),
                  "description": _l("0 pays nothing until the work is put right.")})


# Which boolean setting switches each local category on.
CATEGORY_FIELDS = {
    LocalCategory.FIVE_GUARANTEES: "direct_five_guarantees",
    LocalCategory.MINIMUM_LIVING: "direct_minimum_living",
    LocalCategory.WELFARE_INSTITUTION: "direct_welfare_institution",
    LocalCategory.SEVERE_DISABILITY_OR_ILLNESS: "direct_severe_disability_or_illness",
    LocalCategory.MILITARY: "direct_military",
    LocalCategory.MARTYR_SURVIVOR: "direct_martyr_survivor",
    LocalCategory.ELDERLY: "direct_elderly",
}


# The subsidy rate of each matter category.
RATE_FIELDS = {category: f"subsidy_{category.value}" for category in MatterCategory}


def policy_from_settings(values: Mapping[str, Any]) -> Policy:
    """The eligibility engine's :class:`Policy` from the stored settings (defaults included)."""
    threshold = values.get("hardship_threshold")
    return Policy(
        threshold=None if threshold is None else Decimal(str(threshold)),
        direct_categories=frozenset(category for category, name in CATEGORY_FIELDS.items()
                                    if values.get(name)),
        elderly_age=int(values.get("elderly_age") or 70))


def legal_aid_settings() -> SettingsProxy:
    """The current tenant's legal aid settings."""
    return tenant_settings(NAMESPACE, LegalAidSettingsSchema)


def current_policy() -> Policy:
    """The current tenant's eligibility policy."""
    return policy_from_settings(legal_aid_settings().get_all())
