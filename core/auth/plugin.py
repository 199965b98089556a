"""Registers the auth module through the same hooks as any plugin."""

from flask_babel import lazy_gettext as _l

from core.plugins.contributions import NavItem
from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl

plugin_info = PluginInfo(
    name="auth",
    title=_l("Accounts and login"),
    description=_l("Staff accounts of the bureau, login with a second factor, online users; "
                   "platform operators."),
    vendor="Fatong",
    always_on=True,
)


@hookimpl
def register_blueprints(app):
    from core.auth.platform import bp as platform_bp
    from core.auth.views import bp

    return [bp, platform_bp]


@hookimpl
def register_commands(cli):
    from core.auth.cli import auth_group, platform_group

    cli.add_command(platform_group)
    cli.add_command(auth_group)


@hookimpl
def nav_items(tenant, user):
    from core.access.checks import has_permission
    from core.auth.views import SESSION_PERMISSION

    if not has_permission(SESSION_PERMISSION, user):
        return []
    return [NavItem(title=_l("Online users"), endpoint="auth.sessions", weight=930,
                    icon="people", group=_l("Security administration"))]
