"""Output of an assessment: Excel workbook, parquet folder, CSV, notebook HTML, CLI table.

Every writer takes an `Assessment` (see `accountability.assessment`) and only reads
its frames and metadata, so the same result gives the same cells every time.

Safety: spreadsheets run what looks like a formula.  The Excel writer writes every
text with `write_string` (and turns off the workbook's string-to-formula and
string-to-URL conversions), so a cell such as ``=HYPERLINK("http://x")`` stays text;
the CSV writer prefixes text cells that begin with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return with a single quote.  Numbers stay numbers in both.  What is printed
on a terminal (`format_ranking`) or published as Markdown (`markdown_report`) shows
every control character of the data as its escape (``\\x1b``, ``\\r``), so that a cell
cannot clear the screen or hide a line; the files keep the data as it is.

>>> import polars as pl
>>> _display_width(pl.Series(["益阳市", "ab"])).to_list()
[6, 2]
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import polars as pl

from accountability.codes import REGION_LEVELS
from accountability.outputs import OUTPUTS
from accountability.rules.registry import REGISTRY, rule_positions, rule_title, rule_titles
from accountability.wording import SCORER_LABELS, SUBJECT_LABELS, number_text, visible

if TYPE_CHECKING:
    from accountability.assessment import Assessment

__all__ = [
    "COLUMN_LABELS",
    "SHEETS",
    "column_label",
    "excel_frame",
    "format_ranking",
    "html_summary",
    "markdown_report",
    "write_csv",
    "write_excel",
    "write_markdown",
    "write_parquet",
]


# frame attribute → sheet name (order = sheet order after the cover), as declared
SHEETS: dict[str, str] = {name: frame.sheet for name, frame in OUTPUTS.items()}
COVER_SHEET = "封面"

_MEASURE_LABELS = {
    "close": "关闭取缔",
    "penalty": "从重处罚",
    "suspend": "停产整顿",
    "accountability": "厉行问责",
}

# Output column → Chinese header.  Unknown columns keep their own name.
COLUMN_LABELS: dict[str, str] = {
    # regions
    "region_code": "区划代码",
    "name": "名称",
    "level": "级别",
    "parent_code": "上级区划代码",
    "score": "得分",
    "grade": "等次",
    "vetoed": "一票否决",
    "veto_reasons": "否决事由",
    "yellow_card": "黄牌警告",
    "yellow_card_reasons": "黄牌警告事由",
    "grade_capped": "等次受限",
    "incomplete": "考核不完整",
    "unassessed_sections": "未考核部分",
    "rank": "排名",
    "A": "A 事故控制",
    "B": "B 打非治违",
    "C": "C 隐患排查治理",
    "D": "D 责任落实",
    "E": "E 基础工作",
    # enterprises
    "enterprise_id": "统一社会信用代码",
    "sector": "行业领域",
    "status": "经营状态",
    "employees": "从业人员",
    "risk_class": "风险分类",
    "dishonest": "严重失信",
    "dishonest_reasons": "失信事由",
    "inspections_per_year": "年检查频次",
    "standardization_level": "标准化等级",
    "license_required": "需取得许可",
    "licensed": "持有许可",
    "closed_on": "关闭日期",
    # cases
    "case_id": "案件编号",
    "inspection_id": "检查编号",
    "department": "部门",
    "found_on": "发现日期",
    "illegal": "非法生产经营建设",
    "unlawful": "违法违规生产经营",
    "failed_rectification": "停产整顿仍不合格",
    "criminal": "涉嫌犯罪或失职渎职",
    "major_hazard": "重大事故隐患",
    "suspended": "责令停产整顿",
    "closed": "关闭取缔",
    "fine_yuan": "罚款(元)",
    "fine_max_yuan": "罚款上限(元)",
    "transferred": "移送司法机关",
    "persons_detained": "刑事拘留人数",
    "persons_transferred": "移送司法人数",
    "officials_accountable": "问责人数",
    **{f"required_{k}": f"应{v}" for k, v in _MEASURE_LABELS.items()},
    **{f"taken_{k}": f"已{v}" for k, v in _MEASURE_LABELS.items()},
    "required_any": "应采取措施",
    "requires_measure": "应采取措施",
    "enterprise_name": "企业名称",
    "repeat_fines_180": "180日内重大隐患罚款次数",
    "repeat_fines_365": "365日内重大隐患罚款次数",
    "compliant": "符合四个一律",
    "gaps": "缺项",
    "repeat_fines_180d": "180日内重大隐患罚款次数",
    "repeat_fines_365d": "365日内重大隐患罚款次数",
    # officials / departments
    "official_id": "干部编号",
    "role": "职务类别",
    "portfolio": "分管行业领域",
    "start_on": "任职开始日期",
    "end_on": "任职结束日期",
    "fulfilment": "履职率",
    "step": "问责措施",
    "reasons": "事由",
    "accidents": "事故起数",
    "deaths": "死亡人数",
    "fatal_accidents": "亡人事故起数",
    "larger_accidents": "较大事故起数",
    "major_accidents": "重大及以上事故起数",
    "concealed_accidents": "瞒报事故起数",
    "attributed_accidents": "归责事故起数",
    "cases": "案件数",
    "cases_required": "应采取措施案件数",
    "cases_compliant": "符合案件数",
    "compliance_rate": "合规率",
    "officials": "干部人数",
    # line items
    "subject_type": "对象类型",
    "subject_id": "对象编号",
    "scorer": "评分模块",
    "rule_id": "规则",
    "points": "分值",
    "reason": "说明",
    "basis": "依据",
    "evidence": "证据",
    # rejected / warnings
    "table": "数据表",
    "row": "行号",
    "column": "列",
    "rule": "规则",
    "message": "说明",
    "value": "原值",
    # common
    "year": "年度",
    "count": "次数",
}


def column_label(column: str, frame_name: str | None = None) -> str:
    """The Chinese header of an output column: as the frame declares it (`OUTPUTS`),
    else the common label, else the column's own name.

    >>> column_label("score"), column_label("name", "officials"), column_label("zzz")
    ('得分', '姓名', 'zzz')
    """
    declared = OUTPUTS[frame_name].label(column) if frame_name in OUTPUTS else None
    return declared or COLUMN_LABELS.get(column, column)


# --- value conversion (vectorised) ----------------------------------------------------

LIST_SEPARATOR = "；"
EXCEL_MAX_TEXT = 32_767  # characters in one cell
EXCEL_MAX_ROWS = 1_048_576
MAX_WIDTH = 60
MIN_WIDTH = 6

# East Asian wide/fullwidth ranges: CJK, kana, hangul, fullwidth forms, CJK punctuation.
_WIDE = (
    r"[\x{1100}-\x{115F}\x{2E80}-\x{303E}\x{3041}-\x{33FF}\x{3400}-\x{4DBF}"
    r"\x{4E00}-\x{9FFF}\x{A000}-\x{A4CF}\x{AC00}-\x{D7A3}\x{F900}-\x{FAFF}"
    r"\x{FE30}-\x{FE4F}\x{FF00}-\x{FF60}\x{FFE0}-\x{FFE6}\x{20000}-\x{3FFFD}]"
)


def _display_width(values: pl.Series) -> pl.Series:
    """Display width of text: a wide (CJK) character counts 2, others 1."""
    s = values.cast(pl.String)
    return (s.str.len_chars() + s.str.count_matches(_WIDE)).fill_null(0).cast(pl.Int64)


def _text_width(text: str) -> int:
    return int(_display_width(pl.Series([text]))[0])


def _to_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A string expression showing a value of `dtype` the way a reader wants it."""
    if dtype == pl.Boolean:
        return (
            pl.when(expr.is_null()).then(None).when(expr).then(pl.lit("是")).otherwise(pl.lit("否"))
        )
    if isinstance(dtype, pl.Array):
        return _to_text(expr.arr.to_list(), pl.List(dtype.inner))
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        if isinstance(inner, pl.List | pl.Array | pl.Struct):
            return expr.map_elements(
                lambda v: LIST_SEPARATOR.join(str(x) for x in v), return_dtype=pl.String
            )
        return expr.list.eval(_to_text(pl.element(), inner)).list.join(LIST_SEPARATOR)
    if isinstance(dtype, pl.Struct):
        return expr.struct.json_encode()
    if dtype == pl.Date:
        return expr.dt.to_string("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        return expr.dt.to_string("%Y-%m-%d %H:%M:%S")
    if dtype == pl.Binary:
        return expr.bin.encode("hex")
    if dtype == pl.Null:
        return expr.cast(pl.String)
    return expr.cast(pl.String)


def _kind(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return "int"
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        return "float"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if dtype == pl.Null:
        return "blank"
    return "text"


def excel_frame(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """Convert a frame to the cell values written to Excel, and each column's kind.

    Numbers stay numbers (kind "int"/"float"), dates stay dates ("date"/"datetime"),
    everything else becomes text ("text"): booleans 是/否, lists joined with "；",
    enums their label; texts longer than Excel's cell limit are cut with "…".

    >>> df, kinds = excel_frame(pl.DataFrame({"a": [True, None], "b": [["x", "y"], []]}))
    >>> df.rows(), kinds
    ([('是', 'x；y'), (None, '')], {'a': 'text', 'b': 'text'})
    """
    kinds: dict[str, str] = {}
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        kind = _kind(dtype)
        col = pl.col(name)
        if kind == "text":
            text = _to_text(col, dtype)
            text = (
                pl.when(text.str.len_chars() > EXCEL_MAX_TEXT)
                .then(text.str.slice(0, EXCEL_MAX_TEXT - 1) + pl.lit("…"))
                .otherwise(text)
            )
            exprs.append(text.alias(name))
        elif kind == "float":
            exprs.append(col.cast(pl.Float64))
        elif kind == "datetime":
            tz = getattr(dtype, "time_zone", None)
            exprs.append(col.dt.replace_time_zone(None) if tz else col)
        else:
            exprs.append(col)
        kinds[name] = kind
    return frame.select(exprs), kinds


def _column_widths(
    converted: pl.DataFrame, kinds: Mapping[str, str], headers: list[str]
) -> list[int]:
    """Column widths that fit header and values (CJK counts 2), between 6 and 60."""
    if converted.width == 0:
        return []
    exprs = []
    for name, kind in kinds.items():
        col = pl.col(name)
        if kind == "text":
            w = col.str.len_chars() + col.str.count_matches(_WIDE)
        elif kind == "float":
            w = col.round(2).cast(pl.String).str.len_chars() + 1
        elif kind == "int":
            w = col.cast(pl.String).str.len_chars()
        elif kind == "date":
            w = pl.lit(10)
        elif kind == "datetime":
            w = pl.lit(19)
        else:
            w = pl.lit(0)
        exprs.append(w.max().fill_null(0).cast(pl.Int64).alias(name))
    maxima = converted.select(exprs).row(0) if converted.height else (0,) * converted.width
    return [
        max(MIN_WIDTH, min(MAX_WIDTH, max(int(m or 0), _text_width(h)) + 2))
        for m, h in zip(maxima, headers, strict=True)
    ]


# --- Excel -----------------------------------------------------------------------------


def _frames(assessment: Assessment) -> dict[str, pl.DataFrame]:
    out: dict[str, pl.DataFrame] = {}
    for name in SHEETS:
        frame = getattr(assessment, name, None)
        out[name] = frame if isinstance(frame, pl.DataFrame) else pl.DataFrame()
    return out


def readable_line_items(items: pl.DataFrame) -> pl.DataFrame:
    """Line items as an official reads them: subject kind and scoring module in
    Chinese, and the rule's title ("C4 到期未整改重大隐患") in place of its id.

    >>> items = pl.DataFrame({"subject_type": ["region"], "scorer": ["annual"],
    ...     "rule_id": ["C4"]})
    >>> readable_line_items(items).row(0)
    ('地区', '年度目标管理考核', 'C4 到期未整改重大隐患')
    """
    if items.is_empty() or "rule_id" not in items.columns:
        return items
    return items.with_columns(
        pl.col("subject_type").replace(SUBJECT_LABELS),
        pl.col("scorer").replace(SCORER_LABELS),
        rule_titles(items["rule_id"]).alias("rule_id"),
    )


def _people_frames(assessment: Assessment) -> dict[str, pl.DataFrame]:
    """The frames as sheets show them (line items readable)."""
    frames = _frames(assessment)
    frames["line_items"] = readable_line_items(frames["line_items"])
    return frames


def _grade_counts(regions: pl.DataFrame, order: tuple[str, ...]) -> list[tuple[str, int]]:
    """Regions per grade, in the rulebook's order of grades, then any other, then 未评定."""
    if "grade" not in regions.columns:
        return []
    grades = regions.get_column("grade").cast(pl.String)
    counts = dict(grades.value_counts().iter_rows())
    rows = [(g, int(counts.pop(g, 0))) for g in order]
    missing = int(counts.pop(None, 0))
    rows += sorted((str(g), int(n)) for g, n in counts.items())
    rows.append(("未评定", missing))
    return rows


def _flag_count(frame: pl.DataFrame, column: str) -> int | None:
    if column not in frame.columns:
        return None
    return int(frame.get_column(column).cast(pl.Boolean).fill_null(False).sum())


def write_excel(assessment: Assessment, path: str | Path) -> Path:
    """Write the assessment to an .xlsx workbook: a cover sheet 封面 then one sheet per frame.

    Chinese headers, frozen header row, autofilter, fitted widths; numbers as numbers,
    booleans 是/否, lists joined with "；", dates as dates; every text written as text,
    so nothing in the data is ever run as a formula.  A frame longer than Excel's row
    limit continues on further sheets ("扣分明细 (2)").

    >>> result.to_excel("result.xlsx")        # doctest: +SKIP
    PosixPath('result.xlsx')
    """
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = _people_frames(assessment)
    as_of = assessment.as_of
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
            "default_date_format": "yyyy-mm-dd",
        },
    )
    try:
        # A fixed creation time (the as_of day) keeps the file byte-identical run to run.
        created = dt.datetime.combine(as_of, dt.time()) if isinstance(as_of, dt.date) else None
        workbook.set_properties(
            {
                "title": f"{assessment.year} 年度安全生产责任制考核结果",
                "subject": "accountability",
                "comments": f"rulebook {assessment.rulebook_name} {assessment.fingerprint}",
                **({"created": created} if created else {}),
            }
        )
        fmt = {
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "vcenter"}
            ),
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "label": workbook.add_format({"bold": True}),
            "text": workbook.add_format({"num_format": "@"}),
            "flag": workbook.add_format({"num_format": "@", "align": "center"}),
            "int": workbook.add_format({"num_format": "0"}),
            "float": workbook.add_format({"num_format": "0.00"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "cover_int": workbook.add_format({"num_format": "0", "align": "left"}),
            "cover_date": workbook.add_format({"num_format": "yyyy-mm-dd", "align": "left"}),
        }
        _write_cover(workbook, assessment, frames, fmt)
        for name, sheet in SHEETS.items():
            _write_frame(workbook, sheet, name, frames[name], fmt)
    finally:
        close_workbook(workbook, path)
    return path


def close_workbook(workbook: Any, path: Path) -> None:
    """Close an xlsxwriter workbook, which is when the file is written.  A file that
    cannot be created (a folder of that name, no permission) raises the `OSError`
    underneath xlsxwriter's own `FileCreateError`, as every other writer does."""
    from xlsxwriter.exceptions import FileCreateError

    try:
        workbook.close()
    except FileCreateError as exc:
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, OSError):
            raise OSError(cause.errno, cause.strerror, cause.filename) from exc
        raise OSError(f"{path}: {exc}") from exc


