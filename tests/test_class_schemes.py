"""分级分类 by sector (rules enterprise.class_schemes, enterprise.class_overrides) and the
inspections a year each category must receive and may receive at most.

An enterprise is graded under its sector's scheme ("非高危" where its ``high_risk`` is
false, "*" for the sectors without one; without a "*" scheme by score, with
``enterprise.inspections_per_year`` as the minimum and no cap): by score, by its
安全生产标准化 grade (未定级 when it has none) or by its 安全风险等级 (未定级 when
empty), or in 长期停产停建 where it is ``long_idle`` and the scheme has that category.
``class_basis`` is the category's label; ``inspections_min`` / ``inspections_max`` are
the category's, or, where dishonesty, data sufficiency or an override moved the class,
those of the scheme's first category of that class.  A closed enterprise needs none
and has no cap.  ``inspections_done`` counts the distinct inspection ids of the year;
``under_min`` / ``over_cap`` compare it with the minimum and the cap.

``enterprise.class_overrides`` (off by default) set a class directly: a fatal liability
accident within 12 months ending on the period's last day, an overdue 重大 hazard at the
period's end; the class is the worse of the scheme's and the override's, with a 0-point
line item ``enterprise.class_override``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import builders
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accountability as acc
from accountability.rulebook import Rulebook

D = dt.date
AS_OF = D(2025, 3, 1)
YEAR = 2024
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ORDER = {"A": 0, "B": 1, "C": 2, "D": 3}

# A province's schemes, with numbers distinct enough to tell the categories apart.
SCHEMES = """
[enterprise.class_schemes]
basis = "本地分级分类方案"

[enterprise.class_schemes.value."煤矿"]
by = "score"
basis = "本地：煤矿按得分分级"
categories = [
  { label = "A", class = "A", inspections_min = 1, inspections_max = 2 },
  { label = "B", class = "B", inspections_min = 2, inspections_max = 4 },
  { label = "C", class = "C", inspections_min = 3, inspections_max = 6 },
  { label = "D", class = "D", inspections_min = 4, inspections_max = 8 },
  { label = "长期停产停建", class = "D", inspections_min = 1, inspections_max = 3 },
]

[enterprise.class_schemes.value."非煤矿山"]
by = "risk_level"
basis = "本地：非煤矿山按安全风险等级分级"
categories = [
  { label = "低", class = "A", inspections_min = 1, inspections_max = 1 },
  { label = "一般", class = "B", inspections_min = 1, inspections_max = 2 },
  { label = "较大", class = "C", inspections_min = 2, inspections_max = 3 },
  { label = "重大", class = "D", inspections_min = 3, inspections_max = 5 },
  { label = "未定级", class = "D", inspections_min = 4, inspections_max = 6 },
]

[enterprise.class_schemes.value."危险化学品"]
by = "standardization"
basis = "本地：危险化学品按安全生产标准化等级分级"
categories = [
  { label = "一级", class = "A", inspections_min = 1, inspections_max = 2 },
  { label = "二级", class = "B", inspections_min = 2, inspections_max = 4 },
  { label = "三级", class = "C", inspections_min = 3, inspections_max = 8 },
  { label = "未定级", class = "D", inspections_min = 4, inspections_max = 12 },
]

