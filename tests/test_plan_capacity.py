"""The working-day inspection plan (年度监督检查计划, 安监总政法〔2017〕150号):
执法工作日 = 法定工作日 − 其他执法工作日 − 非执法工作日, times the staff; a share
held back (留有余地); every enterprise's class minimum first (重点检查, never above
its cap); the days left drawn at random (一般检查, 双随机), reproducibly; the
overflow of the minimums reported; an enterprise on two departments' plans
reported for one joint inspection (综合查一次).
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.errors import DatasetError, RulebookError
from accountability.planning import InspectionPlan, inspection_plan
from accountability.rulebook import rulebook
from accountability.rulebook.model import DatedValue, Parameter, Rulebook
from accountability.scorers.enterprise import EnterpriseRatings

REGIONS = pl.DataFrame(
    {
        "region_code": ["430000", "430900", "430902", "430903"],
        "level": ["省", "市", "县", "县"],
        "parent_code": [None, "430000", "430900", "430900"],
    }
)


def ratings(rows: list[tuple]) -> EnterpriseRatings:
    """rows: (enterprise_id, region_code, sector, risk_class, inspections_min,
    inspections_max or None)."""
    frame = pl.DataFrame(
        [
            {
                "enterprise_id": eid,
                "name": f"企业{eid}",
                "region_code": region,
                "sector": sector,
                "status": "在营" if low > 0 else "关闭",
                "score": {"A": 95.0, "B": 80.0, "C": 65.0, "D": 40.0}[cls],
                "risk_class": cls,
                "dishonest": False,
                "dishonest_reasons": [],
                "inspections_per_year": low,
                "inspections_min": low,
                "inspections_max": high,
                "class_basis": "score",
            }
            for eid, region, sector, cls, low, high in rows
        ],
        schema_overrides={
            "dishonest_reasons": pl.List(pl.String()),
            "inspections_min": pl.Int64(),
            "inspections_max": pl.Int64(),
        },
    )
    return EnterpriseRatings(frame, pl.DataFrame(), 2024)


def workdays(
    department: str = "应急管理局",
    staff: float = 1,
    legal: float = 250,
    other: float = 0,
    non: float = 0,
    reserve: float = 0.0,
    **keys: str,
) -> pl.DataFrame:
    """One department's working days (one row); `keys`: level and/or region_code."""
    return pl.DataFrame(
        {
            "department": [department],
            **{k: [v] for k, v in keys.items()},
            "staff": [staff],
            "legal_workdays": [legal],
            "other_enforcement_days": [other],
            "non_enforcement_days": [non],
            "reserve_share": [reserve],
        }
    )


def days_row(plan: InspectionPlan, department: str = "应急管理局") -> dict:
    return plan.capacity_days.filter(pl.col("department") == department).row(0, named=True)


def planned(plan: InspectionPlan, department: str = "应急管理局") -> dict[str, tuple]:
    """enterprise_id → (key_inspections, random_inspections, planned_inspections)."""
    rows = plan.planned.filter(pl.col("department") == department)
    return {
        r["enterprise_id"]: (
            r["key_inspections"],
            r["random_inspections"],
            r["planned_inspections"],
        )
        for r in rows.iter_rows(named=True)
    }


# --- 执法工作日 -------------------------------------------------------------


def test_plannable_days_are_staff_times_workdays_less_deductions_and_reserve():
    # 3 人 × (250 法定工作日 − 50 其他执法工作日 − 100 非执法工作日) = 300 执法工作日;
    # 留有余地 20%: 60 日; 可安排 240 日.
    r = ratings([("E1", "430902", "煤矿", "A", 1, 1)])
    plan = inspection_plan(r, capacity=workdays(staff=3, other=50, non=100, reserve=0.2))
    row = days_row(plan)
    assert row["staff"] == 3
    assert row["enforcement_days"] == 300
    assert row["reserve_days"] == pytest.approx(60)
    assert row["plannable_days"] == pytest.approx(240)
    assert row["key_days_needed"] == 1 and row["overflow_days"] == 0


