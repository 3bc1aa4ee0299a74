"""Benchmark: 四个一律 over a national-scale generated cases table.

Generates (vectorised, seeded) 1,000,000 enforcement cases of ~200,000 enterprises
over two years in ~130 regions, then times in the same run:

- baseline: a plain polars group-by over the same table (region_code, department;
  counting flags and summing fines) — what any roll-up costs at minimum;
- core: `required_measures` over all 1,000,000 cases (the repeat rule's windows,
  required/taken measures, compliance, the Chinese gap texts) rolled up by
  region_code and department, in one lazy plan collected once;
- full: `four_musts(data, rules, 2024)` (year filter, enterprise names, roll-up through
  the region hierarchy, by department, by region and department, line items).

Prints the times and the ratios core ÷ baseline and full ÷ baseline.  Writes nothing.

    /work/venv/bin/python benchmarks/bench_four_musts.py [--cases 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import polars as pl
from generate import DEPARTMENTS, canonical
from measure import best_of

from accountability.columns import TABLES
from accountability.dataset import Dataset
from accountability.rulebook import rulebook
from accountability.scorers.four_musts import GAP_COLUMNS, four_musts, required_measures


def generate_regions(cities: int = 14, counties_per_city: int = 9) -> pl.DataFrame:
    codes, names, parents, levels = ["430000"], ["省"], [None], ["省"]
    for c in range(1, cities + 1):
        city = f"43{c:02d}00"
        codes.append(city)
        names.append(f"市{c}")
        parents.append("430000")
        levels.append("市")
        for k in range(1, counties_per_city + 1):
            codes.append(f"43{c:02d}{k:02d}")
            names.append(f"县{c}-{k}")
            parents.append(city)
            levels.append("县")
    frame = {"region_code": codes, "name": names, "parent_code": parents, "level": levels}
    return pl.DataFrame(frame, schema=TABLES["regions"].dtypes)


def generate_cases(
    n: int, enterprises: int, counties: list[str], seed: int = 20240630
) -> pl.DataFrame:
    """`n` cases in canonical dtypes; enterprises sit in one county each."""
    rng = np.random.default_rng(seed)
    ent = rng.integers(0, enterprises, n)
    ent_county = rng.integers(0, len(counties), enterprises)
    start = dt.date(2023, 1, 1)
    days = rng.integers(0, 731, n)
    fine_max = rng.choice([30000.0, 50000.0, 100000.0, 200000.0, 1000000.0], n)
    fine = np.where(rng.random(n) < 0.6, fine_max * rng.choice([0.5, 1.0, 1.0], n), 0.0)
    fine_null = rng.random(n) < 0.02
    max_null = rng.random(n) < 0.02
    frame = pl.DataFrame(
        {
            "case_id": pl.int_range(n, eager=True).cast(pl.String).str.zfill(8),
            "inspection_id": None,
            "enterprise_id": pl.Series(ent).cast(pl.String).str.zfill(7),
            "region_code": pl.Series(np.asarray(counties)[ent_county[ent]]),
            "department": pl.Series(np.asarray(DEPARTMENTS)[rng.integers(0, len(DEPARTMENTS), n)]),
            "found_on": pl.Series(days, dtype=pl.Int32),
            "illegal": rng.random(n) < 0.08,
            "unlawful": rng.random(n) < 0.4,
            "failed_rectification": rng.random(n) < 0.03,
            "criminal": rng.random(n) < 0.02,
            "major_hazard": rng.random(n) < 0.3,
            "suspended": rng.random(n) < 0.5,
            "closed": rng.random(n) < 0.1,
            "fine_yuan": pl.Series(fine).scatter(np.flatnonzero(fine_null), None),
            "fine_max_yuan": pl.Series(fine_max).scatter(np.flatnonzero(max_null), None),
            "transferred": rng.random(n) < 0.6,
            "persons_detained": 0,
            "persons_transferred": 0,
            "officials_accountable": 0,
        }
    )
    frame = frame.with_columns(
        (pl.lit(start) + pl.duration(days=pl.col("found_on"))).alias("found_on")
    )
    return canonical("cases", frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    regions = generate_regions()
    counties = regions.filter(pl.col("level") == "县")["region_code"].to_list()
    t0 = time.perf_counter()
    cases = generate_cases(args.cases, args.enterprises, counties)
    print(
        f"generated {cases.height:,} cases, {cases['enterprise_id'].n_unique():,} enterprises,"
        f" {len(counties)} counties in {time.perf_counter() - t0:.2f}s"
    )
    rules = rulebook()
    rules_at = rules.for_year(2024)
    data = Dataset(tables={"cases": cases, "regions": regions}, as_of=dt.date(2025, 1, 15))
    flags = ["illegal", "unlawful", "failed_rectification", "criminal", "major_hazard",
             "suspended", "closed", "transferred"]  # fmt: skip

    def baseline() -> pl.DataFrame:
        return (
            cases.lazy()
            .group_by("region_code", "department")
            .agg(
                pl.len().alias("cases"),
                *[pl.col(f).sum() for f in flags],
                pl.col("fine_yuan").sum(),
            )
            .collect()
        )

    def core() -> pl.DataFrame:
        return (
            required_measures(cases.lazy(), rules_at)
            .group_by("region_code", "department")
            .agg(
                pl.len().alias("cases"),
                pl.col("requires_measure").sum(),
                (pl.col("requires_measure") & pl.col("compliant")).sum().alias("compliant"),
                *[pl.col(c).sum() for c in GAP_COLUMNS],
                # uses the gap texts, so the plan cannot skip building them
                pl.col("gaps").list.len().sum().alias("gap_texts"),
            )
            .collect()
        )

    def full() -> object:
        return four_musts(data, rules, 2024)

    t_base, _ = best_of(args.repeat, baseline)
    t_core, core_out = best_of(args.repeat, core)
    t_full, result = best_of(args.repeat, full)
    requiring = int(core_out["requires_measure"].sum())  # type: ignore[index]
    compliant = int(core_out["compliant"].sum())  # type: ignore[index]
    print(f"cases requiring a measure (all years): {requiring:,}; compliant {compliant:,}")
    print(
        f"four_musts 2024: {result.cases.height:,} cases, "  # type: ignore[attr-defined]
        f"{result.line_items.height:,} line items, "  # type: ignore[attr-defined]
        f"closure by repeat rule: "
        f"{int((result.cases['repeat_fines_180'] >= 3).sum()):,}"  # type: ignore[attr-defined]
    )
    print(f"baseline group-by      {t_base:8.3f}s")
    print(f"core (one lazy plan)   {t_core:8.3f}s   ratio {t_core / t_base:6.1f}x")
    print(f"four_musts (full)      {t_full:8.3f}s   ratio {t_full / t_base:6.1f}x")


if __name__ == "__main__":
    main()
