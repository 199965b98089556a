"""What a parent bureau sees of the mediation line: counts since a moment, nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.sdk import db
from plugins.mediation.hooks import tenant_activity
from plugins.mediation.models.enums import CaseStatus

from mediation_support import drive_case, login_as, world  # noqa: F401  (fixtures)


def test_activity_counts_accepted_cases_and_agreements_since(in_tenant, world) -> None:
    with in_tenant(world.tenant):
        drive_case(world, CaseStatus.AGREED, applied=date(2026, 3, 2))
        drive_case(world, CaseStatus.MEDIATING, applied=date(2026, 5, 6))
        drive_case(world, CaseStatus.APPLIED, applied=date(2026, 5, 7))  # not accepted
        db.session.commit()
        since_april = datetime(2026, 4, 1, tzinfo=UTC)
        figures = {c.key: c.value for c in tenant_activity(tenant=None, since=since_april)}
        assert figures == {"mediation.accepted": 1, "mediation.agreements": 0}
        since_march = datetime(2026, 3, 1, tzinfo=UTC)
        figures = {c.key: c.value for c in tenant_activity(tenant=None, since=since_march)}
        assert figures == {"mediation.accepted": 2, "mediation.agreements": 1}
