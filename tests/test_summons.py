"""约谈 (安委〔2018〕2号《安全生产约谈实施办法(试行)》; 湖南省安全生产约谈制度, 2018):
the summons engine evaluated on hand-built frames, one example per clause with both
sides of each boundary, the rule files' checks of ``dual_duty.summons`` and
``dual_duty.escalation``, then properties.

An event fires on day d when the window's count reaches the threshold on d and was
below it before d's accidents; "within 30 days" means the earlier accident at most 30
days before the later; accidents of one day count together; events are those of P(Y),
windows see P(Y−1)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl
import pytest
from builders import frame
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.errors import RulebookError
from accountability.outputs import OUTPUTS
from accountability.rulebook import load_rulebook, rulebook
from accountability.rules.model import Context
from accountability.rules.registry import REGISTRY
from accountability.rules.summons import SummonsRule, escalation_rules, summons_rules
from accountability.scorers.summons import EVENT_SORT, summons_events, summons_posts

D = dt.date
CITY, ZIYANG, HESHAN = "430900", "430902", "430903"
LEVELS = pl.LazyFrame(
    {"region_code": ["430000", CITY, ZIYANG, HESHAN], "level": ["省", "市", "县", "县"]}
)
PARENT = {ZIYANG: CITY, HESHAN: CITY, CITY: "430000"}
CTX = Context.for_year(rulebook(), 2024)


# --- builders ----------------------------------------------------------------------------


def accident(
    aid: str, day: dt.date, official: str = "P1", *, region: str = ZIYANG,
    grade: str = "一般", deaths: int = 1, sector: str = "道路交通",
) -> dict:  # fmt: skip
    """One attribution row: accident `aid` of `region` answered for by `official`."""
    return {"accident_id": aid, "official_id": official, "region_code": region,
            "sector": sector, "grade": grade, "occurred_on": day, "deaths": deaths}  # fmt: skip


def attributions(rows: Iterable[dict]) -> pl.LazyFrame:
    schema = {"accident_id": pl.String, "official_id": pl.String, "region_code": pl.String,
              "sector": pl.String, "grade": pl.String, "occurred_on": pl.Date,
              "deaths": pl.Int64}  # fmt: skip
    return pl.LazyFrame(list(rows), schema=schema)


def region_accidents(rows: Iterable[dict]) -> pl.LazyFrame:
    """The region rows of accidents (each in its county, the city and the province)."""
    out = []
    for r in rows:
        code = r["region_code"]
        while code:
            out.append({"accident_id": r["accident_id"], "ancestor_code": code,
                        "sector": r["sector"], "grade": r["grade"],
                        "occurred_on": r["occurred_on"], "counted": r["deaths"]})  # fmt: skip
            code = PARENT.get(code)
    schema = {"accident_id": pl.String, "ancestor_code": pl.String, "sector": pl.String,
              "grade": pl.String, "occurred_on": pl.Date, "counted": pl.Int64}  # fmt: skip
    return pl.LazyFrame(out, schema=schema)


def posts(officials: Sequence[dict], coverage: Sequence[tuple[str, str]] = ()) -> pl.LazyFrame:
    table = frame("officials", [{"name": o["official_id"], **o} for o in officials])
    cov = pl.LazyFrame(
        {"official_id": [c[0] for c in coverage], "sector": [c[1] for c in coverage]},
        schema={"official_id": pl.String, "sector": pl.String},
    )
    return summons_posts(table.lazy(), cov)


PEOPLE = posts([
    {"official_id": "P1", "region_code": ZIYANG, "role": "政府主要负责人"},
    {"official_id": "P2", "region_code": ZIYANG, "role": "党委主要负责人"},
])  # fmt: skip


def events(
    rows: Iterable[dict], *rules: SummonsRule, people: pl.LazyFrame = PEOPLE, **kw
) -> pl.DataFrame:
    rows = list(rows)
    result = summons_events(
        attributions(rows), region_accidents(rows), people, LEVELS, kw.pop("ctx", CTX),
        rules=rules, escalations=(), **kw,
    )  # fmt: skip
    out = result.events.collect()
    assert OUTPUTS["summons_events"].problems(out) == []
    return out


def within(days: int, count: int, **kw) -> SummonsRule:
    return SummonsRule("dual_duty.summons.window.t", count=count, window="days",
                       window_days=days, **{"grade": "一般", **kw})  # fmt: skip


def days_of(out: pl.DataFrame) -> list[dt.date]:
    return out["triggered_on"].to_list()


# --- window_days: the window's edges -----------------------------------------------------


def test_the_earlier_accident_30_days_before_the_later_is_within_30_days():
    out = events([accident("A1", D(2024, 3, 1)), accident("A2", D(2024, 3, 31))], within(30, 2))
    event = out.row(0, named=True)
    assert out.height == 1
    assert event["triggered_on"] == D(2024, 3, 31) and event["official_id"] == "P1"
    assert (event["window_start"], event["window_end"], event["window_days"]) == (
        D(2024, 3, 1), D(2024, 3, 31), 30,
    )  # fmt: skip
    assert (event["count"], event["threshold"], event["evidence"]) == (2, 2, ["A1", "A2"])
    assert event["step"] == "约谈" and event["source"] == "规则"
    assert event["level"] == "县" and event["issuer_level"] == "市"  # the level above
    assert event["reason"] == (
        "2024-03-01 至 2024-03-31 的 30 日内被归责一般及以上事故 2 起（A1、A2）（≥2 起）→ 约谈"
    )


def test_31_days_apart_is_not_within_30_days():
    assert events([accident("A1", D(2024, 3, 1)), accident("A2", D(2024, 4, 1))],
                  within(30, 2)).is_empty()  # fmt: skip


def test_exactly_n_accidents_summon_and_n_minus_1_do_not():
    three = [accident(f"A{i}", D(2024, 5, i)) for i in (1, 10, 20)]
    assert events(three[:2], within(90, 3)).is_empty()
    assert days_of(events(three, within(90, 3))) == [D(2024, 5, 20)]


def test_accidents_of_one_day_count_together_and_fire_once():
    same_day = [accident(f"A{i}", D(2024, 6, 1)) for i in (1, 2, 3)]
    out = events(same_day, within(30, 2))
    assert days_of(out) == [D(2024, 6, 1)]
    assert out["count"].to_list() == [3] and out["evidence"].to_list() == [["A1", "A2", "A3"]]


def test_one_event_per_crossing_and_again_after_the_window_empties():
    rows = [accident("A1", D(2024, 1, 10)), accident("A2", D(2024, 1, 20)),
            accident("A3", D(2024, 1, 25)),  # still above: no second event
            accident("A4", D(2024, 5, 1)), accident("A5", D(2024, 5, 10))]  # fmt: skip
    assert days_of(events(rows, within(30, 2))) == [D(2024, 1, 20), D(2024, 5, 10)]


def test_a_window_crossing_1_january_counts_december_and_reports_only_the_period():
    rows = [accident("A1", D(2023, 12, 20)), accident("A2", D(2024, 1, 5))]
    out = events(rows, within(30, 2))
    assert days_of(out) == [D(2024, 1, 5)] and out["evidence"].to_list() == [["A1", "A2"]]
    assert out["window_start"].to_list() == [D(2023, 12, 6)]
    # a run complete in December fired in P(Y−1): not an event of 2024, nor again in January
    rows = [accident("A1", D(2023, 12, 10)), accident("A2", D(2023, 12, 20)),
            accident("A3", D(2024, 1, 5))]  # fmt: skip
    assert events(rows, within(30, 2)).is_empty()


def test_grade_or_worse_fatal_and_sectors_select_the_accidents():
    rows = [accident("A1", D(2024, 3, 1), grade="较大", deaths=3),
            accident("A2", D(2024, 3, 2), grade="重大", deaths=0, sector="煤矿"),
            accident("A3", D(2024, 3, 3), grade="一般", deaths=1)]  # fmt: skip
    assert events(rows, within(30, 2, grade="较大"))["evidence"].to_list() == [["A1", "A2"]]
    fatal = SummonsRule("f", count=2, window="days", window_days=30, fatal=True)
    assert events(rows, fatal)["evidence"].to_list() == [["A1", "A3"]]
    roads = within(30, 2, sectors=("道路交通",))
    assert events(rows, roads)["evidence"].to_list() == [["A1", "A3"]]
    assert events(rows, within(30, 3, sectors=("道路交通",))).is_empty()


# --- window = "period" and today's keys ------------------------------------------------


def test_a_period_window_counts_from_the_periods_first_day():
    rows = [accident("A0", D(2023, 12, 30)), accident("A1", D(2024, 2, 1)),
            accident("A2", D(2024, 11, 30))]  # fmt: skip
    rule = SummonsRule("p", count=2, window="period", grade="一般")
    event = events(rows, rule).row(0, named=True)
    assert event["triggered_on"] == D(2024, 11, 30) and event["evidence"] == ["A1", "A2"]
    assert (event["window_start"], event["window_days"]) == (D(2024, 1, 1), None)
    assert event["reason"].startswith("2024 年截至 2024-11-30 被归责一般及以上事故 2 起")
    assert events(rows[:2], rule).is_empty()  # 1 in the period (December's is not)


def test_todays_keys_summon_as_today_once_the_period_count_is_reached():
    """The default rules: 1 较大 or worse, or 3 fatal accidents, over the period."""
    rules = summons_rules(rulebook().for_year(2024))
    assert [(r.rule_id, r.count, r.window, r.grade, r.fatal) for r in rules] == [
        ("dual_duty.summons.grade", 1, "period", "较大", False),
        ("dual_duty.summons.fatal", 3, "period", None, True),
    ]
    rows = [accident("A1", D(2024, 2, 1), deaths=1), accident("A2", D(2024, 4, 1), deaths=2),
            accident("A3", D(2024, 4, 1), deaths=0), accident("A4", D(2024, 9, 9), deaths=1),
            accident("B1", D(2024, 7, 7), "P2", grade="较大", deaths=3)]  # fmt: skip
    out = events(rows, *rules)
    assert out.select("official_id", "rule_id", "triggered_on", "count").rows() == [
        ("P2", "dual_duty.summons.grade", D(2024, 7, 7), 1),
        ("P1", "dual_duty.summons.fatal", D(2024, 9, 9), 3),
    ]
    assert out["basis"][0] == REGISTRY["dual_duty.summons.grade"].basis(CTX.rules)
    # two fatal accidents only: no summons, as today (3 needed)
    assert events(rows[:3], *rules).is_empty()


def test_a_legacy_count_of_0_needs_one_accident_as_today(tmp_path: Path):
    path = tmp_path / "zero.toml"
    path.write_text('extends = "default"\n[dual_duty.summons_fatal_accidents]\nvalue = 0\n'
                    'basis = "测试"\n', encoding="utf-8")  # fmt: skip
    fatal = summons_rules(load_rulebook(path).for_year(2024))[-1]
    assert fatal.count == 1
    assert events([], fatal).is_empty()
    assert days_of(events([accident("A1", D(2024, 3, 3))], fatal)) == [D(2024, 3, 3)]


# --- count_vs_target ---------------------------------------------------------------------


def targets(limit: float, kind: str = "absolute", region: str = ZIYANG) -> pl.LazyFrame:
    return frame("targets", [{"region_code": region, "year": 2024, "indicator": "larger_accidents",
                              "limit": limit, "limit_kind": kind}]).lazy()  # fmt: skip


ABOVE_TARGET = SummonsRule("t", count=1, window="target", grade="较大")


def test_larger_accidents_at_the_target_do_not_summon_and_one_above_does():
    rows = [accident(f"A{i}", D(2024, i, 1), grade="较大", deaths=3) for i in (1, 2, 3)]
    rows.append(accident("M1", D(2024, 2, 15), grade="重大", deaths=12))  # not a 较大: no count
    assert events(rows[:2] + rows[3:], ABOVE_TARGET, targets=targets(2)).is_empty()
    event = events(rows, ABOVE_TARGET, targets=targets(2)).row(0, named=True)
    assert (event["triggered_on"], event["count"], event["threshold"]) == (D(2024, 3, 1), 3, 3)
    assert event["evidence"] == ["A1", "A2", "A3"]
    assert "超过年度控制指标 2 起" in event["reason"]
    # a fractional limit: 2.5 is exceeded at 3
    assert days_of(events(rows, ABOVE_TARGET, targets=targets(2.5))) == [D(2024, 3, 1)]


def test_a_target_not_absolute_or_absent_is_not_applied_with_a_warning():
    rows = [accident(f"A{i}", D(2024, i, 1), grade="较大", deaths=3) for i in (1, 2, 3)]
    for kind, rule in (("decline_pct", "summons_target_not_absolute"),):
        result = summons_events(
            attributions(rows), None, PEOPLE, LEVELS, CTX, targets=targets(-10, kind),
            rules=(ABOVE_TARGET,), escalations=(),
        )  # fmt: skip
        assert result.events.collect().is_empty()
        assert result.warnings.collect()["rule"].to_list() == [rule]
    result = summons_events(attributions(rows), None, PEOPLE, LEVELS, CTX,
                            rules=(ABOVE_TARGET,), escalations=())  # fmt: skip
    warned = result.warnings.collect().row(0, named=True)
    assert warned["rule"] == "summons_target_absent" and warned["table"] == "targets"
    assert "超过年度控制指标" in warned["message"]


# --- a role at a level, in post on the day ------------------------------------------------

GOVERNOR = {"region_code": ZIYANG, "role": "政府主要负责人"}
OFFICIALS = [
    {"official_id": "G1", **GOVERNOR, "end_on": D(2024, 3, 10)},
    {"official_id": "G2", **GOVERNOR, "start_on": D(2024, 3, 11)},
    {"official_id": "R1", "region_code": ZIYANG, "role": "分管负责人"},
    {"official_id": "R2", "region_code": ZIYANG, "role": "分管负责人"},
    {"official_id": "C1", "region_code": CITY, "role": "政府主要负责人"},
]
ROLE_POSTS = posts(OFFICIALS, [("R1", "道路交通"), ("R2", "煤矿")])


def test_a_role_at_a_level_summons_whoever_is_in_post_on_the_day():
    rule = within(30, 2, target_role="政府主要负责人", target_level="县")
    rows = [accident("A1", D(2024, 3, 5), "x"), accident("A2", D(2024, 3, 20), "x")]
    out = events(rows, rule, people=ROLE_POSTS)
    assert out.select("region_code", "official_id", "role", "level", "issuer_level").rows() == [
        (ZIYANG, "G2", "政府主要负责人", "县", "市")  # G1 left on 03-10; the city is not 县
    ]
    assert out["reason"][0].startswith("2024-02-19 至 2024-03-20 的 30 日内本地区及下级发生")
    # on 03-10 G1 was still in post
    rows = [accident("A1", D(2024, 3, 5), "x"), accident("A2", D(2024, 3, 10), "x")]
    assert events(rows, rule, people=ROLE_POSTS)["official_id"].to_list() == ["G1"]


def test_a_role_without_a_level_reaches_every_region_above_the_accidents():
    """Each region summoned by the level above it; nobody in post for the province: the
    event stays on the region."""
    rule = within(30, 2, target_role="政府主要负责人")
    rows = [accident("A1", D(2024, 4, 5), "x"), accident("A2", D(2024, 4, 6), "x")]
    out = events(rows, rule, people=ROLE_POSTS)
    assert out.select("region_code", "official_id", "issuer_level").rows() == [
        ("430000", None, "国家"),
        (CITY, "C1", "省"),
        (ZIYANG, "G2", "市"),
    ]
    assert (
        events(
            rows, within(30, 2, target_role="政府主要负责人", issuer_level="省"), people=ROLE_POSTS
        )["issuer_level"].to_list()
        == ["省"] * 3
    )


def test_a_sector_role_is_summoned_for_the_sectors_it_covers():
    rule = within(30, 2, target_role="分管负责人", target_level="县")
    roads = [accident("A1", D(2024, 5, 1), "x"), accident("A2", D(2024, 5, 2), "x")]
    assert events(roads, rule, people=ROLE_POSTS)["official_id"].to_list() == ["R1"]
    mixed = [accident("A1", D(2024, 5, 1), "x"), accident("A2", D(2024, 5, 2), "x", sector="煤矿")]
    assert events(mixed, rule, people=ROLE_POSTS)["official_id"].to_list() == ["R1", "R2"]


# --- the rule files ---------------------------------------------------------------------

GOOD = """extends = "default"

