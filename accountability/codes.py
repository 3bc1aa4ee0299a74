"""Closed code lists and the checks on identifiers (GB 32100, GB/T 2260).

The lists here are the vocabulary of the input tables: every value a column may
hold where the column is an enumeration.  Numbers that a province may change
(grade bands, points, the sector → department map) live in the rulebook, not here.

>>> is_valid_uscc("914403001922038216")
True
>>> GRADE_ORDER["较大"] > GRADE_ORDER["一般"]
True
"""

from __future__ import annotations

import re

import polars as pl

from accountability import subjects

# 行业领域 — one closed list, defined once (every `sector` column and sector list uses it).
SECTORS: tuple[str, ...] = (
    "道路交通",
    "水上交通",
    "煤矿",
    "非煤矿山",
    "建筑施工",
    "危险化学品",
    "烟花爆竹",
    "消防",
    "校车",
    "工矿商贸其他",
)

REGION_LEVELS: tuple[str, ...] = ("省", "市", "县")

# 国务院令第493号第三条, from least to most serious.
ACCIDENT_GRADES: tuple[str, ...] = ("一般", "较大", "重大", "特别重大")
GRADE_ORDER: dict[str, int] = {grade: rank for rank, grade in enumerate(ACCIDENT_GRADES)}

HAZARD_LEVELS: tuple[str, ...] = ("一般", "重大")
# Who found a hidden hazard: the enterprise's own check, the local department's
# inspection, a higher level's inspection, an unannounced visit (暗访), a report (举报).
HAZARD_FINDERS: tuple[str, ...] = ("企业自查", "属地检查", "上级检查", "暗访", "举报")
# Whether production stopped while a hazard was being rectified.
STOP_PRODUCTION: tuple[str, ...] = ("无", "局部", "全部")
# 瞒报（谎报）的主体: the enterprise, or a government department (政府有关部门)
CONCEALED_BY: tuple[str, ...] = ("企业", "政府部门")
# The reporting failures a veto or yellow-card entry may count (生产安全事故报告和调查处理
# 条例第四条: 迟报、漏报、谎报、瞒报), and their Chinese names; concealed_or_false is the
# merged 瞒报（谎报） of the tables' `concealed` key.
REPORTING_FAILURES: dict[str, str] = {
    "concealed": "瞒报",
    "falsely_reported": "谎报",
    "omitted": "漏报",
    "reported_late": "迟报",
    "concealed_or_false": "瞒报（谎报）",
}
# A veto or yellow-card table's switch: leave out the accidents without 属地管理责任.
DECISION_EXEMPT_KEY = "exempt_without_local_responsibility"
# The kinds of unit assessed beside the regions (省直/市直部门, 国有企业): their Chinese
# name, as award levels and decision tables say it, and their subject type, which is
# also the suffix of their veto and yellow-card tables (annual.veto_department, …).
UNIT_KINDS: dict[str, str] = {"部门": "department", "企业": "state_enterprise"}
# The annual rules a department or state-owned enterprise can be scored by
# (annual.unit_rules): the rules that count accidents one by one.  The registry derives
# the same list from its records (rules.registry.unit_scorable_rules; a test keeps the
# two equal), which this layer cannot import.
UNIT_SCORED_RULES: tuple[str, ...] = ("A4", "A5")
# A department's table switch: leave out the accidents the investigation found the
# department bore no 监管责任 for (accidents.supervisory_responsibility false).
SUPERVISORY_EXEMPT_KEY = "exempt_without_supervisory_responsibility"
# The accident flags a pull-in rule (annual.pull_in) may require.
PULL_IN_FLAGS: tuple[str, ...] = (
    "impact_severe",
    "concealed",
    "falsely_reported",
    "omitted",
    "reported_late",
    "production_related",
    "local_responsibility",
)
# How a committee adjustment acts (adjustments.effect): on the points, or by lowering
# the grade (降低考核等次, 国办发〔2016〕64号) by `steps` grades.
ADJUSTMENT_EFFECTS: tuple[str, ...] = ("points", "grade_down")
# The accident flags a rule's population can require (all of them true); liability:
# a 责任事故; production_related: a 生产经营性 accident.
ACCIDENT_POPULATION_FLAGS: tuple[str, ...] = ("liability", "production_related")

# 四个一律 (国务院办公厅 2012): the measure names, keyed by the fixed column suffix.
MEASURES: dict[str, str] = {
    "close": "关闭取缔",
    "penalty": "从重处罚",
    "suspend": "停产整顿",
    "accountability": "厉行问责",
}

