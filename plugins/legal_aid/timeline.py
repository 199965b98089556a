"""The statutory deadlines of a legal aid case, computed from the dates recorded on it.

Pure rules: :class:`CaseDates` in, a list of :class:`StatutoryDeadline` out (plus the
先行援助 check, :func:`advance_aid_check`). No database access of our own; the working-day
calendar (``core.sdk.workdays``) reads the tenant's calendar overrides, so call inside a
tenant context, or pass ``add_working_days``/``working_days_between`` to count without one.

Deadlines and their basis:

* decision on an application: 7 days from receipt, time spent supplementing missing
  materials not counted (法律援助法第四十三条第一款、第二款);
* assignment after a grant: 3 days from the decision (法律援助法第四十三条第一款);
* assignment on a notice from a court, procuratorate or police (通知辩护/代理): 3 days from
  receiving the notice (法律援助法第三十六条);
* 委托协议 signed: 5 days from assignment, delay caused by the applicant not counted
  (办理法律援助案件程序规定(2023)第二十七条);
* decision on an objection (异议): 5 days from receipt (法律援助法第四十九条第二款);
* closure materials (立卷材料): 30 days from the case ending (法律援助法第五十条 "及时"; the
  30 days are the 程序规定 / provincial practice);
* closure review (结案审查): 30 days from receiving the materials (practice, e.g. the Nujiang
  service guide; a tenant setting, default 30).

Working or calendar days — the decision and why:

* The law says "日" without defining it. The short periods (7/3/5 days) bind the aid agency
  and the justice bureau as administrative steps. Chinese administrative law counts such
  periods in working days (行政许可法第八十二条: "期限以工作日计算，不含法定节假日"), the
  2012 程序规定 spelled these very periods out as "7个工作日"/"3个工作日" (第十三条、
  第二十条), and provincial service guides still do. A 3-day period counted in calendar days
  would also expire inside every Spring Festival or National Day week with nobody at work.
  So 7/3/5-day periods are WORKING days (national holidays and 调休 make-up days from
  ``core.sdk.workdays``, tenant overrides on top). The start day is not counted.
* The 30-day periods are practice periods of a month's length: CALENDAR days, start day not
  counted; a period whose last day is a day off ends on the next working day (the general
  rule on periods: 民法典第二百零三条, 民事诉讼法第八十五条).
* Limitation periods (诉讼时效, the client's own deadline) are calendar periods; the 先行援助
  threshold (第四十四条: "不足七日") is therefore counted in calendar days.

Beyond the calendar's coverage (the package knows public holidays only up to its last
announced year): rather than fail, the deadline falls back to counting calendar days and is
flagged ``approximate=True`` so the deadlines centre still shows it, marked. Counting
calendar days instead of working days gives a date never later than the true one (every
working day is a calendar day), so an approximate deadline errs on the early side. For the
30-day periods the fallback only skips the roll-forward off a day off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from core.sdk import workdays

DECISION_DAYS = 7
ASSIGNMENT_DAYS = 3
NOTIFIED_ASSIGNMENT_DAYS = 3
AGREEMENT_DAYS = 5
OBJECTION_DAYS = 5
CLOSURE_MATERIALS_DAYS = 30
CLOSURE_REVIEW_DAYS = 30  # the default of the tenant setting
ADVANCE_AID_THRESHOLD = 7  # 第四十四条: fewer than 7 days remain

AddWorkingDays = Callable[[date, int], date]
WorkingDaysBetween = Callable[[date, date], int]


@dataclass(frozen=True)
class CaseDates:
    """The dates recorded on a case; None = not happened (or not recorded) yet."""

    received: date | None = None  # application received (收到申请)
    incomplete_notice: date | None = None  # missing items notified at once (一次性告知)
    supplement_received: date | None = None  # the missing materials came in
    complete: date | None = None  # application recorded complete (if no supplement date)
    decided: date | None = None  # 给予/不予 decision
    granted: bool | None = None  # the decision's outcome; None = not decided
    objection_received: date | None = None  # 异议 received by the justice bureau
    objection_decided: date | None = None
    notice_received: date | None = None  # 通知辩护/代理: the notice from court/police/procuratorate
    assigned: date | None = None  # 指派
    agreement_signed: date | None = None  # 委托协议 signed
    limitation: date | None = None  # 法定时效或者期限 of the client's matter
    case_ended: date | None = None  # 办理结束 (结案日)
    materials_submitted: date | None = None  # 立卷材料 received by the agency
    review_completed: date | None = None  # 结案审查 done


@dataclass(frozen=True)
class StatutoryDeadline:
    """One step's deadline: what, by when, under which rule, and whether it is met."""

    key: str
    title: str  # a lazy translation
    due: date
    basis: str  # the article citation shown beside the deadline
    done: bool
    completed_on: date | None = None
    approximate: bool = False  # counted in calendar days: the calendar does not cover it
    working_days: bool = True  # how the period is counted (for the explanation)

    def overdue(self, today: date) -> bool:
        """Not done and the due day has passed (the due day itself is still in time)."""
        return not self.done and today > self.due

    @property
    def late(self) -> bool:
        """Done, but after the due day."""
        return self.completed_on is not None and self.completed_on > self.due


