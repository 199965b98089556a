"""Identity documents: the 居民身份证 number (GB 11643-1999) and the other accepted ID types.

The 18-character 公民身份号码 is ``RRRRRR YYYYMMDD SSS C``:

- ``RRRRRR`` the region code (GB/T 2260) where the number was first issued. Only the first
  two digits, the province, are checked against the list of GB/T 2260 provinces
  (:data:`PROVINCES`, 11 北京 … 82 澳门). The county part is not checked on purpose: GB/T 2260
  codes are renamed, merged and retired over the years, and a number keeps the code it was
  issued under for life, so a current table would refuse valid numbers of real people.
  ``83`` (台湾居民居住证) is not a province in GB/T 2260 and is not accepted here.
- ``YYYYMMDD`` the birth date: a real date, not in the future, not before 1900.
- ``SSS`` the sequence; odd for men, even for women (GB 11643 §4.3).
- ``C`` the check character, ISO 7064 MOD 11-2 over the first 17 digits, ``X`` for 10.

First-generation 15-digit numbers (``RRRRRR YYMMDD SSS``, births in the 1900s) lost validity
in 2013; :func:`validate_resident_id` accepts them only with ``allow_legacy=True`` and returns
the 18-digit form.

Errors are :class:`IdNumberError`, whose message is a lazy translation (English msgid).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from core.people.errors import InvalidValue

#: GB/T 2260 province-level codes (first two digits of a region code).
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省",
    "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

#: ISO 7064 MOD 11-2 weights for positions 1..17 (2^(18-i) mod 11).
WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARACTERS = "10X98765432"  # indexed by (weighted sum mod 11)
EARLIEST_BIRTH = date(1900, 1, 1)

_RESIDENT_RE = re.compile(r"^\d{17}[\dX]$")
_LEGACY_RE = re.compile(r"^\d{15}$")
_SPACES_RE = re.compile(r"\s+")


class IdNumberError(InvalidValue):
    """An ID number that is not valid; ``message`` is a lazy translation for the user."""


class Gender(enum.StrEnum):
    """GB/T 2261.1 个人基本信息分类与代码 — 人的性别代码."""

    UNKNOWN = "0"
    MALE = "1"
    FEMALE = "2"
    UNSPECIFIED = "9"

    @property
    def label(self) -> object:
        return GENDER_LABELS[self]


GENDER_LABELS = {
    Gender.UNKNOWN: _l("Unknown"),
    Gender.MALE: _l("Male"),
    Gender.FEMALE: _l("Female"),
    Gender.UNSPECIFIED: _l("Not stated"),
}


@dataclass(frozen=True)
class ResidentIdFacts:
    """What a valid 居民身份证 number says about its holder."""

    number: str  # the 18-character form, upper-case X
    region_code: str
    birth_date: date
    gender: Gender
    from_legacy: bool = False

    @property
    def province_code(self) -> str:
        return self.region_code[:2]

    @property
    def province(self) -> str:
        return PROVINCES[self.province_code]


def clean(raw: str) -> str:
    """Spaces removed (people type ID numbers in groups), lower-case ``x`` made upper."""
    return _SPACES_RE.sub("", raw or "").upper()


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def legacy_to_18(number15: str) -> str:
    """Convert a 15-digit first-generation number: insert ``19`` in the year, add the check."""
    if not _LEGACY_RE.match(number15):
        raise IdNumberError(_l("An old-style ID number must consist of exactly 15 digits."))
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_character(first17)


def _birth_date(text: str, today: date) -> date:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise IdNumberError(_l("The ID number contains an impossible birth date.")) from exc
    if born > today:
        raise IdNumberError(_l("The birth date in the ID number is in the future."))
    if born < EARLIEST_BIRTH:
        raise IdNumberError(_l("The birth date in the ID number is before 1900."))
    return born


def validate_resident_id(raw: str, *, allow_legacy: bool = False,
                         today: date | None = None) -> ResidentIdFacts:
    """Check a 居民身份证 number (see the module docstring) and return what it says.

    Raises :class:`IdNumberError` with a message for the user when the number is invalid.
    """
    today = today or date.today()
    number = clean(raw)
    from_legacy = False
    if _LEGACY_RE.match(number):
        if not allow_legacy:
            # Say what the 18-digit number would be, when the old one is itself valid.
            try:
                converted = validate_resident_id(number, allow_legacy=True, today=today).number
            except IdNumberError:
                raise IdNumberError(_l("15-digit ID numbers are no longer valid; enter the "
                                       "18-digit number.")) from None
            raise IdNumberError(_l("15-digit ID numbers are no longer valid; enter the "
                                   "18-digit number (%(number)s if this old number is right).",
                                   number=converted))
        number = legacy_to_18(number)
        from_legacy = True
    if len(number) != 18:
        raise IdNumberError(_l("A resident ID number has 18 characters."))
    if not _RESIDENT_RE.match(number):
        raise IdNumberError(_l("A resident ID number is 17 digits followed by a digit or X."))
    if number[:2] not in PROVINCES:
        raise IdNumberError(_l("The ID number does not start with a valid province code."))
    born = _birth_date(number[6:14], today)
    if check_character(number[:17]) != number[17]:
        raise IdNumberError(_l("The check digit of the ID number is wrong; please check for "
                               "a mistyped digit."))
    gender = Gender.MALE if int(number[16]) % 2 else Gender.FEMALE
    return ResidentIdFacts(number=number, region_code=number[:6], birth_date=born,
                           gender=gender, from_legacy=from_legacy)


def is_valid_resident_id(raw: str, *, allow_legacy: bool = False) -> bool:
    try:
        validate_resident_id(raw, allow_legacy=allow_legacy)
    except IdNumberError:
        return False
    return True


# --- the other ID types ------------------------------------------------------------------


class IdType(enum.StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证
    PASSPORT = "passport"  # 护照
    HK_MACAO_PERMIT = "hk_macao_permit"  # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证
    FOREIGN_PERMANENT_RESIDENT = "foreign_permanent_resident"  # 外国人永久居留身份证
    MILITARY_OFFICER = "military_officer"  # 军官证
    OTHER = "other"  # 其他证件

    @property
    def label(self) -> object:
        return ID_TYPE_LABELS[self]


ID_TYPE_LABELS = {
    IdType.RESIDENT_ID: _l("Resident identity card"),
    IdType.PASSPORT: _l("Passport"),
    IdType.HK_MACAO_PERMIT: _l("Mainland travel permit for Hong Kong and Macao residents"),
    IdType.TAIWAN_PERMIT: _l("Mainland travel permit for Taiwan residents"),
    IdType.FOREIGN_PERMANENT_RESIDENT: _l("Foreign permanent resident ID card"),
    IdType.MILITARY_OFFICER: _l("Military officer's card"),
    IdType.OTHER: _l("Other identity document"),
}

# Light format checks: the issuing rules of these documents changed over the years (and
# foreign passports follow their own states' rules), so only the shape is checked.
_PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,17}$")
# 回乡证: H/M + 8 digits (card, since 2013) or + 10 digits (older booklets).
_HK_MACAO_RE = re.compile(r"^[HM](\d{8}|\d{10})$")
# 台胞证: 8 digits (card, since 2015) or 10 digits with an optional letter (older).
_TAIWAN_RE = re.compile(r"^(\d{8}|\d{10}[A-Z]?)$")
# 外国人永久居留身份证: 3-letter country code + 12 digits (2004 card) or 18 characters starting
# with 9 and ending in a MOD 11-2 check character (2023 card).
_FOREIGN_OLD_RE = re.compile(r"^[A-Z]{3}\d{12}$")
_FOREIGN_NEW_RE = re.compile(r"^9\d{16}[\dX]$")
_FREE_TEXT_MAX = 30


def validate_id_number(id_type: IdType | str, raw: str, *, allow_legacy: bool = False) -> str:
    """The normalised number for ``id_type``, or :class:`IdNumberError` saying what is wrong."""
    id_type = IdType(id_type)
    if id_type is IdType.RESIDENT_ID:
        return validate_resident_id(raw, allow_legacy=allow_legacy).number
    number = clean(raw)
    if not number:
        raise IdNumberError(_l("Enter the document number."))
    if id_type is IdType.PASSPORT and not _PASSPORT_RE.match(number):
        raise IdNumberError(_l("A passport number is 5 to 17 letters and digits."))
    if id_type is IdType.HK_MACAO_PERMIT and not _HK_MACAO_RE.match(number):
        raise IdNumberError(_l("This permit number is H or M followed by 8 or 10 digits."))
    if id_type is IdType.TAIWAN_PERMIT and not _TAIWAN_RE.match(number):
        raise IdNumberError(_l("This permit number has 8 or 10 digits."))
    if id_type is IdType.FOREIGN_PERMANENT_RESIDENT:
        if _FOREIGN_NEW_RE.match(number):
            if check_character(number[:17]) != number[17]:
                raise IdNumberError(_l("The check digit of the card number is wrong."))
        elif not _FOREIGN_OLD_RE.match(number):
            raise IdNumberError(_l("The card number is 3 letters and 12 digits, or 18 "
                                   "characters starting with 9."))
    if id_type in (IdType.MILITARY_OFFICER, IdType.OTHER) and len(number) > _FREE_TEXT_MAX:
        raise IdNumberError(_l("A document number has at most %(max)d characters.",
                               max=_FREE_TEXT_MAX))
    return number
