"""Reading rulebook TOML files: `extends`, overrides by key, and the checks.

Nothing in a rule file is executed or evaluated: TOML is parsed as data, and every
value is checked against the parameter it sets.

>>> rulebook().name
'默认规则库'
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from accountability.errors import RulebookError
from accountability.rulebook.model import DatedValue, Parameter, Rulebook

__all__ = ["DEFAULT_PATH", "load_rulebook", "rulebook"]

DEFAULT_PATH = Path(__file__).with_name("default.toml")

_PARAM_FIELDS = {"label", "unit", "basis", "value", "values", "note"}
_TOP_LEVEL = {"extends", "meta"}
_META_FIELDS = {"name", "description", "effective_from"}


def _locate(text: str, key: str) -> int | None:
    """The 1-based line where `key` ("section.name" or "section.name.field") is defined.

    tomllib gives no positions, so find the table header `[section.name]` and, for a
    field, the first `field =` line after it.
    """
    parts = key.split(".")
    lines = text.splitlines()
    header_line = None
    for depth in range(min(len(parts), 2), 0, -1):
        table = ".".join(parts[:depth])
        pattern = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        for i, line in enumerate(lines):
            if pattern.match(line):
                header_line = i
                break
        if header_line is not None:
            break
    if header_line is None:
        bare = re.compile(r"^\s*" + re.escape(parts[0]) + r"\s*=")
        for i, line in enumerate(lines):
            if bare.match(line):
                return i + 1
        return None
    if len(parts) <= 2:
        return header_line + 1
    field = re.compile(r"^\s*" + re.escape(parts[-1]) + r"\s*=")
    for i in range(header_line + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if field.match(lines[i]):
            return i + 1
    return header_line + 1


class _Source:
    """A rule file's text, for error messages that name file, line and key."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def where(self, key: str) -> str:
        line = _locate(self.text, key)
        return f"{self.path}:{line}" if line else str(self.path)

    def error(self, key: str, message: str) -> RulebookError:
        return RulebookError(f"{self.where(key)}: {key}: {message}")


