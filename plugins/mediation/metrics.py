"""Monthly statistics of the mediation line (the ``report_metrics`` hook).

Figures for the whole tenant, aggregates only. What each figure counts, and by which date:

- 受理 (accepted): cases whose acceptance date falls in the period; the breakdowns by
  dispute type, source and committee type split these same cases.
- 调结 (closed): cases accepted at some time whose mediation ended in the period (agreed,
  failed, terminated or transferred out; a declined application was never accepted).
- 调解成功 (successful): closed cases that reached an agreement (status 达成协议, or archived
  after it); the success rate is successful / closed, both for the period.
- 协议金额, 书面/口头: the agreements of those successful cases (an agreed case's closing
  date is its agreement's effective date, so these are the agreements effective in the
  period).
- 履行 (performed): agreements fully performed, by performance date.
- 司法确认: applications to the court made in the period, and how many of them the court
  confirmed.
- 调解中 (open at period end): accepted before the period ended and not closed by then.
- 防止民转刑 / 防止群体性事件: cases accepted in the period so flagged, with the people involved.
- 排查: screening records by screening date; a round is one unit's screening on one day.

A handful of GROUP BY queries per call: the statistics page calls the hook once for the
period and once per month of it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from core.sdk import Metric, ReportPeriod, db, hookimpl
from plugins.mediation.models import (
    Agreement,
    Case,
    Committee,
    DisputeType,
    JudicialConfirmation,
    Screening,
    StatusChange,
)
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseSource,
    CaseStatus,
    CommitteeType,
    ConfirmationResult,
    Performance,
)

CASES = _l("cases")
YUAN = _l("yuan")
PEOPLE = _l("people")
TIMES = _l("times")
PERCENT = "%"


def _in(column: Any, period: ReportPeriod) -> Any:
    return and_(column >= period.start, column < period.end)


def _reached_agreement() -> Any:
    """The case went through 达成协议 (an archived case may have been agreed or not).

    An uncorrelated IN: both engines evaluate the subquery once, where a correlated EXISTS
    made SQLite probe the history per case (a year of a busy county took seconds)."""
    return Case.id.in_(select(StatusChange.case_id)
                       .where(StatusChange.to_status == CaseStatus.AGREED))


def _overview(period: ReportPeriod) -> tuple[list[Metric], int, int]:
    """The case counts, and the closed and successful counts the rate needs."""
    group = _l("Cases")
    accepted = db.session.scalar(
        select(func.count()).select_from(Case).where(_in(Case.accepted_on, period))) or 0
    # Closed in the period (a declined application was never accepted), and of these the
    # ones that reached an agreement: one pass.
    closed, succeeded = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((_reached_agreement(), 1), else_=0)), 0))
        .select_from(Case)
        .where(Case.accepted_on.is_not(None), _in(Case.closed_on, period))).one()
    open_at_end = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.accepted_on < period.end,
        (Case.closed_on.is_(None)) | (Case.closed_on >= period.end))) or 0
    return [
        Metric("mediation.accepted", _l("Cases accepted"), accepted, group, CASES),
        Metric("mediation.closed", _l("Cases closed (mediation ended in the period)"),
               closed, group, CASES),
        Metric("mediation.succeeded", _l("Successful mediations (agreement reached)"),
               succeeded, group, CASES),
        Metric("mediation.open_at_end",
               _l("Open at the end of the period (accepted, not yet closed)"), open_at_end,
               group, CASES),
    ], int(closed), int(succeeded)


def _agreements(period: ReportPeriod, closed: int, succeeded: int) -> list[Metric]:
    group = _l("Agreements and judicial confirmation")
    rows = db.session.execute(
        select(Agreement.kind, func.count(), func.coalesce(func.sum(Agreement.amount), 0))
        .join(Case, Case.id == Agreement.case_id)
        .where(Case.accepted_on.is_not(None), _in(Case.closed_on, period),
               _reached_agreement())
        .group_by(Agreement.kind)).all()
    by_kind = {AgreementKind(kind): count for kind, count, _amount in rows}
    amount = sum((Decimal(str(total)) for _kind, _count, total in rows), Decimal("0"))
    performed = db.session.scalar(select(func.count()).select_from(Agreement).where(
        Agreement.performance == Performance.PERFORMED,
        _in(Agreement.performed_on, period))) or 0
    confirmations = dict(db.session.execute(
        select(JudicialConfirmation.result, func.count())
        .where(_in(JudicialConfirmation.applied_on, period))
        .group_by(JudicialConfirmation.result)).all())
    rate = round(succeeded * 100 / closed, 1) if closed else 0.0
    return [
        Metric("mediation.success_rate",
               _l("Success rate (agreements among cases closed in the period)"), rate,
               group, PERCENT, chart=""),
        Metric("mediation.agreement_amount", _l("Amount of the agreements"),
               amount.quantize(Decimal("0.01")), group, YUAN, chart=""),
        Metric("mediation.agreements_written", _l("Written agreements"),
               by_kind.get(AgreementKind.WRITTEN, 0), group, CASES, chart=""),
        Metric("mediation.agreements_oral", _l("Oral agreements"),
               by_kind.get(AgreementKind.ORAL, 0), group, CASES, chart=""),
        Metric("mediation.performed", _l("Agreements performed (performance completed in "
                                         "the period)"), performed, group, CASES, chart=""),
        Metric("mediation.confirmation_applied",
               _l("Judicial confirmation: applications filed"),
               sum(confirmations.values()), group, CASES, chart=""),
        Metric("mediation.confirmation_confirmed",
               _l("Judicial confirmation: of these, confirmed by the court"),
               confirmations.get(ConfirmationResult.CONFIRMED, 0), group, CASES, chart=""),
    ]


def _prevention(period: ReportPeriod) -> list[Metric]:
    group = _l("Prevention and screening")

    def flagged(flag: Any) -> tuple[Any, Any]:
        return (func.coalesce(func.sum(case((flag, 1), else_=0)), 0),
                func.coalesce(func.sum(case((flag, Case.people_involved), else_=0)), 0))

    criminal_cases, criminal_people, mass_cases, mass_people = (int(value) for value in (
        db.session.execute(select(*flagged(Case.prevented_criminal.is_(True)),
                                  *flagged(Case.prevented_group.is_(True)))
                           .where(_in(Case.accepted_on, period))).one()))
    screened = _in(Screening.screened_on, period)
    found, people = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Screening.people_involved), 0))
        .where(screened)).one()
    rounds = db.session.scalar(select(func.count()).select_from(
        select(Screening.org_unit_id, Screening.screened_on).where(screened)
        .distinct().subquery())) or 0
    return [
        Metric("mediation.prevented_criminal", _l("Civil disputes kept from becoming "
                                                  "criminal cases"),
               criminal_cases, group, CASES),
        Metric("mediation.prevented_criminal_people",
               _l("People involved in disputes kept from becoming criminal cases"),
               criminal_people, group, PEOPLE),
        Metric("mediation.prevented_group", _l("Mass incidents prevented"), mass_cases, group,
               CASES),
        Metric("mediation.prevented_group_people",
               _l("People involved in prevented mass incidents"),
               mass_people, group, PEOPLE),
        Metric("mediation.screening_rounds", _l("Screening rounds (a unit on a day)"),
               rounds, group, TIMES),
        Metric("mediation.screening_found", _l("Disputes found by screening"), found, group,
               CASES),
        Metric("mediation.screening_people", _l("People involved in the disputes found"),
               int(people), group, PEOPLE),
    ]


def _by_type(period: ReportPeriod) -> list[Metric]:
    group = _l("Accepted cases by dispute type")
    counts = dict(db.session.execute(
        select(Case.dispute_type_id, func.count()).where(_in(Case.accepted_on, period))
        .group_by(Case.dispute_type_id)).all())
    types = db.session.scalars(select(DisputeType).order_by(DisputeType.sort_order,
                                                            DisputeType.name))
    # Every active type (zeros too, so that months line up); a retired one only when used.
    return [Metric(f"mediation.by_type.{kind.code}", kind.name, counts.get(kind.id, 0), group,
                   CASES, chart="pie")
            for kind in types if kind.active or counts.get(kind.id)]


def _by_source(period: ReportPeriod) -> list[Metric]:
    group = _l("Accepted cases by source")
    counts = dict(db.session.execute(
        select(Case.source, func.count()).where(_in(Case.accepted_on, period))
        .group_by(Case.source)).all())
    return [Metric(f"mediation.by_source.{source.value}", source.label,
                   counts.get(source, 0), group, CASES, chart="pie")
            for source in CaseSource]


def _by_committee_type(period: ReportPeriod) -> list[Metric]:
    group = _l("Accepted cases by committee type")
    counts = dict(db.session.execute(
        select(Committee.committee_type, func.count())
        .join(Case, Case.committee_id == Committee.id)
        .where(_in(Case.accepted_on, period))
        .group_by(Committee.committee_type)).all())
    return [Metric(f"mediation.by_committee_type.{kind.value}", kind.label,
                   counts.get(kind, 0), group, CASES, chart="bar")
            for kind in CommitteeType]


def mediation_metrics(period: ReportPeriod) -> list[Metric]:
    """Every figure of the line for ``period`` (in the current tenant)."""
    overview, closed, succeeded = _overview(period)
    return [*overview, *_agreements(period, closed, succeeded), *_prevention(period),
            *_by_type(period), *_by_source(period), *_by_committee_type(period)]


@hookimpl
def report_metrics(tenant: Any, period: ReportPeriod) -> list[Metric]:
    return mediation_metrics(period)
