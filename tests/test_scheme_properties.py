"""Properties of the provincial-scheme parameters (issue 13) over generated datasets.

- The new columns change nothing at their defaults: a dataset without the optional
  accident columns of 生产安全事故报告和调查处理条例第四条 and of the provincial schemes
  (生产经营性, 属地管理责任, 社会影响恶劣, 谎报, 漏报, 瞒报主体, 瞒报认定日期) — nor
  the adjustments' 方式 and 降低等次数, nor the targets' 控制指标类型 and 基准年度 — is
  assessed exactly as the same dataset with those columns present at their defaults.
- 一票否决 still means 不合格, under the default rulebook and under a Hunan-style one
  that uses every new parameter (period 12-01, pull-in, look-back, reporting entries,
  exemptions, veto_if_grade 不合格, consequences and awards).
- One more accident in the assessed period never raises a region's score, never
  lifts a veto or a yellow card, and never makes an award-ineligible region eligible.

Each dataset is one 市 with 2–4 县, accidents of 2023–2024 of every grade, deaths
targets and committee adjustments; the sections of the other tables are not assessed
(the score is rescaled to section A), which keeps an assessment quick.  The first
property compares whole `assess` results; the others read the regions frame of the
annual scorer, which is the frame `assess` publishes as `regions`, at half the cost.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from builders import frame
from conftest import rule_file
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability import Dataset, assess
from accountability.columns import TABLES
from accountability.rulebook import Rulebook, load_rulebook, rulebook
from accountability.scorers.annual import annual

YEAR = 2024
AS_OF = dt.date(2025, 3, 1)
CITY = "430900"
COUNTIES = ("430902", "430903", "430921", "430922")
SECTORS = ("道路交通", "水上交通", "煤矿", "建筑施工", "危险化学品", "工矿商贸其他")

# The columns issue 13 adds, with the default that keeps today's results.
NEW_ACCIDENT_DEFAULTS: dict[str, Any] = {
    "production_related": True,
    "local_responsibility": True,
    "impact_severe": False,
    "falsely_reported": False,
    "omitted": False,
    "concealed_by": None,
    "concealment_confirmed_on": None,
}
# Optional columns of other tables that are new too (dropped for "today's" dataset when
# the table declares them): supervisory_responsibility may come later, so it is only
# dropped where it exists.
NEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "accidents": (*NEW_ACCIDENT_DEFAULTS, "supervisory_responsibility"),
    "adjustments": ("effect", "steps"),
    "targets": ("limit_kind", "baseline_year"),
}

HUNAN_RULES = """
[annual.period_start]
value = "12-01"
basis = "试：上年 12 月 1 日至当年 11 月 30 日"

[annual.pull_in]
value = [{ min_grade = "重大" }, { min_grade = "较大", flag = "impact_severe" }]
basis = "试：12 月的重大及以上事故、社会影响恶劣的较大事故计入当年"

[annual.concealment_lookback_years]
value = 3
basis = "试：本年查实的瞒报事故追溯 3 年"

[annual.accident_population]
value = ["liability", "production_related"]
basis = "试：生产经营性责任事故"

[annual.veto_county]
value = { grade_counts = { "重大" = 1, "较大" = 3 }, concealed = 0, reporting = [{ failure = "concealed_or_false", count = 1, min_grade = "较大", by = "政府部门" }, { failure = "omitted", count = 2 }], exempt_without_local_responsibility = true }
basis = "试：县级一票否决"

[annual.veto_city]
value = { grade_counts = { "特别重大" = 1, "重大" = 2 }, concealed = 1, reporting = [], exempt_without_local_responsibility = true }
basis = "试：市级一票否决"

[annual.yellow_card_county]
value = { grade_counts = { "较大" = 2 }, concealed = 0, reporting = [{ failure = "reported_late", count = 2 }, { failure = "falsely_reported", count = 1, by = "企业" }], exempt_without_local_responsibility = false }
basis = "试：县级黄牌警告"

[annual.yellow_card_city]
value = { grade_counts = { "重大" = 1 }, concealed = 0, reporting = [], exempt_without_local_responsibility = true }
basis = "试：市级黄牌警告"

[annual.veto_if_grade]
value = ["不合格"]
basis = "试：考核等次为不合格的实行一票否决"

[annual.veto_consequences]
value = { award_ineligible = true, promotion_bar_days = 365, promotion_bar_roles = ["党委主要负责人", "政府主要负责人"] }
basis = "试：一票否决的当年不得评先评优"

[annual.awards]
value = [{ label = "先进", top = 2, levels = ["县"], forbidden_grade = "较大", population = [] }]
basis = "试：无较大及以上事故的前 2 名县评为先进"
"""  # noqa: E501


class _Books(dict):
    """The rulebooks by name (a short repr, for hypothesis' report of a failing case)."""

    def __repr__(self) -> str:
        return f"books({', '.join(self)})"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rulebook]:
    """The default rulebook and a Hunan-style rule file that uses every new parameter."""
    folder: Path = tmp_path_factory.mktemp("hunan-rules")
    return _Books(
        default=rulebook(), hunan=load_rulebook(rule_file(folder, HUNAN_RULES, "湖南式（试）"))
    )


