"""Reference pages of the documentation site, generated from the code at build time.

A sibling of `gen_rulebook.py`, used the same two ways:

- as a mkdocs hook (`hooks: [docs/gen_reference.py]` in mkdocs.yml):
  * `tables.md` (输入数据) is generated in memory from `accountability.columns.TABLES`:
    every input table with its columns, dtype, Chinese label, required/optional,
    key, defaults and aliases;
  * in the hand-written pages, markers are replaced by generated Markdown:
    ``<!-- gen:frame NAME -->`` → the columns of the Assessment frame NAME (dtype and
    Chinese header, from an assessment run on an empty dataset, so the list is the
    code's own); ``<!-- gen:line-items -->`` → the line-item schema;
    ``<!-- gen:rule-ids -->`` → the rule ids the scorers emit on the bundled fixture;
    ``<!-- gen:sheets -->`` → the Excel workbook's sheets in order, with the rows the
    fixture's assessment gives each;
    ``<!-- gen:cli -->`` → every command's arguments and options, read from the
    Typer app;
- as a script: `python docs/gen_reference.py OUTDIR` writes `tables.md`.

Pure Python: no template engine, no network.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import sys
from pathlib import Path
from typing import Any

import polars as pl
from generated_pages import add_generated, cell, write_pages

from accountability.columns import TABLES, TableSpec
from accountability.report import SHEETS, column_label
from accountability.wording import SCORER_LABELS

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "yiyang-2024"
MARKER = re.compile(r"<!--\s*gen:([a-z-]+)(?:\s+([A-Za-z_]+))?\s*-->")

_cell = cell


def dtype_text(dtype: pl.DataType) -> str:
    """A dtype as a reader wants it: the categories of an enum spelled out."""
    if isinstance(dtype, pl.Enum):
        return "枚举：" + "、".join(str(c) for c in dtype.categories)
    if isinstance(dtype, pl.List):
        return f"列表（{dtype_text(dtype.inner)}）"
    return {
        "String": "文本",
        "Int32": "整数 (Int32)",
        "Int64": "整数 (Int64)",
        "Float64": "数值 (Float64)",
        "Boolean": "是/否",
        "Date": "日期",
    }.get(str(dtype), str(dtype))


# -- 输入数据 ----------------------------------------------------------------------


def table_section(spec: TableSpec) -> str:
    key = "、".join(f"`{k}`" for k in spec.key) if spec.key else "无（各行累加）"
    lines = [
        f"## `{spec.name}` — {spec.label} {{#{spec.name}}}",
        "",
        f"文件名 `{spec.name}.csv`（或 `.parquet`、`.xlsx`）。主键：{key}。"
        + ("本表可以不提供。" if spec.optional_table else ""),
        "",
        "| 列 | 中文表头 | 类型 | 必需 | 说明 | 其他表头 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for col in spec.columns:
        notes = []
        if col.name in spec.key:
            notes.append("主键")
        if col.nullable:
            notes.append("可为空")
        if not col.required and col.default is not None:
            notes.append(f"缺省为 {_default_text(col.default)}")
        if col.non_negative:
            notes.append("不得为负")
        if col.event_date:
            notes.append("不得晚于数据截止日")
        aliases = "、".join(col.aliases)
        lines.append(
            f"| `{col.name}` | {_cell(col.label)} | {_cell(dtype_text(col.dtype))} "
            f"| {'必需' if col.required else '可选'} | {_cell('；'.join(notes))} "
            f"| {_cell(aliases)} |"
        )
    return "\n".join(lines)


def _default_text(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def tables_page() -> str:
    """The 输入数据 page: every input table of `TABLES`."""
    lines = [
        "# 输入数据",
        "",
        "一个数据集是一个文件夹，每张表一个文件：`<表名>.csv`、`.parquet` 或 `.xlsx`；"
        "也可以把同样的表作为 polars DataFrame 传入 `Dataset.from_frames`。"
        "表头可以用英文列名、中文表头或下表所列的其他表头；CSV 可以是 UTF-8（带或不带 BOM）"
        "或 GBK/GB18030。",
        "",
        "- 地区用 6 位 GB/T 2260 行政区划代码，企业用 18 位统一社会信用代码（GB 32100-2015，"
        "校验位不符的行保留并列入 `warnings`）；",
        "- 是/否 列接受 `是`/`否`、`true`/`false`、`1`/`0`；日期接受 `2024-03-01`、"
        "`2024/03/01`、`20240301` 和 Excel 日期；",
        "- `officials.portfolio`（分管行业领域）在 CSV 单元格中以 `;` 分隔；"
        "根地区的 `parent_code` 为空；",
        "- 每一行要么被采用，要么列入 `rejected`（表、行号、列、规则、提示、原值）；"
        "主键重复时保留先出现的行；",
        "- 不提供某张表时，需要它的考核内容记为未考核（`unassessed_sections`），"
        "完全离不开它的功能会报错并指明表名。",
        "",
        "本页由 `accountability/columns.py` 的 `TABLES` 在构建时生成。",
        "",
        "| 表 | 名称 | 主键 | 列数 |",
        "| --- | --- | --- | --- |",
    ]
    for spec in TABLES.values():
        key = "、".join(spec.key) if spec.key else "—"
        lines.append(
            f"| [`{spec.name}`](#{spec.name}) | {_cell(spec.label)} "
            f"| {_cell(key)} | {len(spec.columns)} |"
        )
    lines.append("")
    for spec in TABLES.values():
        lines += ["", table_section(spec), ""]
    return "\n".join(lines).rstrip() + "\n"


# -- 结果与解释 --------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def empty_assessment() -> Any:
    """An assessment of a one-region dataset: every frame, with the code's own columns."""
    from accountability.assessment import assess
    from accountability.dataset import Dataset

    regions = pl.DataFrame(
        {"region_code": ["430900"], "name": ["益阳市"], "parent_code": [None], "level": ["市"]},
        schema=TABLES["regions"].dtypes,
    )
    return assess(Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1)), year=2024)


