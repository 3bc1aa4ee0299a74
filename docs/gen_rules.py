"""The 考核细则 pages of the documentation site, generated from the rule registry.

One page per rule family that has records (年度目标管理考核, 企业主体责任, 四个一律,
一岗双责: the scorers of `accountability.rules.registry.REGISTRY`, titled by
`accountability.wording.SCORER_LABELS`), listing every rule of the family in registry
order: its id and label as a heading whose anchor is the rule id
(`rules/annual.md#C4`), its section, the kind of subject it rates, its definition, its
formula, the tables it counts, its readings, a table of the parameters it reads with
the value in force, unit, range, basis and dated history, taken from the default
rulebook (`accountability.rulebook.rulebook()`), and its worked cases (the default
rulebook's cases, `accountability.rulecases.DEFAULT_CASES`): name, explanation, input
rows as small tables and the expected results.  A rule added to the registry appears
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
from collections.abc import Callable
from typing import Any

import polars as pl
from generated_pages import add_generated, cell, write_pages

from accountability.columns import TABLES
from accountability.rulebook import Rulebook, rulebook
from accountability.rulebook.model import Parameter
from accountability.rulebook.render import format_value, value_on
from accountability.rulecases import DEFAULT_CASES, RuleCase, load_cases
from accountability.rules.model import Registry, Rule
from accountability.rules.parameters import ParamSpec, param_spec
from accountability.rules.registry import REGISTRY
from accountability.scorers import fine_ranges
from accountability.wording import SCORER_LABELS, SUBJECT_LABELS, number_text

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
    "metric": "指标（分值为 0 时只报告）",
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


def _cell_value(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(_cell_value(v) for v in value) or "（空）"
    if value is None or value == "":
        return "（空）"
    if isinstance(value, float):
        return number_text(value)
    return cell(str(value))


def _rows_table(rows: tuple[dict[str, Any], ...]) -> list[str]:
    """Rows as a Markdown table of the columns they give (omitted ones are neutral)."""
    columns = list(dict.fromkeys(c for row in rows for c in row))
    lines = ["| " + " | ".join(f"`{c}`" for c in columns) + " |",
             "| " + " | ".join("---" for _ in columns) + " |"]  # fmt: skip
    for row in rows:
        lines.append(
            "| " + " | ".join(_cell_value(row[c]) if c in row else "" for c in columns) + " |"
        )
    return lines


def case_block(case: RuleCase) -> list[str]:
    """One worked case: its name, explanation, input rows and expected results."""
    lines = [f"**案例：{cell(case.name)}**（{case.year} 年度）", ""]
    lines += [cell(part) for part in case.explanation.splitlines()] + [""]
    if case.parameters:
        lines.append(
            "案例设定的参数："
            + "；".join(f"`{k}` = {cell(format_value(v))}" for k, v in case.parameters.items())
        )
        lines.append("")
    lines += ["未列出的列取中性值（可空的为空，标志为否，数值为 0）。", ""]
    for table, rows in case.tables.items():
        if not rows:
            continue
        label = TABLES[table].label
        lines += [f"输入 {label}（`{table}`）：", "", *_rows_table(rows), ""]
    lines += ["期望结果：", "", "| 结果 | 对象 | 项目 | 期望 |", "| --- | --- | --- | --- |"]
    for e in case.expect:
        who = e.subject or "、".join(f"{k} = {_cell_value(v)}" for k, v in e.match.items())
        if e.frame == "line_items":
            for field, value in e.fields.items():
                lines.append(
                    f"| 扣分项 `{e.rule}` | {cell(who)} | {field} | {_cell_value(value)} |"
                )
            if not e.fields:
                lines.append(f"| 扣分项 `{e.rule}` | {cell(who)} | present | 是 |")
            continue
        for field, value in e.fields.items():
            lines.append(f"| {e.frame} | {cell(who)} | {field} | {_cell_value(value)} |")
    return [*lines, ""]


def rule_block(
    rule: Rule,
    book: Rulebook,
    day: dt.date,
    level: int,
    registry: Registry = REGISTRY,
    cases: tuple[RuleCase, ...] = (),
) -> list[str]:
    """One rule: heading with the rule id as anchor, what it is, its parameters, and
    the worked cases that certify it."""
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
    worked = [line for case in cases for line in case_block(case)]
    return lines + facts + ["", *param_table(rule, book, day), "", *worked]


def cases_by_rule(cases: tuple[RuleCase, ...] | None = None) -> dict[str, tuple[RuleCase, ...]]:
    """The default rulebook's cases by the rule ids they certify."""
    found: dict[str, list[RuleCase]] = {}
    for case in load_cases(DEFAULT_CASES) if cases is None else cases:
        for rule_id in case.rules:
            found.setdefault(rule_id, []).append(case)
    return {k: tuple(v) for k, v in found.items()}


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


