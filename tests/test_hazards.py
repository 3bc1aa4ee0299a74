"""The hidden-hazard lifecycle: the effective deadline (an approved extension moves it),
the day a hazard is closed (验收销号, else rectified), and C3 — listed 重大 hazards
closed by their deadline — with the old listing share as a rulebook option."""

from __future__ import annotations

import datetime as dt

import attrs
import polars as pl
import pytest
from builders import frame

import accountability as acc
from accountability.rulebook.model import DatedValue
from accountability.scorers.annual import section_c

D = dt.date
CITY, Z = "430900", "430902"
REGIONS = frame("regions", [
    {"region_code": CITY, "name": "益阳市", "parent_code": None, "level": "市"},
    {"region_code": Z, "name": "资阳区", "parent_code": CITY, "level": "县"},
])  # fmt: skip


def major(hid: str, due: dt.date, **kw: object) -> dict:
    return {"hazard_id": hid, "region_code": Z, "sector": "工矿商贸其他", "level": "重大",
            "found_on": D(2024, 1, 5), "due_on": due, "listed": True, **kw}  # fmt: skip


def items(hazards: list[dict], rules: acc.Rulebook | None = None) -> pl.DataFrame:
    return section_c(frame("hazards", hazards), REGIONS, rules, 2024).collect()


def rule(items: pl.DataFrame, rule_id: str, region: str = Z) -> dict:
    return items.filter((pl.col("region_code") == region) & (pl.col("rule_id") == rule_id)).row(
        0, named=True
    )


def with_measure(value: str) -> acc.Rulebook:
    book = acc.rulebook()
    params = dict(book.parameters)
    params["annual.c3_measure"] = attrs.evolve(
        params["annual.c3_measure"], values=(DatedValue(None, value),)
    )
    return acc.Rulebook(name="c3", parameters=params)


# --- C3: listed 重大 hazards closed by their deadline ----------------------------------------


def test_c3_counts_listed_major_hazards_due_in_the_year_closed_by_the_deadline():
    hz = [
        major("V1", D(2024, 6, 1), rectified_on=D(2024, 5, 20), verified_on=D(2024, 6, 1)),
        major("V2", D(2024, 6, 1), rectified_on=D(2024, 5, 20), verified_on=D(2024, 6, 2)),
        major("R1", D(2024, 6, 1), rectified_on=D(2024, 6, 1)),  # no 销号: rectified counts
        major("N1", D(2024, 6, 1)),  # never closed
        major("U1", D(2024, 6, 1), listed=False),  # not listed: not counted
        major("Y1", D(2023, 6, 1), rectified_on=D(2023, 6, 1)),  # due last year
    ]
    c3 = rule(items(hz), "C3")
    assert c3["points"] == pytest.approx(-1.0)  # 2 × (1 − 2/4)
    assert c3["evidence"] == ["N1", "V2"]
    assert c3["reason"].startswith("整改期限在本年的挂牌督办重大隐患 4 项，按期销号 2 项")


def test_an_approved_extension_moves_the_deadline_an_unapproved_one_does_not():
    late = {"rectified_on": D(2024, 6, 20)}
    hz = [
        major("A1", D(2024, 6, 1), extended_to=D(2024, 6, 30), extension_approved=True, **late),
        major("A2", D(2024, 6, 1), extended_to=D(2024, 6, 30), extension_approved=False, **late),
    ]
    c3 = rule(items(hz), "C3")
    assert c3["evidence"] == ["A2"] and c3["points"] == pytest.approx(-1.0)


def test_an_extension_into_next_year_takes_the_hazard_out_of_this_years_c3_and_c4():
    hz = [major("X1", D(2024, 11, 1), extended_to=D(2025, 1, 31), extension_approved=True)]
    out = items(hz)
    assert "无到期的挂牌督办重大隐患" in rule(out, "C3")["reason"]
    assert rule(out, "C4")["points"] == 0.0  # not overdue on 31 December
    out = items([major("X2", D(2024, 11, 1), extended_to=D(2025, 1, 31))])  # not approved
    assert rule(out, "C4")["points"] == -1.0


def test_no_listed_hazard_due_in_the_year_is_a_zero_point_note():
    c3 = rule(items([]), "C3")
    assert c3["points"] == 0.0 and "无到期的挂牌督办重大隐患" in c3["reason"]


def test_the_old_listing_share_stays_a_rulebook_option():
    hz = [major("L1", D(2024, 6, 1)), major("L2", D(2024, 6, 1), listed=False)]
    c3 = rule(items(hz, with_measure("挂牌率")), "C3")
    assert c3["points"] == pytest.approx(-1.0)  # 2 × (1 − 1/2)
    assert c3["reason"].startswith("本年发现重大隐患 2 项，挂牌督办 1 项")
    assert "annual.c3_measure" in acc.rulebook()


def test_rectifying_earlier_never_lowers_the_score():
    for day in range(1, 30):
        early = rule(items([major("E1", D(2024, 6, 15), rectified_on=D(2024, 6, day))]), "C3")
        later = rule(items([major("E1", D(2024, 6, 15), rectified_on=D(2024, 6, day + 1))]), "C3")
        assert early["points"] >= later["points"]
