"""The assessment as one self-contained HTML file, in Chinese, for people to read and
print: the cover (rulebook, full fingerprint, period, data dates, as_of, version), the
ranking by peer group with grades, vetoes, yellow cards and their notes, the charts
(`accountability.charts`, inline SVG), each region's line items, the officials' steps
(一岗双责), the 四个一律 gaps, the enterprise classes and the data notes.

Nothing is fetched: the styles are inline, the charts are SVG whose labels are text in
the reader's own fonts, and there is no script (the collapsible parts are
``<details>``).  Every text from the data is escaped, with its control characters
written out.  The file holds no time of writing and every list is in a fixed order,
so the same assessment gives the same bytes on any day.

>>> result.to_html("结果.html")                          # doctest: +SKIP
PosixPath('结果.html')
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from accountability import charts
from accountability.codes import ACCOUNTABILITY_STEPS
from accountability.outputs import OUTPUTS
from accountability.report import (
    RANKING_HEADERS,
    UNGRADED_COLOUR,
    _grade_counts,
    _ranking_rows,
    grade_colours,
    header_facts,
    readable_line_items,
)
from accountability.terminal import visible
from accountability.wording import percent_text, signed, total_line

if TYPE_CHECKING:
    from accountability.assessment import Assessment
    from accountability.sensitivity import SensitivityResult

__all__ = ["render_html", "write_html"]

# Lists longer than this are cut in the page (the files written by --out keep all rows).
MAX_ROWS = 500
EVIDENCE_SHOWN = 5
NUM = ' class="num"'


def _t(value: object) -> str:
    """Text from the data, escaped for HTML, control characters written out."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return html.escape(visible(str(value)), quote=True)


def _ids(values: Sequence[Any] | None) -> str:
    values = [str(v) for v in values or []]
    shown = "、".join(values[:EVIDENCE_SHOWN])
    return shown if len(values) <= EVIDENCE_SHOWN else f"{shown} 等 {len(values)} 项"


