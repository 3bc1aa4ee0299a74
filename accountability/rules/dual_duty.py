"""一岗双责: the records of the accountability steps and duty fulfilment of officials.

《地方党政领导干部安全生产责任制规定》(2018).  An accident reaches (is attributed to)
the officials in post on its date: the 党委主要负责人, 政府主要负责人 and
政府分管安全生产的领导干部 of its region and of every region above (党政同责); each
分管负责人 and 党委常委会其他成员 of those regions whose portfolio includes its sector;
each 部门负责人 whose department regulates the sector (the map ``sectors.departments``,
管行业必须管安全).  An official's step is the highest
that any record's condition reaches — 约谈, 通报, 问责建议 (a proposal: 问责 is decided by
people on an investigation's findings, 第十八条); a department's, the highest of its
officials.  黄牌警告 is a sanction on units (regions, departments, enterprises), not a
step of a person.

Where an accident was investigated (any ``responsibility_findings`` row names it), the
问责建议 conditions count it for exactly the officials found 领导责任, 主要领导责任 or
重要领导责任 who had not fully performed their duties (第二十三条), attributed or not;
elsewhere attribution is a pre-screen (拟追责范围), and says so.

A grade-count condition ``{grade = n}`` counts attributed accidents of that grade or
worse; several entries in one parameter are alternatives (any one applies); a count
condition needs at least one accident, whatever ``n`` says.

>>> from accountability.rules.registry import REGISTRY
>>> REGISTRY["dual_duty.summons.fatal"].compute.step
'约谈'
"""

from __future__ import annotations

import attrs

from accountability.codes import ACCIDENT_GRADES, ACCOUNTABILITY_STEPS
from accountability.errors import RulebookError
from accountability.rules.model import Context, Rule

__all__ = ["DUAL_DUTY_RULES", "CountStep", "grade_conditions", "grade_label"]

SCORER = "dual_duty"
SUMMONS, NOTICE, PROPOSAL = ACCOUNTABILITY_STEPS  # 约谈, 通报, 问责建议
GRADING = "accident_grading.bands"
MISSING = "accident_grading.count_missing_as_deaths"
POPULATION = "dual_duty.accident_population"


def grade_label(grade: str) -> str:
    """ "较大及以上" (the worst grade is itself)."""
    return grade if grade == ACCIDENT_GRADES[-1] else f"{grade}及以上"


def grade_conditions(ctx: Context | object, key: str) -> list[tuple[str, int]]:
    """(grade, count) entries of a grade-count parameter, mildest grade first."""
    value = ctx[key]  # type: ignore[index]
    if not isinstance(value, dict):
        raise RulebookError(f"{key} 应为 {{事故等级 = 起数}} (expected a table grade → count)")
    out = []
    for grade, count in value.items():
        if grade not in ACCIDENT_GRADES:
            raise RulebookError(f"{key}: 未知事故等级 {grade!r} (unknown grade)")
        out.append((grade, int(count)))
    return sorted(out, key=lambda gc: ACCIDENT_GRADES.index(gc[0]))


@attrs.frozen
class CountStep:
    """A step reached when a count of the official's attributed accidents reaches the
    parameter's number: per grade (``by_grade``: the parameter is {grade = n}, counted
    as that grade or worse) or one count column (`column`, its ids in `ids`)."""

    step: str
    key: str
    what: str = ""
    column: str = ""
    ids: str = ""
    by_grade: bool = False

    def conditions(self, ctx: Context | object) -> list[tuple[str, str, str, int]]:
        """(count column, ids column, what, at least) for each condition."""
        if not self.by_grade:
            return [(self.column, self.ids, self.what, int(ctx[self.key]))]  # type: ignore[index]
        out = []
        for grade, n in grade_conditions(ctx, self.key):
            i = ACCIDENT_GRADES.index(grade)
            out.append((f"n_ge_{i}", f"ids_ge_{i}", f"{grade_label(grade)}事故", n))
        return out


# How the 问责建议 conditions read the investigation findings (厅字〔2018〕13号).
FINDINGS_READINGS: tuple[str, ...] = (
    "事故在调查认定表（responsibility_findings）中有任何一行即为已调查：只计认定为领导责任、"
    "主要领导责任或重要领导责任且未全面履职的领导干部（第十八条、第二十三条），包括未被归责的；"
    "被归责但未被认定、或认定无责任、或已全面履职的，该起事故不计。",
    "认定有从轻情节（remedial_action）的仍提出问责建议，事由注明“可从轻（第二十二条）”。",
    "未经调查的事故按归责计，事由注明“拟追责范围（归责预筛）”；调查认定不改变约谈、通报。",
)

