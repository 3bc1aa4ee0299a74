"""Rulebooks: dated, cited parameters in TOML, local overrides, fingerprint.

>>> from accountability.rulebook import rulebook
>>> rulebook().for_year(2024)["annual.section_weights"]["A"]
40.0
"""

from accountability.rulebook.loader import DEFAULT_PATH, load_rulebook, rulebook
from accountability.rulebook.model import DatedValue, Parameter, Rulebook, RulesAt

__all__ = [
    "DEFAULT_PATH",
    "DatedValue",
    "Parameter",
    "Rulebook",
    "RulesAt",
    "load_rulebook",
    "rulebook",
]
