"""assess(), Assessment.explain and compare_assessments; then the properties of the
annual assessment over small generated datasets: scores within
[0, 100], score == 100 + Σ points, a veto means 不合格, making one row worse never
raises a score, and row order never changes a result."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import polars as pl
import pytest
from builders import frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_annual import AS_OF, CITY, D, H, N, Z, accident, dataset, with_params

from accountability.assessment import Assessment, assess
from accountability.compare import compare_assessments
from accountability.dataset import Dataset
from accountability.scorers.annual import ITEM_ORDER

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "yiyang-2024"
FRAMES = ("regions", "enterprises", "cases", "officials", "departments", "line_items")


def _canonical_points(result: Assessment, region: str) -> list[float]:
    """A region's points in the canonical order: ITEM_ORDER, then reason, points, basis."""
    order = {rule: i for i, rule in enumerate(ITEM_ORDER)}
    rows = result.line_items.filter(
        (pl.col("subject_type") == "region") & (pl.col("subject_id") == region)
    ).rows(named=True)
    rows.sort(key=lambda r: (order[r["rule_id"]], r["reason"], r["points"], r["basis"]))
    return [r["points"] for r in rows]


def _sums_hold(result: Assessment) -> None:
    """score == base + Σ points, exactly: the points added to the base one by one in the
    canonical order (Python's ``sum(points, base)``)."""
    for code, score in result.regions.select("region_code", "score").iter_rows():
        if score is None:
            continue
        points = _canonical_points(result, code)
        assert score == sum(points, 100.0), (code, score, points)
        assert score == pytest.approx(100 + sum(points), abs=1e-9)


# --- a small full dataset --------------------------------------------------------------------


def _small() -> Dataset:
    ents = [
        {
            "enterprise_id": f"E{i}",
            "name": f"企业{i}",
            "region_code": r,
            "sector": "工矿商贸其他",
            "license_required": True,
            "standardization_level": lv,
        }
        for i, (r, lv) in enumerate([(Z, "三级"), (Z, None), (H, "一级"), (N, None)])
    ]
    return dataset(
        accidents=[
            accident("W1", N, D(2024, 10, 5), deaths=3, sector="水上交通"),
            accident("G1", Z, D(2024, 3, 1), deaths=1, reported_late=True),
            accident("P1", Z, D(2023, 3, 1), deaths=1),
        ],
        enterprises=ents,
        cases=[
            {
                "case_id": "K1",
                "enterprise_id": "E0",
                "region_code": Z,
                "department": "应急管理局",
                "found_on": D(2024, 4, 1),
                "unlawful": True,
                "suspended": False,
            },
            {
                "case_id": "K2",
                "enterprise_id": "E2",
                "region_code": H,
                "department": "应急管理局",
                "found_on": D(2024, 4, 1),
                "unlawful": True,
                "suspended": True,
                "fine_yuan": 10.0,
                "fine_max_yuan": 10.0,
            },
        ],
        inspections=[
            {
                "inspection_id": "I1",
                "enterprise_id": "E0",
                "region_code": Z,
                "department": "应急管理局",
                "inspected_on": D(2024, 4, 1),
            },
        ],
        hazards=[
            {
                "hazard_id": "Y1",
                "region_code": Z,
                "sector": "工矿商贸其他",
                "level": "一般",
                "found_on": D(2024, 1, 1),
                "due_on": D(2024, 2, 1),
                "rectified_on": D(2024, 3, 1),
            },
        ],
        officials=[
            {"official_id": "O1", "name": "甲", "region_code": CITY, "role": "党委主要负责人"},
            {"official_id": "O2", "name": "乙", "region_code": Z, "role": "政府主要负责人"},
            {
                "official_id": Z,
                "name": "丙",
                "region_code": Z,
                "role": "分管负责人",
                "portfolio": ["水上交通"],
            },
        ],
        duty_records=[
            {"official_id": "O1", "year": 2024, "activity": "研究部署", "count": 4},
            {"official_id": "O1", "year": 2024, "activity": "督导检查", "count": 2},
        ],
        work_items=[
            {"region_code": N, "year": 2024, "item": "培训", "target": 4.0, "achieved": 2.0}
        ],
    )


