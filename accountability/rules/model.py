"""The rule record: everything about one rule, reachable from one object.

A `Rule` holds its id, the kind of subject it rates, its section, the rulebook
parameters it reads (points *and* targets, thresholds, windows), the tables it
counts, a one-sentence definition in Chinese, the formula as people read it, and —
for the rules a scorer compiles from the record — its condition as a polars
expression (`Count`, `Share`) or a small function returning a lazy plan (`Formula`).
Orders, sections, cap membership, parameter checks, the docs' rule pages, `explain`
and the reports all derive from the records (`Registry`).

>>> from accountability.rules.registry import REGISTRY
>>> c4 = REGISTRY["C4"]
>>> c4.section, c4.params, c4.tables
('C', ('annual.c4_points_per_hazard',), ('hazards',))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import polars as pl

from accountability.rules.parameters import param_spec

if TYPE_CHECKING:
    from accountability.rulebook import Rulebook, RulesAt

__all__ = ["Context", "Count", "Formula", "Registry", "Rule", "Share"]

SUBJECTS = ("region", "enterprise", "official", "department", "case")
KINDS = (
    "deduction", "bonus", "cap", "finishing", "decision", "note", "measure", "step", "metric",
)  # fmt: skip


PERIOD_START = "annual.period_start"
PULL_IN = "annual.pull_in"
LOOKBACK = "annual.concealment_lookback_years"


def assessment_period(book: Rulebook, year: int) -> tuple[dt.date, dt.date]:
    """P(year): the first and last day of the assessment period of `year`.

    It starts on ``annual.period_start`` (as in force on 31 December of the year) —
    in the year itself when that is 01-01, else in the year before — and ends the day
    before the next period starts.  A rulebook without the parameter assesses the
    calendar year.

    >>> from accountability.rulebook import rulebook
    >>> assessment_period(rulebook(), 2024)
    (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
    """
    text = book.for_year(year)[PERIOD_START] if PERIOD_START in book else "01-01"
    month, day = (int(part) for part in str(text).split("-"))
    start = dt.date(year if (month, day) == (1, 1) else year - 1, month, day)
    return start, dt.date(start.year + 1, month, day) - dt.timedelta(days=1)


@attrs.frozen
class Context:
    """What a rule's condition may read: the assessment period and the values in force.

    `start` and `end` bound the period assessed (both included); `rules` holds the
    parameter values in force on its last day.
    """

    year: int
    start: dt.date
    end: dt.date
    rules: RulesAt

    @classmethod
    def for_year(cls, book: Rulebook, year: int) -> Context:
        """P(year), with the values in force on its last day (see `assessment_period`).

        >>> from accountability.rulebook import rulebook
        >>> ctx = Context.for_year(rulebook(), 2024)
        >>> ctx.start, ctx.end, ctx.rules.day
        (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), datetime.date(2024, 12, 31))
        """
        start, end = assessment_period(book, year)
        return cls(year=year, start=start, end=end, rules=book.at(end))

    @classmethod
    def of(cls, rules: RulesAt, year: int) -> Context:
        """The assessment period of `year` under the rulebook of `rules`, with `rules`'
        values (for callers that hold the values of one day already)."""
        start, end = assessment_period(rules.rulebook, year)
        return cls(year=year, start=start, end=end, rules=rules)

    def previous(self) -> Context:
        """P(year − 1), with the values in force on its last day."""
        return Context.for_year(self.rules.rulebook, self.year - 1)

    @property
    def calendar_year(self) -> bool:
        """Whether the period is the calendar year."""
        return (self.start.month, self.start.day) == (1, 1)

    @property
    def label(self) -> str:
        """The period as people read it: "2024 年" or "2023-12-01 至 2024-11-30"."""
        if self.calendar_year:
            return f"{self.year} 年"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    def within(self, column: str) -> pl.Expr:
        """`column` (a date) falls in the period, both ends included."""
        return pl.col(column).is_between(pl.lit(self.start), pl.lit(self.end), closed="both")

    def pulled_in(self) -> pl.Expr:
        """Accidents after the period's end and before 1 January of the next year that
        the pull-in rules in force for this year (``annual.pull_in``) count in it: each
        entry a grade-or-worse (``min_grade``) and/or a flag (``flag``).  Needs the
        accidents' ``grade``; never true for a calendar-year period."""
        entries = self.rules[PULL_IN] if PULL_IN in self.rules.rulebook else []
        if not entries or self.calendar_year:
            return pl.lit(False)
        from accountability.accidents import grade_at_least

        matches = []
        for entry in entries:
            match = pl.lit(True)
            if "min_grade" in entry:
                match = match & grade_at_least(pl.col("grade"), str(entry["min_grade"]))
            if "flag" in entry:
                match = match & pl.col(str(entry["flag"]))
            matches.append(match.fill_null(False))
        after = (pl.col("occurred_on") > pl.lit(self.end)) & (
            pl.col("occurred_on") < pl.lit(dt.date(self.year + 1, 1, 1))
        )
        return (after & pl.any_horizontal(matches)).fill_null(False)

    def accidents_in_period(self) -> pl.Expr:
        """The accidents this period counts: those of the period, less those the
        previous period pulled in, plus those this period pulls in — each accident
        counts in one period only."""
        kept = self.within("occurred_on") & ~self.previous().pulled_in()
        return kept.fill_null(False) | self.pulled_in()

    def confirmed_concealments(self) -> pl.Expr:
        """Concealed accidents (瞒报) confirmed in the period (``concealment_confirmed_on``)
        that occurred at most ``annual.concealment_lookback_years`` periods before: they
        count in this period for the veto, the yellow card, the grade cap, A4 and A5.
        Never true while the look-back is 0 (the default)."""
        years = int(self.rules[LOOKBACK]) if LOOKBACK in self.rules.rulebook else 0
        if years <= 0:
            return pl.lit(False)
        first = assessment_period(self.rules.rulebook, self.year - years)[0]
        return (
            pl.col("concealed").fill_null(False)
            & self.within("concealment_confirmed_on").fill_null(False)
            & (pl.col("occurred_on") >= pl.lit(first)).fill_null(False)
        )

    def accidents_decided(self) -> pl.Expr:
        """The accidents the decisions and A4/A5 count: the period's, and concealments
        confirmed in it (`confirmed_concealments`)."""
        return self.accidents_in_period() | self.confirmed_concealments()

    def by_end(self, column: str) -> pl.Expr:
        """`column` (a date) is on or before the period's last day."""
        return pl.col(column) <= pl.lit(self.end)

    def __getitem__(self, key: str) -> Any:
        return self.rules[key]


