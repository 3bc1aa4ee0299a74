"""应移送未移送: liability accidents past the 严重后果 of 重大责任事故罪 with no case
transferred to the judicial organs (移送司法机关).

Basis: 《刑法》第一百三十四条第一款 (重大责任事故罪: "发生重大伤亡事故或者造成其他严重
后果"); 法释〔2015〕22号 (最高人民法院 最高人民检察院关于办理危害生产安全刑事案件适用法律
若干问题的解释) 第六条第一款, which sets that 严重后果 at 死亡一人以上、重伤三人以上 or
直接经济损失一百万元以上; 《行政执法机关移送涉嫌犯罪案件的规定》(国务院令第310号) 第三条,
under which an enforcement department must transfer a case it finds may be a crime; and
the 四个一律 "厉行问责" (国办发明电〔2012〕10号).

The accidents considered are those that occurred in the assessment period P(year), of
the population ``four_musts.accident_population`` (every flag named true; liability
accidents by default), past at least one threshold of
``four_musts.criminal_thresholds`` as in force on the period's last day (inclusive
lower bounds; any one suffices).  Deaths always count missing persons here
(deaths + missing), whatever ``accident_grading.count_missing_as_deaths`` says; the
grade shown is the library's grading (`accountability.accidents.grade_accidents`, by
the bands in force on the accident's date).

An accident counts as referred when either test passes:

- a case with ``transferred`` names the accident (``cases.accident_id``) and was found
  on or before the period's last day;
- a case with ``transferred`` and no accident_id (the column absent, or null on that
  row) belongs to the accident's enterprise and was found from the accident's day to
  the period's last day, both included.

A case that names another accident never counts for this one.  An accident with no
enterprise_id and no case naming it is a gap; without a cases table every accident
considered is a gap, and its reason says so.

>>> import datetime as dt, polars as pl
>>> from accountability.dataset import Dataset
>>> accidents = pl.DataFrame({"accident_id": ["A1"], "region_code": ["430902"],
...     "enterprise_id": ["E1"], "occurred_on": [dt.date(2024, 5, 1)], "deaths": [0],
...     "missing": [1], "serious_injuries": [0], "direct_loss_10k_yuan": [20.0]})
>>> gaps = referral_gaps(Dataset(tables={"accidents": accidents}, as_of=dt.date(2025, 1, 1)))
>>> gaps.select("accident_id", "deaths", "thresholds_met").row(0)
('A1', 1, ['死亡(含失踪)1人≥1人'])
"""

from __future__ import annotations

import polars as pl

from accountability.accidents import grade_accidents
from accountability.arguments import as_dataset, as_rulebook, as_year
from accountability.dataset import Dataset
from accountability.dates import default_year
from accountability.engine import ENGINE
from accountability.outputs import OUTPUTS
from accountability.rulebook import Rulebook
from accountability.rules.conditions import in_population
from accountability.rules.model import Context
from accountability.wording import formatted, number, number_text

__all__ = ["POPULATION_KEY", "REFERRALS", "THRESHOLDS_KEY", "referral_gaps", "referral_plan"]

REFERRALS = "referral_gaps"  # the frame's name (`accountability.outputs`), as B3 reads it
POPULATION_KEY = "four_musts.accident_population"
THRESHOLDS_KEY = "four_musts.criminal_thresholds"
INTERPRETATION = "法释〔2015〕22号第六条"

_SCHEMA = OUTPUTS[REFERRALS].dtypes


def _considered(accidents: pl.LazyFrame, book: Rulebook, ctx: Context) -> pl.LazyFrame:
    """The period's accidents of the population past a threshold, with the output's
    figures and `thresholds_met`."""
    names = accidents.collect_schema().names()
    flags = tuple(ctx[POPULATION_KEY]) if POPULATION_KEY in book else ("liability",)
    limits = ctx[THRESHOLDS_KEY]
    deaths_at = int(limits["deaths"])
    injuries_at = int(limits["serious_injuries"])
    loss_at = float(limits["direct_loss_10k_yuan"])
    rows = grade_accidents(
        accidents.filter(ctx.within("occurred_on") & in_population(flags, names)), book
    ).select(
        pl.col("accident_id").cast(pl.String),
        pl.col("region_code").cast(pl.String),
        pl.col("enterprise_id").cast(pl.String),
        pl.col("occurred_on").cast(pl.Date),
        pl.col("grade").cast(pl.String),
        (pl.col("deaths").fill_null(0) + pl.col("missing").fill_null(0))
        .cast(pl.Int64)
        .alias("deaths"),
        pl.col("serious_injuries").fill_null(0).cast(pl.Int64),
        pl.col("direct_loss_10k_yuan").cast(pl.Float64),
    )
    met = {
        "死亡(含失踪)": (pl.col("deaths") >= deaths_at, number(pl.col("deaths")), "人",
                     number_text(deaths_at)),
        "重伤": (pl.col("serious_injuries") >= injuries_at, number(pl.col("serious_injuries")),
               "人", number_text(injuries_at)),
        "直接经济损失": (pl.col("direct_loss_10k_yuan") >= loss_at,
                   number(pl.col("direct_loss_10k_yuan"), 4), "万元", number_text(loss_at, 4)),
    }  # fmt: skip
    reached = [cond.fill_null(False) for cond, *_ in met.values()]
    texts = [
        pl.when(cond.fill_null(False)).then(formatted(f"{word}{{}}{unit}≥{limit}{unit}", value))
        for word, (cond, value, unit, limit) in met.items()
    ]
    return rows.filter(pl.any_horizontal(reached)).with_columns(
        pl.concat_list(texts).list.drop_nulls().alias("thresholds_met")
    )