# --- generated datasets ----------------------------------------------------------------------

_DEATHS = st.sampled_from([0, 0, 0, 1, 2, 3, 4, 9, 10, 12, 30])  # every grade
_INJURIES = st.sampled_from([0, 0, 1, 10, 50])
_LOSS = st.sampled_from([0.0, 0.0, 12.5, 100.0, 1000.0, 5000.0, 10000.0])
_ANY_DAY = st.integers(0, 730).map(lambda k: dt.date(2023, 1, 1) + dt.timedelta(days=k))
# the calendar year 2024: inside P(2024) under both rulebooks, see `_added`
_DAY_2024 = st.integers(0, 365).map(lambda k: dt.date(2024, 1, 1) + dt.timedelta(days=k))
_rare = st.sampled_from([False, False, False, True])


@st.composite
def _accident(draw: Any, aid: str, regions: list[str], day: Any, new: bool) -> dict[str, Any]:
    """One accident; with `new`, the issue-13 columns drawn too (else left to default)."""
    on = draw(day)
    row = {
        "accident_id": aid,
        "region_code": draw(st.sampled_from(regions)),
        "sector": draw(st.sampled_from(SECTORS)),
        "occurred_on": on,
        "deaths": draw(_DEATHS),
        "missing": draw(st.sampled_from([0, 0, 0, 1])),
        "serious_injuries": draw(_INJURIES),
        "direct_loss_10k_yuan": draw(_LOSS),
        "reported_late": draw(_rare),
        "concealed": draw(_rare),
        "liability": draw(st.sampled_from([True, True, True, False])),
    }
    if new:
        row |= {
            "production_related": draw(st.sampled_from([True, True, False])),
            "local_responsibility": draw(st.sampled_from([True, True, False])),
            "impact_severe": draw(_rare),
            "falsely_reported": draw(_rare),
            "omitted": draw(_rare),
            "concealed_by": draw(st.sampled_from([None, "企业", "政府部门"])),
            "concealment_confirmed_on": draw(
                st.one_of(
                    st.none(),
                    st.integers(0, 700).map(lambda k: on + dt.timedelta(days=k)),
                )
            ),
        }
    return row


@st.composite
def _tables(draw: Any, new: bool) -> dict[str, list[dict[str, Any]]]:
    """regions (1 市, 2–4 县), accidents, the 2024 deaths targets and adjustments, as rows
    (with `new`: the new accident columns and adjustment effects drawn)."""
    counties = list(COUNTIES[: draw(st.integers(2, 4))])
    regions = [{"region_code": CITY, "name": "益阳市", "parent_code": None, "level": "市"}] + [
        {"region_code": c, "name": f"县{c}", "parent_code": CITY, "level": "县"} for c in counties
    ]
    codes = [CITY, *counties]
    accidents = [
        draw(_accident(f"A{i:02d}", codes, _ANY_DAY, new)) for i in range(draw(st.integers(0, 14)))
    ]
    # the city always has a 2024 target: a dataset with no row in the period is refused
    targets = [
        {"region_code": c, "year": YEAR, "indicator": "deaths", "limit": float(draw(_DEATHS))}
        for c in codes
        if c == CITY or draw(st.booleans())
    ]
    adjustments = []
    for _ in range(draw(st.integers(0, 3))):
        adj = {
            "subject_type": "region",
            "subject_id": draw(st.sampled_from(codes)),
            "year": YEAR,
            "points": draw(st.sampled_from([-30.0, -5.0, 2.0, 10.0])),
            "reason": "试",
            "basis": "市安委会决定（试）",
        }
        if new and draw(st.booleans()):
            adj |= {"effect": "grade_down", "points": 0.0, "steps": draw(st.integers(1, 3))}
        adjustments.append(adj)
    return {
        "regions": regions,
        "accidents": accidents,
        "targets": targets,
        "adjustments": adjustments,
    }


def _dataset(rows: dict[str, list[dict[str, Any]]], *, today: bool = False) -> Dataset:
    """The rows as a Dataset, every column in its canonical dtype and the columns a row
    leaves out at their defaults; with `today`, the new columns left out altogether."""
    tables = {}
    for table, table_rows in rows.items():
        f = frame(table, table_rows)
        if today:
            f = f.drop([c for c in NEW_COLUMNS.get(table, ()) if c in f.columns])
        tables[table] = f
    return Dataset(tables=tables, as_of=AS_OF)


PROPERTIES = settings(max_examples=10, deadline=None)

# The regions frame and the line items as far as the properties compare them.
REGION_RESULT = (
    "region_code",
    "score",
    "grade",
    "rank",
    "vetoed",
    "veto_reasons",
    "yellow_card",
    "yellow_card_reasons",
    "grade_capped",
    "award_eligible",
)


