"""What-if: the fewest actions within a region's own control that lift it to the next
grade of the annual assessment (年度目标管理考核).

`what_if(assessment, "430971")` (or ``assessment.what_if("430971")``) answers: which
actions, and how many, would have given the region the next better grade — or why
none would: a veto, a grade cap, a committee decision, or not enough to act on.

The actions are the unit actions the region controls (one unit each):

- 隐患按期整改销号 (``hazards``): one hazard rectified, and accepted and cancelled, by
  its effective deadline — what C1 (一般隐患按期整改), C3 (挂牌督办按期销号) and C4
  (到期未整改重大隐患) count;
- 案件措施到位 (``cases``): one mandatory 四个一律 measure taken on a case that lacks
  it (B1); a case lacking two measures needs both, two units, before it counts;
- 工作目标完成 (``work_items``): one work item brought to its target (E2);
- 补齐履职记录 (``duty_records``): one more occurrence of a duty an official owes
  (D1 averages the officials' fulfilment).

How the gain of an action is found.  Each action changes rows of one table (the
hazard's dates, the case's compliance, the item's achieved value, the official's
fulfilment).  Every `Count` and `Share` record of the registry that reads that table
and adds line items is evaluated on the region's rows (its own and those below it)
before and after the change, with the record's own conditions; a row's gain is the
change of its share of the rule's points: ``points × Δvalue ÷ n`` for a share (its
denominator n does not move: an action never changes what is counted), ``points per
row × Δcount`` for a count.  A row's gains add up over the rules it touches (a 挂牌
重大隐患 overdue at the year's end counts for C3 and C4).  Shares and counts are linear
in their rows, so these gains add up exactly: the rule's points after any set of
actions are its points now plus the gains of those actions.

How the gains reach the score.  A section's deductions are capped at its weight; an
action in a section whose deductions exceed the weight by E (the ``X.cap`` line item)
first wins back that excess: the section gains max(0, R − E) for raw gains R.  The
section totals are rescaled (``base ÷ assessed weight`` where sections are not
assessed), the committee adjustments stay, and the total is clipped to [0, base]:
score = clip(T + r × Σ_s max(0, R_s − E_s)), with T the total before the clip now.
The grade then follows from the grade bands, the grade cap (an accident of
``annual.grade_cap_accident_grade`` or worse), the committee's grade_down and
``annual.veto_if_grade``, exactly as the assessment decides it; the target score is
the least band minimum that yields the next grade after those decisions.  An accident
veto, or a cap or decision that keeps the grade down whatever the score, is reported
with its rule, reason and basis: no action changes accidents.

How the fewest actions are found (no subset is ever re-scored).  Within a section,
actions of equal cost c are best taken in decreasing order of gain, so g_c(k), the
most raw points k units buy among them, is the sum of the ⌊k ÷ c⌋ largest gains.
The section's best for k units, F_s(k), combines its cost classes by a max-plus
convolution (every split of k between them); the section then gives
h_s(k) = max(0, F_s(k) − E_s), and the region's best for K units, H(K), combines the
sections the same way.  H is exact (every allocation of K units is among the splits)
and non-decreasing, so the least K with clip(T + r × H(K)) ≥ target score is the
fewest actions, and among the sets of that size H(K) is the most points (the tie rule).
The splits are followed back to the actions: per cost class, the largest gains.  The
convolutions run on K ≤ a bound that grows fourfold until the target is met (the
target is first checked against every action at once), so the work grows with the
answer, not with the number of rows.  Only the named region's grade is the goal: its
actions may change the grades of the regions above it, which are not considered.

>>> import accountability as acc                                   # doctest: +SKIP
>>> result = acc.assess(acc.load_dataset("fixtures/yiyang-2024"), year=2024)  # doctest: +SKIP
>>> print(result.what_if("430971").to_text())                     # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import polars as pl

from accountability.dataset import Dataset
from accountability.engine import ENGINE
from accountability.regions import Hierarchy
from accountability.rulebook import Rulebook
from accountability.rules.conditions import deadline
from accountability.rules.four_musts import MEASURE_RULES
from accountability.rules.model import Context, Count, Registry, Rule, Share
from accountability.rules.registry import REGISTRY, rule_title
from accountability.scorers.annual.finishing import SECTIONS, _grade_downs
from accountability.scorers.annual.inputs import (
    accident_figures,
    frames,
    population_of,
    prepare_accidents,
)
from accountability.terminal import line_starts, visible
from accountability.wording import formatted, number, number_text

if TYPE_CHECKING:
    from accountability.assessment import Assessment

__all__ = [
    "ACTION_KINDS",
    "ACTION_SCHEMA",
    "BLOCK_SCHEMA",
    "CANDIDATE_SCHEMA",
    "WhatIf",
    "WhatIfInputs",
    "fewest_actions",
    "what_if",
]

#: The kind of each unit action, by the table it changes.
ACTION_KINDS: dict[str, str] = {
    "hazards": "隐患按期整改销号",
    "cases": "案件措施到位",
    "work_items": "工作目标完成",
    "duty_records": "补齐履职记录",
}

#: The actions of a `WhatIf`, in the order their points are counted: `kind` (Chinese),
#: the `table` it changes and the `row_id` there (hazard_id, case_id,
#: "region_code:item", "official_id:activity"), the row's `region_code`, what to do
#: (`detail`), `units` (unit actions), the rules it moves (`rule_id`, "C3、C4"), the
#: line-item points it wins back (`rule_points`), the points it adds to the score
#: after caps, rescale and clip (`points`), and the score once it and those before
#: it are taken (`score`).
ACTION_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(),
    "table": pl.String(),
    "row_id": pl.String(),
    "region_code": pl.String(),
    "detail": pl.String(),
    "units": pl.Int64(),
    "rule_id": pl.String(),
    "rule_points": pl.Float64(),
    "points": pl.Float64(),
    "score": pl.Float64(),
}

#: What keeps a region from the next grade: the rule, its reason and its basis.
BLOCK_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "reason": pl.String(),
    "basis": pl.String(),
}

#: One candidate action (`fewest_actions`): its id, the section its points go to, its
#: cost in unit actions and its raw gain (line-item points).
CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "row_id": pl.String(),
    "section": pl.String(),
    "cost": pl.Int64(),
    "gain": pl.Float64(),
}

# the tables `what_if` reads besides the assessment (those the dataset has)
_TABLES = ("hazards", "cases", "work_items", "accidents", "adjustments")
_TOLERANCE = 1e-9  # float noise allowed when a score is compared with a band minimum
_FIRST_BOUND = 32  # the first bound on K (unit actions) of the search; grows fourfold
_DETAILED = (*ACTION_SCHEMA, "section", "gain")


@attrs.frozen(eq=False)
class WhatIfInputs:
    """What `what_if` reads besides an assessment's frames, kept by `assess`: the
    rulebook, the input tables the actions change and the decisions read (hazards,
    cases, work_items, accidents, adjustments — the frames themselves, not copies),
    and the 一岗双责 duties (official × activity: done, required, ratio)."""

    rules: Rulebook
    tables: Mapping[str, pl.DataFrame]
    duties: pl.DataFrame

    @classmethod
    def of(cls, data: Dataset, rules: Rulebook, duties: pl.DataFrame) -> WhatIfInputs:
        tables = {name: data.table(name) for name in _TABLES if data.has(name)}
        return cls(rules=rules, tables=tables, duties=duties)


@attrs.frozen(eq=False)
class WhatIf:
    """The answer of `what_if` for one region.

    `score`/`grade` now; `target_grade` the next better grade (None at the top) and
    `target_score` the least score that gives it; `reachable` whether actions within
    the region's control get there, then `actions` (ACTION_SCHEMA: the fewest, the
    most points among those) and `score_after`/`grade_after` once they are taken;
    else `blocked_by` (BLOCK_SCHEMA: the veto, grade cap or decision that stands in
    the way), or, where every action the region controls falls short, `score_after`
    and `grade_after` with all of them taken; `note` says in Chinese why no such set
    exists.  `excess`: per section, the deductions beyond its weight that its actions
    first win back.
    """

    region_code: str
    name: str
    year: int
    score: float | None
    grade: str | None
    target_grade: str | None
    target_score: float | None
    reachable: bool
    actions: pl.DataFrame = attrs.field(factory=lambda: pl.DataFrame(schema=ACTION_SCHEMA))
    blocked_by: pl.DataFrame = attrs.field(factory=lambda: pl.DataFrame(schema=BLOCK_SCHEMA))
    score_after: float | None = None
    grade_after: str | None = None
    note: str = ""
    excess: Mapping[str, float] = attrs.field(factory=dict)

    @property
    def units(self) -> int:
        """The number of unit actions."""
        return int(self.actions["units"].sum()) if self.actions.height else 0

    def __repr__(self) -> str:
        now = f"{self.grade} {number_text(self.score)}"
        if self.target_grade is None:
            return f"WhatIf({self.region_code}: {now}, top grade)"
        if self.reachable:
            return (
                f"WhatIf({self.region_code}: {now} → {self.grade_after} "
                f"{number_text(self.score_after)}, {self.units} unit actions)"
            )
        rules = ", ".join(self.blocked_by["rule_id"].unique(maintain_order=True).to_list())
        return f"WhatIf({self.region_code}: {now}, {self.target_grade} not reachable" + (
            f": {rules})" if rules else ")"
        )

    def to_text(self, *, width: int | None = None) -> str:
        """The answer in Chinese: the grade now, the target, then the actions one per
        line with their rules and points, or what blocks the way.  Control characters
        from the data are shown as escapes; `width` wraps the lines."""
        return "\n".join(_wrap(visible(line), width) for line in _lines(self))


# --- the text -----------------------------------------------------------------------------


def _wrap(line: str, width: int | None) -> str:
    """`line` broken to `width` columns where Chinese and English text may break
    (`accountability.terminal.line_starts`), the lines after the first indented four
    columns more than it."""
    if not width or width < 20:
        return line
    indent = len(line) - len(line.lstrip(" "))
    body = line[indent:].rstrip(" ")
    first = line_starts(body, width - indent)
    if not first:
        return line[:indent] + body
    rest = body[first[0] :].lstrip(" ")
    bounds = [0, *line_starts(rest, width - indent - 4), len(rest)]
    pad = " " * (indent + 4)
    return "\n".join(
        [line[:indent] + body[: first[0]].rstrip(" ")]
        + [pad + rest[a:b].rstrip(" ") for a, b in itertools.pairwise(bounds)]
    )


def _n(value: float | None) -> str:
    return number_text(value)


def _lines(w: WhatIf) -> list[str]:
    head = f"{w.year} 年度 {w.region_code} {w.name}：得分 {_n(w.score)} 分，等次{w.grade or '—'}"
    if w.score is None:
        return [head, w.note]
    if w.target_grade is None:
        return [f"{head}。已是最高等次，没有更高的等次。"]
    if w.target_score is None:
        lines = [f"{head}；不能升至{w.target_grade}。"]
    else:
        lines = [
            f"{head}；升至{w.target_grade}须得分不低于 {_n(w.target_score)} 分"
            f"（差 {_n(w.target_score - w.score)} 分）。"
        ]
    for rule_id, reason, basis in w.blocked_by.iter_rows():
        lines.append(f"[{rule_title(rule_id)}] {reason}")
        if basis:
            lines.append(f"    依据：{basis}")
    if not w.reachable:
        return [*lines, w.note] if w.note else lines
    kinds = w.actions.group_by("kind", maintain_order=True).agg(pl.col("units").sum()).iter_rows()
    counted = "、".join(f"{kind} {units} 项" for kind, units in kinds)
    lines.append(
        f"最少 {w.units} 项行动（{counted}），得分升至 {_n(w.score_after)} 分，"
        f"等次{w.grade_after}："
    )
    for i, row in enumerate(w.actions.iter_rows(named=True), start=1):
        rules = f"{row['units']} 项，{row['rule_id']}" if row["units"] > 1 else row["rule_id"]
        if abs(row["points"] - row["rule_points"]) < 0.005:
            effect = f"+{_n(row['points'])}"
        else:  # within a section's cap
            effect = f"扣分减 {_n(row['rule_points'])}，得分 +{_n(row['points'])}"
        lines.append(
            f"  {i}. {row['kind']} {row['row_id']}（{rules}）：{effect} → {_n(row['score'])}"
        )
        lines.append(f"     {row['detail']}")
    used = set(w.actions["rule_id"].str.split("、").explode().str.slice(0, 1).to_list())
    for section, extra in w.excess.items():
        if extra > 0 and section in used:
            lines.append(
                f"注：{section} 部分扣分超过该部分分值 {_n(extra)} 分（封顶），该部分的行动"
                "先抵消超出部分，其后才增加得分。"
            )
    if w.note:
        lines.append(w.note)
    return lines


# --- the search -------------------------------------------------------------------------------


def _curve(gains: pl.Series, cost: int, bound: int) -> pl.DataFrame:
    """k (units, 0…bound) → g, the most points k units buy from actions of `cost`
    units each: the sum of the ⌊k ÷ cost⌋ largest `gains` (sorted, largest first)."""
    prefix = pl.concat([pl.Series([0.0]), gains.cast(pl.Float64).cum_sum()])
    top = min(bound, gains.len() * cost)
    k = pl.Series("k", range(top + 1), dtype=pl.Int64)
    return pl.DataFrame({"k": k, "g": prefix.gather(k // cost)})


def _combine(left: pl.DataFrame, right: pl.DataFrame, bound: int) -> pl.DataFrame:
    """The max-plus convolution: for each total k ≤ bound, the best split between the
    two curves (`kl`: the left part; ties to the larger left part)."""
    return (
        left.select(pl.col("k").alias("kl"), pl.col("g").alias("gl"))
        .join(right.select(pl.col("k").alias("kr"), pl.col("g").alias("gr")), how="cross")
        .filter(pl.col("kl") + pl.col("kr") <= bound)
        .select(
            (pl.col("kl") + pl.col("kr")).alias("k"), (pl.col("gl") + pl.col("gr")).alias("g"), "kl"
        )
        .sort(["k", "g", "kl"], descending=[False, True, True])
        .group_by("k", maintain_order=True)
        .first()
    )


def _fold(curves: Sequence[pl.DataFrame], bound: int) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """The best of all curves together, and the splits to follow back."""
    total = curves[0]
    splits = []
    for curve in curves[1:]:
        both = _combine(total, curve, bound)
        splits.append(both.select("k", "kl"))
        total = both.select("k", "g")
    return total, splits


def _unfold(k: int, splits: list[pl.DataFrame]) -> list[int]:
    """The units each curve of a `_fold` gets when the total is k."""
    parts = []
    for split in reversed(splits):
        left = int(split.filter(pl.col("k") == k)["kl"].item())
        parts.append(k - left)
        k = left
    parts.append(k)
    return parts[::-1]


def fewest_actions(
    candidates: pl.DataFrame, excess: Mapping[str, float], needed: float
) -> pl.DataFrame | None:
    """The fewest unit actions whose gains, through the section caps, reach `needed`
    points; the most points among the sets of that size.  None when even all of them
    fall short.

    `candidates` are CANDIDATE_SCHEMA rows (an action whose `cost` is c units gives its
    `gain` only once all c are taken); `excess` the deductions of each section beyond
    its weight, won back before a section gains anything.  A section gains
    max(0, Σ gains − excess); `needed` is the sum over sections to reach.  Returns the
    chosen rows, largest gain first within each section.

    >>> c = pl.DataFrame({"row_id": ["a", "b", "c"], "section": ["C", "C", "E"],
    ...     "cost": [1, 1, 1], "gain": [1.0, 1.0, 0.6]})
    >>> fewest_actions(c, {"C": 1.5}, 0.55)["row_id"].to_list()  # C's cap eats 1.5 first
    ['c']
    >>> fewest_actions(c, {"C": 1.5}, 1.0)["row_id"].to_list()   # 0.5 from C, 0.6 from E
    ['a', 'b', 'c']
    >>> fewest_actions(c, {"C": 1.5}, 1.2) is None
    True
    """
    cand = candidates.select([pl.col(c).cast(t) for c, t in CANDIDATE_SCHEMA.items()]).filter(
        pl.col("gain") > 0
    )
    if needed <= _TOLERANCE:
        return cand.clear()
    sections = sorted(cand["section"].unique().to_list(), key=_section_key)
    totals = dict(cand.group_by("section").agg(pl.col("gain").sum()).iter_rows())
    if sum(max(0.0, totals[s] - excess.get(s, 0.0)) for s in sections) < needed - _TOLERANCE:
        return None
    # per section, its cost classes, each largest gain first (ties: by id)
    classes: dict[str, list[pl.DataFrame]] = {}
    for s in sections:
        of = cand.filter(pl.col("section") == s)
        classes[s] = [
            of.filter(pl.col("cost") == c).sort(["gain", "row_id"], descending=[True, False])
            for c in sorted(of["cost"].unique().to_list())
        ]
    bound = _FIRST_BOUND
    total_units = int((cand["cost"]).sum())
    while True:
        bound = min(bound, total_units)
        section_curves, section_splits = [], []
        for s in sections:
            curves = [_curve(c["gain"], int(c["cost"][0]), bound) for c in classes[s]]
            best, splits = _fold(curves, bound)
            section_splits.append(splits)
            lifted = pl.max_horizontal(pl.lit(0.0), pl.col("g") - excess.get(s, 0.0))
            section_curves.append(best.with_columns(lifted.alias("g")))
        total, splits = _fold(section_curves, bound)
        enough = total.filter(pl.col("g") >= needed - _TOLERANCE)
        if enough.height:
            break
        if bound >= total_units:  # cannot happen after the check above, but never loop
            return None
        bound *= 4
    k = int(enough["k"].min())  # type: ignore[arg-type]
    chosen = []
    for s, units, inner in zip(sections, _unfold(k, splits), section_splits, strict=True):
        for of, part in zip(classes[s], _unfold(units, inner), strict=True):
            chosen.append(of.head(part // int(of["cost"][0])))
    order = {s: i for i, s in enumerate(sections)}
    return (
        pl.concat(chosen)
        .with_columns(pl.col("section").replace_strict(order, return_dtype=pl.Int64).alias("_s"))
        .sort(["_s", "gain", "row_id"], descending=[False, True, False])
        .drop("_s")
    )


def _section_key(section: str) -> int:
    return SECTIONS.index(section) if section in SECTIONS else len(SECTIONS)


# --- gains, from the rules -------------------------------------------------------------------


def _adds_items(rule: Rule, ctx: Context) -> bool:
    spec = rule.compute
    return rule.kind != "metric" or (spec is not None and ctx[spec.points] != 0)


def _rows(spec: Count | Share, tables: Mapping[str, pl.LazyFrame], ctx: Context) -> pl.LazyFrame:
    return spec.rows(tables, ctx) if spec.rows is not None else tables[spec.table]


def _rule_gains(
    rule: Rule,
    before: Mapping[str, pl.LazyFrame],
    after: Mapping[str, pl.LazyFrame],
    ctx: Context,
    subtree: pl.LazyFrame,
) -> pl.LazyFrame:
    """Per row id: the points `rule` wins back when its table changes from `before`
    to `after`, over the region's rows (`subtree`: the region and those below)."""
    spec = rule.compute
    key = spec.id_column

    def rows(tables: Mapping[str, pl.LazyFrame]) -> pl.LazyFrame:
        return _rows(spec, tables, ctx).join(subtree, on="region_code", how="semi")

    if isinstance(spec, Count):
        each = float(ctx[spec.points])
        counted = spec.when(ctx).fill_null(False).cast(pl.Int64).sum()
        now = rows(before).group_by(key).agg(counted.alias("b"))
        then = rows(after).group_by(key).agg(counted.alias("a"))
        gain = (pl.col("b").fill_null(0) - pl.col("a").fill_null(0)) * each
    else:
        if spec.target is not None:
            raise ValueError(
                f"what_if: rule {rule.id} (a share with a target) reads table {spec.table!r} "
                "that an action changes; its gains are not per row"
            )
        base = float(ctx[spec.points])
        counted = spec.counted(ctx).fill_null(False)
        value = pl.when(counted).then(spec.value(ctx).cast(pl.Float64).fill_null(0.0))
        agg = [counted.cast(pl.Int64).sum().alias("n"), value.otherwise(0.0).sum().alias("v")]
        now = rows(before).group_by(key).agg(agg).rename({"n": "nb", "v": "b"})
        then = rows(after).group_by(key).agg(agg).rename({"n": "na", "v": "a"})
        n = pl.col("nb").sum()
        gain = pl.when(n > 0).then((pl.col("a").fill_null(0) - pl.col("b").fill_null(0)) * base / n)
    joined = now.join(then, on=key, how="full", coalesce=True)
    if isinstance(spec, Share):
        moved = joined.filter(pl.col("na").fill_null(0) != pl.col("nb").fill_null(0))
        if moved.select(pl.len()).collect(engine=ENGINE).item():
            raise ValueError(
                f"what_if: an action changes which rows rule {rule.id} counts (table "
                f"{spec.table!r}); its gains are not per row"
            )
    return joined.select(
        pl.col(key).cast(pl.String).alias("row_id"),
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.section).alias("section"),
        gain.fill_null(0.0).alias("gain"),
    ).filter(pl.col("gain") != 0)


