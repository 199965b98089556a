"""The working-day calendar: national holidays and 调休, tenant overrides, the admin page."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import event, select

from core.audit.models import AuditEvent
from core.db import db
from core.sdk import tenant_context
from core.workdays.calendar import (
    LAST_COVERED,
    CalendarNotCovered,
    add_working_days,
    is_workday,
    working_days_between,
)
from core.workdays.models import CalendarOverride, DayKind

from conftest import TenantFixture
from test_admin_support import add_user, client_of, relax_second_factor


def add_override(app: Flask, tenant: TenantFixture, day: date, kind: DayKind) -> None:
    with app.app_context(), tenant_context(tenant.id):
        db.session.add(CalendarOverride(day=day, kind=kind, note="test"))
        db.session.commit()


def overrides_of(app: Flask, tenant: TenantFixture) -> list[tuple[date, DayKind, str]]:
    with app.app_context(), tenant_context(tenant.id):
        return [(o.day, o.kind, o.note) for o in db.session.scalars(
            select(CalendarOverride).order_by(CalendarOverride.day))]


# --- the national calendar ---------------------------------------------------------------


def test_national_day_2026_is_a_holiday_and_its_make_up_saturday_a_workday(
        in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        # 2026 National Day: 1-7 October off (Thu 1 Oct .. Wed 7 Oct), Sat 10 Oct worked.
        assert not is_workday(date(2026, 10, 1))
        assert not is_workday(date(2026, 10, 5))  # a Monday
        assert not is_workday(date(2026, 10, 7))  # a Wednesday
        assert is_workday(date(2026, 10, 8))
        assert date(2026, 10, 10).weekday() == 5
        assert is_workday(date(2026, 10, 10))  # 调休 Saturday
        assert not is_workday(date(2026, 10, 11))  # an ordinary Sunday


def test_spring_festival_2026_and_2025(in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        # 2026: 15-23 February off; Sat 14 Feb and Sat 28 Feb worked.
        for day in (16, 17, 18, 19, 20, 23):
            assert not is_workday(date(2026, 2, day)), day
        assert is_workday(date(2026, 2, 14)) and is_workday(date(2026, 2, 28))
        assert is_workday(date(2026, 2, 24))
        # 2025: 28 Jan - 4 Feb off; Sun 26 Jan and Sat 8 Feb worked.
        assert not is_workday(date(2025, 1, 29))
        assert is_workday(date(2025, 1, 26)) and is_workday(date(2025, 2, 8))
        # An ordinary week.
        assert is_workday(date(2026, 3, 10)) and not is_workday(date(2026, 3, 14))


def test_add_working_days_skips_the_holiday_and_counts_the_make_up_day(
        in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        # From Wed 30 Sep 2026: 1-7 Oct off, Thu 8, Fri 9, Sat 10 (调休) are working days.
        assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
        assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
        assert add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)
        # The start day is not counted, even when it is a holiday.
        assert add_working_days(date(2026, 10, 1), 1) == date(2026, 10, 8)
        # 0: the start if it is a working day, else the next one.
        assert add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)
        assert add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)
        assert working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
        assert working_days_between(date(2026, 9, 30), date(2026, 10, 7)) == 0
        assert working_days_between(date(2026, 10, 12), date(2026, 9, 30)) == 0
        with pytest.raises(ValueError):
            add_working_days(date(2026, 9, 30), -1)


def test_beyond_the_package_data_it_refuses_instead_of_guessing(
        in_tenant, tenant_a: TenantFixture) -> None:
    assert date(2026, 12, 31) == LAST_COVERED
    with in_tenant(tenant_a):
        with pytest.raises(CalendarNotCovered) as raised:
            is_workday(date(2027, 1, 4))
        assert "2027-01-04" in str(raised.value) and "2026-12-31" in str(raised.value)
        assert isinstance(raised.value, ValueError)
        # A count running into the unknown year fails as well, not only a start there.
        with pytest.raises(CalendarNotCovered):
            add_working_days(date(2026, 12, 28), 10)
        with pytest.raises(CalendarNotCovered):
            working_days_between(date(2026, 12, 1), date(2027, 1, 15))
        with pytest.raises(CalendarNotCovered):
            is_workday(date(2003, 12, 31))


# --- tenant overrides --------------------------------------------------------------------


def test_tenant_overrides_win_both_ways_and_stay_in_their_tenant(
        app: Flask, in_tenant, tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    local_holiday = date(2026, 3, 10)  # a Tuesday
    worked_sunday = date(2026, 3, 15)
    add_override(app, tenant_a, local_holiday, DayKind.HOLIDAY)
    add_override(app, tenant_a, worked_sunday, DayKind.WORKDAY)
    add_override(app, tenant_a, date(2026, 10, 9), DayKind.HOLIDAY)
    with in_tenant(tenant_a):
        assert not is_workday(local_holiday)
        assert is_workday(worked_sunday)
        # Mon 9 Mar -> Tue 10 (off here) -> Wed 11.
        assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 11)
        # Fri 13 Mar -> Sun 15 (worked here).
        assert add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 15)
        assert add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 10)
        assert working_days_between(date(2026, 3, 9), date(2026, 3, 16)) == 5
    with in_tenant(tenant_b):
        assert is_workday(local_holiday)
        assert not is_workday(worked_sunday)
        assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)
        assert add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 9)
        assert working_days_between(date(2026, 3, 9), date(2026, 3, 16)) == 5


def test_overrides_are_read_in_one_query_per_call(app: Flask, in_tenant,
                                                  tenant_a: TenantFixture) -> None:
    add_override(app, tenant_a, date(2026, 3, 10), DayKind.HOLIDAY)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if "calendar_overrides" in statement:
            statements.append(statement)

    with in_tenant(tenant_a):
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert add_working_days(date(2026, 1, 5), 200) > date(2026, 10, 1)
            assert working_days_between(date(2026, 1, 5), date(2026, 12, 31)) > 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 2


def test_outside_a_tenant_it_fails_closed(app: Flask, tenant_a: TenantFixture) -> None:
    from core.tenancy.context import NoTenantContext

    with app.app_context(), pytest.raises(NoTenantContext):
        is_workday(date(2026, 3, 10))


# --- the admin page ----------------------------------------------------------------------


def calendar_url(tenant: TenantFixture) -> str:
    return f"/t/{tenant.slug}/admin/calendar"


def test_sysadmin_adds_and_deletes_an_override_audited(
        app: Flask, tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "sys", "sysadmin")
    client = client_of(app, tenant_a, "sys")

    page = client.get(calendar_url(tenant_a) + "?year=2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="calendar-form"' in html
    assert 'data-testid="calendar-no-overrides"' in html
    # The national calendar for reference: a weekday off and a 调休 Saturday.
    assert 'data-day="2026-10-01" data-kind="holiday"' in html
    assert 'data-day="2026-10-10" data-kind="workday"' in html
    nav = client.get(f"/t/{tenant_a.slug}/").get_data(as_text=True)
    assert "/admin/calendar" in nav

    response = client.post(calendar_url(tenant_a),
                           data={"day": "2026-03-10", "kind": "holiday", "note": "县庆"})
    assert response.status_code == 302
    assert overrides_of(app, tenant_a) == [(date(2026, 3, 10), DayKind.HOLIDAY, "县庆")]
    assert overrides_of(app, tenant_b) == []
    html = client.get(calendar_url(tenant_a) + "?year=2026").get_data(as_text=True)
    assert 'data-day="2026-03-10" data-kind="holiday"' in html and "县庆" in html
    # Another year shows none of it.
    html = client.get(calendar_url(tenant_a) + "?year=2025").get_data(as_text=True)
    assert 'data-day="2026-03-10"' not in html
    # Beyond the package's data the page says so (and does not fail).
    html = client.get(calendar_url(tenant_a) + "?year=2030").get_data(as_text=True)
    assert 'data-testid="calendar-not-covered"' in html
    assert client.get(calendar_url(tenant_a) + "?year=abc").status_code == 200

    with app.app_context(), tenant_context(tenant_a.id):
        override_id = db.session.scalar(select(CalendarOverride.id))
        added = db.session.scalar(select(AuditEvent).where(
            AuditEvent.event == "calendar.override.add"))
        assert added is not None and added.target_id == override_id

    # Tenant B's administrator cannot delete A's row (404, row kept).
    relax_second_factor(app, tenant_b)
    add_user(app, tenant_b, "sys", "sysadmin")
    other = client_of(app, tenant_b, "sys")
    assert other.post(f"{calendar_url(tenant_b)}/{override_id}/delete").status_code == 404
    assert len(overrides_of(app, tenant_a)) == 1

    response = client.post(f"{calendar_url(tenant_a)}/{override_id}/delete")
    assert response.status_code == 302
    assert overrides_of(app, tenant_a) == []
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.event == "calendar.override.delete")) is not None
    assert client.post(f"{calendar_url(tenant_a)}/{override_id}/delete").status_code == 404


def test_duplicate_day_and_bad_input_are_refused_beside_the_field(
        app: Flask, tenant_a: TenantFixture) -> None:
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "sys", "sysadmin")
    client = client_of(app, tenant_a, "sys")
    add_override(app, tenant_a, date(2026, 3, 10), DayKind.HOLIDAY)

    response = client.post(calendar_url(tenant_a),
                           data={"day": "2026-03-10", "kind": "workday", "note": "再来一次"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "invalid-feedback" in html
    assert 'value="再来一次"' in html and 'value="2026-03-10"' in html  # input kept
    assert overrides_of(app, tenant_a) == [(date(2026, 3, 10), DayKind.HOLIDAY, "test")]

    response = client.post(calendar_url(tenant_a),
                           data={"day": "not a date", "kind": "holiday", "note": "x" * 201})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("invalid-feedback") >= 2
    response = client.post(calendar_url(tenant_a),
                           data={"day": "2026-03-11", "kind": "sometimes", "note": ""})
    assert response.status_code == 200 and "invalid-feedback" in response.get_data(as_text=True)
    assert len(overrides_of(app, tenant_a)) == 1


def test_only_the_system_administrator_may_manage_the_calendar(
        app: Flask, tenant_a: TenantFixture) -> None:
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "sec", "secadmin")
    add_user(app, tenant_a, "clerk", "staff")
    add_override(app, tenant_a, date(2026, 3, 10), DayKind.HOLIDAY)
    with app.app_context(), tenant_context(tenant_a.id):
        override_id = db.session.scalar(select(CalendarOverride.id))
    for username in ("sec", "clerk"):
        client = client_of(app, tenant_a, username)
        assert client.get(calendar_url(tenant_a)).status_code == 403, username
        assert client.post(calendar_url(tenant_a), data={
            "day": "2026-03-11", "kind": "holiday"}).status_code == 403, username
        assert client.post(
            f"{calendar_url(tenant_a)}/{override_id}/delete").status_code == 403, username
        assert "/admin/calendar" not in client.get(f"/t/{tenant_a.slug}/").get_data(
            as_text=True)
    assert len(overrides_of(app, tenant_a)) == 1


def test_a_request_reads_the_overrides_once_and_sees_its_own_writes(
        app: Flask, tenant_a: TenantFixture) -> None:
    """A deadlines page counts working days for every case: one query for the overrides per
    request; an override written in the request counts from its flush on."""
    with app.test_request_context(), tenant_context(tenant_a.id):
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            first = add_working_days(date(2026, 3, 2), 3)  # Mon -> Thu
            add_working_days(date(2026, 3, 9), 3)
            working_days_between(date(2026, 3, 2), date(2026, 3, 20))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert first == date(2026, 3, 5)
        assert sum("calendar_overrides" in s for s in statements) == 1
        db.session.add(CalendarOverride(day=date(2026, 3, 4), kind=DayKind.HOLIDAY))
        db.session.flush()
        assert add_working_days(date(2026, 3, 2), 3) == date(2026, 3, 6)
        db.session.rollback()
