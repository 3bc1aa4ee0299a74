"""Peers: the default rulebook's region results computed without the library.

Each peer reads the same Parquet files as the library (one file per table, named
``<table>.parquet``, in the library's canonical column names and dtypes) and returns
one row per region with the columns of :data:`COLUMNS`. Before a peer is timed, its
result is checked equal to the library's with :func:`differences`; a peer that
disagrees is not a peer.
"""

from __future__ import annotations

import polars as pl

#: What a peer returns, one row per region: the score, its sections, the grade, the
#: veto and yellow card, and the rank among siblings.
COLUMNS: dict[str, pl.DataType] = {
    "region_code": pl.String(),
    "score": pl.Float64(),
    "A": pl.Float64(),
    "B": pl.Float64(),
    "C": pl.Float64(),
    "D": pl.Float64(),
    "E": pl.Float64(),
    "grade": pl.String(),
    "vetoed": pl.Boolean(),
    "yellow_card": pl.Boolean(),
    "rank": pl.Int64(),
}

#: Accident grades, least serious first (国务院令第493号第三条): a grade's place is its
#: severity.
GRADES: tuple[str, ...] = ("一般", "较大", "重大", "特别重大")
SECTIONS: tuple[str, ...] = ("A", "B", "C", "D", "E")
#: The tables each section needs; a section is assessed when all are present.
SECTION_TABLES: dict[str, tuple[str, ...]] = {
    "A": ("accidents",),
    "B": ("cases", "inspections", "enterprises"),
    "C": ("hazards",),
    "D": ("officials", "duty_records"),
    "E": ("enterprises", "work_items"),
}

#: Scores summed in another order may differ in the last bits, never more.
TOLERANCE = 1e-9


def differences(library: pl.DataFrame, peer: pl.DataFrame) -> pl.DataFrame:
    """The regions where a peer's result differs from the library's, one row per
    (region, column), with both values as text; empty when they agree.

    A region present on one side only is a difference in column ``region_code``.

    >>> lib = pl.DataFrame({"region_code": ["1"], "score": [80.0], "grade": ["良好"]})
    >>> differences(lib, lib.with_columns(score=pl.lit(80.0 + 1e-12))).height
    0
    >>> differences(lib, lib.with_columns(grade=pl.lit("合格"))).rows()
    [('1', 'grade', '良好', '合格')]
    """
    columns = [c for c in COLUMNS if c in library.columns and c in peer.columns]
    both = library.select(columns).join(
        peer.select(columns), on="region_code", how="full", suffix="_peer", coalesce=False
    )
    rows = [
        both.filter(pl.col("region_code").is_null() | pl.col("region_code_peer").is_null()).select(
            region_code=pl.coalesce("region_code", "region_code_peer"),
            column=pl.lit("region_code"),
            library=pl.col("region_code"),
            peer=pl.col("region_code_peer"),
        )
    ]
    paired = both.filter(
        pl.col("region_code").is_not_null() & pl.col("region_code_peer").is_not_null()
    )
    for column in columns[1:]:
        a, b = pl.col(column), pl.col(f"{column}_peer")
        if library.schema[column].is_float():
            differ = ((a - b).abs() > TOLERANCE) | (a.is_null() != b.is_null())
        else:
            differ = a.ne_missing(b)
        rows.append(
            paired.filter(differ).select(
                "region_code",
                column=pl.lit(column),
                library=a.cast(pl.String),
                peer=b.cast(pl.String),
            )
        )
    return pl.concat(rows).sort("region_code", "column")


def write_tables(tables: dict[str, pl.DataFrame], folder) -> None:
    """Write a dataset's tables as ``<table>.parquet`` files, the layout peers read."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
