"""Finishing the annual assessment: caps, rescale, adjustments, clip, grade, grade cap,
veto (and veto.zero), yellow card, rank.

The score is a running total: the base plus each point in the canonical order (the
registry's order, then reason, points, basis).  Each cap, the rescale, the clip and
veto.zero is computed as (the total it should give) − (the running total so far), so
that adding it lands on that total exactly.  The decisions — grade cap, veto, yellow
card — are 0-point line items naming their rule, parameters, basis and evidence; the
region columns (`vetoed`, `veto_reasons`, `grade_capped`, …) are read from the same
conditions, so an output never restates a rule's value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from accountability.lineitems import LINE_ITEM_SCHEMA, concat_line_items
from accountability.outputs import OUTPUTS
from accountability.regions import Hierarchy
from accountability.rules.annual import GRADING, POPULATION, SECTION_NAMES
from accountability.rules.decisions import EXEMPTIONS, decision_entries
from accountability.rules.model import Context, Registry, cite
from accountability.scorers.annual.compile import ITEM_SCHEMA, empty_items
from accountability.wording import formatted, number, number_text, signed

__all__ = [
    "LEVEL_KEYS",
    "REGION_COLUMNS",
    "SECTIONS",
    "band_index",
    "finish_plan",
    "order_index",
]

SECTIONS: tuple[str, ...] = tuple(SECTION_NAMES)
LEVEL_KEYS: dict[str, str] = {"省": "province", "市": "city", "县": "county"}
_IDS = pl.List(pl.String())
_EMPTY_IDS = pl.lit([], dtype=_IDS)

REGION_COLUMNS: dict[str, pl.DataType] = OUTPUTS["regions"].dtypes


def order_index(registry: Registry) -> pl.Expr:
    """A rule id's place in the registry's order (unknown ids last)."""
    order = {rule: i for i, rule in enumerate(registry.order("annual"))}
    return pl.col("rule_id").replace_strict(order, default=len(order), return_dtype=pl.Int64)


def band_index(bands: Sequence[Mapping[str, Any]], rounded: pl.Expr) -> pl.Expr:
    """The index of the first band (best first) whose `min` the rounded score reaches;
    the last band otherwise."""
    idx: Any = pl
    for i, band in enumerate(bands):
        idx = idx.when(rounded >= float(band["min"])).then(pl.lit(i))
    return idx.otherwise(pl.lit(len(bands) - 1))


def _canonical(items: pl.LazyFrame, registry: Registry) -> pl.LazyFrame:
    return items.sort("region_code", order_index(registry), "reason", "points", "basis")


def _fold(total: pl.Expr, points: pl.Expr) -> pl.Expr:
    """`total` plus each of the `points` (a list) in turn, left to right."""
    return (
        pl.concat_list(total.cast(pl.Float64), points.fill_null(pl.lit([], pl.List(pl.Float64))))
        .list.eval(pl.element().cum_sum())
        .list.last()
    )


def _then_add(frame: pl.LazyFrame, col: str) -> pl.LazyFrame:
    """The running total `t` plus the (nullable) one-item column `col`."""
    return frame.with_columns(
        pl.when(pl.col(col).is_not_null())
        .then(pl.col("t") + pl.col(col))
        .otherwise(pl.col("t"))
        .alias("t")
    )


def _zero_free(points: pl.Expr) -> pl.Expr:
    """Points without -0.0 (keeps the expression's name)."""
    return pl.when(points == 0).then(pl.lit(0.0)).otherwise(points).name.keep()


def as_items(frame: pl.LazyFrame) -> pl.LazyFrame:
    """A frame in the section line-item form, points without -0.0."""
    return frame.select([pl.col(c).cast(t) for c, t in ITEM_SCHEMA.items()]).with_columns(
        _zero_free(pl.col("points"))
    )


def _one_item(
    frame: pl.LazyFrame, rule_id: str, points: str, reason: pl.Expr, basis: str
) -> pl.LazyFrame:
    """One line item per region whose column `points` is not null."""
    return as_items(
        frame.filter(pl.col(points).is_not_null()).select(
            "region_code",
            pl.lit(rule_id).alias("rule_id"),
            pl.col(points).alias("points"),
            reason.alias("reason"),
            pl.lit(basis).alias("basis"),
            _EMPTY_IDS.alias("evidence"),
        )
    )


def _adjustment_items(
    adjustments: pl.DataFrame | None, codes: pl.LazyFrame, year: int
) -> pl.LazyFrame:
    """Committee adjustments of regions in `year`: the subject named only (no roll-up)."""
    if adjustments is None or adjustments.height == 0:
        return empty_items()
    return as_items(
        _region_adjustments(adjustments, year, "points")
        .select(
            pl.col("subject_id").cast(pl.String).alias("region_code"),
            pl.lit("adjustment").alias("rule_id"),
            pl.col("points").cast(pl.Float64),
            formatted(
                "{} {} 分：{}",
                pl.when(pl.col("points") > 0)
                .then(pl.lit("委员会加分"))
                .otherwise(pl.lit("委员会核减")),
                number(pl.col("points").abs()),
                pl.col("reason").fill_null(""),
            ).alias("reason"),
            pl.col("basis").cast(pl.String).fill_null(""),
            _EMPTY_IDS.alias("evidence"),
        )
        .join(codes, on="region_code", how="semi")
    )


def _region_adjustments(adjustments: pl.DataFrame, year: int, effect: str) -> pl.LazyFrame:
    """The year's adjustments of regions that act by `effect` (points, grade_down)."""
    rows = adjustments.lazy().filter(
        (pl.col("subject_type").cast(pl.String) == "region") & (pl.col("year") == year)
    )
    if "effect" in adjustments.columns:
        rows = rows.filter(pl.col("effect").cast(pl.String).fill_null("points") == effect)
    elif effect != "points":
        rows = rows.filter(pl.lit(False))
    return rows


def _grade_downs(adjustments: pl.DataFrame | None, codes: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """Per region, the grades the committee lowers it by (`down`), and one line per
    decision for the 0-point item (`down_reasons`, `down_bases`)."""
    schema = {
        "region_code": pl.String(),
        "down": pl.Int64(),
        "down_reasons": _IDS,
        "down_bases": _IDS,
    }
    if adjustments is None or adjustments.height == 0:
        return pl.LazyFrame(schema=schema)
    steps = (
        pl.col("steps").cast(pl.Int64).fill_null(1)
        if "steps" in adjustments.columns
        else pl.lit(1, pl.Int64)
    )
    return (
        _region_adjustments(adjustments, year, "grade_down")
        .select(
            pl.col("subject_id").cast(pl.String).alias("region_code"),
            steps.alias("steps"),
            formatted(
                "委员会决定降低考核等次 {} 等：{}",
                steps,
                pl.col("reason").cast(pl.String).fill_null(""),
            ).alias("reason"),
            pl.col("basis").cast(pl.String).fill_null(""),
        )
        .join(codes, on="region_code", how="semi")
        .sort("region_code", "reason", "basis", "steps")
        .group_by("region_code", maintain_order=True)
        .agg(
            pl.col("steps").sum().alias("down"),
            pl.col("reason").alias("down_reasons"),
            pl.col("basis").alias("down_bases"),
        )
        .select([pl.col(c).cast(t) for c, t in schema.items()])
    )


Condition = tuple[pl.Expr, pl.Expr, pl.Expr, str]


def _who(level: str) -> str:
    """ "县级" for a region's level, "部门" or "企业" for a unit's."""
    return f"{level}级" if level in LEVEL_KEYS else level


def _decision_conditions(
    ctx: Context, kind: str, word: str, levels: Mapping[str, str] = LEVEL_KEYS
) -> list[Condition]:
    """(condition, reason, evidence, basis) for each entry of each level's veto ("veto")
    or yellow-card ("yellow_card") table (`accountability.rules.decisions`); the basis
    cites the level's parameter and the accident grading.

    ``grade_counts = {"较大" = 2}`` counts accidents of that grade or worse (较大及以上)."""
    level = pl.col("level").cast(pl.String)
    found: list[Condition] = []
    for lvl, suffix in levels.items():
        key = f"annual.{kind}_{suffix}"
        for entry in decision_entries(ctx, kind, suffix):
            n, ids = pl.col(f"n_{entry.name}"), pl.col(f"ids_{entry.name}")
            exempt = EXEMPTIONS[suffix][2] if entry.exempt else ""
            reason = formatted(
                f"{entry.what} {{}} 起（{{}}），{_who(lvl)}达到 {entry.count} 起即{word}{exempt}",
                n,
                ids.list.join("、"),
            )
            if entry.by is not None:
                unknown = pl.col(f"unknown_{entry.name}")
                reason = (
                    pl.when(unknown > 0)
                    .then(
                        formatted(
                            "{}；另有 {} 起瞒报主体未知，未计入（{}）",
                            reason,
                            unknown,
                            pl.col(f"unknown_ids_{entry.name}").list.join("、"),
                        )
                    )
                    .otherwise(reason)
                )
            cond = (level == lvl) & (n >= entry.count)
            found.append((cond, reason, ids, cite((key, GRADING, POPULATION), ctx.rules)))
    return found


def _unknown_concealer_conditions(
    ctx: Context, kind: str, word: str, levels: Mapping[str, str] = LEVEL_KEYS
) -> list[Condition]:
    """For each entry of a table that counts by whom an accident was concealed: the
    subjects it did not reach although accidents with an unknown `concealed_by` would
    have counted — named, so that a missing value never clears a subject silently."""
    level = pl.col("level").cast(pl.String)
    found: list[Condition] = []
    for lvl, suffix in levels.items():
        key = f"annual.{kind}_{suffix}"
        for entry in decision_entries(ctx, kind, suffix):
            if entry.by is None:
                continue
            n, unknown = pl.col(f"n_{entry.name}"), pl.col(f"unknown_{entry.name}")
            unknown_ids = pl.col(f"unknown_ids_{entry.name}")
            reason = formatted(
                f"{entry.what} {{}} 起，未达到{_who(lvl)}{word}的 {entry.count} 起；"
                "另有 {} 起瞒报主体未知，未计入（{}），请核实瞒报主体",
                n,
                unknown,
                unknown_ids.list.join("、"),
            )
            cond = (level == lvl) & (n < entry.count) & (unknown > 0)
            found.append((cond, reason, unknown_ids, cite((key, GRADING, POPULATION), ctx.rules)))
    return found


def _decision_items(
    frame: pl.LazyFrame, conditions: list[Condition], rule_id: str
) -> list[pl.LazyFrame]:
    return [
        as_items(
            frame.filter(cond.fill_null(False)).select(
                "region_code",
                pl.lit(rule_id).alias("rule_id"),
                pl.lit(0.0).alias("points"),
                reason.alias("reason"),
                pl.lit(basis).alias("basis"),
                evidence.alias("evidence"),
            )
        )
        for cond, reason, evidence, basis in conditions
    ]


def _triggered(conditions: list[Condition]) -> tuple[pl.Expr, pl.Expr]:
    """(any condition holds, the reasons of those that hold)."""
    if not conditions:
        return pl.lit(False), _EMPTY_IDS
    held = pl.any_horizontal([c for c, _, _, _ in conditions])
    reasons = pl.concat_list(
        [pl.when(c).then(r).cast(pl.String) for c, r, _, _ in conditions]
    ).list.drop_nulls()
    return held, reasons


def veto_by_grade_columns(band_name: pl.Expr) -> list[pl.Expr]:
    """`vetoed` and `veto_reasons` once `veto_by_grade` is known: a grade that
    ``annual.veto_if_grade`` lists is itself a veto, with its own reason."""
    return [
        (pl.col("vetoed") | pl.col("veto_by_grade")).alias("vetoed"),
        pl.when(pl.col("veto_by_grade"))
        .then(
            pl.concat_list(
                pl.col("veto_reasons"),
                formatted("考核等次为{}，实行一票否决", band_name).cast(pl.String),
            )
        )
        .otherwise(pl.col("veto_reasons"))
        .alias("veto_reasons"),
    ]


def grade_and_rank(
    frame: pl.LazyFrame,
    *,
    band: pl.Expr,
    names: Sequence[str],
    cap_grade: str,
    veto_grades: Sequence[str],
    zero_on: pl.Expr,
    rank_within: Sequence[str] = (),
) -> pl.LazyFrame:
    """A region's grade and rank from its score, in the rulebook's order: the band
    (`band`: the index of the grade the rounded score reaches, best first), a veto →
    the worst grade, the grade cap (``cap_applies``) → at most `cap_grade`, the
    committee's lowering (``down`` grades, after the cap, at most to the worst), a grade
    listed in `veto_grades` is itself a veto, ``veto_effect = zero`` sets a vetoed score
    to 0, then the rank among siblings (same parent, and the same `rank_within` columns):
    vetoed last, then by score, ties sharing the better rank.

    `frame` has score, vetoed, cap_applies, down and parent_code; added: gi (the grade's
    index), grade_capped, band_grade (before the cap), grade_before_down, lowered,
    veto_by_grade, veto_grade (the grade that vetoed), score_before_zero, zero, grade and
    rank; `vetoed` then includes `veto_by_grade`.  The annual scorer and
    `accountability.sensitivity` (one draw per `rank_within` value) both grade here.
    """
    worst = len(names) - 1
    cap_idx = list(names).index(cap_grade)
    band_name = pl.col("gi").replace_strict(list(range(len(names))), list(names),
                                            return_dtype=pl.String)  # fmt: skip
    scored = pl.col("score").is_not_null()
    vetoed = pl.col("vetoed")
    down = pl.col("down").fill_null(0)
    rounded = pl.col("score").round(6)
    return (
        frame.with_columns(band.alias("gi"))
        .with_columns(
            (scored & pl.col("cap_applies") & (pl.col("gi") < cap_idx) & ~vetoed).alias(
                "grade_capped"
            ),
            band_name.alias("band_grade"),
        )
        .with_columns(
            pl.when(vetoed)
            .then(pl.lit(worst))
            .when(pl.col("grade_capped"))
            .then(pl.lit(cap_idx))
            .otherwise(pl.col("gi"))
            .alias("gi")
        )
        .with_columns(
            band_name.alias("grade_before_down"),
            (scored & ~vetoed & (down > 0) & (pl.col("gi") < worst)).alias("lowered"),
        )
        .with_columns(
            pl.when(pl.col("lowered"))
            .then(pl.min_horizontal(pl.col("gi") + down, pl.lit(worst)))
            .otherwise(pl.col("gi"))
            .alias("gi")
        )
        .with_columns(
            (scored & ~vetoed & band_name.is_in(list(veto_grades)))
            .fill_null(False)
            .alias("veto_by_grade"),
            band_name.alias("veto_grade"),
        )
        .with_columns(
            (vetoed | pl.col("veto_by_grade")).alias("vetoed"),
            pl.when(pl.col("veto_by_grade"))
            .then(pl.lit(worst))
            .otherwise(pl.col("gi"))
            .alias("gi"),
        )
        .with_columns(pl.col("score").alias("score_before_zero"))
        .with_columns(
            pl.when(zero_on & vetoed & scored).then(_zero_free(-pl.col("score"))).alias("zero")
        )
        .with_columns(
            pl.when(pl.col("zero").is_not_null())
            .then(pl.col("score") + pl.col("zero"))
            .otherwise(pl.col("score"))
            .alias("score")
        )
        .with_columns(
            pl.when(scored).then(band_name).alias("grade"),
            pl.when(scored)
            .then(
                pl.struct(vetoed, -rounded)
                .rank("min")
                .over(*rank_within, pl.col("parent_code").fill_null(""), scored)
                .cast(pl.Int64)
            )
            .alias("rank"),
        )
    )


def _awards(
    frame: pl.LazyFrame,
    ctx: Context,
    basis: dict[str, str],
    scored: pl.Expr,
    *,
    noun: str = "地区",
    listed_only: bool = False,
    unscored_eligible: bool = False,
    peers: str = "同一上级的",
) -> tuple[pl.LazyFrame, list[pl.LazyFrame]]:
    """The consequences of a veto for awards, and the awards (``annual.awards``): a
    region is eligible when it has a score and no veto (where the veto makes it
    ineligible); an award goes to the eligible regions of its levels without an
    accident of its forbidden grade or worse, ranked among their siblings by score,
    down to the cut (top N, or floor(share × siblings with a score), at least 1;
    every region tied at the cut).  A region gets the first award it wins.

    The frame's `region_code` is the subject's id, `parent_code` whom it is ranked
    under and `assessor_level` that region's level (an award's `assessed_by` keeps the
    subjects ranked under regions of those levels: 益阳's 市直 departments); for
    departments and state-owned enterprises (`noun`) an award applies only
    where its `levels` name their kind (`listed_only`), and a unit without a score is
    eligible though no award by rank reaches it (`unscored_eligible`)."""
    p = ctx.rules
    consequences = p["annual.veto_consequences"] if "annual.veto_consequences" in p.rulebook else {}
    ineligible = bool(consequences.get("award_ineligible", True))
    vetoed = pl.col("vetoed") if ineligible else pl.lit(False)
    eligible = ~vetoed if unscored_eligible else scored & ~vetoed
    frame = frame.with_columns(
        eligible.fill_null(False).alias("award_eligible"),
        pl.lit(None, pl.String).alias("award"),
    )
    awards = p["annual.awards"] if "annual.awards" in p.rulebook else []
    items: list[pl.LazyFrame] = []
    parent = pl.col("parent_code").fill_null("")
    rounded = pl.col("score").round(6)
    for i, award in enumerate(awards):
        label = str(award["label"])
        levels = [str(x) for x in award.get("levels", [])]
        in_levels = pl.col("level").is_in(levels) if levels or listed_only else pl.lit(True)
        if award.get("assessed_by"):
            assessors = [str(x) for x in award["assessed_by"]]
            in_levels = in_levels & pl.col("assessor_level").is_in(assessors).fill_null(False)
        grade = award.get("forbidden_grade")
        clean = (pl.col(f"award_n_{i}").fill_null(0) == 0) if grade else pl.lit(True)
        candidate = (pl.col("award_eligible") & scored & in_levels & clean).fill_null(False)
        siblings = (scored & in_levels).fill_null(False).sum().over(parent)
        if "top" in award:
            cut = pl.lit(int(award["top"]), pl.Int64)
            rule = f"前 {int(award['top'])} 名"
        else:
            share = float(award["share"])
            cut = pl.max_horizontal(pl.lit(1), (siblings * share).floor().cast(pl.Int64))
            rule = f"前 {number_text(share * 100)}%"
        place = (-rounded).rank("min").over(parent, candidate).cast(pl.Int64)
        won = candidate & (place <= cut)
        frame = frame.with_columns(
            pl.when(won).then(place).alias(f"_place_{i}"),
            cut.alias(f"_cut_{i}"),
            siblings.alias(f"_siblings_{i}"),
        ).with_columns(
            pl.when(pl.col("award").is_null() & pl.col(f"_place_{i}").is_not_null())
            .then(pl.lit(label))
            .otherwise(pl.col("award"))
            .alias("award")
        )
        clause = f"，无{grade}及以上事故" if grade else ""
        items.append(
            as_items(
                frame.filter(pl.col("award") == label).select(
                    "region_code",
                    pl.lit("award").alias("rule_id"),
                    pl.lit(0.0).alias("points"),
                    formatted(
                        f"获评{label}：在{peers} {{}} 个{noun}中得分列第 {{}}（{rule}）{clause}",
                        pl.col(f"_siblings_{i}"),
                        pl.col(f"_place_{i}"),
                    ).alias("reason"),
                    pl.lit(basis["award"]).alias("basis"),
                    _EMPTY_IDS.alias("evidence"),
                )
            )
        )
    return frame, items


def finish_plan(
    section_items: pl.LazyFrame,
    regions: pl.DataFrame | pl.LazyFrame,
    links: Hierarchy,
    figures: pl.LazyFrame,
    ctx: Context,
    registry: Registry,
    *,
    assessed: Sequence[str],
    missing_tables: Sequence[str],
    adjustments: pl.DataFrame | None,
    data_gaps: Sequence[str] = (),
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The lazy plans of (regions frame, line items): caps → rescale → adjustments →
    clip → grade → grade cap → veto (and veto.zero) → yellow card → rank."""
    p = ctx.rules
    base = float(p["annual.base"])
    weights = {s: float(w) for s, w in p["annual.section_weights"].items()}
    assessed = tuple(s for s in SECTIONS if s in assessed)
    unassessed = [s for s in SECTIONS if s not in assessed]
    codes = links.codes.select("region_code")
    items = as_items(section_items)
    basis = {rule.id: rule.basis(p) for rule in registry.of("annual")}
    section_of = {rule.id: rule.section for rule in registry.of("annual")}
    in_section = pl.col("rule_id").replace_strict(section_of, default=None, return_dtype=pl.String)

    # per region and section: the points in canonical order, and sorted (for the
    # order-free section sum that decides the cap and the section column)
    per = (
        _canonical(items, registry)
        .group_by("region_code", maintain_order=True)
        .agg(
            *[pl.col("points").filter(in_section == s).alias(f"seq_{s}") for s in assessed],
            *[pl.col("points").filter(in_section == s).sort().alias(f"sum_{s}") for s in assessed],
        )
        .with_columns([pl.col(f"sum_{s}").list.sum() for s in assessed])
    )
    run = codes.join(per, on="region_code", how="left").with_columns(pl.lit(base).alias("t"))
    for s in assessed:
        w, total = weights[s], pl.col(f"sum_{s}")
        run = run.with_columns(_fold(pl.col("t"), pl.col(f"seq_{s}")).alias("t_raw"))
        run = run.with_columns(
            pl.when(total < -w).then((pl.col("t") - w) - pl.col("t_raw")).alias(f"cap_{s}"),
            pl.col("t_raw").alias("t"),
            # weight + max(deductions, −weight): the section after its cap
            (pl.lit(w) + total.fill_null(0.0).clip(lower_bound=-w)).alias(s),
        ).pipe(_then_add, f"cap_{s}")
    run = run.with_columns([pl.lit(None, dtype=pl.Float64).alias(s) for s in unassessed])
    extra = [
        _one_item(
            run,
            f"{s}.cap",
            f"cap_{s}",
            formatted(
                f"{s} {SECTION_NAMES[s]}扣分合计 {{}} 分，超过该部分分值 {number_text(weights[s])} 分，封顶返还 {{}} 分",  # noqa: E501
                number(-pl.col(f"sum_{s}")),
                number(pl.col(f"cap_{s}")),
            ),
            basis.get(f"{s}.cap", p.basis("annual.section_weights")),
        )
        for s in assessed
    ]

    # rescale to the assessed weights
    missing_text = "、".join(missing_tables)
    assessed_w = sum(weights[s] for s in assessed)
    if unassessed and assessed:
        got = pl.sum_horizontal([pl.col(s) for s in assessed])  # assessed weight + points
        run = run.with_columns(
            got.alias("got"), (got * base / assessed_w - pl.col("t")).alias("rescale")
        ).pipe(_then_add, "rescale")
        extra.append(
            _one_item(
                run,
                "rescale",
                "rescale",
                formatted(
                    f"未评 {'、'.join(unassessed)} 部分（缺少数据表 {missing_text}）；"
                    f"已评部分满分 {number_text(assessed_w)} 分、得分 {{}} 分，"
                    f"折算为 {number_text(base)} 分制："
                    f"{{}} × {number_text(base)} ÷ {number_text(assessed_w)} = {{}} 分，"
                    "调整 {} 分",
                    number(pl.col("got")),
                    number(pl.col("got")),
                    number(pl.col("t")),
                    signed(pl.col("rescale")),
                ),
                basis["rescale"],
            )
        )
    elif not assessed:
        extra.append(
            as_items(
                codes.select(
                    "region_code",
                    pl.lit("rescale").alias("rule_id"),
                    pl.lit(0.0).alias("points"),
                    pl.lit(f"未评任何考核内容（缺少数据表 {missing_text}），不计分").alias(
                        "reason"
                    ),
                    pl.lit(basis["rescale"]).alias("basis"),
                    _EMPTY_IDS.alias("evidence"),
                )
            )
        )

    # committee adjustments, then the clip to [0, base]
    if assessed:
        adj = _adjustment_items(adjustments, codes, ctx.year)
        extra.append(adj)
        adj_seq = (
            _canonical(adj, registry)
            .group_by("region_code", maintain_order=True)
            .agg(pl.col("points").alias("adj"))
        )
        run = run.join(adj_seq, on="region_code", how="left").with_columns(
            _fold(pl.col("t"), pl.col("adj")).alias("t")
        )
    t = pl.col("t")
    run = run.with_columns(
        t.alias("t_adj"),
        pl.when(t > base).then(pl.lit(base) - t).when(t < 0).then(-t).alias("clip"),
    ).pipe(_then_add, "clip")

    # veto, yellow card and grade cap, from the period's liability accidents (and below)
    frame = (
        regions.lazy()
        .select(
            pl.col("region_code").cast(pl.String),
            pl.col("name").cast(pl.String),
            pl.col("level").cast(pl.String),
            pl.col("parent_code").cast(pl.String),
        )
        .join(figures, on="region_code", how="left")
    )
    veto_conditions = _decision_conditions(ctx, "veto", "一票否决")
    yellow_conditions = _decision_conditions(ctx, "yellow_card", "黄牌警告")
    vetoed, veto_reasons = _triggered(veto_conditions)
    yellow, yellow_reasons = _triggered(yellow_conditions)
    cap_grade = str(p["annual.grade_cap_accident_grade"])
    frame = frame.with_columns(
        vetoed.fill_null(False).alias("vetoed"),
        veto_reasons.alias("veto_reasons"),
        yellow.fill_null(False).alias("yellow_card"),
        yellow_reasons.alias("yellow_card_reasons"),
        (pl.col(f"ge_{cap_grade}") > 0).fill_null(False).alias("cap_applies"),
    )
    zero_on = pl.lit(bool(assessed) and p["annual.veto_effect"] == "zero")
    run = run.with_columns(t.alias("t_clip")).cache()
    if assessed:
        extra.append(
            _one_item(
                run,
                "clip",
                "clip",
                pl.when(pl.col("t_adj") > base)
                .then(
                    formatted(
                        f"合计 {{}} 分，高于满分 {number_text(base)} 分，"
                        f"记为 {number_text(base)} 分",
                        number(pl.col("t_adj")),
                    )
                )
                .otherwise(formatted("合计 {} 分，低于 0 分，记为 0 分", number(pl.col("t_adj")))),
                basis["clip"],
            )
        )
    score = t if assessed else pl.lit(None, dtype=pl.Float64)
    frame = frame.join(
        run.select("region_code", score.alias("score"), *SECTIONS), on="region_code", how="left"
    ).join(_grade_downs(adjustments, codes, ctx.year), on="region_code", how="left")

    # the grade and rank, as `grade_and_rank` decides them
    bands = p["annual.grade_bands"]
    names = [b["grade"] for b in bands]
    cap_name = str(p["annual.grade_cap"])
    scored = pl.col("score").is_not_null()
    veto_grades = (
        [str(g) for g in p["annual.veto_if_grade"]] if "annual.veto_if_grade" in p.rulebook else []
    )
    frame = grade_and_rank(
        frame,
        band=band_index(bands, pl.col("score").round(6)),
        names=names,
        cap_grade=cap_name,
        veto_grades=veto_grades,
        zero_on=zero_on,
    ).with_columns(
        *veto_by_grade_columns(pl.col("veto_grade")),
        pl.lit(bool(unassessed)).alias("incomplete"),
        pl.lit(unassessed, dtype=_IDS).alias("unassessed_sections"),
        pl.lit(list(data_gaps), dtype=_IDS).alias("data_gaps"),
    )
    # the level of the region each region is ranked under (an award's `assessed_by`)
    frame = frame.join(
        frame.select(
            pl.col("region_code").alias("parent_code"), pl.col("level").alias("assessor_level")
        ),
        on="parent_code",
        how="left",
    )
    frame, award_items = _awards(frame, ctx, basis, scored)
    decisions = [
        *_decision_items(
            frame,
            [(
                pl.col("grade_capped"),
                formatted(
                    f"发生{cap_grade}及以上事故 {{}} 起（{{}}），等次由{{}}限为{cap_name}",
                    pl.col(f"ge_{cap_grade}"),
                    pl.col(f"ids_{cap_grade}").list.join("、"),
                    pl.col("band_grade"),
                ),
                pl.col(f"ids_{cap_grade}"),
                basis["grade_cap"],
            )],
            "grade_cap",
        ),
        *_decision_items(frame, veto_conditions, "veto"),
        *_decision_items(frame, yellow_conditions, "yellow_card"),
        *_decision_items(
            frame,
            [
                *_unknown_concealer_conditions(ctx, "veto", "一票否决"),
                *_unknown_concealer_conditions(ctx, "yellow_card", "黄牌警告"),
            ],
            "decision.unknown_concealer",
        ),
        *_decision_items(
            frame,
            [(
                pl.col("veto_by_grade"),
                formatted("考核等次为{}，实行一票否决", pl.col("grade")),
                _EMPTY_IDS,
                basis["veto.grade"],
            )],
            "veto.grade",
        ),
    ]  # fmt: skip
    lowered_items = as_items(
        frame.filter(pl.col("lowered").fill_null(False)).select(
            "region_code",
            pl.lit("grade_down").alias("rule_id"),
            pl.lit(0.0).alias("points"),
            formatted(
                "{}；等次由{}降为{}",
                pl.col("down_reasons").list.join("；"),
                pl.col("grade_before_down"),
                pl.col("grade"),
            ).alias("reason"),
            pl.col("down_bases").list.unique(maintain_order=True).list.join("；").alias("basis"),
            _EMPTY_IDS.alias("evidence"),
        )
    )
    zero_items = as_items(
        frame.filter(pl.col("zero").is_not_null()).select(
            "region_code",
            pl.lit("veto.zero").alias("rule_id"),
            pl.col("zero").alias("points"),
            formatted("一票否决，得分 {} 分记为 0 分", number(pl.col("score_before_zero"))).alias(
                "reason"
            ),
            pl.lit(basis["veto.zero"]).alias("basis"),
            _EMPTY_IDS.alias("evidence"),
        )
    )
    decisions += [lowered_items, zero_items, *award_items]
    out = frame.select([pl.col(c).cast(t) for c, t in REGION_COLUMNS.items()]).sort("region_code")

    li = concat_line_items(
        pl.concat([items, *extra, *decisions]).select(
            pl.lit("region").alias("subject_type"),
            pl.col("region_code").alias("subject_id"),
            pl.lit("annual").alias("scorer"),
            "rule_id",
            "points",
            "reason",
            "basis",
            "evidence",
        )
    ).sort(
        ["subject_type", "subject_id", "scorer", "rule_id", "reason", "points", "basis"],
        maintain_order=True,
    )
    return out, li.select(list(LINE_ITEM_SCHEMA))
