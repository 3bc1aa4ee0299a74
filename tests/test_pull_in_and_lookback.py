"""Which accidents a period counts beyond its own days.

- Pull-in (``annual.pull_in``): with a period of 1 December to 30 November, December's
  重大-or-worse accidents (and 较大 ones with a bad public impact) count in the year
  that is ending, not in the next (湖南省安全生产工作考核办法, as reported in 2017).
- Look-back (``annual.concealment_lookback_years``): a concealed accident confirmed in
  the period counts in it for the veto, the yellow card, the grade cap, A4 and A5, if
  it occurred at most N periods before; it still counts by its own date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from builders import frame
from conftest import rule_file
from test_annual import ALL, CITY, REGION_ROWS, Z, items_frame, row_of, with_params

import accountability as acc
from accountability.scorers.annual import annual, finish_regions

D = dt.date
HUNAN_PULL_IN = [{"min_grade": "重大"}, {"min_grade": "较大", "flag": "impact_severe"}]
DECEMBER = with_params(acc.rulebook(), annual__period_start="12-01", annual__pull_in=HUNAN_PULL_IN)


def _acc(aid: str, on: dt.date, deaths: int, **kw: Any) -> dict[str, Any]:
    return {
        "accident_id": aid,
        "region_code": Z,
        "sector": "工矿商贸其他",
        "occurred_on": on,
        "deaths": deaths,
        **kw,
    }


def _data(accs: list[dict[str, Any]]) -> acc.Dataset:
    tables = {"regions": frame("regions", REGION_ROWS), "accidents": frame("accidents", accs)}
    return acc.Dataset(tables=tables, as_of=D(2026, 3, 1))


def _a4(result, region: str = Z) -> list[str]:
    items = result.line_items.filter((pl.col("subject_id") == region) & (pl.col("rule_id") == "A4"))
    return items["evidence"].to_list()[0] if items.height else []


@pytest.mark.parametrize(
    ("on", "deaths", "kw", "in_2024", "in_2025"),
    [
        (D(2024, 11, 30), 10, {}, True, False),  # the period's last day
        (D(2024, 12, 1), 10, {}, True, False),  # 重大 in December: pulled into 2024
        (D(2024, 12, 31), 10, {}, True, False),
        (D(2024, 12, 1), 3, {}, False, True),  # 较大 without bad impact: stays in 2025
        (D(2024, 12, 1), 3, {"impact_severe": True}, True, False),
        (D(2025, 1, 1), 10, {}, False, True),  # after 1 January: never pulled in
    ],
)
def test_december_accidents_count_in_one_period_only(on, deaths, kw, in_2024, in_2025):
    data = _data([_acc("X1", on, deaths, **kw)])
    assert ("X1" in _a4(annual(data, DECEMBER, year=2024))) is in_2024
    assert ("X1" in _a4(annual(data, DECEMBER, year=2025))) is in_2025


def test_a_pulled_in_accident_counts_for_the_veto_and_the_deaths_of_its_year():
    data = _data([_acc("X1", D(2024, 12, 10), 10)])
    y2024 = annual(data, DECEMBER, year=2024)
    assert row_of(y2024, Z)["vetoed"]  # 1 重大: the county default veto
    assert not row_of(annual(data, DECEMBER, year=2025), Z)["vetoed"]
    a1 = y2024.line_items.filter((pl.col("subject_id") == Z) & (pl.col("rule_id") == "A1"))
    assert a1.height == 0 or "X1" in a1["evidence"].to_list()[0] or a1["points"][0] == 0


def test_without_pull_in_rules_december_belongs_to_the_next_period():
    plain = with_params(acc.rulebook(), annual__period_start="12-01")
    data = _data([_acc("X1", D(2024, 12, 10), 10)])
    assert "X1" not in _a4(annual(data, plain, year=2024))
    assert "X1" in _a4(annual(data, plain, year=2025))


LOOKBACK = with_params(acc.rulebook(), annual__concealment_lookback_years=3)


@pytest.mark.parametrize(
    ("occurred", "counted"),
    [(D(2021, 1, 1), True), (D(2020, 12, 31), False), (D(2023, 6, 1), True)],
)
def test_a_concealment_confirmed_this_year_counts_back_three_periods(occurred, counted):
    # 3 periods before 2024: P(2021) starts on 1 January 2021
    data = _data([_acc("C1", occurred, 3, concealed=True, concealment_confirmed_on=D(2024, 5, 1))])
    result = annual(data, LOOKBACK, year=2024)
    assert row_of(result, Z)["vetoed"] is counted  # the concealment veto
    assert ("C1" in _a4(result)) is counted  # A4 counts it too
    # the grade cap counts it too: a 较大 caps the city at 良好 (its own concealment veto
    # switched off, since a vetoed region is not capped)
    no_city_veto = with_params(
        LOOKBACK,
        annual__veto_city={
            "grade_counts": {"特别重大": 1, "重大": 2},
            "concealed": 0,
            "reporting": [],
            "exempt_without_local_responsibility": False,
        },
    )
    city = row_of(annual(data, no_city_veto, year=2024), CITY)
    assert city["grade_capped"] is counted and not city["vetoed"]


def test_the_look_back_leaves_deaths_to_the_accidents_own_period():
    accs = [_acc("C1", D(2023, 6, 1), 12, concealed=True, concealment_confirmed_on=D(2024, 5, 1))]
    targets = frame(
        "targets",
        [{"region_code": Z, "year": y, "indicator": "deaths", "limit": 0.0} for y in (2023, 2024)],
    )
    data = acc.Dataset(
        tables={
            "regions": frame("regions", REGION_ROWS),
            "accidents": frame("accidents", accs),
            "targets": targets,
        },
        as_of=D(2026, 3, 1),
    )

    def a1(year: int) -> float:
        items = annual(data, LOOKBACK, year=year).line_items
        return items.filter((pl.col("subject_id") == Z) & (pl.col("rule_id") == "A1"))["points"][0]

    assert a1(2024) == 0.0  # A1 counts deaths by the accident's own period
    assert a1(2023) == -24.0  # 12 deaths over a limit of 0, 2 points each
    assert row_of(annual(data, LOOKBACK, year=2023), Z)["vetoed"]  # and its veto there
    # a concealment confirmed after the period is not this period's
    later = _data(
        [_acc("C1", D(2023, 6, 1), 12, concealed=True, concealment_confirmed_on=D(2025, 1, 2))]
    )
    assert not row_of(annual(later, LOOKBACK, year=2024), Z)["vetoed"]


def test_the_default_neither_pulls_in_nor_looks_back():
    accs = [
        _acc("C1", D(2023, 6, 1), 3, concealed=True, concealment_confirmed_on=D(2024, 5, 1)),
        _acc("X1", D(2024, 12, 31), 10),
    ]
    result = annual(_data(accs), year=2024)
    assert _a4(result) == ["X1"]
    assert row_of(result, CITY)["yellow_card"]  # X1 is a 重大 of 2024


def test_a_wrong_pull_in_entry_is_a_rulebook_problem(tmp_path):
    from accountability.errors import RulebookError
    from accountability.rulebook import load_rulebook

    path = rule_file(
        tmp_path,
        '[annual.pull_in]\nvalue = [{ min_grade = "重大" }, { flag = "bad_impact" }]\n'
        'basis = "试"\n',
    )
    with pytest.raises(RulebookError, match="未知的事故标记"):
        load_rulebook(path)


def test_finish_regions_without_accidents_still_runs():
    r = finish_regions(items_frame([]), frame("regions", REGION_ROWS), LOOKBACK, 2024, assessed=ALL)
    assert row_of(r, Z)["score"] == 100.0
