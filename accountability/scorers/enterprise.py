"""企业主体责任: rate every enterprise A/B/C/D and flag serious dishonesty (严重失信).

The rules are the records of `accountability.rules.enterprise` (their conventions on
the docs' 考核口径 page, docs/readings.md); every number comes from the rulebook's
``enterprise.*`` keys, in force on 31 December of the year.

Score = ``enterprise.base`` + the sum of the enterprise's line items:

- each 一般 accident in the year, fatal (counted deaths ≥ 1) / not fatal, each 较大;
- each enforcement case found in the year, per flag (illegal, failed_rectification,
  unlawful, criminal);
- each 重大 hazard due on or before 31 December of the year (whatever year) and not
  rectified by then;
- each 一般 hazard due in the year and rectified late or not at all, then one cap
  line item that gives back what exceeds ``enterprise.hazard_general_cap``;
- licence required and not held; the standardization bonus;
- one clip line item keeping the total within [0, base] (base 100: "score capped
  at 100", "floor 0");
- a 重大 or worse accident: the line item that brings the total to 0 (after the clip,
  so its points are never positive).

Readings chosen here (documented in the README):

- A 一般 hazard is "rectified late or not at all" when ``rectified_on`` is empty or
  after ``due_on`` (rectified on its due day is on time); a hazard rectified after
  the year end is late as well, so both fall under the one rule.
- Closed enterprises (status 关闭) are rated like the others (their year may hold
  accidents and cases), but need no inspections: ``inspections_per_year`` is 0.
- Accidents and cases without an ``enterprise_id``, or naming an enterprise the
  ``enterprises`` table does not hold, rate no one.
- ``accidents``, ``cases`` or ``hazards`` not supplied: the rules that need them are
  not applied, and each enterprise gets a 0-point line item saying so
  (``enterprise.no_data``) — no data never passes silently.
- The serious-dishonesty flag adds a 0-point line item (``enterprise.dishonest``)
  with its reasons and evidence, so that ``explain()`` shows why the class is D.

>>> import datetime as dt
>>> import polars as pl
>>> from accountability.dataset import Dataset
>>> ents = pl.DataFrame({"enterprise_id": ["E1"], "name": ["甲公司"], "region_code": ["430902"],
...     "sector": ["煤矿"], "employees": [10], "license_required": [True], "licensed": [True],
...     "standardization_level": ["二级"]}, schema_overrides={"sector": pl.Enum(["煤矿"]),
...     "standardization_level": pl.Enum(["一级", "二级", "三级"])})
>>> data = Dataset(tables={"enterprises": ents}, as_of=dt.date(2025, 1, 1))
>>> r = enterprise_ratings(data, year=2024)
>>> r.enterprises.select("score", "risk_class").row(0)
(100.0, 'A')
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import attrs
import polars as pl

from accountability.accidents import counted_deaths, grade_accidents, grade_at_least
from accountability.arguments import as_dataset, as_rulebook, as_year
from accountability.codes import STANDARDIZATION_LEVELS
from accountability.columns import TABLES, StatusDtype, with_optional_columns
from accountability.dataset import WARNINGS_SCHEMA, Dataset, warning
from accountability.dates import default_year
from accountability.engine import ENGINE
from accountability.lineitems import LINE_ITEM_SCHEMA, SORT_KEY, concat_line_items
from accountability.outputs import OUTPUTS
from accountability.rulebook import Rulebook, RulesAt
from accountability.rules.classes import (
    ClassOverride,
    categories_frame,
    class_order,
    class_overrides,
    class_schemes,
    scheme_key,
    scheme_label,
)
from accountability.rules.conditions import deadline, in_population, major_overdue
from accountability.rules.enterprise import CASE_FLAGS
from accountability.rules.model import Context, Count, Registry, Rule
from accountability.rules.registry import REGISTRY
from accountability.scorers.dishonesty import dishonesty, listings
from accountability.scorers.frequency import inspection_frequency
from accountability.wording import formatted, number, number_text

__all__ = ["ENTERPRISE_COLUMNS", "EnterpriseRatings", "enterprise_ratings"]

SCORER = "enterprise"
SUBJECT_TYPE = "enterprise"
NEEDED_BY = "企业主体责任评级 (enterprise_ratings)"
CLOSED = "关闭"

# The output frame's columns, in order.
ENTERPRISE_COLUMNS: tuple[str, ...] = tuple(OUTPUTS["enterprises"].columns)


_NEEDED_TABLES = (("accidents", "事故扣分项"), ("cases", "案件扣分项"), ("hazards", "隐患扣分项"))
_EMPTY_IDS = pl.lit([], dtype=pl.List(pl.String()))
# Line items in a total order, so that the frame does not depend on input row order.
_ITEM_ORDER = [*SORT_KEY, "points", "basis", "evidence"]


@attrs.frozen
class EnterpriseRatings:
    """The enterprise ratings of one year.

    `enterprises`: one row per enterprise (ENTERPRISE_COLUMNS), sorted by
    enterprise_id.  `line_items`: LINE_ITEM_SCHEMA rows, subject_type "enterprise",
    scorer "enterprise"; for every enterprise ``score == base + sum(points)``.
    """

    enterprises: pl.DataFrame
    line_items: pl.DataFrame
    year: int
    warnings: pl.DataFrame = attrs.field(factory=lambda: pl.DataFrame(schema=WARNINGS_SCHEMA))
    # inspections against the class schemes' minimums and caps, by region and department
    frequency_by_region: pl.DataFrame = attrs.field(
        factory=lambda: pl.DataFrame(schema=OUTPUTS["inspection_frequency_by_region"].dtypes)
    )
    frequency_by_department: pl.DataFrame = attrs.field(
        factory=lambda: pl.DataFrame(schema=OUTPUTS["inspection_frequency_by_department"].dtypes)
    )

    def __repr__(self) -> str:
        from accountability import display

        return display.text(self)

    def _repr_html_(self) -> str:
        from accountability import display

        return display.html(self)


# --- small helpers -------------------------------------------------------------------


def _items(frame: pl.LazyFrame, **exprs: pl.Expr) -> pl.LazyFrame:
    """Line items from a frame with `enterprise_id`: fixed columns plus `exprs`."""
    base = {
        "subject_type": pl.lit(SUBJECT_TYPE),
        "subject_id": pl.col("enterprise_id"),
        "scorer": pl.lit(SCORER),
    }
    base.update(exprs)
    return frame.select(
        [expr.cast(LINE_ITEM_SCHEMA[name]).alias(name) for name, expr in base.items()]
    )


def _empty(table: str) -> pl.LazyFrame:
    return pl.DataFrame(schema=TABLES[table].dtypes).lazy()


def _month_shift(day: dt.date, months: int) -> dt.date:
    """The first of `day`'s month, `months` months earlier."""
    index = day.year * 12 + (day.month - 1) - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _same_day_months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day where it has
    no such day): 2024-12-31 and 24 months give 2022-12-31.

    >>> _same_day_months_before(dt.date(2024, 2, 29), 12)
    datetime.date(2023, 2, 28)
    """
    index = day.year * 12 + (day.month - 1) - months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _rule_table(p: RulesAt, rules: list[Rule]) -> pl.LazyFrame:
    """The `Count` records as a frame: rule_id, what, unit, magnitude, basis."""
    return pl.DataFrame(
        {
            "rule_id": [r.id for r in rules],
            "what": [str(r.compute.what) for r in rules],
            "unit": [r.compute.unit for r in rules],
            "magnitude": [float(p[r.compute.points]) for r in rules],
            "basis": [r.basis(p) for r in rules],
        },
        schema={
            "rule_id": pl.String(),
            "what": pl.String(),
            "unit": pl.String(),
            "magnitude": pl.Float64(),
            "basis": pl.String(),
        },
    ).lazy()


def _count_deductions(events: pl.LazyFrame, rules: pl.LazyFrame) -> pl.LazyFrame:
    """One deduction line item per (enterprise, rule) from events (enterprise_id,
    rule_id, evidence_id): points = −magnitude × count."""
    grouped = events.group_by("enterprise_id", "rule_id").agg(
        pl.len().cast(pl.Int64).alias("n"), pl.col("evidence_id").sort().alias("evidence")
    )
    joined = grouped.join(rules, on="rule_id", how="inner").with_columns(
        (pl.col("magnitude") * pl.col("n")).alias("deducted")
    )
    return _items(
        joined,
        rule_id=pl.col("rule_id"),
        points=-pl.col("deducted"),
        reason=pl.concat_str(
            pl.col("what"),
            pl.col("n").cast(pl.String),
            pl.lit(" "),
            pl.col("unit"),
            pl.lit("，扣 "),
            number(pl.col("deducted")),
            pl.lit(" 分"),
        ),
        basis=pl.col("basis"),
        evidence=pl.col("evidence"),
    )


# --- inputs --------------------------------------------------------------------------


def _adjustments(data: Dataset, year: int) -> pl.LazyFrame:
    """Committee adjustments (加分, 核减) of enterprises in `year`: applied like the
    other items, before the clip to [0, base] (docs/readings.md)."""
    if not data.has("adjustments"):
        return pl.LazyFrame(
            schema={
                "enterprise_id": pl.String(),
                "points": pl.Float64(),
                "reason": pl.String(),
                "basis": pl.String(),
            }
        )
    rows = data.lazy("adjustments")
    if "effect" in data.table("adjustments").columns:  # grade_down lowers a region's grade
        rows = rows.filter(pl.col("effect").cast(pl.String).fill_null("points") == "points")
    return rows.filter((pl.col("subject_type") == "enterprise") & (pl.col("year") == year)).select(
        pl.col("subject_id").alias("enterprise_id"), "points", "reason", "basis"
    )


def _enterprises(data: Dataset) -> pl.LazyFrame:
    lf = data.lazy("enterprises", needed_by=NEEDED_BY)
    names = lf.collect_schema().names()
    extra = []
    if "status" not in names:
        extra.append(pl.lit("在营").cast(StatusDtype).alias("status"))
    if "closed_on" not in names:
        extra.append(pl.lit(None, dtype=pl.Date()).alias("closed_on"))
    if extra:
        lf = lf.with_columns(extra)
    lf = with_optional_columns(lf, "enterprises")
    return lf.select(
        "enterprise_id",
        "name",
        "region_code",
        "sector",
        pl.col("status").fill_null(pl.lit("在营").cast(StatusDtype)),
        "closed_on",
        pl.col("license_required").fill_null(False),
        pl.col("licensed").fill_null(False),
        "standardization_level",
        "risk_level",
        "high_risk",
        pl.col("long_idle").fill_null(False),
    )


def _accidents(data: Dataset, p: RulesAt, since: dt.date, end: dt.date) -> pl.LazyFrame:
    """Accidents of the rating's population (``enterprise.accident_population``:
    liability accidents by default) with an enterprise, occurred in [since, end], graded."""
    lf = data.lazy("accidents") if data.has("accidents") else _empty("accidents")
    lf = with_optional_columns(lf, "accidents")
    key = "enterprise.accident_population"
    population = tuple(p[key]) if key in p.rulebook else ("liability",)
    lf = lf.filter(
        in_population(population, lf.collect_schema().names())
        & pl.col("enterprise_id").is_not_null()
        & pl.col("occurred_on").is_between(since, end)
    )
    return grade_accidents(lf, p).select(
        "accident_id",
        "enterprise_id",
        "occurred_on",
        "grade",
        counted_deaths(p).alias("counted_deaths"),
        pl.col("concealed").fill_null(False),
        "fine_multiplier",
        pl.col("principal_absconded").fill_null(False),
    )


def _cases(data: Dataset, start: dt.date, end: dt.date) -> pl.LazyFrame:
    lf = with_optional_columns(
        data.lazy("cases") if data.has("cases") else _empty("cases"), "cases"
    )
    return lf.filter(
        pl.col("enterprise_id").is_not_null() & pl.col("found_on").is_between(start, end)
    ).select(
        "case_id",
        "enterprise_id",
        *[pl.col(f).fill_null(False) for f in CASE_FLAGS],
        "illegal_kind",
    )


def _hazards(data: Dataset, end: dt.date) -> pl.LazyFrame:
    """Hazards of an enterprise whose effective deadline is by the period's end."""
    lf = data.lazy("hazards") if data.has("hazards") else _empty("hazards")
    lf = with_optional_columns(lf, "hazards")
    return lf.filter(pl.col("enterprise_id").is_not_null() & (deadline() <= end)).select(
        "hazard_id",
        "enterprise_id",
        "level",
        "due_on",
        "rectified_on",
        "extended_to",
        "extension_approved",
    )


