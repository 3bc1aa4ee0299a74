"""Output of an assessment: Excel, parquet, CSV, HTML, the CLI ranking table.

The writers read only an assessment's frames and metadata, so these tests use a
small stand-in object with the attributes of `accountability.assessment.Assessment`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import attrs
import fastexcel
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from rich.console import Console

from accountability import report
from accountability.assessment import Assessment
from accountability.dataset import REJECTED_SCHEMA
from accountability.lineitems import LINE_ITEM_SCHEMA

INJECTION = '=HYPERLINK("http://x","点击")'


LEVEL = pl.Enum(["省", "市", "县"])
SECTOR = pl.Enum(["煤矿", "消防", "危险化学品"])


def stand_in(region_name: str = "赫山区") -> Assessment:
    regions = pl.DataFrame(
        {
            "region_code": ["430900", "430902", "430903", "430921"],
            "name": ["益阳市", "资阳区", region_name, INJECTION],
            "level": pl.Series(["市", "县", "县", "县"], dtype=LEVEL),
            "parent_code": [None, "430900", "430900", "430900"],
            "score": [88.5, 72.25, 91.0, None],
            "grade": ["良好", "不合格", "优秀", None],
            "vetoed": [False, True, False, False],
            "veto_reasons": [[], ["瞒报事故 1 起"], [], []],
            "yellow_card": [False, False, False, False],
            "yellow_card_reasons": [[], [], [], []],
            "grade_capped": [True, False, False, False],
            "incomplete": [False, False, False, True],
            "unassessed_sections": [[], [], [], ["B", "C"]],
            "rank": pl.Series([1, 2, 1, None], dtype=pl.UInt32),
            "A": [-4.0, -10.0, 0.0, None],
            "B": [0.0, -3.5, 0.0, None],
            "C": [-1.0, 0.0, 0.0, None],
            "D": [-6.5, -14.25, -9.0, None],
            "E": [0.0, 0.0, 0.0, None],
        }
    )
    enterprises = pl.DataFrame(
        {
            "enterprise_id": ["91430900MA4L000001"],
            "name": ["益阳某化工有限公司"],
            "region_code": ["430902"],
            "sector": pl.Series(["危险化学品"], dtype=SECTOR),
            "status": ["在营"],
            "score": [0.0],
            "risk_class": ["D"],
            "dishonest": [True],
            "dishonest_reasons": [["较大事故 2 起（12 个月内）"]],
            "inspections_per_year": [12],
        }
    )
    cases = pl.DataFrame(
        {
            "case_id": ["C-1", "C-2"],
            "found_on": [dt.date(2024, 3, 1), dt.date(2024, 11, 30)],
            "fine_yuan": [50000.0, None],
            "required_close": [True, False],
            "taken_close": [False, False],
            "compliant": [False, True],
            "gaps": [["未关闭取缔"], []],
        }
    )
    officials = pl.DataFrame(
        {
            "official_id": ["O1"],
            "name": ["张三"],
            "region_code": ["430902"],
            "role": ["分管负责人"],
            "portfolio": pl.Series([["煤矿", "消防"]], dtype=pl.List(SECTOR)),
            "fulfilment": [0.8333],
            "step": ["约谈"],
            "reasons": [["较大事故 1 起"]],
            "evidence": [["ACC-1"]],
        }
    )
    departments = pl.DataFrame(
        {"region_code": ["430902"], "department": ["应急管理局"], "compliance_rate": [0.5]}
    )
    line_items = pl.DataFrame(
        {
            "subject_type": ["region", "region", "region"],
            "subject_id": ["430902", "430902", "430902"],
            "scorer": ["annual", "annual", "annual"],
            "rule_id": ["A4", "A5", "B1"],
            "points": [-4.0, -3.0, -3.5],
            "reason": ["较大事故 1 起，扣 4 分", "+迟报 1 起", "@cmd"],
            "basis": ["参考值", "《生产安全事故报告和调查处理条例》第三十六条", "参考值"],
            "evidence": [["ACC-1", "ACC-2"], [], ["C-1"]],
        },
        schema=LINE_ITEM_SCHEMA,
    )
    rejected = pl.DataFrame(
        {
            "table": ["accidents"],
            "source": ["accidents.csv"],
            "row": [3],
            "column": ["deaths"],
            "rule": ["non_negative"],
            "message": ["死亡人数不能为负"],
            "value": ["-1"],
        },
        schema=REJECTED_SCHEMA,
    )
    return Assessment(
        year=2024,
        regions=regions,
        enterprises=enterprises,
        cases=cases,
        officials=officials,
        departments=departments,
        line_items=line_items,
        rejected=rejected,
        warnings=pl.DataFrame(schema=REJECTED_SCHEMA),
        fingerprint="f" * 64,
        rulebook_name="default",
        library_version="0.1.0",
        as_of=dt.date(2025, 1, 15),
        schema_version="1",
        grade_names=("优秀", "良好", "合格", "不合格"),
    )


def with_decisions(a: Assessment) -> Assessment:
    """The stand-in with the decision line items its regions frame implies: the veto
    of 430902 and the grade cap of 430900 (the ranking's notes render these)."""
    decisions = pl.DataFrame(
        {
            "subject_type": ["region", "region"],
            "subject_id": ["430902", "430900"],
            "scorer": ["annual", "annual"],
            "rule_id": ["veto", "grade_cap"],
            "points": [0.0, 0.0],
            "reason": ["瞒报事故 1 起", "发生较大及以上事故 1 起，等次由优秀限为良好"],
            "basis": ["参考值", "参考值"],
            "evidence": [[], []],
        },
        schema=LINE_ITEM_SCHEMA,
    )
    return attrs.evolve(a, line_items=pl.concat([a.line_items, decisions]))


def read_sheets(path: Path) -> dict[str, pl.DataFrame]:
    reader = fastexcel.read_excel(str(path))
    return {name: reader.load_sheet_by_name(name).to_polars() for name in reader.sheet_names}


def sheet_xml(path: Path) -> dict[str, str]:
    """Worksheet XML by sheet name (sheet order is workbook order)."""
    with zipfile.ZipFile(path) as z:
        workbook = z.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)"', workbook)
        return {
            name: z.read(f"xl/worksheets/sheet{i}.xml").decode()
            for i, name in enumerate(names, start=1)
        }


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return report.write_excel(stand_in(), tmp_path / "out" / "result.xlsx")


