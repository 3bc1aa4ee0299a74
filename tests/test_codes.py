"""GB 32100-2015 credit codes and GB/T 2260 division codes."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.codes import (
    USCC_ALPHABET,
    child_prefix_ok,
    division_code_ok,
    is_division_code,
    is_valid_child,
    is_valid_uscc,
    uscc_check_character,
    uscc_check_ok,
    uscc_shape_ok,
)

REAL_CODES = ["914403001922038216", "91110000600037341L", "91430900MA4L10000P"]


def _expr_check(codes: list[str]) -> list[bool]:
    frame = pl.DataFrame({"c": codes})
    ok = frame.select(
        (uscc_shape_ok(pl.col("c")) & uscc_check_ok(pl.col("c")).fill_null(False)).alias("ok")
    )
    return ok["ok"].to_list()


# --- GB 32100: 18 characters, check character ------------------------------------------------


def test_accepts_real_code():
    assert is_valid_uscc("914403001922038216")
    assert _expr_check(["914403001922038216"]) == [True]


def test_check_character_is_computed_from_the_first_17():
    for code in REAL_CODES:
        first17 = code[:17]
        built = first17 + uscc_check_character(first17)
        assert is_valid_uscc(built)


@pytest.mark.parametrize(
    "code",
    [
        "91440300192203821",  # 17 characters
        "9144030019220382166",  # 19
        "91440300192203821I",  # I is not in the alphabet
        "914403001922038216 ",
        "",
    ],
)
def test_rejects_bad_shape(code):
    assert not is_valid_uscc(code)


@settings(max_examples=25, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from(USCC_ALPHABET + "IOSVZ-a"),
)
def test_every_single_character_change_is_rejected(position, replacement):
    code = "914403001922038216"
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_uscc(changed)
    assert _expr_check([changed]) == [False]


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_expression_agrees_with_function(first17):
    good = first17 + uscc_check_character(first17)
    bad = first17 + USCC_ALPHABET[(USCC_ALPHABET.index(good[-1]) + 1) % 31]
    assert _expr_check([good, bad]) == [is_valid_uscc(good), is_valid_uscc(bad)] == [True, False]


# --- GB/T 2260: 6-digit division codes, children by prefix ------------------------------------


@pytest.mark.parametrize(
    ("code", "ok"),
    [("430902", True), ("430000", True), ("43090", False), ("000000", False), ("43090A", False)],
)
def test_division_code_shape(code, ok):
    assert is_division_code(code) is ok
    assert pl.select(division_code_ok(pl.lit(code))).item() is ok


@pytest.mark.parametrize(
    ("parent", "child", "ok"),
    [
        ("430900", "430902", True),  # 资阳区 under 益阳市
        ("430900", "430981", True),  # 沅江市 (county-level city) under 益阳市
        ("430900", "430971", True),  # 大通湖区: statistical zone code shares the city's 4 digits
        ("430900", "430972", True),  # 益阳高新区
        ("420000", "429004", True),  # 仙桃市: county-level city directly under the province
        ("430000", "430900", True),  # city under province
        ("430900", "431002", False),  # another city's county
        ("430900", "430900", False),  # not its own child
        ("430902", "430903", False),  # a county has no children
        ("430000", "420100", False),  # another province's city
    ],
)
def test_child_by_prefix(parent, child, ok):
    assert is_valid_child(parent, child) is ok
    frame = pl.DataFrame({"parent": [parent], "child": [child]})
    assert frame.select(child_prefix_ok(pl.col("child"), pl.col("parent")))[0, 0] is ok


def test_root_has_no_parent():
    frame = pl.DataFrame(
        {"parent": [None], "child": ["430000"]}, schema={"parent": pl.String, "child": pl.String}
    )
    assert frame.select(child_prefix_ok(pl.col("child"), pl.col("parent")))[0, 0] is True
