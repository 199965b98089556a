"""Placeholder: the case list and the new-application form."""

from core.sdk import require_any_permission
from plugins.legal_aid.permissions import CASE_VIEW, CASE_VIEW_ASSIGNED
from plugins.legal_aid.views import bp


@bp.route("/cases/")
@require_any_permission(CASE_VIEW, CASE_VIEW_ASSIGNED)
def cases():
    return ""
