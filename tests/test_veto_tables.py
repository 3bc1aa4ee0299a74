"""The veto and yellow-card tables as data (生产安全事故报告和调查处理条例第四条:
迟报、漏报、谎报、瞒报): one hand-computed example per entry kind, on both sides of its
boundary.

A Hunan-style county veto (湖南省安全生产工作考核办法, as reported in 2017): 瞒报 or 谎报
of a 较大-or-worse accident by 政府部门; a city's yellow card for a 重大 accident does not
apply when the region bore no 属地管理责任.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from conftest import rule_file
from test_annual import CITY, D, H, N, Z, _finish, accident, row_of, with_params

from accountability.rulebook import rulebook
from accountability.rules.decisions import decision_entries
from accountability.rules.model import Context


def _hunan_county(**extra: Any) -> dict[str, Any]:
    return {
        "grade_counts": {"重大": 1, "较大": 3},
        "reporting": [
            {"failure": "concealed_or_false", "count": 1, "min_grade": "较大", "by": "政府部门"}
        ],
        **extra,
    }


def _acc(aid: str, region: str, deaths: int, **kw: Any) -> dict[str, Any]:
    return accident(aid, region, D(2024, 6, 1), deaths=deaths, **kw)


def test_the_default_tables_count_concealed_or_falsely_reported_accidents():
    # the merged key `concealed = 1` counts 瞒报 or 谎报 of any grade, by anyone
    r = _finish([_acc("Z1", Z, 0, falsely_reported=True), _acc("H1", H, 0, omitted=True)])
    assert row_of(r, Z)["vetoed"]
    assert row_of(r, Z)["veto_reasons"] == ["瞒报（谎报）事故 1 起（Z1），县级达到 1 起即一票否决"]
    assert not row_of(r, H)["vetoed"]  # 漏报 is not in the default table


@pytest.mark.parametrize(("deaths", "vetoed"), [(2, False), (3, True)])
def test_a_reporting_entry_counts_its_grade_or_worse(deaths, vetoed):
    # 2 deaths: 一般; 3 deaths: 较大 — only 较大-or-worse concealment by 政府部门 vetoes
    rules = with_params(annual__veto_county=_hunan_county())
    r = _finish([_acc("Z1", Z, deaths, concealed=True, concealed_by="政府部门")], rules=rules)
    assert row_of(r, Z)["vetoed"] is vetoed
    if vetoed:
        assert row_of(r, Z)["veto_reasons"][0].startswith(
            "较大及以上瞒报（谎报）事故（政府部门） 1 起"
        )


@pytest.mark.parametrize(("by", "vetoed"), [("企业", False), ("政府部门", True), (None, False)])
def test_a_reporting_entry_counts_only_its_concealer(by, vetoed):
    rules = with_params(annual__veto_county=_hunan_county())
    accs = [_acc("Z1", Z, 3, falsely_reported=True, concealed_by=by)]
    r = _finish(accs, rules=rules)
    assert row_of(r, Z)["vetoed"] is vetoed


def test_an_unknown_concealer_is_named_as_not_counted():
    rules = with_params(annual__veto_county=_hunan_county())
    accs = [
        _acc("Z1", Z, 3, concealed=True, concealed_by="政府部门"),
        _acc("Z2", Z, 4, concealed=True),
    ]
    reason = row_of(_finish(accs, rules=rules), Z)["veto_reasons"][0]
    assert reason.endswith("；另有 1 起瞒报主体未知，未计入（Z2）")


@pytest.mark.parametrize("failure", ["omitted", "reported_late", "concealed", "falsely_reported"])
def test_each_reporting_failure_can_be_an_entry(failure):
    table = {"grade_counts": {}, "reporting": [{"failure": failure, "count": 2}]}
    rules = with_params(annual__yellow_card_county=table)
    one = _finish([_acc("Z1", Z, 0, **{failure: True})], rules=rules)
    two = _finish(
        [_acc("Z1", Z, 0, **{failure: True}), _acc("Z2", Z, 1, **{failure: True})], rules=rules
    )
    assert not row_of(one, Z)["yellow_card"]
    assert row_of(two, Z)["yellow_card"]


def test_accidents_without_local_responsibility_are_exempt_only_where_the_table_says_so():
    major_exempt = _acc("Z1", Z, 10, local_responsibility=False)
    # the default city table counts it: 1 重大 → yellow card
    assert row_of(_finish([major_exempt]), CITY)["yellow_card"]
    exempt = {"grade_counts": {"重大": 1}, "exempt_without_local_responsibility": True}
    rules = with_params(annual__yellow_card_city=exempt)
    assert not row_of(_finish([major_exempt], rules=rules), CITY)["yellow_card"]
    counted = _finish([_acc("H1", H, 10)], rules=rules)
    assert row_of(counted, CITY)["yellow_card"]
    assert row_of(counted, CITY)["yellow_card_reasons"] == [
        "重大及以上事故 1 起（H1），市级达到 1 起即黄牌警告（不计无属地管理责任的事故）"
    ]


def test_grade_counts_stay_or_worse_counts():
    # 较大 = 3 counts 较大 and 重大 together; 2 较大 + 1 重大 is 3
    rules = with_params(annual__veto_county={"grade_counts": {"较大": 3}, "concealed": 0})
    r = _finish([_acc("N1", N, 3), _acc("N2", N, 4), _acc("N3", N, 10)], rules=rules)
    assert row_of(r, N)["vetoed"]
    r2 = _finish([_acc("N1", N, 3), _acc("N2", N, 4)], rules=rules)
    assert not row_of(r2, N)["vetoed"]


def test_an_entry_with_count_zero_does_not_apply():
    ctx = Context.for_year(with_params(annual__veto_county={"grade_counts": {"较大": 0}}), 2024)
    assert decision_entries(ctx, "veto", "county") == []
    default = Context.for_year(rulebook(), 2024)
    assert [e.what for e in decision_entries(default, "veto", "county")] == [
        "重大及以上事故",
        "较大及以上事故",
        "瞒报（谎报）事故",
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"failure": "hidden"}, "未知的报告情形"),
        ({"failure": "concealed", "by": "个人"}, "未知的瞒报主体"),
        ({"failure": "concealed", "min_grade": "大"}, "未知事故等级"),
        ({"failure": "concealed", "count": -1}, "不小于 0 的整数"),
        ({"failure": "concealed", "who": "x"}, "未知的键"),
    ],
)
def test_a_wrong_entry_is_a_rulebook_problem(tmp_path, entry, message):
    from accountability.errors import RulebookError
    from accountability.rulebook import load_rulebook

    fields = ", ".join(f"{k} = {v!r}".replace("'", '"') for k, v in entry.items())
    path = rule_file(
        tmp_path,
        "[annual.veto_county]\n"
        f'value = {{ grade_counts = {{}}, reporting = [{{ {fields} }}] }}\nbasis = "试"\n',
    )
    with pytest.raises(RulebookError, match=message):
        load_rulebook(path)


def test_tables_written_before_the_new_entries_keep_loading(tmp_path):
    from accountability.rulebook import load_rulebook

    path = rule_file(
        tmp_path,
        "[annual.veto_county]\n"
        'value = { grade_counts = { "重大" = 1, "较大" = 2 }, concealed = 1 }\n'
        'basis = "市细则"\n\n'
        "[annual.yellow_card_city]\n"
        'value = { grade_counts = { "较大" = 3 } }\n'
        'basis = "市细则"\n',
        name="旧写法",
    )
    book = load_rulebook(path)
    ctx = Context.for_year(book, 2024)
    assert [e.what for e in decision_entries(ctx, "veto", "county")] == [
        "重大及以上事故",
        "较大及以上事故",
        "瞒报（谎报）事故",
    ]
    assert [(e.what, e.count) for e in decision_entries(ctx, "yellow_card", "city")] == [
        ("较大及以上事故", 3)
    ]


def test_an_unknown_concealer_is_named_when_the_entry_does_not_trigger():
    # the entry needs 1 concealment by 政府部门; the only one has no concealer: no veto,
    # and a 0-point note names the accident so that a missing value clears no one silently
    rules = with_params(annual__veto_county=_hunan_county())
    r = _finish([_acc("Z2", Z, 4, concealed=True)], rules=rules)
    assert not row_of(r, Z)["vetoed"]
    notes = r.line_items.filter(pl.col("rule_id") == "decision.unknown_concealer")
    assert notes.select("subject_id", "points", "evidence").rows() == [(Z, 0.0, ["Z2"])]
    assert notes["reason"][0] == (
        "较大及以上瞒报（谎报）事故（政府部门） 0 起，未达到县级一票否决的 1 起；"
        "另有 1 起瞒报主体未知，未计入（Z2），请核实瞒报主体"
    )
    # with a known concealer there is nothing to name
    known = _finish([_acc("Z2", Z, 4, concealed=True, concealed_by="企业")], rules=rules)
    assert known.line_items.filter(pl.col("rule_id") == "decision.unknown_concealer").is_empty()
