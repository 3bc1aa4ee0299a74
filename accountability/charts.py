"""Charts of an assessment as inline SVG: every label a ``<text>`` element, so Chinese
renders with the reader's own fonts, and nothing (font, script, image) comes from the
network.  A chart shows in Jupyter (`Chart._repr_svg_`), goes into the HTML report
as it is (`accountability.html_report`) and saves as an ``.svg`` file.

Every chart is a horizontal bar chart (`bar_chart`): a row per region, grade, rule or
department, a label at the left that never overlaps its neighbours however many rows
there are, bars made of coloured segments (a stack), an optional interval and point
per row, shaded bands or guide lines across the plot, an axis and a legend.  The
public functions aggregate the assessment's frames with polars and hand the small
result to `bar_chart`; a new chart (a rank interval from a sensitivity run) is one
more such function.  The same assessment gives the same bytes every time.

>>> import accountability as acc                                  # doctest: +SKIP
>>> chart = ranking(result)                                       # doctest: +SKIP
>>> chart                                                         # doctest: +SKIP
<Chart 各地区得分排名: 9 个地区>
>>> chart.save("ranking.svg")                                     # doctest: +SKIP
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import polars as pl

from accountability.codes import REGION_LEVELS
from accountability.engine import ENGINE
from accountability.peers import peer_groups
from accountability.report import (
    GRADE_COLOURS,
    UNGRADED_COLOUR,
    _grade_counts,
    grade_colours,
)
from accountability.rules.annual import SECTION_NAMES
from accountability.rules.registry import REGISTRY, rule_positions, rule_titles
from accountability.terminal import visible
from accountability.wording import number, number_text, percent_text

if TYPE_CHECKING:
    from accountability.assessment import Assessment
    from accountability.sensitivity import SensitivityResult

__all__ = [
    "SECTION_COLOURS",
    "Band",
    "BarRow",
    "Chart",
    "Group",
    "Mark",
    "Segment",
    "bar_chart",
    "enterprise_classes_by_region",
    "four_musts_by_department",
    "grade_bands",
    "grade_distribution",
    "largest_deductions",
    "peer_groups",
    "rank_intervals",
    "ranking",
    "section_stacks",
]

FONT_FAMILY = (
    "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',"
    "'WenQuanYi Micro Hei',sans-serif"
)
FONT_SIZE = 13
TITLE_SIZE = 16
ROW_HEIGHT = 24
BAR_HEIGHT = 15
GROUP_HEIGHT = 28
PLOT_WIDTH = 520
MAX_LABEL_EMS = 18  # a longer label is cut with "…" (the whole text in its tooltip)
TEXT_COLOUR = "#212121"
MUTED_COLOUR = "#616161"
GRID_COLOUR = "#E0E0E0"
VETO_COLOUR = "#C62828"
# a white outline under a text drawn over lines and bands, so that it stays legible
HALO = ' stroke="#FFFFFF" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
YELLOW_CARD_COLOUR = "#B26A00"

# Sections A–E: a qualitative palette apart from the grade colours of the bands.
SECTION_COLOURS: dict[str, str] = {
    "A": "#4E79A7",
    "B": "#F28E2B",
    "C": "#59A14F",
    "D": "#B07AA1",
    "E": "#76B7B2",
}
OTHER_COLOUR = "#8D6E63"
# The enterprise classes A–D, best to worst, in the grade colours.
CLASS_NAMES: tuple[str, ...] = ("A", "B", "C", "D")


# --- the chart ----------------------------------------------------------------------------


@attrs.frozen
class Chart:
    """One chart: its title, the SVG text, what it counts ("9 个地区") and its size.

    Shows itself in Jupyter; `save` writes a stand-alone ``.svg`` file.

    >>> chart = Chart("示例", '<svg xmlns="http://www.w3.org/2000/svg"/>', "1 个地区")
    >>> chart
    <Chart 示例: 1 个地区>
    """

    title: str
    svg: str
    summary: str = ""
    width: int = 0
    height: int = 0

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return self.svg

    def save(self, path: str | Path) -> Path:
        """Write the chart as a UTF-8 ``.svg`` file; returns the path."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + self.svg + "\n", "utf-8")
        return out

    def __repr__(self) -> str:
        return f"<Chart {self.title}: {self.summary}>" if self.summary else f"<Chart {self.title}>"


@attrs.frozen
class Segment:
    """A piece of a bar from `start` to `end` (axis units); `tip` is its tooltip."""

    start: float
    end: float
    colour: str
    tip: str = ""


@attrs.frozen
class Mark:
    """A short text after a row's value ("一票否决"), in its colour."""

    text: str
    colour: str
    kind: str = ""  # data-mark attribute: veto, yellow_card, …


