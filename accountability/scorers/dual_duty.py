"""一岗双责 (one post, two duties; 党政同责): who answers for each accident, the
accountability step each official has reached, and how fully each has performed
the duties the rulebook requires.

Source: 《地方党政领导干部安全生产责任制规定》(2018); the numbers are the rulebook's
`dual_duty.*` parameters and the sector → department map `sectors.departments`;
the steps are the records of `accountability.rules.dual_duty`.

Attribution: an accident in region R and sector S (a 责任事故: `liability` true)
reaches, among the officials in post on its date,
- the 党委主要负责人, 政府主要负责人 and 政府分管安全生产的领导干部 of R and of every
  region above R;
- each 分管负责人 and 党委常委会其他成员 of those regions whose portfolio includes S;
- each 部门负责人 of those regions whose department regulates S
(`accountability.scorers.officials_posts`, which also gives each official's required
duties, by role and the level of their region).

An official answers for the accidents of their tenure after leaving the post
(第二十四条: transfer, promotion or retirement do not end the liability): tenure
decides which accidents reach an official, the period which are counted.

Steps for people are 约谈 → 通报 → 问责建议.  问责建议 is a proposal, not 问责: 问责
(第十八条) is a decision people take on an investigation's findings.  An accident with
any row in `responsibility_findings` is investigated: the 问责建议 conditions count it
for exactly the officials found 领导责任, 主要领导责任 or 重要领导责任 who had not fully
performed their duties (第二十三条), attributed or not; the attributed officials not
named, or named 无责任, do not count it.  A finding with `remedial_action` keeps the
step and says 可从轻（第二十二条）.  Without findings, attribution by post and
portfolio is a pre-screen (拟追责范围（归责预筛）), and the reason says so.  Findings
change only the 问责建议 conditions, never 约谈 or 通报.

Readings chosen here:
- A grade-count condition ``{grade = n}`` counts attributed accidents of that grade
  or worse; several entries in one parameter are alternatives (any one applies).
  A count condition needs at least one accident, whatever `n` says.
- `step_basis` is 调查认定 when an accident behind the official's highest step
  carries a finding of leadership responsibility on that official that holds (not
  `fully_performed`), else 归责预筛; null without a step.
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
- An official the rulebook requires nothing of (by role, and by level where the
  rulebook says so) has fulfilment null (not assessed); an activity whose
  requirement is 0 is not required.
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

from fractions import Fraction
from typing import Any

import attrs
import polars as pl

from accountability.accidents import counted_deaths, grade_accidents
from accountability.arguments import as_dataset, as_rulebook, as_year
from accountability.codes import (
    ACCIDENT_GRADES,
    ACCOUNTABILITY_STEPS,
    FINDINGS,
    STEP_BASES,
)
from accountability.columns import TABLES, with_optional_columns
from accountability.dataset import WARNINGS_SCHEMA, Dataset, as_warnings, warning
from accountability.dates import default_year
from accountability.engine import ENGINE
from accountability.lineitems import LINE_ITEM_SCHEMA, SORT_KEY, concat_line_items
from accountability.outputs import OUTPUTS
from accountability.regions import ancestors
from accountability.rulebook import Rulebook, RulesAt
from accountability.rules.conditions import in_population
from accountability.rules.dual_duty import CountStep
from accountability.rules.model import Context, Registry, Rule
from accountability.rules.registry import REGISTRY
from accountability.scorers import officials_posts as posts
from accountability.scorers.summons import summons_events, summons_posts
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

SUMMONS, NOTICE, PROPOSAL = ACCOUNTABILITY_STEPS  # 约谈, 通报, 问责建议
FOUND, SCREENED = STEP_BASES  # 调查认定, 归责预筛
# the findings of leadership responsibility (第十八条); the last, 无责任, clears
LEADERSHIP_FINDINGS: tuple[str, ...] = FINDINGS[:3]
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
    - `summons_events`: the 约谈 and 通报 events of the period (OUTPUTS["summons_events"]),
      one row per event and official summoned.
    """

    officials: pl.DataFrame
    departments: pl.DataFrame
    duties: pl.DataFrame
    attributions: pl.DataFrame
    line_items: pl.DataFrame
    warnings: pl.DataFrame
    year: int = 0
    summons_events: pl.DataFrame = attrs.field(
        factory=lambda: pl.DataFrame(schema=OUTPUTS["summons_events"].dtypes)
    )

    def __repr__(self) -> str:
        from accountability import display

        return display.text(self)

    def _repr_html_(self) -> str:
        from accountability import display

        return display.html(self)


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
        all_accidents.select(previous.within("occurred_on").any()).collect(engine=ENGINE).item()
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
        .collect(engine=ENGINE)
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
        .collect(engine=ENGINE)
        .lazy()
    )  # small; collected once so that each use does not re-plan it

    dept_map = _department_map(params)
    # the sectors each official answers for in their own region (every sector for the
    # heads and the 政府分管安全生产的领导干部)
    coverage = posts.coverage(officials, dept_map, regions).select("official_id", "sector")
    accidents_now = accidents.filter(pl.col("acc_year") == year)
    # attributed over both periods: a summons window that ends early in this period
    # reaches back into the last one
    attributed = _attribute(accidents, anc, officials, coverage).collect(engine=ENGINE).lazy()
    attributions = attributed.filter(ctx.within("occurred_on"))
    summoned = summons_events(
        attributed,
        accidents.join(anc, on="region_code", how="inner").select(
            "accident_id", "ancestor_code", "sector", "grade", "occurred_on", "counted"
        ),
        summons_posts(officials, coverage),
        posts.region_levels(regions),
        ctx,
        history=data.get("summons_history"),
        targets=data.get("targets"),
        as_of=data.as_of,
    )
    events = summoned.events.collect(engine=ENGINE).lazy()

    stats = _stats(attributions)
    findings = _findings(data.get("responsibility_findings"))
    held = _held_findings(findings)
    proposal_stats = _stats(_proposal_rows(attributions, accidents_now, findings), found=True)
    triggers = [
        _event_triggers(events),
        _count_triggers(stats, params, (NOTICE,)),
        _proposal_triggers(proposal_stats, params),
    ]
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
    trig = pl.concat(triggers, how="vertical").collect(engine=ENGINE).lazy()

    requirements = posts.requirements(params, officials, regions).collect(engine=ENGINE)
    required = requirements.select("official_id").unique()
    duties = _duties(requirements.lazy(), raw_records.lazy(), year)
    fulfilment = _sorted_mean(duties.group_by("official_id"), "ratio", "fulfilment")
    basis = _step_basis(trig, held)
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
        .join(basis, on="official_id", how="left")
        .join(stats, on="official_id", how="left")
        .with_columns(
            # A role with requirements and no records has done nothing: 0.
            pl.when(pl.col("official_id").is_in(required["official_id"].implode()))
            .then(pl.col("fulfilment").fill_null(0.0))
            .otherwise(pl.col("fulfilment"))
            .alias("fulfilment"),
            pl.col("step").cast(pl.String),
            pl.when(pl.col("step").is_not_null())
            .then(pl.col("step_basis").fill_null(SCREENED))
            .alias("step_basis"),
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

    departments = _departments(officials_out, accidents_now, anc, dept_map)

    overlaps = posts.tenure_overlaps(officials, first, last).collect(engine=ENGINE).lazy()
    items = pl.concat(
        [
            _line_items(officials_out, trig, rise_items, duties, departments, params, dept_map),
            _overlap_items(overlaps, params),
        ]
    ).sort(_ITEM_ORDER, maintain_order=True)
    warnings = pl.concat(
        [_warning(n) for n in notes]
        + [
            _unknown_departments(officials, dept_map),
            _overlap_warnings(overlaps),
            summoned.warnings.select(list(WARNINGS_SCHEMA)),
        ]
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
            events,
        ],
        engine=ENGINE,
    )
    return DualDutyResult(*out[:-1], year=year, summons_events=out[-1])


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


