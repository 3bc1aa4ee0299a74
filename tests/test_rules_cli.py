"""`accountability rules show|diff|check` on the default and the worked example."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from accountability.cli import app
from accountability.cli.app import console, err_console
from accountability.rulebook import load_rulebook, rulebook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "hunan-city.toml")

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    """A wide console: text lines are long (output to the test runner is not a
    terminal, so `rules show` prints one block per parameter)."""
    monkeypatch.setattr(console, "width", 250)
    monkeypatch.setattr(err_console, "width", 250)


def run(*args: str):
    return runner.invoke(app, ["rules", *args])


def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(
        'extends = "default"\n[annual.section_weights]\nbasis = "x"\n'
        "value = { A = 40, B = 20, C = 15, D = 15, E = 5 }\n",
        encoding="utf-8",
    )
    return path


# -- check ----------------------------------------------------------------------


@pytest.mark.parametrize("target", ["default", EXAMPLE])
def test_check_passes_with_count_and_fingerprint(target):
    result = run("check", target)
    assert result.exit_code == 0, result.output
    book = rulebook() if target == "default" else load_rulebook(target)
    assert "规则库检查通过" in result.output
    assert f"{len(book.parameters)} 项参数" in result.output
    assert book.fingerprint in result.output


def test_check_fails_with_file_line_and_key(tmp_path):
    path = bad_file(tmp_path)
    result = run("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:4: annual.section_weights:" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_check_of_a_syntax_error_and_a_missing_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(
        'extends = "default"\n[annual.b2_coverage_target\nvalue = 1\n', encoding="utf-8"
    )
    result = run("check", str(path))
    assert result.exit_code == 1 and f"{path}:2:" in result.output
    result = run("check", str(tmp_path / "none.toml"))  # no file to check: a usage error
    assert result.exit_code == 2 and "找不到规则文件" in result.output


# -- show -----------------------------------------------------------------------


def test_show_default_lists_every_parameter_with_its_basis():
    result = run("show")
    assert result.exit_code == 0, result.output
    for key in rulebook().parameters:
        assert key in result.output
    assert "国务院令第493号第三条" in result.output
    assert "参数" in result.output and "依据" in result.output


def test_show_one_section():
    result = run("show", "default", "--section", "four_musts")
    assert result.exit_code == 0, result.output
    assert "four_musts.repeat_windows" in result.output
    assert "annual.base" not in result.output
    assert "days=180" in result.output


def test_show_an_unknown_section_suggests_one():
    result = run("show", "--section", "anual")
    assert result.exit_code == 2
    assert "annual" in result.output


def test_show_the_example_on_both_sides_of_its_boundary():
    def a1_row(on: str) -> str:
        result = run("show", EXAMPLE, "--section", "annual", "--on", on)
        assert result.exit_code == 0, result.output
        rows = [line for line in result.output.splitlines() if "annual.a1_points_per_death" in line]
        assert rows, result.output
        return rows[0]

    assert a1_row("2024-12-31") == "annual.a1_points_per_death = 2（分/人）"
    assert a1_row("2025-01-01") == "annual.a1_points_per_death = 3（分/人）"
    assert "尚未生效" in a1_row("2023-12-31")
    result = run("show", EXAMPLE, "--section", "annual", "--on", "2025-01-01")
    assert "⏱ 共 2 期取值，此值自 2025-01-01 起" in result.output
    assert "0.35" in result.output and "zero" in result.output


def test_show_rejects_a_bad_date():
    result = run("show", "--on", "2024-13-01")
    assert result.exit_code == 2
    assert "日期格式不正确" in result.output


# -- diff -----------------------------------------------------------------------


def test_diff_of_the_example_against_the_default():
    result = run("diff", "default", EXAMPLE)
    assert result.exit_code == 0, result.output
    for key in (
        "annual.a1_points_per_death",
        "annual.b2_coverage_target",
        "annual.e1_target_share",
        "annual.veto_effect",
    ):
        assert key in result.output
    assert "annual.base" not in result.output
    assert "0.3" in result.output and "0.35" in result.output
    assert "2025-01-01 起: 3" in result.output
    assert "4 项参数不同" in result.output
    assert load_rulebook(EXAMPLE).fingerprint[:16] in result.output


def test_diff_shows_added_and_removed(tmp_path):
    a = tmp_path / "a.toml"
    b = tmp_path / "b.toml"
    a.write_text('[s.p]\nbasis = "x"\nvalue = 1\n[s.q]\nbasis = "x"\nvalue = 1\n', encoding="utf-8")
    b.write_text('[s.p]\nbasis = "x"\nvalue = 2\n[s.r]\nbasis = "x"\nvalue = 1\n', encoding="utf-8")
    result = run("diff", str(a), str(b))
    assert result.exit_code == 0, result.output
    assert "修改" in result.output and "新增" in result.output and "删除" in result.output


def test_diff_of_identical_rulebooks():
    result = run("diff", "default", "default")
    assert result.exit_code == 0
    assert "参数相同" in result.output


def test_diff_with_a_bad_file_exits_2(tmp_path):
    result = run("diff", "default", str(bad_file(tmp_path)))
    assert result.exit_code == 2
    assert "annual.section_weights" in result.output


def test_allow_lets_a_city_file_extend_its_provinces_file_outside_its_folder(tmp_path):
    (tmp_path / "province").mkdir()
    (tmp_path / "city").mkdir()
    (tmp_path / "province" / "p.toml").write_text(
        'extends = "default"\n[annual.b2_coverage_target]\nvalue = 0.4\nbasis = "省"\n',
        encoding="utf-8",
    )
    city = tmp_path / "city" / "c.toml"
    city.write_text(
        'extends = "../province/p.toml"\n[annual.b2_points]\nvalue = 5.0\nbasis = "市"\n',
        encoding="utf-8",
    )
    refused = run("check", str(city))
    assert refused.exit_code == 1 and "extends 只能指向" in refused.output
    allowed = run("check", str(city), "--allow", str(tmp_path / "province"))
    assert allowed.exit_code == 0, allowed.output
    shown = run("show", str(city), "--section", "annual", "--allow", str(tmp_path / "province"))
    assert shown.exit_code == 0 and "0.4" in shown.output
