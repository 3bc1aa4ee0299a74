"""年度目标管理考核 — the annual target assessment of regions.

Every region starts at ``annual.base`` (100).  The rules of sections A–E (the records
of `accountability.rules.annual`, in the registry's order) each add one line item per
region (points ≤ 0 for a deduction); a section's deductions are capped at its weight
by one ``X.cap`` line item; a section whose tables are missing is not assessed and one
``rescale`` line item rescales the score to the assessed weights; committee
``adjustment`` line items follow, then one ``clip`` line item keeps the total within
[0, base]; the grade cap, veto and yellow card are 0-point line items naming their
rule, and a veto with ``veto_effect = "zero"`` adds ``veto.zero``.

The score is exactly ``base + Σ points``, the points added to the base one by one in
the canonical order — the registry's order, then reason, points, basis (in Python:
``functools.reduce(operator.add, points, base)``).

Modules: `inputs` (each table once, in the form the rules read it), `compile` (a
record into its lazy plan), `section_a` … `section_e` (one entry point per section,
usable and testable alone), `finishing` (caps to rank).  `annual` collects every
section plan with the accident figures at once, then the finishing steps.

>>> import datetime as dt, polars as pl
>>> from accountability.dataset import Dataset
>>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
...     "parent_code": [None], "level": ["市"]}, schema_overrides={"parent_code": pl.String})
>>> result = annual(Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1)), year=2024)
>>> result.regions.select("region_code", "score", "incomplete").row(0)
('430900', None, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import polars as pl

from accountability.dataset import Dataset
from accountability.engine import ENGINE
from accountability.outputs import OUTPUTS
from accountability.regions import Hierarchy
from accountability.rulebook import Rulebook, rulebook
from accountability.rules.annual import SECTION_NAMES, SUMMONS_POINTS
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY
from accountability.scorers.annual.compile import empty_items, scores_table, section_items
from accountability.scorers.annual.finishing import (
    REGION_COLUMNS,
    SECTIONS,
    as_items,
    finish_plan,
)
from accountability.scorers.annual.inputs import (
    DATED,
    accident_inputs,
    frames,
    rows_in_period,
)
from accountability.scorers.annual.metrics import hazard_lookbacks, hazard_metrics
from accountability.scorers.annual.section_a import section_a
from accountability.scorers.annual.section_b import section_b
from accountability.scorers.annual.section_c import section_c
from accountability.scorers.annual.section_d import section_d
from accountability.scorers.annual.section_e import section_e
from accountability.scorers.referrals import REFERRALS, referral_plan

__all__ = [
    "ITEM_ORDER",
    "REGION_COLUMNS",
    "SECTIONS",
    "SECTION_NAMES",
    "SECTION_TABLES",
    "AnnualResult",
    "annual",
    "assessed_sections",
    "finish_regions",
    "section_a",
    "section_b",
    "section_c",
    "section_d",
    "section_e",
]

# Derived from the registry: the order line items are applied in, and the tables
# each section needs (a section is assessed when all of them are present).
ITEM_ORDER: tuple[str, ...] = REGISTRY.order("annual")
SECTION_TABLES: dict[str, tuple[str, ...]] = {s: REGISTRY.tables_of(s) for s in SECTIONS}


@attrs.frozen
class AnnualResult:
    """The annual assessment: one row per region (`REGION_COLUMNS`), its line items,
    and the hazard lifecycle metrics with the 倒查 list behind them (empty without a
    hazards table)."""

    regions: pl.DataFrame
    line_items: pl.DataFrame
    assessed_sections: tuple[str, ...]
    hazard_metrics: pl.DataFrame = attrs.field(factory=lambda: _empty("hazard_metrics"))
    hazard_lookbacks: pl.DataFrame = attrs.field(factory=lambda: _empty("hazard_lookbacks"))


def _empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=OUTPUTS[name].dtypes)


def _collect(
    items: pl.LazyFrame,
    figures: pl.LazyFrame,
    finish,
    assessed: Sequence[str],
    reports: Sequence[pl.LazyFrame] = (),
) -> AnnualResult:
    """Two collects: every section plan with the accident figures and the hazard reports
    (one `collect_all`, shared subplans computed once), then the finishing steps over
    those frames."""
    items_df, figures_df, *reported = pl.collect_all([items, figures, *reports], engine=ENGINE)
    regions_out, items_out = pl.collect_all(
        list(finish(items_df.lazy(), figures_df.lazy())), engine=ENGINE
    )
    metrics, lookbacks = reported or (_empty("hazard_metrics"), _empty("hazard_lookbacks"))
    return AnnualResult(
        regions=regions_out,
        line_items=items_out,
        assessed_sections=tuple(s for s in SECTIONS if s in assessed),
        hazard_metrics=metrics,
        hazard_lookbacks=lookbacks,
    )


def finish_regions(
    section_items: pl.DataFrame | pl.LazyFrame,
    regions: pl.DataFrame,
    rules: Rulebook | None,
    year: int,
    *,
    assessed: Sequence[str],
    missing_tables: Sequence[str] = (),
    accidents: pl.DataFrame | pl.LazyFrame | None = None,
    adjustments: pl.DataFrame | None = None,
    registry: Registry = REGISTRY,
) -> AnnualResult:
    """Section caps, rescale, adjustments, clip, grade, grade cap, veto, yellow card, rank.

    `section_items` are the A–E line items (region_code, rule_id, points, reason,
    basis, evidence) of the `assessed` sections; `accidents` the raw accidents table
    (for the veto, yellow card and grade cap) or None when it is absent.
    """
    book = rules if rules is not None else rulebook()
    ctx = Context.for_year(book, year)
    links = Hierarchy.of(regions)

    def finish(items: pl.LazyFrame, figures: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        return finish_plan(
            items, regions, links, figures, ctx, registry,
            assessed=assessed, missing_tables=missing_tables, adjustments=adjustments,
        )  # fmt: skip

    _, figures = accident_inputs(accidents, book, links, ctx)
    return _collect(section_items.lazy(), figures, finish, assessed)


def _summons_points(ctx: Context) -> float:
    """``annual.summons_points`` in force (0 where the rulebook lacks it)."""
    return float(ctx[SUMMONS_POINTS]) if SUMMONS_POINTS in ctx.rules.rulebook else 0.0


def assessed_sections(
    data: Dataset, registry: Registry = REGISTRY
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(sections assessed, tables missing) for a dataset."""
    needs = {s: registry.tables_of(s) for s in SECTIONS}
    assessed = tuple(s for s in SECTIONS if all(data.has(t) for t in needs[s]))
    missing = tuple(sorted({t for s in SECTIONS for t in needs[s] if not data.has(t)}))
    return assessed, missing