@dataclass(frozen=True)
class AdvanceAidCheck:
    """第四十四条第一项: may the agency give aid before deciding (先行提供法律援助)?"""

    remaining_days: int  # calendar days from ``on`` to the limitation date
    eligible: bool
    basis: str
    explanation: str  # a lazy translation


class _Counter:
    """Counts a period: working days through the calendar, or plain calendar days."""

    def __init__(self, add: AddWorkingDays | None, between: WorkingDaysBetween | None,
                 calendar_days: bool) -> None:
        self.calendar_days = calendar_days
        self._add = add
        self._between = between

    def add(self, start: date, days: int) -> date:
        if self.calendar_days:
            return start + timedelta(days=days)
        return (self._add or workdays.add_working_days)(start, days)

    def between(self, start: date, end: date) -> int:
        if self.calendar_days:
            return max((end - start).days, 0)
        return (self._between or workdays.working_days_between)(start, end)


def _decision_due(dates: CaseDates, count: _Counter) -> date | None:
    """第四十三条: 7 days from receipt; the supplement time (after the notice, up to and
    including the day the materials came in) is not counted. The clock is stopped (None)
    while the missing materials are awaited."""
    start = dates.received or dates.complete
    if start is None:
        return None
    if dates.incomplete_notice is None:
        return count.add(start, DECISION_DAYS)
    resumed = dates.supplement_received or dates.complete
    if resumed is None or resumed < dates.incomplete_notice:
        return None  # waiting for the applicant: the period is suspended
    used = count.between(start, dates.incomplete_notice)
    if used >= DECISION_DAYS:
        # The notice came after the period had run out: it cannot revive it.
        return count.add(start, DECISION_DAYS)
    return count.add(resumed, DECISION_DAYS - used)


def _calendar_period(start: date, days: int,
                     add: AddWorkingDays | None) -> tuple[date, bool]:
    """A period in calendar days whose last day, if a day off, moves to the next working day
    (民法典第二百零三条). Returns (due, approximate)."""
    due = start + timedelta(days=days)
    try:
        return (add or workdays.add_working_days)(due, 0), False
    except workdays.CalendarNotCovered:
        return due, True


