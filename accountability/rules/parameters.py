"""PARAMETERS: the unit, role and range of every parameter of the default rulebook.

A rule file gives each parameter a value; this module says what that value must be.
Each parameter has one `ParamSpec`: the kind of quantity it is (`unit`: 分, 比例,
起 …), the part it plays in a rule (`role`: 分值, 目标, 阈值 …), where its numbers
may lie (`bounds`), and for the parameters a number cannot describe, the names it
may take (`choices`), the band parameter its names come from (`names_from`) or a
small function that checks a structured table (`check`).  The rulebook's checks
read these records; nothing here reads a rule file.

>>> spec = param_spec("annual.b2_coverage_target")
>>> spec.unit, spec.role, str(spec.bounds)
('比例', '目标', '> 0 且 ≤ 1')
>>> [f.message for f in spec.faults(35)]
['比例须在 0 与 1 之间，实为 35 (a share lies between 0 and 1)']
>>> [f.suggestion for f in spec.faults(35)]
['是否应为 0.35？(did you mean 0.35?)']
>>> param_spec("annual.nonsense") is None
True
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from accountability.codes import (
    ACCIDENT_GRADES,
    ACCIDENT_POPULATION_FLAGS,
    ACCOUNTABILITY_STEPS,
    ATTRIBUTED_TARGET,
    CLASS_OVERRIDE_GROUNDS,
    CLASS_SCHEME_BY,
    CONCEALED_BY,
    DECISION_EXEMPT_KEY,
    DEFAULT_SCHEME,
    DISHONEST_GROUNDS,
    DUTY_ACTIVITIES,
    GRADE_COUNT_INDICATORS,
    ILLEGAL_KINDS,
    LONG_IDLE,
    NON_HIGH_RISK,
    OFFICIAL_ROLES,
    PENALTY_KINDS,
    PULL_IN_FLAGS,
    REGION_LEVELS,
    REPORTING_FAILURES,
    RISK_LEVELS,
    SECTORS,
    STANDARDIZATION_LEVELS,
    SUPERVISORY_EXEMPT_KEY,
    UNIT_KINDS,
    UNIT_SCORED_RULES,
    UNRATED,
)

__all__ = [
    "PARAMETERS",
    "ROLES",
    "UNITS",
    "Bounds",
    "Fault",
    "ParamSpec",
    "number_faults",
    "param_spec",
    "scheme_labels",
]

# The part a parameter plays in a rule, as a line item citing several bases names it.
ROLES: tuple[str, ...] = ("分值", "目标", "阈值", "窗口", "口径", "分数线", "效果")

ANNUAL_SECTIONS = ("A", "B", "C", "D", "E")


@attrs.frozen
class Fault:
    """One thing wrong with a value: where inside it (`at`, "" for the value itself,
    "1.min" for a field of an entry), what, and how to fix it if that can be said."""

    at: str
    message: str
    suggestion: str = ""


@attrs.frozen
class Bounds:
    """Where each number of a value may lie: from `low` (excluded if `open_low`) up to
    `high` (included), whole if `whole`.

    >>> str(Bounds(1, whole=True)), str(Bounds(0, open_low=True))
    ('≥ 1 的整数', '> 0')
    """

    low: float | None = 0.0
    open_low: bool = False
    high: float | None = None
    whole: bool = False

    def __str__(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.open_low else '≥'} {self.low:g}")
        if self.high is not None:
            parts.append(f"≤ {self.high:g}")
        text = " 且 ".join(parts) or "任意数"
        return f"{text} 的整数" if self.whole else text

    def fault(self, number: float, at: str, unit: str) -> Fault | None:
        """What is wrong with `number` (found at `at`), or None."""
        shown = "value" + (f".{at}" if at else "")
        if not math.isfinite(number):
            return Fault(at, f"取值须为有限数，实为 {float(number)} (not a finite number)")
        if self.low is not None and self.open_low and number <= self.low:
            return Fault(at, f"取值须大于 {self.low:g}，实为 {number!r} (must be positive)")
        if self.low is not None and number < self.low:
            if self.low == 0:
                suggestion = ""
                if unit.startswith("分"):
                    suggestion = (
                        f"分值以正数记载（扣分由评分程序减去），是否应为 {-number:g}？"
                        f"(points are written as positive numbers; did you mean {-number:g}?)"
                    )
                return Fault(at, f"取值不能为负: {shown} = {number:g} (negative value)", suggestion)
            return Fault(
                at, f"取值须至少为 {self.low:g}，实为 {number!r} (must be at least {self.low:g})"
            )
        if self.high is not None and number > self.high:
            if unit == "比例":
                suggestion = ""
                if 1 < number <= 100:
                    suggestion = f"是否应为 {number / 100:g}？(did you mean {number / 100:g}?)"
                return Fault(
                    at,
                    f"比例须在 0 与 1 之间，实为 {number:g} (a share lies between 0 and 1)",
                    suggestion,
                )
            return Fault(
                at, f"取值须不大于 {self.high:g}，实为 {number!r} (must be at most {self.high:g})"
            )
        if self.whole and not float(number).is_integer():
            low, high = math.floor(number), math.ceil(number)
            noun = _COUNT_NOUN.get(unit, "取值")
            return Fault(
                at,
                f"{noun}须为整数，实为 {number!r} (a whole number expected)",
                f"是否应为 {low} 或 {high}？(did you mean {low} or {high}?)",
            )
        return None


NON_NEGATIVE = Bounds(0.0)
POSITIVE = Bounds(0.0, open_low=True)
SHARE = Bounds(0.0, high=1.0)
TARGET_SHARE = Bounds(0.0, open_low=True, high=1.0)
COUNT = Bounds(0.0, whole=True)
AT_LEAST_ONE = Bounds(1.0, whole=True)

# Every unit a parameter may have, with the bounds of its numbers.  Units whose values
# are names or tables still bound the numbers inside them: finite and not negative.
UNITS: Mapping[str, Bounds] = MappingProxyType(
    {
        "分": NON_NEGATIVE,  # points
        "分/起": NON_NEGATIVE,  # points per accident or case
        "分/人": NON_NEGATIVE,  # points per person
        "分/项": NON_NEGATIVE,  # points per item (a hazard)
        "比例": SHARE,  # a share in [0, 1]
        "倍": POSITIVE,  # a ratio
        "起": COUNT,  # accidents or cases
        "人": COUNT,  # people
        "次": COUNT,  # times
        "次/年": COUNT,  # times a year
        "月": AT_LEAST_ONE,  # months
        "天": AT_LEAST_ONE,  # days
        "等级": NON_NEGATIVE,  # an accident grade (codes.ACCIDENT_GRADES)
        "标准化等级": NON_NEGATIVE,  # a standardisation level (codes.STANDARDIZATION_LEVELS)
        "等次": NON_NEGATIVE,  # a band's name, from the bands parameter `names_from`
        "布尔": NON_NEGATIVE,  # true or false
        "文本": NON_NEGATIVE,  # one of `choices`
        "行业领域": NON_NEGATIVE,  # a list of sectors (codes.SECTORS)
        "分数线": NON_NEGATIVE,  # ordered bands [{ name, min }], the lowest at 0
        "表": NON_NEGATIVE,  # a structured table, checked by the spec's `check`
        "月-日": NON_NEGATIVE,  # a day of the year as "MM-DD" (a period's first day)
        "年": Bounds(1949.0, high=9998.0, whole=True),  # a calendar year
        "年数": AT_LEAST_ONE,  # a length in years
        "非法类型": NON_NEGATIVE,  # a list of illegal kinds (codes.ILLEGAL_KINDS)
    }
)

# Units a rule file writes as `unit = "…"`: a parameter of one of these that states a
# unit must state this one.
WRITTEN_UNITS = frozenset(
    {"分", "分/起", "分/人", "分/项", "比例", "倍", "起", "人", "次", "次/年", "月", "天"}
)

_COUNT_NOUN = {
    "起": "起数",
    "人": "人数",
    "次": "次数",
    "次/年": "次数",
    "月": "月数",
    "天": "天数",
}

_UNIT_CHOICES: Mapping[str, tuple[str, ...]] = {
    "等级": ACCIDENT_GRADES,
    "标准化等级": STANDARDIZATION_LEVELS,
    "行业领域": SECTORS,
    "非法类型": ILLEGAL_KINDS,
}
# Units whose value is a list of names (each one of the unit's choices).
_LIST_UNITS = frozenset({"行业领域", "非法类型"})
_CHOICE_NOUN = {
    "等级": "事故等级",
    "标准化等级": "标准化等级",
    "行业领域": "行业领域",
    "非法类型": "非法类型",
}

Check = Callable[[Any], Iterator[Fault]]


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _did_you_mean(word: object, options: tuple[str, ...]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, options, n=1)
    return f"是否应为 {close[0]}？(did you mean {close[0]}?)" if close else ""


def numbers(value: Any, at: str = "") -> Iterator[tuple[str, int | float]]:
    """Every number in a value (booleans are not numbers) with its sub-path ("0.min")."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield at, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from numbers(v, _join(at, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from numbers(v, _join(at, str(i)))


