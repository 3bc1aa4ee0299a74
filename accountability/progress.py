"""Progress of long work: a callable told, in Chinese, which step begins.

`load_dataset` and `assess` take ``progress=`` (default: tell no one) and call it as
each step starts: reading a file, checking a table, running a scorer.  The library
shows nothing itself; the command line draws the steps on stderr
(`accountability.cli.progress`), a platform may log them.

>>> steps = []
>>> report_step(steps.append, "读取", "hazards.csv")
>>> steps
['读取 hazards.csv']
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "report_step"]

#: Told the label of each step as it starts ("读取 hazards.csv", "考核 四个一律").
Progress = Callable[[str], None]


def report_step(progress: Progress | None, verb: str, what: str) -> None:
    """Tell `progress` (if any) that the step "`verb` `what`" starts."""
    if progress is not None:
        progress(f"{verb} {what}")
