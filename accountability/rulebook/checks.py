"""Checks on a resolved rulebook: what TOML types alone cannot say.

Each failure is a RulebookError `file:line: key: message`, the line being that of the
offending value (or entry) where it can be found, so that a typo can never silently
change a score.  Every dated value is checked; checks across two parameters (a grade
cap that must be one of the grade bands, inspection frequencies per risk class) are
made on every day either parameter changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from accountability.codes import (
    ACCIDENT_GRADES,
    DUTY_ACTIVITIES,
    OFFICIAL_ROLES,
    SECTORS,
    STANDARDIZATION_LEVELS,
)
from accountability.errors import RulebookError
from accountability.rulebook.model import Parameter, Rulebook

__all__ = ["check_rulebook"]

ANNUAL_SECTIONS = ("A", "B", "C", "D", "E")

_GRADE_KEYS = (
    "annual.a4_min_grade",
    "annual.grade_cap_accident_grade",
    "enterprise.zero_score_grade",
    "enterprise.dishonest_grade",
)
_POSITIVE_KEYS = (
    "annual.b2_coverage_target",
    "annual.e1_target_share",
    "dual_duty.sector_rise_ratio",
    "enterprise.dishonest_window_months",
)


def _fail(param: Parameter, message: str, sub: str = "") -> RulebookError:
    return RulebookError(f"{param.where(sub)}: {param.key}: {message}")


def _numbers(value: Any, path: str) -> Iterator[tuple[str, float]]:
    """Every number in a value with its sub-path ("value.0.min")."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield path, float(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _numbers(v, f"{path}.{i}")


def _grade_counts(value: Any, at: str) -> Iterator[tuple[dict[str, Any], str]]:
    """The `grade_counts` tables inside a veto / yellow-card / step parameter."""
    if isinstance(value, dict) and isinstance(value.get("grade_counts"), dict):
        yield value["grade_counts"], f"{at}.grade_counts"


def _check_bands(param: Parameter, value: Any, at: str, name_field: str) -> None:
    names = [b[name_field] for b in value]
    if len(set(names)) != len(names):
        raise _fail(param, f"等次名称重复: {names} (duplicate band)", at)
    mins = [float(b["min"]) for b in value]
    for i in range(1, len(mins)):
        if mins[i] >= mins[i - 1]:
            raise _fail(
                param,
                f"分数线须从高到低严格排列，实为 {mins} (unordered bands)",
                f"{at}.{i}.min",
            )
    if mins and mins[-1] != 0.0:
        raise _fail(
            param,
            "最低一档的分数线须为 0 (the lowest band starts at 0)",
            f"{at}.{len(mins) - 1}.min",
        )