def _table_gains(
    table: str,
    before: Mapping[str, pl.LazyFrame],
    after: Mapping[str, pl.LazyFrame],
    ctx: Context,
    subtree: pl.LazyFrame,
    sections: Sequence[str],
    registry: Registry,
) -> pl.DataFrame:
    """Per row id of `table`: its gain (summed over the rules), its section and its
    rules ("C3、C4", in the registry's order)."""
    order = {rule_id: i for i, rule_id in enumerate(registry.order("annual"))}
    plans = [
        _rule_gains(rule, before, after, ctx, subtree)
        for section in sections
        for rule in registry.section(section)
        if isinstance(rule.compute, Count | Share)
        and rule.compute.table == table
        and _adds_items(rule, ctx)
    ]
    if not plans:
        return pl.DataFrame(schema={"row_id": pl.String, "section": pl.String,
                                    "gain": pl.Float64, "rule_id": pl.String})  # fmt: skip
    per = (
        pl.concat(plans)
        .with_columns(pl.col("rule_id").replace_strict(order, default=len(order)).alias("_o"))
        .sort("row_id", "_o")
        .group_by("row_id", maintain_order=True)
        .agg(
            pl.col("section").unique().alias("sections"),
            pl.col("gain").sum(),
            pl.col("rule_id").str.join("、"),
        )
        .collect(engine=ENGINE)
    )
    split = per.filter(pl.col("sections").list.len() > 1)
    if split.height:
        raise ValueError(
            f"what_if: an action on {table} {split['row_id'][0]!r} moves rules of several "
            f"sections ({split['rule_id'][0]}); a section cap could not be applied to it"
        )
    return per.select(
        "row_id", pl.col("sections").list.first().alias("section"), "gain", "rule_id"
    ).filter(pl.col("gain") > 0)


