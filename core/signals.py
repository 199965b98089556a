"""Core's blinker signals: security-relevant events other modules (the audit log) record.

Receivers get keyword arguments as documented per signal; senders are the current app or
None outside a request.
"""

from blinker import Namespace

_signals = Namespace()

#: A view refused the current user: ``permission`` (str).
permission_denied = _signals.signal("permission-denied")

#: ``cross_tenant_read`` opened: ``reason`` (str), ``actor`` (str).
cross_tenant_read_opened = _signals.signal("cross-tenant-read")

#: A plugin was enabled or disabled for a tenant: ``tenant``, ``plugin`` (str),
#: ``enabled`` (bool), ``actor`` (str).
plugin_toggled = _signals.signal("plugin-toggled")

#: Login outcomes: ``tenant``, ``username`` (str), ``user`` (or None), ``reason`` (str).
login_succeeded = _signals.signal("login-succeeded")
login_failed = _signals.signal("login-failed")
logged_out = _signals.signal("logged-out")
