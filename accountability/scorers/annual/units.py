"""Departments (省直、市直部门) and state-owned enterprises assessed beside the regions.

A region's government assesses its own departments and the state-owned enterprises it
lists, as well as the regions below it.  The rulebook decides what a unit answers for
and what follows:

- **Who is assessed.**  A department of a region is a (region_code, department) pair
  of the officials table whose department the sector map ``sectors.departments`` knows;
  a state-owned enterprise is a row of the optional table ``assessed_enterprises``
  (enterprise_id, the assessing region_code, optionally the sectors it is assessed on).
- **Which accidents.**  A department answers for the accidents of the sectors the map
  gives it, in its region and every region below (管行业必须管安全); an enterprise for
  its own accidents (only those of its listed sectors, when it lists any).  The
  population (``annual.accident_population``), the period, pull-ins and the
  concealment look-back are the regions'.
- **Decisions.**  Their own veto and yellow-card tables (``annual.veto_department``,
  ``annual.yellow_card_state_enterprise``, …; empty by default), entry by entry as a
  region's (`accountability.rules.decisions`); a department's switch leaves out the
  accidents without 监管责任 (``accidents.supervisory_responsibility`` false).
- **Score.**  Only from the rules ``annual.unit_rules`` lists for the kind (A4, A5:
  counts of the unit's accidents; none by default): ``annual.base`` plus their points,
  never below 0 (one ``clip`` line item); graded by ``annual.grade_bands``; a veto
  gives the worst grade (``veto_if_grade`` and ``veto_effect`` as for regions).
  Without a score there is no grade, no rank and no award by rank.
- **Rank and awards.**  Among the departments of one region, and among the
  enterprises one region assesses, vetoed last; ``annual.awards`` entries whose
  ``levels`` name ``部门`` or ``企业``.

>>> import datetime as dt, polars as pl
>>> from accountability.dataset import Dataset
>>> from accountability.rulebook import rulebook
>>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
...     "parent_code": [None], "level": ["市"]}, schema_overrides={"parent_code": pl.String})
>>> officials = pl.DataFrame({"official_id": ["G1"], "region_code": ["430900"],
...     "department": ["应急管理局"]})
>>> data = Dataset(tables={"regions": regions, "officials": officials},
...     as_of=dt.date(2025, 1, 1))
>>> units = assessed_units(data, rulebook(), 2024)
>>> units.departments.select("region_code", "department", "vetoed").row(0)
('430900', '应急管理局', False)
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import polars as pl

from accountability.accidents import grade_at_least
from accountability.columns import TABLES, with_optional_columns
from accountability.dataset import Dataset
from accountability.engine import ENGINE
from accountability.errors import RulebookError
from accountability.lineitems import LINE_ITEM_SCHEMA, concat_line_items
from accountability.outputs import OUTPUTS
from accountability.regions import Hierarchy, rolled, sorted_ids
from accountability.rulebook import Rulebook
from accountability.rules.conditions import in_population
from accountability.rules.decisions import UNIT_KINDS, all_decision_entries
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY, unit_scorable_rules
from accountability.scorers.annual.compile import compile_rule
from accountability.scorers.annual.finishing import (
    _awards,
    _decision_conditions,
    _decision_items,
    _fold,
    _triggered,
    _unknown_concealer_conditions,
    as_items,
    band_index,
    order_index,
    veto_by_grade_columns,
)
from accountability.scorers.annual.inputs import population_of, prepare_accidents
from accountability.wording import formatted, number

__all__ = ["UNIT_RULES", "UnitsResult", "assessed_units"]

UNIT_RULES = "annual.unit_rules"
_IDS = pl.List(pl.String())
_EMPTY_IDS = pl.lit([], dtype=_IDS)
_NOUNS = {"department": "部门", "state_enterprise": "国有企业"}


@attrs.frozen
class UnitsResult:
    """The assessed departments and state-owned enterprises (`OUTPUTS`
    ``assessed_departments`` and ``assessed_enterprises``) and their line items."""

    departments: pl.DataFrame
    enterprises: pl.DataFrame
    line_items: pl.DataFrame


def _declared(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=OUTPUTS[name].dtypes)


def _department_list(data: Dataset, sector_map: Mapping[str, list[str]]) -> pl.DataFrame:
    """(region_code, department, sectors, unit_id): the departments the officials table
    names at each region, where the sector map knows the department."""
    schema = {
        "region_code": pl.String(),
        "department": pl.String(),
        "sectors": pl.List(pl.String()),
    }
    if not data.has("officials") or not sector_map:
        return pl.DataFrame(schema=schema).with_columns(pl.lit("").alias("unit_id")).clear()
    mapped = pl.DataFrame(
        {"department": list(sector_map), "sectors": [list(v) for v in sector_map.values()]},
        schema={"department": pl.String(), "sectors": pl.List(pl.String())},
    )
    return (
        data.table("officials")
        .lazy()
        .select(pl.col("region_code").cast(pl.String), pl.col("department").cast(pl.String))
        .drop_nulls()
        .unique()
        .join(mapped.lazy(), on="department", how="inner")
        .with_columns(
            formatted("{}:{}", pl.col("region_code"), pl.col("department")).alias("unit_id")
        )
        .sort("region_code", "department")
        .collect(engine=ENGINE)
    )


def _enterprise_list(data: Dataset) -> pl.DataFrame:
    """(enterprise_id, region_code, name, sectors, unit_id) of ``assessed_enterprises``."""
    if not data.has("assessed_enterprises"):
        return pl.DataFrame(
            schema={
                "enterprise_id": pl.String(),
                "region_code": pl.String(),
                "name": pl.String(),
                "sectors": pl.List(pl.String()),
                "unit_id": pl.String(),
            }
        )
    rows = with_optional_columns(data.table("assessed_enterprises").lazy(), "assessed_enterprises")
    names = (
        data.table("enterprises")
        .lazy()
        .select(pl.col("enterprise_id").cast(pl.String), pl.col("name").cast(pl.String))
        if data.has("enterprises")
        else pl.LazyFrame(schema={"enterprise_id": pl.String(), "name": pl.String()})
    )
    return (
        rows.select(
            pl.col("enterprise_id").cast(pl.String),
            pl.col("region_code").cast(pl.String),
            pl.col("sectors").cast(pl.List(pl.String())),
        )
        .join(names, on="enterprise_id", how="left")
        .select(
            "enterprise_id",
            "region_code",
            "name",
            "sectors",
            pl.col("enterprise_id").alias("unit_id"),
        )
        .sort("enterprise_id")
        .collect(engine=ENGINE)
    )


def _unit_links(units: pl.DataFrame) -> Hierarchy:
    """Units as a flat hierarchy: each its own roll-up (nothing is above a unit)."""
    codes = units.lazy().select(
        pl.col("unit_id").alias("region_code"), pl.lit(None, pl.String).alias("parent_code")
    )
    return Hierarchy(
        codes=codes,
        up=codes.select("region_code", pl.col("region_code").alias("rollup_code")),
    )


def _department_accidents(
    accs: pl.LazyFrame, departments: pl.DataFrame, links: Hierarchy
) -> pl.LazyFrame:
    """Each accident once per department answering for it (its `region_code` becomes
    the department's unit id): the accident's sector is one of the department's, its
    region the department's or one below."""
    answerable = (
        departments.lazy()
        .explode("sectors")
        .select(
            pl.col("region_code").alias("rollup_code"),
            pl.col("sectors").alias("sector"),
            "unit_id",
        )
    )
    return (
        accs.with_columns(pl.col("sector").cast(pl.String))
        .join(links.up, on="region_code", how="inner")
        .join(answerable, on=["rollup_code", "sector"], how="inner")
        .drop("rollup_code", "region_code")
        .rename({"unit_id": "region_code"})
    )


def _enterprise_accidents(accs: pl.LazyFrame, enterprises: pl.DataFrame) -> pl.LazyFrame:
    """Each accident of an assessed enterprise, in its listed sectors when it lists any
    (its `region_code` becomes the enterprise's unit id)."""
    listed = enterprises.lazy().select(
        pl.col("enterprise_id"), pl.col("sectors").alias("_sectors"), "unit_id"
    )
    sector = pl.col("sector").cast(pl.String)
    in_scope = (
        pl.col("_sectors").is_null()
        | (pl.col("_sectors").list.len() == 0)
        | pl.col("_sectors").list.contains(sector)
    ).fill_null(False)
    return (
        accs.with_columns(pl.col("enterprise_id").cast(pl.String))
        .join(listed, on="enterprise_id", how="inner")
        .filter(in_scope)
        .drop("_sectors", "region_code")
        .rename({"unit_id": "region_code"})
    )


def _figures(rows: pl.LazyFrame, links: Hierarchy, ctx: Context, suffix: str) -> pl.LazyFrame:
    """Per unit: the period's accidents of the population (`_counted`) and their deaths
    with their ids, what each entry of its kind's veto and yellow-card tables counts,
    and for each award that forbids a grade, the accidents of its own population."""
    in_period = pl.col("_in_period")
    counted = pl.col("_counted") & in_period
    counts: dict[str, pl.Expr] = {
        "accidents": counted.sum(),
        "deaths": pl.col("d").filter(counted).sum(),
    }
    ids: dict[str, pl.Expr] = {"evidence": sorted_ids("accident_id", counted)}
    awards = ctx["annual.awards"] if "annual.awards" in ctx.rules.rulebook else []
    for i, award in enumerate(awards):
        if "forbidden_grade" in award:
            population = tuple(str(f) for f in award.get("population", ["liability"]))
            worse = (
                in_population(population)
                & in_period
                & grade_at_least(pl.col("grade"), str(award["forbidden_grade"])).fill_null(False)
            )
            counts[f"award_n_{i}"] = worse.sum()
            ids[f"award_ids_{i}"] = sorted_ids("accident_id", worse)
    for entry in all_decision_entries(ctx, (suffix,)):
        cond = entry.condition() & pl.col("_counted")
        counts[f"n_{entry.name}"] = cond.sum()
        ids[f"ids_{entry.name}"] = sorted_ids("accident_id", cond)
        unknown = entry.unknown_by()
        if unknown is not None:
            unknown = unknown & pl.col("_counted")
            counts[f"unknown_{entry.name}"] = unknown.sum()
            ids[f"unknown_ids_{entry.name}"] = sorted_ids("accident_id", unknown)
    return rolled(rows, links, counts=counts, ids=ids)


def _rule_ids(ctx: Context, kind: str) -> list[str]:
    """The rules ``annual.unit_rules`` lists for `kind`, each one a unit can be scored by."""
    listed = (
        [str(r) for r in (ctx[UNIT_RULES].get(kind) or [])]
        if UNIT_RULES in ctx.rules.rulebook
        else []
    )
    usable = unit_scorable_rules()
    for rule_id in listed:
        if rule_id not in usable:
            raise RulebookError(
                f"{UNIT_RULES}.{kind}：规则 {rule_id!r} 不能按部门、国有企业负责的事故计分，"
                f"可用 {list(usable)} (rule {rule_id!r} cannot score a unit)"
            )
    return listed


def _scored_items(
    rows: pl.LazyFrame, links: Hierarchy, ctx: Context, rule_ids: list[str], registry: Registry
) -> pl.LazyFrame:
    """The line items of the listed rules, one per unit and rule, in the registry's order."""
    counted = rows.filter(pl.col("_counted"))
    parts = [
        as_items(compile_rule(registry[r], {"accidents": counted}, links, ctx)) for r in rule_ids
    ]
    items = pl.concat(parts)
    return items.sort("region_code", order_index(registry), "reason", "points", "basis")


def _finish(
    frame: pl.LazyFrame,
    items: pl.LazyFrame | None,
    ctx: Context,
    suffix: str,
    registry: Registry,
) -> tuple[pl.LazyFrame, list[pl.LazyFrame]]:
    """Score (base + points, clipped at 0), grade, veto, yellow card, rank and awards of
        the units in `frame` (region_code = unit id, parent_code = assessing region).  A unit
    without a score is still eligible for awards unless vetoed, though no award by rank
    can reach it."""
    p = ctx.rules
    base = float(p["annual.base"])
    level_of = {suffix: next(k for k, v in UNIT_KINDS.items() if v == suffix)}
    levels = {level_of[suffix]: suffix}
    basis = {rule.id: rule.basis(p) for rule in registry.of("annual")}
    out_items: list[pl.LazyFrame] = []
    if items is None:
        frame = frame.with_columns(pl.lit(None, pl.Float64).alias("score"))
    else:
        total = items.group_by("region_code", maintain_order=True).agg(
            pl.col("points").alias("_points")
        )
        # base plus each point in the canonical order, then the clip at 0
        run = (
            frame.select("region_code")
            .join(total, on="region_code", how="left")
            .with_columns(_fold(pl.lit(base), pl.col("_points")).alias("_t"))
            .with_columns(pl.when(pl.col("_t") < 0).then(-pl.col("_t")).alias("_clip"))
        )
        out_items.append(items)
        out_items.append(
            as_items(
                run.filter(pl.col("_clip").is_not_null()).select(
                    "region_code",
                    pl.lit("clip").alias("rule_id"),
                    pl.col("_clip").alias("points"),
                    formatted("合计 {} 分，低于 0 分，记为 0 分", number(pl.col("_t"))).alias(
                        "reason"
                    ),
                    pl.lit(basis["clip"]).alias("basis"),
                    _EMPTY_IDS.alias("evidence"),
                )
            )
        )
        frame = frame.join(
            run.select(
                "region_code",
                pl.when(pl.col("_clip").is_not_null())
                .then(pl.col("_t") + pl.col("_clip"))
                .otherwise(pl.col("_t"))
                .alias("score"),
            ),
            on="region_code",
            how="left",
        )

    veto_conditions = _decision_conditions(ctx, "veto", "一票否决", levels)
    yellow_conditions = _decision_conditions(ctx, "yellow_card", "黄牌警告", levels)
    vetoed, veto_reasons = _triggered(veto_conditions)
    yellow, yellow_reasons = _triggered(yellow_conditions)
    bands = p["annual.grade_bands"]
    names = [str(b["grade"]) for b in bands]
    worst = len(names) - 1
    scored = pl.col("score").is_not_null()
    band_name = pl.col("gi").replace_strict(list(range(len(names))), names, return_dtype=pl.String)
    veto_grades = (
        [str(g) for g in p["annual.veto_if_grade"]] if "annual.veto_if_grade" in p.rulebook else []
    )
    zero_on = p["annual.veto_effect"] == "zero"
    frame = (
        frame.with_columns(pl.lit(level_of[suffix]).alias("level"))
        .with_columns(
            vetoed.fill_null(False).alias("vetoed"),
            veto_reasons.alias("veto_reasons"),
            yellow.fill_null(False).alias("yellow_card"),
            yellow_reasons.alias("yellow_card_reasons"),
            band_index(bands, pl.col("score").round(6)).alias("gi"),
        )
        .with_columns(
            (scored & ~pl.col("vetoed") & band_name.is_in(veto_grades))
            .fill_null(False)
            .alias("veto_by_grade")
        )
        .with_columns(
            *veto_by_grade_columns(band_name),
            pl.col("score").alias("score_before_zero"),
        )
        .with_columns(
            pl.when(pl.col("vetoed")).then(pl.lit(worst)).otherwise(pl.col("gi")).alias("gi"),
            pl.when(pl.lit(zero_on) & pl.col("vetoed") & scored & (pl.col("score") != 0))
            .then(-pl.col("score"))
            .alias("zero"),
        )
        .with_columns(
            pl.when(pl.col("zero").is_not_null())
            .then(pl.lit(0.0))
            .otherwise(pl.col("score"))
            .alias("score"),
        )
        .with_columns(
            pl.when(scored).then(band_name).alias("grade"),
            pl.when(scored)
            .then(
                pl.struct(pl.col("vetoed"), -pl.col("score").round(6))
                .rank("min")
                .over(pl.col("parent_code"), scored)
                .cast(pl.Int64)
            )
            .alias("rank"),
        )
    )
    frame, award_items = _awards(
        frame,
        ctx,
        basis,
        scored,
        noun=_NOUNS[suffix],
        listed_only=True,
        unscored_eligible=True,
        peers="同一地区考核的",
    )
    out_items += [
        *_decision_items(frame, veto_conditions, "veto.unit"),
        *_decision_items(frame, yellow_conditions, "yellow_card.unit"),
        *_decision_items(
            frame,
            [
                *_unknown_concealer_conditions(ctx, "veto", "一票否决", levels),
                *_unknown_concealer_conditions(ctx, "yellow_card", "黄牌警告", levels),
            ],
            "decision.unknown_concealer",
        ),
        *_decision_items(
            frame,
            [(
                pl.col("veto_by_grade"),
                formatted("考核等次为{}，实行一票否决", band_name),
                _EMPTY_IDS,
                basis["veto.grade"],
            )],
            "veto.grade",
        ),
        as_items(
            frame.filter(pl.col("zero").is_not_null()).select(
                "region_code",
                pl.lit("veto.zero").alias("rule_id"),
                pl.col("zero").alias("points"),
                formatted(
                    "一票否决，得分 {} 分记为 0 分", number(pl.col("score_before_zero"))
                ).alias("reason"),
                pl.lit(basis["veto.zero"]).alias("basis"),
                _EMPTY_IDS.alias("evidence"),
            )
        ),
        *award_items,
    ]  # fmt: skip
    return frame, out_items


def _assess_kind(
    units: pl.DataFrame,
    rows: pl.LazyFrame,
    ctx: Context,
    suffix: str,
    output: str,
    registry: Registry,
    region_levels: pl.LazyFrame,
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(the output frame, the line items) of one kind of unit; `region_levels`
    (region_code, level) gives each assessing region's level."""
    links = _unit_links(units)
    rule_ids = _rule_ids(ctx, suffix)
    items = _scored_items(rows, links, ctx, rule_ids, registry) if rule_ids else None
    frame = (
        units.lazy()
        .rename({"unit_id": "_unit"})
        .with_columns(pl.col("region_code").alias("parent_code"), pl.col("_unit").alias("_id"))
        .drop("region_code")
        .rename({"_id": "region_code"})
        .join(_figures(rows, links, ctx, suffix), on="region_code", how="left")
        .join(
            region_levels.select(
                pl.col("region_code").alias("parent_code"),
                pl.col("level").cast(pl.String).alias("assessor_level"),
            ),
            on="parent_code",
            how="left",
        )
    )
    frame, items_out = _finish(frame, items, ctx, suffix, registry)
    columns = OUTPUTS[output].dtypes
    out = frame.drop("region_code").rename({"parent_code": "region_code"})
    out = out.select([pl.col(c).cast(t) for c, t in columns.items()])
    parts = [i.lazy() for i in items_out]
    li = (
        pl.concat(parts, how="vertical").select(
            pl.lit(suffix).alias("subject_type"),
            pl.col("region_code").alias("subject_id"),
            pl.lit("annual").alias("scorer"),
            "rule_id",
            "points",
            "reason",
            "basis",
            "evidence",
        )
        if parts
        else pl.LazyFrame(schema=LINE_ITEM_SCHEMA)
    )
    return out, li


def assessed_units(
    data: Dataset,
    rules: Rulebook,
    year: int,
    *,
    registry: Registry = REGISTRY,
) -> UnitsResult:
    """The annual assessment of departments and state-owned enterprises for `year`
    (see the module's text): `assessed_departments` and `assessed_enterprises`, one row
    per unit, and their line items."""
    ctx = Context.for_year(rules, year)
    p = ctx.rules
    departments = _department_list(data, p["sectors.departments"])
    enterprises = _enterprise_list(data)
    if departments.is_empty() and enterprises.is_empty():
        return UnitsResult(
            departments=_declared("assessed_departments"),
            enterprises=_declared("assessed_enterprises"),
            line_items=pl.DataFrame(schema=LINE_ITEM_SCHEMA),
        )
    raw = data.get("accidents")
    if raw is None:
        raw = pl.DataFrame(schema=TABLES["accidents"].dtypes)
    # every accident, marked with the annual population (`_counted`): an award may count
    # a wider one
    accs = (
        prepare_accidents(with_optional_columns(raw.lazy(), "accidents"), rules, ())
        .filter(ctx.accidents_decided())
        .with_columns(
            ctx.accidents_in_period().alias("_in_period"),
            in_population(population_of(ctx)).alias("_counted"),
        )
        .cache()
    )
    links = Hierarchy.of(data.table("regions"))
    region_levels = data.table("regions").lazy().select("region_code", "level")
    dep_frame, dep_items = _assess_kind(
        departments.select("region_code", "department", "sectors", "unit_id"),
        _department_accidents(accs, departments, links),
        ctx,
        "department",
        "assessed_departments",
        registry,
        region_levels,
    )
    ent_frame, ent_items = _assess_kind(
        enterprises,
        _enterprise_accidents(accs, enterprises),
        ctx,
        "state_enterprise",
        "assessed_enterprises",
        registry,
        region_levels,
    )
    dep_out, ent_out, items = pl.collect_all(
        [
            dep_frame.sort("region_code", "department"),
            ent_frame.sort("enterprise_id"),
            concat_line_items(dep_items, ent_items).select(list(LINE_ITEM_SCHEMA)),
        ],
        engine=ENGINE,
    )
    return UnitsResult(departments=dep_out, enterprises=ent_out, line_items=items)
