"""Reading rulebook TOML files: `extends`, overrides by key, and the checks.

Nothing in a rule file is executed or evaluated: TOML is parsed as data, and every
value is checked against the parameter it sets.  Every error names the file, the line
and the key (`path:line: key: message`).  All the faults of a file (and of the files
it extends) are collected and raised as one RulebookError whose `problems` lists them
by file and line, so a rule file is fixed in one pass; only a TOML syntax error, an
unreadable, missing or too large file, a value nested too deep or of a type a rule
cannot hold, and a broken or refused `extends` stop the loading at once.  A file
that gives no parameter and extends nothing is an error (规则文件为空).

Overrides.  A file that says `extends = "default"` (or a path relative to the file,
inside its folder: see below; chains are allowed, cycles are an error) loads its
parent first.  Each parameter it gives replaces the parent's whole parameter — all its
dated values, whole arrays and tables — and must give its own `basis`.  It may leave
out `label` and `unit` (they are inherited); a `unit` it gives must be the parent's.
The new value must keep the parent's shape: the same type (integers and decimals are
both numbers: a number is converted to the parent's kind, so `2` overriding `2.0` is
`2.0`, and a count must stay whole), the same fields in a record table
(`annual.veto_city` keeps `grade_counts` and `concealed`; each `annual.grade_bands`
entry keeps `grade` and `min`), and values of the same shape in a free-keyed table
(grade counts, the sector → department map, duty requirements, per-level bonuses).
Duty requirements may be written per role (`{ role = { activity = n } }`) or per role
and region level (`{ role = { level = { activity = n } } }`), whatever shape the
parent uses; the entries of the 约谈 and 通报 rule lists (`dual_duty.summons`,
`dual_duty.escalation`) have optional fields, so each keeps its own shape and the
parameter's check alone says what an entry must hold.

What `extends` may name, and limits.  `extends` names either `"default"` (the
built-in rulebook) or a rule file in the extending file's own folder or below it
(`"province.toml"`, `"shared/hunan.toml"`).  A path that leaves that folder (`"../x"`,
an absolute path elsewhere, or a symbolic link whose target lies elsewhere: paths are
compared after `Path.resolve()`) is refused unless the caller trusts it explicitly with
`load_rulebook(path, allow=(folder_or_file, ...))`.  A file reached through `extends`
that is not TOML is reported as "不是规则文件 (not a rule file)" with its path and
line, never its content.  A rule file may be at most 16 MB; its keys, arrays and
tables may nest at most 32 levels deep; a value is a number, text, true/false, a date,
an array or a table (a time or a date-time is refused).  Each of these is one
RulebookError naming the file (and the line and key), never a crash.

>>> rulebook().name
'默认规则库'
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import attrs

from accountability.errors import RulebookError
from accountability.rulebook.checks import Problem, problems_of, render_problems
from accountability.rulebook.model import DatedValue, Parameter, Rulebook
from accountability.rulebook.positions import bracket_depth_line, key_positions, locate

__all__ = ["DEFAULT_PATH", "MAX_BYTES", "MAX_DEPTH", "load_rulebook", "rulebook"]

DEFAULT_PATH = Path(__file__).with_name("default.toml")

MAX_BYTES = 16 * 1024 * 1024  # a rule file larger than this is refused unread
MAX_DEPTH = 32  # keys, arrays and tables nested deeper than this are refused

_CONFINED = (
    "extends 只能指向 default、本文件所在目录或其子目录中的规则文件，或调用方允许的路径"
    ' (extends may only name "default", a rule file in this file\'s folder or below it,'
    " or a path the caller allows with load_rulebook(..., allow=...))"
)
_TOO_DEEP = f"嵌套层数过深: 超过 {MAX_DEPTH} 层 (nested too deep: more than {MAX_DEPTH} levels)"

_PARAM_FIELDS = ("label", "unit", "basis", "value", "values", "note")
_TOP_LEVEL = ("extends", "meta")
_META_FIELDS = ("name", "description", "effective_from")

# Tables whose keys are free (a map, not a record): their values share one shape.
_FREE_KEYED = frozenset(
    {
        "annual.section_weights",
        "sectors.departments",
        "enterprise.standardization_bonus",
        "enterprise.inspections_per_year",
        "dual_duty.duty_requirements",
        "four_musts.sector_repeat_windows",
        "four_musts.fine_ranges",
        "enterprise.class_schemes",
        "enterprise.plan_levels",
    }
)

# Arrays whose entries have optional fields: an override's entries keep their own shape
# (the parameter's check says what an entry holds), not that of the parent's first.
_FREE_ENTRIES = frozenset({"dual_duty.summons", "dual_duty.escalation"})
# Free-keyed tables one level of whose values may be either a value of the parent's shape
# or a table of them (duty requirements per role, or per role and region level): the
# key and the depth of that level.
_LEVELLED = {"dual_duty.duty_requirements": 2}

# Unknown keys in one file that get a did-you-mean hint (each hint compares the key
# with every known key).
_MAX_HINTS = 200

_KIND_ZH = {"bool": "布尔值", "number": "数值", "string": "字符串", "array": "数组", "table": "表"}


def _locate(text: str, key: str) -> int | None:
    """The 1-based line where `key` ("section.name" or "section.name.field...") is defined.

    >>> _locate('[a]\\nb.value = 1\\n', "a.b.value")
    2
    """
    return locate(key_positions(text), key)


def _hint(word: str, options: list[str]) -> tuple[str, str]:
    """A did-you-mean suffix in Chinese and in English."""
    close = difflib.get_close_matches(word, options, n=1)
    if not close:
        return "", ""
    return f"，是否应为 {close[0]}？", f"; did you mean {close[0]}?"


class _Source:
    """A rule file's text, for error messages that name file, line and key."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self._positions: dict[tuple[str, ...], int] | None = None
        self._by_parameter: dict[tuple[str, ...], dict[str, int]] | None = None

    @property
    def positions(self) -> dict[tuple[str, ...], int]:
        if self._positions is None:
            self._positions = key_positions(self.text)
        return self._positions

    def line(self, key: str) -> int | None:
        return locate(self.positions, key)

    def where(self, key: str) -> str:
        line = self.line(key)
        return f"{self.path}:{line}" if line else str(self.path)

    def problem(
        self, key: str, message: str, at: str | None = None, suggestion: str = ""
    ) -> Problem:
        """`path:line: key: message`, the line being that of `at` (default: `key`)."""
        return Problem(str(self.path), self.line(at or key), key, message, suggestion)

    def error(self, key: str, message: str, at: str | None = None) -> RulebookError:
        """A fault that stops the loading: `path:line: key: message`."""
        return RulebookError(str(self.problem(key, message, at)))

    def lines_of(self, key: str) -> dict[str, int]:
        """Lines of everything written under parameter `key`, by sub-path."""
        if self._by_parameter is None:
            grouped: dict[tuple[str, ...], dict[str, int]] = {}
            for path, line in self.positions.items():
                if len(path) >= 2:
                    grouped.setdefault(path[:2], {})[".".join(path[2:])] = line
            self._by_parameter = grouped
        return dict(self._by_parameter.get(tuple(key.split(".", 1)), {}))


