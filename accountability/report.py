"""Output of an assessment: Excel workbook, parquet folder, CSV, Markdown, CLI table.

Every writer takes an `Assessment` (see `accountability.assessment`) and only reads
its frames and metadata, so the same result gives the same cells every time.  No writer
reads the clock: a header shows the assessment period and the as_of day, never the
day it was written, and the workbook's creation time is the as_of day, so the same
assessment gives the same bytes on any day.

What people open (the workbook, the CSV files) shows the frames as `people_frames`
arranges them: 地区考核 by peer group and rank, 扣分明细 regions first with every type,
module and rule in Chinese beside its id.  The Parquet files keep the frames as they
are, for systems.

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
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import polars as pl

from accountability.outputs import OUTPUTS
from accountability.peers import PEER_GROUP, region_order, with_peer_groups
from accountability.rules.model import Share
from accountability.rules.registry import REGISTRY, rule_positions, rule_title, rule_titles
from accountability.subjects import SUBJECT_TYPES
from accountability.wording import (
    DECIMALS,
    SCORER_LABELS,
    SUBJECT_LABELS,
    formatted,
    number,
    number_text,
    percent,
    visible,
)

if TYPE_CHECKING:
    from accountability.assessment import Assessment

__all__ = [
    "COLUMN_LABELS",
    "SHEETS",
    "SUMMARY_SHEET",
    "WORKBOOK_SHEETS",
    "column_label",
    "csv_frame",
    "data_dates",
    "excel_frame",
    "format_ranking",
    "header_facts",
    "markdown_report",
    "people_frames",
    "people_label",
    "write_csv",
    "write_csv_table",
    "write_csv_tables",
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
MAX_WIDTH = 40  # a column's widest; a longer text wraps onto more lines
MIN_WIDTH = 6
HEADER_WIDTH = 8  # a header wider than its column's values wraps from this width on
PORTRAIT_WIDTH = 100  # sheets whose columns add up to more print landscape
LINE_HEIGHT = 15  # points per line of text in a row
MAX_LINES = 20  # a row grows to at most this many lines; the rest stays in the cell
# A sheet of more rows than this (enterprises, line items) is a list to filter, not to
# read through in print: its rows grow to at most LONG_SHEET_LINES lines, so that it
# prints on a few hundred pages rather than on a thousand.
LONG_SHEET_ROWS = 1_000
LONG_SHEET_LINES = 3
# Lists of ids are not wrapped (a row would grow by a line per 3 ids); the cell holds them all.
UNWRAPPED_COLUMNS = frozenset({"evidence"})
ID_LIST_WIDTH = 24
SHORT_TEXT = 6  # a text column no wider than this (是/否, 等次, 级别) is centred
PERCENT_WIDTH = 9

# Float columns that hold a share in [0, 1], shown as a percentage (履职率, 合规率).
SHARE_COLUMNS = frozenset({"fulfilment", "compliance_rate"})

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


def _value_widths(converted: pl.DataFrame, kinds: Mapping[str, str]) -> list[int]:
    """The widest value of each column as shown (CJK counts 2; a float with 2 decimals
    or as a percentage)."""
    if converted.width == 0:
        return []
    exprs = []
    for name, kind in kinds.items():
        col = pl.col(name)
        if kind == "text":
            w = col.str.len_chars() + col.str.count_matches(_WIDE)
        elif kind == "float":  # sign, integer digits, ".00"
            digits = col.abs().floor().cast(pl.Int64, strict=False).cast(pl.String)
            w = digits.str.len_chars() + 3 + (col < 0).cast(pl.Int64)
        elif kind == "int":
            w = col.cast(pl.String).str.len_chars()
        elif kind == "date":
            w = pl.lit(10)
        elif kind == "datetime":
            w = pl.lit(19)
        else:
            w = pl.lit(0)
        exprs.append(w.max().fill_null(0).cast(pl.Int64).alias(name))
    row = converted.select(exprs).row(0) if converted.height else (0,) * converted.width
    return [int(m or 0) for m in row]


def _column_widths(
    converted: pl.DataFrame, kinds: Mapping[str, str], headers: list[str]
) -> list[int]:
    """Column widths that fit the values and the header (CJK counts 2), between 6 and
    40: a header wider than 8 and its values wraps onto two or more lines, and so
    does a text wider than 40; a list of ids (证据) is cut at 24 on screen and on paper
    (the cell holds them all)."""
    values = _value_widths(converted, kinds)
    widths = []
    for column, m, h in zip(converted.columns, values, headers, strict=True):
        widest = ID_LIST_WIDTH if column in UNWRAPPED_COLUMNS else MAX_WIDTH
        widths.append(max(MIN_WIDTH, min(widest, max(m, min(_text_width(h), HEADER_WIDTH)) + 2)))
    return widths


def _lines(text_width: int, column_width: int) -> int:
    """How many lines a text of this display width takes in a column (wrapped)."""
    return max(1, -(-text_width // max(1, column_width - 2)))


def _row_lines(converted: pl.DataFrame, widths: Mapping[str, int]) -> pl.Series:
    """The lines each row needs for its wrapped columns (`widths`: column → width):
    its widest text over what a line holds, plus its line breaks, 1 to `MAX_LINES`."""
    if not widths or not converted.height:
        return pl.Series("lines", [1] * converted.height, dtype=pl.Int64)
    per_column = []
    for column, width in widths.items():
        col = pl.col(column)
        shown = col.str.len_chars() + col.str.count_matches(_WIDE)
        # a text that fits is one line; a wrapped line holds a little less than the
        # width, since words and ids are not broken
        lines = pl.when(shown <= width - 2).then(1).otherwise((shown / max(1, width - 6)).ceil())
        wrapped = lines + col.str.count_matches("\n")
        per_column.append(wrapped.fill_null(1))
    lines = pl.max_horizontal(per_column).clip(1, MAX_LINES).cast(pl.Int64).alias("lines")
    return converted.select(lines).to_series()


# --- what people read: the frames as the workbook and CSV files show them ---------------

SUMMARY_SHEET = "汇总"
# Sheet order of the workbook (a frame longer than a sheet continues on "扣分明细 (2)"…).
WORKBOOK_SHEETS: tuple[str, ...] = (COVER_SHEET, SUMMARY_SHEET, *SHEETS.values())

# Columns the people's view adds or relabels; the Parquet files keep the frames as
# they are.
PEOPLE_LABELS: dict[str, str] = {
    "peer_group": "比较组",
    "subject_name": "对象名称",
    "rule_title": "规则",
    "rule_id": "规则编号",
}
# 扣分明细 lists regions first, then departments, officials, enterprises, cases; any
# other subject type follows in `SUBJECT_TYPES` order.
SUBJECT_ORDER: tuple[str, ...] = ("region", "department", "official", "enterprise", "case")


def people_label(column: str, frame_name: str | None = None) -> str:
    """The Chinese header of a column as the workbook and the CSV files show it:
    `column_label`, except for the columns the people's view adds or relabels.

    >>> people_label("rule_id", "line_items"), people_label("score", "regions")
    ('规则编号', '得分')
    """
    return PEOPLE_LABELS.get(column) or column_label(column, frame_name)


def _frames(assessment: Assessment) -> dict[str, pl.DataFrame]:
    out: dict[str, pl.DataFrame] = {}
    for name in SHEETS:
        frame = getattr(assessment, name, None)
        out[name] = frame if isinstance(frame, pl.DataFrame) else pl.DataFrame()
    return out


def _subject_position(column: pl.Expr) -> pl.Expr:
    order = SUBJECT_ORDER + tuple(t for t in SUBJECT_TYPES if t not in SUBJECT_ORDER)
    return column.replace_strict(
        {t: i for i, t in enumerate(order)}, default=len(order), return_dtype=pl.Int32
    )


def readable_line_items(items: pl.DataFrame, names: pl.DataFrame | None = None) -> pl.DataFrame:
    """Line items as an official reads them: regions first, then departments,
    officials, enterprises and cases, each subject's items in the order they apply;
    subject kind and scoring module in Chinese, the rule's title ("C4 到期未整改重大隐患")
    beside its id, and the subject's name when `names` (subject_type, subject_id,
    subject_name) knows it.

    >>> items = pl.DataFrame({"subject_type": ["enterprise", "region"],
    ...     "subject_id": ["9143", "430902"], "scorer": ["enterprise", "annual"],
    ...     "rule_id": ["enterprise.clip", "C4"]})
    >>> readable_line_items(items).row(0)
    ('地区', '430902', '年度目标管理考核', 'C4 到期未整改重大隐患', 'C4')
    """
    if "rule_id" not in items.columns or "subject_type" not in items.columns:
        return items
    ordered = items.with_columns(
        _subject_position(pl.col("subject_type")).alias("_type"),
        rule_positions(items["rule_id"]).alias("_rule"),
    ).sort("_type", "subject_type", "subject_id", "_rule", maintain_order=True, nulls_last=True)
    if names is not None and "subject_id" in items.columns:
        ordered = ordered.join(
            names, on=["subject_type", "subject_id"], how="left", maintain_order="left"
        )
    readable = [
        pl.col("subject_type").replace(SUBJECT_LABELS),
        rule_titles(ordered["rule_id"]).alias("rule_title"),
    ]
    if "scorer" in ordered.columns:
        readable.append(pl.col("scorer").replace(SCORER_LABELS))
    ordered = ordered.with_columns(readable)
    front = ["subject_type", "subject_id", "subject_name", "scorer"]
    front = [c for c in front if c in ordered.columns]
    front += ["rule_title", "rule_id"]
    rest = [c for c in items.columns if c not in front]
    return ordered.select(*front, *rest)


def _subject_names(assessment: Assessment) -> pl.DataFrame:
    """(subject_type, subject_id, subject_name) of every subject the frames name: a
    region, enterprise, official or state-owned enterprise by its name, a department as
    its region's name and its own ("益阳市应急管理局"), a case by its enterprise."""
    schema = {"subject_type": pl.String, "subject_id": pl.String, "subject_name": pl.String}
    regions = assessment.regions
    parts: list[pl.DataFrame] = []

    def add(kind: str, frame: pl.DataFrame, key: str | pl.Expr, name: pl.Expr) -> None:
        if isinstance(key, str) and key not in frame.columns:
            return
        if frame.height:
            subject = pl.col(key) if isinstance(key, str) else key
            parts.append(
                frame.select(
                    pl.lit(kind).alias("subject_type"),
                    subject.cast(pl.String).alias("subject_id"),
                    name.cast(pl.String).alias("subject_name"),
                )
            )

    if {"region_code", "name"} <= set(regions.columns):
        add("region", regions, "region_code", pl.col("name"))
    if "name" in assessment.enterprises.columns:
        add("enterprise", assessment.enterprises, "enterprise_id", pl.col("name"))
    if "name" in assessment.officials.columns:
        add("official", assessment.officials, "official_id", pl.col("name"))
    if "name" in assessment.assessed_enterprises.columns:
        add("state_enterprise", assessment.assessed_enterprises, "enterprise_id", pl.col("name"))
    if "enterprise_name" in assessment.cases.columns:
        add("case", assessment.cases, "case_id", pl.col("enterprise_name"))
    region_names = (
        regions.select(pl.col("region_code").cast(pl.String), pl.col("name").alias("_region"))
        if {"region_code", "name"} <= set(regions.columns)
        else pl.DataFrame(schema={"region_code": pl.String, "_region": pl.String})
    )
    for frame in (assessment.departments, assessment.assessed_departments):
        if {"region_code", "department"} <= set(frame.columns) and frame.height:
            named = frame.select(pl.col("region_code").cast(pl.String), "department").join(
                region_names, on="region_code", how="left"
            )
            add(
                "department",
                named,
                formatted("{}:{}", "region_code", "department"),
                pl.concat_str(pl.col("_region").fill_null(""), pl.col("department")),
            )
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts, how="vertical").unique(
        ["subject_type", "subject_id"], keep="first", maintain_order=True
    )


