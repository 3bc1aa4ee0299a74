"""严重失信 grounds (rule enterprise.dishonest, parameter enterprise.dishonest_grounds) and
the 严重失信主体名单 listings (rule enterprise.credit_listing, table credit_listings).

应急管理部令第11号 lists the grounds: a 重大 or worse accident; 2 较大 accidents within
12 months; an accident fined at 2 to 5 times under 《安全生产法》第一百一十四条; a
concealed or falsely reported accident; a principal who absconded after an accident;
production without the licence required; a case of licence-type illegal production
(无证, 证照过期, 暂扣吊销期间; a case without a kind by its ``illegal`` flag).  Each
ground is a rulebook row with its switch and basis.  The grounds apply in the sectors
of 第二条 only: elsewhere ``dishonest`` is null (不适用) and the class is not forced.

A listing runs from ``listed_on``; early removal may be applied for 12 calendar months
later; it ends 3 years later (``expires_on``, the first day no longer listed; 29
February gives 28 February) or on ``removed_on``.  Of an enterprise's listings on or
before the period's last day, the latest in force that day counts, else the latest; in
force it makes an enterprise of the 第二条 sectors class D.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import builders
import polars as pl
import pytest
from conftest import ENT_A, ENT_B, tiny_tables, write_csv

import accountability as acc

D = dt.date
AS_OF = D(2025, 3, 1)
YEAR = 2024
OUT_OF_SCOPE = "不适用：行业领域不在严重失信主体名单管理范围（应急管理部令第11号第二条）"
BASES = {row["ground"]: row["basis"]
         for row in acc.rulebook().for_year(YEAR)["enterprise.dishonest_grounds"]}  # fmt: skip


def ent(eid: str = "E1", sector: str = "煤矿", **kw: Any) -> dict:
    return {"enterprise_id": eid, "name": f"企业{eid}", "region_code": "430902",
            "sector": sector, "employees": 50, **kw}  # fmt: skip


def accident(on: dt.date, deaths: int, aid: str = "S1", **kw: Any) -> dict:
    return {"accident_id": aid, "region_code": "430902", "enterprise_id": "E1",
            "sector": "煤矿", "occurred_on": on, "deaths": deaths, **kw}  # fmt: skip


def case(kind: str | None, illegal: bool, cid: str = "C1", **kw: Any) -> dict:
    return {"case_id": cid, "enterprise_id": "E1", "region_code": "430902",
            "department": "应急管理局", "found_on": D(2024, 4, 1), "illegal": illegal,
            "illegal_kind": kind, **kw}  # fmt: skip


def rate(
    enterprises: list[dict], rules: acc.Rulebook | None = None, **tables: Any
) -> acc.EnterpriseRatings:
    data = builders.dataset(AS_OF, enterprises=enterprises, **tables)
    return acc.enterprise_ratings(data, rules, YEAR)


def one(enterprise: dict, rules: acc.Rulebook | None = None, **tables: Any) -> dict:
    return rate([enterprise], rules, **tables).enterprises.row(0, named=True)


# --- each ground, in scope and out of it -----------------------------------------------

# ground, the enterprise's columns, its tables, the reason, its score and class by score
GROUNDS = [
    ("major_accident", {}, {"accidents": [accident(D(2024, 6, 1), 10)]},
     "发生重大及以上事故 1 起", 0.0, "D"),  # a 重大 accident scores 0
    ("larger_accidents", {},
     {"accidents": [accident(D(2023, 6, 1), 3, "S1"), accident(D(2024, 3, 1), 3, "S2")]},
     "12 个月内发生较大事故 2 起", 60.0, "C"),  # only the one of the year costs 40
    ("fine_multiplier", {}, {"accidents": [accident(D(2024, 6, 1), 0, fine_multiplier=2.0)]},
     "事故依《安全生产法》第一百一十四条被处 2 倍以上罚款 1 起", 95.0, "A"),
    ("concealed", {}, {"accidents": [accident(D(2024, 6, 1), 0, concealed=True)]},
     "瞒报或谎报事故 1 起", 95.0, "A"),
    ("principal_absconded", {},
     {"accidents": [accident(D(2024, 6, 1), 1, principal_absconded=True)]},
     "事故后主要负责人擅离职守或逃匿 1 起", 85.0, "B"),
    ("unlicensed", {"license_required": True, "licensed": False}, {},
     "未依法取得安全生产许可从事生产经营", 40.0, "D"),  # −60 for the licence
    ("illegal_case", {}, {"cases": [case("无证", True)]},
     "非法生产经营建设案件 1 起（无证）", 60.0, "C"),
]  # fmt: skip
GROUND_IDS = [g[0] for g in GROUNDS]


@pytest.mark.parametrize(("ground", "columns", "tables", "reason", "score", "by_score"), GROUNDS,
                         ids=GROUND_IDS)  # fmt: skip
def test_each_ground_makes_an_enterprise_of_the_listed_sectors_dishonest(
    ground, columns, tables, reason, score, by_score
):
    row = one(ent(sector="煤矿", **columns), **tables)
    assert (row["dishonest"], row["risk_class"], row["score"]) == (True, "D", score)
    assert row["dishonest_reasons"] == [reason]
    assert row["dishonest_bases"] == [BASES[ground]]


@pytest.mark.parametrize(("ground", "columns", "tables", "reason", "score", "by_score"), GROUNDS,
                         ids=GROUND_IDS)  # fmt: skip
def test_elsewhere_no_ground_applies_and_the_class_is_the_score_class(
    ground, columns, tables, reason, score, by_score
):
    row = one(ent(sector="建筑施工", **columns), **tables)
    assert row["dishonest"] is None
    assert row["dishonest_reasons"] == [OUT_OF_SCOPE]
    assert "第二条" in row["dishonest_bases"][0]
    assert (row["score"], row["risk_class"]) == (score, by_score)


def test_the_line_item_gives_every_reason_and_basis():
    accidents = [accident(D(2024, 6, 1), 0, "S1", concealed=True, fine_multiplier=3.0)]
    result = rate([ent()], accidents=accidents)
    item = result.line_items.filter(pl.col("rule_id") == "enterprise.dishonest").row(0, named=True)
    assert item["points"] == 0.0
    assert item["reason"] == (
        "严重失信：事故依《安全生产法》第一百一十四条被处 2 倍以上罚款 1 起；"
        "瞒报或谎报事故 1 起，风险等级记 D"
    )
    assert item["basis"] == f"{BASES['fine_multiplier']}；{BASES['concealed']}"
    assert item["evidence"] == ["S1"]


# --- the fine multiplier, the principal, the kind of illegal case -------------------------


@pytest.mark.parametrize(("multiplier", "dishonest"), [(None, False), (1.99, False), (2.0, True),
                                                       (5.0, True)])  # fmt: skip
def test_a_fine_of_twice_or_more_is_a_ground(multiplier, dishonest):
    row = one(ent(), accidents=[accident(D(2024, 6, 1), 0, fine_multiplier=multiplier)])
    assert row["dishonest"] is dishonest
    assert row["risk_class"] == ("D" if dishonest else "A")


@pytest.mark.parametrize("absconded", [True, False])
def test_a_principal_who_absconded_is_a_ground(absconded):
    row = one(ent(), accidents=[accident(D(2024, 6, 1), 0, principal_absconded=absconded)])
    assert row["dishonest"] is absconded


@pytest.mark.parametrize(
    ("kind", "illegal", "dishonest"),
    [
        ("无证", True, True),
        ("证照过期", True, True),
        ("暂扣吊销期间", True, True),
        ("超范围", True, False),  # illegal, but not for want of a licence
        ("关闭后擅自生产", True, False),
        (None, True, True),  # no kind: the illegal flag decides
        (None, False, False),
    ],
)
def test_only_a_licence_type_illegal_case_is_a_ground(kind, illegal, dishonest):
    row = one(ent(), cases=[case(kind, illegal)])
    assert row["dishonest"] is dishonest
    expected = f"（{kind}）" if kind else "（无证或非法生产经营）"
    assert row["dishonest_reasons"] == ([f"非法生产经营建设案件 1 起{expected}"] if dishonest
                                        else [])  # fmt: skip


def test_a_case_of_another_year_is_no_ground():
    row = one(ent(), cases=[case("无证", True, found_on=D(2023, 12, 31))])
    assert row["dishonest"] is False


def test_a_ground_switched_off_no_longer_applies(tmp_path):
    # every ground as in the default, but concealed switched off
    switch = {g: "false" if g == "concealed" else "true" for g in GROUND_IDS}
    rows = ",\n".join(
        f'  {{ ground = "{g}", on = {on}, basis = "本地口径" }}' for g, on in switch.items()
    )
    path = tmp_path / "local.toml"
    path.write_text(
        'extends = "default"\n[enterprise.dishonest_grounds]\nbasis = "本地口径"\n'
        f"value = [\n{rows}\n]\n",
        encoding="utf-8",
    )
    book = acc.load_rulebook(path)
    concealed = one(ent(), book, accidents=[accident(D(2024, 6, 1), 0, concealed=True)])
    assert (concealed["dishonest"], concealed["risk_class"]) == (False, "A")
    fined = one(ent(), book, accidents=[accident(D(2024, 6, 1), 0, fine_multiplier=2.0)])
    assert (fined["dishonest"], fined["dishonest_bases"]) == (True, ["本地口径"])


# --- listings --------------------------------------------------------------------------

LISTED = ("dishonest_listed", "listed_on", "early_removal_from", "expires_on", "risk_class")


def listed(*listings: dict, sector: str = "煤矿") -> dict:
    return one(ent(sector=sector), credit_listings=list(listings))


def listing(on: dt.date, removed: dt.date | None = None) -> dict:
    return {"enterprise_id": "E1", "listed_on": on, "removed_on": removed,
            "authority": "市应急管理局"}  # fmt: skip


def test_listing_dates_across_a_leap_day():
    # listed 29 February 2024: early removal from 28 February 2025, expires 28 February 2027
    row = listed(listing(D(2024, 2, 29)))
    assert tuple(row[c] for c in LISTED) == (
        True, D(2024, 2, 29), D(2025, 2, 28), D(2027, 2, 28), "D"
    )  # fmt: skip
    assert row["dishonest"] is False  # no ground: the listing alone makes it D


def test_a_listing_in_force_has_its_line_item():
    result = rate([ent()], credit_listings=[listing(D(2024, 2, 29))])
    items = result.line_items.filter(pl.col("rule_id") == "enterprise.credit_listing")
    assert items.select("subject_id", "points", "reason", "evidence").rows() == [
        ("E1", 0.0, "2024-02-29 列入严重失信主体名单，2025-02-28 起可申请提前移出，"
                    "2027-02-28 期满；在册，风险等级记 D", ["E1"]),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("listed_on", "removed_on", "in_force"),
    [
        (D(2022, 1, 1), None, True),  # expires 2025-01-01, the day after the year end
        (D(2021, 12, 31), None, False),  # expires 2024-12-31: no longer listed that day
        (D(2024, 2, 1), D(2024, 12, 30), False),  # removed before the end
        (D(2024, 2, 1), D(2024, 12, 31), False),  # removed on the end
        (D(2024, 2, 1), D(2025, 1, 1), True),  # removed after it
    ],
)
def test_a_listing_is_in_force_until_it_expires_or_is_removed(listed_on, removed_on, in_force):
    row = listed(listing(listed_on, removed_on))
    assert (row["dishonest_listed"], row["listed_on"]) == (in_force, listed_on)
    assert row["risk_class"] == ("D" if in_force else "A")


def test_a_listing_out_of_scope_is_reported_but_sets_no_class():
    result = rate([ent(sector="建筑施工")], credit_listings=[listing(D(2024, 2, 1))])
    row = result.enterprises.row(0, named=True)
    assert (row["dishonest"], row["dishonest_listed"], row["risk_class"]) == (None, True, "A")
    items = result.line_items.filter(pl.col("rule_id") == "enterprise.credit_listing")
    assert items["reason"].to_list() == [
        "2024-02-01 列入严重失信主体名单，2025-02-01 起可申请提前移出，2027-02-01 期满；"
        "行业领域不在名单管理范围，不据此定级"
    ]


def test_of_several_listings_the_latest_by_the_period_end_counts():
    # 2020-05-01 (expired 2023-05-01), 2024-03-01, and 2025-02-01 after the year end
    row = listed(listing(D(2020, 5, 1)), listing(D(2024, 3, 1)), listing(D(2025, 2, 1)))
    assert tuple(row[c] for c in LISTED) == (
        True, D(2024, 3, 1), D(2025, 3, 1), D(2027, 3, 1), "D"
    )  # fmt: skip


def test_a_listing_in_force_counts_over_a_later_one_removed_early():
    # listed 2023-06-01 (in force to 2026-06-01), listed again 2024-03-01 and removed
    # 2024-09-01: the enterprise is still listed at the year's end
    row = listed(listing(D(2023, 6, 1)), listing(D(2024, 3, 1), removed=D(2024, 9, 1)))
    assert tuple(row[c] for c in LISTED) == (
        True, D(2023, 6, 1), D(2024, 6, 1), D(2026, 6, 1), "D"
    )  # fmt: skip


def test_a_listing_after_the_period_end_does_not_count():
    row = listed(listing(D(2025, 2, 1)))
    assert tuple(row[c] for c in LISTED) == (False, None, None, None, "A")


def test_without_a_listings_table_listing_is_unknown():
    row = one(ent())
    assert tuple(row[c] for c in LISTED) == (None, None, None, None, "A")


# --- loading ---------------------------------------------------------------------------


def test_a_listing_removed_before_it_was_listed_is_rejected(tmp_path: Path):
    tables = tiny_tables()
    for name in ("regions", "enterprises"):
        write_csv(tmp_path, name, tables[name])
    listings = pl.DataFrame({
        "enterprise_id": [ENT_A, ENT_B],
        "listed_on": ["2024-06-01", "2024-03-01"],
        "removed_on": ["2024-01-01", None],
        "authority": ["市应急管理局", "市应急管理局"],
    })  # fmt: skip
    write_csv(tmp_path, "credit_listings", listings)
    data = acc.load_dataset(tmp_path, as_of="2025-01-31")
    rejected = data.rejected.filter(pl.col("table") == "credit_listings")
    assert rejected.select("row", "column", "rule").rows() == [
        (1, "removed_on", "removed_before_listed")
    ]
    assert data.table("credit_listings")["enterprise_id"].to_list() == [ENT_B]
