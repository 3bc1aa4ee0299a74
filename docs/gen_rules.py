"""The 考核细则 pages of the documentation site, generated from the rule registry.

One page per rule family that has records (年度目标管理考核, 企业主体责任, 四个一律,
一岗双责: the scorers of `accountability.rules.registry.REGISTRY`, titled by
`accountability.wording.SCORER_LABELS`), listing every rule of the family in registry
order: its id and label as a heading whose anchor is the rule id
(`rules/annual.md#C4`), its section, the kind of subject it rates, its definition, its
formula, the tables it counts, its readings, and a table of the parameters it reads with
the value in force, unit, range, basis and dated history, taken from the default
rulebook (`accountability.rulebook.rulebook()`).  A rule added to the registry appears
here without touching this file.  Used like its sibling `gen_rulebook.py`:

- as a mkdocs hook (`hooks: [docs/gen_rules.py]` in mkdocs.yml): the pages are added in
  memory under `rules/`, and the nav entry `考核细则` is expanded to the overview and one
  page per family — nothing is written into docs/;
- as a script: `python docs/gen_rules.py OUTDIR` writes the same Markdown files.

Pure Python: no template engine, no network.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from generated_pages import add_generated, cell, write_pages

from accountability.columns import TABLES
from accountability.rulebook import Rulebook, rulebook
from accountability.rulebook.model import Parameter
from accountability.rulebook.render import format_value, value_on
from accountability.rules.model import Registry, Rule
from accountability.rules.parameters import ParamSpec, param_spec
from accountability.rules.registry import REGISTRY
from accountability.wording import SCORER_LABELS, SUBJECT_LABELS

NAV_TITLE = "考核细则"
FOLDER = "rules"
NONE = "—"

KIND_LABELS: dict[str, str] = {
    "deduction": "扣分",
    "bonus": "加分",
    "cap": "扣分封顶",
    "finishing": "计分步骤",
    "decision": "判定",
    "note": "说明",
    "measure": "法定措施",
    "step": "问责步骤",
}

# Units whose name says nothing a reader needs beside the range.
_NO_UNIT = frozenset({"布尔", "文本", "表"})


# -- what the pages are made of -------------------------------------------------------


def families(registry: Registry = REGISTRY) -> list[str]:
    """The scorers that have records, in the order of their first record."""
    seen: dict[str, None] = {}
    for rule in registry:
        seen.setdefault(rule.scorer, None)
    return list(seen)


def family_title(scorer: str) -> str:
    """A family's Chinese name (`wording.SCORER_LABELS`), or the scorer's id."""
    return SCORER_LABELS.get(scorer, scorer)


def page_path(scorer: str) -> str:
    """The page of one family, under docs/."""
    return f"{FOLDER}/{scorer}.md"


def rule_link(rule: Rule, *, from_folder: bool = True) -> str:
    """A link target to a rule's heading, from a page in `rules/` or from docs/."""
    page = f"{rule.scorer}.md" if from_folder else page_path(rule.scorer)
    return f"{page}#{rule.id}"


def _tables_text(names: tuple[str, ...]) -> str:
    shown = []
    for name in names:
        spec = TABLES.get(name)
        if spec is None:
            shown.append(f"`{name}`")
        else:
            shown.append(f"[`{name}`](../tables.md#{name})（{cell(spec.label)}）")
    return "、".join(shown)


def range_text(spec: ParamSpec | None) -> str:
    """Where a parameter's value may lie, in words: its numbers' bounds, the names it
    may take, and the shape of a table (the check's own description)."""
    if spec is None:
        return NONE
    if spec.unit == "布尔":
        return "是 或 否"
    if spec.names_from is not None:
        if spec.unit == "等次":
            return f"`{spec.names_from}` 中的一个名称"
        return f"`{spec.names_from}` 的每个名称一项，各数 {spec.bounds}"
    if spec.unit == "行业领域":
        return "以下行业领域中的若干项：" + "、".join(spec.choices)
    if spec.choices:
        return "取值之一：" + "、".join(spec.choices)
    text = str(spec.bounds)
    if spec.unit in ("表", "分数线"):
        text = f"各数 {text}"
    if spec.unit == "分数线":
        text = "各档 `min` 从高到低严格排列，最低一档为 0；" + text
    doc = (spec.check.__doc__ or "") if spec.check is not None else ""
    shape = " ".join(doc.split("\n\n", 1)[0].split())
    return f"{text}；{shape}" if shape else text


