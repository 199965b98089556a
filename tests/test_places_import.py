"""Importing places from XLSX/CSV: row-level errors, all or nothing, updates, template."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from core.db import db
from core.orgunits.models import OrgUnitType
from core.orgunits.service import create_unit, deactivate_unit
from core.places import api as places
from core.places.imports import COLUMNS, kind_from_text
from core.places.models import Place, PlaceKind

from test_admin_support import (
    add_user,
    client_of,
    relax_second_factor,
    unit_by_code,
    upload,
    xlsx_bytes,
)

ROOT = "510823"
HEADER = list(COLUMNS)


def url(tenant, path: str = "import") -> str:
    return f"/t/{tenant.slug}/places/{path}"


def post_file(client, tenant, data: bytes, filename: str = "places.xlsx",
              action: str = "import"):
    return client.post(url(tenant), data={"file": (io.BytesIO(data), filename),
                                          "action": action},
                       content_type="multipart/form-data")


def flashed_numbers(page: str) -> list[int]:
    """The figures of the success message, in whichever language it is shown."""
    alert = re.search(r'class="alert alert-success[^"]*" role="alert">(.*?)<', page, re.S)
    assert alert, page[:500]
    return [int(n) for n in re.findall(r"\d+", alert.group(1))]


def place_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Place))


def error_rows(html: str) -> list[tuple[int, str, str]]:
    return [(int(row), column, message.strip()) for row, column, message in re.findall(
        r'data-testid="import-error" data-row="\d+"><td>(\d+)</td><td>([^<]*)</td>'
        r'<td>([^<]*)</td>', html)]


@pytest.fixture
def units(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        root = unit_by_code(ROOT)
        create_unit("城关司法所", "ST1", OrgUnitType.STATION, parent=root)
        create_unit("普安司法所", "ST2", OrgUnitType.STATION, parent=root)
        old = create_unit("旧司法所", "ST9", OrgUnitType.STATION, parent=root)
        deactivate_unit(old)
        db.session.commit()


GOOD = [
    HEADER,
    ["村", "新华村", "城关镇", "ST1", "5108230010", "新华路1号", "王主任", "0839-6600001", ""],
    ["社区", "东街社区", "城关镇", "城关司法所", "", "", "", "", "老城区"],
    ["学校", "城关中学", "城关镇", "", 3151000001, "", "李校长", "", ""],
    ["enterprise", "剑门酒业", "普安镇", "ST2", "91510823MA6XXXXX0X", "", "", "", ""],
    ["其他", "普安农贸市场", "普安镇", "", "", "", "", "", ""],
]


def test_kind_names(app_ctx):
    assert kind_from_text("行政村") is kind_from_text("村") is PlaceKind.VILLAGE
    assert kind_from_text("Community") is PlaceKind.COMMUNITY
    assert kind_from_text(" 企业 ") is PlaceKind.ENTERPRISE
    assert kind_from_text("农场") is None and kind_from_text("") is None


def test_good_file_creates_every_row(app, tenant_a, client_a, units, in_tenant):
    response = post_file(client_a, tenant_a, xlsx_bytes(GOOD))
    assert response.status_code == 302, error_rows(response.get_data(as_text=True))
    page = client_a.get(response.headers["Location"]).get_data(as_text=True)
    assert flashed_numbers(page) == [5, 0]  # added, updated
    with in_tenant(tenant_a):
        assert place_count() == 5
        village = places.find("village", "城关镇", "新华村")
        assert village.org_unit.code == "ST1" and village.code == "5108230010"
        assert village.contact_phone == "0839-6600001" and village.address == "新华路1号"
        assert places.find("community", "城关镇", "东街社区").org_unit.code == "ST1"
        assert places.find("school", "城关镇", "城关中学").code == "3151000001"  # not 3.15e9
        assert places.find("enterprise", "普安镇", "剑门酒业").org_unit.code == "ST2"
        assert places.find("other", "普安镇", "普安农贸市场").org_unit_id is None


def test_matching_rows_update_and_missing_columns_keep_values(app, tenant_a, client_a, units,
                                                              in_tenant):
    assert post_file(client_a, tenant_a, xlsx_bytes(GOOD)).status_code == 302
    # A shorter file: new phone for one place, one new place; no 地址 column at all.
    again = [["类型", "名称", "所属乡镇（街道）", "联系电话"],
             ["行政村", "新华村", "城关镇", "0839-6609999"],
             ["村", "新民村", "城关镇", ""]]
    response = post_file(client_a, tenant_a, xlsx_bytes(again), action="check")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="import-checked"' in html
    assert 'data-testid="import-preview"' in html
    with in_tenant(tenant_a):
        assert place_count() == 5  # a check writes nothing
    response = post_file(client_a, tenant_a, xlsx_bytes(again))
    assert response.status_code == 302
    page = client_a.get(response.headers["Location"]).get_data(as_text=True)
    assert flashed_numbers(page) == [1, 1]  # added, updated
    with in_tenant(tenant_a):
        assert place_count() == 6
        village = places.find("village", "城关镇", "新华村")
        assert village.contact_phone == "0839-6609999"
        assert village.address == "新华路1号" and village.org_unit.code == "ST1"  # kept


def test_bad_rows_are_all_listed_and_nothing_is_written(app, tenant_a, client_a, units,
                                                        in_tenant):
    with in_tenant(tenant_a):
        places.create(kind="village", name="已有村", town="城关镇")
        db.session.commit()
    rows = [
        HEADER,
        ["村", "好村", "城关镇", "", "", "", "", "", ""],           # 2: good
        ["农场", "坏类型", "城关镇", "", "", "", "", "", ""],        # 3: unknown kind
        ["", "没类型", "城关镇", "", "", "", "", "", ""],            # 4: kind missing
        ["村", "", "城关镇", "", "", "", "", "", ""],                # 5: name missing
        ["村", "错单位村", "城关镇", "XX99", "", "", "", "", ""],    # 6: unknown unit
        ["村", "旧单位村", "城关镇", "ST9", "", "", "", "", ""],     # 7: deactivated unit
        ["学校", "好村", "城关镇", "", "", "", "", "电话坏了", ""],  # 8: bad phone
        ["行政村", "好村", "城关镇", "", "", "", "", "", ""],        # 9: same as row 2
        ["企业", "长" * 101, "", "", "代码 有空格", "", "", "", ""],  # 10: name, code
    ]
    response = post_file(client_a, tenant_a, xlsx_bytes(rows))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="import-rejected"' in html
    errors = error_rows(html)
    by_row = {}
    for row, column, message in errors:
        assert message, (row, column)
        by_row.setdefault(row, set()).add(column)
    assert by_row == {3: {"类型"}, 4: {"类型"}, 5: {"名称"}, 6: {"负责单位"}, 7: {"负责单位"},
                      8: {"联系电话"}, 9: {"名称"}, 10: {"名称", "代码"}}
    messages = dict(((row, column), message) for row, column, message in errors)
    assert "农场" in messages[(3, "类型")]
    assert "XX99" in messages[(6, "负责单位")] and "旧司法所" in messages[(7, "负责单位")]
    assert "2" in messages[(9, "名称")]
    with in_tenant(tenant_a):
        assert place_count() == 1  # not even the good row 2


def test_ambiguous_unit_name_and_csv_in_gbk(app, tenant_a, client_a, units, in_tenant):
    with in_tenant(tenant_a):
        root = unit_by_code(ROOT)
        create_unit("调委会", "MC1", OrgUnitType.MEDIATION_COMMITTEE, parent=root)
        create_unit("调委会", "MC2", OrgUnitType.MEDIATION_COMMITTEE, parent=root)
        db.session.commit()
    text = "类型,名称,所属乡镇(街道),负责单位\n村,甲村,城关镇,调委会\n村,乙村,城关镇,MC2\n"
    response = post_file(client_a, tenant_a, text.encode("gb18030"), "places.csv")
    errors = error_rows(response.get_data(as_text=True))
    assert [(row, column) for row, column, _m in errors] == [(2, "负责单位")]
    text = text.replace(",调委会\n", ",MC1\n")
    response = post_file(client_a, tenant_a, text.encode("gb18030"), "places.csv")
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert places.find("village", "城关镇", "甲村").org_unit.code == "MC1"


def test_unreadable_files_are_refused_beside_the_field(app, tenant_a, client_a):
    for data, name in ((xlsx_bytes([["名称", "地址"], ["甲村", ""]]), "p.xlsx"),
                       (b"", "p.xlsx"), (b"\xd0\xcf\x11\xe0junk", "p.xls"),
                       (xlsx_bytes([HEADER]), "p.xlsx")):
        response = upload(client_a, url(tenant_a), data, name)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert 'name="file"' in html and "is-invalid" in html, name


def test_template_opens_and_round_trips(app, tenant_a, client_a, units, in_tenant):
    response = client_a.get(url(tenant_a, "template.xlsx"))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert len(rows) == 2 and rows[1][0] == "行政村" and rows[1][1]
    assert len(workbook.worksheets) == 2  # the notes
    # The example row imports as it is (its unit is named like the test's station).
    assert post_file(client_a, tenant_a, response.data).status_code == 302
    with in_tenant(tenant_a):
        assert places.find("village", rows[1][2], rows[1][1]).org_unit.code == "ST1"


def test_sysadmin_imports_staff_cannot(app, tenant_a, units, in_tenant):
    relax_second_factor(app, tenant_a)
    add_user(app, tenant_a, "i_sys", "sysadmin")
    add_user(app, tenant_a, "i_staff", "staff")
    staff = client_of(app, tenant_a, "i_staff")
    assert post_file(staff, tenant_a, xlsx_bytes(GOOD)).status_code == 403
    sysadmin = client_of(app, tenant_a, "i_sys")
    assert post_file(sysadmin, tenant_a, xlsx_bytes(GOOD)).status_code == 302
    with in_tenant(tenant_a):
        assert place_count() == 5
