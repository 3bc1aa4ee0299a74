"""Rulebook values as short readable text, for the command line and the docs site.

>>> format_value({"grade_counts": {"特别重大": 1, "重大": 2}, "concealed": 1})
'grade_counts={特别重大=1, 重大=2}, concealed=1'
>>> format_value([{"grade": "优秀", "min": 90.0}, {"grade": "良好", "min": 80.0}])
'{grade=优秀, min=90}; {grade=良好, min=80}'
>>> format_value(["煤矿", "非煤矿山"]), format_value(0.35), format_value(True)
('煤矿、非煤矿山', '0.35', '是')

A structured value as a table, with Chinese column headers (the docs site's rulebook
pages show it so):

>>> bands = [{"grade": "优秀", "min": 90.0}, {"grade": "良好", "min": 80.0}]
>>> value_table(bands, "annual.grade_bands")
(['等次', '最低分'], [['优秀', '90'], ['良好', '80']])
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from accountability.rulebook.model import Parameter

__all__ = [
    "FIELD_LABELS",
    "SECTION_TITLES",
    "format_dated",
    "format_value",
    "section_title",
    "value_on",
    "value_table",
]

SECTION_TITLES: dict[str, str] = {
    "accident_grading": "事故等级",
    "sectors": "行业领域与部门职责",
    "annual": "年度目标管理考核",
    "four_musts": "四个一律",
    "dual_duty": "一岗双责",
    "enterprise": "企业主体责任",
    "hazards": "隐患排查治理",
}

# Chinese headers of the fields of structured values (a list of tables such as
# ``annual.grade_bands``, or a table of tables such as ``four_musts.fine_ranges``);
# a field not listed keeps its own name.  A ``<parameter key>.<field>`` entry names a
# field of that parameter only.
FIELD_LABELS: dict[str, str] = {
    "grade": "等级",
    "annual.grade_bands.grade": "等次",
    "min": "最低分",
    "class": "风险分类",
    "deaths": "死亡人数",
    "serious_injuries": "重伤人数",
    "direct_loss_10k_yuan": "直接经济损失（万元）",
    "days": "天数",
    "fines": "受罚次数",
    "ground": "情形",
    "on": "适用",
    "months": "月数",
    "basis": "依据",
    "article": "条款",
    "min_yuan": "罚款下限（元）",
    "max_yuan": "罚款上限（元）",
    "span": "期间",
    "span_unit": "期间单位",
    "count": "次数",
    "counting": "计数方式",
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


def value_table(value: Any, key: str = "") -> tuple[list[str], list[list[str]]] | None:
    """A structured value as (column headers, rows of cell text), or None for a value
    that is not one (a number, a text, a plain list, an empty list or table).

    A list of tables gives a column per field, headed by its `FIELD_LABELS` label
    (that of parameter `key`'s field first); a table gives two columns, 项 (with its
    label where `FIELD_LABELS` has one) and 取值, or, when every value is itself a
    table or a list of tables, 项 and a column per field (a row per table).  Cells are
    `format_value` texts.

    >>> value_table({"A": 40.0, "deaths": 3})
    (['项', '取值'], [['A', '40'], ['deaths（死亡人数）', '3']])
    >>> value_table({"94-1": {"min_yuan": 2e4, "max_yuan": 5e4}})
    (['项', '罚款下限（元）', '罚款上限（元）'], [['94-1', '20000', '50000']])
    >>> value_table({"煤矿": [{"span": 3}, {"span": 6}]})
    (['项', '期间'], [['煤矿', '3'], ['煤矿', '6']])
    >>> value_table({"department": [], "state_enterprise": []})
    (['项', '取值'], [['department', '[]'], ['state_enterprise', '[]']])
    >>> value_table([]) is None, value_table(["煤矿"]) is None, value_table(3) is None
    (True, True, True)
    """

    def table(key_header: list[str], rows: list[tuple[list[str], dict[str, Any]]]) -> Any:
        fields = list(dict.fromkeys(f for _, row in rows for f in row))
        headers = key_header + [
            FIELD_LABELS.get(f"{key}.{f}", FIELD_LABELS.get(f, f)) for f in fields
        ]
        cells = [
            lead + [format_value(row[f]) if f in row else "" for f in fields] for lead, row in rows
        ]
        return headers, cells

    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return table([], [([], v) for v in value])
    if isinstance(value, dict) and value:
        rows = [
            ([str(k)], row)
            for k, v in value.items()
            for row in (v if isinstance(v, list) else [v])
            if isinstance(row, dict) and row
        ]
        wanted = sum(len(v) or 1 if isinstance(v, list) else 1 for v in value.values())
        if len(rows) == wanted:  # every value a table or a list of tables
            return table(["项"], rows)
        return ["项", "取值"], [[_key_text(str(k)), format_value(v)] for k, v in value.items()]
    return None


def _key_text(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return f"{key}（{label}）" if label else key


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
