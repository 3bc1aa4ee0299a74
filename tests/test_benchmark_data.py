"""The benchmark datasets of `benchmarks/generate.py`: every format loads without a
rejected row and gives the same tables and the same assessment; a custom scale is the
same bytes for the same seed, exercises the default rules, and is reused while its
manifest matches."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import benchmarks.generate as bench
from accountability import assess, load_dataset
from accountability.codes import TARGET_RATE_INDICATORS
from accountability.columns import TABLES
from accountability.dataset import Dataset
from benchmarks.generate import AS_OF, FORMATS, YEAR, Counts, generate, write_dataset

# A few hundred rows, in chunks of 64 so that every big table is written in parts.
TINY = Counts(
    provinces=1, cities=2, counties=6, enterprises=300, hazards=600, inspection_rows=300,
    cases=150, accidents=80, chunk_rows=64,
)  # fmt: skip


def _load_all(folder: Path) -> dict[str, Dataset]:
    return {fmt: load_dataset(folder / fmt, as_of=AS_OF) for fmt in FORMATS}


def _heights(data: Dataset) -> dict[str, int]:
    return {name: frame.height for name, frame in data.tables.items()}


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _same_everywhere(folder: Path) -> dict[str, Dataset]:
    """Every format loads with no rejected row and the same table heights."""
    loaded = _load_all(folder)
    for fmt, data in loaded.items():
        assert data.rejected.height == 0, (fmt, data.rejected.head(5).to_dicts())
    heights = {fmt: _heights(data) for fmt, data in loaded.items()}
    assert heights["csv"] == heights["parquet"] == heights["csv-gbk"]
    assert set(heights["parquet"]) == set(TABLES)
    return loaded


@pytest.fixture(scope="module")
def scale_s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate("S", tmp_path_factory.mktemp("bench"))


def test_scale_s_is_the_fixture_in_three_formats(scale_s: Path) -> None:
    loaded = _same_everywhere(scale_s)
    fixture = bench.FIXTURE
    for path in fixture.glob("*.csv"):
        assert (scale_s / "csv" / path.name).read_bytes() == path.read_bytes()
        gbk = (scale_s / "csv-gbk" / path.name).read_bytes()
        assert gbk.decode("gbk") == path.read_text(encoding="utf-8")
    assert pl.read_parquet_schema(scale_s / "parquet" / "hazards.parquet") == pl.Schema(
        TABLES["hazards"].dtypes
    )
    parquet = assess(loaded["parquet"], year=YEAR).regions
    assert_frame_equal(parquet, assess(loaded["csv"], year=YEAR).regions)
    assert parquet.height == 9


def test_scale_s_is_not_rewritten_when_up_to_date(scale_s: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in scale_s.rglob("*") if p.is_file()}
    assert generate("S", scale_s.parent) == scale_s
    assert {p: p.stat().st_mtime_ns for p in scale_s.rglob("*") if p.is_file()} == before


def test_a_custom_scale_is_valid_and_the_same_bytes_for_the_same_seed(tmp_path: Path) -> None:
    first = write_dataset(TINY, tmp_path / "a", seed=7)
    loaded = _same_everywhere(first)
    manifest = bench._read_manifest(first)
    assert manifest["rows"] == _heights(loaded["parquet"])
    assert manifest["rows"]["hazards"] == TINY.hazards
    assert manifest["rows"]["inspections"] == TINY.inspection_rows
    for name, spec in TABLES.items():  # canonical names, order and dtypes
        schema = pl.read_parquet_schema(first / "parquet" / f"{name}.parquet")
        assert list(schema.items()) == [(c, t) for c, t in spec.dtypes.items() if c in schema]
    assert_frame_equal(
        assess(loaded["parquet"], year=YEAR).regions, assess(loaded["csv"], year=YEAR).regions
    )
    assert _digests(write_dataset(TINY, tmp_path / "b", seed=7)) == _digests(first)
    other = _digests(write_dataset(TINY, tmp_path / "c", seed=8))
    assert other["parquet/hazards.parquet"] != _digests(first)["parquet/hazards.parquet"]


def test_generate_skips_formats_already_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(bench.SCALES, "T", TINY)
    folder = generate("T", tmp_path, "csv", seed=5)
    csv = folder / "csv" / "hazards.csv"
    stamp = csv.stat().st_mtime_ns
    assert bench._read_manifest(folder)["formats"] == ["csv"]
    generate("T", tmp_path, FORMATS, seed=5)
    assert csv.stat().st_mtime_ns == stamp
    assert bench._read_manifest(folder)["formats"] == list(FORMATS)
    generate("T", tmp_path, "parquet", seed=6)  # another seed: everything else is stale
    assert bench._read_manifest(folder)["formats"] == ["parquet"]
    assert not (folder / "csv").exists()


def test_the_default_rules_are_exercised(tmp_path: Path) -> None:
    counts = Counts(
        provinces=2, cities=6, counties=60, enterprises=6_000, hazards=24_000,
        inspection_rows=8_000, cases=2_500, accidents=1_200,
    )  # fmt: skip
    data = load_dataset(write_dataset(counts, tmp_path, "parquet") / "parquet", as_of=AS_OF)
    assert data.rejected.height == 0
    result = assess(data, year=YEAR)
    regions = result.regions
    assert set(regions["grade"]) == {"优秀", "良好", "合格", "不合格"}
    assert regions["vetoed"].sum() > 0 and regions["yellow_card"].sum() > 0
    for section, weight in {"A": 40, "B": 20, "C": 15, "D": 15, "E": 10}.items():
        assert regions[section].is_not_null().all(), section
        assert (regions[section] < weight).any(), section
    cases = result.cases
    for measure in ("close", "penalty", "suspend", "accountability"):
        assert cases[f"required_{measure}"].any() and (~cases[f"taken_{measure}"]).any()
    assert (cases["repeat_fines_180"] >= 3).any() and (cases["repeat_fines_365"] >= 4).any()
    assert (cases["repeat_findings_3m"] >= 2).any()
    officials = result.officials
    assert set(officials["role"].cast(pl.String)) == {
        "党委主要负责人", "政府主要负责人", "分管负责人", "部门负责人",
    }  # fmt: skip
    assert officials["fulfilment"].min() == 0 and officials["fulfilment"].max() == 1
    targets = data.table("targets")["indicator"].cast(pl.String)
    # the indicators of A1 and A3; A6's (sector deaths, accident counts) are a scheme's
    # choice the benchmark's peers do not implement
    assert set(targets) == {"deaths", *TARGET_RATE_INDICATORS}
    years = data.table("accidents")["occurred_on"].dt.year()
    assert set(years) == {2023, 2024}
