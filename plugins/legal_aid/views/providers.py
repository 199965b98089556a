"""Placeholder."""

from core.sdk import require_permission
from plugins.legal_aid.permissions import PROVIDER_VIEW
from plugins.legal_aid.views import bp


@bp.route("/providers/")
@require_permission(PROVIDER_VIEW)
def providers():
    return ""
