"""一岗双责 (one post, two duties; 党政同责): who answers for each accident, the
accountability step each official has reached, and how fully each has performed
the duties the rulebook requires.

Source: 《地方党政领导干部安全生产责任制规定》(2018); the numbers are the rulebook's
`dual_duty.*` parameters and the sector → department map `sectors.departments`;
the steps are the records of `accountability.rules.dual_duty`.

Attribution: an accident in region R and sector S (a 责任事故: `liability` true)
reaches, among the officials in post on its date,
- the 党委主要负责人 and 政府主要负责人 of R and of every region above R;
- each 分管负责人 of those regions whose portfolio includes S;
- each 部门负责人 of those regions whose department regulates S.

Readings chosen here:
- A grade-count condition ``{grade = n}`` counts attributed accidents of that grade
  or worse; several entries in one parameter are alternatives (any one applies).
  A count condition needs at least one accident, whatever `n` says.
- The sector-rise rule compares the sector's full-year deaths (this year, last
  year) over the official's region and below; it applies to a 分管负责人 or
  部门负责人 whose tenure overlaps the year (tenure limits attribution, not the
  sector's statistics).
- `reasons` lists every condition that applied (highest step first), each ending
  "→ <step>"; `evidence` is the union of those conditions' accident ids (for the
  sector rise: the sector's accidents of both years).
- A department's step is the highest step of its officials (its leaders answer
  for it); its accidents are those of the sectors the map gives it, in its region
  and below, in the year.  Departments are the (region_code, department) pairs of
  officials whose department is filled in.
- A role that the rulebook requires nothing of has fulfilment null (not
  assessed); an activity whose requirement is 0 is not required.
- Without `year`, the last calendar year ended by the dataset's `as_of` day.

>>> import datetime as dt, polars as pl
>>> from accountability.dataset import Dataset
>>> from accountability.columns import TABLES
>>> empty = {n: pl.DataFrame(schema=TABLES[n].dtypes) for n in
...          ("regions", "officials", "accidents", "duty_records")}
>>> result = dual_duty(Dataset(tables=empty, as_of=dt.date(2025, 1, 1)), year=2024)
>>> result.officials.columns[:4]
['official_id', 'name', 'region_code', 'role']
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import attrs
import polars as pl

from accountability.accidents import counted_deaths, grade_accidents
from accountability.arguments import as_dataset, as_rulebook, as_year
from accountability.codes import ACCIDENT_GRADES, ACCOUNTABILITY_STEPS, HEAD_ROLES
from accountability.columns import TABLES
from accountability.dataset import Dataset, as_warnings, warning
from accountability.dates import default_year
from accountability.lineitems import LINE_ITEM_SCHEMA, SORT_KEY, concat_line_items
from accountability.outputs import OUTPUTS
from accountability.regions import ancestors
from accountability.rulebook import Rulebook, RulesAt
from accountability.rules.conditions import in_population
from accountability.rules.dual_duty import CountStep
from accountability.rules.model import Context, Registry
from accountability.rules.registry import REGISTRY
from accountability.wording import formatted, number, number_text

__all__ = [
    "ATTRIBUTION_SCHEMA",
    "DEPARTMENT_SCHEMA",
    "DUTY_SCHEMA",
    "OFFICIAL_SCHEMA",
    "DualDutyResult",
    "dual_duty",
]

SCORER = "dual_duty"
NEEDED_BY = "一岗双责 (dual_duty)"
STEP_DTYPE = pl.Enum(ACCOUNTABILITY_STEPS)
_ROLE_DTYPE = TABLES["officials"].dtypes["role"]
_SECTOR_DTYPE = TABLES["accidents"].dtypes["sector"]
_GRADE_DTYPE = pl.Enum(ACCIDENT_GRADES)
_IDS = pl.List(pl.String())
# Line items in a total order, so that the frame does not depend on input row order.
_ITEM_ORDER = [*SORT_KEY, "points", "basis", "evidence"]

SUMMONS, YELLOW_CARD, ACCOUNTABILITY = ACCOUNTABILITY_STEPS  # 约谈, 黄牌警告, 问责
_DEPUTY, _DEPARTMENT_HEAD = "分管负责人", "部门负责人"

OFFICIAL_SCHEMA: dict[str, pl.DataType] = OUTPUTS["officials"].dtypes
DUTY_SCHEMA: dict[str, pl.DataType] = {
    "official_id": pl.String(),
    "activity": pl.String(),
    "done": pl.Int64(),
    "required": pl.Int64(),
    "ratio": pl.Float64(),
}
ATTRIBUTION_SCHEMA: dict[str, pl.DataType] = {
    "accident_id": pl.String(),
    "official_id": pl.String(),
    "role": _ROLE_DTYPE,
    "region_code": pl.String(),
    "accident_region_code": pl.String(),
    "sector": _SECTOR_DTYPE,
    "grade": _GRADE_DTYPE,
    "occurred_on": pl.Date(),
    "deaths": pl.Int64(),
}
DEPARTMENT_SCHEMA: dict[str, pl.DataType] = OUTPUTS["departments"].dtypes


@attrs.frozen
class DualDutyResult:
    """The 一岗双责 result for one year.

    - `officials`: one row per official (OFFICIAL_SCHEMA), sorted by official_id.
    - `departments`: one row per (region_code, department) (DEPARTMENT_SCHEMA).
    - `duties`: one row per official × activity required of the role (DUTY_SCHEMA).
    - `attributions`: one row per (accident, official) who answers for it.
    - `line_items`: LINE_ITEM_SCHEMA rows (all 0 points: the annual assessment
      takes the points).
    - `warnings`: dataset.WARNINGS_SCHEMA rows (a department the map does not know…).
    """

    officials: pl.DataFrame
    departments: pl.DataFrame
    duties: pl.DataFrame
    attributions: pl.DataFrame
    line_items: pl.DataFrame
    warnings: pl.DataFrame
    year: int = 0


# --- small expression helpers --------------------------------------------------------


def _ensure(frame: pl.DataFrame, table: str, optional: dict[str, Any]) -> pl.LazyFrame:
    """The table's frame with optional columns filled by their defaults."""
    dtypes = TABLES[table].dtypes
    lf = frame.lazy()
    names = lf.collect_schema().names()
    missing = [pl.lit(v, dtype=dtypes[c]).alias(c) for c, v in optional.items() if c not in names]
    return lf.with_columns(missing) if missing else lf


