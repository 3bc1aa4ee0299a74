"""Validating frames into a Dataset: every input row kept or rejected with a reason
(nothing is lost)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import ENT_A, ENT_B, tiny_tables, uscc
from hypothesis import given, settings
from hypothesis import strategies as st

from accountability.columns import TABLES
from accountability.dataset import REJECTED_SCHEMA, Dataset
from accountability.errors import DatasetError
from accountability.tables import SCHEMAS, schema, validate_frames

AS_OF = dt.date(2025, 1, 1)


def load(**frames: pl.DataFrame) -> Dataset:
    return validate_frames(frames, as_of=AS_OF)


def with_row(frame: pl.DataFrame, **values: object) -> pl.DataFrame:
    """The frame with one more row: the first row with some cells replaced (as text)."""
    first = frame.head(1).to_dicts()[0]
    first.update({k: None if v is None else str(v) for k, v in values.items()})
    return pl.concat([frame, pl.DataFrame([first], schema=frame.schema)])


def rules_of(data: Dataset, table: str) -> list[tuple[int, str, str]]:
    sub = data.rejected.filter(pl.col("table") == table)
    return list(zip(sub["row"], sub["column"], sub["rule"], strict=True))


def assert_nothing_lost(data: Dataset) -> None:
    for table, read in data.rows_read.items():
        rejected = data.rejected.filter(pl.col("table") == table)["row"].n_unique()
        assert read == data.tables[table].height + rejected, table


# --- schemas ----------------------------------------------------------------------------------


def test_one_dataframely_schema_per_table_with_labels():
    assert set(SCHEMAS) == set(TABLES)
    for name, spec in TABLES.items():
        cols = schema(name).columns()
        assert list(cols) == list(spec.column_names)
        for col in spec.columns:
            assert cols[col.name].metadata["label"] == col.label
        assert tuple(schema(name).primary_key()) == spec.key


def test_schema_unknown_table():
    with pytest.raises(DatasetError, match="foo"):
        schema("foo")


# --- well-formed input ------------------------------------------------------------------------


def test_text_frames_parse_to_canonical_dtypes(tiny):
    data = load(**tiny)
    assert data.rejected.height == 0
    assert data.as_of == AS_OF
    assert data.rows_read == {"regions": 5, "enterprises": 2, "accidents": 3}
    for name, frame in data.tables.items():
        assert frame.schema == pl.Schema(TABLES[name].dtypes), name
    acc = data.table("accidents")
    assert acc["occurred_on"].to_list() == [
        dt.date(2024, 3, 1),
        dt.date(2024, 5, 6),
        dt.date(2024, 7, 7),
    ]
    assert acc["reported_late"].to_list() == [False, True, False]
    assert acc["liability"].to_list() == [True, True, True]  # optional column: default
    ent = data.table("enterprises")
    assert ent["status"].to_list() == ["在营", "在营"]
    assert ent["closed_on"].to_list() == [None, None]


def test_canonical_frames_round_trip(tiny):
    data = load(**tiny)
    again = validate_frames(data.tables, as_of=AS_OF)
    assert again.rejected.height == 0
    for name in data.tables:
        assert again.table(name).equals(data.table(name))


def test_from_frames_is_validate_frames(tiny):
    data = Dataset.from_frames(as_of="2025-01-01", **tiny)
    assert data.as_of == AS_OF and data.rejected.height == 0


def test_as_of_defaults_to_today(tiny):
    assert validate_frames({"regions": tiny["regions"]}).as_of == dt.date.today()


def test_chinese_headers_and_aliases(tiny):
    regions = tiny["regions"].rename(
        {"region_code": "区划代码", "name": "名称", "parent_code": "上级区划代码", "level": "级别"}
    )
    acc = tiny["accidents"].rename(
        {"direct_loss_10k_yuan": "直接经济损失（万元）", "deaths": "死亡人数"}
    )
    data = load(regions=regions, accidents=acc)
    assert data.rejected.height == 0
    assert data.table("accidents")["deaths"].to_list() == [1, 3, 0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
    ],
)
def test_booleans(tiny, text, value):
    acc = tiny["accidents"].with_columns(pl.lit(text).alias("concealed"))
    assert (
        load(regions=tiny["regions"], accidents=acc).table("accidents")["concealed"].to_list()
        == [value] * 3
    )


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-01",
        "2024/03/01",
        "20240301",
        "2024/3/1",
        "2024.03.01",
        "2024年3月1日",
        "2024-03-01 00:00:00",
        "2024-03-01 08:30",
    ],
)
def test_dates(tiny, text):
    acc = tiny["accidents"].with_columns(pl.lit(text).alias("occurred_on"))
    data = load(regions=tiny["regions"], accidents=acc)
    assert data.table("accidents")["occurred_on"].to_list() == [dt.date(2024, 3, 1)] * 3


def test_portfolio_split_on_semicolons(tiny):
    officials = pl.DataFrame(
        {
            "official_id": ["P1", "P2", "P3", "P4"],
            "name": ["甲", "乙", "丙", "丁"],
            "region_code": ["430900"] * 4,
            "role": ["分管负责人", "分管负责人", "分管负责人", "党委主要负责人"],
            "department": [None, None, None, None],
            "portfolio": ["煤矿;非煤矿山", "道路交通；水上交通", "消防、校车", None],
        }
    )
    data = load(regions=tiny["regions"], officials=officials)
    assert data.rejected.height == 0
    assert data.table("officials")["portfolio"].to_list() == [
        ["煤矿", "非煤矿山"],
        ["道路交通", "水上交通"],
        ["消防", "校车"],
        None,
    ]


@pytest.mark.parametrize("text", ["2024-02-30", "03/01/2024", "昨天", "2024-03"])
def test_bad_dates_are_rejected(tiny, text):
    acc = with_row(tiny["accidents"], accident_id="A9", occurred_on=text)
    data = load(regions=tiny["regions"], accidents=acc)
    assert rules_of(data, "accidents") == [(4, "occurred_on", "type")]


def test_header_only_table_is_present_and_empty(tiny):
    empty = tiny["accidents"].clear()
    data = load(regions=tiny["regions"], accidents=empty)
    assert data.has("accidents") and data.table("accidents").height == 0
    assert not data.has("hazards")


# --- bad rows: one rejected row per failed rule -------------------------------------------------


def test_wrong_type(tiny):
    acc = with_row(tiny["accidents"], accident_id="A9", deaths="三")
    data = load(regions=tiny["regions"], accidents=acc)
    assert rules_of(data, "accidents") == [(4, "deaths", "type")]
    assert data.rejected["value"].to_list() == ["三"]
    assert "死亡人数" in data.rejected["message"][0]
    assert data.table("accidents").height == 3


def test_negative_count(tiny):
    acc = with_row(tiny["accidents"], accident_id="A9", deaths=-1)
    assert rules_of(load(regions=tiny["regions"], accidents=acc), "accidents") == [
        (4, "deaths", "non_negative")
    ]


def test_empty_required_cell(tiny):
    acc = with_row(tiny["accidents"], accident_id="A9", deaths=None)
    assert rules_of(load(regions=tiny["regions"], accidents=acc), "accidents") == [
        (4, "deaths", "not_null")
    ]


def test_unknown_sector(tiny):
    acc = with_row(tiny["accidents"], accident_id="A9", sector="航空")
    data = load(regions=tiny["regions"], accidents=acc)
    assert rules_of(data, "accidents") == [(4, "sector", "enum")]


def test_unknown_role_and_level(tiny):
    regions = with_row(tiny["regions"], region_code="430904", level="镇", parent_code="430900")
    data = load(regions=regions)
    assert rules_of(data, "regions") == [(6, "level", "enum")]


def test_unknown_region(tiny):
    acc = with_row(tiny["accidents"], accident_id="A9", region_code="431002")
    data = load(regions=tiny["regions"], accidents=acc)
    assert rules_of(data, "accidents") == [(4, "region_code", "unknown_region")]


def test_conflicting_duplicate_keys_reject_every_row(tiny):
    acc = with_row(tiny["accidents"], deaths=7)  # same accident_id A1, other deaths
    data = load(regions=tiny["regions"], accidents=acc)
    assert rules_of(data, "accidents") == [
        (1, "accident_id", "conflicting_duplicate"),
        (4, "accident_id", "conflicting_duplicate"),
    ]
    assert "第 1 行、第 4 行" in data.rejected["message"][0]
    assert data.table("accidents").filter(pl.col("accident_id") == "A1").height == 0


def test_identical_duplicate_rows_keep_one(tiny):
    acc = with_row(tiny["accidents"])  # a copy of A1
    data = load(regions=tiny["regions"], accidents=acc)
    assert rules_of(data, "accidents") == [(4, "accident_id", "identical_duplicate")]
    kept = data.table("accidents").filter(pl.col("accident_id") == "A1")
    assert kept["deaths"].to_list() == [1]


def test_future_event_date_but_not_due_date(tiny):
    acc = with_row(tiny["accidents"], accident_id="A9", occurred_on="2025-01-02")
    hazards = pl.DataFrame(
        {
            "hazard_id": ["H1"],
            "enterprise_id": [ENT_A],
            "region_code": ["430902"],
            "sector": ["煤矿"],
            "level": ["重大"],
            "found_on": ["2024-12-01"],
            "due_on": ["2025-06-30"],
            "rectified_on": [None],
            "listed": ["是"],
            "five_in_place": ["否"],
        }
    )
    data = load(
        regions=tiny["regions"], enterprises=tiny["enterprises"], accidents=acc, hazards=hazards
    )
    assert rules_of(data, "accidents") == [(4, "occurred_on", "future_date")]
    assert data.table("hazards").height == 1


def test_bad_region_code_shape_and_parent(tiny):
    regions = pl.concat(
        [
            tiny["regions"],
            pl.DataFrame(
                {
                    "region_code": ["43090X", "431002", "420000", "429004", "430972", "429005"],
                    "name": ["坏", "别市的县", "湖北省", "仙桃市", "益阳高新区", "潜江市"],
                    "parent_code": [None, "430900", None, "420000", "430900", "430000"],
                    "level": ["县", "县", "省", "县", "县", "县"],
                }
            ),
        ]
    )
    data = load(regions=regions)
    assert rules_of(data, "regions") == [
        (6, "region_code", "region_code_shape"),
        (7, "parent_code", "parent_prefix"),
        (11, "parent_code", "parent_prefix"),  # 潜江市 is not under 湖南省
    ]
    # 429004 仙桃市 directly under its province and the 430972 zone are fine.
    assert {"429004", "430972"} <= set(data.table("regions")["region_code"])


def test_unknown_parent(tiny):
    regions = with_row(tiny["regions"], region_code="431102", parent_code="431100", level="县")
    assert rules_of(load(regions=regions), "regions") == [(6, "parent_code", "unknown_parent")]


def test_bad_uscc_shape_is_rejected(tiny):
    ent = with_row(tiny["enterprises"], enterprise_id="91430902MA4L0000")
    data = load(regions=tiny["regions"], enterprises=ent)
    assert rules_of(data, "enterprises") == [(3, "enterprise_id", "uscc_shape")]


def test_bad_uscc_check_character_warns_or_rejects_when_strict(tiny):
    bad = ENT_A[:17] + ("0" if ENT_A[17] != "0" else "1")
    ent = with_row(tiny["enterprises"], enterprise_id=bad)
    data = load(regions=tiny["regions"], enterprises=ent)
    assert data.rejected.height == 0
    assert data.warnings.select("table", "row", "rule").rows() == [("enterprises", 3, "uscc_check")]
    assert data.table("enterprises").height == 3
    strict = validate_frames(
        {"regions": tiny["regions"], "enterprises": ent}, as_of=AS_OF, strict_codes=True
    )
    assert rules_of(strict, "enterprises") == [(3, "enterprise_id", "uscc_check")]
    assert strict.strict_codes


def test_end_before_start(tiny):
    officials = pl.DataFrame(
        {
            "official_id": ["P1"],
            "name": ["甲"],
            "region_code": ["430900"],
            "role": ["政府主要负责人"],
            "department": [None],
            "portfolio": [None],
            "start_on": ["2024-06-01"],
            "end_on": ["2024-01-01"],
        }
    )
    data = load(regions=tiny["regions"], officials=officials)
    assert rules_of(data, "officials") == [(1, "end_on", "end_before_start")]


def test_unknown_official_in_duty_records(tiny):
    officials = pl.DataFrame(
        {
            "official_id": ["P1"],
            "name": ["甲"],
            "region_code": ["430900"],
            "role": ["政府主要负责人"],
            "department": [None],
            "portfolio": [None],
        }
    )
    duty = pl.DataFrame(
        {
            "official_id": ["P1", "P9"],
            "year": ["2024", "2024"],
            "activity": ["研究部署", "督导检查"],
            "count": ["4", "2"],
        }
    )
    data = load(regions=tiny["regions"], officials=officials, duty_records=duty)
    assert rules_of(data, "duty_records") == [(2, "official_id", "unknown_official")]


def test_several_failures_in_one_row_each_reported(tiny):
    acc = with_row(
        tiny["accidents"], accident_id="A9", deaths=-2, sector="航空", occurred_on="2030-01-01"
    )
    data = load(regions=tiny["regions"], accidents=acc)
    assert sorted(r for _, _, r in rules_of(data, "accidents")) == [
        "enum",
        "future_date",
        "non_negative",
    ]
    assert data.table("accidents").height == 3
    assert_nothing_lost(data)


# --- references to rejected rows: kept with a warning ------------------------------------------


def test_reference_to_rejected_enterprise_is_kept_with_warning(tiny):
    ent = tiny["enterprises"].with_columns(
        pl.when(pl.col("enterprise_id") == ENT_A)
        .then(pl.lit("-5"))
        .otherwise("employees")
        .alias("employees")
    )
    data = load(regions=tiny["regions"], enterprises=ent, accidents=tiny["accidents"])
    assert rules_of(data, "enterprises") == [(1, "employees", "non_negative")]
    assert data.table("accidents").height == 3
    warn = data.warnings.filter(pl.col("table") == "accidents")
    assert warn.select("row", "column", "rule").rows() == [
        (1, "enterprise_id", "reference_rejected")
    ]


def test_reference_to_rejected_region_is_kept_with_warning(tiny):
    regions = tiny["regions"].with_columns(
        pl.when(pl.col("region_code") == "430971")
        .then(pl.lit("乡"))
        .otherwise("level")
        .alias("level")
    )
    data = load(regions=regions, accidents=tiny["accidents"])
    assert rules_of(data, "regions") == [(5, "level", "enum")]
    assert data.table("accidents").height == 3
    warn = data.warnings.filter(pl.col("rule") == "reference_rejected")
    assert warn.select("table", "row", "column").rows() == [("accidents", 3, "region_code")]


def test_absent_regions_table_warns_that_references_were_not_checked(tiny):
    data = load(accidents=tiny["accidents"])
    assert data.table("accidents").height == 3
    notes = data.warnings.filter(pl.col("rule") == "references_not_checked")
    assert set(notes["column"]) == {"region_code", "enterprise_id"}


# --- whole-table problems: DatasetError --------------------------------------------------------


def test_unknown_table_name(tiny):
    with pytest.raises(DatasetError, match="foo"):
        validate_frames({"foo": tiny["regions"]}, as_of=AS_OF)


def test_missing_required_column(tiny):
    with pytest.raises(DatasetError, match=r"deaths.*死亡人数"):
        load(regions=tiny["regions"], accidents=tiny["accidents"].drop("deaths"))


def test_unknown_column_warns_once(tiny):
    acc = tiny["accidents"].with_columns(pl.lit("x").alias("备注"))
    data = load(regions=tiny["regions"], accidents=acc)
    assert data.rejected.height == 0
    notes = data.warnings.filter(pl.col("rule") == "unknown_column")
    assert notes.select("table", "row", "column").rows() == [("accidents", 0, "备注")]


def test_rejected_schema(tiny):
    acc = with_row(tiny["accidents"], accident_id="A9", deaths="x")
    data = load(regions=tiny["regions"], accidents=acc)
    assert data.rejected.schema == pl.Schema(REJECTED_SCHEMA)
    assert data.warnings.schema == pl.Schema(REJECTED_SCHEMA)


# --- the invariant: rows read = rows kept + distinct rows rejected ------------------------------

_BAD_CELLS = {
    "deaths": ["-1", "x", None, "1.5", "3"],
    "sector": ["航空", None, "煤矿"],
    "occurred_on": ["2031-01-01", "2024-13-01", "yesterday", None, "2024-02-29"],
    "region_code": ["999999", "43", None, "430903"],
    "accident_id": ["A1", "A2", None, "Z"],
    "enterprise_id": [ENT_B, "914403001922038216", "bad", None],
    "concealed": ["maybe", "是", None],
    "direct_loss_10k_yuan": ["-0.5", "1e3", "abc"],
}


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(sorted(_BAD_CELLS)),
            st.integers(min_value=0, max_value=4),
            max_size=4,
        ),
        max_size=8,
    )
)
def test_nothing_is_lost(bad_rows):
    tables = tiny_tables()
    acc = tables["accidents"]
    rows = acc.to_dicts()
    for i, changes in enumerate(bad_rows):
        row = dict(rows[i % len(rows)], accident_id=f"X{i}")
        for col, pick in changes.items():
            options = _BAD_CELLS[col]
            row[col] = options[pick % len(options)]
        rows.append(row)
    acc = pl.DataFrame(rows, schema=acc.schema)
    data = validate_frames({**tables, "accidents": acc}, as_of=AS_OF)
    assert data.rows_read["accidents"] == acc.height
    assert_nothing_lost(data)
    # The three good rows are kept, unless a bad row shares their key (a conflicting
    # duplicate rejects every row of its key).
    reused = set(acc["accident_id"].slice(3).drop_nulls())
    assert {"A1", "A2", "A3"} - reused <= set(data.table("accidents")["accident_id"])
    # Every rejected row names a rule and a Chinese message.
    assert data.rejected["rule"].null_count() == 0
    assert data.rejected["message"].null_count() == 0
    # Kept rows satisfy their dataframely schema.
    assert SCHEMAS["accidents"].is_valid(data.table("accidents"))


def test_uscc_helper():
    assert uscc("91430902MA4L00001") == ENT_A


def test_codes_and_numbers_are_nfkc_normalised_but_free_text_is_not():
    """Full-width digits and Excel's ="…" marker read as codes; names keep their brackets."""
    regions = pl.DataFrame(
        {
            "区划代码": ["４３０９００", '="430902"'],
            "名称": ["益阳市（本级）", " 资阳区 "],
            "上级区划代码": [None, "'430900"],
            "级别": ["市", "县"],
        }
    )
    data = validate_frames({"regions": regions}, as_of="2025-01-01")
    assert data.rejected.height == 0, data.rejected
    kept = data.table("regions")
    assert kept["region_code"].to_list() == ["430900", "430902"]
    assert kept["parent_code"].to_list() == [None, "430900"]
    assert kept["name"].to_list() == ["益阳市（本级）", "资阳区"]
