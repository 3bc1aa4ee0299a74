"""Input table schemas (dataframely), the `Dataset`, and validation into one.

Every table of `columns.TABLES` has one dataframely schema here (`SCHEMAS`), built
from the spec: dtypes, nullability, primary key, non-negative minimum, the
GB/T 2260 shape of region codes, the GB 32100 shape of credit codes, and each
column's Chinese label as metadata.  `validate_frames` turns frames of any
reasonable dtypes (strings from a CSV, numbers from Excel, canonical frames from
code) into a `Dataset`: cells are parsed (booleans 是/否, dates in several
spellings, enumerations, `;`-separated portfolios), every failed rule becomes one
row of `Dataset.rejected`, rows that are kept but doubtful become rows of
`Dataset.warnings`.  No row is ever dropped silently: per table, rows read =
rows kept + distinct rows rejected (a row is its `source` and `row`).

Beyond types, a value that parses but cannot be right is rejected with its own
rule: a two-digit year (`two_digit_year`), a date outside the plausible window
(`date_out_of_window`: event dates within `date_window`, default 1949-10-01 to
`as_of`; other dates such as deadlines from 1949-10-01 to `as_of` + 10 years), a
number that is not finite or outside its column's sane range (`out_of_range`,
`NUMBER_BOUNDS`), a number whose comma may be a thousands separator or a decimal
comma (`ambiguous_number`).  Rows sharing a key are all rejected when they differ
(`conflicting_duplicate`, the message names every row), and copies of a row are
rejected as `identical_duplicate`, so that no result depends on row order.  Rules
across the columns of one row are named too: a target whose limit is negative though
it is not a decline in % (`negative_absolute_limit`), or a decline in % without its
baseline year (`baseline_year_missing`).
Invisible characters in ids, codes, numbers and dates (zero-width space, BOM,
no-break space, soft hyphen) are removed, with one `invisible_characters` warning
per column.

The `Dataset` is defined here, beside the validation that builds it, because
`Dataset.from_frames` is `validate_frames`: one module, no import cycle.  Its usual
import path is `accountability.dataset`.  Files are read by `loading.py`, which
knows nothing of this module.

>>> import datetime as dt, polars as pl
>>> regions = pl.DataFrame({"区划代码": ["430900", "43090X"], "名称": ["益阳市", "?"],
...                         "上级区划代码": [None, None], "级别": ["市", "市"]})
>>> data = validate_frames({"regions": regions}, as_of=dt.date(2025, 1, 1))
>>> data.table("regions").height, data.rejected["rule"].to_list()
(1, ['region_code_shape'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import attrs
import dataframely as dy
import polars as pl

from accountability.codes import child_prefix_ok, division_code_ok, uscc_check_ok, uscc_shape_ok
from accountability.columns import TABLES, Column, TableSpec
from accountability.dates import parse_date_expr, parse_day
from accountability.engine import ENGINE
from accountability.errors import DatasetError
from accountability.loading import (
    INVISIBLE_CHARACTERS,
    SOURCE,
    SOURCE_ROW,
    open_folder,
    resolve_headers,
)
from accountability.progress import Progress, report_step
from accountability.wording import formatted

__all__ = [
    "DATE_FLOOR",
    "DEADLINE_YEARS",
    "NUMBER_BOUNDS",
    "REJECTED_SCHEMA",
    "SCHEMAS",
    "TABLE_ORDER",
    "WARNINGS_SCHEMA",
    "Dataset",
    "load_dataset",
    "resolve_headers",
    "schema",
    "table_note",
    "validate_frames",
]

_ROW = "source_row"
# Internal: a row's identity within its table (rows of several sheets share numbers)
# and its source (file name, "事故.xlsx!Sheet2").
_RID = "source_rid"
_SRC = "source_file"

# --- the Dataset --------------------------------------------------------------------------

# One row per failed rule.  `source` is the file ("accidents.csv"; "事故.xlsx!Sheet2"
# for a workbook's sheet; null for frames given in code); `row` is the 1-based data
# row number in the source (the header is row 0 in a file; for frames it is the
# 1-based position).
REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "source": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "rule": pl.String(),
    "message": pl.String(),
    "value": pl.String(),
}
WARNINGS_SCHEMA = REJECTED_SCHEMA
# What the checks pass around: the issue plus the row's identity within its table.
_ISSUE_SCHEMA: dict[str, pl.DataType] = {**REJECTED_SCHEMA, _RID: pl.Int64()}

# The earliest plausible date (the People's Republic's founding): earlier dates,
# years 0001 and Excel's day 0 (1899-12-30) among them, are rejected.
DATE_FLOOR = dt.date(1949, 10, 1)
# Deadlines and other dates that may lie ahead: at most this many years after as_of.
DEADLINE_YEARS = 10
# Sane bounds of numeric columns (inclusive), by column name: beyond them a value is
# a typo or a unit error (`out_of_range`); a number that is not finite never passes.
NUMBER_BOUNDS: dict[str, tuple[float, float]] = {
    "deaths": (0, 100_000),
    "missing": (0, 100_000),
    "serious_injuries": (0, 100_000),
    "direct_loss_10k_yuan": (0, 1e7),  # 万元: 1,000 亿元
    "fine_yuan": (0, 1e12),
    "fine_max_yuan": (0, 1e12),
    "points": (-100, 100),
    "employees": (0, 10_000_000),
    "persons_detained": (0, 100_000),
    "persons_transferred": (0, 100_000),
    "officials_accountable": (0, 100_000),
    "count": (0, 1_000_000),
    "gdp_100m_yuan": (0, 1e7),  # 亿元
    "industry_employees": (0, 1e9),
    "motor_vehicles": (0, 1e9),
    "coal_output_mt": (0, 1e5),  # 百万吨
    "limit": (-100, 1e9),  # below 0 only as a decline in % (negative_absolute_limit)
    "target": (0, 1e12),
    "achieved": (0, 1e12),
    "year": (1949, 2100),
}
# Any other numeric column.
_ANY_NUMBER = (-1e15, 1e15)


def _empty(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))


@attrs.frozen(eq=False)
class Dataset:
    """Kept rows per table (canonical column names and dtypes), the load's `as_of`
    day, and the `rejected` and `warnings` frames.

    A table that was not supplied is absent (`has(name)` is False); a table supplied
    with a header and no rows is present and empty.  Build one with
    `load_dataset(path)` or `Dataset.from_frames(...)`, which validate; the plain
    constructor trusts its input.
    """

    tables: Mapping[str, pl.DataFrame] = attrs.field(converter=dict)
    as_of: dt.date
    rejected: pl.DataFrame = attrs.field(factory=lambda: _empty(REJECTED_SCHEMA))
    warnings: pl.DataFrame = attrs.field(factory=lambda: _empty(WARNINGS_SCHEMA))
    source: str | None = None
    # rows read per table, so that read = kept + distinct rejected can be shown.
    rows_read: Mapping[str, int] = attrs.field(factory=dict, converter=dict)
    strict_codes: bool = False

    @classmethod
    def from_frames(
        cls,
        *,
        as_of: dt.date | str | None = None,
        strict_codes: bool = False,
        date_window: Sequence[dt.date | str] | None = None,
        **frames: pl.DataFrame,
    ) -> Dataset:
        """Validate polars frames (one keyword per table) into a Dataset.

        >>> import polars as pl
        >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
        ...                         "parent_code": [None], "level": ["市"]})
        >>> Dataset.from_frames(regions=regions).table("regions").height
        1
        """
        return validate_frames(
            frames, as_of=as_of, strict_codes=strict_codes, date_window=date_window
        )

    def has(self, name: str) -> bool:
        """Whether the table was supplied (it may be empty)."""
        return name in self.tables

    def get(self, name: str) -> pl.DataFrame | None:
        """The table's kept rows, or None when the table was not supplied."""
        return self.tables.get(name)

    def table(self, name: str, *, needed_by: str | None = None) -> pl.DataFrame:
        """The table's kept rows; a `DatasetError` naming it when it was not supplied."""
        if name not in self.tables:
            who = f"{needed_by} 需要" if needed_by else "需要"
            raise DatasetError(
                f"{who}数据表 {name!r}，但数据集中没有该表 "
                f"(table {name!r} is missing from the dataset"
                + (f" {self.source}" if self.source else "")
                + ")"
            )
        return self.tables[name]

    def date_span(self, name: str) -> str:
        """The first and last of the table's main date among its kept rows (its first
        required event date, else its year), as text; "" when it has neither or is empty.

        >>> import datetime as dt, polars as pl
        >>> stats = pl.DataFrame({"region_code": ["430900"] * 2, "year": [2023, 2024]})
        >>> Dataset(tables={"region_stats": stats}, as_of=dt.date(2025, 1, 1)).date_span(
        ...     "region_stats")
        '2023 – 2024 年'
        """
        frame = self.tables.get(name)
        column = main_date(name)
        if frame is None or column is None or column not in frame.columns:
            return ""
        low, high = frame.select(
            pl.col(column).min().alias("a"), pl.col(column).max().alias("b")
        ).row(0)
        if low is None:
            return ""
        return f"{low} – {high}" + (" 年" if column == "year" else "")

    def lazy(self, name: str, *, needed_by: str | None = None) -> pl.LazyFrame:
        return self.table(name, needed_by=needed_by).lazy()

    def replace(self, **tables: pl.DataFrame) -> Dataset:
        """A copy with some tables replaced (trusted: no validation)."""
        return attrs.evolve(self, tables={**self.tables, **tables})

    def __repr__(self) -> str:
        from accountability import display

        return display.text(self)

    def _repr_html_(self) -> str:
        from accountability import display

        return display.html(self)


