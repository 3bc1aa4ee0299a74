"""Two comparisons on the command line.

    accountability compare DIR --from DATE --to DATE [--region CODE] [--out FILE]
    accountability compare-rules DIR --year Y RULES_A RULES_B [--tolerance P] [--all]

`compare` is the year-on-year table (同比) of a date span, as a speech reads it out.
Exit status: 0 on success (even with rejected rows), 2 when the folder cannot be
read or a table the comparison needs is missing (a `DatasetError`, printed as one
line), on a bad date, an unknown region, a bad output suffix or an output that cannot
be written; 70 on an internal error.

`compare-rules` loads the data once, assesses the year under two rulebooks (each
`default` or a rule file) and lists the regions whose score (by more than the
tolerance), grade, veto or rank differ, with both values
(`accountability.compare.compare_assessments`).  Exit status: 0 when compared,
whether or not anything differs; 2 on a usage error, unreadable data or rule file,
or a year the data or a rulebook cannot assess; 70 on an internal error.

Both print a table when it fits the terminal's width (80 columns when piped) and
otherwise one block per row, so a value is never cut short.  Text from the data is
printed with its control characters made visible.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from accountability.cli.app import (
    EXIT_OK,
    EXIT_USAGE,
    INTERNAL,
    QUIET,
    app,
    check_writable,
    console,
    err_console,
    exit_help,
    fail,
    writing,
)
from accountability.cli.assess import _ALLOW, _AS_OF, _DIR, _YEAR, _check_year
from accountability.cli.progress import steps
from accountability.errors import DatasetError
from accountability.progress import report_step
from accountability.terminal import visible

if TYPE_CHECKING:
    import polars as pl

    from accountability.rulebook import Rulebook

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


def fits(renderable: RenderableType, width: int, printer: Console | None = None) -> bool:
    """Whether `renderable` is drawn within `width` columns without wrapping a cell
    (its widest natural layout, as `printer` measures it)."""
    printer = printer or console
    unbounded = printer.options.update_width(max(width, 10_000))
    return Measurement.get(printer, unbounded, renderable).maximum <= width


def field_block(heading: Text, fields: Sequence[tuple[str, Text]]) -> Group:
    """One row of a table as a block, for a terminal too narrow for the table: the
    heading, then one field a line, labels aligned; nothing is ever cut short."""
    pad = max((cell_len(label) for label, _ in fields), default=0)
    lines = [heading]
    for label, value in fields:
        lines.append(Text.assemble("  ", label, " " * (pad - cell_len(label) + 2), value))
    return Group(*lines, Text(""))


def _number(value: float | None, unit: str | None) -> str:
    if value is None:
        return ""
    if unit == "万元":
        return f"{value:,.2f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _signed(value: float | None, unit: str | None) -> str:
    text = _number(value, unit)
    return f"+{text}" if value is not None and value > 0 else text


def _percent(pct: float | None) -> Text:
    text = "—" if pct is None else f"{pct:+.2f}%"
    return Text(text, style="" if pct is None or pct == 0 else "red" if pct > 0 else "green")


def comparison_table(frame: pl.DataFrame) -> Table:
    """A rich table of a `compare_periods` frame with Chinese headers, one block of rows
    per scope (范围, as a heading row); every cell plain text (never markup), control
    characters visible, and never wrapped or cut (`comparison_view` picks a layout)."""
    import polars as pl

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for name in ("indicator", "unit"):
        table.add_column(HEADERS[name], justify="left", no_wrap=True)
    for name in ("current", "previous", "change", "change_pct"):
        table.add_column(HEADERS[name], justify="right", no_wrap=True)
    last_scope = None
    for rec in frame.filter(pl.col("note").is_null()).iter_rows(named=True):
        if rec["scope"] != last_scope:
            if last_scope is not None:
                table.add_section()
            table.add_row(_cell(rec["scope"], style="bold"), *[""] * 5)
        table.add_row(
            _cell(rec["indicator"]),
            _cell(rec["unit"]),
            _number(rec["current"], rec["unit"]),
            _number(rec["previous"], rec["unit"]),
            _signed(rec["change"], rec["unit"]),
            _percent(rec["change_pct"]),
        )
        last_scope = rec["scope"]
    return table


def packed(pieces: Sequence[Text], width: int, *, indent: int = 2, hang: int = 6) -> list[Text]:
    """`pieces` laid out two spaces apart in lines of at most `width` columns, broken
    only between pieces (a piece such as "本期 163" is never split from its value);
    the first line indented `indent` columns, the next ones `hang`.  A piece wider than
    the line gets a line of its own."""
    lines: list[Text] = []
    line = Text(" " * indent)
    filled = False
    for piece in pieces:
        if filled and line.cell_len + 2 + piece.cell_len > width:
            lines.append(line)
            line, filled = Text(" " * hang), False
        if filled:
            line.append("  ")
        line.append_text(piece)
        filled = True
    lines.append(line)
    return lines


def comparison_lines(frame: pl.DataFrame, width: int) -> Group:
    """The same rows for a narrow terminal: each scope a heading, each indicator a
    line ("事故起数  本期 163  上年同期 190  增减 -27  增减幅 -14.21%"), continued on an
    indented line where `width` is too narrow, broken only between values."""
    import polars as pl

    lines: list[Text] = []
    last_scope = None
    for rec in frame.filter(pl.col("note").is_null()).iter_rows(named=True):
        if rec["scope"] != last_scope:
            if last_scope is not None:
                lines.append(Text(""))
            lines.append(_cell(rec["scope"], style="bold"))
        unit = rec["unit"]
        pieces = [
            _cell(rec["indicator"]),
            Text(f"本期 {_number(rec['current'], unit)}"),
            Text(f"上年同期 {_number(rec['previous'], unit)}"),
            Text(f"增减 {_signed(rec['change'], unit)}"),
            Text.assemble("增减幅 ", _percent(rec["change_pct"])),
        ]
        lines.extend(packed(pieces, width))
        last_scope = rec["scope"]
    return Group(*lines)


def comparison_view(frame: pl.DataFrame, width: int) -> RenderableType:
    """`comparison_table` when it fits `width` columns, else `comparison_lines`."""
    table = comparison_table(frame)
    return table if fits(table, width) else comparison_lines(frame, width)


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
    console.print(_cell(title, style="italic"))
    console.print(comparison_view(frame, console.width))
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
            soft_wrap=True,
        )
    if out is not None:
        with writing(out):
            if out.suffix.lower() == ".csv":
                from accountability.report import write_csv

                write_csv(frame, out, labels=HEADERS)
            else:
                write_comparison_excel(frame, out, title)
        console.print(_cell(f"已写出 {out}"), highlight=False, soft_wrap=True)


# --- compare-rules ------------------------------------------------------------------------

EPILOG_RULES = exit_help(
    (EXIT_OK, "已比较，有无不同都是 0 (compared, whether or not anything differs)"),
    (
        EXIT_USAGE,
        "用法错误、数据或规则文件无法读取、数据或规则库不能考核该年度 (usage error, unreadable "
        "data or rule file, a year the data or a rulebook cannot assess)",
    ),
    INTERNAL,
)
#: The fields of a region that `compare-rules` shows, in `compare_assessments` order.
RULES_HEADERS: dict[str, str] = {
    "score": "得分",
    "grade": "等次",
    "vetoed": "一票否决",
    "rank": "排名",
}
_RulesArg = Annotated[str, typer.Argument(help="规则文件 TOML，或 default（内置默认规则库）")]


def _shown(field: str, value: object) -> str:
    """A region's field as people read it: scores with the library's rounding, 是/否."""
    from accountability.wording import number_text

    if field == "score" or isinstance(value, bool):
        return number_text(value)
    return "—" if value is None else str(value)


def _field(rec: dict[str, Any], field: str) -> Text:
    """Both values ("68.48 → 0（−68.48）") when `field` changed, else the one value."""
    from accountability.wording import signed_text

    a, b = _shown(field, rec[f"{field}_a"]), _shown(field, rec[f"{field}_b"])
    if field not in rec["changes"]:
        return _cell(a, style="dim")
    text = _cell(f"{a} → {b}", style="bold yellow")
    change = rec.get("score_change")
    if field == "score" and isinstance(change, float):
        text.append(f"（{signed_text(change)}）")
    return text


def rules_table(diff: pl.DataFrame) -> Table:
    """A `compare_assessments` frame as a table: 区划代码, 名称 and each field, both
    values where it changed; cells never wrapped or cut (`rules_view` picks a layout)."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("区划代码", no_wrap=True)
    table.add_column("名称", no_wrap=True)
    for field, header in RULES_HEADERS.items():
        table.add_column(header, no_wrap=True, justify="right" if field == "score" else "left")
    for rec in diff.iter_rows(named=True):
        table.add_row(
            _cell(rec["region_code"]),
            _cell(rec["name"]),
            *[_field(rec, field) for field in RULES_HEADERS],
        )
    return table


