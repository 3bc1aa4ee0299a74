"""The workbook as an official opens and prints it (issue 18): a 汇总 sheet with native
charts after the cover, 地区考核 by peer group and rank, 扣分明细 with regions first and
every type, module and rule in Chinese beside its id, shares as percentages, long text
wrapped, one page wide when printed.

The stand-in assessment is the one of `test_report`; the last test writes the bundled
fixture's workbook.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import attrs
import fastexcel
import polars as pl
import pytest
from test_report import read_sheets, sheet_xml, stand_in, with_decisions

from accountability import report
from accountability.lineitems import LINE_ITEM_SCHEMA

openpyxl = pytest.importorskip("openpyxl")

LONG_REASON = "较大事故 1 起，" * 30  # about 270 characters wide: wraps


def officials_assessment():
    """The stand-in with line items of every subject type (in the frame's own order,
    types sorted in English), a long reason, and hazard metrics (C7 a share, C8 not)."""
    a = with_decisions(stand_in())
    items = pl.DataFrame(
        {
            "subject_type": ["case", "department", "enterprise", "official", "region",
                             "state_enterprise"],
            "subject_id": ["C-1", "430902:应急管理局", "91430900MA4L000001", "O1", "430900",
                           "91430900MA4L000001"],
            "scorer": ["four_musts", "dual_duty", "enterprise", "dual_duty", "annual", "annual"],
            "rule_id": ["four_musts.close", "dual_duty.department.fulfilment", "enterprise.clip",
                        "dual_duty.fulfilment", "C4", "veto"],
            "points": [0.0, 0.0, -2.0, 0.0, -1.0, 0.0],
            "reason": ["未关闭取缔", "履职", "合计", LONG_REASON, "到期未整改", "否决"],
            "basis": ["参考值"] * 6,
            "evidence": [["C-1"], [], [], ["ACC-1"], [], []],
        },
        schema=LINE_ITEM_SCHEMA,
    )  # fmt: skip
    metrics = pl.DataFrame(
        {
            "region_code": ["430902", "430902"],
            "metric": ["C7", "C8"],
            "label": ["重大隐患企业自查发现率", "新增重大隐患"],
            "value": [0.625, 9.5],
            "numerator": [5, 19],
            "denominator": [8, 200],
            "left_out": [0, 0],
            "evidence": [[], []],
        },
        schema_overrides={"evidence": pl.List(pl.String)},
    )
    cases = a.cases.with_columns(pl.Series("enterprise_name", ["益阳某化工有限公司", None]))
    return attrs.evolve(
        a,
        line_items=pl.concat([a.line_items, items]),
        hazard_metrics=metrics,
        cases=cases,
        period=(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    )


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report.write_excel(officials_assessment(), tmp_path_factory.mktemp("x") / "r.xlsx")


def cell_formats(path: Path, sheet: str, header: str) -> list[tuple[object, str]]:
    """(value, number format) of each data cell under `header` in `sheet`."""
    ws = openpyxl.load_workbook(path)[sheet]
    headers = [c.value for c in ws[1]]
    column = headers.index(header) + 1
    return [
        (ws.cell(r, column).value, ws.cell(r, column).number_format)
        for r in range(2, ws.max_row + 1)
    ]


# --- sheets and the summary -------------------------------------------------------------


def test_the_summary_follows_the_cover_with_two_native_charts(workbook: Path) -> None:
    assert fastexcel.read_excel(str(workbook)).sheet_names[:3] == ["封面", "汇总", "地区考核"]
    with zipfile.ZipFile(workbook) as z:
        names = z.namelist()
        summary_rels = z.read("xl/worksheets/_rels/sheet2.xml.rels").decode()
        drawing = re.search(r'Target="\.\./drawings/(drawing\d+\.xml)"', summary_rels).group(1)
        drawing_rels = z.read(f"xl/drawings/_rels/{drawing}.rels").decode()
        charts = re.findall(r'Target="\.\./charts/(chart\d+\.xml)"', drawing_rels)
        xml = [z.read(f"xl/charts/{c}").decode() for c in charts]
    assert len(charts) == 2 and all(f"xl/charts/{c}" in names for c in charts)
    ranking, grades = xml
    # scores by region as horizontal bars, the axis grouped by peer group (two levels)
    assert '<c:barDir val="bar"/>' in ranking and "<c:multiLvlStrRef>" in ranking
    assert "汇总!$A$4:$B$7" in ranking and "汇总!$D$4:$D$7" in ranking
    assert "益阳市所辖县级地区（3 个）" in ranking and "赫山区" in ranking
    assert '<c:barDir val="col"/>' in grades and "等次分布" in grades
    # the only drawing is the summary's: no other sheet carries a chart
    for name, sheet in sheet_xml(workbook).items():
        assert ("<drawing " in sheet) == (name == "汇总"), name


def test_the_summary_lists_the_ranking_by_peer_group_and_the_grades(workbook: Path) -> None:
    sheet = fastexcel.read_excel(str(workbook)).load_sheet_by_name("汇总", header_row=None)
    rows = sheet.to_polars().select(pl.all().cast(pl.String)).rows()
    header = rows.index(tuple(report.SUMMARY_HEADERS))
    ranking = rows[header + 1 : header + 5]
    assert [r[1] for r in ranking] == ["益阳市", "赫山区", "资阳区", INJECTION_NAME]
    assert [r[0] for r in ranking] == ["市级地区（1 个）", "益阳市所辖县级地区（3 个）", None, None]
    assert ranking[2][5] == "是" and "一票否决：瞒报事故 1 起" in ranking[2][8]
    grades = {r[0]: r[1] for r in rows[header + 5 :] if r[0] in ("优秀", "不合格", "未评定")}
    assert {k: float(v) for k, v in grades.items()} == {"优秀": 1, "不合格": 1, "未评定": 1}


INJECTION_NAME = stand_in().regions["name"][3]


# --- 地区考核 and 扣分明细 ----------------------------------------------------------------


def test_regions_are_ordered_by_peer_group_then_rank_with_both_first(workbook: Path) -> None:
    regions = read_sheets(workbook)["地区考核"]
    assert regions.columns[:4] == ["比较组", "排名", "区划代码", "名称"]
    assert regions["区划代码"].to_list() == ["430900", "430903", "430902", "430921"]
    counties = "益阳市所辖县级地区（3 个）"
    assert regions["比较组"].to_list() == ["市级地区（1 个）", counties, counties, counties]
    assert regions["排名"].to_list() == [1, 1, 2, None]


def test_line_items_list_regions_first_in_chinese_with_ids_kept(workbook: Path) -> None:
    items = read_sheets(workbook)["扣分明细"]
    assert items["对象类型"].to_list() == [
        "地区", "地区", "地区", "地区", "地区", "地区", "部门", "领导干部", "企业", "案件",
        "国有企业",
    ]  # fmt: skip
    assert set(items["评分模块"]) == {"年度目标管理考核", "一岗双责", "企业主体责任", "四个一律"}
    by_id = dict(zip(items["规则编号"], items["规则"], strict=True))
    assert by_id["C4"] == "C4 到期未整改重大隐患"
    assert by_id["veto"] == "一票否决"
    assert by_id["enterprise.clip"] != "enterprise.clip"  # every known rule has its title
    assert not any(re.search(r"[a-z]", t) for t in items["规则"])
    assert not any(re.search(r"[a-z]", t) for t in items["对象类型"] + items["评分模块"])
    # a region's items in the order the rules apply (A4, A5, B1, C4), decisions after
    assert items.filter(pl.col("对象编号") == "430902")["规则编号"].to_list() == [
        "A4", "A5", "B1", "veto",
    ]  # fmt: skip
    named = items.filter(pl.col("对象类型") != "国有企业")  # not in the stand-in's frames
    names = dict(zip(named["对象编号"], named["对象名称"], strict=True))
    assert names["430900"] == "益阳市" and names["O1"] == "张三"
    assert names["430902:应急管理局"] == "资阳区应急管理局"
    assert names["91430900MA4L000001"] == "益阳某化工有限公司"
    assert names["C-1"] == "益阳某化工有限公司"


def test_published_subject_types_and_summons_rules_read_in_chinese(tmp_path: Path) -> None:
    a = officials_assessment()
    events = pl.DataFrame(
        {"rule_id": ["dual_duty.summons.fatal"], "step": ["约谈"]}
    )  # a partial frame: the writer shows what it is given
    published = pl.DataFrame({"list_code": ["430900"], "subject_type": ["state_enterprise"]})
    a = attrs.evolve(a, summons_events=events, published_list=published)
    sheets = read_sheets(report.write_excel(a, tmp_path / "r.xlsx"))
    assert sheets["约谈通报事件"].columns[:2] == ["规则", "规则编号"]
    assert sheets["约谈通报事件"].row(0)[:2] == ("约谈：死亡事故", "dual_duty.summons.fatal")
    assert sheets["公布名单"]["对象类型"].to_list() == ["国有企业"]


# --- formats ------------------------------------------------------------------------------


def test_shares_show_as_percentages_and_scores_with_two_decimals(workbook: Path) -> None:
    assert cell_formats(workbook, "领导干部", "履职率") == [(0.8333, "0.00%")]
    assert cell_formats(workbook, "部门", "合规率") == [(0.5, "0.00%")]
    assert cell_formats(workbook, "隐患治理指标", "指标值") == [(0.625, "0.00%"), (9.5, "0.00")]
    for sheet, header in (("地区考核", "得分"), ("扣分明细", "分值")):
        shown = {f for v, f in cell_formats(workbook, sheet, header) if v is not None}
        assert shown == {"0.00"}, sheet


def test_long_text_wraps_its_row_grows_and_ids_do_not_wrap(workbook: Path) -> None:
    ws = openpyxl.load_workbook(workbook)["扣分明细"]
    headers = [c.value for c in ws[1]]
    reason, evidence = headers.index("说明") + 1, headers.index("证据") + 1
    long_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, reason).value == LONG_REASON)
    assert ws.cell(long_row, reason).alignment.wrap_text
    assert ws.row_dimensions[long_row].height >= 3 * report.LINE_HEIGHT
    assert not ws.cell(long_row, evidence).alignment.wrap_text
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(reason)].width
    assert report.MAX_WIDTH <= width <= report.MAX_WIDTH + 1
    # a header wider than its values wraps instead of widening its column
    regions = openpyxl.load_workbook(workbook)["地区考核"]
    assert regions.cell(1, 1).alignment.wrap_text
    assert regions.row_dimensions[1].height > report.LINE_HEIGHT


def test_rows_of_a_long_sheet_grow_to_three_lines_at_most(monkeypatch, tmp_path: Path) -> None:
    """A sheet of thousands of rows is a list to filter: its rows stop growing at
    LONG_SHEET_LINES lines (the whole text stays in the cell), so it prints on fewer pages."""
    monkeypatch.setattr(report, "LONG_SHEET_ROWS", 1)  # every sheet of 2+ rows counts as long
    path = report.write_excel(officials_assessment(), tmp_path / "long.xlsx")
    ws = openpyxl.load_workbook(path)["扣分明细"]
    reason = [c.value for c in ws[1]].index("说明") + 1
    long_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, reason).value == LONG_REASON)
    assert ws.row_dimensions[long_row].height == report.LONG_SHEET_LINES * report.LINE_HEIGHT
    assert ws.cell(long_row, reason).alignment.wrap_text  # the cell still wraps on screen


def test_every_sheet_prints_one_page_wide_with_its_header_on_each_page(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    for name in report.WORKBOOK_SHEETS:
        ws = wb[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        # one page wide (1 is the default, which a file may leave out), any number long
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, name
        assert ws.page_setup.paperSize == 9, name  # A4
        if name not in ("封面",):
            assert ws.print_title_rows, name
    assert wb["地区考核"].page_setup.orientation == "landscape"  # 23 columns
    assert wb["部门"].page_setup.orientation == "portrait"  # 3 columns
    assert wb["封面"].page_setup.orientation == "portrait"


# --- the bundled fixture ----------------------------------------------------------------


@pytest.mark.skipif(
    not (Path(__file__).resolve().parents[1] / "fixtures" / "yiyang-2024").is_dir(),
    reason="fixture not generated",
)
def test_the_fixture_workbook_reads_as_an_official_expects(yiyang_2024, tmp_path: Path) -> None:
    path = report.write_excel(yiyang_2024, tmp_path / "yiyang.xlsx")
    sheets = read_sheets(path)
    items = sheets["扣分明细"]
    regions = yiyang_2024.line_items.filter(pl.col("subject_type") == "region").height
    assert items["对象类型"].head(regions).unique().to_list() == ["地区"]
    order = items["对象类型"].unique(maintain_order=True).to_list()
    assert order == ["地区", "部门", "领导干部", "企业", "案件"]
    assert items["规则编号"].null_count() == 0
    assert items["对象名称"].null_count() == 0
    ranking = sheets["地区考核"]
    assert ranking["名称"][0] == "益阳市"
    assert ranking["排名"].to_list()[1:] == list(range(1, 9))
    assert {f for _, f in cell_formats(path, "领导干部", "履职率")} == {"0.00%"}
