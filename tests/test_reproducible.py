"""Reproducible: the same data and rulebook give byte-identical
results in any row order.

The bundled Yiyang fixture is loaded once; every input table is shuffled (seeded) and
the Dataset rebuilt; `assess`, each scorer and the Excel report must not move by a bit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import polars as pl
import pytest

import accountability as acc
from accountability.dataset import Dataset
from accountability.planning import inspection_plan
from accountability.report import write_excel
from accountability.scorers.dual_duty import dual_duty
from accountability.scorers.enterprise import enterprise_ratings
from accountability.scorers.four_musts import four_musts
from accountability.tables import load_dataset

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "yiyang-2024"
AS_OF = dt.date(2025, 6, 30)
YEAR = 2024
SEEDS = (1, 20240630, 7777)
ASSESSMENT_FRAMES = ("regions", "enterprises", "cases", "officials", "departments", "line_items")

pytestmark = pytest.mark.skipif(not FIXTURE.is_dir(), reason="fixtures/yiyang-2024 not generated")


@pytest.fixture(scope="module")
def loaded() -> Dataset:
    return load_dataset(FIXTURE, as_of=AS_OF)


def rebuilt(data: Dataset, seed: int | None) -> Dataset:
    """`data`'s tables as a fresh Dataset; with a seed, every table's rows shuffled."""
    tables = {
        name: frame
        if seed is None
        else frame.sample(fraction=1.0, shuffle=True, seed=seed + i).rechunk()
        for i, (name, frame) in enumerate(sorted(data.tables.items()))
    }
    return Dataset(tables=tables, as_of=data.as_of, rejected=data.rejected, warnings=data.warnings)


@pytest.fixture(scope="module")
def original(loaded: Dataset) -> Dataset:
    return rebuilt(loaded, None)


@pytest.fixture(scope="module")
def reference(original: Dataset) -> acc.Assessment:
    return acc.assess(original, year=YEAR)


# Points and requirements whose sums and means are not exact in binary floating point,
# so that any float sum taken in row order would show.
FRACTIONAL = """extends = "default"
[enterprise.accident_general_nonfatal]
value = 0.1
basis = "测试"
[enterprise.accident_general_fatal]
value = 1.7
basis = "测试"
[enterprise.hazard_general_late]
value = 0.3
basis = "测试"
[enterprise.case_unlawful]
value = 0.7
basis = "测试"
[enterprise.hazard_major_overdue]
value = 0.13
basis = "测试"
[dual_duty.duty_requirements]
basis = "测试"
[dual_duty.duty_requirements.value]
"党委主要负责人" = { "研究部署" = 3, "督导检查" = 7 }
"政府主要负责人" = { "研究部署" = 3, "督导检查" = 7 }
"分管负责人" = { "研究部署" = 3, "督导检查" = 7, "隐患督办" = 11 }
"部门负责人" = { "研究部署" = 3, "督导检查" = 13, "隐患督办" = 7 }
"""


@pytest.fixture(scope="module", params=["default", "fractional"])
def rules(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    if request.param == "default":
        return acc.rulebook()
    path = tmp_path_factory.mktemp("rules") / "fractional.toml"
    path.write_text(FRACTIONAL, encoding="utf-8")
    return acc.load_rulebook(path)


def parquet_digest(frame: pl.DataFrame) -> str:
    """sha256 of the frame written as Parquet.  (Arrow IPC bytes are no test: a string
    column gathered from another order keeps its old data buffers, so equal frames can
    write different IPC bytes; Parquet encodes the values themselves.)"""
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def assert_identical(a: pl.DataFrame, b: pl.DataFrame, what: str) -> None:
    assert a.schema == b.schema, what
    assert a.equals(b), what
    assert parquet_digest(a) == parquet_digest(b), f"{what}: equal values, different bytes"


def test_shuffling_really_reorders_the_tables(original: Dataset):
    shuffled = rebuilt(original, SEEDS[0])
    moved = [
        name
        for name, frame in original.tables.items()
        if frame.height > 2 and not frame.equals(shuffled.tables[name])
    ]
    assert len(moved) == sum(frame.height > 2 for frame in original.tables.values())


@pytest.mark.parametrize("seed", SEEDS)
def test_assess_is_byte_identical_in_any_row_order(original: Dataset, rules, seed: int):
    reference = acc.assess(original, rules, year=YEAR)
    result = acc.assess(rebuilt(original, seed), rules, year=YEAR)
    for name in ASSESSMENT_FRAMES:
        assert_identical(getattr(reference, name), getattr(result, name), name)
    assert result.fingerprint == reference.fingerprint
    assert (result.as_of, result.schema_version, result.library_version) == (
        reference.as_of,
        reference.schema_version,
        reference.library_version,
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_each_scorer_is_byte_identical_in_any_row_order(original: Dataset, rules, seed: int):
    shuffled = rebuilt(original, seed)
    pairs = {
        "four_musts": (
            four_musts(original, rules, YEAR),
            four_musts(shuffled, rules, YEAR),
            ("cases", "by_region", "by_department", "by_region_department", "line_items"),
        ),
        "dual_duty": (
            dual_duty(original, rules, YEAR),
            dual_duty(shuffled, rules, YEAR),
            ("officials", "departments", "duties", "attributions", "line_items", "warnings"),
        ),
        "enterprise_ratings": (
            enterprise_ratings(original, rules, YEAR),
            enterprise_ratings(shuffled, rules, YEAR),
            ("enterprises", "line_items"),
        ),
    }
    for scorer, (a, b, frames) in pairs.items():
        for name in frames:
            assert_identical(getattr(a, name), getattr(b, name), f"{scorer}.{name}")
    ratings_a, ratings_b = pairs["enterprise_ratings"][0], pairs["enterprise_ratings"][1]
    capacity = {"应急管理局": 3000, "交通运输局": 200}
    plan_a = inspection_plan(ratings_a, rules, capacity)
    plan_b = inspection_plan(ratings_b, rules, capacity)
    for name in ("by_region_department", "queue", "coverage"):
        assert_identical(getattr(plan_a, name), getattr(plan_b, name), f"inspection_plan.{name}")


def read_workbook(path: Path) -> dict[str, pl.DataFrame]:
    import fastexcel

    book = fastexcel.read_excel(path)
    return {
        name: pl.read_excel(path, sheet_name=name, has_header=False, raise_if_empty=False)
        for name in book.sheet_names
    }


def test_excel_cells_are_identical_in_any_row_order(
    original: Dataset, reference: acc.Assessment, tmp_path: Path
):
    result = acc.assess(rebuilt(original, SEEDS[1]), year=YEAR)
    first = read_workbook(write_excel(reference, tmp_path / "original.xlsx"))
    second = read_workbook(write_excel(result, tmp_path / "shuffled.xlsx"))
    assert list(first) == list(second)
    assert first["扣分明细"].height > 1  # the sheets hold the results, not just headers
    for sheet in first:
        assert first[sheet].equals(second[sheet]), sheet