def test_assess_runs_every_scorer_and_keeps_its_provenance():
    result = assess(_small(), year=2024)
    assert result.regions.columns[:4] == ["region_code", "name", "level", "parent_code"]
    assert result.regions["region_code"].to_list() == sorted([CITY, Z, H, N])
    assert set(result.line_items["scorer"]) >= {"annual", "four_musts", "dual_duty"}
    assert result.cases["case_id"].to_list() == ["K1", "K2"]
    assert result.enterprises.height == 4 and result.officials.height == 3
    from accountability.rulebook import rulebook

    assert result.fingerprint == rulebook().fingerprint
    assert result.rulebook_name == rulebook().name
    assert result.schema_version == "1" and result.as_of == AS_OF
    import accountability

    assert result.library_version == accountability.__version__
    _sums_hold(result)
    n = result.regions.filter(pl.col("region_code") == N).row(0, named=True)
    assert n["grade"] != "优秀"  # a 较大 accident


def test_missing_tables_give_empty_frames_with_columns():
    data = dataset(accidents=[accident("W1", N, D(2024, 10, 5), deaths=3)])
    result = assess(data, year=2024)
    assert result.cases.height == 0 and "required_close" in result.cases.columns
    assert result.officials.height == 0 and "fulfilment" in result.officials.columns
    assert result.enterprises.height == 0 and "risk_class" in result.enterprises.columns
    assert result.regions["incomplete"].all()
    assert result.regions.filter(pl.col("region_code") == N)[
        "unassessed_sections"
    ].item().to_list() == ["B", "C", "D", "E"]
    _sums_hold(result)


def test_explain_a_region_traces_every_number():
    result = assess(_small(), year=2024)
    text = result.explain(N)
    assert "[A4 较大及以上事故] −4 分" in text and "W1" in text
    score = result.regions.filter(pl.col("region_code") == N)["score"].item()
    total = text.strip().splitlines()[-1]
    shown = f"{round(score, 2):.2f}".rstrip("0").rstrip(".")
    assert total.startswith("合计：基础分 100") and total.endswith(f"= {shown} 分")
    assert "依据：" in text


def test_explain_a_case_shows_required_and_taken_measures():
    text = assess(_small(), year=2024).explain("K1")
    assert "停产整顿（强制措施；国办发明电〔2012〕10号（四个一律））：应当，未执行" in text
    assert (
        "关闭取缔（强制措施；国办发明电〔2012〕10号（四个一律）；《安全生产法》(2021)第一百一十三条"
        in text
    )
    assert "按日连续处罚（裁量措施，不计入执行率；《安全生产法》(2021)第一百一十二条" in text
    assert "结论：未执行到位" in text


def test_explain_ids_that_clash_and_ids_that_do_not_exist():
    result = assess(_small(), year=2024)
    with pytest.raises(LookupError, match="subject_type"):
        result.explain(Z)  # a region and an official share the id
    assert "分管负责人" in result.explain(Z, "official")
    assert "资阳区" in result.explain(Z, subject_type="region")
    with pytest.raises(LookupError, match="地区 region"):
        result.explain("nobody")
    with pytest.raises(LookupError, match=f"没有编号为 '{Z}' 的企业"):
        result.explain(Z, "enterprise")  # an id of other kinds, asked as a kind it is not
    with pytest.raises(LookupError, match="未知的对象类型"):
        result.explain(Z, "province")


def test_explain_shortens_evidence_on_screen_only():
    accs = [accident(f"L{i:02d}", Z, D(2024, 1, 1 + i), reported_late=True) for i in range(8)]
    result = assess(dataset(accidents=accs), year=2024)
    assert "L00、L01、L02、L03、L04 等 8 项" in result.explain(Z)
    a5 = result.line_items.filter((pl.col("subject_id") == Z) & (pl.col("rule_id") == "A5"))
    assert a5["evidence"].item().len() == 8