def number_faults(value: Any, bounds: Bounds = NON_NEGATIVE, unit: str = "") -> Iterator[Fault]:
    """A fault for every number of `value` outside `bounds`: all a parameter that has no
    spec is checked for (finite, not negative)."""
    for at, number in numbers(value):
        fault = bounds.fault(number, at, unit)
        if fault is not None:
            yield fault


# -- the checks of structured tables ------------------------------------------------


def _section_weights(value: Any) -> Iterator[Fault]:
    """A–E, summing to 100."""
    if set(value) != set(ANNUAL_SECTIONS):
        yield Fault("", f"须给出 A–E 五个分节的分值，实为 {sorted(value)}")
        return
    total = math.fsum(float(v) for v in value.values())
    if abs(total - 100.0) > 1e-9:
        yield Fault(
            "",
            f"各分节分值之和须为 100，实为 {total:g} (weights must sum to 100)",
            f"差 {100.0 - total:g} 分 (off by {100.0 - total:g})",
        )


def _bands(name_field: str) -> Check:
    """Named bands `[{ <name_field> = …, min = … }]`: distinct names, `min` strictly
    falling, the lowest at 0."""

    def check(value: Any) -> Iterator[Fault]:
        if not value:
            yield Fault("", "至少须有一档分数线 (at least one band)")
            return
        names = [b[name_field] for b in value]
        if len(set(names)) != len(names):
            yield Fault("", f"等次名称重复: {names} (duplicate band)")
        mins = [float(b["min"]) for b in value]
        for i in range(1, len(mins)):
            if mins[i] >= mins[i - 1]:
                yield Fault(f"{i}.min", f"分数线须从高到低严格排列，实为 {mins} (unordered bands)")
        if mins[-1] != 0.0:
            yield Fault(
                f"{len(mins) - 1}.min", "最低一档的分数线须为 0 (the lowest band starts at 0)"
            )

    return check


def _accident_bands(value: Any) -> Iterator[Fault]:
    """特别重大, 重大, 较大 in that order; each threshold strictly falling."""
    grades = [b.get("grade") for b in value]
    if grades != ["特别重大", "重大", "较大"]:
        yield Fault("", f"事故等级须依次为 特别重大、重大、较大，实为 {grades}")
        return
    for field in ("deaths", "serious_injuries", "direct_loss_10k_yuan"):
        lows = [float(b[field]) for b in value]
        for i in range(1, len(lows)):
            if lows[i] >= lows[i - 1]:
                yield Fault(
                    f"{i}.{field}",
                    f"{field} 下限须从高到低严格排列，实为 {lows} (unordered bands)",
                )
    for i, band in enumerate(value):
        for field in ("deaths", "serious_injuries"):
            fault = COUNT.fault(band[field], f"{i}.{field}", "人")
            if fault is not None:
                yield fault


def _repeat_windows(value: Any) -> Iterator[Fault]:
    """`[{ days, fines }]`: both whole and at least 1; no two windows of the same days."""
    for i, window in enumerate(value):
        for field in ("days", "fines"):
            if window[field] < 1:
                yield Fault(f"{i}.{field}", f"{field} 须至少为 1")
            elif not float(window[field]).is_integer():
                fault = COUNT.fault(
                    window[field], f"{i}.{field}", "天" if field == "days" else "次"
                )
                if fault is not None:
                    yield fault
    days = [w["days"] for w in value]
    for i, d in enumerate(days):
        if d in days[:i]:
            yield Fault(f"{i}.days", f"窗口天数重复: {d} (two windows of the same days)")


def _penalty_kinds(value: Any) -> Iterator[Fault]:
    """A non-empty list of penalty kinds, each one of PENALTY_KINDS."""
    if not isinstance(value, list) or not value:
        yield Fault("", f'须为处罚种类数组，如 ["罚款"]，实为 {value!r} (a list of penalty kinds)')
        return
    for i, kind in enumerate(value):
        if kind not in PENALTY_KINDS:
            yield Fault(
                str(i),
                f"未知处罚种类 {kind!r}，应为 {list(PENALTY_KINDS)}",
                _did_you_mean(kind, PENALTY_KINDS),
            )


_SPAN_UNITS = ("days", "months")
_COUNTINGS = ("penalties", "findings")


def _sector_windows(value: Any) -> Iterator[Fault]:
    """`{ 行业领域 or "*" = [{ span, span_unit, count, counting, basis }] }`."""
    for sector, windows in value.items():
        if sector != "*" and sector not in SECTORS:
            yield Fault(
                sector,
                f'未知行业领域 {sector!r}，应为 {list(SECTORS)} 或 "*"',
                _did_you_mean(sector, SECTORS),
            )
        if not isinstance(windows, list):
            yield Fault(sector, f"须为窗口数组，实为 {windows!r} (a list of windows)")
            continue
        seen: list[tuple[object, ...]] = []
        for i, window in enumerate(windows):
            at = f"{sector}.{i}"
            fields = {"span", "span_unit", "count", "counting", "basis"}
            if not isinstance(window, dict) or set(window) != fields:
                yield Fault(at, f"窗口须为 {{ {', '.join(sorted(fields))} }}，实为 {window!r}")
                continue
            for field in ("span", "count"):
                number = window[field]
                if isinstance(number, bool) or not isinstance(number, int | float):
                    yield Fault(f"{at}.{field}", f"{field} 须为整数，实为 {number!r}")
                elif (fault := AT_LEAST_ONE.fault(number, f"{at}.{field}", "次")) is not None:
                    yield fault
            if window["span_unit"] not in _SPAN_UNITS:
                yield Fault(
                    f"{at}.span_unit",
                    f'span_unit 须为 "days" 或 "months"，实为 {window["span_unit"]!r}',
                    _did_you_mean(window["span_unit"], _SPAN_UNITS),
                )
            if window["counting"] not in _COUNTINGS:
                yield Fault(
                    f"{at}.counting",
                    f'counting 须为 "penalties" 或 "findings"，实为 {window["counting"]!r}',
                    _did_you_mean(window["counting"], _COUNTINGS),
                )
            if not isinstance(window["basis"], str) or not window["basis"].strip():
                yield Fault(f"{at}.basis", "每个窗口须注明依据 basis (a window needs its basis)")
            shape = (window["span"], window["span_unit"], window["counting"])
            if shape in seen:
                yield Fault(at, f"同一行业领域的窗口重复: {shape} (two windows of the same span)")
            seen.append(shape)


