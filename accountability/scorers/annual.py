"""年度目标管理考核 — the annual target assessment of regions (RUBRIC.md).

Every region starts at `annual.base` (100).  Sections A–E each add line items
(points ≤ 0 for a deduction); a section's deductions are capped at its weight by one
``X.cap`` line item; a section whose tables are missing is not assessed and one
``rescale`` line item rescales the score to the assessed weights; committee
``adjustment`` line items follow, then one ``clip`` line item keeps the total within
[0, base]; a veto with ``veto_effect = "zero"`` adds ``veto.zero``.  So
``score == base + sum(points)`` for every region with a score.

A region's figures include its own rows and those of every region below it
(`accountability.regions.roll_up`); targets and region stats are its own row only.

The section functions take frames, not a `Dataset`, so each can be used (and tested)
alone: `section_b` takes the 四个一律 ``by_region`` frame and `section_d` the 一岗双责
``officials`` frame.

>>> import datetime as dt, polars as pl
>>> from accountability.dataset import Dataset
>>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
...     "parent_code": [None], "level": ["市"]}, schema_overrides={"parent_code": pl.String})
>>> result = annual(Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1)), year=2024)
>>> result.regions.select("region_code", "score", "incomplete").row(0)
('430900', None, True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
import polars as pl

from accountability.accidents import counted_deaths, grade_accidents
from accountability.codes import ACCIDENT_GRADES, STANDARDIZATION_LEVELS
from accountability.dataset import Dataset
from accountability.lineitems import LINE_ITEM_SCHEMA, concat_line_items
from accountability.regions import roll_up
from accountability.rulebook import Rulebook, RulesAt, rulebook

__all__ = [
    "ITEM_ORDER",
    "REGION_COLUMNS",
    "SECTIONS",
    "SECTION_NAMES",
    "SECTION_TABLES",
    "AnnualResult",
    "annual",
    "finish_regions",
    "section_a",
    "section_b",
    "section_c",
    "section_d",
    "section_e",
]

SECTIONS: tuple[str, ...] = ("A", "B", "C", "D", "E")
SECTION_NAMES: dict[str, str] = {
    "A": "事故控制",
    "B": "打非治违",
    "C": "隐患排查治理",
    "D": "责任落实",
    "E": "基础工作",
}
# A section is assessed when all its tables are present (RUBRIC.md, Readings).
SECTION_TABLES: dict[str, tuple[str, ...]] = {
    "A": ("accidents",),
    "B": ("cases", "inspections", "enterprises"),
    "C": ("hazards",),
    "D": ("officials", "duty_records"),
    "E": ("enterprises", "work_items"),
}
# The order line items are applied in (and shown by `explain`).
ITEM_ORDER: tuple[str, ...] = (
    "A1", "A2", "A3", "A4", "A5", "A.cap",
    "B1", "B2", "B.cap",
    "C1", "C2", "C3", "C4", "C.cap",
    "D1", "D.cap",
    "E1", "E2", "E.cap",
    "rescale", "adjustment", "clip", "veto.zero",
)  # fmt: skip

LEVEL_KEYS: dict[str, str] = {"省": "province", "市": "city", "县": "county"}

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
    (
        "road_deaths_per_10k_vehicles",
        "道路交通万车死亡率",
        "sectors.road",
        10_000.0,
        "motor_vehicles",
    ),
    ("coal_deaths_per_mt", "煤矿百万吨死亡率", "sectors.coal", 1.0, "coal_output_mt"),
)

REGION_COLUMNS: dict[str, pl.DataType] = {
    "region_code": pl.String(),
    "name": pl.String(),
    "level": pl.String(),
    "parent_code": pl.String(),
    "score": pl.Float64(),
    "grade": pl.String(),
    "vetoed": pl.Boolean(),
    "veto_reasons": pl.List(pl.String()),
    "yellow_card": pl.Boolean(),
    "yellow_card_reasons": pl.List(pl.String()),
    "grade_capped": pl.Boolean(),
    "incomplete": pl.Boolean(),
    "unassessed_sections": pl.List(pl.String()),
    "rank": pl.Int64(),
    **{s: pl.Float64() for s in SECTIONS},
}

_ITEM_COLUMNS = ("region_code", "rule_id", "points", "reason", "basis", "evidence")
_EMPTY_IDS = pl.lit([], dtype=pl.List(pl.String()))


@attrs.frozen
class AnnualResult:
    """The annual assessment: one row per region (`REGION_COLUMNS`) and its line items."""

    regions: pl.DataFrame
    line_items: pl.DataFrame
    assessed_sections: tuple[str, ...]


# --- small expression helpers -------------------------------------------------------------


def _num(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    """A number as short text: rounded, no trailing ".0", no "-0"."""
    r = expr.cast(pl.Float64).round(decimals)
    r = pl.when(r == 0).then(pl.lit(0.0)).otherwise(r)
    return r.cast(pl.String).str.replace(r"\.0$", "")


def _pct(expr: pl.Expr) -> pl.Expr:
    return pl.format("{}%", _num(expr * 100))


def _deduct(points: pl.Expr) -> pl.Expr:
    """Reason tail for a line item's points: "扣 6 分" or "不扣分"."""
    return (
        pl.when(points < 0).then(pl.format("扣 {} 分", _num(-points))).otherwise(pl.lit("不扣分"))
    )


def _neg(magnitude: pl.Expr) -> pl.Expr:
    """A deduction magnitude (≥ 0) as points (≤ 0), never -0.0."""
    m = magnitude.cast(pl.Float64)
    return pl.when(m == 0).then(pl.lit(0.0)).otherwise(-m)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{round(value, 4):g}"
    return str(value)


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _in_year(col: str, year: int) -> pl.Expr:
    start, end = _year_bounds(year)
    return pl.col(col).is_between(pl.lit(start), pl.lit(end), closed="both")


