"""E 基础工作: E1 from the enterprises, E2 from the work items."""

from __future__ import annotations

import polars as pl

from accountability.regions import Hierarchy
from accountability.rulebook import Rulebook, rulebook
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY
from accountability.scorers.annual.compile import section_items
from accountability.scorers.annual.inputs import Frame, frames

__all__ = ["section_e"]


def section_e(
    enterprises: Frame,
    work_items: Frame,
    regions: Frame | Hierarchy,
    rules: Rulebook | None,
    year: int,
    *,
    registry: Registry = REGISTRY,
) -> pl.LazyFrame:
    """Line items E1 (licence-requiring enterprises at standardization 三级 or better)
    and E2 (mean of min(1, achieved ÷ target) over the year's work items)."""
    book = rules if rules is not None else rulebook()
    ctx = Context.for_year(book, year)
    links = Hierarchy.of(regions)
    tables = frames(book, ctx, links, enterprises=enterprises, work_items=work_items)
    return section_items("E", registry, tables, links, ctx)
