"""The tenants module registers itself through the plugin hooks, always on."""

from flask_babel import lazy_gettext as _l

from core.sdk import PluginInfo, hookimpl

plugin_info = PluginInfo(
    name="tenants",
    title=_l("Tenants"),
    description=_l("Tenant lifecycle: provisioning, the demo tenant and tenant commands."),
    vendor="Fatong",
    always_on=True,
)


@hookimpl
def register_commands(cli):
    from tenants.cli import demo, tenants_group

    cli.add_command(tenants_group)
    cli.add_command(demo)
