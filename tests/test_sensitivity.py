"""Rank robustness under the rulebook's choices (`accountability.sensitivity`).

Each draw is a valid rulebook scored exactly as `assess` would: with no variation the
intervals are the point ranks and the scores `assess`'s; a draw's scores, grades,
ranks and vetoes are those of `assess` under that draw's rulebook (caps, rescale,
bands, grade cap, veto and veto.zero re-applied); a score on a band edge is near the
threshold; the same seed gives the same result; a bad vary file is exit 2.
"""

from __future__ import annotations

import attrs
import polars as pl
import pytest
from typer.testing import CliRunner

from accountability.assessment import assess
from accountability.cli import app
from accountability.errors import RulebookError
from accountability.rulebook import load_rulebook
from accountability.sensitivity import (
    Vary,
    check_vary,
    default_vary,
    parse_vary,
    read_vary,
    sensitivity,
)
from tests.conftest import YIYANG, rule_file

YEAR = 2024
runner = CliRunner()
COLUMNS = ["region_code", "score", "grade", "rank", "vetoed"]
# the rules the fast path probes (B1, C4), re-evaluates per draw (A2) and re-applies
# per draw (weights, bands), each varied
MIXED = {
    "annual.section_weights": {"factor": [0.6, 1.4]},
    "annual.grade_bands": {"shift": [-3, 3]},
    "annual.b1_points": {"factor": [0.5, 1.5]},
    "annual.c4_points_per_hazard": {"range": [0, 4]},
    "annual.a2_points_rise": {"factor": [0.5, 1.5]},
}


def assessed(data, rules) -> pl.DataFrame:
    return assess(data, rules, year=YEAR).regions.select(COLUMNS).sort("region_code")


def draw_of(result, draw: int) -> pl.DataFrame:
    return result.draws.filter(pl.col("draw") == draw).select(COLUMNS).sort("region_code")


@pytest.fixture(scope="module")
def mixed(yiyang_data):
    return sensitivity(yiyang_data, year=YEAR, vary=MIXED, n=12, seed=7)


# --- no variation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vary",
    [(), {k: {"factor": [1, 1]} for k in MIXED if k != "annual.grade_bands"}],
    ids=["nothing varied", "factors of 1"],
)
def test_without_variation_every_draw_is_the_assessment(yiyang_data, yiyang_2024, vary):
    result = sensitivity(yiyang_data, year=YEAR, vary=vary, n=3, seed=1)
    point = yiyang_2024.regions.select(COLUMNS).sort("region_code")
    for draw in range(3):
        assert draw_of(result, draw).equals(point)  # scores equal to the last bit
    regions = result.regions
    scored = regions.filter(pl.col("rank").is_not_null())
    assert scored.height == point.filter(pl.col("rank").is_not_null()).height
    assert (scored["rank_p05"] == scored["rank"]).all()
    assert (scored["rank_p95"] == scored["rank"]).all()
    assert (scored["median_rank"] == scored["rank"]).all()
    assert (scored["score_p05"] == scored["score"].round(6)).all()
    assert scored["grade_stable"].all() and (scored["modal_grade"] == scored["grade"]).all()
    assert result.fast_path and result.notes == ()
    assert (result.parameters["variance_share"] == 0).all()


# --- near a threshold -----------------------------------------------------------------------


def test_a_score_on_a_band_edge_is_near_the_threshold(yiyang_data, yiyang_2024, tmp_path):
    """良好 starts exactly at 赫山区's score (rounded to 6 decimals, as grading reads it)."""
    edge = round(yiyang_2024.regions.filter(pl.col("region_code") == "430903")["score"][0], 6)
    book = load_rulebook(
        rule_file(
            tmp_path,
            "[annual.grade_bands]\nvalue = [\n"
            '  { grade = "优秀", min = 90.0 },\n'
            f'  {{ grade = "良好", min = {edge!r} }},\n'
            '  { grade = "合格", min = 60.0 },\n'
            '  { grade = "不合格", min = 0.0 },\n]\n'
            'basis = "测试"\n',
        )
    )
    result = sensitivity(yiyang_data, book, year=YEAR, vary=(), n=2)
    near = dict(zip(result.regions["region_code"], result.regions["near_threshold"], strict=True))
    assert near.pop("430903") is True
    assert not any(near.values())  # every other score is a point away from every edge
    row = result.regions.filter(pl.col("region_code") == "430903").row(0, named=True)
    assert row["grade"] == "良好" and row["score_p05"] == row["score_p95"] == edge


