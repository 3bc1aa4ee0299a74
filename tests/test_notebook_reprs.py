"""What a result looks like in a notebook and at the prompt (accountability.notebook).

The HTML is read back with the standard library's parser: the regions sit under the
heading of their peer group (the regions ranked together: one level under one parent),
so 益阳市 (rank 1 among the cities) and 资阳区 (rank 1 among 益阳市's counties) are
told apart; every region shows its score and its coloured grade; every text is
escaped.  The text is a few lines, whatever the size of the data.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import attrs
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability import notebook
from accountability.dataset import REJECTED_SCHEMA, Dataset
from accountability.report import grade_colours
from accountability.scorers.dual_duty import dual_duty
from accountability.scorers.enterprise import EnterpriseRatings, enterprise_ratings
from accountability.scorers.four_musts import four_musts
from accountability.wording import number_text

TEXT_LIMIT = 1_500


class Page(HTMLParser):
    """The tables of an HTML fragment as rows of cells (tag, attributes, text), every
    start tag seen, and the text outside the tables."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[dict]]] = []
        self.tags: list[str] = []
        self.prose: list[str] = []
        self._cell: dict | None = None
        self._depth = 0
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "table":
            self.tables.append([])
            self._depth += 1
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = {"tag": tag, "attrs": dict(attrs), "text": ""}

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(self._cell)
            self._cell = None
        elif tag == "table":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        elif not self._depth:
            self.prose.append(data)

    def grouped(self, index: int = 0) -> dict[str, list[dict[str, dict]]]:
        """Table `index` as {group heading: [row as {header: cell}]}."""
        header, *rows = self.tables[index]
        names = [cell["text"] for cell in header]
        groups: dict[str, list[dict[str, dict]]] = {}
        current = ""
        for row in rows:
            if len(row) == 1 and "colspan" in row[0]["attrs"]:
                current = row[0]["text"]
                groups[current] = []
            else:
                groups.setdefault(current, []).append(dict(zip(names, row, strict=True)))
        return groups


def style(cell: dict) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in cell["attrs"].get("style", "").split(";") if part)
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.fixture(scope="module")
def four(yiyang_data):
    return four_musts(yiyang_data, year=2024)


@pytest.fixture(scope="module")
def duty(yiyang_data):
    return dual_duty(yiyang_data, year=2024)


@pytest.fixture(scope="module")
def ratings(yiyang_data):
    return enterprise_ratings(yiyang_data, year=2024)


# --- the assessment ---------------------------------------------------------------------


def test_regions_sit_under_their_peer_group_with_rank_score_and_grade(yiyang_2024) -> None:
    page = Page(yiyang_2024._repr_html_())
    groups = page.grouped(0)
    assert list(groups) == ["市级地区（1 个）", "益阳市所辖县级地区（8 个）"]
    city, counties = groups.values()
    # two regions ranked 1, each under the heading of the regions it is ranked among
    assert [(r["名称"]["text"], r["排名"]["text"]) for r in city] == [("益阳市", "1")]
    assert (counties[0]["名称"]["text"], counties[0]["排名"]["text"]) == ("资阳区", "1")
    assert [r["排名"]["text"] for r in counties] == [str(n) for n in range(1, 9)]
    colours = grade_colours(yiyang_2024.grade_names)
    shown = {r["区划代码"]["text"]: r for r in [*city, *counties]}
    for code, score, grade, vetoed in yiyang_2024.regions.select(
        "region_code", "score", "grade", "vetoed"
    ).iter_rows():
        row = shown[code]
        assert row["得分"]["text"] == number_text(score)
        assert row["等次"]["text"] == grade
        assert style(row["等次"])["background"] == colours[grade]
        assert row["一票否决"]["text"] == ("是" if vetoed else "否")
    assert shown["430922"]["一票否决"]["text"] == "是"  # 桃江县, vetoed, ranked last
    assert shown["430922"]["排名"]["text"] == "8"