def test_compare_assessments_lists_who_changes():
    data = _small()
    a = assess(data, year=2024)
    b = assess(data, with_params(annual__a4_points_per_accident=30.0), year=2024)
    diff = compare_assessments(a, b)
    assert N in diff["region_code"].to_list()
    n = diff.filter(pl.col("region_code") == N).row(0, named=True)
    assert "grade" in n["changes"]
    assert {"rule_id": "A4", "points_a": -4.0, "points_b": -30.0} in n["line_items"]
    assert compare_assessments(a, a).height == 0
    assert compare_assessments(a, a, all_regions=True).height == 4


# --- the Yiyang fixture -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def yiyang() -> tuple[Dataset, Assessment]:
    if not (FIXTURE / "regions.csv").exists():
        pytest.skip("fixtures/yiyang-2024 not generated")
    from accountability.tables import load_dataset

    data = load_dataset(FIXTURE)
    return data, assess(data, year=2024)


def test_fixture_water_accident_county_loses_a4_and_is_not_excellent(yiyang):
    data, result = yiyang
    accs = data.table("accidents")
    water = accs.filter(
        (pl.col("occurred_on") == dt.date(2024, 10, 5)) & (pl.col("sector") == "水上交通")
    ).row(0, named=True)
    county = water["region_code"]
    a4 = result.line_items.filter(
        (pl.col("subject_type") == "region")
        & (pl.col("subject_id") == county)
        & (pl.col("rule_id") == "A4")
    ).row(0, named=True)
    assert a4["points"] <= -4.0 and water["accident_id"] in a4["evidence"]
    region = result.regions.filter(pl.col("region_code") == county).row(0, named=True)
    assert region["grade"] != "优秀"
    assert region["level"] == "县"


def test_fixture_every_region_sums_to_its_score_and_explains_it(yiyang):
    _, result = yiyang
    _sums_hold(result)
    for code, score in result.regions.select("region_code", "score").iter_rows():
        last = result.explain(code, "region").strip().splitlines()[-1]
        shown = f"{round(score, 2):.2f}".rstrip("0").rstrip(".")
        assert last.startswith("合计：基础分 100") and last.endswith(f"= {shown} 分")


# --- properties over generated datasets --------------------------------------------------------

COUNTIES = [Z, H, N]
ENTS = ["E0", "E1", "E2", "E3"]
SECTORS = ["道路交通", "水上交通", "煤矿", "建筑施工", "工矿商贸其他"]


def _day(year: int) -> st.SearchStrategy[dt.date]:
    return st.integers(0, 364).map(lambda k: dt.date(year, 1, 1) + dt.timedelta(days=k))


