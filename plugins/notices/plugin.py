"""Plugin registration: metadata and hook implementations."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.sdk import DashboardCard, NavItem, PluginInfo, db, hookimpl, utcnow

plugin_info = PluginInfo(
    name="notices",
    title=_l("Notices"),
    description=_l("Notices and bulletins the bureau publishes to its own staff and stations."),
    vendor="Fatong",
    requires_core=">=0.1,<1",
)


@hookimpl
def register_blueprints(app):
    from plugins.notices.views import bp

    return [bp]


@hookimpl
def nav_items(tenant, user):
    return [NavItem(title=_l("Notices"), endpoint="notices.index", weight=90, icon="megaphone")]


@hookimpl
def dashboard_cards(tenant, user):
    from plugins.notices.models import Notice

    since = utcnow() - timedelta(days=30)
    recent = db.session.scalar(
        select(func.count()).select_from(Notice).where(Notice.created_at >= since)
    )
    return [DashboardCard(title=_l("Notices in the last 30 days"), value=recent,
                          endpoint="notices.index", weight=90)]
