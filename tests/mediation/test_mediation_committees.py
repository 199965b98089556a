"""Committees, mediators, the roster and the dispute-type code list, as users see them."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
from sqlalchemy import func, select

from core.sdk import Gender, OrgUnit, OrgUnitType, Person, User, db, people, places
from plugins.mediation.committees import default_term_end
from plugins.mediation.models import Case, Committee, DisputeType, Mediator
from plugins.mediation.models.enums import CaseStatus, MediatorPosition
from plugins.mediation.workflow import today

from mediation_support import _user, drive_case, login_as, world  # noqa: F401  (fixtures)

WOMAN_ID = "110101198507060023"  # born 1985-07-06, female


def base(world) -> str:
    return f"/t/{world.tenant.slug}/mediation"


def committee_form(**overrides) -> dict:
    data = {"name": "城关镇东街社区人民调解委员会", "committee_type": "community",
            "industry_field": "", "parent": "", "place_id": "", "town": "城关镇",
            "established_on": "2020-05-01", "address": "东街社区居委会二楼",
            "office_phone": "0839-6601234", "notes": ""}
    data.update(overrides)
    return data


def mediator_form(**overrides) -> dict:
    data = {"person_id": "", "name": "赵丽", "gender": "", "id_type": "resident_id",
            "id_number": WOMAN_ID, "phone": "13812345678", "ethnic_group": "01",
            "position": "member", "employment": "part_time", "term_start": "", "term_end": "",
            "user_id": "", "training_notes": ""}
    data.update(overrides)
    return data


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


# --- committees ------------------------------------------------------------------------------


def test_create_committee_creates_its_org_unit_under_the_station(login_as, world,
                                                                 in_tenant) -> None:
    client = login_as("section")
    response = client.post(f"{base(world)}/committees/new",
                           data=committee_form(parent=world.station_id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with in_tenant(world.tenant):
        committee = db.session.scalar(select(Committee).where(
            Committee.name == "城关镇东街社区人民调解委员会"))
        unit = db.session.get(OrgUnit, committee.org_unit_id)
        assert unit.unit_type is OrgUnitType.MEDIATION_COMMITTEE
        assert unit.parent_id == world.station_id and unit.name == committee.name
        assert unit.code.startswith("twh-")
        station = db.session.get(OrgUnit, world.station_id)
        assert unit.path == f"{station.path}{unit.id}/"
        assert committee.established_on == date(2020, 5, 1) and committee.active
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "城关司法所" in page and 'data-testid="composition-warnings"' in page


def station_manager(world, in_tenant) -> str:
    """A user holding the section's role (COMMITTEE_MANAGE) on 城关司法所 only."""
    with in_tenant(world.tenant):
        _user("cg_manager", "孙干事", "mediation_section",
              db.session.get(OrgUnit, world.station_id))
        db.session.commit()
    return "cg_manager"


