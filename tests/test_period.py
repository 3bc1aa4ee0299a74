"""The assessment period P(Y): ``annual.period_start`` (default 01-01, the calendar
year; 12-01 means 1 December of Y−1 to 30 November of Y) bounds every dated count of
every family `assess` runs, and the values in force on its last day apply.
"""

from __future__ import annotations

import datetime as dt

import attrs
import polars as pl
import pytest
from builders import dataset

import accountability as acc
from accountability.rulebook.model import DatedValue
from accountability.rules.model import Context, assessment_period

D = dt.date
CITY, Z = "430900", "430902"
REGIONS = [
    {"region_code": CITY, "name": "益阳市", "parent_code": None, "level": "市"},
    {"region_code": Z, "name": "资阳区", "parent_code": CITY, "level": "县"},
]
AS_OF = D(2025, 3, 1)


def with_values(book: acc.Rulebook, **values) -> acc.Rulebook:
    """`book` with parameters replaced ("annual__period_start" for the key); a value
    may be a list of (from, value) pairs for dated values."""
    params = dict(book.parameters)
    for name, value in values.items():
        key = name.replace("__", ".")
        dated = value if isinstance(value, list) else [(None, value)]
        params[key] = attrs.evolve(params[key], values=tuple(DatedValue(*d) for d in dated))
    return acc.Rulebook(name=book.name, parameters=params)


DECEMBER = with_values(acc.rulebook(), annual__period_start="12-01")


def larger(aid: str, on: dt.date) -> dict:
    return {"accident_id": aid, "region_code": Z, "sector": "工矿商贸其他", "occurred_on": on,
            "deaths": 3}  # fmt: skip


def a4(result: acc.Assessment, region: str = Z) -> dict:
    return result.line_items.filter(
        (pl.col("subject_id") == region) & (pl.col("rule_id") == "A4")
    ).row(0, named=True)


# --- the period ------------------------------------------------------------------------------


def test_the_default_period_is_the_calendar_year():
    assert assessment_period(acc.rulebook(), 2024) == (D(2024, 1, 1), D(2024, 12, 31))


def test_a_december_start_runs_from_1_december_of_the_year_before_to_30_november():
    assert assessment_period(DECEMBER, 2024) == (D(2023, 12, 1), D(2024, 11, 30))
    assert Context.for_year(DECEMBER, 2024).label == "2023-12-01 至 2024-11-30"
    leap = with_values(acc.rulebook(), annual__period_start="03-01")
    assert assessment_period(leap, 2024) == (D(2023, 3, 1), D(2024, 2, 29))


@pytest.mark.parametrize(
    ("occurred_on", "in_2024"),
    [(D(2023, 11, 30), False), (D(2023, 12, 1), True), (D(2024, 11, 30), True),
     (D(2024, 12, 1), False)],
)  # fmt: skip
def test_an_accident_counts_in_the_period_that_holds_its_day(occurred_on, in_2024):
    # a minor accident of the city inside the period keeps the year covered
    minor = {**larger("M0", D(2024, 6, 1)), "region_code": CITY, "deaths": 0}
    data = dataset(AS_OF, regions=REGIONS, accidents=[larger("L1", occurred_on), minor])
    item = a4(acc.assess(data, DECEMBER, year=2024))
    assert item["points"] == (-4.0 if in_2024 else 0.0)


def test_year_on_year_compares_the_period_with_the_one_before():
    accidents = [larger("P1", D(2022, 12, 5)), larger("C1", D(2023, 12, 5)),
                 larger("C2", D(2024, 11, 5))]  # fmt: skip
    data = dataset(AS_OF, regions=REGIONS, accidents=accidents)
    a2 = (
        acc.assess(data, DECEMBER, year=2024)
        .line_items.filter((pl.col("subject_id") == Z) & (pl.col("rule_id") == "A2"))
        .row(0, named=True)
    )
    assert a2["reason"].startswith("与 2022-12-01 至 2023-11-30同比：事故起数 2 起（上年 1 起）")
    assert a2["evidence"] == ["C1", "C2", "P1"]


