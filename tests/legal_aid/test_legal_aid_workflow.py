"""The case workflow: every status reachable through the rules, and the refusals."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.sdk import db
from plugins.legal_aid.eligibility import Route
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.models import AidStatusChange
from plugins.legal_aid.models.enums import CaseStatus
from plugins.legal_aid.workflow import TransitionRefused, open_case, transition

from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401


@pytest.mark.parametrize("status", list(CaseStatus))
def test_every_status_is_reachable_and_recorded(app, world, status):
    with in_world(app, world):
        case = drive_case(world, status)
        db.session.commit()
        assert case.status is status
        history = list(db.session.scalars(select(AidStatusChange.to_status).where(
            AidStatusChange.case_id == case.id).order_by(AidStatusChange.id)))
        assert history[-1] is status
        if status.holds_aid or status in (CaseStatus.CLOSED, CaseStatus.ARCHIVED):
            assert case.number.startswith("（2026）")
            assert "法援字第" in case.number


def test_a_grant_needs_a_decision_and_a_refusal_needs_reasons(app, world):
    with in_world(app, world):
        case = drive_case(world)
        with pytest.raises(TransitionRefused):
            case.status = CaseStatus.GRANTED
        db.session.rollback()
        case = drive_case(world)
        with force_locale("en"), pytest.raises(TransitionRefused, match="reasons"):
            transition(case, CaseStatus.REFUSED, decided_on=date(2026, 3, 3), granted=False)
        db.session.rollback()


def test_a_notice_starts_granted_with_a_number(app, world):
    with in_world(app, world):
        case = open_case(org_unit_id=world.centre_id, person_id=world.applicant_id,
                         route=Route.NOTIFIED, category=MatterCategory.CRIMINAL_DEFENCE,
                         summary="涉嫌盗窃", notifying_organ="剑阁县人民法院",
                         notice_received_on=date(2026, 3, 2), received_on=date(2026, 3, 2))
        assert case.status is CaseStatus.GRANTED
        assert case.number
        db.session.commit()
