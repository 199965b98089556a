"""Test support for plugin authors and for core's own suite.

The fixtures are a pytest plugin (``core.testing.plugin``, registered through the
``pytest11`` entry point, so installing fatong makes them available); the helpers below are
plain functions for use inside tests. docs/plugins.md, "Testing your plugin", walks through
them.
"""

from core.testing.apps import installed_plugin_sources, make_app
from core.testing.browser import chromium_page, serve
from core.testing.migrations import assert_branch_reversible, branch_heads
from core.testing.queries import count_statements
from core.testing.schema import plugin_schema_violations, plugin_tables
from core.testing.sweep import Sweep
from core.testing.tenants import PASSWORD, TenantFixture, add_user, login, provision

__all__ = [
    "PASSWORD",
    "Sweep",
    "TenantFixture",
    "add_user",
    "assert_branch_reversible",
    "branch_heads",
    "chromium_page",
    "count_statements",
    "installed_plugin_sources",
    "login",
    "make_app",
    "plugin_schema_violations",
    "plugin_tables",
    "provision",
    "serve",
]
