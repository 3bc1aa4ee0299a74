"""年度目标管理考核 — the annual target assessment of regions (RUBRIC.md).

Every region starts at `annual.base` (100).  Sections A–E each add line items
(points ≤ 0 for a deduction); a section's deductions are capped at its weight by one
``X.cap`` line item; a section whose tables are missing is not assessed and one
``rescale`` line item rescales the score to the assessed weights; committee
``adjustment`` line items follow, then one ``clip`` line item keeps the total within
[0, base]; a veto with ``veto_effect = "zero"`` adds ``veto.zero``.

The score is exactly ``base + Σ points``, the points added to the base one by one in
the canonical order — `ITEM_ORDER`, then reason, points, basis (in Python:
``functools.reduce(operator.add, points, base)``).  The clip and veto.zero items
are computed from that running total, so they land on their bound exactly.

A region's figures include its own rows and those of every region below it
(`accountability.regions`); targets and region stats are its own row only.

Each section builds a polars lazy plan; `annual` collects every plan and the
finishing steps (caps, rescale, adjustments, clip, veto, grade, rank) at once.
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

from accountability.accidents import counted_deaths, grade_accidents, grade_at_least
from accountability.codes import ACCIDENT_GRADES, STANDARDIZATION_LEVELS
from accountability.dataset import Dataset
from accountability.lineitems import LINE_ITEM_SCHEMA, concat_line_items
from accountability.regions import ancestors
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
# The order line items are applied in (the score's running total, and `explain`).
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
_DENOMINATORS = tuple(ind[4] for ind in A3_INDICATORS)

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

_ITEM_SCHEMA: dict[str, pl.DataType] = {
    "region_code": pl.String(),
    "rule_id": pl.String(),
    "points": pl.Float64(),
    "reason": pl.String(),
    "basis": pl.String(),
    "evidence": pl.List(pl.String()),
}
_ITEM_COLUMNS = tuple(_ITEM_SCHEMA)
_IDS = pl.List(pl.String())
_EMPTY_IDS = pl.lit([], dtype=_IDS)


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


def _signed(expr: pl.Expr) -> pl.Expr:
    """Points as text with their sign: "+3.23", "−13.5", "0"."""
    r = expr.cast(pl.Float64).round(2)
    return (
        pl.when(r > 0)
        .then(pl.format("+{}", _num(r)))
        .when(r < 0)
        .then(pl.format("−{}", _num(-r)))
        .otherwise(pl.lit("0"))
    )


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


def _in_year(col: str, year: int) -> pl.Expr:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return pl.col(col).is_between(pl.lit(start), pl.lit(end), closed="both")


def _sorted_ids(col: str, cond: pl.Expr | None = None) -> pl.Expr:
    expr = pl.col(col).cast(pl.String)
    if cond is not None:
        expr = expr.filter(cond)
    return expr.unique().sort()


def _rules(rules: Rulebook | None) -> Rulebook:
    return rules if rules is not None else rulebook()


def _has_col(frame: pl.DataFrame | pl.LazyFrame, name: str) -> bool:
    if isinstance(frame, pl.DataFrame):
        return name in frame.columns
    return name in frame.collect_schema().names()


def _with_missing(p: RulesAt) -> str:
    """ "（含失踪）" while the year's rules count missing persons with deaths, else ""."""
    return "（含失踪）" if p["accident_grading.count_missing_as_deaths"] else ""


# --- regions and roll-ups ------------------------------------------------------------------


@attrs.frozen
class _Links:
    """The region hierarchy, built once per assessment and shared by every roll-up."""

    codes: pl.LazyFrame  # region_code, parent_code
    up: pl.LazyFrame  # region_code, rollup_code (itself and every region above it)

    @classmethod
    def of(cls, regions: pl.DataFrame | pl.LazyFrame | _Links) -> _Links:
        if isinstance(regions, _Links):
            return regions
        codes = regions.lazy().select(
            pl.col("region_code").cast(pl.String), pl.col("parent_code").cast(pl.String)
        )
        up = (
            ancestors(codes)
            .select("region_code", pl.col("ancestor_code").alias("rollup_code"))
            .cache()
        )
        return cls(codes=codes, up=up)


def _rolled(
    rows: pl.LazyFrame,
    links: _Links,
    *,
    counts: dict[str, pl.Expr] | None = None,
    ids: dict[str, pl.Expr] | None = None,
    fsums: dict[str, pl.Expr] | None = None,
) -> pl.LazyFrame:
    """Per region, including every region below it, for every region (none missing):
    `counts` (Int64, 0 where no rows), `ids` (sorted id lists, empty where none) and
    `fsums` (float sums: the values sorted per group, then summed — a float sum inside
    a group_by can follow row order even after .sort(); a sorted list's sum cannot)."""
    counts, ids, fsums = counts or {}, ids or {}, fsums or {}
    aggs = [
        *[e.cast(pl.Int64).alias(n) for n, e in counts.items()],
        *[e.alias(n) for n, e in ids.items()],
        *[e.cast(pl.Float64).sort().alias(n) for n, e in fsums.items()],
    ]
    agg = (
        rows.with_columns(pl.col("region_code").cast(pl.String))
        .join(links.up, on="region_code", how="inner")
        .group_by("rollup_code")
        .agg(aggs)
        .rename({"rollup_code": "region_code"})
    )
    return (
        links.codes.select("region_code")
        .join(agg, on="region_code", how="left")
        .with_columns(
            *[pl.col(n).fill_null(0) for n in counts],
            *[pl.col(n).fill_null(_EMPTY_IDS) for n in ids],
            *[pl.col(n).fill_null(pl.lit([], dtype=pl.List(pl.Float64))).list.sum() for n in fsums],
        )
    )


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
        evidence.cast(_IDS).alias("evidence"),
    )


