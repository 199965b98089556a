"""Bundled service-line plugins. Each sub-package is a plugin registered by entry point."""