def _referred(
    considered: pl.LazyFrame, cases: pl.LazyFrame, ctx: Context
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(accident ids named by a transferred case, accident ids whose enterprise has an
    unlinked transferred case from the accident's day on), both by the period's end."""
    names = cases.collect_schema().names()
    transferred = cases.filter(pl.col("transferred").fill_null(False) & ctx.by_end("found_on"))
    if "accident_id" in names:
        linked = (
            transferred.filter(pl.col("accident_id").is_not_null())
            .select(pl.col("accident_id").cast(pl.String))
            .unique()
        )
        unlinked = transferred.filter(pl.col("accident_id").is_null())
    else:
        linked = pl.LazyFrame(schema={"accident_id": pl.String()})
        unlinked = transferred
    by_enterprise = (
        considered.filter(pl.col("enterprise_id").is_not_null())
        .select("accident_id", "enterprise_id", "occurred_on")
        .join(
            unlinked.select(
                pl.col("enterprise_id").cast(pl.String), pl.col("found_on").cast(pl.Date)
            ).filter(pl.col("enterprise_id").is_not_null()),
            on="enterprise_id",
            how="inner",
        )
        .filter(pl.col("found_on") >= pl.col("occurred_on"))
        .select("accident_id")
        .unique()
    )
    return linked, by_enterprise


def referral_plan(
    accidents: pl.DataFrame | pl.LazyFrame,
    cases: pl.DataFrame | pl.LazyFrame | None,
    book: Rulebook,
    ctx: Context,
) -> pl.LazyFrame:
    """The lazy plan of `referral_gaps` over an accidents table and a cases table (None:
    the dataset has none), for the period of `ctx` under `book`."""
    considered = _considered(accidents.lazy(), book, ctx)
    end = ctx.end.isoformat()
    head = formatted(
        f"{{}}，达到重大责任事故罪“造成严重后果”的标准（{INTERPRETATION}），应移送司法机关",
        pl.col("thresholds_met").list.join("、"),
    )
    if cases is None:
        gaps = considered
        tail = pl.lit(f"；数据集无执法案件表（cases），无法核实移送，截至 {end} 按未移送计。")
    else:
        cases = cases.lazy()
        has_link = "accident_id" in cases.collect_schema().names()
        linked, by_enterprise = _referred(considered, cases, ctx)
        gaps = considered.join(linked, on="accident_id", how="anti").join(
            by_enterprise, on="accident_id", how="anti"
        )
        named = "以事故编号关联本事故的移送案件" if has_link else "可关联本事故的移送案件"
        no_enterprise = (
            f"；事故无统一社会信用代码，截至 {end} 无{named}"
            + ("" if has_link else "（案件表无事故编号 accident_id 列）")
            + "，按未移送计。"
        )
        linked_text = "以事故编号关联本事故、或" if has_link else ""
        tail = (
            pl.when(pl.col("enterprise_id").is_null())
            .then(pl.lit(no_enterprise))
            .otherwise(
                pl.lit(
                    f"；截至 {end} 未见{linked_text}本企业在事故发生之日及以后立案"
                    "并移送司法机关的案件。"
                )
            )
        )
    return (
        gaps.with_columns(pl.concat_str(head, tail).alias("reason"))
        .select([pl.col(c).cast(t) for c, t in _SCHEMA.items()])
        .sort("accident_id")
    )


def referral_gaps(
    data: Dataset, rules: Rulebook | None = None, year: int | None = None
) -> pl.DataFrame:
    """应移送未移送 for the accidents of `year` (default: the last calendar year ended by
    `data.as_of`, as in four_musts): one row per accident past a threshold of
    ``four_musts.criminal_thresholds`` with no case transferred to the judicial organs
    by the period's last day, sorted by accident_id (the ``referral_gaps`` frame of
    `accountability.outputs`).  Needs `accidents`; uses `cases` when present (without
    it every accident considered is a gap).  Rule values are those in force on the
    period's last day.

    >>> import accountability as acc                                      # doctest: +SKIP
    >>> gaps = referral_gaps(data, acc.rulebook(), 2024)                  # doctest: +SKIP
    >>> gaps.select("accident_id", "thresholds_met", "reason")            # doctest: +SKIP
    """
    data = as_dataset(data, "referral_gaps")
    year = as_year(year, default_year(data.as_of))
    book = as_rulebook(rules, "referral_gaps")
    ctx = Context.for_year(book, year)
    accidents = data.lazy("accidents", needed_by="应移送未移送")
    return referral_plan(accidents, data.get("cases"), book, ctx).collect(engine=ENGINE)