def _people_regions(regions: pl.DataFrame) -> pl.DataFrame:
    """地区考核 as people read it: ordered by level, parent and rank (each region is ranked
    among its parent's regions of its level), its peer group's title (比较组) and the
    rank first."""
    if "region_code" not in regions.columns:
        return region_order(regions)
    ordered = with_peer_groups(regions)
    front = [c for c in (PEER_GROUP, "rank") if c in ordered.columns]
    return ordered.select(*front, *[c for c in ordered.columns if c not in front])


def people_frames(assessment: Assessment) -> dict[str, pl.DataFrame]:
    """The frames as the workbook and the CSV files show them: 地区考核 by peer group
    and rank with the parent's name and the rank first; 扣分明细 readable
    (`readable_line_items`, with each subject's name); every subject type in Chinese
    and every rule id with its title beside it (规则, 规则编号).  Values are not
    rounded here; the writers show them.

    >>> people_frames(result)["regions"].columns[:3]      # doctest: +SKIP
    ['peer_group', 'rank', 'region_code']
    """
    frames = _frames(assessment)
    for name, frame in frames.items():
        if name == "line_items":
            frames[name] = readable_line_items(frame, _subject_names(assessment))
            continue
        if name == "regions":
            frame = _people_regions(frame)
        if "subject_type" in frame.columns:
            frame = frame.with_columns(pl.col("subject_type").replace(SUBJECT_LABELS))
        if "rule_id" in frame.columns:
            at = frame.columns.index("rule_id")  # the title just before the id
            order = [*frame.columns[:at], "rule_title", *frame.columns[at:]]
            titled = frame.with_columns(rule_titles(frame["rule_id"]).alias("rule_title"))
            frame = titled.select(order)
        frames[name] = frame
    return frames


