"""企业主体责任: the records of the enterprise rating.

Every enterprise starts at ``enterprise.base``; each counted event (an accident, a
case flag, a hazard) deducts its points (`Count` records: the scorer counts the rows
of the table for which the condition holds, per enterprise); then the 一般-hazard cap,
the licence and standardization items, committee adjustments, the clip to [0, base]
and the zero for a 重大 or worse accident.  The risk class follows from the score, and
serious dishonesty (严重失信) forces the class its parameter names.

Counting conventions: the year's events (accidents by ``occurred_on``, cases by
``found_on``); hazards as in the annual rules C1 and C4 (the same conditions, written
once in `accountability.rules.conditions`); accidents and cases without an enterprise,
or naming one the table does not hold, rate no one.

>>> from accountability.rules.registry import REGISTRY
>>> REGISTRY["enterprise.hazard_major_overdue"].compute.when.__name__
'major_overdue'
"""

from __future__ import annotations

import polars as pl

from accountability.accidents import grade_at_least
from accountability.codes import ACCIDENT_GRADES
from accountability.rules.conditions import general_rectified_late, major_overdue
from accountability.rules.model import Context, Count, Rule

__all__ = ["CASE_FLAGS", "ENTERPRISE_RULES"]

SCORER = "enterprise"
MISSING = "accident_grading.count_missing_as_deaths"
GRADING = "accident_grading.bands"
ZERO = "enterprise.zero_score_grade"
POPULATION = "enterprise.accident_population"
GENERAL, LARGER = ACCIDENT_GRADES[0], ACCIDENT_GRADES[1]

# case flag → (rule id suffix, Chinese label as in the cases table)
CASE_FLAGS: dict[str, str] = {
    "illegal": "非法生产经营建设",
    "failed_rectification": "停产整顿仍不合格",
    "unlawful": "违法违规生产经营",
    "criminal": "涉嫌犯罪或失职渎职",
}


def _below_zero_grade(ctx: Context) -> pl.Expr:
    """Not at or above the grade that sets the score to 0 (that rule takes those)."""
    return ~grade_at_least(pl.col("grade"), str(ctx[ZERO]))


def _fatal() -> pl.Expr:
    return (pl.col("counted_deaths") >= 1).fill_null(False)


def _general_fatal(ctx: Context) -> pl.Expr:
    return _below_zero_grade(ctx) & (pl.col("grade") == GENERAL) & _fatal()


def _general_nonfatal(ctx: Context) -> pl.Expr:
    return _below_zero_grade(ctx) & (pl.col("grade") == GENERAL) & ~_fatal()


def _larger(ctx: Context) -> pl.Expr:
    return _below_zero_grade(ctx) & (pl.col("grade") == LARGER)


def _case_rule(flag: str, label: str, definition: str) -> Rule:
    key = f"enterprise.case_{flag}"
    return Rule(
        id=key, scorer=SCORER, subject="enterprise",
        label=f"{label}案件",
        definition=definition,
        formula=f"case_{flag} × 案件数",
        params=(key,),
        tables=("cases",),
        compute=Count(
            table="cases", when=lambda ctx, flag=flag: pl.col(flag).fill_null(False),
            id_column="case_id", points=key, what=f"{label}案件 ", unit="起", none="",
        ),
    )  # fmt: skip


