"""Plugin registration of the 12348 hotline: metadata, permissions, role templates, the call
numbering series, and the hook implementations (kept in hooks.py, stats.py and demo.py and
re-exported here, the module the ``fatong.plugins`` entry point names, so pluggy finds them).
"""

from __future__ import annotations

from core.sdk import Permission, PluginInfo, RoleTemplate, hookimpl
from core.sdk import numbering as numbering_api
from flask_babel import lazy_gettext as _l

from fatong_hotline.demo import demo_data
from fatong_hotline.hooks import (
    dashboard_cards,
    deadlines,
    nav_items,
    person_records,
    plugin_enabled,
    tenant_activity,
)
from fatong_hotline.permissions import (
    CALL_CREATE,
    CALL_REFER,
    CALL_VIEW,
    CATEGORY_MANAGE,
    PERSON_EDIT,
    PERSON_VIEW,
    STATS_VIEW,
)
from fatong_hotline.service import CALL_SERIES
from fatong_hotline.settings import HotlineSettingsSchema
from fatong_hotline.stats import report_metrics

__all__ = ["CALL_SERIES", "dashboard_cards", "deadlines", "demo_data", "nav_items",
           "person_records", "plugin_enabled", "plugin_info", "report_metrics",
           "tenant_activity"]

plugin_info = PluginInfo(
    name="hotline",
    title=_l("12348 hotline"),
    description=_l("The 12348 public legal service hotline's call log: callers from the "
                   "people registry, call categories, callbacks, referrals to legal aid or "
                   "mediation, monthly statistics."),
    vendor="Fatong examples",
    requires_core=">=0.1,<1",
    settings_schema=HotlineSettingsSchema,
)

# Per tenant and year: RX2026000012. A tenant may change the format on its settings page.
numbering_api.register_series(CALL_SERIES, "RX{year}{n:06}", _l("12348 hotline call"))


@hookimpl
def register_blueprints(app):
    from fatong_hotline.views import bp

    return [bp]


@hookimpl
def register_permissions():
    return [
        Permission(CALL_VIEW, _l("See 12348 hotline calls")),
        Permission(CALL_CREATE, _l("Record 12348 hotline calls and their callbacks")),
        Permission(CALL_REFER, _l("Refer 12348 hotline calls to legal aid or mediation")),
        Permission(CATEGORY_MANAGE, _l("Manage the 12348 hotline's call categories")),
        Permission(STATS_VIEW, _l("See 12348 hotline statistics")),
    ]


@hookimpl
def role_templates():
    operator = (CALL_VIEW, CALL_CREATE, CALL_REFER, PERSON_VIEW, PERSON_EDIT)
    return [
        RoleTemplate("hotline_operator", _l("12348 hotline operator"), operator,
                     _l("Answers the 12348 hotline (话务员): records calls, callbacks and "
                        "referrals.")),
        RoleTemplate("hotline_supervisor", _l("12348 hotline supervisor"),
                     (*operator, CATEGORY_MANAGE, STATS_VIEW),
                     _l("Runs the hotline: everything an operator does, the call categories "
                        "and the statistics.")),
        # Joins the bureau leader's existing role in every tenant.
        RoleTemplate("leader", _l("Bureau leader"), (CALL_VIEW, STATS_VIEW)),
    ]
