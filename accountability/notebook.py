"""How results look at the prompt and in a notebook: a few lines of text, or compact HTML.

`text(obj)` and `html(obj)` show an `Assessment`, the results of the scorers run on
their own (`FourMustsResult`, `DualDutyResult`, `EnterpriseRatings`) and a `Dataset`:
a summary line, then the head of each main frame under Chinese headers.  Regions are
grouped by peer group — the regions of one level under one parent, among which a rank
is given — so a city ranked 1 among the cities and a county ranked 1 among that city's
counties sit under two headings, never as two bare "1" rows.  The HTML has inline
styles only (no script, no stylesheet, nothing from the network), escapes every text
and colours each grade, best green to worst red.  The text is a few lines whatever the
size of the data; the frames themselves hold everything.

The classes' `__repr__` and `_repr_html_` call these (through `accountability.display`
where a class lives below the report layer).

>>> import polars as pl
>>> regions = pl.DataFrame({"region_code": ["430900", "430902"], "name": ["益阳市", "资阳区"],
...     "level": ["市", "县"], "parent_code": [None, "430900"], "rank": [1, 1]})
>>> peer_groups(regions)["peer_group"].to_list()
['市级地区（1 个）', '益阳市所辖县级地区（1 个）']
"""

from __future__ import annotations

import html as _html
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from accountability.codes import ACCOUNTABILITY_STEPS
from accountability.columns import TABLES
from accountability.peers import with_peer_groups
from accountability.report import (
    SHARE_COLUMNS,
    SHEETS,
    UNGRADED_COLOUR,
    _grade_counts,
    _to_text,
    grade_colours,
    people_label,
    readable_line_items,
)
from accountability.wording import number, percent, percent_text, visible
from accountability.wording import visible_expr as _visible_expr

if TYPE_CHECKING:
    from accountability.assessment import Assessment
    from accountability.scorers.dual_duty import DualDutyResult
    from accountability.scorers.enterprise import EnterpriseRatings
    from accountability.scorers.four_musts import FourMustsResult
    from accountability.tables import Dataset

__all__ = [
    "HEAD_ROWS",
    "MAX_REGIONS",
    "assessment_html",
    "assessment_text",
    "dataset_html",
    "dataset_text",
    "dual_duty_html",
    "dual_duty_text",
    "enterprise_html",
    "enterprise_text",
    "four_musts_html",
    "four_musts_text",
    "html",
    "peer_groups",
    "text",
]

MAX_REGIONS = 40  # regions shown in the HTML; the rest are counted
HEAD_ROWS = 5  # rows shown of each further frame
GROUP_ROWS = 3  # rows shown per group (a risk class, an accountability step)
MAX_CELL = 60  # characters shown of a cell; the frame keeps the rest
TEXT_GROUPS = 4  # peer groups named in the text
TEXT_LINE = 160  # characters of a text line at most

# Columns the result frames do not label for people.
_LABELS: dict[str, str] = {
    "peer_group": "比较组",
    "cases_requiring": "应采取措施",
    "noncompliant_case_ids": "未全部采取措施的案件",
    "gap_not_closed": "未关闭取缔",
    "gap_penalty_below_max": "未按上限处罚",
    "gap_penalty_unknown": "处罚上限不明",
    "gap_not_suspended": "未停产整顿",
    "gap_not_transferred": "未移送",
    "data_sufficient": "数据充足",
    "step_basis": "步骤依据",
    "triggered_on": "触发日期",
    "rule_title": "规则",
    "table_label": "表",
    "table": "表名",
    "rows": "行数",
    "rows_read": "读入行数",
    "dates": "日期范围",
    "rule": "规则",
}

# --- styles (inline only) ---------------------------------------------------------------

_BOX = "font-size:13px;line-height:1.45;overflow-x:auto;max-width:100%"
_P = "margin:2px 0"
_TABLE = "border-collapse:collapse;margin:6px 0;font-size:13px"
_TH = (
    "text-align:left;padding:3px 8px;border-bottom:2px solid #888;"
    "background:#f2f2f2;color:#222;white-space:nowrap;min-width:0"
)
_GROUP = "text-align:left;padding:6px 8px 2px;background:#e7eef8;color:#1b365d;font-weight:600"
_TD = "padding:2px 8px;border-bottom:1px solid #e3e3e3"
_RIGHT = "text-align:right;font-variant-numeric:tabular-nums"
_CHIP = "display:inline-block;padding:0 6px;margin-right:4px;border-radius:3px;color:#fff"
_ALERT = "color:#C62828;font-weight:600"
_NOTE = "margin:2px 0;color:#666;font-size:12px"
_DETAILS = "margin:4px 0;box-sizing:border-box"


