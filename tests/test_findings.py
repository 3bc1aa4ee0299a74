"""一岗双责 as practised: steps for people (约谈 → 通报 → 问责建议), investigation findings
(厅字〔2018〕13号 第十八条、第二十二条、第二十三条), liability after leaving the post
(第二十四条), what stands behind a step (step_basis), and the two optional tables
(summons_history, responsibility_findings).  One hand-computed example per clause,
then properties.

The example: 资阳区 (430902) under 益阳市 (430900) under 湖南省.  M1 is a 重大 水上交通
accident in 资阳区 on 1 May (10 deaths); under the default rulebook one 重大 accident
attributed to an official is a 问责建议 (`dual_duty.accountability_grade_counts`) and
one 较大-or-worse accident a 约谈 (`dual_duty.summons_grade_counts`).  M1 reaches the
heads of 资阳区, 益阳市 and 湖南省 and the 资阳区 water deputy; not the coal deputy.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import builders
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability import assess
from accountability.codes import ACCOUNTABILITY_STEPS, GRADE_ORDER, HEAD_ROLES
from accountability.dataset import Dataset
from accountability.rulebook import rulebook
from accountability.rules.model import Context
from accountability.rules.registry import REGISTRY
from accountability.scorers.dual_duty import OFFICIAL_SCHEMA, dual_duty
from accountability.tables import validate_frames

YEAR = 2024
AS_OF = dt.date(2025, 1, 15)
DAY = dt.date(YEAR, 5, 1)
PROPOSAL = "问责建议"
HAS_BASIS = "step_basis" in OFFICIAL_SCHEMA
needs_basis = pytest.mark.skipif(not HAS_BASIS, reason="officials.step_basis not declared yet")

REGIONS = [
    {"region_code": "430000", "name": "湖南省", "parent_code": None, "level": "省"},
    {"region_code": "430900", "name": "益阳市", "parent_code": "430000", "level": "市"},
    {"region_code": "430902", "name": "资阳区", "parent_code": "430900", "level": "县"},
    {"region_code": "430903", "name": "赫山区", "parent_code": "430900", "level": "县"},
]


def official(oid, role, region="430902", department=None, portfolio=None, **tenure):
    return {
        "official_id": oid, "name": f"干部{oid}", "region_code": region, "role": role,
        "department": department, "portfolio": portfolio, **tenure,
    }  # fmt: skip


OFFICIALS = [
    official("PROV-P", "党委主要负责人", "430000"),
    official("CITY-P", "党委主要负责人", "430900"),
    official("ZY-P", "党委主要负责人"),
    official("ZY-G", "政府主要负责人"),
    official("ZY-DW", "分管负责人", portfolio=["水上交通"]),
    official("ZY-DC", "分管负责人", portfolio=["煤矿"]),
]
M1_REACHES = {"PROV-P", "CITY-P", "ZY-P", "ZY-G", "ZY-DW"}


def accident(aid, sector="水上交通", on=DAY, deaths=10, region="430902", **flags):
    return {
        "accident_id": aid, "region_code": region, "sector": sector, "occurred_on": on,
        "deaths": deaths, "missing": 0, "serious_injuries": 0, "direct_loss_10k_yuan": 0.0,
        **flags,
    }  # fmt: skip


def finding(aid, oid, what, **flags):
    return {"accident_id": aid, "official_id": oid, "finding": what, **flags}


def run(accidents, findings=None, officials=OFFICIALS, year=YEAR):
    data = builders.dataset(
        AS_OF,
        regions=REGIONS,
        officials=officials,
        accidents=accidents,
        responsibility_findings=findings,
    )
    return dual_duty(data, None, year)


def row(result, oid):
    return result.officials.filter(pl.col("official_id") == oid).row(0, named=True)


def steps(result) -> dict[str, str | None]:
    return dict(result.officials.select("official_id", "step").iter_rows())


def proposals(result, oid) -> list[str]:
    return [r for r in row(result, oid)["reasons"] if r.endswith(f"→ {PROPOSAL}")]


# --- steps for people: 约谈 → 通报 → 问责建议 --------------------------------------------


def test_the_steps_of_a_person_are_summons_notice_and_a_proposal():
    assert ACCOUNTABILITY_STEPS == ("约谈", "通报", "问责建议")
    labels = {r.id: r.label for r in REGISTRY.of("dual_duty") if r.kind == "step"}
    assert labels["dual_duty.yellow_card.grade"].startswith("通报：")
    assert labels["dual_duty.yellow_card.sector_rise"].startswith("通报：")
    assert labels["dual_duty.accountability.grade"].startswith("问责建议：")
    assert labels["dual_duty.accountability.concealed"].startswith("问责建议：")
    assert not any("黄牌警告" in label for label in labels.values())


def test_a_major_accident_without_findings_is_a_pre_screened_proposal():
    res = run([accident("M1")])
    assert {o for o, s in steps(res).items() if s == PROPOSAL} == M1_REACHES
    assert steps(res)["ZY-DC"] is None
    assert proposals(res, "ZY-DW") == [
        "被归责重大及以上事故 1 起（≥1 起），拟追责范围（归责预筛）→ 问责建议"
    ]
    # the 约谈 of one 较大-or-worse accident is listed too, in today's words
    assert row(res, "ZY-DW")["reasons"][-1] == (
        "2024 年截至 2024-05-01 被归责较大及以上事故 1 起（M1）（≥1 起）→ 约谈"
    )


def test_two_larger_accidents_are_a_notice_for_the_person():
    res = run([accident("L1", deaths=3), accident("L2", deaths=3, region="430903")])
    assert steps(res)["CITY-P"] == "通报"  # both counties are below the city
    assert row(res, "CITY-P")["reasons"][0] == "被归责较大及以上事故 2 起（≥2 起）→ 通报"
    assert steps(res)["ZY-P"] == "约谈"


# --- findings (第十八条, 第二十三条) -------------------------------------------------------


M1_FINDINGS = [
    finding("M1", "ZY-DW", "主要领导责任"),  # named, not fully performed: 问责建议
    finding("M1", "ZY-G", "领导责任", fully_performed=True),  # 第二十三条: cleared
    finding("M1", "ZY-P", "无责任"),  # cleared
    finding("M1", "ZY-DC", "重要领导责任"),  # not attributed (coal deputy), still reached
]  # CITY-P and PROV-P are attributed and not named: cleared


def test_findings_decide_the_proposal_for_an_investigated_accident():
    res = run([accident("M1")], M1_FINDINGS)
    got = steps(res)
    assert {o for o, s in got.items() if s == PROPOSAL} == {"ZY-DW", "ZY-DC"}
    # cleared of the 问责建议 only: findings never move 约谈 or 通报
    assert got["ZY-G"] == got["ZY-P"] == got["CITY-P"] == got["PROV-P"] == "约谈"
    for cleared in ("ZY-G", "ZY-P", "CITY-P", "PROV-P"):
        assert proposals(res, cleared) == []
    assert proposals(res, "ZY-DW") == [
        "重大及以上事故 1 起（≥1 起），经调查认定负有领导责任（第十八条）1 起：M1（主要领导责任）"
        "→ 问责建议"
    ]


def test_a_finding_reaches_an_official_the_attribution_did_not():
    res = run([accident("M1")], M1_FINDINGS)
    assert "ZY-DC" not in set(res.attributions["official_id"])
    dc = row(res, "ZY-DC")
    assert dc["step"] == PROPOSAL and dc["evidence"] == ["M1"]
    assert dc["accidents"] == 0  # attributed accidents: none
    assert proposals(res, "ZY-DC")[0].endswith("M1（重要领导责任）→ 问责建议")


def test_fully_performed_duties_clear_the_official_of_the_proposal():
    """第二十三条 on both sides: the same finding with and without fully_performed."""
    held = run([accident("M1")], [finding("M1", "ZY-G", "领导责任")])
    cleared = run([accident("M1")], [finding("M1", "ZY-G", "领导责任", fully_performed=True)])
    assert steps(held)["ZY-G"] == PROPOSAL
    assert steps(cleared)["ZY-G"] == "约谈"


def test_no_responsibility_clears_and_not_being_named_clears():
    res = run([accident("M1")], [finding("M1", "ZY-P", "无责任")])
    # one row makes M1 investigated: nobody is found responsible, nobody is proposed
    assert PROPOSAL not in set(steps(res).values())


@pytest.mark.parametrize("kind", ["领导责任", "主要领导责任", "重要领导责任"])
def test_each_kind_of_leadership_responsibility_holds(kind):
    res = run([accident("M1")], [finding("M1", "CITY-P", kind)])
    assert steps(res)["CITY-P"] == PROPOSAL
    assert steps(res)["ZY-DW"] == "约谈"  # attributed, not named


def test_remedial_action_keeps_the_step_and_says_it_may_be_lightened():
    res = run([accident("M1")], [finding("M1", "ZY-DW", "领导责任", remedial_action=True)])
    assert steps(res)["ZY-DW"] == PROPOSAL
    assert proposals(res, "ZY-DW") == [
        "重大及以上事故 1 起（≥1 起），经调查认定负有领导责任（第十八条）1 起：M1（领导责任），"
        "可从轻（第二十二条）→ 问责建议"
    ]


def test_findings_and_attribution_add_up_and_the_reason_says_which_is_which():
    """M1 investigated (ZY-DW found responsible), M2 not: ZY-DW counts both."""
    res = run(
        [accident("M1"), accident("M2", on=dt.date(YEAR, 8, 1))],
        [finding("M1", "ZY-DW", "主要领导责任")],
    )
    assert proposals(res, "ZY-DW") == [
        "重大及以上事故 2 起（≥1 起），经调查认定负有领导责任（第十八条）1 起：M1（主要领导责任）；"
        "其余 1 起为拟追责范围（归责预筛）→ 问责建议"
    ]
    assert proposals(res, "ZY-G") == [
        "被归责重大及以上事故 1 起（≥1 起），拟追责范围（归责预筛）→ 问责建议"
    ]


def test_a_concealed_accident_follows_the_findings_too():
    concealed = accident("C1", sector="煤矿", deaths=1, concealed=True)
    assert steps(run([concealed]))["ZY-DC"] == PROPOSAL
    res = run([concealed], [finding("C1", "ZY-G", "领导责任")])
    assert steps(res)["ZY-G"] == PROPOSAL
    assert steps(res)["ZY-DC"] is None  # 一般, one fatal accident: no 约谈 either
    assert proposals(res, "ZY-G") == [
        "瞒报（谎报）事故 1 起（≥1 起），经调查认定负有领导责任（第十八条）1 起：C1（领导责任）"
        "→ 问责建议"
    ]


def test_findings_on_an_accident_of_another_period_count_nothing():
    res = run([accident("M0", on=dt.date(YEAR - 1, 5, 1))], [finding("M0", "ZY-DW", "领导责任")])
    assert set(steps(res).values()) == {None}


def test_findings_for_an_accident_outside_the_population_count_nothing():
    res = run([accident("M1", liability=False)], [finding("M1", "ZY-DW", "领导责任")])
    assert set(steps(res).values()) == {None}


# --- step_basis ------------------------------------------------------------------------


@needs_basis
def test_step_basis_says_what_stands_behind_the_highest_step():
    res = run([accident("M1")], M1_FINDINGS)
    basis = dict(res.officials.select("official_id", "step_basis").iter_rows())
    assert basis["ZY-DW"] == basis["ZY-DC"] == "调查认定"
    # 约谈 by attribution; ZY-G's finding does not hold (fully performed)
    assert basis["ZY-G"] == basis["CITY-P"] == "归责预筛"
    bare = run([accident("M1")])
    assert set(bare.officials.filter(pl.col("step").is_not_null())["step_basis"]) == {"归责预筛"}
    assert bare.officials.filter(pl.col("step").is_null())["step_basis"].null_count() == 1


@needs_basis
def test_a_summons_resting_on_an_accident_with_a_finding_is_found():
    """A 较大 accident: 约谈 only (no 问责建议 condition); the deputy found responsible
    for it is summoned on a finding, the others on attribution."""
    res = run([accident("L1", deaths=3)], [finding("L1", "ZY-DW", "领导责任")])
    assert steps(res)["ZY-DW"] == steps(res)["ZY-G"] == "约谈"
    assert row(res, "ZY-DW")["step_basis"] == "调查认定"
    assert row(res, "ZY-G")["step_basis"] == "归责预筛"


@needs_basis
def test_explain_of_an_official_says_what_stands_behind_the_step():
    regions = builders.frame("regions", REGIONS)
    data = builders.dataset(
        AS_OF,
        regions=regions,
        officials=OFFICIALS,
        accidents=[accident("M1")],
        responsibility_findings=[finding("M1", "ZY-DW", "主要领导责任")],
    )
    result = assess(data, year=YEAR)
    found = result.explain("ZY-DW", subject_type="official")
    assert "问责步骤 问责建议" in found
    assert "步骤依据：调查认定" in found
    screened = result.explain("ZY-G", subject_type="official")
    assert "步骤依据：归责预筛" in screened
    assert "不是调查认定" in screened
    assert "步骤依据" not in result.explain("ZY-DC", subject_type="official")


def test_explain_of_an_official_lists_the_summons_events_with_window_and_evidence():
    import attrs

    from accountability.outputs import OUTPUTS

    result = assess(
        builders.dataset(AS_OF, regions=REGIONS, officials=OFFICIALS, accidents=[accident("M1")]),
        year=YEAR,
    )
    assert result.summons_events.schema == pl.Schema(OUTPUTS["summons_events"].dtypes)
    event = {
        "triggered_on": dt.date(YEAR, 5, 31), "region_code": "430902", "official_id": "ZY-G",
        "name": "干部ZY-G", "role": "政府主要负责人", "level": "县", "issuer_level": "市",
        "step": "约谈", "rule_id": "dual_duty.summons.window",
        "window_start": dt.date(YEAR, 5, 1), "window_end": dt.date(YEAR, 5, 31),
        "window_days": 30, "count": 2, "threshold": 2, "evidence": ["L1", "L2"],
        "reason": "30 日内较大及以上事故 2 起", "basis": "湖南省安全生产约谈制度",
        "copy_to": None, "source": "规则",
    }  # fmt: skip
    events = pl.DataFrame([event], schema=OUTPUTS["summons_events"].dtypes)
    text = attrs.evolve(result, summons_events=events).explain("ZY-G", subject_type="official")
    assert "约谈通报事件：" in text
    assert (
        "2024-05-31 约谈 [约谈：时间窗口内事故达到起数] 窗口 2024-05-01 至 2024-05-31（30 天）"
        in text
    )
    assert "2 起（≥2 起）：30 日内较大及以上事故 2 起" in text
    assert "证据：L1、L2" in text and "依据：湖南省安全生产约谈制度" in text
    # the engine's own event for the 较大 accident M1, on its day
    real = result.explain("ZY-G", subject_type="official")
    assert "2024-05-01 约谈 [约谈：较大及以上事故] 窗口 2024-01-01 至 2024-05-01" in real


def test_summons_events_become_the_officials_trigger_rows():
    """The seam the summons engine plugs into: an event naming an official is a 约谈
    (or 通报) row of that official; a region's event without an official is not."""
    from accountability.outputs import OUTPUTS
    from accountability.scorers.dual_duty import STEP_DTYPE, _event_triggers

    base = {c: None for c in OUTPUTS["summons_events"].columns}
    rows = [
        {**base, "official_id": "ZY-G", "step": "通报", "rule_id": "dual_duty.escalation",
         "reason": "约谈后又发生死亡事故 1 起", "evidence": ["F1"], "basis": "安委〔2018〕2号"},
        {**base, "official_id": None, "step": "约谈", "rule_id": "dual_duty.summons.window",
         "reason": "空缺", "evidence": [], "basis": ""},
    ]  # fmt: skip
    events = pl.DataFrame(rows, schema=OUTPUTS["summons_events"].dtypes).lazy()
    got = _event_triggers(events).collect()
    assert got.schema["step"] == STEP_DTYPE
    assert got.select("official_id", "step", "rule_id", "evidence").rows() == [
        ("ZY-G", "通报", "dual_duty.escalation", ["F1"])
    ]