def _region_frame(regions: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return regions.lazy().select(
        pl.col("region_code").cast(pl.String),
        pl.col("parent_code").cast(pl.String),
    )


def _rolled(
    rows: pl.LazyFrame, regions: pl.DataFrame | pl.LazyFrame, aggs: Sequence[pl.Expr]
) -> pl.LazyFrame:
    """Aggregate `rows` per region including every region below it; every region gets a
    row (counts 0, lists empty where it has no rows)."""
    links = _region_frame(regions)
    agg = (
        roll_up(rows.with_columns(pl.col("region_code").cast(pl.String)), links)
        .group_by("rollup_code")
        .agg(aggs)
        .rename({"rollup_code": "region_code"})
    )
    out = links.select("region_code").join(agg, on="region_code", how="left")
    schema = out.collect_schema()
    fills = []
    for name, dtype in schema.items():
        if name == "region_code":
            continue
        if isinstance(dtype, pl.List):
            fills.append(pl.col(name).fill_null(pl.lit([], dtype=dtype)))
        elif dtype.is_numeric():
            fills.append(pl.col(name).fill_null(0))
    out = out.with_columns(fills) if fills else out
    # "<name>__fsum": values sorted per group, summed here — a float sum inside a
    # group_by can follow row order even after .sort(); a sorted list's sum cannot.
    sums = [
        pl.col(n).list.sum().alias(n.removesuffix("__fsum")) for n in schema if n.endswith("__fsum")
    ]
    return out.with_columns(sums).drop([n for n in schema if n.endswith("__fsum")]) if sums else out


def _items(
    frame: pl.LazyFrame,
    rule_id: str,
    points: pl.Expr,
    reason: pl.Expr,
    basis: str,
    evidence: pl.Expr,
) -> pl.LazyFrame:
    return frame.select(
        pl.col("region_code"),
        pl.lit(rule_id).alias("rule_id"),
        points.cast(pl.Float64).alias("points"),
        reason.cast(pl.String).alias("reason"),
        pl.lit(basis, dtype=pl.String).alias("basis"),
        evidence.cast(pl.List(pl.String())).alias("evidence"),
    )


def _note(
    regions: pl.DataFrame | pl.LazyFrame, rule_id: str, reason: str, basis: str
) -> pl.LazyFrame:
    """A 0-point line item for every region."""
    return _items(_region_frame(regions), rule_id, pl.lit(0.0), pl.lit(reason), basis, _EMPTY_IDS)


def _empty_items() -> pl.LazyFrame:
    return pl.DataFrame(
        schema={
            "region_code": pl.String(),
            "rule_id": pl.String(),
            "points": pl.Float64(),
            "reason": pl.String(),
            "basis": pl.String(),
            "evidence": pl.List(pl.String()),
        }
    ).lazy()


def _sorted_ids(col: str, cond: pl.Expr | None = None) -> pl.Expr:
    expr = pl.col(col).cast(pl.String)
    if cond is not None:
        expr = expr.filter(cond)
    return expr.unique().sort()


def _rules(rules: Rulebook | None) -> Rulebook:
    return rules if rules is not None else rulebook()


def _has_col(frame: pl.DataFrame | pl.LazyFrame, name: str) -> bool:
    return name in frame.lazy().collect_schema().names()


def prepare_accidents(
    accidents: pl.DataFrame | pl.LazyFrame, rules: Rulebook | None = None
) -> pl.LazyFrame:
    """Liability accidents only, with `grade` and counted deaths `d` (missing persons
    with deaths while the switch is on), each by the rules in force on its date."""
    book = _rules(rules)
    lf = accidents.lazy()
    if not _has_col(lf, "liability"):
        lf = lf.with_columns(pl.lit(True).alias("liability"))
    lf = lf.filter(pl.col("liability").fill_null(True))
    lf = grade_accidents(lf, book).with_columns(counted_deaths(book).cast(pl.Int64).alias("d"))
    return lf.with_columns(
        pl.col("region_code").cast(pl.String), pl.col("accident_id").cast(pl.String)
    )


# --- section A: 事故控制 --------------------------------------------------------------------


def section_a(
    accidents: pl.DataFrame | pl.LazyFrame,
    regions: pl.DataFrame | pl.LazyFrame,
    rules: Rulebook | None,
    year: int,
    *,
    targets: pl.DataFrame | None = None,
    region_stats: pl.DataFrame | None = None,
) -> pl.LazyFrame:
    """Line items A1–A5 (region_code, rule_id, points, reason, basis, evidence).

    `accidents` is the raw table (liability-false rows are dropped here); A2 applies
    only where it has rows dated in the previous year.

    >>> import datetime as dt, polars as pl
    >>> regions = pl.DataFrame({"region_code": ["430902"], "parent_code": [None]},
    ...     schema_overrides={"parent_code": pl.String})
    >>> acc = pl.DataFrame({"accident_id": ["X1"], "region_code": ["430902"],
    ...     "sector": ["水上交通"], "occurred_on": [dt.date(2024, 10, 5)], "deaths": [3],
    ...     "missing": [0], "serious_injuries": [0], "direct_loss_10k_yuan": [10.0],
    ...     "reported_late": [False], "concealed": [False]})
    >>> items = section_a(acc, regions, None, 2024).collect()
    >>> items.filter(pl.col("rule_id") == "A4").select("points", "reason").row(0)
    (-4.0, '较大及以上事故 1 起，每起扣 4 分，扣 4 分')
    """
    book = _rules(rules)
    p = book.for_year(year)
    raw = accidents.lazy()
    accs = prepare_accidents(raw, book)
    this_year = accs.filter(_in_year("occurred_on", year))
    parts = [
        _a1(this_year, regions, p, year, targets),
        _a2(raw, accs, regions, p, year),
        _a3(this_year, regions, p, year, targets, region_stats),
        _a4_a5(this_year, regions, p),
    ]
    return pl.concat(parts, how="vertical")


def _own_targets(targets: pl.DataFrame | None, year: int) -> pl.LazyFrame:
    schema = {"region_code": pl.String(), "indicator": pl.String(), "limit": pl.Float64()}
    if targets is None:
        return pl.DataFrame(schema=schema).lazy()
    return (
        targets.lazy()
        .filter(pl.col("year") == year)
        .select(
            pl.col("region_code").cast(pl.String),
            pl.col("indicator").cast(pl.String),
            pl.col("limit").cast(pl.Float64),
        )
    )


def _a1(
    accs: pl.LazyFrame, regions: Any, p: RulesAt, year: int, targets: pl.DataFrame | None
) -> pl.LazyFrame:
    per = _rolled(
        accs,
        regions,
        [
            pl.col("d").sum().alias("deaths"),
            _sorted_ids("accident_id", pl.col("d") > 0).alias("ev"),
        ],
    )
    limits = (
        _own_targets(targets, year)
        .filter(pl.col("indicator") == "deaths")
        .select("region_code", "limit")
    )
    per = per.join(limits, on="region_code", how="left")
    rate = p["annual.a1_points_per_death"]
    over = pl.col("deaths").cast(pl.Float64) - pl.col("limit")
    applies = pl.col("limit").is_not_null() & (pl.col("deaths").cast(pl.Float64) > pl.col("limit"))
    points = pl.when(applies).then(_neg(over * rate)).otherwise(pl.lit(0.0))
    per = per.with_columns(points.alias("pts"), over.alias("over"))
    reason = (
        pl.when(pl.col("limit").is_null())
        .then(pl.format("未下达死亡人数控制指标，A1 不适用（死亡 {} 人）", pl.col("deaths")))
        .when(applies)
        .then(
            pl.format(
                "死亡 {} 人，超控制指标 {} 人 {} 人，每人扣 {} 分，{}",
                pl.col("deaths"),
                _num(pl.col("limit")),
                _num(pl.col("over")),
                pl.lit(_fmt(rate)),
                _deduct(pl.col("pts")),
            )
        )
        .otherwise(
            pl.format(
                "死亡 {} 人，未超控制指标 {} 人，不扣分", pl.col("deaths"), _num(pl.col("limit"))
            )
        )
    )
    return _items(
        per, "A1", pl.col("pts"), reason, p.basis("annual.a1_points_per_death"), pl.col("ev")
    )


_A2_METRICS = (
    ("n", "事故起数", "起", 0),
    ("deaths", "死亡人数", "人", 0),
    ("injuries", "重伤人数", "人", 0),
    ("loss", "直接经济损失", "万元", 2),
)


def _a2(raw: pl.LazyFrame, accs: pl.LazyFrame, regions: Any, p: RulesAt, year: int) -> pl.LazyFrame:
    basis = p.basis("annual.a2_points_rise")
    has_prev = raw.filter(_in_year("occurred_on", year - 1)).select(pl.len()).collect().item() > 0
    if not has_prev:
        return _note(
            regions, "A2", f"数据集无上年（{year - 1} 年）事故数据，A2 同比不适用，不扣分", basis
        )
    rows = accs.filter(
        _in_year("occurred_on", year) | _in_year("occurred_on", year - 1)
    ).with_columns(_in_year("occurred_on", year).alias("cur"))
    cur, prev = pl.col("cur"), ~pl.col("cur")
    aggs: list[pl.Expr] = [
        cur.sum().cast(pl.Int64).alias("n_cur"),
        prev.sum().cast(pl.Int64).alias("n_prev"),
        pl.col("d").filter(cur).sum().alias("deaths_cur"),
        pl.col("d").filter(prev).sum().alias("deaths_prev"),
        pl.col("serious_injuries").filter(cur).sum().alias("injuries_cur"),
        pl.col("serious_injuries").filter(prev).sum().alias("injuries_prev"),
        # sorted before summing: row order never changes a float sum
        pl.col("direct_loss_10k_yuan").filter(cur).sort().alias("loss_cur__fsum"),
        pl.col("direct_loss_10k_yuan").filter(prev).sort().alias("loss_prev__fsum"),
        _sorted_ids("accident_id").alias("ev"),
    ]
    per = _rolled(rows, regions, aggs).with_columns(
        pl.col("loss_cur").round(6), pl.col("loss_prev").round(6)
    )
    rise, flat = p["annual.a2_points_rise"], p["annual.a2_points_flat"]
    pts_cols, parts = [], []
    for key, label, unit, dec in _A2_METRICS:
        c, v = pl.col(f"{key}_cur").cast(pl.Float64), pl.col(f"{key}_prev").cast(pl.Float64)
        pts = (
            pl.when(c > v)
            .then(pl.lit(rise))
            .when((c == v) & (c != 0))
            .then(pl.lit(flat))
            .otherwise(pl.lit(0.0))
        )
        verdict = (
            pl.when(c > v).then(pl.lit(f"上升，扣 {_fmt(rise)} 分"))
            .when((c == v) & (c != 0)).then(pl.lit(f"持平且不为零，扣 {_fmt(flat)} 分"))
            .when(c == 0).then(pl.lit("为零，不扣分"))
            .otherwise(pl.lit("下降，不扣分"))
        )  # fmt: skip
        parts.append(
            pl.format(
                f"{label} {{}} {unit}（上年 {{}} {unit}）{{}}", _num(c, dec), _num(v, dec), verdict
            )
        )
        pts_cols.append(pts)
    per = per.with_columns(_neg(pl.sum_horizontal(pts_cols)).alias("pts"))
    reason = pl.format(
        "同比（{} 年对 {} 年）：{}；合计{}",
        pl.lit(str(year)),
        pl.lit(str(year - 1)),
        pl.concat_str(parts, separator="；"),
        _deduct(pl.col("pts")),
    )
    return _items(per, "A2", pl.col("pts"), reason, basis, pl.col("ev"))


def _a3(
    accs: pl.LazyFrame,
    regions: Any,
    p: RulesAt,
    year: int,
    targets: pl.DataFrame | None,
    region_stats: pl.DataFrame | None,
) -> pl.LazyFrame:
    basis = p.basis("annual.a3_points_total")
    aggs: list[pl.Expr] = []
    for key, _label, group, _factor, _denom in A3_INDICATORS:
        cond = (
            pl.lit(True)
            if group is None
            else pl.col("sector").cast(pl.String).is_in(list(p[group]))
        )
        aggs.append(pl.col("d").filter(cond).sum().alias(f"num_{key}"))
        aggs.append(_sorted_ids("accident_id", cond & (pl.col("d") > 0)).alias(f"ev_{key}"))
    per = _rolled(accs, regions, aggs)
    own = _own_targets(targets, year)
    limits = own.group_by("region_code").agg(
        [
            pl.col("limit").filter(pl.col("indicator") == key).first().alias(f"limit_{key}")
            for key, *_ in A3_INDICATORS
        ]
    )
    per = per.join(limits, on="region_code", how="left")
    denominators = ("gdp_100m_yuan", "industry_employees", "motor_vehicles", "coal_output_mt")
    if region_stats is not None:
        stats = (
            region_stats.lazy()
            .filter(pl.col("year") == year)
            .select(
                pl.col("region_code").cast(pl.String),
                *[pl.col(c).cast(pl.Float64) for c in denominators],
            )
        )
    else:
        stats = pl.DataFrame(
            schema={"region_code": pl.String(), **{c: pl.Float64() for c in denominators}}
        ).lazy()
    per = per.join(stats, on="region_code", how="left")
    applicable, over, parts, evidence = [], [], [], []
    for key, label, _group, factor, denom in A3_INDICATORS:
        limit, den = pl.col(f"limit_{key}"), pl.col(denom)
        ok = limit.is_not_null() & den.is_not_null() & (den > 0)
        rate = pl.col(f"num_{key}").cast(pl.Float64) * factor / den
        is_over = ok & (rate.round(9) > limit)
        per = per.with_columns(
            ok.alias(f"ok_{key}"),
            is_over.fill_null(False).alias(f"over_{key}"),
            rate.alias(f"rate_{key}"),
        )
        applicable.append(pl.col(f"ok_{key}").cast(pl.Int64))
        over.append(pl.col(f"over_{key}").cast(pl.Int64))
        parts.append(
            pl.when(pl.col(f"ok_{key}")).then(
                pl.format(
                    f"{label} {{}}（控制指标 {{}}）{{}}",
                    _num(pl.col(f"rate_{key}"), 4),
                    _num(limit, 4),
                    pl.when(pl.col(f"over_{key}")).then(pl.lit("超标")).otherwise(pl.lit("未超标")),
                )
            )
        )
        evidence.append(
            pl.when(pl.col(f"over_{key}")).then(pl.col(f"ev_{key}")).otherwise(_EMPTY_IDS)
        )
    total = float(p["annual.a3_points_total"])
    per = per.with_columns(
        pl.sum_horizontal(applicable).alias("n_app"), pl.sum_horizontal(over).alias("n_over")
    ).with_columns(
        pl.when(pl.col("n_app") > 0)
        .then(_neg(pl.lit(total) / pl.col("n_app") * pl.col("n_over")))
        .otherwise(pl.lit(0.0))
        .alias("pts")
    )
    reason = (
        pl.when(pl.col("n_app") == 0)
        .then(pl.lit("无适用的相对指标（需有控制指标且统计分母大于 0），A3 不适用，不扣分"))
        .otherwise(
            pl.format(
                "{}；适用指标 {} 项，每项超标扣 {} 分，超标 {} 项，{}",
                pl.concat_str(parts, separator="；", ignore_nulls=True),
                pl.col("n_app"),
                _num(pl.lit(total) / pl.col("n_app")),
                pl.col("n_over"),
                _deduct(pl.col("pts")),
            )
        )
    )
    ev = pl.concat_list(evidence).list.unique().list.sort()
    return _items(per, "A3", pl.col("pts"), reason, basis, ev)


def _a4_a5(accs: pl.LazyFrame, regions: Any, p: RulesAt) -> pl.LazyFrame:
    min_grade = p["annual.a4_min_grade"]
    serious = pl.col("grade").to_physical() >= ACCIDENT_GRADES.index(min_grade)
    late = pl.col("reported_late").fill_null(False)
    per = _rolled(
        accs,
        regions,
        [
            serious.sum().cast(pl.Int64).alias("n4"),
            _sorted_ids("accident_id", serious).alias("ev4"),
            late.sum().cast(pl.Int64).alias("n5"),
            _sorted_ids("accident_id", late).alias("ev5"),
        ],
    )
    a4, a5 = p["annual.a4_points_per_accident"], p["annual.a5_points_per_late_report"]
    per = per.with_columns(
        _neg(pl.col("n4") * a4).alias("p4"),
        _neg(pl.col("n5") * a5).alias("p5"),
    )
    r4 = (
        pl.when(pl.col("n4") > 0)
        .then(
            pl.format(
                f"{min_grade}及以上事故 {{}} 起，每起扣 {_fmt(a4)} 分，{{}}",
                pl.col("n4"),
                _deduct(pl.col("p4")),
            )
        )
        .otherwise(pl.lit(f"无{min_grade}及以上事故，不扣分"))
    )
    r5 = (
        pl.when(pl.col("n5") > 0)
        .then(
            pl.format(
                f"迟报事故 {{}} 起，每起扣 {_fmt(a5)} 分，{{}}", pl.col("n5"), _deduct(pl.col("p5"))
            )
        )
        .otherwise(pl.lit("无迟报事故，不扣分"))
    )
    return pl.concat(
        [
            _items(
                per, "A4", pl.col("p4"), r4, p.basis("annual.a4_points_per_accident"), pl.col("ev4")
            ),
            _items(
                per,
                "A5",
                pl.col("p5"),
                r5,
                p.basis("annual.a5_points_per_late_report"),
                pl.col("ev5"),
            ),
        ]
    )


# --- section B: 打非治违 --------------------------------------------------------------------


def _eligible_enterprises(enterprises: pl.DataFrame | pl.LazyFrame, year: int) -> pl.LazyFrame:
    """Enterprises minus those 关闭 with closed_on before the year (B2, E1)."""
    lf = enterprises.lazy()
    names = lf.collect_schema().names()
    status = pl.col("status").cast(pl.String) if "status" in names else pl.lit("在营")
    closed_on = pl.col("closed_on") if "closed_on" in names else pl.lit(None, dtype=pl.Date)
    gone = (status == "关闭") & (closed_on < pl.lit(dt.date(year, 1, 1)))
    return lf.filter(~gone.fill_null(False)).with_columns(
        pl.col("region_code").cast(pl.String), pl.col("enterprise_id").cast(pl.String)
    )


def section_b(
    by_region: pl.DataFrame | pl.LazyFrame | None,
    inspections: pl.DataFrame | pl.LazyFrame,
    enterprises: pl.DataFrame | pl.LazyFrame,
    regions: pl.DataFrame | pl.LazyFrame,
    rules: Rulebook | None,
    year: int,
) -> pl.LazyFrame:
    """Line items B1 (四个一律 compliance, from the four_musts ``by_region`` frame:
    region_code, cases_requiring, compliance_rate, noncompliant_case_ids — already
    rolled up and limited to cases found in `year`) and B2 (inspection coverage)."""
    p = _rules(rules).for_year(year)
    links = _region_frame(regions)
    # B1
    b1 = p["annual.b1_points"]
    if by_region is None:
        fm = pl.DataFrame(
            schema={
                "region_code": pl.String(),
                "cases_requiring": pl.Int64(),
                "compliance_rate": pl.Float64(),
                "noncompliant_case_ids": pl.List(pl.String()),
            }
        ).lazy()
    else:
        fm = by_region.lazy().select(
            pl.col("region_code").cast(pl.String),
            pl.col("cases_requiring").cast(pl.Int64),
            pl.col("compliance_rate").cast(pl.Float64),
            pl.col("noncompliant_case_ids").cast(pl.List(pl.String())).list.sort(),
        )
    per = (
        links.select("region_code")
        .join(fm, on="region_code", how="left")
        .with_columns(
            pl.col("cases_requiring").fill_null(0),
            pl.col("noncompliant_case_ids").fill_null(_EMPTY_IDS),
        )
    )
    has = pl.col("cases_requiring") > 0
    rate = pl.col("compliance_rate").fill_null(0.0)
    per = per.with_columns(
        pl.when(has).then(_neg(b1 * (1 - rate))).otherwise(pl.lit(0.0)).alias("pts")
    )
    r1 = (
        pl.when(has)
        .then(
            pl.format(
                "本年需执行四个一律的案件 {} 起，执行到位 {} 起，执行率 {}，扣 {} ×（1 − 执行率），{}",  # noqa: E501
                pl.col("cases_requiring"),
                pl.col("cases_requiring") - pl.col("noncompliant_case_ids").list.len(),
                _pct(rate),
                pl.lit(_fmt(b1)),
                _deduct(pl.col("pts")),
            )
        )
        .otherwise(pl.lit("本年无需执行四个一律的案件（无案件数据），B1 不扣分"))
    )
    items_b1 = _items(
        per, "B1", pl.col("pts"), r1, p.basis("annual.b1_points"), pl.col("noncompliant_case_ids")
    )
    # B2
    b2, target = p["annual.b2_points"], p["annual.b2_coverage_target"]
    inspected = (
        inspections.lazy()
        .filter(_in_year("inspected_on", year))
        .select(pl.col("enterprise_id").cast(pl.String))
        .unique()
        .with_columns(pl.lit(True).alias("inspected"))
    )
    ents = (
        _eligible_enterprises(enterprises, year)
        .select("enterprise_id", "region_code")
        .join(inspected, on="enterprise_id", how="left")
        .with_columns(pl.col("inspected").fill_null(False))
    )
    per2 = _rolled(
        ents,
        regions,
        [
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("inspected").sum().cast(pl.Int64).alias("k"),
            _sorted_ids("enterprise_id", ~pl.col("inspected")).alias("ev"),
        ],
    )
    cov = pl.col("k") / pl.col("n")
    per2 = per2.with_columns(
        pl.when(pl.col("n") > 0)
        .then(_neg(b2 * pl.max_horizontal(pl.lit(0.0), 1 - cov / target)))
        .otherwise(pl.lit(0.0))
        .alias("pts")
    )
    r2 = (
        pl.when(pl.col("n") > 0)
        .then(
            pl.format(
                "企业 {} 家，本年受执法检查 {} 家，覆盖率 {}（目标 {}），{}",
                pl.col("n"),
                pl.col("k"),
                _pct(cov),
                pl.lit(f"{_fmt(target * 100)}%"),
                _deduct(pl.col("pts")),
            )
        )
        .otherwise(pl.lit("无企业数据，B2 不扣分"))
    )
    ev2 = pl.when(pl.col("pts") < 0).then(pl.col("ev")).otherwise(_EMPTY_IDS)
    items_b2 = _items(per2, "B2", pl.col("pts"), r2, p.basis("annual.b2_points"), ev2)
    return pl.concat([items_b1, items_b2])


# --- section C: 隐患排查治理 ----------------------------------------------------------------


def section_c(
    hazards: pl.DataFrame | pl.LazyFrame,
    regions: pl.DataFrame | pl.LazyFrame,
    rules: Rulebook | None,
    year: int,
) -> pl.LazyFrame:
    """Line items C1 (一般 hazards due in year rectified on time), C2/C3 (重大 hazards
    found in year with 五落实 / 挂牌督办), C4 (重大 hazards due by year end not rectified)."""
    p = _rules(rules).for_year(year)
    _, year_end = _year_bounds(year)
    level = pl.col("level").cast(pl.String)
    general, major = level == "一般", level == "重大"
    due_in_year = general & _in_year("due_on", year)
    on_time = pl.col("rectified_on").is_not_null() & (pl.col("rectified_on") <= pl.col("due_on"))
    found_major = major & _in_year("found_on", year)
    overdue = (
        major
        & (pl.col("due_on") <= pl.lit(year_end))
        & (pl.col("rectified_on").is_null() | (pl.col("rectified_on") > pl.lit(year_end)))
    )
    hz = hazards.lazy().with_columns(pl.col("hazard_id").cast(pl.String))
    per = _rolled(
        hz,
        regions,
        [
            due_in_year.sum().cast(pl.Int64).alias("n1"),
            (due_in_year & on_time).sum().cast(pl.Int64).alias("k1"),
            _sorted_ids("hazard_id", due_in_year & ~on_time).alias("ev1"),
            found_major.sum().cast(pl.Int64).alias("n2"),
            (found_major & pl.col("five_in_place").fill_null(False))
            .sum()
            .cast(pl.Int64)
            .alias("k2"),
            _sorted_ids("hazard_id", found_major & ~pl.col("five_in_place").fill_null(False)).alias(
                "ev2"
            ),
            (found_major & pl.col("listed").fill_null(False)).sum().cast(pl.Int64).alias("k3"),
            _sorted_ids("hazard_id", found_major & ~pl.col("listed").fill_null(False)).alias("ev3"),
            overdue.sum().cast(pl.Int64).alias("n4"),
            _sorted_ids("hazard_id", overdue).alias("ev4"),
        ],
    )

    def share_item(
        rule: str,
        key: str,
        n: str,
        k: str,
        ev: str,
        what: str,
        done: str,
        rate_name: str,
        empty: str,
    ) -> pl.LazyFrame:
        base = p[key]
        share = pl.col(k) / pl.col(n)
        pts = pl.when(pl.col(n) > 0).then(_neg(base * (1 - share))).otherwise(pl.lit(0.0))
        f = per.with_columns(pts.alias("pts"))
        reason = (
            pl.when(pl.col(n) > 0)
            .then(
                pl.format(
                    f"{what} {{}} 项，{done} {{}} 项，{rate_name} {{}}，扣 {_fmt(base)} ×（1 − {rate_name}），{{}}",  # noqa: E501
                    pl.col(n),
                    pl.col(k),
                    _pct(share),
                    _deduct(pl.col("pts")),
                )
            )
            .otherwise(pl.lit(empty))
        )
        return _items(f, rule, pl.col("pts"), reason, p.basis(key), pl.col(ev))

    c4 = p["annual.c4_points_per_hazard"]
    f4 = per.with_columns(_neg(pl.col("n4") * c4).alias("pts"))
    r4 = (
        pl.when(pl.col("n4") > 0)
        .then(
            pl.format(
                f"截至 {year} 年 12 月 31 日到期未整改的重大隐患 {{}} 项，每项扣 {_fmt(c4)} 分，{{}}",  # noqa: E501
                pl.col("n4"),
                _deduct(pl.col("pts")),
            )
        )
        .otherwise(pl.lit(f"截至 {year} 年 12 月 31 日无到期未整改的重大隐患，不扣分"))
    )
    return pl.concat(
        [
            share_item(
                "C1",
                "annual.c1_points",
                "n1",
                "k1",
                "ev1",
                "本年到期一般隐患",
                "按期整改",
                "按期整改率",
                "本年无到期一般隐患（无隐患数据），C1 不扣分",
            ),
            share_item(
                "C2",
                "annual.c2_points",
                "n2",
                "k2",
                "ev2",
                "本年发现重大隐患",
                "五落实到位",
                "五落实到位率",
                "本年未发现重大隐患（无隐患数据），C2 不扣分",
            ),
            share_item(
                "C3",
                "annual.c3_points",
                "n2",
                "k3",
                "ev3",
                "本年发现重大隐患",
                "挂牌督办",
                "挂牌督办率",
                "本年未发现重大隐患（无隐患数据），C3 不扣分",
            ),
            _items(
                f4, "C4", pl.col("pts"), r4, p.basis("annual.c4_points_per_hazard"), pl.col("ev4")
            ),
        ]
    )


# --- section D: 责任落实 --------------------------------------------------------------------


def section_d(
    officials: pl.DataFrame | pl.LazyFrame,
    regions: pl.DataFrame | pl.LazyFrame,
    rules: Rulebook | None,
    year: int,
) -> pl.LazyFrame:
    """Line item D1 from the 一岗双责 ``officials`` frame (official_id, region_code,
    fulfilment in [0, 1]): 15 × (1 − mean fulfilment) over the region's officials and
    those of every region below it (an official with no fulfilment counts as 0)."""
    p = _rules(rules).for_year(year)
    d1 = p["annual.d1_points"]
    off = officials.lazy().select(
        pl.col("official_id").cast(pl.String),
        pl.col("region_code").cast(pl.String),
        pl.col("fulfilment").cast(pl.Float64).fill_null(0.0),
    )
    per = _rolled(
        off,
        regions,
        [
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("fulfilment").sort().alias("total__fsum"),
            _sorted_ids("official_id", pl.col("fulfilment") < 1).alias("ev"),
        ],
    )
    mean = pl.col("total") / pl.col("n")
    per = per.with_columns(
        pl.when(pl.col("n") > 0).then(_neg(d1 * (1 - mean))).otherwise(pl.lit(0.0)).alias("pts")
    )
    reason = (
        pl.when(pl.col("n") > 0)
        .then(
            pl.format(
                "领导干部 {} 人，平均履职率 {}，扣 {} ×（1 − 履职率），{}",
                pl.col("n"),
                _pct(mean),
                pl.lit(_fmt(d1)),
                _deduct(pl.col("pts")),
            )
        )
        .otherwise(pl.lit("无领导干部数据，D1 不扣分"))
    )
    return _items(per, "D1", pl.col("pts"), reason, p.basis("annual.d1_points"), pl.col("ev"))


# --- section E: 基础工作 --------------------------------------------------------------------


def section_e(
    enterprises: pl.DataFrame | pl.LazyFrame,
    work_items: pl.DataFrame | pl.LazyFrame,
    regions: pl.DataFrame | pl.LazyFrame,
    rules: Rulebook | None,
    year: int,
) -> pl.LazyFrame:
    """Line items E1 (licence-requiring enterprises at standardization 三级 or better)
    and E2 (mean of min(1, achieved ÷ target) over the year's work items)."""
    p = _rules(rules).for_year(year)
    e1, target = p["annual.e1_points"], p["annual.e1_target_share"]
    min_level = p["annual.e1_min_level"]
    good_levels = list(STANDARDIZATION_LEVELS[: STANDARDIZATION_LEVELS.index(min_level) + 1])
    ents = _eligible_enterprises(enterprises, year).filter(
        pl.col("license_required").fill_null(False)
    )
    ok = pl.col("standardization_level").cast(pl.String).is_in(good_levels).fill_null(False)
    per = _rolled(
        ents,
        regions,
        [
            pl.len().cast(pl.Int64).alias("n"),
            ok.sum().cast(pl.Int64).alias("k"),
            _sorted_ids("enterprise_id", ~ok).alias("ev"),
        ],
    )
    share = pl.col("k") / pl.col("n")
    per = per.with_columns(
        pl.when(pl.col("n") > 0)
        .then(_neg(e1 * pl.max_horizontal(pl.lit(0.0), 1 - share / target)))
        .otherwise(pl.lit(0.0))
        .alias("pts")
    )
    r1 = (
        pl.when(pl.col("n") > 0)
        .then(
            pl.format(
                f"需许可企业 {{}} 家，标准化{min_level}及以上 {{}} 家，达标率 {{}}（目标 {_fmt(target * 100)}%），{{}}",  # noqa: E501
                pl.col("n"),
                pl.col("k"),
                _pct(share),
                _deduct(pl.col("pts")),
            )
        )
        .otherwise(pl.lit("无需许可企业数据，E1 不扣分"))
    )
    items_e1 = _items(
        per,
        "E1",
        pl.col("pts"),
        r1,
        p.basis("annual.e1_points"),
        pl.when(pl.col("pts") < 0).then(pl.col("ev")).otherwise(_EMPTY_IDS),
    )
    # E2
    e2 = p["annual.e2_points"]
    wi = (
        work_items.lazy()
        .filter(pl.col("year") == year)
        .with_columns(
            pl.col("region_code").cast(pl.String),
            pl.format("{}:{}", pl.col("region_code"), pl.col("item")).alias("wid"),
        )
    )
    counted = pl.col("target") > 0
    ratio = pl.min_horizontal(pl.lit(1.0), pl.col("achieved") / pl.col("target"))
    per2 = _rolled(
        wi,
        regions,
        [
            counted.sum().cast(pl.Int64).alias("n"),
            (~counted).sum().cast(pl.Int64).alias("z"),
            ratio.filter(counted).sort().alias("total__fsum"),
            _sorted_ids("wid", counted & (pl.col("achieved") < pl.col("target"))).alias("ev"),
            _sorted_ids("wid", ~counted).alias("skipped"),
        ],
    )
    mean = pl.col("total") / pl.col("n")
    per2 = per2.with_columns(
        pl.when(pl.col("n") > 0).then(_neg(e2 * (1 - mean))).otherwise(pl.lit(0.0)).alias("pts")
    )
    skipped = (
        pl.when(pl.col("z") > 0)
        .then(
            pl.format(
                "（目标值为 0 的 {} 项不计：{}）", pl.col("z"), pl.col("skipped").list.join("、")
            )
        )
        .otherwise(pl.lit(""))
    )
    r2 = (
        pl.when(pl.col("n") > 0)
        .then(
            pl.format(
                "本年工作目标 {} 项，平均完成率 {}，扣 {} ×（1 − 完成率），{}{}",
                pl.col("n"),
                _pct(mean),
                pl.lit(_fmt(e2)),
                _deduct(pl.col("pts")),
                skipped,
            )
        )
        .otherwise(pl.format("无年度工作目标数据，E2 不扣分{}", skipped))
    )
    items_e2 = _items(per2, "E2", pl.col("pts"), r2, p.basis("annual.e2_points"), pl.col("ev"))
    return pl.concat([items_e1, items_e2])


# --- totals: caps, rescale, adjustments, clip, veto, grade, rank -----------------------------


def _sorted_sum(items: pl.DataFrame, name: str, cond: pl.Expr | None = None) -> pl.DataFrame:
    """Per region: the sum of points (sorted first, so the sum is order-free)."""
    pts = pl.col("points") if cond is None else pl.col("points").filter(cond)
    return (
        items.group_by("region_code")
        .agg(pts.sort().alias(name))
        .with_columns(pl.col(name).list.sum())
    )


def _section_caps(items: pl.DataFrame, p: RulesAt, assessed: Sequence[str]) -> pl.DataFrame:
    weights = p["annual.section_weights"]
    caps = []
    for s in assessed:
        w = float(weights[s])
        sums = _sorted_sum(items.filter(pl.col("rule_id").str.starts_with(s)), "sum")
        cap = sums.filter(pl.col("sum") < -w).select(
            "region_code",
            pl.lit(f"{s}.cap").alias("rule_id"),
            (pl.lit(-w) - pl.col("sum")).alias("points"),
            pl.format(
                f"{s} {SECTION_NAMES[s]}扣分合计 {{}} 分，超过该部分分值 {_fmt(w)} 分，封顶返还 {{}} 分",  # noqa: E501
                _num(-pl.col("sum")),
                _num(pl.lit(-w) - pl.col("sum")),
            ).alias("reason"),
            pl.lit(p.basis("annual.section_weights")).alias("basis"),
            _EMPTY_IDS.alias("evidence"),
        )
        caps.append(cap)
    return pl.concat(caps) if caps else _empty_items().collect()


def _level_rules(p: RulesAt, kind: str) -> dict[str, dict[str, Any]]:
    """Per region level (省/市/县): the veto or yellow-card parameter and its key."""
    return {
        level: {"key": f"annual.{kind}_{suffix}", "value": p[f"annual.{kind}_{suffix}"]}
        for level, suffix in LEVEL_KEYS.items()
        if f"annual.{kind}_{suffix}" in p.rulebook
    }


def _count_conditions(p: RulesAt, kind: str, word: str) -> tuple[pl.Expr, pl.Expr]:
    """(triggered, reasons) for veto ("veto") or yellow card ("yellow_card") by level."""
    level = pl.col("level").cast(pl.String)
    conds: list[pl.Expr] = []
    reasons: list[pl.Expr] = []
    for lvl, spec in _level_rules(p, kind).items():
        value = spec["value"]
        for grade, count in (value.get("grade_counts") or {}).items():
            if int(count) <= 0:
                continue
            cond = (level == lvl) & (pl.col(f"ge_{grade}") >= int(count))
            conds.append(cond)
            reasons.append(
                pl.when(cond).then(
                    pl.format(
                        f"{grade}及以上事故 {{}} 起（{{}}），{lvl}级达到 {int(count)} 起即{word}",
                        pl.col(f"ge_{grade}"),
                        pl.col(f"ids_{grade}").list.join("、"),
                    )
                )
            )
        concealed = int(value.get("concealed", 0) or 0)
        if concealed > 0:
            cond = (level == lvl) & (pl.col("concealed_n") >= concealed)
            conds.append(cond)
            reasons.append(
                pl.when(cond).then(
                    pl.format(
                        f"瞒报（谎报）事故 {{}} 起（{{}}），{lvl}级达到 {concealed} 起即{word}",
                        pl.col("concealed_n"),
                        pl.col("concealed_ids").list.join("、"),
                    )
                )
            )
    triggered = pl.any_horizontal(conds) if conds else pl.lit(False)
    listed = (
        pl.concat_list([r.cast(pl.String) for r in reasons]).list.drop_nulls()
        if reasons
        else pl.lit([], dtype=pl.List(pl.String()))
    )
    return triggered, listed


def _accident_counts(accs: pl.LazyFrame | None, regions: Any, year: int) -> pl.LazyFrame:
    """Per region (and below), this year's liability accidents by grade-or-worse."""
    links = _region_frame(regions)
    if accs is None:
        empty = links.select("region_code")
        cols = []
        for g in ACCIDENT_GRADES:
            cols += [pl.lit(0, dtype=pl.Int64).alias(f"ge_{g}"), _EMPTY_IDS.alias(f"ids_{g}")]
        cols += [pl.lit(0, dtype=pl.Int64).alias("concealed_n"), _EMPTY_IDS.alias("concealed_ids")]
        return empty.with_columns(cols)
    rows = accs.filter(_in_year("occurred_on", year))
    aggs: list[pl.Expr] = []
    for i, g in enumerate(ACCIDENT_GRADES):
        cond = pl.col("grade").to_physical() >= i
        aggs += [
            cond.sum().cast(pl.Int64).alias(f"ge_{g}"),
            _sorted_ids("accident_id", cond).alias(f"ids_{g}"),
        ]
    concealed = pl.col("concealed").fill_null(False)
    aggs += [
        concealed.sum().cast(pl.Int64).alias("concealed_n"),
        _sorted_ids("accident_id", concealed).alias("concealed_ids"),
    ]
    return _rolled(rows, regions, aggs)


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
) -> AnnualResult:
    """Section caps, rescale, adjustments, clip, veto, grade and rank.

    `section_items` are the A–E line items (region_code, rule_id, points, reason,
    basis, evidence) of the `assessed` sections; `accidents` the raw accidents table
    (for veto, yellow card and grade cap) or None when it is absent.
    """
    book = _rules(rules)
    p = book.for_year(year)
    base = float(p["annual.base"])
    weights = p["annual.section_weights"]
    assessed = tuple(s for s in SECTIONS if s in assessed)
    unassessed = [s for s in SECTIONS if s not in assessed]
    items = section_items.lazy().select(_ITEM_COLUMNS).collect()
    codes = regions.select(pl.col("region_code").cast(pl.String))

    caps = _section_caps(items, p, assessed)
    items = pl.concat([items, caps])

    # section points after caps (weight + points)
    sec = codes
    for s in assessed:
        # weight + max(deductions, −weight): the cap item's effect, without float noise
        w = float(weights[s])
        rule = pl.col("rule_id")
        sums = _sorted_sum(items.filter(rule.str.starts_with(s) & (rule != f"{s}.cap")), s)
        sec = sec.join(sums, on="region_code", how="left").with_columns(
            (pl.lit(w) + pl.col(s).fill_null(0.0).clip(lower_bound=-w)).alias(s)
        )
    for s in unassessed:
        sec = sec.with_columns(pl.lit(None, dtype=pl.Float64).alias(s))

    weight_basis = p.basis("annual.section_weights")
    missing_text = "、".join(missing_tables) if missing_tables else ""
    assessed_w = sum(float(weights[s]) for s in assessed)
    extra: list[pl.DataFrame] = []
    if unassessed and assessed:
        pts_sum = pl.sum_horizontal([pl.col(s) - float(weights[s]) for s in assessed])
        frame = sec.with_columns(pts_sum.alias("P")).with_columns(
            ((pl.lit(assessed_w) + pl.col("P")) * base / assessed_w).alias("target")
        )
        rescale = frame.select(
            "region_code",
            pl.lit("rescale").alias("rule_id"),
            (pl.col("target") - (pl.lit(base) + pl.col("P"))).alias("points"),
            pl.format(
                f"未评 {'、'.join(unassessed)} 部分（缺少数据表 {missing_text}），按已评部分分值 {_fmt(assessed_w)} 分折算："  # noqa: E501
                f"（{_fmt(assessed_w)} + {{}}）× {_fmt(base)} ÷ {_fmt(assessed_w)} = {{}} 分，调整 {{}} 分",  # noqa: E501
                _num(pl.col("P")),
                _num(pl.col("target")),
                _num(pl.col("target") - (pl.lit(base) + pl.col("P"))),
            ).alias("reason"),
            pl.lit(weight_basis).alias("basis"),
            _EMPTY_IDS.alias("evidence"),
        )
        extra.append(rescale)
    elif not assessed:
        extra.append(
            codes.select(
                "region_code",
                pl.lit("rescale").alias("rule_id"),
                pl.lit(0.0).alias("points"),
                pl.lit(f"未评任何考核内容（缺少数据表 {missing_text}），不计分").alias("reason"),
                pl.lit(weight_basis).alias("basis"),
                _EMPTY_IDS.alias("evidence"),
            )
        )
    if extra:
        items = pl.concat([items, *extra])

    if assessed and adjustments is not None and adjustments.height:
        adj = (
            adjustments.lazy()
            .filter((pl.col("subject_type").cast(pl.String) == "region") & (pl.col("year") == year))
            .select(
                pl.col("subject_id").cast(pl.String).alias("region_code"),
                pl.lit("adjustment").alias("rule_id"),
                pl.col("points").cast(pl.Float64),
                pl.format(
                    "{}：{}（{} 分）",
                    pl.when(pl.col("points") > 0)
                    .then(pl.lit("委员会加分"))
                    .otherwise(pl.lit("委员会核减")),
                    pl.col("reason").fill_null(""),
                    _num(pl.col("points")),
                ).alias("reason"),
                pl.col("basis").cast(pl.String).fill_null(""),
                _EMPTY_IDS.alias("evidence"),
            )
            .join(codes.lazy(), on="region_code", how="semi")
            .sort("region_code", "points", "reason", "basis")
            .collect()
        )
        items = pl.concat([items, adj])

    def total() -> pl.DataFrame:
        return codes.join(_sorted_sum(items, "sum"), on="region_code", how="left").with_columns(
            (pl.lit(base) + pl.col("sum").fill_null(0.0)).alias("t")
        )

    if assessed:
        clip = (
            total()
            .filter((pl.col("t") > base) | (pl.col("t") < 0))
            .select(
                "region_code",
                pl.lit("clip").alias("rule_id"),
                pl.when(pl.col("t") > base)
                .then(pl.lit(base) - pl.col("t"))
                .otherwise(-pl.col("t"))
                .alias("points"),
                pl.format(
                    f"合计 {{}} 分，超出 0 至 {_fmt(base)} 分范围，取 {{}} 分",
                    _num(pl.col("t")),
                    pl.when(pl.col("t") > base).then(pl.lit(_fmt(base))).otherwise(pl.lit("0")),
                ).alias("reason"),
                pl.lit(p.basis("annual.base")).alias("basis"),
                _EMPTY_IDS.alias("evidence"),
            )
        )
        items = pl.concat([items, clip])

    # veto and yellow card, from this year's liability accidents (region and below)
    accs = prepare_accidents(accidents, book) if accidents is not None else None
    counts = _accident_counts(accs, regions, year).collect()
    frame = regions.select(
        pl.col("region_code").cast(pl.String),
        pl.col("name").cast(pl.String),
        pl.col("level").cast(pl.String),
        pl.col("parent_code").cast(pl.String),
    ).join(counts, on="region_code", how="left")
    vetoed, veto_reasons = _count_conditions(p, "veto", "一票否决")
    yellow, yellow_reasons = _count_conditions(p, "yellow_card", "黄牌警告")
    cap_grade = p["annual.grade_cap_accident_grade"]
    frame = frame.with_columns(
        vetoed.fill_null(False).alias("vetoed"),
        veto_reasons.alias("veto_reasons"),
        yellow.fill_null(False).alias("yellow_card"),
        yellow_reasons.alias("yellow_card_reasons"),
        (pl.col(f"ge_{cap_grade}") > 0).fill_null(False).alias("cap_applies"),
    )

    if assessed and p["annual.veto_effect"] == "zero":
        zero = (
            total()
            .join(frame.select("region_code", "vetoed"), on="region_code")
            .filter(pl.col("vetoed"))
            .select(
                "region_code",
                pl.lit("veto.zero").alias("rule_id"),
                (pl.lit(0.0) - pl.col("t").clip(0.0, base)).alias("points"),
                pl.format("一票否决，得分 {} 分记为 0 分", _num(pl.col("t").clip(0.0, base))).alias(
                    "reason"
                ),
                pl.lit(p.basis("annual.veto_effect")).alias("basis"),
                _EMPTY_IDS.alias("evidence"),
            )
        )
        items = pl.concat([items, zero])

    # score: base + Σ points (sorted sum); float noise (< 1e-9) dropped: kept within
    # [0, base], rounded to 9 decimals, exactly 0 where the veto zeroes it
    zeroed = pl.col("vetoed") & pl.lit(p["annual.veto_effect"] == "zero")
    scores = (
        total()
        .join(frame.select("region_code", "vetoed"), on="region_code", how="left")
        .select(
            "region_code",
            (
                pl.when(zeroed).then(pl.lit(0.0)).otherwise(pl.col("t").clip(0.0, base).round(9))
                if assessed
                else pl.lit(None, dtype=pl.Float64)
            ).alias("score"),
        )
    )
    frame = frame.join(scores, on="region_code", how="left").join(sec, on="region_code", how="left")

    bands = p["annual.grade_bands"]
    names = [b["grade"] for b in bands]
    rounded = pl.col("score").round(6)
    idx: Any = pl
    for i, band in enumerate(bands):
        idx = idx.when(rounded >= float(band["min"])).then(pl.lit(i))
    idx = idx.otherwise(pl.lit(len(bands) - 1))
    cap_idx = names.index(p["annual.grade_cap"])
    worst = len(bands) - 1
    frame = (
        frame.with_columns(idx.alias("gi"))
        .with_columns((pl.col("cap_applies") & (pl.col("gi") < cap_idx)).alias("grade_capped"))
        .with_columns(
            pl.when(pl.col("vetoed"))
            .then(pl.lit(worst))
            .when(pl.col("grade_capped"))
            .then(pl.lit(cap_idx))
            .otherwise(pl.col("gi"))
            .alias("gi")
        )
    )
    frame = frame.with_columns(
        pl.when(pl.col("score").is_not_null())
        .then(pl.col("gi").replace_strict(list(range(len(names))), names, return_dtype=pl.String))
        .alias("grade"),
        pl.when(pl.col("score").is_not_null())
        .then(pl.col("grade_capped"))
        .otherwise(pl.lit(False))
        .alias("grade_capped"),
    )
    ranked = (
        frame.filter(pl.col("score").is_not_null())
        .with_columns(
            pl.struct(pl.col("vetoed"), -pl.col("score").round(6))
            .rank("min")
            .over(pl.col("parent_code").fill_null(""))
            .cast(pl.Int64)
            .alias("rank")
        )
        .select("region_code", "rank")
    )
    frame = frame.join(ranked, on="region_code", how="left").with_columns(
        pl.lit(bool(unassessed)).alias("incomplete"),
        pl.lit(unassessed, dtype=pl.List(pl.String())).alias("unassessed_sections"),
    )
    out = frame.select([pl.col(c).cast(t) for c, t in REGION_COLUMNS.items()]).sort("region_code")

    li = (
        concat_line_items(
            items.lazy().select(
                pl.lit("region").alias("subject_type"),
                pl.col("region_code").alias("subject_id"),
                pl.lit("annual").alias("scorer"),
                "rule_id",
                pl.when(pl.col("points") == 0)
                .then(pl.lit(0.0))
                .otherwise(pl.col("points"))
                .alias("points"),
                "reason",
                "basis",
                "evidence",
            )
        )
        .sort(
            ["subject_type", "subject_id", "scorer", "rule_id", "reason", "points", "basis"],
            maintain_order=True,
        )
        .collect()
    )
    return AnnualResult(
        regions=out, line_items=li.select(list(LINE_ITEM_SCHEMA)), assessed_sections=assessed
    )


