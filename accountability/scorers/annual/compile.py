"""Compile a rule record into the lazy plan of its line items.

`Count` and `Share` records are compiled here, the same way for every rule of that
kind; a `Formula` record builds its own plan.  Every plan gives one line item per
region (region_code, rule_id, points, reason, basis, evidence); the basis cites every
parameter the rule reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from accountability.regions import Hierarchy, rolled, sorted_ids
from accountability.rules.model import Context, Count, Formula, Registry, Rule, Share
from accountability.wording import deduct, deduction, formatted, number, number_text, percent

__all__ = ["ITEM_SCHEMA", "compile_rule", "empty_items", "scores_table", "section_items"]

ITEM_SCHEMA: dict[str, pl.DataType] = {
    "region_code": pl.String(),
    "rule_id": pl.String(),
    "points": pl.Float64(),
    "reason": pl.String(),
    "basis": pl.String(),
    "evidence": pl.List(pl.String()),
}
_EMPTY_IDS = pl.lit([], dtype=pl.List(pl.String()))


def empty_items() -> pl.LazyFrame:
    return pl.LazyFrame(schema=ITEM_SCHEMA)


def _text(value: object, ctx: Context) -> str:
    return value(ctx) if callable(value) else str(value)  # type: ignore[operator]


def _format(template: str, **columns: pl.Expr) -> pl.Expr:
    """`template` with named placeholders ("{n}", "{k}") filled from `columns`."""
    names = [name for name in columns if f"{{{name}}}" in template]
    positional = template.replace("{", "{{").replace("}", "}}")
    for name in names:
        positional = positional.replace(f"{{{{{name}}}}}", "{}")
    order = sorted(names, key=lambda name: template.index(f"{{{name}}}"))
    if not order:
        return pl.lit(template)
    return formatted(positional, *[columns[name] for name in order])


def _rows(spec: Count | Share, frames: Mapping[str, pl.LazyFrame], ctx: Context) -> pl.LazyFrame:
    return spec.rows(frames, ctx) if spec.rows is not None else frames[spec.table]


def _items(frame: pl.LazyFrame, rule: Rule, ctx: Context) -> pl.LazyFrame:
    return frame.select(
        pl.col("region_code").cast(pl.String),
        pl.lit(rule.id).alias("rule_id"),
        pl.col("points").cast(pl.Float64),
        pl.col("reason").cast(pl.String),
        pl.lit(rule.basis(ctx.rules), dtype=pl.String).alias("basis"),
        pl.col("evidence").cast(ITEM_SCHEMA["evidence"]),
    )


def _count(rule: Rule, spec: Count, frames, links: Hierarchy, ctx: Context) -> pl.LazyFrame:
    """ "points per counted thing" (A4, A5, C4)."""
    each = ctx[spec.points]
    what, none = spec.wording(ctx)
    per = rolled(
        _rows(spec, frames, ctx).filter(spec.when(ctx)),
        links,
        counts={"n": pl.len()},
        ids={"evidence": sorted_ids(spec.id_column, pl.lit(True))},
    ).with_columns(deduction(pl.col("n") * each).alias("points"))
    reason = (
        pl.when(pl.col("n") > 0)
        .then(
            formatted(
                f"{what} {{}} {spec.unit}，每{spec.unit}扣 {number_text(each)} 分，{{}}",
                pl.col("n"),
                deduct(pl.col("points")),
            )
        )
        .otherwise(pl.lit(none))
    )
    return per.with_columns(reason.alias("reason"))


def _share(rule: Rule, spec: Share, frames, links: Hierarchy, ctx: Context) -> pl.LazyFrame:
    """ "points × (1 − share)" or, with a target, "points × max(0, 1 − share ÷ target)";
    0 points and the `empty` note where nothing is counted."""
    # the conditions as columns first: a literal condition (every row counts) broadcasts
    flags = {"_counted": spec.counted(ctx), "_value": spec.value(ctx), "_failed": spec.failed(ctx)}
    if spec.left_out is not None:
        flags["_left_out"] = spec.left_out(ctx)
    rows = _rows(spec, frames, ctx).with_columns(**flags)
    counted = pl.col("_counted")
    ids = {"evidence": sorted_ids(spec.id_column, pl.col("_failed"))}
    counts = {"n": counted.sum()}
    fsums = {"total": pl.col("_value").cast(pl.Float64).filter(counted)}
    if spec.left_out is not None:
        counts["z"] = pl.col("_left_out").sum()
        if "{ids}" in spec.left_out_note:
            ids["skipped"] = sorted_ids(spec.id_column, pl.col("_left_out"))
    per = rolled(rows, links, counts=counts, ids=ids, fsums=fsums)
    share = pl.col("total") / pl.col("n")
    base = ctx[spec.points]
    has = pl.col("n") > 0
    if spec.target is None:
        gap = 1 - share
        formula = formatted(
            f"扣 {number_text(base)} ×（1 − {{}}）= {{}} 分",
            percent(share),
            number(pl.col("points").abs()),
        )
    else:
        target = ctx[spec.target]
        gap = pl.max_horizontal(pl.lit(0.0), 1 - share / target)
        formula = formatted(
            f"扣 {number_text(base)} ×（1 − {{}} ÷ {number_text(target * 100)}%）= {{}} 分",
            percent(share),
            number(pl.col("points").abs()),
        )
    per = per.with_columns(
        pl.when(has).then(deduction(base * gap)).otherwise(pl.lit(0.0)).alias("points")
    )
    verdict = pl.when(pl.col("points") < 0).then(formula).otherwise(pl.lit("不扣分"))
    if spec.target is not None:
        met = pl.when(pl.col("points") < 0).then(pl.lit("未达标")).otherwise(pl.lit("达标"))
        verdict = formatted(
            f"目标 {number_text(ctx[spec.target] * 100)}%，{{}}，{{}}", met, verdict
        )
    head = _format(_text(spec.head, ctx), n=pl.col("n"), k=pl.col("total").round(0).cast(pl.Int64))
    none = pl.lit(_text(spec.empty, ctx))
    if spec.left_out is not None:
        note_cols = {"n": pl.col("z")}
        if "skipped" in ids:
            note_cols["ids"] = pl.col("skipped").list.join("、")
        note = pl.when(pl.col("z") > 0).then(_format(spec.left_out_note, **note_cols))
        note = note.otherwise(pl.lit(""))
        head = pl.concat_str(head, note)
        none = pl.when(note != "").then(_format(spec.all_left_out, note=note)).otherwise(none)
    reason = (
        pl.when(has)
        .then(formatted(f"{{}}，{_text(spec.rate, ctx)} {{}}，{{}}", head, percent(share), verdict))
        .otherwise(none)
    )
    evidence = pl.col("evidence")
    if spec.evidence_when_deducted:
        evidence = pl.when(pl.col("points") < 0).then(evidence).otherwise(_EMPTY_IDS)
    return per.with_columns(reason.alias("reason"), evidence.alias("evidence"))


def compile_rule(
    rule: Rule, frames: Mapping[str, pl.LazyFrame], links: Hierarchy, ctx: Context
) -> pl.LazyFrame:
    """The line items of one rule for every region (the rule's `compute` must be set)."""
    spec = rule.compute
    if isinstance(spec, Count):
        plan = _count(rule, spec, frames, links, ctx)
    elif isinstance(spec, Share):
        plan = _share(rule, spec, frames, links, ctx)
    elif isinstance(spec, Formula):
        plan = spec.plan(frames, links, ctx)
    else:
        raise ValueError(f"rule {rule.id!r} has nothing to compile (compute is {spec!r})")
    return _items(plan, rule, ctx)


def section_items(
    section: str,
    registry: Registry,
    frames: Mapping[str, pl.LazyFrame],
    links: Hierarchy,
    ctx: Context,
) -> pl.LazyFrame:
    """The line items of every rule of `section`, in the registry's order.  A metric
    (kind "metric") only reports (`hazard_metrics`) until the rulebook gives it points:
    with 0 points, or no way to compute points, it adds no line item."""
    plans = [
        compile_rule(rule, frames, links, ctx)
        for rule in registry.section(section)
        if _adds_items(rule, ctx)
    ]
    return pl.concat(plans, how="vertical") if plans else empty_items()


def _adds_items(rule: Rule, ctx: Context) -> bool:
    """A rule adds line items unless it is a metric without points in the rulebook."""
    return rule.kind != "metric" or (rule.compute is not None and ctx[rule.compute.points] != 0)


def scores_table(table: str, sections: Sequence[str], registry: Registry, ctx: Context) -> bool:
    """Whether a rule of `sections` that adds line items counts the rows of `table` (B3
    and the 应移送未移送 frame once the rulebook gives B3 points)."""
    return any(
        isinstance(rule.compute, Count | Share)
        and rule.compute.table == table
        and _adds_items(rule, ctx)
        for section in sections
        for rule in registry.section(section)
    )
