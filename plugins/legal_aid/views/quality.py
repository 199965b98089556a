"""Placeholder."""

from core.sdk import require_permission
from plugins.legal_aid.permissions import QUALITY_EDIT
from plugins.legal_aid.views import bp


@bp.route("/quality/")
@require_permission(QUALITY_EDIT)
def quality():
    return ""
