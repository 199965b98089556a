"""Placeholder."""

from core.sdk import require_permission
from plugins.legal_aid.permissions import SUBSIDY_VIEW
from plugins.legal_aid.views import bp


@bp.route("/subsidies/")
@require_permission(SUBSIDY_VIEW)
def subsidies():
    return ""
