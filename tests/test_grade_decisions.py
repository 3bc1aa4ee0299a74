"""Decisions on the grade (国办发〔2016〕64号: 降低考核等次; provinces: 不合格即一票否决).

- A committee adjustment with ``effect = "grade_down"`` lowers the grade by ``steps``
  after the grade cap, at most to the worst grade, records a 0-point line item and
  leaves the score as it is.
- ``annual.veto_if_grade`` lists grades that are themselves a veto (default: none);
  the veto is judged on the grade after it was lowered, then ``veto_effect`` applies.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from builders import frame
from conftest import rule_file
from test_annual import (
    ALL,
    CITY,
    YEAR,
    H,
    N,
    Z,
    finish_regions,
    has_item,
    item,
    items_frame,
    regions,
    row_of,
    with_params,
)

from accountability.assessment import assess
from tests.conftest import YIYANG


def _down(region: str, steps: int | None, **kw: Any) -> dict[str, Any]:
    return {
        "subject_type": kw.pop("subject_type", "region"),
        "subject_id": region,
        "year": kw.pop("year", YEAR),
        "points": kw.pop("points", 0.0),
        "reason": kw.pop("reason", "迟报生产安全事故"),
        "basis": kw.pop("basis", "市安委会决定"),
        "effect": kw.pop("effect", "grade_down"),
        "steps": steps,
    }


def _finish(items, adjustments=None, rules=None):
    adj = frame("adjustments", adjustments) if adjustments else None
    return finish_regions(items_frame(items), regions(), rules, YEAR, assessed=ALL, adjustments=adj)


def test_grade_down_lowers_the_grade_by_its_steps_and_keeps_the_score():
    # Z 92 (优秀) down 1 → 良好; H 85 (良好) down 2 → 不合格 (良好 → 合格 → 不合格)
    r = _finish(
        [(Z, "A5", -8.0), (H, "A5", -15.0)],
        [_down(Z, 1), _down(H, 2, reason="谎报事故")],
    )
    z, h = row_of(r, Z), row_of(r, H)
    assert (z["score"], z["grade"]) == (92.0, "良好")
    assert (h["score"], h["grade"]) == (85.0, "不合格")
    lowered = item(r.line_items, Z, "grade_down")
    assert lowered["points"] == 0.0
    assert lowered["reason"] == "委员会决定降低考核等次 1 等：迟报生产安全事故；等次由优秀降为良好"
    assert lowered["basis"] == "市安委会决定"
    assert not h["vetoed"]  # a low grade is not a veto unless the rulebook says so


def test_grade_down_stops_at_the_worst_grade_and_does_nothing_there():
    # N 50 is already 不合格: nothing to lower, no line item
    r = _finish([(N, "A5", -35.0), (N, "B1", -15.0), (Z, "A5", -35.0)], [_down(N, 1), _down(Z, 5)])
    assert row_of(r, N)["grade"] == "不合格"
    assert not has_item(r.line_items, N, "grade_down")
    assert row_of(r, Z)["grade"] == "不合格"  # 65 (合格) down 5 stops at 不合格
    assert "降为不合格" in item(r.line_items, Z, "grade_down")["reason"]


def test_grade_down_follows_the_grade_cap_and_does_not_roll_up():
    rows = [_down(Z, 1), _down(Z, 1, reason="第二项"), _down(CITY, 1, year=YEAR - 1)]
    r = _finish([], rows)
    assert row_of(r, Z)["grade"] == "合格"  # 100 优秀, two decisions of one step each
    assert row_of(r, CITY)["grade"] == "优秀"  # last year's decision, and no roll-up
    assert row_of(r, H)["grade"] == "优秀"


def test_points_adjustments_are_unchanged_by_the_new_columns():
    rows = [_down(Z, None, effect="points", points=-12.0, reason="核减")]
    r = _finish([], rows)
    assert row_of(r, Z)["score"] == 88.0 and row_of(r, Z)["grade"] == "良好"
    assert not has_item(r.line_items, Z, "grade_down")


@pytest.mark.parametrize(
    ("c4", "grade", "vetoed"), [(-10.0, "合格", False), (-10.1, "不合格", True)]
)
def test_veto_if_grade_makes_the_listed_grade_a_veto(c4, grade, vetoed):
    # 60 is 合格, 59.9 is 不合格: only the listed grade is vetoed
    rules = with_params(annual__veto_if_grade=["不合格"])
    r = _finish([(Z, "A5", -30.0), (Z, "C4", c4)], rules=rules)
    z = row_of(r, Z)
    assert (z["grade"], z["vetoed"]) == (grade, vetoed)
    assert has_item(r.line_items, Z, "veto.grade") is vetoed
    if vetoed:
        assert z["veto_reasons"] == ["考核等次为不合格，实行一票否决"]
        assert z["score"] == pytest.approx(59.9)  # veto_effect = grade keeps the score


def test_veto_if_grade_is_judged_after_grade_down_then_veto_effect_applies():
    rules = with_params(annual__veto_if_grade=["不合格"], annual__veto_effect="zero")
    r = _finish([(Z, "A5", -15.0)], [_down(Z, 2)], rules=rules)
    z = row_of(r, Z)
    assert z["grade"] == "不合格" and z["vetoed"]
    assert z["score"] == 0.0
    assert item(r.line_items, Z, "veto.zero")["points"] == -85.0
    total = r.line_items.filter(pl.col("subject_id") == Z)["points"].sum()
    assert 100 + total == pytest.approx(0.0)
    # vetoed regions rank last among their siblings
    assert row_of(r, Z)["rank"] == 3


def test_the_default_lists_no_grade():
    r = _finish([(Z, "A5", -35.0), (Z, "B1", -15.0)])
    assert row_of(r, Z)["grade"] == "不合格" and not row_of(r, Z)["vetoed"]


def test_a_grade_down_with_points_or_for_an_enterprise_is_warned_not_applied(tmp_path):
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(YIYANG, folder)
    extra = pl.DataFrame(
        [
            _down("430902", 1, points=-2.0),
            _down("GB43090004", 1, subject_type="enterprise"),
        ]
    ).with_columns(pl.col("steps").cast(pl.Int64))
    adjustments = pl.read_csv(folder / "adjustments.csv", infer_schema=False)
    merged = pl.concat(
        [
            adjustments.with_columns(effect=pl.lit("points"), steps=pl.lit(None, pl.String)),
            extra.select([pl.col(c).cast(pl.String) for c in extra.columns]),
        ],
        how="diagonal_relaxed",
    )
    merged.write_csv(folder / "adjustments.csv")
    from accountability.tables import load_dataset

    data = load_dataset(folder, as_of="2025-01-31")
    result = assess(data, year=2024)
    warned = result.warnings.filter(pl.col("table") == "adjustments")
    assert set(warned["rule"]) == {"grade_down_points_ignored", "adjustment_not_applied"}
    assert warned.filter(pl.col("rule") == "adjustment_not_applied")["message"].to_list() == [
        "降低考核等次只适用于地区，未计入 (not applied: only a region's grade is lowered)"
    ]
    baseline = assess(load_dataset(YIYANG, as_of="2025-01-31"), year=2024)
    z_now = result.regions.filter(pl.col("region_code") == "430902").row(0, named=True)
    z_before = baseline.regions.filter(pl.col("region_code") == "430902").row(0, named=True)
    assert z_now["score"] == z_before["score"]  # the −2 of a grade_down row is not counted
    assert z_before["grade"] == "优秀" and z_now["grade"] == "良好"


def test_a_grade_not_among_the_bands_is_a_rulebook_problem(tmp_path):
    from accountability.errors import RulebookError
    from accountability.rulebook import load_rulebook

    path = rule_file(tmp_path, '[annual.veto_if_grade]\nvalue = ["差"]\nbasis = "试"\n')
    with pytest.raises(RulebookError, match="差"):
        load_rulebook(path)
