"""Inspection frequency against the class schemes, rolled up by region and department.

国办发〔2024〕54号 asks that inspections of an enterprise stay within a published
yearly cap (综合查一次), and 分级分类监管 that each class receive its minimum.  From
the rated enterprises (``inspections_min``, ``inspections_max``, ``inspections_done``,
``under_min``, ``over_cap``, and ``closed``: closed within the period, needing no
inspection) this sums, per region (the enterprise's own
``region_code``) and per region and department (through the rulebook's
``sectors.departments``; an enterprise of a sector two departments regulate counts for
both, one regulated by none under department null):

- ``enterprises``: enterprises not closed in the period; ``capped``: of them, those with a cap;
- ``inspections_min`` / ``inspections_done``: their minimums and this year's visits;
- ``under_min`` / ``over_cap``: how many fell short of the minimum / exceeded the cap
  (null where no inspections table was given).

>>> ents = pl.DataFrame({"region_code": ["430902", "430902"], "sector": ["煤矿", "煤矿"],
...     "closed": [False, False], "inspections_min": [2, 4], "inspections_max": [4, None],
...     "inspections_done": [5, 1], "under_min": [False, True], "over_cap": [True, None]})
>>> by_region, _ = inspection_frequency(ents, {"应急管理局": ["煤矿"]})
>>> by_region.select("enterprises", "capped", "under_min", "over_cap").row(0)
(2, 1, 1, 1)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from accountability.engine import ENGINE
from accountability.outputs import OUTPUTS

__all__ = ["inspection_frequency"]


def _sums(frame: pl.LazyFrame, keys: list[str], has_done: pl.Expr) -> pl.LazyFrame:
    return frame.group_by(keys).agg(
        pl.len().cast(pl.Int64()).alias("enterprises"),
        pl.col("inspections_max").is_not_null().sum().cast(pl.Int64()).alias("capped"),
        pl.col("inspections_min").sum().cast(pl.Int64()).alias("inspections_min"),
        pl.when(has_done)
        .then(pl.col("inspections_done").sum())
        .cast(pl.Int64())
        .alias("inspections_done"),
        pl.when(has_done).then(pl.col("under_min").sum()).cast(pl.Int64()).alias("under_min"),
        pl.when(has_done).then(pl.col("over_cap").sum()).cast(pl.Int64()).alias("over_cap"),
    )


def inspection_frequency(
    enterprises: pl.DataFrame, departments: Mapping[str, Sequence[str]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(by region, by region and department) as declared in OUTPUTS
    ``inspection_frequency_by_region`` and ``inspection_frequency_by_department``."""
    pairs = [(str(s), str(d)) for d, sectors in departments.items() for s in sectors]
    dept_map = pl.LazyFrame(
        {"sector": [s for s, _ in pairs], "department": [d for _, d in pairs]},
        schema={"sector": pl.String(), "department": pl.String()},
    )
    open_ = enterprises.lazy().filter(~pl.col("closed"))
    has_done = pl.col("inspections_done").is_not_null().any()
    by_region = _sums(open_, ["region_code"], has_done).sort("region_code")
    by_department = (
        _sums(
            open_.with_columns(pl.col("sector").cast(pl.String())).join(
                dept_map, on="sector", how="left"
            ),
            ["region_code", "department"],
            has_done,
        )
    ).sort("region_code", "department", nulls_last=True)
    region, department = pl.collect_all([by_region, by_department], engine=ENGINE)
    return (
        region.select([pl.col(c).cast(t) for c, t in _declared("by_region").items()]),
        department.select([pl.col(c).cast(t) for c, t in _declared("by_department").items()]),
    )


def _declared(part: str) -> dict[str, pl.DataType]:
    return OUTPUTS[f"inspection_frequency_{part}"].dtypes