# -- 四个一律: the fine ranges and the closure grounds -----------------------------------

_TIERS = "一二三四五六七八九"


def tier_text(key: str) -> str:
    """The tier a fine-range key names ("97-2" → 第二档), "—" for an article of one range."""
    _, dash, tier = key.rpartition("-")
    if not dash or not tier.isdigit():
        return NONE
    n = int(tier)
    return f"第{_TIERS[n - 1]}档" if 1 <= n <= len(_TIERS) else f"第{n}档"


def yuan_range_text(low: float, high: float) -> str:
    """A range as the law words it, in 元/万元 ("10万元以上20万元以下")."""
    return str(pl.select(fine_ranges.range_text(pl.lit(float(low)), pl.lit(float(high)))).item())


def fine_ranges_section(book: Rulebook, day: dt.date, registry: Registry = REGISTRY) -> list[str]:
    """The statutory fine ranges of each dated value of `four_musts.fine_ranges`."""
    lines = ["## 法定罚款幅度 {#fine-ranges}", ""]
    param = book.parameters.get(fine_ranges.FINE_RANGES_KEY)
    if param is None:
        return [
            *lines,
            f"规则库中没有参数 `{fine_ranges.FINE_RANGES_KEY}`：罚款上限只取案件数据。",
            "",
        ]
    lines += [
        "从重处罚以按法定罚款上限处罚为满足（罚款 `fine_yuan` ≥ 罚款上限 `fine_max_yuan`）。"
        "案件数据未填罚款上限而注明了处罚条款（`penalty_article`）的，取该案件**发现日期**"
        "施行的下列幅度的上限（`fine_max_source` 记为“法定幅度”）；"
        "条款未注明档次的（如“97”）按第一档并给出警告；表中没有的条款给出警告，不取上限；"
        "案件数据所填上限与法定上限不一致的，仍以案件数据为准并给出警告"
        + _see(registry, "four_musts.penalty")
        + f"。参数 `{fine_ranges.FINE_RANGES_KEY}`，依据：{cell(param.basis)}。",
        "",
    ]
    current, _ = value_on(param, day)
    values = list(param.values)
    for i, dated in enumerate(values):
        start = dated.start or dt.date.min
        end = values[i + 1].start if i + 1 < len(values) else None
        since = dated.start.isoformat() if dated.start else "起初"
        when = f"{since} 起" + (f"至 {(end - dt.timedelta(days=1)).isoformat()}" if end else "")
        mark = "（现行）" if i == current else ""
        rows = fine_ranges.fine_range_rows(book, start)
        if not rows:
            lines += [f"- {when}{mark}：未列法定幅度，罚款上限只取案件数据。", ""]
            continue
        anchor = f"fine-ranges-{dated.start.isoformat()}" if dated.start else "fine-ranges-0"
        lines += [
            f"### {when}施行{mark} {{#{anchor}}}",
            "",
            "| 键 | 条款 | 档次 | 罚款幅度 | 下限（元） | 上限（元） |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| `{key}` | {cell(article)} | {tier_text(key)} | {yuan_range_text(low, high)}"
            f" | {number_text(low)} | {number_text(high)} |"
            for key, article, low, high in rows
        ]
        lines.append("")
    return lines


