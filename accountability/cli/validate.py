"""`accountability validate DIR`: load a dataset folder and report what was kept,
rejected and flagged.

Exit status: 0 when every row was kept, 1 when any row was rejected, 2 when the
folder cannot be read at all (a `DatasetError`, printed as one line), the `--out` file
cannot be written, or on a bad option; 70 on an internal error.  Values from the data
are printed with their control characters made visible.

Nothing is cut off or broken inside a word, at any width and when piped: the counts
are a table where it fits (one line per table otherwise), and each issue is two lines
(where, then message and value) unless a terminal of `WIDE` columns has room for the
issue table.  `--out FILE.csv` writes every issue, not only the first ones shown, each
value as it was written in the input (a formula is still made inert).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from accountability.cli.app import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    INTERNAL,
    QUIET,
    app,
    blocks_wanted,
    check_writable,
    console,
    err_console,
    exit_help,
    fail,
    indented,
    packed,
    say,
    writing,
)
from accountability.cli.progress import steps
from accountability.terminal import visible

if TYPE_CHECKING:
    import polars as pl

SHOW_ROWS = 50
#: The counts table's headers: table, rows read, kept, rejected, warnings, dates.
COUNT_HEADERS = ("表", "读取", "保留", "拒收", "警告", "日期范围")
# Below this terminal width the issue table would cut messages off: list instead.
WIDE = 120


def issue_headers() -> dict[str, str]:
    """The rejected/warnings columns' headers: the labels every other output gives them."""
    from accountability.report import column_label

    return {
        "kind": "类别",
        **{
            name: column_label(name, "rejected")
            for name in ("table", "source", "row", "column", "rule", "message", "value")
        },
    }


EPILOG = exit_help(
    (EXIT_OK, "全部数据行通过校验 (all rows kept)"),
    (EXIT_FINDINGS, "有未采用的数据行 (rows rejected)"),
    (
        EXIT_USAGE,
        "用法错误、数据目录无法读取、--out 无法写入 (usage error, unreadable folder, "
        "unwritable --out)",
    ),
    INTERNAL,
)


def _cell(text: object, style: str = "") -> Text:
    """A value from the data as one line of plain text: no markup, controls visible."""
    return Text(visible("" if text is None else str(text), single_line=True), style=style)


def _where(rec: dict) -> str:
    parts = [rec["table"] or rec.get("source") or "—"]  # a file not read has no table
    if rec["row"] is not None and rec["row"] > 0:
        parts.append(f"第 {rec['row']} 行")
    if rec["column"]:
        parts.append(rec["column"])
    parts.append(f"[{rec['rule']}]")
    return " · ".join(parts)


def _print_lines(lines: list[Text]) -> None:
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False)


def _print_issues(title: str, frame: pl.DataFrame, limit: int, style: str) -> None:
    shown = frame.head(limit)
    say(Text(title, style=f"bold {style}"))
    if not blocks_wanted(WIDE):
        table = Table(show_lines=False)
        for name, justify in (
            ("table", "left"),
            ("row", "right"),
            ("column", "left"),
            ("rule", "left"),
            ("message", "left"),
            ("value", "left"),
        ):
            table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
        for rec in shown.iter_rows(named=True):
            table.add_row(
                _cell(rec["table"]),
                "" if rec["row"] is None or rec["row"] <= 0 else str(rec["row"]),
                _cell(rec["column"]),
                _cell(rec["rule"]),
                _cell(rec["message"]),
                _cell(_short(rec["value"])),
            )
        console.print(table)
        return
    for rec in shown.iter_rows(named=True):
        _print_lines(indented(_cell(_where(rec), style), indent=0, hang=4))
        value = rec["value"]
        tail = f"；原值 '{_short(value)}'" if value is not None else ""
        _print_lines(indented(_cell(rec["message"] + tail), indent=4))


def _short(value: str | None) -> str:
    """A value cut to 40 characters, its control characters made visible first (so
    that what is counted is what is shown)."""
    if value is None:
        return ""
    value = visible(value, single_line=True)
    return value if len(value) <= 40 else value[:37] + "..."


#: A number as a person writes it (``-1``, ``-0.5``, ``+12``, ``1e-3``): a spreadsheet
#: reads it as that number, never as a formula, so it needs no escaping.
PLAIN_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


