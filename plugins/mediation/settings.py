"""The mediation line's tenant settings (namespace ``mediation``), edited on the bureau's
settings page: 以案定补 rates, reminders and the risk-analysis threshold."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.sdk import SettingsProxy, tenant_settings
from plugins.mediation.models.enums import Difficulty

NAMESPACE = "mediation"

_RATE = {"validate": validate.Range(min=0, max=100000), "places": 2, "as_string": True}


class MediationSettingsSchema(Schema):
    subsidy_simple = fields.Decimal(
        load_default=Decimal("50"), **_RATE,
        metadata={"label": _l("Case subsidy: simple case (yuan)"),
                  "description": _l("以案定补: paid per case that reached an agreement.")})
    subsidy_ordinary = fields.Decimal(
        load_default=Decimal("100"), **_RATE,
        metadata={"label": _l("Case subsidy: ordinary case (yuan)")})
    subsidy_difficult = fields.Decimal(
        load_default=Decimal("300"), **_RATE,
        metadata={"label": _l("Case subsidy: difficult case (yuan)")})
    subsidy_major = fields.Decimal(
        load_default=Decimal("500"), **_RATE,
        metadata={"label": _l("Case subsidy: major case (yuan)")})
    subsidy_oral_share = fields.Integer(
        load_default=50, validate=validate.Range(min=0, max=100),
        metadata={"label": _l("Oral agreements: share of the rate (%)"),
                  "description": _l("Oral agreements are usually simpler; 100 pays them in "
                                    "full.")})
    subsidy_failed_share = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=100),
        metadata={"label": _l("Cases without agreement: share of the rate (%)"),
                  "description": _l("Some counties pay part of the rate for a case mediated "
                                    "without success; 0 pays nothing.")})
    acceptance_days = fields.Integer(
        load_default=3, validate=validate.Range(min=1, max=30),
        metadata={"label": _l("Working days to decide on an application"),
                  "description": _l("An application not accepted or declined in this time "
                                    "shows in the deadlines centre.")})
    visit_days = fields.Integer(
        load_default=30, validate=validate.Range(min=1, max=180),
        metadata={"label": _l("Days after an agreement for the return visit")})
    feedback_days = fields.Integer(
        load_default=5, validate=validate.Range(min=1, max=30),
        metadata={"label": _l("Working days to report a referred case's result back"),
                  "description": _l("To the court, police or petition office that referred "
                                    "it.")})
    risk_jump_percent = fields.Integer(
        load_default=50, validate=validate.Range(min=10, max=1000),
        metadata={"label": _l("Risk analysis: flag a rise of at least (%)"),
                  "description": _l("A place whose disputes rose this much over the previous "
                                    "period is flagged.")})
    risk_min_count = fields.Integer(
        load_default=3, validate=validate.Range(min=1, max=100),
        metadata={"label": _l("Risk analysis: only for places with at least (disputes)")})


RATE_FIELDS = {
    Difficulty.SIMPLE: "subsidy_simple",
    Difficulty.ORDINARY: "subsidy_ordinary",
    Difficulty.DIFFICULT: "subsidy_difficult",
    Difficulty.MAJOR: "subsidy_major",
}


def mediation_settings() -> SettingsProxy:
    """The current tenant's mediation settings."""
    return tenant_settings(NAMESPACE, MediationSettingsSchema)
