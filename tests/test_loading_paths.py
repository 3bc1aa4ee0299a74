"""Loading reads a column that repeats its cells once per distinct cell; the result
must be exactly that of reading every cell: the same rows kept, the same rejected rows
and warnings with the same messages, whatever a careless file holds."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

import accountability.tables as tables
from tests.conftest import ENT_A, ENT_B, tiny_tables, write_csv

ROWS = 25_000  # above the size from which distinct cells are read once

# Cells as careless files give them: padded, full-width, Excel text markers, invisible
# characters, two-digit years, commas, words the loader does not know.
DATES = ["2024-03-01", " 2024-03-02", "２０２４-03-03", '="2024-03-04"', "2024/3/5",
         "24-3-6", "2024-02-30", "", "2024-03-07\u200b", "20240308"]  # fmt: skip
COUNTS = ["0", "1", " 2", "３", "1,000", "1,5", "-1", "x", "", "2.0"]
FLAGS = ["是", "否", " 是", "true", "0", "maybe", "", "否\u00a0"]
SECTORS = ["煤矿", "建筑施工", " 煤矿", "煤 矿", "农业", ""]
CODES = ["430902", "430903", "４３０９０２", "'430903", "430999", ""]


def _accidents(seed: int) -> pl.DataFrame:
    rnd = random.Random(seed)
    pick = lambda pool: [rnd.choice(pool) for _ in range(ROWS)]  # noqa: E731
    return pl.DataFrame(
        {
            "accident_id": [f"A{i}" for i in range(ROWS)],
            "region_code": pick(CODES),
            "enterprise_id": pick([ENT_A, ENT_B, ENT_A.lower(), ""]),
            "sector": pick(SECTORS),
            "occurred_on": pick(DATES),
            "deaths": pick(COUNTS),
            "missing": pick(COUNTS),
            "serious_injuries": pick(COUNTS),
            "direct_loss_10k_yuan": pick(["12.5", "1,234.5", "0", " 3", "abc", ""]),
            "reported_late": pick(FLAGS),
            "concealed": pick(FLAGS),
        }
    )


def _load(folder: Path) -> tables.Dataset:
    return tables.load_dataset(folder, as_of="2025-01-31")


@pytest.mark.parametrize("seed", [1, 2])
def test_reading_distinct_cells_once_changes_nothing(tmp_path, monkeypatch, seed):
    folder = tmp_path / "data"
    for name, frame in tiny_tables().items():
        if name != "accidents":
            write_csv(folder, name, frame)
    write_csv(folder, "accidents", _accidents(seed))
    once = _load(folder)
    monkeypatch.setattr(tables, "_DISTINCT_SAMPLE", 10**9)  # every cell read
    each = _load(folder)
    assert once.rejected.height > 0 and once.warnings.height > 0  # the file is careless
    assert once.tables["accidents"].equals(each.tables["accidents"])
    assert once.rejected.equals(each.rejected)
    assert once.warnings.equals(each.warnings)
    kept, rejected_rows = once.tables["accidents"].height, once.rejected["row"].n_unique()
    assert kept + rejected_rows == ROWS


def test_an_optional_column_takes_its_default_only_where_the_cell_is_empty():
    # liability defaults to true: an empty cell is true, "maybe" is rejected, not read
    # as the default
    data = tiny_tables()
    data["accidents"] = data["accidents"].with_columns(
        liability=pl.Series(["maybe", "否", None], dtype=pl.String)
    )
    loaded = tables.validate_frames(data, as_of="2025-01-01")
    assert loaded.tables["accidents"]["liability"].to_list() == [False, True]
    assert loaded.rejected.select("row", "column", "rule", "value").rows() == [
        (1, "liability", "type", "maybe")
    ]