def _attribute(
    accidents: pl.LazyFrame, anc: pl.LazyFrame, officials: pl.LazyFrame, coverage: pl.LazyFrame
) -> pl.LazyFrame:
    """accidents × regions at or above × officials covering the accident's sector there
    (`coverage`: every sector for the heads), within tenure on the accident's day."""
    reach = accidents.select(
        "accident_id",
        pl.col("region_code").alias("accident_region_code"),
        "sector",
        "grade",
        "occurred_on",
        pl.col("counted").alias("deaths"),
        "concealed",
    ).join(anc, left_on="accident_region_code", right_on="region_code", how="inner")
    tenures = officials.select("official_id", "region_code", "role", "start_on", "end_on")
    by_sector = reach.join(
        tenures.join(coverage, on="official_id", how="inner"),
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
        by_sector.select(cols)
        .filter(
            (pl.col("start_on").is_null() | (pl.col("start_on") <= day))
            & (pl.col("end_on").is_null() | (day <= pl.col("end_on")))
        )
        .unique(["accident_id", "official_id"])
        .drop("start_on", "end_on")
    )


def _findings(frame: pl.DataFrame | None) -> pl.LazyFrame:
    """The `responsibility_findings` rows (empty without the table), optional columns
    at their defaults; a flag left empty reads as false."""
    table = "responsibility_findings"
    lf = (frame if frame is not None else _empty_table(table)).lazy()
    return with_optional_columns(lf, table).select(
        "accident_id",
        "official_id",
        pl.col("finding").cast(pl.String),
        pl.col("fully_performed").fill_null(False),
        pl.col("remedial_action").fill_null(False),
    )