def _empty_table(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=TABLES[table].dtypes)


def _warning(rows: pl.LazyFrame) -> pl.LazyFrame:
    return as_warnings(rows)


def _note(table: str, rule: str, message: str) -> pl.LazyFrame:
    return warning(table, rule, message).lazy()


# --- the scorer ----------------------------------------------------------------------


def dual_duty(
    data: Dataset,
    rules: Rulebook | RulesAt | None = None,
    year: int | None = None,
) -> DualDutyResult:
    """Attribute the year's accidents to officials, decide each official's
    accountability step and duty fulfilment, and roll both up by department.

    Needs `officials` and `regions`; without `accidents` nobody is attributed
    anything and without `duty_records` every fulfilment is 0 (each with a warning).

    >>> import datetime as dt, polars as pl
    >>> from accountability.dataset import Dataset
    >>> from accountability.columns import TABLES
    >>> t = {n: pl.DataFrame(schema=TABLES[n].dtypes) for n in ("regions", "officials")}
    >>> result = dual_duty(Dataset(tables=t, as_of=dt.date(2025, 1, 1)), None, 2024)
    >>> result.warnings["rule"].to_list()
    ['table_absent', 'table_absent']
    """
    data = as_dataset(data, "dual_duty")
    book = rules if isinstance(rules, RulesAt) else as_rulebook(rules, "dual_duty")
    year = as_year(year, default_year(data.as_of))
    ctx = Context.of(book, year) if isinstance(book, RulesAt) else Context.for_year(book, year)
    params, previous = ctx.rules, ctx.previous()
    first, last = ctx.start, ctx.end
    prev_first = previous.start

    notes: list[pl.LazyFrame] = []
    officials = _ensure(
        data.table("officials", needed_by=NEEDED_BY),
        "officials",
        {"start_on": None, "end_on": None},
    )
    regions = data.table("regions", needed_by=NEEDED_BY)
    raw_accidents = data.get("accidents")
    if raw_accidents is None:
        notes.append(
            _note(
                "accidents",
                "table_absent",
                "未提供事故数据表 accidents：无事故可归责 (no accidents table)",
            )
        )
        raw_accidents = _empty_table("accidents")
    raw_records = data.get("duty_records")
    if raw_records is None:
        notes.append(
            _note(
                "duty_records",
                "table_absent",
                "未提供履职记录表 duty_records：履职完成率均计为 0 (no duty records)",
            )
        )
        raw_records = _empty_table("duty_records")

    # Accidents of this period and the last, of the population attributed
    # (``dual_duty.accident_population``: 责任事故 by default), graded, deaths counted.
    all_accidents = _ensure(raw_accidents, "accidents", {"liability": True})
    key = "dual_duty.accident_population"
    population = tuple(params[key]) if key in params.rulebook else ("liability",)
    previous_covered = bool(
        all_accidents.select(previous.within("occurred_on").any()).collect().item()
    )
    accidents = (
        grade_accidents(
            all_accidents.filter(
                in_population(population, all_accidents.collect_schema().names())
                & pl.col("occurred_on").is_between(prev_first, last)
            ),
            book,
        )
        .with_columns(
            counted_deaths(book).cast(pl.Int64).alias("counted"),
            # the assessment year whose period holds the accident (this one or the last)
            pl.when(ctx.within("occurred_on")).then(year).otherwise(year - 1).alias("acc_year"),
        )
        .collect()
        .lazy()
    )

    # Region hierarchy, plus each accident region paired with itself even when the
    # regions table does not hold it.
    anc = (
        pl.concat(
            [
                ancestors(regions).select("region_code", "ancestor_code"),
                accidents.select("region_code", pl.col("region_code").alias("ancestor_code")),
            ]
        )
        .unique()
        .collect()
        .lazy()
    )  # small; collected once so that each use does not re-plan it

    dept_map = _department_map(params)
    coverage = _coverage(officials, dept_map)
    attributions = (
        _attribute(accidents.filter(pl.col("acc_year") == year), anc, officials, coverage)
        .collect()
        .lazy()
    )

    stats = _stats(attributions)
    triggers = [_count_triggers(stats, params)]
    rise_items: list[pl.LazyFrame] = []
    in_post_year = (pl.col("start_on").is_null() | (pl.col("start_on") <= last)) & (
        pl.col("end_on").is_null() | (pl.col("end_on") >= first)
    )
    sector_officials = officials.filter(
        pl.col("role").cast(pl.String).is_in([_DEPUTY, _DEPARTMENT_HEAD]) & in_post_year
    )
    if previous_covered:
        triggers.append(_sector_rise(accidents, anc, coverage, sector_officials, params, year))
    else:
        rise_items.append(
            sector_officials.select(
                pl.col("official_id"),
                pl.lit(None, STEP_DTYPE).alias("step"),
                pl.lit("dual_duty.yellow_card.sector_rise").alias("rule_id"),
                pl.lit(
                    f"数据集无上年（{previous.label}）事故数据，"
                    "分管（监管）行业领域死亡人数同比上升规则未适用"
                ).alias("reason"),
                pl.lit([], _IDS).alias("evidence"),
                pl.lit(REGISTRY["dual_duty.yellow_card.sector_rise"].basis(params)).alias("basis"),
            )
        )
    trig = pl.concat(triggers, how="vertical").collect().lazy()

    duties = _duties(officials, raw_records.lazy(), params, year)
    fulfilment = _sorted_mean(duties.group_by("official_id"), "ratio", "fulfilment")
    steps = trig.group_by("official_id").agg(
        pl.col("step").max(),
        # highest step first; the sort is inside the aggregation because a group's
        # rows need not keep the frame's order.
        pl.col("reason")
        .sort_by(
            [pl.col("step").to_physical(), "rule_id", "reason"],
            descending=[True, False, False],
        )
        .alias("reasons"),
        pl.col("evidence")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique()
        .sort()
        .alias("evidence"),
    )
    officials_out = (
        officials.join(fulfilment, on="official_id", how="left")
        .join(steps, on="official_id", how="left")
        .join(stats, on="official_id", how="left")
        .with_columns(
            # A role with requirements and no records has done nothing: 0.
            pl.when(pl.col("role").cast(pl.String).is_in(_required_roles(params)))
            .then(pl.col("fulfilment").fill_null(0.0))
            .otherwise(pl.col("fulfilment"))
            .alias("fulfilment"),
            pl.col("step").cast(pl.String),
            pl.col("reasons").fill_null(pl.lit([], _IDS)),
            pl.col("evidence").fill_null(pl.lit([], _IDS)),
            *[
                pl.col(c).fill_null(0).cast(pl.Int64)
                for c in ("accidents", "fatal_accidents", "larger_accidents", "concealed_accidents")
            ],
            # a veto's promotion bar is the annual assessment's (`assess` fills them)
            pl.lit(None, pl.Date()).alias("promotion_barred_until"),
            pl.lit(None, pl.String()).alias("promotion_bar_reason"),
        )
        .select([pl.col(c).cast(t) for c, t in OFFICIAL_SCHEMA.items()])
        .sort("official_id")
    )

    departments = _departments(
        officials_out, accidents.filter(pl.col("acc_year") == year), anc, dept_map
    )

    overlaps = _tenure_overlaps(officials, first, last).collect().lazy()
    items = pl.concat(
        [
            _line_items(officials_out, trig, rise_items, duties, departments, params, dept_map),
            _overlap_items(overlaps, params),
        ]
    ).sort(_ITEM_ORDER, maintain_order=True)
    warnings = pl.concat(
        [_warning(n) for n in notes]
        + [_unknown_departments(officials, dept_map), _overlap_warnings(overlaps)]
    )
    warnings = warnings.sort(["table", "rule", "value", "message"], nulls_last=True)

    out = pl.collect_all(
        [
            officials_out,
            departments.select([pl.col(c).cast(t) for c, t in DEPARTMENT_SCHEMA.items()]),
            duties.select([pl.col(c).cast(t) for c, t in DUTY_SCHEMA.items()]).sort(
                "official_id", "activity"
            ),
            attributions.select([pl.col(c).cast(t) for c, t in ATTRIBUTION_SCHEMA.items()]).sort(
                "accident_id", "official_id"
            ),
            items,
            warnings,
        ]
    )
    return DualDutyResult(*out, year=year)


