"""Line items: the only thing that moves a score.

Every scorer emits rows of this one form.  A subject's score is its base plus the
sum of its line items' points; caps, floors and rescales are line items too.

>>> import polars as pl
>>> items = line_items(pl.DataFrame({
...     "subject_type": ["region"], "subject_id": ["430902"], "scorer": ["annual"],
...     "rule_id": ["A4"], "points": [-4.0], "reason": ["较大事故 1 起，扣 4 分"],
...     "basis": ["参考值"], "evidence": [["ACC-1"]]}).lazy()).collect()
>>> items.columns == list(LINE_ITEM_SCHEMA)
True
"""

from __future__ import annotations

import polars as pl

__all__ = ["LINE_ITEM_SCHEMA", "concat_line_items", "empty_line_items", "line_items"]

LINE_ITEM_SCHEMA: dict[str, pl.DataType] = {
    "subject_type": pl.String(),  # region / enterprise / official / department / case
    "subject_id": pl.String(),
    "scorer": pl.String(),  # annual / four_musts / dual_duty / enterprise / adjustments
    "rule_id": pl.String(),  # e.g. "A1", "B1", "enterprise.accident_general_fatal"
    "points": pl.Float64(),  # ≤ 0 a deduction (扣分), > 0 a bonus (加分); 0 a note
    "reason": pl.String(),  # Chinese, states the observed value and the threshold
    "basis": pl.String(),  # document and article, or 参考值
    "evidence": pl.List(pl.String()),  # every id behind it (accidents, cases, hazards…)
}

SORT_KEY = ["subject_type", "subject_id", "scorer", "rule_id", "reason"]


def line_items(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Select and cast a frame to the line-item form (missing evidence → empty list)."""
    cols = frame.collect_schema().names()
    exprs = []
    for name, dtype in LINE_ITEM_SCHEMA.items():
        if name in cols:
            exprs.append(pl.col(name).cast(dtype))
        elif name == "evidence":
            exprs.append(pl.lit([], dtype=dtype).alias(name))
        else:
            raise ValueError(f"line items need a {name!r} column")
    return frame.select(exprs).with_columns(
        pl.col("evidence").fill_null(pl.lit([], pl.List(pl.String())))
    )


def empty_line_items() -> pl.DataFrame:
    return pl.DataFrame(schema=LINE_ITEM_SCHEMA)


def concat_line_items(*frames: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """Concatenate line-item frames and sort them canonically (stable, row-order free)."""
    lazies = [line_items(f.lazy()) for f in frames]
    if not lazies:
        return empty_line_items().lazy()
    return pl.concat(lazies, how="vertical").sort(SORT_KEY, maintain_order=True, nulls_last=True)
