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
rows kept + distinct rows rejected.

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
from collections.abc import Mapping

import attrs
import dataframely as dy
import polars as pl

from accountability.codes import child_prefix_ok, division_code_ok, uscc_check_ok, uscc_shape_ok
from accountability.columns import TABLES, Column, TableSpec
from accountability.dates import parse_date_expr, parse_day
from accountability.errors import DatasetError
from accountability.loading import SOURCE_ROW, open_folder, resolve_headers

__all__ = [
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

# --- the Dataset --------------------------------------------------------------------------

# One row per failed rule.  `row` is the 1-based data row number in the source
# (the header is row 0 in a file; for frames it is the 1-based position).
REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "table": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "rule": pl.String(),
    "message": pl.String(),
    "value": pl.String(),
}
WARNINGS_SCHEMA = REJECTED_SCHEMA


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
        **frames: pl.DataFrame,
    ) -> Dataset:
        """Validate polars frames (one keyword per table) into a Dataset.

        >>> import polars as pl
        >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
        ...                         "parent_code": [None], "level": ["市"]})
        >>> Dataset.from_frames(regions=regions).table("regions").height
        1
        """
        return validate_frames(frames, as_of=as_of, strict_codes=strict_codes)

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

    def lazy(self, name: str, *, needed_by: str | None = None) -> pl.LazyFrame:
        return self.table(name, needed_by=needed_by).lazy()

    def replace(self, **tables: pl.DataFrame) -> Dataset:
        """A copy with some tables replaced (trusted: no validation)."""
        return attrs.evolve(self, tables={**self.tables, **tables})

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v.height}" for k, v in sorted(self.tables.items()))
        return f"Dataset({parts}; rejected={self.rejected.height}, as_of={self.as_of})"


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
)
assert set(TABLE_ORDER) == set(TABLES), "TABLE_ORDER must list every table of columns.TABLES"