# --- parts ---------------------------------------------------------------------------


def _sorted_mean(groups: Any, column: str, name: str, *aggs: pl.Expr) -> pl.LazyFrame:
    """`groups.agg(*aggs)` plus the mean of `column` as `name`, taken over the sorted
    values: a float mean inside group_by().agg() can follow row order even after .sort()
    (the sort may be dropped, the sum split); a sorted list's mean cannot."""
    return groups.agg(*aggs, pl.col(column).drop_nulls().sort().alias(name)).with_columns(
        pl.when(pl.col(name).list.len() > 0).then(pl.col(name).list.mean()).alias(name)
    )


def _department_map(params: RulesAt) -> pl.LazyFrame:
    """(department, sector) from `sectors.departments`."""
    mapping = params["sectors.departments"]
    rows = [(dept, sector) for dept, sectors in mapping.items() for sector in sectors]
    return pl.LazyFrame(
        {"department": [r[0] for r in rows], "sector": [r[1] for r in rows]},
        schema={"department": pl.String(), "sector": _SECTOR_DTYPE},
    ).unique()


def _coverage(officials: pl.LazyFrame, dept_map: pl.LazyFrame) -> pl.LazyFrame:
    """(official_id, sector) for 分管负责人 (portfolio) and 部门负责人 (department map)."""
    role = pl.col("role").cast(pl.String)
    deputies = (
        officials.filter(role == _DEPUTY)
        .select("official_id", pl.col("portfolio").alias("sector"))
        .explode("sector")
        .drop_nulls("sector")
    )
    heads = (
        officials.filter(role == _DEPARTMENT_HEAD)
        .select("official_id", "department")
        .join(dept_map, on="department", how="inner")
        .select("official_id", "sector")
    )
    return pl.concat([deputies, heads]).unique()


