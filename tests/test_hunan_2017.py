"""The example province scheme `examples/hunan-2017.toml` on the bundled fixture: a
rulebook written from the 湖南省安全生产工作考核办法 (as reported in 2017) and 益阳's 2023
award rules loads, passes its checks, and does what its clauses say on real-shaped data.
The clauses' edge cases are tested on hand-built tables in test_pull_in_and_lookback,
test_veto_tables, test_awards_and_consequences and test_assessed_units; here each
clause is checked once where the fixture shows it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import polars as pl
import pytest

import accountability as acc

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "hunan-2017.toml"
TAOJIANG, SHIP_SOE = "430922", "91430981WNXUAUC036"


@pytest.fixture(scope="module")
def hunan(yiyang_data) -> acc.Assessment:
    return acc.assess(yiyang_data, acc.load_rulebook(EXAMPLE), year=2024)


def test_the_example_loads_and_every_override_cites_its_basis():
    book = acc.load_rulebook(EXAMPLE)
    assert book.name == "湖南式安全生产工作考核（示例）"
    overridden = [f"annual.{key}" for key in tomllib.loads(EXAMPLE.read_text())["annual"]]
    assert len(overridden) == 18
    for key in overridden:
        assert book[key].source.startswith(str(EXAMPLE)), key
        assert any(word in book[key].basis for word in ("湖南", "益阳", "示例")), key


def test_the_example_turns_on_hunans_2018_summons_windows():
    from accountability.rules.summons import escalation_rules, summons_rules

    book = acc.load_rulebook(EXAMPLE)
    day = book.for_year(2024)
    added = {r.rule_id: r for r in summons_rules(day)}
    # today's period conditions stay, and the three windows add to them
    assert set(added) == {
        "dual_duty.summons.grade",
        "dual_duty.summons.fatal",
        "dual_duty.summons.window.larger_30d",
        "dual_duty.summons.window.larger_over_target",
        "dual_duty.summons.window.repeated_fatal_30d",
    }
    larger = added["dual_duty.summons.window.larger_30d"]
    assert (larger.grade, larger.count, larger.window_days) == ("较大", 2, 30)
    assert larger.target_role == "政府主要负责人" and larger.issuer_level is None  # level above
    assert added["dual_duty.summons.window.larger_over_target"].window == "target"
    repeated = added["dual_duty.summons.window.repeated_fatal_30d"]
    assert (repeated.fatal, repeated.count, repeated.target_role) == (True, 3, "分管负责人")
    (escalation,) = escalation_rules(day)
    assert (escalation.within_days, escalation.new_fatal_accidents) == (90, 1)
    assert escalation.unrectified_after_days == 30 and escalation.copy_to == "上一级纪检监察机关"
    assert day["annual.summons_points"] == 1.0
    for key in ("dual_duty.summons", "dual_duty.escalation", "annual.summons_points"):
        assert "湖南省安全生产约谈制度" in book[key].basis, key
    for rule in (*added.values(), escalation):
        assert rule.basis, rule.rule_id


def test_each_summons_costs_the_summoned_region_a_point(hunan):
    d2 = hunan.line_items.filter(pl.col("rule_id") == "D2")
    assert d2.height == hunan.regions.height  # one item per region while the points are not 0
    summoned = hunan.summons_events.filter(
        (pl.col("step") == "约谈") & pl.col("triggered_on").is_between(*hunan.period)
    )
    per_region = summoned.group_by("region_code").agg(
        pl.struct("rule_id", "triggered_on").n_unique().alias("n")
    )
    expected = dict(per_region.iter_rows())
    got = {r["subject_id"]: r["points"] for r in d2.iter_rows(named=True)}
    for region, points in got.items():
        assert points == -float(expected.get(region, 0)), region
    assert any(points < 0 for points in got.values())


def test_an_unrectified_summons_becomes_a_notice_copied_one_level_up(hunan):
    # the city summoned 沅江市's government head on 2024-10-12 after the 10·5 accident
    # (summons_history); not rectified 30 days later: 通报 on 2024-11-12
    notices = hunan.summons_events.filter(
        (pl.col("official_id") == "GB43098102") & (pl.col("step") == "通报")
    )
    assert notices.height >= 1
    first = notices.sort("triggered_on").row(0, named=True)
    assert first["copy_to"] == "上一级纪检监察机关"
    assert first["triggered_on"] <= dt.date(2024, 11, 12)
    official = hunan.officials.filter(pl.col("official_id") == "GB43098102").to_dicts()[0]
    assert official["step"] in ("通报", "问责建议")


def test_the_period_runs_from_1_december_to_30_november(hunan):
    assert hunan.period == (dt.date(2023, 12, 1), dt.date(2024, 11, 30))
    a2 = hunan.line_items.filter(pl.col("rule_id") == "A2")["reason"].to_list()
    assert a2 and all(r.startswith("与 2022-12-01 至 2023-11-30同比") for r in a2)
    assert "考核期 2023-12-01 至 2024-11-30" in hunan.explain(TAOJIANG, "region")


def test_only_production_related_accidents_count_for_the_score(hunan, yiyang_data):
    private = set(
        yiyang_data.table("accidents").filter(~pl.col("production_related"))["accident_id"]
    )
    assert private  # the fixture's private-car road accidents
    scored = hunan.line_items.filter(
        (pl.col("scorer") == "annual") & pl.col("rule_id").is_in(["A1", "A2", "A4", "A5"])
    )
    used = {aid for ids in scored["evidence"].to_list() for aid in ids}
    assert used and not used & private


def test_a_county_concealment_by_an_enterprise_of_a_general_accident_does_not_veto(
    hunan, yiyang_2024
):
    # default: any concealment vetoes 桃江县; Hunan 2017: only 较大-or-worse concealed by
    # 政府有关部门, and this one was a 一般 accident concealed by the enterprise
    def row(a: acc.Assessment) -> dict:
        return a.regions.filter(pl.col("region_code") == TAOJIANG).to_dicts()[0]

    assert row(yiyang_2024)["vetoed"] is True
    assert row(hunan)["vetoed"] is False


def test_a_state_enterprise_gets_a_yellow_card_for_one_larger_accident(hunan):
    soe = hunan.assessed_enterprises.filter(pl.col("enterprise_id") == SHIP_SOE).to_dicts()[0]
    assert soe["yellow_card"] is True and soe["vetoed"] is False
    assert "企业达到 1 起即黄牌警告" in soe["yellow_card_reasons"][0]


def test_the_top_three_counties_without_a_larger_accident_are_named(hunan):
    counties = hunan.regions.filter(pl.col("level") == "县")
    awarded = counties.filter(pl.col("award") == "先进县市区")
    assert awarded.height == 3
    # a county with a 较大 accident (沅江市: the 10·5 shipwreck; 安化县: a road accident)
    # may not be named whatever its score; of the others, the three best are
    clean = counties.filter(
        pl.col("award_eligible") & ~pl.col("region_code").is_in(["430981", "430923"])
    )
    best = clean.sort("score", descending=True).head(3)["region_code"].to_list()
    assert sorted(awarded["region_code"]) == sorted(best)


def test_departments_are_scored_and_published_with_the_counties(hunan):
    city = hunan.published_list.filter(pl.col("list_code") == "430900")
    kinds = set(city["subject_type"])
    assert kinds == {"region", "department", "state_enterprise"}
    departments = hunan.assessed_departments.filter(pl.col("region_code") == "430900")
    assert departments["score"].is_not_null().all()
    # 40% of the city's six departments, at least the two tied at the top
    assert departments.filter(pl.col("award") == "先进单位").height >= 2


def test_the_ranking_notes_say_what_a_veto_costs(yiyang_data):
    from test_annual import with_params

    from accountability.report import markdown_report

    rules = with_params(
        annual__veto_consequences={"award_ineligible": True, "promotion_bar_days": 365,
                                   "promotion_bar_roles": ["党委主要负责人", "政府主要负责人"]},
    )  # fmt: skip
    result = acc.assess(yiyang_data, rules, year=2024)
    barred = result.officials.filter(
        (pl.col("region_code") == TAOJIANG) & pl.col("promotion_barred_until").is_not_null()
    )
    assert barred.height > 0
    text = markdown_report(result, explain=False)
    assert f"否决后果：当年不得评先评优，领导干部 {barred.height} 人 2025-12-31 前不得提拔" in text
