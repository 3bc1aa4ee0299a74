"""约谈 → 通报 (安委〔2018〕2号《安全生产约谈实施办法(试行)》): a summons followed, within
``within_days``, by new fatal accidents of the summoned, or not rectified
``unrectified_after_days`` after it, becomes a public notice copied to the body named.
The engine is called on hand-built frames; one example per clause, both sides of each
boundary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl
from builders import frame
from test_summons import CTX, LEVELS, PEOPLE, ZIYANG, accident, attributions, region_accidents

from accountability.outputs import OUTPUTS
from accountability.rules.summons import EscalationRule, SummonsRule
from accountability.scorers.summons import summons_events

D = dt.date
HESHAN, CITY = "430903", "430900"
COPY = "上一级纪检监察机关"
MARCH_1 = {"summons_id": "S1", "region_code": ZIYANG, "official_id": "P1",
           "summoned_on": D(2024, 3, 1), "issuer_level": "市", "reason": "较大事故"}  # fmt: skip


def escalation(
    within: int = 30, fatal: int | None = 1, unrectified: int | None = None
) -> EscalationRule:
    return EscalationRule(
        "dual_duty.escalation.1", within_days=within, new_fatal_accidents=fatal,
        unrectified_after_days=unrectified, copy_to=COPY, basis="安委〔2018〕2号",
    )  # fmt: skip


def notices(
    rows: Iterable[dict], history: Iterable[dict] = (MARCH_1,), *rules: EscalationRule,
    summons: tuple[SummonsRule, ...] = (), **kw,
) -> pl.DataFrame:  # fmt: skip
    rows = list(rows)
    result = summons_events(
        attributions(rows), region_accidents(rows), PEOPLE, LEVELS, CTX,
        history=frame("summons_history", list(history)).lazy(),
        rules=summons, escalations=rules or (escalation(),), **kw,
    )  # fmt: skip
    out = result.events.collect()
    assert OUTPUTS["summons_events"].problems(out) == []
    return out.filter(pl.col("step") == "通报")


def days_of(out: pl.DataFrame) -> list[dt.date]:
    return out["triggered_on"].to_list()


# --- a new fatal accident within within_days ---------------------------------------------


def test_a_fatal_accident_on_the_last_day_within_escalates_and_the_day_after_does_not():
    out = notices([accident("A1", D(2024, 3, 31))])
    assert out.select(
        "triggered_on", "official_id", "name", "step", "rule_id", "copy_to"
    ).rows() == [(D(2024, 3, 31), "P1", "P1", "通报", "dual_duty.escalation.1", COPY)]
    event = out.row(0, named=True)
    window = [event[c] for c in ("window_start", "window_end", "window_days")]
    assert window == [D(2024, 3, 1), D(2024, 3, 31), 30]
    assert [event[c] for c in ("count", "threshold", "evidence")] == [1, 1, ["A1"]]
    assert [event[c] for c in ("issuer_level", "level", "source")] == ["市", "县", "约谈记录"]
    assert event["basis"] == "安委〔2018〕2号"
    assert event["reason"] == (
        "约谈（2024-03-01，约谈记录 S1）后 30 日内又发生死亡事故 1 起（A1）（≥1 起）"
        f"→ 通报，抄送{COPY}"
    )
    assert notices([accident("A1", D(2024, 4, 1))]).is_empty()


def test_the_summons_day_itself_and_an_accident_without_deaths_do_not_escalate():
    assert notices([accident("A1", D(2024, 3, 1))]).is_empty()
    assert notices([accident("A1", D(2024, 3, 9), deaths=0)]).is_empty()
    assert notices([accident("A1", D(2024, 3, 9), "P2")]).is_empty()  # another official's


def test_two_new_fatal_accidents_escalate_on_the_second():
    two = escalation(fatal=2)
    assert notices([accident("A1", D(2024, 3, 5))], (MARCH_1,), two).is_empty()
    out = notices([accident("A1", D(2024, 3, 5)), accident("A2", D(2024, 3, 20))], (MARCH_1,), two)
    assert days_of(out) == [D(2024, 3, 20)] and out["evidence"].to_list() == [["A1", "A2"]]
    same_day = [accident("A1", D(2024, 3, 7)), accident("A2", D(2024, 3, 7))]
    assert days_of(notices(same_day, (MARCH_1,), two)) == [D(2024, 3, 7)]


# --- not rectified unrectified_after_days after it ----------------------------------------


def rectified(day: dt.date | None) -> tuple[dict]:
    return ({**MARCH_1, "rectified_on": day},)


def test_rectified_on_the_deadline_day_is_in_time_and_the_day_after_is_not():
    late = escalation(within=60, fatal=None, unrectified=30)  # deadline 2024-03-31
    assert notices([], rectified(D(2024, 3, 31)), late).is_empty()
    event = notices([], rectified(D(2024, 4, 1)), late).row(0, named=True)
    assert event["triggered_on"] == D(2024, 4, 1)
    window = [event[c] for c in ("window_start", "window_end", "window_days")]
    assert window == [D(2024, 3, 1), D(2024, 3, 31), 30]
    assert [event[c] for c in ("count", "threshold", "evidence")] == [31, 30, []]
    assert "整改期限 2024-03-31，至 2024-04-01 方整改" in event["reason"]
    never = notices([], rectified(None), late)
    assert days_of(never) == [D(2024, 4, 1)] and "无整改完成记录" in never["reason"][0]


def test_a_summons_escalates_once_on_the_earliest_cause():
    both = escalation(within=60, fatal=1, unrectified=30)
    rows = [accident("A1", D(2024, 3, 10)), accident("A2", D(2024, 3, 20))]
    out = notices(rows, rectified(None), both)
    assert days_of(out) == [D(2024, 3, 10)] and out["evidence"].to_list() == [["A1"]]
    assert days_of(notices([accident("A1", D(2024, 4, 20))], rectified(None), both)) == [
        D(2024, 4, 1)
    ]


# --- whom, and which summonses ------------------------------------------------------------


def test_a_region_summoned_escalates_on_the_fatal_accidents_in_it_or_below():
    region = ({**MARCH_1, "region_code": CITY, "official_id": None, "issuer_level": "省"},)
    out = notices([accident("A1", D(2024, 3, 9), "x", region=HESHAN)], region)
    assert out.select("region_code", "official_id", "level", "issuer_level").rows() == [
        (CITY, None, "市", "省")
    ]
    county = ({**MARCH_1, "official_id": None},)
    assert notices([accident("A1", D(2024, 3, 9), "x", region=HESHAN)], county).is_empty()


def test_a_summons_of_the_rules_escalates_on_new_fatal_accidents_only():
    rule = SummonsRule("dual_duty.summons.window.t", count=2, window="days", window_days=30,
                       grade="一般", basis="湖南")  # fmt: skip
    rows = [accident("A1", D(2024, 5, 1), deaths=0), accident("A2", D(2024, 5, 31), deaths=1)]
    assert notices(rows, (), summons=(rule,)).is_empty()  # the summoning accidents do not count
    out = notices([*rows, accident("A3", D(2024, 6, 30))], (), summons=(rule,))
    event = out.row(0, named=True)
    assert (event["triggered_on"], event["source"], event["evidence"]) == (
        D(2024, 6, 30),
        "规则",
        ["A3"],
    )
    assert "规则 dual_duty.summons.window.t" in event["reason"]
    # no rectification record for a summons the rules computed
    unrectified = escalation(within=60, fatal=None, unrectified=30)
    assert notices(rows, (), unrectified, summons=(rule,)).is_empty()


def test_a_summons_recorded_and_computed_on_one_day_escalates_once():
    rule = SummonsRule("dual_duty.summons.window.t", count=1, window="days", window_days=30,
                       grade="较大", basis="湖南")  # fmt: skip
    rows = [accident("A1", D(2024, 3, 1), grade="较大", deaths=3), accident("A2", D(2024, 3, 9))]
    out = notices(rows, (MARCH_1,), summons=(rule,))
    assert days_of(out) == [D(2024, 3, 9)] and out["source"].to_list() == ["约谈记录"]


def test_a_summons_escalated_in_the_last_period_does_not_escalate_again():
    december = ({**MARCH_1, "summoned_on": D(2023, 12, 10)},)
    assert days_of(notices([accident("A2", D(2024, 1, 5))], december)) == [D(2024, 1, 5)]
    rows = [accident("A1", D(2023, 12, 20)), accident("A2", D(2024, 1, 5))]
    assert notices(rows, december).is_empty()  # escalated on 2023-12-20, in P(Y−1)


def test_no_notice_after_as_of():
    rows = [accident("A1", D(2024, 3, 20))]
    assert notices(rows, as_of=D(2024, 3, 19)).is_empty()
    assert days_of(notices(rows, as_of=D(2024, 3, 20))) == [D(2024, 3, 20)]