def _attribute(
    accidents: pl.LazyFrame, anc: pl.LazyFrame, officials: pl.LazyFrame, coverage: pl.LazyFrame
) -> pl.LazyFrame:
    """accidents × regions at or above × officials, by role, within tenure."""
    reach = accidents.select(
        "accident_id",
        pl.col("region_code").alias("accident_region_code"),
        "sector",
        "grade",
        "occurred_on",
        pl.col("counted").alias("deaths"),
        "concealed",
    ).join(anc, left_on="accident_region_code", right_on="region_code", how="inner")
    posts = officials.select("official_id", "region_code", "role", "start_on", "end_on")
    heads = reach.join(
        posts.filter(pl.col("role").cast(pl.String).is_in(list(HEAD_ROLES))),
        left_on="ancestor_code",
        right_on="region_code",
        how="inner",
    ).with_columns(pl.col("ancestor_code").alias("region_code"))
    by_sector = reach.join(
        posts.join(coverage, on="official_id", how="inner"),
        left_on=["ancestor_code", "sector"],
        right_on=["region_code", "sector"],
        how="inner",
    ).with_columns(pl.col("ancestor_code").alias("region_code"))
    cols = [
        "accident_id",
        "official_id",
        "role",
        "region_code",
        "accident_region_code",
        "sector",
        "grade",
        "occurred_on",
        "deaths",
        "concealed",
        "start_on",
        "end_on",
    ]
    day = pl.col("occurred_on")
    return (
        pl.concat([heads.select(cols), by_sector.select(cols)])
        .filter(
            (pl.col("start_on").is_null() | (pl.col("start_on") <= day))
            & (pl.col("end_on").is_null() | (day <= pl.col("end_on")))
        )
        .unique(["accident_id", "official_id"])
        .drop("start_on", "end_on")
    )