@attrs.frozen
class BarRow:
    """One row: its label, the bar's segments, the text after the bar, marks, an
    optional interval (low, high) drawn as a whisker and an optional point (a dot)."""

    label: str
    segments: tuple[Segment, ...] = ()
    value_text: str = ""
    marks: tuple[Mark, ...] = ()
    interval: tuple[float, float] | None = None
    point: float | None = None
    key: str = ""  # data-key attribute (a region code)
    tip: str = ""


@attrs.frozen
class Group:
    """Rows under a heading (a peer group); `title` None draws no heading."""

    title: str | None
    rows: tuple[BarRow, ...]


@attrs.frozen
class Band:
    """A stretch of the axis from `low` to `high`, shaded and named above the plot
    (a grade band); with `low == high` a dashed guide line."""

    low: float
    high: float
    label: str
    colour: str


# --- text and numbers ------------------------------------------------------------------------


# Characters XML 1.0 does not allow beside the control characters (`visible` writes
# those out): the noncharacters U+FFFE and U+FFFF, and lone surrogates.
_NOT_XML = {0xFFFE: "\\ufffe", 0xFFFF: "\\uffff"} | {
    c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)
}


def _esc(value: object) -> str:
    r"""Text from the data, safe in SVG and HTML: control characters written out (they
    are not allowed in XML), then every markup character escaped.

    >>> _esc("<b>资阳\x1b区</b>")
    '&lt;b&gt;资阳\\x1b区&lt;/b&gt;'
    """
    return html.escape(visible(str(value), single_line=True).translate(_NOT_XML), quote=True)


def _em(char: str) -> float:
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.6


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """The width a text takes, estimated: a CJK character 1 em, any other 0.6 em.

    >>> text_width("益阳市", 10), text_width("C4", 10)
    (30.0, 12.0)
    """
    return sum(_em(c) for c in visible(text, single_line=True)) * size


def _cut(text: str, ems: float = MAX_LABEL_EMS) -> str:
    """`text` cut to `ems` ems with "…" when longer."""
    shown = visible(text, single_line=True)
    if sum(_em(c) for c in shown) <= ems:
        return shown
    out, used = "", 1.0
    for c in shown:
        if used + _em(c) > ems:
            break
        out, used = out + c, used + _em(c)
    return out + "…"


def _f(x: float) -> str:
    """A coordinate: one decimal, never "-0.0"."""
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _nice_step(span: float, most: int = 10) -> float:
    """A tick step of 1, 2 or 5 × 10^k giving at most `most` steps over `span`."""
    if span <= 0:
        return 1.0
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _ticks(low: float, high: float, step: float) -> list[float]:
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def _staggered(items: list[tuple[float, float]]) -> list[int]:
    """The line each label goes on: (centre, width) placed left to right, each on the
    first line where it does not touch the previous label there.

    >>> _staggered([(95.0, 20.0), (85.0, 20.0), (30.0, 30.0)])
    [1, 0, 0]
    """
    ends: list[float] = []
    lines = [0] * len(items)
    for i in sorted(range(len(items)), key=lambda i: items[i][0]):
        centre, width = items[i]
        left = centre - width / 2
        for line, end in enumerate(ends):
            if left >= end + 4:
                ends[line] = centre + width / 2
                lines[i] = line
                break
        else:
            ends.append(centre + width / 2)
            lines[i] = len(ends) - 1
    return lines


# --- the primitive ---------------------------------------------------------------------------