# --- 第二十四条: liability follows the official after leaving the post --------------------


def test_an_official_who_left_after_the_accident_still_answers_for_it():
    officials = [
        official("LEFT-AFTER", "政府主要负责人", end_on=dt.date(YEAR, 6, 30)),
        official("LEFT-BEFORE", "政府主要负责人", end_on=dt.date(YEAR, 4, 30)),
        official("CAME-AFTER", "政府主要负责人", start_on=dt.date(YEAR, 7, 1)),
    ]
    res = run([accident("M1")], officials=officials)
    assert set(res.attributions["official_id"]) == {"LEFT-AFTER"}
    assert steps(res) == {"CAME-AFTER": None, "LEFT-AFTER": PROPOSAL, "LEFT-BEFORE": None}


def test_a_finding_reaches_an_official_who_has_since_left():
    officials = [official("GONE", "分管负责人", portfolio=["煤矿"], end_on=dt.date(YEAR, 5, 31))]
    res = run([accident("M1")], [finding("M1", "GONE", "领导责任")], officials=officials)
    assert steps(res)["GONE"] == PROPOSAL


# --- the optional tables --------------------------------------------------------------------


def _text(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([{k: None if v is None else str(v) for k, v in r.items()} for r in rows])


def _load(**frames: pl.DataFrame) -> Dataset:
    base = {
        "regions": _text(REGIONS),
        "officials": _text([{**o, "portfolio": None} for o in OFFICIALS]),
        "accidents": _text(
            [accident("M1", enterprise_id=None, reported_late="否", concealed="否")]
        ),
    }
    return validate_frames({**base, **frames}, as_of=AS_OF)


def _rejects(data: Dataset, table: str) -> list[tuple[int, str, str]]:
    sub = data.rejected.filter(pl.col("table") == table)
    return list(zip(sub["row"], sub["column"], sub["rule"], strict=True))


def test_a_finding_naming_an_unknown_accident_or_official_is_rejected():
    data = _load(
        responsibility_findings=_text(
            [
                finding("M1", "ZY-DW", "主要领导责任"),
                finding("M9", "ZY-DW", "领导责任"),
                finding("M1", "NOBODY", "领导责任"),
                finding("M1", "ZY-G", "全部责任"),
            ]
        )
    )
    assert sorted(_rejects(data, "responsibility_findings")) == [
        (2, "accident_id", "unknown_accident"),
        (3, "official_id", "unknown_official"),
        (4, "finding", "enum"),
    ]
    kept = data.table("responsibility_findings")
    assert kept.select(
        "accident_id", "official_id", "fully_performed", "remedial_action"
    ).rows() == [
        ("M1", "ZY-DW", False, False)  # absent flags are false
    ]
    message = data.rejected.filter(pl.col("rule") == "unknown_accident")["message"].item()
    assert "事故编号" in message and "accidents" in message


def test_a_finding_is_keyed_by_accident_and_official():
    rows = [finding("M1", "ZY-DW", "领导责任"), finding("M1", "ZY-DW", "无责任")]
    data = _load(responsibility_findings=_text(rows))
    assert data.table("responsibility_findings").height == 0
    assert {r for _, _, r in _rejects(data, "responsibility_findings")} == {"conflicting_duplicate"}


def test_summons_history_is_checked_like_every_table():
    rows = [
        {"summons_id": "S1", "region_code": "430902", "official_id": "ZY-G",
         "summoned_on": "2024-06-01", "issuer_level": "市", "reason": "较大事故",
         "rectified_on": "2024-08-01"},
        {"summons_id": "S2", "region_code": "430902", "summoned_on": "2024-06-01",
         "issuer_level": "市", "reason": "较大事故", "rectified_on": "2024-05-01"},
        {"summons_id": "S3", "region_code": "439999", "summoned_on": "2024-06-01",
         "issuer_level": "市", "reason": None},
        {"summons_id": "S4", "region_code": "430902", "official_id": "NOBODY",
         "summoned_on": "2024-06-01", "issuer_level": "乡", "reason": None},
    ]  # fmt: skip
    data = _load(summons_history=_text(rows))
    assert sorted(_rejects(data, "summons_history")) == [
        (2, "rectified_on", "rectified_before_summoned"),
        (3, "region_code", "unknown_region"),
        (4, "issuer_level", "enum"),
        (4, "official_id", "unknown_official"),
    ]
    assert data.table("summons_history")["summons_id"].to_list() == ["S1"]


def test_the_new_tables_are_optional_and_not_dated_for_coverage():
    from accountability.scorers.annual.inputs import DATED

    assert not {"summons_history", "responsibility_findings"} & set(DATED)
    res = run([accident("M1")])  # no findings table: attribution stands
    assert steps(res)["ZY-DW"] == PROPOSAL


# --- property: without findings, today's triggers with the new names --------------------

RENAMED = {"约谈": "约谈", "黄牌警告": "通报", "问责": "问责建议"}
PROPERTY_OFFICIALS = [
    *OFFICIALS,
    official("CITY-DW", "分管负责人", "430900", portfolio=["水上交通", "道路交通"]),
    official("CITY-HT", "部门负责人", "430900", "交通运输局"),
    official("HS-HE", "部门负责人", "430903", "应急管理局"),
]
SECTORS = ["水上交通", "道路交通", "煤矿"]
COUNTIES = ["430902", "430903", "430900"]
BELOW = {"430000": set(COUNTIES), "430900": set(COUNTIES), "430902": {"430902"},
         "430903": {"430903"}}  # fmt: skip


def _sector_deaths(accidents: list[dict], sector: str, year: int, region: str) -> int:
    """The deaths of the year's 责任事故 of `sector` in `region` and below."""
    return sum(
        a["deaths"]
        for a in accidents
        if a["sector"] == sector
        and a["occurred_on"].year == year
        and a["region_code"] in BELOW[region]
        and a.get("liability", True)
    )


def _oracle(accidents: list[dict], result) -> dict[str, str | None]:
    """Today's steps (约谈, 黄牌警告, 问责) from the default rulebook's numbers, counted
    in Python over the result's attributions and the raw rows, then renamed."""
    p = Context.for_year(rulebook(), YEAR).rules
    by_id = {a["accident_id"]: a for a in accidents}
    rank = {a: GRADE_ORDER[g] for a, g in result.attributions.select("accident_id", "grade").rows()}
    mine: dict[str, list[str]] = {}
    for aid, oid in result.attributions.select("accident_id", "official_id").rows():
        mine.setdefault(oid, []).append(aid)

    def grade_hit(ids: list[str], key: str) -> bool:
        """Any {grade = n} entry: at least max(n, 1) accidents of that grade or worse."""
        return any(
            sum(rank[a] >= GRADE_ORDER[g] for a in ids) >= max(n, 1)
            for g, n in p[f"dual_duty.{key}"].items()
        )

    ratio = Fraction(str(p["dual_duty.sector_rise_ratio"]))
    dept_map = p["sectors.departments"]

    def sector_rise(o: dict) -> bool:
        if o["role"] in HEAD_ROLES:
            return False
        covers = set(o["portfolio"] or []) | set(dept_map.get(o["department"] or "", []))
        for sector in covers:
            this = _sector_deaths(accidents, sector, YEAR, o["region_code"])
            last = _sector_deaths(accidents, sector, YEAR - 1, o["region_code"])
            if this >= p["dual_duty.sector_rise_min_deaths"] and (
                this * ratio.denominator >= last * ratio.numerator
            ):
                return True
        return False

    out: dict[str, str | None] = {}
    for o in PROPERTY_OFFICIALS:
        ids = mine.get(o["official_id"], [])
        fatal = sum(by_id[a]["deaths"] >= 1 for a in ids)
        concealed = sum(bool(by_id[a].get("concealed")) for a in ids)
        step = None
        if grade_hit(ids, "summons_grade_counts") or (
            fatal >= max(p["dual_duty.summons_fatal_accidents"], 1)
        ):
            step = "约谈"
        if grade_hit(ids, "yellow_card_grade_counts") or sector_rise(o):
            step = "黄牌警告"
        if grade_hit(ids, "accountability_grade_counts") or (
            concealed >= max(p["dual_duty.accountability_concealed"], 1)
        ):
            step = "问责"
        out[o["official_id"]] = RENAMED[step] if step else None
    return out


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(COUNTIES),
            st.sampled_from(SECTORS),
            st.integers(0, 364),
            st.sampled_from([0, 1, 1, 1, 3, 3, 10]),  # deaths: 一般, 较大, 重大
            st.sampled_from([False] * 9 + [True]),  # concealed, now and then
            st.booleans(),  # in the year before
        ),
        max_size=40,
    )
)
def test_without_findings_the_steps_are_todays_triggers_renamed(rows):
    accidents = [
        accident(
            f"A{i:03d}", sector, on=dt.date(YEAR - last, 1, 1) + dt.timedelta(days=day),
            deaths=deaths, region=region, concealed=concealed,
        )
        for i, (region, sector, day, deaths, concealed, last) in enumerate(rows)
    ]  # fmt: skip
    # a row of the year before, so that the sector rise applies
    cover = accident("COVER", "消防", on=dt.date(YEAR - 1, 1, 1), deaths=0, liability=False)
    res = run([*accidents, cover], officials=PROPERTY_OFFICIALS)
    assert steps(res) == _oracle([*accidents, cover], res)
    assert set(steps(res).values()) <= {None, *ACCOUNTABILITY_STEPS}
    # and an empty findings table changes nothing
    empty = run([*accidents, cover], [], officials=PROPERTY_OFFICIALS)
    assert empty.officials.equals(res.officials)
