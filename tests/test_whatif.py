"""What-if (issue 19): the fewest actions within a region's control that lift it to the
next grade, computed from the rules' arithmetic, then checked by applying those actions
to the fixture's tables and assessing again.

Counties do not roll up into each other and grades do not depend on ranks, so the
actions of every county are applied together and the fixture is assessed once more.
"""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import accountability as acc
from accountability.cli import app
from accountability.rules.conditions import deadline
from accountability.rules.model import Context
from accountability.rules.registry import REGISTRY
from accountability.terminal import cells
from accountability.whatif import ACTION_SCHEMA, BLOCK_SCHEMA, fewest_actions
from accountability.wording import number_text
from tests.conftest import YIYANG, rule_file

YEAR = 2024
QUALIFIED = ("430923", "430971", "430981")  # the fixture's 合格 counties
REACHABLE = (*QUALIFIED, "430921", "430972")  # 良好 → 优秀 for the last two
SHORT_OF_ALL = "430903"  # 良好: every action it controls is not enough for 优秀


# --- applying actions to the tables, as a region would have taken them ------------------------


def _hazards_rectified(hazards: pl.DataFrame, chosen: pl.Expr) -> pl.DataFrame:
    """The chosen hazards rectified, and accepted, by their effective deadline."""
    due = deadline()
    late = pl.col("rectified_on").is_null() | (pl.col("rectified_on") > due)
    return hazards.with_columns(
        pl.when(chosen & late).then(due).otherwise(pl.col("rectified_on")).alias("rectified_on"),
        pl.when(chosen & (pl.col("verified_on") > due))
        .then(due)
        .otherwise(pl.col("verified_on"))
        .alias("verified_on"),
    )


def _measures_taken(cases: pl.DataFrame, result: acc.Assessment, ids: list[str]) -> pl.DataFrame:
    """Each mandatory measure the chosen cases require, taken: closed, fined at the
    ceiling (recorded where missing), suspended, transferred."""
    needs = result.cases.filter(pl.col("case_id").is_in(ids)).select(
        "case_id", "required_close", "required_penalty", "required_suspend",
        "required_accountability",
    )  # fmt: skip
    ceiling = pl.coalesce("fine_max_yuan", "fine_yuan")
    fined = pl.col("required_penalty").fill_null(False)
    return (
        cases.join(needs, on="case_id", how="left")
        .with_columns(
            (pl.col("closed") | pl.col("required_close").fill_null(False)).alias("closed"),
            (pl.col("suspended") | pl.col("required_suspend").fill_null(False)).alias("suspended"),
            (pl.col("transferred") | pl.col("required_accountability").fill_null(False)).alias(
                "transferred"
            ),
            pl.when(fined)
            .then(pl.max_horizontal("fine_yuan", ceiling))
            .otherwise(pl.col("fine_yuan"))
            .alias("fine_yuan"),
            pl.when(fined).then(ceiling).otherwise(pl.col("fine_max_yuan")).alias("fine_max_yuan"),
        )
        .select(cases.columns)
    )


