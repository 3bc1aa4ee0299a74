"""Progress: the library tells each step as it starts; the command line draws it on a
terminal only, after a moment, and clears it."""

from __future__ import annotations

import io
import time

from rich.console import Console
from typer.testing import CliRunner

from accountability.assessment import assess
from accountability.cli import app
from accountability.cli.progress import TerminalSteps, steps
from accountability.tables import load_dataset
from tests.conftest import YIYANG


def test_loading_tells_each_file_then_each_table_then_the_references():
    told: list[str] = []
    load_dataset(YIYANG, as_of="2025-01-31", progress=told.append)
    reads = [s for s in told if s.startswith("读取 ")]
    checks = [s for s in told if s.startswith("校验 ")]
    assert reads == [f"读取 {p.name}" for p in sorted(YIYANG.glob("*.csv"))]
    assert "校验 hazards" in checks and len(checks) == len(reads)
    assert told.index(reads[-1]) < told.index(checks[0]) < told.index("核对 表间引用")


def test_assess_tells_each_scorer(yiyang_data):
    told: list[str] = []
    assess(yiyang_data, year=2024, progress=told.append)
    assert told == [
        "考核 四个一律",
        "考核 一岗双责",
        "考核 企业主体责任",
        "考核 应移送未移送",
        "考核 年度目标管理考核",
        "考核 部门和国有企业",
        "汇总 扣分明细",
    ]


def _terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=80), out


def test_the_display_shows_the_step_under_way_once_work_takes_a_moment_and_clears_it():
    console, out = _terminal()
    display = TerminalSteps(console, delay=0.0)
    display("读取 hazards.csv")
    time.sleep(0.4)
    display.close()
    assert "读取 hazards.csv" in out.getvalue()


def test_quick_work_draws_nothing():
    console, out = _terminal()
    display = TerminalSteps(console, delay=5.0)
    display("读取 regions.csv")
    display.close()
    assert out.getvalue() == ""


def test_nothing_is_drawn_when_quiet_or_not_a_terminal():
    console, _ = _terminal()
    with steps(console, quiet=True) as progress:
        assert progress is None
    with steps(Console(file=io.StringIO()), quiet=False) as progress:
        assert progress is None
    with steps(console) as progress:
        assert progress is not None


def test_a_piped_command_prints_no_progress():
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0
    assert "读取" not in result.output and "考核 四个一律" not in result.output
    quiet = CliRunner().invoke(app, ["demo", "--quiet"])
    assert quiet.exit_code == 0 and quiet.stdout == result.stdout
