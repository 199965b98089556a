"""Validators of the people registry: 居民身份证 (GB 11643), other documents, phones, 民族."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.people.codes import ETHNIC_GROUP_NAMES, ETHNIC_GROUPS, ethnic_group_name
from core.people.idcard import (
    PROVINCES,
    Gender,
    IdNumberError,
    IdType,
    check_character,
    is_valid_resident_id,
    legacy_to_18,
    validate_id_number,
    validate_resident_id,
)
from core.people.phone import PhoneError, PhoneKind, normalise_phone, validate_phone

TODAY = date(2026, 3, 2)


def make_id(region: str = "110101", born: date | str = date(1990, 3, 7),
            sequence: str = "123") -> str:
    """A valid number: the check character is computed, never copied from somewhere."""
    birth = born if isinstance(born, str) else born.strftime("%Y%m%d")
    first17 = region + birth + sequence
    return first17 + check_character(first17)


def wrong_check(number: str) -> str:
    return number[:17] + next(c for c in "0123456789X" if c != number[17])


# --- the check character -----------------------------------------------------------------


def test_check_character_of_the_standards_examples() -> None:
    # GB 11643-1999's own examples (北京朝阳 1949-12-31 female; 广东 1880 male).
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


def test_check_character_needs_17_digits() -> None:
    with pytest.raises(ValueError):
        check_character("1234")


# --- valid numbers -----------------------------------------------------------------------


def test_valid_number_gives_its_facts() -> None:
    facts = validate_resident_id("11010519491231002X", today=TODAY)
    assert facts.number == "11010519491231002X"
    assert facts.region_code == "110105"
    assert facts.province_code == "11" and facts.province == "北京市"
    assert facts.birth_date == date(1949, 12, 31)
    assert facts.gender is Gender.FEMALE
    assert not facts.from_legacy


@pytest.mark.parametrize(("sequence", "gender"), [("001", Gender.MALE), ("002", Gender.FEMALE),
                                                  ("999", Gender.MALE), ("010", Gender.FEMALE)])
def test_gender_comes_from_the_17th_digit(sequence: str, gender: Gender) -> None:
    assert validate_resident_id(make_id(sequence=sequence), today=TODAY).gender is gender


def test_lower_case_x_and_spaces_are_normalised() -> None:
    number = "11010519491231002X"
    assert validate_resident_id(" 110105 19491231 002x ", today=TODAY).number == number


def test_every_province_code_is_accepted_and_nothing_else() -> None:
    for province in PROVINCES:
        assert is_valid_resident_id(make_id(region=province + "0101"))
    for bad in ("00", "10", "16", "20", "24", "30", "38", "40", "47", "49", "55", "60",
                "66", "70", "72", "80", "83", "90", "99"):
        with pytest.raises(IdNumberError, match="province"):
            validate_resident_id(make_id(region=bad + "0101"), today=TODAY)


def test_birth_date_today_and_1900_are_accepted() -> None:
    assert validate_resident_id(make_id(born=TODAY), today=TODAY).birth_date == TODAY
    assert validate_resident_id(make_id(born=date(1900, 1, 1)), today=TODAY)


# --- invalid numbers ---------------------------------------------------------------------


def test_bad_check_digit() -> None:
    with pytest.raises(IdNumberError, match="check digit"):
        validate_resident_id(wrong_check(make_id()), today=TODAY)


@pytest.mark.parametrize("birth", ["19990230", "19991301", "19990000", "20230229", "19990431"])
def test_impossible_birth_dates_with_a_correct_check_digit(birth: str) -> None:
    with pytest.raises(IdNumberError, match="impossible birth date"):
        validate_resident_id(make_id(born=birth), today=TODAY)


def test_leap_day_is_fine_in_a_leap_year() -> None:
    assert validate_resident_id(make_id(born="20000229"), today=TODAY).birth_date == \
        date(2000, 2, 29)


def test_future_birth_date() -> None:
    with pytest.raises(IdNumberError, match="future"):
        validate_resident_id(make_id(born=TODAY + timedelta(days=1)), today=TODAY)


def test_birth_before_1900() -> None:
    # The standard's own 1880 example has a correct check digit; only the year is refused.
    with pytest.raises(IdNumberError, match="1900"):
        validate_resident_id("440524188001010014", today=TODAY)


@pytest.mark.parametrize("raw", ["", "1101051949123100", "11010519491231002X1",
                                 "1101051949123100XX", "11010519491231A02X", "X10105194912310020"])
def test_wrong_length_or_characters(raw: str) -> None:
    with pytest.raises(IdNumberError):
        validate_resident_id(raw, today=TODAY)


def test_message_is_a_lazy_translation() -> None:
    with pytest.raises(IdNumberError) as caught:
        validate_resident_id(wrong_check(make_id()), today=TODAY)
    # A LazyString, translated when rendered (English msgid outside a request).
    assert type(caught.value.message).__name__ == "LazyString"
    assert str(caught.value) == str(caught.value.message)


# --- 15-digit first-generation numbers ---------------------------------------------------


def test_legacy_number_is_refused_by_default_with_the_18_digit_form_suggested() -> None:
    legacy = "110105491231002"
    with pytest.raises(IdNumberError) as caught:
        validate_resident_id(legacy, today=TODAY)
    assert "11010519491231002X" in str(caught.value)


def test_legacy_number_is_converted_when_allowed() -> None:
    facts = validate_resident_id("110105491231002", allow_legacy=True, today=TODAY)
    assert facts.number == "11010519491231002X"
    assert facts.from_legacy and facts.birth_date == date(1949, 12, 31)
    assert legacy_to_18("110105491231002") == "11010519491231002X"


def test_invalid_legacy_number_gets_no_suggestion() -> None:
    with pytest.raises(IdNumberError) as caught:
        validate_resident_id("990105491231002", today=TODAY)  # no province 99
    assert "(" not in str(caught.value)
    with pytest.raises(IdNumberError):
        validate_resident_id("110105490231002", allow_legacy=True, today=TODAY)  # 1949-02-31


# --- properties --------------------------------------------------------------------------

valid_numbers = st.builds(
    make_id,
    region=st.tuples(st.sampled_from(sorted(PROVINCES)),
                     st.integers(0, 9999)).map(lambda t: f"{t[0]}{t[1]:04d}"),
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sequence=st.integers(0, 999).map(lambda n: f"{n:03d}"),
)


@settings(max_examples=300, deadline=None)
@given(valid_numbers)
def test_property_every_generated_valid_number_validates(number: str) -> None:
    facts = validate_resident_id(number, today=TODAY)
    assert facts.number == number
    assert facts.birth_date.strftime("%Y%m%d") == number[6:14]
    assert facts.gender is (Gender.MALE if int(number[16]) % 2 else Gender.FEMALE)


@settings(max_examples=300, deadline=None)
@given(valid_numbers, st.integers(0, 17), st.data())
def test_property_any_single_character_change_fails(number: str, position: int,
                                                     data: st.DataObject) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1:]
    with pytest.raises(IdNumberError):
        validate_resident_id(changed, today=TODAY)


@settings(max_examples=200, deadline=None)
@given(valid_numbers, st.integers(0, 15))
def test_property_swapping_two_neighbouring_digits_fails(number: str, position: int) -> None:
    if number[position] == number[position + 1]:
        return
    swapped = (number[:position] + number[position + 1] + number[position]
               + number[position + 2:])
    with pytest.raises(IdNumberError):
        validate_resident_id(swapped, today=TODAY)


# --- other documents ---------------------------------------------------------------------


@pytest.mark.parametrize(("id_type", "raw", "expected"), [
    (IdType.PASSPORT, "e12345678", "E12345678"),
    (IdType.PASSPORT, "EA1234567", "EA1234567"),
    (IdType.HK_MACAO_PERMIT, "H12345678", "H12345678"),
    (IdType.HK_MACAO_PERMIT, "m 1234567890", "M1234567890"),
    (IdType.TAIWAN_PERMIT, "12345678", "12345678"),
    (IdType.TAIWAN_PERMIT, "1234567890B", "1234567890B"),
    (IdType.FOREIGN_PERMANENT_RESIDENT, "USA123456789012", "USA123456789012"),
    (IdType.FOREIGN_PERMANENT_RESIDENT, make_id(region="933156"), make_id(region="933156")),
    (IdType.MILITARY_OFFICER, "南字第 12345678 号", "南字第12345678号"),
    (IdType.OTHER, "abc-123", "ABC-123"),
])
def test_other_documents_valid(id_type: IdType, raw: str, expected: str) -> None:
    assert validate_id_number(id_type, raw) == expected


@pytest.mark.parametrize(("id_type", "raw"), [
    (IdType.PASSPORT, "E1"),
    (IdType.PASSPORT, "E123-45678"),
    (IdType.HK_MACAO_PERMIT, "A12345678"),
    (IdType.HK_MACAO_PERMIT, "H1234567"),
    (IdType.TAIWAN_PERMIT, "1234567"),
    (IdType.FOREIGN_PERMANENT_RESIDENT, "US123456789012"),
    (IdType.FOREIGN_PERMANENT_RESIDENT, wrong_check(make_id(region="933156"))),
    (IdType.MILITARY_OFFICER, "9" * 31),
    (IdType.OTHER, "   "),
])
def test_other_documents_invalid(id_type: IdType, raw: str) -> None:
    with pytest.raises(IdNumberError):
        validate_id_number(id_type, raw)


def test_resident_type_uses_the_full_validator() -> None:
    assert validate_id_number("resident_id", "11010519491231002x") == "11010519491231002X"
    with pytest.raises(IdNumberError):
        validate_id_number(IdType.RESIDENT_ID, wrong_check(make_id()))


# --- phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "number", "kind"), [
    ("13812345678", "13812345678", PhoneKind.MOBILE),
    ("138 1234 5678", "13812345678", PhoneKind.MOBILE),
    ("138-1234-5678", "13812345678", PhoneKind.MOBILE),
    ("+86 19912345678", "19912345678", PhoneKind.MOBILE),
    ("008613812345678", "13812345678", PhoneKind.MOBILE),
    ("010-62345678", "010-62345678", PhoneKind.LANDLINE),
    ("01062345678", "010-62345678", PhoneKind.LANDLINE),
    ("020 8765 4321", "020-87654321", PhoneKind.LANDLINE),
    ("0839-5501234", "0839-5501234", PhoneKind.LANDLINE),
    ("08395501234", "0839-5501234", PhoneKind.LANDLINE),
    ("0839-55012345", "0839-55012345", PhoneKind.LANDLINE),
    ("0839-5501234-806", "0839-5501234-806", PhoneKind.LANDLINE),
    ("0839-5501234转806", "0839-5501234-806", PhoneKind.LANDLINE),
    ("010-62345678 ext 12", "010-62345678-12", PhoneKind.LANDLINE),
])
def test_valid_phones_are_normalised(raw: str, number: str, kind: PhoneKind) -> None:
    facts = validate_phone(raw)
    assert (facts.number, facts.kind) == (number, kind)
    assert normalise_phone(raw) == number


@pytest.mark.parametrize("raw", [
    "", "1381234567", "138123456789", "12812345678", "10012345678", "23812345678",
    "010-123456", "010-123456789", "0839-55012", "839-5501234", "0839-5501234-1234567",
    "phone", "+1 2025550123",
])
def test_invalid_phones(raw: str) -> None:
    with pytest.raises(PhoneError):
        validate_phone(raw)
    assert normalise_phone(raw) is None


# --- 民族 ----------------------------------------------------------------------------------


def test_ethnic_groups_are_the_56_of_gb_3304_plus_two() -> None:
    codes = [code for code, _name in ETHNIC_GROUPS]
    assert codes[:56] == [f"{n:02d}" for n in range(1, 57)]
    assert codes[56:] == ["97", "98"]
    assert len(set(ETHNIC_GROUP_NAMES.values())) == 58
    assert ethnic_group_name("01") == "汉族" and ethnic_group_name("56") == "基诺族"
    assert ethnic_group_name("08") == "壮族" and ethnic_group_name("98") == "外国血统中国籍人士"
    assert ethnic_group_name("57") == "" and ethnic_group_name(None) == ""