def test_committee_form_errors_beside_the_fields_and_nothing_written(login_as, world,
                                                                     in_tenant) -> None:
    client = login_as(station_manager(world, in_tenant))
    form = client.get(f"{base(world)}/committees/new").get_data(as_text=True)
    assert "城关司法所" in form and "白龙司法所" not in form  # only the station in scope
    # An industry committee needs its field; a station officer cannot use another station.
    response = client.post(f"{base(world)}/committees/new", data=committee_form(
        committee_type="industry", parent=world.other_station_id, established_on="2099-01-01"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.count("is-invalid") >= 2 and "城关镇东街社区人民调解委员会" in body
    response = client.post(f"{base(world)}/committees/new", data=committee_form(
        committee_type="industry", parent=world.station_id))
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    # A duplicate name is refused too.
    response = client.post(f"{base(world)}/committees/new", data=committee_form(
        name="城关镇新华村人民调解委员会", parent=world.station_id))
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    with in_tenant(world.tenant):
        assert count(Committee) == 2
        assert count(OrgUnit, OrgUnit.unit_type == OrgUnitType.MEDIATION_COMMITTEE) == 2
    response = client.post(f"{base(world)}/committees/new", data=committee_form(
        committee_type="industry", industry_field="medical", parent=world.station_id))
    assert response.status_code == 302


def test_edit_renames_and_moves_the_org_unit(login_as, world, in_tenant) -> None:
    section = login_as("section")
    response = section.post(f"{base(world)}/committees/{world.committee_id}/edit",
                            data=committee_form(name="城关镇新华村调委会", committee_type="village",
                                                parent=world.other_station_id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with in_tenant(world.tenant):
        committee = db.session.get(Committee, world.committee_id)
        unit = db.session.get(OrgUnit, committee.org_unit_id)
        assert unit.name == "城关镇新华村调委会" and unit.parent_id == world.other_station_id
        assert unit.path.startswith(db.session.get(OrgUnit, world.other_station_id).path)
    # The committee now belongs to 白龙司法所's scope.
    assert login_as("station").get(
        f"{base(world)}/committees/{world.committee_id}").status_code == 404
    assert login_as("other_station").get(
        f"{base(world)}/committees/{world.committee_id}").status_code == 200


def test_station_user_sees_only_their_station_committees(login_as, world) -> None:
    client = login_as("station")
    listing = client.get(f"{base(world)}/committees/").get_data(as_text=True)
    assert "城关镇新华村人民调解委员会" in listing and "白龙镇人民调解委员会" not in listing
    assert client.get(f"{base(world)}/committees/{world.committee_id}").status_code == 200
    assert client.get(f"{base(world)}/committees/{world.other_committee_id}").status_code == 404
    assert client.get(f"{base(world)}/mediators/{world.mediator_id}/edit").status_code == 403
    roster = client.get(f"{base(world)}/mediators/").get_data(as_text=True)
    assert "王秀英" in roster and "陈光华" not in roster
    everything = login_as("section").get(f"{base(world)}/committees/").get_data(as_text=True)
    assert "城关镇新华村人民调解委员会" in everything and "白龙镇人民调解委员会" in everything
    # A mediator sees their own committee only, and changes nothing.
    mediator = login_as("mediator")
    assert mediator.get(f"{base(world)}/committees/{world.committee_id}").status_code == 200
    assert mediator.get(f"{base(world)}/committees/{world.other_committee_id}").status_code \
        == 404


def test_composition_warnings_are_shown_not_blocking(login_as, world) -> None:
    client = login_as("section")
    full = client.get(f"{base(world)}/committees/{world.committee_id}").get_data(as_text=True)
    assert 'data-testid="composition-warnings"' not in full
    lonely = client.get(f"{base(world)}/committees/{world.other_committee_id}")
    body = lonely.get_data(as_text=True)
    warnings = body.split('data-testid="composition-warnings"')[1].split("</div>\n")[1]
    assert warnings.count("<li>") == 2  # fewer than 3 members, no woman (it has a chair)
    assert "(Art. 8)" in warnings or "第八条" in warnings or "8" in warnings
    listing = client.get(f"{base(world)}/committees/").get_data(as_text=True)
    assert listing.count('data-testid="composition-warning"') == 1
    # A woman joins: the woman warning goes, the size warning stays.
    response = client.post(f"{base(world)}/committees/{world.other_committee_id}/mediators/new",
                           data=mediator_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    body = client.get(f"{base(world)}/committees/{world.other_committee_id}").get_data(
        as_text=True)
    warnings = body.split('data-testid="composition-warnings"')[1].split("</ul>")[0]
    assert warnings.count("<li>") == 1


def test_deactivate_refused_while_cases_are_open(login_as, world, in_tenant) -> None:
    with in_tenant(world.tenant):
        drive_case(world, CaseStatus.MEDIATING)
        db.session.commit()
    client = login_as("section")
    url = f"{base(world)}/committees/{world.committee_id}"
    response = client.post(f"{url}/deactivate", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "alert-danger" in body
    with in_tenant(world.tenant):
        committee = db.session.get(Committee, world.committee_id)
        assert committee.active and db.session.get(OrgUnit, committee.org_unit_id).active
    # A committee without open cases is deactivated with its unit; its records stay.
    response = client.post(f"{base(world)}/committees/{world.other_committee_id}/deactivate")
    assert response.status_code == 302
    with in_tenant(world.tenant):
        other = db.session.get(Committee, world.other_committee_id)
        assert not other.active and not db.session.get(OrgUnit, other.org_unit_id).active
        assert count(Mediator, Mediator.committee_id == other.id) == 1
    listing = client.get(f"{base(world)}/committees/").get_data(as_text=True)
    row = f'data-committee-id="{world.other_committee_id}"'
    assert row not in listing and 'alert-success' in listing
    assert row in client.get(f"{base(world)}/committees/?active=0").get_data(as_text=True)
    assert client.post(f"{base(world)}/committees/{world.other_committee_id}/activate"
                       ).status_code == 302
    with in_tenant(world.tenant):
        assert db.session.get(Committee, world.other_committee_id).active


def test_case_counts_on_the_committee_page(login_as, world, in_tenant) -> None:
    with in_tenant(world.tenant):
        drive_case(world, CaseStatus.MEDIATING)
        drive_case(world, CaseStatus.APPLIED)
        db.session.commit()
    body = login_as("station").get(f"{base(world)}/committees/{world.committee_id}").get_data(
        as_text=True)
    assert 'data-testid="open-cases">2<' in body


# --- mediators -------------------------------------------------------------------------------


def test_add_a_new_person_as_mediator_with_the_default_term(login_as, world, in_tenant) -> None:
    client = login_as("section")
    response = client.post(f"{base(world)}/committees/{world.committee_id}/mediators/new",
                           data=mediator_form(employment="full_time"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with in_tenant(world.tenant):
        person = db.session.scalar(select(Person).where(Person.name == "赵丽"))
        person_id = person.id
        assert person.gender == Gender.FEMALE and person.birth_date == date(1985, 7, 6)
        mediator = db.session.scalar(select(Mediator).where(Mediator.person_id == person.id))
        assert mediator.position is MediatorPosition.MEMBER
        assert mediator.term_start == today()
        assert mediator.term_end == default_term_end(today())
        assert (mediator.term_end - mediator.term_start).days in (1094, 1095, 1096)
    # The same ID number under another name: refused, pointing at the registered person.
    url = f"{base(world)}/committees/{world.committee_id}/mediators/new"
    response = client.post(url, data=mediator_form(name="赵丽丽"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "is-invalid" in body and "赵丽" in body
    # Same name and number: the registry's person is reused, and already sits on the committee.
    response = client.post(url, data=mediator_form())
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    # On another committee the same person may serve too, without a second registry entry.
    response = client.post(f"{base(world)}/committees/{world.other_committee_id}/mediators/new",
                           data=mediator_form(position="hired"))
    assert response.status_code == 302
    with in_tenant(world.tenant):
        assert count(Person, Person.name.startswith("赵丽")) == 1
        assert count(Mediator, Mediator.person_id == person_id) == 2


def test_choose_a_registered_person_found_by_search(login_as, world, in_tenant) -> None:
    with in_tenant(world.tenant):
        person = people.create(name="孙桂兰", id_type="resident_id", id_number=WOMAN_ID)
        db.session.commit()
        person_id = person.id
    client = login_as("section")
    url = f"{base(world)}/committees/{world.other_committee_id}/mediators/new"
    found = client.get(f"{url}?q=孙桂").get_data(as_text=True)
    assert "孙桂兰" in found and f"person_id={person_id}" in found
    assert WOMAN_ID not in found  # ID numbers masked
    chosen = client.get(f"{url}?person_id={person_id}").get_data(as_text=True)
    assert 'data-testid="chosen-person"' in chosen
    response = client.post(url, data=mediator_form(person_id=str(person_id), name="",
                                                   id_number="", position="vice_chair"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with in_tenant(world.tenant):
        mediator = db.session.scalar(select(Mediator).where(Mediator.person_id == person_id))
        assert mediator.committee_id == world.other_committee_id
        assert count(Person, Person.name == "孙桂兰") == 1


def test_invalid_id_number_is_shown_beside_the_field_and_nothing_written(login_as, world,
                                                                         in_tenant) -> None:
    client = login_as("section")
    with in_tenant(world.tenant):
        before = (count(Person), count(Mediator))
    response = client.post(f"{base(world)}/committees/{world.committee_id}/mediators/new",
                           data=mediator_form(name="钱多多", id_number="110101199003071235",
                                              phone="1381234"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    id_field = body.split('name="id_number"')[0].rsplit("<input", 1)[1] + \
        body.split('name="id_number"')[1].split(">")[0]
    assert "is-invalid" in id_field and "110101199003071235" in id_field  # input kept
    assert 'value="钱多多"' in body
    with in_tenant(world.tenant):
        assert (count(Person), count(Mediator)) == before


def test_second_chair_and_minor_are_refused(login_as, world, in_tenant) -> None:
    client = login_as("section")
    url = f"{base(world)}/committees/{world.committee_id}/mediators/new"
    response = client.post(url, data=mediator_form(position="chair"))
    assert response.status_code == 200 and "王秀英" in response.get_data(as_text=True)
    minor_born = today().replace(year=today().year - 15)
    minor = f"110101{minor_born:%Y%m%d}0021"
    minor = minor[:17] + _check_digit(minor[:17])
    response = client.post(url, data=mediator_form(name="小明", id_number=minor))
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    with in_tenant(world.tenant):
        assert count(Mediator, Mediator.committee_id == world.committee_id) == 3
        assert count(Person, Person.name.in_(["赵丽", "小明"])) == 0


def _check_digit(body: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def test_edit_mediator_and_term_flags(login_as, world, in_tenant) -> None:
    client = login_as("section")
    soon = today() + timedelta(days=30)
    response = client.post(f"{base(world)}/mediators/{world.mediator_id}/edit", data={
        "position": "chair", "employment": "full_time",
        "term_start": (soon - timedelta(days=1000)).isoformat(), "term_end": soon.isoformat(),
        "user_id": "", "training_notes": "2025年县级调解员培训"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    bad = client.post(f"{base(world)}/mediators/{world.mediator_id}/edit", data={
        "position": "chair", "employment": "full_time", "term_start": "2026-01-01",
        "term_end": "2025-01-01", "user_id": "", "training_notes": ""})
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)
    page = client.get(f"{base(world)}/committees/{world.committee_id}").get_data(as_text=True)
    assert 'data-testid="term-ending"' in page
    with in_tenant(world.tenant):
        mediator = db.session.get(Mediator, world.mediator_id)
        assert mediator.term_end == soon and mediator.training_notes == "2025年县级调解员培训"


def test_leaving_keeps_the_history(login_as, world, in_tenant) -> None:
    client = login_as("section")
    with in_tenant(world.tenant):
        member = db.session.scalar(select(Mediator).where(
            Mediator.committee_id == world.committee_id,
            Mediator.position == MediatorPosition.MEMBER).order_by(Mediator.id))
        member_id = member.id
    leave = f"{base(world)}/mediators/{member_id}/leave"
    future = (today() + timedelta(days=3)).isoformat()
    response = client.post(leave, data={f"m{member_id}-left_on": future})
    assert response.status_code == 422 and "is-invalid" in response.get_data(as_text=True)
    response = client.post(leave, data={f"m{member_id}-left_on": today().isoformat()})
    assert response.status_code == 302
    with in_tenant(world.tenant):
        mediator = db.session.get(Mediator, member_id)
        assert mediator.left_on == today() and mediator.person is not None
        name = mediator.name
    page = client.get(f"{base(world)}/committees/{world.committee_id}").get_data(as_text=True)
    former = page.split('data-testid="former-mediators"')[1]
    assert name in former
    # Two members left in office: the committee is now warned about its size.
    assert 'data-testid="composition-warnings"' in page
    roster = client.get(f"{base(world)}/mediators/").get_data(as_text=True)
    assert name not in roster
    assert name in client.get(f"{base(world)}/mediators/?active=0").get_data(
        as_text=True)
    # Leaving twice is refused.
    again = client.post(leave, data={f"m{member_id}-left_on": today().isoformat()})
    assert again.status_code in (302, 422)
    with in_tenant(world.tenant):
        assert db.session.get(Mediator, member_id).left_on == today()


def test_roster_xlsx_opens_and_matches(login_as, world, in_tenant) -> None:
    client = login_as("section")
    client.post(f"{base(world)}/committees/{world.committee_id}/mediators/new",
                data=mediator_form())
    response = client.get(f"{base(world)}/mediators/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(rows) == 1 + 5
    names = {row[0]: row for row in rows[1:]}
    assert set(names) == {"王秀英", "张德明", "刘建国", "陈光华", "赵丽"}
    assert names["赵丽"][2] == "城关镇新华村人民调解委员会"
    assert names["赵丽"][6] == default_term_end(today()).isoformat()
    flat = " ".join(str(v) for row in rows for v in row if v)
    assert WOMAN_ID not in flat and "13812345678" not in flat and "138****5678" in flat
    # Filters apply to the export; a station officer exports their own committees only.
    only = client.get(f"{base(world)}/mediators/export.xlsx?position=chair")
    chairs = [row[0].value for row in openpyxl.load_workbook(
        io.BytesIO(only.data)).active.iter_rows(min_row=2)]
    assert sorted(chairs) == ["王秀英", "陈光华"]
    station = login_as("station").get(f"{base(world)}/mediators/export.xlsx")
    names = [row[0].value for row in openpyxl.load_workbook(
        io.BytesIO(station.data)).active.iter_rows(min_row=2)]
    assert "陈光华" not in names and "王秀英" in names


def test_formula_text_stays_text_in_the_export(login_as, world) -> None:
    client = login_as("section")
    client.post(f"{base(world)}/committees/{world.committee_id}/mediators/new",
                data=mediator_form(name="=HYPERLINK(\"x\")", id_type="other", id_number=""))
    response = client.get(f"{base(world)}/mediators/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value
             and str(cell.value).startswith("=")]
    assert cells and all(cell.data_type == "s" for cell in cells)


# --- permissions -----------------------------------------------------------------------------


def test_mediator_user_gets_403_on_manage_pages(login_as, world, in_tenant) -> None:
    client = login_as("mediator")
    with in_tenant(world.tenant):
        type_id = world.dispute_type_id
    urls = [f"{base(world)}/committees/new",
            f"{base(world)}/committees/{world.committee_id}/edit",
            f"{base(world)}/committees/{world.committee_id}/mediators/new",
            f"{base(world)}/mediators/{world.mediator_id}/edit",
            f"{base(world)}/dispute-types/",
            f"{base(world)}/dispute-types/{type_id}/edit"]
    for url in urls:
        assert client.get(url).status_code == 403, url
    posts = [f"{base(world)}/committees/{world.committee_id}/deactivate",
             f"{base(world)}/mediators/{world.mediator_id}/leave",
             f"{base(world)}/dispute-types/{type_id}/deactivate",
             f"{base(world)}/dispute-types/{type_id}/delete"]
    for url in posts:
        assert client.post(url).status_code == 403, url
    # The station officer may see, not change, committees.
    assert login_as("station").get(f"{base(world)}/committees/new").status_code == 403
    assert client.get(f"{base(world)}/committees/").status_code == 200
    with in_tenant(world.tenant):
        assert db.session.get(Committee, world.committee_id).active


def test_other_tenant_ids_answer_404(login_as, world, tenant_b, in_tenant) -> None:
    with in_tenant(tenant_b):
        b_type = db.session.scalar(select(DisputeType.id).limit(1))
    client = login_as("section")
    assert client.get(f"{base(world)}/dispute-types/{b_type}/edit").status_code == 404
    assert client.post(f"{base(world)}/dispute-types/{b_type}/delete").status_code == 404
    assert client.get(f"{base(world)}/committees/99999").status_code == 404


# --- dispute types ---------------------------------------------------------------------------


def test_dispute_types_add_rename_reorder_deactivate(login_as, world, in_tenant) -> None:
    client = login_as("section")
    url = f"{base(world)}/dispute-types/"
    page = client.get(url).get_data(as_text=True)
    assert page.count('data-testid="dispute-type-row"') == 18
    assert client.post(url, data={"name": "土地承包经营", "code": ""}).status_code == 302
    assert client.post(url, data={"name": "农民工工资", "code": "migrant_wages"}).status_code \
        == 302
    refused = [{"name": "邻里", "code": ""},  # the name of a national type
               {"name": "彩礼", "code": "Bride Price"},  # not a code
               {"name": "彩礼", "code": "migrant_wages"},  # taken
               {"name": "", "code": ""}]
    for data in refused:
        response = client.post(url, data=data)
        assert response.status_code == 200, data
        assert "is-invalid" in response.get_data(as_text=True), data
        assert 'value="彩礼"' in response.get_data(as_text=True) or not data["name"] or \
            data["name"] == "邻里"
    with in_tenant(world.tenant):
        local = db.session.scalar(select(DisputeType).where(DisputeType.name == "土地承包经营"))
        assert local.code == "local_1" and not local.national and local.active
        assert count(DisputeType) == 20
        local_id, last_order = local.id, local.sort_order
    # Rename a national type: the code stays.
    response = client.post(f"{url}{world.dispute_type_id}/edit", data={"name": "邻里纠纷"})
    assert response.status_code == 302
    clash = client.post(f"{url}{world.dispute_type_id}/edit", data={"name": "婚姻家庭"})
    assert clash.status_code == 200 and "is-invalid" in clash.get_data(as_text=True)
    # Move the local type up one place.
    assert client.post(f"{url}{local_id}/move", data={"direction": "up"}).status_code == 302
    with in_tenant(world.tenant):
        renamed = db.session.get(DisputeType, world.dispute_type_id)
        assert renamed.name == "邻里纠纷" and renamed.code == "neighbourhood"
        order = [t.id for t in db.session.scalars(select(DisputeType).order_by(
            DisputeType.sort_order))]
        assert order.index(local_id) == 17 and last_order
    # Deactivate and reactivate.
    assert client.post(f"{url}{world.dispute_type_id}/deactivate").status_code == 302
    with in_tenant(world.tenant):
        assert not db.session.get(DisputeType, world.dispute_type_id).active
    assert client.post(f"{url}{world.dispute_type_id}/activate").status_code == 302
    with in_tenant(world.tenant):
        assert db.session.get(DisputeType, world.dispute_type_id).active
    # An unused local type can be deleted.
    assert client.post(f"{url}{local_id}/delete").status_code == 302
    with in_tenant(world.tenant):
        assert db.session.get(DisputeType, local_id) is None


def test_dispute_type_delete_refused_when_national_or_used(login_as, world, in_tenant) -> None:
    client = login_as("section")
    url = f"{base(world)}/dispute-types/"
    client.post(url, data={"name": "土地承包经营", "code": "land_contract"})
    with in_tenant(world.tenant):
        local = db.session.scalar(select(DisputeType).where(DisputeType.code == "land_contract"))
        national = db.session.scalar(select(DisputeType).where(DisputeType.code == "contract"))
        case = drive_case(world, CaseStatus.APPLIED)
        case.dispute_type_id = local.id
        db.session.commit()
        local_id, national_id = local.id, national.id
    for type_id in (local_id, national_id):
        response = client.post(f"{url}{type_id}/delete", follow_redirects=True)
        assert response.status_code == 200 and "alert-danger" in response.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    row = page.split('data-code="land_contract"')[1].split("</tr>")[0]
    assert "/delete" not in row and "/deactivate" in row  # deactivate offered instead
    with in_tenant(world.tenant):
        assert db.session.get(DisputeType, local_id) is not None
        assert db.session.get(DisputeType, national_id) is not None
        assert count(Case, Case.dispute_type_id == local_id) == 1


def test_last_active_dispute_type_cannot_be_deactivated(login_as, world, in_tenant) -> None:
    with in_tenant(world.tenant):
        for dispute_type in db.session.scalars(select(DisputeType).where(
                DisputeType.id != world.dispute_type_id)):
            dispute_type.active = False
        db.session.commit()
    client = login_as("section")
    response = client.post(f"{base(world)}/dispute-types/{world.dispute_type_id}/deactivate",
                           follow_redirects=True)
    assert "alert-danger" in response.get_data(as_text=True)
    with in_tenant(world.tenant):
        assert db.session.get(DisputeType, world.dispute_type_id).active


def test_manager_of_one_station_cannot_touch_the_other(login_as, world, in_tenant) -> None:
    client = login_as(station_manager(world, in_tenant))
    assert client.get(f"{base(world)}/mediators/{world.mediator_id}/edit").status_code == 200
    assert client.get(f"{base(world)}/mediators/{world.other_mediator_id}/edit").status_code \
        == 404
    assert client.get(f"{base(world)}/committees/{world.other_committee_id}/edit").status_code \
        == 404
    assert client.post(f"{base(world)}/committees/{world.other_committee_id}/deactivate"
                       ).status_code == 404
    # Moving its own committee to the other station is refused: not a choice it has.
    response = client.post(f"{base(world)}/committees/{world.committee_id}/edit",
                           data=committee_form(name="城关镇新华村人民调解委员会",
                                               committee_type="village",
                                               parent=world.other_station_id))
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    with in_tenant(world.tenant):
        committee = db.session.get(Committee, world.committee_id)
        assert db.session.get(OrgUnit, committee.org_unit_id).parent_id == world.station_id
        assert db.session.get(Committee, world.other_committee_id).active


def test_place_login_and_list_filters(login_as, world, in_tenant) -> None:
    with in_tenant(world.tenant):
        place = places.create(kind="village", name="东街村", town="城关镇")
        station_user = db.session.scalar(select(User.id).where(User.username == "station"))
        db.session.commit()
        place_id = place.id
    client = login_as("section")
    form = client.get(f"{base(world)}/committees/new").get_data(as_text=True)
    assert "东街村" in form
    response = client.post(f"{base(world)}/committees/new", data=committee_form(
        name="东街村人民调解委员会", committee_type="village", parent=world.station_id,
        place_id=place_id))
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "城关镇东街村" in detail
    # Link a login to a mediator; the page shows it.
    response = client.post(f"{base(world)}/mediators/{world.other_mediator_id}/edit", data={
        "position": "chair", "employment": "part_time", "term_start": "2024-01-01",
        "term_end": "2026-12-31", "user_id": str(station_user), "training_notes": ""})
    assert response.status_code == 302
    with in_tenant(world.tenant):
        assert db.session.get(Mediator, world.other_mediator_id).user_id == station_user
    assert "赵所长" in client.get(
        f"{base(world)}/committees/{world.other_committee_id}").get_data(as_text=True)
    # List filters: by town and by type.
    by_town = client.get(f"{base(world)}/committees/?town=白龙镇").get_data(as_text=True)
    assert "白龙镇人民调解委员会" in by_town and "新华村" not in by_town
    by_type = client.get(f"{base(world)}/committees/?type=industry").get_data(as_text=True)
    assert 'data-testid="committee-row"' not in by_type