# --- the actions, table by table ----------------------------------------------------------


def _hazards_rectified(hazards: pl.LazyFrame) -> pl.LazyFrame:
    """Every hazard rectified, and accepted and cancelled, by its effective deadline."""
    due = deadline()
    late = due.is_not_null() & (pl.col("rectified_on").is_null() | (pl.col("rectified_on") > due))
    return hazards.with_columns(
        pl.when(late).then(due).otherwise(pl.col("rectified_on")).alias("rectified_on"),
        pl.when(due.is_not_null() & (pl.col("verified_on") > due))
        .then(due)
        .otherwise(pl.col("verified_on"))
        .alias("verified_on"),
    )


def _date_text(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String)


def _hazard_actions(gains: pl.DataFrame, hazards: pl.LazyFrame) -> pl.LazyFrame:
    status = (
        pl.when(pl.col("rectified_on").is_null())
        .then(pl.lit("未整改"))
        .when(pl.col("verified_on").is_not_null())
        .then(formatted("{} 整改、{} 销号", _date_text("rectified_on"), _date_text("verified_on")))
        .otherwise(formatted("{} 整改", _date_text("rectified_on")))
    )
    rows = hazards.select(
        pl.col("hazard_id").alias("row_id"),
        "region_code",
        formatted(
            "{}隐患，整改期限 {}（现：{}）：按期整改并验收销号",
            pl.col("level").cast(pl.String),
            deadline().cast(pl.String),
            status,
        ).alias("detail"),
    )
    return (
        gains.lazy()
        .join(rows, on="row_id", how="left")
        .with_columns(pl.lit("hazards").alias("table"), pl.lit(1, pl.Int64).alias("cost"))
    )


