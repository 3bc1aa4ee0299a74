"""What one rulebook changes against another, parameter by parameter.

>>> from accountability.rulebook import rulebook
>>> diff_rulebooks(rulebook(), rulebook())
[]
"""

from __future__ import annotations

from typing import Literal

import attrs

from accountability.rulebook.model import Parameter, Rulebook

__all__ = ["ParameterChange", "diff_rulebooks"]

ChangeKind = Literal["changed", "added", "removed"]
KIND_ZH: dict[str, str] = {"changed": "修改", "added": "新增", "removed": "删除"}


@attrs.frozen
class ParameterChange:
    """One parameter that differs: `old` is A's (None if added), `new` B's (None if removed).

    `fields` names what changed among "values", "unit", "basis", "label" (all of a
    parameter's fields for an added or removed one).
    """

    key: str
    kind: ChangeKind
    old: Parameter | None
    new: Parameter | None
    fields: tuple[str, ...] = ()

    @property
    def kind_zh(self) -> str:
        return KIND_ZH[self.kind]


def _changed_fields(a: Parameter, b: Parameter) -> tuple[str, ...]:
    ca, cb = a.canonical(), b.canonical()
    fields = [f for f in ("values", "unit", "basis") if ca[f] != cb[f]]
    if a.label != b.label:
        fields.append("label")
    return tuple(fields)


def diff_rulebooks(a: Rulebook, b: Rulebook) -> list[ParameterChange]:
    """What `b` changes against `a`, by key: changed, added and removed parameters.

    Values compare in canonical form (`2` equals `2.0`), so a difference here is one
    the fingerprint sees too — except labels, which are shown but not fingerprinted.
    """
    changes: list[ParameterChange] = []
    for key in sorted(set(a.parameters) | set(b.parameters)):
        old, new = a.parameters.get(key), b.parameters.get(key)
        if old is None:
            changes.append(ParameterChange(key, "added", None, new, ("values", "unit", "basis")))
        elif new is None:
            changes.append(ParameterChange(key, "removed", old, None, ("values", "unit", "basis")))
        else:
            fields = _changed_fields(old, new)
            if fields:
                changes.append(ParameterChange(key, "changed", old, new, fields))
    return changes
