"""Rulebook values as short readable text, for the command line and the docs site.

>>> format_value({"grade_counts": {"特别重大": 1, "重大": 2}, "concealed": 1})
'grade_counts={特别重大=1, 重大=2}, concealed=1'
>>> format_value([{"grade": "优秀", "min": 90.0}, {"grade": "良好", "min": 80.0}])
'{grade=优秀, min=90}; {grade=良好, min=80}'
>>> format_value(["煤矿", "非煤矿山"]), format_value(0.35), format_value(True)
('煤矿、非煤矿山', '0.35', '是')
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from accountability.rulebook.model import Parameter

__all__ = ["SECTION_TITLES", "format_dated", "format_value", "section_title", "value_on"]

SECTION_TITLES: dict[str, str] = {
    "accident_grading": "事故等级",
    "sectors": "行业领域与部门职责",
    "annual": "年度目标管理考核",
    "four_musts": "四个一律",
    "dual_duty": "一岗双责",
    "enterprise": "企业主体责任",
}


def section_title(section: str) -> str:
    """The Chinese title of a rulebook section (the section name if it has none)."""
    return SECTION_TITLES.get(section, section)


def _number(x: float | int) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


def format_value(value: Any, *, nested: bool = False) -> str:
    """A compact one-line text of a value: numbers without a trailing `.0`."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, dict):
        body = ", ".join(f"{k}={format_value(v, nested=True)}" for k, v in value.items())
        return "{" + body + "}" if nested else (body or "{}")
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value) and value:
            return "; ".join(format_value(v, nested=True) for v in value)
        sep = ", " if nested else "、"
        text = sep.join(format_value(v, nested=True) for v in value)
        return f"[{text}]" if nested else (text or "[]")
    return str(value)


def format_dated(param: Parameter) -> list[tuple[str, str]]:
    """Each value of a parameter as (from-date text, value text), in date order."""
    return [(d.start.isoformat() if d.start else "", format_value(d.value)) for d in param.values]


def value_on(param: Parameter, day: dt.date) -> tuple[int | None, Any]:
    """(index of the dated value in force on `day`, its value); (None, None) before the first."""
    index = None
    for i, dated in enumerate(param.values):
        if dated.start is None or dated.start <= day:
            index = i
    return index, (param.values[index].value if index is not None else None)