def main_date(table: str) -> str | None:
    """The column that dates a table's rows: its first required event date
    (accidents.occurred_on, hazards.found_on …), else its `year`, else None.

    >>> main_date("accidents"), main_date("targets"), main_date("regions")
    ('occurred_on', 'year', None)
    """
    spec = TABLES[table]
    for col in spec.columns:
        if col.event_date and col.required:
            return col.name
    return "year" if "year" in spec.column_names else None


# Tables in the order references are resolved: a table's references point only to
# tables before it.
TABLE_ORDER: tuple[str, ...] = (
    "regions",
    "region_stats",
    "targets",
    "enterprises",
    "officials",
    "accidents",
    "inspections",
    "cases",
    "hazards",
    "duty_records",
    "work_items",
    "adjustments",
    "credit_listings",
    "assessed_enterprises",
    "summons_history",
    "responsibility_findings",
)
assert set(TABLE_ORDER) == set(TABLES), "TABLE_ORDER must list every table of columns.TABLES"

# column -> (referenced table, its key column, rule name, Chinese noun)
_REFERENCES: dict[str, tuple[str, str, str, str]] = {
    "region_code": ("regions", "region_code", "unknown_region", "区划代码"),
    "enterprise_id": ("enterprises", "enterprise_id", "unknown_enterprise", "统一社会信用代码"),
    "official_id": ("officials", "official_id", "unknown_official", "干部编号"),
}
# table -> {column -> (referenced table, its key column, rule name, Chinese noun)}: the
# references only some tables check (a finding names an accident of the accidents table;
# cases.accident_id is not checked).
_TABLE_REFERENCES: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "responsibility_findings": {
        "accident_id": ("accidents", "accident_id", "unknown_accident", "事故编号"),
    },
}


# --- dataframely schemas ------------------------------------------------------------------


def _dy_column(spec: TableSpec, col: Column) -> dy.Column:
    meta = {"label": col.label, "aliases": list(col.aliases)}
    nullable = col.nullable and col.name not in spec.key
    kw: dict[str, object] = {"nullable": nullable, "metadata": meta}
    if col.name in spec.key:
        kw["primary_key"] = True
        kw.pop("nullable")
    checks: dict[str, object] = {}
    if col.name in ("region_code", "parent_code"):
        checks["region_code_shape"] = division_code_ok
    if spec.name == "enterprises" and col.name == "enterprise_id":
        checks["uscc_shape"] = uscc_shape_ok
    if checks:
        kw["check"] = checks
    dtype = col.dtype
    if col.non_negative:
        kw["min"] = 0
    if dtype == pl.String():
        return dy.String(**kw)
    if dtype == pl.Int64():
        return dy.Int64(**kw)
    if dtype == pl.Int32():
        return dy.Int32(**kw)
    if dtype == pl.Float64():
        return dy.Float64(**kw)
    if dtype == pl.Boolean():
        return dy.Bool(**kw)
    if dtype == pl.Date():
        return dy.Date(**kw)
    if isinstance(dtype, pl.Enum):
        return dy.Enum(list(dtype.categories), **kw)
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Enum):
        return dy.List(dy.Enum(list(dtype.inner.categories)), **kw)
    raise TypeError(
        f"no dataframely column for {spec.name}.{col.name}: {dtype}"
    )  # pragma: no cover


# table -> (rule, the later date column, the earlier one, message): the later may be
# empty, never before the earlier.
_DATE_ORDER: dict[str, tuple[str, str, str, str]] = {
    "officials": (
        "end_before_start", "end_on", "start_on",
        "任职结束日期早于开始日期 (end_on before start_on)",
    ),
    "credit_listings": (
        "removed_before_listed", "removed_on", "listed_on",
        "移出日期早于列入日期 (removed_on before listed_on)",
    ),
    "summons_history": (
        "rectified_before_summoned", "rectified_on", "summoned_on",
        "整改完成日期早于约谈日期 (rectified_on before summoned_on)",
    ),
}  # fmt: skip


# table -> {rule: (column, the condition every row must meet, message)}: rules across
# the columns of one row; a row failing one is rejected under the rule's name.
_ROW_RULES: dict[str, dict[str, tuple[str, Callable[[], pl.Expr], str]]] = {
    "targets": {
        "negative_absolute_limit": (
            "limit",
            lambda: (
                ~(
                    (pl.col("limit") < 0)
                    & (pl.col("limit_kind").cast(pl.String).fill_null("absolute") == "absolute")
                ).fill_null(False)
            ),
            "为负数：只有控制指标类型(limit_kind)为 decline_pct（较基准年变化的百分比，"
            "−5 即下降 5%）时才可为负 (a negative limit needs limit_kind = decline_pct)",
        ),
        "baseline_year_missing": (
            "baseline_year",
            lambda: (
                ~(
                    (pl.col("limit_kind").cast(pl.String) == "decline_pct")
                    & pl.col("baseline_year").is_null()
                ).fill_null(False)
            ),
            "为空：控制指标类型为 decline_pct（较基准年变化的百分比）时须填写基准年度 "
            "(limit_kind = decline_pct needs a baseline_year)",
        ),
    },
}


def _not_before(later: str, earlier: str) -> Callable[[object], pl.Expr]:
    def rule(cls: object) -> pl.Expr:
        end, start = pl.col(later), pl.col(earlier)
        return end.is_null() | start.is_null() | (end >= start)

    return rule


def _build_schema(spec: TableSpec) -> type[dy.Schema]:
    namespace: dict[str, object] = {c.name: _dy_column(spec, c) for c in spec.columns}
    if spec.name in _DATE_ORDER:
        rule, later, earlier, _ = _DATE_ORDER[spec.name]
        namespace[rule] = dy.rule()(_not_before(later, earlier))
    for rule, (_column, ok, _message) in _ROW_RULES.get(spec.name, {}).items():
        namespace[rule] = dy.rule()(lambda cls, ok=ok: ok())
    class_name = "".join(part.title() for part in spec.name.split("_")) + "Schema"
    namespace["__doc__"] = (
        f"{spec.label} ({spec.name}): dataframely schema built from columns.TABLES."
    )
    return type(class_name, (dy.Schema,), namespace)


