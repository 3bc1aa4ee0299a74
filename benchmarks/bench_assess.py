"""Benchmark: the whole year-end assessment, `assess(data, year=2024)`, at national scale.

Generates (vectorised numpy, seeded) a country: 31 provinces × 10 cities × 10
counties (3,441 regions), 1,000,000 enterprises and two years (2023–2024) of every
input table — accidents, inspections, enforcement cases, hidden hazards, officials
with portfolios, duty records, work items, region statistics and control targets —
in canonical dtypes, then times in the same run:

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

import numpy as np
import polars as pl
from measure import best_of, peak_rss_mb

from accountability.assessment import assess
from accountability.columns import TABLES
from accountability.dataset import Dataset
from accountability.rulebook import rulebook

# GB/T 2260 province-level codes (31 provinces, autonomous regions, municipalities)
PROVINCES = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
    "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
    "63", "64", "65",
]  # fmt: skip
CITIES_PER_PROVINCE = 10
COUNTIES_PER_CITY = 10
YEARS = (2023, 2024)
START = dt.date(2023, 1, 1)
DAYS = 731  # 2023-01-01 .. 2024-12-31
EPOCH_START = (START - dt.date(1970, 1, 1)).days

# sector, share of enterprises
SECTOR_SHARES = {
    "工矿商贸其他": 0.53, "建筑施工": 0.12, "危险化学品": 0.06, "非煤矿山": 0.035,
    "烟花爆竹": 0.02, "煤矿": 0.005, "道路交通": 0.08, "水上交通": 0.03, "消防": 0.11,
    "校车": 0.01,
}  # fmt: skip
DEPARTMENT_OF = {
    "工矿商贸其他": "应急管理局", "建筑施工": "住房和城乡建设局", "危险化学品": "应急管理局",
    "非煤矿山": "应急管理局", "烟花爆竹": "应急管理局", "煤矿": "应急管理局",
    "道路交通": "交通运输局", "水上交通": "交通运输局", "消防": "消防救援局", "校车": "教育局",
}  # fmt: skip
DEPARTMENTS = ["应急管理局", "住房和城乡建设局", "交通运输局", "公安局", "教育局", "消防救援局"]
PORTFOLIOS = [
    ["煤矿", "非煤矿山", "危险化学品", "烟花爆竹", "工矿商贸其他"],
    ["道路交通", "水上交通", "校车"],
    ["建筑施工", "消防"],
]
LICENSED_SECTORS = [
    "煤矿",
    "非煤矿山",
    "危险化学品",
    "烟花爆竹",
    "建筑施工",
    "道路交通",
    "水上交通",
]
WORK_ITEMS = ["应急演练(次)", "安全生产宣传教育活动(场次)", "企业安全生产标准化达标(家)"]


def _canonical(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(pl.col(c).cast(t) for c, t in TABLES[table].dtypes.items())


def _ids(prefix: str, n: int, width: int = 9) -> pl.Series:
    return prefix + pl.int_range(n, eager=True).cast(pl.String).str.zfill(width)


def _days(values: np.ndarray) -> pl.Series:
    return pl.Series(values.astype(np.int32)).cast(pl.Date)  # days since 1970-01-01


def _null_where(series: pl.Series, mask: np.ndarray) -> pl.Series:
    return series.scatter(np.flatnonzero(mask), None)


def generate_regions() -> pl.DataFrame:
    """Provinces (roots), cities and counties with GB/T 2260-shaped codes."""
    p = np.repeat(np.array(PROVINCES), CITIES_PER_PROVINCE)
    c = np.tile(np.arange(1, CITIES_PER_PROVINCE + 1), len(PROVINCES))
    cities = np.char.add(np.char.add(p, np.char.zfill(c.astype(str), 2)), "00")
    k = np.tile(np.arange(1, COUNTIES_PER_CITY + 1), len(cities))
    city_of_county = np.repeat(cities, COUNTIES_PER_CITY)
    counties = np.char.add(city_of_county.astype("<U4"), np.char.zfill(k.astype(str), 2))
    frame = pl.DataFrame(
        {
            "region_code": np.concatenate([np.char.add(PROVINCES, "0000"), cities, counties]),
            "parent_code": np.concatenate(
                [np.full(len(PROVINCES), ""), np.char.add(p, "0000"), city_of_county]
            ),
            "level": ["省"] * len(PROVINCES) + ["市"] * len(cities) + ["县"] * len(counties),
        }
    ).with_columns(
        name=pl.concat_str(pl.col("level").cast(pl.String), pl.col("region_code")),
        parent_code=pl.when(pl.col("parent_code") != "").then("parent_code"),
    )
    return _canonical("regions", frame)


def generate(n: int, seed: int = 20241231) -> dict[str, pl.DataFrame]:
    """A national dataset of `n` enterprises; every other table scales with it."""
    rng = np.random.default_rng(seed)
    scale = n / 1_000_000
    regions = generate_regions()
    counties = regions.filter(pl.col("level") == "县")["region_code"].to_numpy()
    sectors = np.array(list(SECTOR_SHARES))
    shares = np.array(list(SECTOR_SHARES.values()))
    shares = shares / shares.sum()

    # -- enterprises, sorted by county so a county's enterprises are one slice --
    county_weight = rng.gamma(2.0, 1.0, len(counties))
    ent_county = np.sort(rng.choice(len(counties), n, p=county_weight / county_weight.sum()))
    ent_sector = rng.choice(len(sectors), n, p=shares)
    ent_ids = _ids("E", n)
    req = np.isin(sectors[ent_sector], LICENSED_SECTORS)
    level_idx = rng.choice(4, n, p=[0.45, 0.05, 0.15, 0.35])
    closed = rng.random(n) < 0.04
    enterprises = _canonical(
        "enterprises",
        pl.DataFrame(
            {
                "enterprise_id": ent_ids,
                "name": "企业" + ent_ids,
                "region_code": counties[ent_county],
                "sector": sectors[ent_sector],
                "employees": rng.integers(1, 2000, n),
                "license_required": req,
                "licensed": ~req | (rng.random(n) < 0.99),
                "standardization_level": _null_where(
                    pl.Series(np.array(["", "一级", "二级", "三级"])[level_idx]), level_idx == 0
                ),
                "status": np.where(closed, "关闭", np.where(rng.random(n) < 0.03, "停产", "在营")),
                "closed_on": _null_where(_days(EPOCH_START + rng.integers(0, DAYS, n)), ~closed),
            }
        ),
    )
    first = np.searchsorted(ent_county, np.arange(len(counties)))
    size = np.diff(np.append(first, n))

    def in_county(county: np.ndarray) -> np.ndarray:
        """A random enterprise of each given county (counties without any get index 0)."""
        pick = first[county] + (rng.random(len(county)) * size[county]).astype(np.int64)
        return np.minimum(pick, n - 1)

    def owners(m: int) -> np.ndarray:
        return rng.integers(0, n, m)

    # -- accidents: ≈ 30 per 1,000 enterprises over two years --
    m = int(30_000 * scale)
    who = owners(m)
    acc_sector = sectors[ent_sector[who]]
    no_owner = np.isin(acc_sector, ["道路交通", "水上交通"]) & (rng.random(m) < 0.7)
    deaths = rng.choice([0, 1, 2, 3, 4, 6, 12], m, p=[0.3, 0.5, 0.13, 0.04, 0.02, 0.009, 0.001])
    accidents = _canonical(
        "accidents",
        pl.DataFrame(
            {
                "accident_id": _ids("A", m),
                "region_code": counties[ent_county[who]],
                "enterprise_id": _null_where(ent_ids.gather(who), no_owner),
                "sector": acc_sector,
                "occurred_on": _days(EPOCH_START + rng.integers(0, DAYS, m)),
                "deaths": deaths,
                "missing": (rng.random(m) < 0.02).astype(np.int64),
                "serious_injuries": rng.choice(
                    [0, 1, 2, 3, 12], m, p=[0.5, 0.3, 0.12, 0.079, 0.001]
                ),
                "direct_loss_10k_yuan": np.round(rng.gamma(1.5, 20.0, m), 2),
                "reported_late": rng.random(m) < 0.01,
                "concealed": rng.random(m) < 0.001,
                "liability": rng.random(m) < 0.97,
            }
        ),
    )

    # -- inspections: 400,000 inspections a million enterprises, ≈ 5 visits each --
    k = int(400_000 * scale)
    insp_county = rng.choice(len(counties), k, p=county_weight / county_weight.sum())
    visits = rng.integers(1, 10, k)
    row_insp = np.repeat(np.arange(k), visits)
    inspections = (
        pl.DataFrame(
            {
                "inspection_id": _ids("J", k).gather(row_insp),
                "enterprise_id": ent_ids.gather(in_county(insp_county[row_insp])),
                "region_code": counties[insp_county[row_insp]],
                "department": np.asarray(DEPARTMENTS)[rng.integers(0, len(DEPARTMENTS), k)][
                    row_insp
                ],
                "inspected_on": _days(EPOCH_START + rng.integers(0, DAYS, k)).gather(row_insp),
            }
        )
        .unique(["inspection_id", "enterprise_id"], keep="first", maintain_order=True)
        .pipe(lambda f: _canonical("inspections", f))
    )

    # -- enforcement cases: ≈ 0.3 per enterprise --
    c = int(300_000 * scale)
    who = owners(c)
    fine_max = rng.choice([30000.0, 50000.0, 100000.0, 200000.0, 1000000.0], c)
    fine = np.where(rng.random(c) < 0.6, fine_max * rng.choice([0.5, 1.0, 1.0], c), 0.0)
    cases = _canonical(
        "cases",
        pl.DataFrame(
            {
                "case_id": _ids("C", c),
                "inspection_id": pl.Series([None] * c, dtype=pl.String),
                "enterprise_id": ent_ids.gather(who),
                "region_code": counties[ent_county[who]],
                "department": np.vectorize(DEPARTMENT_OF.get)(sectors[ent_sector[who]]),
                "found_on": _days(EPOCH_START + rng.integers(0, DAYS, c)),
                "illegal": rng.random(c) < 0.05,
                "unlawful": rng.random(c) < 0.4,
                "failed_rectification": rng.random(c) < 0.02,
                "criminal": rng.random(c) < 0.01,
                "major_hazard": rng.random(c) < 0.2,
                "suspended": rng.random(c) < 0.4,
                "closed": rng.random(c) < 0.08,
                "fine_yuan": _null_where(pl.Series(fine), rng.random(c) < 0.01),
                "fine_max_yuan": _null_where(pl.Series(fine_max), rng.random(c) < 0.01),
                "transferred": rng.random(c) < 0.7,
                "persons_detained": (rng.random(c) < 0.005).astype(np.int64),
                "persons_transferred": (rng.random(c) < 0.003).astype(np.int64),
                "officials_accountable": (rng.random(c) < 0.01).astype(np.int64),
            }
        ),
    )

    # -- hidden hazards: ≈ 4 per enterprise over two years --
    h = int(4_000_000 * scale)
    who = owners(h)
    found = EPOCH_START + rng.integers(0, DAYS, h)
    due = found + rng.integers(7, 120, h)
    rectified = np.maximum(due + rng.integers(-40, 25, h), found)
    never = rng.random(h) < 0.03
    major = rng.random(h) < 0.015
    hazards = _canonical(
        "hazards",
        pl.DataFrame(
            {
                "hazard_id": _ids("H", h, 10),
                "enterprise_id": ent_ids.gather(who),
                "region_code": counties[ent_county[who]],
                "sector": sectors[ent_sector[who]],
                "level": np.where(major, "重大", "一般"),
                "found_on": _days(found),
                "due_on": _days(due),
                "rectified_on": _null_where(_days(rectified), never),
                "listed": rng.random(h) < 0.9,
                "five_in_place": rng.random(h) < 0.92,
            }
        ),
    )

    # -- officials: in every region, two principal leaders, three deputies with
    #    portfolios, six department heads --
    codes = regions["region_code"].to_numpy()
    r = len(codes)
    roles = ["党委主要负责人", "政府主要负责人"] + ["分管负责人"] * 3 + ["部门负责人"] * 6
    per = len(roles)
    slot = np.tile(np.arange(per), r)
    region_of = np.repeat(codes, per)
    dept = pl.Series([None] * 5 + DEPARTMENTS, dtype=pl.String).gather(slot)
    portfolio = pl.Series([None, None, *PORTFOLIOS, *[None] * 6] * r, dtype=pl.List(pl.String))
    officials = _canonical(
        "officials",
        pl.DataFrame(
            {
                "official_id": pl.Series(np.char.add("GB", region_of))
                + pl.Series(np.char.zfill((slot + 1).astype(str), 2)),
                "name": pl.Series(np.char.add("干部", region_of))
                + pl.Series(np.char.zfill((slot + 1).astype(str), 2)),
                "region_code": region_of,
                "role": np.array(roles)[slot],
                "department": dept,
                "portfolio": portfolio,
                "start_on": pl.Series([None] * (r * per), dtype=pl.Date),
                "end_on": pl.Series([None] * (r * per), dtype=pl.Date),
            }
        ),
    )
    o = officials.height
    acts = ["研究部署", "督导检查", "隐患督办"]
    rows = o * len(YEARS) * len(acts)
    duty_records = _canonical(
        "duty_records",
        pl.DataFrame(
            {
                "official_id": officials["official_id"].gather(np.repeat(np.arange(o), 6)),
                "year": np.tile(np.repeat(np.array(YEARS), 3), o),
                "activity": np.tile(np.array(acts), o * len(YEARS)),
                "count": rng.choice([0, 2, 4, 6, 8], rows, p=[0.03, 0.1, 0.3, 0.3, 0.27]),
            }
        ),
    )

    # -- work items: three a region and year --
    wi = r * len(YEARS) * len(WORK_ITEMS)
    target = rng.integers(5, 200, wi).astype(float)
    work_items = _canonical(
        "work_items",
        pl.DataFrame(
            {
                "region_code": np.repeat(codes, len(YEARS) * len(WORK_ITEMS)),
                "year": np.tile(np.repeat(np.array(YEARS), len(WORK_ITEMS)), r),
                "item": np.tile(np.array(WORK_ITEMS), r * len(YEARS)),
                "target": target,
                "achieved": np.round(target * rng.uniform(0.8, 1.1, wi)),
            }
        ),
    )

    # -- region stats: counties drawn, cities and provinces the sums of their parts --
    county_stats = pl.DataFrame(
        {
            "region_code": np.repeat(counties, len(YEARS)),
            "year": np.tile(np.array(YEARS), len(counties)),
            "gdp_100m_yuan": np.round(
                np.repeat(rng.gamma(2.0, 150.0, len(counties)), 2)
                * np.tile([1.0, 1.05], len(counties)),
                1,
            ),
            "industry_employees": np.repeat(rng.integers(20_000, 200_000, len(counties)), 2),
            "motor_vehicles": np.repeat(rng.integers(30_000, 400_000, len(counties)), 2),
            "coal_output_mt": np.repeat(
                np.where(
                    rng.random(len(counties)) < 0.1, rng.uniform(0.1, 5, len(counties)), np.nan
                ),
                2,
            ),
        }
    ).with_columns(pl.col("coal_output_mt").fill_nan(None))
    parents = regions.select("region_code", "parent_code")

    def up(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.join(parents, on="region_code")
            .group_by("parent_code", "year")
            .agg(pl.exclude("region_code").sum())
            .rename({"parent_code": "region_code"})
            .select(frame.columns)
        )

    city_stats = up(county_stats)
    region_stats = _canonical(
        "region_stats", pl.concat([county_stats, city_stats, up(city_stats)])
    ).sort("region_code", "year")

    # -- targets: limits near each region's own figures, so some regions exceed them --
    deaths_by_county = accidents.group_by(
        "region_code", year=pl.col("occurred_on").dt.year().cast(pl.Int32)
    ).agg(pl.col("deaths").sum())
    all_deaths = pl.concat([deaths_by_county, up(deaths_by_county), up(up(deaths_by_county))])
    stats = region_stats.join(all_deaths, on=["region_code", "year"], how="left").with_columns(
        pl.col("deaths").fill_null(0),
        factor=pl.Series(rng.uniform(0.85, 1.4, region_stats.height)),
    )
    limit = (pl.col("deaths") * pl.col("factor")).round(0).clip(1)
    targets = _canonical(
        "targets",
        stats.select(
            "region_code",
            "year",
            deaths=limit,
            deaths_per_100m_gdp=(limit / pl.col("gdp_100m_yuan")).round(3),
            industry_deaths_per_100k=(limit * 0.5 / pl.col("industry_employees") * 1e5).round(3),
            road_deaths_per_10k_vehicles=(limit * 0.3 / pl.col("motor_vehicles") * 1e4).round(3),
        )
        .unpivot(index=["region_code", "year"], variable_name="indicator", value_name="limit")
        .sort("region_code", "year", "indicator"),
    )
    return {
        "regions": regions,
        "region_stats": region_stats,
        "targets": targets,
        "enterprises": enterprises,
        "officials": officials,
        "accidents": accidents,
        "inspections": inspections,
        "cases": cases,
        "hazards": hazards,
        "duty_records": duty_records,
        "work_items": work_items,
    }


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
    parser.add_argument("--seed", type=int, default=20241231)
    parser.add_argument("--profile", help="profile one extra assess run into this HTML file")
    args = parser.parse_args()

    t0 = time.perf_counter()
    tables = generate(args.enterprises, args.seed)
    t_gen = time.perf_counter() - t0
    print(f"generated in {t_gen:.1f}s (peak RSS {peak_rss_mb():,.0f} MB):")
    for name, frame in tables.items():
        print(f"  {name:<13} {frame.height:>11,} rows")
    data = Dataset(tables=tables, as_of=dt.date(2025, 1, 15))
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
