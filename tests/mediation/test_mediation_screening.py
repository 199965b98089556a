"""Dispute screening: recording, editing, refusing bad input, turning a record into a case,
and who may see and do what."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from core.sdk import db, places, tenant_context
from plugins.mediation.models import Case, Committee, Screening
from plugins.mediation.models.enums import (
    CaseSource,
    CaseStatus,
    RiskLevel,
    ScreeningStatus,
)
from plugins.mediation.workflow import today

from mediation_support import drive_case, login_as, world  # noqa: F401


def _url(world, path: str) -> str:
    return f"/t/{world.tenant.slug}/mediation{path}"


def _committee_unit(world, committee_id: int) -> int:
    return db.session.get(Committee, committee_id).org_unit_id


def _place(app, world) -> int:
    with app.app_context(), tenant_context(world.tenant.id):
        place = places.create(kind="village", name="新华村", town="城关镇")
        db.session.commit()
        return place.id


def _screening(app, world, *, unit: str = "station", **fields) -> int:
    with app.app_context(), tenant_context(world.tenant.id):
        unit_id = world.station_id if unit == "station" else world.other_station_id
        values = {"org_unit_id": unit_id, "screened_on": date(2026, 3, 5),
                  "dispute_type_id": world.dispute_type_id,
                  "summary": "两户因排水沟堵塞发生争吵", "people_involved": 4}
        values.update(fields)
        screening = Screening(**values)
        db.session.add(screening)
        db.session.commit()
        return screening.id


def _form(world, **overrides) -> dict:
    data = {"org_unit": world.station_id, "screened_on": "2026-03-05", "place": "",
            "place_detail": "新华村三组", "dispute_type": world.dispute_type_id,
            "summary": "李某与王某因宅基地边界发生争执，双方情绪激动。",
            "people_involved": "5", "risk_level": "high", "criminal_risk": "y",
            "measures": "村调委会已上门劝解，双方同意暂停施工。", "status": "watching"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_station_records_a_dispute_and_finds_it_in_the_list(app, world, login_as):
    place_id = _place(app, world)
    client = login_as("station")
    page = client.get(_url(world, "/screenings/new"))
    assert page.status_code == 200
    assert 'data-testid="criminal-risk-hint"' in page.get_data(as_text=True)
    response = client.post(_url(world, "/screenings/new"), data=_form(world, place=place_id))
    assert response.status_code == 302
    with app.app_context(), tenant_context(world.tenant.id):
        screening = db.session.scalar(select(Screening))
        assert screening.place_id == place_id
        assert screening.place_detail == "新华村三组"
        assert screening.risk_level is RiskLevel.HIGH
        assert screening.criminal_risk and not screening.group_risk
        assert screening.people_involved == 5
        assert screening.status is ScreeningStatus.WATCHING
        assert screening.org_unit_id == world.station_id
        screening_id = screening.id
    assert response.headers["Location"].endswith(f"/screenings/{screening_id}")
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "李某与王某" in detail and "escalation-warning" in detail
    listing = client.get(_url(world, "/screenings/")).get_data(as_text=True)
    assert f'data-screening-id="{screening_id}"' in listing
    assert "城关镇新华村" in listing
    # Filters: a matching and a non-matching one.
    hit = client.get(_url(world, "/screenings/?risk=high&flag=criminal&from=2026-03-01"
                                 "&to=2026-03-31")).get_data(as_text=True)
    assert f'data-screening-id="{screening_id}"' in hit
    for query in ("risk=low", "flag=group", "from=2026-04-01", "status=resolved",
                  f"type={world.dispute_type_id + 1}"):
        miss = client.get(_url(world, f"/screenings/?{query}")).get_data(as_text=True)
        assert f'data-screening-id="{screening_id}"' not in miss, query


def test_bad_input_is_shown_beside_the_fields_and_nothing_is_saved(app, world, login_as):
    client = login_as("station")
    future = (today() + timedelta(days=3)).isoformat()
    response = client.post(_url(world, "/screenings/new"), data=_form(
        world, summary="  ", screened_on=future, people_involved="0",
        org_unit=world.other_station_id))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.count("is-invalid") >= 4
    assert "新华村三组" in body  # what the user typed is kept
    assert "村调委会已上门劝解" in body
    response = client.post(_url(world, "/screenings/new"), data=_form(
        world, screened_on="2026-13-45", dispute_type=""))
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("is-invalid") >= 2
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.scalar(select(Screening)) is None


def test_edit_keeps_the_record_and_changes_the_fields(app, world, login_as):
    screening_id = _screening(app, world)
    client = login_as("station")
    page = client.get(_url(world, f"/screenings/{screening_id}/edit"))
    assert page.status_code == 200 and "两户因排水沟堵塞" in page.get_data(as_text=True)
    response = client.post(_url(world, f"/screenings/{screening_id}/edit"), data=_form(
        world, summary="排水沟纠纷已由村调委会调处", risk_level="low", criminal_risk=None,
        group_risk="y", status="resolved"))
    assert response.status_code == 302
    with app.app_context(), tenant_context(world.tenant.id):
        screening = db.session.get(Screening, screening_id)
        assert screening.summary == "排水沟纠纷已由村调委会调处"
        assert screening.status is ScreeningStatus.RESOLVED
        assert screening.group_risk and not screening.criminal_risk
    # The status "became a case" cannot be chosen by hand.
    response = client.post(_url(world, f"/screenings/{screening_id}/edit"),
                           data=_form(world, status="converted"))
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)


def test_convert_opens_an_accepted_numbered_case(app, world, login_as):
    place_id = _place(app, world)
    screening_id = _screening(app, world, place_id=place_id, place_detail="三组",
                              risk_level=RiskLevel.HIGH)
    client = login_as("station")
    detail = client.get(_url(world, f"/screenings/{screening_id}")).get_data(as_text=True)
    assert 'data-testid="convert"' in detail
    response = client.post(_url(world, f"/screenings/{screening_id}/convert"), data={
        "committee": world.committee_id, "mediator": world.mediator_id,
        "accepted_on": "2026-03-06"})
    assert response.status_code == 302
    with app.app_context(), tenant_context(world.tenant.id):
        case = db.session.scalar(select(Case))
        screening = db.session.get(Screening, screening_id)
        assert case.status is CaseStatus.ACCEPTED
        assert case.number and "人调字第" in case.number
        assert case.source is CaseSource.INITIATIVE
        assert case.screening_id == screening_id
        assert case.summary == "两户因排水沟堵塞发生争吵"
        assert case.dispute_type_id == world.dispute_type_id
        assert (case.place_id, case.place_detail) == (place_id, "三组")
        assert case.people_involved == 4
        assert case.committee_id == world.committee_id
        assert case.org_unit_id == _committee_unit(world, world.committee_id)
        assert case.mediator_id == world.mediator_id
        assert case.accepted_on == date(2026, 3, 6)
        assert screening.status is ScreeningStatus.CONVERTED
        assert screening.case_id == case.id
        case_id = case.id
    location = response.headers["Location"]
    if "mediation.case_detail" in app.view_functions:
        assert location.endswith(f"/{case_id}") or str(case_id) in location
    # Converting again opens no second case.
    again = client.post(_url(world, f"/screenings/{screening_id}/convert"), data={
        "committee": world.committee_id, "accepted_on": "2026-03-06"})
    assert again.status_code == 302
    with app.app_context(), tenant_context(world.tenant.id):
        assert len(db.session.scalars(select(Case)).all()) == 1


def test_convert_refuses_bad_choices_without_creating_a_case(app, world, login_as):
    screening_id = _screening(app, world)
    client = login_as("section")
    for data in (
        {"committee": world.committee_id, "mediator": world.other_mediator_id,
         "accepted_on": "2026-03-06"},  # a mediator of another committee
        {"committee": world.committee_id, "accepted_on": "2026-03-01"},  # before found
        {"committee": "", "accepted_on": "2026-03-06"},
        {"committee": world.committee_id,
         "accepted_on": (today() + timedelta(days=2)).isoformat()},
    ):
        response = client.post(_url(world, f"/screenings/{screening_id}/convert"), data=data)
        assert response.status_code == 200, data
        assert "is-invalid" in response.get_data(as_text=True), data
    # The station cannot hand the case to another station's committee.
    response = login_as("station").post(
        _url(world, f"/screenings/{screening_id}/convert"),
        data={"committee": world.other_committee_id, "accepted_on": "2026-03-06"})
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.scalar(select(Case)) is None
        assert db.session.get(Screening, screening_id).status is ScreeningStatus.WATCHING


def test_another_stations_screening_is_not_found(app, world, login_as):
    theirs = _screening(app, world, unit="other")
    mine = _screening(app, world)
    client = login_as("station")
    listing = client.get(_url(world, "/screenings/")).get_data(as_text=True)
    assert f'data-screening-id="{mine}"' in listing
    assert f'data-screening-id="{theirs}"' not in listing
    assert client.get(_url(world, f"/screenings/{theirs}")).status_code == 404
    assert client.get(_url(world, f"/screenings/{theirs}/edit")).status_code == 404
    assert client.post(_url(world, f"/screenings/{theirs}/edit"),
                       data=_form(world)).status_code == 404
    assert client.post(_url(world, f"/screenings/{theirs}/convert"), data={
        "committee": world.committee_id, "accepted_on": "2026-03-06"}).status_code == 404
    assert client.get(_url(world, "/screenings/999999")).status_code == 404
    # Nor can a record be put under another station's unit.
    response = client.post(_url(world, f"/screenings/{mine}/edit"),
                           data=_form(world, org_unit=world.other_station_id))
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.get(Screening, mine).org_unit_id == world.station_id


def test_mediator_sees_committee_records_but_may_not_convert(app, world, login_as):
    with app.app_context(), tenant_context(world.tenant.id):
        unit = _committee_unit(world, world.committee_id)
    screening_id = _screening(app, world, org_unit_id=unit)
    station_record = _screening(app, world)
    client = login_as("mediator")
    listing = client.get(_url(world, "/screenings/")).get_data(as_text=True)
    assert f'data-screening-id="{screening_id}"' in listing
    assert f'data-screening-id="{station_record}"' not in listing  # the station's own
    detail = client.get(_url(world, f"/screenings/{screening_id}"))
    assert detail.status_code == 200
    assert 'data-testid="convert"' not in detail.get_data(as_text=True)
    assert client.post(_url(world, f"/screenings/{screening_id}/convert"), data={
        "committee": world.committee_id, "accepted_on": "2026-03-06"}).status_code == 403
    # The mediator records for their committee only.
    new = client.get(_url(world, "/screenings/new")).get_data(as_text=True)
    assert "城关镇新华村人民调解委员会" in new and "白龙司法所" not in new


def test_pages_need_the_permissions(app, world, login_as, tenant_a):
    screening_id = _screening(app, world)
    from test_admin_support import add_user, client_of, relax_second_factor

    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "plain_staff", "staff")
    staff = client_of(app, tenant_a, "plain_staff")
    assert staff.get(_url(world, "/screenings/")).status_code == 403
    assert staff.get(_url(world, "/screenings/new")).status_code == 403
    assert staff.get(_url(world, f"/screenings/{screening_id}")).status_code == 403
    assert staff.get(_url(world, f"/screenings/{screening_id}/edit")).status_code == 403
    # The bureau leader reads but does not write.
    leader = login_as("admin")
    assert leader.get(_url(world, f"/screenings/{screening_id}")).status_code == 200
    assert leader.get(_url(world, f"/screenings/{screening_id}/edit")).status_code == 403
    assert leader.post(_url(world, "/screenings/new"), data=_form(world)).status_code == 403


def test_tampered_choices_are_refused_beside_the_field(app, world, login_as):
    client = login_as("station")
    response = client.post(_url(world, "/screenings/new"), data=_form(
        world, org_unit="abc", dispute_type="999", risk_level="extreme", place="12345"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.count("is-invalid") >= 4
    assert 'class="form-select is-invalid"' in body
    with app.app_context(), tenant_context(world.tenant.id):
        assert db.session.scalar(select(Screening)) is None