def _held_findings(findings: pl.LazyFrame) -> pl.LazyFrame:
    """The findings that hold (accident_id, official_id, finding, remedial_action): a
    leadership responsibility (第十八条) on an official who had not fully performed the
    duties (第二十三条)."""
    return findings.filter(
        pl.col("finding").is_in(list(LEADERSHIP_FINDINGS)) & ~pl.col("fully_performed")
    ).select("accident_id", "official_id", "finding", "remedial_action")


def _proposal_rows(
    attributions: pl.LazyFrame, accidents: pl.LazyFrame, findings: pl.LazyFrame
) -> pl.LazyFrame:
    """The (accident, official) rows the 问责建议 conditions count: the attributions of
    accidents nobody investigated (pre-screen, `finding` null), and for investigated
    accidents (any findings row) the findings that hold, whether or not attribution
    reached the official; `accidents` are the period's graded accidents."""
    investigated = findings.select("accident_id").unique()
    screened = attributions.join(investigated, on="accident_id", how="anti").select(
        "accident_id",
        "official_id",
        "grade",
        "deaths",
        "concealed",
        pl.lit(None, pl.String).alias("finding"),
        pl.lit(False).alias("remedial_action"),
    )
    found = (
        _held_findings(findings)
        .join(
            accidents.select(
                "accident_id", "grade", pl.col("counted").alias("deaths"), "concealed"
            ),
            on="accident_id",
            how="inner",
        )
        .select(screened.collect_schema().names())
    )
    return pl.concat([screened, found], how="vertical")


