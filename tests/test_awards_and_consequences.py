"""What a veto costs and who is named 先进.

- ``annual.veto_consequences``: a vetoed region cannot be awarded (评先评优) that year;
  the officials of a vetoed region in the listed roles, in office during the period,
  cannot be promoted for N days from the decision day.
- ``annual.awards`` (Yiyang, 2023): the top 3 counties with no 较大-or-worse accident are
  named 先进; departments the top 40 % (here: a share).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from builders import frame
from test_annual import (
    ALL,
    CITY,
    REGION_ROWS,
    H,
    N,
    Z,
    finish_regions,
    items_frame,
    row_of,
    with_params,
)
from test_annual import accident as _accident

import accountability as acc

T = "430922"
COUNTIES = [*REGION_ROWS, {"region_code": T, "name": "桃江县", "parent_code": CITY, "level": "县"}]
THREE = [{"label": "先进", "top": 3, "levels": ["县"], "forbidden_grade": "较大"}]


def _finish(items, accs=(), rules=None):
    return finish_regions(
        items_frame(items),
        frame("regions", COUNTIES),
        rules,
        2024,
        assessed=ALL,
        accidents=frame("accidents", list(accs)),
    )


def _awards(r) -> dict[str, Any]:
    return {c: row_of(r, c)["award"] for c in (Z, H, N, T)}


def test_the_top_three_counties_without_a_larger_accident_are_named():
    items = [(Z, "A5", -1.0), (H, "A5", -2.0), (N, "A5", -3.0), (T, "A5", -4.0)]
    r = _finish(items, rules=with_params(annual__awards=THREE))
    assert _awards(r) == {Z: "先进", H: "先进", N: "先进", T: None}
    assert row_of(r, CITY)["award"] is None  # the award is for counties
    reason = r.line_items.filter((pl.col("subject_id") == N) & (pl.col("rule_id") == "award"))
    assert reason["reason"].to_list() == [
        "获评先进：在同一上级的 4 个地区中得分列第 3（前 3 名），无较大及以上事故"
    ]


def test_a_larger_accident_or_a_veto_takes_a_county_out_and_the_next_moves_up():
    items = [(Z, "A5", -1.0), (H, "A5", -2.0), (N, "A5", -3.0), (T, "A5", -4.0)]
    larger = _accident("X1", Z, dt.date(2024, 5, 1), deaths=3)  # 较大 in 资阳区
    r = _finish(items, [larger], rules=with_params(annual__awards=THREE))
    assert _awards(r) == {Z: None, H: "先进", N: "先进", T: "先进"}
    assert row_of(r, Z)["award_eligible"]  # eligible, but not clean of 较大 accidents
    concealed = _accident("X2", H, dt.date(2024, 5, 1), concealed=True)  # veto for 赫山区
    r2 = _finish(items, [concealed], rules=with_params(annual__awards=THREE))
    assert not row_of(r2, H)["award_eligible"]
    assert _awards(r2) == {Z: "先进", H: None, N: "先进", T: "先进"}


def test_ties_at_the_cut_are_all_named_and_a_share_rounds_down_to_at_least_one():
    items = [(Z, "A5", -1.0), (H, "A5", -2.0), (N, "A5", -2.0), (T, "A5", -4.0)]
    two = [{"label": "先进", "top": 2, "levels": ["县"]}]
    assert _awards(_finish(items, rules=with_params(annual__awards=two))) == {
        Z: "先进", H: "先进", N: "先进", T: None,
    }  # fmt: skip
    share = [{"label": "先进", "share": 0.4, "levels": ["县"]}]  # floor(0.4 × 4) = 1
    assert _awards(_finish(items, rules=with_params(annual__awards=share))) == {
        Z: "先进", H: None, N: None, T: None,
    }  # fmt: skip
    tiny = [{"label": "先进", "share": 0.1, "levels": ["县"]}]  # floor(0.4) = 0 → 1
    assert _awards(_finish(items, rules=with_params(annual__awards=tiny)))[Z] == "先进"


def test_by_default_nobody_is_named_and_a_veto_makes_a_region_ineligible():
    concealed = _accident("X2", H, dt.date(2024, 5, 1), concealed=True)
    r = _finish([], [concealed])
    assert all(v is None for v in _awards(r).values())
    assert row_of(r, Z)["award_eligible"] and not row_of(r, H)["award_eligible"]
    lenient = with_params(
        annual__veto_consequences={
            "award_ineligible": False, "promotion_bar_days": 0, "promotion_bar_roles": [],
        }
    )  # fmt: skip
    assert row_of(_finish([], [concealed], rules=lenient), H)["award_eligible"]


def _officials() -> pl.DataFrame:
    rows = [
        ("G1", Z, "党委主要负责人", None, None),
        ("G2", Z, "政府主要负责人", dt.date(2020, 1, 1), dt.date(2023, 12, 31)),  # left before
        ("G3", Z, "分管负责人", dt.date(2024, 12, 31), None),  # overlaps on the last day
        ("G4", Z, "部门负责人", None, None),  # role not listed
        ("G5", H, "党委主要负责人", None, None),  # region not vetoed
    ]
    return frame(
        "officials",
        [
            {"official_id": i, "name": i, "region_code": r, "role": role,
             "start_on": s, "end_on": e, "portfolio": ["煤矿"] if role == "分管负责人" else None}
            for i, r, role, s, e in rows
        ],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("decision", "until"), [(None, dt.date(2025, 12, 31)), ("2025-03-01", dt.date(2026, 2, 28))]
)
def test_officials_of_a_vetoed_region_in_the_listed_roles_are_barred(decision, until):
    rules = with_params(
        annual__veto_consequences={
            "award_ineligible": True,
            "promotion_bar_days": 365,
            "promotion_bar_roles": ["党委主要负责人", "政府主要负责人", "分管负责人"],
        }
    )
    data = acc.Dataset(
        tables={
            "regions": frame("regions", COUNTIES),
            "officials": _officials(),
            "accidents": frame(
                "accidents", [_accident("X2", Z, dt.date(2024, 5, 1), concealed=True)]
            ),
        },
        as_of=dt.date(2025, 3, 1),
    )
    officials = acc.assess(data, rules, year=2024, decision_date=decision).officials
    bars = dict(zip(officials["official_id"], officials["promotion_barred_until"], strict=True))
    assert bars == {"G1": until, "G2": None, "G3": until, "G4": None, "G5": None}
    reason = officials.filter(pl.col("official_id") == "G1")["promotion_bar_reason"][0]
    assert reason.startswith("所在地区 资阳区（430902）2024 年度考核一票否决")


@pytest.mark.parametrize(("assessed_by", "named"), [(["市"], True), (["省"], False)])
def test_an_award_for_the_subjects_a_level_assesses_reaches_only_those(assessed_by, named):
    items = [(Z, "A5", -1.0), (H, "A5", -2.0), (N, "A5", -3.0), (T, "A5", -4.0)]
    award = [{**THREE[0], "assessed_by": assessed_by}]  # the counties a 市 assesses
    r = _finish(items, rules=with_params(annual__awards=award))
    assert (_awards(r)[Z] == "先进") is named