[enterprise.class_schemes.value."非高危"]
by = "standardization"
basis = "本地：非高危行业领域按安全生产标准化等级分级"
categories = [
  { label = "一级", class = "A", inspections_min = 0, inspections_max = 1 },
  { label = "二级", class = "B", inspections_min = 1, inspections_max = 2 },
  { label = "三级", class = "C", inspections_min = 1, inspections_max = 4 },
  { label = "未定级", class = "D", inspections_min = 2, inspections_max = 6 },
]
"""

OVERRIDES = """
[enterprise.class_overrides]
basis = "本地直接定级情形"
value = [
  { ground = "fatal_accident", class = "D", on = true, months = 12, basis = "本地：12 个月内发生死亡责任事故定为 D 级" },
  { ground = "major_hazard_overdue", class = "D", on = true, months = 0, basis = "本地：重大隐患到期未整改定为 D 级" },
]
"""  # noqa: E501


def write_rules(folder: Path, text: str, name: str = "local.toml") -> Path:
    path = folder / name
    path.write_text('extends = "default"\n' + text, encoding="utf-8")
    return path


def load(folder: Path, text: str) -> Rulebook:
    return acc.load_rulebook(write_rules(folder, text))


@pytest.fixture(scope="module")
def schemes(tmp_path_factory) -> Rulebook:
    return load(tmp_path_factory.mktemp("schemes"), SCHEMES)


@pytest.fixture(scope="module")
def with_overrides(tmp_path_factory) -> Rulebook:
    return load(tmp_path_factory.mktemp("overrides"), SCHEMES + OVERRIDES)


# --- rows ----------------------------------------------------------------------------


def ent(eid: str = "E1", **kw: Any) -> dict:
    return {"enterprise_id": eid, "name": f"企业{eid}", "region_code": "430902",
            "sector": "煤矿", "employees": 50, **kw}  # fmt: skip


IN_YEAR = D(2024, 5, 1)


def visits(eid: str, n: int, day: dt.date = IN_YEAR) -> list[dict]:
    """`n` inspections of `eid` on `day`, each its own inspection id."""
    return [{"inspection_id": f"{eid}-J{i}", "enterprise_id": eid, "region_code": "430902",
             "department": "应急管理局", "inspected_on": day} for i in range(n)]  # fmt: skip


def adjusted(eid: str, points: float) -> dict:
    """A committee adjustment: the simplest way to put a score exactly on a band line."""
    return {"subject_type": "enterprise", "subject_id": eid, "year": YEAR,
            "points": points, "reason": "核减", "basis": "委员会决定"}  # fmt: skip


def accident(eid: str, on: dt.date, deaths: int, aid: str = "S1", **kw: Any) -> dict:
    return {"accident_id": aid, "region_code": "430902", "enterprise_id": eid,
            "sector": "煤矿", "occurred_on": on, "deaths": deaths, **kw}  # fmt: skip


def hazard(eid: str, due: dt.date, rectified: dt.date | None = None, hid: str = "H1") -> dict:
    return {"hazard_id": hid, "enterprise_id": eid, "region_code": "430902", "sector": "煤矿",
            "level": "重大", "found_on": D(2024, 1, 10), "due_on": due,
            "rectified_on": rectified}  # fmt: skip


def rate(rules: Rulebook | None, enterprises: list[dict], **tables: Any) -> acc.EnterpriseRatings:
    return acc.enterprise_ratings(builders.dataset(AS_OF, enterprises=enterprises, **tables),
                                  rules, YEAR)  # fmt: skip


COLUMNS = ("enterprise_id", "class_basis", "risk_class", "inspections_min", "inspections_max")


def table(result: acc.EnterpriseRatings, *columns: str) -> list[tuple]:
    return result.enterprises.select(*(columns or COLUMNS)).rows()


# --- the default scheme ----------------------------------------------------------------


def test_by_default_the_class_is_the_score_class_with_inspections_per_year_and_no_cap():
    # inspections_per_year: A 1, B 2, C 4, D 12; the score bands 90 / 75 / 60
    result = rate(
        None,
        [ent("E1"), ent("E2"), ent("E3"), ent("E4")],
        adjustments=[adjusted("E2", -20), adjusted("E3", -35), adjusted("E4", -50)],
        inspections=[*visits("E1", 30), *visits("E2", 1), *visits("E3", 4), *visits("E4", 1)],
    )
    assert table(result, *COLUMNS, "inspections_per_year", "under_min", "over_cap") == [
        ("E1", "A", "A", 1, None, 1, False, None),  # 30 visits: no cap to exceed
        ("E2", "B", "B", 2, None, 2, True, None),
        ("E3", "C", "C", 4, None, 4, False, None),
        ("E4", "D", "D", 12, None, 12, True, None),
    ]


# --- the categories of each kind of scheme -----------------------------------------------


def test_by_score_the_bands_are_closed_below(schemes):
    # 90 is A and 89.99 is B; 75 B and 74.99 C; 60 C and 59.99 D (煤矿, by score)
    points = {"E1": -10.0, "E2": -10.01, "E3": -25.0, "E4": -25.01, "E5": -40.0, "E6": -40.01}
    result = rate(
        schemes,
        [ent(eid) for eid in points],
        adjustments=[adjusted(eid, p) for eid, p in points.items()],
    )
    assert table(result, "enterprise_id", "score", *COLUMNS[1:]) == [
        ("E1", 90.0, "A", "A", 1, 2),
        ("E2", 89.99, "B", "B", 2, 4),
        ("E3", 75.0, "B", "B", 2, 4),
        ("E4", 74.99, "C", "C", 3, 6),
        ("E5", 60.0, "C", "C", 3, 6),
        ("E6", 59.99, "D", "D", 4, 8),
    ]


def test_by_standardization_the_grade_sets_the_class_and_no_grade_is_unrated(schemes):
    grades = {"E1": "一级", "E2": "二级", "E3": "三级", "E4": None}
    result = rate(
        schemes, [ent(e, sector="危险化学品", standardization_level=g) for e, g in grades.items()]
    )
    assert table(result) == [
        ("E1", "一级", "A", 1, 2),
        ("E2", "二级", "B", 2, 4),
        ("E3", "三级", "C", 3, 8),
        ("E4", "未定级", "D", 4, 12),
    ]


def test_by_standardization_the_score_does_not_set_the_class(schemes):
    # an illegal case costs 40 points (score 70, C by score); 一级 is still A
    case = {"case_id": "C1", "enterprise_id": "E1", "region_code": "430902",
            "department": "应急管理局", "found_on": D(2024, 4, 1), "illegal": True,
            "illegal_kind": "超范围"}  # fmt: skip
    result = rate(schemes, [ent(sector="危险化学品", standardization_level="一级")], cases=[case])
    assert table(result, "score", "class_basis", "risk_class") == [(70.0, "一级", "A")]


def test_by_risk_level_the_level_sets_the_class_and_no_level_is_unrated(schemes):
    levels = {"E1": "低", "E2": "一般", "E3": "较大", "E4": "重大", "E5": None}
    result = rate(schemes, [ent(e, sector="非煤矿山", risk_level=v) for e, v in levels.items()])
    assert table(result) == [
        ("E1", "低", "A", 1, 1),
        ("E2", "一般", "B", 1, 2),
        ("E3", "较大", "C", 2, 3),
        ("E4", "重大", "D", 3, 5),
        ("E5", "未定级", "D", 4, 6),  # its own category, though 重大 is D as well
    ]


def test_a_long_idle_enterprise_is_in_its_own_category(schemes):
    # score 100, but 长期停产停建: class D with that category's 1 and 3, not D's 4 and 8
    result = rate(schemes, [ent("E1", long_idle=True), ent("E2", long_idle=False)])
    assert table(result) == [("E1", "长期停产停建", "D", 1, 3), ("E2", "A", "A", 1, 2)]


def test_a_scheme_without_the_long_idle_category_grades_a_long_idle_enterprise_as_usual(schemes):
    result = rate(schemes, [ent(sector="危险化学品", standardization_level="二级", long_idle=True)])
    assert table(result) == [("E1", "二级", "B", 2, 4)]


def test_which_scheme_rates_an_enterprise(schemes):
    result = rate(
        schemes,
        [
            # high_risk false: the 非高危 scheme, whatever the sector's own
            ent("E1", standardization_level="二级", high_risk=False),
            # high_risk true or unknown: the sector's scheme (煤矿 by score, 100 → A)
            ent("E2", standardization_level="二级", high_risk=True),
            ent("E3", standardization_level="二级", high_risk=None),
            # a sector without a scheme, and no "*" written: the default by score
            ent("E4", sector="建筑施工", high_risk=True),
        ],
    )
    assert table(result) == [
        ("E1", "二级", "B", 1, 2),
        ("E2", "A", "A", 1, 2),
        ("E3", "A", "A", 1, 2),
        ("E4", "A", "A", 1, None),
    ]


def test_a_written_star_scheme_rates_the_sectors_without_their_own(tmp_path):
    star = """
