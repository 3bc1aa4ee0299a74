"""`accountability compare DIR --from DATE --to DATE [--region CODE] [--out FILE]`:
the year-on-year table (同比) of a date span, as a speech reads it out.

Exit status: 0 on success (even with rejected rows), 2 when the folder cannot be
read or a table the comparison needs is missing (a `DatasetError`, printed as one
line), on a bad date, an unknown region, a bad output suffix or an output that cannot
be written; 70 on an internal error.  Text from the data is printed with its control
characters made visible.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from accountability.cli.app import (
    EXIT_OK,
    EXIT_USAGE,
    INTERNAL,
    app,
    check_writable,
    console,
    exit_help,
    fail,
    writing,
)
from accountability.errors import DatasetError
from accountability.terminal import visible

if TYPE_CHECKING:
    import polars as pl

HEADERS: dict[str, str] = {
    "scope": "范围",
    "indicator": "指标",
    "unit": "单位",
    "current": "本期",
    "previous": "上年同期",
    "change": "增减",
    "change_pct": "增减幅(%)",
    "note": "说明",
}
EPILOG = exit_help(
    (EXIT_OK, "已输出同比表，含有未采用的数据行时也是 0 (table produced, even with rejected rows)"),
    (
        EXIT_USAGE,
        "用法错误、日期无效、数据目录无法读取或缺少所需的表、区划代码不存在、--out 无法写入 "
        "(usage error, bad date, unreadable folder or missing table, unknown region, "
        "unwritable --out)",
    ),
    INTERNAL,
)


def _cell(text: object, style: str = "") -> Text:
    """A value from the data as one line of plain text: no markup, controls visible."""
    return Text(visible("" if text is None else str(text), single_line=True), style=style)


def _number(value: float | None, unit: str | None) -> str:
    if value is None:
        return ""
    if unit == "万元":
        return f"{value:,.2f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _signed(value: float | None, unit: str | None) -> str:
    text = _number(value, unit)
    return f"+{text}" if value is not None and value > 0 else text


def comparison_table(frame: pl.DataFrame, title: str) -> Table:
    """A rich table of a `compare_periods` frame with Chinese headers; every cell plain
    text (never markup), control characters visible."""
    import polars as pl

    table = Table(title=_cell(title), title_justify="left")
    for name in ("scope", "indicator", "unit"):
        table.add_column(HEADERS[name], justify="left", overflow="fold")
    for name in ("current", "previous", "change", "change_pct"):
        table.add_column(HEADERS[name], justify="right")
    last_scope = None
    for rec in frame.filter(pl.col("note").is_null()).iter_rows(named=True):
        pct = rec["change_pct"]
        pct_text = "—" if pct is None else f"{pct:+.2f}%"
        pct_style = "" if pct is None or pct == 0 else "red" if pct > 0 else "green"
        if last_scope is not None and rec["scope"] != last_scope:
            table.add_section()
        table.add_row(
            _cell(rec["scope"] if rec["scope"] != last_scope else ""),
            _cell(rec["indicator"]),
            _cell(rec["unit"]),
            _number(rec["current"], rec["unit"]),
            _number(rec["previous"], rec["unit"]),
            _signed(rec["change"], rec["unit"]),
            Text(pct_text, style=pct_style),
        )
        last_scope = rec["scope"]
    return table


def write_comparison_excel(frame: pl.DataFrame, path: Path, title: str) -> Path:
    """One sheet, Chinese headers, every text cell written as a string (never a formula).
    A file that cannot be created raises `OSError`, as the other writers do."""
    import xlsxwriter

    from accountability.report import close_workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    try:
        sheet = book.add_worksheet("同比对比")
        bold = book.add_format({"bold": True})
        sheet.write_string(0, 0, title, bold)
        columns = list(HEADERS)
        for j, name in enumerate(columns):
            sheet.write_string(1, j, HEADERS[name], bold)
        for i, rec in enumerate(frame.iter_rows(named=True), start=2):
            for j, name in enumerate(columns):
                value = rec[name]
                if value is None:
                    sheet.write_blank(i, j, None)
                elif isinstance(value, str):
                    sheet.write_string(i, j, value)
                else:
                    sheet.write_number(i, j, float(value))
        sheet.freeze_panes(2, 0)
        for j, width in enumerate((12, 20, 6, 12, 12, 12, 10, 40)):
            sheet.set_column(j, j, width)
    finally:
        close_workbook(book, path)
    return path


@app.command(epilog=EPILOG)
def compare(
    directory: Annotated[
        Path, typer.Argument(help="数据目录: one <table>.csv/.parquet/.xlsx per table")
    ],
    date_from: Annotated[str, typer.Option("--from", help="起始日期 YYYY-MM-DD (含)")],
    date_to: Annotated[str, typer.Option("--to", help="结束日期 YYYY-MM-DD (含)")],
    region: Annotated[
        str | None,
        typer.Option("--region", help="区划代码 (default: the root region); includes all below it"),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="also write the table to FILE.csv or FILE.xlsx")
    ] = None,
) -> None:
    """同比对比: a date span against the same span a year earlier."""
    import polars as pl

    from accountability.periods import compare_periods, previous_span
    from accountability.tables import load_dataset

    if out is not None:
        if out.suffix.lower() not in (".csv", ".xlsx"):
            fail(f"输出文件须为 .csv 或 .xlsx：{out} (--out must be a .csv or .xlsx file: {out})")
        check_writable(out)
    try:
        prev_from, prev_to = previous_span(date_from, date_to)
        data = load_dataset(directory)
        frame = compare_periods(data, date_from, date_to, region=region)
    except DatasetError:
        raise  # one line and exit 2 (GuardedGroup)
    except (ValueError, LookupError) as exc:  # a bad date or span
        fail(f"参数错误：{exc} (bad argument)")

    where = "全部地区"
    if data.has("regions"):
        regions = data.table("regions")
        if region is not None:
            where = f"{regions.filter(pl.col('region_code') == region)['name'].item()} ({region})"
        else:
            roots = regions.filter(pl.col("parent_code").is_null())
            where = "、".join(
                f"{n} ({c})" for c, n in roots.select("region_code", "name").iter_rows()
            )
    title = f"{where} {date_from} 至 {date_to}，与上年同期 ({prev_from} 至 {prev_to}) 对比"
    console.print(comparison_table(frame, title))
    for note in frame.filter(pl.col("note").is_not_null())["note"]:
        console.print(Text.assemble(("说明:", "yellow"), " ", _cell(note)), highlight=False)
    if data.rejected.height:
        # Distinct rows per table: row numbers repeat across tables.
        rows = data.rejected.select(pl.struct("table", "row").n_unique()).item()
        console.print(
            Text.assemble(
                ("注意:", "yellow"),
                f" {rows} 行数据未通过校验，未计入 ",
                _cell(f"(run `accountability validate {directory}`)"),
            ),
            highlight=False,
        )
    if out is not None:
        with writing(out):
            if out.suffix.lower() == ".csv":
                from accountability.report import write_csv

                write_csv(frame, out, labels=HEADERS)
            else:
                write_comparison_excel(frame, out, title)
        console.print(_cell(f"已写出 {out}"), highlight=False)