def bar_chart(
    title: str,
    groups: Sequence[Group],
    *,
    axis_label: str,
    low: float = 0.0,
    high: float | None = None,
    tick: Callable[[float], str] = number_text,
    legend: Sequence[tuple[str, str]] = (),
    bands: Sequence[Band] = (),
    summary: str = "",
    empty: str = "无数据",
    integer_ticks: bool = False,
) -> Chart:
    """A horizontal bar chart: one row per `BarRow`, grouped under headings, bars
    from their segments on an axis from `low` to `high` (default: the largest end,
    interval or point), `bands` shaded behind the plot, a legend of (text, colour) —
    a colour "" for an entry that explains a symbol in its own text ("● 得分").

    >>> row = BarRow("资阳区", (Segment(0, 98.7, "#2E7D32"),), "98.7 优秀", key="430902")
    >>> chart = bar_chart("得分", [Group(None, (row,))], axis_label="得分（分）", high=100)
    >>> chart.svg.count("<text") > 3, chart.title
    (True, '得分')
    """
    rows = [row for group in groups for row in group.rows]
    ends = [0.0, low]
    for row in rows:
        ends += [s.end for s in row.segments] + [s.start for s in row.segments]
        if row.interval is not None:
            ends += list(row.interval)
        if row.point is not None:
            ends.append(row.point)
    top = high if high is not None else max(ends)
    if top <= low:
        top = low + 1
    step = _nice_step(top - low)
    if integer_ticks:
        step = max(1.0, math.ceil(step))
    if high is None:
        top = math.ceil(top / step - 1e-9) * step
    ticks = _ticks(low, top, step)

    labels = [_cut(row.label) for row in rows]
    titles = [g.title for g in groups if g.title]
    label_w = max([text_width(t) for t in labels] + [40.0])
    rights = [
        text_width(row.value_text) + sum(text_width(m.text) + 8 for m in row.marks) for row in rows
    ]
    right_w = max([*rights, 24.0]) + 16
    left = 12 + label_w + 10
    width = max(
        round(left + PLOT_WIDTH + right_w),
        round(text_width(title, TITLE_SIZE) + 24),
        *(round(text_width(t, FONT_SIZE) + 24) for t in titles),
    )
    plot_right = left + PLOT_WIDTH

    def x(value: float) -> float:
        clipped = min(max(value, low), top)
        return left + (clipped - low) / (top - low) * PLOT_WIDTH

    out: list[str] = []
    y = 28.0
    out.append(
        f'<text x="12" y="{_f(y)}" font-size="{TITLE_SIZE}" font-weight="bold" '
        f'fill="{TEXT_COLOUR}">{_esc(title)}</text>'
    )
    y += 14
    # legend, wrapped onto as many lines as it takes
    if legend:
        lx, ly = 12.0, y + 12
        for text, colour in legend:
            swatch = 18 if colour else 0
            w = swatch + text_width(text) + 16
            if lx + w > width - 12 and lx > 12:
                lx, ly = 12.0, ly + 20
            if colour:
                out.append(
                    f'<rect x="{_f(lx)}" y="{_f(ly - 10)}" width="12" height="12" fill="{colour}"/>'
                )
            out.append(
                f'<text x="{_f(lx + swatch)}" y="{_f(ly)}" fill="{TEXT_COLOUR}">{_esc(text)}</text>'
            )
            lx += w
        y = ly + 10
    # band and guide names above the plot, on as many lines as they need
    named = [b for b in bands if b.label]
    places = [((x(b.low) + x(b.high)) / 2, text_width(b.label, FONT_SIZE - 1)) for b in named]
    lines = _staggered(places)
    band_rows = (max(lines) + 1) if lines else 0
    label_top = y + 8
    plot_top = label_top + band_rows * 16 + (6 if band_rows else 4)
    body = sum(GROUP_HEIGHT if g.title else 0 for g in groups) + ROW_HEIGHT * len(rows)
    if not rows:
        body = ROW_HEIGHT * 2
    plot_bottom = plot_top + body
    height = round(plot_bottom + 52)

    for band, (centre, _), line in zip(named, places, lines, strict=True):
        out.append(
            f'<text x="{_f(centre)}" y="{_f(label_top + 12 + line * 16)}" '
            f'font-size="{FONT_SIZE - 1}" text-anchor="middle" fill="{band.colour}" '
            f'font-weight="bold">{_esc(band.label)}</text>'
        )
    for band in bands:
        if band.high > band.low:
            out.append(
                f'<rect x="{_f(x(band.low))}" y="{_f(plot_top)}" '
                f'width="{_f(x(band.high) - x(band.low))}" height="{_f(body)}" '
                f'fill="{band.colour}" fill-opacity="0.10"/>'
            )
    # grid and axis
    for t in ticks:
        out.append(
            f'<line x1="{_f(x(t))}" y1="{_f(plot_top)}" x2="{_f(x(t))}" '
            f'y2="{_f(plot_bottom)}" stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
    for band in bands:
        if band.low > low:
            out.append(
                f'<line x1="{_f(x(band.low))}" y1="{_f(label_top + 2)}" x2="{_f(x(band.low))}" '
                f'y2="{_f(plot_bottom)}" stroke="{band.colour}" stroke-width="1.5" '
                f'stroke-dasharray="5,3"/>'
            )
    out.append(
        f'<line x1="{_f(left)}" y1="{_f(plot_bottom)}" x2="{_f(plot_right)}" '
        f'y2="{_f(plot_bottom)}" stroke="{MUTED_COLOUR}" stroke-width="1"/>'
    )
    out.append(
        f'<line x1="{_f(left)}" y1="{_f(plot_top)}" x2="{_f(left)}" '
        f'y2="{_f(plot_bottom)}" stroke="{MUTED_COLOUR}" stroke-width="1"/>'
    )
    for t in ticks:
        out.append(
            f'<text x="{_f(x(t))}" y="{_f(plot_bottom + 16)}" text-anchor="middle" '
            f'font-size="{FONT_SIZE - 2}" fill="{MUTED_COLOUR}">{_esc(tick(t))}</text>'
        )
    out.append(
        f'<text x="{_f(left + PLOT_WIDTH / 2)}" y="{_f(plot_bottom + 36)}" '
        f'text-anchor="middle" fill="{TEXT_COLOUR}">{_esc(axis_label)}</text>'
    )

    # rows
    y = plot_top
    if not rows:
        out.append(
            f'<text x="{_f(left + PLOT_WIDTH / 2)}" y="{_f(plot_top + ROW_HEIGHT + 4)}" '
            f'text-anchor="middle" fill="{MUTED_COLOUR}">{_esc(empty)}</text>'
        )
    for group in groups:
        if group.title:
            out.append(
                f'<text x="12" y="{_f(y + GROUP_HEIGHT - 9)}" font-weight="bold" '
                f'fill="{TEXT_COLOUR}">{_esc(group.title)}</text>'
            )
            y += GROUP_HEIGHT
        for row in group.rows:
            out.append(_row(row, y, x, left))
            y += ROW_HEIGHT

    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}" '
        f'font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}" class="accountability-chart">'
        f"<title>{_esc(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#FFFFFF"/>' + "".join(out) + "</svg>"
    )
    return Chart(title, svg, summary, width, height)