def _empty_items() -> pl.LazyFrame:
    return pl.LazyFrame(schema=_ITEM_SCHEMA)


def _shortfall(
    frame: pl.LazyFrame,
    rule: str,
    p: RulesAt,
    key: str,
    *,
    n: str,
    share: pl.Expr,
    head: pl.Expr,
    rate_name: str,
    empty: str,
    evidence: pl.Expr,
    target: float | None = None,
    only_when_deducted: bool = False,
    left_out: pl.Expr | None = None,
    nothing_counted: str = "",
) -> pl.LazyFrame:
    """One line item of the form "points × (1 − share)" (C1–C3, D1, E2, B1) or, with a
    `target`, "points × max(0, 1 − share ÷ target)" (B2, E1); 0 points and the
    `empty` note where the denominator `n` is 0.  The reason states the observed
    figures (`head`), the rate, the target and the formula with its values.
    `left_out` is a note on rows not counted ("" when none); where every row was left
    out, `nothing_counted` (with "{}" for that note) replaces `empty`."""
    base = p[key]
    has = pl.col(n) > 0
    if target is None:
        gap = 1 - share
        formula = pl.format(
            f"扣 {_fmt(base)} ×（1 − {{}}）= {{}} 分", _pct(share), _num(pl.col("pts").abs())
        )
    else:
        gap = pl.max_horizontal(pl.lit(0.0), 1 - share / target)
        formula = pl.format(
            f"扣 {_fmt(base)} ×（1 − {{}} ÷ {_fmt(target * 100)}%）= {{}} 分",
            _pct(share),
            _num(pl.col("pts").abs()),
        )
    f = frame.with_columns(pl.when(has).then(_neg(base * gap)).otherwise(pl.lit(0.0)).alias("pts"))
    verdict = pl.when(pl.col("pts") < 0).then(formula).otherwise(pl.lit("不扣分"))
    if target is not None:
        met = pl.when(pl.col("pts") < 0).then(pl.lit("未达标")).otherwise(pl.lit("达标"))
        verdict = pl.format(f"目标 {_fmt(target * 100)}%，{{}}，{{}}", met, verdict)
    none = pl.lit(empty)
    if left_out is not None:
        head = pl.concat_str(head, left_out)
        none = pl.when(left_out != "").then(pl.format(nothing_counted, left_out)).otherwise(none)
    reason = (
        pl.when(has)
        .then(pl.format(f"{{}}，{rate_name} {{}}，{{}}", head, _pct(share), verdict))
        .otherwise(none)
    )
    ev = (
        pl.when(pl.col("pts") < 0).then(evidence).otherwise(_EMPTY_IDS)
        if only_when_deducted
        else evidence
    )
    return _items(f, rule, pl.col("pts"), reason, p.basis(key), ev)


def _per_unit(
    frame: pl.LazyFrame,
    rule: str,
    p: RulesAt,
    key: str,
    *,
    n: str,
    what: str,
    unit: str,
    none: str,
    evidence: str,
) -> pl.LazyFrame:
    """One line item of the form "points per counted thing" (A4, A5, C4)."""
    each = p[key]
    f = frame.with_columns(_neg(pl.col(n) * each).alias("pts"))
    reason = (
        pl.when(pl.col(n) > 0)
        .then(
            pl.format(
                f"{what} {{}} {unit}，每{unit}扣 {_fmt(each)} 分，{{}}",
                pl.col(n),
                _deduct(pl.col("pts")),
            )
        )
        .otherwise(pl.lit(none))
    )
    return _items(f, rule, pl.col("pts"), reason, p.basis(key), pl.col(evidence))


def prepare_accidents(
    accidents: pl.DataFrame | pl.LazyFrame, rules: Rulebook | None = None
) -> pl.LazyFrame:
    """Liability accidents only, with `grade` and counted deaths `d` (missing persons
    with deaths while the switch is on), each by the rules in force on its date."""
    book = _rules(rules)
    lf = accidents.lazy()
    if not _has_col(accidents, "liability"):
        lf = lf.with_columns(pl.lit(True).alias("liability"))
    lf = lf.filter(pl.col("liability").fill_null(True))
    lf = grade_accidents(lf, book).with_columns(counted_deaths(book).cast(pl.Int64).alias("d"))
    return lf.with_columns(
        pl.col("region_code").cast(pl.String), pl.col("accident_id").cast(pl.String)
    )


def _accident_figures(
    accs: pl.LazyFrame | None, links: _Links, p: RulesAt, year: int
) -> pl.LazyFrame:
    """Per region (and below), the year's liability accidents: counted deaths (A1), the
    A3 numerators, late reports (A5), counts by grade-or-worse (A4, veto, yellow card,
    grade cap) and concealed accidents, each with its accident ids."""
    if accs is None:
        accs = pl.LazyFrame(
            schema={
                "region_code": pl.String(),
                "accident_id": pl.String(),
                "sector": pl.String(),
                "occurred_on": pl.Date(),
                "d": pl.Int64(),
                "grade": pl.Enum(ACCIDENT_GRADES),
                "reported_late": pl.Boolean(),
                "concealed": pl.Boolean(),
            }
        )
    rows = accs.filter(_in_year("occurred_on", year))
    fatal = pl.col("d") > 0
    late = pl.col("reported_late").fill_null(False)
    concealed = pl.col("concealed").fill_null(False)
    counts: dict[str, pl.Expr] = {"deaths": pl.col("d").sum(), "late_n": late.sum()}
    ids: dict[str, pl.Expr] = {
        "deaths_ids": _sorted_ids("accident_id", fatal),
        "late_ids": _sorted_ids("accident_id", late),
    }
    for key, _label, group, _factor, _denom in A3_INDICATORS:
        cond = (
            pl.lit(True)
            if group is None
            else pl.col("sector").cast(pl.String).is_in(list(p[group]))
        )
        counts[f"num_{key}"] = pl.col("d").filter(cond).sum()
        ids[f"ev_{key}"] = _sorted_ids("accident_id", cond & fatal)
    for g in ACCIDENT_GRADES:
        cond = grade_at_least(pl.col("grade"), g)
        counts[f"ge_{g}"] = cond.sum()
        ids[f"ids_{g}"] = _sorted_ids("accident_id", cond)
    counts["concealed_n"] = concealed.sum()
    ids["concealed_ids"] = _sorted_ids("accident_id", concealed)
    return _rolled(rows, links, counts=counts, ids=ids)


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
    links = _Links.of(regions)
    accs = prepare_accidents(accidents, book)
    figures = _accident_figures(accs, links, p, year)
    return _section_a(accidents.lazy(), accs, figures, links, p, year, targets, region_stats)


