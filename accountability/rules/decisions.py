"""The veto (一票否决) and yellow-card (黄牌警告) tables of the annual assessment, as
data: what each entry of a level's table counts.

A level's table (``annual.veto_county``, ``annual.yellow_card_city``, …) holds:

- ``grade_counts = { 较大 = 3 }``: accidents of that grade or worse, at least that many;
- ``concealed = 1``: accidents concealed or falsely reported (瞒报、谎报), of any grade;
- ``reporting = [{ failure = "concealed", count = 1, min_grade = "较大", by = "政府部门" }]``:
  accidents with one reporting failure of 生产安全事故报告和调查处理条例（国务院令第493号）
  第四条 (``concealed`` 瞒报, ``falsely_reported`` 谎报, ``omitted`` 漏报,
  ``reported_late`` 迟报, or ``concealed_or_false`` 瞒报或谎报), of ``min_grade`` or worse
  (default: any), by whom (``企业`` or ``政府部门``; default: whoever — an accident whose
  `concealed_by` is unknown never counts for a ``by``);
- ``exempt_without_local_responsibility = true``: every count of the table leaves out
  the accidents an investigation found the region bore no 属地管理责任 for
  (``accidents.local_responsibility`` false); a department's table says
  ``exempt_without_supervisory_responsibility`` (监管责任,
  ``accidents.supervisory_responsibility``), a state-owned enterprise's has no switch.

The units assessed beside the regions have tables of their own
(``annual.veto_department``, ``annual.yellow_card_state_enterprise``, …; `UNIT_KINDS`).

>>> from accountability.rulebook import rulebook
>>> from accountability.rules.model import Context
>>> [e.name for e in decision_entries(Context.for_year(rulebook(), 2024), "veto", "county")]
['veto_county_0', 'veto_county_1', 'veto_county_2']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import polars as pl

from accountability.accidents import grade_at_least
from accountability.codes import (
    ACCIDENT_GRADES,
    DECISION_EXEMPT_KEY,
    REPORTING_FAILURES,
    SUPERVISORY_EXEMPT_KEY,
    UNIT_KINDS,
)
from accountability.rules.model import Context

__all__ = [
    "EXEMPTIONS",
    "LEVELS",
    "UNIT_KINDS",
    "DecisionEntry",
    "all_decision_entries",
    "decision_entries",
]

#: The region levels and the suffix of their table's key.
LEVELS: dict[str, str] = {"省": "province", "市": "city", "县": "county"}
#: Per table suffix: the exemption switch, the accident column it reads, and the
#: note a reason carries when it is on.
EXEMPTIONS: dict[str, tuple[str, str, str]] = {
    **{
        suffix: (DECISION_EXEMPT_KEY, "local_responsibility", "（不计无属地管理责任的事故）")
        for suffix in LEVELS.values()
    },
    "department": (
        SUPERVISORY_EXEMPT_KEY,
        "supervisory_responsibility",
        "（不计无监管责任的事故）",
    ),
}


def _flag(name: str) -> pl.Expr:
    return pl.col(name).fill_null(False)


@attrs.frozen
class DecisionEntry:
    """One entry of a level's veto or yellow-card table: the accidents it counts
    (`condition`), how many trigger it (`count`), and its wording (`what`)."""

    name: str
    kind: str  # veto | yellow_card
    level: str  # 省 | 市 | 县 | 部门 | 企业
    count: int
    what: str
    grade: str = "一般"  # this grade or worse
    failure: str | None = None
    by: str | None = None
    exempt: bool = False
    # the accident column an exemption reads (local_responsibility for a region)
    exempt_column: str = "local_responsibility"

    def condition(self) -> pl.Expr:
        """Over the period's accidents of the population (columns grade, the reporting
        flags, concealed_by, local_responsibility)."""
        cond = grade_at_least(pl.col("grade"), self.grade).fill_null(False)
        if self.failure == "concealed_or_false":
            cond = cond & (_flag("concealed") | _flag("falsely_reported"))
        elif self.failure is not None:
            cond = cond & _flag(self.failure)
        if self.by is not None:
            cond = cond & (pl.col("concealed_by").cast(pl.String) == self.by).fill_null(False)
        if self.exempt:
            cond = cond & pl.col(self.exempt_column).fill_null(True)
        return cond

    def unknown_by(self) -> pl.Expr | None:
        """The accidents that would count but for an unknown `concealed_by`."""
        if self.by is None:
            return None
        return attrs.evolve(self, by=None).condition() & pl.col("concealed_by").is_null()


def _failure_entry(
    kind: str, level: str, name: str, spec: dict[str, Any], exempt: bool, column: str
) -> DecisionEntry:
    failure = str(spec.get("failure", "concealed_or_false"))
    grade = str(spec.get("min_grade", ACCIDENT_GRADES[0]))
    by = spec.get("by")
    what = REPORTING_FAILURES[failure]
    if grade != ACCIDENT_GRADES[0]:
        what = f"{grade}及以上{what}"
    what += f"事故（{by}）" if by else "事故"
    return DecisionEntry(
        name=name, kind=kind, level=level, count=int(spec.get("count", 1)), what=what,
        grade=grade, failure=failure, by=str(by) if by else None, exempt=exempt,
        exempt_column=column or "local_responsibility",
    )  # fmt: skip


def decision_entries(ctx: Context, kind: str, suffix: str) -> list[DecisionEntry]:
    """The entries of the table ``annual.<kind>_<suffix>`` that can trigger (a count of
    0 does not apply), in the table's order: grade counts, concealed, reporting."""
    key = f"annual.{kind}_{suffix}"
    if key not in ctx.rules.rulebook:
        return []
    value: dict[str, Any] = ctx[key]
    level = next(lvl for lvl, s in {**LEVELS, **UNIT_KINDS}.items() if s == suffix)
    switch, column, _note = EXEMPTIONS.get(suffix, ("", "", ""))
    exempt = bool(value.get(switch, False)) if switch else False
    specs: list[tuple[str, Any]] = []
    for grade, count in (value.get("grade_counts") or {}).items():
        specs.append(("grade", (str(grade), int(count))))
    concealed = int(value.get("concealed", 0) or 0)
    specs.append(("concealed", concealed))
    specs += [("reporting", dict(spec)) for spec in value.get("reporting") or []]
    entries: list[DecisionEntry] = []
    for i, (how, spec) in enumerate(specs):
        name = f"{kind}_{suffix}_{i}"
        if how == "grade":
            grade, count = spec
            entry = DecisionEntry(
                name=name, kind=kind, level=level, count=count, what=f"{grade}及以上事故",
                grade=grade, exempt=exempt, exempt_column=column or "local_responsibility",
            )  # fmt: skip
        elif how == "concealed":
            entry = _failure_entry(kind, level, name, {"count": spec}, exempt, column)
        else:
            entry = _failure_entry(kind, level, name, spec, exempt, column)
        if entry.count > 0:
            entries.append(entry)
    return entries


def all_decision_entries(
    ctx: Context, suffixes: tuple[str, ...] = tuple(LEVELS.values())
) -> Iterator[DecisionEntry]:
    """Every entry of every level's veto and yellow-card table (of the regions, unless
    `suffixes` names the units': ``("department",)``)."""
    for kind in ("veto", "yellow_card"):
        for suffix in suffixes:
            yield from decision_entries(ctx, kind, suffix)
