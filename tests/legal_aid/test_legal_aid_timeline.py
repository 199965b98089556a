"""Legal aid statutory deadlines: working days across holidays, suspended supplement time,
the notified path, 先行援助 edges, and the approximate fallback beyond the calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask_babel import force_locale

from core.db import db
from core.sdk import tenant_context, workdays
from core.workdays.models import CalendarOverride, DayKind
from plugins.legal_aid.timeline import (
    AdvanceAidCheck,
    CaseDates,
    StatutoryDeadline,
    advance_aid_check,
    statutory_deadlines,
)

from conftest import TenantFixture


def by_key(deadlines: list[StatutoryDeadline]) -> dict[str, StatutoryDeadline]:
    return {d.key: d for d in deadlines}


# --- 2026 National Day: 1-7 Oct off, Sat 10 Oct worked (Mid-autumn Fri 25 Sep off) ------


def test_calendar_data_assumed_by_these_tests(in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        assert not workdays.is_workday(date(2026, 9, 25))  # 中秋
        assert all(not workdays.is_workday(date(2026, 10, d)) for d in range(1, 8))
        assert workdays.is_workday(date(2026, 10, 8))
        assert workdays.is_workday(date(2026, 10, 10))  # 调休 Saturday
        assert not workdays.is_workday(date(2026, 10, 11))
        assert workdays.is_workday(date(2026, 2, 14))  # 调休 Saturday before Spring Festival
        assert all(not workdays.is_workday(date(2026, 2, d)) for d in range(15, 24))


def test_application_deadlines_across_national_day(in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        got = by_key(statutory_deadlines(CaseDates(received=date(2026, 9, 30))))
        # 7 working days from Wed 30 Sep: 8, 9, 10 (调休), 12, 13, 14, 15 Oct.
        assert got["decision"].due == date(2026, 10, 15)
        assert got["decision"].basis == "法律援助法第四十三条"
        assert not got["decision"].done and not got["decision"].approximate
        assert set(got) == {"decision"}

        got = by_key(statutory_deadlines(CaseDates(
            received=date(2026, 9, 22), decided=date(2026, 9, 29), granted=True,
            assigned=date(2026, 10, 9))))
        assert got["decision"].done and not got["decision"].late
        # Assignment: 3 working days from Tue 29 Sep: 30 Sep, 8 Oct, 9 Oct.
        assert got["assignment"].due == date(2026, 10, 9)
        assert got["assignment"].done and not got["assignment"].overdue(date(2026, 10, 20))
        # Agreement: 5 working days from Fri 9 Oct: 10 (调休), 12, 13, 14, 15.
        assert got["agreement"].due == date(2026, 10, 15)
        assert got["agreement"].basis == "办理法律援助案件程序规定(2023)第二十七条"
        assert not got["agreement"].overdue(date(2026, 10, 15))
        assert got["agreement"].overdue(date(2026, 10, 16))


def test_agreement_excludes_delay_caused_by_the_applicant(
        in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        dates = CaseDates(notice_received=date(2026, 10, 8), assigned=date(2026, 10, 9))
        got = by_key(statutory_deadlines(dates, agreement_excluded_days=2))
        # 5 + 2 working days from Fri 9 Oct: ... 15, Fri 16, Mon 19.
        assert got["agreement"].due == date(2026, 10, 19)
        with pytest.raises(ValueError):
            statutory_deadlines(dates, agreement_excluded_days=-1)


def test_refusal_has_no_assignment_but_the_objection_is_timed(
        in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        got = by_key(statutory_deadlines(CaseDates(
            received=date(2026, 9, 14), decided=date(2026, 9, 18), granted=False,
            objection_received=date(2026, 9, 24))))
        assert "assignment" not in got
        # 5 working days from Thu 24 Sep: 25 (中秋) off, 28, 29, 30, 8 Oct, 9 Oct.
        assert got["objection"].due == date(2026, 10, 9)
        assert got["objection"].basis == "法律援助法第四十九条"
        assert got["objection"].overdue(date(2026, 10, 12))


# --- Spring Festival 2026: 15-23 Feb off, Sat 14 Feb and Sat 28 Feb worked --------------


def test_notified_defence_across_spring_festival(in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        deadlines = statutory_deadlines(CaseDates(notice_received=date(2026, 2, 13)))
        assert [d.key for d in deadlines] == ["notified_assignment"]
        (notified,) = deadlines
        # 3 working days from Fri 13 Feb: Sat 14 (调休), Tue 24, Wed 25.
        assert notified.due == date(2026, 2, 25)
        assert notified.basis == "法律援助法第三十六条"
        assert notified.overdue(date(2026, 2, 26)) and not notified.overdue(date(2026, 2, 25))

        got = by_key(statutory_deadlines(CaseDates(
            notice_received=date(2026, 2, 13), assigned=date(2026, 2, 24))))
        # A notified case has no application to decide, whatever else is set.
        assert set(got) == {"notified_assignment", "agreement"}
        assert got["notified_assignment"].done


def test_supplement_time_is_not_counted(in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        # Received Mon 2 Mar; notice Wed 4 Mar (2 working days used); supplement Fri 13 Mar;
        # 5 remain: 16, 17, 18, 19, 20 Mar. Uninterrupted it would have been 11 Mar.
        base = CaseDates(received=date(2026, 3, 2))
        assert by_key(statutory_deadlines(base))["decision"].due == date(2026, 3, 11)
        got = by_key(statutory_deadlines(CaseDates(
            received=date(2026, 3, 2), incomplete_notice=date(2026, 3, 4),
            supplement_received=date(2026, 3, 13))))
        assert got["decision"].due == date(2026, 3, 20)
        # The "complete" date restarts the clock when no supplement date is recorded.
        got = by_key(statutory_deadlines(CaseDates(
            received=date(2026, 3, 2), incomplete_notice=date(2026, 3, 4),
            complete=date(2026, 3, 13))))
        assert got["decision"].due == date(2026, 3, 20)
        # Across the Spring Festival: received Tue 10 Feb, notice Thu 12 Feb (2 used),
        # supplement Fri 13 Feb; 5 remain: Sat 14 (调休), 24, 25, 26, 27 Feb.
        got = by_key(statutory_deadlines(CaseDates(
            received=date(2026, 2, 10), incomplete_notice=date(2026, 2, 12),
            supplement_received=date(2026, 2, 13))))
        assert got["decision"].due == date(2026, 2, 27)


def test_waiting_for_materials_suspends_and_a_late_notice_does_not_revive(
        in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        waiting = statutory_deadlines(CaseDates(
            received=date(2026, 3, 2), incomplete_notice=date(2026, 3, 4)))
        assert "decision" not in by_key(waiting)
        # Notice on Thu 12 Mar: 8 working days already used, the period ran out on 11 Mar.
        got = by_key(statutory_deadlines(CaseDates(
            received=date(2026, 3, 2), incomplete_notice=date(2026, 3, 12),
            supplement_received=date(2026, 3, 16))))
        assert got["decision"].due == date(2026, 3, 11)


def test_thirty_day_periods_are_calendar_days_ending_on_a_working_day(
        in_tenant, tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a):
        got = by_key(statutory_deadlines(CaseDates(
            case_ended=date(2026, 8, 1), materials_submitted=date(2026, 9, 7))))
        assert got["closure_materials"].due == date(2026, 8, 31)
        assert got["closure_materials"].done and not got["closure_materials"].working_days
        # 7 Sep + 30 = Wed 7 Oct, a holiday: the period ends on Thu 8 Oct.
        assert got["closure_review"].due == date(2026, 10, 8)
        assert not got["closure_review"].done
        # The tenant's review period: 7 Sep + 20 = Sun 27 Sep -> Mon 28 Sep.
        got = by_key(statutory_deadlines(CaseDates(materials_submitted=date(2026, 9, 7)),
                                         review_days=20))
        assert got["closure_review"].due == date(2026, 9, 28)
        # Case ended 1 Sep: 1 Oct is National Day, so 8 Oct.
        got = by_key(statutory_deadlines(CaseDates(case_ended=date(2026, 9, 1))))
        assert got["closure_materials"].due == date(2026, 10, 8)


def test_a_tenant_local_holiday_moves_only_its_own_deadlines(
        app: Flask, in_tenant, tenant_a: TenantFixture, tenant_b: TenantFixture) -> None:
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.add(CalendarOverride(day=date(2026, 3, 10), kind=DayKind.HOLIDAY,
                                        note="local holiday"))
        db.session.commit()
    dates = CaseDates(received=date(2026, 3, 2))
    with in_tenant(tenant_a):
        assert by_key(statutory_deadlines(dates))["decision"].due == date(2026, 3, 12)
    with in_tenant(tenant_b):
        assert by_key(statutory_deadlines(dates))["decision"].due == date(2026, 3, 11)


# --- beyond the calendar's coverage ---------------------------------------------------


def test_beyond_the_calendar_falls_back_to_calendar_days_flagged(
        in_tenant, tenant_a: TenantFixture) -> None:
    start = workdays.LAST_COVERED - timedelta(days=1)
    with in_tenant(tenant_a):
        got = by_key(statutory_deadlines(CaseDates(
            received=start, decided=start, granted=True, case_ended=start,
            notice_received=None, objection_received=date(2026, 11, 2))))
        assert got["decision"].approximate and got["decision"].due == start + timedelta(days=7)
        assert got["assignment"].approximate
        assert got["assignment"].due == start + timedelta(days=3)
        assert got["closure_materials"].approximate
        assert got["closure_materials"].due == start + timedelta(days=30)
        # A deadline inside the coverage in the same case stays exact.
        assert not got["objection"].approximate
        assert got["objection"].due == date(2026, 11, 9)


def test_calendar_can_be_injected_without_a_tenant() -> None:
    def weekdays_only(start: date, days: int) -> date:
        day = start
        while days:
            day += timedelta(days=1)
            if day.weekday() < 5:
                days -= 1
        return day

    got = by_key(statutory_deadlines(CaseDates(received=date(2030, 1, 4)),
                                     add_working_days=weekdays_only))
    assert got["decision"].due == date(2030, 1, 15) and not got["decision"].approximate


# --- 先行援助 (第四十四条第一项) ----------------------------------------------------------


@pytest.mark.parametrize(("remaining", "eligible"), [
    (7, False), (6, True), (1, True), (0, True), (-1, False), (30, False)])
def test_advance_aid_threshold(remaining: int, eligible: bool) -> None:
    on = date(2026, 10, 1)
    check = advance_aid_check(CaseDates(limitation=on + timedelta(days=remaining)), on)
    assert isinstance(check, AdvanceAidCheck)
    assert check.remaining_days == remaining
    assert check.eligible is eligible
    assert check.basis == "法律援助法第四十四条第一项"


def test_advance_aid_needs_a_limitation_date() -> None:
    assert advance_aid_check(CaseDates(received=date(2026, 10, 1)), date(2026, 10, 1)) is None


def test_titles_and_explanations_render(app: Flask, in_tenant,
                                        tenant_a: TenantFixture) -> None:
    with in_tenant(tenant_a), app.test_request_context(), force_locale("en"):
        deadlines = statutory_deadlines(CaseDates(
            received=date(2026, 3, 2), decided=date(2026, 3, 5), granted=True,
            assigned=date(2026, 3, 6), objection_received=date(2026, 3, 6),
            case_ended=date(2026, 6, 1), materials_submitted=date(2026, 6, 20)))
        assert [d.key for d in deadlines] == [
            "decision", "assignment", "objection", "agreement", "closure_materials",
            "closure_review"]
        for deadline in deadlines:
            assert str(deadline.title).strip()
            assert "第" in deadline.basis
        check = advance_aid_check(CaseDates(limitation=date(2026, 3, 5)), date(2026, 3, 2))
        assert check is not None and "Fewer than 7 days" in str(check.explanation)
