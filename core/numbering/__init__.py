"""Document numbering: per-tenant, per-year, per-series gap-free counters."""