def _stats(attributions: pl.LazyFrame, *, found: bool = False) -> pl.LazyFrame:
    """Per official: attributed accidents, counts by grade-or-worse, concealed, fatal,
    with the accident ids behind each count.  With `found` (rows carrying `finding`
    and `remedial_action`, from `_proposal_rows`), also for each ids column
    ``ids_<x>`` the findings behind it, ``found_<x>`` ("A1（主要领导责任）"), and whether
    any of them may be lightened, ``remedial_<x>``."""
    ids = pl.col("accident_id")
    rank = pl.col("grade").to_physical()
    fatal, concealed = pl.col("deaths") >= 1, pl.col("concealed")
    aggs: list[pl.Expr] = [
        pl.len().cast(pl.Int64).alias("accidents"),
        fatal.sum().cast(pl.Int64).alias("fatal_accidents"),
        concealed.sum().cast(pl.Int64).alias("concealed_accidents"),
    ]
    counted: dict[str, pl.Expr] = {"fatal": fatal, "concealed": concealed}
    for i, _grade in enumerate(ACCIDENT_GRADES):
        aggs.append((rank >= i).sum().cast(pl.Int64).alias(f"n_ge_{i}"))
        counted[f"ge_{i}"] = rank >= i
    for suffix, condition in counted.items():
        aggs.append(ids.filter(condition).sort().alias(f"ids_{suffix}"))
        if found:
            held = condition & pl.col("finding").is_not_null()
            aggs.append(
                formatted("{}（{}）", ids, "finding").filter(held).sort().alias(f"found_{suffix}")
            )
            aggs.append((pl.col("remedial_action") & held).any().alias(f"remedial_{suffix}"))
    return (
        attributions.group_by("official_id")
        .agg(aggs)
        .with_columns(pl.col(f"n_ge_{ACCIDENT_GRADES.index('较大')}").alias("larger_accidents"))
    )


def _conditions(
    params: RulesAt, steps: tuple[str, ...], registry: Registry
) -> list[tuple[Rule, str, str, str, int]]:
    """(record, count column, ids column, what, at least) for each count condition of
    the `CountStep` records whose step is in `steps`."""
    out = []
    for rule in registry.of(SCORER):
        spec = rule.compute
        if isinstance(spec, CountStep) and spec.step in steps:
            out += [(rule, *c) for c in spec.conditions(params)]
    return out


def _met(stats: pl.LazyFrame, rule: Rule, count: str, n: int, params: RulesAt) -> pl.LazyFrame:
    """The officials of `stats` meeting ``count ≥ n`` (and at least one accident),
    with the step, id and basis of `rule` (a `CountStep` record) beside them."""
    return stats.filter((pl.col(count) >= n) & (pl.col(count) > 0)).with_columns(
        pl.lit(rule.compute.step, STEP_DTYPE).alias("step"),
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.basis(params)).alias("basis"),
    )


def _count_triggers(
    stats: pl.LazyFrame,
    params: RulesAt,
    steps: tuple[str, ...] = ACCOUNTABILITY_STEPS,
    registry: Registry = REGISTRY,
) -> pl.LazyFrame:
    """One row per (official, condition met) among the count conditions of the records
    whose step is in `steps`: (official_id, step, rule_id, reason, evidence, basis)."""
    parts: list[pl.LazyFrame] = [_no_triggers()]
    for rule, count_col, ids_col, what, n in _conditions(params, steps, registry):
        template = f"被归责{what} {{}} 起（≥{n} 起）→ {rule.compute.step}"
        parts.append(
            _met(stats, rule, count_col, n, params).select(
                "official_id",
                "step",
                "rule_id",
                formatted(template, pl.col(count_col)).alias("reason"),
                pl.col(ids_col).alias("evidence"),
                "basis",
            )
        )
    return pl.concat(parts, how="vertical")


def _no_triggers() -> pl.LazyFrame:
    return pl.LazyFrame(
        schema={
            "official_id": pl.String(),
            "step": STEP_DTYPE,
            "rule_id": pl.String(),
            "reason": pl.String(),
            "evidence": _IDS,
            "basis": pl.String(),
        }
    )


def _event_triggers(events: pl.LazyFrame) -> pl.LazyFrame:
    """Trigger rows from summons events (OUTPUTS["summons_events"] rows: one per event
    and official): each event naming an official is a 约谈 or 通报 of that official,
    with the event's rule, reason, evidence and basis."""
    return events.filter(pl.col("official_id").is_not_null()).select(
        pl.col("official_id"),
        pl.col("step").cast(pl.String).cast(STEP_DTYPE),
        pl.col("rule_id"),
        pl.col("reason"),
        pl.col("evidence").cast(_IDS),
        pl.col("basis"),
    )


