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


# --- the lifecycle metrics C5–C8 -------------------------------------------------------------

H = "430903"
REGION_ROWS = [
    {"region_code": CITY, "name": "益阳市", "parent_code": None, "level": "市"},
    {"region_code": Z, "name": "资阳区", "parent_code": CITY, "level": "县"},
    {"region_code": H, "name": "赫山区", "parent_code": CITY, "level": "县"},
]
ENTERPRISE = {"enterprise_id": "E1", "name": "甲", "region_code": Z, "sector": "工矿商贸其他",
              "employees": 10}  # fmt: skip


def inspection(iid: str, on: dt.date, region: str = Z) -> dict:
    return {"inspection_id": iid, "enterprise_id": "E1", "region_code": region,
            "department": "应急管理局", "inspected_on": on}  # fmt: skip


def found(hid: str, on: dt.date, by: str | None = "上级检查", **kw: object) -> dict:
    return {"hazard_id": hid, "enterprise_id": "E1", "region_code": Z, "sector": "工矿商贸其他",
            "level": "重大", "found_on": on, "due_on": on + dt.timedelta(days=30),
            "found_by": by, **kw}  # fmt: skip


def assess(hazards, inspections=(), rules=None, enterprises=(ENTERPRISE,)) -> acc.Assessment:
    from builders import dataset

    data = dataset(D(2025, 3, 1), regions=REGION_ROWS, hazards=list(hazards),
                   inspections=list(inspections), enterprises=list(enterprises))  # fmt: skip
    return acc.assess(data, rules, year=2024)


def metric(result: acc.Assessment, rule_id: str, region: str = Z) -> dict:
    return result.hazard_metrics.filter(
        (pl.col("region_code") == region) & (pl.col("metric") == rule_id)
    ).row(0, named=True)


def test_found_not_found_looks_back_180_days_not_181():
    day = D(2024, 7, 1)
    result = assess(
        [found("F180", day), found("F181", day + dt.timedelta(days=1)), found("F0", day)],
        [inspection("I1", day - dt.timedelta(days=180))],
    )
    c5 = metric(result, "C5")
    # F0 and F180 were found 180 days after the inspection I1 (both count); F181, 181 days
    assert c5["evidence"] == ["F0", "F180"] and c5["numerator"] == 2
    assert c5["denominator"] == 3  # every 重大 hazard a higher level found
    lookbacks = result.hazard_lookbacks
    assert set(lookbacks["hazard_id"]) == {"F0", "F180"}
    assert set(lookbacks["days_before"]) == {180}


def test_found_not_found_needs_an_inspection_at_least_a_day_before():
    day = D(2024, 7, 1)
    same_day = assess([found("F", day)], [inspection("I1", day)])
    assert metric(same_day, "C5")["numerator"] == 0


def test_found_not_found_counts_inspections_of_the_region_or_above_not_a_sibling():
    day = D(2024, 7, 1)
    before = day - dt.timedelta(days=10)
    city = assess([found("F", day)], [inspection("IC", before, region=CITY)])
    assert metric(city, "C5")["numerator"] == 1  # the city's department inspected
    sibling = assess([found("F", day)], [inspection("IH", before, region=H)])
    assert metric(sibling, "C5")["numerator"] == 0  # 赫山区's department: not above 资阳区
    self_found = assess([found("F", day, by="企业自查")], [inspection("I", before)])
    assert metric(self_found, "C5")["numerator"] == 0  # found by the enterprise itself
    assert metric(city, "C5", CITY)["numerator"] == 1  # the city includes its county


def test_the_stock_is_what_the_vintage_year_left_open():
    hz = [
        found("S1", D(2023, 12, 31), by=None),  # stock, never closed
        found("S2", D(2023, 5, 1), by=None, rectified_on=D(2024, 3, 1)),  # stock, cleared
        found("S3", D(2023, 5, 1), by=None, rectified_on=D(2023, 12, 31)),  # closed in time
        found("N1", D(2024, 1, 1), by=None),  # found after the vintage year
    ]
    c6 = metric(assess(hz), "C6")
    assert (c6["numerator"], c6["denominator"], c6["evidence"]) == (1, 2, ["S1"])


