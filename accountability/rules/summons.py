"""约谈 and its escalation to 通报: the rules that summon officials when accidents
accumulate, and the rules that turn a summons into a public notice.

Sources: 安委〔2018〕2号《安全生产约谈实施办法(试行)》 (a body at a higher level summons
the region's officials after serious or repeated accidents; a summons followed by poor
rectification or a new accident is made public, 通报, and copied to the supervisory
organ); the provinces' 约谈 schemes (湖南省安全生产约谈制度 2018: 2 较大 accidents within
30 days, 较大 accidents above the year's control target, "短期内连续发生多起一般责任事故");
厅字〔2018〕13号《地方党政领导干部安全生产责任制规定》 第十八条 (who answers).

A summons rule (`SummonsRule`) counts accidents of a grade or worse (or fatal ones),
optionally of some sectors, over a window: the last `window_days` days, the
assessment period, or the period against the year's control target.  It summons either
each official the accidents are attributed to (``target_role = "归责对象"``) or the
officials of a role in the region at `target_level` where they happened (that region
and below).  The rules are today's keys — every ``{grade = n}`` of
``dual_duty.summons_grade_counts`` and ``dual_duty.summons_fatal_accidents``, over the
period, on the attributed officials — plus the entries of ``dual_duty.summons``.  An
escalation rule (`EscalationRule`, ``dual_duty.escalation``) turns a summons into a
通报 when new fatal accidents follow it or it is not rectified in time.

Readings chosen here:
- Windows include both ends and count days: "within 30 days" is the earlier accident
  at most 30 days before the later; accidents of one day count together.
- ``count_vs_target``: the accidents of exactly the grade the target counts (the
  indicator of `codes.GRADE_COUNT_INDICATORS`), over the period, against the year's
  absolute limit of the summoned region: the event fires at ``floor(limit) + count``
  accidents (count = 1: the first accident above the target).
- An empty `issuer_level` means the level above the summoned region's (国家 above a
  省).

>>> from accountability.rulebook import rulebook
>>> rules = summons_rules(rulebook().for_year(2024))
>>> for r in rules:
...     print(r.rule_id, r.what, r.count, r.window)
dual_duty.summons.grade 较大及以上事故 1 period
dual_duty.summons.fatal 死亡事故 3 period
>>> escalation_rules(rulebook().for_year(2024))
()
"""

from __future__ import annotations

from typing import Any

import attrs

from accountability.codes import (
    ACCOUNTABILITY_STEPS,
    ATTRIBUTED_TARGET,
    GRADE_COUNT_INDICATORS,
    REGION_LEVELS,
)
from accountability.rulebook import RulesAt
from accountability.rules.dual_duty import grade_conditions, grade_label
from accountability.rules.model import Context, Rule, cite

__all__ = [
    "ESCALATION_KEY",
    "SUMMONS_KEY",
    "SUMMONS_RULES",
    "EscalationRule",
    "SummonsRule",
    "escalation_rules",
    "issuer_above",
    "summons_rules",
]

SCORER = "dual_duty"
SUMMONS, NOTICE = ACCOUNTABILITY_STEPS[:2]  # 约谈, 通报
SUMMONS_KEY = "dual_duty.summons"
ESCALATION_KEY = "dual_duty.escalation"
GRADE_KEY = "dual_duty.summons_grade_counts"
FATAL_KEY = "dual_duty.summons_fatal_accidents"
GRADING = "accident_grading.bands"
MISSING = "accident_grading.count_missing_as_deaths"
POPULATION = "dual_duty.accident_population"
# The window kinds: the last `window_days` days, the period, the period against a target.
WINDOWS = ("days", "period", "target")
# The body above a 省 (国务院安委会 summons provincial governments, 安委〔2018〕2号).
NATIONAL = "国家"
_INDICATOR_OF = {grade: indicator for indicator, grade in GRADE_COUNT_INDICATORS.items()}


def issuer_above(level: str) -> str:
    """The level of the body that summons a region of `level` when a rule does not say:
    the level above (国家 above a 省).

    >>> issuer_above("县"), issuer_above("市"), issuer_above("省")
    ('市', '省', '国家')
    """
    i = REGION_LEVELS.index(level)
    return REGION_LEVELS[i - 1] if i > 0 else NATIONAL