def test_minimums_first_then_random_up_to_the_caps():
    # 20 plannable days; minimums 1 + 2 + 1 = 4 days; 16 left.  E1 may take 2 more (cap
    # 3), E2 none (at its cap), E3 has no cap: it takes the other 14.
    r = ratings(
        [
            ("E1", "430902", "煤矿", "B", 1, 3),
            ("E2", "430902", "煤矿", "C", 2, 2),
            ("E3", "430902", "煤矿", "A", 1, None),
        ]
    )
    plan = inspection_plan(r, capacity=workdays(legal=20))
    assert planned(plan) == {"E1": (1, 2, 3), "E2": (2, 0, 2), "E3": (1, 14, 15)}
    row = days_row(plan)
    assert (row["key_days_needed"], row["random_days"], row["days_left"]) == (4, 16, 0)
    assert (row["key_inspections"], row["random_inspections"]) == (4, 16)


def test_a_minimum_above_its_cap_is_planned_at_the_cap():
    r = ratings([("E1", "430902", "煤矿", "D", 12, 8)])
    plan = inspection_plan(r, capacity=workdays(legal=100))
    assert planned(plan) == {"E1": (8, 0, 8)}
    assert plan.planned["inspections_max"].to_list() == [8]


def test_without_working_days_only_the_minimums_are_planned():
    r = ratings([("E1", "430902", "煤矿", "B", 2, None)])
    plan = inspection_plan(r, capacity={"应急管理局": 10})
    assert planned(plan) == {"E1": (2, 0, 2)}
    row = days_row(plan)
    assert row["plannable_days"] is None and row["overflow_days"] is None
    assert "未给出执法工作日" in row["message"]


def test_inspections_min_is_used_before_inspections_per_year():
    r = ratings([("E1", "430902", "煤矿", "B", 2, None)])
    frame = r.enterprises.with_columns(pl.lit(5, dtype=pl.Int64()).alias("inspections_per_year"))
    plan = inspection_plan(EnterpriseRatings(frame, pl.DataFrame(), 2024))
    assert planned(plan) == {"E1": (2, 0, 2)}
    # without inspections_min / inspections_max: inspections_per_year, no cap
    old = frame.drop("inspections_min", "inspections_max", "class_basis")
    plan = inspection_plan(EnterpriseRatings(old, pl.DataFrame(), 2024))
    assert planned(plan) == {"E1": (5, 0, 5)}
    assert plan.planned["inspections_max"].to_list() == [None]


def test_closed_enterprises_are_left_out():
    r = ratings([("E1", "430902", "煤矿", "B", 2, None), ("E2", "430902", "煤矿", "D", 0, 0)])
    assert inspection_plan(r).planned["enterprise_id"].to_list() == ["E1"]


# --- 每次检查的工作日 ---------------------------------------------------------


def test_days_per_inspection_by_class_and_by_sector_sector_wins():
    r = ratings(
        [
            ("E1", "430902", "煤矿", "D", 2, 2),  # 煤矿 → 2 days (beats D → 3)
            ("E2", "430902", "非煤矿山", "D", 2, 2),  # D → 3 days
            ("E3", "430902", "非煤矿山", "B", 2, 2),  # neither → "*" 0.5
        ]
    )
    per = {"D": 3, "煤矿": 2, "*": 0.5}
    plan = inspection_plan(r, capacity=workdays(legal=100), days_per_inspection=per)
    days = dict(plan.planned.select("enterprise_id", "days_per_inspection").rows())
    assert days == {"E1": 2.0, "E2": 3.0, "E3": 0.5}
    assert dict(plan.planned.select("enterprise_id", "days").rows()) == {
        "E1": 4.0,
        "E2": 6.0,
        "E3": 1.0,
    }
    assert days_row(plan)["key_days_needed"] == 11  # 2×2 + 2×3 + 2×0.5
    # a missing key without "*": one day
    plan = inspection_plan(r, days_per_inspection={"煤矿": 2})
    assert plan.planned.sort("enterprise_id")["days_per_inspection"].to_list() == [2, 1, 1]