def _syntax_context(text: str, line: int) -> str:
    """The table (and key) a syntax error sits in, for the message."""
    lines = text.splitlines()
    table = ""
    for raw in lines[: max(line, 0)]:
        match = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?", raw)
        if match:
            table = re.sub(r"\s*\.\s*", ".", match.group(1))
    key = ""
    if 0 < line <= len(lines):
        match = re.match(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=", lines[line - 1])
        if match:
            key = re.sub(r"\s*\.\s*", ".", match.group(1))
    return ".".join(p for p in (table, key) if p) or "(顶层)"


def _too_large(path: Path) -> RulebookError:
    return RulebookError(
        f"{path}: 规则文件过大，上限 {MAX_BYTES // (1024 * 1024)} MB，未读取"
        f" (rule file larger than the {MAX_BYTES // (1024 * 1024)} MB limit; not read)"
    )


def _text_of(path: Path, extended: bool) -> str:
    """The file's text, read only up to the size limit (a /proc file reports size 0)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise _too_large(path)
        with path.open(encoding="utf-8") as handle:
            text = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise RulebookError(f"{path}: 找不到规则文件 (no such rule file)") from None
    except UnicodeDecodeError:
        if extended:
            raise RulebookError(f"{path}: 不是规则文件 (not a rule file): 非 UTF-8 文本") from None
        raise RulebookError(
            f"{path}: 无法读取规则文件: 不是 UTF-8 文本 (cannot read rule file: not UTF-8 text)"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RulebookError(f"{path}: 无法读取规则文件 (cannot read rule file): {reason}") from None
    if len(text) > MAX_BYTES:
        raise _too_large(path)
    return text


def _read(path: Path, *, extended: bool = False) -> tuple[_Source, dict[str, Any]]:
    """The file's source and TOML data, its values checked for depth and type.

    `extended`: the file is reached through `extends`; its content is never quoted.
    """
    text = _text_of(path, extended)
    source = _Source(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+), column (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        where = f"{path}:{line}" if line else str(path)
        if extended:
            raise RulebookError(
                f"{where}: 不是规则文件 (not a rule file): TOML 语法错误 (TOML syntax error)"
            ) from None
        context = _syntax_context(text, line or 0)
        raise RulebookError(f"{where}: {context}: TOML 语法错误 (syntax error): {exc}") from None
    except RecursionError:
        line = bracket_depth_line(text, MAX_DEPTH)
        if line is None:
            raise RulebookError(f"{path}: {_TOO_DEEP}") from None
        key = _syntax_context(text, line)
        raise RulebookError(f"{path}:{line}: {key}: {_TOO_DEEP}") from None
    faults = _value_faults(source, data)
    if faults:
        raise RulebookError(problems=render_problems(faults))
    return source, data


def _sub_path(path: tuple[str, ...]) -> str:
    """`values[0].from`: the part of a key path inside its parameter, as a reader writes it."""
    return "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in path[2:]).lstrip(".")


def _value_faults(source: _Source, data: dict[str, Any]) -> list[Problem]:
    """Values nested more than MAX_DEPTH deep, and values of a type a rule cannot hold.

    Iterative, so that no depth of nesting can exhaust the stack; nothing below a value
    too deep is visited.
    """
    faults: list[Problem] = []
    stack: list[tuple[tuple[str, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        key = ".".join([p for p in path if not p.isdigit()][:2])  # as written: x, not x.0
        inside = _sub_path(path)
        if len(path) > MAX_DEPTH:
            names = ".".join(path[: MAX_DEPTH + 1])
            faults.append(source.problem(key, _TOO_DEEP, at=names))
            continue
        if isinstance(value, dict):
            stack.extend(((*path, str(k)), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, str(i)), v) for i, v in enumerate(value))
        elif isinstance(value, dt.datetime | dt.time):
            kind = "日期时间 (date-time)" if isinstance(value, dt.datetime) else "时间 (time)"
            faults.append(
                source.problem(
                    key,
                    f"{inside + ' ' if inside else ''}取值类型不受支持: {kind}；"
                    "规则文件只接受数值、文字、true/false、日期 YYYY-MM-DD、数组和表"
                    " (unsupported value type: a rule file holds numbers, text, true/false,"
                    " dates, arrays and tables)",
                    at=".".join(path),
                )
            )
    return faults


def _kind(value: Any) -> str:
    """The type family a value must keep when overridden."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, dt.date):
        return "date"
    return type(value).__name__


def _normalise(value: Any) -> Any:
    """Plain JSON-ready values: dates become ISO text; numbers stay as written."""
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


class _ShapeError(Exception):
    def __init__(self, path: tuple[str, ...], message: str, suggestion: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.suggestion = suggestion


def _free_keyed(key: str) -> Callable[[tuple[str, ...]], bool]:
    """Which tables inside parameter `key`'s value have free keys (maps, not records),
    and which arrays free entries (each entry its own shape)."""

    def test(path: tuple[str, ...]) -> bool:
        if path and path[-1] == "grade_counts":
            return True
        if not path:
            return key in _FREE_KEYED or key in _FREE_ENTRIES or key.endswith("grade_counts")
        return key in _LEVELLED and len(path) <= _LEVELLED[key]

    return test


def _free_value(
    sample: Any, new: Any, free: Callable[[tuple[str, ...]], bool], path: tuple[str, ...]
) -> Any:
    """One value of a free-keyed table, conformed to the template's `sample` value; where
    the level is free too (duty requirements by region level), the value may be one level
    deeper than the sample (a table of sample-shaped values) or one level shallower (a
    value of the sample's own values' shape)."""
    if free(path) and _kind(new) == "table" and _kind(sample) != "table":
        return {k: _conform(sample, v, free, (*path, k)) for k, v in new.items()}
    if free(path) and _kind(sample) == "table" and _kind(new) != "table":
        inner = next(iter(sample.values()), None)
        return new if inner is None else _conform(inner, new, free, path)
    return _conform(sample, new, free, path)


# Fields a rule file may leave out of a parameter's value, with the value they take: the
# veto and yellow-card tables gained entries, and files written before keep loading.
_DECISION_TABLES = tuple(
    f"annual.{kind}_{level}"
    for kind in ("veto", "yellow_card")
    for level in ("province", "city", "county")
)
_OPTIONAL_FIELDS: dict[str, dict[str, Any]] = {
    **{
        key: {"concealed": 0, "reporting": [], "exempt_without_local_responsibility": False}
        for key in _DECISION_TABLES
    },
    **{
        f"annual.{kind}_department": {
            "concealed": 0,
            "reporting": [],
            "exempt_without_supervisory_responsibility": False,
        }
        for kind in ("veto", "yellow_card")
    },
    **{
        f"annual.{kind}_state_enterprise": {"concealed": 0, "reporting": []}
        for kind in ("veto", "yellow_card")
    },
    "annual.unit_rules": {"department": [], "state_enterprise": []},
}


def _with_optional_fields(key: str, value: Any) -> Any:
    """`value` with the fields of `_OPTIONAL_FIELDS` it leaves out at their defaults."""
    defaults = _OPTIONAL_FIELDS.get(key)
    if not defaults or not isinstance(value, dict):
        return value
    return {**{k: v for k, v in defaults.items() if k not in value}, **value}


def _show_path(path: tuple[str, ...]) -> str:
    """`value[1].min`: a sub-path as a reader writes it."""
    return "value" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in path)


def _conform(
    template: Any, new: Any, free: Callable[[tuple[str, ...]], bool], path: tuple[str, ...] = ()
) -> Any:
    """`new` in `template`'s shape (numbers converted to its kind), or a _ShapeError."""
    t_kind, n_kind = _kind(template), _kind(new)
    if t_kind != n_kind:
        raise _ShapeError(
            path,
            f"{_show_path(path)} 类型错误: 应为{_KIND_ZH.get(t_kind, t_kind)}，"
            f"实为{_KIND_ZH.get(n_kind, n_kind)} (wrong type: expected {t_kind}, got {n_kind})",
        )
    if t_kind == "number":
        if isinstance(template, float):
            return float(new)
        if isinstance(new, float):
            if not new.is_integer():
                low, high = math.floor(new), math.ceil(new)
                raise _ShapeError(
                    path,
                    f"{_show_path(path)} 应为整数，实为 {new!r} (integer expected)",
                    f"是否应为 {low} 或 {high}？(did you mean {low} or {high}?)",
                )
            return int(new)
        return new
    if t_kind == "array":
        if not template or free(path):
            return new
        return [_conform(template[0], v, free, (*path, str(i))) for i, v in enumerate(new)]
    if t_kind == "table":
        if free(path):
            if not template:
                return new
            sample = next(iter(template.values()))
            return {k: _free_value(sample, v, free, (*path, k)) for k, v in new.items()}
        for field in new:
            if field not in template:
                zh, en = _hint(field, list(template))
                raise _ShapeError(
                    (*path, field),
                    f"{_show_path(path)} 中的未知字段 {field!r}{zh}（应有 {list(template)}）"
                    f" (unknown field{en})",
                )
        for field in template:
            if field not in new:
                raise _ShapeError(
                    path,
                    f"{_show_path(path)} 缺少字段 {field!r}，应有 {list(template)} (missing field)",
                )
        return {k: _conform(template[k], new[k], free, (*path, k)) for k in template}
    return new


@attrs.define
class _Report:
    """What loading found wrong so far, across every file read."""

    problems: list[Problem] = attrs.Factory(list)
    basis_missing: set[str] = attrs.Factory(set)  # keys whose missing basis is reported

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)