def test_near_threshold_is_an_edge_inside_the_score_interval(mixed):
    for row in mixed.regions.filter(pl.col("score").is_not_null()).iter_rows(named=True):
        inside = any(row["score_p05"] <= e <= row["score_p95"] for e in mixed.band_edges)
        assert row["near_threshold"] is inside
    assert mixed.band_edges == (90.0, 80.0, 60.0)


# --- each draw is assess under the draw's rulebook -------------------------------------------


def test_a_draw_is_assess_under_its_rulebook(yiyang_data, mixed):
    assert mixed.fast_path and mixed.rerun_rules == ("A2",)
    for draw in (0, 11):
        book = mixed.rulebook_of(draw)
        assert draw_of(mixed, draw).equals(assessed(yiyang_data, book))
    # the draw's rulebook is valid: weights renormalised to 100, bands in order
    weights = mixed.rulebook_of(11).for_year(YEAR)["annual.section_weights"]
    assert sum(weights.values()) == pytest.approx(100.0, abs=1e-9)
    mins = [b["min"] for b in mixed.rulebook_of(11).for_year(YEAR)["annual.grade_bands"]]
    assert mins == sorted(mins, reverse=True) and mins[-1] == 0.0


def test_grade_cap_rescale_veto_zero_and_veto_by_grade_are_reapplied(yiyang_data, tmp_path):
    """Without work items section E is not assessed (rescale); a vetoed score is 0; a
    不合格 grade is itself a veto; and a low 优秀 line lets the grade cap bite on the
    regions with a 较大 accident."""
    data = attrs.evolve(
        yiyang_data, tables={k: v for k, v in yiyang_data.tables.items() if k != "work_items"}
    )
    book = load_rulebook(
        rule_file(
            tmp_path,
            '[annual.veto_effect]\nvalue = "zero"\nbasis = "测试"\n\n'
            '[annual.veto_if_grade]\nvalue = ["不合格"]\nbasis = "测试"\n',
        )
    )
    low = [{"grade": "优秀", "min": 72}, {"grade": "良好", "min": 65},
           {"grade": "合格", "min": 50}, {"grade": "不合格", "min": 0}]  # fmt: skip
    usual = [dict(b) for b in book.for_year(YEAR)["annual.grade_bands"]]
    vary = {
        "annual.grade_bands": {"choices": [usual, low]},
        "annual.section_weights": {"factor": [0.5, 1.5]},
        "annual.c4_points_per_hazard": {"factor": [0.5, 1.5]},
    }
    result = sensitivity(data, book, year=YEAR, vary=vary, n=6, seed=3)
    assert result.fast_path
    chose_low = result.values.filter(
        (pl.col("component") == "annual.grade_bands") & (pl.col("value") == 1)
    )["draw"]
    draw = chose_low[0]
    full = assess(data, result.rulebook_of(draw), year=YEAR)
    assert full.regions["incomplete"].all()  # E not assessed: rescaled
    assert full.regions["grade_capped"].any()  # the cap bit under the low bands
    assert full.regions.filter(pl.col("vetoed"))["score"].to_list() == [0.0, 0.0]
    assert draw_of(result, draw).equals(full.regions.select(COLUMNS).sort("region_code"))
    other = next(d for d in range(6) if d not in chose_low.to_list())
    assert draw_of(result, other).equals(assessed(data, result.rulebook_of(other)))


def test_a_vetoed_region_stays_vetoed(mixed, yiyang_2024):
    vetoed = yiyang_2024.regions.filter(pl.col("vetoed"))["region_code"].to_list()
    assert vetoed == ["430900", "430922"]
    rows = mixed.draws.filter(pl.col("region_code").is_in(vetoed))
    assert rows["vetoed"].all() and (rows["grade"] == "不合格").all()
    # 桃江县 is ranked last of its 8 siblings in every draw
    assert (rows.filter(pl.col("region_code") == "430922")["rank"] == 8).all()
    summary = mixed.regions.filter(pl.col("region_code").is_in(vetoed))
    assert (summary["share_不合格"] == 1.0).all() and summary["grade_stable"].all()


