"""Benchmark: 企业主体责任 ratings over a national-scale generated dataset.

Generates (vectorised numpy, seeded) 1,000,000 enterprises with two years of
accidents, enforcement cases and hidden hazards in canonical dtypes, then times in
the same run:

- baseline: a plain polars join + group-by over the same tables — accidents, cases
  and hazards of the year each grouped by enterprise (counts and flag sums),
  joined to the enterprises, one arithmetic score — what any per-enterprise
  roll-up costs at minimum;
- `enterprise_ratings(data, rules, 2024)`: every rule, the 12-month 较大 window,
  the cap and clip line items with evidence lists, classes, the dishonesty flag,
  in one lazy plan collected once;
- `inspection_plan(ratings, capacity=...)`.

Prints the times, the ratio ratings ÷ baseline and the peak RSS.  Writes nothing.

    /work/venv/bin/python benchmarks/bench_enterprise.py [--enterprises 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import polars as pl
from generate import canonical, dates, ids
from measure import best_of, peak_rss_mb

from accountability.codes import SECTORS
from accountability.dataset import Dataset
from accountability.planning import inspection_plan
from accountability.rulebook import rulebook
from accountability.scorers.enterprise import enterprise_ratings

START = dt.date(2023, 1, 1)
DAYS = 731  # 2023-01-01 .. 2024-12-31
EPOCH_START = (START - dt.date(1970, 1, 1)).days


def generate(n: int, seed: int = 20241231) -> dict[str, pl.DataFrame]:
    """`n` enterprises with accidents (≈ 6 % of n), cases (≈ 30 %) and hazards (≈ 3 n)."""
    rng = np.random.default_rng(seed)
    counties = np.array([f"43{c:02d}{k:02d}" for c in range(1, 15) for k in range(1, 10)])
    ent_county = rng.integers(0, len(counties), n)
    ent_sector = rng.integers(0, len(SECTORS), n)
    ent_ids = ids("E", np.arange(n), 9)
    req = rng.random(n) < 0.3
    level_idx = rng.choice(4, n, p=[0.5, 0.05, 0.15, 0.3])
    std = pl.Series(np.array(["", "一级", "二级", "三级"])[level_idx]).scatter(
        np.flatnonzero(level_idx == 0), None
    )
    status = rng.choice(np.array(["在营", "停产", "关闭"]), n, p=[0.9, 0.03, 0.07])
    enterprises = canonical(
        "enterprises",
        pl.DataFrame(
            {
                "enterprise_id": ent_ids,
                "name": "企业" + ent_ids,
                "region_code": counties[ent_county],
                "sector": np.asarray(SECTORS)[ent_sector],
                "employees": rng.integers(1, 2000, n),
                "license_required": req,
                "licensed": ~req | (rng.random(n) < 0.99),
                "standardization_level": std,
                "status": status,
                "closed_on": pl.Series([None] * n, dtype=pl.Date),
            }
        ),
    )

    def owners(m: int) -> np.ndarray:
        return rng.integers(0, n, m)

    m = int(n * 0.06)
    who = owners(m)
    deaths = rng.choice([0, 1, 2, 3, 4, 10], m, p=[0.55, 0.3, 0.1, 0.035, 0.0145, 0.0005])
    accidents = canonical(
        "accidents",
        pl.DataFrame(
            {
                "accident_id": ids("A", np.arange(m), 9),
                "region_code": counties[ent_county[who]],
                "enterprise_id": ent_ids.gather(who),
                "sector": np.asarray(SECTORS)[ent_sector[who]],
                "occurred_on": dates(EPOCH_START + rng.integers(0, DAYS, m)),
                "deaths": deaths,
                "missing": (rng.random(m) < 0.02).astype(np.int64),
                "serious_injuries": rng.integers(0, 3, m),
                "direct_loss_10k_yuan": rng.random(m) * 100,
                "reported_late": rng.random(m) < 0.02,
                "concealed": rng.random(m) < 0.002,
                "liability": rng.random(m) < 0.97,
            }
        ),
    )

    c = int(n * 0.3)
    who = owners(c)
    cases = canonical(
        "cases",
        pl.DataFrame(
            {
                "case_id": ids("C", np.arange(c), 9),
                "inspection_id": pl.Series([None] * c, dtype=pl.String),
                "enterprise_id": ent_ids.gather(who),
                "region_code": counties[ent_county[who]],
                "department": "应急管理局",
                "found_on": dates(EPOCH_START + rng.integers(0, DAYS, c)),
                "illegal": rng.random(c) < 0.03,
                "unlawful": rng.random(c) < 0.4,
                "failed_rectification": rng.random(c) < 0.02,
                "criminal": rng.random(c) < 0.01,
                "major_hazard": rng.random(c) < 0.2,
                "suspended": rng.random(c) < 0.3,
                "closed": rng.random(c) < 0.05,
                "fine_yuan": rng.random(c) * 1e5,
                "fine_max_yuan": np.full(c, 1e5),
                "transferred": rng.random(c) < 0.02,
                "persons_detained": 0,
                "persons_transferred": 0,
                "officials_accountable": 0,
            }
        ),
    )

    h = int(n * 3)
    who = owners(h)
    found = EPOCH_START + rng.integers(0, DAYS, h)
    due = found + rng.integers(7, 120, h)
    late = rng.integers(-30, 40, h)
    rectified = np.where(rng.random(h) < 0.05, -1, due + late)
    hazards = canonical(
        "hazards",
        pl.DataFrame(
            {
                "hazard_id": ids("H", np.arange(h), 9),
                "enterprise_id": ent_ids.gather(who),
                "region_code": counties[ent_county[who]],
                "sector": np.asarray(SECTORS)[ent_sector[who]],
                "level": np.where(rng.random(h) < 0.02, "重大", "一般"),
                "found_on": dates(found),
                "due_on": dates(due),
                "rectified_on": dates(np.maximum(rectified, found)).scatter(
                    np.flatnonzero(rectified < 0), None
                ),
                "listed": rng.random(h) < 0.5,
                "five_in_place": rng.random(h) < 0.9,
            }
        ),
    )
    return {"enterprises": enterprises, "accidents": accidents, "cases": cases, "hazards": hazards}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20241231)
    args = parser.parse_args()

    t0 = time.perf_counter()
    tables = generate(args.enterprises, args.seed)
    print(
        "generated "
        + ", ".join(f"{k} {v.height:,}" for k, v in tables.items())
        + f" in {time.perf_counter() - t0:.2f}s (peak RSS {peak_rss_mb():,.0f} MB)"
    )
    data = Dataset(tables=tables, as_of=dt.date(2025, 3, 1))
    rules = rulebook()
    year = 2024
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)

    def baseline() -> pl.DataFrame:
        acc = (
            tables["accidents"]
            .lazy()
            .filter(pl.col("occurred_on").is_between(start, end) & pl.col("liability"))
            .group_by("enterprise_id")
            .agg(pl.len().alias("accidents"), (pl.col("deaths") > 0).sum().alias("fatal"))
        )
        cas = (
            tables["cases"].lazy()
            .filter(pl.col("found_on").is_between(start, end))
            .group_by("enterprise_id")
            .agg(*[pl.col(f).sum() for f in ("illegal", "unlawful", "failed_rectification",
                                             "criminal")])
        )  # fmt: skip
        haz = (
            tables["hazards"]
            .lazy()
            .filter(pl.col("due_on") <= end)
            .group_by("enterprise_id")
            .agg(
                (pl.col("rectified_on").is_null() | (pl.col("rectified_on") > pl.col("due_on")))
                .sum()
                .alias("late")
            )
        )
        return (
            tables["enterprises"]
            .lazy()
            .join(acc, on="enterprise_id", how="left")
            .join(cas, on="enterprise_id", how="left")
            .join(haz, on="enterprise_id", how="left")
            .with_columns(
                (
                    100
                    - 5 * pl.col("accidents").fill_null(0)
                    - 10 * pl.col("fatal").fill_null(0)
                    - 40 * pl.col("illegal").fill_null(0)
                    - 15 * pl.col("unlawful").fill_null(0)
                    - 2 * pl.col("late").fill_null(0)
                )
                .clip(0, 100)
                .alias("score")
            )
            .sort("enterprise_id")
            .collect()
        )

    t_base, _ = best_of(args.repeat, baseline)
    t_rate, ratings = best_of(args.repeat, lambda: enterprise_ratings(data, rules, year))
    t_plan, plan = best_of(
        args.repeat,
        lambda: inspection_plan(ratings, rules, capacity={"应急管理局": 2_000_000}),  # type: ignore[arg-type]
    )
    ents = ratings.enterprises  # type: ignore[attr-defined]
    classes = dict(ents.group_by("risk_class").len().sort("risk_class").iter_rows())
    print(
        f"ratings {year}: {ents.height:,} enterprises, "
        f"{ratings.line_items.height:,} line items, classes {classes}, "  # type: ignore[attr-defined]
        f"dishonest {int(ents['dishonest'].sum()):,}; "
        f"plan queue {plan.queue.height:,} rows"  # type: ignore[attr-defined]
    )
    print(f"baseline join + group-by   {t_base:8.3f}s")
    print(f"enterprise_ratings         {t_rate:8.3f}s   ratio {t_rate / t_base:6.1f}x")
    print(f"inspection_plan            {t_plan:8.3f}s")
    print(f"peak RSS                   {peak_rss_mb():8,.0f} MB")


if __name__ == "__main__":
    main()
