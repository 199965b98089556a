"""Monthly statistics of the mediation line: figures equal a small set counted by hand, and
the statistics page and its XLSX export show the same figures."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from flask_babel import gettext
from sqlalchemy import select

from core.sdk import ReportPeriod, db, tenant_context
from plugins.mediation.metrics import mediation_metrics
from plugins.mediation.models import (
    Agreement,
    Committee,
    DisputeType,
    JudicialConfirmation,
    Screening,
)
from plugins.mediation.models.codes import NATIONAL_DISPUTE_TYPES
from plugins.mediation.models.enums import (
    AgreementKind,
    CaseSource,
    CaseStatus,
    CommitteeType,
    ConfirmationResult,
    Performance,
)
from plugins.mediation.workflow import transition

from mediation_support import (  # noqa: F401
    add_agreement,
    add_session,
    drive_case,
    login_as,
    world,
)

S = CaseStatus
MARCH = ReportPeriod("month", 2026, 3, date(2026, 3, 1), date(2026, 4, 1))
FEBRUARY = ReportPeriod("month", 2026, 2, date(2026, 2, 1), date(2026, 3, 1))
Q1 = ReportPeriod("quarter", 2026, 1, date(2026, 1, 1), date(2026, 4, 1))


def _agree_later(world, applied: date, agreed: date, amount: str,
                 kind: AgreementKind = AgreementKind.WRITTEN):
    """Accepted on ``applied``, agreement effective (case closed) on ``agreed``."""
    case = drive_case(world, S.MEDIATING, applied=applied)
    add_session(case, agreed)
    agreement = add_agreement(case, agreed, kind=kind, amount=amount)
    transition(case, S.AGREED, on=agreed)
    return case, agreement


def _build(app, world) -> None:
    """The hand-counted set (comments: what each case adds to March 2026)."""
    with app.app_context(), tenant_context(world.tenant.id):
        # 1. accepted 3-02, agreed and archived 3-02: written agreement 3000, performed 3-09,
        #    judicial confirmation applied 3-08 and confirmed.
        first = drive_case(world, S.ARCHIVED, applied=date(2026, 3, 2))
        agreement = db.session.scalar(select(Agreement).where(Agreement.case_id == first.id))
        agreement.performance = Performance.PERFORMED
        agreement.performed_on = date(2026, 3, 9)
        db.session.add(JudicialConfirmation(case_id=first.id, applied_on=date(2026, 3, 8),
                                            court="剑阁县人民法院",
                                            result=ConfirmationResult.CONFIRMED,
                                            decided_on=date(2026, 3, 12)))
        # 2. accepted 3-10, oral agreement of 500 on 3-10.
        _agree_later(world, date(2026, 3, 10), date(2026, 3, 10), "500.00",
                     AgreementKind.ORAL)
        # 3. accepted 3-15, failed 3-15; a marriage dispute kept from turning criminal (5).
        marriage = db.session.scalar(select(DisputeType).where(
            DisputeType.code == "marriage_family"))
        third = drive_case(world, S.FAILED, applied=date(2026, 3, 15),
                           prevented_criminal=True, people_involved=5)
        third.dispute_type_id = marriage.id
        # 4. accepted 3-20, still mediating on 31 March; a mass incident prevented (30).
        drive_case(world, S.MEDIATING, applied=date(2026, 3, 20), prevented_group=True,
                   people_involved=30)
        # 5. an application of 3-25 not yet accepted; 6. one declined on 3-05: neither counts.
        drive_case(world, S.APPLIED, applied=date(2026, 3, 25))
        drive_case(world, S.REJECTED, applied=date(2026, 3, 5))
        # 7. accepted in February (2-20), written agreement of 1200.50 effective 3-04;
        #    a confirmation applied 3-20 still before the court.
        seventh, _ = _agree_later(world, date(2026, 2, 20), date(2026, 3, 4), "1200.50")
        db.session.add(JudicialConfirmation(case_id=seventh.id, applied_on=date(2026, 3, 20),
                                            court="剑阁县人民法院"))
        # 8. accepted and agreed in April: nothing in March.
        _agree_later(world, date(2026, 4, 1), date(2026, 4, 3), "9999.00")
        # 9. referred by the court to the 白龙镇 committee (a township committee), accepted
        #    3-12 and transferred out the same day.
        town = db.session.get(Committee, world.other_committee_id)
        town.committee_type = CommitteeType.TOWN
        ninth = drive_case(world, S.TRANSFERRED, applied=date(2026, 3, 12),
                           committee_id=world.other_committee_id,
                           mediator_id=world.other_mediator_id)
        ninth.source = CaseSource.REFERRAL
        # Screening: two records of 城关司法所 on 3-05 (one round), one of 白龙司法所 the
        # same day (another round), one in February.
        for unit, day, people in ((world.station_id, date(2026, 3, 5), 3),
                                  (world.station_id, date(2026, 3, 5), 4),
                                  (world.other_station_id, date(2026, 3, 5), 10),
                                  (world.station_id, date(2026, 2, 11), 6)):
            db.session.add(Screening(org_unit_id=unit, screened_on=day,
                                     dispute_type_id=world.dispute_type_id,
                                     summary="土地边界争议", people_involved=people))
        db.session.commit()


def _figures(app, world, period: ReportPeriod) -> dict[str, object]:
    with app.app_context(), tenant_context(world.tenant.id):
        return {metric.key: metric.value for metric in mediation_metrics(period)}


MARCH_EXPECTED: dict[str, object] = {
    "mediation.accepted": 5,  # cases 1, 2, 3, 4, 9
    "mediation.closed": 5,  # 1, 2, 3, 7, 9 (6 was never accepted)
    "mediation.succeeded": 3,  # 1, 2, 7
    "mediation.open_at_end": 1,  # 4
    "mediation.success_rate": 60.0,
    "mediation.agreement_amount": Decimal("4700.50"),
    "mediation.agreements_written": 2,
    "mediation.agreements_oral": 1,
    "mediation.performed": 1,
    "mediation.confirmation_applied": 2,
    "mediation.confirmation_confirmed": 1,
    "mediation.prevented_criminal": 1,
    "mediation.prevented_criminal_people": 5,
    "mediation.prevented_group": 1,
    "mediation.prevented_group_people": 30,
    "mediation.screening_rounds": 2,
    "mediation.screening_found": 3,
    "mediation.screening_people": 17,
    "mediation.by_type.neighbourhood": 4,
    "mediation.by_type.marriage_family": 1,
    "mediation.by_type.medical": 0,
    "mediation.by_source.application": 4,
    "mediation.by_source.referral": 1,
    "mediation.by_source.initiative": 0,
    "mediation.by_committee_type.village": 4,
    "mediation.by_committee_type.town": 1,
    "mediation.by_committee_type.industry": 0,
}


def test_march_figures_equal_the_hand_count(app, world) -> None:
    _build(app, world)
    figures = _figures(app, world, MARCH)
    for key, value in MARCH_EXPECTED.items():
        assert figures[key] == value, key
    # One figure per national type (zeros too), per source and per committee type.
    assert len([k for k in figures if k.startswith("mediation.by_type.")]) == len(
        NATIONAL_DISPUTE_TYPES)
    assert len([k for k in figures if k.startswith("mediation.by_source.")]) == 3
    assert len([k for k in figures if k.startswith("mediation.by_committee_type.")]) == 6


def test_other_periods_count_by_their_own_dates(app, world) -> None:
    _build(app, world)
    february = _figures(app, world, FEBRUARY)
    assert february["mediation.accepted"] == 1  # case 7
    assert february["mediation.closed"] == 0
    assert february["mediation.success_rate"] == 0.0  # nothing closed: no division by zero
    assert february["mediation.open_at_end"] == 1  # case 7, agreed only on 3-04
    assert february["mediation.screening_found"] == 1
    assert february["mediation.agreement_amount"] == Decimal("0.00")
    quarter = _figures(app, world, Q1)
    assert quarter["mediation.accepted"] == 6
    assert quarter["mediation.succeeded"] == 3
    assert quarter["mediation.screening_rounds"] == 3


def test_a_retired_dispute_type_is_left_out_unless_used(app, world) -> None:
    _build(app, world)
    with app.app_context(), tenant_context(world.tenant.id):
        for code in ("medical", "marriage_family"):
            db.session.scalar(select(DisputeType).where(DisputeType.code == code)).active = False
        db.session.commit()
    figures = _figures(app, world, MARCH)
    assert "mediation.by_type.medical" not in figures
    assert figures["mediation.by_type.marriage_family"] == 1


def test_other_tenants_cases_do_not_count(app, world, tenant_b) -> None:
    _build(app, world)
    with app.app_context(), tenant_context(tenant_b.id):
        figures = {m.key: m.value for m in mediation_metrics(MARCH)}
    assert figures["mediation.accepted"] == 0
    assert figures["mediation.screening_found"] == 0


# --- the statistics page and its export ---------------------------------------------------


def _page_figures(page: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-testid="metric" data-key="([^"]+)" data-value="([^"]+)"',
                           page))


@pytest.fixture
def viewer(app, world, login_as):  # noqa: F811
    """The admin of the fixture tenant holds the leader's role (statistics)."""
    return login_as("admin")


def test_the_statistics_page_shows_the_figures(app, world, viewer) -> None:
    _build(app, world)
    url = f"/t/{world.tenant.slug}/statistics/mediation/?kind=month&year=2026&number=3"
    response = viewer.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = _page_figures(page)
    for key, value in MARCH_EXPECTED.items():
        assert shown[key] == str(value), key
    with app.test_request_context():
        assert str(gettext("Success rate (agreements among cases closed in the period)")) \
            in page


def test_the_xlsx_export_matches_the_page(app, world, viewer) -> None:
    _build(app, world)
    query = "kind=month&year=2026&number=3"
    response = viewer.get(f"/t/{world.tenant.slug}/statistics/mediation/export.xlsx?{query}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    with app.test_request_context(), tenant_context(world.tenant.id):
        labels = {metric.key: str(metric.label) for metric in mediation_metrics(MARCH)}
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)
            if row[0] and row[1] is not None and row[0] != "Indicator"}
    for key, value in MARCH_EXPECTED.items():
        assert Decimal(str(rows[labels[key]])) == Decimal(str(value)), key