def test_random_days_count_each_enterprises_own_days():
    # 10 plannable days, minimums 2 + 2 days; 6 left.  E1 (2 days an inspection, cap 3)
    # and E2 (1 day, cap 3) each take 2 more in full rounds: 2×2 + 2×1 = 6 days.
    r = ratings([("E1", "430902", "煤矿", "B", 1, 3), ("E2", "430902", "非煤矿山", "B", 2, 4)])
    plan = inspection_plan(r, capacity=workdays(legal=10), days_per_inspection={"煤矿": 2})
    assert planned(plan) == {"E1": (1, 2, 3), "E2": (2, 2, 4)}
    assert days_row(plan)["random_days"] == 6


# --- 双随机 -------------------------------------------------------------------

MANY = ratings([(f"E{i:02d}", "430902", "煤矿", "A", 1, 2) for i in range(30)])
TEN_EXTRA = workdays(legal=40)  # 30 minimums + 10 random inspections


def sampled(plan: InspectionPlan) -> frozenset[str]:
    return frozenset(plan.planned.filter(pl.col("random_inspections") > 0)["enterprise_id"])


def test_the_random_sample_fills_the_days_left():
    plan = inspection_plan(MANY, capacity=TEN_EXTRA, seed=7)
    assert len(sampled(plan)) == 10
    assert plan.planned["random_inspections"].max() == 1
    assert days_row(plan)["days_left"] == 0


def test_same_seed_same_sample_whatever_the_row_order():
    plan = inspection_plan(MANY, capacity=TEN_EXTRA, seed=7)
    for shuffle_seed in (1, 2, 3):
        shuffled = MANY.enterprises.sample(fraction=1.0, shuffle=True, seed=shuffle_seed)
        again = inspection_plan(
            EnterpriseRatings(shuffled, pl.DataFrame(), 2024), capacity=TEN_EXTRA, seed=7
        )
        assert again.planned.equals(plan.planned)
        assert again.capacity_days.equals(plan.capacity_days)
    assert plan.seed == 7


def test_different_seeds_usually_draw_different_samples():
    samples = {sampled(inspection_plan(MANY, capacity=TEN_EXTRA, seed=s)) for s in range(6)}
    assert len(samples) > 1


# --- 超出执法力量 --------------------------------------------------------------


def test_minimums_beyond_the_days_are_all_planned_and_the_overflow_reported():
    # 2 人 × (250 − 50 − 100) = 200 days; minimums 1,234 days: 1,034 over.
    r = ratings([("E1", "430902", "煤矿", "D", 1234, None), ("E2", "430902", "煤矿", "A", 1, None)])
    plan = inspection_plan(r, capacity=workdays(staff=2, other=50, non=100))
    assert planned(plan) == {"E1": (1234, 0, 1234), "E2": (1, 0, 1)}
    row = days_row(plan)
    assert row["plannable_days"] == 200 and row["key_days_needed"] == 1235
    assert row["overflow_days"] == 1035 and row["random_days"] == 0
    assert row["message"] == "重点检查需 1,235 个工作日，超出可用执法工作日 1,035 个"


def test_message_when_the_days_suffice():
    r = ratings([("E1", "430902", "煤矿", "A", 1, 2)])
    plan = inspection_plan(r, capacity=workdays(legal=10.5))
    assert days_row(plan)["message"] == (
        "重点检查需 1 个工作日，双随机检查 1 家次 1 个工作日，可用执法工作日 10.5 个，余 8.5 个"
    )


# --- 分级: levels ---------------------------------------------------------------


def test_without_regions_the_level_is_null_with_regions_it_is_the_regions():
    r = ratings([("E1", "430902", "煤矿", "A", 1, None), ("E2", "430900", "煤矿", "A", 1, None)])
    assert inspection_plan(r).planned["level"].to_list() == [None, None]
    plan = inspection_plan(r, regions=REGIONS)
    assert dict(plan.planned.select("enterprise_id", "level").rows()) == {"E1": "县", "E2": "市"}
    assert set(plan.capacity_days.select("department", "level").rows()) == {
        ("应急管理局", "县"),
        ("应急管理局", "市"),
    }


def book_with_plan_levels(levels: object) -> Rulebook:
    """The default rulebook plus ``enterprise.plan_levels``.  A rule file cannot add
    the key (the loader refuses keys the default rulebook lacks), so the Rulebook is
    built from the default's parameters."""
    base = rulebook()
    extra = Parameter(
        key="enterprise.plan_levels",
        label="分级监管层级",
        basis="测试",
        values=(DatedValue(None, levels),),
    )
    return Rulebook(name="测试", parameters={**base.parameters, extra.key: extra})


