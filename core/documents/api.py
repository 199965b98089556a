"""Print-ready documents for plugins (exported as ``core.sdk.documents``).

``url_for_document(key, id)`` links a record page to its print page; ``available()`` lists
the documents the user may print in the current tenant; ``get(key)`` returns a template.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, url_for

from core.access.checks import has_permission
from core.documents.registry import RegisteredDocument, document_registry
from core.plugins.contributions import DocumentTemplate

ENDPOINT = "documents.print_document"


def get(key: str) -> DocumentTemplate | None:
    """The template registered under ``key`` (whether or not the tenant enabled its plugin)."""
    found = document_registry().documents.get(key)
    return found.template if found else None


def in_tenant(key: str) -> RegisteredDocument | None:
    """The document under ``key`` if its plugin is in effect for the request's tenant."""
    found = document_registry().documents.get(key)
    if found is None or not has_request_context():
        return None
    if found.owner not in (g.get("enabled_plugins") or frozenset()):
        return None
    return found


def available(user: Any = None) -> list[tuple[str, Any]]:
    """(key, title) of each document of an enabled plugin that ``user`` (default: the
    current user) may print in the request's tenant, sorted by key."""
    if not has_request_context() or g.get("tenant") is None:
        return []
    return [(key, found.template.title)
            for key, found in sorted(document_registry().documents.items())
            if in_tenant(key) is not None
            and any(has_permission(name, user) for name in found.template.permissions)]


def url_for_document(key: str, object_id: int) -> str:
    """The print page of document ``key`` for object ``object_id`` in the current tenant."""
    return url_for(ENDPOINT, key=key, object_id=object_id)