Condition = Callable[[Context], pl.Expr]
Rows = Callable[[Mapping[str, pl.LazyFrame], Context], pl.LazyFrame]
Text = Callable[[Context], str]


def _text(value: str | Text) -> Text:
    return value if callable(value) else (lambda _ctx, text=value: text)


@attrs.frozen
class Count:
    """Points per counted row: ``−points × n`` where n counts the rows of `table` for
    which `when` holds, the region's own rows and those of every region below it.

    `what` and `unit` word the reason ("到期未整改的重大隐患 3 项"); `none` is the
    reason when nothing is counted.  `rows`, when given, builds the rows from the
    input tables (a join, a derived column); otherwise the table is taken as it is.
    """

    table: str
    when: Condition
    id_column: str
    points: str
    what: str | Text
    unit: str
    none: str | Text
    rows: Rows | None = None

    def wording(self, ctx: Context) -> tuple[str, str]:
        return _text(self.what)(ctx), _text(self.none)(ctx)


@attrs.frozen
class Share:
    """``points × (1 − share)``, or with a `target` ``points × max(0, 1 − share ÷ target)``,
    where share is the mean of `value` (a number in [0, 1], or a condition counted as
    1 or 0) over the rows of `table` for which `counted` holds.  No counted row: 0
    points and the `empty` reason, so that no data never passes for full marks.

    `head` words the figures (a format string over n and the met count k, or the mean's
    numerator for a fractional value); `rate` names the share; `failed` picks the
    evidence rows; `left_out`, when given, is a condition for rows of the table that are
    not counted and a note naming them ("{n}" is their count, "{ids}" their ids).
    """

    table: str
    counted: Condition
    value: Condition
    failed: Condition
    id_column: str
    points: str
    head: str | Text
    rate: str | Text
    empty: str | Text
    target: str | None = None
    rows: Rows | None = None
    evidence_when_deducted: bool = False
    left_out: Condition | None = None
    left_out_note: str = ""
    all_left_out: str = ""


@attrs.frozen
class Formula:
    """A rule whose arithmetic does not fit `Count` or `Share` (A1–A3): `plan` builds
    its line items (region_code, points, reason, evidence) from the scorer's inputs."""

    plan: Callable[..., pl.LazyFrame]


Compute = Count | Share | Formula


