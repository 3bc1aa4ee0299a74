"""`accountability validate DIR`: load a dataset folder and report what was kept,
rejected and flagged.

Exit status: 0 when every row was kept, 1 when any row was rejected, 2 when the
folder cannot be read at all (a `DatasetError`, printed as a message) or on a bad
option.  In a terminal narrower than 120 columns each issue is printed as two
lines (where, then message and value) so that nothing is cut off; wider
terminals get a table.  `--out FILE.csv` writes every issue, not only the first
ones shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from accountability.cli.app import app, console, err_console
from accountability.errors import DatasetError
from accountability.report import column_label

SHOW_ROWS = 50
# Below this terminal width the issue table would cut messages off: list instead.
WIDE = 120
# The rejected/warnings columns take the labels every other output gives them.
ISSUE_HEADERS: dict[str, str] = {
    "kind": "类别",
    **{name: column_label(name) for name in ("table", "row", "column", "rule", "message", "value")},
}


def _where(rec: dict) -> str:
    parts = [rec["table"]]
    if rec["row"] is not None and rec["row"] > 0:
        parts.append(f"第 {rec['row']} 行")
    if rec["column"]:
        parts.append(rec["column"])
    parts.append(f"[{rec['rule']}]")
    return " · ".join(parts)


def _print_issues(title: str, frame: pl.DataFrame, limit: int, style: str) -> None:
    shown = frame.head(limit)
    console.print(f"[bold {style}]{escape(title)}[/]", highlight=False)
    if console.width >= WIDE:
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
                escape(rec["table"]),
                "" if rec["row"] is None or rec["row"] <= 0 else str(rec["row"]),
                escape(rec["column"] or ""),
                escape(rec["rule"]),
                escape(rec["message"]),
                escape(_short(rec["value"])),
            )
        console.print(table)
        return
    for rec in shown.iter_rows(named=True):
        console.print(escape(_where(rec)), style=style, highlight=False)
        value = rec["value"]
        tail = f"；原值 {_short(value)!r}" if value is not None else ""
        console.print(
            Padding(Text(rec["message"] + tail), (0, 0, 0, 4), expand=False), highlight=False
        )


def _short(value: str | None) -> str:
    if value is None:
        return ""
    return value if len(value) <= 40 else value[:37] + "..."


def _write_issues(data: object, out: Path) -> None:
    from accountability.report import write_csv

    frames = [
        data.rejected.select(pl.lit("拒收").alias("kind"), pl.all()),  # type: ignore[attr-defined]
        data.warnings.select(pl.lit("警告").alias("kind"), pl.all()),  # type: ignore[attr-defined]
    ]
    write_csv(pl.concat(frames), out, labels=ISSUE_HEADERS)


@app.command()
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
) -> None:
    """校验数据目录: per-table counts, rejected rows and warnings."""
    from accountability.tables import load_dataset

    if out is not None and out.suffix.lower() != ".csv":
        err_console.print(f"[bold red]输出文件须为 .csv:[/] {escape(str(out))}", highlight=False)
        raise typer.Exit(2)
    try:
        data = load_dataset(directory, as_of=as_of, strict_codes=strict_codes)
    except DatasetError as exc:
        err_console.print(
            f"[bold red]数据错误 (DatasetError):[/] {escape(str(exc))}", highlight=False
        )
        raise typer.Exit(2) from None

    rejected_per = (
        data.rejected.group_by("table").agg(pl.col("row").n_unique().alias("n"))
        if data.rejected.height
        else pl.DataFrame({"table": [], "n": []}, schema={"table": pl.String, "n": pl.UInt32})
    )
    rejected_counts = dict(zip(rejected_per["table"], rejected_per["n"], strict=True))
    warning_counts = dict(
        data.warnings.group_by("table").len().iter_rows() if data.warnings.height else []
    )

    counts = Table(
        title=escape(f"数据集 {directory} (as_of {data.as_of.isoformat()})"), title_justify="left"
    )
    for name in ("表 table", "读取 read", "保留 kept", "拒收 rejected", "警告 warnings"):
        counts.add_column(name, justify="left" if name.startswith("表") else "right")
    for name in sorted(data.tables):
        counts.add_row(
            name,
            str(data.rows_read.get(name, 0)),
            str(data.tables[name].height),
            str(rejected_counts.get(name, 0)),
            str(warning_counts.get(name, 0)),
        )
    console.print(counts)

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
        _write_issues(data, out)
        console.print(f"已写出全部拒收和警告记录: {escape(str(out))}", highlight=False)
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
            console.print(
                f"全部记录: accountability validate {escape(str(directory))} --out 拒收.csv",
                highlight=False,
            )
        raise typer.Exit(1)
    console.print("[green]全部数据行通过校验 (all rows kept)[/]")