def _ink(colour: str) -> str:
    """Black or white text, whichever reads better on `colour` (#RRGGBB)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#FFFFFF"


def _grade_badge(grade: object, colours: Mapping[str, str]) -> str:
    if grade is None or grade == "—":
        return '<span class="grade none">—</span>'
    colour = colours.get(str(grade), UNGRADED_COLOUR)
    return (
        f'<span class="grade" style="background:{colour};color:{_ink(colour)}">{_t(grade)}</span>'
    )


def _table(
    headers: Sequence[str],
    rows: Iterable[tuple[Sequence[str], Mapping[str, str]]],
    *,
    cls: str = "",
    numeric: Sequence[int] = (),
    widths: Sequence[str] = (),
) -> str:
    """A table: `headers` (plain text), rows as (cells as HTML, row attributes);
    `widths` (CSS widths, one per column) fixes the layout."""
    head = "".join(f"<th{NUM if i in numeric else ''}>{_t(h)}</th>" for i, h in enumerate(headers))
    body = []
    for cells, attrs in rows:
        attr = "".join(f' {k}="{_t(v)}"' for k, v in attrs.items())
        tds = "".join(f"<td{NUM if i in numeric else ''}>{c}</td>" for i, c in enumerate(cells))
        body.append(f"<tr{attr}>{tds}</tr>")
    klass = f' class="{cls}"' if cls else ""
    cols = ""
    if widths:
        cols = "<colgroup>" + "".join(f'<col style="width:{w}">' for w in widths) + "</colgroup>"
        klass = f' class="{cls} fixed"'
    return (
        f"<table{klass}>{cols}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _figure(chart: charts.Chart, key: str) -> str:
    return f'<figure class="chart" data-chart="{_t(key)}">{chart.svg}</figure>'


def _cut_note(frame: pl.DataFrame, what: str) -> str:
    if frame.height <= MAX_ROWS:
        return ""
    return (
        f'<p class="note">只列出前 {MAX_ROWS} {what}（共 {frame.height}）；'
        f"全部见 Excel 或 Parquet 输出。</p>"
    )


# --- the parts ---------------------------------------------------------------------------------


def _cover(a: Assessment) -> str:
    facts = []
    for label, value in header_facts(a):
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        if label.startswith("规则集指纹"):
            cell = f'<code class="fingerprint" id="fingerprint">{_t(text)}</code>'
        else:
            cell = _t(text)
        facts.append(f"<dt>{_t(label)}</dt><dd>{cell}</dd>")
    regions = a.regions
    colours = grade_colours(tuple(a.grade_names))
    counts = [
        f"{_grade_badge(g, colours) if g != '未评定' else _t(g)} {n} 个"
        for g, n in _grade_counts(regions, tuple(a.grade_names))
        if n or g != "未评定"
    ]
    flags = []
    for column, label in (("vetoed", "一票否决"), ("yellow_card", "黄牌警告")):
        if column in regions.columns:
            flags.append(f"{label} {int(regions[column].fill_null(False).sum())} 个")
    overview = (
        f'<p class="overview">考核地区 {regions.height} 个：{"，".join(counts)}'
        + (f"；{'，'.join(flags)}" if flags else "")
        + "。</p>"
    )
    return (
        '<header class="cover" id="cover">'
        f"<h1>{_t(a.year)} 年度安全生产目标管理考核结果</h1>"
        f'<dl class="facts">{"".join(facts)}</dl>{overview}'
        '<p class="note">本报告由程序按上列规则集和数据生成，不含生成时间；同一考核结果'
        "生成的文件逐字节相同。各项分值的计算过程见“各地区得分明细”。</p>"
        "</header>"
    )


_PARTS = (
    ("ranking", "考核排名"),
    ("charts", "图表"),
    ("line-items", "各地区得分明细"),
    ("officials", "一岗双责"),
    ("four-musts", "四个一律"),
    ("enterprises", "企业分类"),
    ("data", "数据说明"),
)


def _nav(parts: Sequence[tuple[str, str]] = _PARTS) -> str:
    links = "".join(f'<li><a href="#{key}">{_t(title)}</a></li>' for key, title in parts)
    return f'<nav class="toc"><h2>目录</h2><ol>{links}</ol></nav>'


def _ranking(a: Assessment) -> str:
    rows = _ranking_rows(a)
    if not rows:
        return '<p class="empty">没有地区考核结果。</p>'
    regions = a.regions
    records = {str(r["region_code"]): r for r in regions.iter_rows(named=True)}
    colours = grade_colours(tuple(a.grade_names))
    blocks: list[tuple[str, list[Any]]] = []
    for row in rows:
        if row.title is not None or not blocks:
            blocks.append((row.title or "", []))
        blocks[-1][1].append(row)
    out = []
    for title, block in blocks:
        body = []
        notes = []
        for row in block:
            rank, code, name, score, grade, vetoed, yellow, marker = row.cells
            rec = records.get(code, {})
            note_cell = ""
            if row.note:
                anchor = f"note-{marker.removeprefix('注')}"
                note_cell = f'<a href="#{anchor}">{_t(marker)}</a>'
                notes.append(f'<li id="{anchor}"><b>{_t(marker)}</b> {_t(row.note)}</li>')
            cells = [
                _t(rank),
                f"<code>{_t(code)}</code>",
                _t(name),
                _t(score),
                _grade_badge(grade, colours),
                '<span class="mark veto" data-mark="veto">一票否决</span>' if vetoed else "",
                '<span class="mark yellow" data-mark="yellow_card">黄牌警告</span>'
                if yellow
                else "",
                note_cell,
            ]
            attrs = {
                "data-region": code,
                "data-grade": grade,
                "data-vetoed": "true" if rec.get("vetoed") else "false",
                "data-yellow-card": "true" if rec.get("yellow_card") else "false",
            }
            body.append((cells, attrs))
        out.append(
            f'<section class="peer-group"><h3>{_t(title)}</h3>'
            + _table(RANKING_HEADERS, body, cls="ranking", numeric=(0, 3), widths=_RANK_WIDTHS)
            + (f'<ol class="notes">{"".join(notes)}</ol>' if notes else "")
            + "</section>"
        )
    return "".join(out)


def _charts(a: Assessment) -> str:
    return "".join(
        _figure(chart, key)
        for key, chart in (
            ("ranking", charts.ranking(a)),
            ("section_stacks", charts.section_stacks(a)),
            ("grade_distribution", charts.grade_distribution(a)),
            ("largest_deductions", charts.largest_deductions(a)),
        )
    )


_ITEM_HEADERS = ("规则", "规则编号", "分值", "说明", "依据", "证据")
_ITEM_WIDTHS = ("14%", "8%", "8%", "32%", "19%", "19%")
_RANK_WIDTHS = ("6%", "11%", "20%", "9%", "10%", "10%", "10%", "24%")


def _line_items(a: Assessment) -> str:
    regions = a.regions
    if regions.is_empty():
        return '<p class="empty">没有地区考核结果。</p>'
    items = readable_line_items(
        a.line_items.filter(pl.col("subject_type") == "region")
    ).with_columns(signed(pl.col("points")).alias("_points_text"))
    by_region = {
        str(part["subject_id"][0]): part
        for part in items.partition_by("subject_id", maintain_order=True)
    }
    colours = grade_colours(tuple(a.grade_names))
    scores = dict(zip(regions["region_code"], regions["score"], strict=True))
    base = a.bases.get("region")
    out = []
    for row in _ranking_rows(a):
        code, name, score, grade = row.cells[1], row.cells[2], row.cells[3], row.cells[4]
        mine = by_region.get(code, items.clear())
        table_rows = [
            (
                [
                    _t(rec["rule_title"]),
                    f"<code>{_t(rec['rule_id'])}</code>",
                    _t(rec["_points_text"]),
                    _t(rec["reason"]),
                    _t(rec["basis"]),
                    _t(_ids(rec["evidence"])),
                ],
                {"data-rule": rec["rule_id"], "class": "deduct" if rec["points"] < 0 else "item"},
            )
            for rec in mine.iter_rows(named=True)
        ]
        # the closing line of the region's explanation, from the same function
        total = total_line(base, mine, scores.get(code))
        out.append(
            f'<details class="region-items" data-region="{_t(code)}" id="items-{_t(code)}">'
            f"<summary><code>{_t(code)}</code> {_t(name)} — 得分 {_t(score)} "
            f'{_grade_badge(grade, colours)} <span class="count">{mine.height} 项明细</span>'
            "</summary>"
            + (
                _table(_ITEM_HEADERS, table_rows, cls="items", numeric=(2,), widths=_ITEM_WIDTHS)
                if table_rows
                else '<p class="empty">（无明细）</p>'
            )
            + (f'<p class="total">{_t(total)}</p>' if total else "")
            + "</details>"
        )
    return "".join(out)


def _step_order() -> pl.Expr:
    """Most serious step first: 问责建议, 通报, 约谈, then any other."""
    order = {s: i for i, s in enumerate(reversed(ACCOUNTABILITY_STEPS))}
    return pl.col("step").replace_strict(order, default=len(order), return_dtype=pl.Int32)


def _region_names(a: Assessment) -> pl.DataFrame:
    return a.regions.select(
        pl.col("region_code").cast(pl.String), pl.col("name").cast(pl.String).alias("region_name")
    )


def _officials(a: Assessment) -> str:
    officials = a.officials
    needed = {"step", "region_code", "official_id"}
    if officials.is_empty() or not needed <= set(officials.columns):
        return '<p class="empty">没有领导干部数据。</p>'
    stepped = (
        officials.filter(pl.col("step").is_not_null())
        .join(_region_names(a), on="region_code", how="left", maintain_order="left")
        .with_columns(_step_order().alias("_step"))
        .sort("_step", "region_code", "official_id")
    )
    by_step = stepped.partition_by("_step", maintain_order=True) if stepped.height else []
    summary = "，".join(f"{_t(part['step'][0])} {part.height} 人" for part in by_step) or "无"
    barred = "promotion_barred_until" in stepped.columns and bool(
        stepped["promotion_barred_until"].is_not_null().any()
    )
    headers = ["地区", "姓名", "职务类别", "部门", "措施依据", "事由"]
    if barred:
        headers.append("不得提拔至")
    parts = [
        f"<p>领导干部 {officials.height} 人，其中有问责措施的 {stepped.height} 人：{summary}。"
        "措施依据为“调查认定”的，有事故调查认定的领导责任；为“归责预筛”的，仅按职务和分管"
        "行业归责，是需核实的初筛名单。</p>"
    ]
    for part in by_step:
        step = str(part["step"][0])
        rows = []
        for rec in part.head(MAX_ROWS).iter_rows(named=True):
            cells = [
                f"{_t(rec.get('region_name') or '')} <code>{_t(rec['region_code'])}</code>",
                _t(rec.get("name")),
                _t(rec.get("role")),
                _t(rec.get("department") or ""),
                _t(rec.get("step_basis") or ""),
                _reasons(rec.get("reasons")),
            ]
            if barred:
                cells.append(_t(rec.get("promotion_barred_until")))
            rows.append((cells, {"data-official": rec["official_id"], "data-step": step}))
        parts += [
            f'<h3 class="step-heading" data-step="{_t(step)}">{_t(step)}（{part.height} 人）</h3>',
            _table(headers, rows, cls="officials"),
            _cut_note(part, "人"),
        ]
    departments = a.departments
    if {"step", "region_code", "department"} <= set(departments.columns):
        dept = (
            departments.filter(pl.col("step").is_not_null())
            .join(_region_names(a), on="region_code", how="left", maintain_order="left")
            .sort(_step_order(), "region_code", "department")
        )
        if dept.height:
            rows = [
                (
                    [
                        f'<span class="step">{_t(rec["step"])}</span>',
                        f"{_t(rec.get('region_name') or '')} <code>{_t(rec['region_code'])}</code>",
                        _t(rec["department"]),
                        _t(percent_text(rec.get("fulfilment"))),
                        _reasons(rec.get("reasons")),
                    ],
                    {"data-region": rec["region_code"], "data-step": rec["step"]},
                )
                for rec in dept.head(MAX_ROWS).iter_rows(named=True)
            ]
            parts += [
                f"<h3>部门（{dept.height} 个，措施为其领导干部中最重的）</h3>",
                _table(("问责措施", "地区", "部门", "履职率", "事由"), rows, cls="departments"),
                _cut_note(dept, "个部门"),
            ]
    return "".join(parts)


def _reasons(values: Sequence[Any] | None) -> str:
    items = "".join(f"<li>{_t(v)}</li>" for v in values or [])
    return f'<ul class="reasons">{items}</ul>' if items else ""


def _four_musts(a: Assessment) -> str:
    cases = a.cases
    if cases.is_empty():
        return '<p class="empty">本年度没有执法案件（cases）。</p>'
    table = charts.four_musts_table(a)
    dept_rows = [
        (
            [
                _t(rec["department"] or "（未填部门）"),
                _t(rec["cases"]),
                _t(rec["cases_requiring"]),
                _t(rec["compliant"]),
                _t(percent_text(rec["compliance_rate"])),
            ],
            {"data-department": rec["department"] or ""},
        )
        for rec in table.iter_rows(named=True)
    ]
    gaps = (
        cases.filter(pl.col("requires_measure").fill_null(False) & ~pl.col("compliant"))
        .join(_region_names(a), on="region_code", how="left", maintain_order="left")
        .sort("region_code", "found_on", "case_id", nulls_last=True)
    )
    gap_rows = [
        (
            [
                f"<code>{_t(rec['case_id'])}</code>",
                f"{_t(rec.get('region_name') or '')} <code>{_t(rec['region_code'])}</code>",
                _t(rec.get("department") or ""),
                _t(rec.get("enterprise_name") or rec.get("enterprise_id") or ""),
                _t(rec.get("found_on")),
                _t("、".join(rec.get("gaps") or [])),
            ],
            {"data-case": rec["case_id"], "data-region": rec["region_code"]},
        )
        for rec in gaps.head(MAX_ROWS).iter_rows(named=True)
    ]
    requiring = int(cases["requires_measure"].fill_null(False).sum())
    return (
        f"<p>本年度案件 {cases.height} 件，应采取四个一律措施的 {requiring} 件，"
        f"措施未全部到位的 {gaps.height} 件。</p>"
        + _figure(charts.four_musts_by_department(a), "four_musts_by_department")
        + "<h3>各部门落实情况</h3>"
        + _table(
            ("部门", "案件数", "应采取措施", "全部到位", "落实率"),
            dept_rows,
            cls="four-musts",
            numeric=(1, 2, 3, 4),
        )
        + f"<h3>措施未到位的案件（{gaps.height} 件）</h3>"
        + (
            _table(("案件编号", "地区", "部门", "企业", "发现日期", "缺项"), gap_rows, cls="gaps")
            if gap_rows
            else '<p class="empty">无。</p>'
        )
        + _cut_note(gaps, "件")
    )


def _enterprises(a: Assessment) -> str:
    if a.enterprises.is_empty():
        return '<p class="empty">没有企业评级结果（enterprises）。</p>'
    table = charts.enterprise_classes_table(a)
    classes = [*charts.CLASS_NAMES, "未分类"]
    if not table["未分类"].sum():
        classes = classes[:-1]
    rows = [
        (
            [f"{_t(rec['name'] or '')} <code>{_t(rec['region_code'])}</code>"]
            + [_t(rec[c]) for c in classes]
            + [_t(rec["total"])],
            {"data-region": rec["region_code"]},
        )
        for rec in table.iter_rows(named=True)
    ]
    totals = [_t(int(table[c].sum())) for c in [*classes, "total"]]
    rows.append((["合计", *totals], {"class": "sum"}))
    headers = ("地区", *(f"{c} 类" if c in charts.CLASS_NAMES else c for c in classes), "合计")
    return _figure(charts.enterprise_classes_by_region(a), "enterprise_classes_by_region") + _table(
        headers, rows, cls="classes", numeric=tuple(range(1, len(headers)))
    )


def _data_notes(a: Assessment) -> str:
    warnings = a.warnings
    rows = [
        (
            [_t(rec.get("table") or ""), _t(rec.get("column") or ""), _t(rec.get("message"))],
            {"data-rule": rec.get("rule") or ""},
        )
        for rec in warnings.head(MAX_ROWS).iter_rows(named=True)
    ]
    frames = [
        (
            [_t(frame.sheet), f"<code>{_t(name)}</code>", _t(getattr(a, name).height)],
            {"data-frame": name},
        )
        for name, frame in OUTPUTS.items()
        if isinstance(getattr(a, name, None), pl.DataFrame)
    ]
    return (
        f"<p>数据警示 {warnings.height} 条，未采用的数据 {a.rejected.height} 行。</p>"
        + (
            f"<details><summary>数据警示（{warnings.height} 条）</summary>"
            + _table(("数据表", "列", "说明"), rows, cls="warnings")
            + _cut_note(warnings, "条")
            + "</details>"
            if rows
            else ""
        )
        + "<h3>结果数据表</h3><p>完整结果的各表（Excel 工作表、Parquet 文件）及行数：</p>"
        + _table(("工作表", "表名", "行数"), frames, cls="frames", numeric=(2,))
    )


# --- the page ------------------------------------------------------------------------------------

_CSS = """
:root { --ink: #212121; --muted: #616161; --rule: #d0d0d0; --veto: #C62828;
  --yellow: #B26A00; --band: #f5f5f5; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; color: var(--ink);
  margin: 0 auto; padding: 24px 32px 48px; max-width: 1200px; line-height: 1.6;
  font-size: 15px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 12px; }