def _items_done(work_items: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    wid = pl.concat_str(pl.col("region_code"), pl.lit(":"), pl.col("item"))
    chosen = (pl.col("year") == YEAR) & wid.is_in(ids)
    return work_items.with_columns(
        pl.when(chosen).then(pl.col("target")).otherwise(pl.col("achieved")).alias("achieved")
    )


def _duties_recorded(records: pl.DataFrame, owed: pl.DataFrame) -> pl.DataFrame:
    """`owed` (official_id, activity, count) added as duty records of the year."""
    rows = owed.select(
        "official_id", pl.lit(YEAR).alias("year"), "activity", pl.col("count")
    ).select([pl.col(c).cast(records.schema[c]) for c in records.columns])
    return pl.concat([records, rows])


def apply(data: acc.Dataset, result: acc.Assessment, actions: pl.DataFrame) -> acc.Dataset:
    """The dataset with `actions` (ACTION_SCHEMA rows) taken."""
    ids = {t: actions.filter(pl.col("table") == t) for t in ("hazards", "cases", "work_items")}
    duty = actions.filter(pl.col("table") == "duty_records").select(
        pl.col("row_id").str.split_exact(":", 1).struct.rename_fields(["official_id", "activity"]),
        pl.col("units").alias("count"),
    )
    hazards = data.table("hazards")
    chosen = pl.col("hazard_id").is_in(ids["hazards"]["row_id"].implode())
    return data.replace(
        hazards=_hazards_rectified(hazards, chosen),
        cases=_measures_taken(data.table("cases"), result, ids["cases"]["row_id"].to_list()),
        work_items=_items_done(data.table("work_items"), ids["work_items"]["row_id"].to_list()),
        duty_records=_duties_recorded(data.table("duty_records"), duty.unnest("row_id")),
    )


def apply_everything(data: acc.Dataset, result: acc.Assessment, code: str) -> acc.Dataset:
    """Every action the region controls taken: all its hazards on time, every measure its
    cases lack, every work item to target, every duty owed recorded."""
    failing = result.cases.filter(
        (pl.col("region_code") == code) & pl.col("requires_measure") & ~pl.col("compliant")
    )["case_id"].to_list()
    officials = result.officials.filter(pl.col("region_code") == code)["official_id"]
    owed = result.what_if_inputs.duties.filter(
        pl.col("official_id").is_in(officials.implode()) & (pl.col("done") < pl.col("required"))
    ).select("official_id", "activity", (pl.col("required") - pl.col("done")).alias("count"))
    items = data.table("work_items").filter(pl.col("region_code") == code)
    wids = items.select(pl.concat_str("region_code", pl.lit(":"), "item"))
    return data.replace(
        hazards=_hazards_rectified(data.table("hazards"), pl.col("region_code") == code),
        cases=_measures_taken(data.table("cases"), result, failing),
        work_items=_items_done(data.table("work_items"), wids.to_series().to_list()),
        duty_records=_duties_recorded(data.table("duty_records"), owed),
    )


def region(result: acc.Assessment, code: str) -> dict:
    return result.regions.filter(pl.col("region_code") == code).row(0, named=True)


# --- the fixture, its answers, and the fixture with the actions taken -----------------------


@pytest.fixture(scope="module")
def answers(yiyang_2024):
    return {code: yiyang_2024.what_if(code) for code in yiyang_2024.regions["region_code"]}


@pytest.fixture(scope="module")
def lifted(yiyang_data, yiyang_2024, answers):
    """The fixture with every reachable county's actions taken, and every action of
    430903 (which falls short), assessed again."""
    actions = pl.concat([answers[code].actions for code in REACHABLE])
    data = apply(yiyang_data, yiyang_2024, actions)
    data = apply_everything(data, yiyang_2024, SHORT_OF_ALL)
    return data, acc.assess(data, year=YEAR)


@pytest.fixture(scope="module")
def one_short(yiyang_data, yiyang_2024, answers):
    """The same, with the last action of each reachable county left out."""
    actions = pl.concat([answers[code].actions.head(-1) for code in REACHABLE])
    last = [answers[code].actions.tail(1) for code in REACHABLE]
    # a duty record row is several units: leave out one of them only
    trimmed = [
        a.with_columns(pl.col("units") - 1).filter(pl.col("units") > 0)
        for a in last
        if a["table"][0] == "duty_records"
    ]
    return acc.assess(apply(yiyang_data, yiyang_2024, pl.concat([actions, *trimmed])), year=YEAR)


# --- the qualified counties -------------------------------------------------------------------


@pytest.mark.parametrize("code", QUALIFIED)
def test_a_qualified_county_gets_the_actions_that_make_it_good(answers, code):
    w = answers[code]
    assert (w.grade, w.target_grade, w.target_score) == ("合格", "良好", 80.0)
    assert w.reachable and w.blocked_by.height == 0
    assert w.actions.schema == pl.Schema(ACTION_SCHEMA)
    assert w.actions.height > 0 and (w.actions["rule_points"] > 0).all()
    # the points add up to the promised score, each row's score is the running total
    assert w.score + w.actions["points"].sum() == pytest.approx(w.score_after)
    assert w.actions["score"].to_list() == pytest.approx(
        (w.score + w.actions["points"].cum_sum()).to_list()
    )
    before_last = w.actions["score"][-2] if w.actions.height > 1 else w.score
    assert w.score_after >= 80 > before_last
    assert w.grade_after == "良好"


def test_two_overdue_listed_hazards_lift_dongting_lake(answers, yiyang_2024):
    """430971 (78.53) needs 1.47: a listed 重大 hazard overdue at the year's end wins back
    C4's 1 point and C3's 2 ÷ 36 (one of the 36 listed hazards due in the year); C has
    no excess over its cap, so each adds 1 + 2/36 to the score; two are needed."""
    w = answers["430971"]
    assert w.units == 2 and set(w.actions["table"]) == {"hazards"}
    assert w.actions["rule_id"].to_list() == ["C3、C4", "C3、C4"]
    assert w.actions["rule_points"].to_list() == pytest.approx([1 + 2 / 36] * 2)
    assert w.score_after == pytest.approx(region(yiyang_2024, "430971")["score"] + 2 * (1 + 2 / 36))
    c4 = yiyang_2024.line_items.filter(
        (pl.col("subject_id") == "430971") & (pl.col("rule_id") == "C4")
    )["evidence"][0]
    assert set(w.actions["row_id"]) <= set(c4)


def test_the_cap_is_won_back_before_points_come(answers, yiyang_2024):
    """430923's C deductions exceed the section's 15 points by 10.71: the first actions
    in C only win that back (0 points to the score), so 14 are needed for 2.59."""
    w = answers["430923"]
    cap = yiyang_2024.line_items.filter(
        (pl.col("subject_id") == "430923") & (pl.col("rule_id") == "C.cap")
    )["points"][0]
    assert w.excess["C"] == pytest.approx(cap)
    assert w.units == 14
    zero = w.actions.filter(pl.col("points") < 1e-9)
    assert zero.height == 10 and zero["rule_points"].sum() < cap  # below the excess
    assert w.actions.head(11)["rule_points"].sum() > cap  # the 11th crosses it
    assert "封顶" in w.to_text()


def test_re_assessed_with_the_actions_each_region_gets_the_promised_grade(answers, lifted):
    _, after = lifted
    for code in REACHABLE:
        w, now = answers[code], region(after, code)
        assert now["grade"] == w.grade_after == w.target_grade, code
        assert now["score"] == pytest.approx(w.score_after, abs=1e-6), code


def test_one_action_fewer_falls_short(answers, one_short):
    for code in REACHABLE:
        w, now = answers[code], region(one_short, code)
        assert now["score"] < w.target_score, code
        assert now["grade"] == w.grade, code


def test_every_action_taken_gives_the_stated_best_score(answers, lifted):
    """430903 cannot reach 优秀: the answer's best score (every hazard on time, every
    case measure, work item and duty) is what the assessment gives with all of them."""
    w = answers[SHORT_OF_ALL]
    assert not w.reachable and w.blocked_by.height == 0 and w.actions.height == 0
    assert w.score_after < w.target_score == 90
    _, after = lifted
    assert region(after, SHORT_OF_ALL)["score"] == pytest.approx(w.score_after, abs=1e-6)
    assert f"得分最多 {number_text(w.score_after)} 分" in w.note


# --- blocked, top, unknown ---------------------------------------------------------------------


def test_a_vetoed_county_is_not_reachable_and_the_veto_is_named(answers, yiyang_2024):
    w = answers["430922"]
    assert not w.reachable and w.target_grade == "合格" and w.actions.height == 0
    assert w.blocked_by.schema == pl.Schema(BLOCK_SCHEMA)
    veto = yiyang_2024.line_items.filter(
        (pl.col("subject_id") == "430922") & (pl.col("rule_id") == "veto")
    )
    assert w.blocked_by.rows() == veto.select("rule_id", "reason", "basis").rows()
    assert "SG202400068" in w.blocked_by["reason"][0]
    assert "一票否决" in w.to_text().splitlines()[1]


def test_a_county_at_the_top_grade_has_no_higher_grade(answers):
    w = answers["430902"]
    assert w.grade == "优秀" and w.target_grade is None and not w.reachable
    assert w.to_text().endswith("已是最高等次，没有更高的等次。")
    assert repr(w) == "WhatIf(430902: 优秀 98.74, top grade)"


def test_an_unknown_code_is_a_clear_error(yiyang_2024):
    with pytest.raises(LookupError, match="没有区划代码为 '4309' 的地区"):
        yiyang_2024.what_if("4309")


def test_an_assessment_without_inputs_says_so(yiyang_2024):
    import attrs

    bare = attrs.evolve(yiyang_2024, what_if_inputs=None)
    with pytest.raises(ValueError, match="assess"):
        acc.what_if(bare, "430971")


# --- decisions that stand in the way -----------------------------------------------------------


@pytest.fixture(scope="module")
def variant(yiyang_data, tmp_path_factory):
    """C4 worth nothing, and the committee lowers 430972's grade by one."""
    folder = tmp_path_factory.mktemp("whatif-rules")
    book = acc.load_rulebook(
        rule_file(folder, '[annual.c4_points_per_hazard]\nvalue = 0\nbasis = "试"\n')
    )
    adjustments = yiyang_data.table("adjustments")
    down = pl.DataFrame(
        {"subject_type": ["region"], "subject_id": ["430972"], "year": [YEAR], "points": [0.0],
         "reason": ["试：降低一等"], "basis": ["试"], "effect": ["grade_down"], "steps": [1]},
    ).select([pl.col(c).cast(t) for c, t in adjustments.schema.items()])  # fmt: skip
    data = yiyang_data.replace(adjustments=pl.concat([adjustments, down]))
    return data, book, acc.assess(data, book, year=YEAR)


def test_a_grade_cap_blocks_the_top_grade_with_its_accident(variant):
    """Without C4, 安化县 scores 90.71 but had a 较大 accident (SG202400111): 良好 at best."""
    _, _, result = variant
    w = result.what_if("430923")
    assert (w.grade, w.target_grade, w.reachable) == ("良好", "优秀", False)
    (rule_id, reason, basis), *_ = w.blocked_by.rows()
    assert rule_id == "grade_cap" and "SG202400111" in reason and reason.endswith("等次最高为良好")
    assert basis == REGISTRY["grade_cap"].basis(
        Context.for_year(result.what_if_inputs.rules, YEAR).rules
    )


def test_a_lowered_grade_needs_the_band_above(variant):
    """430972 scores 85.98 (良好) lowered to 合格: 良好 again needs 优秀's 90."""
    data, book, result = variant
    w = result.what_if("430972")
    assert (w.grade, w.target_grade, w.target_score) == ("合格", "良好", 90.0)
    assert w.reachable and w.grade_after == "良好"
    assert set(w.actions["table"]) == {"duty_records", "work_items"}
    again = acc.assess(apply(data, result, w.actions), book, year=YEAR)
    assert region(again, "430972")["grade"] == "良好"
    assert region(again, "430972")["score"] == pytest.approx(w.score_after, abs=1e-6)


# --- the search, against every subset -------------------------------------------------------


def _brute(candidates: pl.DataFrame, excess: dict[str, float], needed: float):
    rows = candidates.rows(named=True)
    best = None
    for size in range(len(rows) + 1):
        for subset in itertools.combinations(rows, size):
            cost = sum(r["cost"] for r in subset)
            sums: dict[str, float] = {}
            for r in subset:
                sums[r["section"]] = sums.get(r["section"], 0.0) + r["gain"]
            gain = sum(max(0.0, g - excess.get(s, 0.0)) for s, g in sums.items())
            if gain >= needed - 1e-9 and (
                best is None or cost < best[0] or (cost == best[0] and gain > best[1] + 1e-9)
            ):
                best = (cost, gain)
    return best


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from("BCE"),
            st.integers(1, 3),
            st.floats(0.05, 3.0, allow_nan=False).map(lambda x: round(x, 2)),
        ),
        min_size=1,
        max_size=8,
    ),
    excess=st.fixed_dictionaries({s: st.sampled_from([0.0, 0.5, 2.0]) for s in "BCE"}),
    needed=st.floats(0.1, 8.0, allow_nan=False),
)
def test_the_fewest_actions_are_the_fewest_of_all_subsets(rows, excess, needed):
    candidates = pl.DataFrame(
        [(f"r{i}", s, c, g) for i, (s, c, g) in enumerate(rows)],
        schema=["row_id", "section", "cost", "gain"],
        orient="row",
    )
    found = fewest_actions(candidates, excess, needed)
    best = _brute(candidates, excess, needed)
    if best is None:
        assert found is None
        return
    sums = found.group_by("section").agg(pl.col("gain").sum()).rows()
    gain = sum(max(0.0, g - excess.get(s, 0.0)) for s, g in sums)
    assert found["cost"].sum() == best[0]
    assert gain == pytest.approx(best[1])


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch, yiyang_2024):
    """The command with the session's assessment instead of loading the fixture again."""
    import accountability.cli.whatif as command

    monkeypatch.setattr(command, "_run", lambda *args, **kwargs: yiyang_2024)
    return CliRunner()


def test_the_command_lists_the_actions_within_80_columns(cli, answers):
    out = cli.invoke(
        app, ["whatif", str(YIYANG), "430971", "--year", "2024"], env={"COLUMNS": "80"}
    )
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert all(cells(line) <= 80 for line in lines)
    listed = [line.split()[2].split("（")[0] for line in lines if line.startswith("  ")
              and line.split()[0].rstrip(".").isdigit()]  # fmt: skip
    assert listed == answers["430971"].actions["row_id"].to_list()
    summary = next(line for line in lines if line.startswith("最少"))
    assert summary.startswith("最少 2 项行动") and "80.64" in summary


def test_the_command_names_a_veto(cli):
    out = cli.invoke(app, ["whatif", str(YIYANG), "430922", "--year", "2024"])
    assert out.exit_code == 0
    assert "[一票否决] 瞒报（谎报）事故 1 起（SG202400068）" in out.output


def test_the_command_refuses_an_unknown_region(cli):
    out = cli.invoke(app, ["whatif", str(YIYANG), "999999", "--year", "2024"])
    assert out.exit_code == 2
    assert "没有区划代码为 '999999' 的地区" in out.output
    assert "Traceback" not in out.output
