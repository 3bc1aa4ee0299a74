"""A 事故控制: A1–A5 from the accidents table (targets and region stats optional)."""

from __future__ import annotations

import polars as pl

from accountability.regions import Hierarchy
from accountability.rulebook import Rulebook, rulebook
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY
from accountability.scorers.annual.compile import section_items
from accountability.scorers.annual.inputs import Frame, frames

__all__ = ["section_a"]


def section_a(
    accidents: Frame,
    regions: Frame | Hierarchy,
    rules: Rulebook | None,
    year: int,
    *,
    targets: pl.DataFrame | None = None,
    region_stats: pl.DataFrame | None = None,
    registry: Registry = REGISTRY,
) -> pl.LazyFrame:
    """Line items A1–A5 (region_code, rule_id, points, reason, basis, evidence).

    `accidents` is the raw table (liability-false rows are left out); A2 applies only
    where it has rows dated in the previous year.

    >>> import datetime as dt, polars as pl
    >>> regions = pl.DataFrame({"region_code": ["430902"], "parent_code": [None]},
    ...     schema_overrides={"parent_code": pl.String})
    >>> acc = pl.DataFrame({"accident_id": ["X1"], "region_code": ["430902"],
    ...     "sector": ["水上交通"], "occurred_on": [dt.date(2024, 10, 5)], "deaths": [3],
    ...     "missing": [0], "serious_injuries": [0], "direct_loss_10k_yuan": [10.0],
    ...     "reported_late": [False], "concealed": [False]})
    >>> items = section_a(acc, regions, None, 2024).collect()
    >>> items.filter(pl.col("rule_id") == "A4").select("points", "reason").row(0)
    (-4.0, '较大及以上事故 1 起，每起扣 4 分，扣 4 分')
    """
    book = rules if rules is not None else rulebook()
    ctx = Context.for_year(book, year)
    links = Hierarchy.of(regions)
    tables = frames(book, ctx, links, accidents=accidents, targets=targets, stats=region_stats)
    return section_items("A", registry, tables, links, ctx)
