"""Case numbers under parallel requests: several officers accept applications at the same
moment; every case gets its own number and the year's sequence has no gap (issue #5). Runs on
PostgreSQL in CI (row locks), and on SQLite (serialised writers)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from core.sdk import db
from plugins.mediation.models import Case
from plugins.mediation.models.enums import CaseStatus

from mediation_support import drive_case, login_as, world  # noqa: F401  (fixtures)

PARALLEL = 6


def test_parallel_acceptances_get_unique_gap_free_numbers(app, in_tenant, world,
                                                          login_as) -> None:
    with in_tenant(world.tenant):
        case_ids = [drive_case(world, CaseStatus.APPLIED).id for _ in range(PARALLEL)]
        db.session.commit()
    # Log in first (argon2 is slow): the requests themselves should collide.
    clients = [login_as("station") for _ in range(PARALLEL)]
    start = threading.Barrier(PARALLEL)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def accept(client, case_id: int) -> None:
        try:
            start.wait()
            response = client.post(
                f"/t/{world.tenant.slug}/mediation/cases/{case_id}/accept",
                data={"accept-accepted_on": "2026-03-03",
                      "accept-mediator_id": str(world.mediator_id)})
            statuses.append(response.status_code)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=accept, args=pair) for pair in zip(clients, case_ids,
                                                                          strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert statuses == [303] * PARALLEL

    with in_tenant(world.tenant):
        cases = db.session.scalars(select(Case).where(Case.id.in_(case_ids))).all()
        assert {case.status for case in cases} == {CaseStatus.ACCEPTED}
        numbers = sorted(case.number for case in cases)
    expected = sorted(f"（2026）人调字第{n}号" for n in range(1, PARALLEL + 1))
    assert numbers == expected
