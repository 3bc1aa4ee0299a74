"""四个一律: one example per measure (rules four_musts.*) and per repeat window, then properties.

docs/readings.md, 四个一律: 关闭取缔 when illegal, failed_rectification or the repeat rule
(3 fined major-hazard cases within 180 days, 4 within 365, inclusive, of any year);
从重处罚 when illegal or unlawful, satisfied by fine_yuan ≥ fine_max_yuan; 停产整顿 when
unlawful and closure not required, satisfied by suspended or closed; 厉行问责 when
criminal, satisfied by transferred.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import builders
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.columns import TABLES
from accountability.dataset import Dataset
from accountability.lineitems import LINE_ITEM_SCHEMA
from accountability.rulebook import rulebook
from accountability.scorers.four_musts import (
    CASE_COLUMNS,
    GAP_COLUMNS,
    NOTICE_2012,
    FourMustsResult,
    four_musts,
    required_measures,
)

RULES = rulebook()
AS_OF = dt.date(2025, 1, 15)
DAY = dt.date(2024, 6, 30)

REGIONS = pl.DataFrame(
    {
        "region_code": ["430000", "430900", "430902", "430903"],
        "name": ["湖南省", "益阳市", "资阳区", "赫山区"],
        "parent_code": [None, "430000", "430900", "430900"],
        "level": ["省", "市", "县", "县"],
    },
    schema=TABLES["regions"].dtypes,
)

# What the cases of these tests share; every other column takes its neutral value.
_CASE_DEFAULTS: dict[str, Any] = {
    "enterprise_id": "E1",
    "region_code": "430902",
    "department": "应急管理局",
    "found_on": DAY,
    "fine_yuan": 0.0,
    "fine_max_yuan": 100000.0,
}


def cases_frame(*rows: dict[str, Any]) -> pl.DataFrame:
    """Cases in canonical dtypes; each row names only what differs from the defaults."""
    numbered = [{"case_id": f"C{i:03d}", **row} for i, row in enumerate(rows, start=1)]
    return builders.frame("cases", numbered, _CASE_DEFAULTS)


def dataset(*rows: dict[str, Any], regions: bool = True, **tables: pl.DataFrame) -> Dataset:
    return builders.dataset(
        AS_OF, cases=cases_frame(*rows), regions=REGIONS if regions else None, **tables
    )


def run(*rows: dict[str, Any], year: int = 2024, **kw: Any) -> FourMustsResult:
    return four_musts(dataset(*rows, **kw), RULES, year)


def one(**row: Any) -> dict[str, Any]:
    """The case-frame row of a single case."""
    return run(row).cases.row(0, named=True)


def required(row: dict[str, Any]) -> tuple[bool, bool, bool, bool]:
    return (
        row["required_close"],
        row["required_penalty"],
        row["required_suspend"],
        row["required_accountability"],
    )


# --- the 四个一律 table, one row at a time --------------------------------------------------


def test_illegal_requires_closure_and_penalty():
    row = one(illegal=True, fine_yuan=50000.0, fine_max_yuan=100000.0)
    assert required(row) == (True, True, False, False)
    assert row["compliant"] is False
    assert row["gaps"] == ["非法生产未关闭取缔", "未按上限处罚: 罚款 5万元, 上限 10万元"]


def test_illegal_closed_and_fined_at_the_limit_is_compliant():
    row = one(illegal=True, closed=True, fine_yuan=100000.0, fine_max_yuan=100000.0)
    assert row["compliant"] is True and row["gaps"] == []
    assert row["taken_close"] is True and row["taken_penalty"] is True


def test_failed_rectification_requires_closure():
    row = one(failed_rectification=True)
    assert required(row) == (True, False, False, False)
    assert row["gaps"] == ["停产整顿后仍不合格未提请关闭"]
    assert one(failed_rectification=True, closed=True)["compliant"] is True


def test_unlawful_requires_penalty_and_suspension():
    row = one(unlawful=True, fine_yuan=100000.0)
    assert required(row) == (False, True, True, False)
    assert row["gaps"] == ["违法生产未责令停产整顿"]
    assert one(unlawful=True, fine_yuan=100000.0, suspended=True)["compliant"] is True


def test_penalty_above_the_limit_satisfies():
    assert one(unlawful=True, suspended=True, fine_yuan=120000.0)["compliant"] is True


def test_penalty_amounts_are_readable():
    row = one(unlawful=True, suspended=True, fine_yuan=5000.0, fine_max_yuan=30000.0)
    assert row["gaps"] == ["未按上限处罚: 罚款 5000元, 上限 3万元"]
    row = one(unlawful=True, suspended=True, fine_yuan=125000.0, fine_max_yuan=2000000.0)
    assert row["gaps"] == ["未按上限处罚: 罚款 12.5万元, 上限 200万元"]


def test_criminal_requires_transfer_alone():
    row = one(criminal=True)
    assert required(row) == (False, False, False, True)
    assert row["gaps"] == ["涉嫌犯罪未移送司法机关"]
    assert one(criminal=True, transferred=True)["compliant"] is True


def test_missing_fine_ceiling_is_a_gap_where_penalty_is_required():
    row = one(unlawful=True, suspended=True, fine_yuan=50000.0, fine_max_yuan=None)
    assert row["compliant"] is False
    assert row["taken_penalty"] is None
    assert row["gaps"] == ["处罚上限数据缺失"]
    row = one(unlawful=True, suspended=True, fine_yuan=None)
    assert row["gaps"] == ["罚款金额缺失"]


def test_missing_amounts_do_not_matter_where_penalty_is_not_required():
    row = one(criminal=True, transferred=True, fine_yuan=None, fine_max_yuan=None)
    assert row["compliant"] is True and row["gaps"] == []


def test_closure_subsumes_suspension():
    row = one(illegal=True, unlawful=True, fine_yuan=100000.0)
    assert row["required_close"] is True and row["required_suspend"] is False
    assert row["gaps"] == ["非法生产未关闭取缔"]
    # and closing satisfies a required suspension
    assert one(unlawful=True, closed=True, fine_yuan=100000.0)["compliant"] is True


def test_case_requiring_nothing_is_compliant():
    row = one()
    assert required(row) == (False, False, False, False)
    assert row["requires_measure"] is False and row["compliant"] is True


# --- the repeat rule (安全生产法第一百一十三条) ------------------------------------------------


def fined(day: dt.date, case_id: str, **kw: Any) -> dict[str, Any]:
    return {"case_id": case_id, "found_on": day, "major_hazard": True, "fine_yuan": 20000.0, **kw}


def repeat_row(days_back: list[int], **last: Any) -> dict[str, Any]:
    """Fined major-hazard cases `days_back` days before DAY, then the case on DAY."""
    rows = [fined(DAY - dt.timedelta(days=d), f"P{i}") for i, d in enumerate(days_back)]
    rows.append(fined(DAY, "Z", **last))
    result = run(*rows)
    return result.cases.filter(pl.col("case_id") == "Z").row(0, named=True)


def test_three_fines_within_180_days_require_closure():
    row = repeat_row([180, 90])
    assert row["repeat_fines_180"] == 3 and row["required_close"] is True
    assert row["gaps"] == ["重大隐患屡罚不改（180日内受罚3次）未提请关闭"]


def test_three_fines_with_the_first_181_days_before_do_not():
    row = repeat_row([181, 90])
    assert row["repeat_fines_180"] == 2 and row["repeat_fines_365"] == 3
    assert row["required_close"] is False


def test_four_fines_within_365_days_require_closure():
    row = repeat_row([365, 300, 200])
    assert row["repeat_fines_180"] == 1 and row["repeat_fines_365"] == 4
    assert row["required_close"] is True
    assert row["gaps"] == ["重大隐患屡罚不改（365日内受罚4次）未提请关闭"]


def test_four_fines_with_the_first_366_days_before_do_not():
    row = repeat_row([366, 300, 200])
    assert row["repeat_fines_365"] == 3 and row["required_close"] is False


def test_three_fines_within_365_spread_beyond_180_do_not():
    row = repeat_row([300, 200])
    assert row["repeat_fines_365"] == 3 and row["required_close"] is False


def test_same_day_cases_count_for_each_other():
    result = run(fined(DAY - dt.timedelta(days=10), "P1"), fined(DAY, "A"), fined(DAY, "B"))
    cases = result.cases
    assert cases["repeat_fines_180"].to_list() == [3, 3, 1]  # A, B, P1 (sorted by id)
    assert cases["required_close"].to_list() == [True, True, False]


def test_repeat_rule_counts_only_fined_major_hazard_cases_of_the_same_enterprise():
    rows = [
        fined(DAY - dt.timedelta(days=30), "P1"),
        fined(DAY - dt.timedelta(days=20), "P2", fine_yuan=0.0),  # not fined
        fined(DAY - dt.timedelta(days=10), "P3", major_hazard=False),  # no major hazard
        fined(DAY - dt.timedelta(days=5), "P4", enterprise_id="E2"),  # another enterprise
        fined(DAY, "Z", fine_yuan=None),  # the case itself, fine unknown: does not count
    ]
    z = run(*rows).cases.filter(pl.col("case_id") == "Z").row(0, named=True)
    assert z["repeat_fines_180"] == 1 and z["required_close"] is False


def test_repeat_rule_counts_cases_of_earlier_years():
    rows = [fined(dt.date(2023, 11, 1), "P1"), fined(dt.date(2023, 12, 20), "P2"), fined(DAY, "Z")]
    rows[-1]["found_on"] = dt.date(2024, 2, 1)
    result = run(*rows)
    assert result.cases["case_id"].to_list() == ["Z"]  # only the year's cases are listed
    assert result.cases["required_close"].to_list() == [True]


def test_a_case_without_the_qualifying_flags_still_requires_closure():
    rows = [fined(DAY - dt.timedelta(days=d), f"P{d}") for d in (40, 20, 10)]
    rows.append({"case_id": "Z", "found_on": DAY})  # no hazard, no fine
    z = run(*rows).cases.filter(pl.col("case_id") == "Z").row(0, named=True)
    assert z["repeat_fines_180"] == 3 and z["required_close"] is True


def test_repeat_windows_come_from_the_rulebook():
    from accountability.rulebook.model import DatedValue, Parameter, Rulebook

    param = RULES["four_musts.repeat_windows"]
    changed = Parameter(
        key=param.key,
        label=param.label,
        basis=param.basis,
        values=(DatedValue(None, [{"days": 30, "fines": 2}]),),
        unit=param.unit,
    )
    book = Rulebook("test", {**RULES.parameters, param.key: changed})
    rows = [fined(DAY - dt.timedelta(days=30), "P1"), fined(DAY, "Z")]
    result = four_musts(dataset(*rows), book, 2024)
    z = result.cases.filter(pl.col("case_id") == "Z").row(0, named=True)
    assert z["repeat_fines_30"] == 2 and z["required_close"] is True
    assert z["gaps"] == ["重大隐患屡罚不改（30日内受罚2次）未提请关闭"]


# --- output shape, roll-ups, line items ---------------------------------------------------


def test_case_columns_in_contract_order():
    result = run({})
    assert result.cases.columns == [
        *CASE_COLUMNS,
        "repeat_fines_180",
        "repeat_fines_365",
        "repeat_findings_3m",
    ]
    assert result.cases.schema["gaps"] == pl.List(pl.String())
    assert result.cases.schema["compliant"] == pl.Boolean()


def test_enterprise_name_from_enterprises():
    enterprises = pl.DataFrame(
        {"enterprise_id": ["E1"], "name": ["甲煤矿"]},
        schema={"enterprise_id": pl.String, "name": pl.String},
    )
    result = run({}, {"enterprise_id": "E9"}, {"enterprise_id": None}, enterprises=enterprises)
    assert result.cases["enterprise_name"].to_list() == ["甲煤矿", None, None]


def test_only_cases_found_in_the_year():
    result = run({"found_on": dt.date(2023, 12, 31)}, {"found_on": dt.date(2024, 1, 1)})
    assert result.cases["found_on"].to_list() == [dt.date(2024, 1, 1)]


def test_by_region_rolls_up_county_into_city_and_province():
    rows = [
        {"region_code": "430902", "illegal": True, "closed": True, "fine_yuan": 100000.0},
        {"region_code": "430902", "criminal": True},  # gap
        {"region_code": "430903", "unlawful": True, "fine_yuan": 100000.0, "suspended": True},
        {"region_code": "430903"},  # requires nothing
    ]
    by_region = {r["region_code"]: r for r in run(*rows).by_region.iter_rows(named=True)}
    assert set(by_region) == {"430000", "430900", "430902", "430903"}
    zy, hs, city, prov = (
        by_region["430902"],
        by_region["430903"],
        by_region["430900"],
        by_region["430000"],
    )
    assert (zy["cases"], zy["cases_requiring"], zy["compliant"]) == (2, 2, 1)
    assert zy["compliance_rate"] == 0.5 and zy["noncompliant_case_ids"] == ["C002"]
    assert zy["gap_not_transferred"] == 1
    assert (hs["cases"], hs["cases_requiring"], hs["compliant"]) == (2, 1, 1)
    assert hs["compliance_rate"] == 1.0
    for parent in (city, prov):
        assert (parent["cases"], parent["cases_requiring"], parent["compliant"]) == (4, 3, 2)
        assert parent["noncompliant_case_ids"] == ["C002"]
        assert parent["gap_not_transferred"] == 1
    assert city["name"] == "益阳市" and city["level"] == "市"


def test_every_region_appears_with_zeros_and_null_rate():
    by_region = run({"region_code": "430902"}).by_region
    hs = by_region.filter(pl.col("region_code") == "430903").row(0, named=True)
    assert hs["cases"] == 0 and hs["cases_requiring"] == 0 and hs["compliance_rate"] is None
    assert hs["noncompliant_case_ids"] == []
    zy = by_region.filter(pl.col("region_code") == "430902").row(0, named=True)
    assert zy["cases"] == 1 and zy["compliance_rate"] is None  # nothing required
    assert by_region.columns == [
        "region_code", "name", "level", "cases", "cases_requiring", "compliant",
        "compliance_rate", "noncompliant_case_ids", *GAP_COLUMNS,
    ]  # fmt: skip


def test_by_region_without_regions_table_uses_case_regions():
    result = run({"region_code": "430902", "criminal": True}, regions=False)
    assert result.by_region["region_code"].to_list() == ["430902"]
    assert result.by_region["gap_not_transferred"].to_list() == [1]


def test_by_department():
    rows = [
        {"department": "应急管理局", "criminal": True},
        {"department": "应急管理局", "criminal": True, "transferred": True},
        {"department": "某新部门", "illegal": True, "fine_yuan": None},
    ]
    result = run(*rows)
    dept = {r["department"]: r for r in result.by_department.iter_rows(named=True)}
    assert dept["应急管理局"]["compliance_rate"] == 0.5
    new = dept["某新部门"]
    assert (new["gap_not_closed"], new["gap_penalty_unknown"], new["compliant"]) == (1, 1, 0)
    # every department of the rulebook's map is listed, with zeros where no case
    assert dept["教育局"]["cases"] == 0 and dept["教育局"]["compliance_rate"] is None
    rd = result.by_region_department.filter(pl.col("region_code") == "430900")
    assert rd["department"].to_list() == ["应急管理局", "某新部门"]


def test_line_items_one_per_gap():
    rows = [
        {"case_id": "K1", "illegal": True, "failed_rectification": True, "fine_yuan": None},
        {"case_id": "K2", "criminal": True, "transferred": True},
    ]
    items = run(*rows).line_items
    assert items.schema == pl.Schema(LINE_ITEM_SCHEMA)
    assert items["subject_id"].to_list() == ["K1"] * 3
    assert set(items["subject_type"]) == {"case"} and set(items["scorer"]) == {"four_musts"}
    assert items["points"].to_list() == [0.0, 0.0, 0.0]
    assert sorted(items["reason"]) == sorted(
        ["非法生产未关闭取缔", "停产整顿后仍不合格未提请关闭", "罚款金额缺失"]
    )
    assert items["evidence"].to_list() == [["K1"]] * 3
    assert set(items["rule_id"]) == {"four_musts.close", "four_musts.penalty_data"}
    assert all(b.startswith(NOTICE_2012) for b in items["basis"])


def test_repeat_line_item_cites_the_rulebook():
    rows = [fined(DAY - dt.timedelta(days=d), f"P{d}") for d in (20, 10)] + [fined(DAY, "Z")]
    items = run(*rows).line_items.filter(pl.col("subject_id") == "Z")
    assert items["basis"].to_list() == [RULES.for_year(2024).basis("four_musts.repeat_windows")]
    assert items["rule_id"].to_list() == ["four_musts.close_repeat"]


def test_no_cases():
    result = four_musts(Dataset(tables={"cases": cases_frame(), "regions": REGIONS}, as_of=AS_OF))
    assert result.cases.height == 0 and result.line_items.height == 0
    assert result.by_region["cases"].to_list() == [0, 0, 0, 0]
    assert result.year == 2024  # the last year ended by as_of 2025-01-15


def test_missing_cases_table_names_it():
    from accountability.errors import DatasetError

    with pytest.raises(DatasetError, match="cases"):
        four_musts(Dataset(tables={"regions": REGIONS}, as_of=AS_OF), RULES, 2024)


def test_required_measures_takes_all_rows_given():
    frame = cases_frame({"found_on": dt.date(2020, 1, 1), "illegal": True}, {})
    out = required_measures(frame.lazy(), RULES.for_year(2024)).collect()
    assert out.height == 2 and out["required_close"].to_list() == [True, False]
    assert out["case_id"].to_list() == ["C001", "C002"]


def test_gaps_empty_exactly_when_compliant():
    rows = [
        {"illegal": True}, {"unlawful": True}, {"criminal": True}, {"failed_rectification": True},
        {"unlawful": True, "suspended": True, "fine_yuan": 1e5}, {},
    ]  # fmt: skip
    cases = run(*rows).cases
    assert (cases["gaps"].list.len() == 0).to_list() == cases["compliant"].to_list()


# --- properties ---------------------------------------------------------------------------

FLAGS = ("illegal", "unlawful", "failed_rectification", "criminal", "major_hazard")
MEASURE_FLAGS = ("suspended", "closed", "transferred")

case_rows = st.lists(
    st.fixed_dictionaries(
        {
            **{f: st.booleans() for f in (*FLAGS, *MEASURE_FLAGS)},
            "enterprise_id": st.sampled_from(["E1", "E2", None]),
            "region_code": st.sampled_from(["430902", "430903"]),
            "department": st.sampled_from(["应急管理局", "交通运输局"]),
            "found_on": st.integers(0, 500).map(
                lambda d: dt.date(2023, 9, 1) + dt.timedelta(days=d)
            ),
            "fine_yuan": st.one_of(st.none(), st.sampled_from([0.0, 5000.0, 50000.0, 100000.0])),
            "fine_max_yuan": st.one_of(st.none(), st.sampled_from([50000.0, 100000.0])),
        }
    ),
    min_size=1,
    max_size=12,
)

PROPERTY = settings(max_examples=20, deadline=None)


def _measures(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return required_measures(cases_frame(*rows).lazy(), RULES.for_year(2024)).collect()


@PROPERTY
@given(case_rows, st.data())
def test_taking_a_measure_never_breaks_compliance(rows, data):
    i = data.draw(st.integers(0, len(rows) - 1))
    flag = data.draw(st.sampled_from(MEASURE_FLAGS))
    before = _measures(rows)
    rows[i] = {**rows[i], flag: True}
    after = _measures(rows)
    was = before["compliant"].to_list()
    now = after["compliant"].to_list()
    assert all(n for w, n in zip(was, now, strict=True) if w)


@PROPERTY
@given(case_rows, st.data())
def test_adding_a_flag_never_makes_requirements_less_severe(rows, data):
    i = data.draw(st.integers(0, len(rows) - 1))
    flag = data.draw(st.sampled_from(["illegal", "unlawful", "criminal", "failed_rectification"]))
    before = _measures(rows).row(i, named=True)
    rows[i] = {**rows[i], flag: True}
    after = _measures(rows).row(i, named=True)
    for measure in ("close", "penalty", "accountability"):
        assert after[f"required_{measure}"] >= before[f"required_{measure}"]
    # closure subsumes suspension
    if before["required_suspend"]:
        assert after["required_suspend"] or after["required_close"]


@PROPERTY
@given(case_rows)
def test_cases_requiring_nothing_are_compliant(rows):
    out = _measures(rows).filter(~pl.col("requires_measure"))
    assert out["compliant"].all()
    assert (out["gaps"].list.len() == 0).all()


@PROPERTY
@given(case_rows, st.randoms(use_true_random=False))
def test_row_order_never_changes_results(rows, rnd):
    rows = [{**r, "case_id": f"C{i:03d}"} for i, r in enumerate(rows)]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    a, b = run(*rows), run(*shuffled)
    for name in ("cases", "by_region", "by_department", "line_items", "by_region_department"):
        assert getattr(a, name).equals(getattr(b, name)), name


@PROPERTY
@given(case_rows)
def test_repeat_counts_match_a_plain_count(rows):
    """The vectorised windows count what the Readings say, checked against a plain loop."""
    rows = [{**r, "case_id": f"C{i:03d}"} for i, r in enumerate(rows)]
    out = _measures(rows)
    for row, got in zip(rows, out.iter_rows(named=True), strict=True):
        for days in (180, 365):
            expected = (
                0
                if row["enterprise_id"] is None
                else sum(
                    1
                    for other in rows
                    if other["enterprise_id"] == row["enterprise_id"]
                    and other["major_hazard"]
                    and (other["fine_yuan"] or 0) > 0
                    and 0 <= (row["found_on"] - other["found_on"]).days <= days
                )
            )
            assert got[f"repeat_fines_{days}"] == expected


def test_default_year_is_the_last_year_ended_by_as_of():
    """Like dual_duty: as_of 2025-01-15 assesses 2024 (a year-end assessment)."""
    data = dataset({"found_on": dt.date(2024, 5, 1)})
    assert four_musts(data, RULES).year == 2024
    assert four_musts(data, RULES).cases.height == 1
