"""The case workflow at model level: every (from, to) pair over the statuses and "new".

An allowed pair succeeds when the records its step needs exist, and each of its guards refuses
without its record; a pair the workflow does not allow is refused however the status is set,
even by assigning ``case.status`` directly. Case numbers are issued on acceptance in the
tenant's format and given back when the transaction rolls back.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from core.sdk import db, numbering
from plugins.mediation.models import (
    Agreement,
    Case,
    CaseParty,
    Committee,
    JudicialConfirmation,
    ReturnVisit,
    StatusChange,
    Transfer,
)
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseSource,
    CaseStatus,
    Counterpart,
    Performance,
    RejectionReason,
    TerminationReason,
    TransferDirection,
    VisitMethod,
)
from plugins.mediation.workflow import (
    CASE_SERIES,
    TRANSITIONS,
    TransitionRefused,
    allowed_next,
    open_case,
    transition,
)

from mediation_support import add_agreement, add_session, drive_case, login_as, world  # noqa: F401

S = CaseStatus
DAY = date(2026, 3, 2)
FROM = [None, *CaseStatus]
PAIRS = [(old, new) for old, new in itertools.product(FROM, CaseStatus)]
ALLOWED = [(old, new) for old, new in PAIRS if new in TRANSITIONS[old]]
DISALLOWED = [(old, new) for old, new in PAIRS if new not in TRANSITIONS[old] and old != new]

# The guards of each step: the piece of data whose absence the step must refuse.
GUARDS: dict[CaseStatus, list[str]] = {
    S.ACCEPTED: ["accepted_before_applied"],
    S.REJECTED: ["reason"],
    S.MEDIATING: ["mediator"],
    S.AGREED: ["session", "party", "agreement", "facts", "liabilities", "performance_method",
               "oral_terms"],
    S.FAILED: ["session", "routes"],
    S.TERMINATED: ["reason"],
    S.TRANSFERRED: ["transfer", "in_transfer_only"],
    S.ARCHIVED: ["visit", "pending_confirmation"],
}


def _id(value: Any) -> str:
    return "new" if value is None else str(value)


def new_case_fields(world) -> dict[str, Any]:
    return dict(source=CaseSource.APPLICATION, committee_id=world.committee_id,
                org_unit_id=db.session.get(Committee, world.committee_id).org_unit_id,
                dispute_type_id=world.dispute_type_id, summary="宅基地边界围墙纠纷",
                applied_on=DAY)


def prepare(world, old: CaseStatus, new: CaseStatus, omit: str = "") -> tuple[Case, dict]:
    """A committed case in ``old`` with what the step to ``new`` needs, except ``omit``;
    returns the case and the fields to pass to ``transition``."""
    case = drive_case(world, old)
    fields: dict[str, Any] = {}
    if new is S.ACCEPTED and omit == "accepted_before_applied":
        fields["accepted_on"] = date(2026, 3, 1)
    if new is S.REJECTED and omit != "reason":
        fields["rejection_reason"] = RejectionReason.PARTY_REFUSED
    if new is S.TERMINATED and omit != "reason":
        fields["termination_reason"] = TerminationReason.PARTY_REFUSED
    if new is S.MEDIATING and omit != "mediator":
        fields["mediator_id"] = world.mediator_id
    if new in (S.AGREED, S.FAILED) and omit != "session":
        add_session(case, DAY)
    if new is S.AGREED:
        if omit == "party":
            db.session.execute(delete(CaseParty).where(
                CaseParty.case_id == case.id, CaseParty.sort_order == 1))
        has_agreement = db.session.scalar(select(func.count()).select_from(Agreement).where(
            Agreement.case_id == case.id))
        if omit != "agreement" and not has_agreement:
            kind = AgreementKind.ORAL if omit == "oral_terms" else AgreementKind.WRITTEN
            agreement = add_agreement(case, DAY, kind=kind)
            if omit in ("facts", "liabilities", "performance_method"):
                setattr(agreement, omit, "  ")
            if omit == "oral_terms":
                agreement.terms = ""
    if new is S.FAILED and omit != "routes":
        fields["routes_explained"] = True
    if new is S.TRANSFERRED and omit != "transfer":
        direction = TransferDirection.IN if omit == "in_transfer_only" else TransferDirection.OUT
        db.session.add(Transfer(case_id=case.id, direction=direction,
                                counterpart=Counterpart.COURT, organ="剑阁县人民法院",
                                transferred_on=DAY))
    if new is S.ARCHIVED and old is S.AGREED:
        if omit != "visit":
            db.session.add(ReturnVisit(case_id=case.id, visited_on=DAY, method=VisitMethod.PHONE,
                                       performance=Performance.PERFORMED))
        if omit == "pending_confirmation":
            db.session.add(JudicialConfirmation(case_id=case.id, applied_on=DAY,
                                                court="剑阁县人民法院"))
    db.session.commit()
    return db.session.get(Case, case.id), fields


def history(case_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(StatusChange).where(
        StatusChange.case_id == case_id))


def test_the_pairs_cover_every_status_and_new() -> None:
    assert len(PAIRS) == (len(CaseStatus) + 1) * len(CaseStatus)
    assert {old for old, _new in ALLOWED} == set(FROM) - {S.ARCHIVED}
    assert allowed_next(S.ARCHIVED) == []


@pytest.mark.parametrize("old, new", ALLOWED, ids=[f"{_id(o)}->{n}" for o, n in ALLOWED])
def test_allowed_pair_succeeds_with_its_data(in_tenant, world, old, new) -> None:
    with in_tenant(world.tenant):
        if old is None:
            case = open_case(new, **new_case_fields(world))
            db.session.commit()
            assert case.status is new and history(case.id) == 1
            assert (case.number is not None) == (new is S.ACCEPTED)
            return
        case, fields = prepare(world, old, new)
        before = history(case.id)
        transition(case, new, **fields)
        db.session.commit()
        case = db.session.get(Case, case.id)
        assert case.status is new and history(case.id) == before + 1
        last = db.session.scalar(select(StatusChange).where(StatusChange.case_id == case.id)
                                 .order_by(StatusChange.at.desc(), StatusChange.id.desc())
                                 .limit(1))
        assert (last.from_status, last.to_status) == (old, new)
        if new in (S.REJECTED, S.FAILED, S.TERMINATED, S.TRANSFERRED):
            assert case.closed_on is not None
        if new is S.AGREED:
            assert case.closed_on == DAY  # the agreement's effective date
        if new is S.ARCHIVED:
            assert case.archived_on is not None


GUARDED = [(old, new, omit) for old, new in ALLOWED if old is not None
           for omit in GUARDS.get(new, [])
           if not (new is S.ARCHIVED and old is not S.AGREED)]


@pytest.mark.parametrize("old, new, omit", GUARDED,
                         ids=[f"{o}->{n}-without-{m}" for o, n, m in GUARDED])
def test_each_guard_refuses_without_its_data(in_tenant, world, old, new, omit) -> None:
    with in_tenant(world.tenant):
        case, fields = prepare(world, old, new, omit=omit)
        case_id, before = case.id, history(case.id)
        with pytest.raises(TransitionRefused):
            transition(case, new, **fields)
        db.session.rollback()
        case = db.session.get(Case, case_id)
        assert case.status is old and history(case_id) == before


def test_new_case_accepted_directly_needs_its_number(in_tenant, world) -> None:
    with in_tenant(world.tenant):
        with pytest.raises(TransitionRefused):
            Case(status=S.ACCEPTED, **new_case_fields(world))
        with pytest.raises(TransitionRefused):
            open_case(S.ACCEPTED, **{**new_case_fields(world), "accepted_on": date(2026, 3, 1)})


@pytest.mark.parametrize("old, new", DISALLOWED,
                         ids=[f"{_id(o)}->{n}" for o, n in DISALLOWED])
def test_disallowed_pair_is_refused_even_by_assignment(in_tenant, world, old, new) -> None:
    with in_tenant(world.tenant):
        if old is None:
            with pytest.raises(TransitionRefused):
                Case(status=new, **new_case_fields(world))
            with pytest.raises(TransitionRefused):
                open_case(new, **new_case_fields(world))
            return
        # Every record any step could need is there: only the pair itself is wrong.
        case, _fields = prepare(world, old, new)
        db.session.add(ReturnVisit(case_id=case.id, visited_on=DAY, method=VisitMethod.PHONE,
                                   performance=Performance.PERFORMED))
        db.session.commit()
        case_id = case.id
        with pytest.raises(TransitionRefused):
            case.status = new
        db.session.rollback()
        case = db.session.get(Case, case_id)
        with pytest.raises(TransitionRefused):
            transition(case, new, mediator_id=world.mediator_id, routes_explained=True,
                       rejection_reason=RejectionReason.OTHER,
                       termination_reason=TerminationReason.OTHER)
        db.session.rollback()
        assert db.session.get(Case, case_id).status is old


@pytest.mark.parametrize("status", list(CaseStatus))
def test_same_status_is_no_transition(in_tenant, world, status) -> None:
    with in_tenant(world.tenant):
        case = drive_case(world, status)
        db.session.commit()
        before = history(case.id)
        case.status = status  # a no-op, not a step
        db.session.commit()
        assert history(case.id) == before


def test_number_in_tenant_format_and_given_back_on_rollback(in_tenant, world) -> None:
    with in_tenant(world.tenant):
        first = drive_case(world, S.APPLIED)
        second = drive_case(world, S.APPLIED)
        db.session.commit()
        expected = numbering.format_number(CASE_SERIES, 1, 2026)
        assert expected.startswith("（2026）") and expected.endswith("人调字第1号")
        abbreviation = numbering.numbering_settings().get("abbreviation") or ""
        assert expected == f"（2026）{abbreviation}人调字第1号"
        transition(first, S.ACCEPTED, on=DAY)
        assert first.number == expected
        db.session.rollback()  # e.g. a later refusal in the same request
        assert db.session.get(Case, first.id).number is None
        transition(db.session.get(Case, second.id), S.ACCEPTED, on=DAY)
        db.session.commit()
        assert db.session.get(Case, second.id).number == expected
        transition(db.session.get(Case, first.id), S.ACCEPTED, on=DAY)
        db.session.commit()
        assert db.session.get(Case, first.id).number == numbering.format_number(
            CASE_SERIES, 2, 2026)
        # A refused acceptance issues nothing either.
        third = drive_case(world, S.APPLIED)
        db.session.commit()
        with pytest.raises(TransitionRefused):
            transition(third, S.ACCEPTED, accepted_on=date(2026, 3, 1))
        db.session.rollback()
        transition(db.session.get(Case, third.id), S.ACCEPTED, on=DAY)
        db.session.commit()
        assert db.session.get(Case, third.id).number == numbering.format_number(
            CASE_SERIES, 3, 2026)


def test_agreement_missing_contents_names_the_fields(in_tenant, world) -> None:
    with in_tenant(world.tenant):
        case = drive_case(world, S.MEDIATING)
        written = Agreement(case_id=case.id, kind=AgreementKind.WRITTEN, effective_on=DAY,
                            terms="赔偿")
        assert written.missing_contents() == ["facts", "liabilities", "performance_method"]
        oral = Agreement(case_id=case.id, kind=AgreementKind.ORAL, effective_on=DAY, terms="")
        assert oral.missing_contents() == ["terms"]