def _check_value(param: Parameter, value: Any, at: str) -> None:
    key = param.key
    for sub, number in _numbers(value, at):
        if not math.isfinite(number):
            raise _fail(param, f"取值须为有限数，实为 {number} (not a finite number)", sub)
        if number < 0:
            raise _fail(param, f"取值不能为负: {sub} = {number:g} (negative value)", sub)

    if key == "annual.section_weights":
        if set(value) != set(ANNUAL_SECTIONS):
            raise _fail(param, f"须给出 A–E 五个分节的分值，实为 {sorted(value)}", at)
        total = math.fsum(float(v) for v in value.values())
        if abs(total - 100.0) > 1e-9:
            raise _fail(
                param, f"各分节分值之和须为 100，实为 {total:g} (weights must sum to 100)", at
            )
    elif key == "annual.grade_bands":
        _check_bands(param, value, at, "grade")
    elif key == "enterprise.risk_classes":
        _check_bands(param, value, at, "class")
    elif key == "accident_grading.bands":
        grades = [b.get("grade") for b in value]
        if grades != ["特别重大", "重大", "较大"]:
            raise _fail(param, f"事故等级须依次为 特别重大、重大、较大，实为 {grades}", at)
        for field in ("deaths", "serious_injuries", "direct_loss_10k_yuan"):
            lows = [float(b[field]) for b in value]
            for i in range(1, len(lows)):
                if lows[i] >= lows[i - 1]:
                    raise _fail(
                        param,
                        f"{field} 下限须从高到低严格排列，实为 {lows} (unordered bands)",
                        f"{at}.{i}.{field}",
                    )
    elif key == "four_musts.repeat_windows":
        for i, window in enumerate(value):
            for field in ("days", "fines"):
                if window[field] < 1:
                    raise _fail(param, f"{field} 须至少为 1", f"{at}.{i}.{field}")
    elif key in _GRADE_KEYS:
        if value not in ACCIDENT_GRADES:
            raise _fail(param, f"未知事故等级 {value!r}，应为 {list(ACCIDENT_GRADES)}", at)
    elif key == "annual.veto_effect":
        if value not in ("grade", "zero"):
            raise _fail(param, f'veto_effect 须为 "grade" 或 "zero"，实为 {value!r}', at)
    elif key == "annual.e1_min_level":
        if value not in STANDARDIZATION_LEVELS:
            raise _fail(param, f"未知标准化等级 {value!r}，应为 {list(STANDARDIZATION_LEVELS)}", at)
    elif key == "enterprise.standardization_bonus":
        bad = [lvl for lvl in value if lvl not in STANDARDIZATION_LEVELS]
        if bad:
            raise _fail(
                param,
                f"未知标准化等级 {bad}，应为 {list(STANDARDIZATION_LEVELS)}",
                f"{at}.{bad[0]}",
            )
    elif key == "sectors.departments":
        for dept, sectors in value.items():
            bad = [s for s in sectors if s not in SECTORS]
            if bad:
                raise _fail(param, f"未知行业领域 {bad}", f"{at}.{dept}")
    elif key.startswith("sectors."):
        bad = [s for s in value if s not in SECTORS]
        if bad:
            raise _fail(param, f"未知行业领域 {bad}，应为 {list(SECTORS)}", at)
    elif key == "dual_duty.duty_requirements":
        for role, activities in value.items():
            if role not in OFFICIAL_ROLES:
                raise _fail(
                    param, f"未知职务类别 {role!r}，应为 {list(OFFICIAL_ROLES)}", f"{at}.{role}"
                )
            bad = [a for a in activities if a not in DUTY_ACTIVITIES]
            if bad:
                raise _fail(
                    param,
                    f"未知履职事项 {bad}，应为 {list(DUTY_ACTIVITIES)}",
                    f"{at}.{role}.{bad[0]}",
                )
    if key in _POSITIVE_KEYS and not value > 0:
        raise _fail(param, f"取值须大于 0，实为 {value!r} (must be positive)", at)

    counts = [(value, at)] if key.endswith("grade_counts") else list(_grade_counts(value, at))
    for table, sub in counts:
        for grade, n in table.items():
            if grade not in ACCIDENT_GRADES:
                raise _fail(
                    param, f"未知事故等级 {grade!r}，应为 {list(ACCIDENT_GRADES)}", f"{sub}.{grade}"
                )
            if not float(n).is_integer():
                raise _fail(param, f"起数须为整数，实为 {n!r}", f"{sub}.{grade}")


def _value_path(param: Parameter, index: int) -> str:
    return "value" if not param.dated else f"values.{index}.value"


def _check_across(book: Rulebook) -> None:
    """Checks between parameters, on each day any of them changes."""
    pairs = [
        ("annual.grade_cap", "annual.grade_bands"),
        ("enterprise.inspections_per_year", "enterprise.risk_classes"),
        ("enterprise.dishonest_class", "enterprise.risk_classes"),
    ]
    for key, other in pairs:
        if key not in book or other not in book:
            continue
        param, bands = book[key], book[other]
        days = sorted({d.start for p in (param, bands) for d in p.values if d.start is not None})
        for day in days or [None]:
            try:
                value = param.value_at(day) if day else param.values[0].value
                names = [
                    b.get("grade", b.get("class"))
                    for b in (bands.value_at(day) if day else bands.values[0].value)
                ]
            except RulebookError:
                continue  # one of them is not yet in force that day
            index = next(
                (
                    i
                    for i, d in reversed(list(enumerate(param.values)))
                    if day is None or d.start is None or d.start <= day
                ),
                0,
            )
            at = _value_path(param, index)
            when = f"（{day} 起）" if day else ""
            if isinstance(value, dict):
                if set(value) != set(names):
                    raise _fail(
                        param,
                        f"{when}须为 {other} 的每一等级给出取值 {names}，实为 {list(value)}",
                        at,
                    )
            elif value not in names:
                raise _fail(param, f"{when}{value!r} 不是 {other} 中的等级 {names}", at)


def check_rulebook(book: Rulebook) -> None:
    """Raise RulebookError on the first semantic fault in any dated value."""
    for key in sorted(book.parameters):
        param = book.parameters[key]
        if not param.basis.strip():
            raise _fail(param, "缺少依据 basis (basis missing)")
        for i, dated in enumerate(param.values):
            at = _value_path(param, i)
            try:
                _check_value(param, dated.value, at)
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                if isinstance(exc, RulebookError):
                    raise
                raise _fail(param, f"取值的形状不正确 (malformed value): {exc!r}", at) from None
    _check_across(book)