# --- Excel -----------------------------------------------------------------------------


def test_excel_has_a_cover_a_summary_then_one_sheet_per_frame(workbook: Path) -> None:
    sheets = read_sheets(workbook)
    assert list(sheets) == ["封面", "汇总", *report.SHEETS.values()]
    assert list(sheets) == list(report.WORKBOOK_SHEETS)
    assert list(report.SHEETS.values()) == [
        "地区考核", "企业评级", "检查频次（地区）", "检查频次（部门）", "四个一律案件",
        "应移送未移送", "领导干部", "部门", "约谈通报事件", "部门考核", "国有企业考核",
        "公布名单", "隐患治理指标", "应发现未发现倒查", "扣分明细", "未采用数据", "数据警示",
    ]  # fmt: skip


def test_cover_sheet_names_year_rulebook_and_counts(workbook: Path) -> None:
    cover = fastexcel.read_excel(str(workbook)).load_sheet_by_name("封面", header_row=None)
    rows = {str(k): v for k, v in cover.to_polars().select(pl.all().cast(pl.String)).iter_rows()}
    assert rows["考核年度"] == "2024"
    assert rows["规则集"] == "default"
    assert rows["规则集指纹 (sha256)"] == "f" * 64
    assert rows["程序版本"] == "0.1.0"
    assert rows["数据截止日（as_of）"].startswith("2025-01-15")
    assert rows["输出格式版本"] == "1"
    assert float(rows["地区考核"]) == 4
    assert float(rows["扣分明细"]) == 3
    assert float(rows["优秀"]) == 1 and float(rows["不合格"]) == 1 and float(rows["未评定"]) == 1
    assert float(rows["一票否决"]) == 1