def _parse_parameter(source: _Source, key: str, raw: Any, report: _Report) -> Parameter | None:
    """The parameter `raw` sets, or None when it cannot be read (its faults reported)."""
    if not isinstance(raw, dict):
        report.add(
            source.problem(
                key,
                "参数必须是一个表 [section.name]，含 value、basis 等字段 (a parameter is a table)",
            )
        )
        return None
    for field in raw:
        if field not in _PARAM_FIELDS:
            zh, en = _hint(field, list(_PARAM_FIELDS))
            report.add(
                source.problem(
                    key, f"未知字段 {field!r}{zh} (unknown field{en})", at=f"{key}.{field}"
                )
            )
    basis = raw.get("basis")
    if not isinstance(basis, str) or not basis.strip():
        report.add(
            source.problem(
                key,
                "缺少依据 basis（文件与条款，或“参考值”） (basis missing)",
                at=f"{key}.basis" if "basis" in raw else key,
            )
        )
        report.basis_missing.add(key)
        basis = ""
    texts: dict[str, str | None] = {}
    for field in ("label", "unit", "note"):
        texts[field] = raw.get(field)
        if field in raw and not isinstance(raw[field], str):
            report.add(
                source.problem(
                    key, f"{field} 必须是字符串 ({field} must be a string)", at=f"{key}.{field}"
                )
            )
            texts[field] = None
    if ("value" in raw) == ("values" in raw):
        report.add(
            source.problem(
                key, "需要且只能给出 value 或 values 之一 (exactly one of value / values)"
            )
        )
        return None
    lines = source.lines_of(key)
    if "value" in raw:
        values: tuple[DatedValue, ...] = (DatedValue(None, _normalise(raw["value"])),)
    else:
        dated = _parse_dated(source, key, raw["values"], lines, report)
        if dated is None:
            return None
        values, lines = dated
    free = _free_keyed(key)
    first = values[0].value
    conformed = [values[0]]
    sound = True
    for i, dated_value in enumerate(values[1:], start=1):
        try:
            value = _with_optional_fields(key, dated_value.value)
            conformed.append(attrs.evolve(dated_value, value=_conform(first, value, free)))
        except _ShapeError as exc:
            sound = False
            report.add(
                source.problem(
                    key,
                    f"各期取值形状不一致: {exc.message} (dated values differ in shape)",
                    at=".".join((key, "values", str(i), "value", *exc.path)),
                    suggestion=exc.suggestion,
                )
            )
    if not sound:
        return None
    return Parameter(
        key=key,
        label=texts["label"] or "",
        basis=basis.strip(),
        values=tuple(conformed),
        unit=texts["unit"],
        note=texts["note"],
        source=source.where(key),
        file=str(source.path),
        lines=lines,
    )


