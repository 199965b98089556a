"""Placeholder."""

from core.sdk import require_permission
from plugins.legal_aid.permissions import CONSULTATION_VIEW
from plugins.legal_aid.views import bp


@bp.route("/consultations/")
@require_permission(CONSULTATION_VIEW)
def consultations():
    return ""
