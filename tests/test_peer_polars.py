"""The hand-written polars peer agrees with the library's region results.

The peer (`benchmarks.peers.polars_plan`) recomputes 年度目标管理考核 from the Parquet
files alone; before the benchmarks time it, it must give the library's score,
sections, grade, veto, yellow card and rank for every region.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import attrs
import polars as pl

from accountability.assessment import assess
from benchmarks.peers import differences
from benchmarks.peers.polars_plan import region_results

COUNTY = "430902"  # 资阳区: 优秀, not vetoed, no 较大 accident in 2024


def _shown(diff: pl.DataFrame) -> str:
    """The differences as a table a failing test can print in full."""
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=60):
        return f"the polars peer differs from the library:\n{diff}"


def test_peer_agrees_with_the_library_on_the_fixture(yiyang_2024, yiyang_parquet: Path) -> None:
    diff = differences(yiyang_2024.regions, region_results(yiyang_parquet, 2024))
    assert diff.height == 0, _shown(diff)


def _with_major_accident(accidents: pl.DataFrame) -> pl.DataFrame:
    """The accidents plus one 重大 liability accident (12 dead) in `COUNTY` in 2024."""
    extra = accidents.head(1).with_columns(
        pl.lit("A-PEER-TEST").alias("accident_id"),
        pl.lit(COUNTY).alias("region_code"),
        pl.lit(None, pl.String).alias("enterprise_id"),
        pl.lit(dt.date(2024, 6, 1)).alias("occurred_on"),
        pl.lit(12, pl.Int64).alias("deaths"),
        pl.lit(0, pl.Int64).alias("missing"),
        pl.lit(False).alias("reported_late"),
        pl.lit(False).alias("concealed"),
        pl.lit(True).alias("liability"),
    )
    return pl.concat([accidents, extra.select(accidents.columns)])


def test_peer_follows_a_major_accident(yiyang_data, yiyang_2024, yiyang_parquet, tmp_path) -> None:
    accidents = _with_major_accident(yiyang_data.tables["accidents"])
    changed = attrs.evolve(yiyang_data, tables={**yiyang_data.tables, "accidents": accidents})
    folder = tmp_path / "parquet"
    shutil.copytree(yiyang_parquet, folder)
    accidents.write_parquet(folder / "accidents.parquet")

    library = assess(changed, year=2024).regions
    peer = region_results(folder, 2024)
    diff = differences(library, peer)
    assert diff.height == 0, _shown(diff)

    def county(frame: pl.DataFrame) -> dict:
        return frame.filter(pl.col("region_code") == COUNTY).row(0, named=True)

    before, after = county(yiyang_2024.regions), county(peer)
    # a 县 with a 重大 accident is vetoed (一票否决): the comparison is not vacuous
    assert (before["vetoed"], before["grade"]) == (False, "优秀")
    assert (after["vetoed"], after["grade"]) == (True, "不合格")
    assert after["A"] < before["A"]
    city = peer.filter(pl.col("region_code") == "430900").row(0, named=True)
    assert city["yellow_card"]  # a 市 with a 重大 accident below it gets a yellow card
