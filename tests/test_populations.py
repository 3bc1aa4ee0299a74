"""Which accidents a family counts: ``annual.accident_population``,
``enterprise.accident_population`` and ``dual_duty.accident_population`` list the
accident flags that must all be true.  The default counts 责任事故 (``liability``);
a rulebook may count only 生产经营性 ones (``production_related``) as well."""

from __future__ import annotations

import datetime as dt

import attrs
import polars as pl
from builders import dataset

import accountability as acc
from accountability.rulebook.model import DatedValue

D = dt.date
CITY, Z = "430900", "430902"
REGIONS = [
    {"region_code": CITY, "name": "益阳市", "parent_code": None, "level": "市"},
    {"region_code": Z, "name": "资阳区", "parent_code": CITY, "level": "县"},
]
ENTERPRISE = {"enterprise_id": "E1", "name": "甲", "region_code": Z, "sector": "工矿商贸其他",
              "employees": 10}  # fmt: skip
OFFICIAL = {"official_id": "O1", "name": "张", "region_code": Z, "role": "政府主要负责人"}


def production_related_only() -> acc.Rulebook:
    book = acc.rulebook()
    params = dict(book.parameters)
    for family in ("annual", "enterprise", "dual_duty"):
        key = f"{family}.accident_population"
        value = (DatedValue(None, ["liability", "production_related"]),)
        params[key] = attrs.evolve(params[key], values=value, basis="某省办法：只计生产经营性事故")
    return acc.Rulebook(name="生产经营性", parameters=params)


def data(**accident: object) -> acc.Dataset:
    row = {"accident_id": "L1", "region_code": Z, "enterprise_id": "E1", "deaths": 3,
           "sector": "工矿商贸其他", "occurred_on": D(2024, 5, 1), **accident}  # fmt: skip
    return dataset(D(2025, 3, 1), regions=REGIONS, enterprises=[ENTERPRISE],
                   officials=[OFFICIAL], duty_records=[], accidents=[row])  # fmt: skip


def counted(result: acc.Assessment) -> dict[str, float]:
    items = result.line_items
    a4 = items.filter((pl.col("subject_id") == Z) & (pl.col("rule_id") == "A4"))["points"]
    ent = items.filter(pl.col("rule_id") == "enterprise.accident_larger")["points"]
    return {"A4": a4.item(), "enterprise": ent.sum(), "step": result.officials["step"].item()}


def test_the_default_counts_every_liability_accident():
    assert counted(acc.assess(data(production_related=False), year=2024)) == {
        "A4": -4.0, "enterprise": -40.0, "step": "约谈",
    }  # fmt: skip
    assert counted(acc.assess(data(liability=False), year=2024)) == {
        "A4": 0.0, "enterprise": 0.0, "step": None,
    }  # fmt: skip


def test_a_rulebook_may_count_only_production_related_accidents():
    book = production_related_only()
    assert counted(acc.assess(data(production_related=False), book, year=2024)) == {
        "A4": 0.0, "enterprise": 0.0, "step": None,
    }  # fmt: skip
    result = acc.assess(data(production_related=True), book, year=2024)
    assert counted(result) == {"A4": -4.0, "enterprise": -40.0, "step": "约谈"}
    a4 = result.line_items.filter((pl.col("subject_id") == Z) & (pl.col("rule_id") == "A4"))
    assert "某省办法：只计生产经营性事故" in a4["basis"].item()  # the population is cited
    # an empty cell of the flag is the column's default (生产经营性)
    assert counted(acc.assess(data(production_related=None), book, year=2024))["A4"] == -4.0
