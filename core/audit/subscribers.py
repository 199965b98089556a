"""Core's signals, recorded in the audit log.

===========================  ==========================================  ==========
signal                       event                                       security
===========================  ==========================================  ==========
permission_denied            ``access.denied`` (outcome denied)           yes
cross_tenant_read_opened     ``tenancy.cross_tenant_read`` (platform)     yes
plugin_toggled               ``plugin.enabled`` / ``plugin.disabled``     no
login_succeeded              ``auth.login``                               yes
login_failed                 ``auth.login.failed`` (reason in details);   yes
                             ``auth.lockout`` when this failure locked
                             the account; ``auth.login.locked`` for a
                             try while locked (outcome denied)
logged_out                   ``auth.logout``                              yes
===========================  ==========================================  ==========

Security events survive a rolled-back request; a plugin toggle is part of the toggling
transaction and disappears with it.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from core import signals
from core.audit.api import audit_active, record


def _tenant_id(tenant: Any) -> int | None:
    return getattr(tenant, "id", tenant if isinstance(tenant, int) else None)


def on_permission_denied(sender: Any, permission: str = "", **extra: Any) -> None:
    if not audit_active():
        return
    details: dict[str, Any] = {"permission": permission}
    if has_request_context():
        details.update(method=request.method, path=request.path,
                       endpoint=request.endpoint or "")
    record("access.denied", target_type="permission", summary=permission,
           details=details, outcome="denied", security=True)


def on_cross_tenant_read(sender: Any, reason: str = "", actor: str = "system",
                         **extra: Any) -> None:
    if not audit_active():
        return
    record("tenancy.cross_tenant_read", summary=reason, platform=True, security=True,
           details={"reason": reason, "actor": actor},
           actor=None if has_request_context() else actor)


def on_plugin_toggled(sender: Any, tenant: Any = None, plugin: str = "",
                      enabled: bool = True, actor: str = "system", **extra: Any) -> None:
    if not audit_active():
        return
    from core.audit.api import request_actor_ids

    user_id, username = request_actor_ids()
    record("plugin.enabled" if enabled else "plugin.disabled", target_type="plugin",
           summary=plugin, details={"plugin": plugin, "actor": actor},
           tenant_id=_tenant_id(tenant), actor=username or actor, actor_id=user_id)


def _user_ids(user: Any, username: str) -> tuple[int | None, str]:
    if user is None:
        return None, username or ""
    return getattr(user, "id", None), getattr(user, "username", "") or username or ""


def _auth_event(event: str, tenant: Any, username: str, user: Any, details: dict[str, Any],
                outcome: str = "success") -> None:
    """One auth event: about the account that logged in or out (or tried to)."""
    if not audit_active():
        return
    actor_id, name = _user_ids(user, username)
    record(event, target_type="user", target_id=actor_id, summary=name, details=details,
           outcome=outcome, security=True, tenant_id=_tenant_id(tenant),
           platform=tenant is None, actor=name, actor_id=actor_id)


def on_login_succeeded(sender: Any, tenant: Any = None, username: str = "", user: Any = None,
                       reason: str = "", **extra: Any) -> None:
    _auth_event("auth.login", tenant, username, user, {"reason": reason} if reason else {})


#: login_failed reasons with an event of their own: (event, outcome).
FAILURE_EVENTS = {
    "locked_now": ("auth.lockout", "failure"),  # this failure locked the account
    "locked": ("auth.login.locked", "denied"),  # tried while locked
    "disabled": ("auth.login.failed", "denied"),
}


def on_login_failed(sender: Any, tenant: Any = None, username: str = "", user: Any = None,
                    reason: str = "", **extra: Any) -> None:
    event, outcome = FAILURE_EVENTS.get(reason or "", ("auth.login.failed", "failure"))
    _, name = _user_ids(user, username)
    _auth_event(event, tenant, username, user, {"reason": reason, "username": name}, outcome)


def on_logged_out(sender: Any, tenant: Any = None, username: str = "", user: Any = None,
                  reason: str = "", **extra: Any) -> None:
    _auth_event("auth.logout", tenant, username, user, {"reason": reason} if reason else {})


_RECEIVERS = (
    (signals.permission_denied, on_permission_denied),
    (signals.cross_tenant_read_opened, on_cross_tenant_read),
    (signals.plugin_toggled, on_plugin_toggled),
    (signals.login_succeeded, on_login_succeeded),
    (signals.login_failed, on_login_failed),
    (signals.logged_out, on_logged_out),
)


def connect_signals() -> None:
    """Subscribe the audit log to core's signals (idempotent: blinker keeps one each)."""
    for signal, receiver in _RECEIVERS:
        signal.connect(receiver, weak=False)