def _nonzero_items(result: Any) -> pl.DataFrame:
    return (
        result.line_items.filter(pl.col("points") != 0)
        .select("subject_type", "subject_id", "rule_id", "points")
        .sort(pl.all())
    )


# --- 1. the defaults keep today's results ----------------------------------------------------


def test_the_new_columns_default_to_todays_meaning():
    """Every accident is 生产经营性 with 属地管理责任, no bad public impact, not 谎报 or
    漏报, its concealer and concealment's confirmation unknown; an adjustment is points."""
    accidents = TABLES["accidents"]
    assert {c: accidents.column(c).default for c in NEW_ACCIDENT_DEFAULTS} == NEW_ACCIDENT_DEFAULTS
    assert not any(accidents.column(c).required for c in NEW_ACCIDENT_DEFAULTS)
    assert TABLES["adjustments"].column("effect").default == "points"


@PROPERTIES
@given(_tables(new=False))
def test_with_every_new_column_at_its_default_results_equal_todays(rows):
    """A dataset without the new columns and the same dataset with each of them present
    at its default give the same regions (score, grade, rank, veto, yellow card, award
    eligibility) and the same non-zero line items."""
    today = assess(_dataset(rows, today=True), year=YEAR)
    defaults = assess(_dataset(rows), year=YEAR)
    assert today.regions.select(REGION_RESULT).equals(defaults.regions.select(REGION_RESULT))
    assert _nonzero_items(today).equals(_nonzero_items(defaults))


@PROPERTIES
@given(_tables(new=False))
def test_absent_new_columns_read_as_their_defaults_under_rules_that_use_them(books, rows):
    """The same under the Hunan-style rulebook, which reads every new column (population,
    pull-in flag, reporting entries, concealer, exemptions, look-back): a column left
    out means its default, as it does when a CSV file leaves it out."""
    book = books["hunan"]
    today = assess(_dataset(rows, today=True), book, year=YEAR)
    defaults = assess(_dataset(rows), book, year=YEAR)
    assert today.regions.select(REGION_RESULT).equals(defaults.regions.select(REGION_RESULT))
    assert _nonzero_items(today).equals(_nonzero_items(defaults))


# --- 2. a veto still means 不合格 --------------------------------------------------------------


@PROPERTIES
@given(_tables(new=True))
def test_a_vetoed_region_is_graded_fail_and_cannot_be_awarded(books, rows):
    """一票否决 means 不合格 and no 评先评优, under both rulebooks; under the Hunan-style
    one (veto_if_grade 不合格) a region graded 不合格 is vetoed too."""
    data = _dataset(rows)
    for name, book in books.items():
        regions = annual(data, book, year=YEAR).regions
        vetoed = regions.filter(pl.col("vetoed"))
        assert (vetoed["grade"] == "不合格").all(), (name, vetoed.select(REGION_RESULT))
        assert not vetoed["award_eligible"].any(), name
        assert vetoed["award"].is_null().all(), name
        if name == "hunan":
            failed = regions.filter(pl.col("grade") == "不合格")
            assert failed["vetoed"].all(), failed.select(REGION_RESULT)


# --- 3. one more accident never helps --------------------------------------------------------

# The added accident occurs in the calendar year 2024.  Under the default rulebook that
# is P(2024).  Under the Hunan-style one (P(2024) = 2023-12-01 … 2024-11-30) it is in
# P(2024), or a December accident pulled into 2024, or one of P(2025) that 2024 does not
# see.  An accident of P(2023) — December 2023 pulled into 2023 by the Hunan rules, or
# any 2023 accident, even one whose concealment the look-back brings into 2024 — would
# raise last year's figures, and A2 (同比) deducts less when last year was worse: that
# is the rule, not a defect, so the addition never occurs before 2024.


@st.composite
def _added(draw: Any) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    rows = draw(_tables(new=True))
    codes = [r["region_code"] for r in rows["regions"]]
    return rows, draw(_accident("NEW", codes, _DAY_2024, new=True))


def _outcome(data: Dataset, book: Rulebook) -> dict[str, tuple[Any, ...]]:
    regions = annual(data, book, year=YEAR).regions
    cols = ("region_code", "score", "vetoed", "yellow_card", "award_eligible")
    return {r[0]: r[1:] for r in regions.select(cols).iter_rows()}


@pytest.mark.parametrize("name", ["default", "hunan"])
@PROPERTIES
@given(_added())
def test_one_more_accident_never_helps_a_region(books, name, case):
    """One more accident in the period never raises a score, never lifts a veto or a
    yellow card, and never makes an award-ineligible region eligible."""
    rows, extra = case
    book = books[name]
    before = _outcome(_dataset(rows), book)
    after = _outcome(_dataset({**rows, "accidents": [*rows["accidents"], extra]}), book)
    for code, (score, vetoed, yellow, eligible) in before.items():
        score2, vetoed2, yellow2, eligible2 = after[code]
        assert score2 <= score + 1e-9, (code, score, score2, extra)
        assert vetoed2 or not vetoed, (code, extra)
        assert yellow2 or not yellow, (code, extra)
        assert eligible or not eligible2, (code, extra)
