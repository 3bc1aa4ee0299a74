"""The shared inputs of the annual assessment: each table once, in the form the rules
read it, plus the accident figures that A1, A3 and the decisions share, and what the
control targets (A1, A3, A6) are measured against: the period's figure of every target
indicator and, for a target written as a decline in %, the baseline year's.

`frames(...)` gives the mapping a rule's `Count`, `Share` or `Formula` reads by table
name; a table that is absent is an empty frame with its columns, so that a plan can
always be built (the sections whose tables are missing are not assessed).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from accountability.accidents import counted_deaths, grade_accidents, grade_at_least
from accountability.codes import (
    ACCIDENT_GRADES,
    GRADE_COUNT_INDICATORS,
    SECTOR_DEATHS_PREFIX,
)
from accountability.columns import TABLES, with_optional_columns
from accountability.engine import ENGINE
from accountability.outputs import OUTPUTS
from accountability.regions import Hierarchy, rolled, sorted_ids
from accountability.rulebook import Rulebook
from accountability.rules.annual import A3_INDICATORS
from accountability.rules.conditions import in_population
from accountability.rules.decisions import all_decision_entries
from accountability.rules.model import Context

__all__ = [
    "accident_figures",
    "frames",
    "indicator_counts",
    "own_targets",
    "population_of",
    "prepare_accidents",
    "region_stats",
    "rows_in_period",
    "target_baselines",
    "target_rows",
]

Frame = pl.DataFrame | pl.LazyFrame


def _has_col(frame: Frame, name: str) -> bool:
    if isinstance(frame, pl.DataFrame):
        return name in frame.columns
    return name in frame.collect_schema().names()


def _empty(table: str) -> pl.LazyFrame:
    return pl.LazyFrame(schema=TABLES[table].dtypes)


POPULATION = "annual.accident_population"


def prepare_accidents(
    accidents: Frame, rules: Rulebook, population: tuple[str, ...] = ("liability",)
) -> pl.LazyFrame:
    """The accidents of the rules' population (``annual.accident_population``: liability
    accidents by default), with `grade` and counted deaths `d` (missing persons with
    deaths while the switch is on), each by the rules in force on its date."""
    # a frame built in code may leave out optional columns the rules read (pull-in
    # flags, concealment_confirmed_on): they take their defaults, as a loaded file's do
    lf = with_optional_columns(accidents.lazy(), "accidents")
    names = lf.collect_schema().names()
    lf = lf.filter(in_population(population, names))
    lf = grade_accidents(lf, rules).with_columns(counted_deaths(rules).cast(pl.Int64).alias("d"))
    return lf.with_columns(
        pl.col("region_code").cast(pl.String), pl.col("accident_id").cast(pl.String)
    )


# The event date that places a row of each dated table in a period (a deadline is no
# event; adjustments never count).
DATED: dict[str, tuple[str, ...]] = {
    "accidents": ("occurred_on",),
    "cases": ("found_on",),
    "inspections": ("inspected_on",),
    "hazards": ("found_on",),
    "duty_records": ("year",),
    "work_items": ("year",),
    "targets": ("year",),
    "region_stats": ("year",),
}


def rows_in_period(tables: Mapping[str, Frame], ctx: Context) -> dict[str, int]:
    """For each dated table given, how many of its rows fall in the period (a row of a
    table keyed by year: its `year` is the period's)."""
    plans = []
    names = [name for name in DATED if name in tables]
    for name in names:
        cols = DATED[name]
        hit = (
            pl.col("year") == ctx.year
            if cols == ("year",)
            else pl.any_horizontal([ctx.within(c) for c in cols])
        )
        plans.append(tables[name].lazy().select(hit.fill_null(False).sum().alias("n")))
    counts = pl.collect_all(plans, engine=ENGINE) if plans else []
    return {name: int(frame["n"].item()) for name, frame in zip(names, counts, strict=True)}


def population_of(ctx: Context) -> tuple[str, ...]:
    """The accident flags the annual rules count (liability where the rulebook is silent)."""
    return tuple(ctx[POPULATION]) if POPULATION in ctx.rules.rulebook else ("liability",)


_FIGURES_INPUT = {
    "region_code": pl.String(),
    "accident_id": pl.String(),
    "sector": pl.String(),
    "occurred_on": pl.Date(),
    "d": pl.Int64(),
    "grade": pl.Enum(ACCIDENT_GRADES),
    "reported_late": pl.Boolean(),
    "concealed": pl.Boolean(),
    "falsely_reported": pl.Boolean(),
    "omitted": pl.Boolean(),
    "concealed_by": pl.String(),
    "local_responsibility": pl.Boolean(),
    "concealment_confirmed_on": pl.Date(),
    "impact_severe": pl.Boolean(),
}


def accident_figures(accs: pl.LazyFrame | None, links: Hierarchy, ctx: Context) -> pl.LazyFrame:
    """Per region (and below), the period's liability accidents: counted deaths (A1),
    the A3 numerators, counts by grade-or-worse (veto, yellow card, grade cap) and
    concealed accidents, each with its accident ids."""
    rows = accs if accs is not None else pl.LazyFrame(schema=_FIGURES_INPUT)
    names = rows.collect_schema().names()
    rows = rows.with_columns(
        pl.lit(None, dtype=_FIGURES_INPUT[c]).alias(c) for c in _FIGURES_INPUT if c not in names
    )
    # the period's accidents (A1, A3), and with them the concealments confirmed in it
    # (the decisions)
    rows = rows.filter(ctx.accidents_decided()).with_columns(
        ctx.accidents_in_period().alias("_in_period")
    )
    in_period = pl.col("_in_period")
    fatal = (pl.col("d") > 0) & in_period
    concealed = pl.col("concealed").fill_null(False)
    counts: dict[str, pl.Expr] = {"deaths": pl.col("d").filter(in_period).sum()}
    ids: dict[str, pl.Expr] = {"deaths_ids": sorted_ids("accident_id", fatal)}
    for key, _label, group, _factor, _denom in A3_INDICATORS:
        cond = (
            pl.lit(True)
            if group is None
            else pl.col("sector").cast(pl.String).is_in(list(ctx[group]))
        )
        counts[f"num_{key}"] = pl.col("d").filter(cond & in_period).sum()
        ids[f"ev_{key}"] = sorted_ids("accident_id", cond & fatal)
    for g in ACCIDENT_GRADES:
        cond = grade_at_least(pl.col("grade"), g)
        counts[f"ge_{g}"] = cond.sum()
        ids[f"ids_{g}"] = sorted_ids("accident_id", cond)
    counts["concealed_n"] = concealed.sum()
    ids["concealed_ids"] = sorted_ids("accident_id", concealed)
    # what each entry of the veto and yellow-card tables counts
    for entry in all_decision_entries(ctx):
        cond = entry.condition()
        counts[f"n_{entry.name}"] = cond.sum()
        ids[f"ids_{entry.name}"] = sorted_ids("accident_id", cond)
        unknown = entry.unknown_by()
        if unknown is not None:
            counts[f"unknown_{entry.name}"] = unknown.sum()
            ids[f"unknown_ids_{entry.name}"] = sorted_ids("accident_id", unknown)
    return rolled(rows, links, counts=counts, ids=ids)


def own_targets(targets: Frame | None, year: int) -> pl.LazyFrame:
    """The year's targets, one column `limit_<indicator>` each (the region's own row)."""
    indicators = ["deaths", *[key for key, *_ in A3_INDICATORS]]
    schema = {"region_code": pl.String(), "indicator": pl.String(), "limit": pl.Float64()}
    rows = (
        pl.LazyFrame(schema=schema)
        if targets is None
        else targets.lazy()
        .filter(pl.col("year") == year)
        .select(
            pl.col("region_code").cast(pl.String),
            pl.col("indicator").cast(pl.String),
            pl.col("limit").cast(pl.Float64),
        )
    )
    # (region, year, indicator) is the table's key: at most one value per column
    return rows.group_by("region_code").agg(
        [
            pl.col("limit").filter(pl.col("indicator") == key).first().alias(f"limit_{key}")
            for key in indicators
        ]
    )


_TARGET_ROWS = {
    "region_code": pl.String(),
    "indicator": pl.String(),
    "limit": pl.Float64(),
    "limit_kind": pl.String(),
    "baseline_year": pl.Int64(),
}
_COUNTS = {
    "region_code": pl.String(),
    "indicator": pl.String(),
    "n": pl.Int64(),
    "ids": pl.List(pl.String()),
}
_BASELINES = {
    "region_code": pl.String(),
    "indicator": pl.String(),
    "baseline_year": pl.Int64(),
    "base_n": pl.Int64(),
    "base_data": pl.Boolean(),
    "base_den": pl.Float64(),
    "base_label": pl.String(),
}


def target_rows(targets: Frame | None, year: int) -> pl.LazyFrame:
    """The year's targets, one row per (region, indicator), the region's own rows:
    region_code, indicator, limit, limit_kind (``absolute`` where the table leaves it
    empty or lacks the column) and baseline_year."""
    if targets is None:
        return pl.LazyFrame(schema=_TARGET_ROWS)
    rows = with_optional_columns(targets.lazy(), "targets").filter(pl.col("year") == year)
    return (
        rows.select(
            pl.col("region_code").cast(pl.String),
            pl.col("indicator").cast(pl.String),
            pl.col("limit").cast(pl.Float64),
            pl.col("limit_kind").cast(pl.String).fill_null("absolute"),
            pl.col("baseline_year").cast(pl.Int64),
        )
        # (region, year, indicator) is the table's key: at most one row each
        .group_by("region_code", "indicator")
        .agg(pl.all().first())
        .select(list(_TARGET_ROWS))
    )


def _rate_condition(group: str | None, ctx: Context) -> pl.Expr:
    """The accidents whose deaths an A3 rate counts (its sector group, or every one)."""
    if group is None:
        return pl.lit(True)
    return pl.col("sector").cast(pl.String).is_in(list(ctx[group])).fill_null(False)


def indicator_counts(accs: pl.LazyFrame | None, links: Hierarchy, ctx: Context) -> pl.LazyFrame:
    """Per region (and below) and target indicator, the period's figure `n` and the
    accidents behind it `ids` (long: region_code, indicator, n, ids; a region and
    indicator without any accident has no row), from the prepared accidents (the
    rules' population) of `ctx`'s period (`Context.accidents_in_period`, as A1 counts
    deaths):

    - ``deaths``: counted deaths; ``deaths:<sector>``: counted deaths in the sector;
    - ``larger_accidents``, ``major_accidents``, ``extraordinary_accidents``: accidents
      of exactly that grade (较大 起数 counts 较大 accidents, not 重大 ones);
    - each A3 rate: its numerator, the counted deaths of its sectors.

    Each accident is paired with the indicators it counts for, so the rows are grouped
    once; the ids of a deaths figure are its fatal accidents."""
    rows = accs if accs is not None else pl.LazyFrame(schema=_FIGURES_INPUT)
    names = rows.collect_schema().names()
    rows = rows.with_columns(
        pl.lit(None, dtype=_FIGURES_INPUT[c]).alias(c) for c in _FIGURES_INPUT if c not in names
    ).filter(ctx.accidents_in_period())
    sector = pl.col("sector").cast(pl.String)
    by_grade = {grade: key for key, grade in GRADE_COUNT_INDICATORS.items()}
    of_deaths = [
        pl.lit("deaths"),
        pl.concat_str(pl.lit(SECTOR_DEATHS_PREFIX), sector),
        *[
            pl.when(_rate_condition(group, ctx)).then(pl.lit(key))
            for key, _label, group, _factor, _denom in A3_INDICATORS
        ],
    ]
    grade_key = pl.col("grade").cast(pl.String).replace_strict(by_grade, default=None)
    deaths = rows.select(
        "region_code", "accident_id", pl.col("d").alias("value"),
        pl.concat_list(of_deaths).alias("indicator"),
    ).explode("indicator")  # fmt: skip
    counted = rows.select(
        "region_code", "accident_id", pl.lit(1, pl.Int64).alias("value"),
        grade_key.alias("indicator"),
    )  # fmt: skip
    own = (
        pl.concat([deaths, counted.with_columns(pl.lit(True).alias("count"))], how="diagonal")
        .filter(pl.col("indicator").is_not_null())
        .with_columns(pl.col("count").fill_null(False))
        .group_by("region_code", "indicator")
        .agg(
            pl.col("value").sum().alias("n"),
            pl.col("accident_id")
            .filter(pl.col("count") | (pl.col("value") > 0))
            .unique()
            .sort()
            .alias("ids"),
        )
    )
    return (
        own.join(links.up, on="region_code", how="inner")
        .group_by("rollup_code", "indicator")
        .agg(
            pl.col("n").sum(),
            pl.col("ids").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
        )
        .rename({"rollup_code": "region_code"})
        .select([pl.col(c).cast(t) for c, t in _COUNTS.items()])
    )


def _denominators(stats: Frame | None, year: int) -> pl.LazyFrame:
    """The A3 denominators of `year`, long: region_code, indicator (the rate), base_den."""
    own = region_stats(stats, year)
    return pl.concat(
        [
            own.select(
                "region_code", pl.lit(key).alias("indicator"), pl.col(denom).alias("base_den")
            )
            for key, _label, _group, _factor, denom in A3_INDICATORS
        ]
    )


def _period_name(ctx: Context) -> str:
    """ "2023 年", or "2023 年度（2022-12-01 至 2023-11-30）" for another period."""
    return ctx.label if ctx.calendar_year else f"{ctx.year} 年度（{ctx.label}）"


def target_baselines(
    accidents: Frame | None,
    prepared: pl.LazyFrame | None,
    stats: Frame | None,
    rows: pl.LazyFrame,
    links: Hierarchy,
    ctx: Context,
) -> pl.LazyFrame:
    """What each of the year's targets written as a decline in % (``limit_kind =
    decline_pct``, `rows` as `target_rows` gives them) is measured against, per
    (region, indicator, baseline year): the baseline year's figure `base_n`, counted as
    the year's (`indicator_counts` over the assessment period of the baseline year,
    `Context.for_year`, and the same accidents); `base_data`, whether the accidents
    table (`accidents`, raw) has any row in that period; `base_den`, a rate's
    denominator in the region's own ``region_stats`` row of the baseline year (null for
    a count, or where there is none); `base_label`, the period as people read it.

    The baseline years are the distinct years the targets name (a small collect of
    the targets): each one's period and pull-in rules come from the rulebook."""
    declines = rows.filter(
        (pl.col("limit_kind") == "decline_pct") & pl.col("baseline_year").is_not_null()
    ).select("region_code", "indicator", "baseline_year")
    years = (
        declines.select(pl.col("baseline_year").unique().sort()).collect(engine=ENGINE).to_series()
    )
    raw = accidents.lazy() if accidents is not None else _empty("accidents")
    parts = []
    for year in (int(y) for y in years):
        base = Context.for_year(ctx.rules.rulebook, year)
        has_data = raw.filter(base.within("occurred_on")).select((pl.len() > 0).alias("base_data"))
        counts = indicator_counts(prepared, links, base).select(
            "region_code", "indicator", pl.col("n").alias("base_n")
        )
        parts.append(
            declines.filter(pl.col("baseline_year") == year)
            .join(counts, on=["region_code", "indicator"], how="left")
            .join(has_data, how="cross")
            .join(_denominators(stats, year), on=["region_code", "indicator"], how="left")
            .with_columns(
                pl.col("base_n").fill_null(0), pl.lit(_period_name(base)).alias("base_label")
            )
            .select([pl.col(c).cast(t) for c, t in _BASELINES.items()])
        )
    return pl.concat(parts) if parts else pl.LazyFrame(schema=_BASELINES)


def region_stats(stats: Frame | None, year: int) -> pl.LazyFrame:
    """The year's A3 denominators, the region's own row."""
    denominators = [ind[4] for ind in A3_INDICATORS]
    if stats is None:
        return pl.LazyFrame(
            schema={"region_code": pl.String(), **{c: pl.Float64() for c in denominators}}
        )
    return (
        stats.lazy()
        .filter(pl.col("year") == year)
        .select(
            pl.col("region_code").cast(pl.String),
            *[pl.col(c).cast(pl.Float64) for c in denominators],
        )
    )


def _enterprises(enterprises: Frame) -> pl.LazyFrame:
    lf = enterprises.lazy()
    if not _has_col(enterprises, "status"):
        lf = lf.with_columns(pl.lit("在营").alias("status"))
    if not _has_col(enterprises, "closed_on"):
        lf = lf.with_columns(pl.lit(None, dtype=pl.Date).alias("closed_on"))
    return lf.with_columns(
        pl.col("region_code").cast(pl.String), pl.col("enterprise_id").cast(pl.String)
    )


def _cases(cases: Frame) -> pl.LazyFrame:
    return cases.lazy().select(
        pl.col("case_id").cast(pl.String),
        pl.col("region_code").cast(pl.String),
        pl.col("requires_measure").cast(pl.Boolean),
        pl.col("compliant").cast(pl.Boolean),
    )


def _officials(officials: Frame) -> pl.LazyFrame:
    return officials.lazy().select(
        pl.col("official_id").cast(pl.String),
        pl.col("region_code").cast(pl.String),
        pl.col("fulfilment").cast(pl.Float64),
    )


def _hazards(hazards: Frame) -> pl.LazyFrame:
    return with_optional_columns(hazards.lazy(), "hazards").with_columns(
        pl.col("hazard_id").cast(pl.String), pl.col("region_code").cast(pl.String)
    )


def _summons_events(events: Frame) -> pl.LazyFrame:
    """The columns of ``summons_events`` that D2 reads."""
    return events.lazy().select([pl.col(c).cast(t) for c, t in _SUMMONS_EVENTS.items()])


_SUMMONS_EVENTS = {
    "triggered_on": pl.Date(),
    "region_code": pl.String(),
    "step": pl.String(),
    "rule_id": pl.String(),
    "evidence": pl.List(pl.String()),
}
_CASES = {"case_id": pl.String(), "region_code": pl.String(),
          "requires_measure": pl.Boolean(), "compliant": pl.Boolean()}  # fmt: skip
_OFFICIALS = {"official_id": pl.String(), "region_code": pl.String(), "fulfilment": pl.Float64()}


def frames(
    rules: Rulebook,
    ctx: Context,
    links: Hierarchy,
    *,
    accidents: Frame | None = None,
    prepared: pl.LazyFrame | None = None,
    figures: pl.LazyFrame | None = None,
    targets: Frame | None = None,
    stats: Frame | None = None,
    cases: Frame | None = None,
    inspections: Frame | None = None,
    enterprises: Frame | None = None,
    hazards: Frame | None = None,
    officials: Frame | None = None,
    work_items: Frame | None = None,
    referral_gaps: Frame | None = None,
    summons_events: Frame | None = None,
) -> Mapping[str, pl.LazyFrame]:
    """Every table in the form the annual rules read it (an absent one empty).

    `cases` is the 四个一律 cases frame (case_id, region_code, requires_measure,
    compliant), `officials` the 一岗双责 officials frame (official_id, region_code,
    fulfilment) and `referral_gaps` the 应移送未移送 frame of
    `accountability.scorers.referrals`: section B and D read the results of those
    scorers; `summons_events` is the 约谈通报 events frame of `dual_duty` (triggered_on,
    region_code, step, rule_id, evidence), which D2 counts.  The control targets are
    read as `target_rows` (the year's targets, long), `target_counts`
    (`indicator_counts` of the period) and `target_baselines` (the baseline years'
    figures of the targets written as a decline in %)."""
    raw = accidents.lazy() if accidents is not None else _empty("accidents")
    population = population_of(ctx)
    if prepared is None:
        prepared = prepare_accidents(raw, rules, population)
    if figures is None:
        figures = accident_figures(prepared, links, ctx)
    rows = target_rows(targets, ctx.year)
    return {
        "region_up": links.up,
        "accidents_raw": raw,
        "accidents": prepared,
        "figures": figures,
        "targets": own_targets(targets, ctx.year),
        "region_stats": region_stats(stats, ctx.year),
        "target_rows": rows,
        "target_counts": indicator_counts(prepared, links, ctx),
        "target_baselines": target_baselines(accidents, prepared, stats, rows, links, ctx),
        "cases": _cases(cases) if cases is not None else pl.LazyFrame(schema=_CASES),
        "inspections": (inspections if inspections is not None else _empty("inspections")).lazy(),
        "enterprises": _enterprises(
            enterprises if enterprises is not None else _empty("enterprises")
        ),
        "hazards": _hazards(hazards if hazards is not None else _empty("hazards")),
        "officials": _officials(officials) if officials is not None
        else pl.LazyFrame(schema=_OFFICIALS),
        "work_items": (work_items if work_items is not None else _empty("work_items")).lazy(),
        "referral_gaps": (
            referral_gaps if referral_gaps is not None
            else pl.DataFrame(schema=OUTPUTS["referral_gaps"].dtypes)
        ).lazy(),
        "summons_events": _summons_events(summons_events) if summons_events is not None
        else pl.LazyFrame(schema=_SUMMONS_EVENTS),
    }  # fmt: skip


AWARDS = "annual.awards"


def award_figures(
    accidents: Frame | None, rules: Rulebook, links: Hierarchy, ctx: Context
) -> pl.LazyFrame:
    """Per region (and below), for each award of ``annual.awards`` that forbids a grade:
    the period's accidents of the award's population (default: liability accidents)
    of that grade or worse, `award_n_<i>`, and their ids, `award_ids_<i>`."""
    out = links.codes.select("region_code")
    awards = ctx[AWARDS] if AWARDS in ctx.rules.rulebook else []
    for i, award in enumerate(awards):
        if "forbidden_grade" not in award:
            continue
        n, ids = f"award_n_{i}", f"award_ids_{i}"
        if accidents is None:
            out = out.with_columns(
                pl.lit(0, pl.Int64).alias(n), pl.lit([], pl.List(pl.String())).alias(ids)
            )
            continue
        population = tuple(str(f) for f in award.get("population", ["liability"]))
        rows = prepare_accidents(accidents, rules, population).filter(ctx.accidents_in_period())
        worse = grade_at_least(pl.col("grade"), str(award["forbidden_grade"])).fill_null(False)
        per = rolled(
            rows, links, counts={n: worse.sum()}, ids={ids: sorted_ids("accident_id", worse)}
        )
        out = out.join(per, on="region_code", how="left")
    return out


def accident_inputs(
    accidents: Frame | None, rules: Rulebook, links: Hierarchy, ctx: Context
) -> tuple[pl.LazyFrame | None, pl.LazyFrame]:
    """The period's accidents prepared for counting (`prepare_accidents`, the rulebook's
    population) and each region's accident and award figures (`accident_figures`,
    `award_figures`), both cached: what the sections, the finishing steps and the
    sensitivity draws read.  None for the accidents when the table is absent."""
    prepared = (
        prepare_accidents(accidents, rules, population_of(ctx)).cache()
        if accidents is not None
        else None
    )
    figures = (
        accident_figures(prepared, links, ctx)
        .join(award_figures(accidents, rules, links, ctx), on="region_code", how="left")
        .cache()
    )
    return prepared, figures