# 《安全生产法》(2021)第一百一十三条“本法规定的行政处罚”的种类 (a case's penalty_kinds).
PENALTY_KINDS: tuple[str, ...] = (
    "警告",
    "罚款",
    "没收违法所得",
    "责令停产停业整顿",
    "暂扣许可证",
    "吊销许可证",
)

# 《地方党政领导干部安全生产责任制规定》(2018)(厅字〔2018〕13号); the two roles its
# 第二章 names besides today's four are appended, so that the roles' Enum codes stay.
OFFICIAL_ROLES: tuple[str, ...] = (
    "党委主要负责人",
    "政府主要负责人",
    "分管负责人",
    "部门负责人",
    "党委常委会其他成员",
    "政府分管安全生产的领导干部",
)
HEAD_ROLES: tuple[str, ...] = ("党委主要负责人", "政府主要负责人")

DUTY_ACTIVITIES: tuple[str, ...] = ("研究部署", "督导检查", "隐患督办")

# An official's (and a department's, 一岗双责) steps, mildest first: 约谈 (安委〔2018〕2号),
# 通报, and 问责建议 — a proposal: 问责 itself (厅字〔2018〕13号 第十八条) is
# decided by people on an investigation's findings.  黄牌警告 is a sanction on units
# (regions, departments, state-owned enterprises), never a step of a person.
ACCOUNTABILITY_STEPS: tuple[str, ...] = ("约谈", "通报", "问责建议")
# An investigation's finding on an official for one accident (responsibility_findings):
# the three kinds of leadership responsibility (厅字〔2018〕13号 第十八条), or none.
FINDINGS: tuple[str, ...] = ("领导责任", "主要领导责任", "重要领导责任", "无责任")
# What stands behind an official's step (officials.step_basis): an investigation's
# finding of leadership responsibility, or only attribution by post and portfolio
# (管行业必须管安全), which is a pre-screen of who may be held to account.
STEP_BASES: tuple[str, ...] = ("调查认定", "归责预筛")
# A summons rule's target meaning "each official the accidents are attributed to".
ATTRIBUTED_TARGET = "归责对象"

STANDARDIZATION_LEVELS: tuple[str, ...] = ("一级", "二级", "三级")

ENTERPRISE_STATUSES: tuple[str, ...] = ("在营", "停产", "关闭")

# 安全风险等级 (安全风险分级管控), from least to most serious (蓝、黄、橙、红).
RISK_LEVELS: tuple[str, ...] = ("低", "一般", "较大", "重大")

# What made a case 非法: the licence-type grounds of 严重失信 (无证, 证照过期, 暂扣吊销期间)
# and two that are not licence-type (超范围, 关闭后擅自生产).
ILLEGAL_KINDS: tuple[str, ...] = ("无证", "证照过期", "暂扣吊销期间", "超范围", "关闭后擅自生产")

# 分级分类: what a sector's class scheme grades by, and its special category labels.
CLASS_SCHEME_BY: tuple[str, ...] = ("score", "standardization", "risk_level")
UNRATED = "未定级"  # no standardization grade / no risk level
LONG_IDLE = "长期停产停建"  # a category for enterprises with long_idle, in any scheme
NON_HIGH_RISK = "非高危"  # the scheme key for enterprises whose high_risk is false
DEFAULT_SCHEME = "*"

# The grounds of 严重失信 (应急管理部令第11号) and of a class set directly, as rule files
# name them.
DISHONEST_GROUNDS: tuple[str, ...] = (
    "major_accident",
    "larger_accidents",
    "fine_multiplier",
    "concealed",
    "principal_absconded",
    "unlicensed",
    "illegal_case",
)
CLASS_OVERRIDE_GROUNDS: tuple[str, ...] = ("fatal_accident", "major_hazard_overdue")

# 控制指标 (targets.indicator), 国办发〔2016〕64号: deaths (A1), the four rates (A3), and
# (A6) deaths per sector (`deaths:<sector>`) and accident counts by the accident's own
# grade (较大/重大 起数; 特别重大 零控制 is a limit of 0).
TARGET_RATE_INDICATORS: tuple[str, ...] = (
    "deaths_per_100m_gdp",
    "industry_deaths_per_100k",
    "road_deaths_per_10k_vehicles",
    "coal_deaths_per_mt",
)
SECTOR_DEATHS_PREFIX = "deaths:"
SECTOR_DEATH_INDICATORS: tuple[str, ...] = tuple(f"{SECTOR_DEATHS_PREFIX}{s}" for s in SECTORS)
# accident-count indicator -> the grade it counts (exactly that grade, not or-worse)
GRADE_COUNT_INDICATORS: dict[str, str] = {
    "larger_accidents": "较大",
    "major_accidents": "重大",
    "extraordinary_accidents": "特别重大",
}
TARGET_INDICATORS: tuple[str, ...] = (
    "deaths",
    *TARGET_RATE_INDICATORS,
    *SECTOR_DEATH_INDICATORS,
    *GRADE_COUNT_INDICATORS,
)
# How a target's `limit` reads (targets.limit_kind): a number not to exceed, or a change
# in % from the baseline year's figure (−5: at least 5 % below it).
LIMIT_KINDS: tuple[str, ...] = ("absolute", "decline_pct")

