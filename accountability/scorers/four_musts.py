"""四个一律: the measures each enforcement case required, whether they were taken.

The 2012 打非治违 notice (国办发明电〔2012〕10号) and 《安全生产法》(2021); the measures,
their articles and their gaps are the records of `accountability.rules.four_musts`:

- 关闭取缔 (close), mandatory: required when illegal, failed_rectification,
  suspension_refused, a 重大 accident caused lacking safe conditions, or a repeat
  window; satisfied by closed or by a closure proposal (提请关闭) made from the case's
  day to the period's last day.
- 从重处罚 (penalty), mandatory: required when illegal or unlawful; satisfied by
  fine_yuan ≥ the ceiling (fine_max_yuan, else the statutory range of penalty_article).
- 停产整顿 (suspend), mandatory: required when unlawful and closure is not required;
  satisfied by suspended or closed (closure subsumes suspension).
- 厉行问责 (accountability), mandatory: required when criminal; satisfied by transferred.
- 按日连续处罚 (第一百一十二条), discretionary: `eligible_daily_fine_from` only.

The repeat windows: a case requires closure when its enterprise's penalised
major-hazard cases (`four_musts.repeat_windows`: 3 within 180 days, 4 within 365 by
default, of any year) or, in a sector with its own window, the distinct days its 重大
hazards were found (`four_musts.sector_repeat_windows`: 煤矿, 2 within 3 months from
2024-05-01) reach the window's count up to and including the case's ``found_on``.
Each window applies by the value in force on the case's own day.  The counts are
computed per enterprise with a sort and two binary searches per window, so the plan
stays vectorised at any scale.

A case is compliant when every mandatory measure required is satisfied.  Data that
cannot show a measure is a gap, never compliance: a missing fine or fine ceiling is a
gap ("罚款金额缺失" / "处罚上限数据缺失") wherever 从重处罚 is required.  Each gap is
also a 0-point line item (subject "case"); the points are taken in the annual
assessment (section B1), not here.

>>> import datetime as dt, polars as pl
>>> from accountability.rulebook import rulebook
>>> cases = pl.LazyFrame({"case_id": ["C1"], "enterprise_id": ["E1"],
...     "found_on": [dt.date(2024, 3, 1)], "illegal": [True], "unlawful": [False],
...     "failed_rectification": [False], "criminal": [False], "major_hazard": [False],
...     "suspended": [False], "closed": [False], "fine_yuan": [50000.0],
...     "fine_max_yuan": [100000.0], "transferred": [False]})
>>> row = required_measures(cases, rulebook().for_year(2024)).collect().row(0, named=True)
>>> row["required_close"], row["required_penalty"], row["compliant"]
(True, True, False)
>>> row["gaps"]
['非法生产未关闭取缔', '未按上限处罚: 罚款 5万元, 上限 10万元']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
import polars as pl

from accountability.accidents import grade_accidents, grade_at_least
from accountability.arguments import as_dataset, as_rulebook, as_year
from accountability.columns import LevelDtype, with_optional_columns
from accountability.dataset import WARNINGS_SCHEMA, Dataset, warning
from accountability.dates import default_year
from accountability.engine import ENGINE
from accountability.lineitems import concat_line_items, empty_line_items
from accountability.outputs import OUTPUTS
from accountability.regions import ancestors
from accountability.rulebook import Rulebook, RulesAt
from accountability.rules.conditions import in_population
from accountability.rules.four_musts import (
    BAR_KEY,
    KINDS_KEY,
    MAJOR_ACCIDENT_KEY,
    NOTICE_2012,
    REPEAT_KEY,
    Measure,
    RepeatWindow,
    repeat_windows,
    windows_in_force,
)
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY
from accountability.scorers.fine_ranges import statutory_ceilings

__all__ = [
    "CASE_COLUMNS",
    "GAP_COLUMNS",
    "NOTICE_2012",
    "REPEAT_KEY",
    "FourMustsResult",
    "RepeatWindow",
    "four_musts",
    "penalised",
    "repeat_counts",
    "repeat_windows",
    "required_measures",
]

SCORER = "four_musts"
POPULATION_KEY = "four_musts.accident_population"
DEPARTMENTS_KEY = "sectors.departments"

# Kinds of gap, one count column each in the roll-ups (and a Boolean per case).
GAP_COLUMNS: tuple[str, ...] = (
    "gap_not_closed",
    "gap_penalty_below_max",
    "gap_penalty_unknown",
    "gap_not_suspended",
    "gap_not_transferred",
)

# The case frame's leading columns; then one `repeat_fines_<days>` per repeat window.
CASE_COLUMNS: tuple[str, ...] = tuple(OUTPUTS["cases"].columns)

_STATS_COLUMNS: tuple[str, ...] = (
    "cases",
    "cases_requiring",
    "compliant",
    "compliance_rate",
    "noncompliant_case_ids",
    *GAP_COLUMNS,
)

_IDS = pl.List(pl.String())


# --- the vectorised core -----------------------------------------------------------------


def _events_in_windows(
    cases: pl.LazyFrame, events: pl.LazyFrame, windows: Sequence[RepeatWindow]
) -> pl.LazyFrame:
    """One column per window (`window.column`, Int64): the number of `events`
    (enterprise_id, _day) of the case's enterprise from the window's first day to the
    case's found_on, both included (0 where the enterprise is unknown).  The rows keep
    their order.

    Vectorised, with no join: cases and events are stacked and sorted by enterprise
    (hash, then id) and day; each enterprise's run of rows gets a block number, and a key
    block · 2³² + day (+2³¹) orders all rows.  The events' keys form a sorted haystack;
    a window's count is the number of haystack keys in [first day's key, key] — two
    binary searches (`search_sorted`) per case.
    """
    block = (
        (pl.col("enterprise_id") != pl.col("enterprise_id").shift()).fill_null(True).cum_sum()
    ).cast(pl.Int64) * 2**32

    def day_number(day: pl.Expr) -> pl.Expr:  # in [0, 2³²): Date is Int32 days
        return day.cast(pl.Int64) + 2**31

    queries = cases.select(
        pl.int_range(pl.len()).alias("_row"),
        "enterprise_id",
        pl.col("found_on").alias("_day"),
        pl.lit(False).alias("_q"),
    )
    stacked = pl.concat(
        [
            queries,
            events.select(
                pl.lit(None, pl.Int64()).alias("_row"),
                pl.col("enterprise_id").cast(pl.String()),
                pl.col("_day").cast(pl.Date()),
                pl.lit(True).alias("_q"),
            ),
        ],
        how="vertical",
    )
    keyed = (
        # the hash first only makes the sort cheaper; ids stay contiguous on a collision
        stacked.sort(pl.col("enterprise_id").hash(), "enterprise_id", "_day")
        .with_columns(block.alias("_block"), day_number(pl.col("_day")).alias("_dayno"))
        .with_columns((pl.col("_block") + pl.col("_dayno")).alias("_key"))
    )
    haystack = pl.col("_key").filter(pl.col("_q"))  # sorted, as the rows are
    upto = haystack.search_sorted(pl.col("_key"), side="right").cast(pl.Int64)

    def since(window: RepeatWindow) -> pl.Expr:
        # the lowest key in the window, never below the enterprise's own block
        if window.unit == "months":
            first = day_number(window.lower(pl.col("_day")))
        else:
            first = pl.col("_dayno") - window.span
        lower = pl.col("_block") + first.clip(lower_bound=0)
        return haystack.search_sorted(lower, side="left").cast(pl.Int64)

    counts = (
        keyed.select(
            "_row",
            "_q",
            *[
                pl.when(pl.col("enterprise_id").is_null())
                .then(pl.lit(0, pl.Int64))
                .otherwise(upto - since(w))
                .alias(w.column)
                for w in windows
            ],
        )
        .filter(~pl.col("_q"))
        .sort("_row")
        .drop("_row", "_q")
    )
    return pl.concat([cases, counts], how="horizontal")


def penalised(kinds: Sequence[str]) -> pl.Expr:
    """A case that counts for the repeat rule: a major hazard, a known enterprise and a
    penalty of one of `kinds` (a fine being fine_yuan > 0 or 罚款 among its kinds)."""
    kinds = list(kinds)
    listed = pl.col("penalty_kinds").list.eval(pl.element().cast(pl.String()).is_in(kinds))
    parts = [listed.list.any().fill_null(False)]
    if "罚款" in kinds:
        parts.append((pl.col("fine_yuan") > 0).fill_null(False))
    return pl.col("major_hazard") & pl.col("enterprise_id").is_not_null() & pl.any_horizontal(parts)


def repeat_counts(
    cases: pl.LazyFrame,
    windows: Sequence[RepeatWindow],
    *,
    kinds: Sequence[str] = ("罚款",),
    hazards: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Add one Int64 column per distinct window column (`repeat_fines_<days>`,
    `repeat_findings_<n>m`, …): for penalty windows, the number of the enterprise's
    penalised major-hazard cases (`penalised(kinds)`) found in the window up to and
    including each case's `found_on` (any year among the rows given; same-day cases
    included); for finding windows, the number of distinct days a 重大 hazard of the
    enterprise was found in the window (`hazards`: null counts without it).  0 where
    the enterprise is unknown.  The rows keep their order.
    """
    by_column: dict[str, RepeatWindow] = {}
    for w in windows:
        by_column.setdefault(w.column, w)
    penalty = [w for w in by_column.values() if w.counting == "penalties"]
    finding = [w for w in by_column.values() if w.counting == "findings"]
    if penalty:
        if "penalty_kinds" not in cases.collect_schema().names():
            cases = cases.with_columns(pl.lit(None, pl.List(pl.String())).alias("penalty_kinds"))
        events = cases.filter(penalised(kinds)).select(
            "enterprise_id", pl.col("found_on").alias("_day")
        )
        cases = _events_in_windows(cases, events, penalty)
    if finding and hazards is not None:
        found = (
            hazards.filter((pl.col("level") == "重大") & pl.col("enterprise_id").is_not_null())
            .select("enterprise_id", pl.col("found_on").alias("_day"))
            .join(cases.select("enterprise_id").unique(), on="enterprise_id", how="semi")
            .unique()
        )
        cases = _events_in_windows(cases, found, finding)
    elif finding:
        cases = cases.with_columns(pl.lit(None, pl.Int64()).alias(w.column) for w in finding)
    return cases


