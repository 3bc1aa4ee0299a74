"""Statutory fine ranges: the fine ceiling of a case from the article it was fined under.

Under 四个一律 a case that requires 从重处罚 is satisfied when it was fined at the
statutory upper limit (`fine_yuan ≥ fine_max_yuan`).  The limits are fixed by law,
article by article and tier by tier: 《安全生产法》(2021年修正，2021年9月1日起施行)
第九十四条至第一百零九条, and 《安全生产许可证条例》第十九条.  The rulebook holds
them as the dated table `four_musts.fine_ranges`, keyed by article number and tier
("97-2" is 第九十七条 second tier, "96" an article of one tier), so that a case
naming its `penalty_article` needs no `fine_max_yuan` of its own.

Readings chosen here:
- The table in force on the case's own `found_on` applies (not the period's end): a
  case found on 2021-08-31 under "97-2" finds no range in the default rulebook, one
  found on 2021-09-01 does.  A case before the parameter's first date, or a rulebook
  without `four_musts.fine_ranges`, finds none.
- `penalty_article` is trimmed and matched exactly; an article without a tier ("97")
  that is not itself a key is read as its first tier ("97-1"), with a warning; an
  article the table does not hold on that date is warned about and has no range.
- The ceiling given in the data (`fine_max_yuan`) always stands; the statutory
  maximum fills it only where it is missing.  A given ceiling that differs from the
  statutory maximum of the case's article by more than 0.005 元 is warned about.

>>> import datetime as dt
>>> from accountability.rulebook import rulebook
>>> fine_range_rows(rulebook(), dt.date(2024, 12, 31))[4]
('97-2', '《安全生产法》(2021)第九十七条（逾期未改正）', 100000.0, 200000.0)
>>> fine_range_rows(rulebook(), dt.date(2021, 8, 31))
[]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import polars as pl

from accountability.dataset import WARNINGS_SCHEMA, as_warnings
from accountability.rulebook import Rulebook, RulesAt
from accountability.rules.four_musts import readable_yuan
from accountability.wording import formatted

__all__ = [
    "FINE_RANGES_KEY",
    "FROM_DATA",
    "FROM_STATUTE",
    "STATUTORY_COLUMNS",
    "TOLERANCE_YUAN",
    "fine_range_rows",
    "range_text",
    "statutory_ceilings",
]

FINE_RANGES_KEY = "four_musts.fine_ranges"
# fine_max_source: where the case's ceiling came from.
FROM_DATA = "案件数据"
FROM_STATUTE = "法定幅度"
# A given ceiling this close to the statutory maximum agrees with it.
TOLERANCE_YUAN = 0.005
# The columns statutory_ceilings adds (beside penalty_article when absent).
STATUTORY_COLUMNS: dict[str, pl.DataType] = {
    "fine_max_source": pl.String(),
    "statutory_article": pl.String(),
    "statutory_min_yuan": pl.Float64(),
    "statutory_max_yuan": pl.Float64(),
}

TABLE = "cases"
# Internal columns, dropped before the cases are returned.
_SEG, _TEXT = "__fr_segment", "__fr_text"
_KEY, _FIRST_TIER = "__fr_key", "__fr_first_tier"
_ARTICLE, _MIN, _MAX = "__fr_article", "__fr_min", "__fr_max"
_GIVEN = "__fr_given"
_LOOKUP_SCHEMA: dict[str, pl.DataType] = {
    _SEG: pl.Int32(),
    _TEXT: pl.String(),
    _KEY: pl.String(),
    _FIRST_TIER: pl.Boolean(),
    _ARTICLE: pl.String(),
    _MIN: pl.Float64(),
    _MAX: pl.Float64(),
}


# --- the rulebook's table ------------------------------------------------------------


def _book(book: Rulebook | RulesAt) -> Rulebook:
    return book.rulebook if isinstance(book, RulesAt) else book


def _segments(book: Rulebook) -> list[tuple[dt.date | None, Mapping[str, Any]]]:
    """The dated values of `four_musts.fine_ranges` in date order (none without it)."""
    if FINE_RANGES_KEY not in book:
        return []
    values = sorted(book[FINE_RANGES_KEY].values, key=lambda d: d.start or dt.date.min)
    return [(d.start, d.value or {}) for d in values]


def _lookup(segments: list[tuple[dt.date | None, Mapping[str, Any]]]) -> pl.LazyFrame:
    """One row per (segment, text that finds a range): every key as itself, and the
    article of a first tier ("97" for "97-1") where that article is no key of its own."""
    rows: list[tuple[int, str, str, bool, str, float, float]] = []
    for i, (_, table) in enumerate(segments):
        keys = {str(k) for k in table}
        for key, entry in table.items():
            key = str(key)
            row = (str(entry["article"]), float(entry["min_yuan"]), float(entry["max_yuan"]))
            rows.append((i, key, key, False, *row))
            article = key.removesuffix("-1")
            if article != key and "-" not in article and article not in keys:
                rows.append((i, article, key, True, *row))
    return pl.LazyFrame(rows, schema=_LOOKUP_SCHEMA, orient="row")


def _segment_of(day: pl.Expr, starts: list[dt.date | None]) -> pl.Expr:
    """The index of the dated value in force on `day` (null before the first, or
    without a day)."""
    chain: Any = None
    for i in reversed(range(len(starts))):
        start = starts[i]
        holds = day.is_not_null() if start is None else day >= pl.lit(start, pl.Date)
        value = pl.lit(i, pl.Int32)
        chain = pl.when(holds).then(value) if chain is None else chain.when(holds).then(value)
    return pl.lit(None, pl.Int32) if chain is None else chain.otherwise(pl.lit(None, pl.Int32))


def _sort_key(key: str) -> tuple[int, int, str, int, str]:
    """Article number, then tier; keys that are not a number of the law (许可证条例19)
    after those, by their text."""
    article, dash, tier = key.rpartition("-")
    if not dash or not tier.isdigit():
        article, tier = key, "0"
    if article.isdigit():
        return (0, int(article), "", int(tier), key)
    return (1, 0, article, int(tier), key)


def fine_range_rows(book: Rulebook | RulesAt, day: dt.date) -> list[tuple[str, str, float, float]]:
    """The statutory fine ranges in force on `day`: (key, article, min_yuan, max_yuan),
    sorted by article number then tier; [] before the parameter's first date or when
    the rulebook has no `four_musts.fine_ranges`.

    >>> from accountability.rulebook import rulebook
    >>> [key for key, *_ in fine_range_rows(rulebook(), dt.date(2024, 1, 1))][-4:]
    ['108', '109-1', '109-2', '许可证条例19']
    """
    current: Mapping[str, Any] = {}
    for start, table in _segments(_book(book)):
        if start is None or start <= day:
            current = table
    rows = [
        (str(k), str(e["article"]), float(e["min_yuan"]), float(e["max_yuan"]))
        for k, e in current.items()
    ]
    return sorted(rows, key=lambda row: _sort_key(row[0]))


def range_text(low: pl.Expr, high: pl.Expr) -> pl.Expr:
    """A statutory range as the law words it: "10万元以上20万元以下", "5万元以下"
    (from 0).  Vectorised.

    >>> pl.select(range_text(pl.lit(100000.0), pl.lit(200000.0))).item()
    '10万元以上20万元以下'
    >>> pl.select(range_text(pl.lit(0.0), pl.lit(50000.0))).item()
    '5万元以下'
    """
    upper = formatted("{}以下", readable_yuan(high))
    return pl.when(low > 0).then(formatted("{}以上{}", readable_yuan(low), upper)).otherwise(upper)


# --- the cases -------------------------------------------------------------------------


def statutory_ceilings(
    cases: pl.LazyFrame, book: Rulebook | RulesAt
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The cases with their fine ceiling, and the warnings of the lookup.

    Returns (cases, warnings).  In the cases, `fine_max_yuan` is the effective ceiling
    (the given value, else the statutory maximum of `penalty_article` on the case's
    `found_on`, else null); added are `fine_max_source` ("案件数据", "法定幅度" or
    null), `statutory_article`, `statutory_min_yuan` and `statutory_max_yuan` (the
    range found, null when none), and `penalty_article` as a null String column when
    the frame lacks it.  Rows keep their order; no other column changes.  The
    warnings are `WARNINGS_SCHEMA` rows of table "cases", rule
    `penalty_article_tier_missing`, `penalty_article_unknown` or
    `fine_max_disagrees_with_statute`.  `book` may be the rulebook or its values on
    a day (its rulebook is used: each case takes the value of its own date).

    >>> import polars as pl
    >>> from accountability.rulebook import rulebook
    >>> cases = pl.LazyFrame({
    ...     "case_id": ["C1", "C2", "C3"],
    ...     "found_on": [dt.date(2024, 5, 6), dt.date(2024, 5, 6), dt.date(2021, 8, 31)],
    ...     "fine_yuan": [200000.0, 50000.0, 200000.0],
    ...     "fine_max_yuan": [None, 100000.0, None],
    ...     "penalty_article": ["97-2", " 97 ", "97-2"]})
    >>> out, warnings = statutory_ceilings(cases, rulebook())
    >>> out.collect()["fine_max_source"].to_list()
    ['法定幅度', '案件数据', None]
    >>> out.collect()["fine_max_yuan"].to_list()
    [200000.0, 100000.0, None]
    >>> warnings.collect()["rule"].to_list()
    ['penalty_article_tier_missing', 'penalty_article_unknown']
    """
    names = cases.collect_schema().names()
    if "fine_max_yuan" not in names:
        cases = cases.with_columns(pl.lit(None, pl.Float64).alias("fine_max_yuan"))
    given = pl.col("fine_max_yuan").is_not_null()
    if "penalty_article" not in names:
        out = cases.with_columns(
            pl.lit(None, pl.String).alias("penalty_article"),
            pl.when(given).then(pl.lit(FROM_DATA)).alias("fine_max_source"),
            *(
                pl.lit(None, t).alias(c)
                for c, t in STATUTORY_COLUMNS.items()
                if c != "fine_max_source"
            ),
        )
        return out, pl.LazyFrame(schema=WARNINGS_SCHEMA)

    segments = _segments(_book(book))
    text = pl.col("penalty_article").cast(pl.String).str.strip_chars()
    work = cases.with_columns(
        _segment_of(pl.col("found_on"), [start for start, _ in segments]).alias(_SEG),
        pl.when(text != "").then(text).alias(_TEXT),
        given.alias(_GIVEN),
    ).join(
        _lookup(segments),
        on=[_SEG, _TEXT],
        how="left",
        validate="m:1",
        maintain_order="left",
    )
    found = pl.col(_MAX).is_not_null()
    out = work.with_columns(
        pl.coalesce("fine_max_yuan", _MAX).alias("fine_max_yuan"),
        pl.when(_GIVEN)
        .then(pl.lit(FROM_DATA))
        .when(found)
        .then(pl.lit(FROM_STATUTE))
        .alias("fine_max_source"),
        pl.col(_ARTICLE).alias("statutory_article"),
        pl.col(_MIN).alias("statutory_min_yuan"),
        pl.col(_MAX).alias("statutory_max_yuan"),
    ).drop(_SEG, _TEXT, _GIVEN, *(c for c in _LOOKUP_SCHEMA if c not in (_SEG, _TEXT)))
    return out, _warnings(work)


