"""Control targets v2 (国办发〔2016〕64号): deaths per sector, accident counts by grade
(较大/重大 起数, 特别重大 零控制) and targets written as a decline in % from a
baseline year.

- A6 deducts ``annual.a6_points`` per death or accident over each target, one line
  item per target; 较大 起数 counts 较大 accidents only (the accident's own grade).
- ``limit_kind = decline_pct``: a count's limit is floor(baseline × (1 + limit/100)),
  the baseline counted over the baseline year's assessment period; a rate's limit is
  the baseline rate changed by limit % (A3 stays a flat share).  No data in the
  baseline period: the target does not apply (a 0-point line item).
- A negative limit needs decline_pct, and decline_pct needs a baseline year: the
  loader rejects either row under its own rule.

Default points: A1 2 per death, A3 10 shared among the applicable rates, A6
deaths_sector 2, larger 5, major 10, extraordinary 20.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from builders import frame
from conftest import rule_file, write_csv
from test_annual import CITY, YEAR, H, N, Z, accident, has_item, item, regions

from accountability.rulebook import Rulebook, load_rulebook
from accountability.scorers.annual import section_a
from accountability.tables import load_dataset

D = dt.date


def _a(
    accidents: list[dict[str, Any]],
    targets: list[dict[str, Any]],
    stats: list[dict[str, Any]] | None = None,
    rules: Rulebook | None = None,
) -> pl.DataFrame:
    return section_a(
        frame("accidents", accidents),
        regions(),
        rules,
        YEAR,
        targets=frame("targets", targets),
        region_stats=frame("region_stats", stats) if stats is not None else None,
    ).collect()


def _target(region: str, indicator: str, limit: float, **kw: Any) -> dict[str, Any]:
    return {"region_code": region, "year": YEAR, "indicator": indicator, "limit": limit, **kw}


def _decline(region: str, indicator: str, pct: float, baseline: int) -> dict[str, Any]:
    return _target(region, indicator, pct, limit_kind="decline_pct", baseline_year=baseline)


def _a6(items: pl.DataFrame, region: str, starts: str) -> dict[str, Any]:
    """The one A6 line item of `region` whose reason starts with `starts`."""
    rows = items.filter(
        (pl.col("region_code") == region)
        & (pl.col("rule_id") == "A6")
        & pl.col("reason").str.starts_with(starts)
    ).to_dicts()
    assert len(rows) == 1, (region, starts, items.filter(pl.col("rule_id") == "A6").to_dicts())
    return rows[0]


# --- deaths per sector -------------------------------------------------------------------


def test_sector_deaths_deduct_per_death_over_the_limit():
    accs = [
        accident("R1", Z, D(2024, 3, 1), sector="道路交通", deaths=2),
        accident("R2", Z, D(2024, 4, 1), sector="道路交通", deaths=1, missing=1),  # missing counts
        accident("B1", Z, D(2024, 5, 1), sector="建筑施工", deaths=5),  # another sector
        accident("R3", H, D(2024, 3, 1), sector="道路交通", deaths=3),
    ]
    targets = [_target(Z, "deaths:道路交通", 3), _target(H, "deaths:道路交通", 3)]
    items = _a(accs, targets)
    z = _a6(items, Z, "道路交通死亡")
    assert z["points"] == -2.0  # 4 deaths against 3: 1 over, 2 points a death
    assert z["reason"] == (
        "道路交通死亡（含失踪）4 人，控制指标 3 人，超 1 人，每人扣 2 分，扣 2 分"
    )
    assert z["evidence"] == ["R1", "R2"]
    h = _a6(items, H, "道路交通死亡")
    assert h["points"] == 0.0  # 3 against 3: not strictly over
    assert h["reason"].endswith("未超，不扣分")
    # a region without any A6 target has no A6 line item (targets are the region's own
    # rows: the city has none either)
    assert not has_item(items, N, "A6") and not has_item(items, CITY, "A6")


# --- accident counts by grade ------------------------------------------------------------


def test_accident_counts_by_their_own_grade_and_zero_control():
    accs = [
        accident("L1", Z, D(2024, 2, 1), deaths=3),  # 较大
        accident("L2", Z, D(2024, 3, 1), deaths=4),  # 较大
        accident("M1", Z, D(2024, 4, 1), deaths=10),  # 重大: not a 较大 for the count
        accident("X1", H, D(2024, 5, 1), deaths=30),  # 特别重大
    ]
    targets = [
        _target(Z, "larger_accidents", 1),
        _target(Z, "major_accidents", 1),
        _target(H, "extraordinary_accidents", 0),
        _target(N, "extraordinary_accidents", 0),
    ]
    items = _a(accs, targets)
    larger = _a6(items, Z, "较大事故")
    assert larger["points"] == -5.0  # 2 较大 (not 3: the 重大 is not counted) against 1
    assert larger["reason"] == "较大事故 2 起，控制指标 1 起，超 1 起，每起扣 5 分，扣 5 分"
    assert larger["evidence"] == ["L1", "L2"]
    major = _a6(items, Z, "重大事故")
    assert major["points"] == 0.0  # 1 against 1
    assert major["reason"] == "重大事故 1 起，控制指标 1 起，未超，不扣分"
    extraordinary = _a6(items, H, "特别重大事故")
    assert extraordinary["points"] == -20.0  # 零控制: one is one too many
    assert "控制指标 0 起（零控制），超 1 起" in extraordinary["reason"]
    assert _a6(items, N, "特别重大事故")["points"] == 0.0  # none against 0
    # one line item per target: Z has two
    assert items.filter((pl.col("region_code") == Z) & (pl.col("rule_id") == "A6")).height == 2


# --- decline in % -------------------------------------------------------------------------


BASELINE_2023 = [
    accident("P1", Z, D(2023, 3, 1), deaths=6),
    accident("P2", Z, D(2023, 6, 1), deaths=4),
    accident("Q1", H, D(2023, 3, 1), sector="道路交通", deaths=10),
]


@pytest.mark.parametrize(("deaths", "a1", "a6"), [(9, 0.0, 0.0), (10, -2.0, -2.0)])
def test_a_count_may_fall_at_least_5_percent_from_its_baseline(deaths, a1, a6):
    # baseline 10 deaths, −5 %: limit floor(9.5) = 9
    accs = [
        *BASELINE_2023,
        accident("C1", Z, D(2024, 3, 1), deaths=deaths),
        accident("C2", H, D(2024, 3, 1), sector="道路交通", deaths=deaths),
    ]
    targets = [_decline(Z, "deaths", -5, 2023), _decline(H, "deaths:道路交通", -5, 2023)]
    items = _a(accs, targets)
    z = item(items, Z, "A1")
    assert z["points"] == a1
    assert (
        f"死亡（含失踪）{deaths} 人，控制指标 9 人（基准 2023 年 10 人，下降 5%，向下取整）"
        in (z["reason"])
    )
    h = _a6(items, H, "道路交通死亡")
    assert h["points"] == a6
    assert "控制指标 9 人（基准 2023 年 10 人，下降 5%，向下取整）" in h["reason"]


def test_an_accident_count_declines_from_its_baseline_count():
    # 2023: four 较大 accidents; −25 %: limit floor(3) = 3; 2024: four → 1 over
    accs = [accident(f"P{i}", Z, D(2023, 2, i + 1), deaths=3) for i in range(4)]
    accs += [accident(f"C{i}", Z, D(2024, 2, i + 1), deaths=3) for i in range(4)]
    items = _a(accs, [_decline(Z, "larger_accidents", -25, 2023)])
    assert _a6(items, Z, "较大事故")["points"] == -5.0
    fewer = _a(accs[:-1], [_decline(Z, "larger_accidents", -25, 2023)])
    assert _a6(fewer, Z, "较大事故")["points"] == 0.0  # three: at the limit


@pytest.mark.parametrize(("deaths", "points"), [(8, 0.0), (9, -10.0), (20, -10.0)])
def test_a_rate_declines_from_its_baseline_rate_and_deducts_flat(deaths, points):
    # baseline: 10 deaths on 100 亿元 = 0.1; −20 %: limit 0.08.  GDP 100 again in 2024.
    stats = [
        {"region_code": Z, "year": 2023, "gdp_100m_yuan": 100.0},
        {"region_code": Z, "year": 2024, "gdp_100m_yuan": 100.0},
    ]
    accs = [*BASELINE_2023, accident("C1", Z, D(2024, 3, 1), deaths=deaths)]
    items = _a(accs, [_decline(Z, "deaths_per_100m_gdp", -20, 2023)], stats)
    z = item(items, Z, "A3")
    assert z["points"] == points  # the one applicable rate: all 10 points when over
    assert "控制指标 0.08（基准 2023 年 0.1，下降 20%）" in z["reason"]


def test_without_baseline_data_a_decline_target_does_not_apply():
    accs = [accident("C1", Z, D(2024, 3, 1), deaths=50), accident("C2", Z, D(2024, 4, 1), deaths=3)]
    targets = [_decline(Z, "deaths", -5, 2023), _decline(Z, "larger_accidents", -5, 2023)]
    items = _a(accs, targets)
    a1 = item(items, Z, "A1")
    assert a1["points"] == 0.0
    no_data = "控制指标为较基准 2023 年下降 5%，数据集无该期事故数据，"
    assert f"死亡人数{no_data}A1 不适用，不扣分" in a1["reason"]
    a6 = _a6(items, Z, "较大事故")
    assert a6["points"] == 0.0
    assert a6["reason"] == f"较大事故{no_data}不适用，不扣分"
    assert a6["evidence"] == []
    # any row of the accidents table in the baseline period is data (here one that is
    # not a liability accident elsewhere): the baseline is then 0, and so is the limit
    other = accident("P0", H, D(2023, 5, 1), deaths=1, liability=False)
    items = _a([*accs, other], targets)
    assert item(items, Z, "A1")["points"] == -106.0  # 53 over 0, 2 points each
    assert _a6(items, Z, "较大事故")["points"] == -5.0  # 1 over 0


def test_a_rate_without_the_baseline_years_statistics_does_not_apply():
    accs = [*BASELINE_2023, accident("C1", Z, D(2024, 3, 1), deaths=20)]
    target = [_decline(Z, "deaths_per_100m_gdp", -20, 2023)]
    only_2024 = [{"region_code": Z, "year": 2024, "gdp_100m_yuan": 100.0}]
    z = item(_a(accs, target, only_2024), Z, "A3")
    assert z["points"] == 0.0
    assert "基准期无事故数据或统计分母缺失，不适用" in z["reason"]
    both = [*only_2024, {"region_code": Z, "year": 2023, "gdp_100m_yuan": 100.0}]
    assert item(_a(accs, target, both), Z, "A3")["points"] == -10.0


# --- the baseline's period is the baseline year's assessment period -------------------------

PERIOD_FILE = """[annual.period_start]
value = "12-01"
basis = "湖南省安全生产工作考核办法（2017）：上年12月1日至当年11月30日"
"""


def test_the_baseline_is_counted_over_the_baseline_years_own_period(tmp_path: Path):
    december = load_rulebook(rule_file(tmp_path, PERIOD_FILE))
    accs = [
        accident("B1", Z, D(2022, 11, 30), deaths=4),  # P(2022) either way
        accident("B2", Z, D(2022, 12, 1), deaths=6),  # P(2023) only from 12-01
        accident("B3", Z, D(2023, 11, 30), deaths=4),  # P(2023) either way
        accident("B4", Z, D(2023, 12, 1), deaths=2),  # P(2024) from 12-01, else P(2023)
        accident("C1", Z, D(2024, 6, 1), deaths=7),
    ]
    targets = [_decline(Z, "deaths", -30, 2023)]
    # 12-01: baseline B2 + B3 = 10, limit 7; the year B4 + C1 = 9: 2 over
    z = item(_a(accs, targets, rules=december), Z, "A1")
    assert z["points"] == -4.0
    assert (
        "控制指标 7 人（基准 2023 年度（2022-12-01 至 2023-11-30） 10 人，下降 30%" in (z["reason"])
    )
    # calendar years: baseline B3 + B4 = 6, limit floor(4.2) = 4; the year C1 = 7: 3 over
    z = item(_a(accs, targets), Z, "A1")
    assert z["points"] == -6.0
    assert "控制指标 4 人（基准 2023 年 6 人，下降 30%" in z["reason"]


# --- the targets table's rows -------------------------------------------------------------


def _load(tmp_path: Path, rows: list[dict[str, str]]) -> Any:
    folder = tmp_path / "data"
    write_csv(folder, "regions", regions().select(pl.all().cast(pl.String)))
    write_csv(folder, "targets", pl.DataFrame(rows))
    return load_dataset(folder, as_of="2025-01-31")


def _row(indicator: str, limit: str, kind: str = "", baseline: str = "") -> dict[str, str]:
    return {"region_code": Z, "year": "2024", "indicator": indicator, "limit": limit,
            "limit_kind": kind, "baseline_year": baseline}  # fmt: skip


def test_a_negative_limit_needs_a_decline_in_percent(tmp_path: Path):
    data = _load(
        tmp_path,
        [
            _row("deaths", "-5"),  # absolute (the empty cell's default): rejected
            _row("major_accidents", "-5", "absolute"),
            _row("larger_accidents", "-5", "decline_pct", "2023"),  # kept
            _row("extraordinary_accidents", "0"),  # 零控制: kept
        ],
    )
    rejected = data.rejected.select("row", "column", "rule").rows()
    assert rejected == [
        (1, "limit", "negative_absolute_limit"),
        (2, "limit", "negative_absolute_limit"),
    ]
    kept = data.table("targets").select("indicator", "limit", "limit_kind", "baseline_year")
    assert kept.with_columns(pl.col(pl.Enum).cast(pl.String)).rows() == [
        ("larger_accidents", -5.0, "decline_pct", 2023),
        ("extraordinary_accidents", 0.0, "absolute", None),
    ]


def test_a_decline_in_percent_needs_a_baseline_year(tmp_path: Path):
    data = _load(
        tmp_path,
        [
            _row("deaths", "-5", "decline_pct"),  # rejected
            _row("deaths:煤矿", "-5", "decline_pct", "2020"),  # kept
            _row("road_deaths_per_10k_vehicles", "2.5"),  # absolute without a year: kept
        ],
    )
    assert data.rejected.select("row", "column", "rule").rows() == [
        (1, "baseline_year", "baseline_year_missing")
    ]
    assert data.table("targets").height == 2