def _case_actions(
    gains: pl.DataFrame, cases: pl.DataFrame, raw: pl.DataFrame | None
) -> pl.LazyFrame:
    """A case lacks each mandatory measure it requires and has not taken (the 四个一律
    scorer's required_*/taken_*; a suspension is also taken by closing): one unit each."""
    closed = (
        raw.lazy().select(pl.col("case_id").cast(pl.String), pl.col("closed").fill_null(False))
        if raw is not None and "closed" in raw.columns
        else pl.LazyFrame(schema={"case_id": pl.String, "closed": pl.Boolean})
    )
    taken = {
        "close": pl.col("taken_close").fill_null(False),
        "penalty": pl.col("taken_penalty").fill_null(False),
        "suspend": pl.col("taken_suspend").fill_null(False) | pl.col("closed").fill_null(False),
        "accountability": pl.col("taken_accountability").fill_null(False),
    }
    lacking = {
        m: pl.col(f"required_{m}").fill_null(False) & ~taken[m]
        for m in MEASURE_RULES
        if f"required_{m}" in cases.columns
    }
    labels = {m: REGISTRY[rule].label for m, rule in MEASURE_RULES.items()}
    missing = pl.concat_list(
        [pl.when(expr).then(pl.lit(labels[m])) for m, expr in lacking.items()]
    ).list.drop_nulls()
    rows = (
        cases.lazy()
        .join(closed, on="case_id", how="left")
        .select(
            pl.col("case_id").alias("row_id"),
            pl.col("region_code").cast(pl.String),
            missing.alias("missing"),
        )
        .select(
            "row_id",
            "region_code",
            pl.max_horizontal(pl.col("missing").list.len(), pl.lit(1)).cast(pl.Int64).alias("cost"),
            formatted("补齐四个一律措施：{}", pl.col("missing").list.join("、")).alias("detail"),
        )
    )
    return (
        gains.lazy()
        .join(rows, on="row_id", how="left")
        .with_columns(pl.lit("cases").alias("table"))
    )