def _esc(value: object) -> str:
    return _html.escape(visible(str(value)), quote=True)


def _escape(expr: pl.Expr) -> pl.Expr:
    """`html.escape` for a string expression (one pass: no text is escaped twice)."""
    return expr.str.replace_many(
        ["&", "<", ">", '"', "'"], ["&amp;", "&lt;", "&gt;", "&quot;", "&#x27;"]
    )


def _label(column: str, frame_name: str | None) -> str:
    return _LABELS.get(column) or people_label(column, frame_name)


def _header(column: str, frame_name: str | None) -> str:
    """A column's header: its label, but a section's letter alone (its title on hover)."""
    return column if column in _SECTIONS else _label(column, frame_name)


def _grade_style(colours: Mapping[str, str], column: str) -> pl.Expr:
    """The extra style of a grade cell: its colour as background, white text."""
    styles = {
        g: f"background:{c};color:#fff;font-weight:600;text-align:center"
        for g, c in colours.items()
    }
    return (
        pl.col(column).cast(pl.String).replace_strict(styles, default=None, return_dtype=pl.String)
    )


def _flag_style(column: str) -> pl.Expr:
    """A true flag (一票否决, 黄牌警告) in red."""
    return pl.when(pl.col(column).cast(pl.Boolean)).then(pl.lit(_ALERT))


def _chips(counts: Sequence[tuple[str, int]], colours: Mapping[str, str]) -> str:
    return "".join(
        f'<span style="{_CHIP};background:{colours.get(g, UNGRADED_COLOUR)}">{_esc(g)} {n}</span>'
        for g, n in counts
        if n
    )


# --- cells ------------------------------------------------------------------------------


def _shown(frame: pl.DataFrame) -> pl.DataFrame:
    """Every cell as the text a person reads: points rounded, shares as percentages,
    是/否, lists joined with "；", control characters made visible, long texts cut,
    "—" for none.

    >>> _shown(pl.DataFrame({"score": [77.78119], "fulfilment": [0.875], "x": [None]})).row(0)
    ('77.78', '87.5%', '—')
    """
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if name in SHARE_COLUMNS and dtype.is_numeric():
            shown = percent(col)
        elif dtype.is_float() or isinstance(dtype, pl.Decimal):
            shown = number(col)
        else:
            shown = _to_text(col, dtype).cast(pl.String)
        shown = _visible_expr(shown, single_line=True)
        shown = (
            pl.when(shown.str.len_chars() > MAX_CELL)
            .then(pl.concat_str(shown.str.slice(0, MAX_CELL - 1), pl.lit("…")))
            .otherwise(shown)
        )
        exprs.append(shown.fill_null("—").alias(name))
    return frame.select(exprs)


def _table(
    frame: pl.DataFrame,
    frame_name: str | None = None,
    *,
    group: str | None = None,
    styles: Mapping[str, pl.Expr] | None = None,
) -> str:
    """`frame` as an HTML table under Chinese headers; with `group`, a heading row
    wherever that column's value changes (the column itself is not shown); `styles`
    gives a column's cells an extra style from their values."""
    columns = [c for c in frame.columns if c != group]
    if not columns:
        return ""
    styles = styles or {}
    shown = _shown(frame.select(columns)).select(_escape(pl.col(c)) for c in columns)
    base = {c: _TD + (";" + _RIGHT if frame.schema[c].is_numeric() else "") for c in columns}
    style = {
        c: pl.concat_str(pl.lit(base[c]), pl.lit(";") + styles[c], ignore_nulls=True)
        if c in styles
        else pl.lit(base[c])
        for c in columns
    }
    group_text = (
        _escape(_visible_expr(pl.col(group).cast(pl.String))) if group else pl.lit(None, pl.String)
    )
    extra = frame.with_columns(
        *[expr.alias(f"s:{c}") for c, expr in style.items()], group_text.alias("g")
    ).select(*[f"s:{c}" for c in columns], "g")
    work = pl.concat([shown.rename(lambda c: f"t:{c}"), extra], how="horizontal")
    cells = [
        pl.concat_str(
            pl.lit('<td style="'), pl.col(f"s:{c}"), pl.lit('">'), pl.col(f"t:{c}"), pl.lit("</td>")
        )
        for c in columns
    ]
    row = pl.concat_str([pl.lit("<tr>"), *cells, pl.lit("</tr>")])
    if group:
        heading = pl.concat_str(
            pl.lit(f'<tr><th colspan="{len(columns)}" style="{_GROUP}">'),
            pl.col("g").fill_null("—"),
            pl.lit("</th></tr>"),
        )
        first = pl.col("g").ne_missing(pl.col("g").shift(1)) | (pl.int_range(pl.len()) == 0)
        row = pl.when(first).then(pl.concat_str(heading, row)).otherwise(row)
    body = work.select(row.str.join("")).item() if work.height else ""
    labels = [(_esc(_label(c, frame_name)), _esc(_header(c, frame_name))) for c in columns]
    head = "".join(f'<th style="{_TH}" title="{full}">{shown}</th>' for full, shown in labels)
    return (
        f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{body or ""}</tbody></table>'
    )


