"""Test-data builders shared by the scorer tests: rows as dicts, every column of the
table filled, canonical dtypes and column order from `accountability.columns.TABLES`.

A row names only what differs.  A column a row leaves out takes, in order: the
builder call's `defaults`, the column's own default in TABLES (liability true,
status 在营), then a neutral value — null where the column may be empty, False for a
flag, 0 for a count or amount.  Ids, dates and enums have no neutral value: give them.

>>> frame("duty_records", [{"official_id": "P1", "year": 2024, "activity": "研究部署"}]).row(0)
('P1', 2024, '研究部署', 0)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from accountability.columns import TABLES
from accountability.dataset import Dataset
from accountability.rulecases import neutral_value

__all__ = ["dataset", "frame", "row"]


def _neutral(table: str, name: str) -> Any:
    return neutral_value(table, name)


def row(table: str, values: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> dict:
    """One full row of `table`: `values` over `defaults` over the neutral values."""
    unknown = set(values) - set(TABLES[table].column_names)
    if unknown:
        raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
    out = {name: _neutral(table, name) for name in TABLES[table].column_names}
    out.update(defaults or {})
    out.update(values)
    return out


def frame(
    table: str, rows: Iterable[Mapping[str, Any]] = (), defaults: Mapping[str, Any] | None = None
) -> pl.DataFrame:
    """`table`'s rows with every column, in canonical dtypes and column order."""
    spec = TABLES[table]
    full = [row(table, r, defaults) for r in rows]
    if not full:
        return pl.DataFrame(schema=spec.dtypes)
    return pl.DataFrame(
        {name: [r[name] for r in full] for name in spec.column_names}, schema=spec.dtypes
    )


def dataset(as_of: dt.date, **tables: Iterable[Mapping[str, Any]] | pl.DataFrame | None) -> Dataset:
    """A Dataset of the given tables (rows or ready frames); None leaves a table out and
    an empty sequence supplies it empty."""
    frames = {
        name: rows if isinstance(rows, pl.DataFrame) else frame(name, rows)
        for name, rows in tables.items()
        if rows is not None
    }
    return Dataset(tables=frames, as_of=as_of)