def test_summary_names_year_rules_and_grades_and_the_other_frames_fold(yiyang_2024) -> None:
    page = Page(yiyang_2024._repr_html_())
    prose = "".join(page.prose)
    assert "2024 年度考核" in prose and "数据截止 2025-01-31" in prose
    assert yiyang_2024.fingerprint[:12] in prose
    for grade, n in yiyang_2024.regions.group_by("grade").len().iter_rows():
        assert f"{grade} {n}" in prose
    assert "一票否决 2" in prose
    # the head of every further main frame, folded, with its size
    assert page.tags.count("details") == 5
    assert "企业评级 · 12000 行（前 5 行）" in prose
    officials = page.grouped(3)[""]
    assert [r["干部编号"]["text"] for r in officials] == (
        yiyang_2024.officials["official_id"].head(5).to_list()
    )
    assert "script" not in page.tags and "style" not in page.tags


def test_every_text_is_escaped(yiyang_2024) -> None:
    hostile = "<script>alert(1)</script>&\x1b[2J"
    regions = yiyang_2024.regions.with_columns(
        pl.when(pl.col("region_code") == "430902")
        .then(pl.lit(hostile))
        .otherwise("name")
        .alias("name")
    )
    result = attrs.evolve(yiyang_2024, regions=regions, rulebook_name='"><b>规则')
    markup = result._repr_html_()
    page = Page(markup)
    assert page.tags.count("script") == 0 and "b" in page.tags  # only the title's own <b>
    names = [r["名称"]["text"] for r in page.grouped(0)["益阳市所辖县级地区（8 个）"]]
    assert "<script>alert(1)</script>&\\x1b[2J" in names  # the escape shown, not run
    assert '"><b>规则' in "".join(page.prose)
    assert "\x1b" not in repr(result)


def test_text_is_a_few_informative_lines(yiyang_2024) -> None:
    text = repr(yiyang_2024)
    lines = text.splitlines()
    assert len(text) < TEXT_LIMIT and len(lines) <= 10
    assert (
        lines[0]
        == "Assessment · 2024 年度考核 · 考核期 2024-01-01 至 2024-12-31 · 数据截止 2025-01-31"
    )
    assert yiyang_2024.fingerprint[:12] in lines[1]
    assert "地区考核 9 · 企业评级 12000" in lines[2]
    assert lines[4] == "市级地区（1 个）：1 益阳市 68.48 不合格（否决）"
    assert lines[5].startswith("益阳市所辖县级地区（8 个）：1 资阳区 98.74 优秀 · 2 益阳高新区")


REGION_NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


def test_any_number_of_regions_stays_short_and_readable(yiyang_2024) -> None:
    @settings(max_examples=25, deadline=None)
    @given(
        names=st.lists(REGION_NAMES, min_size=1, max_size=50),
        parents=st.integers(min_value=1, max_value=12),
    )
    def check(names: list[str], parents: int) -> None:
        n = len(names)
        codes = [f"43{i:04d}" for i in range(n)]
        regions = pl.DataFrame(
            {
                "region_code": codes,
                "name": names,
                "level": ["市" if i < parents else "县" for i in range(n)],
                "parent_code": [None if i < parents else codes[i % parents] for i in range(n)],
                "score": [50 + i / 3 for i in range(n)],
                "grade": ["合格"] * n,
                "vetoed": [i % 7 == 0 for i in range(n)],
                "rank": list(range(1, n + 1)),
            }
        )
        result = attrs.evolve(yiyang_2024, regions=regions)
        text = repr(result)
        assert len(text) < TEXT_LIMIT and len(text.splitlines()) <= 10
        groups = Page(result._repr_html_()).grouped(0)
        shown = [row["区划代码"]["text"] for rows in groups.values() for row in rows]
        # cities first, then each city's counties together, by rank; at most MAX_REGIONS
        expected = regions.sort(pl.col("level") == "县", "parent_code", "rank", nulls_last=True)
        assert shown == expected["region_code"].head(notebook.MAX_REGIONS).to_list()
        cities = f"市级地区（{min(parents, n)} 个）"
        assert next(iter(groups)) == cities
        assert len(groups) == 1 + max(0, min(parents, n - parents))

    check()


# --- the scorers run on their own -------------------------------------------------------


