"""Registers the auth module through the same hooks as any plugin."""

from flask_babel import lazy_gettext as _l

from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl

plugin_info = PluginInfo(
    name="auth",
    title=_l("Accounts and login"),
    description=_l("Staff accounts of the bureau and the login page."),
    vendor="Fatong",
    always_on=True,
)


@hookimpl
def register_blueprints(app):
    from core.auth.views import bp

    return [bp]
