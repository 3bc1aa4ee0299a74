"""`accountability validate DIR`: load a dataset folder and report what was kept,
rejected and flagged.

Exit status: 0 when every row was kept, 1 when any row was rejected, 2 when the
folder cannot be read at all (a `DatasetError`, printed as a message).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from accountability.cli.app import app, console, err_console
from accountability.errors import DatasetError

SHOW_ROWS = 50


def _issue_table(title: str, frame: pl.DataFrame, limit: int) -> Table:
    table = Table(title=title, show_lines=False)
    for name, justify in (
        ("table", "left"),
        ("row", "right"),
        ("column", "left"),
        ("rule", "left"),
        ("message", "left"),
        ("value", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for rec in frame.head(limit).iter_rows(named=True):
        value = rec["value"]
        if value is not None and len(value) > 40:
            value = value[:37] + "..."
        table.add_row(
            rec["table"],
            "" if rec["row"] is None else str(rec["row"]),
            rec["column"] or "",
            rec["rule"],
            rec["message"],
            "" if value is None else value,
        )
    return table


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
) -> None:
    """校验数据目录: per-table counts, rejected rows and warnings."""
    from accountability.tables import load_dataset

    try:
        data = load_dataset(directory, as_of=as_of, strict_codes=strict_codes)
    except DatasetError as exc:
        err_console.print(f"[bold red]数据错误 (DatasetError):[/] {exc}", highlight=False)
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

    counts = Table(title=f"数据集 {directory} (as_of {data.as_of.isoformat()})")
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
        console.print(
            _issue_table(
                f"警告 warnings: {data.warnings.height} (showing first "
                f"{min(SHOW_ROWS, data.warnings.height)})",
                data.warnings,
                SHOW_ROWS,
            )
        )
    if data.rejected.height:
        total_rows = sum(rejected_counts.values())
        console.print(
            _issue_table(
                f"拒收 rejected: {data.rejected.height} failed rules in {total_rows} rows "
                f"(showing first {min(SHOW_ROWS, data.rejected.height)})",
                data.rejected,
                SHOW_ROWS,
            )
        )
        raise typer.Exit(1)
    console.print("[green]全部数据行通过校验 (all rows kept)[/]")
