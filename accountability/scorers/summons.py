"""The 约谈 engine: when accidents accumulate, who is summoned, and when a summons
escalates to a public notice (通报).

Source: 安委〔2018〕2号《安全生产约谈实施办法(试行)》, the provinces' 约谈 schemes
(湖南省安全生产约谈制度, 2018) and 厅字〔2018〕13号; the rules are those of
`accountability.rules.summons` (today's keys ``dual_duty.summons_grade_counts`` and
``dual_duty.summons_fatal_accidents`` over the period, the entries of
``dual_duty.summons``, and ``dual_duty.escalation``).

Each rule is evaluated on every accident day with sorted-window expressions, so that
one event fires per crossing: the window's count reaches the threshold on day d and
was below it before d's accidents.  Windows count the accidents of P(Y−1) and P(Y);
only the events triggered in P(Y) are reported.

Readings chosen here:
- "Within W days" is the earlier accident at most W days before the later: the window
  of day d is [d − W, d], both ends included; the accidents of one day count together.
- A ``window = "period"`` rule counts from the period's first day; a
  ``count_vs_target`` rule too, the accidents of exactly the target's grade, and fires
  at ``floor(limit) + count`` against the year's absolute limit of the summoned region
  (a ``decline_pct`` limit or no targets table: not applied, with a warning).
- A rule whose target is a role summons, for a region at the rule's level (any level
  when the rule says none) where the window's accidents happened in it or below it,
  each official of that region in that role in post on day d — an official of a role
  with sectors (分管, 部门) only when the window holds an accident of a sector the
  official covers.  With no one in post, the event stays on the region (official null).
- Escalation: each summons (a row of ``summons_history``, or a 约谈 event of the period)
  becomes one 通报, on the earliest day either condition holds: the
  ``new_fatal_accidents``-th fatal accident (deaths with missing ≥ 1) of the summoned
  official (attributed) or region (in it or below) after the summons day and within
  ``within_days``; or, for a recorded summons, no rectification by the summons day +
  ``unrectified_after_days`` (fires the day after; rectified on the deadline day is in
  time).  A summons the rules computed has no rectification record.  Two summonses of
  one subject escalating on one day under one rule give one event.

>>> import datetime as dt
>>> from accountability.rulebook import rulebook
>>> from accountability.rules.model import Context
>>> from accountability.rules.summons import SummonsRule
>>> att = pl.LazyFrame({"accident_id": ["A1", "A2"], "official_id": ["P1", "P1"],
...     "role": ["政府主要负责人"] * 2, "region_code": ["430902"] * 2,
...     "sector": ["道路交通"] * 2, "grade": ["较大"] * 2,
...     "occurred_on": [dt.date(2024, 3, 1), dt.date(2024, 3, 31)], "deaths": [3, 4]})
>>> rule = SummonsRule("r", count=2, window="days", window_days=30, grade="较大")
>>> result = summons_events(att, None, None, None, Context.for_year(rulebook(), 2024),
...                         rules=(rule,))
>>> result.events.select("triggered_on", "official_id", "count", "evidence").collect().row(0)
(datetime.date(2024, 3, 31), 'P1', 2, ['A1', 'A2'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
import polars as pl

from accountability.codes import ACCIDENT_GRADES, HEAD_ROLES, REGION_LEVELS
from accountability.dataset import WARNINGS_SCHEMA, as_warnings
from accountability.engine import ENGINE
from accountability.outputs import OUTPUTS
from accountability.rules.model import Context
from accountability.rules.summons import (
    NOTICE,
    SUMMONS,
    EscalationRule,
    SummonsRule,
    escalation_rules,
    issuer_above,
    summons_rules,
)
from accountability.wording import formatted, number

__all__ = ["EVENT_SCHEMA", "EVENT_SORT", "SummonsResult", "summons_events", "summons_posts"]

EVENT_SCHEMA: dict[str, pl.DataType] = OUTPUTS["summons_events"].dtypes
# The events' order (the later keys only break ties between alternatives of one rule).
EVENT_SORT = ["triggered_on", "region_code", "official_id", "rule_id", "step", "reason"]
FROM_RULE, FROM_HISTORY = "规则", "约谈记录"  # summons_events.source
_IDS = pl.List(pl.String())
Frame = pl.LazyFrame | pl.DataFrame
_ISSUER = {level: issuer_above(level) for level in REGION_LEVELS}


@attrs.frozen
class SummonsResult:
    """The 约谈 and 通报 events of P(Y) (`EVENT_SCHEMA` rows, sorted by `EVENT_SORT`)
    and the warnings of rules that could not be applied (WARNINGS_SCHEMA rows)."""

    events: pl.LazyFrame
    warnings: pl.LazyFrame


# --- inputs ---------------------------------------------------------------------------


def summons_posts(officials: pl.LazyFrame, coverage: pl.LazyFrame) -> pl.LazyFrame:
    """The posts a role-targeted rule summons: the officials (official_id, name,
    region_code, role, start_on, end_on) with ``sectors``, the sectors each covers from
    `coverage` (official_id, sector) — null for the heads of a region, who answer for
    every sector.

    >>> posts = summons_posts(
    ...     pl.LazyFrame({"official_id": ["P1", "P2"], "name": ["甲", "乙"],
    ...                   "region_code": ["430902"] * 2, "role": ["政府主要负责人", "分管负责人"]}),
    ...     pl.LazyFrame({"official_id": ["P2"], "sector": ["道路交通"]}))
    >>> posts.select("official_id", "sectors").collect().rows()
    [('P1', None), ('P2', ['道路交通'])]
    """
    names = officials.collect_schema().names()
    tenure = [
        pl.col(c) if c in names else pl.lit(None, pl.Date()).alias(c)
        for c in ("start_on", "end_on")
    ]
    covered = coverage.group_by("official_id").agg(
        pl.col("sector").cast(pl.String).unique().sort().alias("sectors")
    )
    head = pl.col("role").cast(pl.String).is_in(list(HEAD_ROLES))
    return (
        officials.select("official_id", "name", "region_code", pl.col("role"), *tenure)
        .join(covered, on="official_id", how="left")
        .with_columns(
            pl.when(head)
            .then(pl.lit(None, _IDS))
            .otherwise(pl.col("sectors").fill_null(pl.lit([], _IDS)))
            .alias("sectors")
        )
        .sort("official_id")
    )


_ATTRIBUTIONS = {"accident_id": pl.String(), "official_id": pl.String(),
                 "region_code": pl.String(), "sector": pl.String(), "grade": pl.String(),
                 "occurred_on": pl.Date(), "deaths": pl.Int64()}  # fmt: skip
_REGION_ACCIDENTS = {"accident_id": pl.String(), "ancestor_code": pl.String(),
                     "sector": pl.String(), "grade": pl.String(),
                     "occurred_on": pl.Date(), "counted": pl.Int64()}  # fmt: skip
_POSTS = {"official_id": pl.String(), "name": pl.String(), "region_code": pl.String(),
          "role": pl.String(), "start_on": pl.Date(), "end_on": pl.Date(),
          "sectors": _IDS}  # fmt: skip
_LEVELS = {"region_code": pl.String(), "level": pl.String()}
_HISTORY = {"summons_id": pl.String(), "region_code": pl.String(),
            "official_id": pl.String(), "summoned_on": pl.Date(),
            "issuer_level": pl.String(), "rectified_on": pl.Date()}  # fmt: skip


def _normal(lf: Frame | None, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """`lf`'s columns of `schema`, cast (an enum read as its text); a column it lacks,
    and every column of a frame not given, null."""
    if lf is None:
        return pl.LazyFrame(schema=schema)
    lf = lf.lazy()
    names = lf.collect_schema().names()

    def column(name: str, dtype: pl.DataType) -> pl.Expr:
        if name not in names:
            return pl.lit(None, dtype).alias(name)
        return (
            pl.col(name).cast(pl.String).cast(dtype)
            if dtype == pl.String()
            else pl.col(name).cast(dtype)
        )

    return lf.select(column(c, t) for c, t in schema.items())


# --- the engine -----------------------------------------------------------------------


def summons_events(
    attributions: Frame | None,
    region_accidents: Frame | None,
    posts: Frame | None,
    levels: Frame | None,
    ctx: Context,
    *,
    history: Frame | None = None,
    targets: Frame | None = None,
    rules: Sequence[SummonsRule] | None = None,
    escalations: Sequence[EscalationRule] | None = None,
    as_of: dt.date | None = None,
) -> SummonsResult:
    """The 约谈 and 通报 events of the period `ctx` (see the module's readings).

    - `attributions`: one row per (accident, official answering for it) over P(Y−1) and
      P(Y) — accident_id, official_id, region_code (the official's), sector, grade,
      occurred_on, deaths (with missing where the rulebook counts them);
    - `region_accidents`: one row per (accident, region it lies in or below) over the
      same days — accident_id, ancestor_code, sector, grade, occurred_on, counted;
    - `posts`: `summons_posts` of the officials;
    - `levels`: (region_code, level) of every region;
    - `history`: the ``summons_history`` table; `targets`: the ``targets`` table;
    - `rules` / `escalations`: default the rules in force (`summons_rules`,
      `escalation_rules` of ``ctx.rules``); `as_of`: no event after this day.

    Frames may be lazy or not; a missing one counts as empty.  Events are sorted by
    `EVENT_SORT`.
    """
    rules = summons_rules(ctx) if rules is None else rules
    escalations = escalation_rules(ctx) if escalations is None else escalations
    att = _normal(attributions, _ATTRIBUTIONS)
    reg = _normal(region_accidents, _REGION_ACCIDENTS)
    post = _normal(posts, _POSTS)
    level = _normal(levels, _LEVELS).unique("region_code")
    recorded = _normal(history, _HISTORY)
    goals = targets.lazy() if targets is not None else None
    last = ctx.end if as_of is None else min(ctx.end, as_of)

    parts: list[pl.LazyFrame] = []
    notes: list[pl.LazyFrame] = []
    for rule in rules:
        rows = _qualifying(rule, att, reg, level, ctx)
        threshold: pl.LazyFrame | None = None
        if rule.window == "target":
            threshold, note = _target_thresholds(rule, goals, ctx)
            notes.append(note)
        crossed = _crossings(rows, _span(rule, ctx), threshold, rule.count)
        crossed = crossed.filter(pl.col("day").is_between(ctx.start, last))
        parts.append(_summons_rows(rule, crossed, post, level, ctx))
    summoned = _collected(parts)

    escalated = [
        _escalated(e, summoned, recorded, att, reg, post, level, ctx, last) for e in escalations
    ]
    events = pl.concat([summoned, *escalated], how="vertical").sort(
        EVENT_SORT, nulls_last=True, maintain_order=True
    )
    warnings = (
        pl.concat([as_warnings(n) for n in notes], how="vertical")
        if notes
        else pl.LazyFrame(schema=WARNINGS_SCHEMA)
    )
    return SummonsResult(events=events, warnings=warnings)


def _collected(parts: list[pl.LazyFrame]) -> pl.LazyFrame:
    """The parts as one frame of EVENT_SCHEMA, computed once (the escalation reads it)."""
    if not parts:
        return pl.LazyFrame(schema=EVENT_SCHEMA)
    frame = pl.concat(
        [p.select([pl.col(c).cast(t) for c, t in EVENT_SCHEMA.items()]) for p in parts],
        how="vertical",
    )
    return frame.collect(engine=ENGINE).lazy()


def _span(rule: SummonsRule, ctx: Context) -> int:
    """The rolling window's length in days: the rule's, or the whole period's."""
    return rule.window_days if rule.window_days is not None else (ctx.end - ctx.start).days


def _qualifying(
    rule: SummonsRule, att: pl.LazyFrame, reg: pl.LazyFrame, level: pl.LazyFrame, ctx: Context
) -> pl.LazyFrame:
    """The accidents a rule counts, one row per (subject, accident): `subject` is the
    official (归责对象) or the region at the rule's level (a role); with region_code,
    accident_id, day, sector."""
    if rule.attributed:
        rows = att.select(
            pl.col("official_id").alias("subject"),
            "region_code",
            "accident_id",
            pl.col("occurred_on").alias("day"),
            "sector",
            "grade",
            pl.col("deaths").alias("dead"),
        )
    else:
        rows = reg.select(
            pl.col("ancestor_code").alias("subject"),
            pl.col("ancestor_code").alias("region_code"),
            "accident_id",
            pl.col("occurred_on").alias("day"),
            "sector",
            "grade",
            pl.col("counted").alias("dead"),
        )
    keep = pl.col("day").is_not_null() & pl.col("subject").is_not_null()
    if rule.grade is not None:
        i = ACCIDENT_GRADES.index(rule.grade)
        grades = [rule.grade] if rule.window == "target" else list(ACCIDENT_GRADES[i:])
        keep = keep & pl.col("grade").is_in(grades)
    if rule.fatal:
        keep = keep & (pl.col("dead") >= 1)
    if rule.sectors:
        keep = keep & pl.col("sector").is_in(list(rule.sectors))
    if rule.window != "days":
        keep = keep & ctx.within("day")
    rows = rows.filter(keep.fill_null(False))
    if rule.target_level is not None:
        at_level = level.filter(pl.col("level") == rule.target_level).select("region_code")
        rows = rows.join(at_level, on="region_code", how="semi")
    return rows.unique(["subject", "accident_id"])


def _crossings(
    rows: pl.LazyFrame, days: int, threshold: pl.LazyFrame | None, count: int
) -> pl.LazyFrame:
    """The days a subject's window count crosses its threshold: one row per (subject,
    day) where the count over [day − `days`, day] reaches the threshold and the count
    without the day's own accidents is below it.  The threshold is `count`, or per
    region (`threshold`: region_code, threshold, limit).  Columns: subject, region_code,
    day, n, evidence (the window's accident ids), sectors (theirs), threshold, limit."""
    per_day = (
        rows.group_by("subject", "region_code", "day")
        .agg(
            pl.len().cast(pl.Int64).alias("n_day"),
            pl.col("accident_id").sort().alias("ids"),
            pl.col("sector").unique().sort().alias("day_sectors"),
        )
        .sort("subject", "region_code", "day")
    )
    windows = per_day.rolling(
        index_column="day", period=f"{days}d", closed="both", group_by=["subject", "region_code"]
    ).agg(
        pl.col("n_day").sum().cast(pl.Int64).alias("n"),
        pl.col("n_day").last().alias("n_day"),
        pl.col("ids").list.explode(keep_nulls=False, empty_as_null=False).sort().alias("evidence"),
        pl.col("day_sectors")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique()
        .sort()
        .alias("sectors"),
    )
    if threshold is None:
        windows = windows.with_columns(
            pl.lit(count, pl.Int64).alias("threshold"), pl.lit(None, pl.Float64).alias("limit")
        )
    else:
        windows = windows.join(threshold, on="region_code", how="inner")
    bar = pl.col("threshold")
    return windows.filter((pl.col("n") >= bar) & (pl.col("n") - pl.col("n_day") < bar))


def _target_thresholds(
    rule: SummonsRule, targets: pl.LazyFrame | None, ctx: Context
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(region_code, threshold = floor(limit) + count, limit) for the year's absolute
    limits of the rule's indicator, and the warnings of the limits it cannot use."""
    schema = {"region_code": pl.String(), "threshold": pl.Int64(), "limit": pl.Float64()}
    label = f"约谈规则 {rule.rule_id}（{rule.what}超过年度控制指标）"
    if targets is None:
        note = pl.LazyFrame(
            {
                "table": ["targets"],
                "rule": ["summons_target_absent"],
                "message": [f"未提供控制指标表 targets：{label}不适用 (no targets table)"],
                "value": [rule.rule_id],
            }
        )
        return pl.LazyFrame(schema=schema), note
    names = targets.collect_schema().names()
    kind = pl.col("limit_kind").cast(pl.String) if "limit_kind" in names else pl.lit("absolute")
    of_rule = targets.filter(
        (pl.col("year") == ctx.year)
        & (pl.col("indicator").cast(pl.String) == rule.indicator)
        & pl.col("limit").is_not_null()
    ).with_columns(kind.fill_null("absolute").alias("kind"))
    usable = of_rule.filter(pl.col("kind") == "absolute").select(
        pl.col("region_code").cast(pl.String),
        (pl.col("limit").floor().cast(pl.Int64) + rule.count).alias("threshold"),
        pl.col("limit").cast(pl.Float64),
    )
    note = of_rule.filter(pl.col("kind") != "absolute").select(
        pl.lit("targets").alias("table"),
        pl.lit("limit_kind").alias("column"),
        pl.lit("summons_target_not_absolute").alias("rule"),
        formatted(
            f"{{}} 的控制指标 {rule.indicator} 不是绝对值（{{}}）：{label}只与绝对值比较，"
            "对该地区不适用 (only absolute limits)",
            pl.col("region_code").cast(pl.String),
            "kind",
        ).alias("message"),
        pl.col("region_code").cast(pl.String).alias("value"),
    )
    return usable, note


def _summons_rows(
    rule: SummonsRule,
    crossed: pl.LazyFrame,
    post: pl.LazyFrame,
    level: pl.LazyFrame,
    ctx: Context,
) -> pl.LazyFrame:
    """EVENT_SCHEMA rows of one rule's crossings: the officials summoned, the window,
    the reason and the basis."""
    events = crossed.join(level, on="region_code", how="left").with_columns(
        pl.col("day").alias("triggered_on"),
        (
            pl.lit(rule.issuer_level)
            if rule.issuer_level is not None
            else pl.col("level").replace_strict(_ISSUER, default=None)
        ).alias("issuer_level"),
    )
    people = post.select("official_id", "name", "role", "start_on", "end_on", "sectors")
    if rule.attributed:
        events = events.with_columns(pl.col("subject").alias("official_id")).join(
            people.select("official_id", "name", "role"), on="official_id", how="left"
        )
    else:
        day = pl.col("triggered_on")
        in_post = (pl.col("start_on").is_null() | (pl.col("start_on") <= day)) & (
            pl.col("end_on").is_null() | (day <= pl.col("end_on"))
        )
        covers = pl.col("official_sectors").is_null() | (
            pl.col("official_sectors").list.set_intersection(pl.col("sectors")).list.len() > 0
        )
        holders = post.filter(pl.col("role").cast(pl.String) == rule.target_role).select(
            "region_code",
            "official_id",
            "name",
            "role",
            "start_on",
            "end_on",
            pl.col("sectors").alias("official_sectors"),
        )
        matched = (
            events.join(holders, on="region_code", how="inner")
            .filter(in_post & covers)
            .drop("start_on", "end_on", "official_sectors")
        )
        vacant = events.join(
            matched.select("region_code", "day"), on=["region_code", "day"], how="anti"
        ).with_columns(
            pl.lit(None, pl.String()).alias("official_id"),
            pl.lit(None, pl.String()).alias("name"),
            pl.lit(rule.target_role).alias("role"),
        )
        events = pl.concat(
            [matched.with_columns(pl.col("role").cast(pl.String)), vacant], how="diagonal_relaxed"
        )
    return events.select(
        "triggered_on",
        "region_code",
        "official_id",
        "name",
        pl.col("role").cast(pl.String).cast(EVENT_SCHEMA["role"]),
        pl.col("level").cast(pl.String),
        pl.col("issuer_level").cast(pl.String),
        pl.lit(SUMMONS).alias("step"),
        pl.lit(rule.rule_id).alias("rule_id"),
        (
            pl.col("day") - pl.duration(days=rule.window_days)
            if rule.window == "days"
            else pl.lit(ctx.start)
        ).alias("window_start"),
        pl.col("day").alias("window_end"),
        pl.lit(rule.window_days, pl.Int64).alias("window_days"),
        pl.col("n").alias("count"),
        "threshold",
        "evidence",
        _summons_reason(rule, ctx).alias("reason"),
        pl.lit(rule.basis).alias("basis"),
        pl.lit(None, pl.String).alias("copy_to"),
        pl.lit(FROM_RULE).alias("source"),
    )


def _summons_reason(rule: SummonsRule, ctx: Context) -> pl.Expr:
    """ "2024-03-02 至 2024-04-01 的 30 日内被归责较大及以上事故 2 起（A1、A2）（≥2 起）→ 约谈"."""
    who = "被归责" if rule.attributed else "本地区及下级发生"
    ids = pl.col("evidence").list.join("、")
    if rule.window == "days":
        start = pl.col("day") - pl.duration(days=rule.window_days)
        return formatted(
            f"{{}} 至 {{}} 的 {rule.window_days} 日内{who}{rule.what} {{}} 起（{{}}）"
            f"（≥{rule.count} 起）→ {SUMMONS}",
            start, "day", "n", ids,
        )  # fmt: skip
    period = ctx.label if ctx.calendar_year else f"考核期（{ctx.label}）"
    if rule.window == "period":
        return formatted(
            f"{period}截至 {{}} {who}{rule.what} {{}} 起（{{}}）（≥{rule.count} 起）→ {SUMMONS}",
            "day", "n", ids,
        )  # fmt: skip
    return formatted(
        f"{period}截至 {{}} {who}{rule.what} {{}} 起（{{}}），超过年度控制指标 {{}} 起"
        f"（≥{{}} 起）→ {SUMMONS}",
        "day", "n", ids, number(pl.col("limit")), "threshold",
    )  # fmt: skip


# --- escalation -----------------------------------------------------------------------


def _bases(summoned: pl.LazyFrame, history: pl.LazyFrame) -> pl.LazyFrame:
    """Every summons an escalation may follow: the recorded ones and the period's 约谈
    events; (base_id, region_code, official_id, summoned_on, issuer_level, rectified_on,
    recorded, source, what)."""
    recorded = history.filter(pl.col("summoned_on").is_not_null()).select(
        formatted("约谈记录 {}", "summons_id").alias("base_id"),
        "region_code",
        "official_id",
        "summoned_on",
        "issuer_level",
        "rectified_on",
        pl.lit(True).alias("recorded"),
        pl.lit(FROM_HISTORY).alias("source"),
        formatted("约谈记录 {}", "summons_id").alias("what"),
    )
    computed = summoned.filter(pl.col("step") == SUMMONS).select(
        formatted(
            "{}@{}@{}@{}",
            "rule_id",
            "triggered_on",
            "region_code",
            pl.col("official_id").fill_null("-"),
        ).alias("base_id"),
        "region_code",
        "official_id",
        pl.col("triggered_on").alias("summoned_on"),
        "issuer_level",
        pl.lit(None, pl.Date()).alias("rectified_on"),
        pl.lit(False).alias("recorded"),
        pl.lit(FROM_RULE).alias("source"),
        formatted("规则 {}", "rule_id").alias("what"),
    )
    return pl.concat([recorded, computed], how="vertical").unique("base_id")


def _fatal_after(
    rule: EscalationRule, bases: pl.LazyFrame, att: pl.LazyFrame, reg: pl.LazyFrame
) -> pl.LazyFrame:
    """The day each summons reaches `new_fatal_accidents` fatal accidents of its subject
    after it (within `within_days`): base_id, day, n, evidence."""
    k = rule.new_fatal_accidents
    assert k is not None
    by_official = att.filter(pl.col("deaths") >= 1).select(
        "official_id", "accident_id", pl.col("occurred_on").alias("day")
    )
    by_region = reg.filter(pl.col("counted") >= 1).select(
        pl.col("ancestor_code").alias("region_code"),
        "accident_id",
        pl.col("occurred_on").alias("day"),
    )
    keys = ["base_id", "summoned_on"]
    followed = pl.concat(
        [
            bases.filter(pl.col("official_id").is_not_null())
            .select(*keys, "official_id")
            .join(by_official, on="official_id", how="inner")
            .select(*keys, "accident_id", "day"),
            bases.filter(pl.col("official_id").is_null())
            .select(*keys, "region_code")
            .join(by_region, on="region_code", how="inner")
            .select(*keys, "accident_id", "day"),
        ],
        how="vertical",
    ).filter(
        (pl.col("day") > pl.col("summoned_on"))
        & (pl.col("day") <= pl.col("summoned_on") + pl.duration(days=rule.within_days))
    )
    rows = followed.unique(["base_id", "accident_id"]).select(
        pl.col("base_id").alias("subject"),
        pl.col("base_id").alias("region_code"),
        "accident_id",
        "day",
        pl.lit("").alias("sector"),
    )
    crossed = _crossings(rows, rule.within_days, None, k)
    return crossed.select(pl.col("subject").alias("base_id"), "day", "n", "evidence")


def _escalated(
    rule: EscalationRule,
    summoned: pl.LazyFrame,
    history: pl.LazyFrame,
    att: pl.LazyFrame,
    reg: pl.LazyFrame,
    post: pl.LazyFrame,
    level: pl.LazyFrame,
    ctx: Context,
    last: dt.date,
) -> pl.LazyFrame:
    """EVENT_SCHEMA rows of one escalation rule: one 通报 per summons, on the earliest
    day a condition holds, kept when that day lies in the period."""
    bases = _bases(summoned, history)
    copy = f"，抄送{rule.copy_to}" if rule.copy_to else ""
    causes: list[pl.LazyFrame] = []
    if rule.new_fatal_accidents is not None:
        k = rule.new_fatal_accidents
        causes.append(
            _fatal_after(rule, bases, att, reg)
            .join(bases, on="base_id", how="inner")
            .select(
                *_base_columns(),
                pl.col("day").alias("triggered_on"),
                pl.col("summoned_on").alias("window_start"),
                pl.col("day").alias("window_end"),
                pl.lit(rule.within_days, pl.Int64).alias("window_days"),
                pl.col("n").alias("count"),
                pl.lit(k, pl.Int64).alias("threshold"),
                "evidence",
                formatted(
                    f"约谈（{{}}，{{}}）后 {rule.within_days} 日内又发生死亡事故 {{}} 起（{{}}）"
                    f"（≥{k} 起）→ {NOTICE}{copy}",
                    "summoned_on",
                    "what",
                    "n",
                    pl.col("evidence").list.join("、"),
                ).alias("reason"),
            )
        )
    if rule.unrectified_after_days is not None:
        u = rule.unrectified_after_days
        deadline = pl.col("summoned_on") + pl.duration(days=u)
        late = formatted("至 {} 方整改", "rectified_on")
        causes.append(
            bases.filter(
                pl.col("recorded")
                & (pl.col("rectified_on").is_null() | (pl.col("rectified_on") > deadline))
            ).select(
                *_base_columns(),
                (deadline + pl.duration(days=1)).alias("triggered_on"),
                pl.col("summoned_on").alias("window_start"),
                deadline.alias("window_end"),
                pl.lit(u, pl.Int64).alias("window_days"),
                pl.lit(u + 1, pl.Int64).alias("count"),
                pl.lit(u, pl.Int64).alias("threshold"),
                pl.lit([], _IDS).alias("evidence"),
                formatted(
                    f"约谈（{{}}，{{}}）后 {u} 日内未整改（整改期限 {{}}，{{}}）→ {NOTICE}{copy}",
                    "summoned_on",
                    "what",
                    deadline,
                    pl.when(pl.col("rectified_on").is_null())
                    .then(pl.lit("无整改完成记录"))
                    .otherwise(late),
                ).alias("reason"),
            )
        )
    if not causes:
        return pl.LazyFrame(schema=EVENT_SCHEMA)
    first = (
        pl.concat(causes, how="vertical")
        .sort("triggered_on", "reason")
        .unique("base_id", keep="first", maintain_order=True)
        .filter(pl.col("triggered_on").is_between(ctx.start, last))
        .sort("summoned_on", "source", "base_id")
        .unique(["region_code", "official_id", "triggered_on"], keep="first", maintain_order=True)
    )
    return (
        first.join(post.select("official_id", "name", "role"), on="official_id", how="left")
        .join(level, on="region_code", how="left")
        .select(
            "triggered_on",
            "region_code",
            "official_id",
            "name",
            pl.col("role").cast(pl.String).cast(EVENT_SCHEMA["role"]),
            pl.col("level").cast(pl.String),
            pl.col("issuer_level").cast(pl.String),
            pl.lit(NOTICE).alias("step"),
            pl.lit(rule.rule_id).alias("rule_id"),
            "window_start",
            "window_end",
            "window_days",
            "count",
            "threshold",
            pl.col("evidence").cast(_IDS),
            "reason",
            pl.lit(rule.basis).alias("basis"),
            pl.lit(rule.copy_to).alias("copy_to"),
            "source",
        )
    )


def _base_columns() -> list[Any]:
    return ["base_id", "region_code", "official_id", "summoned_on", "issuer_level", "source"]
