"""应移送未移送 (referral gaps), clause by clause, each on both sides of its boundary.

法释〔2015〕22号第六条: a liability accident with ≥ 1 death (missing persons counted),
≥ 3 serious injuries or ≥ 100万元 direct loss is of 严重后果; with no case transferred to
the judicial organs by the period's last day it is a referral gap.  Referred: a
transferred case names the accident (cases.accident_id) and was found by the period's
end; or a transferred case with no accident_id, of the accident's enterprise, was found
from the accident's day to the period's end.  B3 deducts per gap, each region counting
its own and those below it; with the default 0 points there is no B3 line item.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from builders import dataset, frame
from hypothesis import given, settings
from hypothesis import strategies as st

import accountability as acc
from accountability.outputs import OUTPUTS
from accountability.scorers.annual import annual, section_b
from accountability.scorers.referrals import referral_gaps

D = dt.date
CITY, Z, H = "430900", "430902", "430903"
E1, E2 = "91430902MA4L000011", "91430903MA4L000022"
END = D(2024, 12, 31)
REGIONS = [
    {"region_code": CITY, "name": "益阳市", "parent_code": None, "level": "市"},
    {"region_code": Z, "name": "资阳区", "parent_code": CITY, "level": "县"},
    {"region_code": H, "name": "赫山区", "parent_code": CITY, "level": "县"},
]


def accident(aid: str, **kw: object) -> dict:
    """A liability accident of E1 in 资阳区 on 2024-05-10 with no casualty and no loss."""
    return {"accident_id": aid, "region_code": Z, "enterprise_id": E1, "sector": "工矿商贸其他",
            "occurred_on": D(2024, 5, 10), **kw}  # fmt: skip


def fatal(aid: str, **kw: object) -> dict:
    """An accident past the deaths threshold (one death)."""
    return accident(aid, **{"deaths": 1, **kw})


def case(cid: str, **kw: object) -> dict:
    """A transferred case of E1 in 资阳区, found on the accident's day, naming no accident."""
    return {"case_id": cid, "enterprise_id": E1, "region_code": Z, "department": "应急管理局",
            "found_on": D(2024, 5, 10), "criminal": True, "transferred": True, **kw}  # fmt: skip


def gaps(
    accidents: list[dict],
    cases: list[dict] | pl.DataFrame | None = None,
    rules: acc.Rulebook | None = None,
) -> pl.DataFrame:
    data = dataset(D(2025, 1, 31), accidents=accidents, cases=cases)
    return referral_gaps(data, rules, 2024)


def ids(frame_: pl.DataFrame) -> list[str]:
    return frame_["accident_id"].to_list()


# --- which accidents: the three thresholds, inclusive, any one ------------------------------


def test_deaths_count_missing_persons_one_missing_person_suffices():
    out = gaps([accident("A0"), accident("A1", missing=1)])
    assert ids(out) == ["A1"]
    row = out.row(0, named=True)
    assert row["deaths"] == 1
    assert row["thresholds_met"] == ["死亡(含失踪)1人≥1人"]


def test_missing_persons_count_even_when_the_grading_switch_is_off(tmp_path: Path):
    rules = rule_file(tmp_path, "[accident_grading.count_missing_as_deaths]\nvalue = false\n"
                      'basis = "测试"\n')  # fmt: skip
    assert ids(gaps([accident("A1", missing=1)], rules=rules)) == ["A1"]


def test_three_serious_injuries_are_past_the_threshold_two_are_not():
    out = gaps([accident("A2", serious_injuries=2), accident("A3", serious_injuries=3)])
    assert ids(out) == ["A3"]
    assert out["thresholds_met"].to_list() == [["重伤3人≥3人"]]


def test_a_loss_of_100_wan_yuan_is_past_the_threshold_99_99_is_not():
    out = gaps([accident("L1", direct_loss_10k_yuan=99.99),
                accident("L2", direct_loss_10k_yuan=100.0)])  # fmt: skip
    assert ids(out) == ["L2"]
    assert out["thresholds_met"].to_list() == [["直接经济损失100万元≥100万元"]]


def test_every_threshold_met_is_listed_in_order():
    out = gaps([accident("A1", deaths=2, missing=1, serious_injuries=4,
                         direct_loss_10k_yuan=150.5)])  # fmt: skip
    row = out.row(0, named=True)
    assert row["deaths"] == 3 and row["serious_injuries"] == 4
    assert row["thresholds_met"] == ["死亡(含失踪)3人≥1人", "重伤4人≥3人",
                                     "直接经济损失150.5万元≥100万元"]  # fmt: skip
    assert row["reason"].startswith(
        "死亡(含失踪)3人≥1人、重伤4人≥3人、直接经济损失150.5万元≥100万元，"
        "达到重大责任事故罪“造成严重后果”的标准（法释〔2015〕22号第六条）"
    )


