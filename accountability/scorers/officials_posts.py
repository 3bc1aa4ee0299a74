"""Posts of the leading officials (《地方党政领导干部安全生产责任制规定》(2018)): which
sectors each official answers for, what the rulebook requires of each, and which
officials held one post at the same time.

The 规定 names five kinds of leader; the library knows them as roles:

- 党委主要负责人, 政府主要负责人 (第五条、第六条) and 政府分管安全生产的领导干部
  (第九条): every sector of their region — 党政同责, and the deputy who leads the
  safety work as a whole answers for all of it;
- 分管负责人 (政府其他领导干部, 第十条) and 党委常委会其他成员 (第八条): the
  sectors of their `portfolio` (管行业必须管安全);
- 部门负责人: the sectors the rulebook's map `sectors.departments` gives their
  department.

Required duties (`dual_duty.duty_requirements`) are written per role,
``{ 职务类别 = { 履职事项 = 次数 } }``, or per role and region level,
``{ 职务类别 = { 级别 = { 履职事项 = 次数 } } }`` (第二章 gives 市、县 quarterly and
省 yearly meetings, for example).  Both shapes may be mixed, one per role.

Readings chosen here:

- Under the per-level shape a role's level that the rulebook does not name requires
  nothing of that role there; a level-specific entry wins over a flat one of the
  same role and activity.  An activity whose requirement is 0 is not required.
- An official whose region is not in the regions table has no level: only flat
  requirements apply to them.
- The post of an overlap (two holders at once): (region, role) for the heads and the
  政府分管安全生产的领导干部; (region, 部门负责人, department); (region, role) with a
  shared sector for 分管负责人 and for 党委常委会其他成员.  Two roles never share a post.

Pure functions from frames to lazy frames; `accountability.scorers.dual_duty` reads
them.

>>> import polars as pl
>>> officials = pl.DataFrame({"official_id": ["A", "B"], "region_code": ["430900"] * 2,
...     "role": ["分管负责人", "部门负责人"], "department": [None, "交通运输局"],
...     "portfolio": [["水上交通"], None]})
>>> dept_map = pl.DataFrame({"department": ["交通运输局"], "sector": ["道路交通"]})
>>> covered = coverage(officials, dept_map).select("official_id", "sector")
>>> covered.sort("official_id").collect().rows()
[('A', '水上交通'), ('B', '道路交通')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import polars as pl

from accountability.codes import HEAD_ROLES, SECTORS
from accountability.engine import ENGINE
from accountability.wording import formatted

__all__ = [
    "DEPARTMENT_ROLES",
    "PORTFOLIO_ROLES",
    "REGION_WIDE_ROLES",
    "SAFETY_DEPUTY",
    "STANDING_MEMBER",
    "coverage",
    "region_levels",
    "required_officials",
    "required_roles",
    "requirements",
    "tenure_overlaps",
]

Frame = pl.DataFrame | pl.LazyFrame

KEY = "dual_duty.duty_requirements"
STANDING_MEMBER = "党委常委会其他成员"
SAFETY_DEPUTY = "政府分管安全生产的领导干部"
# The roles that answer for every sector of their region, those that answer for
# their portfolio, and those that answer for their department's sectors.
REGION_WIDE_ROLES: tuple[str, ...] = (*HEAD_ROLES, SAFETY_DEPUTY)
PORTFOLIO_ROLES: tuple[str, ...] = ("分管负责人", STANDING_MEMBER)
DEPARTMENT_ROLES: tuple[str, ...] = ("部门负责人",)

_SECTOR = pl.Enum(SECTORS)
COVERAGE_SCHEMA: dict[str, pl.DataType] = {
    "official_id": pl.String(),
    "region_code": pl.String(),
    "level": pl.String(),
    "sector": _SECTOR,
}
REQUIREMENT_SCHEMA: dict[str, pl.DataType] = {
    "official_id": pl.String(),
    "activity": pl.String(),
    "required": pl.Int64(),
}
OVERLAP_SCHEMA: dict[str, pl.DataType] = {
    "official_id": pl.String(),
    "other_id": pl.String(),
    "post": pl.String(),
    "since": pl.Date(),
    "until": pl.Date(),
}
_RULE_ROWS = {
    "role": pl.String(),
    "rule_level": pl.String(),
    "activity": pl.String(),
    "required": pl.Int64(),
}


def _role() -> pl.Expr:
    return pl.col("role").cast(pl.String)


def region_levels(regions: Frame | None) -> pl.LazyFrame:
    """(region_code, level) of every region of the table, the level as text
    (省 / 市 / 县); empty without a table.

    >>> import polars as pl
    >>> regions = pl.DataFrame({"region_code": ["430900"], "level": ["市"]})
    >>> region_levels(regions).collect().rows()
    [('430900', '市')]
    """
    if regions is None:
        return pl.LazyFrame(schema={"region_code": pl.String(), "level": pl.String()})
    return (
        regions.lazy()
        .select(pl.col("region_code").cast(pl.String), pl.col("level").cast(pl.String))
        .unique("region_code", keep="first", maintain_order=True)
    )


def _with_level(officials: Frame, regions: Frame | None) -> pl.LazyFrame:
    return officials.lazy().join(
        region_levels(regions), on="region_code", how="left", maintain_order="left"
    )


def coverage(officials: Frame, dept_map: Frame, regions: Frame | None = None) -> pl.LazyFrame:
    """(official_id, region_code, level, sector): the sectors each official answers for
    in their own region (the regions below are reached through the hierarchy).

    The heads and the 政府分管安全生产的领导干部 cover every sector; a 分管负责人 or
    党委常委会其他成员 the sectors of their portfolio; a 部门负责人 those the
    department → sector map `dept_map` (department, sector) gives their department.
    `level` is the level of the official's region in `regions` (null when the table
    is not given or does not hold the region).

    >>> import polars as pl
    >>> officials = pl.DataFrame({"official_id": ["H"], "region_code": ["430981"],
    ...     "role": ["政府分管安全生产的领导干部"], "department": [None], "portfolio": [None]},
    ...     schema_overrides={"department": pl.String, "portfolio": pl.List(pl.String)})
    >>> empty = pl.DataFrame(schema={"department": pl.String, "sector": pl.String})
    >>> coverage(officials, empty).collect().height  # every sector
    10
    """
    posts = _with_level(officials, regions).select(
        pl.col("official_id").cast(pl.String),
        pl.col("region_code").cast(pl.String),
        pl.col("level").cast(pl.String),
        _role().alias("role"),
        pl.col("department").cast(pl.String),
        pl.col("portfolio").cast(pl.List(pl.String)),
    )
    keys = ["official_id", "region_code", "level"]
    region_wide = (
        posts.filter(_role().is_in(list(REGION_WIDE_ROLES)))
        .select(*keys, pl.lit(list(SECTORS), pl.List(pl.String)).alias("sector"))
        .explode("sector")
    )
    portfolio = (
        posts.filter(_role().is_in(list(PORTFOLIO_ROLES)))
        .select(*keys, pl.col("portfolio").alias("sector"))
        .explode("sector")
        .drop_nulls("sector")
    )
    by_department = (
        posts.filter(_role().is_in(list(DEPARTMENT_ROLES)))
        .select(*keys, "department")
        .join(
            dept_map.lazy().select(
                pl.col("department").cast(pl.String), pl.col("sector").cast(pl.String)
            ),
            on="department",
            how="inner",
        )
        .select(*keys, "sector")
    )
    return (
        pl.concat([region_wide, portfolio, by_department])
        .unique()
        .select([pl.col(c).cast(t) for c, t in COVERAGE_SCHEMA.items()])
        .sort("official_id", "sector")
    )


def _rule_rows(value: Mapping[str, Any]) -> pl.LazyFrame:
    """(role, rule_level, activity, required) from the parameter's value in either
    shape; rule_level is null for a flat entry (every level)."""
    rows: list[tuple[str, str | None, str, int]] = []
    for role, entries in value.items():
        for key, entry in entries.items():
            if isinstance(entry, Mapping):
                rows += [(role, key, activity, int(n)) for activity, n in entry.items()]
            else:
                rows.append((role, None, key, int(entry)))
    return pl.LazyFrame(rows, schema=_RULE_ROWS, orient="row")


def requirements(params: Any, officials: Frame, regions: Frame | None = None) -> pl.LazyFrame:
    """(official_id, activity, required): what the rulebook (`params`, the values in
    force: ``params["dual_duty.duty_requirements"]``) requires of each official in a
    year, by role — and by the level of the official's region in `regions` where the
    rulebook writes the requirement per level.  Only requirements above 0.

    >>> import polars as pl
    >>> params = {KEY: {"分管负责人": {"市": {"研究部署": 4}, "县": {"研究部署": 2}}}}
    >>> officials = pl.DataFrame({"official_id": ["C", "X"], "role": ["分管负责人"] * 2,
    ...     "region_code": ["430900", "430981"]})
    >>> regions = pl.DataFrame({"region_code": ["430900", "430981"], "level": ["市", "县"]})
    >>> requirements(params, officials, regions).sort("official_id").collect().rows()
    [('C', '研究部署', 4), ('X', '研究部署', 2)]
    """
    rules = _rule_rows(params[KEY])
    matched = (
        _with_level(officials, regions)
        .select(
            pl.col("official_id").cast(pl.String),
            _role().alias("role"),
            pl.col("level").cast(pl.String),
        )
        .join(rules, on="role", how="inner")
        .filter(pl.col("rule_level").is_null() | (pl.col("rule_level") == pl.col("level")))
    )
    # a level's own entry wins over the role's flat one
    return (
        matched.sort("official_id", "activity", pl.col("rule_level").is_null())
        .unique(["official_id", "activity"], keep="first", maintain_order=True)
        .filter(pl.col("required") > 0)
        .select(list(REQUIREMENT_SCHEMA))
    )


def required_roles(params: Any) -> list[str]:
    """The roles the rulebook requires something of, at some level (sorted).

    >>> value = {"部门负责人": {"督导检查": 12}, "分管负责人": {"县": {"研究部署": 0}}}
    >>> required_roles({KEY: value})
    ['部门负责人']
    """
    rows = _rule_rows(params[KEY]).filter(pl.col("required") > 0)
    return sorted(rows.select(pl.col("role").unique()).collect(engine=ENGINE)["role"].to_list())


def required_officials(params: Any, officials: Frame, regions: Frame | None = None) -> pl.LazyFrame:
    """(official_id): the officials something is required of (`requirements`): their
    fulfilment is assessed (0 without records); the others' is null (not assessed).

    >>> import polars as pl
    >>> params = {KEY: {"分管负责人": {"市": {"研究部署": 4}}}}
    >>> officials = pl.DataFrame({"official_id": ["C", "X"], "role": ["分管负责人"] * 2,
    ...     "region_code": ["430900", "430981"]})
    >>> regions = pl.DataFrame({"region_code": ["430900", "430981"], "level": ["市", "县"]})
    >>> required_officials(params, officials, regions).collect()["official_id"].to_list()
    ['C']
    """
    return (
        requirements(params, officials, regions)
        .select("official_id")
        .unique(maintain_order=True)
        .sort("official_id")
    )


def tenure_overlaps(officials: Frame, first: dt.date, last: dt.date) -> pl.LazyFrame:
    """Pairs of officials whose tenures of one post overlap within [first, last]:
    (official_id, other_id, post, since, until), both directions; an empty tenure
    bound is open.

    The post: (region, role) for 党委主要负责人, 政府主要负责人 and
    政府分管安全生产的领导干部 (one holder each); (region, 部门负责人, department);
    (region, role) where the two portfolios share a sector, for 分管负责人 and for
    党委常委会其他成员 (several hold the role, each for some sectors).

    >>> import datetime as dt, polars as pl
    >>> officials = pl.DataFrame({"official_id": ["A", "B"], "region_code": ["430921"] * 2,
    ...     "role": ["政府主要负责人"] * 2, "department": [None, None],
    ...     "portfolio": [None, None], "start_on": [None, dt.date(2024, 6, 1)],
    ...     "end_on": [dt.date(2024, 6, 30), None]},
    ...     schema_overrides={"department": pl.String, "portfolio": pl.List(pl.String)})
    >>> tenure_overlaps(officials, dt.date(2024, 1, 1), dt.date(2024, 12, 31)).sort(
    ...     "official_id").select("official_id", "until").collect().rows()
    [('A', datetime.date(2024, 6, 30)), ('B', datetime.date(2024, 6, 30))]
    """
    never, forever = dt.date(1, 1, 1), dt.date(9999, 12, 31)
    lf = officials.lazy()
    names = lf.collect_schema().names()
    lf = lf.with_columns(
        pl.lit(None, pl.Date()).alias(c) for c in ("start_on", "end_on") if c not in names
    )
    by_department = _role().is_in(list(DEPARTMENT_ROLES))
    by_portfolio = _role().is_in(list(PORTFOLIO_ROLES))
    posts = lf.select(
        pl.col("official_id").cast(pl.String),
        pl.col("region_code").cast(pl.String),
        _role().alias("role"),
        # the department is part of the post only for a 部门负责人
        pl.when(by_department)
        .then(pl.col("department").cast(pl.String).fill_null(""))
        .otherwise(pl.lit(""))
        .alias("department"),
        pl.col("portfolio").cast(pl.List(pl.String)).fill_null([]),
        by_portfolio.alias("by_portfolio"),
        pl.max_horizontal(pl.col("start_on").fill_null(never), pl.lit(first)).alias("since"),
        pl.min_horizontal(pl.col("end_on").fill_null(forever), pl.lit(last)).alias("until"),
    ).filter(pl.col("since") <= pl.col("until"))
    other = posts.select(
        "region_code",
        "role",
        "department",
        *[pl.col(c).alias(f"{c}_b") for c in ("official_id", "portfolio", "since", "until")],
    )
    pairs = posts.join(other, on=["region_code", "role", "department"], how="inner").filter(
        (pl.col("official_id") != pl.col("official_id_b"))
        & (pl.col("since") <= pl.col("until_b"))
        & (pl.col("since_b") <= pl.col("until"))
    )
    shared = pl.col("portfolio").list.set_intersection(pl.col("portfolio_b"))
    portfolio = pl.col("by_portfolio")
    return pairs.filter(~portfolio | (shared.list.len() > 0)).select(
        "official_id",
        pl.col("official_id_b").alias("other_id"),
        formatted(
            "{}{}{}",
            "region_code",
            pl.col("role"),
            pl.when(portfolio)
            .then(formatted("（{}）", shared.list.sort().list.join("、")))
            .when(pl.col("department") != "")
            .then(formatted("（{}）", "department"))
            .otherwise(pl.lit("")),
        ).alias("post"),
        pl.max_horizontal("since", "since_b").alias("since"),
        pl.min_horizontal("until", "until_b").alias("until"),
    )
