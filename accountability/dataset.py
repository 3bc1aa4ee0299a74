"""The `Dataset`: the kept rows of every input table, plus what was rejected.

>>> import datetime as dt, polars as pl
>>> data = Dataset(tables={}, as_of=dt.date(2025, 1, 1))
>>> data.has("accidents")
False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs
import polars as pl

from accountability.errors import DatasetError

__all__ = ["REJECTED_SCHEMA", "WARNINGS_SCHEMA", "Dataset"]

# One row per failed rule.  `row` is the 1-based data row number in the source
# (the header is row 0 in a file; for frames it is the 1-based position).
REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "rule": pl.String(),
    "message": pl.String(),
    "value": pl.String(),
}
WARNINGS_SCHEMA = REJECTED_SCHEMA


def _empty(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))


@attrs.frozen(eq=False)
class Dataset:
    """Kept rows per table (canonical column names and dtypes), the load's `as_of`
    day, and the `rejected` and `warnings` frames.

    A table that was not supplied is absent (`has(name)` is False); a table supplied
    with a header and no rows is present and empty.  Build one with
    `load_dataset(path)` or `Dataset.from_frames(...)`, which validate; the plain
    constructor trusts its input.
    """

    tables: Mapping[str, pl.DataFrame] = attrs.field(converter=dict)
    as_of: dt.date
    rejected: pl.DataFrame = attrs.field(factory=lambda: _empty(REJECTED_SCHEMA))
    warnings: pl.DataFrame = attrs.field(factory=lambda: _empty(WARNINGS_SCHEMA))
    source: str | None = None
    # rows read per table, so that read = kept + distinct rejected can be shown.
    rows_read: Mapping[str, int] = attrs.field(factory=dict, converter=dict)
    strict_codes: bool = False

    @classmethod
    def from_frames(
        cls,
        *,
        as_of: dt.date | str | None = None,
        strict_codes: bool = False,
        **frames: pl.DataFrame,
    ) -> Dataset:
        """Validate polars frames (one keyword per table) into a Dataset.

        >>> import polars as pl
        >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
        ...                         "parent_code": [None], "level": ["市"]})
        >>> Dataset.from_frames(regions=regions).table("regions").height
        1
        """
        from accountability.tables import validate_frames

        return validate_frames(frames, as_of=as_of, strict_codes=strict_codes)

    def has(self, name: str) -> bool:
        """Whether the table was supplied (it may be empty)."""
        return name in self.tables

    def get(self, name: str) -> pl.DataFrame | None:
        """The table's kept rows, or None when the table was not supplied."""
        return self.tables.get(name)

    def table(self, name: str, *, needed_by: str | None = None) -> pl.DataFrame:
        """The table's kept rows; a `DatasetError` naming it when it was not supplied."""
        if name not in self.tables:
            who = f"{needed_by} 需要" if needed_by else "需要"
            raise DatasetError(
                f"{who}数据表 {name!r}，但数据集中没有该表 "
                f"(table {name!r} is missing from the dataset"
                + (f" {self.source}" if self.source else "")
                + ")"
            )
        return self.tables[name]

    def lazy(self, name: str, *, needed_by: str | None = None) -> pl.LazyFrame:
        return self.table(name, needed_by=needed_by).lazy()

    def replace(self, **tables: pl.DataFrame) -> Dataset:
        """A copy with some tables replaced (trusted: no validation)."""
        return attrs.evolve(self, tables={**self.tables, **tables})

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v.height}" for k, v in sorted(self.tables.items()))
        return f"Dataset({parts}; rejected={self.rejected.height}, as_of={self.as_of})"
