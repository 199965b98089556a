"""The mediation line's printed papers (the ``document_templates`` hook).

Five documents of the case dossier (卷宗), printed on core's A4 layout with the case number
（2026）剑人调字第N号 as the document number:

- ``mediation.application``   人民调解申请书 (case id)
- ``mediation.session_record`` 人民调解笔录 (session id)
- ``mediation.agreement``      人民调解协议书, Art. 29 contents (case id; written agreements)
- ``mediation.oral_agreement`` 人民调解口头协议登记表, Art. 28/30 (case id; oral agreements)
- ``mediation.visit_record``   人民调解回访记录, Art. 31 (visit id)

Each loader returns ``None`` (the page answers 404) for another tenant's id, a case outside
the user's scope, or a document that does not apply to the object.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.sdk import DocumentTemplate, db, hookimpl, scope_filter
from plugins.mediation.models import Case, MediationSession, ReturnVisit
from plugins.mediation.models.enums import (
    AgreementKind,
    PartyRole,
    Performance,
    Satisfaction,
    VisitMethod,
)
from plugins.mediation.permissions import CASE_VIEW
from plugins.mediation.workflow import TIMEZONE

APPLICATION = "mediation.application"
SESSION_RECORD = "mediation.session_record"
AGREEMENT = "mediation.agreement"
ORAL_AGREEMENT = "mediation.oral_agreement"
VISIT_RECORD = "mediation.visit_record"


def _case(case_id: int | None) -> Case | None:
    """The case if it is in the tenant and within the user's scope."""
    if case_id is None:
        return None
    return db.session.scalar(select(Case).where(
        Case.id == case_id, scope_filter(Case.org_unit_id, CASE_VIEW)))


def local_time(value: datetime | None) -> datetime | None:
    """A stored moment as Beijing wall time (a naive value is taken as already local)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(TIMEZONE)


def _common(case: Case) -> dict[str, Any]:
    parties = list(case.parties)
    place = case.place if case.place_id else None
    return {
        "case": case,
        "number": case.number or "",
        "committee_name": case.committee.name if case.committee else "",
        "parties": parties,
        "applicants": [p for p in parties if p.role is PartyRole.APPLICANT],
        "respondents": [p for p in parties if p.role is PartyRole.RESPONDENT],
        "third_parties": [p for p in parties if p.role is PartyRole.THIRD_PARTY],
        "mediator_name": case.mediator.name if case.mediator else "",
        "place_text": f"{place.full_name if place else ''}{case.place_detail or ''}",
    }


def _performance_options() -> list[tuple[str, Any]]:
    """What a form ticks for performance; "not yet due" is left blank, to fill in later."""
    return [(p.value, p.label) for p in Performance if p is not Performance.PENDING]


def load_application(case_id: int) -> dict[str, Any] | None:
    case = _case(case_id)
    return _common(case) if case is not None else None


def load_session_record(session_id: int) -> dict[str, Any] | None:
    session = db.session.get(MediationSession, session_id)
    case = _case(session.case_id) if session is not None else None
    if case is None:
        return None
    return {**_common(case), "session": session, "held_at": local_time(session.held_at)}


def _agreement_of(case_id: int, kind: AgreementKind) -> dict[str, Any] | None:
    case = _case(case_id)
    if case is None or case.agreement is None or case.agreement.kind is not kind:
        return None
    return {**_common(case), "agreement": case.agreement,
            "performance_options": _performance_options()}


def load_agreement(case_id: int) -> dict[str, Any] | None:
    return _agreement_of(case_id, AgreementKind.WRITTEN)


def load_oral_agreement(case_id: int) -> dict[str, Any] | None:
    return _agreement_of(case_id, AgreementKind.ORAL)


def load_visit_record(visit_id: int) -> dict[str, Any] | None:
    visit = db.session.get(ReturnVisit, visit_id)
    case = _case(visit.case_id) if visit is not None else None
    if case is None:
        return None
    return {**_common(case), "visit": visit, "agreement": case.agreement,
            "method_options": VisitMethod.choices(),
            "performance_options": _performance_options(),
            "satisfaction_options": Satisfaction.choices()}


@hookimpl
def document_templates() -> list[DocumentTemplate]:
    folder = "mediation/documents"
    return [
        DocumentTemplate(APPLICATION, _l("People's mediation application"),
                         f"{folder}/application.html", load_application, CASE_VIEW),
        DocumentTemplate(SESSION_RECORD, _l("People's mediation record"),
                         f"{folder}/session_record.html", load_session_record, CASE_VIEW),
        DocumentTemplate(AGREEMENT, _l("People's mediation agreement"),
                         f"{folder}/agreement.html", load_agreement, CASE_VIEW),
        DocumentTemplate(ORAL_AGREEMENT, _l("Oral mediation agreement register"),
                         f"{folder}/oral_agreement.html", load_oral_agreement, CASE_VIEW),
        DocumentTemplate(VISIT_RECORD, _l("Mediation return visit record"),
                         f"{folder}/visit_record.html", load_visit_record, CASE_VIEW),
    ]
