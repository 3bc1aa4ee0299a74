"""The result frames, declared once: each frame's columns, dtypes and Chinese labels.

A scorer builds its frame to the declaration here; `Assessment` holds one frame per
entry of `OUTPUTS`, and the Excel, Parquet, CSV and HTML writers iterate over the same
list, with the sheet names and column headers declared beside the dtypes.

>>> OUTPUTS["regions"].sheet, OUTPUTS["regions"].label("grade")
('地区考核', '等次')
>>> list(OUTPUTS)[:3]
['regions', 'enterprises', 'inspection_frequency_by_region']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import attrs
import polars as pl

from accountability.columns import RoleDtype, SectorDtype, StatusDtype
from accountability.dataset import REJECTED_SCHEMA, WARNINGS_SCHEMA
from accountability.lineitems import LINE_ITEM_SCHEMA

__all__ = ["OUTPUTS", "REPEAT_COLUMN", "OutputFrame", "repeat_column_label"]

_IDS = pl.List(pl.String())
# The annual result of a department or state-owned enterprise (after its figures).
_UNIT_RESULT: dict[str, tuple[pl.DataType, str]] = {
    "score": (pl.Float64(), "得分"),
    "grade": (pl.String(), "等次"),
    "rank": (pl.Int64(), "排名"),
    "vetoed": (pl.Boolean(), "一票否决"),
    "veto_reasons": (_IDS, "否决事由"),
    "yellow_card": (pl.Boolean(), "黄牌警告"),
    "yellow_card_reasons": (_IDS, "黄牌警告事由"),
    "award_eligible": (pl.Boolean(), "可评先评优"),
    "award": (pl.String(), "评先"),
}
_MEASURES = {"close": "关闭取缔", "penalty": "从重处罚", "suspend": "停产整顿",
             "accountability": "厉行问责"}  # fmt: skip


@attrs.frozen
class OutputFrame:
    """One result frame: its attribute name, sheet name, columns (name → (dtype, label))
    in order, and a pattern for columns that depend on the rulebook (the repeat rule's
    ``repeat_fines_<days>``), with how to label them."""

    name: str
    sheet: str
    columns: Mapping[str, tuple[pl.DataType, str]]
    extra: str | None = None
    extra_label: str | Callable[[re.Match[str]], str] = ""

    @property
    def dtypes(self) -> dict[str, pl.DataType]:
        return {name: dtype for name, (dtype, _) in self.columns.items()}

    def label(self, column: str) -> str | None:
        """The Chinese header of `column`, None when the frame does not declare it."""
        if column in self.columns:
            return self.columns[column][1]
        if self.extra is not None and (m := re.fullmatch(self.extra, column)):
            if callable(self.extra_label):
                return self.extra_label(m)
            return self.extra_label.format(*m.groups())
        return None

    def problems(self, frame: pl.DataFrame) -> list[str]:
        """How `frame` departs from the declaration (empty when it conforms)."""
        found = dict(frame.schema)
        out = [f"{self.name}.{c}: missing" for c in self.columns if c not in found]
        out += [
            f"{self.name}.{c}: {found[c]} is not {dtype}"
            for c, (dtype, _) in self.columns.items()
            if c in found and found[c] != dtype
        ]
        order = [c for c in frame.columns if c in self.columns]
        if not out and order != list(self.columns):
            out.append(f"{self.name}: columns out of the declared order {list(self.columns)}")
        for c in frame.columns:
            if c not in self.columns and not (self.extra and re.fullmatch(self.extra, c)):
                out.append(f"{self.name}.{c}: not declared")
        return out


# The repeat rule's count columns: repeat_fines_180 (days), repeat_findings_3m (months).
REPEAT_COLUMN = r"repeat_(fines|findings)_(\d+)(m?)"


def repeat_column_label(match: re.Match[str]) -> str:
    """The Chinese header of a repeat-count column.

    >>> repeat_column_label(re.fullmatch(REPEAT_COLUMN, "repeat_findings_3m"))
    '3个月内发现重大隐患次数（不同日期）'
    """
    counting, span, months = match.groups()
    within = f"{span}个月内" if months else f"{span}日内"
    if counting == "fines":
        return within + ("重大隐患罚款次数" if not months else "重大隐患受罚次数")
    return within + "发现重大隐患次数（不同日期）"


def _labelled(schema: Mapping[str, pl.DataType], labels: Mapping[str, str]) -> dict:
    return {c: (dtype, labels[c]) for c, dtype in schema.items()}


_ITEM_LABELS = {"subject_type": "对象类型", "subject_id": "对象编号", "scorer": "评分模块",
                "rule_id": "规则", "points": "分值", "reason": "说明", "basis": "依据",
                "evidence": "证据"}  # fmt: skip
_ISSUE_LABELS = {"table": "数据表", "source": "来源文件", "row": "行号", "column": "列",
                 "rule": "规则", "message": "说明", "value": "原值"}  # fmt: skip

# The inspection-frequency roll-ups' counts (by region, by region and department).
_FREQUENCY = {"enterprises": (pl.Int64(), "企业数"),
              "capped": (pl.Int64(), "有检查上限的企业数"),
              "inspections_min": (pl.Int64(), "检查次数下限合计"),
              "inspections_done": (pl.Int64(), "本年检查次数合计"),
              "under_min": (pl.Int64(), "检查不足企业数"),
              "over_cap": (pl.Int64(), "检查超上限企业数")}  # fmt: skip

OUTPUTS: dict[str, OutputFrame] = {
    frame.name: frame
    for frame in (
        OutputFrame("regions", "地区考核", {
            "region_code": (pl.String(), "区划代码"),
            "name": (pl.String(), "名称"),
            "level": (pl.String(), "级别"),
            "parent_code": (pl.String(), "上级区划代码"),
            "score": (pl.Float64(), "得分"),
            "grade": (pl.String(), "等次"),
            "vetoed": (pl.Boolean(), "一票否决"),
            "veto_reasons": (_IDS, "否决事由"),
            "yellow_card": (pl.Boolean(), "黄牌警告"),
            "yellow_card_reasons": (_IDS, "黄牌警告事由"),
            "grade_capped": (pl.Boolean(), "等次受限"),
            "incomplete": (pl.Boolean(), "考核不完整"),
            "unassessed_sections": (_IDS, "未考核部分"),
            "data_gaps": (_IDS, "考核期内无记录的数据表"),
            "rank": (pl.Int64(), "排名"),
            "award_eligible": (pl.Boolean(), "可评先评优"),
            "award": (pl.String(), "评先"),
            "A": (pl.Float64(), "A 事故控制"),
            "B": (pl.Float64(), "B 打非治违"),
            "C": (pl.Float64(), "C 隐患排查治理"),
            "D": (pl.Float64(), "D 责任落实"),
            "E": (pl.Float64(), "E 基础工作"),
        }),
        OutputFrame("enterprises", "企业评级", {
            "enterprise_id": (pl.String(), "统一社会信用代码"),
            "name": (pl.String(), "企业名称"),
            "region_code": (pl.String(), "区划代码"),
            "sector": (SectorDtype, "行业领域"),
            "status": (StatusDtype, "经营状态"),
            "score": (pl.Float64(), "得分"),
            "risk_class": (pl.String(), "风险分类"),
            "dishonest": (pl.Boolean(), "严重失信"),
            "dishonest_reasons": (_IDS, "失信事由"),
            "inspections_per_year": (pl.Int64(), "年检查频次"),
            "data_sufficient": (pl.Boolean(), "数据充分"),
            "class_basis": (pl.String(), "分级类别"),
            "inspections_min": (pl.Int64(), "年检查次数下限"),
            "inspections_max": (pl.Int64(), "年检查次数上限"),
            "inspections_done": (pl.Int64(), "本年检查次数"),
            "under_min": (pl.Boolean(), "检查不足"),
            "over_cap": (pl.Boolean(), "检查超上限"),
            "dishonest_bases": (_IDS, "失信依据"),
            "dishonest_listed": (pl.Boolean(), "在册严重失信名单"),
            "listed_on": (pl.Date(), "列入名单日期"),
            "early_removal_from": (pl.Date(), "可申请提前移出日期"),
            "expires_on": (pl.Date(), "名单期满日期"),
        }),
        OutputFrame("inspection_frequency_by_region", "检查频次（地区）", {
            "region_code": (pl.String(), "区划代码"),
            **_FREQUENCY,
        }),
        OutputFrame("inspection_frequency_by_department", "检查频次（部门）", {
            "region_code": (pl.String(), "区划代码"),
            "department": (pl.String(), "部门"),
            **_FREQUENCY,
        }),
        OutputFrame("cases", "四个一律案件", {
            "case_id": (pl.String(), "案件编号"),
            "enterprise_id": (pl.String(), "统一社会信用代码"),
            "enterprise_name": (pl.String(), "企业名称"),
            "region_code": (pl.String(), "区划代码"),
            "department": (pl.String(), "执法部门"),
            "found_on": (pl.Date(), "发现日期"),
            **{f"required_{k}": (pl.Boolean(), f"应{v}") for k, v in _MEASURES.items()},
            **{f"taken_{k}": (pl.Boolean(), f"已{v}") for k, v in _MEASURES.items()},
            "requires_measure": (pl.Boolean(), "应采取措施"),
            "compliant": (pl.Boolean(), "符合四个一律"),
            "gaps": (_IDS, "缺项"),
            "closure_grounds": (_IDS, "应予关闭事由"),
            "closure_proposed_on": (pl.Date(), "提请关闭日期"),
            "principal_barred_until": (pl.Date(), "主要负责人禁止任职截止日"),
            "eligible_daily_fine_from": (pl.Date(), "可按日连续处罚起始日"),
            "penalty_article": (pl.String(), "处罚条款"),
            "fine_yuan": (pl.Float64(), "罚款(元)"),
            "fine_max_yuan": (pl.Float64(), "罚款上限(元)"),
            "fine_max_source": (pl.String(), "罚款上限来源"),
        }, extra=REPEAT_COLUMN, extra_label=lambda m: repeat_column_label(m)),
        OutputFrame("referral_gaps", "应移送未移送", {
            "accident_id": (pl.String(), "事故编号"),
            "region_code": (pl.String(), "区划代码"),
            "enterprise_id": (pl.String(), "统一社会信用代码"),
            "occurred_on": (pl.Date(), "发生日期"),
            "grade": (pl.String(), "事故等级"),
            "deaths": (pl.Int64(), "死亡(含失踪)人数"),
            "serious_injuries": (pl.Int64(), "重伤人数"),
            "direct_loss_10k_yuan": (pl.Float64(), "直接经济损失(万元)"),
            "thresholds_met": (_IDS, "达到的严重后果标准"),
            "reason": (pl.String(), "说明"),
        }),
        OutputFrame("officials", "领导干部", {
            "official_id": (pl.String(), "干部编号"),
            "name": (pl.String(), "姓名"),
            "region_code": (pl.String(), "区划代码"),
            "role": (RoleDtype, "职务类别"),
            "department": (pl.String(), "部门"),
            "portfolio": (pl.List(SectorDtype), "分管行业领域"),
            "fulfilment": (pl.Float64(), "履职率"),
            "step": (pl.String(), "问责措施"),
            "step_basis": (pl.String(), "问责依据"),
            "reasons": (_IDS, "事由"),
            "evidence": (_IDS, "证据(事故编号)"),
            "accidents": (pl.Int64(), "事故起数"),
            "fatal_accidents": (pl.Int64(), "亡人事故起数"),
            "larger_accidents": (pl.Int64(), "较大事故起数"),
            "concealed_accidents": (pl.Int64(), "瞒报事故起数"),
            "promotion_barred_until": (pl.Date(), "不得提拔至"),
            "promotion_bar_reason": (pl.String(), "不得提拔事由"),
        }),
        OutputFrame("departments", "部门", {
            "region_code": (pl.String(), "区划代码"),
            "department": (pl.String(), "部门"),
            "officials": (pl.Int64(), "干部人数"),
            "fulfilment": (pl.Float64(), "履职率"),
            "step": (pl.String(), "问责措施"),
            "accidents": (pl.Int64(), "事故起数"),
            "deaths": (pl.Int64(), "死亡人数"),
            "reasons": (_IDS, "事由"),
            "evidence": (_IDS, "证据"),
        }),
        # One row per (约谈 or 通报 event, official summoned); an event on a region whose
        # post is vacant has no official.
        OutputFrame("summons_events", "约谈通报事件", {
            "triggered_on": (pl.Date(), "触发日期"),
            "region_code": (pl.String(), "被约谈地区区划代码"),
            "official_id": (pl.String(), "干部编号"),
            "name": (pl.String(), "姓名"),
            "role": (RoleDtype, "职务类别"),
            "level": (pl.String(), "地区层级"),
            "issuer_level": (pl.String(), "约谈机关层级"),
            "step": (pl.String(), "措施"),
            "rule_id": (pl.String(), "规则"),
            "window_start": (pl.Date(), "窗口起始日"),
            "window_end": (pl.Date(), "窗口截止日"),
            "window_days": (pl.Int64(), "窗口天数"),
            "count": (pl.Int64(), "窗口内起数"),
            "threshold": (pl.Int64(), "触发起数"),
            "evidence": (_IDS, "证据(事故编号)"),
            "reason": (pl.String(), "事由"),
            "basis": (pl.String(), "依据"),
            "copy_to": (pl.String(), "抄送"),
            "source": (pl.String(), "来源"),
        }),
        OutputFrame("assessed_departments", "部门考核", {
            "region_code": (pl.String(), "区划代码"),
            "department": (pl.String(), "部门"),
            "sectors": (pl.List(pl.String()), "监管行业领域"),
            "accidents": (pl.Int64(), "事故起数"),
            "deaths": (pl.Int64(), "死亡人数"),
            "evidence": (_IDS, "事故编号"),
            **_UNIT_RESULT,
        }),
        OutputFrame("assessed_enterprises", "国有企业考核", {
            "region_code": (pl.String(), "考核地区区划代码"),
            "enterprise_id": (pl.String(), "统一社会信用代码"),
            "name": (pl.String(), "企业名称"),
            "sectors": (pl.List(pl.String()), "考核行业领域"),
            "accidents": (pl.Int64(), "事故起数"),
            "deaths": (pl.Int64(), "死亡人数"),
            "evidence": (_IDS, "事故编号"),
            **_UNIT_RESULT,
        }),
        OutputFrame("published_list", "公布名单", {
            "list_code": (pl.String(), "考核地区区划代码"),
            "subject_type": (pl.String(), "对象类型"),
            "subject_id": (pl.String(), "对象编号"),
            "name": (pl.String(), "名称"),
            "level": (pl.String(), "级别"),
            "score": (pl.Float64(), "得分"),
            "grade": (pl.String(), "等次"),
            "vetoed": (pl.Boolean(), "一票否决"),
            "yellow_card": (pl.Boolean(), "黄牌警告"),
            "award": (pl.String(), "评先"),
            "list_rank": (pl.Int64(), "名单排名"),
        }),
        OutputFrame("hazard_metrics", "隐患治理指标", {
            "region_code": (pl.String(), "区划代码"),
            "metric": (pl.String(), "指标编号"),
            "label": (pl.String(), "指标"),
            "value": (pl.Float64(), "指标值"),
            "numerator": (pl.Int64(), "分子"),
            "denominator": (pl.Int64(), "分母"),
            "left_out": (pl.Int64(), "不计项数"),
            "evidence": (_IDS, "隐患编号"),
        }),
        OutputFrame("hazard_lookbacks", "应发现未发现倒查", {
            "hazard_id": (pl.String(), "隐患编号"),
            "region_code": (pl.String(), "隐患所在区划"),
            "enterprise_id": (pl.String(), "统一社会信用代码"),
            "found_on": (pl.Date(), "发现日期"),
            "found_by": (pl.String(), "发现方式"),
            "inspection_id": (pl.String(), "此前检查编号"),
            "department": (pl.String(), "检查部门"),
            "inspection_region": (pl.String(), "检查部门区划"),
            "inspected_on": (pl.Date(), "检查日期"),
            "days_before": (pl.Int64(), "检查后天数"),
        }),
        OutputFrame("line_items", "扣分明细", _labelled(LINE_ITEM_SCHEMA, _ITEM_LABELS)),
        OutputFrame("rejected", "未采用数据", _labelled(REJECTED_SCHEMA, _ISSUE_LABELS)),
        OutputFrame("warnings", "数据警示", _labelled(WARNINGS_SCHEMA, _ISSUE_LABELS)),
    )
}  # fmt: skip
