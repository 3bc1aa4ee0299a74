"""Time the library through the path users take, against two peers, on files on disk.

    python benchmarks/run.py --scale M [--repeat 3] [--out benchmarks/RESULTS.md]

The dataset of the scale is generated first (`benchmarks/generate.py`, Parquet, CSV
UTF-8 and CSV GBK; skipped when already there).  Then every measurement runs in a
fresh Python process (nothing cached between runs, peak RSS per process), with polars
and DuckDB on the same number of threads (2, `--threads`):

- the library: `load_dataset` (Parquet, CSV, CSV GBK) then `assess`, timed apart;
- writing the result: Parquet, and Excel once outside the repeats;
- the command line end to end: `accountability assess DIR --year 2024 --out DIR`;
- peer (a): the default rulebook's region results as DuckDB SQL over the same Parquet
  files (`benchmarks/peers/duckdb_sql.py`), read and compute;
- peer (b): the same as one hand-written polars lazy plan, without validation or line
  items (`benchmarks/peers/polars_plan.py`).

Before either peer is timed, its results are checked equal to the library's
(scores, sections, grades, vetoes, yellow cards, ranks; `benchmarks.peers.differences`);
a peer that disagrees stops the run.  Each figure is the best and the median of
`--repeat` runs; the number to read is the ratio, since both sides of it run on the
same machine in the same minutes.  The results go to the scale's section of
RESULTS.md (the other scales' sections are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
DATA = Path(__file__).resolve().parent / "data"
THREADS = 2
# As benchmarks/generate.py writes them (not imported here: a child process measuring
# memory must not carry the generator's numpy).
FORMATS = ("parquet", "csv", "csv-gbk")
AS_OF = dt.date(2025, 1, 31)
YEAR = 2024


# --- the measurements, each run in a child process ------------------------------------------


def _peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program: VmHWM, not
    ru_maxrss, which on Linux keeps the high-water mark of the parent it was forked
    from."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20


# The command line as a user runs it, reporting its peak memory as it exits.
_CLI = """
import atexit, os, sys
from pathlib import Path
def _report():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            Path(os.environ["BENCH_RSS"]).write_text(line.split()[1])
atexit.register(_report)
from accountability.cli import main
sys.argv = ["accountability", *sys.argv[1:]]
main()
"""


def _library(folder: str, write: str | None) -> dict:
    """load_dataset then assess (then, with `write`, each writer once)."""
    import accountability as acc

    t0 = time.perf_counter()
    data = acc.load_dataset(folder, as_of=AS_OF)
    t1 = time.perf_counter()
    result = acc.assess(data, year=YEAR)
    t2 = time.perf_counter()
    out = {
        "load": t1 - t0,
        "assess": t2 - t1,
        "rss": _peak_rss_mb(),
        "rows": sum(data.rows_read.values()),
        "rejected": data.rejected.height,
        "line_items": result.line_items.height,
    }
    if write:
        target = Path(write)
        t3 = time.perf_counter()
        result.to_parquet(target / "parquet")
        t4 = time.perf_counter()
        out["write_parquet"] = t4 - t3
        if "xlsx" in os.environ.get("BENCH_WRITE", ""):
            result.to_excel(target / "result.xlsx")
            out["write_excel"] = time.perf_counter() - t4
    return out


def _peer(name: str, folder: str) -> dict:
    """One peer's region results, read and compute."""
    if name == "duckdb":
        from benchmarks.peers.duckdb_sql import region_results
    else:
        from benchmarks.peers.polars_plan import region_results
    t0 = time.perf_counter()
    frame = region_results(Path(folder), YEAR, threads=THREADS)
    return {"total": time.perf_counter() - t0, "rss": _peak_rss_mb(), "regions": frame.height}


def _check(folder: str) -> dict:
    """The peers' results against the library's: the differences, per peer."""
    import accountability as acc
    from benchmarks.peers import differences
    from benchmarks.peers.duckdb_sql import region_results as duckdb_results
    from benchmarks.peers.polars_plan import region_results as polars_results

    library = acc.assess(acc.load_dataset(folder, as_of=AS_OF), year=YEAR).regions
    found = {}
    for name, peer in (("duckdb", duckdb_results), ("polars", polars_results)):
        diff = differences(library, peer(Path(folder), YEAR, threads=THREADS))
        found[name] = {"differences": diff.height, "first": [list(r) for r in diff.head(5).rows()]}
    found["regions"] = library.height
    found["grades"] = dict(library.group_by("grade").len().sort("grade").iter_rows())
    found["vetoed"] = int(library["vetoed"].sum())
    return found


