"""A newcomer's journeys with regulators' real exports (DESIGN: Input tables; principle 3
"Nothing is lost"): CSV saved by Chinese Excel in GBK with Chinese headers and Chinese
dates, Excel sheets with a title row or formatted blank rows, full-width digits and
spaces, 是/否 and √/× flags, duplicate or differently spelt headers, empty files,
unrelated files, Chinese file names.

Every journey ends in kept rows, rejected rows naming table, row, column, rule and
value, or one clear DatasetError naming the file — never a traceback — and per table
rows read = rows kept + distinct rows rejected.

What the loader decides (documented in accountability/loading.py and tables.py):
- codes, ids, numbers, dates, flags and enumerations are NFKC-normalised and stripped
  ("４３０９０３" → 430902, "　是　" → 是, `="430902"` → 430902); free text (names,
  departments, reasons) is only stripped;
- flags accept true/false, 1/0, 是/否 (DESIGN) and also √/×, Y/N; anything else
  (有, N/A) and an empty cell is a rejected row, never a silent false;
- a completely blank row is not a data row: skipped, listed in one `blank_rows`
  warning, and row numbers stay those of the file (data row n = n-th row below
  the header);
- a title row above the header is skipped (a `title_rows` warning).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from conftest import ENT_A
from rich.cells import cell_len
from typer.testing import CliRunner

from accountability.cli import app
from accountability.cli.app import console
from accountability.errors import DatasetError
from accountability.tables import load_dataset

AS_OF = "2025-01-01"
runner = CliRunner()

REGIONS = (
    "区划代码,名称,上级区划代码,级别\r\n"
    "430900,益阳市,,市\r\n430902,资阳区,430900,县\r\n430903,赫山区,430900,县\r\n"
)
ACC_HEADER = (
    "事故编号,区划代码,统一社会信用代码,行业领域,发生日期,死亡人数,失踪人数,重伤人数,"
    "直接经济损失(万元),迟报,瞒报\r\n"
)


def gbk(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode("gbk"))
    return path


def enterprises_csv() -> str:
    return (
        "统一社会信用代码,企业名称,区划代码,行业领域,从业人员,需取得许可,持有许可,标准化等级\r\n"
        f"{ENT_A},某某化工有限公司,430902,危险化学品,120,是,是,二级\r\n"
    )


def assert_nothing_lost(data) -> None:
    for table, read in data.rows_read.items():
        rejected = data.rejected.filter(pl.col("table") == table)["row"].n_unique()
        assert read == data.table(table).height + rejected, table


def rejected(data) -> list[tuple]:
    return data.rejected.select("table", "row", "column", "rule", "value").rows()


# --- GBK CSV from Chinese Excel -----------------------------------------------------------


def test_gbk_csv_with_chinese_headers_dates_full_width_and_excel_markers(tmp_path):
    gbk(tmp_path, "regions.csv", REGIONS)
    gbk(tmp_path, "enterprises.csv", enterprises_csv())
    gbk(
        tmp_path,
        "accidents.csv",
        ACC_HEADER
        + f"SG001,430902,{ENT_A.lower()},危险化学品,2024/3/5,1,0,0,12.5,否,否\r\n"
        + 'SG002, 430902 ,,道路交通,2024年3月5日,2,0,1,"1,200.5",是,否\r\n'
        + "ＳＧ００３,４３０９０３,,建筑施工,2024.4.1,１,0,0,3,√,×\r\n"
        + 'SG004,="430903",,建筑施工,2024/4/1 08:30,0,0,2,0,　是　,FALSE\r\n'
        + ",,,,,,,,,,\r\n",
    )
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert data.rejected.height == 0, data.rejected
    acc = data.table("accidents").sort("accident_id")
    assert acc["accident_id"].to_list() == ["SG001", "SG002", "SG003", "SG004"]
    assert acc["region_code"].to_list() == ["430902", "430902", "430903", "430903"]
    assert acc["enterprise_id"].to_list() == [ENT_A, None, None, None]
    assert acc["occurred_on"].to_list() == [
        dt.date(2024, 3, 5),
        dt.date(2024, 3, 5),
        dt.date(2024, 4, 1),
        dt.date(2024, 4, 1),
    ]
    assert acc["deaths"].to_list() == [1, 2, 1, 0]
    assert acc["direct_loss_10k_yuan"].to_list() == [12.5, 1200.5, 3.0, 0.0]
    assert acc["reported_late"].to_list() == [False, True, True, True]
    assert acc["concealed"].to_list() == [False, False, False, False]
    # The blank line is not a data row, and it is said so.
    assert data.rows_read["accidents"] == 4
    note = data.warnings.filter(pl.col("rule") == "blank_rows")
    assert note.height == 1 and "第 5 行" in note["message"].item()
    assert_nothing_lost(data)


def test_bad_cells_are_rejected_rows_naming_table_row_column_rule_value(tmp_path):
    gbk(tmp_path, "regions.csv", REGIONS)
    gbk(
        tmp_path,
        "accidents.csv",
        ACC_HEADER
        + "SG001,430902,,建筑施工,2024/3/5,1,0,0,0,否,否\r\n"  # 1 conflicts with 5
        + "SG002,430902,,建筑施工,2024/4/31,0,0,0,0,否,否\r\n"  # 2 no such day
        + "SG003,430902,,建筑,2024/3/5,0,0,0,0,有,否\r\n"  # 3 sector, flag
        + "SG004,430902,,建筑施工,2024/3/5,-1,0,0,0,否,N/A\r\n"  # 4 negative, flag
        + "SG001,430903,,建筑施工,2024/3/5,0,0,0,0,否,否\r\n"  # 5 conflicting duplicate key
        + "SG006,430999,,建筑施工,2024/3/5,0,0,0,0,否,否\r\n"  # 6 unknown region
        + "SG007,430902,,建筑施工,2024/3/5,0,0,0,0,否,\r\n"  # 7 empty flag
        + "SG008,430902,,建筑施工,2024/3/5,1.5,0,0,0,否,否\r\n",  # 8 not an integer
    )
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert rejected(data) == [
        ("accidents", 1, "accident_id", "conflicting_duplicate", "SG001"),
        ("accidents", 2, "occurred_on", "type", "2024/4/31"),
        ("accidents", 3, "reported_late", "type", "有"),
        ("accidents", 3, "sector", "enum", "建筑"),
        ("accidents", 4, "concealed", "type", "N/A"),
        ("accidents", 4, "deaths", "non_negative", "-1"),
        ("accidents", 5, "accident_id", "conflicting_duplicate", "SG001"),
        ("accidents", 6, "region_code", "unknown_region", "430999"),
        ("accidents", 7, "concealed", "not_null", None),
        ("accidents", 8, "deaths", "type", "1.5"),
    ]
    messages = dict(
        zip(
            data.rejected["rule"] + ":" + data.rejected["column"],
            data.rejected["message"],
            strict=True,
        )
    )
    # Each message names the column by its Chinese label and says what was expected.
    assert messages["type:reported_late"].startswith("迟报(reported_late) 应为是/否")
    assert "建筑施工" in messages["enum:sector"]
    assert "2024年3月5日" in messages["type:occurred_on"]
    assert "事故编号" in messages["conflicting_duplicate:accident_id"]
    # SG001's two rows differ: neither is kept, so row order decides nothing.
    assert data.table("accidents")["accident_id"].to_list() == []
    assert_nothing_lost(data)


# --- Excel -------------------------------------------------------------------------------


def write_regions_xlsx(path: Path, *, title: bool = False, trailing: bool = False) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    top = 0
    if title:
        sheet.merge_range(0, 0, 0, 3, "益阳市行政区划表（2024年）")
        top = 1
    rows = [line.split(",") for line in REGIONS.strip().split("\r\n")]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value:
                # Codes typed as numbers, as Excel users do.
                sheet.write(top + i, j, int(value) if value.isdigit() else value)
    if trailing:
        border = book.add_format({"border": 1})
        end = top + len(rows)
        for i in range(end, end + 4):
            for j in range(4):
                sheet.write_blank(i, j, None, border)
        sheet.merge_range(end + 5, 0, end + 5, 3, "")
        sheet.merge_range(end + 6, 0, end + 6, 3, "填报单位：益阳市应急管理局")
    book.close()


def test_xlsx_with_a_title_row_above_the_header(tmp_path):
    write_regions_xlsx(tmp_path / "regions.xlsx", title=True)
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert data.rejected.height == 0, data.rejected
    assert data.table("regions")["region_code"].to_list() == ["430900", "430902", "430903"]
    note = data.warnings.filter(pl.col("rule") == "title_rows")["message"].item()
    assert "益阳市行政区划表" in note


def test_xlsx_blank_trailing_rows_are_skipped_and_a_footer_is_rejected(tmp_path):
    write_regions_xlsx(tmp_path / "regions.xlsx", trailing=True)
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert data.table("regions").height == 3
    assert data.rows_read["regions"] == 4  # 3 regions + the 填报单位 footer
    assert {r[1] for r in rejected(data)} == {10}
    assert "region_code_shape" in data.rejected["rule"].to_list()
    assert data.warnings.filter(pl.col("rule") == "blank_rows").height == 1
    assert_nothing_lost(data)


def test_xlsx_with_an_instructions_sheet_first(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "regions.xlsx"))
    book.add_worksheet("填表说明").write(0, 0, "请按区划代码填写，级别为 省/市/县")
    sheet = book.add_worksheet("数据")
    for i, line in enumerate(REGIONS.strip().split("\r\n")):
        sheet.write_row(i, 0, [v or None for v in line.split(",")])
    book.close()
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert data.table("regions").height == 3 and data.rejected.height == 0
    assert "'数据'" in data.warnings.filter(pl.col("rule") == "sheet")["message"].item()


# --- headers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Region_Code,Name,Parent_Code,LEVEL",
        "Region Code,name ,parent-code,Level",
        "ＲＥＧＩＯＮ＿ＣＯＤＥ,名称,上级区划代码（）,级别",
        "行政区划代码,区划名称,上级代码,层级",
    ],
)
def test_header_spellings(tmp_path, header):
    header = header.replace("上级区划代码（）", "上级区划代码")
    (tmp_path / "regions.csv").write_text(f"{header}\n430900,益阳市,,市\n", encoding="utf-8")
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert data.table("regions")["region_code"].to_list() == ["430900"]


def test_a_known_header_given_twice_is_an_error_naming_file_and_columns(tmp_path):
    (tmp_path / "regions.csv").write_text(
        "区划代码,名称,上级区划代码,级别,名称\n430900,益阳市,,市,益阳\n", encoding="utf-8"
    )
    with pytest.raises(DatasetError, match=r"regions\.csv.*'名称' 出现 2 次 \(第 2、5 列\)"):
        load_dataset(tmp_path, as_of=AS_OF)
    (tmp_path / "regions.csv").write_text(
        "区划代码,名称,上级区划代码,级别,region_code\n430900,益阳市,,市,430900\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match=r"regions\.csv.*region_code"):
        load_dataset(tmp_path, as_of=AS_OF)


def test_an_unknown_header_given_twice_is_two_warnings(tmp_path):
    (tmp_path / "regions.csv").write_text(
        "区划代码,名称,上级区划代码,级别,备注,备注\n430900,益阳市,,市,a,b\n", encoding="utf-8"
    )
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert data.table("regions").height == 1
    assert data.warnings.filter(pl.col("rule") == "unknown_column").height == 2


def test_missing_column_lists_accepted_names_and_the_headers_found(tmp_path):
    (tmp_path / "regions.csv").write_text("区划代码,名称,级别\n430900,益阳市,市\n", "utf-8")
    with pytest.raises(DatasetError, match=r"parent_code \(上级区划代码/上级代码\).*'区划代码'"):
        load_dataset(tmp_path, as_of=AS_OF)


# --- files and folders -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["事故.csv", "生产安全事故.csv", "Accidents.CSV", "事故表.csv"])
def test_chinese_and_cased_table_file_names(tmp_path, name):
    gbk(tmp_path, "行政区划.csv", REGIONS)
    gbk(tmp_path, name, ACC_HEADER + "SG001,430902,,建筑施工,2024/3/5,1,0,0,0,否,否\r\n")
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert data.table("accidents").height == 1


def test_unknown_file_name_lists_accepted_names_with_chinese_labels(tmp_path):
    gbk(tmp_path, "regions.csv", REGIONS)
    gbk(tmp_path, "事故统计.csv", "a\n1\n")
    with pytest.raises(DatasetError, match=r"事故统计\.csv.*accidents \(生产安全事故\)"):
        load_dataset(tmp_path, as_of=AS_OF)


def test_table_file_in_an_unreadable_format_is_an_error(tmp_path):
    gbk(tmp_path, "regions.csv", REGIONS)
    gbk(tmp_path, "accidents.txt", ACC_HEADER)
    with pytest.raises(DatasetError, match=r"accidents\.txt.*\.csv"):
        load_dataset(tmp_path, as_of=AS_OF)


def test_unrelated_files_are_ignored_but_a_folder_without_tables_is_an_error(tmp_path):
    (tmp_path / "README.txt").write_text("说明：本目录为导出数据", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"没有数据表文件.*README\.txt"):
        load_dataset(tmp_path, as_of=AS_OF)
    gbk(tmp_path, "regions.csv", REGIONS)
    assert load_dataset(tmp_path, as_of=AS_OF).table("regions").height == 3


@pytest.mark.parametrize("name", ["regions.csv", "regions.xlsx"])
def test_zero_byte_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    with pytest.raises(DatasetError, match=re.escape(name) + ": 文件为空"):
        load_dataset(tmp_path, as_of=AS_OF)


def test_row_with_extra_values_is_an_error_but_trailing_commas_are_fine(tmp_path):
    (tmp_path / "regions.csv").write_text(
        "区划代码,名称,上级区划代码,级别\n430900,益阳市,,市,\n430902,资阳区,430900,县,,\n",
        encoding="utf-8",
    )
    assert load_dataset(tmp_path, as_of=AS_OF).table("regions").height == 2
    (tmp_path / "regions.csv").write_text(
        "区划代码,名称,上级区划代码,级别\n430900,益阳市,,市\n430902,资阳区,430900,县,多余\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match=r"regions\.csv: 第 2 行.*'多余'"):
        load_dataset(tmp_path, as_of=AS_OF)


def test_csv_with_a_title_line_and_blank_lines(tmp_path):
    gbk(tmp_path, "regions.csv", "益阳市行政区划表\r\n\r\n" + REGIONS + "\r\n,,,\r\n")
    data = load_dataset(tmp_path, as_of=AS_OF)
    assert data.table("regions").height == 3 and data.rejected.height == 0
    assert set(data.warnings["rule"]) == {"title_rows", "blank_rows"}
    gbk(
        tmp_path, "regions.csv", "益阳市行政区划表\r\n" + REGIONS + "430904,某区,430900,县,多余\r\n"
    )
    with pytest.raises(DatasetError, match=r"regions\.csv: 第 4 行.*'多余'"):
        load_dataset(tmp_path, as_of=AS_OF)


@pytest.mark.parametrize(
    ("separator", "encoding"), [("\t", "utf-16"), (";", "utf-8"), ("\t", "gbk")]
)
def test_tab_and_semicolon_separated_and_utf16(tmp_path, separator, encoding):
    (tmp_path / "regions.csv").write_bytes(REGIONS.replace(",", separator).encode(encoding))
    assert load_dataset(tmp_path, as_of=AS_OF).table("regions").height == 3


# --- the command line --------------------------------------------------------------------


@pytest.fixture
def narrow(monkeypatch):
    monkeypatch.setattr(console, "width", 80)


def messy_folder(folder: Path) -> Path:
    gbk(folder, "regions.csv", REGIONS)
    gbk(folder, "enterprises.csv", enterprises_csv())
    gbk(
        folder,
        "accidents.csv",
        ACC_HEADER
        + "SG001,430902,,危险化学品,2024/3/5,1,0,0,12.5,否,否\r\n"
        + "SG002,430902,,建筑,2024/3/5,0,0,0,0,有,否\r\n"
        + "SG003,430903,,[bold]道路交通,2024年3月5日,1,0,0,0,否,否\r\n",
    )
    return folder


def test_validate_is_readable_in_80_columns(tmp_path, narrow):
    result = runner.invoke(app, ["validate", str(messy_folder(tmp_path)), "--as-of", AS_OF])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    text = "\n".join(line.strip() for line in lines)
    # Where, then the whole message and the value as written, nothing cut off.
    assert "accidents · 第 2 行 · sector · [enum]" in text
    assert "工矿商贸其他；原值 '建筑'" in text.replace("\n", "")
    assert "迟报(reported_late) 应为是/否" in text
    # A value is shown as written, never read as rich markup.
    assert "'[bold]道路交通'" in text


def test_validate_exit_codes_and_out_file(tmp_path, narrow):
    folder = messy_folder(tmp_path / "data")
    out = tmp_path / "issues.csv"
    result = runner.invoke(app, ["validate", str(folder), "--as-of", AS_OF, "--out", str(out)])
    assert result.exit_code == 1
    issues = pl.read_csv(out, infer_schema=False)
    assert issues.columns == ["类别", "数据表", "来源文件", "行号", "列", "规则", "说明", "原值"]
    assert issues.filter(pl.col("类别") == "拒收").height == 3
    clean = tmp_path / "clean"
    gbk(clean, "regions.csv", REGIONS)
    assert runner.invoke(app, ["validate", str(clean), "--as-of", AS_OF]).exit_code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    broken = runner.invoke(app, ["validate", str(empty)])
    assert broken.exit_code == 2 and "没有数据表文件" in broken.output
    assert "Traceback" not in broken.output
    bad_out = runner.invoke(app, ["validate", str(folder), "--out", str(tmp_path / "x.txt")])
    assert bad_out.exit_code == 2


def test_assess_and_compare_on_a_messy_folder(tmp_path, narrow):
    folder = messy_folder(tmp_path)
    # A rejected row in another table with the same row number (3) as in accidents.
    gbk(folder, "regions.csv", REGIONS.replace("赫山区,430900,县", "赫山区,430900,镇"))
    assessed = runner.invoke(app, ["assess", str(folder), "--year", "2024"])
    assert assessed.exit_code == 0, assessed.output
    assert "Traceback" not in assessed.output
    compared = runner.invoke(
        app, ["compare", str(folder), "--from", "2024-01-01", "--to", "2024-10-31"]
    )
    assert compared.exit_code == 0, compared.output
    # accidents rows 2 and 3, regions row 3: three distinct rows, not two row numbers.
    assert "3 行数据未通过校验" in compared.output.replace("\n", "")
