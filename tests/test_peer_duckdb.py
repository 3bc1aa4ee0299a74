"""The DuckDB SQL peer agrees with the library: on the bundled fixture, and on a copy
of it with one more 重大 accident, whose county and city results must move."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from accountability.assessment import assess
from accountability.dataset import Dataset
from benchmarks.peers import differences, write_tables
from benchmarks.peers.duckdb_sql import region_results

YEAR = 2024
COUNTY, CITY = "430902", "430900"  # 资阳区 and 益阳市 above it


def _explained(diff: pl.DataFrame) -> str:
    """The differences as a full table, for an assertion message."""
    with pl.Config(tbl_rows=-1, tbl_width_chars=200, fmt_str_lengths=60):
        return f"the DuckDB peer differs from the library in {diff.height} cells:\n{diff}"


def _row(frame: pl.DataFrame, region: str) -> dict:
    """One region's row as a dict."""
    return frame.filter(pl.col("region_code") == region).row(0, named=True)


def test_duckdb_peer_agrees_on_the_fixture(yiyang_2024, yiyang_parquet: Path) -> None:
    """Every region's score, sections, grade, veto, yellow card and rank."""
    peer = region_results(yiyang_parquet, YEAR)
    assert peer.height == yiyang_2024.regions.height
    diff = differences(yiyang_2024.regions, peer)
    assert diff.is_empty(), _explained(diff)


def test_duckdb_peer_follows_a_major_accident(yiyang_data, yiyang_2024, tmp_path: Path) -> None:
    """One more 重大 accident (10 deaths) in a county: the county is vetoed and graded
    不合格, its city gets a yellow card — in the library and in the peer alike."""
    accidents = yiyang_data.tables["accidents"]
    extra = accidents.head(1).with_columns(
        pl.lit("SG-PEER-重大").alias("accident_id"),
        pl.lit(COUNTY).alias("region_code"),
        pl.lit(dt.date(YEAR, 6, 15)).alias("occurred_on"),
        pl.lit(10).cast(pl.Int64).alias("deaths"),
        pl.lit(0).cast(pl.Int64).alias("missing"),
        pl.lit(True).alias("liability"),
        pl.lit(False).alias("concealed"),
    )
    tables = {**yiyang_data.tables, "accidents": pl.concat([accidents, extra])}
    write_tables(tables, tmp_path)
    library = assess(Dataset(tables=tables, as_of=yiyang_data.as_of), year=YEAR).regions
    peer = region_results(tmp_path, YEAR)

    diff = differences(library, peer)
    assert diff.is_empty(), _explained(diff)
    before, after = _row(yiyang_2024.regions, COUNTY), _row(peer, COUNTY)
    assert (before["vetoed"], before["grade"]) == (False, "优秀")
    assert (after["vetoed"], after["grade"]) == (True, "不合格")
    city_before, city_after = _row(yiyang_2024.regions, CITY), _row(peer, CITY)
    assert (city_before["yellow_card"], city_after["yellow_card"]) == (False, True)
