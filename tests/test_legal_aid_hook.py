"""The ``legal_aid_status`` hookspec and ``core.sdk.benefits``: another line (a notary
office waiving its fee) learns whether a person holds legal aid without importing the legal
aid plugin; only an enabled plugin answers, and only about the tenant's own people."""

from __future__ import annotations

from datetime import date

from core.sdk import Gender, Tenant, benefits, db, disable_plugin, people, tenant_context
from plugins.legal_aid.models.enums import CaseStatus

from legal_aid_support import drive_case, in_world, world  # noqa: F401

S = CaseStatus


def status_of(app, tenant_id: int, person_id: int, on: date | None = None):
    with app.app_context(), tenant_context(tenant_id):
        return benefits.legal_aid_status(person_id, on=on)


def test_a_granted_case_holds_aid_until_closed(app, world) -> None:  # noqa: F811
    with in_world(app, world):
        case = drive_case(world, S.IN_PROGRESS, received_on=date(2026, 3, 2))
        db.session.commit()
        case_id, number = case.id, case.number
    found = status_of(app, world.tenant.id, world.applicant_id, on=date(2026, 4, 1))
    assert found == benefits.LegalAidStatus(
        holds=True, case_number=number, granted_on=date(2026, 3, 4), category="civil",
        category_label=found.category_label, provider_name="周婷")
    assert found.category_label
    # Not before the grant.
    assert status_of(app, world.tenant.id, world.applicant_id, on=date(2026, 3, 1)) is None
    with app.app_context(), tenant_context(world.tenant.id):
        assert benefits.holds_legal_aid(world.applicant_id, on=date(2026, 4, 1))
    # Ended (closure materials due) still holds; closed does not.
    with in_world(app, world):
        from plugins.legal_aid.models import AidCase
        from plugins.legal_aid.models.enums import CaseResult, ReviewGrade
        from plugins.legal_aid.workflow import transition

        case = db.session.get(AidCase, case_id)
        transition(case, S.ENDED, on=date(2026, 4, 20), ended_on=date(2026, 4, 20),
                   result=CaseResult.WON)
        db.session.commit()
    assert status_of(app, world.tenant.id, world.applicant_id) is not None
    with in_world(app, world):
        case = db.session.get(AidCase, case_id)
        transition(case, S.CLOSED, on=date(2026, 4, 28), materials_submitted_on=date(2026, 4, 25),
                   reviewed_on=date(2026, 4, 28), review_grade=ReviewGrade.QUALIFIED,
                   subsidy_amount=800)
        db.session.commit()
    assert status_of(app, world.tenant.id, world.applicant_id) is None


def test_terminated_refused_and_pending_cases_do_not_hold_aid(app, world) -> None:  # noqa: F811
    with in_world(app, world):
        drive_case(world, S.TERMINATED)
        drive_case(world, S.REFUSED)
        drive_case(world, S.RECEIVED)
        db.session.commit()
    assert status_of(app, world.tenant.id, world.applicant_id) is None


def test_no_answer_when_the_plugin_is_disabled(app, world) -> None:  # noqa: F811
    with in_world(app, world):
        drive_case(world, S.GRANTED)
        db.session.commit()
    assert status_of(app, world.tenant.id, world.applicant_id) is not None
    with app.app_context():
        tenant = db.session.get(Tenant, world.tenant.id)
        disable_plugin(tenant, "legal_aid")
        db.session.commit()
    assert status_of(app, world.tenant.id, world.applicant_id) is None


def test_never_about_another_tenants_person(app, world, tenant_b) -> None:  # noqa: F811
    with in_world(app, world):
        drive_case(world, S.GRANTED)
        db.session.commit()
    # The same id asked in tenant B: B's query cannot see A's case.
    assert status_of(app, tenant_b.id, world.applicant_id) is None
    with app.app_context(), tenant_context(tenant_b.id):
        other = people.create(name="张桂兰", id_type="other", gender=Gender.FEMALE,
                              birth_date=date(1950, 4, 2))
        db.session.commit()
        assert benefits.legal_aid_status(other.id) is None


def test_the_helper_needs_a_tenant(app) -> None:
    import pytest

    from core.sdk import NoTenantContext

    with app.app_context(), pytest.raises(NoTenantContext):
        benefits.legal_aid_status(1)
