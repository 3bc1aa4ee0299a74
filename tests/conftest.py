"""Shared test helpers: a tiny valid dataset as text rows, and writers for it.

Kept small on purpose; modules add their own builders.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from accountability.codes import uscc_check_character


def uscc(first17: str) -> str:
    """A credit code with the right GB 32100 check character."""
    return first17 + uscc_check_character(first17)


ENT_A = uscc("91430902MA4L00001")
ENT_B = uscc("91430903MA4L00002")


def tiny_tables() -> dict[str, pl.DataFrame]:
    """regions, enterprises and accidents as text, as a CSV would give them; all valid."""
    regions = pl.DataFrame(
        {
            "region_code": ["430000", "430900", "430902", "430903", "430971"],
            "name": ["湖南省", "益阳市", "资阳区", "赫山区", "大通湖区"],
            "parent_code": [None, "430000", "430900", "430900", "430900"],
            "level": ["省", "市", "县", "县", "县"],
        }
    )
    enterprises = pl.DataFrame(
        {
            "enterprise_id": [ENT_A, ENT_B],
            "name": ["甲煤矿", "乙建筑公司"],
            "region_code": ["430902", "430903"],
            "sector": ["煤矿", "建筑施工"],
            "employees": ["120", "45"],
            "license_required": ["是", "否"],
            "licensed": ["是", "否"],
            "standardization_level": ["二级", None],
        }
    )
    accidents = pl.DataFrame(
        {
            "accident_id": ["A1", "A2", "A3"],
            "region_code": ["430902", "430903", "430971"],
            "enterprise_id": [ENT_A, None, None],
            "sector": ["煤矿", "道路交通", "水上交通"],
            "occurred_on": ["2024-03-01", "2024/05/06", "20240707"],
            "deaths": ["1", "3", "0"],
            "missing": ["0", "0", "1"],
            "serious_injuries": ["0", "2", "0"],
            "direct_loss_10k_yuan": ["12.5", "300", "0"],
            "reported_late": ["否", "true", "0"],
            "concealed": ["否", "FALSE", "0"],
        }
    )
    return {"regions": regions, "enterprises": enterprises, "accidents": accidents}


def write_csv(folder: Path, name: str, frame: pl.DataFrame, encoding: str = "utf-8") -> Path:
    """Write a text frame as <name>.csv in the given encoding (utf-8, utf-8-sig, gbk)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    text = frame.write_csv()
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def tiny() -> dict[str, pl.DataFrame]:
    return tiny_tables()


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """The tiny dataset written as UTF-8 CSV files."""
    folder = tmp_path / "data"
    for name, frame in tiny_tables().items():
        write_csv(folder, name, frame)
    return folder


YIYANG = Path(__file__).resolve().parents[1] / "fixtures" / "yiyang-2024"


@pytest.fixture(scope="session")
def yiyang_data():
    """The bundled 益阳市 fixture, loaded once per test session."""
    from accountability.tables import load_dataset

    return load_dataset(YIYANG, as_of="2025-01-31")


@pytest.fixture(scope="session")
def yiyang_2024(yiyang_data):
    """The fixture's 2024 assessment under the default rulebook, once per session."""
    from accountability.assessment import assess

    return assess(yiyang_data, year=2024)


@pytest.fixture(scope="session")
def yiyang_parquet(yiyang_data, tmp_path_factory):
    """The fixture as typed Parquet files (scale S of the benchmarks), once per session."""
    from benchmarks.peers import write_tables

    folder = tmp_path_factory.mktemp("yiyang-parquet")
    write_tables(yiyang_data.tables, folder)
    return folder


def rule_file(folder: Path, body: str, name: str = "试") -> Path:
    """A rule file extending the default rulebook with the parameters in `body`."""
    path = folder / "rules.toml"
    path.write_text(f'extends = "default"\n\n[meta]\nname = "{name}"\n\n{body}', encoding="utf-8")
    return path
