"""The region hierarchy: every region with each region at or above it.

Roll-ups ("a region's figures include the rows of all regions below it") join a
row's region_code to `ancestors(...)` and group by `ancestor_code`.

>>> import polars as pl
>>> regions = pl.DataFrame({"region_code": ["430900", "430902"], "parent_code": [None, "430900"]})
>>> ancestors(regions).sort("region_code", "distance").collect().rows()
[('430900', '430900', 0), ('430902', '430902', 0), ('430902', '430900', 1)]
"""

from __future__ import annotations

import attrs
import polars as pl

__all__ = ["Hierarchy", "ancestors", "roll_up", "rolled", "sorted_ids"]

_IDS = pl.List(pl.String())

MAX_DEPTH = 8  # 省 → 市 → 县 and room for deeper local schemes; cycles stop here


def ancestors(regions: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """(region_code, ancestor_code, distance): each region paired with itself
    (distance 0) and every region above it, by repeated joins on parent_code."""
    links = regions.lazy().select("region_code", "parent_code")
    level = links.select(
        pl.col("region_code"),
        pl.col("region_code").alias("ancestor_code"),
        pl.lit(0).alias("distance"),
    )
    frontier = links.select(
        pl.col("region_code"),
        pl.col("parent_code").alias("ancestor_code"),
        pl.lit(1).alias("distance"),
    ).filter(pl.col("ancestor_code").is_not_null())
    parts = [level]
    for _ in range(MAX_DEPTH):
        parts.append(frontier)
        frontier = (
            frontier.join(links, left_on="ancestor_code", right_on="region_code", how="inner")
            .select(
                pl.col("region_code"),
                pl.col("parent_code").alias("ancestor_code"),
                (pl.col("distance") + 1).alias("distance"),
            )
            .filter(pl.col("ancestor_code").is_not_null())
        )
    return (
        pl.concat(parts)
        .unique(["region_code", "ancestor_code"], keep="first")
        .with_columns(pl.col("distance").cast(pl.Int32))
    )


@attrs.frozen
class Hierarchy:
    """The region hierarchy, built once per assessment and shared by every roll-up:
    `codes` (region_code, parent_code) and `up` (region_code, rollup_code: itself and
    every region above it)."""

    codes: pl.LazyFrame
    up: pl.LazyFrame

    @classmethod
    def of(cls, regions: pl.DataFrame | pl.LazyFrame | Hierarchy) -> Hierarchy:
        if isinstance(regions, Hierarchy):
            return regions
        codes = regions.lazy().select(
            pl.col("region_code").cast(pl.String), pl.col("parent_code").cast(pl.String)
        )
        up = (
            ancestors(codes)
            .select("region_code", pl.col("ancestor_code").alias("rollup_code"))
            .cache()
        )
        return cls(codes=codes, up=up)


def sorted_ids(column: str, cond: pl.Expr | None = None) -> pl.Expr:
    """An aggregation for `rolled`'s `ids`: the distinct ids of `column` (as text) where
    `cond` holds, sorted — evidence that does not depend on row order."""
    expr = pl.col(column).cast(pl.String)
    if cond is not None:
        expr = expr.filter(cond)
    return expr.unique().sort()


def rolled(
    rows: pl.LazyFrame,
    regions: pl.DataFrame | pl.LazyFrame | Hierarchy,
    *,
    counts: dict[str, pl.Expr] | None = None,
    ids: dict[str, pl.Expr] | None = None,
    fsums: dict[str, pl.Expr] | None = None,
) -> pl.LazyFrame:
    """Per region, its own rows and those of every region below it, for every region
    (none missing): `counts` (Int64, 0 where no rows), `ids` (distinct sorted id lists,
    empty where none) and `fsums` (float sums: the values sorted per group, then summed
    — a float sum inside a group_by can follow row order even after .sort(); a sorted
    list's sum cannot).

    Two steps, so that the rows are grouped once (by their own region) and only the
    small per-region results go up the hierarchy: `counts` must add up (a `len` or a
    `sum`), `ids` are made distinct and sorted again above, and `fsums` carry their
    values up, so every figure is what one group_by over all rows below would give.

    >>> regions = pl.DataFrame({"region_code": ["430900", "430902"],
    ...     "parent_code": [None, "430900"]})
    >>> rows = pl.LazyFrame({"region_code": ["430902", "430902"], "id": ["b", "a"]})
    >>> rolled(rows, regions, counts={"n": pl.len()}, ids={"ids": pl.col("id").sort()}
    ...     ).sort("region_code").collect().rows()
    [('430900', 2, ['a', 'b']), ('430902', 2, ['a', 'b'])]
    """
    links = Hierarchy.of(regions)
    counts, ids, fsums = counts or {}, ids or {}, fsums or {}
    own = [
        *[e.cast(pl.Int64).alias(n) for n, e in counts.items()],
        *[e.alias(n) for n, e in ids.items()],
        *[e.cast(pl.Float64).alias(n) for n, e in fsums.items()],
    ]
    up = [
        *[pl.col(n).sum().alias(n) for n in counts],
        *[
            pl.col(n).list.explode(keep_nulls=False, empty_as_null=False).unique().sort().alias(n)
            for n in ids
        ],
        *[
            pl.col(n).list.explode(keep_nulls=False, empty_as_null=False).sort().alias(n)
            for n in fsums
        ],
    ]
    agg = (
        rows.with_columns(pl.col("region_code").cast(pl.String))
        .group_by("region_code")
        .agg(own)
        .join(links.up, on="region_code", how="inner")
        .group_by("rollup_code")
        .agg(up)
        .rename({"rollup_code": "region_code"})
    )
    return (
        links.codes.select("region_code")
        .join(agg, on="region_code", how="left")
        .with_columns(
            *[pl.col(n).fill_null(0) for n in counts],
            *[pl.col(n).fill_null(pl.lit([], dtype=_IDS)) for n in ids],
            *[pl.col(n).fill_null(pl.lit([], dtype=pl.List(pl.Float64))).list.sum() for n in fsums],
        )
    )


def roll_up(rows: pl.LazyFrame, regions: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Each row repeated once per region at or above its own, in column `rollup_code`.

    Group the result by `rollup_code` to get every region's figures including all
    regions below it.
    """
    anc = ancestors(regions).select("region_code", pl.col("ancestor_code").alias("rollup_code"))
    return rows.join(anc, on="region_code", how="inner")