SCHEMAS: dict[str, type[dy.Schema]] = {name: _build_schema(spec) for name, spec in TABLES.items()}

# Each schema plus the row's source, number and identity, so that dataframely's
# per-rule failures can be reported by row.
_CHECKED: dict[str, type[dy.Schema]] = {
    name: type(
        s.__name__ + "WithRow",
        (s,),
        {_ROW: dy.Int64(), _SRC: dy.String(nullable=True), _RID: dy.Int64()},
    )
    for name, s in SCHEMAS.items()
}


def schema(name: str) -> type[dy.Schema]:
    """The dataframely schema of an input table.

    >>> schema("accidents").columns()["deaths"].metadata["label"]
    '死亡人数'
    """
    try:
        return SCHEMAS[name]
    except KeyError:
        raise DatasetError(
            f"未知的数据表 {name!r} (unknown table; known: {', '.join(TABLES)})"
        ) from None


# --- parsing ------------------------------------------------------------------------------

_TRUE = ("true", "t", "1", "1.0", "是", "y", "yes", "对", "√")
_FALSE = ("false", "f", "0", "0.0", "否", "n", "no", "×")
_BOOL_MAP = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
_LIST_SEPARATORS = r"[;；、,，]"


def _type_name(dtype: pl.DataType) -> str:
    if dtype == pl.Date():
        return "日期 (如 2024-03-05、2024/3/5、2024年3月5日)"
    if dtype == pl.Boolean():
        return "是/否 (或 true/false、1/0、√/×、Y/N)"
    if dtype in (pl.Int64(), pl.Int32()):
        return "整数"
    if dtype == pl.Float64():
        return "数值"
    if isinstance(dtype, pl.Enum):
        return "以下之一: " + "、".join(dtype.categories)
    if isinstance(dtype, pl.List):
        return "以分号分隔的: " + "、".join(dtype.inner.categories)  # type: ignore[union-attr]
    return "文本"


def _clean_str(expr: pl.Expr) -> pl.Expr:
    s = expr.str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def _normalizes(col: Column) -> bool:
    """Whether a text cell is NFKC-normalised before parsing: every column but
    free text (names, departments, work items, reasons, bases), so that full-width
    digits and letters ("４３０９０３", "ＳＧ００１") read as codes and numbers."""
    if col.dtype != pl.String():
        return True
    return col.name.endswith(("_id", "_code"))


_INVISIBLE = f"[{INVISIBLE_CHARACTERS}]"
_INVISIBLE_NAMES = (
    "零宽空格 U+200B、U+200C/U+200D、U+2060、BOM U+FEFF、不换行空格 U+00A0、软连字符 U+00AD"
)

# Numbers written with a comma.  Thousands: 1,234 / 1,234,567.8 (every group three
# digits).  A decimal comma (semicolon- and tab-separated files only): 1234,5 / 1.234,5.
_THOUSANDS = r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$"
_ONE_GROUP = r"^[-+]?\d{1,3},\d{3}$"
_DECIMAL_COMMA = r"^[-+]?\d+,\d+$"
_DOTTED_DECIMAL_COMMA = r"^[-+]?\d{1,3}(\.\d{3})+,\d+$"


def _nfkc(expr: pl.Expr, *, invisible: bool = False) -> pl.Expr:
    """NFKC, then Excel's text markers dropped: `="430902"` (how many systems
    export codes to CSV so that Excel keeps leading zeros) and a leading `'`.
    With `invisible`, zero-width and no-break characters are removed first."""
    if invisible:
        expr = expr.str.replace_all(_INVISIBLE, "")
    s = expr.str.normalize("NFKC").str.strip_chars()
    s = s.str.replace(r'^="(.*)"$', "${1}").str.replace(r"^'", "")
    return _clean_str(s)


def _to_string(expr: pl.Expr, src: pl.DataType) -> pl.Expr:
    """The cell as text, for the `value` column of rejected rows and for parsing."""
    if src == pl.String():
        return _clean_str(expr)
    if isinstance(src, pl.List):
        return expr.cast(pl.List(pl.String())).list.join(";")
    if src == pl.Null():
        return expr.cast(pl.String())
    if src.is_float():
        # 3.0 -> "3" so that integer and code columns read from Excel parse.
        is_whole = expr.is_finite() & (expr == expr.floor()) & (expr.abs() < 1e15)
        return (
            pl.when(is_whole)
            .then(expr.cast(pl.Int64).cast(pl.String()))
            .otherwise(expr.cast(pl.String()))
        )
    return expr.cast(pl.String())


