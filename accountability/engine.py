"""The polars engine that runs every plan the library collects.

Every `collect` and `collect_all` in the library names `ENGINE` (a test keeps it so),
rather than leaving the choice to polars' default ("auto", which polars 2 resolves to
its streaming engine) or to a process-wide `pl.Config` setting a caller may have made.

The in-memory engine is chosen because it was faster at every scale measured and held
less memory, with results identical frame for frame (same machine, same run, default
rulebook, files → `load_dataset` → `assess`; `benchmarks/RESULTS.md` keeps the
benchmark's figures):

| scale | rows read | load + assess, streaming | in-memory | peak RSS, streaming | in-memory |
| --- | --- | --- | --- | --- | --- |
| S (the fixture) | 139,242 | 1.87 s | 1.23 s | 0.25 GB | 0.24 GB |
| M | 3.4 million | 10.4 s | 7.1 s | 1.87 GB | 1.31 GB |
| L | 32.6 million | 119.5 s | 98.1 s | 12.9 GB | 10.1 GB |

On small tables the difference is larger still: the streaming engine's fixed cost per
plan dominates (a rulebook test case — a few rows — ran in about half the time).

>>> import polars as pl
>>> pl.LazyFrame({"a": [1, 2]}).select(pl.col("a").sum()).collect(engine=ENGINE).item()
3
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["ENGINE"]

ENGINE: Final[Literal["in-memory"]] = "in-memory"