def value_text(param: Parameter, day: dt.date) -> str:
    """The value in force on `day`, or "—" before the parameter's first date."""
    index, value = value_on(param, day)
    return NONE if index is None else format_value(value)


def unit_text(param: Parameter | None, spec: ParamSpec | None) -> str:
    """The unit the rule file states, else the kind of quantity (none for a table)."""
    if param is not None and param.unit:
        return param.unit
    if spec is not None and spec.unit not in _NO_UNIT:
        return spec.unit
    return NONE


def param_table(rule: Rule, book: Rulebook, day: dt.date) -> list[str]:
    """The parameters a rule reads: a table, then the dated history of those that have one."""
    if not rule.params:
        return ["本条规则不读取规则库参数。"]
    lines = [
        "| 参数 | 名称 | 现行值 | 单位 | 取值范围 | 依据 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    dated: list[Parameter] = []
    for key in rule.params:
        spec = param_spec(key)
        param = book.parameters.get(key)
        if param is None:
            lines.append(
                f"| `{key}` | {NONE} | {NONE} | {cell(unit_text(None, spec))}"
                f" | {cell(range_text(spec))} | 规则库中没有此参数 |"
            )
            continue
        if param.dated:
            dated.append(param)
        lines.append(
            f"| `{key}` | {cell(param.label)} | {cell(value_text(param, day))}"
            f" | {cell(unit_text(param, spec))} | {cell(range_text(spec))}"
            f" | {cell(param.basis)} |"
        )
    if dated:
        lines += ["", "分期取值（各值自所注日期起生效，至下一期为止）：", ""]
        for param in dated:
            current, _ = value_on(param, day)
            periods = []
            for i, v in enumerate(param.values):
                start = v.start.isoformat() if v.start else "起初"
                text = f"{start} 起：{cell(format_value(v.value))}"
                periods.append(f"**{text}（现行）**" if i == current else text)
            lines.append(f"- `{param.key}`：" + "；".join(periods))
    return lines


def rule_block(
    rule: Rule, book: Rulebook, day: dt.date, level: int, registry: Registry = REGISTRY
) -> list[str]:
    """One rule: heading with the rule id as anchor, what it is, its parameters."""
    lines = [
        f"{'#' * level} `{rule.id}` {cell(rule.label)} {{#{rule.id}}}",
        "",
        cell(rule.definition),
        "",
    ]
    facts = []
    if rule.section is not None:
        name = registry.sections.get(rule.section, "")
        facts.append(f"- 分节：{cell(f'{rule.section} {name}'.strip())}")
    facts.append(f"- 评价对象：{SUBJECT_LABELS.get(rule.subject, rule.subject)}")
    facts.append(f"- 类别：{KIND_LABELS.get(rule.kind, rule.kind)}")
    if rule.formula:
        facts.append(f"- 计算：{cell(rule.formula)}")
    if rule.tables or rule.optional_tables:
        tables = _tables_text(rule.tables) or NONE
        if rule.optional_tables:
            tables += f"；可选：{_tables_text(rule.optional_tables)}"
        facts.append(f"- 数据表：{tables}")
    if rule.readings:
        facts.append("- 口径（条文可作两种理解时本库的理解）：")
        facts += [f"    - {cell(reading)}" for reading in rule.readings]
    return lines + facts + ["", *param_table(rule, book, day), ""]


def _groups(rules: tuple[Rule, ...]) -> list[tuple[str | None, list[Rule]]]:
    """Consecutive rules of one section (None: the steps after the sections)."""
    groups: list[tuple[str | None, list[Rule]]] = []
    for rule in rules:
        if groups and groups[-1][0] == rule.section:
            groups[-1][1].append(rule)
        else:
            groups.append((rule.section, [rule]))
    return groups


def _intro(book: Rulebook, day: dt.date, *, points: bool = True) -> str:
    return (
        f"参数的现行值是 **{cell(book.name)}** 在 {day.isoformat()} 生效的取值；"
        "某年度的考核取该年 12 月 31 日生效的取值（分期取值的参数，各期取值列在其参数表下）。"
        + ("扣分以正数记载，由评分程序记为负分。" if points else "")
        + "各条规则共同遵循的计数口径见[考核口径](../readings.md)，"
        "参数的全部取值见[规则库](../rulebook/index.md)。"
    )


def family_page(scorer: str, book: Rulebook, day: dt.date, registry: Registry = REGISTRY) -> str:
    """One family's rules in registry order; an annual family grouped by section."""
    rules = registry.of(scorer)
    lines = [
        f"# {family_title(scorer)} · {NAV_TITLE}",
        "",
        f"{family_title(scorer)}共 {len(rules)} 条规则，按评分程序应用和显示明细的顺序排列。"
        + _intro(book, day, points=any(r.kind in ("deduction", "cap") for r in rules)),
        "",
    ]
    if any(rule.section is not None for rule in rules):
        for section, members in _groups(rules):
            if section is None:
                lines += ["## 计分与判定 {#finishing}", ""]
            else:
                name = registry.sections.get(section, "")
                lines += [f"## {cell(f'{section} {name}'.strip())} {{#section-{section}}}", ""]
            for rule in members:
                lines += rule_block(rule, book, day, 3, registry)
    else:
        for rule in rules:
            lines += rule_block(rule, book, day, 2, registry)
    return "\n".join(lines).rstrip() + "\n"


def index_page(book: Rulebook, day: dt.date, registry: Registry = REGISTRY) -> str:
    """The overview: every family, and every rule with a link to its heading."""
    lines = [
        f"# {NAV_TITLE}",
        "",
        "每条规则的编号、名称、定义、计算方法、所用数据表、口径和所读取的参数，"
        "由程序实际使用的规则登记表（`accountability.rules.registry.REGISTRY`）"
        "和默认规则库生成。" + _intro(book, day),
        "",
    ]
    for scorer in families(registry):
        rules = registry.of(scorer)
        title = family_title(scorer)
        lines += [
            f"## [{cell(title)}]({scorer}.md)",
            "",
            "| 编号 | 名称 | 评价对象 | 类别 |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| [`{r.id}`]({rule_link(r)}) | {cell(r.label)}"
            f" | {SUBJECT_LABELS.get(r.subject, r.subject)} | {KIND_LABELS.get(r.kind, r.kind)} |"
            for r in rules
        ]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def pages(
    book: Rulebook | None = None, day: dt.date | None = None, registry: Registry = REGISTRY
) -> dict[str, str]:
    """Every generated page: path under docs/ -> Markdown.  `day` (default today) is
    the day whose values are shown as in force."""
    book = book or rulebook()
    day = day or dt.date.today()
    out = {f"{FOLDER}/index.md": index_page(book, day, registry)}
    for scorer in families(registry):
        out[page_path(scorer)] = family_page(scorer, book, day, registry)
    return out


def nav_entries(registry: Registry = REGISTRY) -> list[Any]:
    """The nav list under 考核细则: the overview, then one page per family."""
    return [f"{FOLDER}/index.md"] + [{family_title(s): page_path(s)} for s in families(registry)]


# -- mkdocs hook -------------------------------------------------------------


def on_config(config: Any) -> Any:
    """Expand the nav entry `考核细则` to the generated pages."""
    nav = config.get("nav") or []
    for i, entry in enumerate(nav):
        if isinstance(entry, dict) and NAV_TITLE in entry:
            nav[i] = {NAV_TITLE: nav_entries()}
    return config


def on_files(files: Any, config: Any) -> Any:
    """Add the generated pages to the site (in memory; nothing is written to docs/)."""
    return add_generated(files, config, pages())


def main(argv: list[str]) -> int:
    return write_pages(argv, pages(), "gen_rules.py")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
