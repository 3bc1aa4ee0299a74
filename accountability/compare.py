"""Comparing two assessments: whose score, grade, veto or rank changes.

The preview a province needs before adopting a new scheme (two rulebooks, one
year), or a year-on-year view (one rulebook, two years).  On the command line:
`accountability compare-rules DIR --year Y RULES_A RULES_B`.

Two rulebooks over the bundled fixture (the city's rulebook scores a vetoed region 0):

>>> import accountability as acc                                    # doctest: +SKIP
>>> data = acc.load_dataset("fixtures/yiyang-2024", as_of="2025-01-15")  # doctest: +SKIP
>>> city = acc.load_rulebook("examples/hunan-city.toml")            # doctest: +SKIP
>>> a, b = acc.assess(data, year=2024), acc.assess(data, city, year=2024)  # doctest: +SKIP
>>> diff = acc.compare_assessments(a, b)                            # doctest: +SKIP
>>> diff.select("region_code", "score_b", "changes").rows()         # doctest: +SKIP
[('430900', 0.0, ['score']), ('430922', 0.0, ['score'])]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import polars as pl

from accountability.engine import ENGINE

if TYPE_CHECKING:
    from accountability.assessment import Assessment

__all__ = ["COMPARE_SCHEMA", "LINE_DIFF_DTYPE", "SCORE_TOLERANCE", "compare_assessments"]

#: A score change counts when it is larger than this: half of the last of the two
#: decimals people are shown, so a change that can show on screen is listed.
SCORE_TOLERANCE = 0.005

#: What `changes` may name, in this order.
CHANGE_NAMES = ("score", "grade", "vetoed", "rank")

LINE_DIFF_DTYPE = pl.List(
    pl.Struct({"rule_id": pl.String(), "points_a": pl.Float64(), "points_b": pl.Float64()})
)

COMPARE_SCHEMA: dict[str, pl.DataType] = {
    "region_code": pl.String(),
    "name": pl.String(),
    "level": pl.String(),
    "parent_code": pl.String(),
    "year_a": pl.Int32(),
    "year_b": pl.Int32(),
    "score_a": pl.Float64(),
    "score_b": pl.Float64(),
    "score_change": pl.Float64(),
    "grade_a": pl.String(),
    "grade_b": pl.String(),
    "vetoed_a": pl.Boolean(),
    "vetoed_b": pl.Boolean(),
    "rank_a": pl.Int64(),
    "rank_b": pl.Int64(),
    "changes": pl.List(pl.String()),
    "line_items": LINE_DIFF_DTYPE,
}

_KEEP = CHANGE_NAMES


def _rule_points(items: pl.DataFrame, suffix: str) -> pl.LazyFrame:
    """Per region and rule: the sum of its points (sorted first: order-free)."""
    return (
        items.lazy()
        .filter(pl.col("subject_type") == "region")
        .group_by("subject_id", "rule_id")
        .agg(pl.col("points").sort().alias(f"points{suffix}"))
        .with_columns(pl.col(f"points{suffix}").list.sum())
        .rename({"subject_id": "region_code"})
    )


def compare_assessments(
    a: Assessment,
    b: Assessment,
    *,
    tolerance: float = SCORE_TOLERANCE,
    all_regions: bool = False,
) -> pl.DataFrame:
    """The regions whose score, grade, veto or rank differs between assessments `a` and `b`.

    One row per region (COMPARE_SCHEMA), sorted by region_code:

    - `score_a`, `score_b`, `score_change` (b − a), `grade_a/_b`, `vetoed_a/_b`,
      `rank_a/_b`, and `year_a/_b` (the same year when two rulebooks are compared);
    - `changes`: which of "score", "grade", "vetoed", "rank" changed, in that order.
      A score changes when it moves by more than `tolerance` points (default
      `SCORE_TOLERANCE`, 0.005: half of the 0.01 that two decimals show), or when it is
      null on one side only; a region present in only one assessment lists all four;
    - `line_items`: a list of {rule_id, points_a, points_b} for every region rule whose
      points differ (summed per rule; null where the rule has no line item in that
      assessment), sorted by rule_id.

    With `all_regions=True` every region is listed, changed or not.  Ranks compare as
    numbers, so a region whose rank is null on one side counts as changed.

    The module's example compares two rulebooks over the bundled fixture.  The
    tolerance, on one assessment given other scores:

    >>> import attrs, datetime as dt
    >>> from accountability.assessment import assess
    >>> from accountability.dataset import Dataset
    >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
    ...     "parent_code": [None], "level": ["市"]}, schema_overrides={"parent_code": pl.String})
    >>> base = assess(Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1)), year=2024)
    >>> def scored(score: float) -> Assessment:
    ...     return attrs.evolve(base, regions=base.regions.with_columns(score=pl.lit(score)))
    >>> compare_assessments(scored(68.48), scored(68.484)).height  # within 0.005
    0
    >>> changed = compare_assessments(scored(68.48), scored(0.0))
    >>> changed.select("score_a", "score_b", "changes").row(0)
    (68.48, 0.0, ['score'])
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
        raise TypeError(f"tolerance must be a number of points, not {tolerance!r}")
    if not math.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a finite number ≥ 0, not {tolerance!r}")
    cols = ["region_code", "name", "level", "parent_code", *_KEEP]
    ra = a.regions.lazy().select(*cols, pl.lit(True).alias("in_a"))
    rb = b.regions.lazy().select(*cols, pl.lit(True).alias("in_b"))
    joined = ra.join(rb, on="region_code", how="full", coalesce=True, suffix="_b").rename(
        {k: f"{k}_a" for k in _KEEP}
    )
    for k in ("name", "level", "parent_code"):
        joined = joined.with_columns(pl.coalesce(pl.col(k), pl.col(f"{k}_b")).alias(k)).drop(
            f"{k}_b"
        )

    one_side = pl.col("in_a").is_null() | pl.col("in_b").is_null()

    def changed(name: str) -> pl.Expr:
        return one_side | pl.col(f"{name}_a").ne_missing(pl.col(f"{name}_b"))

    score_a, score_b = pl.col("score_a"), pl.col("score_b")
    flags = {
        "score": one_side
        | pl.when(score_a.is_null() | score_b.is_null())
        .then(score_a.is_null() != score_b.is_null())
        .otherwise((score_b - score_a).abs() > tolerance),
        "grade": changed("grade"),
        "vetoed": changed("vetoed"),
        "rank": changed("rank"),
    }
    joined = joined.with_columns(
        pl.concat_list([pl.when(flags[n]).then(pl.lit(n)) for n in CHANGE_NAMES])
        .list.drop_nulls()
        .alias("changes"),
        (score_b - score_a).alias("score_change"),
        pl.lit(a.year, dtype=pl.Int32).alias("year_a"),
        pl.lit(b.year, dtype=pl.Int32).alias("year_b"),
    )
    if not all_regions:
        joined = joined.filter(pl.col("changes").list.len() > 0)

    diffs = (
        _rule_points(a.line_items, "_a")
        .join(
            _rule_points(b.line_items, "_b"),
            on=["region_code", "rule_id"],
            how="full",
            coalesce=True,
        )
        .filter(pl.col("points_a").round(6).ne_missing(pl.col("points_b").round(6)))
        .sort("region_code", "rule_id")
        .group_by("region_code", maintain_order=True)
        .agg(pl.struct("rule_id", "points_a", "points_b").alias("line_items"))
    )
    out = (
        joined.join(diffs, on="region_code", how="left")
        .with_columns(pl.col("line_items").fill_null(pl.lit([], dtype=LINE_DIFF_DTYPE)))
        .select([pl.col(c).cast(t) for c, t in COMPARE_SCHEMA.items()])
        .sort("region_code")
    )
    return out.collect(engine=ENGINE)