def _row(row: BarRow, y: float, x: Callable[[float], float], left: float) -> str:
    mid = y + ROW_HEIGHT / 2
    key = f' data-key="{_esc(row.key)}"' if row.key else ""
    parts = [f'<g class="row"{key}>']
    if row.tip:
        parts.append(f"<title>{_esc(row.tip)}</title>")
    parts.append(
        f'<text x="{_f(left - 8)}" y="{_f(mid + 4.5)}" text-anchor="end" '
        f'fill="{TEXT_COLOUR}">{_esc(_cut(row.label))}</text>'
    )
    end = left
    for seg in row.segments:
        x0, x1 = x(min(seg.start, seg.end)), x(max(seg.start, seg.end))
        end = max(end, x1)
        if x1 - x0 < 0.05:
            continue
        tip = f"<title>{_esc(seg.tip)}</title>" if seg.tip else ""
        parts.append(
            f'<rect x="{_f(x0)}" y="{_f(mid - BAR_HEIGHT / 2)}" width="{_f(x1 - x0)}" '
            f'height="{BAR_HEIGHT}" fill="{seg.colour}" stroke="#FFFFFF" '
            f'stroke-width="0.5">{tip}</rect>'
        )
    if row.interval is not None:
        a, b = x(row.interval[0]), x(row.interval[1])
        end = max(end, a, b)
        parts.append(
            f'<line x1="{_f(a)}" y1="{_f(mid)}" x2="{_f(b)}" y2="{_f(mid)}" '
            f'stroke="{TEXT_COLOUR}" stroke-width="2"/>'
            f'<line x1="{_f(a)}" y1="{_f(mid - 5)}" x2="{_f(a)}" y2="{_f(mid + 5)}" '
            f'stroke="{TEXT_COLOUR}" stroke-width="2"/>'
            f'<line x1="{_f(b)}" y1="{_f(mid - 5)}" x2="{_f(b)}" y2="{_f(mid + 5)}" '
            f'stroke="{TEXT_COLOUR}" stroke-width="2"/>'
        )
    if row.point is not None:
        p = x(row.point)
        end = max(end, p)
        parts.append(
            f'<circle cx="{_f(p)}" cy="{_f(mid)}" r="4" fill="{TEXT_COLOUR}" '
            f'stroke="#FFFFFF" stroke-width="1"/>'
        )
    tx = end + 6
    if row.value_text:
        parts.append(
            f'<text x="{_f(tx)}" y="{_f(mid + 4.5)}" fill="{TEXT_COLOUR}"{HALO}>'
            f"{_esc(row.value_text)}</text>"
        )
        tx += text_width(row.value_text) + 8
    for mark in row.marks:
        kind = f' data-mark="{_esc(mark.kind)}"' if mark.kind else ""
        parts.append(
            f'<text x="{_f(tx)}" y="{_f(mid + 4.5)}" fill="{mark.colour}" '
            f'font-weight="bold"{HALO}{kind}>{_esc(mark.text)}</text>'
        )
        tx += text_width(mark.text) + 8
    parts.append("</g>")
    return "".join(parts)


# --- what the assessment gives the charts -----------------------------------------------------


def grade_bands(assessment: Assessment) -> list[Band]:
    """The rulebook's grade bands as the assessment records them: each grade from its
    minimum to the next better grade's (the best up to the full mark), in its colour.
    Empty when the assessment does not carry the minimums.

    >>> [(b.label, b.low, b.high) for b in grade_bands(result)][:2]     # doctest: +SKIP
    [('优秀', 90.0, 100.0), ('良好', 80.0, 90.0)]
    """
    names = tuple(getattr(assessment, "grade_names", ()) or ())
    minimums = tuple(getattr(assessment, "grade_minimums", ()) or ())
    if not names or len(minimums) != len(names):
        return []
    colours = grade_colours(names)
    top = _full_mark(assessment)
    out = []
    upper = max(top, *minimums)
    for name, low in zip(names, minimums, strict=True):
        out.append(Band(float(low), float(upper), name, colours[name]))
        upper = float(low)
    return out


def _full_mark(assessment: Assessment) -> float:
    base = dict(getattr(assessment, "bases", {}) or {}).get("region")
    return float(base) if isinstance(base, int | float) else 100.0


