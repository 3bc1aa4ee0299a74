"""D 责任落实: D1 from the 一岗双责 officials frame, D2 from its 约谈 events."""

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
    summons_events: Frame | None = None,
    registry: Registry = REGISTRY,
) -> pl.LazyFrame:
    """Line item D1 from the 一岗双责 ``officials`` frame (official_id, region_code,
    fulfilment in [0, 1]) over the region's officials and those of every region below
    it.  An official with no records has fulfilment 0 and counts; one whose role the
    rulebook requires nothing of has no fulfilment (null) and is left out.

    While ``annual.summons_points`` is not 0, line item D2 deducts that many points
    per 约谈 event of the period in ``summons_events`` (triggered_on, region_code,
    step, rule_id, evidence), from the summoned region only.

    >>> import polars as pl
    >>> regions = pl.DataFrame({"region_code": ["430900"], "parent_code": [None]},
    ...     schema_overrides={"parent_code": pl.String})
    >>> people = pl.DataFrame({"official_id": ["P1"], "region_code": ["430900"],
    ...     "fulfilment": [0.5]})
    >>> items = section_d(people, regions, None, 2024).collect()
    >>> items.select("rule_id", "points").rows()  # D2 only while summons_points ≠ 0
    [('D1', -7.5)]
    """
    book = rules if rules is not None else rulebook()
    ctx = Context.for_year(book, year)
    links = Hierarchy.of(regions)
    tables = frames(book, ctx, links, officials=officials, summons_events=summons_events)
    return section_items("D", registry, tables, links, ctx)
