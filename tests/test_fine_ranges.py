"""Statutory fine ranges: the ceiling of 从重处罚 from the article a case was fined under.

《安全生产法》(2021年修正，2021年9月1日起施行)第九十四条至第一百零九条 and
《安全生产许可证条例》第十九条 fix the fine of each article and tier.  A case fined at
the upper limit satisfies 从重处罚 (四个一律); a case naming its `penalty_article` needs
no `fine_max_yuan`, the range in force on its `found_on` gives it.  The table below is
the law as it reads, written out here independently of the rulebook, so that a wrong
number in the rulebook fails a test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.dataset import WARNINGS_SCHEMA
from accountability.rulebook import Rulebook, rulebook
from accountability.scorers.fine_ranges import (
    FINE_RANGES_KEY,
    FROM_DATA,
    FROM_STATUTE,
    STATUTORY_COLUMNS,
    fine_range_rows,
    statutory_ceilings,
)

RULES = rulebook()
IN_FORCE = dt.date(2021, 9, 1)  # 《安全生产法》2021年修正施行
DAY = dt.date(2024, 6, 30)

# key: (条款, 罚款下限, 罚款上限), as the law words them.
LAW: dict[str, tuple[str, float, float]] = {
    "94-1": ("第九十四条 主要负责人未履行安全生产管理职责：二万元以上五万元以下", 2e4, 5e4),
    "94-2": ("第九十四条 逾期未改正：五万元以上十万元以下", 5e4, 1e5),
    "96": ("第九十六条 其他负责人和安全生产管理人员：一万元以上三万元以下", 1e4, 3e4),
    "97-1": ("第九十七条：十万元以下", 0.0, 1e5),
    "97-2": ("第九十七条 逾期未改正：十万元以上二十万元以下", 1e5, 2e5),
    "98-1": ("第九十八条：十万元以上五十万元以下", 1e5, 5e5),
    "98-2": ("第九十八条 逾期未改正：五十万元以上一百万元以下", 5e5, 1e6),
    "99-1": ("第九十九条：五万元以下", 0.0, 5e4),
    "99-2": ("第九十九条 逾期未改正：五万元以上二十万元以下", 5e4, 2e5),
    "101-1": ("第一百零一条：十万元以下", 0.0, 1e5),
    "101-2": ("第一百零一条 逾期未改正：十万元以上二十万元以下", 1e5, 2e5),
    "102": ("第一百零二条 未采取措施消除事故隐患：五万元以下", 0.0, 5e4),
    "104": ("第一百零四条 未签订安全生产管理协议：五万元以下", 0.0, 5e4),
    "105": ("第一百零五条 生产经营场所和员工宿舍：五万元以下", 0.0, 5e4),
    "108": ("第一百零八条 拒绝、阻碍监督检查：二万元以上二十万元以下", 2e4, 2e5),
    "109-1": ("第一百零九条 未投保安全生产责任保险：五万元以上十万元以下", 5e4, 1e5),
    "109-2": ("第一百零九条 逾期未改正：十万元以上二十万元以下", 1e5, 2e5),
    "许可证条例19": (
        "安全生产许可证条例第十九条 未取得许可证擅自生产：十万元以上五十万元以下",
        1e5,
        5e5,
    ),
}


def cases(*rows: dict[str, Any], article: bool = True) -> pl.LazyFrame:
    """Cases of the columns the lookup reads; each row names what differs."""
    defaults: dict[str, Any] = {
        "found_on": DAY,
        "fine_yuan": 0.0,
        "fine_max_yuan": None,
        "penalty_article": None,
    }
    full = [{"case_id": f"C{i:03d}", **defaults, **r} for i, r in enumerate(rows, start=1)]
    schema = {
        "case_id": pl.String(),
        "found_on": pl.Date(),
        "fine_yuan": pl.Float64(),
        "fine_max_yuan": pl.Float64(),
        "penalty_article": pl.String(),
    }
    frame = pl.DataFrame(full, schema=schema, orient="row")
    return (frame if article else frame.drop("penalty_article")).lazy()


def run(*rows: dict[str, Any], book: Rulebook = RULES) -> tuple[pl.DataFrame, pl.DataFrame]:
    out, warnings = statutory_ceilings(cases(*rows), book)
    return out.collect(), warnings.collect()


def one(**row: Any) -> tuple[dict[str, Any], pl.DataFrame]:
    out, warnings = run(row)
    return out.row(0, named=True), warnings


# --- each statutory range --------------------------------------------------------------


def test_the_rulebook_holds_the_ranges_of_the_law():
    rows = fine_range_rows(RULES, DAY)
    assert {key: (low, high) for key, _, low, high in rows} == {
        key: (low, high) for key, (_, low, high) in LAW.items()
    }


@pytest.mark.parametrize("key", list(LAW))
def test_a_case_naming_its_article_takes_the_statutory_ceiling(key: str):
    _, low, high = LAW[key]
    row, warnings = one(penalty_article=key, fine_yuan=high)
    assert row["fine_max_yuan"] == high and row["fine_max_source"] == FROM_STATUTE
    assert (row["statutory_min_yuan"], row["statutory_max_yuan"]) == (low, high)
    articles = {k: article for k, article, _, _ in fine_range_rows(RULES, DAY)}
    assert row["statutory_article"] == articles[key]
    assert row["fine_yuan"] >= row["fine_max_yuan"]  # fined at the upper limit
    assert warnings.is_empty()


@pytest.mark.parametrize("key", list(LAW))
def test_a_ceiling_in_the_data_is_not_derived(key: str):
    _, _, high = LAW[key]
    row, warnings = one(penalty_article=key, fine_yuan=high, fine_max_yuan=high)
    assert row["fine_max_yuan"] == high and row["fine_max_source"] == FROM_DATA
    assert warnings.is_empty()  # the given ceiling agrees with the law


def test_a_case_without_article_or_ceiling_has_none():
    row, warnings = one(fine_yuan=100000.0)
    assert row["fine_max_yuan"] is None and row["fine_max_source"] is None
    assert row["statutory_article"] is None and warnings.is_empty()


def test_blank_article_is_no_article():
    row, warnings = one(penalty_article="   ")
    assert row["fine_max_source"] is None and warnings.is_empty()


def test_article_text_is_trimmed():
    row, warnings = one(penalty_article=" 97-2\t")
    assert row["fine_max_yuan"] == 200000.0 and warnings.is_empty()
    assert row["penalty_article"] == " 97-2\t"  # the input column is not rewritten


# --- 未注明档次: the first tier, with a warning -------------------------------------------


def test_an_article_without_tier_takes_its_first_tier_with_a_warning():
    row, warnings = one(penalty_article="98", fine_yuan=500000.0)
    assert row["fine_max_yuan"] == 500000.0 and row["fine_max_source"] == FROM_STATUTE
    assert (row["statutory_min_yuan"], row["statutory_max_yuan"]) == (100000.0, 500000.0)
    assert warnings["rule"].to_list() == ["penalty_article_tier_missing"]
    warning = warnings.row(0, named=True)
    assert warning["table"] == "cases" and warning["column"] == "penalty_article"
    assert warning["value"] == "98"
    for part in ("C001", "98-1", "第九十八条", "10万元以上50万元以下"):
        assert part in warning["message"], part


def test_an_article_of_one_tier_is_no_missing_tier():
    row, warnings = one(penalty_article="96")
    assert row["fine_max_yuan"] == 30000.0 and warnings.is_empty()


# --- an article the table does not hold -------------------------------------------------


@pytest.mark.parametrize("text", ["200", "96-1", "97-3", "第九十七条"])
def test_an_unknown_article_is_warned_about_and_has_no_range(text: str):
    row, warnings = one(penalty_article=text, fine_yuan=100000.0)
    assert row["fine_max_yuan"] is None and row["fine_max_source"] is None
    assert row["statutory_article"] is None and row["statutory_max_yuan"] is None
    assert warnings["rule"].to_list() == ["penalty_article_unknown"]
    warning = warnings.row(0, named=True)
    assert warning["column"] == "penalty_article" and warning["value"] == text
    assert "C001" in warning["message"] and text in warning["message"]


def test_an_unknown_article_keeps_the_ceiling_given():
    row, warnings = one(penalty_article="200", fine_max_yuan=80000.0)
    assert row["fine_max_yuan"] == 80000.0 and row["fine_max_source"] == FROM_DATA
    assert warnings["rule"].to_list() == ["penalty_article_unknown"]


# --- a given ceiling that differs from the law -------------------------------------------


def test_a_given_ceiling_that_differs_from_the_law_stands_with_a_warning():
    row, warnings = one(penalty_article="97-2", fine_max_yuan=150000.0)
    assert row["fine_max_yuan"] == 150000.0 and row["fine_max_source"] == FROM_DATA
    assert row["statutory_max_yuan"] == 200000.0
    assert warnings["rule"].to_list() == ["fine_max_disagrees_with_statute"]
    warning = warnings.row(0, named=True)
    assert warning["column"] == "fine_max_yuan"
    for part in ("C001", "15万元", "20万元", "第九十七条"):
        assert part in warning["message"], part


@pytest.mark.parametrize("given_max", [200000.0, 200000.004, 199999.996])
def test_a_given_ceiling_equal_to_the_law_is_not_warned_about(given_max: float):
    _, warnings = one(penalty_article="97-2", fine_max_yuan=given_max)
    assert warnings.is_empty()


def test_the_tier_warning_and_the_disagreement_both_stand():
    _, warnings = one(penalty_article="97", fine_max_yuan=200000.0)
    assert sorted(warnings["rule"]) == [
        "fine_max_disagrees_with_statute",
        "penalty_article_tier_missing",
    ]


# --- the date: the table in force on the case's found_on ----------------------------------


def test_the_day_before_the_2021_law_finds_no_range():
    row, warnings = one(penalty_article="97-2", found_on=IN_FORCE - dt.timedelta(days=1))
    assert row["fine_max_yuan"] is None and row["fine_max_source"] is None
    assert warnings["rule"].to_list() == ["penalty_article_unknown"]
    assert "2021-08-31" in warnings["message"][0]


def test_the_day_the_2021_law_applies_finds_the_range():
    row, warnings = one(penalty_article="97-2", found_on=IN_FORCE)
    assert row["fine_max_yuan"] == 200000.0 and row["fine_max_source"] == FROM_STATUTE
    assert warnings.is_empty()


def test_each_case_takes_its_own_date_not_the_period_end():
    out, warnings = run(
        {"penalty_article": "97-2", "found_on": dt.date(2021, 8, 31)},
        {"penalty_article": "97-2", "found_on": dt.date(2021, 9, 1)},
        book=RULES,
    )
    assert out["fine_max_yuan"].to_list() == [None, 200000.0]
    assert warnings["rule"].to_list() == ["penalty_article_unknown"]


def test_fine_range_rows_follow_the_date():
    assert fine_range_rows(RULES, IN_FORCE - dt.timedelta(days=1)) == []
    keys = [key for key, *_ in fine_range_rows(RULES, IN_FORCE)]
    assert keys[:3] == ["94-1", "94-2", "96"] and keys[-1] == "许可证条例19"
    assert keys.index("101-1") > keys.index("99-2")  # by article number, not text


def test_a_rulebook_without_fine_ranges_derives_nothing():
    book = Rulebook(
        "no-ranges", {k: p for k, p in RULES.parameters.items() if k != FINE_RANGES_KEY}
    )
    out, warnings = run({"penalty_article": "97-2", "fine_max_yuan": 1.0}, book=book)
    assert out["fine_max_yuan"].to_list() == [1.0]
    assert warnings["rule"].to_list() == ["penalty_article_unknown"]
    assert fine_range_rows(book, DAY) == []


# --- the frame ---------------------------------------------------------------------------


def test_without_penalty_article_only_the_source_is_added():
    rows = ({"fine_max_yuan": 100000.0}, {"fine_max_yuan": None})
    before = cases(*rows, article=False).collect()
    out, warnings = statutory_ceilings(cases(*rows, article=False), RULES)
    out_df = out.collect()
    assert out_df.select(before.columns).equals(before)
    assert out_df["penalty_article"].dtype == pl.String()
    assert out_df["penalty_article"].null_count() == 2
    assert out_df["fine_max_source"].to_list() == [FROM_DATA, None]
    for column in ("statutory_article", "statutory_min_yuan", "statutory_max_yuan"):
        assert out_df[column].null_count() == 2
    assert warnings.collect().is_empty()
    assert warnings.collect_schema() == pl.Schema(WARNINGS_SCHEMA)


def test_rows_keep_their_order_and_other_columns():
    rows = [
        {"penalty_article": "200", "fine_yuan": 1.0},
        {"penalty_article": "97-2", "fine_yuan": 2.0},
        {"penalty_article": None, "fine_yuan": 3.0},
        {"penalty_article": "97", "fine_yuan": 4.0},
    ]
    frame = cases(*rows).with_columns(pl.lit("x").alias("extra"))
    out, warnings = statutory_ceilings(frame, RULES)
    out_df, before = out.collect(), frame.collect()
    assert out_df.columns == [*before.columns, *STATUTORY_COLUMNS]
    unchanged = [c for c in before.columns if c != "fine_max_yuan"]
    assert out_df.select(unchanged).equals(before.select(unchanged))
    assert out_df.schema == pl.Schema({**before.schema, **STATUTORY_COLUMNS})
    assert warnings.collect_schema() == pl.Schema(WARNINGS_SCHEMA)


# --- a property -----------------------------------------------------------------------------

_ARTICLES = st.sampled_from([*LAW, "97", "98", " 99-2 ", "200", "96-1", "", None])
_CASES = st.lists(
    st.fixed_dictionaries(
        {
            "found_on": st.dates(dt.date(2018, 1, 1), dt.date(2026, 12, 31)),
            "penalty_article": _ARTICLES,
            "fine_max_yuan": st.none() | st.floats(0, 2e6, allow_nan=False),
        }
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None)
@given(_CASES)
def test_the_ceiling_given_in_the_data_is_never_replaced(rows: list[dict[str, Any]]):
    out, warnings = run(*rows)
    assert out.height == len(rows)
    for case, result in zip(rows, out.iter_rows(named=True), strict=True):
        given_max = case["fine_max_yuan"]
        if given_max is not None:
            assert result["fine_max_yuan"] == given_max
            assert result["fine_max_source"] == FROM_DATA
        elif result["statutory_max_yuan"] is not None:
            assert result["fine_max_yuan"] == result["statutory_max_yuan"]
            assert result["fine_max_source"] == FROM_STATUTE
        else:
            assert result["fine_max_yuan"] is None and result["fine_max_source"] is None
        if case["found_on"] < IN_FORCE:
            assert result["statutory_max_yuan"] is None
    assert set(warnings["value"].drop_nulls()) <= {
        *(str(r["penalty_article"]) for r in rows),
        *pl.Series([r["fine_max_yuan"] for r in rows], dtype=pl.Float64)
        .cast(pl.String)
        .drop_nulls(),
    }


def test_four_musts_with_penalty_articles_on_every_case_completes(yiyang_data):
    """A regression: articles of every kind (with and without a tier, unknown, blank)
    on a sample of the fixture's cases once made polars' streaming engine panic while
    formatting the fine-range warnings."""
    import random

    from accountability.scorers.four_musts import four_musts

    rnd = random.Random(2)
    articles = ["97-2", "97", " 97 ", "99-1", "99", "100-1", "102", "110", "999", "abc", "",
                None, "112-1", "113", "95-3", "96"]  # fmt: skip
    cases = yiyang_data.tables["cases"]
    drawn = pl.Series([rnd.choice(articles) for _ in range(cases.height)], dtype=pl.String)
    ceilings = [None if rnd.random() < 0.5 else rnd.choice([1e4, 5e4, 2e5, 1e6])
                for _ in range(cases.height)]  # fmt: skip
    with_articles = cases.with_columns(penalty_article=drawn)
    if rnd.random() < 0.5:
        with_articles = with_articles.with_columns(
            fine_max_yuan=pl.Series(ceilings, dtype=pl.Float64)
        )
    sample = with_articles.sample(fraction=rnd.choice([0.02, 0.1, 0.5, 1.0]), seed=2)
    result = four_musts(yiyang_data.replace(cases=sample), rulebook(), 2024)
    assert result.cases.height == sample.filter(pl.col("found_on").dt.year() == 2024).height
    assert set(result.warnings["rule"]) >= {"penalty_article_unknown"}