def statutory_deadlines(
    dates: CaseDates,
    *,
    agreement_excluded_days: int = 0,
    review_days: int = CLOSURE_REVIEW_DAYS,
    add_working_days: AddWorkingDays | None = None,
    working_days_between: WorkingDaysBetween | None = None,
) -> list[StatutoryDeadline]:
    """The deadlines that apply given which dates are set, in the order of the procedure.

    ``agreement_excluded_days``: working days of delay caused by the applicant, not counted
    in the 5 days for the 委托协议 (程序规定第二十七条). ``review_days``: the tenant's
    closure-review period. ``add_working_days``/``working_days_between`` replace the
    tenant calendar (default ``core.sdk.workdays``, which needs a tenant context).
    """
    if agreement_excluded_days < 0:
        raise ValueError("agreement_excluded_days must be >= 0")
    if review_days < 1:
        raise ValueError("review_days must be >= 1")
    working = _Counter(add_working_days, working_days_between, calendar_days=False)
    calendar = _Counter(None, None, calendar_days=True)

    def in_working_days(compute: Callable[[_Counter], date | None]) -> tuple[date | None, bool]:
        # Beyond the calendar's coverage: calendar days, flagged (see the module docstring).
        try:
            return compute(working), False
        except workdays.CalendarNotCovered:
            return compute(calendar), True

    result: list[StatutoryDeadline] = []

    def working_step(key: str, title: str, basis: str, start: date | None, days: int,
                     completed_on: date | None) -> None:
        if start is None:
            return
        due, approximate = in_working_days(lambda count: count.add(start, days))
        assert due is not None
        result.append(StatutoryDeadline(
            key=key, title=title, due=due, basis=basis, done=completed_on is not None,
            completed_on=completed_on, approximate=approximate))

    def calendar_step(key: str, title: str, basis: str, start: date | None, days: int,
                      completed_on: date | None) -> None:
        if start is None:
            return
        due, approximate = _calendar_period(start, days, add_working_days)
        result.append(StatutoryDeadline(
            key=key, title=title, due=due, basis=basis, done=completed_on is not None,
            completed_on=completed_on, approximate=approximate, working_days=False))

    # An application (申请) path; a notified case has no application to decide.
    if dates.notice_received is None:
        decision_due, approximate = in_working_days(lambda count: _decision_due(dates, count))
        if decision_due is not None:
            result.append(StatutoryDeadline(
                key="decision", title=_l("Decide whether to grant legal aid"),
                due=decision_due, basis="法律援助法第四十三条", done=dates.decided is not None,
                completed_on=dates.decided, approximate=approximate))
        if dates.granted:
            working_step("assignment", _l("Assign a legal aid provider"),
                         "法律援助法第四十三条", dates.decided, ASSIGNMENT_DAYS, dates.assigned)
    else:
        working_step("notified_assignment",
                     _l("Assign a lawyer and reply to the notifying authority"),
                     "法律援助法第三十六条", dates.notice_received, NOTIFIED_ASSIGNMENT_DAYS,
                     dates.assigned)

    working_step("objection", _l("Decide on the objection"), "法律援助法第四十九条",
                 dates.objection_received, OBJECTION_DAYS, dates.objection_decided)
    working_step("agreement", _l("Sign the legal aid agreement with the client"),
                 "办理法律援助案件程序规定(2023)第二十七条", dates.assigned,
                 AGREEMENT_DAYS + agreement_excluded_days, dates.agreement_signed)
    calendar_step("closure_materials", _l("Submit the closure materials"),
                  "法律援助法第五十条；办理法律援助案件程序规定(2023)", dates.case_ended,
                  CLOSURE_MATERIALS_DAYS, dates.materials_submitted)
    calendar_step("closure_review", _l("Review the closure materials"),
                  "法律援助法第五十二条；结案审查实务", dates.materials_submitted, review_days,
                  dates.review_completed)
    return result


def advance_aid_check(dates: CaseDates, on: date) -> AdvanceAidCheck | None:
    """第四十四条第一项: aid may be given before the decision when fewer than 7 days remain
    before the limitation period or deadline of the client's matter. Counted in calendar
    days from ``on`` (the day the agency looks: receipt, or today while undecided). None
    when no limitation date is recorded."""
    if dates.limitation is None:
        return None
    remaining = (dates.limitation - on).days
    basis = "法律援助法第四十四条第一项"
    if remaining < 0:
        return AdvanceAidCheck(remaining, False, basis, _l(
            "The limitation period or deadline has already expired."))
    if remaining < ADVANCE_AID_THRESHOLD:
        return AdvanceAidCheck(remaining, True, basis, _l(
            "Fewer than 7 days remain before the limitation period or deadline: legal aid "
            "may be given before the decision."))
    return AdvanceAidCheck(remaining, False, basis, _l(
        "7 days or more remain before the limitation period or deadline."))