def _score_axis_high(assessment: Assessment) -> float:
    """The full mark, or the best score when a score is above it (an award's points)."""
    regions = assessment.regions
    best = regions["score"].max() if "score" in regions.columns and regions.height else None
    top = _full_mark(assessment)
    return max(top, float(best)) if isinstance(best, int | float) else top


def _decision_marks(rec: dict[str, Any]) -> tuple[Mark, ...]:
    marks = []
    if rec.get("vetoed") is True:
        marks.append(Mark("一票否决", VETO_COLOUR, "veto"))
    if rec.get("yellow_card") is True:
        marks.append(Mark("黄牌警告", YELLOW_CARD_COLOUR, "yellow_card"))
    return tuple(marks)


def _score_text(rec: dict[str, Any]) -> str:
    score = rec.get("score")
    grade = rec.get("grade")
    text = number_text(score) if isinstance(score, int | float) else "不计分"
    return f"{text} {grade}" if grade else text


def _select_parent(regions: pl.DataFrame, parent_code: str | None) -> pl.DataFrame:
    if parent_code is None:
        return regions
    chosen = regions.filter(pl.col("parent_code") == str(parent_code))
    if chosen.is_empty():
        known = sorted(regions["parent_code"].drop_nulls().unique().to_list())
        raise LookupError(
            f"地区考核结果（regions）中没有上级区划代码为 {parent_code!r} 的地区"
            f"（可用：{'、'.join(known) or '无'}）(no region has parent_code {parent_code!r})"
        )
    return chosen


def _section_legend(sections: Sequence[str]) -> list[tuple[str, str]]:
    return [
        (f"{s} {SECTION_NAMES.get(s, s)}", SECTION_COLOURS.get(s, OTHER_COLOUR)) for s in sections
    ]


def section_stacks(assessment: Assessment, parent_code: str | None = None) -> Chart:
    """Each region's score as a stack of its sections A–E (points after caps), against
    the grade bands (shaded, named at their minimums), by peer group, with the veto
    and yellow-card marks; a dot marks the score where it is not the stack's sum (a
    rescale for an unassessed section, an adjustment).  `parent_code` keeps one peer
    group (the regions under that parent); default every region.

    >>> section_stacks(result, "430900")                      # doctest: +SKIP
    <Chart 各地区得分构成：益阳市所辖县级地区（8 个）: 8 个地区>
    """
    regions = _select_parent(assessment.regions, parent_code)
    sections = [s for s in assessment.section_weights or SECTION_NAMES if s in regions.columns]
    groups = []
    blocks = peer_groups(regions, assessment.regions)
    for heading, part in blocks:
        rows = []
        # each section's points as text, the whole column at once (as number_text would)
        shown = part.with_columns(number(pl.col(s)).alias(f"_{s}_text") for s in sections)
        for rec in shown.iter_rows(named=True):
            segments, at = [], 0.0
            for s in sections:
                points = rec.get(s)
                if not isinstance(points, int | float):
                    continue
                value = max(float(points), 0.0)
                weight = (assessment.section_weights or {}).get(s)
                of = f" / {number_text(weight)}" if weight is not None else ""
                tip = f"{s} {SECTION_NAMES.get(s, s)}：{rec[f'_{s}_text']}{of} 分"
                segments.append(Segment(at, at + value, SECTION_COLOURS.get(s, OTHER_COLOUR), tip))
                at += value
            score = rec.get("score")
            point = (
                float(score)
                if isinstance(score, int | float) and abs(float(score) - at) > 0.005
                else None
            )
            rows.append(
                BarRow(
                    str(rec.get("name") or rec["region_code"]),
                    tuple(segments),
                    _score_text(rec),
                    _decision_marks(rec),
                    point=point,
                    key=str(rec["region_code"]),
                    tip=f"{rec['region_code']} {rec.get('name') or ''}",
                )
            )
        groups.append(Group(heading if parent_code is None else None, tuple(rows)))
    title = "各地区得分构成"
    if parent_code is not None and groups:
        title += f"：{blocks[0][0]}"
    legend = _section_legend(sections)
    if any(r.point is not None for g in groups for r in g.rows):
        legend.append(("● 得分（与各部分之和不同，如有加分核减、折算）", ""))
    return bar_chart(
        title,
        groups,
        axis_label="得分（分），各部分为封顶后得分；背景为等次分数段",
        high=_score_axis_high(assessment),
        legend=legend,
        bands=grade_bands(assessment),
        summary=f"{regions.height} 个地区",
        empty="没有地区考核结果",
    )