[dual_duty.summons]
basis = "湖南省安全生产约谈制度（2018）"
value = [
  { id = "hn-2-larger-30d", grade = "较大", count = 2, window_days = 30, target_role = "归责对象", basis = "湖南省安全生产约谈制度（2018）" },
  { grade = "较大", count = 1, count_vs_target = true, target_role = "政府主要负责人", target_level = "市", issuer_level = "省", basis = "湖南省安全生产约谈制度（2018）" },
  { fatal = true, count = 3, window = "period", sectors = ["道路交通"], target_role = "分管负责人", basis = "某市细则" },
]

[dual_duty.escalation]
basis = "安委〔2018〕2号"
value = [{ after = "约谈", within_days = 90, new_fatal_accidents = 1, unrectified_after_days = 60, step = "通报", copy_to = "上一级纪检监察机关", basis = "安委〔2018〕2号" }]
"""  # noqa: E501


def test_a_rule_file_adds_summons_and_escalation_rules_of_its_own_shape(tmp_path: Path):
    path = tmp_path / "city.toml"
    path.write_text(GOOD, encoding="utf-8")
    rules = summons_rules(load_rulebook(path).for_year(2024))
    assert [r.rule_id for r in rules] == [
        "dual_duty.summons.grade", "dual_duty.summons.fatal",  # today's keys stay in force
        "dual_duty.summons.window.hn-2-larger-30d", "dual_duty.summons.window.2",
        "dual_duty.summons.window.3",
    ]  # fmt: skip
    assert [r.window for r in rules[2:]] == ["days", "target", "period"]
    assert rules[3].indicator == "larger_accidents" and rules[4].sectors == ("道路交通",)
    (escalation,) = escalation_rules(load_rulebook(path).for_year(2024))
    assert escalation.rule_id == "dual_duty.escalation.1"
    assert (escalation.within_days, escalation.new_fatal_accidents) == (90, 1)
    assert escalation.copy_to == "上一级纪检监察机关"
    assert (
        REGISTRY.find("dual_duty.summons.window.hn-2-larger-30d").id == "dual_duty.summons.window"
    )
    assert REGISTRY.find("dual_duty.escalation.1").id == "dual_duty.escalation"


def inline(fields: dict) -> str:
    """A TOML inline table."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else repr(v)

    return "{ " + ", ".join(f"{k} = {value(v)}" for k, v in fields.items()) + " }"