@attrs.frozen
class SummonsRule:
    """One 约谈 rule: summon `target_role` when `count` accidents (of `grade` or worse,
    fatal ones if `fatal`, in `sectors` if given) fall in one window.

    `window` is "days" (the last `window_days` days, both ends included), "period"
    (the assessment period up to the day) or "target" (the period, accidents of exactly
    `grade`, `count` above the year's control target).  `target_role` is "归责对象" (each
    official the accidents are attributed to) or a role: the officials in that role, in
    post on the day, of the region at `target_level` (any level when empty) where the
    accidents happened, in it or below it.

    >>> SummonsRule("x", count=2, window="days", window_days=30, grade="较大").what
    '较大及以上事故'
    """

    rule_id: str
    count: int = attrs.field(validator=attrs.validators.ge(1))
    window: str = attrs.field(validator=attrs.validators.in_(WINDOWS))
    window_days: int | None = None
    grade: str | None = None
    fatal: bool = False
    sectors: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    target_role: str = ATTRIBUTED_TARGET
    target_level: str | None = None
    issuer_level: str | None = None
    basis: str = ""

    def __attrs_post_init__(self) -> None:
        if (self.window == "days") != (self.window_days is not None):
            raise ValueError(f"{self.rule_id}: window_days goes with window 'days' only")
        if self.window == "target" and self.indicator is None:
            raise ValueError(f"{self.rule_id}: a target window needs a grade with a target")

    @property
    def attributed(self) -> bool:
        """Whether the rule summons each official the accidents are attributed to."""
        return self.target_role == ATTRIBUTED_TARGET

    @property
    def indicator(self) -> str | None:
        """The control-target indicator a "target" window compares with."""
        return _INDICATOR_OF.get(self.grade or "") if self.window == "target" else None

    @property
    def what(self) -> str:
        """The accidents counted, as a reason names them: "较大及以上事故", "死亡事故",
        "较大事故" (a target counts one grade), with the sectors when given."""
        if self.grade is None:
            kind = "死亡事故"
        else:
            grade = self.grade if self.window == "target" else grade_label(self.grade)
            kind = f"{grade}{'死亡' if self.fatal else ''}事故"
        return f"{'、'.join(self.sectors)}{kind}" if self.sectors else kind


@attrs.frozen
class EscalationRule:
    """One escalation rule: a 约谈 becomes a 通报 (copied to `copy_to`) when, within
    `within_days` days after it, `new_fatal_accidents` fatal accidents of the summoned
    official (or region) follow, or when it is still not rectified
    `unrectified_after_days` days after it.  Either condition may be left out.

    >>> EscalationRule("x", within_days=90, new_fatal_accidents=1, copy_to="纪委").step
    '通报'
    """

    rule_id: str
    within_days: int = attrs.field(validator=attrs.validators.ge(1))
    new_fatal_accidents: int | None = None
    unrectified_after_days: int | None = None
    copy_to: str = ""
    basis: str = ""
    after: str = SUMMONS
    step: str = NOTICE


def _rules_at(params: RulesAt | Context) -> RulesAt:
    return params.rules if isinstance(params, Context) else params


def _entries(rules: RulesAt, key: str) -> list[dict[str, Any]]:
    """The entries of a rule list, none where the rulebook lacks the key."""
    return list(rules[key]) if key in rules.rulebook else []


def _entry_id(key: str, entry: dict[str, Any], index: int) -> str:
    """`<key>.<entry id>`, or `<key>.<1-based position>` for an entry without an id."""
    return f"{key}.{entry.get('id', index + 1)}"


def summons_rules(params: RulesAt | Context) -> tuple[SummonsRule, ...]:
    """The 约谈 rules in force: one per ``{grade = n}`` of
    ``dual_duty.summons_grade_counts`` (``dual_duty.summons.grade``) and one for
    ``dual_duty.summons_fatal_accidents`` (``dual_duty.summons.fatal``), each over the
    period on the attributed officials with at least 1 accident whatever n says (as
    today's conditions); then one per entry of ``dual_duty.summons``
    (``dual_duty.summons.window.<id or position>``).

    >>> from accountability.rulebook import rulebook
    >>> fatal = summons_rules(rulebook().for_year(2024))[-1]
    >>> fatal.rule_id, fatal.fatal, fatal.count, fatal.target_role
    ('dual_duty.summons.fatal', True, 3, '归责对象')
    """
    rules = _rules_at(params)
    legacy_basis = cite((GRADE_KEY, GRADING, POPULATION), rules)
    out = [
        SummonsRule(
            f"{SUMMONS_KEY}.grade", count=max(n, 1), window="period", grade=grade,
            basis=legacy_basis,
        )
        for grade, n in (grade_conditions(rules, GRADE_KEY) if GRADE_KEY in rules.rulebook else [])
    ]  # fmt: skip
    if FATAL_KEY in rules.rulebook:
        out.append(
            SummonsRule(
                f"{SUMMONS_KEY}.fatal", count=max(int(rules[FATAL_KEY]), 1), window="period",
                fatal=True, basis=cite((FATAL_KEY, MISSING, POPULATION), rules),
            )
        )  # fmt: skip
    for i, entry in enumerate(_entries(rules, SUMMONS_KEY)):
        window = (
            "days" if "window_days" in entry
            else "target" if entry.get("count_vs_target", False)
            else "period"
        )  # fmt: skip
        out.append(
            SummonsRule(
                _entry_id(f"{SUMMONS_KEY}.window", entry, i),
                count=int(entry["count"]),
                window=window,
                window_days=int(entry["window_days"]) if window == "days" else None,
                grade=entry.get("grade"),
                fatal=bool(entry.get("fatal", False)),
                sectors=tuple(entry.get("sectors", ())),
                target_role=str(entry["target_role"]),
                target_level=entry.get("target_level"),
                issuer_level=entry.get("issuer_level"),
                basis=str(entry["basis"]),
            )
        )
    return tuple(out)


