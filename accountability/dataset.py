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

from accountability.tables import REJECTED_SCHEMA, WARNINGS_SCHEMA, Dataset

__all__ = ["REJECTED_SCHEMA", "WARNINGS_SCHEMA", "Dataset"]
