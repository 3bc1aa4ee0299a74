"""B 打非治违: B1 from the 四个一律 cases, B2 from inspections and enterprises, B3 from
the 应移送未移送 frame (a line item only while the rulebook gives it points)."""

from __future__ import annotations

import polars as pl

from accountability.regions import Hierarchy
from accountability.rulebook import Rulebook, rulebook
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY
from accountability.scorers.annual.compile import scores_table, section_items
from accountability.scorers.annual.inputs import Frame, frames
from accountability.scorers.referrals import REFERRALS

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
    referral_gaps: Frame | None = None,
) -> pl.LazyFrame:
    """Line items B1 (四个一律 compliance over `cases`, the 四个一律 scorer's cases of
    the year: case_id, region_code, requires_measure, compliant), B2 (inspection
    coverage of the enterprises in operation) and, while ``annual.b3_points_per_gap``
    is not 0, B3 (the gaps of `referral_gaps`, the frame of
    `accountability.scorers.referrals.referral_gaps`, which must then be given)."""
    book = rules if rules is not None else rulebook()
    ctx = Context.for_year(book, year)
    if referral_gaps is None and scores_table(REFERRALS, ("B",), registry, ctx):
        raise ValueError(
            "B3 needs the 应移送未移送 frame: pass referral_gaps="
            "referral_gaps(data, rules, year), or run annual() or assess()"
        )
    links = Hierarchy.of(regions)
    tables = frames(
        book, ctx, links,
        cases=cases, inspections=inspections, enterprises=enterprises,
        referral_gaps=referral_gaps,
    )  # fmt: skip
    return section_items("B", registry, tables, links, ctx)
