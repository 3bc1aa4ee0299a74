"""Comparing two assessments: who changes grade, veto or rank.

The preview a province needs before adopting a new scheme (two rulebooks, one
year), or a year-on-year view (one rulebook, two years).

>>> import accountability as acc                                     # doctest: +SKIP
>>> data = acc.load_dataset("fixtures/yiyang-2024")                   # doctest: +SKIP
>>> a = acc.assess(data, year=2024)                                   # doctest: +SKIP
>>> b = acc.assess(data, acc.load_rulebook("hunan.toml"), year=2024)  # doctest: +SKIP
>>> acc.compare_assessments(a, b)                                     # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from accountability.assessment import Assessment

__all__ = ["COMPARE_SCHEMA", "LINE_DIFF_DTYPE", "compare_assessments"]

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

_KEEP = ("score", "grade", "vetoed", "rank")


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


def compare_assessments(a: Assessment, b: Assessment, *, all_regions: bool = False) -> pl.DataFrame:
    """The regions whose grade, veto or rank differs between assessments `a` and `b`.

    One row per region (COMPARE_SCHEMA), sorted by region_code:

    - `score_a`, `score_b`, `score_change` (b − a), `grade_a/_b`, `vetoed_a/_b`,
      `rank_a/_b`, and `year_a/_b` (the same year when two rulebooks are compared);
    - `changes`: which of "grade", "vetoed", "rank" changed (a region present in only
      one assessment lists all three);
    - `line_items`: a list of {rule_id, points_a, points_b} for every region rule whose
      points differ (summed per rule; null where the rule has no line item in that
      assessment), sorted by rule_id.

    With `all_regions=True` every region is listed, changed or not.  Ranks compare as
    numbers, so a region whose rank is null on one side counts as changed.
    """
    cols = ["region_code", "name", "level", "parent_code", *_KEEP]
    ra = a.regions.select(cols).lazy()
    rb = b.regions.select(cols).lazy()
    joined = ra.join(rb, on="region_code", how="full", coalesce=True, suffix="_b").rename(
        {k: f"{k}_a" for k in _KEEP}
    )
    for k in ("name", "level", "parent_code"):
        joined = joined.with_columns(pl.coalesce(pl.col(k), pl.col(f"{k}_b")).alias(k)).drop(
            f"{k}_b"
        )

    def changed(name: str) -> pl.Expr:
        return pl.col(f"{name}_a").ne_missing(pl.col(f"{name}_b"))

    joined = joined.with_columns(
        pl.concat_list(
            [
                pl.when(changed("grade")).then(pl.lit("grade")),
                pl.when(changed("vetoed")).then(pl.lit("vetoed")),
                pl.when(changed("rank")).then(pl.lit("rank")),
            ]
        )
        .list.drop_nulls()
        .alias("changes"),
        (pl.col("score_b") - pl.col("score_a")).alias("score_change"),
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
    return out.collect()