def _share_metrics() -> list[str]:
    """The metrics (`hazard_metrics.metric`) whose value is a share: rules computed as
    a `Share` (C7 自查发现率)."""
    return [rule.id for rule in REGISTRY if isinstance(rule.compute, Share)]


def share_rows(frame: pl.DataFrame) -> dict[str, pl.Expr]:
    """The columns of `frame` that hold shares in [0, 1], each with the rows that do:
    履职率 and 合规率 on every row; a metric's value where the metric is a share.

    >>> frame = pl.DataFrame({"metric": ["C7", "C8"], "value": [0.5, 9.1]})
    >>> frame.select(share_rows(frame)["value"]).to_series().to_list()
    [True, False]
    """
    out = {c: pl.repeat(True, pl.len()) for c in frame.columns if c in SHARE_COLUMNS}
    if {"metric", "value"} <= set(frame.columns):
        out["value"] = pl.col("metric").is_in(_share_metrics()).fill_null(False)
    return out


# --- header facts -----------------------------------------------------------------------


def data_dates(assessment: Assessment) -> tuple[dt.date, dt.date] | None:
    """The earliest and latest event date of the data assessed, when the assessment
    carries them (an attribute ``data_dates``), else None.  Never the day of the run."""
    dates = getattr(assessment, "data_dates", None)
    if isinstance(dates, tuple) and len(dates) == 2 and all(isinstance(d, dt.date) for d in dates):
        return dates
    return None