def _work_items_done(work_items: pl.LazyFrame) -> pl.LazyFrame:
    """Every work item with a target brought to it."""
    short = (pl.col("target") > 0) & (
        pl.col("achieved").is_null() | (pl.col("achieved") < pl.col("target"))
    )
    return work_items.with_columns(
        pl.when(short).then(pl.col("target")).otherwise(pl.col("achieved")).alias("achieved")
    )


def _work_item_actions(gains: pl.DataFrame, work_items: pl.LazyFrame, year: int) -> pl.LazyFrame:
    rows = work_items.filter(pl.col("year") == year).select(
        formatted("{}:{}", pl.col("region_code").cast(pl.String), pl.col("item")).alias("row_id"),
        pl.col("region_code").cast(pl.String),
        formatted(
            "{}：目标 {}，完成 {}：完成至目标",
            pl.col("item"),
            number(pl.col("target")),
            number(pl.col("achieved")),
        ).alias("detail"),
    )
    return (
        gains.lazy()
        .join(rows, on="row_id", how="left")
        .with_columns(pl.lit("work_items").alias("table"), pl.lit(1, pl.Int64).alias("cost"))
    )


def _duty_units(duties: pl.DataFrame, officials: pl.DataFrame) -> pl.LazyFrame:
    """Per official × activity short of its requirement: the occurrences owed and the
    fulfilment each adds (an official's fulfilment is the mean of min(done ÷ required,
    1) over the activities required: 1 ÷ (required × activities))."""
    return (
        duties.lazy()
        .with_columns(pl.len().over("official_id").alias("m"))
        .filter((pl.col("required") > 0) & (pl.col("done") < pl.col("required")))
        .join(
            officials.lazy().select("official_id", pl.col("region_code").cast(pl.String), "name"),
            on="official_id",
            how="inner",
        )
        .select(
            formatted("{}:{}", "official_id", "activity").alias("row_id"),
            "official_id",
            "region_code",
            (pl.col("required") - pl.col("done")).alias("owed"),
            (1.0 / (pl.col("required") * pl.col("m"))).alias("each"),
            formatted(
                "{}（{}）{}：已 {} 次，应 {} 次",
                "name",
                "official_id",
                "activity",
                "done",
                "required",
            ).alias("detail"),
        )
    )