def test_headers_are_chinese_and_unknown_columns_keep_their_name(tmp_path: Path) -> None:
    a = stand_in()
    a = attrs.evolve(a, departments=a.departments.with_columns(pl.lit(1).alias("new_metric")))
    sheets = read_sheets(report.write_excel(a, tmp_path / "r.xlsx"))
    assert sheets["地区考核"].columns[:8] == [
        "比较组",
        "排名",
        "区划代码",
        "名称",
        "级别",
        "上级区划代码",
        "得分",
        "等次",
    ]
    assert "一票否决" in sheets["地区考核"].columns and "排名" in sheets["地区考核"].columns
    assert sheets["企业评级"].columns[:2] == ["统一社会信用代码", "企业名称"]
    assert sheets["领导干部"].columns[1] == "姓名"
    assert sheets["扣分明细"].columns == ["对象类型", "对象编号", "对象名称", "评分模块", "规则",
                                        "规则编号", "分值", "说明", "依据", "证据"]  # fmt: skip
    assert sheets["部门"].columns[-1] == "new_metric"
    # every column of the stand-in has a Chinese label (a guard against typos in the map)
    for name in report.SHEETS:
        for col in getattr(stand_in(), name).columns:
            assert report.column_label(col, name) != col, (name, col)


def test_formula_looking_text_is_written_as_text(workbook: Path) -> None:
    """标准: a cell such as =HYPERLINK(...) is never run as a formula."""
    sheets = read_sheets(workbook)
    assert INJECTION in sheets["地区考核"]["名称"].to_list()
    assert sheets["扣分明细"]["说明"].to_list() == ["较大事故 1 起，扣 4 分", "+迟报 1 起", "@cmd"]
    for name, xml in sheet_xml(workbook).items():
        assert "<f>" not in xml and "<f " not in xml, f"formula cell in {name}"
    with zipfile.ZipFile(workbook) as z:
        assert not any(
            n.endswith(".rels") and "hyperlink" in z.read(n).decode() for n in z.namelist()
        )


def test_numbers_stay_numbers_booleans_read_是否_lists_joined_dates_dates(workbook: Path) -> None:
    sheets = read_sheets(workbook)
    regions = sheets["地区考核"]  # by peer group and rank: 430900, then 430903, 430902, 430921
    assert regions["得分"].dtype == pl.Float64
    assert regions["得分"].to_list() == [88.5, 91.0, 72.25, None]
    assert regions["排名"].to_list() == [1, 1, 2, None]
    assert regions["一票否决"].to_list() == ["否", "否", "是", "否"]
    assert regions["否决事由"].to_list()[2] == "瞒报事故 1 起"
    assert regions["未考核部分"].to_list()[3] == "B；C"
    assert regions["级别"].to_list() == ["市", "县", "县", "县"]
    assert regions["区划代码"].dtype == pl.String  # codes are text, leading zeros safe
    items = sheets["扣分明细"]
    assert items["分值"].to_list() == [-4.0, -3.0, -3.5]
    assert items["证据"].to_list() == ["ACC-1；ACC-2", None, "C-1"]
    cases = sheets["四个一律案件"]
    assert cases["发现日期"].dtype in (pl.Date, pl.Datetime("ms"), pl.Datetime("us"))
    assert cases["发现日期"].cast(pl.Date).to_list() == [dt.date(2024, 3, 1), dt.date(2024, 11, 30)]
    assert cases["罚款(元)"].to_list() == [50000.0, None]
    assert sheets["领导干部"]["分管行业领域"].to_list() == ["煤矿；消防"]