def _span(dates: tuple[dt.date, dt.date]) -> str:
    return f"{dates[0].isoformat()} 至 {dates[1].isoformat()}"


def header_facts(assessment: Assessment) -> list[tuple[str, object]]:
    """What a report's header says, in order: year, assessment period, the data's date
    range (when known), the as_of day used, rulebook, fingerprint, versions.  Only facts
    of the data and the rules, never the day the report was written, so that the same
    data, rulebook and as_of give the same header on any day.

    >>> dict(header_facts(result))["数据截止日（as_of）"]     # doctest: +SKIP
    datetime.date(2025, 1, 15)
    """
    facts: list[tuple[str, object]] = [("考核年度", assessment.year)]
    period = getattr(assessment, "period", None)
    if period is not None:
        facts.append(("考核期", _span(period)))
    dates = data_dates(assessment)
    if dates is not None:
        facts.append(("数据日期范围", _span(dates)))
    facts += [
        ("数据截止日（as_of）", assessment.as_of),
        ("规则集", assessment.rulebook_name),
        ("规则集指纹 (sha256)", assessment.fingerprint),
        ("程序版本", assessment.library_version),
        ("输出格式版本", assessment.schema_version),
    ]
    return facts


def _created(assessment: Assessment) -> dt.datetime:
    """The workbook's creation time: midnight of as_of (xlsxwriter would stamp the
    current time, and the file would differ from one run to the next)."""
    as_of = assessment.as_of
    if isinstance(as_of, dt.datetime):
        return as_of.replace(tzinfo=None)
    if isinstance(as_of, dt.date):
        return dt.datetime.combine(as_of, dt.time())
    return dt.datetime(int(assessment.year), 12, 31)


# --- Excel -----------------------------------------------------------------------------


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


# Best grade green to worst red, spread over however many grades the rulebook has.
GRADE_COLOURS = ("#2E7D32", "#1565C0", "#F9A825", "#EF6C00", "#C62828")
UNGRADED_COLOUR = "#9E9E9E"


def grade_colours(grades: tuple[str, ...]) -> dict[str, str]:
    """A colour per grade, best first: green, blue, amber, orange, red.

    >>> grade_colours(("优秀", "良好", "合格", "不合格"))["不合格"]
    '#C62828'
    """
    if not grades:
        return {}
    if len(grades) == 1:
        return {grades[0]: GRADE_COLOURS[0]}
    last = len(GRADE_COLOURS) - 1
    return {g: GRADE_COLOURS[round(i * last / (len(grades) - 1))] for i, g in enumerate(grades)}


def write_excel(assessment: Assessment, path: str | Path) -> Path:
    """Write the assessment to an .xlsx workbook: a cover sheet 封面, a summary 汇总 with
    the ranking and grade charts, then one sheet per frame.

    Chinese headers (wrapped when long), frozen header row, autofilter, fitted widths,
    long text wrapped; numbers as numbers (scores 0.00, shares such as 履职率 as %),
    booleans 是/否, lists joined with "；", dates as dates; every text written as text,
    so nothing in the data is ever run as a formula.  地区考核 is ordered by peer group
    and rank; 扣分明细 lists regions, departments, officials, enterprises, cases, with
    Chinese types, modules and rule titles beside the rule ids.  Each sheet prints one
    page wide (landscape when wide) with its header row on every page.  A frame longer
    than Excel's row limit continues on further sheets ("扣分明细 (2)").  The file holds
    no time of writing: the same assessment gives the same bytes on any day.

    >>> result.to_excel("result.xlsx")        # doctest: +SKIP
    PosixPath('result.xlsx')
    """
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = people_frames(assessment)
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
        workbook.set_properties(
            {
                "title": f"{assessment.year} 年度安全生产责任制考核结果",
                "subject": "accountability",
                "comments": f"rulebook {assessment.rulebook_name} {assessment.fingerprint}",
                "created": _created(assessment),
            }
        )
        top = {"valign": "top"}
        fmt = {
            "header": workbook.add_format(
                {
                    "bold": True,
                    "bg_color": "#DDEBF7",
                    "border": 1,
                    "valign": "vcenter",
                    "text_wrap": True,
                }
            ),
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "label": workbook.add_format({"bold": True}),
            "text": workbook.add_format({"num_format": "@", **top}),
            "wrap": workbook.add_format({"num_format": "@", "text_wrap": True, **top}),
            "flag": workbook.add_format({"num_format": "@", "align": "center", **top}),
            "int": workbook.add_format({"num_format": "0", "align": "center", **top}),
            "float": workbook.add_format({"num_format": "0.00", **top}),
            "percent": workbook.add_format({"num_format": "0.00%", **top}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd", **top}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss", **top}),
            "cover_int": workbook.add_format({"num_format": "0", "align": "left"}),
            "cover_date": workbook.add_format({"num_format": "yyyy-mm-dd", "align": "left"}),
        }
        _write_cover(workbook, assessment, frames, fmt)
        _write_summary(workbook, assessment, fmt)
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
    _print_setup(ws, landscape=False)
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

    for label, value in header_facts(assessment):
        line(label, value)
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