def _duty_actions(
    units: pl.LazyFrame,
    before: Mapping[str, pl.LazyFrame],
    ctx: Context,
    subtree: pl.LazyFrame,
    sections: Sequence[str],
) -> pl.LazyFrame:
    """One candidate per occurrence owed: its share of the official's gain (every
    occurrence owed taken, through the D rules)."""
    raised = units.group_by("official_id").agg((pl.col("owed") * pl.col("each")).sum().alias("up"))
    officials = before["officials"]
    after = {
        **before,
        "officials": officials.join(raised, on="official_id", how="left").select(
            "official_id",
            "region_code",
            (pl.col("fulfilment") + pl.col("up").fill_null(0.0)).alias("fulfilment"),
        ),
    }
    gains = _table_gains("officials", before, after, ctx, subtree, sections, REGISTRY)
    return (
        units.join(
            gains.lazy().rename({"row_id": "official_id", "gain": "official_gain"}),
            on="official_id",
            how="inner",
        )
        .join(raised, on="official_id", how="left")
        .with_columns((pl.col("official_gain") * pl.col("each") / pl.col("up")).alias("gain"))
        .with_columns(pl.int_ranges(0, pl.col("owed")).alias("_occurrence"))
        .explode("_occurrence")
        .select(
            formatted("{}#{}", "row_id", "_occurrence").alias("unit_id"),
            "row_id",
            "region_code",
            "detail",
            "section",
            "gain",
            "rule_id",
            pl.lit("duty_records").alias("table"),
            pl.lit(1, pl.Int64).alias("cost"),
        )
    )


# --- the decisions ---------------------------------------------------------------------------


@attrs.frozen
class _Decisions:
    """What decides the grade besides the score, for one region."""

    names: tuple[str, ...]
    mins: tuple[float, ...]
    cap_index: int | None  # the grade cap, where an accident makes it apply
    cap_reason: str
    down: int
    down_reason: str
    down_basis: str
    veto_grades: tuple[str, ...]

    def band(self, score: float) -> int:
        rounded = round(score, 6)
        return next((i for i, m in enumerate(self.mins) if rounded >= m), len(self.mins) - 1)

    def grade(self, band: int) -> int:
        """The grade (index) a band gives: cap, then grade_down, then veto by grade."""
        worst = len(self.names) - 1
        g = band
        if self.cap_index is not None and g < self.cap_index:
            g = self.cap_index
        if self.down > 0 and g < worst:
            g = min(g + self.down, worst)
        return worst if self.names[g] in self.veto_grades else g


def _decisions(a: Assessment, inputs: WhatIfInputs, ctx: Context, code: str) -> _Decisions:
    p = ctx.rules
    bands = p["annual.grade_bands"]
    names = tuple(str(b["grade"]) for b in bands)
    cap_grade = str(p["annual.grade_cap_accident_grade"])
    cap_name = str(p["annual.grade_cap"])
    cap_index, cap_reason = None, ""
    accidents = inputs.tables.get("accidents")
    if accidents is not None:
        links = Hierarchy.of(a.regions)
        figures = (
            accident_figures(prepare_accidents(accidents, inputs.rules, population_of(ctx)),
                             links, ctx)
            .filter(pl.col("region_code") == code)
            .select(pl.col(f"ge_{cap_grade}").fill_null(0), pl.col(f"ids_{cap_grade}"))
            .collect(engine=ENGINE)
        )  # fmt: skip
        if figures.height and figures.item(0, 0) > 0:
            cap_index = names.index(cap_name)
            ids = "、".join(figures.item(0, 1).to_list())
            cap_reason = (
                f"发生{cap_grade}及以上事故 {figures.item(0, 0)} 起（{ids}），等次最高为{cap_name}"
            )
    down, down_reason, down_basis = 0, "", ""
    adjustments = inputs.tables.get("adjustments")
    if adjustments is not None:
        codes = pl.LazyFrame({"region_code": [code]})
        found = _grade_downs(adjustments, codes, a.year).collect(engine=ENGINE)
        if found.height:
            down = int(found["down"][0])
            down_reason = "；".join(found["down_reasons"][0])
            down_basis = "；".join(dict.fromkeys(found["down_bases"][0]))
    veto = (
        [str(g) for g in p["annual.veto_if_grade"]] if "annual.veto_if_grade" in p.rulebook else []
    )
    return _Decisions(
        names=names,
        mins=tuple(float(b["min"]) for b in bands),
        cap_index=cap_index,
        cap_reason=cap_reason,
        down=down,
        down_reason=down_reason,
        down_basis=down_basis,
        veto_grades=tuple(veto),
    )


