"""企业主体责任 (rules enterprise.*, docs/readings.md): one example per rule, the
serious-dishonesty flag and its 12-month window, the caps and the floor; then
properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import builders
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.dataset import Dataset
from accountability.lineitems import LINE_ITEM_SCHEMA
from accountability.rulebook import load_rulebook
from accountability.scorers.enterprise import ENTERPRISE_COLUMNS, enterprise_ratings

D = dt.date
YEAR = 2024
AS_OF = D(2025, 3, 1)
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "yiyang-2024"

# --- rows for the shared builder (tests/builders.py fills every other column) --------


def ent(eid: str = "E1", **kw: object) -> dict:
    row = {"enterprise_id": eid, "name": f"企业{eid}", "region_code": "430902",
           "sector": "煤矿", "employees": 50}  # fmt: skip
    return {**row, **kw}


def accident(aid: str, on: dt.date, eid: str = "E1", *, deaths: int = 0, **kw: object) -> dict:
    row = {"accident_id": aid, "region_code": "430902", "enterprise_id": eid, "sector": "煤矿",
           "occurred_on": on, "deaths": deaths, "direct_loss_10k_yuan": 1.0}  # fmt: skip
    return {**row, **kw}


MID_YEAR = D(YEAR, 6, 1)
FLAGS = ["illegal", "unlawful", "failed_rectification", "criminal"]


def case(cid: str, on: dt.date = MID_YEAR, eid: str = "E1", **flags: bool) -> dict:
    row = {"case_id": cid, "enterprise_id": eid, "region_code": "430902",
           "department": "应急管理局", "found_on": on}  # fmt: skip
    return {**row, **flags}


def hazard(hid: str, level: str, due: dt.date, rectified: dt.date | None, eid: str = "E1") -> dict:
    return {
        "hazard_id": hid,
        "enterprise_id": eid,
        "region_code": "430902",
        "sector": "煤矿",
        "level": level,
        "found_on": min(due, D(YEAR, 1, 1)) if due.year <= YEAR else D(YEAR, 1, 1),
        "due_on": due,
        "rectified_on": rectified,
        "five_in_place": True,
    }


def dataset(
    enterprises: list[dict] | None = None,
    accidents: list[dict] | None = (),  # type: ignore[assignment]
    cases: list[dict] | None = (),  # type: ignore[assignment]
    hazards: list[dict] | None = (),  # type: ignore[assignment]
) -> Dataset:
    """None leaves a table out; an empty sequence supplies it empty."""
    return builders.dataset(
        AS_OF, enterprises=list(enterprises or [ent()]), accidents=accidents, cases=cases,
        hazards=hazards,
    )  # fmt: skip


def rate(data: Dataset, rules=None, year: int = YEAR):
    return enterprise_ratings(data, rules, year)


def one(data: Dataset, eid: str = "E1", **kw) -> dict:
    return rate(data, **kw).enterprises.filter(pl.col("enterprise_id") == eid).row(0, named=True)


def items(data: Dataset, eid: str = "E1", **kw) -> pl.DataFrame:
    return rate(data, **kw).line_items.filter(pl.col("subject_id") == eid)


def points(data: Dataset, rule: str, eid: str = "E1") -> float:
    return items(data, eid).filter(pl.col("rule_id") == rule)["points"].sum()


# --- output shape ----------------------------------------------------------------------


def test_output_columns_and_line_item_schema():
    r = rate(dataset([ent("E2"), ent("E1")]))
    assert tuple(r.enterprises.columns) == ENTERPRISE_COLUMNS
    assert r.enterprises["enterprise_id"].to_list() == ["E1", "E2"]
    assert r.enterprises.schema["score"] == pl.Float64()
    assert r.enterprises.schema["risk_class"] == pl.String()
    assert r.enterprises.schema["dishonest_reasons"] == pl.List(pl.String())
    assert r.enterprises.schema["inspections_per_year"] == pl.Int64()
    assert dict(r.line_items.schema) == LINE_ITEM_SCHEMA
    assert r.year == YEAR


def test_clean_enterprise_keeps_the_base_and_class_a():
    row = one(dataset())
    assert (row["score"], row["risk_class"], row["dishonest"], row["inspections_per_year"]) == (
        100.0,
        "A",
        False,
        1,
    )


# --- one example per enterprise rule (rules enterprise.*) ------------------------------


def test_general_fatal_accident_minus_15():
    data = dataset(accidents=[accident("A1", D(YEAR, 5, 1), deaths=1)])
    item = items(data).row(0, named=True)
    assert item["rule_id"] == "enterprise.accident_general_fatal"
    assert item["points"] == -15.0
    assert item["reason"] == "一般事故（死亡）1 起，扣 15 分"
    assert item["evidence"] == ["A1"]
    # the points' basis, and that of the grading and the missing-persons convention
    assert item["basis"].startswith("分值：参考值") and "国务院令第493号第三条" in item["basis"]
    assert one(data)["score"] == 85.0


def test_missing_person_makes_an_accident_fatal():
    data = dataset(accidents=[accident("A1", D(YEAR, 5, 1), deaths=0, missing=1)])
    assert points(data, "enterprise.accident_general_fatal") == -15.0


def test_general_nonfatal_accident_minus_5_each():
    data = dataset(
        accidents=[accident("A1", D(YEAR, 5, 1)), accident("A2", D(YEAR, 7, 1), serious_injuries=2)]
    )
    item = items(data).row(0, named=True)
    assert (item["rule_id"], item["points"], item["evidence"]) == (
        "enterprise.accident_general_nonfatal",
        -10.0,
        ["A1", "A2"],
    )
    assert one(data)["score"] == 90.0


def test_larger_accident_minus_40():
    data = dataset(accidents=[accident("A1", D(YEAR, 5, 1), deaths=3)])
    assert points(data, "enterprise.accident_larger") == -40.0
    row = one(data)
    assert (row["score"], row["risk_class"], row["dishonest"]) == (60.0, "C", False)


def test_major_accident_brings_score_to_zero_by_one_line_item():
    data = dataset(
        [ent(standardization_level="一级")],
        accidents=[accident("A1", D(YEAR, 5, 1), deaths=10), accident("A2", D(YEAR, 6, 1))],
    )
    its = items(data)
    zero = its.filter(pl.col("rule_id") == "enterprise.zero_score_grade").row(0, named=True)
    assert zero["points"] == -100.0  # 100 + 10 − 5 = 105, clipped to 100, then to 0
    assert zero["evidence"] == ["A1"]
    assert zero["reason"] == "发生重大及以上事故 1 起，得分记 0 分"
    row = one(data)
    assert row["score"] == 0.0 and row["risk_class"] == "D" and row["dishonest"]
    assert "发生重大及以上事故 1 起" in row["dishonest_reasons"]


def test_extraordinary_accident_is_also_zero_and_not_counted_twice():
    data = dataset(accidents=[accident("A1", D(YEAR, 5, 1), deaths=30)])
    rules = set(items(data)["rule_id"])
    assert "enterprise.accident_larger" not in rules
    assert one(data)["score"] == 0.0


@pytest.mark.parametrize(
    ("flag", "pts"),
    [("illegal", -40.0), ("failed_rectification", -30.0), ("unlawful", -15.0), ("criminal", -40.0)],
)
def test_each_case_flag_deducts(flag, pts):
    data = dataset(cases=[case("C1", **{flag: True})])
    assert points(data, f"enterprise.case_{flag}") == pts
    assert one(data)["score"] == 100.0 + pts


def test_a_case_with_two_flags_deducts_twice_and_only_cases_found_in_the_year():
    data = dataset(
        cases=[
            case("C1", unlawful=True, criminal=True),
            case("C0", D(YEAR - 1, 12, 31), illegal=True),
            case("C9", D(YEAR + 1, 1, 1), illegal=True),
        ]
    )
    assert one(data)["score"] == 100.0 - 15 - 40
    assert not one(data)["dishonest"]


def test_major_hazard_due_by_year_end_not_rectified_by_then():
    data = dataset(
        hazards=[
            hazard("H1", "重大", D(YEAR - 1, 3, 1), None),  # due last year, still open
            hazard("H2", "重大", D(YEAR, 12, 31), D(YEAR + 1, 1, 5)),  # rectified after year end
            hazard("H3", "重大", D(YEAR, 6, 1), D(YEAR, 12, 31)),  # rectified by year end (late)
            hazard("H4", "重大", D(YEAR + 1, 1, 1), None),  # not yet due
        ]
    )
    item = (
        items(data)
        .filter(pl.col("rule_id") == "enterprise.hazard_major_overdue")
        .row(0, named=True)
    )
    assert (item["points"], item["evidence"]) == (-40.0, ["H1", "H2"])
    assert item["reason"] == "到期未整改重大隐患 2 项，扣 40 分"


def test_general_hazard_due_in_year_late_or_never_minus_2():
    data = dataset(
        hazards=[
            hazard("H1", "一般", D(YEAR, 3, 1), D(YEAR, 3, 1)),  # on its due day: on time
            hazard("H2", "一般", D(YEAR, 3, 1), D(YEAR, 3, 2)),  # a day late
            hazard("H3", "一般", D(YEAR, 3, 1), None),  # not rectified
            hazard("H4", "一般", D(YEAR, 12, 1), D(YEAR + 1, 1, 2)),  # after year end: late
            hazard("H5", "一般", D(YEAR - 1, 12, 1), None),  # due last year: not this rule
        ]
    )
    item = (
        items(data).filter(pl.col("rule_id") == "enterprise.hazard_general_late").row(0, named=True)
    )
    assert (item["points"], item["evidence"]) == (-6.0, ["H2", "H3", "H4"])
    assert one(data)["score"] == 94.0


def test_general_hazard_deductions_are_capped_by_their_own_line_item():
    data = dataset(hazards=[hazard(f"H{i:02}", "一般", D(YEAR, 4, 1), None) for i in range(13)])
    its = items(data)
    assert points(data, "enterprise.hazard_general_late") == -26.0
    cap = its.filter(pl.col("rule_id") == "enterprise.hazard_general_cap").row(0, named=True)
    assert cap["points"] == 6.0
    assert cap["reason"] == "一般隐患扣分合计 26 分，超过上限 20 分，返还 6 分"
    assert one(data)["score"] == 80.0


def test_exactly_at_the_cap_adds_no_cap_item():
    data = dataset(hazards=[hazard(f"H{i:02}", "一般", D(YEAR, 4, 1), None) for i in range(10)])
    assert "enterprise.hazard_general_cap" not in set(items(data)["rule_id"])
    assert one(data)["score"] == 80.0


def test_licence_required_and_not_held_minus_60_and_dishonest():
    data = dataset([ent(license_required=True, licensed=False)])
    assert points(data, "enterprise.no_license") == -60.0
    row = one(data)
    assert (row["score"], row["risk_class"], row["dishonest"]) == (40.0, "D", True)
    assert row["dishonest_reasons"] == ["未依法取得安全生产许可从事生产经营"]


def test_licence_not_required_costs_nothing():
    assert one(dataset([ent(license_required=False, licensed=False)]))["score"] == 100.0


@pytest.mark.parametrize(("level", "bonus"), [("一级", 10.0), ("二级", 5.0), ("三级", 2.0)])
def test_standardization_bonus(level, bonus):
    data = dataset(
        [ent(standardization_level=level)], accidents=[accident("A1", D(YEAR, 2, 1), deaths=1)]
    )
    assert points(data, "enterprise.standardization_bonus") == bonus
    assert one(data)["score"] == 85.0 + bonus


# --- the clip to [0, 100] --------------------------------------------------------------


def test_bonus_over_100_is_clipped_by_one_line_item():
    data = dataset([ent(standardization_level="一级")], accidents=[accident("A1", D(YEAR, 2, 1))])
    clip = items(data).filter(pl.col("rule_id") == "enterprise.clip")
    assert clip["points"].to_list() == [-5.0]
    assert clip["reason"].item() == "各项合计 105 分，超过满分 100 分，计 100 分"
    assert one(data)["score"] == 100.0


def test_committee_adjustments_apply_to_the_named_enterprise_before_the_clip():
    data = dataset(accidents=[accident("A1", D(YEAR, 2, 1), deaths=1)])
    adjustments = builders.frame(
        "adjustments",
        [
            {
                "subject_type": "enterprise",
                "subject_id": "E1",
                "year": YEAR,
                "points": -3.0,
                "reason": "整改材料弄虚作假",
                "basis": "市安委会决定",
            },
            {
                "subject_type": "enterprise",
                "subject_id": "E1",
                "year": YEAR - 1,
                "points": -50.0,
                "reason": "上年事项",
                "basis": "市安委会决定",
            },
            {
                "subject_type": "region",
                "subject_id": "E1",
                "year": YEAR,
                "points": -50.0,
                "reason": "不是企业",
                "basis": "市安委会决定",
            },
        ],
    )
    data = data.replace(adjustments=adjustments)
    item = items(data).filter(pl.col("rule_id") == "enterprise.adjustment")
    assert item["points"].to_list() == [-3.0]
    assert item["reason"].item() == "委员会核减 3 分：整改材料弄虚作假"
    assert item["basis"].item() == "市安委会决定"
    assert one(data)["score"] == 100 - 15 - 3


def test_deductions_under_zero_are_clipped_by_one_line_item():
    data = dataset(
        [ent(license_required=True)],
        cases=[case("C1", illegal=True, criminal=True, failed_rectification=True)],
    )
    # 100 − 60 − 40 − 40 − 30 = −70
    clip = items(data).filter(pl.col("rule_id") == "enterprise.clip")
    assert clip["points"].to_list() == [70.0]
    assert one(data)["score"] == 0.0


# --- what is left out ------------------------------------------------------------------


def test_accidents_without_liability_are_left_out():
    data = dataset(accidents=[accident("A1", D(YEAR, 5, 1), deaths=10, liability=False)])
    row = one(data)
    assert (row["score"], row["dishonest"]) == (100.0, False)


def test_accidents_outside_the_year_are_left_out():
    data = dataset(
        accidents=[accident("A0", D(YEAR - 1, 12, 31), deaths=1), accident("A9", D(YEAR + 1, 1, 1))]
    )
    assert one(data)["score"] == 100.0


def test_missing_tables_are_noted_not_passed_silently():
    data = dataset(accidents=None, cases=None, hazards=None)
    notes = items(data).filter(pl.col("rule_id") == "enterprise.no_data")
    assert notes.height == 3 and notes["points"].to_list() == [0.0, 0.0, 0.0]
    assert any("accidents" in r for r in notes["reason"])


def test_closed_enterprise_is_rated_but_needs_no_inspection():
    data = dataset(
        [ent(status="关闭", closed_on=D(YEAR - 1, 6, 1))],
        accidents=[accident("A1", D(YEAR, 5, 1), deaths=1)],
    )
    row = one(data)
    assert (row["score"], row["risk_class"], row["inspections_per_year"]) == (85.0, "B", 0)


# --- risk classes and inspections --------------------------------------------------------


@pytest.mark.parametrize(
    ("deaths_per_accident", "expected"),
    [
        ([0, 0], ("A", 2 * 0 + 1)),  # 90: A
        ([0, 0, 1], ("B", 2)),  # 75: B
        ([1, 0, 0, 0, 0], ("C", 4)),  # 65: C
        ([1, 1, 1], ("D", 12)),  # 55: D
    ],
)
def test_risk_class_bands_and_inspections(deaths_per_accident, expected):
    accs = [
        accident(f"A{i}", D(YEAR, 3, 1 + i), deaths=d) for i, d in enumerate(deaths_per_accident)
    ]
    row = one(dataset(accidents=accs))
    assert (row["risk_class"], row["inspections_per_year"]) == expected


def test_band_edges_use_the_score_rounded_to_6_decimals(tmp_path):
    rules_file = tmp_path / "local.toml"
    rules_file.write_text(
        'extends = "default"\n'
        '[enterprise.accident_general_nonfatal]\nvalue = 3.3333333333333\nbasis = "市细则"\n',
        encoding="utf-8",
    )
    rules = load_rulebook(rules_file)
    accs = [accident(f"A{i}", D(YEAR, 3, 1 + i)) for i in range(3)]  # 100 − 3 × 3.333… ≈ 90
    row = one(dataset(accidents=accs), rules=rules)
    assert row["risk_class"] == "A"


def test_rulebook_numbers_move_the_result(tmp_path):
    rules_file = tmp_path / "local.toml"
    rules_file.write_text(
        'extends = "default"\n'
        '[enterprise.accident_general_fatal]\nvalue = 20.0\nbasis = "市细则"\n'
        "[enterprise.inspections_per_year]\nvalue = { A = 1, B = 3, C = 6, D = 24 }\n"
        'basis = "市细则"\n',
        encoding="utf-8",
    )
    data = dataset(accidents=[accident("A1", D(YEAR, 5, 1), deaths=1)])
    row = one(data, rules=load_rulebook(rules_file))
    assert (row["score"], row["risk_class"], row["inspections_per_year"]) == (80.0, "B", 3)
    item = items(data).row(0, named=True)  # default rules unchanged
    assert item["points"] == -15.0


# --- serious dishonesty ----------------------------------------------------------------


def larger(aid: str, on: dt.date, eid: str = "E1") -> dict:
    return accident(aid, on, eid, deaths=3)


@pytest.mark.parametrize(
    ("earlier", "later", "flagged"),
    [
        (D(2023, 12, 20), D(2024, 12, 20), True),  # same calendar day a year before: within
        (D(2023, 12, 19), D(2024, 12, 20), False),  # a day more: outside
        (D(2023, 12, 31), D(2024, 1, 1), True),  # across 31 December
        (D(2024, 1, 1), D(2024, 12, 31), True),  # both in the year
        (D(2024, 5, 1), D(2024, 5, 1), True),  # the same day
        (D(2023, 2, 28), D(2024, 2, 29), True),  # leap day: a year before is 28 February
        (D(2023, 2, 27), D(2024, 2, 29), False),
        (D(2023, 3, 1), D(2023, 6, 1), False),  # both last year: not year Y's events
        (D(2024, 6, 1), D(2025, 3, 1), False),  # the later one after the year
    ],
)
def test_two_larger_accidents_within_12_months(earlier, later, flagged):
    data = dataset(accidents=[larger("A1", earlier), larger("A2", later)])
    row = one(data)
    assert row["dishonest"] is flagged
    if flagged:
        assert row["risk_class"] == "D"
        assert "12 个月内发生较大事故 2 起" in row["dishonest_reasons"]
        note = items(data).filter(pl.col("rule_id") == "enterprise.dishonest").row(0, named=True)
        assert note["points"] == 0.0 and note["evidence"] == ["A1", "A2"]


def test_larger_accidents_of_different_enterprises_do_not_combine():
    data = dataset(
        [ent("E1"), ent("E2")],
        accidents=[larger("A1", D(YEAR, 3, 1), "E1"), larger("A2", D(YEAR, 4, 1), "E2")],
    )
    assert not rate(data).enterprises["dishonest"].any()


def test_concealed_accident_is_dishonest_and_class_d_score_kept():
    data = dataset(accidents=[accident("A1", D(YEAR, 5, 1), concealed=True)])
    row = one(data)
    assert (row["score"], row["risk_class"], row["dishonest"]) == (95.0, "D", True)
    assert row["dishonest_reasons"] == ["瞒报或谎报事故 1 起"]
    assert row["inspections_per_year"] == 12


def test_illegal_case_in_the_year_is_operating_without_licence():
    data = dataset(cases=[case("C1", illegal=True)])
    row = one(data)
    assert row["dishonest"] and row["risk_class"] == "D"
    assert row["dishonest_reasons"] == ["非法生产经营建设案件 1 起（无证或非法生产经营）"]


def test_illegal_case_last_year_does_not_flag():
    assert not one(dataset(cases=[case("C1", D(YEAR - 1, 6, 1), illegal=True)]))["dishonest"]


# --- properties --------------------------------------------------------------------------

CLASS_BADNESS = {"A": 0, "B": 1, "C": 2, "D": 3}
ENT_IDS = ["E1", "E2", "E3"]
days = st.dates(D(YEAR - 1, 1, 1), D(YEAR, 12, 31))


@st.composite
def accident_rows(draw, n_max: int = 5):
    n = draw(st.integers(0, n_max))
    return [
        accident(
            f"A{i:02}",
            draw(days),
            draw(st.sampled_from(ENT_IDS)),
            deaths=draw(st.sampled_from([0, 0, 1, 3, 10])),
            missing=draw(st.sampled_from([0, 0, 1])),
            concealed=draw(st.booleans()),
            liability=draw(st.booleans()) or draw(st.booleans()),
        )
        for i in range(n)
    ]


@st.composite
def case_rows(draw, n_max: int = 4):
    n = draw(st.integers(0, n_max))
    return [
        case(
            f"C{i:02}",
            draw(days),
            draw(st.sampled_from(ENT_IDS)),
            illegal=draw(st.booleans()),
            unlawful=draw(st.booleans()),
            failed_rectification=draw(st.booleans()),
            criminal=draw(st.booleans()),
        )
        for i in range(n)
    ]


@st.composite
def hazard_rows(draw, n_max: int = 14):
    n = draw(st.integers(0, n_max))
    rows = []
    for i in range(n):
        due = draw(st.dates(D(YEAR - 1, 1, 1), D(YEAR + 1, 3, 1)))
        rect = draw(st.none() | st.dates(due - dt.timedelta(days=30), due + dt.timedelta(days=60)))
        rows.append(
            hazard(
                f"H{i:02}",
                draw(st.sampled_from(["一般", "重大"])),
                due,
                rect,
                draw(st.sampled_from(ENT_IDS)),
            )
        )
    return rows


@st.composite
def enterprise_rows(draw):
    return [
        ent(
            eid,
            license_required=draw(st.booleans()),
            licensed=draw(st.booleans()),
            standardization_level=draw(st.sampled_from([None, "一级", "二级", "三级"])),
            status=draw(st.sampled_from(["在营", "在营", "停产", "关闭"])),
        )
        for eid in ENT_IDS
    ]


@st.composite
def datasets(draw):
    return draw(enterprise_rows()), draw(accident_rows()), draw(case_rows()), draw(hazard_rows())


def _check_invariants(r) -> None:
    sums = r.line_items.group_by("subject_id").agg(pl.col("points").sum().alias("s"))
    joined = r.enterprises.join(
        sums.rename({"subject_id": "enterprise_id"}), on="enterprise_id", how="left"
    ).with_columns(pl.col("s").fill_null(0.0))
    for score, s in joined.select("score", "s").iter_rows():
        assert score == pytest.approx(100.0 + s, abs=1e-9)
        assert -1e-9 <= score <= 100.0 + 1e-9


@settings(max_examples=20, deadline=None)
@given(datasets())
def test_score_is_base_plus_line_items_and_within_bounds(tables):
    ents, accs, cs, hs = tables
    _check_invariants(rate(dataset(ents, accs, cs, hs)))


@settings(max_examples=25, deadline=None)
@given(datasets(), st.randoms(use_true_random=False))
def test_row_order_never_changes_results(tables, rnd):
    ents, accs, cs, hs = tables
    first = rate(dataset(ents, accs, cs, hs))
    shuffled = [list(x) for x in (ents, accs, cs, hs)]
    for rows in shuffled:
        rnd.shuffle(rows)
    second = rate(dataset(*shuffled))
    assert first.enterprises.equals(second.enterprises)
    assert first.line_items.equals(second.line_items)


def _worse_or_equal(before: pl.DataFrame, after: pl.DataFrame) -> None:
    for b, a in zip(before.iter_rows(named=True), after.iter_rows(named=True), strict=True):
        assert a["score"] <= b["score"] + 1e-9
        assert CLASS_BADNESS[a["risk_class"]] >= CLASS_BADNESS[b["risk_class"]]
        assert a["dishonest"] >= b["dishonest"]


@settings(max_examples=25, deadline=None)
@given(datasets(), st.data())
def test_more_events_never_raise_a_score_or_improve_a_class(tables, draw):
    ents, accs, cs, hs = tables
    before = rate(dataset(ents, accs, cs, hs)).enterprises
    eid = draw.draw(st.sampled_from(ENT_IDS))
    kind = draw.draw(st.sampled_from(["accident", "case", "flag", "hazard"]))
    if kind == "accident":
        accs = [
            *accs,
            accident(
                "AX",
                draw.draw(days),
                eid,
                deaths=draw.draw(st.sampled_from([0, 1, 3, 10])),
                concealed=draw.draw(st.booleans()),
            ),
        ]
    elif kind == "case":
        flag = draw.draw(st.sampled_from(FLAGS))
        cs = [
            *cs,
            case("CX", draw.draw(st.dates(D(YEAR, 1, 1), D(YEAR, 12, 31))), eid, **{flag: True}),
        ]
    elif kind == "flag" and cs:
        i = draw.draw(st.integers(0, len(cs) - 1))
        flag = draw.draw(st.sampled_from(FLAGS))
        cs = [*cs[:i], {**cs[i], flag: True}, *cs[i + 1 :]]
    else:
        level = draw.draw(st.sampled_from(["一般", "重大"]))
        hs = [*hs, hazard("HX", level, D(YEAR, 6, 1), None, eid)]
    after = rate(dataset(ents, accs, cs, hs))
    _check_invariants(after)
    _worse_or_equal(before, after.enterprises)


# --- the fixture -------------------------------------------------------------------------


@pytest.mark.skipif(not FIXTURE.exists(), reason="fixtures/yiyang-2024 not generated yet")
def test_fixture_shows_all_four_classes_and_a_dishonest_enterprise():
    from accountability.tables import load_dataset

    r = enterprise_ratings(load_dataset(FIXTURE), year=2024)
    assert set(r.enterprises["risk_class"]) == {"A", "B", "C", "D"}
    assert r.enterprises["dishonest"].sum() >= 1
    _check_invariants(r)


def test_default_year_is_the_last_year_ended_by_as_of():
    """Like dual_duty: as_of 2025-03-01 rates 2024 (a year-end rating)."""
    data = dataset(accidents=[accident("A1", D(YEAR, 5, 1), deaths=1)])
    r = enterprise_ratings(data)
    assert r.year == YEAR and r.enterprises["score"].to_list() == [85.0]
