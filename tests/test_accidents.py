"""国务院令第493号第三条: accident grades.

"以上包括本数，以下不包括本数": every band is [lower, upper); the criteria are
alternatives (或者): the grade is the highest band any one criterion reaches.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.accidents import counted_deaths, grade_accidents, grade_at_least
from accountability.codes import GRADE_ORDER
from accountability.rulebook import load_rulebook, rulebook

DAY = dt.date(2024, 6, 1)


def grade_of(
    deaths: int = 0, serious_injuries: int = 0, loss: float = 0.0, missing: int = 0, rules=None
) -> str:
    frame = pl.DataFrame(
        {
            "occurred_on": [DAY],
            "deaths": [deaths],
            "missing": [missing],
            "serious_injuries": [serious_injuries],
            "direct_loss_10k_yuan": [loss],
        }
    )
    return grade_accidents(frame, rules)["grade"].item()


# 第三条: 死亡 — 3人以上10人以下 较大, 10人以上30人以下 重大, 30人以上 特别重大.
@pytest.mark.parametrize(
    ("deaths", "grade"),
    [
        (0, "一般"),
        (2, "一般"),
        (3, "较大"),
        (9, "较大"),
        (10, "重大"),
        (29, "重大"),
        (30, "特别重大"),
        (31, "特别重大"),
    ],
)
def test_deaths_bands(deaths: int, grade: str) -> None:
    assert grade_of(deaths=deaths) == grade


# 第三条: 重伤（包括急性工业中毒）— 10人以上 较大, 50人以上 重大, 100人以上 特别重大.
@pytest.mark.parametrize(
    ("injuries", "grade"),
    [(9, "一般"), (10, "较大"), (49, "较大"), (50, "重大"), (99, "重大"), (100, "特别重大")],
)
def test_serious_injury_bands(injuries: int, grade: str) -> None:
    assert grade_of(serious_injuries=injuries) == grade


# 第三条: 直接经济损失 — 1000万元以上 较大, 5000万元以上 重大, 1亿元以上 特别重大.
@pytest.mark.parametrize(
    ("loss", "grade"),
    [
        (999.99, "一般"),
        (1000.0, "较大"),
        (4999.99, "较大"),
        (5000.0, "重大"),
        (9999.99, "重大"),
        (10000.0, "特别重大"),
    ],
)
def test_direct_loss_bands(loss: float, grade: str) -> None:
    assert grade_of(loss=loss) == grade


def test_criteria_are_alternatives_highest_wins() -> None:
    # 2 deaths (一般) but 50 serious injuries (重大): the accident is 重大.
    assert grade_of(deaths=2, serious_injuries=50) == "重大"
    assert grade_of(deaths=30, serious_injuries=0, loss=0.0) == "特别重大"
    assert grade_of(deaths=3, serious_injuries=10, loss=5000.0) == "重大"


def test_missing_persons_count_with_deaths_by_default() -> None:
    # 3 missing and no confirmed dead is graded 较大 (docs/readings.md: missing count as dead).
    assert grade_of(deaths=0, missing=3) == "较大"
    assert grade_of(deaths=8, missing=2) == "重大"


def test_missing_switch_off(tmp_path: Path) -> None:
    rule_file = tmp_path / "no-missing.toml"
    rule_file.write_text(
        'extends = "default"\n'
        "[accident_grading.count_missing_as_deaths]\n"
        "value = false\n"
        'basis = "本地口径：失踪不计入死亡"\n',
        encoding="utf-8",
    )
    rules = load_rulebook(rule_file)
    assert grade_of(deaths=0, missing=3, rules=rules) == "一般"
    frame = pl.DataFrame({"occurred_on": [DAY], "deaths": [1], "missing": [2]})
    assert frame.select(counted_deaths(rules))["deaths"].item() == 1


def _bands(larger_deaths: int) -> str:
    return (
        '[{ grade = "特别重大", deaths = 30, serious_injuries = 100,'
        " direct_loss_10k_yuan = 10000.0 },"
        ' { grade = "重大", deaths = 10, serious_injuries = 50, direct_loss_10k_yuan = 5000.0 },'
        f' {{ grade = "较大", deaths = {larger_deaths}, serious_injuries = 10,'
        " direct_loss_10k_yuan = 1000.0 }]"
    )


def test_bands_come_from_the_rulebook(tmp_path: Path) -> None:
    rule_file = tmp_path / "bands.toml"
    rule_file.write_text(
        f'extends = "default"\n[accident_grading.bands]\nvalue = {_bands(4)}\nbasis = "测试"\n',
        encoding="utf-8",
    )
    assert grade_of(deaths=3) == "较大"
    assert grade_of(deaths=3, rules=load_rulebook(rule_file)) == "一般"


def test_dated_bands_follow_each_accidents_date(tmp_path: Path) -> None:
    rule_file = tmp_path / "dated.toml"
    rule_file.write_text(
        'extends = "default"\n'
        "[accident_grading.bands]\n"
        'basis = "测试"\n'
        "values = [\n"
        f" {{ from = 2000-01-01, value = {_bands(3)} }},\n"
        f" {{ from = 2024-07-01, value = {_bands(5)} }},\n"
        "]\n",
        encoding="utf-8",
    )
    rules = load_rulebook(rule_file)
    frame = pl.DataFrame(
        {
            "occurred_on": [dt.date(2024, 6, 30), dt.date(2024, 7, 1)],
            "deaths": [4, 4],
            "missing": [0, 0],
            "serious_injuries": [0, 0],
            "direct_loss_10k_yuan": [0.0, 0.0],
        }
    )
    assert grade_accidents(frame, rules)["grade"].to_list() == ["较大", "一般"]
    # One day's values for every row:
    assert grade_accidents(frame, rules.at("2024-12-31"))["grade"].to_list() == ["一般", "一般"]


def test_lazy_in_lazy_out_and_columns_kept() -> None:
    frame = pl.LazyFrame(
        {
            "accident_id": ["a"],
            "occurred_on": [DAY],
            "deaths": [3],
            "missing": [0],
            "serious_injuries": [0],
            "direct_loss_10k_yuan": [0.0],
        }
    )
    out = grade_accidents(frame)
    assert isinstance(out, pl.LazyFrame)
    assert out.collect().columns == [*frame.collect_schema().names(), "grade"]


def test_grade_at_least() -> None:
    frame = pl.DataFrame({"deaths": [0, 3, 10, 30]}).with_columns(
        occurred_on=pl.lit(DAY), missing=0, serious_injuries=0, direct_loss_10k_yuan=0.0
    )
    graded = grade_accidents(frame)
    assert graded.select(grade_at_least(pl.col("grade"), "重大"))["grade"].to_list() == [
        False,
        False,
        True,
        True,
    ]


# --- properties -----------------------------------------------------------------------

accident = st.fixed_dictionaries(
    {
        "deaths": st.integers(0, 60),
        "missing": st.integers(0, 10),
        "serious_injuries": st.integers(0, 150),
        "direct_loss_10k_yuan": st.floats(0, 20000, allow_nan=False),
    }
)


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "deaths": pl.Int64,
            "missing": pl.Int64,
            "serious_injuries": pl.Int64,
            "direct_loss_10k_yuan": pl.Float64,
        },
    ).with_columns(occurred_on=pl.lit(DAY))


@settings(max_examples=25, deadline=None)
@given(
    row=accident,
    field=st.sampled_from(["deaths", "missing", "serious_injuries", "direct_loss_10k_yuan"]),
    more=st.integers(1, 40),
)
def test_grading_is_monotone_in_each_input(row: dict, field: str, more: int) -> None:
    worse = dict(row)
    worse[field] = row[field] + more
    before, after = grade_accidents(_frame([row, worse]))["grade"].to_list()
    assert GRADE_ORDER[after] >= GRADE_ORDER[before]


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(accident, min_size=1, max_size=30), seed=st.integers(0, 10_000))
def test_row_order_never_changes_grades(rows: list[dict], seed: int) -> None:
    frame = _frame(rows).with_row_index("i")
    graded = grade_accidents(frame).sort("i")
    shuffled = grade_accidents(frame.sample(fraction=1.0, shuffle=True, seed=seed)).sort("i")
    assert graded.equals(shuffled)


def test_default_bands_match_the_regulation() -> None:
    bands = rulebook().for_year(2024)["accident_grading.bands"]
    assert [
        (b["grade"], b["deaths"], b["serious_injuries"], b["direct_loss_10k_yuan"]) for b in bands
    ] == [
        ("特别重大", 30, 100, 10000.0),
        ("重大", 10, 50, 5000.0),
        ("较大", 3, 10, 1000.0),
    ]