# --- the scorer ----------------------------------------------------------------------


CLOSED_STATUS = "关闭"
SCOPE_KEY = "enterprise.dishonest_sectors"
OUT_OF_SCOPE = "不适用：行业领域不在严重失信主体名单管理范围（应急管理部令第11号第二条）"


def _data_sufficiency(
    data: Dataset, p: RulesAt, ents: pl.LazyFrame, end: dt.date
) -> tuple[pl.LazyFrame, dt.date]:
    """enterprise_id, `data_sufficient` (null where not applied) and `_visits` (distinct
    inspection_ids from the window's first day to `end`, both included), and that day."""
    months = int(p["enterprise.data_sufficiency_window_months"])
    first = _same_day_months_before(end, months)
    minimum = int(p["enterprise.data_sufficiency_min_inspections"])
    closed = (pl.col("status") == CLOSED_STATUS) & (
        pl.col("closed_on").is_null() | (pl.col("closed_on") <= end)
    )
    if not data.has("inspections"):
        return ents.select(
            "enterprise_id",
            pl.lit(None, pl.Boolean()).alias("data_sufficient"),
            pl.lit(None, pl.Int64()).alias("_visits"),
            (~closed).alias("_no_inspections"),
        ), first
    visits = (
        data.lazy("inspections")
        .filter(pl.col("inspected_on").is_between(pl.lit(first), pl.lit(end), closed="both"))
        .group_by("enterprise_id")
        .agg(pl.col("inspection_id").n_unique().cast(pl.Int64()).alias("_visits"))
    )
    graded = pl.col("standardization_level").cast(pl.String()).is_in(list(STANDARDIZATION_LEVELS))
    return (
        ents.join(visits, on="enterprise_id", how="left")
        .with_columns(pl.col("_visits").fill_null(0))
        .select(
            "enterprise_id",
            pl.when(closed)
            .then(pl.lit(None, pl.Boolean()))
            .otherwise((pl.col("_visits") >= minimum) | graded.fill_null(False))
            .alias("data_sufficient"),
            "_visits",
            pl.lit(False).alias("_no_inspections"),
        )
    ), first