# --- reproducible -------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_result(yiyang_data, mixed):
    again = sensitivity(yiyang_data, year=YEAR, vary=MIXED, n=12, seed=7)
    for name in ("regions", "parameters", "draws", "values"):
        assert getattr(again, name).equals(getattr(mixed, name)), name
    other = sensitivity(yiyang_data, year=YEAR, vary=MIXED, n=12, seed=8)
    assert not other.values.equals(mixed.values)
    assert not other.draws["score"].equals(mixed.draws["score"])


# --- per parameter ------------------------------------------------------------------------


def test_the_parameter_that_moves_the_ranks_takes_the_variance(yiyang_data):
    """C4 from 0 to 4 points per overdue 重大 hazard (dozens of them) moves the ranks;
    the band edges move no rank (a grade is no veto here) and B1's few points hardly
    any: they stay near the binning's noise floor (9 ÷ 59 ≈ 0.15)."""
    vary = {
        "annual.c4_points_per_hazard": {"range": [0, 4]},
        "annual.grade_bands": {"shift": [-3, 3]},
        "annual.b1_points": {"factor": [0.5, 1.5]},
    }
    result = sensitivity(yiyang_data, year=YEAR, vary=vary, n=60, seed=2)
    shares = dict(zip(result.parameters["component"], result.parameters["variance_share"],
                      strict=True))  # fmt: skip
    assert set(shares) == {
        "annual.c4_points_per_hazard",
        "annual.b1_points",
        *(f"annual.grade_bands.{g}" for g in ("优秀", "良好", "合格")),
    }
    assert result.parameters["component"][0] == "annual.c4_points_per_hazard"
    assert shares.pop("annual.c4_points_per_hazard") > 0.7
    assert all(0.0 <= v < 0.4 for v in shares.values())


def test_default_variation():
    keys = [v.key for v in default_vary()]
    assert keys[:2] == ["annual.section_weights", "annual.grade_bands"]
    assert "annual.b1_points" in keys and "annual.c4_points_per_hazard" in keys
    assert "annual.b3_points_per_gap" not in keys  # 0 in the rulebook: nothing to scale
    ways = {v.key: (v.how, v.low, v.high) for v in default_vary()}
    assert ways["annual.section_weights"] == ("factor", 0.75, 1.25)
    assert ways["annual.grade_bands"] == ("shift", -2.0, 2.0)
    assert ways["annual.d1_points"] == ("factor", 0.5, 1.5)


def test_another_key_runs_assess_per_draw_and_says_so(yiyang_data):
    vary = {"annual.veto_effect": {"choices": ["grade", "zero"]}}
    result = sensitivity(yiyang_data, year=YEAR, vary=vary, n=2, seed=4)
    assert not result.fast_path and "annual.veto_effect" in result.notes[0]
    zero = result.values.filter(pl.col("value") == 1)["draw"].to_list()
    assert zero and len(zero) < 2  # one draw of each choice
    vetoed = result.draws.filter(pl.col("vetoed"))
    assert (vetoed.filter(pl.col("draw").is_in(zero))["score"] == 0).all()


# --- the vary spec ------------------------------------------------------------------------


