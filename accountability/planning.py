"""The inspection plan (分级分类监管): how many inspections each risk class needs per
region and department, and — given each department's yearly capacity — which
enterprises come first and whether the staff cover the plan.

An enterprise's departments come from its sector through the rulebook's
``sectors.departments`` map (管行业必须管安全); a sector regulated by two
departments (道路交通: 交通运输局 and 公安局) puts the enterprise on both plans.
A sector no department regulates is planned under department null, never dropped.
Enterprises that need no inspection (status 关闭: ``inspections_per_year`` 0) are
left out.

Queue order within a department: the dishonest class / lowest class first (the
reverse of ``enterprise.risk_classes``: D, C, B, A), then score ascending, then
enterprise_id.  ``cumulative_inspections`` runs down the queue; ``covered`` is
whether the department's capacity reaches the end of that enterprise's
inspections (null when no capacity was given for the department).

>>> import polars as pl
>>> from accountability.scorers.enterprise import EnterpriseRatings
>>> ents = pl.DataFrame({"enterprise_id": ["E1", "E2"], "name": ["甲", "乙"],
...     "region_code": ["430902", "430902"], "sector": ["煤矿", "煤矿"], "status": ["在营", "在营"],
...     "score": [95.0, 50.0], "risk_class": ["A", "D"], "dishonest": [False, False],
...     "dishonest_reasons": [[], []], "inspections_per_year": [1, 12]},
...     schema_overrides={"dishonest_reasons": pl.List(pl.String())})
>>> ratings = EnterpriseRatings(ents, pl.DataFrame(), 2024)
>>> plan = inspection_plan(ratings, capacity={"应急管理局": 12})
>>> plan.queue.select("enterprise_id", "cumulative_inspections", "covered").rows()
[('E2', 12, True), ('E1', 13, False)]

The working-day plan (年度监督检查计划, 安监总政法〔2017〕150号)
--------------------------------------------------------------
When `capacity` gives each department's staff and working days, the plan is made
in working days: 执法工作日 = staff × (法定工作日 − 其他执法工作日 − 非执法工作日),
and a share of it is held back (留有余地); what is left is plannable.  Each
enterprise first gets its class minimum (重点检查, ``inspections_min``, never above
``inspections_max``), planned even when the minimums overflow the days (the
overflow is reported); the days left go to 一般检查 (双随机): extra inspections,
one per enterprise per round, to enterprises still below their cap.  Every round
that reaches all of them gives each one more inspection whatever the draw, so
those rounds are counted out at once; only the last, partial round is drawn, in
a seeded random order (polars' seeded shuffle within each plan, on the plan's
enterprises sorted by enterprise_id, so the row order of the input never
matters).  That round takes the drawn enterprises in order while their
inspections still fit in the days left, stopping at the first that does not.
Random inspections never take the plan past its plannable days.

Plans are per department and level (省/市/县: the level of the enterprise's region
in `regions`, or the level the rulebook's ``enterprise.plan_levels`` assigns to its
sector or class, sector first).  An enterprise its sector puts on two
departments' plans is planned by both and reported in `conflicts` with a
suggestion to inspect it once, jointly (综合查一次).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import attrs
import polars as pl

from accountability.codes import REGION_LEVELS, SECTORS
from accountability.engine import ENGINE
from accountability.errors import DatasetError, RulebookError
from accountability.rulebook import Rulebook, rulebook
from accountability.scorers.enterprise import EnterpriseRatings
from accountability.wording import formatted

__all__ = ["InspectionPlan", "inspection_plan"]


@attrs.frozen
class InspectionPlan:
    """An inspection plan for the year after a rating (or the same year).

    - `by_region_department`: region_code, department, risk_class, enterprises,
      inspections (the yearly inspections that class needs there).
    - `queue`: department (and region_code first when the capacity was given per
      region), rank, enterprise_id, name, region_code, sector, risk_class, score,
      inspections_per_year, cumulative_inspections, capacity, covered.
    - `coverage`: per department (and region): enterprises, inspections_needed,
      capacity, enterprises_covered, shortfall, covered.
    - `planned`: the working-day plan, one row per enterprise and plan:
      department, level, plan_region_code (the region whose plan it is: the
      enterprise's region, or its ancestor at the plan's level; null when unknown),
      region_code (the enterprise's), enterprise_id, name, sector, risk_class,
      key_inspections (重点检查), random_inspections (一般检查, 双随机),
      planned_inspections, inspections_max (null: no cap), days_per_inspection, days.
    - `capacity_days`: per plan (department, level, region_code — null where the
      working-day capacity is not split by it): staff, enforcement_days,
      reserve_days, plannable_days (null when no working days were given for
      it), enterprises, key_inspections, key_days_needed, random_inspections,
      random_days, days_left, overflow_days, message.
    - `conflicts`: enterprises on two or more plans: enterprise_id, name,
      region_code, sector, plans (["交通运输局（县）", "公安局（县）"]),
      lead_department, suggestion (综合查一次).
    - `seed`: the seed of the 双随机 draw.
    """

    by_region_department: pl.DataFrame
    queue: pl.DataFrame
    coverage: pl.DataFrame
    year: int
    planned: pl.DataFrame = attrs.field(factory=pl.DataFrame)
    capacity_days: pl.DataFrame = attrs.field(factory=pl.DataFrame)
    conflicts: pl.DataFrame = attrs.field(factory=pl.DataFrame)
    seed: int = 0


def _department_map(rules: Rulebook, year: int) -> pl.DataFrame:
    mapping = rules.for_year(year)["sectors.departments"]
    pairs = [(str(s), str(dept)) for dept, sectors in dict(mapping).items() for s in sectors]
    return pl.DataFrame(
        {"sector": [s for s, _ in pairs], "department": [d for _, d in pairs]},
        schema={"sector": pl.String(), "department": pl.String()},
    )


def _capacity_frame(capacity: pl.DataFrame | Mapping[str, int] | None) -> pl.DataFrame | None:
    if capacity is None:
        return None
    if isinstance(capacity, Mapping):
        frame = pl.DataFrame(
            {"department": list(capacity), "capacity": [int(v) for v in capacity.values()]},
            schema={"department": pl.String(), "capacity": pl.Int64()},
        )
    else:
        frame = capacity
    missing = {"department", "capacity"} - set(frame.columns)
    if missing:
        raise DatasetError(
            f"检查力量表缺少列 {sorted(missing)} (capacity needs department and capacity columns)"
        )
    keys = ["region_code", "department"] if "region_code" in frame.columns else ["department"]
    frame = frame.select(
        *[pl.col(k).cast(pl.String) for k in keys], pl.col("capacity").cast(pl.Int64)
    )
    if frame.select(pl.struct(keys).is_duplicated().any()).item():
        raise DatasetError(f"检查力量表中 {keys} 重复 (duplicate capacity rows)")
    return frame


_DAY_COLUMNS = (
    "staff",
    "legal_workdays",
    "other_enforcement_days",
    "non_enforcement_days",
    "reserve_share",
)
_LEVEL_RANK = {level: rank for rank, level in enumerate(REGION_LEVELS)}
_WORKDAYS = "执法力量表"


def _split_capacity(
    capacity: pl.DataFrame | Mapping[str, int] | None,
) -> tuple[pl.DataFrame | Mapping[str, int] | None, pl.DataFrame | None]:
    """(inspection-count capacity, working-day capacity): a frame with any of the
    working-day columns is the working-day form, anything else the count form."""
    if capacity is None or isinstance(capacity, Mapping):
        return capacity, None
    if any(c in capacity.columns for c in _DAY_COLUMNS):
        return None, _workday_frame(capacity)
    return capacity, None


def _number_column(frame: pl.DataFrame, name: str) -> pl.Series:
    column = frame.get_column(name)
    numeric = column.dtype.is_numeric() or column.dtype in (pl.String(), pl.Null())
    try:
        if not numeric:
            raise TypeError(name)
        column = column.cast(pl.Float64(), strict=True)
    except (TypeError, pl.exceptions.PolarsError):
        raise DatasetError(
            f"{_WORKDAYS}列 {name} 应为数字 (column {name} must be numeric)"
        ) from None
    if column.null_count():
        raise DatasetError(f"{_WORKDAYS}列 {name} 有空值 (column {name} has empty values)")
    if not column.is_finite().all():
        raise DatasetError(f"{_WORKDAYS}列 {name} 有非有限数 (column {name} must be finite)")
    if (column < 0).any():
        raise DatasetError(f"{_WORKDAYS}列 {name} 有负数 (column {name} has negative values)")
    return column


def _workday_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The working-day capacity, checked: its key columns (department, and level
    and/or region_code when given), staff, enforcement_days, reserve_days and
    plannable_days.  Any fault is a DatasetError naming the column."""
    required = ["department", *_DAY_COLUMNS]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DatasetError(
            f"{_WORKDAYS}缺少列 {missing} (working-day capacity needs columns {required})"
        )
    if "capacity" in frame.columns:
        raise DatasetError(
            f"{_WORKDAYS}不能同时有 capacity 列与执法工作日列"
            " (give inspection counts or working days, not both)"
        )
    keys = ["department", *(k for k in ("level", "region_code") if k in frame.columns)]
    columns: dict[str, pl.Series] = {}
    for key in keys:
        column = frame.get_column(key).cast(pl.String())
        if column.null_count():
            raise DatasetError(f"{_WORKDAYS}列 {key} 有空值 (column {key} has empty values)")
        columns[key] = column
    if "level" in columns and not columns["level"].is_in(REGION_LEVELS).all():
        raise DatasetError(
            f"{_WORKDAYS}列 level 的值应为 {'、'.join(REGION_LEVELS)}"
            " (column level must be 省, 市 or 县)"
        )
    for name in _DAY_COLUMNS:
        columns[name] = _number_column(frame, name)
    if (columns["reserve_share"] > 1).any():
        raise DatasetError(
            f"{_WORKDAYS}列 reserve_share 应在 0 到 1 之间"
            " (column reserve_share must be between 0 and 1)"
        )
    days = pl.DataFrame(columns)
    short = days.filter(
        pl.col("other_enforcement_days") + pl.col("non_enforcement_days") > pl.col("legal_workdays")
    )
    if short.height:
        raise DatasetError(
            f"{_WORKDAYS}中 {short['department'][0]} 的其他执法工作日与非执法工作日之和"
            "超过法定工作日 (other_enforcement_days + non_enforcement_days exceed"
            " legal_workdays)"
        )
    if days.select(pl.struct(keys).is_duplicated().any()).item():
        raise DatasetError(f"{_WORKDAYS}中 {keys} 重复 (duplicate working-day capacity rows)")
    enforcement = pl.col("staff") * (
        pl.col("legal_workdays") - pl.col("other_enforcement_days") - pl.col("non_enforcement_days")
    )
    return days.select(
        *keys,
        "staff",
        enforcement.alias("enforcement_days"),
        (enforcement * pl.col("reserve_share")).alias("reserve_days"),
        (enforcement * (1 - pl.col("reserve_share"))).alias("plannable_days"),
    )


def _days_per_inspection(
    days: float | Mapping[str, float], known: set[str]
) -> tuple[dict[str, float], float]:
    """(days by class or sector, the days of any other enterprise)."""
    items = dict(days) if isinstance(days, Mapping) else {"*": days}
    for key, value in items.items():
        if not isinstance(key, str) or key not in known | {"*"}:
            raise DatasetError(
                f"days_per_inspection 的键 {key!r} 既不是风险等级也不是行业领域"
                ' (a key must be a risk class, a sector or "*")'
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise DatasetError(
                f"days_per_inspection 的 {key!r} 应为正数（每次检查的工作日），现为 {value!r}"
                " (days per inspection must be a positive number)"
            )
    default = float(items.pop("*", 1.0))
    return {str(k): float(v) for k, v in items.items()}, default


def _plan_levels(book: Rulebook, year: int) -> dict[str, str]:
    """``enterprise.plan_levels``: risk class or sector → level (empty when absent)."""
    if "enterprise.plan_levels" not in book:
        return {}
    value = book.for_year(year)["enterprise.plan_levels"]
    if not isinstance(value, Mapping):
        raise RulebookError(
            "enterprise.plan_levels 应为表：风险等级或行业领域 → 级别"
            " (plan_levels must map a class or sector to a level)"
        )
    for key, level in value.items():
        if level not in REGION_LEVELS:
            raise RulebookError(
                f"enterprise.plan_levels 中 {key!r} 的级别 {level!r} 应为"
                f" {'、'.join(REGION_LEVELS)} (plan level must be 省, 市 or 县)"
            )
    return {str(k): str(v) for k, v in value.items()}


def _regions_frame(regions: pl.DataFrame) -> pl.DataFrame:
    """region_code, level, parent_code (null when the table has none)."""
    missing = {"region_code", "level"} - set(regions.columns)
    if missing:
        raise DatasetError(
            f"行政区划表缺少列 {sorted(missing)} (regions needs region_code and level columns)"
        )
    frame = regions.select(
        pl.col("region_code").cast(pl.String()),
        pl.col("level").cast(pl.String()),
        (
            pl.col("parent_code").cast(pl.String())
            if "parent_code" in regions.columns
            else pl.lit(None, dtype=pl.String())
        ).alias("parent_code"),
    ).filter(pl.col("region_code").is_not_null())
    if not frame["level"].drop_nulls().is_in(REGION_LEVELS).all():
        raise DatasetError(
            f"行政区划表列 level 的值应为 {'、'.join(REGION_LEVELS)} (level must be 省, 市 or 县)"
        )
    if frame["region_code"].is_duplicated().any():
        raise DatasetError("行政区划表中 region_code 重复 (duplicate region codes)")
    return frame


def _ancestors(regions: pl.DataFrame) -> pl.DataFrame:
    """region_code, level, ancestor: the region itself at its own level and its
    nearest ancestor at each level above, up the parent_code chain."""
    table = regions.rename({"region_code": "ancestor"})
    found = []
    step = regions.select("region_code", pl.col("region_code").alias("ancestor"))
    for _ in range(2 * len(REGION_LEVELS) + 2):  # bounded: a cycle in the table ends here
        step = step.join(table, on="ancestor", how="inner")
        found.append(step.select("region_code", "level", "ancestor"))
        step = step.select("region_code", pl.col("parent_code").alias("ancestor")).drop_nulls()
        if step.is_empty():
            break
    return (
        pl.concat(found)
        .drop_nulls("level")
        .unique(["region_code", "level"], keep="first", maintain_order=True)
    )


def _lookup(column: str, mapping: Mapping[str, object], dtype: pl.DataType) -> pl.Expr:
    if not mapping:
        return pl.lit(None, dtype=dtype)
    return pl.col(column).replace_strict(dict(mapping), default=None, return_dtype=dtype)


def _number_text(value: pl.Expr) -> pl.Expr:
    """A non-negative number as 1,234 (or 1,234.5): one decimal, shown when not 0."""
    tenths = (value * 10).round(0).cast(pl.Int64())
    whole = (tenths // 10).cast(pl.String()).str.reverse().str.extract_all(r"\d{1,3}")
    decimal = tenths % 10
    return pl.concat_str(
        whole.list.join(",").str.reverse(),
        pl.when(decimal > 0).then(formatted(".{}", decimal)).otherwise(pl.lit("")),
    )


def _enterprise_rows(
    ratings: EnterpriseRatings,
    book: Rulebook,
    classes: list[str],
    depts: pl.DataFrame,
    regions: pl.DataFrame | None,
    days_per_inspection: float | Mapping[str, float],
) -> pl.DataFrame:
    """One row per enterprise and department, with its level, plan region, class
    minimum (key_inspections, clipped at the cap), cap, headroom and days."""
    ents = ratings.enterprises
    minimum = "inspections_min" if "inspections_min" in ents.columns else "inspections_per_year"
    cap = (
        pl.col("inspections_max").cast(pl.Int64()).clip(lower_bound=0)
        if "inspections_max" in ents.columns
        else pl.lit(None, dtype=pl.Int64())
    )
    known = {*classes, *SECTORS}
    known |= set(ents["risk_class"].cast(pl.String()).drop_nulls().to_list())
    known |= set(ents["sector"].cast(pl.String()).drop_nulls().to_list())
    days_by, days_default = _days_per_inspection(days_per_inspection, known)
    levels_by = _plan_levels(book, ratings.year)

    rows = (
        ents.lazy()
        .filter(pl.col(minimum) > 0)
        .select(
            "enterprise_id",
            "name",
            pl.col("region_code").cast(pl.String()),
            pl.col("sector").cast(pl.String()),
            pl.col("risk_class").cast(pl.String()),
            pl.col(minimum).cast(pl.Int64()).alias("_minimum"),
            cap.alias("inspections_max"),
        )
    )
    if regions is not None:
        own = regions.lazy().select("region_code", pl.col("level").alias("_own_level"))
        ancestors = _ancestors(regions).lazy()
    else:
        own = pl.LazyFrame(schema={"region_code": pl.String(), "_own_level": pl.String()})
        ancestors = pl.LazyFrame(
            schema={"region_code": pl.String(), "level": pl.String(), "ancestor": pl.String()}
        )
    return (
        rows.join(own, on="region_code", how="left")
        .with_columns(
            pl.coalesce(
                _lookup("sector", levels_by, pl.String()),
                _lookup("risk_class", levels_by, pl.String()),
                pl.col("_own_level"),
            ).alias("level"),
            pl.coalesce(
                _lookup("sector", days_by, pl.Float64()),
                _lookup("risk_class", days_by, pl.Float64()),
                pl.lit(days_default),
            ).alias("days_per_inspection"),
            pl.min_horizontal("_minimum", "inspections_max").alias("key_inspections"),
        )
        .join(ancestors, on=["region_code", "level"], how="left")
        .with_columns(
            pl.coalesce(
                "ancestor", pl.when(pl.col("level").is_null()).then(pl.col("region_code"))
            ).alias("plan_region_code"),
            (pl.col("inspections_max") - pl.col("key_inspections")).alias("_headroom"),
        )
        .join(depts.lazy(), on="sector", how="left")
        .with_columns(
            pl.col("level")
            .replace_strict(_LEVEL_RANK, default=len(_LEVEL_RANK), return_dtype=pl.Int64())
            .alias("_level_rank")
        )
        .sort("department", "_level_rank", "plan_region_code", "enterprise_id", nulls_last=True)
        .collect(engine=ENGINE)
    )


def _random_rounds(rows: pl.DataFrame, budgets: pl.DataFrame, seed: int) -> pl.DataFrame:
    """rows with random_inspections: the 双随机 extra inspections of each plan.

    `rows` carries _b (its plan), _headroom (null: no cap) and days_per_inspection;
    `budgets` _b and _left (the plannable days left after the minimums).  Full
    rounds give every enterprise below its cap one more inspection; with C(r) the
    days of r full rounds (piecewise linear, its slope changing where enterprises
    reach their caps), the number of full rounds is the largest r with
    C(r) <= _left.  The last, partial round is drawn at random.
    """
    d = pl.col("days_per_inspection")
    h = pl.col("_headroom")
    open_rows = rows.filter(h.is_null() | (h > 0))
    # the breakpoints: 0, and each cap's headroom; S: the days of a round past it
    uncapped = open_rows.group_by("_b").agg(
        d.filter(h.is_null()).sum().alias("_uncapped"), d.sum().alias("_total")
    )
    steps = (
        open_rows.filter(h.is_not_null())
        .group_by("_b", "_headroom")
        .agg((d * h).sum().alias("_dh"), d.sum().alias("_ds"))
        .sort("_b", "_headroom")
        .join(uncapped, on="_b")
        .select(
            "_b",
            h.alias("_at"),
            pl.col("_dh").cum_sum().over("_b").alias("_cost"),
            (
                pl.col("_uncapped")
                + pl.col("_ds").cum_sum(reverse=True).shift(-1, fill_value=0.0).over("_b")
            ).alias("_slope"),
        )
        .with_columns((pl.col("_cost") + pl.col("_at") * pl.col("_slope")).alias("_cost"))
    )
    start = uncapped.select(
        "_b",
        pl.lit(0, dtype=pl.Int64()).alias("_at"),
        pl.lit(0.0).alias("_cost"),
        pl.col("_total").alias("_slope"),
    )
    rounds = (
        pl.concat([start, steps.cast({"_at": pl.Int64()})])
        .join(budgets.select("_b", "_left"), on="_b")
        .filter(pl.col("_cost") <= pl.col("_left"))
        .sort("_b", "_at")
        .group_by("_b")
        .last()
        .select(
            "_b",
            (
                pl.col("_at")
                + pl.when(pl.col("_slope") > 0)
                .then(((pl.col("_left") - pl.col("_cost")) / pl.col("_slope")).floor())
                .otherwise(0)
                .cast(pl.Int64())
            ).alias("_rounds"),
        )
    )
    full = open_rows.join(rounds, on="_b", how="left").with_columns(
        pl.min_horizontal(h, pl.col("_rounds").fill_null(0)).alias("_full")
    )
    left = (
        full.group_by("_b")
        .agg((d * pl.col("_full")).sum().alias("_spent"))
        .join(budgets.select("_b", "_left"), on="_b")
        .select("_b", (pl.col("_left") - pl.col("_spent")).alias("_rest"))
    )
    drawn = (
        full.join(left, on="_b")
        .filter(h.is_null() | (h > pl.col("_full")))
        .sort("_b", "_key")
        .with_columns(d.cum_sum().over("_b").alias("_cum"))
        .filter(pl.col("_cum") <= pl.col("_rest"))
        .select("_b", "enterprise_id", pl.lit(1, dtype=pl.Int64()).alias("_drawn"))
    )
    extra = full.join(drawn, on=["_b", "enterprise_id"], how="left").select(
        "_b",
        "enterprise_id",
        (pl.col("_full") + pl.col("_drawn").fill_null(0)).alias("random_inspections"),
    )
    return rows.join(extra, on=["_b", "enterprise_id"], how="left", maintain_order="left")


def _working_day_plan(
    rows: pl.DataFrame, days_cap: pl.DataFrame | None, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(planned, capacity_days) from the enterprise rows and the working days."""
    split_level = days_cap is None or "level" in days_cap.columns
    split_region = days_cap is not None and "region_code" in days_cap.columns
    keys = ["department", "level", "region_code"]
    rows = rows.with_columns(
        (pl.col("level") if split_level else pl.lit(None, dtype=pl.String())).alias("_level"),
        (pl.col("plan_region_code") if split_region else pl.lit(None, dtype=pl.String())).alias(
            "_region"
        ),
    )
    plans = rows.select(
        "department", pl.col("_level").alias("level"), pl.col("_region").alias("region_code")
    ).unique()
    if days_cap is not None:
        cap = days_cap.with_columns(
            *[pl.lit(None, dtype=pl.String()).alias(k) for k in keys if k not in days_cap.columns]
        )
        plans = plans.join(cap, on=keys, how="full", coalesce=True, nulls_equal=True)
    else:
        plans = plans.with_columns(
            pl.lit(None, dtype=pl.Float64()).alias(c)
            for c in ("staff", "enforcement_days", "reserve_days", "plannable_days")
        )
    plans = (
        plans.with_columns(
            pl.col("level")
            .replace_strict(_LEVEL_RANK, default=len(_LEVEL_RANK), return_dtype=pl.Int64())
            .alias("_level_rank")
        )
        .sort("department", "_level_rank", "region_code", nulls_last=True)
        .drop("_level_rank")
        .with_row_index("_b")
    )
    rows = (
        rows.join(
            plans.select("_b", *keys).rename({"level": "_level", "region_code": "_region"}),
            on=["department", "_level", "_region"],
            how="left",
            nulls_equal=True,
        )
        .sort("_b", "enterprise_id")
        # 双随机: a seeded draw order within each plan, its rows sorted by enterprise_id
        .with_columns(pl.int_range(0, pl.len()).shuffle(seed=seed).over("_b").alias("_key"))
    )
    d = pl.col("days_per_inspection")
    key_days = rows.group_by("_b").agg(
        pl.len().cast(pl.Int64()).alias("enterprises"),
        pl.col("key_inspections").sum().cast(pl.Int64()),
        (pl.col("key_inspections") * d).sum().alias("key_days_needed"),
    )
    plans = plans.join(key_days, on="_b", how="left").with_columns(
        pl.col("enterprises", "key_inspections").fill_null(0),
        pl.col("key_days_needed").fill_null(0.0),
    )
    budgets = plans.select(
        "_b",
        (pl.col("plannable_days") - pl.col("key_days_needed"))
        .clip(lower_bound=0.0)
        .fill_null(0.0)
        .alias("_left"),
    )
    rows = _random_rounds(rows, budgets, seed).with_columns(
        pl.col("random_inspections").fill_null(0)
    )
    planned = rows.with_columns(
        (pl.col("key_inspections") + pl.col("random_inspections")).alias("planned_inspections")
    ).with_columns((pl.col("planned_inspections") * d).alias("days"))
    random = planned.group_by("_b").agg(
        pl.col("random_inspections").sum().cast(pl.Int64()),
        (pl.col("random_inspections") * d).sum().alias("random_days"),
    )
    has_days = pl.col("plannable_days").is_not_null()
    need, usable = pl.col("key_days_needed"), pl.col("plannable_days")
    capacity_days = (
        plans.join(random, on="_b", how="left")
        .with_columns(
            pl.col("random_inspections").fill_null(0), pl.col("random_days").fill_null(0.0)
        )
        .with_columns(
            pl.when(has_days)
            .then((usable - need - pl.col("random_days")).clip(lower_bound=0.0))
            .alias("days_left"),
            pl.when(has_days).then((need - usable).clip(lower_bound=0.0)).alias("overflow_days"),
        )
        .with_columns(
            pl.when(pl.col("department").is_null())
            .then(
                formatted(
                    "无监管部门的行业领域：重点检查需 {} 个工作日，未列入任何部门计划",
                    _number_text(need),
                )
            )
            .when(~has_days)
            .then(
                formatted(
                    "重点检查需 {} 个工作日；未给出执法工作日，不安排双随机检查",
                    _number_text(need),
                )
            )
            .when(pl.col("overflow_days") > 0)
            .then(
                formatted(
                    "重点检查需 {} 个工作日，超出可用执法工作日 {} 个",
                    _number_text(need),
                    _number_text(pl.col("overflow_days")),
                )
            )
            .otherwise(
                formatted(
                    "重点检查需 {} 个工作日，双随机检查 {} 家次 {} 个工作日，"
                    "可用执法工作日 {} 个，余 {} 个",
                    _number_text(need),
                    pl.col("random_inspections"),
                    _number_text(pl.col("random_days")),
                    _number_text(usable),
                    _number_text(pl.col("days_left")),
                )
            )
            .alias("message")
        )
        .select(
            *keys,
            "staff",
            "enforcement_days",
            "reserve_days",
            "plannable_days",
            "enterprises",
            "key_inspections",
            "key_days_needed",
            "random_inspections",
            "random_days",
            "days_left",
            "overflow_days",
            "message",
        )
    )
    planned = planned.select(
        "department",
        "level",
        "plan_region_code",
        "region_code",
        "enterprise_id",
        "name",
        "sector",
        "risk_class",
        pl.col("key_inspections").cast(pl.Int64()),
        pl.col("random_inspections").cast(pl.Int64()),
        pl.col("planned_inspections").cast(pl.Int64()),
        "inspections_max",
        "days_per_inspection",
        "days",
    )
    return planned, capacity_days


def _conflicts(planned: pl.DataFrame, department_order: list[str]) -> pl.DataFrame:
    """Enterprises on two or more (department, level) plans, with a 综合查一次 suggestion
    led by the department that comes first in the rulebook's sectors.departments."""
    rank = {dept: i for i, dept in enumerate(department_order)}
    label = pl.when(pl.col("level").is_null()).then(pl.col("department"))
    label = label.otherwise(formatted("{}（{}）", "department", "level"))
    found = (
        planned.filter(pl.col("department").is_not_null())
        .with_columns(
            pl.col("department")
            .replace_strict(rank, default=len(rank), return_dtype=pl.Int64())
            .alias("_rank"),
            pl.col("level")
            .replace_strict(_LEVEL_RANK, default=len(_LEVEL_RANK), return_dtype=pl.Int64())
            .alias("_level_rank"),
            label.alias("_label"),
        )
        .sort("enterprise_id", "_rank", "department", "_level_rank", nulls_last=True)
        .group_by("enterprise_id", maintain_order=True)
        .agg(
            pl.col("name", "region_code", "sector").first(),
            pl.col("_label").alias("plans"),
            pl.col("department").first().alias("lead_department"),
            pl.col("department").unique(maintain_order=True).slice(1).alias("_others"),
        )
        .filter(pl.col("plans").list.len() >= 2)
    )
    return found.select(
        "enterprise_id",
        "name",
        "region_code",
        "sector",
        "plans",
        "lead_department",
        pl.when(pl.col("_others").list.len() > 0)
        .then(
            formatted(
                "综合查一次：由 {} 牵头，会同 {} 联合检查",
                "lead_department",
                pl.col("_others").list.join("、"),
            )
        )
        .otherwise(formatted("综合查一次：由 {} 统一安排各级检查", "lead_department"))
        .alias("suggestion"),
    )


def inspection_plan(
    ratings: EnterpriseRatings,
    rules: Rulebook | None = None,
    capacity: pl.DataFrame | Mapping[str, int] | None = None,
    *,
    regions: pl.DataFrame | None = None,
    days_per_inspection: float | Mapping[str, float] = 1.0,
    seed: int = 0,
) -> InspectionPlan:
    """Plan the inspections the ratings call for.

    `capacity`: inspections each department can make in a year, as a dict
    department → count or a frame with columns department, capacity (and
    optionally region_code, to plan per region and department); or the
    department's working days (年度监督检查计划), a frame with columns department,
    staff, legal_workdays (法定工作日), other_enforcement_days (其他执法工作日),
    non_enforcement_days (非执法工作日) and reserve_share (留有余地, 0–1), and
    optionally level (省/市/县) and/or region_code.  A working-day row without
    level or region_code covers the department's plans at every level (or in
    every region) together.  The working days fill `planned` and `capacity_days`;
    `queue` and `coverage` stay those of the inspection-count capacity.

    `regions`: the regions table (region_code, level, optionally parent_code),
    which gives each enterprise's level; without it the level is null unless the
    rulebook's ``enterprise.plan_levels`` assigns one.  `days_per_inspection`:
    working days one inspection takes, one number or a mapping keyed by risk
    class and/or sector (a sector key beats a class key; "*" for the others,
    else 1.0).  `seed`: the 双随机 draw's seed.

    Inputs that cannot be planned raise DatasetError (a missing column, a
    negative number, reserve_share outside 0–1, duplicate rows, days per
    inspection not positive).

    >>> import polars as pl
    >>> from accountability.scorers.enterprise import EnterpriseRatings
    >>> ents = pl.DataFrame({"enterprise_id": ["E1", "E2", "E3"], "name": ["甲", "乙", "丙"],
    ...     "region_code": ["430902"] * 3, "sector": ["煤矿"] * 3, "score": [95.0, 65.0, 40.0],
    ...     "risk_class": ["A", "C", "D"], "inspections_per_year": [1, 4, 12]})
    >>> staff = pl.DataFrame({"department": ["应急管理局"], "staff": [2],
    ...     "legal_workdays": [250], "other_enforcement_days": [100],
    ...     "non_enforcement_days": [140], "reserve_share": [0.1]})
    >>> plan = inspection_plan(EnterpriseRatings(ents, pl.DataFrame(), 2024), capacity=staff)
    >>> plan.capacity_days.select("enforcement_days", "plannable_days", "key_days_needed").row(0)
    (20.0, 18.0, 17.0)
    >>> plan.planned["random_inspections"].sum()  # 18 − 17 days: one 双随机 inspection
    1
    >>> plan.capacity_days["message"][0]
    '重点检查需 17 个工作日，双随机检查 1 家次 1 个工作日，可用执法工作日 18 个，余 0 个'
    """
    book = rules if rules is not None else rulebook()
    capacity, days_cap = _split_capacity(capacity)
    region_table = _regions_frame(regions) if regions is not None else None
    classes = [
        str(c["class"])
        for c in sorted(
            book.for_year(ratings.year)["enterprise.risk_classes"], key=lambda c: float(c["min"])
        )
    ]
    class_rank = {c: i for i, c in enumerate(classes)}  # lowest class (D) first
    depts = _department_map(book, ratings.year).lazy()

    planned = (
        ratings.enterprises.lazy()
        .filter(pl.col("inspections_per_year") > 0)
        .select(
            "enterprise_id",
            "name",
            "region_code",
            pl.col("sector").cast(pl.String),
            "risk_class",
            "score",
            "inspections_per_year",
        )
        .join(depts, on="sector", how="left")
    )

    by_region_department = (
        planned.group_by("region_code", "department", "risk_class")
        .agg(
            pl.len().cast(pl.Int64).alias("enterprises"),
            pl.col("inspections_per_year").sum().cast(pl.Int64).alias("inspections"),
        )
        .with_columns(
            pl.col("risk_class")
            .replace_strict(class_rank, default=len(classes), return_dtype=pl.Int64())
            .alias("_order")
        )
        .sort("region_code", "department", "_order", nulls_last=True)
        .drop("_order")
    )

    cap = _capacity_frame(capacity)
    keys = (
        ["region_code", "department"]
        if cap is not None and "region_code" in cap.columns
        else ["department"]
    )
    queue = planned.with_columns(
        pl.col("risk_class")
        .replace_strict(class_rank, default=len(classes), return_dtype=pl.Int64())
        .alias("_order")
    ).sort([*keys, "_order", "score", "enterprise_id"], nulls_last=True)
    queue = queue.with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64()).over(keys).alias("rank"),
        pl.col("inspections_per_year")
        .cum_sum()
        .over(keys)
        .cast(pl.Int64)
        .alias("cumulative_inspections"),
    )
    if cap is not None:
        queue = queue.join(cap.lazy(), on=keys, how="left")
    else:
        queue = queue.with_columns(pl.lit(None, dtype=pl.Int64()).alias("capacity"))
    queue = (
        queue.with_columns(
            (pl.col("cumulative_inspections") <= pl.col("capacity")).alias("covered")
        )
        .select(
            *keys,
            "rank",
            "enterprise_id",
            "name",
            *([] if "region_code" in keys else ["region_code"]),
            "sector",
            "risk_class",
            "score",
            "inspections_per_year",
            "cumulative_inspections",
            "capacity",
            "covered",
        )
        .sort([*keys, "rank"], nulls_last=True)
    )  # joins need not keep row order

    coverage = (
        queue.group_by(keys)
        .agg(
            pl.len().cast(pl.Int64).alias("enterprises"),
            pl.col("inspections_per_year").sum().cast(pl.Int64).alias("inspections_needed"),
            pl.col("capacity").first(),
            pl.col("covered").fill_null(False).sum().cast(pl.Int64).alias("enterprises_covered"),
        )
        .with_columns(
            (pl.col("inspections_needed") - pl.col("capacity"))
            .clip(lower_bound=0)
            .alias("shortfall"),
            (pl.col("inspections_needed") <= pl.col("capacity")).alias("covered"),
            pl.when(pl.col("capacity").is_not_null()).then(pl.col("enterprises_covered")),
        )
        .sort(keys, nulls_last=True)
    )
    by_rd, q, cov = pl.collect_all([by_region_department, queue, coverage], engine=ENGINE)

    rows = _enterprise_rows(
        ratings, book, classes, depts.collect(engine=ENGINE), region_table, days_per_inspection
    )
    work, capacity_days = _working_day_plan(rows, days_cap, seed)
    order = list(dict(book.for_year(ratings.year)["sectors.departments"]))
    return InspectionPlan(
        by_region_department=by_rd,
        queue=q,
        coverage=cov,
        year=ratings.year,
        planned=work,
        capacity_days=capacity_days,
        conflicts=_conflicts(work, order),
        seed=seed,
    )