def ranking(assessment: Assessment) -> Chart:
    """Scores by peer group in ranking order (the rank before each name), bars in the
    colour of the grade, the grade minimums as dashed lines, veto and yellow-card marks.

    >>> ranking(result)                                       # doctest: +SKIP
    <Chart 各地区得分排名: 9 个地区>
    """
    regions = assessment.regions
    colours = grade_colours(tuple(assessment.grade_names))
    groups = []
    for heading, part in peer_groups(regions):
        rows = []
        for rec in part.iter_rows(named=True):
            score, grade = rec.get("score"), rec.get("grade")
            colour = colours.get(str(grade), UNGRADED_COLOUR)
            segments = (
                (Segment(0.0, float(score), colour, f"{grade or '未评定'}"),)
                if isinstance(score, int | float)
                else ()
            )
            rank = rec.get("rank")
            rows.append(
                BarRow(
                    f"{'—' if rank is None else rank}  {rec.get('name') or rec['region_code']}",
                    segments,
                    _score_text(rec),
                    _decision_marks(rec),
                    key=str(rec["region_code"]),
                    tip=f"{rec['region_code']} {rec.get('name') or ''}",
                )
            )
        groups.append(Group(heading, tuple(rows)))
    bands = [Band(b.low, b.low, "", b.colour) for b in grade_bands(assessment)]
    legend = [(g, colours[g]) for g in assessment.grade_names]
    if "grade" in regions.columns and regions["grade"].null_count():
        legend.append(("未评定", UNGRADED_COLOUR))
    if bands:
        legend.append(("┆ 虚线：等次分数线", ""))
    return bar_chart(
        "各地区得分排名",
        groups,
        axis_label="得分（分）；名称前为比较组内排名",
        high=_score_axis_high(assessment),
        legend=legend,
        bands=bands,
        summary=f"{regions.height} 个地区",
        empty="没有地区考核结果",
    )


def grade_distribution(assessment: Assessment) -> Chart:
    """How many regions of each level got each grade, in the rulebook's order of
    grades (未评定 where some region has no grade).

    >>> grade_distribution(result)                            # doctest: +SKIP
    <Chart 等次分布: 9 个地区>
    """
    regions = assessment.regions
    names = tuple(assessment.grade_names)
    colours = grade_colours(names)
    if "level" in regions.columns:
        levels = regions["level"].cast(pl.String).unique().to_list()
        known = [lv for lv in REGION_LEVELS if lv in levels]
        order = known + sorted(str(lv) for lv in levels if lv not in REGION_LEVELS and lv)
        parts = [(f"{lv}级", regions.filter(pl.col("level").cast(pl.String) == lv)) for lv in order]
        if regions["level"].null_count():
            parts.append(("级别未知", regions.filter(pl.col("level").is_null())))
    else:
        parts = [("", regions)]
    groups = []
    for heading, part in parts:
        rows = tuple(
            BarRow(
                grade,
                (Segment(0.0, float(n), colours.get(grade, UNGRADED_COLOUR)),) if n else (),
                f"{n} 个",
                key=grade,
            )
            for grade, n in _grade_counts(part, names)
            if n or grade != "未评定"
        )
        groups.append(Group(heading or None if len(parts) > 1 else None, rows))
    return bar_chart(
        "等次分布",
        groups,
        axis_label="地区数（个）",
        integer_ticks=True,
        summary=f"{regions.height} 个地区",
        empty="没有地区考核结果",
    )


def _region_names(assessment: Assessment) -> pl.DataFrame:
    regions = assessment.regions
    if {"region_code", "name"} <= set(regions.columns):
        return regions.select(pl.col("region_code").cast(pl.String), pl.col("name").cast(pl.String))
    return pl.DataFrame(schema={"region_code": pl.String, "name": pl.String})