def _stats(attributions: pl.LazyFrame) -> pl.LazyFrame:
    """Per official: attributed accidents, counts by grade-or-worse, concealed, fatal,
    with the accident ids behind each count."""
    ids = pl.col("accident_id")
    rank = pl.col("grade").to_physical()
    aggs: list[pl.Expr] = [
        pl.len().cast(pl.Int64).alias("accidents"),
        (pl.col("deaths") >= 1).sum().cast(pl.Int64).alias("fatal_accidents"),
        pl.col("concealed").sum().cast(pl.Int64).alias("concealed_accidents"),
        ids.filter(pl.col("deaths") >= 1).sort().alias("ids_fatal"),
        ids.filter(pl.col("concealed")).sort().alias("ids_concealed"),
    ]
    for i, _grade in enumerate(ACCIDENT_GRADES):
        aggs.append((rank >= i).sum().cast(pl.Int64).alias(f"n_ge_{i}"))
        aggs.append(ids.filter(rank >= i).sort().alias(f"ids_ge_{i}"))
    return (
        attributions.group_by("official_id")
        .agg(aggs)
        .with_columns(pl.col(f"n_ge_{ACCIDENT_GRADES.index('较大')}").alias("larger_accidents"))
    )


def _count_triggers(
    stats: pl.LazyFrame, params: RulesAt, registry: Registry = REGISTRY
) -> pl.LazyFrame:
    """One row per (official, condition met) among the records' count conditions."""
    parts: list[pl.LazyFrame] = []
    for rule in registry.of(SCORER):
        spec = rule.compute
        if not isinstance(spec, CountStep):
            continue
        for count_col, ids_col, what, n in spec.conditions(params):
            template = f"被归责{what} {{}} 起（≥{n} 起）→ {spec.step}"
            parts.append(
                stats.filter((pl.col(count_col) >= n) & (pl.col(count_col) > 0)).select(
                    pl.col("official_id"),
                    pl.lit(spec.step, STEP_DTYPE).alias("step"),
                    pl.lit(rule.id).alias("rule_id"),
                    formatted(template, pl.col(count_col)).alias("reason"),
                    pl.col(ids_col).alias("evidence"),
                    pl.lit(rule.basis(params)).alias("basis"),
                )
            )
    return pl.concat(parts, how="vertical")


def _sector_rise(
    accidents: pl.LazyFrame,
    anc: pl.LazyFrame,
    coverage: pl.LazyFrame,
    sector_officials: pl.LazyFrame,
    params: RulesAt,
    year: int,
) -> pl.LazyFrame:
    """黄牌警告 for a 分管负责人 / 部门负责人 whose sector's deaths over their region and
    below rose to ≥ min deaths and ≥ ratio × last year's."""
    min_deaths = params["dual_duty.sector_rise_min_deaths"]
    ratio = params["dual_duty.sector_rise_ratio"]
    exact = Fraction(str(ratio))
    by_region = (
        accidents.join(anc, on="region_code", how="inner")
        .group_by("ancestor_code", "sector")
        .agg(
            pl.col("counted").filter(pl.col("acc_year") == year).sum().cast(pl.Int64).alias("this"),
            pl.col("counted")
            .filter(pl.col("acc_year") == year - 1)
            .sum()
            .cast(pl.Int64)
            .alias("last"),
            pl.col("accident_id").sort().alias("ids"),
        )
    )
    rise_text = number_text((float(ratio) - 1) * 100)
    criterion = f"（≥{rise_text}% 且 ≥{number_text(min_deaths)} 人）→ {YELLOW_CARD}"
    prefix = (
        pl.when(pl.col("role").cast(pl.String) == _DEPUTY)
        .then(pl.lit("分管"))
        .otherwise(pl.lit("监管"))
    )
    rise = (pl.col("this") - pl.col("last")) * 100 / pl.col("last")
    change = (
        pl.when(pl.col("last") > 0)
        .then(formatted("上升 {}%", number(rise)))
        .otherwise(pl.lit("上年为 0"))
    )
    return (
        sector_officials.select("official_id", "region_code", "role")
        .join(coverage, on="official_id", how="inner")
        .join(
            by_region,
            left_on=["region_code", "sector"],
            right_on=["ancestor_code", "sector"],
            how="inner",
        )
        .filter(
            (pl.col("this") >= min_deaths)
            # this ≥ ratio × last, in integers: the ratio as written (1.1 → 11/10), so
            # that 55 against 50 is a rise of 10% although 50 × 1.1 > 55 in floats.
            & (pl.col("this") * exact.denominator >= pl.col("last") * exact.numerator)
        )
        .select(
            pl.col("official_id"),
            pl.lit(YELLOW_CARD, STEP_DTYPE).alias("step"),
            pl.lit("dual_duty.yellow_card.sector_rise").alias("rule_id"),
            formatted(
                "{}{}：本年死亡 {} 人，上年 {} 人，{}" + criterion,
                prefix,
                pl.col("sector").cast(pl.String),
                pl.col("this"),
                pl.col("last"),
                change,
            ).alias("reason"),
            pl.col("ids").alias("evidence"),
            pl.lit(REGISTRY["dual_duty.yellow_card.sector_rise"].basis(params)).alias("basis"),
        )
    )


