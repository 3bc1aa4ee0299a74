"""`accountability sensitivity`: how robust the ranking is to the rulebook's choices.

    accountability sensitivity DIR --year Y [--rules F] [--vary FILE] [--n N] [--seed S]
        [--out FILE.csv|FILE.xlsx|FILE.parquet|FILE.html]

Draws N rulebooks around the rule file (default: the built-in rulebook) as the vary
file says (default: section weights ±25 %, grade band edges ±2, points ×[0.5, 1.5];
see `accountability.sensitivity`), scores every region under each, and prints per
peer group (the regions under one parent) each region's rank, its 5–95 % rank
interval over the draws, its modal grade with the share of draws at it, whether that
grade is stable (≥ 95 % of draws) and whether its score is near a band edge; then the
parameters with the largest share of the rank variance.  `--out` writes the regions'
frame.

Exit status: 0 when the analysis ran; 2 on a usage error, an unreadable data folder,
rule file or vary file, a vary file that names an unknown key or a variation its value
does not allow, an unwritable --out, or a year the data cannot be assessed for; 70 on
an internal error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Group
from rich.text import Text

from accountability.cli.app import (
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
from accountability.cli.assess import _ALLOW, _AS_OF, _DIR, _RULES, _YEAR, _check_year
from accountability.cli.progress import steps
from accountability.errors import RulebookError
from accountability.terminal import visible

if TYPE_CHECKING:
    from accountability.sensitivity import SensitivityResult

EPILOG = exit_help(
    (EXIT_OK, "已完成分析 (the analysis ran)"),
    (
        EXIT_USAGE,
        "用法错误、数据或规则文件或抽样设置文件无法读取、抽样设置有误、--out 无法写入、数据不能"
        "考核该年度 (usage error, unreadable data, rule or vary file, a bad vary file, "
        "unwritable --out, a year the data cannot be assessed for)",
    ),
    INTERNAL,
)
OUT_KINDS = (".csv", ".xlsx", ".parquet", ".html")
HEADERS = ("名次", "名称", "5–95% 名次", "中位", "众数等次", "稳定", "临界")
TOP_PARAMETERS = 8


def _cell(text: object, style: str = "") -> Text:
    """A value as one line of plain text: no markup, control characters visible."""
    return Text(visible("" if text is None else str(text), single_line=True), style=style)


def _rows(result: SensitivityResult) -> list[tuple[str, list[dict[str, Any]]]]:
    """The regions per peer group (upper levels first), each group by point rank
    (unranked last), as (the group's title, rows)."""
    from accountability.peers import peer_groups

    return [(title, part.to_dicts()) for title, part in peer_groups(result.regions)]


def _interval(row: dict[str, Any]) -> str:
    lo, hi = row["rank_p05"], row["rank_p95"]
    if lo is None:
        return "—"
    return str(lo) if lo == hi else f"{lo}–{hi}"


def _median(row: dict[str, Any]) -> str:
    value = row["median_rank"]
    if value is None:
        return "—"
    return f"{value:g}"


def _modal(row: dict[str, Any]) -> str:
    if row["modal_grade"] is None:
        return "—"
    return f"{row['modal_grade']} {row['modal_share'] * 100:.0f}%"


def _cells(row: dict[str, Any]) -> list[Text]:
    stable, near = row["grade_stable"], row["near_threshold"]
    return [
        _cell("—" if row["rank"] is None else row["rank"]),
        _cell(row["name"]),
        _cell(_interval(row)),
        _cell(_median(row)),
        _cell(_modal(row), style="" if stable else "yellow"),
        _cell("是" if stable else "否", style="" if stable else "yellow"),
        _cell("是" if near else "否", style="yellow" if near else ""),
    ]


def ranking_view(result: SensitivityResult) -> Any:
    """The peer groups as one table under their titles when it fits the width (80
    columns when piped), else one block per region."""
    from accountability.grouped_table import GroupedTable

    sides = ("right", "left", "center", "right", "left", "center", "center")
    table = GroupedTable(
        columns=tuple(zip(HEADERS, sides, strict=True)),  # type: ignore[arg-type]
        groups=tuple(
            (title, tuple(tuple(_cells(row)) for row in rows)) for title, rows in _rows(result)
        ),
        heading=(0, 1),
    )
    if blocks_wanted(table.width(console)):
        return Group(*table.blocks())
    return table


def _heading(result: SensitivityResult, rules_name: str) -> list[Text]:
    """What was drawn and how it was scored, broken to the console's width."""
    path = (
        f"快速路径（{'、'.join(result.rerun_rules)} 每次抽样重新计算）"
        if result.fast_path and result.rerun_rules
        else "快速路径"
        if result.fast_path
        else "每次抽样重新运行 assess"
    )
    title = Text(
        f"{result.year} 年度目标管理考核排名的稳健性：抽样 {result.n} 次（种子 {result.seed}），"
        f"规则集 {visible(rules_name, single_line=True)} {result.rules.fingerprint[:12]}，{path}",
        style="bold",
    )
    # the keys varied the same way together: "×[0.5, 1.5]：annual.b1_points、…"
    ways: dict[str, list[str]] = {}
    for v in result.vary:
        ways.setdefault(v.text(), []).append(v.key)
    parts = [f"{'、'.join(keys)} {way}" for way, keys in ways.items()]
    varied = Text("变化：" + ("；".join(parts) if parts else "无（每次抽样都是规则库本身）"))
    return [*indented(title, indent=0, hang=2), *indented(varied, indent=0, hang=2)]


def _parameters(result: SensitivityResult) -> list[Text]:
    top = result.parameters.head(TOP_PARAMETERS)
    if top.height == 0:
        return []
    lines = [
        Text(
            f"对名次方差贡献最大的参数（一阶指数，分 10 组；{result.n} 次抽样的噪声约 "
            f"{9 / max(result.n - 1, 1):.0%}）：",
            style="bold",
        )
    ]
    pieces = [
        Text(f"{row['component']} {row['variance_share']:.0%}") for row in top.iter_rows(named=True)
    ]
    lines.extend(packed(pieces, indent=2, hang=2, sep=" · "))
    return lines


def _write(result: SensitivityResult, out: Path, data: Any = None) -> Path:
    """The regions' rank intervals as a table, or (FILE.html) the assessment's HTML
    report with its 名次稳健性 part."""
    with writing(out):
        suffix = out.suffix.lower()
        if suffix == ".html":
            from accountability.assessment import assess
            from accountability.html_report import write_html

            assessment = assess(data, result.rules, year=result.year)
            write_html(assessment, out, sensitivity=result)
        elif suffix == ".csv":
            result.regions.write_csv(out, include_bom=True)
        elif suffix == ".xlsx":
            result.regions.write_excel(out, worksheet="稳健性")
        else:
            result.regions.write_parquet(out)
    return out


@app.command(epilog=EPILOG)
def sensitivity(
    directory: _DIR,
    year: _YEAR,
    rules: _RULES = None,
    vary: Annotated[
        Path | None,
        typer.Option(
            "--vary",
            help="抽样设置 TOML：每个规则库参数键下写 factor、shift、range 或 choices "
            "(default: section weights ×[0.75, 1.25], band edges ±2, points ×[0.5, 1.5])",
        ),
    ] = None,
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="抽样次数 (draws)")] = 500,
    seed: Annotated[int, typer.Option("--seed", help="随机种子 (same seed, same result)")] = 0,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="地区结果: FILE.csv, FILE.xlsx or FILE.parquet; FILE.html: the HTML report "
            "with a rank-interval chart (名次稳健性)",
        ),
    ] = None,
    as_of: _AS_OF = None,
    allow: _ALLOW = None,
    quiet: QUIET = False,
) -> None:
    """规则敏感性: rank intervals and grade stability over rulebooks drawn around the rules."""
    from accountability.rulebook import load_rulebook, rulebook
    from accountability.sensitivity import check_vary, read_vary
    from accountability.sensitivity import sensitivity as run

    _check_year(year)
    if out is not None:
        if out.suffix.lower() not in OUT_KINDS:
            fail(
                f"不支持的输出文件类型 {out.suffix!r}: --out 应为 .csv、.xlsx、.parquet 或 .html "
                f"文件 (unsupported output {str(out)!r}: use FILE.csv, FILE.xlsx, FILE.parquet "
                "or FILE.html)"
            )
        check_writable(out)
    book = load_rulebook(rules, allow=tuple(allow or ())) if rules is not None else rulebook()
    try:
        entries = read_vary(vary) if vary is not None else None
        if entries is not None:
            check_vary(entries, book, year)
    except RulebookError as exc:
        fail(f"抽样设置错误 (vary file)：{exc.problems[0] if exc.problems else exc}")
    from accountability.tables import load_dataset

    with steps(err_console, quiet=quiet) as progress:
        data = load_dataset(directory, as_of=as_of, progress=progress)
        try:
            result = run(data, book, year=year, vary=entries, n=n, seed=seed, progress=progress)
        except RulebookError as exc:
            fail(f"抽样设置错误 (vary)：{exc.problems[0] if exc.problems else exc}")
    for line in _heading(result, book.name):
        console.print(line, soft_wrap=True, highlight=False)
    for note in result.notes:
        for line in indented(_cell(f"注意：{note}", style="yellow"), indent=0, hang=2):
            console.print(line, soft_wrap=True, highlight=False)
    console.print(ranking_view(result))
    for line in _parameters(result):
        console.print(line, soft_wrap=True, highlight=False)
    if out is not None:
        say(f"结果已写入 {_write(result, out, data)}")


__all__ = ["ranking_view", "sensitivity"]
