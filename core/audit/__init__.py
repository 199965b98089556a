"""The audit log: append-only, hash-chained, per tenant (issue #3).

- :func:`core.audit.api.record` is what modules call;
- :mod:`core.audit.changes` audits record changes of tenant tables automatically;
- :mod:`core.audit.subscribers` records core's security signals;
- :mod:`core.audit.chain` keeps the keyed hash chains; ``fatong audit verify|purge``;
- :mod:`core.audit.views` is the audit administrator's viewer at /t/<tenant>/audit/.

See docs/audit.md.
"""

from __future__ import annotations

from typing import Any


def install(app: Any) -> None:
    """Switch auditing on for ``app`` (called when the audit blueprint is registered).

    The session and signal hooks are process-wide and idempotent; each of them checks that
    the current app has the audit module, so apps built without it write nothing.
    """
    from core.audit.api import EXTENSION, install_session_hooks
    from core.audit.changes import install_change_auditing
    from core.audit.subscribers import connect_signals
    from core.tenancy.session import TenantSession

    install_session_hooks(TenantSession)
    install_change_auditing(TenantSession)
    connect_signals()
    app.extensions[EXTENSION] = True
