"""The plugin platform: pluggy manager, metadata, the three gates, per-tenant hooks."""