def test_header_row_is_frozen_filtered_and_widths_fit(workbook: Path) -> None:
    for name, xml in sheet_xml(workbook).items():
        if name == "封面":
            continue
        top = 3 if name == "汇总" else 1  # 汇总: its title, then the ranking's header
        pane = rf'<pane ySplit="{top}" topLeftCell="A{top + 1}"[^>]*state="frozen"'
        assert re.search(pane, xml), name
        assert "<autoFilter " in xml, name
        widths = [float(w) for w in re.findall(r'<col [^>]*width="([\d.]+)"', xml)]
        assert widths and all(report.MIN_WIDTH <= w <= report.MAX_WIDTH + 1 for w in widths), name


def test_widths_count_cjk_as_two_and_cap_at_the_widest() -> None:
    frame = pl.DataFrame({"a": ["益阳市赫山区"], "b": ["x" * 500], "c": [1.5], "d": ["ab"]})
    converted, kinds = report.excel_frame(frame)
    widths = report._column_widths(converted, kinds, ["名称", "b", "得分", "说明说明说明"])
    # a header wider than its values wraps from HEADER_WIDTH on
    assert widths == [12 + 2, report.MAX_WIDTH, report.MIN_WIDTH, report.HEADER_WIDTH + 2]


def test_openpyxl_sees_the_frozen_header_when_installed(workbook: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(workbook)
    assert wb["地区考核"].freeze_panes == "A2"


def test_same_assessment_twice_gives_the_same_cells_and_bytes(tmp_path: Path) -> None:
    a = report.write_excel(stand_in(), tmp_path / "a.xlsx")
    b = report.write_excel(stand_in(), tmp_path / "b.xlsx")
    sa, sb = read_sheets(a), read_sheets(b)
    assert sa.keys() == sb.keys()
    for name in sa:
        assert_frame_equal(sa[name], sb[name])
    assert a.read_bytes() == b.read_bytes()


def test_a_frame_longer_than_excel_allows_continues_on_further_sheets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "EXCEL_MAX_ROWS", 3)  # 2 data rows per sheet
    sheets = read_sheets(report.write_excel(stand_in(), tmp_path / "r.xlsx"))
    assert [n for n in sheets if n.startswith("扣分明细")] == ["扣分明细", "扣分明细 (2)"]
    assert sheets["扣分明细"].height + sheets["扣分明细 (2)"].height == 3
    assert sheets["扣分明细 (2)"].columns == sheets["扣分明细"].columns


def test_text_longer_than_a_cell_is_cut_with_an_ellipsis() -> None:
    converted, _ = report.excel_frame(pl.DataFrame({"t": ["x" * 40_000]}))
    text = converted["t"][0]
    assert len(text) == report.EXCEL_MAX_TEXT and text.endswith("…")


def test_excel_frame_kinds() -> None:
    frame = pl.DataFrame(
        {
            "i": pl.Series([1], dtype=pl.UInt32),
            "f": [1.5],
            "d": [dt.date(2024, 1, 2)],
            "t": pl.Series([dt.datetime(2024, 1, 2, 3, 4)]).dt.replace_time_zone("Asia/Shanghai"),
            "e": pl.Series(["煤矿"], dtype=SECTOR),
            "l": pl.Series([[True, None]], dtype=pl.List(pl.Boolean)),
            "s": [{"x": 1}],
            "n": [None],
        }
    )
    converted, kinds = report.excel_frame(frame)
    assert kinds == {"i": "int", "f": "float", "d": "date", "t": "datetime", "e": "text",
                     "l": "text", "s": "text", "n": "blank"}  # fmt: skip
    assert converted.row(0) == (1, 1.5, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4),
                                "煤矿", "是", '{"x":1}', None)  # fmt: skip


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"),
        min_size=1,
        max_size=40,
    )
)
def test_any_text_reads_back_as_the_same_text(tmp_path: Path, text: str) -> None:
    a = stand_in(region_name=text)
    sheets = read_sheets(report.write_excel(a, tmp_path / "h.xlsx"))
    assert sheets["地区考核"]["名称"].to_list()[1] == text  # 430903, first of its peers


