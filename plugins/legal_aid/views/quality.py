"""The quality page (质量管理): across the cases in the user's scope — open assigned cases
still missing their 1122 contacts or choices, the follow-up calls' satisfaction, the
average scores of the scored reviews per provider, and the complaints."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import render_template
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from core.sdk import db, require_permission, scope_filter
from plugins.legal_aid.models import AidCase, Complaint, Provider, QualityCheck
from plugins.legal_aid.models.enums import (
    CaseStatus,
    ComplaintStatus,
    QualityKind,
    Satisfaction,
)
from plugins.legal_aid.permissions import QUALITY_EDIT
from plugins.legal_aid.views import bp
from plugins.legal_aid.views.common import case_visibility
from plugins.legal_aid.views.subsidies import period_context

WORKING = (CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.ENDED)
SCORED = (QualityKind.HEARING, QualityKind.FILE_REVIEW, QualityKind.KEY_REVIEW)
SATISFIED = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED)


def in_scope() -> Any:
    """The cases the user may see and check the quality of."""
    return and_(case_visibility(), scope_filter(AidCase.org_unit_id, QUALITY_EDIT))


def _count_of(kind: QualityKind):
    return (select(func.count()).select_from(QualityCheck)
            .where(QualityCheck.case_id == AidCase.id, QualityCheck.kind == kind)
            .correlate(AidCase).scalar_subquery())


@dataclass
class Gap:
    case: AidCase
    contacts: int
    choices: int


def missing_1122() -> list[Gap]:
    contacts, choices = _count_of(QualityKind.CONTACT), _count_of(QualityKind.CHOICE)
    rows = db.session.execute(
        select(AidCase, contacts, choices).where(
            in_scope(), AidCase.status.in_(WORKING), (contacts < 2) | (choices < 2))
        # Each row names the provider: loaded for all the rows at once.
        .options(selectinload(AidCase.provider))
        .order_by(AidCase.assigned_on, AidCase.id)).all()
    return [Gap(case, n_contacts, n_choices) for case, n_contacts, n_choices in rows]


@dataclass
class Satisfactions:
    counts: dict[Satisfaction, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percent(self, value: Satisfaction) -> Decimal | None:
        if not self.total:
            return None
        return (Decimal(100 * self.counts[value]) / self.total).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def satisfied_rate(self) -> Decimal | None:
        """满意率: very satisfied and satisfied among the calls."""
        if not self.total:
            return None
        return (Decimal(100 * sum(self.counts[s] for s in SATISFIED)) / self.total).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)


def satisfactions(period: Any) -> Satisfactions:
    rows = db.session.execute(
        select(QualityCheck.satisfaction, func.count())
        .join(AidCase, AidCase.id == QualityCheck.case_id)
        .where(in_scope(), QualityCheck.kind == QualityKind.FOLLOW_UP,
               QualityCheck.satisfaction.is_not(None),
               QualityCheck.checked_on >= period.start, QualityCheck.checked_on < period.end)
        .group_by(QualityCheck.satisfaction)).all()
    counts = dict.fromkeys(Satisfaction, 0)
    for value, count in rows:
        counts[Satisfaction(value)] = count
    return Satisfactions(counts)


@dataclass
class ProviderScores:
    name: str
    scores: dict[QualityKind, tuple[Decimal, int]] = field(default_factory=dict)

    def average(self, kind: QualityKind) -> Decimal | None:
        found = self.scores.get(kind)
        return found[0] if found else None

    def count(self, kind: QualityKind) -> int:
        found = self.scores.get(kind)
        return found[1] if found else 0


def scores_by_provider(period: Any) -> list[ProviderScores]:
    """Average score of each scored review per provider (the case's current assignee)."""
    rows = db.session.execute(
        select(Provider.id, Provider.name, QualityCheck.kind, func.sum(QualityCheck.score),
               func.count(QualityCheck.id))
        .join(AidCase, AidCase.id == QualityCheck.case_id)
        .join(Provider, Provider.id == AidCase.provider_id)
        .where(in_scope(), QualityCheck.kind.in_(SCORED), QualityCheck.score.is_not(None),
               QualityCheck.checked_on >= period.start, QualityCheck.checked_on < period.end)
        .group_by(Provider.id, Provider.name, QualityCheck.kind)).all()
    found: dict[int, ProviderScores] = {}
    for provider_id, name, kind, total, count in rows:
        # Averaged in Python: the same rounding on SQLite and PostgreSQL.
        average = (Decimal(int(total)) / count).quantize(Decimal("0.1"),
                                                         rounding=ROUND_HALF_UP)
        found.setdefault(provider_id, ProviderScores(name)).scores[QualityKind(kind)] = (
            average, count)
    return sorted(found.values(), key=lambda p: p.name)


def complaints(period: Any) -> dict[str, Any]:
    open_rows = db.session.execute(
        select(Complaint, AidCase).join(AidCase, AidCase.id == Complaint.case_id)
        .where(in_scope(), Complaint.status == ComplaintStatus.OPEN)
        .order_by(Complaint.received_on, Complaint.id)).all()
    counts = dict(db.session.execute(
        select(Complaint.status, func.count()).join(AidCase, AidCase.id == Complaint.case_id)
        .where(in_scope(), Complaint.received_on >= period.start,
               Complaint.received_on < period.end)
        .group_by(Complaint.status)).all())
    return {"open": open_rows,
            "received": {ComplaintStatus(k): v for k, v in counts.items()},
            "received_total": sum(counts.values())}


@bp.route("/quality/")
@require_permission(QUALITY_EDIT)
def quality():
    context = period_context()
    period = context["period"]
    return render_template(
        "legal_aid/quality/index.html", **context, gaps=missing_1122(),
        satisfaction=satisfactions(period), provider_scores=scores_by_provider(period),
        scored_kinds=SCORED, satisfaction_values=list(Satisfaction),
        complaint_statuses=list(ComplaintStatus), complaints=complaints(period))
