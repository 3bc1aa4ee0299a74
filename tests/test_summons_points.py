"""D2 被约谈扣分: a summons feeds back into the annual assessment of the summoned region
(安委〔2018〕2号 安全生产约谈实施办法(试行); 湖南省安全生产约谈制度 (2018): 约谈情况纳入
年度考核).

``annual.summons_points`` (default 0) × the region's own 约谈 events of the period in
``summons_events``; one line item per region only while the points are not 0; no
roll-up to the regions above; inside the D section's cap.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from test_annual import (
    CITY,
    YEAR,
    H,
    Z,
    dataset,
    has_item,
    item,
    officials_frame,
    regions,
    with_params,
)

from accountability.scorers.annual import annual, section_d

D = dt.date
OFFICIALS = officials_frame([("O1", Z, 1.0), ("O2", H, 1.0), ("O3", CITY, 1.0)])
EVENT_SCHEMA = {
    "triggered_on": pl.Date,
    "region_code": pl.String,
    "official_id": pl.String,
    "step": pl.String,
    "rule_id": pl.String,
    "evidence": pl.List(pl.String),
}


def events(*rows: tuple) -> pl.DataFrame:
    """summons_events rows: (triggered_on, region_code, official_id, step, rule_id, ids)."""
    return pl.DataFrame(
        [dict(zip(EVENT_SCHEMA, r, strict=True)) for r in rows], schema=EVENT_SCHEMA
    )


TWO_IN_Z = events(
    (D(2024, 3, 5), Z, "O1", "约谈", "dual_duty.summons.window.larger_30d", ["SG1", "SG2"]),
    (D(2024, 10, 5), Z, "O1", "约谈", "dual_duty.summons.grade", ["SG3"]),
)


def d_items(evts: pl.DataFrame | None, points: float) -> pl.DataFrame:
    rules = with_params(annual__summons_points=points)
    return section_d(OFFICIALS, regions(), rules, YEAR, summons_events=evts).collect()


def test_with_the_default_0_there_is_no_item():
    d = section_d(OFFICIALS, regions(), None, YEAR, summons_events=TWO_IN_Z).collect()
    assert set(d["rule_id"]) == {"D1"}
    # nor is the frame needed
    assert set(section_d(OFFICIALS, regions(), None, YEAR).collect()["rule_id"]) == {"D1"}


def test_one_and_a_half_points_times_two_events_is_minus_three():
    d = d_items(TWO_IN_Z, 1.5)
    z = item(d, Z, "D2")
    assert z["points"] == pytest.approx(-3.0)
    assert z["reason"].startswith("本年被约谈 2 次")
    assert (
        "（2024-03-05 dual_duty.summons.window.larger_30d；2024-10-05 较大及以上事故）"
        in z["reason"]
    )
    assert z["reason"].endswith("每次扣 1.5 分，扣 3 分")
    assert z["evidence"] == ["SG1", "SG2", "SG3"]
    assert "湖南" in z["basis"]


def test_every_region_gets_an_item_while_the_points_are_not_0():
    d = d_items(TWO_IN_Z, 1.5)
    h = item(d, H, "D2")
    assert h["points"] == 0.0 and h["reason"] == "本年未被约谈，不扣分" and h["evidence"] == []


def test_the_summoned_region_only_no_roll_up():
    # 资阳区's two events do not count for 益阳市 above it, nor for 赫山区 beside it
    d = d_items(TWO_IN_Z, 1.5)
    assert item(d, CITY, "D2")["points"] == 0.0
    assert item(d, H, "D2")["points"] == 0.0


def test_events_of_another_period_are_not_counted():
    edges = events(
        (D(2023, 12, 31), Z, "O1", "约谈", "r", ["SG0"]),  # the year before
        (D(2024, 1, 1), Z, "O1", "约谈", "r", ["SG1"]),  # first day: counted
        (D(2024, 12, 31), Z, "O1", "约谈", "r", ["SG2"]),  # last day: counted
        (D(2025, 1, 1), Z, "O1", "约谈", "r", ["SG3"]),  # the year after
    )
    z = item(d_items(edges, 1.0), Z, "D2")
    assert z["points"] == -2.0 and z["evidence"] == ["SG1", "SG2"]


def test_a_notice_is_not_a_summons():
    notice = events(
        (D(2024, 3, 5), Z, "O1", "约谈", "r", ["SG1"]),
        (D(2024, 5, 5), Z, "O1", "通报", "dual_duty.escalation", ["SG4"]),
    )
    z = item(d_items(notice, 1.0), Z, "D2")
    assert z["points"] == -1.0 and z["evidence"] == ["SG1"]


def test_one_summons_of_two_officials_counts_once():
    # one rule, one day, one region: the 党委 and 政府 heads summoned together
    both = events(
        (D(2024, 3, 5), Z, "O1", "约谈", "r", ["SG1"]),
        (D(2024, 3, 5), Z, "O9", "约谈", "r", ["SG1"]),
        (D(2024, 3, 5), Z, "O9", "约谈", "other", ["SG1"]),  # another rule: another summons
    )
    assert item(d_items(both, 1.0), Z, "D2")["points"] == -2.0


def test_the_deduction_stays_inside_the_d_cap():
    many = events(*[(D(2024, 1, d), Z, "O1", "约谈", "r", [f"SG{d}"]) for d in range(1, 11)])
    data = dataset(officials=[], duty_records=[])
    rules = with_params(annual__summons_points=2.0)
    result = annual(
        data, rules, year=YEAR, officials=OFFICIALS, summons_events=many, four_musts_cases=None
    )
    assert item(result.line_items, Z, "D2")["points"] == -20.0
    assert item(result.line_items, Z, "D.cap")["points"] == pytest.approx(5.0)  # weight 15
    z = result.regions.filter(pl.col("region_code") == Z).to_dicts()[0]
    assert z["D"] == 0.0


def test_annual_asks_for_the_events_when_the_points_are_not_0():
    data = dataset(officials=[], duty_records=[])
    rules = with_params(annual__summons_points=1.0)
    with pytest.raises(ValueError, match="summons_events"):
        annual(data, rules, year=YEAR, officials=OFFICIALS)
    # with the default 0 they are not needed
    assert not has_item(annual(data, year=YEAR, officials=OFFICIALS).line_items, Z, "D2")