# --- parquet ---------------------------------------------------------------------------


def test_parquet_round_trip_with_meta(tmp_path: Path) -> None:
    a = stand_in()
    out = report.write_parquet(a, tmp_path / "pq" / "2024")
    for name in report.SHEETS:
        assert_frame_equal(pl.read_parquet(out / f"{name}.parquet"), getattr(a, name))
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["year"] == 2024
    assert meta["fingerprint"] == "f" * 64
    assert meta["library_version"] == "0.1.0"
    assert meta["schema_version"] == "1"
    assert meta["as_of"] == "2025-01-15"
    assert meta["rulebook_name"] == "default"
    assert meta["frames"]["line_items"] == {"file": "line_items.parquet", "rows": 3}


def test_parquet_is_reproducible(tmp_path: Path) -> None:
    a = report.write_parquet(stand_in(), tmp_path / "a")
    b = report.write_parquet(stand_in(), tmp_path / "b")
    for f in sorted(a.iterdir()):
        assert f.read_bytes() == (b / f.name).read_bytes(), f.name


# --- CSV -------------------------------------------------------------------------------


def test_csv_escapes_cells_a_spreadsheet_would_run(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "text": ["=1+1", "+86", "-x", "@SUM(A1)", "\tTAB", "\rCR", "ok", "a=b", None],
            "points": [-1.0, -2.5, 3.0, 0.0, -4.0, 1.0, 2.0, 3.0, 4.0],
            "count": [-1, 2, 3, 4, 5, 6, 7, 8, 9],
        }
    )
    path = report.write_csv(frame, tmp_path / "x.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads Chinese correctly
    back = pl.read_csv(path, schema_overrides={"text": pl.String})
    assert back["text"].to_list() == [
        "'=1+1", "'+86", "'-x", "'@SUM(A1)", "'\tTAB", "'\rCR", "ok", "a=b", None,
    ]  # fmt: skip
    assert back["points"].dtype == pl.Float64 and back["points"][0] == -1.0
    assert back["count"].dtype == pl.Int64 and back["count"].to_list()[0] == -1
    assert "'-1" not in raw.decode("utf-8-sig")


def test_csv_joins_lists_and_escapes_enum_and_list_cells(tmp_path: Path) -> None:
    a = stand_in()
    path = report.write_csv(a.line_items, tmp_path / "items.csv")
    back = pl.read_csv(path)
    assert back["evidence"].to_list() == ["ACC-1；ACC-2", "", "C-1"]  # an empty list is ""
    assert back["reason"].to_list() == ["较大事故 1 起，扣 4 分", "'+迟报 1 起", "'@cmd"]
    listed = pl.DataFrame({"l": [["=x", "y"]], "e": pl.Series(["-"], dtype=pl.Enum(["-"]))})
    assert report.csv_frame(listed).row(0) == ("'=x；y", "'-")


def test_csv_with_chinese_headers(tmp_path: Path) -> None:
    regions = stand_in().regions
    labels = {c: report.column_label(c, "regions") for c in regions.columns}
    back = pl.read_csv(report.write_csv(regions, tmp_path / "r.csv", labels=labels))
    assert back.columns[:3] == ["区划代码", "名称", "级别"]
    assert back["名称"].to_list()[3] == "'" + INJECTION


def test_csv_shows_values_as_people_read_them(tmp_path: Path) -> None:
    """是/否 for booleans, 2 decimals for floats, shares as %, "-1" as written."""
    frame = pl.DataFrame(
        {
            "flag": [True, False, None],
            "score": [68.4835164244561, 26.0, None],
            "fulfilment": [0.8333, 1.0, None],
            "value": ["-1", "-1+1", "-2.5"],
        }
    )
    path = report.write_csv(frame, tmp_path / "x.csv", shares={"fulfilment": pl.lit(True)})
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines == [
        "flag,score,fulfilment,value",
        "是,68.48,83.33%,-1",  # a plain negative number is not a formula: not escaped
        "否,26.0,100%,'-1+1",
        ",,,-2.5",
    ]


def test_csv_of_the_regions_is_the_sheet_people_see(tmp_path: Path) -> None:
    path = report.write_csv_table(stand_in(), tmp_path / "result.csv")
    back = pl.read_csv(path, infer_schema=False)
    assert back.columns[:4] == ["比较组", "排名", "区划代码", "名称"]
    assert back["区划代码"].to_list() == ["430900", "430903", "430902", "430921"]
    assert back["得分"].to_list() == ["88.5", "91.0", "72.25", None]
    assert back["一票否决"].to_list() == ["否", "否", "是", "否"]
    assert back["名称"].to_list()[3] == "'" + INJECTION
    with pytest.raises(ValueError, match="no frame"):
        report.write_csv_table(stand_in(), tmp_path / "x.csv", name="nope")


def test_csv_tables_write_one_file_per_frame_and_meta(tmp_path: Path) -> None:
    out = report.write_csv_tables(stand_in(), tmp_path / "csv")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{name}.csv" for name in report.SHEETS] + ["meta.json"]
    )
    officials = pl.read_csv(out / "officials.csv", infer_schema=False)
    assert officials["履职率"].to_list() == ["83.33%"]
    items = pl.read_csv(out / "line_items.csv", infer_schema=False)
    assert items.columns[:6] == ["对象类型", "对象编号", "对象名称", "评分模块", "规则", "规则编号"]
    assert items.row(0)[:6] == ("地区", "430902", "资阳区", "年度目标管理考核",
                                "A4 较大及以上事故", "A4")  # fmt: skip
    assert items["分值"].to_list() == ["-4.0", "-3.0", "-3.5"]
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["frames"]["line_items"] == {"file": "line_items.csv", "rows": 3}
    assert meta["as_of"] == "2025-01-15" and meta["fingerprint"] == "f" * 64


