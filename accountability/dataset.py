"""The `Dataset`: the kept rows of every input table, plus what was rejected.

This is the `Dataset`'s import path for the code that uses one (scorers, the
assessment).  The class is defined in `tables.py`, beside the validation that
builds it (`Dataset.from_frames` validates), so that neither module needs the
other at call time.

>>> import datetime as dt, polars as pl
>>> data = Dataset(tables={}, as_of=dt.date(2025, 1, 1))
>>> data.has("accidents")
False
"""

from __future__ import annotations

from typing import TypeVar

import polars as pl

from accountability.tables import REJECTED_SCHEMA, WARNINGS_SCHEMA, Dataset

__all__ = ["REJECTED_SCHEMA", "WARNINGS_SCHEMA", "Dataset", "as_warnings", "warning"]

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def as_warnings(frame: Frame) -> Frame:
    """`frame` as WARNINGS_SCHEMA rows: its columns cast, the columns it lacks null (a
    scorer's warning names no source file or row).

    >>> as_warnings(pl.DataFrame({"rule": ["r"], "message": ["m"]})).columns
    ['table', 'source', 'row', 'column', 'rule', 'message', 'value']
    """
    names = frame.collect_schema().names()
    return frame.select(
        (pl.col(c) if c in names else pl.lit(None)).cast(t).alias(c)
        for c, t in WARNINGS_SCHEMA.items()
    )


def warning(
    table: str | None, rule: str, message: str, *, column: str | None = None,
    value: str | None = None,
) -> pl.DataFrame:  # fmt: skip
    """One warning row that names no source file or row.

    >>> warning("hazards", "some_rule", "说明").select("table", "rule", "row").row(0)
    ('hazards', 'some_rule', None)
    """
    return as_warnings(
        pl.DataFrame(
            {
                "table": [table],
                "column": [column],
                "rule": [rule],
                "message": [message],
                "value": [value],
            },
            schema={
                "table": pl.String(),
                "column": pl.String(),
                "rule": pl.String(),
                "message": pl.String(),
                "value": pl.String(),
            },
        )
    )
