"""C 隐患排查治理: C1–C4 from the hazards table."""

from __future__ import annotations

import polars as pl

from accountability.regions import Hierarchy
from accountability.rulebook import Rulebook, rulebook
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY
from accountability.scorers.annual.compile import section_items
from accountability.scorers.annual.inputs import Frame, frames

__all__ = ["section_c"]


def section_c(
    hazards: Frame,
    regions: Frame | Hierarchy,
    rules: Rulebook | None,
    year: int,
    *,
    registry: Registry = REGISTRY,
) -> pl.LazyFrame:
    """Line items C1 (一般 hazards due in the year rectified on time), C2 and C3 (重大
    hazards found in the year with 五落实 / 挂牌督办), C4 (重大 hazards due by the year's
    end and not rectified by then)."""
    book = rules if rules is not None else rulebook()
    ctx = Context.for_year(book, year)
    links = Hierarchy.of(regions)
    return section_items("C", registry, frames(book, ctx, links, hazards=hazards), links, ctx)
