"""Peer groups: the regions ranked together — one level under one parent.

A region's rank is its place among the regions of its own level under its own parent
(the counties of one city; the cities of the province).  Every output that lists
regions — the terminal ranking, the Excel workbook, the CSV files, the Markdown and
HTML reports, the charts, the notebook and the robustness report — heads each group
with the one title made here, so that two regions both shown at rank 1 are never read
as tied:

- under a parent: "益阳市所辖县级地区（8 个）" — the parent by its name; by its code
  where it has none; "名称（代码）" where two parents share a name;
- at the top: "市级地区（1 个）";
- without a level: "益阳市所辖地区（8 个）", "地区（1 个）".

The count is the number of the group's regions in the frame given.
"""

from __future__ import annotations

import polars as pl

from accountability.codes import REGION_LEVELS

__all__ = ["PEER_GROUP", "peer_groups", "region_order", "with_peer_groups"]

PEER_GROUP = "peer_group"
"""The column `with_peer_groups` adds: the title of the region's peer group."""


def region_order(regions: pl.DataFrame) -> pl.DataFrame:
    """The regions in the order people read them: upper levels first (省, 市, 县, 乡),
    then by parent, rank and code; rows without a rank after the ranked.

    >>> regions = pl.DataFrame({"region_code": ["430902", "430900"], "level": ["县", "市"]})
    >>> region_order(regions)["region_code"].to_list()
    ['430900', '430902']
    """
    keys: list[pl.Expr] = []
    if "level" in regions.columns:
        order = {level: i for i, level in enumerate(REGION_LEVELS)}
        keys.append(
            pl.col("level")
            .cast(pl.String)
            .replace_strict(order, default=len(order), return_dtype=pl.Int32)
        )
    keys += [pl.col(c) for c in ("parent_code", "rank", "region_code") if c in regions.columns]
    if not keys:
        return regions
    return regions.sort(keys, nulls_last=True, maintain_order=True)


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column in frame.columns:
        return pl.col(column).cast(pl.String)
    return pl.lit(None, pl.String)


def with_peer_groups(regions: pl.DataFrame, parents: pl.DataFrame | None = None) -> pl.DataFrame:
    """The regions in reading order (`region_order`) with `peer_group` first: the title
    of the regions ranked together.  The parents' names come from `parents` (default
    `regions` itself: pass the whole assessment's regions when `regions` is a part).

    >>> regions = pl.DataFrame({"region_code": ["430902", "430900"], "name": ["资阳区", "益阳市"],
    ...     "level": ["县", "市"], "parent_code": ["430900", None]})
    >>> with_peer_groups(regions).select("peer_group", "name").rows()
    [('市级地区（1 个）', '益阳市'), ('益阳市所辖县级地区（1 个）', '资阳区')]
    """
    named = regions if parents is None else parents
    ordered = region_order(regions).with_columns(
        _text(regions, "parent_code").alias("_parent"), _text(regions, "level").alias("_level")
    )
    if {"region_code", "name"} <= set(named.columns):
        names = named.select(
            pl.col("region_code").cast(pl.String).alias("_parent"),
            pl.col("name").cast(pl.String).alias("_owner"),
        ).unique("_parent", keep="first", maintain_order=True)
        used = ordered.get_column("_parent").drop_nulls().unique()
        # the parents of these regions; a name two of them share is shown with its code
        names = (
            names.filter(pl.col("_parent").is_in(used.implode()))
            .with_columns(pl.col("_owner").str.strip_chars().replace("", None).alias("_owner"))
            .with_columns(
                pl.when(pl.col("_parent").n_unique().over("_owner") > 1)
                .then(pl.concat_str("_owner", pl.lit("（"), "_parent", pl.lit("）")))
                .otherwise(pl.col("_owner"))
                .alias("_owner")
            )
        )
        ordered = ordered.join(names, on="_parent", how="left", maintain_order="left")
    else:
        ordered = ordered.with_columns(pl.lit(None, pl.String).alias("_owner"))
    kind = (
        pl.when(pl.col("_level").is_null())
        .then(pl.lit("地区"))
        .otherwise(pl.col("_level") + pl.lit("级地区"))
    )
    size = pl.concat_str(
        pl.lit("（"), pl.len().over("_level", "_parent").cast(pl.String), pl.lit(" 个）")
    )
    owner = pl.coalesce("_owner", "_parent")
    title = (
        pl.when(owner.is_null())
        .then(pl.concat_str(kind, size))
        .otherwise(pl.concat_str(owner, pl.lit("所辖"), kind, size))
    )
    grouped = ordered.with_columns(title.alias(PEER_GROUP)).drop("_parent", "_level", "_owner")
    return grouped.select(PEER_GROUP, pl.exclude(PEER_GROUP))


def peer_groups(
    regions: pl.DataFrame, parents: pl.DataFrame | None = None
) -> list[tuple[str, pl.DataFrame]]:
    """The regions in reading order, split into their peer groups, each as (title,
    its regions without the `peer_group` column); upper levels first.

    >>> regions = pl.DataFrame({"region_code": ["430900", "430902"], "name": ["益阳市", "资阳区"],
    ...     "level": ["市", "县"], "parent_code": [None, "430900"], "rank": [1, 1]})
    >>> [title for title, _ in peer_groups(regions)]
    ['市级地区（1 个）', '益阳市所辖县级地区（1 个）']
    """
    if regions.is_empty():
        return []
    titled = with_peer_groups(regions, parents)
    keys = [c for c in ("level", "parent_code") if c in titled.columns] or [PEER_GROUP]
    return [
        (part[PEER_GROUP][0], part.drop(PEER_GROUP))
        for part in titled.partition_by(keys, maintain_order=True)
    ]
