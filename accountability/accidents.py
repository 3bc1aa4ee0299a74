"""Accident grading per 《生产安全事故报告和调查处理条例》(国务院令第493号) 第三条.

Bands are [lower, upper): "以上包括本数，以下不包括本数".  The criteria are
alternatives (或者): an accident takes the highest band any one criterion reaches.
Missing persons count with deaths while the rulebook's
`accident_grading.count_missing_as_deaths` is on.  The bands live in the rulebook
(`accident_grading.bands`), never here.

>>> import datetime as dt, polars as pl
>>> frame = pl.DataFrame({"occurred_on": [dt.date(2024, 10, 5)] * 3, "deaths": [2, 0, 3],
...     "missing": [0, 3, 0], "serious_injuries": [9, 0, 0],
...     "direct_loss_10k_yuan": [999.99, 0.0, 0.0]})
>>> grade_accidents(frame)["grade"].to_list()
['一般', '较大', '较大']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl

from accountability.codes import ACCIDENT_GRADES
from accountability.rulebook import Rulebook, RulesAt, rulebook

__all__ = ["GRADE_DTYPE", "counted_deaths", "grade_accidents", "grade_at_least"]

GRADE_DTYPE = pl.Enum(ACCIDENT_GRADES)

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

_CRITERIA = ("deaths", "serious_injuries", "direct_loss_10k_yuan")


def _dated(
    rules: Rulebook | RulesAt | None,
    key: str,
    build: Callable[[Any], pl.Expr],
    date_col: str,
) -> pl.Expr:
    """An expression that applies the value of `key` in force on each row's date.

    With a `RulesAt` (one day's values) every row uses that day's value.
    """
    if isinstance(rules, RulesAt):
        return build(rules[key])
    book = rules if rules is not None else rulebook()
    values = book[key].values
    expr: pl.Expr | None = None
    # Latest period first: the first `when` whose start the date reaches wins.
    for dated in reversed(values):
        branch = build(dated.value)
        if dated.start is None:
            expr = branch if expr is None else expr.otherwise(branch)  # type: ignore[attr-defined]
            break
        cond = pl.col(date_col) >= pl.lit(dated.start)
        expr = pl.when(cond).then(branch) if expr is None else expr.when(cond).then(branch)  # type: ignore[attr-defined]
    if values[0].start is not None:
        expr = expr.otherwise(pl.lit(None))  # type: ignore[union-attr]
    assert expr is not None
    return expr


def counted_deaths(
    rules: Rulebook | RulesAt | None = None, *, date_col: str = "occurred_on"
) -> pl.Expr:
    """Deaths as the rules count them: plus missing persons while the switch is on.

    >>> import polars as pl, datetime as dt
    >>> f = pl.DataFrame({"occurred_on": [dt.date(2024, 1, 1)], "deaths": [1], "missing": [2]})
    >>> f.select(counted_deaths().alias("d"))["d"].item()
    3
    """

    def build(on: Any) -> pl.Expr:
        return (pl.col("deaths") + pl.col("missing")) if on else pl.col("deaths")

    return _dated(rules, "accident_grading.count_missing_as_deaths", build, date_col)


def _grade_expr(bands: list[dict[str, Any]], deaths: pl.Expr) -> pl.Expr:
    observed = {
        "deaths": deaths,
        "serious_injuries": pl.col("serious_injuries"),
        "direct_loss_10k_yuan": pl.col("direct_loss_10k_yuan"),
    }
    expr: Any = pl
    for band in bands:  # from the most serious down: the highest band reached wins
        reached = pl.any_horizontal([observed[c] >= band[c] for c in _CRITERIA])
        expr = expr.when(reached).then(pl.lit(band["grade"]))
    return expr.otherwise(pl.lit(ACCIDENT_GRADES[0])).cast(GRADE_DTYPE)


def grade_accidents(frame: Frame, rules: Rulebook | RulesAt | None = None) -> Frame:
    """Add `grade` (一般/较大/重大/特别重大) to an accidents frame, vectorised.

    `frame` needs occurred_on, deaths, missing, serious_injuries and
    direct_loss_10k_yuan.  With a `Rulebook` (default: the built-in one) each
    accident is graded by the bands in force on its date; with `rules.at(day)`,
    by that day's.  Works on a DataFrame or a LazyFrame and returns the same kind.
    """
    deaths_now: dict[int, pl.Expr] = {}

    def build(bands: Any) -> pl.Expr:
        return _grade_expr(bands, deaths_now[0])

    # The switch and the bands may each be dated: combine both per row.
    deaths_now[0] = pl.col("__deaths_counted")
    grade = _dated(rules, "accident_grading.bands", build, "occurred_on")
    return (
        frame.with_columns(counted_deaths(rules).alias("__deaths_counted"))
        .with_columns(grade.cast(GRADE_DTYPE).alias("grade"))
        .drop("__deaths_counted")
    )


def grade_at_least(grade: pl.Expr, minimum: str) -> pl.Expr:
    """`grade` is `minimum` or more serious (e.g. "较大及以上").

    >>> import polars as pl
    >>> f = pl.DataFrame({"g": ["一般", "较大", "特别重大"]}, schema={"g": GRADE_DTYPE})
    >>> f.select(grade_at_least(pl.col("g"), "较大"))["g"].to_list()
    [False, True, True]
    """
    return grade.to_physical() >= ACCIDENT_GRADES.index(minimum)
