"""The kinds of subject a line item is about (its `subject_type`).

A module of its own, free of polars, so that the command line's help can name them
without loading the library.
"""

from __future__ import annotations

__all__ = ["SUBJECT_TYPES"]

SUBJECT_TYPES: tuple[str, ...] = (
    "region",
    "enterprise",
    "official",
    "department",
    "case",
    "state_enterprise",
)
