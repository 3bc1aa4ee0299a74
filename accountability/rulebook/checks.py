"""Checks on a resolved rulebook: what TOML types alone cannot say.

Every parameter of the default rulebook has a spec (`accountability.rules.parameters`):
its unit bounds its numbers (a 比例 lies in [0, 1], a count is whole, a window is at
least 1), its names must be known (accident grades, levels, sectors, roles), and a
structured table has its own check (weights summing to 100, ordered bands).  A
parameter without a spec (one a test builds in code) is checked only for a basis and
finite, non-negative numbers.

Each problem is `file:line: key: message（建议：…）`, the line being that of the
offending value (or entry) where it can be found, so that a typo can never silently
change a score.  All problems are collected, not just the first: `rulebook_problems`
lists them, sorted by file and line; `check_rulebook` raises one RulebookError that
carries them all.  Every dated value is checked; checks across two parameters (a
grade cap that must be one of the grade bands, inspection frequencies per risk class)
are made on every day either parameter changes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from typing import Any

import attrs

from accountability.errors import RulebookError
from accountability.rulebook.model import Parameter, Rulebook
from accountability.rules.parameters import (
    WRITTEN_UNITS,
    Fault,
    ParamSpec,
    number_faults,
    param_spec,
)

__all__ = ["Problem", "check_rulebook", "problems_of", "render_problems", "rulebook_problems"]

_WHERE = re.compile(r"(.*):(\d+)")
_MALFORMED = (KeyError, TypeError, AttributeError, ValueError, IndexError)


@attrs.frozen
class Problem:
    """One fault in a rule file: where (file and line), which key, what, and a fix."""

    file: str
    line: int | None
    key: str
    message: str
    suggestion: str = ""

    @classmethod
    def at(cls, where: str, key: str, message: str, suggestion: str = "") -> Problem:
        """A problem at `where`, "file:line" or just "file"."""
        found = _WHERE.fullmatch(where)
        if found:
            return cls(found.group(1), int(found.group(2)), key, message, suggestion)
        return cls(where, None, key, message, suggestion)

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line is not None else self.file
        text = self.message + (f"（建议：{self.suggestion}）" if self.suggestion else "")
        return ": ".join(part for part in (place, self.key, text) if part)


def render_problems(problems: Iterable[Problem]) -> list[str]:
    """Problems as text, sorted by file and line (stable), each once."""
    ordered = sorted(problems, key=lambda p: (p.file, p.line or 0))
    return list(dict.fromkeys(str(p) for p in ordered))


def _value_path(param: Parameter, index: int) -> str:
    return "value" if not param.dated else f"values.{index}.value"


def _problem(param: Parameter, fault: Fault, at: str) -> Problem:
    sub = ".".join(p for p in (at, fault.at) if p)
    return Problem.at(param.where(sub), param.key, fault.message, fault.suggestion)


def _faults(spec: ParamSpec | None, value: Any) -> list[Fault]:
    found: list[Fault] = []
    try:
        found.extend(spec.faults(value) if spec is not None else number_faults(value))
    except _MALFORMED as exc:
        found.append(Fault("", f"取值的形状不正确 (malformed value): {exc!r}"))
    except RecursionError:  # a value built in code: the loader refuses deep nesting
        found.append(Fault("", "嵌套层数过深 (nested too deep)"))
    return found


def _parameter_problems(param: Parameter, check_basis: bool) -> Iterator[Problem]:
    spec = param_spec(param.key)
    if check_basis and not param.basis.strip():
        yield Problem.at(param.where(), param.key, "缺少依据 basis (basis missing)")
    if (
        spec is not None
        and spec.unit in WRITTEN_UNITS
        and param.unit is not None
        and param.unit != spec.unit
    ):
        yield Problem.at(
            param.where("unit"),
            param.key,
            f"单位错误: 应为 {spec.unit!r}，而不是 {param.unit!r} (wrong unit)",
        )
    for i, dated in enumerate(param.values):
        at = _value_path(param, i)
        for fault in _faults(spec, dated.value):
            yield _problem(param, fault, at)


def _names(bands: Any) -> list[Any]:
    return [b.get("grade", b.get("class")) for b in bands]


def _across(book: Rulebook) -> Iterator[Problem]:
    """Checks between parameters, on each day any of them changes."""
    for key in sorted(book.parameters):
        spec = param_spec(key)
        if spec is None or spec.names_from is None or spec.names_from not in book:
            continue
        other = spec.names_from
        param, bands = book[key], book[other]
        days = sorted({d.start for p in (param, bands) for d in p.values if d.start is not None})
        for day in days or [None]:
            try:
                value = param.value_at(day) if day else param.values[0].value
                names = _names(bands.value_at(day) if day else bands.values[0].value)
            except RulebookError:
                continue  # one of them is not yet in force that day
            except _MALFORMED:
                continue  # the bands are malformed: reported with the bands
            index = next(
                (
                    i
                    for i, d in reversed(list(enumerate(param.values)))
                    if day is None or d.start is None or d.start <= day
                ),
                0,
            )
            where = param.where(_value_path(param, index))
            when = f"（{day} 起）" if day else ""
            if isinstance(value, dict):
                if set(value) != set(names):
                    yield Problem.at(
                        where,
                        key,
                        f"{when}须为 {other} 的每一等级给出取值 {names}，实为 {list(value)}",
                    )
            elif isinstance(value, list):
                for item in value:
                    if item not in names:
                        yield Problem.at(
                            where, key, f"{when}{item!r} 不是 {other} 中的等级 {names}"
                        )
            elif value not in names:
                yield Problem.at(where, key, f"{when}{value!r} 不是 {other} 中的等级 {names}")


def problems_of(book: Rulebook, *, basis_reported: Collection[str] = ()) -> list[Problem]:
    """Every semantic fault in any dated value of `book`, in key order.

    `basis_reported`: keys whose missing basis the loader has already reported.
    """
    found: list[Problem] = []
    for key in sorted(book.parameters):
        found.extend(_parameter_problems(book.parameters[key], key not in basis_reported))
    found.extend(_across(book))
    return found


def rulebook_problems(book: Rulebook) -> list[str]:
    """Every problem of a resolved rulebook, `file:line: key: message（建议：…）`, one per
    problem, sorted by file and line; empty when the rulebook is sound.

    >>> from accountability.rulebook import rulebook
    >>> rulebook_problems(rulebook())
    []
    """
    return render_problems(problems_of(book))


def check_rulebook(book: Rulebook) -> None:
    """Raise one RulebookError carrying every semantic fault (`.problems`), if any."""
    problems = rulebook_problems(book)
    if problems:
        raise RulebookError(problems=tuple(problems))