def _coverage_warning(data: Dataset, first: dt.date) -> pl.DataFrame:
    """One warning when the inspections table has no row before the window's first day:
    an enterprise may then look uninspected only because the data starts later."""
    empty = pl.DataFrame(schema=WARNINGS_SCHEMA)
    if not data.has("inspections"):
        return empty
    earliest = (
        data.lazy("inspections").select(pl.col("inspected_on").min()).collect(engine=ENGINE).item()
    )
    if earliest is None or earliest < first:
        return empty
    return warning(
        "inspections",
        "sufficiency_window_not_covered",
        f"执法检查表最早的记录为 {earliest}，晚于数据充分性窗口的首日 {first}："
        "窗口初期的检查可能未提供，部分企业可能因此被判为数据不足",
        column="inspected_on",
        value=str(earliest),
    )


def _visits_in(data: Dataset, start: dt.date, end: dt.date) -> pl.LazyFrame:
    """enterprise_id, `_done`: distinct inspection_ids dated in [start, end]."""
    if not data.has("inspections"):
        return pl.LazyFrame(schema={"enterprise_id": pl.String(), "_done": pl.Int64()})
    return (
        data.lazy("inspections")
        .filter(pl.col("inspected_on").is_between(pl.lit(start), pl.lit(end), closed="both"))
        .group_by("enterprise_id")
        .agg(pl.col("inspection_id").n_unique().cast(pl.Int64()).alias("_done"))
    )