@functools.lru_cache(maxsize=1)
def fixture_assessment() -> Any:
    """The 2024 assessment of the bundled fixture, or None when it is not there."""
    import accountability as acc

    if not FIXTURE.is_dir():
        return None
    return acc.assess(acc.load_dataset(FIXTURE, as_of="2025-01-15"), year=2024)


def frame_columns(name: str) -> str:
    """The columns of `Assessment.<name>` as a Markdown table (dtypes as the fixture's
    assessment gives them; an assessment of an empty dataset where it is missing)."""
    frame: pl.DataFrame = getattr(fixture_assessment() or empty_assessment(), name)
    sheet = SHEETS.get(name)
    lines = [
        f"`result.{name}`" + (f"，Excel 工作表“{sheet}”" if sheet else "") + "：",
        "",
        "| 列 | 中文表头 | 类型 |",
        "| --- | --- | --- |",
    ]
    for column, dtype in frame.schema.items():
        lines.append(
            f"| `{column}` | {_cell(column_label(column, name))} | {_cell(dtype_text(dtype))} |"
        )
    return "\n".join(lines)


def line_item_columns() -> str:
    from accountability.lineitems import LINE_ITEM_SCHEMA

    lines = ["| 列 | 中文表头 | 类型 |", "| --- | --- | --- |"]
    for column, dtype in LINE_ITEM_SCHEMA.items():
        lines.append(
            f"| `{column}` | {_cell(column_label(column, 'line_items'))} "
            f"| {_cell(dtype_text(dtype))} |"
        )
    return "\n".join(lines)