@attrs.frozen
class _Gap:
    """One gap of a measure record, compiled: condition, text, rule id, basis."""

    kind: str  # a GAP_COLUMNS entry
    rule_id: str
    when: pl.Expr
    text: pl.Expr
    basis: str
    ground: pl.Expr | None
    ground_text: str
    bars_principal: bool


def _gaps(
    rules_at: RulesAt, windows: Sequence[RepeatWindow], registry: Registry = REGISTRY
) -> list[_Gap]:
    """The gaps of every mandatory 四个一律 record, in the order a case lists them."""
    ctx = Context.of(rules_at, rules_at.day.year)  # the gaps read only rule values
    return [
        _Gap(
            gap.kind,
            rule.id,
            gap.when(ctx),
            gap.text(ctx),
            "；".join(b for b in (gap.law, rule.basis(rules_at) if gap.cites_params else "") if b),
            gap.ground(ctx) if gap.ground is not None else None,
            gap.ground_text,
            gap.bars_principal,
        )
        for rule in registry.of(SCORER)
        if rule.compute.mandatory
        for gap in rule.compute.gaps_for(windows)
    ]


def _discretionary(registry: Registry = REGISTRY) -> list[tuple[str, Measure]]:
    return [
        (rule.id, rule.compute)
        for rule in registry.of(SCORER)
        if not rule.compute.mandatory and rule.compute.eligible is not None
    ]


