"""年度目标管理考核: the records of the annual assessment of regions.

Sections A–E each hold rules that deduct points (`Count`, `Share` or `Formula`); each
section's deductions are capped at its weight (``X.cap``); then the finishing steps
(``rescale``, ``adjustment``, ``clip``) and the decisions (``grade_cap``, ``veto``,
``veto.zero``, ``yellow_card``), which are line items too.  The order of this list is
the order the points are added and shown.

Counting conventions every record follows:

- A region's figures include its own rows and those of every region below it (a 市
  includes its 县); targets and region statistics are the region's own row only.
- Accidents are the liability accidents (``liability`` not false), graded by the
  bands in force on each accident's date; deaths count missing persons while
  ``accident_grading.count_missing_as_deaths`` is on.
- A rule whose denominator is empty deducts nothing and says so in a 0-point line
  item ("无隐患数据"), so that no data never passes silently for full marks.
- A control target written as a decline in % (``limit_kind = decline_pct``) is
  measured against its baseline year's figure, counted over the baseline year's
  assessment period with the same accidents; no data in that period: not applicable.

>>> from accountability.rules.registry import REGISTRY
>>> [r.id for r in REGISTRY.section("C")]
['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs
import polars as pl

from accountability.accidents import grade_at_least
from accountability.codes import (
    GRADE_COUNT_INDICATORS,
    SECTOR_DEATH_INDICATORS,
    SECTOR_DEATHS_PREFIX,
    STANDARDIZATION_LEVELS,
)
from accountability.regions import Hierarchy, rolled, sorted_ids
from accountability.rules.conditions import (
    closed_by_deadline,
    closed_on,
    general_due_in_period,
    in_operation,
    listed_due_in_period,
    major_found_in_period,
    major_overdue,
    rectified_on_time,
)
from accountability.rules.model import Context, Count, Formula, Rule, Share
from accountability.rules.summons import summons_rules
from accountability.wording import deduct, deduction, formatted, number, number_text

__all__ = [
    "A3_INDICATORS",
    "A6_INDICATORS",
    "ANNUAL_RULES",
    "SECTION_NAMES",
    "MetricFormula",
    "summons_event_counts",
    "with_missing",
]

SCORER = "annual"
SECTION_NAMES: dict[str, str] = {
    "A": "事故控制",
    "B": "打非治违",
    "C": "隐患排查治理",
    "D": "责任落实",
    "E": "基础工作",
}
MISSING = "accident_grading.count_missing_as_deaths"
GRADING = "accident_grading.bands"
POPULATION = "annual.accident_population"

# The rate indicators of A3: target indicator, Chinese name, sector group key (None:
# every sector), factor (per 100,000 employees, per 10,000 vehicles), denominator.
A3_INDICATORS: tuple[tuple[str, str, str | None, float, str], ...] = (
    ("deaths_per_100m_gdp", "亿元GDP死亡率", None, 1.0, "gdp_100m_yuan"),
    (
        "industry_deaths_per_100k",
        "工矿商贸十万从业人员死亡率",
        "sectors.industry_trade",
        100_000.0,
        "industry_employees",
    ),
    ("road_deaths_per_10k_vehicles", "道路交通万车死亡率", "sectors.road", 10_000.0,
     "motor_vehicles"),
    ("coal_deaths_per_mt", "煤矿百万吨死亡率", "sectors.coal", 1.0, "coal_output_mt"),
)  # fmt: skip
# The count indicators of A6: deaths per sector, and accidents by their own grade.
A6_INDICATORS: tuple[str, ...] = (*SECTOR_DEATH_INDICATORS, *GRADE_COUNT_INDICATORS)
A6_POINTS = "annual.a6_points"
_EMPTY_IDS = pl.lit([], dtype=pl.List(pl.String()))
Frames = Mapping[str, pl.LazyFrame]


def with_missing(ctx: Context) -> str:
    """ "（含失踪）" while missing persons count with deaths, else ""."""
    return "（含失踪）" if ctx[MISSING] else ""


# --- A 事故控制 ----------------------------------------------------------------------------


def _targets_of(
    frames: Frames, indicators: tuple[str, ...], *, counts: bool = True
) -> pl.LazyFrame:
    """The year's targets of `indicators` (regions of the hierarchy only), each with
    what it is measured against: with `counts`, the period's figure `n` and its
    accidents `ids`; `decline` (the limit is a change in % from the baseline year's
    figure), and for a decline the baseline's `base_n`, `base_den` (a rate's
    denominator), `base_data` and `base_label` (`inputs.target_baselines`)."""
    rows = (
        frames["target_rows"]
        .filter(pl.col("indicator").is_in(list(indicators)))
        .join(frames["region_up"].select("region_code").unique(), on="region_code", how="semi")
    )
    if counts:
        rows = rows.join(
            frames["target_counts"], on=["region_code", "indicator"], how="left"
        ).with_columns(pl.col("n").fill_null(0), pl.col("ids").fill_null(_EMPTY_IDS))
    return rows.join(
        frames["target_baselines"], on=["region_code", "indicator", "baseline_year"], how="left"
    ).with_columns(
        (pl.col("limit_kind") == "decline_pct").fill_null(False).alias("decline"),
        pl.col("base_data").fill_null(False),
        pl.coalesce(pl.col("base_label"), formatted("{} 年", pl.col("baseline_year"))).alias(
            "base_label"
        ),
    )


def _count_limit() -> pl.Expr:
    """A count's limit: `limit` itself, or under a decline in % the baseline's figure
    changed by `limit` per cent, rounded down: floor(base_n × (100 + limit) ÷ 100)."""
    changed = pl.col("base_n").cast(pl.Float64) * (100 + pl.col("limit")) / 100
    return pl.when(pl.col("decline")).then(changed.round(9).floor()).otherwise(pl.col("limit"))


def _change(limit: pl.Expr | None = None) -> pl.Expr:
    """ "下降 5%" (a limit of −5), "上升不超过 3%" (3): a decline target in words."""
    pct = pl.col("limit") if limit is None else limit
    return (
        pl.when(pct <= 0)
        .then(formatted("下降 {}%", number(-pct)))
        .otherwise(formatted("上升不超过 {}%", number(pct)))
    )


def _count_note(unit: str | pl.Expr, *, zero_control: bool = False) -> pl.Expr:
    """ "（基准 2023 年 10 人，下降 5%，向下取整）" for a decline in %; with `zero_control`,
    "（零控制）" for an absolute limit of 0; else ""."""
    note = pl.when(pl.col("decline").fill_null(False)).then(
        formatted(
            "（基准 {} {} {}，{}，向下取整）",
            pl.col("base_label"),
            number(pl.col("base_n")),
            pl.lit(unit) if isinstance(unit, str) else unit,
            _change(),
        )
    )
    if zero_control:
        note = note.when(pl.col("limit") == 0).then(pl.lit("（零控制）"))
    return note.otherwise(pl.lit(""))


def _no_baseline(what: pl.Expr, rule: str) -> pl.Expr:
    """The reason of a decline in % whose baseline period has no accident data."""
    return formatted(
        f"{{}}控制指标为较基准 {{}}{{}}，数据集无该期事故数据，{rule}不适用，不扣分",
        what,
        pl.col("base_label"),
        _change(),
    )


def _a1(frames: Frames, links: Hierarchy, ctx: Context) -> pl.LazyFrame:
    target = _targets_of(frames, ("deaths",), counts=False).select(
        "region_code", "limit", "decline", "base_n", "base_data", "base_label"
    )
    per = frames["figures"].join(target, on="region_code", how="left")
    rate = ctx["annual.a1_points_per_death"]
    deaths, given = pl.col("deaths"), pl.col("limit")
    decline = pl.col("decline").fill_null(False)
    no_baseline = decline & ~pl.col("base_data").fill_null(False)
    per = per.with_columns(_count_limit().alias("limit_deaths"))
    limit = pl.col("limit_deaths")
    over = deaths.cast(pl.Float64) - limit
    applies = given.is_not_null() & ~no_baseline & (deaths.cast(pl.Float64) > limit)
    per = per.with_columns(
        pl.when(applies).then(deduction(over * rate)).otherwise(pl.lit(0.0)).alias("points"),
        over.alias("over"),
        _count_note("人").alias("note"),
    )
    # "死亡（含失踪）12 人" while missing persons count, else "死亡 12 人"
    word = f"死亡{with_missing(ctx)}" if with_missing(ctx) else "死亡 "
    reason = (
        pl.when(given.is_null())
        .then(formatted(f"{word}{{}} 人；未下达本年死亡人数控制指标，A1 不适用，不扣分", deaths))
        .when(no_baseline)
        .then(formatted(f"{word}{{}} 人；{{}}", deaths, _no_baseline(pl.lit("死亡人数"), "A1 ")))
        .when(applies)
        .then(
            formatted(
                f"{word}{{}} 人，控制指标 {{}} 人{{}}，超 {{}} 人，每人扣 {number_text(rate)} 分，{{}}",  # noqa: E501
                deaths,
                number(limit),
                pl.col("note"),
                number(pl.col("over")),
                deduct(pl.col("points")),
            )
        )
        .otherwise(
            formatted(
                f"{word}{{}} 人，控制指标 {{}} 人{{}}，未超，不扣分",
                deaths,
                number(limit),
                pl.col("note"),
            )
        )
    )
    return per.select("region_code", "points", reason.alias("reason"),
                      pl.col("deaths_ids").alias("evidence"))  # fmt: skip


def _a2(frames: Frames, links: Hierarchy, ctx: Context) -> pl.LazyFrame:
    """Year on year; where the accidents table has no row dated in the previous year
    (liability or not), a 0-point note instead."""
    prev = ctx.previous()
    has_prev = (
        frames["accidents_raw"]
        .filter(prev.within("occurred_on"))
        .select((pl.len() > 0).alias("has_prev"))
    )
    rows = (
        frames["accidents"]
        .filter(ctx.accidents_in_period() | prev.accidents_in_period())
        .with_columns(ctx.accidents_in_period().alias("cur"))
    )
    cur, before = pl.col("cur"), ~pl.col("cur")
    per = rolled(
        rows,
        links,
        counts={
            "n_cur": cur.sum(),
            "n_prev": before.sum(),
            "deaths_cur": pl.col("d").filter(cur).sum(),
            "deaths_prev": pl.col("d").filter(before).sum(),
            "injuries_cur": pl.col("serious_injuries").filter(cur).sum(),
            "injuries_prev": pl.col("serious_injuries").filter(before).sum(),
        },
        ids={"ev": sorted_ids("accident_id")},
        fsums={
            "loss_cur": pl.col("direct_loss_10k_yuan").filter(cur),
            "loss_prev": pl.col("direct_loss_10k_yuan").filter(before),
        },
    ).with_columns(pl.col("loss_cur").round(6), pl.col("loss_prev").round(6))
    per = per.join(has_prev, how="cross")
    rise, flat = ctx["annual.a2_points_rise"], ctx["annual.a2_points_flat"]
    metrics = (
        ("n", "事故起数", "起", 0),
        ("deaths", f"死亡人数{with_missing(ctx)}", "人", 0),
        ("injuries", "重伤人数", "人", 0),
        ("loss", "直接经济损失", "万元", 2),
    )
    pts_cols, parts = [], []
    for key, label, unit, dec in metrics:
        gap = "" if label.endswith("）") else " "  # "死亡人数（含失踪）2 人" / "重伤人数 2 人"
        c, v = pl.col(f"{key}_cur").cast(pl.Float64), pl.col(f"{key}_prev").cast(pl.Float64)
        pts_cols.append(
            pl.when(c > v)
            .then(pl.lit(rise))
            .when((c == v) & (c != 0))
            .then(pl.lit(flat))
            .otherwise(pl.lit(0.0))
        )
        verdict = (
            pl.when(c > v).then(pl.lit(f"上升，扣 {number_text(rise)} 分"))
            .when((c == v) & (c != 0)).then(pl.lit(f"持平且不为零，扣 {number_text(flat)} 分"))
            .when(c == 0).then(pl.lit("为零，不扣分"))
            .otherwise(pl.lit("下降，不扣分"))
        )  # fmt: skip
        parts.append(
            formatted(
                f"{label}{gap}{{}} {unit}（上年 {{}} {unit}），{{}}",
                number(c, dec),
                number(v, dec),
                verdict,
            )
        )
    on = pl.col("has_prev")
    per = per.with_columns(
        pl.when(on).then(deduction(pl.sum_horizontal(pts_cols))).otherwise(pl.lit(0.0))
        .alias("points")
    )  # fmt: skip
    reason = (
        pl.when(on)
        .then(
            formatted(
                f"与 {prev.label}同比：{{}}；合计{{}}",
                pl.concat_str(parts, separator="；"),
                deduct(pl.col("points")),
            )
        )
        .otherwise(pl.lit(f"数据集无上年（{prev.label}）事故数据，A2 同比不适用，不扣分"))
    )
    ev = pl.when(on).then(pl.col("ev")).otherwise(_EMPTY_IDS)
    return per.select("region_code", "points", reason.alias("reason"), ev.alias("evidence"))


def _a3(frames: Frames, links: Hierarchy, ctx: Context) -> pl.LazyFrame:
    per = frames["figures"].join(frames["region_stats"], on="region_code", how="left")
    shown = ("limit", "decline", "base_n", "base_den", "base_data", "base_label")
    for key, *_ in A3_INDICATORS:
        target = _targets_of(frames, (key,), counts=False).select(
            "region_code", *[pl.col(c).alias(f"{c}_{key}") for c in shown]
        )
        per = per.join(target, on="region_code", how="left")
    applicable, over, parts, evidence = [], [], [], []
    for key, label, _group, factor, denom in A3_INDICATORS:
        given, den = pl.col(f"limit_{key}"), pl.col(denom)
        decline = pl.col(f"decline_{key}").fill_null(False)
        base_den = pl.col(f"base_den_{key}")
        base_ok = (
            pl.col(f"base_data_{key}").fill_null(False) & base_den.is_not_null() & (base_den > 0)
        )
        base_rate = pl.col(f"base_n_{key}").cast(pl.Float64) * factor / base_den
        limit = pl.when(decline).then((base_rate * (100 + given) / 100).round(9)).otherwise(given)
        ok = given.is_not_null() & den.is_not_null() & (den > 0) & (~decline | base_ok)
        rate = pl.col(f"num_{key}").cast(pl.Float64) * factor / den
        is_over = ok & (rate.round(9) > limit)
        per = per.with_columns(
            ok.fill_null(False).alias(f"ok_{key}"),
            is_over.fill_null(False).alias(f"over_{key}"),
            rate.alias(f"rate_{key}"),
            limit.alias(f"eff_{key}"),
        )
        note = (
            pl.when(decline)
            .then(
                formatted(
                    "（基准 {} {}，{}）",
                    pl.col(f"base_label_{key}"),
                    number(base_rate, 4),
                    _change(given),
                )
            )
            .otherwise(pl.lit(""))
        )
        applicable.append(pl.col(f"ok_{key}").cast(pl.Int64))
        over.append(pl.col(f"over_{key}").cast(pl.Int64))
        parts.append(
            pl.when(pl.col(f"ok_{key}"))
            .then(
                formatted(
                    f"{label} {{}}，控制指标 {{}}{{}}，{{}}",
                    number(pl.col(f"rate_{key}"), 4),
                    number(pl.col(f"eff_{key}"), 4),
                    note,
                    pl.when(pl.col(f"over_{key}")).then(pl.lit("超标")).otherwise(pl.lit("未超")),
                )
            )
            .when(given.is_not_null() & decline & ~base_ok)
            .then(
                formatted(
                    f"{label}控制指标为较基准 {{}}{{}}，但基准期无事故数据或统计分母缺失，不适用",
                    pl.col(f"base_label_{key}"),
                    _change(given),
                )
            )
            .when(given.is_not_null())
            .then(pl.lit(f"{label}有控制指标但统计分母缺失或为 0，不适用"))
        )
        evidence.append(
            pl.when(pl.col(f"over_{key}")).then(pl.col(f"ev_{key}")).otherwise(_EMPTY_IDS)
        )
    total = float(ctx["annual.a3_points_total"])
    per = per.with_columns(
        pl.sum_horizontal(applicable).alias("n_app"), pl.sum_horizontal(over).alias("n_over")
    ).with_columns(
        pl.when(pl.col("n_app") > 0)
        .then(deduction(pl.lit(total) / pl.col("n_app") * pl.col("n_over")))
        .otherwise(pl.lit(0.0))
        .alias("points")
    )
    shown = pl.concat_str(parts, separator="；", ignore_nulls=True)
    none = "无适用的相对指标（需有本年控制指标且统计分母大于 0），A3 不适用，不扣分"
    reason = (
        pl.when((pl.col("n_app") == 0) & (shown == ""))
        .then(pl.lit(none))
        .when(pl.col("n_app") == 0)
        .then(formatted(f"{{}}；{none}", shown))
        .otherwise(
            formatted(
                f"{{}}；适用指标 {{}} 项，超标 {{}} 项，每项扣 {number_text(total)} ÷ {{}} = {{}} 分，{{}}",  # noqa: E501
                shown,
                pl.col("n_app"),
                pl.col("n_over"),
                pl.col("n_app"),
                number(pl.lit(total) / pl.col("n_app")),
                deduct(pl.col("points")),
            )
        )
    )
    ev = pl.concat_list(evidence).list.unique().list.sort()
    return per.select("region_code", "points", reason.alias("reason"), ev.alias("evidence"))


def _a6(frames: Frames, links: Hierarchy, ctx: Context) -> pl.LazyFrame:
    """One line item per target of A6 (exceeded: points per unit over; met or without
    baseline data: 0 points); a region without any A6 target has no A6 line item."""
    points = ctx[A6_POINTS]
    rows = _targets_of(frames, A6_INDICATORS)
    indicator = pl.col("indicator")
    of_deaths = indicator.str.starts_with(SECTOR_DEATHS_PREFIX)
    # "道路交通死亡（含失踪）5 人" / "道路交通死亡 5 人" / "较大事故 2 起"
    died = f"死亡{with_missing(ctx)}" if with_missing(ctx) else "死亡 "
    grades = {key: f"{grade}事故" for key, grade in GRADE_COUNT_INDICATORS.items()}
    name = (
        pl.when(of_deaths)
        .then(pl.concat_str(indicator.str.strip_prefix(SECTOR_DEATHS_PREFIX), pl.lit("死亡")))
        .otherwise(indicator.replace_strict(grades, default=None, return_dtype=pl.String))
    )
    head = (
        pl.when(of_deaths)
        .then(pl.concat_str(indicator.str.strip_prefix(SECTOR_DEATHS_PREFIX), pl.lit(died)))
        .otherwise(pl.concat_str(name, pl.lit(" ")))
    )
    unit = pl.when(of_deaths).then(pl.lit("人")).otherwise(pl.lit("起"))
    each = (
        pl.when(of_deaths)
        .then(pl.lit(float(points["deaths_sector"])))
        .otherwise(
            indicator.replace_strict(
                {key: float(points[key]) for key in GRADE_COUNT_INDICATORS},
                default=None,
                return_dtype=pl.Float64,
            )
        )
    )
    n = pl.col("n").cast(pl.Float64)
    rows = rows.with_columns(
        _count_limit().alias("eff"),
        (pl.col("decline") & ~pl.col("base_data")).alias("no_baseline"),
        each.alias("each"),
        unit.alias("unit"),
        _count_note(unit, zero_control=True).alias("note"),
    )
    limit, over = pl.col("eff"), n - pl.col("eff")
    exceeded = ~pl.col("no_baseline") & (n > limit)
    rows = rows.with_columns(
        pl.when(exceeded).then(deduction(over * pl.col("each"))).otherwise(pl.lit(0.0))
        .alias("points"),
    )  # fmt: skip
    figures = formatted(
        "{}{} {}，控制指标 {} {}{}", head, pl.col("n"), pl.col("unit"), number(limit),
        pl.col("unit"), pl.col("note"),
    )  # fmt: skip
    reason = (
        pl.when(pl.col("no_baseline"))
        .then(_no_baseline(name, ""))
        .when(exceeded)
        .then(
            formatted(
                "{}，超 {} {}，每{}扣 {} 分，{}",
                figures,
                number(over),
                pl.col("unit"),
                pl.col("unit"),
                number(pl.col("each")),
                deduct(pl.col("points")),
            )
        )
        .otherwise(formatted("{}，未超，不扣分", figures))
    )
    evidence = pl.when(pl.col("no_baseline")).then(_EMPTY_IDS).otherwise(pl.col("ids"))
    return rows.select("region_code", "points", reason.alias("reason"), evidence.alias("evidence"))


_DECLINE_READING = (
    "控制指标类型为 decline_pct 的，limit 是较基准年（baseline_year）的变化百分比（−5 即至少"
    "下降 5%）：控制指标 = ⌊基准年数 × (1 + limit ÷ 100)⌋，基准年数按基准年的考核期"
    "（annual.period_start、并入规则）与同一事故口径计；数据集无基准年考核期事故数据的，"
    "该项不适用，记 0 分说明项。"
)


def _a4_min(ctx: Context) -> str:
    return str(ctx["annual.a4_min_grade"])


# --- B 打非治违 ----------------------------------------------------------------------------


def _inspected_enterprises(frames: Frames, ctx: Context) -> pl.LazyFrame:
    """Enterprises in operation, each with whether it was inspected in the period."""
    inspected = (
        frames["inspections"]
        .filter(ctx.within("inspected_on"))
        .select(pl.col("enterprise_id").cast(pl.String))
        .unique()
        .with_columns(pl.lit(True).alias("inspected"))
    )
    return (
        frames["enterprises"]
        .filter(in_operation(ctx))
        .select("enterprise_id", "region_code")
        .join(inspected, on="enterprise_id", how="left")
        .with_columns(pl.col("inspected").fill_null(False))
    )


# --- C 隐患排查治理 ------------------------------------------------------------------------


def _c3_old(ctx: Context) -> bool:
    return "annual.c3_measure" in ctx.rules.rulebook and ctx["annual.c3_measure"] == "挂牌率"


def _c3_counted(ctx: Context) -> pl.Expr:
    return major_found_in_period(ctx) if _c3_old(ctx) else listed_due_in_period(ctx)


def _c3_met(ctx: Context) -> pl.Expr:
    return pl.col("listed").fill_null(False) if _c3_old(ctx) else closed_by_deadline(ctx)


def _c3_words(ctx: Context) -> tuple[str, str, str]:
    """(head, rate, empty) of C3 under the measure in force."""
    if _c3_old(ctx):
        return (
            "本年发现重大隐患 {n} 项，挂牌督办 {k} 项",
            "挂牌督办率",
            "本年未发现重大隐患（无隐患数据），C3 不扣分",
        )
    return (
        "整改期限在本年的挂牌督办重大隐患 {n} 项，按期销号 {k} 项",
        "按期销号率",
        "本年无到期的挂牌督办重大隐患（无数据），C3 不扣分",
    )


# The hazard lifecycle metrics (C5–C8): each reports in `hazard_metrics`; C5–C7 also
# deduct when the rulebook gives them points (0 by default: no line item then).

HIGHER_FINDERS = ("上级检查", "暗访")


def _major() -> pl.Expr:
    return pl.col("level").cast(pl.String) == "重大"


def major_found_by_higher(ctx: Context) -> pl.Expr:
    """A 重大 hazard found in the period by a higher level's inspection or a 暗访."""
    return major_found_in_period(ctx) & pl.col("found_by").cast(pl.String).is_in(HIGHER_FINDERS)


