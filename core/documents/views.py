"""The print page: one plugin document for one object, on the A4 layout."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import Blueprint, abort, make_response, render_template, request, url_for

from core.access.checks import has_permission
from core.audit.api import record
from core.documents.api import in_tenant, url_for_document
from core.signals import permission_denied

bp = Blueprint("documents", __name__, url_prefix="/t/<tenant>/documents",
               template_folder="templates")
# The print stylesheet and the print button's script: the CSP forbids inline styles and
# scripts. Outside /t/ (no tenant data) and outside /static (a proxy may serve that folder).
assets = Blueprint("documents_assets", __name__, static_folder="static",
                   static_url_path="/documents/static")

AUDIT_EVENT = "documents.printed"

# Record pages link to their documents with {{ document_url("mediation.agreement", case.id) }}.
bp.add_app_template_global(url_for_document, "document_url")


def _back_url() -> str:
    """The page the user came from when it is one of ours, else the workbench."""
    parts = urlsplit(request.referrer or "")
    if parts.scheme in ("http", "https") and parts.netloc == request.host:
        return parts.geturl()
    return url_for("home.index")


@bp.route("/<key>/<int:object_id>")
def print_document(key: str, object_id: int):
    found = in_tenant(key)
    if found is None:  # unknown, or its plugin is off for this tenant
        abort(404)
    document = found.template
    if not any(has_permission(name) for name in document.permissions):
        permission_denied.send(None, permission="|".join(document.permissions))
        abort(403)
    context = document.load(object_id)
    if context is None:  # no such object in this tenant, or outside the user's scope
        abort(404)
    if not isinstance(context, Mapping) or "number" not in context:
        raise TypeError(f"load() of document {key!r} must return a dict holding 'number', "
                        "or None")
    # Printing personal data on an official document is itself worth a trace: which
    # document of which object, never its contents.
    record(AUDIT_EVENT, target_type="document", target_id=object_id, summary=key,
           details={"key": key, "object_id": object_id}, security=True)
    page = render_template(document.template, **{
        **context, "document": document, "document_key": key,
        "document_title": context.get("title") or document.title,
        "document_number": context["number"] or "",
        "back_url": context.get("back_url") or _back_url()})
    response = make_response(page)
    # The page may hold unmasked personal numbers: keep it out of caches and history.
    response.headers["Cache-Control"] = "no-store"
    return response
