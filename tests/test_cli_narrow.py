"""The command line at 80 columns and piped: nothing wrapped inside a word, no column
narrower than its label, long tables as one block per row; `--version`; help without
`<bool>`; `validate --out` writing values as they were written."""

from __future__ import annotations

import csv
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.testing import CliRunner

from accountability.cli import app
from accountability.cli.app import blocks_wanted, console, indented, say
from accountability.rulebook import load_rulebook, rulebook
from accountability.terminal import cells, line_starts
from accountability.version import __version__

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "hunan-city.toml"
WORD = re.compile(r"[A-Za-z0-9_]+")

runner = CliRunner()


def piped(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    """`accountability ARGS | cat` with COLUMNS set: stdout is a pipe, not a terminal."""
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("FORCE_COLOR", None)
    env.pop("TTY_COMPATIBLE", None)
    return subprocess.run(
        [sys.executable, "-c", "from accountability.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


def pieces(text: str, width: int) -> list[str]:
    starts = line_starts(text, width)
    return [text[a:b] for a, b in zip([0, *starts], [*starts, None], strict=True)]


# --- rules show ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def shown() -> str:
    result = piped("rules", "show", "--on", "2024-12-31")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_rules_show_piped_fits_80_columns_as_blocks(shown):
    lines = shown.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert not any(line != line.rstrip() for line in lines)  # no padding to the edge
    assert "┃" not in shown and "│" not in shown  # blocks, not a table
    book = rulebook()
    # Every parameter is there, its value on the key's line when it fits.
    for key in book.parameters:
        assert re.search(rf"^{re.escape(key)} =", shown, re.M), key
    assert "annual.base = 100（分）" in shown
    # 2,438 lines before (the 名称 column one character a line); the text itself
    # fills 272 lines of 80 columns, so about five lines a parameter is the floor
    # for a readable block (key and value, name, basis).
    assert len(lines) < 6 * len(book.parameters)


def test_rules_show_breaks_no_word_number_or_key(shown):
    book = rulebook()
    text = " ".join(shown.split())
    for key, param in book.parameters.items():
        for word in WORD.findall(" ".join([key, param.label, param.basis])):
            assert word in text, (key, word)


def test_rules_show_names_are_not_narrow_columns(shown):
    """The old table gave 名称 five columns (one character a line).  A block's name
    lines use the whole width: every line but a name's last is at least half the
    width, and no line is narrower than the shortest name unless it ends one."""
    book = rulebook()
    shortest = min(cells(p.label) for p in book.parameters.values())
    blocks = re.split(r"^(?=\S+ =)", shown, flags=re.M)
    checked = 0
    for block in blocks[1:]:
        lines = block.splitlines()
        key = lines[0].split(" =")[0]
        label = book.parameters[key].label
        name_lines = [
            line
            for line in lines[1:]
            if line.startswith("  ")
            and not line.startswith("    ")
            and not line.strip().startswith(("依据：", "⏱"))
        ]
        assert "".join(line.strip() for line in name_lines).replace(" ", "") == label.replace(
            " ", ""
        ), key
        assert len(name_lines) <= math.ceil(cells(label) / 78) + 1, key
        for line in name_lines[:-1]:
            assert cell_len(line) >= 40 and cell_len(line.strip()) >= shortest, (key, line)
        checked += 1
    assert checked == len(book.parameters)


def test_rules_show_of_a_city_file_with_dated_values():
    result = piped("rules", "show", str(EXAMPLE), "--section", "annual", "--on", "2025-01-01")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert "annual.a1_points_per_death = 3（分/人）" in lines
    assert "  ⏱ 共 2 期取值，此值自 2025-01-01 起" in lines


def test_rules_show_structured_values_one_entry_a_line(shown):
    lines = shown.splitlines()
    start = lines.index("accident_grading.bands =（人 / 人 / 万元）")
    assert lines[start + 1].startswith("    grade=特别重大, deaths=30,")
    assert lines[start + 2].startswith("    grade=重大, deaths=10,")


def test_rules_show_table_in_a_wide_terminal(monkeypatch):
    """A terminal wide enough keeps the table: the key and unit unwrapped, 名称 on one
    line in its header, no text column narrower than TEXT_MIN, no word broken."""
    import accountability.cli.rules as rules_cli

    monkeypatch.setattr(console, "width", 200)
    monkeypatch.setattr(rules_cli, "blocks_wanted", lambda needed, **_: needed > 200)
    result = runner.invoke(app, ["rules", "show", "--section", "four_musts"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if "参数" in line and "依据" in line)
    assert "名称" in header and "单位" in header
    assert max(cell_len(line) for line in lines) <= 200
    widths = [cell_len(cell) for cell in header.strip("┃").split("┃")]
    assert min(widths[1], widths[2], widths[4]) >= rules_cli.TEXT_MIN
    text = " ".join(part.strip() for line in lines for part in line.split("│"))
    book = rulebook()
    for key, param in book.parameters.items():
        if param.section == "four_musts":
            assert key in text
            for word in WORD.findall(param.basis):
                assert word in text, (key, word)


def test_rules_diff_piped_fits_and_keeps_words():
    result = piped("rules", "diff", "default", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    book = load_rulebook(EXAMPLE)
    text = " ".join(result.stdout.split())
    for word in WORD.findall(book.parameters["annual.a1_points_per_death"].basis):
        assert word in text


# --- version and help ---------------------------------------------------------------


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"accountability {__version__}"
    assert piped("--version").stdout.strip() == f"accountability {__version__}"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["assess"],
        ["explain"],
        ["demo"],
        ["validate"],
        ["compare"],
        ["rules"],
        ["rules", "show"],
        ["rules", "diff"],
        ["rules", "check"],
    ],
)
def test_help_shows_flags_without_a_type(command):
    result = piped(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "<bool>" not in result.stdout
    assert "--help" in result.stdout
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 80


def test_help_lists_the_version_and_the_quiet_flag():
    top = piped("--help").stdout
    assert "--version" in top and "--debug" in top
    validate = piped("validate", "--help").stdout
    assert re.search(r"--quiet\s+-q\s+不显示进度", validate)
    assert re.search(r"--strict-codes\s+reject", validate)


def test_help_text_is_not_cut_short():
    """Rich keeps a wrapped line's trailing space when the line holds Chinese, and a
    help cell then cuts the last letter off with an ellipsis ("stderr…")."""
    result = piped("validate", "--help")
    text = " ".join(part.strip(" │") for part in result.stdout.splitlines())
    assert "no progress display on stderr; it is never shown" in " ".join(text.split())
    grid = Table.grid()
    grid.add_column()
    grid.add_row(
        Text("不显示进度 (no progress display on stderr; it is never shown when stderr is")
    )
    out = Console(width=42)
    with out.capture() as capture:
        out.print(grid)
    assert "…" not in capture.get() and "stderr;" in capture.get()


# --- validate -----------------------------------------------------------------------

REGIONS = "区划代码,名称,上级区划代码,级别\n430900,益阳市,,市\n430902,资阳区,430900,县\n"
ACCIDENTS = (
    "事故编号,区划代码,统一社会信用代码,行业领域,发生日期,死亡人数,失踪人数,重伤人数,"
    "直接经济损失(万元),迟报,瞒报\n"
    "SG001,430902,,道路交通,2024-03-05,-1,0,0,1.5,否,否\n"
    "SG002,430902,,道路交通,2024-03-06,0,0,0,-0.5,否,否\n"
    'SG003,430902,,道路交通,2024-03-07,"=HYPERLINK(""x"")",0,0,0,否,否\n'
    "SG004,+12,,道路交通,2024-03-08,0,0,0,0,否,否\n"
)


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "regions.csv").write_text(REGIONS, encoding="utf-8")
    (folder / "accidents.csv").write_text(ACCIDENTS, encoding="utf-8")
    return folder


def test_validate_out_writes_values_as_written(messy, tmp_path):
    out = tmp_path / "issues.csv"
    result = runner.invoke(
        app, ["validate", str(messy), "--as-of", "2025-01-01", "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    values = {(row["行号"], row["列"]): row["原值"] for row in rows}
    assert values[("1", "deaths")] == "-1"
    assert values[("2", "direct_loss_10k_yuan")] == "-0.5"
    assert values[("4", "region_code")] == "+12"
    assert values[("3", "deaths")] == '\'=HYPERLINK("x")'  # a formula stays inert


def test_validate_piped_at_80_columns(messy):
    result = piped("validate", str(messy), "--as-of", "2025-01-01")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert any(str(messy) in line for line in lines)  # the path whole, on one line
    assert max(cell_len(line) for line in lines if str(messy) not in line) <= 80
    assert "…" not in result.stdout  # nothing cut short
    assert "2024-03-05 – 2024-03-05" not in result.stdout  # all four rejected: no dates
    assert re.search(r"^表\s+读取\s+保留\s+拒收\s+警告\s+日期范围", result.stdout, re.M)
    assert "原值 '-1'" in result.stdout


def test_validate_counts_as_lines_when_the_table_does_not_fit(messy):
    result = piped("validate", str(messy), "--as-of", "2025-01-01", columns=40)
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines if str(messy) not in line) <= 40
    at = lines.index("accidents · 读取 4 · 保留 0 · 拒收 4")  # broken between fields only
    assert lines[at + 1] == "    警告 0"


# --- the pieces ---------------------------------------------------------------------


def test_say_never_breaks_a_path():
    path = "/a/very/long/path/" + "x" * 70 + "/yiyang-2024"
    printer = Console(width=80, force_terminal=False)
    with printer.capture() as capture:
        say(f"完整结果: accountability assess {path} --year 2024", printer=printer)
    assert capture.get() == f"完整结果: accountability assess {path} --year 2024\n"


def test_blocks_wanted_assumes_80_columns_for_a_pipe():
    pipe = Console(width=200, force_terminal=False)
    terminal = Console(width=200, force_terminal=True)
    assert blocks_wanted(81, printer=pipe) and not blocks_wanted(80, printer=pipe)
    assert not blocks_wanted(150, printer=terminal) and blocks_wanted(201, printer=terminal)


def test_indented_hangs_and_keeps_styles():
    lines = indented(Text("依据：" + "国务院令第493号第三条" * 4, style="dim"), hang=8, width=30)
    assert all(line.plain.startswith(" " * 8) for line in lines[1:])
    assert all(cell_len(line.plain) <= 30 for line in lines)
    assert all(span.style == "dim" for line in lines for span in line.spans)
    assert "".join(line.plain.strip() for line in lines) == "依据：" + "国务院令第493号第三条" * 4


def test_line_starts_keeps_words_numbers_and_punctuation_rules():
    assert pieces("依据：国务院令第493号第三条；事故统计口径", 16) == [
        "依据：国务院令第",
        "493号第三条；事",
        "故统计口径",
    ]
    # A closing mark never starts a line; an opening one never ends one.
    for width in range(6, 30):
        for line in pieces(
            "考核（A 事故控制、B 打非治违）以“四个一律”为准，见《安全生产法》。", width
        ):
            assert line[:1] not in "，。、）”》" and line.rstrip()[-1:] not in "（“《"
    key = "accidents.lacked_conditions"
    assert pieces(f"{key} 标注", 29) == [f"{key} ", "标注"]
    assert pieces(f"见 {key}", 20) == ["见 ", key[:20], key[20:]]  # only a word too wide is cut
    assert line_starts(f"见 {key} 处", 20, cut=False) == [2, 2 + len(key) + 1]  # a path: whole


_MIXED = st.lists(
    st.one_of(
        st.sampled_from(["考核", "隐患", "（", "）", "，", "。", "“", "”", " ", "、"]),
        st.from_regex(r"[A-Za-z0-9_=-]{1,12}", fullmatch=True),
    ),
    max_size=40,
).map("".join)


@given(_MIXED, st.integers(min_value=4, max_value=60))
@example(" 考核", 4)  # leading spaces take room on the first line
def test_line_starts_properties(text, width):
    starts = line_starts(text, width)
    parts = pieces(text, width)
    assert "".join(parts) == text  # nothing lost, nothing added
    assert all(cells(part.rstrip()) <= width for part in parts)
    # An English word or a number that fits a line stays whole, unless punctuation
    # that may not end or start a line ties it to a neighbour ("（abc", "abc，").
    for run in re.finditer(r"[!-~]+", text):
        before = text[run.start() - 1] if run.start() else " "
        after = text[run.end()] if run.end() < len(text) else " "
        if run.end() - run.start() <= width and not ({before, after} & set("（“）”，。、")):
            assert not [s for s in starts if run.start() < s < run.end()], (run.group(), parts)


def test_progress_display_is_one_line_at_any_width():
    from accountability.cli.progress import TerminalSteps

    narrow = Console(width=24, force_terminal=True)
    steps = TerminalSteps(narrow, delay=3600)
    try:
        steps("读取 hazards.parquet")
        lines = narrow.render_lines(steps._render(), narrow.options)
    finally:
        steps.close()
    assert len(lines) == 1
    assert "".join(segment.text for segment in lines[0]).rstrip().endswith("…")


# --- assess and demo --------------------------------------------------------------------


def test_assess_help_names_every_output_format():
    result = piped("assess", "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    for form in ("FILE.xlsx", "FILE.html", "FILE.csv", "FILE.md", "directory", "--format"):
        assert form in text, form


def test_demo_piped_at_80_columns_prints_its_closing_command_whole():
    result = piped("demo", "--quiet")
    assert result.returncode == 0, result.stderr
    closing = [line for line in result.stdout.splitlines() if line.startswith("完整结果")]
    assert len(closing) == 1
    assert re.search(
        r"accountability assess \S*yiyang-2024 --year 2024 --out result\.xlsx", closing[0]
    )


def test_demo_piped_at_80_columns_puts_each_notes_lines_under_its_text():
    """注1 …: a note longer than the line continues under its own text, never under its
    marker, and is broken only where Chinese and English text may break."""
    lines = piped("demo", "--quiet").stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("注1  430900 益阳市"))
    assert lines[first + 1].startswith("     ") and not lines[first + 1][5].isspace()
    assert max(cell_len(line) for line in lines[first : first + 4]) <= 80
    note = lines[first] + lines[first + 1].strip()
    assert "（SG202400068）" in note and "当年不得评先评优" in note