def test_a_non_liability_accident_is_not_considered():
    out = gaps([fatal("A1", liability=False), fatal("A2")])
    assert ids(out) == ["A2"]


def test_only_accidents_of_the_period_are_considered():
    out = gaps([fatal("A1", occurred_on=D(2023, 12, 31)), fatal("A2", occurred_on=D(2024, 1, 1)),
                fatal("A3", occurred_on=END), fatal("A4", occurred_on=D(2025, 1, 1))])  # fmt: skip
    assert ids(out) == ["A2", "A3"]


def test_the_grade_is_the_librarys_grading():
    out = gaps([fatal("A1"), fatal("A3", deaths=3)])
    assert out["grade"].to_list() == ["一般", "较大"]


# --- referred: the accident_id link ---------------------------------------------------------


def test_a_transferred_case_naming_the_accident_refers_it_whatever_its_enterprise():
    cases = [case("C1", accident_id="A1", enterprise_id=E2, found_on=D(2024, 1, 2))]
    assert ids(gaps([fatal("A1"), fatal("A2")], cases)) == ["A2"]


def test_a_linking_case_found_after_the_period_or_not_transferred_does_not_refer():
    cases = [case("C1", accident_id="A1", found_on=D(2025, 1, 1)),
             case("C2", accident_id="A2", transferred=False),
             case("C3", accident_id="A3", found_on=END)]  # fmt: skip
    assert ids(gaps([fatal("A1"), fatal("A2"), fatal("A3")], cases)) == ["A1", "A2"]


def test_a_case_naming_another_accident_does_not_refer_this_one():
    # C1 is of A1's enterprise, found after A1, but names A9: it is not A1's referral
    cases = [case("C1", accident_id="A9", found_on=D(2024, 6, 1))]
    assert ids(gaps([fatal("A1")], cases)) == ["A1"]


# --- referred: the enterprise fallback ------------------------------------------------------


def test_an_unlinked_transferred_case_of_the_enterprise_from_the_accidents_day_refers_it():
    on_the_day = [case("C1")]
    before = [case("C1", found_on=D(2024, 5, 9))]
    assert ids(gaps([fatal("A1")], on_the_day)) == []
    assert ids(gaps([fatal("A1")], before)) == ["A1"]


def test_a_case_found_on_the_periods_last_day_counts_the_day_after_does_not():
    assert ids(gaps([fatal("A1")], [case("C1", found_on=END)])) == []
    assert ids(gaps([fatal("A1")], [case("C1", found_on=D(2025, 1, 1))])) == ["A1"]


def test_a_case_of_another_enterprise_or_not_transferred_does_not_refer():
    cases = [case("C1", enterprise_id=E2), case("C2", transferred=False)]
    assert ids(gaps([fatal("A1")], cases)) == ["A1"]


def test_without_the_accident_id_column_the_enterprise_test_alone_applies():
    cases = frame("cases", [case("C1", found_on=D(2024, 6, 1))]).drop("accident_id")
    assert ids(gaps([fatal("A1"), fatal("A2", enterprise_id=E2)], cases)) == ["A2"]
    row = gaps([fatal("A2", enterprise_id=E2)], cases).row(0, named=True)
    assert "以事故编号" not in row["reason"]
    assert row["reason"].endswith("未见本企业在事故发生之日及以后立案并移送司法机关的案件。")


def test_either_test_suffices_when_only_some_cases_fill_the_accident_id():
    cases = [case("C1", accident_id="A1", enterprise_id=E2), case("C2", enterprise_id=E2)]
    out = gaps([fatal("A1"), fatal("A2", enterprise_id=E2), fatal("A3")], cases)
    assert ids(out) == ["A3"]


# --- gaps whatever the cases say ------------------------------------------------------------


def test_an_accident_with_no_enterprise_and_no_link_is_a_gap_a_link_refers_it():
    no_link = gaps([fatal("A1", enterprise_id=None)], [case("C1")])
    assert ids(no_link) == ["A1"]
    assert "事故无统一社会信用代码" in no_link["reason"].item()
    assert ids(gaps([fatal("A1", enterprise_id=None)], [case("C1", accident_id="A1")])) == []