SUMMONS = {"grade": "一般", "count": 2, "window_days": 30, "target_role": "归责对象", "basis": "x"}
ROLE = {"target_role": "政府主要负责人"}
# (fields over SUMMONS, fields left out, text in the fault)
BAD = [
    ({"colour": 1}, (), "第 1 条：未知的键 'colour'"),
    ({"grade": "较 大"}, (), "是否应为 较大？"),
    ({}, ("grade",), "须给出 grade（某等级及以上的事故）或 fatal = true"),
    ({"fatal": 1}, ("grade",), "fatal 须为 true 或 false"),
    ({"count": 0}, (), "count 取值须至少为 1"),
    ({"count": 2.5}, (), "是否应为 2 或 3？"),
    ({}, ("window_days",), "须给出且只给出 window_days"),
    ({"window": "period"}, (), "须给出且只给出 window_days"),
    ({"window_days": 400}, (), "window_days 至多为 365"),
    ({"window": "month"}, ("window_days",), 'window 只能为 "period"'),
    ({"count_vs_target": True}, ("window_days",), "count_vs_target 须与有控制指标的事故等级"),
    ({"sectors": ["煤炭"]}, (), "未知行业领域 ['煤炭']"),
    ({}, ("target_role",), "须给出约谈对象 target_role"),
    ({"target_role": "县长"}, (), "未知约谈对象 '县长'"),
    ({"target_level": "乡"}, (), "未知地区层级 '乡'"),
    ({**ROLE, "target_level": "市", "issuer_level": "县"}, (), "约谈机关层级 县 须高于被约谈地区"),
    ({"basis": " "}, (), "须注明依据 basis"),
]  # fmt: skip


