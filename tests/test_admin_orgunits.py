"""Org units: the tree service, the pages of the system administrator, CSV/XLSX import."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from core.db import db
from core.orgunits.models import OrgUnit, OrgUnitType
from core.orgunits.service import (
    OrgUnitError,
    activate_unit,
    create_unit,
    deactivate_unit,
    move_unit,
    subtree,
)

from test_admin_support import add_user, client_of, relax_second_factor, unit_by_code, upload

ROOT = "510823"  # tenant_a's bureau: provisioning names the root unit by region code


def base(tenant) -> str:
    return f"/t/{tenant.slug}/admin/org-units"


def unit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OrgUnit))


@pytest.fixture
def sysadmin(app, tenant_a):
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "sys", "sysadmin")
    return client_of(app, tenant_a, "sys")


# --- service -----------------------------------------------------------------------------


def test_move_rewrites_every_descendant_path_and_refuses_own_subtree(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        root = unit_by_code(ROOT)
        section = create_unit("办公室", "S1", OrgUnitType.SECTION, root)
        team = create_unit("一组", "S1-1", OrgUnitType.OTHER, section)
        leaf = create_unit("一组甲", "S1-1-1", OrgUnitType.OTHER, team)
        station = create_unit("普安司法所", "ST1", OrgUnitType.STATION, root)

        move_unit(section, station)
        db.session.commit()
        assert section.parent_id == station.id
        assert section.path == f"{station.path}{section.id}/"
        assert team.path == f"{station.path}{section.id}/{team.id}/"
        assert leaf.path == f"{station.path}{section.id}/{team.id}/{leaf.id}/"
        assert [u.code for u in subtree(station)] == ["ST1", "S1", "S1-1", "S1-1-1"]
        assert leaf.depth == 4

        for below in (section, team, leaf):
            with pytest.raises(OrgUnitError):
                move_unit(section, below)
        assert leaf.path.startswith(station.path)  # refused moves changed nothing


def test_deactivation_keeps_the_tree_consistent(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        root = unit_by_code(ROOT)
        station = create_unit("普安司法所", "ST1", OrgUnitType.STATION, root)
        committee = create_unit("普安镇调委会", "MC1", OrgUnitType.MEDIATION_COMMITTEE, station)

        with pytest.raises(OrgUnitError, match="仍有在用的下级机构"):
            deactivate_unit(station)
        with pytest.raises(OrgUnitError):
            deactivate_unit(root)
        deactivate_unit(committee)
        deactivate_unit(station)
        assert not station.active and not committee.active
        with pytest.raises(OrgUnitError):
            activate_unit(committee)  # its parent is still deactivated
        with pytest.raises(OrgUnitError):
            create_unit("新调委会", "MC2", OrgUnitType.MEDIATION_COMMITTEE, station)
        activate_unit(station)
        activate_unit(committee)
        assert station.active and committee.active


def test_codes_are_unique_per_tenant_and_checked(app, tenant_a, tenant_b, in_tenant):
    with in_tenant(tenant_b):
        create_unit("苍溪某所", "X1", OrgUnitType.STATION, unit_by_code("510824"))
        db.session.commit()
    with in_tenant(tenant_a):
        root = unit_by_code(ROOT)
        create_unit("剑阁某所", "X1", OrgUnitType.STATION, root)  # B's code is not A's business
        with pytest.raises(OrgUnitError) as error:
            create_unit("重复", "X1", OrgUnitType.STATION, root)
        assert error.value.field == "code"
        with pytest.raises(OrgUnitError):
            create_unit("坏编码", "有 空格", OrgUnitType.STATION, root)


# --- pages -------------------------------------------------------------------------------


def test_tree_page_shows_units_indented_with_type_and_code(app, tenant_a, sysadmin, in_tenant):
    with in_tenant(tenant_a):
        root = unit_by_code(ROOT)
        station = create_unit("普安司法所", "ST1", OrgUnitType.STATION, root, sort_order=2)
        create_unit("办公室", "S1", OrgUnitType.SECTION, root, sort_order=1)
        create_unit("普安镇调委会", "MC1", OrgUnitType.MEDIATION_COMMITTEE, station)
        db.session.commit()

    page = sysadmin.get(f"{base(tenant_a)}/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = re.findall(r'data-testid="org-unit-row" data-code="([^"]+)" data-depth="(\d+)"', html)
    assert rows == [(ROOT, "0"), ("S1", "1"), ("ST1", "1"), ("MC1", "2")]
    station_row = html.split('data-code="ST1"', 1)[1].split("</tr>", 1)[0]
    assert "└ 普安司法所</td>" in station_row
    assert "<td>司法所</td>" in station_row and "<code>ST1</code>" in station_row
    assert "\u3000\u3000└ 普安镇调委会" in html


def test_create_shows_errors_beside_the_field_and_keeps_the_input(app, tenant_a, sysadmin,
                                                                   in_tenant):
    with in_tenant(tenant_a):
        root_id = unit_by_code(ROOT).id
    response = sysadmin.post(f"{base(tenant_a)}/new", data={
        "parent": root_id, "name": "重名编码的所", "code": ROOT, "unit_type": "station",
        "sort_order": "3"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'name="code"[^>]*class="[^"]*is-invalid|class="[^"]*is-invalid[^"]*"[^>]*'
                     r'name="code"', html)
    assert 'value="重名编码的所"' in html  # nothing typed is lost

    response = sysadmin.post(f"{base(tenant_a)}/new", data={
        "parent": root_id, "name": "普安司法所", "code": "ST1", "unit_type": "station",
        "sort_order": "3"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        unit = unit_by_code("ST1")
        assert (unit.name, unit.unit_type, unit.parent_id, unit.sort_order) == (
            "普安司法所", OrgUnitType.STATION, root_id, 3)
        assert unit.path == f"/{root_id}/{unit.id}/"


def test_edit_move_and_deactivate_through_the_pages(app, tenant_a, sysadmin, in_tenant):
    with in_tenant(tenant_a):
        root = unit_by_code(ROOT)
        station = create_unit("普安司法所", "ST1", OrgUnitType.STATION, root)
        committee = create_unit("调委会", "MC1", OrgUnitType.MEDIATION_COMMITTEE, station)
        office = create_unit("办公室", "S1", OrgUnitType.SECTION, root)
        db.session.commit()
        ids = {"station": station.id, "committee": committee.id, "office": office.id}

    edit = sysadmin.get(f"{base(tenant_a)}/{ids['station']}/edit")
    assert edit.status_code == 200
    assert sysadmin.post(f"{base(tenant_a)}/{ids['station']}/edit", data={
        "name": "普安镇司法所", "code": "ST01", "unit_type": "station", "sort_order": "1",
    }).status_code == 302

    # Moving a unit under its own sub-unit: refused beside the field, nothing changed.
    refused = sysadmin.post(f"{base(tenant_a)}/{ids['station']}/move",
                            data={"parent": ids["committee"]})
    assert refused.status_code == 200
    assert "invalid-feedback" in refused.get_data(as_text=True)
    assert sysadmin.post(f"{base(tenant_a)}/{ids['committee']}/move",
                         data={"parent": ids["office"]}).status_code == 302

    # Deactivating a unit with an active sub-unit is refused; without one it works.
    assert sysadmin.post(f"{base(tenant_a)}/{ids['office']}/deactivate").status_code == 302
    with in_tenant(tenant_a):
        office = db.session.get(OrgUnit, ids["office"])
        committee = db.session.get(OrgUnit, ids["committee"])
        station = db.session.get(OrgUnit, ids["station"])
        assert office.active
        assert committee.path == f"{office.path}{committee.id}/"
        assert (station.name, station.code, station.sort_order) == ("普安镇司法所", "ST01", 1)
    assert sysadmin.post(f"{base(tenant_a)}/{ids['committee']}/deactivate").status_code == 302
    assert sysadmin.post(f"{base(tenant_a)}/{ids['office']}/deactivate").status_code == 302
    with in_tenant(tenant_a):
        assert not db.session.get(OrgUnit, ids["office"]).active
        assert db.session.get(OrgUnit, ids["committee"]) is not None  # data kept

    # A deactivated unit is no longer offered as a parent.
    new_form = sysadmin.get(f"{base(tenant_a)}/new").get_data(as_text=True)
    assert f'value="{ids["office"]}"' not in new_form
    assert f'value="{ids["station"]}"' in new_form


@pytest.mark.parametrize("role", ["secadmin", "auditadmin", "staff", "leader"])
def test_only_the_system_administrator_manages_org_units(app, tenant_a, in_tenant, role):
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "other", role)
    client = client_of(app, tenant_a, "other")
    with in_tenant(tenant_a):
        root_id = unit_by_code(ROOT).id
    assert client.get(f"{base(tenant_a)}/").status_code == 403
    assert client.post(f"{base(tenant_a)}/new", data={
        "parent": root_id, "name": "x", "code": "X", "unit_type": "station"}).status_code == 403
    assert client.post(f"{base(tenant_a)}/{root_id}/edit", data={
        "name": "改名", "code": ROOT, "unit_type": "bureau"}).status_code == 403
    with in_tenant(tenant_a):
        assert unit_count() == 1 and unit_by_code(ROOT).name == tenant_a.tenant.name


# --- import ------------------------------------------------------------------------------

GOOD_ROWS = [
    ["编码", "名称", "类型", "上级编码"],
    # A child before its parent, a parent that exists already, codes typed as numbers.
    ["MC1", "普安镇人民调解委员会", "人民调解委员会", "ST1"],
    ["ST1", "普安司法所", "司法所", ROOT],
    [510823101, "办公室", "section", ROOT],
    ["LAC", "剑阁县法律援助中心", "法律援助中心", ROOT],
]


def _check_imported(in_tenant, tenant) -> None:
    with in_tenant(tenant):
        station, committee = unit_by_code("ST1"), unit_by_code("MC1")
        assert committee.parent_id == station.id
        assert committee.path == f"{station.path}{committee.id}/"
        assert committee.unit_type is OrgUnitType.MEDIATION_COMMITTEE
        assert unit_by_code("510823101").unit_type is OrgUnitType.SECTION
        assert unit_by_code("LAC").unit_type is OrgUnitType.LEGAL_AID_CENTRE
        assert unit_count() == 5


def test_xlsx_import_creates_the_tree_in_one_go(app, tenant_a, sysadmin, in_tenant):
    from test_admin_support import xlsx_bytes

    response = upload(sysadmin, f"{base(tenant_a)}/import", xlsx_bytes(GOOD_ROWS), "units.xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)
    _check_imported(in_tenant, tenant_a)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_import_in_utf8_and_gbk(app, tenant_a, sysadmin, in_tenant, encoding):
    text = "\r\n".join(",".join(str(v) for v in row) for row in GOOD_ROWS)
    response = upload(sysadmin, f"{base(tenant_a)}/import", text.encode(encoding), "units.csv")
    assert response.status_code == 302, response.get_data(as_text=True)
    _check_imported(in_tenant, tenant_a)


def test_bad_rows_are_all_reported_and_nothing_is_imported(app, tenant_a, sysadmin, in_tenant):
    from test_admin_support import xlsx_bytes

    rows = [
        ["编码", "名称", "类型", "上级编码"],
        ["ST1", "普安司法所", "司法所", ROOT],  # row 2: good on its own
        ["ST1", "重复编码", "司法所", ROOT],  # row 3: code also on row 2
        ["ST2", "", "火星站", ROOT],  # row 4: no name, unknown type
        [ROOT, "已存在", "科室", ROOT],  # row 5: existing code
        ["ST3", "没有上级", "司法所", "NOPE"],  # row 6: unknown parent
        ["C1", "甲", "其他", "C2"],  # rows 7 and 8: a circle
        ["C2", "乙", "其他", "C1"],
        ["ST4", "没写上级", "司法所", ""],  # row 9: parent required
    ]
    response = upload(sysadmin, f"{base(tenant_a)}/import", xlsx_bytes(rows), "bad.xlsx")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="import-rejected"' in html
    found = set(re.findall(r'<tr data-testid="import-error"><td>(\d+)</td><td>([^<]+)</td>', html))
    assert found == {("3", "编码"), ("4", "名称"), ("4", "类型"), ("5", "编码"),
                     ("6", "上级编码"), ("7", "上级编码"), ("8", "上级编码"), ("9", "上级编码")}
    with in_tenant(tenant_a):
        assert unit_count() == 1  # row 2 was good, and still nothing was imported


def test_unreadable_files_are_refused_beside_the_field(app, tenant_a, sysadmin, in_tenant):
    from test_admin_support import xlsx_bytes

    url = f"{base(tenant_a)}/import"
    cases = [
        (xlsx_bytes([["编码", "名称"], ["A", "甲"]]), "units.xlsx"),  # missing columns
        (b"PK\x03\x04 not really a zip", "units.xlsx"),
        (b"\xd0\xcf\x11\xe0 old excel", "units.xls"),
        (xlsx_bytes([["编码", "名称", "类型", "上级编码"]]), "units.xlsx"),  # no data rows
        (_billion_laughs_xlsx(), "bomb.xlsx"),
    ]
    for data, name in cases:
        response = upload(sysadmin, url, data, name)
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        assert "is-invalid" in html and "invalid-feedback" in html, name
    with in_tenant(tenant_a):
        assert unit_count() == 1


def _billion_laughs_xlsx() -> bytes:
    """A workbook whose sheet XML declares nested entities: defusedxml must refuse it."""
    from test_admin_support import xlsx_bytes

    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(GOOD_ROWS)))
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
            '</sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = bomb.encode()
            target.writestr(item, data)
    return out.getvalue()


def test_template_downloads_and_round_trips(app, tenant_a, sysadmin, in_tenant):
    response = sysadmin.get(f"{base(tenant_a)}/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == ["编码", "名称", "类型", "上级编码"]
    assert sheet.data_validations.dataValidation, "the 类型 column offers a drop-down"
    sheet.append(["ST9", "白龙司法所", "司法所", ROOT])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert upload(sysadmin, f"{base(tenant_a)}/import", buffer.getvalue(),
                  "filled.xlsx").status_code == 302
    with in_tenant(tenant_a):
        assert unit_by_code("ST9").parent_id == unit_by_code(ROOT).id