# Joins the gap texts of a case and splits them again: much faster in polars than
# building the list with concat_list.  Gap texts never hold this character.
_SEP = "\x1f"


def _text_list(texts: list[pl.Expr]) -> pl.Expr:
    """List[String] of the non-null texts, in order (an empty list when none)."""
    joined = pl.concat_str(texts, separator=_SEP, ignore_nulls=True) if texts else pl.lit("")
    return (
        pl.when(joined == "")
        .then(pl.lit([], pl.List(pl.String())))
        .otherwise(joined.str.split(_SEP))
    )


def _major_accidents(
    cases: pl.LazyFrame, accidents: pl.LazyFrame | None, book: Rulebook, rules_at: RulesAt
) -> pl.LazyFrame:
    """`_major_accidents` (List[String], sorted): the enterprise's 重大 or worse
    accidents of the population, on or before the case's day, that 第一百一十三条第三项
    counts — those marked `lacked_conditions`, or all of them under the switch."""
    empty = pl.lit([], pl.List(pl.String())).alias("_major_accidents")
    if accidents is None:
        return cases.with_columns(empty)
    accidents = with_optional_columns(accidents, "accidents")
    names = accidents.collect_schema().names()
    flags = rules_at[POPULATION_KEY] if POPULATION_KEY in book else ["liability"]
    assumed = bool(rules_at[MAJOR_ACCIDENT_KEY]) if MAJOR_ACCIDENT_KEY in book else False
    counted = (
        grade_accidents(accidents, book)
        .filter(
            in_population(flags, names)
            & grade_at_least(pl.col("grade"), "重大")
            & pl.col("enterprise_id").is_not_null()
            & (pl.lit(assumed) | pl.col("lacked_conditions").fill_null(False))
        )
        .select("enterprise_id", "accident_id", "occurred_on")
    )
    rows = cases.with_row_index("_case_row")
    found = (
        rows.select("_case_row", "enterprise_id", "found_on")
        .join(counted, on="enterprise_id", how="inner")
        .filter(pl.col("occurred_on") <= pl.col("found_on"))
        .group_by("_case_row")
        .agg(pl.col("accident_id").unique().sort().alias("_major_accidents"))
    )
    return (
        rows.join(found, on="_case_row", how="left")
        .sort("_case_row")
        .drop("_case_row")
        .with_columns(pl.col("_major_accidents").fill_null(pl.lit([], pl.List(pl.String()))))
    )