DUAL_DUTY_RULES: tuple[Rule, ...] = (
    Rule(
        id="dual_duty.accountability.grade", scorer=SCORER, subject="official", kind="step",
        label="问责建议：重大及以上事故",
        definition="某等级及以上事故达到规定起数的领导干部，提出问责建议（第十八条）：事故经调查的，"
        "计调查认定负有领导责任、未全面履职的领导干部；未经调查的，计被归责的领导干部"
        "（拟追责范围，归责预筛）。",
        params=("dual_duty.accountability_grade_counts", GRADING, POPULATION),
        tables=("accidents", "officials"), optional_tables=("responsibility_findings",),
        readings=FINDINGS_READINGS,
        compute=CountStep(PROPOSAL, "dual_duty.accountability_grade_counts",
                          by_grade=True),
    ),
    Rule(
        id="dual_duty.accountability.concealed", scorer=SCORER, subject="official",
        kind="step",
        label="问责建议：瞒报（谎报）事故",
        definition="瞒报（谎报）事故达到规定起数的领导干部，提出问责建议（第十八条）：事故经调查的，"
        "计调查认定负有领导责任、未全面履职的领导干部；未经调查的，计被归责的领导干部"
        "（拟追责范围，归责预筛）。",
        params=("dual_duty.accountability_concealed", POPULATION),
        tables=("accidents", "officials"), optional_tables=("responsibility_findings",),
        readings=FINDINGS_READINGS,
        compute=CountStep(PROPOSAL, "dual_duty.accountability_concealed",
                          what="瞒报（谎报）事故", column="concealed_accidents",
                          ids="ids_concealed"),
    ),
    Rule(
        id="dual_duty.yellow_card.grade", scorer=SCORER, subject="official", kind="step",
        label="通报：较大及以上事故",
        definition="被归责的某等级及以上事故达到规定起数的领导干部，予以通报。",
        params=("dual_duty.yellow_card_grade_counts", GRADING, POPULATION),
        tables=("accidents", "officials"),
        compute=CountStep(NOTICE, "dual_duty.yellow_card_grade_counts", by_grade=True),
    ),
    Rule(
        id="dual_duty.yellow_card.sector_rise", scorer=SCORER, subject="official",
        kind="step",
        label="通报：分管行业死亡人数同比上升",
        definition="分管负责人、部门负责人分管（监管）的行业领域，本地区及下级本年死亡人数"
        "不少于规定人数且达到上年的规定倍数的，予以通报。",
        params=("dual_duty.sector_rise_ratio", "dual_duty.sector_rise_min_deaths", MISSING,
                POPULATION),
        tables=("accidents", "officials"),
        readings=("比较全年死亡人数（含失踪）；从 0 上升到规定人数也计；党政主要负责人不适用；"
                  "数据集无上年事故数据时不适用，记 0 分说明项。",),
    ),
    Rule(
        id="dual_duty.summons.grade", scorer=SCORER, subject="official", kind="step",
        label="约谈：较大及以上事故",
        definition="被归责的某等级及以上事故达到规定起数的领导干部，予以约谈。",
        params=("dual_duty.summons_grade_counts", GRADING, POPULATION),
        tables=("accidents", "officials"),
        compute=CountStep(SUMMONS, "dual_duty.summons_grade_counts", by_grade=True),
    ),
    Rule(
        id="dual_duty.summons.fatal", scorer=SCORER, subject="official", kind="step",
        label="约谈：死亡事故",
        definition="被归责的死亡事故（死亡含失踪 1 人及以上）达到规定起数的领导干部，予以约谈。",
        params=("dual_duty.summons_fatal_accidents", MISSING, POPULATION),
        tables=("accidents", "officials"),
        compute=CountStep(SUMMONS, "dual_duty.summons_fatal_accidents", what="死亡事故",
                          column="fatal_accidents", ids="ids_fatal"),
    ),
    Rule(
        id="dual_duty.tenure_overlap", scorer=SCORER, subject="official", kind="note",
        label="任职重叠（待核实）",
        definition="同一职位（同一地区的同一主要负责人、同一部门负责人、分管行业有交叉的分管负责人）"
        "任职期间在考核期内重叠的，各任职者均予归责，并提示核实任职起止日期。",
        tables=("officials",),
        cites="《地方党政领导干部安全生产责任制规定》（厅字〔2018〕13号）第二章：职责随职务"
        "确定，任职者各负其责；任职记录重叠时本库不作取舍，各任职者均予归责，提示核实",
    ),
    Rule(
        id="dual_duty.duty", scorer=SCORER, subject="official", kind="note",
        label="履职事项",
        definition="每项要求的履职事项（研究部署、督导检查、隐患督办）完成次数与要求次数之比，"
        "至多 100%。",
        params=("dual_duty.duty_requirements",), tables=("duty_records",),
    ),
    Rule(
        id="dual_duty.fulfilment", scorer=SCORER, subject="official", kind="note",
        label="履职完成率",
        definition="领导干部各项履职要求完成比例的平均值；没有履职记录的为 0。",
        params=("dual_duty.duty_requirements",), tables=("duty_records", "officials"),
    ),
    Rule(
        id="dual_duty.department.step", scorer=SCORER, subject="department", kind="step",
        label="部门问责步骤",
        definition="部门的问责步骤（约谈、通报、问责建议）取本部门领导干部中最高的一项。",
        params=("dual_duty.accountability_grade_counts",), tables=("officials",),
    ),
    Rule(
        id="dual_duty.department.accidents", scorer=SCORER, subject="department",
        kind="note",
        label="部门监管行业事故",
        definition="部门监管的行业领域（管行业必须管安全）本级及下级本年的事故起数和死亡人数。",
        params=("sectors.departments", POPULATION), tables=("accidents", "officials"),
    ),
    Rule(
        id="dual_duty.department.fulfilment", scorer=SCORER, subject="department",
        kind="note",
        label="部门履职完成率",
        definition="部门领导干部履职完成率的平均值。",
        params=("dual_duty.duty_requirements",), tables=("duty_records", "officials"),
    ),
)  # fmt: skip