def _section_a(
    raw: pl.LazyFrame,
    accs: pl.LazyFrame,
    figures: pl.LazyFrame,
    links: _Links,
    p: RulesAt,
    year: int,
    targets: pl.DataFrame | None,
    region_stats: pl.DataFrame | None,
) -> pl.LazyFrame:
    own = _own_targets(targets, year)
    min_grade = p["annual.a4_min_grade"]
    return pl.concat(
        [
            _a1(figures, own, p),
            _a2(raw, accs, links, p, year),
            _a3(figures, own, p, year, region_stats),
            _per_unit(
                figures,
                "A4",
                p,
                "annual.a4_points_per_accident",
                n=f"ge_{min_grade}",
                what=f"{min_grade}及以上事故",
                unit="起",
                none=f"无{min_grade}及以上事故，不扣分",
                evidence=f"ids_{min_grade}",
            ),
            _per_unit(
                figures,
                "A5",
                p,
                "annual.a5_points_per_late_report",
                n="late_n",
                what="迟报事故",
                unit="起",
                none="无迟报事故，不扣分",
                evidence="late_ids",
            ),
        ],
        how="vertical",
    )


def _own_targets(targets: pl.DataFrame | None, year: int) -> pl.LazyFrame:
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


def _a1(figures: pl.LazyFrame, own: pl.LazyFrame, p: RulesAt) -> pl.LazyFrame:
    per = figures.join(own.select("region_code", "limit_deaths"), on="region_code", how="left")
    rate = p["annual.a1_points_per_death"]
    deaths, limit = pl.col("deaths"), pl.col("limit_deaths")
    over = deaths.cast(pl.Float64) - limit
    applies = limit.is_not_null() & (deaths.cast(pl.Float64) > limit)
    per = per.with_columns(
        pl.when(applies).then(_neg(over * rate)).otherwise(pl.lit(0.0)).alias("pts"),
        over.alias("over"),
    )
    # "死亡（含失踪）12 人" while missing persons count, else "死亡 12 人"
    word = f"死亡{_with_missing(p)}" if _with_missing(p) else "死亡 "
    reason = (
        pl.when(limit.is_null())
        .then(pl.format(f"{word}{{}} 人；未下达本年死亡人数控制指标，A1 不适用，不扣分", deaths))
        .when(applies)
        .then(
            pl.format(
                f"{word}{{}} 人，控制指标 {{}} 人，超 {{}} 人，每人扣 {_fmt(rate)} 分，{{}}",
                deaths,
                _num(limit),
                _num(pl.col("over")),
                _deduct(pl.col("pts")),
            )
        )
        .otherwise(pl.format(f"{word}{{}} 人，控制指标 {{}} 人，未超，不扣分", deaths, _num(limit)))
    )
    return _items(
        per,
        "A1",
        pl.col("pts"),
        reason,
        p.basis("annual.a1_points_per_death"),
        pl.col("deaths_ids"),
    )


def _a2_metrics(p: RulesAt) -> tuple[tuple[str, str, str, int], ...]:
    return (
        ("n", "事故起数", "起", 0),
        ("deaths", f"死亡人数{_with_missing(p)}", "人", 0),
        ("injuries", "重伤人数", "人", 0),
        ("loss", "直接经济损失", "万元", 2),
    )


def _a2(
    raw: pl.LazyFrame, accs: pl.LazyFrame, links: _Links, p: RulesAt, year: int
) -> pl.LazyFrame:
    """A2, year on year; where the accidents table has no row dated in the previous
    year (liability or not), a 0-point note instead."""
    basis = p.basis("annual.a2_points_rise")
    has_prev = raw.filter(_in_year("occurred_on", year - 1)).select(
        (pl.len() > 0).alias("has_prev")
    )
    rows = accs.filter(
        _in_year("occurred_on", year) | _in_year("occurred_on", year - 1)
    ).with_columns(_in_year("occurred_on", year).alias("cur"))
    cur, prev = pl.col("cur"), ~pl.col("cur")
    per = _rolled(
        rows,
        links,
        counts={
            "n_cur": cur.sum(),
            "n_prev": prev.sum(),
            "deaths_cur": pl.col("d").filter(cur).sum(),
            "deaths_prev": pl.col("d").filter(prev).sum(),
            "injuries_cur": pl.col("serious_injuries").filter(cur).sum(),
            "injuries_prev": pl.col("serious_injuries").filter(prev).sum(),
        },
        ids={"ev": _sorted_ids("accident_id")},
        fsums={
            "loss_cur": pl.col("direct_loss_10k_yuan").filter(cur),
            "loss_prev": pl.col("direct_loss_10k_yuan").filter(prev),
        },
    ).with_columns(pl.col("loss_cur").round(6), pl.col("loss_prev").round(6))
    per = per.join(has_prev, how="cross")
    rise, flat = p["annual.a2_points_rise"], p["annual.a2_points_flat"]
    pts_cols, parts = [], []
    for key, label, unit, dec in _a2_metrics(p):
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
            pl.when(c > v).then(pl.lit(f"上升，扣 {_fmt(rise)} 分"))
            .when((c == v) & (c != 0)).then(pl.lit(f"持平且不为零，扣 {_fmt(flat)} 分"))
            .when(c == 0).then(pl.lit("为零，不扣分"))
            .otherwise(pl.lit("下降，不扣分"))
        )  # fmt: skip
        parts.append(
            pl.format(
                f"{label}{gap}{{}} {unit}（上年 {{}} {unit}），{{}}",
                _num(c, dec),
                _num(v, dec),
                verdict,
            )
        )
    on = pl.col("has_prev")
    per = per.with_columns(
        pl.when(on).then(_neg(pl.sum_horizontal(pts_cols))).otherwise(pl.lit(0.0)).alias("pts")
    )
    reason = (
        pl.when(on)
        .then(
            pl.format(
                f"与 {year - 1} 年同比：{{}}；合计{{}}",
                pl.concat_str(parts, separator="；"),
                _deduct(pl.col("pts")),
            )
        )
        .otherwise(pl.lit(f"数据集无上年（{year - 1} 年）事故数据，A2 同比不适用，不扣分"))
    )
    ev = pl.when(on).then(pl.col("ev")).otherwise(_EMPTY_IDS)
    return _items(per, "A2", pl.col("pts"), reason, basis, ev)