SUBJECT_TYPES = subjects.SUBJECT_TYPES

# --- GB 32100-2015: unified social credit code -------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_SHAPE = re.compile(f"^[{USCC_ALPHABET}]{{18}}$")


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a code.

    >>> uscc_check_character("91440300192203821")
    '6'
    """
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True when `code` is an 18-character unified social credit code whose check
    character (GB 32100-2015) is right.

    >>> is_valid_uscc("914403001922038216")
    True
    >>> is_valid_uscc("914403001922038217")
    False
    """
    if not isinstance(code, str) or not _USCC_SHAPE.match(code):
        return False
    return uscc_check_character(code[:17]) == code[17]


def uscc_shape_ok(expr: pl.Expr) -> pl.Expr:
    """Polars expression: the value has the 18-character USCC shape."""
    return expr.str.contains(f"^[{USCC_ALPHABET}]{{18}}$")


def uscc_check_ok(expr: pl.Expr) -> pl.Expr:
    """Polars expression: the GB 32100 check character is right (vectorised).

    Null where the shape is wrong; combine with `uscc_shape_ok`.
    """
    values = [
        expr.str.slice(i, 1).replace_strict(_USCC_VALUE, default=None, return_dtype=pl.Int64)
        for i in range(18)
    ]
    weighted = pl.sum_horizontal(v * w for v, w in zip(values[:17], _USCC_WEIGHTS, strict=True))
    return ((31 - weighted % 31) % 31) == values[17]


# --- GB/T 2260: administrative division codes --------------------------------------------

_DIVISION_SHAPE = re.compile(r"^\d{6}$")


def is_division_code(code: str) -> bool:
    """A 6-digit GB/T 2260 code whose province part is not 00.

    >>> is_division_code("430902"), is_division_code("43090"), is_division_code("000000")
    (True, False, False)
    """
    return bool(isinstance(code, str) and _DIVISION_SHAPE.match(code)) and code[:2] != "00"


def division_level(code: str) -> str:
    """The level a code's shape says: 省 (xx0000), 市 (xxxx00) or 县.

    >>> division_level("430000"), division_level("430900"), division_level("430971")
    ('省', '市', '县')
    """
    if code[2:] == "0000":
        return "省"
    if code[4:] == "00":
        return "市"
    return "县"


def is_valid_child(parent: str, child: str) -> bool:
    """Whether `child` may sit under `parent` by GB/T 2260 prefixes.

    A county's first four digits are its prefecture's; a prefecture's first two its
    province's.  Exceptions: county-level units directly under a
    province (codes xx90xx, e.g. 429004 仙桃市) sit under the province; zones with
    statistical codes (e.g. 430971 大通湖区) share their city's first four digits.

    >>> is_valid_child("430900", "430902"), is_valid_child("420000", "429004")
    (True, True)
    >>> is_valid_child("430900", "431002")
    False
    """
    if not (is_division_code(parent) and is_division_code(child)) or parent == child:
        return False
    parent_level = division_level(parent)
    if parent_level == "省":
        return child[:2] == parent[:2]
    if parent_level == "市":
        return child[:4] == parent[:4] and division_level(child) == "县"
    return False


def division_code_ok(expr: pl.Expr) -> pl.Expr:
    """Polars expression: the value is a 6-digit division code (province part not 00)."""
    return expr.str.contains(r"^\d{6}$") & (expr.str.slice(0, 2) != "00")


def child_prefix_ok(child: pl.Expr, parent: pl.Expr) -> pl.Expr:
    """Polars expression form of `is_valid_child` (null parent: a root, always fine)."""
    parent_is_province = parent.str.slice(2, 4) == "0000"
    parent_is_city = (parent.str.slice(4, 2) == "00") & ~parent_is_province
    child_is_county = child.str.slice(4, 2) != "00"
    ok = (
        pl.when(parent.is_null())
        .then(pl.lit(True))
        .when(parent == child)
        .then(pl.lit(False))
        .when(parent_is_province)
        .then(child.str.slice(0, 2) == parent.str.slice(0, 2))
        .when(parent_is_city)
        .then((child.str.slice(0, 4) == parent.str.slice(0, 4)) & child_is_county)
        .otherwise(pl.lit(False))
    )
    return ok