def _read(path: Path) -> tuple[_Source, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulebookError(f"{path}: 无法读取规则文件 (cannot read rule file): {exc}") from exc
    source = _Source(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"{path}: TOML 语法错误 (syntax error): {exc}") from exc
    return source, data


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
    """Plain JSON-ready values: ints in float positions stay as given (TOML keeps them)."""
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _parse_parameter(source: _Source, key: str, raw: Any) -> Parameter:
    if not isinstance(raw, dict):
        raise source.error(key, "参数必须是一个表 [section.name]，含 value/basis 等字段 (a parameter is a table)")
    unknown = set(raw) - _PARAM_FIELDS
    if unknown:
        field = sorted(unknown)[0]
        hint = difflib.get_close_matches(field, sorted(_PARAM_FIELDS), n=1)
        raise source.error(
            f"{key}.{field}",
            f"未知字段 {field!r}" + (f"，是否应为 {hint[0]!r}？" if hint else "")
            + f" (unknown field{'; did you mean ' + repr(hint[0]) + '?' if hint else ''})",
        )
    basis = raw.get("basis")
    if not isinstance(basis, str) or not basis.strip():
        raise source.error(key, "缺少依据 basis（文件与条款，或“参考值”） (basis missing)")
    label = raw.get("label", "")
    if not isinstance(label, str):
        raise source.error(f"{key}.label", "label 必须是字符串")
    unit = raw.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise source.error(f"{key}.unit", "unit 必须是字符串")
    if ("value" in raw) == ("values" in raw):
        raise source.error(key, "需要且只能给出 value 或 values 之一 (exactly one of value / values)")
    if "value" in raw:
        values: tuple[DatedValue, ...] = (DatedValue(None, _normalise(raw["value"])),)
    else:
        dated = raw["values"]
        if not isinstance(dated, list) or not dated:
            raise source.error(f"{key}.values", "values 必须是非空数组 [{ from = 日期, value = … }]")
        seen: set[dt.date] = set()
        items = []
        for entry in dated:
            if not isinstance(entry, dict) or set(entry) != {"from", "value"}:
                raise source.error(f"{key}.values", "每个取值须为 { from = YYYY-MM-DD, value = … }")
            start = entry["from"]
            if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
                raise source.error(f"{key}.values", f"from 必须是日期 YYYY-MM-DD，而不是 {start!r}")
            if start in seen:
                raise source.error(f"{key}.values", f"两个取值的 from 相同: {start} (two values with the same from)")
            seen.add(start)
            items.append(DatedValue(start, _normalise(entry["value"])))
        values = tuple(sorted(items, key=lambda d: d.start or dt.date.min))
        kinds = {_kind(v.value) for v in values}
        if len(kinds) > 1:
            raise source.error(f"{key}.values", f"各期取值类型不一致: {sorted(kinds)}")
    return Parameter(
        key=key,
        label=label,
        basis=basis.strip(),
        values=values,
        unit=unit,
        note=raw.get("note"),
        source=source.where(key),
    )


def _parameters_of(source: _Source, data: dict[str, Any]) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    for section, body in data.items():
        if section in _TOP_LEVEL:
            continue
        if not isinstance(body, dict):
            raise source.error(section, "顶层只能是规则分节 [section.name] (expected a section table)")
        for name, raw in body.items():
            key = f"{section}.{name}"
            params[key] = _parse_parameter(source, key, raw)
    return params


def _check_override(source: _Source, key: str, new: Parameter, old: Parameter) -> None:
    old_kind = _kind(old.values[0].value)
    for dated in new.values:
        if _kind(dated.value) != old_kind:
            raise source.error(
                key, f"类型错误: 应为 {old_kind}，实为 {_kind(dated.value)} (wrong type)"
            )
    if old.unit is not None and new.unit is not None and new.unit != old.unit:
        raise source.error(f"{key}.unit", f"单位应为 {old.unit!r}，而不是 {new.unit!r} (wrong unit)")


def _load(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Parameter], dict[str, Any], tuple[str, ...]]:
    path = path.resolve()
    if path in chain:
        raise RulebookError(f"{path}: extends 形成循环 (circular extends)")
    source, data = _read(path)
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise source.error("meta", "meta 必须是表")
    for field in meta:
        if field not in _META_FIELDS:
            raise source.error(f"meta.{field}", f"未知字段 {field!r}")
    own = _parameters_of(source, data)
    extends = data.get("extends")
    if extends is None:
        return own, meta, (str(path),)
    if not isinstance(extends, str):
        raise source.error("extends", "extends 必须是 \"default\" 或文件路径")
    parent_path = DEFAULT_PATH if extends == "default" else (path.parent / extends)
    parent, parent_meta, parent_sources = _load(parent_path, (*chain, path))
    merged = dict(parent)
    for key, param in own.items():
        if key not in parent:
            hint = difflib.get_close_matches(key, sorted(parent), n=1)
            raise source.error(
                key,
                "未知参数" + (f"，是否应为 {hint[0]}？" if hint else "")
                + f" (unknown key{'; did you mean ' + hint[0] + '?' if hint else ''})",
            )
        _check_override(source, key, param, parent[key])
        merged[key] = param if param.label else _with_label(param, parent[key].label)
    return merged, {**parent_meta, **meta}, (*parent_sources, str(path))


def _with_label(param: Parameter, label: str) -> Parameter:
    import attrs

    return attrs.evolve(param, label=label)


def load_rulebook(path: str | Path) -> Rulebook:
    """Load a rule file; `extends = "default"` (or a path) loads its parent first.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "city.toml"
    >>> _ = p.write_text('extends = "default"\\n[annual.b2_coverage_target]\\nvalue = 0.4\\nbasis = "市细则"\\n',
    ...                  encoding="utf-8")
    >>> load_rulebook(p).for_year(2024)["annual.b2_coverage_target"]
    0.4
    """
    from accountability.rulebook.checks import check_rulebook

    path = Path(path)
    params, meta, sources = _load(path, ())
    book = Rulebook(
        name=str(meta.get("name", path.stem)),
        parameters=params,
        sources=sources,
        description=str(meta.get("description", "")),
    )
    check_rulebook(book)
    return book


@cache
def rulebook() -> Rulebook:
    """The built-in default rulebook (RUBRIC.md), every number with its basis."""
    return load_rulebook(DEFAULT_PATH)