def _a3(
    figures: pl.LazyFrame,
    own: pl.LazyFrame,
    p: RulesAt,
    year: int,
    region_stats: pl.DataFrame | None,
) -> pl.LazyFrame:
    basis = p.basis("annual.a3_points_total")
    if region_stats is not None:
        stats = (
            region_stats.lazy()
            .filter(pl.col("year") == year)
            .select(
                pl.col("region_code").cast(pl.String),
                *[pl.col(c).cast(pl.Float64) for c in _DENOMINATORS],
            )
        )
    else:
        stats = pl.LazyFrame(
            schema={"region_code": pl.String(), **{c: pl.Float64() for c in _DENOMINATORS}}
        )
    per = figures.join(own, on="region_code", how="left").join(stats, on="region_code", how="left")
    applicable, over, parts, evidence = [], [], [], []
    for key, label, _group, factor, denom in A3_INDICATORS:
        limit, den = pl.col(f"limit_{key}"), pl.col(denom)
        ok = limit.is_not_null() & den.is_not_null() & (den > 0)
        rate = pl.col(f"num_{key}").cast(pl.Float64) * factor / den
        is_over = ok & (rate.round(9) > limit)
        per = per.with_columns(
            ok.fill_null(False).alias(f"ok_{key}"),
            is_over.fill_null(False).alias(f"over_{key}"),
            rate.alias(f"rate_{key}"),
        )
        applicable.append(pl.col(f"ok_{key}").cast(pl.Int64))
        over.append(pl.col(f"over_{key}").cast(pl.Int64))
        parts.append(
            pl.when(pl.col(f"ok_{key}"))
            .then(
                pl.format(
                    f"{label} {{}}，控制指标 {{}}，{{}}",
                    _num(pl.col(f"rate_{key}"), 4),
                    _num(limit, 4),
                    pl.when(pl.col(f"over_{key}")).then(pl.lit("超标")).otherwise(pl.lit("未超")),
                )
            )
            .when(limit.is_not_null())
            .then(pl.lit(f"{label}有控制指标但统计分母缺失或为 0，不适用"))
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
        .then(pl.lit("无适用的相对指标（需有本年控制指标且统计分母大于 0），A3 不适用，不扣分"))
        .otherwise(
            pl.format(
                f"{{}}；适用指标 {{}} 项，超标 {{}} 项，每项扣 {_fmt(total)} ÷ {{}} = {{}} 分，{{}}",  # noqa: E501
                pl.concat_str(parts, separator="；", ignore_nulls=True),
                pl.col("n_app"),
                pl.col("n_over"),
                pl.col("n_app"),
                _num(pl.lit(total) / pl.col("n_app")),
                _deduct(pl.col("pts")),
            )
        )
    )
    ev = pl.concat_list(evidence).list.unique().list.sort()
    return _items(per, "A3", pl.col("pts"), reason, basis, ev)


# --- section B: 打非治违 --------------------------------------------------------------------


def _eligible_enterprises(enterprises: pl.DataFrame | pl.LazyFrame, year: int) -> pl.LazyFrame:
    """Enterprises minus those 关闭 with closed_on before the year (B2, E1)."""
    lf = enterprises.lazy()
    status = pl.col("status").cast(pl.String) if _has_col(enterprises, "status") else pl.lit("在营")
    closed_on = (
        pl.col("closed_on") if _has_col(enterprises, "closed_on") else pl.lit(None, dtype=pl.Date)
    )
    gone = (status == "关闭") & (closed_on < pl.lit(dt.date(year, 1, 1)))
    return lf.filter(~gone.fill_null(False)).with_columns(
        pl.col("region_code").cast(pl.String), pl.col("enterprise_id").cast(pl.String)
    )


