"""The two error types a caller catches."""

from __future__ import annotations

__all__ = ["DatasetError", "RulebookError"]


class DatasetError(ValueError):
    """The input cannot be read at all: an unreadable file, a missing required
    column, an unknown table name, or a scorer asked to run without a table it needs.
    The message names the file (or table) and what to do about it.

    Row-level problems never raise: they become rows of `Dataset.rejected`.
    """


class RulebookError(ValueError):
    """A rule file is wrong: TOML syntax, an unknown key, a wrong type, weights not
    summing to 100, an unordered band, a missing basis.  The message names the
    file, line and key.
    """
