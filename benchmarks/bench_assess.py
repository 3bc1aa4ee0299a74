"""Benchmark: the whole year-end assessment, `assess(data, year=2024)`, at national scale.

Generates in memory, with the benchmark data generator (`benchmarks/generate.py`,
the same rows it writes to files, seeded), a country: 31 provinces × 10 cities × 10
counties (3,441 regions) and, per 1,000,000 enterprises, two years (2023–2024) of
every input table — 30,000 accidents, 2,000,000 inspection rows, 300,000 enforcement
cases, 4,000,000 hidden hazards, officials with portfolios and their duty records,
work items, region statistics, control targets, adjustments and credit listings — in
canonical dtypes, then times in the same run:

- baseline: a plain polars group-by/join pass over the same tables — per-county
  counts of enterprises, accidents, deaths, cases, hazards and inspected
  enterprises of the year, joined to the regions and rolled up one level (county →
  city) — what any regional roll-up costs at minimum;
- `assess(data, rules, year=2024)`: 年度目标管理考核 for every region (sections A–E,
  veto, grades, ranks), 四个一律, 一岗双责, 企业主体责任, all line items, sorted.

Prints the table sizes, the best of `--repeat` runs, the ratio assess ÷ baseline and
the peak RSS (`resource.getrusage`).  Writes nothing unless `--profile FILE` is given
(then one extra assess run is profiled with pyinstrument, if installed, into an HTML
file).

    /work/venv/bin/python benchmarks/bench_assess.py [--enterprises 1000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import polars as pl
from generate import AS_OF, DEFAULT_SEED, Counts, build_tables
from measure import best_of, peak_rss_mb

from accountability.assessment import assess
from accountability.dataset import Dataset
from accountability.rulebook import rulebook


def counts_for(enterprises: int) -> Counts:
    """The benchmark's country with `enterprises` enterprises and the event tables in
    proportion to them (per million: 4 M hazards, 2 M inspection rows, 300,000 cases,
    30,000 accidents)."""
    per = enterprises / 1_000_000
    return Counts(
        provinces=31,
        cities=310,
        counties=3_100,
        enterprises=enterprises,
        hazards=round(4_000_000 * per),
        inspection_rows=round(2_000_000 * per),
        cases=round(300_000 * per),
        accidents=round(30_000 * per),
    )


def baseline(tables: dict[str, pl.DataFrame], year: int) -> pl.DataFrame:
    """Per-county counts of the year (enterprises, accidents, deaths, cases, hazards,
    inspected enterprises), joined to the regions and rolled up one level."""
    lo, hi = dt.date(year, 1, 1), dt.date(year, 12, 31)

    def of_year(name: str, day: str) -> pl.LazyFrame:
        return tables[name].lazy().filter(pl.col(day).is_between(lo, hi))

    per_county = [
        tables["enterprises"].lazy().group_by("region_code").agg(enterprises=pl.len()),
        of_year("accidents", "occurred_on")
        .group_by("region_code")
        .agg(accidents=pl.len(), deaths=pl.col("deaths").sum()),
        of_year("cases", "found_on")
        .group_by("region_code")
        .agg(cases=pl.len(), illegal=pl.col("illegal").sum()),
        of_year("hazards", "found_on")
        .group_by("region_code")
        .agg(hazards=pl.len(), major=(pl.col("level") == "重大").sum()),
        of_year("inspections", "inspected_on")
        .group_by("region_code")
        .agg(inspected=pl.col("enterprise_id").n_unique()),
    ]
    counts = tables["regions"].lazy().select("region_code", "name", "parent_code", "level")
    for part in per_county:
        counts = counts.join(part, on="region_code", how="left")
    value_cols = ["enterprises", "accidents", "deaths", "cases", "illegal", "hazards", "major",
                  "inspected"]  # fmt: skip
    counts = counts.with_columns(pl.col(value_cols).fill_null(0))
    parents = (
        counts.filter(pl.col("parent_code").is_not_null())
        .group_by("parent_code")
        .agg(pl.col(value_cols).sum())
        .rename({"parent_code": "region_code"})
    )
    rolled = counts.join(parents, on="region_code", how="left", suffix="_below").with_columns(
        pl.coalesce(f"{c}_below", c).alias(c) for c in value_cols
    )
    return rolled.select("region_code", "name", *value_cols).sort("region_code").collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--profile", help="profile one extra assess run into this HTML file")
    args = parser.parse_args()

    t0 = time.perf_counter()
    tables = build_tables(counts_for(args.enterprises), args.seed)
    t_gen = time.perf_counter() - t0
    print(f"generated in {t_gen:.1f}s (peak RSS {peak_rss_mb():,.0f} MB):")
    for name, frame in tables.items():
        print(f"  {name:<13} {frame.height:>11,} rows")
    data = Dataset(tables=tables, as_of=AS_OF)
    rules = rulebook()

    t_base, base = best_of(args.repeat, lambda: baseline(tables, 2024))
    t_assess, result = best_of(args.repeat, lambda: assess(data, rules, year=2024))
    regions = result.regions  # type: ignore[attr-defined]
    print(f"baseline: {base.height:,} regions")  # type: ignore[attr-defined]
    print(
        f"assess: {regions.height:,} regions "
        f"({int(regions['vetoed'].sum()):,} vetoed; grades "
        + ", ".join(
            f"{g} {c:,}" for g, c in regions["grade"].value_counts().sort("grade").iter_rows()
        )
        + f"), {result.enterprises.height:,} enterprises, "  # type: ignore[attr-defined]
        f"{result.cases.height:,} cases, {result.officials.height:,} officials, "  # type: ignore[attr-defined]
        f"{result.line_items.height:,} line items"  # type: ignore[attr-defined]
    )
    print(f"baseline group-by/join  {t_base:8.2f}s")
    print(f"assess (end to end)     {t_assess:8.2f}s   ratio {t_assess / t_base:6.1f}x")
    print(f"peak RSS                {peak_rss_mb():8,.0f} MB")

    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
        assess(data, rules, year=2024)
        profiler.stop()
        with open(args.profile, "w", encoding="utf-8") as fh:
            fh.write(profiler.output_html())
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
