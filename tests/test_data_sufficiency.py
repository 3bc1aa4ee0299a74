"""Data sufficiency (rule enterprise.data_sufficiency): an enterprise nobody inspected
is not low-risk.

An enterprise is data-sufficient when the inspections table has at least
`data_sufficiency_min_inspections` (1) visits — distinct inspection ids — dated from
the same day `data_sufficiency_window_months` (24) months before the period's last day
to that day, both included (31 December of Y−2 to 31 December of Y), or it holds a
安全生产标准化 grade.  Otherwise its class is the worse of its class and
`insufficient_class` (C), with a 0-point line item; its score is unchanged.  Not
applied (null, no item) to a closed enterprise, nor without an inspections table (then
a 0-point item says so).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import builders
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.scorers.enterprise import enterprise_ratings

D = dt.date
AS_OF = D(2025, 3, 1)
RULE = "enterprise.data_sufficiency"


def ent(eid: str = "E1", **kw: Any) -> dict:
    return {"enterprise_id": eid, "name": f"企业{eid}", "region_code": "430902",
            "sector": "煤矿", "employees": 50, **kw}  # fmt: skip


def visit(on: dt.date, iid: str = "J1", eid: str = "E1") -> dict:
    return {"inspection_id": iid, "enterprise_id": eid, "region_code": "430902",
            "department": "应急管理局", "inspected_on": on}  # fmt: skip


def rate(enterprises: list[dict], inspections: list[dict] | None, **tables: Any):
    data = builders.dataset(
        AS_OF,
        enterprises=enterprises,
        inspections=inspections if inspections is not None else None,
        **tables,
    )
    return enterprise_ratings(data, None, 2024)


def one(enterprises: list[dict], inspections: list[dict] | None, **tables: Any):
    result = rate(enterprises, inspections, **tables)
    row = result.enterprises.row(0, named=True)
    found = result.line_items.filter(pl.col("rule_id") == RULE)
    return row, found


def test_an_uninspected_ungraded_enterprise_is_class_c_with_the_score_kept():
    row, found = one([ent()], [visit(D(2024, 5, 1), eid="OTHER")])
    assert (row["score"], row["risk_class"], row["data_sufficient"]) == (100.0, "C", False)
    assert found["points"].to_list() == [0.0]
    assert found["reason"][0] == (
        "24 个月内（2022-12-31 至 2024-12-31）受执法检查 0 次，少于 1 次，"
        "且无安全生产标准化等级：数据不足，风险等级记 C（按得分与失信为 A）"
    )


def test_the_window_is_24_months_to_the_day():
    exactly, _ = one([ent()], [visit(D(2022, 12, 31))])
    assert exactly["data_sufficient"] is True and exactly["risk_class"] == "A"
    one_day_more, _ = one([ent()], [visit(D(2022, 12, 30))])
    assert one_day_more["data_sufficient"] is False and one_day_more["risk_class"] == "C"


def test_a_standardization_grade_is_enough():
    row, found = one([ent(standardization_level="三级")], [])
    assert row["data_sufficient"] is True and found.height == 0


def test_a_visit_is_a_distinct_inspection(tmp_path):
    from accountability.rulebook import load_rulebook

    path = tmp_path / "two.toml"
    path.write_text(
        'extends = "default"\n[enterprise.data_sufficiency_min_inspections]\n'
        'value = 2\nbasis = "本地口径"\n',
        encoding="utf-8",
    )
    book = load_rulebook(path)
    same = [visit(D(2024, 3, 1), "J1"), visit(D(2024, 3, 1), "J1", eid="E1")]
    data = builders.dataset(AS_OF, enterprises=[ent()], inspections=same[:1])
    assert enterprise_ratings(data, book, 2024).enterprises["data_sufficient"].to_list() == [False]
    two = [visit(D(2024, 3, 1), "J1"), visit(D(2024, 4, 1), "J2")]
    data = builders.dataset(AS_OF, enterprises=[ent()], inspections=two)
    assert enterprise_ratings(data, book, 2024).enterprises["data_sufficient"].to_list() == [True]


def test_the_worse_class_stands():
    # a dishonest enterprise stays D: C is not worse than D
    fatal = {"accident_id": "S1", "region_code": "430902", "enterprise_id": "E1",
             "sector": "煤矿", "occurred_on": D(2024, 6, 1), "deaths": 10}  # fmt: skip
    row, found = one([ent()], [], accidents=[fatal])
    assert row["risk_class"] == "D" and row["data_sufficient"] is False
    assert "风险等级记 D" in found["reason"][0]


def test_closed_enterprises_are_not_judged():
    closed = ent(status="关闭", closed_on=D(2024, 3, 1))
    row, found = one([closed], [])
    assert row["data_sufficient"] is None and found.height == 0
    closed_later = ent(status="关闭", closed_on=D(2025, 1, 1))
    row, found = one([closed_later], [])
    assert row["data_sufficient"] is False and found.height == 1


def test_without_an_inspections_table_nothing_is_judged_and_an_item_says_so():
    row, found = one([ent()], None)
    assert row["data_sufficient"] is None and row["risk_class"] == "A"
    assert found["reason"].to_list() == ["无执法检查数据（inspections），数据充分性未判定"]


def test_a_warning_when_the_inspections_start_inside_the_window():
    late = rate([ent()], [visit(D(2023, 1, 1))])
    assert late.warnings["rule"].to_list() == ["sufficiency_window_not_covered"]
    assert rate([ent()], [visit(D(2022, 12, 30))]).warnings.height == 0


@settings(max_examples=25, deadline=None)
@given(st.lists(st.dates(D(2022, 6, 1), D(2024, 12, 31)), max_size=6), st.integers(0, 5))
def test_removing_an_inspection_never_improves_a_class(days, drop):
    order = {"A": 0, "B": 1, "C": 2, "D": 3}
    rows = [visit(day, f"J{i}") for i, day in enumerate(days)]
    full = rate([ent()], rows).enterprises.row(0, named=True)
    fewer = rate([ent()], [r for i, r in enumerate(rows) if i != drop]).enterprises.row(
        0, named=True
    )
    assert order[fewer["risk_class"]] >= order[full["risk_class"]]
