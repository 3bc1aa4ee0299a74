"""The hand-written polars peer: 年度目标管理考核 of every region as one lazy plan.

Reads ``<folder>/<table>.parquet`` with `pl.scan_parquet` and computes, under the
library's default rulebook, what `accountability.assess` reports per region — the
score, sections A–E, grade, veto, yellow card and rank — without line items,
evidence, reasons or validation.  Every table is scanned lazily and the whole
computation is collected once, on polars' thread pool as the process sets it.

What it computes, in the plan's order:

- accident grading by counted deaths (missing persons included while the switch is
  on), serious injuries and direct loss, by the bands in force on each accident's
  date; the liability population;
- A1–A5 (A2 against the previous year where the accidents table covers it);
- B1 from the 四个一律 compliance of the cases found in the year — closure grounds
  (illegal, failed rectification, suspension refused, a 重大 accident lacking safe
  conditions, the 180/365-day repeat fines and the 煤矿 3-month findings window from
  2024-05-01), fine ceilings from the statutory ranges where a case lacks its own,
  closure proposals up to the period's end — and B2's inspection coverage;
- C1–C4 from the hazards (effective deadlines with approved extensions; C3 closed on
  ``verified_on``, else ``rectified_on``);
- D1 from the duty fulfilment of every official whose role has requirements;
- E1 and E2;
- section caps, the rescale of unassessed sections (a table missing), committee
  adjustments, the clip to [0, base], grade bands on the score rounded to 6 decimals,
  the grade cap, veto and yellow card of 市 and 县, ranks among siblings.

Every count of a region includes the rows of every region below it: rows are first
aggregated by their own region, then those small aggregates are summed up the
hierarchy.  The default rulebook's switched-off rules (B3, C5–C7 at 0 points; the
old C3 measure; ``veto_effect = "grade"`` is read) are checked to be off, so the
peer refuses to give a wrong answer under a rulebook it does not implement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import polars as pl

from accountability import rulebook
from accountability.rulebook import Rulebook, RulesAt
from benchmarks.peers import COLUMNS, GRADES, SECTION_TABLES, SECTIONS

__all__ = ["region_results"]

# Optional input columns the peer reads, with their values when a file lacks them.
OPTIONAL: dict[str, dict[str, tuple[pl.DataType, Any]]] = {
    "accidents": {
        "liability": (pl.Boolean(), True),
        "lacked_conditions": (pl.Boolean(), False),
        "falsely_reported": (pl.Boolean(), False),
    },
    "enterprises": {"status": (pl.String(), "在营"), "closed_on": (pl.Date(), None)},
    "cases": {
        "penalty_kinds": (pl.List(pl.String()), None),
        "penalty_article": (pl.String(), None),
        "closure_proposed_on": (pl.Date(), None),
        "suspension_refused": (pl.Boolean(), False),
    },
    "hazards": {
        "verified_on": (pl.Date(), None),
        "extended_to": (pl.Date(), None),
        "extension_approved": (pl.Boolean(), False),
    },
}
# A3: target indicator, sector group parameter (None: every sector), factor, denominator.
A3_INDICATORS: tuple[tuple[str, str | None, float, str], ...] = (
    ("deaths_per_100m_gdp", None, 1.0, "gdp_100m_yuan"),
    ("industry_deaths_per_100k", "sectors.industry_trade", 100_000.0, "industry_employees"),
    ("road_deaths_per_10k_vehicles", "sectors.road", 10_000.0, "motor_vehicles"),
    ("coal_deaths_per_mt", "sectors.coal", 1.0, "coal_output_mt"),
)
LEVEL_KEYS: dict[str, str] = {"省": "province", "市": "city", "县": "county"}
MAX_DEPTH = 8  # levels of the hierarchy followed upwards (cycles stop here)


@attrs.frozen
class Period:
    """One assessment period: its first and last day (both included) and the rulebook's
    values in force on the last day."""

    year: int
    start: dt.date
    end: dt.date
    rules: RulesAt

    @classmethod
    def of(cls, book: Rulebook, year: int) -> Period:
        """P(year): from ``annual.period_start`` (in the year before when it is not
        01-01) to the day before the next period starts."""
        month, day = (int(x) for x in str(book.for_year(year)["annual.period_start"]).split("-"))
        start = dt.date(year if (month, day) == (1, 1) else year - 1, month, day)
        end = dt.date(start.year + 1, month, day) - dt.timedelta(days=1)
        return cls(year=year, start=start, end=end, rules=book.at(end))

    def within(self, column: str | pl.Expr) -> pl.Expr:
        """The date falls in the period (null where the date is null)."""
        day = pl.col(column) if isinstance(column, str) else column
        return day.is_between(pl.lit(self.start), pl.lit(self.end), closed="both")

    def __getitem__(self, key: str) -> Any:
        return self.rules[key]


@attrs.frozen
class Window:
    """One closure-on-repeat window: `count` events within `span` days or calendar
    months up to the case's day, for cases of `sector` ("*": any) found from `since`
    (included) to `until` (excluded) — the days its rulebook value is in force."""

    span: int
    unit: str
    count: int
    counting: str  # "penalties" (fined major-hazard cases) or "findings" (重大 hazard days)
    sector: str
    since: dt.date | None
    until: dt.date | None

    @property
    def column(self) -> str:
        """The count column this window reads (shared by windows of one span)."""
        return f"_n_{self.counting}_{self.span}{self.unit}"

    def lower(self, day: pl.Expr) -> pl.Expr:
        """The window's first day for a case on `day`."""
        if self.unit == "months":
            return day.dt.offset_by(f"-{self.span}mo")
        return day - pl.duration(days=self.span)

    def fired(self) -> pl.Expr:
        """The window applies to the case and its count reaches the window's count."""
        parts = [pl.col(self.column) >= self.count]
        if self.sector != "*":
            parts.append((pl.col("_sector") == self.sector).fill_null(False))
        if self.since is not None:
            parts.append(pl.col("found_on") >= pl.lit(self.since))
        if self.until is not None:
            parts.append(pl.col("found_on") < pl.lit(self.until))
        return pl.all_horizontal(parts).fill_null(False)


