"""Loading a dataset folder: CSV (UTF-8, BOM, GBK), Parquet, Excel; bad files give a
clear DatasetError naming the file, bad rows give rejected rows; `accountability
validate` exit codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from conftest import tiny_tables, write_csv
from typer.testing import CliRunner

from accountability.cli import app
from accountability.errors import DatasetError
from accountability.tables import load_dataset

AS_OF = dt.date(2025, 1, 1)
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "yiyang-2024"


def expected() -> dict[str, pl.DataFrame]:
    from accountability.tables import validate_frames

    return validate_frames(tiny_tables(), as_of=AS_OF).tables


def assert_same_as_frames(folder: Path) -> None:
    data = load_dataset(folder, as_of=AS_OF)
    assert data.rejected.height == 0, data.rejected
    assert data.source == str(folder)
    for name, frame in expected().items():
        assert data.table(name).equals(frame), name


# --- formats ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    for name, frame in tiny_tables().items():
        write_csv(tmp_path, name, frame, encoding=encoding)
    assert_same_as_frames(tmp_path)


def test_csv_with_chinese_headers(tmp_path):
    from accountability.columns import TABLES

    for name, frame in tiny_tables().items():
        labels = {c.name: c.label for c in TABLES[name].columns}
        write_csv(tmp_path, name, frame.rename(labels, strict=False), encoding="gbk")
    assert_same_as_frames(tmp_path)


def test_parquet_with_canonical_dtypes(tmp_path):
    for name, frame in expected().items():
        frame.write_parquet(tmp_path / f"{name}.parquet")
    assert_same_as_frames(tmp_path)


def test_parquet_with_text_columns(tmp_path):
    for name, frame in tiny_tables().items():
        frame.write_parquet(tmp_path / f"{name}.parquet")
    assert_same_as_frames(tmp_path)


def write_xlsx(path: Path, frame: pl.DataFrame, *, native: bool) -> None:
    """Write text cells; with `native`, numbers, booleans and dates as Excel values."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, frame.columns)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, (name, value) in enumerate(zip(frame.columns, row, strict=True)):
            if value is None:
                continue
            if native and name.endswith("_on"):
                sheet.write_datetime(
                    r, c, dt.datetime.combine(_date(value), dt.time()), date_format
                )
            elif native and name in ("deaths", "missing", "employees", "direct_loss_10k_yuan"):
                sheet.write_number(r, c, float(value))
            elif native and value in ("是", "否"):
                sheet.write_boolean(r, c, value == "是")
            else:
                sheet.write_string(r, c, value)
    book.close()


def _date(text: str) -> dt.date:
    digits = text.replace("-", "").replace("/", "")
    return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


@pytest.mark.parametrize("native", [False, True])
def test_xlsx(tmp_path, native):
    for name, frame in tiny_tables().items():
        write_xlsx(tmp_path / f"{name}.xlsx", frame, native=native)
    assert_same_as_frames(tmp_path)


def test_xlsx_written_by_polars(tmp_path):
    for name, frame in tiny_tables().items():
        frame.write_excel(tmp_path / f"{name}.xlsx")
    assert_same_as_frames(tmp_path)


def test_mixed_formats_and_non_data_files_ignored(tmp_path):
    tables = tiny_tables()
    write_csv(tmp_path, "regions", tables["regions"])
    tables["enterprises"].write_parquet(tmp_path / "enterprises.parquet")
    write_xlsx(tmp_path / "accidents.xlsx", tables["accidents"], native=True)
    (tmp_path / "README.md").write_text("数据说明", encoding="utf-8")
    assert_same_as_frames(tmp_path)


def test_header_only_file_is_a_present_empty_table(tmp_path):
    tables = tiny_tables()
    write_csv(tmp_path, "regions", tables["regions"])
    write_csv(tmp_path, "accidents", tables["accidents"].clear())
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert data.has("accidents") and data.table("accidents").height == 0
    assert data.rows_read["accidents"] == 0


def test_row_numbers_are_data_rows_of_the_file(tmp_path):
    tables = tiny_tables()
    write_csv(tmp_path, "regions", tables["regions"])
    acc = tables["accidents"].with_columns(
        pl.when(pl.col("accident_id") == "A2")
        .then(pl.lit("两"))
        .otherwise("deaths")
        .alias("deaths")
    )
    write_csv(tmp_path, "accidents", acc, encoding="gbk")
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert data.rejected.select("table", "row", "column", "rule", "value").rows() == [
        ("accidents", 2, "deaths", "type", "两")
    ]


# --- bad files: DatasetError naming the file ---------------------------------------------------


def _with_regions(tmp_path: Path) -> Path:
    write_csv(tmp_path, "regions", tiny_tables()["regions"])
    return tmp_path


