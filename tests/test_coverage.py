"""Which years the data covers: `assess` refuses a year in whose period no dated table
has a row (every region would pass with full marks); a dated table present with no row
in the period keeps its section assessed, and is named in a warning and in the regions'
`data_gaps` (`incomplete` keeps its meaning: a table missing)."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import dataset

import accountability as acc

D = dt.date
CITY, Z = "430900", "430902"
REGIONS = [
    {"region_code": CITY, "name": "益阳市", "parent_code": None, "level": "市"},
    {"region_code": Z, "name": "资阳区", "parent_code": CITY, "level": "县"},
]
ACCIDENT = {"accident_id": "A1", "region_code": Z, "sector": "工矿商贸其他",
            "occurred_on": D(2024, 5, 1), "deaths": 1}  # fmt: skip
HAZARD = {"hazard_id": "H1", "region_code": Z, "sector": "工矿商贸其他", "level": "一般",
          "found_on": D(2023, 3, 1), "due_on": D(2024, 3, 1)}  # fmt: skip


def test_a_year_no_dated_table_covers_is_refused():
    data = dataset(D(2025, 3, 1), regions=REGIONS, accidents=[ACCIDENT], hazards=[HAZARD])
    with pytest.raises(acc.DatasetError, match="2014-01-01 至 2014-12-31"):
        acc.assess(data, year=2014)


def test_a_table_without_rows_in_the_period_is_a_gap_not_a_rescale():
    data = dataset(D(2025, 3, 1), regions=REGIONS, accidents=[ACCIDENT], hazards=[HAZARD])
    result = acc.assess(data, year=2024)
    z = result.regions.filter(region_code=Z).row(0, named=True)
    assert z["data_gaps"] == ["hazards"]  # found only in 2023 (its deadline is no event)
    assert z["C"] is not None and "C" not in z["unassessed_sections"]  # C still assessed
    warning = result.warnings.filter(rule="no_rows_in_period").row(0, named=True)
    assert warning["table"] == "hazards" and "2023-03-01 至 2023-03-01" in warning["message"]
    assert acc.assess(data, year=2023).regions["data_gaps"].to_list() == [
        ["accidents"],
        ["accidents"],
    ]


def test_adjustments_never_cover_a_year():
    adjustment = {"subject_type": "region", "subject_id": Z, "year": 2014, "points": 1.0,
                  "reason": "加分", "basis": "x"}  # fmt: skip
    data = dataset(D(2025, 3, 1), regions=REGIONS, accidents=[ACCIDENT],
                   adjustments=[adjustment])  # fmt: skip
    with pytest.raises(acc.DatasetError):
        acc.assess(data, year=2014)


def test_a_dataset_of_regions_alone_has_nothing_to_cover():
    result = acc.assess(dataset(D(2025, 3, 1), regions=REGIONS), year=2024)
    assert result.regions["score"].null_count() == 2  # unassessed, as before
