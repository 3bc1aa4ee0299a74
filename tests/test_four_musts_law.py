"""四个一律 as the law writes it: one example per clause, each on both sides of its
boundary, then properties.

- 《安全生产法》(2021)第一百一十三条: the department 提请 (proposes) closure; a proposal
  from the case's day to the period's last day is compliance.  Grounds (一) repeat
  penalties (by kind), (二) failed rectification, (三) a 重大 accident caused lacking
  safe conditions, (四) refusing a suspension order; the principal is barred 5 years.
- 《煤矿安全生产条例》第七十条 (from 2024-05-01): 重大 hazards found on 2 distinct days
  within 3 calendar months ending on the case's day require closure of a coal mine.
- 第一百一十二条 按日连续处罚 is discretionary: reported, never a missed measure.
- Statutory fine ranges: a case naming its article needs no fine_max_yuan.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import builders
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from test_four_musts import cases_frame

from accountability.columns import TABLES
from accountability.dataset import Dataset
from accountability.rulebook import load_rulebook, rulebook
from accountability.rules.registry import REGISTRY
from accountability.scorers.four_musts import four_musts, required_measures

RULES = rulebook()
AS_OF = dt.date(2025, 3, 31)
DAY = dt.date(2024, 6, 30)

# cases in canonical dtypes, each row naming only what differs from the defaults
cases = cases_frame


def enterprises(sector: str = "煤矿") -> pl.DataFrame:
    return builders.frame(
        "enterprises",
        [{"enterprise_id": "E1", "name": "甲煤矿", "region_code": "430902", "sector": sector}],
    )


def hazards(*found: dt.date, level: str = "重大") -> pl.DataFrame:
    rows = [
        {
            "hazard_id": f"H{i}",
            "enterprise_id": "E1",
            "region_code": "430902",
            "sector": "煤矿",
            "level": level,
            "found_on": day,
            "due_on": day + dt.timedelta(days=30),
        }
        for i, day in enumerate(found)
    ]
    return builders.frame("hazards", rows)


def accident(deaths: int, on: dt.date, **kw: Any) -> pl.DataFrame:
    row = {
        "accident_id": "S1",
        "region_code": "430902",
        "enterprise_id": "E1",
        "sector": "煤矿",
        "occurred_on": on,
        "deaths": deaths,
        **kw,
    }
    return builders.frame("accidents", [row])


def run(*rows: dict[str, Any], book=RULES, year: int = 2024, **tables: pl.DataFrame):
    data = builders.dataset(AS_OF, cases=cases(*rows), **tables)
    return four_musts(data, book, year)


def one(*rows: dict[str, Any], **tables: Any) -> dict[str, Any]:
    """The last case's row."""
    result = run(*rows, **tables)
    return result.cases.sort("case_id").row(-1, named=True)


def override(tmp_path: Path, text: str):
    path = tmp_path / "book.toml"
    path.write_text('extends = "default"\n' + text, encoding="utf-8")
    return load_rulebook(path)


# --- measures carry mandatory and their article ------------------------------------------


def test_every_measure_names_its_article_and_whether_it_is_mandatory():
    measures = {r.id: r.compute for r in REGISTRY.of("four_musts")}
    assert all(m.article for m in measures.values())
    assert [rid for rid, m in measures.items() if not m.mandatory] == ["four_musts.daily_fine"]
    assert "第一百一十二条" in measures["four_musts.daily_fine"].article
    assert "第一百一十三条" in measures["four_musts.close"].article


# --- 第一百一十二条: discretionary ----------------------------------------------------------


def test_daily_fine_eligible_from_the_day_after_the_order():
    ordered = {"ordered_to_correct_on": dt.date(2024, 7, 1), "refused_correction": True}
    row = one({"unlawful": True, "suspended": True, "fine_yuan": 100000.0, **ordered})
    assert row["eligible_daily_fine_from"] == dt.date(2024, 7, 2)
    assert row["compliant"] is True  # never a missed measure