def _write_cover(
    workbook: Any, assessment: Assessment, frames: dict[str, pl.DataFrame], fmt: dict[str, Any]
) -> None:
    ws = workbook.add_worksheet(COVER_SHEET)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 68)
    _print_setup(ws)
    ws.write_string(0, 0, f"{assessment.year} 年度安全生产责任制考核结果", fmt["title"])
    row = 2

    def line(label: str, value: object) -> None:
        nonlocal row
        ws.write_string(row, 0, label, fmt["label"])
        if isinstance(value, bool):
            ws.write_string(row, 1, "是" if value else "否")
        elif isinstance(value, int | float):
            ws.write_number(row, 1, value, fmt["cover_int" if isinstance(value, int) else "float"])
        elif isinstance(value, dt.date):
            ws.write_datetime(row, 1, value, fmt["cover_date"])
        elif value is None:
            pass
        else:
            ws.write_string(row, 1, str(value))
        row += 1

    line("考核年度", assessment.year)
    line("规则集", assessment.rulebook_name)
    line("规则集指纹 (sha256)", assessment.fingerprint)
    line("程序版本", assessment.library_version)
    line("数据截止日", assessment.as_of)
    line("输出格式版本", assessment.schema_version)
    row += 1
    ws.write_string(row, 0, "工作表", fmt["header"])
    ws.write_string(row, 1, "行数", fmt["header"])
    row += 1
    for name, sheet in SHEETS.items():
        line(sheet, frames[name].height)
    regions = frames["regions"]
    grades = _grade_counts(regions, assessment.grade_names)
    if grades:
        row += 1
        ws.write_string(row, 0, "等次", fmt["header"])
        ws.write_string(row, 1, "地区数", fmt["header"])
        row += 1
        for grade, n in grades:
            line(grade, n)
    flags = [
        (column_label("vetoed"), _flag_count(regions, "vetoed")),
        (column_label("yellow_card"), _flag_count(regions, "yellow_card")),
        (column_label("grade_capped"), _flag_count(regions, "grade_capped")),
        (column_label("incomplete"), _flag_count(regions, "incomplete")),
    ]
    flags = [(k, v) for k, v in flags if v is not None]
    if flags:
        row += 1
        ws.write_string(row, 0, "标记", fmt["header"])
        ws.write_string(row, 1, "地区数", fmt["header"])
        row += 1
        for label, n in flags:
            line(label, n)
    ws.activate()