# --- reading the inputs ----------------------------------------------------------------


def _scan(folder: Path, table: str) -> pl.LazyFrame:
    """The table's Parquet file, with the optional columns the peer reads at their
    defaults where the file lacks them."""
    frame = pl.scan_parquet(folder / f"{table}.parquet")
    names = frame.collect_schema().names()
    missing = [
        pl.lit(value, dtype=dtype).alias(name)
        for name, (dtype, value) in OPTIONAL.get(table, {}).items()
        if name not in names
    ]
    return frame.with_columns(missing) if missing else frame


def _text(column: str) -> pl.Expr:
    """A categorical or text column as text (the files may hold either)."""
    return pl.col(column).cast(pl.String)


def _in_force(param: Any, day: pl.Expr, build: Callable[[Any], pl.Expr]) -> pl.Expr:
    """`build(value)` of the parameter value in force on each row's `day` (null before
    the first dated value)."""
    values = param.values
    if len(values) == 1 and values[0].start is None:
        return build(values[0].value)
    expr: Any = None
    for dated in reversed(values):  # latest first: the first start reached wins
        branch = build(dated.value)
        if dated.start is None:
            expr = branch if expr is None else expr.otherwise(branch)
            break
        cond = day >= pl.lit(dated.start)
        expr = pl.when(cond).then(branch) if expr is None else expr.when(cond).then(branch)
    if values[0].start is not None:
        expr = expr.otherwise(pl.lit(None))
    return expr


def _population(flags: Iterable[str], names: Sequence[str]) -> pl.Expr:
    """Accidents of the population: every flag true (an absent flag or cell counts as true)."""
    parts = [pl.col(f).fill_null(True) if f in names else pl.lit(True) for f in flags]
    return pl.all_horizontal(parts) if parts else pl.lit(True)


def _graded(accidents: pl.LazyFrame, book: Rulebook) -> pl.LazyFrame:
    """Accidents with counted deaths `_d` and grade index `_g` (0 一般 … 3 特别重大),
    each by the rules in force on the accident's date."""
    day = pl.col("occurred_on")
    deaths = _in_force(
        book["accident_grading.count_missing_as_deaths"],
        day,
        lambda on: pl.col("deaths") + pl.col("missing") if on else pl.col("deaths"),
    )

    def grade(bands: list[dict[str, Any]]) -> pl.Expr:
        expr: Any = pl
        for band in bands:  # most serious first: the highest band any criterion reaches
            reached = pl.any_horizontal(
                pl.col("_d") >= band["deaths"],
                pl.col("serious_injuries") >= band["serious_injuries"],
                pl.col("direct_loss_10k_yuan") >= band["direct_loss_10k_yuan"],
            )
            expr = expr.when(reached).then(pl.lit(GRADES.index(band["grade"])))
        return expr.otherwise(pl.lit(0))

    return accidents.with_columns(deaths.cast(pl.Int64).alias("_d")).with_columns(
        _in_force(book["accident_grading.bands"], day, grade).cast(pl.Int8).alias("_g")
    )


# --- the hierarchy -----------------------------------------------------------------------


def _ancestry(regions: pl.LazyFrame) -> pl.LazyFrame:
    """(region_code, rollup_code): each region with itself and every region above it."""
    links = regions.select("region_code", "parent_code")
    parts = [links.select("region_code", pl.col("region_code").alias("rollup_code"))]
    frontier = links.select("region_code", pl.col("parent_code").alias("rollup_code")).filter(
        pl.col("rollup_code").is_not_null()
    )
    for _ in range(MAX_DEPTH):
        parts.append(frontier)
        frontier = (
            frontier.join(links, left_on="rollup_code", right_on="region_code")
            .select("region_code", pl.col("parent_code").alias("rollup_code"))
            .filter(pl.col("rollup_code").is_not_null())
        )
    return pl.concat(parts).unique()


def _own(rows: pl.LazyFrame, aggs: dict[str, pl.Expr]) -> pl.LazyFrame:
    """The rows' figures by their own region (counts as Int64, sums as Float64 as given)."""
    return rows.group_by(pl.col("region_code").cast(pl.String)).agg(
        [expr.alias(name) for name, expr in aggs.items()]
    )


# --- A 事故控制 ---------------------------------------------------------------------------