def test_daily_fine_needs_a_refusal_and_a_fine():
    base = {"unlawful": True, "ordered_to_correct_on": dt.date(2024, 7, 1)}
    assert one({**base, "fine_yuan": 5000.0})["eligible_daily_fine_from"] is None
    assert (
        one({**base, "refused_correction": True, "fine_yuan": 0.0})["eligible_daily_fine_from"]
        is None
    )
    fined_by_kind = {**base, "refused_correction": True, "penalty_kinds": ["罚款"]}
    assert one(fined_by_kind)["eligible_daily_fine_from"] == dt.date(2024, 7, 2)


# --- 第一百一十三条: proposal ----------------------------------------------------------------


def test_a_proposal_on_the_periods_last_day_is_compliance():
    row = one({"failed_rectification": True, "closure_proposed_on": dt.date(2024, 12, 31)})
    assert row["taken_close"] is True and row["compliant"] is True


def test_a_proposal_after_the_period_is_not():
    row = one({"failed_rectification": True, "closure_proposed_on": dt.date(2025, 1, 1)})
    assert row["taken_close"] is False
    assert row["gaps"] == ["停产整顿后仍不合格未提请关闭"]


def test_a_proposal_before_the_case_does_not_count():
    row = one({"failed_rectification": True, "closure_proposed_on": DAY - dt.timedelta(days=1)})
    assert row["taken_close"] is False
    same_day = one({"failed_rectification": True, "closure_proposed_on": DAY})
    assert same_day["taken_close"] is True


# --- ground (一) by penalty kind ------------------------------------------------------------


def _suspensions(kind: str) -> list[dict[str, Any]]:
    return [
        {"major_hazard": True, "penalty_kinds": [kind], "found_on": DAY - dt.timedelta(days=d)}
        for d in (60, 30, 0)
    ]


def test_by_default_only_fines_count_for_the_repeat_rule():
    row = one(*_suspensions("责令停产停业整顿"))
    assert row["repeat_fines_180"] == 0 and row["required_close"] is False
    fines_by_kind = one(*_suspensions("罚款"))  # 罚款 among the kinds, fine_yuan 0
    assert fines_by_kind["repeat_fines_180"] == 3 and fines_by_kind["required_close"] is True


def test_a_rulebook_may_count_every_administrative_penalty(tmp_path: Path):
    book = override(
        tmp_path,
        "[four_musts.repeat_penalty_kinds]\n"
        'value = ["罚款", "责令停产停业整顿"]\nbasis = "本法规定的行政处罚"\n',
    )
    row = (
        run(*_suspensions("责令停产停业整顿"), book=book).cases.sort("case_id").row(-1, named=True)
    )
    assert row["repeat_fines_180"] == 3 and row["required_close"] is True
    assert row["gaps"] == ["重大隐患屡罚不改（180日内受罚3次）未提请关闭"]


# --- grounds (三) and (四); the principal's bar ---------------------------------------------


def test_refusing_a_suspension_order_requires_a_proposal_and_bars_the_principal():
    row = one({"suspension_refused": True})
    assert row["required_close"] is True
    assert row["gaps"] == ["拒不执行停产停业整顿决定未提请关闭"]
    assert row["closure_grounds"] == ["拒不执行停产停业整顿决定"]
    assert row["principal_barred_until"] == dt.date(2029, 6, 29)


def test_the_bar_runs_from_the_proposal():
    row = one({"suspension_refused": True, "closure_proposed_on": dt.date(2024, 7, 10)})
    assert row["compliant"] is True
    assert row["principal_barred_until"] == dt.date(2029, 7, 9)


def test_the_bar_from_a_leap_day_ends_before_28_february():
    row = one({"failed_rectification": True, "found_on": dt.date(2024, 2, 29)})
    assert row["principal_barred_until"] == dt.date(2029, 2, 27)


def test_illegal_production_alone_bars_no_one():
    row = one({"illegal": True})
    assert row["required_close"] is True and row["principal_barred_until"] is None


def test_a_major_accident_found_lacking_conditions_requires_closure():
    found = accident(10, dt.date(2024, 5, 1), lacked_conditions=True)
    row = one({}, accidents=found)
    assert row["required_close"] is True
    assert row["gaps"] == ["不具备安全生产条件导致重大及以上事故（S1）未提请关闭"]