def _requirements(params: RulesAt) -> pl.LazyFrame:
    value = params["dual_duty.duty_requirements"]
    rows = [(role, act, int(n)) for role, acts in value.items() for act, n in acts.items() if n > 0]
    return pl.LazyFrame(
        {
            "role": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "required": [r[2] for r in rows],
        },
        schema={"role": pl.String(), "activity": pl.String(), "required": pl.Int64()},
    )


def _required_roles(params: RulesAt) -> list[str]:
    value = params["dual_duty.duty_requirements"]
    return sorted(role for role, acts in value.items() if any(n > 0 for n in acts.values()))


def _duties(
    officials: pl.LazyFrame, records: pl.LazyFrame, params: RulesAt, year: int
) -> pl.LazyFrame:
    done = (
        records.filter(pl.col("year") == year)
        .group_by("official_id", pl.col("activity").cast(pl.String))
        .agg(pl.col("count").sum().cast(pl.Int64).alias("done"))
    )
    return (
        officials.select("official_id", pl.col("role").cast(pl.String))
        .join(_requirements(params), on="role", how="inner")
        .join(done, on=["official_id", "activity"], how="left")
        .with_columns(pl.col("done").fill_null(0))
        .with_columns(
            pl.min_horizontal(pl.col("done") / pl.col("required"), pl.lit(1.0)).alias("ratio")
        )
        .select(list(DUTY_SCHEMA))
    )


def _departments(
    officials: pl.LazyFrame, accidents: pl.LazyFrame, anc: pl.LazyFrame, dept_map: pl.LazyFrame
) -> pl.LazyFrame:
    members = officials.filter(pl.col("department").is_not_null())
    key = ["region_code", "department"]
    people = _sorted_mean(
        members.group_by(key),
        "fulfilment",
        "fulfilment",
        pl.len().cast(pl.Int64).alias("officials"),
        pl.col("step").cast(STEP_DTYPE).max().cast(pl.String),
        pl.col("evidence")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .alias("official_evidence"),
    )
    reasons = (
        members.select(
            *key,
            "official_id",
            "name",
            "reasons",
            pl.int_ranges(pl.col("reasons").list.len()).alias("_pos"),
        )
        .explode("reasons", "_pos")
        .drop_nulls("reasons")
        .group_by(key)
        .agg(
            # by official, then each official's own order (highest step first)
            formatted("{}（{}）：{}", "name", "official_id", "reasons")
            .sort_by("official_id", "_pos")
            .alias("reasons")
        )
    )
    regulated = (
        people.select(key)
        .join(dept_map, on="department", how="inner")
        .join(anc, left_on="region_code", right_on="ancestor_code", how="inner", suffix="_below")
        .join(
            accidents.select("accident_id", "region_code", "sector", "counted"),
            left_on=["region_code_below", "sector"],
            right_on=["region_code", "sector"],
            how="inner",
        )
        .unique([*key, "accident_id"])
        .group_by(key)
        .agg(
            pl.len().cast(pl.Int64).alias("accidents"),
            pl.col("counted").sum().cast(pl.Int64).alias("deaths"),
            pl.col("accident_id").alias("accident_ids"),
        )
    )
    return (
        people.join(reasons, on=key, how="left")
        .join(regulated, on=key, how="left")
        .with_columns(
            pl.col("accidents").fill_null(0),
            pl.col("deaths").fill_null(0),
            pl.col("reasons").fill_null(pl.lit([], _IDS)),
            pl.concat_list(
                pl.col("official_evidence").fill_null(pl.lit([], _IDS)),
                pl.col("accident_ids").fill_null(pl.lit([], _IDS)),
            )
            .list.unique()
            .list.sort()
            .alias("evidence"),
        )
        .select(list(DEPARTMENT_SCHEMA))
        .sort(key)
    )