def _warnings(work: pl.LazyFrame) -> pl.LazyFrame:
    """The warnings of the rows that need one: a tier not given, an article unknown on
    the case's date, a given ceiling that differs from the statutory maximum."""
    found = pl.col(_MAX).is_not_null()
    raw = pl.col("penalty_article").cast(pl.String)
    case_id = pl.col("case_id").cast(pl.String).fill_null("（无编号）")
    span = range_text(pl.col(_MIN), pl.col(_MAX))
    tier_missing = work.filter(found & pl.col(_FIRST_TIER)).select(
        pl.lit("penalty_article").alias("column"),
        pl.lit("penalty_article_tier_missing").alias("rule"),
        formatted(
            "案件 {} 的处罚条款“{}”未注明档次，按第一档 {}（{}，罚款{}）确定法定罚款幅度 "
            "(penalty article without a tier: the first tier is used)",
            case_id,
            pl.col(_TEXT),
            pl.col(_KEY),
            pl.col(_ARTICLE),
            span,
        ).alias("message"),
        raw.alias("value"),
    )
    unknown = work.filter(pl.col(_TEXT).is_not_null() & ~found).select(
        pl.lit("penalty_article").alias("column"),
        pl.lit("penalty_article_unknown").alias("rule"),
        pl.when(pl.col("found_on").is_not_null())
        .then(
            formatted(
                "案件 {} 的处罚条款“{}”不在发现日期 {} 施行的法定罚款幅度表 {} 中，"
                "不据此确定罚款上限 "
                "(penalty article unknown to the fine ranges in force on the case's date)",
                case_id,
                pl.col(_TEXT),
                pl.col("found_on"),
                pl.lit(FINE_RANGES_KEY),
            )
        )
        .otherwise(
            formatted(
                "案件 {} 发现日期不明，处罚条款“{}”的法定罚款幅度无从确定 "
                "(no date: the fine range in force is unknown)",
                case_id,
                pl.col(_TEXT),
            )
        )
        .alias("message"),
        raw.alias("value"),
    )
    differs = (pl.col("fine_max_yuan") - pl.col(_MAX)).abs() > TOLERANCE_YUAN
    disagrees = work.filter(pl.col(_GIVEN) & found & differs).select(
        pl.lit("fine_max_yuan").alias("column"),
        pl.lit("fine_max_disagrees_with_statute").alias("rule"),
        formatted(
            "案件 {} 的罚款上限 {} 与处罚条款“{}”（{}）的法定上限 {} 不一致，仍以案件数据为准 "
            "(fine_max_yuan differs from the statutory maximum: the case's value stands)",
            case_id,
            readable_yuan(pl.col("fine_max_yuan")),
            pl.col(_TEXT),
            pl.col(_ARTICLE),
            readable_yuan(pl.col(_MAX)),
        ).alias("message"),
        pl.col("fine_max_yuan").cast(pl.String).alias("value"),
    )
    # kept rows carry no source row number
    return as_warnings(
        pl.concat([tier_missing, unknown, disagrees]).with_columns(table=pl.lit(TABLE))
    )