def escalation_rules(params: RulesAt | Context) -> tuple[EscalationRule, ...]:
    """The escalation rules in force: one per entry of ``dual_duty.escalation``
    (``dual_duty.escalation.<id or position>``); none by default."""
    rules = _rules_at(params)

    def number(entry: dict[str, Any], field: str) -> int | None:
        return int(entry[field]) if field in entry else None

    return tuple(
        EscalationRule(
            _entry_id(ESCALATION_KEY, entry, i),
            within_days=int(entry["within_days"]),
            new_fatal_accidents=number(entry, "new_fatal_accidents"),
            unrectified_after_days=number(entry, "unrectified_after_days"),
            copy_to=str(entry["copy_to"]),
            basis=str(entry["basis"]),
        )
        for i, entry in enumerate(_entries(rules, ESCALATION_KEY))
    )


# The records of the rules added here.  ``dual_duty.summons.grade`` and
# ``dual_duty.summons.fatal`` (today's keys, evaluated by the same engine) keep their
# records in `accountability.rules.dual_duty`.
SUMMONS_RULES: tuple[Rule, ...] = (
    Rule(
        id="dual_duty.summons.window", scorer=SCORER, subject="official", kind="step",
        label="约谈：时间窗口内事故达到起数",
        definition="规则库另增的约谈规则：在时间窗口内（最近若干天、考核期，或与年度控制指标相比）"
        "某等级及以上事故（或死亡事故）达到规定起数的，约谈被归责的领导干部，"
        "或事故发生地区（及其下级）某层级的某职务类别领导干部。",
        formula="窗口内起数 ≥ 起数（超过控制指标：≥ 控制指标 + 起数）的当天触发一次",
        params=(SUMMONS_KEY, GRADING, MISSING, POPULATION),
        tables=("accidents", "officials"), optional_tables=("targets",),
        readings=(
            "窗口包含两端、按天计：“30 日内”指较早的事故最多在较晚事故之前 30 天；"
            "同一天的事故一并计入。",
            "窗口内起数在某天达到规定起数、而不计当天事故时未达到的，当天触发一次约谈；"
            "只报告考核期内触发的约谈，窗口可跨入上一考核期。",
            "按职务类别约谈的，约谈事故发生地区及其上级中该层级地区当天在任的该职务领导干部；"
            "分管（监管）行业领域的职务须分管窗口内事故的行业领域之一。无人在任的，约谈仍记于该地区。",
            "超过控制指标只计该等级的事故（与控制指标同口径），只与绝对值控制指标比较；"
            "控制指标为下降百分比或无控制指标数据的，不适用，并记数据警示。",
            "未写约谈机关层级的，由被约谈地区的上一级约谈（省由国家）。",
        ),
    ),
    Rule(
        id="dual_duty.escalation", scorer=SCORER, subject="official", kind="step",
        label="通报：约谈后又发生死亡事故或逾期未整改",
        definition="被约谈的领导干部（或地区）在约谈后规定天数内又发生规定起数的死亡事故，"
        "或逾期未完成整改的，予以通报，并抄送规定的机关。",
        formula="约谈后 within_days 天内新发死亡事故 ≥ new_fatal_accidents 起，"
        "或约谈后 unrectified_after_days 天仍未整改",
        params=(ESCALATION_KEY, MISSING, POPULATION),
        tables=("accidents", "officials"), optional_tables=("summons_history",),
        readings=(
            "约谈包括约谈记录（summons_history）和本考核期按约谈规则触发的约谈；"
            "按规则触发的约谈没有整改记录，只按新发死亡事故升级。",
            "新发死亡事故指约谈日之后（不含当天）发生、被归责于被约谈干部"
            "（约谈地区的，为该地区及其下级发生）的死亡事故。",
            "整改完成日期晚于约谈日加整改期限天数或为空的，于期限次日升级为通报；"
            "在期限当天完成整改的不升级。每次约谈至多升级一次，取最早的一项。",
        ),
    ),
)  # fmt: skip
