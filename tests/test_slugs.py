"""Tenant slugs: the rule, reserved words and suggestions derived from a region's name."""

from __future__ import annotations

import pytest
from flask import Flask

from core import regions
from tenants import provisioning
from tenants.cli import demo
from tenants.provisioning import ProvisioningError, TenantSpec, validate_spec
from tenants.slugs import (
    RESERVED_SLUGS,
    SLUG_RE,
    place_pinyin,
    place_stem,
    slug_problem,
    suggest_slug,
)


def never_taken(_slug: str) -> bool:
    return False


def taken(*slugs: str):
    return lambda slug: slug in slugs


def region(code: str) -> regions.Region:
    found = regions.get(code)
    assert found is not None
    return found


# --- the rule and reserved words ------------------------------------------------------------


@pytest.mark.parametrize("slug", ["jiange", "ab", "chaoyang-110105", "r510823", "a" * 63])
def test_well_formed_slugs_have_no_problem(slug: str) -> None:
    assert slug_problem(slug) is None


@pytest.mark.parametrize("slug", ["", "a", "Jiange", "1abc", "-abc", "jian ge", "剑阁",
                                  "jiange_", "a" * 64])
def test_malformed_slugs_are_refused(slug: str) -> None:
    assert slug_problem(slug)


@pytest.mark.parametrize("slug", ["admin", "api", "platform", "signup", "static", "www", "t",
                                  "login", "logout", "assets", "help", "docs"])
def test_reserved_slugs_are_refused(slug: str) -> None:
    assert slug in RESERVED_SLUGS
    assert slug_problem(slug)


def test_the_demo_slug_stays_usable() -> None:
    default = next(p.default for p in demo.params if p.name == "slug")
    assert default == "demo"
    assert slug_problem(default) is None


def test_provisioning_uses_the_same_rule() -> None:
    assert provisioning.SLUG_RE is SLUG_RE
    assert provisioning.RESERVED_SLUGS is RESERVED_SLUGS
    with pytest.raises(ProvisioningError, match="reserved"):
        validate_spec(TenantSpec(slug="login", name="x", region_code="510823"))
    with pytest.raises(ProvisioningError, match="lowercase"):
        validate_spec(TenantSpec(slug="Jiange", name="x", region_code="510823"))
    validate_spec(TenantSpec(slug="jiange", name="剑阁县司法局", region_code="510823"))


def test_problem_message_is_translated_text_in_a_request(app: Flask) -> None:
    with app.test_request_context("/signup"):
        assert slug_problem("admin")
        assert slug_problem("Bad Slug")
        assert slug_problem("jiange") is None


# --- suggestions --------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), [
    ("510823", "jiange"),        # 剑阁县
    ("110105", "chaoyang"),      # 朝阳区 (北京, a municipality's district)
    ("460400", "danzhou"),       # 儋州市, a city without districts
    ("469025", "baisha"),        # 白沙黎族自治县
    ("500241", "xiushan"),       # 秀山土家族苗族自治县
    ("150781", "manzhouli"),     # 满洲里市
    ("150725", "chenbaerhu"),    # 陈巴尔虎旗
    ("150724", "ewenke"),        # 鄂温克族自治旗: the group is the whole name
    ("429021", "shennongjia"),   # 神农架林区
    ("520203", "liuzhi"),        # 六枝特区
    ("510100", "chengdu"),       # 成都市: 都 is "du" in place names
    ("510000", "sichuan"),       # 四川省
    ("650000", "xinjiang"),      # 新疆维吾尔自治区
    ("610000", "shaanxi"),       # 陕西省, not 山西's "shanxi"
])
def test_suggestion_is_the_pinyin_of_the_place_name(code: str, expected: str) -> None:
    assert suggest_slug(region(code), never_taken) == expected


def test_stem_never_strips_to_nothing() -> None:
    assert place_stem("剑阁县") == "剑阁"
    assert place_stem("区") == "区"
    assert place_stem("城区") == "城"
    assert place_stem("自治县") == "自治县"
    assert place_stem("鄂伦春自治旗") == "鄂伦春"
    assert place_stem("内蒙古自治区") == "内蒙古"
    assert place_stem("融水苗族自治县") == "融水"


def test_every_region_gets_a_valid_suggestion() -> None:
    for unit in regions.all_regions():
        pinyin = place_pinyin(unit.name)
        assert pinyin and pinyin.isascii() and pinyin.isalpha() and pinyin.islower(), unit
        assert slug_problem(suggest_slug(unit, never_taken)) is None, unit


def test_a_taken_slug_falls_back_to_pinyin_and_code() -> None:
    # 朝阳区 exists in 北京 and 长春: the second bureau gets the code appended.
    beijing = suggest_slug(region("110105"), never_taken)
    changchun = suggest_slug(region("220104"), taken(beijing))

    assert beijing == "chaoyang"
    assert changchun == "chaoyang-220104"


def test_a_taken_fallback_uses_the_bare_code() -> None:
    slug = suggest_slug(region("510823"), taken("jiange", "jiange-510823"))
    assert slug == "r510823"
    assert suggest_slug(region("510823"), taken("jiange", "jiange-510823", "r510823")) \
        == "r510823-2"


def test_a_reserved_pinyin_is_not_suggested(monkeypatch: pytest.MonkeyPatch) -> None:
    # No unit's pinyin is reserved today; pretend 剑阁 were.
    monkeypatch.setattr("tenants.slugs.RESERVED_SLUGS", RESERVED_SLUGS | {"jiange"})
    assert suggest_slug(region("510823"), never_taken) == "jiange-510823"


def test_a_one_letter_pinyin_is_extended_with_the_code() -> None:
    # Too short for the rule ("a" alone): the code keeps it unique and valid.
    made_up = regions.Region("659999", "阿县", "county", "650000")
    assert suggest_slug(made_up, never_taken) == "a-659999"


def test_suggestions_are_what_provisioning_accepts() -> None:
    for code in ("510823", "110105", "469025", "150724"):
        slug = suggest_slug(region(code), never_taken)
        validate_spec(TenantSpec(slug=slug, name="司法局", region_code=code))
