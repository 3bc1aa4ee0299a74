"""The list a government publishes: the regions below it, and, where the rulebook says
so, its departments and the state-owned enterprises it assesses, in one ranking.

Hunan's scheme publishes the results of the 市州 and of the 省直单位 in one list
(湖南省安全生产工作考核办法, 2017); the default rulebook publishes the regions alone
(``annual.units_published_with_regions = false``).  One row per subject with the
assessing region (``list_code``: a region's parent, a unit's region), the subject's
score, grade, veto, yellow card and award as its own frame gives them, and
``list_rank``: the place among the list's subjects with a score, vetoed last, ties
sharing the better place (the regions' rule).  A subject without a score has no place.

>>> import polars as pl
>>> regions = pl.DataFrame({"region_code": ["A1", "A2"], "name": ["甲县", "乙县"],
...     "level": ["县", "县"], "parent_code": ["A", "A"], "score": [80.0, 90.0],
...     "grade": ["良好", "优秀"], "vetoed": [False, False],
...     "yellow_card": [False, False], "award": [None, None]},
...     schema_overrides={"award": pl.String})
>>> published_list(regions, None, None).select("subject_id", "list_rank").rows()
[('A2', 1), ('A1', 2)]
"""

from __future__ import annotations

import polars as pl

from accountability.engine import ENGINE
from accountability.outputs import OUTPUTS

__all__ = ["published_list"]

_SHARED = ["score", "grade", "vetoed", "yellow_card", "award"]


def published_list(
    regions: pl.DataFrame,
    departments: pl.DataFrame | None,
    enterprises: pl.DataFrame | None,
) -> pl.DataFrame:
    """The published list (`OUTPUTS` ``published_list``) of `regions` and, when given,
    the assessed `departments` and `enterprises`: the caller passes the units only where
    ``annual.units_published_with_regions`` is true."""
    parts = [
        regions.lazy().select(
            pl.col("parent_code").alias("list_code"),
            pl.lit("region").alias("subject_type"),
            pl.col("region_code").alias("subject_id"),
            pl.col("name"),
            pl.col("level"),
            *_SHARED,
        )
    ]
    if departments is not None:
        parts.append(
            departments.lazy().select(
                pl.col("region_code").alias("list_code"),
                pl.lit("department").alias("subject_type"),
                (pl.col("region_code") + ":" + pl.col("department")).alias("subject_id"),
                pl.col("department").alias("name"),
                pl.lit("部门").alias("level"),
                *_SHARED,
            )
        )
    if enterprises is not None:
        parts.append(
            enterprises.lazy().select(
                pl.col("region_code").alias("list_code"),
                pl.lit("state_enterprise").alias("subject_type"),
                pl.col("enterprise_id").alias("subject_id"),
                pl.col("name"),
                pl.lit("企业").alias("level"),
                *_SHARED,
            )
        )
    scored = pl.col("score").is_not_null()
    listed = (
        pl.concat(parts, how="vertical")
        .with_columns(
            pl.when(scored)
            .then(
                pl.struct(pl.col("vetoed"), -pl.col("score").round(6))
                .rank("min")
                .over(pl.col("list_code").fill_null(""), scored)
                .cast(pl.Int64)
            )
            .alias("list_rank")
        )
        .sort("list_code", "list_rank", "subject_type", "subject_id", nulls_last=True)
    )
    dtypes = OUTPUTS["published_list"].dtypes
    return listed.select([pl.col(c).cast(t) for c, t in dtypes.items()]).collect(engine=ENGINE)
