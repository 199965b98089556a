"""The legal aid line's platform hooks: the deadlines centre shows each user the undone
deadlines of the cases they may see (overdue ones as such), the person page lists the
person's cases, the workbench counts what waits, and parent bureaus get figures only."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from core.sdk import Tenant, db, tenant_context
from plugins.legal_aid.hooks import tenant_activity
from plugins.legal_aid.models.enums import CaseStatus
from plugins.legal_aid.workflow import today

from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401

S = CaseStatus


def rows(client, world, case_id: int) -> list[str]:
    """The deadline rows of the deadlines centre linking to the case, as HTML."""
    body = client.get(f"/t/{world.tenant.slug}/deadlines/?days=30").get_data(as_text=True)
    found = re.findall(r'<tr data-testid="deadline".*?</tr>', body, flags=re.S)
    return [row for row in found if f"/legal_aid/cases/{case_id}\"" in row]


def text(app, message: str, **values) -> str:
    with app.test_request_context():
        return html.escape(gettext(message, **values))


def make(app, world, status: CaseStatus, **fields) -> tuple[int, str | None]:
    with in_world(app, world):
        case = drive_case(world, status, **fields)
        db.session.commit()
        return case.id, case.number


def test_an_application_awaiting_decision_is_overdue_for_the_centre_not_for_lawyers(
        app, world, login_as) -> None:
    case_id, _number = make(app, world, S.RECEIVED)  # received 2026-03-02: long overdue
    reviewer = rows(login_as("reviewer"), world, case_id)
    assert len(reviewer) == 1
    assert text(app, "Decide whether to grant legal aid") in reviewer[0]
    assert "张桂兰" in reviewer[0]
    assert int(re.search(r'data-days="(-?\d+)"', reviewer[0]).group(1)) < 0
    assert rows(login_as("intake"), world, case_id)
    assert rows(login_as("director"), world, case_id)
    assert not rows(login_as("lawyer"), world, case_id)
    assert not rows(login_as("lawyer2"), world, case_id)


def test_a_recent_assignment_shows_the_agreement_to_its_lawyer_only(app, world,
                                                                    login_as) -> None:
    received = today() - timedelta(days=3)
    case_id, number = make(app, world, S.ASSIGNED, provider="zhou", received_on=received)
    mine = rows(login_as("lawyer2"), world, case_id)  # 周婷, linked to provider zhou
    assert len(mine) == 1
    assert text(app, "Sign the legal aid agreement with the client") in mine[0]
    assert number in mine[0]
    assert int(re.search(r'data-days="(-?\d+)"', mine[0]).group(1)) >= 0
    assert not rows(login_as("lawyer"), world, case_id)  # 李明: another provider
    assert rows(login_as("reviewer"), world, case_id)


def test_finished_cases_have_no_deadlines(app, world, login_as) -> None:
    closed, _ = make(app, world, S.CLOSED)
    refused, _ = make(app, world, S.REFUSED)
    terminated, _ = make(app, world, S.TERMINATED)
    director = login_as("director")
    for case_id in (closed, refused, terminated):
        assert not rows(director, world, case_id)


def test_a_case_outside_the_scope_is_not_shown(app, world, login_as) -> None:
    # A station's case: the centre's reviewer holds the line over the centre only.
    case_id, _ = make(app, world, S.RECEIVED, org_unit_id=world.station_id)
    assert not rows(login_as("reviewer"), world, case_id)
    assert rows(login_as("director"), world, case_id)


def test_the_person_page_lists_the_cases(app, world, login_as) -> None:
    _case_id, number = make(app, world, S.GRANTED)
    page = login_as("reviewer").get(
        f"/t/{world.tenant.slug}/people/{world.applicant_id}").get_data(as_text=True)
    assert number in page
    assert text(app, "Legal aid") in page


def test_the_workbench_counts_what_waits(app, world, login_as) -> None:
    make(app, world, S.RECEIVED)
    make(app, world, S.RECEIVED)
    make(app, world, S.GRANTED)
    page = login_as("reviewer").get(f"/t/{world.tenant.slug}/").get_data(as_text=True)
    cards = dict(re.findall(
        r'<div class="text-secondary small">(.*?)</div>\s*<div class="fs-2 fw-semibold">'
        r'(\d+)</div>', page))
    assert cards[text(app, "Legal aid applications awaiting a decision")] == "2"
    assert cards[text(app, "Legal aid cases to assign")] == "1"
    assert int(cards[text(app, "Overdue legal aid deadlines")]) >= 3
    lawyer = login_as("lawyer").get(f"/t/{world.tenant.slug}/").get_data(as_text=True)
    assert text(app, "Legal aid applications awaiting a decision") not in lawyer
    assert text(app, "My legal aid cases in hand") in lawyer


def test_parent_bureaus_get_counts_only(app, world) -> None:
    make(app, world, S.RECEIVED, received_on=date(2026, 3, 2))
    make(app, world, S.CLOSED, received_on=date(2026, 3, 2))  # reviewed 2026-04-25
    make(app, world, S.RECEIVED, received_on=date(2026, 1, 5))
    with app.app_context(), tenant_context(world.tenant.id):
        tenant = db.session.scalar(select(Tenant).where(Tenant.id == world.tenant.id))
        figures = {a.key: a.value for a in tenant_activity(
            tenant=tenant, since=datetime(2026, 3, 1, tzinfo=UTC))}
    assert figures == {"legal_aid.received": 2, "legal_aid.granted": 1,
                       "legal_aid.closed": 1}