def _tenure_overlaps(officials: pl.LazyFrame, first: dt.date, last: dt.date) -> pl.LazyFrame:
    """Pairs of officials whose tenures of one post overlap within the period: the same
    head role of a region; the 部门负责人 of one department of a region; two 分管负责人
    of a region whose portfolios share a sector.  (official_id, other_id, post, since,
    until), both directions; an empty tenure bound is open."""
    never, forever = dt.date(1, 1, 1), dt.date(9999, 12, 31)
    posts = officials.select(
        "official_id",
        "region_code",
        pl.col("role").cast(pl.String),
        pl.col("department").cast(pl.String).fill_null(""),
        pl.col("portfolio").cast(pl.List(pl.String)).fill_null([]),
        pl.max_horizontal(pl.col("start_on").fill_null(never), pl.lit(first)).alias("since"),
        pl.min_horizontal(pl.col("end_on").fill_null(forever), pl.lit(last)).alias("until"),
    ).filter(pl.col("since") <= pl.col("until"))
    other = posts.rename({c: f"{c}_b" for c in ("official_id", "portfolio", "since", "until")})
    pairs = posts.join(other, on=["region_code", "role", "department"], how="inner").filter(
        (pl.col("official_id") != pl.col("official_id_b"))
        & (pl.col("since") <= pl.col("until_b"))
        & (pl.col("since_b") <= pl.col("until"))
    )
    shared = pl.col("portfolio").list.set_intersection(pl.col("portfolio_b"))
    deputy = pl.col("role") == _DEPUTY
    return pairs.filter(~deputy | (shared.list.len() > 0)).select(
        "official_id",
        pl.col("official_id_b").alias("other_id"),
        formatted(
            "{}{}{}",
            "region_code",
            pl.col("role"),
            pl.when(deputy)
            .then(formatted("（{}）", shared.list.sort().list.join("、")))
            .when(pl.col("department") != "")
            .then(formatted("（{}）", "department"))
            .otherwise(pl.lit("")),
        ).alias("post"),
        pl.max_horizontal("since", "since_b").alias("since"),
        pl.min_horizontal("until", "until_b").alias("until"),
    )


def _overlap_warnings(overlaps: pl.LazyFrame) -> pl.LazyFrame:
    """One warning per pair (the lower id first): both still answer for the post."""
    return _warning(
        overlaps.filter(pl.col("official_id") < pl.col("other_id")).select(
            pl.lit("officials").alias("table"),
            pl.lit(None, pl.Int64).alias("row"),
            pl.lit("start_on").alias("column"),
            pl.lit("overlapping_tenure").alias("rule"),
            formatted(
                "{} 与 {} 同时担任 {}（{} 至 {}），两人均予归责，请核实任职起止日期 "
                "(overlapping tenures of one post: both are attributed)",
                "official_id",
                "other_id",
                "post",
                "since",
                "until",
            ).alias("message"),
            formatted("{}、{}", "official_id", "other_id").alias("value"),
        )
    )


def _overlap_items(overlaps: pl.LazyFrame, params: RulesAt) -> pl.LazyFrame:
    """A 0-point line item for each official in an overlap: 任职重叠（待核实）."""
    return (
        overlaps.group_by("official_id")
        .agg(
            formatted("与 {} 同时担任 {}（{} 至 {}）", "other_id", "post", "since", "until")
            .sort()
            .str.join("；")
            .alias("with"),
            pl.col("other_id").sort().alias("evidence"),
        )
        .select(
            pl.lit("official").alias("subject_type"),
            pl.col("official_id").alias("subject_id"),
            pl.lit(SCORER).alias("scorer"),
            pl.lit("dual_duty.tenure_overlap").alias("rule_id"),
            pl.lit(0.0).alias("points"),
            formatted("任职重叠（待核实）：{}；仍予归责", "with").alias("reason"),
            pl.lit(REGISTRY["dual_duty.tenure_overlap"].basis(params)).alias("basis"),
            pl.col("evidence").cast(_IDS),
        )
    )


