"""Plugin registration of 人民调解: metadata, permissions, role templates and hooks.

Hook implementations that need more than a few lines live in their own modules
(``hooks.py``, ``metrics.py``, ``documents.py``, ``demo.py``) and are re-exported here, the
module the entry point names.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.sdk import NavItem, Permission, PluginInfo, RoleTemplate, has_permission, hookimpl
from core.sdk import numbering as numbering_api
from plugins.mediation.demo import demo_data, scale_template
from plugins.mediation.documents import document_templates
from plugins.mediation.hooks import (
    dashboard_cards,
    deadlines,
    person_records,
    tenant_activity,
)
from plugins.mediation.metrics import report_metrics
from plugins.mediation.permissions import (
    CASE_EDIT,
    CASE_MANAGE,
    CASE_VIEW,
    COMMITTEE_MANAGE,
    COMMITTEE_VIEW,
    REPORT_VIEW,
    SUBSIDY_VIEW,
)
from plugins.mediation.referrals import accept_referral, referral_targets
from plugins.mediation.settings import MediationSettingsSchema
from plugins.mediation.workflow import CASE_SERIES

# Hook implementations kept beside what they serve, re-exported so that pluggy finds them
# on this module (the one the entry point names).
__all__ = ["accept_referral", "dashboard_cards", "deadlines", "demo_data", "document_templates",
           "person_records", "plugin_info", "referral_targets", "report_metrics",
           "scale_template", "tenant_activity"]

plugin_info = PluginInfo(
    name="mediation",
    title=_l("People's mediation"),
    description=_l("Mediation committees and mediators, dispute screening, cases from "
                   "intake to agreement, judicial confirmation and archive, case subsidies "
                   "and risk analysis."),
    vendor="Fatong",
    requires_core=">=0.1,<1",
    settings_schema=MediationSettingsSchema,
)

numbering_api.register_series(CASE_SERIES, "（{year}）{abbr}人调字第{n}号",
                              _l("Mediation case"))


@hookimpl
def register_blueprints(app):
    from plugins.mediation.views import bp

    return [bp]


@hookimpl
def register_permissions():
    return [
        Permission(CASE_VIEW, _l("See mediation cases and screening records")),
        Permission(CASE_EDIT, _l("Register cases and screening, record sessions, agreements "
                                 "and visits")),
        Permission(CASE_MANAGE, _l("Accept, decline, close and archive mediation cases")),
        Permission(COMMITTEE_VIEW, _l("See mediation committees and mediators")),
        Permission(COMMITTEE_MANAGE, _l("Manage mediation committees, mediators and dispute "
                                        "types")),
        Permission(REPORT_VIEW, _l("See mediation statistics and risk analysis")),
        Permission(SUBSIDY_VIEW, _l("See and export case subsidies (以案定补)")),
    ]


@hookimpl
def role_templates():
    mediator = (CASE_VIEW, CASE_EDIT, COMMITTEE_VIEW)
    # The line's statistics page and the places registry are core's.
    station = (*mediator, CASE_MANAGE, REPORT_VIEW, "core.statistics.view", "core.places.view")
    section = (*station, COMMITTEE_MANAGE, SUBSIDY_VIEW)
    return [
        RoleTemplate("mediation_mediator", _l("Mediator"), mediator,
                     _l("A committee's mediator: grant it on the committee's org unit.")),
        RoleTemplate("mediation_station", _l("Station mediation officer"), station,
                     _l("Runs mediation for a justice station: grant it on the station.")),
        RoleTemplate("mediation_section", _l("Bureau mediation section"), section,
                     _l("The bureau's mediation section (调解科): committees, subsidies, "
                        "analysis across the county.")),
        RoleTemplate("leader", _l("Bureau leader"), (CASE_VIEW, COMMITTEE_VIEW, REPORT_VIEW,
                                                     SUBSIDY_VIEW)),
    ]


@hookimpl
def plugin_enabled(tenant):
    from plugins.mediation.codes import seed_dispute_types

    seed_dispute_types()


@hookimpl
def nav_items(tenant, user):
    items = []
    if has_permission(CASE_VIEW, user):
        items.append(NavItem(title=_l("Mediation cases"), endpoint="mediation.cases",
                             weight=30, icon="people", group=_l("People's mediation")))
        items.append(NavItem(title=_l("Dispute screening"), endpoint="mediation.screenings",
                             weight=31, icon="search", group=_l("People's mediation")))
    if has_permission(COMMITTEE_VIEW, user):
        items.append(NavItem(title=_l("Committees"), endpoint="mediation.committees",
                             weight=32, icon="diagram-3", group=_l("People's mediation")))
    if has_permission(REPORT_VIEW, user):
        items.append(NavItem(title=_l("Risk analysis"), endpoint="mediation.risk",
                             weight=33, icon="graph-up-arrow", group=_l("People's mediation")))
    if has_permission(SUBSIDY_VIEW, user):
        items.append(NavItem(title=_l("Case subsidies"), endpoint="mediation.subsidies",
                             weight=34, icon="cash-coin", group=_l("People's mediation")))
    return items
