"""Reading a dataset folder: one `<table>.csv`, `.parquet` or `.xlsx` file per table.

Every cell of a CSV or Excel file is read as text and parsed by `tables.py`, so
that a cell that cannot be parsed becomes a rejected row, not an exception.  This
module reads and knows the headers (`resolve_headers`); it does not parse cells:
`tables.load_dataset` parses each file `open_folder` yields, so the dependency runs
one way, tables → loading.  What the reader tolerates, as regulators' exports come:

- CSV in UTF-8 (with or without BOM), GBK/GB18030 or UTF-16 (Excel's "Unicode
  text"); comma, tab or semicolon separated (sniffed from the header line).
- Workbooks whose first sheet is not the table (a 填表说明 sheet): the sheet whose
  top rows name the most columns of the table is read (a `sheet` warning).
- Title rows above the header (e.g. a merged "益阳市生产安全事故统计表" row): the
  header is the first of the top rows that names a column of the table.
- Completely blank rows (Excel's formatted but empty rows, `,,,,` lines): skipped
  and listed in one `blank_rows` warning; they are not data rows.  Row numbers
  stay those of the file: data row n is the n-th row below the header.
- Trailing empty fields (`a,b,c,`) beyond the header, and a CSV title line with
  fewer fields than the header.

Anything that cannot be read at all is a `DatasetError` naming the file: an
unknown table name (the message lists the accepted names), an empty or binary
file, a corrupt workbook, a missing required column (the message lists the
headers found), a column given twice, a row with more non-empty fields than the
header, a folder with no table files.

>>> from pathlib import Path
>>> table_for_file(Path("accidents.csv")), table_for_file(Path("生产安全事故.xlsx"))
('accidents', 'accidents')
>>> table_for_file(Path("事故.csv"))
'accidents'
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs
import polars as pl

from accountability.columns import TABLES
from accountability.errors import DatasetError

__all__ = [
    "DATA_SUFFIXES",
    "SOURCE_ROW",
    "TABLE_FILE_NAMES",
    "TableFile",
    "open_folder",
    "read_table_file",
    "resolve_headers",
    "table_for_file",
]

DATA_SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".xlsx", ".xlsm", ".xls")
# Suffixes of files that look like a table but cannot be read: an error, not a skip.
_TEXT_LIKE_SUFFIXES: tuple[str, ...] = (".txt", ".tsv", ".json", ".et", ".ods", ".numbers")
# The source row number column a reader adds (tables.py uses it for `rejected.row`).
SOURCE_ROW = "__source_row__"
# How many top rows may hold a title above the header.
_HEADER_SEARCH_ROWS = 10

# Short Chinese names users give table files, beside each table's label.
_SHORT_NAMES: dict[str, str] = {
    "区划": "regions",
    "事故": "accidents",
    "企业": "enterprises",
    "检查": "inspections",
    "案件": "cases",
    "隐患": "hazards",
    "干部": "officials",
}


def _norm_name(text: str) -> str:
    out = unicodedata.normalize("NFKC", text).strip().lower()
    out = out.replace(" ", "_").replace("-", "_")
    for suffix in ("表", "数据"):
        if out.endswith(suffix) and len(out) > len(suffix):
            out = out[: -len(suffix)]
    return out


TABLE_FILE_NAMES: dict[str, str] = {
    **{_norm_name(name): name for name in TABLES},
    **{_norm_name(spec.label): name for name, spec in TABLES.items()},
    **{_norm_name(short): name for short, name in _SHORT_NAMES.items()},
}


def _accepted_names() -> str:
    return "、".join(f"{name} ({spec.label})" for name, spec in TABLES.items())


def table_for_file(path: Path) -> str:
    """The table a file holds, from its name: the English table name (any case),
    its Chinese label (生产安全事故) or a short Chinese name (事故), optionally
    followed by 表 or 数据.

    An unknown name is a `DatasetError` naming the file and listing accepted names.
    """
    table = TABLE_FILE_NAMES.get(_norm_name(path.stem))
    if table is not None:
        return table
    raise DatasetError(
        f"{path}: 未知的数据表文件名 {path.name!r}；文件名应为以下之一(英文表名或中文名，"
        f"后缀 .csv/.xlsx/.parquet): {_accepted_names()}；"
        f"简称 {'、'.join(_SHORT_NAMES)} 亦可 (unknown table file name)"
    )


# --- headers ------------------------------------------------------------------------------


def _norm_header(text: str) -> str:
    """Header spelling that matches: NFKC (full-width letters and brackets), no
    spaces, underscores or hyphens, lower case: "Region Code" = "region_code"."""
    out = unicodedata.normalize("NFKC", str(text).replace("\ufeff", "")).strip()
    for ch in (" ", "_", "-", "\u3000"):
        out = out.replace(ch, "")
    return out.lower()


_HEADER_INDEX: dict[str, dict[str, str]] = {
    name: {
        _norm_header(h): col.name
        for col in spec.columns
        for h in (col.name, col.label, *col.aliases)
    }
    for name, spec in TABLES.items()
}


def resolve_headers(
    table: str, headers: Iterable[str], *, source: str | None = None
) -> tuple[dict[str, str], list[str]]:
    """Map a file's headers to canonical column names.

    Returns (header → column, unknown headers).  English snake_case names, Chinese
    labels and aliases all resolve; two headers for one column are a `DatasetError`.

    >>> resolve_headers("accidents", ["事故编号", "deaths", "备注"])
    ({'事故编号': 'accident_id', 'deaths': 'deaths'}, ['备注'])
    """
    index = _HEADER_INDEX[table]
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for header in headers:
        canonical = index.get(_norm_header(header))
        if canonical is None:
            unknown.append(header)
            continue
        if canonical in seen:
            where = source or table
            raise DatasetError(
                f"{where}: 列 {seen[canonical]!r} 和 {header!r} 都对应字段 {canonical!r} "
                f"(two headers for column {canonical!r})"
            )
        seen[canonical] = header
        mapping[header] = canonical
    return mapping, unknown


# --- CSV -----------------------------------------------------------------------------------


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise DatasetError(f"{path}: 文件为空 (empty file; expected at least a header row)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
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


def _separator(text: str) -> str:
    """Comma unless the first line has none and has tabs or semicolons."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if "," in first:
        return ","
    counts = {sep: first.count(sep) for sep in ("\t", ";", "；")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def _ragged_grid(path: Path, table: str, text: str, sep: str) -> pl.DataFrame:
    """The grid of a CSV whose lines have different numbers of fields (a title line
    above the header, trailing separators).  Fields beyond the header's width must
    be empty; otherwise a DatasetError names the first row with extra values.
    Runs only after polars refused the file, so a plain loop over records is fine."""
    records = list(csv.reader(io.StringIO(text), delimiter=sep))
    if not records:  # pragma: no cover - polars reads an empty text without error
        raise DatasetError(f"{path}: 文件为空 (empty file)")
    top_width = max(1, *(len(r) for r in records[:_HEADER_SEARCH_ROWS]))
    top = pl.DataFrame(
        [r + [""] * (top_width - len(r)) for r in records[:_HEADER_SEARCH_ROWS]],
        schema=[f"column_{i}" for i in range(top_width)],
        orient="row",
    )
    header_at = _header_score(table, top, path)[0]
    width = len(records[header_at])
    for row_no, record in enumerate(records[header_at + 1 :], start=1):
        extra = [v for v in record[width:] if v.strip()]
        if extra:
            raise DatasetError(
                f"{path}: 第 {row_no} 行(表头为第 0 行)有 {len(record)} 个字段，"
                f"表头只有 {width} 列；多出的值 {extra[:3]!r} "
                "(row has more fields than the header)"
            )
    rows = [[v or None for v in r[:width]] + [None] * (width - len(r)) for r in records]
    return pl.DataFrame(rows, schema={f"column_{i}": pl.String for i in range(width)}, orient="row")


def _read_csv(path: Path, table: str) -> pl.DataFrame:
    text = _decode(path, path.read_bytes())
    sep = _separator(text)
    if sep == "；":  # polars separators are one byte
        text, sep = text.replace("；", ";"), ";"
    try:
        return pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            infer_schema=False,
            has_header=False,
            separator=sep,
        )
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise DatasetError(f"{path}: 无法读取 CSV ({exc.__class__.__name__}: {exc})") from None
        return _ragged_grid(path, table, text, sep)
    except Exception as exc:  # polars raises several error types for malformed CSV
        raise DatasetError(f"{path}: 无法读取 CSV ({exc.__class__.__name__}: {exc})") from None


