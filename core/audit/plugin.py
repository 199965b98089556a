"""Registers the audit log (viewer, CLI, navigation) through the same hooks as any plugin."""

from flask_babel import lazy_gettext as _l

from core.plugins.contributions import NavItem
from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl

plugin_info = PluginInfo(
    name="audit",
    title=_l("Audit log"),
    description=_l("The tamper-evident record of logins, denials and changes, for the audit "
                   "administrator."),
    vendor="Fatong",
    always_on=True,
)

AUDIT_VIEW = "core.audit.view"
AUDIT_EXPORT = "core.audit.export"


@hookimpl
def register_blueprints(app):
    from core.audit.views import bp

    return [bp]


@hookimpl
def register_commands(cli):
    from core.audit.cli import audit_group

    cli.add_command(audit_group)


@hookimpl
def nav_items(tenant, user):
    from core.access.checks import has_permission

    if not has_permission(AUDIT_VIEW, user):
        return []
    return [NavItem(title=_l("Audit log"), endpoint="audit.index", weight=950,
                    icon="journal-check", group=_l("System administration"))]
