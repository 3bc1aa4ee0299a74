"""Departments (省直、市直单位) and state-owned enterprises assessed beside the regions:
their own veto and yellow-card tables (e.g. a department: 1 重大 accident in its
regulated sectors → yellow card, 2 → veto), the 监管责任 exemption, a score only from
the rules the rulebook lists for the kind, rank among the units of one region, and
awards by share.  One hand-computed example per clause, on both sides of its boundary.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from builders import dataset
from test_annual import AS_OF, CITY, REGION_ROWS, YEAR, D, H, Z, accident, with_params

from accountability import assess
from accountability.codes import UNIT_SCORED_RULES
from accountability.errors import RulebookError
from accountability.rulebook import Rulebook
from accountability.rules.registry import unit_scorable_rules
from accountability.scorers.annual.units import assessed_units

EMERGENCY, TRANSPORT = "应急管理局", "交通运输局"
MINE = "914309020000000001"  # not checked for shape: no enterprises table


def _official(oid: str, region: str, department: str) -> dict[str, Any]:
    return {"official_id": oid, "name": oid, "region_code": region, "role": "部门负责人",
            "department": department}  # fmt: skip


OFFICIALS = [
    _official("G1", CITY, EMERGENCY),
    _official("G2", CITY, TRANSPORT),
    _official("G3", Z, EMERGENCY),
    _official("G4", CITY, "档案馆"),  # not in the sector map: not assessed
]


def _acc(aid: str, region: str, deaths: int, sector: str = "煤矿", **kw: Any) -> dict[str, Any]:
    return accident(aid, region, kw.pop("on", D(2024, 6, 1)), deaths=deaths, sector=sector, **kw)


def _units(accidents: list[dict[str, Any]], rules: Rulebook | None = None, soes: Any = None) -> Any:
    data = dataset(
        AS_OF,
        regions=REGION_ROWS,
        officials=OFFICIALS,
        accidents=accidents,
        assessed_enterprises=soes,
    )
    return assessed_units(data, rules or with_params(), YEAR)


def _dept(result: Any, region: str, department: str) -> dict[str, Any]:
    rows = result.departments.filter(
        (pl.col("region_code") == region) & (pl.col("department") == department)
    )
    return rows.to_dicts()[0]


def _hunan_departments(**extra: Any) -> Rulebook:
    return with_params(
        annual__yellow_card_department={"grade_counts": {"重大": 1}},
        annual__veto_department={"grade_counts": {"重大": 2}, **extra},
    )


def test_the_departments_assessed_are_the_mapped_ones_of_the_officials_table():
    result = _units([])
    assert result.departments.select("region_code", "department").rows() == [
        (CITY, TRANSPORT), (CITY, EMERGENCY), (Z, EMERGENCY),
    ]  # fmt: skip


def test_a_department_answers_for_its_sectors_in_its_region_and_below():
    accs = [
        _acc("C1", CITY, 1),  # 煤矿 at the city: the city's 应急管理局
        _acc("Z1", Z, 2),  # 煤矿 in 资阳区: both 应急管理局 (the city's counts it too)
        _acc("H1", H, 3, sector="道路交通"),  # road: the city's 交通运输局 only
    ]
    result = _units(accs)
    assert _dept(result, CITY, EMERGENCY)["evidence"] == ["C1", "Z1"]
    assert _dept(result, Z, EMERGENCY)["evidence"] == ["Z1"]
    assert _dept(result, CITY, TRANSPORT)["evidence"] == ["H1"]
    assert _dept(result, CITY, TRANSPORT)["deaths"] == 3


@pytest.mark.parametrize(("majors", "yellow", "vetoed"), [(0, False, False), (1, True, False),
                                                          (2, True, True)])  # fmt: skip
def test_a_department_gets_a_yellow_card_for_one_major_accident_and_a_veto_for_two(
    majors, yellow, vetoed
):
    accs = [_acc(f"Z{i}", Z, 10) for i in range(majors)] + [_acc("Z9", Z, 3)]  # + one 较大
    row = _dept(_units(accs, _hunan_departments()), CITY, EMERGENCY)
    assert (row["yellow_card"], row["vetoed"]) == (yellow, vetoed)
    if vetoed:
        assert row["veto_reasons"] == ["重大及以上事故 2 起（Z0、Z1），部门达到 2 起即一票否决"]


@pytest.mark.parametrize(("supervisory", "vetoed"), [(True, True), (False, False)])
def test_an_accident_without_supervisory_responsibility_is_exempt_where_the_table_says(
    supervisory, vetoed
):
    rules = _hunan_departments(exempt_without_supervisory_responsibility=True)
    accs = [_acc("Z0", Z, 10), _acc("Z1", Z, 12, supervisory_responsibility=supervisory)]
    row = _dept(_units(accs, rules), CITY, EMERGENCY)
    assert row["vetoed"] is vetoed
    assert row["yellow_card"]  # the other 重大 still counts
    # without the switch, both count whatever the investigation found
    assert _dept(_units(accs, _hunan_departments()), CITY, EMERGENCY)["vetoed"]


def test_without_listed_rules_a_unit_has_no_score_grade_or_rank_but_its_decisions():
    row = _dept(_units([_acc("Z0", Z, 10)], _hunan_departments()), CITY, EMERGENCY)
    assert (row["score"], row["grade"], row["rank"]) == (None, None, None)
    assert row["yellow_card"] and not row["vetoed"]
    assert row["award_eligible"]  # not vetoed: eligible, though no award by rank reaches it


def test_a_listed_rule_scores_the_units_accidents_from_the_base():
    rules = with_params(annual__unit_rules={"department": ["A4"], "state_enterprise": []})
    accs = [_acc("Z0", Z, 3), _acc("Z1", Z, 3), _acc("C1", CITY, 2)]  # two 较大, one 一般
    result = _units(accs, rules)
    city, county = _dept(result, CITY, EMERGENCY), _dept(result, Z, EMERGENCY)
    assert (city["score"], city["grade"]) == (92.0, "优秀")  # 100 − 2 × 4
    assert county["score"] == 92.0 and _dept(result, CITY, TRANSPORT)["score"] == 100.0
    # ranked among the departments of one region, ties sharing the better rank
    assert (_dept(result, CITY, TRANSPORT)["rank"], city["rank"], county["rank"]) == (1, 2, 1)
    items = result.line_items.filter(pl.col("subject_id") == f"{CITY}:{EMERGENCY}")
    assert items.select("subject_type", "rule_id", "points").rows() == [("department", "A4", -8.0)]


def test_a_unit_score_never_goes_below_zero():
    rules = with_params(annual__unit_rules={"department": ["A4"], "state_enterprise": []},
                        annual__a4_points_per_accident=40.0)  # fmt: skip
    accs = [_acc(f"Z{i}", Z, 3) for i in range(3)]  # −120
    result = _units(accs, rules)
    assert _dept(result, Z, EMERGENCY)["score"] == 0.0
    clip = result.line_items.filter(
        (pl.col("subject_id") == f"{Z}:{EMERGENCY}") & (pl.col("rule_id") == "clip")
    )
    assert clip["points"].to_list() == [20.0]


def test_a_veto_gives_a_scored_unit_the_worst_grade_and_the_last_place():
    rules = with_params(
        annual__unit_rules={"department": ["A4"], "state_enterprise": []},
        annual__veto_department={"grade_counts": {"较大": 1}, "concealed": 0, "reporting": [],
                                 "exempt_without_supervisory_responsibility": False},
    )  # fmt: skip
    result = _units([_acc("C1", CITY, 3)], rules)
    row = _dept(result, CITY, EMERGENCY)
    assert (row["score"], row["grade"], row["vetoed"], row["rank"]) == (96.0, "不合格", True, 2)


@pytest.mark.parametrize(("share", "awarded"), [(0.4, [TRANSPORT]), (0.99, [TRANSPORT])])
def test_a_department_award_goes_to_the_top_share_without_a_forbidden_accident(share, awarded):
    rules = with_params(
        annual__unit_rules={"department": ["A4"], "state_enterprise": []},
        annual__awards=[{"label": "先进单位", "share": share, "levels": ["部门"],
                         "forbidden_grade": "较大"}],
    )  # fmt: skip
    result = _units([_acc("C1", CITY, 3)], rules)  # 应急管理局 had a 较大 accident
    city = result.departments.filter(pl.col("region_code") == CITY)
    assert city.filter(pl.col("award") == "先进单位")["department"].to_list() == awarded
    # floor(share × 2 scored departments) is 0 or 1: at least 1 is named
    reason = result.line_items.filter(
        (pl.col("rule_id") == "award") & (pl.col("subject_id") == f"{CITY}:{TRANSPORT}")
    )["reason"].to_list()
    percent = "40" if share == 0.4 else "99"
    assert reason == [
        f"获评先进单位：在同一地区考核的 2 个部门中得分列第 1（前 {percent}%），无较大及以上事故"
    ]


def test_an_award_for_the_departments_a_city_assesses_leaves_the_counties_out():
    rules = with_params(
        annual__unit_rules={"department": ["A4"], "state_enterprise": []},
        annual__awards=[{"label": "先进单位", "share": 0.4, "levels": ["部门"],
                         "assessed_by": ["市"]}],
    )  # fmt: skip
    result = _units([], rules)
    awarded = result.departments.filter(pl.col("award") == "先进单位")
    # the city's two departments tie at 100 and are both named; 资阳区's is not
    assert awarded.select("region_code", "department").rows() == [
        (CITY, TRANSPORT), (CITY, EMERGENCY),
    ]  # fmt: skip


def test_a_region_award_does_not_reach_units():
    rules = with_params(annual__awards=[{"label": "先进", "top": 3}])
    assert _units([], rules).departments["award"].is_null().all()


# --- state-owned enterprises ---------------------------------------------------------------


def _soe_rules() -> Rulebook:
    return with_params(
        annual__yellow_card_state_enterprise={"grade_counts": {"较大": 1}, "concealed": 0,
                                              "reporting": []},
        annual__veto_state_enterprise={"grade_counts": {}, "concealed": 1, "reporting": []},
    )  # fmt: skip


@pytest.mark.parametrize(("sectors", "yellow"), [(None, True), (["煤矿"], True),
                                                 (["道路交通"], False)])  # fmt: skip
def test_a_state_enterprise_answers_for_its_own_accidents_in_its_listed_sectors(sectors, yellow):
    accs = [_acc("E1", Z, 3, enterprise_id=MINE), _acc("X1", Z, 3)]  # X1: another's
    soes = [{"enterprise_id": MINE, "region_code": CITY, "sectors": sectors}]
    row = _units(accs, _soe_rules(), soes).enterprises.to_dicts()[0]
    assert row["yellow_card"] is yellow
    assert row["evidence"] == (["E1"] if yellow else [])


def test_a_state_enterprise_concealing_an_accident_is_vetoed():
    accs = [_acc("E1", Z, 1, enterprise_id=MINE, concealed=True)]
    soes = [{"enterprise_id": MINE, "region_code": CITY}]
    row = _units(accs, _soe_rules(), soes).enterprises.to_dicts()[0]
    assert row["vetoed"] and row["veto_reasons"] == [
        "瞒报（谎报）事故 1 起（E1），企业达到 1 起即一票否决"
    ]


# --- wiring --------------------------------------------------------------------------------


def test_the_default_rulebook_decides_nothing_for_units(yiyang_2024):
    for frame in (yiyang_2024.assessed_departments, yiyang_2024.assessed_enterprises):
        assert frame.height > 0
        assert not frame["vetoed"].any() and not frame["yellow_card"].any()
        assert frame["score"].is_null().all()
    units = yiyang_2024.line_items.filter(
        pl.col("subject_type").is_in(["state_enterprise"])
        | ((pl.col("subject_type") == "department") & (pl.col("scorer") == "annual"))
    )
    assert units.is_empty()


def test_assess_publishes_units_and_explains_them(yiyang_data):
    result = assess(yiyang_data, _hunan_departments(), year=YEAR)
    assert result.assessed_enterprises["enterprise_id"].len() == 2
    text = result.explain(result.assessed_enterprises["enterprise_id"][0], "state_enterprise")
    assert "国有企业" in text and "年度目标管理考核" in text


def test_the_rules_a_unit_can_be_scored_by_are_the_registrys():
    assert unit_scorable_rules() == UNIT_SCORED_RULES


def test_a_rule_that_cannot_score_a_unit_is_refused():
    rules = with_params(annual__unit_rules={"department": ["A1"], "state_enterprise": []})
    with pytest.raises(RulebookError, match="A1"):
        _units([], rules)


# --- the published list ------------------------------------------------------------------


def test_by_default_the_published_list_holds_the_regions_in_their_ranking(yiyang_2024):
    listed = yiyang_2024.published_list
    assert set(listed["subject_type"]) == {"region"}
    ranks = yiyang_2024.regions.select("region_code", "rank").rows()
    assert sorted(listed.select("subject_id", "list_rank").rows()) == sorted(ranks)


def test_units_published_with_regions_share_one_ranking(yiyang_data):
    rules = with_params(
        annual__units_published_with_regions=True,
        annual__unit_rules={"department": ["A4", "A5"], "state_enterprise": []},
    )
    result = assess(yiyang_data, rules, year=YEAR)
    city = result.published_list.filter(pl.col("list_code") == CITY)
    departments = result.assessed_departments.filter(pl.col("region_code") == CITY)
    counties = result.regions.filter(pl.col("parent_code") == CITY)
    soes = result.assessed_enterprises.filter(pl.col("region_code") == CITY)
    assert city.height == departments.height + counties.height + soes.height
    # one ranking: vetoed last, otherwise by score; an unscored enterprise has no place
    scored = city.filter(pl.col("score").is_not_null())
    order = scored.sort("list_rank")
    assert order["vetoed"].to_list() == sorted(order["vetoed"].to_list())
    for part in order.partition_by("vetoed"):
        assert part["score"].to_list() == sorted(part["score"].to_list(), reverse=True)
    assert scored["list_rank"].min() == 1 and scored["list_rank"].max() <= scored.height
    unscored = city.filter(pl.col("subject_type") == "state_enterprise")
    assert unscored.height == soes.height and unscored["list_rank"].is_null().all()