def _unknown_departments(officials: pl.LazyFrame, dept_map: pl.LazyFrame) -> pl.LazyFrame:
    known = dept_map.select("department").unique().collect()["department"].implode()
    dept = pl.col("department")
    unknown = officials.filter(dept.is_not_null() & ~dept.is_in(known)).select(
        pl.lit("officials").alias("table"),
        pl.lit(None, pl.Int64).alias("row"),
        pl.lit("department").alias("column"),
        pl.lit("unknown_department").alias("rule"),
        formatted(
            "干部 {}（{}）的部门“{}”不在规则库行业领域与部门对照表 sectors.departments 中，"
            "不据此部门归责 (department unknown to the rulebook's map)",
            "official_id",
            pl.col("role").cast(pl.String),
            dept,
        ).alias("message"),
        dept.alias("value"),
    )
    missing = officials.filter(
        dept.is_null() & (pl.col("role").cast(pl.String) == _DEPARTMENT_HEAD)
    ).select(
        pl.lit("officials").alias("table"),
        pl.lit(None, pl.Int64).alias("row"),
        pl.lit("department").alias("column"),
        pl.lit("missing_department").alias("rule"),
        formatted(
            "部门负责人 {} 未填部门，不按部门归责任何事故 (department head without a department)",
            "official_id",
        ).alias("message"),
        pl.lit(None, pl.String).alias("value"),
    )
    return _warning(pl.concat([unknown, missing]))


def _line_items(
    officials: pl.LazyFrame,
    triggers: pl.LazyFrame,
    notes: list[pl.LazyFrame],
    duties: pl.LazyFrame,
    departments: pl.LazyFrame,
    params: RulesAt,
    dept_map: pl.LazyFrame,
) -> pl.LazyFrame:
    duty_basis = REGISTRY["dual_duty.duty"].basis(params)
    official = {"subject_type": pl.lit("official"), "scorer": pl.lit(SCORER), "points": pl.lit(0.0)}
    steps = [
        t.select(
            pl.col("official_id").alias("subject_id"),
            "rule_id",
            "reason",
            "basis",
            "evidence",
            **official,
        )
        for t in [triggers, *notes]
    ]
    duty_items = duties.select(
        pl.col("official_id").alias("subject_id"),
        formatted("dual_duty.duty.{}", "activity").alias("rule_id"),
        formatted(
            "{} 完成 {} 次 / 要求 {} 次 ({}%)",
            "activity",
            "done",
            "required",
            number(pl.col("ratio") * 100),
        ).alias("reason"),
        pl.lit(duty_basis).alias("basis"),
        **official,
    )
    fulfilment_items = officials.filter(pl.col("fulfilment").is_not_null()).select(
        pl.col("official_id").alias("subject_id"),
        pl.lit("dual_duty.fulfilment").alias("rule_id"),
        formatted(
            "年度履职完成率 {}%（各项要求完成比例之平均，每项至多 100%）",
            number(pl.col("fulfilment") * 100),
        ).alias("reason"),
        pl.lit(duty_basis).alias("basis"),
        **official,
    )
    dept = {
        "subject_type": pl.lit("department"),
        "scorer": pl.lit(SCORER),
        "points": pl.lit(0.0),
        "subject_id": formatted("{}:{}", "region_code", "department"),
    }
    sectors = dept_map.group_by("department").agg(
        pl.col("sector").sort().cast(pl.String).str.join("、").alias("sectors")
    )
    dept_steps = departments.filter(pl.col("step").is_not_null()).select(
        pl.lit("dual_duty.department.step").alias("rule_id"),
        formatted(
            "本部门领导干部最高问责步骤：{}；{}", "step", pl.col("reasons").list.join("；")
        ).alias("reason"),
        pl.lit(REGISTRY["dual_duty.department.step"].basis(params)).alias("basis"),
        "evidence",
        **dept,
    )
    dept_accidents = departments.join(sectors, on="department", how="inner").select(
        pl.lit("dual_duty.department.accidents").alias("rule_id"),
        formatted(
            "监管行业领域（{}）本级及下级本年事故 {} 起，死亡 {} 人",
            "sectors",
            "accidents",
            "deaths",
        ).alias("reason"),
        pl.lit(REGISTRY["dual_duty.department.accidents"].basis(params)).alias("basis"),
        "evidence",
        **dept,
    )
    dept_fulfilment = departments.filter(pl.col("fulfilment").is_not_null()).select(
        pl.lit("dual_duty.department.fulfilment").alias("rule_id"),
        formatted(
            "本部门领导干部 {} 人，年度履职完成率平均 {}%",
            "officials",
            number(pl.col("fulfilment") * 100),
        ).alias("reason"),
        pl.lit(duty_basis).alias("basis"),
        **dept,
    )
    return (
        concat_line_items(
            *steps, duty_items, fulfilment_items, dept_steps, dept_accidents, dept_fulfilment
        )
        .select(list(LINE_ITEM_SCHEMA))
        .sort(_ITEM_ORDER, maintain_order=True)
    )
