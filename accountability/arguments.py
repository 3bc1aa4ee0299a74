"""What the public functions accept, said once: a `Dataset` or a folder, a `Rulebook`
or a rule file, a year.

Each function turns what a caller passed into what the scorers use, or raises a
`TypeError`/`ValueError` saying what to pass instead — a notebook user who passes a
path, a DataFrame or the text "2024" gets a sentence, not an `AttributeError` from deep
inside a scorer.

>>> as_year(2024)
2024
>>> as_year("2024")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
TypeError: year 须为整数年份，如 2024，而不是文本 '2024' ...
"""

from __future__ import annotations

import operator
import os
from pathlib import Path
from typing import Any

from accountability.dataset import Dataset
from accountability.rulebook import Rulebook, RulesAt, load_rulebook, rulebook
from accountability.tables import load_dataset

__all__ = ["FIRST_YEAR", "LAST_YEAR", "as_dataset", "as_rulebook", "as_year"]

FIRST_YEAR, LAST_YEAR = 1949, 9998


def _kind(value: Any) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}".replace("builtins.", "")


def as_dataset(data: Any, function: str = "assess") -> Dataset:
    """A `Dataset` as it is; a folder (a `str` or path) loaded with `load_dataset`.

    >>> import polars as pl
    >>> as_dataset(pl.DataFrame(), "four_musts")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: four_musts() 需要数据集 Dataset：请传入 acc.load_dataset(文件夹) ...
    """
    if isinstance(data, Dataset):
        return data
    if isinstance(data, str | os.PathLike):
        return load_dataset(Path(data))
    hint = ""
    kind = _kind(data)
    if "polars" in kind or "pandas" in kind:
        hint = (
            "；已有数据框时用 acc.Dataset.from_frames(accidents=…, regions=…)"
            " (for frames you hold: acc.Dataset.from_frames(accidents=..., regions=...))"
        )
    raise TypeError(
        f"{function}() 需要数据集 Dataset：请传入 acc.load_dataset(文件夹) 的结果或文件夹路径，"
        f"而不是 {kind}{hint} ({function}() takes a Dataset or a folder path, not {kind})"
    )


def as_rulebook(rules: Any, function: str = "assess") -> Rulebook:
    """None → the built-in rulebook; a `Rulebook` as it is (the rulebook of a `RulesAt`);
    "default" or a rule file path loaded with `load_rulebook`."""
    if rules is None or (isinstance(rules, str) and rules == "default"):
        return rulebook()
    if isinstance(rules, Rulebook):
        return rules
    if isinstance(rules, RulesAt):
        return rules.rulebook
    if isinstance(rules, str | os.PathLike):
        return load_rulebook(Path(rules))
    raise TypeError(
        f"{function}() 的 rules 须为规则库 Rulebook（acc.rulebook() 或 acc.load_rulebook(文件)）"
        f"或规则文件路径，而不是 {_kind(rules)} ({function}() takes a Rulebook or a rule file"
        f" path as rules, not {_kind(rules)})"
    )


def as_year(year: Any, default: int | None = None) -> int:
    """A year as an `int` (any integral number; None → `default` when there is one);
    text, a float or a bool is a `TypeError`, a year outside 1949–9998 a `ValueError`."""
    if year is None and default is not None:
        return default
    if isinstance(year, str):
        raise TypeError(
            f"year 须为整数年份，如 2024，而不是文本 {year!r} "
            f"(year must be a whole number such as 2024, not the text {year!r})"
        )
    if isinstance(year, bool):
        raise TypeError(f"year 须为整数年份，如 2024，而不是 {year!r} (a whole number expected)")
    try:
        value = operator.index(year)
    except TypeError:
        raise TypeError(
            f"year 须为整数年份，如 2024，而不是 {_kind(year)} {year!r} "
            f"(year must be a whole number such as 2024)"
        ) from None
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValueError(
            f"考核年度 {value} 不在 {FIRST_YEAR}–{LAST_YEAR} 之间 "
            f"(year {value} is outside {FIRST_YEAR}–{LAST_YEAR})"
        )
    return value
