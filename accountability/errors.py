"""The two error types a caller catches."""

from __future__ import annotations

from collections.abc import Iterable

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

    `problems` holds every problem found, one `file:line: key: message` each, so a
    rule file can be fixed in one pass; the message is them joined by newlines.  An
    error raised with a single message has that message as its one problem.

    >>> error = RulebookError(problems=["a.toml:2: x.y: 甲", "a.toml:5: x.z: 乙"])
    >>> str(error).splitlines()
    ['a.toml:2: x.y: 甲', 'a.toml:5: x.z: 乙']
    >>> RulebookError("a.toml: 找不到规则文件").problems
    ('a.toml: 找不到规则文件',)
    """

    problems: tuple[str, ...]

    def __init__(self, message: str | None = None, *, problems: Iterable[str] = ()) -> None:
        found = tuple(problems)
        if message is None:
            message = "\n".join(found)
        super().__init__(message)
        self.problems = found or ((message,) if message else ())
