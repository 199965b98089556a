"""Test support for the core and for plugin authors (fixtures grow into a pytest plugin)."""
