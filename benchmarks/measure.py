"""What every benchmark here measures the same way: the best wall time of repeated
runs, and the process's peak resident memory."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    """The shortest of `repeat` timed calls of `fn`, and the last call's result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024