# --- the ranking table (the notebook's HTML: tests/test_notebook_reprs.py) --------------


def test_format_ranking_prints_every_region_with_its_notes() -> None:
    console = Console(record=True, width=200)
    console.print(report.format_ranking(with_decisions(stand_in("[bold]赫山区[/bold]"))))
    out = console.export_text()
    for header in ("排名", "区划代码", "名称", "得分", "等次", "一票否决", "黄牌警告", "说明"):
        assert header in out
    assert "[bold]赫山区[/bold]" in out  # no markup is interpreted
    assert "一票否决：瞒报事故 1 起" in out
    assert "等次上限：发生较大及以上事故 1 起，等次由优秀限为良好" in out  # as the item says
    assert "未考核: B、C" in out
    assert "72.25" in out
    lines = [line for line in out.splitlines() if re.match(r"\s+(\d+|—)\s+4309", line)]
    assert re.search(r"注1\s+\S+", out)  # the 说明 column points to notes under the table
    assert [re.search(r"4309\d\d", line).group(0) for line in lines] == [
        "430900", "430903", "430902", "430921",
    ]  # fmt: skip


def test_markdown_report_ranks_by_parent_and_escapes_every_cell(tmp_path) -> None:
    path = report.write_markdown(with_decisions(stand_in("赫山区|*注入*")), tmp_path / "r.md")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# 2024 年度安全生产目标管理考核结果")
    assert "## 益阳市所辖县级地区（3 个）" in text
    assert "赫山区\\|\\*注入\\*" in text  # a pipe or star in a name cannot break the table
    assert "| 2 | 430902 | 资阳区 | 72.25 | 不合格 | 是 |  | 注" in text
    assert "瞒报事故 1 起" in text and "未考核: B、C" in text
    for line in text.splitlines():
        if line.startswith("| "):  # every table row has the same number of cells
            assert line.count(" | ") == 7
