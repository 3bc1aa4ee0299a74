"""Year-on-year comparison of a date span (同比): the table a work-safety speech reads out.

`compare_periods(data, "2024-01-01", "2024-10-31")` compares January–October 2024
with January–October 2023 for the root region and everything below it.

The result is one tidy frame, one row per (scope, indicator), in print order:

| column | meaning |
| --- | --- |
| `scope` | 总计, 工矿商贸 (the rulebook's group `sectors.industry_trade`), or one sector |
| `indicator` | 事故起数, 死亡人数, 重伤人数, 直接经济损失(万元); 检查次数, 检查企业数, |
| | 发现隐患数, 整改隐患数, 关闭取缔企业数, 刑事拘留人数, 移送司法机关人数 (总计 only) |
| `unit` | 起, 人, 万元, 次, 家, 项 |
| `current`, `previous` | the span and the same span a year earlier |
| `change` | current − previous |
| `change_pct` | (current − previous) ÷ previous × 100, rounded to 2 decimals half away |
| | from zero; null where previous is 0 |
| `note` | why a block is missing (a table the dataset lacks); null otherwise |

Counting rules (docs/readings.md, 同比):

- accidents by `occurred_on`; deaths include missing persons while the rulebook's
  `accident_grading.count_missing_as_deaths` is on (the value in force on each
  accident's date); accidents with `liability` false stay in (they count in
  statistics); a sector row is shown when it has any figure in either span;
- 检查次数: distinct `inspection_id` with `inspected_on` in the span; 检查企业数:
  distinct `enterprise_id` among those rows;
- 发现隐患数: hazards with `found_on` in the span; 整改隐患数: `rectified_on` in it;
- 关闭取缔企业数: distinct enterprises with a case found in the span with `closed`
  (a case without an enterprise_id counts as one unit of its own); 刑事拘留人数 and
  移送司法机关人数: sums of `persons_detained` and `persons_transferred` over cases
  found in the span;
- a region's figures include every region below it (by `regions.parent_code`).

The same span a year earlier: each date moves back one year; a date that is the
last day of its month maps to the last day of that month (2024-02-29 → 2023-02-28,
2025-02-28 → 2024-02-29), so month-based spans stay whole months.

>>> import datetime as dt
>>> previous_span("2024-01-01", "2024-02-29")
(datetime.date(2023, 1, 1), datetime.date(2023, 2, 28))
>>> round_half_away(-125, 100_000)   # -0.125 % → -0.13
-0.13
"""

from __future__ import annotations

import calendar
import datetime as dt

import polars as pl

from accountability.arguments import as_dataset, as_rulebook
from accountability.codes import SECTORS
from accountability.dataset import Dataset
from accountability.dates import parse_day
from accountability.engine import ENGINE
from accountability.errors import DatasetError
from accountability.regions import ancestors
from accountability.rulebook import Rulebook, RulesAt

__all__ = [
    "COMPARISON_SCHEMA",
    "INDICATORS",
    "compare_periods",
    "previous_span",
    "region_members",
    "round_half_away",
]

COMPARISON_SCHEMA: dict[str, pl.DataType] = {
    "scope": pl.String(),
    "indicator": pl.String(),
    "unit": pl.String(),
    "current": pl.Float64(),
    "previous": pl.Float64(),
    "change": pl.Float64(),
    "change_pct": pl.Float64(),
    "note": pl.String(),
}

TOTAL = "总计"
GROUP = "工矿商贸"
# indicator key → (Chinese label, unit); the order is the print order.
INDICATORS: dict[str, tuple[str, str]] = {
    "accidents": ("事故起数", "起"),
    "deaths": ("死亡人数", "人"),
    "serious_injuries": ("重伤人数", "人"),
    "direct_loss": ("直接经济损失(万元)", "万元"),
    "inspections": ("检查次数", "次"),
    "enterprises_inspected": ("检查企业数", "家"),
    "hazards_found": ("发现隐患数", "项"),
    "hazards_rectified": ("整改隐患数", "项"),
    "enterprises_closed": ("关闭取缔企业数", "家"),
    "persons_detained": ("刑事拘留人数", "人"),
    "persons_transferred": ("移送司法机关人数", "人"),
}
# Direct loss is summed as integers of 1/10,000 万元 (1 元) so sums and the change %
# are exact and independent of row order.
_LOSS_SCALE = 10_000
_ACCIDENT_KEYS = ("accidents", "deaths", "serious_injuries", "direct_loss")
_TABLE_LABELS = {
    "accidents": "生产安全事故",
    "inspections": "执法检查",
    "hazards": "事故隐患",
    "cases": "打非治违案件",
}


