"""Conditions more than one rule reads, written once.

Each is a function of the rule's `Context` returning a polars expression over the
rows of one input table.

>>> import datetime as dt, polars as pl
>>> from accountability.rulebook import rulebook
>>> from accountability.rules.model import Context
>>> ctx = Context.of(rulebook().for_year(2024), 2024)
>>> hz = pl.DataFrame({"level": ["重大", "重大", "一般"],
...     "due_on": [dt.date(2024, 6, 1)] * 3,
...     "rectified_on": [None, dt.date(2024, 5, 30), None]})
>>> hz.select(major_overdue(ctx))["level"].to_list()
[True, False, False]
"""

from __future__ import annotations

import polars as pl

from accountability.rules.model import Context

__all__ = [
    "general_due_in_period",
    "general_rectified_late",
    "in_operation",
    "in_population",
    "major_found_in_period",
    "major_overdue",
    "rectified_on_time",
]


def _level(name: str) -> pl.Expr:
    return pl.col("level").cast(pl.String) == name


def rectified_on_time(ctx: Context | None = None) -> pl.Expr:
    """Rectified on or before its deadline (a hazard rectified on its due day is on time)."""
    return pl.col("rectified_on").is_not_null() & (pl.col("rectified_on") <= pl.col("due_on"))


def general_due_in_period(ctx: Context) -> pl.Expr:
    """A 一般 hazard whose deadline falls in the period."""
    return _level("一般") & ctx.within("due_on")


def general_rectified_late(ctx: Context) -> pl.Expr:
    """A 一般 hazard due in the period and rectified late or not at all."""
    return general_due_in_period(ctx) & ~rectified_on_time(ctx)


def major_found_in_period(ctx: Context) -> pl.Expr:
    """A 重大 hazard found in the period."""
    return _level("重大") & ctx.within("found_on")


def major_overdue(ctx: Context) -> pl.Expr:
    """A 重大 hazard due on or before the period's last day (whatever year it was due)
    and not rectified by then (重大隐患到期未整改)."""
    unrectified = pl.col("rectified_on").is_null() | (pl.col("rectified_on") > pl.lit(ctx.end))
    return _level("重大") & ctx.by_end("due_on") & unrectified


def in_operation(ctx: Context) -> pl.Expr:
    """An enterprise not 关闭 before the period began (B2 and E1 leave those out)."""
    gone = (pl.col("status").cast(pl.String) == "关闭") & (pl.col("closed_on") < pl.lit(ctx.start))
    return ~gone.fill_null(False)


def in_population(flags: list[str] | tuple[str, ...], names: list[str] | None = None) -> pl.Expr:
    """An accident of the population `flags` names (all of them true; an absent or
    empty flag counts as true — a table without the column is all 责任事故, all
    生产经营性).  `names`: the columns the frame has, when known."""
    parts = [
        pl.col(flag).fill_null(True) if names is None or flag in names else pl.lit(True)
        for flag in flags
    ]
    return pl.all_horizontal(parts) if parts else pl.lit(True)
