"""What each input table holds: columns, dtypes, Chinese labels, keys.

This is the one place the input vocabulary is written down; the dataframely
schemas in `tables.py`, the loader, the fixture generator and the docs all read it.

>>> TABLES["accidents"].column("deaths").label
'死亡人数'
"""

from __future__ import annotations

import attrs
import polars as pl

from accountability.codes import (
    ACCIDENT_GRADES,
    ADJUSTMENT_EFFECTS,
    CONCEALED_BY,
    DUTY_ACTIVITIES,
    ENTERPRISE_STATUSES,
    FINDINGS,
    HAZARD_FINDERS,
    HAZARD_LEVELS,
    ILLEGAL_KINDS,
    LIMIT_KINDS,
    OFFICIAL_ROLES,
    PENALTY_KINDS,
    REGION_LEVELS,
    RISK_LEVELS,
    SECTORS,
    STANDARDIZATION_LEVELS,
    STOP_PRODUCTION,
    SUBJECT_TYPES,
    TARGET_INDICATORS,
)

__all__ = ["TABLES", "Column", "TableSpec", "with_optional_columns"]

SectorDtype = pl.Enum(SECTORS)
LevelDtype = pl.Enum(REGION_LEVELS)
GradeDtype = pl.Enum(ACCIDENT_GRADES)
HazardLevelDtype = pl.Enum(HAZARD_LEVELS)
ConcealedByDtype = pl.Enum(CONCEALED_BY)
AdjustmentEffectDtype = pl.Enum(ADJUSTMENT_EFFECTS)
FinderDtype = pl.Enum(HAZARD_FINDERS)
StopDtype = pl.Enum(STOP_PRODUCTION)
RoleDtype = pl.Enum(OFFICIAL_ROLES)
ActivityDtype = pl.Enum(DUTY_ACTIVITIES)
StatusDtype = pl.Enum(ENTERPRISE_STATUSES)
StandardizationDtype = pl.Enum(STANDARDIZATION_LEVELS)
IndicatorDtype = pl.Enum(TARGET_INDICATORS)
LimitKindDtype = pl.Enum(LIMIT_KINDS)
SubjectTypeDtype = pl.Enum(SUBJECT_TYPES)
PenaltyKindDtype = pl.Enum(PENALTY_KINDS)
RiskLevelDtype = pl.Enum(RISK_LEVELS)
IllegalKindDtype = pl.Enum(ILLEGAL_KINDS)
FindingDtype = pl.Enum(FINDINGS)


@attrs.frozen
class Column:
    """One input column.

    `required`: the file must have the column.  `nullable`: a cell may be empty.
    `default`: the value of an optional column that is absent (or of an empty cell
    in it).  `non_negative`: counts and amounts.  `event_date`: may not be after
    the load's `as_of` day.  `aliases`: further headers users' spreadsheets use.
    """

    name: str
    dtype: pl.DataType
    label: str
    required: bool = True
    nullable: bool = False
    default: object = None
    non_negative: bool = False
    event_date: bool = False
    aliases: tuple[str, ...] = ()


@attrs.frozen
class TableSpec:
    """One input table: its columns, primary key and Chinese label."""

    name: str
    label: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional_table: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def dtypes(self) -> dict[str, pl.DataType]:
        return {c.name: c.dtype for c in self.columns}


def _c(name: str, dtype: pl.DataType, label: str, **kw: object) -> Column:
    return Column(name, dtype, label, **kw)  # type: ignore[arg-type]


_S, _I, _F, _B, _D, _Y = pl.String(), pl.Int64(), pl.Float64(), pl.Boolean(), pl.Date(), pl.Int32()

_REGION = _c("region_code", _S, "区划代码", aliases=("行政区划代码", "地区代码"))
_YEAR = _c("year", _Y, "年度", aliases=("年份",))
_ENTERPRISE_REF = _c(
    "enterprise_id",
    _S,
    "统一社会信用代码",
    nullable=True,
    aliases=("企业统一社会信用代码", "企业编号"),
)


def _count(name: str, label: str, **kw: object) -> Column:
    return _c(name, _I, label, non_negative=True, **kw)