def _basis_fault(entry: dict[str, Any], at: str) -> Iterator[Fault]:
    if not isinstance(entry.get("basis"), str) or not entry["basis"].strip():
        yield Fault(f"{at}.basis", "须注明依据 basis (the basis is missing)")


def _grounds(
    value: Any, names: tuple[str, ...], fields: set[str]
) -> tuple[list[Fault], list[tuple[int, dict[str, Any]]]]:
    """Rows `[{ ground, …fields }]`: known grounds, each once, `on` true or false, with
    a basis.  The faults, and the (index, row) of the rows well-formed enough to check
    further."""
    faults: list[Fault] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: list[str] = []
    for i, row in enumerate(value if isinstance(value, list) else []):
        at = str(i)
        if not isinstance(row, dict) or set(row) != fields:
            faults.append(Fault(at, f"须为 {{ {', '.join(sorted(fields))} }}，实为 {row!r}"))
            continue
        if row["ground"] not in names:
            faults.append(
                Fault(
                    f"{at}.ground",
                    f"未知情形 {row['ground']!r}，应为 {list(names)}",
                    _did_you_mean(row["ground"], names),
                )
            )
        elif row["ground"] in seen:
            faults.append(Fault(f"{at}.ground", f"情形重复: {row['ground']!r}"))
        seen.append(row["ground"])
        if not isinstance(row["on"], bool):
            faults.append(Fault(f"{at}.on", f"on 须为 true 或 false，实为 {row['on']!r}"))
        faults.extend(_basis_fault(row, at))
        rows.append((i, row))
    return faults, rows


def _dishonest_grounds(value: Any) -> Iterator[Fault]:
    """`[{ ground, on, basis }]`, ground one of DISHONEST_GROUNDS, each once."""
    yield from _grounds(value, DISHONEST_GROUNDS, {"ground", "on", "basis"})[0]


def _class_overrides(value: Any) -> Iterator[Fault]:
    """`[{ ground, class, on, months, basis }]`; fatal_accident needs months ≥ 1."""
    faults, rows = _grounds(
        value, CLASS_OVERRIDE_GROUNDS, {"ground", "class", "on", "months", "basis"}
    )
    yield from faults
    for i, row in rows:
        months = row["months"]
        if isinstance(months, bool) or not isinstance(months, int | float):
            yield Fault(f"{i}.months", f"months 须为整数，实为 {months!r}")
            continue
        bounds = AT_LEAST_ONE if row["ground"] == "fatal_accident" else COUNT
        if (fault := bounds.fault(months, f"{i}.months", "月")) is not None:
            yield fault


def scheme_labels(by: str) -> tuple[str, ...] | None:
    """The category labels a class scheme graded `by` must cover (None for score: its
    labels are the risk classes' names, checked against them when the rules are used).

    >>> scheme_labels("standardization")
    ('一级', '二级', '三级', '未定级')
    """
    if by == "standardization":
        return (*STANDARDIZATION_LEVELS, UNRATED)
    if by == "risk_level":
        return (*RISK_LEVELS, UNRATED)
    return None


def _class_schemes(value: Any) -> Iterator[Fault]:
    """`{ 行业领域 | "*" | "非高危" = { by, basis, categories = [{ label, class,
    inspections_min, inspections_max? }] } }`."""
    keys = (*SECTORS, DEFAULT_SCHEME, NON_HIGH_RISK)
    for key, scheme in value.items():
        if key not in keys:
            yield Fault(key, f"未知行业领域 {key!r}，应为 {list(keys)}", _did_you_mean(key, keys))
        if not isinstance(scheme, dict) or set(scheme) != {"by", "basis", "categories"}:
            yield Fault(key, f"方案须为 {{ basis, by, categories }}，实为 {scheme!r}")
            continue
        yield from _basis_fault(scheme, key)
        by = scheme["by"]
        if by not in CLASS_SCHEME_BY:
            yield Fault(
                f"{key}.by", f"by 须为 {list(CLASS_SCHEME_BY)} 之一，实为 {by!r}",
                _did_you_mean(by, CLASS_SCHEME_BY),
            )  # fmt: skip
            continue
        categories = scheme["categories"]
        if not isinstance(categories, list) or not categories:
            yield Fault(f"{key}.categories", "categories 须为非空数组 (at least one category)")
            continue
        labels: list[object] = []
        for i, category in enumerate(categories):
            at = f"{key}.categories.{i}"
            required = {"label", "class", "inspections_min"}
            if not isinstance(category, dict) or not (
                required <= set(category) <= required | {"inspections_max"}
            ):
                yield Fault(
                    at,
                    "类别须为 { label, class, inspections_min, inspections_max（可不写）}，"
                    f"实为 {category!r}",
                )
                continue
            labels.append(category["label"])
            low = category["inspections_min"]
            for field in ("inspections_min", "inspections_max"):
                if field in category:
                    number = category[field]
                    if isinstance(number, bool) or not isinstance(number, int | float):
                        yield Fault(f"{at}.{field}", f"{field} 须为整数，实为 {number!r}")
                    elif (fault := COUNT.fault(number, f"{at}.{field}", "次")) is not None:
                        yield fault
            high = category.get("inspections_max")
            if isinstance(low, int | float) and isinstance(high, int | float) and high < low:
                yield Fault(
                    f"{at}.inspections_max",
                    f"检查次数上限 {high:g} 小于下限 {low:g} (max below min)",
                )
        if len(set(map(str, labels))) != len(labels):
            yield Fault(f"{key}.categories", f"类别重复: {labels} (duplicate category)")
        needed = scheme_labels(by)
        if needed is not None:
            allowed = (*needed, LONG_IDLE)
            for i, label in enumerate(labels):
                if label not in allowed:
                    yield Fault(
                        f"{key}.categories.{i}.label",
                        f"按 {by} 分级的类别应为 {list(allowed)} 之一，实为 {label!r}",
                        _did_you_mean(label, allowed),
                    )
            missing = [label for label in needed if label not in labels]
            if missing:
                yield Fault(
                    f"{key}.categories",
                    f"缺少类别 {missing}：按 {by} 分级须为每一类别定级"
                    " (every category needs a class)",
                )


def _plan_levels(value: Any) -> Iterator[Fault]:
    """`{ 风险等级 or 行业领域 = "省" | "市" | "县" }` (class names checked when used)."""
    for key, level in value.items():
        if level not in REGION_LEVELS:
            yield Fault(
                str(key),
                f"层级须为 {list(REGION_LEVELS)} 之一，实为 {level!r}",
                _did_you_mean(level, REGION_LEVELS),
            )


