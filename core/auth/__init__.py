"""Built-in module: staff accounts and the per-tenant login (hardened in issue #3)."""
