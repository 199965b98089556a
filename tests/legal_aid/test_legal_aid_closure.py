"""Handling and closure on the case page: the assignee's notes and end of the matter, the
closure materials, the director's review with the subsidy from the tenant's rates, and
the archive."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.sdk import db
from plugins.legal_aid.models import AidCase, ProgressNote
from plugins.legal_aid.models.enums import CaseStatus, NoteKind, ReviewGrade
from plugins.legal_aid.settings import legal_aid_settings

from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401


def case_url(world, case_id: int, action: str = "") -> str:
    url = f"/t/{world.tenant.slug}/legal_aid/cases/{case_id}"
    return f"{url}/{action.replace('_', '-')}" if action else url


def make_case(app, world, status: CaseStatus, **fields) -> int:
    with in_world(app, world):
        case = drive_case(world, status, **fields)
        db.session.commit()
        return case.id


def load(app, world, case_id: int) -> AidCase:
    with in_world(app, world):
        case = db.session.get(AidCase, case_id)
        db.session.expunge(case)
        return case


def invalid(body: str, field_id: str) -> bool:
    """Whether the form field is marked invalid (the message itself is translated)."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*id="{field_id}"[^>]*>', body)
    return tag is not None and "is-invalid" in tag.group(0)


def set_rates(app, world, **values) -> None:
    with in_world(app, world):
        legal_aid_settings().set_many(values)
        db.session.commit()


def test_the_assignee_records_work_and_ends_the_matter(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.IN_PROGRESS, provider="zhou")
    lawyer = login_as("lawyer2")
    page = lawyer.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="action-note"' in page and 'data-testid="action-end"' in page
    assert 'data-testid="action-review"' not in page
    response = lawyer.post(case_url(world, case_id, "note"), data={
        "note-noted_on": "2026-03-10", "note-kind": "meeting",
        "note-content": "会见受援人，了解欠薪情况。"})
    assert response.status_code == 303
    response = lawyer.post(case_url(world, case_id, "end"), data={
        "end-ended_on": "2026-04-20", "end-result": "settled",
        "end-result_summary": "经调解，对方支付全部欠薪。", "end-amount_recovered": "18000"})
    assert response.status_code == 303
    case = load(app, world, case_id)
    assert case.status is CaseStatus.ENDED and case.ended_on == date(2026, 4, 20)
    assert case.amount_recovered == Decimal("18000.00")
    with in_world(app, world):
        notes = list(db.session.scalars(select(ProgressNote).where(
            ProgressNote.case_id == case_id)))
        assert [(n.noted_on, n.kind) for n in notes] == [(date(2026, 3, 10), NoteKind.MEETING)]
        assert notes[0].user_id is not None
    page = lawyer.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="progress-note"' in page and "会见受援人" in page
    assert 'data-testid="ended-on">2026-04-20' in page
    assert 'data-testid="action-materials"' in page
    # The materials: the lawyer records them, then the step is no longer offered.
    response = lawyer.post(case_url(world, case_id, "materials"),
                           data={"materials-materials_submitted_on": "2026-04-25"})
    assert response.status_code == 303
    assert load(app, world, case_id).materials_submitted_on == date(2026, 4, 25)
    page = lawyer.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="action-materials"' not in page
    assert 'data-testid="action-review"' not in page  # the director's step
    assert lawyer.post(case_url(world, case_id, "review"), data={}).status_code == 403


def test_another_lawyer_cannot_see_or_handle_the_case(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.IN_PROGRESS, provider="zhou")
    other = login_as("lawyer")
    assert other.get(case_url(world, case_id)).status_code == 404
    response = other.post(case_url(world, case_id, "note"), data={
        "note-noted_on": "2026-03-10", "note-kind": "meeting", "note-content": "x"})
    assert response.status_code == 404
    with in_world(app, world):
        assert db.session.scalar(select(ProgressNote.id)) is None


def test_bad_dates_and_amounts_are_refused_on_the_form(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.IN_PROGRESS, provider="zhou")
    lawyer = login_as("lawyer2")
    # Assigned 2026-03-05, agreement 2026-03-07 (drive_case).
    before = lawyer.post(case_url(world, case_id, "note"), data={
        "note-noted_on": "2026-03-01", "note-kind": "meeting", "note-content": "x"})
    assert before.status_code == 422
    assert invalid(before.get_data(as_text=True), "note-noted_on")
    future = lawyer.post(case_url(world, case_id, "note"), data={
        "note-noted_on": "2999-01-01", "note-kind": "meeting", "note-content": "x"})
    assert future.status_code == 422
    assert invalid(future.get_data(as_text=True), "note-noted_on")
    bad_kind = lawyer.post(case_url(world, case_id, "note"), data={
        "note-noted_on": "2026-03-10", "note-kind": "nonsense", "note-content": "x"})
    assert bad_kind.status_code == 422
    negative = lawyer.post(case_url(world, case_id, "end"), data={
        "end-ended_on": "2026-04-20", "end-result": "won", "end-result_summary": "x",
        "end-amount_recovered": "-5"})
    assert negative.status_code == 422
    assert invalid(negative.get_data(as_text=True), "end-amount_recovered")
    early = lawyer.post(case_url(world, case_id, "end"), data={
        "end-ended_on": "2026-03-06", "end-result": "won", "end-result_summary": "x"})
    assert early.status_code == 422
    assert invalid(early.get_data(as_text=True), "end-ended_on")
    garbage = lawyer.post(case_url(world, case_id, "end"), data={
        "end-ended_on": "not a date", "end-result": "won", "end-result_summary": "x",
        "end-amount_recovered": "abc"})
    assert garbage.status_code == 422
    case = load(app, world, case_id)
    assert case.status is CaseStatus.IN_PROGRESS and case.ended_on is None
    with in_world(app, world):
        assert db.session.scalar(select(ProgressNote.id)) is None