# --- Parquet, Excel ------------------------------------------------------------------------


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except Exception as exc:
        raise DatasetError(
            f"{path}: 无法读取 Parquet 文件 ({exc.__class__.__name__}: {exc})"
        ) from None


def _read_excel(path: Path, table: str) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """The sheet holding the table: the first sheet whose top rows name the most
    of its columns (a workbook often opens with a 填表说明 sheet)."""
    import fastexcel

    if path.stat().st_size == 0:
        raise DatasetError(f"{path}: 文件为空 (empty file)")
    try:
        reader = fastexcel.read_excel(str(path))
        names = list(reader.sheet_names)
        best, best_count = 0, -1
        if len(names) > 1:
            for i in range(len(names)):
                top = reader.load_sheet(
                    i, header_row=None, dtypes="string", n_rows=_HEADER_SEARCH_ROWS
                ).to_polars()
                count = _header_score(table, top, path)[1] if top.height else 0
                if count > best_count:
                    best, best_count = i, count
        frame = reader.load_sheet(best, header_row=None, dtypes="string").to_polars()
    except Exception as exc:  # fastexcel/calamine errors: corrupt or not a workbook
        raise DatasetError(
            f"{path}: 无法读取 Excel 文件 ({exc.__class__.__name__}: {exc})"
        ) from None
    if frame.height == 0:
        raise DatasetError(f"{path}: 工作表为空 (empty sheet; expected at least a header row)")
    notes = []
    if best:
        notes.append(
            (
                "sheet",
                f"读取工作表 {names[best]!r} (第 {best + 1} 个)，其余工作表未读取 "
                f"(sheet {names[best]!r} read; others ignored)",
            )
        )
    return frame, notes