def test_a_larger_accident_or_a_later_one_does_not():
    assert (
        one({}, accidents=accident(9, dt.date(2024, 5, 1), lacked_conditions=True))[
            "required_close"
        ]
        is False
    )
    later = accident(10, DAY + dt.timedelta(days=1), lacked_conditions=True)
    assert one({}, accidents=later)["required_close"] is False


def test_without_a_finding_the_switch_decides(tmp_path: Path):
    plain = accident(10, dt.date(2024, 5, 1))
    assert one({}, accidents=plain)["required_close"] is False
    book = override(
        tmp_path, '[four_musts.close_on_major_accident]\nvalue = true\nbasis = "省细则"\n'
    )
    data = builders.dataset(AS_OF, cases=cases({}), accidents=plain)
    assert four_musts(data, book, 2024).cases["required_close"].to_list() == [True]


# --- 煤矿安全生产条例第七十条 ----------------------------------------------------------------


def coal(case_day: dt.date, *found: dt.date, sector: str = "煤矿", **kw: Any) -> dict[str, Any]:
    return one(
        {"found_on": case_day},
        enterprises=enterprises(sector),
        hazards=hazards(*found, **kw),
    )


def test_two_findings_within_three_months_require_closure_of_a_coal_mine():
    row = coal(DAY, dt.date(2024, 3, 30), dt.date(2024, 6, 1))
    assert row["repeat_findings_3m"] == 2 and row["required_close"] is True
    assert row["gaps"] == ["煤矿屡次发现重大事故隐患仍生产（3个月内发现重大隐患2次）未提请关闭"]
    assert row["principal_barred_until"] is None  # not a ground of 第一百一十三条


def test_three_months_to_the_day():
    assert coal(DAY, dt.date(2024, 3, 29), dt.date(2024, 6, 1))["repeat_findings_3m"] == 1
    # 31 May: three months earlier is 29 February in 2024, 28 February in 2025.
    assert (
        coal(dt.date(2024, 5, 31), dt.date(2024, 2, 29), dt.date(2024, 5, 1))["repeat_findings_3m"]
        == 2
    )
    assert (
        coal(dt.date(2024, 5, 31), dt.date(2024, 2, 28), dt.date(2024, 5, 1))["repeat_findings_3m"]
        == 1
    )


def test_findings_are_distinct_days_up_to_the_case():
    assert coal(DAY, dt.date(2024, 6, 1), dt.date(2024, 6, 1))["repeat_findings_3m"] == 1
    assert coal(DAY, dt.date(2024, 6, 1), DAY + dt.timedelta(days=1))["repeat_findings_3m"] == 1
    assert coal(DAY, dt.date(2024, 6, 1), DAY)["required_close"] is True
    general = coal(DAY, dt.date(2024, 5, 1), dt.date(2024, 6, 1), level="一般")
    assert general["repeat_findings_3m"] == 0 and general["required_close"] is False


def test_the_coal_rule_applies_from_1_may_2024_to_coal_mines_only():
    before = coal(dt.date(2024, 4, 30), dt.date(2024, 3, 1), dt.date(2024, 4, 1))
    assert before["repeat_findings_3m"] is None and before["required_close"] is False
    first_day = coal(dt.date(2024, 5, 1), dt.date(2024, 3, 1), dt.date(2024, 4, 1))
    assert first_day["required_close"] is True  # findings before the day still count
    other = coal(DAY, dt.date(2024, 5, 1), dt.date(2024, 6, 1), sector="非煤矿山")
    assert other["repeat_findings_3m"] is None and other["required_close"] is False
    unknown = one({"found_on": DAY}, hazards=hazards(dt.date(2024, 5, 1), dt.date(2024, 6, 1)))
    assert unknown["required_close"] is False  # no enterprise sector known


def test_without_a_hazards_table_the_coal_rule_warns():
    result = run({"found_on": DAY}, enterprises=enterprises())
    assert result.warnings["rule"].to_list() == ["findings_window_without_hazards"]


# --- statutory fine ranges ------------------------------------------------------------------