ENTERPRISE_RULES: tuple[Rule, ...] = (
    Rule(
        id="enterprise.accident_general_fatal", scorer=SCORER, subject="enterprise",
        label="一般死亡事故",
        definition="本年每发生一起有人死亡（含失踪）的一般生产安全责任事故扣分。",
        formula="accident_general_fatal × 起数",
        params=("enterprise.accident_general_fatal", MISSING, GRADING, POPULATION),
        tables=("accidents",),
        compute=Count(table="accidents", when=_general_fatal, id_column="accident_id",
                      points="enterprise.accident_general_fatal", what="一般事故（死亡）",
                      unit="起", none=""),
    ),
    Rule(
        id="enterprise.accident_general_nonfatal", scorer=SCORER, subject="enterprise",
        label="一般非死亡事故",
        definition="本年每发生一起无人死亡的一般生产安全责任事故扣分。",
        formula="accident_general_nonfatal × 起数",
        params=("enterprise.accident_general_nonfatal", MISSING, GRADING, POPULATION),
        tables=("accidents",),
        compute=Count(table="accidents", when=_general_nonfatal, id_column="accident_id",
                      points="enterprise.accident_general_nonfatal",
                      what="一般事故（无人死亡）", unit="起", none=""),
    ),
    Rule(
        id="enterprise.accident_larger", scorer=SCORER, subject="enterprise",
        label="较大事故",
        definition="本年每发生一起较大生产安全责任事故扣分。",
        formula="accident_larger × 起数",
        params=("enterprise.accident_larger", GRADING, POPULATION),
        tables=("accidents",),
        compute=Count(table="accidents", when=_larger, id_column="accident_id",
                      points="enterprise.accident_larger", what=f"{LARGER}事故 ", unit="起",
                      none=""),
    ),
    *[
        _case_rule(flag, label, f"本年发现的每起{label}执法案件扣分。")
        for flag, label in CASE_FLAGS.items()
    ],
    Rule(
        id="enterprise.hazard_major_overdue", scorer=SCORER, subject="enterprise",
        label="到期未整改重大隐患",
        definition="整改期限在本年年底及以前、到年底仍未整改的重大隐患（不论哪一年到期），每项扣分。",
        formula="hazard_major_overdue × 项数",
        params=("enterprise.hazard_major_overdue",),
        tables=("hazards",),
        compute=Count(table="hazards", when=major_overdue, id_column="hazard_id",
                      points="enterprise.hazard_major_overdue", what="到期未整改重大隐患 ",
                      unit="项", none=""),
    ),
    Rule(
        id="enterprise.hazard_general_late", scorer=SCORER, subject="enterprise",
        label="逾期整改或未整改一般隐患",
        definition="整改期限在本年的一般隐患逾期整改或未整改的，每项扣分。",
        formula="hazard_general_late × 项数（合计至多 hazard_general_cap）",
        params=("enterprise.hazard_general_late",),
        tables=("hazards",),
        compute=Count(table="hazards", when=general_rectified_late, id_column="hazard_id",
                      points="enterprise.hazard_general_late",
                      what="逾期整改或未整改一般隐患 ", unit="项", none=""),
    ),
    Rule(
        id="enterprise.hazard_general_cap", scorer=SCORER, subject="enterprise", kind="cap",
        label="一般隐患扣分上限",
        definition="一般隐患扣分合计超过上限的，超出部分返还。",
        params=("enterprise.hazard_general_cap",), tables=("hazards",),
    ),
    Rule(
        id="enterprise.no_license", scorer=SCORER, subject="enterprise",
        label="需许可而未取得许可",
        definition="依法需取得安全生产许可而未取得的企业扣分。",
        formula="no_license",
        params=("enterprise.no_license",), tables=("enterprises",),
    ),
    Rule(
        id="enterprise.standardization_bonus", scorer=SCORER, subject="enterprise",
        kind="bonus",
        label="安全生产标准化加分",
        definition="安全生产标准化达到一级、二级、三级的企业分别加分，得分不超过满分。",
        params=("enterprise.standardization_bonus",), tables=("enterprises",),
    ),
    Rule(
        id="enterprise.adjustment", scorer=SCORER, subject="enterprise", kind="finishing",
        label="委员会加分核减",
        definition="考核委员会对企业的加分或核减，各以其依据单列，在限于 0 至满分之前计入。",
        tables=("adjustments",),
    ),
    Rule(
        id="enterprise.clip", scorer=SCORER, subject="enterprise", kind="finishing",
        label="得分限于 0 至满分",
        definition="各项合计高于满分的记为满分，低于 0 分的记为 0 分。",
        params=("enterprise.base",),
    ),
    Rule(
        id="enterprise.zero_score_grade", scorer=SCORER, subject="enterprise",
        kind="finishing",
        label="重大及以上事故得分记 0",
        definition="本年发生 zero_score_grade 及以上事故的企业，得分记为 0 分。",
        params=(ZERO, GRADING, POPULATION), tables=("accidents",),
    ),
    Rule(
        id="enterprise.dishonest", scorer=SCORER, subject="enterprise", kind="decision",
        label="严重失信",
        definition="本年发生重大及以上事故、12 个月内 2 起及以上较大事故、事故被处 2 倍以上罚款、"
        "瞒报谎报事故、事故后主要负责人逃匿，或未依法取得安全生产许可（无证、证照过期、"
        "暂扣吊销期间）从事生产经营的企业，符合列入严重失信主体名单的情形，风险等级记 D。"
        "是否列入名单由作出行政处罚决定的部门决定：dishonest 为真只表示符合情形。",
        params=("enterprise.dishonest_grounds", "enterprise.dishonest_grade",
                "enterprise.dishonest_larger_count", "enterprise.dishonest_window_months",
                "enterprise.dishonest_fine_multiplier", "enterprise.dishonest_licence_kinds",
                "enterprise.dishonest_class", "enterprise.dishonest_sectors", POPULATION),
        tables=("accidents", "cases", "enterprises"),
        readings=(
            "“12 个月内”：后一起在本年，前一起在其前一年同一日或以后。",
            "只判定企业名录中行业领域（sector）在 dishonest_sectors 之内的企业；其他企业"
            "dishonest 为空（不适用），不因失信记 D。",
            "案件的非法类型（illegal_kind）为空时，按 illegal 标记判定；非空时，只有"
            " dishonest_licence_kinds 所列类型（许可类违法）计入。",
        ),
    ),
    Rule(
        id="enterprise.credit_listing", scorer=SCORER, subject="enterprise", kind="decision",
        label="在册严重失信名单",
        definition="严重失信名单（credit_listings）中考核期末日仍在管理期内、未提前移出的企业，"
        "风险等级记 dishonest_class（只限 dishonest_sectors 之内的企业）；列入满 "
        "listing_early_removal_months 个月可申请提前移出，listing_years 年期满。",
        params=("enterprise.listing_years", "enterprise.listing_early_removal_months",
                "enterprise.dishonest_class", "enterprise.dishonest_sectors"),
        tables=("credit_listings",),
        readings=(
            "期满日（expires_on）为列入日加 listing_years 个日历年，即不再在册的第一天；"
            "提前移出起始日加 listing_early_removal_months 个日历月；该月无此日的取月末"
            "（2024-02-29 列入，2027-02-28 期满）。",
            "同一企业多次列入的，取考核期末日在册的最后一次；均不在册的，取考核期末日以前最后一次。",
        ),
    ),
    Rule(
        id="enterprise.class_scheme", scorer=SCORER, subject="enterprise", kind="decision",
        label="分级分类方案",
        definition="按企业行业领域所适用的方案定风险等级：按得分、安全生产标准化等级或安全风险等级"
        "分类，各类别对应风险等级与年度检查次数下限、上限；本年检查次数少于下限为 under_min，"
        "多于上限为 over_cap。",
        params=("enterprise.class_schemes", "enterprise.risk_classes",
                "enterprise.inspections_per_year"),
        tables=("enterprises", "inspections"),
        readings=(
            "方案的选择：high_risk 为否且有“非高危”方案的，用该方案；否则用其行业领域的方案；"
            "再否则用“*”方案（未写时按得分与 risk_classes 分级，检查次数下限为 "
            "inspections_per_year，无上限）。",
            "长期停产停建（long_idle）的企业，其方案有“长期停产停建”类别的，归入该类别。",
            "检查次数的下限与上限取企业所属类别的；失信、直接定级或数据不足改变了风险等级的，"
            "取方案中对应改变后等级的第一个类别；已关闭企业下限为 0、无上限。",
            "本年检查次数为考核期内不同检查编号的个数；无执法检查表时为空。",
        ),
    ),
    Rule(
        id="enterprise.class_override", scorer=SCORER, subject="enterprise", kind="decision",
        label="直接定级",
        definition="class_overrides 中开启的情形（至考核期末 months 个月内发生死亡责任事故；"
        "考核期末有到期未整改的重大隐患）适用的企业，风险等级不优于该情形的等级。",
        params=("enterprise.class_overrides",),
        tables=("accidents", "hazards"),
    ),
    Rule(
        id="enterprise.data_sufficiency", scorer=SCORER, subject="enterprise", kind="decision",
        label="数据充分性",
        definition="至考核期末日的 data_sufficiency_window_months 个月内（含两端）受到执法检查"
        "不足 data_sufficiency_min_inspections 次、且无安全生产标准化等级的企业，数据不足："
        "风险等级取按得分所定等级与 insufficient_class 中较差者，得分不变。",
        params=("enterprise.data_sufficiency_min_inspections",
                "enterprise.data_sufficiency_window_months", "enterprise.insufficient_class"),
        tables=("inspections", "enterprises"),
        readings=(
            "一次检查指一个不同的检查编号（inspection_id）。",
            "已关闭且关闭日期为空或不晚于考核期末的企业不判定（data_sufficient 为空）；"
            "无执法检查表时不判定，并记 0 分说明项“无执法检查数据”。",
        ),
    ),
    Rule(
        id="enterprise.no_data", scorer=SCORER, subject="enterprise", kind="note",
        label="缺少数据",
        definition="未提供事故、案件或隐患数据表的，相应扣分项不评，并记 0 分说明项。",
        cites="考核口径：未提供的数据表不推定为没有事故、案件或隐患；相应扣分项不评，"
        "以说明项标明，不计分",
    ),
)  # fmt: skip
