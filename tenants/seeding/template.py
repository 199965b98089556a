"""The template county: one tenant built through the real workflows, then copied."""

from __future__ import annotations

from core.plugins.enablement import enabled_plugins, plugin_manager
from core.sdk import Tenant
from tenants.provisioning import TenantSpec, ensure_demo_tenant
from tenants.seeding.counties import SeededCounty


def build_template(county: SeededCounty, password: str, years: int, volume: float) -> Tenant:
    """Create the county as the demo tenant is created (administrators, every plugin, the
    demo's accounts, all with ``password``) and fill each line: ``scale_template`` where the
    plugin has it, else ``demo_data``. Flushes; the caller commits."""

    def fill(tenant: Tenant) -> None:
        manager = plugin_manager()
        scaled = {impl.plugin_name for impl in manager.pm.hook.scale_template.get_hookimpls()}
        # Plugins in the order they were enabled (requirements first), as demo_data runs.
        for name in sorted(enabled_plugins(tenant)):
            if name in scaled:
                manager.hook_of(name, "scale_template")(tenant=tenant, years=years,
                                                          volume=volume)
            else:
                manager.hook_of(name, "demo_data")(tenant=tenant)

    spec = TenantSpec(slug=county.slug, name=county.name, region_code=county.region_code)
    tenant, _created = ensure_demo_tenant(county.slug, password, spec=spec,
                                          abbreviation=county.abbreviation, fill=fill)
    return tenant