[enterprise.class_schemes.value."*"]
by = "standardization"
basis = "本地：其他行业领域按标准化等级分级"
categories = [
  { label = "一级", class = "A", inspections_min = 1, inspections_max = 1 },
  { label = "二级", class = "B", inspections_min = 1, inspections_max = 2 },
  { label = "三级", class = "C", inspections_min = 2, inspections_max = 3 },
  { label = "未定级", class = "D", inspections_min = 3, inspections_max = 4 },
]
"""
    book = load(tmp_path, SCHEMES + star)
    result = rate(
        book, [ent("E1", sector="建筑施工"), ent("E2", sector="消防", standardization_level="三级")]
    )
    assert table(result) == [("E1", "未定级", "D", 3, 4), ("E2", "三级", "C", 2, 3)]


# --- the inspections of the year against the minimum and the cap -------------------------


def test_under_the_minimum_and_over_the_cap(schemes):
    # 危险化学品 一级: at least 1, at most 2 (graded, hence data-sufficient without visits)
    chem = {"sector": "危险化学品", "standardization_level": "一级"}
    inspections = [*visits("E2", 1), *visits("E3", 2), *visits("E4", 3)]
    result = rate(schemes, [ent(e, **chem) for e in ("E1", "E2", "E3", "E4")],
                  inspections=inspections)  # fmt: skip
    assert table(result, "enterprise_id", "inspections_done", "under_min", "over_cap") == [
        ("E1", 0, True, False),  # done < min
        ("E2", 1, False, False),  # done == min
        ("E3", 2, False, False),  # done == max
        ("E4", 3, False, True),  # done > max
    ]


def test_a_visit_is_a_distinct_inspection_of_the_year(schemes):
    chem = {"sector": "危险化学品", "standardization_level": "一级"}
    same_id_twice = visits("E1", 1, D(2024, 3, 1)) + visits("E1", 1, D(2024, 9, 1))
    last_year = visits("E1", 5, D(2023, 12, 31))
    result = rate(schemes, [ent(**chem)], inspections=same_id_twice + last_year)
    assert table(result, "inspections_done", "under_min", "over_cap") == [(1, False, False)]


def test_a_closed_enterprise_needs_no_inspection_and_has_no_cap(schemes):
    closed = ent(sector="危险化学品", standardization_level="一级", status="关闭",
                 closed_on=D(2024, 6, 1))  # fmt: skip
    result = rate(schemes, [closed], inspections=visits("E1", 3))
    assert table(result, "inspections_min", "inspections_max", "inspections_done", "under_min",
                  "over_cap") == [(0, None, 3, False, None)]  # fmt: skip


def test_an_enterprise_closed_after_the_period_end_was_open_all_year(schemes):
    # 低 (A: at least 1, at most 1); closed 2025-01-15, after the 2024 period: no visit
    # in 24 months makes it data-insufficient (C), so it needs C's 2 to 3 like any other
    later = ent(sector="非煤矿山", risk_level="低", status="关闭", closed_on=D(2025, 1, 15))
    result = rate(schemes, [later], inspections=[])
    assert table(result, "risk_class", "data_sufficient", "inspections_min", "inspections_max",
                  "under_min") == [("C", False, 2, 3, True)]  # fmt: skip
    assert result.frequency_by_region.select("enterprises", "under_min").rows() == [(1, 1)]


def test_without_an_inspections_table_nothing_is_counted(schemes):
    result = rate(schemes, [ent(sector="危险化学品", standardization_level="一级")])
    assert table(result, "inspections_min", "inspections_max", "inspections_done", "under_min",
                  "over_cap") == [(1, 2, None, None, None)]  # fmt: skip


def test_a_class_moved_by_dishonesty_takes_the_first_category_of_that_class(schemes):
    # 低 is A (1, 1); a concealed accident makes it D: 重大's 3 and 5, the first D
    # category, not 未定级's 4 and 6; class_basis keeps the enterprise's own category
    concealed = accident("E1", D(2024, 6, 1), 0, concealed=True, sector="非煤矿山")
    result = rate(schemes, [ent(sector="非煤矿山", risk_level="低")], accidents=[concealed])
    assert table(result, *COLUMNS, "dishonest") == [("E1", "低", "D", 3, 5, True)]


def test_a_class_moved_by_data_sufficiency_takes_the_first_category_of_that_class(schemes):
    # 低, nobody inspected it in 24 months and no standardization grade: not better than C
    result = rate(schemes, [ent(sector="非煤矿山", risk_level="低")], inspections=[])
    assert table(result, *COLUMNS, "data_sufficient", "under_min") == [
        ("E1", "低", "C", 2, 3, False, True)
    ]


# --- classes set directly ------------------------------------------------------------


def overrides_of(result: acc.EnterpriseRatings) -> list[tuple]:
    items = result.line_items.filter(pl.col("rule_id") == "enterprise.class_override")
    return items.select("subject_id", "points", "reason", "basis", "evidence").rows()


def test_a_fatal_accident_within_12_months_to_the_day_sets_class_d(with_overrides):
    # the period ends 2024-12-31: 2023-12-31 is inside the 12 months, 2023-12-30 is not
    # (both before the year: neither costs a point, the score stays 100)
    result = rate(
        with_overrides,
        [ent("E1"), ent("E2")],
        accidents=[accident("E1", D(2023, 12, 31), 1, "S1"),
                   accident("E2", D(2023, 12, 30), 1, "S2")],
    )  # fmt: skip
    assert table(result, "enterprise_id", "score", "risk_class") == [
        ("E1", 100.0, "D"),
        ("E2", 100.0, "A"),
    ]
    assert overrides_of(result) == [
        ("E1", 0.0, "2023-12-31 至 2024-12-31 发生死亡生产安全责任事故 1 起，风险等级不优于 D",
         "本地：12 个月内发生死亡责任事故定为 D 级", ["S1"]),
    ]  # fmt: skip


def test_only_a_fatal_liability_accident_sets_the_class(with_overrides):
    result = rate(
        with_overrides,
        [ent("E1"), ent("E2")],
        accidents=[accident("E1", D(2024, 3, 1), 0, "S1"),  # no one died: 95, A
                   accident("E2", D(2023, 12, 31), 1, "S2", liability=False)],
    )  # fmt: skip
    assert table(result, "enterprise_id", "risk_class") == [("E1", "A"), ("E2", "A")]
    assert overrides_of(result) == []


def test_an_overdue_major_hazard_sets_class_d(with_overrides):
    # due 2024-06-01: open at the year end, or rectified after it, is overdue (−20: 80, B)
    result = rate(
        with_overrides,
        [ent("E1"), ent("E2"), ent("E3")],
        hazards=[hazard("E1", D(2024, 6, 1), None, "H1"),
                 hazard("E2", D(2024, 6, 1), D(2025, 1, 15), "H2"),
                 hazard("E3", D(2024, 6, 1), D(2024, 5, 30), "H3")],
    )  # fmt: skip
    assert table(result, "enterprise_id", "score", "class_basis", "risk_class") == [
        ("E1", 80.0, "B", "D"),
        ("E2", 80.0, "B", "D"),
        ("E3", 100.0, "A", "A"),
    ]
    assert overrides_of(result) == [
        ("E1", 0.0, "至 2024-12-31 有到期未整改的重大事故隐患 1 项，风险等级不优于 D",
         "本地：重大隐患到期未整改定为 D 级", ["H1"]),
        ("E2", 0.0, "至 2024-12-31 有到期未整改的重大事故隐患 1 项，风险等级不优于 D",
         "本地：重大隐患到期未整改定为 D 级", ["H2"]),
    ]  # fmt: skip


def test_the_worse_of_the_scheme_class_and_the_override_class_stands(tmp_path):
    milder = OVERRIDES.replace('class = "D", on = true, months = 12',
                               'class = "C", on = true, months = 12')  # fmt: skip
    book = load(tmp_path, SCHEMES + milder)
    fatal = [accident("E1", D(2023, 12, 31), 1, "S1"), accident("E2", D(2023, 12, 31), 1, "S2")]
    result = rate(book, [ent("E1"), ent("E2")], accidents=fatal,
                  adjustments=[adjusted("E2", -50)])  # fmt: skip
    # E1: A by score, not better than C → C (C's 3 and 6); E2: 50 is D, worse than C
    assert table(result) == [("E1", "A", "C", 3, 6), ("E2", "D", "D", 4, 8)]


def test_overrides_are_off_by_default(schemes):
    result = rate(
        schemes,
        [ent("E1"), ent("E2")],
        accidents=[accident("E1", D(2023, 12, 31), 1)],
        hazards=[hazard("E2", D(2024, 6, 1))],
    )
    assert table(result, "enterprise_id", "risk_class") == [("E1", "A"), ("E2", "B")]
    assert overrides_of(result) == []


# --- faults in a rule file ---------------------------------------------------------------


def scheme(key: str, by: str, rows: list[tuple[str, str, int, int | None]]) -> str:
    cats = ",\n".join(
        f'  {{ label = "{label}", class = "{cls}", inspections_min = {low}'
        + ("" if high is None else f", inspections_max = {high}")
        + " }"
        for label, cls, low, high in rows
    )
    return (f'[enterprise.class_schemes]\nbasis = "本地"\n'
            f'[enterprise.class_schemes.value."{key}"]\n'
            f'by = "{by}"\nbasis = "本地"\ncategories = [\n{cats}\n]\n')  # fmt: skip


GRADED = [("一级", "A", 1, 2), ("二级", "B", 1, 4), ("三级", "C", 2, 8), ("未定级", "D", 4, 12)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (scheme("矿山", "standardization", GRADED), "未知行业领域 '矿山'"),
        (scheme("危险化学品", "grade", GRADED), "by 须为"),
        (scheme("危险化学品", "standardization", GRADED[:3]), "缺少类别 ['未定级']"),
        (scheme("危险化学品", "standardization", [("一级", "A", 3, 2), *GRADED[1:]]),
         "检查次数上限 2 小于下限 3"),
        ('[enterprise.class_overrides]\nbasis = "本地"\nvalue = [{ ground = "fatal", '
         'class = "D", on = true, months = 12, basis = "本地" }]\n', "未知情形 'fatal'"),
    ],
    ids=["unknown sector", "unknown by", "missing category", "max below min", "unknown ground"],
)  # fmt: skip
def test_a_faulty_rule_file_is_refused_when_loaded(tmp_path, text, message):
    with pytest.raises(acc.RulebookError) as error:
        load(tmp_path, text)
    assert any(message in problem for problem in error.value.problems), error.value.problems


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # 三级 → A while 一级 → C: a worse grade may not have a better class
        (scheme("危险化学品", "standardization",
                [("一级", "C", 1, 2), ("二级", "B", 1, 4), ("三级", "A", 2, 8),
                 ("未定级", "D", 4, 12)]), "次序"),
        # by score the categories are the risk classes themselves
        (scheme("煤矿", "score",
                [("A", "A", 1, 2), ("B", "B", 1, 4), ("C", "C", 2, 8), ("E", "D", 4, 12)]),
         "按得分分级时"),
    ],
    ids=["class out of order", "score labels not the classes"],
)  # fmt: skip
def test_a_scheme_at_odds_with_the_risk_classes_is_refused_when_used(tmp_path, text, message):
    book = load(tmp_path, text)  # the classes are the rulebook's: checked when used
    with pytest.raises(acc.RulebookError, match=message):
        rate(book, [ent(sector="危险化学品", standardization_level="一级")])


# --- the roll-ups --------------------------------------------------------------------------


def test_frequency_by_region_and_department(schemes):
    enterprises = [
        ent("E1", sector="危险化学品", standardization_level="一级"),  # A: 1 to 2, 3 visits
        ent("E2", sector="道路交通"),  # "*" by score: A, at least 1, no cap; none this year
        ent("E3", status="关闭", closed_on=D(2024, 3, 1)),  # closed: not counted
        ent("E4", region_code="430903"),  # 煤矿 A: 1 to 2, 1 visit
    ]
    inspections = [*visits("E1", 3), *visits("E2", 1, D(2023, 6, 1)), *visits("E3", 1),
                   *visits("E4", 1)]  # fmt: skip
    result = rate(schemes, enterprises, inspections=inspections)
    # region, enterprises, capped, minimums, done, under the minimum, over the cap
    assert result.frequency_by_region.rows() == [
        ("430902", 2, 1, 2, 3, 1, 1),
        ("430903", 1, 1, 1, 1, 0, 0),
    ]
    # 道路交通 is regulated by 交通运输局 and 公安局: it counts for both
    assert sorted(result.frequency_by_department.rows()) == sorted([
        ("430902", "交通运输局", 1, 0, 1, 0, 1, 0),
        ("430902", "公安局", 1, 0, 1, 0, 1, 0),
        ("430902", "应急管理局", 1, 1, 1, 3, 0, 1),
        ("430903", "应急管理局", 1, 1, 1, 1, 0, 0),
    ])  # fmt: skip


def test_frequency_without_an_inspections_table(schemes):
    result = rate(schemes, [ent(sector="危险化学品", standardization_level="一级")])
    assert result.frequency_by_region.rows() == [("430902", 1, 1, 1, None, None, None)]


# --- the Shanxi example ----------------------------------------------------------------


def test_the_shanxi_example_caps_a_low_risk_non_coal_mine_at_one_visit():
    book = acc.load_rulebook(EXAMPLES / "shanxi-2025.toml")
    mine = ent(sector="非煤矿山", risk_level="低")
    result = rate(book, [mine], inspections=visits("E1", 2))
    assert table(result, *COLUMNS, "inspections_done", "under_min", "over_cap") == [
        ("E1", "低", "A", 1, 1, 2, False, True)
    ]


# --- a worse row never improves a class ---------------------------------------------------

GRADES = ["一级", "二级", "三级", None]  # best first
LEVELS = ["低", "一般", "较大", "重大", None]  # lowest risk first; no level is 未定级
SECTORS = ["煤矿", "非煤矿山", "危险化学品", "建筑施工", "道路交通"]
DAYS = st.dates(D(2023, 6, 1), D(2024, 12, 31))

enterprises_st = st.lists(
    st.fixed_dictionaries({
        "sector": st.sampled_from(SECTORS),
        # mostly good enterprises, so that a worse row has a class to spoil
        "standardization_level": st.sampled_from(["一级", "一级", *GRADES]),
        "risk_level": st.sampled_from(["低", "低", *LEVELS]),
        "high_risk": st.sampled_from([True, False, None]),
        "long_idle": st.sampled_from([False, False, False, True]),
        "visited": st.sampled_from([True, True, False]),
    }),
    min_size=1, max_size=3,
)  # fmt: skip
accident_st = st.fixed_dictionaries({
    "occurred_on": DAYS, "deaths": st.sampled_from([0, 1, 3, 10]), "concealed": st.booleans(),
    "fine_multiplier": st.sampled_from([None, 1.0, 2.0]),
    "principal_absconded": st.booleans(),
})  # fmt: skip
case_st = st.fixed_dictionaries({
    "found_on": st.dates(D(2024, 1, 1), D(2024, 12, 31)), "illegal": st.booleans(),
    "unlawful": st.booleans(), "illegal_kind": st.sampled_from([None, "无证", "超范围"]),
})  # fmt: skip
hazard_st = st.fixed_dictionaries({
    "level": st.sampled_from(["一般", "重大"]), "due_on": DAYS,
    "rectified_on": st.sampled_from([None, D(2024, 3, 1), D(2025, 1, 15)]),
})  # fmt: skip
event_st = st.tuples(st.sampled_from(["accident", "case", "hazard"]), st.integers(0, 2),
                     st.one_of(accident_st, case_st, hazard_st))  # fmt: skip
worsening_st = st.one_of(
    st.tuples(st.just("accident"), accident_st),
    st.tuples(st.just("case"), case_st),
    st.tuples(st.just("hazard"), hazard_st),
    st.tuples(st.just("grade"), st.integers(1, 3)),
    st.tuples(st.just("level"), st.integers(1, 4)),
)


def build(
    profiles: list[dict], events: list[tuple[str, int, dict]], first: int = 0
) -> dict[str, list[dict]]:
    """The tables of a case: one enterprise per profile, each event given to one of them
    (event ids numbered from `first`)."""
    ids = [f"E{i}" for i in range(len(profiles))]
    ents = [ent(eid, **{k: v for k, v in p.items() if k != "visited"})
            for eid, p in zip(ids, profiles, strict=True)]  # fmt: skip
    tables: dict[str, list[dict]] = {
        "accidents": [], "cases": [], "hazards": [],
        "inspections": [v for eid, p in zip(ids, profiles, strict=True) if p["visited"]
                        for v in visits(eid, 1)],
    }  # fmt: skip
    for n, (kind, who, values) in enumerate(events, start=first):
        eid = ids[who % len(ids)]
        sector = next(e["sector"] for e in ents if e["enterprise_id"] == eid)
        where = {"enterprise_id": eid, "region_code": "430902"}
        if kind == "accident" and "occurred_on" in values:
            tables["accidents"].append({"accident_id": f"S{n}", "sector": sector, **where,
                                        **values})  # fmt: skip
        elif kind == "case" and "found_on" in values:
            tables["cases"].append({"case_id": f"C{n}", "department": "应急管理局", **where,
                                    **values})  # fmt: skip
        elif kind == "hazard" and "due_on" in values:
            tables["hazards"].append({"hazard_id": f"H{n}", "sector": sector,
                                      "found_on": D(2023, 5, 1), **where, **values})  # fmt: skip
    return {"enterprises": ents, **tables}


def worsen(tables: dict[str, list[dict]], change: tuple[str, Any]) -> dict:
    """The same tables with one worse row for the first enterprise."""
    kind, how = change
    out = {name: list(rows) for name, rows in tables.items()}
    target = dict(out["enterprises"][0])
    if kind == "grade":
        at = GRADES.index(target["standardization_level"])
        target["standardization_level"] = GRADES[min(at + how, len(GRADES) - 1)]
    elif kind == "level":
        at = LEVELS.index(target["risk_level"])
        target["risk_level"] = LEVELS[min(at + how, len(LEVELS) - 1)]
    out["enterprises"][0] = target
    if kind in ("accident", "case", "hazard"):
        extra = build([{**target, "visited": False}], [(kind, 0, how)], first=1000)
        for name in ("accidents", "cases", "hazards"):
            out[name] += extra[name]
    return out


@settings(max_examples=25, deadline=None)
@given(enterprises_st, st.lists(event_st, max_size=4), worsening_st)
def test_a_worse_row_never_improves_a_class(with_overrides, profiles, events, change):
    tables = build(profiles, events)
    before = rate(with_overrides, **tables).enterprises
    after = rate(with_overrides, **worsen(tables, change)).enterprises
    for old, new in zip(before.rows(named=True), after.rows(named=True), strict=True):
        assert ORDER[new["risk_class"]] >= ORDER[old["risk_class"]], (old, new)
