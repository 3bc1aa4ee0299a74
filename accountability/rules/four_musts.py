"""四个一律: the records of the measures each enforcement case requires.

The 2012 打非治违 notice (国办发明电〔2012〕10号) and 《安全生产法》(2021) 第一百一十三条:

- 关闭取缔 (close): required when illegal, failed_rectification or the repeat rule;
  satisfied by closed.
- 从重处罚 (penalty): required when illegal or unlawful; satisfied by
  fine_yuan ≥ fine_max_yuan (fined at the upper limit).
- 停产整顿 (suspend): required when unlawful and closure is not required; satisfied
  by suspended or closed (closure subsumes suspension).
- 厉行问责 (accountability): required when criminal; satisfied by transferred.

Each record holds its gaps (`Gap`): the condition over a case whose required_* and
taken_* columns are known, the Chinese text of the gap and the kind it is counted
under.  A case is compliant when every required measure is satisfied; data that
cannot show a measure is a gap, never compliance.

>>> from accountability.rules.registry import REGISTRY
>>> [g.kind for g in REGISTRY["four_musts.close"].compute.gaps]
['gap_not_closed', 'gap_not_closed']
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import polars as pl

from accountability.errors import RulebookError
from accountability.rules.model import Context, Rule

__all__ = [
    "FOUR_MUSTS_RULES",
    "NOTICE_2012",
    "REPEAT_KEY",
    "Gap",
    "Gaps",
    "RepeatWindow",
    "readable_yuan",
    "repeat_windows",
]

SCORER = "four_musts"
REPEAT_KEY = "four_musts.repeat_windows"

# Legal citations (text, not numbers): the basis of the measures themselves.
NOTICE_2012 = (
    "国务院办公厅关于集中开展安全生产领域“打非治违”专项行动的通知"
    "（国办发明电〔2012〕10号）：四个一律"
)
FAILED_RECTIFICATION_BASIS = NOTICE_2012 + "；《安全生产法》(2021)第一百一十三条第二项"


@attrs.frozen
class RepeatWindow:
    """One window of the repeat rule: `fines` or more fined major-hazard cases
    within `days` days (inclusive) require closure."""

    days: int
    fines: int

    @property
    def column(self) -> str:
        return f"repeat_fines_{self.days}"


def repeat_windows(ctx: Context | object) -> tuple[RepeatWindow, ...]:
    """The repeat rule's windows from `four_musts.repeat_windows`.

    >>> from accountability.rulebook import rulebook
    >>> repeat_windows(rulebook().for_year(2024))
    (RepeatWindow(days=180, fines=3), RepeatWindow(days=365, fines=4))
    """
    raw = ctx[REPEAT_KEY]  # type: ignore[index]
    windows: list[RepeatWindow] = []
    try:
        for item in raw:
            days, fines = item["days"], item["fines"]
            if isinstance(days, bool) or isinstance(fines, bool):
                raise TypeError
            if int(days) != days or int(fines) != fines or days < 0 or fines < 1:
                raise ValueError
            windows.append(RepeatWindow(int(days), int(fines)))
    except (TypeError, KeyError, ValueError):
        raise RulebookError(
            f"参数 {REPEAT_KEY} 应为 [{{ days = 天数, fines = 次数 }}, ...]，天数 ≥ 0、次数 ≥ 1"
            f" (got {raw!r})"
        ) from None
    if len({w.days for w in windows}) != len(windows):
        raise RulebookError(f"参数 {REPEAT_KEY} 的窗口天数重复 (got {raw!r})")
    return tuple(windows)


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
    and the legal basis where it is a text of law (`law`) rather than a parameter."""

    kind: str
    when: CaseExpr
    text: CaseExpr
    law: str = NOTICE_2012


@attrs.frozen
class Gaps:
    """The gaps of one measure rule, in the order a case lists them."""

    gaps: tuple[Gap, ...]


def _repeat_text(ctx: Context) -> pl.Expr:
    windows = repeat_windows(ctx)
    return pl.concat_str(
        [
            pl.when(pl.col(w.column) >= w.fines).then(
                pl.concat_str(
                    pl.lit(f"{w.days}日内受罚"), pl.col(w.column).cast(pl.String), pl.lit("次")
                )
            )
            for w in windows
        ]
        or [pl.lit(None, pl.String())],
        separator="、",
        ignore_nulls=True,
    )