def lookback_rows(frames: Frames, ctx: Context) -> pl.LazyFrame:
    """应发现未发现 (倒查): each 重大 hazard a higher level (or a 暗访) found in the period,
    paired with every inspection of its enterprise made 1 to ``hazards.lookback_days``
    days before by a department of the hazard's region or a region above it."""
    days = int(ctx["hazards.lookback_days"])
    hazards = frames["hazards"].filter(major_found_by_higher(ctx)).select(
        "hazard_id", "region_code", "enterprise_id", "found_on",
        pl.col("found_by").cast(pl.String),
    )  # fmt: skip
    inspections = frames["inspections"].select(
        pl.col("inspection_id").cast(pl.String),
        pl.col("enterprise_id").cast(pl.String),
        pl.col("department").cast(pl.String),
        pl.col("region_code").cast(pl.String).alias("inspection_region"),
        "inspected_on",
    )
    return (
        hazards.join(inspections, on="enterprise_id", how="inner")
        .with_columns(
            (pl.col("found_on") - pl.col("inspected_on")).dt.total_days().alias("days_before")
        )
        .filter(pl.col("days_before").is_between(1, days))
        .join(
            frames["region_up"],
            left_on=["region_code", "inspection_region"],
            right_on=["region_code", "rollup_code"],
            how="semi",
        )
    )