def _flag(name: str, label: str, **kw: object) -> Column:
    return _c(name, _B, label, **kw)


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "regions",
            "行政区划",
            (
                _REGION,
                _c("name", _S, "名称", aliases=("区划名称", "地区名称")),
                _c("parent_code", _S, "上级区划代码", nullable=True, aliases=("上级代码",)),
                _c("level", LevelDtype, "级别", aliases=("层级",)),
            ),
            key=("region_code",),
        ),
        TableSpec(
            "region_stats",
            "地区统计",
            (
                _REGION,
                _YEAR,
                _c(
                    "gdp_100m_yuan",
                    _F,
                    "地区生产总值(亿元)",
                    nullable=True,
                    non_negative=True,
                    aliases=("GDP(亿元)",),
                ),
                _count("industry_employees", "工矿商贸从业人员", nullable=True),
                _count("motor_vehicles", "机动车保有量", nullable=True),
                _c("coal_output_mt", _F, "原煤产量(百万吨)", nullable=True, non_negative=True),
            ),
            key=("region_code", "year"),
        ),
        TableSpec(
            "targets",
            "控制指标",
            (
                _REGION,
                _YEAR,
                _c("indicator", IndicatorDtype, "指标"),
                # negative only with limit_kind = decline_pct (tables: negative_absolute_limit)
                _c("limit", _F, "控制指标值", aliases=("控制值",)),
                _c(
                    "limit_kind",
                    LimitKindDtype,
                    "控制指标类型",
                    required=False,
                    default="absolute",
                    aliases=("指标类型",),
                ),
                # required with decline_pct (tables: baseline_year_missing)
                _c(
                    "baseline_year",
                    _Y,
                    "基准年度",
                    required=False,
                    nullable=True,
                    aliases=("基准年", "基准年份"),
                ),
            ),
            key=("region_code", "year", "indicator"),
        ),
        TableSpec(
            "accidents",
            "生产安全事故",
            (
                _c("accident_id", _S, "事故编号"),
                _REGION,
                _ENTERPRISE_REF,
                _c("sector", SectorDtype, "行业领域"),
                _c("occurred_on", _D, "发生日期", event_date=True, aliases=("发生时间",)),
                _count("deaths", "死亡人数"),
                _count("missing", "失踪人数", aliases=("下落不明人数",)),
                _count("serious_injuries", "重伤人数"),
                _c(
                    "direct_loss_10k_yuan",
                    _F,
                    "直接经济损失(万元)",
                    non_negative=True,
                    aliases=("直接经济损失",),
                ),
                _flag("reported_late", "迟报"),
                _flag("concealed", "瞒报", aliases=("瞒报谎报", "瞒报或谎报")),
                _flag("liability", "责任事故", required=False, default=True),
                _flag(
                    "production_related",
                    "生产经营性",
                    required=False,
                    default=True,
                    aliases=("生产经营性事故",),
                ),
                _flag("local_responsibility", "属地管理责任", required=False, default=True),
                _flag("supervisory_responsibility", "监管责任", required=False, default=True),
                _flag("impact_severe", "社会影响恶劣", required=False, default=False),
                _flag("falsely_reported", "谎报", required=False, default=False),
                _flag(
                    "lacked_conditions",
                    "不具备安全生产条件",
                    required=False,
                    default=False,
                    aliases=("不具备安全生产条件导致事故",),
                ),
                _flag("omitted", "漏报", required=False, default=False),
                _c("concealed_by", ConcealedByDtype, "瞒报主体", required=False, nullable=True),
                _c(
                    "concealment_confirmed_on",
                    _D,
                    "瞒报认定日期",
                    required=False,
                    nullable=True,
                    event_date=True,
                ),
                _c(
                    "fine_multiplier",
                    _F,
                    "罚款倍数",
                    required=False,
                    nullable=True,
                    non_negative=True,
                    aliases=("第一百一十四条罚款倍数",),
                ),
                _flag(
                    "principal_absconded",
                    "主要负责人逃匿",
                    required=False,
                    default=False,
                    aliases=("主要负责人擅离职守或逃匿",),
                ),
            ),
            key=("accident_id",),
        ),
        TableSpec(
            "enterprises",
            "生产经营单位",
            (
                _c("enterprise_id", _S, "统一社会信用代码", aliases=("企业编号",)),
                _c("name", _S, "企业名称", aliases=("单位名称",)),
                _REGION,
                _c("sector", SectorDtype, "行业领域"),
                _count("employees", "从业人员", aliases=("从业人员数",)),
                _flag("license_required", "需取得许可", aliases=("需许可",)),
                _flag("licensed", "持有许可", aliases=("已取得许可",)),
                _c(
                    "standardization_level",
                    StandardizationDtype,
                    "标准化等级",
                    nullable=True,
                    aliases=("安全生产标准化等级",),
                ),
                _c(
                    "status",
                    StatusDtype,
                    "经营状态",
                    required=False,
                    default="在营",
                    aliases=("状态",),
                ),
                _c("closed_on", _D, "关闭日期", required=False, nullable=True, event_date=True),
                _c(
                    "risk_level",
                    RiskLevelDtype,
                    "安全风险等级",
                    required=False,
                    nullable=True,
                    aliases=("风险等级",),
                ),
                _c("high_risk", _B, "高危行业", required=False, nullable=True),
                _flag(
                    "long_idle",
                    "长期停产停建",
                    required=False,
                    default=False,
                    aliases=("长期停产",),
                ),
            ),
            key=("enterprise_id",),
        ),
        TableSpec(
            "inspections",
            "执法检查",
            (
                _c("inspection_id", _S, "检查编号"),
                _c(
                    "enterprise_id", _S, "统一社会信用代码", aliases=("被检查单位统一社会信用代码",)
                ),
                _REGION,
                _c("department", _S, "检查部门", aliases=("部门",)),
                _c("inspected_on", _D, "检查日期", event_date=True),
            ),
            key=("inspection_id", "enterprise_id"),
        ),
        TableSpec(
            "cases",
            "打非治违案件",
            (
                _c("case_id", _S, "案件编号"),
                _c("inspection_id", _S, "检查编号", nullable=True),
                _ENTERPRISE_REF,
                _REGION,
                _c("department", _S, "执法部门", aliases=("部门",)),
                _c("found_on", _D, "发现日期", event_date=True, aliases=("立案日期",)),
                _flag("illegal", "非法生产经营建设", aliases=("非法",)),
                _flag("unlawful", "违法违规生产经营", aliases=("违法",)),
                _flag("failed_rectification", "停产整顿仍不合格", aliases=("整顿不合格",)),
                _flag("criminal", "涉嫌犯罪或失职渎职", aliases=("涉嫌犯罪",)),
                _flag("major_hazard", "重大事故隐患"),
                _flag("suspended", "责令停产整顿", aliases=("停产整顿",)),
                _flag("closed", "关闭取缔"),
                _c(
                    "fine_yuan",
                    _F,
                    "罚款(元)",
                    nullable=True,
                    non_negative=True,
                    aliases=("罚款金额",),
                ),
                _c(
                    "fine_max_yuan",
                    _F,
                    "罚款上限(元)",
                    nullable=True,
                    non_negative=True,
                    aliases=("处罚上限",),
                ),
                _flag("transferred", "移送司法机关", aliases=("移送司法",)),
                _count("persons_detained", "刑事拘留人数", aliases=("拘留人数",)),
                _count("persons_transferred", "移送司法人数"),
                _count("officials_accountable", "问责人数", aliases=("追责人数",)),
                _c(
                    "penalty_kinds",
                    pl.List(PenaltyKindDtype),
                    "处罚种类",
                    required=False,
                    nullable=True,
                    aliases=("行政处罚种类",),
                ),
                _c(
                    "penalty_article",
                    _S,
                    "处罚条款",
                    required=False,
                    nullable=True,
                    aliases=("处罚依据条款",),
                ),
                _c(
                    "closure_proposed_on",
                    _D,
                    "提请关闭日期",
                    required=False,
                    nullable=True,
                    event_date=True,
                ),
                _flag(
                    "suspension_refused",
                    "拒不执行停产停业整顿决定",
                    required=False,
                    default=False,
                    aliases=("拒不执行停产整顿",),
                ),
                _c(
                    "ordered_to_correct_on",
                    _D,
                    "责令改正日期",
                    required=False,
                    nullable=True,
                    event_date=True,
                ),
                _flag("refused_correction", "拒不改正", required=False, default=False),
                _c("accident_id", _S, "事故编号", required=False, nullable=True),
                _c(
                    "illegal_kind",
                    IllegalKindDtype,
                    "非法类型",
                    required=False,
                    nullable=True,
                    aliases=("非法生产经营类型",),
                ),
            ),
            key=("case_id",),
        ),
        TableSpec(
            "hazards",
            "事故隐患",
            (
                _c("hazard_id", _S, "隐患编号"),
                _ENTERPRISE_REF,
                _REGION,
                _c("sector", SectorDtype, "行业领域"),
                _c("level", HazardLevelDtype, "隐患等级"),
                _c("found_on", _D, "发现日期", event_date=True, aliases=("排查日期",)),
                _c("due_on", _D, "整改期限"),
                _c("rectified_on", _D, "整改完成日期", nullable=True, event_date=True),
                _flag("listed", "挂牌督办"),
                _flag("five_in_place", "五落实", aliases=("五落实到位",)),
                _c("found_by", FinderDtype, "发现方式", required=False, nullable=True),
                _c("found_by_level", LevelDtype, "发现层级", required=False, nullable=True),
                _c(
                    "verified_on",
                    _D,
                    "验收销号日期",
                    required=False,
                    nullable=True,
                    event_date=True,
                    aliases=("销号日期", "验收日期"),
                ),
                _c("extended_to", _D, "延期整改期限", required=False, nullable=True),
                _flag("extension_approved", "延期经批准", required=False, default=False),
                _c("listed_level", LevelDtype, "挂牌层级", required=False, nullable=True),
                _c("supervising_department", _S, "督办部门", required=False, nullable=True),
                _c("stop_production", StopDtype, "停产情况", required=False, nullable=True),
            ),
            key=("hazard_id",),
        ),
        TableSpec(
            "officials",
            "领导干部",
            (
                _c("official_id", _S, "干部编号", aliases=("人员编号",)),
                _c("name", _S, "姓名"),
                _REGION,
                _c("role", RoleDtype, "职务类别", aliases=("岗位",)),
                _c("department", _S, "部门", nullable=True, aliases=("所在部门",)),
                _c(
                    "portfolio",
                    pl.List(SectorDtype),
                    "分管行业领域",
                    nullable=True,
                    aliases=("分管领域",),
                ),
                _c("start_on", _D, "任职开始日期", required=False, nullable=True),
                _c("end_on", _D, "任职结束日期", required=False, nullable=True),
            ),
            key=("official_id",),
        ),
        TableSpec(
            "duty_records",
            "履职记录",
            (
                _c("official_id", _S, "干部编号", aliases=("人员编号",)),
                _YEAR,
                _c("activity", ActivityDtype, "履职事项"),
                _count("count", "次数"),
            ),
            key=(),
        ),
        TableSpec(
            "work_items",
            "年度工作目标",
            (
                _REGION,
                _YEAR,
                _c("item", _S, "工作事项", aliases=("事项",)),
                _c("target", _F, "目标值", non_negative=True),
                _c("achieved", _F, "完成值", non_negative=True),
            ),
            key=("region_code", "year", "item"),
        ),
        TableSpec(
            "adjustments",
            "加分核减",
            (
                _c("subject_type", SubjectTypeDtype, "对象类型"),
                _c("subject_id", _S, "对象编号"),
                _YEAR,
                _c("points", _F, "分值"),
                _c("reason", _S, "事由"),
                _c("basis", _S, "依据"),
                _c(
                    "effect",
                    AdjustmentEffectDtype,
                    "方式",
                    required=False,
                    default="points",
                    aliases=("调整方式",),
                ),
                _count("steps", "降低等次数", required=False, default=1, aliases=("降等数",)),
            ),
            key=(),
            optional_table=True,
        ),
        TableSpec(
            "credit_listings",
            "严重失信名单",
            (
                _c("enterprise_id", _S, "统一社会信用代码", aliases=("企业编号",)),
                _c("listed_on", _D, "列入日期", event_date=True, aliases=("列入名单日期",)),
                _c(
                    "removed_on",
                    _D,
                    "移出日期",
                    required=False,
                    nullable=True,
                    event_date=True,
                    aliases=("提前移出日期",),
                ),
                _c(
                    "authority",
                    _S,
                    "作出决定的部门",
                    required=False,
                    nullable=True,
                    aliases=("决定部门", "列入部门"),
                ),
            ),
            key=("enterprise_id", "listed_on"),
            optional_table=True,
        ),
        TableSpec(
            "assessed_enterprises",
            "考核的国有企业",
            (
                _c("enterprise_id", _S, "统一社会信用代码", aliases=("企业统一社会信用代码",)),
                _c("region_code", _S, "考核地区区划代码", aliases=("考核地区代码", "区划代码")),
                _c(
                    "sectors",
                    pl.List(SectorDtype),
                    "考核的行业领域",
                    required=False,
                    nullable=True,
                    aliases=("行业领域",),
                ),
            ),
            key=("enterprise_id",),
            optional_table=True,
        ),
        # 约谈 already held (安委〔2018〕2号 安全生产约谈实施办法(试行)): the summoned region,
        # and the official where one person was summoned; escalation reads it.
        TableSpec(
            "summons_history",
            "约谈记录",
            (
                _c("summons_id", _S, "约谈编号", aliases=("编号",)),
                _c("region_code", _S, "被约谈地区区划代码", aliases=("区划代码", "地区代码")),
                _c(
                    "official_id",
                    _S,
                    "被约谈干部编号",
                    required=False,
                    nullable=True,
                    aliases=("干部编号", "人员编号"),
                ),
                _c("summoned_on", _D, "约谈日期", event_date=True),
                _c("issuer_level", LevelDtype, "约谈机关层级", aliases=("约谈层级",)),
                _c("reason", _S, "约谈事由", nullable=True, aliases=("事由",)),
                _c(
                    "rectified_on",
                    _D,
                    "整改完成日期",
                    required=False,
                    nullable=True,
                    event_date=True,
                    aliases=("整改销号日期",),
                ),
            ),
            key=("summons_id",),
            optional_table=True,
        ),
        # An accident investigation's finding on one official (厅字〔2018〕13号 第十八条
        # 领导责任, 第二十二条 从轻, 第二十三条 全面履职不予追责).  Any row makes its accident
        # investigated: its 问责建议 follow the findings, not the attribution.
        TableSpec(
            "responsibility_findings",
            "事故调查责任认定",
            (
                _c("accident_id", _S, "事故编号"),
                _c("official_id", _S, "干部编号", aliases=("人员编号",)),
                _c("finding", FindingDtype, "责任认定", aliases=("认定责任", "责任类型")),
                _flag(
                    "fully_performed",
                    "已全面履职",
                    required=False,
                    default=False,
                    aliases=("全面履职",),
                ),
                _flag(
                    "remedial_action",
                    "从轻情节",
                    required=False,
                    default=False,
                    aliases=("可从轻", "主动采取补救措施"),
                ),
                _c("decided_on", _D, "认定日期", required=False, nullable=True, event_date=True),
            ),
            key=("accident_id", "official_id"),
            optional_table=True,
        ),
    )
}

GRADE_DTYPE = GradeDtype
SECTOR_DTYPE = SectorDtype


def with_optional_columns(frame: pl.LazyFrame, table: str) -> pl.LazyFrame:
    """`frame` with every optional column of `table` it lacks, at the column's default
    (a frame built in code, not loaded, may leave them out).

    >>> lf = pl.LazyFrame({"hazard_id": ["H1"]})
    >>> with_optional_columns(lf, "hazards").collect_schema()["extension_approved"]
    Boolean
    """
    names = frame.collect_schema().names()
    missing = [
        pl.lit(col.default, dtype=col.dtype).alias(col.name)
        for col in TABLES[table].columns
        if not col.required and col.name not in names
    ]
    return frame.with_columns(missing) if missing else frame