def _value(book: Rulebook, key: str, day: dt.date) -> Any:
    """The value of `key` in force on `day`; None when absent or not yet in force."""
    param = book.parameters.get(key)
    return None if param is None else value_on(param, day)[1]


def _basis(book: Rulebook, key: str) -> str:
    param = book.parameters.get(key)
    return f"；参数 `{key}`（{cell(param.basis)}）" if param is not None else ""


def _repeat_text(book: Rulebook, day: dt.date) -> str:
    windows = _value(book, "four_musts.repeat_windows", day) or []
    counts = "或 ".join(
        f"{number_text(w['days'])} 日内 {number_text(w['fines'])} 次" for w in windows
    )
    kinds = _value(book, "four_musts.repeat_penalty_kinds", day)
    text = f"存在重大事故隐患，{counts or '（规则库未设窗口）'}受到本法规定的行政处罚"
    if kinds:
        text += f"（计入的处罚种类：{'、'.join(str(k) for k in kinds)}）"
    return text


def _sector_text(book: Rulebook) -> str:
    """The sector windows of each dated value of `four_musts.sector_repeat_windows`, as a
    table cell."""
    param = book.parameters.get("four_musts.sector_repeat_windows")
    periods = []
    for dated in param.values if param is not None else ():
        since = dated.start.isoformat() if dated.start else "起初"
        parts = []
        for sector, windows in (dated.value or {}).items():
            for w in windows:
                unit = "个月" if w["span_unit"] == "months" else "日"
                what = "发现重大事故隐患" if w["counting"] == "findings" else "受到行政处罚"
                parts.append(
                    f"{'各行业' if sector == '*' else sector}：{number_text(w['span'])} {unit}内"
                    f" {number_text(w['count'])} 次以上{what}仍然进行生产"
                )
        if parts:
            periods.append(cell(f"{since} 起：" + "；".join(parts)))
    return "<br>".join(periods) or "规则库未设行业窗口"


def _see(registry: Registry, *rule_ids: str) -> str:
    """Links to the rules of this page among `rule_ids` (those the registry has)."""
    links = [f"[`{r}`](#{r})" for r in rule_ids if r in registry]
    return f"（见规则 {'、'.join(links)}）" if links else ""


