"""REGISTRY: every rule of every family, in the order their line items are applied.

>>> from accountability.rules.registry import REGISTRY
>>> REGISTRY.order("annual")[:7]
('A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A.cap')
"""

from __future__ import annotations

import polars as pl

from accountability.rules.annual import ANNUAL_RULES, SECTION_NAMES
from accountability.rules.dual_duty import DUAL_DUTY_RULES
from accountability.rules.enterprise import ENTERPRISE_RULES
from accountability.rules.four_musts import FOUR_MUSTS_RULES
from accountability.rules.model import Count, Registry
from accountability.rules.summons import SUMMONS_RULES

__all__ = ["REGISTRY", "rule_positions", "rule_title", "rule_titles", "unit_scorable_rules"]

REGISTRY = Registry(
    rules=(
        *ANNUAL_RULES,
        *ENTERPRISE_RULES,
        *FOUR_MUSTS_RULES,
        *DUAL_DUTY_RULES,
        *SUMMONS_RULES,
    ),
    sections=SECTION_NAMES,
)


def unit_scorable_rules(registry: Registry = REGISTRY) -> tuple[str, ...]:
    """The annual rules a department or state-owned enterprise can be scored by
    (``annual.unit_rules``): those counting accidents one by one (a `Count` over the
    accidents table), which read nothing but the accidents a unit answers for.

    >>> unit_scorable_rules()
    ('A4', 'A5')
    """
    return tuple(
        rule.id
        for rule in registry.of("annual")
        if isinstance(rule.compute, Count) and rule.compute.table == "accidents"
    )


def rule_title(rule_id: str, registry: Registry = REGISTRY) -> str:
    """How a person reads a line item's rule: "C4 到期未整改重大隐患" for a scored rule
    of an annual section, the record's label otherwise ("约谈：死亡事故"), with the part
    after the record's id for per-item ids ("履职事项·研究部署"); an id no record knows
    stays as it is.

    >>> rule_title("C4"), rule_title("veto"), rule_title("dual_duty.duty.研究部署")
    ('C4 到期未整改重大隐患', '一票否决', '履职事项·研究部署')
    """
    rule = registry.find(rule_id)
    if rule is None:
        return rule_id
    if rule.id != rule_id:
        return f"{rule.label}·{rule_id[len(rule.id) + 1 :]}"
    if rule.section is not None and rule.kind != "cap":
        return f"{rule.id} {rule.label}"
    return rule.label


def rule_titles(rule_ids: pl.Series, registry: Registry = REGISTRY) -> pl.Series:
    """`rule_title` of every id in a column (worked out once per distinct id)."""
    titles = {rid: rule_title(rid, registry) for rid in rule_ids.unique().drop_nulls()}
    return rule_ids.replace_strict(titles, default=None, return_dtype=pl.String)


def rule_positions(rule_ids: pl.Series, registry: Registry = REGISTRY) -> pl.Series:
    """Each id's place in the registry, the order items are applied and shown (a
    per-item id takes its record's place; an unknown id comes last)."""
    place = {rule.id: i for i, rule in enumerate(registry)}
    found = {rid: registry.find(rid) for rid in rule_ids.unique().drop_nulls()}
    positions = {rid: place[r.id] if r is not None else len(place) for rid, r in found.items()}
    return rule_ids.replace_strict(positions, default=len(place), return_dtype=pl.Int64)
