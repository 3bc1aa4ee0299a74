"""四个一律: the measures each enforcement case required, whether they were taken.

The 2012 打非治违 notice (国办发明电〔2012〕10号) and 《安全生产法》(2021) 第一百一十三条;
the measures and their gaps are the records of `accountability.rules.four_musts`:

- 关闭取缔 (close): required when illegal, failed_rectification or the repeat rule;
  satisfied by closed.
- 从重处罚 (penalty): required when illegal or unlawful; satisfied by
  fine_yuan ≥ fine_max_yuan (fined at the upper limit).
- 停产整顿 (suspend): required when unlawful and closure is not required; satisfied
  by suspended or closed (closure subsumes suspension).
- 厉行问责 (accountability): required when criminal; satisfied by transferred.

The repeat rule: a case requires closure when its enterprise's fined major-hazard
cases (``major_hazard`` and ``fine_yuan > 0``), of any year, found in the N days up
to and including the case's ``found_on`` number at least the window's count (the
rulebook's ``four_musts.repeat_windows``: 3 within 180 days, 4 within 365 by
default).  Windows are inclusive: the earlier date is at most N days before the
later; cases on the same day count for each other; the case itself counts when it
qualifies.  The counts are computed per enterprise with cumulative sums and two
as-of joins per window, so the plan stays vectorised at any scale.

A case is compliant when every required measure is satisfied.  Data that cannot
show a measure is a gap, never compliance: a missing fine or fine ceiling is a gap
("罚款金额缺失" / "处罚上限数据缺失") wherever 从重处罚 is required.  Each gap is also
a 0-point line item (subject "case"); the points are taken in the annual
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

from collections.abc import Sequence
from typing import Any

import attrs
import polars as pl

from accountability.arguments import as_dataset, as_rulebook, as_year
from accountability.columns import LevelDtype
from accountability.dataset import WARNINGS_SCHEMA, Dataset
from accountability.dates import default_year
from accountability.lineitems import concat_line_items, empty_line_items
from accountability.outputs import OUTPUTS
from accountability.regions import ancestors
from accountability.rulebook import Rulebook, RulesAt
from accountability.rules.four_musts import (
    NOTICE_2012,
    REPEAT_KEY,
    RepeatWindow,
    repeat_windows,
)
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY

__all__ = [
    "CASE_COLUMNS",
    "GAP_COLUMNS",
    "NOTICE_2012",
    "REPEAT_KEY",
    "FourMustsResult",
    "RepeatWindow",
    "four_musts",
    "repeat_counts",
    "repeat_windows",
    "required_measures",
]

SCORER = "four_musts"
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


def repeat_counts(cases: pl.LazyFrame, windows: Sequence[RepeatWindow]) -> pl.LazyFrame:
    """Add `repeat_fines_<days>` (Int64) per window: the number of the enterprise's
    fined major-hazard cases found in the `days` days up to and including each case's
    `found_on` (any year among the rows given; same-day cases included; 0 where the
    enterprise is unknown).  The rows keep their order.

    Vectorised, with no join: the (row, enterprise_id, found_on) columns are sorted by
    enterprise (hash, then id) and day; each enterprise's run of rows gets a block number, and a key
    block · 2³² + day (+2³¹) orders all cases.  The keys of the qualifying cases form a
    sorted haystack; a window's count is the number of haystack keys in
    [key − days, key] — two binary searches (`search_sorted`) per case.
    """
    if not windows:
        return cases
    qualifies = (
        pl.col("major_hazard")
        & (pl.col("fine_yuan") > 0).fill_null(False)
        & pl.col("enterprise_id").is_not_null()
    )
    block = (
        (pl.col("enterprise_id") != pl.col("enterprise_id").shift()).fill_null(True).cum_sum()
    ).cast(pl.Int64) * 2**32
    day = pl.col("found_on").cast(pl.Int64) + 2**31  # in [0, 2³²): Date is Int32 days
    keyed = (
        cases.select(
            pl.int_range(pl.len()).alias("_row"), "enterprise_id", "found_on", qualifies.alias("_q")
        )
        # the hash first only makes the sort cheaper; ids stay contiguous on a collision
        .sort(pl.col("enterprise_id").hash(), "enterprise_id", "found_on")
        .with_columns(block.alias("_block"), day.alias("_day"))
        .with_columns((pl.col("_block") + pl.col("_day")).alias("_key"))
    )
    haystack = pl.col("_key").filter(pl.col("_q"))  # sorted, as the rows are
    upto = haystack.search_sorted(pl.col("_key"), side="right").cast(pl.Int64)

    def since(days: int) -> pl.Expr:
        # the lowest key in the window, never below the enterprise's own block
        lower = pl.col("_block") + (pl.col("_day") - days).clip(lower_bound=0)
        return haystack.search_sorted(lower, side="left").cast(pl.Int64)

    counts = (
        keyed.select(
            "_row",
            *[
                pl.when(pl.col("enterprise_id").is_null())
                .then(pl.lit(0, pl.Int64))
                .otherwise(upto - since(w.days))
                .alias(w.column)
                for w in windows
            ],
        )
        .sort("_row")
        .drop("_row")
    )
    return pl.concat([cases, counts], how="horizontal")


@attrs.frozen
class _Gap:
    """One gap of a measure record, compiled: condition, text, rule id, basis."""

    kind: str  # a GAP_COLUMNS entry
    rule_id: str
    when: pl.Expr
    text: pl.Expr
    basis: str


def _gaps(rules_at: RulesAt, registry: Registry = REGISTRY) -> list[_Gap]:
    """The gaps of every 四个一律 record, in the order a case lists them.  Needs the
    required_* columns (and `_repeat` and the repeat counts)."""
    ctx = Context.of(rules_at, rules_at.day.year)  # the gaps read only rule values
    return [
        _Gap(
            gap.kind,
            rule.id,
            gap.when(ctx),
            gap.text(ctx),
            "；".join(b for b in (gap.law, rule.basis(rules_at)) if b),
        )
        for rule in registry.of(SCORER)
        for gap in rule.compute.gaps
    ]


# Joins the gap texts of a case and splits them again: much faster in polars than
# building the list with concat_list.  Gap texts never hold this character.
_SEP = "\x1f"


def _gap_list(texts: list[pl.Expr]) -> pl.Expr:
    """List[String] of the non-null texts, in order (an empty list when none)."""
    joined = pl.concat_str(texts, separator=_SEP, ignore_nulls=True)
    return (
        pl.when(joined == "")
        .then(pl.lit([], pl.List(pl.String())))
        .otherwise(joined.str.split(_SEP))
    )


def _with_gaps(cases: pl.LazyFrame, rules_at: RulesAt, keep: pl.Expr | None = None) -> pl.LazyFrame:
    """required_measures plus the internal `_repeat` flag (kept for line items)."""
    windows = repeat_windows(rules_at)
    frame = repeat_counts(cases, windows)
    if keep is not None:  # the rows to assess, once every row has been counted
        frame = frame.filter(keep)
    repeat = pl.any_horizontal([pl.col(w.column) >= w.fines for w in windows] or [pl.lit(False)])
    frame = frame.with_columns(repeat.alias("_repeat")).with_columns(
        (pl.col("illegal") | pl.col("failed_rectification") | pl.col("_repeat")).alias(
            "required_close"
        ),
        (pl.col("illegal") | pl.col("unlawful")).alias("required_penalty"),
        pl.col("criminal").alias("required_accountability"),
        pl.col("closed").alias("taken_close"),
        # Null where either amount is missing: the data cannot show the measure.
        (pl.col("fine_yuan") >= pl.col("fine_max_yuan")).alias("taken_penalty"),
        pl.col("suspended").alias("taken_suspend"),
        pl.col("transferred").alias("taken_accountability"),
    )
    frame = frame.with_columns(
        # Closure subsumes suspension: where closure is required, suspension is not.
        (pl.col("unlawful") & ~pl.col("required_close")).alias("required_suspend"),
    )
    required = ["required_close", "required_penalty", "required_suspend", "required_accountability"]
    satisfied = [
        ~pl.col("required_close") | pl.col("taken_close"),
        ~pl.col("required_penalty") | pl.col("taken_penalty").fill_null(False),
        ~pl.col("required_suspend") | pl.col("taken_suspend") | pl.col("taken_close"),
        ~pl.col("required_accountability") | pl.col("taken_accountability"),
    ]
    gaps = _gaps(rules_at)
    kinds = {g.kind: pl.lit(False) for g in gaps}
    for g in gaps:
        kinds[g.kind] = kinds[g.kind] | g.when
    return frame.with_columns(
        pl.any_horizontal(required).alias("requires_measure"),
        pl.all_horizontal(satisfied).alias("compliant"),
        _gap_list([pl.when(g.when).then(g.text) for g in gaps]).alias("gaps"),
        *[expr.alias(kind) for kind, expr in kinds.items()],
    )


def required_measures(cases: pl.LazyFrame, rules_at: RulesAt) -> pl.LazyFrame:
    """Add, for every case given (no year filter: the repeat rule looks at all of them),
    `repeat_fines_<days>` per repeat window, `required_close`, `required_penalty`,
    `required_suspend`, `required_accountability`, `taken_close` (closed),
    `taken_penalty` (fine_yuan ≥ fine_max_yuan; null when either is missing),
    `taken_suspend` (suspended), `taken_accountability` (transferred),
    `requires_measure`, `compliant`, `gaps` (List[String], Chinese) and one Boolean per
    gap kind (`gap_not_closed`, `gap_penalty_below_max`, `gap_penalty_unknown`,
    `gap_not_suspended`, `gap_not_transferred`).  One lazy plan; the rows keep their order.

    Needs the `cases` columns enterprise_id, found_on, illegal, unlawful,
    failed_rectification, criminal, major_hazard, suspended, closed, fine_yuan,
    fine_max_yuan, transferred.  See the module docstring for an example.
    """
    return _with_gaps(cases, rules_at).drop("_repeat")


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
    windows = repeat_windows(rules_at)

    all_cases = data.lazy("cases", needed_by="四个一律")
    year_start, year_end = period.start, period.end
    # Events after the year's end cannot reach a case of the year.
    full = _with_gaps(
        all_cases.filter(pl.col("found_on") <= year_end),
        rules_at,
        keep=pl.col("found_on") >= year_start,
    )
    enterprises = data.get("enterprises")
    if enterprises is not None:
        names = (  # one name per id whatever the row order (ids are unique once loaded)
            enterprises.lazy()
            .group_by("enterprise_id")
            .agg(pl.col("name").min().alias("enterprise_name"))
        )
        full = full.join(names, on="enterprise_id", how="left")
    else:
        full = full.with_columns(pl.lit(None, pl.String()).alias("enterprise_name"))
    year_cases = full.sort("case_id").collect().lazy()

    case_columns = [*CASE_COLUMNS, *(w.column for w in windows)]
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

    items = _line_items(year_cases, _gaps(rules_at))
    cases_df, region_df, dept_df, region_dept_df, items_df = pl.collect_all(
        [cases_out, by_region, by_department, by_region_department, items]
    )
    return FourMustsResult(
        cases=cases_df,
        by_region=region_df,
        by_department=dept_df,
        line_items=items_df,
        by_region_department=region_dept_df,
        year=year,
        rulebook_fingerprint=book.fingerprint,
    )