def _to_review(app, world, login_as, **fields) -> int:
    case_id = make_case(app, world, CaseStatus.ENDED, provider="zhou", **fields)
    # drive_case ends the matter on 2026-04-16.
    response = login_as("lawyer2").post(case_url(world, case_id, "materials"), data={
        "materials-materials_submitted_on": "2026-04-20"})
    assert response.status_code == 303
    return case_id


def test_review_computes_the_subsidy_from_the_tenant_rates(app, world, login_as):
    set_rates(app, world, subsidy_civil="1000", subsidy_excellent_percent=150,
              subsidy_unqualified_percent=30)
    case_id = _to_review(app, world, login_as)
    director = login_as("director")
    page = director.get(case_url(world, case_id)).get_data(as_text=True)
    # The computation is shown before saving: each grade's amount for the civil rate.
    assert 'data-testid="review-computation" data-base="1000.00"' in page
    assert 'data-testid="review-grade-excellent" data-amount="1500.00"' in page
    assert 'data-testid="review-grade-qualified" data-amount="1000.00"' in page
    assert 'data-testid="review-grade-unqualified" data-amount="300.00"' in page
    response = director.post(case_url(world, case_id, "review"), data={
        "review-reviewed_on": "2026-04-28", "review-review_grade": "excellent",
        "review-review_note": "办案规范，效果良好。", "review-subsidy_extra": "123.45"})
    assert response.status_code == 303
    case = load(app, world, case_id)
    assert case.status is CaseStatus.CLOSED and case.review_grade is ReviewGrade.EXCELLENT
    assert (case.subsidy_base, case.subsidy_extra, case.subsidy_amount) == (
        Decimal("1000.00"), Decimal("123.45"), Decimal("1623.45"))
    page = director.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-amount="1623.45"' in page and 'data-grade="excellent"' in page


def test_unqualified_and_qualified_shares(app, world, login_as):
    set_rates(app, world, subsidy_labour_arbitration="600", subsidy_unqualified_percent=25)
    unqualified = _to_review(app, world, login_as, category="labour_arbitration")
    qualified = _to_review(app, world, login_as)  # civil at the default 800
    director = login_as("director")
    assert director.post(case_url(world, unqualified, "review"), data={
        "review-reviewed_on": "2026-04-28", "review-review_grade": "unqualified"}
    ).status_code == 303
    assert director.post(case_url(world, qualified, "review"), data={
        "review-reviewed_on": "2026-04-28", "review-review_grade": "qualified"}
    ).status_code == 303
    case = load(app, world, unqualified)
    assert (case.subsidy_base, case.subsidy_extra, case.subsidy_amount) == (
        Decimal("600.00"), Decimal("0.00"), Decimal("150.00"))
    assert load(app, world, qualified).subsidy_amount == Decimal("800.00")


def test_review_before_the_materials_is_refused(app, world, login_as):
    case_id = _to_review(app, world, login_as)
    response = login_as("director").post(case_url(world, case_id, "review"), data={
        "review-reviewed_on": "2026-04-19", "review-review_grade": "qualified",
        "review-subsidy_extra": "-1"})
    assert response.status_code == 422
    response = login_as("director").post(case_url(world, case_id, "review"), data={
        "review-reviewed_on": "2026-04-19", "review-review_grade": "qualified"})
    assert response.status_code == 422
    assert invalid(response.get_data(as_text=True), "review-reviewed_on")
    case = load(app, world, case_id)
    assert case.status is CaseStatus.ENDED and case.subsidy_amount is None


def test_archive_a_closed_and_a_refused_case(app, world, login_as):
    closed = make_case(app, world, CaseStatus.CLOSED)
    refused = make_case(app, world, CaseStatus.REFUSED)
    director = login_as("director")
    page = director.get(case_url(world, closed)).get_data(as_text=True)
    assert 'data-testid="action-archive"' in page
    # Reviewed 2026-04-24 by drive_case: an earlier archive date is refused.
    early = director.post(case_url(world, closed, "archive"), data={
        "archive-archived_on": "2026-04-01", "archive-archive_number": "2026-001"})
    assert early.status_code == 422
    missing = director.post(case_url(world, closed, "archive"), data={
        "archive-archived_on": "2026-05-01", "archive-archive_number": ""})
    assert missing.status_code == 422
    assert load(app, world, closed).status is CaseStatus.CLOSED
    for case_id, number in ((closed, "2026-001"), (refused, "2026-002")):
        response = director.post(case_url(world, case_id, "archive"), data={
            "archive-archived_on": "2026-05-01", "archive-archive_number": number})
        assert response.status_code == 303
        case = load(app, world, case_id)
        assert case.status is CaseStatus.ARCHIVED and case.archive_number == number
    page = director.get(case_url(world, closed)).get_data(as_text=True)
    assert 'data-testid="archived">2026-05-01' in page
    assert 'data-testid="action-archive"' not in page
    # Not offered to an open case.
    open_id = make_case(app, world, CaseStatus.IN_PROGRESS)
    response = director.post(case_url(world, open_id, "archive"), data={
        "archive-archived_on": "2026-05-01", "archive-archive_number": "x"})
    assert response.status_code == 303
    assert load(app, world, open_id).status is CaseStatus.IN_PROGRESS