_BY_REGION_SCHEMA: dict[str, pl.DataType] = {
    "region_code": pl.String(),
    "cases_requiring": pl.Int64(),
    "compliance_rate": pl.Float64(),
    "noncompliant_case_ids": _IDS,
}


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
    links = _Links.of(regions)
    fm = (
        pl.LazyFrame(schema=_BY_REGION_SCHEMA)
        if by_region is None
        else by_region.lazy()
        .select([pl.col(c).cast(t) for c, t in _BY_REGION_SCHEMA.items()])
        .with_columns(pl.col("noncompliant_case_ids").list.sort())
    )
    per = (
        links.codes.select("region_code")
        .join(fm, on="region_code", how="left")
        .with_columns(
            pl.col("cases_requiring").fill_null(0),
            pl.col("noncompliant_case_ids").fill_null(_EMPTY_IDS),
        )
    )
    b1 = _shortfall(
        per,
        "B1",
        p,
        "annual.b1_points",
        n="cases_requiring",
        share=pl.col("compliance_rate").fill_null(0.0),
        head=pl.format(
            "本年需执行四个一律的案件 {} 起，执行到位 {} 起",
            pl.col("cases_requiring"),
            pl.col("cases_requiring") - pl.col("noncompliant_case_ids").list.len(),
        ),
        rate_name="执行率",
        empty="本年无需执行四个一律的案件（无案件数据），B1 不扣分",
        evidence=pl.col("noncompliant_case_ids"),
    )
    # B2: distinct enterprises (by the enterprise's own region) inspected in the year
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
        links,
        counts={"n": pl.len(), "k": pl.col("inspected").sum()},
        ids={"ev": _sorted_ids("enterprise_id", ~pl.col("inspected"))},
    )
    b2 = _shortfall(
        per2,
        "B2",
        p,
        "annual.b2_points",
        n="n",
        share=pl.col("k") / pl.col("n"),
        head=pl.format("企业 {} 家，本年受执法检查 {} 家", pl.col("n"), pl.col("k")),
        rate_name="检查覆盖率",
        empty="无企业数据，B2 不扣分",
        evidence=pl.col("ev"),
        target=p["annual.b2_coverage_target"],
        only_when_deducted=True,
    )
    return pl.concat([b1, b2])


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
    year_end = pl.lit(dt.date(year, 12, 31))
    level = pl.col("level").cast(pl.String)
    general, major = level == "一般", level == "重大"
    due_in_year = general & _in_year("due_on", year)
    on_time = pl.col("rectified_on").is_not_null() & (pl.col("rectified_on") <= pl.col("due_on"))
    found_major = major & _in_year("found_on", year)
    overdue = (
        major
        & (pl.col("due_on") <= year_end)
        & (pl.col("rectified_on").is_null() | (pl.col("rectified_on") > year_end))
    )
    five = pl.col("five_in_place").fill_null(False)
    listed = pl.col("listed").fill_null(False)
    hz = (
        hazards.lazy()
        .filter(due_in_year | found_major | overdue)  # only the rows some rule looks at
        .select(
            pl.col("hazard_id").cast(pl.String),
            "region_code",
            due_in_year.alias("due_in_year"),
            on_time.alias("on_time"),
            found_major.alias("found_major"),
            five.alias("five"),
            listed.alias("listed"),
            overdue.alias("overdue"),
        )
    )
    due, ok, found, late = (pl.col(c) for c in ("due_in_year", "on_time", "found_major", "overdue"))
    per = _rolled(
        hz,
        _Links.of(regions),
        counts={
            "n1": due.sum(),
            "k1": (due & ok).sum(),
            "n2": found.sum(),
            "k2": (found & pl.col("five")).sum(),
            "k3": (found & pl.col("listed")).sum(),
            "n4": late.sum(),
        },
        ids={
            "ev1": _sorted_ids("hazard_id", due & ~ok),
            "ev2": _sorted_ids("hazard_id", found & ~pl.col("five")),
            "ev3": _sorted_ids("hazard_id", found & ~pl.col("listed")),
            "ev4": _sorted_ids("hazard_id", late),
        },
    )

    def share(rule: str, n: str, k: str, what: str, done: str, rate_name: str, empty: str):
        return _shortfall(
            per,
            rule,
            p,
            f"annual.{rule.lower()}_points",
            n=n,
            share=pl.col(k) / pl.col(n),
            head=pl.format(f"{what} {{}} 项，{done} {{}} 项", pl.col(n), pl.col(k)),
            rate_name=rate_name,
            empty=empty,
            evidence=pl.col(f"ev{rule[1]}"),
        )

    return pl.concat(
        [
            share("C1", "n1", "k1", "本年到期一般隐患", "按期整改", "按期整改率",
                  "本年无到期一般隐患（无隐患数据），C1 不扣分"),
            share("C2", "n2", "k2", "本年发现重大隐患", "五落实到位", "五落实到位率",
                  "本年未发现重大隐患（无隐患数据），C2 不扣分"),
            share("C3", "n2", "k3", "本年发现重大隐患", "挂牌督办", "挂牌督办率",
                  "本年未发现重大隐患（无隐患数据），C3 不扣分"),
            _per_unit(
                per,
                "C4",
                p,
                "annual.c4_points_per_hazard",
                n="n4",
                what=f"截至 {year} 年 12 月 31 日到期未整改的重大隐患",
                unit="项",
                none=f"截至 {year} 年 12 月 31 日无到期未整改的重大隐患，不扣分",
                evidence="ev4",
            ),
        ]
    )  # fmt: skip


# --- section D: 责任落实 --------------------------------------------------------------------