def _overridden(
    ctx: Context,
    overrides: list[ClassOverride],
    accidents: pl.LazyFrame,
    hazards: pl.LazyFrame,
) -> pl.LazyFrame:
    """Enterprises a switched-on override applies to: enterprise_id, `_forced_class`
    (the worst of the overrides that apply), `_forced_reason`, `_forced_basis`,
    `_forced_ids`."""
    end = ctx.end
    parts = []
    for o in overrides:
        if o.ground == "fatal_accident":
            first = _same_day_months_before(end, o.months)
            events = accidents.filter(
                pl.col("occurred_on").is_between(pl.lit(first), pl.lit(end))
                & (pl.col("counted_deaths") >= 1).fill_null(False)
            ).select("enterprise_id", pl.col("accident_id").alias("_id"))
            text, unit = f"{first} 至 {end} 发生死亡生产安全责任事故 ", " 起"
        else:
            events = hazards.filter(major_overdue(ctx)).select(
                "enterprise_id", pl.col("hazard_id").alias("_id")
            )
            text, unit = f"至 {end} 有到期未整改的重大事故隐患 ", " 项"
        parts.append(
            events.group_by("enterprise_id").agg(
                pl.lit(o.risk_class).alias("_forced_class"),
                pl.concat_str(pl.lit(text), pl.len().cast(pl.String), pl.lit(unit)).alias(
                    "_forced_reason"
                ),
                pl.lit(o.basis).alias("_forced_basis"),
                pl.col("_id").sort().alias("_forced_ids"),
            )
        )
    schema = {"enterprise_id": pl.String(), "_forced_class": pl.String(),
              "_forced_reason": pl.String(), "_forced_basis": pl.String(),
              "_forced_ids": pl.List(pl.String())}  # fmt: skip
    if not parts:
        return pl.LazyFrame(schema=schema)
    # the worst class first; several grounds: their reasons joined
    rank = {c: i for i, c in enumerate(class_order(ctx.rules))}
    return (
        pl.concat([f.select([pl.col(c).cast(t) for c, t in schema.items()]) for f in parts])
        .with_columns(
            pl.col("_forced_class").replace_strict(rank, return_dtype=pl.Int64()).alias("_r")
        )
        .sort("enterprise_id", "_r", descending=[False, True])
        .group_by("enterprise_id", maintain_order=True)
        .agg(
            pl.col("_forced_class").first(),
            pl.col("_forced_reason").str.join("；"),
            pl.col("_forced_basis").str.join("；"),
            pl.col("_forced_ids")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort(),
        )
    )


