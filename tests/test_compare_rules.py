"""compare_assessments lists score changes beyond a tolerance beside grade, veto and
rank changes; `accountability compare-rules` shows them, and both comparison commands
read at 80 columns and when piped: a table where it fits, one block per row where it
does not, never a value cut short ("…")."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import polars as pl
import pytest
from rich.cells import cell_len
from rich.console import Console, RenderableType
from test_annual import CITY, H, N, Z, dataset
from typer.testing import CliRunner

from accountability.assessment import Assessment, assess
from accountability.cli import app
from accountability.cli import compare as cli_compare
from accountability.compare import COMPARE_SCHEMA, SCORE_TOLERANCE, compare_assessments

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "yiyang-2024"
FIELDS = ("score", "grade", "vetoed", "rank")


@pytest.fixture(scope="module")
def base() -> Assessment:
    """Four regions (益阳市 and three counties) assessed with no events at all, given
    hand-picked scores."""
    result = assess(dataset(), year=2024)
    scores = {CITY: 90.0, Z: 98.74, H: 85.4375, N: 80.95}
    regions = result.regions.with_columns(
        pl.col("region_code").replace_strict(scores).alias("score")
    )
    return attrs.evolve(result, regions=regions)


def edited(result: Assessment, code: str, **values: Any) -> Assessment:
    """`result` with region `code`'s fields set to `values` (nothing else changes)."""
    at = pl.col("region_code") == code
    regions = result.regions.with_columns(
        pl.when(at).then(pl.lit(v, dtype=result.regions.schema[k])).otherwise(pl.col(k)).alias(k)
        for k, v in values.items()
    )
    return attrs.evolve(result, regions=regions)


def changes(diff: pl.DataFrame) -> dict[str, list[str]]:
    return dict(zip(diff["region_code"], diff["changes"].to_list(), strict=True))


# --- compare_assessments -------------------------------------------------------------


def test_only_a_score_change_beyond_the_tolerance_is_listed(base: Assessment) -> None:
    score = base.regions.filter(pl.col("region_code") == Z)["score"].item()
    moved = edited(base, Z, score=score - 0.006)
    diff = compare_assessments(base, moved)
    assert changes(diff) == {Z: ["score"]}
    row = diff.row(0, named=True)
    assert row["score_a"] == score and row["score_b"] == score - 0.006
    assert row["score_change"] == pytest.approx(-0.006)
    assert (row["grade_a"], row["vetoed_a"], row["rank_a"]) == (
        row["grade_b"],
        row["vetoed_b"],
        row["rank_b"],
    )
    assert row["line_items"] == []  # the line items are the same: only the score was edited
    assert diff.schema == pl.Schema(COMPARE_SCHEMA)


def test_a_score_change_within_the_tolerance_is_not(base: Assessment) -> None:
    score = base.regions.filter(pl.col("region_code") == Z)["score"].item()
    nudged = edited(base, Z, score=score + 0.004)
    assert SCORE_TOLERANCE == 0.005
    assert compare_assessments(base, nudged).height == 0
    assert changes(compare_assessments(base, nudged, tolerance=0.001)) == {Z: ["score"]}
    assert changes(compare_assessments(base, nudged, tolerance=0)) == {Z: ["score"]}
    assert compare_assessments(base, edited(base, Z, score=score - 3), tolerance=5).height == 0
    everyone = compare_assessments(base, nudged, all_regions=True)
    assert changes(everyone) == {CITY: [], Z: [], H: [], N: []}


def test_grade_veto_and_rank_changes_each_named(base: Assessment) -> None:
    b = edited(base, Z, grade="不合格")
    b = edited(b, H, vetoed=True)
    b = edited(b, N, rank=99)
    assert changes(compare_assessments(base, b)) == {Z: ["grade"], H: ["vetoed"], N: ["rank"]}


def test_several_changes_in_order(base: Assessment) -> None:
    b = edited(base, H, score=0.0, grade="不合格", vetoed=True, rank=4)
    diff = compare_assessments(base, b)
    assert changes(diff) == {H: ["score", "grade", "vetoed", "rank"]}
    row = diff.row(0, named=True)
    assert (row["score_b"], row["grade_b"], row["vetoed_b"], row["rank_b"]) == (
        0.0,
        "不合格",
        True,
        4,
    )


def test_a_score_on_one_side_only_changes(base: Assessment) -> None:
    assert changes(compare_assessments(base, edited(base, Z, score=None))) == {Z: ["score"]}
    nulls = edited(edited(base, Z, score=None), H, score=None)
    assert compare_assessments(nulls, nulls).height == 0


def test_a_region_in_one_assessment_only_lists_all_four(base: Assessment) -> None:
    fewer = attrs.evolve(base, regions=base.regions.filter(pl.col("region_code") != N))
    assert changes(compare_assessments(base, fewer)) == {N: list(FIELDS)}
    assert changes(compare_assessments(fewer, base)) == {N: list(FIELDS)}


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_a_tolerance_must_be_a_finite_number_at_least_0(base: Assessment, bad: float) -> None:
    with pytest.raises(ValueError, match="tolerance"):
        compare_assessments(base, base, tolerance=bad)
    with pytest.raises(TypeError, match="tolerance"):
        compare_assessments(base, base, tolerance="0.1")  # type: ignore[arg-type]


# --- rendering: a table where it fits, blocks where it does not ----------------------


