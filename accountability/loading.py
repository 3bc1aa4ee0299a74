"""Reading a dataset folder: one `<table>.csv`, `.parquet` or `.xlsx` file per table.

Every cell of a CSV or Excel file is read as text and parsed by `tables.py`, so
that a cell that cannot be parsed becomes a rejected row, not an exception.  CSV
files may be UTF-8 (with or without BOM) or GBK/GB18030.  Anything that cannot be
read at all — an unknown table name, an empty or binary file, a corrupt workbook,
a missing required column — is a `DatasetError` naming the file.

>>> from pathlib import Path
>>> table_for_file(Path("accidents.csv")), table_for_file(Path("生产安全事故.xlsx"))
('accidents', 'accidents')
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from accountability.columns import TABLES
from accountability.errors import DatasetError

__all__ = ["DATA_SUFFIXES", "read_folder", "read_table_file", "table_for_file"]

DATA_SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".xlsx", ".xlsm", ".xls")
_BY_LABEL = {spec.label: name for name, spec in TABLES.items()}


def table_for_file(path: Path) -> str:
    """The table a file holds, from its name (English table name or Chinese label).

    An unknown name is a `DatasetError` naming the file.
    """
    stem = path.stem.strip()
    name = stem.lower()
    if name in TABLES:
        return name
    if stem in _BY_LABEL:
        return _BY_LABEL[stem]
    raise DatasetError(
        f"{path}: 未知的数据表文件名 {path.name!r}，应为以下之一: {', '.join(TABLES)} "
        f"(unknown table file; expected <table>.csv/.parquet/.xlsx)"
    )


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise DatasetError(f"{path}: 文件为空 (empty file; expected at least a header row)")
    if b"\x00" in data:
        raise DatasetError(f"{path}: 不是文本 CSV 文件 (binary data, not a CSV text file)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DatasetError(
        f"{path}: 无法识别的文件编码，应为 UTF-8 或 GBK (cannot decode as UTF-8 or GBK)"
    )


def _read_csv(path: Path) -> pl.DataFrame:
    text = _decode(path, path.read_bytes())
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            infer_schema=False,
            has_header=True,
        )
    except Exception as exc:  # polars raises several error types for malformed CSV
        raise DatasetError(f"{path}: 无法读取 CSV ({exc.__class__.__name__}: {exc})") from None
    return frame


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except Exception as exc:
        raise DatasetError(
            f"{path}: 无法读取 Parquet 文件 ({exc.__class__.__name__}: {exc})"
        ) from None


def _read_excel(path: Path) -> pl.DataFrame:
    import fastexcel

    if path.stat().st_size == 0:
        raise DatasetError(f"{path}: 文件为空 (empty file)")
    try:
        reader = fastexcel.read_excel(str(path))
        sheet = reader.load_sheet(0, dtypes="string")
        frame = sheet.to_polars()
    except Exception as exc:  # fastexcel/calamine errors: corrupt or not a workbook
        raise DatasetError(
            f"{path}: 无法读取 Excel 文件 ({exc.__class__.__name__}: {exc})"
        ) from None
    # Excel sheets with formatting but no data give unnamed columns: drop them.
    keep = [
        c
        for c in frame.columns
        if not (c.startswith("__UNNAMED__") and frame[c].null_count() == frame.height)
    ]
    return frame.select(keep)


def read_table_file(path: str | Path) -> tuple[str, pl.DataFrame, bool]:
    """Read one table file: (table name, raw frame, whether dates may be Excel serials).

    CSV and Excel cells come back as text; Parquet keeps its own dtypes.
    """
    path = Path(path)
    table = table_for_file(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return table, _read_csv(path), False
    if suffix == ".parquet":
        return table, _read_parquet(path), False
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return table, _read_excel(path), True
    raise DatasetError(f"{path}: 不支持的文件类型 {suffix!r} (expected .csv, .parquet or .xlsx)")


def read_folder(
    path: str | Path | object, notes: list[pl.LazyFrame]
) -> tuple[dict[str, pl.DataFrame], str]:
    """Read every table file of a folder and parse it (tables.prepare_frame).

    Returns (table → parsed frame, the folder as a string).  Files that are not data
    (README.md, generator scripts) and hidden or Excel lock files are skipped.
    """
    from accountability.tables import prepare_frame

    folder = Path(str(path))
    if not folder.exists():
        raise DatasetError(f"{folder}: 数据目录不存在 (dataset folder not found)")
    if not folder.is_dir():
        raise DatasetError(f"{folder}: 不是目录 (a dataset is a folder of table files)")
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in DATA_SUFFIXES and not p.name.startswith((".", "~$"))
    )
    seen: dict[str, Path] = {}
    prepared: dict[str, pl.DataFrame] = {}
    for file in files:
        table, raw, excel_serial = read_table_file(file)
        if table in seen:
            raise DatasetError(
                f"{file}: 数据表 {table!r} 已由 {seen[table].name} 提供 "
                f"(table given twice: {seen[table].name} and {file.name})"
            )
        seen[table] = file
        prepared[table] = prepare_frame(
            table, raw, source=str(file), excel_serial=excel_serial, warnings=notes
        )
    return prepared, str(folder)