def _found_not_found(frames: Frames, ctx: Context) -> pl.LazyFrame:
    return lookback_rows(frames, ctx).select("hazard_id", "region_code").unique()


def _vintage_end(ctx: Context) -> dt.date:
    return dt.date(int(ctx["hazards.vintage_year"]), 12, 31)


def stock(ctx: Context) -> pl.Expr:
    """A 重大 hazard found by the end of the vintage year and not closed by then."""
    end = pl.lit(_vintage_end(ctx))
    return _major() & (pl.col("found_on") <= end) & (closed_on().is_null() | (closed_on() > end))


def stock_open(ctx: Context) -> pl.Expr:
    """A hazard of the stock still not closed at the end of the period."""
    return stock(ctx) & (closed_on().is_null() | (closed_on() > pl.lit(ctx.end)))


def self_found(ctx: Context) -> pl.Expr:
    return pl.col("found_by").cast(pl.String) == "企业自查"


def finder_known(ctx: Context) -> pl.Expr:
    """A 重大 hazard found in the period whose finder is known."""
    return major_found_in_period(ctx) & pl.col("found_by").is_not_null()


# --- D 责任落实 ----------------------------------------------------------------------------

SUMMONS_POINTS = "annual.summons_points"
SUMMONED = "约谈"


@attrs.frozen
class MetricFormula(Formula):
    """A `Formula` that names its points parameter, for a rule of kind "metric": it adds
    line items only while the rulebook gives those points a value other than 0."""

    points: str