def section_d(
    officials: pl.DataFrame | pl.LazyFrame,
    regions: pl.DataFrame | pl.LazyFrame,
    rules: Rulebook | None,
    year: int,
) -> pl.LazyFrame:
    """Line item D1 from the 一岗双责 ``officials`` frame (official_id, region_code,
    fulfilment in [0, 1]): 15 × (1 − mean fulfilment) over the region's officials and
    those of every region below it.  An official with no records has fulfilment 0
    (一岗双责 sets it) and counts; one whose role the rulebook requires nothing of has
    no fulfilment (null) and is left out."""
    p = _rules(rules).for_year(year)
    off = officials.lazy().select(
        pl.col("official_id").cast(pl.String),
        pl.col("region_code").cast(pl.String),
        pl.col("fulfilment").cast(pl.Float64),
    )
    has = pl.col("fulfilment").is_not_null()
    per = _rolled(
        off,
        _Links.of(regions),
        counts={"n": has.sum(), "z": (~has).sum()},
        ids={"ev": _sorted_ids("official_id", pl.col("fulfilment") < 1)},
        fsums={"total": pl.col("fulfilment").filter(has)},
    )
    return _shortfall(
        per,
        "D1",
        p,
        "annual.d1_points",
        n="n",
        share=pl.col("total") / pl.col("n"),
        head=pl.format("领导干部 {} 人", pl.col("n")),
        rate_name="平均履职率",
        empty="无领导干部数据，D1 不扣分",
        evidence=pl.col("ev"),
        left_out=pl.when(pl.col("z") > 0)
        .then(pl.format("（所任职务无履职要求的 {} 人不计）", pl.col("z")))
        .otherwise(pl.lit("")),
        nothing_counted="无需考核履职的领导干部{}，D1 不扣分",
    )


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
    links = _Links.of(regions)
    min_level = p["annual.e1_min_level"]
    good_levels = list(STANDARDIZATION_LEVELS[: STANDARDIZATION_LEVELS.index(min_level) + 1])
    ents = _eligible_enterprises(enterprises, year).filter(
        pl.col("license_required").fill_null(False)
    )
    ok = pl.col("standardization_level").cast(pl.String).is_in(good_levels).fill_null(False)
    per = _rolled(
        ents,
        links,
        counts={"n": pl.len(), "k": ok.sum()},
        ids={"ev": _sorted_ids("enterprise_id", ~ok)},
    )
    e1 = _shortfall(
        per,
        "E1",
        p,
        "annual.e1_points",
        n="n",
        share=pl.col("k") / pl.col("n"),
        head=pl.format(
            f"需许可企业 {{}} 家，标准化{min_level}及以上 {{}} 家", pl.col("n"), pl.col("k")
        ),
        rate_name="达标率",
        empty="无需许可企业数据，E1 不扣分",
        evidence=pl.col("ev"),
        target=p["annual.e1_target_share"],
        only_when_deducted=True,
    )
    # E2: a work item with target 0 is skipped (named in the reason)
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
        links,
        counts={"n": counted.sum(), "z": (~counted).sum()},
        ids={
            "ev": _sorted_ids("wid", counted & (pl.col("achieved") < pl.col("target"))),
            "skipped": _sorted_ids("wid", ~counted),
        },
        fsums={"total": ratio.filter(counted)},
    )
    e2 = _shortfall(
        per2,
        "E2",
        p,
        "annual.e2_points",
        n="n",
        share=pl.col("total") / pl.col("n"),
        head=pl.format("本年工作目标 {} 项（每项完成率至多 100%）", pl.col("n")),
        rate_name="平均完成率",
        empty="无年度工作目标数据，E2 不扣分",
        evidence=pl.col("ev"),
        left_out=pl.when(pl.col("z") > 0)
        .then(
            pl.format(
                "（目标值为 0 的 {} 项不计：{}）", pl.col("z"), pl.col("skipped").list.join("、")
            )
        )
        .otherwise(pl.lit("")),
        nothing_counted="本年无目标值大于 0 的工作目标{}，E2 不扣分",
    )
    return pl.concat([e1, e2])


# --- totals: caps, rescale, adjustments, clip, veto, grade, rank -----------------------------


def _level_rules(p: RulesAt, kind: str) -> dict[str, dict[str, Any]]:
    """Per region level (省/市/县): the veto or yellow-card parameter and its key."""
    return {
        level: {"key": f"annual.{kind}_{suffix}", "value": p[f"annual.{kind}_{suffix}"]}
        for level, suffix in LEVEL_KEYS.items()
        if f"annual.{kind}_{suffix}" in p.rulebook
    }


def _count_conditions(p: RulesAt, kind: str, word: str) -> tuple[pl.Expr, pl.Expr]:
    """(triggered, reasons) for veto ("veto") or yellow card ("yellow_card") by level.

    ``grade_counts = {"较大" = 2}`` counts accidents of that grade or worse (较大及以上)."""
    level = pl.col("level").cast(pl.String)
    conds: list[pl.Expr] = []
    reasons: list[pl.Expr] = []

    def rule(cond: pl.Expr, what: str, n: str, ids: str, at_least: int) -> None:
        conds.append(cond)
        reasons.append(
            pl.when(cond).then(
                pl.format(
                    f"{what} {{}} 起（{{}}），{lvl}级达到 {at_least} 起即{word}",
                    pl.col(n),
                    pl.col(ids).list.join("、"),
                )
            )
        )

    for lvl, spec in _level_rules(p, kind).items():
        value = spec["value"]
        for grade, count in (value.get("grade_counts") or {}).items():
            if int(count) > 0:
                cond = (level == lvl) & (pl.col(f"ge_{grade}") >= int(count))
                rule(cond, f"{grade}及以上事故", f"ge_{grade}", f"ids_{grade}", int(count))
        concealed = int(value.get("concealed", 0) or 0)
        if concealed > 0:
            cond = (level == lvl) & (pl.col("concealed_n") >= concealed)
            rule(cond, "瞒报（谎报）事故", "concealed_n", "concealed_ids", concealed)
    triggered = pl.any_horizontal(conds) if conds else pl.lit(False)
    listed = (
        pl.concat_list([r.cast(pl.String) for r in reasons]).list.drop_nulls()
        if reasons
        else _EMPTY_IDS
    )
    return triggered, listed


def _order_index() -> pl.Expr:
    order = {rule: i for i, rule in enumerate(ITEM_ORDER)}
    return pl.col("rule_id").replace_strict(order, default=len(order), return_dtype=pl.Int64)


