"""Every result frame is declared once (`accountability.outputs`): columns, dtypes and
Chinese labels; an assessment's frames conform to the declarations, with or without
data, and the writers take their sheets and headers from them."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import accountability as acc
from accountability.outputs import OUTPUTS
from accountability.report import SHEETS, column_label


def test_the_fixtures_frames_conform_to_their_declarations(yiyang_2024):
    for name, declared in OUTPUTS.items():
        assert declared.problems(getattr(yiyang_2024, name)) == [], name


def test_a_dataset_with_only_regions_gives_declared_empty_frames():
    regions = pl.DataFrame(
        {"region_code": ["430900"], "name": ["益阳市"], "parent_code": [None], "level": ["市"]},
        schema_overrides={"parent_code": pl.String},
    )
    data = acc.Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1))
    result = acc.assess(data, year=2024)
    for name, declared in OUTPUTS.items():
        assert declared.problems(getattr(result, name)) == [], name


def test_a_frame_that_drifts_is_named():
    frame = pl.DataFrame({"region_code": ["1"], "score": ["high"], "surprise": [1]})
    problems = OUTPUTS["regions"].problems(frame)
    assert "regions.name: missing" in problems
    assert "regions.score: String is not Float64" in problems
    assert "regions.surprise: not declared" in problems


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_sheets_and_headers_come_from_the_declarations(name: str):
    assert SHEETS[name] == OUTPUTS[name].sheet
    for column, (_, label) in OUTPUTS[name].columns.items():
        assert column_label(column, name) == label
    assert column_label("repeat_fines_180", "cases") == "180日内重大隐患罚款次数"