@functools.lru_cache(maxsize=1)
def rule_ids() -> str:
    """The rule ids the scorers emit on the bundled fixture, per scorer, with a basis."""
    result = fixture_assessment()
    if result is None:
        return "（构建时未找到示例数据 `fixtures/yiyang-2024`。）"
    items = result.line_items
    summary = (
        items.group_by("scorer", "rule_id", "subject_type")
        .agg(pl.len().alias("n"), pl.col("basis").sort().first())
        .sort("scorer", "rule_id", "subject_type")
    )
    lines = [
        "| 评分模块 | 规则编号 | 对象类型 | 示例数据中的条数 | 依据 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for scorer, rule_id, subject, n, basis in summary.iter_rows():
        lines.append(
            f"| {_cell(SCORER_LABELS.get(scorer, scorer))} | `{rule_id}` | {subject} | {n:,} "
            f"| {_cell(basis or '')} |"
        )
    return "\n".join(lines)


def workbook_sheets() -> str:
    """The sheets of the Excel workbook in order (`report.WORKBOOK_SHEETS`): what each
    holds and how many rows the fixture's 2024 assessment gives it."""
    from accountability.report import COVER_SHEET, SUMMARY_SHEET

    result = fixture_assessment()
    lines = [
        "| 顺序 | 工作表 | 内容 | 示例数据的行数 |",
        "| --- | --- | --- | --- |",
        f"| 1 | {COVER_SHEET} | 考核年度、考核期、数据截止日、规则库及其指纹、程序和输出格式版本；"
        "各工作表的行数；各等次和一票否决、黄牌警告的地区数 | |",
        f"| 2 | {SUMMARY_SHEET} | 按比较组的排名、等次分布和两张 Excel 图表（见下） | |",
    ]
    for i, (name, sheet) in enumerate(SHEETS.items(), start=3):
        rows = f"{getattr(result, name).height:,}" if result is not None else ""
        lines.append(f"| {i} | {_cell(sheet)} | `result.{name}` | {rows} |")
    return "\n".join(lines)


# -- 命令行 ------------------------------------------------------------------------


def _commands() -> list[tuple[str, Any]]:
    import typer

    from accountability.cli import app

    root = typer.main.get_command(app)
    out: list[tuple[str, Any]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        names = cmd.list_commands(None) if hasattr(cmd, "list_commands") else []
        if not names:
            out.append((" ".join(path), cmd))
        for name in names:
            walk(cmd.get_command(None, name), [*path, name])

    walk(root, ["accountability"])
    return out


def cli_reference() -> str:
    """Every command with its arguments and options, read from the Typer app."""
    lines: list[str] = []
    for path, cmd in _commands():
        params = [p for p in cmd.params if p.name != "help"]
        args = [p for p in params if not any(o.startswith("-") for o in p.opts)]
        usage = " ".join(
            [path]
            + [(p.name.upper() if p.required else f"[{p.name.upper()}]") for p in args]
            + (["[OPTIONS]"] if len(args) < len(params) else [])
        )
        lines += [f"### `{path}`", "", _cell((cmd.help or "").strip().splitlines()[0]), ""]
        lines += ["```console", f"$ {usage}", "```", ""]
        if params:
            lines += ["| 参数 | 必需 | 默认 | 说明 |", "| --- | --- | --- | --- |"]
            for p in params:
                opts = (
                    ", ".join(f"`{o}`" for o in p.opts)
                    if p in args
                    else ", ".join(f"`{o}`" for o in sorted(p.opts, key=len, reverse=True))
                )
                if p in args:
                    opts = f"`{p.name.upper()}`"
                default = "" if p.default in (None, False, ()) else f"`{p.default}`"
                lines.append(
                    f"| {opts} | {'是' if p.required else ''} | {default} | {_cell(p.help or '')} |"
                )
            lines.append("")
    return "\n".join(lines).rstrip()


# -- mkdocs hook -------------------------------------------------------------------


def expand(markdown: str) -> str:
    """Replace every ``<!-- gen:... -->`` marker with the generated Markdown."""

    def one(match: re.Match[str]) -> str:
        kind, arg = match.group(1), match.group(2)
        if kind == "frame" and arg:
            return frame_columns(arg)
        if kind == "line-items":
            return line_item_columns()
        if kind == "rule-ids":
            return rule_ids()
        if kind == "sheets":
            return workbook_sheets()
        if kind == "cli":
            return cli_reference()
        raise ValueError(f"unknown docs marker {match.group(0)!r}")

    return MARKER.sub(one, markdown)


def pages() -> dict[str, str]:
    """Every generated page: path under docs/ -> Markdown."""
    return {"tables.md": tables_page()}


def on_files(files: Any, config: Any) -> Any:
    """Add the generated pages to the site (in memory; nothing is written to docs/)."""
    return add_generated(files, config, pages())


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return expand(markdown) if "<!--" in markdown else markdown


def main(argv: list[str]) -> int:
    return write_pages(argv, pages(), "gen_reference.py")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
