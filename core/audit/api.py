"""The one function modules call to write an audit event.

Contract (stable): ``record(event, **fields)``. ``event`` is a dotted name such as
``auth.login.failed``, ``person.reveal`` or ``notices.notice.update``. ``security=True``
events are kept even when the request's transaction rolls back.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("fatong.audit")


def record(event: str, *, target_type: str = "", target_id: int | None = None,
           summary: str = "", details: dict[str, Any] | None = None,
           outcome: str = "success", security: bool = False,
           tenant_id: int | None = None, actor: str | None = None) -> None:
    """Write one audit event for the current tenant and user (see module docstring)."""
    log.info("%s %s %s %s %s", event, target_type, target_id or "", outcome, summary)
