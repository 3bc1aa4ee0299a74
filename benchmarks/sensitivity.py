"""Time `accountability.sensitivity` on the bundled fixture: 500 draws of the default
variation (section weights ±25 %, band edges ±2, points ×[0.5, 1.5]) on 2 threads.

    python benchmarks/sensitivity.py [--n 500] [--repeat 3] [--threads 2]

The goal is under a minute for 500 draws on 2 cores.  The dataset is loaded once,
outside the timing; each repeat runs `sensitivity` from scratch (the baseline
assessment included) with a different seed, and the best and the median are
printed, with the path the draws took (the fast path, and the rules it re-evaluated
per draw).  A figure, never a test: the tests check what the draws compute.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "yiyang-2024"
YEAR = 2024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="draws (default 500)")
    parser.add_argument("--repeat", type=int, default=3, help="runs (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="polars threads (default 2)")
    args = parser.parse_args(argv)
    # before polars is imported: its thread pool is sized once
    os.environ["POLARS_MAX_THREADS"] = str(args.threads)
    sys.path.insert(0, str(ROOT))

    from accountability.sensitivity import sensitivity
    from accountability.tables import load_dataset

    data = load_dataset(FIXTURE, as_of="2025-01-31")
    times = []
    result = None
    for seed in range(args.repeat):
        started = time.perf_counter()
        result = sensitivity(data, year=YEAR, n=args.n, seed=seed)
        times.append(time.perf_counter() - started)
    assert result is not None
    path = "fast path" if result.fast_path else "assess per draw"
    rerun = (
        f", re-evaluated per draw: {', '.join(result.rerun_rules)}" if result.rerun_rules else ""
    )
    print(
        f"sensitivity: {args.n} draws on the fixture ({result.regions.height} regions, "
        f"{result.parameters.height} components), {args.threads} threads, {path}{rerun}: "
        f"best {min(times):.1f} s, median {statistics.median(times):.1f} s "
        f"over {len(times)} runs"
    )


if __name__ == "__main__":
    main()
