"""Conditions more than one rule reads, written once.

Each is a function of the rule's `Context` returning a polars expression over the
rows of one input table.

>>> import datetime as dt, polars as pl
>>> from accountability.rulebook import rulebook
>>> from accountability.rules.model import Context
>>> ctx = Context.of(rulebook().for_year(2024), 2024)
>>> hz = pl.DataFrame({"level": ["重大", "重大", "一般"],
...     "due_on": [dt.date(2024, 6, 1)] * 3,
...     "rectified_on": [None, dt.date(2024, 5, 30), None],
...     "extended_to": [None] * 3, "extension_approved": [False] * 3},
...     schema_overrides={"extended_to": pl.Date})
>>> hz.select(major_overdue(ctx))["level"].to_list()
[True, False, False]
"""

from __future__ import annotations

import polars as pl

from accountability.rules.model import Context

__all__ = [
    "closed_by_deadline",
    "closed_on",
    "deadline",
    "general_due_in_period",
    "general_rectified_late",
    "in_operation",
    "in_population",
    "listed_due_in_period",
    "major_found_in_period",
    "major_overdue",
    "rectified_on_time",
]


def _level(name: str) -> pl.Expr:
    return pl.col("level").cast(pl.String) == name


def deadline() -> pl.Expr:
    """A hazard's effective deadline: the extended one where the extension was approved
    (``extension_approved`` and ``extended_to``), else ``due_on``."""
    approved = pl.col("extension_approved").fill_null(False) & pl.col("extended_to").is_not_null()
    return pl.when(approved).then(pl.col("extended_to")).otherwise(pl.col("due_on"))


def closed_on() -> pl.Expr:
    """The day a hazard was closed: accepted and cancelled (``verified_on``, 验收销号),
    else rectified (``rectified_on``)."""
    return pl.coalesce(pl.col("verified_on"), pl.col("rectified_on"))


def rectified_on_time(ctx: Context | None = None) -> pl.Expr:
    """Rectified on or before its effective deadline (on the day itself is on time)."""
    return pl.col("rectified_on").is_not_null() & (pl.col("rectified_on") <= deadline())


def general_due_in_period(ctx: Context) -> pl.Expr:
    """A 一般 hazard whose effective deadline falls in the period."""
    return _level("一般") & deadline().is_between(pl.lit(ctx.start), pl.lit(ctx.end))


def general_rectified_late(ctx: Context) -> pl.Expr:
    """A 一般 hazard due in the period and rectified late or not at all."""
    return general_due_in_period(ctx) & ~rectified_on_time(ctx)


def major_found_in_period(ctx: Context) -> pl.Expr:
    """A 重大 hazard found in the period."""
    return _level("重大") & ctx.within("found_on")


def major_overdue(ctx: Context) -> pl.Expr:
    """A 重大 hazard whose effective deadline is on or before the period's last day
    (whatever year it was due) and not rectified by then (重大隐患到期未整改)."""
    unrectified = pl.col("rectified_on").is_null() | (pl.col("rectified_on") > pl.lit(ctx.end))
    return _level("重大") & (deadline() <= pl.lit(ctx.end)) & unrectified


def listed_due_in_period(ctx: Context) -> pl.Expr:
    """A listed (挂牌督办) 重大 hazard whose effective deadline falls in the period."""
    return (
        _level("重大")
        & pl.col("listed").fill_null(False)
        & deadline().is_between(pl.lit(ctx.start), pl.lit(ctx.end))
    )


def closed_by_deadline(ctx: Context | None = None) -> pl.Expr:
    """Closed (验收销号, else rectified) on or before its effective deadline."""
    return closed_on().is_not_null() & (closed_on() <= deadline())


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
