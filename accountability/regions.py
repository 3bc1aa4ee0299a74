"""The region hierarchy: every region with each region at or above it.

Roll-ups ("a region's figures include the rows of all regions below it") join a
row's region_code to `ancestors(...)` and group by `ancestor_code`.

>>> import polars as pl
>>> regions = pl.DataFrame({"region_code": ["430900", "430902"], "parent_code": [None, "430900"]})
>>> ancestors(regions).sort("region_code", "distance").collect().rows()
[('430900', '430900', 0), ('430902', '430902', 0), ('430902', '430900', 1)]
"""

from __future__ import annotations

import polars as pl

__all__ = ["ancestors", "roll_up"]

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


def roll_up(rows: pl.LazyFrame, regions: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Each row repeated once per region at or above its own, in column `rollup_code`.

    Group the result by `rollup_code` to get every region's figures including all
    regions below it.
    """
    anc = ancestors(regions).select("region_code", pl.col("ancestor_code").alias("rollup_code"))
    return rows.join(anc, on="region_code", how="inner")
