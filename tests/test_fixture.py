"""The Yiyang fixture: deterministic, and it tells the source speech's story.

January–October 2024 against January–October 2023 through `compare_periods` gives
the speech's figures exactly; the full years carry the 10·5 water accident, the
sector rise of 水上交通 and the cases, enterprises and officials the scorers show.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from accountability.accidents import grade_accidents
from accountability.codes import is_valid_uscc
from accountability.periods import compare_periods
from accountability.tables import load_dataset

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "yiyang-2024"
GENERATOR = ROOT / "fixtures" / "generate.py"


def run_generator(out: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out), *args],
        check=True,
        capture_output=True,
    )


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    run_generator(tmp_path / "a", "--enterprises", "400", "--seed", "7")
    run_generator(tmp_path / "b", "--enterprises", "400", "--seed", "7")
    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert len(a) == 16
    assert a == b
    run_generator(tmp_path / "c", "--enterprises", "400", "--seed", "8")
    assert files(tmp_path / "c")["enterprises.csv"] != a["enterprises.csv"]


def test_committed_fixture_is_the_generators_output(tmp_path: Path) -> None:
    run_generator(tmp_path / "yy")
    assert files(tmp_path / "yy") == files(FIXTURE)


@pytest.fixture(scope="module")
def data():
    return load_dataset(FIXTURE, as_of="2025-01-31")


@pytest.fixture(scope="module")
def speech(data) -> dict[tuple[str, str], dict]:
    table = compare_periods(data, "2024-01-01", "2024-10-31")
    return {(r["scope"], r["indicator"]): r for r in table.iter_rows(named=True)}


def test_every_row_loads(data) -> None:
    assert data.rejected.height == 0, data.rejected.head(10)
    assert data.warnings.height == 0, data.warnings.head(10)
    assert set(data.tables) == {
        "assessed_enterprises",
        "regions",
        "region_stats",
        "targets",
        "accidents",
        "enterprises",
        "inspections",
        "cases",
        "hazards",
        "officials",
        "duty_records",
        "work_items",
        "adjustments",
        "credit_listings",
        "summons_history",
        "responsibility_findings",
    }


def test_accident_figures_match_the_speech(speech) -> None:
    expected = {
        "事故起数": -14.21,
        "死亡人数": -1.22,
        "重伤人数": -15.88,
        "直接经济损失(万元)": -15.54,
    }
    for indicator, pct in expected.items():
        assert speech[("总计", indicator)]["change_pct"] == pct, indicator


def test_sector_figures_match_the_speech(speech) -> None:
    water = speech[("水上交通", "死亡人数")]
    assert (water["current"], water["previous"], water["change_pct"]) == (9, 3, 200.0)
    group = speech[("工矿商贸", "死亡人数")]
    assert (group["current"], group["previous"], group["change_pct"]) == (8, 5, 60.0)


def test_enforcement_figures_match_the_speech(speech) -> None:
    def now(indicator: str) -> float:
        return speech[("总计", indicator)]["current"]

    assert 3_700 <= now("检查次数") <= 3_799
    assert now("检查企业数") > 10_000
    assert now("发现隐患数") > 40_000
    assert now("整改隐患数") > 40_000
    assert 480 <= now("关闭取缔企业数") <= 489
    assert 90 <= now("刑事拘留人数") <= 99
    assert now("移送司法机关人数") == 10


def test_training_work_items(data) -> None:
    items = data.table("work_items").filter(
        (pl.col("region_code") == "430900") & (pl.col("year") == 2024)
    )
    got = dict(items.select("item", "achieved").iter_rows())
    assert got["安全管理人员培训班次"] == 11
    assert 700 <= got["安全管理人员培训人数"] < 800
    assert got["特种作业人员培训班次"] == 23
    assert 1_900 <= got["特种作业人员培训人数"] < 2_000


def test_the_10_5_water_accident_and_the_full_year_rise(data) -> None:
    acc = grade_accidents(data.table("accidents"))
    oct5 = acc.filter(pl.col("occurred_on") == pl.date(2024, 10, 5))
    assert oct5.height == 1
    rec = oct5.row(0, named=True)
    assert (rec["sector"], rec["grade"], rec["region_code"]) == ("水上交通", "较大", "430981")
    assert 3 <= rec["deaths"] + rec["missing"] <= 9
    water = (
        acc.filter(pl.col("sector") == "水上交通")
        .group_by(pl.col("occurred_on").dt.year().alias("year"))
        .agg((pl.col("deaths") + pl.col("missing")).sum().alias("d"))
    )
    by_year = dict(water.iter_rows())
    assert by_year[2024] >= 5 and by_year[2024] >= 1.5 * by_year[2023]
    # no 重大 or worse in 2024; a few 较大 in both years; one concealed accident in 2024
    y2024 = acc.filter(pl.col("occurred_on").dt.year() == 2024)
    assert y2024.filter(pl.col("grade").is_in(["重大", "特别重大"])).height == 0
    assert y2024.filter(pl.col("grade") == "较大").height >= 2
    assert acc.filter(pl.col("occurred_on").dt.year() == 2023, grade="较大").height >= 1
    assert y2024.filter("concealed")["region_code"].to_list() == ["430922"]
    assert y2024.filter("reported_late").height >= 2
    assert acc.filter(~pl.col("liability")).height >= 2


def test_every_credit_code_is_valid(data) -> None:
    ids = data.table("enterprises")["enterprise_id"]
    assert 11_000 <= ids.len() <= 13_000
    assert all(is_valid_uscc(code) for code in ids)
    assert ids.str.slice(2, 4).unique().to_list() == ["4309"]


def test_officials_include_the_water_deputy_and_the_departments(data) -> None:
    officials = data.table("officials")
    deputy = officials.filter(official_id="GB43090004").row(0, named=True)
    assert deputy["role"] == "分管负责人" and "水上交通" in deputy["portfolio"]
    departments = set(officials.filter(role="部门负责人")["department"].to_list())
    assert departments == {
        "应急管理局",
        "住房和城乡建设局",
        "交通运输局",
        "公安局",
        "教育局",
        "消防救援局",
    }
    recorded = set(data.table("duty_records").filter(year=2024)["official_id"].to_list())
    assert len(set(officials["official_id"]) - recorded) >= 3  # some officials recorded nothing


def test_cases_show_every_kind_of_gap(data) -> None:
    cases = data.table("cases").filter(pl.col("found_on").dt.year() == 2024)
    assert cases.filter(pl.col("illegal") & ~pl.col("closed")).height >= 1
    assert cases.filter(pl.col("fine_yuan") < pl.col("fine_max_yuan")).height >= 1
    assert (
        cases.filter(
            (pl.col("illegal") | pl.col("unlawful")) & pl.col("fine_max_yuan").is_null()
        ).height
        >= 1
    )
    assert cases.filter(pl.col("unlawful") & ~pl.col("suspended") & ~pl.col("closed")).height >= 1
    assert cases.filter(pl.col("criminal") & ~pl.col("transferred")).height >= 1
    fined = data.table("cases").filter(pl.col("major_hazard") & (pl.col("fine_yuan") > 0))
    counts = fined.group_by("enterprise_id").len().filter(pl.col("len") >= 3)
    assert sorted(counts["len"].to_list()) == [3, 4]


def test_a_summons_history_rectified_and_not(data) -> None:
    history = data.table("summons_history").sort("summons_id")
    water = history.filter(official_id="GB43098102").row(0, named=True)
    # the city summoned 沅江市's government head after the 10·5 accident; not rectified
    assert (water["region_code"], str(water["issuer_level"])) == ("430981", "市")
    assert water["summoned_on"] == dt.date(2024, 10, 12) and water["rectified_on"] is None
    assert "SG202400151" in water["reason"]
    rectified = history.filter(pl.col("rectified_on").is_not_null())
    assert rectified.height == 2
    assert (rectified["rectified_on"] > rectified["summoned_on"]).all()
    assert history["official_id"].null_count() == 1  # a region's government summoned


def test_findings_cover_the_concealed_accident_and_the_10_5_accident(data) -> None:
    from accountability.scorers.dual_duty import dual_duty

    findings = data.table("responsibility_findings")
    leadership = findings.filter(
        pl.col("finding").cast(pl.String).is_in(["领导责任", "主要领导责任", "重要领导责任"])
        & ~pl.col("fully_performed")
    )
    attributed = dual_duty(data, None, 2024).attributions
    concealed = data.table("accidents").filter("concealed", pl.col("occurred_on").dt.year() == 2024)
    (aid,) = concealed["accident_id"].to_list()
    # every official the concealed accident is attributed to has a leadership finding
    # on it, so the findings keep today's 问责建议 for each of them
    named = set(leadership.filter(accident_id=aid)["official_id"])
    assert set(attributed.filter(accident_id=aid)["official_id"]) == named
    assert len(named) == 8
    # the water deputy of `explain` has a finding on the 10·5 accident
    water = findings.filter(accident_id="SG202400151", official_id="GB43090004")
    assert water.height == 1 and water["finding"].cast(pl.String).item() == "领导责任"
    # 第二十三条 (fully performed) and 无责任 both appear
    assert findings["fully_performed"].any()
    assert (findings["finding"].cast(pl.String) == "无责任").any()
