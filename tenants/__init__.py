"""Tenant lifecycle: a built-in, always-on plugin (provisioning, the demo tenant, CLI)."""
