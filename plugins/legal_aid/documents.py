"""The legal aid line's printed papers (the ``document_templates`` hook).

Printed on core's A4 layout, each with the number already on the case:

- ``legal_aid.application``  法律援助申请表 (case id; applications, not notices), number 案号
- ``legal_aid.decision``     给予 / 不予法律援助决定书 (case id; once decided), by
  ``case.granted``, number 决定书文号; the refusal states the objection route (Art. 49)
- ``legal_aid.assignment``   指派通知书 (case id; once assigned), number 指派文号, to the
  provider's organisation, with the 5 working days to sign the agreement
- ``legal_aid.termination``  终止法律援助决定书 (case id; terminated), Art. 48 item, reasons,
  the objection route
- ``legal_aid.closure``      结案报告 (case id; ended, closed or archived)

The papers require ``legal_aid.case.view``; the assignment notice and the closure report
also open to the assignee (承办律师, ``legal_aid.case.view_assigned``), for their own case.
Each loader checks that the user may see the case (its org unit in scope, or being its
assignee) and that the paper applies to the case now; otherwise it returns ``None`` (404).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from core.sdk import DocumentTemplate, OrgUnit, db, documents, has_permission, hookimpl, workdays
from plugins.legal_aid.eligibility import Route
from plugins.legal_aid.models import AidCase
from plugins.legal_aid.models.enums import (
    CaseStatus,
    MaterialStatus,
    RecipientGroup,
    TerminationGround,
    label,
)
from plugins.legal_aid.permissions import CASE_VIEW, CASE_VIEW_ASSIGNED
from plugins.legal_aid.timeline import AGREEMENT_DAYS

APPLICATION = "legal_aid.application"
DECISION = "legal_aid.decision"
ASSIGNMENT = "legal_aid.assignment"
TERMINATION = "legal_aid.termination"
CLOSURE = "legal_aid.closure"

FOLDER = "legal_aid/documents"
# The assignee prints the papers of their own case too (the loader checks it is theirs).
OWN_CASE = (CASE_VIEW, CASE_VIEW_ASSIGNED)
S = CaseStatus
ENDED_STATUSES = (S.ENDED, S.CLOSED, S.ARCHIVED)


def _case(case_id: int | None) -> AidCase | None:
    """The case if it is in the tenant and the user may see it."""
    from plugins.legal_aid.hooks import visibility

    if case_id is None:
        return None
    return db.session.scalar(select(AidCase).where(AidCase.id == case_id,
                                                   visibility(current_user)))


def _common(case: AidCase) -> dict[str, Any]:
    person = case.person
    unit = db.session.get(OrgUnit, case.org_unit_id)
    id_number = person.id_number.reveal() if person.id_number else ""
    return {
        "case": case,
        "person": person,
        # The paper identifies the applicant: the number is shown in full on purpose.
        "id_number": id_number,
        "phone": person.phone.reveal() if person.phone else "",
        "centre_name": unit.name if unit is not None else "",
        "category_label": label(case.category),
        "matter_kind_label": label(case.matter_kind),
        "groups_text": "、".join(str(group.label) for group in case.groups),
        "group_options": RecipientGroup.choices(),
        "selected_groups": [group.value for group in case.groups],
    }


def load_application(case_id: int) -> dict[str, Any] | None:
    case = _case(case_id)
    if case is None or not _applies(APPLICATION, case):
        return None
    materials = list(case.materials)
    return {**_common(case), "number": case.number or "",
            "received": [m for m in materials if m.status is MaterialStatus.RECEIVED],
            "missing": [m for m in materials if m.status is MaterialStatus.MISSING]}


def load_decision(case_id: int) -> dict[str, Any] | None:
    case = _case(case_id)
    if case is None or not _applies(DECISION, case):
        return None
    title = _l("Decision to grant legal aid") if case.granted \
        else _l("Decision not to grant legal aid")
    return {**_common(case), "number": case.decision_number, "title": title}


def _agreement_due(assigned_on: date) -> tuple[date, bool]:
    """The last day to sign the 委托协议: 5 working days from the assignment (calendar days,
    flagged, beyond the holiday calendar)."""
    try:
        return workdays.add_working_days(assigned_on, AGREEMENT_DAYS), False
    except workdays.CalendarNotCovered:
        return assigned_on + timedelta(days=AGREEMENT_DAYS), True


def load_assignment(case_id: int) -> dict[str, Any] | None:
    case = _case(case_id)
    if case is None or not _applies(ASSIGNMENT, case):
        return None
    due, approximate = _agreement_due(case.assigned_on)
    return {**_common(case), "number": case.assignment_number, "provider": case.provider,
            "agreement_due": due, "agreement_due_approximate": approximate,
            "agreement_days": AGREEMENT_DAYS}


def load_termination(case_id: int) -> dict[str, Any] | None:
    case = _case(case_id)
    if case is None or not _applies(TERMINATION, case):
        return None
    return {**_common(case), "number": case.termination_number,
            "ground_options": [(g.value, g.label) for g in TerminationGround],
            "item": case.termination_ground.item}


def load_closure(case_id: int) -> dict[str, Any] | None:
    case = _case(case_id)
    if case is None or not _applies(CLOSURE, case):
        return None
    return {**_common(case), "number": case.number or "", "provider": case.provider,
            "notes": list(case.notes)}


@hookimpl
def document_templates() -> list[DocumentTemplate]:
    return [
        DocumentTemplate(APPLICATION, _l("Legal aid application form"),
                         f"{FOLDER}/application.html", load_application, CASE_VIEW),
        DocumentTemplate(DECISION, _l("Legal aid decision"), f"{FOLDER}/decision.html",
                         load_decision, CASE_VIEW),
        DocumentTemplate(ASSIGNMENT, _l("Legal aid assignment notice"),
                         f"{FOLDER}/assignment.html", load_assignment, OWN_CASE),
        DocumentTemplate(TERMINATION, _l("Decision to terminate legal aid"),
                         f"{FOLDER}/termination.html", load_termination, CASE_VIEW),
        DocumentTemplate(CLOSURE, _l("Legal aid case closure report"),
                         f"{FOLDER}/closure.html", load_closure, OWN_CASE),
    ]


def _applies(key: str, case: AidCase) -> bool:
    """Whether the paper applies to the case now (the loaders' checks, without a query)."""
    if key == APPLICATION:
        return case.route is Route.APPLY
    if key == DECISION:
        return (case.route is Route.APPLY and case.decided_on is not None
                and case.granted is not None and bool(case.decision_number))
    if key == ASSIGNMENT:
        return (case.provider_id is not None and case.assigned_on is not None
                and bool(case.assignment_number))
    if key == TERMINATION:
        return (case.termination_ground is not None and case.terminated_on is not None
                and bool(case.termination_number))
    if key == CLOSURE:
        return case.status in ENDED_STATUSES and case.ended_on is not None
    return False


def case_documents(case: AidCase) -> list[tuple[str, str]]:
    """(title, url) of the print pages that apply to the case now and the user may print."""
    found = []
    for template in document_templates():
        if documents.get(template.key) is None or not any(
                has_permission(name) for name in template.permissions):
            continue
        if not _applies(template.key, case):
            continue
        title = template.title
        if template.key == DECISION:
            title = _l("Decision to grant legal aid") if case.granted \
                else _l("Decision not to grant legal aid")
        found.append((title, documents.url_for_document(template.key, case.id)))
    return found