def _accident_figures(
    accidents: pl.LazyFrame, period: Period, previous: Period, book: Rulebook
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(per own region: the period's figures for A1–A5 and the decisions, and last
    period's for A2; a one-row frame `_has_prev`: the table has rows dated last period)."""
    p = period.rules
    names = accidents.collect_schema().names()
    has_prev = accidents.select(previous.within("occurred_on").any().alias("_has_prev"))
    cur = period.within("occurred_on").fill_null(False)
    before = previous.within("occurred_on").fill_null(False)
    rows = (
        _graded(accidents.filter(_population(p["annual.accident_population"], names)), book)
        .filter(cur | before)
        .with_columns(cur.alias("_cur"), before.alias("_prev"))
    )
    now, then = pl.col("_cur"), pl.col("_prev")
    d = pl.col("_d")
    aggs: dict[str, pl.Expr] = {
        "deaths": d.filter(now).sum(),
        "n_cur": now.sum().cast(pl.Int64),
        "n_prev": then.sum().cast(pl.Int64),
        "deaths_prev": d.filter(then).sum(),
        "injuries_cur": pl.col("serious_injuries").filter(now).sum(),
        "injuries_prev": pl.col("serious_injuries").filter(then).sum(),
        "loss_cur": pl.col("direct_loss_10k_yuan").filter(now).sum(),
        "loss_prev": pl.col("direct_loss_10k_yuan").filter(then).sum(),
        # the tables' `concealed` key counts 瞒报 or 谎报
        "concealed_n": (
            now
            & (pl.col("concealed").fill_null(False) | pl.col("falsely_reported").fill_null(False))
        )
        .sum()
        .cast(pl.Int64),
        "late_n": (now & pl.col("reported_late").fill_null(False)).sum().cast(pl.Int64),
    }
    for key, group, _factor, _denominator in A3_INDICATORS:
        in_group = now if group is None else now & _text("sector").is_in(list(p[group]))
        aggs[f"num_{key}"] = d.filter(in_group).sum()
    for i, grade in enumerate(GRADES):
        aggs[f"ge_{grade}"] = (now & (pl.col("_g") >= i)).sum().cast(pl.Int64)
    return _own(rows, aggs), has_prev


def _section_a(period: Period) -> pl.Expr:
    """A1 + A2 + A3 + A4 + A5 over the per-region frame (points ≤ 0)."""
    p = period.rules
    deaths, limit = pl.col("deaths").cast(pl.Float64), pl.col("limit_deaths")
    a1 = (
        pl.when(limit.is_not_null() & (deaths > limit))
        .then(-(deaths - limit) * p["annual.a1_points_per_death"])
        .otherwise(0.0)
    )
    rise, flat = p["annual.a2_points_rise"], p["annual.a2_points_flat"]
    changes = []
    pairs = (("n_cur", "n_prev"), ("deaths", "deaths_prev"),
             ("injuries_cur", "injuries_prev"), ("loss_cur", "loss_prev"))  # fmt: skip
    for current, last in pairs:
        now, before = pl.col(current).cast(pl.Float64), pl.col(last).cast(pl.Float64)
        if current == "loss_cur":  # amounts compare at 6 decimals, as the sums are shown
            now, before = now.round(6), before.round(6)
        changes.append(
            pl.when(now > before)
            .then(pl.lit(rise))
            .when((now == before) & (now != 0))
            .then(pl.lit(flat))
            .otherwise(pl.lit(0.0))
        )
    a2 = pl.when(pl.col("_has_prev")).then(-pl.sum_horizontal(changes)).otherwise(0.0)
    applicable, over = [], []
    for key, _group, factor, denominator in A3_INDICATORS:
        target, den = pl.col(f"limit_{key}"), pl.col(denominator).cast(pl.Float64)
        ok = (target.is_not_null() & den.is_not_null() & (den > 0)).fill_null(False)
        rate = pl.col(f"num_{key}").cast(pl.Float64) * factor / den
        applicable.append(ok.cast(pl.Int64))
        over.append((ok & (rate.round(9) > target)).fill_null(False).cast(pl.Int64))
    n_app, n_over = pl.sum_horizontal(applicable), pl.sum_horizontal(over)
    a3 = (
        pl.when(n_app > 0).then(-float(p["annual.a3_points_total"]) / n_app * n_over).otherwise(0.0)
    )
    a4 = -pl.col(f"ge_{p['annual.a4_min_grade']}") * p["annual.a4_points_per_accident"]
    a5 = -pl.col("late_n") * p["annual.a5_points_per_late_report"]
    return a1 + a2 + a3 + a4 + a5


def _own_targets(targets: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """The year's control targets of each region's own row, one `limit_<indicator>` each."""
    keys = ["deaths", *[key for key, *_ in A3_INDICATORS]]
    rows = targets.filter(pl.col("year") == year).with_columns(_text("indicator"))
    return rows.group_by(pl.col("region_code").cast(pl.String)).agg(
        [
            pl.col("limit").cast(pl.Float64).filter(pl.col("indicator") == key).first().alias(name)
            for key, name in zip(keys, [f"limit_{k}" for k in keys], strict=True)
        ]
    )


def _own_stats(stats: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """The year's A3 denominators of each region's own row."""
    return stats.filter(pl.col("year") == year).select(
        pl.col("region_code").cast(pl.String),
        *[pl.col(den).cast(pl.Float64) for *_, den in A3_INDICATORS],
    )


# --- B 打非治违 ---------------------------------------------------------------------------


def _windows(book: Rulebook) -> list[Window]:
    """Every closure-on-repeat window of the rulebook, each bounded to the case days its
    value is in force (the fines windows for any sector, then the sectors' own)."""
    found: list[Window] = []
    for key in ("four_musts.repeat_windows", "four_musts.sector_repeat_windows"):
        if key not in book:
            continue
        values = sorted(book[key].values, key=lambda v: v.start or dt.date.min)
        for i, dated in enumerate(values):
            until = values[i + 1].start if i + 1 < len(values) else None
            if key == "four_musts.repeat_windows":
                specs = [("*", w["days"], "days", w["fines"], "penalties") for w in dated.value]
            else:
                specs = [
                    (sector, w["span"], w["span_unit"], w["count"], w["counting"])
                    for sector, items in (dated.value or {}).items()
                    for w in items
                ]
            for sector, span, unit, count, counting in specs:
                found.append(
                    Window(int(span), unit, int(count), counting, str(sector), dated.start, until)
                )
    return found


def _counts_in_window(cases: pl.LazyFrame, events: pl.LazyFrame, window: Window) -> pl.LazyFrame:
    """(_row, window.column): the enterprise's events from the window's first day to the
    case's day, both included (0 for an unknown enterprise).  Each enterprise's events
    are numbered cumulatively by day; a count is two as-of look-ups of that number."""
    numbered = (
        events.group_by("enterprise_id", "_day")
        .agg(pl.len().alias("_n"))
        .sort("enterprise_id", "_day")
        .with_columns(pl.col("_n").cum_sum().over("enterprise_id").alias("_cum"))
        .select("enterprise_id", "_day", "_cum")
        .sort("_day")
    )

    def up_to(day: pl.Expr, name: str) -> pl.LazyFrame:
        return (
            cases.select("_row", "enterprise_id", day.alias("_on"))
            .sort("_on")
            .join_asof(
                numbered,
                left_on="_on",
                right_on="_day",
                by="enterprise_id",
                strategy="backward",
                check_sortedness=False,
            )
            .select("_row", pl.col("_cum").fill_null(0).alias(name))
        )

    day = pl.col("found_on")
    last = up_to(day, "_hi")
    before = up_to(window.lower(day) - pl.duration(days=1), "_lo")
    return last.join(before, on="_row").select(
        "_row", (pl.col("_hi") - pl.col("_lo")).alias(window.column)
    )


def _fine_ceilings(cases: pl.LazyFrame, book: Rulebook) -> pl.LazyFrame:
    """`_ceiling`: the case's fine_max_yuan, else the statutory maximum of its
    penalty_article in the ranges in force on its found_on (an article without a tier
    read as its first tier)."""
    key = "four_musts.fine_ranges"
    segments = sorted(book[key].values, key=lambda v: v.start or dt.date.min) if key in book else []
    rows: list[tuple[int, str, float]] = []
    for i, dated in enumerate(segments):
        table = {str(k): v for k, v in (dated.value or {}).items()}
        for article, entry in table.items():
            rows.append((i, article, float(entry["max_yuan"])))
            bare = article.removesuffix("-1")
            if bare != article and "-" not in bare and bare not in table:
                rows.append((i, bare, float(entry["max_yuan"])))
    lookup = pl.LazyFrame(
        rows, schema={"_seg": pl.Int32, "_article": pl.String, "_max": pl.Float64}, orient="row"
    )
    segment: Any = None
    for i in reversed(range(len(segments))):
        start = segments[i].start
        holds = pl.col("found_on").is_not_null() if start is None else pl.col("found_on") >= start
        segment = (pl if segment is None else segment).when(holds).then(pl.lit(i, pl.Int32))
    segment = pl.lit(None, pl.Int32) if segment is None else segment.otherwise(None)
    article = _text("penalty_article").str.strip_chars()
    return (
        cases.with_columns(
            segment.cast(pl.Int32).alias("_seg"),
            pl.when(article != "").then(article).alias("_article"),
        )
        .join(lookup, on=["_seg", "_article"], how="left")
        .with_columns(pl.coalesce("fine_max_yuan", "_max").alias("_ceiling"))
    )


def _case_compliance(
    folder: Path, present: set[str], period: Period, book: Rulebook
) -> pl.LazyFrame:
    """Per own region, the period's cases requiring a 四个一律 measure (`b1_n`) and
    those that took every measure required (`b1_k`)."""
    p = period.rules
    cases = (
        _scan(folder, "cases")
        .filter(pl.col("found_on") <= period.end)
        .with_columns(pl.col("enterprise_id").cast(pl.String))
        .with_row_index("_row")
    )

    # the repeat windows: events of the enterprise up to and including the case's day,
    # counted over every case up to the period's end
    windows = _windows(book)
    kinds = list(p["four_musts.repeat_penalty_kinds"])
    listed = pl.col("penalty_kinds").list.eval(pl.element().cast(pl.String).is_in(kinds))
    fined = [listed.list.any().fill_null(False)]
    if "罚款" in kinds:
        fined.append((pl.col("fine_yuan") > 0).fill_null(False))
    penalised = (
        pl.col("major_hazard") & pl.col("enterprise_id").is_not_null() & pl.any_horizontal(fined)
    )
    day = pl.col("found_on").alias("_day")
    events = {"penalties": cases.filter(penalised).select("enterprise_id", day)}
    if "hazards" in present:
        events["findings"] = (
            _scan(folder, "hazards")
            .filter((_text("level") == "重大") & pl.col("enterprise_id").is_not_null())
            .select(pl.col("enterprise_id").cast(pl.String), pl.col("found_on").alias("_day"))
            .join(cases.select("enterprise_id").unique(), on="enterprise_id", how="semi")
            .unique()
        )
    counted = {w.column: w for w in windows if w.counting in events}
    queries = cases.select("_row", "enterprise_id", "found_on")
    for window in counted.values():
        counts = _counts_in_window(queries, events[window.counting], window)
        cases = cases.join(counts, on="_row", how="left")
    fired = [w.fired() for w in windows if w.column in counted]

    # the cases of the period; the sector windows read the enterprise's sector
    cases = cases.filter(pl.col("found_on") >= period.start)
    if "enterprises" in present:
        sectors = (
            _scan(folder, "enterprises")
            .group_by(pl.col("enterprise_id").cast(pl.String))
            .agg(_text("sector").min().alias("_sector"))
        )
        cases = cases.join(sectors, on="enterprise_id", how="left")
    else:
        cases = cases.with_columns(pl.lit(None, pl.String).alias("_sector"))
    cases = _fine_ceilings(cases, book)
    if "accidents" in present:
        accidents = _scan(folder, "accidents")
        names = accidents.collect_schema().names()
        assumed = bool(p["four_musts.close_on_major_accident"])
        majors = (
            _graded(accidents, book)
            .filter(
                _population(p["four_musts.accident_population"], names)
                & (pl.col("_g") >= GRADES.index("重大"))
                & pl.col("enterprise_id").is_not_null()
                & (pl.lit(assumed) | pl.col("lacked_conditions").fill_null(False))
            )
            .group_by(pl.col("enterprise_id").cast(pl.String))
            .agg(pl.col("occurred_on").min().alias("_first_major"))
        )
        cases = cases.join(majors, on="enterprise_id", how="left")
        major = (pl.col("_first_major") <= pl.col("found_on")).fill_null(False)
    else:
        major = pl.lit(False)

    proposed = (
        pl.col("closure_proposed_on")
        .is_between(pl.col("found_on"), pl.lit(period.end), closed="both")
        .fill_null(False)
    )
    grounds = [
        pl.col("illegal"),
        pl.col("failed_rectification"),
        major,
        pl.col("suspension_refused"),
        *fired,
    ]
    close = pl.any_horizontal(grounds).alias("_close")
    cases = cases.with_columns(close, (pl.col("closed") | proposed).alias("_closed_or_proposed"))
    required = {
        "close": pl.col("_close"),
        "penalty": pl.col("illegal") | pl.col("unlawful"),
        # closure subsumes suspension
        "suspend": pl.col("unlawful") & ~pl.col("_close"),
        "accountability": pl.col("criminal"),
    }
    satisfied = [
        ~required["close"] | pl.col("_closed_or_proposed"),
        ~required["penalty"] | (pl.col("fine_yuan") >= pl.col("_ceiling")).fill_null(False),
        ~required["suspend"] | pl.col("suspended") | pl.col("closed"),
        ~required["accountability"] | pl.col("transferred"),
    ]
    requiring = pl.any_horizontal(list(required.values())).fill_null(False)
    compliant = pl.all_horizontal(satisfied).fill_null(False)
    return _own(
        cases,
        {
            "b1_n": requiring.sum().cast(pl.Int64),
            "b1_k": (requiring & compliant).sum().cast(pl.Int64),
        },
    )


def _in_operation(period: Period) -> pl.Expr:
    """An enterprise not closed (关闭) before the period began."""
    gone = (_text("status") == "关闭") & (pl.col("closed_on") < pl.lit(period.start))
    return ~gone.fill_null(False)


def _enterprise_figures(folder: Path, sections: Sequence[str], period: Period) -> pl.LazyFrame:
    """Per own region of the enterprises in operation: B2's count and those inspected
    in the period (`b2_n`, `b2_k`); E1's licence-requiring ones and those at the
    minimum standardization level or better (`e1_n`, `e1_k`)."""
    rows = _scan(folder, "enterprises").filter(_in_operation(period))
    aggs: dict[str, pl.Expr] = {}
    if "B" in sections:
        inspected = (
            _scan(folder, "inspections")
            .filter(period.within("inspected_on"))
            .select(pl.col("enterprise_id").cast(pl.String))
            .unique()
            .with_columns(pl.lit(True).alias("_inspected"))
        )
        rows = rows.with_columns(pl.col("enterprise_id").cast(pl.String)).join(
            inspected, on="enterprise_id", how="left"
        )
        aggs["b2_n"] = pl.len().cast(pl.Int64)
        aggs["b2_k"] = pl.col("_inspected").fill_null(False).sum().cast(pl.Int64)
    if "E" in sections:
        levels = ("一级", "二级", "三级")
        good = list(levels[: levels.index(period["annual.e1_min_level"]) + 1])
        licensed = pl.col("license_required").fill_null(False)
        at_level = _text("standardization_level").is_in(good).fill_null(False)
        aggs["e1_n"] = licensed.sum().cast(pl.Int64)
        aggs["e1_k"] = (licensed & at_level).sum().cast(pl.Int64)
    return _own(rows, aggs)


# --- C 隐患排查治理 ------------------------------------------------------------------------


def _hazard_figures(hazards: pl.LazyFrame, period: Period) -> pl.LazyFrame:
    """Per own region: C1 一般 hazards due in the period and those rectified by their
    deadline; C2 重大 found in the period and those with 五落实; C3 listed 重大 due in
    the period and those closed by their deadline; C4 重大 overdue at the period's end."""
    level = _text("level")
    general, major = level == "一般", level == "重大"
    approved = pl.col("extension_approved").fill_null(False) & pl.col("extended_to").is_not_null()
    deadline = pl.when(approved).then(pl.col("extended_to")).otherwise(pl.col("due_on"))
    due_now = deadline.is_between(pl.lit(period.start), pl.lit(period.end))
    rectified = pl.col("rectified_on")
    on_time = rectified.is_not_null() & (rectified <= deadline)
    closed_on = pl.coalesce("verified_on", "rectified_on")
    closed_in_time = closed_on.is_not_null() & (closed_on <= deadline)
    found_now = major & period.within("found_on")
    listed_due = major & pl.col("listed").fill_null(False) & due_now
    overdue = (
        major
        & (deadline <= pl.lit(period.end))
        & (rectified.is_null() | (rectified > pl.lit(period.end)))
    )
    c1 = (general & due_now).fill_null(False)
    c2 = found_now.fill_null(False)
    c3 = listed_due.fill_null(False)

    def count(cond: pl.Expr) -> pl.Expr:
        return cond.fill_null(False).sum().cast(pl.Int64)

    return _own(
        hazards,
        {
            "c1_n": count(c1),
            "c1_k": count(c1 & on_time),
            "c2_n": count(c2),
            "c2_k": count(c2 & pl.col("five_in_place").fill_null(False)),
            "c3_n": count(c3),
            "c3_k": count(c3 & closed_in_time),
            "c4_n": count(overdue),
        },
    )


# --- D 责任落实 and E 基础工作 --------------------------------------------------------------


def _duty_figures(folder: Path, period: Period) -> pl.LazyFrame:
    """Per own region: officials whose role has duty requirements (`d1_n`) and the sum of
    their fulfilment (`d1_total`): the mean over the role's required activities of
    min(1, done ÷ required), done from the year's duty records (none: 0)."""
    requirements = [
        (str(role), str(activity), int(n))
        for role, activities in period["dual_duty.duty_requirements"].items()
        for activity, n in activities.items()
        if n > 0
    ]
    required = pl.LazyFrame(
        requirements,
        schema={"role": pl.String, "activity": pl.String, "required": pl.Int64},
        orient="row",
    )
    done = (
        _scan(folder, "duty_records")
        .filter(pl.col("year") == period.year)
        .group_by(pl.col("official_id").cast(pl.String), _text("activity"))
        .agg(pl.col("count").sum().alias("_done"))
    )
    duties = (
        _scan(folder, "officials")
        .select(
            pl.col("official_id").cast(pl.String),
            pl.col("region_code").cast(pl.String),
            _text("role"),
        )
        .join(required, on="role")
        .join(done, on=["official_id", "activity"], how="left")
        .with_columns(
            _ratio=pl.min_horizontal(pl.col("_done").fill_null(0) / pl.col("required"), 1.0)
        )
    )
    per_official = duties.group_by("official_id", "region_code").agg(
        pl.col("_ratio").mean().alias("_fulfilment")
    )
    return _own(
        per_official,
        {"d1_n": pl.len().cast(pl.Int64), "d1_total": pl.col("_fulfilment").sum()},
    )


def _work_figures(work_items: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """Per own region: the year's work items with a target above 0 (`e2_n`) and the sum
    of min(1, achieved ÷ target) over them (`e2_total`)."""
    counted = pl.col("target") > 0
    value = pl.min_horizontal(pl.lit(1.0), pl.col("achieved") / pl.col("target"))
    return _own(
        work_items.filter(pl.col("year") == year),
        {
            "e2_n": counted.sum().cast(pl.Int64),
            "e2_total": pl.when(counted).then(value).sum(),
        },
    )


def _share_points(n: str, k: str, points: float, target: float | None = None) -> pl.Expr:
    """``-points × (1 − share)`` (or ``× max(0, 1 − share ÷ target)``) of the share k ÷ n;
    0 where nothing is counted."""
    share = pl.col(k).cast(pl.Float64) / pl.col(n)
    gap = 1 - share if target is None else pl.max_horizontal(pl.lit(0.0), 1 - share / target)
    return pl.when(pl.col(n) > 0).then(-points * gap).otherwise(0.0)


# --- the finishing steps ----------------------------------------------------------------


def _checked(period: Period) -> None:
    """Refuse a rulebook whose rules the peer leaves out (they are off by default)."""
    p = period.rules
    off = ["annual.b3_points_per_gap", "annual.c5_points_per_hazard",
           "annual.c6_points_per_hazard", "annual.c7_points"]  # fmt: skip
    on = [key for key in off if key in p.rulebook and float(p[key]) != 0]
    if p["annual.c3_measure"] != "按期销号":
        on.append("annual.c3_measure")
    if on:
        raise NotImplementedError(f"the polars peer implements the default rulebook, not {on}")


def _decision(period: Period, kind: str) -> pl.Expr:
    """The veto ("veto") or yellow card ("yellow_card") of each region's level: a count
    of accidents of a grade or worse, or of concealed accidents, reaching its number."""
    p = period.rules
    level = _text("level")
    held: list[pl.Expr] = []
    for name, suffix in LEVEL_KEYS.items():
        key = f"annual.{kind}_{suffix}"
        if key not in p.rulebook:
            continue
        value = p[key]
        for grade, n in (value.get("grade_counts") or {}).items():
            if int(n) > 0:
                held.append((level == name) & (pl.col(f"ge_{grade}") >= int(n)))
        concealed = int(value.get("concealed", 0) or 0)
        if concealed > 0:
            held.append((level == name) & (pl.col("concealed_n") >= concealed))
    return pl.any_horizontal(held).fill_null(False) if held else pl.lit(False)


def _finished(per: pl.LazyFrame, period: Period, assessed: Sequence[str]) -> pl.LazyFrame:
    """Score (caps, rescale, adjustments, clip, veto effect), sections, grade (bands,
    grade cap, veto), yellow card and rank among siblings, from the per-region frame
    whose `sum_<section>` columns hold each assessed section's deductions."""
    p = period.rules
    base = float(p["annual.base"])
    weights = {s: float(w) for s, w in p["annual.section_weights"].items()}
    sections = {
        s: pl.lit(weights[s]) + pl.col(f"sum_{s}").clip(lower_bound=-weights[s])
        if s in assessed
        else pl.lit(None, pl.Float64)
        for s in SECTIONS
    }
    per = per.with_columns(**sections)
    if not assessed:
        score = pl.lit(None, pl.Float64)
    else:
        if len(assessed) < len(SECTIONS):  # rescale to the assessed weights
            total = sum(weights[s] for s in assessed)
            score = pl.sum_horizontal([pl.col(s) for s in assessed]) * base / total
        else:
            score = base + pl.sum_horizontal([pl.col(s) - weights[s] for s in assessed])
        score = (score + pl.col("adjustment").fill_null(0.0)).clip(0.0, base)
    vetoed = _decision(period, "veto")
    yellow = _decision(period, "yellow_card")
    per = per.with_columns(vetoed.alias("vetoed"), yellow.alias("yellow_card"))
    if assessed and p["annual.veto_effect"] == "zero":
        score = pl.when(pl.col("vetoed")).then(pl.lit(0.0)).otherwise(score)
    per = per.with_columns(score.alias("score"))

    bands = p["annual.grade_bands"]
    names = [str(b["grade"]) for b in bands]
    rounded = pl.col("score").round(6)
    band: Any = pl
    for i, b in enumerate(bands):
        band = band.when(rounded >= float(b["min"])).then(pl.lit(i))
    band = band.otherwise(pl.lit(len(bands) - 1))
    cap = names.index(str(p["annual.grade_cap"]))
    capped = (pl.col(f"ge_{p['annual.grade_cap_accident_grade']}") > 0) & (band < cap)
    index = (
        pl.when(pl.col("vetoed"))
        .then(pl.lit(len(bands) - 1))
        .when(capped)
        .then(pl.lit(cap))
        .otherwise(band)
    )
    scored = pl.col("score").is_not_null()
    grade = index.replace_strict(list(range(len(names))), names, return_dtype=pl.String)
    rank = (
        pl.struct(pl.col("vetoed"), -rounded)
        .rank("min")
        .over(pl.col("parent_code").fill_null(""), scored)
        .cast(pl.Int64)
    )
    return per.with_columns(
        pl.when(scored).then(grade).alias("grade"), pl.when(scored).then(rank).alias("rank")
    )


def _rolled_figures(
    folder: Path,
    present: set[str],
    assessed: Sequence[str],
    period: Period,
    previous: Period,
    book: Rulebook,
) -> tuple[pl.LazyFrame, pl.LazyFrame | None]:
    """(per region — its rows and those of every region below it — every count and sum
    the rules read, 0 where none; the one-row `_has_prev` frame, None without
    accidents).  Each table is aggregated by its own region first, then the small
    aggregates are stacked and summed up the hierarchy in one pass."""
    regions = _regions(folder)
    own: list[pl.LazyFrame] = []
    has_prev: pl.LazyFrame | None = None
    if "accidents" in present:
        figures, has_prev = _accident_figures(_scan(folder, "accidents"), period, previous, book)
        own.append(figures)
    else:  # no accident: no veto, yellow card or grade cap
        counts = [*(f"ge_{g}" for g in GRADES), "concealed_n"]
        own.append(
            pl.LazyFrame(schema={"region_code": pl.String, **dict.fromkeys(counts, pl.Int64)})
        )
    if "B" in assessed:
        own.append(_case_compliance(folder, present, period, book))
    if "B" in assessed or "E" in assessed:
        own.append(_enterprise_figures(folder, assessed, period))
    if "C" in assessed:
        own.append(_hazard_figures(_scan(folder, "hazards"), period))
    if "D" in assessed:
        own.append(_duty_figures(folder, period))
    if "E" in assessed:
        own.append(_work_figures(_scan(folder, "work_items"), period.year))
    names = [c for frame in own for c in frame.collect_schema().names() if c != "region_code"]
    measures = list(dict.fromkeys(names))
    rolled = (
        pl.concat(own, how="diagonal_relaxed")
        .join(_ancestry(regions), on="region_code")
        .group_by("rollup_code")
        .agg(pl.col(measures).sum())
        .rename({"rollup_code": "region_code"})
    )
    per = regions.join(rolled, on="region_code", how="left").with_columns(
        pl.col(measures).fill_null(0)
    )
    return per, has_prev


def _with_own_rows(
    per: pl.LazyFrame, folder: Path, present: set[str], assessed: Sequence[str], year: int
) -> pl.LazyFrame:
    """The per-region frame with each region's own rows: its targets and statistics
    (section A; null where absent) and the sum of its committee adjustments."""
    if "A" in assessed:
        limits = [f"limit_{k}" for k in ("deaths", *(key for key, *_ in A3_INDICATORS))]
        if "targets" in present:
            targets = _own_targets(_scan(folder, "targets"), year)
            per = per.join(targets, on="region_code", how="left")
        else:
            per = per.with_columns(pl.lit(None, pl.Float64).alias(c) for c in limits)
        if "region_stats" in present:
            stats = _own_stats(_scan(folder, "region_stats"), year)
            per = per.join(stats, on="region_code", how="left")
        else:
            per = per.with_columns(pl.lit(None, pl.Float64).alias(d) for *_, d in A3_INDICATORS)
    if "adjustments" not in present:
        return per.with_columns(pl.lit(None, pl.Float64).alias("adjustment"))
    adjustments = (
        _scan(folder, "adjustments")
        .filter((_text("subject_type") == "region") & (pl.col("year") == year))
        .group_by(pl.col("subject_id").cast(pl.String).alias("region_code"))
        .agg(pl.col("points").cast(pl.Float64).sum().alias("adjustment"))
    )
    return per.join(adjustments, on="region_code", how="left")


def _deductions(period: Period) -> dict[str, pl.Expr]:
    """Each section's deductions (≤ 0, before its cap) over the per-region frame."""
    p = period.rules
    return {
        "A": _section_a(period),
        "B": _share_points("b1_n", "b1_k", p["annual.b1_points"])
        + _share_points("b2_n", "b2_k", p["annual.b2_points"], p["annual.b2_coverage_target"]),
        "C": _share_points("c1_n", "c1_k", p["annual.c1_points"])
        + _share_points("c2_n", "c2_k", p["annual.c2_points"])
        + _share_points("c3_n", "c3_k", p["annual.c3_points"])
        - pl.col("c4_n") * p["annual.c4_points_per_hazard"],
        "D": _share_points("d1_n", "d1_total", p["annual.d1_points"]),
        "E": _share_points("e1_n", "e1_k", p["annual.e1_points"], p["annual.e1_target_share"])
        + _share_points("e2_n", "e2_total", p["annual.e2_points"]),
    }


def _regions(folder: Path) -> pl.LazyFrame:
    """(region_code, parent_code, level) of every region."""
    return _scan(folder, "regions").select(
        pl.col("region_code").cast(pl.String),
        pl.col("parent_code").cast(pl.String),
        _text("level"),
    )


def region_results(folder: Path, year: int, *, threads: int = 2) -> pl.DataFrame:
    """The default rulebook's region results of `year` from the Parquet files in
    `folder`: one row per region with the columns of `benchmarks.peers.COLUMNS`,
    sorted by region_code.  One lazy plan, collected once.

    `threads` is the contract's and is not used: the plan runs on polars' thread pool,
    whose size the process sets (``POLARS_MAX_THREADS``) before polars is imported.
    """
    del threads
    folder = Path(folder)
    book = rulebook()
    period, previous = Period.of(book, year), Period.of(book, year - 1)
    _checked(period)
    present = {f.stem for f in folder.glob("*.parquet")}
    assessed = [s for s in SECTIONS if all(t in present for t in SECTION_TABLES[s])]

    per, has_prev = _rolled_figures(folder, present, assessed, period, previous, book)
    per = _with_own_rows(per, folder, present, assessed, year)
    if has_prev is not None:
        per = per.join(has_prev, how="cross")
    deductions = _deductions(period)
    per = per.with_columns(deductions[s].alias(f"sum_{s}") for s in assessed)
    out = _finished(per, period, assessed)
    columns = [pl.col(c).cast(t) for c, t in COLUMNS.items()]
    return out.select(columns).sort("region_code").collect()