def test_four_musts_by_level_with_rates(four) -> None:
    page = Page(four._repr_html_())
    groups = page.grouped(0)
    assert list(groups) == ["市级地区（1 个）", "县级地区（8 个）"]
    row = {r["区划代码"]["text"]: r for r in groups["县级地区（8 个）"]}["430981"]
    assert (row["案件数"]["text"], row["合规率"]["text"]) == ("244", "98.74%")
    departments = page.grouped(1)[""]
    assert {r["部门"]["text"] for r in departments} >= {"应急管理局"}
    text = repr(four)
    assert len(text) < TEXT_LIMIT
    assert text.splitlines()[0].startswith("FourMustsResult · 四个一律 · 2024 年 · 案件 1652")
    assert "县级地区（8 个）：益阳高新区 98.01%" in text  # the lowest rate first


def test_dual_duty_officials_by_step_most_severe_first(duty) -> None:
    page = Page(duty._repr_html_())
    groups = page.grouped(0)
    assert list(groups) == ["问责建议（8 人）", "通报（7 人）", "约谈（40 人）"]
    first = groups["问责建议（8 人）"]
    assert len(first) == notebook.GROUP_ROWS
    assert {r["问责措施"]["text"] for r in first} == {"问责建议"}
    assert style(first[0]["问责措施"])["background"] == "#C62828"
    text = repr(duty)
    assert len(text) < TEXT_LIMIT
    assert "问责步骤：问责建议 8 · 通报 7 · 约谈 40 · 无 37" in text


def test_enterprises_by_risk_class_worst_first(ratings) -> None:
    page = Page(ratings._repr_html_())
    groups = page.grouped(0)
    assert [h.split("（")[0] for h in groups] == [
        "风险分类 D",
        "风险分类 C",
        "风险分类 B",
        "风险分类 A",
    ]
    lowest = ratings.enterprises.filter(risk_class="D")["score"].min()
    assert groups[next(iter(groups))][0]["得分"]["text"] == number_text(lowest)
    text = repr(ratings)
    assert len(text) < TEXT_LIMIT and "风险分类：A 10276 · B 1031 · C 265 · D 428" in text


def test_results_built_by_hand_with_empty_frames_still_show() -> None:
    empty = EnterpriseRatings(pl.DataFrame(), pl.DataFrame(), 2024)
    assert repr(empty) == "EnterpriseRatings · 企业主体责任 · 2024 年 · 企业 0"
    page = Page(empty._repr_html_())
    assert "企业 0" in "".join(page.prose)
    assert [len(rows) for rows in page.tables] == [1]  # the folded 检查频次, its header only


# --- the dataset ------------------------------------------------------------------------


def test_dataset_lists_its_tables_rejected_and_warnings(yiyang_data) -> None:
    rejected = pl.DataFrame(
        {
            "table": ["accidents", "accidents", "cases"],
            "source": ["accidents.csv"] * 2 + ["cases.csv"],
            "row": [3, 9, 4],
            "column": ["occurred_on"] * 2 + ["found_on"],
            "rule": ["future_date", "future_date", "bad_date"],
            "message": ["<晚于 as_of>"] * 3,
            "value": ["2031-01-01", "2031-02-01", "x"],
        },
        schema=REJECTED_SCHEMA,
    )
    data = attrs.evolve(yiyang_data, rejected=rejected)
    text = repr(data)
    assert len(text) < TEXT_LIMIT
    assert text.splitlines()[0] == "数据集 · 数据截止 2025-01-31 · 16 张表 · 来源 " + str(
        data.source
    )
    assert "生产安全事故 accidents 418" in text
    assert "未采用 3 行 · 数据警示 0 条" in text
    assert "未采用最多的：accidents future_date 2 · cases bad_date 1" in text
    page = Page(data._repr_html_())
    tables = {r["表名"]["text"]: r for r in page.grouped(0)[""]}
    assert set(tables) == set(data.tables)
    assert tables["hazards"]["行数"]["text"] == str(data.tables["hazards"].height)
    assert tables["accidents"]["表"]["text"] == "生产安全事故"
    issues = page.grouped(1)[""]
    assert [(r["表名"]["text"], r["规则"]["text"], r["行数"]["text"]) for r in issues] == [
        ("accidents", "future_date", "2"),
        ("cases", "bad_date", "1"),
    ]


def test_an_empty_dataset_says_so() -> None:
    data = Dataset(tables={}, as_of=dt.date(2025, 1, 1))
    assert repr(data) == "数据集 · 数据截止 2025-01-01 · 0 张表\n未采用 0 行 · 数据警示 0 条"