def _fine_ranges(value: Any) -> Iterator[Fault]:
    """`{ 条款[-档次] = { article, min_yuan, max_yuan } }`, 0 ≤ min ≤ max, max > 0."""
    for key, entry in value.items():
        fields = {"article", "min_yuan", "max_yuan"}
        if not isinstance(entry, dict) or set(entry) != fields:
            yield Fault(str(key), f"须为 {{ article, max_yuan, min_yuan }}，实为 {entry!r}")
            continue
        if not isinstance(entry["article"], str) or not entry["article"].strip():
            yield Fault(f"{key}.article", "须注明条款 article (the article is missing)")
        low, high = entry["min_yuan"], entry["max_yuan"]
        if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in (low, high)):
            yield Fault(str(key), f"min_yuan 与 max_yuan 须为数值，实为 {low!r}、{high!r}")
        elif high <= 0 or low > high:
            yield Fault(
                f"{key}.max_yuan",
                f"须 0 ≤ min_yuan ≤ max_yuan 且 max_yuan > 0，实为 {low:g}、{high:g}"
                " (an empty or inverted range)",
            )


def _criminal_thresholds(value: Any) -> Iterator[Fault]:
    """`{ deaths, serious_injuries, direct_loss_10k_yuan }`: people whole and ≥ 1; loss > 0."""
    for field in ("deaths", "serious_injuries"):
        fault = AT_LEAST_ONE.fault(value[field], field, "人")
        if fault is not None:
            yield fault
    fault = POSITIVE.fault(value["direct_loss_10k_yuan"], "direct_loss_10k_yuan", "万元")
    if fault is not None:
        yield fault


def _grade_names(table: Any, at: str) -> Iterator[Fault]:
    for grade in table:
        if grade not in ACCIDENT_GRADES:
            yield Fault(
                _join(at, str(grade)),
                f"未知事故等级 {grade!r}，应为 {list(ACCIDENT_GRADES)}",
                _did_you_mean(grade, ACCIDENT_GRADES),
            )


def _grade_counts(value: Any) -> Iterator[Fault]:
    """`{ 事故等级 = 起数 }`."""
    yield from _grade_names(value, "")


