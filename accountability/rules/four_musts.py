"""四个一律: the records of the measures each enforcement case requires or permits.

The 2012 打非治违 notice (国办发明电〔2012〕10号) and 《安全生产法》(2021):

- 关闭取缔 (close), mandatory: required when illegal (the notice), or on a ground of
  第一百一十三条 — (一) the repeat rule, (二) failed_rectification, (三) a 重大 or
  特别重大 liability accident the unit caused lacking safe conditions, (四)
  suspension_refused — or on a sector's own window (煤矿安全生产条例第七十条).  The
  department's duty under 第一百一十三条 is to 提请 (propose) closure to the local
  government, which decides (第一百一十五条): satisfied by closed, or by a
  closure_proposed_on from the case's day to the period's last day.
- 从重处罚 (penalty), mandatory: required when illegal or unlawful; satisfied by
  fine_yuan ≥ the fine ceiling (the case's fine_max_yuan, else the statutory range of
  its penalty_article).
- 停产整顿 (suspend), mandatory: required when unlawful and closure is not required;
  satisfied by suspended or closed (closure subsumes suspension).
- 厉行问责 (accountability), mandatory: required when criminal; satisfied by
  transferred.
- 按日连续处罚 (daily fine, 第一百一十二条), discretionary ("可以"): reported as
  `eligible_daily_fine_from`, never counted as a missed measure.

Each mandatory record holds its gaps (`Gap`): the condition over a case whose
required_* and taken_* columns are known, the Chinese text of the gap and the kind it
is counted under.  A case is compliant when every required measure is satisfied;
data that cannot show a measure is a gap, never compliance.

>>> from accountability.rules.registry import REGISTRY
>>> [g.kind for g in REGISTRY["four_musts.close"].compute.gaps]
['gap_not_closed', 'gap_not_closed', 'gap_not_closed', 'gap_not_closed']
>>> REGISTRY["four_musts.daily_fine"].compute.mandatory
False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import attrs
import polars as pl

from accountability.errors import RulebookError
from accountability.rulebook import Rulebook, RulesAt
from accountability.rules.model import Context, Rule
from accountability.wording import formatted

__all__ = [
    "FOUR_MUSTS_RULES",
    "LAW_2021",
    "NOTICE_2012",
    "REPEAT_KEY",
    "SECTOR_REPEAT_KEY",
    "Gap",
    "Measure",
    "RepeatWindow",
    "readable_yuan",
    "repeat_windows",
    "windows_in_force",
]

SCORER = "four_musts"
REPEAT_KEY = "four_musts.repeat_windows"
SECTOR_REPEAT_KEY = "four_musts.sector_repeat_windows"
BAR_KEY = "four_musts.principal_bar_years"
MAJOR_ACCIDENT_KEY = "four_musts.close_on_major_accident"
KINDS_KEY = "four_musts.repeat_penalty_kinds"

# Legal citations (text, not numbers): the basis of the measures themselves.
NOTICE_2012 = (
    "国务院办公厅关于集中开展安全生产领域“打非治违”专项行动的通知"
    "（国办发明电〔2012〕10号）：四个一律"
)
LAW_2021 = "《安全生产法》(2021)"
NOTICE_SHORT = "国办发明电〔2012〕10号（四个一律）"
CLOSURE_LAW = f"{LAW_2021}第一百一十三条、第一百一十五条（提请县级以上地方人民政府予以关闭）"


@attrs.frozen
class RepeatWindow:
    """One window of the closure-on-repeat rule: `count` or more events within `span`
    days or calendar months (both ends included) up to the case's day require closure.

    `counting` is "penalties" (the enterprise's penalised major-hazard cases, each
    case once) or "findings" (distinct days its 重大 hazards were found); `sector` is
    the enterprise sector the window applies to ("*": every sector); `since` and
    `until` bound the case days it applies to (until excluded; None: no bound);
    `bars_principal` marks a ground of 第一百一十三条, whose principal is barred.
    """

    span: int
    count: int
    unit: str = "days"
    counting: str = "penalties"
    sector: str = "*"
    basis: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    bars_principal: bool = False

    @property
    def column(self) -> str:
        """The case column holding this window's count: repeat_fines_180,
        repeat_findings_3m (one column per counting, span and unit)."""
        noun = "fines" if self.counting == "penalties" else "findings"
        return f"repeat_{noun}_{self.span}{'m' if self.unit == 'months' else ''}"

    @property
    def within(self) -> str:
        return f"{self.span}个月内" if self.unit == "months" else f"{self.span}日内"

    def lower(self, day: pl.Expr) -> pl.Expr:
        """The window's first day for a case on `day`: N days before, or the same day
        N calendar months before (the month's last day where it has no such day)."""
        if self.unit == "months":
            return day.dt.offset_by(f"-{self.span}mo")
        return day - pl.duration(days=self.span)

    def applies(self) -> pl.Expr:
        """Whether the window applies to a case (its found_on, its enterprise's
        `_sector`); the `*` windows apply to every case of their days."""
        parts = []
        if self.sector != "*":
            parts.append((pl.col("_sector") == self.sector).fill_null(False))
        if self.since is not None:
            parts.append(pl.col("found_on") >= pl.lit(self.since))
        if self.until is not None:
            parts.append(pl.col("found_on") < pl.lit(self.until))
        return pl.all_horizontal(parts) if parts else pl.lit(True)

    def fired(self) -> pl.Expr:
        return self.applies() & (pl.col(self.column) >= self.count).fill_null(False)

    def same_rule(self, other: RepeatWindow) -> bool:
        return attrs.evolve(self, since=None, until=None) == attrs.evolve(
            other, since=None, until=None
        )


def _star_windows(raw: object, basis: str) -> list[RepeatWindow]:
    windows: list[RepeatWindow] = []
    try:
        for item in raw:  # type: ignore[attr-defined]
            days, fines = item["days"], item["fines"]
            if isinstance(days, bool) or isinstance(fines, bool):
                raise TypeError
            if int(days) != days or int(fines) != fines or days < 0 or fines < 1:
                raise ValueError
            windows.append(RepeatWindow(int(days), int(fines), basis=basis, bars_principal=True))
    except (TypeError, KeyError, ValueError):
        raise RulebookError(
            f"参数 {REPEAT_KEY} 应为 [{{ days = 天数, fines = 次数 }}, ...]，天数 ≥ 0、次数 ≥ 1"
            f" (got {raw!r})"
        ) from None
    if len({w.span for w in windows}) != len(windows):
        raise RulebookError(f"参数 {REPEAT_KEY} 的窗口天数重复 (got {raw!r})")
    return windows


def _sector_windows(raw: object) -> list[RepeatWindow]:
    windows: list[RepeatWindow] = []
    try:
        for sector, items in raw.items():  # type: ignore[attr-defined]
            for item in items:
                span, count = item["span"], item["count"]
                if isinstance(span, bool) or isinstance(count, bool):
                    raise TypeError
                if int(span) != span or int(count) != count or span < 1 or count < 1:
                    raise ValueError
                if item["span_unit"] not in ("days", "months"):
                    raise ValueError
                if item["counting"] not in ("penalties", "findings"):
                    raise ValueError
                windows.append(
                    RepeatWindow(
                        int(span),
                        int(count),
                        unit=item["span_unit"],
                        counting=item["counting"],
                        sector=str(sector),
                        basis=str(item["basis"]),
                    )
                )
    except (TypeError, KeyError, ValueError, AttributeError):
        raise RulebookError(
            f"参数 {SECTOR_REPEAT_KEY} 应为 {{ 行业领域 = [{{ span, span_unit, count, counting,"
            f" basis }}] }} (got {raw!r})"
        ) from None
    return windows


def _windows_at(book: Rulebook, day: dt.date) -> list[RepeatWindow]:
    windows: list[RepeatWindow] = []
    for key, parse in (
        (REPEAT_KEY, lambda raw: _star_windows(raw, book[REPEAT_KEY].basis)),
        (SECTOR_REPEAT_KEY, _sector_windows),
    ):
        if key not in book:
            continue
        try:
            raw = book[key].value_at(day)
        except RulebookError:  # not yet in force on `day`
            continue
        windows += parse(raw)
    return windows


def repeat_windows(rules: RulesAt | Context) -> tuple[RepeatWindow, ...]:
    """The windows in force on one day: `four_musts.repeat_windows` (every sector,
    第一百一十三条第一项) and `four_musts.sector_repeat_windows`.

    >>> from accountability.rulebook import rulebook
    >>> [(w.column, w.count, w.sector) for w in repeat_windows(rulebook().at("2024-06-01"))]
    [('repeat_fines_180', 3, '*'), ('repeat_fines_365', 4, '*'), ('repeat_findings_3m', 2, '煤矿')]
    """
    rules_at = rules.rules if isinstance(rules, Context) else rules
    return tuple(_windows_at(rules_at.rulebook, rules_at.day))


def windows_in_force(
    book: Rulebook, start: dt.date | None, end: dt.date
) -> tuple[RepeatWindow, ...]:
    """Every window in force on some day from `start` to `end`, each with the case days
    it applies to (`since`, `until`): a window decides what a case requires by the
    value in force on the case's own day.

    >>> from accountability.rulebook import rulebook
    >>> coal = windows_in_force(rulebook(), dt.date(2024, 1, 1), dt.date(2024, 12, 31))[-1]
    >>> coal.column, coal.since
    ('repeat_findings_3m', datetime.date(2024, 5, 1))
    """
    starts = sorted(
        {
            d.start
            for key in (REPEAT_KEY, SECTOR_REPEAT_KEY)
            if key in book
            for d in book[key].values
            if d.start is not None
        }
    )
    bounds: list[dt.date | None] = [None, *starts]
    found: list[RepeatWindow] = []
    for i, seg_start in enumerate(bounds):
        seg_end = bounds[i + 1] if i + 1 < len(bounds) else None
        if seg_end is not None and start is not None and seg_end <= start:
            continue
        if seg_start is not None and seg_start > end:
            continue
        day = (
            seg_start if seg_start is not None else (starts[0] - dt.timedelta(1) if starts else end)
        )
        for window in _windows_at(book, day):
            window = attrs.evolve(window, since=seg_start, until=seg_end)
            same = next(
                (j for j, w in enumerate(found) if w.same_rule(window) and w.until == seg_start),
                None,
            )
            if same is not None:
                found[same] = attrs.evolve(found[same], until=seg_end)
            else:
                found.append(window)
    # bounds that do not cut into the period are dropped (the same cases, a simpler plan)
    return tuple(
        attrs.evolve(
            w,
            since=None if w.since is None or (start is not None and w.since <= start) else w.since,
            until=None if w.until is None or w.until > end else w.until,
        )
        for w in found
    )


def readable_yuan(amount: pl.Expr) -> pl.Expr:
    """An amount in 元 as readable text: 万元 from 10000 on ("5万元", "12.3456万元"),
    else 元 ("5000元", "99.5元"); no trailing zeros.  Vectorised.

    >>> amounts = pl.Series([50000.0, 123456.0, 5000.0, 99.5])
    >>> pl.select(readable_yuan(pl.lit(amounts))).to_series().to_list()
    ['5万元', '12.3456万元', '5000元', '99.5元']
    """
    in_wan = amount >= 10000
    number = pl.when(in_wan).then((amount / 10000).round(4)).otherwise(amount.round(2))
    text = (
        pl.when(number == number.floor())
        .then(number.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(number.cast(pl.String))
    )
    return pl.concat_str(text, pl.when(in_wan).then(pl.lit("万元")).otherwise(pl.lit("元")))


CaseExpr = Callable[[Context], pl.Expr]


@attrs.frozen
class Gap:
    """One kind of gap a case can show: `when` (over a case with its required_* and
    taken_* columns), the Chinese `text`, the roll-up column `kind` it counts under,
    and the legal basis where it is a text of law (`law`) rather than a parameter.

    A closure gap also names its `ground` (the condition that requires closure, taken
    or not) and `ground_text`; `bars_principal` marks a ground of 第一百一十三条.
    `cites_params`: whether the line item's basis adds the rule's parameters' bases.
    """

    kind: str
    when: CaseExpr
    text: CaseExpr
    law: str = NOTICE_2012
    ground: CaseExpr | None = None
    ground_text: str = ""
    bars_principal: bool = False
    cites_params: bool = True


@attrs.frozen
class Measure:
    """What a measure rule computes: `mandatory` measures count in the compliance
    rate through their `gaps`; a discretionary one (`mandatory=False`) only reports
    the first day it may be taken (`eligible`, a Date expression, into `column`).
    `article` is the text of law that requires or permits it.  `windows`: the gaps of
    a rule built from the repeat windows in force (the closure-on-repeat rule)."""

    article: str
    mandatory: bool = True
    gaps: tuple[Gap, ...] = ()
    eligible: CaseExpr | None = None
    column: str = ""
    windows: bool = False

    def gaps_for(self, windows: Iterable[RepeatWindow]) -> tuple[Gap, ...]:
        """The gaps, with one per group of repeat windows (same counting and sector)
        when the rule is built from them."""
        if not self.windows:
            return self.gaps
        return self.gaps + tuple(_window_gaps(tuple(windows)))


def _window_gaps(windows: tuple[RepeatWindow, ...]) -> Iterable[Gap]:
    groups: dict[tuple[str, str], list[RepeatWindow]] = {}
    for w in windows:
        groups.setdefault((w.counting, w.sector), []).append(w)
    for (counting, sector), group in groups.items():
        fired = pl.any_horizontal([w.fired() for w in group])
        what = "受罚" if counting == "penalties" else "发现重大隐患"
        figures = pl.concat_str(
            [
                pl.when(w.fired()).then(
                    pl.concat_str(
                        pl.lit(f"{w.within}{what}"), pl.col(w.column).cast(pl.String), pl.lit("次")
                    )
                )
                for w in group
            ],
            separator="、",
            ignore_nulls=True,
        )
        if counting == "penalties" and sector == "*":
            head = "重大隐患屡罚不改"
        elif counting == "penalties":
            head = f"{sector}重大隐患屡罚不改"
        else:
            head = f"{sector}屡次发现重大事故隐患仍生产"
        bases = "；".join(dict.fromkeys(w.basis for w in group if w.basis))
        yield Gap(
            "gap_not_closed",
            lambda ctx, fired=fired: fired & ~pl.col("taken_close"),
            lambda ctx, head=head, figures=figures: formatted(
                "{}（{}）未提请关闭", pl.lit(head), figures
            ),
            law=bases,
            ground=lambda ctx, fired=fired: fired,
            ground_text=head,
            bars_principal=all(w.bars_principal for w in group),
            cites_params=False,
        )


def _closure(ground: pl.Expr) -> CaseExpr:
    return lambda ctx: ground & ~pl.col("taken_close")


_illegal = pl.col("illegal")
_failed = pl.col("failed_rectification")
_refused = pl.col("suspension_refused")
_major_accident = pl.col("_major_accidents").list.len() > 0
_fine, _ceiling = pl.col("fine_yuan"), pl.col("fine_max_yuan")
_fined = (_fine > 0).fill_null(False) | pl.col("penalty_kinds").list.contains("罚款").fill_null(
    False
)

DAILY_FINE_ARTICLE = f"{LAW_2021}第一百一十二条（“可以”）"

FOUR_MUSTS_RULES: tuple[Rule, ...] = (
    Rule(
        id="four_musts.close", scorer=SCORER, subject="case", kind="measure",
        label="关闭取缔",
        definition="非法生产经营建设的，一律关闭取缔；经停产停业整顿仍不具备安全生产条件的、"
        "不具备安全生产条件导致重大或特别重大事故的、拒不执行停产停业整顿决定的，"
        "应当提请地方人民政府予以关闭（已关闭或已提请即为执行）。",
        params=(MAJOR_ACCIDENT_KEY, BAR_KEY),
        tables=("cases",),
        optional_tables=("accidents",),
        compute=Measure(
            article=f"{NOTICE_SHORT}；{LAW_2021}第一百一十三条、第一百一十五条",
            gaps=(
                Gap("gap_not_closed", _closure(_illegal),
                    lambda ctx: pl.lit("非法生产未关闭取缔"),
                    ground=lambda ctx: _illegal, ground_text="非法生产经营建设",
                    cites_params=False),
                Gap("gap_not_closed", _closure(_failed),
                    lambda ctx: pl.lit("停产整顿后仍不合格未提请关闭"),
                    law=f"{NOTICE_2012}；{LAW_2021}第一百一十三条第二项",
                    ground=lambda ctx: _failed, ground_text="停产停业整顿仍不具备安全生产条件",
                    bars_principal=True, cites_params=False),
                Gap("gap_not_closed", _closure(_major_accident),
                    lambda ctx: formatted(
                        "不具备安全生产条件导致重大及以上事故（{}）未提请关闭",
                        pl.col("_major_accidents").list.join("、")),
                    law=f"{LAW_2021}第一百一十三条第三项",
                    ground=lambda ctx: _major_accident,
                    ground_text="不具备安全生产条件导致重大、特别重大事故", bars_principal=True),
                Gap("gap_not_closed", _closure(_refused),
                    lambda ctx: pl.lit("拒不执行停产停业整顿决定未提请关闭"),
                    law=f"{LAW_2021}第一百一十三条第四项",
                    ground=lambda ctx: _refused, ground_text="拒不执行停产停业整顿决定",
                    bars_principal=True, cites_params=False),
            ),
        ),
        readings=(
            "提请关闭日期在案件发现日至考核期末（含两端）之间的，视为已执行；晚于考核期末的不计。",
            "第一百一十三条第三项（不具备安全生产条件导致重大、特别重大事故）需事故调查认定："
            "默认只计 accidents.lacked_conditions 为真的重大及以上责任事故；"
            "close_on_major_accident 为真时，该企业的重大及以上责任事故一律计入。"
            "事故须发生在案件发现日或之前。",
            "第一百一十三条第二至四项及第一项（屡罚）成立的，主要负责人自提请关闭之日"
            "（未提请的自案件发现日）起 principal_bar_years 年内"
            "不得担任任何生产经营单位的主要负责人；"
            "“终身不得担任”需另行认定，不推定。",
        ),
    ),
    Rule(
        id="four_musts.close_repeat", scorer=SCORER, subject="case", kind="measure",
        label="重大隐患屡罚不改关闭",
        definition="企业有重大事故隐患，在规定期限内受到行政处罚达到规定次数的，应当提请关闭；"
        "行业领域另有规定的（如煤矿 3 个月内 2 次以上发现重大事故隐患仍然进行生产），并用。",
        params=(REPEAT_KEY, KINDS_KEY, SECTOR_REPEAT_KEY),
        tables=("cases",),
        optional_tables=("hazards", "enterprises"),
        compute=Measure(
            article=f"{LAW_2021}第一百一十三条第一项；《煤矿安全生产条例》第七十条",
            windows=True,
        ),
        readings=(
            "按天计的窗口：较早日期至多在案件发现日之前 N 天，含两端；按月计的窗口：自 N 个月前"
            "同日（该月无此日的取月末）至案件发现日，含两端。同一天的案件互相计入。",
            "“受罚”指有重大隐患、且处罚种类含 repeat_penalty_kinds 之一的案件（罚款另含罚款金额"
            "大于 0 的案件），每起案件计一次。",
            "“发现”指该企业重大隐患的不同发现日期（hazards.found_on），晚于案件发现日的不计；"
            "行业领域取企业名录中该企业的 sector，企业不明的不适用行业窗口。",
            "各窗口按案件发现日当天有效的规则适用（煤矿窗口自 2024-05-01 起）。",
        ),
    ),
    Rule(
        id="four_musts.penalty", scorer=SCORER, subject="case", kind="measure",
        label="从重处罚",
        definition="非法或违法生产经营的，一律按法定上限从重处罚。",
        params=("four_musts.fine_ranges",),
        tables=("cases",),
        compute=Measure(
            article=f"{NOTICE_SHORT}；法定幅度见{LAW_2021}第九十四条至第一百零九条",
            gaps=(
                Gap("gap_penalty_below_max",
                    lambda ctx: pl.col("required_penalty") & (_fine < _ceiling).fill_null(False),
                    lambda ctx: formatted("未按上限处罚: 罚款 {}, 上限 {}", readable_yuan(_fine),
                                          readable_yuan(_ceiling)),
                    cites_params=False),
            ),
        ),
        readings=("上限取案件数据的罚款上限；缺失时按处罚条款（penalty_article）的法定幅度上限。",),
    ),
    Rule(
        id="four_musts.penalty_data", scorer=SCORER, subject="case", kind="measure",
        label="从重处罚数据缺失",
        definition="需从重处罚的案件缺少罚款金额或处罚上限的，无法证明已从重处罚，记为差距。",
        tables=("cases",),
        compute=Measure(
            article=NOTICE_SHORT,
            gaps=(
                Gap("gap_penalty_unknown",
                    lambda ctx: pl.col("required_penalty") & _ceiling.is_null(),
                    lambda ctx: pl.lit("处罚上限数据缺失")),
                Gap("gap_penalty_unknown", lambda ctx: pl.col("required_penalty") & _fine.is_null(),
                    lambda ctx: pl.lit("罚款金额缺失")),
            ),
        ),
    ),
    Rule(
        id="four_musts.suspend", scorer=SCORER, subject="case", kind="measure",
        label="停产整顿",
        definition="违法违规生产经营、且不需关闭取缔的，一律停产整顿（关闭取缔即已满足）。",
        tables=("cases",),
        compute=Measure(
            article=NOTICE_SHORT,
            gaps=(
                Gap("gap_not_suspended",
                    lambda ctx: pl.col("required_suspend")
                    & ~(pl.col("suspended") | pl.col("closed")),
                    lambda ctx: pl.lit("违法生产未责令停产整顿")),
            ),
        ),
    ),
    Rule(
        id="four_musts.accountability", scorer=SCORER, subject="case", kind="measure",
        label="厉行问责",
        definition="涉嫌犯罪或失职渎职的，一律移送司法机关、厉行问责。",
        tables=("cases",),
        compute=Measure(
            article=NOTICE_SHORT,
            gaps=(
                Gap("gap_not_transferred",
                    lambda ctx: pl.col("required_accountability") & ~pl.col("transferred"),
                    lambda ctx: pl.lit("涉嫌犯罪未移送司法机关")),
            ),
        ),
    ),
    Rule(
        id="four_musts.daily_fine", scorer=SCORER, subject="case", kind="measure",
        label="按日连续处罚",
        definition="被责令改正且受到罚款处罚、拒不改正的，可以自作出责令改正之日的次日起"
        "按照原处罚数额按日连续处罚。裁量措施：只报告可适用的起始日，不计入四个一律执行率。",
        tables=("cases",),
        compute=Measure(
            article=DAILY_FINE_ARTICLE,
            mandatory=False,
            eligible=lambda ctx: pl.when(pl.col("refused_correction").fill_null(False) & _fined)
            .then(pl.col("ordered_to_correct_on") + pl.duration(days=1))
            .otherwise(pl.lit(None, pl.Date())),
            column="eligible_daily_fine_from",
        ),
        readings=("需同时有责令改正日期（ordered_to_correct_on）、拒不改正（refused_correction）"
                  "和罚款（罚款金额大于 0 或处罚种类含罚款）。",),
    ),
)  # fmt: skip

# The measures in the order a case shows them: the required_*/taken_* suffix, the record.
MEASURE_RULES: dict[str, str] = {
    "close": "four_musts.close",
    "penalty": "four_musts.penalty",
    "suspend": "four_musts.suspend",
    "accountability": "four_musts.accountability",
}