def summons_event_counts(frames: Frames, ctx: Context) -> pl.LazyFrame:
    """Per summoned region, the period's 约谈 events of ``summons_events`` (step 约谈,
    triggered_on in the period): `n` distinct events — one per (rule_id, triggered_on,
    region_code), however many officials one summons names — `what` their days and
    rules ("2024-10-05 dual_duty.summons.grade"), and `evidence` their accident ids.
    The summoned region only: no roll-up."""
    key = ("rule_id", "triggered_on")
    events = (
        frames["summons_events"]
        .filter((pl.col("step") == SUMMONED) & ctx.within("triggered_on"))
        .select(
            pl.col("region_code").cast(pl.String),
            *key,
            pl.col("evidence").cast(pl.List(pl.String())),
        )
    )
    each = (
        events.group_by("region_code", *key)
        .agg(pl.col("evidence").list.explode(keep_nulls=False, empty_as_null=False).unique())
        .with_columns(
            formatted(
                "{} {}",
                pl.col("triggered_on").cast(pl.String),
                pl.col("rule_id")
                .replace_strict(_summons_names(ctx), default=pl.col("rule_id"))
                .fill_null("约谈记录"),
            ).alias("what")
        )
    )
    return each.group_by("region_code").agg(
        pl.len().cast(pl.Int64).alias("n"),
        pl.col("what").sort().str.join("；").alias("what"),
        pl.col("evidence")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique()
        .sort()
        .alias("evidence"),
    )


def _summons_names(ctx: Context) -> dict[str, str]:
    """How a reason names each summons rule in force: the accidents it counts and its
    window ("死亡事故", "30 日内死亡事故", "较大事故超控制指标")."""
    names: dict[str, str] = {}
    for rule in summons_rules(ctx):
        if rule.window == "days":
            name = f"{rule.window_days} 日内{rule.what}"
        elif rule.window == "target":
            name = f"{rule.what}超控制指标"
        else:
            name = rule.what
        names.setdefault(rule.rule_id, name)
    return names


def _d2(frames: Frames, links: Hierarchy, ctx: Context) -> pl.LazyFrame:
    """summons_points × the region's own 约谈 events of the period."""
    each = ctx[SUMMONS_POINTS]
    period = "本年" if ctx.calendar_year else f"本考核期（{ctx.label}）"
    per = (
        links.codes.select("region_code")
        .join(summons_event_counts(frames, ctx), on="region_code", how="left")
        .with_columns(pl.col("n").fill_null(0), pl.col("evidence").fill_null(_EMPTY_IDS))
        .with_columns(deduction(pl.col("n") * each).alias("points"))
    )
    reason = (
        pl.when(pl.col("n") > 0)
        .then(
            formatted(
                f"{period}被约谈 {{}} 次（{{}}），每次扣 {number_text(each)} 分，{{}}",
                pl.col("n"),
                pl.col("what"),
                deduct(pl.col("points")),
            )
        )
        .otherwise(pl.lit(f"{period}未被约谈，不扣分"))
    )
    return per.select("region_code", "points", reason.alias("reason"), "evidence")


# --- E 基础工作 ----------------------------------------------------------------------------


