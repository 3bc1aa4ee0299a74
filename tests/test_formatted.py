"""`wording.formatted` gives exactly what `pl.format` gives (the library formats every
message through it: polars 2.1's streaming str.format can panic)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.wording import formatted

FRAME = pl.DataFrame(
    {
        "text": ["资阳区", None, "{x}"],
        "count": [2, 0, None],
        "share": [0.5, None, 1.25],
        "day": [dt.date(2024, 5, 6), None, dt.date(2024, 12, 31)],
        "flag": [True, False, None],
    }
)
COLUMNS = list(FRAME.columns)
pieces = st.sampled_from(["", "起", "，扣 ", " 分", "{{", "}}", "（", "）", "x"])


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(pieces, st.sampled_from(COLUMNS)), max_size=4),
    pieces,
)
def test_the_same_text_as_pl_format(slots, tail):
    template = "".join(f"{before}{{}}" for before, _ in slots) + tail
    values = [pl.col(name) for _, name in slots]
    ours = FRAME.select(formatted(template, *values).alias("t"))["t"]
    theirs = FRAME.select(pl.format(template, *values).alias("t"))["t"]
    assert ours.to_list() == theirs.to_list()


def test_a_column_may_be_named_and_braces_escaped():
    out = FRAME.select(formatted("{}：{{{}}}", "text", "count").alias("t"))["t"].to_list()
    assert out == ["资阳区：{2}", None, None]


def test_the_placeholders_must_match_the_values():
    with pytest.raises(ValueError, match="more placeholders"):
        formatted("{} {}", pl.col("text"))
    with pytest.raises(ValueError, match="more values"):
        formatted("{}", pl.col("text"), pl.col("count"))


def test_no_module_formats_with_pl_format():
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "accountability"
    users = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "pl.format(" in path.read_text(encoding="utf-8")
    ]
    assert users == [], f"use accountability.wording.formatted in {users}"
