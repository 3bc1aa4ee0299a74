"""Misuse from Python: every public function takes a `Dataset` or a folder, a
`Rulebook` or a rule file, and a whole-number year — anything else is a `TypeError` or
`ValueError` that says what to pass, never an `AttributeError` from inside a scorer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import accountability as acc

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "hunan-city.toml"
SCORERS = [acc.four_musts, acc.dual_duty, acc.enterprise_ratings]


@pytest.fixture
def data(tiny_dir: Path) -> acc.Dataset:
    return acc.load_dataset(tiny_dir, as_of="2025-03-01")


def test_a_folder_and_a_rule_file_may_be_passed_as_paths(tiny_dir: Path, data: acc.Dataset):
    by_path = acc.assess(str(tiny_dir), str(EXAMPLE), year=2024)
    by_objects = acc.assess(data, acc.load_rulebook(EXAMPLE), year=2024)
    assert by_path.regions.select("region_code", "score", "grade").equals(
        by_objects.regions.select("region_code", "score", "grade")
    )
    assert by_path.rulebook_name == by_objects.rulebook_name
    assert acc.assess(tiny_dir, "default", year=2024).fingerprint == acc.rulebook().fingerprint
    table = acc.compare_periods(tiny_dir, "2024-01-01", "2024-12-31")
    assert table.height > 0


@pytest.mark.parametrize(
    "wrong",
    [pl.DataFrame({"region_code": ["430900"]}), pl.LazyFrame(), {"regions": None}, 42],
    ids=["DataFrame", "LazyFrame", "dict", "int"],
)
def test_anything_but_a_dataset_or_a_folder_is_a_type_error_saying_what_to_pass(wrong):
    with pytest.raises(TypeError, match=r"load_dataset") as raised:
        acc.assess(wrong, year=2024)
    if isinstance(wrong, pl.DataFrame | pl.LazyFrame):
        assert "Dataset.from_frames" in str(raised.value)
    for scorer in SCORERS:
        with pytest.raises(TypeError, match=scorer.__name__):
            scorer(wrong, None, 2024)
    with pytest.raises(TypeError, match="compare_periods"):
        acc.compare_periods(wrong, "2024-01-01", "2024-12-31")


def test_a_rulebook_must_be_a_rulebook_or_a_rule_file(data: acc.Dataset):
    for wrong in (42, {"annual.base": 100}, ["default"]):
        with pytest.raises(TypeError, match=r"acc\.rulebook\(\)"):
            acc.assess(data, wrong, year=2024)
        for scorer in SCORERS:
            with pytest.raises(TypeError, match="Rulebook"):
                scorer(data, wrong, 2024)
    with pytest.raises(acc.RulebookError):
        acc.assess(data, "no/such/rules.toml", year=2024)


@pytest.mark.parametrize("year", ["2024", 2024.0, True, None, [2024]])
def test_a_year_is_a_whole_number_not_text(data: acc.Dataset, year):
    with pytest.raises(TypeError, match="year"):
        acc.assess(data, year=year)


@pytest.mark.parametrize("year", [0, -1, 10_000])
def test_a_year_outside_any_plausible_assessment_is_a_value_error(data: acc.Dataset, year):
    with pytest.raises(ValueError, match=str(year)):
        acc.assess(data, year=year)
    for scorer in SCORERS:
        with pytest.raises(ValueError, match=str(year)):
            scorer(data, None, year)


def test_a_numpy_integer_year_is_a_year(data: acc.Dataset):
    assert acc.assess(data, year=np.int64(2024)).year == 2024
    assert acc.enterprise_ratings(data, None, np.int64(2024)).year == 2024
