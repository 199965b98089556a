"""The case page: header, the statute's deadlines, the areas' sections and the next steps.

The list of cases and the new-application form are in ``applications.py``; each area's
section and actions in ``actions_*.py`` with its partial template under
``templates/legal_aid/cases/``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import joinedload, selectinload

from core.sdk import require_any_permission
from plugins.legal_aid.deadlines import case_deadlines
from plugins.legal_aid.documents import case_documents
from plugins.legal_aid.models import AidCase, AidStatusChange, ProgressNote
from plugins.legal_aid.permissions import CASE_VIEW, CASE_VIEW_ASSIGNED
from plugins.legal_aid.views import bp
from plugins.legal_aid.views.actions import render_case
from plugins.legal_aid.views.common import case_or_404
from plugins.legal_aid.workflow import today

# The sections of the case page, in order: each area's partial template.
SECTIONS = (
    "legal_aid/cases/_facts.html",
    "legal_aid/cases/_intake.html",
    "legal_aid/cases/_decision.html",
    "legal_aid/cases/_assignment.html",
    "legal_aid/cases/_handling.html",
    "legal_aid/cases/_closure.html",
    "legal_aid/cases/_quality.html",
    "legal_aid/cases/_history.html",
)


def case_page_context(case: AidCase) -> dict[str, Any]:
    return {"deadlines": case_deadlines(case), "documents": case_documents(case),
            "sections": SECTIONS, "today": today()}


# Who wrote each progress note and history row shows on the case page: loaded with the
# rows at once rather than one query per row.
CASE_PAGE_OPTIONS = (selectinload(AidCase.notes).selectinload(ProgressNote.user),
                     selectinload(AidCase.history).selectinload(AidStatusChange.user),
                     joinedload(AidCase.provider))


@bp.route("/cases/<int:case_id>")
@require_any_permission(CASE_VIEW, CASE_VIEW_ASSIGNED)
def case_detail(case_id: int):
    return render_case(case_or_404(case_id, *CASE_PAGE_OPTIONS))
