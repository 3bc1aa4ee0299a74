"""Reading a dataset folder: one `<table>.csv`, `.parquet` or `.xlsx` file per table.

Every cell of a CSV or Excel file is read as text and parsed by `tables.py`, so
that a cell that cannot be parsed becomes a rejected row, not an exception.  This
module reads and knows the headers (`resolve_headers`); it does not parse cells:
`tables.load_dataset` parses each file `open_folder` yields, so the dependency runs
one way, tables → loading.  What the reader tolerates, as regulators' exports come:

- CSV in UTF-8 (with or without BOM), GBK/GB18030 or UTF-16 (Excel's "Unicode
  text"); comma, tab or semicolon separated (sniffed from the header line); line
  ends LF, CRLF, CR (old Mac Excel) or a mix of them.
- Workbooks whose first sheet is not the table (a 填表说明 sheet): the sheets whose
  header row names every required column of the table are read and concatenated
  (a `sheet` warning names them); a hidden sheet is never preferred to a visible
  one (`hidden_sheet` warning).  Failing that, the sheet whose top rows name the
  most columns is read (and a missing column is then a DatasetError).
- Title rows above the header (e.g. a merged "益阳市生产安全事故统计表" row): the
  header is the first of the top rows that names a column of the table.
- Completely blank rows (Excel's formatted but empty rows, `,,,,` lines): skipped
  and listed in one `blank_rows` warning; they are not data rows.  Row numbers
  stay those of the file: data row n is the n-th row below the header.
- Trailing empty fields (`a,b,c,`) beyond the header, and a CSV title line with
  fewer fields than the header.

Limits, checked before a reader runs (module constants): a file larger than
`MAX_FILE_BYTES`; a workbook whose members unpack to more than
`MAX_UNZIPPED_BYTES` or whose big member is compressed more than
`MAX_COMPRESSION_RATIO` times (a zip bomb); a worksheet whose used range — the
`<dimension>` it declares, or the cells it actually holds, whichever is larger —
spans more than `MAX_SHEET_COLUMNS` columns or `MAX_SHEET_CELLS` cells.  Each is a
DatasetError naming the file (and sheet) and the limit: the Excel reader builds a
dense grid of the used range, so one stray cell at XFD1048576 would otherwise
take hundreds of GiB.

Every entry of the folder is read, or named in a `file_not_read` warning (a
README, a folder, a hidden or lock file), or is a DatasetError: an unknown table
name with a data suffix (the message lists the accepted names), a file or folder
named like a table in a format that cannot be read (accidents.csv.gz, 事故.xlsb), a
symbolic link named like a table whose target lies outside the folder, an empty or
binary file, a corrupt workbook, a missing required column (the message lists the
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
import html
import io
import posixpath
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs
import polars as pl

from accountability.columns import TABLES
from accountability.errors import DatasetError
from accountability.progress import Progress, report_step

__all__ = [
    "DATA_SUFFIXES",
    "MAX_COMPRESSION_RATIO",
    "MAX_FILE_BYTES",
    "MAX_SHEET_CELLS",
    "MAX_SHEET_COLUMNS",
    "MAX_UNZIPPED_BYTES",
    "SOURCE",
    "SOURCE_ROW",
    "TABLE_FILE_NAMES",
    "Note",
    "TableFile",
    "open_folder",
    "read_table_file",
    "resolve_headers",
    "table_for_file",
]

DATA_SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".xlsx", ".xlsm", ".xls")
_WORKBOOK_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xls")
# What a message offers when a file cannot be read.
_FORMATS = ".csv (UTF-8/GBK/UTF-16)、.xlsx/.xlsm/.xls 或 .parquet"
# The source row number column a reader adds (tables.py uses it for `rejected.row`).
SOURCE_ROW = "__source_row__"
# The source of each row, when a frame holds rows of several sheets: "事故.xlsx!Sheet2".
SOURCE = "__source__"
# How many top rows may hold a title above the header.
_HEADER_SEARCH_ROWS = 10

# --- limits ---------------------------------------------------------------------------------

# Any input file: larger files are refused before they are opened.
MAX_FILE_BYTES = 2 * 1024**3
# A workbook (a zip): the uncompressed size of all its members together …
MAX_UNZIPPED_BYTES = 1024**3
# … and the compression ratio of any member from _RATIO_CHECKED_FROM bytes up.
MAX_COMPRESSION_RATIO = 200
_RATIO_CHECKED_FROM = 16 * 1024**2
# A worksheet's used range (the reader allocates every cell of it): rows × columns,
# and columns.  25 million cells is a full sheet of 1,048,576 rows × 23 columns, about
# 1.3 GB in the reader; larger tables belong in CSV or Parquet.
MAX_SHEET_CELLS = 25_000_000
MAX_SHEET_COLUMNS = 1_000
# Small workbook parts (workbook.xml, its relationships) read whole: at most this.
_MAX_PART_BYTES = 16 * 1024**2

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


def _table_named_like(name: str) -> str | None:
    """The table an entry's name looks like, whatever its suffixes: accidents.csv.gz,
    事故.xlsb and a folder named accidents all look like `accidents`."""
    stem = name.split(".", 1)[0] if not name.startswith(".") else name
    return TABLE_FILE_NAMES.get(_norm_name(stem))


@attrs.frozen
class Note:
    """Something the reader skipped or chose, for a `warnings` row: its rule, message
    and source (a file name, "事故.xlsx!Sheet2" for a sheet); `table` when known."""

    rule: str
    message: str
    source: str | None = None
    table: str | None = None


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


# --- file size -----------------------------------------------------------------------------


def _size_text(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def _check_file_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DatasetError(
            f"{path}: 文件大小 {_size_text(size)} 超过上限 {_size_text(MAX_FILE_BYTES)} "
            f"(file larger than the limit MAX_FILE_BYTES = {MAX_FILE_BYTES} bytes)"
        )


# --- CSV -----------------------------------------------------------------------------------

# Characters that cannot be seen but make two ids differ: zero-width space, (non-)joiner,
# word joiner, BOM, no-break space, soft hyphen.  tables.py removes them from codes.
INVISIBLE_CHARACTERS = "\u200b\u200c\u200d\u2060\ufeff\u00a0\u00ad"


def _decode(path: Path, data: bytes) -> tuple[str, bool]:
    """The file's text, and whether it was read as UTF-8 (with or without a BOM)."""
    if not data or data.isspace():
        raise DatasetError(f"{path}: 文件为空 (empty file; expected at least a header row)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), False
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise DatasetError(f"{path}: 不是文本 CSV 文件 (binary data, not a CSV text file)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding == "utf-8-sig"
        except UnicodeDecodeError:
            continue
    raise DatasetError(
        f"{path}: 无法识别的文件编码，应为 UTF-8 或 GBK (cannot decode as UTF-8 or GBK)"
    )


def _separator(text: str) -> str:
    """Comma unless the first line has none and has tabs or semicolons."""
    end = text.find("\n")
    first = (text if end < 0 else text[:end]).lstrip("\ufeff")
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
    header_at = _header_match(table, top, str(path))[0]
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


@attrs.frozen
class _Csv:
    grid: pl.DataFrame
    # ; or tab separated: a comma in a number may be a decimal comma.
    decimal_comma: bool
    # Whether the text holds any of INVISIBLE_CHARACTERS (else tables.py skips the check).
    invisible: bool


def _read_csv(path: Path, table: str) -> _Csv:
    data = path.read_bytes()
    return _read_utf8_as_is(data) or _read_csv_text(path, table, data)


def _read_utf8_as_is(data: bytes) -> _Csv | None:
    """The common case, read without decoding it in Python: a comma-separated file
    with LF line ends, handed to polars as it is (polars checks the UTF-8 itself;
    `tables` looks for invisible characters in each column holding non-ASCII text).
    None when the file needs more — another encoding, CR line ends, another separator,
    ragged rows, no text at all: `_read_csv_text` reads it and says what is wrong."""
    if not data or data.isspace() or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    if b"\x00" in data or b"\r" in data:
        return None
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    end = body.find(b"\n")
    first = (body if end < 0 else body[:end]).decode("utf-8", errors="replace")
    if _separator(first) != ",":
        return None
    try:
        grid = pl.read_csv(io.BytesIO(body), infer_schema=False, has_header=False)
    except Exception:  # not UTF-8, ragged rows, malformed: read again, with care
        return None
    return _Csv(grid, decimal_comma=False, invisible=True)


def _read_csv_text(path: Path, table: str, data: bytes) -> _Csv:
    text, is_utf8 = _decode(path, data)
    # polars reads UTF-8 bytes as they are; any other file is handed over re-encoded.
    utf8: bytes | None = None
    if is_utf8:
        utf8 = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if "\r" in text:
        # CR-only (old Mac Excel) and mixed line ends: polars splits rows on LF only.
        text, utf8 = text.replace("\r\n", "\n").replace("\r", "\n"), None
    invisible = any(ch in text for ch in INVISIBLE_CHARACTERS)
    sep = _separator(text)
    if sep == "；":  # polars separators are one byte
        text, sep, utf8 = text.replace("；", ";"), ";", None
    decimal_comma = sep != ","
    try:
        grid = pl.read_csv(
            io.BytesIO(utf8 if utf8 is not None else text.encode("utf-8")),
            infer_schema=False,
            has_header=False,
            separator=sep,
        )
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise DatasetError(f"{path}: 无法读取 CSV ({exc.__class__.__name__}: {exc})") from None
        grid = _ragged_grid(path, table, text, sep)
    except Exception as exc:  # polars raises several error types for malformed CSV
        raise DatasetError(f"{path}: 无法读取 CSV ({exc.__class__.__name__}: {exc})") from None
    return _Csv(grid, decimal_comma, invisible)


# --- Parquet -------------------------------------------------------------------------------


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except Exception as exc:
        raise DatasetError(
            f"{path}: 无法读取 Parquet 文件 ({exc.__class__.__name__}: {exc})"
        ) from None


# --- workbooks: bounded before the reader runs ----------------------------------------------


@attrs.frozen
class _SheetInfo:
    """A sheet as workbook.xml lists it: name, visibility, worksheet part, used range."""

    name: str
    visible: bool
    part: str | None
    # The <dimension> element: whether present, and its ref ("A1:D4").
    dimension: str | None = None


def _col_number(letters: str) -> int:
    """A1-style column letters as a 1-based number: A → 1, AO → 41, XFD → 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out or "A"


_ATTR = re.compile(r'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)>")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b")
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")


def _attrs(text: str) -> dict[str, str]:
    out = {}
    for name, double, single in _ATTR.findall(text):
        out[name.split(":")[-1] if name.startswith("r:") else name] = html.unescape(
            double if double or not single else single
        )
    return out


def _part_text(book: zipfile.ZipFile, name: str, where: str) -> str | None:
    try:
        info = book.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART_BYTES:
        raise DatasetError(
            f"{where}: 工作簿部件 {name} 解压后 {_size_text(info.file_size)}，超过 "
            f"{_size_text(_MAX_PART_BYTES)} (workbook part too large)"
        )
    return book.read(name).decode("utf-8", errors="replace")


def _zip_limits(book: zipfile.ZipFile, where: str) -> None:
    members = book.infolist()
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise DatasetError(
            f"{where}: 工作簿解压后共 {_size_text(total)}，超过上限 "
            f"{_size_text(MAX_UNZIPPED_BYTES)} (uncompressed size over the limit "
            f"MAX_UNZIPPED_BYTES; a zip bomb or an export to split)"
        )
    for m in members:
        if m.file_size >= _RATIO_CHECKED_FROM and m.file_size > MAX_COMPRESSION_RATIO * max(
            m.compress_size, 1
        ):
            raise DatasetError(
                f"{where}: 工作簿部件 {m.filename} 压缩比 "
                f"{m.file_size / max(m.compress_size, 1):.0f}:1 超过上限 "
                f"{MAX_COMPRESSION_RATIO}:1 (compression ratio over the limit "
                "MAX_COMPRESSION_RATIO; a zip bomb)"
            )


def _workbook_sheets(book: zipfile.ZipFile, where: str) -> list[_SheetInfo]:
    """The sheets workbook.xml lists, in order, with visibility and worksheet part."""
    main = "xl/workbook.xml"
    root_rels = _part_text(book, "_rels/.rels", where)
    if root_rels:
        for tag in _REL_TAG.findall(root_rels):
            a = _attrs(tag)
            if a.get("Type", "").endswith("/officeDocument") and a.get("Target"):
                main = a["Target"].lstrip("/")
    text = _part_text(book, main, where)
    if text is None:
        raise DatasetError(
            f"{where}: 无法读取 Excel 文件 (no workbook part {main}: not an .xlsx workbook)"
        )
    base = posixpath.dirname(main)
    rels_text = _part_text(
        book, posixpath.join(base, "_rels", posixpath.basename(main) + ".rels"), where
    )
    targets: dict[str, str] = {}
    for tag in _REL_TAG.findall(rels_text or ""):
        a = _attrs(tag)
        if "Id" in a and "Target" in a:
            target = a["Target"]
            targets[a["Id"]] = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(base, target))
            )
    names = {n.lower(): n for n in book.namelist()}
    sheets = []
    for tag in _SHEET_TAG.findall(text):
        a = _attrs(tag)
        part = targets.get(a.get("id", ""))
        part = names.get(part.lower()) if part else None
        state = a.get("state", "visible")
        sheets.append(_SheetInfo(a.get("name", ""), state == "visible", part))
    return sheets


def _sheet_extent(book: zipfile.ZipFile, sheet: _SheetInfo) -> tuple[str | None, int, int]:
    """(declared dimension, last row, last column) of a worksheet part, streamed.

    The dimension is read from the first kilobytes.  Then the part is streamed in
    1 MiB chunks to find what it really holds (a file may declare A1:D4 and hold a
    cell at XFD1048576): the last `<row r=…>` of each chunk (rows come in ascending
    order) and every cell reference with at least as many column letters as the
    declared last column (at least two: columns A–Z are always allowed).  A part
    without a dimension has every cell reference read."""
    assert sheet.part is not None
    declared: str | None = None
    last_row = last_col = 0
    min_letters = 1
    prefix = b""
    with book.open(sheet.part) as stream:
        head = stream.read(64 * 1024)
        data_at = _SHEET_DATA.search(head)
        m = _DIMENSION.search(head, 0, data_at.start() if data_at else len(head))
        if m:
            declared = m.group(1).decode("ascii", errors="replace")
            refs = _CELL_REF.findall(declared.upper())
            if refs:
                letters, row = refs[-1]
                last_row, last_col = int(row), _col_number(letters)
                min_letters = max(2, len(letters))
        if data_at:
            prefix = data_at.group(1)
        row_tag = b"<" + prefix + b"row "
        cell = re.compile(b"<" + re.escape(prefix) + rb'c r="([A-Z]{%d,3})\d' % min_letters)
        row_ref = re.compile(rb'\br="(\d{1,7})"')
        buffer = head
        while True:
            at = buffer.rfind(row_tag)
            if at >= 0:
                found = row_ref.search(buffer, at, at + 400)
                if found:
                    last_row = max(last_row, int(found.group(1)))
            letters_seen = set(cell.findall(buffer))
            if letters_seen:
                last_col = max(last_col, *(_col_number(x.decode()) for x in letters_seen))
            chunk = stream.read(1024 * 1024)
            if not chunk:
                break
            buffer = buffer[-512:] + chunk
    return declared, last_row, last_col


def _check_sheet(where: str, sheet: _SheetInfo, extent: tuple[str | None, int, int]) -> bool:
    """DatasetError when a sheet's used range is over the limits; whether it has a
    declared dimension."""
    declared, rows, cols = extent
    cells = rows * cols
    if cols > MAX_SHEET_COLUMNS or cells > MAX_SHEET_CELLS:
        actual = f"A1:{_col_letters(cols)}{rows}"
        said = f"声明范围 (dimension) {declared}，" if declared else "未声明范围 (no dimension)，"
        raise DatasetError(
            f"{where}: 工作表 {sheet.name!r} {said}实际延伸至 {actual} "
            f"({rows} 行 × {cols} 列 = {cells} 个单元格)，超过上限 "
            f"{MAX_SHEET_COLUMNS} 列、{MAX_SHEET_CELLS} 个单元格；请删除表格以外的单元格"
            f"(在 Excel 中按 Ctrl+End 查看) 或另存为 CSV (sheet {sheet.name!r} spans {actual}, "
            f"{'dimension ' + declared if declared else 'no dimension'}: over the limit "
            f"MAX_SHEET_CELLS = {MAX_SHEET_CELLS} cells / MAX_SHEET_COLUMNS = "
            f"{MAX_SHEET_COLUMNS} columns)"
        )
    return declared is not None


def _bounded_workbook(path: Path) -> list[_SheetInfo]:
    """Open an .xlsx/.xlsm as a zip and check it against the limits before any reader
    runs; its sheets with visibility and whether each declares its dimension."""
    where = str(path)
    try:
        with zipfile.ZipFile(path) as book:
            _zip_limits(book, where)
            sheets = _workbook_sheets(book, where)
            out = []
            for sheet in sheets:
                if sheet.part is None:
                    out.append(sheet)
                    continue
                extent = _sheet_extent(book, sheet)
                _check_sheet(where, sheet, extent)
                out.append(attrs.evolve(sheet, dimension=extent[0]))
            return out
    except DatasetError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise DatasetError(
            f"{path}: 无法读取 Excel 文件，不是有效的 .xlsx 工作簿 "
            f"({exc.__class__.__name__}: {exc})"
        ) from None
    except Exception as exc:  # zlib.error and other decompression failures
        raise DatasetError(
            f"{path}: 无法读取 Excel 文件 ({exc.__class__.__name__}: {exc})"
        ) from None


@attrs.frozen
class _Sheet:
    """A sheet read whole: its name, visibility, grid of text cells and header match."""

    index: int
    name: str
    visible: bool
    grid: pl.DataFrame
    header_at: int
    named: int  # how many columns of the table its header row names
    complete: bool  # whether it names every required column


def _load_sheet(reader: object, index: int, info: _SheetInfo | None, table: str, where: str):
    """A sheet's cells as text.  A sheet that declares no dimension is read in two
    steps: its top rows, then only the columns up to the header's last one."""
    if info is not None and info.part is not None and info.dimension is None:
        top = reader.load_sheet(  # type: ignore[attr-defined]
            index, header_row=None, dtypes="string", n_rows=_HEADER_SEARCH_ROWS
        ).to_polars()
        if top.height == 0:
            return top
        header = top.row(_header_match(table, top, where)[0])
        width = max((i + 1 for i, v in enumerate(header) if _header_text(v)), default=top.width)
        return reader.load_sheet(  # type: ignore[attr-defined]
            index, header_row=None, dtypes="string", use_columns=list(range(width))
        ).to_polars()
    return reader.load_sheet(index, header_row=None, dtypes="string").to_polars()  # type: ignore[attr-defined]


def _read_excel(path: Path, table: str) -> tuple[list[_Sheet], list[Note]]:
    """The sheets holding the table.  Every sheet whose header row names all the
    table's required columns is read (a workbook often opens with a 填表说明 sheet,
    and a long table may be split over several sheets); visible sheets before hidden
    ones.  Failing that, the sheet whose top rows name the most columns."""
    import fastexcel

    if path.stat().st_size == 0:
        raise DatasetError(f"{path}: 文件为空 (empty file)")
    infos: dict[str, _SheetInfo] = {}
    if path.suffix.lower() != ".xls":
        infos = {s.name: s for s in _bounded_workbook(path)}
    where = str(path)
    required = {c.name for c in TABLES[table].columns if c.required}
    found: list[_Sheet] = []
    try:
        reader = fastexcel.read_excel(str(path))
        for index, name in enumerate(reader.sheet_names):
            info = infos.get(name)
            sheet_where = f"{where} (工作表 {name!r})"
            grid = _load_sheet(reader, index, info, table, sheet_where)
            if grid.height == 0:
                continue
            if info is not None:
                visible = info.visible
            else:
                visible = (
                    getattr(reader.load_sheet(index, n_rows=1), "visible", "visible") == "visible"
                )
            header_at, named, columns = _header_match(table, grid, sheet_where)
            found.append(_Sheet(index, name, visible, grid, header_at, named, required <= columns))
    except DatasetError:
        raise
    except Exception as exc:  # fastexcel/calamine errors: corrupt or not a workbook
        raise DatasetError(
            f"{path}: 无法读取 Excel 文件 ({exc.__class__.__name__}: {exc})"
        ) from None
    if not found:
        raise DatasetError(f"{path}: 工作表为空 (empty sheet; expected at least a header row)")
    notes: list[Note] = []
    complete = [s for s in found if s.complete]
    if complete:
        visible = [s for s in complete if s.visible]
        chosen = visible or complete
        skipped = [s for s in complete if not s.visible] if visible else []
        if skipped:
            notes.append(
                Note(
                    "hidden_sheet",
                    f"隐藏工作表 {'、'.join(repr(s.name) for s in skipped)} 也有本表的表头，"
                    "未读取；已读取可见工作表 "
                    f"{'、'.join(repr(s.name) for s in chosen)} (hidden sheet skipped)",
                )
            )
        elif not visible:
            notes.append(
                Note(
                    "hidden_sheet",
                    f"本表只在隐藏工作表 {'、'.join(repr(s.name) for s in chosen)} 中，已读取 "
                    "(table read from a hidden sheet)",
                )
            )
    else:
        chosen = [max(found, key=lambda s: (s.visible and s.named > 0, s.named, -s.index))]
    if len(chosen) > 1:
        notes.append(
            Note(
                "sheet",
                f"读取并合并 {len(chosen)} 个表头相同的工作表 "
                f"{'、'.join(repr(s.name) for s in chosen)}；行号为各工作表内的行号 "
                "(sheets with the table's header concatenated)",
            )
        )
    elif chosen[0].index != 0:
        s = chosen[0]
        notes.append(
            Note(
                "sheet",
                f"读取工作表 {s.name!r} (第 {s.index + 1} 个)，其余工作表未读取 "
                f"(sheet {s.name!r} read; others ignored)",
            )
        )
    return chosen, notes


# --- header row, blank rows ----------------------------------------------------------------


def _header_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _header_match(table: str, grid: pl.DataFrame, where: str) -> tuple[int, int, set[str]]:
    """(index of the header row, how many columns it names, the columns it names):
    the first of the top rows naming the most columns of the table (row 0 unless
    title rows sit above)."""
    best, best_count, best_cols = 0, 0, set()
    for i in range(min(_HEADER_SEARCH_ROWS, grid.height)):
        cells = [_header_text(v) for v in grid.row(i)]
        known = {h for h in cells if h}
        try:
            mapping, _ = resolve_headers(table, sorted(known), source=where)
            columns = set(mapping.values())
        except DatasetError:
            mapping = {h: h for h in known}  # two headers for a column: surely the header
            columns = set(_HEADER_INDEX[table].get(_norm_header(h), "") for h in known)
        if len(mapping) > best_count:
            best, best_count, best_cols = i, len(mapping), columns
    return best, best_count, best_cols


def _with_header(
    table: str, grid: pl.DataFrame, where: str, header_at: int | None = None
) -> tuple[pl.DataFrame, list[Note]]:
    """The grid's header row applied as column names; rows above it dropped, then
    completely blank rows dropped.  Adds SOURCE_ROW (data row n below the header).
    Returns the frame and notes (title rows skipped, blank rows) for warnings."""
    if grid.height == 0:
        raise DatasetError(f"{where}: 文件为空 (empty file; expected at least a header row)")
    if header_at is None:
        header_at = _header_match(table, grid, where)[0]
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
    mapping, _ = resolve_headers(table, [h for h in counts if h], source=where)
    for h, n in counts.items():
        if n > 1 and h in mapping:
            cols = [str(i + 1) for i in keep if headers[i] == h]
            raise DatasetError(
                f"{where}: 列 {h!r} 出现 {n} 次 (第 {'、'.join(cols)} 列)，无法确定使用哪一列 "
                f"(header {h!r} given {n} times)"
            )
    for i in keep:
        h = headers[i] or f"(第 {i + 1} 列，无表头)"
        names.append(h if counts[h] == 1 else f"{h} (第 {i + 1} 列)")
    frame = body.select(
        pl.col(grid.columns[i]).cast(pl.String).alias(name)
        for i, name in zip(keep, names, strict=True)
    ).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(SOURCE_ROW))
    # Blank rows are rare: each column narrows the rows still possibly blank, so the
    # later columns are read on a few rows only.
    text_cols = [c for c in frame.columns if c != SOURCE_ROW]
    possibly_blank = frame if text_cols else frame.clear()
    for c in text_cols:
        if possibly_blank.height:
            cell = pl.col(c)
            possibly_blank = possibly_blank.filter(cell.is_null() | cell.str.contains(r"^\s*$"))
    blank_rows = possibly_blank[SOURCE_ROW]
    notes: list[Note] = []
    if header_at:
        titles = " / ".join(
            t
            for t in (
                " ".join(_header_text(v) for v in grid.row(i)).strip() for i in range(header_at)
            )
            if t
        )
        notes.append(
            Note(
                "title_rows",
                f"表头在第 {header_at + 1} 行，其上 {header_at} 行标题已跳过"
                f"{'：' + titles[:60] if titles else ''} (title rows above the header skipped)",
            )
        )
    if blank_rows.len():
        shown = "、".join(str(r) for r in blank_rows.head(10).to_list())
        more = " 等" if blank_rows.len() > 10 else ""
        notes.append(
            Note(
                "blank_rows",
                f"跳过 {blank_rows.len()} 个空行 (第 {shown}{more} 行) (blank rows skipped)",
            )
        )
    if blank_rows.is_empty():
        return frame, notes
    return frame.filter(~pl.col(SOURCE_ROW).is_in(blank_rows.implode())), notes


# --- files and folders ---------------------------------------------------------------------


@attrs.frozen
class TableFile:
    """One table file of a folder as read: its cells not yet parsed."""

    path: Path
    table: str
    # CSV and Excel: text cells and a SOURCE_ROW column (and a SOURCE column when the
    # rows come from several sheets); Parquet: its own dtypes.
    frame: pl.DataFrame
    # Whether dates may be Excel serial numbers (a workbook).
    excel_serial: bool
    # What the reader skipped or chose: sheet, hidden_sheet, title_rows, blank_rows.
    notes: tuple[Note, ...]
    # Where the rows come from: the file name, "事故.xlsx!Sheet1" for one sheet.
    source: str = ""
    # A ; or tab separated CSV: "1234,5" may be a decimal comma.
    decimal_comma: bool = False
    # Whether cells may hold invisible characters (False: a CSV checked to hold none).
    invisible: bool = True


def read_table_file(path: str | Path) -> tuple[str, pl.DataFrame, bool]:
    """Read one table file: (table name, raw frame, whether dates may be Excel serials).

    CSV and Excel cells come back as text with a SOURCE_ROW column (blank rows and
    title rows dropped); Parquet keeps its own dtypes.
    """
    file = _read_file(Path(path))
    return file.table, file.frame, file.excel_serial


def _read_file(path: Path) -> TableFile:
    table = table_for_file(path)
    _check_file_size(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return TableFile(path, table, _read_parquet(path), False, (), path.name)
    if suffix == ".csv":
        read = _read_csv(path, table)
        frame, notes = _with_header(table, read.grid, str(path))
        notes = [attrs.evolve(n, source=path.name) for n in notes]
        return TableFile(
            path, table, frame, False, tuple(notes), path.name, read.decimal_comma, read.invisible
        )
    if suffix in _WORKBOOK_SUFFIXES:
        sheets, notes = _read_excel(path, table)
        frames: list[pl.DataFrame] = []
        for sheet in sheets:
            source = f"{path.name}!{sheet.name}"
            frame, sheet_notes = _with_header(
                table, sheet.grid, f"{path} (工作表 {sheet.name!r})", sheet.header_at
            )
            notes += [attrs.evolve(n, source=source) for n in sheet_notes]
            frames.append(frame.with_columns(pl.lit(source).alias(SOURCE)))
        notes = [n if n.source else attrs.evolve(n, source=path.name) for n in notes]
        if len(frames) == 1:
            return TableFile(
                path,
                table,
                frames[0],
                True,
                tuple(notes),
                frames[0][SOURCE][0] if frames[0].height else f"{path.name}!{sheets[0].name}",
            )
        canonical = []
        for sheet, frame in zip(sheets, frames, strict=True):
            headers = [c for c in frame.columns if c not in (SOURCE_ROW, SOURCE)]
            mapping, _ = resolve_headers(table, headers, source=f"{path} ({sheet.name!r})")
            canonical.append(frame.rename(mapping))
        return TableFile(
            path, table, pl.concat(canonical, how="diagonal"), True, tuple(notes), path.name
        )
    raise DatasetError(  # pragma: no cover - open_folder passes data suffixes only
        f"{path}: 不支持的文件类型 {suffix!r}，应为 {_FORMATS} (unsupported file type)"
    )


def _not_read(entry: Path, why: str, table: str | None = None) -> Note:
    return Note(
        "file_not_read",
        f"{entry.name}: {why}，未读取；数据表文件应为 <表名>{_FORMATS} (not read)",
        source=entry.name,
        table=table,
    )


def _entry_kind(entry: Path, folder: Path) -> str:
    """What an entry of the folder is: link-outside, broken-link, folder, file, special."""
    try:
        mode = entry.lstat().st_mode
    except OSError:
        return "broken-link"
    if stat.S_ISLNK(mode):
        try:
            target = entry.resolve(strict=True)
        except (OSError, RuntimeError):
            return "broken-link"
        if not target.is_relative_to(folder):
            return "link-outside"
        mode = target.stat().st_mode
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "file"
    return "special"


def open_folder(
    path: str | Path | object, *, progress: Progress | None = None
) -> tuple[str, list[Note], Iterator[TableFile]]:
    """The folder as a string, notes on the entries not read (`file_not_read`), and
    its table files, each read when the iterator reaches it (`tables.load_dataset`
    parses one before the next is read; `progress` is told as each read starts).

    The folder is checked at once.  Every entry is read, or named in a note (files
    that are not data — README.md, generator scripts —, sub-folders, hidden and
    Excel lock files, links to unrelated files), or is an error: a file named like
    a table in a format that cannot be read (accidents.txt, accidents.csv.gz), a
    folder or special file named like a table, a symbolic link named like a table
    whose target lies outside the folder (or is missing), a data file with an
    unknown table name, a folder without any table file, two files of one table.
    """
    folder = Path(str(path))
    if not folder.exists():
        raise DatasetError(f"{folder}: 数据目录不存在 (dataset folder not found)")
    if not folder.is_dir():
        raise DatasetError(f"{folder}: 不是目录 (a dataset is a folder of table files)")
    real = folder.resolve()
    files: list[Path] = []
    notes: list[Note] = []
    entries = sorted(folder.iterdir())
    for entry in entries:
        name = entry.name
        like = _table_named_like(name)
        kind = _entry_kind(entry, real)
        if name.startswith("~$"):
            notes.append(_not_read(entry, "Excel 临时锁定文件 (该工作簿可能正在 Excel 中打开)"))
            continue
        if name.startswith("."):
            notes.append(_not_read(entry, "隐藏文件"))
            continue
        if kind in ("link-outside", "broken-link"):
            why = (
                "是指向数据目录之外的符号链接 (symlink target outside the dataset folder)"
                if kind == "link-outside"
                else "是目标不存在的符号链接 (broken symlink)"
            )
            if like is not None:
                raise DatasetError(
                    f"{entry}: 数据表文件{why}，拒绝读取；请把文件本身放入数据目录 "
                    "(a table file must lie inside the dataset folder)"
                )
            notes.append(_not_read(entry, why))
            continue
        suffix = entry.suffix.lower()
        if kind == "file" and suffix in DATA_SUFFIXES:
            files.append(entry)
            continue
        if like is not None:
            what = {
                "folder": "是目录而不是数据表文件",
                "special": "不是普通文件 (设备、管道或套接字)",
            }.get(kind, f"文件类型 {''.join(entry.suffixes) or '(无后缀)'!r} 无法读取")
            raise DatasetError(
                f"{entry}: 名称对应数据表 {like!r}，但{what}；请另存为 "
                f"(或合并为) {like}.csv 或 {like}.xlsx，支持的格式: {_FORMATS} "
                "(named like a table but not readable: unsupported file type)"
            )
        why = {
            "folder": "是子目录",
            "special": "不是普通文件",
        }.get(kind, "不是数据表文件 (文件名不是表名，或格式不受支持)")
        notes.append(_not_read(entry, why))
    if not files:
        others = "、".join(p.name for p in entries[:5]) or "无文件"
        raise DatasetError(
            f"{folder}: 目录中没有数据表文件 (no table files; found: {others})；"
            f"应为 <表名>.csv/.xlsx/.parquet，表名为以下之一: {_accepted_names()}"
        )
    return str(folder), notes, _read_files(files, progress)


def _read_files(files: list[Path], progress: Progress | None = None) -> Iterator[TableFile]:
    seen: dict[str, Path] = {}
    for file in files:
        table = table_for_file(file)
        if table in seen:
            raise DatasetError(
                f"{file}: 数据表 {table!r} 已由 {seen[table].name} 提供 "
                f"(table given twice: {seen[table].name} and {file.name})"
            )
        seen[table] = file
        report_step(progress, "读取", file.name)
        yield _read_file(file)
