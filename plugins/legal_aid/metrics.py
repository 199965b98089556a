"""Statistics of the legal aid line (the ``report_metrics`` hook).

Figures for the whole tenant, aggregates only. What each figure counts, and by which date:

- 咨询: consultations by ``consulted_on``, by channel (窗口, 12348, 网络, 工作站).
- 申请 (received): applications (not notices) by ``received_on``.
- 给予 / 不予: applications decided in the period (``decided_on``), granted or refused.
- 撤回, 终止: by ``withdrawn_on`` and ``terminated_on``.
- 通知 (notified): notices from a court, procuratorate or police by ``notice_received_on``.
- 案件 by category: the cases taken on in the period — applications granted (by decision
  date) and notices received — by matter category, criminal ones split by route (申请 /
  通知).
- 受援人 by group: the same cases by the recipient's groups (a recipient may count in
  several), and how many are on the poverty ledger (精准扶贫台账).
- 办结 (ended) by ``ended_on``, with the amount recovered (挽回经济损失) of those cases;
  结案 (closed) by the closure review's date ``reviewed_on``, with the subsidies set then
  (the subsidy is fixed at the closure review; payment is outside the system).

Six GROUP BY queries per call, whatever the number of cases.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, cast, func, literal, select

from core.sdk import Metric, ReportPeriod, db, hookimpl
from plugins.legal_aid.eligibility import Route
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models import AidCase, Consultation
from plugins.legal_aid.models.enums import Channel, RecipientGroup, label

CASES = _l("cases")
TIMES = _l("times")
PEOPLE = _l("people")
YUAN = _l("yuan")
CRIMINAL = (MatterCategory.CRIMINAL_DEFENCE, MatterCategory.CRIMINAL_REPRESENTATION)


def _in(column: Any, period: ReportPeriod) -> Any:
    return and_(column >= period.start, column < period.end)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _taken_on(period: ReportPeriod) -> Any:
    """Cases taken on in the period: applications granted, notices received."""
    return (((AidCase.route == Route.APPLY) & AidCase.granted.is_(True)
             & _in(AidCase.decided_on, period))
            | ((AidCase.route == Route.NOTIFIED) & _in(AidCase.notice_received_on, period)))


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _consultations(period: ReportPeriod) -> list[Metric]:
    group = _l("Consultations by channel")
    counts = {Channel(channel): int(n) for channel, n in db.session.execute(
        select(Consultation.channel, func.count())
        .where(_in(Consultation.consulted_on, period))
        .group_by(Consultation.channel)).all()}
    return [Metric("legal_aid.consultations", _l("Consultations"), sum(counts.values()),
                   group, TIMES, chart=""),
            *(Metric(f"legal_aid.consultations.{channel.value}", channel.label,
                     counts.get(channel, 0), group, TIMES, chart="pie")
              for channel in Channel)]


def _applications(period: ReportPeriod) -> list[Metric]:
    group = _l("Applications and decisions")
    applied = AidCase.route == Route.APPLY
    received, granted, refused, withdrawn, terminated, notified = (
        int(value) for value in db.session.execute(select(
            _count(applied & _in(AidCase.received_on, period)),
            _count(applied & AidCase.granted.is_(True) & _in(AidCase.decided_on, period)),
            _count(applied & AidCase.granted.is_(False) & _in(AidCase.decided_on, period)),
            _count(_in(AidCase.withdrawn_on, period)),
            _count(_in(AidCase.terminated_on, period)),
            _count((AidCase.route == Route.NOTIFIED)
                   & _in(AidCase.notice_received_on, period)))
            # The columns sit inside CASE only: name the entity, or the ORM's tenant
            # criterion (with_loader_criteria) does not see it and counts every tenant.
            .select_from(AidCase)).one())
    return [
        Metric("legal_aid.received", _l("Applications received"), received, group, CASES),
        Metric("legal_aid.granted", _l("Applications granted"), granted, group, CASES),
        Metric("legal_aid.refused", _l("Applications refused"), refused, group, CASES),
        Metric("legal_aid.withdrawn", _l("Applications withdrawn"), withdrawn, group, CASES),
        Metric("legal_aid.terminated", _l("Legal aid terminated"), terminated, group, CASES),
        Metric("legal_aid.notified", _l("Cases on a notice (court, procuratorate, police)"),
               notified, group, CASES),
    ]


def _by_category(period: ReportPeriod) -> list[Metric]:
    group = _l("Cases taken on by category")
    counts = {(MatterCategory(category), Route(route)): int(n)
              for category, route, n in db.session.execute(
                  select(AidCase.category, AidCase.route, func.count())
                  .where(_taken_on(period))
                  .group_by(AidCase.category, AidCase.route)).all()}
    metrics = [Metric("legal_aid.taken_on", _l("Cases taken on (granted or notified)"),
                      sum(counts.values()), group, CASES, chart="")]
    for category in MatterCategory:
        if category in CRIMINAL:
            for route, route_label in ((Route.APPLY, _l("on application")),
                                       (Route.NOTIFIED, _l("on a notice"))):
                metrics.append(Metric(
                    f"legal_aid.by_category.{category.value}.{route.value}",
                    f"{label(category)} ({route_label})", counts.get((category, route), 0),
                    group, CASES, chart="pie"))
        else:
            total = sum(n for (cat, _route), n in counts.items() if cat is category)
            metrics.append(Metric(f"legal_aid.by_category.{category.value}", label(category),
                                  total, group, CASES, chart="pie"))
    return metrics


def _has_group(group: RecipientGroup) -> Any:
    # ",woman,elderly," LIKE "%,woman,%": a code never matches inside another code.
    padded = literal(",") + cast(AidCase.recipient_groups, String) + literal(",")
    return padded.like(f"%,{group.value},%")


def _by_group(period: ReportPeriod) -> list[Metric]:
    group = _l("Recipients by group (cases taken on)")
    groups = list(RecipientGroup)
    values = db.session.execute(
        select(*(_count(_has_group(g)) for g in groups),
               _count(AidCase.poverty_ledger.is_(True)))
        .select_from(AidCase)  # as in _applications: the tenant criterion needs the entity
        .where(_taken_on(period))).one()
    metrics = [Metric(f"legal_aid.recipients.{g.value}", g.label, int(value), group, PEOPLE)
               for g, value in zip(groups, values[:-1], strict=True)]
    metrics.append(Metric("legal_aid.recipients.poverty_ledger",
                          _l("On the poverty-alleviation ledger"), int(values[-1]), group,
                          PEOPLE, chart=""))
    return metrics


def _closures(period: ReportPeriod) -> list[Metric]:
    group = _l("Cases ended and closed")
    ended, recovered = db.session.execute(
        select(func.count(), func.coalesce(func.sum(AidCase.amount_recovered), 0))
        .where(_in(AidCase.ended_on, period))).one()
    closed, subsidies = db.session.execute(
        select(func.count(), func.coalesce(func.sum(AidCase.subsidy_amount), 0))
        .where(_in(AidCase.reviewed_on, period))).one()
    return [
        Metric("legal_aid.ended", _l("Matters ended"), int(ended), group, CASES),
        Metric("legal_aid.closed", _l("Cases closed after the closure review"), int(closed),
               group, CASES),
        Metric("legal_aid.amount_recovered",
               _l("Amount recovered for recipients (matters ended)"), _money(recovered),
               group, YUAN, chart=""),
        Metric("legal_aid.subsidies", _l("Subsidies set at the closure review"),
               _money(subsidies), group, YUAN, chart=""),
    ]


def legal_aid_metrics(period: ReportPeriod) -> list[Metric]:
    """Every figure of the line for ``period`` (in the current tenant)."""
    return [*_applications(period), *_consultations(period), *_by_category(period),
            *_by_group(period), *_closures(period)]


@hookimpl
def report_metrics(tenant: Any, period: ReportPeriod) -> list[Metric]:
    return legal_aid_metrics(period)
