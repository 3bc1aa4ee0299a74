"""The inspection plan (分级分类监管): inspections per class, region and department;
the queue a department works down; whether its capacity covers the plan."""

from __future__ import annotations

import polars as pl
import pytest

from accountability.errors import DatasetError
from accountability.planning import InspectionPlan, inspection_plan
from accountability.scorers.enterprise import EnterpriseRatings


def ratings(rows: list[tuple]) -> EnterpriseRatings:
    """rows: (enterprise_id, region_code, sector, status, score, risk_class, inspections)."""
    frame = pl.DataFrame(
        [
            {
                "enterprise_id": eid,
                "name": f"企业{eid}",
                "region_code": region,
                "sector": sector,
                "status": status,
                "score": score,
                "risk_class": cls,
                "dishonest": cls == "D" and score >= 60,
                "dishonest_reasons": [],
                "inspections_per_year": n,
            }
            for eid, region, sector, status, score, cls, n in rows
        ],
        schema_overrides={"dishonest_reasons": pl.List(pl.String())},
    )
    return EnterpriseRatings(enterprises=frame, line_items=pl.DataFrame(), year=2024)


R = ratings(
    [
        ("E1", "430902", "煤矿", "在营", 95.0, "A", 1),
        ("E2", "430902", "煤矿", "在营", 80.0, "B", 2),
        ("E3", "430902", "煤矿", "在营", 70.0, "C", 4),
        ("E4", "430903", "煤矿", "在营", 40.0, "D", 12),
        ("E5", "430903", "煤矿", "在营", 90.0, "D", 12),  # dishonest: D whatever the score
        ("E6", "430902", "道路交通", "在营", 78.0, "B", 2),  # 交通运输局 and 公安局
        ("E7", "430902", "煤矿", "关闭", 10.0, "D", 0),  # closed: needs none
        ("E8", "430903", "建筑施工", "停产", 62.0, "C", 4),
    ]
)


def test_inspections_per_class_region_and_department():
    plan = inspection_plan(R)
    assert isinstance(plan, InspectionPlan) and plan.year == 2024
    got = {
        (r["region_code"], r["department"], r["risk_class"]): (r["enterprises"], r["inspections"])
        for r in plan.by_region_department.iter_rows(named=True)
    }
    assert got == {
        ("430902", "应急管理局", "A"): (1, 1),
        ("430902", "应急管理局", "B"): (1, 2),
        ("430902", "应急管理局", "C"): (1, 4),
        ("430903", "应急管理局", "D"): (2, 24),
        ("430902", "交通运输局", "B"): (1, 2),
        ("430902", "公安局", "B"): (1, 2),
        ("430903", "住房和城乡建设局", "C"): (1, 4),
    }


def test_closed_enterprises_need_no_inspection():
    plan = inspection_plan(R)
    assert "E7" not in plan.queue["enterprise_id"].to_list()


def test_an_enterprise_may_fall_to_several_departments():
    q = inspection_plan(R).queue.filter(pl.col("enterprise_id") == "E6")
    assert sorted(q["department"]) == ["交通运输局", "公安局"]


def test_queue_order_class_then_score_then_id_with_cumulative_and_covered():
    plan = inspection_plan(R, capacity={"应急管理局": 30})
    q = plan.queue.filter(pl.col("department") == "应急管理局")
    assert q["enterprise_id"].to_list() == ["E4", "E5", "E3", "E2", "E1"]
    assert q["rank"].to_list() == [1, 2, 3, 4, 5]
    assert q["cumulative_inspections"].to_list() == [12, 24, 28, 30, 31]
    assert q["covered"].to_list() == [True, True, True, True, False]
    cov = plan.coverage.filter(pl.col("department") == "应急管理局").row(0, named=True)
    assert (cov["inspections_needed"], cov["capacity"], cov["shortfall"], cov["covered"]) == (
        31,
        30,
        1,
        False,
    )
    assert cov["enterprises_covered"] == 4


def test_equal_class_and_score_break_ties_by_enterprise_id():
    r = ratings([("E9", "430902", "煤矿", "在营", 80.0, "B", 2),
                 ("E0", "430902", "煤矿", "在营", 80.0, "B", 2)])  # fmt: skip
    assert inspection_plan(r).queue["enterprise_id"].to_list() == ["E0", "E9"]


def test_without_capacity_covered_is_unknown():
    plan = inspection_plan(R)
    assert plan.queue["capacity"].null_count() == plan.queue.height
    assert plan.queue["covered"].null_count() == plan.queue.height
    assert plan.coverage["covered"].null_count() == plan.coverage.height


def test_capacity_as_a_frame_and_per_region():
    cap = pl.DataFrame(
        {"region_code": ["430902", "430903"], "department": ["应急管理局", "应急管理局"],
         "capacity": [7, 20]}
    )  # fmt: skip
    plan = inspection_plan(R, capacity=cap)
    cov = {
        (r["region_code"], r["department"]): r["covered"]
        for r in plan.coverage.iter_rows(named=True)
        if r["department"] == "应急管理局"
    }
    assert cov == {("430902", "应急管理局"): True, ("430903", "应急管理局"): False}
    q = plan.queue.filter(pl.col("region_code") == "430903", pl.col("department") == "应急管理局")
    assert q["covered"].to_list() == [True, False]


def test_capacity_frame_needs_its_columns():
    with pytest.raises(DatasetError):
        inspection_plan(R, capacity=pl.DataFrame({"department": ["应急管理局"]}))


def test_row_order_does_not_change_the_plan():
    shuffled = EnterpriseRatings(R.enterprises.reverse(), R.line_items, R.year)
    a, b = (
        inspection_plan(R, capacity={"应急管理局": 30}),
        inspection_plan(shuffled, capacity={"应急管理局": 30}),
    )
    assert a.queue.equals(b.queue)
    assert a.by_region_department.equals(b.by_region_department)
    assert a.coverage.equals(b.coverage)


def test_plan_from_real_ratings():
    import datetime as dt

    import builders

    from accountability.scorers.enterprise import enterprise_ratings

    ent = {"region_code": "430902", "sector": "煤矿", "employees": 5}
    data = builders.dataset(
        dt.date(2025, 1, 1),
        enterprises=[{"enterprise_id": e, "name": e, **ent} for e in ("E1", "E2")],
        accidents=[
            {"accident_id": "A1", "region_code": "430902", "enterprise_id": "E2",
             "sector": "煤矿", "occurred_on": dt.date(2024, 5, 1), "deaths": 3}
        ],
    )  # fmt: skip
    r = enterprise_ratings(data, year=2024)
    q = inspection_plan(r, capacity={"应急管理局": 4}).queue
    assert q.select("enterprise_id", "risk_class", "cumulative_inspections", "covered").rows() == [
        ("E2", "C", 4, True),
        ("E1", "A", 5, False),
    ]