SUMMARY_HEADERS = ("比较组", "名称", "排名", "得分", "等次", "一票否决", "黄牌警告", "区划代码",
                   "说明")  # fmt: skip


def _write_summary(workbook: Any, assessment: Assessment, fmt: dict[str, Any]) -> None:
    """汇总: the ranking by peer group (as the command line prints it) and the regions
    per grade, each beside a native Excel chart — scores by region as bars coloured by
    grade (the category axis grouped by peer group), and the grade distribution."""
    ws = workbook.add_worksheet(SUMMARY_SHEET)
    ws.write_string(0, 0, f"{assessment.year} 年度目标管理考核汇总", fmt["title"])
    regions = assessment.regions
    rows = _ranking_rows(assessment)
    colours = grade_colours(assessment.grade_names)
    titles = [row.title for row in rows if row.title is not None]
    widths = [max([14, *(_text_width(t) + 1 for t in titles)]), 12, 6, 8, 8, 8, 8, 10, 40]
    for c, (header, width) in enumerate(zip(SUMMARY_HEADERS, widths, strict=True)):
        ws.write_string(2, c, header, fmt["header"])
        ws.set_column(c, c, width)
    _print_setup(ws, landscape=True)
    ws.repeat_rows(2)
    ws.freeze_panes(3, 0)
    if not rows or "region_code" not in regions.columns:
        ws.write_string(3, 0, "没有地区考核结果")
        return
    by_code = {str(rec["region_code"]): rec for rec in regions.iter_rows(named=True)}
    decisions, consequences = _decision_notes(assessment), _consequences(assessment)
    points: list[dict[str, Any]] = []
    groups: list[str | None] = []  # the peer group on its first region only: Excel groups
    first = 3
    for r, row in enumerate(rows, start=first):
        code = row.cells[1]
        rec = by_code.get(code, {})
        groups.append(row.title)
        if row.title is not None:
            ws.write_string(r, 0, row.title, fmt["text"])
        ws.write_string(r, 1, row.cells[2], fmt["text"])
        if rec.get("rank") is not None:
            ws.write_number(r, 2, rec["rank"], fmt["int"])
        score = rec.get("score")
        if isinstance(score, int | float):
            ws.write_number(r, 3, score, fmt["float"])
        grade = rec.get("grade")
        if grade is not None:
            ws.write_string(r, 4, str(grade), fmt["flag"])
        for c, flag in ((5, rec.get("vetoed")), (6, rec.get("yellow_card"))):
            if isinstance(flag, bool):
                ws.write_string(r, c, "是" if flag else "否", fmt["flag"])
        ws.write_string(r, 7, code, fmt["text"])
        note = _notes(rec, decisions, consequences)
        if note:
            ws.write_string(r, 8, note, fmt["wrap"])
            ws.set_row(r, LINE_HEIGHT * min(MAX_LINES, _lines(_text_width(note), widths[8])))
        colour = colours.get(str(grade), UNGRADED_COLOUR) if grade is not None else None
        points.append({"fill": {"color": colour or UNGRADED_COLOUR}})
    last = first + len(rows) - 1
    ws.autofilter(2, 0, last, len(SUMMARY_HEADERS) - 1)

    ranking = workbook.add_chart({"type": "bar"})
    ranking.add_series(
        {
            "name": "得分",
            "categories": [SUMMARY_SHEET, first, 0, last, 1],
            # xlsxwriter caches one column of categories; the two levels are given here
            "categories_data": [groups, [row.cells[2] for row in rows]],
            "values": [SUMMARY_SHEET, first, 3, last, 3],
            "points": points,
            "data_labels": {"value": True, "num_format": "0.00"},
            "gap": 40,
        }
    )
    ranking.set_title({"name": f"{assessment.year} 年度得分（按比较组、排名）"})
    ranking.set_legend({"none": True})
    ranking.set_y_axis({"reverse": True})  # the first region at the top, as in the table
    axis = {"min": 0, "num_format": "0", "major_gridlines": {"visible": True}}
    base = assessment.bases.get("region") if isinstance(assessment.bases, Mapping) else None
    scores = regions["score"].drop_nulls().to_list() if "score" in regions.columns else []
    if isinstance(base, int | float) and all(s <= base for s in scores):
        axis["max"] = base  # the full mark at the end of the axis
    ranking.set_x_axis(axis)
    height = max(300, 26 * len(rows) + 110)
    ranking.set_size({"width": 620, "height": height})
    column = len(SUMMARY_HEADERS) + 1
    ws.insert_chart(2, column, ranking)

    grades = _grade_counts(regions, assessment.grade_names)
    g0 = last + 3
    ws.write_string(g0, 0, "等次", fmt["header"])
    ws.write_string(g0, 1, "地区数", fmt["header"])
    for i, (grade, n) in enumerate(grades, start=1):
        colour = colours.get(grade, UNGRADED_COLOUR)
        cell = workbook.add_format({"bold": True, "font_color": colour})
        ws.write_string(g0 + i, 0, grade, cell)
        ws.write_number(g0 + i, 1, n, fmt["int"])
    distribution = workbook.add_chart({"type": "column"})
    distribution.add_series(
        {
            "name": "地区数",
            "categories": [SUMMARY_SHEET, g0 + 1, 0, g0 + len(grades), 0],
            "values": [SUMMARY_SHEET, g0 + 1, 1, g0 + len(grades), 1],
            "points": [{"fill": {"color": colours.get(g, UNGRADED_COLOUR)}} for g, _ in grades],
            "data_labels": {"value": True},
            "gap": 60,
        }
    )
    distribution.set_title({"name": "等次分布（地区数）"})
    distribution.set_legend({"none": True})
    most = max((n for _, n in grades), default=0)
    distribution.set_y_axis({"min": 0, "num_format": "0", "major_unit": max(1, -(-most // 8))})
    distribution.set_size({"width": 620, "height": 300})
    ws.insert_chart(2, column, distribution, {"y_offset": height + 20})


def _print_setup(ws: Any, *, landscape: bool) -> None:
    """A4, one page wide (as many pages long as it takes), narrow margins, the sheet
    name and page number in the footer."""
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&L&A&R第 &P 页，共 &N 页")


def _sheet_chunks(frame: pl.DataFrame) -> list[pl.DataFrame]:
    per_sheet = EXCEL_MAX_ROWS - 1
    if frame.height <= per_sheet:
        return [frame]
    return [frame.slice(i, per_sheet) for i in range(0, frame.height, per_sheet)]


def _write_frame(
    workbook: Any, sheet: str, name: str, frame: pl.DataFrame, fmt: dict[str, Any]
) -> None:
    shares = share_rows(frame)
    masks = frame.select([e.alias(c) for c, e in shares.items()]) if shares else pl.DataFrame()
    converted, kinds = excel_frame(frame)
    flags = {c for c, dtype in frame.schema.items() if dtype == pl.Boolean}
    headers = [people_label(c, name) for c in converted.columns]
    widths = _column_widths(converted, kinds, headers)
    for c, column in enumerate(converted.columns):
        if column in shares:  # "100.00%"
            widths[c] = max(widths[c], PERCENT_WIDTH)
    values = _value_widths(converted, kinds)
    wrapped = {
        c: w
        for c, w, v in zip(converted.columns, widths, values, strict=True)
        if kinds[c] == "text" and v + 2 > w and c not in UNWRAPPED_COLUMNS
    }
    lines = _row_lines(converted, wrapped)
    if converted.height > LONG_SHEET_ROWS:
        lines = lines.clip(1, LONG_SHEET_LINES)
    value_width = dict(zip(converted.columns, values, strict=True))
    header_lines = max(
        (_lines(_text_width(h), w) for h, w in zip(headers, widths, strict=True)), default=1
    )
    landscape = sum(widths) > PORTRAIT_WIDTH
    for part, chunk in enumerate(_sheet_chunks(converted), start=1):
        offset = (part - 1) * (EXCEL_MAX_ROWS - 1)
        ws = workbook.add_worksheet(sheet if part == 1 else f"{sheet} ({part})")
        for c, (header, width) in enumerate(zip(headers, widths, strict=True)):
            ws.write_string(0, c, header, fmt["header"])
            ws.set_column(c, c, width)
        if header_lines > 1:
            ws.set_row(0, LINE_HEIGHT * header_lines + 3)
        for r, n in enumerate(lines.slice(offset, chunk.height).to_list(), start=1):
            if n > 1:  # rows are not fitted to wrapped text by every reader: give the height
                ws.set_row(r, LINE_HEIGHT * n)
        ws.freeze_panes(1, 0)
        _print_setup(ws, landscape=landscape)
        ws.repeat_rows(0)
        if headers:  # long text overflows to the right on screen; never onto printed pages
            ws.print_area(0, 0, max(chunk.height, 1), len(headers) - 1)
            ws.autofilter(0, 0, max(chunk.height, 1), len(headers) - 1)
        for c, column in enumerate(chunk.columns):
            kind = kinds[column]
            values_ = chunk.get_column(column).to_list()
            if kind == "text":
                short = column in flags or value_width[column] <= SHORT_TEXT  # 是/否, 等次
                key = "wrap" if column in wrapped else "flag" if short else "text"
                cell_fmt = fmt[key]
                for r, v in enumerate(values_, start=1):
                    if v:  # None and "" (an empty list) stay blank
                        ws.write_string(r, c, v, cell_fmt)
            elif kind in ("int", "float"):
                cell_fmt = fmt[kind]
                if column in shares:
                    mask = masks.get_column(column).slice(offset, chunk.height).to_list()
                    for r, (v, share) in enumerate(zip(values_, mask, strict=True), start=1):
                        if v is not None:
                            ws.write_number(r, c, v, fmt["percent"] if share else cell_fmt)
                    continue
                for r, v in enumerate(values_, start=1):
                    if v is not None:
                        ws.write_number(r, c, v, cell_fmt)
            elif kind in ("date", "datetime"):
                cell_fmt = fmt[kind]
                for r, v in enumerate(values_, start=1):
                    if v is not None:
                        ws.write_datetime(r, c, v, cell_fmt)


# --- parquet ---------------------------------------------------------------------------


def _meta(
    assessment: Assessment, frames: Mapping[str, pl.DataFrame], *, suffix: str = ".parquet"
) -> dict[str, Any]:
    as_of = assessment.as_of
    return {
        "year": assessment.year,
        "rulebook_name": assessment.rulebook_name,
        "fingerprint": assessment.fingerprint,
        "library_version": assessment.library_version,
        "schema_version": assessment.schema_version,
        "as_of": as_of.isoformat() if isinstance(as_of, dt.date) else str(as_of),
        "frames": {
            name: {"file": f"{name}{suffix}", "rows": f.height} for name, f in frames.items()
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
#: A negative number as a person writes it ("-1", "-0.5", "-1e-3"): a spreadsheet reads
#: it as that number, never as a formula, so it is written as it is.  ("+86" is
#: escaped: a spreadsheet would drop its sign.)
PLAIN_NUMBER = r"^-(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


def _escape(expr: pl.Expr) -> pl.Expr:
    risky = expr.str.contains(_FORMULA_START) & ~expr.str.contains(PLAIN_NUMBER)
    return pl.when(risky).then(pl.lit("'") + expr).otherwise(expr)


def csv_frame(
    frame: pl.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    decimals: int | None = DECIMALS,
    shares: Mapping[str, pl.Expr] | None = None,
) -> pl.DataFrame:
    """The frame as written to CSV, as people read it: booleans 是/否, lists joined
    with "；", floats rounded to `decimals` places (None keeps them whole), the
    `shares` columns' rows where their expression holds as percentages ("83.33%", the
    others of such a column as their number, "12"); text cells that a spreadsheet would
    run as a formula prefixed with a single quote (a negative number such as "-1" is a
    number, not a formula, and is left as it is).  Integers and dates keep their type.

    >>> csv_frame(pl.DataFrame({"t": ["=1+1", "-x", "-1"], "n": [-1, 2, 3]})).rows()
    [("'=1+1", -1), ("'-x", 2), ('-1', 3)]
    >>> csv_frame(pl.DataFrame({"f": [True, None], "x": [2/3, 1.0]}),
    ...     shares={"x": pl.lit(True)}).rows()
    [('是', '66.67%'), (None, '100%')]
    """
    shares = shares or {}
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if name in shares and (dtype.is_float() or dtype.is_integer()):
            as_share = shares[name]
            exprs.append(
                pl.when(col.is_null())
                .then(None)
                .when(as_share)
                .then(percent(col))
                .otherwise(number(col, DECIMALS if decimals is None else decimals))
                .alias(name)
            )
        elif dtype == pl.Boolean:
            exprs.append(_to_text(col, dtype).alias(name))
        elif dtype.is_float() and decimals is not None:
            rounded = col.cast(pl.Float64).round(decimals)
            exprs.append(pl.when(rounded == 0).then(pl.lit(0.0)).otherwise(rounded).alias(name))
        elif dtype == pl.String or isinstance(
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
    frame: pl.DataFrame,
    path: str | Path,
    *,
    labels: Mapping[str, str] | None = None,
    shares: Mapping[str, pl.Expr] | None = None,
) -> Path:
    """Write a frame as UTF-8 CSV with a byte-order mark (Excel opens it correctly), as
    people read it and escaped against formula injection (see `csv_frame`): floats
    rounded to 2 decimals as the workbook shows them ("68.48", "26.0"), booleans 是/否,
    `shares` as percentages.  `labels`
    renames headers, for example `{c: column_label(c, "regions") for c in frame.columns}`.

    >>> write_csv(result.regions, "regions.csv")   # doctest: +SKIP
    PosixPath('regions.csv')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_frame(frame, labels=labels, shares=shares).write_csv(
        path,
        include_bom=True,
        date_format="%Y-%m-%d",
        datetime_format="%Y-%m-%d %H:%M:%S",
    )
    return path


def write_csv_table(assessment: Assessment, path: str | Path, name: str = "regions") -> Path:
    """Write one frame of the assessment (default the regions, 地区考核) as people read
    it — the workbook's sheet as CSV: the same order, columns and Chinese headers,
    scores rounded to 2 decimals, shares as %, booleans 是/否 (see `people_frames`,
    `write_csv`).

    >>> write_csv_table(result, "result.csv")                 # doctest: +SKIP
    PosixPath('result.csv')
    """
    if name not in SHEETS:
        raise ValueError(f"no frame {name!r}: one of {', '.join(SHEETS)}")
    frame = people_frames(assessment)[name]
    labels = {c: people_label(c, name) for c in frame.columns}
    return write_csv(frame, path, labels=labels, shares=share_rows(frame))


def write_csv_tables(assessment: Assessment, directory: str | Path) -> Path:
    """Write every frame of the assessment as `<frame>.csv` in `directory` (named as
    the Parquet files are, each as `write_csv_table` writes it) and `meta.json` (year,
    fingerprint, versions, as_of, rows per file).  Returns the directory.

    >>> write_csv_tables(result, "out/2024")                  # doctest: +SKIP
    PosixPath('out/2024')
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    frames = people_frames(assessment)
    for name, frame in frames.items():
        labels = {c: people_label(c, name) for c in frame.columns}
        write_csv(frame, directory / f"{name}.csv", labels=labels, shares=share_rows(frame))
    (directory / "meta.json").write_text(
        json.dumps(
            _meta(assessment, frames, suffix=".csv"), ensure_ascii=False, indent=2, sort_keys=True
        )
        + "\n",
        encoding="utf-8",
    )
    return directory


# --- cells people read (the ranking table here; accountability.notebook too) -----------


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

    title: str | None  # the peer group this row opens ("益阳市所辖县级地区（8 个）"), if any
    level: str
    cells: tuple[str, ...]  # in RANKING_HEADERS order; 说明 holds the note's marker
    note: str | None  # "430900 益阳市 — 一票否决：…", printed under the table


def _ranking_rows(assessment: Assessment) -> list[_RankRow]:
    """The regions in ranking order, one block per parent, with numbered notes."""
    regions = with_peer_groups(assessment.regions)
    decisions = _decision_notes(assessment)
    consequences = _consequences(assessment)
    rows: list[_RankRow] = []
    previous: tuple[object, object] | None = None
    notes = 0
    for rec in regions.iter_rows(named=True):
        group = (rec.get("level"), rec.get("parent_code"))
        title = rec[PEER_GROUP] if group != previous else None
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
    说明), one block per peer group under its title (rank is among the group), and
    below it the notes the 说明 column points to, so that a narrow terminal still reads
    cleanly.

    >>> from rich.console import Console
    >>> Console().print(format_ranking(result))   # doctest: +SKIP
    """
    from rich.cells import cell_len
    from rich.console import Group
    from rich.text import Text

    from accountability.grouped_table import GroupedTable
    from accountability.terminal import Paragraph

    def cell(text: str, style: str = "") -> Text:
        """Plain text (never markup) on one line, control characters visible."""
        return Text(visible(text, single_line=True), style=style)

    justify = ("right", "left", "left", "right", "center", "center", "center", "left")
    notes: list[Paragraph] = []
    lowest = assessment.grade_names[-1] if assessment.grade_names else None
    groups: list[tuple[str, list[tuple[Text, ...]]]] = []
    for row in _ranking_rows(assessment):
        if row.title is not None or not groups:
            groups.append((row.title or "", []))
        rank, code, name, score, grade, vetoed, yellow, marker = row.cells
        groups[-1][1].append(
            (
                cell(rank),
                cell(code),
                cell(name),
                cell(score),
                cell(grade, style="bold red" if grade == lowest else ""),
                cell(vetoed, style="red"),
                cell(yellow, style="yellow"),
                cell(marker),
            )
        )
        if row.note:
            notes.append(Paragraph(cell(f"{marker}  {row.note}"), hang=cell_len(marker) + 2))
    table = GroupedTable(
        columns=tuple(zip(RANKING_HEADERS, justify, strict=True)),  # type: ignore[arg-type]
        groups=tuple((title, tuple(rows)) for title, rows in groups),
        heading=(0, 2, 1),
        title=cell(
            f"{assessment.year} 年度目标管理考核排名 (规则集 {assessment.rulebook_name} "
            f"{str(assessment.fingerprint)[:12]})"
        ),
    )
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
            f"其余{others}个部门、国有企业无一票否决、黄牌警告或评先"
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
    lines = [f"# {assessment.year} 年度安全生产目标管理考核结果", ""]
    for label, value in header_facts(assessment):
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        shown = f"`{text}`" if label.startswith("规则集指纹") else _md(text)
        lines.append(f"- {label}：{shown}")
    lines.append("")
    rows = _ranking_rows(assessment)
    for row in rows:
        if row.title is not None:
            lines += [
                "",
                f"## {_md(row.title)}",
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
        explained = _region_explanations(assessment)
        for row in rows:
            code, name = row.cells[1], row.cells[2]
            text = visible(explained[code])
            lines += [
                "",
                f"### {_md(code)} {_md(name)}",
                "",
                "```text",
                text.replace("```", "ʼʼʼ"),
                "```",
            ]
    return "\n".join(lines) + "\n"


def _region_explanations(assessment: Assessment) -> dict[str, str]:
    """Each region's `explain(code, "region")`.  A region's explanation reads only its
    own line items, so they are split out once rather than filtered out of every line
    item for each region (2,889 regions, 727,888 items: 2 s, not 50 s)."""
    items = assessment.line_items
    regional = items.filter(pl.col("subject_type") == "region")
    parts = {
        str(part["subject_id"][0]): part
        for part in regional.partition_by("subject_id", maintain_order=True)
    }
    empty = items.clear()
    return {
        code: attrs.evolve(assessment, line_items=parts.get(code, empty)).explain(code, "region")
        for code in assessment.regions["region_code"].cast(pl.String).to_list()
    }


def write_markdown(assessment: Assessment, path: str | Path, *, explain: bool = True) -> Path:
    """Write `markdown_report(assessment)` to `path` (UTF-8)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown_report(assessment, explain=explain), encoding="utf-8")
    return out
