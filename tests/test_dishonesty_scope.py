"""严重失信 applies only in the sectors of 应急管理部令第11号第二条 (rule
enterprise.dishonest, parameter enterprise.dishonest_sectors): 煤矿, 非煤矿山, 危险化学品,
烟花爆竹 and 工矿商贸其他 in this library's sector list.  Elsewhere `dishonest` is null
(不适用) and dishonesty does not force class D.
"""

from __future__ import annotations

import datetime as dt

import builders
import pytest

from accountability.scorers.enterprise import enterprise_ratings

AS_OF = dt.date(2025, 3, 1)


def rated(sector: str) -> dict:
    enterprise = {"enterprise_id": "E1", "name": "甲", "region_code": "430902",
                  "sector": sector, "employees": 50, "standardization_level": "三级"}  # fmt: skip
    concealed = {"accident_id": "S1", "region_code": "430902", "enterprise_id": "E1",
                 "sector": sector, "occurred_on": dt.date(2024, 6, 1), "deaths": 1,
                 "concealed": True}  # fmt: skip
    data = builders.dataset(AS_OF, enterprises=[enterprise], accidents=[concealed])
    return enterprise_ratings(data, None, 2024).enterprises.row(0, named=True)


@pytest.mark.parametrize("sector", ["煤矿", "非煤矿山", "危险化学品", "烟花爆竹", "工矿商贸其他"])
def test_a_concealed_accident_makes_an_enterprise_of_the_listed_sectors_dishonest(sector):
    row = rated(sector)
    assert row["dishonest"] is True and row["risk_class"] == "D"


@pytest.mark.parametrize("sector", ["建筑施工", "道路交通", "水上交通", "消防", "校车"])
def test_elsewhere_dishonesty_does_not_apply(sector):
    row = rated(sector)
    assert row["dishonest"] is None
    assert row["dishonest_reasons"] == [
        "不适用：行业领域不在严重失信主体名单管理范围（应急管理部令第11号第二条）"
    ]
    assert row["risk_class"] == "B"  # 100 − 15 (a fatal 一般 accident) + 2 (三级) = 87