def test_the_self_found_share_leaves_out_unknown_finders_and_says_how_many():
    hz = [found("A", D(2024, 3, 1), by="企业自查"), found("B", D(2024, 3, 1), by="属地检查"),
          found("C", D(2024, 3, 1), by=None)]  # fmt: skip
    c7 = metric(assess(hz), "C7")
    assert (c7["value"], c7["numerator"], c7["denominator"], c7["left_out"]) == (0.5, 1, 2, 1)


def test_new_major_hazards_per_hundred_enterprises_in_operation():
    ents = [{**ENTERPRISE, "enterprise_id": f"E{i}"} for i in range(1, 5)]
    ents.append({**ENTERPRISE, "enterprise_id": "GONE", "status": "关闭",
                 "closed_on": D(2023, 6, 1)})  # fmt: skip
    c8 = metric(assess([found("A", D(2024, 3, 1))], enterprises=ents), "C8")
    assert (c8["numerator"], c8["denominator"], c8["value"]) == (1, 4, 25.0)


def test_metrics_report_without_points_and_deduct_when_the_rulebook_says_so():
    day = D(2024, 7, 1)
    hz, insp = [found("F", day)], [inspection("I1", day - dt.timedelta(days=30))]
    plain = assess(hz, insp)
    assert "C5" not in set(plain.line_items["rule_id"])  # 0 points: no line item
    book = acc.rulebook()
    params = dict(book.parameters)
    params["annual.c5_points_per_hazard"] = attrs.evolve(
        params["annual.c5_points_per_hazard"], values=(DatedValue(None, 0.5),), basis="某省细则"
    )
    scored = assess(hz, insp, acc.Rulebook(name="c5", parameters=params))
    c5 = scored.line_items.filter((pl.col("subject_id") == Z) & (pl.col("rule_id") == "C5"))
    assert c5["points"].item() == -0.5 and "某省细则" in c5["basis"].item()
    explained = scored.explain(Z)
    assert "应发现未发现（倒查）" in explained and "I1，早 30 天" in explained


def test_metrics_do_not_depend_on_row_order():
    day = D(2024, 7, 1)
    hz = [found(f"F{i}", day - dt.timedelta(days=i)) for i in range(6)]
    insp = [inspection(f"I{i}", day - dt.timedelta(days=20 * i)) for i in range(1, 5)]
    a, b = assess(hz, insp), assess(hz[::-1], insp[::-1])
    assert a.hazard_metrics.equals(b.hazard_metrics)
    assert a.hazard_lookbacks.equals(b.hazard_lookbacks)


# --- properties ---------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_hazard = st.fixed_dictionaries(
    {
        "level": st.sampled_from(["一般", "重大"]),
        "found": st.integers(0, 700),
        "due_after": st.integers(0, 120),
        "done_after": st.one_of(st.none(), st.integers(0, 200)),
        "listed": st.booleans(),
        "extension": st.one_of(st.none(), st.integers(1, 60)),
        "approved": st.booleans(),
    }
)


def _rows(specs: list[dict]) -> list[dict]:
    start = D(2023, 3, 1)
    rows = []
    for i, h in enumerate(specs):
        found_on = start + dt.timedelta(days=h["found"])
        due = found_on + dt.timedelta(days=h["due_after"])
        done = None if h["done_after"] is None else found_on + dt.timedelta(days=h["done_after"])
        rows.append({"hazard_id": f"H{i:02d}", "region_code": Z, "sector": "工矿商贸其他",
                     "level": h["level"], "found_on": found_on, "due_on": due,
                     "rectified_on": done, "listed": h["listed"],
                     "extended_to": None if h["extension"] is None
                     else due + dt.timedelta(days=h["extension"]),
                     "extension_approved": h["approved"]})  # fmt: skip
    return rows


def _c_points(rows: list[dict]) -> float:
    out = items(rows)
    return out.filter(pl.col("region_code") == Z)["points"].sum()


@settings(max_examples=25, deadline=None)
@given(st.lists(_hazard, min_size=1, max_size=12), st.data())
def test_rectifying_a_hazard_earlier_never_lowers_the_section(specs, data):
    rows = _rows(specs)
    done = [i for i, r in enumerate(rows) if r["rectified_on"] is not None]
    if not done:
        return
    i = data.draw(st.sampled_from(done))
    days = data.draw(st.integers(1, 60))
    earlier = [dict(r) for r in rows]
    earlier[i]["rectified_on"] = max(
        earlier[i]["found_on"], earlier[i]["rectified_on"] - dt.timedelta(days=days)
    )
    assert _c_points(earlier) >= _c_points(rows) - 1e-9
