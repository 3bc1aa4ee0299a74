"""The HTML report and its charts: one self-contained file in Chinese, read back here
with the standard library's HTML and XML parsers.

- The ranking shows every region with its score and grade, by peer group; a vetoed
  region carries the veto mark; the cover names the full fingerprint and as_of.
- Nothing is fetched from the network: no script, no external link or source.
- Each chart is SVG whose labels are ``<text>`` elements (Chinese in the reader's fonts).
- Each region's line items are all there; the officials' steps and the 四个一律 gaps
  are listed; the same assessment gives the same bytes; markup in the data is text.
"""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import attrs
import polars as pl
import pytest
from conftest import write_csv
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability import charts
from accountability.html_report import render_html, write_html
from accountability.tables import load_dataset
from accountability.terminal import visible
from accountability.wording import number_text

SVG = "{http://www.w3.org/2000/svg}"
VOID = {"meta", "col", "br", "img", "link", "input", "hr", "source", "wbr", "area", "base"}
CHARTS = {
    "section_stacks": charts.section_stacks,
    "ranking": charts.ranking,
    "grade_distribution": charts.grade_distribution,
    "largest_deductions": charts.largest_deductions,
    "four_musts_by_department": charts.four_musts_by_department,
    "enterprise_classes_by_region": charts.enterprise_classes_by_region,
}


@attrs.define
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element] = attrs.field(factory=list)
    parts: list[str] = attrs.field(factory=list)

    @property
    def text(self) -> str:
        """All the text inside, as a reader sees it (whitespace collapsed)."""
        return " ".join("".join(self._texts()).split())

    def _texts(self) -> list[str]:
        out = list(self.parts)
        for child in self.children:
            out += child._texts()
        return out

    def all(self, tag: str | None = None, **wanted: str) -> list[Element]:
        """Every element below (depth first) of `tag` whose attributes have the values
        given (data_region="430900" for data-region)."""
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and all(
                child.attrs.get(k.replace("_", "-")) == v for k, v in wanted.items()
            ):
                found.append(child)
            found += child.all(tag, **wanted)
        return found

    def one(self, tag: str | None = None, **wanted: str) -> Element:
        found = self.all(tag, **wanted)
        assert len(found) == 1, (tag, wanted, len(found))
        return found[0]


