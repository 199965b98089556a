"""Registers the people registry (当事人) through the same hooks as any plugin."""

from flask_babel import lazy_gettext as _l

from core.access.checks import has_permission
from core.plugins.contributions import NavItem
from core.plugins.info import PluginInfo
from core.plugins.markers import hookimpl

plugin_info = PluginInfo(
    name="people",
    title=_l("People"),
    description=_l("The parties (当事人) all service lines share, with protected ID and "
                   "phone numbers."),
    vendor="Fatong",
    always_on=True,
)


@hookimpl
def register_blueprints(app):
    from core.people.views import bp

    return [bp]


@hookimpl
def nav_items(tenant, user):
    if not has_permission("core.person.view", user):
        return []
    return [NavItem(title=_l("People"), endpoint="people.index", weight=10,
                    icon="person-vcard")]