h2 { font-size: 21px; border-bottom: 2px solid var(--ink); padding-bottom: 4px;
  margin-top: 40px; }
h3 { font-size: 17px; margin: 24px 0 8px; }
code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 0.9em; }
.cover { border: 1px solid var(--rule); padding: 20px 24px; background: var(--band); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.fingerprint { font-size: 13px; word-break: break-all; }
.overview { font-size: 16px; margin: 12px 0 4px; }
.note { color: var(--muted); font-size: 13px; }
.empty { color: var(--muted); }
.toc ol { columns: 2; margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
th, td { border: 1px solid var(--rule); padding: 4px 8px; text-align: left;
  vertical-align: top; }
th { background: #eeeeee; font-weight: bold; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafafa; }
tr.sum td { font-weight: bold; background: #eeeeee; }
table.fixed { table-layout: fixed; }
table.ranking td:nth-child(n+5):nth-child(-n+7),
table.ranking th:nth-child(n+5):nth-child(-n+7) { text-align: center; white-space: nowrap; }
table.officials td:nth-child(-n+5) { white-space: nowrap; }
table.items td:nth-child(5) { font-size: 12px; color: var(--muted); }
table.items td:nth-child(6) { font-size: 12px; overflow-wrap: anywhere; }
table.items tr.deduct td:nth-child(3) { color: var(--veto); font-weight: bold; }
.grade { display: inline-block; padding: 0 8px; border-radius: 3px; font-weight: bold;
  white-space: nowrap; }
.grade.none { color: var(--muted); }
.mark { font-weight: bold; white-space: nowrap; }
.mark.veto { color: var(--veto); }
.mark.yellow { color: var(--yellow); }
.step { font-weight: bold; white-space: nowrap; }
tr[data-step="问责建议"] .step { color: var(--veto); }
tr[data-step="通报"] .step { color: var(--yellow); }
ul.reasons { margin: 0; padding-left: 1.2em; font-size: 13px; }
ol.notes { font-size: 14px; padding-left: 1.2em; list-style: none; }
ol.notes li { margin-bottom: 4px; }
figure.chart { margin: 16px 0 24px; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
details { border: 1px solid var(--rule); border-radius: 4px; margin: 6px 0;
  padding: 4px 12px; }
details[open] { padding-bottom: 8px; }
summary { cursor: pointer; padding: 4px 0; }
summary .count { color: var(--muted); font-size: 13px; }
.total { font-weight: bold; margin: 4px 0 0; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .toc { display: none; }
  h2 { break-before: page; break-after: avoid; }
  h3 { break-after: avoid; }
  .cover { border: none; background: none; padding: 0; }
  table { font-size: 9.5pt; }
  tr, figure.chart, .peer-group h3 { break-inside: avoid; }
  figure.chart { overflow: visible; }
  details { border: none; padding: 0; }
  details::details-content { content-visibility: visible; display: block; }
  summary { list-style: none; font-weight: bold; }
  summary::-webkit-details-marker { display: none; }
  a { color: inherit; text-decoration: none; }
  tbody tr:nth-child(even) { background: none; }
  .grade, th, tr.sum td { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


def render_html(assessment: Assessment, *, sensitivity: SensitivityResult | None = None) -> str:
    """The report as one HTML document (a string): the same assessment gives the same
    text on any day.  With a `sensitivity` result (`accountability.sensitivity`) of the
    same assessment, a part 名次稳健性 shows each region's rank interval.

    >>> render_html(result).startswith("<!DOCTYPE html>")      # doctest: +SKIP
    True
    """
    a = assessment
    title = f"{a.year} 年度安全生产目标管理考核结果"
    sections = {
        "ranking": _ranking(a),
        "charts": _charts(a),
        "line-items": _line_items(a),
        "officials": _officials(a),
        "four-musts": _four_musts(a),
        "enterprises": _enterprises(a),
        "data": _data_notes(a),
    }
    parts = list(_PARTS)
    if sensitivity is not None:
        sections["robustness"] = _robustness(sensitivity)
        parts.insert(2, ("robustness", "名次稳健性"))
    body = "".join(
        f'<section id="{key}"><h2>{_t(name)}</h2>{sections[key]}</section>' for key, name in parts
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="accountability {_t(a.library_version)}">'
        f'<meta name="accountability-fingerprint" content="{_t(a.fingerprint)}">'
        f'<meta name="accountability-as-of" content="{_t(a.as_of)}">'
        f"<title>{_t(title)}</title><style>{_CSS}</style></head>"
        f"<body>{_cover(a)}{_nav(parts)}<main>{body}</main></body></html>\n"
    )


def _robustness(result: SensitivityResult) -> str:
    """The rank intervals over the drawn rulebooks, and what was varied."""
    varied = "、".join(dict.fromkeys(str(k) for k in result.parameters["key"])) or "无"
    notes = "".join(f'<p class="note">注意：{_t(note)}</p>' for note in result.notes)
    return (
        f"<p>在规则库取值附近抽样 {result.n} 次（随机种子 {result.seed}），每次按同一规则重新"
        f"计分、封顶、定等次和一票否决，统计各地区的名次区间和等次稳定性。变动的参数：{_t(varied)}。"
        "等次稳定：同一等次占抽样的 95% 以上；临近分数线：5%–95% 得分区间跨过等次分数线。</p>"
        + notes
        + _figure(charts.rank_intervals(result), "rank_intervals")
    )


def write_html(
    assessment: Assessment, path: str | Path, *, sensitivity: SensitivityResult | None = None
) -> Path:
    """Write `render_html(assessment)` to `path` (UTF-8); returns the path.

    >>> write_html(result, "结果.html")                         # doctest: +SKIP
    PosixPath('结果.html')
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render_html(assessment, sensitivity=sensitivity).encode("utf-8"))
    return out
