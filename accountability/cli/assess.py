"""`accountability assess`, `accountability explain` and `accountability demo`.

    accountability assess DIR --year 2024 [--rules city.toml] [--out FILE.xlsx|.csv|.md|DIR]
    accountability explain DIR 430981 --year 2024 [--type region]
    accountability demo

Exit status: 0 on success; 1 when `explain` finds no such subject; 2 when the data
or the rule file cannot be read (a `DatasetError` or `RulebookError`, printed as a
message, never a traceback) or the output cannot be written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import polars as pl
import typer
from rich.text import Text

from accountability.cli.app import app, console, err_console
from accountability.codes import SUBJECT_TYPES
from accountability.errors import DatasetError, RulebookError

if TYPE_CHECKING:
    from accountability.assessment import Assessment

DEMO_YEAR = 2024


def _fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(Text(message, style="bold red"))
    raise typer.Exit(code)


def _error_message(exc: Exception) -> str:
    kind = (
        "规则文件错误 (RulebookError)"
        if isinstance(exc, RulebookError)
        else "数据错误 (DatasetError)"
    )
    return f"{kind}: {exc}"


def _output_kind(out: Path) -> str:
    """xlsx, csv, md or parquet (a directory, or a path without a suffix)."""
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix == ".md":
        return "md"
    if suffix == ".csv":
        return "csv"
    if suffix == "" or out.is_dir():
        return "parquet"
    _fail(
        f"不支持的输出文件类型 {out.suffix!r}: --out 应为 .xlsx、.csv、.md 文件或一个目录 "
        f"(unsupported output {str(out)!r}: use FILE.xlsx, FILE.csv, FILE.md or a directory)"
    )


def _run(directory: Path, *, year: int, rules: Path | None, as_of: str | None) -> Assessment:
    """Load the rule file and the dataset and assess; data/rule errors exit 2."""
    from accountability.assessment import assess
    from accountability.rulebook import load_rulebook, rulebook
    from accountability.tables import load_dataset

    try:
        book = load_rulebook(rules) if rules is not None else rulebook()
        data = load_dataset(directory, as_of=as_of)
        result = assess(data, book, year=year)
    except (DatasetError, RulebookError) as exc:
        _fail(_error_message(exc))
    if data.rejected.height:
        rows = data.rejected.select(pl.struct("table", "row").n_unique()).item()
        err_console.print(
            Text(
                f"注意: {rows} 行数据未采用 ({data.rejected.height} 条校验失败)，"
                f"见结果的“未采用数据”或运行 `accountability validate {directory}`",
                style="yellow",
            )
        )
    return result


def _write(result: Assessment, out: Path, kind: str) -> Path:
    from accountability import report

    try:
        if kind == "xlsx":
            return report.write_excel(result, out)
        if kind == "md":
            return report.write_markdown(result, out)
        if kind == "csv":
            labels = {c: report.column_label(c, "regions") for c in result.regions.columns}
            return report.write_csv(result.regions, out, labels=labels)
        return report.write_parquet(result, out)
    except OSError as exc:
        _fail(f"无法写入 {out}: {exc}")


def _explain(result: Assessment, subject: str, subject_type: str | None) -> str:
    try:
        return result.explain(subject, subject_type, width=console.width)
    except (KeyError, ValueError, LookupError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        _fail(f"无法说明 {subject!r}: {message}", code=1)


_YEAR = Annotated[int, typer.Option("--year", "-y", help="考核年度, e.g. 2024")]
_RULES = Annotated[
    Path | None,
    typer.Option("--rules", "-r", help="规则文件 TOML (default: the built-in rulebook)"),
]
_AS_OF = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="数据截止日 YYYY-MM-DD (default: today); later event dates are rejected"
    ),
]
_DIR = Annotated[Path, typer.Argument(help="数据目录: one <table>.csv/.parquet/.xlsx per table")]


@app.command()
def assess(
    directory: _DIR,
    year: _YEAR,
    rules: _RULES = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="结果: FILE.xlsx (Excel), FILE.csv (regions only) or a directory (parquet)",
        ),
    ] = None,
    as_of: _AS_OF = None,
) -> None:
    """年度目标管理考核: print the ranking and write the result."""
    kind = _output_kind(out) if out is not None else None
    result = _run(directory, year=year, rules=rules, as_of=as_of)
    from accountability.report import format_ranking

    console.print(format_ranking(result))
    if out is not None and kind is not None:
        written = _write(result, out, kind)
        console.print(Text(f"结果已写入 {written}"))


@app.command()
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
) -> None:
    """说明一个对象的得分: every line item with its rule, basis and evidence."""
    if subject_type is not None and subject_type not in SUBJECT_TYPES:
        _fail(f"未知的对象类型 {subject_type!r} (use one of: {', '.join(SUBJECT_TYPES)})")
    result = _run(directory, year=year, rules=rules, as_of=as_of)
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
        .collect()
    )
    return ranked["region_code"][0] if ranked.height else None


@app.command()
def demo() -> None:
    """运行内置示例 (益阳市 2024): ranking and one county's explanation."""
    path = fixture_path()
    if not (path / "regions.csv").exists() and not any(path.glob("regions.*")):
        _fail(
            f"找不到内置示例数据 {path} (the bundled fixture is not installed: run from a "
            "source checkout, `pip install -e .`, or `python fixtures/generate.py`)"
        )
    result = _run(path, year=DEMO_YEAR, rules=None, as_of=None)
    from accountability.report import format_ranking

    console.print(format_ranking(result))
    county = most_deducted_county(result)
    if county is not None:
        console.rule(Text(f"扣分最多的县级地区 {county}"))
        console.print(Text(_explain(result, county, "region")))
    console.print(
        Text(
            f"\n完整结果: accountability assess {path} --year {DEMO_YEAR} --out result.xlsx",
            style="dim",
        )
    )