def test_unknown_table_file(tmp_path):
    write_csv(_with_regions(tmp_path), "foo", tiny_tables()["regions"])
    with pytest.raises(DatasetError, match=r"foo\.csv"):
        load_dataset(tmp_path, as_of=AS_OF)


def test_missing_column_names_file_and_column(tmp_path):
    write_csv(_with_regions(tmp_path), "accidents", tiny_tables()["accidents"].drop("sector"))
    with pytest.raises(DatasetError, match=r"accidents\.csv.*sector.*行业领域"):
        load_dataset(tmp_path, as_of=AS_OF)


def test_empty_file(tmp_path):
    (_with_regions(tmp_path) / "accidents.csv").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"accidents\.csv.*空"):
        load_dataset(tmp_path, as_of=AS_OF)


@pytest.mark.parametrize(
    "payload",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(256)) * 4, b"\xff\xfe\xfd\x81\x30"],
)
def test_garbage_bytes(tmp_path, payload):
    (_with_regions(tmp_path) / "accidents.csv").write_bytes(payload)
    with pytest.raises(DatasetError, match=r"accidents\.csv"):
        load_dataset(tmp_path, as_of=AS_OF)


@pytest.mark.parametrize("suffix", ["xlsx", "parquet"])
def test_corrupt_binary_file(tmp_path, suffix):
    (_with_regions(tmp_path) / f"accidents.{suffix}").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DatasetError, match=rf"accidents\.{suffix}"):
        load_dataset(tmp_path, as_of=AS_OF)


def test_empty_xlsx_file(tmp_path):
    (_with_regions(tmp_path) / "accidents.xlsx").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"accidents\.xlsx"):
        load_dataset(tmp_path, as_of=AS_OF)


def test_same_table_twice(tmp_path):
    tiny_tables()["regions"].write_parquet(_with_regions(tmp_path) / "regions.parquet")
    with pytest.raises(DatasetError, match="regions"):
        load_dataset(tmp_path, as_of=AS_OF)


def test_missing_folder(tmp_path):
    with pytest.raises(DatasetError, match="nope"):
        load_dataset(tmp_path / "nope")


def test_bad_as_of(tmp_path):
    with pytest.raises(DatasetError, match="as_of"):
        load_dataset(_with_regions(tmp_path), as_of="31/12/2024")


# --- the bundled fixture -----------------------------------------------------------------------


@pytest.mark.skipif(not FIXTURE.is_dir(), reason="fixtures/yiyang-2024 not generated yet")
def test_bundled_fixture_loads_clean():
    data = load_dataset(FIXTURE, as_of="2025-01-31")
    assert data.rejected.height == 0, data.rejected.head(20)
    assert data.has("regions") and data.table("regions").height > 0


# --- accountability validate ------------------------------------------------------------------

runner = CliRunner()


def test_cli_clean_dataset_exits_0(tiny_dir):
    result = runner.invoke(app, ["validate", str(tiny_dir), "--as-of", "2025-01-01"])
    assert result.exit_code == 0, result.output
    assert "accidents" in result.output


def test_cli_rejected_rows_exit_1(tmp_path):
    tables = tiny_tables()
    write_csv(tmp_path, "regions", tables["regions"])
    acc = tables["accidents"].with_columns(pl.lit("-1").alias("deaths"))
    write_csv(tmp_path, "accidents", acc)
    result = runner.invoke(app, ["validate", str(tmp_path), "--as-of", "2025-01-01"])
    assert result.exit_code == 1, result.output
    assert "non_negative" in result.output
    assert "3" in result.output


def test_cli_future_dates_by_as_of(tiny_dir):
    result = runner.invoke(app, ["validate", str(tiny_dir), "--as-of", "2024-06-01"])
    assert result.exit_code == 1
    assert "future_date" in result.output


def test_cli_strict_codes(tmp_path):
    tables = tiny_tables()
    ent = tables["enterprises"].with_columns(
        (pl.col("enterprise_id").str.slice(0, 17) + pl.lit("Y")).alias("enterprise_id")
    )
    # Y is the check character of neither code, so both fail the check.
    for name, frame in {
        **tables,
        "enterprises": ent,
        "accidents": tables["accidents"].clear(),
    }.items():
        write_csv(tmp_path, name, frame)
    lenient = runner.invoke(app, ["validate", str(tmp_path), "--as-of", "2025-01-01"])
    assert lenient.exit_code == 0, lenient.output
    assert "uscc_check" in lenient.output
    strict = runner.invoke(
        app, ["validate", str(tmp_path), "--as-of", "2025-01-01", "--strict-codes"]
    )
    assert strict.exit_code == 1


def test_cli_dataset_error_exits_2_without_traceback(tmp_path):
    (_with_regions(tmp_path) / "accidents.csv").write_bytes(b"")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "accidents.csv" in result.output
    assert not isinstance(result.exception, DatasetError)
