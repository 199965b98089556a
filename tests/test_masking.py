"""core.masking: how personal values look when masked."""

from __future__ import annotations

import pytest

from core.masking import HIDDEN, KINDS, mask, mask_id_number, mask_name, mask_phone, mask_text


@pytest.mark.parametrize(("value", "masked"), [
    ("110101199003071234", "110101********1234"),
    ("11010119900307123X", "110101********123X"),
    ("110101900307123", "110101*****7123"),      # old 15-digit number
    (" 110101199003071234 ", "110101********1234"),
    (110101199003071234, "110101********1234"),  # stored as a number
    ("12345", "***45"),
    ("12", HIDDEN),
])
def test_mask_id_number(value: object, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"),
    ("010-62345678", "010*****5678"),
    ("123456", "****56"),
    ("1", HIDDEN),
])
def test_mask_phone(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("张三", "张*"),
    ("李小龙", "李**"),
    ("欧阳娜娜", "欧***"),
    ("王", "*"),
    ("John Smith", "J*********"),
])
def test_mask_name(value: str, masked: str) -> None:
    assert mask_name(value) == masked


def test_mask_text_hides_everything() -> None:
    assert mask_text("四川省广元市剑阁县普安镇 1 号") == HIDDEN


@pytest.mark.parametrize("function", [mask_id_number, mask_phone, mask_name, mask_text])
@pytest.mark.parametrize("empty", [None, ""])
def test_empty_values_pass_through(function, empty: object) -> None:
    assert function(empty) == empty


def test_masked_id_never_contains_the_birth_date() -> None:
    assert "19900307" not in mask_id_number("110101199003071234")


def test_mask_dispatches_on_kind_and_fails_closed() -> None:
    assert mask("13812345678", "phone") == "138****5678"
    assert mask("张三", "name") == "张*"
    assert mask("110101199003071234", "id_number") == "110101********1234"
    assert mask("secret address", "adress") == HIDDEN  # a typo in the kind hides everything
    assert set(KINDS) == {"id_number", "phone", "name", "text"}
