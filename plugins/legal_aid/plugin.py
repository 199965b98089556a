"""Plugin registration of 法律援助: metadata, permissions, role templates and hooks.

Hook implementations that need more than a few lines live in their own modules
(``hooks.py``, ``metrics.py``, ``documents.py``, ``demo.py``) and are re-exported here, the
module the entry point names.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.sdk import NavItem, Permission, PluginInfo, RoleTemplate, has_permission, hookimpl
from core.sdk import numbering as numbering_api
from plugins.legal_aid.demo import demo_data, scale_template
from plugins.legal_aid.documents import document_templates
from plugins.legal_aid.hooks import (
    dashboard_cards,
    deadlines,
    legal_aid_status,
    person_records,
    tenant_activity,
)
from plugins.legal_aid.metrics import report_metrics
from plugins.legal_aid.permissions import (
    CASE_ASSIGN,
    CASE_DECIDE,
    CASE_HANDLE,
    CASE_INTAKE,
    CASE_REVIEW,
    CASE_VIEW,
    CASE_VIEW_ASSIGNED,
    CONSULTATION_EDIT,
    CONSULTATION_VIEW,
    OBJECTION_DECIDE,
    PROVIDER_MANAGE,
    PROVIDER_VIEW,
    QUALITY_EDIT,
    REPORT_VIEW,
    SUBSIDY_VIEW,
)
from plugins.legal_aid.referrals import accept_referral, referral_targets
from plugins.legal_aid.settings import LegalAidSettingsSchema
from plugins.legal_aid.workflow import (
    ASSIGNMENT_SERIES,
    CASE_SERIES,
    DECISION_SERIES,
    TERMINATION_SERIES,
)

# Hook implementations kept beside what they serve, re-exported so that pluggy finds them
# on this module (the one the entry point names).
__all__ = ["accept_referral", "dashboard_cards", "deadlines", "demo_data", "scale_template",
           "document_templates", "legal_aid_status", "person_records", "plugin_info",
           "referral_targets", "report_metrics", "tenant_activity"]

plugin_info = PluginInfo(
    name="legal_aid",
    title=_l("Legal aid"),
    description=_l("Consultations on every channel, applications with an explainable "
                   "eligibility review, the statute's deadlines, assignment from the "
                   "provider pool or by the applicant's choice, case handling to closure, "
                   "subsidies and the 1122 quality mechanism."),
    vendor="Fatong",
    requires_core=">=0.1,<1",
    settings_schema=LegalAidSettingsSchema,
)

numbering_api.register_series(CASE_SERIES, "（{year}）{abbr}法援字第{n}号", _l("Legal aid case"))
numbering_api.register_series(DECISION_SERIES, "{abbr}法援决字〔{year}〕{n}号",
                              _l("Legal aid decision"))
numbering_api.register_series(ASSIGNMENT_SERIES, "{abbr}法援指字〔{year}〕{n}号",
                              _l("Legal aid assignment notice"))
numbering_api.register_series(TERMINATION_SERIES, "{abbr}法援终字〔{year}〕{n}号",
                              _l("Legal aid termination decision"))


@hookimpl
def register_blueprints(app):
    from plugins.legal_aid.views import bp

    return [bp]


@hookimpl
def register_permissions():
    return [
        Permission(CONSULTATION_VIEW, _l("See legal aid consultations")),
        Permission(CONSULTATION_EDIT, _l("Record legal aid consultations")),
        Permission(CASE_VIEW, _l("See legal aid applications and cases")),
        Permission(CASE_VIEW_ASSIGNED, _l("See the legal aid cases assigned to oneself")),
        Permission(CASE_INTAKE, _l("Register applications and notices, materials and "
                                   "withdrawals")),
        Permission(CASE_DECIDE, _l("Decide whether to grant legal aid, and terminate it")),
        Permission(CASE_ASSIGN, _l("Assign and replace legal aid providers")),
        Permission(CASE_HANDLE, _l("Handle a case: agreement, progress, ending, closure "
                                   "materials")),
        Permission(CASE_REVIEW, _l("Review closed cases, set subsidies, archive")),
        Permission(OBJECTION_DECIDE, _l("Decide objections to legal aid decisions (the "
                                        "bureau)")),
        Permission(QUALITY_EDIT, _l("Record quality checks, follow-ups and complaints")),
        Permission(PROVIDER_VIEW, _l("See the legal aid provider pool")),
        Permission(PROVIDER_MANAGE, _l("Manage the legal aid provider pool")),
        Permission(REPORT_VIEW, _l("See legal aid statistics")),
        Permission(SUBSIDY_VIEW, _l("See and export legal aid subsidies")),
    ]


@hookimpl
def role_templates():
    intake = (CONSULTATION_VIEW, CONSULTATION_EDIT, CASE_VIEW, CASE_INTAKE, PROVIDER_VIEW,
              "core.person.view")
    reviewer = (*intake, CASE_DECIDE, CASE_ASSIGN, CASE_HANDLE, QUALITY_EDIT)
    lawyer = (CASE_VIEW_ASSIGNED, CASE_HANDLE)
    director = (*reviewer, CASE_REVIEW, OBJECTION_DECIDE, PROVIDER_MANAGE, REPORT_VIEW,
                SUBSIDY_VIEW, "core.statistics.view")
    return [
        RoleTemplate("legal_aid_intake", _l("Legal aid centre: intake"), intake,
                     _l("Receives consultations, applications and notices (受理).")),
        RoleTemplate("legal_aid_reviewer", _l("Legal aid centre: review"), reviewer,
                     _l("Reviews applications, decides, assigns and checks quality (审查).")),
        RoleTemplate("legal_aid_lawyer", _l("Legal aid provider"), lawyer,
                     _l("A lawyer or legal service worker of the pool (承办律师): sees only "
                        "the cases assigned to them. Link the user on the provider's page.")),
        RoleTemplate("legal_aid_director", _l("Legal aid centre director"), director,
                     _l("The centre's director (中心主任): everything in the line, closure "
                        "review, subsidies, statistics.")),
        RoleTemplate("leader", _l("Bureau leader"), (CASE_VIEW, CONSULTATION_VIEW,
                                                     REPORT_VIEW, SUBSIDY_VIEW)),
    ]


@hookimpl
def nav_items(tenant, user):
    group = _l("Legal aid")
    items = []
    if has_permission(CONSULTATION_VIEW, user):
        items.append(NavItem(title=_l("Consultations"), endpoint="legal_aid.consultations",
                             weight=40, icon="telephone", group=group))
    if has_permission(CASE_VIEW, user) or has_permission(CASE_VIEW_ASSIGNED, user):
        items.append(NavItem(title=_l("Legal aid cases"), endpoint="legal_aid.cases",
                             weight=41, icon="briefcase", group=group))
    if has_permission(PROVIDER_VIEW, user):
        items.append(NavItem(title=_l("Provider pool"), endpoint="legal_aid.providers",
                             weight=42, icon="person-badge", group=group))
    if has_permission(QUALITY_EDIT, user):
        items.append(NavItem(title=_l("Case quality"), endpoint="legal_aid.quality",
                             weight=43, icon="clipboard-check", group=group))
    if has_permission(SUBSIDY_VIEW, user):
        items.append(NavItem(title=_l("Legal aid subsidies"), endpoint="legal_aid.subsidies",
                             weight=44, icon="cash-coin", group=group))
    return items
