"""Registers the workbench through the same hooks as any plugin."""

from flask_babel import lazy_gettext as _l

from core.plugins.contributions import NavItem
from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl

plugin_info = PluginInfo(
    name="home",
    title=_l("Workbench"),
    description=_l("The page each member of staff sees after logging in."),
    vendor="Fatong",
    always_on=True,
)


@hookimpl
def register_blueprints(app):
    from core.home.views import bp

    return [bp]


@hookimpl
def nav_items(tenant, user):
    return [NavItem(title=_l("Workbench"), endpoint="home.index", weight=0, icon="house")]