def _number_text(text: pl.Expr, *, decimal_comma: bool) -> pl.Expr:
    """Number text without its commas, null where a comma makes it ambiguous.

    Thousands separators (1,234,567.8) are dropped.  With `decimal_comma` (a
    semicolon- or tab-separated file) a comma that cannot be a thousands separator is
    a decimal point (1234,5 and 1.234,5 → 1234.5) and one group of three digits
    (1,234: 1234 or 1.234?) is ambiguous; otherwise any other comma is ambiguous."""
    has_comma = text.str.contains(",", literal=True)
    thousands = text.str.contains(_THOUSANDS)
    if not decimal_comma:
        return (
            pl.when(~has_comma)
            .then(text)
            .when(thousands)
            .then(text.str.replace_all(",", "", literal=True))
        )
    return (
        pl.when(~has_comma)
        .then(text)
        .when(text.str.contains(_ONE_GROUP))
        .then(None)
        .when(thousands)
        .then(text.str.replace_all(",", "", literal=True))
        .when(text.str.contains(_DECIMAL_COMMA))
        .then(text.str.replace(",", ".", literal=True))
        .when(text.str.contains(_DOTTED_DECIMAL_COMMA))
        .then(text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
    )


# A text cell that needs more than reading as it is: empty or padded with white space,
# an Excel text marker (`="…"`, a leading `'`), or any character outside ASCII
# (full-width digits, invisible characters) that NFKC may change.
_NEEDS_CLEANING = r"""^$|^\s|\s$|^="|^'|[^\x00-\x7f]"""


@attrs.frozen
class _TextFlags:
    """What one scan of a text column found: whether any cell needs cleaning
    (`_NEEDS_CLEANING`), holds invisible characters, commas, or lower-case letters."""

    cleaning: bool = True
    invisible: bool = False
    commas: bool = False
    lower: bool = True


def _text_flags(
    frame: pl.DataFrame,
    columns: Sequence[Column],
    *,
    invisible: bool,
    distinct: Mapping[str, pl.Series] | None = None,
) -> dict[str, _TextFlags]:
    """The `_TextFlags` of every text column of `frame` among `columns`, so that a
    clean column is read as it is: one pass over the frame, and a second over the
    columns holding non-ASCII text when `invisible` (the only ones that can hold an
    invisible character).  A column in `distinct` (its distinct cells) is judged on
    those: whether any cell has a property is whether any distinct cell has it."""
    distinct = distinct or {}
    by_name = {col.name: col for col in columns}
    found: dict[str, _TextFlags] = {}
    for name, cells in distinct.items():
        found |= _text_flags(cells.to_frame(name), [by_name[name]], invisible=invisible)
    exprs: list[pl.Expr] = []
    texts: list[str] = []
    for col in columns:
        if col.name not in frame.columns or frame.schema[col.name] != pl.String():
            continue
        if col.name in distinct:
            continue
        c = pl.col(col.name)
        text = _normalizes(col)
        if invisible and text:
            texts.append(col.name)
        numeric = text and col.dtype in (pl.Int64(), pl.Int32(), pl.Float64())
        exprs += [
            c.str.contains(_NEEDS_CLEANING).any().alias(f"{col.name}|cleaning"),
            (c.str.len_bytes() != c.str.len_chars()).any().alias(f"{col.name}|non_ascii"),
            (c.str.contains("[,，]").any() if numeric else pl.lit(False)).alias(
                f"{col.name}|commas"
            ),
            (c.str.contains("[a-z]").any() if col.name == "enterprise_id" else pl.lit(False)).alias(
                f"{col.name}|lower"
            ),
        ]
    if not exprs:
        return found
    scanned = frame.select(exprs).row(0, named=True)
    unusual = [name for name in texts if scanned[f"{name}|non_ascii"]]
    hidden = (
        frame.select(pl.col(name).str.contains(_INVISIBLE).any() for name in unusual).row(
            0, named=True
        )
        if unusual
        else {}
    )
    names = {key.split("|")[0] for key in scanned}
    return found | {
        name: _TextFlags(
            cleaning=bool(scanned[f"{name}|cleaning"]),
            invisible=bool(hidden.get(name, False)),
            commas=bool(scanned[f"{name}|commas"]),
            lower=bool(scanned[f"{name}|lower"]),
        )
        for name in names
    }


# A text column is parsed once per distinct cell when it has at most one distinct
# cell in _DISTINCT_SHARE rows (dates, sectors, yes/no, region codes); judged on the
# first _DISTINCT_SAMPLE rows so that a column of ids is not hashed twice.
_DISTINCT_SHARE = 4
_DISTINCT_SAMPLE = 20_000


def _distinct_cells(frame: pl.DataFrame, name: str) -> pl.Series | None:
    """The distinct cells of text column `name`, where the column repeats its cells
    enough for reading each distinct cell once to pay; else None."""
    if frame.height < _DISTINCT_SAMPLE or frame.schema[name] != pl.String():
        return None
    column = frame.get_column(name)
    if column.head(_DISTINCT_SAMPLE).n_unique() * _DISTINCT_SHARE > _DISTINCT_SAMPLE:
        return None
    cells = column.unique()
    return None if cells.len() * _DISTINCT_SHARE > frame.height else cells


def _by_distinct_cells(name: str, cells: pl.Series, value: pl.Expr) -> pl.Expr:
    """`value` (an expression of the cell of `name` alone) evaluated once per
    distinct cell and mapped back: the same result as `value` itself."""
    parsed = cells.to_frame(name).select(value).to_series()
    return pl.col(name).replace_strict(cells, parsed, return_dtype=parsed.dtype)


def _parse(
    name: str,
    col: Column,
    src: pl.DataType,
    *,
    excel_serial: bool,
    flags: _TextFlags = _TextFlags(),
    decimal_comma: bool = False,
) -> tuple[pl.Expr, pl.Expr]:
    """(parsed value, raw) expressions for one column of any source dtype.

    The raw value keeps the source's dtype (`_Work.raw_text` writes it as text, for
    the failing rows only): a typed column is validated in its type, never through
    text.  `flags` say what one scan of a text column found; a column without
    padding, markers or non-ASCII characters is parsed as it is."""
    target = col.dtype
    c = pl.col(name)
    if src == pl.String():
        raw = _clean_str(c) if flags.cleaning else c
        if _normalizes(col):
            # Parse the normalised text; `raw` keeps the cell as written for messages.
            if flags.cleaning or flags.invisible:
                c = _nfkc(c, invisible=flags.invisible)
            if col.name == "enterprise_id" and flags.lower:  # GB 32100 letters are upper case
                c = c.str.to_uppercase()
            src_text = c
        else:
            src_text = raw
    else:
        raw = c
        src_text = _to_string(c, src)
    commas = flags.commas
    if src == target:
        value = c
        if target == pl.String():
            value = c if _normalizes(col) else raw
        return value, raw
    if target == pl.String():
        return src_text, raw
    if target in (pl.Int64(), pl.Int32()):
        if src.is_integer():
            value = c.cast(target, strict=False)
        elif src.is_float():
            value = pl.when(c == c.floor()).then(c).cast(target, strict=False)
        else:
            text = _number_text(src_text, decimal_comma=decimal_comma) if commas else src_text
            as_float = text.cast(pl.Float64, strict=False)
            value = pl.coalesce(
                text.cast(target, strict=False),
                pl.when(as_float == as_float.floor()).then(as_float).cast(target, strict=False),
            )
        return value, raw
    if target == pl.Float64():
        if src.is_numeric():
            return c.cast(pl.Float64), raw
        text = _number_text(src_text, decimal_comma=decimal_comma) if commas else src_text
        return text.cast(pl.Float64, strict=False), raw
    if target == pl.Boolean():
        if src.is_numeric():
            value = pl.when(c == 1).then(True).when(c == 0).then(False)
        else:
            value = src_text.str.to_lowercase().replace_strict(
                _BOOL_MAP, default=None, return_dtype=pl.Boolean
            )
        return value, raw
    if target == pl.Date():
        if isinstance(src, pl.Datetime):
            return c.dt.date(), raw
        return parse_date_expr(src_text, excel_serial=excel_serial), raw
    if isinstance(target, pl.Enum):
        cats = list(target.categories)
        return pl.when(src_text.is_in(cats)).then(src_text).cast(target), raw
    if isinstance(target, pl.List):
        cats = list(target.inner.categories)  # type: ignore[union-attr]
        if isinstance(src, pl.List):
            items = c.cast(pl.List(pl.String()))
        else:
            items = src_text.str.replace_all(_LIST_SEPARATORS, ";").str.split(";")
        items = items.list.eval(pl.element().str.strip_chars()).list.eval(
            pl.element().filter(pl.element() != "")
        )
        all_known = items.list.eval(pl.element().is_in(cats)).list.all()
        value = pl.when(all_known).then(items).cast(target, strict=False)
        return value, raw
    raise TypeError(f"cannot parse {name} to {target}")  # pragma: no cover


# --- validation ---------------------------------------------------------------------------


def _reject_rows(
    work: _Work,
    frame: pl.LazyFrame,
    fail: pl.Expr,
    column: str,
    rule: str | pl.Expr,
    message: str | pl.Expr,
    value: pl.Expr | None = None,
) -> pl.LazyFrame:
    """One issue row per row of `frame` where `fail` holds.  `rule`, `message` and
    `value` (default: the cell of `column` as read) may be expressions: they are
    evaluated on the failing rows only."""
    val = value if value is not None else work.raw_text(column)
    return frame.filter(fail).select(
        pl.lit(work.table).alias("table"),
        pl.col(_SRC).cast(pl.String).alias("source"),
        pl.col(_ROW).cast(pl.Int64).alias("row"),
        pl.lit(column).alias("column"),
        (rule if isinstance(rule, pl.Expr) else pl.lit(rule)).cast(pl.String).alias("rule"),
        (message if isinstance(message, pl.Expr) else pl.lit(message))
        .cast(pl.String)
        .alias("message"),
        val.cast(pl.String).alias("value"),
        pl.col(_RID).cast(pl.Int64).alias(_RID),
    )


def table_note(
    table: str | None,
    column: str | None,
    rule: str,
    message: str,
    value: str | None = None,
    row: int | None = 0,
    source: str | None = None,
) -> pl.LazyFrame:
    """A warning about a table or a file as a whole (row 0 or None)."""
    return pl.LazyFrame(
        {
            "table": [table],
            "source": [source],
            "row": [row],
            "column": [column],
            "rule": [rule],
            "message": [message],
            "value": [value],
            _RID: [None],
        },
        schema=_ISSUE_SCHEMA,
    )


_DY_RULES = {
    "nullability": ("not_null", "必填项为空 (required value is empty)"),
    "min": ("non_negative", "不能为负数 (must not be negative)"),
    "check__region_code_shape": (
        "region_code_shape",
        "不是有效的6位行政区划代码 GB/T 2260 (not a 6-digit division code)",
    ),
    "check__uscc_shape": (
        "uscc_shape",
        "不是18位统一社会信用代码 GB 32100 (not an 18-character credit code)",
    ),
    "inner_nullability": ("type", "列表中有空值 (empty item in list)"),
}


class _Work:
    """One table being validated: the wide frame (parsed values, raw text, row
    number, source, row identity) and the rejected / warning parts found so far."""

    def __init__(
        self,
        table: str,
        wide: pl.DataFrame,
        *,
        raw_types: Mapping[str, pl.DataType],
        decimal_comma: bool = False,
        comma_columns: frozenset[str] = frozenset(),
    ) -> None:
        self.table = table
        self.spec = TABLES[table]
        self.wide = wide
        # The dtype of each column as read: `__raw_<column>` holds the cell in it.
        self.raw_types = dict(raw_types)
        # How commas in numbers were read (for the ambiguous_number rule).
        self.decimal_comma = decimal_comma
        self.comma_columns = comma_columns
        self.rejects: list[pl.LazyFrame] = []
        self.warnings: list[pl.LazyFrame] = []
        self._rejected_rows: pl.Series | None = None
        self._keys: dict[tuple[str, bool, int | None], pl.Series] = {}

    def rejected_rows(self) -> pl.Series:
        """The row identities (_RID) rejected so far."""
        if self._rejected_rows is None:
            _collect_rejects([self])
        assert self._rejected_rows is not None
        return self._rejected_rows

    def raw_text(self, column: str, name: str | None = None) -> pl.Expr:
        """The cell of `column` as read, as text (`name`: the frame's column holding
        it, default `__raw_<column>`).  Evaluated where it is shown, on the rows that
        fail, so a typed column is never written as text for the rows that pass."""
        raw = pl.col(name or f"__raw_{column}")
        dtype = self.raw_types.get(column, pl.String())
        return raw if dtype == pl.String() else _to_string(raw, dtype)

    def add_rejects(self, part: pl.LazyFrame) -> None:
        self.rejects.append(part)
        self._rejected_rows = None

    def kept_wide(self) -> pl.DataFrame:
        rejected = self.rejected_rows()
        if rejected.is_empty():
            return self.wide
        return self.wide.filter(~pl.col(_RID).is_in(rejected.implode()))

    def keys(self, column: str, *, kept: bool) -> pl.Series:
        """The distinct non-null values of `column` in every row read, or in the rows
        kept so far; asked once per referencing table, computed once."""
        cache_key = (column, kept, None if not kept else self.rejected_rows().len())
        if cache_key not in self._keys:
            frame = self.kept_wide() if kept else self.wide
            self._keys[cache_key] = frame.get_column(column).drop_nulls().unique()
        return self._keys[cache_key]


def _collect_rejects(works: Sequence[_Work]) -> None:
    """Run the rejection checks found so far of every table in `works` in one
    parallel pass, and keep their result, so that no check runs twice."""
    pending = [w for w in works if w._rejected_rows is None]
    frames = pl.collect_all(
        [
            pl.concat(w.rejects) if w.rejects else pl.LazyFrame(schema=_ISSUE_SCHEMA)
            for w in pending
        ],
        engine=ENGINE,
    )
    for work, frame in zip(pending, frames, strict=True):
        work.rejects = [frame.lazy()]
        work._rejected_rows = frame.get_column(_RID).unique()


def _column_note(
    frame: pl.DataFrame,
    table: str,
    col: Column,
    hit: pl.Expr,
    row_number: pl.Expr,
    rule: str,
    message: str,
    source: str | None,
) -> pl.LazyFrame:
    """One warning for a column: how many cells `hit` and the first of them.
    `message` is "中文 (English)": the count goes before the English."""
    zh, en = message.rsplit(" (", 1)
    hits = (
        frame.with_columns(row_number.alias("__row"))
        .filter(hit)
        .select(pl.col("__row").alias("row"), pl.col(col.name).alias("value"))
    )
    first = hits.row(0, named=True)
    return table_note(
        table,
        col.name,
        rule,
        f"{col.label}({col.name}) {zh}，共 {hits.height} 处，首见第 {first['row']} 行 ({en}",
        None if first["value"] is None else ascii(first["value"])[1:-1],
        row=None,
        source=source,
    )


def _prepare(
    table: str,
    frame: pl.DataFrame,
    *,
    source: str,
    source_name: str | None,
    excel_serial: bool,
    warnings: list[pl.LazyFrame],
    decimal_comma: bool = False,
    invisible: bool = True,
    row_offset: int = 1,
) -> _Work:
    """Rename headers, check required columns, add defaults, parse every column.

    `source` names the file in errors; `source_name` fills the `source` column
    (unless the frame has a SOURCE column, rows of several sheets).  `invisible`:
    whether cells may hold invisible characters (a CSV known to hold none: False).
    `decimal_comma`: a semicolon- or tab-separated file."""
    spec = TABLES[table]
    headers = [h for h in frame.columns if h not in (SOURCE_ROW, SOURCE)]
    mapping, unknown = resolve_headers(table, headers, source=source)
    for header in unknown:
        warnings.append(
            table_note(
                table,
                header,
                "unknown_column",
                f"未知列 {header!r} 已忽略 (unknown column ignored)",
                header,
                source=source_name,
            )
        )
    missing = [c for c in spec.columns if c.required and c.name not in mapping.values()]
    if missing:
        names = "；".join(f"{c.name} ({'/'.join((c.label, *c.aliases))})" for c in missing)
        found = headers
        shown = "、".join(repr(h) for h in found[:12]) + (" …" if len(found) > 12 else "")
        raise DatasetError(
            f"{source}: 缺少必需的列 {names} (missing required column)；"
            f"表头行中的列为: {shown or '无'}"
        )
    if SOURCE_ROW in frame.columns:
        row_number = pl.col(SOURCE_ROW).cast(pl.Int64)
    else:
        row_number = pl.int_range(pl.len(), dtype=pl.Int64) + row_offset
    src = pl.col(SOURCE) if SOURCE in frame.columns else pl.lit(source_name, dtype=pl.String)
    extra = [c for c in (SOURCE_ROW, SOURCE) if c in frame.columns]
    frame = frame.select(*mapping, *extra).rename(mapping)
    exprs: list[pl.Expr] = [
        row_number.alias(_ROW),
        src.alias(_SRC),
        pl.int_range(pl.len(), dtype=pl.Int64).alias(_RID),
    ]
    comma_columns: set[str] = set()
    raw_types: dict[str, pl.DataType] = {}
    # A column repeating its cells is parsed and checked once per distinct cell
    # (dates, sectors, yes/no, codes); lists are parsed per cell (replace_strict
    # takes no list values).
    distinct = {
        col.name: cells
        for col in spec.columns
        if col.name in frame.columns
        and not isinstance(col.dtype, pl.List)
        and (cells := _distinct_cells(frame, col.name)) is not None
    }
    # Checked on the data in one pass, so that a clean column is read as it is.
    all_flags = _text_flags(frame, spec.columns, invisible=invisible, distinct=distinct)
    for col in spec.columns:
        if col.name not in frame.columns:
            default = pl.lit(col.default, dtype=col.dtype)
            exprs += [default.alias(col.name), pl.lit(None, pl.String).alias(f"__raw_{col.name}")]
            raw_types[col.name] = pl.String()
            continue
        dtype = frame.schema[col.name]
        raw_types[col.name] = dtype
        flags = all_flags.get(col.name, _TextFlags())
        has_invisible, commas = flags.invisible, flags.commas
        value, raw = _parse(
            col.name,
            col,
            dtype,
            excel_serial=excel_serial,
            flags=flags,
            decimal_comma=decimal_comma,
        )
        if col.name in distinct and (col.dtype != pl.String() or flags.cleaning):
            value = _by_distinct_cells(col.name, distinct[col.name], value)
        if col.default is not None:
            # an empty cell takes the default; a cell that does not parse stays null and
            # is rejected (`type` / `enum`), never read as the default
            default = pl.lit(col.default, dtype=col.dtype)
            value = pl.when(raw.is_null()).then(default).otherwise(value)
        exprs += [value.alias(col.name), raw.alias(f"__raw_{col.name}")]
        if has_invisible:
            warnings.append(
                _column_note(
                    frame,
                    table,
                    col,
                    pl.col(col.name).str.contains(_INVISIBLE),
                    row_number,
                    "invisible_characters",
                    f"中的不可见字符 ({_INVISIBLE_NAMES}) 已删除 (invisible characters removed)",
                    source_name,
                )
            )
        if commas:
            comma_columns.add(col.name)
            cell = _nfkc(pl.col(col.name))
            decimal = (
                cell.str.contains(_DECIMAL_COMMA) | cell.str.contains(_DOTTED_DECIMAL_COMMA)
            ) & ~cell.str.contains(_ONE_GROUP)
            if decimal_comma and frame.select(decimal.any()).item():
                warnings.append(
                    _column_note(
                        frame,
                        table,
                        col,
                        decimal,
                        row_number,
                        "decimal_comma",
                        "中的逗号按小数点读取 (分号或制表符分隔的文件，如 1234,5 = 1234.5) "
                        "(decimal comma read as a decimal point)",
                        source_name,
                    )
                )
    try:
        wide = frame.select(exprs)
        wide = wide.with_columns(pl.col(c.name).cast(c.dtype) for c in spec.columns)
    except pl.exceptions.PolarsError as exc:
        raise DatasetError(
            f"{source}: 无法解析 ({exc.__class__.__name__}: {exc}) (cannot parse the table)"
        ) from None
    return _Work(
        table,
        wide,
        raw_types=raw_types,
        decimal_comma=decimal_comma,
        comma_columns=frozenset(comma_columns),
    )


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _duplicates(work: _Work, dups: pl.DataFrame) -> pl.DataFrame:
    """Issues for rows sharing a key (`dups`: every row of every duplicated key).

    A key whose rows differ in any column: every row is rejected as
    `conflicting_duplicate`, the message naming all of them (which one is right
    cannot be told, and keeping the first would let row order decide).  A key whose
    rows are all the same: the first is kept, the copies are `identical_duplicate`."""
    spec = work.spec
    keys = list(spec.key)
    label = "、".join(spec.column(k).label for k in keys)
    column = keys[-1] if len(keys) == 1 else ",".join(keys)
    multi_source = pl.col(_SRC).n_unique().over(keys) > 1
    place = formatted(
        "{}第 {} 行",
        pl.when(multi_source).then(pl.col(_SRC) + " ").otherwise(pl.lit("")),
        pl.col(_ROW),
    )
    groups = (
        dups.with_columns(place.alias("__place"))
        .group_by(keys)
        .agg(
            pl.struct(list(spec.column_names)).n_unique().alias("__variants"),
            pl.col("__place").sort_by(_RID).str.join("、").alias("__places"),
            pl.col("__place").sort_by(_RID).first().alias("__first"),
            pl.col(_RID).min().alias("__first_rid"),
        )
    )
    marked = dups.join(groups, on=keys, how="left", nulls_equal=True)
    conflicting = pl.col("__variants") > 1
    key_text = pl.concat_str([work.raw_text(k).fill_null("") for k in keys], separator="|")
    return (
        marked.lazy()
        .filter(conflicting | (pl.col(_RID) != pl.col("__first_rid")))
        .select(
            pl.lit(work.table).alias("table"),
            pl.col(_SRC).cast(pl.String).alias("source"),
            pl.col(_ROW).cast(pl.Int64).alias("row"),
            pl.lit(column).alias("column"),
            pl.when(conflicting)
            .then(pl.lit("conflicting_duplicate"))
            .otherwise(pl.lit("identical_duplicate"))
            .alias("rule"),
            pl.when(conflicting)
            .then(
                formatted(
                    "主键({})重复且内容不同：{}，全部拒收 "
                    "(conflicting duplicate key: every row rejected)",
                    pl.lit(label),
                    pl.col("__places"),
                )
            )
            .otherwise(
                formatted(
                    "主键({})重复，与{}完全相同，本行未采用 (identical duplicate of a kept row)",
                    pl.lit(label),
                    pl.col("__first"),
                )
            )
            .alias("message"),
            key_text.alias("value"),
            pl.col(_RID).cast(pl.Int64),
        )
        .collect(engine=ENGINE)
    )


def _date_checks(
    work: _Work, *, as_of: dt.date, window: tuple[dt.date, dt.date]
) -> list[pl.LazyFrame]:
    """Dates that parse but cannot be right.  Event dates: after as_of
    (`future_date`), or outside `window` (`date_out_of_window`); other dates
    (deadlines, tenures): before DATE_FLOOR or more than DEADLINE_YEARS after as_of.
    A two-digit year (24-10-5 reads as year 24) is `two_digit_year`."""
    spec, lf = work.spec, work.wide.lazy()
    parts: list[pl.LazyFrame] = []
    for col in spec.columns:
        if col.dtype != pl.Date():
            continue
        value = pl.col(col.name)
        if col.event_date:
            parts.append(
                _reject_rows(
                    work,
                    lf,
                    value > pl.lit(as_of),
                    col.name,
                    "future_date",
                    f"{col.label}({col.name}) 晚于数据截止日 {as_of.isoformat()} "
                    "(date after as_of)",
                )
            )
            low, high = window[0], min(window[1], as_of)
            outside = (value < pl.lit(low)) | ((value > pl.lit(high)) & (value <= pl.lit(as_of)))
        else:
            low, high = DATE_FLOOR, _years_after(as_of, DEADLINE_YEARS)
            outside = (value < pl.lit(low)) | (value > pl.lit(high))
        two_digits = _nfkc(work.raw_text(col.name)).str.contains(r"^\d{1,2}[-/.年]")
        parts.append(
            _reject_rows(
                work,
                lf,
                outside,
                col.name,
                pl.when(two_digits)
                .then(pl.lit("two_digit_year"))
                .otherwise(pl.lit("date_out_of_window")),
                pl.when(two_digits)
                .then(
                    pl.lit(
                        f"{col.label}({col.name}) 年份只有两位，无法确定世纪，请写四位年份 "
                        "(two-digit year)"
                    )
                )
                .otherwise(
                    pl.lit(
                        f"{col.label}({col.name}) 不在合理日期范围 {low.isoformat()} 至 "
                        f"{high.isoformat()} 内 (date outside the plausible window)"
                    )
                ),
            )
        )
    return parts


def _number_checks(work: _Work) -> list[pl.LazyFrame]:
    """Numbers that parse but cannot be right: not finite (inf, NaN) or outside the
    column's NUMBER_BOUNDS (`out_of_range`).  A negative count is `non_negative`'s."""
    spec, lf = work.spec, work.wide.lazy()
    parts: list[pl.LazyFrame] = []
    for col in spec.columns:
        if not col.dtype.is_numeric():
            continue
        low, high = NUMBER_BOUNDS.get(col.name, _ANY_NUMBER)
        x = pl.col(col.name).cast(pl.Float64)
        bad = ~x.is_finite() | (x > high)
        if not (col.non_negative and low == 0):
            bad = bad | (x < low)
        parts.append(
            _reject_rows(
                work,
                lf,
                x.is_not_null() & bad,
                col.name,
                "out_of_range",
                f"{col.label}({col.name}) 超出合理范围 {low:.0f} 至 {high:.0f} 或不是有限数 "
                "(out of range)",
            )
        )
    return parts


def _local_checks(
    work: _Work, *, as_of: dt.date, strict_codes: bool, window: tuple[dt.date, dt.date]
) -> None:
    """Per-table rules: types, duplicate keys, dataframely schema rules, dates and
    numbers out of range, credit-code check characters."""
    table, spec, lf = work.table, work.spec, work.wide.lazy()
    type_bad: list[pl.LazyFrame] = []
    for col in spec.columns:
        raw, value = work.raw_text(col.name), pl.col(col.name)
        is_enum = isinstance(col.dtype, pl.Enum | pl.List)
        rule: str | pl.Expr = "enum" if is_enum else "type"
        # The cell as read is null exactly where its text is: no text is made here.
        bad = pl.col(f"__raw_{col.name}").is_not_null() & value.is_null()
        message: str | pl.Expr = f"{col.label}({col.name}) 应为{_type_name(col.dtype)}"
        if col.name in work.comma_columns:
            text = _nfkc(raw)
            ambiguous = (
                text.str.contains(",", literal=True)
                & _number_text(text, decimal_comma=work.decimal_comma).is_null()
            )
            rule = pl.when(ambiguous).then(pl.lit("ambiguous_number")).otherwise(pl.lit(rule))
            message = (
                pl.when(ambiguous)
                .then(
                    pl.lit(
                        f"{col.label}({col.name}) 中的逗号无法判断是千位分隔符还是小数点，"
                        "请写作 1234.5 或 1234 (ambiguous number: thousands separator or "
                        "decimal comma)"
                    )
                )
                .otherwise(pl.lit(message))
            )
        type_bad.append(_reject_rows(work, lf, bad, col.name, rule, message))
    type_part = pl.concat(type_bad)
    work.add_rejects(type_part)

    # Duplicate keys: never does row order decide which row counts.
    lf_unique = lf
    if spec.key:
        key_ok = pl.all_horizontal(pl.col(k).is_not_null() for k in spec.key)
        dups = lf.filter(key_ok & pl.struct(list(spec.key)).is_duplicated()).collect(engine=ENGINE)
        if dups.height:
            part = _duplicates(work, dups)
            work.add_rejects(part.lazy())
            lf_unique = lf.filter(~pl.col(_RID).is_in(part[_RID].implode()))

    # dataframely rules: nullability, minimum, code shapes, schema-level rules.
    checked = _CHECKED[table]
    details = checked.filter(
        lf_unique.select(checked.column_names()).collect(engine=ENGINE), engine=ENGINE
    ).failure.details()
    rule_cols = [c for c in details.columns if c not in checked.column_names()]
    parts: list[pl.LazyFrame] = []
    raw_lookup = work.wide.lazy().select(_RID, *[f"__raw_{c.name}" for c in spec.columns])
    failed = details.lazy().join(raw_lookup, on=_RID, how="left")
    for rule_col in rule_cols:
        if "|" in rule_col:
            column, dy_rule = rule_col.split("|", 1)
        elif table in _DATE_ORDER and rule_col == _DATE_ORDER[table][0]:
            column, dy_rule = _DATE_ORDER[table][1], rule_col
        elif rule_col in _ROW_RULES.get(table, {}):
            column, dy_rule = _ROW_RULES[table][rule_col][0], rule_col
        else:
            column, dy_rule = spec.key[0] if spec.key else "", rule_col
        if column in (_ROW, _RID, _SRC) or dy_rule in ("primary_key", "nan", "inf"):
            # Duplicate keys were rejected above; dataframely's primary key rule
            # only adds rows whose key is empty, already rejected as not_null.
            # NaN and infinities are out_of_range (_number_checks).
            continue
        dy_name, dy_message = _DY_RULES.get(dy_rule, (dy_rule, dy_rule))
        if table in _DATE_ORDER and dy_rule == _DATE_ORDER[table][0]:
            dy_name, dy_message = dy_rule, _DATE_ORDER[table][3]
        if dy_rule in _ROW_RULES.get(table, {}):
            dy_name, dy_message = dy_rule, _ROW_RULES[table][dy_rule][2]
        label = spec.column(column).label if column in spec.column_names else ""
        raw_name = f"__raw_{column}" if column in spec.column_names else None
        parts.append(
            _reject_rows(
                work,
                failed,
                pl.col(rule_col) == "invalid",
                column,
                dy_name,
                f"{label}({column}) {dy_message}" if label else dy_message,
                work.raw_text(column, raw_name) if raw_name else pl.lit(None, pl.String),
            )
        )
    if parts:
        # A cell that failed to parse is reported once (as a type error), not again
        # as an empty required value.
        dy_part = pl.concat(parts).join(
            type_part.select(_RID, "column"), on=[_RID, "column"], how="anti"
        )
        work.add_rejects(dy_part)

    for part in (*_date_checks(work, as_of=as_of, window=window), *_number_checks(work)):
        work.add_rejects(part)

    # Credit code check character: a warning by default, a rejection when strict.
    if table == "enterprises":
        eid = pl.col("enterprise_id")
        bad_check = uscc_shape_ok(eid).fill_null(False) & ~uscc_check_ok(eid).fill_null(False)
        part = _reject_rows(
            work,
            lf,
            bad_check,
            "enterprise_id",
            "uscc_check",
            "统一社会信用代码校验位错误 GB 32100-2015 (credit code check character fails)",
        )
        if strict_codes:
            work.add_rejects(part)
        else:
            work.warnings.append(part)


def _refers_to_rejected(
    work: _Work, rows: pl.LazyFrame, column: str, target: str, noun: str
) -> None:
    """A warning for each of `rows`: its `column` names a row of `target` that was
    rejected (the row itself is kept)."""
    value = pl.col(column)
    if work.table == "regions":
        message: str | pl.Expr = formatted(
            "上级区划 {} 已被拒收，本区划保留；本区划的数据不汇总到该上级及更高层级 "
            "(parent region {} rejected: kept, not rolled up above it)",
            value,
            value,
        )
    else:
        message = (
            f"{noun}({column}) 所指的 {target} 行已被拒收，本行保留 "
            f"(refers to a rejected row of {target}; kept)"
        )
    work.warnings.append(
        _reject_rows(work, rows, pl.lit(True), column, "reference_rejected", message)
    )


def _reference_checks(work: _Work, works: Mapping[str, _Work]) -> None:
    """References to other tables (and regions.parent_code to regions): a value
    never read is rejected; a value read only in rejected rows is kept with a warning.

    A region whose parent region was rejected is kept (its own rows are assessed)
    with a `reference_rejected` warning naming the parent: its figures do not roll
    up into the parent or above, since the parent is not in the hierarchy.  A 县
    directly under a 省 is kept, with a `county_under_province` warning unless its
    code is xx90xx (GB/T 2260's county-level units directly under a province)."""
    table, spec = work.table, work.spec
    lf = work.wide.lazy()
    refs: list[tuple[str, str, str, str, str]] = []  # column, target table, key, rule, noun
    own = _TABLE_REFERENCES.get(table, {})
    for col in spec.columns:
        if col.name in _REFERENCES or col.name in own:
            target, key, rule, noun = own.get(col.name) or _REFERENCES[col.name]
            if target == table:
                continue
            refs.append((col.name, target, key, rule, noun))
    if table == "regions":
        refs.append(("parent_code", "regions", "region_code", "unknown_parent", "上级区划代码"))
    for column, target, key, rule, noun in refs:
        if target not in works:
            if work.wide.select(pl.col(column).is_not_null().any()).item() is not True:
                continue
            work.warnings.append(
                table_note(
                    table,
                    column,
                    "references_not_checked",
                    f"未提供数据表 {target}，{noun}({column}) 的引用未核对 "
                    f"(table {target} absent: references not checked)",
                )
            )
            continue
        target_work = works[target]
        read_keys = target_work.keys(key, kept=False)
        # For parent_code these are the regions left after the local checks.
        kept_keys = target_work.keys(key, kept=True)
        value = pl.col(column)
        present = lf.filter(value.is_not_null())
        # Joins, not is_in: the keys' hash table is built once, on the smaller side.
        work.add_rejects(
            _reject_rows(
                work,
                present.join(read_keys.rename(column).to_frame().lazy(), on=column, how="anti"),
                pl.lit(True),
                column,
                rule,
                f"{noun}({column}) 在数据表 {target} 中不存在 (not found in {target})",
            )
        )
        if kept_keys.len() < read_keys.len():  # else no row can refer to a rejected one
            rejected_only = read_keys.filter(~read_keys.is_in(kept_keys.implode()))
            _refers_to_rejected(
                work,
                present.join(rejected_only.rename(column).to_frame().lazy(), on=column),
                column,
                target,
                noun,
            )
    if table == "regions":
        code, parent = pl.col("region_code"), pl.col("parent_code")
        bad = parent.is_not_null() & ~child_prefix_ok(code, parent).fill_null(False)
        work.add_rejects(
            _reject_rows(
                work,
                lf,
                bad,
                "parent_code",
                "parent_prefix",
                "区划代码与上级区划代码不相符 GB/T 2260 (code does not sit under its parent)",
            )
        )
        county_up = (
            (pl.col("level") == "县")
            & (parent.str.slice(2, 4) == "0000")
            & (code.str.slice(2, 2) != "90")
        )
        work.warnings.append(
            _reject_rows(
                work,
                lf,
                county_up.fill_null(False),
                "parent_code",
                "county_under_province",
                "县级区划直属省级区划，但代码第 3–4 位不是 90 (GB/T 2260 省直辖县级行政单位"
                "为 xx90xx)，请核对上级区划代码 (county directly under a province without "
                "an xx90xx code)",
            )
        )


def _as_date(value: dt.date | str | None, what: str = "as_of") -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return parse_day(value)
    except (ValueError, TypeError) as exc:
        raise DatasetError(f"{what}: {exc}") from None


def _window(
    value: Sequence[dt.date | str | None] | None, as_of: dt.date
) -> tuple[dt.date, dt.date]:
    """The (first, last) event dates kept: default DATE_FLOOR to as_of."""
    if value is None:
        return DATE_FLOOR, as_of
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
        raise DatasetError(
            f"date_window: {value!r} 应为 (起始日, 截止日) 两个日期 (a (first, last) pair of dates)"
        )
    first = DATE_FLOOR if value[0] is None else _as_date(value[0], "date_window")
    last = as_of if value[1] is None else _as_date(value[1], "date_window")
    if first > last:
        raise DatasetError(f"date_window: 起始日 {first} 晚于截止日 {last} (first after last)")
    return first, last


def _finish(
    works: Mapping[str, _Work],
    notes: list[pl.LazyFrame],
    *,
    as_of: dt.date,
    strict_codes: bool,
    window: tuple[dt.date, dt.date],
    source: str | None,
    progress: Progress | None = None,
) -> Dataset:
    works = {t: works[t] for t in TABLE_ORDER if t in works}
    for table, work in works.items():
        report_step(progress, "校验", table)
        _local_checks(work, as_of=as_of, strict_codes=strict_codes, window=window)
    # The reference checks need each table's kept rows: its local checks run first,
    # all tables at once.
    _collect_rejects(list(works.values()))
    report_step(progress, "核对", "表间引用")
    for table in TABLE_ORDER:
        if table in works:
            _reference_checks(works[table], works)
    tables: dict[str, pl.DataFrame] = {}
    rejected_parts: list[pl.LazyFrame] = []
    warning_parts: list[pl.LazyFrame] = list(notes)
    for table, work in works.items():
        names = list(work.spec.column_names)
        tables[table] = work.kept_wide().select(names)
        rejected_parts += work.rejects
        warning_parts += work.warnings
    order = ["table", "source", "row", "column", "rule"]
    rejected = (
        pl.concat(rejected_parts).collect(engine=ENGINE)
        if rejected_parts
        else pl.DataFrame(schema=_ISSUE_SCHEMA)
    ).sort(order, nulls_last=False)
    warnings = (
        pl.concat(warning_parts).collect(engine=ENGINE)
        if warning_parts
        else pl.DataFrame(schema=_ISSUE_SCHEMA)
    ).sort(order, nulls_last=False)
    # A warning on a row that was rejected anyway says nothing more.
    warnings = warnings.join(
        rejected.select("table", _RID).unique(), on=["table", _RID], how="anti"
    )
    return Dataset(
        tables=tables,
        as_of=as_of,
        rejected=rejected.select(list(REJECTED_SCHEMA)),
        warnings=warnings.select(list(WARNINGS_SCHEMA)),
        source=source,
        rows_read={t: w.wide.height for t, w in works.items()},
        strict_codes=strict_codes,
    )


def validate_frames(
    frames: Mapping[str, pl.DataFrame | pl.LazyFrame],
    *,
    as_of: dt.date | str | None = None,
    strict_codes: bool = False,
    date_window: Sequence[dt.date | str | None] | None = None,
) -> Dataset:
    """Validate polars frames (table name → frame) into a `Dataset`.

    Frames may hold canonical dtypes or text (as read from a file); headers may be
    English names, Chinese labels or aliases.  Row numbers in `rejected` are the
    1-based positions in each frame, and `source` is null.  `date_window` is the
    (first, last) pair of event dates kept, as for `load_dataset`.

    >>> import polars as pl
    >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
    ...                         "parent_code": [None], "level": ["市"]})
    >>> validate_frames({"regions": regions}, as_of="2025-01-01").rows_read
    {'regions': 1}
    """
    day = _as_date(as_of)
    window = _window(date_window, day)
    notes: list[pl.LazyFrame] = []
    works: dict[str, _Work] = {}
    for name, frame in frames.items():
        if name not in TABLES:
            raise DatasetError(f"未知的数据表 {name!r} (unknown table; known: {', '.join(TABLES)})")
        df = frame.collect(engine=ENGINE) if isinstance(frame, pl.LazyFrame) else frame
        works[name] = _prepare(
            name, df, source=f"table {name}", source_name=None, excel_serial=False, warnings=notes
        )
    return _finish(works, notes, as_of=day, strict_codes=strict_codes, window=window, source=None)


def load_dataset(
    path: str | object,
    *,
    as_of: dt.date | str | None = None,
    strict_codes: bool = False,
    date_window: Sequence[dt.date | str | None] | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Load a folder of `<table>.csv` / `.parquet` / `.xlsx` files into a `Dataset`.

    `as_of`: the data's cut-off day (default today); later event dates are rejected.
    `strict_codes`: reject credit codes whose check character fails (else a warning).
    `date_window`: the (first, last) event dates kept (default 1949-10-01 to as_of);
    earlier or later ones are rejected as `date_out_of_window`.  `progress` is told
    each step as it starts (`accountability.progress`).

    >>> data = load_dataset("fixtures/yiyang-2024")            # doctest: +SKIP
    >>> data.rejected.height                                  # doctest: +SKIP
    0
    """
    day = _as_date(as_of)
    window = _window(date_window, day)
    notes: list[pl.LazyFrame] = []
    works: dict[str, _Work] = {}
    source, skipped, files = open_folder(path, progress=progress)
    for note in skipped:
        notes.append(
            table_note(note.table, None, note.rule, note.message, row=None, source=note.source)
        )
    for file in files:
        for note in file.notes:
            notes.append(
                table_note(
                    file.table,
                    None,
                    note.rule,
                    f"{file.path.name}: {note.message}",
                    row=None,
                    source=note.source or file.source,
                )
            )
        works[file.table] = _prepare(
            file.table,
            file.frame,
            source=str(file.path),
            source_name=file.source,
            excel_serial=file.excel_serial,
            warnings=notes,
            decimal_comma=file.decimal_comma,
            invisible=file.invisible,
        )
    return _finish(
        works,
        notes,
        as_of=day,
        strict_codes=strict_codes,
        window=window,
        source=source,
        progress=progress,
    )