def _with_gaps(
    cases: pl.LazyFrame,
    rules_at: RulesAt,
    keep: pl.Expr | None = None,
    *,
    start: dt.date | None = None,
    enterprises: pl.LazyFrame | None = None,
    hazards: pl.LazyFrame | None = None,
    accidents: pl.LazyFrame | None = None,
    materialise: bool = False,
) -> tuple[pl.LazyFrame, list[RepeatWindow], pl.LazyFrame]:
    """required_measures plus the internal columns (kept for line items), the windows
    in force and the warnings of the statutory fine ranges; `rules_at.day` is the
    period's last day.  `materialise`: the counted cases are computed once, here, so
    that the cases and the warnings built on them do not each count them again."""
    book, end = rules_at.rulebook, rules_at.day
    windows = list(windows_in_force(book, start, end))
    kinds = rules_at[KINDS_KEY] if KINDS_KEY in book else ["罚款"]
    frame = with_optional_columns(cases, "cases")
    sector_known = enterprises is not None and "sector" in enterprises.collect_schema().names()
    if enterprises is not None and sector_known and any(w.sector != "*" for w in windows):
        sectors = enterprises.group_by("enterprise_id").agg(
            pl.col("sector").cast(pl.String()).min().alias("_sector")
        )
        frame = frame.join(sectors, on="enterprise_id", how="left", maintain_order="left")
    else:
        frame = frame.with_columns(pl.lit(None, pl.String()).alias("_sector"))
    frame = repeat_counts(frame, windows, kinds=kinds, hazards=hazards)
    for column in dict.fromkeys(w.column for w in windows):
        users = [w for w in windows if w.column == column]
        if any(w.sector != "*" or w.since or w.until for w in users):
            applies = pl.any_horizontal([w.applies() for w in users])
            frame = frame.with_columns(pl.when(applies).then(pl.col(column)).alias(column))
    if keep is not None:  # the rows to assess, once every row has been counted
        frame = frame.filter(keep)
    if materialise:
        frame = frame.collect(engine=ENGINE).lazy()
    frame, warnings = statutory_ceilings(frame, book)
    frame = _major_accidents(frame, accidents, book, rules_at)
    proposed = (
        pl.col("closure_proposed_on")
        .is_between(pl.col("found_on"), pl.lit(end), closed="both")
        .fill_null(False)
    )
    frame = frame.with_columns(
        (pl.col("closed") | proposed).alias("taken_close"),
        proposed.alias("_proposed"),
    )
    gaps = _gaps(rules_at, windows)
    grounds = [g for g in gaps if g.ground is not None]
    required_close = pl.any_horizontal([g.ground for g in grounds] or [pl.lit(False)])
    bars = [g.ground for g in grounds if g.bars_principal]
    years = int(rules_at[BAR_KEY]) if BAR_KEY in book else 5
    bar_from = (
        pl.when(pl.col("closure_proposed_on") >= pl.col("found_on"))
        .then(pl.col("closure_proposed_on"))
        .otherwise(pl.col("found_on"))
    )
    frame = frame.with_columns(
        required_close.alias("required_close"),
        (pl.col("illegal") | pl.col("unlawful")).alias("required_penalty"),
        pl.col("criminal").alias("required_accountability"),
        # Null where either amount is missing: the data cannot show the measure.
        (pl.col("fine_yuan") >= pl.col("fine_max_yuan")).alias("taken_penalty"),
        pl.col("suspended").alias("taken_suspend"),
        pl.col("transferred").alias("taken_accountability"),
        _text_list([pl.when(g.ground).then(pl.lit(g.ground_text)) for g in grounds]).alias(
            "closure_grounds"
        ),
        pl.when(pl.any_horizontal(bars or [pl.lit(False)]))
        .then(bar_from.dt.offset_by(f"{years}y") - pl.duration(days=1))
        .otherwise(pl.lit(None, pl.Date()))
        .alias("principal_barred_until"),
        *[m.eligible(Context.of(rules_at, end.year)).alias(m.column) for _, m in _discretionary()],
    )
    frame = frame.with_columns(
        # Closure subsumes suspension: where closure is required, suspension is not.
        (pl.col("unlawful") & ~pl.col("required_close")).alias("required_suspend"),
    )
    required = ["required_close", "required_penalty", "required_suspend", "required_accountability"]
    satisfied = [
        ~pl.col("required_close") | pl.col("taken_close"),
        ~pl.col("required_penalty") | pl.col("taken_penalty").fill_null(False),
        ~pl.col("required_suspend") | pl.col("taken_suspend") | pl.col("closed"),
        ~pl.col("required_accountability") | pl.col("taken_accountability"),
    ]
    kinds_of_gap = {g.kind: pl.lit(False) for g in gaps}
    for g in gaps:
        kinds_of_gap[g.kind] = kinds_of_gap[g.kind] | g.when
    frame = frame.with_columns(
        pl.any_horizontal(required).alias("requires_measure"),
        pl.all_horizontal(satisfied).alias("compliant"),
        _text_list([pl.when(g.when).then(g.text) for g in gaps]).alias("gaps"),
        *[expr.alias(kind) for kind, expr in kinds_of_gap.items()],
    )
    return frame, windows, warnings