def _child(argv: Sequence[str]) -> None:
    task, *args = argv
    if task == "library":
        out = _library(args[0], args[1] if len(args) > 1 else None)
    elif task == "peer":
        out = _peer(args[0], args[1])
    elif task == "check":
        out = _check(args[0])
    else:  # pragma: no cover
        raise SystemExit(f"unknown task {task}")
    print(json.dumps(out, ensure_ascii=False, default=str))


# --- the parent: fresh processes, best and median ------------------------------------------


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["POLARS_MAX_THREADS"] = str(THREADS)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _run_child(*args: str, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        env=env or _env(),
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark step {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _timed_cli(folder: Path, out: Path) -> dict:
    """`accountability assess` end to end, writing Parquet: wall time from start to
    exit, and its peak memory."""
    args = ["assess", str(folder), "--year", str(YEAR), "--as-of", str(AS_OF)]
    args += ["--out", str(out), "--quiet"]
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CLI, *args],
            capture_output=True,
            text=True,
            env={**_env(), "BENCH_RSS": str(rss_file)},
            cwd=ROOT,
        )
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"CLI failed: {args}\n{done.stderr[-3000:]}")
        return {"total": wall, "rss": int(rss_file.read_text()) / 1024}


def _stats(values: Sequence[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


class Figures:
    """Named lists of measurements (seconds or MB), one value per run."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}

    def add(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)

    def best(self, name: str) -> float:
        return min(self.values[name])

    def median(self, name: str) -> float:
        return statistics.median(self.values[name])


def measure(
    scale: str,
    repeat: int,
    *,
    excel: bool,
    formats: Sequence[str] = FORMATS,
    say=print,
) -> tuple[Figures, dict]:
    """Every measurement of one scale; the peers are checked equal first."""
    from benchmarks.generate import generate

    if "parquet" not in formats:
        raise SystemExit("the peers read Parquet: --formats must include parquet")
    t0 = time.perf_counter()
    folder = generate(scale, DATA, formats)
    say(f"data: {folder} ({time.perf_counter() - t0:.0f} s to generate or find)")
    parquet = folder / "parquet"

    checked = _run_child("check", str(parquet))
    for peer in ("duckdb", "polars"):
        if checked[peer]["differences"]:
            raise SystemExit(
                f"peer {peer} differs from the library at {scale} in "
                f"{checked[peer]['differences']} values, e.g. {checked[peer]['first']}: "
                "not a peer, not timed"
            )
    say(f"peers agree with the library on {checked['regions']} regions")

    figures = Figures()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):
            for fmt in formats:
                write = str(Path(tmp) / f"w{i}") if fmt == "parquet" else None
                run = _run_child("library", str(folder / fmt), *([write] if write else []))
                figures.add(f"load_{fmt}", run["load"])
                figures.add(f"assess_{fmt}", run["assess"])
                figures.add(f"rss_{fmt}", run["rss"])
                if fmt == "parquet":
                    figures.add("load_assess", run["load"] + run["assess"])
                    figures.add("write_parquet", run["write_parquet"])
                    figures.add("line_items", run["line_items"])
                    figures.add("rows", run["rows"])
            for peer in ("duckdb", "polars"):
                run = _run_child("peer", peer, str(parquet))
                figures.add(f"{peer}_total", run["total"])
                figures.add(f"{peer}_rss", run["rss"])
            cli = _timed_cli(parquet, Path(tmp) / f"cli{i}")
            figures.add("cli_total", cli["total"])
            figures.add("cli_rss", cli["rss"])
            say(
                f"run {i + 1}/{repeat}: load+assess {figures.values['load_assess'][-1]:.2f} s, "
                f"DuckDB {figures.values['duckdb_total'][-1]:.2f} s, "
                f"polars plan {figures.values['polars_total'][-1]:.2f} s"
            )
        if excel:
            env = {**_env(), "BENCH_WRITE": "xlsx"}
            done = _run_child("library", str(parquet), str(Path(tmp) / "excel"), env=env)
            figures.add("write_excel", done["write_excel"])
    return figures, checked


# --- the report ----------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    names = ("accountability", "polars", "dataframely", "duckdb", "xlsxwriter")
    return {n: version(n) for n in names}


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, load average {load} at the end"


def section(scale: str, figures: Figures, checked: dict, repeat: int) -> str:
    """The scale's section of RESULTS.md: what was run, the table, the ratios."""
    f = figures
    s = lambda name: "{:.2f} / {:.2f}".format(*_stats(f.values[name]))  # noqa: E731
    lib = f.median("load_assess")
    rows = [("`load_dataset` Parquet", s("load_parquet"), "")]
    for fmt, label in (("csv", "CSV (UTF-8)"), ("csv-gbk", "CSV (GBK)")):
        if f"load_{fmt}" in f.values:
            ratio = f.median(f"load_{fmt}") / f.median("load_parquet")
            rows.append((f"`load_dataset` {label}", s(f"load_{fmt}"), f"{ratio:.2f}× Parquet"))
    rows += [
        ("`assess`", s("assess_parquet"), ""),
        ("**load + assess (Parquet)**", s("load_assess"), ""),
        ("DuckDB SQL peer, read + compute", s("duckdb_total"),
         f"library **{lib / f.median('duckdb_total'):.2f}×**"),
        ("hand-written polars plan", s("polars_total"),
         f"library **{lib / f.median('polars_total'):.2f}×**"),
        ("write Parquet", s("write_parquet"), ""),
        ("CLI `assess … --out DIR` end to end", s("cli_total"), ""),
    ]  # fmt: skip
    if "write_excel" in f.values:
        rows.append(("write Excel (once)", f"{f.best('write_excel'):.2f}", ""))
    rss = [
        ("library, load + assess (Parquet)", f.median("rss_parquet")),
        *([("library, load + assess (CSV)", f.median("rss_csv"))] if "rss_csv" in f.values else []),
        ("CLI end to end", f.median("cli_rss")),
        ("DuckDB peer", f.median("duckdb_rss")),
        ("polars peer", f.median("polars_rss")),
    ]
    lines = [
        f"## Scale {scale}",
        "",
        f"Run {dt.date.today().isoformat()}; {repeat} runs of each step, each in a fresh "
        f"process, {THREADS} threads for polars and DuckDB; {int(f.best('rows')):,} rows "
        f"read, {checked['regions']:,} regions, {int(f.best('line_items')):,} line items. "
        f"Grades {checked['grades']}, {checked['vetoed']} vetoed. Both peers were checked "
        "equal to the library (scores, sections, grades, vetoes, yellow cards, ranks) "
        "before they were timed.",
        "",
        "| step | best / median (s) | ratio |",
        "| --- | --- | --- |",
        *(f"| {a} | {b} | {c} |" for a, b, c in rows),
        "",
        "| peak RSS (median) | MB |",
        "| --- | --- |",
        *(f"| {a} | {b:,.0f} |" for a, b in rss),
        "",
        f"RSS: library {f.median('rss_parquet') / f.median('duckdb_rss'):.2f}× the DuckDB peer's.",
        "",
    ]
    return "\n".join(lines)


def write_results(path: Path, scale: str, text: str) -> None:
    """Replace the scale's section of `path` (or add it), keep the rest; refresh the
    header (machine, versions)."""
    sections: dict[str, str] = {}
    notes = ""
    if path.exists():
        current, body = None, []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("## Scale "):
                if current is not None:
                    sections[current] = "\n".join(body).rstrip() + "\n"
                current, body = line.removeprefix("## Scale ").strip(), [line]
            elif line.startswith("## ") and current is not None:
                sections[current] = "\n".join(body).rstrip() + "\n"
                current, body = None, []
                notes += line + "\n"
            elif current is not None:
                body.append(line)
            elif notes or line.startswith("## "):
                notes += line + "\n"
        if current is not None:
            sections[current] = "\n".join(body).rstrip() + "\n"
    sections[scale] = text.rstrip() + "\n"
    versions = ", ".join(f"{k} {v}" for k, v in _versions().items())
    header = [
        "# Benchmark results",
        "",
        "Written by `python benchmarks/run.py --scale S|M|L` (see that file and",
        "`benchmarks/README.md`); each scale's section is replaced when it is run again.",
        "",
        f"Machine: {_machine()}. Python {platform.python_version()}; {versions}.",
        "",
    ]
    order = [s for s in ("S", "M", "L") if s in sections] + sorted(
        s for s in sections if s not in ("S", "M", "L")
    )
    body = "\n".join(sections[s] for s in order)
    text = "\n".join(header) + "\n" + body + ("\n" + notes if notes else "")
    path.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        _child(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="M", help="S (the fixture), M or L")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step (≥ 3)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the results file")
    parser.add_argument("--no-excel", action="store_true", help="skip the Excel timing")
    parser.add_argument(
        "--formats",
        default=None,
        help="comma-separated, of parquet,csv,csv-gbk (default: all; at L parquet only: "
        "its CSV files are larger than the loader's 2 GiB limit per file)",
    )
    args = parser.parse_args(argv)
    formats = tuple(
        args.formats.split(",") if args.formats else FORMATS if args.scale != "L" else ("parquet",)
    )
    figures, checked = measure(
        args.scale,
        args.repeat,
        excel=not args.no_excel and args.scale in ("S", "M"),
        formats=formats,
    )
    text = section(args.scale, figures, checked, args.repeat)
    print()
    print(text)
    write_results(args.out, args.scale, text)
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