def _canonical(items: pl.LazyFrame) -> pl.LazyFrame:
    """Items in the order the score adds them: region, ITEM_ORDER, reason, points, basis."""
    return items.sort("region_code", _order_index(), "reason", "points", "basis")


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


def _as_items(frame: pl.LazyFrame) -> pl.LazyFrame:
    """A frame in the section line-item form, points without -0.0."""
    return frame.select([pl.col(c).cast(t) for c, t in _ITEM_SCHEMA.items()]).with_columns(
        _zero_free(pl.col("points"))
    )


def _one_item(
    frame: pl.LazyFrame, rule_id: str, points: str, reason: pl.Expr, basis: str
) -> pl.LazyFrame:
    """One line item per region whose column `points` is not null."""
    return _as_items(
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
        return _empty_items()
    return _as_items(
        adjustments.lazy()
        .filter((pl.col("subject_type").cast(pl.String) == "region") & (pl.col("year") == year))
        .select(
            pl.col("subject_id").cast(pl.String).alias("region_code"),
            pl.lit("adjustment").alias("rule_id"),
            pl.col("points").cast(pl.Float64),
            pl.format(
                "{} {} 分：{}",
                pl.when(pl.col("points") > 0)
                .then(pl.lit("委员会加分"))
                .otherwise(pl.lit("委员会核减")),
                _num(pl.col("points").abs()),
                pl.col("reason").fill_null(""),
            ).alias("reason"),
            pl.col("basis").cast(pl.String).fill_null(""),
            _EMPTY_IDS.alias("evidence"),
        )
        .join(codes, on="region_code", how="semi")
    )


def _finish_plan(
    section_items: pl.LazyFrame,
    regions: pl.DataFrame | pl.LazyFrame,
    links: _Links,
    figures: pl.LazyFrame,
    p: RulesAt,
    year: int,
    *,
    assessed: Sequence[str],
    missing_tables: Sequence[str],
    adjustments: pl.DataFrame | None,
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The lazy plans of (regions frame, line items): caps → rescale → adjustments →
    clip → veto (and veto.zero) → grade → rank.

    The score is a running total `t`: the base plus each point in the canonical order.
    Each cap, the rescale, the clip and veto.zero is computed as (the total it should
    give) − (the running total so far), so that adding it lands on that total."""
    base = float(p["annual.base"])
    weights = {s: float(w) for s, w in p["annual.section_weights"].items()}
    assessed = tuple(s for s in SECTIONS if s in assessed)
    unassessed = [s for s in SECTIONS if s not in assessed]
    codes = links.codes.select("region_code")
    weight_basis = p.basis("annual.section_weights")
    items = _as_items(section_items)

    # per region and section: the points in canonical order, and sorted (for the
    # order-free section sum that decides the cap and the section column)
    rule = pl.col("rule_id")
    per = (
        _canonical(items)
        .group_by("region_code", maintain_order=True)
        .agg(
            *[pl.col("points").filter(rule.str.starts_with(s)).alias(f"seq_{s}") for s in assessed],
            *[
                pl.col("points").filter(rule.str.starts_with(s)).sort().alias(f"sum_{s}")
                for s in assessed
            ],
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
            pl.format(
                f"{s} {SECTION_NAMES[s]}扣分合计 {{}} 分，超过该部分分值 {_fmt(weights[s])} 分，封顶返还 {{}} 分",  # noqa: E501
                _num(-pl.col(f"sum_{s}")),
                _num(pl.col(f"cap_{s}")),
            ),
            weight_basis,
        )
        for s in assessed
    ]

    # rescale to the assessed weights (RUBRIC.md, Readings)
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
                pl.format(
                    f"未评 {'、'.join(unassessed)} 部分（缺少数据表 {missing_text}）；"
                    f"已评部分满分 {_fmt(assessed_w)} 分、得分 {{}} 分，折算为 {_fmt(base)} 分制："
                    f"{{}} × {_fmt(base)} ÷ {_fmt(assessed_w)} = {{}} 分，调整 {{}} 分",
                    _num(pl.col("got")),
                    _num(pl.col("got")),
                    _num(pl.col("t")),
                    _signed(pl.col("rescale")),
                ),
                weight_basis,
            )
        )
    elif not assessed:
        extra.append(
            _as_items(
                codes.select(
                    "region_code",
                    pl.lit("rescale").alias("rule_id"),
                    pl.lit(0.0).alias("points"),
                    pl.lit(f"未评任何考核内容（缺少数据表 {missing_text}），不计分").alias(
                        "reason"
                    ),
                    pl.lit(weight_basis).alias("basis"),
                    _EMPTY_IDS.alias("evidence"),
                )
            )
        )

    # committee adjustments, then the clip to [0, base]
    if assessed:
        adj = _adjustment_items(adjustments, codes, year)
        extra.append(adj)
        adj_seq = (
            _canonical(adj)
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

    # veto, yellow card and grade cap, from the year's liability accidents (and below)
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
    zero_on = pl.lit(bool(assessed) and p["annual.veto_effect"] == "zero")
    run = (
        run.join(frame.select("region_code", "vetoed"), on="region_code", how="left")
        .with_columns(
            t.alias("t_clip"),
            pl.when(zero_on & pl.col("vetoed")).then(_zero_free(-t)).alias("zero"),
        )
        .pipe(_then_add, "zero")
        .cache()
    )
    if assessed:
        extra.append(
            _one_item(
                run,
                "clip",
                "clip",
                pl.when(pl.col("t_adj") > base)
                .then(
                    pl.format(
                        f"合计 {{}} 分，高于满分 {_fmt(base)} 分，记为 {_fmt(base)} 分",
                        _num(pl.col("t_adj")),
                    )
                )
                .otherwise(pl.format("合计 {} 分，低于 0 分，记为 0 分", _num(pl.col("t_adj")))),
                p.basis("annual.base"),
            )
        )
        extra.append(
            _one_item(
                run,
                "veto.zero",
                "zero",
                pl.format("一票否决，得分 {} 分记为 0 分", _num(pl.col("t_clip"))),
                p.basis("annual.veto_effect"),
            )
        )
    score = t if assessed else pl.lit(None, dtype=pl.Float64)
    frame = frame.join(
        run.select("region_code", score.alias("score"), *SECTIONS), on="region_code", how="left"
    )

    # grade on the score rounded to 6 decimals; veto → worst; the cap → at most 良好
    bands = p["annual.grade_bands"]
    names = [b["grade"] for b in bands]
    rounded = pl.col("score").round(6)
    idx: Any = pl
    for i, band in enumerate(bands):
        idx = idx.when(rounded >= float(band["min"])).then(pl.lit(i))
    idx = idx.otherwise(pl.lit(len(bands) - 1))
    cap_idx = names.index(p["annual.grade_cap"])
    scored = pl.col("score").is_not_null()
    capped = scored & pl.col("cap_applies") & (pl.col("gi") < cap_idx) & ~pl.col("vetoed")
    frame = (
        frame.with_columns(idx.alias("gi"))
        .with_columns(capped.alias("grade_capped"))
        .with_columns(
            pl.when(pl.col("vetoed"))
            .then(pl.lit(len(bands) - 1))
            .when(pl.col("grade_capped"))
            .then(pl.lit(cap_idx))
            .otherwise(pl.col("gi"))
            .alias("gi")
        )
        .with_columns(
            pl.when(scored)
            .then(
                pl.col("gi").replace_strict(list(range(len(names))), names, return_dtype=pl.String)
            )
            .alias("grade"),
            # among siblings (same parent), vetoed last, then by score; ties share the
            # better rank; a region with no score is left out
            pl.when(scored)
            .then(
                pl.struct(pl.col("vetoed"), -rounded)
                .rank("min")
                .over(pl.col("parent_code").fill_null(""), scored)
                .cast(pl.Int64)
            )
            .alias("rank"),
            pl.lit(bool(unassessed)).alias("incomplete"),
            pl.lit(unassessed, dtype=_IDS).alias("unassessed_sections"),
        )
    )
    out = frame.select([pl.col(c).cast(t) for c, t in REGION_COLUMNS.items()]).sort("region_code")

    li = concat_line_items(
        pl.concat([items, *extra]).select(
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


def _collect(
    items: pl.LazyFrame,
    figures: pl.LazyFrame,
    finish: Any,
    assessed: Sequence[str],
) -> AnnualResult:
    """Two collects: every section plan with the accident figures (one `collect_all`,
    shared subplans computed once), then the finishing steps over those frames."""
    items_df, figures_df = pl.collect_all([items, figures])
    regions_out, items_out = pl.collect_all(list(finish(items_df.lazy(), figures_df.lazy())))
    return AnnualResult(
        regions=regions_out,
        line_items=items_out,
        assessed_sections=tuple(s for s in SECTIONS if s in assessed),
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
) -> AnnualResult:
    """Section caps, rescale, adjustments, clip, veto, grade and rank.

    `section_items` are the A–E line items (region_code, rule_id, points, reason,
    basis, evidence) of the `assessed` sections; `accidents` the raw accidents table
    (for veto, yellow card and grade cap) or None when it is absent.
    """
    book = _rules(rules)
    p = book.for_year(year)
    links = _Links.of(regions)
    accs = prepare_accidents(accidents, book) if accidents is not None else None

    def finish(items: pl.LazyFrame, figures: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        return _finish_plan(
            items,
            regions,
            links,
            figures,
            p,
            year,
            assessed=assessed,
            missing_tables=missing_tables,
            adjustments=adjustments,
        )

    return _collect(section_items.lazy(), _accident_figures(accs, links, p, year), finish, assessed)


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
    table; sections whose tables are absent are left unassessed (rescale).  Every
    section is a lazy plan; the sections and the finishing steps are collected at once.

    >>> import datetime as dt, polars as pl
    >>> from accountability.dataset import Dataset
    >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
    ...     "parent_code": [None], "level": ["市"]}, schema_overrides={"parent_code": pl.String})
    >>> data = Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1))
    >>> annual(data, year=2024).regions["grade"][0] is None
    True
    """
    book = _rules(rules)
    p = book.for_year(year)
    regions = data.table("regions", needed_by="年度目标管理考核")
    links = _Links.of(regions)
    assessed, missing = assessed_sections(data)
    raw = data.get("accidents")
    accs = prepare_accidents(raw, book).cache() if raw is not None else None
    figures = _accident_figures(accs, links, p, year).cache()
    parts: list[pl.LazyFrame] = []
    if "A" in assessed and raw is not None and accs is not None:
        parts.append(
            _section_a(
                raw.lazy(),
                accs,
                figures,
                links,
                p,
                year,
                data.get("targets"),
                data.get("region_stats"),
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
                links,
                book,
                year,
            )
        )
    if "C" in assessed:
        parts.append(section_c(data.table("hazards"), links, book, year))
    if "D" in assessed:
        if officials is None:
            from accountability.scorers.dual_duty import dual_duty

            officials = dual_duty(data, book, year).officials
        parts.append(section_d(officials, links, book, year))
    if "E" in assessed:
        parts.append(
            section_e(data.table("enterprises"), data.table("work_items"), links, book, year)
        )
    items = pl.concat([_as_items(part) for part in parts]) if parts else _empty_items()

    def finish(items: pl.LazyFrame, figures: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
        return _finish_plan(
            items,
            regions,
            links,
            figures,
            p,
            year,
            assessed=assessed,
            missing_tables=missing,
            adjustments=data.get("adjustments"),
        )

    return _collect(items, figures, finish, assessed)