def _good_level(ctx: Context) -> pl.Expr:
    min_level = ctx["annual.e1_min_level"]
    good = list(STANDARDIZATION_LEVELS[: STANDARDIZATION_LEVELS.index(min_level) + 1])
    return pl.col("standardization_level").cast(pl.String).is_in(good).fill_null(False)


def _work_items(frames: Frames, ctx: Context) -> pl.LazyFrame:
    return (
        frames["work_items"]
        .filter(pl.col("year") == ctx.year)
        .with_columns(
            pl.col("region_code").cast(pl.String),
            formatted("{}:{}", pl.col("region_code"), pl.col("item")).alias("wid"),
        )
    )


def _target_met(frames: Frames, ctx: Context) -> pl.LazyFrame:
    return frames["enterprises"].filter(
        in_operation(ctx) & pl.col("license_required").fill_null(False)
    )


ANNUAL_RULES: tuple[Rule, ...] = (
    Rule(
        id="A1", scorer=SCORER, subject="region", section="A",
        label="死亡人数超控制指标",
        definition="本年死亡人数（含失踪）超过上级下达的死亡人数控制指标的，每超 1 人扣分；"
        "控制指标可为人数，或较基准年下降的百分比。",
        formula="a1_points_per_death × max(0, 死亡人数 − 控制指标)；无控制指标不适用；"
        "decline_pct：控制指标 = ⌊基准年死亡人数 × (1 + limit ÷ 100)⌋",
        params=("annual.a1_points_per_death", MISSING, POPULATION),
        tables=("accidents",), optional_tables=("targets",),
        compute=Formula(_a1),
        readings=(
            "只在严格超过控制指标时扣分；控制指标取本地区本年的一行（不汇总下级）。",
            _DECLINE_READING,
        ),
    ),
    Rule(
        id="A2", scorer=SCORER, subject="region", section="A",
        label="事故四项指标同比",
        definition="事故起数、死亡人数、重伤人数、直接经济损失四项指标与上年同比，"
        "每项上升扣分，持平且不为零扣较少的分，下降或为零不扣分。",
        formula="每项：上升 a2_points_rise；持平且不为零 a2_points_flat；否则 0",
        params=("annual.a2_points_rise", "annual.a2_points_flat", MISSING, POPULATION),
        tables=("accidents",),
        compute=Formula(_a2),
        readings=("数据集的事故表没有上年的记录时同比不适用，记 0 分说明项。",),
    ),
    Rule(
        id="A3", scorer=SCORER, subject="region", section="A",
        label="相对指标超控制指标",
        definition="亿元GDP死亡率、工矿商贸十万从业人员死亡率、道路交通万车死亡率、"
        "煤矿百万吨死亡率超过控制指标（指标值，或较基准年下降的百分比）的，"
        "按适用指标数均分扣分总额。",
        formula="a3_points_total ÷ 适用指标数 × 超标指标数；"
        "decline_pct：控制指标 = 基准年该项指标 × (1 + limit ÷ 100)",
        params=("annual.a3_points_total", "sectors.industry_trade", "sectors.road",
                "sectors.coal", MISSING, POPULATION),
        tables=("accidents",), optional_tables=("targets", "region_stats"),
        compute=Formula(_a3),
        readings=(
            "指标有本年控制指标且统计分母大于 0 时才适用；分母取本地区本年的一行。",
            "控制指标为较基准年下降百分比的，基准年指标 = 基准年考核期的死亡人数（同一事故口径）"
            "× 系数 ÷ 本地区基准年的统计分母；数据集无基准年考核期的事故数据、"
            "或无本地区基准年的统计数据（分母缺失或为 0）的，该项不适用。",
        ),
    ),
    Rule(
        id="A4", scorer=SCORER, subject="region", section="A",
        label="较大及以上事故",
        definition="本年每发生一起较大及以上（a4_min_grade 及以上）生产安全责任事故扣分。",
        formula="a4_points_per_accident × 起数",
        params=("annual.a4_points_per_accident", "annual.a4_min_grade", GRADING, POPULATION),
        tables=("accidents",),
        compute=Count(
            table="accidents",
            when=lambda ctx: ctx.accidents_decided()
            & grade_at_least(pl.col("grade"), _a4_min(ctx)),
            id_column="accident_id",
            points="annual.a4_points_per_accident",
            what=lambda ctx: f"{_a4_min(ctx)}及以上事故",
            unit="起",
            none=lambda ctx: f"无{_a4_min(ctx)}及以上事故，不扣分",
        ),
    ),
    Rule(
        id="A5", scorer=SCORER, subject="region", section="A",
        label="迟报事故",
        definition="本年每有一起迟报的事故扣分。",
        formula="a5_points_per_late_report × 起数",
        params=("annual.a5_points_per_late_report", POPULATION),
        tables=("accidents",),
        compute=Count(
            table="accidents",
            when=lambda ctx: ctx.accidents_decided()
            & pl.col("reported_late").fill_null(False),
            id_column="accident_id",
            points="annual.a5_points_per_late_report",
            what="迟报事故",
            unit="起",
            none="无迟报事故，不扣分",
        ),
    ),
    Rule(
        id="A6", scorer=SCORER, subject="region", section="A",
        label="行业死亡人数、事故起数超控制指标",
        definition="本年各行业领域死亡人数（含失踪）、较大事故起数、重大事故起数、"
        "特别重大事故起数超过上级下达的控制指标（人数、起数，或较基准年下降的百分比；"
        "特别重大事故零控制即控制指标为 0）的，每项指标单列，每超 1 人或 1 起扣分。",
        formula="每项：a6_points[该项] × max(0, 本年数 − 控制指标)"
        "（行业死亡人数取 deaths_sector）；"
        "decline_pct：控制指标 = ⌊基准年数 × (1 + limit ÷ 100)⌋；无控制指标不适用",
        params=(A6_POINTS, MISSING, GRADING, POPULATION),
        tables=("accidents",), optional_tables=("targets",),
        compute=Formula(_a6),
        readings=(
            "事故起数按事故本身的等级计：较大事故起数（larger_accidents）只计较大事故，"
            "重大、特别重大事故分别计入 major_accidents、extraordinary_accidents，"
            "不按“该等级及以上”累计。",
            "行业死亡人数（deaths:<行业领域>）计该行业领域事故的死亡人数，"
            "失踪人数按 count_missing_as_deaths 计入。",
            "只在严格超过控制指标时扣分；控制指标取本地区本年的行（不汇总下级），"
            "事故与死亡人数含下级地区；有控制指标的每项各列一项（未超的记 0 分）。",
            "行业死亡人数和事故起数控制指标是否下达由上级决定：本地区无此类控制指标的，"
            "A6 不列项（死亡人数控制指标每个地区都应下达，故 A1 无指标时列 0 分说明项）。",
            _DECLINE_READING,
        ),
    ),
    Rule(
        id="A.cap", scorer=SCORER, subject="region", section="A", kind="cap",
        label="A 部分扣分封顶",
        definition="A 部分扣分合计超过该部分分值的，超出部分返还。",
        params=("annual.section_weights",),
    ),
    Rule(
        id="B1", scorer=SCORER, subject="region", section="B",
        label="四个一律执行率",
        definition="本年发现的、依法需执行四个一律措施的执法案件中，"
        "措施执行到位的比例不足 100% 的，按差额扣分。",
        formula="b1_points × (1 − 执行率)；无需执行措施的案件不扣分",
        params=("annual.b1_points",),
        tables=("cases",),
        compute=Share(
            table="cases",
            counted=lambda ctx: pl.col("requires_measure").fill_null(False),
            value=lambda ctx: pl.col("compliant").fill_null(False),
            failed=lambda ctx: pl.col("requires_measure").fill_null(False)
            & ~pl.col("compliant").fill_null(False),
            id_column="case_id",
            points="annual.b1_points",
            head="本年需执行四个一律的案件 {n} 起，执行到位 {k} 起",
            rate="执行率",
            empty="本年无需执行四个一律的案件（无案件数据），B1 不扣分",
        ),
        readings=("执行率的分母是至少需执行一项措施的案件；数据无法证明措施已执行的，按未执行计。",),
    ),
    Rule(
        id="B2", scorer=SCORER, subject="region", section="B",
        label="执法检查覆盖率",
        definition="本年受到执法检查的企业占企业总数的比例低于目标的，按差距扣分。",
        formula="b2_points × max(0, 1 − 覆盖率 ÷ b2_coverage_target)",
        params=("annual.b2_points", "annual.b2_coverage_target"),
        tables=("inspections", "enterprises"),
        compute=Share(
            table="enterprises",
            rows=_inspected_enterprises,
            counted=lambda ctx: pl.lit(True),
            value=lambda ctx: pl.col("inspected"),
            failed=lambda ctx: ~pl.col("inspected"),
            id_column="enterprise_id",
            points="annual.b2_points",
            target="annual.b2_coverage_target",
            head="企业 {n} 家，本年受执法检查 {k} 家",
            rate="检查覆盖率",
            empty="无企业数据，B2 不扣分",
            evidence_when_deducted=True,
        ),
        readings=("按企业所在地区计不重复的企业数；本年以前已关闭的企业不计。",),
    ),
    Rule(
        id="B3", scorer=SCORER, subject="region", section="B", kind="metric",
        label="应移送未移送",
        definition="本年发生的责任事故达到重大责任事故罪“造成严重后果”的标准（criminal_thresholds："
        "死亡含失踪、重伤人数或直接经济损失达到其一），截至考核期末无移送司法机关的案件的，"
        "每起扣分（默认不考核，只列入应移送未移送清单）。",
        formula="b3_points_per_gap × 起数",
        params=("annual.b3_points_per_gap", "four_musts.criminal_thresholds",
                "four_musts.accident_population"),
        tables=("accidents",), optional_tables=("cases",),
        compute=Count(
            table="referral_gaps", when=lambda ctx: pl.lit(True), id_column="accident_id",
            points="annual.b3_points_per_gap",
            what="达到“造成严重后果”标准而未移送司法机关的责任事故", unit="起",
            none="无达到“造成严重后果”标准而未移送司法机关的责任事故，不扣分",
        ),
        readings=(
            "标准含本数，满足其一即可；死亡人数一律含失踪人数（不论 count_missing_as_deaths）。",
            "已移送：有移送司法机关的案件以事故编号（cases.accident_id）关联该事故、立案日期不晚于"
            "考核期末；或未填事故编号的移送案件属同一企业、立案日期在事故发生之日至考核期末之间。"
            "两者满足其一即可；关联其他事故的案件不计。",
            "事故无统一社会信用代码且无案件关联的，或数据集无案件表的，按未移送计。"
            "各地区计本地区及下级地区的事故。",
        ),
    ),
    Rule(
        id="B.cap", scorer=SCORER, subject="region", section="B", kind="cap",
        label="B 部分扣分封顶",
        definition="B 部分扣分合计超过该部分分值的，超出部分返还。",
        params=("annual.section_weights",),
    ),
    Rule(
        id="C1", scorer=SCORER, subject="region", section="C",
        label="一般隐患按期整改率",
        definition="整改期限在本年的一般隐患中，按期（整改期限当日及以前）整改的比例不足 100% 的，"
        "按差额扣分。",
        formula="c1_points × (1 − 按期整改率)",
        params=("annual.c1_points",),
        tables=("hazards",),
        compute=Share(
            table="hazards",
            counted=general_due_in_period,
            value=rectified_on_time,
            failed=lambda ctx: general_due_in_period(ctx) & ~rectified_on_time(ctx),
            id_column="hazard_id",
            points="annual.c1_points",
            head="本年到期一般隐患 {n} 项，按期整改 {k} 项",
            rate="按期整改率",
            empty="本年无到期一般隐患（无隐患数据），C1 不扣分",
        ),
    ),
    Rule(
        id="C2", scorer=SCORER, subject="region", section="C",
        label="重大隐患五落实",
        definition="本年发现的重大隐患中，责任、措施、资金、时限、预案五落实到位的"
        "比例不足 100% 的，按差额扣分。",
        formula="c2_points × (1 − 五落实到位率)",
        params=("annual.c2_points",),
        tables=("hazards",),
        compute=Share(
            table="hazards",
            counted=major_found_in_period,
            value=lambda ctx: pl.col("five_in_place").fill_null(False),
            failed=lambda ctx: major_found_in_period(ctx)
            & ~pl.col("five_in_place").fill_null(False),
            id_column="hazard_id",
            points="annual.c2_points",
            head="本年发现重大隐患 {n} 项，五落实到位 {k} 项",
            rate="五落实到位率",
            empty="本年未发现重大隐患（无隐患数据），C2 不扣分",
        ),
    ),
    Rule(
        id="C3", scorer=SCORER, subject="region", section="C",
        label="挂牌督办重大隐患按期销号",
        definition="挂牌督办的重大隐患中，整改期限（经批准延期的，为延期后的期限）在本年的，"
        "按期验收销号（无销号日期的，以整改完成日期计）的比例不足 100% 的，按差额扣分。",
        formula="c3_points × (1 − 按期销号率)；c3_measure = 挂牌率 时为旧口径："
        "c3_points × (1 − 本年发现重大隐患的挂牌督办率)",
        params=("annual.c3_points", "annual.c3_measure"),
        tables=("hazards",),
        compute=Share(
            table="hazards",
            counted=lambda ctx: _c3_counted(ctx),
            value=lambda ctx: _c3_met(ctx),
            failed=lambda ctx: _c3_counted(ctx) & ~_c3_met(ctx),
            id_column="hazard_id",
            points="annual.c3_points",
            head=lambda ctx: _c3_words(ctx)[0],
            rate=lambda ctx: _c3_words(ctx)[1],
            empty=lambda ctx: _c3_words(ctx)[2],
        ),
        readings=(
            "挂牌督办是上级对部分重大隐患的选择性决定（2023 年全国发现重大隐患约 19.12 万项，"
            "挂牌督办约 3.16 万项，约 16.5%），故考核挂牌隐患是否按期销号，而非挂牌比例；"
            "旧口径（挂牌率）可由 annual.c3_measure = \"挂牌率\" 选用。",
        ),
    ),
    Rule(
        id="C4", scorer=SCORER, subject="region", section="C",
        label="到期未整改重大隐患",
        definition="整改期限在本年年底及以前、到年底仍未整改的重大隐患（不论哪一年到期），每项扣分。",
        formula="c4_points_per_hazard × 项数",
        params=("annual.c4_points_per_hazard",),
        tables=("hazards",),
        compute=Count(
            table="hazards",
            when=major_overdue,
            id_column="hazard_id",
            points="annual.c4_points_per_hazard",
            what=lambda ctx: f"截至 {ctx.end.year} 年 {ctx.end.month} 月 {ctx.end.day} 日"
            "到期未整改的重大隐患",
            unit="项",
            none=lambda ctx: f"截至 {ctx.end.year} 年 {ctx.end.month} 月 {ctx.end.day} 日"
            "无到期未整改的重大隐患，不扣分",
        ),
    ),
    Rule(
        id="C5", scorer=SCORER, subject="region", section="C", kind="metric",
        label="应发现未发现",
        definition="上级检查或暗访在本年发现的重大隐患，所在企业此前 lookback_days 天内被本地区"
        "或上级地区的部门检查过的（应检查未检查、应发现未发现），每项扣分（默认只报告）。",
        formula="c5_points_per_hazard × 项数",
        params=("annual.c5_points_per_hazard", "hazards.lookback_days"),
        tables=("hazards", "inspections"),
        compute=Count(
            table="hazards", rows=_found_not_found, when=lambda ctx: pl.lit(True),
            id_column="hazard_id", points="annual.c5_points_per_hazard",
            what=lambda ctx: "上级检查或暗访发现、此前 "
            f"{int(ctx['hazards.lookback_days'])} 天内属地部门检查过该企业的重大隐患",
            unit="项", none="无应发现未发现的重大隐患，不扣分",
        ),
        readings=("检查须在发现前 1 天至 lookback_days 天内（含两端），由隐患所在地区或其上级"
                  "地区的部门进行；倒查清单列出每项隐患背后的检查。",),
    ),
    Rule(
        id="C6", scorer=SCORER, subject="region", section="C", kind="metric",
        label="存量重大隐患未清零",
        definition="基准年（vintage_year）年底前发现、当时未销号的存量重大隐患，至本考核期末"
        "仍未销号的，每项扣分（默认只报告）。",
        formula="c6_points_per_hazard × 项数",
        params=("annual.c6_points_per_hazard", "hazards.vintage_year"),
        tables=("hazards",),
        compute=Count(
            table="hazards", when=stock_open, id_column="hazard_id",
            points="annual.c6_points_per_hazard",
            what=lambda ctx: f"{int(ctx['hazards.vintage_year'])} 年底前发现、"
            f"至 {ctx.end.isoformat()} 仍未销号的存量重大隐患",
            unit="项", none="存量重大隐患已清零，不扣分",
        ),
    ),
    Rule(
        id="C7", scorer=SCORER, subject="region", section="C", kind="metric",
        label="重大隐患企业自查发现率",
        definition="本年发现的重大隐患中，由企业自查发现的比例不足 100% 的，按差额扣分"
        "（默认只报告）；发现方式不详的不计，并说明项数。",
        formula="c7_points × (1 − 自查发现率)",
        params=("annual.c7_points",),
        tables=("hazards",),
        compute=Share(
            table="hazards", counted=finder_known, value=self_found,
            failed=lambda ctx: finder_known(ctx) & ~self_found(ctx),
            id_column="hazard_id", points="annual.c7_points",
            head="本年发现重大隐患（发现方式已知）{n} 项，企业自查发现 {k} 项",
            rate="自查发现率", empty="本年未发现重大隐患，C7 不扣分",
            left_out=lambda ctx: major_found_in_period(ctx) & pl.col("found_by").is_null(),
            left_out_note="（发现方式不详的 {n} 项不计）",
            all_left_out="本年发现的重大隐患发现方式均不详{note}，C7 不扣分",
        ),
    ),
    Rule(
        id="C8", scorer=SCORER, subject="region", section="C", kind="metric",
        label="新增重大隐患",
        definition="本年新发现的重大隐患数，及每百家在营企业的新增数（只报告）。",
        formula="本年发现重大隐患数 × 100 ÷ 在营企业数",
        tables=("hazards", "enterprises"),
        cites="安全生产治本攻坚三年行动（2024—2026 年）：重大事故隐患动态清零，新增重大隐患"
        "须掌握底数；本项只报告，不计分",
    ),
    Rule(
        id="C.cap", scorer=SCORER, subject="region", section="C", kind="cap",
        label="C 部分扣分封顶",
        definition="C 部分扣分合计超过该部分分值的，超出部分返还。",
        params=("annual.section_weights",),
    ),
    Rule(
        id="D1", scorer=SCORER, subject="region", section="D",
        label="一岗双责履职率",
        definition="本地区及下级领导干部一岗双责平均履职率不足 100% 的，按差额扣分。",
        formula="d1_points × (1 − 平均履职率)",
        params=("annual.d1_points", "dual_duty.duty_requirements"),
        tables=("officials", "duty_records"),
        compute=Share(
            table="officials",
            counted=lambda ctx: pl.col("fulfilment").is_not_null(),
            value=lambda ctx: pl.col("fulfilment"),
            failed=lambda ctx: pl.col("fulfilment") < 1,
            id_column="official_id",
            points="annual.d1_points",
            head="领导干部 {n} 人",
            rate="平均履职率",
            empty="无领导干部数据，D1 不扣分",
            left_out=lambda ctx: pl.col("fulfilment").is_null(),
            left_out_note="（所任职务无履职要求的 {n} 人不计）",
            all_left_out="无需考核履职的领导干部{note}，D1 不扣分",
        ),
        readings=("没有履职记录的领导干部履职率为 0，计入平均；所任职务无履职要求的不计。",),
    ),
    Rule(
        id="D2", scorer=SCORER, subject="region", section="D", kind="metric",
        label="被约谈扣分",
        definition="本考核期内本地区（或其领导干部）被约谈的，每次约谈扣分（默认 0 分：不扣分，"
        "也不列项）。",
        formula="summons_points × 约谈次数",
        params=(SUMMONS_POINTS, "dual_duty.summons"),
        tables=("officials",), optional_tables=("accidents",),
        compute=MetricFormula(plan=_d2, points=SUMMONS_POINTS),
        readings=(
            "约谈为一岗双责约谈通报事件（summons_events）中步骤为约谈、触发日期在本考核期内的"
            "事件（约谈规则触发的约谈）；同一规则同一天对同一地区的约谈（涉及几名领导干部）"
            "计一次；约谈后升级的通报不计。",
            "只扣被约谈地区本身的分，不计入上级地区；分值不为 0 时每个地区列一项，"
            "未被约谈的为 0 分。",
            "扣分计入 D 部分，受 D 部分分值封顶。",
        ),
    ),
    Rule(
        id="D.cap", scorer=SCORER, subject="region", section="D", kind="cap",
        label="D 部分扣分封顶",
        definition="D 部分扣分合计超过该部分分值的，超出部分返还。",
        params=("annual.section_weights",),
    ),
    Rule(
        id="E1", scorer=SCORER, subject="region", section="E",
        label="安全生产标准化达标率",
        definition="需取得安全生产许可的企业中，标准化达到 e1_min_level 及以上的比例低于目标的，"
        "按差距扣分。",
        formula="e1_points × max(0, 1 − 达标率 ÷ e1_target_share)",
        params=("annual.e1_points", "annual.e1_target_share", "annual.e1_min_level"),
        tables=("enterprises",),
        compute=Share(
            table="enterprises",
            rows=_target_met,
            counted=lambda ctx: pl.lit(True),
            value=_good_level,
            failed=lambda ctx: ~_good_level(ctx),
            id_column="enterprise_id",
            points="annual.e1_points",
            target="annual.e1_target_share",
            head=lambda ctx: (
                f"需许可企业 {{n}} 家，标准化{ctx['annual.e1_min_level']}及以上 {{k}} 家"
            ),
            rate="达标率",
            empty="无需许可企业数据，E1 不扣分",
            evidence_when_deducted=True,
        ),
        readings=("本年以前已关闭的企业不计。",),
    ),
    Rule(
        id="E2", scorer=SCORER, subject="region", section="E",
        label="年度工作目标完成率",
        definition="本年各项工作目标完成率（每项至多 100%）的平均值不足 100% 的，按差额扣分。",
        formula="e2_points × (1 − 平均完成率)",
        params=("annual.e2_points",),
        tables=("work_items",),
        compute=Share(
            table="work_items",
            rows=_work_items,
            counted=lambda ctx: pl.col("target") > 0,
            value=lambda ctx: pl.min_horizontal(pl.lit(1.0), pl.col("achieved") / pl.col("target")),
            failed=lambda ctx: (pl.col("target") > 0) & (pl.col("achieved") < pl.col("target")),
            id_column="wid",
            points="annual.e2_points",
            head="本年工作目标 {n} 项（每项完成率至多 100%）",
            rate="平均完成率",
            empty="无年度工作目标数据，E2 不扣分",
            left_out=lambda ctx: ~(pl.col("target") > 0),
            left_out_note="（目标值为 0 的 {n} 项不计：{ids}）",
            all_left_out="本年无目标值大于 0 的工作目标{note}，E2 不扣分",
        ),
        readings=("目标值为 0 的工作目标不计，并在说明中列出。",),
    ),
    Rule(
        id="E.cap", scorer=SCORER, subject="region", section="E", kind="cap",
        label="E 部分扣分封顶",
        definition="E 部分扣分合计超过该部分分值的，超出部分返还。",
        params=("annual.section_weights",),
    ),
    Rule(
        id="rescale", scorer=SCORER, subject="region", kind="finishing",
        label="未评部分折算",
        definition="缺少数据表的部分不评，得分按已评部分的满分折算为百分制。",
        formula="(已评部分满分 + 已评部分扣分) × base ÷ 已评部分满分",
        params=("annual.section_weights", "annual.base"),
    ),
    Rule(
        id="adjustment", scorer=SCORER, subject="region", kind="finishing",
        label="委员会加分核减",
        definition="考核委员会对本地区的加分或核减，各以其依据单列。",
        tables=("adjustments",),
    ),
    Rule(
        id="clip", scorer=SCORER, subject="region", kind="finishing",
        label="得分限于 0 至满分",
        definition="合计高于满分的记为满分，低于 0 分的记为 0 分。",
        params=("annual.base",),
    ),
    Rule(
        id="grade_cap", scorer=SCORER, subject="region", kind="decision",
        label="等次上限",
        definition="发生 grade_cap_accident_grade 及以上事故的地区，等次最高为 grade_cap。",
        params=("annual.grade_cap_accident_grade", "annual.grade_cap", GRADING, POPULATION),
        tables=("accidents",),
    ),
    Rule(
        id="veto", scorer=SCORER, subject="region", kind="decision",
        label="一票否决",
        definition="某等级及以上事故或瞒报（谎报）事故达到本级规定起数的地区，实行一票否决，"
        "等次定为最低一档。",
        params=("annual.veto_province", "annual.veto_city", "annual.veto_county", GRADING,
                POPULATION),
        tables=("accidents",),
        readings=("事故起数按“该等级及以上”计；下级地区的事故计入上级。",),
    ),
    Rule(
        id="grade_down", scorer=SCORER, subject="region", kind="decision",
        label="委员会降低考核等次",
        definition="考核委员会决定降低考核等次的（加分核减表 effect 为 grade_down），在得分、"
        "等次上限确定的等次上降低 steps 个等次，至多降至最低一档；不改变得分。",
        tables=("adjustments",),
        readings=("降低等次的调整不计分值；其分值不为 0 的，给出警告。",
                  "已一票否决的地区等次已为最低一档，不再降低。"),
    ),
    Rule(
        id="veto.grade", scorer=SCORER, subject="region", kind="decision",
        label="按考核等次一票否决",
        definition="考核等次（降低等次之后）为 veto_if_grade 所列等次的地区，实行一票否决。",
        params=("annual.veto_if_grade",),
        readings=("与事故引起的一票否决合并为 vetoed 一列，原因分别列出。",),
    ),
    Rule(
        id="award", scorer=SCORER, subject="region", kind="decision",
        label="评先",
        definition="未被一票否决（veto_consequences 规定否决的地区不得评先评优）、"
        "适用级别内且未发生 forbidden_grade 及以上事故的地区，在同一上级下按得分排名，"
        "前 top 名或前 share 比例（至少 1 个，并列者均获评）获评该奖项；"
        "一个地区只获评所列的第一个奖项。",
        params=("annual.awards", "annual.veto_consequences", GRADING),
        readings=("前 share 比例按同一上级下适用级别内有得分的地区数计，向下取整，至少 1 个。",),
    ),
    Rule(
        id="decision.unknown_concealer", scorer=SCORER, subject="region", kind="decision",
        label="瞒报主体未知",
        definition="一票否决、黄牌警告表中按瞒报主体（by）计数的条件未达到，而另有瞒报主体"
        "未知的事故时，列出这些事故：主体未知的事故不计入，也不默认为任何主体。",
        params=("annual.veto_county", "annual.veto_city", "annual.yellow_card_county",
                "annual.yellow_card_city", GRADING, POPULATION),
        tables=("accidents",),
        readings=("只作说明（0 分），不改变一票否决、黄牌警告的判定。",),
    ),
    Rule(
        id="veto.zero", scorer=SCORER, subject="region", kind="finishing",
        label="一票否决得分记 0",
        definition="veto_effect 为 zero 时，一票否决的地区得分记为 0 分。",
        params=("annual.veto_effect",),
    ),
    Rule(
        id="yellow_card", scorer=SCORER, subject="region", kind="decision",
        label="黄牌警告",
        definition="某等级及以上事故达到本级规定起数的地区给予黄牌警告，与一票否决分别判定。",
        params=("annual.yellow_card_province", "annual.yellow_card_city",
                "annual.yellow_card_county", GRADING, POPULATION),
        tables=("accidents",),
    ),
    Rule(
        id="veto.unit", scorer=SCORER, subject="department", kind="decision",
        label="部门、国有企业一票否决",
        definition="部门监管行业领域内、本地区及以下的事故，或国有企业本企业（列有考核行业领域的，"
        "其中的）事故，某等级及以上达到规定起数，或报告失职（瞒报、谎报、漏报、迟报）达到规定"
        "起数的，实行一票否决；考核等次为 veto_if_grade 所列等次的也否决（有得分时）。",
        params=("annual.veto_department", "annual.veto_state_enterprise", "annual.veto_if_grade",
                "annual.unit_rules", GRADING, POPULATION),
        tables=("accidents", "officials", "assessed_enterprises"),
        readings=("部门为领导干部表中、在行业领域—部门对应表里的（地区，部门）；"
                  "exempt_without_supervisory_responsibility 为是时不计调查认定无监管责任的事故。",
                  "排名在同一地区的部门之间、同一地区考核的国有企业之间进行；"
                  "units_published_with_regions 为是时与下级地区列入同一公布名单。"),
    ),
    Rule(
        id="yellow_card.unit", scorer=SCORER, subject="department", kind="decision",
        label="部门、国有企业黄牌警告",
        definition="部门、国有企业的事故达到本类对象黄牌警告表规定起数的，给予黄牌警告，"
        "与一票否决分别判定。",
        params=("annual.yellow_card_department", "annual.yellow_card_state_enterprise",
                GRADING, POPULATION),
        tables=("accidents", "officials", "assessed_enterprises"),
    ),
)  # fmt: skip