def _parse_dated(
    source: _Source, key: str, dated: Any, lines: dict[str, int], report: _Report
) -> tuple[tuple[DatedValue, ...], dict[str, int]] | None:
    """Dated values in date order, and `lines` renumbered to that order; None when any
    entry cannot be read (each fault reported)."""
    if not isinstance(dated, list) or not dated:
        report.add(
            source.problem(
                key, "values 必须是非空数组 [{ from = 日期, value = … }]", at=f"{key}.values"
            )
        )
        return None
    seen: dict[dt.date, int] = {}
    items: list[tuple[DatedValue, int]] = []
    sound = True
    for i, entry in enumerate(dated):
        at = f"{key}.values.{i}"
        if not isinstance(entry, dict) or set(entry) != {"from", "value"}:
            sound = False
            report.add(
                source.problem(
                    key,
                    "每个取值须为 { from = YYYY-MM-DD, value = … }"
                    " (each dated value is { from, value })",
                    at=at,
                )
            )
            continue
        start = entry["from"]
        if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
            sound = False
            report.add(
                source.problem(
                    key, f"from 必须是日期 YYYY-MM-DD，而不是 {start!r}", at=f"{at}.from"
                )
            )
            continue
        if start in seen:
            sound = False
            report.add(
                source.problem(
                    key,
                    f"两个取值的 from 相同: {start}（第 {seen[start] + 1} 与第 {i + 1} 个）"
                    " (two values with the same from)",
                    at=f"{at}.from",
                )
            )
            continue
        seen[start] = i
        items.append((DatedValue(start, _normalise(entry["value"])), i))
    if not sound:
        return None
    items.sort(key=lambda item: item[0].start or dt.date.min)
    order = {file_i: sorted_i for sorted_i, (_, file_i) in enumerate(items)}
    renumbered = {}
    for sub, line in lines.items():
        parts = sub.split(".")
        if len(parts) >= 2 and parts[0] == "values" and parts[1].isdigit():
            parts[1] = str(order.get(int(parts[1]), parts[1]))
        renumbered[".".join(parts)] = line
    return tuple(d for d, _ in items), renumbered