def test_plan_levels_assign_a_class_or_sector_to_a_level_sector_first():
    book = book_with_plan_levels({"D": "市", "煤矿": "县"})
    r = ratings(
        [
            ("E1", "430902", "煤矿", "D", 12, None),  # 煤矿 → 县 beats D → 市
            ("E2", "430902", "建筑施工", "D", 12, None),  # D → 市 (资阳区's 益阳市)
            ("E3", "430903", "建筑施工", "A", 1, None),  # its own level: 县
        ]
    )
    plan = inspection_plan(r, book, regions=REGIONS)
    got = plan.planned.select("enterprise_id", "level", "plan_region_code", "region_code")
    assert set(got.rows()) == {
        ("E1", "县", "430902", "430902"),
        ("E2", "市", "430900", "430902"),
        ("E3", "县", "430903", "430903"),
    }


def test_working_days_per_level_and_region_go_to_the_plans_there():
    book = book_with_plan_levels({"D": "市"})
    r = ratings(
        [
            ("E1", "430902", "建筑施工", "D", 12, None),  # planned by the 市
            ("E2", "430902", "建筑施工", "A", 1, None),  # planned by 资阳区
        ]
    )
    dept = "住房和城乡建设局"
    cap = pl.concat(
        [
            workdays(dept, legal=20, level="市", region_code="430900"),
            workdays(dept, legal=3, level="县", region_code="430902"),
        ]
    )
    plan = inspection_plan(r, book, capacity=cap, regions=REGIONS)
    assert planned(plan, dept) == {"E1": (12, 8, 20), "E2": (1, 2, 3)}
    rows = {(x["level"], x["region_code"]): x for x in plan.capacity_days.iter_rows(named=True)}
    assert rows[("市", "430900")]["key_days_needed"] == 12
    assert rows[("县", "430902")]["key_days_needed"] == 1


def test_a_plan_level_not_a_level_is_a_rulebook_error():
    r = ratings([("E1", "430902", "煤矿", "D", 12, None)])
    with pytest.raises(RulebookError, match="plan_levels"):
        inspection_plan(r, book_with_plan_levels({"D": "乡"}))


# --- 综合查一次 -----------------------------------------------------------------


def test_a_road_transport_enterprise_is_on_two_plans_and_one_joint_inspection():
    r = ratings(
        [("E1", "430902", "道路交通", "C", 4, None), ("E2", "430902", "煤矿", "C", 4, None)]
    )
    plan = inspection_plan(r, regions=REGIONS)
    assert plan.conflicts.height == 1
    row = plan.conflicts.row(0, named=True)
    assert row["enterprise_id"] == "E1" and row["name"] == "企业E1"
    assert row["plans"] == ["交通运输局（县）", "公安局（县）"]
    assert row["lead_department"] == "交通运输局"
    assert row["suggestion"] == "综合查一次：由 交通运输局 牵头，会同 公安局 联合检查"
    # reported, not subtracted: both plans keep their four inspections
    assert planned(plan, "交通运输局")["E1"][0] == 4
    assert planned(plan, "公安局")["E1"][0] == 4


def test_without_regions_a_plan_is_named_by_its_department():
    r = ratings([("E1", "430902", "校车", "B", 2, None)])
    row = inspection_plan(r).conflicts.row(0, named=True)
    assert row["plans"] == ["公安局", "教育局"]
    assert row["suggestion"] == "综合查一次：由 公安局 牵头，会同 教育局 联合检查"


# --- 输入有误 -------------------------------------------------------------------

ONE = ratings([("E1", "430902", "煤矿", "A", 1, None)])


