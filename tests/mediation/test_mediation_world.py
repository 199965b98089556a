"""The fixture world: committees under stations, scoped users, cases in every status."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.sdk import db
from plugins.mediation.models import Case, Committee, StatusChange
from plugins.mediation.models.enums import CaseStatus

from mediation_support import drive_case, login_as, world  # noqa: F401  (fixtures)


@pytest.mark.parametrize("status", list(CaseStatus))
def test_drive_case_reaches_every_status(in_tenant, world, status) -> None:
    with in_tenant(world.tenant):
        case = drive_case(world, status)
        db.session.commit()
        assert db.session.get(Case, case.id).status is status
        changes = db.session.scalar(select(func.count()).select_from(StatusChange)
                                    .where(StatusChange.case_id == case.id))
        assert changes >= 1


def test_committee_composition_warnings(in_tenant, world) -> None:
    with in_tenant(world.tenant):
        full = db.session.get(Committee, world.committee_id)
        assert full.composition_warnings() == []
        lonely = db.session.get(Committee, world.other_committee_id)
        # One male chair: too few members (Art. 8) and no woman; the chair is there.
        warnings = lonely.composition_warnings()
        assert len(warnings) == 2 and "3" in warnings[0]