# --- header row, blank rows ----------------------------------------------------------------


def _header_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _header_score(table: str, grid: pl.DataFrame, path: Path) -> tuple[int, int]:
    """(index of the header row, how many columns it names): the first of the top
    rows naming the most columns of the table (row 0 unless title rows sit above)."""
    best, best_count = 0, 0
    for i in range(min(_HEADER_SEARCH_ROWS, grid.height)):
        cells = [_header_text(v) for v in grid.row(i)]
        known = {h for h in cells if h}
        try:
            mapping, _ = resolve_headers(table, sorted(known), source=str(path))
        except DatasetError:
            mapping = {h: h for h in known}  # two headers for a column: surely the header
        if len(mapping) > best_count:
            best, best_count = i, len(mapping)
    return best, best_count


def _with_header(table: str, grid: pl.DataFrame, path: Path) -> tuple[pl.DataFrame, list]:
    """The grid's header row applied as column names; rows above it dropped, then
    completely blank rows dropped.  Adds SOURCE_ROW (data row n below the header).
    Returns the frame and notes (title rows skipped, blank rows) for warnings."""
    if grid.height == 0:
        raise DatasetError(f"{path}: 文件为空 (empty file; expected at least a header row)")
    header_at = _header_score(table, grid, path)[0]
    headers = [_header_text(v) for v in grid.row(header_at)]
    # Columns without a header and without any value (Excel formatting) are dropped.
    body = grid.slice(header_at + 1)
    keep = [
        i
        for i, (h, c) in enumerate(zip(headers, grid.columns, strict=True))
        if h or body[c].cast(pl.String).drop_nulls().str.strip_chars().ne("").any()
    ]
    names: list[str] = []
    counts: dict[str, int] = {}
    for i in keep:
        h = headers[i] or f"(第 {i + 1} 列，无表头)"
        counts[h] = counts.get(h, 0) + 1
    mapping, _ = resolve_headers(table, [h for h in counts if h], source=str(path))
    for h, n in counts.items():
        if n > 1 and h in mapping:
            cols = [str(i + 1) for i in keep if headers[i] == h]
            raise DatasetError(
                f"{path}: 列 {h!r} 出现 {n} 次 (第 {'、'.join(cols)} 列)，无法确定使用哪一列 "
                f"(header {h!r} given {n} times)"
            )
    for i in keep:
        h = headers[i] or f"(第 {i + 1} 列，无表头)"
        names.append(h if counts[h] == 1 else f"{h} (第 {i + 1} 列)")
    frame = body.select(
        pl.col(grid.columns[i]).cast(pl.String).alias(name)
        for i, name in zip(keep, names, strict=True)
    ).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(SOURCE_ROW))
    text_cols = [c for c in frame.columns if c != SOURCE_ROW]
    blank = (
        pl.all_horizontal(
            pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in text_cols
        )
        if text_cols
        else pl.lit(False)
    )
    blank_rows = frame.filter(blank)[SOURCE_ROW]
    notes: list[tuple[str, str]] = []
    if header_at:
        titles = " / ".join(
            t
            for t in (
                " ".join(_header_text(v) for v in grid.row(i)).strip() for i in range(header_at)
            )
            if t
        )
        notes.append(
            (
                "title_rows",
                f"表头在第 {header_at + 1} 行，其上 {header_at} 行标题已跳过"
                f"{'：' + titles[:60] if titles else ''} (title rows above the header skipped)",
            )
        )
    if blank_rows.len():
        shown = "、".join(str(r) for r in blank_rows.head(10).to_list())
        more = " 等" if blank_rows.len() > 10 else ""
        notes.append(
            (
                "blank_rows",
                f"跳过 {blank_rows.len()} 个空行 (第 {shown}{more} 行) (blank rows skipped)",
            )
        )
    return frame.filter(~blank), notes