def _details(title: str, frame: pl.DataFrame, frame_name: str | None, table: str) -> str:
    """A folded section: the frame's name and size, its head inside."""
    shown = min(frame.height, HEAD_ROWS)
    what = f"{_esc(title)} · {frame.height} 行" + (
        f"（前 {shown} 行）" if shown < frame.height else ""
    )
    empty = f'<p style="{_NOTE}">（无列）</p>'
    return f'<details style="{_DETAILS}"><summary>{what}</summary>{table or empty}</details>'


def _box(name: str, *parts: str) -> str:
    return f'<div class="accountability-{name}" style="{_BOX}">' + "".join(parts) + "</div>"


def _cut(line: str, width: int = TEXT_LINE) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def _select(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """The columns of `columns` the frame has, in that order (its first six if none)."""
    present = [c for c in columns if c in frame.columns]
    return frame.select(present or frame.columns[:6])


def _count(frame: pl.DataFrame, expr: pl.Expr, needs: Sequence[str]) -> int | None:
    if not set(needs) <= set(frame.columns):
        return None
    return int(frame.select(expr.cast(pl.Boolean).fill_null(False).sum()).item())


def _counts(frame: pl.DataFrame, column: str, order: Sequence[str] = ()) -> list[tuple[str, int]]:
    """(value, rows) of a column: the values of `order` first, then the others sorted,
    then "无" for the nulls."""
    if column not in frame.columns or not frame.height:
        return []
    values = frame.get_column(column).cast(pl.String)
    counts = dict(values.value_counts().iter_rows())
    rows = [(v, int(counts.pop(v, 0))) for v in order]
    missing = int(counts.pop(None, 0))
    rows += sorted((str(v), int(n)) for v, n in counts.items())
    return [*rows, ("无", missing)] if missing else rows


def _count_line(counts: Sequence[tuple[str, int]]) -> str:
    return " · ".join(f"{visible(g)} {n}" for g, n in counts if n)


# --- regions and their peer groups ------------------------------------------------------


def peer_groups(regions: pl.DataFrame) -> pl.DataFrame:
    """The regions in the order people read them — upper levels first, then by parent
    and rank — with `peer_group` first: the heading of the regions ranked together
    (one level under one parent), and how many they are (`accountability.peers`).

    >>> regions = pl.DataFrame({"region_code": ["430902", "430900"], "name": ["资阳区", "益阳市"],
    ...     "level": ["县", "市"], "parent_code": ["430900", None]})
    >>> peer_groups(regions).select("peer_group", "name").rows()
    [('市级地区（1 个）', '益阳市'), ('益阳市所辖县级地区（1 个）', '资阳区')]
    """
    return with_peer_groups(regions)


_RANK_NOTE = "排名是同一上级、同一级别地区之间的名次。"


def _group_lines(
    frame: pl.DataFrame, group: str, entry: pl.Expr, *, groups: int = TEXT_GROUPS
) -> list[str]:
    """One line per group (at most `groups`): its heading and its first entries."""
    if not frame.height:
        return []
    per = (
        frame.with_columns(entry.alias("_entry"))
        .group_by(group, maintain_order=True)
        .agg(
            pl.col("_entry").head(GROUP_ROWS).str.join(" · ").alias("_entries"),
            pl.len().alias("_n"),
        )
    )
    lines = [
        _cut(f"{visible(str(g))}：{e}" + (" · …" if n > GROUP_ROWS else ""))
        for g, e, n in per.head(groups).iter_rows()
    ]
    if per.height > groups:
        lines.append(f"… 另有 {per.height - groups} 组")
    return lines


def _name(column: str = "name") -> pl.Expr:
    text = _visible_expr(pl.col(column).cast(pl.String), single_line=True)
    return (
        pl.when(text.str.len_chars() > 20).then(text.str.slice(0, 19) + pl.lit("…")).otherwise(text)
    )


# --- Assessment -------------------------------------------------------------------------

_HEADS: dict[str, tuple[str, ...]] = {
    "enterprises": ("enterprise_id", "name", "region_code", "sector", "score", "risk_class",
                    "dishonest", "inspections_per_year"),
    "cases": ("case_id", "enterprise_name", "region_code", "department", "found_on",
              "requires_measure", "compliant", "gaps"),
    "officials": ("official_id", "name", "region_code", "role", "portfolio", "fulfilment",
                  "step", "step_basis"),
    "departments": ("region_code", "department", "officials", "fulfilment", "step",
                    "accidents", "deaths"),
    "line_items": ("subject_type", "subject_id", "rule_title", "points", "reason"),
    "summons_events": ("triggered_on", "region_code", "official_id", "name", "step", "reason"),
}  # fmt: skip
_REGION_COLUMNS = ("peer_group", "rank", "name", "region_code", "score", "grade", "vetoed",
                   "yellow_card", "A", "B", "C", "D", "E")  # fmt: skip
_SECTIONS = frozenset("ABCDE")
_MAIN_FRAMES = ("regions", "enterprises", "cases", "officials", "departments", "line_items")


def _frame(obj: object, name: str) -> pl.DataFrame:
    frame = getattr(obj, name, None)
    return frame if isinstance(frame, pl.DataFrame) else pl.DataFrame()


def _head(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    head = frame.head(HEAD_ROWS)
    if name == "line_items":
        head = readable_line_items(head)
    return _select(head, _HEADS.get(name, ()))


def _facts(a: Assessment) -> tuple[str, str]:
    """The first two lines: what was assessed, and under which rules."""
    period = getattr(a, "period", None)
    span = f" · 考核期 {period[0]} 至 {period[1]}" if period else ""
    fp = str(a.fingerprint or "")
    return (
        f"{a.year} 年度考核{span} · 数据截止 {a.as_of}",
        f"规则集 {visible(str(a.rulebook_name))} {fp[:12]}… · 程序 v{a.library_version}"
        f" · 输出格式 {a.schema_version}",
    )


def _grade_line(a: Assessment) -> list[tuple[str, int]]:
    regions = _frame(a, "regions")
    grades = [(g, n) for g, n in _grade_counts(regions, tuple(a.grade_names)) if n]
    flags = [
        (people_label(c, "regions"), _count(regions, pl.col(c), [c]))
        for c in ("vetoed", "yellow_card")
    ]
    return grades + [(label, n) for label, n in flags if n is not None]


def assessment_text(a: Assessment) -> str:
    """A few lines: year, period, as_of, rulebook, the frames' sizes, the grades, and
    each peer group's first regions by rank (`repr(result)`; the tutorial shows one).
    """
    regions = _frame(a, "regions")
    first, second = _facts(a)
    sizes = " · ".join(f"{SHEETS[n]} {_frame(a, n).height}" for n in _MAIN_FRAMES)
    lines = [f"Assessment · {first}", second, sizes]
    grades = _grade_line(a)
    if grades:
        lines.append("等次：" + _count_line(grades))
    if {"name", "score", "grade"} <= set(regions.columns):
        vetoed = pl.col("vetoed").fill_null(False) if "vetoed" in regions.columns else pl.lit(False)
        rank = pl.col("rank").cast(pl.String) if "rank" in regions.columns else pl.lit(None)
        score = number(pl.col("score")).fill_null("—")
        grade = pl.col("grade").cast(pl.String).fill_null("未评定")
        veto = pl.when(vetoed).then(pl.lit("（否决）")).otherwise(pl.lit(""))
        entry = pl.concat_str(
            rank.fill_null("—"), pl.lit(" "), _name(), pl.lit(" "), score, pl.lit(" "), grade, veto
        )
        lines += _group_lines(peer_groups(regions), "peer_group", entry)
        lines.append(_RANK_NOTE + '地区的得分：.explain("区划代码")')
    return "\n".join(lines)


def assessment_html(a: Assessment) -> str:
    """The facts, the grades as coloured counts, the regions by peer group with score,
    grade, veto and section points, then the head of each further main frame (folded):
    what a notebook shows of `result`.
    """
    regions = _frame(a, "regions")
    colours = grade_colours(tuple(a.grade_names))
    first, second = _facts(a)
    fp = str(a.fingerprint or "")
    short = _esc(f"{fp[:12]}…")
    rules = _esc(second).replace(short, f'<code title="sha256 {_esc(fp)}">{short}</code>', 1)
    head = f'<p style="{_P}"><b>{_esc(first)}</b></p><p style="{_P}">{rules}</p>'

    grades = _grade_line(a)
    chips = _chips([(g, n) for g, n in grades if g in colours], colours)
    flags = " · ".join(f"{_esc(g)} {n}" for g, n in grades if g not in colours)
    summary = f'<p style="{_P}">等次：{chips} {flags}</p>' if grades else ""
    table = ""
    if regions.width:
        shown = peer_groups(regions)
        table = _table(
            _select(shown.head(MAX_REGIONS), _REGION_COLUMNS),
            "regions",
            group="peer_group",
            styles={
                "grade": _grade_style(colours, "grade"),
                "vetoed": _flag_style("vetoed"),
                "yellow_card": _flag_style("yellow_card"),
            },
        )
        more = regions.height - min(regions.height, MAX_REGIONS)
        note = _RANK_NOTE + (
            f"另有 {more} 个地区未列出（共 {regions.height} 个）。" if more else ""
        )
        table += f'<p style="{_NOTE}">{_esc(note)}</p>'
    folded = "".join(
        _details(SHEETS[n], _frame(a, n), n, _table(_head(_frame(a, n), n), n))
        for n in _MAIN_FRAMES[1:]
    )
    return _box("assessment", head, summary, table, folded)


# --- 四个一律 -----------------------------------------------------------------------------

_GAP_LABELS = {c: _LABELS[c] for c in _LABELS if c.startswith("gap_")}


def _four_musts_facts(r: FourMustsResult) -> str:
    cases = r.cases
    year = f"{r.year} 年 · " if r.year else ""
    requiring = _count(cases, pl.col("requires_measure"), ["requires_measure"])
    compliant = _count(
        cases, pl.col("requires_measure") & pl.col("compliant"), ["requires_measure", "compliant"]
    )
    facts = f"四个一律 · {year}案件 {cases.height}"
    if requiring is not None and compliant is not None:
        rate = percent_text(compliant / requiring) if requiring else "—"
        facts += f" · 应采取措施 {requiring} · 全部采取 {compliant}（{rate}）"
    return facts


def _gap_counts(r: FourMustsResult) -> list[tuple[str, int]]:
    """Cases per kind of gap, from the cases themselves (the regions' figures roll up)."""
    if "gaps" not in r.cases.columns or not r.cases.height:
        return []
    gap = pl.col("gaps").explode().drop_nulls().str.split(":").list.first().str.strip_chars()
    gaps = r.cases.select(gap.alias("gap"))
    counted = gaps.group_by("gap").len().sort("len", "gap", descending=[True, False])
    return [(str(g), int(n)) for g, n in counted.iter_rows()]


def four_musts_text(r: FourMustsResult) -> str:
    """A few lines: the cases and how many took every measure required, the gaps by
    kind, and the regions by level with their compliance rates."""
    lines = [f"FourMustsResult · {_four_musts_facts(r)}"]
    gaps = _gap_counts(r)
    if gaps:
        lines.append(_cut("缺口：" + _count_line(gaps[:6])))
    frame = r.by_region
    if {"name", "compliance_rate"} <= set(frame.columns):
        entry = pl.concat_str(
            _name(), pl.lit(" "), percent(pl.col("compliance_rate")).fill_null("—")
        )
        grouped = peer_groups(frame).with_row_index("_row")
        first = pl.col("_row").min().over("peer_group")
        ranked = grouped.sort(first, "compliance_rate", nulls_last=True, maintain_order=True)
        lines += _group_lines(ranked, "peer_group", entry)
        lines.append("合规率 = 全部采取应采取措施的案件 ÷ 应采取措施的案件（含下辖地区）")
    return "\n".join(lines)


def four_musts_html(r: FourMustsResult) -> str:
    """The facts, the regions by level (their own cases and those below them), the
    departments, then the head of the cases that missed a measure (folded)."""
    head = f'<p style="{_P}"><b>{_esc(_four_musts_facts(r))}</b></p>'
    gaps = _gap_counts(r)
    if gaps:
        head += f'<p style="{_P}">缺口：{_esc(_count_line(gaps))}</p>'
    columns = ("peer_group", "name", "region_code", "cases", "cases_requiring", "compliant",
               "compliance_rate", *_GAP_LABELS)  # fmt: skip
    regions = ""
    if r.by_region.width:
        shown = peer_groups(r.by_region).head(MAX_REGIONS)
        regions = _table(_select(shown, columns), None, group="peer_group")
        regions += f'<p style="{_NOTE}">各地区的数字含其下辖地区的案件。</p>'
    departments = _table(
        _select(r.by_department.head(MAX_REGIONS), ("department", *columns[3:])), "departments"
    )
    failing = r.cases
    if {"requires_measure", "compliant"} <= set(failing.columns):
        failing = failing.filter(pl.col("requires_measure") & ~pl.col("compliant"))
    folded = _details(
        "未全部采取措施的案件", failing, "cases", _table(_head(failing, "cases"), "cases")
    )
    return _box("four-musts", head, regions, departments, folded)


# --- 一岗双责 -----------------------------------------------------------------------------

_STEP_COLOURS = dict(zip(ACCOUNTABILITY_STEPS, ("#F9A825", "#EF6C00", "#C62828"), strict=True))


def _dual_duty_facts(r: DualDutyResult) -> str:
    year = f"{r.year} 年 · " if r.year else ""
    return f"一岗双责 · {year}领导干部 {r.officials.height} · 部门 {r.departments.height}"


def _steps(r: DualDutyResult) -> list[tuple[str, int]]:
    return _counts(r.officials, "step", tuple(reversed(ACCOUNTABILITY_STEPS)))


def _by_step(officials: pl.DataFrame) -> pl.DataFrame:
    """Officials with a step, the most severe first, each step's first few, with the
    step's heading."""
    if "step" not in officials.columns:
        return officials.clear()
    severity = {s: -i for i, s in enumerate(ACCOUNTABILITY_STEPS)}
    step = pl.col("step").cast(pl.String)
    ordered = officials.filter(step.is_not_null()).with_columns(
        step.replace_strict(severity, default=1, return_dtype=pl.Int32).alias("_severity")
    )
    ordered = ordered.sort("_severity", *[c for c in ("official_id",) if c in officials.columns])
    size = pl.concat_str(step, pl.lit("（"), pl.len().over("step").cast(pl.String), pl.lit(" 人）"))
    return (
        ordered.with_columns(size.alias("peer_group"))
        .filter(pl.int_range(pl.len()).over("step") < GROUP_ROWS)
        .drop("_severity")
    )


def dual_duty_text(r: DualDutyResult) -> str:
    """A few lines: officials and departments, officials per step, the first officials
    of each step, most severe first."""
    lines = [f"DualDutyResult · {_dual_duty_facts(r)}"]
    steps = _steps(r)
    if steps:
        lines.append("问责步骤：" + _count_line(steps))
    shown = _by_step(r.officials)
    if shown.height and "name" in shown.columns:
        who = [pl.col("official_id"), pl.lit(" ")] if "official_id" in shown.columns else []
        role = (
            [pl.lit("（"), pl.col("role").cast(pl.String), pl.lit("）")]
            if "role" in shown.columns
            else []
        )
        entry = pl.concat_str(*who, _name(), *role, ignore_nulls=True)
        lines += _group_lines(shown, "peer_group", entry)
    lines.append('领导干部的问责步骤和依据：.officials；解释：Assessment.explain("干部编号")')
    return "\n".join(lines)


def dual_duty_html(r: DualDutyResult) -> str:
    """The facts, the steps as coloured counts, the officials of each step (most severe
    first), then the heads of the departments and the 约谈/通报 events (folded)."""
    head = f'<p style="{_P}"><b>{_esc(_dual_duty_facts(r))}</b></p>'
    steps = _steps(r)
    if steps:
        chips = _chips(steps, {**_STEP_COLOURS, "无": UNGRADED_COLOUR})
        head += f'<p style="{_P}">问责步骤：{chips}</p>'
    shown = _by_step(r.officials)
    table = ""
    if shown.height:
        table = _table(
            _select(shown, ("peer_group", *_HEADS["officials"])),
            "officials",
            group="peer_group",
            styles={"step": _grade_style(_STEP_COLOURS, "step")},
        )
        table += f'<p style="{_NOTE}">每个问责步骤列出前 {GROUP_ROWS} 人，全部见 .officials。</p>'
    folded = "".join(
        _details(SHEETS[n], _frame(r, n), n, _table(_head(_frame(r, n), n), n))
        for n in ("departments", "summons_events")
    )
    return _box("dual-duty", head, table, folded)


# --- 企业主体责任 ---------------------------------------------------------------------------


def _classes(frame: pl.DataFrame) -> tuple[str, ...]:
    """The risk classes present, best first (A … D)."""
    if "risk_class" not in frame.columns:
        return ()
    values = frame.get_column("risk_class").cast(pl.String).drop_nulls().unique().sort()
    return tuple(values.to_list())


def _enterprise_facts(r: EnterpriseRatings) -> str:
    ents = r.enterprises
    facts = f"企业主体责任 · {r.year} 年 · 企业 {ents.height}"
    dishonest = _count(ents, pl.col("dishonest"), ["dishonest"])
    if dishonest is not None:
        facts += f" · 严重失信 {dishonest}（不适用 {ents.get_column('dishonest').null_count()}）"
    short = _count(ents, ~pl.col("data_sufficient"), ["data_sufficient"])
    if short is not None:
        facts += f" · 数据不足 {short}"
    return facts


def _by_class(ents: pl.DataFrame) -> pl.DataFrame:
    """The lowest-scoring enterprises of each risk class, the worst class first."""
    classes = _classes(ents)
    if not classes:
        return ents.head(HEAD_ROWS)
    worst = {c: -i for i, c in enumerate(classes)}
    keys = ["_class", *[c for c in ("score", "enterprise_id") if c in ents.columns]]
    risk = pl.col("risk_class").cast(pl.String)
    size = pl.concat_str(
        pl.lit("风险分类 "),
        risk,
        pl.lit("（"),
        pl.len().over("risk_class").cast(pl.String),
        pl.lit(" 家，得分最低的）"),
    )
    return (
        ents.filter(risk.is_not_null())
        .with_columns(
            risk.replace_strict(worst, return_dtype=pl.Int32).alias("_class"),
            size.alias("peer_group"),
        )
        .sort(keys, nulls_last=True)
        .filter(pl.int_range(pl.len()).over("risk_class") < GROUP_ROWS)
        .drop("_class")
    )


def enterprise_text(r: EnterpriseRatings) -> str:
    """A few lines: the enterprises, their risk classes, and the lowest scores of the
    worst classes."""
    ents = r.enterprises
    lines = [f"EnterpriseRatings · {_enterprise_facts(r)}"]
    counts = _counts(ents, "risk_class", _classes(ents))
    if counts:
        lines.append("风险分类：" + _count_line(counts))
    shown = _by_class(ents)
    if "peer_group" in shown.columns and {"name", "score"} <= set(shown.columns):
        entry = pl.concat_str(_name(), pl.lit(" "), number(pl.col("score")).fill_null("—"))
        lines += _group_lines(shown, "peer_group", entry, groups=2)
    return "\n".join(lines)


def enterprise_html(r: EnterpriseRatings) -> str:
    """The facts, the classes as coloured counts, the lowest-scoring enterprises of each
    class (worst class first), then the inspections by region (folded)."""
    ents = r.enterprises
    colours = grade_colours(_classes(ents))
    head = f'<p style="{_P}"><b>{_esc(_enterprise_facts(r))}</b></p>'
    counts = _counts(ents, "risk_class", _classes(ents))
    if counts:
        head += f'<p style="{_P}">风险分类：{_chips(counts, colours)}</p>'
    shown = _by_class(ents)
    group = "peer_group" if "peer_group" in shown.columns else None
    table = _table(
        _select(shown, ("peer_group", *_HEADS["enterprises"])),
        "enterprises",
        group=group,
        styles={
            "risk_class": _grade_style(colours, "risk_class"),
            "dishonest": _flag_style("dishonest"),
        },
    )
    frequency = r.frequency_by_region
    folded = _details(
        SHEETS["inspection_frequency_by_region"],
        frequency,
        "inspection_frequency_by_region",
        _table(frequency.head(HEAD_ROWS), "inspection_frequency_by_region"),
    )
    return _box("enterprises", head, table, folded)


# --- Dataset ------------------------------------------------------------------------------


def _dataset_facts(d: Dataset) -> str:
    source = f" · 来源 {visible(str(d.source))}" if d.source else ""
    return f"数据集 · 数据截止 {d.as_of} · {len(d.tables)} 张表{source}"


def _issues(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows per (table, rule), the most first."""
    keys = [c for c in ("table", "rule") if c in frame.columns]
    if not keys or not frame.height:
        return pl.DataFrame(schema={"table": pl.String, "rule": pl.String, "rows": pl.UInt32})
    return (
        frame.group_by(keys)
        .agg(pl.len().alias("rows"))
        .sort("rows", *keys, descending=[True, *[False] * len(keys)])
    )


def _tables(d: Dataset) -> pl.DataFrame:
    names = [n for n in TABLES if n in d.tables] + sorted(n for n in d.tables if n not in TABLES)
    return pl.DataFrame(
        {
            "table_label": [TABLES[n].label if n in TABLES else n for n in names],
            "table": names,
            "rows": [d.tables[n].height for n in names],
            "rows_read": [d.rows_read.get(n) for n in names],
            "dates": [d.date_span(n) or None for n in names],
        },
        schema={
            "table_label": pl.String,
            "table": pl.String,
            "rows": pl.Int64,
            "rows_read": pl.Int64,
            "dates": pl.String,
        },
    )


def dataset_text(d: Dataset) -> str:
    """A few lines: as_of, source, each table's rows, rejected rows and warnings.

    >>> import datetime as dt
    >>> from accountability.tables import Dataset
    >>> regions = pl.DataFrame({"region_code": ["430900"]})
    >>> print(dataset_text(Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 15))))
    数据集 · 数据截止 2025-01-15 · 1 张表
    行政区划 regions 1
    未采用 0 行 · 数据警示 0 条
    """
    tables = _tables(d)
    lines = [_dataset_facts(d)]
    entries = [
        f"{label} {name} {rows}"
        for label, name, rows in tables.select("table_label", "table", "rows").iter_rows()
    ]
    line = ""
    for entry in entries[:24]:
        if line and len(line) + len(entry) + 3 > 100:
            lines.append(line)
            line = ""
        line = f"{line} · {entry}" if line else entry
    if line:
        lines.append(line)
    if len(entries) > 24:
        lines.append(f"… 另有 {len(entries) - 24} 张表")
    lines.append(f"未采用 {d.rejected.height} 行 · 数据警示 {d.warnings.height} 条")
    for title, frame in (("未采用", d.rejected), ("警示", d.warnings)):
        issues = _issues(frame).head(3)
        if issues.height:
            lines.append(
                _cut(
                    f"{title}最多的："
                    + " · ".join(
                        f"{visible(t)} {visible(str(r))} {n}" for t, r, n in issues.iter_rows()
                    )
                )
            )
    return "\n".join(lines)


def dataset_html(d: Dataset) -> str:
    """The facts, every table with its rows kept and read and its dates, then the
    rejected rows and warnings by table and rule (folded)."""
    head = f'<p style="{_P}"><b>{_esc(_dataset_facts(d))}</b></p>'
    head += f'<p style="{_P}">未采用 {d.rejected.height} 行 · 数据警示 {d.warnings.height} 条</p>'
    table = _table(_tables(d))
    folded = "".join(
        _details(title, frame, name, _table(_issues(frame).head(10)))
        for title, frame, name in (
            ("未采用数据（按表和规则）", d.rejected, "rejected"),
            ("数据警示（按表和规则）", d.warnings, "warnings"),
        )
        if frame.height
    )
    return _box("dataset", head, table, folded)


# --- dispatch -----------------------------------------------------------------------------

_RENDERERS: dict[str, tuple[Callable[[Any], str], Callable[[Any], str]]] = {
    "Assessment": (assessment_text, assessment_html),
    "FourMustsResult": (four_musts_text, four_musts_html),
    "DualDutyResult": (dual_duty_text, dual_duty_html),
    "EnterpriseRatings": (enterprise_text, enterprise_html),
    "Dataset": (dataset_text, dataset_html),
}


def _renderers(obj: object) -> tuple[Callable[[Any], str], Callable[[Any], str]]:
    for cls in type(obj).__mro__:
        if cls.__name__ in _RENDERERS:
            return _RENDERERS[cls.__name__]
    raise TypeError(f"没有 {type(obj).__name__} 的显示方式 (no display for {type(obj).__name__})")


def text(obj: object) -> str:
    """The short text of an Assessment, a scorer's result or a Dataset: a few lines."""
    return _renderers(obj)[0](obj)


def html(obj: object) -> str:
    """The compact HTML of an Assessment, a scorer's result or a Dataset."""
    return _renderers(obj)[1](obj)
