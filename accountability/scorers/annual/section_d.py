"""D 责任落实: D1 from the 一岗双责 officials frame."""

from __future__ import annotations

import polars as pl

from accountability.regions import Hierarchy
from accountability.rulebook import Rulebook, rulebook
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY
from accountability.scorers.annual.compile import section_items
from accountability.scorers.annual.inputs import Frame, frames

__all__ = ["section_d"]


def section_d(
    officials: Frame,
    regions: Frame | Hierarchy,
    rules: Rulebook | None,
    year: int,
    *,
    registry: Registry = REGISTRY,
) -> pl.LazyFrame:
    """Line item D1 from the 一岗双责 ``officials`` frame (official_id, region_code,
    fulfilment in [0, 1]) over the region's officials and those of every region below
    it.  An official with no records has fulfilment 0 and counts; one whose role the
    rulebook requires nothing of has no fulfilment (null) and is left out."""
    book = rules if rules is not None else rulebook()
    ctx = Context.for_year(book, year)
    links = Hierarchy.of(regions)
    return section_items("D", registry, frames(book, ctx, links, officials=officials), links, ctx)
