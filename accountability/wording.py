"""What people read: one rounding rule and the sentence pieces every output shares.

Points and shares shown to a person are rounded to `DECIMALS` places (half to even on
the stored float, as polars rounds), written without trailing zeros and never as
"-0"; the stored points keep full precision.  The same function words a number in a
lazy plan (`number`) and in Python (`number_text`), so an explanation can never show
"−6.67 分" beside "扣 6.6665 分".

>>> number_text(6.6665), signed_text(-6.6665), percent_text(0.30000001)
('6.67', '−6.67', '30%')
>>> SUBJECT_LABELS["region"], SCORER_LABELS["four_musts"]
('地区', '四个一律')
"""

from __future__ import annotations

import functools
import re
from typing import Any

import polars as pl

from accountability.terminal import MULTI_LINE, SINGLE_LINE, visible

__all__ = [
    "DECIMALS",
    "SCORER_LABELS",
    "SUBJECT_LABELS",
    "deduct",
    "deduction",
    "formatted",
    "number",
    "number_text",
    "percent",
    "percent_text",
    "signed",
    "signed_text",
    "total_line",
    "visible",
    "visible_expr",
]

DECIMALS = 2

SUBJECT_LABELS: dict[str, str] = {
    "region": "地区",
    "enterprise": "企业",
    "official": "领导干部",
    "department": "部门",
    "case": "案件",
    "state_enterprise": "国有企业",
}
SCORER_LABELS: dict[str, str] = {
    "annual": "年度目标管理考核",
    "four_musts": "四个一律",
    "dual_duty": "一岗双责",
    "enterprise": "企业主体责任",
}


_PLACEHOLDERS = re.compile(r"(\{\{|\}\}|\{\})")


def formatted(template: str, *values: pl.Expr | str) -> pl.Expr:
    """`pl.format` (``{}`` filled in order; ``{{`` and ``}}`` are braces; a string
    value names a column), built from `pl.concat_str`, which gives the same text
    (null where any value is null).  polars 2.1's streaming engine can panic
    ("i < self.len()") evaluating ``str.format`` on some inputs; the library formats
    every message through this function instead.

    >>> import polars as pl
    >>> frame = pl.DataFrame({"n": [2, None], "who": ["资阳区", "赫山区"]})
    >>> frame.select(formatted("{}：{} 起 {{注}}", "who", pl.col("n"))).to_series().to_list()
    ['资阳区：2 起 {注}', None]
    """
    parts: list[pl.Expr] = []
    literal = ""
    queue = list(values)
    for piece in _PLACEHOLDERS.split(template):
        if piece == "{}":
            if not queue:
                raise ValueError(f"more placeholders than values in {template!r}")
            if literal:
                parts.append(pl.lit(literal))
                literal = ""
            value = queue.pop(0)
            parts.append(pl.col(value) if isinstance(value, str) else value)
        else:
            literal += {"{{": "{", "}}": "}"}.get(piece, piece)
    if queue:
        raise ValueError(f"more values than placeholders in {template!r}")
    if literal:
        parts.append(pl.lit(literal))
    if len(parts) == 1 and not values:
        return parts[0]
    return pl.concat_str(parts) if parts else pl.lit("")


def number(expr: pl.Expr, decimals: int = DECIMALS) -> pl.Expr:
    """A number as short text: rounded, no trailing ".0", no "-0"."""
    r = expr.cast(pl.Float64).round(decimals)
    r = pl.when(r == 0).then(pl.lit(0.0)).otherwise(r)
    return r.cast(pl.String).str.replace(r"\.0$", "")


def signed(expr: pl.Expr) -> pl.Expr:
    """Points with their sign: "+3.23", "−13.5", "0"."""
    r = expr.cast(pl.Float64).round(DECIMALS)
    return (
        pl.when(r > 0)
        .then(formatted("+{}", number(r)))
        .when(r < 0)
        .then(formatted("−{}", number(-r)))
        .otherwise(pl.lit("0"))
    )


def percent(share: pl.Expr) -> pl.Expr:
    """A share in [0, 1] as a percentage: "92.66%"."""
    return formatted("{}%", number(share * 100))


def deduct(points: pl.Expr) -> pl.Expr:
    """A line item's points as the end of its reason: "扣 6 分" or "不扣分"."""
    return (
        pl.when(points < 0).then(formatted("扣 {} 分", number(-points))).otherwise(pl.lit("不扣分"))
    )


def deduction(magnitude: pl.Expr) -> pl.Expr:
    """A deduction's magnitude (≥ 0) as points (≤ 0), never -0.0."""
    m = magnitude.cast(pl.Float64)
    return pl.when(m == 0).then(pl.lit(0.0)).otherwise(-m)


@functools.lru_cache(maxsize=65_536)
def _text_of(kind: str, value: float, decimals: int = DECIMALS) -> str:
    """One value through the very expression a frame column goes through (`number`,
    `signed`, `percent`), so a number reads the same in a table and in a sentence.
    Cached: a report formats the same few thousand values tens of thousands of times,
    and each polars evaluation costs about 0.3 ms."""
    expr = pl.lit(value, dtype=pl.Float64)
    shown = {"number": number(expr, decimals), "signed": signed(expr), "percent": percent(expr)}
    return str(pl.select(shown[kind]).item())


def number_text(value: Any, decimals: int = DECIMALS) -> str:
    """`number` for one Python value (the very same rounding): 2.0 → "2", 1.25 → "1.25";
    None → "—"; a bool → 是/否."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return _text_of("number", float(value), decimals)


def signed_text(value: float) -> str:
    """`signed` for one Python value."""
    return _text_of("signed", float(value))


def percent_text(share: float | None) -> str:
    """`percent` for one Python value; None → "—"."""
    return "—" if share is None else _text_of("percent", float(share))


# --- control characters made visible ---------------------------------------------------


def visible_expr(expr: pl.Expr, *, single_line: bool = False) -> pl.Expr:
    r"""`visible` for a string expression (nulls stay null).

    >>> pl.select(visible_expr(pl.lit("x\x1b]0;t\x07"))).item() == visible("x\x1b]0;t\x07")
    True
    """
    table = SINGLE_LINE if single_line else MULTI_LINE
    return expr.str.replace_many([chr(c) for c in table], list(table.values()))


def total_line(base: float | None, items: pl.DataFrame, score: float | None) -> str:
    """The closing line of an explanation: "合计：基础分 100 − 31.52 = 68.48 分" (the sum of
    `items`' points, smallest first, so that the same items give the same text)."""
    total = float(items["points"].sort().sum()) if items.height else 0.0
    if score is None:
        return f"合计：不计分（明细分值合计 {signed_text(total)}）"
    if base is None:
        return f"合计：明细分值 {signed_text(total)}，得分 {number_text(score)}"
    sign = "+" if total >= 0 else "−"
    sum_text = f"{number_text(base)} {sign} {number_text(abs(total))}"
    return f"合计：基础分 {sum_text} = {number_text(score)} 分"
