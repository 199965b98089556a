"""Tenancy: one shared schema scoped by tenant_id, fail-closed (see ARCHITECTURE.md)."""
