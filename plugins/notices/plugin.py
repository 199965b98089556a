"""Plugin registration: metadata and hook implementations."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.sdk import (
    DashboardCard,
    NavItem,
    Permission,
    PluginInfo,
    RoleTemplate,
    db,
    has_permission,
    hookimpl,
    utcnow,
)
from plugins.notices.settings import NoticesSettingsSchema

VIEW = "notices.notice.view"
MANAGE = "notices.notice.manage"

plugin_info = PluginInfo(
    name="notices",
    title=_l("Notices"),
    description=_l("Notices and bulletins the bureau publishes to its own staff and stations."),
    vendor="Fatong",
    requires_core=">=0.1,<1",
    settings_schema=NoticesSettingsSchema,
)


@hookimpl
def register_blueprints(app):
    from plugins.notices.views import bp

    return [bp]


@hookimpl
def register_permissions():
    return [
        Permission(VIEW, _l("Read notices")),
        Permission(MANAGE, _l("Publish, edit and delete notices")),
    ]


@hookimpl
def role_templates():
    # Keys of core's business roles: the permissions join those roles in every tenant.
    return [
        RoleTemplate("staff", _l("Staff"), (VIEW,)),
        RoleTemplate("leader", _l("Bureau leader"), (VIEW, MANAGE)),
    ]


@hookimpl
def nav_items(tenant, user):
    if not has_permission(VIEW, user):
        return []
    return [NavItem(title=_l("Notices"), endpoint="notices.index", weight=90, icon="megaphone")]


@hookimpl
def dashboard_cards(tenant, user):
    from plugins.notices.models import Notice

    if not has_permission(VIEW, user):
        return []

    since = utcnow() - timedelta(days=30)
    recent = db.session.scalar(
        select(func.count()).select_from(Notice).where(Notice.created_at >= since)
    )
    return [DashboardCard(title=_l("Notices in the last 30 days"), value=recent,
                          endpoint="notices.index", weight=90)]


@hookimpl
def tenant_activity(tenant, since):
    # Counts only, for the tenant's parent bureaus (a notice is published when created).
    from datetime import UTC

    from core.sdk import ActivityCount
    from plugins.notices.models import Notice

    published = db.session.scalar(
        select(func.count()).select_from(Notice)
        .where(Notice.created_at >= since.astimezone(UTC)))
    return [ActivityCount(key="notices.published", label=_l("Notices published"),
                          value=published or 0)]