def test_a_case_naming_its_article_needs_no_ceiling():
    at = {"unlawful": True, "suspended": True, "fine_max_yuan": None, "penalty_article": "97-2"}
    row = one({**at, "fine_yuan": 200000.0})
    assert row["fine_max_yuan"] == 200000.0 and row["fine_max_source"] == "法定幅度"
    assert row["compliant"] is True
    below = one({**at, "fine_yuan": 199999.0})
    assert below["gaps"] == ["未按上限处罚: 罚款 19.9999万元, 上限 20万元"]


# --- properties -----------------------------------------------------------------------------

_flag = st.booleans()
_day = st.dates(dt.date(2023, 1, 1), dt.date(2024, 12, 31))


@st.composite
def case_rows(draw) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 12))
    return [
        {
            "enterprise_id": draw(st.sampled_from(["E1", "E2"])),
            "found_on": draw(_day),
            "illegal": draw(_flag),
            "unlawful": draw(_flag),
            "failed_rectification": draw(_flag),
            "criminal": draw(_flag),
            "major_hazard": draw(_flag),
            "suspended": draw(_flag),
            "closed": draw(_flag),
            "transferred": draw(_flag),
            "fine_yuan": draw(st.sampled_from([0.0, 5000.0, 100000.0])),
        }
        for _ in range(n)
    ]


def _measures(frame: pl.DataFrame) -> pl.DataFrame:
    return required_measures(frame.lazy(), RULES.for_year(2024)).collect()


@settings(max_examples=25, deadline=None)
@given(case_rows(), st.lists(st.tuples(_day, _flag), min_size=12, max_size=12))
def test_discretionary_measures_never_change_compliance(rows, orders):
    plain = _measures(cases(*rows))
    ordered = [
        {**r, "ordered_to_correct_on": day, "refused_correction": refused}
        for r, (day, refused) in zip(rows, orders, strict=False)
    ]
    with_orders = _measures(cases(*ordered))
    for col in ("requires_measure", "compliant", "gaps"):
        assert with_orders[col].to_list() == plain[col].to_list()


@settings(max_examples=25, deadline=None)
@given(case_rows(), _day)
def test_adding_a_penalty_never_removes_a_required_measure(rows, day):
    before = _measures(cases(*rows))
    extra = {"enterprise_id": "E1", "found_on": day, "major_hazard": True, "fine_yuan": 5000.0}
    after = _measures(cases(*rows, extra)).head(len(rows))
    for col in ("required_close", "required_penalty", "required_accountability"):
        assert all(a or not b for a, b in zip(after[col], before[col], strict=True))


@settings(max_examples=25, deadline=None)
@given(case_rows())
def test_the_new_columns_absent_give_todays_results(rows):
    full = cases(*rows)
    new = [c.name for c in TABLES["cases"].columns if not c.required and c.name in full.columns]
    absent = _measures(full.drop(new))
    present = _measures(full)
    assert absent.drop(new, strict=False).equals(present.drop(new, strict=False))
    assert Dataset  # the tables are built like loaded ones (builders)


# --- the bundled fixture ---------------------------------------------------------------------


def test_the_fixtures_coal_mine_is_due_for_closure_in_january_2025(yiyang_data):
    result = four_musts(yiyang_data, RULES, 2025)
    row = result.cases.filter(pl.col("case_id") == "AJ202500001").row(0, named=True)
    assert row["repeat_findings_3m"] == 2 and row["required_close"] is True
    assert row["gaps"] == ["煤矿屡次发现重大事故隐患仍生产（3个月内发现重大隐患2次）未提请关闭"]


def test_the_fixture_shows_a_proposal_a_daily_fine_and_penalty_articles(yiyang_2024):
    cases = yiyang_2024.cases.filter(pl.col("case_id").is_in(["AJ202400011", "AJ202400113"]))
    daily, proposed = cases.sort("case_id").rows(named=True)
    assert daily["eligible_daily_fine_from"] == dt.date(2024, 1, 4)
    assert daily["penalty_article"] == "108" and daily["fine_max_source"] == "案件数据"
    assert proposed["closure_proposed_on"] == dt.date(2024, 1, 23)
    assert proposed["taken_close"] is True
    assert yiyang_2024.cases["penalty_article"].drop_nulls().len() == 7
    assert yiyang_2024.warnings.filter(pl.col("table") == "cases").height == 0
