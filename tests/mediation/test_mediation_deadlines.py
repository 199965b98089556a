"""The mediation line's items in the deadlines centre (/t/<slug>/deadlines/): each shows to
the users in scope who act on it, and goes away once the step is done."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from flask_babel import gettext
from sqlalchemy import select

from core.sdk import db
from plugins.mediation.models import Case, JudicialConfirmation, ReturnVisit, Transfer
from plugins.mediation.models.enums import (
    CaseStatus,
    Counterpart,
    Performance,
    TransferDirection,
    VisitMethod,
)
from plugins.mediation.workflow import today, transition

from mediation_support import add_session, drive_case, login_as, world  # noqa: F401

S = CaseStatus


def text(app, message: str, **values) -> str:
    with app.test_request_context():
        return html.escape(gettext(message, **values))


def items(client, world, case_id: int) -> list[str]:
    """The deadline rows linking to the case, as HTML."""
    body = client.get(f"/t/{world.tenant.slug}/deadlines/?days=30").get_data(as_text=True)
    rows = re.findall(r'<tr data-testid="deadline".*?</tr>', body, flags=re.S)
    return [row for row in rows if f"/mediation/cases/{case_id}\"" in row]


def make(in_tenant, world, status: CaseStatus, **kw) -> int:
    with in_tenant(world.tenant):
        case = drive_case(world, status, **kw)
        db.session.commit()
        return case.id


def test_mediation_period_for_the_right_users_and_cleared_when_closed(
        app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.MEDIATING)  # accepted 2026-03-02, due 2026-04-02
    station, mediator = login_as("station"), login_as("mediator")
    rows = items(station, world, case_id)
    assert len(rows) == 1 and text(app, "mediation period ends") in rows[0]
    assert 'data-due="2026-04-02"' in rows[0]
    assert items(mediator, world, case_id)
    assert not items(login_as("other_station"), world, case_id)
    with in_tenant(world.tenant):
        case = db.session.get(Case, case_id)
        add_session(case, date(2026, 3, 3))
        transition(case, S.FAILED, routes_explained=True)
        db.session.commit()
    assert not items(station, world, case_id)


def test_application_decision_for_managers_only(app, in_tenant, world, login_as) -> None:
    applied = today() - timedelta(days=1)
    case_id = make(in_tenant, world, S.APPLIED, applied=applied)
    station = login_as("station")
    rows = items(station, world, case_id)
    assert len(rows) == 1 and text(app, "decide whether to accept") in rows[0]
    assert not items(login_as("mediator"), world, case_id)  # a mediator cannot accept
    assert not items(login_as("other_station"), world, case_id)
    with in_tenant(world.tenant):
        transition(db.session.get(Case, case_id), S.ACCEPTED, on=applied)
        db.session.commit()
    rows = items(station, world, case_id)
    assert len(rows) == 1 and text(app, "decide whether to accept") not in rows[0]
    assert text(app, "mediation period ends") in rows[0]


def test_application_beyond_the_holiday_calendar_falls_back_to_calendar_days(
        app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.APPLIED, applied=date(2099, 1, 5))
    rows = items(login_as("station"), world, case_id)
    assert len(rows) == 1 and 'data-due="2099-01-08"' in rows[0]  # 3 calendar days


def test_return_visit_and_confirmation_window_after_an_agreement(
        app, in_tenant, world, login_as) -> None:
    effective = today() - timedelta(days=5)
    case_id = make(in_tenant, world, S.AGREED, applied=effective)
    station = login_as("station")
    rows = " ".join(items(station, world, case_id))
    assert text(app, "return visit due") in rows
    assert text(app, "last day to apply for judicial confirmation") in rows
    assert f'data-due="{(effective + timedelta(days=30)).isoformat()}"' in rows
    assert not items(login_as("other_station"), world, case_id)
    with in_tenant(world.tenant):
        db.session.add(JudicialConfirmation(case_id=case_id, applied_on=today(),
                                            court="剑阁县人民法院"))
        db.session.commit()
    rows = " ".join(items(station, world, case_id))
    assert text(app, "last day to apply for judicial confirmation") not in rows
    assert text(app, "return visit due") in rows
    with in_tenant(world.tenant):
        db.session.add(ReturnVisit(case_id=case_id, visited_on=today(), method=VisitMethod.PHONE,
                                   performance=Performance.PERFORMED))
        db.session.commit()
    assert not items(station, world, case_id)


def test_confirmation_window_not_shown_once_past(app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.AGREED, applied=today() - timedelta(days=40))
    rows = " ".join(items(login_as("station"), world, case_id))
    assert text(app, "last day to apply for judicial confirmation") not in rows
    assert text(app, "return visit due") in rows  # and overdue


def test_feedback_to_the_referring_organ(app, in_tenant, world, login_as) -> None:
    case_id = make(in_tenant, world, S.TERMINATED)
    with in_tenant(world.tenant):
        db.session.add(Transfer(case_id=case_id, direction=TransferDirection.IN,
                                counterpart=Counterpart.POLICE, organ="城关派出所",
                                transferred_on=date(2026, 3, 1)))
        db.session.commit()
    station = login_as("station")
    rows = items(station, world, case_id)
    assert len(rows) == 1
    assert text(app, "report the result to %(organ)s", organ="城关派出所") in rows[0]
    assert not items(login_as("other_station"), world, case_id)
    with in_tenant(world.tenant):
        transfer = db.session.scalar(select(Transfer).where(Transfer.case_id == case_id))
        transfer.feedback_on = date(2026, 3, 5)
        db.session.commit()
    assert not items(station, world, case_id)


def test_workbench_cards_count_open_and_overdue(app, in_tenant, world, login_as) -> None:
    make(in_tenant, world, S.MEDIATING)  # overdue since April 2026
    make(in_tenant, world, S.APPLIED)
    body = login_as("station").get(f"/t/{world.tenant.slug}/").get_data(as_text=True)
    assert text(app, "Open mediation cases") in body
    assert text(app, "Overdue mediation cases") in body