def closure_section(book: Rulebook, day: dt.date, registry: Registry = REGISTRY) -> list[str]:
    """The grounds that require closure and the related articles, their numbers read
    from the rulebook in force on `day`."""
    law = "《安全生产法》(2021)"
    bar = _value(book, "four_musts.principal_bar_years", day)
    crime = _value(book, "four_musts.criminal_thresholds", day)
    crime_text = (
        f"死亡（含失踪）{number_text(crime['deaths'])} 人以上，或重伤"
        f" {number_text(crime['serious_injuries'])} 人以上，或直接经济损失"
        f" {number_text(crime['direct_loss_10k_yuan'])} 万元以上"
        if crime
        else NONE
    )
    # (article, ground, how the scorer tells it), each already a Markdown cell.
    grounds = [
        (
            cell(f"{law}第一百一十三条第（一）项"),
            cell(_repeat_text(book, day)),
            "企业受到处罚的重大事故隐患案件，截至案件发现日按窗口计数"
            + _basis(book, "four_musts.repeat_windows"),
        ),
        (
            cell(f"{law}第一百一十三条第（二）项"),
            "经停产停业整顿，仍不具备法律、行政法规和国家标准或者行业标准规定的安全生产条件",
            "案件标记 `failed_rectification`",
        ),
        (
            cell(f"{law}第一百一十三条第（三）项"),
            "不具备法律、行政法规和国家标准或者行业标准规定的安全生产条件，"
            "导致发生重大、特别重大生产安全事故",
            "事故标记 `lacked_conditions`" + _basis(book, "four_musts.close_on_major_accident"),
        ),
        (
            cell(f"{law}第一百一十三条第（四）项"),
            "拒不执行负有安全生产监督管理职责的部门作出的停产停业整顿决定",
            "案件标记 `suspension_refused`",
        ),
        (
            cell("《煤矿安全生产条例》(国务院令第774号，2024-05-01 起施行)第七十条"),
            _sector_text(book),
            "煤矿企业的重大事故隐患发现日期（hazards），按案件发现日当天有效的窗口计数"
            + _basis(book, "four_musts.sector_repeat_windows"),
        ),
    ]
    bar_text = f" {number_text(bar)} 年" if bar is not None else "五年"
    lines = [
        "## 应予关闭的情形与相关条款 {#closure-grounds}",
        "",
        "有下列情形之一的，负有安全生产监督管理职责的部门应当**提请**地方人民政府予以关闭"
        f"（{cell(law)}第一百一十三条）；予以关闭由县级以上人民政府按照国务院规定的权限决定"
        "（第一百一十五条），故部门的法定措施以已关闭取缔（`closed`）或提请关闭"
        "（`closure_proposed_on`，案件发现日至考核期末）为满足"
        + _see(registry, "four_musts.close", "four_musts.close_repeat")
        + "。依第一百一十三条应予关闭的，其主要负责人"
        f"{bar_text}内不得担任任何生产经营单位的主要负责人（`principal_barred_until`"
        + _basis(book, "four_musts.principal_bar_years")
        + "；情节严重的终身不得担任本行业生产经营单位的主要负责人，本库不判定）。",
        "",
        "| 条款 | 应予关闭的情形 | 本库的判定 |",
        "| --- | --- | --- |",
        *(f"| {a} | {g} | {h} |" for a, g, h in grounds),
        "",
        "| 条款 | 内容 | 本库的处理 |",
        "| --- | --- | --- |",
        f"| {cell(law)}第一百一十二条 | 被责令改正且受到罚款处罚，拒不改正的，"
        "可以自作出责令改正之日的次日起，按照原处罚数额按日连续处罚"
        " | “可以”：裁量措施，只报告可按日连续处罚的起始日（`eligible_daily_fine_from`），"
        "不计为未采取的措施" + _see(registry, "four_musts.daily_fine") + " |",
        "| "
        + cell(
            "《最高人民法院 最高人民检察院关于办理危害生产安全刑事案件适用法律若干问题的解释》"
            "(法释〔2015〕22号)第六条"
        )
        + f" | “造成严重后果”：{crime_text}"
        " | 达到其一的责任事故列入应移送未移送核查（`referral_gaps`"
        + _basis(book, "four_musts.criminal_thresholds")
        + "） |",
        "",
    ]
    return lines


def four_musts_extras(book: Rulebook, day: dt.date, registry: Registry = REGISTRY) -> list[str]:
    """The 四个一律 page's sections after its rules: fine ranges, closure grounds."""
    return [*fine_ranges_section(book, day, registry), *closure_section(book, day, registry)]


# Sections a family's page adds after its rules: scorer → (book, day, registry) → lines.
FAMILY_EXTRAS: dict[str, Callable[[Rulebook, dt.date, Registry], list[str]]] = {
    "four_musts": four_musts_extras,
}


def family_page(
    scorer: str,
    book: Rulebook,
    day: dt.date,
    registry: Registry = REGISTRY,
    cases: dict[str, tuple[RuleCase, ...]] | None = None,
) -> str:
    """One family's rules in registry order; an annual family grouped by section; each
    rule with its worked cases (`cases`: by rule id, default the default rulebook's)."""
    rules = registry.of(scorer)
    by_rule = cases_by_rule() if cases is None else cases
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
                lines += rule_block(rule, book, day, 3, registry, by_rule.get(rule.id, ()))
    else:
        for rule in rules:
            lines += rule_block(rule, book, day, 2, registry, by_rule.get(rule.id, ()))
    extras = FAMILY_EXTRAS.get(scorer)
    if extras is not None:
        lines += extras(book, day, registry)
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
    by_rule = cases_by_rule()
    for scorer in families(registry):
        out[page_path(scorer)] = family_page(scorer, book, day, registry, by_rule)
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