def required_measures(
    cases: pl.LazyFrame,
    rules_at: RulesAt,
    *,
    enterprises: pl.LazyFrame | None = None,
    hazards: pl.LazyFrame | None = None,
    accidents: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """Add, for every case given (no year filter: the repeat rule looks at all of them),
    one repeat-count column per window (`repeat_fines_<days>`, `repeat_findings_3m`…),
    `required_close`, `required_penalty`, `required_suspend`, `required_accountability`,
    `taken_close` (closed, or closure proposed between found_on and `rules_at.day`),
    `taken_penalty` (fine_yuan ≥ fine_max_yuan; null when either is missing),
    `taken_suspend` (suspended), `taken_accountability` (transferred),
    `closure_grounds`, `principal_barred_until`, `eligible_daily_fine_from`,
    `requires_measure`, `compliant`, `gaps` (List[String], Chinese) and one Boolean per
    gap kind (`gap_not_closed`, `gap_penalty_below_max`, `gap_penalty_unknown`,
    `gap_not_suspended`, `gap_not_transferred`).  One lazy plan; the rows keep their order.

    Needs the `cases` columns enterprise_id, found_on, illegal, unlawful,
    failed_rectification, criminal, major_hazard, suspended, closed, fine_yuan,
    fine_max_yuan, transferred (the optional ones at their defaults when absent).
    `enterprises` (their sector), `hazards` (重大 findings) and `accidents`
    (第一百一十三条第三项) feed the rules that read them.  Windows apply by each
    case's own day.  See the module docstring for an example.
    """
    frame, _, _ = _with_gaps(
        cases, rules_at, enterprises=enterprises, hazards=hazards, accidents=accidents
    )
    return frame.drop("_proposed", "_sector", "_major_accidents")


# --- the scorer ----------------------------------------------------------------------------


def _empty_by_region_department() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "region_code": pl.String(),
            "name": pl.String(),
            "level": LevelDtype,
            "department": pl.String(),
            **_stats_schema(),
        }
    )


