"""Reading dates the way Chinese spreadsheets write them: one parser for table cells
(a polars expression) and the same one for dates given by a caller (as_of, --from,
rules.at(...)), so every entry point accepts the same forms.

Accepted: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305, with or without a
time part; table cells may also be Excel serial day numbers.

>>> parse_day("2024年3月5日"), parse_day("2024/3/5"), parse_day("20240305")
(datetime.date(2024, 3, 5), datetime.date(2024, 3, 5), datetime.date(2024, 3, 5))
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import polars as pl

__all__ = ["DATE_FORMS", "default_year", "parse_date_expr", "parse_day"]

DATE_FORMS = "2024-03-05、2024/3/5、2024年3月5日、20240305"

_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date_expr(text: pl.Expr, *, excel_serial: bool = False) -> pl.Expr:
    """Polars expression: the date a text cell holds, null where it holds none."""
    s = (
        text.str.strip_chars()
        .str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")
        .str.replace_all(r"[/.年月]", "-")
        .str.replace(r"日$", "")
    )
    parsed = pl.coalesce(
        s.str.to_date("%Y-%m-%d", strict=False),
        pl.when(s.str.contains(r"^\d{8}$")).then(s.str.to_date("%Y%m%d", strict=False)),
    )
    if excel_serial:
        serial = pl.when(s.str.contains(r"^\d{1,5}$")).then(s.cast(pl.Int64, strict=False))
        parsed = pl.coalesce(parsed, pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial))
    return parsed


def parse_day(value: dt.date | str) -> dt.date:
    """A date from a `date`, a `datetime` or text in any of the accepted forms.

    Raises ValueError naming the forms accepted; callers turn it into their own
    error type (DatasetError, RulebookError).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", str(value))
    day = pl.select(parse_date_expr(pl.lit(text, dtype=pl.String))).item()
    if day is None:
        raise ValueError(f"{value!r} 不是日期，应为 {DATE_FORMS} 等形式 (not a date)")
    return day


def default_year(as_of: dt.date) -> int:
    """The year a scorer rates when none is given: the last calendar year ended by
    `as_of` (the same for four_musts, dual_duty and enterprise_ratings).

    >>> default_year(dt.date(2025, 1, 15)), default_year(dt.date(2024, 12, 31))
    (2024, 2024)
    """
    return as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1
