"""The command line's progress display: the step under way, on stderr.

Drawn only when stderr is a terminal and `--quiet` is not given, and only once the
work has taken more than a moment (`DELAY` seconds), so a quick command prints
nothing extra and a piped or redirected run stays clean.  The display is transient:
it is cleared when the work ends, leaving the command's own output as it was.  It is
one line at any width (cut with "…" in a narrow terminal, never wrapped), so that
each refresh replaces exactly the line it drew.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from accountability.progress import Progress

__all__ = ["DELAY", "TerminalSteps", "steps"]

#: Seconds of work before the display appears.
DELAY = 0.5


class TerminalSteps:
    """A `Progress` drawing the current step and its time on `console` once the work
    has run `delay` seconds; `close` clears it."""

    def __init__(self, console: Console, *, delay: float = DELAY) -> None:
        self._console = console
        self._lock = threading.RLock()  # a Live's first refresh runs inside _show
        self._started = time.monotonic()
        self._label = "准备"
        self._step_started = self._started
        self._done = 0
        self._live: Live | None = None
        self._spinner = Spinner("dots")
        self._closed = False
        self._timer = threading.Timer(delay, self._show)
        self._timer.daemon = True
        self._timer.start()

    def __call__(self, label: str) -> None:
        with self._lock:
            self._label = label
            self._step_started = time.monotonic()
            self._done += 1

    def _render(self) -> RenderableType:
        now = time.monotonic()
        with self._lock:
            label, step, done = self._label, now - self._step_started, self._done
        line = Text.assemble(
            (label, "bold"),
            f"  {step:.0f} 秒",
            (f"  （第 {done} 步，共用时 {now - self._started:.0f} 秒）", "dim"),
        )
        frame = self._spinner.render(now)  # the spinner's character at this moment
        return Text.assemble(
            frame if isinstance(frame, Text) else "",
            " ",
            line,
            no_wrap=True,
            overflow="ellipsis",
        )

    def _show(self) -> None:
        with self._lock:
            if self._closed or self._live is not None:
                return
            self._live = Live(
                get_renderable=self._render,
                console=self._console,
                transient=True,
                refresh_per_second=4,
            )
            self._live.start()

    def close(self) -> None:
        """Stop the display (or keep it from ever appearing) and clear it."""
        with self._lock:
            self._closed = True
            live, self._live = self._live, None
        self._timer.cancel()
        if live is not None:
            live.stop()


@contextmanager
def steps(console: Console, *, quiet: bool = False) -> Iterator[Progress | None]:
    """A `Progress` for the work inside the block, or None when nothing is to be
    drawn (`quiet`, or `console` is not a terminal)."""
    if quiet or not console.is_terminal:
        yield None
        return
    display = TerminalSteps(console)
    try:
        yield display
    finally:
        display.close()