def annual(
    data: Dataset,
    rules: Rulebook | None = None,
    *,
    year: int,
    four_musts_cases: pl.DataFrame | None = None,
    officials: pl.DataFrame | None = None,
    referral_gaps: pl.DataFrame | None = None,
    registry: Registry = REGISTRY,
    coverage: Mapping[str, int] | None = None,
    summons_events: pl.DataFrame | None = None,
) -> AnnualResult:
    """Assess every region of `data` for `year` (年度目标管理考核).

    A dated table present with no row in the period leaves its section assessed and is
    named in the regions' `data_gaps` (`coverage`: rows in the period per dated table,
    when the caller has counted them).

    Section B reads the 四个一律 cases (`four_musts_cases`: the ``cases`` frame of
    `four_musts`) and section D the 一岗双责 officials (`officials`: the ``officials``
    frame of `dual_duty`); `assess` runs those scorers and passes their frames, and a
    caller assessing those sections here must pass them too.  B3 reads the 应移送未移送
    frame (`referral_gaps`: `accountability.scorers.referrals.referral_gaps`); while
    ``annual.b3_points_per_gap`` is 0 it adds no line item and the frame is not read,
    and when it is not given it is computed here from `accidents` and `cases`.  D2
    reads the 约谈 events (`summons_events`: the ``summons_events`` frame of
    `dual_duty`); while ``annual.summons_points`` is 0 it adds no line item and the
    frame is not needed.  Needs the `regions` table; sections whose tables are absent
    are left unassessed (rescale).

    >>> import datetime as dt, polars as pl
    >>> from accountability.dataset import Dataset
    >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
    ...     "parent_code": [None], "level": ["市"]}, schema_overrides={"parent_code": pl.String})
    >>> data = Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1))
    >>> annual(data, year=2024).regions["grade"][0] is None
    True
    """
    book = rules if rules is not None else rulebook()
    ctx = Context.for_year(book, year)
    regions = data.table("regions", needed_by="年度目标管理考核")
    links = Hierarchy.of(regions)
    assessed, missing = assessed_sections(data, registry)
    if "B" in assessed and four_musts_cases is None:
        raise ValueError(
            "section B needs the 四个一律 cases: pass four_musts_cases="
            "four_musts(data, rules, year).cases, or run assess()"
        )
    if "D" in assessed and officials is None:
        raise ValueError(
            "section D needs the 一岗双责 officials: pass officials="
            "dual_duty(data, rules, year).officials, or run assess()"
        )
    if "D" in assessed and summons_events is None and _summons_points(ctx) != 0:
        raise ValueError(
            "D2 (annual.summons_points ≠ 0) needs the 约谈 events: pass summons_events="
            "dual_duty(data, rules, year).summons_events, or run assess()"
        )
    if coverage is None:
        present = {name: data.table(name) for name in DATED if data.has(name)}
        coverage = rows_in_period(present, ctx)
    data_gaps = sorted(name for name, n in coverage.items() if n == 0)
    raw = data.get("accidents")
    prepared, figures = accident_inputs(raw, book, links, ctx)
    referrals: pl.DataFrame | pl.LazyFrame | None = referral_gaps
    if referrals is None and raw is not None and scores_table(REFERRALS, assessed, registry, ctx):
        referrals = referral_plan(raw, data.get("cases"), book, ctx)
    tables = frames(
        book, ctx, links,
        accidents=raw, prepared=prepared, figures=figures,
        targets=data.get("targets"), stats=data.get("region_stats"),
        cases=four_musts_cases, inspections=data.get("inspections"),
        enterprises=data.get("enterprises"), hazards=data.get("hazards"),
        officials=officials, work_items=data.get("work_items"), referral_gaps=referrals,
        summons_events=summons_events,
    )  # fmt: skip
    parts = [as_items(section_items(s, registry, tables, links, ctx)) for s in assessed]
    items = pl.concat(parts) if parts else empty_items()

    def finish(items: pl.LazyFrame, figures: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        return finish_plan(
            items, regions, links, figures, ctx, registry,
            assessed=assessed, missing_tables=missing, adjustments=data.get("adjustments"),
            data_gaps=data_gaps,
        )  # fmt: skip

    reports = (
        [hazard_metrics(tables, links, ctx), hazard_lookbacks(tables, ctx)]
        if data.has("hazards")
        else []
    )
    return _collect(items, figures, finish, assessed, reports)
