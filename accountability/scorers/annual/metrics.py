"""The hazard lifecycle metrics of every region (C5–C8), and the 倒查 list behind C5.

`hazard_metrics`: one row per region and metric — value, numerator, denominator, the
rows left out (a 重大 hazard whose finder is unknown, for C7) and the evidence — with
a region's figures including those of every region below it.  They report whether or
not the rulebook gives the metric points.  `hazard_lookbacks`: each 重大 hazard a
higher level found in the period, with each inspection of its enterprise by a local
department in the days before (应检查未检查、应发现未发现), by department.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from accountability.outputs import OUTPUTS
from accountability.regions import Hierarchy, rolled, sorted_ids
from accountability.rules.annual import (
    finder_known,
    lookback_rows,
    major_found_by_higher,
    self_found,
    stock,
    stock_open,
)
from accountability.rules.conditions import in_operation, major_found_in_period
from accountability.rules.model import Context
from accountability.rules.registry import REGISTRY

__all__ = ["hazard_lookbacks", "hazard_metrics"]

_IDS = pl.List(pl.String())


def _metric(frame: pl.LazyFrame, rule_id: str, value: pl.Expr, **cols: pl.Expr) -> pl.LazyFrame:
    return frame.select(
        "region_code",
        pl.lit(rule_id).alias("metric"),
        pl.lit(REGISTRY[rule_id].label).alias("label"),
        value.cast(pl.Float64).alias("value"),
        cols["numerator"].cast(pl.Int64).alias("numerator"),
        cols["denominator"].cast(pl.Int64).alias("denominator"),
        cols.get("left_out", pl.lit(0)).cast(pl.Int64).alias("left_out"),
        cols["evidence"].cast(_IDS).alias("evidence"),
    )


def hazard_metrics(
    frames: Mapping[str, pl.LazyFrame], links: Hierarchy, ctx: Context
) -> pl.LazyFrame:
    """C5–C8 per region (see the module docstring)."""
    hazards = frames["hazards"]
    found = major_found_in_period(ctx)
    flagged = _found_not_found(frames, ctx)
    per = rolled(
        hazards.join(flagged, on="hazard_id", how="left").with_columns(
            pl.col("_missed").fill_null(False)
        ),
        links,
        counts={
            "higher": major_found_by_higher(ctx).sum(),
            "missed": pl.col("_missed").sum(),
            "stock": stock(ctx).sum(),
            "stock_open": stock_open(ctx).sum(),
            "known": finder_known(ctx).sum(),
            "self": (finder_known(ctx) & self_found(ctx)).sum(),
            "unknown": (found & pl.col("found_by").is_null()).sum(),
            "new": found.sum(),
        },
        ids={
            "missed_ids": sorted_ids("hazard_id", pl.col("_missed")),
            "open_ids": sorted_ids("hazard_id", stock_open(ctx)),
            "other_ids": sorted_ids("hazard_id", finder_known(ctx) & ~self_found(ctx)),
            "new_ids": sorted_ids("hazard_id", found),
        },
    )
    active = rolled(
        frames["enterprises"].filter(in_operation(ctx)), links, counts={"active": pl.len()}
    )
    per = per.join(active, on="region_code", how="left")
    share = pl.when(pl.col("known") > 0).then(pl.col("self") / pl.col("known"))
    rate = pl.when(pl.col("active") > 0).then(pl.col("new") * 100 / pl.col("active"))
    out = pl.concat(
        [
            _metric(per, "C5", pl.col("missed"), numerator=pl.col("missed"),
                    denominator=pl.col("higher"), evidence=pl.col("missed_ids")),
            _metric(per, "C6", pl.col("stock_open"), numerator=pl.col("stock_open"),
                    denominator=pl.col("stock"), evidence=pl.col("open_ids")),
            _metric(per, "C7", share, numerator=pl.col("self"), denominator=pl.col("known"),
                    left_out=pl.col("unknown"), evidence=pl.col("other_ids")),
            _metric(per, "C8", rate, numerator=pl.col("new"), denominator=pl.col("active"),
                    evidence=pl.col("new_ids")),
        ]
    )  # fmt: skip
    schema = OUTPUTS["hazard_metrics"].dtypes
    return out.select([pl.col(c).cast(t) for c, t in schema.items()]).sort("region_code", "metric")


def _found_not_found(frames: Mapping[str, pl.LazyFrame], ctx: Context) -> pl.LazyFrame:
    return (
        lookback_rows(frames, ctx)
        .select("hazard_id")
        .unique()
        .with_columns(pl.lit(True).alias("_missed"))
    )


def hazard_lookbacks(frames: Mapping[str, pl.LazyFrame], ctx: Context) -> pl.LazyFrame:
    """The 倒查 list: one row per (hazard, earlier inspection), by department."""
    schema = OUTPUTS["hazard_lookbacks"].dtypes
    return (
        lookback_rows(frames, ctx)
        .select([pl.col(c).cast(t) for c, t in schema.items()])
        .sort("department", "inspection_region", "hazard_id", "inspection_id")
    )