# column -> (referenced table, its key column, rule name, Chinese noun)
_REFERENCES: dict[str, tuple[str, str, str, str]] = {
    "region_code": ("regions", "region_code", "unknown_region", "区划代码"),
    "enterprise_id": ("enterprises", "enterprise_id", "unknown_enterprise", "统一社会信用代码"),
    "official_id": ("officials", "official_id", "unknown_official", "干部编号"),
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


def _end_not_before_start(cls: object) -> pl.Expr:
    end, start = pl.col("end_on"), pl.col("start_on")
    return end.is_null() | start.is_null() | (end >= start)


def _build_schema(spec: TableSpec) -> type[dy.Schema]:
    namespace: dict[str, object] = {c.name: _dy_column(spec, c) for c in spec.columns}
    if spec.name == "officials":
        namespace["end_before_start"] = dy.rule()(_end_not_before_start)
    class_name = "".join(part.title() for part in spec.name.split("_")) + "Schema"
    namespace["__doc__"] = (
        f"{spec.label} ({spec.name}): dataframely schema built from columns.TABLES."
    )
    return type(class_name, (dy.Schema,), namespace)


SCHEMAS: dict[str, type[dy.Schema]] = {name: _build_schema(spec) for name, spec in TABLES.items()}

# Each schema plus the source row number, so that dataframely's per-rule failures
# can be reported by row.
_CHECKED: dict[str, type[dy.Schema]] = {
    name: type(s.__name__ + "WithRow", (s,), {_ROW: dy.Int64()}) for name, s in SCHEMAS.items()
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


def _nfkc(expr: pl.Expr) -> pl.Expr:
    """NFKC, then Excel's text markers dropped: `="430902"` (how many systems
    export codes to CSV so that Excel keeps leading zeros) and a leading `'`."""
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


def _parse(
    name: str, col: Column, src: pl.DataType, *, excel_serial: bool
) -> tuple[pl.Expr, pl.Expr]:
    """(parsed value, raw text) expressions for one column of any source dtype."""
    target = col.dtype
    raw = _to_string(pl.col(name), src)
    c = pl.col(name)
    if src == pl.String() and _normalizes(col):
        # Parse the normalised text; `raw` keeps the cell as written for messages.
        c = _nfkc(c)
        if col.name == "enterprise_id":  # GB 32100 letters are upper case
            c = c.str.to_uppercase()
        src_text = c
    else:
        src_text = raw
    if src == target:
        value = c
        if target == pl.String():
            value = c if _normalizes(col) else _clean_str(c)
        return value, raw
    if target == pl.String():
        return src_text, raw
    if target in (pl.Int64(), pl.Int32()):
        if src.is_integer():
            value = c.cast(target, strict=False)
        elif src.is_float():
            value = pl.when(c == c.floor()).then(c).cast(target, strict=False)
        else:
            as_float = src_text.str.replace_all(r"[,，]", "").cast(pl.Float64, strict=False)
            value = pl.coalesce(
                src_text.cast(target, strict=False),
                pl.when(as_float == as_float.floor()).then(as_float).cast(target, strict=False),
            )
        return value, raw
    if target == pl.Float64():
        if src.is_numeric():
            return c.cast(pl.Float64), raw
        text = src_text.str.replace_all(r"[,，]", "")
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
    table: str,
    frame: pl.LazyFrame,
    fail: pl.Expr,
    column: str,
    rule: str,
    message: str | pl.Expr,
    value: pl.Expr | None = None,
) -> pl.LazyFrame:
    val = value if value is not None else pl.col(f"__raw_{column}")
    return frame.filter(fail).select(
        pl.lit(table).alias("table"),
        pl.col(_ROW).cast(pl.Int64).alias("row"),
        pl.lit(column).alias("column"),
        pl.lit(rule).alias("rule"),
        (message if isinstance(message, pl.Expr) else pl.lit(message))
        .cast(pl.String)
        .alias("message"),
        val.cast(pl.String).alias("value"),
    )


def table_note(
    table: str,
    column: str | None,
    rule: str,
    message: str,
    value: str | None = None,
    row: int | None = 0,
) -> pl.LazyFrame:
    return pl.LazyFrame(
        {
            "table": [table],
            "row": [row],
            "column": [column],
            "rule": [rule],
            "message": [message],
            "value": [value],
        },
        schema=REJECTED_SCHEMA,
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
    number) and the rejected / warning parts found so far."""

    def __init__(self, table: str, wide: pl.DataFrame) -> None:
        self.table = table
        self.spec = TABLES[table]
        self.wide = wide
        self.rejects: list[pl.LazyFrame] = []
        self.warnings: list[pl.LazyFrame] = []
        self._rejected_rows: pl.Series | None = None

    def rejected_rows(self) -> pl.Series:
        if self._rejected_rows is None:
            if self.rejects:
                rows = pl.concat(self.rejects).select(pl.col("row").unique()).collect()["row"]
            else:
                rows = pl.Series("row", [], dtype=pl.Int64)
            self._rejected_rows = rows
        return self._rejected_rows

    def add_rejects(self, part: pl.LazyFrame) -> None:
        self.rejects.append(part)
        self._rejected_rows = None

    def kept_wide(self) -> pl.DataFrame:
        return self.wide.filter(~pl.col(_ROW).is_in(self.rejected_rows().implode()))


def _prepare(
    table: str,
    frame: pl.DataFrame,
    *,
    source: str,
    excel_serial: bool,
    warnings: list[pl.LazyFrame],
    row_offset: int = 1,
) -> pl.DataFrame:
    """Rename headers, check required columns, add defaults, parse every column."""
    spec = TABLES[table]
    headers = [h for h in frame.columns if h != SOURCE_ROW]
    mapping, unknown = resolve_headers(table, headers, source=source)
    for header in unknown:
        warnings.append(
            table_note(
                table,
                header,
                "unknown_column",
                f"未知列 {header!r} 已忽略 (unknown column ignored)",
                header,
            )
        )
    missing = [c for c in spec.columns if c.required and c.name not in mapping.values()]
    if missing:
        names = "；".join(f"{c.name} ({'/'.join((c.label, *c.aliases))})" for c in missing)
        found = [h for h in frame.columns if h != SOURCE_ROW]
        shown = "、".join(repr(h) for h in found[:12]) + (" …" if len(found) > 12 else "")
        raise DatasetError(
            f"{source}: 缺少必需的列 {names} (missing required column)；"
            f"表头行中的列为: {shown or '无'}"
        )
    if SOURCE_ROW in frame.columns:
        row_number = pl.col(SOURCE_ROW).cast(pl.Int64)
    else:
        row_number = pl.int_range(pl.len(), dtype=pl.Int64) + row_offset
    frame = frame.select(*mapping, *([SOURCE_ROW] if SOURCE_ROW in frame.columns else []))
    frame = frame.rename(mapping)
    exprs: list[pl.Expr] = [row_number.alias(_ROW)]
    for col in spec.columns:
        if col.name not in frame.columns:
            default = pl.lit(col.default, dtype=col.dtype)
            exprs += [default.alias(col.name), pl.lit(None, pl.String).alias(f"__raw_{col.name}")]
            continue
        value, raw = _parse(col.name, col, frame.schema[col.name], excel_serial=excel_serial)
        if col.default is not None:
            value = value.fill_null(pl.lit(col.default, dtype=col.dtype))
        exprs += [value.alias(col.name), raw.alias(f"__raw_{col.name}")]
    try:
        wide = frame.select(exprs)
        return wide.with_columns(pl.col(c.name).cast(c.dtype) for c in spec.columns)
    except pl.exceptions.PolarsError as exc:
        raise DatasetError(
            f"{source}: 无法解析 ({exc.__class__.__name__}: {exc}) (cannot parse the table)"
        ) from None


def _local_checks(work: _Work, *, as_of: dt.date, strict_codes: bool) -> None:
    """Per-table rules: types, dataframely schema rules, duplicate keys, future
    dates, credit-code check characters."""
    table, spec, lf = work.table, work.spec, work.wide.lazy()
    type_bad: list[pl.LazyFrame] = []
    for col in spec.columns:
        raw, value = pl.col(f"__raw_{col.name}"), pl.col(col.name)
        is_enum = isinstance(col.dtype, pl.Enum | pl.List)
        rule = "enum" if is_enum else "type"
        bad = raw.is_not_null() & value.is_null()
        message = f"{col.label}({col.name}) 应为{_type_name(col.dtype)}"
        type_bad.append(_reject_rows(table, lf, bad, col.name, rule, message))
    type_part = pl.concat(type_bad)
    work.add_rejects(type_part)

    # Duplicate keys: the first row of each key is kept, the later ones rejected.
    if spec.key:
        key_ok = pl.all_horizontal(pl.col(k).is_not_null() for k in spec.key)
        dup = key_ok & ~pl.struct(list(spec.key)).is_first_distinct()
        key_text = pl.concat_str(
            [pl.col(f"__raw_{k}").fill_null("") for k in spec.key], separator="|"
        )
        key_labels = "、".join(spec.column(k).label for k in spec.key)
        work.add_rejects(
            _reject_rows(
                table,
                lf,
                dup,
                spec.key[-1] if len(spec.key) == 1 else ",".join(spec.key),
                "duplicate_key",
                f"主键({key_labels})重复，保留首行 (duplicate key; first row kept)",
                key_text,
            )
        )
        lf_unique = lf.filter(~dup)
    else:
        lf_unique = lf

    # dataframely rules: nullability, minimum, code shapes, schema-level rules.
    checked = _CHECKED[table]
    details = checked.filter(lf_unique.select(checked.column_names()).collect()).failure.details()
    rule_cols = [c for c in details.columns if c not in checked.column_names()]
    parts: list[pl.LazyFrame] = []
    raw_lookup = work.wide.lazy().select(_ROW, *[f"__raw_{c.name}" for c in spec.columns])
    failed = details.lazy().join(raw_lookup, on=_ROW, how="left")
    for rule_col in rule_cols:
        if "|" in rule_col:
            column, dy_rule = rule_col.split("|", 1)
        elif rule_col == "end_before_start":
            column, dy_rule = "end_on", rule_col
        else:
            column, dy_rule = spec.key[0] if spec.key else "", rule_col
        if column == _ROW or dy_rule == "primary_key":
            # Duplicate keys were rejected above; dataframely's primary key rule
            # only adds rows whose key is empty, already rejected as not_null.
            continue
        rule, message = _DY_RULES.get(dy_rule, (dy_rule, dy_rule))
        if dy_rule == "end_before_start":
            rule, message = "end_before_start", "任职结束日期早于开始日期 (end_on before start_on)"
        label = spec.column(column).label if column in spec.column_names else ""
        raw_name = f"__raw_{column}" if column in spec.column_names else None
        parts.append(
            _reject_rows(
                table,
                failed,
                pl.col(rule_col) == "invalid",
                column,
                rule,
                f"{label}({column}) {message}" if label else message,
                pl.col(raw_name) if raw_name else pl.lit(None, pl.String),
            )
        )
    if parts:
        # A cell that failed to parse is reported once (as a type error), not again
        # as an empty required value.
        dy_part = pl.concat(parts).join(
            type_part.select("row", "column"), on=["row", "column"], how="anti"
        )
        work.add_rejects(dy_part)

    # No event after the as_of day (never due_on).
    for col in spec.columns:
        if col.event_date:
            work.add_rejects(
                _reject_rows(
                    table,
                    lf,
                    pl.col(col.name) > pl.lit(as_of),
                    col.name,
                    "future_date",
                    f"{col.label}({col.name}) 晚于数据截止日 {as_of.isoformat()} "
                    "(date after as_of)",
                )
            )

    # Credit code check character: a warning by default, a rejection when strict.
    if table == "enterprises":
        eid = pl.col("enterprise_id")
        bad_check = uscc_shape_ok(eid).fill_null(False) & ~uscc_check_ok(eid).fill_null(False)
        part = _reject_rows(
            table,
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


def _reference_checks(work: _Work, works: Mapping[str, _Work]) -> None:
    """References to other tables (and regions.parent_code to regions): a value
    never read is rejected; a value read only in rejected rows is kept with a warning."""
    table, spec = work.table, work.spec
    lf = work.wide.lazy()
    refs: list[tuple[str, str, str, str, str]] = []  # column, target table, key, rule, noun
    for col in spec.columns:
        if col.name in _REFERENCES:
            target, key, rule, noun = _REFERENCES[col.name]
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
        read_keys = target_work.wide.select(pl.col(key).drop_nulls().unique())[key].implode()
        # For parent_code these are the regions left after the local checks.
        kept_keys = target_work.kept_wide()[key].unique().implode()
        value = pl.col(column)
        present = value.is_not_null()
        work.add_rejects(
            _reject_rows(
                table,
                lf,
                present & ~value.is_in(read_keys),
                column,
                rule,
                f"{noun}({column}) 在数据表 {target} 中不存在 (not found in {target})",
            )
        )
        work.warnings.append(
            _reject_rows(
                table,
                lf,
                present & value.is_in(read_keys) & ~value.is_in(kept_keys),
                column,
                "reference_rejected",
                f"{noun}({column}) 所指的 {target} 行已被拒收，本行保留 "
                f"(refers to a rejected row of {target}; kept)",
            )
        )
    if table == "regions":
        parent = pl.col("parent_code")
        bad = parent.is_not_null() & ~child_prefix_ok(pl.col("region_code"), parent).fill_null(
            False
        )
        work.add_rejects(
            _reject_rows(
                table,
                lf,
                bad,
                "parent_code",
                "parent_prefix",
                "区划代码与上级区划代码不相符 GB/T 2260 (code does not sit under its parent)",
            )
        )


def _as_date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return parse_day(value)
    except ValueError as exc:
        raise DatasetError(f"as_of: {exc}") from None


def _finish(
    prepared: Mapping[str, pl.DataFrame],
    notes: list[pl.LazyFrame],
    *,
    as_of: dt.date,
    strict_codes: bool,
    source: str | None,
) -> Dataset:
    works = {t: _Work(t, prepared[t]) for t in TABLE_ORDER if t in prepared}
    for work in works.values():
        _local_checks(work, as_of=as_of, strict_codes=strict_codes)
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
    order = ["table", "row", "column", "rule"]
    rejected = (
        pl.concat(rejected_parts).collect()
        if rejected_parts
        else pl.DataFrame(schema=REJECTED_SCHEMA)
    ).sort(order, nulls_last=False)
    warnings = (
        pl.concat(warning_parts).collect()
        if warning_parts
        else pl.DataFrame(schema=REJECTED_SCHEMA)
    ).sort(order, nulls_last=False)
    # A warning on a row that was rejected anyway says nothing more.
    warnings = warnings.join(
        rejected.select("table", "row").unique(), on=["table", "row"], how="anti"
    )
    return Dataset(
        tables=tables,
        as_of=as_of,
        rejected=rejected,
        warnings=warnings,
        source=source,
        rows_read={t: w.wide.height for t, w in works.items()},
        strict_codes=strict_codes,
    )


def validate_frames(
    frames: Mapping[str, pl.DataFrame | pl.LazyFrame],
    *,
    as_of: dt.date | str | None = None,
    strict_codes: bool = False,
) -> Dataset:
    """Validate polars frames (table name → frame) into a `Dataset`.

    Frames may hold canonical dtypes or text (as read from a file); headers may be
    English names, Chinese labels or aliases.  Row numbers in `rejected` are the
    1-based positions in each frame.

    >>> import polars as pl
    >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
    ...                         "parent_code": [None], "level": ["市"]})
    >>> validate_frames({"regions": regions}, as_of="2025-01-01").rows_read
    {'regions': 1}
    """
    day = _as_date(as_of)
    notes: list[pl.LazyFrame] = []
    prepared: dict[str, pl.DataFrame] = {}
    for name, frame in frames.items():
        if name not in TABLES:
            raise DatasetError(f"未知的数据表 {name!r} (unknown table; known: {', '.join(TABLES)})")
        df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
        prepared[name] = _prepare(
            name, df, source=f"table {name}", excel_serial=False, warnings=notes
        )
    return _finish(prepared, notes, as_of=day, strict_codes=strict_codes, source=None)


def load_dataset(
    path: str | object,
    *,
    as_of: dt.date | str | None = None,
    strict_codes: bool = False,
) -> Dataset:
    """Load a folder of `<table>.csv` / `.parquet` / `.xlsx` files into a `Dataset`.

    >>> data = load_dataset("fixtures/yiyang-2024")            # doctest: +SKIP
    >>> data.rejected.height                                  # doctest: +SKIP
    0
    """
    day = _as_date(as_of)
    notes: list[pl.LazyFrame] = []
    prepared: dict[str, pl.DataFrame] = {}
    source, files = open_folder(path)
    for file in files:
        for rule, message in file.notes:
            notes.append(
                table_note(file.table, None, rule, f"{file.path.name}: {message}", row=None)
            )
        prepared[file.table] = prepare_frame(
            file.table,
            file.frame,
            source=str(file.path),
            excel_serial=file.excel_serial,
            warnings=notes,
        )
    return _finish(prepared, notes, as_of=day, strict_codes=strict_codes, source=source)


def prepare_frame(
    table: str,
    frame: pl.DataFrame,
    *,
    source: str,
    excel_serial: bool,
    warnings: list[pl.LazyFrame],
) -> pl.DataFrame:
    """Parse one raw frame as a file gave it (internal, used by `load_dataset`)."""
    return _prepare(table, frame, source=source, excel_serial=excel_serial, warnings=warnings)