def _year_earlier(day: dt.date) -> dt.date:
    year = day.year - 1
    last = calendar.monthrange(day.year, day.month)[1]
    if day.day == last:
        return dt.date(year, day.month, calendar.monthrange(year, day.month)[1])
    return dt.date(year, day.month, day.day)


def previous_span(start: dt.date | str, end: dt.date | str) -> tuple[dt.date, dt.date]:
    """The same span a year earlier (month ends map to month ends).

    >>> previous_span("2025-01-01", "2025-02-28")
    (datetime.date(2024, 1, 1), datetime.date(2024, 2, 29))
    >>> previous_span("2024-01-01", "2024-10-31")
    (datetime.date(2023, 1, 1), datetime.date(2023, 10, 31))
    """
    return _year_earlier(parse_day(start)), _year_earlier(parse_day(end))


def round_half_away(numerator: int, denominator: int) -> float:
    """numerator ÷ denominator × 100, as a percentage rounded to 2 decimals half away
    from zero, computed on integers (so 0.125 → 0.13 and −0.125 → −0.13 exactly).

    >>> round_half_away(1, 800), round_half_away(-1, 800)
    (0.13, -0.13)
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    hundredths = (abs(numerator) * 20_000 + denominator) // (2 * denominator)
    return (hundredths if numerator >= 0 else -hundredths) / 100


def _pct_expr(cur: pl.Expr, prev: pl.Expr) -> pl.Expr:
    """The vectorised `round_half_away((cur − prev), prev)`; null where prev is 0."""
    diff = (cur - prev).cast(pl.Int64)
    p = prev.cast(pl.Int64)
    hundredths = (diff.abs() * 20_000 + p) // (2 * p)
    sign = pl.when(diff < 0).then(pl.lit(-1.0)).otherwise(pl.lit(1.0))
    # polars may turn ÷100 into ×0.01; rounding again restores the exact 2-decimal value
    pct = (sign * hundredths.cast(pl.Float64) / 100).round(2)
    return pl.when(prev > 0).then(pct).otherwise(None)


def region_members(data: Dataset, region: str | None = None) -> list[str] | None:
    """Region codes whose rows count for `region` (it and every region below it).

    `region=None` means the root region(s): those with an empty parent_code (or a
    parent not in the table), i.e. every region.  Without a `regions` table and with
    `region=None` the answer is None: no filter.
    """
    if not data.has("regions"):
        if region is None:
            return None
        data.table("regions", needed_by=f"按区划 {region} 比较")
    regions = data.table("regions")
    codes = regions["region_code"]
    if region is None:
        return sorted(codes.to_list())
    if region not in set(codes.to_list()):
        raise DatasetError(f"区划代码 {region!r} 不在 regions 表中 (unknown region)")
    below = (
        ancestors(regions)
        .filter(pl.col("ancestor_code") == region)
        .select("region_code")
        .collect(engine=ENGINE)
    )
    return sorted(below["region_code"].to_list())


def _span_flags(
    col: str, cur: tuple[dt.date, dt.date], prev: tuple[dt.date, dt.date]
) -> list[pl.Expr]:
    c = pl.col(col)
    return [
        c.is_between(pl.lit(cur[0]), pl.lit(cur[1]), closed="both").fill_null(False).alias("_cur"),
        c.is_between(pl.lit(prev[0]), pl.lit(prev[1]), closed="both")
        .fill_null(False)
        .alias("_prev"),
    ]


def _in_region(frame: pl.LazyFrame, members: list[str] | None) -> pl.LazyFrame:
    return frame if members is None else frame.filter(pl.col("region_code").is_in(members))


def _accident_block(
    accidents: pl.LazyFrame,
    cur: tuple[dt.date, dt.date],
    prev: tuple[dt.date, dt.date],
    rules: Rulebook | RulesAt | None,
    industry_trade: list[str],
) -> pl.LazyFrame:
    """Long rows (scope, key, cur_i, prev_i) for the four accident indicators."""
    from accountability.accidents import counted_deaths

    acc = (
        accidents.with_columns(_span_flags("occurred_on", cur, prev))
        .filter(pl.col("_cur") | pl.col("_prev"))
        .with_columns(
            _deaths=counted_deaths(rules).cast(pl.Int64),
            _loss=(pl.col("direct_loss_10k_yuan") * _LOSS_SCALE).round(0).cast(pl.Int64),
            sector=pl.col("sector").cast(pl.String),
        )
    )
    values = {
        "accidents": pl.lit(1, pl.Int64),
        "deaths": pl.col("_deaths"),
        "serious_injuries": pl.col("serious_injuries").cast(pl.Int64),
        "direct_loss": pl.col("_loss"),
    }
    aggs = []
    for key, value in values.items():
        aggs.append(value.filter(pl.col("_cur")).sum().alias(f"{key}|cur"))
        aggs.append(value.filter(pl.col("_prev")).sum().alias(f"{key}|prev"))
    by_sector = acc.group_by("sector").agg(aggs)
    sums = [pl.col(c).sum() for c in by_sector.collect_schema().names() if "|" in c]
    total = by_sector.select(sums).with_columns(scope=pl.lit(TOTAL))
    group = (
        by_sector.filter(pl.col("sector").is_in(industry_trade))
        .select(sums)
        .with_columns(scope=pl.lit(GROUP))
    )
    sectors = by_sector.rename({"sector": "scope"})
    wide = pl.concat([total, group, sectors], how="diagonal")
    long = wide.unpivot(index="scope", variable_name="_var", value_name="_v").with_columns(
        key=pl.col("_var").str.split("|").list.get(0),
        _span=pl.col("_var").str.split("|").list.get(1),
    )
    return (
        long.group_by("scope", "key")
        .agg(
            cur_i=pl.col("_v").filter(pl.col("_span") == "cur").sum(),
            prev_i=pl.col("_v").filter(pl.col("_span") == "prev").sum(),
        )
        .with_columns(scale=pl.when(pl.col("key") == "direct_loss").then(_LOSS_SCALE).otherwise(1))
    )


def _count_rows(rows: dict[str, tuple[pl.Expr, pl.Expr]], frame: pl.LazyFrame) -> pl.LazyFrame:
    aggs = []
    for key, (cur, prev) in rows.items():
        aggs += [cur.cast(pl.Int64).alias(f"{key}|cur"), prev.cast(pl.Int64).alias(f"{key}|prev")]
    wide = frame.select(aggs)
    return (
        wide.unpivot(variable_name="_var", value_name="_v")
        .with_columns(
            key=pl.col("_var").str.split("|").list.get(0),
            _span=pl.col("_var").str.split("|").list.get(1),
        )
        .group_by("key")
        .agg(
            cur_i=pl.col("_v").filter(pl.col("_span") == "cur").sum(),
            prev_i=pl.col("_v").filter(pl.col("_span") == "prev").sum(),
        )
        .with_columns(scope=pl.lit(TOTAL), scale=pl.lit(1))
    )


def compare_periods(
    data: Dataset,
    start: dt.date | str,
    end: dt.date | str,
    *,
    region: str | None = None,
    rules: Rulebook | None = None,
) -> pl.DataFrame:
    """Compare `start`..`end` (inclusive) with the same span a year earlier.

    `region`: a region code (its figures include every region below it); default the
    root region(s).  `rules`: the rulebook (default: the built-in one) for the
    missing-persons switch and the 工矿商贸 group.  Tables the dataset lacks leave
    their rows out and add a row with a `note`; with none of accidents, inspections,
    hazards and cases a `DatasetError` names the accidents table.

    >>> import accountability as acc                                   # doctest: +SKIP
    >>> data = acc.load_dataset("fixtures/yiyang-2024")                # doctest: +SKIP
    >>> t = compare_periods(data, "2024-01-01", "2024-10-31")          # doctest: +SKIP
    >>> t.filter(scope="总计", indicator="事故起数")["change_pct"].item()  # doctest: +SKIP
    -14.21
    """
    data = as_dataset(data, "compare_periods")
    cur = (parse_day(start), parse_day(end))
    if cur[0] > cur[1]:
        raise ValueError(f"起始日期 {cur[0]} 晚于结束日期 {cur[1]}")
    prev = previous_span(*cur)
    book = as_rulebook(rules, "compare_periods")
    industry_trade = [str(s) for s in book.at(cur[1])["sectors.industry_trade"]]
    usable = [t for t in _TABLE_LABELS if data.has(t)]
    if not usable:
        data.table("accidents", needed_by="compare_periods")
    members = region_members(data, region)

    blocks: list[pl.LazyFrame] = []
    notes: list[tuple[str, str]] = []
    for table, label in _TABLE_LABELS.items():
        if not data.has(table):
            notes.append((label, f"数据集中没有 {table} 表，{label}相关指标未比较"))
    if data.has("accidents"):
        acc = _in_region(data.lazy("accidents"), members)
        blocks.append(_accident_block(acc, cur, prev, book, industry_trade))
    if data.has("inspections"):
        insp = _in_region(data.lazy("inspections"), members).with_columns(
            _span_flags("inspected_on", cur, prev)
        )
        blocks.append(
            _count_rows(
                {
                    "inspections": (
                        pl.col("inspection_id").filter(pl.col("_cur")).n_unique(),
                        pl.col("inspection_id").filter(pl.col("_prev")).n_unique(),
                    ),
                    "enterprises_inspected": (
                        pl.col("enterprise_id").filter(pl.col("_cur")).n_unique(),
                        pl.col("enterprise_id").filter(pl.col("_prev")).n_unique(),
                    ),
                },
                insp,
            )
        )
    if data.has("hazards"):
        hz = _in_region(data.lazy("hazards"), members)
        found = _span_flags("found_on", cur, prev)
        fixed = _span_flags("rectified_on", cur, prev)
        blocks.append(
            _count_rows(
                {
                    "hazards_found": (found[0].sum(), found[1].sum()),
                    "hazards_rectified": (fixed[0].sum(), fixed[1].sum()),
                },
                hz,
            )
        )
    if data.has("cases"):
        cs = _in_region(data.lazy("cases"), members).with_columns(
            _span_flags("found_on", cur, prev)
        )

        def closed_units(flag: str) -> pl.Expr:
            rows = pl.col(flag) & pl.col("closed").fill_null(False)
            named = (
                pl.col("enterprise_id")
                .filter(rows & pl.col("enterprise_id").is_not_null())
                .n_unique()
            )
            unnamed = (rows & pl.col("enterprise_id").is_null()).sum()
            return named + unnamed

        blocks.append(
            _count_rows(
                {
                    "enterprises_closed": (closed_units("_cur"), closed_units("_prev")),
                    "persons_detained": (
                        pl.col("persons_detained").filter(pl.col("_cur")).sum(),
                        pl.col("persons_detained").filter(pl.col("_prev")).sum(),
                    ),
                    "persons_transferred": (
                        pl.col("persons_transferred").filter(pl.col("_cur")).sum(),
                        pl.col("persons_transferred").filter(pl.col("_prev")).sum(),
                    ),
                },
                cs,
            )
        )

    order_scope = {TOTAL: 0, GROUP: 1} | {s: 2 + i for i, s in enumerate(SECTORS)}
    order_key = {k: i for i, k in enumerate(INDICATORS)}
    if blocks:
        rows = (
            pl.concat(
                [b.select("scope", "key", "cur_i", "prev_i", "scale") for b in blocks],
                how="vertical",
            )
            .with_columns(
                pl.col("cur_i").cast(pl.Int64),
                pl.col("prev_i").cast(pl.Int64),
                pl.col("scale").cast(pl.Int64),
            )
            # a sector (not 总计 / 工矿商贸) is shown when it has any figure in either span
            .with_columns(
                _any=((pl.col("cur_i") != 0) | (pl.col("prev_i") != 0)).any().over("scope"),
            )
            .filter(pl.col("scope").is_in([TOTAL, GROUP]) | pl.col("_any"))
            .with_columns(
                _so=pl.col("scope").replace_strict(order_scope, default=99, return_dtype=pl.Int64),
                _ko=pl.col("key").replace_strict(order_key, return_dtype=pl.Int64),
                indicator=pl.col("key").replace_strict({k: v[0] for k, v in INDICATORS.items()}),
                unit=pl.col("key").replace_strict({k: v[1] for k, v in INDICATORS.items()}),
                current=(pl.col("cur_i").cast(pl.Float64) / pl.col("scale")).round(4),
                previous=(pl.col("prev_i").cast(pl.Float64) / pl.col("scale")).round(4),
                change=(
                    (pl.col("cur_i") - pl.col("prev_i")).cast(pl.Float64) / pl.col("scale")
                ).round(4),
                change_pct=_pct_expr(pl.col("cur_i"), pl.col("prev_i")),
                note=pl.lit(None, pl.String),
            )
            .sort("_so", "scope", "_ko")
            .select(list(COMPARISON_SCHEMA))
            .collect(engine=ENGINE)
        )
    else:
        rows = pl.DataFrame(schema=COMPARISON_SCHEMA)
    if notes:
        note_rows = pl.DataFrame(
            {
                "scope": [TOTAL] * len(notes),
                "indicator": [label for label, _ in notes],
                "unit": [None] * len(notes),
                "current": [None] * len(notes),
                "previous": [None] * len(notes),
                "change": [None] * len(notes),
                "change_pct": [None] * len(notes),
                "note": [text for _, text in notes],
            },
            schema=COMPARISON_SCHEMA,
        )
        rows = pl.concat([rows, note_rows])
    return rows
