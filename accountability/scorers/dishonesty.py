"""严重失信: the enterprises that meet a ground of 应急管理部令第11号, and the listings.

The library finds *candidates*: listing is a decision of the authority that imposed
the penalty (第四条: 谁处罚、谁决定、谁负责).  A candidate meets one of the grounds of
``enterprise.dishonest_grounds`` (each a rulebook row with its switch and basis) in
the assessment year:

- ``major_accident``: a 重大 or worse accident (``enterprise.dishonest_grade``);
- ``larger_accidents``: ``dishonest_larger_count`` 较大 accidents within
  ``dishonest_window_months`` months (the later one in the year);
- ``fine_multiplier``: an accident fined at ``dishonest_fine_multiplier`` times or
  more under 《安全生产法》第一百一十四条 (``accidents.fine_multiplier``);
- ``concealed``: a concealed or falsely reported accident;
- ``principal_absconded``: the principal absconded after an accident
  (``accidents.principal_absconded``, 第一百一十条);
- ``unlicensed``: a licence required and not held;
- ``illegal_case``: a case found in the year whose ``illegal_kind`` is licence-type
  (``enterprise.dishonest_licence_kinds``: 无证, 证照过期, 暂扣吊销期间), or, where the
  case gives no kind, whose ``illegal`` flag is set.

A listing (the optional ``credit_listings`` table) runs from ``listed_on``; early
removal may be applied for from ``listed_on`` + ``listing_early_removal_months``; it
ends on ``expires_on`` = ``listed_on`` + ``listing_years`` (the first day no longer
listed), or earlier on ``removed_on``.  Calendar months and years are added with the
month's last day where it has no such day (29 February + 3 years → 28 February).

>>> import datetime as dt
>>> frame = pl.LazyFrame({"enterprise_id": ["E1"], "listed_on": [dt.date(2024, 2, 29)],
...     "removed_on": [None], "authority": ["市应急管理局"]},
...     schema_overrides={"removed_on": pl.Date})
>>> listing_dates(frame, years=3, months=12, end=dt.date(2024, 12, 31)).collect().select(
...     "early_removal_from", "expires_on", "dishonest_listed").row(0)
(datetime.date(2025, 2, 28), datetime.date(2027, 2, 28), True)
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from accountability.accidents import grade_at_least
from accountability.codes import ACCIDENT_GRADES, DISHONEST_GROUNDS
from accountability.dataset import Dataset
from accountability.rulebook import RulesAt

__all__ = ["LISTING_COLUMNS", "dishonesty", "listing_dates", "listings"]

GROUNDS = "enterprise.dishonest_grounds"
_IDS = pl.List(pl.String())

LISTING_COLUMNS: dict[str, pl.DataType] = {
    "enterprise_id": pl.String(),
    "dishonest_listed": pl.Boolean(),
    "listed_on": pl.Date(),
    "early_removal_from": pl.Date(),
    "expires_on": pl.Date(),
}


def _grounds(p: RulesAt) -> dict[str, str]:
    """ground → basis, for the grounds switched on (every ground, citing the dishonest
    rule's basis, for a rulebook written before the grounds were rows)."""
    if GROUNDS not in p.rulebook:
        basis = p.basis("enterprise.dishonest_grade")
        return dict.fromkeys(DISHONEST_GROUNDS, basis)
    return {str(r["ground"]): str(r["basis"]) for r in p[GROUNDS] if bool(r["on"])}


def _counted(
    frame: pl.LazyFrame, ground: str, id_col: str, text: pl.Expr | str, basis: str
) -> pl.LazyFrame:
    """One reason per enterprise: `text` (a string gets " N 起" appended) and its ids."""
    reason = (
        pl.concat_str(pl.lit(text), pl.len().cast(pl.String), pl.lit(" 起"))
        if isinstance(text, str)
        else text
    )
    return frame.group_by("enterprise_id").agg(
        pl.lit(DISHONEST_GROUNDS.index(ground), dtype=pl.Int32()).alias("order"),
        reason.alias("reason"),
        pl.lit(basis).alias("basis"),
        pl.col(id_col).cast(pl.String()).alias("ids"),
    )


def dishonesty(
    p: RulesAt,
    ents: pl.LazyFrame,
    accidents: pl.LazyFrame,
    in_year: pl.LazyFrame,
    cases: pl.LazyFrame,
) -> pl.LazyFrame:
    """Candidates only: enterprise_id, dishonest (True), dishonest_reasons (Chinese, in
    the order of the grounds), dishonest_bases (the basis of each reason), flag_evidence
    (sorted ids).

    `accidents`: the rating's accidents from the window's first month on (grade,
    occurred_on, concealed, fine_multiplier, principal_absconded); `in_year` those of
    the year; `cases`: the year's cases (illegal, illegal_kind); `ents`: the
    enterprises (license_required, licensed).
    """
    on = _grounds(p)
    grade = str(p["enterprise.dishonest_grade"])
    need = int(p["enterprise.dishonest_larger_count"])
    months = int(p["enterprise.dishonest_window_months"])
    larger = ACCIDENT_GRADES[1]
    parts: list[pl.LazyFrame] = []
    if "major_accident" in on:
        major = in_year.filter(grade_at_least(pl.col("grade"), grade))
        parts.append(
            _counted(major, "major_accident", "accident_id", f"发生{grade}及以上事故 ",
                     on["major_accident"])
        )  # fmt: skip
    if "larger_accidents" in on:
        larger_all = accidents.filter(pl.col("grade") == larger).select(
            "enterprise_id", "accident_id", "occurred_on"
        )
        later = in_year.filter(pl.col("grade") == larger).select(
            "enterprise_id",
            pl.col("accident_id").alias("later_id"),
            pl.col("occurred_on").alias("later_on"),
        )
        windows = (
            later.join(larger_all, on="enterprise_id", how="inner")
            .filter(
                (pl.col("occurred_on") <= pl.col("later_on"))
                & (pl.col("occurred_on") >= pl.col("later_on").dt.offset_by(f"-{months}mo"))
            )
            .group_by("enterprise_id", "later_id")
            .agg(pl.len().cast(pl.Int64).alias("n"), pl.col("accident_id"))
            .filter(pl.col("n") >= need)
        )
        parts.append(
            windows.group_by("enterprise_id").agg(
                pl.lit(DISHONEST_GROUNDS.index("larger_accidents"), dtype=pl.Int32()).alias(
                    "order"
                ),
                pl.concat_str(
                    pl.lit(f"{months} 个月内发生{larger}事故 "),
                    pl.col("n").max().cast(pl.String),
                    pl.lit(" 起"),
                ).alias("reason"),
                pl.lit(on["larger_accidents"]).alias("basis"),
                pl.col("accident_id")
                .list.explode(keep_nulls=False, empty_as_null=False)
                .alias("ids"),
            )
        )
    if "fine_multiplier" in on:
        multiple = float(p["enterprise.dishonest_fine_multiplier"])
        fined = in_year.filter((pl.col("fine_multiplier") >= multiple).fill_null(False))
        parts.append(
            _counted(
                fined, "fine_multiplier", "accident_id",
                f"事故依《安全生产法》第一百一十四条被处 {multiple:g} 倍以上罚款 ",
                on["fine_multiplier"],
            )
        )  # fmt: skip
    if "concealed" in on:
        parts.append(
            _counted(in_year.filter(pl.col("concealed")), "concealed", "accident_id",
                     "瞒报或谎报事故 ", on["concealed"])
        )  # fmt: skip
    if "principal_absconded" in on:
        fled = in_year.filter(pl.col("principal_absconded").fill_null(False))
        parts.append(
            _counted(fled, "principal_absconded", "accident_id",
                     "事故后主要负责人擅离职守或逃匿 ", on["principal_absconded"])
        )  # fmt: skip
    if "unlicensed" in on:
        parts.append(
            ents.filter(pl.col("license_required") & ~pl.col("licensed")).select(
                "enterprise_id",
                pl.lit(DISHONEST_GROUNDS.index("unlicensed"), dtype=pl.Int32()).alias("order"),
                pl.lit("未依法取得安全生产许可从事生产经营").alias("reason"),
                pl.lit(on["unlicensed"]).alias("basis"),
                pl.concat_list(pl.col("enterprise_id")).alias("ids"),
            )
        )
    if "illegal_case" in on:
        kinds = [str(k) for k in p["enterprise.dishonest_licence_kinds"]]
        kind = pl.col("illegal_kind").cast(pl.String())
        licence_type = pl.when(kind.is_null()).then(pl.col("illegal")).otherwise(kind.is_in(kinds))
        named = kind.drop_nulls().unique().sort().str.join("、")
        text = pl.concat_str(
            pl.lit("非法生产经营建设案件 "),
            pl.len().cast(pl.String),
            pl.lit(" 起（"),
            pl.when(named == "").then(pl.lit("无证或非法生产经营")).otherwise(named),
            pl.lit("）"),
        )
        parts.append(
            _counted(cases.filter(licence_type.fill_null(False)), "illegal_case", "case_id",
                     text, on["illegal_case"])
        )  # fmt: skip
    schema = {"enterprise_id": pl.String(), "order": pl.Int32(), "reason": pl.String(),
              "basis": pl.String(), "ids": _IDS}  # fmt: skip
    if not parts:
        parts.append(pl.LazyFrame(schema=schema))
    return (
        pl.concat([part.select([pl.col(c).cast(t) for c, t in schema.items()]) for part in parts])
        .group_by("enterprise_id")
        .agg(
            pl.col("reason").sort_by("order").alias("dishonest_reasons"),
            pl.col("basis").sort_by("order").alias("dishonest_bases"),
            pl.col("ids")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .alias("flag_evidence"),
        )
        .with_columns(pl.lit(True).alias("dishonest"))
    )


def listing_dates(frame: pl.LazyFrame, *, years: int, months: int, end: dt.date) -> pl.LazyFrame:
    """One listing per enterprise listed on or before `end`: the latest of those in force
    on `end` (listed by then, not expired, not removed by then), else the latest; with
    early_removal_from, expires_on and `dishonest_listed` (whether it is in force)."""
    return (
        frame.filter(pl.col("listed_on") <= end)
        .with_columns(
            pl.col("listed_on").dt.offset_by(f"{months}mo").alias("early_removal_from"),
            pl.col("listed_on").dt.offset_by(f"{years}y").alias("expires_on"),
        )
        .with_columns(
            (
                (pl.col("expires_on") > end)
                & (pl.col("removed_on").is_null() | (pl.col("removed_on") > end))
            ).alias("dishonest_listed")
        )
        .sort("enterprise_id", "dishonest_listed", "listed_on")
        .group_by("enterprise_id")
        .last()
    )


def listings(data: Dataset, p: RulesAt, ents: pl.LazyFrame, end: dt.date) -> pl.LazyFrame:
    """LISTING_COLUMNS for every enterprise: dishonest_listed null when there is no
    ``credit_listings`` table, false when the table lists the enterprise never."""
    ids = ents.select("enterprise_id")
    if not data.has("credit_listings"):
        return ids.with_columns(
            pl.lit(None, dtype=t).alias(c)
            for c, t in LISTING_COLUMNS.items()
            if c != "enterprise_id"
        )
    years = int(p["enterprise.listing_years"]) if "enterprise.listing_years" in p.rulebook else 3
    key = "enterprise.listing_early_removal_months"
    months = int(p[key]) if key in p.rulebook else 12
    dates = listing_dates(
        data.lazy("credit_listings").select("enterprise_id", "listed_on", "removed_on"),
        years=years, months=months, end=end,
    )  # fmt: skip
    return ids.join(dates, on="enterprise_id", how="left").select(
        "enterprise_id",
        pl.col("dishonest_listed").fill_null(False),
        "listed_on",
        "early_removal_from",
        "expires_on",
    )