def _blocks(d: _Decisions, target: int, p: Any) -> pl.DataFrame:
    """The decisions that keep even the best band from `target`."""
    rows = []
    best = 0
    if d.cap_index is not None and d.cap_index > target:
        rows.append(("grade_cap", d.cap_reason, REGISTRY["grade_cap"].basis(p)))
    best = max(best, d.cap_index or 0)
    worst = len(d.names) - 1
    if d.down > 0 and min(best + d.down, worst) > target:
        rows.append(("grade_down", f"{d.down_reason}（降低 {d.down} 个等次）", d.down_basis))
    if not rows:
        reason = f"考核等次为{'、'.join(d.veto_grades)}的实行一票否决"
        rows.append(("veto.grade", reason, REGISTRY["veto.grade"].basis(p)))
    return pl.DataFrame(rows, schema=BLOCK_SCHEMA, orient="row")


# --- what_if -------------------------------------------------------------------------------


def what_if(assessment: Assessment, region_code: str) -> WhatIf:
    """The fewest unit actions within the region's control (overdue hazards rectified,
    case measures taken, work items to target, duty occurrences recorded) that lift
    `region_code` to the next grade, with the points each brings; or why none would
    (a veto, a grade cap, a committee decision, not enough to act on).  See the module
    docstring for the method.

    Raises `LookupError` for a code that is not a region of the assessment, and
    `ValueError` for an assessment that `assess` did not make (it keeps the inputs).

    >>> import accountability as acc                               # doctest: +SKIP
    >>> result = acc.assess(acc.load_dataset("fixtures/yiyang-2024"), year=2024)  # doctest: +SKIP
    >>> w = what_if(result, "430971")                             # doctest: +SKIP
    >>> w.reachable, w.target_grade, w.units                      # doctest: +SKIP
    (True, '良好', 2)
    """
    a = assessment
    inputs = getattr(a, "what_if_inputs", None)
    if inputs is None:
        raise ValueError(
            "what_if 需要 assess() 给出的考核结果（其中保存了规则和数据表）"
            "(what_if needs an Assessment made by assess(): it keeps the rules and tables)"
        )
    code = str(region_code)
    found = a.regions.filter(pl.col("region_code") == code)
    if not found.height:
        some = "、".join(a.regions["region_code"].head(5).to_list())
        raise LookupError(
            f"没有区划代码为 {code!r} 的地区（共 {a.regions.height} 个地区，如 {some}）"
            f"(no region {code!r} in the assessment)"
        )
    row = found.row(0, named=True)
    ctx = Context.for_year(inputs.rules, a.year)
    p = ctx.rules
    base = float(p["annual.base"])
    score, grade = row["score"], row["grade"]
    head = {
        "region_code": code,
        "name": str(row["name"] or ""),
        "year": a.year,
        "score": score,
        "grade": grade,
    }
    if score is None or grade is None:
        return WhatIf(
            **head, target_grade=None, target_score=None, reachable=False,
            note="该地区未评任何考核内容，没有得分和等次，无从升等。",
        )  # fmt: skip
    d = _decisions(a, inputs, ctx, code)
    now = d.names.index(grade)
    if now == 0:
        return WhatIf(**head, target_grade=None, target_score=None, reachable=False,
                      note="已是最高等次，没有更高的等次。")  # fmt: skip
    target = now - 1
    items = a.line_items.filter(
        (pl.col("subject_type") == "region")
        & (pl.col("subject_id") == code)
        & (pl.col("scorer") == "annual")
    )
    vetoes = items.filter(pl.col("rule_id") == "veto").select(list(BLOCK_SCHEMA))
    named = {**head, "target_grade": d.names[target]}
    if vetoes.height:
        return WhatIf(
            **named, target_score=None, reachable=False, blocked_by=vetoes,
            note="一票否决由事故决定，本地区可控的整改行动不能改变。",
        )  # fmt: skip
    band_now = d.band(score)
    band = next((b for b in range(band_now - 1, -1, -1) if d.grade(b) <= target), None)
    if band is None:
        return WhatIf(
            **named, target_score=None, reachable=False, blocked_by=_blocks(d, target, p),
            note="无论得分多高，上述决定都使等次不能升至" + d.names[target] + "。",
        )  # fmt: skip
    needed_score = d.mins[band]
    named["target_score"] = needed_score

    # the total before the clip, the rescale factor and the sections' excess
    points = dict(items.group_by("rule_id").agg(pl.col("points").sum()).iter_rows())
    before_clip = score - points.get("clip", 0.0)
    assessed = [s for s in SECTIONS if row.get(s) is not None]
    weights = {s: float(w) for s, w in p["annual.section_weights"].items()}
    assessed_weight = sum(weights[s] for s in assessed)
    rate = base / assessed_weight if len(assessed) < len(SECTIONS) and assessed_weight else 1.0
    excess = {s: max(0.0, points.get(f"{s}.cap", 0.0)) for s in assessed}

    candidates = _candidates(a, inputs, ctx, code, assessed)
    needed = (needed_score - before_clip) / rate
    chosen = fewest_actions(
        candidates.select(pl.col("unit_id").alias("row_id"), "section", "cost", "gain"),
        excess,
        needed,
    )
    if chosen is None:
        most = _score_of(candidates, excess, before_clip, rate, base)
        return WhatIf(
            **named, reachable=False, excess=excess, score_after=most,
            grade_after=d.names[d.grade(d.band(most))],
            note=(
                f"本地区可控的行动（{'、'.join(ACTION_KINDS.values())}）全部完成"
                f"（{int(candidates['cost'].sum())} 项），得分最多 {_n(most)} 分，"
                f"仍低于 {_n(needed_score)} 分：不存在能升至{d.names[target]}的行动组合。"
            ),
        )  # fmt: skip
    actions = _listed(candidates, chosen, excess, before_clip, rate, base, score)
    after = float(actions["score"][-1])
    return WhatIf(
        **named, reachable=True, actions=actions, score_after=after,
        grade_after=d.names[d.grade(d.band(after))], excess=excess,
    )  # fmt: skip