def rules_blocks(diff: pl.DataFrame) -> Group:
    """The same rows for a narrow terminal: one block per region."""
    return Group(
        *[
            field_block(
                Text.assemble(
                    _cell(rec["region_code"], style="bold"), " ", _cell(rec["name"], style="bold")
                ),
                [(header, _field(rec, field)) for field, header in RULES_HEADERS.items()],
            )
            for rec in diff.iter_rows(named=True)
        ]
    )


def rules_view(diff: pl.DataFrame, width: int) -> RenderableType:
    """`rules_table` when it fits `width` columns, else `rules_blocks`."""
    table = rules_table(diff)
    return table if fits(table, width) else rules_blocks(diff)


def _book_lines(tag: str, source: str, book: Rulebook) -> list[Text]:
    """The rulebook's tag and name on one line, its source (`default` or the path,
    whole) and fingerprint on the next: short lines at any width."""
    return [
        Text.assemble((tag, "bold"), "  ", _cell(book.name, style="bold")),
        Text.assemble("   ", _cell(source), f" · 指纹 {book.fingerprint[:12]}", style="dim"),
    ]


@app.command("compare-rules", epilog=EPILOG_RULES)
def compare_rules(
    directory: _DIR,
    rules_a: _RulesArg,
    rules_b: _RulesArg,
    year: _YEAR,
    tolerance: Annotated[
        float | None,
        typer.Option(
            "--tolerance",
            help="得分相差超过此分值才算变化，默认为两位小数 0.01 的一半 (a score change counts "
            "beyond this many points; default: half of the 0.01 two decimals show)",
        ),
    ] = None,
    all_regions: Annotated[
        bool, typer.Option("--all", help="列出全部地区，包括没有变化的 (every region)")
    ] = False,
    as_of: _AS_OF = None,
    allow: _ALLOW = None,
    quiet: QUIET = False,
) -> None:
    """比较两个规则库的考核结果: the regions whose score, grade, veto or rank differ."""
    import polars as pl

    from accountability.assessment import assess
    from accountability.compare import SCORE_TOLERANCE, compare_assessments
    from accountability.rulebook import load_rulebook
    from accountability.tables import load_dataset

    _check_year(year)
    tolerance = SCORE_TOLERANCE if tolerance is None else tolerance
    if not tolerance >= 0 or tolerance == float("inf"):
        fail(f"--tolerance 须为不小于 0 的分值：{tolerance} (--tolerance must be ≥ 0)")
    allowed = tuple(allow or ())
    book_a = load_rulebook(rules_a, allow=allowed)
    book_b = load_rulebook(rules_b, allow=allowed)
    with steps(err_console, quiet=quiet) as progress:
        data = load_dataset(directory, as_of=as_of, progress=progress)
        report_step(progress, "规则库 A", book_a.name)
        result_a = assess(data, book_a, year=year, progress=progress)
        report_step(progress, "规则库 B", book_b.name)
        result_b = assess(data, book_b, year=year, progress=progress)
    diff = compare_assessments(result_a, result_b, tolerance=tolerance, all_regions=all_regions)
    changed = diff.filter(pl.col("changes").list.len() > 0).height
    regions = result_a.regions.height

    console.print(
        _cell(f"{year} 年度考核，两个规则库的结果对比（数据 {directory}）", style="bold"),
        soft_wrap=True,
    )
    for line in [*_book_lines("A", rules_a, book_a), *_book_lines("B", rules_b, book_b)]:
        console.print(line, soft_wrap=True)
    what = f"得分（相差超过 {tolerance:g} 分）、等次、一票否决或排名"
    if diff.height:
        console.print(Text(""))
        console.print(rules_view(diff, console.width))
        console.print(Text(f"{regions} 个地区中 {changed} 个的{what}不同"), soft_wrap=True)
        console.print(Text("一个地区在规则库 B 下的逐项得分：", style="dim"))
        as_of_option = f" --as-of {shlex.quote(as_of)}" if as_of else ""
        console.print(
            _cell(
                f"  accountability explain {shlex.quote(str(directory))} 区划代码 --year {year} "
                f"--rules {shlex.quote(rules_b)}{as_of_option}",
                style="dim",
            ),
            soft_wrap=True,
        )
    else:
        console.print(
            Text(f"{regions} 个地区的得分（容差 {tolerance:g} 分）、等次、一票否决和排名都相同"),
            soft_wrap=True,
        )
    if data.rejected.height:
        rows = data.rejected.select(pl.struct("table", "row").n_unique()).item()
        err_console.print(
            Text.assemble(
                ("注意:", "yellow"),
                f" {rows} 行数据未采用，两次考核都未计入 ",
                _cell(f"(run `accountability validate {directory}`)"),
            ),
            soft_wrap=True,
        )