def _parameters_of(source: _Source, data: dict[str, Any], report: _Report) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    for section, body in data.items():
        if section in _TOP_LEVEL:
            continue
        if not isinstance(body, dict):
            zh, en = _hint(section, list(_TOP_LEVEL))
            report.add(
                source.problem(
                    section,
                    f"未知的顶层键{zh}；顶层只能是 extends、meta 或规则分节 [section.name]"
                    f" (unknown top-level key{en})",
                )
            )
            continue
        for name, raw in body.items():
            key = f"{section}.{name}"
            param = _parse_parameter(source, key, raw, report)
            if param is not None:
                params[key] = param
    return params


def _override(
    source: _Source, key: str, new: Parameter, old: Parameter, report: _Report
) -> Parameter | None:
    """`new` replacing `old`: same shape and unit; label and unit inherited if left out.

    None when it does not keep the parent's shape or unit (each fault reported)."""
    free = _free_keyed(key)
    template = old.values[0].value
    values = []
    sound = True
    for i, dated in enumerate(new.values):
        try:
            value = _with_optional_fields(key, dated.value)
            values.append(attrs.evolve(dated, value=_conform(template, value, free)))
        except _ShapeError as exc:
            sound = False
            head = ("value",) if dated.start is None else ("values", str(i), "value")
            report.add(
                source.problem(
                    key,
                    f"与被覆盖的参数不一致: {exc.message} (override must keep the parent's shape)",
                    at=".".join((key, *head, *exc.path)),
                    suggestion=exc.suggestion,
                )
            )
    if new.unit is not None and new.unit != old.unit:
        sound = False
        expected = f"应为 {old.unit!r}" if old.unit is not None else "该参数没有单位"
        report.add(
            source.problem(
                key, f"单位错误: {expected}，而不是 {new.unit!r} (wrong unit)", at=f"{key}.unit"
            )
        )
    if not sound:
        return None
    return attrs.evolve(
        new,
        values=tuple(values),
        label=new.label or old.label,
        unit=old.unit if new.unit is None else new.unit,
    )