_closed = pl.col("closed")
_fine, _ceiling = pl.col("fine_yuan"), pl.col("fine_max_yuan")

FOUR_MUSTS_RULES: tuple[Rule, ...] = (
    Rule(
        id="four_musts.close", scorer=SCORER, subject="case", kind="measure",
        label="关闭取缔",
        definition="非法生产经营建设的、经停产整顿仍不具备安全生产条件的，一律关闭取缔。",
        tables=("cases",),
        compute=Gaps((
            Gap("gap_not_closed", lambda ctx: pl.col("illegal") & ~_closed,
                lambda ctx: pl.lit("非法生产未关闭取缔")),
            Gap("gap_not_closed", lambda ctx: pl.col("failed_rectification") & ~_closed,
                lambda ctx: pl.lit("停产整顿后仍不合格未关闭取缔"),
                law=FAILED_RECTIFICATION_BASIS),
        )),
    ),
    Rule(
        id="four_musts.close_repeat", scorer=SCORER, subject="case", kind="measure",
        label="重大隐患屡罚不改关闭",
        definition="企业有重大事故隐患的案件在规定天数内受罚达到规定次数的，应予关闭。",
        params=(REPEAT_KEY,),
        tables=("cases",),
        compute=Gaps((
            Gap("gap_not_closed", lambda ctx: pl.col("_repeat") & ~_closed,
                lambda ctx: pl.format("重大隐患屡罚不改（{}）未关闭", _repeat_text(ctx)), law=""),
        )),
        readings=("窗口按天计、含两端；同一天的案件互相计入；“受罚”指有重大隐患且罚款大于 0。",),
    ),
    Rule(
        id="four_musts.penalty", scorer=SCORER, subject="case", kind="measure",
        label="从重处罚",
        definition="非法或违法生产经营的，一律按法定上限从重处罚。",
        tables=("cases",),
        compute=Gaps((
            Gap("gap_penalty_below_max",
                lambda ctx: pl.col("required_penalty") & (_fine < _ceiling).fill_null(False),
                lambda ctx: pl.format("未按上限处罚: 罚款 {}, 上限 {}", readable_yuan(_fine),
                                      readable_yuan(_ceiling))),
        )),
    ),
    Rule(
        id="four_musts.penalty_data", scorer=SCORER, subject="case", kind="measure",
        label="从重处罚数据缺失",
        definition="需从重处罚的案件缺少罚款金额或处罚上限的，无法证明已从重处罚，记为差距。",
        tables=("cases",),
        compute=Gaps((
            Gap("gap_penalty_unknown",
                lambda ctx: pl.col("required_penalty") & _ceiling.is_null(),
                lambda ctx: pl.lit("处罚上限数据缺失")),
            Gap("gap_penalty_unknown", lambda ctx: pl.col("required_penalty") & _fine.is_null(),
                lambda ctx: pl.lit("罚款金额缺失")),
        )),
    ),
    Rule(
        id="four_musts.suspend", scorer=SCORER, subject="case", kind="measure",
        label="停产整顿",
        definition="违法违规生产经营、且不需关闭取缔的，一律停产整顿（关闭取缔即已满足）。",
        tables=("cases",),
        compute=Gaps((
            Gap("gap_not_suspended",
                lambda ctx: pl.col("required_suspend") & ~(pl.col("suspended") | _closed),
                lambda ctx: pl.lit("违法生产未责令停产整顿")),
        )),
    ),
    Rule(
        id="four_musts.accountability", scorer=SCORER, subject="case", kind="measure",
        label="厉行问责",
        definition="涉嫌犯罪或失职渎职的，一律移送司法机关、厉行问责。",
        tables=("cases",),
        compute=Gaps((
            Gap("gap_not_transferred",
                lambda ctx: pl.col("required_accountability") & ~pl.col("transferred"),
                lambda ctx: pl.lit("涉嫌犯罪未移送司法机关")),
        )),
    ),
)  # fmt: skip
