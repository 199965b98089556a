"""Statistics of the legal aid line: the figures equal a small set counted by hand, and the
statistics page and its XLSX export show the same figures."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
from sqlalchemy import event

from core.sdk import ReportPeriod, db, tenant_context
from plugins.legal_aid.eligibility import Route
from plugins.legal_aid.matters import MatterCategory
from plugins.legal_aid.metrics import legal_aid_metrics
from plugins.legal_aid.models import Consultation
from plugins.legal_aid.models.enums import CaseStatus, Channel, ConsultationOutcome

from legal_aid_support import drive_case, in_world, login_as, world  # noqa: F401

S = CaseStatus
MARCH = ReportPeriod("month", 2026, 3, date(2026, 3, 1), date(2026, 4, 1))
Q1 = ReportPeriod("quarter", 2026, 1, date(2026, 1, 1), date(2026, 4, 1))

MARCH_EXPECTED = {
    "legal_aid.received": 6, "legal_aid.granted": 3, "legal_aid.refused": 1,
    "legal_aid.withdrawn": 1, "legal_aid.terminated": 1, "legal_aid.notified": 1,
    "legal_aid.consultations": 3, "legal_aid.consultations.hotline": 2,
    "legal_aid.consultations.window": 1, "legal_aid.consultations.online": 0,
    "legal_aid.consultations.workstation": 0,
    "legal_aid.taken_on": 4, "legal_aid.by_category.civil": 2,
    "legal_aid.by_category.criminal_defence.apply": 1,
    "legal_aid.by_category.criminal_defence.notified": 1,
    "legal_aid.by_category.criminal_representation.apply": 0,
    "legal_aid.by_category.administrative": 0, "legal_aid.by_category.labour_arbitration": 0,
    "legal_aid.recipients.woman": 2, "legal_aid.recipients.elderly": 2,
    "legal_aid.recipients.migrant_worker": 1, "legal_aid.recipients.minor": 1,
    "legal_aid.recipients.disabled": 0, "legal_aid.recipients.military": 0,
    "legal_aid.recipients.poverty_ledger": 1,
    "legal_aid.ended": 2, "legal_aid.closed": 1,
    "legal_aid.amount_recovered": Decimal("36000.00"), "legal_aid.subsidies": Decimal("800.00"),
}


def _build(app, world) -> None:
    """The hand-counted set (comments: dates; what each adds to March 2026)."""
    with in_world(app, world):
        for channel, day in ((Channel.HOTLINE, 3), (Channel.HOTLINE, 31), (Channel.WINDOW, 9)):
            db.session.add(Consultation(channel=channel, consulted_on=date(2026, 3, day),
                                        org_unit_id=world.centre_id, question="咨询",
                                        outcome=ConsultationOutcome.ANSWERED))
        db.session.add(Consultation(channel=Channel.ONLINE, consulted_on=date(2026, 2, 28),
                                    org_unit_id=world.centre_id, question="二月的咨询",
                                    outcome=ConsultationOutcome.ANSWERED))
        march = date(2026, 3, 2)
        drive_case(world, S.RECEIVED, received_on=march)  # A: received
        drive_case(world, S.GRANTED, received_on=march)  # B: received, granted 3-04, civil
        drive_case(world, S.REFUSED, received_on=date(2026, 3, 10))  # C: refused 3-12
        drive_case(world, S.WITHDRAWN, received_on=march)  # D: withdrawn 3-18
        drive_case(world, S.TERMINATED, received_on=march)  # E: granted, terminated 3-05
        # F: a notice to defend a minor (not an application), poverty ledger.
        drive_case(world, S.GRANTED, route=Route.NOTIFIED, received_on=date(2026, 3, 15),
                   category=MatterCategory.CRIMINAL_DEFENCE, matter_kind=None,
                   recipient_groups="minor", poverty_ledger=True,
                   notifying_organ="剑阁县人民检察院")
        # G: a criminal defence on application, granted 3-22, a migrant worker.
        drive_case(world, S.GRANTED, received_on=date(2026, 3, 20),
                   category=MatterCategory.CRIMINAL_DEFENCE, matter_kind=None,
                   recipient_groups="migrant_worker")
        # H: received and granted in January, ended 3-06 (18000), closure review 3-14 (800).
        drive_case(world, S.CLOSED, received_on=date(2026, 1, 20))
        # I: received 2-01, ended 3-18 (18000).
        drive_case(world, S.ENDED, received_on=date(2026, 2, 1))
        # J: an administrative case granted in February: nothing in March.
        drive_case(world, S.GRANTED, received_on=date(2026, 2, 10),
                   category=MatterCategory.ADMINISTRATIVE, matter_kind=None)
        db.session.commit()


def _figures(app, world, period: ReportPeriod) -> dict[str, object]:
    with app.test_request_context(), tenant_context(world.tenant.id):
        return {m.key: m.value for m in legal_aid_metrics(period)}


def test_the_figures_match_a_hand_count(app, world) -> None:
    _build(app, world)
    march = _figures(app, world, MARCH)
    for key, value in MARCH_EXPECTED.items():
        assert march[key] == value, key
    quarter = _figures(app, world, Q1)
    assert quarter["legal_aid.received"] == 9  # A B C D E G, H, I, J
    assert quarter["legal_aid.granted"] == 6  # B E G H I J
    assert quarter["legal_aid.by_category.administrative"] == 1
    assert quarter["legal_aid.consultations"] == 4


def test_a_handful_of_queries_whatever_the_number_of_cases(app, world) -> None:
    _build(app, world)
    with app.test_request_context(), tenant_context(world.tenant.id):
        statements = []
        engine = db.engine

        def count(*_args) -> None:
            statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            legal_aid_metrics(MARCH)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 8


def test_the_page_and_the_xlsx_export_show_them(app, world, login_as) -> None:
    _build(app, world)
    director = login_as("director")
    query = "kind=month&year=2026&number=3"
    page = director.get(f"/t/{world.tenant.slug}/statistics/legal_aid/?{query}")
    assert page.status_code == 200
    shown = dict(re.findall(r'<tr data-testid="metric" data-key="([^"]+)" data-value="([^"]+)"',
                            page.get_data(as_text=True)))
    for key, value in MARCH_EXPECTED.items():
        assert Decimal(shown[key]) == Decimal(str(value)), key
    response = director.get(f"/t/{world.tenant.slug}/statistics/legal_aid/export.xlsx?{query}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    with app.test_request_context(), tenant_context(world.tenant.id):
        labels = {m.key: str(m.label) for m in legal_aid_metrics(MARCH)}
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)
            if row[0] and row[1] is not None}
    for key, value in MARCH_EXPECTED.items():
        assert Decimal(str(rows[labels[key]])) == Decimal(str(value)), key


def test_another_tenants_cases_are_not_counted(app, world, tenant_b) -> None:
    """Every figure is the tenant's own: tenant B's statistics of the same month are all zero
    while tenant A holds the hand-counted set (an aggregate whose columns sit inside CASE once
    escaped the ORM's tenant criterion)."""
    _build(app, world)
    with app.test_request_context(), tenant_context(tenant_b.id):
        figures = {m.key: m.value for m in legal_aid_metrics(MARCH)}
    assert figures["legal_aid.received"] == 0 and figures["legal_aid.granted"] == 0
    assert all(value == 0 for value in figures.values()), {
        key: value for key, value in figures.items() if value}