@st.composite
def datasets(draw: Any) -> Dataset:
    region = st.sampled_from([CITY, *COUNTIES])
    accs = []
    for i in range(draw(st.integers(0, 6))):
        accs.append(
            {
                "accident_id": f"A{i}",
                "region_code": draw(region),
                "sector": draw(st.sampled_from(SECTORS)),
                "occurred_on": draw(_day(draw(st.sampled_from([2023, 2024, 2024])))),
                "deaths": draw(st.integers(0, 4)),
                "missing": draw(st.integers(0, 1)),
                "serious_injuries": draw(st.integers(0, 12)),
                "direct_loss_10k_yuan": draw(
                    st.floats(0, 1500, allow_nan=False).map(lambda x: round(x, 2))
                ),
                "reported_late": draw(st.booleans()),
                "concealed": draw(st.booleans().filter(lambda b: True))
                and draw(st.booleans())
                and draw(st.booleans()),
                "liability": draw(st.sampled_from([True, True, True, False])),
            }
        )
    ents = [
        {
            "enterprise_id": e,
            "name": e,
            "region_code": draw(st.sampled_from(COUNTIES)),
            "sector": "工矿商贸其他",
            "license_required": draw(st.booleans()),
            "licensed": draw(st.booleans()),
            "standardization_level": draw(st.sampled_from(["一级", "二级", "三级", None])),
        }
        for e in ENTS
    ]
    cases = []
    for i in range(draw(st.integers(0, 5))):
        cases.append(
            {
                "case_id": f"K{i}",
                "enterprise_id": draw(st.sampled_from(ENTS)),
                "region_code": draw(region),
                "department": "应急管理局",
                "found_on": draw(_day(2024)),
                "illegal": draw(st.booleans()),
                "unlawful": draw(st.booleans()),
                "criminal": draw(st.booleans()),
                "major_hazard": draw(st.booleans()),
                "suspended": draw(st.booleans()),
                "closed": draw(st.booleans()),
                "transferred": draw(st.booleans()),
                "fine_yuan": draw(st.sampled_from([0.0, 5.0, 10.0])),
                "fine_max_yuan": 10.0,
            }
        )
    insp = [
        {
            "inspection_id": f"I{i}",
            "enterprise_id": draw(st.sampled_from(ENTS)),
            "region_code": draw(region),
            "department": "应急管理局",
            "inspected_on": draw(_day(2024)),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    hz = []
    for i in range(draw(st.integers(0, 6))):
        found = draw(_day(2024))
        due = found + dt.timedelta(days=draw(st.integers(0, 200)))
        done = draw(
            st.one_of(
                st.none(), st.integers(0, 60).map(lambda k, f=found: f + dt.timedelta(days=k))
            )
        )
        hz.append(
            {
                "hazard_id": f"Y{i}",
                "region_code": draw(region),
                "sector": "工矿商贸其他",
                "level": draw(st.sampled_from(["一般", "重大"])),
                "found_on": found,
                "due_on": due,
                "rectified_on": done,
                "listed": draw(st.booleans()),
                "five_in_place": draw(st.booleans()),
            }
        )
    officials = [
        {"official_id": "O1", "name": "甲", "region_code": CITY, "role": "党委主要负责人"},
        {"official_id": "O2", "name": "乙", "region_code": Z, "role": "政府主要负责人"},
        {
            "official_id": "O3",
            "name": "丙",
            "region_code": H,
            "role": "部门负责人",
            "department": "应急管理局",
        },
    ]
    duty = [
        {"official_id": o, "year": 2024, "activity": a, "count": draw(st.integers(0, 5))}
        for o in ("O1", "O2", "O3")
        for a in ("研究部署", "督导检查")
    ]
    work = [
        {
            "region_code": draw(region),
            "year": 2024,
            "item": f"w{i}",
            "target": draw(st.sampled_from([0.0, 2.0, 5.0])),
            "achieved": draw(st.sampled_from([0.0, 1.0, 6.0])),
        }
        for i in range(draw(st.integers(0, 3)))
    ]
    targets = [
        {
            "region_code": Z,
            "year": 2024,
            "indicator": "deaths",
            "limit": float(draw(st.integers(0, 4))),
        }
    ]
    stats = [
        {
            "region_code": Z,
            "year": 2024,
            "gdp_100m_yuan": 50.0,
            "industry_employees": 10000,
            "motor_vehicles": 20000,
        }
    ]
    tables = dict(
        accidents=accs,
        enterprises=ents,
        cases=cases,
        inspections=insp,
        hazards=hz,
        officials=officials,
        duty_records=duty,
        work_items=work,
        targets=targets,
        region_stats=stats,
    )
    # sometimes a table is missing: the rescale
    drop = draw(st.sampled_from([None, None, None, "cases", "hazards", "work_items"]))
    if drop:
        tables.pop(drop)
    return dataset(**tables)


SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(datasets())
def test_scores_are_bounded_sums_of_line_items_and_veto_means_fail(data: Dataset):
    result = assess(data, year=2024)
    scores = result.regions["score"].drop_nulls()
    assert ((scores >= 0) & (scores <= 100)).all()
    _sums_hold(result)
    assert (result.regions.filter(pl.col("vetoed"))["grade"] == "不合格").all()
    zero = assess(data, with_params(annual__veto_effect="zero"), year=2024)
    assert (zero.regions.filter(pl.col("vetoed"))["score"] == 0).all()
    _sums_hold(zero)


def _shuffled(data: Dataset, seed: int) -> Dataset:
    return Dataset(
        tables={k: v.sample(fraction=1.0, shuffle=True, seed=seed) for k, v in data.tables.items()},
        as_of=data.as_of,
    )


@SETTINGS
@given(datasets(), st.integers(0, 2**31))
def test_row_order_never_changes_a_result(data: Dataset, seed: int):
    a, b = assess(data, year=2024), assess(_shuffled(data, seed), year=2024)
    for name in FRAMES:
        assert getattr(a, name).equals(getattr(b, name)), name


def _worse(data: Dataset, how: str, k: int) -> Dataset | None:
    """One row made worse, or None when the dataset has no row to worsen that way."""
    in_year = pl.col("occurred_on").dt.year() == 2024
    if how == "death" and data.has("accidents"):
        acc = data.table("accidents").with_row_index("_i")
        rows = acc.filter(in_year)["_i"]
        if rows.len():
            i = rows[k % rows.len()]
            acc = acc.with_columns(
                pl.when(pl.col("_i") == i).then(pl.col("deaths") + 1).otherwise(pl.col("deaths"))
            )
            return data.replace(accidents=acc.drop("_i"))
    if how == "late" and data.has("accidents"):
        acc = data.table("accidents").with_row_index("_i")
        rows = acc.filter(in_year & ~pl.col("reported_late"))["_i"]
        if rows.len():
            i = rows[k % rows.len()]
            acc = acc.with_columns(
                (pl.col("reported_late") | (pl.col("_i") == i)).alias("reported_late")
            )
            return data.replace(accidents=acc.drop("_i"))
    if how == "rectification" and data.has("hazards"):
        hz = data.table("hazards").with_row_index("_i")
        rows = hz.filter(
            pl.col("rectified_on").is_not_null() & (pl.col("rectified_on") <= pl.col("due_on"))
        )["_i"]
        if rows.len():
            i = rows[k % rows.len()]
            later = pl.col("due_on") + pl.duration(days=1 + k % 400)
            hz = hz.with_columns(
                pl.when(pl.col("_i") == i)
                .then(later)
                .otherwise(pl.col("rectified_on"))
                .alias("rectified_on")
            )
            return data.replace(hazards=hz.drop("_i"))
    if how == "measure" and data.has("cases"):
        cs = data.table("cases").with_row_index("_i")
        col = ("closed", "suspended", "transferred")[k % 3]
        rows = cs.filter(pl.col(col))["_i"]
        if rows.len():
            i = rows[k % rows.len()]
            cs = cs.with_columns((pl.col(col) & (pl.col("_i") != i)).alias(col))
            return data.replace(cases=cs.drop("_i"))
    return None


@SETTINGS
@given(
    datasets(), st.sampled_from(["death", "late", "rectification", "measure"]), st.integers(0, 1000)
)
def test_making_one_row_worse_never_raises_a_score(data: Dataset, how: str, k: int):
    worse = _worse(data, how, k)
    if worse is None:
        return
    before = assess(data, year=2024).regions.select("region_code", "score")
    after = assess(worse, year=2024).regions.select("region_code", pl.col("score").alias("after"))
    for _code, s, t in before.join(after, on="region_code").iter_rows():
        if s is not None:
            assert t <= s + 1e-9


def test_explain_wraps_to_the_screen_width_without_splitting_ids():
    accs = [accident(f"SG2024{i:05d}", Z, D(2024, 1, 1 + i), reported_late=True) for i in range(8)]
    text = assess(dataset(accidents=accs), year=2024).explain(Z, width=60)
    from accountability.terminal import cells

    lines = text.splitlines()
    assert all(cells(line) <= 60 for line in lines)
    assert "SG202400004" in text and "8 项" in text
    assert not any(line.lstrip().startswith(("，", "；", "。", "）")) for line in lines)


def test_explain_names_the_grade_cap_the_veto_and_the_or_worse_counts():
    accs = [
        accident("W1", N, D(2024, 10, 5), deaths=3),
        accident("W2", N, D(2024, 11, 5), deaths=12),
        accident("L1", Z, D(2024, 3, 5), deaths=4),
    ]
    result = assess(dataset(accidents=accs), year=2024)
    n = result.explain(N)
    assert "等次 不合格（一票否决）" in n
    assert "黄牌警告：较大及以上事故 2 起（W1、W2），县级达到 2 起即黄牌警告" in n
    assert "一票否决：重大及以上事故 1 起（W2），县级达到 1 起即一票否决" in n
    z = result.explain(Z)
    assert "等次 良好（等次上限）" in z
    assert "等次上限：发生较大及以上事故 1 起（L1），等次由优秀限为良好" in z
    assert "同级排名 2/3" in z  # 赫山区 100, 资阳区 90, then 南县 (vetoed) last
    assert "分项得分（封顶后/满分）：A 事故控制 36/40" in z


def test_adjustments_no_score_can_take_are_warnings_not_silent_drops():
    import builders

    data = _small()
    adjustments = builders.frame(
        "adjustments",
        [
            {
                "subject_type": "region",
                "subject_id": "999999",
                "year": 2024,
                "points": 2.0,
                "reason": "不存在的地区",
                "basis": "市安委会决定",
            },
            {
                "subject_type": "official",
                "subject_id": "P1",
                "year": 2024,
                "points": 1.0,
                "reason": "干部没有得分",
                "basis": "市安委会决定",
            },
            {
                "subject_type": "region",
                "subject_id": "888888",
                "year": 2023,
                "points": 1.0,
                "reason": "别的年度",
                "basis": "市安委会决定",
            },
        ],
    )
    result = assess(data.replace(adjustments=adjustments), year=2024)
    warned = result.warnings.filter(pl.col("rule") == "adjustment_not_applied")
    assert warned["value"].to_list() == ["region:999999", "official:P1"]
    assert "不存在" in warned["message"][0] and "没有得分" in warned["message"][1]
    assert not result.line_items["reason"].str.contains("不存在的地区").any()


def test_departments_the_map_does_not_know_are_warnings():
    data = _small()
    cases = data.table("cases")
    renamed = cases.with_columns(
        pl.when(pl.col("case_id") == cases["case_id"][0])
        .then(pl.lit("安监站"))
        .otherwise(pl.col("department"))
        .alias("department")
    )
    result = assess(data.replace(cases=renamed), year=2024)
    warned = result.warnings.filter(pl.col("rule") == "unknown_department")
    assert warned.select("table", "value").rows() == [("cases", "安监站")]
    assert "sectors.departments" in warned["message"].item()


def test_a_year_after_as_of_is_an_error_and_an_unfinished_year_a_warning():
    from accountability.errors import DatasetError

    data = _small()
    with pytest.raises(DatasetError, match=f"晚于数据截止日 {data.as_of}"):
        assess(data, year=data.as_of.year + 1)
    # a year with data that had not ended on as_of: a warning (a year without any is refused)
    early = attrs.evolve(
        data,
        tables={
            **data.tables,
            "accidents": pl.concat(
                [data.table("accidents"), frame("accidents", [accident("Y1", Z, data.as_of)])]
            ),
        },
    )
    if data.as_of < dt.date(data.as_of.year, 12, 31):
        result = assess(early, year=data.as_of.year)
        assert "year_not_ended" in result.warnings["rule"].to_list()
        with pytest.raises(DatasetError, match="没有考核期"):
            assess(data, year=data.as_of.year)
    assert "year_not_ended" not in assess(data, year=2024).warnings["rule"].to_list()