def rendered(renderable: RenderableType, width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(renderable)
    return out.getvalue()


def assert_fits(text: str, width: int) -> None:
    assert "…" not in text
    wide = [line for line in text.splitlines() if cell_len(line.rstrip()) > width]
    assert not wide, wide


def test_compare_rules_view_table_or_blocks(base: Assessment) -> None:
    b = edited(base, Z, score=0.0, grade="不合格", vetoed=True, rank=3)
    b = edited(b, H, score=71.234)
    diff = compare_assessments(base, b)
    score_z = base.regions.filter(pl.col("region_code") == Z)["score"].item()
    wide = rendered(cli_compare.rules_view(diff, 120), 120)
    assert "区划代码" in wide and "一票否决" in wide
    line = next(row for row in wide.splitlines() if Z in row)
    assert f"{score_z:g} → 0" in line and "否 → 是" in line and "→ 不合格" in line
    assert "71.23" in wide
    for width in (50, 36):
        narrow = rendered(cli_compare.rules_view(diff, width), width)
        assert "区划代码" not in narrow  # one block per region
        assert_fits(narrow, width)
        assert f"{Z} 资阳区" in narrow and f"{H} 赫山区" in narrow
        assert f"{score_z:g} → 0（−{score_z:g}）" in narrow
        assert "一票否决  否 → 是" in narrow


PERIODS = pl.DataFrame(
    {
        "scope": ["总计", "总计", "非煤矿山"],
        "indicator": ["事故起数", "直接经济损失(万元)", "直接经济损失(万元)"],
        "unit": ["起", "万元", "万元"],
        "current": [163.0, 123_456_789.12, 180.0],
        "previous": [190.0, 4_862.35, 0.21],
        "change": [-27.0, 123_451_926.77, 179.79],
        "change_pct": [-14.21, 2_539_000.0, 85_614.29],
        "note": [None, None, None],
    },
    schema_overrides={"note": pl.String},
)


@pytest.mark.parametrize("width", [200, 80, 60, 36])
def test_year_on_year_values_are_never_cut(width: int) -> None:
    text = rendered(cli_compare.comparison_view(PERIODS, width), width)
    assert_fits(text, width)
    for value in ("123,456,789.12", "+123,451,926.77", "+2539000.00%", "+85614.29%", "-14.21%"):
        assert value in text, (value, text)
    if width == 200:
        assert "上年同期" in text.splitlines()[1]  # the table's header
    else:
        assert "  事故起数  本期 163" in text  # one line (or more) per indicator


def test_compare_command_at_40_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_periods import REGIONS, SMALL

    folder = tmp_path / "data"
    folder.mkdir()
    REGIONS.write_csv(folder / "regions.csv")
    SMALL.write_csv(folder / "accidents.csv")
    monkeypatch.setattr(cli_compare.console, "width", 40)
    result = CliRunner().invoke(
        app, ["compare", str(folder), "--from", "2024-01-01", "--to", "2024-10-31"]
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert "事故起数  本期 4  上年同期 3" in result.output and "+33.33%" in result.output


# --- accountability compare-rules ----------------------------------------------------


def _entry_point() -> list[str]:
    script = Path(sys.executable).parent / "accountability"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from accountability.cli import main; main()"]


@pytest.mark.skipif(not (FIXTURE / "regions.csv").exists(), reason="no bundled fixture")
def test_compare_rules_on_the_fixture_piped_at_80_columns() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.update(COLUMNS="80", ACCOUNTABILITY_DEBUG="")
    args = ["compare-rules", "fixtures/yiyang-2024", "--year", "2024", "--as-of", "2025-01-15"]
    done = subprocess.run(
        [*_entry_point(), *args, "default", "examples/hunan-city.toml"],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode("utf-8")
    assert "\x1b" not in out
    listed = [line for line in out.splitlines() if line.lstrip()[:6].isdigit()]
    assert [line.split()[0] for line in listed] == ["430900", "430922"], out
    assert "68.48 → 0（−68.48）" in listed[0] and "益阳市" in listed[0]
    assert "83.05 → 0（−83.05）" in listed[1] and "桃江县" in listed[1]
    assert "不合格" in listed[0] and "→ 不合格" not in listed[0]  # unchanged: one value
    assert "examples/hunan-city.toml · 指纹" in out
    assert "9 个地区中 2 个" in out
    # Nothing cut short, nothing wider than 80 columns but the command to run next,
    # which stays whole on one line.
    assert "…" not in out
    wide = [line for line in out.splitlines() if cell_len(line.rstrip()) > 80]
    assert all(line.startswith("  accountability explain ") for line in wide), wide


def test_compare_rules_usage_errors(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "regions.csv").write_text(
        "region_code,name,parent_code,level\n430900,益阳市,,市\n", encoding="utf-8"
    )
    runner = CliRunner()
    base = ["compare-rules", str(folder), "--year", "2024", "default"]
    bad = runner.invoke(app, [*base, "default", "--tolerance", "-1"])
    assert bad.exit_code == 2 and "--tolerance" in bad.stderr
    missing = runner.invoke(app, [*base, str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2 and "nope.toml" in missing.stderr
    same = runner.invoke(app, [*base, "default", "--as-of", "2025-01-01"])
    assert same.exit_code == 0, same.output
    assert "1 个地区的得分（容差 0.005 分）、等次、一票否决和排名都相同" in same.stdout