def _consequences(value: Any) -> Iterator[Fault]:
    """`{ award_ineligible = 布尔, promotion_bar_days = 天数, promotion_bar_roles = [职务] }`."""
    if not isinstance(value.get("award_ineligible"), bool):
        yield Fault(
            "award_ineligible", f"须为 true 或 false，实为 {value.get('award_ineligible')!r}"
        )
    days = value.get("promotion_bar_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        yield Fault("promotion_bar_days", f"须为不小于 0 的整数（天），实为 {days!r}")
    roles = value.get("promotion_bar_roles")
    if not isinstance(roles, list):
        yield Fault("promotion_bar_roles", f"须为职务数组，实为 {roles!r}")
        return
    for i, role in enumerate(roles):
        if role not in OFFICIAL_ROLES:
            yield Fault(
                _join("promotion_bar_roles", str(i)),
                f"未知职务 {role!r}，应为 {list(OFFICIAL_ROLES)}",
                _did_you_mean(str(role), OFFICIAL_ROLES),
            )


def _awards(value: Any) -> Iterator[Fault]:
    """`[{ label, top = 名次 | share = 比例, levels = [级别], assessed_by = [考核地区级别],
    forbidden_grade = 事故等级, population = [事故标记] }]`."""
    if not isinstance(value, list):
        yield Fault("", f'须为数组，如 [{{ label = "先进", top = 3 }}]，实为 {value!r}')
        return
    known = {"label", "top", "share", "levels", "assessed_by", "forbidden_grade", "population"}
    for i, award in enumerate(value):
        at = str(i)
        if not isinstance(award, dict):
            yield Fault(at, f"须为表，实为 {award!r}")
            continue
        for key in sorted(set(award) - known):
            yield Fault(_join(at, key), f"未知的键 {key!r}，可用 {sorted(known)}")
        if not str(award.get("label", "")).strip():
            yield Fault(_join(at, "label"), "须给出奖项名称 label")
        top, share = award.get("top"), award.get("share")
        if (top is None) == (share is None):
            yield Fault(at, "须给出 top（前几名）或 share（前百分之几，0–1）之一")
        if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
            yield Fault(_join(at, "top"), f"须为不小于 1 的整数，实为 {top!r}")
        if share is not None and not (isinstance(share, int | float) and 0 < share <= 1):
            yield Fault(_join(at, "share"), f"须在 0 到 1 之间（不含 0），实为 {share!r}")
        levels = (*REGION_LEVELS, *UNIT_KINDS)
        for j, level in enumerate(award.get("levels", [])):
            if level not in levels:
                yield Fault(_join(at, "levels", str(j)), f"未知级别 {level!r}，应为 {list(levels)}")
        for j, level in enumerate(award.get("assessed_by", [])):
            if level not in REGION_LEVELS:
                yield Fault(
                    _join(at, "assessed_by", str(j)),
                    f"未知地区级别 {level!r}，应为 {list(REGION_LEVELS)}",
                )
        if "forbidden_grade" in award:
            yield from _grade_names([award["forbidden_grade"]], _join(at, "forbidden_grade"))
        if "population" in award:
            for fault in _population(award["population"]):
                yield Fault(_join(at, "population", fault.at), fault.message, fault.suggestion)


def _pull_in(value: Any) -> Iterator[Fault]:
    """`[{ min_grade = 事故等级, flag = 事故标记 }]`: each entry names at least one."""
    if not isinstance(value, list):
        yield Fault("", f'须为数组，如 [{{ min_grade = "重大" }}]，实为 {value!r}')
        return
    for i, entry in enumerate(value):
        at = str(i)
        if not isinstance(entry, dict) or not entry:
            yield Fault(at, f"须为含 min_grade 或 flag 的表，实为 {entry!r}")
            continue
        for key in sorted(set(entry) - {"min_grade", "flag"}):
            yield Fault(_join(at, key), f"未知的键 {key!r}，可用 min_grade、flag")
        if "min_grade" in entry:
            yield from _grade_names([entry["min_grade"]], _join(at, "min_grade"))
        if "flag" in entry and entry["flag"] not in PULL_IN_FLAGS:
            yield Fault(
                _join(at, "flag"),
                f"未知的事故标记 {entry['flag']!r}，应为 {list(PULL_IN_FLAGS)}",
                _did_you_mean(str(entry["flag"]), PULL_IN_FLAGS),
            )


def _veto(value: Any) -> Iterator[Fault]:
    """`{ grade_counts = { 事故等级 = 起数 }, concealed = 起数, reporting = [{ failure,
    count, min_grade, by }], exempt_without_local_responsibility = 布尔 }`."""
    yield from _decision_table(value, DECISION_EXEMPT_KEY)


def _veto_department(value: Any) -> Iterator[Fault]:
    """A department's table: as a region's, with the switch
    `exempt_without_supervisory_responsibility` (监管责任) in place of 属地管理责任."""
    yield from _decision_table(value, SUPERVISORY_EXEMPT_KEY)


def _veto_state_enterprise(value: Any) -> Iterator[Fault]:
    """A state-owned enterprise's table: as a region's, without an exemption switch."""
    yield from _decision_table(value, None)


def _decision_table(value: Any, exempt_key: str | None) -> Iterator[Fault]:
    if isinstance(value.get("grade_counts"), dict):
        yield from _grade_names(value["grade_counts"], "grade_counts")
    known = {"grade_counts", "concealed", "reporting"} | ({exempt_key} if exempt_key else set())
    for key in sorted(set(value) - known):
        yield Fault(key, f"未知的键 {key!r}，可用 {sorted(known)}", _did_you_mean(key, known))
    if exempt_key in value and not isinstance(value[exempt_key], bool):
        yield Fault(exempt_key, f"须为 true 或 false，实为 {value[exempt_key]!r}")
    reporting = value.get("reporting", [])
    if not isinstance(reporting, list):
        yield Fault("reporting", f"须为数组，实为 {reporting!r}")
        return
    for i, spec in enumerate(reporting):
        at = f"reporting.{i}"
        if not isinstance(spec, dict):
            yield Fault(at, f'须为表，如 {{ failure = "concealed", count = 1 }}，实为 {spec!r}')
            continue
        for key in sorted(set(spec) - {"failure", "count", "min_grade", "by"}):
            yield Fault(_join(at, key), f"未知的键 {key!r}，可用 failure、count、min_grade、by")
        failure = spec.get("failure", "concealed_or_false")
        if failure not in REPORTING_FAILURES:
            yield Fault(
                _join(at, "failure"),
                f"未知的报告情形 {failure!r}，应为 {list(REPORTING_FAILURES)}",
                _did_you_mean(str(failure), REPORTING_FAILURES),
            )
        if "min_grade" in spec:
            yield from _grade_names([spec["min_grade"]], _join(at, "min_grade"))
        if "by" in spec and spec["by"] not in CONCEALED_BY:
            yield Fault(
                _join(at, "by"), f"未知的瞒报主体 {spec['by']!r}，应为 {list(CONCEALED_BY)}"
            )
        count = spec.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            yield Fault(_join(at, "count"), f"须为不小于 0 的整数，实为 {count!r}")


def _unit_rules(value: Any) -> Iterator[Fault]:
    """`{ department = [规则编号], state_enterprise = [规则编号] }`: rules that count a
    unit's accidents (a `Count` over the accidents table, such as A4 and A5)."""
    kinds = tuple(UNIT_KINDS.values())
    for key in sorted(set(value) - set(kinds)):
        yield Fault(key, f"未知的对象类型 {key!r}，应为 {list(kinds)}", _did_you_mean(key, kinds))
    usable = UNIT_SCORED_RULES
    for kind in kinds:
        ids = value.get(kind, [])
        if not isinstance(ids, list):
            yield Fault(kind, f'须为规则编号数组，如 ["A4"]，实为 {ids!r}')
            continue
        for i, rule_id in enumerate(ids):
            if rule_id not in usable:
                yield Fault(
                    _join(kind, str(i)),
                    f"规则 {rule_id!r} 不能按部门、国有企业负责的事故计分，可用 {list(usable)}",
                    _did_you_mean(str(rule_id), usable),
                )


def _standardization_bonus(value: Any) -> Iterator[Fault]:
    bad = [lvl for lvl in value if lvl not in STANDARDIZATION_LEVELS]
    if bad:
        yield Fault(bad[0], f"未知标准化等级 {bad}，应为 {list(STANDARDIZATION_LEVELS)}")


def _month_day(value: Any) -> Iterator[Fault]:
    """ "MM-DD", a day every year has (so not 02-29)."""
    try:
        month, day = (int(part) for part in str(value).split("-"))
        dt.date(2023, month, day)
        if len(str(value)) != 5:
            raise ValueError
    except (TypeError, ValueError):
        yield Fault(
            "",
            f'须为“月-日”，如 "01-01" 或 "12-01"，且每年都有这一天，实为 {value!r}'
            ' (a month and day "MM-DD" every year has)',
        )


def _population(value: Any) -> Iterator[Fault]:
    """A list of accident flags, each one of ACCIDENT_POPULATION_FLAGS."""
    if not isinstance(value, list):
        yield Fault("", f'须为事故标记数组，如 ["liability"]，实为 {value!r} (a list of flags)')
        return
    for i, flag in enumerate(value):
        if flag not in ACCIDENT_POPULATION_FLAGS:
            yield Fault(
                str(i),
                f"未知事故标记 {flag!r}，应为 {list(ACCIDENT_POPULATION_FLAGS)}",
                _did_you_mean(flag, ACCIDENT_POPULATION_FLAGS),
            )


def _departments(value: Any) -> Iterator[Fault]:
    """`{ 部门 = [行业领域, …] }`."""
    for dept, sectors in value.items():
        bad = [s for s in sectors if s not in SECTORS]
        if bad:
            yield Fault(dept, f"未知行业领域 {bad}")


def _duty_requirements(value: Any) -> Iterator[Fault]:
    """`{ 职务类别 = { 履职事项 = 次数 } }`, or by region level
    `{ 职务类别 = { 省|市|县 = { 履职事项 = 次数 } } }` (one shape within a role)."""
    for role, activities in value.items():
        if role not in OFFICIAL_ROLES:
            yield Fault(
                role,
                f"未知职务类别 {role!r}，应为 {list(OFFICIAL_ROLES)}",
                _did_you_mean(role, OFFICIAL_ROLES),
            )
        levelled = [k for k, v in activities.items() if isinstance(v, dict)]
        if not levelled:
            yield from _activities(activities, role)
            continue
        if len(levelled) != len(activities):
            yield Fault(
                role,
                "同一职务类别须统一写作 { 履职事项 = 次数 } 或 { 层级 = { 履职事项 = 次数 } }，"
                f"不能混写，实为 {list(activities)} (one shape within a role)",
            )
            continue
        for level, by_level in activities.items():
            if level not in REGION_LEVELS:
                yield Fault(
                    f"{role}.{level}",
                    f"未知地区层级 {level!r}，应为 {list(REGION_LEVELS)}",
                    _did_you_mean(level, REGION_LEVELS),
                )
            yield from _activities(by_level, f"{role}.{level}")


def _activities(activities: dict[str, Any], at: str) -> Iterator[Fault]:
    """`{ 履职事项 = 次数 }`: known activities."""
    bad = [a for a in activities if a not in DUTY_ACTIVITIES]
    if bad:
        yield Fault(
            f"{at}.{bad[0]}",
            f"未知履职事项 {bad}，应为 {list(DUTY_ACTIVITIES)}",
            _did_you_mean(bad[0], DUTY_ACTIVITIES),
        )


# -- 约谈 and its escalation (一岗双责) ------------------------------------------------

# The longest window a summons or escalation rule may count over: the scorer loads the
# accidents of the period assessed and of the one before it, a period being one year.
MAX_WINDOW_DAYS = 365
# Who a summons rule summons: each official the accidents are attributed to, or the
# officials of a role.
_TARGETS = (ATTRIBUTED_TARGET, *OFFICIAL_ROLES)
SUMMONS_STEP, NOTICE_STEP = ACCOUNTABILITY_STEPS[:2]  # 约谈, 通报
# The grades a control target counts (codes.GRADE_COUNT_INDICATORS).
_TARGET_GRADES = tuple(GRADE_COUNT_INDICATORS.values())
_SUMMONS_KEYS = ("id", "grade", "fatal", "count", "window_days", "window", "count_vs_target",
                 "sectors", "target_role", "target_level", "issuer_level", "basis")  # fmt: skip
_ESCALATION_KEYS = ("id", "after", "within_days", "new_fatal_accidents",
                    "unrectified_after_days", "step", "copy_to", "basis")  # fmt: skip


def _entries(
    value: Any, known: tuple[str, ...], example: str
) -> tuple[list[Fault], list[tuple[str, dict[str, Any]]]]:
    """A list of rule entries (tables) with known keys and distinct ids: the faults, and
    the (index, entry) of the tables, to check further."""
    if not isinstance(value, list):
        return [Fault("", f"须为数组，如 [{example}]，实为 {value!r} (a list of entries)")], []
    faults: list[Fault] = []
    rows: list[tuple[str, dict[str, Any]]] = []
    ids: list[object] = []
    for i, entry in enumerate(value):
        at = str(i)
        if not isinstance(entry, dict):
            faults.append(Fault(at, f"第 {i + 1} 条须为表，如 {example}，实为 {entry!r}"))
            continue
        unknown = sorted(set(entry) - set(known))
        faults.extend(
            Fault(
                _join(at, key),
                f"第 {i + 1} 条：未知的键 {key!r}，可用 {list(known)} (unknown key)",
                _did_you_mean(key, known),
            )
            for key in unknown
        )
        if "id" in entry:
            rid = entry["id"]
            if not isinstance(rid, str) or not rid.strip() or any(c in rid for c in ". \t"):
                faults.append(
                    Fault(
                        _join(at, "id"), f"第 {i + 1} 条：id 须为不含空格和“.”的文字，实为 {rid!r}"
                    )
                )
            elif rid in ids:
                faults.append(
                    Fault(_join(at, "id"), f"第 {i + 1} 条：id 重复 {rid!r} (duplicate id)")
                )
            ids.append(rid)
        rows.append((at, entry))
    return faults, rows


def _whole(
    entry: dict[str, Any], field: str, at: str, unit: str, high: int | None = None
) -> Iterator[Fault]:
    """`entry[field]` is a whole number of `unit` from 1 (up to `high`)."""
    number = entry[field]
    where = _join(at, field)
    if isinstance(number, bool) or not isinstance(number, int | float):
        yield Fault(where, f"第 {int(at) + 1} 条：{field} 须为不小于 1 的整数，实为 {number!r}")
    elif (fault := AT_LEAST_ONE.fault(number, where, unit)) is not None:
        yield Fault(where, f"第 {int(at) + 1} 条：{field} {fault.message}", fault.suggestion)
    elif high is not None and number > high:
        yield Fault(
            where,
            f"第 {int(at) + 1} 条：{field} 至多为 {high}（只载入本考核期和上一考核期的事故），"
            f"实为 {number!r} (at most {high} days)",
        )


def _named(
    entry: dict[str, Any], field: str, at: str, names: tuple[str, ...], noun: str
) -> Iterator[Fault]:
    """`entry[field]`, when given, is one of `names`."""
    if field in entry and entry[field] not in names:
        yield Fault(
            _join(at, field),
            f"第 {int(at) + 1} 条：未知{noun} {entry[field]!r}，应为 {list(names)}",
            _did_you_mean(entry[field], names),
        )


def _entry_basis(entry: dict[str, Any], at: str) -> Iterator[Fault]:
    if not isinstance(entry.get("basis"), str) or not entry["basis"].strip():
        yield Fault(_join(at, "basis"), f"第 {int(at) + 1} 条：须注明依据 basis（文件与条款）")


def _text_field(entry: dict[str, Any], field: str, at: str, noun: str) -> Iterator[Fault]:
    if not isinstance(entry.get(field), str) or not entry[field].strip():
        yield Fault(_join(at, field), f"第 {int(at) + 1} 条：须注明{noun} {field}")


def _summons(value: Any) -> Iterator[Fault]:
    """`[{ id?, grade? | fatal?, count, window_days | window = "period" | count_vs_target =
    true, sectors?, target_role, target_level?, issuer_level?, basis }]`: the 约谈 rules
    added to those of `summons_grade_counts` and `summons_fatal_accidents`."""
    example = '{ grade = "较大", count = 2, window_days = 30, target_role = "归责对象", … }'
    faults, rows = _entries(value, _SUMMONS_KEYS, example)
    yield from faults
    for at, entry in rows:
        n = int(at) + 1
        if "grade" in entry:
            yield from _named(entry, "grade", at, ACCIDENT_GRADES, "事故等级")
        fatal = entry.get("fatal", False)
        if not isinstance(fatal, bool):
            yield Fault(_join(at, "fatal"), f"第 {n} 条：fatal 须为 true 或 false，实为 {fatal!r}")
        elif "grade" not in entry and not fatal:
            yield Fault(
                at, f"第 {n} 条：须给出 grade（某等级及以上的事故）或 fatal = true（死亡事故）"
            )
        if "count" not in entry:
            yield Fault(at, f"第 {n} 条：须给出起数 count (count missing)")
        else:
            yield from _whole(entry, "count", at, "起")
        against = entry.get("count_vs_target", False)
        if not isinstance(against, bool):
            yield Fault(
                _join(at, "count_vs_target"),
                f"第 {n} 条：count_vs_target 须为 true 或 false，实为 {against!r}",
            )
            against = False
        windows = [k for k in ("window_days", "window") if k in entry] + (
            ["count_vs_target"] if against else []
        )
        if len(windows) != 1:
            yield Fault(
                at,
                f'第 {n} 条：须给出且只给出 window_days（天数）、window = "period"（考核期）'
                f"或 count_vs_target = true（超过控制指标）之一，实为 {windows or '都未给出'}",
            )
        if "window_days" in entry:
            yield from _whole(entry, "window_days", at, "天", MAX_WINDOW_DAYS)
        if "window" in entry and entry["window"] != "period":
            yield Fault(
                _join(at, "window"), f'第 {n} 条：window 只能为 "period"，实为 {entry["window"]!r}'
            )
        if against and (fatal is True or entry.get("grade") not in _TARGET_GRADES):
            yield Fault(
                _join(at, "count_vs_target"),
                f"第 {n} 条：count_vs_target 须与有控制指标的事故等级 {list(_TARGET_GRADES)} 同用"
                "（不与 fatal 同用）",
            )
        if "sectors" in entry:
            sectors = entry["sectors"]
            if not isinstance(sectors, list) or not sectors:
                yield Fault(
                    _join(at, "sectors"),
                    f"第 {n} 条：sectors 须为非空的行业领域数组，实为 {sectors!r}",
                )
            else:
                bad = [s for s in sectors if s not in SECTORS]
                if bad:
                    yield Fault(
                        _join(at, "sectors"),
                        f"第 {n} 条：未知行业领域 {bad}，应为 {list(SECTORS)}",
                        _did_you_mean(bad[0], SECTORS),
                    )
        if "target_role" not in entry:
            yield Fault(
                at,
                f"第 {n} 条：须给出约谈对象 target_role"
                f"（“{ATTRIBUTED_TARGET}”或职务类别 {list(OFFICIAL_ROLES)}）",
            )
        else:
            yield from _named(entry, "target_role", at, _TARGETS, "约谈对象")
        yield from _named(entry, "target_level", at, REGION_LEVELS, "地区层级")
        yield from _named(entry, "issuer_level", at, REGION_LEVELS, "约谈机关层级")
        target, issuer = entry.get("target_level"), entry.get("issuer_level")
        if (
            target in REGION_LEVELS
            and issuer in REGION_LEVELS
            and REGION_LEVELS.index(issuer) >= REGION_LEVELS.index(target)
        ):
            yield Fault(
                _join(at, "issuer_level"),
                f"第 {n} 条：约谈机关层级 {issuer} 须高于被约谈地区层级 {target}",
            )
        yield from _entry_basis(entry, at)


def _escalation(value: Any) -> Iterator[Fault]:
    """`[{ id?, after = "约谈", within_days, new_fatal_accidents? ,
    unrectified_after_days?, step = "通报", copy_to, basis }]`."""
    example = '{ after = "约谈", within_days = 90, new_fatal_accidents = 1, step = "通报", … }'
    faults, rows = _entries(value, _ESCALATION_KEYS, example)
    yield from faults
    for at, entry in rows:
        n = int(at) + 1
        if entry.get("after") != SUMMONS_STEP:
            yield Fault(
                _join(at, "after"),
                f'第 {n} 条：after 须为 "{SUMMONS_STEP}"，实为 {entry.get("after")!r}',
            )
        if entry.get("step") != NOTICE_STEP:
            yield Fault(
                _join(at, "step"),
                f'第 {n} 条：step 须为 "{NOTICE_STEP}"，实为 {entry.get("step")!r}',
            )
        if "within_days" not in entry:
            yield Fault(at, f"第 {n} 条：须给出约谈后的观察天数 within_days")
        else:
            yield from _whole(entry, "within_days", at, "天", MAX_WINDOW_DAYS)
        causes = [k for k in ("new_fatal_accidents", "unrectified_after_days") if k in entry]
        if not causes:
            yield Fault(
                at,
                f"第 {n} 条：须给出 new_fatal_accidents（新发死亡事故起数）"
                "或 unrectified_after_days（整改期限天数），或两者",
            )
        if "new_fatal_accidents" in entry:
            yield from _whole(entry, "new_fatal_accidents", at, "起")
        if "unrectified_after_days" in entry:
            yield from _whole(entry, "unrectified_after_days", at, "天", MAX_WINDOW_DAYS)
        days, within = entry.get("unrectified_after_days"), entry.get("within_days")
        numbers = [
            x for x in (days, within) if isinstance(x, int | float) and not isinstance(x, bool)
        ]
        if len(numbers) == 2 and days > within:
            yield Fault(
                _join(at, "unrectified_after_days"),
                f"第 {n} 条：整改期限 unrectified_after_days = {days}"
                f" 超过观察天数 within_days = {within}",
            )
        yield from _text_field(entry, "copy_to", at, "抄送机关")
        yield from _entry_basis(entry, at)


# -- the record ---------------------------------------------------------------------


def _dotted(_: Any, __: attrs.Attribute[str], key: str) -> None:
    section, _dot, name = key.partition(".")
    if not section or not name:
        raise ValueError(f"a parameter key is section.name, not {key!r}")


def _unit_bounds(spec: ParamSpec) -> Bounds:
    return UNITS[spec.unit]


def _unit_choices(spec: ParamSpec) -> tuple[str, ...]:
    return _UNIT_CHOICES.get(spec.unit, ())


@attrs.frozen
class ParamSpec:
    """What one parameter's value must be.

    `unit` is the kind of quantity (a key of UNITS) and sets the default `bounds` of
    every number in the value and, for 等级 / 标准化等级 / 行业领域, the `choices`;
    `role` is the part it plays in a rule (one of ROLES); `names_from` names the
    bands parameter whose names the value must use (a name, or a table with one entry
    per name); `check` is a table's own check, yielding a Fault per problem.
    """

    key: str = attrs.field(validator=_dotted)
    unit: str = attrs.field(validator=attrs.validators.in_(UNITS))
    role: str = attrs.field(validator=attrs.validators.in_(ROLES))
    bounds: Bounds = attrs.field(
        default=attrs.Factory(_unit_bounds, takes_self=True),
        validator=attrs.validators.instance_of(Bounds),
    )
    choices: tuple[str, ...] = attrs.field(
        default=attrs.Factory(_unit_choices, takes_self=True), converter=tuple
    )
    names_from: str | None = None
    check: Check | None = attrs.field(default=None, eq=False)

    @property
    def name(self) -> str:
        """The key's last part: `veto_effect`."""
        return self.key.split(".", 1)[1]

    def faults(self, value: Any) -> Iterator[Fault]:
        """Every fault of one (dated) value: its numbers, its names, its table's check.

        May raise KeyError, TypeError, AttributeError or ValueError on a value whose
        shape is not the parameter's (the caller reports it as malformed).
        """
        yield from number_faults(value, self.bounds, self.unit)
        yield from self._choice_faults(value)
        if self.check is not None:
            yield from self.check(value)

    def _choice_faults(self, value: Any) -> Iterator[Fault]:
        if self.unit == "布尔":
            if not isinstance(value, bool):
                yield Fault("", f"取值须为 true 或 false，实为 {value!r} (a boolean expected)")
        elif self.unit in _LIST_UNITS:
            noun = _CHOICE_NOUN[self.unit]
            if not isinstance(value, list):
                yield Fault("", f"取值须为{noun}数组，实为 {value!r} (a list expected)")
                return
            bad = [s for s in value if s not in self.choices]
            if bad:
                yield Fault(
                    "",
                    f"未知{noun} {bad}，应为 {list(self.choices)}",
                    _did_you_mean(bad[0], self.choices),
                )
        elif self.choices and value not in self.choices:
            if self.unit == "文本":
                allowed = " 或 ".join(f'"{c}"' for c in self.choices)
                message = f"{self.name} 须为 {allowed}，实为 {value!r}"
            else:
                noun = _CHOICE_NOUN.get(self.unit, self.unit)
                message = f"未知{noun} {value!r}，应为 {list(self.choices)}"
            yield Fault("", message, _did_you_mean(value, self.choices))


def _specs(*specs: ParamSpec) -> Mapping[str, ParamSpec]:
    out: dict[str, ParamSpec] = {}
    for spec in specs:
        if spec.key in out:
            raise ValueError(f"two specs for {spec.key}")
        out[spec.key] = spec
    return MappingProxyType(out)


_P = ParamSpec

# One record per parameter of the default rulebook, in its order.
PARAMETERS: Mapping[str, ParamSpec] = _specs(
    # 事故等级
    _P("accident_grading.count_missing_as_deaths", "布尔", "口径"),
    _P("accident_grading.bands", "表", "口径", check=_accident_bands),
    # 行业领域分组与部门监管职责
    _P("sectors.industry_trade", "行业领域", "口径"),
    _P("sectors.road", "行业领域", "口径"),
    _P("sectors.coal", "行业领域", "口径"),
    _P("sectors.departments", "表", "口径", check=_departments),
    # 年度目标管理考核
    _P("annual.period_start", "月-日", "口径", check=_month_day),
    _P("annual.accident_population", "表", "口径", check=_population),
    _P("annual.base", "分", "分值", bounds=POSITIVE),
    _P("annual.section_weights", "分", "分值", check=_section_weights),
    _P("annual.a1_points_per_death", "分/人", "分值"),
    _P("annual.a2_points_rise", "分", "分值"),
    _P("annual.a2_points_flat", "分", "分值"),
    _P("annual.a3_points_total", "分", "分值"),
    _P("annual.a4_points_per_accident", "分/起", "分值"),
    _P("annual.a4_min_grade", "等级", "阈值"),
    _P("annual.a5_points_per_late_report", "分/起", "分值"),
    _P("annual.a6_points", "分", "分值"),
    _P("annual.b1_points", "分", "分值"),
    _P("annual.b2_points", "分", "分值"),
    _P("annual.b2_coverage_target", "比例", "目标", bounds=TARGET_SHARE),
    _P("annual.b3_points_per_gap", "分/起", "分值"),
    _P("annual.c1_points", "分", "分值"),
    _P("annual.c2_points", "分", "分值"),
    _P("annual.c3_points", "分", "分值"),
    _P("annual.c3_measure", "文本", "口径", choices=("按期销号", "挂牌率")),
    _P("annual.c4_points_per_hazard", "分/项", "分值"),
    _P("annual.c5_points_per_hazard", "分/项", "分值"),
    _P("annual.c6_points_per_hazard", "分/项", "分值"),
    _P("annual.c7_points", "分", "分值"),
    _P("hazards.lookback_days", "天", "窗口"),
    _P("hazards.vintage_year", "年", "口径"),
    _P("annual.d1_points", "分", "分值"),
    _P("annual.summons_points", "分/起", "分值"),
    _P("annual.e1_points", "分", "分值"),
    _P("annual.e1_target_share", "比例", "目标", bounds=TARGET_SHARE),
    _P("annual.e1_min_level", "标准化等级", "阈值"),
    _P("annual.e2_points", "分", "分值"),
    _P("annual.grade_bands", "分数线", "分数线", check=_bands("grade")),
    _P("annual.grade_cap_accident_grade", "等级", "阈值"),
    _P("annual.grade_cap", "等次", "效果", names_from="annual.grade_bands"),
    _P("annual.veto_effect", "文本", "效果", choices=("grade", "zero")),
    _P("annual.veto_if_grade", "等次", "效果", names_from="annual.grade_bands"),
    _P("annual.pull_in", "表", "口径", check=_pull_in),
    _P("annual.veto_consequences", "表", "效果", check=_consequences),
    _P("annual.awards", "表", "效果", check=_awards),
    _P("annual.concealment_lookback_years", "年数", "窗口", bounds=COUNT),
    _P("annual.veto_city", "起", "阈值", check=_veto),
    _P("annual.veto_county", "起", "阈值", check=_veto),
    _P("annual.veto_province", "起", "阈值", check=_veto),
    _P("annual.yellow_card_city", "起", "阈值", check=_veto),
    _P("annual.yellow_card_county", "起", "阈值", check=_veto),
    _P("annual.yellow_card_province", "起", "阈值", check=_veto),
    _P("annual.veto_department", "起", "阈值", check=_veto_department),
    _P("annual.yellow_card_department", "起", "阈值", check=_veto_department),
    _P("annual.veto_state_enterprise", "起", "阈值", check=_veto_state_enterprise),
    _P("annual.yellow_card_state_enterprise", "起", "阈值", check=_veto_state_enterprise),
    _P("annual.unit_rules", "表", "口径", check=_unit_rules),
    _P("annual.units_published_with_regions", "布尔", "口径"),
    # 四个一律
    _P("four_musts.repeat_windows", "表", "窗口", check=_repeat_windows),
    _P("four_musts.repeat_penalty_kinds", "表", "口径", check=_penalty_kinds),
    _P("four_musts.sector_repeat_windows", "表", "窗口", check=_sector_windows),
    _P("four_musts.close_on_major_accident", "布尔", "口径"),
    _P("four_musts.principal_bar_years", "年数", "效果"),
    _P("four_musts.fine_ranges", "表", "阈值", check=_fine_ranges),
    _P("four_musts.accident_population", "表", "口径", check=_population),
    _P("four_musts.criminal_thresholds", "表", "阈值", check=_criminal_thresholds),
    # 一岗双责
    _P("dual_duty.accident_population", "表", "口径", check=_population),
    _P("dual_duty.accountability_grade_counts", "起", "阈值", check=_grade_counts),
    _P("dual_duty.accountability_concealed", "起", "阈值"),
    _P("dual_duty.yellow_card_grade_counts", "起", "阈值", check=_grade_counts),
    _P("dual_duty.sector_rise_min_deaths", "人", "阈值"),
    _P("dual_duty.sector_rise_ratio", "倍", "阈值"),
    _P("dual_duty.summons_grade_counts", "起", "阈值", check=_grade_counts),
    _P("dual_duty.summons_fatal_accidents", "起", "阈值"),
    _P("dual_duty.summons", "表", "阈值", check=_summons),
    _P("dual_duty.escalation", "表", "效果", check=_escalation),
    _P("dual_duty.duty_requirements", "次", "目标", check=_duty_requirements),
    # 企业主体责任
    _P("enterprise.accident_population", "表", "口径", check=_population),
    _P("enterprise.base", "分", "分值", bounds=POSITIVE),
    _P("enterprise.accident_general_fatal", "分/起", "分值"),
    _P("enterprise.accident_general_nonfatal", "分/起", "分值"),
    _P("enterprise.accident_larger", "分/起", "分值"),
    _P("enterprise.zero_score_grade", "等级", "阈值"),
    _P("enterprise.case_illegal", "分/起", "分值"),
    _P("enterprise.case_failed_rectification", "分/起", "分值"),
    _P("enterprise.case_unlawful", "分/起", "分值"),
    _P("enterprise.case_criminal", "分/起", "分值"),
    _P("enterprise.hazard_major_overdue", "分/项", "分值"),
    _P("enterprise.hazard_general_late", "分/项", "分值"),
    _P("enterprise.hazard_general_cap", "分", "分值"),
    _P("enterprise.no_license", "分", "分值"),
    _P("enterprise.standardization_bonus", "分", "分值", check=_standardization_bonus),
    _P("enterprise.risk_classes", "分数线", "分数线", check=_bands("class")),
    _P(
        "enterprise.inspections_per_year",
        "次/年",
        "目标",
        names_from="enterprise.risk_classes",
    ),
    _P("enterprise.data_sufficiency_min_inspections", "次", "阈值", bounds=AT_LEAST_ONE),
    _P("enterprise.data_sufficiency_window_months", "月", "窗口"),
    _P("enterprise.insufficient_class", "等次", "效果", names_from="enterprise.risk_classes"),
    _P("enterprise.dishonest_sectors", "行业领域", "口径"),
    _P("enterprise.dishonest_grade", "等级", "阈值"),
    _P("enterprise.dishonest_larger_count", "起", "阈值"),
    _P("enterprise.dishonest_window_months", "月", "窗口"),
    _P("enterprise.dishonest_class", "等次", "效果", names_from="enterprise.risk_classes"),
    _P("enterprise.dishonest_grounds", "表", "口径", check=_dishonest_grounds),
    _P("enterprise.dishonest_fine_multiplier", "倍", "阈值"),
    _P("enterprise.dishonest_licence_kinds", "非法类型", "口径"),
    _P("enterprise.listing_years", "年数", "效果"),
    _P("enterprise.listing_early_removal_months", "月", "效果"),
    _P("enterprise.class_overrides", "表", "效果", check=_class_overrides),
    _P("enterprise.class_schemes", "表", "目标", check=_class_schemes),
    _P("enterprise.plan_levels", "表", "口径", check=_plan_levels),
)


def param_spec(key: str) -> ParamSpec | None:
    """The spec of parameter `key`, or None for a parameter the default rulebook lacks.

    >>> param_spec("enterprise.dishonest_window_months").bounds
    Bounds(low=1.0, open_low=False, high=None, whole=True)
    """
    return PARAMETERS.get(key)
