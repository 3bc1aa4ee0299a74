"""Checks on a resolved rulebook: what TOML types alone cannot say.

Each failure is a RulebookError naming the file, line and key (the parameter's
`source`), so that a typo can never silently change a score.
"""

from __future__ import annotations

from typing import Any

from accountability.codes import ACCIDENT_GRADES, OFFICIAL_ROLES, SECTORS
from accountability.errors import RulebookError
from accountability.rulebook.model import Parameter, Rulebook

__all__ = ["check_rulebook"]


def _fail(param: Parameter, message: str) -> RulebookError:
    return RulebookError(f"{param.source or '?'}: {param.key}: {message}")


def _numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def _check_value(param: Parameter, value: Any) -> None:
    key = param.key
    if any(n < 0 for n in _numbers(value)):
        raise _fail(param, "取值不能为负 (negative value)")
    if key == "annual.section_weights":
        if set(value) != {"A", "B", "C", "D", "E"}:
            raise _fail(param, f"须给出 A–E 五个分节的分值，实为 {sorted(value)}")
        total = sum(float(v) for v in value.values())
        if abs(total - 100.0) > 1e-9:
            raise _fail(param, f"各分节分值之和须为 100，实为 {total:g} (weights must sum to 100)")
    if key in ("annual.grade_bands", "enterprise.risk_classes"):
        mins = [float(b["min"]) for b in value]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise _fail(param, f"分数线须从高到低严格排列，实为 {mins} (unordered bands)")
        if mins and mins[-1] != 0.0:
            raise _fail(param, "最低一档的分数线须为 0")
    if key == "accident_grading.bands":
        grades = [b.get("grade") for b in value]
        if grades != ["特别重大", "重大", "较大"]:
            raise _fail(param, f"事故等级须依次为 特别重大、重大、较大，实为 {grades}")
        for field in ("deaths", "serious_injuries", "direct_loss_10k_yuan"):
            lows = [float(b[field]) for b in value]
            if lows != sorted(lows, reverse=True) or len(set(lows)) != len(lows):
                raise _fail(param, f"{field} 下限须从高到低严格排列，实为 {lows} (unordered bands)")
    if key.endswith("grade_counts") or key.startswith(("annual.veto_", "annual.yellow_card_")):
        counts = value.get("grade_counts", value) if isinstance(value, dict) else {}
        for grade in counts:
            if grade not in ACCIDENT_GRADES and grade != "concealed":
                raise _fail(param, f"未知事故等级 {grade!r}，应为 {list(ACCIDENT_GRADES)}")
    if key in ("annual.a4_min_grade", "annual.grade_cap_accident_grade",
               "enterprise.zero_score_grade", "enterprise.dishonest_grade"):
        if value not in ACCIDENT_GRADES:
            raise _fail(param, f"未知事故等级 {value!r}")
    if key == "annual.veto_effect" and value not in ("grade", "zero"):
        raise _fail(param, f"veto_effect 须为 \"grade\" 或 \"zero\"，实为 {value!r}")
    if key.startswith("sectors.") and key != "sectors.departments":
        bad = [s for s in value if s not in SECTORS]
        if bad:
            raise _fail(param, f"未知行业领域 {bad}")
    if key == "sectors.departments":
        bad = [s for sectors in value.values() for s in sectors if s not in SECTORS]
        if bad:
            raise _fail(param, f"未知行业领域 {bad}")
    if key == "dual_duty.duty_requirements":
        bad_roles = [r for r in value if r not in OFFICIAL_ROLES]
        if bad_roles:
            raise _fail(param, f"未知职务类别 {bad_roles}")


def check_rulebook(book: Rulebook) -> None:
    """Raise RulebookError on the first semantic fault in any dated value."""
    for key in sorted(book.parameters):
        param = book.parameters[key]
        for dated in param.values:
            _check_value(param, dated.value)