def enterprise_ratings(
    data: Dataset,
    rules: Rulebook | None = None,
    year: int | None = None,
    *,
    registry: Registry = REGISTRY,
) -> EnterpriseRatings:
    """Rate every enterprise for `year` (default: the last calendar year ended by
    ``data.as_of``, as in dual_duty and four_musts).

    Needs ``enterprises``; uses ``accidents``, ``cases`` and ``hazards`` where supplied.
    One lazy plan, collected once.

    >>> import accountability as acc                          # doctest: +SKIP
    >>> data = acc.load_dataset("fixtures/yiyang-2024")       # doctest: +SKIP
    >>> r = acc.enterprise_ratings(data, year=2024)           # doctest: +SKIP
    >>> r.enterprises.group_by("risk_class").len()            # doctest: +SKIP
    """
    data = as_dataset(data, "enterprise_ratings")
    book = as_rulebook(rules, "enterprise_ratings")
    year = as_year(year, default_year(data.as_of))
    ctx = Context.for_year(book, year)
    p, start, end = ctx.rules, ctx.start, ctx.end
    base = float(p["enterprise.base"])
    window_months = int(p["enterprise.dishonest_window_months"])
    lookback = _month_shift(start, window_months)
    for override in class_overrides(p):
        if override.on and override.ground == "fatal_accident":
            lookback = min(lookback, _same_day_months_before(end, override.months))

    ents = _enterprises(data)
    ent_ids = ents.select("enterprise_id")
    accidents = _accidents(data, p, min(lookback, start), end).join(
        ent_ids, on="enterprise_id", how="semi"
    )
    in_year = accidents.filter(pl.col("occurred_on") >= start)
    cases = _cases(data, start, end).join(ent_ids, on="enterprise_id", how="semi")
    hazards = _hazards(data, end).join(ent_ids, on="enterprise_id", how="semi")

    zero_grade = str(p["enterprise.zero_score_grade"])
    # The counted events of every `Count` record: (enterprise_id, rule_id, evidence_id).
    tables = {"accidents": in_year, "cases": cases, "hazards": hazards}
    counted = [r for r in registry.of(SCORER) if isinstance(r.compute, Count)]
    events = [
        tables[r.compute.table]
        .filter(r.compute.when(ctx))
        .select(
            "enterprise_id",
            pl.lit(r.id).alias("rule_id"),
            pl.col(r.compute.id_column).alias("evidence_id"),
        )
        for r in counted
    ]
    deductions = _count_deductions(pl.concat(events), _rule_table(p, counted))

    # Per enterprise, everything that is not an event count: one frame from which
    # the remaining line items and the result are read (so the plan shares it).
    cap = float(p["enterprise.hazard_general_cap"])
    no_license_pts = float(p["enterprise.no_license"])
    bonus_map = {str(k): float(v) for k, v in dict(p["enterprise.standardization_bonus"]).items()}
    late_rule = "enterprise.hazard_general_late"
    sums = (
        deductions.group_by("subject_id")
        .agg(
            # The values sorted into a list and summed outside the aggregation: a float
            # sum inside group_by().agg() can follow row order even after .sort().
            pl.col("points").sort().alias("deducted"),
            # at most one item per (enterprise, rule): no order to depend on
            pl.col("points").filter(pl.col("rule_id") == late_rule).sum().alias("general_late"),
            pl.col("evidence").filter(pl.col("rule_id") == late_rule).first().alias("late_ids"),
        )
        .with_columns(pl.col("deducted").list.sum())
        .rename({"subject_id": "enterprise_id"})
    )
    zero_accidents = (
        in_year.filter(grade_at_least(pl.col("grade"), zero_grade))
        .group_by("enterprise_id")
        .agg(
            pl.len().cast(pl.Int64).alias("zero_n"), pl.col("accident_id").sort().alias("zero_ids")
        )
    )
    flags = dishonesty(p, ents, accidents, in_year, cases)
    adjustments = _adjustments(data, year).join(ent_ids, on="enterprise_id", how="semi")
    adjusted = (
        adjustments.group_by("enterprise_id")
        .agg(pl.col("points").sort().alias("adjusted"))
        .with_columns(pl.col("adjusted").list.sum())
    )
    no_license = pl.col("license_required") & ~pl.col("licensed")
    scope = [str(x) for x in p[SCOPE_KEY]] if SCOPE_KEY in book else None
    scope_basis = p.basis(SCOPE_KEY) if SCOPE_KEY in book else ""
    in_scope = (
        pl.col("sector").cast(pl.String()).is_in(scope).fill_null(False)
        if scope is not None
        else pl.lit(True)
    )
    per = (
        ents.join(sums, on="enterprise_id", how="left")
        .join(zero_accidents, on="enterprise_id", how="left")
        .join(adjusted, on="enterprise_id", how="left")
        .join(flags, on="enterprise_id", how="left")
        .with_columns(
            pl.col("deducted").fill_null(0.0),
            pl.col("adjusted").fill_null(0.0),
            (-pl.col("general_late").fill_null(0.0) - cap).clip(lower_bound=0.0).alias("cap_back"),
            pl.when(no_license).then(pl.lit(-no_license_pts)).otherwise(0.0).alias("licence_pts"),
            pl.col("standardization_level")
            .cast(pl.String)
            .replace_strict(bonus_map, default=0.0, return_dtype=pl.Float64())
            .fill_null(0.0)
            .alias("bonus"),
            pl.when(in_scope).then(pl.col("dishonest").fill_null(False)).alias("dishonest"),
            pl.when(in_scope)
            .then(pl.col("dishonest_reasons").fill_null(_EMPTY_IDS))
            .otherwise(pl.lit([OUT_OF_SCOPE], pl.List(pl.String())))
            .alias("dishonest_reasons"),
            pl.when(in_scope)
            .then(pl.col("dishonest_bases").fill_null(_EMPTY_IDS))
            .otherwise(pl.lit([scope_basis], pl.List(pl.String())))
            .alias("dishonest_bases"),
        )
        .with_columns(
            (
                pl.lit(base)
                + pl.col("deducted")
                + pl.col("cap_back")
                + pl.col("licence_pts")
                + pl.col("bonus")
                + pl.col("adjusted")
            ).alias("raw")
        )
        .with_columns(pl.col("raw").clip(0.0, base).alias("clipped"))
        .with_columns(
            (pl.col("clipped") - pl.col("raw")).alias("clip_pts"),
            pl.when(pl.col("zero_n") > 0)
            .then(pl.lit(0.0) - pl.col("clipped"))
            .otherwise(0.0)
            .alias("zero_pts"),
        )
        .with_columns(
            (pl.col("raw") + pl.col("clip_pts") + pl.col("zero_pts")).alias("score"),
        )
    )

    # Materialise the two shared frames once (each feeds several line-item kinds and
    # the result); the rest is one more lazy plan over them.
    deductions_df, per_df = pl.collect_all([deductions, per], engine=ENGINE)
    deductions, per = deductions_df.lazy(), per_df.lazy()

    general_cap = _items(
        per.filter(pl.col("cap_back") > 0),
        rule_id=pl.lit("enterprise.hazard_general_cap"),
        points=pl.col("cap_back"),
        reason=pl.concat_str(
            pl.lit("一般隐患扣分合计 "),
            number(-pl.col("general_late")),
            pl.lit(f" 分，超过上限 {number_text(cap)} 分，返还 "),
            number(pl.col("cap_back")),
            pl.lit(" 分"),
        ),
        basis=pl.lit(registry["enterprise.hazard_general_cap"].basis(p)),
        evidence=pl.col("late_ids"),
    )
    licence = _items(
        per.filter(no_license),
        rule_id=pl.lit("enterprise.no_license"),
        points=pl.col("licence_pts"),
        reason=pl.lit(f"需取得安全生产许可而未取得，扣 {number_text(no_license_pts)} 分"),
        basis=pl.lit(registry["enterprise.no_license"].basis(p)),
        evidence=pl.concat_list(pl.col("enterprise_id")),
    )
    standardization = _items(
        per.filter(pl.col("bonus") != 0),
        rule_id=pl.lit("enterprise.standardization_bonus"),
        points=pl.col("bonus"),
        reason=pl.concat_str(
            pl.lit("安全生产标准化"),
            pl.col("standardization_level").cast(pl.String),
            pl.lit("，加 "),
            number(pl.col("bonus")),
            pl.lit(" 分"),
        ),
        basis=pl.lit(registry["enterprise.standardization_bonus"].basis(p)),
        evidence=pl.concat_list(pl.col("enterprise_id")),
    )
    committee = _items(
        adjustments,
        rule_id=pl.lit("enterprise.adjustment"),
        points=pl.col("points"),
        reason=pl.concat_str(
            pl.when(pl.col("points") >= 0)
            .then(pl.lit("委员会加分 "))
            .otherwise(pl.lit("委员会核减 ")),
            number(pl.col("points").abs()),
            pl.lit(" 分："),
            pl.col("reason"),
        ),
        basis=pl.col("basis"),
        evidence=_EMPTY_IDS,
    )
    clip = _items(
        per.filter(pl.col("clip_pts") != 0),
        rule_id=pl.lit("enterprise.clip"),
        points=pl.col("clip_pts"),
        reason=pl.when(pl.col("raw") > base)
        .then(
            pl.concat_str(
                pl.lit("各项合计 "),
                number(pl.col("raw")),
                pl.lit(f" 分，超过满分 {number_text(base)} 分，计 {number_text(base)} 分"),
            )
        )
        .otherwise(
            pl.concat_str(
                pl.lit("各项合计 "), number(pl.col("raw")), pl.lit(" 分，低于 0 分，计 0 分")
            )
        ),
        basis=pl.lit(registry["enterprise.clip"].basis(p)),
        evidence=_EMPTY_IDS,
    )
    zero = _items(
        per.filter(pl.col("zero_n") > 0),
        rule_id=pl.lit("enterprise.zero_score_grade"),
        points=pl.col("zero_pts"),
        reason=pl.concat_str(
            pl.lit(f"发生{zero_grade}及以上事故 "),
            pl.col("zero_n").cast(pl.String),
            pl.lit(" 起，得分记 0 分"),
        ),
        basis=pl.lit(registry["enterprise.zero_score_grade"].basis(p)),
        evidence=pl.col("zero_ids"),
    )
    dishonest_class = str(p["enterprise.dishonest_class"])
    dishonest_note = _items(
        per.filter(pl.col("dishonest")),
        rule_id=pl.lit("enterprise.dishonest"),
        points=pl.lit(0.0),
        reason=pl.concat_str(
            pl.lit("严重失信："),
            pl.col("dishonest_reasons").list.join("；"),
            pl.lit(f"，风险等级记 {dishonest_class}"),
        ),
        basis=pl.col("dishonest_bases").list.unique(maintain_order=True).list.join("；"),
        evidence=pl.col("flag_evidence"),
    )
    notes = [
        _items(
            ents,
            rule_id=pl.lit("enterprise.no_data"),
            points=pl.lit(0.0),
            reason=pl.lit(f"未提供{TABLES[t].label}数据（{t}），{what}未评"),
            basis=pl.lit("参考值"),
            evidence=_EMPTY_IDS,
        )
        for t, what in _NEEDED_TABLES
        if not data.has(t)
    ]
    all_items = concat_line_items(
        deductions,
        general_cap,
        licence,
        standardization,
        committee,
        clip,
        zero,
        dishonest_note,
        *notes,
    ).sort(_ITEM_ORDER, maintain_order=True)

    classes = sorted(p["enterprise.risk_classes"], key=lambda c: -float(c["min"]))
    rounded = pl.col("score").round(6)
    risk: Any = pl
    for band in classes[:-1]:
        risk = risk.when(rounded >= float(band["min"])).then(pl.lit(str(band["class"])))
    risk = (
        risk.otherwise(pl.lit(str(classes[-1]["class"])))
        if len(classes) > 1
        else pl.lit(str(classes[-1]["class"]))
    )
    rank = {str(c["class"]): i for i, c in enumerate(classes)}  # best first
    schemes = class_schemes(p)
    categories = categories_frame(schemes).lazy()
    # the first category of each scheme for each class: its inspections min and max
    per_class = categories.group_by("_scheme", "_category_class", maintain_order=True).agg(
        pl.col("_category_min").first().alias("_min"), pl.col("_category_max").first().alias("_max")
    )

    sufficiency, window_first = _data_sufficiency(data, p, ents, end)
    listed = listings(data, p, ents, end)
    overrides = [o for o in class_overrides(p) if o.on]
    forced = _overridden(ctx, overrides, accidents, hazards)
    floor_class = str(p["enterprise.insufficient_class"])

    def worse(current: pl.Expr, other: pl.Expr) -> pl.Expr:
        """The worse of two classes (`other` null: `current`)."""
        current_rank = current.replace_strict(rank, default=-1, return_dtype=pl.Int64())
        other_rank = other.replace_strict(rank, default=-1, return_dtype=pl.Int64())
        return (
            pl.when(other.is_not_null() & (other_rank > current_rank))
            .then(other)
            .otherwise(current)
        )

    listed_in_force = in_scope & pl.col("dishonest_listed").fill_null(False)
    stated = (
        pl.when(pl.col("dishonest") | listed_in_force)
        .then(pl.lit(dishonest_class))
        .otherwise(worse(pl.col("_category_class"), pl.col("_forced_class")))
    )
    rated = (
        per.join(sufficiency, on="enterprise_id", how="left")
        .join(listed, on="enterprise_id", how="left")
        .join(forced, on="enterprise_id", how="left")
        .with_columns(scheme_key(schemes).alias("_scheme"))
        .with_columns(scheme_label(schemes, risk).alias("class_basis"))
        .join(categories, on=["_scheme", "class_basis"], how="left")
        .with_columns(stated.cast(pl.String()).alias("_stated_class"))
        .with_columns(
            pl.when(pl.col("data_sufficient") == False)  # noqa: E712 — null: not applied
            .then(worse(pl.col("_stated_class"), pl.lit(floor_class)))
            .otherwise(pl.col("_stated_class"))
            .alias("risk_class")
        )
        .join(
            per_class,
            left_on=["_scheme", "risk_class"],
            right_on=["_scheme", "_category_class"],
            how="left",
        )
        .join(_visits_in(data, start, end), on="enterprise_id", how="left")
        # computed once: the result and five kinds of line item are read from it
        .collect(engine=ENGINE)
        .lazy()
    )
    months = int(p["enterprise.data_sufficiency_window_months"])
    minimum = int(p["enterprise.data_sufficiency_min_inspections"])
    sufficiency_items = _items(
        rated.filter(pl.col("data_sufficient") == False),  # noqa: E712
        rule_id=pl.lit("enterprise.data_sufficiency"),
        points=pl.lit(0.0),
        reason=formatted(
            "{} 个月内（{} 至 {}）受执法检查 {} 次，少于 {} 次，且无安全生产标准化等级："
            "数据不足，风险等级记 {}（按得分与失信为 {}）",
            pl.lit(months),
            pl.lit(window_first.isoformat()),
            pl.lit(end.isoformat()),
            pl.col("_visits"),
            pl.lit(minimum),
            pl.col("risk_class"),
            pl.col("_stated_class"),
        ),
        basis=pl.lit(registry["enterprise.data_sufficiency"].basis(p)),
        evidence=_EMPTY_IDS,
    )
    no_inspections = _items(
        rated.filter(pl.col("_no_inspections")),
        rule_id=pl.lit("enterprise.data_sufficiency"),
        points=pl.lit(0.0),
        reason=pl.lit("无执法检查数据（inspections），数据充分性未判定"),
        basis=pl.lit(registry["enterprise.data_sufficiency"].basis(p)),
        evidence=_EMPTY_IDS,
    )
    listing_items = _items(
        rated.filter(pl.col("dishonest_listed").fill_null(False)),
        rule_id=pl.lit("enterprise.credit_listing"),
        points=pl.lit(0.0),
        reason=formatted(
            "{} 列入严重失信主体名单，{} 起可申请提前移出，{} 期满{}",
            pl.col("listed_on"),
            pl.col("early_removal_from"),
            pl.col("expires_on"),
            pl.when(in_scope & ~pl.col("dishonest"))
            .then(pl.lit(f"；在册，风险等级记 {dishonest_class}"))
            .when(in_scope)
            .then(pl.lit(""))
            .otherwise(pl.lit("；行业领域不在名单管理范围，不据此定级")),
        ),
        basis=pl.lit(registry["enterprise.credit_listing"].basis(p)),
        evidence=pl.concat_list(pl.col("enterprise_id")),
    )
    override_items = _items(
        rated.filter(pl.col("_forced_class").is_not_null()),
        rule_id=pl.lit("enterprise.class_override"),
        points=pl.lit(0.0),
        reason=pl.concat_str(pl.col("_forced_reason"), pl.lit("，风险等级不优于 "),
                             pl.col("_forced_class")),
        basis=pl.col("_forced_basis"),
        evidence=pl.col("_forced_ids"),
    )  # fmt: skip
    all_items = concat_line_items(
        all_items, sufficiency_items, no_inspections, listing_items, override_items
    ).sort(_ITEM_ORDER, maintain_order=True)
    # closed within the period (or with no date): needs no inspection; one closed after
    # the period's end was open all year
    closed = (pl.col("status") == CLOSED) & (
        pl.col("closed_on").is_null() | (pl.col("closed_on") <= end)
    )
    has_inspections = data.has("inspections")
    done = pl.col("_done").fill_null(0) if has_inspections else pl.lit(None, pl.Int64())
    # the enterprise's own category where its class stands, else the class's first
    own = pl.col("risk_class") == pl.col("_category_class")
    open_min = (
        pl.when(closed)
        .then(pl.lit(0, pl.Int64()))
        .when(own)
        .then(pl.col("_category_min"))
        .otherwise(pl.col("_min"))
    )
    open_max = (
        pl.when(closed)
        .then(pl.lit(None, pl.Int64()))
        .when(own)
        .then(pl.col("_category_max"))
        .otherwise(pl.col("_max"))
    )
    result = (
        rated.with_columns(
            open_min.alias("inspections_min"),
            open_max.alias("inspections_max"),
            done.cast(pl.Int64()).alias("inspections_done"),
        )
        .with_columns(
            pl.col("inspections_min").alias("inspections_per_year"),
            (pl.col("inspections_done") < pl.col("inspections_min")).alias("under_min"),
            (pl.col("inspections_done") > pl.col("inspections_max")).alias("over_cap"),
        )
        .select(*ENTERPRISE_COLUMNS, closed.alias("closed"))
        .sort("enterprise_id")
    )  # fmt: skip
    full, items = pl.collect_all([result, all_items], engine=ENGINE)
    enterprises = full.select(ENTERPRISE_COLUMNS)
    by_region, by_department = inspection_frequency(full, p["sectors.departments"])
    return EnterpriseRatings(
        enterprises=enterprises,
        line_items=items,
        year=year,
        warnings=_coverage_warning(data, window_first),
        frequency_by_region=by_region,
        frequency_by_department=by_department,
    )