def faults_of(tmp_path: Path, key: str, entry: str) -> tuple[Path, tuple[str, ...]]:
    """The problems of a file whose `key` holds the one entry, written on line 6."""
    path = tmp_path / "city.toml"
    head = f'extends = "default"\n\n[{key}]\nbasis = "某市细则"\nvalue = [\n'
    path.write_text(f"{head}  {entry},\n]\n", encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_rulebook(path)
    return path, info.value.problems


@pytest.mark.parametrize(("fields", "without", "message"), BAD, ids=[m for *_, m in BAD])
def test_a_bad_summons_entry_is_named_with_its_file_line_and_fault(
    tmp_path: Path, fields: dict, without: tuple[str, ...], message: str
):
    entry = {k: v for k, v in {**SUMMONS, **fields}.items() if k not in without}
    path, found = faults_of(tmp_path, "dual_duty.summons", inline(entry))
    head = f"{path}:6: dual_duty.summons: "
    assert any(p.startswith(head) and message in p for p in found), found


ESCALATION = {"after": "约谈", "within_days": 30, "new_fatal_accidents": 1, "step": "通报",
              "copy_to": "上一级纪检监察机关", "basis": "x"}  # fmt: skip
BAD_ESCALATIONS = [
    ({"after": "通报"}, (), 'after 须为 "约谈"'),
    ({"step": "问责"}, (), 'step 须为 "通报"'),
    ({}, ("within_days",), "须给出约谈后的观察天数 within_days"),
    ({"within_days": 0}, (), "within_days 取值须至少为 1"),
    ({}, ("new_fatal_accidents",), "须给出 new_fatal_accidents"),
    ({"new_fatal_accidents": 0}, (), "new_fatal_accidents 取值须至少为 1"),
    ({"unrectified_after_days": 60}, (), "超过观察天数 within_days = 30"),
    ({}, ("copy_to",), "须注明抄送机关 copy_to"),
    ({}, ("basis",), "须注明依据 basis"),
]


@pytest.mark.parametrize(
    ("fields", "without", "message"), BAD_ESCALATIONS, ids=[m for *_, m in BAD_ESCALATIONS]
)
def test_a_bad_escalation_entry_is_named_with_its_file_line_and_fault(
    tmp_path: Path, fields: dict, without: tuple[str, ...], message: str
):
    entry = {k: v for k, v in {**ESCALATION, **fields}.items() if k not in without}
    path, found = faults_of(tmp_path, "dual_duty.escalation", inline(entry))
    head = f"{path}:6: dual_duty.escalation: "
    assert any(p.startswith(head) and message in p for p in found), found


def test_two_entries_of_one_id_and_a_value_of_the_wrong_type_are_faults(tmp_path: Path):
    entry = inline({"id": "a", **SUMMONS})
    _, found = faults_of(tmp_path, "dual_duty.summons", f"{entry}, {entry}")
    assert any("id 重复 'a'" in p for p in found), found
    path = tmp_path / "city.toml"
    path.write_text('extends = "default"\n[dual_duty.summons]\nbasis = "x"\nvalue = { a = 1 }\n',
                    encoding="utf-8")  # fmt: skip
    with pytest.raises(RulebookError, match="类型错误"):
        load_rulebook(path)


def test_dated_summons_rules_keep_each_entrys_own_shape(tmp_path: Path):
    path = tmp_path / "city.toml"
    path.write_text(
        'extends = "default"\n[dual_duty.summons]\nbasis = "某市细则"\nvalues = [\n'
        "  { from = 2024-01-01, value = [] },\n"
        "  { from = 2024-07-01, value = [{ fatal = true, count = 2, window_days = 30,"
        ' target_role = "归责对象", basis = "某市细则" }] },\n]\n',
        encoding="utf-8",
    )
    book = load_rulebook(path)
    assert [r.rule_id for r in summons_rules(book.at(D(2024, 6, 30)))][2:] == []
    assert [r.rule_id for r in summons_rules(book.at(D(2024, 12, 31)))][2:] == [
        "dual_duty.summons.window.1"
    ]


def test_duty_requirements_may_be_given_per_role_or_per_role_and_level(tmp_path: Path):
    path = tmp_path / "city.toml"
    levelled = ('{ "党委主要负责人" = { "市" = { "研究部署" = 4 }, "省" = { "研究部署" = 1 } },'
                ' "分管负责人" = { "研究部署" = 2 } }')  # fmt: skip
    path.write_text(f'extends = "default"\n[dual_duty.duty_requirements]\nbasis = "x"\n'
                    f"value = {levelled}\n", encoding="utf-8")  # fmt: skip
    value = load_rulebook(path).for_year(2024)["dual_duty.duty_requirements"]
    assert value["党委主要负责人"] == {"市": {"研究部署": 4}, "省": {"研究部署": 1}}
    assert value["分管负责人"] == {"研究部署": 2}
    for bad, message in [
        ('{ "党委主要负责人" = { "地" = { "研究部署" = 4 } } }', "未知地区层级 '地'"),
        ('{ "党委主要负责人" = { "市" = { "研究" = 4 } } }', "未知履职事项 ['研究']"),
        ('{ "党委主要负责人" = { "市" = { "研究部署" = 4 }, "研究部署" = 1 } }', "不能混写"),
        ('{ "党委主要负责人" = { "市" = { "研究部署" = 2.5 } } }', "是否应为 2 或 3？"),
    ]:
        path.write_text(f'extends = "default"\n[dual_duty.duty_requirements]\nbasis = "x"\n'
                        f"value = {bad}\n", encoding="utf-8")  # fmt: skip
        with pytest.raises(RulebookError, match=message.replace("[", r"\[").replace("?", r"\?")):
            load_rulebook(path)


# --- properties --------------------------------------------------------------------------

OFFICIAL_IDS = ("P1", "P2", "P3")
GRADES = ("一般", "较大", "重大")


@st.composite
def accidents(draw: st.DrawFn, first: dt.date, last: dt.date, max_size: int = 50) -> list[dict]:
    n = draw(st.integers(0, max_size))
    span = (last - first).days
    return [
        accident(
            f"A{i:02d}", first + dt.timedelta(days=draw(st.integers(0, span))),
            draw(st.sampled_from(OFFICIAL_IDS)), grade=draw(st.sampled_from(GRADES)),
            deaths=draw(st.integers(0, 2)),
        )
        for i in range(n)
    ]  # fmt: skip


RULES = st.lists(
    st.one_of(
        st.builds(
            lambda w, n, g: SummonsRule(
                f"d{w}-{n}-{g}", count=n, window="days", window_days=w, grade=g
            ),
            st.sampled_from((1, 7, 30)), st.integers(1, 3), st.sampled_from(GRADES),
        ),
        st.builds(
            lambda n: SummonsRule(f"f{n}", count=n, window="days", window_days=30, fatal=True),
            st.integers(1, 3),
        ),
        st.builds(
            lambda n, g: SummonsRule(f"p{n}-{g}", count=n, window="period", grade=g),
            st.integers(1, 3), st.sampled_from(GRADES),
        ),
    ),
    min_size=1, max_size=3, unique_by=lambda r: r.rule_id,
)  # fmt: skip


def crossings(rows: list[dict], rule: SummonsRule) -> set[tuple[str, dt.date]]:
    """A reading of the rule by hand: (official, day) where the window's count reaches the
    count and did not before the day's accidents; days of the period only."""
    out = set()
    for official in OFFICIAL_IDS:
        mine = [r for r in rows if r["official_id"] == official and _counts(r, rule)]
        for day in {r["occurred_on"] for r in mine if CTX.start <= r["occurred_on"] <= CTX.end}:
            first = CTX.start if rule.window == "period" else day - dt.timedelta(rule.window_days)
            n = sum(first <= r["occurred_on"] <= day for r in mine)
            today = sum(r["occurred_on"] == day for r in mine)
            if n >= rule.count > n - today:
                out.add((official, day))
    return out


def _counts(row: dict, rule: SummonsRule) -> bool:
    if rule.fatal and row["deaths"] < 1:
        return False
    return rule.grade is None or GRADES.index(row["grade"]) >= GRADES.index(rule.grade)


def summoned_days(rows: list[dict], rule: SummonsRule) -> set[tuple[str, dt.date]]:
    """(official, day) of the period on which the window holds at least the count."""
    out = set()
    for official in OFFICIAL_IDS:
        mine = [r["occurred_on"] for r in rows if r["official_id"] == official and _counts(r, rule)]
        day = CTX.start
        while day <= CTX.end:
            first = CTX.start if rule.window == "period" else day - dt.timedelta(rule.window_days)
            if sum(first <= d <= day for d in mine) >= rule.count:
                out.add((official, day))
            day += dt.timedelta(days=1)
    return out


def engine(rows: list[dict], rules: Sequence[SummonsRule]) -> pl.DataFrame:
    return events(rows, *rules)


@settings(max_examples=25, deadline=None)
@given(rows=accidents(D(2023, 11, 1), D(2024, 12, 31)), rules=RULES, seed=st.integers(0, 2**16))
def test_events_are_the_crossings_whatever_the_row_order(rows, rules, seed):
    out = engine(rows, rules)
    shuffled = pl.DataFrame(rows).sample(fraction=1.0, shuffle=True, seed=seed).to_dicts()
    assert out.equals(engine(shuffled, rules))
    assert out.equals(out.sort(EVENT_SORT, nulls_last=True, maintain_order=True))
    for rule in rules:
        mine = out.filter(pl.col("rule_id") == rule.rule_id)
        assert set(zip(mine["official_id"], mine["triggered_on"], strict=True)) == crossings(
            rows, rule
        )


@settings(max_examples=25, deadline=None)
@given(
    rows=accidents(D(2024, 1, 1), D(2024, 12, 31), max_size=49),
    extra=accidents(D(2024, 1, 1), D(2024, 12, 31), max_size=1).filter(len),
    rules=RULES,
)
def test_adding_an_accident_never_shortens_a_summons_nor_removes_a_summoned_official(
    rows, extra, rules
):
    """The weak, true form: the days in the summoned state never shrink; the (official,
    rule) pairs with an event never shrink (the data all in the period); for a period
    window, the pairs with an event of the year never shrink.  (Adding an accident may
    move an event earlier, or merge two events into one.)"""
    more = [*rows, {**extra[0], "accident_id": "NEW"}]
    for rule in rules:
        days = [summoned_days(rows, rule), summoned_days(more, rule)]
        assert days[0] <= days[1]
        found = [engine(data, [rule]) for data in (rows, more)]
        assert {o for o, _ in days[0]} <= {o for o, _ in days[1]}
        assert set(found[0]["official_id"]) <= set(found[1]["official_id"]), rule
        for summoned, out in zip(days, found, strict=True):
            # a summoned spell begins with an event, and an event finds its official summoned
            fired = set(zip(out["official_id"], out["triggered_on"], strict=True))
            assert onsets(summoned) <= fired <= summoned


def onsets(days: set[tuple[str, dt.date]]) -> set[tuple[str, dt.date]]:
    """The first day of each summoned spell."""
    return {(o, d) for o, d in days if (o, d - dt.timedelta(days=1)) not in days}


def test_a_period_starting_1_december_bounds_the_events_and_the_period_window(tmp_path: Path):
    path = tmp_path / "dec.toml"
    path.write_text('extends = "default"\n[annual.period_start]\nvalue = "12-01"\n'
                    'basis = "某省考核办法"\n', encoding="utf-8")  # fmt: skip
    ctx = Context.for_year(load_rulebook(path), 2024)  # 2023-12-01 … 2024-11-30
    rows = [accident("A1", D(2023, 11, 30)), accident("A2", D(2023, 12, 1)),
            accident("A3", D(2024, 12, 1))]  # fmt: skip
    period = SummonsRule("p", count=1, window="period", grade="一般")
    out = events(rows, period, ctx=ctx)
    assert days_of(out) == [D(2023, 12, 1)] and out["window_start"].to_list() == [D(2023, 12, 1)]
    assert out["reason"][0].startswith("考核期（2023-12-01 至 2024-11-30）截至 2023-12-01")
    assert days_of(events(rows, within(30, 2), ctx=ctx)) == [D(2023, 12, 1)]
