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
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import polars as pl

from accountability.errors import DatasetError
from accountability.rulebook import Rulebook, rulebook
from accountability.scorers.enterprise import EnterpriseRatings

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
    """

    by_region_department: pl.DataFrame
    queue: pl.DataFrame
    coverage: pl.DataFrame
    year: int


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


def inspection_plan(
    ratings: EnterpriseRatings,
    rules: Rulebook | None = None,
    capacity: pl.DataFrame | Mapping[str, int] | None = None,
) -> InspectionPlan:
    """Plan the inspections the ratings call for.

    `capacity`: inspections each department can make in a year, as a dict
    department → count or a frame with columns department, capacity (and
    optionally region_code, to plan per region and department).

    >>> import accountability as acc                              # doctest: +SKIP
    >>> data = acc.load_dataset("fixtures/yiyang-2024")           # doctest: +SKIP
    >>> r = acc.enterprise_ratings(data, year=2024)               # doctest: +SKIP
    >>> acc.inspection_plan(r, capacity={"应急管理局": 5000}).coverage  # doctest: +SKIP
    """
    book = rules if rules is not None else rulebook()
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
    by_rd, q, cov = pl.collect_all([by_region_department, queue, coverage])
    return InspectionPlan(by_region_department=by_rd, queue=q, coverage=cov, year=ratings.year)
