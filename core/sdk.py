"""The stable surface for plugin authors: import from here and nowhere else in core.

Everything exported is listed in ``__all__`` and documented in docs/plugin-hooks.md and
docs/plugins.md. Names not listed here are core internals and may change without notice.
"""

from core import benefits, referrals, regions
from core.access.checks import (
    has_permission,
    in_scope,
    require_any_permission,
    require_permission,
    scope_filter,
)
from core.access.permissions import Permission, RoleTemplate
from core.access.service import grant_role
from core.audit import api as audit
from core.auth.guard import public
from core.auth.models import User
from core.db import db, enum_column
from core.documents import api as documents
from core.ids import new_id
from core.numbering import service as numbering
from core.orgunits import service as orgunits
from core.orgunits.models import OrgUnit, OrgUnitType
from core.people import api as people
from core.people.idcard import Gender
from core.people.models import Person
from core.places import api as places
from core.plugins.contributions import (
    ActivityCount,
    DashboardCard,
    Deadline,
    DocumentTemplate,
    Metric,
    NavItem,
    PersonRecord,
    ReportPeriod,
)
from core.plugins.enablement import (
    PluginToggleError,
    disable_plugin,
    enable_plugin,
    enabled_plugins,
    hooks_for,
    plugin_manager,
)
from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl
from core.settings import SettingsProxy, tenant_settings
from core.statistics import periods
from core.tenancy.context import (
    NoTenantContext,
    TenancyError,
    TenantMismatch,
    cross_tenant_read,
    current_tenant_id,
    tenant_context,
)
from core.tenancy.model import TenantModel
from core.tenancy.models import Tenant, TenantLevel, TenantStatus, utcnow
from core.tenancy.web import current_hooks
from core.web.downloads import download_response
from core.workdays import calendar as workdays

__all__ = [
    "ActivityCount",
    "DashboardCard",
    "Deadline",
    "DocumentTemplate",
    "Gender",
    "Metric",
    "NavItem",
    "NoTenantContext",
    "OrgUnit",
    "OrgUnitType",
    "Permission",
    "Person",
    "PersonRecord",
    "PluginInfo",
    "PluginToggleError",
    "ReportPeriod",
    "TenancyError",
    "RoleTemplate",
    "SettingsProxy",
    "Tenant",
    "TenantLevel",
    "TenantMismatch",
    "TenantModel",
    "TenantStatus",
    "User",
    "audit",
    "benefits",
    "cross_tenant_read",
    "current_hooks",
    "current_tenant_id",
    "db",
    "enum_column",
    "disable_plugin",
    "documents",
    "download_response",
    "enable_plugin",
    "enabled_plugins",
    "grant_role",
    "has_permission",
    "hookimpl",
    "hooks_for",
    "new_id",
    "numbering",
    "orgunits",
    "people",
    "periods",
    "places",
    "plugin_manager",
    "public",
    "referrals",
    "regions",
    "require_any_permission",
    "require_permission",
    "in_scope",
    "scope_filter",
    "tenant_context",
    "tenant_settings",
    "utcnow",
    "workdays",
]
