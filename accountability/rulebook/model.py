"""The rulebook model: parameters with dated values, units, labels and bases.

>>> from accountability.rulebook import rulebook
>>> rules = rulebook()
>>> rules.for_year(2024)["annual.a1_points_per_death"]
2.0
>>> rules.for_year(2024).basis("accident_grading.bands")
'国务院令第493号第三条'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from accountability.dates import parse_day
from accountability.errors import RulebookError

__all__ = ["DatedValue", "Parameter", "Rulebook", "RulesAt", "canonical_value", "to_date"]


def to_date(day: dt.date | str) -> dt.date:
    """A date from a `date`, a `datetime` or text (2024-12-31, 2024/12/31, …)."""
    try:
        return parse_day(day)
    except ValueError as exc:
        raise RulebookError(f"日期格式不正确: {exc}") from exc


@attrs.frozen
class DatedValue:
    """A value that holds from `start` (None: from the beginning) until the next one's."""

    start: dt.date | None
    value: Any


@attrs.frozen
class Parameter:
    """One rule parameter: a value (or dated values), its unit, label and basis.

    `source` is where it was defined ("file:line"), so errors and docs can point at it;
    `file` and `lines` (sub-path such as "value.0.min" or "values.1.from" -> line, with
    dated values numbered in date order) let `where()` point inside its value.
    """

    key: str
    label: str
    basis: str
    values: tuple[DatedValue, ...]
    unit: str | None = None
    note: str | None = None
    source: str | None = None
    file: str | None = attrs.field(default=None, eq=False, repr=False)
    lines: Mapping[str, int] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def dated(self) -> bool:
        """Whether the value changes over time (given as dated `values`)."""
        return self.values[0].start is not None

    def where(self, sub: str = "") -> str:
        """ "file:line" of this parameter, or of `sub` inside it ("value.0.min")."""
        if self.file is None:
            return self.source or "?"
        parts = sub.split(".") if sub else []
        for depth in range(len(parts), -1, -1):
            line = self.lines.get(".".join(parts[:depth]))
            if line is not None:
                return f"{self.file}:{line}"
        return self.source or self.file

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1]

    def value_at(self, day: dt.date) -> Any:
        """The value in force on `day`; a RulebookError before the first `from`."""
        current: DatedValue | None = None
        for dated in self.values:
            if dated.start is None or dated.start <= day:
                current = dated
            else:
                break
        if current is None:
            first = self.values[0].start
            raise RulebookError(
                f"参数 {self.key} 在 {day} 尚未生效（最早生效日期 {first}）"
                f" — no value of {self.key} is in force on {day}"
                + (f" ({self.source})" if self.source else "")
            )
        return current.value

    def canonical(self) -> dict[str, Any]:
        """A JSON-ready form: what the fingerprint covers (values, unit, basis).

        Numbers are canonical: `2` and `2.0` are the same value here, so a province
        writing either gets the same fingerprint.  Labels and notes are not covered.
        """
        return {
            "key": self.key,
            "unit": self.unit,
            "basis": self.basis,
            "values": [
                {
                    "from": d.start.isoformat() if d.start else None,
                    "value": canonical_value(d.value),
                }
                for d in self.values
            ],
        }


def canonical_value(value: Any) -> Any:
    """Numbers as floats (bools kept), tables and arrays recursively; dates as ISO text.

    >>> canonical_value({"a": [2, True, 0.5]})
    {'a': [2.0, True, 0.5]}
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {str(k): canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _fingerprint(parameters: Mapping[str, Parameter]) -> str:
    canonical = []
    for key in sorted(parameters):
        try:  # a value built in code may nest without bound; the loader refuses that
            canonical.append(parameters[key].canonical())
        except RecursionError:
            raise RulebookError(f"{key}: 嵌套层数过深 (nested too deep)") from None
    try:
        text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except RecursionError:
        raise RulebookError("规则取值嵌套层数过深 (nested too deep)") from None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@attrs.frozen
class Rulebook:
    """A resolved rulebook: every parameter after `extends` and overrides.

    `at(day)` gives the values in force that day; an assessment of year Y uses
    `for_year(Y)`, the values in force on 31 December of Y.
    """

    name: str
    parameters: Mapping[str, Parameter] = attrs.field(converter=dict)
    sources: tuple[str, ...] = ()
    description: str = ""
    fingerprint: str = attrs.field(init=False)

    @fingerprint.default
    def _fp(self) -> str:
        return _fingerprint(self.parameters)

    def at(self, day: dt.date | str) -> RulesAt:
        """The parameter values in force on `day`."""
        return RulesAt(self, to_date(day))

    def for_year(self, year: int) -> RulesAt:
        """The values an assessment of `year` uses: those in force on 31 December."""
        return self.at(dt.date(int(year), 12, 31))

    def __getitem__(self, key: str) -> Parameter:
        try:
            return self.parameters[key]
        except KeyError:
            raise RulebookError(f"规则库中没有参数 {key!r} (unknown parameter)") from None

    def __contains__(self, key: object) -> bool:
        return key in self.parameters

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.parameters))

    def sections(self) -> list[str]:
        return sorted({p.section for p in self.parameters.values()})

    def __repr__(self) -> str:
        return (
            f"Rulebook({self.name!r}, {len(self.parameters)} parameters,"
            f" fingerprint={self.fingerprint[:12]}…)"
        )


@attrs.frozen
class RulesAt:
    """A rulebook's values on one day: `rules_at[key]` is the value in force."""

    rulebook: Rulebook
    day: dt.date

    def __getitem__(self, key: str) -> Any:
        return self.rulebook[key].value_at(self.day)

    def param(self, key: str) -> Parameter:
        return self.rulebook[key]

    def basis(self, key: str) -> str:
        return self.rulebook[key].basis

    def label(self, key: str) -> str:
        return self.rulebook[key].label

    def unit(self, key: str) -> str | None:
        return self.rulebook[key].unit

    @property
    def fingerprint(self) -> str:
        return self.rulebook.fingerprint