def test_an_overdue_major_hazard_is_judged_on_the_periods_last_day():
    hazard = {"hazard_id": "M1", "region_code": Z, "sector": "工矿商贸其他", "level": "重大",
              "found_on": D(2024, 1, 5), "due_on": D(2024, 11, 20),
              "rectified_on": D(2024, 12, 10)}  # fmt: skip
    data = dataset(AS_OF, regions=REGIONS, hazards=[hazard])
    calendar = acc.assess(data, year=2024).line_items
    december = acc.assess(data, DECEMBER, year=2024).line_items

    def c4(items: pl.DataFrame) -> float:
        return items.filter((pl.col("subject_id") == Z) & (pl.col("rule_id") == "C4"))[
            "points"
        ].item()

    assert c4(calendar) == 0.0  # rectified by 31 December
    assert c4(december) == -1.0  # not by 30 November


def test_the_values_in_force_on_the_periods_last_day_apply():
    book = with_values(
        DECEMBER,
        annual__a4_points_per_accident=[(D(2016, 1, 1), 4.0), (D(2024, 12, 1), 6.0)],
    )
    data = dataset(AS_OF, regions=REGIONS, accidents=[larger("L1", D(2024, 6, 1))])
    assert a4(acc.assess(data, book, year=2024))["points"] == -4.0  # 6 starts after 30 Nov


def test_every_family_counts_the_same_period():
    # an enterprise, its case and its 较大 accident in December 2023, an official above
    enterprise = {"enterprise_id": "E1", "name": "甲", "region_code": Z, "sector": "工矿商贸其他",
                  "employees": 10}  # fmt: skip
    case = {"case_id": "K1", "inspection_id": "I1", "enterprise_id": "E1", "region_code": Z,
            "department": "应急管理局", "found_on": D(2023, 12, 10), "illegal": True}  # fmt: skip
    official = {"official_id": "O1", "name": "张", "region_code": Z, "role": "政府主要负责人"}
    accident = {**larger("L1", D(2023, 12, 10)), "enterprise_id": "E1"}
    minor = {**larger("M0", D(2024, 6, 1)), "region_code": CITY, "deaths": 0}  # covers 2024
    data = dataset(AS_OF, regions=REGIONS, enterprises=[enterprise], cases=[case],
                   officials=[official], accidents=[accident, minor], duty_records=[])  # fmt: skip
    calendar = acc.assess(data, year=2024)
    december = acc.assess(data, DECEMBER, year=2024)
    assert calendar.cases.height == 0 and december.cases["case_id"].to_list() == ["K1"]
    assert calendar.officials["step"].to_list() == [None]
    assert december.officials["step"].to_list() == ["约谈"]  # the 较大 accident is attributed
    rules = set(december.line_items.filter(pl.col("subject_id") == "E1")["rule_id"])
    assert {"enterprise.accident_larger", "enterprise.case_illegal"} <= rules
    assert "enterprise.accident_larger" not in set(calendar.line_items["rule_id"])
    assert december.period == (D(2023, 12, 1), D(2024, 11, 30))
    assert "考核期 2023-12-01 至 2024-11-30" in december.explain(Z, "region")


def test_a_period_start_every_year_has_is_required(tmp_path):
    path = tmp_path / "p.toml"
    for bad in ("02-29", "13-01", "2024-12-01", "12-1"):
        path.write_text(
            f'extends = "default"\n[annual.period_start]\nvalue = "{bad}"\nbasis = "x"\n',
            encoding="utf-8",
        )
        with pytest.raises(acc.RulebookError, match=r"annual\.period_start"):
            acc.load_rulebook(path)
    path.write_text(
        'extends = "default"\n[annual.period_start]\nvalue = "12-01"\nbasis = "x"\n',
        encoding="utf-8",
    )
    assert acc.load_rulebook(path).for_year(2024)["annual.period_start"] == "12-01"


def test_assess_refuses_a_year_whose_period_has_not_begun():
    data = dataset(D(2024, 11, 15), regions=REGIONS, accidents=[])
    with pytest.raises(acc.DatasetError):
        acc.assess(data, year=2025)
    # 12-01: the period of 2025 begins on 2024-12-01, still after as_of
    with pytest.raises(acc.DatasetError):
        acc.assess(data, DECEMBER, year=2025)
    later = dataset(D(2024, 12, 15), regions=REGIONS, accidents=[larger("L1", D(2024, 12, 10))])
    result = acc.assess(later, DECEMBER, year=2025)  # begun, not ended: a warning
    assert "year_not_ended" in result.warnings["rule"].to_list()
