"""Both peers follow the default rulebook as it changes: a 谎报 (falsely reported)
accident counts for the tables' `concealed` key, in the library and in each peer."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from accountability.assessment import assess
from accountability.tables import load_dataset
from benchmarks.peers import differences
from benchmarks.peers.duckdb_sql import region_results as duckdb_results
from benchmarks.peers.polars_plan import region_results as polars_results


@pytest.fixture(scope="module")
def falsely_reported(yiyang_parquet, tmp_path_factory):
    folder = tmp_path_factory.mktemp("falsely-reported")
    shutil.copytree(yiyang_parquet, folder, dirs_exist_ok=True)
    accidents = pl.read_parquet(folder / "accidents.parquet")
    one = (
        accidents.filter(
            pl.col("region_code") == "430902",
            ~pl.col("concealed"),
            pl.col("liability"),
            pl.col("occurred_on").dt.year() == 2024,
        )
        .head(1)
        .with_columns(falsely_reported=pl.lit(True))
    )
    rest = accidents.join(one.select("accident_id"), on="accident_id", how="anti")
    pl.concat([rest, one], how="vertical").write_parquet(folder / "accidents.parquet")
    return folder


@pytest.mark.parametrize("peer", [duckdb_results, polars_results])
def test_a_falsely_reported_accident_counts_for_the_concealment_veto(falsely_reported, peer):
    library = assess(load_dataset(falsely_reported, as_of="2025-01-31"), year=2024).regions
    zy = library.filter(pl.col("region_code") == "430902").row(0, named=True)
    assert zy["vetoed"] and any("瞒报（谎报）" in r for r in zy["veto_reasons"])
    found = differences(library, peer(falsely_reported, 2024))
    assert found.is_empty(), str(found)