def _write_issues(data: object, out: Path) -> None:
    """Every rejected row and warning, headers as every other output labels them.

    Text that a spreadsheet would run as a formula is escaped (`report.csv_frame`);
    a value that is a plain number is written as the input had it (``-1``, not
    ``'-1``).
    """
    import polars as pl

    from accountability.report import csv_frame

    frame = pl.concat(
        [
            data.rejected.select(pl.lit("拒收").alias("kind"), pl.all()),  # type: ignore[attr-defined]
            data.warnings.select(pl.lit("警告").alias("kind"), pl.all()),  # type: ignore[attr-defined]
        ]
    )
    labels = issue_headers()
    written = csv_frame(frame, labels=labels)
    value = labels["value"]
    as_written = frame.get_column("value")
    written = written.with_columns(
        pl.when(as_written.str.contains(PLAIN_NUMBER).fill_null(False))
        .then(as_written)
        .otherwise(pl.col(value))
        .alias(value)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    written.write_csv(out, include_bom=True)


@app.command(epilog=EPILOG)
def validate(
    directory: Annotated[
        Path, typer.Argument(help="数据目录: one <table>.csv/.parquet/.xlsx per table")
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="数据截止日 YYYY-MM-DD (default: today); later event dates are rejected"
        ),
    ] = None,
    strict_codes: Annotated[
        bool,
        typer.Option("--strict-codes", help="reject credit codes whose check character fails"),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="write every rejected row and warning to FILE.csv"),
    ] = None,
    quiet: QUIET = False,
) -> None:
    """校验数据目录: per-table counts, rejected rows and warnings."""
    import polars as pl

    from accountability.tables import load_dataset

    if out is not None:
        if out.suffix.lower() != ".csv":
            fail(f"输出文件须为 .csv：{out} (--out must be a .csv file: {out})")
        check_writable(out)
    # A folder that cannot be read is a DatasetError: one line and exit 2 (GuardedGroup).
    with steps(err_console, quiet=quiet) as progress:
        data = load_dataset(directory, as_of=as_of, strict_codes=strict_codes, progress=progress)

    rejected_per = (
        data.rejected.group_by("table").agg(pl.struct("source", "row").n_unique().alias("n"))
        if data.rejected.height
        else pl.DataFrame({"table": [], "n": []}, schema={"table": pl.String, "n": pl.UInt32})
    )
    rejected_counts = dict(zip(rejected_per["table"], rejected_per["n"], strict=True))
    warning_counts = dict(
        data.warnings.group_by("table").len().iter_rows() if data.warnings.height else []
    )

    title = _cell(f"数据集 {directory} (as_of {data.as_of.isoformat()})")
    _print_lines(indented(title, indent=0, hang=2, cut=False))  # the path kept whole
    rows = [
        (
            name,
            data.rows_read.get(name, 0),
            data.tables[name].height,
            rejected_counts.get(name, 0),
            warning_counts.get(name, 0),
            data.date_span(name),
        )
        for name in sorted(data.tables)
    ]
    counts = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    counts.add_column(COUNT_HEADERS[0], no_wrap=True)
    for header in COUNT_HEADERS[1:5]:
        counts.add_column(header, justify="right", no_wrap=True)
    counts.add_column(COUNT_HEADERS[5], no_wrap=True)  # the main event date's first and last
    for name, *numbers, span in rows:
        counts.add_row(_cell(name), *(str(n) for n in numbers), span)
    unbounded = console.options.update_width(10_000)
    if not blocks_wanted(Measurement.get(console, unbounded, counts).maximum):
        console.print(counts)
    else:  # one line per table, continued under itself
        for name, *numbers, span in rows:
            pieces = [Text(f"{h} {n}") for h, n in zip(COUNT_HEADERS[1:5], numbers, strict=True)]
            heading = Text(visible(name, single_line=True), style="bold")
            _print_lines(packed([heading, *pieces, *([Text(span)] if span else [])]))

    if data.warnings.height:
        _print_issues(
            f"警告 warnings (rows kept): {data.warnings.height}"
            + (f", showing first {SHOW_ROWS}" if data.warnings.height > SHOW_ROWS else ""),
            data.warnings,
            SHOW_ROWS,
            "yellow",
        )
    if data.rejected.height or data.warnings.height:
        console.print(
            "行号 = 表头下的第几行 (表头为第 0 行；跳过的空行也占行号)",
            style="dim",
            highlight=False,
        )
    if out is not None:
        with writing(out):
            _write_issues(data, out)
        say(f"已写出全部拒收和警告记录: {out}")
    if data.rejected.height:
        total_rows = sum(rejected_counts.values())
        _print_issues(
            f"拒收 rejected: {total_rows} rows, {data.rejected.height} failed rules"
            + (f", showing first {SHOW_ROWS}" if data.rejected.height > SHOW_ROWS else ""),
            data.rejected,
            SHOW_ROWS,
            "red",
        )
        if data.rejected.height > SHOW_ROWS and out is None:
            say(f"全部记录: accountability validate {directory} --out 拒收.csv")
        raise typer.Exit(EXIT_FINDINGS)
    console.print(Text("全部数据行通过校验 (all rows kept)", style="green"))