def test_without_a_cases_table_every_accident_considered_is_a_gap():
    out = gaps([fatal("A1"), accident("A2")], None)
    assert ids(out) == ["A1"]
    assert "数据集无执法案件表（cases）" in out["reason"].item()


def test_the_frame_conforms_to_its_declaration_and_is_sorted():
    out = gaps(
        [fatal("B9"), fatal("A1", enterprise_id=None), fatal("A5")], [case("C1", accident_id="A5")]
    )
    assert OUTPUTS["referral_gaps"].problems(out) == []
    assert ids(out) == ["A1", "B9"]
    empty = gaps([accident("A1")], [])
    assert empty.height == 0 and OUTPUTS["referral_gaps"].problems(empty) == []
    reason = out.filter(pl.col("accident_id") == "B9")["reason"].item()
    assert reason == (
        "死亡(含失踪)1人≥1人，达到重大责任事故罪“造成严重后果”的标准（法释〔2015〕22号第六条），"
        "应移送司法机关；截至 2024-12-31 未见以事故编号关联本事故、或本企业在事故发生之日及以后"
        "立案并移送司法机关的案件。"
    )


def test_needs_the_accidents_table():
    with pytest.raises(acc.DatasetError, match="应移送未移送"):
        referral_gaps(dataset(D(2025, 1, 31), cases=[]), None, 2024)


# --- B3 ------------------------------------------------------------------------------------


def rule_file(tmp_path: Path, body: str) -> acc.Rulebook:
    path = tmp_path / "b3.toml"
    path.write_text('extends = "default"\n\n' + body, encoding="utf-8")
    return acc.load_rulebook(path)


def b3_on(tmp_path: Path, points: float = 2.0) -> acc.Rulebook:
    return rule_file(tmp_path, f'[annual.b3_points_per_gap]\nvalue = {points}\n'
                     'basis = "某市考核细则（示例）第九条"\n')  # fmt: skip


def assessed(rules: acc.Rulebook | None, accidents: list[dict], cases: list[dict]):
    data = dataset(D(2025, 1, 31), regions=REGIONS, accidents=accidents, cases=cases,
                   inspections=[], enterprises=[])  # fmt: skip
    return acc.assess(data, rules, year=2024)


# Z: A1 a gap, A2 referred, A3 not past a threshold; H: B1 and B2 gaps.
B3_ACCIDENTS = [fatal("A1"), fatal("A2", enterprise_id=E2), accident("A3"),
                fatal("B1", region_code=H, enterprise_id=None),
                accident("B2", region_code=H, serious_injuries=5)]  # fmt: skip
B3_CASES = [case("C1", accident_id="A2", enterprise_id=E2)]


def b3_items(result) -> dict[str, dict]:
    items = result.line_items.filter(pl.col("rule_id") == "B3")
    return {r["subject_id"]: r for r in items.iter_rows(named=True)}


def test_b3_deducts_per_gap_each_region_with_those_below_it(tmp_path: Path):
    result = assessed(b3_on(tmp_path, 2.0), B3_ACCIDENTS, B3_CASES)
    assert ids(result.referral_gaps) == ["A1", "B1", "B2"]
    items = b3_items(result)
    assert {k: v["points"] for k, v in items.items()} == {Z: -2.0, H: -4.0, CITY: -6.0}
    assert items[CITY]["evidence"] == ["A1", "B1", "B2"]
    assert items[H]["reason"] == (
        "达到“造成严重后果”标准而未移送司法机关的责任事故 2 起，每起扣 2 分，扣 4 分"
    )
    assert "某市考核细则（示例）第九条" in items[H]["basis"]
    assert "(法释〔2015〕22号)第六条第一款" in items[H]["basis"]
    z = result.regions.filter(pl.col("region_code") == Z).row(0, named=True)
    off = assessed(None, B3_ACCIDENTS, B3_CASES).regions.filter(pl.col("region_code") == Z)
    assert z["B"] == off["B"].item() - 2.0


def test_b3_with_no_gap_is_a_zero_point_item(tmp_path: Path):
    result = assessed(b3_on(tmp_path), [fatal("A1")], [case("C1", accident_id="A1")])
    items = b3_items(result)
    assert {k: v["points"] for k, v in items.items()} == {Z: 0.0, H: 0.0, CITY: 0.0}
    assert items[Z]["reason"] == "无达到“造成严重后果”标准而未移送司法机关的责任事故，不扣分"


def test_b3_off_by_default_gives_no_line_item_but_the_frame_is_reported():
    result = assessed(None, B3_ACCIDENTS, B3_CASES)
    assert b3_items(result) == {}
    assert ids(result.referral_gaps) == ["A1", "B1", "B2"]