def _stats_schema() -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {
        "cases": pl.Int64(),
        "cases_requiring": pl.Int64(),
        "compliant": pl.Int64(),
        "compliance_rate": pl.Float64(),
        "noncompliant_case_ids": _IDS,
    }
    schema.update({col: pl.Int64() for col in GAP_COLUMNS})
    return schema


@attrs.frozen
class FourMustsResult:
    """四个一律 for one year.

    - `cases`: one row per case found in `year`, sorted by case_id: CASE_COLUMNS
      then `repeat_fines_<days>` per rulebook window (180 and 365 by default).
    - `by_region`: every region of `regions` (and any case region_code not in it, with
      name and level null), its own cases and those of every region below it: region_code,
      name, level, cases, cases_requiring, compliant (cases requiring a measure that
      took all of them), compliance_rate (compliant ÷ cases_requiring, null when 0),
      noncompliant_case_ids (sorted), and the GAP_COLUMNS counts (cases with such a gap).
    - `by_department`: the same figures per department (every department of the
      rulebook's `sectors.departments` map appears, and every department in the cases).
    - `line_items`: one 0-point line item per gap (subject_type "case").
    - `by_region_department`: the figures per (rolled-up region, department) pair with
      at least one case.
    """

    cases: pl.DataFrame
    by_region: pl.DataFrame
    by_department: pl.DataFrame
    line_items: pl.DataFrame
    by_region_department: pl.DataFrame = attrs.field(factory=_empty_by_region_department)
    year: int | None = None
    rulebook_fingerprint: str | None = None
    warnings: pl.DataFrame = attrs.field(factory=lambda: pl.DataFrame(schema=WARNINGS_SCHEMA))

    def __repr__(self) -> str:
        from accountability import display

        return display.text(self)

    def _repr_html_(self) -> str:
        from accountability import display

        return display.html(self)