def _parent_path(source: _Source, extends: Any, allowed: tuple[Path, ...]) -> Path:
    """The file `extends` names, if it is "default", in the folder of `source` (or below
    it) or among the `allowed` paths, after resolving symbolic links."""
    if not isinstance(extends, str) or not extends.strip():
        raise source.error("extends", 'extends 必须是 "default" 或规则文件路径')
    if extends == "default":
        return DEFAULT_PATH
    try:
        parent = (source.path.parent / extends).resolve()
    except (OSError, RuntimeError, ValueError):
        raise source.error("extends", f"{_CONFINED}: {extends!r}") from None
    trusted = (source.path.parent, *allowed)
    if not any(parent.is_relative_to(place) for place in trusted):
        raise source.error("extends", f"{_CONFINED}: {extends!r} → {parent}")
    if not parent.is_file():
        raise source.error("extends", f"找不到 extends 指向的文件 {parent} (no such rule file)")
    return parent


def _meta_of(source: _Source, data: dict[str, Any], report: _Report) -> dict[str, Any]:
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        report.add(source.problem("meta", "meta 必须是表 [meta]"))
        return {}
    for field in meta:
        if field not in _META_FIELDS:
            zh, en = _hint(field, list(_META_FIELDS))
            report.add(
                source.problem(f"meta.{field}", f"未知字段 {field!r}{zh} (unknown field{en})")
            )
    return meta


