"""REGISTRY: every rule of every family, in the order their line items are applied.

>>> from accountability.rules.registry import REGISTRY
>>> REGISTRY.order("annual")[:6]
('A1', 'A2', 'A3', 'A4', 'A5', 'A.cap')
"""

from __future__ import annotations

from accountability.rules.annual import ANNUAL_RULES, SECTION_NAMES
from accountability.rules.dual_duty import DUAL_DUTY_RULES
from accountability.rules.enterprise import ENTERPRISE_RULES
from accountability.rules.four_musts import FOUR_MUSTS_RULES
from accountability.rules.model import Registry

__all__ = ["REGISTRY"]

REGISTRY = Registry(
    rules=(*ANNUAL_RULES, *ENTERPRISE_RULES, *FOUR_MUSTS_RULES, *DUAL_DUTY_RULES),
    sections=SECTION_NAMES,
)
