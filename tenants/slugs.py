"""Tenant slugs (the ``<tenant>`` in /t/<tenant>/): the rule, reserved words, suggestions.

A suggestion is the pinyin of the administrative unit's name without its administrative
suffix and ethnic-group designation: 剑阁县 -> "jiange", 朝阳区 -> "chaoyang",
白沙黎族自治县 -> "baisha". It is only a suggestion; applicants may edit it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

from core.regions import Region

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
SLUG_MAX = 63

# Top-level paths, words that would read as the platform's own pages, and provisioning's
# original set. The demo tenant's slug ("demo", `fatong demo --slug`) is deliberately absent.
RESERVED_SLUGS = frozenset({
    "about", "account", "admin", "api", "assets", "auth", "console", "docs", "help",
    "healthz", "login", "logout", "platform", "register", "root", "signup", "static",
    "status", "support", "system", "t", "www",
})

# Longest first so that 自治县 is removed whole, not just its 县.
_ADMIN_SUFFIXES = tuple(sorted(
    ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区",
     "省", "市", "县", "区", "旗", "盟"),
    key=len, reverse=True,
))

# Ethnic groups named in autonomous units (白沙黎族自治县, 积石山保安族东乡族撒拉族自治县);
# the place name is what precedes them.
_ETHNIC_GROUPS = tuple(sorted(
    (f"{name}族" for name in (
        "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
        "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
        "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南",
        "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂",
        "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各")),
    key=len, reverse=True,
))

_BARE_GROUPS = tuple(group[:-1] for group in _ETHNIC_GROUPS if len(group) >= 3)

# pypinyin's everyday readings differ from the place-name ones for a few characters
# (成都 is "chengdu", not "chengdou"); whole-stem exceptions come first.
_STEM_READINGS = {"长子": "zhangzi", "乐亭": "laoting", "乐清": "yueqing", "洪洞": "hongtong",
                  "陕西": "shaanxi"}
_CHAR_READINGS = {"都": "du", "长": "chang", "什": "shi", "朝": "chao", "蚌": "beng",
                  "尾": "wei", "佛": "fo", "卡": "ka", "柏": "bai", "漯": "luo", "涡": "guo",
                  "单": "shan", "乐": "le"}

_NOT_SLUG_CHARS = re.compile(r"[^a-z]")


def slug_problem(slug: str) -> str | None:
    """A translated message if the slug is malformed or reserved; None if it may be used.

    Whether it is already taken is the caller's question (it needs the database).
    """
    if not SLUG_RE.match(slug or ""):
        return _("Use 2 to 63 lowercase letters, digits or hyphens, starting with a letter.")
    if slug in RESERVED_SLUGS:
        return _("The address %(slug)s is reserved. Choose another.", slug=slug)
    return None


def place_stem(name: str) -> str:
    """The unit's name without administrative suffix and ethnic groups; never empty."""
    stem = name.strip()
    suffix = next((s for s in _ADMIN_SUFFIXES if stem.endswith(s)), "")
    if len(stem) > len(suffix):  # a name that is all suffix (自治县) stays whole
        stem = stem[: len(stem) - len(suffix)]
    if "自治" in name:
        # Xinjiang's units name the group without 族 (巴里坤哈萨克自治县). Only names of two
        # or more characters, and only leaving two or more: 内蒙古 and 融水 stay whole.
        for group in _BARE_GROUPS:
            if stem.endswith(group) and len(stem) - len(group) >= 2:
                stem = stem[: -len(group)]
                break
    stripped = True
    while stripped:
        stripped = False
        for group in _ETHNIC_GROUPS:
            if stem.endswith(group) and len(stem) > len(group):
                stem = stem[: -len(group)]
                stripped = True
                break
    if stem in _ETHNIC_GROUPS:  # 鄂温克族自治旗: the group is the name
        stem = stem[:-1]
    return stem


def place_pinyin(name: str) -> str:
    """Lower-case ascii pinyin of the unit's place stem, no tones or separators."""
    # Imported here: pypinyin loads its dictionaries on import (~0.3 s), and only signup needs it.
    from pypinyin import lazy_pinyin

    stem = place_stem(name)
    if stem in _STEM_READINGS:
        return _STEM_READINGS[stem]
    # Read the whole name: pypinyin's phrase table knows 朝阳区 better than 朝阳.
    syllables = lazy_pinyin(name.strip())
    if len(syllables) != len(name.strip()):  # not one syllable per character (non-Han text)
        syllables = lazy_pinyin(stem)
        return _NOT_SLUG_CHARS.sub("", "".join(syllables).lower())
    readings = [_CHAR_READINGS.get(char, syllable)
                for char, syllable in zip(stem, syllables, strict=False)]
    return _NOT_SLUG_CHARS.sub("", "".join(readings).lower())


def _usable(slug: str, is_taken: Callable[[str], bool]) -> bool:
    return slug_problem(slug) is None and not is_taken(slug)


def suggest_slug(region: Region, is_taken: Callable[[str], bool]) -> str:
    """A free, valid slug for the unit: its pinyin, else pinyin-code, else r<code>.

    ``is_taken(slug)`` says whether a tenant (or pending application) already has the slug.
    """
    pinyin = place_pinyin(region.name)
    tail = f"-{region.code}"
    candidates = [pinyin, f"{pinyin[: SLUG_MAX - len(tail)]}{tail}"] if pinyin else []
    candidates.append(f"r{region.code}")
    for candidate in candidates:
        if _usable(candidate, is_taken):
            return candidate
    # Two tenants for one unit (a city's bureau and a test tenant, say): number them.
    for n in range(2, 100):
        candidate = f"r{region.code}-{n}"
        if _usable(candidate, is_taken):
            return candidate
    return f"r{region.code}"
