"""The rulebook pages of the documentation site, generated from default.toml.

The pages are made from the rulebook the code runs (`accountability.rulebook.rulebook()`,
read through `load_rulebook`), so the published rubric can never disagree with the
computed score.  Two ways to use this file:

- as a mkdocs hook (`hooks: [docs/gen_rulebook.py]` in mkdocs.yml): at build time the
  pages are added in memory under `rulebook/`, and the nav entry `规则库` is expanded to
  one page per section — nothing is written into docs/;
- as a script: `python docs/gen_rulebook.py OUTDIR` writes the same Markdown files.

Pure Python: no template engine, no network.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from generated_pages import add_generated, cell, write_pages

from accountability.rulebook import Rulebook, rulebook
from accountability.rulebook.model import Parameter
from accountability.rulebook.render import format_dated, section_title, value_table

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hunan-city.toml"
NAV_TITLE = "规则库"


def sections(book: Rulebook) -> list[str]:
    """Sections in the order the rule file gives them."""
    seen: dict[str, None] = {}
    for param in book.parameters.values():
        seen.setdefault(param.section, None)
    return list(seen)


def _structured(param: Parameter) -> bool:
    """Whether some value of `param` is shown as a table below the parameter table."""
    return any(value_table(d.value, param.key) for d in param.values)


def _values_cell(param: Parameter) -> str:
    periods = format_dated(param)
    texts = [
        f"[见下表](#{param.key})" if value_table(d.value, param.key) else cell(text)
        for d, (_, text) in zip(param.values, periods, strict=True)
    ]
    if not param.dated:
        return texts[0]
    starts = [start for start, _ in periods]
    return "<br>".join(f"**{start} 起**：{text}" for start, text in zip(starts, texts, strict=True))


def markdown_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table, every cell escaped."""
    return [
        "| " + " | ".join(cell(h) for h in headers) + " |",
        "|" + " --- |" * len(headers),
        *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows),
    ]


def structured_values(param: Parameter) -> list[str]:
    """A structured parameter's values as tables with Chinese column headers (each
    dated value under its date), headed by the key the parameter table links to."""
    lines = [f"### `{param.key}` {{#{param.key}}}", "", cell(param.label), ""]
    for dated, (start, text) in zip(param.values, format_dated(param), strict=True):
        if param.dated:
            empty = dated.value in ({}, [])
            shown = "" if value_table(dated.value) else "无" if empty else cell(text)
            lines += [f"**{start} 起**：{shown}", ""]
        table = value_table(dated.value, param.key)
        if table:
            lines += [*markdown_table(*table), ""]
    if param.unit:
        lines += [f"单位：{cell(param.unit)}。", ""]
    return lines


def section_page(book: Rulebook, section: str) -> str:
    """One section's parameters as a Markdown table."""
    params = [p for p in book.parameters.values() if p.section == section]
    lines = [
        # A five-column table needs the width the table of contents would take.
        "---",
        "hide:",
        "  - toc",
        "---",
        "",
        f"# {section_title(section)}",
        "",
        f"规则库分节 `{section}`，共 {len(params)} 项参数。"
        "扣分以正数记载，由评分程序记为负分；分期取值的参数各值自所注日期起生效，至下一期为止，"
        "某年度的考核取该年 12 月 31 日生效的取值。",
        "",
        "| 参数 | 名称 | 值 | 单位 | 依据 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for p in params:
        lines.append(
            f"| `{p.key}` | {cell(p.label)} | {_values_cell(p)} | {cell(p.unit or '')}"
            f" | {cell(p.basis)} |"
        )
    structured = [p for p in params if _structured(p)]
    if structured:
        lines += ["", "## 结构化取值", ""]
        for p in structured:
            lines += structured_values(p)
    notes = [p for p in params if p.note]
    if notes:
        lines += ["", "## 说明", ""]
        lines += [f"- `{p.key}`：{cell(p.note or '')}" for p in notes]
    return "\n".join(lines) + "\n"


def index_page(book: Rulebook) -> str:
    """The rulebook overview: what a parameter is, the sections, how to override."""
    lines = [
        f"# {NAV_TITLE}",
        "",
        f"**{book.name}**：{book.description}",
        "",
        "每项参数有取值（或分期取值，每期自 `from` 日期起生效）、单位、中文名称和依据"
        "（文件与条款；“参考值”表示由各地自行规定、默认规则库给出的参考取值）。"
        "本页及各分节页面由程序实际使用的 `default.toml` 生成。",
        "",
        f"- 参数数量：{len(book.parameters)}",
        f"- 规则库指纹（sha256，覆盖全部取值、单位和依据）：`{book.fingerprint}`",
        "",
        "| 分节 | 名称 | 参数数 |",
        "| --- | --- | --- |",
    ]
    for section in sections(book):
        n = sum(1 for p in book.parameters.values() if p.section == section)
        lines.append(f"| `{section}` | [{section_title(section)}]({section}.md) | {n} |")
    lines += [
        "",
        "## 本地规则库",
        "",
        '省、市以一个小的规则文件适配默认规则：`extends = "default"` 先载入默认规则库，'
        "再按参数键整体替换参数（数组、表亦整体替换），每项覆盖须给出自己的依据 `basis`。"
        "未知参数、类型或单位不符、分值之和不为 100、分数线未按序排列、同一 `from` 日期出现两次、"
        "缺少依据，均报错并指明文件、行号和参数键。",
        "",
        "```console",
        "$ accountability rules check examples/hunan-city.toml",
        "$ accountability rules diff default examples/hunan-city.toml",
        "$ accountability rules show examples/hunan-city.toml --section annual --on 2025-12-31",
        "```",
    ]
    if EXAMPLE.is_file():
        lines += [
            "",
            "示例 `examples/hunan-city.toml`：",
            "",
            "```toml",
            EXAMPLE.read_text(encoding="utf-8").rstrip(),
            "```",
        ]
    return "\n".join(lines) + "\n"


def pages(book: Rulebook | None = None) -> dict[str, str]:
    """Every generated page: path under docs/ -> Markdown."""
    book = book or rulebook()
    out = {"rulebook/index.md": index_page(book)}
    for section in sections(book):
        out[f"rulebook/{section}.md"] = section_page(book, section)
    return out


def nav_entries(book: Rulebook | None = None) -> list[Any]:
    """The nav list under 规则库: the overview, then one page per section."""
    book = book or rulebook()
    return ["rulebook/index.md"] + [{section_title(s): f"rulebook/{s}.md"} for s in sections(book)]


# -- mkdocs hook -------------------------------------------------------------


def on_config(config: Any) -> Any:
    """Expand the nav entry `规则库` to the generated pages."""
    nav = config.get("nav") or []
    for i, entry in enumerate(nav):
        if isinstance(entry, dict) and NAV_TITLE in entry:
            nav[i] = {NAV_TITLE: nav_entries()}
    return config


def on_files(files: Any, config: Any) -> Any:
    """Add the generated pages to the site (in memory; nothing is written to docs/)."""
    return add_generated(files, config, pages())


def main(argv: list[str]) -> int:
    return write_pages(argv, pages(), "gen_rulebook.py")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