def _stats(frame: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    """The roll-up figures of the cases in `frame` grouped by `keys`."""
    failing = pl.col("requires_measure") & ~pl.col("compliant")
    passing = pl.col("requires_measure") & pl.col("compliant")
    return (
        frame.group_by(keys)
        .agg(
            pl.len().cast(pl.Int64).alias("cases"),
            pl.col("requires_measure").sum().cast(pl.Int64).alias("cases_requiring"),
            passing.sum().cast(pl.Int64).alias("compliant"),
            pl.col("case_id").filter(failing).sort().alias("noncompliant_case_ids"),
            *[pl.col(c).sum().cast(pl.Int64) for c in GAP_COLUMNS],
        )
        .with_columns(_rate())
    )


def _rate() -> pl.Expr:
    return (
        pl.when(pl.col("cases_requiring") > 0)
        .then(pl.col("compliant") / pl.col("cases_requiring"))
        .otherwise(pl.lit(None, pl.Float64()))
        .alias("compliance_rate")
    )


def _fill_zero_stats(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Zeros (and an empty id list) for subjects with no case."""
    return frame.with_columns(
        *[pl.col(c).fill_null(0) for c in ("cases", "cases_requiring", "compliant", *GAP_COLUMNS)],
        pl.col("noncompliant_case_ids").fill_null(pl.lit([], _IDS)),
    ).with_columns(_rate())


def _line_items(year_cases: pl.LazyFrame, gaps: Sequence[_Gap]) -> pl.LazyFrame:
    parts = [
        year_cases.filter(g.when).select(
            pl.lit("case").alias("subject_type"),
            pl.col("case_id").alias("subject_id"),
            pl.lit(SCORER).alias("scorer"),
            pl.lit(g.rule_id).alias("rule_id"),
            pl.lit(0.0).alias("points"),
            g.text.alias("reason"),
            pl.lit(g.basis).alias("basis"),
            pl.concat_list(pl.col("case_id")).alias("evidence"),
        )
        for g in gaps
    ]
    return concat_line_items(*parts) if parts else empty_line_items().lazy()


def _department_names(rules_at: RulesAt) -> list[str]:
    if DEPARTMENTS_KEY not in rules_at.rulebook:
        return []
    value: Any = rules_at[DEPARTMENTS_KEY]
    return sorted(str(k) for k in value) if isinstance(value, dict) else []


def four_musts(
    data: Dataset, rules: Rulebook | None = None, year: int | None = None
) -> FourMustsResult:
    """四个一律 for the cases found in `year` (default: the last calendar year ended by
    `data.as_of`, as in dual_duty and enterprise_ratings).

    Needs `cases`; uses `enterprises` for names and `regions` for the roll-up when
    present (without `regions`, by_region holds each case region_code's own cases).
    The repeat rule counts the enterprise's fined major-hazard cases of any year.
    Rule values are those in force on 31 December of `year`.

    >>> import accountability as acc                                   # doctest: +SKIP
    >>> result = four_musts(data, acc.rulebook(), 2024)                # doctest: +SKIP
    >>> result.by_region.select("region_code", "compliance_rate")      # doctest: +SKIP
    """
    data = as_dataset(data, "four_musts")
    year = as_year(year, default_year(data.as_of))
    book = as_rulebook(rules, "four_musts")
    period = Context.for_year(book, year)
    rules_at = period.rules

    all_cases = data.lazy("cases", needed_by="四个一律")
    year_start, year_end = period.start, period.end
    enterprises = data.lazy("enterprises") if data.has("enterprises") else None
    # Events after the year's end cannot reach a case of the year.
    full, windows, ceiling_warnings = _with_gaps(
        all_cases.filter(pl.col("found_on") <= year_end),
        rules_at,
        keep=pl.col("found_on") >= year_start,
        start=year_start,
        enterprises=enterprises,
        hazards=data.lazy("hazards") if data.has("hazards") else None,
        accidents=data.lazy("accidents") if data.has("accidents") else None,
        materialise=True,
    )
    if enterprises is not None:
        names = (  # one name per id whatever the row order (ids are unique once loaded)
            enterprises.group_by("enterprise_id").agg(pl.col("name").min().alias("enterprise_name"))
        )
        full = full.join(names, on="enterprise_id", how="left")
    else:
        full = full.with_columns(pl.lit(None, pl.String()).alias("enterprise_name"))
    year_cases = full.sort("case_id").collect(engine=ENGINE).lazy()

    case_columns = [*CASE_COLUMNS, *dict.fromkeys(w.column for w in windows)]
    cases_out = year_cases.select(case_columns)

    # by region: each case counted in its own region and every region above it.
    regions = data.get("regions")
    if regions is not None:
        anc = ancestors(regions).select("region_code", pl.col("ancestor_code").alias("_rollup"))
        rolled = year_cases.join(anc, on="region_code", how="left").with_columns(
            pl.coalesce("_rollup", "region_code").alias("_rollup")
        )
        region_rows = regions.lazy().select("region_code", "name", pl.col("level").cast(LevelDtype))
    else:
        rolled = year_cases.with_columns(pl.col("region_code").alias("_rollup"))
        region_rows = pl.LazyFrame(
            schema={"region_code": pl.String(), "name": pl.String(), "level": LevelDtype}
        )
    stats = _stats(rolled, ["_rollup"]).rename({"_rollup": "region_code"})
    unknown = stats.join(region_rows, on="region_code", how="anti").select("region_code")
    by_region = (
        pl.concat([region_rows, unknown], how="diagonal")
        .join(stats, on="region_code", how="left")
        .pipe(_fill_zero_stats)
        .select("region_code", "name", "level", *_STATS_COLUMNS)
        .sort("region_code")
    )

    dept_stats = _stats(year_cases, ["department"])
    known = pl.LazyFrame(
        {"department": _department_names(rules_at)}, schema={"department": pl.String()}
    )
    by_department = (
        pl.concat([known, dept_stats.select("department")])
        .unique()
        .join(dept_stats, on="department", how="left")
        .pipe(_fill_zero_stats)
        .select("department", *_STATS_COLUMNS)
        .sort("department")
    )

    by_region_department = (
        _stats(rolled, ["_rollup", "department"])
        .rename({"_rollup": "region_code"})
        .join(region_rows, on="region_code", how="left")
        .select("region_code", "name", "level", "department", *_STATS_COLUMNS)
        .sort("region_code", "department")
    )

    items = _line_items(year_cases, _gaps(rules_at, windows))
    cases_df, region_df, dept_df, region_dept_df, items_df, warnings_df = pl.collect_all(
        [cases_out, by_region, by_department, by_region_department, items, ceiling_warnings],
        engine=ENGINE,
    )
    if not data.has("hazards") and any(w.counting == "findings" for w in windows):
        warnings_df = pl.concat([warnings_df, _no_findings_warning(windows)], how="vertical")
    return FourMustsResult(
        cases=cases_df,
        by_region=region_df,
        by_department=dept_df,
        line_items=items_df,
        by_region_department=region_dept_df,
        year=year,
        rulebook_fingerprint=book.fingerprint,
        warnings=warnings_df,
    )


def _no_findings_warning(windows: Sequence[RepeatWindow]) -> pl.DataFrame:
    """One warning: a window counts hazard findings and there is no hazards table."""
    named = "、".join(
        dict.fromkeys(
            f"{w.sector}{w.within}{w.count}次" for w in windows if w.counting == "findings"
        )
    )
    return warning(
        "hazards",
        "findings_window_without_hazards",
        f"无事故隐患表：按发现重大隐患次数计的关闭窗口（{named}）无法适用，相关案件未判定应否关闭",
    )
