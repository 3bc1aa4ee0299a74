"""年度目标管理考核 (rules A1–E2): one hand-computed example per rule of sections A–E,
then section caps, the rescale, adjustments and clip, veto and yellow card by level,
the grade cap, ranks and veto_effect = "zero".

The section functions take frames, so 四个一律 (B1) and 一岗双责 (D1) are fed their
``cases`` / ``officials`` frames directly here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import polars as pl
import pytest
from builders import frame

from accountability.dataset import Dataset
from accountability.rulebook import DatedValue, Rulebook, rulebook
from accountability.scorers.annual import (
    annual,
    finish_regions,
    section_a,
    section_b,
    section_c,
    section_d,
    section_e,
)

# --- builders (also used by test_assessment.py) ------------------------------------------

D = dt.date
AS_OF = dt.date(2025, 3, 1)
YEAR = 2024

CITY, Z, H, N, T = "430900", "430902", "430903", "430921", "430922"
REGION_ROWS = [
    {"region_code": CITY, "name": "益阳市", "parent_code": None, "level": "市"},
    {"region_code": Z, "name": "资阳区", "parent_code": CITY, "level": "县"},
    {"region_code": H, "name": "赫山区", "parent_code": CITY, "level": "县"},
    {"region_code": N, "name": "南县", "parent_code": CITY, "level": "县"},
]


def regions(extra: list[dict[str, Any]] | None = None) -> pl.DataFrame:
    return frame("regions", REGION_ROWS + (extra or []))


def dataset(region_rows: list[dict[str, Any]] | None = None, **tables: Any) -> Dataset:
    out: dict[str, pl.DataFrame] = {"regions": regions(region_rows)}
    for name, rows in tables.items():
        out[name] = rows if isinstance(rows, pl.DataFrame) else frame(name, rows)
    return Dataset(tables=out, as_of=AS_OF)


def accident(aid: str, region: str, on: dt.date, **kw: Any) -> dict[str, Any]:
    return {
        "accident_id": aid,
        "region_code": region,
        "sector": kw.pop("sector", "工矿商贸其他"),
        "occurred_on": on,
        **kw,
    }


def with_params(base: Rulebook | None = None, **values: Any) -> Rulebook:
    """A rulebook with some parameters replaced (write "annual__veto_effect" for the key)."""
    book = base or rulebook()
    params = dict(book.parameters)
    for name, value in values.items():
        key = name.replace("__", ".")
        params[key] = attrs.evolve(params[key], values=(DatedValue(None, value),))
    return Rulebook(name=book.name + "（测试）", parameters=params)


def item(items: pl.DataFrame, region: str, rule: str) -> dict[str, Any]:
    col = "subject_id" if "subject_id" in items.columns else "region_code"
    rows = items.filter((pl.col(col) == region) & (pl.col("rule_id") == rule)).to_dicts()
    assert len(rows) == 1, (region, rule, rows)
    return rows[0]


def has_item(items: pl.DataFrame, region: str, rule: str) -> bool:
    col = "subject_id" if "subject_id" in items.columns else "region_code"
    return items.filter((pl.col(col) == region) & (pl.col("rule_id") == rule)).height > 0


def case_rows(region: str, requiring: int, noncompliant: list[str]) -> pl.DataFrame:
    """A 四个一律 ``cases`` frame for one region: `requiring` cases K1, K2, … that
    required a measure, those named in `noncompliant` not compliant."""
    ids = [f"K{i + 1}" for i in range(requiring)]
    return pl.DataFrame(
        {
            "case_id": ids,
            "region_code": [region] * requiring,
            "requires_measure": [True] * requiring,
            "compliant": [i not in noncompliant for i in ids],
        },
        schema={
            "case_id": pl.String,
            "region_code": pl.String,
            "requires_measure": pl.Boolean,
            "compliant": pl.Boolean,
        },
    )


def officials_frame(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    """A dual_duty ``officials`` frame: (official_id, region_code, fulfilment)."""
    return pl.DataFrame(
        {
            "official_id": [r[0] for r in rows],
            "region_code": [r[1] for r in rows],
            "fulfilment": [r[2] for r in rows],
        },
        schema={"official_id": pl.String, "region_code": pl.String, "fulfilment": pl.Float64},
    )


def items_frame(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    """Section line items (region, rule_id, points) for `finish_regions`."""
    return pl.DataFrame(
        {
            "region_code": [r[0] for r in rows],
            "rule_id": [r[1] for r in rows],
            "points": [float(r[2]) for r in rows],
            "reason": ["测试"] * len(rows),
            "basis": ["参考值"] * len(rows),
            "evidence": [[] for _ in rows],
        },
        schema={
            "region_code": pl.String,
            "rule_id": pl.String,
            "points": pl.Float64,
            "reason": pl.String,
            "basis": pl.String,
            "evidence": pl.List(pl.String),
        },
    )


def score_of(result: Any, region: str) -> float | None:
    return result.regions.filter(pl.col("region_code") == region)["score"].item()


def row_of(result: Any, region: str) -> dict[str, Any]:
    return result.regions.filter(pl.col("region_code") == region).to_dicts()[0]


# --- section A: 事故控制 --------------------------------------------------------------------


def _a(accidents: list[dict[str, Any]], **kw: Any) -> pl.DataFrame:
    return section_a(frame("accidents", accidents), regions(), None, YEAR, **kw).collect()


def test_a1_two_points_per_death_strictly_over_the_target():
    accs = [accident(f"Z{i}", Z, D(2024, 3, i + 1), deaths=2) for i in range(5)]
    accs.append(accident("Z9", Z, D(2024, 9, 1), deaths=1, missing=1))  # missing counts as dead
    accs.append(accident("H1", H, D(2024, 5, 1), deaths=2))
    accs.append(accident("Z-old", Z, D(2023, 5, 1), deaths=7))  # another year
    targets = frame(
        "targets",
        [
            {"region_code": Z, "year": 2024, "indicator": "deaths", "limit": 9.0},
            {"region_code": H, "year": 2024, "indicator": "deaths", "limit": 2.0},
            {"region_code": N, "year": 2023, "indicator": "deaths", "limit": 0.0},
        ],
    )
    items = _a(accs, targets=targets)
    z = item(items, Z, "A1")
    assert z["points"] == -6.0
    assert z["reason"].startswith("死亡（含失踪）12 人，控制指标 9 人，超 3 人")
    assert z["evidence"] == ["Z0", "Z1", "Z2", "Z3", "Z4", "Z9"]
    assert item(items, H, "A1")["points"] == 0.0  # 2 deaths against 2: not strictly over
    assert "不适用" in item(items, N, "A1")["reason"]  # only a 2023 target
    assert "不适用" in item(items, CITY, "A1")["reason"]  # targets are the region's own row


def test_a2_year_on_year_rise_flat_and_fall():
    accs = [
        accident("P1", Z, D(2023, 2, 1), deaths=1, direct_loss_10k_yuan=10.0),
        accident("P2", Z, D(2023, 3, 1), deaths=1, direct_loss_10k_yuan=5.0),
        accident("C1", Z, D(2024, 2, 1), deaths=1, direct_loss_10k_yuan=4.0),
        accident("C2", Z, D(2024, 3, 1), deaths=1, direct_loss_10k_yuan=4.0),
        accident("C3", Z, D(2024, 4, 1), direct_loss_10k_yuan=4.0),
        accident("NL", Z, D(2024, 6, 1), deaths=5, liability=False),  # not a 责任事故
        accident("NL-old", H, D(2023, 6, 1), deaths=5, liability=False),
    ]
    items = _a(accs)
    z = item(items, Z, "A2")
    # accidents 3 vs 2 rose: 2.5; deaths 2 vs 2 flat and not zero: 1.25;
    # serious injuries 0 vs 0: 0; direct loss 12 vs 15 fell: 0
    assert z["points"] == -3.75
    assert "事故起数 3 起（上年 2 起），上升" in z["reason"]
    assert "死亡人数（含失踪）2 人（上年 2 人），持平且不为零" in z["reason"]
    assert z["evidence"] == ["C1", "C2", "C3", "P1", "P2"]
    assert item(items, H, "A2")["points"] == 0.0  # liability-false accidents left out, both years
    assert item(items, CITY, "A2")["points"] == -3.75


def test_a2_needs_the_previous_year_in_the_dataset():
    items = _a([accident("C1", Z, D(2024, 2, 1), deaths=1)])
    z = item(items, Z, "A2")
    assert z["points"] == 0.0
    assert "无上年" in z["reason"]


def test_a3_rate_indicators_ten_points_shared_among_the_applicable():
    accs = [
        accident("B1", Z, D(2024, 2, 1), deaths=3, sector="建筑施工"),
        accident("R1", Z, D(2024, 3, 1), deaths=3, sector="道路交通"),
        accident("H1", H, D(2024, 3, 1), deaths=3, sector="道路交通"),
    ]
    stats = frame(
        "region_stats",
        [
            {
                "region_code": Z,
                "year": 2024,
                "gdp_100m_yuan": 100.0,
                "industry_employees": 20000,
                "motor_vehicles": 0,
                "coal_output_mt": None,
            },
            {"region_code": H, "year": 2024, "gdp_100m_yuan": 100.0},
        ],
    )
    targets = frame(
        "targets",
        [
            {"region_code": Z, "year": 2024, "indicator": "deaths_per_100m_gdp", "limit": 0.05},
            {
                "region_code": Z,
                "year": 2024,
                "indicator": "industry_deaths_per_100k",
                "limit": 20.0,
            },
            {
                "region_code": Z,
                "year": 2024,
                "indicator": "road_deaths_per_10k_vehicles",
                "limit": 1.0,
            },
            {"region_code": Z, "year": 2024, "indicator": "coal_deaths_per_mt", "limit": 0.1},
            {"region_code": H, "year": 2024, "indicator": "deaths_per_100m_gdp", "limit": 0.03},
        ],
    )
    items = _a(accs, targets=targets, region_stats=stats)
    z = item(items, Z, "A3")
    # GDP: 6 / 100 = 0.06 > 0.05 over; industry: 3 × 100000 / 20000 = 15 ≤ 20;
    # road: no vehicles, coal: no output — not applicable.  10 ÷ 2 = 5 for the one over.
    assert z["points"] == -5.0
    assert "适用指标 2 项" in z["reason"]
    assert z["evidence"] == ["B1", "R1"]
    assert item(items, H, "A3")["points"] == 0.0  # 3 / 100 = 0.03, not strictly over 0.03
    assert "不适用" in item(items, N, "A3")["reason"]


def test_a4_each_larger_accident_and_a5_each_late_report():
    accs = [
        accident("W1", N, D(2024, 10, 5), deaths=3, sector="水上交通"),
        accident("G1", N, D(2024, 4, 1), deaths=1, reported_late=True),
        accident("G2", N, D(2024, 5, 1), reported_late=True),
        accident("G3", N, D(2023, 5, 1), reported_late=True, deaths=4),
    ]
    items = _a(accs)
    assert item(items, N, "A4")["points"] == -4.0
    assert item(items, N, "A4")["evidence"] == ["W1"]
    assert item(items, N, "A5")["points"] == -6.0
    assert item(items, N, "A5")["evidence"] == ["G1", "G2"]
    assert item(items, CITY, "A4")["points"] == -4.0  # the city includes its counties
    assert item(items, Z, "A4")["points"] == 0.0


# --- section B: 打非治违 --------------------------------------------------------------------


def _ents(region: str, n: int, prefix: str, **kw: Any) -> list[dict[str, Any]]:
    return [
        {
            "enterprise_id": f"{prefix}{i}",
            "name": f"企业{prefix}{i}",
            "region_code": region,
            "sector": "工矿商贸其他",
            **kw,
        }
        for i in range(n)
    ]


def test_b1_four_musts_compliance_rate():
    b = section_b(
        case_rows(N, 4, ["K3"]),
        frame("inspections", []),
        frame("enterprises", []),
        regions(),
        None,
        YEAR,
    ).collect()
    n = item(b, N, "B1")
    assert n["points"] == pytest.approx(-3.5)  # 14 × (1 − 0.75)
    assert n["evidence"] == ["K3"]
    z = item(b, Z, "B1")
    assert z["points"] == 0.0 and "无需执行四个一律的案件" in z["reason"]
    assert "无企业数据" in item(b, Z, "B2")["reason"]


def test_b2_inspection_coverage_by_the_enterprises_own_region():
    ents = _ents(N, 5, "E")
    ents.append(
        {**_ents(N, 1, "GONE")[0], "status": "关闭", "closed_on": D(2023, 6, 1)}
    )  # left out
    ents.append(
        {**_ents(N, 1, "LATE")[0], "status": "关闭", "closed_on": D(2024, 5, 1)}
    )  # still counts
    insp = frame(
        "inspections",
        [
            {
                "inspection_id": "I1",
                "enterprise_id": "E0",
                "region_code": CITY,
                "department": "应急管理局",
                "inspected_on": D(2024, 4, 1),
            },
            {
                "inspection_id": "I2",
                "enterprise_id": "E0",
                "region_code": N,
                "department": "应急管理局",
                "inspected_on": D(2024, 5, 1),
            },
            {
                "inspection_id": "I3",
                "enterprise_id": "GONE0",
                "region_code": N,
                "department": "应急管理局",
                "inspected_on": D(2024, 5, 1),
            },
            {
                "inspection_id": "I4",
                "enterprise_id": "E1",
                "region_code": N,
                "department": "应急管理局",
                "inspected_on": D(2023, 5, 1),
            },
        ],
    )
    b = section_b(None, insp, frame("enterprises", ents), regions(), None, YEAR).collect()
    n = item(b, N, "B2")
    # 6 enterprises, 1 inspected in 2024: coverage 1/6; 6 × (1 − (1/6) ÷ 0.3)
    assert n["points"] == pytest.approx(-6 * (1 - (1 / 6) / 0.3))
    assert n["evidence"] == ["E1", "E2", "E3", "E4", "LATE0"]
    ents2 = _ents(H, 10, "F")
    insp2 = frame(
        "inspections",
        [
            {
                "inspection_id": f"J{i}",
                "enterprise_id": f"F{i}",
                "region_code": H,
                "department": "应急管理局",
                "inspected_on": D(2024, 6, 1),
            }
            for i in range(3)
        ],
    )
    b2 = section_b(None, insp2, frame("enterprises", ents2), regions(), None, YEAR).collect()
    assert item(b2, H, "B2")["points"] == 0.0  # 3 of 10 meets the 0.3 target


# --- section C: 隐患排查治理 ----------------------------------------------------------------


def _hz(hid: str, level: str, found: dt.date, due: dt.date, done: dt.date | None = None, **kw: Any):
    return {
        "hazard_id": hid,
        "region_code": Z,
        "sector": "工矿商贸其他",
        "level": level,
        "found_on": found,
        "due_on": due,
        "rectified_on": done,
        **kw,
    }


def test_c_hazards():
    hz = frame(
        "hazards",
        [
            _hz(
                "G1", "一般", D(2024, 1, 5), D(2024, 3, 1), D(2024, 3, 1)
            ),  # on its due day: on time
            _hz("G2", "一般", D(2024, 1, 5), D(2024, 3, 1), D(2024, 3, 2)),  # a day late
            _hz("G3", "一般", D(2024, 1, 5), D(2024, 6, 1)),  # never
            _hz("G4", "一般", D(2024, 1, 5), D(2024, 6, 1), D(2024, 2, 1)),
            _hz("G5", "一般", D(2024, 11, 5), D(2025, 1, 10)),  # due next year
            _hz("G6", "一般", D(2023, 1, 5), D(2023, 3, 1), D(2024, 3, 1)),  # due last year
            _hz(
                "M1",
                "重大",
                D(2024, 1, 5),
                D(2024, 6, 1),
                D(2024, 6, 1),
                five_in_place=True,
                listed=True,
            ),
            _hz("M2", "重大", D(2024, 1, 5), D(2025, 2, 1), five_in_place=True),
            _hz("M3", "重大", D(2024, 1, 5), D(2024, 11, 30)),
            _hz(
                "M4",
                "重大",
                D(2023, 1, 5),
                D(2023, 12, 1),
                D(2025, 1, 10),
                five_in_place=True,
                listed=True,
            ),
        ],
    )
    c = section_c(hz, regions(), None, YEAR).collect()
    c1 = item(c, Z, "C1")
    assert c1["points"] == pytest.approx(-3.5)  # 7 × (1 − 2/4)
    assert c1["evidence"] == ["G2", "G3"]
    assert item(c, Z, "C2")["points"] == pytest.approx(-4 / 3)  # 4 × (1 − 2/3)
    assert item(c, Z, "C2")["evidence"] == ["M3"]
    # C3: listed 重大 hazards due in the year (M1) closed by the deadline (tests/test_hazards.py)
    assert item(c, Z, "C3")["points"] == 0.0
    c4 = item(c, Z, "C4")
    assert c4["points"] == -2.0 and c4["evidence"] == ["M3", "M4"]
    h = item(c, H, "C1")
    assert h["points"] == 0.0 and "无隐患数据" in h["reason"]
    assert item(c, CITY, "C4")["points"] == -2.0


# --- section D: 责任落实 --------------------------------------------------------------------


def test_d1_mean_fulfilment_of_the_region_and_below():
    off = officials_frame([("O1", Z, 1.0), ("O2", Z, 0.5), ("O3", CITY, 0.0)])
    d = section_d(off, regions(), None, YEAR).collect()
    assert item(d, Z, "D1")["points"] == pytest.approx(-3.75)  # 15 × (1 − 0.75)
    assert item(d, Z, "D1")["evidence"] == ["O2"]
    assert item(d, CITY, "D1")["points"] == pytest.approx(-7.5)  # 15 × (1 − 1.5/3)
    h = item(d, H, "D1")
    assert h["points"] == 0.0 and "无领导干部数据" in h["reason"]


# --- section E: 基础工作 --------------------------------------------------------------------


def test_e1_standardization_share_of_licence_requiring_enterprises():
    levels = ["一级", "三级", None, "二级", None]
    ents = [
        {**e, "license_required": True, "standardization_level": lv}
        for e, lv in zip(_ents(N, 5, "L"), levels, strict=True)
    ]
    ents.append(
        {
            **_ents(N, 1, "X")[0],
            "license_required": True,
            "status": "关闭",
            "closed_on": D(2023, 1, 1),
        }
    )
    ents.append({**_ents(N, 1, "Y")[0], "license_required": False})
    e = section_e(
        frame("enterprises", ents), frame("work_items", []), regions(), None, YEAR
    ).collect()
    e1 = item(e, N, "E1")
    assert e1["points"] == pytest.approx(-1.25)  # 5 × (1 − 0.6 ÷ 0.8)
    assert e1["evidence"] == ["L2", "L4"]
    assert "无年度工作目标数据" in item(e, N, "E2")["reason"]


def test_e2_work_items_capped_at_one_and_target_zero_skipped():
    wi = frame(
        "work_items",
        [
            {"region_code": N, "year": 2024, "item": "a", "target": 10.0, "achieved": 5.0},
            {"region_code": N, "year": 2024, "item": "b", "target": 4.0, "achieved": 8.0},
            {"region_code": N, "year": 2024, "item": "c", "target": 0.0, "achieved": 0.0},
            {"region_code": N, "year": 2023, "item": "a", "target": 10.0, "achieved": 0.0},
        ],
    )
    e = section_e(frame("enterprises", []), wi, regions(), None, YEAR).collect()
    e2 = item(e, N, "E2")
    assert e2["points"] == pytest.approx(-1.25)  # 5 × (1 − (0.5 + 1) / 2)
    assert e2["evidence"] == [f"{N}:a"]
    assert "目标值为 0 的 1 项不计" in e2["reason"]
    assert item(e, N, "E1")["points"] == 0.0


# --- caps, rescale, adjustments, clip ---------------------------------------------------------

ALL = ("A", "B", "C", "D", "E")


def test_section_cap_gives_back_the_excess():
    r = finish_regions(
        items_frame([(Z, "A5", -63.0), (Z, "C4", -3.0)]), regions(), None, YEAR, assessed=ALL
    )
    cap = item(r.line_items, Z, "A.cap")
    assert cap["points"] == 23.0
    z = row_of(r, Z)
    assert z["A"] == 0.0 and z["C"] == 12.0 and z["B"] == 20.0
    assert z["score"] == 57.0
    assert not has_item(r.line_items, Z, "C.cap")


def test_missing_table_rescales_to_the_assessed_weights():
    r = finish_regions(
        items_frame([(Z, "A1", -11.0), (Z, "C1", -5.5)]),
        regions(),
        None,
        YEAR,
        assessed=("A", "C"),
        missing_tables=("cases", "officials"),
    )
    z = row_of(r, Z)
    # (55 − 16.5) × 100 ÷ 55 = 70
    assert z["score"] == pytest.approx(70.0)
    assert item(r.line_items, Z, "rescale")["points"] == pytest.approx(-13.5)
    assert z["incomplete"] and z["unassessed_sections"] == ["B", "D", "E"]
    assert z["B"] is None and z["A"] == 29.0
    assert row_of(r, H)["score"] == pytest.approx(100.0)


def test_dataset_without_tables_assesses_only_what_it_has():
    data = dataset(accidents=[accident("W1", N, D(2024, 10, 5), deaths=3)])
    r = annual(data, year=YEAR)
    n = row_of(r, N)
    assert n["unassessed_sections"] == ["B", "C", "D", "E"]
    assert n["score"] == pytest.approx((40 - 4) * 100 / 40)
    empty = annual(dataset(), year=YEAR)
    assert empty.regions["score"].null_count() == 4
    assert empty.regions["grade"].null_count() == 4 and empty.regions["rank"].null_count() == 4


def test_adjustments_then_clip():
    adj = frame(
        "adjustments",
        [
            {
                "subject_type": "region",
                "subject_id": Z,
                "year": 2024,
                "points": 3.0,
                "reason": "创新工作",
                "basis": "市安委会决定",
            },
            {
                "subject_type": "region",
                "subject_id": H,
                "year": 2024,
                "points": -90.0,
                "reason": "核减",
                "basis": "市安委会决定",
            },
            {
                "subject_type": "region",
                "subject_id": N,
                "year": 2023,
                "points": -5.0,
                "reason": "上年",
                "basis": "x",
            },
            {
                "subject_type": "enterprise",
                "subject_id": N,
                "year": 2024,
                "points": -5.0,
                "reason": "企业",
                "basis": "x",
            },
        ],
    )
    r = finish_regions(
        items_frame([(H, "A5", -20.0)]), regions(), None, YEAR, assessed=ALL, adjustments=adj
    )
    assert item(r.line_items, Z, "adjustment")["basis"] == "市安委会决定"
    assert item(r.line_items, Z, "clip")["points"] == -3.0
    assert row_of(r, Z)["score"] == 100.0
    assert item(r.line_items, H, "clip")["points"] == 10.0
    assert row_of(r, H)["score"] == 0.0
    assert row_of(r, N)["score"] == 100.0 and not has_item(r.line_items, N, "adjustment")
    assert not has_item(r.line_items, CITY, "adjustment")  # no roll-up of adjustments


# --- veto, yellow card, grade cap, rank --------------------------------------------------------


def _larger(aid: str, region: str, **kw: Any) -> dict[str, Any]:
    return accident(aid, region, D(2024, 6, 1), deaths=3, **kw)


def _major(aid: str, region: str, **kw: Any) -> dict[str, Any]:
    return accident(aid, region, D(2024, 7, 1), deaths=10, **kw)


def _finish(
    accs: list[dict[str, Any]],
    rules: Rulebook | None = None,
    items: Any = None,
    extra_regions: list[dict[str, Any]] | None = None,
):
    return finish_regions(
        items if items is not None else items_frame([]),
        regions(extra_regions),
        rules,
        YEAR,
        assessed=ALL,
        accidents=frame("accidents", accs),
    )


def test_veto_and_yellow_card_for_counties_and_the_city():
    accs = [
        _larger("N1", N),
        _larger("Z1", Z),
        _larger("Z2", Z),
        _larger("Z3", Z),
        _major("H1", H),
        _major("H2", H, liability=False),  # outside the assessment
    ]
    r = _finish(accs)
    n, z, h, city = row_of(r, N), row_of(r, Z), row_of(r, H), row_of(r, CITY)
    assert not n["vetoed"] and not n["yellow_card"]
    assert n["grade"] == "良好" and n["grade_capped"]  # 100 points, but a 较大 accident
    assert z["vetoed"] and z["yellow_card"]  # 3 较大: veto; ≥ 2 较大: yellow card as well
    assert z["grade"] == "不合格" and z["score"] == 100.0  # veto_effect "grade" keeps the score
    assert "较大及以上事故 3 起" in z["veto_reasons"][0]
    assert "Z1、Z2、Z3" in z["veto_reasons"][0]
    assert z["yellow_card_reasons"] and "黄牌警告" in z["yellow_card_reasons"][0]
    assert h["vetoed"] and not h["yellow_card"]  # one 重大; a single 较大-or-worse
    # the city: 1 重大 + 4 较大 — not 2 重大, so no veto; 1 重大: yellow card
    assert not city["vetoed"] and city["yellow_card"]
    assert city["grade"] == "良好"


def test_city_veto_two_major_and_concealment():
    r = _finish(
        [_major("Z1", Z), _major("H1", H), accident("N1", N, D(2024, 2, 1), concealed=True)]
    )
    assert row_of(r, CITY)["vetoed"]
    assert len(row_of(r, CITY)["veto_reasons"]) == 2  # 2 重大 and a concealed accident
    assert row_of(r, N)["vetoed"]  # a concealed accident vetoes a county
    assert not row_of(r, N)["grade_capped"]


def test_a_province_gets_neither_veto_nor_yellow_card_by_default():
    prov = [{"region_code": "430000", "name": "湖南省", "parent_code": None, "level": "省"}]
    rows = [dict(r) for r in REGION_ROWS]
    rows[0]["parent_code"] = "430000"
    r = finish_regions(
        items_frame([]),
        frame("regions", prov + rows),
        None,
        YEAR,
        assessed=ALL,
        accidents=frame("accidents", [accident("S1", Z, D(2024, 1, 1), deaths=30)]),
    )
    assert not row_of(r, "430000")["vetoed"] and not row_of(r, "430000")["yellow_card"]
    assert row_of(r, CITY)["vetoed"] and row_of(r, Z)["vetoed"]


def test_ranks_share_the_better_rank_and_vetoed_come_last():
    extra = [{"region_code": T, "name": "桃江县", "parent_code": CITY, "level": "县"}]
    items = items_frame([(Z, "A5", -5.0), (H, "A5", -10.0), (N, "A5", -10.0), (T, "A5", -20.0)])
    r = _finish([], items=items, extra_regions=extra)
    assert [row_of(r, c)["rank"] for c in (Z, H, N, T)] == [1, 2, 2, 4]
    assert row_of(r, CITY)["rank"] == 1  # the only root
    r2 = _finish(
        [_major("T1", T)],
        items=items_frame([(Z, "A5", -5.0), (H, "A5", -10.0)]),
        extra_regions=extra,
    )
    assert row_of(r2, T)["score"] == 100.0 and row_of(r2, T)["rank"] == 4


def test_rank_uses_the_score_rounded_to_six_decimals():
    items = items_frame([(Z, "A5", -0.1), (Z, "A1", -0.2), (H, "A5", -0.3)])
    r = _finish([], items=items)
    assert row_of(r, Z)["rank"] == row_of(r, H)["rank"] == 2  # 南县 keeps 100: rank 1


def test_veto_effect_zero_sets_the_score_to_zero_by_a_line_item():
    rules = with_params(annual__veto_effect="zero")
    r = _finish(
        [_larger("Z1", Z), _larger("Z2", Z), _larger("Z3", Z)],
        rules=rules,
        items=items_frame([(Z, "A5", -12.0)]),
    )
    z = row_of(r, Z)
    assert z["score"] == 0.0 and z["grade"] == "不合格"
    assert item(r.line_items, Z, "veto.zero")["points"] == -88.0
    total = r.line_items.filter(pl.col("subject_id") == Z)["points"].sum()
    assert 100 + total == pytest.approx(0.0)


def test_grade_bands_follow_the_rulebook():
    items = items_frame([(Z, "A5", -10.0), (H, "A5", -10.000001), (N, "A5", -40.0)])
    r = _finish([], items=items)
    assert row_of(r, Z)["grade"] == "优秀"  # 90 is 优秀
    assert row_of(r, H)["grade"] == "良好"
    assert row_of(r, N)["grade"] == "合格"
    stricter = with_params(
        annual__grade_bands=[
            {"grade": "优秀", "min": 95.0},
            {"grade": "良好", "min": 85.0},
            {"grade": "合格", "min": 70.0},
            {"grade": "不合格", "min": 0.0},
        ]
    )
    assert row_of(_finish([], rules=stricter, items=items), Z)["grade"] == "良好"


def test_score_is_base_plus_points_and_items_are_annual_region_items():
    data = dataset(
        accidents=[
            _larger("N1", N),
            accident("Z1", Z, D(2024, 1, 1), deaths=1, reported_late=True),
        ],
        hazards=[_hz("M3", "重大", D(2024, 1, 5), D(2024, 11, 30))],
    )
    r = annual(data, year=YEAR)
    sums = r.line_items.group_by("subject_id").agg(pl.col("points").sum())
    joined = r.regions.join(sums, left_on="region_code", right_on="subject_id")
    for row in joined.iter_rows(named=True):
        assert row["score"] == pytest.approx(100 + row["points"])
    assert set(r.line_items["scorer"]) == {"annual"} and set(r.line_items["subject_type"]) == {
        "region"
    }


# --- audit: readings pinned by hand-computed examples -----------------------------------------


def test_a1_reason_states_deaths_target_excess_and_points():
    accs = [accident(f"Z{i}", Z, D(2024, 3, i + 1), deaths=2) for i in range(5)]
    accs.append(accident("Z9", Z, D(2024, 9, 1), deaths=1, missing=1))
    targets = frame(
        "targets",
        [
            {"region_code": Z, "year": 2024, "indicator": "deaths", "limit": 9.0},
            {"region_code": H, "year": 2024, "indicator": "deaths", "limit": 2.0},
        ],
    )
    items = _a(accs, targets=targets)
    assert item(items, Z, "A1")["reason"] == (
        "死亡（含失踪）12 人，控制指标 9 人，超 3 人，每人扣 2 分，扣 6 分"
    )
    assert item(items, H, "A1")["reason"] == "死亡（含失踪）0 人，控制指标 2 人，未超，不扣分"


def test_grade_counts_count_accidents_of_that_grade_or_worse():
    # a county: one 较大 and one 重大 are "2 较大及以上" — a yellow card (and the 重大 a veto)
    r = _finish([_larger("N1", N), _major("N2", N)])
    n = row_of(r, N)
    assert n["yellow_card"]
    assert n["yellow_card_reasons"] == ["较大及以上事故 2 起（N1、N2），县级达到 2 起即黄牌警告"]
    # a city: one 重大 and one 特别重大 are "2 重大及以上": a veto on that count too
    r2 = _finish([_major("Z1", Z), accident("H1", H, D(2024, 8, 1), deaths=30)])
    reasons = row_of(r2, CITY)["veto_reasons"]
    assert "重大及以上事故 2 起（H1、Z1），市级达到 2 起即一票否决" in reasons
    assert "特别重大及以上事故 1 起（H1），市级达到 1 起即一票否决" in reasons


def test_a_vetoed_region_is_failed_not_grade_capped():
    # 3 较大 in a county at full marks: the veto sets 不合格; the 良好 cap did not decide it
    r = _finish([_larger("Z1", Z), _larger("Z2", Z), _larger("Z3", Z)])
    z = row_of(r, Z)
    assert z["vetoed"] and z["grade"] == "不合格"
    assert not z["grade_capped"]


def test_d1_officials_without_a_fulfilment_are_left_out():
    # fulfilment null: a role the rulebook requires nothing of (not assessed) adds nothing
    off = officials_frame([("O1", Z, 1.0), ("O2", Z, 0.5), ("O3", Z, None), ("O4", H, None)])
    d = section_d(off, regions(), None, YEAR).collect()
    assert item(d, Z, "D1")["points"] == pytest.approx(-3.75)  # 15 × (1 − 1.5/2)
    assert item(d, Z, "D1")["evidence"] == ["O2"]
    h = item(d, H, "D1")
    assert h["points"] == 0.0 and "不扣分" in h["reason"]


def test_e2_work_items_all_with_target_zero_say_so():
    wi = frame(
        "work_items",
        [{"region_code": N, "year": 2024, "item": "c", "target": 0.0, "achieved": 3.0}],
    )
    e2 = item(section_e(frame("enterprises", []), wi, regions(), None, YEAR).collect(), N, "E2")
    assert e2["points"] == 0.0
    assert "无年度工作目标数据" not in e2["reason"]
    assert "目标值为 0 的 1 项不计" in e2["reason"] and "不扣分" in e2["reason"]


def test_reasons_state_the_rate_the_target_and_the_formula():
    ents = [{**e, "license_required": True} for e in _ents(N, 5, "L")]
    ents[0]["standardization_level"] = "三级"
    e1 = item(
        section_e(
            frame("enterprises", ents), frame("work_items", []), regions(), None, YEAR
        ).collect(),
        N,
        "E1",
    )
    # 1 of 5: 20%; 5 × (1 − 20% ÷ 80%) = 3.75
    assert e1["reason"] == (
        "需许可企业 5 家，标准化三级及以上 1 家，达标率 20%，目标 80%，未达标，"
        "扣 5 ×（1 − 20% ÷ 80%）= 3.75 分"
    )
    b = section_b(case_rows(N, 4, ["K3"]), frame("inspections", []),
                  frame("enterprises", []), regions(), None, YEAR).collect()  # fmt: skip
    assert item(b, N, "B1")["reason"] == (
        "本年需执行四个一律的案件 4 起，执行到位 3 起，执行率 75%，扣 14 ×（1 − 75%）= 3.5 分"
    )


def test_rescale_clip_and_adjustment_reasons():
    r = finish_regions(
        items_frame([(Z, "A1", -11.0), (Z, "C1", -5.5)]),
        regions(),
        None,
        YEAR,
        assessed=("A", "C"),
        missing_tables=("cases", "officials"),
    )
    assert item(r.line_items, Z, "rescale")["reason"] == (
        "未评 B、D、E 部分（缺少数据表 cases、officials）；已评部分满分 55 分、得分 38.5 分，"
        "折算为 100 分制：38.5 × 100 ÷ 55 = 70 分，调整 −13.5 分"
    )
    adj = frame(
        "adjustments",
        [{"subject_type": "region", "subject_id": Z, "year": 2024, "points": 3.0,
          "reason": "创新工作", "basis": "市安委会决定"}],
    )  # fmt: skip
    r2 = finish_regions(items_frame([]), regions(), None, YEAR, assessed=ALL, adjustments=adj)
    assert item(r2.line_items, Z, "adjustment")["reason"] == "委员会加分 3 分：创新工作"
    assert item(r2.line_items, Z, "clip")["reason"] == "合计 103 分，高于满分 100 分，记为 100 分"
