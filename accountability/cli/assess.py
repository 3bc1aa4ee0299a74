"""`accountability assess`, `accountability explain` and `accountability demo`.

    accountability assess DIR --year 2024 [--rules city.toml]
        [--out FILE.xlsx|FILE.html|FILE.csv|FILE.md|DIR [--format parquet|csv]]
    accountability explain DIR 430981 --year 2024 [--type region]
    accountability demo

Exit status (see `accountability.cli.app`): 0 when the results are produced, even
with rejected rows; 2 on a usage error, when the data or the rule file cannot be read
(a `DatasetError` or `RulebookError`, printed as one line, never a traceback), when
the output cannot be written, when `explain` finds no such subject, and for a year
the data cannot be assessed for; 70 on an internal error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
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
    say,
    writing,
)
from accountability.cli.progress import steps
from accountability.engine import ENGINE
from accountability.progress import Progress, report_step
from accountability.subjects import SUBJECT_TYPES
from accountability.terminal import visible

if TYPE_CHECKING:
    from accountability.assessment import Assessment

DEMO_YEAR = 2024

EPILOG_ASSESS = exit_help(
    (EXIT_OK, "结果已产出，含有未采用的数据行时也是 0 (results produced, even with rejected rows)"),
    (
        EXIT_USAGE,
        "用法错误、数据或规则文件无法读取、--out 无法写入、数据不能考核该年度 (usage error, "
        "unreadable data or rule file, unwritable --out, a year the data cannot be assessed for)",
    ),
    INTERNAL,
)
EPILOG_EXPLAIN = exit_help(
    (EXIT_OK, "已说明 (explained)"),
    (
        EXIT_USAGE,
        "用法错误、数据或规则文件无法读取、没有这个对象、数据不能考核该年度 (usage error, "
        "unreadable input, unknown subject, a year the data cannot be assessed for)",
    ),
    INTERNAL,
)
EPILOG_DEMO = exit_help(
    (EXIT_OK, "示例已运行 (the demo ran)"),
    (EXIT_USAGE, "找不到内置示例数据 (the bundled fixture is missing)"),
    INTERNAL,
)


OUT_HELP = (
    "结果: FILE.xlsx (Excel 工作簿), FILE.html (HTML 报告，单个文件), FILE.csv (地区考核), "
    "FILE.md (Markdown) or a directory DIR (every table: Parquet, or CSV with --format csv)"
)
FILE_KINDS = {".xlsx": "xlsx", ".html": "html", ".htm": "html", ".md": "md", ".csv": "csv"}
DIRECTORY_FORMATS = ("parquet", "csv")


def _output_kind(out: Path, directory_format: str | None) -> str:
    """xlsx, html, csv, md, or a directory: parquet (the default) or csv-dir."""
    suffix = out.suffix.lower()
    if directory_format is not None and directory_format not in DIRECTORY_FORMATS:
        fail(
            f"未知的 --format {directory_format!r}，可用 parquet、csv "
            f"(unknown --format {directory_format!r}: use parquet or csv)"
        )
    if suffix in FILE_KINDS:
        if directory_format is not None:
            fail(
                f"--format 只用于输出目录；{out.name} 已由后缀决定格式 "
                f"(--format applies to an output directory; {out.name!r} has its own suffix)"
            )
        return FILE_KINDS[suffix]
    if suffix == "" or out.is_dir():
        return "csv-dir" if directory_format == "csv" else "parquet"
    fail(
        f"不支持的输出文件类型 {out.suffix!r}: --out 应为 .xlsx、.html、.csv、.md 文件或一个目录 "
        f"(unsupported output {str(out)!r}: use FILE.xlsx, FILE.html, FILE.csv, FILE.md or "
        "a directory)"
    )


def _check_year(year: int) -> None:
    """A year the library cannot assess (`accountability.arguments.as_year`) is exit 2."""
    from accountability.arguments import as_year

    try:
        as_year(year)
    except (TypeError, ValueError) as exc:
        fail(str(exc))


def _run(
    directory: Path,
    *,
    year: int,
    rules: Path | None,
    as_of: str | None,
    allow: list[Path] | None = None,
    progress: Progress | None = None,
) -> Assessment:
    """Load the rule file and the dataset and assess; a data or rule-file error is one
    line and exit 2 (`accountability.cli.app.GuardedGroup`).  `progress` is told each
    step (`accountability.cli.progress`)."""
    import polars as pl

    from accountability.assessment import assess
    from accountability.rulebook import load_rulebook, rulebook
    from accountability.tables import load_dataset

    _check_year(year)
    book = load_rulebook(rules, allow=tuple(allow or ())) if rules is not None else rulebook()
    data = load_dataset(directory, as_of=as_of, progress=progress)
    result = assess(data, book, year=year, progress=progress)
    if data.rejected.height:
        rows = data.rejected.select(pl.struct("table", "row").n_unique()).item()
        err_console.print(
            Text(
                f"注意: {rows} 行数据未采用 ({data.rejected.height} 条校验失败)，"
                f"见结果的“未采用数据”或运行 `accountability validate {visible(str(directory))}`",
                style="yellow",
            )
        )
    return result


def _write(result: Assessment, out: Path, kind: str) -> Path:
    from accountability import report

    with writing(out):
        if kind == "xlsx":
            written = report.write_excel(result, out)
        elif kind == "html":
            from accountability.html_report import write_html

            written = write_html(result, out)
        elif kind == "md":
            written = report.write_markdown(result, out)
        elif kind == "csv":
            written = report.write_csv_table(result, out)
        elif kind == "csv-dir":
            written = report.write_csv_tables(result, out)
        else:
            written = report.write_parquet(result, out)
    return written


def _explain(result: Assessment, subject: str, subject_type: str | None) -> str:
    """The explanation, control characters visible; no such subject is exit 2."""
    try:
        text = result.explain(subject, subject_type, width=console.width)
    except LookupError as exc:  # KeyError too
        message = exc.args[0] if exc.args else str(exc)
        fail(f"无法说明 {subject!r}：{message} (cannot explain {subject!r}: no such subject)")
    return visible(text)


_YEAR = Annotated[int, typer.Option("--year", "-y", help="考核年度, e.g. 2024")]
_RULES = Annotated[
    Path | None,
    typer.Option("--rules", "-r", help="规则文件 TOML (default: the built-in rulebook)"),
]
_ALLOW = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow",
        metavar="<path>",
        help="规则文件 extends 可另外指向的目录或文件（可多次给出）; extends may also name"
        " files in this folder (or this file): a province's file beside the city's folder",
    ),
]
_AS_OF = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="数据截止日 YYYY-MM-DD (default: today); later event dates are rejected"
    ),
]
_DIR = Annotated[Path, typer.Argument(help="数据目录: one <table>.csv/.parquet/.xlsx per table")]


@app.command(epilog=EPILOG_ASSESS)
def assess(
    directory: _DIR,
    year: _YEAR,
    rules: _RULES = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help=OUT_HELP,
        ),
    ] = None,
    directory_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="parquet|csv",
            help="输出目录的格式: parquet (default) or csv — every table as a file",
        ),
    ] = None,
    as_of: _AS_OF = None,
    allow: _ALLOW = None,
    quiet: QUIET = False,
) -> None:
    """年度目标管理考核: print the ranking and write the result."""
    if out is None and directory_format is not None:
        fail("--format 需要与 --out DIR 一起使用 (--format needs --out DIR)")
    kind = _output_kind(out, directory_format) if out is not None else None
    if out is not None:
        check_writable(out, folder=kind in ("parquet", "csv-dir"))
    written = None
    with steps(err_console, quiet=quiet) as progress:
        result = _run(
            directory, year=year, rules=rules, as_of=as_of, allow=allow, progress=progress
        )
        if out is not None and kind is not None:
            report_step(progress, "写入", out.name)
            written = _write(result, out, kind)
    from accountability.report import format_ranking, format_units

    console.print(format_ranking(result))
    units = format_units(result)
    if units is not None:
        console.print(units)
    if written is not None:
        say(f"结果已写入 {written}")


@app.command(epilog=EPILOG_EXPLAIN)
def explain(
    directory: _DIR,
    subject: Annotated[
        str, typer.Argument(help="对象编号: 区划代码, 统一社会信用代码, 干部编号, 案件编号…")
    ],
    year: _YEAR,
    subject_type: Annotated[
        str | None,
        typer.Option("--type", "-t", help=f"对象类型 where ids clash: {', '.join(SUBJECT_TYPES)}"),
    ] = None,
    rules: _RULES = None,
    as_of: _AS_OF = None,
    allow: _ALLOW = None,
    quiet: QUIET = False,
) -> None:
    """说明一个对象的得分: every line item with its rule, basis and evidence."""
    if subject_type is not None and subject_type not in SUBJECT_TYPES:
        fail(
            f"未知的对象类型 {subject_type!r}，可用 {', '.join(SUBJECT_TYPES)} "
            f"(unknown subject type {subject_type!r}: use one of {', '.join(SUBJECT_TYPES)})"
        )
    with steps(err_console, quiet=quiet) as progress:
        result = _run(
            directory, year=year, rules=rules, as_of=as_of, allow=allow, progress=progress
        )
    console.print(Text(_explain(result, subject, subject_type)))


def fixture_path() -> Path:
    """Where the bundled Yiyang fixture lives: inside an installed wheel
    (`accountability/_fixtures/`), else beside the package in a source checkout."""
    import accountability

    package = Path(accountability.__file__).resolve().parent
    installed = package / "_fixtures" / "yiyang-2024"
    if installed.is_dir():
        return installed
    return package.parent / "fixtures" / "yiyang-2024"


def most_deducted_county(result: Assessment) -> str | None:
    """The 县-level region whose line items take off the most points (ties: lowest code);
    any region when there is no county."""
    import polars as pl

    regions = result.regions
    items = (
        result.line_items.lazy()
        .filter(pl.col("subject_type") == "region")
        .group_by("subject_id")
        .agg(pl.col("points").sum().alias("net"))
    )
    candidates = regions.lazy().select(
        pl.col("region_code"), (pl.col("level").cast(pl.String) == "县").alias("county")
    )
    ranked = (
        candidates.join(items, left_on="region_code", right_on="subject_id", how="inner")
        .sort(["county", "net", "region_code"], descending=[True, False, False])
        .collect(engine=ENGINE)
    )
    return ranked["region_code"][0] if ranked.height else None


@app.command(epilog=EPILOG_DEMO)
def demo(quiet: QUIET = False) -> None:
    """运行内置示例 (益阳市 2024): ranking and one county's explanation."""
    path = fixture_path()
    if not (path / "regions.csv").exists() and not any(path.glob("regions.*")):
        fail(
            f"找不到内置示例数据 {path} (the bundled fixture is not installed: run from a "
            "source checkout, `pip install -e .`, or `python fixtures/generate.py`)"
        )
    with steps(err_console, quiet=quiet) as progress:
        result = _run(path, year=DEMO_YEAR, rules=None, as_of=None, progress=progress)
    from accountability.report import format_ranking

    console.print(format_ranking(result))
    county = most_deducted_county(result)
    if county is not None:
        console.rule(Text(f"扣分最多的县级地区 {visible(county, single_line=True)}"))
        console.print(Text(_explain(result, county, "region")))
    console.print()
    say(
        f"完整结果: accountability assess {path} --year {DEMO_YEAR} --out result.xlsx"
        "（或 report.html）",
        style="dim",
    )
