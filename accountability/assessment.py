"""`assess()`: the year-end assessment — every scorer, one `Assessment`.

Runs the annual assessment of regions (年度目标管理考核), 四个一律, 一岗双责 and the
enterprise ratings over one dataset and one rulebook, and keeps the result with
what is needed to reproduce it (rulebook fingerprint, library version, `as_of`,
output schema version).  Every frame is sorted canonically, so the same data in any
row order gives byte-identical frames.

>>> import accountability as acc                               # doctest: +SKIP
>>> result = acc.assess(acc.load_dataset("fixtures/yiyang-2024"), year=2024)  # doctest: +SKIP
>>> print(result.explain("430921"))                            # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from typing import Any

import attrs
import polars as pl

from accountability.arguments import as_dataset, as_rulebook, as_year
from accountability.codes import MEASURES, STEP_BASES, UNIT_KINDS
from accountability.columns import TABLES
from accountability.dataset import WARNINGS_SCHEMA, Dataset, as_warnings, warning
from accountability.dates import parse_day
from accountability.engine import ENGINE
from accountability.errors import DatasetError
from accountability.lineitems import LINE_ITEM_SCHEMA, SORT_KEY, concat_line_items
from accountability.outputs import OUTPUTS
from accountability.progress import Progress, report_step
from accountability.rulebook import Rulebook
from accountability.rules.four_musts import MEASURE_RULES
from accountability.rules.model import Context
from accountability.rules.registry import REGISTRY, rule_positions, rule_title
from accountability.scorers.annual import SECTION_NAMES, SECTIONS, annual
from accountability.scorers.annual.inputs import DATED, rows_in_period
from accountability.scorers.annual.published import published_list
from accountability.scorers.annual.units import assessed_units
from accountability.scorers.dual_duty import dual_duty
from accountability.scorers.enterprise import enterprise_ratings
from accountability.scorers.four_musts import four_musts
from accountability.scorers.referrals import referral_gaps
from accountability.terminal import line_starts
from accountability.whatif import WhatIf, WhatIfInputs
from accountability.wording import (
    SUBJECT_LABELS,
    formatted,
    number_text,
    percent_text,
    signed_text,
    total_line,
    visible,
)

__all__ = ["SCHEMA_VERSION", "SUBJECT_LABELS", "Assessment", "assess"]


def _declared(name: str) -> pl.DataFrame:
    """An empty frame of a declared output (`accountability.outputs`)."""
    return pl.DataFrame(schema=OUTPUTS[name].dtypes)


SCHEMA_VERSION = "1"

# Where each kind of subject lives: frame attribute and how its id is formed.
_SUBJECT_FRAMES: dict[str, tuple[str, pl.Expr]] = {
    "region": ("regions", pl.col("region_code")),
    "enterprise": ("enterprises", pl.col("enterprise_id")),
    "official": ("officials", pl.col("official_id")),
    "department": ("departments", formatted("{}:{}", pl.col("region_code"), pl.col("department"))),
    "case": ("cases", pl.col("case_id")),
    "state_enterprise": ("assessed_enterprises", pl.col("enterprise_id")),
}
_ITEM_SORT = [*SORT_KEY, "points", "basis"]
_EVIDENCE_SHOWN = 5


@attrs.frozen(eq=False)
class Assessment:
    """The result of `assess()`: one frame per kind of subject, the line items behind
    every number, and what is needed to reproduce it.

    - `regions`: region_code, name, level, parent_code, score, grade, vetoed,
      veto_reasons, yellow_card, yellow_card_reasons, grade_capped, incomplete,
      unassessed_sections, rank, A–E (section points after caps: weight + points;
      null for a section not assessed), sorted by region_code.
    - `enterprises`, `cases`, `officials`, `departments`: the enterprise ratings,
      四个一律 cases and 一岗双责 officials and departments of the year; an official's
      `step_basis` says whether an investigation's finding (调查认定) or only
      attribution (归责预筛, a pre-screen) stands behind the step.
    - `summons_events`: the 约谈 and 通报 events of the year, one row per event and
      official summoned (`accountability.scorers.dual_duty`).
    - `inspection_frequency_by_region`, `inspection_frequency_by_department`: the year's
      inspections against each enterprise's class minimum and cap, summed
      (`accountability.scorers.frequency`).
    - `assessed_departments`, `assessed_enterprises`: the departments (省直、市直单位)
      and state-owned enterprises the annual assessment rates beside the regions —
      accidents they answer for, veto, yellow card, score and grade where the rulebook
      gives them rules, rank, award (`accountability.scorers.annual.units`).
    - `published_list`: the list a government publishes: the regions under it and,
      where ``annual.units_published_with_regions`` is true, its departments and
      state-owned enterprises, in one ranking (`list_rank`;
      `accountability.scorers.annual.published`).
    - `referral_gaps`: 应移送未移送, the year's accidents past the 严重后果 thresholds of
      重大责任事故罪 with no case transferred to the judicial organs
      (`accountability.scorers.referrals`; empty without an accidents table).
    - `line_items`: every scorer's line items (LINE_ITEM_SCHEMA), sorted canonically;
      for a region ``score == bases["region"] + sum(points)``.
    - `rejected`, `warnings`: the dataset's, plus the scorers' warnings.
    """

    year: int
    regions: pl.DataFrame
    enterprises: pl.DataFrame
    cases: pl.DataFrame
    officials: pl.DataFrame
    departments: pl.DataFrame
    line_items: pl.DataFrame
    rejected: pl.DataFrame
    warnings: pl.DataFrame
    fingerprint: str
    rulebook_name: str
    library_version: str
    as_of: dt.date
    schema_version: str = SCHEMA_VERSION
    # the base each kind of scored subject starts from (region: annual.base, …)
    bases: Mapping[str, float] = attrs.field(factory=dict)
    # the rulebook's section weights (A–E), shown beside each section's points, and its
    # grade names from best to worst
    section_weights: Mapping[str, float] = attrs.field(factory=dict)
    grade_names: tuple[str, ...] = ()
    # each grade's lowest score (the band minimum), in the order of grade_names
    grade_minimums: tuple[float, ...] = ()
    # the assessment period P(year): its first and last day
    period: tuple[dt.date, dt.date] | None = None
    # the earliest and latest event date in the data assessed (None: no dated row)
    data_dates: tuple[dt.date, dt.date] | None = None
    # the hazard lifecycle metrics (C5–C8) per region, and the 倒查 list behind C5
    hazard_metrics: pl.DataFrame = attrs.field(factory=lambda: _declared("hazard_metrics"))
    hazard_lookbacks: pl.DataFrame = attrs.field(factory=lambda: _declared("hazard_lookbacks"))
    # 应移送未移送: the accidents behind B3, reported whether or not B3 deducts
    referral_gaps: pl.DataFrame = attrs.field(factory=lambda: _declared("referral_gaps"))
    # inspections against the class schemes' minimums and caps (国办发〔2024〕54号)
    inspection_frequency_by_region: pl.DataFrame = attrs.field(
        factory=lambda: _declared("inspection_frequency_by_region")
    )
    inspection_frequency_by_department: pl.DataFrame = attrs.field(
        factory=lambda: _declared("inspection_frequency_by_department")
    )
    # the departments and state-owned enterprises the annual assessment rates beside
    # the regions (their own veto and yellow-card tables, score where the rulebook
    # gives them rules)
    assessed_departments: pl.DataFrame = attrs.field(
        factory=lambda: _declared("assessed_departments")
    )
    assessed_enterprises: pl.DataFrame = attrs.field(
        factory=lambda: _declared("assessed_enterprises")
    )
    # the list as published: the regions under each assessing region and, where
    # annual.units_published_with_regions says so, its departments and enterprises
    published_list: pl.DataFrame = attrs.field(factory=lambda: _declared("published_list"))
    # 一岗双责: the period's 约谈 and 通报 events, one row per event and official summoned
    summons_events: pl.DataFrame = attrs.field(factory=lambda: _declared("summons_events"))
    # what `what_if` reads besides these frames: the rulebook, the input tables its
    # actions change, the 一岗双责 duties (None: an assessment `assess` did not make)
    what_if_inputs: WhatIfInputs | None = attrs.field(default=None, repr=False)

    # --- output -------------------------------------------------------------------------

    def to_excel(self, path: str | Path) -> Path:
        """Write one sheet per frame plus a cover sheet (accountability.report)."""
        from accountability.report import write_excel

        return write_excel(self, path)

    def to_html(self, path: str | Path) -> Path:
        """Write one self-contained HTML report, charts inline (accountability.html_report)."""
        from accountability.html_report import write_html

        return write_html(self, path)

    def to_parquet(self, directory: str | Path) -> Path:
        """Write one Parquet file per frame and a metadata file (accountability.report)."""
        from accountability.report import write_parquet

        return write_parquet(self, directory)

    def _repr_html_(self) -> str:
        from accountability.notebook import assessment_html

        return assessment_html(self)

    def __repr__(self) -> str:
        from accountability.notebook import assessment_text

        return assessment_text(self)

    # --- explain ------------------------------------------------------------------------

    def subject_types(self, subject_id: str) -> list[str]:
        """The kinds of subject (region, enterprise, …) that have this id."""
        found = [kind for kind in _SUBJECT_FRAMES if self._in_frame(subject_id, kind)]
        for kind in self.line_items.filter(pl.col("subject_id") == subject_id)[
            "subject_type"
        ].unique():
            if kind not in found:
                found.append(kind)
        return sorted(
            found, key=lambda k: list(SUBJECT_LABELS).index(k) if k in SUBJECT_LABELS else 99
        )

    def _in_frame(self, subject_id: str, kind: str) -> bool:
        """Whether the result frame of this kind (regions, enterprises, …) has this id."""
        attr, key = _SUBJECT_FRAMES[kind]
        frame: pl.DataFrame = getattr(self, attr)
        return bool(frame.height) and bool(frame.select((key == subject_id).any()).item())

    def _has_subject(self, subject_id: str, kind: str) -> bool:
        """Whether a subject of this kind has this id (`subject_types` for one kind)."""
        if kind in _SUBJECT_FRAMES and self._in_frame(subject_id, kind):
            return True
        items = self.line_items
        return bool(
            items.select(
                ((pl.col("subject_type") == kind) & (pl.col("subject_id") == subject_id)).any()
            ).item()
        )

    def explain(
        self, subject_id: str, subject_type: str | None = None, *, width: int | None = None
    ) -> str:
        """A readable Chinese breakdown of one region, enterprise, official, department
        ("region_code:department") or case: every line item with its rule, points,
        reason, basis and evidence (the first ids, "等 N 项" — the frames keep all of
        them), and for a scored subject the total ``base + Σ points = score``.

        `subject_type` settles an id that several kinds share; an unknown id raises
        `LookupError` naming the kinds that exist.  Control characters from the data
        are shown as their escapes (``\\x1b``, ``\\r``; `wording.visible`), so that the
        text can be printed on a terminal; `width` wraps what is shown.
        """
        subject_id = str(subject_id)
        if subject_type is not None:
            if subject_type not in SUBJECT_LABELS:
                raise LookupError(
                    f"未知的对象类型 {subject_type!r}（可用：{'、'.join(SUBJECT_LABELS)}）"
                )
            if not self._has_subject(subject_id, subject_type):
                raise LookupError(
                    f"没有编号为 {subject_id!r} 的{SUBJECT_LABELS[subject_type]}（{subject_type}）。"  # noqa: E501
                    + self._known_subjects()
                )
            kind = subject_type
        elif not (kinds := self.subject_types(subject_id)):
            raise LookupError(f"未找到编号为 {subject_id!r} 的对象。" + self._known_subjects())
        elif len(kinds) > 1:
            listed = "、".join(f"{SUBJECT_LABELS.get(k, k)}（{k}）" for k in kinds)
            raise LookupError(f"编号 {subject_id!r} 同时是 {listed}，请用 subject_type= 指定其一")
        else:
            kind = kinds[0]
        lines = _EXPLAINERS[kind](self, subject_id)
        return "\n".join(_wrap(visible(line), width) for line in lines)

    def what_if(self, region_code: str) -> WhatIf:
        """The fewest actions within the region's control (hazards rectified on time,
        case measures taken, work items to target, duty records completed) that lift
        it to the next grade, with the points each brings; or the veto, grade cap or
        decision that stands in the way (`accountability.whatif`).  An unknown code
        raises `LookupError`."""
        from accountability.whatif import what_if

        return what_if(self, region_code)

    def _known_subjects(self) -> str:
        parts = []
        for kind, (attr, key) in _SUBJECT_FRAMES.items():
            frame: pl.DataFrame = getattr(self, attr)
            if frame.height:
                ids = frame.select(key.alias("id")).sort("id")["id"].head(3).to_list()
                parts.append(
                    f"{SUBJECT_LABELS[kind]} {kind} {frame.height} 个（如 {'、'.join(ids)}）"
                )
        if not parts:
            return "本次考核结果中没有任何对象。"
        return "可查询的对象：" + "；".join(parts)

    def _items_of(self, subject_id: str, kind: str) -> pl.DataFrame:
        """The subject's line items in the registry's order (the order they apply)."""
        return (
            self.line_items.filter(
                (pl.col("subject_type") == kind) & (pl.col("subject_id") == subject_id)
            )
            .pipe(lambda f: f.with_columns(rule_positions(f["rule_id"]).alias("_o")))
            .sort("_o", "scorer", "rule_id", "reason", maintain_order=True)
            .drop("_o")
        )


# --- explain helpers --------------------------------------------------------------------------


_n = number_text
_signed = signed_text


def _evidence(ids: list[str] | None) -> str:
    ids = list(ids or [])
    if not ids:
        return ""
    shown = "、".join(ids[:_EVIDENCE_SHOWN])
    return shown if len(ids) <= _EVIDENCE_SHOWN else f"{shown} 等 {len(ids)} 项"


def _item_lines(items: pl.DataFrame) -> list[str]:
    lines: list[str] = []
    if items.height == 0:
        return ["  （无明细）"]
    for rec in items.iter_rows(named=True):
        title = rule_title(rec["rule_id"])
        lines.append(f"  [{title}] {_signed(rec['points'])} 分  {rec['reason']}")
        if rec["basis"]:
            lines.append(f"      依据：{rec['basis']}")
        ev = _evidence(rec["evidence"])
        if ev:
            lines.append(f"      证据：{ev}")
    return lines


def _row(frame: pl.DataFrame, key: pl.Expr, subject_id: str) -> dict[str, Any] | None:
    if frame.height == 0:
        return None
    rows = frame.filter(key == subject_id).to_dicts()
    return rows[0] if rows else None


def _list(values: Any) -> str:
    if not values:
        return "无"
    return "、".join(str(v) for v in values)


def _record(a: Assessment, kind: str, subject_id: str) -> dict[str, Any]:
    attr, key = _SUBJECT_FRAMES[kind]
    return _row(getattr(a, attr), key, subject_id) or {}


def _with_items(
    a: Assessment, kind: str, subject_id: str, head: list[str], score: Any = None
) -> list[str]:
    """`head`, then every line item of the subject; for a scored kind (a `bases`
    entry) the closing ``基础分 ± Σ = 得分`` line."""
    items = a._items_of(subject_id, kind)
    lines = [*head, "明细：", *_item_lines(items)]
    if kind in a.bases:
        lines.append(total_line(a.bases[kind], items, score))
    return lines


def _listed(label: str, values: Any) -> list[str]:
    """One indented line per reason: "  一票否决：…"."""
    return [f"  {label}：{v}" for v in values or []]


_share = percent_text


def _period(a: Assessment) -> str:
    """ "（考核期 2024-01-01 至 2024-12-31）", or "" when the result does not say."""
    if a.period is None:
        return ""
    return f"（考核期 {a.period[0].isoformat()} 至 {a.period[1].isoformat()}）"


def _decisions(items: pl.DataFrame) -> list[str]:
    """One line per decision line item (grade cap, veto, yellow card…): "  一票否决：…"."""
    kinds = {r.id for r in REGISTRY if r.kind == "decision"}
    return [
        f"  {rule_title(rid)}：{reason}"
        for rid, reason in items.filter(pl.col("rule_id").is_in(list(kinds)))
        .select("rule_id", "reason")
        .iter_rows()
    ]


def _explain_region(a: Assessment, subject_id: str) -> list[str]:
    rec = _record(a, "region", subject_id)
    parent = f"，上级 {rec['parent_code']}" if rec.get("parent_code") else ""
    lines = [
        f"{a.year} 年度安全生产目标管理考核{_period(a)} · 地区 {subject_id} {rec.get('name') or ''}（{rec.get('level') or '—'}{parent}）"  # noqa: E501
    ]
    if rec:
        grade = rec.get("grade") or "—"
        if rec.get("grade_capped"):
            grade += f"（{REGISTRY['grade_cap'].label}）"
        elif rec.get("vetoed") and rec.get("score") is not None:
            grade += f"（{REGISTRY['veto'].label}）"
        rank = "—"
        if rec.get("rank") is not None:
            ranked = a.regions.filter(
                (pl.col("parent_code").fill_null("") == (rec.get("parent_code") or ""))
                & pl.col("rank").is_not_null()
            ).height
            rank = f"{rec['rank']}/{ranked}"
        lines.append(
            f"得分 {_n(rec.get('score'))} · 等次 {grade} · 同级排名 {rank}"
            f" · 一票否决 {'是' if rec.get('vetoed') else '否'}"
            f" · 黄牌警告 {'是' if rec.get('yellow_card') else '否'}"
        )
        lines += _decisions(a._items_of(subject_id, "region"))
        if rec.get("incomplete"):
            lines.append(
                f"  未评部分：{_list(rec.get('unassessed_sections'))}（缺少数据表，得分按已评部分折算）"  # noqa: E501
            )
        parts = [
            f"{s} {SECTION_NAMES[s]} {_n(rec.get(s))}"
            + (f"/{_n(a.section_weights[s])}" if s in a.section_weights else "")
            for s in SECTIONS
            if rec.get(s) is not None
        ]
        if parts:
            lines.append("分项得分（封顶后/满分）：" + " · ".join(parts))
    lines += _hazard_lines(a, subject_id)
    return _with_items(a, "region", subject_id, lines, rec.get("score"))


def _hazard_lines(a: Assessment, region: str) -> list[str]:
    """The region's hazard lifecycle metrics, and each 应发现未发现 hazard (C5) of the
    region and below with the inspections behind it (倒查)."""
    metrics = a.hazard_metrics.filter(pl.col("region_code") == region)
    if metrics.is_empty():
        return []
    shown = []
    for rec in metrics.iter_rows(named=True):
        value = rec["value"]
        if rec["metric"] == "C7":
            text = f"{_share(value)}（{rec['numerator']}/{rec['denominator']}"
            text += f"，发现方式不详 {rec['left_out']} 项不计）" if rec["left_out"] else "）"
        elif rec["metric"] == "C8":
            text = f"{rec['numerator']} 项，每百家在营企业 {_n(value)} 项"
        elif rec["metric"] == "C6":
            text = f"{rec['numerator']} 项未销号（存量 {rec['denominator']} 项）"
        else:
            text = f"{rec['numerator']} 项"
        shown.append(f"{rec['metric']} {rec['label']} {text}")
    lines = ["隐患治理指标：" + " · ".join(shown)]
    missed = metrics.filter(pl.col("metric") == "C5")["evidence"].explode().drop_nulls()
    behind = a.hazard_lookbacks.filter(pl.col("hazard_id").is_in(missed.implode()))
    if behind.height:
        lines.append("应发现未发现（倒查）：")
        for (hazard_id,), rows in behind.sort("hazard_id", "inspected_on").group_by(
            "hazard_id", maintain_order=True
        ):
            first = rows.row(0, named=True)
            checks = "；".join(
                f"{r['department']}（{r['inspection_region']}）{r['inspected_on']} 检查"
                f" {r['inspection_id']}，早 {r['days_before']} 天"
                for r in rows.iter_rows(named=True)
            )
            lines.append(
                f"  {hazard_id}（企业 {first['enterprise_id']}，{first['found_on']}"
                f" {first['found_by']}发现）：{checks}"
            )
    return lines


def _explain_enterprise(a: Assessment, subject_id: str) -> list[str]:
    rec = _record(a, "enterprise", subject_id)
    lines = [f"{a.year} 年度企业安全生产主体责任评级 · 企业 {subject_id} {rec.get('name') or ''}"]
    if rec:
        lines.append(
            f"区划 {rec.get('region_code') or '—'} · 行业 {rec.get('sector') or '—'} · 状态 {rec.get('status') or '—'}"  # noqa: E501
        )
        dishonest = rec.get("dishonest")
        lines.append(
            f"得分 {_n(rec.get('score'))} · 风险等级 {rec.get('risk_class') or '—'}"
            f"（分级类别 {rec.get('class_basis') or '—'}）"
            f" · 严重失信 {'不适用' if dishonest is None else '是' if dishonest else '否'}"
        )
        cap = rec.get("inspections_max")
        done = rec.get("inspections_done")
        lines.append(
            f"年检查次数 下限 {_n(rec.get('inspections_min'))} · 上限 "
            f"{'无' if cap is None else _n(cap)} · 本年 {'—' if done is None else _n(done)}"
            + ("（不足下限）" if rec.get("under_min") else "")
            + ("（超过上限）" if rec.get("over_cap") else "")
        )
        if rec.get("listed_on") is not None:
            lines.append(
                f"严重失信名单 {rec['listed_on']} 列入 · {rec.get('early_removal_from')} 起可申请"
                f"提前移出 · {rec.get('expires_on')} 期满"
                f" · 考核期末{'在册' if rec.get('dishonest_listed') else '不在册'}"
            )
        lines += _listed("失信原因", rec.get("dishonest_reasons"))
    return _with_items(a, "enterprise", subject_id, lines, rec.get("score"))


# What stands behind an official's step (officials.step_basis), as explain says it.
_STEP_BASIS_TEXT: dict[str, str] = {
    STEP_BASES[0]: "调查认定（事故调查认定该干部负有领导责任，厅字〔2018〕13号 第十八条）",
    STEP_BASES[1]: "归责预筛（按职务和分管领域归责只是拟追责范围的预筛，不是调查认定；"
    "问责以事故调查的责任认定为据）",
}


def _event_lines(a: Assessment, subject_id: str) -> list[str]:
    """The official's 约谈 and 通报 events: day, step, rule, window, count against the
    threshold, reason, evidence, basis and whom the 通报 is copied to."""
    events = a.summons_events.filter(pl.col("official_id") == subject_id)
    if events.height == 0:
        return []
    lines = ["约谈通报事件："]
    for e in events.sort("triggered_on", "rule_id").iter_rows(named=True):
        window = f"{e['window_start']} 至 {e['window_end']}" if e["window_start"] else "—"
        if e["window_days"] is not None:
            window += f"（{_n(e['window_days'])} 天）"
        lines.append(
            f"  {e['triggered_on']} {e['step']} [{rule_title(e['rule_id'])}] 窗口 {window}"
            f" · {_n(e['count'])} 起（≥{_n(e['threshold'])} 起）：{e['reason']}"
        )
        ev = _evidence(e["evidence"])
        if ev:
            lines.append(f"      证据：{ev}")
        if e["basis"]:
            lines.append(f"      依据：{e['basis']}")
        if e["copy_to"]:
            lines.append(f"      抄送：{e['copy_to']}")
    return lines


def _explain_official(a: Assessment, subject_id: str) -> list[str]:
    rec = _record(a, "official", subject_id)
    lines = [f"{a.year} 年度一岗双责 · 领导干部 {subject_id} {rec.get('name') or ''}"]
    if rec:
        lines.append(
            f"区划 {rec.get('region_code') or '—'} · 职务 {rec.get('role') or '—'}"
            f" · 部门 {rec.get('department') or '—'} · 分管 {_list(rec.get('portfolio'))}"
        )
        lines.append(f"履职率 {_share(rec.get('fulfilment'))} · 问责步骤 {rec.get('step') or '无'}")
        basis = rec.get("step_basis")
        if basis:
            lines.append(f"  步骤依据：{_STEP_BASIS_TEXT.get(basis, basis)}")
        lines += _listed("原因", rec.get("reasons"))
        ev = _evidence(rec.get("evidence"))
        if ev:
            lines.append(f"  证据：{ev}")
    lines += _event_lines(a, subject_id)
    return _with_items(a, "official", subject_id, lines)


def _explain_department(a: Assessment, subject_id: str) -> list[str]:
    rec = _record(a, "department", subject_id)
    lines = [f"{a.year} 年度一岗双责 · 部门 {subject_id}"]
    if rec:
        lines.append(
            f"领导干部 {_n(rec.get('officials'))} 人 · 平均履职率 {_share(rec.get('fulfilment'))}"
            f" · 事故 {_n(rec.get('accidents'))} 起 · 死亡 {_n(rec.get('deaths'))} 人"
            f" · 问责步骤 {rec.get('step') or '无'}"
        )
        lines += _listed("原因", rec.get("reasons"))
    unit = _row(a.assessed_departments, _SUBJECT_FRAMES["department"][1], subject_id)
    if unit:
        lines += _unit_lines(a, "department", subject_id, unit, "监管行业领域")
    return _with_items(a, "department", subject_id, lines, (unit or {}).get("score"))


def _explain_state_enterprise(a: Assessment, subject_id: str) -> list[str]:
    rec = _record(a, "state_enterprise", subject_id)
    lines = [
        f"{a.year} 年度安全生产目标管理考核{_period(a)} · 国有企业 {subject_id} "
        f"{rec.get('name') or ''}（考核地区 {rec.get('region_code') or '—'}）"
    ]
    if rec:
        lines += _unit_lines(a, "state_enterprise", subject_id, rec, "考核行业领域")
    return _with_items(a, "state_enterprise", subject_id, lines, rec.get("score"))


def _unit_lines(
    a: Assessment, kind: str, subject_id: str, rec: dict[str, Any], sectors: str
) -> list[str]:
    """A department's or state-owned enterprise's annual result: the accidents it
    answers for, score, grade, rank, decisions and award."""
    attr = "assessed_departments" if kind == "department" else "assessed_enterprises"
    rank = "—"
    if rec.get("rank") is not None:
        peers = getattr(a, attr).filter(
            (pl.col("region_code") == rec["region_code"]) & pl.col("rank").is_not_null()
        )
        rank = f"{rec['rank']}/{peers.height}"
    score = "不计分" if rec.get("score") is None else f"得分 {_n(rec['score'])}"
    return [
        f"年度目标管理考核{_period(a)}：{sectors} {_list(rec.get('sectors')) if rec.get('sectors') else '全部'}"  # noqa: E501
        f" · 事故 {_n(rec.get('accidents'))} 起 · 死亡 {_n(rec.get('deaths'))} 人",
        f"{score} · 等次 {rec.get('grade') or '—'} · 排名 {rank}"
        f" · 一票否决 {'是' if rec.get('vetoed') else '否'}"
        f" · 黄牌警告 {'是' if rec.get('yellow_card') else '否'}"
        f" · 评先 {rec.get('award') or '无'}",
        *_decisions(a._items_of(subject_id, kind)),
    ]


def _explain_case(a: Assessment, subject_id: str) -> list[str]:
    rec = _record(a, "case", subject_id)
    lines = [f"{a.year} 年度四个一律 · 案件 {subject_id}"]
    if rec:
        lines.append(
            f"企业 {rec.get('enterprise_id') or '—'} {rec.get('enterprise_name') or ''} · 区划 {rec.get('region_code')}"  # noqa: E501
            f" · 部门 {rec.get('department') or '—'} · 发现日期 {rec.get('found_on')}"
        )
        for suffix, label in MEASURES.items():
            required = rec.get(f"required_{suffix}")
            taken = rec.get(f"taken_{suffix}")
            need = "应当" if required else "不要求"
            done = "已执行" if taken else ("未执行" if taken is not None else "无法判断")
            if suffix == "close" and taken and not rec.get("closed", True):
                done = f"已提请关闭（{rec.get('closure_proposed_on')}），待地方人民政府决定"
            article = REGISTRY[MEASURE_RULES[suffix]].compute.article
            status = f"{need}，{done}" if required else "不要求"
            lines.append(f"  {label}（强制措施；{article}）：{status}")
        lines += _listed("应予关闭事由", rec.get("closure_grounds"))
        if rec.get("principal_barred_until") is not None:
            lines.append(
                f"  主要负责人不得担任任何生产经营单位主要负责人至 {rec['principal_barred_until']}"
            )
        daily = REGISTRY["four_musts.daily_fine"].compute
        eligible = rec.get(daily.column)
        lines.append(
            f"  按日连续处罚（裁量措施，不计入执行率；{daily.article}）："
            + (f"自 {eligible} 起可适用" if eligible is not None else "不适用")
        )
        if rec.get("penalty_article"):
            source = rec.get("fine_max_source") or "—"
            lines.append(f"  处罚条款 {rec['penalty_article']} · 罚款上限来源 {source}")
        verdict = (
            "不需执行措施"
            if not rec.get("requires_measure")
            else ("执行到位" if rec.get("compliant") else "未执行到位")
        )
        lines.append(f"结论：{verdict}")
        lines += _listed("差距", rec.get("gaps"))
    return _with_items(a, "case", subject_id, lines)


_EXPLAINERS = {
    "region": _explain_region,
    "state_enterprise": _explain_state_enterprise,
    "enterprise": _explain_enterprise,
    "official": _explain_official,
    "department": _explain_department,
    "case": _explain_case,
}


def _wrap(line: str, width: int | None) -> str:
    r"""Wrap a line to `width` terminal columns (CJK characters are two wide), keeping
    the line's indent for continuation lines and never splitting an id or a number.
    A newline inside the line (from the data) is kept: each part is wrapped.

    >>> print(_wrap("  [A1] 资阳区发生事故一起，扣 2 分\n      续行一二三四五六七八九十 ", 24))
      [A1] 资阳区发生事故一
          起，扣 2 分
          续行一二三四五六七
              八九十
    """
    if not width or width < 20:
        return line
    if "\n" in line:
        return "\n".join(_wrap(part, width) for part in line.split("\n"))
    indent = len(line) - len(line.lstrip(" "))
    pad = " " * (indent + 4)
    body = line[indent:].rstrip(" ")
    starts = line_starts(body, width - indent)
    if not starts:
        return line[:indent] + body
    out = [line[:indent] + body[: starts[0]].rstrip(" ")]
    rest = body[starts[0] :].lstrip(" ")
    bounds = [0, *line_starts(rest, width - len(pad)), len(rest)]
    out += [pad + rest[a:b].rstrip(" ") for a, b in pairwise(bounds)]
    return "\n".join(out)


# --- assess -----------------------------------------------------------------------------------


def event_date_range(data: Dataset) -> tuple[dt.date, dt.date] | None:
    """The earliest and latest event date (accidents, inspections, cases, hazards, …) in
    `data`'s tables: what a report's header shows as the data's date range.

    >>> from accountability.tables import Dataset
    >>> accidents = pl.DataFrame({"occurred_on": [dt.date(2024, 3, 1), dt.date(2023, 5, 6)]})
    >>> event_date_range(Dataset(tables={"accidents": accidents}, as_of=dt.date(2025, 1, 1)))
    (datetime.date(2023, 5, 6), datetime.date(2024, 3, 1))
    """
    bounds = [
        frame.lazy().select(pl.col(column).min().alias("first"), pl.col(column).max().alias("last"))
        for name, frame in data.tables.items()
        if name in TABLES
        for column in TABLES[name].column_names
        if TABLES[name].column(column).event_date and column in frame.columns
    ]
    if not bounds:
        return None
    found = (
        pl.concat(pl.collect_all(bounds, engine=ENGINE))
        .select(pl.min("first"), pl.max("last"))
        .row(0)
    )
    return None if found[0] is None else (found[0], found[1])


def _empty_table(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=TABLES[name].dtypes)


def _stand_in(data: Dataset, needed: str) -> Dataset:
    """A dataset with only `regions` (if any) and an empty `needed` table, used to get
    a scorer's frames with the right columns when its table is absent."""
    tables = {needed: _empty_table(needed)}
    tables["regions"] = data.get("regions") if data.has("regions") else _empty_table("regions")
    return Dataset(tables=tables, as_of=data.as_of)


