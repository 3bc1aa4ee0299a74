"""The shared inputs of the annual assessment: each table once, in the form the rules
read it, plus the accident figures that A1, A3 and the decisions share.

`frames(...)` gives the mapping a rule's `Count`, `Share` or `Formula` reads by table
name; a table that is absent is an empty frame with its columns, so that a plan can
always be built (the sections whose tables are missing are not assessed).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from accountability.accidents import counted_deaths, grade_accidents, grade_at_least
from accountability.codes import ACCIDENT_GRADES
from accountability.columns import TABLES, with_optional_columns
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
    "own_targets",
    "population_of",
    "prepare_accidents",
    "region_stats",
    "rows_in_period",
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
    lf = accidents.lazy()
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
    counts = pl.collect_all(plans) if plans else []
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
) -> Mapping[str, pl.LazyFrame]:
    """Every table in the form the annual rules read it (an absent one empty).

    `cases` is the 四个一律 cases frame (case_id, region_code, requires_measure,
    compliant), `officials` the 一岗双责 officials frame (official_id, region_code,
    fulfilment) and `referral_gaps` the 应移送未移送 frame of
    `accountability.scorers.referrals`: section B and D read the results of those
    scorers."""
    raw = accidents.lazy() if accidents is not None else _empty("accidents")
    population = population_of(ctx)
    if prepared is None:
        prepared = prepare_accidents(raw, rules, population)
    if figures is None:
        figures = accident_figures(prepared, links, ctx)
    return {
        "region_up": links.up,
        "accidents_raw": raw,
        "accidents": prepared,
        "figures": figures,
        "targets": own_targets(targets, ctx.year),
        "region_stats": region_stats(stats, ctx.year),
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