def _load(
    path: Path, chain: tuple[Path, ...], report: _Report, allowed: tuple[Path, ...] = ()
) -> tuple[dict[str, Parameter], list[dict[str, Any]], tuple[str, ...]]:
    """Resolved parameters, the `meta` tables and the files read, parent first.

    Faults of single parameters go to `report` (the parameter is left out, or the
    parent's kept); a file that cannot be read or extended raises at once.
    """
    path = path.resolve()
    source, data = _read(path, extended=bool(chain))
    meta = _meta_of(source, data, report)
    if not any(k != "meta" for k in data):
        report.add(Problem(str(path), None, "", "规则文件为空 (empty rule file)"))
    own = _parameters_of(source, data, report)
    if "extends" not in data:
        return own, [meta], (str(path),)
    parent_path = _parent_path(source, data["extends"], allowed)
    if parent_path in (*chain, path):
        cycle = " → ".join(str(p) for p in (*chain, path, parent_path))
        raise source.error("extends", f"extends 形成循环 (circular extends): {cycle}")
    parent, metas, files = _load(parent_path, (*chain, path), report, allowed)
    merged = dict(parent)
    known = sorted(parent)
    unknown = 0
    for key, param in own.items():
        if key not in parent:
            unknown += 1  # past a few hundred, not typos: spare the did-you-mean search
            zh, en = _hint(key, known) if unknown <= _MAX_HINTS else ("", "")
            report.add(source.problem(key, f"未知参数{zh} (unknown key{en})"))
            continue
        overridden = _override(source, key, param, parent[key], report)
        if overridden is not None:
            merged[key] = overridden
    return merged, [*metas, meta], (*files, str(path))


def load_rulebook(path: str | Path, *, allow: Iterable[str | Path] = ()) -> Rulebook:
    """Load a rule file; `extends = "default"` (or a path) loads its parent first.

    The word "default" loads the built-in rulebook.  `extends` may name a rule file in
    the extending file's folder or below it; `allow` adds folders (and all below them)
    or single files the caller trusts as well (default: none).  Raises one
    `RulebookError` on any fault, its `problems` listing every fault found
    (`file:line: key: message`), sorted by file and line.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "city.toml"
    >>> _ = p.write_text('extends = "default"\\n[annual.b2_coverage_target]\\n'
    ...                  'value = 0.4\\nbasis = "市细则"\\n', encoding="utf-8")
    >>> load_rulebook(p).for_year(2024)["annual.b2_coverage_target"]
    0.4
    >>> _ = p.write_text('extends = "default"\\n[annual.b2_coverage_target]\\n'
    ...                  'value = 35\\n', encoding="utf-8")
    >>> try:
    ...     load_rulebook(p)
    ... except RulebookError as error:
    ...     print(len(error.problems))
    2
    """
    if str(path) == "default":
        path = DEFAULT_PATH
    path = Path(path)
    if isinstance(allow, str | Path):
        allow = (allow,)
    allowed = tuple(Path(place).resolve() for place in allow)
    report = _Report()
    params, metas, files = _load(path, (), report, allowed)
    own = metas[-1]
    book = Rulebook(
        name=str(own.get("name", path.stem)),
        parameters=params,
        sources=files,
        description=str(own.get("description", "")),
    )
    problems = [*report.problems, *problems_of(book, basis_reported=report.basis_missing)]
    if problems:
        raise RulebookError(problems=render_problems(problems))
    return book


@cache
def rulebook() -> Rulebook:
    """The built-in default rulebook, every number with its unit, label and basis."""
    return load_rulebook(DEFAULT_PATH)