# --- the scorer -----------------------------------------------------------------------------


def assessed_sections(data: Dataset) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(sections assessed, tables missing) for a dataset."""
    assessed = tuple(s for s in SECTIONS if all(data.has(t) for t in SECTION_TABLES[s]))
    missing = tuple(sorted({t for s in SECTIONS for t in SECTION_TABLES[s] if not data.has(t)}))
    return assessed, missing


def annual(
    data: Dataset,
    rules: Rulebook | None = None,
    *,
    year: int,
    four_musts_by_region: pl.DataFrame | None = None,
    officials: pl.DataFrame | None = None,
) -> AnnualResult:
    """Assess every region of `data` for `year` (年度目标管理考核).

    `four_musts_by_region` (section B) and `officials` (section D) are the 四个一律 and
    一岗双责 results; when not given they are computed here.  Needs the `regions`
    table; sections whose tables are absent are left unassessed (rescale).

    >>> import datetime as dt, polars as pl
    >>> from accountability.dataset import Dataset
    >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
    ...     "parent_code": [None], "level": ["市"]}, schema_overrides={"parent_code": pl.String})
    >>> data = Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1))
    >>> annual(data, year=2024).regions["grade"][0] is None
    True
    """
    book = _rules(rules)
    regions = data.table("regions", needed_by="年度目标管理考核")
    assessed, missing = assessed_sections(data)
    parts: list[pl.LazyFrame] = []
    if "A" in assessed:
        parts.append(
            section_a(
                data.table("accidents"),
                regions,
                book,
                year,
                targets=data.get("targets"),
                region_stats=data.get("region_stats"),
            )
        )
    if "B" in assessed:
        if four_musts_by_region is None:
            from accountability.scorers.four_musts import four_musts

            four_musts_by_region = four_musts(data, book, year).by_region
        parts.append(
            section_b(
                four_musts_by_region,
                data.table("inspections"),
                data.table("enterprises"),
                regions,
                book,
                year,
            )
        )
    if "C" in assessed:
        parts.append(section_c(data.table("hazards"), regions, book, year))
    if "D" in assessed:
        if officials is None:
            from accountability.scorers.dual_duty import dual_duty

            officials = dual_duty(data, book, year).officials
        parts.append(section_d(officials, regions, book, year))
    if "E" in assessed:
        parts.append(
            section_e(data.table("enterprises"), data.table("work_items"), regions, book, year)
        )
    items = pl.concat(parts, how="vertical") if parts else _empty_items()
    return finish_regions(
        items,
        regions,
        book,
        year,
        assessed=assessed,
        missing_tables=missing,
        accidents=data.get("accidents"),
        adjustments=data.get("adjustments"),
    )