@pytest.mark.parametrize(
    ("capacity", "column"),
    [
        (workdays().drop("staff"), "staff"),
        (workdays().drop("reserve_share"), "reserve_share"),
        (workdays(staff=-1), "staff"),
        (workdays(non=-5), "non_enforcement_days"),
        (workdays(reserve=1.5), "reserve_share"),
        (workdays(reserve=-0.1), "reserve_share"),
        (workdays(other=200, non=100), "legal_workdays"),
        (workdays(level="乡"), "level"),
        (workdays().with_columns(pl.lit("很多").alias("staff")), "staff"),
        (workdays().with_columns(pl.lit(None, dtype=pl.Float64()).alias("legal_workdays")),
         "legal_workdays"),
        (workdays().with_columns(pl.lit(float("nan")).alias("staff")), "staff"),
        (pl.concat([workdays(), workdays()]), "department"),
        (workdays().with_columns(pl.lit(10).alias("capacity")), "capacity"),
    ],
)  # fmt: skip
def test_bad_working_days_are_a_dataset_error_naming_the_column(capacity, column):
    with pytest.raises(DatasetError, match=column):
        inspection_plan(ONE, capacity=capacity)


@pytest.mark.parametrize("days", [0, -1, float("nan"), float("inf"), True, "1", {"D": 0},
                                  {"Z": 1}, {"煤矿": -2}])  # fmt: skip
def test_days_per_inspection_must_be_positive_and_keyed_by_class_or_sector(days):
    with pytest.raises(DatasetError, match="days_per_inspection"):
        inspection_plan(ONE, days_per_inspection=days)


def test_regions_need_their_columns():
    with pytest.raises(DatasetError, match="level"):
        inspection_plan(ONE, regions=REGIONS.drop("level"))


# --- properties ---------------------------------------------------------------

SECTOR_CHOICES = ("煤矿", "非煤矿山", "道路交通", "建筑施工")


@st.composite
def cases(draw):
    n = draw(st.integers(1, 50))
    rows = [
        (
            f"E{i:02d}",
            draw(st.sampled_from(("430902", "430903", "430900"))),
            draw(st.sampled_from(SECTOR_CHOICES)),
            draw(st.sampled_from("ABCD")),
            draw(st.integers(0, 6)),
            draw(st.none() | st.integers(0, 8)),
        )
        for i in range(n)
    ]
    cap = pl.concat(
        [
            workdays(
                dept,
                staff=draw(st.integers(0, 3)),
                legal=250,
                other=draw(st.integers(0, 120)),
                non=draw(st.integers(0, 120)),
                reserve=draw(st.sampled_from((0.0, 0.1, 0.25, 1.0))),
            )
            for dept in ("应急管理局", "交通运输局", "公安局", "住房和城乡建设局")
        ]
    )
    per = draw(st.sampled_from((1.0, 0.5, {"D": 2, "煤矿": 1.5, "*": 0.75}, {"A": 3})))
    return ratings(rows), cap, per, draw(st.integers(0, 2**31 - 1)), draw(st.randoms())


@settings(max_examples=25, deadline=None)
@given(cases())
def test_never_above_a_cap_nor_the_days_and_the_same_whatever_the_row_order(case):
    r, cap, per, seed, rnd = case
    plan = inspection_plan(r, capacity=cap, days_per_inspection=per, seed=seed, regions=REGIONS)
    p = plan.planned
    capped = p.filter(pl.col("inspections_max").is_not_null())
    assert (capped["planned_inspections"] <= capped["inspections_max"]).all()
    assert (p["random_inspections"] >= 0).all()
    # 重点: the minimum, clipped at the cap
    key = p.join(r.enterprises.select("enterprise_id", "inspections_min"), on="enterprise_id")
    expected = pl.min_horizontal("inspections_min", "inspections_max")
    assert key.select((pl.col("key_inspections") == expected).all()).item()
    for row in plan.capacity_days.iter_rows(named=True):
        usable = row["plannable_days"] or 0.0
        assert row["random_days"] <= max(usable - row["key_days_needed"], 0.0) + 1e-9
        assert row["overflow_days"] == pytest.approx(max(row["key_days_needed"] - usable, 0.0))
    order = list(range(r.enterprises.height))
    rnd.shuffle(order)
    shuffled = EnterpriseRatings(r.enterprises[order], pl.DataFrame(), 2024)
    again = inspection_plan(
        shuffled, capacity=cap.reverse(), days_per_inspection=per, seed=seed, regions=REGIONS
    )
    assert again.planned.equals(plan.planned)
    assert again.capacity_days.equals(plan.capacity_days)
    assert again.conflicts.equals(plan.conflicts)
