"""The five kinds of leader of 《地方党政领导干部安全生产责任制规定》(2018) and what each
answers for (`accountability.scorers.officials_posts`).

- 第五条、第六条 (党委、政府主要负责人) and 第九条 (政府分管安全生产的领导干部): every
  sector of their region;
- 第八条 (党委常委会其他成员) and 第十条 (政府其他领导干部, 分管负责人): the sectors of
  their portfolio (管行业必须管安全);
- 部门负责人: the sectors of their department (`sectors.departments`);
- 第二章: required duties per role, or per role and region level;
- one holder per post: overlapping tenures of one post are flagged.

Each clause has a hand-built example; for today's four roles the results equal those
of the functions `dual_duty` used before (a property over random officials).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from accountability.codes import OFFICIAL_ROLES, SECTORS
from accountability.rulebook import load_rulebook, rulebook
from accountability.scorers.officials_posts import (
    KEY,
    SAFETY_DEPUTY,
    STANDING_MEMBER,
    coverage,
    region_levels,
    required_officials,
    required_roles,
    requirements,
    tenure_overlaps,
)
from accountability.wording import formatted

CITY, COUNTY = "430900", "430981"
FIRST, LAST = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
TODAY_ROLES = ("党委主要负责人", "政府主要负责人", "分管负责人", "部门负责人")
PARAMS = rulebook().at(LAST)
REGIONS = pl.DataFrame(
    {"region_code": [CITY, COUNTY], "parent_code": [None, CITY], "level": ["市", "县"]},
    schema_overrides={"parent_code": pl.String},
)


# --- today's functions (accountability.scorers.dual_duty before the two new roles) ----------
# Kept here verbatim as the oracle: for today's four roles the new functions must give
# exactly what these gave.


def _department_map(params) -> pl.LazyFrame:
    mapping = params["sectors.departments"]
    rows = [(dept, sector) for dept, sectors in mapping.items() for sector in sectors]
    return pl.LazyFrame(
        {"department": [r[0] for r in rows], "sector": [r[1] for r in rows]},
        schema={"department": pl.String(), "sector": pl.Enum(SECTORS)},
    ).unique()


def _coverage(officials: pl.LazyFrame, dept_map: pl.LazyFrame) -> pl.LazyFrame:
    role = pl.col("role").cast(pl.String)
    deputies = (
        officials.filter(role == "分管负责人")
        .select("official_id", pl.col("portfolio").alias("sector"))
        .explode("sector")
        .drop_nulls("sector")
    )
    heads = (
        officials.filter(role == "部门负责人")
        .select("official_id", "department")
        .join(dept_map, on="department", how="inner")
        .select("official_id", "sector")
    )
    return pl.concat([deputies, heads]).unique()


def _requirements(params) -> pl.LazyFrame:
    value = params["dual_duty.duty_requirements"]
    rows = [(role, act, int(n)) for role, acts in value.items() for act, n in acts.items() if n > 0]
    return pl.LazyFrame(
        {
            "role": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "required": [r[2] for r in rows],
        },
        schema={"role": pl.String(), "activity": pl.String(), "required": pl.Int64()},
    )


def _required_roles(params) -> list[str]:
    value = params["dual_duty.duty_requirements"]
    return sorted(role for role, acts in value.items() if any(n > 0 for n in acts.values()))


def _tenure_overlaps(officials: pl.LazyFrame, first: dt.date, last: dt.date) -> pl.LazyFrame:
    never, forever = dt.date(1, 1, 1), dt.date(9999, 12, 31)
    posts = officials.select(
        "official_id",
        "region_code",
        pl.col("role").cast(pl.String),
        pl.col("department").cast(pl.String).fill_null(""),
        pl.col("portfolio").cast(pl.List(pl.String)).fill_null([]),
        pl.max_horizontal(pl.col("start_on").fill_null(never), pl.lit(first)).alias("since"),
        pl.min_horizontal(pl.col("end_on").fill_null(forever), pl.lit(last)).alias("until"),
    ).filter(pl.col("since") <= pl.col("until"))
    other = posts.rename({c: f"{c}_b" for c in ("official_id", "portfolio", "since", "until")})
    pairs = posts.join(other, on=["region_code", "role", "department"], how="inner").filter(
        (pl.col("official_id") != pl.col("official_id_b"))
        & (pl.col("since") <= pl.col("until_b"))
        & (pl.col("since_b") <= pl.col("until"))
    )
    shared = pl.col("portfolio").list.set_intersection(pl.col("portfolio_b"))
    deputy = pl.col("role") == "分管负责人"
    return pairs.filter(~deputy | (shared.list.len() > 0)).select(
        "official_id",
        pl.col("official_id_b").alias("other_id"),
        formatted(
            "{}{}{}",
            "region_code",
            pl.col("role"),
            pl.when(deputy)
            .then(formatted("（{}）", shared.list.sort().list.join("、")))
            .when(pl.col("department") != "")
            .then(formatted("（{}）", "department"))
            .otherwise(pl.lit("")),
        ).alias("post"),
        pl.max_horizontal("since", "since_b").alias("since"),
        pl.min_horizontal("until", "until_b").alias("until"),
    )


DEPT_MAP = _department_map(PARAMS)
OFFICIALS_SCHEMA = {
    "official_id": pl.String,
    "name": pl.String,
    "region_code": pl.String,
    "role": pl.String,
    "department": pl.String,
    "portfolio": pl.List(pl.String),
    "start_on": pl.Date,
    "end_on": pl.Date,
}


def officials(*rows: dict) -> pl.DataFrame:
    """Officials with text roles (a role the loader does not know yet still reads)."""
    full = [
        {
            "name": r["official_id"],
            "region_code": CITY,
            "department": None,
            "portfolio": None,
            "start_on": None,
            "end_on": None,
            **r,
        }
        for r in rows
    ]
    return pl.DataFrame(full, schema=OFFICIALS_SCHEMA)


def sectors_of(frame: pl.LazyFrame, official_id: str) -> list[str]:
    out = frame.filter(pl.col("official_id") == official_id).collect()
    return sorted(out["sector"].cast(pl.String).to_list())


def test_the_new_roles_are_known_to_the_tables():
    assert STANDING_MEMBER in OFFICIAL_ROLES
    assert SAFETY_DEPUTY in OFFICIAL_ROLES


# --- coverage ------------------------------------------------------------------------------


def test_heads_and_the_safety_deputy_answer_for_every_sector_of_their_region():
    people = officials(
        {"official_id": "P", "role": "党委主要负责人"},
        {"official_id": "G", "role": "政府主要负责人"},
        {"official_id": "S", "role": SAFETY_DEPUTY, "region_code": COUNTY},
    )
    cov = coverage(people, DEPT_MAP, REGIONS)
    for oid in ("P", "G", "S"):
        assert sectors_of(cov, oid) == sorted(SECTORS)
    s = cov.filter(pl.col("official_id") == "S").collect()
    assert set(s["region_code"]) == {COUNTY} and set(s["level"]) == {"县"}


def test_deputies_and_standing_members_answer_for_their_portfolio():
    people = officials(
        {"official_id": "D", "role": "分管负责人", "portfolio": ["水上交通", "道路交通"]},
        {"official_id": "M", "role": STANDING_MEMBER, "portfolio": ["煤矿"]},
        {"official_id": "E", "role": STANDING_MEMBER},  # no portfolio: nothing
    )
    cov = coverage(people, DEPT_MAP, REGIONS)
    assert sectors_of(cov, "D") == ["水上交通", "道路交通"]
    assert sectors_of(cov, "M") == ["煤矿"]
    assert sectors_of(cov, "E") == []


def test_department_heads_answer_for_their_departments_sectors():
    people = officials(
        {"official_id": "T", "role": "部门负责人", "department": "交通运输局"},
        {"official_id": "U", "role": "部门负责人", "department": "不在对照表的部门"},
        # a department on a head or deputy adds nothing
        {"official_id": "P", "role": "分管负责人", "department": "应急管理局"},
    )
    cov = coverage(people, DEPT_MAP, REGIONS)
    mapped = DEPT_MAP.filter(pl.col("department") == "交通运输局").collect()["sector"]
    assert sectors_of(cov, "T") == sorted(mapped.cast(pl.String).to_list())
    assert sectors_of(cov, "U") == []
    assert sectors_of(cov, "P") == []


def test_an_official_of_a_region_missing_from_the_table_has_no_level():
    people = officials({"official_id": "X", "role": "政府主要负责人", "region_code": "999999"})
    cov = coverage(people, DEPT_MAP, REGIONS).collect()
    assert cov.height == len(SECTORS) and cov["level"].null_count() == cov.height
    assert coverage(people, DEPT_MAP).collect()["level"].null_count() == cov.height


def test_region_levels():
    assert region_levels(REGIONS).sort("region_code").collect().rows() == [
        (CITY, "市"),
        (COUNTY, "县"),
    ]
    assert region_levels(None).collect().height == 0


# --- requirements --------------------------------------------------------------------------


def as_rows(frame: pl.LazyFrame) -> list[tuple]:
    return sorted(frame.collect().rows())


def test_the_flat_shape_applies_at_every_level():
    people = officials(
        {"official_id": "C", "role": "分管负责人"},
        {"official_id": "X", "role": "分管负责人", "region_code": COUNTY},
    )
    params = {KEY: {"分管负责人": {"研究部署": 2, "督导检查": 4}}}
    assert as_rows(requirements(params, people, REGIONS)) == [
        ("C", "督导检查", 4),
        ("C", "研究部署", 2),
        ("X", "督导检查", 4),
        ("X", "研究部署", 2),
    ]


def test_the_per_level_shape_requires_by_the_officials_region_level():
    # 市、县 quarterly (4), 省 yearly (1); a level the rulebook does not name: nothing
    people = officials(
        {"official_id": "C", "role": "党委主要负责人"},
        {"official_id": "X", "role": "党委主要负责人", "region_code": COUNTY},
        {"official_id": "Z", "role": "党委主要负责人", "region_code": "999999"},
    )
    params = {KEY: {"党委主要负责人": {"省": {"研究部署": 1}, "县": {"研究部署": 4}}}}
    assert as_rows(requirements(params, people, REGIONS)) == [("X", "研究部署", 4)]
    assert required_roles(params) == ["党委主要负责人"]
    assert required_officials(params, people, REGIONS).collect()["official_id"].to_list() == ["X"]


def test_a_levels_entry_wins_over_the_flat_one_and_zero_is_not_required():
    people = officials(
        {"official_id": "C", "role": "部门负责人"},
        {"official_id": "X", "role": "部门负责人", "region_code": COUNTY},
    )
    params = {KEY: {"部门负责人": {"督导检查": 12, "县": {"督导检查": 0, "隐患督办": 4}}}}
    assert as_rows(requirements(params, people, REGIONS)) == [
        ("C", "督导检查", 12),
        ("X", "隐患督办", 4),
    ]


def test_the_new_roles_have_no_default_requirement():
    people = officials(
        {"official_id": "M", "role": STANDING_MEMBER, "portfolio": ["煤矿"]},
        {"official_id": "S", "role": SAFETY_DEPUTY},
    )
    assert requirements(PARAMS, people, REGIONS).collect().height == 0
    assert not {STANDING_MEMBER, SAFETY_DEPUTY} & set(required_roles(PARAMS))


def test_the_default_requirements_are_todays():
    people = officials(
        *[{"official_id": f"O{i}", "role": role} for i, role in enumerate(TODAY_ROLES)],
        {"official_id": "OX", "role": "部门负责人", "region_code": COUNTY},
    )
    today = (
        people.lazy()
        .select("official_id", "role")
        .join(_requirements(PARAMS), on="role", how="inner")
        .select("official_id", "activity", "required")
    )
    assert as_rows(requirements(PARAMS, people, REGIONS)) == as_rows(today)
    assert required_roles(PARAMS) == _required_roles(PARAMS)


# --- tenure overlaps -----------------------------------------------------------------------


def overlap_pairs(people: pl.DataFrame) -> list[tuple[str, str, str]]:
    out = tenure_overlaps(people, FIRST, LAST).collect()
    return sorted(out.select("official_id", "other_id", "post").rows())


def test_the_safety_deputy_is_one_post_per_region():
    people = officials(
        {"official_id": "A", "role": SAFETY_DEPUTY, "end_on": dt.date(2024, 6, 30)},
        {"official_id": "B", "role": SAFETY_DEPUTY, "start_on": dt.date(2024, 6, 30)},
        {"official_id": "C", "role": SAFETY_DEPUTY, "region_code": COUNTY},
    )
    post = f"{CITY}{SAFETY_DEPUTY}"
    assert overlap_pairs(people) == [("A", "B", post), ("B", "A", post)]
    # handed over on the day: no overlap
    handed = people.with_columns(
        pl.when(pl.col("official_id") == "B")
        .then(pl.lit(dt.date(2024, 7, 1)))
        .otherwise("start_on")
        .alias("start_on")
    )
    assert overlap_pairs(handed) == []


def test_standing_members_overlap_only_on_a_shared_sector():
    people = officials(
        {"official_id": "M1", "role": STANDING_MEMBER, "portfolio": ["煤矿", "消防"]},
        {"official_id": "M2", "role": STANDING_MEMBER, "portfolio": ["道路交通"]},
        {"official_id": "M3", "role": STANDING_MEMBER, "portfolio": ["消防"]},
        # another role sharing the sector is another post
        {"official_id": "D1", "role": "分管负责人", "portfolio": ["消防"]},
    )
    post = f"{CITY}{STANDING_MEMBER}（消防）"
    assert overlap_pairs(people) == [("M1", "M3", post), ("M3", "M1", post)]


def test_overlap_rows_name_the_shared_days():
    people = officials(
        {"official_id": "A", "role": "政府主要负责人", "end_on": dt.date(2024, 7, 10)},
        {"official_id": "B", "role": "政府主要负责人", "start_on": dt.date(2024, 7, 1)},
    )
    rows = tenure_overlaps(people, FIRST, LAST).sort("official_id").collect()
    assert rows.select("since", "until").unique().rows() == [
        (dt.date(2024, 7, 1), dt.date(2024, 7, 10))
    ]


# --- equal to today's functions for today's roles -------------------------------------------

_ids = st.sampled_from([f"O{i:02d}" for i in range(50)])
_day = st.dates(dt.date(2023, 6, 1), dt.date(2025, 6, 1))
_official = st.fixed_dictionaries(
    {
        "region_code": st.sampled_from([CITY, COUNTY]),
        "role": st.sampled_from(TODAY_ROLES),
        "department": st.sampled_from(["交通运输局", "应急管理局", "公安局", "无此部门"]),
        "portfolio": st.one_of(
            st.none(), st.lists(st.sampled_from(SECTORS), max_size=3, unique=True)
        ),
        "start_on": st.one_of(st.none(), _day),
        "end_on": st.one_of(st.none(), _day),
    }
)
officials_st = st.lists(_official, max_size=50).map(
    lambda rows: officials(
        *[
            {
                **r,
                "official_id": f"O{i:02d}",
                # today's post key read the department of every role; a department is
                # filled in for department heads only (as in real tables)
                "department": r["department"] if r["role"] == "部门负责人" else None,
            }
            for i, r in enumerate(rows)
        ]
    )
)


def _sorted(frame: pl.LazyFrame, cols: list[str]) -> pl.DataFrame:
    out = frame.collect()
    return (
        out.select(cols)
        .with_columns([pl.col(c).cast(pl.String) for c in cols if out.schema[c] != pl.Date])
        .sort(cols)
    )


@settings(max_examples=25, deadline=None)
@given(officials_st)
def test_coverage_equals_todays_for_todays_roles(people):
    typed = people.with_columns(pl.col("portfolio").cast(pl.List(pl.Enum(SECTORS))))
    by_sector = typed.filter(pl.col("role").is_in(["分管负责人", "部门负责人"]))["official_id"]
    mine = coverage(typed, DEPT_MAP, REGIONS).filter(
        pl.col("official_id").is_in(by_sector.implode())
    )
    assert_frame_equal(
        _sorted(mine, ["official_id", "sector"]),
        _sorted(_coverage(typed.lazy(), DEPT_MAP), ["official_id", "sector"]),
    )


@settings(max_examples=25, deadline=None)
@given(officials_st)
def test_tenure_overlaps_equal_todays_for_todays_roles(people):
    cols = ["official_id", "other_id", "post", "since", "until"]
    assert_frame_equal(
        _sorted(tenure_overlaps(people, FIRST, LAST), cols),
        _sorted(_tenure_overlaps(people.lazy(), FIRST, LAST), cols),
    )


@settings(max_examples=25, deadline=None)
@given(officials_st, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(people, rnd):
    order = list(range(people.height))
    rnd.shuffle(order)
    shuffled = people[order]
    for fn in (
        lambda p: coverage(p, DEPT_MAP, REGIONS),
        lambda p: requirements(PARAMS, p, REGIONS),
        lambda p: tenure_overlaps(p, FIRST, LAST),
    ):
        a, b = fn(people).collect(), fn(shuffled).collect()
        assert_frame_equal(a.sort(pl.all()), b.sort(pl.all()))


@pytest.mark.parametrize("shape", ["flat", "levels"])
def test_requirements_read_the_rulebook_in_either_shape(shape):
    people = officials(
        {"official_id": "C", "role": "分管负责人"},
        {"official_id": "X", "role": "分管负责人", "region_code": COUNTY},
    )
    value = (
        {"分管负责人": {"研究部署": 4}}
        if shape == "flat"
        else {"分管负责人": {"市": {"研究部署": 4}, "县": {"研究部署": 4}}}
    )
    assert as_rows(requirements({KEY: value}, people, REGIONS)) == [
        ("C", "研究部署", 4),
        ("X", "研究部署", 4),
    ]


def test_requirements_by_level_from_a_rule_file(tmp_path):
    # 市、县 quarterly, 省 yearly (第二章), written per level in a city's rule file
    path = tmp_path / "city.toml"
    path.write_text(
        'extends = "default"\n'
        "[dual_duty.duty_requirements]\n"
        'basis = "市细则"\n'
        "[dual_duty.duty_requirements.value]\n"
        '"党委主要负责人" = { "省" = { "研究部署" = 1 }, "市" = { "研究部署" = 4 }, '
        '"县" = { "研究部署" = 4, "督导检查" = 2 } }\n'
        '"部门负责人" = { "督导检查" = 12 }\n',
        encoding="utf-8",
    )
    params = load_rulebook(path).at(LAST)
    people = officials(
        {"official_id": "C", "role": "党委主要负责人"},
        {"official_id": "X", "role": "党委主要负责人", "region_code": COUNTY},
        {"official_id": "T", "role": "部门负责人", "region_code": COUNTY},
        {"official_id": "D", "role": "分管负责人"},  # no longer required
    )
    assert as_rows(requirements(params, people, REGIONS)) == [
        ("C", "研究部署", 4),
        ("T", "督导检查", 12),
        ("X", "督导检查", 2),
        ("X", "研究部署", 4),
    ]
    assert required_roles(params) == ["党委主要负责人", "部门负责人"]
