"""一岗双责: attribution by role, region and tenure; the accountability step; duty
fulfilment; departments — one example per rule dual_duty.* (docs/readings.md), then
properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import builders
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.dataset import WARNINGS_SCHEMA, Dataset
from accountability.lineitems import LINE_ITEM_SCHEMA
from accountability.scorers.dual_duty import (
    ATTRIBUTION_SCHEMA,
    DEPARTMENT_SCHEMA,
    DUTY_SCHEMA,
    OFFICIAL_SCHEMA,
    dual_duty,
)

YEAR = 2024
AS_OF = dt.date(2025, 1, 15)
STEP_RANK = {None: 0, "约谈": 1, "通报": 2, "问责建议": 3}

# --- a small builder -------------------------------------------------------------------

REGIONS = [
    ("430000", "湖南省", None, "省"),
    ("430900", "益阳市", "430000", "市"),
    ("430902", "资阳区", "430900", "县"),
    ("430903", "赫山区", "430900", "县"),
]

# official_id, role, region, department, portfolio
OFFICIALS = [
    ("PROV-P", "党委主要负责人", "430000", None, None),
    ("CITY-P", "党委主要负责人", "430900", None, None),
    ("CITY-G", "政府主要负责人", "430900", None, None),
    ("CITY-DW", "分管负责人", "430900", None, ["水上交通"]),
    ("CITY-DC", "分管负责人", "430900", None, ["煤矿", "非煤矿山"]),
    ("CITY-HT", "部门负责人", "430900", "交通运输局", None),
    ("CITY-HE", "部门负责人", "430900", "应急管理局", None),
    ("ZY-P", "党委主要负责人", "430902", None, None),
    ("ZY-G", "政府主要负责人", "430902", None, None),
    ("ZY-DW", "分管负责人", "430902", None, ["水上交通", "道路交通"]),
    ("ZY-HT", "部门负责人", "430902", "交通运输局", None),
    ("ZY-HE", "部门负责人", "430902", "应急管理局", None),
    ("HS-P", "党委主要负责人", "430903", None, None),
    ("HS-DW", "分管负责人", "430903", None, ["水上交通"]),
]


def official(oid, role, region, department=None, portfolio=None, start_on=None, end_on=None):
    return {
        "official_id": oid,
        "name": f"干部{oid}",
        "region_code": region,
        "role": role,
        "department": department,
        "portfolio": portfolio,
        "start_on": start_on,
        "end_on": end_on,
    }


def accident(
    aid,
    region,
    sector,
    on=dt.date(YEAR, 5, 1),
    deaths=0,
    missing=0,
    injuries=0,
    loss=0.0,
    concealed=False,
    liability=True,
):
    return {
        "accident_id": aid, "region_code": region, "sector": sector, "occurred_on": on,
        "deaths": deaths, "missing": missing, "serious_injuries": injuries,
        "direct_loss_10k_yuan": loss, "concealed": concealed, "liability": liability,
    }  # fmt: skip


def duty(oid, activity, count, year=YEAR):
    return {"official_id": oid, "year": year, "activity": activity, "count": count}


def make(accidents=(), officials=None, duty_records=(), drop=()) -> Dataset:
    officials = [official(*o) for o in OFFICIALS] if officials is None else list(officials)
    tables = builders.dataset(
        AS_OF,
        regions=[
            dict(zip(("region_code", "name", "parent_code", "level"), r, strict=True))
            for r in REGIONS
        ],
        officials=officials,
        accidents=accidents,
        duty_records=duty_records,
    ).tables
    for name in drop:
        tables.pop(name)
    return Dataset(tables=tables, as_of=AS_OF)


def run(*accidents, **kw):
    return dual_duty(make(accidents, **kw), None, YEAR)


def step_of(result, oid):
    return result.officials.filter(pl.col("official_id") == oid)["step"].item()


def row_of(result, oid):
    return result.officials.filter(pl.col("official_id") == oid).row(0, named=True)


def attributed(result, aid):
    return set(result.attributions.filter(pl.col("accident_id") == aid)["official_id"])


def larger(aid, region="430902", sector="水上交通", **kw):
    return accident(aid, region, sector, deaths=3, **kw)


# --- shape -----------------------------------------------------------------------------


def test_output_shapes_follow_the_contract():
    res = run(larger("A1"))
    assert res.officials.schema == pl.Schema(OFFICIAL_SCHEMA)
    assert res.duties.schema == pl.Schema(DUTY_SCHEMA)
    assert res.attributions.schema == pl.Schema(ATTRIBUTION_SCHEMA)
    assert res.departments.schema == pl.Schema(DEPARTMENT_SCHEMA)
    assert res.line_items.schema == pl.Schema(LINE_ITEM_SCHEMA)
    assert res.warnings.schema == pl.Schema(WARNINGS_SCHEMA)
    assert res.officials["official_id"].to_list() == sorted(o[0] for o in OFFICIALS)
    assert (res.line_items["points"] == 0.0).all()
    assert set(res.line_items["scorer"]) == {"dual_duty"}


# --- attribution (党政同责, 一岗双责, 管行业必须管安全) ------------------------------------


def test_county_larger_accident_reaches_heads_up_the_hierarchy_deputy_and_department():
    res = run(larger("A1"))
    assert attributed(res, "A1") == {
        "ZY-P",
        "ZY-G",
        "CITY-P",
        "CITY-G",
        "PROV-P",  # heads of R and every region above
        "ZY-DW",
        "CITY-DW",  # deputies whose portfolio includes 水上交通
        "ZY-HT",
        "CITY-HT",  # 交通运输局 regulates 水上交通
    }
    # not: the sibling county, the coal deputy, the 应急管理局 heads
    row = res.attributions.filter(pl.col("official_id") == "CITY-DW").row(0, named=True)
    assert row["region_code"] == "430900" and row["accident_region_code"] == "430902"
    assert row["grade"] == "较大" and row["deaths"] == 3 and row["sector"] == "水上交通"


def test_city_accident_does_not_reach_county_officials():
    res = run(larger("A1", region="430900", sector="煤矿"))
    assert attributed(res, "A1") == {"CITY-P", "CITY-G", "PROV-P", "CITY-DC", "CITY-HE"}


def test_road_accident_reaches_each_department_that_regulates_it():
    officials = [
        official("T", "部门负责人", "430902", "交通运输局"),
        official("G", "部门负责人", "430902", "公安局"),
        official("E", "部门负责人", "430902", "教育局"),
    ]
    res = run(accident("A1", "430902", "道路交通", deaths=1), officials=officials)
    assert attributed(res, "A1") == {"T", "G"}


def test_tenure_limits_which_accidents_reach_an_official():
    officials = [
        official("OLD", "政府主要负责人", "430902", end_on=dt.date(YEAR, 3, 31)),
        official("NEW", "政府主要负责人", "430902", start_on=dt.date(YEAR, 4, 1)),
        official(
            "EDGE",
            "政府主要负责人",
            "430902",
            start_on=dt.date(YEAR, 5, 1),
            end_on=dt.date(YEAR, 5, 1),
        ),
    ]
    res = run(
        larger("A1", on=dt.date(YEAR, 5, 1)),
        larger("A0", on=dt.date(YEAR, 3, 31)),
        officials=officials,
    )
    assert attributed(res, "A1") == {"NEW", "EDGE"}  # tenure dates are inclusive
    assert attributed(res, "A0") == {"OLD"}


def test_accidents_without_liability_are_left_out():
    res = run(larger("A1", liability=False))
    assert res.attributions.height == 0
    assert step_of(res, "ZY-P") is None


def test_accidents_of_other_years_are_not_attributed():
    res = run(larger("A1", on=dt.date(YEAR - 1, 5, 1)))
    assert res.attributions.height == 0


# --- the step --------------------------------------------------------------------------


def test_one_larger_accident_gives_summons():
    res = run(larger("A1"))
    assert step_of(res, "ZY-P") == "约谈"
    row = row_of(res, "ZY-P")
    assert row["evidence"] == ["A1"] and row["larger_accidents"] == 1
    assert "较大及以上事故 1 起" in row["reasons"][0] and row["reasons"][0].endswith("→ 约谈")
    assert step_of(res, "HS-P") is None


def test_two_larger_accidents_give_a_notice():
    res = run(larger("A1"), larger("A2", region="430903"))
    assert step_of(res, "CITY-P") == "通报"  # both counties are below the city
    assert step_of(res, "ZY-P") == "约谈"
    assert row_of(res, "CITY-P")["evidence"] == ["A1", "A2"]


def test_a_major_accident_gives_a_proposal_of_accountability():
    res = run(accident("A1", "430902", "水上交通", deaths=10))
    assert step_of(res, "CITY-DW") == "问责建议"
    assert step_of(res, "CITY-DC") is None
    assert any("重大及以上事故 1 起" in r for r in row_of(res, "CITY-DW")["reasons"])


def test_a_concealed_accident_gives_a_proposal_of_accountability():
    res = run(accident("A1", "430902", "煤矿", deaths=1, concealed=True))
    assert step_of(res, "ZY-HE") == "问责建议"
    assert row_of(res, "ZY-HE")["concealed_accidents"] == 1
    assert any("瞒报" in r for r in row_of(res, "ZY-HE")["reasons"])


def test_three_fatal_accidents_give_summons_and_two_do_not():
    three = [accident(f"A{i}", "430902", "消防", deaths=1) for i in range(3)]
    assert step_of(run(*three), "ZY-G") == "约谈"
    assert step_of(run(*three[:2]), "ZY-G") is None
    # missing persons count as deaths for "fatal"
    missing = [accident(f"M{i}", "430902", "消防", missing=1) for i in range(3)]
    assert row_of(run(*missing), "ZY-G")["fatal_accidents"] == 3


def test_highest_step_wins_and_every_reason_is_listed():
    res = run(larger("A1"), accident("A2", "430902", "水上交通", deaths=10))
    row = row_of(res, "ZY-DW")
    assert row["step"] == "问责建议"
    assert row["reasons"][0].endswith("→ 问责建议")
    assert any(r.endswith("→ 通报") for r in row["reasons"])  # 2 较大-or-worse too


# --- sector rise (分管 / 监管 sector deaths up year on year) -----------------------------


def rise(last: int, this: int, sector="水上交通"):
    """One-death accidents in the county: `last` in the year before, `this` in the year."""
    before = [
        accident(f"P{i}", "430902", sector, on=dt.date(YEAR - 1, 6, 1), deaths=1)
        for i in range(last)
    ]
    now = [
        accident(f"N{i}", "430902", sector, on=dt.date(YEAR, 6, 1 + i), deaths=1)
        for i in range(this)
    ]
    # something in the previous year so the dataset covers it
    cover = [accident("COVER", "430903", "消防", on=dt.date(YEAR - 1, 1, 1), liability=False)]
    officials = [
        official("DW", "分管负责人", "430900", portfolio=["水上交通"]),
        official("HT", "部门负责人", "430900", "交通运输局"),
        official("GOV", "政府主要负责人", "430900"),
        official("DC", "分管负责人", "430900", portfolio=["煤矿"]),
    ]
    return run(*before, *now, *cover, officials=officials)


@pytest.mark.parametrize(
    ("last", "this", "card"),
    [(4, 6, True), (4, 5, False), (2, 4, False), (0, 5, True), (3, 9, True), (0, 4, False)],
)
def test_sector_rise_on_both_sides_of_fifty_percent_and_five_deaths(last, this, card):
    res = rise(last, this)
    for oid in ("DW", "HT"):
        rows = res.line_items.filter(
            (pl.col("subject_id") == oid)
            & (pl.col("rule_id") == "dual_duty.yellow_card.sector_rise")
        )
        assert (step_of(res, oid) == "通报") is card
        assert rows.height == (1 if card else 0)
    # not for the heads (they may still be summoned for the fatal accidents)
    assert step_of(res, "GOV") != "通报"
    assert not res.line_items.filter(
        (pl.col("subject_id") == "GOV") & (pl.col("rule_id") == "dual_duty.yellow_card.sector_rise")
    ).height
    assert step_of(res, "DC") is None  # not their sector


def test_sector_rise_reason_states_the_facts():
    res = rise(3, 9)
    reason = row_of(res, "DW")["reasons"][0]
    assert reason == "分管水上交通：本年死亡 9 人，上年 3 人，上升 200%（≥50% 且 ≥5 人）→ 通报"
    assert row_of(res, "HT")["reasons"][0].startswith("监管水上交通：")
    assert "上年为 0" in row_of(rise(0, 5), "DW")["reasons"][0]
    assert "P0" in row_of(res, "DW")["evidence"] and "N8" in row_of(res, "DW")["evidence"]


def test_sector_rise_ratio_is_compared_exactly(tmp_path):
    """A province's ratio of 1.1: 55 deaths against 50 is a rise of exactly 10%, which
    counts ("≥ 1.1 × last year"), although 50 × 1.1 is 55.00000000000001 in floats."""
    from accountability.rulebook.loader import load_rulebook

    path = tmp_path / "local.toml"
    path.write_text(
        'extends = "default"\n[dual_duty.sector_rise_ratio]\nvalue = 1.1\nbasis = "测试"\n',
        encoding="utf-8",
    )
    before = [
        accident(f"P{i}", "430902", "水上交通", on=dt.date(YEAR - 1, 6, 1), deaths=1)
        for i in range(50)
    ]
    now = [
        accident(f"N{i}", "430902", "水上交通", on=dt.date(YEAR, 1 + i % 12, 1), deaths=1)
        for i in range(55)
    ]
    deputy = [official("DW", "分管负责人", "430900", portfolio=["水上交通"])]
    res = dual_duty(make([*before, *now], officials=deputy), load_rulebook(path), YEAR)
    reasons = row_of(res, "DW")["reasons"]
    assert reasons[0].startswith("分管水上交通：本年死亡 55 人，上年 50 人，上升 10%")
    assert step_of(res, "DW") == "通报"


def test_sector_rise_counts_the_officials_region_and_below_only():
    """水上交通 deaths: 2 last year in 资阳区; 3 this year in 资阳区 and 3 in 赫山区.  The
    city deputy sees 6 against 2 (通报); each county deputy only their own county's
    3 (fewer than 5: no 通报, though 3 fatal accidents still give 约谈)."""
    before = [
        accident(f"P{i}", "430902", "水上交通", on=dt.date(YEAR - 1, 6, 1), deaths=1)
        for i in range(2)
    ]
    now = [
        accident(f"N{region}{i}", region, "水上交通", on=dt.date(YEAR, 6, 1 + i), deaths=1)
        for region in ("430902", "430903")
        for i in range(3)
    ]
    res = run(*before, *now)
    rise_rule = "dual_duty.yellow_card.sector_rise"
    city = res.line_items.filter(
        (pl.col("subject_id") == "CITY-DW") & (pl.col("rule_id") == rise_rule)
    )
    assert city["reason"].to_list() == [
        "分管水上交通：本年死亡 6 人，上年 2 人，上升 200%（≥50% 且 ≥5 人）→ 通报"
    ]
    assert step_of(res, "CITY-DW") == "通报"
    for county_deputy in ("ZY-DW", "HS-DW"):
        assert step_of(res, county_deputy) == "约谈"
        assert not res.line_items.filter(
            (pl.col("subject_id") == county_deputy) & (pl.col("rule_id") == rise_rule)
        ).height


def test_sector_rise_not_applied_without_previous_year_data():
    now = [
        accident(f"N{i}", "430902", "水上交通", on=dt.date(YEAR, 6, 1 + i), deaths=1)
        for i in range(9)
    ]
    res = run(*now)
    assert step_of(res, "CITY-DW") == "约谈"  # 9 fatal accidents, but no 通报
    notes = res.line_items.filter(
        (pl.col("subject_id") == "CITY-DW")
        & (pl.col("rule_id") == "dual_duty.yellow_card.sector_rise")
    )
    assert notes.height == 1 and notes["points"].item() == 0.0
    assert "无上年（2023 年）事故数据" in notes["reason"].item()
    heads = res.line_items.filter(pl.col("subject_id") == "CITY-P")
    assert "dual_duty.yellow_card.sector_rise" not in set(heads["rule_id"])


# --- duty fulfilment -------------------------------------------------------------------


def test_fulfilment_is_the_mean_of_capped_ratios_and_records_add_up():
    records = [
        duty("ZY-DW", "研究部署", 1),
        duty("ZY-DW", "研究部署", 2),  # 3 of 2 → 1
        duty("ZY-DW", "督导检查", 3),  # 3 of 4
        duty("ZY-DW", "隐患督办", 99),  # not required of a deputy: adds nothing
        duty("ZY-DW", "督导检查", 4, year=YEAR - 1),
    ]  # another year
    res = run(duty_records=records)
    duties = res.duties.filter(pl.col("official_id") == "ZY-DW").sort("activity")
    assert duties.select("activity", "done", "required", "ratio").rows() == [
        ("督导检查", 3, 4, 0.75),
        ("研究部署", 3, 2, 1.0),
    ]
    assert row_of(res, "ZY-DW")["fulfilment"] == pytest.approx(0.875)
    reasons = res.line_items.filter(
        (pl.col("subject_id") == "ZY-DW") & (pl.col("rule_id") == "dual_duty.duty.督导检查")
    )["reason"].to_list()
    assert reasons == ["督导检查 完成 3 次 / 要求 4 次 (75%)"]


def test_no_records_means_fulfilment_zero():
    res = run()
    assert res.officials["fulfilment"].to_list() == [0.0] * len(OFFICIALS)
    assert res.duties.height == 2 * len(OFFICIALS)  # every role has two required activities


def test_department_head_requirements():
    res = run(
        duty_records=[
            duty("ZY-HT", "督导检查", 12),
            duty("ZY-HT", "隐患督办", 2),
            duty("ZY-HT", "研究部署", 5),
        ]
    )
    assert row_of(res, "ZY-HT")["fulfilment"] == pytest.approx(0.75)


# --- departments and warnings ----------------------------------------------------------


def test_departments_roll_up_their_officials_and_regulated_accidents():
    res = run(
        larger("A1"),
        accident("A2", "430903", "道路交通", deaths=1),
        accident("A3", "430903", "煤矿", deaths=2),
        duty_records=[duty("CITY-HT", "督导检查", 12), duty("CITY-HT", "隐患督办", 4)],
    )
    city = res.departments.filter(
        (pl.col("region_code") == "430900") & (pl.col("department") == "交通运输局")
    ).row(0, named=True)
    assert (city["officials"], city["accidents"], city["deaths"]) == (1, 2, 4)
    assert city["fulfilment"] == 1.0 and city["step"] == "约谈"
    assert city["evidence"] == ["A1", "A2"]
    assert city["reasons"][0].startswith("干部CITY-HT（CITY-HT）：")
    ema = res.departments.filter(
        (pl.col("region_code") == "430902") & (pl.col("department") == "应急管理局")
    ).row(0, named=True)
    assert (ema["accidents"], ema["deaths"], ema["step"]) == (0, 0, None)
    items = res.line_items.filter(pl.col("subject_type") == "department")
    assert "430900:交通运输局" in set(items["subject_id"])


def test_unknown_department_is_a_warning_not_a_silent_miss():
    officials = [
        *[official(*o) for o in OFFICIALS],
        official("X", "部门负责人", "430902", "海事处"),
        official("Y", "部门负责人", "430902"),
    ]
    res = run(larger("A1"), officials=officials)
    warn = res.warnings.filter(pl.col("table") == "officials")
    assert set(warn["rule"]) == {"unknown_department", "missing_department"}
    assert warn.filter(pl.col("rule") == "unknown_department")["value"].item() == "海事处"
    assert "X" not in attributed(res, "A1")


def test_absent_accidents_and_duty_records_are_warned_about():
    res = dual_duty(make(drop=("accidents", "duty_records")), None, YEAR)
    assert set(res.warnings["table"]) == {"accidents", "duty_records"}
    assert res.officials["step"].null_count() == len(OFFICIALS)


def test_rulebook_numbers_move_the_result():
    from accountability.rulebook.loader import load_rulebook

    data = make([larger("A1")])
    assert step_of(dual_duty(data, None, YEAR), "ZY-P") == "约谈"
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "local.toml"
        path.write_text(
            'extends = "default"\n[dual_duty.accountability_grade_counts]\n'
            'value = { "较大" = 1 }\nbasis = "测试"\n',
            encoding="utf-8",
        )
        book = load_rulebook(path)
    res = dual_duty(data, book, YEAR)
    assert step_of(res, "ZY-P") == "问责建议"
    basis = res.line_items.filter(
        (pl.col("subject_id") == "ZY-P") & (pl.col("rule_id") == "dual_duty.accountability.grade")
    )["basis"].item()
    assert "测试" in basis  # the override's basis, beside the grading's


# --- properties ------------------------------------------------------------------------

SECTORS = ["水上交通", "道路交通", "煤矿", "消防"]
REGION_CODES = ["430900", "430902", "430903"]

accidents_st = st.lists(
    st.builds(
        lambda region, sector, day, deaths, missing, concealed, prev: accident(
            "",
            region,
            sector,
            on=dt.date(YEAR - prev, 1, 1) + dt.timedelta(days=day),
            deaths=deaths,
            missing=missing,
            concealed=concealed,
        ),
        st.sampled_from(REGION_CODES),
        st.sampled_from(SECTORS),
        st.integers(0, 364),
        st.integers(0, 12),
        st.integers(0, 2),
        st.booleans(),
        st.integers(0, 1),
    ),
    max_size=12,
)
records_st = st.lists(
    st.builds(
        duty,
        st.sampled_from([o[0] for o in OFFICIALS]),
        st.sampled_from(["研究部署", "督导检查", "隐患督办"]),
        st.integers(0, 6),
    ),
    max_size=10,
)


def numbered(rows, prefix="A"):
    return [{**r, "accident_id": f"{prefix}{i:03d}"} for i, r in enumerate(rows)]


def steps(result):
    return {o: STEP_RANK[s] for o, s in result.officials.select("official_id", "step").rows()}


@settings(max_examples=20, deadline=None)
@given(
    accidents_st,
    st.lists(
        st.builds(
            lambda region, sector, day, deaths, concealed: accident(
                "",
                region,
                sector,
                on=dt.date(YEAR, 1, 1) + dt.timedelta(days=day),
                deaths=deaths,
                concealed=concealed,
            ),
            st.sampled_from(REGION_CODES),
            st.sampled_from(SECTORS),
            st.integers(0, 364),
            st.integers(0, 12),
            st.booleans(),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_more_accidents_in_the_year_never_lower_a_step(base, extra):
    before = steps(run(*numbered(base)))
    after = steps(run(*numbered(base), *numbered(extra, "X")))
    assert all(after[o] >= before[o] for o in before)


@settings(max_examples=20, deadline=None)
@given(records_st, records_st)
def test_more_duty_records_never_lower_fulfilment(base, extra):
    before = run(duty_records=base).officials["fulfilment"].to_list()
    after = run(duty_records=base + extra).officials["fulfilment"].to_list()
    assert all(a >= b for a, b in zip(after, before, strict=True))
    assert all(0.0 <= a <= 1.0 for a in after)


@settings(max_examples=20, deadline=None)
@given(accidents_st, records_st, st.randoms(use_true_random=False))
def test_row_order_never_changes_results(accidents, records, rnd):
    data = make(numbered(accidents), duty_records=records)
    shuffled = Dataset(
        tables={
            n: t.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 2**31))
            for n, t in data.tables.items()
        },
        as_of=AS_OF,
    )
    a, b = dual_duty(data, None, YEAR), dual_duty(shuffled, None, YEAR)
    for name in ("officials", "departments", "duties", "attributions", "line_items", "warnings"):
        assert getattr(a, name).equals(getattr(b, name)), name


# --- the bundled fixture ---------------------------------------------------------------

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "yiyang-2024"


@pytest.mark.skipif(not FIXTURE.is_dir(), reason="fixture fixtures/yiyang-2024 not generated yet")
def test_fixture_water_transport_deputy_gets_at_least_a_notice():
    from accountability.tables import load_dataset

    data = load_dataset(FIXTURE)
    res = dual_duty(data, None, 2024)
    officials = data.table("officials")
    city = data.table("regions").filter(pl.col("level").cast(pl.String) == "市")["region_code"]
    deputy = officials.filter(
        (pl.col("role").cast(pl.String) == "分管负责人")
        & pl.col("region_code").is_in(city.implode())
        & pl.col("portfolio").list.contains(pl.lit("水上交通"))
    )["official_id"]
    assert deputy.len() >= 1
    for oid in deputy:
        row = row_of(res, oid)
        assert STEP_RANK[row["step"]] >= STEP_RANK["通报"]
        assert any("水上交通" in r and "死亡" in r for r in row["reasons"])


# --- overlapping tenures of one post -------------------------------------------------------


def test_overlapping_tenures_of_one_post_are_a_warning_and_both_are_attributed():
    d = dt.date
    officials = [
        official("G-OLD", "政府主要负责人", "430902", end_on=d(YEAR, 6, 30)),
        official("G-NEW", "政府主要负责人", "430902", start_on=d(YEAR, 6, 1)),  # overlaps
        official("W1", "分管负责人", "430902", portfolio=["水上交通", "道路交通"]),
        official("W2", "分管负责人", "430902", portfolio=["水上交通"]),  # shares 水上交通
        official("C1", "分管负责人", "430902", portfolio=["煤矿"]),  # shares nothing
        official("T1", "部门负责人", "430902", "交通运输局", end_on=d(YEAR, 3, 31)),
        official("T2", "部门负责人", "430902", "交通运输局", start_on=d(YEAR, 4, 1)),  # follows
    ]
    result = run(larger("L1", on=d(YEAR, 6, 15)), officials=officials)
    warnings = result.warnings.filter(pl.col("rule") == "overlapping_tenure")
    assert sorted(warnings["value"].to_list()) == ["G-NEW、G-OLD", "W1、W2"]
    assert (
        "430902政府主要负责人"
        in warnings.filter(pl.col("value") == "G-NEW、G-OLD")["message"].item()
    )
    assert "（水上交通）" in warnings.filter(pl.col("value") == "W1、W2")["message"].item()
    # both holders of the post still answer for the accident of 15 June
    assert {"G-OLD", "G-NEW", "W1", "W2"} <= attributed(result, "L1")
    notes = result.line_items.filter(pl.col("rule_id") == "dual_duty.tenure_overlap")
    assert sorted(notes["subject_id"].to_list()) == ["G-NEW", "G-OLD", "W1", "W2"]
    assert (
        notes.filter(pl.col("subject_id") == "W1")["reason"]
        .item()
        .startswith("任职重叠（待核实）：与 W2 同时担任 430902分管负责人（水上交通）")
    )
    assert (notes["points"] == 0).all()


# --- the two roles of the 规定 added later (党委常委会其他成员, 政府分管安全生产的领导干部) ----


def test_new_roles_are_attributed_and_have_no_default_requirement():
    """A 党委常委会其他成员 answers for their portfolio, a 政府分管安全生产的领导干部 for
    every sector of their region and below; the default rulebook requires nothing of
    either, so their fulfilment is not assessed (null)."""
    officials = [
        official("SM", "党委常委会其他成员", "430900", portfolio=["煤矿"]),
        official("SD", "政府分管安全生产的领导干部", "430900"),
        official("ZY-SD", "政府分管安全生产的领导干部", "430902"),
    ]
    res = run(larger("A1"), accident("A2", "430903", "煤矿", deaths=1), officials=officials)
    assert attributed(res, "A1") == {"SD", "ZY-SD"}  # 水上交通 in 资阳区
    assert attributed(res, "A2") == {"SM", "SD"}  # 煤矿 in 赫山区
    assert step_of(res, "SD") == step_of(res, "ZY-SD") == "约谈"
    assert res.officials["fulfilment"].null_count() == 3
    assert res.duties.height == 0
    assert not res.warnings.filter(pl.col("rule") == "overlapping_tenure").height