class Tree(HTMLParser):
    """The document as a tree of `Element`s (text kept per element, in order)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
        raise AssertionError(f"</{tag}> closes nothing")

    def handle_data(self, data: str) -> None:
        self.stack[-1].parts.append(data)


def parse(text: str) -> Element:
    tree = Tree()
    tree.feed(text)
    tree.close()
    assert tree.stack == [tree.root], [e.tag for e in tree.stack]  # every element closed
    return tree.root


@pytest.fixture(scope="module")
def page(yiyang_2024) -> str:
    return render_html(yiyang_2024)


@pytest.fixture(scope="module")
def doc(page) -> Element:
    return parse(page)


def cells(row: Element) -> list[str]:
    return [td.text for td in row.all("td")]


# --- the ranking ---------------------------------------------------------------------------


def test_every_region_is_ranked_with_its_score_and_grade(yiyang_2024, doc) -> None:
    ranking = doc.one("section", id="ranking")
    rows = {r.attrs["data-region"]: r for r in ranking.all("tr") if "data-region" in r.attrs}
    regions = yiyang_2024.regions
    assert sorted(rows) == sorted(regions["region_code"])
    for rec in regions.iter_rows(named=True):
        rank, code, name, score, grade, *_ = cells(rows[rec["region_code"]])
        assert (rank, code, name) == (str(rec["rank"]), rec["region_code"], rec["name"])
        assert score == number_text(rec["score"])
        assert grade == rec["grade"] == rows[rec["region_code"]].attrs["data-grade"]


def test_a_peer_group_is_one_table_under_its_parent(yiyang_2024, doc) -> None:
    groups = doc.one("section", id="ranking").all("section", **{"class": "peer-group"})
    titles = [g.one("h3").text for g in groups]
    assert titles == ["市级地区（1 个）", "益阳市所辖县级地区（8 个）"]
    counties = [r.attrs["data-region"] for r in groups[1].all("tr") if "data-region" in r.attrs]
    expected = yiyang_2024.regions.filter(pl.col("parent_code") == "430900").sort("rank")
    assert counties == expected["region_code"].to_list()


def test_a_vetoed_region_carries_the_veto_mark_and_its_note(yiyang_2024, doc) -> None:
    ranking = doc.one("section", id="ranking")
    vetoed = set(yiyang_2024.regions.filter(pl.col("vetoed"))["region_code"])
    assert vetoed == {"430900", "430922"}
    for row in ranking.all("tr"):
        code = row.attrs.get("data-region")
        if code is None:
            continue
        marks = row.all(data_mark="veto")
        assert (len(marks) == 1) == (code in vetoed), code
        assert row.attrs["data-vetoed"] == ("true" if code in vetoed else "false")
        if code in vetoed:
            assert marks[0].text == "一票否决"
            note = ranking.one("li", id=row.one("a").attrs["href"].removeprefix("#"))
            assert "一票否决" in note.text and code in note.text


def test_the_cover_names_the_full_fingerprint_and_as_of(yiyang_2024, doc) -> None:
    a = yiyang_2024
    meta = doc.one("meta", name="accountability-fingerprint")
    assert meta.attrs["content"] == a.fingerprint and len(a.fingerprint) == 64
    assert doc.one("code", id="fingerprint").text == a.fingerprint
    cover = doc.one("header", id="cover")
    facts = dict(
        zip([d.text for d in cover.all("dt")], [d.text for d in cover.all("dd")], strict=True)
    )
    assert facts["数据截止日（as_of）"] == a.as_of.isoformat() == "2025-01-31"
    assert facts["考核期"] == "2024-01-01 至 2024-12-31"
    assert facts["规则集"] == a.rulebook_name
    assert facts["程序版本"] == a.library_version
    assert doc.one("html").attrs["lang"] == "zh-CN"


# --- self-contained --------------------------------------------------------------------------


def test_nothing_is_fetched_from_the_network(doc, page) -> None:
    assert doc.all("script") == [] and doc.all("link") == [] and doc.all("iframe") == []
    everything = doc.all()
    for element in everything:
        for name in ("src", "href", "action", "poster", "data"):
            value = element.attrs.get(name, "")
            assert not value.startswith(("http:", "https:", "//")), (element.tag, value)
        assert not element.attrs.get("style", "").count("url(")
    style = doc.one("style").text
    assert "@import" not in style and "url(" not in style
    # links inside the page point at its own parts
    for a in doc.all("a"):
        assert a.attrs["href"].startswith("#")


# --- charts ---------------------------------------------------------------------------------


def test_each_chart_is_svg_with_chinese_text(yiyang_2024, doc) -> None:
    figures = {f.attrs["data-chart"]: f for f in doc.all("figure")}
    assert set(figures) == set(CHARTS)
    for key, figure in figures.items():
        texts = [t.text for t in figure.one("svg").all("text")]
        assert texts[0] == CHARTS[key](yiyang_2024).title, key
    names = set(yiyang_2024.regions["name"])
    ranked = [t.text for t in figures["ranking"].all("text")]
    assert {
        label.split(" ", 1)[1].strip() for label in ranked if label[:1].isdigit() and " " in label
    } >= names
    stacks = [t.text for t in figures["section_stacks"].all("text")]
    assert {"A 事故控制", "B 打非治违", "C 隐患排查治理", "D 责任落实", "E 基础工作"} <= set(stacks)
    assert {"优秀", "良好", "合格", "不合格"} <= set(stacks)  # the grade bands


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_a_chart_is_valid_svg_with_its_labels_as_text(yiyang_2024, name, tmp_path) -> None:
    chart = CHARTS[name](yiyang_2024)
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{SVG}svg"
    assert int(root.attrib["width"]) == chart.width and int(root.attrib["height"]) == chart.height
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert texts[0] == chart.title
    assert any("\u4e00" <= c <= "\u9fff" for t in texts[1:] for c in t)
    assert not any(
        e.tag in (f"{SVG}image", f"{SVG}script", f"{SVG}foreignObject") for e in root.iter()
    )
    saved = chart.save(tmp_path / f"{name}.svg")
    assert ET.parse(saved).getroot().tag == f"{SVG}svg"
    assert chart._repr_svg_() == chart.svg
    assert repr(chart).startswith(f"<Chart {chart.title}: ")


def test_section_stacks_stack_the_sections_up_to_the_score(yiyang_2024) -> None:
    chart = charts.section_stacks(yiyang_2024)
    assert repr(chart) == "<Chart 各地区得分构成: 9 个地区>"
    root = ET.fromstring(chart.svg)
    rows = {g.attrib["data-key"]: g for g in root.iter(f"{SVG}g") if "data-key" in g.attrib}
    assert set(rows) == set(yiyang_2024.regions["region_code"])
    for rec in yiyang_2024.regions.iter_rows(named=True):
        row = rows[rec["region_code"]]
        tips = [r.findtext(f"{SVG}title") for r in row.iter(f"{SVG}rect")]
        drawn = [t.split(" ", 1)[0] for t in tips if t]
        assert drawn == [s for s in "ABCDE" if rec[s] > 0]
        texts = [t.text for t in row.iter(f"{SVG}text")]
        assert f"{number_text(rec['score'])} {rec['grade']}" in texts
        assert ("一票否决" in texts) == rec["vetoed"]


def test_section_stacks_of_one_peer_group(yiyang_2024) -> None:
    chart = charts.section_stacks(yiyang_2024, "430900")
    assert repr(chart) == "<Chart 各地区得分构成：益阳市所辖县级地区（8 个）: 8 个地区>"
    with pytest.raises(LookupError, match="上级区划代码为 '439999'"):
        charts.section_stacks(yiyang_2024, "439999")


def test_the_grade_bands_are_the_rulebook_minimums(yiyang_2024) -> None:
    bands = [(b.label, b.low, b.high) for b in charts.grade_bands(yiyang_2024)]
    assert bands == [("优秀", 90, 100), ("良好", 80, 90), ("合格", 60, 80), ("不合格", 0, 60)]


def test_largest_deductions_are_the_most_negative_line_items(yiyang_2024) -> None:
    items = yiyang_2024.line_items.filter(
        (pl.col("subject_type") == "region") & (pl.col("points") < 0)
    ).sort("points")
    chart = charts.largest_deductions(yiyang_2024, n=5)
    root = ET.fromstring(chart.svg)
    rows = [g for g in root.iter(f"{SVG}g") if "data-key" in g.attrib]
    assert [g.attrib["data-key"] for g in rows] == items["subject_id"].head(5).to_list()
    first = [t.text for t in rows[0].iter(f"{SVG}text")]
    assert first == ["益阳市 C4 到期未整改重大隐患", "−74 分"]
    assert repr(chart) == "<Chart 地区扣分最多的 5 项: 5 项>"
    with pytest.raises(ValueError, match="正整数"):
        charts.largest_deductions(yiyang_2024, n=0)


def test_four_musts_by_department_counts_the_cases(yiyang_2024) -> None:
    table = charts.four_musts_table(yiyang_2024)
    cases = yiyang_2024.cases
    assert table["cases"].sum() == cases.height
    assert table["cases_requiring"].sum() == cases["requires_measure"].sum()
    failing = cases.filter(pl.col("requires_measure") & ~pl.col("compliant"))
    assert (table["cases_requiring"] - table["compliant"]).sum() == failing.height
    root = ET.fromstring(charts.four_musts_by_department(yiyang_2024).svg)
    keys = [g.attrib["data-key"] for g in root.iter(f"{SVG}g") if "data-key" in g.attrib]
    assert sorted(keys) == sorted(table.filter(pl.col("cases_requiring") > 0)["department"])


def test_enterprise_classes_count_every_enterprise(yiyang_2024) -> None:
    table = charts.enterprise_classes_table(yiyang_2024)
    assert table["total"].sum() == yiyang_2024.enterprises.height
    counts = yiyang_2024.enterprises.group_by("risk_class").len()
    for cls, n in counts.iter_rows():
        assert table[cls].sum() == n
    chart = charts.enterprise_classes_by_region(yiyang_2024)
    assert repr(chart) == "<Chart 各地区企业分类: 9 个地区，12000 家企业>"


# --- the other parts ------------------------------------------------------------------------


def test_each_region_lists_all_its_line_items(yiyang_2024, doc) -> None:
    part = doc.one("section", id="line-items")
    items = yiyang_2024.line_items.filter(pl.col("subject_type") == "region")
    expected = dict(items.group_by("subject_id").len().iter_rows())
    details = part.all("details")
    assert len(details) == yiyang_2024.regions.height
    for block in details:
        code = block.attrs["data-region"]
        rows = [r for r in block.all("tr") if "data-rule" in r.attrs]
        assert len(rows) == expected[code], code
        assert block.one("summary").text.endswith(f"{expected[code]} 项明细")
        rules = [r.attrs["data-rule"] for r in rows]
        assert sorted(rules) == sorted(items.filter(pl.col("subject_id") == code)["rule_id"])
    c4 = part.one("details", data_region="430900").one("tr", data_rule="C4")
    title, rule_id, points, *_ = cells(c4)
    assert (title, rule_id, points) == ("C4 到期未整改重大隐患", "C4", "−74")


def test_officials_with_a_step_are_listed_by_step(yiyang_2024, doc) -> None:
    part = doc.one("section", id="officials")
    stepped = yiyang_2024.officials.filter(pl.col("step").is_not_null())
    rows = [r for r in part.all("tr") if "data-official" in r.attrs]
    assert sorted(r.attrs["data-official"] for r in rows) == sorted(stepped["official_id"])
    order = [r.attrs["data-step"] for r in rows]
    assert order == sorted(order, key=["问责建议", "通报", "约谈"].index)
    first = stepped.filter(pl.col("official_id") == rows[0].attrs["data-official"]).row(
        0, named=True
    )
    region, name, role = cells(rows[0])[:3]
    assert (name, role) == (first["name"], first["role"])
    assert region.endswith(first["region_code"])


def test_four_musts_gaps_list_each_case_missing_a_measure(yiyang_2024, doc) -> None:
    part = doc.one("section", id="four-musts")
    failing = yiyang_2024.cases.filter(pl.col("requires_measure") & ~pl.col("compliant"))
    rows = [r for r in part.all("tr") if "data-case" in r.attrs]
    assert sorted(r.attrs["data-case"] for r in rows) == sorted(failing["case_id"])
    gaps = dict(zip(failing["case_id"], failing["gaps"].list.join("、"), strict=True))
    for row in rows:
        assert cells(row)[-1] == gaps[row.attrs["data-case"]]


def test_the_declared_frames_are_listed_with_their_rows(yiyang_2024, doc) -> None:
    from accountability.outputs import OUTPUTS

    rows = [r for r in doc.one("section", id="data").all("tr") if "data-frame" in r.attrs]
    assert [r.attrs["data-frame"] for r in rows] == list(OUTPUTS)
    for row in rows:
        assert cells(row)[2] == str(getattr(yiyang_2024, row.attrs["data-frame"]).height)


# --- reproducible, safe -----------------------------------------------------------------------


def test_the_same_assessment_gives_the_same_bytes(yiyang_2024, page, tmp_path) -> None:
    first = write_html(yiyang_2024, tmp_path / "a.html")
    second = yiyang_2024.to_html(tmp_path / "b" / "b.html")
    assert first.read_bytes() == second.read_bytes() == page.encode("utf-8")


def test_markup_and_control_characters_in_the_data_are_text(tiny, tmp_path) -> None:
    name = "<script>alert(1)</script>资阳\x1b[2J区"
    tiny["regions"] = tiny["regions"].with_columns(
        pl.when(pl.col("region_code") == "430902")
        .then(pl.lit(name))
        .otherwise(pl.col("name"))
        .alias("name")
    )
    for table, frame in tiny.items():
        write_csv(tmp_path, table, frame)
    from accountability.assessment import assess

    a = assess(load_dataset(tmp_path, as_of=dt.date(2025, 1, 31)), year=2024)
    doc = parse(render_html(a))
    assert doc.all("script") == []
    row = doc.one("section", id="ranking").one("tr", data_region="430902")
    assert cells(row)[2] == visible(name) == "<script>alert(1)</script>资阳\\x1b[2J区"
    for make in CHARTS.values():
        root = ET.fromstring(make(a).svg)  # valid XML: no raw control character
        assert not any(e.tag == f"{SVG}script" for e in root.iter())


def test_a_region_without_scores_still_renders(tmp_path) -> None:
    from accountability.assessment import assess
    from accountability.dataset import Dataset

    regions = pl.DataFrame(
        {"region_code": ["430900"], "name": ["益阳市"], "parent_code": [None], "level": ["市"]},
        schema_overrides={"parent_code": pl.String},
    )
    a = assess(Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1)), year=2024)
    doc = parse(render_html(a))
    row = doc.one("tr", data_region="430900")
    assert cells(row)[3:5] == ["—", "—"]
    for make in CHARTS.values():
        ET.fromstring(make(a).svg)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=20))
def test_any_label_is_drawn_as_its_own_text(labels: list[str]) -> None:
    rows = tuple(
        charts.BarRow(label, (charts.Segment(0, i + 1, "#2E7D32"),), str(i), key=label)
        for i, label in enumerate(labels)
    )
    chart = charts.bar_chart("标题", [charts.Group("组", rows)], axis_label="轴")
    root = ET.fromstring(chart.svg)
    drawn = [g for g in root.iter(f"{SVG}g") if "data-key" in g.attrib]
    assert [g.attrib["data-key"] for g in drawn] == [visible(x, single_line=True) for x in labels]
    for g, label in zip(drawn, labels, strict=True):
        shown = g.findall(f"{SVG}text")[0].text or ""
        whole = visible(label, single_line=True)
        assert shown == whole or (shown.endswith("…") and whole.startswith(shown[:-1]))


def test_rows_never_overlap_however_many(yiyang_2024) -> None:
    rows = tuple(
        charts.BarRow(f"第{i}个地区名称较长的开发区", (charts.Segment(0, i, "#1565C0"),), str(i))
        for i in range(40)
    )
    root = ET.fromstring(charts.bar_chart("多行", [charts.Group(None, rows)], axis_label="x").svg)
    ys = [
        float(g.findall(f"{SVG}text")[0].attrib["y"])
        for g in root.iter(f"{SVG}g")
        if g.attrib.get("class") == "row"
    ]
    assert all(b - a >= charts.FONT_SIZE + 4 for a, b in itertools.pairwise(ys))
    assert max(ys) < int(root.attrib["height"]) - 40  # above the axis labels


# --- the rank intervals (sensitivity) --------------------------------------------------------


@pytest.fixture(scope="module")
def robustness(yiyang_data):
    import accountability as acc

    return acc.sensitivity(yiyang_data, year=2024, n=20, seed=3)


def test_the_rank_interval_chart_draws_each_region_between_its_5_and_95_percent_ranks(
    robustness,
) -> None:
    chart = charts.rank_intervals(robustness)
    root = ET.fromstring(chart.svg)
    rows = {g.attrib["data-key"]: g for g in root.iter(f"{SVG}g") if "data-key" in g.attrib}
    regions = robustness.regions
    assert set(rows) == set(regions["region_code"])
    for rec in regions.iter_rows(named=True):
        texts = " ".join(t.text or "" for t in rows[rec["region_code"]].iter(f"{SVG}text"))
        low, high = rec["rank_p05"], rec["rank_p95"]
        assert (f"名次 {low}" if low == high else f"名次 {low}–{high}") in texts
        assert ("等次不稳定" in texts) == (not rec["grade_stable"])
        assert ("临近分数线" in texts) == rec["near_threshold"]
    groups = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.startswith("市级地区")]
    assert groups == ["市级地区（1 个）"]  # the top level first, as in the ranking


def test_the_report_shows_the_robustness_part_only_when_given(yiyang_2024, robustness) -> None:
    with_part = parse(render_html(yiyang_2024, sensitivity=robustness))
    part = with_part.one("section", id="robustness")
    assert part.one("figure", **{"data-chart": "rank_intervals"})
    assert "抽样 20 次" in part.text
    assert [a.attrs["href"] for a in with_part.one("nav").all("a")][2] == "#robustness"
    assert not parse(render_html(yiyang_2024)).all("section", id="robustness")