@attrs.frozen
class Rule:
    """One rule: its identity, what it reads, what it means, and how it is computed.

    `params` are the rulebook keys it reads, points first; a line item's basis cites
    every one of them.  `compute` is set for the rules a scorer compiles straight from
    the record; the others (finishing steps, decisions, the other families' rules) are
    computed by their scorer, which looks the record up by id for its wording and basis.
    """

    id: str
    scorer: str
    subject: str = attrs.field(validator=attrs.validators.in_(SUBJECTS))
    label: str
    definition: str
    params: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    section: str | None = None
    formula: str = ""
    kind: str = attrs.field(default="deduction", validator=attrs.validators.in_(KINDS))
    compute: Any = None  # Count, Share, Formula, or a family's own spec (Gaps, Steps)
    optional_tables: tuple[str, ...] = ()
    readings: tuple[str, ...] = ()
    # the document and article (or the library's stated reading) that a rule reading
    # no parameter rests on: a metric only reported, a note on the data
    cites: str = ""

    def basis(self, rules: RulesAt) -> str:
        """The bases of every parameter the rule reads, as the rulebook in force gives
        them: one basis where they agree, else each with the part it plays
        ("分值：参考值；目标：市安委会……"); for a rule that reads no parameter, the
        text it cites."""
        return cite(self.params, rules) or self.cites


def cite(keys: tuple[str, ...], rules: RulesAt) -> str:
    """The distinct bases of `keys` in order, each with its parameter's role where
    they differ (a key the rulebook does not hold is skipped)."""
    found: list[tuple[str, str, str]] = []  # (role, basis, key)
    for key in keys:
        if key not in rules.rulebook:
            continue
        basis = rules.basis(key)
        if all(basis != b for _, b, _ in found):
            spec = param_spec(key)
            found.append((spec.role if spec is not None else key, basis, key))
    if len(found) <= 1:
        return found[0][1] if found else ""
    roles = [role for role, _, _ in found]
    return "；".join(
        f"{role}（{key.split('.', 1)[-1]}）：{basis}"
        if roles.count(role) > 1
        else f"{role}：{basis}"
        for role, basis, key in found
    )


@attrs.frozen
class Registry:
    """The rules in the order their line items are applied and shown.

    >>> from accountability.rules.registry import REGISTRY
    >>> [r.id for r in REGISTRY.section("B")]
    ['B1', 'B2', 'B3']
    """

    rules: tuple[Rule, ...] = attrs.field(converter=tuple)
    sections: Mapping[str, str] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is registered twice")
            seen.add(rule.id)
            if rule.section is not None and rule.section not in self.sections:
                raise ValueError(f"rule {rule.id!r}: unknown section {rule.section!r}")

    def __getitem__(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"no rule {rule_id!r} in the registry")

    def __contains__(self, rule_id: object) -> bool:
        return any(rule.id == rule_id for rule in self.rules)

    def find(self, rule_id: str) -> Rule | None:
        """The record of a line item's rule id: the rule itself, or the record whose id
        is its dotted prefix ("dual_duty.duty.研究部署" → "dual_duty.duty")."""
        best: Rule | None = None
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
            if rule_id.startswith(rule.id + ".") and (best is None or len(rule.id) > len(best.id)):
                best = rule
        return best

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def of(self, scorer: str) -> tuple[Rule, ...]:
        """The rules of one scorer (family), in order."""
        return tuple(r for r in self.rules if r.scorer == scorer)

    def section(self, section: str) -> tuple[Rule, ...]:
        """The rules of one annual section that score points (not its cap), in order."""
        return tuple(r for r in self.rules if r.section == section and r.kind != "cap")

    def order(self, scorer: str) -> tuple[str, ...]:
        """Rule ids of one scorer in the order their line items are applied."""
        return tuple(r.id for r in self.of(scorer))

    def tables_of(self, section: str) -> tuple[str, ...]:
        """The tables a section needs: those its scoring rules count (optional ones and
        the metrics', which report what their tables allow, aside)."""
        found: list[str] = []
        for rule in self.section(section):
            if rule.kind != "metric":
                found += [t for t in rule.tables if t not in found]
        return tuple(found)

    def with_rules(self, *rules: Rule, after: str | None = None) -> Registry:
        """A registry with `rules` added after rule `after` (default: at the end of
        their section, or at the end)."""
        items = list(self.rules)
        for rule in rules:
            anchor = after
            if anchor is None and rule.section is not None:
                same = [r.id for r in items if r.section == rule.section and r.kind != "cap"]
                anchor = same[-1] if same else None
            ids = [r.id for r in items]
            items.insert(len(items) if anchor is None else ids.index(anchor) + 1, rule)
            after = rule.id if after is not None else None
        return Registry(rules=items, sections=self.sections)
