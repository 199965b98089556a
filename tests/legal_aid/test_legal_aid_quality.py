"""Quality on the case page (1122 contacts and choices capped at two, follow-ups, scored
reviews, complaints from receipt to finding) and the quality page across cases."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from core.sdk import db
from plugins.legal_aid.models import AidCase, Complaint, QualityCheck
from plugins.legal_aid.models.enums import CaseStatus, ComplaintStatus, QualityKind

from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401


def case_url(world, case_id: int, action: str = "") -> str:
    url = f"/t/{world.tenant.slug}/legal_aid/cases/{case_id}"
    return f"{url}/{action.replace('_', '-')}" if action else url


def make_case(app, world, status: CaseStatus, **fields) -> int:
    with in_world(app, world):
        case = drive_case(world, status, **fields)
        db.session.commit()
        return case.id


def checks(app, world, case_id: int, kind: QualityKind) -> list[QualityCheck]:
    with in_world(app, world):
        found = list(db.session.scalars(select(QualityCheck).where(
            QualityCheck.case_id == case_id, QualityCheck.kind == kind)
            .order_by(QualityCheck.id)))
        for check in found:
            db.session.expunge(check)
        return found


def test_contacts_and_choices_are_numbered_and_capped_at_two(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.IN_PROGRESS)
    reviewer = login_as("reviewer")
    page = reviewer.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="quality-contacts" data-count="0"' in page
    # The choice defaults to the current assignee.
    assert re.search(r'name="choice-subject"[^>]*value="周婷"', page)
    for day in ("2026-03-08", "2026-03-20"):
        assert reviewer.post(case_url(world, case_id, "contact"), data={
            "contact-checked_on": day, "contact-content": "电话联系受援人与承办律师"}
        ).status_code == 303
        assert reviewer.post(case_url(world, case_id, "choice"), data={
            "choice-checked_on": day, "choice-subject": "周婷"}).status_code == 303
    # A third is not offered, and a post of it changes nothing.
    third = reviewer.post(case_url(world, case_id, "contact"), data={
        "contact-checked_on": "2026-03-21", "contact-content": "x"})
    assert third.status_code == 303
    assert [c.round for c in checks(app, world, case_id, QualityKind.CONTACT)] == [1, 2]
    assert [c.round for c in checks(app, world, case_id, QualityKind.CHOICE)] == [1, 2]
    page = reviewer.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="quality-contacts" data-count="2"' in page
    assert 'data-testid="quality-choices" data-count="2"' in page
    assert 'data-testid="action-contact"' not in page
    assert 'data-testid="action-choice"' not in page
    # Before the assignment (2026-03-05): refused on the form.
    other = make_case(app, world, CaseStatus.ASSIGNED)
    early = reviewer.post(case_url(world, other, "contact"), data={
        "contact-checked_on": "2026-03-01", "contact-content": "x"})
    assert early.status_code == 422
    assert checks(app, world, other, QualityKind.CONTACT) == []


def test_a_closed_case_without_1122_is_highlighted(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.CLOSED)
    page = login_as("director").get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="quality-contacts" data-count="0" data-missing="true"' in page
    assert 'data-testid="quality-gap"' in page
    # Follow-ups and scored reviews are still possible after closing.
    assert 'data-testid="action-follow_up"' in page
    assert 'data-testid="action-hearing"' in page
    assert 'data-testid="action-contact"' not in page


def test_follow_ups_and_scores(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.CLOSED)
    director = login_as("director")
    assert director.post(case_url(world, case_id, "follow_up"), data={
        "follow_up-checked_on": "2026-05-02", "follow_up-subject": "张桂兰",
        "follow_up-satisfaction": "very_satisfied", "follow_up-content": "对律师很满意"}
    ).status_code == 303
    for name, score in (("hearing", "88"), ("file_review", "0"), ("key_review", "100")):
        assert director.post(case_url(world, case_id, name), data={
            f"{name}-checked_on": "2026-05-03", f"{name}-score": score,
            f"{name}-checker": "吴主任"}).status_code == 303, name
    for score in ("101", "-1", "8.5", ""):
        bad = director.post(case_url(world, case_id, "hearing"), data={
            "hearing-checked_on": "2026-05-03", "hearing-score": score,
            "hearing-checker": "吴主任"})
        assert bad.status_code == 422, score
    assert [c.score for c in checks(app, world, case_id, QualityKind.HEARING)] == [88]
    assert [c.score for c in checks(app, world, case_id, QualityKind.FILE_REVIEW)] == [0]
    page = director.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="follow-up" data-satisfaction="very_satisfied"' in page
    assert 'data-testid="quality-score" data-kind="key_review" data-score="100"' in page
    # The lawyer neither sees the panel nor records quality.
    lawyer = login_as("lawyer2")
    assert 'data-testid="case-quality"' not in lawyer.get(
        case_url(world, case_id)).get_data(as_text=True)
    assert lawyer.post(case_url(world, case_id, "follow_up"), data={}).status_code == 403


def test_complaint_lifecycle(app, world, login_as):
    case_id = make_case(app, world, CaseStatus.IN_PROGRESS)
    other_id = make_case(app, world, CaseStatus.IN_PROGRESS)
    reviewer = login_as("reviewer")
    page = reviewer.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="action-complaint_result"' not in page
    assert reviewer.post(case_url(world, case_id, "complaint"), data={
        "complaint-received_on": "2026-03-15", "complaint-complainant": "张桂兰",
        "complaint-content": "律师一个月未联系我。"}).status_code == 303
    assert reviewer.post(case_url(world, other_id, "complaint"), data={
        "complaint-received_on": "2026-03-15", "complaint-complainant": "某人",
        "complaint-content": "另一投诉"}).status_code == 303
    with in_world(app, world):
        mine = db.session.scalar(select(Complaint.id).where(Complaint.case_id == case_id))
        theirs = db.session.scalar(select(Complaint.id).where(Complaint.case_id == other_id))
    page = reviewer.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="complaint" data-status="open"' in page
    assert 'data-testid="action-complaint_result"' in page
    # Another case's complaint is not a choice here; a date before receipt is refused.
    wrong = reviewer.post(case_url(world, case_id, "complaint_result"), data={
        "complaint_result-complaint": str(theirs), "complaint_result-status": "substantiated",
        "complaint_result-handled_on": "2026-03-20", "complaint_result-action": "x"})
    assert wrong.status_code == 422
    early = reviewer.post(case_url(world, case_id, "complaint_result"), data={
        "complaint_result-complaint": str(mine), "complaint_result-status": "substantiated",
        "complaint_result-handled_on": "2026-03-10", "complaint_result-action": "x"})
    assert early.status_code == 422
    done = reviewer.post(case_url(world, case_id, "complaint_result"), data={
        "complaint_result-complaint": str(mine), "complaint_result-status": "substantiated",
        "complaint_result-handled_on": "2026-03-20",
        "complaint_result-action": "约谈承办律师，责令每两周联系受援人。"})
    assert done.status_code == 303
    with in_world(app, world):
        complaint = db.session.get(Complaint, mine)
        assert complaint.status is ComplaintStatus.SUBSTANTIATED
        assert complaint.handled_on == date(2026, 3, 20)
        assert db.session.get(Complaint, theirs).status is ComplaintStatus.OPEN
    page = reviewer.get(case_url(world, case_id)).get_data(as_text=True)
    assert 'data-testid="complaint" data-status="substantiated"' in page
    assert 'data-testid="action-complaint_result"' not in page


def test_quality_page_across_cases(app, world, login_as):
    complete = make_case(app, world, CaseStatus.IN_PROGRESS)
    lacking = make_case(app, world, CaseStatus.ASSIGNED, provider="li")
    closed = make_case(app, world, CaseStatus.CLOSED)
    reviewer = login_as("reviewer")
    for day in ("2026-03-08", "2026-03-09"):
        reviewer.post(case_url(world, complete, "contact"), data={
            "contact-checked_on": day, "contact-content": "x"})
        reviewer.post(case_url(world, complete, "choice"), data={
            "choice-checked_on": day, "choice-subject": "周婷"})
    reviewer.post(case_url(world, lacking, "contact"), data={
        "contact-checked_on": "2026-03-08", "contact-content": "x"})
    for satisfaction in ("very_satisfied", "satisfied", "satisfied", "dissatisfied"):
        assert reviewer.post(case_url(world, closed, "follow_up"), data={
            "follow_up-checked_on": "2026-05-02", "follow_up-subject": "张桂兰",
            "follow_up-satisfaction": satisfaction}).status_code == 303
    for score in ("80", "91"):
        reviewer.post(case_url(world, closed, "hearing"), data={
            "hearing-checked_on": "2026-05-03", "hearing-score": score,
            "hearing-checker": "周审查"})
    reviewer.post(case_url(world, lacking, "file_review"), data={
        "file_review-checked_on": "2026-05-03", "file_review-score": "70",
        "file_review-checker": "周审查"})
    reviewer.post(case_url(world, lacking, "complaint"), data={
        "complaint-received_on": "2026-05-04", "complaint-complainant": "张桂兰",
        "complaint-content": "律师态度差"})
    with in_world(app, world):
        numbers = {key: db.session.get(AidCase, cid).number
                   for key, cid in (("complete", complete), ("lacking", lacking))}
        assert db.session.scalar(select(func.count()).select_from(QualityCheck)) == 12
    url = f"/t/{world.tenant.slug}/legal_aid/quality/?kind=month&year=2026&number=5"
    body = reviewer.get(url).get_data(as_text=True)
    assert (f'data-testid="quality-gap" data-number="{numbers["lacking"]}" '
            'data-contacts="1" data-choices="0"') in body
    assert f'data-number="{numbers["complete"]}" data-contacts' not in body
    assert 'data-testid="satisfied-rate" data-rate="75.0" data-total="4"' in body
    assert 'data-value="satisfied" data-count="2"' in body
    assert re.search(r'data-provider="周婷">.*?data-kind="hearing" data-average="85.5"', body,
                     re.S)
    assert re.search(r'data-provider="李明">.*?data-kind="file_review" data-average="70.0"',
                     body, re.S)
    assert f'data-testid="open-complaint" data-number="{numbers["lacking"]}"' in body
    assert 'data-testid="complaints-total" data-total="1"' in body
    # Another month: no calls, no scores, no complaints received; open gaps still listed.
    march = reviewer.get(url.replace("number=5", "number=3")).get_data(as_text=True)
    assert 'data-testid="satisfied-rate"' not in march
    assert 'data-testid="complaints-total" data-total="0"' in march
    assert 'data-testid="quality-gap"' in march
    assert login_as("lawyer2").get(url).status_code == 403
    assert login_as("leader").get(url).status_code == 403
