"""compare_periods: a date span against the same span a year earlier (同比).

docs/readings.md (同比): deaths include missing persons while the switch
is on, 工矿商贸 is shown beside single sectors, change % is rounded to 2 decimals
half away from zero and left empty where the previous value is 0.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.codes import uscc_check_character
from accountability.dataset import Dataset
from accountability.errors import DatasetError
from accountability.periods import compare_periods, previous_span, round_half_away

D = dt.date

REGIONS = pl.DataFrame(
    {
        "region_code": ["430900", "430902", "430903"],
        "name": ["益阳市", "资阳区", "赫山区"],
        "parent_code": [None, "430900", "430900"],
        "level": ["市", "县", "县"],
    }
)


def accidents(*rows: tuple) -> pl.DataFrame:
    """rows: (id, region, sector, date, deaths, missing, injuries, loss[, liability])."""
    cols = [
        "accident_id",
        "region_code",
        "sector",
        "occurred_on",
        "deaths",
        "missing",
        "serious_injuries",
        "direct_loss_10k_yuan",
        "liability",
    ]
    full = [r if len(r) == 9 else (*r, True) for r in rows]
    frame = pl.DataFrame(full, schema=cols, orient="row")
    return frame.with_columns(
        enterprise_id=pl.lit(None, pl.String),
        reported_late=pl.lit(False),
        concealed=pl.lit(False),
        occurred_on=pl.col("occurred_on").cast(pl.Date),
        direct_loss_10k_yuan=pl.col("direct_loss_10k_yuan").cast(pl.Float64),
    )


def dataset(**frames: pl.DataFrame) -> Dataset:
    return Dataset.from_frames(as_of="2025-06-30", regions=REGIONS, **frames)


def row(frame: pl.DataFrame, scope: str, indicator: str) -> dict:
    hit = frame.filter((pl.col("scope") == scope) & (pl.col("indicator") == indicator))
    assert hit.height == 1, (scope, indicator, hit)
    return hit.row(0, named=True)


SMALL = accidents(
    # current span: Jan–Oct 2024
    ("A1", "430902", "道路交通", D(2024, 3, 1), 2, 0, 1, 10.5),
    ("A2", "430903", "水上交通", D(2024, 10, 5), 4, 2, 3, 386.5),
    ("A3", "430903", "建筑施工", D(2024, 10, 31), 1, 0, 0, 2.25),
    ("A4", "430902", "道路交通", D(2024, 6, 1), 1, 0, 0, 1.0, False),  # a landslide: still counted
    ("X1", "430902", "道路交通", D(2024, 11, 1), 9, 0, 9, 99.0),  # after the span
    # previous span: Jan–Oct 2023
    ("B1", "430902", "道路交通", D(2023, 1, 1), 1, 0, 2, 8.0),
    ("B2", "430903", "水上交通", D(2023, 5, 5), 0, 1, 0, 4.0),
    ("B3", "430903", "危险化学品", D(2023, 10, 31), 1, 0, 1, 6.0),
    ("X2", "430903", "道路交通", D(2022, 12, 31), 5, 0, 0, 1.0),  # before it
)


def test_hand_computed_example() -> None:
    t = compare_periods(dataset(accidents=SMALL), "2024-01-01", "2024-10-31")
    total = {
        r: row(t, "总计", r) for r in ("事故起数", "死亡人数", "重伤人数", "直接经济损失(万元)")
    }
    assert (total["事故起数"]["current"], total["事故起数"]["previous"]) == (4, 3)
    assert total["事故起数"]["change_pct"] == 33.33
    # deaths include missing: 2 + (4 + 2) + 1 + 1 = 10 against 1 + 1 + 1 = 3
    assert (total["死亡人数"]["current"], total["死亡人数"]["previous"]) == (10, 3)
    assert total["死亡人数"]["change_pct"] == 233.33
    assert total["死亡人数"]["change"] == 7
    assert (total["重伤人数"]["current"], total["重伤人数"]["previous"]) == (4, 3)
    # 400.25 against 18.00: +2123.61 %
    assert total["直接经济损失(万元)"]["current"] == 400.25
    assert total["直接经济损失(万元)"]["change_pct"] == 2123.61
    water = row(t, "水上交通", "死亡人数")
    assert (water["current"], water["previous"], water["change_pct"]) == (6, 1, 500.0)
    group = row(t, "工矿商贸", "死亡人数")  # 建筑施工 1 against 危险化学品 1
    assert (group["current"], group["previous"], group["change_pct"]) == (1, 1, 0.0)


def test_rows_print_in_order_totals_then_group_then_sectors() -> None:
    t = compare_periods(dataset(accidents=SMALL), "2024-01-01", "2024-10-31")
    scopes = t["scope"].unique(maintain_order=True).to_list()
    assert scopes == ["总计", "工矿商贸", "道路交通", "水上交通", "建筑施工", "危险化学品"]
    assert t.filter(scope="总计")["indicator"].to_list()[:2] == ["事故起数", "死亡人数"]
    assert t.columns == [
        "scope",
        "indicator",
        "unit",
        "current",
        "previous",
        "change",
        "change_pct",
        "note",
    ]


def test_region_includes_everything_below_it_and_only_that() -> None:
    t = compare_periods(dataset(accidents=SMALL), "2024-01-01", "2024-10-31", region="430903")
    assert row(t, "总计", "事故起数")["current"] == 2  # A2, A3
    assert row(t, "总计", "死亡人数")["previous"] == 2  # B2 (missing), B3
    assert "道路交通" not in t["scope"].to_list()
    with pytest.raises(DatasetError, match="430999"):
        compare_periods(dataset(accidents=SMALL), "2024-01-01", "2024-10-31", region="430999")


def test_zero_previous_leaves_change_pct_empty() -> None:
    t = compare_periods(dataset(accidents=SMALL), "2024-01-01", "2024-10-31")
    building = row(t, "建筑施工", "事故起数")
    assert (building["current"], building["previous"], building["change_pct"]) == (1, 0, None)
    assert building["change"] == 1


def test_change_pct_rounds_half_away_from_zero_exactly() -> None:
    # 801 against 800 is +0.125 % → 0.13; 799 against 800 is −0.125 % → −0.13.
    up = accidents(
        ("C", "430902", "道路交通", D(2024, 5, 1), 0, 0, 801, 8.01),
        ("P", "430902", "道路交通", D(2023, 5, 1), 0, 0, 800, 8.0),
    )
    t = compare_periods(dataset(accidents=up), "2024-01-01", "2024-12-31")
    assert row(t, "总计", "重伤人数")["change_pct"] == 0.13
    assert row(t, "总计", "直接经济损失(万元)")["change_pct"] == 0.13
    down = accidents(
        ("C", "430902", "道路交通", D(2024, 5, 1), 0, 0, 799, 7.99),
        ("P", "430902", "道路交通", D(2023, 5, 1), 0, 0, 800, 8.0),
    )
    t = compare_periods(dataset(accidents=down), "2024-01-01", "2024-12-31")
    assert row(t, "总计", "重伤人数")["change_pct"] == -0.13
    assert row(t, "总计", "直接经济损失(万元)")["change_pct"] == -0.13
    assert (round_half_away(1, 800), round_half_away(-1, 800)) == (0.13, -0.13)
    assert (round_half_away(1, 1600), round_half_away(-1, 1600)) == (0.06, -0.06)  # 0.0625


@settings(max_examples=20, deadline=None)
@given(st.integers(-(10**9), 10**9), st.integers(1, 10**9))
def test_round_half_away_matches_exact_fractions(numerator: int, denominator: int) -> None:
    exact = Fraction(numerator * 100, denominator) * 100  # in hundredths of a percent
    magnitude = int(abs(exact) + Fraction(1, 2))
    expected = (magnitude if exact >= 0 else -magnitude) / 100
    assert round_half_away(numerator, denominator) == expected


def test_29_february_maps_to_28_february_and_back() -> None:
    assert previous_span("2024-01-01", "2024-02-29") == (D(2023, 1, 1), D(2023, 2, 28))
    assert previous_span("2025-01-01", "2025-02-28") == (D(2024, 1, 1), D(2024, 2, 29))
    assert previous_span("2024-02-29", "2024-03-31") == (D(2023, 2, 28), D(2023, 3, 31))
    assert previous_span("2024-03-15", "2024-10-31") == (D(2023, 3, 15), D(2023, 10, 31))
    leap = accidents(
        ("C", "430902", "道路交通", D(2024, 2, 29), 1, 0, 0, 1.0),
        ("P", "430902", "道路交通", D(2023, 2, 28), 1, 0, 0, 1.0),
        ("Q", "430902", "道路交通", D(2023, 3, 1), 1, 0, 0, 1.0),
    )
    t = compare_periods(dataset(accidents=leap), "2024-01-01", "2024-02-29")
    assert (row(t, "总计", "事故起数")["current"], row(t, "总计", "事故起数")["previous"]) == (1, 1)
    t = compare_periods(dataset(accidents=leap), "2025-01-01", "2025-02-28")
    assert row(t, "总计", "事故起数")["previous"] == 1  # 2024-02-29 is in the year-earlier span


def test_missing_persons_follow_the_rulebook_switch(tmp_path: Path) -> None:
    from accountability.rulebook import load_rulebook

    path = tmp_path / "off.toml"
    path.write_text(
        'extends = "default"\n[accident_grading.count_missing_as_deaths]\n'
        'value = false\nbasis = "测试: 只计死亡"\n',
        encoding="utf-8",
    )
    t = compare_periods(
        dataset(accidents=SMALL), "2024-01-01", "2024-10-31", rules=load_rulebook(path)
    )
    assert (row(t, "总计", "死亡人数")["current"], row(t, "总计", "死亡人数")["previous"]) == (8, 2)


def uscc(n: int) -> str:
    first17 = f"91430902MA4L0000{n}"
    return first17 + uscc_check_character(first17)


E1, E2, E3 = uscc(1), uscc(2), uscc(3)


def enforcement_frames() -> dict[str, pl.DataFrame]:
    inspections = pl.DataFrame(
        {
            "inspection_id": ["J1", "J1", "J2", "J3", "J9"],
            "enterprise_id": [E1, E2, E1, E3, E1],
            "region_code": ["430902", "430902", "430903", "430903", "430902"],
            "department": ["应急管理局"] * 5,
            "inspected_on": [
                D(2024, 2, 1),
                D(2024, 2, 1),
                D(2024, 3, 1),
                D(2023, 3, 1),
                D(2024, 12, 1),
            ],
        }
    )
    hazards = pl.DataFrame(
        {
            "hazard_id": ["H1", "H2", "H3"],
            "enterprise_id": [E1, E2, E3],
            "region_code": ["430902", "430902", "430903"],
            "sector": ["工矿商贸其他"] * 3,
            "level": ["一般", "重大", "一般"],
            "found_on": [D(2023, 12, 20), D(2024, 4, 1), D(2023, 4, 1)],
            "due_on": [D(2024, 1, 20), D(2024, 6, 1), D(2023, 5, 1)],
            "rectified_on": [D(2024, 1, 10), None, D(2023, 4, 20)],
            "listed": [False, True, False],
            "five_in_place": [False, True, False],
        }
    )
    cases = pl.DataFrame(
        {
            "case_id": ["K1", "K2", "K3", "K4", "K5"],
            "inspection_id": ["J1", "J1", None, "J3", None],
            "enterprise_id": [E1, E1, None, E3, E2],
            "region_code": ["430902", "430902", "430902", "430903", "430902"],
            "department": ["应急管理局"] * 5,
            "found_on": [D(2024, 2, 1), D(2024, 5, 1), D(2024, 6, 1), D(2023, 3, 1), D(2024, 6, 2)],
            "illegal": [True, True, True, True, False],
            "unlawful": [False, False, False, False, True],
            "failed_rectification": [False] * 5,
            "criminal": [False, False, False, False, True],
            "major_hazard": [False] * 5,
            "suspended": [False, False, False, False, True],
            "closed": [True, True, True, True, False],
            "fine_yuan": [1.0] * 5,
            "fine_max_yuan": [1.0] * 5,
            "transferred": [False, False, False, False, True],
            "persons_detained": [2, 0, 1, 4, 0],
            "persons_transferred": [0, 0, 0, 0, 3],
            "officials_accountable": [0] * 5,
        }
    )
    enterprises = pl.DataFrame(
        {
            "enterprise_id": [E1, E2, E3],
            "name": ["甲", "乙", "丙"],
            "region_code": ["430902", "430902", "430903"],
            "sector": ["工矿商贸其他"] * 3,
            "employees": [10, 10, 10],
            "license_required": [False] * 3,
            "licensed": [False] * 3,
            "standardization_level": [None, None, None],
        }
    )
    return {
        "inspections": inspections,
        "hazards": hazards,
        "cases": cases,
        "enterprises": enterprises,
    }


def test_enforcement_counts() -> None:
    data = Dataset.from_frames(as_of="2025-06-30", regions=REGIONS, **enforcement_frames())
    assert data.rejected.height == 0, data.rejected
    t = compare_periods(data, "2024-01-01", "2024-10-31")
    got = {
        r["indicator"]: (r["current"], r["previous"])
        for r in t.iter_rows(named=True)
        if r["note"] is None
    }
    assert got["检查次数"] == (2, 1)  # J1, J2 against J3 (J9 is after the span)
    assert got["检查企业数"] == (2, 1)  # E1, E2 against E3
    assert got["发现隐患数"] == (1, 1)  # H2 against H3
    assert got["整改隐患数"] == (1, 1)  # H1 (found in 2023, rectified in 2024) against H3
    assert got["关闭取缔企业数"] == (2, 1)  # E1 once, plus one unnamed unit; against E3
    assert got["刑事拘留人数"] == (3, 4)
    assert got["移送司法机关人数"] == (3, 0)
    assert row(t, "总计", "移送司法机关人数")["change_pct"] is None
    # accidents are missing: their rows are left out, with a note
    note = t.filter(pl.col("note").is_not_null())
    assert note.height == 1 and "accidents" in note["note"].item()
    assert "事故起数" not in t["indicator"].to_list()


def test_no_table_to_compare_names_accidents() -> None:
    with pytest.raises(DatasetError, match="accidents"):
        compare_periods(
            Dataset.from_frames(as_of="2025-01-01", regions=REGIONS), "2024-01-01", "2024-10-31"
        )


def test_start_after_end_is_an_error() -> None:
    with pytest.raises(ValueError, match="晚于"):
        compare_periods(dataset(accidents=SMALL), "2024-10-31", "2024-01-01")


@settings(max_examples=20, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_never_changes_the_result(rnd) -> None:
    frames = enforcement_frames()
    base = compare_periods(
        Dataset.from_frames(as_of="2025-06-30", regions=REGIONS, accidents=SMALL, **frames),
        "2024-01-01",
        "2024-10-31",
    )
    shuffled = {
        name: f.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6))
        for name, f in {"accidents": SMALL, **frames}.items()
    }
    again = compare_periods(
        Dataset.from_frames(as_of="2025-06-30", regions=REGIONS.reverse(), **shuffled),
        "2024-01-01",
        "2024-10-31",
    )
    assert again.equals(base)


# --- the command line -----------------------------------------------------------------


def test_cli_writes_csv_and_excel(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from accountability.cli import app

    folder = tmp_path / "data"
    folder.mkdir()
    REGIONS.write_csv(folder / "regions.csv")
    SMALL.write_csv(folder / "accidents.csv")
    runner = CliRunner()
    out_csv = tmp_path / "cmp.csv"
    result = runner.invoke(
        app,
        [
            "compare",
            str(folder),
            "--from",
            "2024-01-01",
            "--to",
            "2024-10-31",
            "--out",
            str(out_csv),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "事故起数" in result.output and "33.33%" in result.output
    text = out_csv.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("范围,指标,单位,本期,上年同期")
    assert "总计,事故起数,起,4.0,3.0,1.0,33.33," in text

    out_xlsx = tmp_path / "cmp.xlsx"
    result = runner.invoke(
        app,
        [
            "compare",
            str(folder),
            "--from",
            "2024-01-01",
            "--to",
            "2024-10-31",
            "--region",
            "430903",
            "--out",
            str(out_xlsx),
        ],
    )
    assert result.exit_code == 0, result.output
    sheet = pl.read_excel(out_xlsx, engine="calamine", read_options={"header_row": 1})
    assert sheet.columns[:2] == ["范围", "指标"]
    assert sheet.filter(pl.col("指标") == "事故起数")["本期"].to_list()[0] == 2


def test_cli_missing_folder_exits_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from accountability.cli import app

    result = CliRunner().invoke(
        app, ["compare", str(tmp_path / "nope"), "--from", "2024-01-01", "--to", "2024-10-31"]
    )
    assert result.exit_code == 2


def test_spans_accept_the_date_forms_the_tables_accept() -> None:
    from accountability.periods import previous_span

    assert previous_span("2024/1/1", "2024年10月31日") == (
        dt.date(2023, 1, 1),
        dt.date(2023, 10, 31),
    )
    with pytest.raises(ValueError, match="不是日期"):
        previous_span("2024-13-01", "2024-12-31")