def _sorted(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    keys = [k for k in keys if k in frame.columns]
    return frame.sort(keys, maintain_order=True, nulls_last=True) if keys else frame


def _unmapped_departments(data: Dataset, department_map: dict[str, list[str]]) -> pl.DataFrame:
    """One warning per (table, department) in cases or inspections that the rulebook's
    sector → department map does not know: its rows still count for their region, but
    no sector (管行业必须管安全) is answered for through that name."""
    frames = [
        data.table(name)
        .lazy()
        .filter(~pl.col("department").is_in(list(department_map)))
        .group_by("department")
        .agg(pl.len().alias("rows"))
        .select(
            pl.lit(name).alias("table"),
            pl.lit(None, dtype=pl.String).alias("source"),
            pl.lit(None, dtype=pl.Int64).alias("row"),
            pl.lit("department").alias("column"),
            pl.lit("unknown_department").alias("rule"),
            formatted(
                "部门“{}”不在规则库行业领域与部门对照表 sectors.departments 中（{} 行），"
                "按原名统计 (department unknown to the rulebook's map)",
                "department",
                "rows",
            ).alias("message"),
            pl.col("department").alias("value"),
        )
        for name in ("cases", "inspections")
        if data.has(name)
    ]
    if not frames:
        return pl.DataFrame(schema=WARNINGS_SCHEMA)
    return pl.concat(frames).pipe(as_warnings).sort("table", "value").collect(engine=ENGINE)


def _coverage(data: Dataset, period: Context) -> dict[str, int]:
    """Rows in the period per dated table present; a `DatasetError` when there are dated
    tables and none has a row in the period — a ranking of such a year would be every
    region at full marks."""
    present = {name: data.table(name) for name in DATED if data.has(name)}
    coverage = rows_in_period(present, period)
    if coverage and not any(coverage.values()):
        raise DatasetError(
            f"数据集中没有考核期 {period.label}（{period.start} 至 {period.end}）的任何记录"
            f"（{'、'.join(coverage)} 均无该期数据），不能考核 {period.year} 年度 "
            f"(no dated table has a row in the period of {period.year}: "
            f"{period.start} to {period.end})"
        )
    return coverage


def _period_gaps(data: Dataset, period: Context, coverage: Mapping[str, int]) -> pl.DataFrame:
    """One warning per dated table present with no row in the period: its section is
    still assessed (as if nothing happened), so the reader must know."""
    gaps = [name for name, n in coverage.items() if n == 0]
    rows = []
    for name in gaps:
        dates = DATED[name]
        column = dates[0]
        frame = data.table(name)
        low, high = frame.select(
            pl.col(column).min().alias("low"), pl.col(column).max().alias("high")
        ).row(0)
        span = (
            f"表中{TABLES[name].column(column).label}为 {low} 至 {high}"
            if low is not None
            else "表中无记录"
        )
        rows.append(
            {
                "table": name,
                "row": None,
                "column": column,
                "rule": "no_rows_in_period",
                "message": f"{TABLES[name].label}（{name}）在考核期 {period.start} 至 {period.end} "
                f"内没有记录（{span}）；相关考核内容按无事发生计，请核实数据是否完整 "
                f"(no row of {name} in the period)",
                "value": None,
            }
        )
    return pl.DataFrame(rows, schema=WARNINGS_SCHEMA)


def _unfinished_year(data: Dataset, period: Context) -> pl.DataFrame:
    """A warning when the period assessed had not ended on the dataset's as_of day."""
    year = period.year
    if data.as_of >= period.end:
        return pl.DataFrame(schema=WARNINGS_SCHEMA)
    return warning(
        None,
        "year_not_ended",
        f"数据截止日 {data.as_of} 时 {year} 年度尚未结束，考核结果只反映截至该日的数据 "
        f"(the year had not ended on as_of)",
        value=str(data.as_of),
    )


def _decision_day(period: Context, decision_date: dt.date | str | None) -> dt.date:
    """The day the assessment is decided: given, else the day after the period ends (1
    January of the next year where the rulebook pulls December's accidents in)."""
    if decision_date is not None:
        return parse_day(decision_date)
    p = period.rules
    if not period.calendar_year and "annual.pull_in" in p.rulebook and p["annual.pull_in"]:
        return dt.date(period.year + 1, 1, 1)
    return period.end + dt.timedelta(days=1)


def _promotion_bars(
    officials: pl.DataFrame,
    data: Dataset,
    regions: pl.DataFrame,
    period: Context,
    decision_date: dt.date | str | None,
) -> pl.DataFrame:
    """Officials of a vetoed region, in the roles ``annual.veto_consequences`` lists,
    whose tenure overlaps the period: not to be promoted until the decision day plus
    `promotion_bar_days` − 1 (`promotion_barred_until`, `promotion_bar_reason`)."""
    p = period.rules
    key = "annual.veto_consequences"
    consequences = p[key] if key in p.rulebook else {}
    days = int(consequences.get("promotion_bar_days", 0) or 0)
    roles = [str(r) for r in consequences.get("promotion_bar_roles", [])]
    if days <= 0 or not roles or not data.has("officials") or officials.is_empty():
        return officials
    until = _decision_day(period, decision_date) + dt.timedelta(days=days - 1)
    vetoed = regions.filter(pl.col("vetoed")).select("region_code", pl.col("name").alias("_rn"))
    start, end = pl.col("start_on"), pl.col("end_on")
    overlaps = (start.is_null() | (start <= period.end)) & (end.is_null() | (end >= period.start))
    barred = (
        data.table("officials")
        .filter(pl.col("role").cast(pl.String).is_in(roles) & overlaps)
        .join(vetoed, on="region_code", how="inner")
        .select(
            "official_id",
            pl.lit(until).alias("_until"),
            formatted(
                f"所在地区 {{}}（{{}}）{period.year} 年度考核一票否决，{until.isoformat()} "
                f"前不得提拔（{p.basis(key)}）",
                pl.col("_rn"),
                pl.col("region_code"),
            ).alias("_reason"),
        )
        .unique("official_id", keep="first", maintain_order=True)
    )
    return (
        officials.join(barred, on="official_id", how="left")
        .with_columns(
            pl.coalesce("_until", "promotion_barred_until").alias("promotion_barred_until"),
            pl.coalesce("_reason", "promotion_bar_reason").alias("promotion_bar_reason"),
        )
        .select(officials.columns)
    )


def _unapplied_adjustments(data: Dataset, year: int) -> pl.DataFrame:
    """A warning for each of the year's committee adjustments that no score takes:
    a subject type without a score (official, department, case) or an id that names
    no region or enterprise — nothing is dropped silently."""
    if not data.has("adjustments"):
        return pl.DataFrame(schema=WARNINGS_SCHEMA)
    known = {
        "region": data.get("regions"),
        "enterprise": data.get("enterprises"),
    }
    # Kept rows no longer know their source row number: the value names the subject.
    rows = data.table("adjustments").filter(pl.col("year") == year)
    if "effect" not in rows.columns:
        rows = rows.with_columns(effect=pl.lit("points"), steps=pl.lit(1, pl.Int64))
    grade_down = pl.col("effect").cast(pl.String) == "grade_down"
    scored = pl.lit(False)
    for subject_type, table in known.items():
        key = "region_code" if subject_type == "region" else "enterprise_id"
        ids = table[key] if table is not None else pl.Series([], dtype=pl.String())
        scored = scored | (
            (pl.col("subject_type") == subject_type) & pl.col("subject_id").is_in(ids.implode())
        )
    # only a region's grade is lowered (an enterprise's class is not a grade)
    scored = scored & ~(grade_down & (pl.col("subject_type") != "region"))
    kind_scored = pl.col("subject_type").cast(pl.String).is_in(list(known))
    lowered_region = scored & grade_down
    points_ignored = rows.filter(lowered_region & (pl.col("points") != 0)).select(
        pl.lit("adjustments").alias("table"),
        pl.lit("points").alias("column"),
        pl.lit("grade_down_points_ignored").alias("rule"),
        formatted(
            "降低考核等次的调整不计分值，分值 {} 未计入得分 (a grade_down adjustment has no "
            "points: not applied)",
            pl.col("points"),
        ).alias("message"),
        pl.concat_str(
            pl.col("subject_type").cast(pl.String), pl.lit(":"), pl.col("subject_id")
        ).alias("value"),
    )
    unapplied = rows.filter(~scored).select(
        pl.lit("adjustments").alias("table"),
        pl.lit("subject_id").alias("column"),
        pl.lit("adjustment_not_applied").alias("rule"),
        pl.when(grade_down & (pl.col("subject_type") != "region"))
        .then(
            pl.lit(
                "降低考核等次只适用于地区，未计入 (not applied: only a region's grade is lowered)"
            )
        )
        .when(kind_scored)
        .then(pl.lit("加分核减对象不存在，未计入任何得分 (no such subject: not applied)"))
        .otherwise(
            pl.lit(
                "该类对象没有得分，加分核减只计入地区和企业得分 (not applied: only "
                "regions and enterprises have scores)"
            )
        )
        .alias("message"),
        pl.concat_str(
            pl.col("subject_type").cast(pl.String), pl.lit(":"), pl.col("subject_id")
        ).alias("value"),
    )
    return pl.concat([as_warnings(unapplied), as_warnings(points_ignored)], how="vertical")


def assess(
    data: Dataset,
    rules: Rulebook | None = None,
    *,
    year: int,
    progress: Progress | None = None,
    decision_date: dt.date | str | None = None,
) -> Assessment:
    """The year-end assessment of `data` under `rules` (default: the built-in rulebook).

    Runs 年度目标管理考核 (regions), 四个一律 (cases, when `cases` is present),
    一岗双责 (officials, when `officials` is present) and 企业主体责任 (enterprises,
    when `enterprises` is present); an absent table gives empty frames with the right
    columns, and the annual sections that need it are left unassessed.  Needs `regions`.
    `progress` is told each scorer as it starts (`accountability.progress`).
    `decision_date` is the day the assessment is decided, from which a veto's promotion
    bar runs (``annual.veto_consequences``); default the day after the period ends (1
    January of the next year where accidents of December are pulled in).

    >>> import datetime as dt, polars as pl
    >>> from accountability.dataset import Dataset
    >>> regions = pl.DataFrame({"region_code": ["430900"], "name": ["益阳市"],
    ...     "parent_code": [None], "level": ["市"]}, schema_overrides={"parent_code": pl.String})
    >>> result = assess(Dataset(tables={"regions": regions}, as_of=dt.date(2025, 1, 1)), year=2024)
    >>> result.regions.select("region_code", "score", "incomplete").row(0)
    ('430900', None, True)
    """
    from accountability.version import __version__

    data = as_dataset(data, "assess")
    book = as_rulebook(rules, "assess")
    year = as_year(year)
    data.table("regions", needed_by="年度目标管理考核 (assess)")
    period = Context.for_year(book, year)
    if period.start > data.as_of:
        # No event after as_of was kept, so such a year would pass with full marks.
        raise DatasetError(
            f"考核年度 {year} 晚于数据截止日 {data.as_of}：该年度尚无数据，不能考核 "
            f"(year {year} is after the dataset's as_of day {data.as_of})"
        )
    p = period.rules
    coverage = _coverage(data, period)

    report_step(progress, "考核", "四个一律")
    fm = four_musts(data if data.has("cases") else _stand_in(data, "cases"), book, year)
    report_step(progress, "考核", "一岗双责")
    dd = dual_duty(data if data.has("officials") else _stand_in(data, "officials"), book, year)
    report_step(progress, "考核", "企业主体责任")
    er = enterprise_ratings(
        data if data.has("enterprises") else _stand_in(data, "enterprises"), book, year
    )
    report_step(progress, "考核", "应移送未移送")
    referrals = (
        referral_gaps(data, book, year) if data.has("accidents") else _declared("referral_gaps")
    )
    report_step(progress, "考核", "年度目标管理考核")
    yearly = annual(
        data, book, year=year, four_musts_cases=fm.cases, officials=dd.officials,
        referral_gaps=referrals, coverage=coverage, summons_events=dd.summons_events,
    )  # fmt: skip

    officials = _promotion_bars(dd.officials, data, yearly.regions, period, decision_date)
    report_step(progress, "考核", "部门和国有企业")
    units = assessed_units(data, book, year)

    report_step(progress, "汇总", "扣分明细")
    items = (
        concat_line_items(
            yearly.line_items, units.line_items, fm.line_items, dd.line_items, er.line_items
        )
        .sort(_ITEM_SORT, maintain_order=True, nulls_last=True)
        .collect(engine=ENGINE)
        .select(list(LINE_ITEM_SCHEMA))
    )
    warnings = [data.warnings.select(list(WARNINGS_SCHEMA))]
    if data.has("officials") and dd.warnings.height:
        warnings.append(as_warnings(dd.warnings))
    if data.has("cases") and fm.warnings.height:
        warnings.append(as_warnings(fm.warnings))
    if data.has("enterprises") and er.warnings.height:
        warnings.append(as_warnings(er.warnings))
    warnings.append(_unapplied_adjustments(data, year))
    warnings.append(_unfinished_year(data, period))
    warnings.append(_period_gaps(data, period, coverage))
    warnings.append(_unmapped_departments(data, p["sectors.departments"]))
    return Assessment(
        year=year,
        regions=yearly.regions,
        enterprises=_sorted(er.enterprises, ["enterprise_id"]),
        cases=_sorted(fm.cases, ["case_id"]),
        officials=_sorted(officials, ["official_id"]),
        departments=_sorted(dd.departments, ["region_code", "department"]),
        summons_events=dd.summons_events,
        assessed_departments=units.departments,
        assessed_enterprises=units.enterprises,
        published_list=published_list(
            yearly.regions,
            *(
                (units.departments, units.enterprises)
                if p["annual.units_published_with_regions"]
                else (None, None)
            ),
        ),
        line_items=items,
        rejected=data.rejected,
        warnings=pl.concat(warnings, how="vertical"),
        fingerprint=book.fingerprint,
        rulebook_name=book.name,
        library_version=__version__,
        as_of=data.as_of,
        schema_version=SCHEMA_VERSION,
        bases={
            "region": float(p["annual.base"]),
            "enterprise": float(p["enterprise.base"]),
            # a unit is scored only where the rulebook lists rules for its kind
            **{
                kind: float(p["annual.base"])
                for kind in UNIT_KINDS.values()
                if (p["annual.unit_rules"].get(kind) or [])
            },
        },
        section_weights={s: float(w) for s, w in p["annual.section_weights"].items()},
        grade_names=tuple(str(b["grade"]) for b in p["annual.grade_bands"]),
        grade_minimums=tuple(float(b["min"]) for b in p["annual.grade_bands"]),
        period=(period.start, period.end),
        data_dates=event_date_range(data),
        hazard_metrics=yearly.hazard_metrics,
        hazard_lookbacks=yearly.hazard_lookbacks,
        referral_gaps=referrals,
        inspection_frequency_by_region=er.frequency_by_region,
        inspection_frequency_by_department=er.frequency_by_department,
        what_if_inputs=WhatIfInputs.of(data, book, dd.duties),
    )
