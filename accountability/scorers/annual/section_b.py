"""B 打非治违: B1 from the 四个一律 cases, B2 from inspections and enterprises."""

from __future__ import annotations

import polars as pl

from accountability.regions import Hierarchy
from accountability.rulebook import Rulebook, rulebook
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY
from accountability.scorers.annual.compile import section_items
from accountability.scorers.annual.inputs import Frame, frames

__all__ = ["section_b"]


def section_b(
    cases: Frame | None,
    inspections: Frame,
    enterprises: Frame,
    regions: Frame | Hierarchy,
    rules: Rulebook | None,
    year: int,
    *,
    registry: Registry = REGISTRY,
) -> pl.LazyFrame:
    """Line items B1 (四个一律 compliance over `cases`, the 四个一律 scorer's cases of
    the year: case_id, region_code, requires_measure, compliant) and B2 (inspection
    coverage of the enterprises in operation)."""
    book = rules if rules is not None else rulebook()
    ctx = Context.for_year(book, year)
    links = Hierarchy.of(regions)
    tables = frames(book, ctx, links, cases=cases, inspections=inspections, enterprises=enterprises)
    return section_items("B", registry, tables, links, ctx)