def _proposal_triggers(
    stats: pl.LazyFrame, params: RulesAt, registry: Registry = REGISTRY
) -> pl.LazyFrame:
    """The 问责建议 rows, counted over `_proposal_rows` (stats with `found`): each reason
    says what stands behind it — the findings of leadership responsibility (第十八条,
    with 可从轻（第二十二条） where a finding says so), or 拟追责范围（归责预筛） where
    only attribution does."""
    parts: list[pl.LazyFrame] = [_no_triggers()]
    for rule, count_col, ids_col, what, n in _conditions(params, (PROPOSAL,), registry):
        suffix = ids_col.removeprefix("ids_")
        count, found = pl.col(count_col), pl.col(f"found_{suffix}")
        k = found.list.len()
        facts = (
            pl.when(k == 0)
            .then(formatted(f"被归责{what} {{}} 起（≥{n} 起），拟追责范围（归责预筛）", count))
            .otherwise(
                formatted(
                    f"{what} {{}} 起（≥{n} 起），经调查认定负有领导责任（第十八条）{{}} 起：{{}}",
                    count,
                    k,
                    found.list.join("、"),
                )
            )
        )
        rest = (
            pl.when((k > 0) & (count > k))
            .then(formatted("；其余 {} 起为拟追责范围（归责预筛）", count - k))
            .otherwise(pl.lit(""))
        )
        relief = (
            pl.when(pl.col(f"remedial_{suffix}"))
            .then(pl.lit("，可从轻（第二十二条）"))
            .otherwise(pl.lit(""))
        )
        parts.append(
            _met(stats, rule, count_col, n, params).select(
                "official_id",
                "step",
                "rule_id",
                pl.concat_str([facts, rest, relief, pl.lit(f"→ {PROPOSAL}")]).alias("reason"),
                pl.col(ids_col).alias("evidence"),
                "basis",
            )
        )
    return pl.concat(parts, how="vertical")


def _step_basis(triggers: pl.LazyFrame, held: pl.LazyFrame) -> pl.LazyFrame:
    """(official_id, step_basis) for each official with a step: 调查认定 where an
    accident behind a condition of the highest step carries a finding on the official
    that holds, else 归责预筛."""
    top = triggers.filter(pl.col("step") == pl.col("step").max().over("official_id"))
    found = (
        top.select("official_id", pl.col("evidence").alias("accident_id"))
        .explode("accident_id")
        .join(held.select("accident_id", "official_id"), on=["accident_id", "official_id"])
        .select("official_id")
        .unique()
        .with_columns(pl.lit(True).alias("found"))
    )
    return (
        top.select("official_id")
        .unique()
        .join(found, on="official_id", how="left")
        .select(
            "official_id",
            pl.when(pl.col("found").fill_null(False))
            .then(pl.lit(FOUND))
            .otherwise(pl.lit(SCREENED))
            .alias("step_basis"),
        )
    )


def _sector_rise(
    accidents: pl.LazyFrame,
    anc: pl.LazyFrame,
    coverage: pl.LazyFrame,
    sector_officials: pl.LazyFrame,
    params: RulesAt,
    year: int,
) -> pl.LazyFrame:
    """通报 for a 分管负责人 / 部门负责人 whose sector's deaths over their region and
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
    criterion = f"（≥{rise_text}% 且 ≥{number_text(min_deaths)} 人）→ {NOTICE}"
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
            pl.lit(NOTICE, STEP_DTYPE).alias("step"),
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


def _duties(requirements: pl.LazyFrame, records: pl.LazyFrame, year: int) -> pl.LazyFrame:
    """Per official × required activity (`officials_posts.requirements`): done in the
    year, required, and their ratio capped at 1."""
    done = (
        records.filter(pl.col("year") == year)
        .group_by("official_id", pl.col("activity").cast(pl.String))
        .agg(pl.col("count").sum().cast(pl.Int64).alias("done"))
    )
    return (
        requirements.join(done, on=["official_id", "activity"], how="left")
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
    known = dept_map.select("department").unique().collect(engine=ENGINE)["department"].implode()
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