def _score_of(
    chosen: pl.DataFrame, excess: Mapping[str, float], before_clip: float, rate: float,
    base: float,
) -> float:  # fmt: skip
    """The score once `chosen` (section, gain) are taken."""
    sums = dict(chosen.group_by("section").agg(pl.col("gain").sum()).iter_rows())
    lifted = sum(max(0.0, g - excess.get(s, 0.0)) for s, g in sums.items())
    return min(base, max(0.0, before_clip + rate * lifted))


def _candidates(
    a: Assessment, inputs: WhatIfInputs, ctx: Context, code: str, sections: Sequence[str]
) -> pl.DataFrame:
    """Every unit action open to the region, with its gain: unit_id, row_id, table,
    kind, region_code, detail, cost, section, gain, rule_id."""
    links = Hierarchy.of(a.regions)
    subtree = links.up.filter(pl.col("rollup_code") == code).select("region_code")
    hazards = inputs.tables.get("hazards")
    work_items = inputs.tables.get("work_items")
    before = frames(
        inputs.rules, ctx, links,
        cases=a.cases, hazards=hazards, officials=a.officials, work_items=work_items,
    )  # fmt: skip
    parts: list[pl.LazyFrame] = []

    def gains(table: str, changed: pl.LazyFrame) -> pl.DataFrame:
        after = {**before, table: changed}
        return _table_gains(table, before, after, ctx, subtree, sections, REGISTRY)

    if hazards is not None:
        found = gains("hazards", _hazards_rectified(before["hazards"]))
        parts.append(_hazard_actions(found, before["hazards"]))
    if a.cases.height:
        done = before["cases"].with_columns(
            (pl.col("compliant") | pl.col("requires_measure")).alias("compliant")
        )
        parts.append(_case_actions(gains("cases", done), a.cases, inputs.tables.get("cases")))
    if work_items is not None:
        found = gains("work_items", _work_items_done(before["work_items"]))
        parts.append(_work_item_actions(found, before["work_items"], a.year))
    columns = ["row_id", "table", "region_code", "detail", "cost", "section", "gain", "rule_id"]
    plans = [part.select(pl.col("row_id").alias("unit_id"), *columns) for part in parts]
    if inputs.duties.height and a.officials.height:
        units = _duty_units(inputs.duties, a.officials)
        plans.append(
            _duty_actions(units, before, ctx, subtree, sections).select("unit_id", *columns)
        )
    if not plans:
        return pl.DataFrame(schema={"unit_id": pl.String, **{c: pl.String for c in columns}})
    return (
        pl.concat([plan.with_columns(pl.col("cost").cast(pl.Int64)) for plan in plans])
        .filter(pl.col("gain") > 0)
        .with_columns(pl.col("table").replace_strict(ACTION_KINDS).alias("kind"))
        .collect(engine=ENGINE)
    )


def _listed(
    candidates: pl.DataFrame,
    chosen: pl.DataFrame,
    excess: Mapping[str, float],
    before_clip: float,
    rate: float,
    base: float,
    score: float,
) -> pl.DataFrame:
    """The chosen actions as ACTION_SCHEMA rows, section by section, largest gain first
    (a duty's occurrences as one row), each with the score once it is taken."""
    order = {s: i for i, s in enumerate(SECTIONS)}
    picked = (
        candidates.join(chosen.select(pl.col("row_id").alias("unit_id")), on="unit_id", how="semi")
        .group_by("table", "row_id", maintain_order=True)
        .agg(
            pl.col("kind").first(),
            pl.col("region_code").first(),
            pl.col("detail").first(),
            pl.col("cost").sum().alias("units"),
            pl.col("rule_id").first(),
            pl.col("section").first(),
            pl.col("gain").sum(),
        )
        .with_columns(
            pl.when(pl.col("table") == "duty_records")
            .then(formatted("{}，补 {} 次", "detail", "units"))
            .otherwise(pl.col("detail"))
            .alias("detail"),
            pl.col("section").replace_strict(order, default=len(order)).alias("_s"),
        )
        .sort(["_s", "gain", "row_id"], descending=[False, True, False])
    )
    extra = pl.col("section").replace_strict(dict(excess), default=0.0, return_dtype=pl.Float64)
    lifted = pl.col("_lifted")
    total = (lifted - lifted.shift(1).over("section").fill_null(0.0)).cum_sum()
    after = pl.min_horizontal(
        pl.lit(base), pl.max_horizontal(pl.lit(0.0), before_clip + rate * total)
    )
    return (
        picked.with_columns(
            pl.max_horizontal(pl.lit(0.0), pl.col("gain").cum_sum().over("section") - extra).alias(
                "_lifted"
            )
        )
        .with_columns(after.alias("score"))
        .with_columns(
            (pl.col("score") - pl.col("score").shift(1).fill_null(score)).alias("points"),
            pl.col("gain").alias("rule_points"),
        )
        .select([pl.col(c).cast(t) for c, t in ACTION_SCHEMA.items()])
    )