# --- files and folders ---------------------------------------------------------------------


def read_table_file(path: str | Path) -> tuple[str, pl.DataFrame, bool]:
    """Read one table file: (table name, raw frame, whether dates may be Excel serials).

    CSV and Excel cells come back as text with a SOURCE_ROW column (blank rows and
    title rows dropped); Parquet keeps its own dtypes.
    """
    frame, table, excel, _ = _read_with_notes(Path(path))
    return table, frame, excel


def _read_with_notes(path: Path) -> tuple[pl.DataFrame, str, bool, list[tuple[str, str]]]:
    table = table_for_file(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _read_parquet(path), table, False, []
    if suffix == ".csv":
        frame, notes = _with_header(table, _read_csv(path, table), path)
        return frame, table, False, notes
    if suffix in (".xlsx", ".xlsm", ".xls"):
        grid, sheet_notes = _read_excel(path, table)
        frame, notes = _with_header(table, grid, path)
        return frame, table, True, sheet_notes + notes
    raise DatasetError(
        f"{path}: 不支持的文件类型 {suffix!r}，应为 .csv、.xlsx 或 .parquet (unsupported file type)"
    )


@attrs.frozen
class TableFile:
    """One table file of a folder as read: its cells not yet parsed."""

    path: Path
    table: str
    # CSV and Excel: text cells and a SOURCE_ROW column; Parquet: its own dtypes.
    frame: pl.DataFrame
    # Whether dates may be Excel serial numbers (a workbook).
    excel_serial: bool
    # (rule, message) of what the reader skipped or chose: sheet, title_rows, blank_rows.
    notes: tuple[tuple[str, str], ...]


def open_folder(path: str | Path | object) -> tuple[str, Iterator[TableFile]]:
    """The folder as a string, and its table files, each read when the iterator
    reaches it (`tables.load_dataset` parses one before the next is read).

    The folder is checked at once.  Files that are not data (README.md, generator
    scripts) and hidden or Excel lock files are skipped; a file named like a table
    in a format that cannot be read (accidents.txt) is an error, and so is a folder
    without any table file or two files of one table.
    """
    folder = Path(str(path))
    if not folder.exists():
        raise DatasetError(f"{folder}: 数据目录不存在 (dataset folder not found)")
    if not folder.is_dir():
        raise DatasetError(f"{folder}: 不是目录 (a dataset is a folder of table files)")
    entries = sorted(
        p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
    )
    files = [p for p in entries if p.suffix.lower() in DATA_SUFFIXES]
    for p in entries:
        if p.suffix.lower() in _TEXT_LIKE_SUFFIXES and _norm_name(p.stem) in TABLE_FILE_NAMES:
            raise DatasetError(
                f"{p}: 不支持的文件类型 {p.suffix!r}，请另存为 .csv (UTF-8 或 GBK) 或 .xlsx "
                "(unsupported file type)"
            )
    if not files:
        others = "、".join(p.name for p in entries[:5]) or "无文件"
        raise DatasetError(
            f"{folder}: 目录中没有数据表文件 (no table files; found: {others})；"
            f"应为 <表名>.csv/.xlsx/.parquet，表名为以下之一: {_accepted_names()}"
        )
    return str(folder), _read_files(files)


def _read_files(files: list[Path]) -> Iterator[TableFile]:
    seen: dict[str, Path] = {}
    for file in files:
        raw, table, excel_serial, notes = _read_with_notes(file)
        if table in seen:
            raise DatasetError(
                f"{file}: 数据表 {table!r} 已由 {seen[table].name} 提供 "
                f"(table given twice: {seen[table].name} and {file.name})"
            )
        seen[table] = file
        yield TableFile(file, table, raw, excel_serial, tuple(notes))