def test_a_vary_file_reads_as_the_rule_files_are_written(tmp_path):
    path = tmp_path / "vary.toml"
    path.write_text(
        "[annual.section_weights]\nfactor = [0.75, 1.25]\n\n"
        '["annual.b1_points"]\nrange = [7, 21]\n\n'
        '[annual.veto_effect]\nchoices = ["grade", "zero"]\n',
        encoding="utf-8",
    )
    entries = {v.key: v for v in read_vary(path)}
    assert {k: (v.how, v.low, v.high, v.choices) for k, v in entries.items()} == {
        "annual.section_weights": ("factor", 0.75, 1.25, ()),
        "annual.b1_points": ("range", 7.0, 21.0, ()),
        "annual.veto_effect": ("choices", None, None, ("grade", "zero")),
    }
    assert entries["annual.veto_effect"].where == f"{path}:7"  # its table's line
    assert parse_vary({"annual.b1_points": {"range": [7, 21]}}) == (
        Vary("annual.b1_points", "range", 7.0, 21.0),
    )


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"annual.b1_pionts": {"factor": [1, 2]}}, ["annual.b1_pionts", "annual.b1_points"]),
        ({"annual.b1_points": {"factor": [2, 1]}}, ["annual.b1_points", "大于上限"]),
        ({"annual.b1_points": {"factor": "x"}}, ["annual.b1_points", "两个数"]),
        ({"annual.b1_points": {"factor": [1, 2], "shift": [0, 1]}}, ["只能写一种"]),
        ({"annual.veto_effect": {"factor": [1, 2]}}, ["annual.veto_effect", "choices"]),
        ({"annual.veto_effect": {"choices": ["grade", "nope"]}}, ["'nope'", "veto_effect"]),
        ({"annual.b1_points": {"shift": [-20, 0]}}, ["annual.b1_points", "不能为负"]),
        ({"annual.b1_points": {"factor": [-1, 1]}}, ["factor 不能为负数"]),
    ],
)
def test_a_bad_variation_names_the_key_and_the_problem(spec, words):
    with pytest.raises(RulebookError) as caught:
        check_vary(parse_vary(spec))
    for word in words:
        assert word in str(caught.value)


# --- the command line ---------------------------------------------------------------------


def test_command_prints_each_peer_group_and_writes_the_regions(tmp_path):
    out = tmp_path / "robust.csv"
    args = ["sensitivity", str(YIYANG), "--year", "2024", "--n", "6", "--seed", "4"]
    result = runner.invoke(app, [*args, "--out", str(out)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    written = pl.read_csv(out, schema_overrides={"region_code": pl.String})
    assert written.height == 9 and written["rank_p05"].null_count() == 0
    lines = result.output.splitlines()
    assert max(len(line) for line in lines if line.isascii()) <= 80
    for row in written.iter_rows(named=True):
        lo, hi = row["rank_p05"], row["rank_p95"]
        interval = str(lo) if lo == hi else f"{lo}–{hi}"
        shown = [line.split() for line in lines if row["name"] in line.split()]
        assert [str(row["rank"]), row["name"], interval] in [cells[:3] for cells in shown]
    assert any(line.startswith("对名次方差贡献最大的参数") for line in lines)


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("[annual.b1_pionts]\nfactor = [0.5, 1.5]\n", "annual.b1_pionts"),
        ("[annual.b1_points]\nrange = [3, 1]\n", "大于上限"),
        ("[annual.veto_effect]\nshift = [0, 1]\n", "choices"),
        ("[annual.b1_points\nfactor = 1\n", "TOML"),
        (None, "找不到"),
    ],
    ids=["unknown key", "range upside down", "not a number", "TOML syntax", "no file"],
)
def test_a_bad_vary_file_is_exit_2_with_one_clear_line(tmp_path, body, word):
    vary = tmp_path / "vary.toml"
    if body is not None:
        vary.write_text(body, encoding="utf-8")
    args = ["sensitivity", str(YIYANG), "--year", "2024", "--vary", str(vary), "--n", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    message = [line for line in result.output.splitlines() if line.startswith("错误：")]
    assert len(message) == 1 and "抽样设置错误" in message[0] and word in message[0]
    assert "Traceback" not in result.output


def test_an_unknown_output_kind_is_exit_2(tmp_path):
    args = ["sensitivity", str(YIYANG), "--year", "2024", "--out", str(tmp_path / "x.txt")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and ".txt" in result.output


def test_command_writes_the_html_report_with_its_rank_intervals(tmp_path):
    out = tmp_path / "report.html"
    args = ["sensitivity", str(YIYANG), "--year", "2024", "--n", "4", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert '<section id="robustness">' in page and 'data-chart="rank_intervals"' in page
    assert page.count('<section id="ranking">') == 1  # the whole report, not the chart alone