def largest_deductions(assessment: Assessment, n: int = 15) -> Chart:
    """The `n` largest deductions of the regions' line items (negative points), each
    labelled with its region and rule ("益阳市 C4 到期未整改重大隐患"), coloured by its
    section; ties in the order of region and rule.

    >>> largest_deductions(result, n=10)                      # doctest: +SKIP
    <Chart 地区扣分最多的 10 项: 10 项>
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"largest_deductions 的 n 应为正整数，而不是 {n!r} (n must be ≥ 1)")
    items = assessment.line_items.filter(
        (pl.col("subject_type") == "region") & (pl.col("points") < 0)
    )
    sections = {r.id: r.section for r in REGISTRY if r.section}
    top = (
        items.with_columns(rule_positions(items["rule_id"]).alias("_rule"))
        .sort("points", "subject_id", "_rule", "reason", maintain_order=True)
        .head(n)
        .join(
            _region_names(assessment).rename({"region_code": "subject_id"}),
            on="subject_id",
            how="left",
            maintain_order="left",
        )
    )
    top = top.with_columns(
        rule_titles(top["rule_id"]).alias("_title"),
        pl.col("rule_id")
        .replace_strict(sections, default=None, return_dtype=pl.String)
        .alias("_s"),
    )
    rows = []
    for rec in top.iter_rows(named=True):
        section = rec["_s"]
        colour = SECTION_COLOURS.get(section or "", OTHER_COLOUR)
        name = rec["name"] or rec["subject_id"]
        rows.append(
            BarRow(
                f"{name} {rec['_title']}",
                (Segment(0.0, -float(rec["points"]), colour, str(rec["reason"] or "")),),
                f"−{number_text(-rec['points'])} 分",
                key=str(rec["subject_id"]),
                tip=f"{rec['subject_id']} {name}：{rec['reason'] or ''}",
            )
        )
    used = sorted({r for r in top["_s"].to_list() if r})
    legend = _section_legend(used)
    if top["_s"].null_count():
        legend.append(("其他", OTHER_COLOUR))
    return bar_chart(
        f"地区扣分最多的 {n} 项",
        [Group(None, tuple(rows))],
        axis_label="扣分（分）：明细分值，各部分封顶之前",
        legend=legend,
        summary=f"{len(rows)} 项",
        empty="没有扣分",
    )


def four_musts_table(assessment: Assessment) -> pl.DataFrame:
    """四个一律 by department: department, cases, cases_requiring (a measure was
    required), compliant (every required measure taken), compliance_rate (null when no
    case required a measure) — the assessment's ``four_musts_by_department`` when it
    has one, else counted from its cases.  Sorted by department."""
    given = getattr(assessment, "four_musts_by_department", None)
    columns = ["department", "cases", "cases_requiring", "compliant", "compliance_rate"]
    if isinstance(given, pl.DataFrame) and set(columns) <= set(given.columns):
        return given.select(columns).sort("department")
    cases = assessment.cases
    if cases.is_empty() or not {"department", "requires_measure", "compliant"} <= set(
        cases.columns
    ):
        return pl.DataFrame(
            schema={
                "department": pl.String,
                "cases": pl.Int64,
                "cases_requiring": pl.Int64,
                "compliant": pl.Int64,
                "compliance_rate": pl.Float64,
            }
        )
    requiring = pl.col("requires_measure").fill_null(False)
    return (
        cases.lazy()
        .group_by(pl.col("department").cast(pl.String))
        .agg(
            pl.len().cast(pl.Int64).alias("cases"),
            requiring.sum().cast(pl.Int64).alias("cases_requiring"),
            (requiring & pl.col("compliant").fill_null(False))
            .sum()
            .cast(pl.Int64)
            .alias("compliant"),
        )
        .with_columns(
            pl.when(pl.col("cases_requiring") > 0)
            .then(pl.col("compliant") / pl.col("cases_requiring"))
            .otherwise(None)
            .alias("compliance_rate")
        )
        .sort("department", nulls_last=True)
        .collect(engine=ENGINE)
    )


def four_musts_by_department(assessment: Assessment) -> Chart:
    """四个一律 compliance per department: the share of the cases requiring a measure
    that took every one, lowest first; green where all did, orange where some did not.
    Departments with no case requiring a measure are left out (the summary counts them).

    >>> four_musts_by_department(result)                      # doctest: +SKIP
    <Chart 四个一律落实率（按部门）: 11 个部门>
    """
    table = four_musts_table(assessment)
    shown = table.filter(pl.col("cases_requiring") > 0).sort(
        "compliance_rate", "department", nulls_last=True
    )
    full, gaps = GRADE_COLOURS[0], GRADE_COLOURS[3]
    rows = tuple(
        BarRow(
            str(rec["department"] or "（未填部门）"),
            (
                Segment(
                    0.0,
                    float(rec["compliance_rate"]),
                    full if rec["compliant"] == rec["cases_requiring"] else gaps,
                ),
            ),
            f"{percent_text(rec['compliance_rate'])}（{rec['compliant']}/{rec['cases_requiring']}）",
            key=str(rec["department"] or ""),
        )
        for rec in shown.iter_rows(named=True)
    )
    left_out = table.height - shown.height
    summary = f"{shown.height} 个部门" + (
        f"，另 {left_out} 个部门无需采取措施的案件" if left_out else ""
    )
    return bar_chart(
        "四个一律落实率（按部门）",
        [Group(None, rows)],
        axis_label="落实率：应采取措施的案件中措施全部到位的比例（括号内为 到位/应采取 件数）",
        high=1.0,
        tick=lambda v: percent_text(v),
        legend=[("全部到位", full), ("有缺项", gaps)],
        summary=summary,
        empty="没有需要采取措施的案件",
    )


def enterprise_classes_table(assessment: Assessment) -> pl.DataFrame:
    """Enterprises per region and class: region_code, name, A, B, C, D, 未分类 (a class
    the scheme left empty), total; regions in code order, every region of the
    assessment and any other region an enterprise names."""
    enterprises = assessment.enterprises
    names = _region_names(assessment)
    classes = [*CLASS_NAMES, "未分类"]
    if enterprises.is_empty() or not {"region_code", "risk_class"} <= set(enterprises.columns):
        counts = pl.DataFrame(schema={"region_code": pl.String, **dict.fromkeys(classes, pl.Int64)})
    else:
        counts = (
            enterprises.lazy()
            .select(
                pl.col("region_code").cast(pl.String),
                pl.col("risk_class")
                .cast(pl.String)
                .replace_strict(
                    {c: c for c in CLASS_NAMES}, default="未分类", return_dtype=pl.String
                )
                .alias("class"),
            )
            .group_by("region_code")
            .agg(*[(pl.col("class") == c).sum().cast(pl.Int64).alias(c) for c in classes])
            .collect(engine=ENGINE)
        )
    return (
        names.join(counts, on="region_code", how="full", coalesce=True)
        .with_columns(pl.col(c).fill_null(0) for c in classes)
        .with_columns(pl.sum_horizontal(classes).alias("total"))
        .sort("region_code")
        .select("region_code", "name", *classes, "total")
    )


def enterprise_classes_by_region(assessment: Assessment) -> Chart:
    """Enterprises per region stacked by class A–D (best to worst, in the grade
    colours), the total and the number in class D after each bar.

    >>> enterprise_classes_by_region(result)                  # doctest: +SKIP
    <Chart 各地区企业分类: 9 个地区，12000 家企业>
    """
    table = enterprise_classes_table(assessment)
    colours = dict(grade_colours(CLASS_NAMES))
    colours["未分类"] = UNGRADED_COLOUR
    classes = [*CLASS_NAMES, "未分类"]
    used = [c for c in classes if table.height and table[c].sum() > 0]
    rows = []
    for rec in table.iter_rows(named=True):
        segments, at = [], 0.0
        for c in used:
            if rec[c]:
                segments.append(Segment(at, at + rec[c], colours[c], f"{c} 类 {rec[c]} 家"))
                at += rec[c]
        marks = (Mark(f"D 类 {rec['D']}", VETO_COLOUR, "class_d"),) if rec["D"] else ()
        rows.append(
            BarRow(
                str(rec["name"] or rec["region_code"]),
                tuple(segments),
                f"{rec['total']} 家",
                marks,
                key=str(rec["region_code"]),
                tip="、".join(f"{c} 类 {rec[c]} 家" for c in classes if rec[c]),
            )
        )
    total = int(table["total"].sum()) if table.height else 0
    return bar_chart(
        "各地区企业分类",
        [Group(None, tuple(rows))],
        axis_label="企业数（家），按风险分类 A（最好）至 D 堆叠",
        integer_ticks=True,
        legend=[(f"{c} 类" if c in CLASS_NAMES else c, colours[c]) for c in used],
        summary=f"{table.height} 个地区，{total} 家企业",
        empty="没有企业评级结果",
    )


def rank_intervals(result: SensitivityResult) -> Chart:
    """Each region's rank over the rulebooks drawn by `sensitivity`: the 5–95 % rank
    interval as a whisker, the median rank as a dot, per peer group in the order of the
    assessed rank; the text after it says whether the grade holds (modal grade and its
    share) and whether the score interval crosses a grade line.

    >>> rank_intervals(acc.sensitivity(data, year=2024, n=200))   # doctest: +SKIP
    <Chart 名次稳健性（5–95% 区间）: 9 个地区>
    """
    regions = result.regions
    groups = []
    for heading, part in peer_groups(regions):
        rows = []
        for rec in part.iter_rows(named=True):
            low, high, median = rec.get("rank_p05"), rec.get("rank_p95"), rec.get("median_rank")
            stable, near = rec.get("grade_stable"), rec.get("near_threshold")
            modal = rec.get("modal_grade")
            share = rec.get("modal_share")
            parts = []
            if low is not None:
                parts.append(f"名次 {low}" if low == high else f"名次 {low}–{high}")
            if modal is not None and share is not None:
                parts.append(f"{modal} {share * 100:.0f}%")
            marks = []
            if stable is False:
                marks.append(Mark("等次不稳定", YELLOW_CARD_COLOUR, "unstable"))
            if near:
                marks.append(Mark("临近分数线", YELLOW_CARD_COLOUR, "near_threshold"))
            rank = rec.get("rank")
            rows.append(
                BarRow(
                    f"{'—' if rank is None else rank}  {rec.get('name') or rec['region_code']}",
                    (),
                    " · ".join(parts),
                    tuple(marks),
                    interval=None if low is None else (float(low) - 0.2, float(high) + 0.2),
                    point=None if median is None else float(median),
                    key=str(rec["region_code"]),
                    tip=f"{rec['region_code']} 中位名次 {median}",
                )
            )
        groups.append(Group(heading, tuple(rows)))
    most = int(regions["rank_p95"].max() or 1) if "rank_p95" in regions.columns else 1
    legend = [("● 中位名次；线段：5%–95% 名次区间", "")]
    return bar_chart(
        "名次稳健性（5–95% 区间）",
        groups,
        axis_label=f"比较组内名次（{result.n} 次抽样；名称前为考核名次）",
        low=0.0,
        high=float(most) + 1,
        integer_ticks=True,
        legend=legend,
        summary=f"{regions.height} 个地区",
        empty="没有地区考核结果",
    )