def _print_setup(ws: Any) -> None:
    """Print landscape on A4, one page wide, header row repeated."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _sheet_chunks(frame: pl.DataFrame) -> list[pl.DataFrame]:
    per_sheet = EXCEL_MAX_ROWS - 1
    if frame.height <= per_sheet:
        return [frame]
    return [frame.slice(i, per_sheet) for i in range(0, frame.height, per_sheet)]


def _write_frame(
    workbook: Any, sheet: str, name: str, frame: pl.DataFrame, fmt: dict[str, Any]
) -> None:
    converted, kinds = excel_frame(frame)
    flags = {name for name, dtype in frame.schema.items() if dtype == pl.Boolean}
    headers = [column_label(c, name) for c in converted.columns]
    widths = _column_widths(converted, kinds, headers)
    for part, chunk in enumerate(_sheet_chunks(converted), start=1):
        ws = workbook.add_worksheet(sheet if part == 1 else f"{sheet} ({part})")
        for c, (header, width) in enumerate(zip(headers, widths, strict=True)):
            ws.write_string(0, c, header, fmt["header"])
            ws.set_column(c, c, width)
        ws.freeze_panes(1, 0)
        _print_setup(ws)
        ws.repeat_rows(0)
        if headers:  # long text overflows to the right on screen; never onto printed pages
            ws.print_area(0, 0, max(chunk.height, 1), len(headers) - 1)
        if headers:
            ws.autofilter(0, 0, max(chunk.height, 1), len(headers) - 1)
        for c, column in enumerate(chunk.columns):
            kind = kinds[column]
            values = chunk.get_column(column).to_list()
            if kind == "text":
                cell_fmt = fmt["flag" if column in flags else "text"]
                for r, v in enumerate(values, start=1):
                    if v:  # None and "" (an empty list) stay blank
                        ws.write_string(r, c, v, cell_fmt)
            elif kind in ("int", "float"):
                cell_fmt = fmt[kind]
                for r, v in enumerate(values, start=1):
                    if v is not None:
                        ws.write_number(r, c, v, cell_fmt)
            elif kind in ("date", "datetime"):
                cell_fmt = fmt[kind]
                for r, v in enumerate(values, start=1):
                    if v is not None:
                        ws.write_datetime(r, c, v, cell_fmt)


# --- parquet ---------------------------------------------------------------------------


def _meta(assessment: Assessment, frames: Mapping[str, pl.DataFrame]) -> dict[str, Any]:
    as_of = assessment.as_of
    return {
        "year": assessment.year,
        "rulebook_name": assessment.rulebook_name,
        "fingerprint": assessment.fingerprint,
        "library_version": assessment.library_version,
        "schema_version": assessment.schema_version,
        "as_of": as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of),
        "frames": {
            name: {"file": f"{name}.parquet", "rows": f.height} for name, f in frames.items()
        },
    }


def write_parquet(assessment: Assessment, directory: str | Path) -> Path:
    """Write one `<frame>.parquet` per frame and `meta.json` (year, fingerprint, versions,
    as_of, schema version, rows per frame) into `directory`, for systems that import
    the result.  Returns the directory.

    >>> result.to_parquet("out/2024")          # doctest: +SKIP
    PosixPath('out/2024')
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    frames = _frames(assessment)
    for name, frame in frames.items():
        # One chunk: the file's layout follows the frame's chunks, which follow how the
        # work was split between threads, and the same result must give the same bytes.
        frame.rechunk().write_parquet(directory / f"{name}.parquet", statistics=False)
    (directory / "meta.json").write_text(
        json.dumps(_meta(assessment, frames), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return directory


# --- CSV -------------------------------------------------------------------------------

_FORMULA_START = r"^[=+\-@\t\r]"


def _escape(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.str.contains(_FORMULA_START)).then(pl.lit("'") + expr).otherwise(expr)


def csv_frame(frame: pl.DataFrame, *, labels: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The frame as written to CSV: lists joined with "；", text cells that a spreadsheet
    would run as a formula prefixed with a single quote; numbers, booleans and dates
    keep their type (a negative number is not escaped).

    >>> csv_frame(pl.DataFrame({"t": ["=1+1", "-x", "ok"], "n": [-1, 2, 3]})).rows()
    [("'=1+1", -1), ("'-x", 2), ('ok', 3)]
    """
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.String or isinstance(
            dtype, pl.Enum | pl.Categorical | pl.List | pl.Array | pl.Struct | pl.Binary | pl.Object
        ):
            text = (
                _to_text(col, dtype)
                if dtype != pl.Object
                else col.map_elements(str, return_dtype=pl.String)
            )
            exprs.append(_escape(text).alias(name))
        else:
            exprs.append(col)
    out = frame.select(exprs)
    header = {c: (labels or {}).get(c, c) for c in out.columns}
    header = {
        c: ("'" + h if h[:1] in ("=", "+", "-", "@", "\t", "\r") else h) for c, h in header.items()
    }
    return out.rename(header)


def write_csv(
    frame: pl.DataFrame, path: str | Path, *, labels: Mapping[str, str] | None = None
) -> Path:
    """Write a frame as UTF-8 CSV with a byte-order mark (Excel opens it correctly),
    escaped against formula injection (see `csv_frame`).  `labels` renames headers,
    for example `{c: column_label(c, "regions") for c in frame.columns}`.

    >>> write_csv(result.regions, "regions.csv")   # doctest: +SKIP
    PosixPath('regions.csv')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_frame(frame, labels=labels).write_csv(
        path, include_bom=True, date_format="%Y-%m-%d", datetime_format="%Y-%m-%d %H:%M:%S"
    )
    return path


# --- notebook HTML ---------------------------------------------------------------------

HTML_MAX_ROWS = 40


def _fmt_score(value: object) -> str:
    """A score as people read it (wording's one rounding rule); "—" when there is none."""
    return (
        number_text(value)
        if isinstance(value, int | float)
        else "—"
        if value is None
        else str(value)
    )


def _yes(value: object) -> str:
    return "是" if value is True else ("" if value in (False, None) else str(value))


def _region_order(regions: pl.DataFrame) -> pl.DataFrame:
    """Upper levels first (省, 市, 县), then by parent, rank and code."""
    keys: list[pl.Expr] = []
    if "level" in regions.columns:
        order = {level: i for i, level in enumerate(REGION_LEVELS)}
        keys.append(
            pl.col("level")
            .cast(pl.String)
            .replace_strict(order, default=len(order), return_dtype=pl.Int32)
        )
    keys += [pl.col(c) for c in ("parent_code", "rank", "region_code") if c in regions.columns]
    if not keys:
        return regions
    return regions.sort(keys, nulls_last=True, maintain_order=True)


def html_summary(assessment: Assessment) -> str:
    """A compact HTML summary for notebooks: year, rulebook, counts and the regions'
    score, grade, veto and rank.  Every text is HTML-escaped.

    >>> result                                   # doctest: +SKIP
    """
    esc = html.escape
    frames = _frames(assessment)
    regions = _region_order(frames["regions"])
    fp = str(assessment.fingerprint or "")
    book = esc(str(assessment.rulebook_name))
    head = (
        f"<b>{esc(str(assessment.year))} 年度考核</b> · 规则集 {book} "
        f'<code title="{esc(fp)}">{esc(fp[:12])}</code> · 数据截止 {esc(str(assessment.as_of))}'
        f" · v{esc(str(assessment.library_version))} · 格式 {esc(str(assessment.schema_version))}"
    )
    counts = " · ".join(f"{esc(SHEETS[n])} {f.height}" for n, f in frames.items())
    grades = _grade_counts(frames["regions"], assessment.grade_names)
    grade_line = " · ".join(f"{esc(g)} {n}" for g, n in grades if n)
    vetoed = _flag_count(frames["regions"], "vetoed")
    if vetoed is not None:
        grade_line += f" · 一票否决 {vetoed}"
    cols = [
        ("rank", "排名"),
        ("region_code", "区划代码"),
        ("name", "名称"),
        ("level", "级别"),
        ("score", "得分"),
        ("grade", "等次"),
        ("vetoed", "一票否决"),
        ("yellow_card", "黄牌警告"),
    ]
    cols = [(c, h) for c, h in cols if c in regions.columns]
    rows = []
    for rec in regions.head(HTML_MAX_ROWS).select([c for c, _ in cols]).iter_rows(named=True):
        cells = []
        for c, _ in cols:
            v = rec[c]
            if c in ("vetoed", "yellow_card"):
                text = _yes(v)
            elif c == "score":
                text = _fmt_score(v)
            else:
                text = "—" if v is None else str(v)
            align = ' style="text-align:right"' if c in ("rank", "score") else ""
            cells.append(f"<td{align}>{esc(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if regions.height > HTML_MAX_ROWS:
        more = f"<p>… 另有 {regions.height - HTML_MAX_ROWS} 个地区 (共 {regions.height})</p>"
    table = ""
    if cols:
        table = (
            "<table><thead><tr>"
            + "".join(f"<th>{esc(h)}</th>" for _, h in cols)
            + "</tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
    return (
        '<div class="accountability-assessment">'
        f"<p>{head}</p><p>{counts}</p>"
        + (f"<p>{grade_line}</p>" if grade_line else "")
        + table
        + more
        + "</div>"
    )


# --- rich table for the command line ---------------------------------------------------


def _decision_notes(assessment: Assessment) -> dict[str, str]:
    """Per region, its decision line items (grade cap, veto, yellow card…) as one note:
    "一票否决：…；黄牌警告：…", each rule once with its reasons, in the registry's order."""
    kinds = [r.id for r in REGISTRY if r.kind == "decision"]
    items = assessment.line_items.filter(
        (pl.col("subject_type") == "region") & pl.col("rule_id").is_in(kinds)
    )
    if items.is_empty():
        return {}
    grouped = (
        items.with_columns(rule_positions(items["rule_id"]).alias("_o"))
        .group_by("subject_id", "_o", "rule_id")
        .agg(pl.col("reason").sort())
        .sort("subject_id", "_o")
    )
    notes: dict[str, list[str]] = {}
    for region, rule_id, reasons in grouped.select("subject_id", "rule_id", "reason").iter_rows():
        notes.setdefault(region, []).append(f"{rule_title(rule_id)}：{'；'.join(reasons)}")
    return {region: "；".join(parts) for region, parts in notes.items()}


def _consequences(assessment: Assessment) -> dict[str, str]:
    """Per vetoed region, what the veto costs (``annual.veto_consequences``): no award
    that year, and the officials barred from promotion until a date."""
    regions = assessment.regions
    if "vetoed" not in regions.columns or not regions["vetoed"].any():
        return {}
    officials = assessment.officials
    bars: dict[str, tuple[int, Any]] = {}
    if "promotion_barred_until" in officials.columns:
        barred = (
            officials.filter(pl.col("promotion_barred_until").is_not_null())
            .group_by("region_code")
            .agg(pl.len().alias("n"), pl.col("promotion_barred_until").max().alias("until"))
        )
        bars = {r: (n, until) for r, n, until in barred.iter_rows()}
    out: dict[str, str] = {}
    for rec in regions.filter(pl.col("vetoed")).iter_rows(named=True):
        code = str(rec["region_code"])
        parts = [] if rec.get("award_eligible", True) else ["当年不得评先评优"]
        if code in bars:
            n, until = bars[code]
            parts.append(f"领导干部 {n} 人 {until} 前不得提拔")
        if parts:
            out[code] = "否决后果：" + "，".join(parts)
    return out


def _notes(
    rec: Mapping[str, Any], decisions: Mapping[str, str], consequences: Mapping[str, str]
) -> str:
    parts: list[str] = []
    decided = decisions.get(str(rec.get("region_code")))
    if decided:
        parts.append(decided)
    costs = consequences.get(str(rec.get("region_code")))
    if costs:
        parts.append(costs)
    if rec.get("incomplete"):
        missing = rec.get("unassessed_sections") or []
        parts.append("未考核: " + "、".join(str(x) for x in missing) if missing else "考核不完整")
    return "；".join(parts)


RANKING_HEADERS = ("排名", "区划代码", "名称", "得分", "等次", "一票否决", "黄牌警告", "说明")


@attrs.frozen
class _RankRow:
    """One line of the ranking, as plain text that each writer styles or escapes."""

    title: str | None  # the parent block this row opens ("益阳市下辖"), if any
    level: str
    cells: tuple[str, ...]  # in RANKING_HEADERS order; 说明 holds the note's marker
    note: str | None  # "430900 益阳市 — 一票否决：…", printed under the table


def _ranking_rows(assessment: Assessment) -> list[_RankRow]:
    """The regions in ranking order, one block per parent, with numbered notes."""
    regions = _region_order(assessment.regions)
    decisions = _decision_notes(assessment)
    consequences = _consequences(assessment)
    names = dict(zip(regions["region_code"].to_list(), regions["name"].to_list(), strict=True))
    rows: list[_RankRow] = []
    previous: tuple[object, object] | None = None
    notes = 0
    for rec in regions.iter_rows(named=True):
        group = (rec.get("level"), rec.get("parent_code"))
        title = None
        if group != previous:
            parent = rec.get("parent_code")
            title = f"{names.get(parent) or parent}下辖" if parent else "最上级"
        previous = group
        code, name = str(rec.get("region_code") or ""), str(rec.get("name") or "")
        note, marker = _notes(rec, decisions, consequences), ""
        if note:
            notes += 1
            marker = f"注{notes}"
        rank = rec.get("rank")
        cells = (
            "—" if rank is None else str(rank),
            code,
            name,
            _fmt_score(rec.get("score")),
            str(rec.get("grade") or "—"),
            _yes(rec.get("vetoed")),
            _yes(rec.get("yellow_card")),
            marker,
        )
        rows.append(
            _RankRow(
                title,
                str(rec.get("level") or ""),
                cells,
                f"{code} {name} — {note}" if note else None,
            )
        )
    return rows


def format_ranking(assessment: Assessment) -> Any:
    """The regions as a rich table (排名, 区划代码, 名称, 得分, 等次, 一票否决, 黄牌警告,
    说明), one block per parent region (rank is among siblings), and below it the
    notes the 说明 column points to, so that a narrow terminal still reads cleanly.

    >>> from rich.console import Console
    >>> Console().print(format_ranking(result))   # doctest: +SKIP
    """
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    def cell(text: str, style: str = "") -> Text:
        """Plain text (never markup) on one line, control characters visible."""
        return Text(visible(text, single_line=True), style=style)

    table = Table(
        title=cell(
            f"{assessment.year} 年度目标管理考核排名 (规则集 {assessment.rulebook_name} "
            f"{str(assessment.fingerprint)[:12]})"
        ),
        show_lines=False,
        box=box.SIMPLE_HEAD,
    )
    justify = ("right", "left", "left", "right", "center", "center", "center", "left")
    for header, side in zip(RANKING_HEADERS, justify, strict=True):
        table.add_column(header, justify=side, overflow="fold")  # type: ignore[arg-type]
    notes: list[Text] = []
    lowest = assessment.grade_names[-1] if assessment.grade_names else None
    for row in _ranking_rows(assessment):
        if row.title is not None:
            if table.row_count:
                table.add_section()
            table.add_row("", "", cell(row.title, style="dim italic"), *[""] * 5)
        rank, code, name, score, grade, vetoed, yellow, marker = row.cells
        table.add_row(
            cell(rank),
            cell(code),
            cell(name),
            cell(score),
            cell(grade, style="bold red" if grade == lowest else ""),
            cell(vetoed, style="red"),
            cell(yellow, style="yellow"),
            cell(marker),
        )
        if row.note:
            notes.append(cell(f"{marker}  {row.note}"))
    return Group(table, *notes)


UNIT_HEADERS = ("考核地区", "类型", "名称", "得分", "等次", "排名", "否决", "黄牌", "评先")


def _unit_rows(assessment: Assessment) -> tuple[list[tuple[str, ...]], int]:
    """The departments and state-owned enterprises with a veto, a yellow card or an
    award, as text cells in UNIT_HEADERS order (by assessing region, then rank), and how
    many units have none of the three."""
    frames = [
        (assessment.assessed_departments, "部门", pl.col("department")),
        (assessment.assessed_enterprises, "国企", pl.col("name")),
    ]
    parts = [
        frame.select(
            pl.col("region_code"),
            pl.lit(kind).alias("kind"),
            name.alias("name"),
            "score", "grade", "rank", "vetoed", "yellow_card", "award",
        )
        for frame, kind, name in frames
        if frame.height
    ]  # fmt: skip
    if not parts:
        return [], 0
    units = pl.concat(parts, how="vertical")
    notable = units.filter(
        pl.col("vetoed") | pl.col("yellow_card") | pl.col("award").is_not_null()
    ).sort("region_code", "kind", "rank", "name", nulls_last=True)
    rows = [
        (
            str(rec["region_code"]),
            str(rec["kind"]),
            str(rec["name"] or ""),
            _fmt_score(rec["score"]),
            str(rec["grade"] or "—"),
            "—" if rec["rank"] is None else str(rec["rank"]),
            _yes(rec["vetoed"]),
            _yes(rec["yellow_card"]),
            str(rec["award"] or ""),
        )
        for rec in notable.iter_rows(named=True)
    ]
    return rows, units.height - notable.height


def format_units(assessment: Assessment) -> Any | None:
    """The departments and state-owned enterprises the rulebook vetoed, warned or
    awarded, as a rich table, and a line counting the others; None when there is none
    (the default rulebook decides nothing for units).  Their full results are in
    `assessed_departments` and `assessed_enterprises` (sheets 部门考核, 国有企业考核)."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    rows, others = _unit_rows(assessment)
    if not rows:
        return None
    parts: list[Any] = []
    if rows:
        table = Table(
            title=Text(f"{assessment.year} 年度部门和国有企业考核：一票否决、黄牌警告和评先"),
            box=box.SIMPLE_HEAD,
        )
        justify = ("left", "left", "left", "right", "center", "right", "center", "center", "left")
        for header, side in zip(UNIT_HEADERS, justify, strict=True):
            wide = header in ("名称", "评先")  # only these may wrap, never a code or a flag
            table.add_column(
                header,
                justify=side,  # type: ignore[arg-type]
                overflow="fold",
                no_wrap=not wide,
                min_width=12 if header == "名称" else None,
            )
        for cells in rows:
            vetoed, yellow = cells[6], cells[7]
            table.add_row(
                *(Text(visible(c, single_line=True)) for c in cells[:6]),
                Text(vetoed, style="red"),
                Text(yellow, style="yellow"),
                Text(visible(cells[8], single_line=True)),
            )
        parts.append(table)
    parts.append(
        Text(
            f"其余 {others} 个部门、国有企业无一票否决、黄牌警告或评先"
            "（全部结果见部门考核、国有企业考核两张表：--out 结果.xlsx）"
        )
    )
    return Group(*parts)


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>|#"})


def _md(value: object) -> str:
    r"""Text safe inside a Markdown table cell: specials escaped, newlines as <br>,
    other control characters visible (a bare carriage return as ``\r``).

    >>> _md("a|b\r\nc\x1b[2J")
    'a\\|b<br>c\\\\x1b\\[2J'
    """
    text = visible(str(value).replace("\r\n", "\n"))
    return text.translate(_MD_SPECIAL).replace("\n", "<br>")


def markdown_report(assessment: Assessment, *, explain: bool = True) -> str:
    """The assessment as Markdown for publication: the header facts, the ranking by
    parent region with grade, veto and yellow card, the notes, and (with `explain`)
    every region's full breakdown as plain text.

    Every cell is escaped, so a region name or reason can never inject markup, and
    every control character is shown as its escape (``\\x1b``), in the cells and in the
    breakdowns, so that printing the file cannot drive a terminal.
    """
    lines = [
        f"# {assessment.year} 年度安全生产目标管理考核结果",
        "",
        f"- 规则集：{_md(assessment.rulebook_name)}（指纹 `{assessment.fingerprint}`）",
        f"- 数据截止：{assessment.as_of} · 程序版本 {_md(assessment.library_version)}"
        f" · 输出格式版本 {_md(assessment.schema_version)}",
        "",
    ]
    rows = _ranking_rows(assessment)
    for row in rows:
        if row.title is not None:
            lines += [
                "",
                f"## {_md(row.title)}（{_md(row.level)}级）",
                "",
                "| " + " | ".join(RANKING_HEADERS) + " |",
                "| ---: | --- | --- | ---: | :---: | :---: | :---: | --- |",
            ]
        lines.append("| " + " | ".join(_md(cell) for cell in row.cells) + " |")
    notes = [f"- {row.cells[-1]}：{_md(row.note)}" for row in rows if row.note]
    if notes:
        lines += ["", "## 说明", "", *notes]
    if explain:
        lines += ["", "## 各地区得分明细"]
        for row in rows:
            code, name = row.cells[1], row.cells[2]
            text = visible(assessment.explain(code, "region"))
            lines += [
                "",
                f"### {_md(code)} {_md(name)}",
                "",
                "```text",
                text.replace("```", "ʼʼʼ"),
                "```",
            ]
    return "\n".join(lines) + "\n"


def write_markdown(assessment: Assessment, path: str | Path, *, explain: bool = True) -> Path:
    """Write `markdown_report(assessment)` to `path` (UTF-8)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown_report(assessment, explain=explain), encoding="utf-8")
    return out