def test_annual_computes_the_frame_itself_when_b3_is_on_and_none_is_given(tmp_path: Path):
    book = b3_on(tmp_path, 1.5)
    data = dataset(D(2025, 1, 31), regions=REGIONS, accidents=B3_ACCIDENTS, cases=B3_CASES,
                   inspections=[], enterprises=[])  # fmt: skip
    cases = pl.DataFrame(
        schema={"case_id": pl.String, "region_code": pl.String,
                "requires_measure": pl.Boolean, "compliant": pl.Boolean}
    )  # fmt: skip
    out = annual(data, book, year=2024, four_musts_cases=cases)
    b3 = out.line_items.filter(pl.col("rule_id") == "B3")
    points = dict(zip(b3["subject_id"], b3["points"], strict=True))
    assert points == {Z: -1.5, H: -3.0, CITY: -4.5}


def test_section_b_reads_a_given_referral_frame(tmp_path: Path):
    data = dataset(D(2025, 1, 31), accidents=B3_ACCIDENTS, cases=B3_CASES)
    frame_ = referral_gaps(data, None, 2024)
    regions = frame("regions", REGIONS)
    empty = frame("inspections", [])
    on = section_b(None, empty, frame("enterprises", []), regions, b3_on(tmp_path), 2024,
                   referral_gaps=frame_).collect()  # fmt: skip
    off = section_b(None, empty, frame("enterprises", []), regions, None, 2024,
                    referral_gaps=frame_).collect()  # fmt: skip
    assert on.filter(pl.col("rule_id") == "B3").height == 3
    assert off.filter(pl.col("rule_id") == "B3").height == 0
    with pytest.raises(ValueError, match="B3 needs the 应移送未移送 frame"):
        section_b(None, empty, frame("enterprises", []), regions, b3_on(tmp_path), 2024)


# --- a property: the frame is the rule applied row by row -----------------------------------

_accident = st.fixed_dictionaries({
    "enterprise": st.sampled_from([E1, E2, None]),
    "day": st.integers(-30, 400),
    "deaths": st.integers(0, 1), "missing": st.integers(0, 1),
    "injuries": st.integers(1, 4), "loss": st.sampled_from([0.0, 99.99, 100.0]),
    "liability": st.booleans(),
})  # fmt: skip
_case = st.fixed_dictionaries({
    "enterprise": st.sampled_from([E1, E2, None]),
    "day": st.integers(-30, 400), "transferred": st.booleans(),
    "link": st.one_of(st.none(), st.integers(0, 5)),
})  # fmt: skip
START = D(2024, 1, 1)


def _expected(accs: list[dict], cases: list[dict]) -> list[str]:
    out = []
    for a in accs:
        past = a["deaths"] + a["missing"] >= 1 or a["serious_injuries"] >= 3
        past = past or a["direct_loss_10k_yuan"] >= 100.0
        if not (a["liability"] and START <= a["occurred_on"] <= END and past):
            continue
        referred = any(
            c["transferred"] and c["found_on"] <= END
            and (c["accident_id"] == a["accident_id"]
                 or (c["accident_id"] is None and a["enterprise_id"] is not None
                     and c["enterprise_id"] == a["enterprise_id"]
                     and c["found_on"] >= a["occurred_on"]))
            for c in cases
        )  # fmt: skip
        if not referred:
            out.append(a["accident_id"])
    return sorted(out)


@settings(max_examples=25, deadline=None)
@given(st.lists(_accident, min_size=1, max_size=8), st.lists(_case, max_size=5))
def test_the_gaps_are_the_rule_applied_to_each_accident(acc_specs, case_specs):
    accs = [
        accident(f"A{i}", enterprise_id=a["enterprise"],
                 occurred_on=START + dt.timedelta(days=a["day"]), deaths=a["deaths"],
                 missing=a["missing"], serious_injuries=a["injuries"],
                 direct_loss_10k_yuan=a["loss"], liability=a["liability"])
        for i, a in enumerate(acc_specs)
    ]  # fmt: skip
    cases = [
        case(f"C{i}", enterprise_id=c["enterprise"], found_on=START + dt.timedelta(days=c["day"]),
             transferred=c["transferred"],
             accident_id=None if c["link"] is None else f"A{c['link']}")
        for i, c in enumerate(case_specs)
    ]  # fmt: skip
    full_accs = frame("accidents", accs).to_dicts()
    full_cases = frame("cases", cases).to_dicts()
    assert ids(gaps(accs, cases)) == _expected(full_accs, full_cases)
