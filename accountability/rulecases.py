"""Rulebook test cases: worked examples that certify rules, written as data.

A case file (``*.cases.toml``, or ``*.cases.yaml`` read with ``yaml.safe_load``) sits
beside a rulebook.  Each ``[[case]]`` names the rules it certifies, gives a few input
rows inline and the results its explanation works out by hand: line items (rule id,
points), and fields of the result frames (a region's score and grade, an enterprise's
class, an official's step …).  `load_cases` reads and checks the file, `run_cases`
builds each case's dataset the way a CSV is read (`validate_frames`: text typed and
validated, omitted columns at their neutral values), runs the scorers, and compares;
`rule_coverage` lists the registry's rules with and without a case and a basis.

Which scorers run: a case whose rules all belong to the enterprise, four_musts and
dual_duty families and whose expectations those families' frames answer runs those
scorers alone (it needs no ``regions``); any other case runs `assess`.

>>> cases = load_cases(DEFAULT_CASES / "annual.cases.toml")       # doctest: +SKIP
>>> report = run_cases(cases)                                     # doctest: +SKIP
>>> report.passed, len(report.failures)                           # doctest: +SKIP
(True, 0)
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import polars as pl

from accountability.columns import TABLES
from accountability.errors import DatasetError, RulebookError

if TYPE_CHECKING:
    from accountability.dataset import Dataset
    from accountability.rulebook import Rulebook
    from accountability.rules.model import Registry

__all__ = [
    "CASE_SUFFIXES",
    "DEFAULT_CASES",
    "CaseFileError",
    "CaseReport",
    "CaseResult",
    "Difference",
    "Expectation",
    "RuleCase",
    "case_files",
    "load_cases",
    "neutral_value",
    "rule_coverage",
    "run_cases",
]

#: The file names a case file may have.
CASE_SUFFIXES = (".cases.toml", ".cases.yaml", ".cases.yml")
#: The default rulebook's cases, one file per family, shipped with the package.
DEFAULT_CASES = Path(__file__).resolve().parent / "rulebook" / "cases"
#: How far a number may be from the one expected (hand arithmetic rounds to 2 places).
TOLERANCE = 0.005

# The families that can run without `assess`, and the frames each one gives.
_FAMILY_FRAMES = {
    "enterprise": ("enterprises", "inspection_frequency_by_region",
                   "inspection_frequency_by_department"),
    "four_musts": ("cases",),
    "dual_duty": ("officials", "departments", "summons_events"),
}  # fmt: skip
# How an expectation's `subject` finds its row: the line items' subject_id of the frame.
_SUBJECT_KEYS: dict[str, pl.Expr] = {
    "regions": pl.col("region_code"),
    "enterprises": pl.col("enterprise_id"),
    "officials": pl.col("official_id"),
    "cases": pl.col("case_id"),
    "departments": pl.concat_str("region_code", pl.lit(":"), "department"),
    "assessed_departments": pl.concat_str("region_code", pl.lit(":"), "department"),
    "assessed_enterprises": pl.col("enterprise_id"),
    "referral_gaps": pl.col("accident_id"),
    "hazard_lookbacks": pl.col("hazard_id"),
}
_FILE_KEYS = {"rulebook", "year", "as_of", "tables", "case"}
_CASE_KEYS = {
    "name", "rules", "year", "as_of", "explanation", "tables", "expect", "no_other_items",
    "tolerance", "parameters", "omit_tables",
}  # fmt: skip
_ITEM_KEYS = {
    "subject", "subject_type", "rule", "points", "present", "reason_contains", "basis_contains",
}  # fmt: skip


class CaseFileError(ValueError):
    """A case file that cannot be read or is wrong: every problem, one a line, each
    naming the file, the case and the field (``a.cases.toml: case 'A1 …': tables.
    accidents row 1 column occurred_on: …``)."""

    problems: tuple[str, ...]

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


# --- neutral values -----------------------------------------------------------------


def neutral_value(table: str, column: str) -> Any:
    """The value of a column a row leaves out: the column's own default (liability
    true, status 在营), else null where it may be empty, False for a flag, 0 for a
    count or amount; ids, dates and enumerations have none (None).

    >>> neutral_value("accidents", "deaths"), neutral_value("accidents", "liability")
    (0, True)
    >>> neutral_value("accidents", "occurred_on") is None
    True
    """
    col = TABLES[table].column(column)
    if col.default is not None:
        return col.default
    if col.nullable:
        return None
    if col.dtype == pl.Boolean():
        return False
    if col.dtype.is_integer():
        return 0
    if col.dtype.is_float():
        return 0.0
    return None


# --- the model ----------------------------------------------------------------------


@attrs.frozen
class Expectation:
    """One expected result: a line item (`frame` "line_items": `subject`, `rule`,
    `fields` holding points / present / reason_contains / subject_type) or a row of a
    result frame (found by `subject` and/or `match`; `fields` are its columns)."""

    frame: str
    subject: str | None
    fields: Mapping[str, Any]
    rule: str | None = None
    match: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def where(self) -> str:
        """How the report names it: "line item 430902 A1", "regions 430902"."""
        if self.frame == "line_items":
            return f"扣分项 {self.subject} {self.rule}"
        keys = [self.subject] if self.subject is not None else []
        keys += [f"{k}={v}" for k, v in self.match.items()]
        return f"{self.frame} {' '.join(str(k) for k in keys)}"


@attrs.frozen
class RuleCase:
    """One worked example: the rules it certifies, its inputs and expected results."""

    name: str
    rules: tuple[str, ...]
    year: int
    explanation: str
    tables: Mapping[str, tuple[Mapping[str, Any], ...]]
    expect: tuple[Expectation, ...]
    as_of: dt.date | None = None
    rulebook: Path | None = None  # None: the default rulebook
    # parameters the case sets on top of its rulebook (key → value), e.g. a point value
    # that is 0 by default, so that the rule's arithmetic can be worked
    parameters: Mapping[str, Any] = attrs.field(factory=dict)
    source: str = ""
    no_other_items: bool = False
    tolerance: float = TOLERANCE

    @property
    def families(self) -> tuple[str, ...]:
        """The scorers (families) of its rules, in registry order of first mention."""
        from accountability.rules.registry import REGISTRY

        found = [REGISTRY.find(r) for r in self.rules]
        return tuple(dict.fromkeys(r.scorer for r in found if r is not None))


@attrs.frozen
class Difference:
    """What a failed case expected and what it got."""

    where: str
    field: str
    expected: Any
    got: Any

    def text(self) -> str:
        return f"{self.where} {self.field}：期望 {_show(self.expected)}，实得 {_show(self.got)}"


@attrs.frozen
class CaseResult:
    """A case run: its differences (none when it passes), the non-zero line items of
    the subjects it names, an error when it could not run, and how long it took."""

    case: RuleCase
    differences: tuple[Difference, ...] = ()
    items: pl.DataFrame = attrs.field(factory=pl.DataFrame, eq=False)
    error: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.differences and self.error is None


@attrs.frozen
class CaseReport:
    """Every case's result, in the order run."""

    results: tuple[CaseResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    @property
    def errors(self) -> tuple[CaseResult, ...]:
        """Cases that could not run (a table the scorers need is missing …)."""
        return tuple(r for r in self.results if r.error is not None)

    def to_text(self) -> str:
        """One line per passing case; per failing case, each difference (expected vs
        got) and the named subjects' non-zero line items; then the count.

        >>> CaseReport(()).to_text()
        '0 个案例：0 个通过，0 个未通过'
        """
        lines: list[str] = []
        for result in self.results:
            case = result.case
            where = f"（{case.source}）" if case.source else ""
            if result.passed:
                lines.append(f"✓ {case.name}{where}")
                continue
            lines.append(f"✗ {case.name}{where}")
            explanation = case.explanation.replace("\n", "\n      ")
            lines.append(f"    规则：{'、'.join(case.rules)}；{explanation}")
            if result.error is not None:
                lines.append(f"    无法运行：{result.error}")
            lines += [f"    {d.text()}" for d in result.differences]
            if result.items.height:
                lines.append("    实得的非零扣分项（对象、规则、分值、事由）：")
                for row in result.items.iter_rows(named=True):
                    lines.append(
                        f"      {row['subject_id']}  {row['rule_id']}  "
                        f"{_points(row['points'])}  {row['reason']}"
                    )
            elif result.error is None:
                lines.append("    所列对象没有非零扣分项")
        n, bad = len(self.results), len(self.failures)
        lines.append(f"{n} 个案例：{n - bad} 个通过，{bad} 个未通过")
        return "\n".join(lines)


def _points(value: float) -> str:
    return f"{value:+g}".replace("-", "−")


def _show(value: Any) -> str:
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


# --- loading ------------------------------------------------------------------------


def case_files(path: str | Path) -> tuple[Path, ...]:
    """The case files of `path`: the file itself, or every ``*.cases.toml|yaml|yml``
    under a folder, sorted.

    >>> [p.name for p in case_files(DEFAULT_CASES)][:1]
    ['annual.cases.toml']
    """
    target = Path(path)
    if target.is_dir():
        return tuple(
            sorted(p for p in target.rglob("*") if p.is_file() and p.name.endswith(CASE_SUFFIXES))
        )
    if not target.exists():
        raise CaseFileError([f"{path}: 找不到案例文件 (no such case file)"])
    return (target,)


def _read(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CaseFileError([f"{path}: 无法读取 ({exc.strerror or exc}) (cannot read)"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaseFileError([f"{path}: 不是 UTF-8 文本 (not UTF-8 text)"]) from None
    if path.suffix in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            raise CaseFileError([f"{path}{line}: YAML 语法错误 ({exc}) (YAML syntax)"]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseFileError([f"{path}: TOML 语法错误 ({exc}) (TOML syntax)"]) from None


def _hint(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"，是否应为 {close[0]}？" if close else ""


def _date(value: Any) -> dt.date:
    from accountability.dates import parse_day

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} 不是日期 (not a date)")
    return parse_day(value)


class _Problems:
    """The problems of one file, each prefixed with where it is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.found: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.found.append(f"{self.path}: {where}: {message}")


def _tables(raw: Any, where: str, problems: _Problems) -> dict[str, tuple[dict, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.add(where, "应为 表名 = [行, …] (a table of tables)")
        return {}
    out: dict[str, tuple[dict, ...]] = {}
    for table, rows in raw.items():
        if table not in TABLES:
            problems.add(f"{where}.{table}", f"未知的数据表{_hint(table, TABLES)} (unknown table)")
            continue
        if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
            problems.add(f"{where}.{table}", "应为行的数组 [{列 = 值, …}, …] (an array of rows)")
            continue
        names = TABLES[table].column_names
        for i, row in enumerate(rows, start=1):
            for column in row:
                if column not in names:
                    problems.add(
                        f"{where}.{table} 第 {i} 行",
                        f"未知列 {column!r}{_hint(column, names)} (unknown column)",
                    )
        out[table] = tuple(dict(r) for r in rows)
    return out


def _expectations(
    raw: Any, where: str, problems: _Problems, registry: Registry
) -> tuple[Expectation, ...]:
    from accountability.outputs import OUTPUTS

    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        problems.add(where, "应为 [[case.expect.<结果表>]] (a table)")
        return ()
    found: list[Expectation] = []
    frames = [name for name in OUTPUTS if name not in ("rejected", "warnings")]
    for frame, entries in raw.items():
        at = f"{where}.{frame}"
        if frame not in frames:
            problems.add(at, f"未知的结果表{_hint(frame, frames)} (unknown result frame)")
            continue
        if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
            problems.add(at, "应为数组 [[…]] (an array of tables)")
            continue
        for i, entry in enumerate(entries, start=1):
            here = f"{at}[{i}]"
            entry = dict(entry)
            subject = entry.pop("subject", None)
            if subject is not None:
                subject = str(subject)
            if frame == "line_items":
                unknown = set(entry) - _ITEM_KEYS
                if unknown:
                    problems.add(
                        here,
                        f"未知字段 {sorted(unknown)}（可用 {sorted(_ITEM_KEYS)}）(unknown field)",
                    )
                rule = entry.pop("rule", None)
                if subject is None or not isinstance(rule, str):
                    problems.add(here, "扣分项须给出 subject 与 rule (subject and rule required)")
                    continue
                if registry.find(rule) is None:
                    ids = [r.id for r in registry]
                    problems.add(here, f"未知规则 {rule!r}{_hint(rule, ids)} (unknown rule id)")
                points = entry.get("points")
                if points is not None and (
                    isinstance(points, bool) or not isinstance(points, int | float)
                ):
                    problems.add(here, f"points 应为数值，而不是 {points!r} (points: a number)")
                found.append(Expectation(frame, subject, entry, rule=rule))
                continue
            match = entry.pop("match", {}) or {}
            if not isinstance(match, Mapping):
                problems.add(here, "match 应为 {列 = 值} (a table)")
                match = {}
            if subject is None and not match:
                problems.add(here, "须给出 subject 或 match (subject or match required)")
                continue
            if subject is not None and frame not in _SUBJECT_KEYS:
                problems.add(here, f"{frame} 没有 subject，请用 match (use match for {frame})")
                continue
            spec = OUTPUTS[frame]
            for column in (*match, *entry):
                if spec.label(column) is None:
                    problems.add(
                        here,
                        f"{frame} 没有列 {column!r}{_hint(column, spec.columns)} (unknown column)",
                    )
            found.append(Expectation(frame, subject, entry, match=dict(match)))
    return tuple(found)


def _parameters(raw: Any, where: str, problems: _Problems) -> dict[str, Any]:
    """``[case.parameters]``: ``"annual.c5_points_per_hazard" = 1.0`` or, as TOML reads
    an unquoted dotted key, ``annual.c5_points_per_hazard = 1.0``."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.add(f"{where}: parameters", "应为 {参数 = 值} (a table)")
        return {}
    found: dict[str, Any] = {}
    for key, value in raw.items():
        if "." in key:
            found[key] = value
        elif isinstance(value, Mapping):
            found.update({f"{key}.{name}": v for name, v in value.items()})
        else:
            problems.add(f"{where}: parameters.{key}", "参数名应为 分节.名称 (section.name)")
    return found


def _case(
    raw: Any, index: int, defaults: Mapping[str, Any], problems: _Problems, registry: Registry
) -> RuleCase | None:
    if not isinstance(raw, Mapping):
        problems.add(f"case[{index}]", "应为表 [[case]] (a table)")
        return None
    name = raw.get("name")
    where = f"case {name!r}" if isinstance(name, str) and name else f"case[{index}]"
    before = len(problems.found)
    if not isinstance(name, str) or not name.strip():
        problems.add(where, "缺少 name (name missing)")
    for key in sorted(set(raw) - _CASE_KEYS):
        problems.add(where, f"未知字段 {key!r}{_hint(key, _CASE_KEYS)} (unknown field)")
    rules = raw.get("rules")
    if not isinstance(rules, list) or not rules or not all(isinstance(r, str) for r in rules):
        problems.add(where, "rules 应为非空的规则编号数组 (rules: a non-empty array of rule ids)")
        rules = []
    ids = [r.id for r in registry]
    for rule in rules:
        if registry.find(rule) is None:
            problems.add(
                f"{where}: rules", f"未知规则 {rule!r}{_hint(rule, ids)} (unknown rule id)"
            )
    year = raw.get("year", defaults.get("year"))
    if isinstance(year, bool) or not isinstance(year, int) or not 1949 <= year <= 9998:
        problems.add(where, f"year 应为年份整数，而不是 {year!r} (year: an integer)")
    explanation = raw.get("explanation")
    if not isinstance(explanation, str) or not explanation.strip():
        problems.add(where, "缺少 explanation：写出手算过程 (explanation missing: the worked sum)")
    as_of_raw = raw.get("as_of", defaults.get("as_of"))
    as_of = None
    if as_of_raw is not None:
        try:
            as_of = _date(as_of_raw)
        except ValueError as exc:
            problems.add(f"{where}: as_of", f"{exc} (bad date)")
    tables = dict(defaults.get("tables", {}))
    tables.update(_tables(raw.get("tables"), f"{where}: tables", problems))
    omit = raw.get("omit_tables", [])
    if not isinstance(omit, list) or not all(isinstance(t, str) for t in omit):
        problems.add(where, "omit_tables 应为表名数组 (omit_tables: an array of table names)")
        omit = []
    for table in omit:
        if table not in TABLES:
            problems.add(f"{where}: omit_tables", f"未知的数据表 {table!r}{_hint(table, TABLES)}")
        tables.pop(table, None)
    expect = _expectations(raw.get("expect"), f"{where}: expect", problems, registry)
    if not expect:
        problems.add(where, "没有期望结果 expect (no expected results)")
    no_other = raw.get("no_other_items", False)
    if not isinstance(no_other, bool):
        problems.add(where, "no_other_items 应为 true 或 false")
    tolerance = raw.get("tolerance", TOLERANCE)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
        problems.add(where, "tolerance 应为非负数 (tolerance: a number ≥ 0)")
        tolerance = TOLERANCE
    if len(problems.found) > before:
        return None
    return RuleCase(
        name=str(name),
        rules=tuple(rules),
        year=int(year),
        explanation=str(explanation).strip(),
        tables=tables,
        expect=expect,
        as_of=as_of,
        rulebook=defaults.get("rulebook"),
        source=problems.path.name,
        no_other_items=bool(no_other),
        parameters=_parameters(raw.get("parameters"), where, problems),
        tolerance=float(tolerance),
    )


def load_cases(path: str | Path, *, registry: Registry | None = None) -> tuple[RuleCase, ...]:
    """The cases of a case file, or of every case file under a folder.

    Checks everything that can be checked without running: known tables, columns,
    result frames and their columns, rule ids, dates, unique names.  Raises
    `CaseFileError` with every problem found (each naming file, case and field).

    >>> cases = load_cases(DEFAULT_CASES / "annual.cases.toml")
    >>> cases[0].rules
    ('A1',)
    """
    from accountability.rules.registry import REGISTRY

    reg = REGISTRY if registry is None else registry
    all_problems: list[str] = []
    cases: list[RuleCase] = []
    for file in case_files(path):
        problems = _Problems(file)
        try:
            doc = _read(file)
        except CaseFileError as exc:
            all_problems += exc.problems
            continue
        if not isinstance(doc, Mapping):
            problems.add("文件", "应为表：顶层 [[case]] (the top level must be a table)")
            all_problems += problems.found
            continue
        for key in sorted(set(doc) - _FILE_KEYS):
            problems.add(key, f"未知的顶层键{_hint(key, _FILE_KEYS)} (unknown top-level key)")
        defaults: dict[str, Any] = {"year": doc.get("year"), "as_of": doc.get("as_of")}
        defaults["tables"] = _tables(doc.get("tables"), "tables", problems)
        book = doc.get("rulebook")
        if book is not None:
            if not isinstance(book, str):
                problems.add("rulebook", "应为规则文件的相对路径 (a path relative to this file)")
            elif book != "default":
                defaults["rulebook"] = (file.parent / book).resolve()
                if not defaults["rulebook"].is_file():
                    problems.add("rulebook", f"找不到规则文件 {book} (rule file not found)")
        raw_cases = doc.get("case")
        if not isinstance(raw_cases, list) or not raw_cases:
            problems.add("case", "没有案例 [[case]] (no cases)")
            raw_cases = []
        names: set[str] = set()
        for i, raw in enumerate(raw_cases, start=1):
            case = _case(raw, i, defaults, problems, reg)
            if case is None:
                continue
            if case.name in names:
                problems.add(f"case {case.name!r}", "案例名称重复 (duplicate case name)")
            names.add(case.name)
            cases.append(case)
        all_problems += problems.found
    if all_problems:
        raise CaseFileError(all_problems)
    return tuple(cases)


# --- building a case's dataset ------------------------------------------------------


def _text(value: Any) -> str | None:
    """A cell as a CSV would hold it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def _text_frame(table: str, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """The rows as a text frame with every column of `table`, omitted cells at their
    neutral values."""
    names = TABLES[table].column_names
    columns = {
        name: [_text(row[name] if name in row else neutral_value(table, name)) for row in rows]
        for name in names
    }
    return pl.DataFrame(columns, schema={name: pl.String() for name in names})


def _as_of(case: RuleCase, book: Rulebook) -> dt.date:
    """The case's as_of, default the day after the last day of P(year)."""
    from accountability.rules.model import assessment_period

    if case.as_of is not None:
        return case.as_of
    return assessment_period(book, case.year)[1] + dt.timedelta(days=1)


def case_dataset(case: RuleCase, book: Rulebook) -> Dataset:
    """The case's tables read as a CSV would be: text typed and validated by
    `validate_frames`.  A rejected row raises `CaseFileError` naming the case, the
    table, the row and the column."""
    from accountability.tables import validate_frames

    # A table given empty has no row to check: it joins the validated ones as an empty
    # frame of its canonical columns, as `validate_frames` would give it (and faster).
    frames = {t: _text_frame(t, rows) for t, rows in case.tables.items() if rows}
    empty = {
        t: pl.DataFrame(schema=TABLES[t].dtypes) for t, rows in case.tables.items() if not rows
    }
    try:
        data = validate_frames(frames, as_of=_as_of(case, book))
    except DatasetError as exc:
        raise CaseFileError([f"{case.source}: case {case.name!r}: {exc}"]) from None
    data = attrs.evolve(
        data,
        tables={**data.tables, **empty},
        rows_read={**data.rows_read, **dict.fromkeys(empty, 0)},
    )
    if data.rejected.height:
        raise CaseFileError(
            [
                f"{case.source}: case {case.name!r}: tables.{r['table']} 第 {r['row']} 行"
                f" 列 {r['column']}: {r['message']}"
                + (f"（值 {r['value']!r}）" if r["value"] is not None else "")
                for r in data.rejected.iter_rows(named=True)
            ]
        )
    return data


# --- running ------------------------------------------------------------------------


def _family_run(case: RuleCase) -> bool:
    """Whether the case's families alone answer every expectation (no `assess`)."""
    families = case.families
    if not families or any(f not in _FAMILY_FRAMES for f in families):
        return False
    frames = {frame for f in families for frame in _FAMILY_FRAMES[f]}
    return all(e.frame == "line_items" or e.frame in frames for e in case.expect)


def _frames_of(case: RuleCase, data: Dataset, book: Rulebook) -> dict[str, pl.DataFrame]:
    """Run the scorers: the result frames by name, line items among them."""
    if _family_run(case):
        frames: dict[str, pl.DataFrame] = {}
        items: list[pl.DataFrame] = []
        for family in case.families:
            if family == "enterprise":
                from accountability.scorers.enterprise import enterprise_ratings

                er = enterprise_ratings(data, book, case.year)
                frames["enterprises"] = er.enterprises
                frames["inspection_frequency_by_region"] = er.frequency_by_region
                frames["inspection_frequency_by_department"] = er.frequency_by_department
                items.append(er.line_items)
            elif family == "four_musts":
                from accountability.scorers.four_musts import four_musts

                fm = four_musts(data, book, case.year)
                frames["cases"] = fm.cases
                items.append(fm.line_items)
            else:
                from accountability.scorers.dual_duty import dual_duty

                dd = dual_duty(data, book, case.year)
                frames.update(
                    officials=dd.officials,
                    departments=dd.departments,
                    summons_events=dd.summons_events,
                )
                items.append(dd.line_items)
        frames["line_items"] = pl.concat(items, how="vertical_relaxed")
        return frames
    from accountability.assessment import assess
    from accountability.outputs import OUTPUTS

    result = assess(data, book, year=case.year)
    return {
        name: frame
        for name in OUTPUTS
        if isinstance(frame := getattr(result, name, None), pl.DataFrame)
    }


def _same(expected: Any, got: Any, tolerance: float) -> bool:
    if expected is None or expected == "":
        return got is None or got == "" or (isinstance(got, list) and not got)
    if got is None:
        return False
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(expected, bool) and isinstance(got, bool) and expected == got
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return math.isclose(float(expected), float(got), rel_tol=0.0, abs_tol=tolerance + 1e-9)
    if isinstance(got, dt.date):
        try:
            return _date(expected) == got
        except ValueError:
            return False
    if isinstance(got, list):
        wanted = expected if isinstance(expected, list) else [expected]
        if len(wanted) != len(got):
            return False
        return all(_same(w, g, tolerance) for w, g in zip(wanted, got, strict=True))
    return str(expected) == str(got)


def _item_check(e: Expectation, items: pl.DataFrame, tol: float) -> list[Difference]:
    rows = items.filter(
        (pl.col("subject_id") == e.subject)
        & (pl.col("rule_id") == e.rule)
        & (pl.col("subject_type") == e.fields["subject_type"] if "subject_type" in e.fields
           else pl.lit(True))
    )  # fmt: skip
    if e.fields.get("present", True) is False:
        if rows.height:
            return [Difference(e.where, "存在", False, f"{rows.height} 项")]
        return []
    if not rows.height:
        return [Difference(e.where, "存在", True, "没有此扣分项")]
    found: list[Difference] = []
    if "points" in e.fields:
        got = float(rows["points"].sum())
        if not _same(float(e.fields["points"]), got, tol):
            found.append(Difference(e.where, "分值", float(e.fields["points"]), got))
    for field, column, label in (("reason_contains", "reason", "事由包含"),
                                 ("basis_contains", "basis", "依据包含")):  # fmt: skip
        part = e.fields.get(field)
        if part is not None and not any(str(part) in (r or "") for r in rows[column]):
            found.append(Difference(e.where, label, part, "；".join(rows[column].to_list())))
    return found


def _row_check(e: Expectation, frame: pl.DataFrame, tol: float) -> list[Difference]:
    keep = pl.lit(True)
    if e.subject is not None:
        keep = keep & (_SUBJECT_KEYS[e.frame] == e.subject)
    rows = frame.filter(keep)
    if e.match:
        rows = rows.filter(
            pl.Series([all(_same(v, r.get(k), tol) for k, v in e.match.items())
                       for r in rows.select(list(e.match)).iter_rows(named=True)],
                      dtype=pl.Boolean)
        )  # fmt: skip
    if rows.height != 1:
        return [Difference(e.where, "行数", 1, rows.height)]
    row = rows.row(0, named=True)
    found: list[Difference] = []
    for column, expected in e.fields.items():
        if column not in row:
            found.append(Difference(e.where, column, expected, "（结果中没有此列）"))
        elif not _same(expected, row[column], tol):
            found.append(Difference(e.where, column, expected, row[column]))
    return found


def _subjects(case: RuleCase, frames: Mapping[str, pl.DataFrame]) -> list[str]:
    """The line-item subject ids the case's expectations name."""
    found = [e.subject for e in case.expect if e.subject is not None]
    for e in case.expect:
        if e.subject is None and e.match and e.frame in _SUBJECT_KEYS and e.frame in frames:
            frame = frames[e.frame]
            ids = frame.select(_SUBJECT_KEYS[e.frame].alias("id"), *e.match).filter(
                pl.all_horizontal(pl.col(k).cast(pl.String) == _text(v) for k, v in e.match.items())
            )
            found += ids["id"].to_list()
    return list(dict.fromkeys(found))


def run_case(case: RuleCase, book: Rulebook, data: Dataset) -> CaseResult:
    """Run one case on its dataset (`case_dataset`) and compare."""
    start = time.perf_counter()
    try:
        frames = _frames_of(case, data, book)
    except (DatasetError, RulebookError) as exc:
        return CaseResult(case, error=str(exc), seconds=time.perf_counter() - start)
    items = frames["line_items"]
    differences: list[Difference] = []
    for e in case.expect:
        if e.frame == "line_items":
            differences += _item_check(e, items, case.tolerance)
        elif e.frame not in frames:
            differences.append(Difference(e.where, "结果表", e.frame, "（未产出）"))
        else:
            differences += _row_check(e, frames[e.frame], case.tolerance)
    if case.no_other_items:
        named = {(e.subject, e.rule) for e in case.expect if e.frame == "line_items"}
        subjects = sorted({s for s, _ in named})
        extra = items.filter(
            pl.col("subject_id").is_in(subjects)
            & pl.col("scorer").is_in(case.families)
            & (pl.col("points") != 0)
        )
        for row in extra.iter_rows(named=True):
            if (row["subject_id"], row["rule_id"]) not in named:
                differences.append(
                    Difference(
                        f"扣分项 {row['subject_id']} {row['rule_id']}",
                        "分值",
                        "（不应有其他非零扣分项）",
                        row["points"],
                    )
                )
    shown = pl.DataFrame()
    if differences:
        shown = items.filter(
            pl.col("subject_id").is_in(_subjects(case, frames)) & (pl.col("points") != 0)
        ).select("subject_id", "rule_id", "points", "reason")
    return CaseResult(case, tuple(differences), items=shown, seconds=time.perf_counter() - start)


def _toml_value(value: Any) -> str:
    """A value as TOML text (numbers, text, booleans, dates, arrays, inline tables)."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    return json.dumps(str(value), ensure_ascii=False)


def _with_parameters(case: RuleCase, base: Rulebook) -> Rulebook:
    """`base` with the case's `parameters` set, through the loader (an override
    file extending the base), so that each value is checked as a rule file's is."""
    import tempfile

    from accountability.rulebook import load_rulebook

    parent = Path(base.sources[-1]).resolve()
    lines = [f"extends = {_toml_value(str(parent))}", "", "[meta]",
             f"name = {_toml_value(base.name + '（案例设定）')}", ""]  # fmt: skip
    for key, value in case.parameters.items():
        lines += [f"[{key}]", f"value = {_toml_value(value)}",
                  'basis = "规则案例设定的值 (a value the rule case sets)"', ""]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case-parameters.toml"
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            return load_rulebook(path, allow=(parent,))
        except RulebookError as exc:
            raise CaseFileError(
                [
                    f"{case.source}: case {case.name!r}: parameters: "
                    + p.replace(str(path), "case-parameters")
                    for p in exc.problems
                ]
            ) from None


def _rulebook_of(case: RuleCase, rules: Rulebook | str | Path | None, cache: dict) -> Rulebook:
    from accountability.rulebook import load_rulebook, rulebook

    key: Any = ("given", id(rules)) if rules is not None else case.rulebook
    if key not in cache:
        if rules is not None:
            from accountability.arguments import as_rulebook

            cache[key] = as_rulebook(rules, "run_cases")
        else:
            cache[key] = rulebook() if case.rulebook is None else load_rulebook(case.rulebook)
    if not case.parameters:
        return cache[key]
    with_params = (key, tuple(sorted((k, repr(v)) for k, v in case.parameters.items())))
    if with_params not in cache:
        cache[with_params] = _with_parameters(case, cache[key])
    return cache[with_params]


def run_cases(cases: Iterable[RuleCase], rules: Rulebook | str | Path | None = None) -> CaseReport:
    """Run every case: first build every dataset (a row the loader rejects is a
    `CaseFileError`, with every such problem), then run and compare each case.
    `rules`: one rulebook for every case (default: each file's own ``rulebook``, else
    the built-in one).

    >>> report = run_cases(load_cases(DEFAULT_CASES / "annual.cases.toml")[:1])
    >>> report.passed
    True
    """
    cases = tuple(cases)
    cache: dict = {}
    problems: list[str] = []
    prepared: list[tuple[RuleCase, Rulebook, Dataset]] = []
    for case in cases:
        try:
            book = _rulebook_of(case, rules, cache)
        except RulebookError as exc:
            raise CaseFileError([f"{case.source}: rulebook: {p}" for p in exc.problems]) from None
        except CaseFileError as exc:
            problems += exc.problems
            continue
        try:
            prepared.append((case, book, case_dataset(case, book)))
        except CaseFileError as exc:
            problems += exc.problems
    if problems:
        raise CaseFileError(problems)
    return CaseReport(tuple(run_case(case, book, data) for case, book, data in prepared))


# --- coverage -----------------------------------------------------------------------


def _basis_of(rule: Any, at: Any) -> str:
    """Where a rule's basis comes from: its parameters' bases in the rulebook (参数),
    the text of law its record holds (法条), each input row's own basis (数据: the
    adjustments), or "" when it has none."""
    if rule.params and rule.basis(at):
        return "参数"
    if rule.cites:
        return "引用"
    compute = rule.compute
    laws = [getattr(compute, "article", "")]
    laws += [getattr(g, "law", "") for g in getattr(compute, "gaps", ())]
    if any(laws):
        return "法条"
    if any("basis" in TABLES[t].column_names and TABLES[t].column("basis").required
           for t in rule.tables if t in TABLES):  # fmt: skip
        return "数据"
    return ""


def rule_coverage(
    rules: Rulebook | None = None,
    cases: Iterable[RuleCase] = (),
    *,
    registry: Registry | None = None,
    on: dt.date | None = None,
) -> pl.DataFrame:
    """Every rule of the registry: whether a case certifies it and whether it has a
    basis (``basis_from``: 参数, the rulebook's bases of its parameters; 引用, the
    document or reading a rule without parameters cites; 法条, the text of law its
    record computes with; 数据, each input row's own basis; "" none) under `rules`
    (values in force `on`, default today), with the names of its cases.

    >>> cover = rule_coverage(cases=load_cases(DEFAULT_CASES))
    >>> cover.columns
    ['rule_id', 'scorer', 'label', 'has_case', 'has_basis', 'basis_from', 'cases']
    """
    from accountability.rulebook import rulebook
    from accountability.rules.registry import REGISTRY

    reg = REGISTRY if registry is None else registry
    book = rulebook() if rules is None else rules
    at = book.at(on or dt.date.today())
    named: dict[str, list[str]] = {}
    for case in cases:
        for rule_id in case.rules:
            record = reg.find(rule_id)
            if record is not None:
                named.setdefault(record.id, []).append(case.name)
    rows = []
    for rule in reg:
        source = _basis_of(rule, at)
        rows.append(
            {
                "rule_id": rule.id,
                "scorer": rule.scorer,
                "label": rule.label,
                "has_case": rule.id in named,
                "has_basis": bool(source),
                "basis_from": source,
                "cases": named.get(rule.id, []),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "rule_id": pl.String(),
            "scorer": pl.String(),
            "label": pl.String(),
            "has_case": pl.Boolean(),
            "has_basis": pl.Boolean(),
            "basis_from": pl.String(),
            "cases": pl.List(pl.String()),
        },
    )
